"""Migrations: applied once, in order, under a lock, refused when changed."""

import glob
import os
import subprocess
import unittest

import harness
from harness import ApiTest

SQL_DIR = os.path.join(harness.ROOT, "sql")


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
