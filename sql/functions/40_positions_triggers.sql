-- The triggers that keep positions exact as claims, links, issues and
-- parties change (the recounts are in 30_positions.sql).

-- The claim's party, speaker and created_at ride along with each issue link:
-- when a claim is deleted, the cascade removes its links after the claim is
-- gone, and the trigger on the links must still know which cells they were
-- in. A link takes them from its claim when the claim is visible, and
-- otherwise keeps those it was given (the loader inserts claims and links
-- in one statement, where this trigger cannot see the new claims yet).
CREATE OR REPLACE FUNCTION claim_issues_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  claim claims%ROWTYPE;
BEGIN
  SELECT * INTO claim FROM claims c WHERE c.id = NEW.claim_id;
  IF FOUND THEN
    NEW.party_id := claim.party_id;
    NEW.speaker_id := coalesce(claim.speaker_id, 0);
    NEW.created_at := claim.created_at;
  ELSIF NEW.party_id IS NULL OR NEW.speaker_id IS NULL
        OR NEW.created_at IS NULL THEN
    RAISE EXCEPTION 'issue link of claim % needs its party_id, speaker_id and created_at (the claim is not visible yet)',
      NEW.claim_id USING ERRCODE = 'not_null_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER claim_issues_fill BEFORE INSERT ON claim_issues
  FOR EACH ROW EXECUTE FUNCTION claim_issues_fill();

-- New links: added to their cells straight from the trigger's transition
-- table (counts up, the latest claim replaced when the new one is later in
-- the order of positions_later), then the same additions to their rows, in
-- a second statement so that every transaction locks cells before rows;
-- and a claim whose first links these are counts once more for its party
-- and speaker. Deleted links recount their cells (a delete can take away
-- the latest claim, which only a recount can replace), and a claim left
-- without links counts once less.
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
  added position_cells[];
  party_ids bigint[];
  speaker_ids bigint[];
  deltas integer[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT array_agg(k) INTO keys FROM gone_links l
      JOIN issues i ON i.id = l.issue_id,
      unnest(positions_keys_of(l.party_id, l.speaker_id, l.issue_id,
                               i.parent_id)) k
      WHERE l.party_id IS NOT NULL;
    PERFORM positions_refresh(keys);
    SELECT array_agg(g.party_id), array_agg(g.speaker_id), array_agg(-1)
      INTO party_ids, speaker_ids, deltas
      FROM (SELECT DISTINCT l.claim_id, l.party_id, l.speaker_id
            FROM gone_links l
            WHERE l.party_id IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM claim_issues o WHERE o.claim_id = l.claim_id)) g;
    IF party_ids IS NOT NULL THEN
      PERFORM positions_totals_add(party_ids, speaker_ids, deltas);
    END IF;
    RETURN NULL;
  END IF;
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
      (array_agg(ROW(c.id, c.stated_on, coalesce(c.confidence, 1),
                     positions_stance_strength(c.stance))::positions_latest
         ORDER BY c.stated_on DESC NULLS LAST, coalesce(c.confidence, 1) DESC,
           positions_stance_strength(c.stance) DESC, c.id DESC))[1] AS latest
    FROM keyed JOIN claims c ON c.id = keyed.claim_id
    GROUP BY keyed.top, keyed.party_id, keyed.speaker_id, keyed.issue_id),
  cells AS (
    SELECT top, party_id, speaker_id, issue_id, demands, proposes, rejects,
      accepts, threatens, asserts, claim_count, (latest).id AS latest_claim_id,
      (latest).stated_on AS latest_stated_on,
      (latest).confidence AS latest_confidence,
      (latest).strength AS latest_strength
    FROM counted),
  -- The comparisons (here and for the rows below) are written out: a
  -- function of two whole rows (positions_later) is not inlined, and called
  -- once per column it cost 0.3 ms per article.
  upserted AS (
    INSERT INTO position_cells AS pc (top, party_id, speaker_id, issue_id,
        demands, proposes, rejects, accepts, threatens, asserts, claim_count,
        latest_claim_id, latest_stated_on, latest_confidence, latest_strength)
      SELECT * FROM cells
      ORDER BY top, issue_id, party_id, speaker_id
    ON CONFLICT (top, issue_id, party_id, speaker_id) DO UPDATE SET
      demands = pc.demands + EXCLUDED.demands,
      proposes = pc.proposes + EXCLUDED.proposes,
      rejects = pc.rejects + EXCLUDED.rejects,
      accepts = pc.accepts + EXCLUDED.accepts,
      threatens = pc.threatens + EXCLUDED.threatens,
      asserts = pc.asserts + EXCLUDED.asserts,
      claim_count = pc.claim_count + EXCLUDED.claim_count,
      latest_claim_id = CASE WHEN pc.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
              EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
              EXCLUDED.latest_claim_id)
           > (coalesce(pc.latest_stated_on, '-infinity'::date),
              pc.latest_confidence, pc.latest_strength, pc.latest_claim_id)
        THEN EXCLUDED.latest_claim_id ELSE pc.latest_claim_id END,
      latest_stated_on = CASE WHEN pc.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
              EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
              EXCLUDED.latest_claim_id)
           > (coalesce(pc.latest_stated_on, '-infinity'::date),
              pc.latest_confidence, pc.latest_strength, pc.latest_claim_id)
        THEN EXCLUDED.latest_stated_on ELSE pc.latest_stated_on END,
      latest_confidence = CASE WHEN pc.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
              EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
              EXCLUDED.latest_claim_id)
           > (coalesce(pc.latest_stated_on, '-infinity'::date),
              pc.latest_confidence, pc.latest_strength, pc.latest_claim_id)
        THEN EXCLUDED.latest_confidence ELSE pc.latest_confidence END,
      latest_strength = CASE WHEN pc.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
              EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
              EXCLUDED.latest_claim_id)
           > (coalesce(pc.latest_stated_on, '-infinity'::date),
              pc.latest_confidence, pc.latest_strength, pc.latest_claim_id)
        THEN EXCLUDED.latest_strength ELSE pc.latest_strength END)
  SELECT array_agg(ROW(cells.*)::position_cells) FILTER (WHERE cells.top)
    INTO added FROM cells;
  IF added IS NOT NULL THEN
    -- Share-locked parties: see positions_rows_of (30_positions.sql).
    PERFORM 1 FROM parties p
      WHERE p.id IN (SELECT a.party_id FROM unnest(added) a)
      ORDER BY p.id FOR SHARE;
    WITH rolled AS (
      SELECT positions_row_of(p.kind, p.id, p.affiliation_id) AS row_id,
        a.issue_id, sum(a.demands) AS demands, sum(a.proposes) AS proposes,
        sum(a.rejects) AS rejects, sum(a.accepts) AS accepts,
        sum(a.threatens) AS threatens, sum(a.asserts) AS asserts,
        sum(a.claim_count) AS claim_count,
        (array_agg(ROW(a.latest_claim_id, a.latest_stated_on,
                       a.latest_confidence, a.latest_strength)
                   ::positions_latest
           ORDER BY a.latest_stated_on DESC NULLS LAST,
             a.latest_confidence DESC, a.latest_strength DESC,
             a.latest_claim_id DESC))[1] AS latest
      FROM unnest(added) a JOIN parties p ON p.id = a.party_id
      GROUP BY 1, 2)
    INSERT INTO position_rows AS r (row_id, issue_id, demands, proposes,
        rejects, accepts, threatens, asserts, claim_count, latest_claim_id,
        latest_stated_on, latest_stance, latest_speaker_id, latest_text,
        latest_article_id, latest_confidence, latest_strength)
      SELECT x.row_id, x.issue_id, x.demands, x.proposes, x.rejects,
        x.accepts, x.threatens, x.asserts, x.claim_count, (x.latest).id,
        (x.latest).stated_on, c.stance, c.speaker_id, c.text, c.article_id,
        (x.latest).confidence, (x.latest).strength
      FROM rolled x JOIN claims c ON c.id = (x.latest).id
      ORDER BY x.issue_id, x.row_id
    ON CONFLICT (issue_id, row_id) DO UPDATE SET
      demands = r.demands + EXCLUDED.demands,
      proposes = r.proposes + EXCLUDED.proposes,
      rejects = r.rejects + EXCLUDED.rejects,
      accepts = r.accepts + EXCLUDED.accepts,
      threatens = r.threatens + EXCLUDED.threatens,
      asserts = r.asserts + EXCLUDED.asserts,
      claim_count = r.claim_count + EXCLUDED.claim_count,
      latest_claim_id = CASE WHEN r.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
            EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
            EXCLUDED.latest_claim_id)
         > (coalesce(r.latest_stated_on, '-infinity'::date),
            r.latest_confidence, r.latest_strength, r.latest_claim_id)
        THEN EXCLUDED.latest_claim_id ELSE r.latest_claim_id END,
      latest_stated_on = CASE WHEN r.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
            EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
            EXCLUDED.latest_claim_id)
         > (coalesce(r.latest_stated_on, '-infinity'::date),
            r.latest_confidence, r.latest_strength, r.latest_claim_id)
        THEN EXCLUDED.latest_stated_on ELSE r.latest_stated_on END,
      latest_stance = CASE WHEN r.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
            EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
            EXCLUDED.latest_claim_id)
         > (coalesce(r.latest_stated_on, '-infinity'::date),
            r.latest_confidence, r.latest_strength, r.latest_claim_id)
        THEN EXCLUDED.latest_stance ELSE r.latest_stance END,
      latest_speaker_id = CASE WHEN r.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
            EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
            EXCLUDED.latest_claim_id)
         > (coalesce(r.latest_stated_on, '-infinity'::date),
            r.latest_confidence, r.latest_strength, r.latest_claim_id)
        THEN EXCLUDED.latest_speaker_id ELSE r.latest_speaker_id END,
      latest_text = CASE WHEN r.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
            EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
            EXCLUDED.latest_claim_id)
         > (coalesce(r.latest_stated_on, '-infinity'::date),
            r.latest_confidence, r.latest_strength, r.latest_claim_id)
        THEN EXCLUDED.latest_text ELSE r.latest_text END,
      latest_article_id = CASE WHEN r.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
            EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
            EXCLUDED.latest_claim_id)
         > (coalesce(r.latest_stated_on, '-infinity'::date),
            r.latest_confidence, r.latest_strength, r.latest_claim_id)
        THEN EXCLUDED.latest_article_id ELSE r.latest_article_id END,
      latest_confidence = CASE WHEN r.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
            EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
            EXCLUDED.latest_claim_id)
         > (coalesce(r.latest_stated_on, '-infinity'::date),
            r.latest_confidence, r.latest_strength, r.latest_claim_id)
        THEN EXCLUDED.latest_confidence ELSE r.latest_confidence END,
      latest_strength = CASE WHEN r.latest_claim_id IS NULL
          OR (coalesce(EXCLUDED.latest_stated_on, '-infinity'::date),
            EXCLUDED.latest_confidence, EXCLUDED.latest_strength,
            EXCLUDED.latest_claim_id)
         > (coalesce(r.latest_stated_on, '-infinity'::date),
            r.latest_confidence, r.latest_strength, r.latest_claim_id)
        THEN EXCLUDED.latest_strength ELSE r.latest_strength END;
  END IF;
  -- A claim none of whose links existed before this statement is new in
  -- the matrix.
  SELECT array_agg(g.party_id), array_agg(g.speaker_id), array_agg(1)
    INTO party_ids, speaker_ids, deltas
    FROM (SELECT DISTINCT l.claim_id, l.party_id, l.speaker_id
          FROM changed_links l
          WHERE l.party_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM claim_issues o
            WHERE o.claim_id = l.claim_id AND NOT EXISTS (
              SELECT 1 FROM changed_links n
              WHERE n.claim_id = o.claim_id AND n.issue_id = o.issue_id))) g;
  IF party_ids IS NOT NULL THEN
    PERFORM positions_totals_add(party_ids, speaker_ids, deltas);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER claim_issues_positions_insert AFTER INSERT ON claim_issues
  REFERENCING NEW TABLE AS changed_links
  FOR EACH STATEMENT EXECUTE FUNCTION claim_issues_positions();

CREATE OR REPLACE TRIGGER claim_issues_positions_delete AFTER DELETE ON claim_issues
  REFERENCING OLD TABLE AS gone_links
  FOR EACH STATEMENT EXECUTE FUNCTION claim_issues_positions();

-- Changed claims: a new party or speaker moves the links (and the
-- claim) to other cells, and its count to other totals; a new stance, date
-- or confidence changes the counts or the latest claim of its cells.
CREATE OR REPLACE FUNCTION claims_positions_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  keys position_key[];
  party_ids bigint[];
  speaker_ids bigint[];
  deltas integer[];
BEGIN
  WITH changed AS (
    SELECT n.id, o.party_id AS old_party_id,
        coalesce(o.speaker_id, 0) AS old_speaker_id, n.party_id,
        coalesce(n.speaker_id, 0) AS speaker_id
      FROM new_claims n JOIN old_claims o ON o.id = n.id
      WHERE (o.party_id, o.speaker_id, o.stance, o.stated_on, o.confidence)
        IS DISTINCT FROM (n.party_id, n.speaker_id, n.stance, n.stated_on,
                          n.confidence)),
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
  SELECT array_agg(x.party_id), array_agg(x.speaker_id), array_agg(x.delta)
    INTO party_ids, speaker_ids, deltas
    FROM new_claims n JOIN old_claims o ON o.id = n.id
    CROSS JOIN LATERAL (VALUES
        (o.party_id, coalesce(o.speaker_id, 0), -1),
        (n.party_id, coalesce(n.speaker_id, 0), 1))
      AS x (party_id, speaker_id, delta)
    WHERE (o.party_id, coalesce(o.speaker_id, 0))
        IS DISTINCT FROM (n.party_id, coalesce(n.speaker_id, 0))
      AND EXISTS (SELECT 1 FROM claim_issues ci WHERE ci.claim_id = n.id);
  IF party_ids IS NOT NULL THEN
    PERFORM positions_totals_add(party_ids, speaker_ids, deltas);
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER claims_positions_update AFTER UPDATE ON claims
  REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION claims_positions_update();

-- A claim's new text or article reaches the rows it is the latest of (its
-- other fields change the counts, and their changes recount the rows).
CREATE OR REPLACE FUNCTION claims_positions_text() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE position_rows r SET latest_text = n.text,
      latest_article_id = n.article_id
    FROM new_claims n
    WHERE r.latest_claim_id = n.id
      AND (r.latest_text, r.latest_article_id)
        IS DISTINCT FROM (n.text, n.article_id);
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER claims_positions_text AFTER UPDATE ON claims
  REFERENCING NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION claims_positions_text();

-- An issue that moves in the tree moves its claims between top cells.
CREATE OR REPLACE FUNCTION issues_positions_update() RETURNS trigger
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

CREATE OR REPLACE TRIGGER issues_positions_update AFTER UPDATE ON issues
  REFERENCING OLD TABLE AS old_issues NEW TABLE AS new_issues
  FOR EACH STATEMENT EXECUTE FUNCTION issues_positions_update();

-- A party whose row changes (a person's affiliation or kind) moves its top
-- cells from one row to another: both are recounted.
CREATE OR REPLACE FUNCTION parties_positions_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  keys position_row_key[];
BEGIN
  SELECT array_agg(DISTINCT ROW(r.row_id, pc.issue_id)::position_row_key)
    INTO keys
    FROM new_parties n JOIN old_parties o ON o.id = n.id
    JOIN position_cells pc ON pc.top AND pc.party_id = n.id
    CROSS JOIN LATERAL (VALUES
        (positions_row_of(o.kind, o.id, o.affiliation_id)),
        (positions_row_of(n.kind, n.id, n.affiliation_id))) AS r (row_id)
    WHERE positions_row_of(o.kind, o.id, o.affiliation_id)
       <> positions_row_of(n.kind, n.id, n.affiliation_id);
  PERFORM positions_rows_refresh(keys);
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER parties_positions_update AFTER UPDATE ON parties
  REFERENCING OLD TABLE AS old_parties NEW TABLE AS new_parties
  FOR EACH STATEMENT EXECUTE FUNCTION parties_positions_update();

