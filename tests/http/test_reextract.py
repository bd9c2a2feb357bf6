"""Claim origin (extracted by the loader, manual through the API) and re-extraction: POST
/articles/{id}/reextract and `parley reextract` bring extracted claims up to date (a claim keeps its
id while its span and party are unchanged), keep manual ones, do not bring back claims a person
deleted, follow the database's catalogue, and change nothing when run again."""

import os
import re
import tempfile
import unittest

from harness import ApiTest, uid, word


def article_text(marker):
    return (f" date 2025-12-05\n\n"
            f"Kremlin spokesperson Dmitry Peskov told reporters that Moscow wants the {marker} to begin "
            f"at once.\n\n"
            f"Kyiv \u2014 Russia has rejected the idea of a ceasefire to allow a referendum, officials said.\n\n"
            f"\u201cThe strikes will have to stop,\u201d Zelensky said.\n")


class ReextractTest(ApiTest):
    def load(self, text):
        resp = self.request("POST", "/articles", raw=text.encode("utf-8"), headers={"Content-Type": "text/plain"})
        return self.expect(resp, 201, "load")

    def reextract(self, article_id, **kw):
        return self.request("POST", f"/articles/{article_id}/reextract", **kw)

    def claims_of(self, article_id):
        return {c["id"]: c for c in self.walk(f"/articles/{article_id}/claims", limit=200)}


class Origin(ReextractTest):
    def test_origin_of_claims(self):
        loaded = self.load(article_text(word()))
        self.assertTrue(loaded["claims"])
        self.assertEqual({c["origin"] for c in loaded["claims"]}, {"extracted"})
        manual = self.make_claim()
        self.assertEqual(manual["origin"], "manual")
        target = loaded["claims"][0]
        # Any PATCH, even one that changes nothing else, makes the claim a person's.
        patched = self.expect(self.patch(f"/claims/{target['id']}", {"quote": target["quote"]}), 200)
        self.assertEqual(patched["origin"], "manual")
        self.assertEqual(self.ok_get(f"/claims/{target['id']}")["origin"], "manual")
        others = [c for c in self.claims_of(loaded["article"]["id"]).values() if c["id"] != target["id"]]
        self.assertEqual({c["origin"] for c in others}, {"extracted"})

    def test_origin_is_read_only(self):
        p = self.make_party()
        self.assertProblem(self.post("/claims", {"party": p["slug"], "stance": "demands", "text": "t",
                                                 "origin": "extracted"}), 400, field="origin")
        c = self.make_claim()
        self.assertProblem(self.patch(f"/claims/{c['id']}", {"origin": "extracted"}), 400, field="origin")


class Reextract(ReextractTest):
    def test_unchanged_catalogue_changes_nothing(self):
        loaded = self.load(article_text(word()))
        article = loaded["article"]["id"]
        before = self.claims_of(article)
        resp = self.reextract(article)
        body = self.expect(resp, 200)
        self.assertEqual(set(body), {"article", "parties", "claims"})
        self.assertEqual(body["article"], self.ok_get(f"/articles/{article}"))
        self.assertEqual({c["id"] for c in body["claims"]}, set(before), "the same claims, ids kept")
        self.assertEqual(self.claims_of(article), before, "records untouched (updated_at too)")
        self.assertEqual({c["id"] for c in self.expect(self.reextract(article), 200)["claims"]}, set(before))

    def test_catalogue_change_replaces_extracted_and_keeps_manual(self):
        marker = word()
        loaded = self.load(article_text(marker))
        article = loaded["article"]["id"]
        extracted = {c["id"]: c for c in loaded["claims"]}
        # A person's claim on the article, and a person's correction of an extracted one.
        mine = self.make_claim(article_id=article, text="A claim a person added.")
        corrected = loaded["claims"][-1]
        corrected = self.expect(self.patch(f"/claims/{corrected['id']}", {"stance": "threatens"}), 200)
        issue = self.make_issue(keywords=[marker])
        body = self.expect(self.reextract(article), 200)
        now = self.claims_of(article)
        self.assertEqual({c["id"] for c in body["claims"]}, set(now))
        self.assertEqual(now[mine["id"]], mine, "the manual claim is kept as it was")
        self.assertEqual(now[corrected["id"]], corrected, "the correction is kept as it was")
        fresh = [c for c in now.values() if c["origin"] == "extracted"]
        self.assertTrue(fresh)
        self.assertEqual({c["id"] for c in fresh}, set(extracted) - {corrected["id"]},
                         "same span and party: the same claims, ids kept")
        self.assertTrue(any(issue["slug"] in c["issues"] for c in fresh),
                        f"the new keyword gives the new issue: {fresh!r:.600}")
        spans = [(c["start"], c["end"]) for c in now.values() if c["start"] is not None]
        self.assertEqual(len(spans), len(set(spans)),
                         "no extracted duplicate of the span a person corrected")
        self.assertEqual(len(fresh), len(extracted) - 1)
        # Idempotent: running again changes nothing.
        again = self.expect(self.reextract(article), 200)
        self.assertEqual(self.claims_of(article), now)
        self.assertEqual({c["id"] for c in again["claims"]}, set(now))
        # The positions summary followed the replacement.
        cells = self.ok_get(f"/positions?issue={issue['slug']}")["cells"]
        self.assertEqual(sum(c["claim_count"] for c in cells),
                         sum(1 for c in fresh if issue["slug"] in c["issues"]))

    def test_errors(self):
        self.assertProblem(self.reextract(999999999), 404)
        self.assertProblem(self.reextract("abc"), 404)
        loaded = self.load(article_text(word()))
        self.assertProblem(self.reextract(loaded["article"]["id"], key=False), 401)
        self.assertProblem(self.request("POST", f"/articles/{loaded['article']['id']}/reextract?dry_run=true"),
                           400, field="dry_run")
        self.assertEqual(self.get(f"/articles/{loaded['article']['id']}/reextract").status, 405)


class ReextractCli(ReextractTest):
    def test_cli(self):
        marker = word()
        loaded = self.load(article_text(marker))
        article = loaded["article"]["id"]
        before = self.claims_of(article)
        out = self.env.cli("reextract", str(article))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(f"article {article}: unchanged", out.stdout)
        self.assertEqual(self.claims_of(article), before)
        issue = self.make_issue(keywords=[marker])
        out = self.env.cli("reextract", str(article))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(f"article {article}: extracted claims replaced", out.stdout)
        after = self.claims_of(article)
        self.assertTrue(any(issue["slug"] in c["issues"] for c in after.values()))
        out = self.env.cli("reextract", "--all", timeout=300)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(f"article {article}: unchanged", out.stdout)
        self.assertEqual(self.claims_of(article), after, "--all twice changes nothing")
        for args, code in ((("reextract",), 64), (("reextract", "--all", "1"), 64), (("reextract", "x1"), 64),
                           (("reextract", "999999999"), 65)):
            with self.subTest(args=args):
                out = self.env.cli(*args)
                self.assertEqual(out.returncode, code, out.stdout + out.stderr)


def person_text(marker, person):
    """Peskov on the `marker` talks (party Russia), a person nobody listed on the `marker` plan (party:
    the person), then Russia and Zelensky."""
    return (f" date 2025-12-05\n\n"
            f"Kremlin spokesperson Dmitry Peskov told reporters that Moscow wants the {marker} talks to "
            f"begin at once.\n\n"
            f"\u201cWe will not sign this {marker} plan,\u201d {person} said on Friday.\n\n"
            f"Kyiv \u2014 Russia has rejected the idea of a ceasefire to allow a referendum, officials said.\n\n"
            f"\u201cThe strikes will have to stop,\u201d Zelensky said.\n")


def without_ids(cells):
    """Position cells as a fresh load of the same text must give them: claim and article ids aside."""
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("id", "article_id")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return sorted((strip(c) for c in cells), key=repr)


class StableIds(ReextractTest):
    """Issue 13, item 6: ids that stay put, deletions that stay deleted."""

    def positions(self, issue):
        return {view: without_ids(self.ok_get(f"/positions?issue={issue}{query}")["cells"])
                for view, query in (("default", ""), ("fine", "&depth=fine"), ("speaker", "&by=speaker"))}

    def test_ids_kept_deleted_stays_deleted_and_positions_match_a_fresh_load(self):
        marker = word()
        person = f"Anna {word().capitalize()}"
        text = person_text(marker, person)
        loaded = self.load(text)
        article = loaded["article"]["id"]
        by_span = {(c["start"], c["end"]): c for c in loaded["claims"]}
        self.assertEqual(len(by_span), 4, loaded["claims"])
        peskov, berg, russia, zelensky = (by_span[k] for k in sorted(by_span))
        self.assertEqual(berg["party"], berg["speaker"], "a person nobody listed is their own party")
        listed = self.claims_of(article)
        # A person deletes the claim of Russia; an extracted claim the pipeline no longer finds
        # (as an older pipeline would have left it) is linked to the issue made below.
        self.expect(self.delete(f"/claims/{russia['id']}"), 204)
        issue = self.make_issue(keywords=[marker])
        stale = int(self.env.psql_value(
            "WITH c AS (INSERT INTO claims (article_id, party_id, speaker_id, stance, text, start_offset, "
            "end_offset, origin, confidence) SELECT :'article'::bigint, party_id, speaker_id, 'threatens', "
            "'date', 1, 5, 'extracted', 0.5 FROM claims WHERE id = :'peskov'::bigint RETURNING id), "
            "l AS (INSERT INTO claim_issues (claim_id, issue_id) SELECT c.id, i.id FROM c, issues i "
            "WHERE i.slug = :'issue') SELECT id FROM c",
            article=str(article), peskov=str(peskov["id"]), issue=issue["slug"]))
        self.assertEqual(self.ok_get(f"/claims/{stale}")["issues"], [issue["slug"]])
        # The catalogue changes: the new keyword gives Peskov's and the person's claims the new
        # issue, and the person gets a party.
        self.expect(self.patch(f"/parties/{berg['party']}", {"affiliation": "ukraine"}), 200)
        body = self.expect(self.reextract(article), 200)
        now = self.claims_of(article)
        self.assertEqual({c["id"] for c in body["claims"]}, set(now))
        # Same span and party: the same claim, its other fields updated in place.
        self.assertIn(peskov["id"], now, "/claims/{id} of an unchanged span and party stays")
        self.assertEqual(now[peskov["id"]]["issues"], [issue["slug"]])
        self.assertEqual(self.ok_get(f"/claims/{peskov['id']}")["issues"], [issue["slug"]])
        self.assertNotEqual(now[peskov["id"]]["updated_at"], peskov["updated_at"])
        self.assertEqual(now[peskov["id"]]["created_at"], peskov["created_at"])
        self.assertEqual(now[zelensky["id"]], listed[zelensky["id"]],
                         "a claim the change does not touch is untouched")
        # Deleted by a person: not brought back.
        self.assertNotIn((russia["start"], russia["end"]), {(c["start"], c["end"]) for c in now.values()})
        self.assertProblem(self.get(f"/claims/{russia['id']}"), 404)
        # Found no more: deleted. A new party on the same span: a new claim.
        self.assertProblem(self.get(f"/claims/{stale}"), 404)
        self.assertNotIn(berg["id"], now)
        moved = [c for c in now.values() if (c["start"], c["end"]) == (berg["start"], berg["end"])]
        self.assertEqual([(c["party"], c["speaker"]) for c in moved], [("ukraine", berg["party"])])
        self.assertEqual(len(now), 3)
        # Only the person's delete left a tombstone.
        self.assertEqual(self.env.psql(
            "SELECT start_offset, end_offset FROM claim_tombstones WHERE article_id = :'a'::bigint",
            a=str(article)), [[str(russia["start"]), str(russia["end"])]])
        # Running it again changes nothing.
        self.expect(self.reextract(article), 200)
        self.assertEqual(self.claims_of(article), now)
        # The positions followed: the same as a fresh load of the same text with this catalogue.
        after = self.positions(issue["slug"])
        self.assertEqual(sum(c["claim_count"] for c in after["fine"]), 2, after)
        self.expect(self.delete(f"/articles/{article}"), 204)
        self.assertEqual(self.env.psql_value(
            "SELECT count(*) FROM claim_tombstones WHERE article_id = :'a'::bigint", a=str(article)), "0",
            "the article's tombstones went with it")
        self.assertEqual(self.positions(issue["slug"])["fine"], [], "the positions empty without it")
        reloaded = self.load(text)
        self.assertEqual(self.positions(issue["slug"]), after, "positions as after a fresh load")
        fields = ("start", "end", "party", "speaker", "issues", "stance", "quote", "text", "stated_on")
        self.assertEqual(sorted(tuple(repr(c[f]) for f in fields) for c in reloaded["claims"]
                                if (c["start"], c["end"]) != (russia["start"], russia["end"])),
                         sorted(tuple(repr(c[f]) for f in fields) for c in now.values()),
                         "the claims a fresh load makes (less the deleted one)")

    def test_issue_removed_from_a_kept_claim(self):
        marker = word()
        issue = self.make_issue(keywords=[marker])
        loaded = self.load(article_text(marker))
        article = loaded["article"]["id"]
        tagged = [c for c in loaded["claims"] if issue["slug"] in c["issues"]]
        self.assertEqual(len(tagged), 1, loaded["claims"])
        self.assertEqual(sum(c["claim_count"] for c in self.ok_get(f"/positions?issue={issue['slug']}")["cells"]),
                         1)
        self.expect(self.patch(f"/issues/{issue['slug']}", {"keywords": [word()]}), 200)
        self.expect(self.reextract(article), 200)
        now = self.claims_of(article)
        self.assertEqual(set(now), {c["id"] for c in loaded["claims"]}, "ids kept")
        self.assertNotIn(issue["slug"], now[tagged[0]["id"]]["issues"])
        self.assertEqual(sum(c["claim_count"] for c in self.ok_get(f"/positions?issue={issue['slug']}")["cells"]),
                         0, "the link went, and its count")

    def test_deleted_claim_not_resurrected_by_the_cli(self):
        marker = word()
        loaded = self.load(article_text(marker))
        article = loaded["article"]["id"]
        gone = loaded["claims"][0]
        self.expect(self.delete(f"/claims/{gone['id']}"), 204)
        self.make_issue(keywords=[marker])
        for args in (("reextract", str(article)), ("reextract", "--all")):
            out = self.env.cli(*args, timeout=300)
            self.assertEqual(out.returncode, 0, out.stderr)
            now = self.claims_of(article)
            self.assertNotIn((gone["start"], gone["end"]), {(c["start"], c["end"]) for c in now.values()})
            self.assertEqual(set(now), {c["id"] for c in loaded["claims"][1:]})


class NewVersion(ReextractTest):
    """A new version of a stored article (same URL) follows the same rules: a claim whose span and
    party the new text keeps keeps its id, and a deletion holds while the bytes at its span are
    unchanged."""

    def test_new_version_keeps_ids_and_deletions(self):
        url = f"https://example.org/{uid()}"
        first = article_text(word())
        one = self.expect(self.post("/articles", {"text": first, "url": url}), 201)
        article = one["article"]["id"]
        gone, *others = one["claims"]
        self.expect(self.delete(f"/claims/{gone['id']}"), 204)
        # Appended text: every earlier span holds the same bytes.
        second = first + "\nThe talks are to resume on Monday.\n"
        two = self.expect(self.post("/articles", {"text": second, "url": url}), 201)
        self.assertEqual(two["article"]["id"], article)
        now = self.claims_of(article)
        self.assertEqual(set(now), {c["id"] for c in others}, "ids kept, the deleted claim not back")
        # A new first line moves every span: new claims, and the deletion's bytes are gone with it.
        third = "Update: December 6.\n" + second
        self.expect(self.post("/articles", {"text": third, "url": url}), 201)
        now = self.claims_of(article)
        self.assertFalse(set(now) & {c["id"] for c in others})
        self.assertEqual(len(now), len(one["claims"]), "the deleted claim's text is a claim of the new text")
        self.assertEqual(self.env.psql_value(
            "SELECT count(*) FROM claim_tombstones WHERE article_id = :'a'::bigint", a=str(article)), "0")


def undated_text(marker):
    """An article whose text gives no date; its claim says "on Friday"."""
    return (f"GENEVA (Reuters) \u2014 Russia rejected the proposal for the {marker} talks on Friday, "
            f"Kremlin spokesperson Dmitry Peskov said.\n")


class PublishedDate(ReextractTest):
    """The client's `published` dates claims ("on Friday"), and re-extraction uses the stored date."""

    def test_json_published_dates_claims_and_reextract_follows_the_stored_date(self):
        loaded = self.expect(self.post("/articles", {"text": undated_text(word()), "published": "2025-12-29"}),
                             201)
        article = loaded["article"]
        self.assertEqual(article["published"], "2025-12-29")
        self.assertEqual(article["dateline"], "Geneva")
        self.assertTrue(loaded["claims"])
        for claim in loaded["claims"]:
            self.assertEqual(claim["stated_on"], "2025-12-26", "the Friday before Monday 29 December")
            self.assertNotIn("GENEVA", claim["text"], "the dateline is not evidence")
        self.expect(self.patch(f"/articles/{article['id']}", {"published": "2026-01-05"}), 200)
        body = self.expect(self.reextract(article["id"]), 200)
        self.assertEqual({c["stated_on"] for c in body["claims"]}, {"2026-01-02"})

    def test_without_a_date_stated_on_stays_null(self):
        loaded = self.load(undated_text(word()))
        self.assertIsNone(loaded["article"]["published"])
        self.assertTrue(loaded["claims"])
        self.assertEqual({c["stated_on"] for c in loaded["claims"]}, {None})

    def test_cli_published(self):
        marker = word()
        with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
            f.write(undated_text(marker))
            path = f.name
        try:
            for bad in ("2025-02-30", "29/12/2025", "soon"):
                with self.subTest(bad=bad):
                    out = self.env.cli("load", "--published", bad, path)
                    self.assertEqual(out.returncode, 64, out.stdout + out.stderr)
                    self.assertIn("--published", out.stderr)
            out = self.env.cli("load", "--published", "2025-12-29", path)
            self.assertEqual(out.returncode, 0, out.stderr)
        finally:
            os.unlink(path)
        found = [a for a in self.walk(f"/articles?q={marker}", limit=50)]
        self.assertEqual(len(found), 1, found)
        self.assertEqual(found[0]["published"], "2025-12-29")
        claims = self.claims_of(found[0]["id"])
        self.assertTrue(claims)
        self.assertEqual({c["stated_on"] for c in claims.values()}, {"2025-12-26"})


if __name__ == "__main__":
    unittest.main()
