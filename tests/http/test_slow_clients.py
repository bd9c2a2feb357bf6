"""Slow clients: request heads dripped a line at a time (the whole head must arrive within
PARLEY_HEADER_TIMEOUT, one address holds at most PARLEY_MAX_CONNECTIONS_PER_IP connections), and
clients kept waiting by a busy server thread (only time spent waiting on the client counts
against it). Each test starts its own parleyd with the settings it needs.

The figures measured (time to serve a new client, how long a dripping connection lives) are
printed to standard error."""

import resource
import socket
import sys
import threading
import time

from harness import ROOT, ApiTest, parse_raw_response, uid


def report(text):
    print(f"\n  [measured] {text}", file=sys.stderr, flush=True)


def open_drip(port, source, timeout=2):
    """A connection from `source` that has sent the request line and one header; None when the
    server refused it at once."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((source, 0))
        s.settimeout(timeout)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /parties?limit=1 HTTP/1.1\r\nHost: drip\r\n")
        s.setblocking(False)
        return s
    except OSError:
        s.close()
        return None


def still_open(s):
    """True while the server keeps the connection (it answers nothing to a head not finished)."""
    try:
        data = s.recv(4096)
        return data != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


class DripFeeder:
    """Keeps a set of dripping connections alive: one more header line on each every `period`
    seconds; records when each was found closed."""

    def __init__(self, socks, period):
        self.socks = dict(enumerate(socks))
        self.period = period
        self.started = time.monotonic()
        self.closed_after = {}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.rounds = 0

    def run(self):
        n = 0
        while not self.stop_event.is_set():
            for index, s in list(self.socks.items()):
                if index in self.closed_after:
                    continue
                alive = still_open(s)
                if alive:
                    try:
                        s.send(b"X-Drip-%d: x\r\n" % n)
                    except OSError:
                        alive = False
                if not alive:
                    self.closed_after[index] = time.monotonic() - self.started
            n += 1
            self.rounds += 1
            self.stop_event.wait(self.period)

    def live(self):
        return len(self.socks) - len(self.closed_after)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(10)
        for s in self.socks.values():
            s.close()


class SlowHeaders(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.limits = resource.getrlimit(resource.RLIMIT_NOFILE)
        soft, hard = cls.limits
        if hard < 2600:
            return
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))

    @classmethod
    def tearDownClass(cls):
        resource.setrlimit(resource.RLIMIT_NOFILE, cls.limits)
        super().tearDownClass()

    def need_descriptors(self):
        if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < 2600:
            self.skipTest("the file descriptor limit is under 2,600")

    def timed_get(self, server, path):
        started = time.monotonic()
        try:
            resp = server.request("GET", path, timeout=15)
        except TimeoutError:
            self.fail(f"GET {path}: no answer within 15 s")
        return resp, time.monotonic() - started

    def test_drips_from_one_address_leave_room_for_others(self):
        self.need_descriptors()
        # The defaults: a 10 s head deadline, 64 connections per address.
        server = self.env.start_server(name="drips-one")
        try:
            socks = []
            for _ in range(1100):
                s = open_drip(server.port, "127.0.0.2")
                if s is not None:
                    socks.append(s)
            with DripFeeder(socks, 2.0) as feeder:
                time.sleep(1.5)
                resp, elapsed = self.timed_get(server, "/healthz")
                self.assertEqual(resp.status, 200)
                report(f"1,100 drips from 127.0.0.2: a new client from 127.0.0.1 answered in {elapsed:.3f} s")
                self.assertLess(elapsed, 2, "a new client is served while one address drips")
                resp, elapsed = self.timed_get(server, "/parties?limit=1")
                self.assertEqual(resp.status, 200)
                self.assertLess(elapsed, 2)
                time.sleep(2.5)  # a drip round notices the refused ones
                live = feeder.live()
                report(f"drip connections from 127.0.0.2 the server keeps: {live} of 1,100")
                self.assertLessEqual(live, 64, "one address holds at most 64 connections")
                self.assertGreater(live, 0, "up to the cap they are accepted")
            self.assertTrue(server.healthy())
        finally:
            self.assertEqual(server.stop(), 0, server.log_tail())

    def test_drips_from_many_addresses_end_at_the_header_timeout(self):
        self.need_descriptors()
        # 20 addresses x 55 connections: under the per-address cap, over the 1,024 slots.
        server = self.env.start_server(name="drips-many", extra_env={"PARLEY_HEADER_TIMEOUT": "3"})
        try:
            socks = []
            for n in range(1100):
                s = open_drip(server.port, f"127.0.1.{10 + n % 20}")
                if s is not None:
                    socks.append(s)
            with DripFeeder(socks, 1.0) as feeder:
                time.sleep(0.5)
                resp, elapsed = self.timed_get(server, "/healthz")
                self.assertEqual(resp.status, 200)
                report(f"1,100 drips from 20 addresses, header timeout 3 s: a new client answered in {elapsed:.3f} s")
                self.assertLess(elapsed, 3 + 3, "served once the overdue heads are cut (timeout and a margin)")
                # The 76 over the 1,024 slots waited in the listen queue: their deadline runs
                # from when they are accepted.
                deadline = time.monotonic() + 3 * 3 + 3
                while feeder.live() > 0 and time.monotonic() < deadline:
                    time.sleep(0.2)
                self.assertEqual(feeder.live(), 0, "every dripping head was cut off")
                lifetimes = sorted(feeder.closed_after.values())
                report(f"drip lifetimes: first {lifetimes[0]:.2f} s, median {lifetimes[len(lifetimes) // 2]:.2f} s,"
                       f" last {lifetimes[-1]:.2f} s")
            self.assertTrue(server.healthy())
        finally:
            self.assertEqual(server.stop(), 0, server.log_tail())

    def test_one_dripping_connection_is_closed_at_the_header_timeout(self):
        server = self.env.start_server(name="drip-single", extra_env={"PARLEY_HEADER_TIMEOUT": "3"})
        try:
            s = open_drip(server.port, "127.0.0.1")
            self.assertIsNotNone(s)
            with DripFeeder([s], 0.5) as feeder:
                deadline = time.monotonic() + 15
                while feeder.live() > 0 and time.monotonic() < deadline:
                    time.sleep(0.1)
                self.assertEqual(feeder.live(), 0, "the dripping connection was closed")
                lived = feeder.closed_after[0]
            report(f"a head dripped a line every 0.5 s lived {lived:.2f} s (header timeout 3 s)")
            self.assertGreater(lived, 2.5, "not before the header timeout")
            self.assertLess(lived, 3 + 2, "within the header timeout and a margin")
        finally:
            server.stop()
        self.assertIn("request head", server.log_text(), "the cut-off is logged")

    def test_keep_alive_requests_each_get_a_new_deadline(self):
        server = self.env.start_server(name="keep-alive", extra_env={"PARLEY_HEADER_TIMEOUT": "2"})
        try:
            with server.raw_socket(timeout=10) as s:
                # Three requests 1.5 s apart on one connection: 4.5 s in all, each head in time.
                for n in range(3):
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: k\r\n\r\n")
                    resp = parse_raw_response(s, "GET", "/healthz")
                    self.assertIsNotNone(resp, f"request {n} answered")
                    self.assertEqual(resp.status, 200)
                    time.sleep(1.5)
                # An idle keep-alive connection ends at the next head's deadline.
                started = time.monotonic()
                s.settimeout(10)
                try:
                    self.assertEqual(s.recv(100), b"", "closed by the server")
                except TimeoutError:
                    self.fail("the idle connection is still open after 10 s")
                except ConnectionResetError:
                    pass
                self.assertLess(time.monotonic() - started, 2 + 2)
        finally:
            self.assertEqual(server.stop(), 0, server.log_tail())



class BusyWorker(ApiTest):
    """A request kept waiting by its server thread (busy with another request's handler) is not
    cut off as a slow client: only time spent waiting on the client counts."""

    def test_a_body_kept_waiting_by_a_busy_worker_is_answered(self):
        server = self.env.start_server(name="busy", extra_env={
            "PARLEY_THREADS": "1", "PARLEY_CONNECTION_TIMEOUT": "2", "PARLEY_STATEMENT_TIMEOUT_MS": "60000"})
        try:
            with open(f"{ROOT}/sql/sample/seed-2025-12-29-talks.txt", "rb") as f:
                sample = f.read()
            article = (sample + b"\n\n") * (1_900_000 // (len(sample) + 2))
            body = b'{"name": "Kept waiting %s", "kind": "state"}' % uid().encode()
            waiting = server.raw_socket(timeout=60)
            busy = server.raw_socket(timeout=60)
            try:
                # B: its head and half its body; the one worker reads them and waits for the rest.
                waiting.sendall(b"POST /parties HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer %s\r\n"
                                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                                % (self.env.key.encode(), len(body)) + body[:10])
                time.sleep(0.5)
                # A: a large dry run keeps the one worker busy for seconds.
                started = time.monotonic()
                busy.sendall(b"POST /articles?dry_run=true HTTP/1.1\r\nHost: a\r\n"
                             b"Authorization: Bearer %s\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: %d\r\n\r\n" % (self.env.key.encode(), len(article)) + article)
                time.sleep(1)
                # B sends the rest at once: it has kept the server waiting for no time at all.
                waiting.sendall(body[10:])
                answer = parse_raw_response(waiting, "POST", "/parties", timeout=120)
                resp = parse_raw_response(busy, "POST", "/articles", timeout=120)
                report(f"the dry run of {len(article):,} bytes kept the worker busy "
                       f"{time.monotonic() - started:.1f} s (status {resp and resp.status})")
                self.assertIsNotNone(answer, "the waiting request is answered, not dropped")
                self.assertEqual(answer.status, 201, answer.body)
            finally:
                waiting.close()
                busy.close()
        finally:
            self.assertEqual(server.stop(), 0, server.log_tail())
        self.assertNotIn("body still arriving", server.log_text())
