/* Issues of a claim from the catalogue's keywords, matched as folded
   phrases on the claim's tokens (strong keywords first; weak ones only when
   no strong one matched). */
#ifndef PARLEY_EXTRACT_ISSUES_H
#define PARLEY_EXTRACT_ISSUES_H

#include <stddef.h>

#include "extract/lexicon.h"
#include "extract/tokens.h"

/* Writes the indices (into lexicon->issues) of the issues whose keywords
   occur in tokens [first, last) to out (at most out_size), in catalogue
   order. Returns how many were written. */
size_t issues_detect(const struct extract_lexicon *lexicon,
                     const struct token_list *tokens, size_t first, size_t last,
                     size_t *out, size_t out_size);

/* issues_detect, also counting the keyword occurrences found (*hits) and
   telling whether they were weak keywords only (*weak). */
size_t issues_detect_evidence(const struct extract_lexicon *lexicon,
                              const struct token_list *tokens, size_t first,
                              size_t last, size_t *out, size_t out_size,
                              size_t *hits, int *weak);

#endif
