/* Unit tests of the world gazetteer: every state, organisations, armed groups,
   and the ambiguous names that must not make parties. */
#include "extract_test_util.h"

#include "common/embedded.h"
#include "extract/lexicon.h"
#include "extract/tokens.h"

extern const struct embedded_file embedded_lexicons[];

static int alias_party(const char *phrase) {
  char key[256];
  if (tokens_phrase_key(phrase, strlen(phrase), key, sizeof(key)) <= 0) {
    return -1;
  }
  int alias = lexicon_map_get(&test_lexicon->alias_map, key, strlen(key));
  return alias < 0 ? -1 : test_lexicon->aliases[alias].party;
}

static const char *alias_party_name(const char *phrase) {
  int party = alias_party(phrase);
  return party < 0 ? "" : test_lexicon->parties[party].name;
}

/* One alias of the gazetteer file: its folded key and the row's name. */
struct claimed_alias {
  char key[256];
  char party[128];
};

static int compare_claimed(const void *a, const void *b) {
  return strcmp(((const struct claimed_alias *)a)->key,
                ((const struct claimed_alias *)b)->key);
}

/* Reads the embedded gazetteer.tsv itself, independently of the loader, so
   that an alias two rows claim fails here even if the loader kept one. */
static void test_no_alias_claimed_by_two_parties(void **state) {
  (void)state;
  const struct embedded_file *file =
      embedded_find(embedded_lexicons, "gazetteer.tsv");
  assert_non_null(file);
  char *text = strdup(file->data);
  assert_non_null(text);
  size_t capacity = 8192;
  size_t count = 0;
  struct claimed_alias *claimed = calloc(capacity, sizeof(*claimed));
  assert_non_null(claimed);
  int header_seen = 0;
  char *save_line = NULL;
  for (char *line = strtok_r(text, "\n", &save_line); line != NULL;
       line = strtok_r(NULL, "\n", &save_line)) {
    if (line[0] == '#' || line[0] == '\0') {
      continue;
    }
    if (!header_seen) {
      header_seen = 1; /* the column names */
      continue;
    }
    char *fields[7] = {0};
    size_t field_count = 0;
    for (char *field = line; field_count < 7;) {
      fields[field_count++] = field;
      char *tab = strchr(field, '\t');
      if (tab == NULL) {
        break;
      }
      *tab = '\0';
      field = tab + 1;
    }
    assert_int_equal(field_count, 7);
    for (size_t column = 0; column < 7; column++) {
      if (column == 1) {
        continue; /* the kind */
      }
      char *save_item = NULL;
      for (char *item = strtok_r(fields[column], "|", &save_item); item != NULL;
           item = strtok_r(NULL, "|", &save_item)) {
        assert_true(count < capacity);
        struct claimed_alias *c = &claimed[count];
        if (tokens_phrase_key(item, strlen(item), c->key, sizeof(c->key)) <=
            0) {
          continue;
        }
        snprintf(c->party, sizeof(c->party), "%s", fields[0]);
        count++;
      }
    }
  }
  assert_true(count > 1000);
  qsort(claimed, count, sizeof(*claimed), compare_claimed);
  int shared = 0;
  for (size_t i = 1; i < count; i++) {
    if (strcmp(claimed[i].key, claimed[i - 1].key) == 0 &&
        strcmp(claimed[i].party, claimed[i - 1].party) != 0) {
      fprintf(stderr, "alias \"%s\" is claimed by %s and %s\n", claimed[i].key,
              claimed[i - 1].party, claimed[i].party);
      shared++;
    }
  }
  free(claimed);
  free(text);
  assert_int_equal(shared, 0);
}

static void test_every_state_is_known(void **state) {
  (void)state;
  size_t states = 0;
  for (size_t i = 0; i < test_lexicon->party_count; i++) {
    states += test_lexicon->parties[i].kind == PARTY_KIND_STATE;
  }
  /* 193 UN members, two observers, Kosovo, Taiwan, Somaliland, Greenland. */
  assert_true(states >= 198);
  assert_string_equal(alias_party_name("Côte d'Ivoire"), "Ivory Coast");
  assert_string_equal(alias_party_name("Cote d'Ivoire"), "Ivory Coast");
  assert_string_equal(alias_party_name("Viet Nam"), "Vietnam");
  assert_string_equal(alias_party_name("Burma"), "Myanmar");
  assert_string_equal(alias_party_name("Swaziland"), "Eswatini");
  assert_string_equal(alias_party_name("Timor-Leste"), "East Timor");
  assert_string_equal(alias_party_name("Tegucigalpa"), "Honduras");
  assert_string_equal(alias_party_name("Burkinabe"), "Burkina Faso");
  assert_string_equal(alias_party_name("Pristina"), "Kosovo");
  assert_string_equal(alias_party_name("GCC"), "Gulf Cooperation Council");
  /* Omitted as too ambiguous: first names, other cities, an English word. */
  assert_int_equal(alias_party("Sofia"), -1);
  assert_int_equal(alias_party("Victoria"), -1);
  assert_int_equal(alias_party("Santiago"), -1);
  assert_int_equal(alias_party("Male"), -1);
  assert_int_equal(alias_party("Korea"), -1);
}

/* The party of the only claim of text, checked against expected. */
static void assert_claim_party(const char *text, const char *expected) {
  struct extract_result *r = extract_text(text);
  if (r->claim_count != 1) {
    extract_result_free(r);
    fail_msg("expected one claim in \"%s\"", text);
  }
  int same = strcmp(r->claims[0].party, expected) == 0;
  if (!same) {
    fprintf(stderr, "\"%s\": party %s, expected %s\n", text, r->claims[0].party,
            expected);
  }
  extract_result_free(r);
  assert_true(same);
}

static void test_new_states_make_claims(void **state) {
  (void)state;
  assert_claim_party("Kenyan President William Ruto said both armies had "
                     "agreed to a ceasefire.",
                     "Kenya");
  assert_claim_party("Bosnia and Herzegovina said it would apply for "
                     "membership of the bloc.",
                     "Bosnia and Herzegovina");
  assert_claim_party("Officials in Kinshasa said the rebels had not left "
                     "the town.",
                     "Democratic Republic of the Congo");
  struct extract_result *r =
      extract_text("Qatar and Egypt said the mediators would meet again in "
                   "Cairo next week.");
  assert_non_null(party_named(r, "Qatar"));
  assert_non_null(party_named(r, "Egypt"));
  extract_result_free(r);
}

static void test_groups_and_organisations(void **state) {
  (void)state;
  struct extract_result *r =
      extract_text("The RSF rejected the ceasefire, its commander said.");
  const struct extract_party *rsf = party_named(r, "Rapid Support Forces");
  assert_non_null(rsf);
  assert_string_equal(rsf->kind, "group");
  extract_result_free(r);
  assert_claim_party("The E3 said Tehran had failed to meet its obligations.",
                     "E3");
  assert_claim_party("Ecowas said the junta must hand power back to "
                     "civilians.",
                     "ECOWAS");
  assert_claim_party("The WHO said clinics were running out of fuel.",
                     "World Health Organization");
  /* A question word in capitals at the start is not the WHO. */
  r = extract_text("Who said the clinics were closed?");
  assert_null(party_named(r, "World Health Organization"));
  extract_result_free(r);
}

/* Annotators name a de-facto government or a state's army as the state. */
static void test_de_facto_governments_are_states(void **state) {
  (void)state;
  assert_claim_party("The Taliban said they would not allow attacks from "
                     "their soil.",
                     "Afghanistan");
  assert_claim_party("The Sudanese Armed Forces said they had retaken the "
                     "bridge.",
                     "Sudan");
  struct extract_result *r =
      extract_text("The Pakistani Taliban said they carried out the raid.");
  assert_non_null(party_named(r, "Tehrik-i-Taliban Pakistan"));
  assert_null(party_named(r, "Afghanistan"));
  extract_result_free(r);
}

/* The longest name wins over a state named inside it. */
static void test_longest_name_wins(void **state) {
  (void)state;
  const char *texts[] = {
      "Papua New Guinea said it would sign the fisheries accord.",
      "South Sudan said the pipeline would reopen.",
      "The Islamic Republic of Pakistan demanded guarantees.",
      "Northern Ireland's first minister said the deal was fair.",
      "Congo-Brazzaville said it would host the summit.",
  };
  const char *wrong[] = {"Guinea", "Sudan", "Iran", "Ireland",
                         "Democratic Republic of the Congo"};
  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    struct extract_result *r = extract_text(texts[i]);
    if (party_named(r, wrong[i]) != NULL) {
      fprintf(stderr, "\"%s\" names %s\n", texts[i], wrong[i]);
    }
    assert_null(party_named(r, wrong[i]));
    extract_result_free(r);
  }
  assert_claim_party("Papua New Guinea said it would sign the fisheries "
                     "accord.",
                     "Papua New Guinea");
  assert_claim_party("Niger said the border with Nigeria would stay shut.",
                     "Niger");
}

/* A state's name that is also a person's name or a US state. */
static void test_names_of_people_are_not_states(void **state) {
  (void)state;
  struct extract_result *r =
      extract_text("Michael Jordan said the team would win the final.");
  assert_null(party_named(r, "Jordan"));
  extract_result_free(r);
  r = extract_text("The Georgia senator said the bill would pass.");
  assert_null(party_named(r, "Georgia"));
  extract_result_free(r);
  r = extract_text("Sofia Petrova said the vote would be close.");
  assert_null(party_named(r, "Bulgaria"));
  extract_result_free(r);
  /* A region is not the United States. */
  r = extract_text("Officials across Latin America said the plan was fair.");
  assert_null(party_named(r, "United States"));
  extract_result_free(r);
  /* The state itself still speaks, at the start of a sentence, after a
     possessive or after a role. */
  assert_claim_party("Erdogan's Turkey said it would mediate again.", "Turkey");
  assert_claim_party("Jordan said it would reopen the crossing on Sunday.",
                     "Jordan");
  assert_claim_party("The government of Chad said it would close the "
                     "border.",
                     "Chad");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_alias_claimed_by_two_parties),
      cmocka_unit_test(test_every_state_is_known),
      cmocka_unit_test(test_new_states_make_claims),
      cmocka_unit_test(test_groups_and_organisations),
      cmocka_unit_test(test_de_facto_governments_are_states),
      cmocka_unit_test(test_longest_name_wins),
      cmocka_unit_test(test_names_of_people_are_not_states),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
