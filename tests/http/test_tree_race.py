"""The issue tree keeps two levels under concurrent writes: A gets a parent while C takes A as
its parent, both at once, never both succeed (issue 12, item 3)."""

import threading
import unittest

from harness import ApiTest


class TreeRace(ApiTest):
    TRIES = 30

    def patch_parent(self, slug, parent, barrier, results, index):
        barrier.wait()
        results[index] = self.patch(f"/issues/{slug}", {"parent": parent})

    def test_two_patches_never_make_three_levels(self):
        both = 0
        for attempt in range(self.TRIES):
            a, b, c = (self.make_issue()["slug"] for _ in range(3))
            barrier = threading.Barrier(2)
            results = [None, None]
            threads = [threading.Thread(target=self.patch_parent, args=(a, b, barrier, results, 0)),
                       threading.Thread(target=self.patch_parent, args=(c, a, barrier, results, 1))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            statuses = sorted(r.status for r in results)
            self.assertIn(statuses, ([200, 422], [200, 200]), f"try {attempt}: {[r.body for r in results]!r:.600}")
            if statuses == [200, 200]:
                both += 1
                continue
            loser = results[0] if results[0].status == 422 else results[1]
            self.assertProblem(loser, 422, field="parent")
            # The tree as stored: no issue has a parent that has a parent.
            depth = self.env.psql_value(
                "SELECT count(*) FROM issues i JOIN issues p ON p.id = i.parent_id "
                "WHERE p.parent_id IS NOT NULL AND i.slug IN (:'a', :'b', :'c')", a=a, b=b, c=c)
            self.assertEqual(depth, "0", f"try {attempt}: three levels stored")
        self.assertEqual(both, 0, f"both PATCHes succeeded in {both} of {self.TRIES} tries")
        grandchildren = self.env.psql_value(
            "SELECT count(*) FROM issues i JOIN issues p ON p.id = i.parent_id WHERE p.parent_id IS NOT NULL")
        self.assertEqual(grandchildren, "0", "no issue anywhere sits three levels deep")

    def test_children_read_back_as_two_levels(self):
        """After a race, each issue reads back as either top-level or the child of a top-level one."""
        a, b, c = (self.make_issue()["slug"] for _ in range(3))
        barrier = threading.Barrier(2)
        results = [None, None]
        threads = [threading.Thread(target=self.patch_parent, args=(a, b, barrier, results, 0)),
                   threading.Thread(target=self.patch_parent, args=(c, a, barrier, results, 1))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        records = {s: self.expect(self.get(f"/issues/{s}"), 200) for s in (a, b, c)}
        for s, record in records.items():
            if record["parent"] is not None:
                parent = self.expect(self.get(f"/issues/{record['parent']}"), 200)
                self.assertIsNone(parent["parent"], f"{s}'s parent {record['parent']} is itself a child")


if __name__ == "__main__":
    unittest.main()
