"""Conditional writes per RFC 9110 section 13 (issue 12, item 13): a malformed If-Match is 400,
If-None-Match on a write of an existing record is 412, several header lines count as one list,
and a merge patch that changes nothing writes nothing (same ETag, same updated_at)."""

import json
import time
import unittest

from harness import ApiTest, uid

STALE = '"' + "0" * 32 + '"'


class Conditional(ApiTest):
    def setUp(self):
        self.party = self.make_party(role="spokesperson")
        self.path = f"/parties/{self.party['slug']}"

    def current(self):
        resp = self.get(self.path)
        self.expect(resp, 200)
        return resp

    def raw_write(self, method, path, header_lines, body=None):
        """A write with header lines as given (http.client cannot repeat a header)."""
        payload = json.dumps(body).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", "Host: localhost", f"Authorization: Bearer {self.env.key}",
                 f"Content-Length: {len(payload)}", "Connection: close"]
        if body is not None:
            lines.append("Content-Type: application/merge-patch+json")
        lines.extend(header_lines)
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
        resp = self.server.raw_exchange(data, method=method, path=path)
        self.assertIsNotNone(resp, "the server answered")
        return resp

    def test_malformed_if_match_is_400(self):
        before = self.current()
        for value in ("*junk", "* junk", "abc", '"unterminated', 'W/abc', '"a" "b"', '"a", *', "*, *",
                      '"x"junk', 'w/"x"'):
            with self.subTest(value=value):
                self.assertProblem(self.patch(self.path, {"role": "changed"}, headers={"If-Match": value}), 400,
                                   field="If-Match")
                self.assertProblem(self.delete(self.path, headers={"If-Match": value}), 400, field="If-Match")
                self.assertProblem(self.patch(self.path, {"role": "changed"}, headers={"If-None-Match": value}),
                                   400, field="If-None-Match")
        after = self.current()
        self.assertEqual(after.headers["etag"], before.headers["etag"], "nothing changed")

    def test_well_formed_lists_still_work(self):
        etag = self.current().headers["etag"]
        for form in ('{stale}, {etag}', ' {etag} ', '{stale},,{etag}', '"x\x21#~", {etag}'):
            with self.subTest(form=form):
                value = form.format(stale=STALE, etag=etag)
                resp = self.patch(self.path, {"role": f"r-{uid()}"}, headers={"If-Match": value})
                self.expect(resp, 200)
                etag = resp.headers["etag"]
        self.assertProblem(self.patch(self.path, {"role": "x"}, headers={"If-Match": STALE}), 412)
        # If-Match compares strongly: a weak tag never matches.
        self.assertProblem(self.patch(self.path, {"role": "x"}, headers={"If-Match": "W/" + etag}), 412)
        self.expect(self.patch(self.path, {"role": "y"}, headers={"If-Match": "*"}), 200)

    def test_if_none_match_on_a_write_of_an_existing_record_is_412(self):
        before = self.current()
        etag = before.headers["etag"]
        for value in ("*", etag, f"W/{etag}", f"{STALE}, {etag}"):
            with self.subTest(value=value):
                self.assertProblem(self.patch(self.path, {"role": "changed"}, headers={"If-None-Match": value}), 412)
                self.assertProblem(self.delete(self.path, headers={"If-None-Match": value}), 412)
        self.assertEqual(self.current().body, before.body, "nothing changed")
        # Another ETag: the condition holds and the write goes on.
        resp = self.patch(self.path, {"role": "changed"}, headers={"If-None-Match": STALE})
        self.assertEqual(self.expect(resp, 200)["role"], "changed")
        self.assertEqual(self.delete(self.path, headers={"If-None-Match": STALE}).status, 204)

    def test_if_match_lines_are_combined(self):
        for order in ("stale first", "current first"):
            with self.subTest(order=order):
                etag = self.current().headers["etag"]
                lines = [f"If-Match: {STALE}", f"If-Match: {etag}"]
                if order == "current first":
                    lines.reverse()
                resp = self.raw_write("PATCH", self.path, lines, {"role": f"r-{uid()}"})
                self.assertEqual(resp.status, 200, f"{resp.body!r:.300}")
        etag = self.current().headers["etag"]
        resp = self.raw_write("PATCH", self.path, [f"If-Match: {STALE}", 'If-Match: "1"'], {"role": "no"})
        self.assertEqual(resp.status, 412, "no line names the current ETag")
        resp = self.raw_write("PATCH", self.path, [f"If-Match: {etag}", "If-Match: *junk"], {"role": "no"})
        self.assertEqual(resp.status, 400, "a malformed line spoils the list")
        resp = self.raw_write("DELETE", self.path, [f"If-None-Match: {STALE}", f"If-None-Match: {etag}"])
        self.assertEqual(resp.status, 412, "If-None-Match lines are combined too")
        resp = self.raw_write("DELETE", self.path, [f"If-Match: {STALE}", f"If-Match: {etag}"])
        self.assertEqual(resp.status, 204)

    def test_empty_merge_patch_changes_nothing(self):
        before = self.current()
        time.sleep(0.01)
        for _ in range(2):
            resp = self.patch(self.path, {})
            self.expect(resp, 200)
            self.assertEqual(resp.body["updated_at"], before.body["updated_at"], "no write")
            self.assertEqual(resp.headers["etag"], before.headers["etag"])
            self.assertEqual(resp.body, before.body)
        # With the preconditions still evaluated.
        self.assertProblem(self.patch(self.path, {}, headers={"If-Match": STALE}), 412)
        self.expect(self.patch(self.path, {}, headers={"If-Match": before.headers["etag"]}), 200)
        self.assertEqual(self.current().headers["etag"], before.headers["etag"])
        # A patch that does change something still moves updated_at.
        changed = self.expect(self.patch(self.path, {"role": "envoy"}), 200)
        self.assertNotEqual(changed["updated_at"], before.body["updated_at"])

    def test_empty_merge_patch_on_every_resource(self):
        issue = self.make_issue()
        claim = self.make_claim()
        for path, record in ((f"/issues/{issue['slug']}", issue), (f"/claims/{claim['id']}", claim)):
            with self.subTest(path=path):
                resp = self.patch(path, {})
                self.assertEqual(self.expect(resp, 200)["updated_at"], record["updated_at"])
                self.assertEqual(resp.body, record)


if __name__ == "__main__":
    unittest.main()
