/* Storing articles, parties and claims given as rows, and reading the issue
 * catalogue and the parties a lexicon is built from. The rows are the
 * ingest layer's mapping of an extraction (src/ingest/): nothing here knows
 * the extractor.
 *
 * Every function here runs inside the caller's transaction (db_transaction,
 * whose retries may run it again) and returns DB_OK or a negative
 * db_status; those returning a PGresult set *status instead, and the caller
 * PQclear()s the result. */
#ifndef PARLEY_DB_STORE_H
#define PARLEY_DB_STORE_H

#include "db/pool.h"

#include <stdbool.h>
#include <stddef.h>

/* An article as stored: every member a statement parameter (NULL for SQL
   NULL); `published` and `updated` are YYYY-MM-DD, `authors` the text of a
   JSON array of strings. */
struct store_article_row {
  const char *sha256;
  const char *title;
  const char *url;
  const char *published;
  const char *updated;
  const char *authors;
  const char *dateline;
  const char *text;
};

struct store_outcome {
  bool unchanged;      /* the same bytes were stored: nothing written */
  bool replaced;       /* an earlier version was replaced */
  char article_id[24]; /* the stored article */
};

/* Writes one article:
   - the same sha256 stored already (or kept as a replaced version): nothing
     is written and outcome->unchanged is set;
   - an earlier version stored (same url, or same title and published
     date): it is replaced (outcome->replaced): its old hash goes to
     article_versions, its text and metadata are updated, manual claims'
     offsets are cleared when they fall outside the new text, and a
     tombstone is forgotten unless the new text has the same bytes at its
     span. Its extracted claims are the caller's to bring up to the new
     text (db_reextract_claims_update);
   - otherwise the article is inserted. */
int db_store_article_write(struct db_conn *conn,
                           const struct store_article_row *row,
                           struct store_outcome *outcome);

/* Creates the parties of `parties` (the text of a JSON array of {slug,
   name, kind, aliases, affiliation (a slug), role}) whose slug no party has
   yet; an existing party is left as it is. */
int db_store_parties_insert(struct db_conn *conn, const char *parties);

/* Inserts the claims of `claims` (the text of a JSON array of {n, party,
   speaker (slugs), stance, quote, text, start_offset, end_offset,
   stated_on, cue_word, cue_start, cue_end, cameo, confidence, issues
   (slugs)}) with origin 'extracted', in the order of n, and their links to
   the issues that exist. A claim whose party is unknown or whose text
   breaks the claims' rules is left out. */
int db_store_claims_insert(struct db_conn *conn, const char *article_id,
                           const char *claims);

/* What the extractor saw of each claim of the article, which the claim
   records leave out: id, cue_word, cue_start, cue_end, cameo, confidence
   (each NULL where not stored). */
PGresult *db_store_claims_evidence(struct db_conn *conn, const char *article_id,
                                   enum db_status *status);

/* A text that changes with every create, update or delete of an issue or a
   party (a lexicon holds both), into version[size]. */
int db_store_catalogue_version(struct db_conn *conn, char *version,
                               size_t size);

/* The issue catalogue: one row per keyword (slug, parent slug, keyword; an
   issue without keywords has one row, keyword NULL), parents before their
   children, keywords in their order. */
PGresult *db_store_catalogue_rows(struct db_conn *conn, enum db_status *status);

/* The parties: one row per alias (slug, name, kind, affiliation's name,
   role, alias; a party without aliases has one row, alias NULL), a party's
   rows together. */
PGresult *db_store_party_rows(struct db_conn *conn, enum db_status *status);

#endif
