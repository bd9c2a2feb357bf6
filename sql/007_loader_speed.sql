-- Loading faster. First, the loader's claims statement gives each issue link its
-- claim's party and speaker itself, since it inserts claims and links in one
-- statement, where the link trigger cannot see the new claims yet. Before,
-- such links were filled afterwards by a statement trigger on claims with
-- an UPDATE that scanned claim_issues: 1.8 ms per article, growing with the
-- table. That trigger goes; a link that can be filled neither way is an
-- error rather than a link the positions would never count.

-- A link takes its claim's party and speaker when the claim is visible,
-- and otherwise keeps those it was given.
CREATE OR REPLACE FUNCTION claim_issues_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  claim_party bigint;
  claim_speaker bigint;
BEGIN
  SELECT c.party_id, coalesce(c.speaker_id, 0) INTO claim_party, claim_speaker
    FROM claims c WHERE c.id = NEW.claim_id;
  IF FOUND THEN
    NEW.party_id := claim_party;
    NEW.speaker_id := claim_speaker;
  ELSIF NEW.party_id IS NULL OR NEW.speaker_id IS NULL THEN
    RAISE EXCEPTION 'issue link of claim % needs its party_id and speaker_id (the claim is not visible yet)',
      NEW.claim_id USING ERRCODE = 'not_null_violation';
  END IF;
  RETURN NEW;
END $$;

DROP TRIGGER claims_positions_insert ON claims;
DROP FUNCTION claims_positions_insert();

-- Links left unfilled by an interrupted statement of the old code (none
-- are expected).
UPDATE claim_issues ci SET party_id = c.party_id,
    speaker_id = coalesce(c.speaker_id, 0)
  FROM claims c WHERE c.id = ci.claim_id AND ci.party_id IS NULL;

-- Cell updates in place (HOT): the partial index on claim_count > 0 named a
-- column that every count changes, so each update of a cell wrote new
-- entries in both its indexes and left a dead row version behind (141,507
-- updates of 299 cells in a load of 3,000 articles, none HOT, 3.4 MB). The
-- index now names only the key's columns, and pages keep room for the new
-- versions.
DROP INDEX position_cells_party;
CREATE INDEX position_cells_party ON position_cells (top, party_id);
ALTER TABLE position_cells SET (fillfactor = 50);

-- New links are added to their cells straight from the trigger's
-- transition table, as positions_add (006) did from JSON: building and
-- parsing that JSON cost as much as the adding (0.47 of 0.94 ms per
-- article). Deleted links still recount their cells.
--
-- Its statements read a few rows by key. PL/pgSQL keeps the plan it made on
-- the first calls, and in a fresh database the first calls of a bulk load
-- see tables of a few pages (autovacuum analyses them a minute later at the
-- earliest): the plan then scans every claim per article for the rest of
-- the session (15 ms per article after 2,000 articles). Sequential scans
-- are therefore off while planning them.
CREATE OR REPLACE FUNCTION claim_issues_positions() RETURNS trigger
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  keys position_key[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT array_agg(k) INTO keys FROM gone_links l
      JOIN issues i ON i.id = l.issue_id,
      unnest(positions_keys_of(l.party_id, l.speaker_id, l.issue_id,
                               i.parent_id)) k
      WHERE l.party_id IS NOT NULL;
    PERFORM positions_refresh(keys);
    RETURN NULL;
  END IF;
  -- A claim counts once in a top cell: a link whose claim already had
  -- another link under the same top-level issue adds nothing there.
  WITH keyed AS (
    SELECT DISTINCT k.top, l.party_id, l.speaker_id, k.issue_id, l.claim_id
    FROM changed_links l JOIN issues i ON i.id = l.issue_id
    CROSS JOIN LATERAL (VALUES (false, l.issue_id),
                               (true, coalesce(i.parent_id, l.issue_id)))
      AS k (top, issue_id)
    WHERE l.party_id IS NOT NULL AND NOT (k.top AND EXISTS (
      SELECT 1 FROM claim_issues o JOIN issues oi ON oi.id = o.issue_id
      WHERE o.claim_id = l.claim_id AND o.issue_id <> l.issue_id
        AND (oi.id = k.issue_id OR oi.parent_id = k.issue_id)
        AND NOT EXISTS (SELECT 1 FROM changed_links n
                        WHERE n.claim_id = o.claim_id
                          AND n.issue_id = o.issue_id)))),
  counted AS (
    SELECT keyed.top, keyed.party_id, keyed.speaker_id, keyed.issue_id,
      count(*) FILTER (WHERE c.stance = 'demands') AS demands,
      count(*) FILTER (WHERE c.stance = 'proposes') AS proposes,
      count(*) FILTER (WHERE c.stance = 'rejects') AS rejects,
      count(*) FILTER (WHERE c.stance = 'accepts') AS accepts,
      count(*) FILTER (WHERE c.stance = 'threatens') AS threatens,
      count(*) FILTER (WHERE c.stance = 'asserts') AS asserts,
      count(*) AS claim_count,
      (array_agg(c.id ORDER BY c.stated_on DESC NULLS LAST, c.id DESC))[1]
        AS latest_claim_id,
      (array_agg(c.stated_on ORDER BY c.stated_on DESC NULLS LAST,
                 c.id DESC))[1] AS latest_stated_on
    FROM keyed JOIN claims c ON c.id = keyed.claim_id
    GROUP BY keyed.top, keyed.party_id, keyed.speaker_id, keyed.issue_id)
  INSERT INTO position_cells AS pc (top, party_id, speaker_id, issue_id,
      demands, proposes, rejects, accepts, threatens, asserts, claim_count,
      latest_claim_id, latest_stated_on)
    SELECT * FROM counted
    ORDER BY top, issue_id, party_id, speaker_id
  ON CONFLICT (top, issue_id, party_id, speaker_id) DO UPDATE SET
    demands = pc.demands + EXCLUDED.demands,
    proposes = pc.proposes + EXCLUDED.proposes,
    rejects = pc.rejects + EXCLUDED.rejects,
    accepts = pc.accepts + EXCLUDED.accepts,
    threatens = pc.threatens + EXCLUDED.threatens,
    asserts = pc.asserts + EXCLUDED.asserts,
    claim_count = pc.claim_count + EXCLUDED.claim_count,
    latest_claim_id = CASE
      WHEN pc.latest_claim_id IS NULL
        OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
            EXCLUDED.latest_claim_id)
         > (coalesce(pc.latest_stated_on, '-infinity'::date),
            pc.latest_claim_id)
      THEN EXCLUDED.latest_claim_id ELSE pc.latest_claim_id END,
    latest_stated_on = CASE
      WHEN pc.latest_claim_id IS NULL
        OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
            EXCLUDED.latest_claim_id)
         > (coalesce(pc.latest_stated_on, '-infinity'::date),
            pc.latest_claim_id)
      THEN EXCLUDED.latest_stated_on ELSE pc.latest_stated_on END;
  RETURN NULL;
END $$;

DROP FUNCTION positions_add(jsonb);
