/* People the lexicon does not know: their party from the words around
   their name, on sentences written for these tests. */
#include "extract_test_util.h"

/* The party of the claim whose text contains needle, failing if none. */
static const char *party_of(const struct extract_result *r,
                            const char *needle) {
  const struct extract_claim *claim = claim_with(r, needle);
  if (claim == NULL) {
    fail_msg("no claim with \"%s\"", needle);
  }
  return claim->party;
}

static void test_modifier_between_party_and_role(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "EU trade commissioner Hanna Lindqvist said the tariffs must go. "
      "Russian Deputy Foreign Minister Pavel Orlov said the talks had "
      "stalled.");
  assert_string_equal(party_of(r, "tariffs"), "European Union");
  assert_string_equal(party_of(r, "stalled"), "Russia");
  const struct extract_party *orlov = party_named(r, "Pavel Orlov");
  assert_non_null(orlov);
  assert_string_equal(orlov->affiliation, "Russia");
  extract_result_free(r);
}

static void test_party_after_appositive_role(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday. Marek Tobiasz, head of the Polish delegation, "
      "said a deal was close.");
  const struct extract_party *tobiasz = party_named(r, "Marek Tobiasz");
  assert_non_null(tobiasz);
  assert_string_equal(tobiasz->affiliation, "Poland");
  extract_result_free(r);
  /* "ambassador to X" speaks for someone else. */
  r = extract_text("Talks resumed on Monday. Lena Vogt, ambassador to Russia, "
                   "said a deal was close.");
  const struct extract_party *vogt = party_named(r, "Lena Vogt");
  assert_true(vogt == NULL || vogt->affiliation == NULL ||
              strcmp(vogt->affiliation, "Russia") != 0);
  extract_result_free(r);
}

static void test_possessive_party_before_name(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday. \"We want a fair deal,\" Germany's Jonas "
      "Albrecht said.");
  assert_string_equal(party_of(r, "fair deal"), "Germany");
  extract_result_free(r);
}

static void test_role_and_party_before_an_apposed_name(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday. Germany's chief negotiator, Jonas Albrecht, "
      "said the text was weak. Brazilian President Luiz Carlos do Prado said "
      "it was fair.");
  const struct extract_party *albrecht = party_named(r, "Jonas Albrecht");
  assert_non_null(albrecht);
  assert_string_equal(albrecht->affiliation, "Germany");
  assert_non_null(party_named(r, "Luiz Carlos do Prado"));
  extract_result_free(r);
}

static void test_title_gives_a_named_person_their_party(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Kyiv will keep the talks going, Ombudsman Ivan Marchenko said on "
      "Tuesday. \"We are ready for an exchange,\" the Ukrainian ombudsman "
      "said.");
  const struct extract_party *person = party_named(r, "Ivan Marchenko");
  assert_non_null(person);
  assert_string_equal(person->affiliation, "Ukraine");
  assert_string_equal(party_of(r, "ready for an exchange"), "Ukraine");
  extract_result_free(r);
}

static void test_end_of_a_full_name_is_the_same_person(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Belgian Prime Minister Jan Van Damme said the plan was unfair. Van "
      "Damme said Belgium needed guarantees.");
  assert_null(party_named(r, "Van Damme"));
  assert_string_equal(party_of(r, "needed guarantees"), "Belgium");
  extract_result_free(r);
}

static void test_short_month_names_are_given_names(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Czech Foreign Minister Jan Novotny said on Jan. 5 the plan was fair.");
  const struct extract_party *novotny = party_named(r, "Jan Novotny");
  assert_non_null(novotny);
  assert_string_equal(novotny->affiliation, "Czech Republic");
  extract_result_free(r);
}

static void test_envoy_to_a_place_speaks_for_the_sender(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. \"The plan is fair,\" Warsaw's envoy to the agencies "
      "in Geneva, Piotr Zalewski, wrote on X. He met his Russian counterpart "
      "Oleg Sidorov, who said the plan was not fair.");
  const struct extract_party *zalewski = party_named(r, "Piotr Zalewski");
  assert_non_null(zalewski);
  assert_string_equal(zalewski->affiliation, "Poland");
  const struct extract_party *sidorov = party_named(r, "Oleg Sidorov");
  assert_non_null(sidorov);
  assert_string_equal(sidorov->affiliation, "Russia");
  extract_result_free(r);
}

static void test_legislature_names_its_state(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. The Bundestag's deputy speaker Karl Weiss said the vote "
      "would go ahead.");
  const struct extract_party *weiss = party_named(r, "Karl Weiss");
  assert_non_null(weiss);
  assert_string_equal(weiss->affiliation, "Germany");
  extract_result_free(r);
}

static void test_person_of_unknown_party_keeps_the_claim(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed on Monday in Geneva. Mara Quist said the deal was "
      "fragile. She added that more talks were needed.");
  assert_int_equal(r->claim_count, 2);
  for (size_t i = 0; i < r->claim_count; i++) {
    assert_string_equal(r->claims[i].party, "Mara Quist");
    assert_string_equal(r->claims[i].speaker, "Mara Quist");
  }
  const struct extract_party *quist = party_named(r, "Mara Quist");
  assert_non_null(quist);
  assert_string_equal(quist->kind, "person");
  assert_null(quist->affiliation);
  extract_result_free(r);
}

static void test_surname_he_is_not_a_pronoun(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Putin spoke on Monday. He Ming said the tariffs would stay. He also "
      "said the talks had ended.");
  const struct extract_claim *claim = claim_with(r, "tariffs");
  assert_non_null(claim);
  assert_string_equal(claim->speaker, "He Ming");
  extract_result_free(r);
  r = extract_text("Putin spoke on Monday. He Also Said It.");
  assert_null(party_named(r, "He Also"));
  extract_result_free(r);
}

static void test_transliteration_variants_meet(void **state) {
  (void)state;
  /* The lexicon writes Abbas Araghchi and Volodymyr Zelensky. */
  struct extract_result *r = extract_text(
      "Talks resumed. Araqchi said the inspections would go on. Zelenskij "
      "said Ukraine needed guarantees.");
  assert_string_equal(claim_with(r, "inspections")->party, "Iran");
  assert_string_equal(claim_with(r, "inspections")->speaker, "Abbas Araqchi");
  assert_string_equal(claim_with(r, "guarantees")->party, "Ukraine");
  extract_result_free(r);
  /* Another initial is another person. */
  r = extract_text("Talks resumed. Karim Araqchi said the plan was weak.");
  assert_string_not_equal(claim_with(r, "weak")->party, "Iran");
  extract_result_free(r);
}

static void test_known_surname_inside_another_name(void **state) {
  (void)state;
  /* "Putin" and "Lavrov" are known people; these are other people. */
  struct extract_result *r = extract_text(
      "Talks resumed on Monday. Analyst Putin Karimov said the deal was "
      "fragile. Omar Lavrov-Smith said he doubted it.");
  for (size_t i = 0; i < r->party_count; i++) {
    assert_string_not_equal(r->parties[i].name, "Vladimir Putin");
    assert_string_not_equal(r->parties[i].name, "Sergey Lavrov");
  }
  extract_result_free(r);
}

static void test_body_names_are_not_people(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks resumed. The Ministry of Cultural Affairs said nothing. Brazil, "
      "speaking for the North Group, said the text was weak. Speaking to "
      "reporters on Marine One, the US president said talks would go on.");
  assert_null(party_named(r, "Cultural Affairs"));
  assert_null(party_named(r, "North Group"));
  assert_null(party_named(r, "Marine One"));
  extract_result_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_modifier_between_party_and_role),
      cmocka_unit_test(test_party_after_appositive_role),
      cmocka_unit_test(test_possessive_party_before_name),
      cmocka_unit_test(test_role_and_party_before_an_apposed_name),
      cmocka_unit_test(test_title_gives_a_named_person_their_party),
      cmocka_unit_test(test_end_of_a_full_name_is_the_same_person),
      cmocka_unit_test(test_short_month_names_are_given_names),
      cmocka_unit_test(test_envoy_to_a_place_speaks_for_the_sender),
      cmocka_unit_test(test_legislature_names_its_state),
      cmocka_unit_test(test_person_of_unknown_party_keeps_the_claim),
      cmocka_unit_test(test_surname_he_is_not_a_pronoun),
      cmocka_unit_test(test_transliteration_variants_meet),
      cmocka_unit_test(test_known_surname_inside_another_name),
      cmocka_unit_test(test_body_names_are_not_people),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
