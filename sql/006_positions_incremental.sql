-- Positions, faster writes: new issue links are added to their cells (counts
-- up, the latest claim replaced when the new one is later) instead of
-- recounting each cell from the claims, and the recounts that remain
-- (deletes, changed claims, moved issues) read only the cell's own links
-- through the (party_id, speaker_id, issue_id) index rather than every claim
-- of the party. Loading articles had slowed down as the database grew,
-- because every insert recounted whole parties' claims.

-- Recounts cells; as in 004 (rows created and locked in one order, then
-- counted in a new statement), but each cell is counted from its links.
CREATE OR REPLACE FUNCTION positions_refresh(keys position_key[]) RETURNS void
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
            WHERE c.id IN (
                SELECT ci.claim_id FROM claim_issues ci
                WHERE ci.party_id = k.party_id
                  AND ci.speaker_id = k.speaker_id
                  AND ci.issue_id = ANY (CASE WHEN k.top
                    THEN ARRAY(SELECT id FROM issues
                               WHERE id = k.issue_id OR parent_id = k.issue_id)
                    ELSE ARRAY[k.issue_id] END))
              AND NOT (k.top AND EXISTS (
                SELECT 1 FROM issues
                WHERE id = k.issue_id AND parent_id IS NOT NULL))) s) f
    WHERE pc.top = f.top AND pc.party_id = f.party_id
      AND pc.speaker_id = f.speaker_id AND pc.issue_id = f.issue_id;
END $$;

-- Adds new links (claim_id, issue_id, party_id, speaker_id as JSON rows) to
-- their cells. A claim counts once in a top cell: a link whose claim already
-- had another link under the same top-level issue before these adds nothing
-- there. ON CONFLICT DO UPDATE takes each cell's row lock, so concurrent
-- adds and recounts serialise on the cell and none is lost.
CREATE FUNCTION positions_add(links jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  WITH l AS (
    SELECT * FROM jsonb_to_recordset(links)
      AS l (claim_id bigint, issue_id bigint, party_id bigint,
            speaker_id bigint)
    WHERE l.party_id IS NOT NULL),
  keyed AS (
    SELECT DISTINCT k.top, l.party_id, l.speaker_id, k.issue_id, l.claim_id
    FROM l JOIN issues i ON i.id = l.issue_id
    CROSS JOIN LATERAL (VALUES (false, l.issue_id),
                               (true, coalesce(i.parent_id, l.issue_id)))
      AS k (top, issue_id)
    WHERE NOT (k.top AND EXISTS (
      SELECT 1 FROM claim_issues o JOIN issues oi ON oi.id = o.issue_id
      WHERE o.claim_id = l.claim_id AND o.issue_id <> l.issue_id
        AND (oi.id = k.issue_id OR oi.parent_id = k.issue_id)
        AND NOT EXISTS (SELECT 1 FROM l n
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
END $$;

-- Inserted links are added; deleted ones recount their cells (a delete can
-- take away the latest claim, which only a recount can replace).
CREATE OR REPLACE FUNCTION claim_issues_positions() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  keys position_key[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM positions_add((SELECT jsonb_agg(jsonb_build_object(
        'claim_id', l.claim_id, 'issue_id', l.issue_id,
        'party_id', l.party_id, 'speaker_id', l.speaker_id))
      FROM changed_links l WHERE l.party_id IS NOT NULL));
  ELSE
    SELECT array_agg(k) INTO keys FROM gone_links l
      JOIN issues i ON i.id = l.issue_id,
      unnest(positions_keys_of(l.party_id, l.speaker_id, l.issue_id,
                               i.parent_id)) k
      WHERE l.party_id IS NOT NULL;
    PERFORM positions_refresh(keys);
  END IF;
  RETURN NULL;
END $$;

-- New claims: fill the links inserted before their claim was visible, and
-- add them.
CREATE OR REPLACE FUNCTION claims_positions_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  links jsonb;
BEGIN
  WITH filled AS (
    UPDATE claim_issues ci SET party_id = n.party_id,
        speaker_id = coalesce(n.speaker_id, 0)
      FROM new_claims n
      WHERE ci.claim_id = n.id AND ci.party_id IS NULL
      RETURNING ci.claim_id, ci.issue_id, ci.party_id, ci.speaker_id)
  SELECT jsonb_agg(jsonb_build_object(
      'claim_id', f.claim_id, 'issue_id', f.issue_id,
      'party_id', f.party_id, 'speaker_id', f.speaker_id))
    INTO links FROM filled f;
  PERFORM positions_add(links);
  RETURN NULL;
END $$;
