/* Re-extraction: the current pipeline and the database's issue catalogue
 * run again over a stored article's text; its extracted claims are
 * brought up to date, ids kept where span and party are unchanged, manual
 * ones kept (store_reextract). Runs inside the caller's
 * transaction, which may run it again. */
#ifndef PARLEY_DB_REEXTRACT_H
#define PARLEY_DB_REEXTRACT_H

#include "db/pool.h"
#include "extract/extract.h"

#include <stdbool.h>
#include <stddef.h>

/* Locks the article, extracts its text with `lexicon` (claims dated from
   its stored `published`) and stores the
   result. DB_OK (with *changed), DB_NOT_FOUND for no such article, or a
   failure (an extraction failure is DB_HARD_ERROR with `error` set). */
int reextract_article(struct db_conn *conn,
                      const struct extract_lexicon *lexicon,
                      const char *article_id, bool *changed, char *error,
                      size_t error_size);

#endif
