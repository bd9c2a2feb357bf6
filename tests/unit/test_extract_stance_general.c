/* Unit tests of stance.c's general rules: whose verb, negated demands,
   conditional threats, reported speech, nouns, passives, idioms. */
#include "extract_test_util.h"

static void test_negated_want_rejects(void **state) {
  (void)state;
  assert_int_equal(stance_of("Kyiv says it does not want a long truce."),
                   STANCE_REJECTS);
  /* A negated obligation is no stance at all. */
  assert_int_equal(stance_of("Peskov said Moscow does not need to sign "
                             "anything new."),
                   STANCE_ASSERTS);
  /* "must not" is still a demand. */
  assert_int_equal(stance_of("Merz said Germany must not be drawn in."),
                   STANCE_DEMANDS);
}

static void test_withheld_consequence_threatens(void **state) {
  (void)state;
  assert_int_equal(stance_of("Kallas said the EU would not unfreeze the funds "
                             "if the raids went on."),
                   STANCE_THREATENS);
  /* A counterfactual is an assessment. */
  assert_int_equal(stance_of("Trump said the fighting would not have begun if "
                             "he had been in office."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Rutte said NATO would respond if an ally was "
                             "attacked."),
                   STANCE_THREATENS);
}

static void test_third_party_verb_is_reported(void **state) {
  (void)state;
  assert_int_equal(stance_of("Moscow agreed to the swap, Zelensky said."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Zelensky said the West seeks a quick deal."),
                   STANCE_ASSERTS);
  /* What another party is reported to say is that party's stance. */
  assert_int_equal(stance_of("Sybiha said Russia claims Ukraine must give up "
                             "land."),
                   STANCE_ASSERTS);
}

static void test_passive_needs_own_agent(void **state) {
  (void)state;
  assert_int_equal(stance_of("The treaty was rejected by parliament, Zelensky "
                             "said."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Sybiha said the text was endorsed by Kyiv."),
                   STANCE_ACCEPTS);
  assert_int_equal(stance_of("Erdogan said an accord has been reached."),
                   STANCE_ASSERTS);
  /* "opposed to" describes its subject: not a passive. */
  assert_int_equal(stance_of("Orban said Hungary is firmly opposed to new "
                             "sanctions."),
                   STANCE_REJECTS);
}

static void test_relative_clause_is_no_stance(void **state) {
  (void)state;
  assert_int_equal(stance_of("Zelensky said the terms that were agreed in "
                             "Geneva still hold."),
                   STANCE_ASSERTS);
}

static void test_noun_is_no_verb(void **state) {
  (void)state;
  assert_int_equal(stance_of("Zelensky said Moscow's demands are absurd."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Rubio said Kigali must end its support for "
                             "the rebels."),
                   STANCE_DEMANDS);
  assert_int_equal(stance_of("Sybiha said the offer was not serious."),
                   STANCE_ASSERTS);
}

static void test_later_speech_verb_outweighs_cue(void **state) {
  (void)state;
  assert_int_equal(stance_of("Merz welcomed the meeting but noted that few "
                             "questions were settled."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Merz welcomed the meeting."), STANCE_ACCEPTS);
}

static void test_discourse_idioms_are_neutral(void **state) {
  (void)state;
  assert_int_equal(stance_of("\"I want to clearly say that our position is "
                             "unchanged,\" Lavrov said."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("The Kremlin declined to comment on the visit."),
                   STANCE_ASSERTS);
}

static void test_threat_words_need_a_future_of_the_speaker(void **state) {
  (void)state;
  assert_int_equal(stance_of("Zelensky said Russia annexed Crimea by force."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Zelensky said Russia will try to take Odesa by "
                             "force."),
                   STANCE_ASSERTS);
  assert_int_equal(stance_of("Putin said Russia will take Odesa by force if "
                             "Kyiv refuses to talk."),
                   STANCE_THREATENS);
  assert_int_equal(stance_of("Zelensky said Ukraine would lose the war without "
                             "aid."),
                   STANCE_ASSERTS);
}

static void test_otherwise_threatens(void **state) {
  (void)state;
  assert_int_equal(stance_of("Tusk said the allies must share the burden, "
                             "otherwise Poland will stop its deliveries."),
                   STANCE_THREATENS);
}

static void test_general_markers_of_demand(void **state) {
  (void)state;
  assert_int_equal(stance_of("Sybiha said it was \"vital\" that Moscow free "
                             "the prisoners."),
                   STANCE_DEMANDS);
  assert_int_equal(stance_of("Sybiha said any truce would depend on firm "
                             "guarantees."),
                   STANCE_DEMANDS);
  assert_int_equal(stance_of("The State Department said it sees no progress "
                             "and called on Kigali to pull back its troops."),
                   STANCE_DEMANDS);
  assert_int_equal(stance_of("Kallas said the EU is pushing for a tribunal."),
                   STANCE_DEMANDS);
}

static void test_advocacy_proposes(void **state) {
  (void)state;
  assert_int_equal(stance_of("Witkoff said talks were the only way to end "
                             "the war."),
                   STANCE_PROPOSES);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_negated_want_rejects),
      cmocka_unit_test(test_withheld_consequence_threatens),
      cmocka_unit_test(test_third_party_verb_is_reported),
      cmocka_unit_test(test_passive_needs_own_agent),
      cmocka_unit_test(test_relative_clause_is_no_stance),
      cmocka_unit_test(test_noun_is_no_verb),
      cmocka_unit_test(test_later_speech_verb_outweighs_cue),
      cmocka_unit_test(test_discourse_idioms_are_neutral),
      cmocka_unit_test(test_threat_words_need_a_future_of_the_speaker),
      cmocka_unit_test(test_otherwise_threatens),
      cmocka_unit_test(test_general_markers_of_demand),
      cmocka_unit_test(test_advocacy_proposes),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
