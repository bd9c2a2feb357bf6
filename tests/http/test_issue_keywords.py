"""The default issue catalogue has one source of truth, the loader's data
files: after every migration the catalogue in the database equals
data/lexicon/issues.tsv (slugs, parents, names, descriptions) and its
keywords equal data/lexicon/issue_keywords.tsv. A change to either file
needs a new migration (an UPDATE guarded by the old value, as 010 is, so
that a user's edits are kept); these tests fail until it is written."""

import collections
import json
import os

import harness
from harness import ApiTest

LEXICON_DIR = os.path.join(harness.ROOT, "data", "lexicon")
MIGRATIONS_DIR = os.path.join(harness.ROOT, "sql", "migrations")


def read_rows(path, columns):
    """The rows of a lexicon TSV: '#' lines are comments, the first other
    line names the columns."""
    rows = []
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    lines = [line for line in lines if line and not line.startswith("#")]
    for number, line in enumerate(lines[1:], 2):
        fields = line.split("\t")
        if len(fields) != columns:
            raise ValueError(f"{path}: row {number}: {len(fields)} columns, not {columns}")
        rows.append(fields)
    return rows


def read_keywords():
    """Keywords per slug in file order, as the database stores them: a weak
    one prefixed with '~'."""
    keywords = collections.OrderedDict()
    for slug, keyword, strength in read_rows(
            os.path.join(LEXICON_DIR, "issue_keywords.tsv"), 3):
        if strength not in ("strong", "weak") or keyword.startswith("~"):
            raise ValueError(f"issue_keywords.tsv: {slug} {keyword!r} {strength}")
        keywords.setdefault(slug, []).append(keyword if strength == "strong" else "~" + keyword)
    return keywords


def pg_array(words):
    """A text[] literal with dollar quoting (keywords hold no '$k$')."""
    return "ARRAY[" + ", ".join(f"$k${w}$k$" for w in words) + "]::text[]"


class IssueKeywords(ApiTest):
    def database_keywords(self, url):
        rows = harness.run_psql(
            url, "SELECT slug, array_to_json(keywords) FROM issues ORDER BY slug")
        return {slug: json.loads(words) for slug, words in rows}

    def test_migrated_keywords_equal_the_data_file(self):
        url = self.fresh_database("parley_keywords")
        expected = read_keywords()
        stored = self.database_keywords(url)
        self.assertEqual(sorted(stored), sorted(expected), "the same issues have keywords")
        for slug, words in expected.items():
            self.assertEqual(stored.get(slug), words, slug)

    def test_migrated_catalogue_equals_the_data_file(self):
        url = self.fresh_database("parley_keywords")
        expected = sorted(tuple(row) for row in read_rows(
            os.path.join(LEXICON_DIR, "issues.tsv"), 4))
        rows = harness.run_psql(
            url, "SELECT i.slug, coalesce(p.slug, ''), i.name, i.description "
                 "FROM issues i LEFT JOIN issues p ON p.id = i.parent_id ORDER BY i.slug")
        self.assertEqual(sorted(tuple(r) for r in rows), expected)

    def test_update_keeps_edited_keywords(self):
        url = self.fresh_database("parley_keywords")
        # 010 again, on a database where one issue holds the old default and
        # another a user's own list: only the first changes.
        with open(os.path.join(MIGRATIONS_DIR, "010_issue_keywords.sql"), encoding="utf-8") as f:
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
        expected = read_keywords()
        self.assertEqual(stored["leaders-meeting"], expected["leaders-meeting"])
        self.assertEqual(stored["sanctions"], ["meeting", "my own"])
