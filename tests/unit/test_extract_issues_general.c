/* Unit tests of issue detection on unseen kinds of text: keywords that name
   the setting of talks do not give issues, new concepts do, weak keywords
   count only where the article names their issue, and issues pass to the
   next claim only when it continues the same statement. */
#include "extract_test_util.h"

/* The issues of the claim containing needle, in an article of text. */
static int claim_has_issue(const char *text, const char *needle,
                           const char *slug) {
  struct extract_result *r = extract_text(text);
  const struct extract_claim *claim = claim_with(r, needle);
  if (claim == NULL) {
    extract_result_free(r);
    fail_msg("no claim with \"%s\" in \"%s\"", needle, text);
  }
  int found = has_issue(claim, slug);
  extract_result_free(r);
  return found;
}

static void test_setting_words_give_no_issue(void **state) {
  (void)state;
  const char *text = "Following the meeting, Lavrov said the negotiations on "
                     "prisoners would go on.";
  assert_false(claim_has_issue(text, "Lavrov", "leaders-meeting"));
  assert_true(claim_has_issue(text, "Lavrov", "prisoner-exchange"));
  assert_false(claim_has_issue("At the summit in Geneva, Germany said the "
                               "sanctions would stay.",
                               "Germany", "leaders-meeting"));
  assert_false(claim_has_issue("The head of the International Atomic Energy "
                               "Agency, Rafael Grossi, said inspectors were "
                               "back at work.",
                               "inspectors", "energy-infrastructure"));
  assert_false(claim_has_issue("Moscow said Kyiv must make concessions to "
                               "reach peace.",
                               "concessions", "territory"));
  assert_false(claim_has_issue("A Japanese delegation said Japan would "
                               "review the offer.",
                               "review", "leaders-meeting"));
  assert_false(claim_has_issue("Germany said the frontline units had been "
                               "resupplied.",
                               "frontline", "frontline-freeze"));
  assert_false(claim_has_issue("Germany said the land reform would be debated.",
                               "land", "territory"));
  assert_false(claim_has_issue("Germany said the security situation in the "
                               "Sahel was getting worse.",
                               "Sahel", "security-guarantees"));
  assert_false(claim_has_issue("Germany said the tariffs on cars were too "
                               "high.",
                               "tariffs", "sanctions"));
  assert_false(claim_has_issue("Germany said NATO allies backed the truce.",
                               "truce", "nato-membership"));
}

static void test_weak_keywords_need_the_article_topic(void **state) {
  (void)state;
  assert_false(claim_has_issue("Germany said the plant would close next year.",
                               "plant", "zaporizhzhia-npp"));
  assert_true(claim_has_issue("Zelensky said the Zaporizhzhia nuclear power "
                              "plant must return to Ukraine.\n\n"
                              "Germany said the plant was stable.",
                              "Germany", "zaporizhzhia-npp"));
  assert_false(claim_has_issue("Germany said the talks on car exports were "
                               "useful.",
                               "exports", "peace-deal"));
}

static void test_new_concepts(void **state) {
  (void)state;
  struct {
    const char *text;
    const char *needle;
    const char *slug;
  } cases[] = {
      {"Egypt said a peace treaty was within reach.", "treaty", "peace-deal"},
      {"Germany said a cessation of hostilities was the first step.",
       "cessation", "ceasefire"},
      {"Germany said the armistice had to be signed first.", "armistice",
       "ceasefire"},
      {"Germany said a truce could begin on Monday.", "truce", "ceasefire"},
      {"Germany said a demilitarized zone should separate the armies.",
       "demilitarized", "free-economic-zone"},
      {"Germany said a demilitarised area along the river was possible.",
       "demilitarised", "free-economic-zone"},
      {"Germany said a security framework for Kyiv was ready.", "framework",
       "security-guarantees"},
      {"Germany said a strong army was the best deterrent.", "deterrent",
       "security-guarantees"},
      {"Germany said the Zaporizhia NPP needed outside power.", "NPP",
       "zaporizhzhia-npp"},
      {"Germany said troops were shelling the Zaporizhia region.", "shelling",
       "zaporizhzhia-kherson"},
      {"Germany said the detainees should go home.", "detainees",
       "prisoner-exchange"},
      {"Germany said POWs had to be treated humanely.", "POWs",
       "prisoner-exchange"},
      {"Germany said the election should be held in spring.", "spring",
       "elections"},
      {"Germany said the immobilised assets should fund Kyiv.", "assets",
       "frozen-assets"},
      {"Germany said a reparations loan was the fairest option.", "loan",
       "frozen-assets"},
      {"Germany said the snapback would be triggered.", "snapback",
       "sanctions"},
      {"Germany said the rebels must withdraw from the city.", "rebels",
       "territory"},
      {"Germany said a ceasefire was close.", "ceasefire", "ceasefire"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    if (!claim_has_issue(cases[i].text, cases[i].needle, cases[i].slug)) {
      fail_msg("%s: no %s", cases[i].text, cases[i].slug);
    }
  }
  /* Withdrawing from the talks is about the talks, not about land. */
  const char *talks = "Germany said Iran would withdraw from the talks.";
  assert_false(claim_has_issue(talks, "Iran", "territory"));
  assert_true(claim_has_issue(talks, "Iran", "peace-deal"));
  /* The nuclear plant is not the region it stands in. */
  const char *plant =
      "Germany said the Zaporizhzhia nuclear power station was safe.";
  assert_true(claim_has_issue(plant, "station", "zaporizhzhia-npp"));
  assert_false(claim_has_issue(plant, "station", "zaporizhzhia-kherson"));
  assert_false(claim_has_issue(plant, "station", "energy-infrastructure"));
}

static void test_issues_pass_only_to_a_continuing_statement(void **state) {
  (void)state;
  /* A new sentence about something else shares nothing. */
  const char *other = "Zelensky said the ceasefire talks were useful. He "
                      "added that the alliance would review its plans.";
  assert_true(claim_has_issue(other, "useful", "ceasefire"));
  assert_false(claim_has_issue(other, "alliance", "ceasefire"));
  /* A quotation that runs on does. */
  const char *quote = "\"The ceasefire must hold,\" Lavrov said. \"Nobody "
                      "wants the fighting to come back.\"";
  assert_true(claim_has_issue(quote, "Nobody", "ceasefire"));
  /* So does a next sentence about a matter it does not name. */
  const char *plan =
      "Macron said the truce was fragile. Germany said the plan needed work.";
  assert_true(claim_has_issue(plan, "plan", "ceasefire"));
  const char *army =
      "Macron said the truce was fragile. Germany said the army needed work.";
  assert_false(claim_has_issue(army, "army", "ceasefire"));
  /* And a clause of the same sentence. */
  const char *clause =
      "Kyiv proposed a prisoner swap, an offer rejected by Moscow.";
  assert_true(claim_has_issue(clause, "rejected", "prisoner-exchange"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_setting_words_give_no_issue),
      cmocka_unit_test(test_weak_keywords_need_the_article_topic),
      cmocka_unit_test(test_new_concepts),
      cmocka_unit_test(test_issues_pass_only_to_a_continuing_statement),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
