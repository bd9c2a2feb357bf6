-- Checks and bookkeeping on claims: their offsets, and the links that follow
-- a claim's created_at.

-- Claim offsets are bytes of the article's UTF-8 text, checked once per
-- statement (a load inserts all the claims of an article in one): besides
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

CREATE OR REPLACE TRIGGER claims_check_offsets_insert AFTER INSERT ON claims
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION claims_check_offsets();

CREATE OR REPLACE TRIGGER claims_check_offsets_update AFTER UPDATE ON claims
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION claims_check_offsets();

-- Should a claim's created_at ever be changed, its links follow.
CREATE OR REPLACE FUNCTION claims_created_at_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE claim_issues SET created_at = NEW.created_at
    WHERE claim_id = NEW.id;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER claims_created_at_update AFTER UPDATE OF created_at ON claims
  FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION claims_created_at_update();

