/* Unit tests of quotes.c: pairing, nesting, paragraphs, unbalanced marks. */
#include "extract_test_util.h"

#include "extract/quotes.h"

static size_t find_quotes(const char *input, struct quote **quotes,
                          struct text_doc *doc, struct arena *arena) {
  char error[128];
  arena_init(arena, 1024);
  assert_int_equal(text_doc_build(doc, test_lexicon, arena, input,
                                  strlen(input), error, sizeof(error)),
                   EXTRACT_OK);
  size_t count = 0;
  assert_int_equal(quotes_find(doc, quotes, &count), 0);
  return count;
}

static void release(struct quote *quotes, struct text_doc *doc,
                    struct arena *arena) {
  free(quotes);
  text_doc_free(doc);
  arena_free(arena);
}

static void test_curly_and_nested(void **state) {
  (void)state;
  struct quote *q;
  struct text_doc doc;
  struct arena arena;
  const char *input = "He said “we want ‘peace now’ today,” and left.";
  size_t n = find_quotes(input, &q, &doc, &arena);
  assert_int_equal(n, 2);
  assert_int_equal(q[0].depth, 0);
  assert_memory_equal(doc.text + q[0].inner_start, "we want", 7);
  assert_int_equal(q[1].depth, 1);
  assert_memory_equal(doc.text + q[1].inner_start, "peace now",
                      q[1].inner_end - q[1].inner_start);
  assert_true(q[0].closed);
  release(q, &doc, &arena);
}

static void test_apostrophes_are_not_quotes(void **state) {
  (void)state;
  struct quote *q;
  struct text_doc doc;
  struct arena arena;
  size_t n = find_quotes("Russia’s forces and Ukraine’s don’t meet.", &q, &doc,
                         &arena);
  assert_int_equal(n, 0);
  release(q, &doc, &arena);
}

static void test_straight_quotes_pair(void **state) {
  (void)state;
  struct quote *q;
  struct text_doc doc;
  struct arena arena;
  size_t n =
      find_quotes("She said \"no deal\" and \"no truce\".", &q, &doc, &arena);
  assert_int_equal(n, 2);
  assert_memory_equal(doc.text + q[1].inner_start, "no truce", 8);
  release(q, &doc, &arena);
}

static void test_unbalanced_mark_does_not_swallow(void **state) {
  (void)state;
  struct quote *q;
  struct text_doc doc;
  struct arena arena;
  size_t n = find_quotes("A stray “ mark here.\nRussia has rejected it.", &q,
                         &doc, &arena);
  assert_int_equal(n, 0); /* not continued by the next paragraph */
  assert_int_equal(quotes_at(q, n, 30), -1);
  release(q, &doc, &arena);
  /* And the claim after it is still found. */
  struct extract_result *r =
      extract_text("A stray “ mark here. Russia has rejected the plan.");
  assert_non_null(claim_with(r, "Russia has rejected"));
  extract_result_free(r);
}

static void test_quote_across_paragraphs(void **state) {
  (void)state;
  struct quote *q;
  struct text_doc doc;
  struct arena arena;
  size_t n = find_quotes("“First part of it.\n“Second part,” Peskov said.", &q,
                         &doc, &arena);
  assert_int_equal(n, 2);
  assert_false(q[0].closed);
  assert_true(q[0].continues);
  assert_true(q[1].closed);
  assert_true(quotes_at(q, n, 3) == 0);
  release(q, &doc, &arena);
}

static void test_closing_without_opening_is_ignored(void **state) {
  (void)state;
  struct quote *q;
  struct text_doc doc;
  struct arena arena;
  size_t n = find_quotes("no opening” here » either", &q, &doc, &arena);
  assert_int_equal(n, 0);
  release(q, &doc, &arena);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_curly_and_nested),
      cmocka_unit_test(test_apostrophes_are_not_quotes),
      cmocka_unit_test(test_straight_quotes_pair),
      cmocka_unit_test(test_unbalanced_mark_does_not_swallow),
      cmocka_unit_test(test_quote_across_paragraphs),
      cmocka_unit_test(test_closing_without_opening_is_ignored),
  };
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
