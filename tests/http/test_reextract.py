"""Claim origin (extracted by the loader, manual through the API) and re-extraction: POST
/articles/{id}/reextract and `parley reextract` replace extracted claims, keep manual ones, follow
the database's catalogue, and change nothing when run again."""

import os
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
        self.assertFalse(set(c["id"] for c in fresh) & set(extracted), "extracted claims were replaced")
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
