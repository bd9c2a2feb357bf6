-- The issue tree's depth check. Every function and trigger has one home in
-- sql/functions/: `parley migrate` applies these files after the migrations
-- (see src/db/migrate.c), so edit the function here, never in a migration.

-- The issue tree has two levels: a parent is top-level, and an issue with
-- sub-issues cannot itself get a parent. Two transactions could each check
-- the tree before the other's change was committed (A got a parent while C
-- took A as its parent, and the tree had three levels), so every change
-- that gives an issue a parent first takes one transaction-scoped advisory
-- lock (held to commit), so such changes run
-- one at a time; the checks after it run on a fresh snapshot (READ
-- COMMITTED, a volatile function) and see every change committed before.
-- Changes that leave an issue's parent as it was, or remove it, cannot make
-- the tree deeper and take no lock.
CREATE OR REPLACE FUNCTION issues_check_depth() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.parent_id IS NOT NULL THEN
    IF TG_OP = 'INSERT' OR NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
      -- 7283917466: the issue tree (7283917465 is the migrations' lock).
      PERFORM pg_advisory_xact_lock(7283917466);
    END IF;
    IF EXISTS (SELECT 1 FROM issues WHERE id = NEW.parent_id AND parent_id IS NOT NULL) THEN
      RAISE EXCEPTION 'parent must be a top-level issue'
        USING ERRCODE = 'check_violation', COLUMN = 'parent';
    END IF;
    IF EXISTS (SELECT 1 FROM issues WHERE parent_id = NEW.id) THEN
      RAISE EXCEPTION 'an issue with sub-issues cannot have a parent'
        USING ERRCODE = 'check_violation', COLUMN = 'parent';
    END IF;
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER issues_check_depth BEFORE INSERT OR UPDATE OF parent_id ON issues
  FOR EACH ROW EXECUTE FUNCTION issues_check_depth();

