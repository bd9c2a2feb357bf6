/* Unit tests of wire datelines, the published date (the text's, a
   dateline's day, the caller's) and sentence ends after acronyms. */
#include "extract_test_util.h"

#include "extract/sentences.h"

/* The sentences of input, each as a NUL-terminated copy in out (at most
   max); returns how many there are. */
static size_t sentences_of(const char *input, char out[][160], size_t max) {
  struct text_doc doc;
  struct arena arena;
  char error[128];
  arena_init(&arena, 1024);
  assert_int_equal(text_doc_build(&doc, test_lexicon, &arena, input,
                                  strlen(input), error, sizeof(error)),
                   EXTRACT_OK);
  struct quote *quotes = NULL;
  size_t quote_count = 0, count = 0;
  struct sentence *sentences = NULL;
  assert_int_equal(quotes_find(&doc, &quotes, &quote_count), 0);
  assert_int_equal(sentences_split(test_lexicon, &doc, quotes, quote_count,
                                   &sentences, &count, error, sizeof(error)),
                   EXTRACT_OK);
  for (size_t i = 0; i < count && i < max; i++) {
    int length = (int)(sentences[i].end - sentences[i].start);
    snprintf(out[i], 160, "%.*s", length, doc.text + sentences[i].start);
  }
  free(sentences);
  free(quotes);
  text_doc_free(&doc);
  arena_free(&arena);
  return count;
}

static void test_acronym_without_dots_ends_a_sentence(void **state) {
  (void)state;
  char s[8][160];
  assert_int_equal(sentences_of("Finland asked to join NATO. Stubb told "
                                "reporters so. Oslo left the EU. Voters "
                                "cheered.",
                                s, 8),
                   4);
  assert_string_equal(s[0], "Finland asked to join NATO.");
  assert_string_equal(s[1], "Stubb told reporters so.");
  assert_string_equal(s[3], "Voters cheered.");
}

static void test_dotted_abbreviations_run_on_before_names(void **state) {
  (void)state;
  char s[8][160];
  assert_int_equal(sentences_of("The U.S. President met John F. Kennedy Jr. "
                                "at 9 a.m. Lisbon time with Gen. Ortiz.",
                                s, 8),
                   1);
  /* Before a word that opens sentences, the same words end one. */
  assert_int_equal(
      sentences_of("Aid came from the U.S. The Senate agreed. Talks end in "
                   "Dec. They resume at 9 a.m. The hall is open.",
                   s, 8),
      5);
  assert_string_equal(s[0], "Aid came from the U.S.");
  assert_string_equal(s[2], "Talks end in Dec.");
  assert_string_equal(s[3], "They resume at 9 a.m.");
}

/* The claim of r that mentions needle, failing the test when none does. */
static const struct extract_claim *claim_of(const struct extract_result *r,
                                            const char *needle) {
  const struct extract_claim *claim = claim_with(r, needle);
  if (claim == NULL) {
    fail_msg("no claim with \"%s\" among %zu", needle, r->claim_count);
  }
  return claim;
}

static void test_wire_datelines(void **state) {
  (void)state;
  static const struct {
    const char *text;
    const char *place;
  } cases[] = {
      {"OSLO, April 4 (Reuters) - Norway rejected the offer, the foreign "
       "minister said.",
       "Oslo"},
      {"MONTERREY (AP) \xE2\x80\x94 Mexico rejected the offer, the foreign "
       "minister said.",
       "Monterrey"},
      {"MINSK, October 2. /BELTA/. Belarus rejected the offer, the foreign "
       "minister said.",
       "Minsk"},
      {"Ottawa, Ontario (EFE).- Canada rejected the offer, the foreign "
       "minister said.",
       "Ottawa"},
      {"RECIFE, Brazil, 3 May 2024 (AFP) -- Brazil rejected the offer, the "
       "foreign minister said.",
       "Recife"},
      {"LAHORE: Pakistan rejected the offer, the foreign minister said.",
       "Lahore"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct extract_result *r = extract_text(cases[i].text);
    assert_non_null(r->article.dateline);
    assert_string_equal(r->article.dateline, cases[i].place);
    /* The claim starts with the story: the dateline is no evidence. */
    const struct extract_claim *claim = claim_of(r, "rejected the offer");
    const char *story = strstr(cases[i].text, " rejected the offer");
    while (story > cases[i].text && story[-1] != ' ') {
      story--;
    }
    assert_int_equal(claim->start, (size_t)(story - cases[i].text));
    extract_result_free(r);
  }
}

static void test_prose_is_no_dateline(void **state) {
  (void)state;
  static const char *const texts[] = {
      "Mexico: the offer was rejected, the foreign minister said.",
      "Lima is ready to talk, the foreign minister said.",
      "Mexico, Brazil and Bolivia met in La Paz, officials said.",
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    struct extract_result *r = extract_text(texts[i]);
    assert_null(r->article.dateline);
    extract_result_free(r);
  }
}

static void test_dateline_day_gives_the_date_with_a_year(void **state) {
  (void)state;
  /* The year written in the dateline. */
  struct extract_result *r = extract_text(
      "RECIFE, 3 May 2024 (AFP) - Brazil rejected the offer on Friday, the "
      "minister said.");
  assert_string_equal(r->article.published, "2024-05-03");
  assert_string_equal(claim_of(r, "Brazil")->stated_on, "2024-05-03");
  extract_result_free(r);
  /* The year of the update note; a December dateline before a January
     update is of the year before. */
  r = extract_text("Updated: January 2 2026\n\nMINSK, Dec. 30 (AP) - Belarus "
                   "rejected the offer, the minister said.");
  assert_string_equal(r->article.published, "2025-12-30");
  assert_string_equal(r->article.updated, "2026-01-02");
  extract_result_free(r);
  /* No year anywhere: the date stays unknown. */
  r = extract_text("MINSK, Dec 30 (AP) - Belarus rejected the offer on "
                   "Friday, the minister said.");
  assert_null(r->article.published);
  assert_string_equal(claim_of(r, "Belarus")->stated_on, "");
  extract_result_free(r);
  /* February 30 is no day. */
  r = extract_text("MINSK, February 30 (AP) - Belarus rejected the offer, "
                   "the minister said.");
  assert_null(r->article.published);
  extract_result_free(r);
}

static void test_header_date_line(void **state) {
  (void)state;
  struct extract_result *r =
      extract_text("Posted on Tue 7 Oct 2025 at 14:05 CET\n\nNorway talks "
                   "stall\n\nNorway rejected the offer on Monday, the "
                   "minister said.");
  assert_string_equal(r->article.published, "2025-10-07");
  assert_string_equal(r->article.title, "Norway talks stall");
  assert_string_equal(claim_of(r, "Norway")->stated_on, "2025-10-06");
  extract_result_free(r);
  /* A headline that opens with a date is a headline. */
  r = extract_text("April 4, 2025: Norway says no\n\nNorway rejected the "
                   "offer, the minister said.");
  assert_null(r->article.published);
  assert_string_equal(r->article.title, "April 4, 2025: Norway says no");
  extract_result_free(r);
}

static struct extract_result *extract_published(const char *text,
                                                const char *published) {
  struct extract_result *result = NULL;
  char error[256] = "";
  const struct extract_options options = {.published = published};
  if (extract_article_with_options(test_lexicon, text, strlen(text), &options,
                                   &result, error,
                                   sizeof(error)) != EXTRACT_OK) {
    fail_msg("extract_article_with_options: %s", error);
  }
  return result;
}

static void test_given_published_date_wins(void **state) {
  (void)state;
  const char *undated = "MONTERREY (AP) \xE2\x80\x94 Mexico rejected the offer "
                        "on "
                        "Friday, the foreign minister said.";
  struct extract_result *r = extract_published(undated, "2025-03-10");
  assert_string_equal(r->article.published, "2025-03-10");
  assert_string_equal(claim_of(r, "Mexico")->stated_on, "2025-03-07");
  extract_result_free(r);
  /* Over the text's own date too. */
  r = extract_published(" date 2024-01-01\n\nMexico rejected the offer on "
                        "Friday, the foreign minister said.",
                        "2025-03-10");
  assert_string_equal(r->article.published, "2025-03-10");
  extract_result_free(r);
  /* An invalid date is ignored; no options is the text alone. */
  r = extract_published(undated, "2025-02-29");
  assert_null(r->article.published);
  extract_result_free(r);
  r = NULL;
  char error[64];
  assert_int_equal(extract_article_with_options(test_lexicon, undated,
                                                strlen(undated), NULL, &r,
                                                error, sizeof(error)),
                   EXTRACT_OK);
  assert_null(r->article.published);
  extract_result_free(r);
}

static void test_abbreviated_month_with_its_period(void **state) {
  (void)state;
  struct extract_result *r =
      extract_published("Norway rejected the offer on Sept. 28, the foreign "
                        "minister said.\n\nNorway rejected the plan on Oct 1, "
                        "the foreign minister said.",
                        "2025-10-02");
  assert_string_equal(claim_of(r, "offer")->stated_on, "2025-09-28");
  assert_string_equal(claim_of(r, "plan")->stated_on, "2025-10-01");
  extract_result_free(r);
}

static void test_date_valid(void **state) {
  (void)state;
  assert_true(extract_date_valid("2024-02-29"));
  assert_true(extract_date_valid("2025-12-31"));
  assert_false(extract_date_valid("2025-02-29"));
  assert_false(extract_date_valid("2025-04-31"));
  assert_false(extract_date_valid("2025-13-01"));
  assert_false(extract_date_valid("2025-1-01"));
  assert_false(extract_date_valid("25-01-01xx"));
  assert_false(extract_date_valid(NULL));
}

/* A long line without a full stop inside the body is prose cut short, not
   a section heading; a short one is a heading. */
static void test_long_unfinished_line_is_prose(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks in Geneva\n\nThe talks resumed on Monday in Geneva.\n\nWhat "
      "comes next\n\nHowever, Polish Prime Minister Jan Novak said Poland "
      "was far from a deal on the border and would keep pressing the others "
      "on the matter and\n");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Poland");
  assert_null(claim_with(r, "What comes next"));
  extract_result_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_acronym_without_dots_ends_a_sentence),
      cmocka_unit_test(test_long_unfinished_line_is_prose),
      cmocka_unit_test(test_dotted_abbreviations_run_on_before_names),
      cmocka_unit_test(test_wire_datelines),
      cmocka_unit_test(test_prose_is_no_dateline),
      cmocka_unit_test(test_dateline_day_gives_the_date_with_a_year),
      cmocka_unit_test(test_header_date_line),
      cmocka_unit_test(test_given_published_date_wins),
      cmocka_unit_test(test_abbreviated_month_with_its_period),
      cmocka_unit_test(test_date_valid),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
