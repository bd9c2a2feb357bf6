-- Positions: a summary of claims by party, speaker and issue, kept exact by
-- triggers, so that GET /positions reads a few thousand cells instead of
-- every claim.
--
-- A cell counts the claims of one party and speaker (0 = none) on one issue,
-- by stance, and names the latest of them (by stated_on, undated ones
-- oldest, then by id). Cells come in two levels: `top` cells count a claim
-- under its top-level issue (once, even when it names two sub-issues of
-- it); the others under each issue it names. The roll-up of people to the
-- party they speak for is left to the query (affiliations change), which
-- sums cells: a claim has one party and one speaker, so no claim is counted
-- twice. A cell whose claims are all gone keeps its row with zero counts,
-- so that a row, once there, can always be locked.

-- The claim's party and speaker ride along with each issue link: when a
-- claim is deleted, the cascade removes its links after the claim is gone,
-- and the trigger on the links must still know which cells they were in.
ALTER TABLE claim_issues
  ADD COLUMN party_id bigint,
  ADD COLUMN speaker_id bigint;
UPDATE claim_issues ci SET party_id = c.party_id,
  speaker_id = coalesce(c.speaker_id, 0)
  FROM claims c WHERE c.id = ci.claim_id;
CREATE INDEX claim_issues_cell ON claim_issues (party_id, speaker_id, issue_id);

CREATE TABLE position_cells (
  top         boolean NOT NULL,
  party_id    bigint NOT NULL,
  speaker_id  bigint NOT NULL,
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
  PRIMARY KEY (top, issue_id, party_id, speaker_id)
);
CREATE INDEX position_cells_party ON position_cells (top, party_id)
  WHERE claim_count > 0;

CREATE TYPE position_key AS (
  top boolean, party_id bigint, speaker_id bigint, issue_id bigint);

-- The cells of the claims already stored.
INSERT INTO position_cells (top, party_id, speaker_id, issue_id, demands,
    proposes, rejects, accepts, threatens, asserts, claim_count,
    latest_claim_id, latest_stated_on)
  SELECT l.top, l.party_id, l.speaker_id, l.issue_id,
    count(*) FILTER (WHERE l.stance = 'demands'),
    count(*) FILTER (WHERE l.stance = 'proposes'),
    count(*) FILTER (WHERE l.stance = 'rejects'),
    count(*) FILTER (WHERE l.stance = 'accepts'),
    count(*) FILTER (WHERE l.stance = 'threatens'),
    count(*) FILTER (WHERE l.stance = 'asserts'),
    count(*),
    (array_agg(l.id ORDER BY l.stated_on DESC NULLS LAST, l.id DESC))[1],
    (array_agg(l.stated_on ORDER BY l.stated_on DESC NULLS LAST,
               l.id DESC))[1]
  FROM (SELECT DISTINCT t.top, c.id, c.party_id,
          coalesce(c.speaker_id, 0) AS speaker_id, c.stance, c.stated_on,
          CASE WHEN t.top THEN coalesce(i.parent_id, i.id) ELSE i.id END
            AS issue_id
        FROM claims c JOIN claim_issues ci ON ci.claim_id = c.id
        JOIN issues i ON i.id = ci.issue_id
        CROSS JOIN (VALUES (false), (true)) AS t (top)) l
  GROUP BY l.top, l.party_id, l.speaker_id, l.issue_id;
