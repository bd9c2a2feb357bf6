/* Re-extraction at the C level: claims paired by span and party keep their
 * ids, a person's delete leaves a tombstone that re-extraction respects,
 * re-extraction's own deletions leave none, manual claims win their span. */
#include "db/claims.h"
#include "db/reextract.h"
#include "db_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The claims of the article, "id party stance origin start-end" each, in
   the order of their spans. */
static char *claims_listed(void) {
  return db_fixture_text(
      "SELECT coalesce(string_agg(c.id || ' ' || p.slug || ' ' || c.stance "
      "|| ' ' || c.origin || ' ' || c.start_offset || '-' || c.end_offset, "
      "', ' ORDER BY c.start_offset, c.id), '') FROM claims c JOIN parties p "
      "ON p.id = c.party_id",
      0, NULL);
}

static char *claim_ids_and_times(void) {
  return db_fixture_text("SELECT string_agg(id || ' ' || updated_at, ',' "
                         "ORDER BY id) FROM claims",
                         0, NULL);
}

/* ingest_reextract with the database's current lexicon. */
static int reextract_article(const char *article_id, bool *changed) {
  struct extract_lexicon *lexicon = db_fixture_lexicon();
  struct ingest_reextract job = {.article_id = article_id, .lexicon = lexicon};
  int outcome = ingest_reextract(&db_fixture_runner, &job);
  *changed = job.changed;
  ingest_reextract_end(&job);
  extract_lexicon_free(lexicon);
  return outcome;
}

static void test_unchanged_catalogue_changes_nothing(void **state) {
  (void)state;
  char *text = db_fixture_article_text("reextract-same");
  struct store_outcome stored;
  assert_int_equal(db_fixture_load(text, NULL, NULL, &stored), DB_OK);
  char *before = claim_ids_and_times();
  long long version = db_fixture_data_version();
  bool changed = true;
  assert_int_equal(reextract_article(stored.article_id, &changed), DB_OK);
  assert_false(changed);
  assert_int_equal(db_fixture_data_version(), version);
  char *after = claim_ids_and_times();
  assert_string_equal(after, before);
  free(after);
  free(before);
  free(text);
}

static void test_catalogue_change_keeps_ids(void **state) {
  (void)state;
  db_fixture_exec("DELETE FROM issues WHERE slug = 'reextract-marker'", 0,
                  NULL);
  char *text = db_fixture_article_text("zorblax");
  struct store_outcome stored;
  assert_int_equal(db_fixture_load(text, NULL, NULL, &stored), DB_OK);
  char *ids_before = db_fixture_text(
      "SELECT string_agg(id::text, ',' ORDER BY id) FROM claims", 0, NULL);
  db_fixture_exec("INSERT INTO issues (slug, name, keywords) VALUES "
                  "('reextract-marker', 'Marker', ARRAY['zorblax'])",
                  0, NULL);
  bool changed = false;
  assert_int_equal(reextract_article(stored.article_id, &changed), DB_OK);
  assert_true(changed);
  char *ids_after = db_fixture_text(
      "SELECT string_agg(id::text, ',' ORDER BY id) FROM claims", 0, NULL);
  assert_string_equal(ids_after, ids_before);
  /* Peskov's claim, on the marker, took the new issue in place. */
  assert_int_equal(
      db_fixture_number("SELECT count(*) FROM claim_issues ci JOIN issues i "
                        "ON i.id = ci.issue_id JOIN claims c ON c.id = "
                        "ci.claim_id WHERE i.slug = 'reextract-marker' AND "
                        "c.text LIKE '%zorblax%'",
                        0, NULL),
      1);
  free(ids_after);
  free(ids_before);
  free(text);
}

struct claim_delete {
  const char *id;
};

static int claim_delete_body(struct db_conn *conn, void *closure) {
  const struct claim_delete *job = closure;
  return db_claims_delete(conn, job->id);
}

static void test_person_delete_is_respected(void **state) {
  (void)state;
  char *text = db_fixture_article_text("reextract-delete");
  struct store_outcome stored;
  assert_int_equal(db_fixture_load(text, NULL, NULL, &stored), DB_OK);
  char *zelensky =
      db_fixture_text("SELECT c.id::text FROM claims c JOIN parties p ON p.id "
                      "= c.party_id WHERE p.slug = 'ukraine'",
                      0, NULL);
  struct claim_delete job = {zelensky};
  assert_int_equal(db_transaction(db_fixture_conn(), claim_delete_body, &job),
                   DB_OK);
  assert_int_equal(
      db_fixture_number("SELECT count(*) FROM claim_tombstones", 0, NULL), 1);
  bool changed = true;
  assert_int_equal(reextract_article(stored.article_id, &changed), DB_OK);
  assert_false(changed);
  assert_int_equal(db_fixture_number("SELECT count(*) FROM claims c JOIN "
                                     "parties p ON p.id = c.party_id WHERE "
                                     "p.slug = 'ukraine'",
                                     0, NULL),
                   0);
  assert_int_equal(db_fixture_number("SELECT count(*) FROM claims", 0, NULL),
                   2);
  free(zelensky);
  free(text);
}

/* --- through db_reextract_claims_update, with rows of our own ----------------
 */

/* Three sentences: Alpha's demand (0-26), Alpha's rejection (27-44), Beta's
   proposal (45-65). */
static const char rows_text[] =
    "Alpha demands a ceasefire. Alpha rejects it. Beta proposes talks.";

static const char rows_parties[] =
    "[{\"slug\": \"reextract-alpha\", \"name\": \"Alpha\", \"kind\": "
    "\"state\", \"aliases\": [], \"affiliation\": null, \"role\": null}, "
    "{\"slug\": \"reextract-beta\", \"name\": \"Beta\", \"kind\": \"state\", "
    "\"aliases\": [], \"affiliation\": null, \"role\": null}]";

struct claim_row {
  const char *party; /* reextract-<party> */
  const char *stance;
  int start;
  int end;
};

/* The rows as db_store_claims_insert takes them (malloc'd JSON text). */
static char *claims_json(const struct claim_row *rows, size_t count) {
  json_t *claims = json_array();
  for (size_t i = 0; i < count; i++) {
    char party[64];
    snprintf(party, sizeof party, "reextract-%s", rows[i].party);
    json_array_append_new(
        claims, json_pack("{s:i, s:s, s:s, s:b, s:s%, s:i, s:i, s:[s]}", "n",
                          (int)i + 1, "party", party, "stance", rows[i].stance,
                          "quote", 0, "text", rows_text + rows[i].start,
                          (size_t)(rows[i].end - rows[i].start), "start_offset",
                          rows[i].start, "end_offset", rows[i].end, "issues",
                          "ceasefire"));
  }
  char *text = json_dumps(claims, JSON_COMPACT);
  json_decref(claims);
  assert_non_null(text);
  return text;
}

struct db_claims_update {
  const char *article_id;
  const char *claims;
  bool changed;
};

static int claims_update_body(struct db_conn *conn, void *closure) {
  struct db_claims_update *job = closure;
  return db_reextract_claims_update(conn, job->article_id, job->claims,
                                    &job->changed);
}

/* db_reextract_claims_update to `rows` in one transaction; whether it changed
   anything. */
static bool update_to(const char *article_id, const struct claim_row *rows,
                      size_t count) {
  char *claims = claims_json(rows, count);
  struct db_claims_update job = {article_id, claims, false};
  assert_int_equal(db_transaction(db_fixture_conn(), claims_update_body, &job),
                   DB_OK);
  free(claims);
  return job.changed;
}

static const struct claim_row stored_rows[] = {
    {"alpha", "demands", 0, 26},
    {"alpha", "rejects", 27, 44},
    {"beta", "proposes", 45, 65},
};

/* The article stored with stored_rows; its id into article_id. */
static void store_rows(struct store_outcome *stored) {
  char *claims = claims_json(stored_rows, 3);
  assert_int_equal(
      db_fixture_store(rows_text, 'b', rows_parties, claims, stored), DB_OK);
  free(claims);
}

static long long claim_id_at(int start, const char *party) {
  char start_text[16];
  snprintf(start_text, sizeof start_text, "%d", start);
  const char *values[] = {start_text, party};
  return db_fixture_number("SELECT c.id FROM claims c JOIN parties p ON p.id "
                           "= c.party_id WHERE c.start_offset = $1::integer "
                           "AND p.slug = 'reextract-' || $2",
                           2, values);
}

static void test_pairs_keep_ids_and_deletions_leave_no_tombstone(void **state) {
  (void)state;
  struct store_outcome stored;
  store_rows(&stored);
  long long demand = claim_id_at(0, "alpha");
  long long rejection = claim_id_at(27, "alpha");
  assert_true(demand > 0 && rejection > 0);
  /* The demand is now a threat (same span and party), the rejection is
     Beta's, the proposal is gone. */
  const struct claim_row fresh[] = {
      {"alpha", "threatens", 0, 26},
      {"beta", "rejects", 27, 44},
  };
  assert_true(update_to(stored.article_id, fresh, 2));
  char *listed = claims_listed();
  char expected[256];
  long long moved = claim_id_at(27, "beta");
  snprintf(expected, sizeof expected,
           "%lld reextract-alpha threatens extracted 0-26, %lld "
           "reextract-beta rejects extracted 27-44",
           demand, moved);
  assert_string_equal(listed, expected);
  assert_true(moved != rejection);
  assert_int_equal(
      db_fixture_number("SELECT count(*) FROM claim_tombstones", 0, NULL), 0);
  /* The same claims again: nothing to do. */
  assert_false(update_to(stored.article_id, fresh, 2));
  /* The proposal found again comes back: no tombstone kept it out. */
  const struct claim_row with_proposal[] = {fresh[0], fresh[1], stored_rows[2]};
  assert_true(update_to(stored.article_id, with_proposal, 3));
  assert_true(claim_id_at(45, "beta") > 0);
  assert_int_equal(claim_id_at(0, "alpha"), demand);
  free(listed);
}

static void test_manual_claim_wins_its_span(void **state) {
  (void)state;
  struct store_outcome stored;
  store_rows(&stored);
  const char *values[] = {stored.article_id};
  db_fixture_exec("INSERT INTO claims (article_id, party_id, stance, text, "
                  "start_offset, end_offset, origin) SELECT $1::bigint, id, "
                  "'accepts', 'Beta accepts talks.', 45, 65, 'manual' FROM "
                  "parties WHERE slug = 'reextract-beta'",
                  1, values);
  assert_true(update_to(stored.article_id, stored_rows, 3));
  assert_int_equal(db_fixture_number("SELECT count(*) FROM claims WHERE "
                                     "start_offset = 45 AND origin = "
                                     "'extracted'",
                                     0, NULL),
                   0);
  assert_int_equal(db_fixture_number("SELECT count(*) FROM claims WHERE "
                                     "start_offset = 45 AND origin = 'manual'",
                                     0, NULL),
                   1);
  assert_int_equal(db_fixture_number("SELECT count(*) FROM claims", 0, NULL),
                   3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_unchanged_catalogue_changes_nothing,
                             db_fixture_reset),
      cmocka_unit_test_setup(test_catalogue_change_keeps_ids, db_fixture_reset),
      cmocka_unit_test_setup(test_person_delete_is_respected, db_fixture_reset),
      cmocka_unit_test_setup(
          test_pairs_keep_ids_and_deletions_leave_no_tombstone,
          db_fixture_reset),
      cmocka_unit_test_setup(test_manual_claim_wins_its_span, db_fixture_reset),
  };
  db_fixture_open("reextract");
  int failed = cmocka_run_group_tests_name("db.reextract", tests, NULL, NULL);
  db_fixture_close();
  return failed;
}
