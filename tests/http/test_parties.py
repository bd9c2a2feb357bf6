"""Parties: create, read, merge-patch, delete, slugs, list filters and sorts."""

import unittest

from harness import (ApiTest, ETAG_RE, SLUG_RE, TIMESTAMP_RE, canonical_etag, q, slug, slugs_of,
                     uid, word)


class PartyCreate(ApiTest):
    def test_create_returns_record_location_and_etag(self):
        s = slug("p")
        resp = self.post("/parties", {"slug": s, "name": "Republic of Testland", "kind": "state",
                                      "aliases": ["Testland", "RoT"], "role": "host"})
        body = self.expect(resp, 201)
        self.assertEqual(resp.headers.get("location"), f"/parties/{s}")
        self.assertRegex(resp.headers.get("etag", ""), ETAG_RE)
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"))
        self.assertIsInstance(body["id"], int)
        self.assertEqual(body["slug"], s)
        self.assertEqual(body["name"], "Republic of Testland")
        self.assertEqual(body["kind"], "state")
        self.assertEqual(body["aliases"], ["Testland", "RoT"])
        self.assertIsNone(body["affiliation"])
        self.assertEqual(body["role"], "host")
        self.assertRegex(body["created_at"], TIMESTAMP_RE)
        self.assertRegex(body["updated_at"], TIMESTAMP_RE)
        self.assertEqual(set(body), {"id", "slug", "name", "kind", "aliases", "affiliation", "role",
                                     "created_at", "updated_at"})
        # The stored record is what the create answered.
        got = self.get(f"/parties/{s}")
        self.assertEqual(self.expect(got, 200), body)
        self.assertEqual(got.headers.get("etag"), resp.headers.get("etag"))

    def test_defaults_of_optional_fields(self):
        body = self.make_party(kind="organization")
        self.assertEqual(body["aliases"], [])
        self.assertIsNone(body["affiliation"])
        self.assertIsNone(body["role"])

    def test_every_kind_is_accepted(self):
        for kind in ("state", "organization", "person", "group"):
            with self.subTest(kind=kind):
                self.assertEqual(self.make_party(kind=kind)["kind"], kind)

    def test_affiliation(self):
        org = self.make_party(kind="organization")
        person = self.make_party(kind="person", affiliation=org["slug"], role="spokesperson")
        self.assertEqual(person["affiliation"], org["slug"])
        self.assertEqual(person["role"], "spokesperson")

    def test_slug_derived_from_name(self):
        n = uid()
        cases = [
            (f"Zürich Café {n}", f"zurich-cafe-{n}"),
            (f"  The   Kremlin!! ({n}) ", f"the-kremlin-{n}"),
            (f"U.S. State Department {n}", f"u-s-state-department-{n}"),
        ]
        for name, expected in cases:
            with self.subTest(name=name):
                resp = self.post("/parties", {"name": name, "kind": "organization"})
                body = self.expect(resp, 201)
                self.assertEqual(body["slug"], expected)
                self.assertEqual(body["name"], name)
                self.assertEqual(resp.headers.get("location"), f"/parties/{expected}")

    def test_derived_slug_is_at_most_64_bytes(self):
        name = uid() + "x" * 100
        body = self.expect(self.post("/parties", {"name": name, "kind": "group"}), 201)
        self.assertEqual(body["slug"], name[:64])
        name = f"{uid()} Ünïcode Long Name " + "ab " * 40
        body = self.expect(self.post("/parties", {"name": name, "kind": "group"}), 201)
        self.assertRegex(body["slug"], SLUG_RE)
        self.assertLessEqual(len(body["slug"]), 64)
        self.assertTrue(body["slug"].startswith(name.split()[0] + "-unicode-long-name-ab-ab"), body["slug"])

    def test_name_without_slug_material_asks_for_slug(self):
        resp = self.post("/parties", {"name": "!!! ???", "kind": "state"})
        self.assertProblem(resp, 422, field="slug")

    def test_duplicate_slug_409(self):
        p = self.make_party()
        resp = self.post("/parties", {"slug": p["slug"], "name": "Other", "kind": "person"})
        self.assertProblem(resp, 409)
        # The original is untouched.
        self.assertEqual(self.ok_get(f"/parties/{p['slug']}")["name"], p["name"])

    def test_bad_slug_form_422(self):
        for bad in ("Upper", "under_score", "spa ce", "a" * 65, "dot.ted", "é"):
            with self.subTest(slug=bad):
                resp = self.post("/parties", {"slug": bad, "name": "X", "kind": "state"})
                self.assertProblem(resp, 422, field="slug")

    def test_slug_of_64_characters_accepted(self):
        s = (uid() + "-" + "x" * 64)[:64]
        self.assertEqual(self.make_party(slug=s)["slug"], s)

    def test_unknown_kind_422(self):
        resp = self.post("/parties", {"name": "X", "kind": "country", "slug": slug("p")})
        self.assertProblem(resp, 422, field="kind")

    def test_unknown_affiliation_422(self):
        resp = self.post("/parties", {"name": "X", "kind": "person", "slug": slug("p"),
                                      "affiliation": "no-such-party-" + uid()})
        self.assertProblem(resp, 422, field="affiliation")

    def test_missing_required_fields(self):
        for body, field in (({"kind": "state", "slug": slug("p")}, "name"),
                            ({"name": "X", "slug": slug("p")}, "kind")):
            with self.subTest(missing=field):
                self.assertProblem(self.post("/parties", body), None, field=field, statuses=(400, 422))

    def test_wrong_types_400(self):
        cases = [
            {"name": 5, "kind": "state"},
            {"name": "X", "kind": 1},
            {"name": "X", "kind": "state", "aliases": "Y"},
            {"name": "X", "kind": "state", "aliases": [1]},
            {"name": "X", "kind": "state", "role": True},
            {"name": "X", "kind": "state", "affiliation": 3},
            {"name": "X", "kind": "state", "slug": 7},
            {"name": ["X"], "kind": "state"},
        ]
        for body in cases:
            with self.subTest(body=body):
                self.assertProblem(self.post("/parties", body), 400)

    def test_unknown_and_read_only_fields_400(self):
        for extra in ({"colour": "red"}, {"id": 1}, {"created_at": "2025-01-01T00:00:00.000000Z"},
                      {"updated_at": "2025-01-01T00:00:00.000000Z"}):
            with self.subTest(extra=extra):
                body = {"name": "X", "kind": "state", "slug": slug("p"), **extra}
                self.assertProblem(self.post("/parties", body), 400, field=next(iter(extra)))

    def test_string_limits(self):
        # Characters, not bytes: 200 two-byte characters are fine.
        self.assertEqual(self.make_party(name="é" * 200)["name"], "é" * 200)
        self.assertProblem(self.post("/parties", {"name": "é" * 201, "kind": "state", "slug": slug("p")}),
                           422, field="name")
        self.assertProblem(self.post("/parties", {"name": "", "kind": "state", "slug": slug("p")}),
                           422, field="name")
        self.assertEqual(self.make_party(role="r" * 200)["role"], "r" * 200)
        self.assertProblem(self.post("/parties", {"name": "X", "kind": "state", "slug": slug("p"),
                                                  "role": "r" * 201}), 422, field="role")
        self.assertProblem(self.post("/parties", {"name": "X", "kind": "state", "slug": slug("p"),
                                                  "aliases": [""]}), 422, field="aliases")
        self.assertProblem(self.post("/parties", {"name": "X", "kind": "state", "slug": slug("p"),
                                                  "aliases": ["a" * 201]}), 422, field="aliases")
        self.assertEqual(len(self.make_party(aliases=[f"a{i}" for i in range(100)])["aliases"]), 100)
        self.assertProblem(self.post("/parties", {"name": "X", "kind": "state", "slug": slug("p"),
                                                  "aliases": [f"a{i}" for i in range(101)]}),
                           422, field="aliases")


class PartyRead(ApiTest):
    def test_get_unknown_404(self):
        self.assertProblem(self.get(f"/parties/nope-{uid()}"), 404)

    def test_get_sends_canonical_strong_etag(self):
        p = self.make_party(name="Plain ASCII party", aliases=["A", "B"], role="r")
        resp = self.get(f"/parties/{p['slug']}")
        body = self.expect(resp, 200)
        self.assertRegex(resp.headers.get("etag", ""), ETAG_RE)
        self.assertEqual(resp.headers["etag"], canonical_etag(body),
                         "ETag = first 32 hex digits of SHA-256 of the canonical JSON (sorted keys, compact)")


class PartyPatch(ApiTest):
    def test_patch_changes_fields_and_keeps_others(self):
        p = self.make_party(kind="person", role="minister", aliases=["X"])
        resp = self.patch(f"/parties/{p['slug']}", {"name": "New Name", "aliases": ["Y", "Z"]},
                          headers={"Content-Type": "application/merge-patch+json"})
        body = self.expect(resp, 200)
        self.assertEqual(body["name"], "New Name")
        self.assertEqual(body["aliases"], ["Y", "Z"])
        self.assertEqual(body["role"], "minister")
        self.assertEqual(body["kind"], "person")
        self.assertEqual(body["id"], p["id"])
        self.assertEqual(body["created_at"], p["created_at"])
        self.assertGreaterEqual(body["updated_at"], p["updated_at"])
        self.assertNotEqual(body["updated_at"], p["updated_at"])
        self.assertRegex(resp.headers.get("etag", ""), ETAG_RE)
        got = self.get(f"/parties/{p['slug']}")
        self.assertEqual(self.expect(got, 200), body)
        self.assertEqual(got.headers["etag"], resp.headers["etag"])

    def test_patch_with_application_json(self):
        p = self.make_party()
        body = self.expect(self.patch(f"/parties/{p['slug']}", {"kind": "group"}), 200)
        self.assertEqual(body["kind"], "group")

    def test_null_clears_nullable_fields(self):
        org = self.make_party(kind="organization")
        p = self.make_party(kind="person", affiliation=org["slug"], role="envoy")
        body = self.expect(self.patch(f"/parties/{p['slug']}", {"role": None, "affiliation": None}), 200)
        self.assertIsNone(body["role"])
        self.assertIsNone(body["affiliation"])
        self.assertIsNone(self.ok_get(f"/parties/{p['slug']}")["role"])

    def test_null_on_required_field_422(self):
        p = self.make_party()
        for field in ("name", "kind"):
            with self.subTest(field=field):
                self.assertProblem(self.patch(f"/parties/{p['slug']}", {field: None}), 422, field=field)
        self.assertEqual(self.ok_get(f"/parties/{p['slug']}"), p)

    def test_patch_invalid_values_422(self):
        p = self.make_party(kind="person")
        cases = [({"kind": "country"}, "kind"), ({"affiliation": "none-" + uid()}, "affiliation"),
                 ({"affiliation": p["slug"]}, "affiliation"), ({"name": ""}, "name")]
        for patch, field in cases:
            with self.subTest(patch=patch):
                self.assertProblem(self.patch(f"/parties/{p['slug']}", patch), 422, field=field)
        self.assertEqual(self.ok_get(f"/parties/{p['slug']}"), p)

    def test_patch_wrong_types_and_unknown_fields_400(self):
        p = self.make_party()
        for patch in ({"name": 1}, {"aliases": "x"}, {"bogus": 1}, {"id": 5}, {"created_at": None}):
            with self.subTest(patch=patch):
                self.assertProblem(self.patch(f"/parties/{p['slug']}", patch), 400)

    def test_patch_body_must_be_object(self):
        p = self.make_party()
        for raw in (b"[]", b"null", b"\"x\"", b"1"):
            with self.subTest(raw=raw):
                self.assertProblem(self.patch(f"/parties/{p['slug']}", raw=raw), 400)

    def test_empty_patch_keeps_record(self):
        p = self.make_party()
        body = self.expect(self.patch(f"/parties/{p['slug']}", {}), 200)
        for k in ("slug", "name", "kind", "aliases", "affiliation", "role", "created_at"):
            self.assertEqual(body[k], p[k])

    def test_patch_unknown_404(self):
        self.assertProblem(self.patch(f"/parties/none-{uid()}", {"name": "x"}), 404)

    def test_patch_if_match(self):
        p = self.make_party()
        etag = self.get(f"/parties/{p['slug']}").headers["etag"]
        resp = self.patch(f"/parties/{p['slug']}", {"role": "a"}, headers={"If-Match": etag})
        self.expect(resp, 200)
        new_etag = resp.headers["etag"]
        self.assertNotEqual(new_etag, etag)
        # The old ETag is stale now.
        self.assertProblem(self.patch(f"/parties/{p['slug']}", {"role": "b"}, headers={"If-Match": etag}), 412)
        self.assertEqual(self.ok_get(f"/parties/{p['slug']}")["role"], "a")
        self.expect(self.patch(f"/parties/{p['slug']}", {"role": "c"}, headers={"If-Match": "*"}), 200)
        self.assertProblem(self.patch(f"/parties/none-{uid()}", {"role": "c"}, headers={"If-Match": "*"}),
                           None, statuses=(404, 412))


class PartyDelete(ApiTest):
    def test_delete_204_then_404(self):
        p = self.make_party()
        resp = self.delete(f"/parties/{p['slug']}")
        self.assertEqual(resp.status, 204)
        self.assertIn(resp.body, (b"", None))
        self.assertProblem(self.get(f"/parties/{p['slug']}"), 404)
        self.assertProblem(self.delete(f"/parties/{p['slug']}"), 404)

    def test_slug_reusable_after_delete(self):
        p = self.make_party()
        self.assertEqual(self.delete(f"/parties/{p['slug']}").status, 204)
        self.assertEqual(self.make_party(slug=p["slug"])["slug"], p["slug"])

    def test_delete_referenced_as_party_409(self):
        c = self.make_claim()
        self.assertProblem(self.delete(f"/parties/{c['party']}"), 409)
        self.expect(self.get(f"/parties/{c['party']}"), 200)

    def test_delete_referenced_as_speaker_409(self):
        speaker = self.make_party(kind="person")
        self.make_claim(speaker=speaker["slug"])
        self.assertProblem(self.delete(f"/parties/{speaker['slug']}"), 409)
        self.expect(self.get(f"/parties/{speaker['slug']}"), 200)

    def test_delete_referenced_as_affiliation_409(self):
        org = self.make_party(kind="organization")
        self.make_party(kind="person", affiliation=org["slug"])
        self.assertProblem(self.delete(f"/parties/{org['slug']}"), 409)
        self.expect(self.get(f"/parties/{org['slug']}"), 200)

    def test_delete_if_match(self):
        p = self.make_party()
        etag = self.get(f"/parties/{p['slug']}").headers["etag"]
        self.assertProblem(self.delete(f"/parties/{p['slug']}", headers={"If-Match": '"' + "0" * 32 + '"'}), 412)
        self.expect(self.get(f"/parties/{p['slug']}"), 200)
        self.assertEqual(self.delete(f"/parties/{p['slug']}", headers={"If-Match": etag}).status, 204)


class PartyList(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tok = word()
        t = cls.tok
        mk = cls._mk
        cls.org = mk({"name": f"{t} Alpha Organisation", "kind": "organization", "aliases": [f"Bureau {t}"]})
        cls.state = mk({"name": f"Bravo State {t}", "kind": "state"})
        cls.person = mk({"name": f"Charlie {t.upper()} Person", "kind": "person",
                         "affiliation": cls.org["slug"]})
        cls.person2 = mk({"name": f"Delta {t} Person", "kind": "person", "affiliation": cls.org["slug"]})
        cls.alias_only = mk({"name": f"Echo Group {uid()}", "kind": "group", "aliases": [f"X-{t.upper()}-Y"]})
        cls.all = [cls.org, cls.state, cls.person, cls.person2, cls.alias_only]

    @classmethod
    def _mk(cls, body):
        body = dict(body, slug=slug("pl"))
        resp = cls.server.request("POST", "/parties", body)
        assert resp.status == 201, resp
        return resp.body

    def list(self, query):
        body = self.ok_get(f"/parties?{query}")
        self.assertIsInstance(body["items"], list)
        self.assertIn("next", body)
        return body["items"]

    def test_q_matches_name_or_alias_ignoring_case(self):
        items = self.list(f"q={q(self.tok)}")
        self.assertEqual(slugs_of(items), slugs_of(reversed(self.all)), "newest first by default")
        items = self.list(f"q={q(self.tok.upper())}")
        self.assertEqual(len(items), 5)
        self.assertEqual(slugs_of(self.list(f"q={q('bureau ' + self.tok)}")), [self.org["slug"]])

    def test_q_is_a_substring_match(self):
        self.assertEqual(slugs_of(self.list(f"q={q(self.tok[2:-1])}&kind=state")), [self.state["slug"]])

    def test_q_wildcards_are_literal(self):
        t = word()
        pct = self.make_party(name=f"{t} 100% sure", kind="group")
        und = self.make_party(name=f"{t} under_score", kind="group")
        bsl = self.make_party(name=f"{t} back\\slash", kind="group")
        self.assertEqual(slugs_of(self.list(f"q={q(t + ' 100%')}")), [pct["slug"]])
        self.assertEqual(slugs_of(self.list(f"q={q('%')}&limit=200")), [pct["slug"]])
        self.assertEqual(slugs_of(self.list(f"q={q(t + ' under_')}")), [und["slug"]])
        self.assertEqual(slugs_of(self.list(f"q={q('r_s')}&limit=200")), [und["slug"]])
        self.assertEqual(slugs_of(self.list(f"q={q(chr(92))}&limit=200")), [bsl["slug"]])
        self.assertEqual(self.list(f"q={q(t + ' _00')}"), [])

    def test_q_no_match(self):
        self.assertEqual(self.list(f"q={word()}"), [])

    def test_kind_filter(self):
        self.assertEqual(slugs_of(self.list(f"q={self.tok}&kind=person")),
                         [self.person2["slug"], self.person["slug"]])
        self.assertEqual(slugs_of(self.list(f"q={self.tok}&kind=group")), [self.alias_only["slug"]])
        for item in self.list("kind=state&limit=200"):
            self.assertEqual(item["kind"], "state")

    def test_bad_kind_400(self):
        self.assertProblem(self.get("/parties?kind=country"), 400, field="kind")

    def test_affiliation_filter(self):
        self.assertEqual(slugs_of(self.list(f"affiliation={self.org['slug']}")),
                         [self.person2["slug"], self.person["slug"]])
        self.assertEqual(slugs_of(self.list(f"affiliation={self.org['slug']}&q={q('charlie')}")),
                         [self.person["slug"]])
        self.assertEqual(self.list(f"affiliation=nobody-{uid()}"), [])

    def test_sorts(self):
        by_slug = sorted(slugs_of(self.all))
        self.assertEqual(slugs_of(self.list(f"q={self.tok}&sort=slug")), by_slug)
        self.assertEqual(slugs_of(self.list(f"q={self.tok}&sort=-slug")), by_slug[::-1])
        by_name = [p["slug"] for p in sorted(self.all, key=lambda p: p["name"].encode())]
        got = slugs_of(self.list(f"q={self.tok}&sort=name"))
        self.assertEqual(got, by_name)
        self.assertEqual(slugs_of(self.list(f"q={self.tok}&sort=-name")), by_name[::-1])
        self.assertEqual(slugs_of(self.list(f"q={self.tok}&sort=created_at")), slugs_of(self.all))
        self.assertEqual(slugs_of(self.list(f"q={self.tok}&sort=-created_at")), slugs_of(self.all)[::-1])

    def test_bad_sort_400(self):
        for bad in ("bogus", "stated_on", "published", "slug,name"):
            with self.subTest(sort=bad):
                self.assertProblem(self.get(f"/parties?sort={bad}"), 400, field="sort")

    def test_list_items_are_full_records(self):
        items = self.list(f"q={self.tok}&kind=person")
        got = {i["slug"]: i for i in items}
        self.assertEqual(got[self.person["slug"]], self.ok_get(f"/parties/{self.person['slug']}"))


if __name__ == "__main__":
    unittest.main()
