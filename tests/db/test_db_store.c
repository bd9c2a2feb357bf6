/* The store at the C level: an extraction stored in one transaction, the
 * same bytes recognised, a new version replacing the old, and a failure
 * mid-store leaving nothing. */
#include "db_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static long long count_of(const char *table) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
  return db_fixture_number(sql, 0, NULL);
}

/* The parties of the claims, by slug, in order. */
static char *claim_parties(void) {
  return db_fixture_text(
      "SELECT string_agg(DISTINCT p.slug, ',' ORDER BY p.slug) FROM claims c "
      "JOIN parties p ON p.id = c.party_id",
      0, NULL);
}

static void test_load_writes_article_parties_claims(void **state) {
  (void)state;
  char *text = db_fixture_article_text("store-first");
  long long version = db_fixture_data_version();
  struct store_outcome stored;
  assert_int_equal(db_fixture_load(text, NULL, NULL, &stored), DB_OK);
  assert_false(stored.unchanged);
  assert_false(stored.replaced);
  assert_int_equal(count_of("articles"), 1);
  const char *id[] = {stored.article_id};
  assert_int_equal(db_fixture_number("SELECT count(*) FROM claims WHERE "
                                     "article_id = $1 AND origin = "
                                     "'extracted'",
                                     1, id),
                   3);
  assert_int_equal(count_of("claims"), 3);
  /* ceasefire and referendum for Russia's rejection, ceasefire for
     Zelensky's demand */
  assert_int_equal(count_of("claim_issues"), 3);
  char *parties = claim_parties();
  assert_string_equal(parties, "russia,ukraine");
  /* The speakers were created with the claims, each under its party. */
  assert_int_equal(
      db_fixture_number("SELECT count(*) FROM claims c JOIN parties s ON "
                        "s.id = c.speaker_id WHERE s.kind = 'person'",
                        0, NULL),
      2);
  /* The stored text is the article's bytes, found again by their hash. */
  assert_int_equal(db_fixture_number("SELECT count(*) FROM articles WHERE "
                                     "sha256 = encode(sha256(convert_to($1, "
                                     "'UTF8')), 'hex') AND text = $1",
                                     1, (const char *[]){text}),
                   1);
  assert_int_equal(db_fixture_data_version(), version + 1);
  free(parties);
  free(text);
}

static void test_same_bytes_are_recognised(void **state) {
  (void)state;
  char *text = db_fixture_article_text("store-again");
  struct store_outcome first;
  struct store_outcome second;
  assert_int_equal(db_fixture_load(text, NULL, NULL, &first), DB_OK);
  char *claims_before = db_fixture_text(
      "SELECT string_agg(id || ' ' || updated_at, ',' ORDER BY id) FROM "
      "claims",
      0, NULL);
  long long version = db_fixture_data_version();
  assert_int_equal(db_fixture_load(text, NULL, NULL, &second), DB_OK);
  /* Nothing written, so every list's ETag stays valid. */
  assert_int_equal(db_fixture_data_version(), version);
  assert_true(second.unchanged);
  assert_false(second.replaced);
  assert_string_equal(second.article_id, first.article_id);
  assert_int_equal(count_of("articles"), 1);
  char *claims_after = db_fixture_text(
      "SELECT string_agg(id || ' ' || updated_at, ',' ORDER BY id) FROM "
      "claims",
      0, NULL);
  assert_string_equal(claims_after, claims_before);
  free(claims_after);
  free(claims_before);
  free(text);
}

static void test_new_version_replaces_the_old(void **state) {
  (void)state;
  static const char url[] = "https://example.org/store-version";
  char *old_text = db_fixture_article_text("old-version");
  char *new_text = db_fixture_article_text("new-version");
  struct store_outcome old_stored;
  struct store_outcome new_stored;
  struct store_outcome again;
  assert_int_equal(db_fixture_load(old_text, url, NULL, &old_stored), DB_OK);
  char *old_hash = db_fixture_text("SELECT sha256 FROM articles", 0, NULL);
  assert_int_equal(db_fixture_load(new_text, url, NULL, &new_stored), DB_OK);
  assert_true(new_stored.replaced);
  assert_string_equal(new_stored.article_id, old_stored.article_id);
  assert_int_equal(count_of("articles"), 1);
  assert_int_equal(db_fixture_number("SELECT count(*) FROM article_versions "
                                     "WHERE sha256 = $1",
                                     1, (const char *[]){old_hash}),
                   1);
  /* The old bytes again are history: recognised, the new text kept. */
  assert_int_equal(db_fixture_load(old_text, url, NULL, &again), DB_OK);
  assert_true(again.unchanged);
  assert_string_equal(again.article_id, old_stored.article_id);
  assert_int_equal(db_fixture_number("SELECT count(*) FROM articles WHERE "
                                     "text = $1",
                                     1, (const char *[]){new_text}),
                   1);
  assert_int_equal(count_of("claims"), 3);
  free(old_hash);
  free(new_text);
  free(old_text);
}

/* A hook that fails after everything was stored and answered. */
static int failing_after(struct db_conn *conn, void *context,
                         const char *article_id, bool created,
                         const json_t *answer) {
  (void)conn;
  (void)context;
  (void)article_id;
  (void)answer;
  return created ? 3 : DB_OK;
}

static void test_failure_after_store_leaves_nothing(void **state) {
  (void)state;
  char *text = db_fixture_article_text("store-failed-hook");
  struct ingest_runner runner = db_fixture_runner;
  runner.after = failing_after;
  long long version = db_fixture_data_version();
  struct store_outcome stored;
  assert_int_equal(db_fixture_load(text, NULL, &runner, &stored), 3);
  assert_false(stored.unchanged);
  assert_int_equal(count_of("articles"), 0);
  assert_int_equal(count_of("claims"), 0);
  assert_int_equal(count_of("claim_issues"), 0);
  assert_int_equal(count_of("position_cells WHERE claim_count > 0"), 0);
  assert_int_equal(db_fixture_data_version(), version);
  /* The same load without the failing hook stores it. */
  assert_int_equal(db_fixture_load(text, NULL, NULL, &stored), DB_OK);
  assert_int_equal(count_of("claims"), 3);
  free(text);
}

/* Through the store's interface: a new party and two claims on a short
   article; the second claim's span is `second_end`. */
static int store_two_claims(int second_end, struct store_outcome *stored) {
  static const char text[] = "Alpha demands a ceasefire. Alpha rejects it.";
  static const char parties[] =
      "[{\"slug\": \"store-alpha\", \"name\": \"Alpha\", \"kind\": \"state\", "
      "\"aliases\": [\"Alfa\"], \"affiliation\": null, \"role\": null}]";
  char claims[512];
  snprintf(claims, sizeof claims,
           "[{\"n\": 1, \"party\": \"store-alpha\", \"stance\": \"demands\", "
           "\"quote\": false, \"text\": \"Alpha demands a ceasefire.\", "
           "\"start_offset\": 0, \"end_offset\": 26, \"issues\": "
           "[\"ceasefire\"]}, {\"n\": 2, \"party\": \"store-alpha\", "
           "\"stance\": \"rejects\", \"quote\": false, \"text\": \"Alpha "
           "rejects it.\", \"start_offset\": 27, \"end_offset\": %d, "
           "\"issues\": []}]",
           second_end);
  return db_fixture_store(text, 'a', parties, claims, stored);
}

static void test_constraint_failure_leaves_nothing(void **state) {
  (void)state;
  db_fixture_exec("DELETE FROM parties WHERE slug = 'store-alpha'", 0, NULL);
  long long version = db_fixture_data_version();
  struct store_outcome stored;
  /* The second claim ends past the text: the offsets check refuses the
     statement, after the article and the party were written. */
  assert_int_equal(store_two_claims(99, &stored), DB_HARD_ERROR);
  assert_string_equal(db_last_error(db_fixture_conn())->sqlstate, "23514");
  assert_int_equal(count_of("articles"), 0);
  assert_int_equal(count_of("parties WHERE slug = 'store-alpha'"), 0);
  assert_int_equal(count_of("claims"), 0);
  assert_int_equal(count_of("claim_issues"), 0);
  assert_int_equal(db_fixture_data_version(), version);
  /* With the span inside the text, all of it is written, once. */
  assert_int_equal(store_two_claims(44, &stored), DB_OK);
  assert_int_equal(count_of("articles"), 1);
  assert_int_equal(count_of("parties WHERE slug = 'store-alpha'"), 1);
  assert_int_equal(count_of("claims"), 2);
  assert_int_equal(count_of("claim_issues"), 1);
  assert_int_equal(db_fixture_data_version(), version + 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_load_writes_article_parties_claims,
                             db_fixture_reset),
      cmocka_unit_test_setup(test_same_bytes_are_recognised, db_fixture_reset),
      cmocka_unit_test_setup(test_new_version_replaces_the_old,
                             db_fixture_reset),
      cmocka_unit_test_setup(test_failure_after_store_leaves_nothing,
                             db_fixture_reset),
      cmocka_unit_test_setup(test_constraint_failure_leaves_nothing,
                             db_fixture_reset),
  };
  db_fixture_open("store");
  int failed = cmocka_run_group_tests_name("db.store", tests, NULL, NULL);
  db_fixture_close();
  return failed;
}
