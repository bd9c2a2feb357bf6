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

-- Claim offsets are bytes of the article's UTF-8 text (003): besides
-- falling inside it, the offsets of a person's claim must not split a
-- character (a byte 10xxxxxx continues one). The extractor's always fall
-- between characters; checking only 'manual' claims keeps a load of
-- thousands of claims from converting the text once per claim.
CREATE OR REPLACE FUNCTION claims_check_offsets() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  split text;
BEGIN
  IF EXISTS (SELECT 1 FROM changed c JOIN articles a ON a.id = c.article_id
             WHERE c.end_offset > octet_length(a.text)) THEN
    RAISE EXCEPTION 'offsets fall outside the article'
      USING ERRCODE = 'check_violation', COLUMN = 'end';
  END IF;
  SELECT CASE WHEN b.at_start THEN 'start' ELSE 'end' END INTO split
    FROM (SELECT c.start_offset < octet_length(a.text)
                   AND get_byte(convert_to(a.text, 'UTF8'), c.start_offset) & 192 = 128
                   AS at_start,
                 c.end_offset < octet_length(a.text)
                   AND get_byte(convert_to(a.text, 'UTF8'), c.end_offset) & 192 = 128
                   AS at_end
            FROM changed c JOIN articles a ON a.id = c.article_id
           WHERE c.origin = 'manual' AND c.start_offset IS NOT NULL) b
   WHERE b.at_start OR b.at_end
   LIMIT 1;
  IF split IS NOT NULL THEN
    RAISE EXCEPTION 'offsets must fall between characters of the article''s UTF-8 text, not inside one'
      USING ERRCODE = 'check_violation', COLUMN = split;
  END IF;
  RETURN NULL;
END $$;
