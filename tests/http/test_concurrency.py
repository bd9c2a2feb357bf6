"""Concurrency: exact pagination under concurrent inserts, one winner among concurrent creates of a
slug, one winner among concurrent conditional PATCHes."""

import collections
import threading
import unittest

from harness import ApiTest, problem_errors, q, slug


class PaginationUnderInserts(ApiTest):
    def walk_while_inserting(self, list_path, party, limit=7):
        stop = threading.Event()
        first = threading.Event()
        inserted = []
        errors = []

        def insert():
            n = 0
            while not stop.is_set() and n < 400:
                n += 1
                try:
                    resp = self.server.request("POST", "/claims", {"party": party, "stance": "asserts",
                                                                   "text": f"concurrent {n}"})
                    if resp.status != 201:
                        errors.append(resp)
                        return
                    inserted.append(resp.body["id"])
                    first.set()
                except OSError as e:  # pragma: no cover - reported below
                    errors.append(e)
                    return
                finally:
                    if errors:
                        first.set()

        t = threading.Thread(target=insert, daemon=True)
        t.start()
        first.wait(10)
        try:
            seen = []
            cursor = None
            pages = 0
            while True:
                sep = "&" if "?" in list_path else "?"
                path = f"{list_path}{sep}limit={limit}" + (f"&cursor={q(cursor)}" if cursor else "")
                body = self.expect(self.get(path), 200, path)
                seen.extend(i["id"] for i in body["items"])
                cursor = body["next"]
                pages += 1
                if cursor is None:
                    break
                self.assertLess(pages, 2000, "the walk ends")
        finally:
            stop.set()
            t.join(30)
        self.assertFalse(errors, f"inserts failed: {errors[:3]}")
        self.assertTrue(inserted, "the inserting thread inserted while the pages were walked")
        return seen, inserted

    def check_exact(self, seen, existing):
        counts = collections.Counter(seen)
        dupes = [i for i, n in counts.items() if n > 1]
        self.assertEqual(dupes, [], "no record is listed twice")
        missing = [i for i in existing if counts[i] != 1]
        self.assertEqual(missing, [], "every pre-existing record is listed exactly once")

    def setUp(self):
        self.party = self.make_party()["slug"]
        self.existing = [self.make_claim(party=self.party, stance="demands")["id"] for _ in range(60)]

    def test_filtered_newest_first(self):
        seen, _ = self.walk_while_inserting(f"/claims?party={self.party}", self.party)
        self.check_exact(seen, self.existing)
        # Newest first: the pre-existing ones appear in reverse creation order.
        self.assertEqual([i for i in seen if i in set(self.existing)], self.existing[::-1])

    def test_filtered_oldest_first(self):
        seen, inserted = self.walk_while_inserting(f"/claims?party={self.party}&sort=created_at", self.party)
        self.check_exact(seen, self.existing)
        self.assertEqual([i for i in seen if i in set(self.existing)], self.existing)

    def test_unfiltered_walk_of_all_claims(self):
        before_all = [i["id"] for i in self.walk("/claims", limit=200)]
        seen, _ = self.walk_while_inserting("/claims", self.party, limit=25)
        self.check_exact(seen, before_all)

    def test_stated_on_sort_while_inserting(self):
        seen, _ = self.walk_while_inserting(f"/parties/{self.party}/claims?sort=-stated_on", self.party, limit=5)
        self.check_exact(seen, self.existing)


class ConcurrentCreates(ApiTest):
    THREADS = 20

    def race(self, fn):
        barrier = threading.Barrier(self.THREADS)
        results = [None] * self.THREADS

        def run(i):
            barrier.wait(10)
            try:
                results[i] = fn(i)
            except Exception as e:  # noqa: BLE001 - reported by the assertions
                results[i] = e

        threads = [threading.Thread(target=run, args=(i,)) for i in range(self.THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for r in results:
            self.assertNotIsInstance(r, Exception, repr(r))
        return results

    def test_same_party_slug(self):
        s = slug("race")
        results = self.race(lambda i: self.post("/parties", {"slug": s, "name": f"Racer {i}", "kind": "group"}))
        statuses = collections.Counter(r.status for r in results)
        self.assertEqual(statuses, {201: 1, 409: self.THREADS - 1}, statuses)
        for r in results:
            if r.status == 409:
                problem_errors(self, r)
        winner = next(r for r in results if r.status == 201)
        self.assertEqual(self.ok_get(f"/parties/{s}")["name"], winner.body["name"])
        self.assertEqual(self.env.psql_value("SELECT count(*) FROM parties WHERE slug = :'s'", s=s), "1")

    def test_same_issue_slug(self):
        s = slug("race")
        results = self.race(lambda i: self.post("/issues", {"slug": s, "name": f"Racer {i}"}))
        self.assertEqual(collections.Counter(r.status for r in results), {201: 1, 409: self.THREADS - 1})

    def test_conditional_patches_one_winner(self):
        p = self.make_party()
        etag = self.get(f"/parties/{p['slug']}").headers["etag"]
        results = self.race(lambda i: self.patch(f"/parties/{p['slug']}", {"role": f"writer {i}"},
                                                 headers={"If-Match": etag}))
        statuses = collections.Counter(r.status for r in results)
        self.assertEqual(statuses, {200: 1, 412: self.THREADS - 1}, statuses)
        winner = next(r for r in results if r.status == 200)
        self.assertEqual(self.ok_get(f"/parties/{p['slug']}")["role"], winner.body["role"])

    def test_concurrent_claims_on_one_party_all_created(self):
        p = self.make_party()
        results = self.race(lambda i: self.post("/claims", {"party": p["slug"], "stance": "asserts",
                                                            "text": f"parallel {i}", "issues": ["ceasefire"]}))
        self.assertEqual([r.status for r in results], [201] * self.THREADS)
        ids = {r.body["id"] for r in results}
        self.assertEqual(len(ids), self.THREADS)
        self.assertEqual({i["id"] for i in self.walk(f"/claims?party={p['slug']}")}, ids)


if __name__ == "__main__":
    unittest.main()
