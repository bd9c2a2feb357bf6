/* Unit tests of topics.c and the replaceable issue catalogue. */
#include "extract_test_util.h"

static void test_keywords_find_issues(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Russia has rejected the idea of a ceasefire to allow a referendum.");
  assert_true(has_issue(&r->claims[0], "ceasefire"));
  assert_true(has_issue(&r->claims[0], "referendum"));
  assert_false(has_issue(&r->claims[0], "sanctions"));
  extract_result_free(r);
}

static void test_weak_keywords_only_alone(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Macron said progress is being made on security guarantees.");
  assert_true(has_issue(&r->claims[0], "security-guarantees"));
  assert_false(has_issue(&r->claims[0], "peace-deal")); /* "progress" is weak */
  extract_result_free(r);
  /* Alone, a weak keyword counts only where the article names its issue. */
  r = extract_text("Macron said progress is being made.");
  assert_false(has_issue(&r->claims[0], "peace-deal"));
  extract_result_free(r);
  r = extract_text("Scholz said the peace deal was near.\n\n"
                   "Macron said progress is being made.");
  const struct extract_claim *claim = claim_with(r, "progress");
  assert_non_null(claim);
  assert_true(has_issue(claim, "peace-deal"));
  extract_result_free(r);
}

static void test_catalogue_can_be_replaced(void **state) {
  (void)state;
  char error[256];
  struct extract_lexicon *lexicon =
      extract_lexicon_load_embedded(error, sizeof(error));
  assert_non_null(lexicon);
  const struct extract_issue_keyword water[] = {{"water rights", false},
                                                {"river (Nile)", false}};
  const struct extract_issue_definition issues[] = {{"water", NULL, water, 2},
                                                    {"dams", "water", NULL, 0}};
  assert_int_equal(
      extract_lexicon_set_issues(lexicon, issues, 2, error, sizeof(error)), 0);
  const char *text =
      "Egypt has rejected the deal on water rights and the river (Nile).";
  struct extract_result *r = NULL;
  assert_int_equal(
      extract_article(lexicon, text, strlen(text), &r, error, sizeof(error)),
      EXTRACT_OK);
  assert_int_equal(r->claim_count, 1);
  assert_int_equal(r->claims[0].issue_count, 1);
  assert_string_equal(r->claims[0].issues[0], "water");
  extract_result_free(r);
  /* A bad definition keeps the old catalogue. */
  const struct extract_issue_definition bad[] = {{"", NULL, NULL, 0}};
  assert_int_equal(
      extract_lexicon_set_issues(lexicon, bad, 1, error, sizeof(error)), -1);
  assert_non_null(strstr(error, "slug"));
  extract_lexicon_free(lexicon);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keywords_find_issues),
      cmocka_unit_test(test_weak_keywords_only_alone),
      cmocka_unit_test(test_catalogue_can_be_replaced),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
