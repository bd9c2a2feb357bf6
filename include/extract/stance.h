/* Stance of a claim (demands, proposes, rejects, accepts, threatens,
   asserts) from its cue and the clause's modal and stance words, with
   negation; and its CAMEO root code. */
#ifndef PARLEY_EXTRACT_STANCE_H
#define PARLEY_EXTRACT_STANCE_H

#include <stddef.h>

#include "extract/claims.h"
#include "extract/lexicon.h"
#include "extract/parties.h"
#include "extract/tokens.h"

/* The stance of claim. A cue that carries a stance ("rejected") decides
   unless negated; otherwise the strongest stance word of the clause does
   (threatens > rejects > demands > proposes > accepts), where verbs count
   only when their subject is the claim's own side. Default: asserts. */
enum extract_stance stance_classify(const struct extract_lexicon *lexicon,
                                    const struct token_list *tokens,
                                    const struct party_set *parties,
                                    const struct claim *claim);

/* The CAMEO root code of a stance (from cameo.tsv). */
const char *stance_cameo(const struct extract_lexicon *lexicon,
                         enum extract_stance stance);

#endif
