"""GET /shifts: consecutive claims of a party on an issue with different stances, against a model
computed from the claims the test creates; same-day shifts, the filters, keyset pages with Link,
and bad parameters and cursors."""

import base64
import json
import unittest

from harness import ApiTest, q, uid


# The order of "latest" (migration 014): date (undated first), confidence (none counts as 1),
# stance strength, id.
STRENGTH = {"threatens": 6, "demands": 5, "rejects": 4, "proposes": 3, "accepts": 2, "asserts": 1}


def order_key(c):
    return (c["stated_on"] is not None, c["stated_on"] or "", 1.0, STRENGTH[c["stance"]], c["id"])


def shown(claim):
    return {k: claim[k] for k in ("id", "stance", "stated_on", "speaker", "text", "article_id")}


class ShiftsTest(ApiTest):
    def setUp(self):
        self.party = self.make_party(kind="state")
        self.person = self.make_party(kind="person", affiliation=self.party["slug"])
        self.top = self.make_issue()
        self.sub = self.make_issue(parent=self.top["slug"])
        self.other = self.make_issue()
        self.issue_ids = {i["slug"]: i["id"] for i in (self.top, self.sub, self.other)}
        self.parents = {self.top["slug"]: None, self.sub["slug"]: self.top["slug"], self.other["slug"]: None}
        self.claims = []
        P, T, S, O = self.party["slug"], self.top["slug"], self.sub["slug"], self.other["slug"]
        for stance, date, issues, speaker in (
                ("asserts", None, [T], None),             # undated: first in its pair
                ("demands", "2025-11-01", [T, S], self.person["slug"]),
                ("rejects", "2025-11-03", [T], None),      # a shift on T
                ("rejects", "2025-11-04", [S], None),      # same day, stronger: after accepts on S
                ("accepts", "2025-11-04", [S, O], None),   # a shift on S (from demands); first on O
                ("accepts", "2025-11-05", [O], None),      # no change
                ("threatens", "2025-12-01", [O, T], None),
                ("proposes", "2025-12-01", [O], None),     # same day, weaker: before threatens on O
        ):
            self.claims.append(self.make_claim(party=P, stance=stance, stated_on=date, issues=issues,
                                               speaker=speaker, text=f"shift {stance} {uid()}"))

    def model(self, issue=None, since=None):
        shifts = []
        for slug in self.issue_ids:
            if issue and not (slug == issue or self.parents[slug] == issue):
                continue
            pair = sorted((c for c in self.claims if slug in c["issues"]),
                          key=order_key)
            for before, after in zip(pair, pair[1:]):
                if before["stance"] == after["stance"]:
                    continue
                if since and (after["stated_on"] is None or after["stated_on"] < since):
                    continue
                shifts.append({"party": self.party["slug"], "issue": slug, "from": shown(before),
                               "to": shown(after),
                               "same_day": after["stated_on"] is not None
                               and before["stated_on"] == after["stated_on"]})
        shifts.sort(key=lambda s: (s["to"]["stated_on"] or "0000", s["to"]["id"], self.issue_ids[s["issue"]]),
                    reverse=True)
        return shifts

    def test_against_the_model(self):
        expected = self.model()
        self.assertEqual(len(expected), 7, "the fixture's shifts")
        got = self.walk(f"/shifts?party={self.party['slug']}")
        self.assertEqual(got, expected)
        same_day = [(s["issue"], s["from"]["stance"], s["to"]["stance"]) for s in got if s["same_day"]]
        # On one date the stronger statement comes last (it is the cell's latest), whatever the ids.
        self.assertEqual(sorted(same_day), sorted([(self.sub["slug"], "accepts", "rejects"),
                                                   (self.other["slug"], "proposes", "threatens")]))
        first_t = [s for s in got if s["issue"] == self.top["slug"]][-1]
        self.assertIsNone(first_t["from"]["stated_on"], "an undated claim comes first in its pair")
        self.assertEqual((first_t["from"]["stance"], first_t["to"]["stance"]), ("asserts", "demands"))

    def test_filters(self):
        P = self.party["slug"]
        for issue in (self.top["slug"], self.sub["slug"], self.other["slug"]):
            with self.subTest(issue=issue):
                self.assertEqual(self.walk(f"/shifts?party={P}&issue={issue}"), self.model(issue=issue))
        self.assertEqual(len(self.model(issue=self.top["slug"])), 5, "a top-level issue includes its sub-issues")
        for since in ("2025-11-04", "2025-11-05", "2025-12-01", "2026-01-01"):
            with self.subTest(since=since):
                self.assertEqual(self.walk(f"/shifts?party={P}&since={since}"), self.model(since=since))
        self.assertEqual(self.walk(f"/shifts?party={self.person['slug']}"), [],
                         "shifts are the claim's party's; the person spoke for the state")
        self.assertEqual(self.ok_get(f"/shifts?party=nope-{uid()}"), {"items": [], "next": None, "next_url": None})
        self.assertEqual(self.ok_get(f"/shifts?issue=nope-{uid()}"), {"items": [], "next": None, "next_url": None})

    def test_pages_and_link(self):
        P = self.party["slug"]
        expected = self.model()
        for limit in (1, 2, 5):
            with self.subTest(limit=limit):
                self.assertEqual(self.walk(f"/shifts?party={P}", limit=limit, follow_link=True), expected)
        first = self.get(f"/shifts?party={P}&limit=2")
        self.assertEqual(len(first.body["items"]), 2)
        self.assertRegex(first.headers.get("link", ""), r'^</shifts\?limit=2&party=[^>]*&cursor=[^>]+>; rel="next"$')
        resp = self.get(f"/shifts?party={P}&limit=2&cursor={q(first.body['next'])}")
        self.assertEqual(self.expect(resp, 200)["items"], expected[2:4])

    def test_changes_follow_writes(self):
        P = self.party["slug"]
        last = self.claims[-1]
        patched = self.expect(self.patch(f"/claims/{last['id']}", {"stance": "threatens"}), 200)
        self.claims[-1] = patched
        self.assertEqual(self.walk(f"/shifts?party={P}"), self.model())
        self.expect(self.delete(f"/claims/{self.claims[2]['id']}"), 204)
        del self.claims[2]
        self.assertEqual(self.walk(f"/shifts?party={P}"), self.model())

    def test_changes_within_one_article(self):
        """Issue 13, item 10: by default an article counts with its strongest statement, and the
        changes between its own sentences are no shifts; within_article=true shows them."""
        P = self.make_party(kind="state")["slug"]
        issue = self.make_issue()["slug"]
        first = self.make_article()
        second = self.make_article()

        def claim(stance, article, date):
            return self.make_claim(party=P, stance=stance, stated_on=date, issues=[issue], article_id=article)

        a_demands = claim("demands", first, "2025-11-10")
        a_rejects = claim("rejects", first, "2025-11-10")  # later sentence, weaker statement
        b_rejects = claim("rejects", second, "2025-11-12")
        default = self.walk(f"/shifts?party={P}")
        self.assertEqual([(s["from"]["id"], s["to"]["id"]) for s in default], [(a_demands["id"], b_rejects["id"])])
        self.assertFalse(default[0]["same_day"])
        self.assertEqual(self.walk(f"/shifts?party={P}&within_article=false"), default)
        within = self.walk(f"/shifts?party={P}&within_article=true")
        self.assertEqual([(s["from"]["id"], s["to"]["id"], s["same_day"]) for s in within],
                         [(a_demands["id"], b_rejects["id"], False), (a_rejects["id"], a_demands["id"], True)])
        # Confidence first: a surer rejection represents the article, and there is no shift left.
        self.env.psql(f"UPDATE claims SET confidence = 0.9 WHERE id = {a_rejects['id']}")
        self.env.psql(f"UPDATE claims SET confidence = 0.3 WHERE id = {a_demands['id']}")
        self.assertEqual(self.walk(f"/shifts?party={P}"), [])
        self.assertEqual(len(self.walk(f"/shifts?party={P}&within_article=true")), 1)

    def test_bad_requests(self):
        for query, field in (("within_article=yes", "within_article"), ("within_article=", "within_article"),
                             ("within_article=1", "within_article"),("limit=0", "limit"), ("limit=201", "limit"), ("since=2025-02-30", "since"),
                             ("party=Bad", "party"), ("issue=", "issue"), ("stance=demands", "stance"),
                             ("since=2025-01-01&since=2025-01-02", "since")):
            with self.subTest(query=query):
                self.assertProblem(self.get(f"/shifts?{query}"), 400, field=field)

        def cursor(value):
            return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

        for bad in ("abc", cursor(["shifts", "2025-02-30", 1, 1]), cursor(["shifts", "x", 1, 1]),
                    cursor(["-created_at", "2025-01-01", 1]), cursor(["shifts", "2025-01-01", 0, 1]),
                    cursor(["shifts", "2025-01-01", 1, 1, 1])):
            with self.subTest(cursor=bad):
                self.assertProblem(self.get(f"/shifts?cursor={bad}"), 400)
        ok = cursor(["shifts", "-infinity", 1, 1])
        self.assertEqual(self.ok_get(f"/shifts?party={self.party['slug']}&cursor={ok}")["items"], [])


if __name__ == "__main__":
    unittest.main()
