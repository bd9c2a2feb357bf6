/* Re-extraction in the database: the stored text of an article, and its
 * extracted claims brought up to those of a fresh extraction, ids kept
 * where span and party are unchanged, manual claims kept. Runs inside the
 * caller's transaction, which may run it again. */
#ifndef PARLEY_DB_REEXTRACT_H
#define PARLEY_DB_REEXTRACT_H

#include "db/pool.h"

#include <stdbool.h>

/* The article's text and its stored published date (YYYY-MM-DD or NULL),
   one row or none, the article locked: a concurrent load of a new version
   cannot change the text under the extraction. */
PGresult *db_reextract_text_locked(struct db_conn *conn, const char *article_id,
                                   enum db_status *status);

/* Brings the article's extracted claims (origin 'extracted') to `claims`
   (rows as db_store_claims_insert takes them): a stored claim with the span
   and party of a new one is that claim, kept with its id and updated in
   place (speaker, stance, issues, confidence, ...); the others are
   deleted, and the new ones without a stored match inserted. A new claim
   is left out when a claim made or edited through the API ('manual')
   covers its span or a person deleted a claim there (a tombstone, migration
   013). Nothing is written when they are the same already (*changed
   false). Deletions made here leave no tombstone. */
int db_reextract_claims_update(struct db_conn *conn, const char *article_id,
                               const char *claims, bool *changed);

#endif
