"""Migrations: applied once, in order, under a lock, refused when changed."""

import glob
import hashlib
import os
import shutil
import subprocess
import unittest

import harness
from harness import ApiTest

SQL_DIR = os.path.join(harness.ROOT, "sql", "migrations")
# The last commit whose migrations still held their functions and triggers
# (before sql/functions/): databases migrated by it recorded those texts.
BEFORE_FUNCTIONS = "8735df73ad542890a20a9e00cb71a154cc57e4a8"
# The last commit whose 014 backfilled with the keyed refreshes.
BEFORE_SET_BASED_RECOUNT = "dda1f29c5d4f1cb5d7afce89d50bb51ecb8cc084"

# What a database's functions and triggers are, as PostgreSQL prints them.
DEFINITIONS = (
    "SELECT 'function', p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
    "UNION ALL SELECT 'trigger', t.tgname || ' ON ' || t.tgrelid::regclass, "
    "pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal ORDER BY 1, 2")


class Migrations(ApiTest):
    def fresh_database(self):
        name = f"parley_migrate_{harness.uid()}"
        harness.run_psql(self.env.admin_url, f'CREATE DATABASE "{name}";')
        self.addCleanup(harness.run_psql, self.env.admin_url, f'DROP DATABASE IF EXISTS "{name}";')
        return harness._with_dbname(self.env.admin_url, name)  # noqa: SLF001

    def migration_files(self):
        return sorted(os.path.basename(p) for p in glob.glob(os.path.join(SQL_DIR, "[0-9]*.sql")))

    def test_applied_once_with_checksums(self):
        url = self.fresh_database()
        first = self.env.cli("migrate", database_url=url)
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn(f"migrations applied: {len(self.migration_files())}", first.stdout)
        again = self.env.cli("migrate", database_url=url)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("migrations applied: 0", again.stdout)
        rows = harness.run_psql(url, "SELECT name, checksum FROM schema_migrations ORDER BY name")
        self.assertEqual([r[0] for r in rows], self.migration_files())
        for _, checksum in rows:
            self.assertRegex(checksum, r"^[0-9a-f]{64}$")

    def test_concurrent_migrations_apply_once(self):
        url = self.fresh_database()
        env = dict(os.environ, DATABASE_URL=url)
        procs = [subprocess.Popen([harness.config["parley"], "migrate"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
        outputs = [p.communicate(timeout=60) for p in procs]
        for proc, (out, err) in zip(procs, outputs):
            self.assertEqual(proc.returncode, 0, err)
        applied = sorted(int(out.rsplit(":", 1)[1]) for out, _ in outputs)
        self.assertEqual(applied, [0, 0, 0, len(self.migration_files())])
        issues = harness.run_psql(url, "SELECT count(*) FROM issues")[0][0]
        self.assertEqual(int(issues), 20, "the seeded catalogue once, not four times")

    def test_changed_migration_is_refused(self):
        url = self.fresh_database()
        self.assertEqual(self.env.cli("migrate", database_url=url).returncode, 0)
        harness.run_psql(url, "UPDATE schema_migrations SET checksum = repeat('0', 64) "
                              "WHERE name = '001_schema.sql'")
        out = self.env.cli("migrate", database_url=url)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("001_schema.sql was changed", out.stderr)
        server = subprocess.run([harness.config["parleyd"]], env=dict(os.environ, DATABASE_URL=url, PORT="0"),
                                capture_output=True, text=True, timeout=30)
        self.assertNotEqual(server.returncode, 0, "parleyd refuses to serve a changed schema")
        self.assertIn("001_schema.sql was changed", server.stderr)

    def test_014_as_first_applied_is_accepted(self):
        """A database that applied 014 before its backfill became one recount
        recorded that text's checksum: it is accepted, and nothing is applied
        again."""
        if shutil.which("git") is None:
            self.skipTest("git is needed to read the earlier text of 014")
        earlier = subprocess.run(["git", "-C", harness.ROOT, "show",
                                  f"{BEFORE_SET_BASED_RECOUNT}:sql/migrations/014_latest_totals_version.sql"],
                                 capture_output=True)
        if earlier.returncode != 0:
            self.skipTest(f"commit {BEFORE_SET_BASED_RECOUNT[:12]} is not in this checkout")
        url = self.fresh_database()
        self.assertEqual(self.env.cli("migrate", database_url=url).returncode, 0)
        checksum = hashlib.sha256(earlier.stdout).hexdigest()
        harness.run_psql(url, f"UPDATE schema_migrations SET checksum = '{checksum}' "
                              "WHERE name = '014_latest_totals_version.sql'")
        out = self.env.cli("migrate", database_url=url)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("migrations applied: 0", out.stdout)

    def old_migrations(self):
        """The migrations as the code before sql/functions/ had them, from git."""
        if shutil.which("git") is None:
            self.skipTest("git is needed to read the migrations of the earlier code")
        listing = subprocess.run(["git", "-C", harness.ROOT, "ls-tree", "--name-only",
                                  f"{BEFORE_FUNCTIONS}:sql"], capture_output=True, text=True)
        if listing.returncode != 0:
            self.skipTest(f"commit {BEFORE_FUNCTIONS[:12]} is not in this checkout")
        names = sorted(n for n in listing.stdout.split() if n[:1].isdigit() and n.endswith(".sql"))
        return [(name, subprocess.run(["git", "-C", harness.ROOT, "show", f"{BEFORE_FUNCTIONS}:sql/{name}"],
                                      check=True, capture_output=True).stdout) for name in names]

    def migrate_as_before(self, url, migrations):
        """What the earlier `parley migrate` did: each file run as it is, in
        one transaction, and recorded by name with its SHA-256."""
        script = ["BEGIN;", "CREATE TABLE schema_migrations (name text PRIMARY KEY, "
                  "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());"]
        for name, text in migrations:
            script.append(text.decode("utf-8"))
            script.append(f"INSERT INTO schema_migrations (name, checksum) VALUES "
                          f"('{name}', '{hashlib.sha256(text).hexdigest()}');")
        script.append("COMMIT;")
        harness.run_psql(url, "\n".join(script))

    def test_databases_of_the_earlier_code_end_as_fresh_ones(self):
        """A database migrated by the code before functions had their own files
        (fully, or stopped at an earlier migration) is accepted, and after
        `parley migrate` holds the same functions, triggers and tables as a
        fresh one: no body an old migration created is left."""
        old = self.old_migrations()
        fresh = self.fresh_database()
        self.assertEqual(self.env.cli("migrate", database_url=fresh).returncode, 0)
        expected = harness.run_psql(fresh, DEFINITIONS)
        self.assertGreater(len(expected), 30)
        for stop in (len(old), 13, 7, 2):
            with self.subTest(applied_before=stop):
                url = self.fresh_database()
                self.migrate_as_before(url, old[:stop])
                out = self.env.cli("migrate", database_url=url)
                self.assertEqual(out.returncode, 0, out.stderr)
                # The rest of the old files, and those added since.
                self.assertIn(f"migrations applied: {len(self.migration_files()) - stop}", out.stdout)
                self.assertEqual(harness.run_psql(url, DEFINITIONS), expected)
                columns = ("SELECT table_name, column_name, data_type FROM information_schema.columns "
                           "WHERE table_schema = 'public' AND table_name <> 'schema_functions' ORDER BY 1, 2")
                self.assertEqual(harness.run_psql(url, columns), harness.run_psql(fresh, columns))

    def test_functions_follow_their_files(self):
        """A function changed in the database by hand is put back only when the
        function files change: migrate records their checksum and leaves an
        unchanged database alone (no table lock at every start)."""
        url = self.fresh_database()
        self.assertEqual(self.env.cli("migrate", database_url=url).returncode, 0)
        recorded = harness.run_psql(url, "SELECT checksum FROM schema_functions")
        self.assertRegex(recorded[0][0], r"^[0-9a-f]{64}$")
        harness.run_psql(url, "UPDATE schema_functions SET checksum = repeat('0', 64);"
                              "DROP TRIGGER claims_positions_text ON claims;")
        out = self.env.cli("migrate", database_url=url)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(harness.run_psql(url, "SELECT checksum FROM schema_functions"), recorded)
        self.assertEqual(harness.run_psql(
            url, "SELECT count(*) FROM pg_trigger WHERE tgname = 'claims_positions_text'"), [["1"]])

    def test_database_not_utf8_is_refused(self):
        """Text from the database goes into JSON unchecked: a LATIN1 database is refused, with
        the reason, and nothing is created in it."""
        name = f"parley_latin1_{harness.uid()}"
        harness.run_psql(self.env.admin_url, f"CREATE DATABASE \"{name}\" ENCODING 'LATIN1' "
                                             "LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;")
        self.addCleanup(harness.run_psql, self.env.admin_url, f'DROP DATABASE IF EXISTS "{name}";')
        url = harness._with_dbname(self.env.admin_url, name)  # noqa: SLF001
        out = self.env.cli("migrate", database_url=url)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("UTF8", out.stderr)
        tables = harness.run_psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        self.assertEqual(tables[0][0], "0")


if __name__ == "__main__":
    unittest.main()
