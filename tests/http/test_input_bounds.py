"""Input a client may send that the database's indexes, the loader's budget or Unicode could trip
over (issue 12, items 2, 7 and 16): never a 500, never a 503 for what can never succeed.

- Every b-tree-indexed text column reachable from the API gets values at and just over its limit in
  1-, 2-, 3- and 4-byte characters and in combining marks: 2xx, or 422 naming the field.
- An article yielding more claims than the per-article limit is refused (413) with the reason,
  quickly, for stored loads and dry runs alike, through the API and the CLI; nothing is stored.
- Names are compared after NFC normalisation; claim offsets inside a UTF-8 character are 422."""

import os
import random
import tempfile
import time
import unicodedata

from harness import ApiTest, problem_errors, q, slug, uid, word

# Ranges of characters of each UTF-8 width that NFC leaves as they are, and combining marks (two
# bytes, no base of their own). Values mix them at random so that PostgreSQL cannot compress them
# under its index row limit.
WIDTHS = {"1-byte": (0x61, 0x7a), "2-byte": (0x410, 0x44f), "3-byte": (0x4e00, 0x9fff),
          "4-byte": (0x20000, 0x2a6df), "combining": (0x300, 0x36f)}

# The claims one article may yield (include/ingest/ingest.h); past it a load is refused.
MAX_CLAIMS_PER_ARTICLE = 5000

# How long a refused over-limit load may take, generously: extracting 2 MB takes about 1.5 s here,
# against two minutes and a 503 before the limit.
REFUSAL_SECONDS = 30

NAMES = ["Russia", "Ukraine", "France", "Germany", "Poland", "Hungary", "Turkey", "China", "India",
         "Brazil", "Japan", "Italy", "Spain", "Canada", "Mexico", "Egypt", "Iran", "Israel", "Qatar",
         "Norway"]
TOPICS = ["the ceasefire must hold", "sanctions should be lifted", "the peace plan was unacceptable",
          "talks would resume next week", "troops would not withdraw", "the referendum was illegal"]


def text_of(kind, characters):
    """`characters` code points of one kind, the same for the same arguments; combining marks
    follow one base letter."""
    low, high = WIDTHS[kind]
    chosen = random.Random(f"{kind}{characters}")
    marks = "".join(chr(chosen.randint(low, high)) for _ in range(characters))
    return "a" + marks[1:] if kind == "combining" else marks


def synthetic_article(claims, tag):
    """An article of about `claims` attributed sentences (five to a paragraph), names varied."""
    lines = [f"Synthetic transcript {tag}", ""]
    paragraph = []
    for i in range(claims):
        paragraph.append(f"{NAMES[i % len(NAMES)]} said on Monday that "
                         f"{TOPICS[(i // len(NAMES)) % len(TOPICS)]}.")
        if len(paragraph) == 5:
            lines += [" ".join(paragraph), ""]
            paragraph = []
    lines.append(" ".join(paragraph))
    return "\n".join(lines)


class InputBoundsTest(ApiTest):
    def assertBounded(self, resp, field, what):
        """2xx, or a 422 problem naming `field`; never a 5xx."""
        self.assertLess(resp.status, 500, f"{what}: {resp.body!r:.400}")
        if resp.status >= 300:
            self.assertProblem(resp, 422, field=field)
        return resp


class IndexedColumnLimits(InputBoundsTest):
    """Item 2: the b-tree-indexed text columns are parties.slug/name, issues.slug/name,
    articles.sha256/url/title (with published) and api_keys.name/prefix (CLI only); sha256, prefix
    and the slugs are ASCII of fixed or small size. The others get values at and over each limit."""

    def values(self, limit):
        for kind in WIDTHS:
            for characters in (limit, limit + 1):
                yield kind, characters, text_of(kind, characters)

    def test_party_and_issue_names_and_slugs(self):
        for path in ("/parties", "/issues"):
            for kind, characters, value in self.values(200):
                with self.subTest(path=path, kind=kind, characters=characters):
                    body = {"name": value, "slug": slug("nb")}
                    if path == "/parties":
                        body["kind"] = "state"
                    resp = self.assertBounded(self.post(path, body), "name", f"{path} name")
                    # Past the limit is 422, unless normalisation (NFC) shortens it.
                    nfc = unicodedata.normalize("NFC", value)
                    if len(nfc) > 200:
                        self.assertEqual(resp.status, 422, f"{path} name of {len(nfc)} characters")
            for kind, characters, value in self.values(64):
                with self.subTest(path=path, kind=kind, characters=characters, field="slug"):
                    body = {"name": f"Slug test {uid()}", "slug": value}
                    if path == "/parties":
                        body["kind"] = "state"
                    self.assertBounded(self.post(path, body), "slug", f"{path} slug")

    def test_article_url_and_title_through_patch(self):
        article = self.make_article()
        for field, limit in (("url", 2000), ("title", 500)):
            for kind, characters, value in self.values(limit):
                with self.subTest(field=field, kind=kind, characters=characters):
                    resp = self.assertBounded(self.patch(f"/articles/{article}", {field: value}),
                                              field, f"PATCH {field}")
                    if characters == limit:
                        self.assertEqual(resp.status, 200, f"{field} of {limit} {kind} characters")
                        self.assertEqual(resp.body[field], value)

    def test_article_url_and_title_through_the_loader(self):
        for dry_run in (False, True):
            for field, limit in (("url", 2000), ("title", 500)):
                for kind, characters, value in self.values(limit):
                    with self.subTest(dry_run=dry_run, field=field, kind=kind, characters=characters):
                        body = {"text": f"Russia said on Monday that the ceasefire must hold {word()}.",
                                field: value}
                        path = "/articles?dry_run=true" if dry_run else "/articles"
                        resp = self.assertBounded(self.post(path, body), field, f"POST {path} {field}")
                        if characters == limit:
                            self.assertIn(resp.status, (200, 201), f"{field} of {limit} {kind}")

    def test_a_long_first_line_becomes_a_truncated_title(self):
        for kind in WIDTHS:
            for characters in (500, 501, 3000):
                for dry_run in (False, True):
                    with self.subTest(kind=kind, characters=characters, dry_run=dry_run):
                        heading = text_of(kind, characters)
                        text = f"{heading}\n\nRussia said on Monday that the ceasefire must hold {word()}.\n"
                        path = "/articles?dry_run=true" if dry_run else "/articles"
                        resp = self.post(path, {"text": text})
                        body = self.expect(resp, 200 if dry_run else 201, f"{kind} x {characters}")
                        title = body["article"]["title"]
                        self.assertIsNotNone(title)
                        self.assertLessEqual(len(title), 500)
                        self.assertLessEqual(len(title.encode("utf-8")), 2000)
                        stem = title[:-1] if title.endswith("\u2026") else title
                        self.assertTrue(unicodedata.normalize("NFC", heading).startswith(stem)
                                        or heading.startswith(stem), f"{title[:40]!r}")
                        if characters <= 500 and kind != "combining":
                            self.assertEqual(title, heading)

    def test_two_megabytes_of_combining_marks(self):
        before = self.env.counts()
        marks = "a" + "\u0301" * 950_000  # 1.9 MB of UTF-8, one "character" to a reader
        for dry_run in (True, False):
            with self.subTest(dry_run=dry_run):
                path = "/articles?dry_run=true" if dry_run else "/articles"
                resp = self.request("POST", path, raw=(marks + f"\n\nText {word()}.\n").encode("utf-8"),
                                    headers={"Content-Type": "text/plain; charset=utf-8"}, key=True)
                self.assertBounded(resp, "text", f"POST {path}")
        # As a name it is over every limit.
        resp = self.post("/parties", {"name": marks[:100_000], "kind": "state", "slug": slug("cm")})
        self.assertProblem(resp, 422, field="name")
        self.assertGreaterEqual(self.env.counts()["articles"], before["articles"])


class ClaimsPerArticle(InputBoundsTest):
    """Item 7: an article that yields more claims than the limit is refused at once, with the
    reason, and nothing is stored."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.article = synthetic_article(MAX_CLAIMS_PER_ARTICLE * 3, uid())
        assert len(cls.article.encode("utf-8")) < 2 * 1024 * 1024 - 4096

    def assertRefused(self, resp, seconds, what):
        body = self.assertProblem(resp, 413, field="text")
        self.assertLess(seconds, REFUSAL_SECONDS, f"{what}: refused in {seconds:.1f} s")
        self.assertIn(str(MAX_CLAIMS_PER_ARTICLE), body["detail"], body["detail"])
        self.assertIn("split", body["detail"], body["detail"])
        self.assertNotIn("try again", body["detail"].lower())
        return body

    def test_over_the_limit_is_refused_through_the_api(self):
        for dry_run in (True, False):
            for as_json in (True, False):
                with self.subTest(dry_run=dry_run, as_json=as_json):
                    before = self.env.counts()
                    path = "/articles?dry_run=true" if dry_run else "/articles"
                    started = time.monotonic()
                    if as_json:
                        resp = self.post(path, {"text": self.article}, timeout=180)
                    else:
                        resp = self.request("POST", path, raw=self.article.encode("utf-8"), key=True,
                                            headers={"Content-Type": "text/plain"}, timeout=180)
                    self.assertRefused(resp, time.monotonic() - started, path)
                    self.assertEqual(self.env.counts(), before, "the database is unchanged")
        self.assertTrue(self.server.healthy())

    def test_at_the_limit_is_stored(self):
        text = synthetic_article(MAX_CLAIMS_PER_ARTICLE, uid())
        started = time.monotonic()
        resp = self.post("/articles?dry_run=true", {"text": text}, timeout=180)
        body = self.expect(resp, 200, "a dry run at the limit")
        self.assertEqual(len(body["claims"]), MAX_CLAIMS_PER_ARTICLE)
        self.assertLess(time.monotonic() - started, REFUSAL_SECONDS * 2)

    def test_over_the_limit_is_refused_by_the_cli(self):
        before = self.env.counts()
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "transcript.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.article)
            started = time.monotonic()
            out = self.env.cli("load", path, timeout=180)
            seconds = time.monotonic() - started
        self.assertNotEqual(out.returncode, 0, out.stderr)
        self.assertIn(path, out.stderr)
        self.assertIn(str(MAX_CLAIMS_PER_ARTICLE), out.stderr)
        self.assertIn("split", out.stderr)
        self.assertLess(seconds, REFUSAL_SECONDS)
        self.assertEqual(self.env.counts(), before, "the database is unchanged")


class NormalisedNames(InputBoundsTest):
    """Item 16: names are stored NFC, so the NFC and NFD spellings are one name; offsets must fall on
    character boundaries."""

    def test_nfd_and_nfc_names_are_one_party(self):
        stem = word().capitalize()
        nfc = f"Caf\u00e9 {stem}"
        nfd = unicodedata.normalize("NFD", nfc)
        self.assertNotEqual(nfc, nfd)
        created = self.expect(self.post("/parties", {"name": nfd, "kind": "group",
                                                     "aliases": [f"{nfd} Bar"]}), 201)
        self.assertEqual(created["name"], nfc, "stored NFC")
        self.assertEqual(created["aliases"], [f"{nfc} Bar"])
        resp = self.post("/parties", {"name": nfc, "kind": "group"})
        self.assertProblem(resp, 409, field="slug")
        for spelling in (nfc, nfd, f"caf\u00e9 {stem}".upper(), unicodedata.normalize("NFD", f"{nfc} Bar")):
            with self.subTest(q=spelling):
                items = self.ok_get(f"/parties?q={q(spelling)}")["items"]
                self.assertEqual([p["slug"] for p in items], [created["slug"]])
        patched = self.expect(self.patch(f"/parties/{created['slug']}", {"name": nfd + " X"}), 200)
        self.assertEqual(patched["name"], nfc + " X")

    def test_issue_names_are_normalised(self):
        nfd = unicodedata.normalize("NFD", f"R\u00e9forme {word()}")
        created = self.expect(self.post("/issues", {"name": nfd}), 201)
        self.assertEqual(created["name"], unicodedata.normalize("NFC", nfd))
        items = self.ok_get(f"/issues?q={q(unicodedata.normalize('NFC', nfd))}")["items"]
        self.assertEqual([i["slug"] for i in items], [created["slug"]])

    def test_offsets_inside_a_character_are_refused(self):
        text = f"Caf\u00e9 \U0001f600 said {word()}."
        article = self.make_article(text)
        party = self.make_party()["slug"]
        raw = text.encode("utf-8")
        e_acute = raw.index("\u00e9".encode("utf-8"))
        emoji = raw.index("\U0001f600".encode("utf-8"))
        good = self.make_claim(party, article_id=article, start=0, end=e_acute + 2)
        for start, end, field in ((e_acute + 1, e_acute + 2, "start"), (0, e_acute + 1, "end"),
                                  (emoji + 2, len(raw), "start"), (emoji, emoji + 3, "end")):
            with self.subTest(start=start, end=end):
                body = {"party": party, "stance": "asserts", "text": "x", "article_id": article,
                        "start": start, "end": end}
                self.assertProblem(self.post("/claims", body), 422, field=field)
                patch = {"start": start, "end": end}
                self.assertProblem(self.patch(f"/claims/{good['id']}", patch), 422, field=field)
        for start, end in ((emoji, emoji + 4), (len(raw), len(raw)), (0, len(raw))):
            with self.subTest(start=start, end=end, ok=True):
                self.expect(self.patch(f"/claims/{good['id']}", {"start": start, "end": end}), 200)
