/* Storing extracted articles: the article (new, unchanged, or a new version
 * of one stored), its parties, claims and issue links; and the issue
 * catalogue the extractor reads from the database.
 *
 * Every function here runs inside the caller's transaction (db_transaction,
 * whose retries may run it again) and returns DB_OK or a negative
 * db_status. Jansson: store_claims_evidence borrows the array it is given
 * and sets members of its objects; nothing else here takes JSON. */
#ifndef PARLEY_DB_STORE_H
#define PARLEY_DB_STORE_H

#include "db/pool.h"
#include "extract/extract.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Metadata given by the client instead of what the extractor found; NULL
   keeps the extracted value. `published` is YYYY-MM-DD. */
struct store_overrides {
  const char *url;
  const char *title;
  const char *published;
};

struct store_outcome {
  bool unchanged;      /* the same bytes were stored: nothing written */
  bool replaced;       /* an earlier version was replaced */
  char article_id[24]; /* the stored article */
};

/* The most claims one article may yield to be stored (a news article has
   tens, a long transcript a few thousand): storing and answering them must
   fit well within a statement timeout and a response of a few megabytes. */
#define STORE_MAX_CLAIMS_PER_ARTICLE 5000

/* True when the extraction yields at most STORE_MAX_CLAIMS_PER_ARTICLE
   claims; else false, with the reason (the count, the limit, and to split
   the article) in `message`. */
bool store_claims_within_limit(const struct extract_result *result,
                               char *message, size_t size);

/* Stores one article extracted from bytes[0..length):
   - the same sha256 stored already (or kept as a replaced version): nothing
     is written and outcome->unchanged is set;
   - an earlier version stored (same url, or same title and published
     date): it is replaced: its old hash goes to article_versions, its text
     and metadata are updated, and its extracted claims brought up to the
     new text as store_reextract does (manual claims stay; their offsets are
     cleared when they fall outside the new text; a tombstone stays while
     the new text has the same bytes at its span);
   - otherwise the article is inserted.
   Then the parties are created where no party has their slug yet (an
   existing party is reused as it is), and the claims inserted with origin
   'extracted' and their links to the issues that exist. A title taken
   from the text is cut to 500 characters at a character boundary.
   `overrides` may be NULL. The caller checks store_claims_within_limit
   first. */
int store_article(struct db_conn *conn, const struct extract_result *result,
                  const char *bytes, size_t length,
                  const struct store_overrides *overrides,
                  struct store_outcome *outcome);

/* Adds to the claim records of an article (as GET /claims/{id} gives them)
   what the extractor saw, which those records leave out: "cue" ({word,
   start, end} or null), and "cameo" and "confidence" where stored. */
int store_claims_evidence(struct db_conn *conn, const char *article_id,
                          json_t *claims);

/* The database's issue catalogue as the extractor takes it: slug, parent
   and keywords (a keyword stored with a leading '~' is weak). The strings
   live in `storage`; release with store_catalogue_release. */
struct store_catalogue {
  struct extract_issue_definition *issues;
  size_t count;
  struct extract_issue_keyword *keywords;
  void *storage;
};

int store_issue_catalogue(struct db_conn *conn,
                          struct store_catalogue *catalogue);
void store_catalogue_release(struct store_catalogue *catalogue);

/* Builds the embedded lexicon with the database's issue catalogue and its
   parties added to the gazetteer (extract_lexicon_add_parties). The
   caller owns the result (extract_lexicon_free). Returns DB_OK, a failure
   of the database, or DB_HARD_ERROR with a message in `error` when the
   lexicon cannot be built. */
int store_lexicon_build(struct db_conn *conn, struct extract_lexicon **lexicon,
                        char *error, size_t error_size);

/* A lexicon shared by the threads of a server, rebuilt when the database's
   catalogue or parties change (a keyword added with PATCH /issues/{slug},
   a party created with POST /parties, are used by the next load). A handle
   keeps its lexicon alive until released, also after a newer one has replaced
   it. */
struct store_lexicon;

/* Gives the current shared lexicon (checking the catalogue's version on
   `conn`, outside any transaction or inside one). Returns DB_OK with
   *handle set, or a failure (with a message in `error`). */
int store_lexicon_acquire(struct db_conn *conn, struct store_lexicon **handle,
                          char *error, size_t error_size);
const struct extract_lexicon *
store_lexicon_get(const struct store_lexicon *handle);
void store_lexicon_release(struct store_lexicon *handle);

/* Re-extraction of a stored article: `result` is the extraction of its
   stored text. Creates the parties it names where missing, then brings the
   article's extracted claims (origin 'extracted') to those of `result`: a
   stored claim with the span (start, end) and party of a new one is that
   claim, kept with its id and updated in place (speaker, stance, issues,
   confidence, ...); the others are deleted, and the new ones without a
   stored match inserted. Nothing is written when they are the same already
   (*changed false). Claims made or edited through the API ('manual') are
   kept, and a new claim is left out when such a claim covers its span or a
   person deleted a claim there (a tombstone, migration 013). Deletions
   made here leave no tombstone. */
int store_reextract(struct db_conn *conn, const char *article_id,
                    const struct extract_result *result, bool *changed);

#endif
