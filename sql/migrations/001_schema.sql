-- Parley's schema: parties, issues, articles, claims and API keys.
-- Constraints guard the data; the service maps their SQLSTATEs to statuses.

CREATE TABLE parties (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,64}$'),
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  kind        text NOT NULL CHECK (kind IN ('state', 'organization', 'person', 'group')),
  aliases     text[] NOT NULL DEFAULT '{}',
  -- A party others speak for cannot vanish under them: deleting it is a 409.
  affiliation_id bigint REFERENCES parties (id) ON DELETE RESTRICT,
  role        text CHECK (char_length(role) <= 200),
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK (affiliation_id IS DISTINCT FROM id)
);
CREATE INDEX parties_created_at ON parties (created_at, id);
CREATE INDEX parties_name ON parties (name, id);
CREATE INDEX parties_affiliation ON parties (affiliation_id);

CREATE TABLE issues (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,64}$'),
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
  parent_id   bigint REFERENCES issues (id) ON DELETE RESTRICT,
  keywords    text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX issues_created_at ON issues (created_at, id);
CREATE INDEX issues_name ON issues (name, id);
CREATE INDEX issues_parent ON issues (parent_id);

CREATE TABLE articles (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sha256      text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  title       text,
  url         text,
  published   date,
  updated     date,
  authors     text[] NOT NULL DEFAULT '{}',
  dateline    text,
  text        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  search      tsvector GENERATED ALWAYS AS
                (to_tsvector('english', coalesce(title, '') || ' ' || text)) STORED
);
CREATE INDEX articles_created_at ON articles (created_at, id);
CREATE INDEX articles_published ON articles (published, id);
CREATE INDEX articles_url ON articles (url);
CREATE INDEX articles_search ON articles USING gin (search);

CREATE TABLE claims (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  article_id  bigint REFERENCES articles (id) ON DELETE CASCADE,
  party_id    bigint NOT NULL REFERENCES parties (id) ON DELETE RESTRICT,
  speaker_id  bigint REFERENCES parties (id) ON DELETE RESTRICT,
  stance      text NOT NULL
                CHECK (stance IN ('demands', 'proposes', 'rejects', 'accepts', 'threatens', 'asserts')),
  quote       boolean NOT NULL DEFAULT false,
  text        text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 10000),
  start_offset integer CHECK (start_offset >= 0),
  end_offset   integer,
  stated_on   date,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  search      tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
  CHECK ((start_offset IS NULL) = (end_offset IS NULL)),
  CHECK (end_offset >= start_offset),
  CHECK (start_offset IS NULL OR article_id IS NOT NULL)
);
CREATE INDEX claims_created_at ON claims (created_at, id);
CREATE INDEX claims_stated_on ON claims (stated_on, id);
CREATE INDEX claims_article ON claims (article_id, id);
CREATE INDEX claims_party ON claims (party_id, id);
CREATE INDEX claims_speaker ON claims (speaker_id, id);
CREATE INDEX claims_search ON claims USING gin (search);

CREATE TABLE claim_issues (
  claim_id    bigint NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
  issue_id    bigint NOT NULL REFERENCES issues (id) ON DELETE RESTRICT,
  PRIMARY KEY (claim_id, issue_id)
);
CREATE INDEX claim_issues_issue ON claim_issues (issue_id, claim_id);

-- API keys: a public prefix to find the row, and the SHA-256 of the secret.
CREATE TABLE api_keys (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 100),
  prefix      text NOT NULL UNIQUE,
  secret_hash bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_used_at timestamptz,
  revoked_at  timestamptz
);
