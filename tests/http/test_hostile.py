"""Hostile input: every answer is a 4xx problem+json (or, for oversized request lines and headers
that libmicrohttpd itself refuses, its own 414/431 or a closed connection), the server stays up,
and the database is unchanged."""

import http.client
import json
import os
import re
import resource
import socket
import threading
import time
import unittest
import urllib.parse

from harness import ApiTest, Response, parse_raw_response, problem_errors, q, slug, uid, word

# Statuses libmicrohttpd answers by itself (not through the service's handler) for requests it
# cannot hold in its per-connection memory.
MHD_OWN = (400, 413, 414, 431)


class HostileTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.server
        resp = srv.request("POST", "/parties", {"name": "Hostile target", "kind": "state", "slug": slug("hx")})
        assert resp.status == 201, resp
        cls.party = resp.body["slug"]
        cls.article = cls.env.insert_article(f"Hostile article text of some length {uid()}.")
        resp = srv.request("POST", "/claims", {"party": cls.party, "stance": "asserts", "text": "target",
                                               "article_id": cls.article, "start": 0, "end": 7})
        assert resp.status == 201, resp
        cls.claim = resp.body["id"]
        resp = srv.request("POST", "/issues", {"name": "Hostile issue", "slug": slug("hx")})
        assert resp.status == 201, resp
        cls.issue = resp.body["slug"]

    def setUp(self):
        self.before = self.env.counts()
        self.target_before = (self.ok_get(f"/parties/{self.party}"), self.ok_get(f"/claims/{self.claim}"))

    def tearDown(self):
        self.assertTrue(self.server.healthy(), f"parleyd is up:\n{self.server.log_tail()}")
        self.assertTrue(self.server.alive())
        self.assertEqual(self.env.counts(), self.before, "the database is unchanged")
        self.assertEqual((self.ok_get(f"/parties/{self.party}"), self.ok_get(f"/claims/{self.claim}")),
                         self.target_before, "the target records are unchanged")

    def check(self, resp, statuses=(400,), allow_mhd=False, what=""):
        if resp is None:
            self.assertTrue(allow_mhd, f"{what}: connection closed without an answer")
            return
        self.assertNotEqual(resp.status, 500, f"{what}: {resp.body!r:.300}")
        self.assertTrue(400 <= resp.status < 500, f"{what}: status {resp.status}, body {resp.body!r:.300}")
        if allow_mhd and resp.status in MHD_OWN and "problem" not in resp.headers.get("content-type", ""):
            return  # libmicrohttpd's own refusal
        self.assertIn(resp.status, statuses, f"{what}: body {resp.body!r:.300}")
        problem_errors(self, resp)

    def send_bodies(self, path, bodies, statuses=(400,), method="POST", detail_line=False):
        for raw in bodies:
            what = f"{method} {path} {raw[:80]!r}{'...' if len(raw) > 80 else ''}"
            with self.subTest(body=what):
                resp = self.request(method, path, raw=raw, key=True)
                self.check(resp, statuses, what=what)
                if detail_line and resp.status == 400:
                    self.assertRegex(resp.body["detail"], re.compile(r"line\D{0,12}\d+", re.I),
                                     "line/column in detail")


class MalformedBodies(HostileTest):
    MALFORMED = [
        b'{"name": "x",', b"{name: 'x'}", b"{'name': 'x'}", b'{"name": "x", "kind": "nation"} trailing',
        b'{"kind": "nation"}{"b":2}', b'{"name": "x", "kind": "nation",}', b'{"name": "x" "kind": "nation"}',
        b'{"name": "\\x", "kind": "nation"}', b'{"name": "a\tb", "kind": "nation"}', b'{"name": "a\nb", "kind": "nation"}',
        b'{"name": NaN, "kind": "nation"}', b'{"name": Infinity}', b'{"start": 01}', b'{"start": .5}',
        b'{"start": 1.}', b'{"start": +1}', b'{"quote": tru}', b'{"quote": True}', b'{"name": "x"',
        b'{"name": "\\u12"}', b'{"name": "\\uZZZZ"}', b"{", b"}", b"[", b":", b",", b"\x00",
        b'{"name": "x", "kind": "nation"}\x00', b'\x00{"name": "x", "kind": "nation"}', b"/* c */ {}",
    ]
    NOT_OBJECTS = [b"[]", b'[{"name": "x", "kind": "state"}]', b'"string"', b"null", b"123", b"true", b"1e5"]

    def test_malformed_json(self):
        self.send_bodies("/parties", self.MALFORMED, detail_line=True)
        self.send_bodies("/claims", self.MALFORMED[:8])
        self.send_bodies(f"/parties/{self.party}", self.MALFORMED[:8], method="PATCH")

    def test_not_an_object(self):
        for path, method in (("/parties", "POST"), ("/issues", "POST"), ("/claims", "POST"),
                             (f"/parties/{self.party}", "PATCH"), (f"/claims/{self.claim}", "PATCH"),
                             (f"/articles/{self.article}", "PATCH")):
            self.send_bodies(path, self.NOT_OBJECTS, method=method)

    def test_invalid_utf8(self):
        bodies = [
            b'{"name": "\xff", "kind": "state", "slug": "u1"}',
            b'{"name": "\xc0\xaf", "kind": "state", "slug": "u2"}',  # overlong
            b'{"name": "\xed\xa0\x80", "kind": "state", "slug": "u3"}',  # UTF-8-encoded surrogate
            b'{"name": "\xf4\x90\x80\x80", "kind": "state", "slug": "u4"}',  # above U+10FFFF
            b'{"name": "\xe2\x82", "kind": "state", "slug": "u5"}',  # truncated sequence
            b'{"name": "ok", "kind": "state", "slug": "u6", "\xfe": 1}',
            b'{"name": "\x80abc", "kind": "state", "slug": "u7"}',
            b'\xff\xfe{\x00}\x00',  # UTF-16
        ]
        self.send_bodies("/parties", bodies, detail_line=True)
        self.send_bodies(f"/parties/{self.party}", [b'{"role": "\xff"}', b'{"role": "\xed\xb0\x80"}'],
                         method="PATCH")
        self.send_bodies("/claims", [b'{"party": "%s", "stance": "asserts", "text": "\xc3"}' % self.party.encode()])

    def test_lone_surrogate_escapes(self):
        bodies = [b'{"name": "\\ud800", "kind": "state", "slug": "s1"}',
                  b'{"name": "\\udc00", "kind": "state", "slug": "s2"}',
                  b'{"name": "a\\ud800b", "kind": "state", "slug": "s3"}',
                  b'{"name": "\\ud800\\u0041", "kind": "state", "slug": "s4"}',
                  b'{"name": "\\udbff", "kind": "state", "slug": "s5"}',
                  b'{"name": "ok", "kind": "state", "slug": "s6", "aliases": ["\\udfff"]}']
        self.send_bodies("/parties", bodies, statuses=(400, 422))
        self.send_bodies(f"/claims/{self.claim}", [b'{"text": "\\ud83d"}'], method="PATCH", statuses=(400, 422))

    def test_nul_in_strings(self):
        bodies = [b'{"name": "a\\u0000b", "kind": "state", "slug": "n1"}',
                  b'{"name": "\\u0000", "kind": "state", "slug": "n2"}',
                  b'{"name": "ok", "kind": "state", "slug": "n3", "aliases": ["x\\u0000"]}',
                  b'{"name": "ok", "kind": "state\\u0000", "slug": "n4"}',
                  b'{"name": "ok", "kind": "state", "slug": "n5\\u0000"}',
                  b'{"na\\u0000me": "ok", "kind": "state", "slug": "n6"}',
                  b'{"name": "a\x00b", "kind": "state", "slug": "n7"}']
        self.send_bodies("/parties", bodies, statuses=(400, 422))
        self.send_bodies("/claims", [b'{"party": "%s", "stance": "asserts", "text": "nul\\u0000"}' % self.party.encode()],
                         statuses=(400, 422))
        self.send_bodies(f"/articles/{self.article}", [b'{"title": "t\\u0000"}'], method="PATCH", statuses=(400, 422))

    def test_deep_nesting(self):
        bodies = [b"[" * 10000 + b"]" * 10000,
                  b'{"a":' * 10000 + b"1" + b"}" * 10000,
                  b'{"name": ' + b"[" * 10000 + b"]" * 10000 + b', "kind": "state"}',
                  b'{"aliases": ' + b'[' * 10000 + b"]" * 10000 + b"}",
                  b"[" * 500000,
                  b'{"a":' * 200000]
        self.send_bodies("/parties", bodies)
        self.send_bodies(f"/parties/{self.party}", bodies[:2], method="PATCH")

    def test_duplicate_keys(self):
        bodies = [b'{"name": "a", "name": "b", "kind": "state", "slug": "d1"}',
                  b'{"name": "a", "kind": "state", "kind": "state", "slug": "d2"}',
                  b'{"name": "a", "kind": "state", "slug": "d3", "slug": "d3"}']
        self.send_bodies("/parties", bodies)
        self.send_bodies(f"/parties/{self.party}", [b'{"role": "a", "role": null}'], method="PATCH")
        self.send_bodies("/claims", [b'{"party": "%s", "party": "%s", "stance": "asserts", "text": "t"}'
                                     % (self.party.encode(), self.party.encode())])


class BigValues(HostileTest):
    def test_huge_strings(self):
        big = "x" * 1_500_000
        cases = [
            ("/parties", {"name": big, "kind": "state", "slug": slug("h")}),
            ("/parties", {"name": "ok", "kind": big, "slug": slug("h")}),
            ("/parties", {"name": "ok", "kind": "state", "slug": big}),
            ("/parties", {"name": "ok", "kind": "state", "slug": slug("h"), "aliases": ["a" * 20000] * 60}),
            ("/parties", {"name": "ok", "kind": "state", "slug": slug("h"), "affiliation": big}),
            ("/parties", {"name": "ok", "kind": "state", "slug": slug("h"), big: 1}),
            ("/issues", {"name": "ok", "slug": slug("h"), "description": big}),
            ("/issues", {"name": "ok", "slug": slug("h"), "keywords": [f"k{i}" for i in range(100_000)]}),
            ("/claims", {"party": self.party, "stance": "asserts", "text": big}),
            ("/claims", {"party": self.party, "stance": "asserts", "text": "t", "issues": ["x" * 100] * 10000}),
            ("/claims", {"party": big, "stance": "asserts", "text": "t"}),
        ]
        for path, body in cases:
            with self.subTest(path=path, fields=list(body)[:4]):
                self.check(self.post(path, body), (400, 422), what=path)

    def test_numbers_out_of_range(self):
        p = self.party.encode()
        a = str(self.article).encode()
        bodies = [
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": %s, "start": 1e400, "end": 2}' % (p, a),
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": %s, "start": 0, "end": 99999999999999999999999}' % (p, a),
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": %s, "start": -9223372036854775808, "end": 0}' % (p, a),
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": %s, "start": 0, "end": 9223372036854775807}' % (p, a),
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": %s, "start": 0, "end": 2147483648}' % (p, a),
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": %s, "start": 4294967296, "end": 4294967297}' % (p, a),
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": %s, "start": -1, "end": 4294967295}' % (p, a),
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": 9223372036854775807}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": 9223372036854775808}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": -1}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": 0}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": 1e308}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": 1.0}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "article_id": -0}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "quote": 1e-400}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "stated_on": "99999-01-01"}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "stated_on": "0000-00-00"}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "stated_on": "infinity"}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "stated_on": "epoch"}' % p,
            b'{"party": "%s", "stance": "asserts", "text": "t", "stated_on": "2025-01-01 BC"}' % p,
        ]
        self.send_bodies("/claims", bodies, statuses=(400, 422))
        self.send_bodies(f"/claims/{self.claim}", [b'{"end": 9223372036854775807}', b'{"end": 2147483648}',
                                                   b'{"start": 1e999}', b'{"article_id": 18446744073709551616}'],
                         method="PATCH", statuses=(400, 422))

    def test_wrong_types_on_every_field(self):
        def values(current):
            out = [123, 1.5, True, {}, {"a": [1]}]
            out.append("str" if isinstance(current, (list, int, bool)) and not isinstance(current, str) else ["str"])
            if isinstance(current, list):
                out += [[1], [None], [["nested"]]]
            return out

        party = {"name": "n", "kind": "state", "slug": "wt", "aliases": ["a"], "affiliation": self.party, "role": "r"}
        issue = {"name": "n", "slug": "wt", "description": "d", "parent": self.issue, "keywords": ["k"]}
        claim = {"party": self.party, "stance": "asserts", "text": "t", "speaker": self.party, "issues": [self.issue],
                 "quote": False, "article_id": self.article, "start": 0, "end": 1, "stated_on": "2025-01-01"}
        for path, base, skip in (("/parties", party, ()), ("/issues", issue, ()), ("/claims", claim, ())):
            for field, current in base.items():
                for v in values(current):
                    if field in skip or (isinstance(current, bool) and isinstance(v, bool)) or \
                            (type(current) is int and type(v) is int):
                        continue
                    body = dict(base, **{field: v})
                    if "slug" in body and field != "slug":
                        body["slug"] = slug("wt")
                    with self.subTest(path=path, field=field, value=v):
                        resp = self.post(path, body)
                        self.check(resp, (400,), what=f"{path} {field}={v!r}")

    def test_wrong_types_in_patches(self):
        patches = [{"name": 1}, {"kind": []}, {"aliases": [{}]}, {"role": {}}, {"affiliation": 1.5}]
        for patch in patches:
            with self.subTest(patch=patch):
                self.check(self.patch(f"/parties/{self.party}", patch), (400,))
        for patch in ({"text": []}, {"issues": [1]}, {"quote": "false"}, {"start": True}, {"stated_on": 1}):
            with self.subTest(patch=patch):
                self.check(self.patch(f"/claims/{self.claim}", patch), (400,))
        for patch in ({"title": 1}, {"authors": [True]}, {"published": []}, {"url": {}}):
            with self.subTest(patch=patch):
                self.check(self.patch(f"/articles/{self.article}", patch), (400,))


class HostileRequests(HostileTest):
    def raw(self, request_line, headers=(), body=b""):
        data = request_line + b"\r\nHost: test\r\nConnection: close\r\n"
        for h in headers:
            data += h + b"\r\n"
        data += b"\r\n" + body
        method = request_line.split(b" ")[0].decode("latin-1")
        path = request_line.split(b" ")[1].decode("latin-1") if b" " in request_line else "/"
        return self.server.raw_exchange(data, method=method, path=path[:2000])

    def test_very_long_urls(self):
        for path in (b"/parties/" + b"a" * 100_000, b"/parties?q=" + b"a" * 100_000,
                     b"/claims?" + b"&".join(b"x%d=1" % i for i in range(10000)),
                     b"/claims/" + b"9" * 100_000):
            with self.subTest(path=path[:40]):
                self.check(self.raw(b"GET " + path + b" HTTP/1.1"), allow_mhd=True, what=path[:40])

    def test_long_but_acceptable_urls(self):
        resp = self.get("/parties?q=" + "a" * 8000)
        if resp.status == 200:
            self.assertEqual(resp.body["items"], [])
        else:
            self.check(resp, (400,))
        self.check(self.get("/parties/" + "a" * 8000), (400, 404))
        self.check(self.get("/claims/" + "9" * 8000), (400, 404))

    def test_huge_headers(self):
        self.check(self.raw(b"GET /parties HTTP/1.1", [b"X-Big: " + b"a" * 100_000]), allow_mhd=True)
        self.check(self.raw(b"GET /parties HTTP/1.1", [b"X-H%d: %s" % (i, b"b" * 500) for i in range(300)]),
                   allow_mhd=True)
        self.check(self.raw(b"POST /parties HTTP/1.1", [b"Authorization: Bearer " + b"k" * 100_000,
                                                        b"Content-Type: application/json", b"Content-Length: 2"],
                            b"{}"), allow_mhd=True, statuses=(401,))

    def test_bad_authorization_values(self):
        for value in (b"Bearer " + b"x" * 5000, b"Bearer parley_\xff\xfe", b"Bearer", b"Bearer  ", b"Basic dTpw",
                      b"Bearer parley_' OR '1'='1", b"Bearer parley_%00"):
            with self.subTest(value=value[:40]):
                resp = self.raw(b"POST /parties HTTP/1.1", [b"Authorization: " + value,
                                                            b"Content-Type: application/json",
                                                            b"Content-Length: 2"], b"{}")
                self.check(resp, (401,), allow_mhd=True)

    def test_bad_content_length(self):
        for value in (b"-1", b"abc", b"99999999999999999999999", b"1, 2"):
            with self.subTest(value=value):
                resp = self.raw(b"POST /parties HTTP/1.1", [b"Authorization: Bearer " + self.env.key.encode(),
                                                            b"Content-Type: application/json",
                                                            b"Content-Length: " + value], b"{}")
                self.check(resp, (400, 413), allow_mhd=True)

    def test_bad_query_values(self):
        cases = [
            "/parties?q=%00", "/parties?q=a%00b", "/parties?q=%ff", "/parties?q=%C0%AF", "/parties?q=%ed%a0%80",
            "/claims?q=%00", "/claims?q=%ff%fe", "/articles?q=%80", "/claims?party=%00", "/claims?speaker=%ff",
            "/claims?issue=%ff", "/parties?affiliation=%00", "/issues?parent=%ff",
            "/parties?limit=99999999999999999999", "/parties?limit=%00", "/parties?limit=0x10", "/parties?limit=5x",
            "/claims?since=0000-00-00", "/claims?since=infinity", "/claims?until=-infinity", "/claims?since=epoch",
            "/claims?since=2025-01-01%2000:00", "/claims?since=99999-01-01", "/claims?until=2025-1-1",
            "/articles?since=today", "/claims?article=1e3", "/claims?article=99999999999999999999",
            "/claims?article=abc", "/claims?stance=%ff", "/parties?kind=%00", "/parties?sort=%ff",
            "/parties?cursor=%ff%fe", "/parties?cursor=" + "A" * 20000, "/parties?%ff=1", "/parties?=1", "/parties?&&&",
            "/parties?q", "/parties?limit=5&limit=6",
        ]
        for path in cases:
            with self.subTest(path=path[:80]):
                resp = self.get(path)
                if path in ("/parties?&&&", "/parties?q"):
                    # Empty pairs or an empty q: ignoring them (200) or refusing (400) are both reasonable.
                    self.assertIn(resp.status, (200, 400))
                    continue
                self.check(resp, (400,), what=path[:80])

    def test_bad_path_ids(self):
        for path in ("/claims/99999999999999999999", "/claims/-1", "/claims/0", "/claims/1.5", "/claims/%00",
                     "/claims/1%20", "/claims/1abc", "/claims/0x1", "/articles/%ff", "/parties/%ff", "/parties/%00",
                     "/parties/..%2f..%2fetc%2fpasswd", "/issues/%2e%2e", "/parties/UPPER", "/parties/a%20b",
                     "/articles/18446744073709551616/claims", "/parties/%ff/claims"):
            with self.subTest(path=path):
                self.check(self.get(path), (400, 404), what=path)
                # A sub-resource list has no PATCH or DELETE: 405 is right there.
                writes = (400, 404, 405) if path.endswith("/claims") else (400, 404)
                self.check(self.patch(path, {"name": "x"}), writes, what="PATCH " + path)
                self.check(self.delete(path), writes, what="DELETE " + path)

    def test_protocol_garbage(self):
        for data in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"\x00\x01\x02\r\n\r\n",
                     b"POST /parties HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n\r\n"):
            with self.subTest(data=data[:30]):
                with self.server.raw_socket() as s:
                    try:
                        s.sendall(data)
                    except OSError:
                        pass
                    try:
                        resp = parse_raw_response(s, "GET", "/", timeout=3)
                    except TimeoutError:
                        resp = None  # libmicrohttpd still waits for a request line: harmless
                if resp is not None:
                    self.assertTrue(400 <= resp.status < 500, f"status {resp.status}")

    def test_json_bodies_on_reads_are_ignored_or_refused(self):
        resp = self.request("GET", "/parties", raw=json.dumps({"x": 1}).encode())
        self.assertIn(resp.status, (200, 400, 413, 415))
        self.assertNotEqual(resp.status, 500)


class HostileConnections(HostileTest):
    """Clients that cost the server by holding connections: slow-drip bodies, idle connections past
    the connection limit, path tricks."""

    def test_slow_drip_body_is_cut_off(self):
        server = self.env.start_server(name="drip", extra_env={"PARLEY_CONNECTION_TIMEOUT": "2"})
        try:
            head = (f"POST /parties HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {self.env.key}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n").encode()
            socks = [server.raw_socket(timeout=5) for _ in range(20)]
            closed_after = {}
            started = time.monotonic()
            try:
                for s in socks:
                    s.sendall(head + b'{"name": "drip", ')
                    s.setblocking(False)
                # A byte every 0.3 s: never idle long enough for an idle timeout.
                while len(closed_after) < len(socks) and time.monotonic() - started < 12:
                    for n, s in enumerate(socks):
                        if n in closed_after:
                            continue
                        try:
                            if s.recv(4096) == b"":
                                closed_after[n] = time.monotonic() - started
                                continue
                        except BlockingIOError:
                            pass
                        except OSError:
                            closed_after[n] = time.monotonic() - started
                            continue
                        try:
                            s.send(b" ")
                        except OSError:
                            closed_after[n] = time.monotonic() - started
                    # Other clients are served meanwhile.
                    t0 = time.monotonic()
                    self.assertEqual(server.request("GET", "/healthz", timeout=5).status, 200)
                    self.assertEqual(server.request("GET", "/parties?limit=1", timeout=5).status, 200)
                    self.assertLess(time.monotonic() - t0, 2, "served while the drips go on")
                    time.sleep(0.3)
            finally:
                for s in socks:
                    s.close()
            self.assertEqual(len(closed_after), len(socks), "every dripping connection was closed")
            self.assertLess(max(closed_after.values()), 6, "within the 2 s connection timeout (and a margin)")
            self.assertGreater(min(closed_after.values()), 1.5, "not before the timeout")
            self.assertTrue(server.healthy())
        finally:
            server.stop()
        self.assertIn("body still arriving", server.log_text(), "the cut-off is logged")

    def test_headers_just_over_the_connection_memory(self):
        # 64 KiB per connection holds the request line and headers: 70 KB of them is refused.
        headers = [b"X-Pad-%d: %s" % (i, b"p" * 1000) for i in range(70)]
        resp = self.raw(b"GET /parties HTTP/1.1", headers)
        if resp is not None:
            self.assertIn(resp.status, (400, 413, 431), resp.body)
        # Many small headers under the limit are fine.
        resp = self.raw(b"GET /parties?limit=1 HTTP/1.1", [b"X-Small-%d: s" % i for i in range(100)])
        self.assertEqual(resp.status, 200)

    def raw(self, request_line, headers=(), body=b""):
        data = request_line + b"\r\nHost: test\r\nConnection: close\r\n"
        for h in headers:
            data += h + b"\r\n"
        data += b"\r\n" + body
        return self.server.raw_exchange(data, method=request_line.split(b" ")[0].decode(),
                                        path=request_line.split(b" ")[1].decode("latin-1")[:2000])

    def test_idle_connections_past_the_limit(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < 2300:
            self.skipTest(f"the file descriptor limit ({hard}) is under 2,300")
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
        server = self.env.start_server(name="conns")
        socks = []
        try:
            for _ in range(2000):
                socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
            time.sleep(1)
            held = sum(1 for fd in os.listdir(f"/proc/{server.proc.pid}/fd")
                       if os.readlink(f"/proc/{server.proc.pid}/fd/{fd}").startswith("socket:"))
            # 1024 client connections, the listening socket, the pool's database sockets.
            self.assertLessEqual(held, 1024 + 40, "the connection limit bounds what the server holds")
            self.assertTrue(server.alive())
        finally:
            for s in socks:
                s.close()
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        try:
            # The connections queued past the limit are accepted and found closed first: give a
            # sanitizer build on a busy machine time for that.
            deadline = time.monotonic() + 30
            while not server.healthy() and time.monotonic() < deadline:
                time.sleep(0.2)
            self.assertEqual(server.request("GET", "/healthz", timeout=10).status, 200, "a fresh connection after")
            self.assertEqual(server.request("GET", "/parties?limit=1", timeout=10).status, 200)
        finally:
            self.assertEqual(server.stop(), 0, server.log_tail())

    def test_dot_segments_and_encoded_slashes(self):
        paths = ["/parties/../keys", "/parties/..%2Fkeys", "/parties%2F..%2Fkeys", "/parties/%2e%2e/keys",
                 "/parties/%2E%2E%2Fkeys", "/parties/a%2Fb", "/parties/a%2fb/claims", "/claims/1%2F..%2F2",
                 "/./parties", "/parties/./", "/static/../../etc/passwd", "/static/..%2F..%2Fetc%2Fpasswd",
                 "/static/%2e%2e%2fopenapi.yaml", "/static/..%5C..%5Cetc%5Cpasswd", "//parties", "/keys",
                 "/api_keys", "/parties/%00/../keys"]
        for path in paths:
            with self.subTest(path=path):
                resp = self.raw(b"GET " + path.encode() + b" HTTP/1.1")
                self.check(resp, (400, 404), what=path)
                self.assertNotIn(b"root:", json.dumps(resp.body).encode(), "no file outside the service")
                # Writes where openapi.yaml has the method for the path as written (libmicrohttpd
                # decodes %2F before routing, so /parties/..%2Fkeys is routed as /parties/../keys:
                # 404 where the response check, reading the raw path, would expect a 405).
                methods = [b"PATCH", b"DELETE"] if re.match(r"^/(parties|claims)/[^/]+$", path) else []
                methods += [b"POST"] if "%2" not in path.lower() and not path.startswith("/static/") else []
                for method in methods:
                    resp = self.raw(method + b" " + path.encode() + b" HTTP/1.1",
                                    [b"Authorization: Bearer " + self.env.key.encode(),
                                     b"Content-Type: application/json", b"Content-Length: 2"], b"{}")
                    self.check(resp, (400, 404, 405), what=f"{method.decode()} {path}")


def unrecorded_get(server, path):
    """GET of a web page or file: not part of openapi.yaml, so not recorded for the response check."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


class SecurityHeaders(ApiTest):
    """Every response the service makes carries X-Content-Type-Options: nosniff and no Server header;
    the web pages carry a restrictive Content-Security-Policy."""

    def assertHeaders(self, resp, what):
        self.assertEqual(resp.headers.get("x-content-type-options"), "nosniff", what)
        self.assertNotIn("server", resp.headers, f"{what}: no Server header (libmicrohttpd sends none)")

    def test_every_kind_of_response(self):
        out = self.env.cli("key", "create", f"hdr-{uid()}", "--scope", "read")
        read_key = next(t for t in out.stdout.split() if t.startswith("parley_"))
        p = self.make_party()
        c = self.make_claim(party=p["slug"], issues=["ceasefire"])
        a = self.make_article()
        etag = self.get(f"/parties/{p['slug']}").headers["etag"]
        big = self.server.raw_exchange(b"POST /parties HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                                       + self.env.key.encode() + b"\r\nContent-Type: application/json\r\n"
                                       b"Content-Length: 99999999\r\nConnection: close\r\n\r\n{}",
                                       method="POST", path="/parties")
        responses = {
            "GET list": self.get("/parties"), "GET record": self.get(f"/parties/{p['slug']}"),
            "HEAD": self.request("HEAD", f"/claims/{c['id']}"), "GET csv": self.get(
                "/claims?limit=2", headers={"Accept": "text/csv"}),
            "304": self.get(f"/parties/{p['slug']}", headers={"If-None-Match": etag}),
            "positions": self.get("/positions"), "shifts": self.get("/shifts"),
            "article claims": self.get(f"/articles/{a}/claims"), "metrics": self.get("/metrics"),
            "readyz": self.get("/readyz"), "openapi": self.get("/openapi.yaml"),
            "page /": unrecorded_get(self.server, "/"), "page /load": unrecorded_get(self.server, "/load"),
            "page /docs": unrecorded_get(self.server, "/docs"),
            "static file": unrecorded_get(self.server, "/static/parley.css"),
            "static 404": self.get("/static/nope.js"),
            "201": self.post("/parties", {"name": "H", "kind": "state", "slug": slug("hd")}),
            "200 patch": self.patch(f"/claims/{c['id']}", {"stance": "asserts"}),
            "204": self.delete(f"/parties/{self.make_party()['slug']}"),
            "400": self.post("/parties", raw=b"{"), "401": self.post("/parties", {"name": "x"}, key=False),
            "403": self.post("/parties", {"name": "x"}, key=read_key), "404": self.get("/nope"),
            "405": self.request("PUT", "/parties", body={}), "409": self.post("/issues", {"slug": "donbas",
                                                                                         "name": "x"}),
            "412": self.patch(f"/parties/{p['slug']}", {"role": "r"}, headers={"If-Match": '"0"'}),
            "413": big,
            "415": self.post("/parties", raw=b"{}", headers={"Content-Type": "text/plain"}),
            "422": self.post("/parties", {"name": "x", "kind": "nation", "slug": slug("hd")}),
            "OPTIONS": self.request("OPTIONS", "/parties"),
            "preflight": self.request("OPTIONS", "/claims", headers={"Origin": "https://a.example",
                                                                      "Access-Control-Request-Method": "POST"}),
        }
        statuses = {what: r.status for what, r in responses.items()}
        for code in (200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415, 422):
            self.assertIn(code, statuses.values(), statuses)
        for what, resp in responses.items():
            with self.subTest(what=what, status=resp.status):
                self.assertHeaders(resp, what)

    def test_libmicrohttpd_own_refusals_carry_no_server_version(self):
        # Requests too big for a connection's memory are refused by libmicrohttpd itself (a fixed
        # body, nothing of the request reflected in it): no Server header there either.
        for data in (b"GET /parties HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
                     b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n"):
            resp = self.server.raw_exchange(data)
            if resp is not None:
                self.assertIn(resp.status, (400, 414, 431))
                self.assertNotIn("server", resp.headers)

    def test_web_pages_carry_a_restrictive_csp(self):
        for path in ("/", "/load", "/docs"):
            with self.subTest(path=path):
                resp = unrecorded_get(self.server, path)
                self.assertEqual(resp.status, 200)
                policy = resp.headers.get("content-security-policy", "")
                directives = {d.strip().split(" ")[0]: d.strip().split(" ")[1:] for d in policy.split(";") if d.strip()}
                self.assertEqual(directives.get("default-src"), ["'self'"], policy)
                self.assertEqual(directives.get("script-src"), ["'self'"], "no inline or remote scripts")
                self.assertEqual(directives.get("object-src"), ["'none'"], policy)
                self.assertEqual(directives.get("frame-ancestors"), ["'none'"], policy)
                self.assertEqual(directives.get("base-uri"), ["'none'"], policy)
                self.assertFalse(any("http" in v or v == "*" for vs in directives.values() for v in vs),
                                 f"nothing loaded from elsewhere: {policy}")
                self.assertEqual(resp.headers.get("x-frame-options"), "DENY")


# Strings SQL (or a LIKE pattern, or a shell) would treat as code.
SQL_META = ["Robert'); DROP TABLE parties;--", "' OR '1'='1", "\" OR 1=1 --", "50% off_sale",
            "back\\slash\\'", "$1 $$ $body$", "/* comment */ x", "a;b;c", "x\u2019; SELECT pg_sleep(5);--",
            "%", "_", "\\", "'", "E'\\x00'", "::text", "1; TRUNCATE claims CASCADE"]


class SqlMetacharacters(ApiTest):
    """SQL metacharacters in every string field are stored and returned verbatim, in every filter
    they match literally or nothing, and the database is as it was once the records are deleted."""

    def setUp(self):
        self.before = self.env.counts()

    def test_string_fields_verbatim(self):
        created = []
        try:
            for n, meta in enumerate(SQL_META):
                with self.subTest(meta=meta):
                    party = self.make_party(name=f"{meta} {uid()}", aliases=[meta, f"a {meta}"], role=meta,
                                            kind="state")
                    created.append(("parties", party["slug"]))
                    got = self.ok_get(f"/parties/{party['slug']}")
                    self.assertEqual((got["name"].rsplit(" ", 1)[0], got["aliases"], got["role"]),
                                     (meta, [meta, f"a {meta}"], meta))
                    issue = self.make_issue(name=f"{meta} {uid()}", description=meta, keywords=[meta])
                    created.append(("issues", issue["slug"]))
                    got = self.ok_get(f"/issues/{issue['slug']}")
                    self.assertEqual((got["description"], got["keywords"]), (meta, [meta]))
                    claim = self.make_claim(party=party["slug"], text=meta, issues=[issue["slug"]])
                    created.append(("claims", claim["id"]))
                    self.assertEqual(self.ok_get(f"/claims/{claim['id']}")["text"], meta)
                    patched = self.expect(self.patch(f"/parties/{party['slug']}", {"role": meta + "!"}), 200)
                    self.assertEqual(patched["role"], meta + "!")
            article = self.make_article(text=f"Meta article {uid()}.")
            created.append(("articles", article))
            for meta in SQL_META:
                with self.subTest(article_field=meta):
                    body = {"title": meta, "url": f"https://example.org/{q(meta)}", "authors": [meta],
                            "dateline": meta}
                    got = self.expect(self.patch(f"/articles/{article}", body), 200)
                    self.assertEqual({k: got[k] for k in body}, body)
        finally:
            for kind, key in reversed(created):
                self.assertIn(self.delete(f"/{kind}/{key}").status, (204, 404))
        self.assertEqual(self.env.counts(), self.before, "the database is as it was")

    def test_filters_match_literally(self):
        marker = word()
        party = self.make_party(name=f"{marker} 50% off_sale", aliases=["it's"])
        claim = self.make_claim(party=party["slug"], text=f"{marker} said 100% of it; DROP TABLE claims")
        try:
            for meta in SQL_META + [f"{marker} 50%", "50% off_", "it's"]:
                with self.subTest(q=meta):
                    for path in ("/parties", "/issues", "/claims", "/articles"):
                        resp = self.get(f"{path}?q={q(meta)}&limit=200")
                        self.assertIn(resp.status, (200, 400), f"{path} q={meta!r}: {resp.body!r:.200}")
                        if resp.status == 400:
                            problem_errors(self, resp)
                            continue
                        if path == "/parties":
                            for item in resp.body["items"]:
                                names = [item["name"]] + item["aliases"]
                                self.assertTrue(any(meta.lower() in x.lower() for x in names),
                                                f"q={meta!r} matched {item['name']!r} literally")
            self.assertEqual([p["slug"] for p in self.ok_get(f"/parties?q={q('50% off_')}")["items"]],
                             [party["slug"]])
            self.assertEqual(self.ok_get(f"/parties?q={q('%')}&limit=200")["items"],
                             [p for p in self.ok_get(f"/parties?q={q('%')}&limit=200")["items"]
                              if "%" in p["name"] + "".join(p["aliases"])], "% is not a wildcard")
            for param in ("party", "speaker", "issue", "affiliation", "parent", "stance", "kind", "sort", "since",
                          "cursor", "article"):
                for meta in SQL_META[:6]:
                    with self.subTest(param=param, value=meta):
                        path = {"affiliation": "/parties", "kind": "/parties", "parent": "/issues"}.get(param, "/claims")
                        resp = self.get(f"{path}?{param}={q(meta)}")
                        if resp.status == 200:
                            self.assertEqual(resp.body["items"], [], f"{param}={meta!r} matches nothing")
                        else:
                            self.assertEqual(resp.status, 400, resp.body)
                            problem_errors(self, resp)
            for meta in SQL_META[:6]:
                resp = self.get(f"/positions?party={q(meta)}")
                self.assertIn(resp.status, (200, 400, 404))
        finally:
            self.delete(f"/claims/{claim['id']}")
            self.delete(f"/parties/{party['slug']}")
        self.assertEqual(self.env.counts(), self.before, "the database is as it was")
        self.assertEqual(self.env.psql_value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                                             "AND tablename IN ('parties', 'issues', 'claims', 'articles', "
                                             "'claim_issues', 'api_keys')"), "6", "every table is there")


if __name__ == "__main__":
    unittest.main()
