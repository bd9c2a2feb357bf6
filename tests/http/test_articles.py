"""Articles (inserted with SQL until the loader exists): read, merge-patch, delete, claims, filters."""

import hashlib
import unittest

from harness import ApiTest, ETAG_RE, TIMESTAMP_RE, q, uid, word

ARTICLE_FIELDS = {"id", "sha256", "title", "url", "published", "updated", "authors", "dateline", "text",
                  "claim_count", "created_at", "updated_at"}


class ArticleRead(ApiTest):
    def test_get_article(self):
        text = f"MOSCOW, Dec 29 — Talks resumed {uid()}. «Ünïcode» text."
        aid = self.make_article(text, title="Talks resume", url="https://example.org/a", published="2025-12-29",
                                updated="2025-12-30", authors=["A. Writer", "B. Reporter"], dateline="MOSCOW")
        resp = self.get(f"/articles/{aid}")
        body = self.expect(resp, 200)
        self.assertEqual(set(body), ARTICLE_FIELDS)
        self.assertRegex(resp.headers.get("etag", ""), ETAG_RE)
        self.assertEqual(body["id"], aid)
        self.assertEqual(body["sha256"], hashlib.sha256(text.encode()).hexdigest())
        self.assertEqual(body["title"], "Talks resume")
        self.assertEqual(body["url"], "https://example.org/a")
        self.assertEqual(body["published"], "2025-12-29")
        self.assertEqual(body["updated"], "2025-12-30")
        self.assertEqual(body["authors"], ["A. Writer", "B. Reporter"])
        self.assertEqual(body["dateline"], "MOSCOW")
        self.assertEqual(body["text"], text)
        self.assertEqual(body["claim_count"], 0)
        self.assertRegex(body["created_at"], TIMESTAMP_RE)

    def test_nullable_fields_null(self):
        aid = self.make_article()
        body = self.ok_get(f"/articles/{aid}")
        for k in ("title", "url", "published", "updated", "dateline"):
            self.assertIsNone(body[k], k)
        self.assertEqual(body["authors"], [])

    def test_claim_count_follows_claims(self):
        aid = self.make_article()
        c1 = self.make_claim(article_id=aid)
        self.make_claim(article_id=aid)
        self.assertEqual(self.ok_get(f"/articles/{aid}")["claim_count"], 2)
        self.assertEqual(self.delete(f"/claims/{c1['id']}").status, 204)
        self.assertEqual(self.ok_get(f"/articles/{aid}")["claim_count"], 1)

    def test_unknown_404(self):
        self.assertProblem(self.get("/articles/999999999"), 404)
        for bad in ("abc", "-5", "1e3"):
            with self.subTest(id=bad):
                self.assertProblem(self.get(f"/articles/{bad}"), None, statuses=(400, 404))


class ArticlePatchDelete(ApiTest):
    def test_patch_writable_fields(self):
        aid = self.make_article(title="Old", published="2025-01-01")
        before = self.ok_get(f"/articles/{aid}")
        resp = self.patch(f"/articles/{aid}", {"title": "New", "url": "https://example.org/n",
                                               "published": "2025-02-03", "updated": "2025-02-04",
                                               "authors": ["X"], "dateline": "KYIV"},
                          headers={"Content-Type": "application/merge-patch+json"})
        body = self.expect(resp, 200)
        self.assertRegex(resp.headers.get("etag", ""), ETAG_RE)
        self.assertEqual((body["title"], body["url"], body["published"], body["updated"], body["authors"],
                          body["dateline"]),
                         ("New", "https://example.org/n", "2025-02-03", "2025-02-04", ["X"], "KYIV"))
        self.assertEqual(body["text"], before["text"])
        self.assertEqual(body["sha256"], before["sha256"])
        self.assertEqual(self.ok_get(f"/articles/{aid}"), body)

    def test_null_clears_nullable(self):
        aid = self.make_article(title="T", url="https://example.org", published="2025-01-01", dateline="D")
        body = self.expect(self.patch(f"/articles/{aid}", {"title": None, "url": None, "published": None,
                                                           "dateline": None}), 200)
        for k in ("title", "url", "published", "dateline"):
            self.assertIsNone(body[k], k)

    def test_read_only_fields_400(self):
        aid = self.make_article()
        before = self.ok_get(f"/articles/{aid}")
        for patch in ({"text": "changed"}, {"sha256": "0" * 64}, {"claim_count": 3}, {"id": 1},
                      {"created_at": "2025-01-01T00:00:00.000000Z"}, {"bogus": 1}):
            with self.subTest(patch=patch):
                self.assertProblem(self.patch(f"/articles/{aid}", patch), 400, field=next(iter(patch)))
        self.assertEqual(self.ok_get(f"/articles/{aid}"), before)

    def test_invalid_values(self):
        aid = self.make_article()
        for patch in ({"published": "2025-02-30"}, {"published": "soon"}, {"updated": "2025-13-01"}):
            with self.subTest(patch=patch):
                self.assertProblem(self.patch(f"/articles/{aid}", patch), None, statuses=(400, 422),
                                   field=next(iter(patch)))
        for patch in ({"title": 5}, {"authors": "X"}, {"authors": [1]}, {"published": 20250101}):
            with self.subTest(patch=patch):
                self.assertProblem(self.patch(f"/articles/{aid}", patch), 400)

    def test_patch_unknown_404(self):
        self.assertProblem(self.patch("/articles/999999999", {"title": "x"}), 404)

    def test_delete_deletes_its_claims(self):
        aid = self.make_article()
        c = self.make_claim(article_id=aid)
        other = self.make_claim()
        resp = self.delete(f"/articles/{aid}")
        self.assertEqual(resp.status, 204)
        self.assertProblem(self.get(f"/articles/{aid}"), 404)
        self.assertProblem(self.get(f"/claims/{c['id']}"), 404)
        self.expect(self.get(f"/claims/{other['id']}"), 200)
        self.assertProblem(self.delete(f"/articles/{aid}"), 404)
        # The party of the deleted claim is no longer referenced by it.
        self.assertEqual(self.delete(f"/parties/{c['party']}").status, 204)

    def test_delete_if_match(self):
        aid = self.make_article()
        etag = self.get(f"/articles/{aid}").headers["etag"]
        self.assertProblem(self.delete(f"/articles/{aid}", headers={"If-Match": '"' + "f" * 32 + '"'}), 412)
        self.assertEqual(self.delete(f"/articles/{aid}", headers={"If-Match": etag}).status, 204)


class ArticleList(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.w_title, cls.w_text, cls.w_all = word(), word(), word()
        ins = cls.env.insert_article
        cls.a1 = ins(f"First text {cls.w_text} {cls.w_all}.", title=f"Jan {cls.w_all}", published="2025-01-15")
        cls.a2 = ins(f"Second text {cls.w_all}.", title=f"Headline {cls.w_title}", published="2025-02-01")
        cls.a3 = ins(f"Third text {cls.w_all}.", title=None, published=None)
        cls.a4 = ins(f"Fourth text {cls.w_all} {cls.w_text}.", title="Mar", published="2025-03-31")

    def ids(self, path):
        return [i["id"] for i in self.walk(path)]

    def test_q_full_text_over_title_and_text(self):
        self.assertEqual(self.ids(f"/articles?q={self.w_title}"), [self.a2])
        self.assertEqual(self.ids(f"/articles?q={self.w_text}"), [self.a4, self.a1])
        self.assertEqual(self.ids(f"/articles?q={self.w_all}"), [self.a4, self.a3, self.a2, self.a1])
        self.assertEqual(self.ids(f"/articles?q={word()}"), [])

    def test_since_until_on_published_inclusive(self):
        base = f"/articles?q={self.w_all}"
        self.assertEqual(self.ids(f"{base}&since=2025-02-01"), [self.a4, self.a2])
        self.assertEqual(self.ids(f"{base}&until=2025-02-01"), [self.a2, self.a1])
        self.assertEqual(self.ids(f"{base}&since=2025-01-15&until=2025-01-15"), [self.a1])
        self.assertEqual(self.ids(f"{base}&since=2025-04-01"), [])
        self.assertProblem(self.get("/articles?since=2025-02-30"), 400, field="since")
        self.assertProblem(self.get("/articles?until=x"), 400, field="until")

    def test_sorts(self):
        base = f"/articles?q={self.w_all}"
        self.assertEqual(self.ids(f"{base}&sort=published"), [self.a3, self.a1, self.a2, self.a4])
        self.assertEqual(self.ids(f"{base}&sort=-published"), [self.a4, self.a2, self.a1, self.a3])
        self.assertEqual(self.ids(f"{base}&sort=created_at"), [self.a1, self.a2, self.a3, self.a4])
        items = self.walk(f"{base}&sort=-published", limit=1, follow_link=True)
        self.assertEqual([i["id"] for i in items], [self.a4, self.a2, self.a1, self.a3])
        self.assertProblem(self.get("/articles?sort=stated_on"), 400, field="sort")
        self.assertProblem(self.get("/articles?sort=slug"), 400, field="sort")

    def test_unknown_filters_400(self):
        for query in ("party=x", "kind=state", "stance=demands", f"q={self.w_all}&q=x"):
            with self.subTest(query=query):
                self.assertProblem(self.get(f"/articles?{query}"), 400)

    def test_list_items_carry_claim_count(self):
        items = self.walk(f"/articles?q={q(self.w_title)}")
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["claim_count"], 0)
        self.assertEqual(items[0]["id"], self.a2)


if __name__ == "__main__":
    unittest.main()
