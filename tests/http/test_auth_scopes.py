"""Key scopes: `parley key create NAME --scope read` makes a key that is refused every write with 403
(before the body is parsed); write keys (the default) write; `parley key list` shows scope and last use."""

import re
import unittest

from harness import ApiTest, slug, uid

FORBIDDEN_DETAIL = "forbidden: the key's scope does not allow writes"


class KeyScopes(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.read_name = f"reader-{uid()}"
        cls.read_key = cls.create_scoped(cls.read_name, "read")

    @classmethod
    def create_scoped(cls, name, scope):
        out = cls.env.cli("key", "create", name, "--scope", scope)
        assert out.returncode == 0, f"parley key create {name} --scope {scope}: {out.stdout}{out.stderr}"
        keys = [t for t in out.stdout.split() if t.startswith("parley_")]
        assert len(keys) == 1, out.stdout
        return keys[0]

    def writes(self):
        """One request of each write route, with a valid body."""
        p = self.make_party()
        i = self.make_issue()
        c = self.make_claim()
        a = self.make_article()
        return [
            ("POST", "/parties", {"name": "X", "kind": "state", "slug": slug("sc")}),
            ("POST", "/issues", {"name": "X", "slug": slug("sc")}),
            ("POST", "/claims", {"party": p["slug"], "stance": "asserts", "text": "t"}),
            ("POST", "/articles", {"text": f"Kyiv — Ukraine rejected any withdrawal, Zelensky said {uid()}."}),
            ("POST", f"/articles/{a}/reextract", None),
            ("PATCH", f"/parties/{p['slug']}", {"role": "changed"}),
            ("PATCH", f"/issues/{i['slug']}", {"description": "changed"}),
            ("PATCH", f"/claims/{c['id']}", {"stance": "rejects"}),
            ("PATCH", f"/articles/{a}", {"title": "changed"}),
            ("DELETE", f"/parties/{p['slug']}", None),
            ("DELETE", f"/issues/{i['slug']}", None),
            ("DELETE", f"/claims/{c['id']}", None),
            ("DELETE", f"/articles/{a}", None),
        ]

    def snapshot(self, writes):
        paths = [path for method, path, _ in writes if method in ("PATCH", "DELETE")]
        return self.env.counts(), [self.ok_get(path) for path in paths]

    def test_read_key_refused_every_write_403(self):
        writes = self.writes()
        before = self.snapshot(writes)
        for method, path, body in writes:
            with self.subTest(method=method, path=path):
                resp = self.request(method, path, body, key=self.read_key)
                problem = self.assertProblem(resp, 403)
                self.assertEqual(problem["type"], "https://parley.dev/problems/forbidden")
                self.assertEqual(problem["detail"], FORBIDDEN_DETAIL)
                self.assertNotIn("www-authenticate", resp.headers, "403 is not a challenge for another key")
        self.assertEqual(self.snapshot(writes), before, "nothing was written")

    def test_403_before_the_body_is_parsed(self):
        resp = self.request("POST", "/parties", raw=b"{not json", key=self.read_key)
        self.assertProblem(resp, 403)
        resp = self.request("POST", "/parties", raw=b'{"name": 1}', key=self.read_key,
                            headers={"Content-Type": "text/html"})
        self.assertProblem(resp, 403)

    def test_read_key_reads(self):
        for path in ("/parties", "/claims?limit=1", "/positions", "/issues/donbas"):
            with self.subTest(path=path):
                self.assertEqual(self.get(path, key=self.read_key).status, 200)

    def test_write_key_is_the_default_and_writes(self):
        name = f"writer-{uid()}"
        out = self.env.cli("key", "create", name)
        self.assertEqual(out.returncode, 0, out.stderr)
        key = next(t for t in out.stdout.split() if t.startswith("parley_"))
        resp = self.post("/parties", {"name": "Written", "kind": "state", "slug": slug("sc")}, key=key)
        self.assertEqual(resp.status, 201, resp.body)
        explicit = self.create_scoped(f"writer-{uid()}", "write")
        resp = self.post("/parties", {"name": "Written", "kind": "state", "slug": slug("sc")}, key=explicit)
        self.assertEqual(resp.status, 201, resp.body)

    def test_revoked_read_key_is_401(self):
        name = f"reader-{uid()}"
        key = self.create_scoped(name, "read")
        self.assertEqual(self.env.revoke_key(name).returncode, 0)
        resp = self.post("/parties", {"name": "X", "kind": "state", "slug": slug("sc")}, key=key)
        self.assertProblem(resp, 401)

    def test_bad_scope_refused(self):
        for args in (["--scope", "admin"], ["--scope", ""], ["--scope"], ["--scope=READ"]):
            with self.subTest(args=args):
                out = self.env.cli("key", "create", f"bad-{uid()}", *args)
                self.assertEqual(out.returncode, 64, out.stderr)  # EX_USAGE
                self.assertEqual(out.stdout, "", "no key printed")
        out = self.env.cli("key", "create", "--scope", "read")
        self.assertEqual(out.returncode, 64, "a name is needed")
        # The column's CHECK refuses other scopes even past the CLI.
        rows = self.env.psql_value("SELECT count(*) FROM pg_constraint WHERE conrelid = 'api_keys'::regclass "
                                   "AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%scope%'")
        self.assertEqual(rows, "1")

    def test_scope_flag_before_the_name(self):
        name = f"reader-{uid()}"
        out = self.env.cli("key", "create", "--scope=read", name)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.env.psql_value("SELECT scope FROM api_keys WHERE name = :'n'", n=name), "read")

    def test_list_shows_scope_and_last_use(self):
        name = f"lister-{uid()}"
        key = self.create_scoped(name, "read")
        unused = f"unused-{uid()}"
        self.create_scoped(unused, "write")
        self.post("/parties", {"name": "X", "kind": "state", "slug": slug("sc")}, key=key)  # 403, but used
        out = self.env.cli("key", "list")
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["NAME", "SCOPE", "CREATED", "LAST", "USED", "REVOKED"])
        rows = {line.split()[0]: line.split() for line in lines[1:]}
        ts = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(rows[name][1], "read")
        self.assertRegex(rows[name][3], ts, "last use of the read key")
        self.assertEqual(rows[unused][1], "write")
        self.assertEqual(rows[unused][3], "-", "never used")
        self.assertEqual(rows[self.read_name][1], "read")


if __name__ == "__main__":
    unittest.main()
