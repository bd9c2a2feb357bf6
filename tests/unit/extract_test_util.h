/* Shared helpers of the extraction unit tests (header-only). */
#ifndef PARLEY_TESTS_EXTRACT_TEST_UTIL_H
#define PARLEY_TESTS_EXTRACT_TEST_UTIL_H

/* cmocka needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"

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

#endif
