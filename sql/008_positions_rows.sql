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

-- The row a party's claims are counted in: a person's party when they have
-- one, otherwise the party itself.
CREATE FUNCTION positions_row_of(kind text, id bigint, affiliation_id bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN kind = 'person' AND affiliation_id IS NOT NULL
              THEN affiliation_id ELSE id END
$$;

-- Whether the latest claim of `added` comes after that of `kept` (undated
-- claims are the oldest; then by id), or `kept` has none.
CREATE FUNCTION positions_later(added position_rows, kept position_rows)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT kept.latest_claim_id IS NULL
    OR (coalesce(added.latest_stated_on, '-infinity'::date),
        added.latest_claim_id)
     > (coalesce(kept.latest_stated_on, '-infinity'::date),
        kept.latest_claim_id)
$$;

-- Recounts rows from the top cells; as positions_refresh (006) does for cells,
-- the rows are created and locked first (sorted), then counted in a new
-- statement whose snapshot holds what earlier holders of the locks
-- committed.
CREATE FUNCTION positions_rows_refresh(keys position_row_key[]) RETURNS void
LANGUAGE plpgsql SET enable_seqscan = off AS $$
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
      latest_claim_id = f.latest_claim_id,
      latest_stated_on = f.latest_stated_on, latest_stance = c.stance,
      latest_speaker_id = c.speaker_id, latest_text = c.text,
      latest_article_id = c.article_id
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
              (array_agg(pc.latest_claim_id ORDER BY pc.latest_stated_on DESC
                 NULLS LAST, pc.latest_claim_id DESC)
                 FILTER (WHERE pc.claim_count > 0))[1] AS latest_claim_id,
              (array_agg(pc.latest_stated_on ORDER BY pc.latest_stated_on DESC
                 NULLS LAST, pc.latest_claim_id DESC)
                 FILTER (WHERE pc.claim_count > 0))[1] AS latest_stated_on
            FROM parties p
            JOIN position_cells pc ON pc.top AND pc.issue_id = k.issue_id
              AND pc.party_id = p.id
            WHERE (p.id = k.row_id OR p.affiliation_id = k.row_id)
              AND positions_row_of(p.kind, p.id, p.affiliation_id) = k.row_id
          ) s) f
    LEFT JOIN claims c ON c.id = f.latest_claim_id
    WHERE r.row_id = f.row_id AND r.issue_id = f.issue_id;
END $$;

-- The rows of a set of top cells' keys. The parties are share-locked
-- first, so that a concurrent change of an affiliation (which recounts the
-- rows it moves) waits for this transaction, or this one reads the new
-- affiliation once it is committed.
CREATE FUNCTION positions_rows_of(keys position_key[])
RETURNS position_row_key[] LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  rows_ position_row_key[];
BEGIN
  PERFORM 1 FROM parties p
    WHERE p.id IN (SELECT k.party_id FROM unnest(keys) k WHERE k.top)
    ORDER BY p.id FOR SHARE;
  SELECT array_agg(DISTINCT ROW(positions_row_of(p.kind, p.id,
                                                 p.affiliation_id),
                                k.issue_id)::position_row_key)
    INTO rows_
    FROM unnest(keys) k JOIN parties p ON p.id = k.party_id
    WHERE k.top;
  RETURN rows_;
END $$;

-- Cells recounted (deletes, changed claims, moved issues): their rows too.
-- The recount of cells (006) keeps its body under a name of its own; the
-- triggers call positions_refresh, which now does both.
ALTER FUNCTION positions_refresh(position_key[])
  RENAME TO positions_cells_refresh;
CREATE FUNCTION positions_refresh(keys position_key[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM positions_cells_refresh(keys);
  PERFORM positions_rows_refresh(positions_rows_of(keys));
END $$;

-- New links: added to their cells straight from the trigger's transition
-- table (positions_add of 006 took them as JSON, and building and parsing
-- it cost as much as the adding: 0.47 of 0.94 ms per article), then the
-- same additions to their rows, in a second statement so that every
-- transaction locks cells before rows. Deleted links recount their cells.
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
    GROUP BY keyed.top, keyed.party_id, keyed.speaker_id, keyed.issue_id),
  upserted AS (
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
        THEN EXCLUDED.latest_stated_on ELSE pc.latest_stated_on END)
  SELECT array_agg(ROW(counted.*)::position_cells) FILTER (WHERE counted.top)
    INTO added FROM counted;
  IF added IS NULL THEN
    RETURN NULL;
  END IF;
  -- Share-locked parties: see positions_rows_of.
  PERFORM 1 FROM parties p
    WHERE p.id IN (SELECT a.party_id FROM unnest(added) a)
    ORDER BY p.id FOR SHARE;
  WITH rolled AS (
    SELECT positions_row_of(p.kind, p.id, p.affiliation_id) AS row_id,
      a.issue_id, sum(a.demands) AS demands, sum(a.proposes) AS proposes,
      sum(a.rejects) AS rejects, sum(a.accepts) AS accepts,
      sum(a.threatens) AS threatens, sum(a.asserts) AS asserts,
      sum(a.claim_count) AS claim_count,
      (array_agg(a.latest_claim_id ORDER BY a.latest_stated_on DESC
         NULLS LAST, a.latest_claim_id DESC))[1] AS latest_claim_id,
      (array_agg(a.latest_stated_on ORDER BY a.latest_stated_on DESC
         NULLS LAST, a.latest_claim_id DESC))[1] AS latest_stated_on
    FROM unnest(added) a JOIN parties p ON p.id = a.party_id
    GROUP BY 1, 2)
  INSERT INTO position_rows AS r (row_id, issue_id, demands, proposes,
      rejects, accepts, threatens, asserts, claim_count, latest_claim_id,
      latest_stated_on, latest_stance, latest_speaker_id, latest_text,
      latest_article_id)
    SELECT x.*, c.stance, c.speaker_id, c.text, c.article_id
    FROM rolled x JOIN claims c ON c.id = x.latest_claim_id
    ORDER BY x.issue_id, x.row_id
  ON CONFLICT (issue_id, row_id) DO UPDATE SET
    demands = r.demands + EXCLUDED.demands,
    proposes = r.proposes + EXCLUDED.proposes,
    rejects = r.rejects + EXCLUDED.rejects,
    accepts = r.accepts + EXCLUDED.accepts,
    threatens = r.threatens + EXCLUDED.threatens,
    asserts = r.asserts + EXCLUDED.asserts,
    claim_count = r.claim_count + EXCLUDED.claim_count,
    latest_claim_id = CASE WHEN positions_later(EXCLUDED, r)
      THEN EXCLUDED.latest_claim_id ELSE r.latest_claim_id END,
    latest_stated_on = CASE WHEN positions_later(EXCLUDED, r)
      THEN EXCLUDED.latest_stated_on ELSE r.latest_stated_on END,
    latest_stance = CASE WHEN positions_later(EXCLUDED, r)
      THEN EXCLUDED.latest_stance ELSE r.latest_stance END,
    latest_speaker_id = CASE WHEN positions_later(EXCLUDED, r)
      THEN EXCLUDED.latest_speaker_id ELSE r.latest_speaker_id END,
    latest_text = CASE WHEN positions_later(EXCLUDED, r)
      THEN EXCLUDED.latest_text ELSE r.latest_text END,
    latest_article_id = CASE WHEN positions_later(EXCLUDED, r)
      THEN EXCLUDED.latest_article_id ELSE r.latest_article_id END;
  RETURN NULL;
END $$;

DROP FUNCTION positions_add(jsonb);

-- A party whose row changes (a person's affiliation or kind) moves its top
-- cells from one row to another: both are recounted.
CREATE FUNCTION parties_positions_update() RETURNS trigger
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
CREATE TRIGGER parties_positions_update AFTER UPDATE ON parties
  REFERENCING OLD TABLE AS old_parties NEW TABLE AS new_parties
  FOR EACH STATEMENT EXECUTE FUNCTION parties_positions_update();

-- A claim's new text or article reaches the rows it is the latest of (its
-- other fields change the counts, and their changes recount the rows).
CREATE FUNCTION claims_positions_text() RETURNS trigger
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
CREATE TRIGGER claims_positions_text AFTER UPDATE ON claims
  REFERENCING NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION claims_positions_text();

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
