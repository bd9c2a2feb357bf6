"""Resilience: the database going away and coming back, shutdown with a request in flight, and
start-up configuration checks.

The outage test makes its own throwaway cluster with scripts/pgcluster.sh (so it can stop it while
other suites use DATABASE_URL's cluster). Run this file on its own with `run.py ... test_resilience`."""

import json
import signal
import time
import unittest

from harness import ApiTest, parse_raw_response, problem_errors, slug, start_private_cluster, stop_private_cluster


class DatabaseOutage(ApiTest):
    """Runs against a private cluster (scripts/pgcluster.sh start/stop in a temporary directory),
    so that stopping it disturbs no other suite sharing DATABASE_URL's cluster."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_private_cluster(cls, "parley-outage-")
        cls.port = cls.cluster_port
        try:
            cls.server = cls.env.start_server(name="outage", database_url=cls.url, key=cls.key)
        except BaseException:
            stop_private_cluster(cls)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        stop_private_cluster(cls)

    def start_cluster(self):
        out = self.env.pgcluster("start", self.cluster, self.port, extra_env={"PGCLUSTER_FAST": "1"})
        self.assertEqual(out.returncode, 0, out.stderr)

    def assert503(self, resp, what):
        self.assertEqual(resp.status, 503, f"{what}: {resp.body!r:.300}")
        self.assertEqual(resp.headers.get("retry-after"), "2", what)
        problem_errors(self, resp)

    def test_503_while_down_then_recovery_without_restart(self):
        p = self.make_party()
        c = self.make_claim(party=p["slug"])
        server_pid = self.server.proc.pid
        out = self.env.pgcluster("stop", self.cluster)
        self.assertEqual(out.returncode, 0, out.stderr)
        try:
            # Every worker's connection is gone: ask often enough to hit them all.
            for _ in range(3):
                for method, path, body in (("GET", "/parties", None), ("GET", f"/parties/{p['slug']}", None),
                                           ("GET", f"/claims/{c['id']}", None), ("GET", "/claims?q=x", None),
                                           ("GET", "/issues/donbas/claims", None), ("GET", "/articles", None),
                                           ("POST", "/parties", {"name": "X", "kind": "state", "slug": slug("down")}),
                                           ("PATCH", f"/parties/{p['slug']}", {"role": "r"}),
                                           ("DELETE", f"/claims/{c['id']}", None)):
                    with self.subTest(method=method, path=path):
                        self.assert503(self.request(method, path, body, timeout=20), f"{method} {path}")
            ready = self.get("/readyz", timeout=20)
            self.assertEqual(ready.status, 503)
            self.assertEqual(ready.headers.get("retry-after"), "2")
            # What needs no database still answers.
            self.assertEqual(self.get("/healthz").status, 200)
            self.assertEqual(self.get("/openapi.yaml").status, 200)
            pre = self.request("OPTIONS", "/parties", headers={"Origin": "https://app.example",
                                                               "Access-Control-Request-Method": "POST"})
            self.assertEqual(pre.status, 204)
            # Without a key it is still a 401 or a 503, never a 500.
            resp = self.post("/parties", {"name": "X", "kind": "state"}, key=False)
            self.assertIn(resp.status, (401, 503))
        finally:
            self.start_cluster()

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.get("/readyz", timeout=10).status == 200:
                break
            time.sleep(0.2)
        self.assertEqual(self.get("/readyz").status, 200, "ready again within 30 s")
        # Every worker recovers: a run of requests all succeed.
        statuses = [self.get(f"/parties/{p['slug']}").status for _ in range(20)]
        self.assertEqual(statuses, [200] * 20)
        statuses = [self.get("/issues/donbas").status for _ in range(20)]
        self.assertEqual(statuses, [200] * 20)
        created = self.post("/parties", {"name": "After", "kind": "state", "slug": slug("up")})
        self.assertEqual(created.status, 201, created.body)
        self.assertEqual(self.ok_get(f"/claims/{c['id']}")["id"], c["id"], "nothing was deleted while down")
        self.assertEqual(self.server.proc.pid, server_pid)
        self.assertTrue(self.server.alive(), "the same process, not restarted")


class Configuration(ApiTest):
    """Configuration is validated at start-up with a message naming the variable."""

    def test_invalid_configuration_refused(self):
        import os
        import subprocess
        from harness import config, pick_free_port
        cases = [("PORT", "notaport"), ("PORT", "70000"), ("PARLEY_BODY_LIMIT", "lots"),
                 ("PARLEY_BODY_LIMIT", "10"), ("PARLEY_THREADS", "0"), ("PARLEY_LOG_LEVEL", "loud"),
                 ("PARLEY_CONNECTION_TIMEOUT", "-5")]
        for name, value in cases:
            with self.subTest(name=name, value=value):
                env = dict(os.environ, DATABASE_URL=self.env.database_url, PORT=str(pick_free_port()),
                           PARLEY_LOG_LEVEL="warn")
                env[name] = value
                try:
                    out = subprocess.run([config["parleyd"]], env=env, capture_output=True, text=True, timeout=15,
                                         stdin=subprocess.DEVNULL)
                except subprocess.TimeoutExpired:
                    self.fail(f"parleyd started with {name}={value}")
                self.assertNotEqual(out.returncode, 0)
                self.assertIn(name, out.stdout + out.stderr, "the message names the variable")


class Shutdown(ApiTest):
    def test_sigterm_finishes_the_request_in_flight(self):
        server = self.env.start_server(name="sigterm")
        s = slug("term")
        body = json.dumps({"name": "Slow request", "kind": "group", "slug": s}).encode()
        head = (f"POST /parties HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {self.env.key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        try:
            with server.raw_socket(timeout=30) as sock:
                sock.sendall(head + body[:10])
                time.sleep(0.3)
                server.proc.send_signal(signal.SIGTERM)
                time.sleep(0.7)
                self.assertIsNone(server.proc.poll(), "still running while a request is in flight")
                sock.sendall(body[10:20])
                time.sleep(0.3)
                sock.sendall(body[20:])
                resp = parse_raw_response(sock, "POST", "/parties", timeout=20)
            self.assertIsNotNone(resp, "the in-flight request got an answer")
            self.assertEqual(resp.status, 201, resp.body)
            self.assertEqual(resp.body["slug"], s)
            rc = server.proc.wait(20)
            self.assertEqual(rc, 0, f"exit status after SIGTERM:\n{server.log_tail()}")
        finally:
            server.stop(signal.SIGKILL)
        self.assertEqual(self.ok_get(f"/parties/{s}")["name"], "Slow request", "the write was committed")

    def test_sigint_exits_0(self):
        server = self.env.start_server(name="sigint")
        try:
            self.assertEqual(self.get("/parties?limit=1", server=server).status, 200)
            server.proc.send_signal(signal.SIGINT)
            self.assertEqual(server.proc.wait(20), 0, server.log_tail())
        finally:
            server.stop(signal.SIGKILL)

    def test_idle_keepalive_connection_does_not_hold_shutdown(self):
        server = self.env.start_server(name="idle")
        try:
            with server.raw_socket(timeout=30) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
                resp = parse_raw_response(sock, "GET", "/healthz")
                self.assertEqual(resp.status, 200)
                # The connection stays open and idle.
                started = time.monotonic()
                server.proc.send_signal(signal.SIGTERM)
                rc = server.proc.wait(40)
                self.assertEqual(rc, 0, server.log_tail())
                self.assertLess(time.monotonic() - started, 35, "shutdown is bounded")
        finally:
            server.stop(signal.SIGKILL)


if __name__ == "__main__":
    unittest.main()
