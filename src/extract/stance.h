/* Stance of a claim (demands, proposes, rejects, accepts, threatens,
   asserts) from its cue and the clause's modal and stance words, with
   negation; and its CAMEO root code. */
#ifndef PARLEY_EXTRACT_STANCE_H
#define PARLEY_EXTRACT_STANCE_H

#include <stddef.h>

#include "attribution.h"
#include "entities.h"
#include "lexicon.h"
#include "tokens.h"

/* What decided the stance, from surest to least sure. */
enum stance_evidence {
  STANCE_FROM_CUE,    /* the cue carries it: "rejected", "demanded" */
  STANCE_NONE_FOUND,  /* no stance word at all: asserts */
  STANCE_FROM_CLAUSE, /* one stance word of the clause decided */
  STANCE_NEGATED,     /* a negated cue or stance word was flipped */
  STANCE_CONFLICTING, /* stance words of different stances competed */
};

/* The stance of claim, and what decided it (evidence may be NULL). A cue
   that carries a stance ("rejected") decides unless negated; otherwise the
   strongest stance word of the clause does (threatens > rejects > demands >
   proposes > accepts), where verbs count only when their subject is the
   claim's own side. Default: asserts. */
enum stance stance_classify_evidence(const struct extract_lexicon *lexicon,
                                     const struct token_list *tokens,
                                     const struct party_set *parties,
                                     const struct claim *claim,
                                     enum stance_evidence *evidence);

/* The CAMEO root code of a stance (from cameo.tsv). */
const char *stance_cameo(const struct extract_lexicon *lexicon,
                         enum stance stance);

#endif
