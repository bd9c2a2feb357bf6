"""Weak ETags on every list, /positions and /shifts (issue 13, item 11): a second GET with
If-None-Match is 304 with the same ETag and no body; any write that changes a record (party, issue,
claim, article, delete, a re-extraction that changes claims) changes it, and one that changes none
(an unchanged re-extraction, loading an article already stored) leaves it; it varies with the query
(filters, cursor, limit, representation) but not with the order of its parameters; concurrent writers
neither deadlock nor fail, and the data version moves once per writing transaction."""

import re
import threading
import unittest

from harness import ApiTest, uid, word

WEAK = re.compile(r'^W/"v(\d+)-[0-9a-f]{16}"$')


class ListETags(ApiTest):
    def setUp(self):
        self.party = self.make_party(kind="state")
        self.issue = self.make_issue()
        self.article = self.make_article()
        self.claims = [self.make_claim(party=self.party["slug"], issues=[self.issue["slug"]],
                                       stance=stance, stated_on=f"2025-12-0{n}", article_id=self.article)
                       for n, stance in enumerate(("demands", "rejects", "accepts"), start=1)]

    def lists(self):
        p, i, a = self.party["slug"], self.issue["slug"], self.article
        return ["/claims", "/parties", "/issues", "/articles", f"/issues/{i}/claims", f"/parties/{p}/claims",
                f"/articles/{a}/claims", "/positions", f"/issues/{i}/positions", f"/parties/{p}/positions",
                f"/shifts?party={p}", "/claims?limit=2&sort=stated_on", f"/positions?party={p}&depth=fine"]

    def etag(self, path, headers=None):
        resp = self.get(path, headers=headers)
        self.expect(resp, 200, path)
        tag = resp.headers.get("etag")
        self.assertRegex(tag or "", WEAK, f"{path}: a weak ETag")
        return tag

    def test_not_modified(self):
        for path in self.lists():
            with self.subTest(path=path):
                tag = self.etag(path)
                again = self.get(path, headers={"If-None-Match": tag})
                self.assertEqual(again.status, 304)
                self.assertEqual(again.headers.get("etag"), tag)
                self.assertIn(again.body, (b"", None))
                # A list of tags, or the tag sent strong, matches weakly as well.
                self.assertEqual(self.get(path, headers={"If-None-Match": f'"x", {tag}'}).status, 304)
                self.assertEqual(self.get(path, headers={"If-None-Match": tag[2:]}).status, 304)
                self.assertEqual(self.get(path, headers={"If-None-Match": '"other"'}).status, 200)
                self.assertEqual(self.request("HEAD", path, headers={"If-None-Match": tag}).status, 304)

    def test_varies_with_the_query(self):
        p = self.party["slug"]
        first = self.get("/claims?limit=1")
        tags = {self.etag("/claims"), self.etag("/claims?limit=1"), self.etag("/claims?limit=2"),
                self.etag(f"/claims?party={p}"), self.etag(f"/claims?limit=1&cursor={first.body['next']}"),
                self.etag("/claims", headers={"Accept": "text/csv"}), self.etag("/positions"),
                self.etag("/positions?depth=fine"), self.etag(f"/shifts?party={p}"),
                self.etag(f"/shifts?party={p}&within_article=true")}
        self.assertEqual(len(tags), 10, "each query and representation its own ETag")
        self.assertEqual(self.etag(f"/claims?limit=2&party={p}"), self.etag(f"/claims?party={p}&limit=2"),
                         "the order of the parameters does not matter")
        self.assertEqual(self.etag("/claims?limit=2"), self.etag("/claims?limit=02"), "nor how a number is spelt")
        csv = self.etag("/claims", headers={"Accept": "text/csv"})
        self.assertEqual(self.get("/claims", headers={"If-None-Match": csv}).status, 200,
                         "the JSON list is not the CSV one")

    def load(self, text):
        resp = self.request("POST", "/articles", raw=text.encode(), headers={"Content-Type": "text/plain"})
        return self.expect(resp, 201)["article"]["id"]

    def test_every_write_changes_it(self):
        p, i = self.party["slug"], self.issue["slug"]
        # An article whose claim gains an issue when re-extracted: the keyword comes after the load.
        marker = word()
        stale = self.load(f"Russia said it rejects the {marker} plan.")
        self.make_issue(keywords=[marker])
        paths = ["/claims", "/parties", "/issues", "/articles", "/positions", f"/shifts?party={p}"]
        writes = [
            ("create a party", lambda: self.make_party()),
            ("patch a party", lambda: self.expect(self.patch(f"/parties/{p}", {"name": f"Renamed {uid()}"}), 200)),
            ("create an issue", lambda: self.make_issue()),
            ("patch an issue", lambda: self.expect(self.patch(f"/issues/{i}", {"name": f"Issue {uid()}"}), 200)),
            ("create a claim", lambda: self.make_claim(party=p, issues=[i])),
            ("patch a claim", lambda: self.expect(self.patch(f"/claims/{self.claims[0]['id']}",
                                                              {"stance": "threatens"}), 200)),
            ("delete a claim", lambda: self.expect(self.delete(f"/claims/{self.claims[1]['id']}"), 204)),
            ("load an article", lambda: self.expect(self.request(
                "POST", "/articles", raw=f"Russia said it rejects the ceasefire {uid()}.".encode(),
                headers={"Content-Type": "text/plain"}), 201)),
            ("re-extract", lambda: self.expect(self.request("POST", f"/articles/{stale}/reextract"), 200)),
            ("delete an article", lambda: self.expect(self.delete(f"/articles/{self.make_article()}"), 204)),
        ]
        for name, write in writes:
            with self.subTest(write=name):
                before = {path: self.etag(path) for path in paths}
                version = self.get("/positions").body["version"]
                write()
                after = {path: self.etag(path) for path in paths}
                for path in paths:
                    self.assertNotEqual(after[path], before[path], f"{path} after {name}")
                    self.assertEqual(self.get(path, headers={"If-None-Match": before[path]}).status, 200)
                self.assertGreater(self.get("/positions").body["version"], version)
                self.assertEqual(WEAK.match(after["/positions"]).group(1),
                                 str(self.get("/positions").body["version"]))

    def test_reads_and_refused_writes_leave_it(self):
        tag = self.etag("/claims")
        self.get("/positions")
        self.get(f"/claims/{self.claims[0]['id']}")
        self.assertProblem(self.post("/claims", {"party": f"nope-{uid()}", "stance": "demands", "text": "x"}), 422)
        self.assertEqual(self.get("/claims", headers={"If-None-Match": tag}).status, 304)

    def test_writes_that_change_nothing_leave_it(self):
        text = f"Russia said it rejects the {word()} plan."
        article = self.load(text)
        tags = {path: self.etag(path) for path in ("/claims", "/articles", "/positions")}
        version = self.get("/positions").body["version"]
        # The same bytes again: recognised, nothing written.
        self.expect(self.request("POST", "/articles", raw=text.encode(), headers={"Content-Type": "text/plain"}),
                    200)
        # A re-extraction whose claims come out the same.
        self.expect(self.request("POST", f"/articles/{article}/reextract"), 200)
        for path, tag in tags.items():
            self.assertEqual(self.get(path, headers={"If-None-Match": tag}).status, 304, path)
        self.assertEqual(self.get("/positions").body["version"], version)

    def test_concurrent_writers(self):
        """Writers on the same cells and the same party at once: none waits forever, none fails,
        and each writing transaction moves the version exactly once (at its commit)."""
        p, i = self.party["slug"], self.issue["slug"]
        other = self.make_issue()["slug"]
        start = int(self.env.psql_value("SELECT version FROM data_version"))
        writers, each = 6, 8
        statuses = []
        lock = threading.Lock()
        barrier = threading.Barrier(writers)

        def write(n):
            barrier.wait()
            for k in range(each):
                # Alternate the order of the two issues, so that cells are taken in both orders.
                issues = [i, other] if (n + k) % 2 else [other, i]
                resp = self.post("/claims", {"party": p, "stance": "demands", "issues": issues,
                                             "stated_on": "2025-12-20", "text": f"writer {n} {k} {uid()}"})
                with lock:
                    statuses.append(resp.status)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(statuses, [201] * (writers * each))
        end = int(self.env.psql_value("SELECT version FROM data_version"))
        self.assertEqual(end - start, writers * each, "one bump per writing transaction")
        self.assertEqual(self.env.psql_value("SELECT count(*) FROM data_version_marks"), "0")
        log = self.server.log_text()
        self.assertNotIn("deadlock", log)
        self.assertNotIn("40P01", log)
        self.assertNotIn("40001", log)


if __name__ == "__main__":
    unittest.main()
