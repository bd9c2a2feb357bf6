/* Unit tests of sentences.c: ICU breaks, abbreviations, quotations. */
#include "extract_test_util.h"

#include "extract/sentences.h"

static size_t split(const char *input, struct sentence **sentences,
                    struct text_doc *doc, struct arena *arena) {
  char error[128];
  arena_init(arena, 1024);
  assert_int_equal(text_doc_build(doc, test_lexicon, arena, input,
                                  strlen(input), error, sizeof(error)),
                   EXTRACT_OK);
  struct quote *quotes = NULL;
  size_t quote_count = 0, count = 0;
  assert_int_equal(quotes_find(doc, &quotes, &quote_count), 0);
  assert_int_equal(sentences_split(test_lexicon, doc, quotes, quote_count,
                                   sentences, &count, error, sizeof(error)),
                   EXTRACT_OK);
  free(quotes);
  return count;
}

static void test_abbreviations_do_not_end_sentences(void **state) {
  (void)state;
  struct sentence *s;
  struct text_doc doc;
  struct arena arena;
  size_t n = split("U.S. President Donald Trump met Gen. Smith and Sen. Jones "
                   "today. The talks ended.",
                   &s, &doc, &arena);
  assert_int_equal(n, 2);
  assert_memory_equal(doc.text + s[1].start, "The talks ended.", 16);
  free(s);
  text_doc_free(&doc);
  arena_free(&arena);
}

static void test_acronym_at_sentence_end(void **state) {
  (void)state;
  struct sentence *s;
  struct text_doc doc;
  struct arena arena;
  size_t n = split("Kyiv wants backing from the U.S. The Kremlin disagrees.",
                   &s, &doc, &arena);
  assert_int_equal(n, 2);
  free(s);
  text_doc_free(&doc);
  arena_free(&arena);
}

static void test_quotation_stays_with_attribution(void **state) {
  (void)state;
  struct sentence *s;
  struct text_doc doc;
  struct arena arena;
  size_t n = split("“Power matters. We value help,” Zelensky wrote. Then he "
                   "left.",
                   &s, &doc, &arena);
  assert_int_equal(n, 2);
  assert_int_equal(s[0].start, 0);
  assert_memory_equal(doc.text + s[1].start, "Then he left.", 13);
  free(s);
  text_doc_free(&doc);
  arena_free(&arena);
}

static void test_paragraphs_break_sentences(void **state) {
  (void)state;
  struct sentence *s;
  struct text_doc doc;
  struct arena arena;
  size_t n = split("One without a stop\nTwo with one.", &s, &doc, &arena);
  assert_int_equal(n, 1); /* the first line is a heading, not body */
  assert_int_equal(s[0].paragraph, 0);
  free(s);
  text_doc_free(&doc);
  arena_free(&arena);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_abbreviations_do_not_end_sentences),
      cmocka_unit_test(test_acronym_at_sentence_end),
      cmocka_unit_test(test_quotation_stays_with_attribution),
      cmocka_unit_test(test_paragraphs_break_sentences),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
