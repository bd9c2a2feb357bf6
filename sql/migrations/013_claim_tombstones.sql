-- Deleted claims stay deleted: the span of an article's claim that a person
-- deleted through the API, so that re-extraction does not bring it back.
--
-- A tombstone is the span alone (article, start, end), not the party: the
-- person said "this passage is not a claim", and a later change of the
-- catalogue often moves the same span to another party (a person given an
-- affiliation), which must not resurrect it; the extractor gives one claim
-- per span (no two of the 163 claims of both corpora share one). Deleting
-- the article deletes its tombstones. Deletions made by re-extraction itself
-- leave none (they are not written here).
CREATE TABLE claim_tombstones (
  article_id   bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
  start_offset integer NOT NULL CHECK (start_offset >= 0),
  end_offset   integer NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (article_id, start_offset, end_offset),
  CHECK (end_offset >= start_offset)
);
