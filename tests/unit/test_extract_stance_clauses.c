/* Unit tests of stance.c's clause rules: names given, criticism of people,
   requests by addressee, hopes, insisting on facts, refused acts,
   purposes, timing and requests complied with. */
#include "extract_test_util.h"

static void test_condemning_name_rejects(void **state) {
  (void)state;
  assert_int_equal(stance_of("Moscow has called the plan to seize its "
                             "reserves \"piracy\"."),
                   STANCE_REJECTS);
  assert_int_equal(stance_of("Kyiv has labelled the vote \"a sham\"."),
                   STANCE_REJECTS);
  /* A name that condemns nothing is an assessment. */
  assert_int_equal(stance_of("Moscow has called the meeting \"a useful "
                             "first step\"."),
                   STANCE_ASSERTS);
}

static void test_criticism_of_people_is_assessment(void **state) {
  (void)state;
  assert_int_equal(stance_of("Orban slammed them as warmongers."),
                   STANCE_ASSERTS);
  /* Aimed at a plan it rejects. */
  assert_int_equal(stance_of("Orban slammed the plan."), STANCE_REJECTS);
}

static void test_request_by_addressee(void **state) {
  (void)state;
  /* To the speaker's own people or no party: an instruction. */
  assert_int_equal(stance_of("Zelensky asked ministers to draft a new "
                             "budget."),
                   STANCE_DEMANDS);
  /* To another party: a proposal. */
  assert_int_equal(stance_of("Zelensky asked Trump to send more air "
                             "defence."),
                   STANCE_PROPOSES);
}

static void test_hope_that_others_act_demands(void **state) {
  (void)state;
  assert_int_equal(stance_of("Merz hopes that the partners will carry more "
                             "of the burden."),
                   STANCE_DEMANDS);
  /* A hope of what will happen, or of the speaker's own act, is not. */
  assert_int_equal(stance_of("Merz hopes that the talks will be a success."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Merz hopes that we will find a way."),
                   STANCE_ASSERTS);
}

static void test_insisting_on_a_fact_asserts(void **state) {
  (void)state;
  assert_int_equal(stance_of("Lavrov insisted that the referendum was "
                             "legitimate."),
                   STANCE_ASSERTS);
  /* A resolve of the speaker's own side is no demand. */
  assert_int_equal(stance_of("Lavrov insisted that Russia would not give up "
                             "the region."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Lavrov insisted that the sanctions be lifted "
                             "first."),
                   STANCE_DEMANDS);
}

static void test_refused_act_rejects(void **state) {
  (void)state;
  assert_int_equal(stance_of("Kallas said the sanctions should not be "
                             "lifted."),
                   STANCE_REJECTS);
  /* Of another party, with an active verb: a demand. */
  assert_int_equal(stance_of("Kallas said Moscow should not attack the "
                             "grid."),
                   STANCE_DEMANDS);
}

static void test_purpose_is_no_stance(void **state) {
  (void)state;
  assert_int_equal(stance_of("Meloni said Italy would keep working with "
                             "partners to support the talks."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Meloni said Italy would support the plan."),
                   STANCE_ACCEPTS);
}

static void test_time_to_act_demands(void **state) {
  (void)state;
  assert_int_equal(stance_of("Grossi said it is time for both sides to "
                             "return to the table."),
                   STANCE_DEMANDS);
  assert_int_equal(stance_of("Grossi said it was the right moment to resume "
                             "inspections."),
                   STANCE_DEMANDS);
}

static void test_acting_on_request_accepts(void **state) {
  (void)state;
  assert_int_equal(stance_of("Hamas said it would free two hostages at "
                             "the request of the mediators."),
                   STANCE_ACCEPTS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_condemning_name_rejects),
      cmocka_unit_test(test_criticism_of_people_is_assessment),
      cmocka_unit_test(test_request_by_addressee),
      cmocka_unit_test(test_hope_that_others_act_demands),
      cmocka_unit_test(test_insisting_on_a_fact_asserts),
      cmocka_unit_test(test_refused_act_rejects),
      cmocka_unit_test(test_purpose_is_no_stance),
      cmocka_unit_test(test_time_to_act_demands),
      cmocka_unit_test(test_acting_on_request_accepts),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
