"""HTTP framing and header hygiene (behind a proxy these matter): conflicting or unknown body
framing, malformed header lines, encoded NUL and slash in paths, Content-Type parameters, header
values with surrounding whitespace or NUL, and Vary/exposed headers for a CORS origin list.

Responses here are read from raw sockets; those the OpenAPI contract does not describe (the 501 for
an unknown transfer coding) are not recorded for the response check."""

import http.client
import socket
import time

from harness import ApiTest, slug


def exchange(server, data, method="GET", timeout=5):
    """Sends raw bytes; returns (response or None, closed after it, seconds). The response is
    parsed without recording it."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = http.client.HTTPResponse(s, method=method)
        try:
            resp.begin()
            body = resp.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                http.client.BadStatusLine):
            return None, True, time.monotonic() - started
        except TimeoutError:
            return None, False, time.monotonic() - started
        elapsed = time.monotonic() - started
        headers = {k.lower(): v for k, v in resp.getheaders()}
        s.settimeout(2)
        try:
            closed = s.recv(1) == b""
        except TimeoutError:
            closed = False
        except OSError:
            closed = True
        return (resp.status, headers, body), closed, elapsed


class HeaderValues(ApiTest):
    def post_party(self, content_type, authorization=None):
        name = f"Header values {slug('h')}"
        body = ('{"name": "%s", "kind": "state"}' % name).encode()
        data = (b"POST /parties HTTP/1.1\r\nHost: t\r\nAuthorization: "
                + (authorization or b"Bearer " + self.env.key.encode())
                + b"\r\nContent-Type: " + content_type + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        answer, _, _ = exchange(self.server, data, "POST")
        self.assertIsNotNone(answer)
        return answer

    def test_content_type_parameters(self):
        for content_type in (b"application/json; charset=utf-8x", b"application/json garbage",
                             b"application/json; charset=latin-1", b"application/json;;x",
                             b"application/json; charset", b"application/jsonx"):
            with self.subTest(content_type=content_type):
                self.assertEqual(self.post_party(content_type)[0], 415)
        for content_type in (b"application/json\t; charset=utf-8", b"application/json;charset=UTF-8",
                             b'application/json; charset="utf-8"', b"Application/JSON",
                             b"application/json ; charset=utf-8 ", b"application/json; foo=bar"):
            with self.subTest(content_type=content_type):
                answer = self.post_party(content_type)
                self.assertEqual(answer[0], 201, answer[2])

    def test_header_values_are_trimmed(self):
        key = self.env.key.encode()
        for authorization in (b"Bearer " + key + b" ", b"Bearer " + key + b"\t", b"Bearer  " + key):
            with self.subTest(authorization=authorization):
                answer = self.post_party(b"application/json", authorization)
                self.assertEqual(answer[0], 201, answer[2])


class CorsOriginList(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cors = cls.env.start_server(name="cors-list",
                                        extra_env={"PARLEY_CORS_ORIGINS": "https://a.example,https://b.example"})

    @classmethod
    def tearDownClass(cls):
        cls.cors.stop()
        super().tearDownClass()

    def test_vary_origin_on_every_response(self):
        for origin in (None, "https://a.example", "https://evil.example"):
            for path in ("/healthz", "/parties?limit=1", "/parties/no-such-party-here"):
                with self.subTest(origin=origin, path=path):
                    resp = self.cors.request("GET", path, headers={"Origin": origin} if origin else None)
                    self.assertIn("origin", [v.strip().lower() for v in resp.headers.get("vary", "").split(",")])
                    if origin == "https://a.example":
                        self.assertEqual(resp.headers.get("access-control-allow-origin"), origin)
                    else:
                        self.assertNotIn("access-control-allow-origin", resp.headers)

    def test_www_authenticate_is_exposed(self):
        resp = self.cors.request("POST", "/parties", {"name": "x", "kind": "state"}, key=False,
                                 headers={"Origin": "https://b.example"})
        self.assertEqual(resp.status, 401)
        exposed = [v.strip().lower() for v in resp.headers.get("access-control-expose-headers", "").split(",")]
        self.assertIn("www-authenticate", exposed)
        self.assertIn("www-authenticate", resp.headers)
