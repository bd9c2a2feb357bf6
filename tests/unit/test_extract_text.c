/* Unit tests of text.c: validation, normalisation offsets, metadata. */
#include "extract_test_util.h"

#include "extract/text.h"

static void test_rejects_empty_and_blank(void **state) {
  (void)state;
  char error[128];
  assert_int_equal(text_validate("", 0, error, sizeof(error)),
                   EXTRACT_ERROR_EMPTY);
  assert_int_equal(text_validate(" \n\t\r\n", 5, error, sizeof(error)),
                   EXTRACT_ERROR_EMPTY);
  assert_int_equal(text_validate("\xEF\xBB\xBF  ", 5, error, sizeof(error)),
                   EXTRACT_ERROR_EMPTY);
  assert_string_equal(error, "empty input");
}

static void test_rejects_nul_with_offset(void **state) {
  (void)state;
  char error[128];
  assert_int_equal(text_validate("abc\0def", 7, error, sizeof(error)),
                   EXTRACT_ERROR_BINARY);
  assert_non_null(strstr(error, "offset 3"));
}

static void test_rejects_invalid_utf8_with_offset(void **state) {
  (void)state;
  char error[128];
  /* A lone continuation byte at 5, then an overlong encoding. */
  assert_int_equal(text_validate("Kyiv \x80 x", 8, error, sizeof(error)),
                   EXTRACT_ERROR_INVALID_UTF8);
  assert_non_null(strstr(error, "byte offset 5"));
  assert_int_equal(text_validate("ab\xC0\xAF", 4, error, sizeof(error)),
                   EXTRACT_ERROR_INVALID_UTF8);
  assert_non_null(strstr(error, "byte offset 2"));
  /* Truncated sequence at the very end. */
  assert_int_equal(text_validate("ok \xE2\x80", 5, error, sizeof(error)),
                   EXTRACT_ERROR_INVALID_UTF8);
  assert_non_null(strstr(error, "byte offset 3"));
  assert_int_equal(text_validate("Zelensky “yes”", strlen("Zelensky “yes”"),
                                 error, sizeof(error)),
                   EXTRACT_OK);
}

static void test_extract_article_reports_errors(void **state) {
  (void)state;
  struct extract_result *result = (void *)1;
  char error[128];
  assert_int_equal(
      extract_article(test_lexicon, "x\xFFy", 3, &result, error, sizeof(error)),
      EXTRACT_ERROR_INVALID_UTF8);
  assert_null(result);
  assert_non_null(strstr(error, "byte offset 1"));
}

static void test_bom_and_crlf_offsets_map_back(void **state) {
  (void)state;
  const char *input = "\xEF\xBB\xBF"
                      "A line.\r\nRussia has rejected the plan.\r\n";
  struct text_doc doc;
  struct arena arena;
  arena_init(&arena, 1024);
  char error[128];
  assert_int_equal(text_doc_build(&doc, test_lexicon, &arena, input,
                                  strlen(input), error, sizeof(error)),
                   EXTRACT_OK);
  assert_int_equal(doc.length, strlen(input) - 3 - 2);
  assert_memory_equal(doc.text, "A line.\nRussia", 14);
  /* Every normalised byte maps to the same byte of the input. */
  for (size_t i = 0; i < doc.length; i++) {
    if (doc.text[i] != '\n') {
      assert_int_equal(doc.text[i], input[doc.input_offset[i]]);
    } else {
      assert_int_equal(input[doc.input_offset[i]], '\r');
    }
  }
  assert_int_equal(doc.input_offset[doc.length], strlen(input));
  assert_int_equal(doc.paragraph_count, 2);
  text_doc_free(&doc);
  arena_free(&arena);
}

static void test_claim_offsets_index_the_input_bytes(void **state) {
  (void)state;
  const char *input = "\xEF\xBB\xBF"
                      "Intro line here.\r\n\r\nRussia has rejected the "
                      "ceasefire plan.\r\n";
  struct extract_result *r = extract_text(input);
  assert_int_equal(r->claim_count, 1);
  const struct extract_claim *c = &r->claims[0];
  assert_memory_equal(input + c->start, c->text, c->end - c->start);
  assert_string_equal(c->text, "Russia has rejected the ceasefire plan.");
  extract_result_free(r);
}

static void test_metadata_lines(void **state) {
  (void)state;
  const char *input =
      " date 2025-12-29 Share current article via Email Share current "
      "article via Facebook\n\nBy Yuliia Dysa and Dan Peleschuk\n\n"
      "Kyiv — Russia has rejected the plan.\n\nLow trust\n\n"
      "Ukraine wants a ceasefire.\n\nUpdate: December 30 2025\n\n"
      "This story has been updated with new information.";
  struct extract_result *r = extract_text(input);
  assert_string_equal(r->article.published, "2025-12-29");
  assert_string_equal(r->article.updated, "2025-12-30");
  assert_string_equal(r->article.dateline, "Kyiv");
  assert_int_equal(r->article.author_count, 2);
  assert_string_equal(r->article.authors[0], "Yuliia Dysa");
  assert_string_equal(r->article.authors[1], "Dan Peleschuk");
  assert_int_equal(r->claim_count, 2);
  assert_string_equal(r->claims[0].text, "Russia has rejected the plan.");
  assert_int_equal(strlen(r->article.sha256), 64);
  extract_result_free(r);
}

static void test_datelines_and_title(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Talks stall over Donbas\n\nMOSCOW, December 2. /TASS/. Russia has "
      "rejected the proposal.");
  assert_string_equal(r->article.title, "Talks stall over Donbas");
  assert_string_equal(r->article.dateline, "Moscow");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].text, "Russia has rejected the proposal.");
  extract_result_free(r);
  r = extract_text("BERLIN (AP) — Germany has rejected the idea.");
  assert_string_equal(r->article.dateline, "Berlin");
  assert_null(r->article.title);
  extract_result_free(r);
}

static void test_captions_are_not_prose(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "Russia said it rejected talks. Photo: EPA/SOMEONE\nUkraine wants "
      "peace.");
  assert_int_equal(r->claim_count, 1);
  assert_string_equal(r->claims[0].party, "Ukraine");
  extract_result_free(r);
}

static void test_parse_date_forms(void **state) {
  (void)state;
  char out[11];
  assert_true(text_parse_date(test_lexicon, "December 29 2025", 16, out) > 0);
  assert_string_equal(out, "2025-12-29");
  assert_true(text_parse_date(test_lexicon, "29 December 2025", 16, out) > 0);
  assert_string_equal(out, "2025-12-29");
  assert_true(text_parse_date(test_lexicon, "Jan. 3, 2026", 12, out) > 0);
  assert_string_equal(out, "2026-01-03");
  assert_int_equal(text_parse_date(test_lexicon, "Smarch 3 2026", 13, out), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rejects_empty_and_blank),
      cmocka_unit_test(test_rejects_nul_with_offset),
      cmocka_unit_test(test_rejects_invalid_utf8_with_offset),
      cmocka_unit_test(test_extract_article_reports_errors),
      cmocka_unit_test(test_bom_and_crlf_offsets_map_back),
      cmocka_unit_test(test_claim_offsets_index_the_input_bytes),
      cmocka_unit_test(test_metadata_lines),
      cmocka_unit_test(test_datelines_and_title),
      cmocka_unit_test(test_captions_are_not_prose),
      cmocka_unit_test(test_parse_date_forms),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
