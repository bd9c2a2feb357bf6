-- The benchmark's dataset, generated server-side in one transaction:
-- 200 parties (40 states, 40 organisations, 120 people affiliated with
-- them), issues up to 1,000 in all (two levels: the catalogue of migration
-- 002 plus generated 'issue-N'), 10,000 articles of ~3.3 KB, 100,000 claims
-- whose ~300-byte texts are cut out of their article (offsets in bytes), and
-- ~160,000 issue links. Deterministic (setseed) so that runs compare.
--
-- bench/run.sh applies it to a schema at migration 003 and then runs
-- `parley migrate` for the later migrations, so that what they derive from
-- claims (e.g. 004's position cells) is filled by their own backfill.
--   psql -v ON_ERROR_STOP=1 -f bench/dataset.sql
\set claims 100000
\set articles 10000
BEGIN;
SELECT setseed(0.42);

-- Parties: ids 1-40 states, 41-80 organisations, 81-200 people.
INSERT INTO parties (id, slug, name, kind, affiliation_id, role, created_at,
                     updated_at)
OVERRIDING SYSTEM VALUE
SELECT g,
       CASE WHEN g <= 40 THEN 'state-' || g
            WHEN g <= 80 THEN 'org-' || (g - 40)
            ELSE 'person-' || (g - 80) END,
       CASE WHEN g <= 40 THEN 'State ' || g
            WHEN g <= 80 THEN 'Organisation ' || (g - 40)
            ELSE 'Person ' || (g - 80) END,
       CASE WHEN g <= 40 THEN 'state' WHEN g <= 80 THEN 'organization'
            ELSE 'person' END,
       CASE WHEN g > 80 THEN 1 + floor(80 * random() ^ 1.5)::int END,
       CASE WHEN g > 80 THEN (ARRAY['spokesperson', 'foreign minister',
            'president', 'envoy', 'negotiator'])[1 + (g % 5)] END,
       timestamptz '2024-12-01 00:00Z' + g * interval '1 minute',
       timestamptz '2024-12-01 00:00Z' + g * interval '1 minute'
FROM generate_series(1, 200) g;
SELECT setval(pg_get_serial_sequence('parties', 'id'), 200);

-- Issues: 50 top-level ones in all, the rest sub-issues of generated
-- top-level ones, 1,000 in all.
CREATE TEMP TABLE bench_counts AS
SELECT (SELECT count(*) FROM issues) AS existing,
       (SELECT count(*) FROM issues WHERE parent_id IS NULL) AS existing_top;
INSERT INTO issues (slug, name, description, created_at, updated_at)
SELECT 'issue-' || g, 'Issue ' || g, 'Generated top-level issue ' || g,
       timestamptz '2024-12-02 00:00Z' + g * interval '1 minute',
       timestamptz '2024-12-02 00:00Z' + g * interval '1 minute'
FROM bench_counts, generate_series(1, 50 - existing_top) g;
INSERT INTO issues (slug, name, description, parent_id, created_at,
                    updated_at)
SELECT 'issue-' || g, 'Issue ' || g, 'Generated sub-issue ' || g,
       (SELECT id FROM issues WHERE slug = 'issue-' || (1 + g % (50 - existing_top))),
       timestamptz '2024-12-02 00:00Z' + g * interval '1 minute',
       timestamptz '2024-12-02 00:00Z' + g * interval '1 minute'
FROM bench_counts, generate_series(50 - existing_top + 1, 1000 - existing) g;

-- Articles of ~500 words drawn from a news vocabulary (frequent words
-- first, picked with a skew), a full stop every 12-20 words.
CREATE TEMP TABLE bench_words AS
SELECT ARRAY['the', 'of', 'to', 'and', 'a', 'in', 'that', 'on', 'said',
  'for', 'with', 'talks', 'Russia', 'Ukraine', 'would', 'was', 'Kyiv',
  'Moscow', 'security', 'ceasefire', 'peace', 'plan', 'president',
  'minister', 'Kremlin', 'troops', 'region', 'sanctions', 'guarantees',
  'Washington', 'spokesperson', 'proposal', 'agreement', 'withdrawal',
  'negotiators', 'Donbas', 'territory', 'referendum', 'prisoners',
  'exchange', 'energy', 'infrastructure', 'frozen', 'assets', 'meeting',
  'Geneva', 'delegation', 'rejected', 'demanded', 'proposed', 'warned',
  'accepted', 'front', 'lines', 'zone', 'economic', 'nuclear', 'plant',
  'elections', 'NATO', 'membership', 'army', 'reconstruction', 'strikes',
  'overnight', 'officials', 'statement', 'reporters', 'Sunday', 'Monday',
  'European', 'Union', 'deployment', 'foreign', 'forces', 'humanitarian',
  'corridor', 'monitoring', 'mission', 'framework', 'settlement',
  'referendums', 'concessions', 'annexation', 'borders', 'drones',
  'missiles', 'grid', 'blackouts', 'heating', 'winter', 'envoy', 'summit',
  'phone', 'call', 'leaders', 'progress', 'guarantee', 'backstop',
  'coalition', 'willing', 'peacekeepers', 'monitors', 'observers'] AS w;
INSERT INTO articles (id, sha256, title, url, published, updated, authors,
                      dateline, text, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT a, encode(sha256(convert_to('bench-article-' || a, 'UTF8')), 'hex'),
       'Article ' || a, 'https://news.example/articles/' || a,
       date '2025-01-01' + (a * 364 / :articles),
       NULL, ARRAY['Anna Kovalenko', 'John Smith'], 'KYIV', t.text,
       timestamptz '2025-01-01 00:00Z' + a * interval '50 minutes',
       timestamptz '2025-01-01 00:00Z' + a * interval '50 minutes'
FROM generate_series(1, :articles) a
CROSS JOIN LATERAL (
  SELECT string_agg(w.w[1 + floor(cardinality(w.w) * random() ^ 1.7)::int]
                      || CASE WHEN g % (12 + a % 9) = 0 THEN '.' ELSE '' END,
                    ' ' ORDER BY g) AS text
  FROM bench_words w, generate_series(1, 500 + a % 40) g) t;
SELECT setval(pg_get_serial_sequence('articles', 'id'), :articles);

-- Claims: ten per article, each ~300 bytes of it at increasing offsets. 60%
-- were spoken by a person for the party the person is affiliated with; the
-- others by a state or organisation itself (the first ones more often).
INSERT INTO claims (id, article_id, party_id, speaker_id, stance, quote, text,
                    start_offset, end_offset, stated_on, created_at,
                    updated_at, origin)
OVERRIDING SYSTEM VALUE
SELECT c.g, a.id, coalesce(sp.affiliation_id, c.party), sp.id,
       (ARRAY['demands', 'proposes', 'rejects', 'accepts', 'threatens',
              'asserts'])[1 + floor(6 * random())::int],
       random() < 0.3, substr(a.text, o.start + 1, 300), o.start,
       o.start + octet_length(substr(a.text, o.start + 1, 300)), a.published,
       timestamptz '2025-01-01 00:00Z' + c.g * interval '5 minutes',
       timestamptz '2025-01-01 00:00Z' + c.g * interval '5 minutes',
       'extracted'
FROM (SELECT g, 1 + (g - 1) / 10 AS article,
             CASE WHEN random() < 0.6 THEN 81 + floor(120 * random())::int END
               AS speaker,
             1 + floor(80 * random() ^ 2)::int AS party
      FROM generate_series(1, :claims) g) c
JOIN articles a ON a.id = c.article
LEFT JOIN parties sp ON sp.id = c.speaker
CROSS JOIN LATERAL (
  SELECT ((c.g - 1) % 10) * (octet_length(a.text) - 320) / 10 AS start) o;
SELECT setval(pg_get_serial_sequence('claims', 'id'), :claims);

-- Issue links: every claim names one sub-issue (or a top-level issue
-- without sub-issues) in turn, so that each has claims; half name a second
-- and a tenth a third one, picked with a skew (some issues are hot).
CREATE TEMP TABLE bench_leaves AS
SELECT row_number() OVER (ORDER BY i.id) AS n, i.id
FROM issues i
WHERE NOT EXISTS (SELECT 1 FROM issues c WHERE c.parent_id = i.id);
INSERT INTO claim_issues (claim_id, issue_id)
SELECT DISTINCT l.claim_id, bl.id
FROM (SELECT g AS claim_id, 1 + (g % (SELECT count(*) FROM bench_leaves)) AS n
      FROM generate_series(1, :claims) g
      UNION ALL
      SELECT g, 1 + floor((SELECT count(*) FROM bench_leaves) * random() ^ 2)::int
      FROM generate_series(1, :claims) g WHERE random() < 0.5
      UNION ALL
      SELECT g, 1 + floor((SELECT count(*) FROM bench_leaves) * random() ^ 2)::int
      FROM generate_series(1, :claims) g WHERE random() < 0.1) l
JOIN bench_leaves bl ON bl.n = l.n;

-- What bench/run.sh reads back: the generated issues are issue-1..issue-N.
CREATE TABLE bench_meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO bench_meta
SELECT 'issues', count(*)::text FROM issues WHERE slug LIKE 'issue-%'
UNION ALL SELECT 'claims', :claims::text
UNION ALL SELECT 'articles', :articles::text;
COMMIT;
