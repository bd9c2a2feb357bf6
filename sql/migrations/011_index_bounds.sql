-- Input bounds (issue 12): what a client sends can no longer break an index,
-- names are kept in Unicode NFC, and claim offsets fall between characters.

-- A b-tree index row holds at most about 2,700 bytes: a URL of 2,000
-- four-byte characters (inside the API's limit) or a long title made the
-- insert fail. Both are looked up by equality only (finding an earlier
-- version of an article, src/db/store.c), so their hashes are indexed and
-- the lookups compare md5(column) = md5(value) and then the value itself.
DROP INDEX articles_url;
CREATE INDEX articles_url_md5 ON articles (md5(url));
DROP INDEX articles_title_published;
CREATE INDEX articles_title_published_md5 ON articles (md5(title), published);

-- Names are compared after NFC normalisation: the API stores names, aliases
-- and keywords in NFC and normalises the q= term the same way. Rows stored
-- before are normalised here (unless that would break a length rule).
UPDATE parties SET
    name = CASE WHEN char_length(normalize(name, NFC)) <= 200
                THEN normalize(name, NFC) ELSE name END,
    aliases = ARRAY(SELECT CASE WHEN char_length(normalize(a, NFC)) <= 200
                                THEN normalize(a, NFC) ELSE a END
                    FROM unnest(aliases) WITH ORDINALITY AS k (a, position)
                    ORDER BY position)
  WHERE NOT name IS NFC NORMALIZED
     OR EXISTS (SELECT 1 FROM unnest(aliases) a WHERE NOT a IS NFC NORMALIZED);
UPDATE issues SET
    name = CASE WHEN char_length(normalize(name, NFC)) <= 200
                THEN normalize(name, NFC) ELSE name END,
    keywords = ARRAY(SELECT CASE WHEN char_length(normalize(k, NFC)) <= 200
                                 THEN normalize(k, NFC) ELSE k END
                     FROM unnest(keywords) WITH ORDINALITY AS w (k, position)
                     ORDER BY position)
  WHERE NOT name IS NFC NORMALIZED
     OR EXISTS (SELECT 1 FROM unnest(keywords) k WHERE NOT k IS NFC NORMALIZED);
