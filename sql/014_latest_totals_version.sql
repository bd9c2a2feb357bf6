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

-- The documented order of stances by strength, strongest first: a threat,
-- a demand, a rejection, a proposal, an acceptance, an assertion.
CREATE FUNCTION positions_stance_strength(stance text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE stance WHEN 'threatens' THEN 6 WHEN 'demands' THEN 5
    WHEN 'rejects' THEN 4 WHEN 'proposes' THEN 3 WHEN 'accepts' THEN 2
    ELSE 1 END)::smallint
$$;

-- A latest claim and what orders it.
CREATE TYPE positions_latest AS (
  id bigint, stated_on date, confidence real, strength smallint);

ALTER TABLE position_cells
  ADD COLUMN latest_confidence real,
  ADD COLUMN latest_strength smallint;
ALTER TABLE position_rows
  ADD COLUMN latest_confidence real,
  ADD COLUMN latest_strength smallint;

-- Whether the latest claim of `added` comes after that of `kept`, or `kept`
-- has none.
CREATE OR REPLACE FUNCTION positions_later(added position_rows,
                                           kept position_rows)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT kept.latest_claim_id IS NULL
    OR (coalesce(added.latest_stated_on, '-infinity'::date),
        added.latest_confidence, added.latest_strength, added.latest_claim_id)
     > (coalesce(kept.latest_stated_on, '-infinity'::date),
        kept.latest_confidence, kept.latest_strength, kept.latest_claim_id)
$$;

-- Recounts cells from their links (006), the latest claim in the order
-- above.
CREATE OR REPLACE FUNCTION positions_cells_refresh(keys position_key[])
RETURNS void LANGUAGE plpgsql AS $$
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
      latest_claim_id = (f.latest).id,
      latest_stated_on = (f.latest).stated_on,
      latest_confidence = (f.latest).confidence,
      latest_strength = (f.latest).strength
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
              (array_agg(ROW(c.id, c.stated_on, coalesce(c.confidence, 1),
                             positions_stance_strength(c.stance))
                         ::positions_latest
                 ORDER BY c.stated_on DESC NULLS LAST,
                   coalesce(c.confidence, 1) DESC,
                   positions_stance_strength(c.stance) DESC, c.id DESC))[1]
                AS latest
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

-- Recounts rows from their top cells (008), the latest in the order above.
CREATE OR REPLACE FUNCTION positions_rows_refresh(keys position_row_key[])
RETURNS void LANGUAGE plpgsql SET enable_seqscan = off AS $$
BEGIN
  IF keys IS NULL OR cardinality(keys) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO position_rows (row_id, issue_id)
    SELECT DISTINCT k.row_id, k.issue_id FROM unnest(keys) k
    ORDER BY k.issue_id, k.row_id
    ON CONFLICT DO NOTHING;
  PERFORM 1 FROM position_rows r
    JOIN (SELECT DISTINCT * FROM unnest(keys)) k USING (row_id, issue_id)
    ORDER BY r.issue_id, r.row_id
    FOR UPDATE OF r;
  UPDATE position_rows r SET demands = f.demands, proposes = f.proposes,
      rejects = f.rejects, accepts = f.accepts, threatens = f.threatens,
      asserts = f.asserts, claim_count = f.claim_count,
      latest_claim_id = (f.latest).id,
      latest_stated_on = (f.latest).stated_on,
      latest_confidence = (f.latest).confidence,
      latest_strength = (f.latest).strength,
      latest_stance = c.stance, latest_speaker_id = c.speaker_id,
      latest_text = c.text, latest_article_id = c.article_id
    FROM (SELECT k.row_id, k.issue_id, s.*
          FROM (SELECT DISTINCT * FROM unnest(keys)) k
          CROSS JOIN LATERAL (
            SELECT coalesce(sum(pc.demands), 0) AS demands,
              coalesce(sum(pc.proposes), 0) AS proposes,
              coalesce(sum(pc.rejects), 0) AS rejects,
              coalesce(sum(pc.accepts), 0) AS accepts,
              coalesce(sum(pc.threatens), 0) AS threatens,
              coalesce(sum(pc.asserts), 0) AS asserts,
              coalesce(sum(pc.claim_count), 0) AS claim_count,
              (array_agg(ROW(pc.latest_claim_id, pc.latest_stated_on,
                             pc.latest_confidence, pc.latest_strength)
                         ::positions_latest
                 ORDER BY pc.latest_stated_on DESC NULLS LAST,
                   pc.latest_confidence DESC, pc.latest_strength DESC,
                   pc.latest_claim_id DESC)
                 FILTER (WHERE pc.claim_count > 0))[1] AS latest
            FROM parties p
            JOIN position_cells pc ON pc.top AND pc.issue_id = k.issue_id
              AND pc.party_id = p.id
            WHERE (p.id = k.row_id OR p.affiliation_id = k.row_id)
              AND positions_row_of(p.kind, p.id, p.affiliation_id) = k.row_id
          ) s) f
    LEFT JOIN claims c ON c.id = (f.latest).id
    WHERE r.row_id = f.row_id AND r.issue_id = f.issue_id;
END $$;

-- --- 2. distinct claims per party and speaker --------------------------------

CREATE TABLE position_totals (
  party_id    bigint NOT NULL,
  speaker_id  bigint NOT NULL,
  claim_count integer NOT NULL DEFAULT 0,
  PRIMARY KEY (party_id, speaker_id)
);

-- Adds deltas[k] claims to (party_ids[k], speaker_ids[k]), sorted (one lock
-- order: cells, rows, then totals). Arrays rather than JSON: building and
-- parsing JSON cost as much as the adding (see 008).
CREATE FUNCTION positions_totals_add(party_ids bigint[], speaker_ids bigint[],
                                     deltas integer[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO position_totals AS t (party_id, speaker_id, claim_count)
    SELECT x.party_id, x.speaker_id, sum(x.delta)
    FROM unnest(party_ids, speaker_ids, deltas)
      AS x (party_id, speaker_id, delta)
    WHERE x.party_id IS NOT NULL
    GROUP BY x.party_id, x.speaker_id
    ORDER BY x.party_id, x.speaker_id
  ON CONFLICT (party_id, speaker_id)
    DO UPDATE SET claim_count = t.claim_count + EXCLUDED.claim_count
$$;

-- New links (008), with the latest claim in the order above; and a claim
-- whose first links these are counts once more for its party and speaker.
-- Deleted links recount their cells, and a claim left without links counts
-- once less.
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
    -- Share-locked parties: see positions_rows_of (008).
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

-- Changed claims (004): a new party or speaker moves the links (and the
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

-- The cells and rows already stored get their latest claim in the new
-- order, and the totals their counts.
SELECT positions_cells_refresh(array_agg(ROW(top, party_id, speaker_id,
                                             issue_id)::position_key))
  FROM position_cells;
SELECT positions_rows_refresh(array_agg(ROW(row_id, issue_id)
                                        ::position_row_key))
  FROM position_rows;
INSERT INTO position_totals (party_id, speaker_id, claim_count)
  SELECT c.party_id, coalesce(c.speaker_id, 0), count(*)
  FROM claims c
  WHERE EXISTS (SELECT 1 FROM claim_issues ci WHERE ci.claim_id = c.id)
  GROUP BY 1, 2;

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

CREATE FUNCTION data_version_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('parley.data_version_marked', true)
       IS DISTINCT FROM 'on' THEN
    PERFORM set_config('parley.data_version_marked', 'on', true);
    INSERT INTO data_version_marks DEFAULT VALUES;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE data_version SET version = version + 1;
  DELETE FROM data_version_marks WHERE transaction_id = NEW.transaction_id;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER data_version_bump AFTER INSERT ON data_version_marks
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION data_version_bump();

-- The records the lists and the matrix show.
DO $$
DECLARE
  watched text;
BEGIN
  FOREACH watched IN ARRAY ARRAY['parties', 'issues', 'articles',
                                 'article_versions', 'claims', 'claim_issues']
  LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE '
                   'OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION '
                   'data_version_mark()', watched || '_data_version', watched);
  END LOOP;
END $$;
