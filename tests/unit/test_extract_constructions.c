/* Sentence constructions the attribution must read: subjects separated from
   their verb, participles, naming verbs, "according to him", questions. All
   sentences are written for these tests. */
#include "extract_test_util.h"

static void test_relative_clause_between_subject_and_verb(void **state) {
  (void)state;
  struct extract_result *r =
      extract_text("Talks resumed on Monday. Trump, whose envoy met Putin last "
                   "week, has threatened new sanctions.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "United States");
  assert_string_equal(r->claims[0].speaker, "Donald Trump");
  extract_result_free(r);
}

static void test_apposition_between_subject_and_verb(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday. Marek Tobiasz, a member of the Polish "
      "delegation, said Ukraine would get a deal.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Poland");
  assert_string_equal(r->claims[0].speaker, "Marek Tobiasz");
  extract_result_free(r);
}

static void test_participle_takes_the_sentence_subject(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday. French President Emmanuel Macron struck a "
      "sober tone on Tuesday, calling the talks \"a first step\".");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "France");
  assert_string_equal(r->claims[0].speaker, "Emmanuel Macron");
  assert_string_equal(r->claims[0].cue.word, "calling");
  extract_result_free(r);
  /* After a claim of its own, the participle continues it. */
  r = extract_text("Talks resumed on Monday. Germany rejected the plan, "
                   "saying it rewarded aggression.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].cue.word, "rejected");
  extract_result_free(r);
}

static void test_naming_verb_needs_what_it_names(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday. Poland called the proposal \"a trap\".");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Poland");
  extract_result_free(r);
  /* A phone call is an event. */
  r = extract_text("Talks resumed on Monday. Macron called Zelensky on "
                   "Tuesday to discuss the talks.");
  assert_int_equal(r->claim_count, 0);
  extract_result_free(r);
}

static void test_according_to_a_pronoun(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Italian Foreign Minister Carlo Benedetti spoke in Rome on Monday. "
      "According to him, the ceasefire will not hold.");
  const struct extract_claim *claim = claim_with(r, "will not hold");
  assert_non_null(claim);
  assert_string_equal(claim->party, "Italy");
  assert_string_equal(claim->speaker, "Carlo Benedetti");
  extract_result_free(r);
}

static void test_progressive_verb_is_a_cue(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday. Japan is seeking a broader trade accord.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Japan");
  assert_int_equal(r->claims[0].stance, STANCE_DEMANDS);
  extract_result_free(r);
}

static void test_narrative_question_is_no_claim(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday. Is Iran ready to accept inspections?");
  assert_int_equal(r->claim_count, 0);
  extract_result_free(r);
}

static void test_adjective_with_complement(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday. Austria is ready to host the next round. "
      "Spain was critical of the plan.");
  assert_int_equal(r->claim_count, 2);
  assert_string_equal(r->claims[0].party, "Austria");
  assert_string_equal(r->claims[1].party, "Spain");
  extract_result_free(r);
}

static void test_phrase_between_speaker_and_cue(void **state) {
  (void)state;
  static const char *const texts[] = {
      "Talks resumed. Norway in a statement on Sunday said it was dead.",
      "Talks resumed. Norway, in a statement, said the plan was dead.",
      "Talks resumed. Norway on its website wrote that the plan was dead.",
  };
  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    struct extract_result *r = extract_text(texts[i]);
    assert_int_equal(r->claim_count, 1);
    assert_string_equal(r->claims[0].party, "Norway");
    extract_result_free(r);
  }
}

static void test_second_verb_of_the_subject(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. EU leaders did not say how the fund would work but said "
      "Kyiv would not repay it.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "European Union");
  assert_string_equal(r->claims[0].cue.word, "said");
  extract_result_free(r);
}

static void test_body_of_a_party_as_subject(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. The government of Turkish President Recep Tayyip "
      "Erdogan, which hosted the talks, said it was ready to host more.");
  assert_true(r->claim_count >= 1);
  assert_string_equal(r->claims[0].party, "Turkey");
  assert_string_equal(r->claims[0].speaker, "government");
  extract_result_free(r);
}

static void test_participle_forms(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. Hungary has not signed the accord, arguing that it was "
      "rushed. Egypt aims to host the next round.");
  assert_int_equal(r->claim_count, 2);
  assert_string_equal(r->claims[0].party, "Hungary");
  assert_string_equal(r->claims[0].cue.word, "arguing");
  assert_string_equal(r->claims[1].party, "Egypt");
  extract_result_free(r);
}

static void test_person_and_party_in_one_sentence(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. Putin lashed out at the plan, while Russia has called "
      "the asset seizure \"theft\".");
  assert_int_equal(r->claim_count, 2);
  assert_string_equal(r->claims[0].speaker, "Vladimir Putin");
  assert_null(r->claims[1].speaker);
  assert_string_equal(r->claims[1].party, "Russia");
  extract_result_free(r);
}

static void test_the_minister_is_the_latest_minister(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Polish Foreign Minister Anna Wrobel met her counterparts in Vienna on "
      "Monday. The minister said the talks were useful.");
  const struct extract_claim *claim = claim_with(r, "were useful");
  assert_non_null(claim);
  assert_string_equal(claim->party, "Poland");
  assert_string_equal(claim->speaker, "Anna Wrobel");
  extract_result_free(r);
  /* No minister named before: no one to resolve to. */
  r = extract_text("Talks resumed in Vienna on Monday. After the meeting with "
                   "Austria, the minister said the talks were useful.");
  claim = claim_with(r, "were useful");
  assert_true(claim == NULL || strcmp(claim->party, "Austria") != 0);
  extract_result_free(r);
}

static void test_long_body_role_and_adverb_in_progressive(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. The Norwegian Ministry of Foreign Affairs announced "
      "that the talks would go on. Japan is also pushing for a wider "
      "accord.");
  assert_int_equal(r->claim_count, 2);
  assert_string_equal(r->claims[0].party, "Norway");
  assert_string_equal(r->claims[1].party, "Japan");
  assert_int_equal(r->claims[1].stance, STANCE_DEMANDS);
  extract_result_free(r);
}

static void test_participle_takes_its_own_clause_subject(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. The mandate of the council ended in May, but Hungary has "
      "not called a vote, arguing that the war makes one impossible.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Hungary");
  extract_result_free(r);
}

static void test_conditional_clause_is_no_claim(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. The fund would be used if Moscow refuses to pay, and "
      "the loan would stop if the Kremlin rejects the terms.");
  assert_int_equal(r->claim_count, 0);
  extract_result_free(r);
}

static void test_descriptor_before_group_noun(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. The Hamas militant group promised to free the "
      "detainees.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Hamas");
  extract_result_free(r);
}

static void test_possessive_pronoun_and_body(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. Austrian Chancellor Karl Huber spoke to the envoys. His "
      "office said the talks would resume in May.");
  const struct extract_claim *claim = claim_with(r, "would resume");
  assert_non_null(claim);
  assert_string_equal(claim->party, "Austria");
  assert_string_equal(claim->speaker, "His office");
  extract_result_free(r);
}

static void test_named_body_of_a_state(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. Poland's Office for the Return of Deportees welcomed "
      "the exchange. Jan Wolski, the head of the office, said more would "
      "follow.");
  const struct extract_claim *claim = claim_with(r, "welcomed");
  assert_non_null(claim);
  assert_string_equal(claim->party, "Poland");
  assert_string_equal(claim->speaker, "Office for the Return of Deportees");
  claim = claim_with(r, "more would follow");
  assert_non_null(claim);
  assert_string_equal(claim->party, "Poland");
  assert_string_equal(claim->speaker, "Jan Wolski");
  extract_result_free(r);
}

static void test_quote_over_paragraphs_named_at_its_end(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday.\n\n\"We need the accord in force,\" Greek "
      "minister Nikos Petrou said.\n\n\"The duties must come down first.\n\n"
      "\"Then we can talk about the rest,\" Spain's Ana Ruiz said.\n");
  assert_int_equal(r->claim_count, 2);
  assert_string_equal(r->claims[1].party, "Spain");
  assert_non_null(strstr(r->claims[1].text, "duties must come down"));
  assert_non_null(strstr(r->claims[1].text, "talk about the rest"));
  assert_null(strstr(r->claims[0].text, "duties"));
  extract_result_free(r);
}

static void test_reduced_relative_with_its_own_party(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. Warsaw wants the border crossings reopened, a demand "
      "Minsk has repeatedly dismissed.");
  assert_int_equal(r->claim_count, 2);
  assert_string_equal(r->claims[0].party, "Poland");
  assert_string_equal(r->claims[1].party, "Belarus");
  assert_int_equal(r->claims[1].stance, STANCE_REJECTS);
  extract_result_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relative_clause_between_subject_and_verb),
      cmocka_unit_test(test_apposition_between_subject_and_verb),
      cmocka_unit_test(test_participle_takes_the_sentence_subject),
      cmocka_unit_test(test_naming_verb_needs_what_it_names),
      cmocka_unit_test(test_according_to_a_pronoun),
      cmocka_unit_test(test_progressive_verb_is_a_cue),
      cmocka_unit_test(test_narrative_question_is_no_claim),
      cmocka_unit_test(test_adjective_with_complement),
      cmocka_unit_test(test_phrase_between_speaker_and_cue),
      cmocka_unit_test(test_second_verb_of_the_subject),
      cmocka_unit_test(test_body_of_a_party_as_subject),
      cmocka_unit_test(test_participle_forms),
      cmocka_unit_test(test_person_and_party_in_one_sentence),
      cmocka_unit_test(test_the_minister_is_the_latest_minister),
      cmocka_unit_test(test_long_body_role_and_adverb_in_progressive),
      cmocka_unit_test(test_participle_takes_its_own_clause_subject),
      cmocka_unit_test(test_conditional_clause_is_no_claim),
      cmocka_unit_test(test_descriptor_before_group_noun),
      cmocka_unit_test(test_possessive_pronoun_and_body),
      cmocka_unit_test(test_named_body_of_a_state),
      cmocka_unit_test(test_quote_over_paragraphs_named_at_its_end),
      cmocka_unit_test(test_reduced_relative_with_its_own_party),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
