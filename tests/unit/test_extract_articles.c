/* Three short articles of other outlets and negotiations than the
   development corpus (written for these tests, not taken from any outlet): a
   TASS-style dateline with straight single quotation marks, an AP-style
   statement with an organisation referred to as "it", and Gaza talks with
   mediators and "the group". Each asserts the claims a reader would find. */
#include "extract_test_util.h"

static const char tass[] =
    "MOSCOW, March 3. /TASS/. Russia will not accept the deployment of "
    "European troops in Ukraine under any flag, Kremlin Spokesman Dmitry "
    "Peskov told reporters on Tuesday.\n"
    "\n"
    "\"This is absolutely unacceptable for us,\" Peskov said, commenting "
    "on proposals by the so-called coalition of the willing.\n"
    "\n"
    "According to the Kremlin spokesman, Moscow remains open to talks on a "
    "peace settlement. 'We are ready to continue the negotiations in "
    "Istanbul,' he added.\n"
    "\n"
    "Russian Foreign Minister Sergey Lavrov said earlier that a ceasefire "
    "without guarantees would only allow Kyiv to rearm.\n";

static const char ap[] =
    "WASHINGTON (AP) — The State Department said in a statement on Friday "
    "that the United States wants both sides to agree to a 30-day "
    "ceasefire before any talks on territory.\n"
    "\n"
    "\"We expect Moscow and Kyiv to take this step now,\" spokeswoman "
    "Tammy Bruce said.\n"
    "\n"
    "Ukrainian Foreign Minister Andrii Sybiha welcomed the proposal, "
    "saying Ukraine is ready for a full ceasefire.\n"
    "\n"
    "The Kremlin has rejected a ceasefire that does not address what it "
    "calls the root causes of the conflict. It says Ukraine must withdraw "
    "from four regions.\n";

static const char gaza[] =
    "DOHA, Qatar (Reuters) — Qatar and Egypt said on Sunday that "
    "negotiations on a ceasefire in Gaza had entered a decisive phase, as "
    "mediators pressed Hamas and Israel to agree on the release of the "
    "remaining hostages.\n"
    "\n"
    "Hamas said in a statement that it was ready to release all hostages "
    "in exchange for a complete Israeli withdrawal from the Gaza Strip. "
    "The group rejected any plan to disarm its fighters.\n"
    "\n"
    "Israeli Prime Minister Benjamin Netanyahu insisted that Israel would "
    "not end the war until Hamas was disarmed. \"We will not stop until "
    "all our hostages are home,\" he said.\n"
    "\n"
    "Egyptian Foreign Minister Badr Abdelatty told reporters that Cairo "
    "had proposed a phased exchange of prisoners.\n";

static void expect(const struct extract_result *r, const char *needle,
                   const char *speaker, const char *party, enum stance stance,
                   int quote) {
  const struct extract_claim *c = claim_with(r, needle);
  if (c == NULL) {
    fail_msg("no claim with %s", needle);
  }
  if (speaker == NULL) {
    assert_null(c->speaker);
  } else {
    assert_non_null(c->speaker);
    assert_string_equal(c->speaker, speaker);
  }
  assert_string_equal(c->party, party);
  assert_int_equal(c->stance, stance);
  assert_int_equal(c->quote, quote);
}

static void test_tass_dateline_and_single_quotes(void **state) {
  (void)state;
  struct extract_result *r = extract_text(tass);
  assert_non_null(r->article.dateline);
  assert_string_equal(r->article.dateline, "Moscow");
  const struct extract_party *peskov = party_named(r, "Dmitry Peskov");
  assert_non_null(peskov);
  assert_string_equal(peskov->affiliation, "Russia");
  expect(r, "Russia will not accept the deployment", "Dmitry Peskov", "Russia",
         STANCE_REJECTS, 0);
  expect(r, "absolutely unacceptable", "Dmitry Peskov", "Russia",
         STANCE_REJECTS, 1);
  /* Straight single quotation marks that pair make a direct quotation. */
  expect(r, "'We are ready to continue", "Dmitry Peskov", "Russia",
         STANCE_PROPOSES, 1);
  expect(r, "Lavrov said earlier", "Sergey Lavrov", "Russia", STANCE_ASSERTS,
         0);
  assert_true(has_issue(claim_with(r, "Lavrov said earlier"), "ceasefire"));
  assert_int_equal(r->claim_count, 5);
  extract_result_free(r);
}

static void test_ap_statement_and_it_says(void **state) {
  (void)state;
  struct extract_result *r = extract_text(ap);
  assert_string_equal(r->article.dateline, "Washington");
  expect(r, "The State Department said in a statement", "State Department",
         "United States", STANCE_DEMANDS, 0);
  expect(r, "Sybiha welcomed the proposal", "Andrii Sybiha", "Ukraine",
         STANCE_ACCEPTS, 0);
  expect(r, "The Kremlin has rejected a ceasefire", "Kremlin", "Russia",
         STANCE_REJECTS, 0);
  /* A spokesperson named with no party speaks for the body that spoke
     before; "expect X to" demands. */
  expect(r, "We expect Moscow and Kyiv", "Tammy Bruce", "United States",
         STANCE_DEMANDS, 1);
  const struct extract_party *bruce = party_named(r, "Tammy Bruce");
  assert_non_null(bruce);
  assert_string_equal(bruce->affiliation, "United States");
  /* "It" is the body that spoke in the sentence before. */
  expect(r, "It says Ukraine must withdraw", "Kremlin", "Russia",
         STANCE_DEMANDS, 0);
  extract_result_free(r);
}

static void test_gaza_mediators_and_the_group(void **state) {
  (void)state;
  struct extract_result *r = extract_text(gaza);
  assert_non_null(r->article.dateline);
  assert_string_equal(r->article.dateline, "Doha");
  /* Mediators speaking together: one claim each over the same words, and
     the dateline is not part of the evidence. */
  int qatar = 0, egypt = 0;
  for (size_t i = 0; i < r->claim_count; i++) {
    const struct extract_claim *c = &r->claims[i];
    if (strncmp(c->text, "Qatar and Egypt said on Sunday", 30) == 0) {
      qatar += strcmp(c->party, "Qatar") == 0;
      egypt += strcmp(c->party, "Egypt") == 0;
      assert_true(has_issue(c, "ceasefire"));
    }
  }
  assert_int_equal(qatar, 1);
  assert_int_equal(egypt, 1);
  /* "ready to release ... in exchange for": an offer with its price. */
  expect(r, "Hamas said in a statement", NULL, "Hamas", STANCE_PROPOSES, 0);
  /* "The group" is Hamas, which spoke in the sentence before. */
  expect(r, "The group rejected any plan", NULL, "Hamas", STANCE_REJECTS, 0);
  expect(r, "Netanyahu insisted", "Benjamin Netanyahu", "Israel",
         STANCE_ASSERTS, 0);
  expect(r, "We will not stop until", "Benjamin Netanyahu", "Israel",
         STANCE_ASSERTS, 1);
  expect(r, "Abdelatty told reporters", "Badr Abdelatty", "Egypt",
         STANCE_PROPOSES, 0);
  assert_true(has_issue(claim_with(r, "Abdelatty told reporters"),
                        "prisoner-exchange"));
  const struct extract_party *hamas = party_named(r, "Hamas");
  assert_non_null(hamas);
  assert_string_equal(hamas->kind, "group");
  extract_result_free(r);
}

/* Coordination of parties only: "Trump and Putin's envoys" or a comma
   list without "and" makes no extra claims. */
static void test_coordinated_subjects(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "France, Germany and Britain have rejected the plan.\n\n"
      "Talks with Ukraine and Russia said nothing new, Peskov said.\n");
  size_t rejected = 0;
  for (size_t i = 0; i < r->claim_count; i++) {
    if (strstr(r->claims[i].text, "have rejected") != NULL) {
      rejected++;
      assert_int_equal(r->claims[i].stance, STANCE_REJECTS);
    }
  }
  assert_int_equal(rejected, 3);
  const struct extract_claim *peskov = claim_with(r, "Peskov said");
  assert_non_null(peskov);
  assert_string_equal(peskov->party, "Russia");
  size_t talks = 0;
  for (size_t i = 0; i < r->claim_count; i++) {
    talks += strstr(r->claims[i].text, "Talks with") != NULL;
  }
  assert_int_equal(talks, 1);
  extract_result_free(r);
}

/* "The alliance" after a state spoke is not that state. */
static void test_noun_anaphor_is_not_a_state(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Russia has rejected the plan.\n\nThe alliance said the plan stands.\n");
  assert_null(claim_with(r, "The alliance said"));
  assert_non_null(claim_with(r, "Russia has rejected"));
  extract_result_free(r);
}

/* A lone apostrophe ("'90s", "allies' demands") opens no quotation. */
static void test_unpaired_straight_single_is_an_apostrophe(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Since the '90s Russia has rejected the allies' demands, Peskov said.\n");
  assert_int_equal(r->claim_count, 1);
  assert_false(r->claims[0].quote);
  extract_result_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tass_dateline_and_single_quotes),
      cmocka_unit_test(test_ap_statement_and_it_says),
      cmocka_unit_test(test_gaza_mediators_and_the_group),
      cmocka_unit_test(test_unpaired_straight_single_is_an_apostrophe),
      cmocka_unit_test(test_coordinated_subjects),
      cmocka_unit_test(test_noun_anaphor_is_not_a_state),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
