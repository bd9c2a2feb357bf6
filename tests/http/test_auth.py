"""Auth: reads are open, every write needs a valid bearer key, checked before the body is parsed."""

import unittest

from harness import ApiTest, slug, uid

WWW_AUTHENTICATE = 'Bearer realm="parley"'


class Auth(ApiTest):
    def writes(self):
        """One request of each write route, with a valid body."""
        p = self.make_party()
        i = self.make_issue()
        c = self.make_claim()
        a = self.make_article()
        return [
            ("POST", "/parties", {"name": "X", "kind": "state", "slug": slug("au")}),
            ("POST", "/issues", {"name": "X", "slug": slug("au")}),
            ("POST", "/claims", {"party": p["slug"], "stance": "asserts", "text": "t"}),
            ("PATCH", f"/parties/{p['slug']}", {"role": "changed"}),
            ("PATCH", f"/issues/{i['slug']}", {"description": "changed"}),
            ("PATCH", f"/claims/{c['id']}", {"stance": "rejects"}),
            ("PATCH", f"/articles/{a}", {"title": "changed"}),
            ("DELETE", f"/parties/{p['slug']}", None),
            ("DELETE", f"/issues/{i['slug']}", None),
            ("DELETE", f"/claims/{c['id']}", None),
            ("DELETE", f"/articles/{a}", None),
        ]

    def assertUnauthorized(self, resp):
        self.assertProblem(resp, 401)
        self.assertEqual(resp.headers.get("www-authenticate"), WWW_AUTHENTICATE)

    def snapshot(self, writes):
        return self.env.counts(), [self.ok_get(path) for method, path, _ in writes if method != "POST"]

    def test_writes_without_key_401(self):
        writes = self.writes()
        before = self.snapshot(writes)
        for method, path, body in writes:
            with self.subTest(method=method, path=path):
                self.assertUnauthorized(self.request(method, path, body, key=False))
        self.assertEqual(self.snapshot(writes), before, "nothing was written")

    def test_writes_with_wrong_key_401(self):
        writes = self.writes()
        before = self.snapshot(writes)
        for bad in ("parley_" + "0" * 40, self.env.key + "x", self.env.key[:-1], "nonsense", self.env.key.upper()):
            for method, path, body in writes:
                with self.subTest(key=bad[:12], method=method, path=path):
                    self.assertUnauthorized(self.request(method, path, body, key=bad))
        self.assertEqual(self.snapshot(writes), before, "nothing was written")

    def test_malformed_authorization_headers_401(self):
        for value in (f"Basic {self.env.key}", f"Token {self.env.key}", "Bearer", "Bearer ", self.env.key,
                      f"Bearer  {self.env.key} extra", f"Bearer {self.env.key},"):
            with self.subTest(value=value[:20]):
                resp = self.post("/parties", {"name": "X", "kind": "state", "slug": slug("au")}, key=False,
                                 headers={"Authorization": value})
                self.assertUnauthorized(resp)

    def test_scheme_is_case_insensitive(self):
        # RFC 9110 section 11.1: the auth scheme is case-insensitive.
        resp = self.post("/parties", {"name": "X", "kind": "state", "slug": slug("au")}, key=False,
                         headers={"Authorization": f"bearer {self.env.key}"})
        self.assertEqual(resp.status, 201, resp.body)

    def test_401_before_the_body_is_parsed(self):
        for raw in (b"{", b"\xff", b'{"name": 1}', b'{"unknown": true}', b"[]"):
            with self.subTest(raw=raw):
                self.assertUnauthorized(self.post("/parties", raw=raw, key=False))
        self.assertUnauthorized(self.post("/parties", raw=b"{}", key=False, headers={"Content-Type": "text/plain"}))
        self.assertUnauthorized(self.patch(f"/parties/nope-{uid()}", {"name": 1}, key=False))

    def test_reads_are_open(self):
        p = self.make_party()
        c = self.make_claim(party=p["slug"])
        a = self.make_article()
        for path in ("/parties", f"/parties/{p['slug']}", f"/parties/{p['slug']}/claims", "/issues",
                     "/issues/donbas", "/issues/donbas/claims", "/claims", f"/claims/{c['id']}", "/articles",
                     f"/articles/{a}", f"/articles/{a}/claims", "/healthz", "/readyz", "/openapi.yaml"):
            with self.subTest(path=path):
                resp = self.get(path, key=False)
                self.assertEqual(resp.status, 200, resp.body)
                self.assertNotIn("www-authenticate", resp.headers)

    def test_revoked_key_401(self):
        name = f"test-revoke-{uid()}"
        key = self.env.create_key(name)
        self.assertTrue(key.startswith("parley_"))
        self.assertNotEqual(key, self.env.key)
        resp = self.post("/parties", {"name": "X", "kind": "state", "slug": slug("rv")}, key=key)
        self.assertEqual(resp.status, 201, resp.body)
        listing = self.env.cli("key", "list")
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertIn(name, listing.stdout)
        self.assertNotIn(key, listing.stdout, "key list never shows the key")
        out = self.env.revoke_key(name)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertUnauthorized(self.post("/parties", {"name": "X", "kind": "state", "slug": slug("rv")}, key=key))
        self.assertUnauthorized(self.delete(f"/parties/{resp.body['slug']}", key=key))
        # Other keys still work.
        self.assertEqual(self.delete(f"/parties/{resp.body['slug']}").status, 204)

    def test_revoking_unknown_key_fails(self):
        out = self.env.revoke_key(f"test-never-{uid()}")
        self.assertNotEqual(out.returncode, 0)

    def test_keys_are_distinct(self):
        k1 = self.env.create_key(f"test-d1-{uid()}")
        k2 = self.env.create_key(f"test-d2-{uid()}")
        self.assertNotEqual(k1, k2)
        self.assertGreaterEqual(len(k1), 30, "a key long enough to be unguessable")
        # Only a hash is stored: the key does not appear in the database.
        rows = self.env.psql("SELECT count(*) FROM api_keys WHERE position(:'k' in "
                             "concat_ws(' ', name, prefix, encode(secret_hash, 'hex'), encode(secret_hash, 'escape'))) > 0",
                             k=k1)
        self.assertEqual(rows[0][0], "0")

    def test_key_never_in_server_log(self):
        self.post("/parties", {"name": "X", "kind": "state"}, key=self.env.key + "wrong")
        self.post("/parties", {"name": "X", "kind": "nation", "slug": slug("lg")})
        self.assertNotIn(self.env.key, self.server.log_text())


if __name__ == "__main__":
    unittest.main()
