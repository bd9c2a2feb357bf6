/* Unit tests of issues that depend on context: a meeting's partner, stopping
   near fighting, references back ("that effort"), and keyword patterns. */
#include "extract_test_util.h"

#include "extract/topics.h"

/* The first claim of text containing needle; fails when there is none. */
static const struct extract_claim *claim_of(const struct extract_result *r,
                                            const char *needle) {
  const struct extract_claim *claim = claim_with(r, needle);
  if (claim == NULL) {
    fail_msg("no claim with \"%s\"", needle);
  }
  return claim;
}

static void test_meeting_needs_a_partner(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Erdogan said he would meet the Russian president in Ankara.");
  assert_true(has_issue(claim_of(r, "meet"), "leaders-meeting"));
  extract_result_free(r);
  r = extract_text("Kyiv said it had no plans to meet its Belarusian "
                   "counterpart before the spring.");
  assert_true(has_issue(claim_of(r, "meet"), "leaders-meeting"));
  extract_result_free(r);
  /* A party that owns the object is no partner. */
  r = extract_text(
      "Germany said the offer does not meet Ukraine's demands on sanctions.");
  const struct extract_claim *claim = claim_of(r, "meet");
  assert_true(has_issue(claim, "sanctions"));
  assert_false(has_issue(claim, "leaders-meeting"));
  extract_result_free(r);
}

static void test_meeting_as_setting_is_not_the_matter(void **state) {
  (void)state;
  struct extract_result *r =
      extract_text("After his talks with the French president, Scholz said "
                   "the sanctions would stay.");
  const struct extract_claim *claim = claim_of(r, "sanctions");
  assert_true(has_issue(claim, "sanctions"));
  assert_false(has_issue(claim, "leaders-meeting"));
  extract_result_free(r);
}

static void test_stopping_the_fighting_is_a_ceasefire(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Norway said the shelling will have to stop, not slow down.");
  assert_true(has_issue(claim_of(r, "shelling"), "ceasefire"));
  extract_result_free(r);
  r = extract_text("Austria urged Moscow to halt the drone attacks at once.");
  assert_true(has_issue(claim_of(r, "attacks"), "ceasefire"));
  extract_result_free(r);
  /* Strikes on power plants stay about energy as well. */
  r = extract_text(
      "Finland said Russia agreed to a pause in strikes on power plants.");
  const struct extract_claim *claim = claim_of(r, "power plants");
  assert_true(has_issue(claim, "ceasefire"));
  assert_true(has_issue(claim, "energy-infrastructure"));
  extract_result_free(r);
  /* Fighting without a word of stopping is no ceasefire; nor is a stop
     across a clause boundary. */
  r = extract_text("Estonia said the attacks went on overnight.");
  assert_false(has_issue(claim_of(r, "attacks"), "ceasefire"));
  extract_result_free(r);
  r = extract_text("Latvia said the attacks on ports, not the talks, stop.");
  assert_false(has_issue(claim_of(r, "attacks"), "ceasefire"));
  extract_result_free(r);
}

static void test_reference_takes_the_previous_matter(void **state) {
  (void)state;
  struct extract_result *r =
      extract_text("Zelensky said Ukraine needs security guarantees for "
                   "thirty years.\n\nMacron said France would lead that "
                   "effort with British support.");
  assert_true(has_issue(claim_of(r, "that effort"), "security-guarantees"));
  extract_result_free(r);
  r = extract_text("Trump said Ukraine must hold elections soon.\n\n"
                   "Vance said Kyiv keeps finding reasons to avoid this.");
  assert_true(has_issue(claim_of(r, "avoid this"), "elections"));
  extract_result_free(r);
}

static void test_time_is_no_reference(void **state) {
  (void)state;
  struct extract_result *r =
      extract_text("Zelensky said Ukraine needs security guarantees.\n\n"
                   "Trump said he will travel to Paris this week.");
  assert_false(has_issue(claim_of(r, "Paris"), "security-guarantees"));
  extract_result_free(r);
}

static void test_patterns_through_the_catalogue(void **state) {
  (void)state;
  assert_true(
      extract_issue_keyword_usable("close|shut near/2 border crossing"));
  assert_true(extract_issue_keyword_usable("talks with @party"));
  assert_false(extract_issue_keyword_usable("close near/x crossing"));
  assert_false(extract_issue_keyword_usable("@party talks"));
  char error[256];
  struct extract_lexicon *lexicon =
      extract_lexicon_load_embedded(error, sizeof(error));
  assert_non_null(lexicon);
  const struct extract_issue_keyword border[] = {
      {"close|shut near/2 border crossing", false}};
  const struct extract_issue_definition issues[] = {
      {"border", NULL, border, 1}};
  assert_int_equal(
      extract_lexicon_set_issues(lexicon, issues, 1, error, sizeof(error)), 0);
  const char *text = "Serbia said the border crossing would shut tonight.";
  struct extract_result *r = NULL;
  assert_int_equal(
      extract_article(lexicon, text, strlen(text), &r, error, sizeof(error)),
      EXTRACT_OK);
  assert_int_equal(r->claim_count, 1);
  assert_true(has_issue(&r->claims[0], "border"));
  extract_result_free(r);
  /* A malformed pattern keeps the old catalogue and says why. */
  const struct extract_issue_keyword bad_keywords[] = {{"@party talks", false}};
  const struct extract_issue_definition bad[] = {
      {"talks", NULL, bad_keywords, 1}};
  assert_int_equal(
      extract_lexicon_set_issues(lexicon, bad, 1, error, sizeof(error)), -1);
  assert_non_null(strstr(error, "pattern"));
  extract_lexicon_free(lexicon);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_meeting_needs_a_partner),
      cmocka_unit_test(test_meeting_as_setting_is_not_the_matter),
      cmocka_unit_test(test_stopping_the_fighting_is_a_ceasefire),
      cmocka_unit_test(test_reference_takes_the_previous_matter),
      cmocka_unit_test(test_time_is_no_reference),
      cmocka_unit_test(test_patterns_through_the_catalogue),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
