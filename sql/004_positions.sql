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

-- Recounts cells from the claims. The rows are created and locked first
-- (sorted, to keep lock order the same across transactions), then counted
-- in a new statement: under READ COMMITTED its snapshot includes whatever
-- the transactions that held these rows before us committed. A top cell of
-- an issue that is no longer top-level counts nothing.
CREATE FUNCTION positions_refresh(keys position_key[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF keys IS NULL OR cardinality(keys) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO position_cells (top, party_id, speaker_id, issue_id)
    SELECT DISTINCT k.top, k.party_id, k.speaker_id, k.issue_id
    FROM unnest(keys) k WHERE k.party_id IS NOT NULL
    ORDER BY k.top, k.issue_id, k.party_id, k.speaker_id
    ON CONFLICT DO NOTHING;
  PERFORM 1 FROM position_cells pc
    JOIN (SELECT DISTINCT * FROM unnest(keys)) k
      USING (top, party_id, speaker_id, issue_id)
    ORDER BY pc.top, pc.issue_id, pc.party_id, pc.speaker_id
    FOR UPDATE OF pc;
  UPDATE position_cells pc SET demands = f.demands, proposes = f.proposes,
      rejects = f.rejects, accepts = f.accepts, threatens = f.threatens,
      asserts = f.asserts, claim_count = f.claim_count,
      latest_claim_id = f.latest_claim_id,
      latest_stated_on = f.latest_stated_on
    FROM (SELECT k.top, k.party_id, k.speaker_id, k.issue_id, s.*
          FROM (SELECT DISTINCT * FROM unnest(keys)) k
          CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE c.stance = 'demands') AS demands,
              count(*) FILTER (WHERE c.stance = 'proposes') AS proposes,
              count(*) FILTER (WHERE c.stance = 'rejects') AS rejects,
              count(*) FILTER (WHERE c.stance = 'accepts') AS accepts,
              count(*) FILTER (WHERE c.stance = 'threatens') AS threatens,
              count(*) FILTER (WHERE c.stance = 'asserts') AS asserts,
              count(*) AS claim_count,
              (array_agg(c.id ORDER BY c.stated_on DESC NULLS LAST,
                         c.id DESC))[1] AS latest_claim_id,
              (array_agg(c.stated_on ORDER BY c.stated_on DESC NULLS LAST,
                         c.id DESC))[1] AS latest_stated_on
            FROM claims c
            WHERE c.party_id = k.party_id
              AND coalesce(c.speaker_id, 0) = k.speaker_id
              AND c.id IN (
                SELECT ci.claim_id FROM claim_issues ci
                WHERE ci.party_id = k.party_id
                  AND ci.speaker_id = k.speaker_id
                  AND (ci.issue_id = k.issue_id
                       OR (k.top AND ci.issue_id IN (
                         SELECT id FROM issues WHERE parent_id = k.issue_id))))
              AND NOT (k.top AND EXISTS (
                SELECT 1 FROM issues
                WHERE id = k.issue_id AND parent_id IS NOT NULL))) s) f
    WHERE pc.top = f.top AND pc.party_id = f.party_id
      AND pc.speaker_id = f.speaker_id AND pc.issue_id = f.issue_id;
END $$;

-- The cells a set of links is in: one fine and one top cell per link.
CREATE FUNCTION positions_keys_of(party_id bigint, speaker_id bigint,
                                  issue_id bigint, parent_id bigint)
RETURNS position_key[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY[ROW(false, party_id, speaker_id, issue_id)::position_key,
               ROW(true, party_id, speaker_id,
                   coalesce(parent_id, issue_id))::position_key]
$$;

-- A link takes its claim's party and speaker. A claim inserted by the same
-- statement may not be visible yet (a data-modifying WITH runs after the
-- main query): the link is then filled by the claims trigger below.
CREATE FUNCTION claim_issues_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT c.party_id, coalesce(c.speaker_id, 0)
    INTO NEW.party_id, NEW.speaker_id
    FROM claims c WHERE c.id = NEW.claim_id;
  RETURN NEW;
END $$;
CREATE TRIGGER claim_issues_fill BEFORE INSERT ON claim_issues
  FOR EACH ROW EXECUTE FUNCTION claim_issues_fill();

CREATE FUNCTION claim_issues_positions() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  keys position_key[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(k) INTO keys FROM changed_links l
      JOIN issues i ON i.id = l.issue_id,
      unnest(positions_keys_of(l.party_id, l.speaker_id, l.issue_id,
                               i.parent_id)) k
      WHERE l.party_id IS NOT NULL;
  ELSE
    SELECT array_agg(k) INTO keys FROM gone_links l
      JOIN issues i ON i.id = l.issue_id,
      unnest(positions_keys_of(l.party_id, l.speaker_id, l.issue_id,
                               i.parent_id)) k
      WHERE l.party_id IS NOT NULL;
  END IF;
  PERFORM positions_refresh(keys);
  RETURN NULL;
END $$;
CREATE TRIGGER claim_issues_positions_insert AFTER INSERT ON claim_issues
  REFERENCING NEW TABLE AS changed_links
  FOR EACH STATEMENT EXECUTE FUNCTION claim_issues_positions();
CREATE TRIGGER claim_issues_positions_delete AFTER DELETE ON claim_issues
  REFERENCING OLD TABLE AS gone_links
  FOR EACH STATEMENT EXECUTE FUNCTION claim_issues_positions();

-- New claims: fill the links that were inserted before their claim was
-- visible, and count them.
CREATE FUNCTION claims_positions_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  keys position_key[];
BEGIN
  WITH filled AS (
    UPDATE claim_issues ci SET party_id = n.party_id,
        speaker_id = coalesce(n.speaker_id, 0)
      FROM new_claims n
      WHERE ci.claim_id = n.id AND ci.party_id IS NULL
      RETURNING ci.party_id, ci.speaker_id, ci.issue_id)
  SELECT array_agg(k) INTO keys FROM filled l
    JOIN issues i ON i.id = l.issue_id,
    unnest(positions_keys_of(l.party_id, l.speaker_id, l.issue_id,
                             i.parent_id)) k;
  PERFORM positions_refresh(keys);
  RETURN NULL;
END $$;
CREATE TRIGGER claims_positions_insert AFTER INSERT ON claims
  REFERENCING NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION claims_positions_insert();

-- Changed claims: a new party or speaker moves the links (and the claim)
-- to other cells; a new stance or date changes the counts of its cells.
CREATE FUNCTION claims_positions_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  keys position_key[];
BEGIN
  WITH changed AS (
    SELECT n.id, o.party_id AS old_party_id,
        coalesce(o.speaker_id, 0) AS old_speaker_id, n.party_id,
        coalesce(n.speaker_id, 0) AS speaker_id
      FROM new_claims n JOIN old_claims o ON o.id = n.id
      WHERE (o.party_id, o.speaker_id, o.stance, o.stated_on)
        IS DISTINCT FROM (n.party_id, n.speaker_id, n.stance, n.stated_on)),
  moved AS (
    UPDATE claim_issues ci SET party_id = c.party_id,
        speaker_id = c.speaker_id
      FROM changed c
      WHERE ci.claim_id = c.id
        AND (ci.party_id, ci.speaker_id)
          IS DISTINCT FROM (c.party_id, c.speaker_id))
  SELECT array_agg(k) INTO keys FROM changed c
    JOIN claim_issues ci ON ci.claim_id = c.id
    JOIN issues i ON i.id = ci.issue_id
    CROSS JOIN LATERAL (VALUES (c.old_party_id, c.old_speaker_id),
                               (c.party_id, c.speaker_id)) AS p (party_id, speaker_id),
    unnest(positions_keys_of(p.party_id, p.speaker_id, ci.issue_id,
                             i.parent_id)) k;
  PERFORM positions_refresh(keys);
  RETURN NULL;
END $$;
CREATE TRIGGER claims_positions_update AFTER UPDATE ON claims
  REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION claims_positions_update();

-- An issue that moves in the tree moves its claims between top cells.
CREATE FUNCTION issues_positions_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  keys position_key[];
BEGIN
  SELECT array_agg(ROW(true, ci.party_id, ci.speaker_id, t.issue_id)::position_key)
    INTO keys
    FROM new_issues n JOIN old_issues o ON o.id = n.id
    JOIN claim_issues ci ON ci.issue_id = n.id
    CROSS JOIN LATERAL (VALUES (coalesce(o.parent_id, o.id)),
                               (coalesce(n.parent_id, n.id))) AS t (issue_id)
    WHERE o.parent_id IS DISTINCT FROM n.parent_id
      AND ci.party_id IS NOT NULL;
  PERFORM positions_refresh(keys);
  RETURN NULL;
END $$;
CREATE TRIGGER issues_positions_update AFTER UPDATE ON issues
  REFERENCING OLD TABLE AS old_issues NEW TABLE AS new_issues
  FOR EACH STATEMENT EXECUTE FUNCTION issues_positions_update();

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
