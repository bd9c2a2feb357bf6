/* Finds the catalogue's issue keywords among a claim's tokens. */
#include "extract/issues.h"

#include <string.h>

static size_t scan(const struct lexicon_map *map, int max_tokens,
                   const struct token_list *tokens, size_t first, size_t last,
                   unsigned char *seen, size_t issue_count, size_t *hits) {
  size_t found = 0;
  if (map == NULL) {
    return 0;
  }
  for (size_t i = first; i < last; i++) {
    size_t matched = 0;
    int issue = lexicon_longest(map, max_tokens, tokens, i, last, &matched);
    if (issue < 0 || (size_t)issue >= issue_count) {
      continue;
    }
    (*hits)++;
    if (!seen[issue]) {
      seen[issue] = 1;
      found++;
    }
    i += matched - 1;
  }
  return found;
}

size_t issues_detect(const struct extract_lexicon *lexicon,
                     const struct token_list *tokens, size_t first, size_t last,
                     size_t *out, size_t out_size) {
  size_t hits = 0;
  int weak = 0;
  return issues_detect_evidence(lexicon, tokens, first, last, out, out_size,
                                &hits, &weak);
}

size_t issues_detect_evidence(const struct extract_lexicon *lexicon,
                              const struct token_list *tokens, size_t first,
                              size_t last, size_t *out, size_t out_size,
                              size_t *hits, int *weak) {
  unsigned char seen[1024];
  *hits = 0;
  *weak = 0;
  size_t issue_count =
      lexicon->issue_count < sizeof(seen) ? lexicon->issue_count : sizeof(seen);
  memset(seen, 0, issue_count);
  size_t found =
      scan(lexicon->issue_keywords[0], lexicon->issue_keyword_max_tokens[0],
           tokens, first, last, seen, issue_count, hits);
  if (found == 0) {
    *weak =
        scan(lexicon->issue_keywords[1], lexicon->issue_keyword_max_tokens[1],
             tokens, first, last, seen, issue_count, hits) > 0;
  }
  size_t count = 0;
  for (size_t i = 0; i < issue_count && count < out_size; i++) {
    if (seen[i]) {
      out[count++] = i;
    }
  }
  return count;
}
