"""Issues: the seeded catalogue, create, read, merge-patch, delete, the two-level tree, filters."""

import unittest

from harness import ApiTest, ETAG_RE, TIMESTAMP_RE, q, slug, slugs_of, uid, word

# The default catalogue (../shared/spec/issues.json): slug -> parent.
SEEDED = {
    'peace-deal': None,
    'territory': None,
    'donbas': 'territory',
    'zaporizhzhia-kherson': 'territory',
    'crimea': 'territory',
    'free-economic-zone': 'territory',
    'frontline-freeze': 'territory',
    'zaporizhzhia-npp': None,
    'security-guarantees': None,
    'foreign-troops': 'security-guarantees',
    'ceasefire': None,
    'referendum': None,
    'leaders-meeting': None,
    'frozen-assets': None,
    'sanctions': None,
    'nato-membership': None,
    'armed-forces-limits': None,
    'elections': None,
    'prisoner-exchange': None,
    'energy-infrastructure': None,
}


class SeededCatalogue(ApiTest):
    def test_all_twenty_seeded_issues_with_parents(self):
        items = self.walk("/issues?sort=slug", limit=200)
        got = {i["slug"]: i["parent"] for i in items}
        for s, parent in SEEDED.items():
            with self.subTest(slug=s):
                self.assertIn(s, got)
                self.assertEqual(got[s], parent)

    def test_seeded_records(self):
        donbas = self.ok_get("/issues/donbas")
        self.assertEqual(donbas["name"], "Donbas")
        self.assertEqual(donbas["parent"], "territory")
        self.assertTrue(donbas["description"].startswith("Control of the Donetsk and Luhansk regions"))
        self.assertIsInstance(donbas["keywords"], list)
        peace = self.ok_get("/issues/peace-deal")
        self.assertEqual(peace["name"], "Peace deal")
        self.assertIsNone(peace["parent"])
        self.assertEqual(self.ok_get("/issues/leaders-meeting")["name"], "Leaders' meeting")
        self.assertEqual(self.ok_get("/issues/foreign-troops")["parent"], "security-guarantees")

    def test_parent_filter_on_seeded_tree(self):
        items = self.walk("/issues?parent=territory")
        self.assertEqual(sorted(slugs_of(items)),
                         sorted(s for s, p in SEEDED.items() if p == "territory"))
        self.assertEqual(slugs_of(self.walk("/issues?parent=security-guarantees")), ["foreign-troops"])
        self.assertEqual(self.walk("/issues?parent=ceasefire"), [])

    def test_delete_seeded_parent_with_children_409(self):
        self.assertProblem(self.delete("/issues/territory"), 409)
        self.expect(self.get("/issues/territory"), 200)


class IssueCreate(ApiTest):
    def test_create_with_name_only(self):
        n = uid()
        resp = self.post("/issues", {"name": f"Grain Corridor {n}"})
        body = self.expect(resp, 201)
        self.assertEqual(body["slug"], f"grain-corridor-{n}")
        self.assertEqual(resp.headers.get("location"), f"/issues/grain-corridor-{n}")
        self.assertRegex(resp.headers.get("etag", ""), ETAG_RE)
        self.assertEqual(body["description"], "")
        self.assertIsNone(body["parent"])
        self.assertEqual(body["keywords"], [])
        self.assertIsInstance(body["id"], int)
        self.assertRegex(body["created_at"], TIMESTAMP_RE)
        self.assertRegex(body["updated_at"], TIMESTAMP_RE)
        self.assertEqual(set(body), {"id", "slug", "name", "description", "parent", "keywords",
                                     "created_at", "updated_at"})
        self.assertEqual(self.ok_get(f"/issues/{body['slug']}"), body)

    def test_create_full(self):
        top = self.make_issue()
        s = slug("i")
        body = self.expect(self.post("/issues", {"slug": s, "name": "Black Sea shipping",
                                                 "description": "Ships & ports.", "parent": top["slug"],
                                                 "keywords": ["grain", "Odesa"]}), 201)
        self.assertEqual(body["slug"], s)
        self.assertEqual(body["parent"], top["slug"])
        self.assertEqual(body["description"], "Ships & ports.")
        self.assertEqual(body["keywords"], ["grain", "Odesa"])

    def test_duplicate_slug_409(self):
        i = self.make_issue()
        self.assertProblem(self.post("/issues", {"slug": i["slug"], "name": "Again"}), 409)
        self.assertProblem(self.post("/issues", {"slug": "donbas", "name": "Donbas again"}), 409)

    def test_bad_slug_422(self):
        for bad in ("Bad", "a_b", "-" * 65, ""):
            with self.subTest(slug=bad):
                self.assertProblem(self.post("/issues", {"slug": bad, "name": "X"}), 422, field="slug")

    def test_unknown_parent_422(self):
        self.assertProblem(self.post("/issues", {"name": "X", "slug": slug("i"), "parent": "nope-" + uid()}),
                           422, field="parent")

    def test_parent_that_is_itself_a_child_422(self):
        self.assertProblem(self.post("/issues", {"name": "X", "slug": slug("i"), "parent": "donbas"}),
                           422, field="parent")
        top = self.make_issue()
        child = self.make_issue(parent=top["slug"])
        self.assertProblem(self.post("/issues", {"name": "X", "slug": slug("i"), "parent": child["slug"]}),
                           422, field="parent")

    def test_missing_name(self):
        self.assertProblem(self.post("/issues", {"slug": slug("i")}), None, field="name", statuses=(400, 422))

    def test_wrong_types_and_unknown_fields_400(self):
        for body in ({"name": 1}, {"name": "X", "keywords": "k"}, {"name": "X", "keywords": [1]},
                     {"name": "X", "parent": 5}, {"name": "X", "description": None},
                     {"name": "X", "colour": "red"}, {"name": "X", "id": 3}):
            with self.subTest(body=body):
                resp = self.post("/issues", dict(body, slug=slug("i")))
                if body.get("description", "") is None:
                    # description is not nullable: a type error (400) or an invalid value (422).
                    self.assertProblem(resp, None, statuses=(400, 422))
                else:
                    self.assertProblem(resp, 400)

    def test_limits_422(self):
        self.assertEqual(len(self.make_issue(description="d" * 2000)["description"]), 2000)
        cases = [({"description": "d" * 2001}, "description"), ({"name": "n" * 201}, "name"),
                 ({"keywords": [""]}, "keywords"), ({"keywords": ["k" * 201]}, "keywords"),
                 ({"keywords": [f"k{i}" for i in range(101)]}, "keywords")]
        for extra, field in cases:
            with self.subTest(field=field):
                body = {"name": "X", "slug": slug("i"), **extra}
                self.assertProblem(self.post("/issues", body), 422, field=field)


class IssuePatchDelete(ApiTest):
    def test_patch_fields(self):
        i = self.make_issue(keywords=["a"])
        resp = self.patch(f"/issues/{i['slug']}", {"description": "New description", "keywords": ["b", "c"]},
                          headers={"Content-Type": "application/merge-patch+json"})
        body = self.expect(resp, 200)
        self.assertEqual(body["description"], "New description")
        self.assertEqual(body["keywords"], ["b", "c"])
        self.assertEqual(body["name"], i["name"])
        self.assertRegex(resp.headers.get("etag", ""), ETAG_RE)
        self.assertEqual(self.ok_get(f"/issues/{i['slug']}"), body)

    def test_set_and_clear_parent(self):
        top = self.make_issue()
        i = self.make_issue()
        self.assertEqual(self.expect(self.patch(f"/issues/{i['slug']}", {"parent": top["slug"]}), 200)["parent"],
                         top["slug"])
        self.assertIsNone(self.expect(self.patch(f"/issues/{i['slug']}", {"parent": None}), 200)["parent"])
        self.assertIsNone(self.ok_get(f"/issues/{i['slug']}")["parent"])

    def test_null_name_422(self):
        i = self.make_issue()
        self.assertProblem(self.patch(f"/issues/{i['slug']}", {"name": None}), 422, field="name")
        self.assertEqual(self.ok_get(f"/issues/{i['slug']}"), i)

    def test_tree_stays_two_levels(self):
        top = self.make_issue()
        child = self.make_issue(parent=top["slug"])
        other = self.make_issue()
        # A parent that is itself a child.
        self.assertProblem(self.patch(f"/issues/{other['slug']}", {"parent": child["slug"]}), 422, field="parent")
        # An issue with sub-issues cannot get a parent.
        self.assertProblem(self.patch(f"/issues/{top['slug']}", {"parent": other["slug"]}), 422, field="parent")
        # Its own parent.
        self.assertProblem(self.patch(f"/issues/{other['slug']}", {"parent": other["slug"]}), 422, field="parent")
        self.assertProblem(self.patch(f"/issues/{other['slug']}", {"parent": "nope-" + uid()}), 422, field="parent")
        self.assertIsNone(self.ok_get(f"/issues/{top['slug']}")["parent"])
        self.assertIsNone(self.ok_get(f"/issues/{other['slug']}")["parent"])

    def test_patch_unknown_404(self):
        self.assertProblem(self.patch(f"/issues/nope-{uid()}", {"name": "x"}), 404)
        self.assertProblem(self.get(f"/issues/nope-{uid()}"), 404)

    def test_delete(self):
        i = self.make_issue()
        self.assertEqual(self.delete(f"/issues/{i['slug']}").status, 204)
        self.assertProblem(self.get(f"/issues/{i['slug']}"), 404)
        self.assertProblem(self.delete(f"/issues/{i['slug']}"), 404)

    def test_delete_with_sub_issues_409(self):
        top = self.make_issue()
        child = self.make_issue(parent=top["slug"])
        self.assertProblem(self.delete(f"/issues/{top['slug']}"), 409)
        self.assertEqual(self.delete(f"/issues/{child['slug']}").status, 204)
        self.assertEqual(self.delete(f"/issues/{top['slug']}").status, 204)

    def test_delete_referenced_by_claim_409(self):
        i = self.make_issue()
        c = self.make_claim(issues=[i["slug"]])
        self.assertProblem(self.delete(f"/issues/{i['slug']}"), 409)
        self.expect(self.get(f"/issues/{i['slug']}"), 200)
        self.assertEqual(self.delete(f"/claims/{c['id']}").status, 204)
        self.assertEqual(self.delete(f"/issues/{i['slug']}").status, 204)


class IssueList(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tok = word()
        t = cls.tok

        def mk(body):
            resp = cls.server.request("POST", "/issues", dict(body, slug=slug("il")))
            assert resp.status == 201, resp
            return resp.body

        cls.top = mk({"name": f"Top {t}"})
        cls.by_desc = mk({"name": f"Described {uid()}", "description": f"About {t.upper()} things",
                          "parent": cls.top["slug"]})
        cls.by_kw = mk({"name": f"Keyworded {uid()}", "keywords": ["x", f"{t}"], "parent": cls.top["slug"]})
        cls.unrelated = mk({"name": f"Unrelated {uid()}"})

    def test_q_over_name_description_keywords(self):
        got = slugs_of(self.walk(f"/issues?q={q(self.tok)}"))
        self.assertEqual(got, [self.by_kw["slug"], self.by_desc["slug"], self.top["slug"]])

    def test_parent_filter(self):
        got = slugs_of(self.walk(f"/issues?parent={self.top['slug']}"))
        self.assertEqual(got, [self.by_kw["slug"], self.by_desc["slug"]])
        got = slugs_of(self.walk(f"/issues?parent={self.top['slug']}&q={q('described')}"))
        self.assertEqual(got, [self.by_desc["slug"]])
        self.assertEqual(self.walk(f"/issues?parent=nope-{uid()}"), [])

    def test_sorts(self):
        mine = [self.top, self.by_desc, self.by_kw]
        self.assertEqual(slugs_of(self.walk(f"/issues?q={self.tok}&sort=slug")), sorted(slugs_of(mine)))
        self.assertEqual(slugs_of(self.walk(f"/issues?q={self.tok}&sort=-slug")),
                         sorted(slugs_of(mine), reverse=True))
        by_name = [i["slug"] for i in sorted(mine, key=lambda i: i["name"].encode())]
        self.assertEqual(slugs_of(self.walk(f"/issues?q={self.tok}&sort=name")), by_name)
        self.assertEqual(slugs_of(self.walk(f"/issues?q={self.tok}&sort=created_at")), slugs_of(mine))

    def test_bad_query_400(self):
        for query in ("kind=state", "sort=stated_on", "party=x", "parent=a&parent=b"):
            with self.subTest(query=query):
                self.assertProblem(self.get(f"/issues?{query}"), 400)


if __name__ == "__main__":
    unittest.main()
