/* Generic handlers for the four record resources: read, list, create, merge
 * patch and delete, each parametrised by a resource descriptor. The
 * per-resource files supply the descriptor and thin route handlers. */
#ifndef PARLEY_API_RESOURCE_H
#define PARLEY_API_RESOURCE_H

#include "api/fields.h"
#include "api/outcome.h"
#include "db/pool.h"
#include "db/records.h"
#include "http/request.h"

#include <jansson.h>

enum resource_key { KEY_SLUG, KEY_ID };

/* A resource's CSV form (docs/DESIGN.md): its lists answer a page as CSV
   for Accept: text/csv, and the whole list as one download for
   ?format=csv (&bom=true), with these columns of its records in this
   order. */
struct resource_csv {
  const char *const *columns;
  size_t column_count;
  const char *file_name; /* the download's, without ".csv" */
};

struct resource {
  const char *name;      /* "party", for messages */
  const char *path;      /* "/parties", for Location and Link */
  enum resource_key key; /* how records are addressed */
  enum problem not_found;
  const struct field *fields;
  size_t field_count;
  const struct list_spec *list;
  const struct query_param *list_params; /* limit, cursor, sort, filters */
  size_t list_param_count;
  const struct resource_csv *csv; /* NULL: JSON only */

  int (*fetch)(struct db_conn *conn, const char *key, bool lock,
               json_t **record);
  /* The unlocked fetch as data, for reads on the asynchronous reader. */
  const struct record_read *read;
  /* Inserts; writes the new record's key to `key` (slug or id). */
  int (*insert)(struct db_conn *conn, const char *const *values, char *key,
                size_t key_size);
  int (*update)(struct db_conn *conn, const char *key,
                const char *const *values);
  int (*remove)(struct db_conn *conn, const char *key);
  /* Checks the references of a complete body inside the write transaction:
     DB_OK when all are sound; DB_NOT_FOUND when one is unknown or invalid,
     with the reason appended to errors (422); a negative db_status when the
     database could not be asked (503, or 500 for our bug, never 422). */
  int (*references_valid)(struct db_conn *conn, const json_t *body,
                          const char *own_key, json_t *errors);
};

/* The four record resources (src/api/parties.c, issues.c, claims.c,
   articles.c); their specs are also what the request fuzzer checks. */
extern const struct resource party_resource;
extern const struct resource issue_resource;
extern const struct resource claim_resource;
extern const struct resource article_resource;

/* The shared database pool, set once at start-up. */
void api_set_pool(struct db_pool *pool);
/* Reads (GET and HEAD requests) go here when set. */
void api_set_read_pool(struct db_pool *pool);
/* Single-record reads go to the asynchronous reader when set. */
struct db_async;
void api_set_reader(struct db_async *reader);

/* Parses the request's query (request_parse_query); false once the problem
   is answered (400). */
bool api_query(struct request *request, const struct query_param *params,
               size_t count, struct query_value *values);

/* Runs `body` with a pooled connection: in one transaction when
   `transaction`, else as it is; retries once on a connection found broken.
   Returns the body's outcome (api/outcome.h). A negative db_status is the
   one outcome answered here (api_answer_failure; 503 when the database is
   unreachable); the caller answers the others. */
int api_with_connection(struct request *request, db_transaction_body *body,
                        void *closure, bool transaction);

/* Maps a failed database outcome to a problem response. `deleting` makes a
   foreign-key violation a 409 (still referenced) instead of a 422. */
void api_answer_failure(struct request *request, struct db_conn *conn,
                        int outcome, bool deleting);
/* The same from a failure's details (the reader's callbacks have no
   connection). */
void api_answer_database_error(struct request *request, int outcome,
                               const struct db_error *error, bool deleting);

void resource_read(struct request *request, const struct resource *resource);
void resource_list(struct request *request, const struct resource *resource);
void resource_create(struct request *request, const struct resource *resource);
void resource_patch(struct request *request, const struct resource *resource);
void resource_delete(struct request *request, const struct resource *resource);

/* A list of claims restricted by a path record, e.g. /parties/{slug}/claims:
   `exists` (one row when the record whose key is its $1 exists) checks the
   path record, in the same snapshot as the page (404 `not_found` when
   absent), and the claims filter `filter_index` gets its key. Answered as
   resource_list answers claim_resource's list. */
void resource_claims_of(struct request *request,
                        const struct query_param *params, size_t param_count,
                        enum resource_key key_kind,
                        const struct db_statement *exists,
                        enum problem not_found, int filter_index);

/* The weak ETag of a list or matrix answer (GET /claims, /parties, ...,
   /positions, /shifts): W/"v<data version>-<hash>", the hash of the path,
   the parsed query (each parameter given, in the table's order, integers
   and booleans as numbers) and the Accept header, so that it differs with
   the filters, cursor, limit and representation. It is made before the
   data is read: a matching If-None-Match is answered 304 without reading
   it. */
#define RESOURCE_ETAG_SIZE 64
struct resource_etag {
  const struct query_param *params; /* borrowed */
  const struct query_value *values;
  size_t count;
  char value[RESOURCE_ETAG_SIZE]; /* the quoted tag, or "" */
  char version[24];               /* the data version read */
  bool not_modified;              /* If-None-Match names it */
};

void resource_etag_begin(struct resource_etag *etag,
                         const struct query_param *params,
                         const struct query_value *values, size_t count);
/* Reads the data version on `conn` (first, before the data) and makes the
   ETag; sets not_modified when the request's If-None-Match lists it. */
int resource_etag_check(struct request *request, struct db_conn *conn,
                        struct resource_etag *etag);
/* Makes the ETag from etag->version, read already (before the data), and
   sets not_modified as resource_etag_check does. */
void resource_etag_settle(struct request *request, struct resource_etag *etag);
/* Answers 304 with the ETag, no body. */
void resource_etag_not_modified(struct request *request,
                                const struct resource_etag *etag);
/* Adds the ETag header to the answer already set (a 200). */
void resource_etag_add(struct request *request,
                       const struct resource_etag *etag);

/* A page of a keyset-paginated list (records, claims, shifts) being read
   and answered: its query's ETag, then its items and the next page's
   cursor (NULL on the last page), both owned. */
struct resource_page {
  struct resource_etag etag;
  json_t *items;
  char *next;
};

/* Reads a page in the list's transaction: *items and *next as db_list_run
   gives them. */
typedef int resource_page_reader(struct db_conn *conn, void *closure,
                                 json_t **items, char **next);

/* The body of every list's transaction: releases what an earlier try
   read, reads the data version for the ETag first (and stops there when
   the client has it: etag.not_modified), then the page with `read`. A
   database error casting the position of a cursor the client sent
   (`has_cursor`; a forged date) is API_BAD_CURSOR. */
int resource_page_read(struct db_conn *conn, struct request *request,
                       struct resource_page *page, bool has_cursor,
                       resource_page_reader *read, void *closure);

/* Answers a page as JSON, the one rendering of every list: 200 with the
   body {"items", "next", "next_url"} (the cursor and the next page's URL,
   both null on the last page), `Link: <next URL>; rel="next"` when there
   is a next page, and the ETag. The next URL is the request's path with
   the query's other parameters (those of the ETag; the second must be the
   cursor, which is replaced); a URL that would not fit is left out. Takes
   the items. */
void resource_page_answer(struct request *request, struct resource_page *page);

void resource_page_release(struct resource_page *page);

/* True for a decimal id from 1 to 2^63-1 without sign or leading zero. */
bool api_id_is_valid(const char *text);

#endif
