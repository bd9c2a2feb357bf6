/* Re-extraction in the database: an article's stored text, and its
 * extracted claims brought up to a fresh extraction. */
#include "db/reextract.h"

#include "db/records.h"
#include "db/store.h"

#include <stdlib.h>
#include <string.h>

/* The lock keeps a concurrent load of a new version of the article from
   changing the text under the extraction. The stored date (the client's,
   or edited since) is the one claims' stated_on count from. */
static const struct db_statement statement_text = {
    "reextract_text", "SELECT text, to_char(published, 'YYYY-MM-DD') FROM "
                      "articles WHERE id = $1::bigint FOR UPDATE"};

PGresult *db_reextract_text_locked(struct db_conn *conn, const char *article_id,
                                   enum db_status *status) {
  const char *values[] = {article_id};
  return db_exec(conn, &statement_text, 1, values, status);
}

/* The claims of a fresh extraction less those whose span a person's claim
   ('manual') of the article already covers (that claim is the person's
   correction of what the extractor says there) and those whose span a
   person deleted (a tombstone, migration 013). */
static const struct db_statement statement_reextract_filter = {
    "store_reextract_filter",
    "SELECT coalesce(json_agg(r.value), '[]')::text FROM json_array_elements("
    "$2::json) r WHERE NOT EXISTS (SELECT 1 FROM claims m WHERE m.article_id "
    "= $1::bigint AND m.origin = 'manual' AND m.start_offset = (r.value ->> "
    "'start_offset')::integer AND m.end_offset = (r.value ->> "
    "'end_offset')::integer) AND NOT EXISTS (SELECT 1 FROM claim_tombstones t "
    "WHERE t.article_id = $1::bigint AND t.start_offset = (r.value ->> "
    "'start_offset')::integer AND t.end_offset = (r.value ->> "
    "'end_offset')::integer)"};

/* The fresh claims ($2, as db_store_claims_insert takes them) as the claims
   table holds them, each with its issue ids. */
#define REEXTRACT_FRESH                                                        \
  "fresh AS (SELECT r.n, p.id AS party_id, s.id AS speaker_id, r.stance, "     \
  "r.quote, r.text, r.start_offset, r.end_offset, r.stated_on, r.cue_word, "   \
  "r.cue_start, r.cue_end, r.cameo, r.confidence, ARRAY(SELECT DISTINCT "      \
  "i.id FROM json_array_elements_text(r.issues) AS w (slug) JOIN issues i "    \
  "ON i.slug = w.slug ORDER BY i.id) AS issues FROM json_to_recordset("        \
  "$2::json) AS r (n integer, party text, speaker text, stance text, quote "   \
  "boolean, text text, start_offset integer, end_offset integer, stated_on "   \
  "date, cue_word text, cue_start integer, cue_end integer, cameo text, "      \
  "confidence real, issues json) JOIN parties p ON p.slug = r.party LEFT "     \
  "JOIN parties s ON s.slug = r.speaker WHERE char_length(r.text) BETWEEN 1 "  \
  "AND 10000)"

/* Whether the stored extracted claims are those the extraction would store
   (as a multiset of their values and issue links). */
static const struct db_statement statement_reextract_same = {
    "store_reextract_same",
    "WITH " REEXTRACT_FRESH ", fresh_values AS (SELECT party_id, speaker_id, "
    "stance, quote, text, start_offset, end_offset, stated_on, cue_word, "
    "cue_start, cue_end, cameo, confidence, issues FROM fresh), stored AS "
    "(SELECT c.party_id, c.speaker_id, c.stance, c.quote, c.text, "
    "c.start_offset, c.end_offset, c.stated_on, c.cue_word, c.cue_start, "
    "c.cue_end, c.cameo, c.confidence, ARRAY(SELECT ci.issue_id FROM "
    "claim_issues ci WHERE ci.claim_id = c.id ORDER BY ci.issue_id) AS issues "
    "FROM claims c WHERE c.article_id = $1::bigint AND c.origin = "
    "'extracted') SELECT NOT EXISTS (SELECT * FROM fresh_values EXCEPT ALL "
    "SELECT * FROM stored) AND NOT EXISTS (SELECT * FROM stored EXCEPT ALL "
    "SELECT * FROM fresh_values)"};

/* A stored extracted claim and the fresh one with the same span and party
   are one claim: it keeps its id. Should several share a span and party,
   they pair in order (stored by id, fresh by position in the text). */
#define REEXTRACT_PAIRS                                                        \
  "WITH " REEXTRACT_FRESH ", ranked AS (SELECT f.*, row_number() OVER "        \
  "(PARTITION BY f.start_offset, f.end_offset, f.party_id ORDER BY f.n) AS "   \
  "rank FROM fresh f), stored AS (SELECT c.id, c.start_offset, "               \
  "c.end_offset, c.party_id, row_number() OVER (PARTITION BY "                 \
  "c.start_offset, c.end_offset, c.party_id ORDER BY c.id) AS rank FROM "      \
  "claims c WHERE c.article_id = $1::bigint AND c.origin = 'extracted'), "     \
  "pairs AS (SELECT s.id, f.* FROM ranked f JOIN stored s ON s.start_offset "  \
  "= f.start_offset AND s.end_offset = f.end_offset AND s.party_id = "         \
  "f.party_id AND s.rank = f.rank) "

/* The fresh claims that pair with none stored: to be inserted. */
static const struct db_statement statement_reextract_new = {
    "store_reextract_new",
    REEXTRACT_PAIRS "SELECT coalesce(json_agg(e.value ORDER BY (e.value ->> "
                    "'n')::integer), '[]')::text FROM json_array_elements("
                    "$2::json) e WHERE NOT EXISTS (SELECT 1 FROM pairs WHERE "
                    "pairs.n = (e.value ->> 'n')::integer)"};

/* A paired claim takes the fresh values in place (its issue links follow in
   the next two statements); one that has them already is left untouched.
   The triggers of migrations 004-008 move it between position cells. */
static const struct db_statement statement_reextract_update = {
    "store_reextract_update", REEXTRACT_PAIRS
    "UPDATE claims c SET speaker_id = x.speaker_id, stance = x.stance, quote "
    "= x.quote, text = x.text, stated_on = x.stated_on, cue_word = "
    "x.cue_word, cue_start = x.cue_start, cue_end = x.cue_end, cameo = "
    "x.cameo, confidence = x.confidence, updated_at = clock_timestamp() FROM "
    "pairs x WHERE c.id = x.id AND ((c.speaker_id, c.stance, c.quote, "
    "c.text, c.stated_on, c.cue_word, c.cue_start, c.cue_end, c.cameo, "
    "c.confidence) IS DISTINCT FROM (x.speaker_id, x.stance, x.quote, "
    "x.text, x.stated_on, x.cue_word, x.cue_start, x.cue_end, x.cameo, "
    "x.confidence) OR ARRAY(SELECT ci.issue_id FROM claim_issues ci WHERE "
    "ci.claim_id = c.id ORDER BY ci.issue_id) <> x.issues)"};

static const struct db_statement statement_reextract_unlink = {
    "store_reextract_unlink",
    REEXTRACT_PAIRS "DELETE FROM claim_issues ci USING pairs x WHERE "
                    "ci.claim_id = x.id AND ci.issue_id <> ALL (x.issues)"};

static const struct db_statement statement_reextract_link = {
    "store_reextract_link", REEXTRACT_PAIRS
    "INSERT INTO claim_issues (claim_id, issue_id) SELECT x.id, w.issue_id "
    "FROM pairs x CROSS JOIN LATERAL unnest(x.issues) AS w (issue_id) WHERE "
    "NOT EXISTS (SELECT 1 FROM claim_issues ci WHERE ci.claim_id = x.id AND "
    "ci.issue_id = w.issue_id) ORDER BY 1, 2"};

/* The extracted claims the extraction no longer finds. No tombstone: only
   a person's delete leaves one. */
static const struct db_statement statement_reextract_drop = {
    "store_reextract_drop",
    REEXTRACT_PAIRS "DELETE FROM claims c WHERE c.article_id = $1::bigint AND "
                    "c.origin = 'extracted' AND c.id NOT IN (SELECT id FROM "
                    "pairs)"};

/* Runs a one-value statement and copies its text out (malloc'd). */
static int reextract_value(struct db_conn *conn,
                           const struct db_statement *statement,
                           const char *const *values, char **text) {
  enum db_status status;
  *text = NULL;
  PGresult *result = db_exec(conn, statement, 2, values, &status);
  if (status != DB_OK) {
    return status;
  }
  if (PQntuples(result) == 1) {
    *text = strdup(PQgetvalue(result, 0, 0));
  }
  PQclear(result);
  return *text != NULL ? DB_OK : DB_HARD_ERROR;
}

/* Brings the article's extracted claims to `claims` (filtered JSON): pairs
   updated in place, the rest deleted, the new inserted. */
static int reextract_merge(struct db_conn *conn, const char *article_id,
                           const char *claims) {
  const char *values[] = {article_id, claims};
  char *fresh = NULL;
  int status = reextract_value(conn, &statement_reextract_new, values, &fresh);
  const struct db_statement *const steps[] = {
      &statement_reextract_update, &statement_reextract_unlink,
      &statement_reextract_link, &statement_reextract_drop};
  for (size_t i = 0; status == DB_OK && i < sizeof steps / sizeof steps[0];
       i++) {
    status = db_record_execute(conn, steps[i], 2, values, NULL, 0);
    status = status == DB_NOT_FOUND ? DB_OK : status;
  }
  if (status == DB_OK) {
    status = db_store_claims_insert(conn, article_id, fresh);
  }
  free(fresh);
  return status;
}

int db_reextract_claims_update(struct db_conn *conn, const char *article_id,
                               const char *claims, bool *changed) {
  char *kept = NULL;
  char *same = NULL;
  *changed = false;
  const char *filter_values[] = {article_id, claims};
  int status =
      reextract_value(conn, &statement_reextract_filter, filter_values, &kept);
  if (status != DB_OK) {
    goto done;
  }
  const char *claim_values[] = {article_id, kept};
  status =
      reextract_value(conn, &statement_reextract_same, claim_values, &same);
  if (status != DB_OK || strcmp(same, "t") == 0) {
    goto done; /* the same claims: ids and records stay as they are */
  }
  *changed = true;
  status = reextract_merge(conn, article_id, kept);
done:
  free(same);
  free(kept);
  return status;
}
