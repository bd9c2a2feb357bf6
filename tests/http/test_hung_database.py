"""A database that hangs or refuses to answer: every PostgreSQL process of a private cluster stopped
with SIGSTOP (the service must answer 503 within the statement timeout plus a little, and /healthz
must not wait on the database), and a reference check that cannot ask the database (a lock held by
another session: 503, never 422 "names no party").

The hung-database test makes a throwaway cluster of its own with scripts/pgcluster.sh, as
test_resilience.DatabaseOutage does, and always resumes it (SIGCONT) in a finally block."""

import hashlib
import os
import signal
import subprocess
import threading
import time

from harness import ApiTest, log, problem_errors, slug, start_private_cluster, stop_private_cluster, uid
from test_faults import FreshDatabase


def cluster_processes(cluster):
    """The postmaster of the cluster in `cluster` (from postmaster.pid) and all its children."""
    with open(os.path.join(cluster, "data", "postmaster.pid"), encoding="ascii") as f:
        postmaster = int(f.readline())
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the parent pid follows it.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == postmaster:
            children.append(int(entry))
    return [postmaster, *children]


def signal_all(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


class HungDatabase(ApiTest):
    """Every process of the cluster stopped (SIGSTOP): a read, /readyz and /healthz all answer within
    the statement timeout plus 3 s (503 with Retry-After for the first two, 200 for liveness), and the
    service answers 200 again after SIGCONT, without a restart."""

    TIMEOUT_MS = 2000
    BOUND = TIMEOUT_MS / 1000 + 3
    THREADS = 2

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_private_cluster(cls, "parley-hung-")
        try:
            cls.hung = cls.env.start_server(name="hung", database_url=cls.url, key=cls.key,
                                            extra_env={"PARLEY_STATEMENT_TIMEOUT_MS": str(cls.TIMEOUT_MS),
                                                       "PARLEY_THREADS": str(cls.THREADS)})
        except BaseException:
            stop_private_cluster(cls)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.hung.stop()
        stop_private_cluster(cls)

    def timed(self, method, path, body=None):
        """(response or the exception, seconds taken); the client gives up well after the bound."""
        started = time.monotonic()
        try:
            resp = self.request(method, path, body, server=self.hung, key=self.key if method != "GET" else None,
                                timeout=self.BOUND + 10)
        except OSError as e:
            resp = e
        return resp, time.monotonic() - started

    def assert503_within(self, resp, elapsed, what, bound=None):
        bound = self.BOUND if bound is None else bound
        self.assertNotIsInstance(resp, Exception, f"{what}: no answer within {elapsed:.1f} s ({resp!r})")
        self.assertEqual(resp.status, 503, f"{what}: {resp.body!r:.300}")
        self.assertEqual(resp.headers.get("retry-after"), "2", what)
        problem_errors(self, resp)
        self.assertLess(elapsed, bound, f"{what} answered within {bound:.1f} s")

    def test_stopped_database_503_within_the_timeout_healthz_answers_then_recovery(self):
        party = slug("hung")
        self.expect(self.post("/parties", {"name": "Hung", "kind": "state", "slug": party},
                              server=self.hung, key=self.key), 201)
        for _ in range(2 * self.THREADS):  # every pooled connection has prepared its statements
            self.expect(self.get(f"/parties/{party}", server=self.hung), 200)
        server_pid = self.hung.proc.pid
        pids = cluster_processes(self.cluster)
        figures = {}
        signal_all(pids, signal.SIGSTOP)
        try:
            # A read on a pooled connection whose backend no longer answers.
            resp, figures["read"] = self.timed("GET", f"/parties/{party}")
            self.assert503_within(resp, figures["read"], "GET of a record, backend stopped")
            # A read that must first connect to the stopped postmaster.
            resp, figures["read, reconnecting"] = self.timed("GET", f"/parties/{party}")
            self.assert503_within(resp, figures["read, reconnecting"], "GET of a record, postmaster stopped")
            resp, figures["readyz"] = self.timed("GET", "/readyz")
            self.assert503_within(resp, figures["readyz"], "/readyz")
            resp, figures["write"] = self.timed("POST", "/parties", {"name": "X", "kind": "state",
                                                                    "slug": slug("hungw")})
            self.assert503_within(resp, figures["write"], "POST /parties")
            # Liveness while one worker waits on the database, then while every worker does.
            for busy in (1, self.THREADS):
                results = []
                readers = [threading.Thread(target=lambda: results.append(self.timed("GET", f"/parties/{party}")))
                           for _ in range(busy)]
                for t in readers:
                    t.start()
                time.sleep(0.3)
                resp, elapsed = self.timed("GET", "/healthz")
                figures[f"healthz, {busy} of {self.THREADS} workers waiting"] = elapsed
                for t in readers:
                    t.join(self.BOUND + 15)
                self.assertNotIsInstance(resp, Exception, f"/healthz: no answer within {elapsed:.1f} s")
                self.assertEqual(resp.status, 200, "/healthz answers while the database hangs")
                self.assertLess(elapsed, self.BOUND, "/healthz within the statement timeout + 3 s")
                # Two readers connecting at once may both be accepted by one worker thread, which
                # serves them one after the other (until the database work leaves the worker
                # threads): the second may wait out the first's deadline before its own.
                for n, (r, e) in enumerate(results):
                    self.assert503_within(r, e, f"concurrent read #{n}",
                                          self.BOUND + n * (self.TIMEOUT_MS / 1000 + 1))
            # Writes, more of them than there are workers: they wait on handler threads, not on
            # the workers, so /healthz still answers at once (it waited ~3 s when they held them).
            results = []
            writers = [threading.Thread(target=lambda n=n: results.append(self.timed(
                "POST", "/parties", {"name": "W", "kind": "state", "slug": slug(f"hungw{n}")})))
                for n in range(self.THREADS + 1)]
            for t in writers:
                t.start()
            time.sleep(0.3)
            resp, elapsed = self.timed("GET", "/healthz")
            figures[f"healthz, {self.THREADS + 1} writes waiting"] = elapsed
            static, static_elapsed = self.timed("GET", "/static/parley.css")
            for t in writers:
                t.join(self.BOUND + 15)
            self.assertNotIsInstance(resp, Exception, f"/healthz: no answer within {elapsed:.1f} s")
            self.assertEqual(resp.status, 200)
            self.assertLess(elapsed, 0.5, "/healthz does not wait for the writes")
            self.assertNotIsInstance(static, Exception)
            self.assertEqual(static.status, 200)
            self.assertLess(static_elapsed, 0.5, "a static file does not wait for the writes")
            for n, (r, e) in enumerate(results):
                self.assert503_within(r, e, f"concurrent write #{n}", 2 * self.BOUND)
        finally:
            signal_all(pids, signal.SIGCONT)
            log(f"\n  hung database (statement timeout {self.TIMEOUT_MS} ms, {self.THREADS} threads): "
                + ", ".join(f"{k} {v:.2f} s" for k, v in figures.items()))

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.get("/readyz", server=self.hung, timeout=15).status == 200:
                break
            time.sleep(0.2)
        statuses = [self.get(f"/parties/{party}", server=self.hung, timeout=15).status for _ in range(20)]
        self.assertEqual(statuses, [200] * 20, "every worker recovers after SIGCONT")
        created = self.post("/parties", {"name": "After", "kind": "state", "slug": slug("hungok")},
                            server=self.hung, key=self.key)
        self.assertEqual(created.status, 201, created.body)
        self.assertEqual(self.hung.proc.pid, server_pid)
        self.assertTrue(self.hung.alive(), "the same process, not restarted")


class ShutdownWhileHung(ApiTest):
    """SIGTERM while reads wait on the reader for a stopped database: each gets its 503, and parleyd
    exits 0 (libmicrohttpd aborts if stopped with a connection still suspended). The statement
    timeout is longer than the drain and the wait after it, so the reads are answered only because
    shutdown fails what the reader still waits for."""

    TIMEOUT_MS = 6000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_private_cluster(cls, "parley-hungterm-")

    @classmethod
    def tearDownClass(cls):
        stop_private_cluster(cls)

    def test_sigterm_answers_every_waiting_request_and_exits_0(self):
        server = self.env.start_server(name="hungterm", database_url=self.url, key=self.key,
                                       extra_env={"PARLEY_STATEMENT_TIMEOUT_MS": str(self.TIMEOUT_MS),
                                                  "PARLEY_DRAIN_SECONDS": "1"})
        party = slug("term")
        self.expect(self.post("/parties", {"name": "Term", "kind": "state", "slug": party},
                              server=server, key=self.key), 201)
        for _ in range(4):
            self.expect(self.get(f"/parties/{party}", server=server), 200)
        pids = cluster_processes(self.cluster)
        results = []
        lock = threading.Lock()

        def call(method, path, body=None):
            try:
                resp = self.request(method, path, body, server=server, timeout=30,
                                    key=self.key if method != "GET" else None)
                outcome = resp.status
            except OSError as e:
                outcome = repr(e)
            with lock:
                results.append((method, outcome))

        calls = [("GET", f"/parties/{party}", None)] * 4
        threads = [threading.Thread(target=call, args=c) for c in calls]
        signal_all(pids, signal.SIGSTOP)
        try:
            for t in threads:
                t.start()
            time.sleep(0.3)
            started = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            rc = server.proc.wait(30)
            elapsed = time.monotonic() - started
            for t in threads:
                t.join(30)
        finally:
            signal_all(pids, signal.SIGCONT)
            server.stop(signal.SIGKILL)
        log(f"\n  SIGTERM with {len(calls)} requests waiting on a stopped database: exit {rc} after {elapsed:.2f} s")
        self.assertEqual(rc, 0, server.log_tail())
        self.assertEqual(sorted(outcome for _, outcome in results), [503] * len(calls), results)
        # The drain (1 s), then the reads failed at once (3.0 s when nothing woke them: the drain
        # and the daemon's 2 s wait for suspended connections, then an exit that skips closing them).
        self.assertLess(elapsed, 2.0, "the reads were failed at the end of the drain")


class ReferenceCheckUnderLock(ApiTest):
    """Another session holds ACCESS EXCLUSIVE on the table a reference check reads: the check cannot
    ask, so the write answers 503 with Retry-After (the statement timeout), never 422 "names no
    party", and nothing is written."""

    TIMEOUT_MS = 500

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = FreshDatabase(cls.env, "refcheck")
        try:
            cls.locked = cls.env.start_server(name="refcheck", database_url=cls.db.url, key=cls.db.key,
                                              extra_env={"PARLEY_STATEMENT_TIMEOUT_MS": str(cls.TIMEOUT_MS),
                                                         "PARLEY_THREADS": "2"})
        except BaseException:
            cls.db.drop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.locked.stop()
        cls.db.drop()

    def call(self, method, path, body=None):
        return self.request(method, path, body, server=self.locked, key=self.db.key if method != "GET" else None,
                            timeout=15)

    def created(self, path, body):
        return self.expect(self.call("POST", path, body), 201, f"POST {path}")

    def hold_lock(self, table):
        """psql holding ACCESS EXCLUSIVE on `table` in an open transaction, once the lock is granted;
        rolled back at the test's end."""
        proc = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.db.url],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        self.addCleanup(self.release, proc)
        proc.stdin.write(f"BEGIN;\nLOCK TABLE {table} IN ACCESS EXCLUSIVE MODE;\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.db.value("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                             f"WHERE c.relname = '{table}' AND l.mode = 'AccessExclusiveLock' AND l.granted") == "1":
                return proc
            time.sleep(0.05)
        self.fail(f"psql did not take the lock on {table}")

    @staticmethod
    def release(proc):
        if proc.poll() is None:
            try:
                proc.stdin.write("ROLLBACK;\n")
                proc.stdin.close()
                proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()

    def assert503(self, resp, what):
        self.assertEqual(resp.status, 503, f"{what}: {resp.body!r:.400}")
        self.assertEqual(resp.headers.get("retry-after"), "2", what)
        problem_errors(self, resp)

    def count(self, sql):
        return int(self.db.value(sql))

    def test_parties_locked_claim_and_affiliation_503(self):
        party = self.created("/parties", {"name": f"Locked {uid()}", "kind": "state", "slug": slug("lk")})
        claims_before = self.count("SELECT count(*) FROM claims")
        new_party = slug("lkaff")
        holder = self.hold_lock("parties")
        self.assert503(self.call("POST", "/claims", {"party": party["slug"], "stance": "asserts",
                                                     "text": "under a lock on parties"}),
                       "POST /claims naming an existing party")
        self.assert503(self.call("POST", "/parties", {"name": "Affiliated", "kind": "organization",
                                                      "slug": new_party, "affiliation": party["slug"]}),
                       "POST /parties with an existing affiliation")
        self.release(holder)
        self.assertEqual(self.count("SELECT count(*) FROM claims"), claims_before, "the 503 wrote no claim")
        self.expect(self.call("GET", f"/parties/{new_party}"), 404, "the 503 wrote no party")
        # And the same requests succeed once the lock is gone.
        self.created("/claims", {"party": party["slug"], "stance": "asserts", "text": "after the lock"})
        self.created("/parties", {"name": "Affiliated", "kind": "organization", "slug": new_party,
                                  "affiliation": party["slug"]})

    def test_issues_locked_parent_and_claim_issues_503(self):
        parent = self.created("/issues", {"name": f"Parent {uid()}", "slug": slug("lkp")})
        child = self.created("/issues", {"name": f"Child {uid()}", "slug": slug("lkc")})
        party = self.created("/parties", {"name": f"Locked {uid()}", "kind": "state", "slug": slug("lki")})
        new_issue = slug("lkn")
        holder = self.hold_lock("issues")
        self.assert503(self.call("POST", "/issues", {"name": "New", "slug": new_issue, "parent": parent["slug"]}),
                       "POST /issues with an existing parent")
        self.assert503(self.call("PATCH", f"/issues/{child['slug']}", {"parent": parent["slug"]}),
                       "PATCH /issues parent")
        self.assert503(self.call("POST", "/claims", {"party": party["slug"], "stance": "asserts",
                                                     "text": "under a lock on issues", "issues": [parent["slug"]]}),
                       "POST /claims naming an existing issue")
        self.release(holder)
        self.expect(self.call("GET", f"/issues/{new_issue}"), 404, "the 503 wrote no issue")
        self.assertIsNone(self.expect(self.call("GET", f"/issues/{child['slug']}"), 200)["parent"],
                          "the 503 changed no parent")
        self.assertEqual(self.call("PATCH", f"/issues/{child['slug']}", {"parent": parent["slug"]}).status, 200)

    def test_articles_locked_patch_claim_article_503(self):
        party = self.created("/parties", {"name": f"Locked {uid()}", "kind": "state", "slug": slug("lka")})
        claim = self.created("/claims", {"party": party["slug"], "stance": "asserts", "text": "a claim"})
        text = f"Article {uid()}."
        article = int(self.db.value("INSERT INTO articles (sha256, text, authors) VALUES (:'sha', :'text', "
                                    "ARRAY[]::text[]) RETURNING id", sha=hashlib.sha256(text.encode()).hexdigest(),
                                    text=text))
        holder = self.hold_lock("articles")
        self.assert503(self.call("PATCH", f"/claims/{claim['id']}", {"article_id": article}),
                       "PATCH /claims naming an existing article")
        self.assert503(self.call("POST", "/claims", {"party": party["slug"], "stance": "asserts",
                                                     "text": "under a lock on articles", "article_id": article}),
                       "POST /claims naming an existing article")
        self.release(holder)
        self.assertIsNone(self.expect(self.call("GET", f"/claims/{claim['id']}"), 200)["article_id"],
                          "the 503 changed nothing")
        patched = self.expect(self.call("PATCH", f"/claims/{claim['id']}", {"article_id": article}), 200)
        self.assertEqual(patched["article_id"], article)
