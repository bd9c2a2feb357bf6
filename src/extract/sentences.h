/* Sentence boundaries: ICU's sentence breaker, then merges after the
   project's abbreviations ("U.S.", "Gen.") and inside quotations. */
#ifndef PARLEY_EXTRACT_SENTENCES_H
#define PARLEY_EXTRACT_SENTENCES_H

#include <stddef.h>

#include "lexicon.h"
#include "quotes.h"
#include "text.h"

struct sentence {
  size_t start; /* bytes of the normalised text, white space trimmed */
  size_t end;
  size_t paragraph;
};

/* Splits every body paragraph of doc into sentences. A break inside an
   outermost quotation (between its marks) is not a sentence end, so a quoted
   passage stays with its attribution. *sentences is malloc'd (caller frees).
   Returns 0, or an enum extract_error with a message. */
int sentences_split(const struct extract_lexicon *lexicon,
                    const struct text_doc *doc, const struct quote *quotes,
                    size_t quote_count, struct sentence **sentences,
                    size_t *count, char *error, size_t error_size);

#endif
