"""parleyd behind a real pgbouncer (Debian's 1.18) in transaction pooling mode, with
PARLEY_DB_TRANSACTION_POOLING=1: many client connections share two server connections, so any
statement or setting kept on a server connection between transactions would break. Skipped when
pgbouncer is not installed."""

import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse

import harness
from harness import ApiTest, HarnessError, pick_free_port, uid

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def cluster_address(url):
    """(socket directory or host, port) of a libpq URI."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    host = query.get("host") or parts.hostname or "/tmp"
    port = query.get("port") or (str(parts.port) if parts.port else "5432")
    return host, port


class Pgbouncer(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.access(PGBOUNCER, os.X_OK):
            raise __import__("unittest").SkipTest("pgbouncer is not installed (apt-get install pgbouncer)")
        cls.dir = tempfile.mkdtemp(prefix="parley-pgb-", dir="/tmp")
        cls.port = pick_free_port()
        cls.proc = None
        cls.server = None
        host, port = cluster_address(cls.env.database_url)
        ini = os.path.join(cls.dir, "pgbouncer.ini")
        with open(ini, "w", encoding="utf-8") as f:
            f.write(f"""[databases]
parley = host={host} port={port} dbname={cls.env.dbname} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {cls.port}
unix_socket_dir =
auth_type = trust
auth_file = {cls.dir}/users.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
logfile = {cls.dir}/pgbouncer.log
pidfile = {cls.dir}/pgbouncer.pid
""")
        with open(os.path.join(cls.dir, "users.txt"), "w", encoding="utf-8") as f:
            f.write('"postgres" ""\n')
        cmd = [PGBOUNCER, ini]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            shutil.chown(cls.dir, "postgres")
            for name in os.listdir(cls.dir):
                shutil.chown(os.path.join(cls.dir, name), "postgres")
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        try:
            cls.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        stdin=subprocess.DEVNULL)
            cls.url = f"postgresql://postgres@127.0.0.1:{cls.port}/parley"
            deadline = time.monotonic() + 10
            while harness.run_psql(cls.url, "SELECT 1;", check=False, timeout=5) == [] \
                    and time.monotonic() < deadline:
                time.sleep(0.1)
            harness.run_psql(cls.url, "SELECT 1;")
            cls.server = cls.env.start_server(name="pgbouncer", database_url=cls.url, extra_env={
                "PARLEY_DB_TRANSACTION_POOLING": "1", "PARLEY_THREADS": "4", "PARLEY_DB_POOL": "8"})
        except BaseException:
            cls.cleanup()
            raise

    @classmethod
    def cleanup(cls):
        if cls.server is not None:
            cls.server.stop()
        if cls.proc is not None:
            cls.proc.terminate()
            try:
                cls.proc.wait(10)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls.cleanup()

    def admin(self, command):
        """Rows of a pgbouncer admin console command, as dicts."""
        out = subprocess.run(["psql", "-X", "-A", "-F", "\t", "-P", "footer=off", "-d",
                              f"postgresql://postgres@127.0.0.1:{self.port}/pgbouncer", "-c", command],
                             capture_output=True, text=True, timeout=10)
        if out.returncode != 0:
            raise HarnessError(out.stderr)
        lines = out.stdout.splitlines()
        header = lines[0].split("\t")
        return [dict(zip(header, line.split("\t"))) for line in lines[1:]]

    def workload(self, errors):
        try:
            p = self.make_party()
            path = f"/parties/{p['slug']}"
            got = self.get(path)
            self.assertEqual(got.status, 200)
            patched = self.patch(path, {"role": f"r{uid()}"}, headers={"If-Match": got.headers["etag"]})
            self.assertEqual(patched.status, 200, patched.body)
            stale = self.patch(path, {"role": "x"}, headers={"If-Match": got.headers["etag"]})
            self.assertEqual(stale.status, 412)
            ids = [self.make_claim(party=p["slug"], issues=["territory"])["id"] for _ in range(3)]
            walked = [c["id"] for c in self.walk(f"/claims?party={p['slug']}", limit=2)]
            self.assertEqual(sorted(walked), sorted(ids))
            self.assertEqual(self.get(f"/issues/territory/claims?party={p['slug']}").status, 200)
            self.assertEqual(self.get(f"/positions?party={p['slug']}").status, 200)
            self.assertEqual(self.post("/parties", {"name": "Dup", "kind": "state", "slug": p["slug"]}).status, 409)
            self.assertEqual(self.delete(f"/claims/{ids[0]}").status, 204)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    def test_concurrent_requests_through_transaction_pooling(self):
        before = sum(int(row.get("total_xact_count", 0)) for row in self.admin("SHOW STATS")
                     if row.get("database") == "parley")
        errors = []
        threads = [threading.Thread(target=self.workload, args=(errors,)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        text = f"Kyiv - Ukraine rejected any withdrawal from Donbas, Zelensky said on Monday ({uid()})."
        loaded = self.post("/articles", raw=text.encode(), headers={"Content-Type": "text/plain"})
        self.assertIn(loaded.status, (200, 201), loaded.body)
        self.assertEqual(self.get("/readyz").status, 200)
        after = sum(int(row.get("total_xact_count", 0)) for row in self.admin("SHOW STATS")
                    if row.get("database") == "parley")
        self.assertGreater(after - before, 50, "the transactions went through pgbouncer")
        servers = [row for row in self.admin("SHOW SERVERS") if row.get("database") == "parley"]
        self.assertLessEqual(len(servers), 2, "two server connections served eight client connections")
        self.assertNotIn("prepared statement", self.server.log_text())

    def test_settings_are_validated(self):
        for name, bad in (("PARLEY_DB_TRANSACTION_POOLING", "yes"), ("PARLEY_DB_TRANSACTION_POOLING", "2"),
                          ("DATABASE_READ_URL", "postgresql://[::1"), ("DATABASE_READ_URL", "host=x nosuchkey=1")):
            with self.subTest(name=name, value=bad):
                env = dict(os.environ, DATABASE_URL=self.url, PORT=str(pick_free_port()))
                env[name] = bad
                out = subprocess.run([harness.config["parleyd"]], env=env, capture_output=True, text=True,
                                     timeout=15, stdin=subprocess.DEVNULL)
                self.assertEqual(out.returncode, 78, out.stderr)  # EX_CONFIG
                self.assertIn(name, out.stderr)
