-- Key scopes: a 'read' key is refused every write (403), for clients that
-- should only ever read (dashboards); existing keys keep writing.
ALTER TABLE api_keys
  ADD COLUMN scope text NOT NULL DEFAULT 'write'
    CHECK (scope IN ('read', 'write'));
