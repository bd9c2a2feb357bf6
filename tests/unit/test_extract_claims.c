/* Unit tests of attribution.c: cues, speakers, clause splitting, narration. */
#include "extract_test_util.h"

static void test_speaker_after_quote(void **state) {
  (void)state;
  struct extract_result *r =
      extract_text("“We will not give up land,” said Dmitry Peskov.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].speaker, "Dmitry Peskov");
  assert_string_equal(r->claims[0].party, "Russia");
  assert_true(r->claims[0].quote);
  assert_string_equal(r->claims[0].cue.word, "said");
  extract_result_free(r);
}

static void test_two_parties_in_one_sentence(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Kyiv wants fighting halted along current front lines, and Washington "
      "has proposed a free economic zone.");
  assert_int_equal(r->claim_count, 2);
  assert_string_equal(r->claims[0].party, "Ukraine");
  assert_string_equal(r->claims[0].text,
                      "Kyiv wants fighting halted along current front lines");
  assert_string_equal(r->claims[1].party, "United States");
  assert_int_equal(r->claims[1].stance, STANCE_PROPOSES);
  extract_result_free(r);
}

static void test_reported_clause_is_not_a_second_claim(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "US President Donald Trump has said Vladimir Putin agreed to a halt.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "United States");
  assert_int_equal(r->claims[0].stance, STANCE_ASSERTS);
  extract_result_free(r);
}

static void test_passive_and_according_to(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Kyiv offered talks, an offer dismissed by the US president. The plan "
      "is dead, according to Russian officials.");
  const struct extract_claim *dismissed = claim_with(r, "dismissed");
  assert_non_null(dismissed);
  assert_string_equal(dismissed->party, "United States");
  assert_int_equal(dismissed->stance, STANCE_REJECTS);
  const struct extract_claim *according = claim_with(r, "according");
  assert_non_null(according);
  assert_string_equal(according->party, "Russia");
  extract_result_free(r);
}

static void test_pronoun_and_continued_quote(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Zelensky spoke in Kyiv on Monday. “We need guarantees,” he said. "
      "“Thank you, partners!”");
  const struct extract_claim *said = claim_with(r, "he said");
  assert_non_null(said);
  assert_string_equal(said->speaker, "Volodymyr Zelensky");
  const struct extract_claim *thanks = claim_with(r, "Thank you");
  assert_non_null(thanks);
  assert_string_equal(thanks->party, "Ukraine");
  assert_true(thanks->confidence < said->confidence);
  extract_result_free(r);
}

static void test_narration_is_not_a_claim(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Russia launched a heavy attack on Ukraine. Putin ordered his army to "
      "press on. Large parts of Kyiv were without power.");
  assert_int_equal(r->claim_count, 0);
  extract_result_free(r);
}

static void test_closing_attribution_covers_sentence(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Moscow agrees in principle, but issues must be addressed first, Putin "
      "stated.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].speaker, "Vladimir Putin");
  extract_result_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_speaker_after_quote),
      cmocka_unit_test(test_two_parties_in_one_sentence),
      cmocka_unit_test(test_reported_clause_is_not_a_second_claim),
      cmocka_unit_test(test_passive_and_according_to),
      cmocka_unit_test(test_pronoun_and_continued_quote),
      cmocka_unit_test(test_narration_is_not_a_claim),
      cmocka_unit_test(test_closing_attribution_covers_sentence),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
