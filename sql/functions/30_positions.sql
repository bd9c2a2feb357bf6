-- Positions (004, 008, 014): the recounts of cells, rows and totals, and
-- what they share. The triggers that call them are in
-- 40_positions_triggers.sql.

-- The documented order of stances by strength, strongest first: a threat,
-- a demand, a rejection, a proposal, an acceptance, an assertion.
CREATE OR REPLACE FUNCTION positions_stance_strength(stance text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE stance WHEN 'threatens' THEN 6 WHEN 'demands' THEN 5
    WHEN 'rejects' THEN 4 WHEN 'proposes' THEN 3 WHEN 'accepts' THEN 2
    ELSE 1 END)::smallint
$$;

-- The cells a set of links is in: one fine and one top cell per link.
CREATE OR REPLACE FUNCTION positions_keys_of(party_id bigint, speaker_id bigint,
                                             issue_id bigint, parent_id bigint)
RETURNS position_key[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY[ROW(false, party_id, speaker_id, issue_id)::position_key,
               ROW(true, party_id, speaker_id,
                   coalesce(parent_id, issue_id))::position_key]
$$;

-- The row a party's claims are counted in: a person's party when they have
-- one, otherwise the party itself.
CREATE OR REPLACE FUNCTION positions_row_of(kind text, id bigint, affiliation_id bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN kind = 'person' AND affiliation_id IS NOT NULL
              THEN affiliation_id ELSE id END
$$;

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

-- Recounts cells from their links, the latest claim in the order above.
-- The rows are created and locked first (sorted, to keep lock order the
-- same across transactions), then counted in a new statement: under READ
-- COMMITTED its snapshot includes whatever the transactions that held these
-- rows before us committed. A top cell of an issue that is no longer
-- top-level counts nothing.
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

-- Recounts rows from their top cells, the latest in the order above; as
-- for cells, the rows are created and locked first (sorted), then counted
-- in a new statement.
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

-- The rows of a set of top cells' keys. The parties are share-locked
-- first, so that a concurrent change of an affiliation (which recounts the
-- rows it moves) waits for this transaction, or this one reads the new
-- affiliation once it is committed.
CREATE OR REPLACE FUNCTION positions_rows_of(keys position_key[])
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

-- Cells recounted (deletes, changed claims, moved issues), and their rows.
CREATE OR REPLACE FUNCTION positions_refresh(keys position_key[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM positions_cells_refresh(keys);
  PERFORM positions_rows_refresh(positions_rows_of(keys));
END $$;

-- Recounts every cell, row and total from the links, in a few set-based
-- statements: what a migration's backfill calls. The keyed refreshes above
-- probe an index per cell (a minute for 100,000 claims) and, planned in the
-- migration's own transaction, where the tables it just filled have no
-- statistics, scan a table per cell (hours). The base tables are
-- share-locked so that no writer's trigger changes a count under the
-- recount. Cells and rows that no link reaches any more are emptied, not
-- deleted, as positions_cells_refresh leaves them. The data version goes
-- up at commit: the matrix may have changed under its ETag.
CREATE OR REPLACE FUNCTION positions_recount() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE parties, issues, claims, claim_issues IN SHARE MODE;
  PERFORM data_version_mark_transaction();
  CREATE TEMP TABLE positions_recount_cells ON COMMIT DROP AS
    SELECT l.top, l.party_id, l.speaker_id, l.issue_id,
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
    FROM (SELECT DISTINCT k.top, ci.party_id, ci.speaker_id, k.issue_id,
            ci.claim_id
          FROM claim_issues ci JOIN issues i ON i.id = ci.issue_id
          CROSS JOIN LATERAL (VALUES (false, ci.issue_id),
                                     (true, coalesce(i.parent_id, ci.issue_id)))
            AS k (top, issue_id)
          WHERE ci.party_id IS NOT NULL) l
    JOIN claims c ON c.id = l.claim_id
    GROUP BY 1, 2, 3, 4;
  ANALYZE positions_recount_cells;
  UPDATE position_cells pc SET demands = 0, proposes = 0, rejects = 0,
      accepts = 0, threatens = 0, asserts = 0, claim_count = 0,
      latest_claim_id = NULL, latest_stated_on = NULL,
      latest_confidence = NULL, latest_strength = NULL
    WHERE (pc.claim_count <> 0 OR pc.latest_claim_id IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM positions_recount_cells r
                      WHERE (r.top, r.party_id, r.speaker_id, r.issue_id)
                          = (pc.top, pc.party_id, pc.speaker_id, pc.issue_id));
  INSERT INTO position_cells AS pc (top, party_id, speaker_id, issue_id,
      demands, proposes, rejects, accepts, threatens, asserts, claim_count,
      latest_claim_id, latest_stated_on, latest_confidence, latest_strength)
    SELECT r.top, r.party_id, r.speaker_id, r.issue_id, r.demands,
      r.proposes, r.rejects, r.accepts, r.threatens, r.asserts,
      r.claim_count, (r.latest).id, (r.latest).stated_on,
      (r.latest).confidence, (r.latest).strength
    FROM positions_recount_cells r
    ORDER BY r.top, r.issue_id, r.party_id, r.speaker_id
  ON CONFLICT (top, issue_id, party_id, speaker_id) DO UPDATE SET
    demands = EXCLUDED.demands, proposes = EXCLUDED.proposes,
    rejects = EXCLUDED.rejects, accepts = EXCLUDED.accepts,
    threatens = EXCLUDED.threatens, asserts = EXCLUDED.asserts,
    claim_count = EXCLUDED.claim_count,
    latest_claim_id = EXCLUDED.latest_claim_id,
    latest_stated_on = EXCLUDED.latest_stated_on,
    latest_confidence = EXCLUDED.latest_confidence,
    latest_strength = EXCLUDED.latest_strength;
  DROP TABLE positions_recount_cells;

  -- The rows, from the top cells just counted.
  CREATE TEMP TABLE positions_recount_rows ON COMMIT DROP AS
    SELECT positions_row_of(p.kind, p.id, p.affiliation_id) AS row_id,
      pc.issue_id, sum(pc.demands) AS demands, sum(pc.proposes) AS proposes,
      sum(pc.rejects) AS rejects, sum(pc.accepts) AS accepts,
      sum(pc.threatens) AS threatens, sum(pc.asserts) AS asserts,
      sum(pc.claim_count) AS claim_count,
      (array_agg(ROW(pc.latest_claim_id, pc.latest_stated_on,
                     pc.latest_confidence, pc.latest_strength)
                 ::positions_latest
         ORDER BY pc.latest_stated_on DESC NULLS LAST,
           pc.latest_confidence DESC, pc.latest_strength DESC,
           pc.latest_claim_id DESC))[1] AS latest
    FROM position_cells pc JOIN parties p ON p.id = pc.party_id
    WHERE pc.top AND pc.claim_count > 0
    GROUP BY 1, 2;
  ANALYZE positions_recount_rows;
  UPDATE position_rows pr SET demands = 0, proposes = 0, rejects = 0,
      accepts = 0, threatens = 0, asserts = 0, claim_count = 0,
      latest_claim_id = NULL, latest_stated_on = NULL,
      latest_confidence = NULL, latest_strength = NULL, latest_stance = NULL,
      latest_speaker_id = NULL, latest_text = NULL, latest_article_id = NULL
    WHERE (pr.claim_count <> 0 OR pr.latest_claim_id IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM positions_recount_rows r
                      WHERE (r.row_id, r.issue_id) = (pr.row_id, pr.issue_id));
  INSERT INTO position_rows AS pr (row_id, issue_id, demands, proposes,
      rejects, accepts, threatens, asserts, claim_count, latest_claim_id,
      latest_stated_on, latest_confidence, latest_strength, latest_stance,
      latest_speaker_id, latest_text, latest_article_id)
    SELECT r.row_id, r.issue_id, r.demands, r.proposes, r.rejects,
      r.accepts, r.threatens, r.asserts, r.claim_count, (r.latest).id,
      (r.latest).stated_on, (r.latest).confidence, (r.latest).strength,
      c.stance, c.speaker_id, c.text, c.article_id
    FROM positions_recount_rows r JOIN claims c ON c.id = (r.latest).id
    ORDER BY r.issue_id, r.row_id
  ON CONFLICT (issue_id, row_id) DO UPDATE SET
    demands = EXCLUDED.demands, proposes = EXCLUDED.proposes,
    rejects = EXCLUDED.rejects, accepts = EXCLUDED.accepts,
    threatens = EXCLUDED.threatens, asserts = EXCLUDED.asserts,
    claim_count = EXCLUDED.claim_count,
    latest_claim_id = EXCLUDED.latest_claim_id,
    latest_stated_on = EXCLUDED.latest_stated_on,
    latest_confidence = EXCLUDED.latest_confidence,
    latest_strength = EXCLUDED.latest_strength,
    latest_stance = EXCLUDED.latest_stance,
    latest_speaker_id = EXCLUDED.latest_speaker_id,
    latest_text = EXCLUDED.latest_text,
    latest_article_id = EXCLUDED.latest_article_id;
  DROP TABLE positions_recount_rows;

  -- The totals: each claim in the matrix once for its party and speaker.
  DELETE FROM position_totals;
  INSERT INTO position_totals (party_id, speaker_id, claim_count)
    SELECT ci.party_id, ci.speaker_id, count(DISTINCT ci.claim_id)
    FROM claim_issues ci WHERE ci.party_id IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2;
END $$;

-- Adds deltas[k] claims to (party_ids[k], speaker_ids[k]), sorted (one lock
-- order: cells, rows, then totals). Arrays rather than JSON: building and
-- parsing JSON cost as much as the adding.
CREATE OR REPLACE FUNCTION positions_totals_add(party_ids bigint[], speaker_ids bigint[],
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

