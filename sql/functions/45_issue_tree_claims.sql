-- The triggers that keep issue_tree_claims (migration 015): each issue's
-- claims, its own and its sub-issues', once each, as links and the tree
-- change.

-- Adds each change's count to its row; a row left with no links goes.
CREATE OR REPLACE FUNCTION issue_tree_claims_apply(changes issue_tree_change[])
RETURNS void LANGUAGE plpgsql
SET enable_seqscan = off AS $$
DECLARE
  net issue_tree_change[];
BEGIN
  net := ARRAY(SELECT ROW(c.issue_id, c.created_at, c.claim_id,
                          sum(c.links))::issue_tree_change
               FROM unnest(changes) c
               GROUP BY c.issue_id, c.created_at, c.claim_id
               HAVING sum(c.links) <> 0
               ORDER BY c.issue_id, c.created_at, c.claim_id);
  IF cardinality(net) = 0 THEN
    RETURN;
  END IF;
  INSERT INTO issue_tree_claims AS t (issue_id, created_at, claim_id, links)
    SELECT n.issue_id, n.created_at, n.claim_id, n.links FROM unnest(net) n
    ON CONFLICT (issue_id, created_at, claim_id)
      DO UPDATE SET links = t.links + EXCLUDED.links;
  DELETE FROM issue_tree_claims t USING unnest(net) n
    WHERE t.issue_id = n.issue_id AND t.created_at = n.created_at
      AND t.claim_id = n.claim_id AND t.links <= 0;
END $$;

-- A link puts its claim under its issue and under the issue's parent.
-- (Transition tables allow one event per trigger: three triggers, one
-- function that reads the tables its event has.)
CREATE OR REPLACE FUNCTION claim_issues_tree() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  links issue_tree_change[] := '{}';
BEGIN
  IF TG_OP <> 'DELETE' THEN
    links := ARRAY(SELECT ROW(n.issue_id, n.created_at, n.claim_id,
                              1)::issue_tree_change FROM new_links n);
  END IF;
  IF TG_OP <> 'INSERT' THEN
    links := links || ARRAY(SELECT ROW(o.issue_id, o.created_at, o.claim_id,
                                       -1)::issue_tree_change FROM old_links o);
  END IF;
  PERFORM issue_tree_claims_apply(ARRAY(
    SELECT ROW(t.issue_id, l.created_at, l.claim_id, l.links)::issue_tree_change
    FROM unnest(links) l JOIN issues i ON i.id = l.issue_id
    CROSS JOIN LATERAL (VALUES (i.id), (i.parent_id)) AS t (issue_id)
    WHERE t.issue_id IS NOT NULL));
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER claim_issues_tree_insert AFTER INSERT ON claim_issues
  REFERENCING NEW TABLE AS new_links
  FOR EACH STATEMENT EXECUTE FUNCTION claim_issues_tree();
CREATE OR REPLACE TRIGGER claim_issues_tree_update AFTER UPDATE ON claim_issues
  REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
  FOR EACH STATEMENT EXECUTE FUNCTION claim_issues_tree();
CREATE OR REPLACE TRIGGER claim_issues_tree_delete AFTER DELETE ON claim_issues
  REFERENCING OLD TABLE AS old_links
  FOR EACH STATEMENT EXECUTE FUNCTION claim_issues_tree();

-- An issue that moves in the tree moves its links' claims from its old
-- parent to its new one.
CREATE OR REPLACE FUNCTION issues_tree_claims() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM issue_tree_claims_apply(ARRAY(
    SELECT ROW(t.parent_id, ci.created_at, ci.claim_id,
               t.links)::issue_tree_change
    FROM new_issues n JOIN old_issues o ON o.id = n.id
    JOIN claim_issues ci ON ci.issue_id = n.id
    CROSS JOIN LATERAL (VALUES (o.parent_id, -1), (n.parent_id, 1))
      AS t (parent_id, links)
    WHERE o.parent_id IS DISTINCT FROM n.parent_id
      AND t.parent_id IS NOT NULL));
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER issues_tree_claims AFTER UPDATE ON issues
  REFERENCING OLD TABLE AS old_issues NEW TABLE AS new_issues
  FOR EACH STATEMENT EXECUTE FUNCTION issues_tree_claims();
