/* Generic handlers for the four record resources: read, list, create, merge
 * patch and delete, each parametrised by a resource descriptor. The
 * per-resource files supply the descriptor and thin route handlers. */
#ifndef PARLEY_API_RESOURCE_H
#define PARLEY_API_RESOURCE_H

#include "api/fields.h"
#include "db/pool.h"
#include "db/records.h"
#include "http/request.h"

#include <jansson.h>

/* A positive outcome of a transaction body: the client's mistake, already
   turned into a problem response. */
#define API_CLIENT_PROBLEM 2

enum resource_key { KEY_SLUG, KEY_ID };

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

/* Runs `body` with a pooled connection: in one transaction when
   `transaction`, else as it is; retries once on a connection found broken.
   Answers 503 itself when the database is unreachable and returns
   DB_UNAVAILABLE then. */
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
   `exists` checks the path record (404 `not_found` when absent) and the
   claims filter `filter_index` gets its key. */
void resource_claims_of(struct request *request,
                        const struct query_param *params, size_t param_count,
                        enum resource_key key_kind,
                        int (*exists)(struct db_conn *, const char *),
                        enum problem not_found, int filter_index);

/* Room for a next-page URL: the query's values are bounded (q 200 bytes,
   a cursor 600), so a real one fits; one that does not is left out. */
#define RESOURCE_URL_SIZE 2048

/* Writes the next page's URL, `path?<the query's other parameters>&cursor=
   next` (params[1] must be the cursor: it is replaced); false when it does
   not fit in `size`. */
bool resource_next_url(const struct request *request,
                       const struct query_param *params,
                       const struct query_value *values, size_t count,
                       const char *next, char *url, size_t size);

/* A list's JSON body {"items", "next", "next_url"}: the cursor and the URL
   the Link header gives, both null on the last page. Steals `items`. */
json_t *resource_page_steal(const struct request *request,
                            const struct query_param *params,
                            const struct query_value *values, size_t count,
                            json_t *items, const char *next);

/* Adds `Link: <next URL>; rel="next"` (resource_next_url). */
void resource_link_header(struct request *request,
                          const struct query_param *params,
                          const struct query_value *values, size_t count,
                          const char *next);

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
/* Answers 304 with the ETag, no body. */
void resource_etag_not_modified(struct request *request,
                                const struct resource_etag *etag);
/* Adds the ETag header to the answer already set (a 200). */
void resource_etag_add(struct request *request,
                       const struct resource_etag *etag);

/* True for a decimal id from 1 to 2^63-1 without sign or leading zero. */
bool api_id_is_valid(const char *text);

#endif
