/* Unit tests of entities.c: gazetteer, people from context, coreference. */
#include "extract_test_util.h"

static void test_gazetteer_metonyms(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "The Kremlin said Moscow rejected it. Washington wants a deal.");
  const struct extract_party *russia = party_named(r, "Russia");
  assert_non_null(russia);
  assert_string_equal(russia->kind, "state");
  int kremlin = 0;
  for (size_t i = 0; i < russia->alias_count; i++) {
    kremlin |= strcmp(russia->aliases[i], "Kremlin") == 0;
  }
  assert_true(kremlin);
  assert_non_null(party_named(r, "United States"));
  extract_result_free(r);
}

static void test_lowercase_us_is_not_a_state(void **state) {
  (void)state;
  struct extract_result *r = extract_text("Let us talk, Peskov said.");
  assert_null(party_named(r, "United States"));
  extract_result_free(r);
}

static void test_person_from_role_context(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Kremlin aide Ivan Petrovsky said the talks would continue.");
  const struct extract_party *person = party_named(r, "Ivan Petrovsky");
  assert_non_null(person);
  assert_string_equal(person->kind, "person");
  assert_string_equal(person->affiliation, "Russia");
  assert_string_equal(person->role, "Kremlin aide");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Russia");
  extract_result_free(r);
}

static void test_person_from_appositive(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Olena Marchuk, Ukraine's deputy foreign minister, said Kyiv wants "
      "guarantees. Marchuk added that talks continue.");
  const struct extract_party *person = party_named(r, "Olena Marchuk");
  assert_non_null(person);
  assert_string_equal(person->affiliation, "Ukraine");
  const struct extract_claim *c = claim_with(r, "Marchuk added");
  assert_non_null(c);
  assert_string_equal(c->speaker, "Olena Marchuk");
  extract_result_free(r);
}

static void test_spokesperson_for_someone(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "“Security decides it,” a spokesperson for German Chancellor Friedrich "
      "Merz, Hans Vogel, told reporters.");
  const struct extract_party *person = party_named(r, "Hans Vogel");
  assert_non_null(person);
  assert_string_equal(person->affiliation, "Germany");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].speaker, "Hans Vogel");
  extract_result_free(r);
}

static void test_title_reference_and_spelling(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Ukrainian President Volodymyr Zelenskyy met envoys. The Russian "
      "president said no deal exists.");
  assert_non_null(party_named(r, "Volodymyr Zelenskyy"));
  const struct extract_claim *c = claim_with(r, "Russian president");
  assert_non_null(c);
  assert_string_equal(c->speaker, "Vladimir Putin");
  assert_string_equal(c->party, "Russia");
  extract_result_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gazetteer_metonyms),
      cmocka_unit_test(test_lowercase_us_is_not_a_state),
      cmocka_unit_test(test_person_from_role_context),
      cmocka_unit_test(test_person_from_appositive),
      cmocka_unit_test(test_spokesperson_for_someone),
      cmocka_unit_test(test_title_reference_and_spelling),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
