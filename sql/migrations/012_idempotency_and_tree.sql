-- A depth check of the issue tree that holds under concurrent writes, and
-- the stored answers of writes sent with an Idempotency-Key.

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
