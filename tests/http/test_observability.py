"""Observability: GET /metrics (Prometheus text 0.0.4), the JSON access log, X-Request-Id, and
/readyz failing while draining and while the database refuses connections.

Each class runs its own parleyd (log level info), so counters and log lines are its own."""

import json
import os
import re
import signal
import time

import harness
from harness import ApiTest, parse_raw_response, problem_errors, slug, uid

SAMPLE = os.path.join(harness.ROOT, "sql", "sample", "seed-2025-12-29-talks.txt")
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """The exposition as {(name, frozenset(labels)): value} plus {name: type}; checks each line."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE_RE.match(line)
        if m is None:
            raise AssertionError(f"not a sample line: {line!r}")
        name, labels, value = m.groups()
        pairs = frozenset(LABEL_RE.findall(labels or ""))
        samples[(name, pairs)] = float(value)
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class Metrics(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.env.start_server(name="metrics", extra_env={"PARLEY_DB_POOL": "3"})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def scrape(self):
        resp = self.get("/metrics")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.headers.get("content-type", "").split(";")[0:2],
                         ["text/plain", " version=0.0.4"], resp.headers.get("content-type"))
        return parse_metrics(resp.body.decode("utf-8"))

    def scrape_until(self, condition, timeout=5):
        """The samples and types once `condition(samples)` holds (or the last ones after
        `timeout` s). A request is counted when libmicrohttpd reports it
        complete, just after its last byte went out: a scrape may overtake the
        last requests, the more so on a slow (sanitizer) build."""
        deadline = time.monotonic() + timeout
        samples, types = self.scrape()
        while not condition(samples) and time.monotonic() < deadline:
            time.sleep(0.05)
            samples, types = self.scrape()
        return samples, types

    def test_request_counter_moves_by_route_and_status(self):
        before, types = self.scrape()
        self.assertEqual(types.get("parley_http_requests_total"), "counter")
        for _ in range(3):
            self.ok_get("/parties?limit=1")
        self.assertEqual(self.get("/parties/no-such-party").status, 404)
        self.assertEqual(self.get(f"/nowhere-{uid()}").status, 404)
        expected = {("/parties", "GET", "200"): 3, ("/parties/{slug}", "GET", "404"): 1,
                    ("unmatched", "any", "404"): 1}

        def counted(samples):
            return all(value(samples, "parley_http_requests_total", route=r, method=m, status=s)
                       - value(before, "parley_http_requests_total", route=r, method=m, status=s) >= n
                       for (r, m, s), n in expected.items())
        after, _ = self.scrape_until(counted)
        labels = {"route": "/parties", "method": "GET", "status": "200"}
        self.assertEqual(value(after, "parley_http_requests_total", **labels)
                         - value(before, "parley_http_requests_total", **labels), 3)
        labels = {"route": "/parties/{slug}", "method": "GET", "status": "404"}
        self.assertEqual(value(after, "parley_http_requests_total", **labels)
                         - value(before, "parley_http_requests_total", **labels), 1)
        labels = {"route": "unmatched", "method": "any", "status": "404"}
        self.assertEqual(value(after, "parley_http_requests_total", **labels)
                         - value(before, "parley_http_requests_total", **labels), 1)

    def test_latency_histogram_is_cumulative(self):
        for _ in range(5):
            self.ok_get("/issues?limit=2")
        samples, types = self.scrape_until(lambda samples: value(
            samples, "parley_http_request_duration_seconds_count", route="/issues", method="GET") >= 5)
        self.assertEqual(types.get("parley_http_request_duration_seconds"), "histogram")
        series = {}
        for (name, labels), v in samples.items():
            if name == "parley_http_request_duration_seconds_bucket":
                d = dict(labels)
                le = d.pop("le")
                series.setdefault(frozenset(d.items()), []).append((float(le), v))
        key = frozenset({"route": "/issues", "method": "GET"}.items())
        self.assertIn(key, series)
        for labels, buckets in series.items():
            buckets.sort()
            counts = [v for _, v in buckets]
            self.assertEqual(counts, sorted(counts), f"buckets of {dict(labels)} are cumulative")
            self.assertEqual(buckets[-1][0], float("inf"))
            d = dict(labels)
            self.assertEqual(counts[-1], value(samples, "parley_http_request_duration_seconds_count", **d))
            self.assertGreaterEqual(value(samples, "parley_http_request_duration_seconds_sum", **d), 0)
        self.assertGreaterEqual(value(samples, "parley_http_request_duration_seconds_count",
                                      route="/issues", method="GET"), 5)

    def test_pool_errors_articles_and_build_info(self):
        before, _ = self.scrape()
        self.assertEqual(value(before, "parley_db_pool_size", pool="primary"), 3)
        in_use = value(before, "parley_db_pool_connections", pool="primary", state="in_use")
        idle = value(before, "parley_db_pool_connections", pool="primary", state="idle")
        self.assertLessEqual(in_use + idle, 3)
        # Single-record reads go to the asynchronous reader (PARLEY_DB_READERS, default 6): it has
        # a connection open once one was read, and nothing left in flight or queued after it.
        self.expect(self.get(f"/parties/{self.make_party()['slug']}"), 200)
        reader, _ = self.scrape()
        self.assertGreaterEqual(value(reader, "parley_db_reader_connections"), 1)
        self.assertLessEqual(value(reader, "parley_db_reader_connections"), 6)
        self.assertEqual(value(reader, "parley_db_reader_statements", state="in_flight"), 0)
        self.assertEqual(value(reader, "parley_db_reader_statements", state="queued"), 0)
        # Pages of lists go there too: the data version and the page in one job.
        self.expect(self.get("/parties?limit=2"), 200)
        listed, _ = self.scrape()
        self.assertGreaterEqual(value(listed, "parley_db_reader_jobs_total", outcome="ok")
                                - value(reader, "parley_db_reader_jobs_total", outcome="ok"), 1)
        # Lists under a record too, its existence read in the same job: the missing one's 404
        # comes from the reader as well.
        self.expect(self.get(f"/parties/{self.make_party()['slug']}/claims"), 200)
        self.assertEqual(self.get(f"/parties/{slug('nobody')}/claims").status, 404)
        self.assertEqual(self.get(f"/issues/{slug('nowhere')}/claims").status, 404)
        nested, _ = self.scrape()
        self.assertGreaterEqual(value(nested, "parley_db_reader_jobs_total", outcome="ok")
                                - value(listed, "parley_db_reader_jobs_total", outcome="ok"), 3)
        build = [dict(labels) for (name, labels) in before if name == "parley_build_info"]
        self.assertEqual(len(build), 1)
        self.assertRegex(build[0]["version"], r"^\d+\.\d+\.\d+$")
        self.assertTrue(build[0]["commit"])

        # A slug taken twice is an integrity error in the database.
        s = slug("dup")
        self.expect(self.post("/parties", {"name": "Dup", "kind": "state", "slug": s}), 201)
        self.assertEqual(self.post("/parties", {"name": "Dup", "kind": "state", "slug": s}).status, 409)

        with open(SAMPLE, "rb") as f:
            text = f.read()
        text += f"\n\nKyiv - Ukraine rejected any withdrawal from Donbas, Zelensky said ({uid()}).\n".encode()
        dry = self.post("/articles?dry_run=true", raw=text, headers={"Content-Type": "text/plain"})
        self.assertEqual(dry.status, 200, dry.body)
        loaded = self.post("/articles", raw=text, headers={"Content-Type": "text/plain"})
        self.assertEqual(loaded.status, 201, loaded.body)
        again = self.post("/articles", raw=text, headers={"Content-Type": "text/plain"})
        self.assertEqual(again.status, 200, "unchanged")
        after, _ = self.scrape()
        self.assertEqual(value(after, "parley_db_errors_total", **{"class": "integrity"})
                         - value(before, "parley_db_errors_total", **{"class": "integrity"}), 1)
        self.assertEqual(value(after, "parley_articles_loaded_total")
                         - value(before, "parley_articles_loaded_total"), 1, "dry runs and unchanged count nothing")
        claims = len(loaded.body["claims"])
        self.assertGreater(claims, 0)
        self.assertEqual(value(after, "parley_claims_loaded_total") - value(before, "parley_claims_loaded_total"),
                         claims)


class AccessLog(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.env.start_server(name="accesslog", extra_env={"PARLEY_LOG_LEVEL": "info"})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def lines(self):
        out = []
        for line in self.server.log_text().splitlines():
            line = line.strip()
            if line:
                out.append(json.loads(line))  # every line is one JSON object
        return out

    def wait_for(self, request_id):
        # The access line is written when the request completes, just after the answer.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            found = [r for r in self.lines() if r.get("request_id") == request_id and r.get("message") == "request"]
            if found:
                return found
            time.sleep(0.02)
        self.fail(f"no access line for {request_id}:\n{self.server.log_tail()}")

    def test_every_line_is_json_and_requests_have_their_fields(self):
        rid = f"obs-{uid()}"
        resp = self.get("/parties?limit=2", headers={"X-Request-Id": rid})
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.headers.get("x-request-id"), rid, "a usable id is accepted and echoed")
        [line] = self.wait_for(rid)
        for field, kind in (("time", str), ("level", str), ("request_id", str), ("method", str),
                            ("route", str), ("status", int), ("bytes", int), ("duration_us", int)):
            self.assertIsInstance(line.get(field), kind, f"{field} in {line}")
        self.assertRegex(line["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertEqual((line["level"], line["method"], line["route"], line["status"]),
                         ("info", "GET", "/parties", 200))
        self.assertEqual(line["bytes"], int(resp.headers["content-length"]))
        self.assertGreaterEqual(line["duration_us"], 0)
        self.lines()  # the whole log parses

    def test_generated_id_when_absent_or_unusable(self):
        for given in (None, "bad id with spaces", "x" * 40):
            with self.subTest(given=given):
                resp = self.get("/healthz", headers={"X-Request-Id": given} if given else None)
                rid = resp.headers.get("x-request-id")
                self.assertRegex(rid or "", r"^[0-9a-f]{32}$")
                [line] = self.wait_for(rid)
                self.assertEqual(line["route"], "/healthz")

    def test_unmatched_route_and_errors_are_logged(self):
        rid = f"miss-{uid()}"
        self.assertEqual(self.get(f"/nowhere/{uid()}", headers={"X-Request-Id": rid}).status, 404)
        [line] = self.wait_for(rid)
        self.assertIsNone(line["route"])
        self.assertEqual(line["status"], 404)

    def test_keys_never_logged(self):
        rid = f"key-{uid()}"
        resp = self.post("/parties", {"name": "Logged", "kind": "group", "slug": slug("log")},
                         headers={"X-Request-Id": rid})
        self.assertEqual(resp.status, 201)
        bad = self.post("/parties", {"name": "X", "kind": "group"}, key="parley_not_a_real_key_0123456789")
        self.assertEqual(bad.status, 401)
        self.wait_for(rid)
        text = self.server.log_text()
        self.assertNotIn(self.env.key, text)
        self.assertNotIn("parley_not_a_real_key", text)


class Readiness(ApiTest):
    """/readyz is 503 while draining and while the database refuses connections; /healthz stays 200."""

    def test_not_ready_while_draining(self):
        server = self.env.start_server(name="drain")
        body = json.dumps({"name": "Slow", "kind": "group", "slug": slug("drain")}).encode()
        head = (f"POST /parties HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {self.env.key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        try:
            with server.raw_socket(timeout=30) as slow, server.raw_socket(timeout=30) as probe:
                # The probe's connection is open before shutdown starts: new ones are refused then.
                probe.sendall(b"GET /readyz HTTP/1.1\r\nHost: test\r\n\r\n")
                first = parse_raw_response(probe, "GET", "/readyz")
                self.assertEqual(first.status, 200)
                slow.sendall(head + body[:5])
                time.sleep(0.3)
                server.proc.send_signal(signal.SIGTERM)
                time.sleep(0.5)
                probe.sendall(b"GET /readyz HTTP/1.1\r\nHost: test\r\n\r\n")
                draining = parse_raw_response(probe, "GET", "/readyz")
                self.assertIsNotNone(draining)
                self.assertEqual(draining.status, 503, draining.body)
                problem_errors(self, draining)
                self.assertEqual(draining.headers.get("retry-after"), "2")
                slow.sendall(body[5:])
                done = parse_raw_response(slow, "POST", "/parties", timeout=20)
                self.assertEqual(done.status, 201)
            self.assertEqual(server.stop(), 0)
        finally:
            server.stop()

    def test_not_ready_while_the_database_refuses_connections(self):
        dbname = f"parley_ready_{uid()}"
        admin = self.env.admin_url
        url = harness._with_dbname(admin, dbname)  # noqa: SLF001 - the harness's own helper
        harness.run_psql(admin, f'CREATE DATABASE "{dbname}";')
        server = None
        try:
            out = self.env.cli("migrate", database_url=url)
            self.assertEqual(out.returncode, 0, out.stderr)
            key = self.env.create_key("ready", database_url=url)
            server = self.env.start_server(name="ready", database_url=url, key=key)
            self.assertEqual(server.request("GET", "/readyz").status, 200)
            harness.run_psql(admin, f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false;\n'
                                    f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    f"WHERE datname = '{dbname}';")
            resp = server.request("GET", "/readyz", timeout=20)
            self.assertEqual(resp.status, 503, resp.body)
            self.assertEqual(server.request("GET", "/healthz").status, 200, "liveness does not ask the database")
            harness.run_psql(admin, f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true;')
            self.assertEqual(server.request("GET", "/readyz", timeout=20).status, 200)
            metrics = parse_metrics(server.request("GET", "/metrics").body.decode())[0]
            self.assertGreater(value(metrics, "parley_db_errors_total", **{"class": "connect"})
                               + value(metrics, "parley_db_errors_total", **{"class": "unavailable"}), 0)
        finally:
            if server is not None:
                server.stop()
            harness.run_psql(admin, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE);', check=False)
