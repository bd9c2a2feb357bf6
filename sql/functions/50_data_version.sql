-- The data version (014): a statement trigger on each watched table marks
-- the writing transaction, and a deferred constraint trigger on the mark
-- bumps the version at commit (the reasons are in 014's comment).

-- Marks the writing transaction once: a local setting and one row.
CREATE OR REPLACE FUNCTION data_version_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('parley.data_version_marked', true)
       IS DISTINCT FROM 'on' THEN
    PERFORM set_config('parley.data_version_marked', 'on', true);
    INSERT INTO data_version_marks DEFAULT VALUES;
  END IF;
  RETURN NULL;
END $$;

-- At commit: the version goes up by one, and the mark goes.
CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE data_version SET version = version + 1;
  DELETE FROM data_version_marks WHERE transaction_id = NEW.transaction_id;
  RETURN NULL;
END $$;

-- A constraint trigger cannot be replaced in place: dropped and created.
DROP TRIGGER IF EXISTS data_version_bump ON data_version_marks;
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
    EXECUTE format('CREATE OR REPLACE TRIGGER %I AFTER INSERT OR UPDATE OR '
                   'DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE '
                   'FUNCTION data_version_mark()', watched || '_data_version',
                   watched);
  END LOOP;
END $$;
