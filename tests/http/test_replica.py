"""Scale-out: reads from a real streaming replica (DATABASE_READ_URL), and two parleyd instances
against one database with one client alternating between them.

The replica test makes its own primary (scripts/pgcluster.sh, wal_level=replica is PostgreSQL 15's
default and initdb's trust pg_hba allows replication) and a standby of it with `pg_basebackup -R`,
then stops the primary: reads go on, writes answer 503."""

import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse

import harness
from harness import ApiTest, HarnessError, pick_free_port, problem_errors, slug, uid
from test_observability import parse_metrics, value


def as_postgres(cmd):
    """Runs a PostgreSQL program as the postgres user when we are root (as pgcluster.sh does)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def pg_bin(name):
    try:
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
    except OSError:
        bindir = ""
    if not bindir or not os.access(os.path.join(bindir, "initdb"), os.X_OK):
        bindir = "/usr/lib/postgresql/15/bin"
    return os.path.join(bindir, name)


class ReadReplica(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.top = tempfile.mkdtemp(prefix="parley-repl-", dir="/tmp")
        os.chmod(cls.top, 0o755)
        cls.primary_dir = os.path.join(cls.top, "p")
        cls.replica_dir = os.path.join(cls.top, "r")
        cls.primary_port, cls.replica_port = str(pick_free_port()), str(pick_free_port())
        cls.server = None
        try:
            out = cls.env.pgcluster("start", cls.primary_dir, cls.primary_port, extra_env={"PGCLUSTER_FAST": "1"})
            if out.returncode != 0:
                raise HarnessError(f"primary: {out.stderr}")
            cls.primary_url = out.stdout.strip().splitlines()[-1]
            migrate = cls.env.cli("migrate", database_url=cls.primary_url)
            if migrate.returncode != 0:
                raise HarnessError(f"parley migrate: {migrate.stderr}")
            cls.key = cls.env.create_key("replica-test", database_url=cls.primary_url)
            os.makedirs(cls.replica_dir)
            if os.geteuid() == 0:
                shutil.chown(cls.replica_dir, "postgres")
            os.chmod(cls.replica_dir, 0o700)
            backup = as_postgres([pg_bin("pg_basebackup"), "-h", cls.primary_dir, "-p", cls.primary_port,
                                  "-U", "postgres", "-D", os.path.join(cls.replica_dir, "data"),
                                  "-R", "-X", "stream", "--no-sync", "--checkpoint=fast"])
            if backup.returncode != 0:
                raise HarnessError(f"pg_basebackup: {backup.stderr}")
            out = cls.env.pgcluster("start", cls.replica_dir, cls.replica_port, extra_env={"PGCLUSTER_FAST": "1"})
            if out.returncode != 0:
                raise HarnessError(f"replica: {out.stderr}")
            cls.replica_url = out.stdout.strip().splitlines()[-1]
            in_recovery = harness.run_psql(cls.replica_url, "SELECT pg_is_in_recovery();")[0][0]
            if in_recovery != "t":
                raise HarnessError("the replica is not in recovery")
            cls.server = cls.env.start_server(name="replica", database_url=cls.primary_url, key=cls.key,
                                              extra_env={"DATABASE_READ_URL": cls.replica_url})
        except BaseException:
            cls.cleanup()
            raise

    @classmethod
    def cleanup(cls):
        if cls.server is not None:
            cls.server.stop()
        for d in (cls.replica_dir, cls.primary_dir):
            cls.env.pgcluster("stop", d)
        shutil.rmtree(cls.top, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls.cleanup()

    def wait_replicated(self, path):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            resp = self.get(path)
            if resp.status == 200:
                return resp
            time.sleep(0.05)
        self.fail(f"{path} not on the replica within 20 s")

    def test_reads_from_the_replica_writes_503_while_the_primary_is_down(self):
        p = self.make_party()
        c = self.make_claim(party=p["slug"])
        party = self.wait_replicated(f"/parties/{p['slug']}")
        self.wait_replicated(f"/claims/{c['id']}")
        # Single records, list pages and lists under a record (its existence, the data version
        # and the page in one job) took the reader's connections, the matrix the read pool's:
        # the replica served all of them.
        self.expect(self.get("/parties?limit=5"), 200)
        self.expect(self.get(f"/parties/{p['slug']}/claims"), 200)
        self.expect(self.get(f"/parties/{slug('nobody')}/claims"), 404)
        self.expect(self.get("/positions"), 200)
        metrics = parse_metrics(self.get("/metrics").body.decode())[0]
        self.assertGreaterEqual(value(metrics, "parley_db_pool_connections", pool="read", state="idle")
                                + value(metrics, "parley_db_pool_connections", pool="read", state="in_use"), 1)
        self.assertGreaterEqual(value(metrics, "parley_db_reader_connections"), 1)
        rows = harness.run_psql(self.replica_url, "SELECT count(*) FROM pg_stat_activity "
                                                  "WHERE application_name = 'parleyd';")
        self.assertGreaterEqual(int(rows[0][0]), 1, "parleyd is connected to the replica")

        out = self.env.pgcluster("stop", self.primary_dir)
        self.assertEqual(out.returncode, 0, out.stderr)
        try:
            for path in (f"/parties/{p['slug']}", f"/claims/{c['id']}", "/parties?limit=5",
                         f"/claims?party={p['slug']}", f"/parties/{p['slug']}/claims", "/issues/territory",
                         "/positions"):
                with self.subTest(path=path):
                    resp = self.get(path, timeout=20)
                    self.assertEqual(resp.status, 200, f"{path}: {resp.body!r:.300}")
            again = self.get(f"/parties/{p['slug']}")
            self.assertEqual(again.headers.get("etag"), party.headers.get("etag"), "same record, same ETag")
            self.assertEqual(self.request("HEAD", f"/claims/{c['id']}").status, 200)
            # Ready: this instance can serve (reads); writes say 503 with Retry-After.
            self.assertEqual(self.get("/readyz", timeout=20).status, 200)
            for method, path, body in (("POST", "/parties", {"name": "Down", "kind": "state", "slug": slug("down")}),
                                       ("PATCH", f"/parties/{p['slug']}", {"role": "r"}),
                                       ("DELETE", f"/claims/{c['id']}", None)):
                with self.subTest(method=method, path=path):
                    resp = self.request(method, path, body, timeout=20)
                    self.assertEqual(resp.status, 503, f"{method} {path}: {resp.body!r:.300}")
                    self.assertEqual(resp.headers.get("retry-after"), "2")
                    problem_errors(self, resp)
        finally:
            out = self.env.pgcluster("start", self.primary_dir, self.primary_port, extra_env={"PGCLUSTER_FAST": "1"})
            self.assertEqual(out.returncode, 0, out.stderr)
        # The primary is back: writes succeed again, and reach the replica.
        deadline = time.monotonic() + 30
        created = None
        while time.monotonic() < deadline:
            created = self.post("/parties", {"name": "Back", "kind": "state", "slug": slug("back")}, timeout=20)
            if created.status == 201:
                break
            time.sleep(0.2)
        self.assertEqual(created.status, 201, created.body)
        self.wait_replicated(f"/parties/{created.body['slug']}")

    def test_writes_read_their_own_writes_on_the_primary(self):
        # A PATCH reads the record it changes inside its transaction (on the primary): a chain of
        # PATCHes with If-Match never sees a stale version even if the replica lags.
        p = self.make_party()
        path = f"/parties/{p['slug']}"
        resp = self.patch(path, {"role": "one"})
        self.assertEqual(resp.status, 200, resp.body)
        for role in ("two", "three", "four"):
            resp = self.patch(path, {"role": role}, headers={"If-Match": resp.headers["etag"]})
            self.assertEqual(resp.status, 200, resp.body)
            self.assertEqual(resp.body["role"], role)


class TwoInstances(ApiTest):
    """One client alternating between two parleyd processes on one database: ETags, cursors, keys
    and request ids do not depend on the instance."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.env.start_server(name="inst-a")
        cls.b = cls.env.start_server(name="inst-b")

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()
        cls.b.stop()

    def test_etags_and_conditional_writes_across_instances(self):
        made = self.request("POST", "/parties", {"name": f"Twin {uid()}", "kind": "state", "slug": slug("twin")},
                            server=self.a)
        self.assertEqual(made.status, 201)
        path = f"/parties/{made.body['slug']}"
        got = self.request("GET", path, server=self.b)
        self.assertEqual(got.headers["etag"], made.headers["etag"])
        self.assertEqual(self.request("GET", path, server=self.b,
                                      headers={"If-None-Match": made.headers["etag"]}).status, 304)
        patched = self.request("PATCH", path, {"role": "b"}, server=self.b, headers={"If-Match": got.headers["etag"]})
        self.assertEqual(patched.status, 200)
        stale = self.request("PATCH", path, {"role": "a"}, server=self.a, headers={"If-Match": got.headers["etag"]})
        self.assertEqual(stale.status, 412, "A sees B's write")
        fresh = self.request("GET", path, server=self.a)
        self.assertEqual(fresh.headers["etag"], patched.headers["etag"])

    def test_cursors_across_instances(self):
        p = self.make_party()
        ids = sorted(self.make_claim(party=p["slug"])["id"] for _ in range(7))
        seen, url, servers = [], f"/claims?party={p['slug']}&limit=2&sort=created_at", (self.a, self.b)
        for page in range(10):
            resp = self.request("GET", url, server=servers[page % 2])
            self.assertEqual(resp.status, 200, resp.body)
            seen.extend(item["id"] for item in resp.body["items"])
            if resp.body["next"] is None:
                break
            url = f"/claims?party={p['slug']}&limit=2&sort=created_at&cursor={urllib.parse.quote(resp.body['next'])}"
        self.assertEqual(sorted(seen), ids)
        self.assertEqual(len(seen), len(set(seen)), "no item twice")

    def test_keys_across_instances(self):
        name = f"twin-{uid()}"
        key = self.env.create_key(name)
        for server in (self.a, self.b):
            resp = self.request("POST", "/parties", {"name": f"K {uid()}", "kind": "group", "slug": slug("k")},
                                server=server, key=key)
            self.assertEqual(resp.status, 201, resp.body)
        self.assertEqual(self.env.revoke_key(name).returncode, 0)
        for server in (self.a, self.b):
            resp = self.request("POST", "/parties", {"name": "K", "kind": "group"}, server=server, key=key)
            self.assertEqual(resp.status, 401, "a revoked key fails on every instance at once")

    def test_generated_request_ids_differ_between_instances(self):
        ids = [self.request("GET", "/healthz", server=s).headers["x-request-id"] for s in (self.a, self.b) * 3]
        self.assertEqual(len(set(ids)), len(ids))
        self.assertNotEqual(ids[0][:16], ids[1][:16], "each process has its own random prefix")
