"""Conventions shared by every endpoint: pagination, Link, ETags, CORS, 405, 413, 415, problem+json,
query validation, HEAD and the service endpoints."""

import base64
import datetime
import json
import re
import threading
import time
import unittest
import urllib.parse

from harness import ApiTest, ETAG_RE, parse_raw_response, q, slug, slugs_of, uid, word


def header_list(value):
    return [v.strip().lower() for v in (value or "").split(",") if v.strip()]


class Pagination(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tok = word()
        cls.created = []
        for i in range(7):
            resp = cls.server.request("POST", "/parties", {"name": f"Page {cls.tok} {i}", "kind": "group",
                                                           "slug": slug("pg")})
            assert resp.status == 201, resp
            cls.created.append(resp.body["slug"])

    def test_pages_link_and_next(self):
        resp = self.get(f"/parties?q={self.tok}&limit=3")
        body = self.expect(resp, 200)
        self.assertEqual(set(body), {"items", "next", "next_url"})
        self.assertEqual(slugs_of(body["items"]), self.created[::-1][:3])
        self.assertIsInstance(body["next"], str)
        self.assertRegex(body["next"], r"^[A-Za-z0-9_-]+=*$", "cursor is base64url")
        link = resp.headers.get("link", "")
        m = re.match(r'^<(/parties\?[^>]+)>;\s*rel="next"$', link)
        self.assertIsNotNone(m, f"Link header {link!r}")
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(m.group(1)).query)
        self.assertEqual(params.get("q"), [self.tok])
        self.assertEqual(params.get("limit"), ["3"])
        self.assertEqual(params.get("cursor"), [body["next"]])
        # Follow the Link header to the end.
        items = self.walk(f"/parties?q={self.tok}", limit=3, follow_link=True)
        self.assertEqual(slugs_of(items), self.created[::-1])
        # The same by hand with `next`.
        items = self.walk(f"/parties?q={self.tok}", limit=3)
        self.assertEqual(slugs_of(items), self.created[::-1])

    def test_next_url_is_the_link_and_followable(self):
        """The body's next_url is the Link header's URL (same filters, sort and limit), and following
        it alone walks the list to the end; null with `next` on the last page."""
        party = self.make_party(kind="state")
        for n in range(5):
            self.make_claim(party=party["slug"], text=f"Claim {n} {uid()}", stance="demands",
                            stated_on=f"2025-01-0{n + 1}")
        self.make_claim(party=party["slug"], text=f"Other stance {uid()}", stance="rejects")
        shifter, issue = self.make_party(kind="state"), self.make_issue()
        for n, stance in enumerate(["demands", "rejects", "demands", "rejects"]):
            self.make_claim(party=shifter["slug"], issues=[issue["slug"]], text=f"Shift {n} {uid()}",
                            stance=stance, stated_on=f"2025-02-0{n + 1}")
        lists = {f"/parties?q={self.tok}&limit=3&sort=slug": 7,
                 f"/claims?party={party['slug']}&stance=demands&sort=stated_on&limit=2": 5,
                 f"/parties/{party['slug']}/claims?stance=demands&limit=2": 5,
                 f"/shifts?party={shifter['slug']}&issue={issue['slug']}&limit=1": 3}
        for path, total in lists.items():
            with self.subTest(path=path):
                url, items, pages = path, [], 0
                while url is not None and pages < 20:
                    resp = self.get(url)
                    body = self.expect(resp, 200, url)
                    pages += 1
                    items.extend(body["items"])
                    self.assertIn("next_url", body)
                    if body["next"] is None:
                        self.assertIsNone(body["next_url"], "null with next on the last page")
                        self.assertNotIn("link", resp.headers)
                    else:
                        link = re.match(r'^<([^>]+)>;\s*rel="next"$', resp.headers.get("link", ""))
                        self.assertIsNotNone(link)
                        self.assertEqual(body["next_url"], link.group(1), "the same URL as the Link header")
                        parts = urllib.parse.urlsplit(body["next_url"])
                        self.assertEqual(parts.path, urllib.parse.urlsplit(path).path)
                        query = urllib.parse.parse_qs(parts.query)
                        self.assertEqual(query["cursor"], [body["next"]], "the cursor kept beside the URL")
                        for key, value in urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).items():
                            self.assertEqual(query.get(key), value, f"{key} carried over")
                    url = body["next_url"]
                self.assertEqual(len(items), total)
                self.assertEqual(len({json.dumps(i, sort_keys=True) for i in items}), total, "no repeats")
                self.assertGreater(pages, 1)

    def test_last_page_has_null_next_and_no_link(self):
        resp = self.get(f"/parties?q={self.tok}&limit=7")
        body = self.expect(resp, 200)
        self.assertEqual(len(body["items"]), 7)
        # Exactly `limit` items left: a next page may be announced but must then be empty.
        if body["next"] is not None:
            rest = self.expect(self.get(f"/parties?q={self.tok}&limit=7&cursor={q(body['next'])}"), 200)
            self.assertEqual(rest["items"], [])
            self.assertIsNone(rest["next"])
        resp = self.get(f"/parties?q={self.tok}&limit=8")
        body = self.expect(resp, 200)
        self.assertIsNone(body["next"])
        self.assertNotIn("link", resp.headers)

    def test_ascending_and_by_slug(self):
        self.assertEqual(slugs_of(self.walk(f"/parties?q={self.tok}&sort=created_at", limit=2)), self.created)
        self.assertEqual(slugs_of(self.walk(f"/parties?q={self.tok}&sort=-slug", limit=2, follow_link=True)),
                         sorted(self.created, reverse=True))
        self.assertEqual(slugs_of(self.walk(f"/parties?q={self.tok}&sort=name", limit=3)), self.created)

    def test_ties_are_broken_by_id_across_pages(self):
        # Same name: sort=name must still page exactly (ties broken by id, same direction).
        name = f"Tie {word()}"
        made = [self.make_party(name=name)["id"] for _ in range(5)]
        items = self.walk(f"/parties?q={q(name)}&sort=name", limit=2)
        self.assertEqual([i["id"] for i in items], made)
        items = self.walk(f"/parties?q={q(name)}&sort=-name", limit=2, follow_link=True)
        self.assertEqual([i["id"] for i in items], made[::-1])
        # Same date, and nulls, across page boundaries.
        p = self.make_party()["slug"]
        dated = [self.make_claim(party=p, stated_on="2025-05-05")["id"] for _ in range(4)]
        undated = [self.make_claim(party=p)["id"] for _ in range(3)]
        items = self.walk(f"/claims?party={p}&sort=stated_on", limit=2)
        self.assertEqual([i["id"] for i in items], undated + dated)
        items = self.walk(f"/claims?party={p}&sort=-stated_on", limit=3)
        self.assertEqual([i["id"] for i in items], dated[::-1] + undated[::-1])

    def test_default_limit_50_and_max_200(self):
        total = len(self.walk("/issues?limit=200"))
        for _ in range(max(0, 51 - total)):
            self.make_issue()
        body = self.ok_get("/issues")
        self.assertEqual(len(body["items"]), 50)
        self.assertIsNotNone(body["next"])
        self.assertEqual(len(self.ok_get("/issues?limit=200")["items"]), min(200, max(total, 51)))
        self.assertEqual(len(self.ok_get("/issues?limit=1")["items"]), 1)

    def test_bad_limit_400(self):
        for bad in ("0", "201", "-1", "abc", "1.5", "", "1e2", "%2010"):
            with self.subTest(limit=bad):
                self.assertProblem(self.get(f"/parties?limit={bad}"), 400, field="limit")

    def test_bad_cursor_400(self):
        good = self.ok_get(f"/parties?q={self.tok}&limit=2")["next"]
        bogus = [
            "garbage!!",
            "AAAA",
            base64.urlsafe_b64encode(b"hello").decode(),
            base64.urlsafe_b64encode(json.dumps({"id": 1}).encode()).decode(),
            good[:-3] if len(good) > 4 else "x",
            good + "AAAA",
            "%00",
        ]
        for cursor in bogus:
            with self.subTest(cursor=cursor):
                path = f"/parties?q={self.tok}&limit=2&cursor={cursor if cursor == '%00' else q(cursor)}"
                self.assertProblem(self.get(path), 400, field="cursor")

    def test_forged_cursor_values_400(self):
        # Cursors are opaque, but a client can send anything: a well-formed cursor with a value
        # that is not a valid timestamp/date is still a bad cursor (400), never a 422 or 500.
        cases = [(f"/parties?q={self.tok}&limit=2", "/parties?q={}&limit=2".format(self.tok)),
                 (f"/claims?limit=1&sort=stated_on", "/claims?limit=1&sort=stated_on")]
        p = self.make_party()["slug"]
        self.make_claim(party=p, stated_on="2025-01-01")
        self.make_claim(party=p, stated_on="2025-01-02")
        forged_any = False
        for first, base in cases:
            cursor = self.ok_get(first)["next"]
            self.assertIsNotNone(cursor)
            try:
                decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            except ValueError:
                continue  # not base64url JSON: nothing to forge
            if not isinstance(decoded, list):
                continue
            for i, v in enumerate(decoded):
                if not isinstance(v, str) or v.lstrip("-") in ("created_at", "stated_on", "slug", "name"):
                    continue
                for bad in ("garbage", "2025-02-30", "9999999-01-01 00:00:00+00"):
                    forged = list(decoded)
                    forged[i] = bad
                    enc = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
                    with self.subTest(base=base, forged=forged):
                        forged_any = True
                        self.assertProblem(self.get(f"{base}&cursor={enc}"), 400, field="cursor")
        if not forged_any:
            self.skipTest("the cursor format holds no value to forge")

    def test_cursor_with_another_sort_400(self):
        cursor = self.ok_get(f"/parties?q={self.tok}&limit=2&sort=slug")["next"]
        self.assertIsNotNone(cursor)
        self.assertProblem(self.get(f"/parties?q={self.tok}&limit=2&cursor={q(cursor)}"), 400, field="cursor")
        self.assertProblem(self.get(f"/parties?q={self.tok}&limit=2&sort=-slug&cursor={q(cursor)}"), 400,
                           field="cursor")
        # With the same sort it is fine.
        self.expect(self.get(f"/parties?q={self.tok}&limit=2&sort=slug&cursor={q(cursor)}"), 200)


class QueryValidation(ApiTest):
    def test_unknown_parameter_400(self):
        for path in ("/parties?foo=1", "/issues?kind=state", "/claims?slug=x", "/articles?party=x",
                     "/parties?LIMIT=5", "/issues/donbas/claims?bogus=1"):
            with self.subTest(path=path):
                self.assertProblem(self.get(path), 400)

    def test_unknown_parameter_is_named(self):
        self.assertProblem(self.get("/parties?frobnicate=1"), 400, field="frobnicate")

    def test_repeated_parameter_400(self):
        for path in ("/parties?kind=person&kind=state", "/claims?limit=5&limit=5", "/issues?q=a&q=b"):
            with self.subTest(path=path):
                self.assertProblem(self.get(path), 400)

    def test_percent_encoded_utf8_query(self):
        t = word()
        p = self.make_party(name=f"Müller {t}")
        self.assertEqual(slugs_of(self.walk(f"/parties?q={q('müller ' + t)}")), [p["slug"]])
        self.assertEqual(slugs_of(self.walk(f"/parties?q={q('MÜLLER ' + t)}")), [p["slug"]])


class ETags(ApiTest):
    def records(self):
        p = self.make_party()
        i = self.make_issue()
        c = self.make_claim()
        a = self.make_article()
        return [f"/parties/{p['slug']}", f"/issues/{i['slug']}", f"/claims/{c['id']}", f"/articles/{a}"]

    def test_if_none_match_304(self):
        for path in self.records():
            with self.subTest(path=path):
                resp = self.get(path)
                etag = resp.headers.get("etag", "")
                self.assertRegex(etag, ETAG_RE)
                self.assertEqual(self.get(path).headers.get("etag"), etag, "stable across requests")
                nm = self.get(path, headers={"If-None-Match": etag})
                self.assertEqual(nm.status, 304)
                self.assertEqual(nm.headers.get("etag"), etag)
                self.assertIn(nm.body, (b"", None))
                other = self.get(path, headers={"If-None-Match": '"' + "0" * 32 + '"'})
                self.assertEqual(other.status, 200)
                head = self.request("HEAD", path, headers={"If-None-Match": etag})
                self.assertEqual(head.status, 304)
                listed = self.get(path, headers={"If-None-Match": f'"{"1" * 32}", {etag}'})
                self.assertEqual(listed.status, 304, "a list of ETags")
                self.assertEqual(self.get(path, headers={"If-None-Match": "*"}).status, 304)

    def test_if_none_match_uses_weak_comparison(self):
        # RFC 9110 13.1.2: If-None-Match compares weakly, so W/"x" matches "x".
        path = self.records()[0]
        etag = self.get(path).headers["etag"]
        self.assertEqual(self.get(path, headers={"If-None-Match": "W/" + etag}).status, 304)

    def test_etag_same_across_instances(self):
        paths = self.records()
        other = self.env.start_server(name="etag")
        try:
            for path in paths:
                with self.subTest(path=path):
                    a = self.get(path)
                    b = self.get(path, server=other)
                    self.assertEqual((a.status, b.status), (200, 200))
                    self.assertEqual(a.headers.get("etag"), b.headers.get("etag"))
                    self.assertEqual(self.get(path, server=other, headers={"If-None-Match": a.headers["etag"]}).status,
                                     304)
        finally:
            other.stop()

    def test_etag_changes_after_patch(self):
        p = self.make_party()
        path = f"/parties/{p['slug']}"
        etag = self.get(path).headers["etag"]
        patched = self.patch(path, {"role": "changed"})
        self.expect(patched, 200)
        self.assertNotEqual(patched.headers["etag"], etag)
        resp = self.get(path, headers={"If-None-Match": etag})
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.headers["etag"], patched.headers["etag"])

    def test_if_match_412_on_every_resource(self):
        patches = {"/parties/": {"role": "x"}, "/issues/": {"description": "x"}, "/claims/": {"stance": "asserts"},
                   "/articles/": {"title": "x"}}
        stale = '"' + "0" * 32 + '"'
        for path in self.records():
            patch = next(v for k, v in patches.items() if path.startswith(k))
            with self.subTest(path=path):
                before = self.ok_get(path)
                self.assertProblem(self.patch(path, patch, headers={"If-Match": stale}), 412)
                self.assertProblem(self.delete(path, headers={"If-Match": stale}), 412)
                self.assertEqual(self.ok_get(path), before, "nothing changed")
                etag = self.get(path).headers["etag"]
                self.expect(self.patch(path, patch, headers={"If-Match": etag}), 200)
                self.assertProblem(self.delete(path, headers={"If-Match": etag}), 412)
                self.assertEqual(self.delete(path, headers={"If-Match": "*"}).status, 204)


class Cors(ApiTest):
    ORIGIN = "https://app.example"

    def preflight(self, path, method, server=None, origin=None):
        return self.request("OPTIONS", path, server=server, key=False, headers={
            "Origin": origin or self.ORIGIN, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type"})

    def test_preflight_collection(self):
        resp = self.preflight("/parties", "POST")
        self.assertEqual(resp.status, 204)
        self.assertIn(resp.headers.get("access-control-allow-origin"), ("*", self.ORIGIN))
        methods = header_list(resp.headers.get("access-control-allow-methods"))
        self.assertIn("get", methods)
        self.assertIn("post", methods)
        self.assertNotIn("patch", methods)
        self.assertNotIn("delete", methods)
        allowed = header_list(resp.headers.get("access-control-allow-headers"))
        for h in ("authorization", "content-type", "if-match", "if-none-match"):
            self.assertIn(h, allowed)
        self.assertEqual(resp.headers.get("access-control-max-age"), "86400")
        self.assertIn(resp.body, (b"", None))

    def test_preflight_record(self):
        # No database lookup: any slug of a known route pattern answers.
        resp = self.preflight(f"/parties/never-created-{uid()}", "PATCH")
        self.assertEqual(resp.status, 204)
        methods = header_list(resp.headers.get("access-control-allow-methods"))
        for m in ("get", "patch", "delete"):
            self.assertIn(m, methods)
        self.assertNotIn("post", methods)
        for path, expected in (("/claims/1", {"get", "patch", "delete"}), ("/issues/x/claims", {"get"}),
                               ("/articles/1/claims", {"get"}), ("/claims", {"get", "post"})):
            with self.subTest(path=path):
                resp = self.preflight(path, "GET")
                self.assertEqual(resp.status, 204)
                methods = set(header_list(resp.headers.get("access-control-allow-methods")))
                self.assertTrue(expected <= methods, methods)
                self.assertFalse(({"get", "post", "patch", "delete"} - expected) & methods, methods)

    def test_simple_request_headers(self):
        p = self.make_party()
        for resp in (self.get("/parties", headers={"Origin": self.ORIGIN}),
                     self.get(f"/parties/{p['slug']}", headers={"Origin": self.ORIGIN}),
                     self.get(f"/parties/nope-{uid()}", headers={"Origin": self.ORIGIN}),
                     self.post("/parties", {"name": "x"}, key=False, headers={"Origin": self.ORIGIN})):
            with self.subTest(status=resp.status):
                self.assertIn(resp.headers.get("access-control-allow-origin"), ("*", self.ORIGIN))
                exposed = header_list(resp.headers.get("access-control-expose-headers"))
                for h in ("etag", "link", "location", "retry-after"):
                    self.assertIn(h, exposed)

    def test_options_without_cors_headers(self):
        resp = self.request("OPTIONS", "/parties", key=False)
        self.assertEqual(resp.status, 204)
        allow = header_list(resp.headers.get("allow"))
        self.assertIn("get", allow)
        self.assertIn("post", allow)
        self.assertNotIn("delete", allow)
        resp = self.request("OPTIONS", "/claims/1", key=False)
        self.assertEqual(resp.status, 204)
        self.assertTrue({"get", "patch", "delete"} <= set(header_list(resp.headers.get("allow"))))

    def test_configured_origin_list(self):
        server = self.env.start_server({"PARLEY_CORS_ORIGINS": "https://a.example,https://b.example"},
                                       name="cors")
        try:
            resp = self.get("/parties?limit=1", server=server, headers={"Origin": "https://b.example"})
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.headers.get("access-control-allow-origin"), "https://b.example")
            self.assertIn("origin", header_list(resp.headers.get("vary")))
            resp = self.get("/parties?limit=1", server=server, headers={"Origin": "https://evil.example"})
            self.assertEqual(resp.status, 200)
            self.assertNotIn("access-control-allow-origin", resp.headers)
            resp = self.preflight("/parties", "POST", server=server, origin="https://a.example")
            self.assertEqual(resp.status, 204)
            self.assertEqual(resp.headers.get("access-control-allow-origin"), "https://a.example")
            resp = self.preflight("/parties", "POST", server=server, origin="https://evil.example")
            self.assertNotIn("access-control-allow-origin", resp.headers)
            self.assertNotEqual(resp.status, 500)
        finally:
            self.assertEqual(server.stop(), 0, "parleyd exits 0 on SIGTERM")


class MethodNotAllowed(ApiTest):
    def test_405_with_allow(self):
        cases = [
            ("PUT", "/parties", {"get", "post"}),
            ("DELETE", "/parties", {"get", "post"}),
            ("PATCH", "/claims", {"get", "post"}),
            ("POST", "/parties/some-slug", {"get", "patch", "delete"}),
            ("PUT", "/claims/1", {"get", "patch", "delete"}),
            ("POST", "/issues/x/claims", {"get"}),
            ("DELETE", "/articles/1/claims", {"get"}),
            ("POST", "/healthz", {"get"}),
            ("DELETE", "/readyz", {"get"}),
            ("PUT", "/openapi.yaml", {"get"}),
            ("DELETE", "/articles", {"get"}),
        ]
        for method, path, expected in cases:
            with self.subTest(method=method, path=path):
                resp = self.request(method, path, key=True, body={})
                self.assertProblem(resp, 405)
                allow = set(header_list(resp.headers.get("allow")))
                self.assertTrue(expected <= allow, f"Allow {allow} contains {expected}")
                self.assertNotIn(method.lower(), allow)

    def test_unknown_path_404(self):
        for path in ("/nope", "/parties/a/b", "/claims/1/claims", "/partiesx", "/issues/x/claims/extra"):
            with self.subTest(path=path):
                self.assertProblem(self.get(path), 404)


class BodyLimits(ApiTest):
    LIMIT = 2 * 1024 * 1024

    def test_413_before_the_body_is_read(self):
        with self.server.raw_socket() as s:
            s.sendall((f"POST /parties HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {self.env.key}\r\n"
                       f"Content-Type: application/json\r\nContent-Length: {3 * 1024 * 1024}\r\n\r\n").encode())
            s.sendall(b'{"name": "')
            # The rest never comes: the answer must not wait for it.
            resp = parse_raw_response(s, "POST", "/parties", timeout=10)
        self.assertIsNotNone(resp, "an answer, not a closed connection")
        self.assertProblem(resp, 413)

    def test_413_chunked_without_content_length(self):
        with self.server.raw_socket() as s:
            s.sendall((f"POST /parties HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {self.env.key}\r\n"
                       "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
            chunk = b"x" * 65536

            def send():
                try:
                    s.sendall(b'7\r\n{"name"\r\n')
                    for _ in range(self.LIMIT // len(chunk) + 4):
                        s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    s.sendall(b"0\r\n\r\n")
                except OSError:
                    pass

            t = threading.Thread(target=send, daemon=True)
            t.start()
            resp = parse_raw_response(s, "POST", "/parties", timeout=20)
            t.join(20)
        self.assertIsNotNone(resp, "an answer, not a closed connection")
        self.assertProblem(resp, 413)
        self.assertTrue(self.server.healthy())

    def test_configured_limit(self):
        server = self.env.start_server({"PARLEY_BODY_LIMIT": "4096"}, name="limit")
        try:
            small = {"name": "n" * 3900, "kind": "state", "slug": slug("lim")}
            self.assertProblem(self.post("/parties", small, server=server), 422, field="name")
            big = {"name": "n" * 5000, "kind": "state", "slug": slug("lim")}
            self.assertProblem(self.post("/parties", big, server=server), 413)
        finally:
            self.assertEqual(server.stop(), 0)

    def test_body_under_the_limit_is_read(self):
        body = {"name": "n" * (self.LIMIT - 1000), "kind": "state", "slug": slug("big")}
        resp = self.post("/parties", body)
        self.assertProblem(resp, 422, field="name")


class MediaTypes(ApiTest):
    def test_415_on_post(self):
        body = json.dumps({"name": "X", "kind": "state", "slug": slug("mt")}).encode()
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/merge-patch+json",
                      "application/json; charset=latin-1", "application/xml", "multipart/form-data; boundary=x"):
            with self.subTest(ctype=ctype):
                self.assertProblem(self.post("/parties", raw=body, headers={"Content-Type": ctype}), 415)
        self.assertProblem(self.post("/parties", raw=body, headers={"Content-Type": None}), 415)

    def test_json_with_charset_and_case(self):
        for ctype in ("application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"):
            with self.subTest(ctype=ctype):
                body = json.dumps({"name": "X", "kind": "state", "slug": slug("mt")}).encode()
                self.expect(self.post("/parties", raw=body, headers={"Content-Type": ctype}), 201)

    def test_415_on_patch(self):
        p = self.make_party()
        raw = json.dumps({"role": "r"}).encode()
        for ctype in ("text/plain", "application/json-patch+json", "application/merge-patch+json; charset=ascii"):
            with self.subTest(ctype=ctype):
                self.assertProblem(self.patch(f"/parties/{p['slug']}", raw=raw, headers={"Content-Type": ctype}),
                                   415)
        self.expect(self.patch(f"/parties/{p['slug']}", raw=raw,
                               headers={"Content-Type": "application/merge-patch+json; charset=utf-8"}), 200)

    def test_empty_body_400(self):
        p = self.make_party()
        self.assertProblem(self.post("/parties", raw=b""), 400)
        self.assertProblem(self.post("/claims", raw=b""), 400)
        self.assertProblem(self.patch(f"/parties/{p['slug']}", raw=b""), 400)
        self.assertProblem(self.post("/parties", raw=b"   \r\n "), 400)


class HeadRequests(ApiTest):
    def test_head(self):
        p = self.make_party()
        for path in ("/parties", f"/parties/{p['slug']}", "/issues/donbas", "/claims", "/articles", "/healthz",
                     "/readyz", "/openapi.yaml", f"/parties/{p['slug']}/claims"):
            with self.subTest(path=path):
                get = self.get(path)
                head = self.request("HEAD", path)
                self.assertEqual(head.status, 200)
                self.assertEqual(head.body, b"")
                self.assertEqual(head.headers.get("content-type"), get.headers.get("content-type"))
                if "etag" in get.headers:
                    self.assertEqual(head.headers.get("etag"), get.headers["etag"])
        head = self.request("HEAD", f"/parties/nope-{uid()}")
        self.assertEqual(head.status, 404)
        self.assertEqual(head.body, b"")


class ServiceEndpoints(ApiTest):
    def test_healthz(self):
        self.assertEqual(self.get("/healthz").status, 200)

    def test_readyz(self):
        self.assertEqual(self.get("/readyz").status, 200)

    def test_openapi_yaml(self):
        resp = self.get("/openapi.yaml")
        self.assertEqual(resp.status, 200)
        self.assertIn("yaml", resp.headers.get("content-type", ""))
        self.assertIsInstance(resp.body, bytes)
        self.assertTrue(resp.body.startswith(b"openapi: 3.1"), resp.body[:40])
        self.assertIn(b"/parties", resp.body)
        self.assertIn(b"/claims/{id}", resp.body)

    def test_common_headers_on_every_response(self):
        p = self.make_party()
        responses = [
            self.get("/parties"), self.get(f"/parties/{p['slug']}"), self.get("/healthz"), self.get("/openapi.yaml"),
            self.get(f"/parties/{p['slug']}", headers={"If-None-Match": self.get(f"/parties/{p['slug']}").headers["etag"]}),
            self.post("/parties", {"name": "x", "kind": "state", "slug": slug("h")}),
            self.post("/parties", {"name": "x"}, key=False), self.get("/nope"), self.request("PUT", "/parties", body={}),
            self.post("/parties", raw=b"{", headers={}), self.post("/parties", raw=b"x", headers={"Content-Type": "text/plain"}),
            self.delete(f"/parties/{p['slug']}"), self.request("OPTIONS", "/parties"),
        ]
        self.assertEqual(sorted({r.status for r in responses}),
                         [200, 201, 204, 304, 400, 401, 404, 405, 415])
        for resp in responses:
            with self.subTest(status=resp.status):
                self.assertEqual(resp.headers.get("x-content-type-options"), "nosniff")
                server = resp.headers.get("server")
                if server is not None:
                    self.assertNotRegex(server, r"\d", "no Server version")

    def test_errors_are_problem_json(self):
        # One of each error status the contract names (503 is in test_resilience).
        responses = {
            400: self.post("/parties", raw=b"{"),
            401: self.post("/parties", {"name": "x", "kind": "state"}, key=False),
            404: self.get(f"/claims/{10 ** 12}"),
            405: self.request("PUT", "/parties", body={}),
            409: self.post("/issues", {"slug": "donbas", "name": "x"}),
            415: self.post("/parties", raw=b"{}", headers={"Content-Type": "text/plain"}),
            422: self.post("/parties", {"name": "x", "kind": "nation", "slug": slug("e")}),
        }
        for status, resp in responses.items():
            with self.subTest(status=status):
                body = self.assertProblem(resp, status)
                self.assertTrue(body["title"])
                self.assertNotIn("\n", body["title"])
        # Titles never vary per request.
        a = self.get(f"/parties/nope-{uid()}").body
        b = self.get(f"/parties/other-{uid()}").body
        self.assertEqual((a["type"], a["title"]), (b["type"], b["title"]))

    def test_timestamps_are_utc_microseconds(self):
        before = time.time()
        p = self.make_party()
        ts = p["created_at"]
        self.assertTrue(ts.endswith("Z"))
        t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        self.assertLess(abs(t.timestamp() - before), 300, "created_at is the current UTC time")


if __name__ == "__main__":
    unittest.main()
