"""Dry runs write nothing, so a read key may ask for one: `POST /articles?dry_run=true` with a read
key is 200 and stores nothing; the same load for real with a read key is 403; without a key both
stay 401 (the /load page's preview sends the key it has)."""

import unittest

from harness import ApiTest, uid


class DryRunScopes(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        name = f"dry-reader-{uid()}"
        out = cls.env.cli("key", "create", name, "--scope", "read")
        assert out.returncode == 0, out.stdout + out.stderr
        cls.read_key = next(t for t in out.stdout.split() if t.startswith("parley_"))

    def article(self):
        return f"Kyiv — Ukraine rejected any withdrawal from Donbas, Zelensky said on Monday {uid()}."

    def test_read_key_dry_run_200_writes_nothing(self):
        before = self.env.counts()
        for body, headers in (({"text": self.article()}, None),
                              (None, {"Content-Type": "text/plain"})):
            with self.subTest(json=body is not None):
                if body is None:
                    resp = self.request("POST", "/articles?dry_run=true", raw=self.article().encode(),
                                        headers=headers, key=self.read_key)
                else:
                    resp = self.post("/articles?dry_run=true", body, key=self.read_key)
                result = self.expect(resp, 200, "read key, dry run")
                self.assertTrue(result["claims"], "the dry run extracts")
        self.assertEqual(self.env.counts(), before, "a dry run stores nothing")

    def test_read_key_real_load_403(self):
        before = self.env.counts()
        for path in ("/articles", "/articles?dry_run=false"):
            with self.subTest(path=path):
                resp = self.post(path, {"text": self.article()}, key=self.read_key)
                problem = self.assertProblem(resp, 403)
                self.assertEqual(problem["type"], "https://parley.dev/problems/forbidden")
        self.assertEqual(self.env.counts(), before, "nothing stored")

    def test_read_key_bad_dry_run_value_is_refused(self):
        # Not a dry run the server recognises: treated as the write it may be, before the query
        # is checked (a write key gets 400 naming dry_run).
        resp = self.post("/articles?dry_run=yes", {"text": self.article()}, key=self.read_key)
        self.assertProblem(resp, 403)
        resp = self.post("/articles?dry_run=yes", {"text": self.article()})
        self.assertProblem(resp, 400, field="dry_run")

    def test_no_key_stays_401(self):
        for path in ("/articles?dry_run=true", "/articles"):
            with self.subTest(path=path):
                resp = self.post(path, {"text": self.article()}, key=False)
                self.assertProblem(resp, 401)
                self.assertIn("www-authenticate", resp.headers)

    def test_write_key_dry_run_and_load(self):
        text = self.article()
        self.expect(self.post("/articles?dry_run=true", {"text": text}), 200, "write key, dry run")
        self.expect(self.post("/articles", {"text": text}), 201, "write key, load")

    def test_read_key_other_writes_still_403(self):
        resp = self.post("/parties?dry_run=true", {"name": "X", "kind": "state"}, key=self.read_key)
        self.assertProblem(resp, 403)


if __name__ == "__main__":
    unittest.main()
