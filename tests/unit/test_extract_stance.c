/* Unit tests of stance.c: cue stances, modals, negation, subjects. */
#include "extract_test_util.h"

static void test_cue_stances(void **state) {
  (void)state;
  assert_int_equal(stance_of("Russia has rejected the plan."), STANCE_REJECTS);
  assert_int_equal(stance_of("Kyiv wants a ceasefire."), STANCE_DEMANDS);
  assert_int_equal(stance_of("Hamas has agreed to the exchange."),
                   STANCE_ACCEPTS);
  assert_int_equal(stance_of("Peskov said no call is planned."),
                   STANCE_ASSERTS);
}

static void test_modals_and_threats(void **state) {
  (void)state;
  assert_int_equal(stance_of("Peskov said Ukraine must withdraw its troops."),
                   STANCE_DEMANDS);
  assert_int_equal(
      stance_of("Russia has said any deployment would be unacceptable."),
      STANCE_REJECTS);
  assert_int_equal(stance_of("Putin said Russia will take it by force if Kyiv "
                             "does not agree."),
                   STANCE_THREATENS);
  assert_int_equal(stance_of("Zelensky said he is open to any format."),
                   STANCE_PROPOSES);
}

static void test_negation_flips(void **state) {
  (void)state;
  assert_int_equal(stance_of("Zelensky said Ukraine will not accept the plan."),
                   STANCE_REJECTS);
}

static void test_other_subjects_and_idioms(void **state) {
  (void)state;
  /* Trump's belief about what Putin wants is Trump's assessment. */
  assert_int_equal(stance_of("Trump said he believes the Russian leader wants "
                             "the war to end."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("“I have to tell you, it was nice,” Trump said."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Rubio warned that governance would be harder."),
                   STANCE_ASSERTS);
}

static void test_cameo_codes(void **state) {
  (void)state;
  struct extract_result *r = extract_text("Russia has rejected the plan.");
  assert_string_equal(r->claims[0].cameo, "12");
  extract_result_free(r);
  r = extract_text("Kyiv wants a ceasefire.");
  assert_string_equal(r->claims[0].cameo, "10");
  extract_result_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cue_stances),
      cmocka_unit_test(test_modals_and_threats),
      cmocka_unit_test(test_negation_flips),
      cmocka_unit_test(test_other_subjects_and_idioms),
      cmocka_unit_test(test_cameo_codes),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
