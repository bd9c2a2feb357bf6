"""Dry runs name no record by id (issue 13, item 7): POST /articles?dry_run=true answers what a
load would store without the ids of the article, its parties and its claims (ids drawn in a
transaction that is rolled back never exist), and `parley load --dry-run --json` has none either
(../shared/spec/extraction.md)."""

import json
import os

from harness import ApiTest, word


def article_text(marker):
    return (f" date 2025-12-05\n\n"
            f"Kremlin spokesperson Dmitry Peskov told reporters that Moscow wants the {marker} talks to begin "
            f"at once.\n\n"
            f"\u201cThe strikes will have to stop,\u201d Zelensky said.\n")


def members(value, name):
    """Every value of member `name` anywhere in a JSON value."""
    if isinstance(value, dict):
        found = [value[name]] if name in value else []
        for item in value.values():
            found.extend(members(item, name))
        return found
    if isinstance(value, list):
        return [found for item in value for found in members(item, name)]
    return []


class DryRunIds(ApiTest):
    def load(self, text, query=""):
        return self.request("POST", f"/articles{query}", raw=text.encode("utf-8"),
                            headers={"Content-Type": "text/plain"})

    def assertNoIds(self, body):
        self.assertEqual(set(body), {"article", "parties", "claims"})
        self.assertTrue(body["claims"] and body["parties"], body)
        self.assertEqual(members(body, "id"), [], "no ids in a dry run")
        self.assertEqual(members(body, "article_id"), [], "no article ids in a dry run")

    def test_new_article(self):
        text = article_text(word())
        before = self.env.counts()
        resp = self.load(text, "?dry_run=true")
        body = self.expect(resp, 200)
        self.assertNoIds(body)
        self.assertNotIn("location", resp.headers)
        self.assertEqual(self.env.counts(), before)
        # As a load would store it, ids (and the load's own timestamps) aside.
        stored = self.expect(self.load(text), 201)
        self.assertEqual([c["start"] for c in body["claims"]], [c["start"] for c in stored["claims"]])
        self.assertEqual({p["slug"] for p in body["parties"]}, {p["slug"] for p in stored["parties"]})
        self.assertEqual(body["article"]["sha256"], stored["article"]["sha256"])

    def test_json_body_and_stored_article(self):
        text = article_text(word())
        body = self.expect(self.post("/articles?dry_run=true", {"text": text, "url": f"https://example.org/{word()}"}),
                           200)
        self.assertNoIds(body)
        self.expect(self.load(text), 201)
        # Stored already: the same answer, still without ids.
        self.assertNoIds(self.expect(self.load(text, "?dry_run=true"), 200))

    def test_cli_dry_run_json(self):
        path = f"/tmp/parley-dry-{word()}.txt"
        with open(path, "w", encoding="utf-8") as f:
            f.write(article_text(word()))
        try:
            out = self.env.cli("load", "--dry-run", "--json", path)
        finally:
            os.unlink(path)
        self.assertEqual(out.returncode, 0, out.stderr)
        body = json.loads(out.stdout)
        self.assertTrue(body["claims"])
        self.assertEqual(members(body, "id"), [])
        self.assertNotIn("id", body["article"])
