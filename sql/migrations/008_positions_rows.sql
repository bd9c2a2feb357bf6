-- Positions, rolled up: the cells of the default matrix (top-level issues,
-- people counted under the party they speak for) kept as rows of their own,
-- so that GET /positions reads one row per cell it answers with instead of
-- summing every speaker's cell per request (2,500 cells from 15,000 at
-- 100,000 claims: 25 of the 62 ms the statement took).
--
-- A row counts the claims of the top cells whose party rolls up to row_id
-- (positions_row_of) on one top-level issue, and holds what the matrix shows
-- of its latest claim (stance, speaker, text, article), so that the
-- matrix is read without a look-up per cell (3,947 cells: 18 ms of
-- look-ups). The cells stay the truth: a row is changed after its cells, in
-- the same transaction, and a row that cannot be updated by adding is
-- recounted from them; a claim's new text or article is copied to the rows
-- it is the latest of. Lock order: cells, then rows, each sorted.
CREATE TABLE position_rows (
  row_id      bigint NOT NULL,
  issue_id    bigint NOT NULL,
  demands     integer NOT NULL DEFAULT 0,
  proposes    integer NOT NULL DEFAULT 0,
  rejects     integer NOT NULL DEFAULT 0,
  accepts     integer NOT NULL DEFAULT 0,
  threatens   integer NOT NULL DEFAULT 0,
  asserts     integer NOT NULL DEFAULT 0,
  claim_count integer NOT NULL DEFAULT 0,
  latest_claim_id bigint,
  latest_stated_on date,
  latest_stance text,
  latest_speaker_id bigint,
  latest_text text,
  latest_article_id bigint,
  PRIMARY KEY (issue_id, row_id)
) WITH (fillfactor = 50);

CREATE TYPE position_row_key AS (row_id bigint, issue_id bigint);

-- migrate: after functions
-- (What follows calls functions of sql/functions/: parley migrate runs it
-- after applying them; see src/db/migrate.c.)

-- The rows of the cells already counted.
INSERT INTO position_rows (row_id, issue_id, demands, proposes, rejects,
    accepts, threatens, asserts, claim_count, latest_claim_id,
    latest_stated_on, latest_stance, latest_speaker_id, latest_text,
    latest_article_id)
  SELECT x.*, c.stance, c.speaker_id, c.text, c.article_id
  FROM (SELECT positions_row_of(p.kind, p.id, p.affiliation_id), pc.issue_id,
          sum(pc.demands), sum(pc.proposes), sum(pc.rejects),
          sum(pc.accepts), sum(pc.threatens), sum(pc.asserts),
          sum(pc.claim_count),
          (array_agg(pc.latest_claim_id ORDER BY pc.latest_stated_on DESC
             NULLS LAST, pc.latest_claim_id DESC))[1] AS latest_claim_id,
          (array_agg(pc.latest_stated_on ORDER BY pc.latest_stated_on DESC
             NULLS LAST, pc.latest_claim_id DESC))[1]
        FROM position_cells pc JOIN parties p ON p.id = pc.party_id
        WHERE pc.top AND pc.claim_count > 0
        GROUP BY 1, 2) x
  JOIN claims c ON c.id = x.latest_claim_id;
