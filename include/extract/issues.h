/* Issues of a claim from the catalogue's keywords (strong keywords first;
   weak ones only when no strong one matched). */
#ifndef PARLEY_EXTRACT_ISSUES_H
#define PARLEY_EXTRACT_ISSUES_H

#include <stddef.h>

#include "extract/lexicon.h"

/* Writes the indices (into lexicon->issues) of the issues whose keywords
   occur in text[start..end) to out (at most out_size), in catalogue order.
   match is scratch space from pcre2_match_data_create (one per thread).
   Returns how many were written. */
size_t issues_detect(const struct extract_lexicon *lexicon, const char *text,
                     size_t start, size_t end, pcre2_match_data *match,
                     size_t *out, size_t out_size);

#endif
