"""Claims: create, read, merge-patch, delete, validation, every filter and the sub-resource lists."""

import unittest

from harness import ApiTest, ETAG_RE, TIMESTAMP_RE, q, uid, word

CLAIM_FIELDS = {"id", "article_id", "party", "speaker", "issues", "stance", "quote", "text", "start", "end",
                "stated_on", "origin", "created_at", "updated_at"}


class ClaimCreate(ApiTest):
    def test_minimal_create_and_defaults(self):
        p = self.make_party()
        resp = self.post("/claims", {"party": p["slug"], "stance": "rejects", "text": "We reject the plan."})
        body = self.expect(resp, 201)
        self.assertEqual(set(body), CLAIM_FIELDS)
        self.assertIsInstance(body["id"], int)
        self.assertEqual(resp.headers.get("location"), f"/claims/{body['id']}")
        self.assertRegex(resp.headers.get("etag", ""), ETAG_RE)
        self.assertEqual(body["party"], p["slug"])
        self.assertEqual(body["stance"], "rejects")
        self.assertEqual(body["text"], "We reject the plan.")
        self.assertIsNone(body["article_id"])
        self.assertIsNone(body["speaker"])
        self.assertEqual(body["issues"], [])
        self.assertIs(body["quote"], False)
        self.assertIsNone(body["start"])
        self.assertIsNone(body["end"])
        self.assertIsNone(body["stated_on"])
        self.assertRegex(body["created_at"], TIMESTAMP_RE)
        got = self.get(f"/claims/{body['id']}")
        self.assertEqual(self.expect(got, 200), body)
        self.assertRegex(got.headers.get("etag", ""), ETAG_RE)

    def test_full_create(self):
        text = "Zürich: the minister demands a ceasefire."
        article = self.make_article(text)
        party = self.make_party(kind="state")
        speaker = self.make_party(kind="person", affiliation=party["slug"])
        top = self.make_issue()
        child = self.make_issue(parent=top["slug"])
        start = text.encode().index(b"demands")
        body = self.expect(self.post("/claims", {
            "article_id": article, "party": party["slug"], "speaker": speaker["slug"],
            "issues": [child["slug"], "ceasefire"], "stance": "demands", "quote": True,
            "text": "demands a ceasefire", "start": start, "end": len(text.encode()),
            "stated_on": "2025-12-29"}), 201)
        self.assertEqual(body["article_id"], article)
        self.assertEqual(body["speaker"], speaker["slug"])
        self.assertEqual(sorted(body["issues"]), sorted([child["slug"], "ceasefire"]))
        self.assertIs(body["quote"], True)
        self.assertEqual((body["start"], body["end"]), (start, len(text.encode())))
        self.assertEqual(body["stated_on"], "2025-12-29")

    def test_every_stance(self):
        p = self.make_party()
        for stance in ("demands", "proposes", "rejects", "accepts", "threatens", "asserts"):
            with self.subTest(stance=stance):
                self.assertEqual(self.make_claim(party=p["slug"], stance=stance)["stance"], stance)

    def test_offsets_are_bytes_of_the_article(self):
        text = "Ünïcödé"  # 7 characters, 11 bytes
        article = self.make_article(text + f" {uid()}")
        p = self.make_party()
        ok = self.make_claim(party=p["slug"], article_id=article, start=0, end=len(text.encode()))
        self.assertEqual(ok["end"], 11)
        # The whole article, in bytes, is within bounds.
        full_len = len(self.ok_get(f"/articles/{article}")["text"].encode())
        self.expect(self.post("/claims", {"party": p["slug"], "stance": "asserts", "text": "x",
                                          "article_id": article, "start": full_len, "end": full_len}), 201)
        self.assertProblem(self.post("/claims", {"party": p["slug"], "stance": "asserts", "text": "x",
                                                 "article_id": article, "start": 0, "end": full_len + 1}),
                           422, field="end")

    def test_invalid_values_422(self):
        p = self.make_party()
        article = self.make_article("Short article.")
        base = {"party": p["slug"], "stance": "demands", "text": "t"}
        cases = [
            ({"party": "nope-" + uid()}, "party"),
            ({"speaker": "nope-" + uid()}, "speaker"),
            ({"issues": ["nope-" + uid()]}, "issues"),
            ({"issues": ["ceasefire", "nope-" + uid()]}, "issues"),
            ({"stance": "wants"}, "stance"),
            ({"stance": "Demands"}, "stance"),
            ({"text": ""}, "text"),
            ({"text": "x" * 10001}, "text"),
            ({"article_id": article, "start": 5, "end": 2}, None),
            ({"article_id": article, "start": 0, "end": 1000}, "end"),
            ({"article_id": article, "start": 1}, None),
            ({"article_id": article, "end": 1}, None),
            ({"start": 0, "end": 1}, None),
            ({"article_id": article, "start": -1, "end": 2}, "start"),
            ({"article_id": 999999999}, None),
        ]
        for extra, field in cases:
            with self.subTest(extra={k: (v if not isinstance(v, str) or len(v) < 50 else v[:10] + "...")
                                     for k, v in extra.items()}):
                self.assertProblem(self.post("/claims", {**base, **extra}), 422, field=field)

    def test_text_of_10000_characters_accepted(self):
        self.assertEqual(len(self.make_claim(text="é" * 10000)["text"]), 10000)

    def test_missing_required(self):
        p = self.make_party()
        for body, field in (({"stance": "demands", "text": "t"}, "party"),
                            ({"party": p["slug"], "text": "t"}, "stance"),
                            ({"party": p["slug"], "stance": "demands"}, "text")):
            with self.subTest(missing=field):
                self.assertProblem(self.post("/claims", body), None, field=field, statuses=(400, 422))

    def test_wrong_types_400(self):
        p = self.make_party()
        base = {"party": p["slug"], "stance": "demands", "text": "t"}
        cases = [{"stance": 1}, {"quote": "yes"}, {"quote": 1}, {"issues": "ceasefire"}, {"issues": [1]},
                 {"issues": [None]}, {"start": "1", "end": 2}, {"start": 1.5, "end": 2}, {"article_id": "1"},
                 {"stated_on": 20250101}, {"party": 1}, {"speaker": ["x"]}, {"text": {"a": 1}},
                 {"unknown": 1}, {"id": 1}, {"updated_at": "2025-01-01T00:00:00.000000Z"}]
        for extra in cases:
            with self.subTest(extra=extra):
                self.assertProblem(self.post("/claims", {**base, **extra}), 400)

    def test_malformed_date(self):
        p = self.make_party()
        for bad in ("yesterday", "2025-1-1", "2025-01-01T00:00:00Z", "", "2025-02-30", "2025-13-01"):
            with self.subTest(stated_on=bad):
                self.assertProblem(self.post("/claims", {"party": p["slug"], "stance": "demands", "text": "t",
                                                         "stated_on": bad}), None, field="stated_on",
                                   statuses=(400, 422))

    def test_get_unknown_and_bad_ids(self):
        self.assertProblem(self.get("/claims/999999999"), 404)
        for bad in ("abc", "0x10", "-1", "1.5", "99999999999999999999999"):
            with self.subTest(id=bad):
                self.assertProblem(self.get(f"/claims/{bad}"), None, statuses=(400, 404))


class ClaimPatchDelete(ApiTest):
    def test_patch_fields(self):
        c = self.make_claim(stance="demands")
        speaker = self.make_party(kind="person")
        resp = self.patch(f"/claims/{c['id']}", {"stance": "proposes", "speaker": speaker["slug"], "quote": True,
                                                 "issues": ["sanctions"], "stated_on": "2026-01-30"},
                          headers={"Content-Type": "application/merge-patch+json"})
        body = self.expect(resp, 200)
        self.assertEqual(body["stance"], "proposes")
        self.assertEqual(body["speaker"], speaker["slug"])
        self.assertIs(body["quote"], True)
        self.assertEqual(body["issues"], ["sanctions"])
        self.assertEqual(body["stated_on"], "2026-01-30")
        self.assertEqual(body["text"], c["text"])
        self.assertEqual(body["party"], c["party"])
        self.assertRegex(resp.headers.get("etag", ""), ETAG_RE)
        self.assertEqual(self.ok_get(f"/claims/{c['id']}"), body)

    def test_null_clears_nullable(self):
        article = self.make_article("An article of some length for offsets.")
        speaker = self.make_party(kind="person")
        c = self.make_claim(article_id=article, speaker=speaker["slug"], start=0, end=5, stated_on="2025-01-01")
        body = self.expect(self.patch(f"/claims/{c['id']}", {"speaker": None, "stated_on": None,
                                                             "start": None, "end": None}), 200)
        self.assertIsNone(body["speaker"])
        self.assertIsNone(body["stated_on"])
        self.assertIsNone(body["start"])
        self.assertIsNone(body["end"])
        self.assertEqual(body["article_id"], article)
        body = self.expect(self.patch(f"/claims/{c['id']}", {"article_id": None}), 200)
        self.assertIsNone(body["article_id"])

    def test_null_on_required_422(self):
        c = self.make_claim()
        for field in ("party", "stance", "text"):
            with self.subTest(field=field):
                self.assertProblem(self.patch(f"/claims/{c['id']}", {field: None}), 422, field=field)
        self.assertEqual(self.ok_get(f"/claims/{c['id']}"), c)

    def test_patch_validates_the_whole_result(self):
        article = self.make_article("0123456789")
        c = self.make_claim(article_id=article, start=2, end=4)
        # Only one offset cleared: both must be null or both given.
        self.assertProblem(self.patch(f"/claims/{c['id']}", {"start": None}), 422)
        # end before the existing start.
        self.assertProblem(self.patch(f"/claims/{c['id']}", {"end": 1}), 422)
        # Beyond the article.
        self.assertProblem(self.patch(f"/claims/{c['id']}", {"end": 11}), 422, field="end")
        # Offsets left without an article.
        self.assertProblem(self.patch(f"/claims/{c['id']}", {"article_id": None}), 422)
        self.assertProblem(self.patch(f"/claims/{c['id']}", {"issues": ["nope-" + uid()]}), 422, field="issues")
        self.assertProblem(self.patch(f"/claims/{c['id']}", {"stance": "wants"}), 422, field="stance")
        self.assertProblem(self.patch(f"/claims/{c['id']}", {"party": "nope-" + uid()}), 422, field="party")
        self.assertEqual(self.ok_get(f"/claims/{c['id']}"), c)
        body = self.expect(self.patch(f"/claims/{c['id']}", {"end": 10}), 200)
        self.assertEqual((body["start"], body["end"]), (2, 10))

    def test_patch_wrong_types_400(self):
        c = self.make_claim()
        for patch in ({"quote": "no"}, {"start": "1"}, {"issues": {}}, {"id": 2}, {"nope": 1}):
            with self.subTest(patch=patch):
                self.assertProblem(self.patch(f"/claims/{c['id']}", patch), 400)

    def test_patch_unknown_404(self):
        self.assertProblem(self.patch("/claims/999999999", {"stance": "asserts"}), 404)

    def test_delete(self):
        c = self.make_claim()
        resp = self.delete(f"/claims/{c['id']}")
        self.assertEqual(resp.status, 204)
        self.assertProblem(self.get(f"/claims/{c['id']}"), 404)
        self.assertProblem(self.delete(f"/claims/{c['id']}"), 404)


# Rows of issue_tree_claims that differ from a recount of the links (each issue's claims and its
# sub-issues', with the number of links that put each there).
TREE_DRIFT = """
WITH fresh AS (
  SELECT t.issue_id, ci.created_at, ci.claim_id, count(*) AS links
  FROM claim_issues ci JOIN issues i ON i.id = ci.issue_id
  CROSS JOIN LATERAL (VALUES (i.id), (i.parent_id)) AS t (issue_id)
  WHERE t.issue_id IS NOT NULL GROUP BY 1, 2, 3),
kept AS (SELECT issue_id, created_at, claim_id, links::bigint FROM issue_tree_claims)
SELECT count(*) FROM ((TABLE fresh EXCEPT TABLE kept) UNION ALL (TABLE kept EXCEPT TABLE fresh)) d
"""


class ClaimFilters(ApiTest):
    """A private world: parties P1, P2 (and speaker S), issues TOP > SUB, OTHER, an article."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.server
        cls.word = word()
        cls.word2 = word()

        def post(path, body):
            resp = srv.request("POST", path, body)
            assert resp.status == 201, (path, body, resp)
            return resp.body

        def party(kind="state"):
            return post("/parties", {"name": f"F {uid()}", "kind": kind, "slug": f"cf-{uid()}"})["slug"]

        def issue(parent=None):
            return post("/issues", {"name": f"F {uid()}", "slug": f"cf-{uid()}", "parent": parent})["slug"]

        cls.p1, cls.p2, cls.s = party(), party(), party("person")
        cls.top = issue()
        cls.sub = issue(cls.top)
        cls.other = issue()
        cls.article = cls.env.insert_article(f"Filter article {uid()} with enough text for offsets.",
                                             title="Filters", published="2025-06-01")

        def claim(**body):
            return post("/claims", body)["id"]

        cls.c1 = claim(party=cls.p1, stance="demands", text=f"The {cls.word} must stop.",
                       issues=[cls.sub], stated_on="2025-01-10")
        cls.c2 = claim(party=cls.p2, speaker=cls.p1, stance="rejects", text="No to the plan.",
                       issues=[cls.top], stated_on="2025-02-10")
        cls.c3 = claim(party=cls.p2, stance="demands", text=f"Talks about {cls.word2}.",
                       article_id=cls.article, start=0, end=6)
        cls.c4 = claim(party=cls.p2, speaker=cls.s, stance="proposes", text=f"A {cls.word} and {cls.word2}.",
                       issues=[cls.other, cls.sub], stated_on="2024-12-31", article_id=cls.article)
        cls.all = [cls.c1, cls.c2, cls.c3, cls.c4]

    def ids(self, path):
        return [i["id"] for i in self.walk(path)]

    def test_party(self):
        self.assertEqual(self.ids(f"/claims?party={self.p1}"), [self.c1])
        self.assertEqual(self.ids(f"/claims?party={self.p2}"), [self.c4, self.c3, self.c2])
        self.assertEqual(self.ids(f"/claims?party=nope-{uid()}"), [])

    def test_speaker(self):
        self.assertEqual(self.ids(f"/claims?speaker={self.p1}"), [self.c2])
        self.assertEqual(self.ids(f"/claims?speaker={self.s}"), [self.c4])
        self.assertEqual(self.ids(f"/claims?speaker={self.p2}"), [])

    def test_issue_includes_sub_issues(self):
        self.assertEqual(self.ids(f"/claims?issue={self.top}"), [self.c4, self.c2, self.c1])
        self.assertEqual(self.ids(f"/claims?issue={self.sub}"), [self.c4, self.c1])
        self.assertEqual(self.ids(f"/claims?issue={self.other}"), [self.c4])
        self.assertEqual(self.ids(f"/claims?issue=nope-{uid()}"), [])

    def test_issue_pages_in_every_sort(self):
        """An issue's claims come from its links (migration 009): page by page, in each sort, the
        same claims as the claims' own order gives, each once."""
        extra = self.make_claim(issues=[self.sub, self.top], stance="asserts")
        try:
            claims = [self.ok_get(f"/claims/{i}") for i in (self.c1, self.c2, self.c4, extra["id"])]
            orders = {
                "created_at": sorted(claims, key=lambda c: (c["created_at"], c["id"])),
                "stated_on": sorted(claims, key=lambda c: (c["stated_on"] or "", c["id"])),
            }
            for sort, ordered in orders.items():
                for name, expected in ((sort, ordered), (f"-{sort}", ordered[::-1])):
                    with self.subTest(sort=name):
                        self.assertEqual([c["id"] for c in self.walk(f"/claims?issue={self.top}&sort={name}",
                                                                      limit=1)],
                                         [c["id"] for c in expected])
            self.assertEqual(self.ids(f"/claims?issue={self.sub}&stance=asserts"), [extra["id"]])
        finally:
            self.delete(f"/claims/{extra['id']}")

    def test_issue_lists_follow_links_and_moves(self):
        """An issue's list reads issue_tree_claims (migration 015): it follows PATCHed links, a
        sub-issue moving to another parent and deletes, and the table equals a recount."""
        top2 = self.make_issue()["slug"]
        sub2 = self.make_issue(parent=self.top)["slug"]
        c = self.make_claim(issues=[self.top, sub2], stance="threatens")

        def listed(issue):
            return self.ids(f"/claims?issue={issue}&stance=threatens")

        try:
            self.assertEqual(listed(self.top), [c["id"]])
            self.expect(self.patch(f"/claims/{c['id']}", {"issues": [sub2]}), 200)
            self.assertEqual(listed(self.top), [c["id"]], "still there through the sub-issue")
            self.expect(self.patch(f"/issues/{sub2}", {"parent": top2}), 200)
            self.assertEqual((listed(self.top), listed(top2), listed(sub2)), ([], [c["id"]], [c["id"]]))
            self.expect(self.patch(f"/claims/{c['id']}", {"issues": [top2, sub2]}), 200)
            self.assertEqual(listed(top2), [c["id"]])
            self.assertEqual(self.env.psql_value(TREE_DRIFT), "0")
        finally:
            self.expect(self.delete(f"/claims/{c['id']}"), 204)
        self.assertEqual((listed(top2), listed(sub2)), ([], []))
        self.assertEqual(self.env.psql_value(TREE_DRIFT), "0")

    def test_claim_in_parent_and_sub_issue_listed_once(self):
        c = self.make_claim(issues=[self.top, self.sub], stance="asserts")
        try:
            ids = self.ids(f"/claims?issue={self.top}&stance=asserts")
            self.assertEqual(ids, [c["id"]])
        finally:
            self.delete(f"/claims/{c['id']}")

    def test_stance(self):
        self.assertEqual(self.ids(f"/claims?party={self.p2}&stance=demands"), [self.c3])
        self.assertEqual(self.ids(f"/claims?party={self.p2}&stance=threatens"), [])
        self.assertProblem(self.get("/claims?stance=wants"), 400, field="stance")

    def test_article(self):
        self.assertEqual(self.ids(f"/claims?article={self.article}"), [self.c4, self.c3])
        self.assertEqual(self.ids("/claims?article=999999999"), [])
        self.assertProblem(self.get("/claims?article=abc"), 400, field="article")

    def test_since_until_inclusive(self):
        base = f"/claims?party={self.p1}"
        self.assertEqual(self.ids(f"{base}&since=2025-01-10"), [self.c1])
        self.assertEqual(self.ids(f"{base}&until=2025-01-10"), [self.c1])
        self.assertEqual(self.ids(f"{base}&since=2025-01-11"), [])
        self.assertEqual(self.ids(f"{base}&until=2025-01-09"), [])
        base = f"/claims?party={self.p2}"
        self.assertEqual(self.ids(f"{base}&since=2025-01-01"), [self.c2])
        self.assertEqual(self.ids(f"{base}&until=2025-01-01"), [self.c4])
        self.assertEqual(self.ids(f"{base}&since=2024-12-31&until=2025-02-10"), [self.c4, self.c2])

    def test_bad_dates_400(self):
        for query in ("since=2025-13-01", "until=yesterday", "since=2025-02-30", "since=", "until=20250101"):
            with self.subTest(query=query):
                self.assertProblem(self.get(f"/claims?{query}"), 400, field=query.split("=")[0])

    def test_full_text_q(self):
        self.assertEqual(self.ids(f"/claims?q={self.word}"), [self.c4, self.c1])
        self.assertEqual(self.ids(f"/claims?q={self.word2}"), [self.c4, self.c3])
        self.assertEqual(self.ids(f"/claims?q={q(self.word + ' ' + self.word2)}"), [self.c4])
        self.assertEqual(self.ids(f"/claims?q={self.word}&party={self.p1}"), [self.c1])
        self.assertEqual(self.ids(f"/claims?q={word()}"), [])

    def test_full_text_syntax_is_safe(self):
        for text in ("'", ":*", "a & b", "!", "(", "a | | b", "\\", "<->", "\"unterminated", "-", "or", "a:b:c"):
            with self.subTest(q=text):
                resp = self.get(f"/claims?q={q(text)}&party={self.p1}")
                self.assertEqual(resp.status, 200, resp.body)
                self.assertEqual(resp.body["items"], [])
                resp = self.get(f"/articles?q={q(text)}")
                self.assertEqual(resp.status, 200, resp.body)

    def test_since_after_until_is_empty(self):
        self.assertEqual(self.ids(f"/claims?party={self.p2}&since=2025-03-01&until=2025-01-01"), [])

    def test_combined_filters(self):
        self.assertEqual(self.ids(f"/claims?party={self.p2}&issue={self.top}&stance=rejects&speaker={self.p1}"),
                         [self.c2])
        self.assertEqual(self.ids(f"/claims?party={self.p2}&issue={self.top}&stance=demands"), [])

    def test_sorts(self):
        base = f"/claims?party={self.p2}"
        self.assertEqual(self.ids(f"{base}&sort=created_at"), [self.c2, self.c3, self.c4])
        self.assertEqual(self.ids(f"{base}&sort=-created_at"), [self.c4, self.c3, self.c2])
        # Null dates first ascending, last descending.
        self.assertEqual(self.ids(f"{base}&sort=stated_on"), [self.c3, self.c4, self.c2])
        self.assertEqual(self.ids(f"{base}&sort=-stated_on"), [self.c2, self.c4, self.c3])
        self.assertProblem(self.get("/claims?sort=slug"), 400, field="sort")
        self.assertProblem(self.get("/claims?sort=published"), 400, field="sort")

    def test_sorts_paginate_exactly(self):
        for sort in ("stated_on", "-stated_on", "created_at", "-created_at"):
            with self.subTest(sort=sort):
                items = self.walk(f"/claims?party={self.p2}&sort={sort}", limit=1)
                self.assertEqual(sorted(i["id"] for i in items), sorted([self.c2, self.c3, self.c4]))
                self.assertEqual([i["id"] for i in items], self.ids(f"/claims?party={self.p2}&sort={sort}"))

    # Sub-resource lists ------------------------------------------------

    def test_party_claims_as_party_or_speaker(self):
        self.assertEqual(self.ids(f"/parties/{self.p1}/claims"), [self.c2, self.c1])
        self.assertEqual(self.ids(f"/parties/{self.p2}/claims"), [self.c4, self.c3, self.c2])
        self.assertEqual(self.ids(f"/parties/{self.s}/claims"), [self.c4])
        self.assertEqual(self.ids(f"/parties/{self.p2}/claims?stance=demands"), [self.c3])
        self.assertEqual(self.ids(f"/parties/{self.p1}/claims?sort=created_at"), [self.c1, self.c2])
        self.assertEqual(self.ids(f"/parties/{self.p1}/claims?q={self.word}"), [self.c1])

    def test_issue_claims_with_sub_issues(self):
        self.assertEqual(self.ids(f"/issues/{self.top}/claims"), [self.c4, self.c2, self.c1])
        self.assertEqual(self.ids(f"/issues/{self.sub}/claims"), [self.c4, self.c1])
        self.assertEqual(self.ids(f"/issues/{self.top}/claims?party={self.p1}"), [self.c1])
        self.assertEqual(self.ids(f"/issues/{self.top}/claims?until=2025-01-31"), [self.c4, self.c1])

    def test_article_claims(self):
        self.assertEqual(self.ids(f"/articles/{self.article}/claims"), [self.c4, self.c3])
        self.assertEqual(self.ids(f"/articles/{self.article}/claims?stance=proposes"), [self.c4])

    def test_sub_resource_of_unknown_record_404(self):
        self.assertProblem(self.get(f"/parties/nope-{uid()}/claims"), 404)
        self.assertProblem(self.get(f"/issues/nope-{uid()}/claims"), 404)
        self.assertProblem(self.get("/articles/999999999/claims"), 404)

    def test_sub_resource_rejects_the_filter_fixed_by_its_path(self):
        self.assertProblem(self.get(f"/parties/{self.p1}/claims?party={self.p1}"), 400, field="party")
        self.assertProblem(self.get(f"/issues/{self.top}/claims?issue={self.top}"), 400, field="issue")
        self.assertProblem(self.get(f"/articles/{self.article}/claims?article={self.article}"), 400,
                           field="article")

    def test_sub_resource_pagination(self):
        items = self.walk(f"/parties/{self.p2}/claims", limit=1, follow_link=True)
        self.assertEqual([i["id"] for i in items], [self.c4, self.c3, self.c2])


if __name__ == "__main__":
    unittest.main()
