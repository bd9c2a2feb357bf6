/* When a claim was stated: the article's date, or the day the text gives
   ("on Sunday": the last Sunday up to the article's date; "on November 30";
   "yesterday"). */
#ifndef PARLEY_EXTRACT_DATES_H
#define PARLEY_EXTRACT_DATES_H

#include <stddef.h>

#include "lexicon.h"
#include "tokens.h"

/* Writes YYYY-MM-DD to out, or "" when unknown. published is the article's
   date (YYYY-MM-DD) or NULL. Reads tokens [first, last) outside quotations;
   text is the normalised text the tokens point into. */
void dates_stated_on(const struct extract_lexicon *lexicon, const char *text,
                     const struct token_list *tokens, size_t first, size_t last,
                     const char *published, char out[11]);

/* Day of the week of a date (0 = Sunday), for tests too. */
int dates_weekday(int year, int month, int day);

#endif
