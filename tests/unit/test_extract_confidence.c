/* Unit tests of confidence.c: the features of how a claim was found rank
   it (named speaker and direct quotation above pronoun and indirect speech,
   hedged, many-issue and long claims lower). */
#include "extract_test_util.h"

#include "extract/confidence.h"

static void test_quoted_named_above_pronoun_indirect(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Kremlin spokesperson Dmitry Peskov spoke to reporters on Monday.\n\n"
      "“We will not withdraw our troops from Donbas,” Peskov said.\n\n"
      "Later he said that Russian troops would stay in Donbas.\n");
  const struct extract_claim *quoted = claim_with(r, "We will not withdraw");
  const struct extract_claim *indirect = claim_with(r, "Later he said");
  assert_non_null(quoted);
  assert_non_null(indirect);
  assert_true(quoted->quote);
  assert_false(indirect->quote);
  assert_string_equal(quoted->speaker, "Dmitry Peskov");
  assert_string_equal(indirect->speaker, "Dmitry Peskov");
  assert_true(quoted->confidence > indirect->confidence);
  assert_true(quoted->confidence <= 0.99 && indirect->confidence >= 0.05);
  extract_result_free(r);
}

static void test_hedged_party_statement_is_least_sure(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Ukrainian President Volodymyr Zelensky said Kyiv wants a ceasefire.\n\n"
      "Hamas has reportedly agreed to release the hostages.\n");
  const struct extract_claim *named = claim_with(r, "Zelensky said");
  const struct extract_claim *hedged = claim_with(r, "reportedly");
  assert_non_null(named);
  assert_non_null(hedged);
  assert_null(hedged->speaker);
  assert_true(named->confidence > hedged->confidence);
  extract_result_free(r);
}

static struct confidence_features named_quote(void) {
  struct confidence_features f = {0};
  f.speaker_kind = CLAIM_SPEAKER_NAMED;
  f.cue_kind = LEXICON_CUE_SPEECH;
  f.quote = 1;
  f.stance_evidence = STANCE_NONE_FOUND;
  f.issue_count = 1;
  f.words = 12;
  return f;
}

static void test_each_weakness_lowers_the_score(void **state) {
  (void)state;
  struct confidence_features base = named_quote();
  double top = confidence_score(&base);
  struct confidence_features f;

  f = base;
  f.speaker_kind = CLAIM_SPEAKER_PRONOUN;
  f.quote = 0;
  f.resolved_back = 1;
  assert_true(confidence_score(&f) < top);
  double pronoun = confidence_score(&f);
  f.resolved_back = 3; /* the name is further back */
  assert_true(confidence_score(&f) < pronoun);

  f = base;
  f.speaker_kind = CLAIM_SPEAKER_PARTY;
  f.cue_kind = LEXICON_CUE_POSITION;
  f.quote = 0;
  assert_true(confidence_score(&f) < top);

  f = base;
  f.hedged = 1;
  assert_true(confidence_score(&f) < top);

  f = base;
  f.issue_count = 2;
  assert_true(confidence_score(&f) < top);
  f.issue_count = 1;
  f.issues_inherited = 1;
  assert_true(confidence_score(&f) < top);
  f.issues_inherited = 0;
  f.issues_weak = 1;
  assert_true(confidence_score(&f) < top);

  f = base;
  f.words = 70;
  assert_true(confidence_score(&f) < top);

  f = base;
  f.stance_evidence = STANCE_CONFLICTING;
  assert_true(confidence_score(&f) < top);

  f = base;
  f.cue_distance = 6;
  assert_true(confidence_score(&f) < top);
}

static void test_score_is_bounded(void **state) {
  (void)state;
  struct confidence_features f = {0};
  f.speaker_kind = CLAIM_SPEAKER_CONTINUED;
  f.cue_kind = LEXICON_CUE_ADJECTIVE;
  f.resolved_back = 9;
  f.hedged = 1;
  f.passive = 1;
  f.cue_distance = 9;
  f.stance_evidence = STANCE_CONFLICTING;
  f.issue_count = 9;
  f.issues_inherited = 1;
  f.words = 500;
  double low = confidence_score(&f);
  assert_true(low >= 0.05 && low < 0.5);
  struct confidence_features best = named_quote();
  double high = confidence_score(&best);
  assert_true(high <= 0.99 && high > 0.8);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quoted_named_above_pronoun_indirect),
      cmocka_unit_test(test_hedged_party_statement_is_least_sure),
      cmocka_unit_test(test_each_weakness_lowers_the_score),
      cmocka_unit_test(test_score_is_bounded),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
