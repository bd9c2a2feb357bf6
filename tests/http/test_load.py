"""The loader: POST /articles (text/plain and JSON, unchanged, dry run, new versions, bad input,
the database's issue catalogue) and `parley load DIR`."""

import hashlib
import os
import shutil
import tempfile
import unittest

from harness import ROOT, ApiTest, STANCES, uid, word
from test_positions import LINKS_UNFILLED, SUMMARY_DRIFT

SEED = os.path.join(ROOT, "sql", "sample", "seed-2025-12-29-talks.txt")
LOAD_KEYS = {"article", "parties", "claims"}
EVIDENCE = ("cue", "cameo", "confidence")


def article_text(marker=None, date="2025-12-01"):
    """A short article the extractor finds three claims in; `marker` makes its bytes unique."""
    marker = marker or word()
    return (f" date {date}\n\n"
            f"Kyiv — Russia has rejected the idea of a ceasefire to allow a referendum, officials said.\n\n"
            f"Kremlin spokesperson Dmitry Peskov told reporters that Ukraine must withdraw from the region "
            f"{marker}.\n\n"
            f"\u201cThe strikes will have to stop,\u201d Zelensky said.\n")


def without_ids(answer, times=True):
    """A load's answer as a dry run gives it: no ids (issue 13, item 7); with `times`, the claims
    without their timestamps too (a dry run's are its own)."""
    times_of = ("created_at", "updated_at") if times else ()
    article = {k: v for k, v in answer["article"].items() if k != "id"}
    parties = [{k: v for k, v in p.items() if k != "id"} for p in answer["parties"]]
    claims = [{k: v for k, v in c.items() if k not in ("id", "article_id") + times_of} for c in answer["claims"]]
    return {"article": article, "parties": parties, "claims": claims}


class LoadTest(ApiTest):
    def load(self, data, query="", content_type="text/plain", key=None):
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return self.request("POST", f"/articles{query}", raw=raw, headers={"Content-Type": content_type},
                            key=key)

    def load_json(self, body, query=""):
        return self.post(f"/articles{query}", body)

    def check_result(self, body, raw, manual=()):
        """The answer describes the stored records of these bytes; returns it. The
        claims with ids in `manual` were made through the API: their text is their own."""
        self.assertEqual(set(body), LOAD_KEYS)
        article = body["article"]
        self.assertEqual(article["sha256"], hashlib.sha256(raw).hexdigest())
        self.assertEqual(article["text"], raw.decode("utf-8"))
        self.assertEqual(article["claim_count"], len(body["claims"]))
        named = set()
        for claim in body["claims"]:
            self.assertEqual(claim["article_id"], article["id"])
            self.assertIn(claim["stance"], STANCES)
            if claim["start"] is not None and claim["id"] not in manual:
                self.assertEqual(raw[claim["start"]:claim["end"]].decode("utf-8"), claim["text"],
                                 "a claim's text is the article's bytes start..end")
            named.add(claim["party"])
            if claim["speaker"] is not None:
                named.add(claim["speaker"])
        self.assertEqual({p["slug"] for p in body["parties"]}, named,
                         "the parties are those the claims name")
        return body

    def stored_equal(self, body):
        """What the answer shows is what GET shows."""
        article = body["article"]
        self.assertEqual(self.ok_get(f"/articles/{article['id']}"), article)
        for party in body["parties"]:
            self.assertEqual(self.ok_get(f"/parties/{party['slug']}"), party)
        for claim in body["claims"]:
            stored = self.ok_get(f"/claims/{claim['id']}")
            self.assertEqual({k: v for k, v in claim.items() if k not in EVIDENCE}, stored)
        listed = self.walk(f"/claims?article={article['id']}", limit=200)
        self.assertEqual(sorted(c["id"] for c in listed), sorted(c["id"] for c in body["claims"]))

    def extracted_count(self, article_id):
        return int(self.env.psql_value(
            "SELECT count(*) FROM claims WHERE article_id = :'id' AND origin = 'extracted'", id=article_id))


class LoadSeed(LoadTest):
    def test_seed_article_then_unchanged(self):
        with open(SEED, "rb") as f:
            raw = f.read()
        resp = self.load(raw)
        body = self.check_result(self.expect(resp, 201), raw)
        aid = body["article"]["id"]
        self.assertEqual(resp.headers.get("location"), f"/articles/{aid}")
        self.assertGreaterEqual(len(body["claims"]), 10)
        slugs = {p["slug"] for p in body["parties"]}
        for expected in ("russia", "ukraine", "united-states", "dmitry-peskov"):
            self.assertIn(expected, slugs)
        peskov = self.ok_get("/parties/dmitry-peskov")
        self.assertEqual((peskov["kind"], peskov["affiliation"]), ("person", "russia"))
        self.assertEqual(body["article"]["published"], "2025-12-29")
        for claim in body["claims"]:
            self.assertIn("cue", claim)
            if claim["cue"] is not None:
                self.assertEqual(raw[claim["cue"]["start"]:claim["cue"]["end"]].decode(), claim["cue"]["word"])
            self.assertRegex(claim["cameo"], r"^[0-9]{2}$")
            self.assertTrue(0 <= claim["confidence"] <= 1)
        self.assertTrue(any(c["issues"] for c in body["claims"]), "some claims have issues")
        self.stored_equal(body)

        before = self.env.counts()
        again = self.load(raw)
        body2 = self.expect(again, 200)
        self.assertNotIn("location", again.headers)
        self.assertEqual(body2, body, "the same bytes again: the stored records, nothing new")
        self.assertEqual(self.env.counts(), before)
        self.assertEqual(len(self.walk(f"/claims?article={aid}", limit=200)), len(body["claims"]))


class LoadVariants(LoadTest):
    def test_dry_run_stores_nothing(self):
        raw = article_text().encode()
        before = self.env.counts()
        body = self.expect(self.load(raw, "?dry_run=true"), 200)
        self.assertGreaterEqual(len(body["claims"]), 2)
        self.assertEqual(self.env.counts(), before, "a dry run stores nothing")
        self.assertEqual(self.env.psql_value("SELECT count(*) FROM articles WHERE sha256 = :'s'",
                                             s=hashlib.sha256(raw).hexdigest()), "0")
        self.assertNotIn("id", body["article"], "a dry run names no article that never exists")
        # dry_run=false is an ordinary load: the same answer, with ids.
        stored = self.check_result(self.expect(self.load(raw, "?dry_run=false"), 201), raw)
        self.assertEqual(without_ids(stored)["claims"], [
            {k: v for k, v in c.items() if k not in ("created_at", "updated_at")} for c in body["claims"]])

    def test_dry_run_of_stored_bytes(self):
        raw = article_text().encode()
        stored = self.expect(self.load(raw), 201)
        before = self.env.counts()
        self.assertEqual(self.expect(self.load(raw, "?dry_run=true"), 200), without_ids(stored, times=False))
        self.assertEqual(self.env.counts(), before)

    def test_json_overrides(self):
        text = article_text(date="2025-12-01")
        url = f"https://example.org/{uid()}"
        resp = self.load_json({"text": text, "url": url, "title": "Talks stall", "published": "2025-11-30"})
        body = self.check_result(self.expect(resp, 201), text.encode())
        article = body["article"]
        self.assertEqual((article["url"], article["title"], article["published"], article["dateline"]),
                         (url, "Talks stall", "2025-11-30", "Kyiv"))
        self.stored_equal(body)

    def test_json_without_overrides_keeps_extracted(self):
        text = article_text(date="2025-10-02")
        body = self.check_result(self.expect(self.load_json({"text": text}), 201), text.encode())
        self.assertEqual((body["article"]["url"], body["article"]["published"]), (None, "2025-10-02"))

    def test_charset_parameter(self):
        raw = article_text().encode()
        self.check_result(self.expect(self.load(raw, content_type="text/plain; charset=utf-8"), 201), raw)


class LoadNewVersion(LoadTest):
    def test_same_url_replaces_extracted_claims(self):
        url = f"https://example.org/{uid()}"
        first = article_text()
        one = self.check_result(self.expect(self.load_json({"text": first, "url": url}), 201), first.encode())
        aid = one["article"]["id"]
        party = self.make_party()["slug"]
        manual = self.make_claim(party, article_id=aid, start=0, end=5, text="manual claim")
        manual_far = self.make_claim(party, article_id=aid, start=len(first.encode()) - 3,
                                     end=len(first.encode()), text="manual claim near the end")
        second = "Update: December 2 2025\n\n" + article_text() + "\nRussia has rejected the plan.\n"
        resp = self.load_json({"text": second, "url": url})
        two = self.check_result(self.expect(resp, 201), second.encode(), {manual["id"], manual_far["id"]})
        self.assertEqual(two["article"]["id"], aid, "a new version keeps the article")
        self.assertEqual(resp.headers.get("location"), f"/articles/{aid}")
        self.assertEqual(two["article"]["sha256"], hashlib.sha256(second.encode()).hexdigest())
        versions = self.env.psql("SELECT sha256 FROM article_versions WHERE article_id = :'id'", id=aid)
        self.assertEqual(versions, [[hashlib.sha256(first.encode()).hexdigest()]])
        ids = {c["id"] for c in two["claims"]}
        self.assertIn(manual["id"], ids, "a manual claim stays")
        self.assertIn(manual_far["id"], ids)
        for old in one["claims"]:
            self.assertNotIn(old["id"], ids)
            self.assertProblem(self.get(f"/claims/{old['id']}"), 404)
        self.assertEqual(self.extracted_count(aid), len(two["claims"]) - 2)
        kept = self.ok_get(f"/claims/{manual['id']}")
        self.assertEqual((kept["start"], kept["end"]), (0, 5), "offsets inside the new text stay")
        self.stored_equal(two)

        # The old text again is history: nothing changes.
        before = self.env.counts()
        back = self.expect(self.load_json({"text": first, "url": url}), 200)
        self.assertEqual(back["article"]["sha256"], two["article"]["sha256"])
        self.assertEqual(self.env.counts(), before)

    def test_manual_offsets_cleared_when_outside_new_text(self):
        url = f"https://example.org/{uid()}"
        first = article_text() + "\nA long closing paragraph that the next version drops entirely.\n"
        one = self.expect(self.load_json({"text": first, "url": url}), 201)
        aid = one["article"]["id"]
        size = len(first.encode())
        manual = self.make_claim(self.make_party()["slug"], article_id=aid, start=size - 10, end=size,
                                 text="manual claim at the end")
        second = article_text()
        self.expect(self.load_json({"text": second, "url": url}), 201)
        kept = self.ok_get(f"/claims/{manual['id']}")
        self.assertEqual((kept["article_id"], kept["start"], kept["end"]), (aid, None, None))

    def test_same_title_and_date_replaces(self):
        title = f"Talks {uid()}"
        one = self.expect(self.load_json({"text": article_text(), "title": title, "published": "2025-12-03"}), 201)
        two = self.expect(self.load_json({"text": article_text(), "title": title, "published": "2025-12-03"}), 201)
        self.assertEqual(two["article"]["id"], one["article"]["id"])
        other = self.expect(self.load_json({"text": article_text(), "title": title, "published": "2025-12-04"}), 201)
        self.assertNotEqual(other["article"]["id"], one["article"]["id"], "another date: another article")


class LoadRejects(LoadTest):
    def assertNothingStored(self, before):
        self.assertEqual(self.env.counts(), before)

    def test_invalid_utf8_400(self):
        before = self.env.counts()
        body = self.assertProblem(self.load(b"Kyiv \xe2\x80 Russia said no.\n"), 400)
        self.assertIn("5", body["detail"], "the problem names the byte offset")
        self.assertProblem(self.load(b"Russia said \xff.\n"), 400)
        self.assertNothingStored(before)

    def test_nul_byte_400(self):
        before = self.env.counts()
        self.assertProblem(self.load(b"Russia said \x00 no.\n"), 400)
        self.assertProblem(self.load_json({"text": "Russia said \u0000 no."}), 400)
        self.assertNothingStored(before)

    def test_empty_text(self):
        before = self.env.counts()
        self.assertProblem(self.load(b" \n\r\n\t \n"), 422, field="text")
        self.assertProblem(self.load_json({"text": "   "}), 422, field="text")
        self.assertProblem(self.load_json({"text": ""}), 422, field="text")
        self.assertProblem(self.load(b""), 400)  # no body at all
        self.assertNothingStored(before)

    def test_json_shape(self):
        before = self.env.counts()
        self.assertProblem(self.load_json({"text": article_text(), "color": "red"}), 400, field="color")
        self.assertProblem(self.load_json({"text": article_text(), "sha256": "0" * 64}), 400, field="sha256")
        self.assertProblem(self.load_json({"text": 5}), 400, field="text")
        self.assertProblem(self.load_json(["text"]), 400)
        self.assertProblem(self.load_json({"url": "https://example.org"}), 422, field="text")
        self.assertProblem(self.load_json({"text": article_text(), "published": "2025-02-30"}), 422,
                           field="published")
        self.assertProblem(self.load_json({"text": article_text(), "url": None}), 422, field="url")
        self.assertProblem(self.request("POST", "/articles", raw=b'{"text": "a"', key=True), 400)
        self.assertNothingStored(before)

    def test_auth_content_type_and_query(self):
        before = self.env.counts()
        resp = self.load(article_text(), key=False)
        self.assertProblem(resp, 401)
        self.assertIn("bearer", resp.headers.get("www-authenticate", "").lower())
        self.assertProblem(self.load(article_text(), key="parley_wrong"), 401)
        self.assertProblem(self.load(article_text(), content_type="text/html"), 415)
        self.assertProblem(self.load(article_text(), content_type="text/plain; charset=latin-1"), 415)
        self.assertProblem(self.load(article_text(), "?dry_run=maybe"), 400, field="dry_run")
        self.assertProblem(self.load(article_text(), "?dry_run=true&dry_run=true"), 400)
        self.assertProblem(self.load(article_text(), "?force=1"), 400)
        self.assertNothingStored(before)


class LoadCatalogue(LoadTest):
    def test_keyword_added_through_the_api_is_used(self):
        marker = word()
        text = (" date 2025-12-05\n\nKremlin spokesperson Dmitry Peskov told reporters that Moscow "
                f"wants the {marker} to begin at once.\n")
        before = self.expect(self.load(text, "?dry_run=true"), 200)
        self.assertTrue(before["claims"], "the text has a claim")
        self.assertFalse(any("ceasefire" in c["issues"] for c in before["claims"]))
        issue = self.ok_get("/issues/ceasefire")
        self.expect(self.patch("/issues/ceasefire", {"keywords": issue["keywords"] + [marker]}), 200)
        after = self.expect(self.load(text), 201)
        self.assertTrue(any("ceasefire" in c["issues"] for c in after["claims"]),
                        f"the new keyword gives the issue: {after['claims']!r:.600}")

    def test_default_keywords_are_in_the_database(self):
        issue = self.ok_get("/issues/peace-deal")
        self.assertIn("peace plan", issue["keywords"])
        self.assertIn("~peace talks", issue["keywords"], "weak keywords carry a leading ~")


class LoadCli(LoadTest):
    def test_directory_with_a_bad_file(self):
        work = tempfile.mkdtemp(prefix="parley-load-")
        try:
            good = [article_text().encode(), article_text().encode()]
            for name, raw in (("a.txt", good[0]), ("b.txt", good[1]), ("c-bad.txt", b"Russia \xff said.\n")):
                with open(os.path.join(work, name), "wb") as f:
                    f.write(raw)
            out = self.env.cli("load", work)
            self.assertNotEqual(out.returncode, 0, out.stderr)
            self.assertIn("c-bad.txt", out.stderr)
            self.assertIn("loaded 2, unchanged 0, failed 1", out.stderr)
            for raw in good:
                sha = hashlib.sha256(raw).hexdigest()
                aid = self.env.psql_value("SELECT id FROM articles WHERE sha256 = :'s'", s=sha)
                self.assertIsNotNone(aid, "a good file is stored")
                self.assertGreater(self.extracted_count(aid), 0)
            before = self.env.counts()
            again = self.env.cli("load", work)
            self.assertNotEqual(again.returncode, 0)
            self.assertIn("loaded 0, unchanged 2, failed 1", again.stderr)
            self.assertEqual(self.env.counts(), before)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def test_parallel_directory_load(self):
        """--jobs 4 stores every file once (a file twice in the directory: once), and the
        positions summary written by four concurrent transactions equals a recount."""
        work = tempfile.mkdtemp(prefix="parley-load-")
        try:
            raws = [article_text(date=f"2025-11-{day:02d}").encode() for day in range(1, 13)]
            for n, raw in enumerate(raws):
                with open(os.path.join(work, f"{n:02d}.txt"), "wb") as f:
                    f.write(raw)
            with open(os.path.join(work, "99-copy.txt"), "wb") as f:
                f.write(raws[0])
            out = self.env.cli("load", "--jobs", "4", work)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("loaded 12, unchanged 1, failed 0", out.stderr)
            for raw in raws:
                sha = hashlib.sha256(raw).hexdigest()
                self.assertEqual(self.env.psql_value("SELECT count(*) FROM articles WHERE sha256 = :'s'", s=sha),
                                 "1")
            self.assertEqual(self.env.psql_value(SUMMARY_DRIFT), "0", "the summary equals a recount")
            self.assertEqual(self.env.psql_value(LINKS_UNFILLED), "0", "every link carries its claim's party")
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def test_jobs_must_be_a_whole_number(self):
        before = self.env.counts()
        for bad in ("0", "-2", "two", "65", ""):
            out = self.env.cli("load", "--jobs", bad, SEED)
            self.assertEqual(out.returncode, 64, f"--jobs {bad!r}: {out.stderr}")
            self.assertIn("--jobs", out.stderr)
        self.assertEqual(self.env.counts(), before)

    def test_cli_and_http_agree(self):
        work = tempfile.mkdtemp(prefix="parley-load-")
        try:
            raw = article_text().encode()
            path = os.path.join(work, "one.txt")
            with open(path, "wb") as f:
                f.write(raw)
            out = self.env.cli("load", path)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("loaded 1", out.stderr)
            body = self.expect(self.load(raw), 200, "the CLI stored these bytes")
            self.check_result(body, raw)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
