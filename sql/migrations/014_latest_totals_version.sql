-- Honest counts and a data version (issue 13, items 9-11).
--
-- 1. A cell's latest claim is the latest by date; on the same date, the
--    strongest statement: the highest confidence (a claim entered by hand
--    has none and counts as certain, 1), then the strongest stance
--    (positions_stance_strength), then the highest id. Until now the last id
--    won, so the last sentence of an article set the cell's colour. Cells
--    and rows keep the confidence and strength of their latest claim, so
--    that adding a claim compares with it without a recount.
-- 2. position_totals counts, per party and speaker (0 = none), the distinct
--    claims that are in the matrix (those with at least one issue link): a
--    party's claim_count in GET /positions is the number of its claims, not
--    the sum of its cells (a claim on two issues is in two cells).
-- 3. data_version: a number that changes when a transaction that wrote the
--    records the lists and the matrix show commits (weak ETags, 304).

-- --- 1. the latest claim ------------------------------------------------------

-- A latest claim and what orders it.
CREATE TYPE positions_latest AS (
  id bigint, stated_on date, confidence real, strength smallint);

ALTER TABLE position_cells
  ADD COLUMN latest_confidence real,
  ADD COLUMN latest_strength smallint;
ALTER TABLE position_rows
  ADD COLUMN latest_confidence real,
  ADD COLUMN latest_strength smallint;

-- --- 2. distinct claims per party and speaker --------------------------------

CREATE TABLE position_totals (
  party_id    bigint NOT NULL,
  speaker_id  bigint NOT NULL,
  claim_count integer NOT NULL DEFAULT 0,
  PRIMARY KEY (party_id, speaker_id)
);

-- --- 3. the data version -----------------------------------------------------

-- One row, bumped once by each transaction that wrote a record, at its
-- commit. Why this design: a row trigger updating a hot version row would
-- take its lock in the middle of every writing transaction, so writers
-- would queue behind each other for their whole length and could deadlock
-- (the version row locked before a cell or a record another writer holds
-- while it waits for the version); a sequence bumped before commit would
-- let a reader see the new number with the old data (and cache it under
-- the new ETag). Here a statement trigger marks the transaction (a local
-- setting and one row in data_version_marks) and a deferred constraint
-- trigger on that row makes the bump when the transaction commits: the
-- version row is the last lock a writer takes and holds it only while it
-- commits, and the new number becomes visible with the data, atomically. A
-- reader reads the version before the data (or in the same snapshot): at
-- worst it sees newer data under an older number, and fetches once more.
CREATE TABLE data_version (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  version  bigint NOT NULL
);
INSERT INTO data_version (version) VALUES (1);

CREATE UNLOGGED TABLE data_version_marks (
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id()
);

-- migrate: after functions
-- (What follows calls functions of sql/functions/: parley migrate runs it
-- after applying them; see src/db/migrate.c.)

-- The cells, rows and totals already stored, recounted in the new order
-- (set-based: the text first applied here called the keyed refreshes,
-- which took hours at 100,000 claims; see migration_superseded).
SELECT positions_recount();
