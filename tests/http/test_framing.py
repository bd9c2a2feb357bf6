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
