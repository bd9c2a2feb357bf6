/* Shared helpers of the extraction unit tests (header-only). */
#ifndef PARLEY_TESTS_EXTRACT_TEST_UTIL_H
#define PARLEY_TESTS_EXTRACT_TEST_UTIL_H

/* cmocka needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "ingest/ingest.h"

static struct extract_lexicon *test_lexicon;

__attribute__((unused)) static int lexicon_setup(void **state) {
  (void)state;
  char error[256];
  test_lexicon = extract_lexicon_load_embedded(error, sizeof(error));
  if (test_lexicon == NULL) {
    fprintf(stderr, "lexicon: %s\n", error);
    return -1;
  }
  return 0;
}

__attribute__((unused)) static int lexicon_teardown(void **state) {
  (void)state;
  extract_lexicon_free(test_lexicon);
  test_lexicon = NULL;
  return 0;
}

/* Extracts text, failing the test on error. */
__attribute__((unused)) static struct extract_result *
extract_text(const char *text) {
  struct extract_result *result = NULL;
  char error[256] = "";
  int status = extract_article(test_lexicon, text, strlen(text), &result, error,
                               sizeof(error));
  if (status != EXTRACT_OK) {
    fail_msg("extract_article: %s", error);
  }
  return result;
}

/* The stance of the one claim of text, failing the test if there is not
   exactly one. */
__attribute__((unused)) static enum stance stance_of(const char *text) {
  struct extract_result *r = extract_text(text);
  if (r->claim_count != 1) {
    fail_msg("%zu claims in: %s", r->claim_count, text);
  }
  enum stance stance = r->claims[0].stance;
  extract_result_free(r);
  return stance;
}

/* The claim whose text contains needle, or NULL. */
__attribute__((unused)) static const struct extract_claim *
claim_with(const struct extract_result *r, const char *needle) {
  for (size_t i = 0; i < r->claim_count; i++) {
    if (strstr(r->claims[i].text, needle) != NULL) {
      return &r->claims[i];
    }
  }
  return NULL;
}

__attribute__((unused)) static const struct extract_party *
party_named(const struct extract_result *r, const char *name) {
  for (size_t i = 0; i < r->party_count; i++) {
    if (strcmp(r->parties[i].name, name) == 0) {
      return &r->parties[i];
    }
  }
  return NULL;
}

__attribute__((unused)) static int has_issue(const struct extract_claim *claim,
                                             const char *slug) {
  for (size_t i = 0; i < claim->issue_count; i++) {
    if (strcmp(claim->issues[i], slug) == 0) {
      return 1;
    }
  }
  return 0;
}

/* The dry-run JSON of a result, dumped by Jansson in both layouts the
   loader prints, reads back to an equal value (escapes, non-ASCII text). */
__attribute__((unused)) static void
check_json_round_trip(const struct extract_result *r) {
  json_t *json = ingest_result_json(r);
  assert_non_null(json);
  static const size_t layouts[] = {JSON_COMPACT, JSON_INDENT(2)};
  for (size_t k = 0; k < 2; k++) {
    char *text = json_dumps(json, layouts[k]);
    assert_non_null(text);
    json_error_t error;
    json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, &error);
    assert_non_null(back);
    assert_true(json_equal(back, json));
    json_decref(back);
    free(text);
  }
  json_decref(json);
}

#endif
