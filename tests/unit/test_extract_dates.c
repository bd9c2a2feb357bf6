/* Unit tests of dates.c: stated_on from the article date and the text. */
#include "extract_test_util.h"

#include "extract/dates.h"

static void test_weekday(void **state) {
  (void)state;
  assert_int_equal(dates_weekday(2025, 12, 29), 1); /* a Monday */
  assert_int_equal(dates_weekday(2024, 2, 29), 4);  /* a Thursday */
  assert_int_equal(dates_weekday(1970, 1, 1), 4);
}

static void test_stated_on(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      " date 2025-12-29 Trump said on Sunday the talks went well.\n"
      "Zelensky said on Monday the talks went well.\n"
      "Peskov said on November 30 that no talks were held.\n"
      "Lavrov said yesterday that Russia wants a deal.\n"
      "Rubio said Sunday's meeting went well.");
  assert_string_equal(claim_with(r, "Trump")->stated_on, "2025-12-28");
  assert_string_equal(claim_with(r, "Zelensky")->stated_on, "2025-12-29");
  assert_string_equal(claim_with(r, "Peskov")->stated_on, "2025-11-30");
  assert_string_equal(claim_with(r, "Lavrov")->stated_on, "2025-12-28");
  assert_string_equal(claim_with(r, "Rubio")->stated_on, "2025-12-29");
  extract_result_free(r);
}

static void test_no_article_date(void **state) {
  (void)state;
  struct extract_result *r = extract_text("Trump said on Sunday it went well.");
  assert_string_equal(r->claims[0].stated_on, "");
  extract_result_free(r);
  /* A later month than the article's was last year. */
  r = extract_text(" date 2026-01-30 Peskov said on December 30 it was over.");
  assert_string_equal(r->claims[0].stated_on, "2025-12-30");
  extract_result_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_weekday),
      cmocka_unit_test(test_stated_on),
      cmocka_unit_test(test_no_article_date),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
