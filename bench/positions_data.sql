-- Data for bench/positions.sh: 50 states and organisations, 150 people
-- affiliated with them, 50 top-level issues with 950 sub-issues, and
-- :claims claims (about 300-byte texts, 1 to 3 issue links each), inserted
-- in batches through the triggers that keep the positions summary.
\set ON_ERROR_STOP on
INSERT INTO parties (slug, name, kind)
  SELECT 'bench-state-' || g, 'Bench state ' || g,
         CASE WHEN g % 5 = 0 THEN 'organization' ELSE 'state' END
  FROM generate_series(1, 50) g;
INSERT INTO parties (slug, name, kind, affiliation_id, role)
  SELECT 'bench-person-' || g, 'Bench person ' || g, 'person',
         (SELECT id FROM parties WHERE slug = 'bench-state-' || (1 + g % 50)),
         'spokesperson'
  FROM generate_series(1, 150) g;
INSERT INTO issues (slug, name)
  SELECT 'bench-top-' || g, 'Bench issue ' || g FROM generate_series(1, 50) g;
INSERT INTO issues (slug, name, parent_id)
  SELECT 'bench-sub-' || g, 'Bench sub-issue ' || g,
         (SELECT id FROM issues WHERE slug = 'bench-top-' || (1 + g % 50))
  FROM generate_series(1, 950) g;

CREATE TEMP TABLE bench_ids AS
  SELECT (SELECT array_agg(id ORDER BY id) FROM parties WHERE slug LIKE 'bench-state-%') AS states,
         (SELECT array_agg(id ORDER BY id) FROM parties WHERE slug LIKE 'bench-person-%') AS people,
         (SELECT array_agg(id ORDER BY id) FROM issues WHERE slug LIKE 'bench-top-%') AS tops,
         (SELECT array_agg(id ORDER BY id) FROM issues WHERE slug LIKE 'bench-sub-%') AS subs;

SELECT set_config('bench.claims', :'claims', false) \gset
SELECT clock_timestamp() AS started \gset
DO $$
DECLARE
  total integer := current_setting('bench.claims')::integer;
  batch integer := 5000;
  ids record;
  first bigint;
BEGIN
  SELECT * INTO ids FROM bench_ids;
  FOR b IN 0 .. (total - 1) / batch LOOP
    -- A state speaks through one of its three people (60%), by itself
    -- (35%), or a person speaks as the party (5%).
    WITH made AS (
      INSERT INTO claims (party_id, speaker_id, stance, text, stated_on, origin)
      SELECT CASE WHEN h.a % 20 = 0 THEN ids.people[1 + h.b % 150]
                  ELSE ids.states[1 + h.b % 50] END,
             CASE WHEN h.a % 20 <> 0 AND h.a % 5 < 3
                  THEN ids.people[1 + (h.b % 50 + 50 * (h.c % 3) + 49) % 150]
                  END,
             (ARRAY['demands', 'proposes', 'rejects', 'accepts', 'threatens',
                    'asserts'])[1 + h.c % 6],
             'Bench claim ' || g || ': ' || repeat(md5(g::text), 9),
             CASE WHEN h.a % 33 = 0 THEN NULL
                  ELSE date '2024-01-01' + h.c % 730 END,
             'extracted'
      FROM generate_series(b * batch + 1, least((b + 1) * batch, total)) g
      CROSS JOIN LATERAL (SELECT abs(hashint4(g)) AS a,
                                 abs(hashint4(g + 1000003)) AS b,
                                 abs(hashint4(g + 2000003)) AS c) h
      RETURNING id)
    SELECT min(id) INTO first FROM made;
    INSERT INTO claim_issues (claim_id, issue_id)
    SELECT DISTINCT c.id, x.issue
    FROM claims c
    CROSS JOIN LATERAL (SELECT abs(hashint4(c.id::integer + 3000017)) AS a,
                               abs(hashint4(c.id::integer + 4000037)) AS b) h
    CROSS JOIN LATERAL (VALUES
        (ids.subs[1 + h.a % 950]),
        (CASE WHEN h.b % 2 = 0 THEN ids.subs[1 + h.b % 950] END),
        (CASE WHEN h.a % 5 = 0 THEN ids.tops[1 + h.b % 50] END)) AS x (issue)
    WHERE c.id >= first AND x.issue IS NOT NULL;
    COMMIT;
  END LOOP;
END $$;
SELECT round(extract(epoch FROM clock_timestamp() - :'started'::timestamptz)::numeric, 1)
  AS insert_seconds \gset
\echo claims inserted through the triggers in :insert_seconds s
ANALYZE;
