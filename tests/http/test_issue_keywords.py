"""Issue keywords: one source of truth. After every migration the default
catalogue's keywords in the database equal sql/lexicon/issue_keywords.tsv
(the loader's embedded copy), and a keyword update keeps a user's edits."""

import importlib.util
import json
import os

import harness
from harness import ApiTest

SQL_DIR = os.path.join(harness.ROOT, "sql")
_spec = importlib.util.spec_from_file_location(
    "keywords_sql", os.path.join(harness.ROOT, "scripts", "keywords_sql.py"))
keywords_sql = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(keywords_sql)


def pg_array(words):
    """A text[] literal with dollar quoting (keywords hold no '$k$')."""
    return "ARRAY[" + ", ".join(f"$k${w}$k$" for w in words) + "]::text[]"


class IssueKeywords(ApiTest):
    def database_keywords(self, url):
        rows = harness.run_psql(
            url, "SELECT slug, array_to_json(keywords) FROM issues ORDER BY slug")
        return {slug: json.loads(words) for slug, words in rows}

    def test_migrated_keywords_equal_the_tsv(self):
        url = self.fresh_database("parley_keywords")
        expected = keywords_sql.read_keywords(keywords_sql.DEFAULT_TSV)
        stored = self.database_keywords(url)
        for slug, words in expected.items():
            self.assertEqual(stored.get(slug), words, slug)

    def test_update_keeps_edited_keywords(self):
        url = self.fresh_database("parley_keywords")
        # 010 again, on a database where one issue holds the old default and
        # another a user's own list: only the first changes.
        with open(os.path.join(SQL_DIR, "010_issue_keywords.sql"), encoding="utf-8") as f:
            update = f.read()
        marker = "WHERE slug = 'leaders-meeting' AND keywords = "
        start = update.index(marker) + len(marker)
        old_default = update[start:update.index(";", start)]
        harness.run_psql(url, f"UPDATE issues SET keywords = {old_default} "
                              "WHERE slug = 'leaders-meeting';"
                              "UPDATE issues SET keywords = "
                              f"{pg_array(['meeting', 'my own'])} WHERE slug = 'sanctions';")
        harness.run_psql(url, update)
        stored = self.database_keywords(url)
        expected = keywords_sql.read_keywords(keywords_sql.DEFAULT_TSV)
        self.assertEqual(stored["leaders-meeting"], expected["leaders-meeting"])
        self.assertEqual(stored["sanctions"], ["meeting", "my own"])
