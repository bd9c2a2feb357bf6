"""A claim's confidence is printed with at most 3 decimals wherever it is output (issue 13, item
8): the raw text of every answer that carries it (a load, the same bytes again, a dry run, a
re-extraction, an idempotent replay) and of `parley load --dry-run --json`, never
0.69699999999999995."""

import http.client
import json
import os
import re
import uuid

from harness import ROOT, ApiTest, word

SEED = os.path.join(ROOT, "sql", "sample", "seed-2025-12-29-talks.txt")
CONFIDENCE = re.compile(rb'"confidence":\s*([^,}\s]+)')
THREE_DECIMALS = re.compile(rb"^(0|1)(\.[0-9]{1,3})?$")


class ConfidenceText(ApiTest):
    def raw_post(self, path, data, headers=None):
        """POSTs text; returns (status, the body's bytes as sent)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            conn.request("POST", path, body=data, headers={
                "Content-Type": "text/plain", "Authorization": f"Bearer {self.server.key}", **(headers or {})})
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def assertThreeDecimals(self, raw, what):
        values = CONFIDENCE.findall(raw)
        self.assertGreaterEqual(len(values), 5, f"{what}: claims with a confidence: {raw[:300]!r}")
        for value in values:
            self.assertRegex(value, THREE_DECIMALS, f"{what}: confidence {value!r}")
        self.assertTrue(any(b"." in v for v in values), f"{what}: some confidences are fractions")
        return values

    def test_http_answers(self):
        with open(SEED, "rb") as f:
            seed = f.read()
        text = seed + f"\n\nMore on the {word()} talks.\n".encode()
        status, dry = self.raw_post("/articles?dry_run=true", text)
        self.assertEqual(status, 200, dry[:300])
        values = self.assertThreeDecimals(dry, "dry run")
        key = str(uuid.uuid4())
        status, loaded = self.raw_post("/articles", text, {"Idempotency-Key": key})
        self.assertEqual(status, 201, loaded[:300])
        self.assertEqual(self.assertThreeDecimals(loaded, "load"), values)
        # The value itself is the rounded one, not merely printed short.
        for claim in json.loads(loaded)["claims"]:
            self.assertEqual(claim["confidence"], round(claim["confidence"], 3))
        status, replay = self.raw_post("/articles", text, {"Idempotency-Key": key})
        self.assertEqual(status, 201, replay[:300])
        self.assertEqual(replay, loaded, "the replay is byte for byte the answer")
        status, again = self.raw_post("/articles", text)
        self.assertEqual(status, 200, again[:300])
        self.assertThreeDecimals(again, "the same bytes again")
        article = json.loads(loaded)["article"]["id"]
        status, reextracted = self.raw_post(f"/articles/{article}/reextract", b"")
        self.assertEqual(status, 200, reextracted[:300])
        self.assertThreeDecimals(reextracted, "re-extraction")

    def test_cli_dry_run_json(self):
        out = self.env.cli("load", "--dry-run", "--json", SEED)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertThreeDecimals(out.stdout.encode(), "parley load --dry-run --json")
        directory = os.path.dirname(SEED)
        out = self.env.cli("load", "--dry-run", "--json", directory)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertThreeDecimals(out.stdout.encode(), "parley load --dry-run --json DIR (one per line)")
