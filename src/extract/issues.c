/* Finds the catalogue's issue keywords among a claim's tokens. */
#include "extract/issues.h"

#include <string.h>

/* Marks in found_issues the issues of the keywords of map in tokens
   [first, last), longest match first, left to right. Returns how many
   keyword occurrences were found. */
static size_t scan(const struct lexicon_map *map, int max_tokens,
                   const struct token_list *tokens, size_t first, size_t last,
                   size_t issue_count, unsigned char *found_issues) {
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
    found_issues[issue] = 1;
    found++;
    i += matched - 1;
  }
  return found;
}

static size_t catalogue_size(const struct extract_lexicon *lexicon) {
  return lexicon->issue_count < ISSUES_MAX ? lexicon->issue_count : ISSUES_MAX;
}

void issues_article_topics(const struct extract_lexicon *lexicon,
                           const struct token_list *tokens, size_t first,
                           size_t last, struct issue_topics *topics) {
  memset(topics->named, 0, sizeof(topics->named));
  scan(lexicon->issue_keywords[0], lexicon->issue_keyword_max_tokens[0], tokens,
       first, last, catalogue_size(lexicon), topics->named);
}

size_t issues_detect_in_article(const struct extract_lexicon *lexicon,
                                const struct token_list *tokens,
                                const struct issue_topics *topics, size_t first,
                                size_t last, size_t *out, size_t out_size,
                                struct issue_evidence *evidence) {
  struct issue_evidence unused;
  if (evidence == NULL) {
    evidence = &unused;
  }
  memset(evidence, 0, sizeof(*evidence));
  size_t issue_count = catalogue_size(lexicon);
  unsigned char seen[ISSUES_MAX];
  memset(seen, 0, issue_count);
  size_t strong_hits =
      scan(lexicon->issue_keywords[0], lexicon->issue_keyword_max_tokens[0],
           tokens, first, last, issue_count, seen);
  evidence->hits = strong_hits;
  if (strong_hits == 0) {
    unsigned char weak[ISSUES_MAX];
    memset(weak, 0, issue_count);
    size_t weak_hits =
        scan(lexicon->issue_keywords[1], lexicon->issue_keyword_max_tokens[1],
             tokens, first, last, issue_count, weak);
    evidence->generic_only = weak_hits > 0;
    /* An ambiguous word names an issue only where the article is about it:
       "the plant" is the nuclear plant in an article naming the nuclear
       plant, "the talks" the peace talks in one about a peace deal. Beside a
       strong keyword it only sets the scene ("the talks on the ceasefire"),
       so it counts only alone. */
    for (size_t i = 0; i < issue_count; i++) {
      if (weak[i] && (topics == NULL || topics->named[i])) {
        seen[i] = 1;
        evidence->hits++;
        evidence->weak = 1;
      }
    }
  }
  size_t count = 0;
  for (size_t i = 0; i < issue_count && count < out_size; i++) {
    if (seen[i]) {
      out[count++] = i;
    }
  }
  return count;
}

size_t issues_detect(const struct extract_lexicon *lexicon,
                     const struct token_list *tokens, size_t first, size_t last,
                     size_t *out, size_t out_size) {
  return issues_detect_in_article(lexicon, tokens, NULL, first, last, out,
                                  out_size, NULL);
}
