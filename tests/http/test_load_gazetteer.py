"""The loader's gazetteer includes the database's parties: a state and a person created with
POST /parties (and an alias added with PATCH) are found by the next POST /articles and
`parley load`."""

import os
import shutil
import tempfile
import unittest

from harness import ApiTest, word


def names():
    """Fresh names (unique in the run, so the embedded lexicon and earlier tests know none)."""
    state = word().capitalize()
    surname = word().capitalize()
    return state, state + "ian", f"Rufus {surname}", surname


def article(state, demonym, surname, marker):
    return (f" date 2025-12-03\n\n"
            f"{state} has rejected the ceasefire proposal {marker}.\n\n"
            f"\u201cWe will not sign,\u201d {surname} said.\n\n"
            f"The {demonym} government wants the talks to continue.\n")


class LoadGazetteer(ApiTest):
    def load(self, text, query=""):
        return self.request("POST", f"/articles{query}", raw=text.encode("utf-8"),
                            headers={"Content-Type": "text/plain"})

    def attributed(self, body, party_slug):
        return [c for c in body["claims"] if c["party"] == party_slug]

    def create_parties(self, state, demonym, person):
        created = self.expect(self.post("/parties", {"name": state, "kind": "state",
                                                     "aliases": [demonym] if demonym else []}),
                              201)
        speaker = self.expect(self.post("/parties", {"name": person, "kind": "person",
                                                     "affiliation": created["slug"],
                                                     "role": "Prime Minister"}), 201)
        return created["slug"], speaker["slug"]

    def check_attribution(self, body, state_slug, person_slug, demonym_too=True):
        claims = self.attributed(body, state_slug)
        texts = " | ".join(c["text"] for c in claims)
        self.assertTrue(any("rejected the ceasefire" in c["text"] and c["stance"] == "rejects"
                            for c in claims), f"the state's own statement: {texts}")
        quoted = [c for c in claims if "We will not sign" in c["text"]]
        self.assertEqual(len(quoted), 1, f"the person's quotation: {body['claims']!r:.800}")
        self.assertEqual(quoted[0]["speaker"], person_slug)
        if demonym_too:
            self.assertTrue(any("talks to continue" in c["text"] for c in claims),
                            f"the alias names the state: {texts}")

    def test_parties_created_through_the_api_are_found(self):
        state, demonym, person, surname = names()
        text = article(state, demonym, surname, word())
        before = self.expect(self.load(text, "?dry_run=true"), 200)
        state_slug, person_slug = state.lower(), person.lower().replace(" ", "-")
        self.assertFalse(self.attributed(before, state_slug), "unknown names give no such claims")
        self.assertFalse(any(c["speaker"] == person_slug for c in before["claims"]))
        self.assertEqual(self.create_parties(state, demonym, person), (state_slug, person_slug))
        after = self.expect(self.load(text), 201)
        self.check_attribution(after, state_slug, person_slug)
        stored = self.ok_get(f"/parties/{person_slug}")
        self.assertEqual(stored["affiliation"], state_slug, "the API's party is reused as it is")

        # The CLI builds the lexicon from the same database.
        work = tempfile.mkdtemp(prefix="parley-gazetteer-")
        try:
            raw = article(state, demonym, surname, word()).encode("utf-8")
            path = os.path.join(work, "one.txt")
            with open(path, "wb") as f:
                f.write(raw)
            out = self.env.cli("load", path)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("loaded 1", out.stderr)
            body = self.expect(self.request("POST", "/articles", raw=raw,
                                            headers={"Content-Type": "text/plain"}), 200,
                               "the CLI stored these bytes")
            self.check_attribution(body, state_slug, person_slug)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def test_alias_added_with_patch_is_used(self):
        state, demonym, person, surname = names()
        state_slug, _ = self.create_parties(state, "", person)
        other = word().capitalize()
        while other.lower() in (surname.lower(), state.lower()):
            # word() can repeat the person's surname, who speaks for the state already.
            other = word().capitalize()
        text = f" date 2025-12-04\n\n{other} has rejected the ceasefire proposal.\n"
        self.assertFalse(self.attributed(self.expect(self.load(text, "?dry_run=true"), 200),
                                         state_slug))
        self.expect(self.patch(f"/parties/{state_slug}", {"aliases": [other]}), 200)
        after = self.expect(self.load(text, "?dry_run=true"), 200)
        self.assertTrue(self.attributed(after, state_slug),
                        f"the patched alias names the state: {after['claims']!r:.600}")


if __name__ == "__main__":
    unittest.main()
