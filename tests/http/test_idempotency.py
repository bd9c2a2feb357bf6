"""Idempotency-Key on POST (issue 12, item 9): a retry with the same key and the same request gets
the first answer and makes nothing twice; the same key for another request is a 422 problem; keys
are per API key, checked for form, and expire after a day."""

import threading
import unittest

from harness import ApiTest, uid

REPLAYED = "idempotent-replayed"


class Idempotency(ApiTest):
    def claim_body(self, text=None):
        if not hasattr(self, "_party"):
            self._party = self.make_party()["slug"]
        return {"party": self._party, "stance": "demands", "text": text or f"Keyed claim {uid()}"}

    def count_claims(self, text):
        return int(self.env.psql_value("SELECT count(*) FROM claims WHERE text = :'t'", t=text))

    def test_repeat_gets_the_first_answer_and_makes_one_record(self):
        key = f"key-{uid()}"
        body = self.claim_body()
        first = self.post("/claims", body, headers={"Idempotency-Key": key})
        self.expect(first, 201)
        self.assertNotIn(REPLAYED, first.headers)
        for _ in range(2):
            again = self.post("/claims", body, headers={"Idempotency-Key": key})
            self.expect(again, 201)
            self.assertEqual(again.body, first.body)
            self.assertEqual(again.headers.get("location"), first.headers["location"])
            self.assertEqual(again.headers.get("etag"), first.headers["etag"])
            self.assertEqual(again.headers.get(REPLAYED), "true")
        self.assertEqual(self.count_claims(body["text"]), 1, "one record, however many retries")
        # Without a key, the same body makes a second record, as before.
        self.expect(self.post("/claims", body), 201)
        self.assertEqual(self.count_claims(body["text"]), 2)

    def test_every_creating_post_honours_the_key(self):
        for path, make in (("/parties", lambda: {"name": f"Keyed Party {uid()}", "kind": "state"}),
                           ("/issues", lambda: {"name": f"Keyed Issue {uid()}"}),
                           ("/claims", self.claim_body)):
            with self.subTest(path=path):
                key = f"k {uid()} !~"
                body = make()
                first = self.post(path, body, headers={"Idempotency-Key": key})
                self.expect(first, 201)
                # A retry without the key would be 409 for a derived slug; with it, the first answer.
                again = self.post(path, body, headers={"Idempotency-Key": key})
                self.expect(again, 201)
                self.assertEqual((again.body, again.headers.get("location")),
                                 (first.body, first.headers["location"]))

    def test_article_load_and_reextract(self):
        text = f"Russia rejected the plan on Monday, the Kremlin said. Marker {uid()}."
        key = f"load-{uid()}"
        first = self.post("/articles", {"text": text}, headers={"Idempotency-Key": key})
        self.expect(first, 201)
        again = self.post("/articles", {"text": text}, headers={"Idempotency-Key": key})
        self.expect(again, 201)
        self.assertEqual(again.body, first.body)
        self.assertEqual(again.headers.get("location"), first.headers["location"])
        self.assertEqual(again.headers.get(REPLAYED), "true")
        # The same text as plain text is another request.
        other = self.request("POST", "/articles", raw=text.encode(), headers={
            "Idempotency-Key": key, "Content-Type": "text/plain; charset=utf-8"})
        self.assertProblem(other, 422, field="Idempotency-Key")
        # A dry run stores nothing, so its key is not held against it.
        dry = self.post("/articles?dry_run=true", {"text": text + " More."}, headers={"Idempotency-Key": key})
        self.expect(dry, 200)
        self.assertNotIn(REPLAYED, dry.headers)
        article = first.body["article"]["id"]
        rkey = f"re-{uid()}"
        r1 = self.post(f"/articles/{article}/reextract", headers={"Idempotency-Key": rkey})
        self.expect(r1, 200)
        r2 = self.post(f"/articles/{article}/reextract", headers={"Idempotency-Key": rkey})
        self.expect(r2, 200)
        self.assertEqual((r2.body, r2.headers.get(REPLAYED)), (r1.body, "true"))

    def test_same_key_for_another_request_is_a_problem(self):
        key = f"key-{uid()}"
        body = self.claim_body()
        self.expect(self.post("/claims", body, headers={"Idempotency-Key": key}), 201)
        changed = dict(body, text=body["text"] + " (changed)")
        problem = self.assertProblem(self.post("/claims", changed, headers={"Idempotency-Key": key}), 422,
                                     field="Idempotency-Key")
        self.assertTrue(problem["type"].endswith("/idempotency-key-reused"), problem)
        self.assertEqual(self.count_claims(changed["text"]), 0, "nothing written")
        self.assertProblem(self.post("/issues", {"name": f"Other {uid()}"}, headers={"Idempotency-Key": key}),
                           422, field="Idempotency-Key")

    def test_keys_are_per_api_key(self):
        other_key = self.env.create_key(f"idem-{uid()}")
        key = f"shared-{uid()}"
        body = self.claim_body()
        mine = self.expect(self.post("/claims", body, headers={"Idempotency-Key": key}), 201)
        theirs = self.post("/claims", body, headers={"Idempotency-Key": key}, key=other_key)
        self.expect(theirs, 201)
        self.assertNotIn(REPLAYED, theirs.headers)
        self.assertNotEqual(theirs.body["id"], mine["id"], "another API key's request is another request")
        self.assertEqual(self.count_claims(body["text"]), 2)

    def test_key_form(self):
        body = self.claim_body()
        for key in ("", "x" * 256, "caf\u00e9", "tab\there", "nul\x01"):
            with self.subTest(key=key[:20]):
                headers = {"Idempotency-Key": key.encode("utf-8").decode("latin-1")}
                self.assertProblem(self.post("/claims", body, headers=headers), 400, field="Idempotency-Key")
        self.assertEqual(self.count_claims(body["text"]), 0)
        self.expect(self.post("/claims", body, headers={"Idempotency-Key": "x" * 255}), 201)

    def test_failed_writes_are_not_stored(self):
        key = f"key-{uid()}"
        bad = dict(self.claim_body(), party=f"nobody-{uid()}")
        self.assertProblem(self.post("/claims", bad, headers={"Idempotency-Key": key}), 422)
        good = self.claim_body()
        self.expect(self.post("/claims", good, headers={"Idempotency-Key": key}), 201)

    def test_concurrent_duplicates_wait_and_replay(self):
        key = f"key-{uid()}"
        body = self.claim_body()
        barrier = threading.Barrier(6)
        results = []
        lock = threading.Lock()

        def send():
            barrier.wait()
            resp = self.post("/claims", body, headers={"Idempotency-Key": key})
            with lock:
                results.append(resp)

        threads = [threading.Thread(target=send) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual([r.status for r in results], [201] * 6, [r.body for r in results])
        self.assertEqual(len({r.body["id"] for r in results}), 1, "one record for all")
        self.assertEqual(sum(1 for r in results if REPLAYED in r.headers), 5)
        self.assertEqual(self.count_claims(body["text"]), 1)

    def test_keys_expire_after_a_day(self):
        key = f"key-{uid()}"
        body = self.claim_body()
        first = self.expect(self.post("/claims", body, headers={"Idempotency-Key": key}), 201)
        self.env.psql("UPDATE idempotency_keys SET created_at = created_at - interval '25 hours' "
                      "WHERE idempotency_key = :'k'", k=key)
        again = self.post("/claims", dict(body, text=body["text"] + " later"), headers={"Idempotency-Key": key})
        self.expect(again, 201)
        self.assertNotEqual(again.body["id"], first["id"])
        rows = self.env.psql_value("SELECT count(*) FROM idempotency_keys WHERE created_at < now() - interval '1 day'")
        self.assertEqual(rows, "0", "expired rows are deleted by later keyed writes")


if __name__ == "__main__":
    unittest.main()
