"""Faults: the database stopping during `parley load`, a slow database (a lock held by another
session), SIGKILL of parleyd mid-write, and many clients and two loaders writing the same records at
once. Each test is bounded in time; the outage test stops a throwaway cluster of its own, the others
use a fresh database of their own in DATABASE_URL's cluster so that nothing else sees their locks,
kills and races."""

import collections
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from harness import ApiTest, HarnessError, config, pick_free_port, problem_errors, run_psql, uid, word
from test_positions import LINKS_UNFILLED, SUMMARY_DRIFT

# The CLI's exit statuses for a database that went away (sysexits.h).
EX_UNAVAILABLE, EX_TEMPFAIL = 69, 75
# What a request may answer while others race it on the same records (never a 5xx but 503).
RACE_STATUSES = {200, 201, 204, 404, 409, 412}


def article_text(n, marker=None):
    """A short article with three claims and five issue links; `n` picks its date, `marker` makes
    its bytes unique (and no title: two of them are never versions of one article)."""
    marker = marker or word()
    date = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
    return (f" date {date}\n\n"
            f"Kyiv — Russia has rejected the idea of a ceasefire to allow a referendum, officials said.\n\n"
            f"Kremlin spokesperson Dmitry Peskov told reporters that Ukraine must withdraw from the region "
            f"{marker}.\n\n"
            f"\u201cThe strikes will have to stop,\u201d Zelensky said.\n")


def write_articles(directory, texts):
    os.makedirs(directory, exist_ok=True)
    for name, text in texts.items():
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            f.write(text)


def cli(env, args, url, timeout=60):
    """Runs `parley ARGS` against `url`; returns (CompletedProcess, seconds)."""
    started = time.monotonic()
    out = env.cli(*args, database_url=url, timeout=timeout)
    return out, time.monotonic() - started


def dry_run(env, directory):
    """sha256 -> (claims, issue links) that the extractor finds in each file of `directory`."""
    out = env.cli("load", "--dry-run", "--json", directory)
    if out.returncode != 0:
        raise HarnessError(f"parley load --dry-run failed:\n{out.stderr}")
    expected = {}
    for line in out.stdout.splitlines():
        doc = json.loads(line)
        expected[doc["article"]["sha256"]] = (len(doc["claims"]), sum(len(c["issues"]) for c in doc["claims"]))
    return expected


def stored(url):
    """sha256 -> (claims, issue links) of each stored article, and the number of articles."""
    rows = run_psql(url, "SELECT a.sha256, count(DISTINCT c.id), count(ci.claim_id) FROM articles a "
                         "LEFT JOIN claims c ON c.article_id = a.id AND c.origin = 'extracted' "
                         "LEFT JOIN claim_issues ci ON ci.claim_id = c.id GROUP BY a.id, a.sha256")
    return {sha: (int(n), int(links)) for sha, n, links in rows}, len(rows)


class FreshDatabase:
    """A database of its own in DATABASE_URL's cluster, migrated, with a key."""

    def __init__(self, env, tag):
        self.env = env
        self.name = f"{env.dbname}_{tag}"
        run_psql(env.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE);\n'
                                f'CREATE DATABASE "{self.name}";')
        self.url = harness._with_dbname(env.admin_url, self.name)  # noqa: SLF001
        out = env.cli("migrate", database_url=self.url)
        if out.returncode != 0:
            raise HarnessError(f"parley migrate failed:\n{out.stdout}{out.stderr}")
        self.key = env.create_key(f"faults-{tag}", database_url=self.url)

    def psql(self, sql, **variables):
        return run_psql(self.url, sql, variables)

    def value(self, sql, **variables):
        rows = self.psql(sql, **variables)
        return rows[0][0] if rows else None

    def drop(self):
        run_psql(self.env.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE);', check=False)


class LoadDuringOutage(ApiTest):
    """`parley load DIR` while the database stops: a clear message, EX_UNAVAILABLE or EX_TEMPFAIL,
    no hang; loading again after the database returns completes it, each article once, each with
    all its claims, no duplicate party."""

    ARTICLES = 200

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cluster = tempfile.mkdtemp(prefix="parley-faults-", dir="/tmp")
        cls.work = tempfile.mkdtemp(prefix="parley-faults-load-")
        cls.port = str(pick_free_port())
        out = cls.env.pgcluster("start", cls.cluster, cls.port, extra_env={"PGCLUSTER_FAST": "1"})
        if out.returncode != 0:
            shutil.rmtree(cls.cluster, ignore_errors=True)
            raise HarnessError(f"scripts/pgcluster.sh start failed:\n{out.stderr}")
        cls.url = out.stdout.strip().splitlines()[-1]

    @classmethod
    def tearDownClass(cls):
        cls.env.pgcluster("stop", cls.cluster)
        shutil.rmtree(cls.cluster, ignore_errors=True)
        shutil.rmtree(cls.work, ignore_errors=True)

    def database(self, name):
        run_psql(self.url, f'DROP DATABASE IF EXISTS "{name}";\nCREATE DATABASE "{name}";')
        url = harness._with_dbname(self.url, name)  # noqa: SLF001
        out = self.env.cli("migrate", database_url=url)
        self.assertEqual(out.returncode, 0, out.stderr)
        return url

    def articles_stored(self, url):
        rows = run_psql(url, "SELECT count(*) FROM articles", check=False)
        return int(rows[0][0]) if rows else -1

    def test_database_stops_during_load_then_reload_completes(self):
        directory = os.path.join(self.work, "articles")
        write_articles(directory, {f"a{i:03d}.txt": article_text(i) for i in range(self.ARTICLES)})
        expected = dry_run(self.env, directory)
        self.assertEqual(len(expected), self.ARTICLES)
        url = self.database("interrupted")
        reference = self.database("reference")

        env = dict(os.environ, DATABASE_URL=url, PARLEY_LOG_LEVEL="warn")
        started = time.monotonic()
        proc = subprocess.Popen([config["parley"], "load", directory], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        try:
            # Stop the database once the load is well under way.
            deadline = time.monotonic() + 30
            while self.articles_stored(url) < 20 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertIsNone(proc.poll(), "the load was still running when the database stopped "
                                           "(make the articles more numerous if it is too fast)")
            stop = self.env.pgcluster("stop", self.cluster)
            self.assertEqual(stop.returncode, 0, stop.stderr)
            try:
                stdout, stderr = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                self.fail("parley load hung after the database stopped")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
            start = self.env.pgcluster("start", self.cluster, self.port, extra_env={"PGCLUSTER_FAST": "1"})
            self.assertEqual(start.returncode, 0, start.stderr)
        elapsed = time.monotonic() - started
        self.assertIn(proc.returncode, (EX_UNAVAILABLE, EX_TEMPFAIL), f"exit status; stderr:\n{stderr[-2000:]}")
        self.assertLess(elapsed, 60)
        self.assertRegex(stderr, re.compile(r"database is unavailable|cannot connect|server closed", re.I),
                         "a clear message")
        self.assertLess(stderr.count("\nparley load: "), 5, f"the run stops instead of failing every file:\n"
                                                            f"{stderr[-3000:]}")
        m = re.search(r"loaded (\d+), unchanged (\d+), failed (\d+)", stderr)
        self.assertIsNotNone(m, stderr[-2000:])
        self.assertLess(int(m.group(1)), self.ARTICLES, "the load was interrupted")
        partial, count = stored(url)
        self.assertLess(count, self.ARTICLES)
        for sha, got in partial.items():
            self.assertEqual(got, expected[sha], f"article {sha[:12]} stored whole (claims, links) or not at all")

        out, seconds = cli(self.env, ["load", directory], url, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr[-2000:])
        self.assertIn(f"failed 0", out.stderr)
        self.assertIn(f"unchanged {count}", out.stderr, "what was stored before is found by its hash")
        ref, _ = cli(self.env, ["load", directory], reference, timeout=120)
        self.assertEqual(ref.returncode, 0, ref.stderr[-2000:])

        final, count = stored(url)
        self.assertEqual(count, self.ARTICLES, "every article stored")
        self.assertEqual(run_psql(url, "SELECT count(DISTINCT sha256) FROM articles")[0][0], str(self.ARTICLES),
                         "each once")
        self.assertEqual(final, expected, "every article has all its claims and links (as the dry run)")
        parties = "SELECT slug, name, kind, coalesce(affiliation_id::text, '-') FROM parties ORDER BY slug"
        self.assertEqual([r[:3] for r in run_psql(url, parties)], [r[:3] for r in run_psql(reference, parties)],
                         "the parties of one uninterrupted load: none duplicated")
        self.assertEqual(run_psql(url, "SELECT count(*) FROM (SELECT lower(name) FROM parties "
                                       "GROUP BY 1 HAVING count(*) > 1) d")[0][0], "0", "no party twice by name")
        self.assertEqual(run_psql(url, SUMMARY_DRIFT)[0][0], "0", "the positions summary is exact")


class SlowDatabase(ApiTest):
    """Another session holds ACCESS EXCLUSIVE on claims: requests end at the statement timeout with
    503 and Retry-After, the pool does not leak, and the service answers 200 once the lock goes."""

    TIMEOUT_MS = 500

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = FreshDatabase(cls.env, "slow")
        cls.slow = cls.env.start_server(name="slow", database_url=cls.db.url, key=cls.db.key,
                                        extra_env={"PARLEY_STATEMENT_TIMEOUT_MS": str(cls.TIMEOUT_MS),
                                                   "PARLEY_THREADS": "2"})

    @classmethod
    def tearDownClass(cls):
        cls.slow.stop()
        cls.db.drop()

    def hold_lock(self):
        """Starts psql holding ACCESS EXCLUSIVE on claims in an open transaction; returns it once the
        lock is granted."""
        proc = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.db.url],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        proc.stdin.write("BEGIN;\nLOCK TABLE claims IN ACCESS EXCLUSIVE MODE;\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.db.value("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                             "WHERE c.relname = 'claims' AND l.mode = 'AccessExclusiveLock' AND l.granted") == "1":
                return proc
            time.sleep(0.05)
        proc.kill()
        self.fail("psql did not take the lock")

    def release(self, proc):
        if proc.poll() is None:
            try:
                proc.stdin.write("ROLLBACK;\n")
                proc.stdin.close()
                proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()

    def pool_in_use(self):
        text = self.get("/metrics", server=self.slow).body.decode()
        m = re.search(r'^parley_db_pool_connections\{pool="primary",state="in_use"\} (\d+)$', text, re.M)
        size = re.search(r'^parley_db_pool_size\{pool="primary"\} (\d+)$', text, re.M)
        return int(m.group(1)), int(size.group(1))

    def assert503(self, resp, what):
        self.assertEqual(resp.status, 503, f"{what}: {resp.body!r:.300}")
        self.assertEqual(resp.headers.get("retry-after"), "2", what)
        problem_errors(self, resp)

    def test_lock_held_503_within_the_timeout_then_200(self):
        p = self.expect(self.post("/parties", {"name": "Slow", "kind": "state", "slug": f"slow-{uid()}"},
                                  server=self.slow, key=self.db.key), 201)
        self.expect(self.post("/claims", {"party": p["slug"], "stance": "asserts", "text": "before the lock"},
                              server=self.slow, key=self.db.key), 201)
        holder = self.hold_lock()
        try:
            for n in range(20):
                started = time.monotonic()
                resp = self.get("/claims", server=self.slow, timeout=10)
                elapsed = time.monotonic() - started
                self.assert503(resp, f"GET /claims #{n}")
                self.assertLess(elapsed, 1.5, f"GET /claims #{n} ended at the statement timeout")
            # Writes and concurrent requests too; each request still ends, none holds a connection.
            resp = self.post("/claims", {"party": p["slug"], "stance": "asserts", "text": "under the lock"},
                             server=self.slow, key=self.db.key, timeout=10)
            self.assert503(resp, "POST /claims")
            results = []

            def one():
                try:
                    results.append(self.get(f"/parties/{p['slug']}/claims", server=self.slow, timeout=15).status)
                except OSError as e:
                    results.append(repr(e))

            threads = [threading.Thread(target=one) for _ in range(8)]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            self.assertEqual(results, [503] * 8)
            self.assertLess(time.monotonic() - started, 8, "queued requests end too")
            in_use, size = self.pool_in_use()
            self.assertEqual(in_use, 0, "no connection held after the timeouts")
            # Reads that do not touch claims still answer while the lock is held.
            self.assertEqual(self.get(f"/parties/{p['slug']}", server=self.slow).status, 200)
        finally:
            self.release(holder)
        deadline = time.monotonic() + 10
        while self.get("/claims", server=self.slow).status != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        body = self.expect(self.get(f"/claims?party={p['slug']}", server=self.slow), 200)
        self.assertEqual([c["text"] for c in body["items"]], ["before the lock"], "the 503 write wrote nothing")
        in_use, size = self.pool_in_use()
        self.assertEqual(in_use, 0, "the pool's in-use gauge is back to 0")
        sessions = int(self.db.value("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND application_name = 'parleyd'"))
        text = self.get("/metrics", server=self.slow).body.decode()
        readers = int(re.search(r'^parley_db_reader_connections (\d+)$', text, re.M).group(1))
        self.assertLessEqual(readers, 6, "the reader's connections (PARLEY_DB_READERS, 6)")
        self.assertLessEqual(sessions, size + readers, "no more sessions than the pool's and the reader's")
        waiting = self.db.value("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND application_name = 'parleyd' AND state <> 'idle'")
        self.assertEqual(waiting, "0", "no parleyd session is still busy")


class KillMidWrite(ApiTest):
    """parleyd SIGKILLed while many clients write claims with issue links and articles: every
    acknowledged write is there whole, nothing half-written is there."""

    CLIENTS = 8
    ISSUES = ["ceasefire", "donbas", "sanctions"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = FreshDatabase(cls.env, "kill")
        cls.work = tempfile.mkdtemp(prefix="parley-faults-kill-")

    @classmethod
    def tearDownClass(cls):
        cls.db.drop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_sigkill_mid_write_leaves_no_partial_record(self):
        server = self.env.start_server(name="kill", database_url=self.db.url, key=self.db.key,
                                       extra_env={"PARLEY_THREADS": "4"})
        marker = word()
        party = self.expect(self.post("/parties", {"name": f"Killer {marker}", "kind": "state",
                                                   "slug": f"k-{uid()}"}, server=server, key=self.db.key), 201)
        texts = {f"k{i:04d}.txt": article_text(i, f"{marker}{i}") for i in range(400)}
        write_articles(self.work, texts)
        expected = dry_run(self.env, self.work)
        acked_claims = {}  # id -> issues requested
        acked_articles = set()
        stop = threading.Event()
        lock = threading.Lock()
        bad = []
        queue = list(texts.values())

        def client(n):
            rnd = random.Random(n)
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    if n % 2 == 0:
                        issues = rnd.sample(self.ISSUES, rnd.randint(1, 3))
                        resp = server.request("POST", "/claims", {
                            "party": party["slug"], "stance": "demands", "text": f"{marker} {n} {i}",
                            "issues": issues, "stated_on": "2025-12-01"}, key=self.db.key, timeout=10)
                        if resp.status == 201:
                            with lock:
                                acked_claims[resp.body["id"]] = sorted(issues)
                    else:
                        with lock:
                            if not queue:
                                return
                            text = queue.pop()
                        resp = server.request("POST", "/articles", raw=text.encode(), key=self.db.key,
                                              headers={"Content-Type": "text/plain"}, timeout=10)
                        if resp.status in (200, 201):
                            with lock:
                                acked_articles.add(resp.body["article"]["sha256"])
                    if resp.status not in (200, 201, 503):
                        with lock:
                            bad.append((resp.status, resp.body))
                except (OSError, http.client.HTTPException):
                    if stop.is_set():
                        return
                    time.sleep(0.01)

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(self.CLIENTS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while (len(acked_claims) < 50 or len(acked_articles) < 10) and time.monotonic() < deadline:
            time.sleep(0.02)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(10)
        stop.set()
        for t in threads:
            t.join(20)
        server.stop()
        self.assertEqual(bad, [], "only 2xx (or 503) before the kill")
        self.assertGreater(len(acked_claims), 0)
        self.assertGreater(len(acked_articles), 0)

        # A new process on the same database: every acknowledged claim with exactly its links.
        again = self.env.start_server(name="kill-after", database_url=self.db.url, key=self.db.key)
        try:
            for cid, issues in sorted(acked_claims.items()):
                got = self.expect(self.get(f"/claims/{cid}", server=again), 200, f"acknowledged claim {cid}")
                self.assertEqual(sorted(got["issues"]), issues, f"claim {cid} has the issue links it was made with")
            self.assertEqual(again.request("GET", "/healthz").status, 200)
        finally:
            again.stop()
        # Every claim of the test (acknowledged or not) has links: none was committed without them.
        self.assertEqual(self.db.value("SELECT count(*) FROM claims c WHERE c.text LIKE :'m' AND NOT EXISTS "
                                       "(SELECT 1 FROM claim_issues ci WHERE ci.claim_id = c.id)", m=f"{marker} %"),
                         "0", "no claim without its issue links")
        self.assertEqual(self.db.value("SELECT count(*) FROM claim_issues ci LEFT JOIN claims c "
                                       "ON c.id = ci.claim_id WHERE c.id IS NULL"), "0", "no orphan link")
        self.assertEqual(self.db.value("SELECT count(*) FROM claims c LEFT JOIN articles a ON a.id = c.article_id "
                                       "WHERE c.article_id IS NOT NULL AND a.id IS NULL"), "0", "no orphan claim")
        articles, _ = stored(self.db.url)
        for sha in acked_articles:
            self.assertIn(sha, articles, "an acknowledged article is stored")
        for sha, got in articles.items():
            self.assertEqual(got, expected[sha], f"article {sha[:12]}: all its claims and links, as the dry run")
        self.assertEqual(self.db.value(LINKS_UNFILLED), "0")
        self.assertEqual(self.db.value(SUMMARY_DRIFT), "0", "the positions summary is exact after the kill")


class Races(ApiTest):
    """Ten clients creating, patching and deleting the same parties and claims, and two loaders
    storing overlapping directories, at once."""

    CLIENTS = 10
    ROUNDS = 40
    SLUGS = 4

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = FreshDatabase(cls.env, "race")
        cls.work = tempfile.mkdtemp(prefix="parley-faults-race-")
        cls.race = cls.env.start_server(name="race", database_url=cls.db.url, key=cls.db.key,
                                        extra_env={"PARLEY_THREADS": "4"})

    @classmethod
    def tearDownClass(cls):
        cls.race.stop()
        cls.db.drop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def req(self, method, path, body=None, **kw):
        return self.race.request(method, path, body, key=self.db.key if method != "GET" else False,
                                 timeout=30, **kw)

    def test_clients_and_loaders_race(self):
        marker = word()
        stable = self.expect(self.req("POST", "/parties", {"name": f"Stable {marker}", "kind": "state",
                                                          "slug": f"st-{uid()}"}), 201)["slug"]
        slugs = [f"r{n}-{uid()}" for n in range(self.SLUGS)]
        claim_ids = []
        for n in range(6):
            claim_ids.append(self.expect(self.req("POST", "/claims", {
                "party": stable, "stance": "demands", "text": f"{marker} seed {n}", "issues": ["ceasefire"],
                "stated_on": "2025-11-01"}), 201)["id"])
        a_dir, b_dir = os.path.join(self.work, "a"), os.path.join(self.work, "b")
        texts = [article_text(i, f"{marker}x{i}") for i in range(90)]
        write_articles(a_dir, {f"r{i:03d}.txt": texts[i] for i in range(0, 60)})
        write_articles(b_dir, {f"r{i:03d}.txt": texts[i] for i in range(30, 90)})
        expected = dry_run(self.env, a_dir)
        expected.update(dry_run(self.env, b_dir))

        unexpected = []
        seen = collections.Counter()
        lock = threading.Lock()
        barrier = threading.Barrier(self.CLIENTS + 1)

        def note(op, resp, allowed=RACE_STATUSES):
            with lock:
                seen[resp.status] += 1
            if resp.status not in allowed:
                with lock:
                    unexpected.append((op, resp.status, resp.body if resp.status != 200 else None))

        def client(n):
            rnd = random.Random(1000 + n)
            barrier.wait(30)
            for i in range(self.ROUNDS):
                s = rnd.choice(slugs)
                cid = rnd.choice(claim_ids)
                op = rnd.randrange(9)
                if op == 0:
                    note("create party", self.req("POST", "/parties", {"name": f"Racer {n}", "kind": "person",
                                                                       "slug": s, "affiliation": stable}))
                elif op == 1:
                    note("patch party", self.req("PATCH", f"/parties/{s}", {"role": f"role {n} {i}"}))
                elif op == 2:
                    got = self.req("GET", f"/parties/{s}")
                    if got.status == 200:
                        note("conditional patch party", self.req("PATCH", f"/parties/{s}", {"name": f"N {n} {i}"},
                                                                 headers={"If-Match": got.headers["etag"]}))
                elif op == 3:
                    note("delete party", self.req("DELETE", f"/parties/{s}"))
                elif op == 4:
                    # The speaker may have been deleted a moment ago: 422 names it, which is right.
                    resp = self.req("POST", "/claims", {"party": stable, "speaker": s, "stance": "proposes",
                                                        "text": f"{marker} {n} {i}", "issues": ["donbas"],
                                                        "stated_on": "2025-12-02"})
                    note("create claim", resp, RACE_STATUSES | {422})
                    if resp.status == 201:
                        with lock:
                            claim_ids.append(resp.body["id"])
                elif op == 5:
                    note("patch claim", self.req("PATCH", f"/claims/{cid}", {"stance": rnd.choice(harness.STANCES)}))
                elif op == 6:
                    got = self.req("GET", f"/claims/{cid}")
                    if got.status == 200:
                        note("conditional patch claim", self.req("PATCH", f"/claims/{cid}",
                                                                 {"issues": rnd.sample(["ceasefire", "donbas",
                                                                                        "sanctions"], 2)},
                                                                 headers={"If-Match": got.headers["etag"]}))
                elif op == 7:
                    note("delete claim", self.req("DELETE", f"/claims/{cid}"))
                else:
                    note("list", self.req("GET", f"/claims?party={stable}&limit=20"))

        env = dict(os.environ, DATABASE_URL=self.db.url, PARLEY_LOG_LEVEL="warn")
        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(self.CLIENTS)]
        for t in threads:
            t.start()
        barrier.wait(30)
        loaders = [subprocess.Popen([config["parley"], "load", d], env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True) for d in (a_dir, b_dir)]
        outs = []
        for proc in loaders:
            try:
                outs.append((proc.wait(120), proc.stderr.read()))
            except subprocess.TimeoutExpired:
                proc.kill()
                self.fail("a loader did not finish within 120 s")
        for t in threads:
            t.join(120)
            self.assertFalse(t.is_alive(), "a client did not finish")

        self.assertEqual(unexpected, [], "every response an expected status")
        # The clients did collide: creates lost to other creates, records vanished under them.
        self.assertGreater(seen[409] + seen[412], 0, seen)
        self.assertGreater(seen[404], 0, seen)
        for rc, err in outs:
            self.assertEqual(rc, 0, err[-2000:])
            self.assertIn("failed 0", err)
        self.assertEqual(self.db.value("SELECT count(*) FROM (SELECT slug FROM parties GROUP BY slug "
                                       "HAVING count(*) > 1) d"), "0", "no duplicate party slug")
        self.assertEqual(self.db.value("SELECT count(*) FROM (SELECT lower(name) FROM parties WHERE kind <> 'person' "
                                       "OR name NOT LIKE 'Racer %' GROUP BY 1 HAVING count(*) > 1) d"), "0",
                         "no party made twice by the loaders")
        self.assertEqual(self.db.value("SELECT count(*) FROM (SELECT sha256 FROM articles GROUP BY sha256 "
                                       "HAVING count(*) > 1) d"), "0", "no duplicate article")
        self.assertEqual(self.db.value("SELECT count(*) FROM (SELECT article_id, start_offset, end_offset, party_id "
                                       "FROM claims WHERE origin = 'extracted' GROUP BY 1, 2, 3, 4 "
                                       "HAVING count(*) > 1) d"), "0", "no extracted claim twice")
        articles, count = stored(self.db.url)
        self.assertEqual(count, 90, "both loaders' articles, each once")
        self.assertEqual(articles, expected, "every article with all its claims and links")
        self.assertEqual(self.db.value("SELECT count(*) FROM claims WHERE stated_on IS NULL"), "0",
                         "every claim dated, so that since=0001-01-01 counts them all")
        summary = self.expect(self.req("GET", "/positions"), 200)
        recount = self.expect(self.req("GET", "/positions?since=0001-01-01"), 200)
        self.assertTrue(summary["cells"])
        self.assertEqual(summary, recount, "the positions summary equals the recount")
        for query in ("depth=fine", "by=speaker"):
            self.assertEqual(self.expect(self.req("GET", f"/positions?{query}"), 200),
                             self.expect(self.req("GET", f"/positions?{query}&since=0001-01-01"), 200), query)
        self.assertEqual(self.db.value(LINKS_UNFILLED), "0")
        self.assertEqual(self.db.value(SUMMARY_DRIFT), "0")


if __name__ == "__main__":
    unittest.main()
