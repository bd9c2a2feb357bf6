"""The catalogue of other negotiations (data/catalogues/negotiations.json):
scripts/import-issues.py adds it to a running parleyd through the API, a
second run changes nothing, and the next load uses its keywords."""

import json
import os
import subprocess
import sys

import harness
from harness import ApiTest

CATALOGUE = os.path.join(harness.ROOT, "data", "catalogues", "negotiations.json")
IMPORT = os.path.join(harness.ROOT, "scripts", "import-issues.py")


class NegotiationsCatalogue(ApiTest):
    def setUp(self):
        # A database of its own: the imported issues would show in other
        # tests' lists and matrices.
        url = self.fresh_database("parley_catalogue")
        self.key = self.env.create_key("catalogue", database_url=url)
        self.own = self.env.start_server(database_url=url, key=self.key)
        self.addCleanup(self.own.stop)

    def run_import(self):
        return subprocess.run(
            [sys.executable, IMPORT, "--url", f"http://127.0.0.1:{self.own.port}",
             "--key", self.key, CATALOGUE],
            capture_output=True, text=True, timeout=60)

    def test_import_twice_then_load(self):
        with open(CATALOGUE, encoding="utf-8") as f:
            issues = json.load(f)["issues"]
        first = self.run_import()
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(first.stdout.count("created "), len(issues), first.stdout)
        for issue in issues:
            stored = self.expect(self.get(f"/issues/{issue['slug']}", server=self.own), 200)
            self.assertEqual(stored["parent"], issue["parent"])
            self.assertEqual(stored["keywords"], issue["keywords"])
        again = self.run_import()
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(again.stdout.count("exists "), len(issues), again.stdout)
        # The loader reads the database's catalogue: a trade claim gets the
        # imported issue.
        text = ("Steel talks\n\nJapan rejected the new tariffs on steel, its "
                "trade minister said on Monday.\n")
        loaded = self.expect(self.request("POST", "/articles", raw=text.encode("utf-8"),
                                          headers={"Content-Type": "text/plain"},
                                          server=self.own), 201)
        self.assertTrue(loaded["claims"], loaded)
        self.assertIn("trade", loaded["claims"][0]["issues"])

    def test_bad_key_fails_naming_the_issue(self):
        out = subprocess.run(
            [sys.executable, IMPORT, "--url", f"http://127.0.0.1:{self.own.port}",
             "--key", "parley_not_a_key", CATALOGUE],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 1)
        self.assertIn("issue trade: 401", out.stderr)
        self.assertEqual(self.expect(self.get("/issues/trade", server=self.own), 404)["status"], 404)
