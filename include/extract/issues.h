/* Issues of a claim from the catalogue's keywords, matched as folded
   phrases on the claim's tokens. A strong keyword names its issue wherever it
   occurs; a weak one is ambiguous ("the talks", "the plant") and counts only
   in an article that names the same issue with a strong keyword, and only in
   a claim with no strong keyword of its own. */
#ifndef PARLEY_EXTRACT_ISSUES_H
#define PARLEY_EXTRACT_ISSUES_H

#include <stddef.h>

#include "extract/lexicon.h"
#include "extract/tokens.h"

/* Issues beyond this index are never detected. */
#define ISSUES_MAX 1024

/* The issues an article names with a strong keyword somewhere. */
struct issue_topics {
  unsigned char named[ISSUES_MAX];
};

/* What the keywords of one claim showed. */
struct issue_evidence {
  size_t hits; /* strong keyword occurrences, or weak issues that counted */
  int weak;    /* the issues come from weak keywords only */
  /* No strong keyword, but a weak one (a generic phrase such as "the plan"
     or "the talks", whatever the article's topics): the claim talks about a
     matter it does not name, so it may refer back to the previous claim's. */
  int generic_only;
};

/* Marks in *topics the issues whose strong keywords occur in tokens
   [first, last) (the whole article). */
void issues_article_topics(const struct extract_lexicon *lexicon,
                           const struct token_list *tokens, size_t first,
                           size_t last, struct issue_topics *topics);

/* Writes the indices (into lexicon->issues) of the issues of the claim in
   tokens [first, last) to out (at most out_size), in catalogue order, and
   returns how many were written. Weak keywords count only for the issues in
   *topics; with topics NULL, for any issue. evidence may be NULL. */
size_t issues_detect_in_article(const struct extract_lexicon *lexicon,
                                const struct token_list *tokens,
                                const struct issue_topics *topics, size_t first,
                                size_t last, size_t *out, size_t out_size,
                                struct issue_evidence *evidence);

/* issues_detect_in_article on a text taken alone: weak keywords count for
   any issue (when no strong one matched). */
size_t issues_detect(const struct extract_lexicon *lexicon,
                     const struct token_list *tokens, size_t first, size_t last,
                     size_t *out, size_t out_size);

#endif
