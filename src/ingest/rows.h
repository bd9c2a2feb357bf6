/* The extraction result written out: one field spec, two views (the
 * dry-run JSON and the rows db/store.h takes). Private to src/ingest/. */
#ifndef PARLEY_INGEST_ROWS_H
#define PARLEY_INGEST_ROWS_H

#include "db/store.h"
#include "extract/extract.h"
#include "ingest/ingest.h"

#include <jansson.h>

/* The two views of the one field spec (rows.c). */
enum rows_view {
  /* `parley load --dry-run --json`: names as found, the cue as an object;
     the scorer reads it: member names never change. */
  ROWS_VIEW_DRY_RUN,
  /* The parameters of db_store_parties_insert and db_store_claims_insert:
     parties and speakers by slug, names in NFC, the cue in three columns;
     a party without a slug, and a claim with no party to attribute it to,
     are left out. */
  ROWS_VIEW_STORE,
};

/* The parties, and the claims, of `result` in `view`: new references, NULL
   when out of memory. */
json_t *rows_parties(const struct extract_result *result, enum rows_view view);
json_t *rows_claims(const struct extract_result *result, enum rows_view view);

/* The article as stored: the extracted metadata with the overrides, a
   title taken from the text cut to what a client may give. `row` points
   into the members below, the result and the overrides; release with
   rows_article_release. Returns false when out of memory. */
struct rows_article {
  struct store_article_row row;
  char *text;    /* bytes with a NUL */
  char *authors; /* JSON text */
  char *title;   /* a cut title, or NULL */
};

bool rows_article(const struct extract_result *result, const char *bytes,
                  size_t length, const struct ingest_overrides *overrides,
                  struct rows_article *article);
void rows_article_release(struct rows_article *article);

#endif
