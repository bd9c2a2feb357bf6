-- The data version (014, 016): a statement trigger on each watched table marks
-- the writing transaction, and a deferred constraint trigger on the mark
-- bumps the version at commit (the reasons are in 014's comment).

-- Marks the writing transaction once: a local setting and one row. Also
-- called by what writes the matrix without a watched table's trigger
-- (positions_recount).
CREATE OR REPLACE FUNCTION data_version_mark_transaction() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('parley.data_version_marked', true)
       IS DISTINCT FROM 'on' THEN
    PERFORM set_config('parley.data_version_marked', 'on', true);
    INSERT INTO data_version_marks DEFAULT VALUES;
  END IF;
END $$;

-- The row trigger: after a transaction's first row, one current_setting
-- and no call.
CREATE OR REPLACE FUNCTION data_version_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('parley.data_version_marked', true)
       IS DISTINCT FROM 'on' THEN
    PERFORM data_version_mark_transaction();
  END IF;
  RETURN NULL;
END $$;

-- At commit: the version goes up by one, and the mark goes. The shard is
-- the first one, from this backend's own, that no other committing
-- transaction holds (016); when all 16 are held, this backend's own, once
-- it is free.
CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  taken smallint;
BEGIN
  SELECT s.shard INTO taken FROM data_version_shards s
    ORDER BY (s.shard + pg_backend_pid()) % 16
    LIMIT 1 FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    taken := pg_backend_pid() % 16;
  END IF;
  UPDATE data_version_shards SET version = version + 1 WHERE shard = taken;
  DELETE FROM data_version_marks WHERE transaction_id = NEW.transaction_id;
  RETURN NULL;
END $$;

-- A constraint trigger cannot be replaced in place: dropped and created.
DROP TRIGGER IF EXISTS data_version_bump ON data_version_marks;
CREATE CONSTRAINT TRIGGER data_version_bump AFTER INSERT ON data_version_marks
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION data_version_bump();

-- The records the lists and the matrix show, watched by row triggers: a
-- statement that writes no row (an unchanged load's INSERT ... ON CONFLICT
-- DO NOTHING, an unchanged re-extraction) fires none, nor does an UPDATE
-- that leaves a row as it was, so the version and every list's ETag stay.
-- After a transaction's first row each call is one current_setting.
-- TRUNCATE has no rows: it keeps a statement trigger.
DO $$
DECLARE
  watched text;
BEGIN
  FOREACH watched IN ARRAY ARRAY['parties', 'issues', 'articles',
                                 'article_versions', 'claims', 'claim_issues']
  LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I',
                   watched || '_data_version', watched);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR DELETE ON %I '
                   'FOR EACH ROW EXECUTE FUNCTION data_version_mark()',
                   watched || '_data_version', watched);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON %I '
                   'FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) '
                   'EXECUTE FUNCTION data_version_mark()',
                   watched || '_data_version_update', watched);
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION data_version_mark()',
                   watched || '_data_version_truncate', watched);
  END LOOP;
END $$;
