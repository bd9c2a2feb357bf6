"""GET /positions, /issues/{slug}/positions and /parties/{slug}/positions: the matrix against a model
computed here from the claims the tests create (roll-ups, depth, by, filters, latest claim, counts,
order), the summary staying exact after PATCH, DELETE, article deletion, issue moves and concurrent
writes, and the validation of parameters."""

import threading
import unittest

from harness import ApiTest, STANCES, q, uid

# The documented order of stances on one date (migration 014): the strongest wins.
STRENGTH = {"threatens": 6, "demands": 5, "rejects": 4, "proposes": 3, "accepts": 2, "asserts": 1}


def latest_key(c):
    """The order of "latest": date (undated oldest), confidence (none counts as 1), strength, id."""
    confidence = c.get("confidence")
    return (c["stated_on"] is not None, c["stated_on"] or "", 1.0 if confidence is None else confidence,
            STRENGTH[c["stance"]], c["id"])

# Recounts every cell from the claims, and every rolled-up row (people under their party, top-level
# issues) from those, and the distinct claims of each party and speaker, and compares with the
# summary tables: the rows that differ, and the rows whose copy of their latest claim's fields
# differs from the claim. The latest claim: by date, then confidence (none: 1), stance strength, id.
SUMMARY_DRIFT = """
WITH fresh AS (
  SELECT l.top, l.party_id, l.speaker_id, l.issue_id,
    count(*) FILTER (WHERE l.stance = 'demands') AS demands,
    count(*) FILTER (WHERE l.stance = 'proposes') AS proposes,
    count(*) FILTER (WHERE l.stance = 'rejects') AS rejects,
    count(*) FILTER (WHERE l.stance = 'accepts') AS accepts,
    count(*) FILTER (WHERE l.stance = 'threatens') AS threatens,
    count(*) FILTER (WHERE l.stance = 'asserts') AS asserts,
    count(*) AS claim_count,
    (array_agg(l.id ORDER BY l.stated_on DESC NULLS LAST, l.confidence DESC, l.strength DESC, l.id DESC))[1] AS latest_claim_id,
    (array_agg(l.stated_on ORDER BY l.stated_on DESC NULLS LAST, l.confidence DESC, l.strength DESC, l.id DESC))[1] AS latest_stated_on,
    (array_agg(l.confidence ORDER BY l.stated_on DESC NULLS LAST, l.confidence DESC, l.strength DESC, l.id DESC))[1] AS latest_confidence,
    (array_agg(l.strength ORDER BY l.stated_on DESC NULLS LAST, l.confidence DESC, l.strength DESC, l.id DESC))[1] AS latest_strength
  FROM (SELECT DISTINCT t.top, c.id, c.party_id, coalesce(c.speaker_id, 0) AS speaker_id, c.stance,
               c.stated_on, coalesce(c.confidence, 1) AS confidence,
               CASE c.stance WHEN 'threatens' THEN 6 WHEN 'demands' THEN 5 WHEN 'rejects' THEN 4
                 WHEN 'proposes' THEN 3 WHEN 'accepts' THEN 2 ELSE 1 END AS strength,
               CASE WHEN t.top THEN coalesce(i.parent_id, i.id) ELSE i.id END AS issue_id
        FROM claims c JOIN claim_issues ci ON ci.claim_id = c.id JOIN issues i ON i.id = ci.issue_id
        CROSS JOIN (VALUES (false), (true)) AS t (top)) l
  GROUP BY l.top, l.party_id, l.speaker_id, l.issue_id),
kept AS (
  SELECT top, party_id, speaker_id, issue_id, demands::bigint, proposes::bigint, rejects::bigint,
         accepts::bigint, threatens::bigint, asserts::bigint, claim_count::bigint, latest_claim_id,
         latest_stated_on, latest_confidence, latest_strength::int
  FROM position_cells WHERE claim_count > 0),
fresh_rows AS (
  SELECT CASE WHEN p.kind = 'person' AND p.affiliation_id IS NOT NULL THEN p.affiliation_id ELSE p.id END
           AS row_id, f.issue_id,
    sum(f.demands)::bigint, sum(f.proposes)::bigint, sum(f.rejects)::bigint, sum(f.accepts)::bigint,
    sum(f.threatens)::bigint, sum(f.asserts)::bigint, sum(f.claim_count)::bigint,
    (array_agg(f.latest_claim_id ORDER BY f.latest_stated_on DESC NULLS LAST, f.latest_confidence DESC,
               f.latest_strength DESC, f.latest_claim_id DESC))[1],
    (array_agg(f.latest_stated_on ORDER BY f.latest_stated_on DESC NULLS LAST, f.latest_confidence DESC,
               f.latest_strength DESC, f.latest_claim_id DESC))[1]
  FROM fresh f JOIN parties p ON p.id = f.party_id WHERE f.top GROUP BY 1, 2),
kept_rows AS (
  SELECT row_id, issue_id, demands::bigint, proposes::bigint, rejects::bigint, accepts::bigint,
         threatens::bigint, asserts::bigint, claim_count::bigint, latest_claim_id, latest_stated_on
  FROM position_rows WHERE claim_count > 0),
stale_latest AS (
  SELECT r.* FROM position_rows r JOIN claims c ON c.id = r.latest_claim_id
  WHERE r.claim_count > 0 AND (r.latest_stance, r.latest_speaker_id, r.latest_text, r.latest_article_id)
    IS DISTINCT FROM (c.stance, c.speaker_id, c.text, c.article_id)),
fresh_totals AS (
  SELECT c.party_id, coalesce(c.speaker_id, 0) AS speaker_id, count(*) AS n FROM claims c
  WHERE EXISTS (SELECT 1 FROM claim_issues ci WHERE ci.claim_id = c.id) GROUP BY 1, 2),
kept_totals AS (SELECT party_id, speaker_id, claim_count::bigint FROM position_totals WHERE claim_count <> 0)
SELECT (SELECT count(*) FROM stale_latest) + (SELECT count(*) FROM ((SELECT * FROM fresh EXCEPT SELECT * FROM kept)
                              UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM fresh)) d)
     + (SELECT count(*) FROM ((SELECT * FROM fresh_rows EXCEPT SELECT * FROM kept_rows)
                              UNION ALL (SELECT * FROM kept_rows EXCEPT SELECT * FROM fresh_rows)) d)
     + (SELECT count(*) FROM ((SELECT * FROM fresh_totals EXCEPT SELECT * FROM kept_totals)
                              UNION ALL (SELECT * FROM kept_totals EXCEPT SELECT * FROM fresh_totals)) d);
"""
LINKS_UNFILLED = "SELECT count(*) FROM claim_issues ci JOIN claims c ON c.id = ci.claim_id " \
                 "WHERE ci.party_id IS DISTINCT FROM c.party_id " \
                 "OR ci.speaker_id IS DISTINCT FROM coalesce(c.speaker_id, 0)"


class World:
    """The parties, issues and claims a test made, and the matrix they should give."""

    def __init__(self):
        self.parties = {}  # slug -> {"name", "kind", "affiliation"}
        self.issues = {}   # slug -> {"name", "parent"}
        self.claims = {}   # id -> claim record

    def add_party(self, p):
        self.parties[p["slug"]] = p

    def add_issue(self, i):
        self.issues[i["slug"]] = i

    def add_claim(self, c):
        self.claims[c["id"]] = c

    def rolled(self, slug):
        p = self.parties[slug]
        return p["affiliation"] if p["kind"] == "person" and p["affiliation"] else slug

    def of_party(self, c, party):
        for s in (c["party"], c["speaker"]):
            if s is None:
                continue
            p = self.parties[s]
            if s == party or (p["kind"] == "person" and p["affiliation"] == party):
                return True
        return False

    def matrix(self, depth="top", by="party", issue=None, party=None, since=None, until=None, stance=None):
        top = depth == "top" and (issue is None or self.issues[issue]["parent"] is None)
        cells = {}
        for c in self.claims.values():
            if since and (c["stated_on"] is None or c["stated_on"] < since):
                continue
            if until and (c["stated_on"] is None or c["stated_on"] > until):
                continue
            if stance and c["stance"] != stance:
                continue
            if party and not self.of_party(c, party):
                continue
            row = (c["speaker"] or c["party"]) if by == "speaker" else self.rolled(c["party"])
            columns = set()
            for i in c["issues"]:
                parent = self.issues[i]["parent"]
                if issue and not (i == issue or parent == issue):
                    continue
                columns.add((parent or i) if top else i)
            for col in columns:
                cells.setdefault((row, col), []).append(c)
        # A row counts its distinct claims (a claim on two issues once); a column's claims are
        # each in one row, so its sum is distinct already.
        row_claims, col_n = {}, {}
        for (row, col), claims in cells.items():
            row_claims.setdefault(row, set()).update(c["id"] for c in claims)
            col_n[col] = col_n.get(col, 0) + len(claims)
        row_n = {row: len(ids) for row, ids in row_claims.items()}
        rows = sorted(row_n, key=lambda s: (-row_n[s], s))
        cols = sorted(col_n, key=lambda s: (-col_n[s], s))
        out_cells = []
        for row in rows:
            for col in cols:
                claims = cells.get((row, col))
                if not claims:
                    continue
                latest = max(claims, key=latest_key)
                out_cells.append({
                    "party": row, "issue": col, "stance": latest["stance"], "stated_on": latest["stated_on"],
                    "counts": {s: sum(1 for c in claims if c["stance"] == s) for s in STANCES},
                    "claim_count": len(claims),
                    "latest_claim": {"id": latest["id"], "speaker": latest["speaker"], "text": latest["text"],
                                     "article_id": latest["article_id"], "stated_on": latest["stated_on"]}})
        return {
            "parties": [{"slug": s, "name": self.parties[s]["name"], "kind": self.parties[s]["kind"],
                         "claim_count": row_n[s]} for s in rows],
            "issues": [{"slug": s, "name": self.issues[s]["name"], "parent": self.issues[s]["parent"],
                        "claim_count": col_n[s]} for s in cols],
            "cells": out_cells,
        }


class PositionsTest(ApiTest):
    def assertSummaryExact(self):
        self.assertEqual(self.env.psql_value(LINKS_UNFILLED), "0", "every link carries its claim's party and speaker")
        self.assertEqual(self.env.psql_value(SUMMARY_DRIFT), "0",
                         "the summary cells and rows equal a recount of the claims")

    def positions(self, query="", path="/positions"):
        """The matrix without its data version (checked, then dropped: the model has none)."""
        matrix = self.ok_get(f"{path}?{query}" if query else path)
        self.assertIsInstance(matrix.pop("version"), int)
        return matrix

    def get_at_once(self, path, count):
        """`count` GET requests of `path` released together; their responses."""
        results = [None] * count
        barrier = threading.Barrier(count)

        def read(i):
            barrier.wait()
            results[i] = self.get(path)

        readers = [threading.Thread(target=read, args=(i,)) for i in range(count)]
        for t in readers:
            t.start()
        for t in readers:
            t.join()
        return results

    def claim(self, world, party, **fields):
        c = self.make_claim(party=party, **fields)
        world.add_claim(c)
        return c

    def build(self):
        """Two states (one with two people), a top-level issue with two sub-issues, another top-level
        issue, and claims on them."""
        w = World()
        s = self.make_party(kind="state", name=f"State {uid()}")
        t = self.make_party(kind="state", name=f"Other {uid()}")
        a = self.make_party(kind="person", affiliation=s["slug"], name=f"Person {uid()}")
        b = self.make_party(kind="person", affiliation=s["slug"], name=f"Person {uid()}")
        for p in (s, t, a, b):
            w.add_party(p)
        i1 = self.make_issue(name=f"Top {uid()}")
        i1a = self.make_issue(parent=i1["slug"])
        i1b = self.make_issue(parent=i1["slug"])
        i2 = self.make_issue(name=f"Second {uid()}")
        for i in (i1, i1a, i1b, i2):
            w.add_issue(i)
        self.s, self.t, self.a, self.b = s["slug"], t["slug"], a["slug"], b["slug"]
        self.i1, self.i1a, self.i1b, self.i2 = i1["slug"], i1a["slug"], i1b["slug"], i2["slug"]
        self.claim(w, self.s, speaker=self.a, issues=[self.i1a], stance="demands", stated_on="2025-12-01")
        self.claim(w, self.s, speaker=self.b, issues=[self.i1a, self.i1b], stance="rejects", stated_on="2025-12-03")
        self.claim(w, self.s, issues=[self.i1], stance="asserts", stated_on="2025-12-02")
        self.claim(w, self.a, issues=[self.i1b], stance="proposes", stated_on="2025-11-20")  # a person's own claim
        self.claim(w, self.s, speaker=self.a, issues=[self.i2], stance="threatens")  # undated: oldest
        self.claim(w, self.s, issues=[self.i2], stance="accepts", stated_on="2025-10-01")
        self.claim(w, self.t, issues=[self.i1a, self.i2], stance="demands", stated_on="2025-12-03")
        self.claim(w, self.t, speaker=self.b, issues=[self.i1b], stance="asserts", stated_on="2025-12-03")
        self.claim(w, self.t, issues=[], stance="demands", stated_on="2025-12-04")  # no issue: no cell
        return w


class PositionsMatrix(PositionsTest):
    def test_roll_ups_against_the_model(self):
        w = self.build()
        cases = [
            {"issue": self.i1}, {"issue": self.i2}, {"issue": self.i1, "depth": "fine"},
            {"issue": self.i1a}, {"issue": self.i1a, "depth": "fine"}, {"issue": self.i1, "by": "speaker"},
            {"party": self.s}, {"party": self.t}, {"party": self.a}, {"party": self.s, "by": "speaker"},
            {"party": self.s, "depth": "fine"}, {"party": self.s, "depth": "fine", "by": "speaker"},
            {"party": self.t, "issue": self.i1}, {"party": self.b, "by": "speaker", "depth": "fine"},
            {"issue": self.i1, "since": "2025-12-02"}, {"issue": self.i1, "until": "2025-12-02"},
            {"issue": self.i1, "since": "2025-12-02", "until": "2025-12-02"},
            {"party": self.s, "stance": "demands"}, {"party": self.s, "stance": "rejects", "depth": "fine"},
            {"issue": self.i2, "since": "0001-01-01"}, {"party": self.s, "by": "speaker", "since": "2025-11-01"},
        ]
        for case in cases:
            with self.subTest(**case):
                query = "&".join(f"{k}={q(v)}" for k, v in case.items())
                self.assertEqual(self.positions(query), w.matrix(**case))

    def test_concurrent_readers_get_the_same_matrix(self):
        """More requests than the matrices built at once (2) and than server threads: each
        waits its turn and gets the whole matrix."""
        self.build()
        expected = self.positions()
        results = self.get_at_once("/positions", 12)
        self.assertEqual([r.status for r in results], [200] * len(results))
        for r in results:
            r.body.pop("version")
            self.assertEqual(r.body, expected)

    def test_known_values(self):
        """A few cells spelled out, so that the model itself is checked."""
        self.build()
        m = self.positions(f"issue={self.i1}")
        cells = {(c["party"], c["issue"]): c for c in m["cells"]}
        # The people of S count under S; the claim on two sub-issues counts once under the top issue.
        s_cell = cells[(self.s, self.i1)]
        self.assertEqual(s_cell["claim_count"], 4)
        self.assertEqual(s_cell["counts"], {"demands": 1, "proposes": 1, "rejects": 1, "accepts": 0,
                                            "threatens": 0, "asserts": 1})
        self.assertEqual((s_cell["stance"], s_cell["stated_on"]), ("rejects", "2025-12-03"))
        self.assertEqual(s_cell["latest_claim"]["speaker"], self.b)
        # T's two claims of the same day, neither with a confidence: the stronger stance is the
        # latest (demands before asserts), not the higher id.
        t_cell = cells[(self.t, self.i1)]
        self.assertEqual((t_cell["claim_count"], t_cell["stance"]), (2, "demands"))
        self.assertEqual([p["slug"] for p in m["parties"]], [self.s, self.t])
        self.assertEqual([(i["slug"], i["claim_count"]) for i in m["issues"]], [(self.i1, 6)])
        fine = self.positions(f"issue={self.i1}&depth=fine")
        counts = {(c["party"], c["issue"]): c["claim_count"] for c in fine["cells"]}
        self.assertEqual(counts, {(self.s, self.i1a): 2, (self.s, self.i1b): 2, (self.s, self.i1): 1,
                                  (self.t, self.i1a): 1, (self.t, self.i1b): 1})
        by_speaker = self.positions(f"issue={self.i1}&by=speaker")
        counts = {(c["party"], c["issue"]): c["claim_count"] for c in by_speaker["cells"]}
        self.assertEqual(counts, {(self.a, self.i1): 2, (self.b, self.i1): 2, (self.s, self.i1): 1,
                                  (self.t, self.i1): 1})
        # An undated claim is the oldest: S's latest on I2 is the dated one.
        i2 = {c["party"]: c for c in self.positions(f"issue={self.i2}")["cells"]}
        self.assertEqual((i2[self.s]["stance"], i2[self.s]["stated_on"]), ("accepts", "2025-10-01"))
        self.assertEqual(i2[self.s]["claim_count"], 2)

    def test_unfiltered_matrix_holds_these_cells(self):
        w = self.build()
        expected = w.matrix()
        got = self.positions()
        mine = [c for c in got["cells"] if c["party"] in (self.s, self.t)]
        self.assertEqual(mine, expected["cells"])
        slugs = [p["slug"] for p in got["parties"]]
        counts = [p["claim_count"] for p in got["parties"]]
        self.assertEqual(counts, sorted(counts, reverse=True), "parties ordered by claim count")
        self.assertIn(self.s, slugs)
        self.assertNotIn(self.a, slugs, "people count under their state by default")
        issue_counts = [i["claim_count"] for i in got["issues"]]
        self.assertEqual(issue_counts, sorted(issue_counts, reverse=True), "issues ordered by claim count")
        self.assertNotIn(self.i1a, [i["slug"] for i in got["issues"]], "sub-issues roll up by default")
        # Every cell's party and issue is listed; an issue's total is the sum of its cells (a claim
        # has one row), a party's the number of its distinct claims: at most the sum of its cells.
        sums = {"parties": {}, "issues": {}}
        for c in got["cells"]:
            for kind, key in (("parties", "party"), ("issues", "issue")):
                sums[kind][c[key]] = sums[kind].get(c[key], 0) + c["claim_count"]
        self.assertEqual({x["slug"]: x["claim_count"] for x in got["issues"]}, sums["issues"])
        self.assertEqual({x["slug"] for x in got["parties"]}, set(sums["parties"]))
        for x in got["parties"]:
            self.assertLessEqual(x["claim_count"], sums["parties"][x["slug"]])
        self.assertEqual([p for p in got["parties"] if p["slug"] in (self.s, self.t)],
                         w.matrix()["parties"])
        self.assertEqual(self.positions("since=0001-01-01&depth=fine")["cells"] != [], True)

    def test_path_forms(self):
        w = self.build()
        self.assertEqual(self.positions(path=f"/issues/{self.i1}/positions"), w.matrix(issue=self.i1))
        self.assertEqual(self.positions("depth=fine", path=f"/issues/{self.i1}/positions"),
                         w.matrix(issue=self.i1, depth="fine"))
        self.assertEqual(self.positions(path=f"/parties/{self.s}/positions"), w.matrix(party=self.s))
        self.assertEqual(self.positions(f"by=speaker&issue={self.i2}", path=f"/parties/{self.s}/positions"),
                         w.matrix(party=self.s, by="speaker", issue=self.i2))
        self.assertEqual(self.positions(f"stance=demands", path=f"/parties/{self.t}/positions"),
                         w.matrix(party=self.t, stance="demands"))

    def test_unknown_records(self):
        empty = {"parties": [], "issues": [], "cells": []}
        self.assertEqual(self.positions(f"issue=nope-{uid()}"), empty)
        self.assertEqual(self.positions(f"party=nope-{uid()}"), empty)
        self.assertProblem(self.get(f"/issues/nope-{uid()}/positions"), 404)
        self.assertEqual(self.get(f"/issues/nope-{uid()}/positions").body["type"].rsplit("/", 1)[1],
                         "issue-not-found")
        self.assertProblem(self.get(f"/parties/nope-{uid()}/positions"), 404)
        self.assertProblem(self.get("/parties/NOT_A_SLUG/positions"), 404)
        p = self.make_party()
        self.assertEqual(self.positions(f"issue=nope-{uid()}", path=f"/parties/{p['slug']}/positions"), empty)

    def test_bad_parameters(self):
        for query, field in (("depth=deep", "depth"), ("by=person", "by"), ("since=2025-13-01", "since"),
                             ("until=yesterday", "until"), ("stance=wants", "stance"), ("issue=Bad_Slug", "issue"),
                             ("limit=5", "limit"), ("depth=top&depth=fine", "depth"), ("party=", "party")):
            with self.subTest(query=query):
                self.assertProblem(self.get(f"/positions?{query}"), 400, field=field)
        self.assertProblem(self.get("/issues/ceasefire/positions?issue=ceasefire"), 400, field="issue")
        self.assertProblem(self.get("/parties/russia/positions?party=russia"), 400, field="party")


class PositionsHonestCounts(PositionsTest):
    """Issue 13, items 9 and 10: a party's claim_count counts distinct claims; a cell's latest claim
    on one date is the strongest statement, not the last id."""

    def test_a_claim_on_two_issues_counts_once_for_its_party(self):
        self.build()
        m = self.positions()
        parties = {p["slug"]: p["claim_count"] for p in m["parties"]}
        cells = {(c["party"], c["issue"]): c["claim_count"] for c in m["cells"] if c["party"] == self.t}
        # T: one claim on I1a and I2 (two cells), one on I1b; per-cell counts stay per cell.
        self.assertEqual(cells, {(self.t, self.i1): 2, (self.t, self.i2): 1})
        self.assertEqual(parties[self.t], 2, "T has two claims in the matrix, not three")
        self.assertEqual(parties[self.s], 6)
        fine = self.positions(f"depth=fine&party={self.s}")
        self.assertEqual({p["slug"]: p["claim_count"] for p in fine["parties"]}[self.s], 6,
                         "a claim on two sub-issues counts once for S")
        family = self.positions(f"depth=fine&issue={self.i1}")
        self.assertEqual({p["slug"]: p["claim_count"] for p in family["parties"]}, {self.s: 4, self.t: 2})
        by_speaker = self.positions(f"by=speaker&party={self.t}")
        self.assertEqual({p["slug"]: p["claim_count"] for p in by_speaker["parties"]}, {self.t: 1, self.b: 1})
        scanned = self.positions(f"since=2025-12-03&party={self.t}")
        self.assertEqual({p["slug"]: p["claim_count"] for p in scanned["parties"]}, {self.t: 2})

    def test_totals_follow_deletes_moves_and_links(self):
        w = self.build()
        t_claims = [c for c in w.claims.values() if c["party"] == self.t and c["issues"]]
        two = next(c for c in t_claims if len(c["issues"]) == 2)
        # Fewer links: still one claim. No links: out of the matrix. Another party: moves.
        self.expect(self.patch(f"/claims/{two['id']}", {"issues": [self.i2]}), 200)
        w.claims[two["id"]]["issues"] = [self.i2]
        self.assertMine(w)
        lone = next(c for c in w.claims.values() if c["party"] == self.t and not c["issues"])
        self.expect(self.patch(f"/claims/{lone['id']}", {"issues": [self.i1, self.i2]}), 200)
        w.claims[lone["id"]]["issues"] = [self.i1, self.i2]
        self.expect(self.patch(f"/claims/{two['id']}", {"party": self.s}), 200)
        w.claims[two["id"]]["party"] = self.s
        victim = next(c for c in w.claims.values() if c["party"] == self.s and len(c["issues"]) == 2)
        self.expect(self.delete(f"/claims/{victim['id']}"), 204)
        del w.claims[victim["id"]]
        self.assertMine(w)
        self.assertSummaryExact()

    def assertMine(self, w):
        got = self.positions()
        want = w.matrix()
        self.assertEqual([p for p in got["parties"] if p["slug"] in (self.s, self.t)], want["parties"])
        self.assertEqual([c for c in got["cells"] if c["party"] in (self.s, self.t)], want["cells"])

    def test_latest_is_the_strongest_statement_of_the_day(self):
        w = World()
        p = self.make_party(kind="state")
        i = self.make_issue()
        w.add_party(p)
        w.add_issue(i)
        art = self.make_article()
        def mk(stance):
            return self.claim(w, p["slug"], issues=[i["slug"]], stance=stance, stated_on="2025-12-10",
                              article_id=art)
        strong = mk("rejects")
        mk("asserts")  # the article's last sentence: today it would set the colour
        cell = self.positions(f"issue={i['slug']}")["cells"][0]
        self.assertEqual((cell["stance"], cell["latest_claim"]["id"]), ("rejects", strong["id"]))
        # Confidence before stance: a sure assertion outranks an unsure rejection.
        sure = mk("asserts")
        self.env.psql(f"UPDATE claims SET confidence = 0.9 WHERE id = {sure['id']}")
        self.env.psql(f"UPDATE claims SET confidence = 0.4 WHERE id = {strong['id']}")
        w.claims[sure["id"]]["confidence"] = 0.9
        w.claims[strong["id"]]["confidence"] = 0.4
        for c in w.claims.values():
            if c["id"] not in (sure["id"], strong["id"]):
                self.env.psql(f"UPDATE claims SET confidence = 0.5 WHERE id = {c['id']}")
                c["confidence"] = 0.5
        for query in (f"issue={i['slug']}", f"party={p['slug']}", f"issue={i['slug']}&since=2025-12-01",
                      f"issue={i['slug']}&depth=fine"):
            with self.subTest(query=query):
                cell = self.positions(query)["cells"][0]
                self.assertEqual((cell["stance"], cell["latest_claim"]["id"]), ("asserts", sure["id"]))
        # A later date still wins over any confidence.
        later = self.claim(w, p["slug"], issues=[i["slug"]], stance="accepts", stated_on="2025-12-11")
        self.env.psql(f"UPDATE claims SET confidence = 0.1 WHERE id = {later['id']}")
        w.claims[later["id"]]["confidence"] = 0.1
        self.assertEqual(self.positions(f"issue={i['slug']}"), w.matrix(issue=i["slug"]))
        self.assertSummaryExact()


class PositionsStayExact(PositionsTest):
    def test_patch_delete_and_moves(self):
        w = self.build()
        claims = sorted(w.claims.values(), key=lambda c: c["id"])
        # A new stance, a new date, a new speaker, a new party, new issues, a new text.
        changes = [
            (claims[0], {"stance": "accepts"}),
            (claims[1], {"stated_on": "2024-01-01"}),
            (claims[2], {"speaker": self.b}),
            (claims[3], {"party": self.t}),
            (claims[5], {"issues": [self.i1a, self.i1b, self.i2]}),
            (claims[6], {"stated_on": None}),
            (claims[7], {"text": f"A corrected text {uid()}."}),
        ]
        for claim, patch in changes:
            w.add_claim(self.expect(self.patch(f"/claims/{claim['id']}", patch), 200))
        # A text changed in the database itself (a PATCH also relinks the claim's issues, which
        # recounts its cells and rows): the rows it is the latest of follow.
        self.env.psql("UPDATE claims SET text = 'Changed in SQL ' || id WHERE id = :'id'", id=claims[7]["id"])
        w.add_claim(self.ok_get(f"/claims/{claims[7]['id']}"))
        self.expect(self.delete(f"/claims/{claims[4]['id']}"), 204)
        del w.claims[claims[4]["id"]]
        for case in ({"issue": self.i1}, {"issue": self.i2}, {"party": self.s, "by": "speaker"},
                     {"party": self.t, "depth": "fine"}, {"issue": self.i1, "depth": "fine"}):
            with self.subTest(after="patch", **case):
                self.assertEqual(self.positions("&".join(f"{k}={v}" for k, v in case.items())), w.matrix(**case))
        # A sub-issue moves to the other top-level issue, then becomes top-level itself.
        moved = self.expect(self.patch(f"/issues/{self.i1b}", {"parent": self.i2}), 200)
        w.add_issue(moved)
        for case in ({"issue": self.i1}, {"issue": self.i2}, {"party": self.s}, {"party": self.t}):
            with self.subTest(after="move", **case):
                self.assertEqual(self.positions("&".join(f"{k}={v}" for k, v in case.items())), w.matrix(**case))
        moved = self.expect(self.patch(f"/issues/{self.i1b}", {"parent": None}), 200)
        w.add_issue(moved)
        self.assertEqual(self.positions(f"party={self.s}"), w.matrix(party=self.s))
        self.assertEqual(self.positions(f"issue={self.i1b}"), w.matrix(issue=self.i1b))
        # Remove everything: the cells go.
        for claim in list(w.claims.values()):
            self.expect(self.delete(f"/claims/{claim['id']}"), 204)
        w.claims.clear()
        self.assertEqual(self.positions(f"party={self.s}")["cells"], [])
        self.assertEqual(self.positions(f"issue={self.i1}")["cells"], [])
        self.assertSummaryExact()

    def test_affiliation_changes(self):
        """A person who changes party (or loses it, or stops being a person) takes their claims to
        the other row of the rolled-up matrix, and back."""
        w = self.build()
        steps = [(self.a, {"affiliation": self.t}), (self.b, {"affiliation": None}),
                 (self.a, {"kind": "organization", "affiliation": None}),
                 (self.a, {"kind": "person", "affiliation": self.s}), (self.b, {"affiliation": self.s})]
        for slug, patch in steps:
            w.add_party(self.expect(self.patch(f"/parties/{slug}", patch), 200))
            for case in ({"issue": self.i1}, {"issue": self.i2}, {"party": self.s}, {"party": self.t}):
                with self.subTest(changed=slug, patch=patch, **case):
                    query = "&".join(f"{k}={q(v)}" for k, v in case.items())
                    self.assertEqual(self.positions(query), w.matrix(**case))
            self.assertSummaryExact()

    def test_article_deletion(self):
        w = self.build()
        article = self.make_article(f"Article for positions {uid()}.")
        for stance, date in (("threatens", "2026-01-05"), ("rejects", "2026-01-06")):
            self.claim(w, self.s, article_id=article, issues=[self.i1b], stance=stance, stated_on=date)
        m = self.positions(f"issue={self.i1}")
        self.assertEqual(m, w.matrix(issue=self.i1))
        self.assertEqual(m["cells"][0]["latest_claim"]["article_id"], article)
        self.expect(self.delete(f"/articles/{article}"), 204)
        w.claims = {k: c for k, c in w.claims.items() if c["article_id"] != article}
        self.assertEqual(self.positions(f"issue={self.i1}"), w.matrix(issue=self.i1))
        self.assertEqual(self.positions(f"party={self.s}&depth=fine"), w.matrix(party=self.s, depth="fine"))
        self.assertSummaryExact()

    def test_concurrent_writes(self):
        """Threads insert, patch and delete claims of the same cells at once; the summary must equal a
        recount, and the summary's matrix the one counted from the claims."""
        state = self.make_party(kind="state")
        people = [self.make_party(kind="person", affiliation=state["slug"]) for _ in range(3)]
        top = self.make_issue()
        subs = [self.make_issue(parent=top["slug"]) for _ in range(3)]
        slugs = [s["slug"] for s in subs] + [top["slug"]]
        errors = []
        lock = threading.Lock()

        def worker(n):
            try:
                for k in range(12):
                    issues = [slugs[(n + k) % 4], slugs[(n * 3 + k) % 4]]
                    body = {"party": state["slug"], "speaker": people[(n + k) % 3]["slug"],
                            "issues": sorted(set(issues)), "stance": STANCES[(n + k) % 6],
                            "text": f"concurrent {n} {k}", "stated_on": f"2025-0{1 + k % 9}-1{n % 10}"}
                    resp = self.post("/claims", body)
                    if resp.status != 201:
                        raise AssertionError(f"create: {resp.status} {resp.body!r:.300}")
                    cid = resp.body["id"]
                    if k % 4 == 1:
                        resp = self.patch(f"/claims/{cid}", {"stance": "accepts", "issues": [slugs[k % 4]]})
                        if resp.status != 200:
                            raise AssertionError(f"patch: {resp.status} {resp.body!r:.300}")
                    if k % 5 == 2:
                        resp = self.delete(f"/claims/{cid}")
                        if resp.status != 204:
                            raise AssertionError(f"delete: {resp.status} {resp.body!r:.300}")
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        for query in (f"party={state['slug']}", f"party={state['slug']}&depth=fine",
                      f"party={state['slug']}&by=speaker", f"issue={top['slug']}&depth=fine"):
            with self.subTest(query=query):
                summary = self.positions(query)
                self.assertTrue(summary["cells"])
                self.assertEqual(summary, self.positions(query + "&since=0001-01-01"),
                                 "the summary gives what counting the claims gives")
        total = sum(c["claim_count"] for c in self.positions(f"party={state['slug']}")["cells"])
        self.assertEqual(total, int(self.env.psql_value(
            "SELECT count(*) FROM claims c JOIN parties p ON p.id = c.party_id WHERE p.slug = :'s'",
            s=state["slug"])))
        self.assertSummaryExact()


def positions_answers(test):
    """GET /metrics: how many /positions answers were built, shared with a build, taken cached."""
    text = test.expect(test.get("/metrics"), 200, "GET /metrics").decode("utf-8")
    counts = {}
    for line in text.splitlines():
        if line.startswith('parley_positions_answers_total{source="'):
            source = line.split('"')[1]
            counts[source] = float(line.rsplit(" ", 1)[1])
    test.assertEqual(set(counts), {"built", "shared", "cached"}, text[-2000:])
    return counts


class PositionsShared(PositionsTest):
    """One build per data version and query (positions_cache.c): never stale, identical answers
    under concurrency, one build for requests that ask at once."""

    def matrix_response(self, query):
        resp = self.get(f"/positions?{query}")
        self.assertEqual(resp.status, 200, resp.body)
        return resp

    def test_every_write_changes_the_answer(self):
        w = self.build()
        query = f"issue={self.i1}&depth=fine"
        first = self.matrix_response(query)
        again = self.matrix_response(query)
        self.assertEqual(again.body, first.body)
        self.assertEqual(again.headers.get("etag"), first.headers.get("etag"))
        # A new claim, a changed claim, a deleted claim: each is in the next answer.
        c = self.claim(w, self.t, issues=[self.i1b], stance="threatens", stated_on="2025-12-09")
        added = self.matrix_response(query)
        self.assertNotEqual(added.headers.get("etag"), first.headers.get("etag"))
        self.assertGreater(added.body["version"], first.body["version"])
        added.body.pop("version")
        self.assertEqual(added.body, w.matrix(issue=self.i1, depth="fine"))
        text = f"Changed text {uid()}"
        self.expect(self.patch(f"/claims/{c['id']}", {"text": text}), 200, "PATCH claim")
        cells = self.matrix_response(query).body["cells"]
        self.assertIn(text, [cell["latest_claim"]["text"] for cell in cells])
        self.expect(self.delete(f"/claims/{c['id']}"), 204, "DELETE claim")
        del w.claims[c["id"]]
        gone = self.matrix_response(query).body
        gone.pop("version")
        self.assertEqual(gone, w.matrix(issue=self.i1, depth="fine"))

    def test_requests_at_once_share_one_build(self):
        self.build()  # writes: a data version no answer was built for
        query = f"issue={self.i1}&by=speaker"
        before = positions_answers(self)
        results = self.get_at_once(f"/positions?{query}", 12)
        self.assertEqual([r.status for r in results], [200] * len(results))
        self.assertEqual({r.headers.get("etag") for r in results}, {results[0].headers.get("etag")})
        for r in results:
            self.assertEqual(r.body, results[0].body)
        after = positions_answers(self)
        delta = {k: after[k] - before[k] for k in after}
        self.assertEqual(delta["built"], 1, delta)
        self.assertEqual(delta["shared"] + delta["cached"], len(results) - 1, delta)
        # Later requests reuse it until the data changes.
        self.assertEqual(self.matrix_response(query).body, results[0].body)
        self.assertEqual(positions_answers(self)["cached"], after["cached"] + 1)


if __name__ == "__main__":
    unittest.main()
