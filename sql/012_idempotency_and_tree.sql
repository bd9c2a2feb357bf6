-- A depth check of the issue tree that holds under concurrent writes, and
-- the stored answers of writes sent with an Idempotency-Key.

-- Two transactions each checked the tree before the other's change was
-- committed: A got a parent while C took A as its parent, and the tree had
-- three levels. Every change that gives an issue a parent now first takes
-- one transaction-scoped advisory lock (held to commit), so such changes run
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
-- The first answer to a POST sent with an Idempotency-Key, per API key,
-- written in the transaction of the write itself: a retry after a lost
-- answer (a 503 at a crash may still have committed) gets the same answer
-- and makes nothing twice. The row is inserted before the write, so a
-- concurrent duplicate waits on the primary key for the first to end.
-- Rows older than 24 hours are expired lazily by later keyed writes.
CREATE TABLE idempotency_keys (
  key_id          bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL CHECK (idempotency_key ~ '^[ -~]{1,255}$'),
  method          text NOT NULL,
  path            text NOT NULL,
  -- hex SHA-256 of the query string and the body
  request_hash    text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
  status          integer NOT NULL DEFAULT 0,
  location        text,
  body            text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (key_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
