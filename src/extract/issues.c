/* Matches the issue catalogue's keyword patterns in a claim's text. */
#include "extract/issues.h"

static int occurs(pcre2_code *pattern, const char *text, size_t start,
                  size_t end, pcre2_match_data *match) {
  if (pattern == NULL) {
    return 0;
  }
  return pcre2_match(pattern, (PCRE2_SPTR)text + start, end - start, 0,
                     PCRE2_NO_UTF_CHECK, match, NULL) >= 0;
}

size_t issues_detect(const struct extract_lexicon *lexicon, const char *text,
                     size_t start, size_t end, pcre2_match_data *match,
                     size_t *out, size_t out_size) {
  size_t count = 0;
  for (size_t i = 0; i < lexicon->issue_count && count < out_size; i++) {
    if (occurs(lexicon->issues[i].strong, text, start, end, match)) {
      out[count++] = i;
    }
  }
  if (count > 0) {
    return count;
  }
  for (size_t i = 0; i < lexicon->issue_count && count < out_size; i++) {
    if (occurs(lexicon->issues[i].weak, text, start, end, match)) {
      out[count++] = i;
    }
  }
  return count;
}
