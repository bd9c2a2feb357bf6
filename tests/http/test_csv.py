"""Claim lists as CSV (Accept: text/csv): the same records as the JSON items, RFC 4180 quoting,
the same Link header, on every claim list; Accept negotiation; no cell a spreadsheet takes for a
formula."""

import csv
import io
import re
import unittest

from harness import ApiTest, uid

COLUMNS = ["id", "article_id", "party", "speaker", "issues", "stance", "quote", "text", "start", "end",
           "stated_on", "origin", "created_at", "updated_at"]
CSV = {"Accept": "text/csv"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_csv_row(item):
    """A JSON claim as the CSV row the server must give."""
    def cell(value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            value = ";".join(value)
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            return "'" + value  # OWASP: a text a spreadsheet would evaluate gets a leading quote
        return str(value)
    return [cell(item[c]) for c in COLUMNS]


class CsvTest(ApiTest):
    def setUp(self):
        self.party = self.make_party(kind="state")
        self.speaker = self.make_party(kind="person", affiliation=self.party["slug"])
        self.issue = self.make_issue()
        self.sub = self.make_issue(parent=self.issue["slug"])
        text = f"Zürich, \"quoted\"; line one\r\nline two\nend {uid()}"
        self.article = self.make_article(text)
        texts = ['Plain text', 'With, a comma', 'With "double" quotes', 'Two\nlines', 'CR\r\nLF',
                 '=1+1 looks like a formula', 'Ünïcödé ✓ 🕊', ' leading and trailing spaces ', '"', ',']
        self.claims = []
        for n, t in enumerate(texts):
            fields = {"text": t, "stance": ("demands", "rejects")[n % 2]}
            if n % 3 == 0:
                fields.update(article_id=self.article, start=0, end=6, speaker=self.speaker["slug"],
                              issues=[self.issue["slug"], self.sub["slug"]], stated_on="2025-12-29", quote=True)
            elif n % 3 == 1:
                fields.update(issues=[self.sub["slug"]], article_id=self.article)
            self.claims.append(self.make_claim(party=self.party["slug"], **fields))

    def rows(self, path, headers=CSV):
        resp = self.get(path, headers=headers)
        self.assertEqual(resp.status, 200, f"{resp.body!r:.300}")
        self.assertEqual(resp.headers.get("content-type"), "text/csv; charset=utf-8")
        self.assertIsInstance(resp.body, bytes)
        text = resp.body.decode("utf-8")
        self.assertTrue(text.endswith("\r\n"), "records end with CRLF")
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        self.assertEqual(rows[0], COLUMNS, "the header row")
        return resp, rows[1:]

    def test_every_claim_list_matches_its_json(self):
        paths = [f"/claims?party={self.party['slug']}", f"/parties/{self.party['slug']}/claims",
                 f"/issues/{self.issue['slug']}/claims", f"/articles/{self.article}/claims",
                 f"/claims?party={self.party['slug']}&sort=stated_on&stance=demands"]
        for path in paths:
            with self.subTest(path=path):
                items = self.ok_get(path)["items"]
                self.assertTrue(items)
                _, rows = self.rows(path)
                self.assertEqual(rows, [as_csv_row(i) for i in items])
        all_rows = self.rows(f"/claims?party={self.party['slug']}&limit=200")[1]
        self.assertEqual(sorted(r[7] for r in all_rows), sorted(as_csv_row(c)[7] for c in self.claims),
                         "texts with commas, quotes and line breaks survive the round trip")
        joined = [r[4] for r in all_rows if ";" in r[4]]
        self.assertTrue(joined and all(sorted(j.split(";")) == sorted([self.issue["slug"], self.sub["slug"]])
                                       for j in joined), "issues joined with ';'")

    def test_quoting_is_rfc4180(self):
        resp, _ = self.rows(f"/claims?party={self.party['slug']}&limit=200")
        text = resp.body.decode("utf-8")
        self.assertIn('"With ""double"" quotes"', text)
        self.assertIn('"With, a comma"', text)
        self.assertIn('"Two\nlines"', text)
        self.assertIn(",Plain text,", text, "fields without special characters are not quoted")
        self.assertIn(',"""",', text)

    def test_pages_and_link(self):
        path = f"/claims?party={self.party['slug']}&limit=3"
        json_resp = self.get(path)
        resp, rows = self.rows(path)
        self.assertEqual(len(rows), 3)
        self.assertEqual(resp.headers.get("link"), json_resp.headers.get("link"))
        seen = []
        url = path
        for _ in range(10):
            resp, rows = self.rows(url)
            seen.extend(r[0] for r in rows)
            link = resp.headers.get("link")
            if link is None:
                break
            url = re.match(r'^<([^>]+)>; rel="next"$', link).group(1)
        self.assertEqual(seen, [str(i["id"]) for i in self.walk(path)])
        self.assertEqual(len(seen), len(self.claims))

    def test_accept_negotiation(self):
        path = f"/claims?party={self.party['slug']}&limit=1"
        for accept, expect_csv in (("text/csv", True), ("text/csv; charset=utf-8", True),
                                   ("application/json;q=0.5, text/csv", True), ("text/*", True),
                                   ("text/csv;q=0.5, application/json", False), ("*/*", False),
                                   ("application/json", False), ("text/csv, application/json", False),
                                   ("text/csv;q=0", False), ("text/html", False), (None, False)):
            with self.subTest(accept=accept):
                resp = self.get(path, headers={"Accept": accept})
                self.assertEqual(resp.status, 200)
                ctype = resp.headers.get("content-type", "")
                self.assertEqual(ctype.startswith("text/csv"), expect_csv, ctype)
                self.assertIn("accept", resp.headers.get("vary", "").lower())
        head = self.request("HEAD", path, headers=CSV)
        self.assertEqual((head.status, head.headers.get("content-type"), head.body),
                         (200, "text/csv; charset=utf-8", b""))
        # Other lists and errors stay JSON.
        self.assertEqual(self.get("/parties?limit=1", headers=CSV).headers.get("content-type"), "application/json")
        self.assertProblem(self.get("/claims?limit=0", headers=CSV), 400, field="limit")
        self.assertProblem(self.get(f"/parties/nope-{uid()}/claims", headers=CSV), 404)

    def test_formula_cells_are_neutralised(self):
        """OWASP's rule for CSV injection: a text cell starting with =, +, -, @, tab or CR gets a
        leading single quote and is quoted; numbers the server makes stay numbers."""
        party = self.make_party(slug=f"-{uid()}", name="=1+2")
        issue = self.make_issue(slug=f"-{uid()}")
        texts = ["=1+2", "@SUM(A1)", "+33 1 23", "-2+3", "\tcmd", "\rcmd", "=HYPERLINK(\"http://x\")",
                 "safe = text", "'already quoted"]
        for text in texts:
            self.make_claim(party=party["slug"], text=text, issues=[issue["slug"]], article_id=self.article,
                            start=0, end=4)
        resp, rows = self.rows(f"/claims?party={party['slug']}&limit=200")
        raw = resp.body.decode("utf-8")
        by_text = {r[7]: r for r in rows}
        for text in texts:
            with self.subTest(text=text):
                if text.startswith(FORMULA_STARTS):
                    self.assertIn("'" + text, by_text, "the cell starts with a single quote")
                    escaped = text.replace('"', '""')
                    self.assertIn(f'"\'{escaped}"', raw, "and is quoted")
                else:
                    self.assertIn(text, by_text, "other texts are as they were")
        for row in rows:
            self.assertEqual(row[2], "'" + party["slug"], "a slug starting with '-' is neutralised too")
            self.assertEqual(row[4], "'" + issue["slug"])
            self.assertRegex(row[0], r"^[0-9]+$", "server-made numbers stay numbers")
            self.assertEqual((row[8], row[9]), ("0", "4"))
        items = self.walk(f"/claims?party={party['slug']}")
        self.assertEqual(sorted(rows), sorted(as_csv_row(i) for i in items), "JSON keeps the texts as sent")

    def test_empty_list(self):
        _, rows = self.rows(f"/claims?party=nope-{uid()}")
        self.assertEqual(rows, [])


if __name__ == "__main__":
    unittest.main()
