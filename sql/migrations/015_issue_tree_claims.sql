-- The claims of an issue and of its sub-issues, each claim once, in the
-- order of an index (issue 15). Migration 009 read an issue's links from
-- (issue_id, created_at, claim_id) but had to merge the links of the issue
-- and of each sub-issue, de-duplicate (a claim may link to a parent and to
-- its child) and sort them all: 5,500 links read and sorted for a page of
-- 20 of a top-level issue. Here each issue has a row per claim linked to it
-- or to one of its sub-issues (issues are two levels deep, see
-- issues_check_depth), so a page of any issue, in either direction and
-- from any cursor, is the next 21 entries of one index.
--
-- `links` counts the claim's links that put it there (to the issue itself
-- and to its sub-issues): the row goes when the last of them does. The
-- triggers that keep the table are in sql/functions/45_issue_tree_claims.sql.
-- No foreign keys: an issue with links cannot be deleted (claim_issues'
-- RESTRICT), and a claim's deletion removes its links, which remove its
-- rows here.
CREATE TABLE issue_tree_claims (
  issue_id   bigint NOT NULL,
  created_at timestamptz NOT NULL,
  claim_id   bigint NOT NULL,
  links      integer NOT NULL,
  -- created_at is the claim's, so this is also unique on (issue, claim).
  PRIMARY KEY (issue_id, created_at, claim_id)
);

-- A change of the links that put claims under issues.
CREATE TYPE issue_tree_change AS (
  issue_id bigint, created_at timestamptz, claim_id bigint, links integer);

INSERT INTO issue_tree_claims (issue_id, created_at, claim_id, links)
  SELECT t.issue_id, ci.created_at, ci.claim_id, count(*)
  FROM claim_issues ci JOIN issues i ON i.id = ci.issue_id
  CROSS JOIN LATERAL (VALUES (i.id), (i.parent_id)) AS t (issue_id)
  WHERE t.issue_id IS NOT NULL
  GROUP BY 1, 2, 3;
