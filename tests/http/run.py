#!/usr/bin/env python3
"""Runs Parley's HTTP test suite.

  python3 tests/http/run.py --parleyd BUILD/parleyd --parley BUILD/parley \
      --record OUT.jsonl [unittest args: -v, -k PATTERN, test_parties, test_claims.ClaimFilters ...]

DATABASE_URL must name a running cluster (scripts/pgcluster.sh start DIR prints
one); the suite creates its own database in it and drops it at the end. The
outage test of test_resilience makes, stops and restarts a throwaway cluster of
its own with scripts/pgcluster.sh. Without module names every
tests/http/test_*.py runs. Server logs go next to the record file
(OUT.jsonl.NAME.parleyd.log). The last line printed is unittest's summary; the
exit status is 0 only when every test passed.
"""

import argparse
import os
import sys
import unittest

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


class ServerHealth(unittest.TestCase):
    """Runs last: the main server survived the whole suite, answered no 5xx but 503, exits 0 on
    SIGTERM, and no server logged a sanitizer report (leaks are reported at exit)."""

    def test_server_survived(self):
        env = harness._env  # noqa: SLF001 - only check what was started
        if env is None or env.server is None:
            self.skipTest("no server was started")
        alive = env.server.alive()
        healthy = alive and env.server.healthy()
        rc = env.server.stop()
        reports = [server.log_path for server in env.servers
                   if any(m in server.log_text() for m in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                                           "runtime error:"))]
        self.assertTrue(alive, f"parleyd died during the suite:\n{env.server.log_tail()}")
        self.assertTrue(healthy, "parleyd answers /healthz at the end")
        self.assertEqual(harness.server_errors, [], "no 5xx (other than 503) answered during the suite")
        self.assertEqual(rc, 0, f"parleyd exit status after SIGTERM:\n{env.server.log_tail()}")
        self.assertEqual(reports, [], "sanitizer reports in these server logs")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parleyd", required=True, help="path of the parleyd server")
    parser.add_argument("--parley", required=True, help="path of the parley CLI")
    parser.add_argument("--record", required=True, help="JSONL file every response is recorded to")
    parser.add_argument("-v", "--verbose", action="store_true", help="verbose unittest output")
    parser.add_argument("-q", "--quiet", action="store_true", help="minimal unittest output")
    parser.add_argument("-f", "--failfast", action="store_true", help="stop on the first failure")
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        help="only tests whose name matches this substring or pattern")
    parser.add_argument("tests", nargs="*", help="test modules, classes or methods (default: all)")
    args = parser.parse_args()

    harness.config["parleyd"] = os.path.abspath(args.parleyd)
    harness.config["parley"] = os.path.abspath(args.parley)
    harness.config["record"] = os.path.abspath(args.record)
    harness.config["database_url"] = os.environ.get("DATABASE_URL")
    if not harness.config["database_url"]:
        print("run.py: DATABASE_URL is not set (scripts/pgcluster.sh start DIR prints one)", file=sys.stderr)
        return 2

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [p if "*" in p else f"*{p}*" for p in args.patterns]
    if args.tests:
        # Accept test_parties, test_parties.py, tests/http/test_parties.py, test_parties.Class.method.
        names = [os.path.basename(t[:-3] if t.endswith(".py") else t) for t in args.tests]
        suite = loader.loadTestsFromNames(names)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    suite.addTest(ServerHealth("test_server_survived"))

    verbosity = 2 if args.verbose else (0 if args.quiet else 1)
    runner = unittest.TextTestRunner(verbosity=verbosity, failfast=args.failfast, stream=sys.stderr)

    # unittest's summary must be the last line: shut down (silently) after the
    # tests but before the summary is printed.
    original_print_errors = unittest.TextTestResult.printErrors

    def print_errors_then_shutdown(result):
        try:
            harness.shutdown()
        except Exception as e:  # noqa: BLE001
            result.stream.writeln(f"harness shutdown failed: {e}")
        original_print_errors(result)

    unittest.TextTestResult.printErrors = print_errors_then_shutdown
    try:
        result = runner.run(suite)
    finally:
        harness.shutdown()
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
