/* Ingest: the one path from an article's bytes to its stored claims. It
 * takes the lexicon (a server's shared one, rebuilt when the catalogue
 * changes), runs extract_article, maps the result to the rows db/store.h
 * writes in one transaction, and builds the {article, parties, claims}
 * answer; the same for a stored article extracted again. The HTTP handlers
 * (api/) and the command line (cli/) call it; they bring the database
 * connection and say what a failure means to their user.
 *
 * Jansson: `answer` is a new reference owned by its job until the caller
 * takes it (and sets the member to NULL); ingest_result_json returns a new
 * reference. */
#ifndef PARLEY_INGEST_INGEST_H
#define PARLEY_INGEST_INGEST_H

#include "db/pool.h"
#include "db/store.h"
#include "extract/extract.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The most claims one article may yield to be stored (a news article has
   tens, a long transcript a few thousand): storing and answering them must
   fit well within a statement timeout and a response of a few megabytes. */
#define INGEST_MAX_CLAIMS_PER_ARTICLE 5000

/* What ingest_load and ingest_reextract return besides DB_OK, DB_NOT_FOUND
   (no such article to re-extract), a negative db_status and the codes of
   the caller's runner and hooks, which must stay below 16 (the API's
   api_outcome values, api/outcome.h, do). */
enum ingest_outcome {
  INGEST_ROLLED_BACK = 16, /* a dry run: stored, answered, rolled back */
  INGEST_REJECTED,         /* the extraction refused the text */
  INGEST_TOO_MANY_CLAIMS,  /* over INGEST_MAX_CLAIMS_PER_ARTICLE */
};

/* How the caller reaches the database. `run` runs `body` on a connection,
   in a transaction when `transaction` is true, and returns its outcome or
   a failure (the API's api_with_connection; the command line's session).
   `before` and `after` are optional; they run inside the store's
   transaction, before the store and after the answer is built (the API's
   Idempotency-Key is claimed before, and the answer kept after, in the
   same transaction). A code other than DB_OK from either ends the
   transaction, rolled back, and is returned as it is. */
struct ingest_runner {
  int (*run)(void *context, db_transaction_body *body, void *closure,
             bool transaction);
  int (*before)(struct db_conn *conn, void *context);
  int (*after)(struct db_conn *conn, void *context, const char *article_id,
               bool created, const json_t *answer);
  void *context;
};

/* Metadata given by the client instead of what the extractor finds; NULL
   keeps the extracted value. `published` (YYYY-MM-DD) also dates the
   claims' stated_on. */
struct ingest_overrides {
  const char *url;
  const char *title;
  const char *published;
};

/* One article to load. The caller sets the first members; ingest sets the
   rest and ingest_load_end releases them. */
struct ingest_load {
  const char *bytes; /* the article as given; need not end with a NUL */
  size_t length;
  struct ingest_overrides overrides;
  bool dry_run;       /* stored, answered without ids, then rolled back */
  bool answer_wanted; /* build `answer` (the command line needs none) */
  /* The lexicon to extract with; NULL: the shared one (ingest_lexicon). */
  const struct extract_lexicon *lexicon;

  struct ingest_lexicon *shared; /* the shared lexicon held */
  struct extract_result *result; /* may point into the lexicon */
  int extract_status;            /* an extract_error with INGEST_REJECTED */
  char error[256];               /* what went wrong, for the user */
  struct store_outcome stored;   /* unchanged, replaced, article_id */
  json_t *answer;                /* {article, parties, claims} */
};

/* Extracts load->bytes (outside any transaction): DB_OK with load->result,
   INGEST_REJECTED (load->extract_status and load->error say why; a dry run
   refuses what a load would) or INGEST_TOO_MANY_CLAIMS (load->error). The
   command line's dry run stops here. */
int ingest_extract(struct ingest_load *load,
                   const struct extract_lexicon *lexicon);

/* Takes the lexicon (through runner->run, no transaction, when
   load->lexicon is NULL), extracts, and stores the article in one
   transaction: the same bytes stored already are left as they are
   (stored.unchanged); an earlier version (same url, or same title and
   date) is replaced, its extracted claims brought up to the new text as a
   re-extraction does; else the article is inserted with its new parties
   and claims. Returns DB_OK, INGEST_ROLLED_BACK for a dry run, what
   ingest_extract returns, or what the runner or its hooks return. */
int ingest_load(const struct ingest_runner *runner, struct ingest_load *load);
void ingest_load_end(struct ingest_load *load);

/* One stored article to extract again with the current pipeline and
   catalogue. The caller sets the first members. */
struct ingest_reextract {
  const char *article_id;
  bool answer_wanted;
  const struct extract_lexicon *lexicon; /* NULL: the shared one */

  struct ingest_lexicon *shared;
  bool changed;    /* the extracted claims were not those stored */
  char error[256]; /* an extraction's failure (with DB_HARD_ERROR) */
  json_t *answer;
};

/* Locks the article, extracts its stored text (claims dated from its
   stored date) and brings its extracted claims up to the result: a stored
   claim with the span and party of a new one keeps its id; manual claims
   stay, and a new claim is left out where a manual claim or a tombstone
   covers its span (db_reextract_claims_update). One transaction. Returns
   DB_OK (with `changed`), DB_NOT_FOUND, DB_HARD_ERROR with `error` for an
   extraction that failed, or what the runner or its hooks return. */
int ingest_reextract(const struct ingest_runner *runner,
                     struct ingest_reextract *job);
void ingest_reextract_end(struct ingest_reextract *job);

/* A load of megabytes frees tens of megabytes in small blocks that glibc
   keeps in its arenas: gives them back to the system, so that a server
   worker's resident size falls back after a big article. */
void ingest_memory_return(void);

/* The extraction result as `parley load --dry-run --json` prints it:
   {article, parties, claims} with names (not slugs). The member names are
   a contract with the scorer: never renamed. NULL when out of memory. */
json_t *ingest_result_json(const struct extract_result *result);

/* {"article", "parties", "claims"} of a stored article, as POST /articles
   answers: the claims as GET /articles/{id}/claims lists them with what the
   extractor saw (cue, cameo, confidence), and the parties they name. */
int ingest_answer(struct db_conn *conn, const char *article_id,
                  json_t **answer);

/* --- the lexicon ----------------------------------------------------------
 */

/* Builds the embedded lexicon with the database's issue catalogue and
   parties added. The caller owns the result (extract_lexicon_free).
   Returns DB_OK, a failure of the database, or DB_HARD_ERROR with a message
   in `error` when the lexicon cannot be built. */
int ingest_lexicon_build(struct db_conn *conn, struct extract_lexicon **lexicon,
                         char *error, size_t error_size);

/* A lexicon shared by the threads of a server, rebuilt when the database's
   catalogue or parties change (a keyword added with PATCH /issues/{slug},
   a party created with POST /parties, are used by the next load). A handle
   keeps its lexicon alive until released, also after a newer one has
   replaced it. */
struct ingest_lexicon;

/* Gives the current shared lexicon, checking the catalogue's version on
   `conn`. Returns DB_OK with *handle set, or a failure (with a message in
   `error`). */
int ingest_lexicon_acquire(struct db_conn *conn, struct ingest_lexicon **handle,
                           char *error, size_t error_size);
const struct extract_lexicon *
ingest_lexicon_get(const struct ingest_lexicon *handle);
void ingest_lexicon_release(struct ingest_lexicon *handle);

#endif
