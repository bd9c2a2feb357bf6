/* Unit tests of lexicon.c: the embedded TSV files parse into usable tables. */
#include "extract_test_util.h"

#include "extract/lexicon.h"
#include "extract/tokens.h"

static int alias_party(const char *phrase) {
  char key[256];
  if (tokens_phrase_key(phrase, strlen(phrase), key, sizeof(key)) <= 0) {
    return -1;
  }
  int alias = lexicon_map_get(&test_lexicon->alias_map, key, strlen(key));
  return alias < 0 ? -1 : test_lexicon->aliases[alias].party;
}

static void test_gazetteer_aliases(void **state) {
  (void)state;
  int russia = alias_party("Russia");
  assert_true(russia >= 0);
  assert_string_equal(test_lexicon->parties[russia].name, "Russia");
  assert_int_equal(alias_party("Kremlin"), russia);
  assert_int_equal(alias_party("Russian"), russia);
  assert_int_equal(alias_party("Moscow"), russia);
  int us = alias_party("White House");
  assert_true(us >= 0);
  assert_string_equal(test_lexicon->parties[us].name, "United States");
  assert_int_equal(alias_party("U.S."), us);
  /* Folding ignores case and accents. */
  assert_int_equal(alias_party("ELYSÉE"), alias_party("Elysee"));
  assert_true(test_lexicon->party_count > 150);
}

static void test_office_holders(void **state) {
  (void)state;
  int peskov = alias_party("Peskov");
  assert_true(peskov >= 0);
  const struct lexicon_party *p = &test_lexicon->parties[peskov];
  assert_int_equal(p->kind, PARTY_KIND_PERSON);
  assert_string_equal(test_lexicon->parties[p->affiliation].name, "Russia");
  assert_int_equal(p->role_class, LEXICON_ROLE_SPOKESPERSON);
  assert_int_equal(alias_party("Zelenskyy"), alias_party("Zelensky"));
}

static void test_cues_stances_and_cameo(void **state) {
  (void)state;
  int said = lexicon_map_get(&test_lexicon->cue_map, "said", 4);
  assert_true(said >= 0);
  assert_int_equal(test_lexicon->cues[said].stance, STANCE_NONE);
  int rejected = lexicon_map_get(&test_lexicon->cue_map, "rejected", 8);
  assert_int_equal(test_lexicon->cues[rejected].stance, STANCE_REJECTS);
  int according = lexicon_map_get(&test_lexicon->cue_map, "according to", 12);
  assert_int_equal(test_lexicon->cues[according].kind, LEXICON_CUE_ACCORDING);
  int warned = lexicon_map_get(&test_lexicon->cue_map, "warned", 6);
  assert_true(test_lexicon->cues[warned].conditional);
  assert_string_equal(test_lexicon->cameo[STANCE_DEMANDS], "10");
  assert_string_equal(test_lexicon->cameo[STANCE_THREATENS], "13");
  assert_string_equal(stance_name(STANCE_ACCEPTS), "accepts");
  assert_null(stance_name(STANCE_NONE));
}

static void test_issue_catalogue(void **state) {
  (void)state;
  assert_int_equal(test_lexicon->issue_count, 20);
  int donbas = -1;
  for (size_t i = 0; i < test_lexicon->issue_count; i++) {
    if (strcmp(test_lexicon->issues[i].slug, "donbas") == 0) {
      donbas = (int)i;
    }
  }
  assert_true(donbas >= 0);
  assert_string_equal(test_lexicon->issues[donbas].parent, "territory");
  int issue = lexicon_map_get(test_lexicon->issue_keywords[0], "donetsk", 7);
  assert_int_equal(issue, donbas);
}

static void test_abbreviations_and_words(void **state) {
  (void)state;
  assert_int_equal(lexicon_map_get(&test_lexicon->abbreviations, "Gen.", 4), 1);
  assert_int_equal(lexicon_map_get(&test_lexicon->abbreviations, "U.S.", 4), 2);
  int classes = lexicon_map_get(&test_lexicon->word_classes, "the", 3);
  assert_true(classes & LEXICON_WORD_DETERMINER);
  assert_true(classes & LEXICON_WORD_OPENER);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gazetteer_aliases),
      cmocka_unit_test(test_office_holders),
      cmocka_unit_test(test_cues_stances_and_cameo),
      cmocka_unit_test(test_issue_catalogue),
      cmocka_unit_test(test_abbreviations_and_words),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
