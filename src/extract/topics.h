/* Issues of a claim from the catalogue's keywords, matched as folded
   phrases on the claim's tokens. A strong keyword names its issue wherever it
   occurs; a weak one is ambiguous ("the talks", "the plant") and counts only
   in an article that names the same issue with a strong keyword, and only in
   a claim with no strong keyword of its own.

   A keyword may also be a pattern (the same text in the TSV and in the
   database, where users edit keywords through the API):
     "stop|halt|pause"     alternatives: any one of the phrases;
     "A near/N B"          A and B (each a phrase or alternatives) in either
                           order with at most N words between them and no
                           punctuation but quotation marks;
     "@party"              (a word of a phrase) a mention of a party or person
                           or a role ("counterpart"), after at most two
                           determiners or possessives: "meet @party" matches
                           "meet Putin", "meet his Russian counterpart". */
#ifndef PARLEY_EXTRACT_TOPICS_H
#define PARLEY_EXTRACT_TOPICS_H

#include <stddef.h>

#include "arena.h"
#include "extract/extract.h"
#include "lexicon.h"
#include "tokens.h"

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
  /* The claim points back at a matter it does not name ("this plan", "that
     effort", "avoid this"): it is about what was said just before. */
  int refers_back;
};

/* True when a keyword is written as a pattern (see above). */
int topics_keyword_is_pattern(const char *keyword);

/* Compiles the pattern keywords of the catalogue into arena; *patterns is
   NULL when there are none. Returns 0, or -1 with a message in error. */
struct issue_patterns;
int topics_patterns_compile(struct arena *arena,
                            const struct extract_issue_definition *issues,
                            size_t issue_count,
                            struct issue_patterns **patterns, char *error,
                            size_t error_size);

/* Where the article's parties are, for "@party": a token covered by a
   mention of a party or person, or starting a role ("counterpart"). parties
   may be NULL (no party is known). */
struct party_set;
struct issue_context {
  const struct party_set *parties;
};

/* Marks in *topics the issues whose strong keywords occur in tokens
   [first, last) (the whole article). */
void topics_of_article(const struct extract_lexicon *lexicon,
                       const struct token_list *tokens,
                       const struct issue_context *context, size_t first,
                       size_t last, struct issue_topics *topics);

/* Writes the indices (into lexicon->issues) of the issues of the claim in
   tokens [first, last) to out (at most out_size), in catalogue order, and
   returns how many were written. Weak keywords count only for the issues in
   *topics; with topics NULL, for any issue. context and evidence may be
   NULL. */
size_t topics_detect_in_article(const struct extract_lexicon *lexicon,
                                const struct token_list *tokens,
                                const struct issue_context *context,
                                const struct issue_topics *topics, size_t first,
                                size_t last, size_t *out, size_t out_size,
                                struct issue_evidence *evidence);

#endif
