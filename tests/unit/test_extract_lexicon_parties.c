/* Unit tests of extract_lexicon_add_parties: the database's parties in the
 * gazetteer. */
#include "extract_test_util.h"

static const char *const freedonia_aliases[] = {"Freedonian"};
static const struct extract_party_definition freedonia[] = {
    {"Rufus Firefly", "person", NULL, 0, "Freedonia", "Prime Minister"},
    {"Freedonia", "state", freedonia_aliases, 1, NULL, NULL},
};

static const char statement[] =
    "Freedonia has rejected the ceasefire proposal.";
static const char quotation[] =
    "\xe2\x80\x9cWe will not sign,\xe2\x80\x9d Firefly said.";

static struct extract_result *
extract_with(const struct extract_lexicon *lexicon, const char *text) {
  struct extract_result *result = NULL;
  char error[256] = "";
  if (extract_article(lexicon, text, strlen(text), &result, error,
                      sizeof(error)) != EXTRACT_OK) {
    fail_msg("extract_article: %s", error);
  }
  return result;
}

/* A lexicon with the parties added (people listed before their party: the
   order of the database's rows must not matter). */
static struct extract_lexicon *
lexicon_with(const struct extract_party_definition *parties, size_t count) {
  char error[256];
  struct extract_lexicon *lexicon =
      extract_lexicon_load_embedded(error, sizeof(error));
  assert_non_null(lexicon);
  if (extract_lexicon_add_parties(lexicon, parties, count, error,
                                  sizeof(error)) != 0) {
    fail_msg("extract_lexicon_add_parties: %s", error);
  }
  return lexicon;
}

static void test_added_parties_speak(void **state) {
  (void)state;
  struct extract_lexicon *lexicon = lexicon_with(freedonia, 2);
  struct extract_result *r = extract_with(lexicon, statement);
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Freedonia");
  assert_int_equal(r->claims[0].stance, STANCE_REJECTS);
  const struct extract_party *state_party = party_named(r, "Freedonia");
  assert_non_null(state_party);
  assert_string_equal(state_party->kind, "state");
  extract_result_free(r);

  r = extract_with(lexicon, quotation);
  assert_int_equal(r->claim_count, 1);
  assert_non_null(r->claims[0].speaker);
  assert_string_equal(r->claims[0].speaker, "Rufus Firefly");
  assert_string_equal(r->claims[0].party, "Freedonia");
  const struct extract_party *person = party_named(r, "Rufus Firefly");
  assert_non_null(person);
  assert_string_equal(person->kind, "person");
  assert_string_equal(person->affiliation, "Freedonia");
  assert_string_equal(person->role, "Prime Minister");
  extract_result_free(r);

  /* The alias, matched on its normalised form like the embedded ones. */
  r = extract_with(lexicon,
                   "The FREEDONIAN government said it would not sign.");
  assert_true(r->claim_count >= 1);
  assert_string_equal(r->claims[0].party, "Freedonia");
  extract_result_free(r);
  extract_lexicon_free(lexicon);
}

static void test_without_them_they_are_absent(void **state) {
  (void)state;
  char error[256];
  struct extract_lexicon *lexicon =
      extract_lexicon_load_embedded(error, sizeof(error));
  assert_non_null(lexicon);
  const char *texts[] = {statement, quotation};
  for (size_t k = 0; k < 2; k++) {
    struct extract_result *r = extract_with(lexicon, texts[k]);
    assert_null(party_named(r, "Freedonia"));
    assert_null(party_named(r, "Rufus Firefly"));
    for (size_t i = 0; i < r->claim_count; i++) {
      assert_string_not_equal(r->claims[i].party, "Freedonia");
    }
    extract_result_free(r);
  }
  extract_lexicon_free(lexicon);
}

/* A party the lexicon has gains aliases; embedded names, aliases and
   surnames keep their parties. */
static void test_embedded_data_is_kept(void **state) {
  (void)state;
  static const char *const russia_aliases[] = {"Rossiya", "Kremlin"};
  static const char *const anna_aliases[] = {"Anna Putin"};
  const struct extract_party_definition extra[] = {
      {"RUSSIA", "state", russia_aliases, 2, NULL, NULL},
      {"Anna Putina", "person", anna_aliases, 1, "Freedonia", NULL},
      {"Freedonia", "state", freedonia_aliases, 1, NULL, NULL},
  };
  struct extract_lexicon *lexicon = lexicon_with(extra, 3);
  struct extract_result *r =
      extract_with(lexicon, "Rossiya has rejected the ceasefire proposal.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Russia");
  extract_result_free(r);
  r = extract_with(lexicon, "The Kremlin has rejected the ceasefire proposal.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Russia");
  extract_result_free(r);
  r = extract_with(lexicon,
                   "\xe2\x80\x9cWe will not retreat,\xe2\x80\x9d Putin said.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].speaker, "Vladimir Putin");
  assert_string_equal(r->claims[0].party, "Russia");
  extract_result_free(r);
  extract_lexicon_free(lexicon);
}

static void test_invalid_definition_changes_nothing(void **state) {
  (void)state;
  char error[256];
  struct extract_lexicon *lexicon =
      extract_lexicon_load_embedded(error, sizeof(error));
  assert_non_null(lexicon);
  const struct extract_party_definition bad[] = {
      {"Freedonia", "state", freedonia_aliases, 1, NULL, NULL},
      {"Sylvania", "kingdom", NULL, 0, NULL, NULL},
  };
  assert_int_equal(
      extract_lexicon_add_parties(lexicon, bad, 2, error, sizeof(error)), -1);
  assert_non_null(strstr(error, "kind"));
  struct extract_result *r = extract_with(lexicon, statement);
  assert_null(party_named(r, "Freedonia"));
  extract_result_free(r);
  /* Blank and over-long names are skipped, not fatal. */
  const struct extract_party_definition odd[] = {
      {"", "group", NULL, 0, NULL, NULL},
      {"a b c d e f g h i j k l m n", "group", NULL, 0, NULL, NULL},
  };
  assert_int_equal(
      extract_lexicon_add_parties(lexicon, odd, 2, error, sizeof(error)), 0);
  extract_lexicon_free(lexicon);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_added_parties_speak),
      cmocka_unit_test(test_without_them_they_are_absent),
      cmocka_unit_test(test_embedded_data_is_kept),
      cmocka_unit_test(test_invalid_definition_changes_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
