/* How sure the loader is of one claim: a score in 0..1 from features of how
   it was found. It is the product of three estimates, each a probability
   that one part of the claim is right: the attribution (who says it), the
   stance, and the issues. The weights are priors set from how each way of
   finding a claim fails (they are not fitted to the development corpus, too
   small to fit anything); bench/confidence.py reports whether they rank:
   the top half of the claims by confidence should be more precise than the
   bottom half. */
#ifndef PARLEY_EXTRACT_CONFIDENCE_H
#define PARLEY_EXTRACT_CONFIDENCE_H

#include <stddef.h>

#include "attribution.h"
#include "lexicon.h"
#include "stance.h"

struct confidence_features {
  enum claim_speaker_kind speaker_kind;
  int cue_kind;           /* an enum lexicon_cue_kind, or -1 without a cue */
  size_t cue_distance;    /* tokens between the speaker phrase and the cue */
  int quote;              /* a direct quotation */
  int passive;            /* "dismissed by X" */
  unsigned resolved_back; /* pronoun/continued: sentences back to the name */
  int hedged; /* "reportedly", "allegedly", "sources" outside quotations */
  enum stance_evidence stance_evidence;
  size_t issue_count;
  int issues_inherited; /* taken from the previous claim */
  int issues_weak;      /* only weak keywords matched */
  size_t words;         /* words of the evidence span */
};

/* The features of claim (its tokens, cue and speaker in tokens). */
void confidence_features_of(const struct extract_lexicon *lexicon,
                            const struct token_list *tokens,
                            const struct claim *claim,
                            struct confidence_features *features);

/* The score, in [0.05, 0.99], rounded to three decimals. */
double confidence_score(const struct confidence_features *features);

#endif
