/* Generic record handlers: read, list, create, merge patch and delete. */
#include "api/resource.h"

#include "api/idempotency.h"
#include "common/encoding.h"
#include "common/log.h"
#include "common/slug.h"
#include "db/async.h"
#include "db/data_version.h"
#include "http/csv.h"
#include "http/response.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct db_pool *api_pool;
static struct db_pool *api_read_pool; /* DATABASE_READ_URL, or NULL */
static struct db_async *api_reader;   /* records and list pages, or NULL */

void api_set_pool(struct db_pool *pool) {
  api_pool = pool;
}

void api_set_read_pool(struct db_pool *pool) {
  api_read_pool = pool;
}

void api_set_reader(struct db_async *reader) {
  api_reader = reader;
}

/* GET and HEAD never write, so they may read from a replica that lags a
   little (their transactions, for one snapshot over several queries, are
   read-only and run on a hot standby too); every write, and the reads a
   write makes in its transaction, stay on the primary. */
static struct db_pool *api_pool_for(const struct request *request) {
  if (api_read_pool != NULL &&
      (request->method & (HTTP_GET | HTTP_HEAD)) != 0) {
    return api_read_pool;
  }
  return api_pool;
}

bool api_id_is_valid(const char *text) {
  size_t length = strlen(text);
  if (length == 0 || length > 18 || text[0] == '0') {
    return false;
  }
  for (size_t i = 0; i < length; i++) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
  }
  return true;
}

static bool key_is_valid(const struct resource *resource, const char *key) {
  return resource->key == KEY_SLUG ? slug_is_valid(key) : api_id_is_valid(key);
}

void api_answer_failure(struct request *request, struct db_conn *conn,
                        int outcome, bool deleting) {
  api_answer_database_error(request, outcome, db_last_error(conn), deleting);
}

void api_answer_database_error(struct request *request, int outcome,
                               const struct db_error *error, bool deleting) {
  if (outcome == DB_UNAVAILABLE || outcome == DB_RETRY) {
    response_problem(request, PROBLEM_DATABASE_UNAVAILABLE,
                     "the database is unavailable or busy; try again shortly");
    return;
  }
  const char *state = error->sqlstate;
  if (strcmp(state, "23505") == 0) {
    json_t *errors = json_array();
    problem_errors_add(errors, "slug", "is already taken");
    response_problem_steal(request, PROBLEM_SLUG_TAKEN,
                           "a record with this slug already exists", errors);
  } else if (strcmp(state, "23503") == 0 && deleting) {
    response_problem(request, PROBLEM_STILL_REFERENCED,
                     "other records still refer to this one; delete or "
                     "change them first");
  } else if (strcmp(state, "23503") == 0 || strncmp(state, "23", 2) == 0 ||
             strncmp(state, "22", 2) == 0) {
    json_t *errors = json_array();
    problem_errors_add(errors, error->column, error->message);
    response_problem_steal(request, PROBLEM_INVALID_VALUE, error->message,
                           errors);
  } else {
    log_error("database error %s: %s (request %s)", state, error->message,
              request->id);
    response_problem(request, PROBLEM_INTERNAL,
                     "the request failed on our side (request %s)",
                     request->id);
  }
}

bool api_query(struct request *request, const struct query_param *params,
               size_t count, struct query_value *values) {
  struct request_problem problem = {.kind = PROBLEM_COUNT};
  if (request_parse_query(request, params, count, values, &problem)) {
    return true;
  }
  response_problem_answer(request, &problem);
  return false;
}

int api_with_connection(struct request *request, db_transaction_body *body,
                        void *closure, bool transaction) {
  struct db_pool *pool = api_pool_for(request);
  struct db_conn *conn = db_pool_acquire(pool);
  if (conn == NULL) {
    response_problem(request, PROBLEM_DATABASE_UNAVAILABLE,
                     "the database cannot be reached; try again shortly");
    return DB_UNAVAILABLE;
  }
  int outcome = DB_OK;
  for (int attempt = 0; attempt < 2; attempt++) {
    outcome =
        transaction ? db_transaction(conn, body, closure) : body(conn, closure);
    /* A connection that broke under us (the server restarted) gets one
       fresh try; a database that stays away is a 503. */
    if (outcome != DB_UNAVAILABLE ||
        PQstatus(db_conn_pq(conn)) == CONNECTION_OK ||
        !db_pool_reconnect(pool, conn)) {
      break;
    }
  }
  if (outcome < 0) {
    api_answer_failure(request, conn, outcome,
                       (request->method & HTTP_DELETE) != 0);
  }
  db_pool_release(pool, conn);
  return outcome;
}

/* --- read --------------------------------------------------------------- */

struct record_job {
  struct request *request;
  const struct resource *resource;
  const char *key;
  const json_t *input; /* create body or merge patch, borrowed */
  json_t *record;      /* the record to answer, owned */
  char new_key[72];
  struct idempotency *idempotency; /* a create's Idempotency-Key */
  struct request_problem problem;  /* with API_PROBLEM_RECORDED */
};

static int read_body(struct db_conn *conn, void *closure) {
  struct record_job *job = closure;
  json_decref(job->record);
  job->record = NULL;
  return job->resource->fetch(conn, job->key, false, &job->record);
}

static void answer_not_found(struct request *request,
                             const struct resource *resource, const char *key) {
  response_problem(request, resource->not_found, "no %s '%.80s'",
                   resource->name, key);
}

/* The record key of a single-record request, or NULL once the request is
   answered (a query parameter, which these endpoints have none of, or a key
   that cannot name a record). */
static const char *record_key(struct request *request,
                              const struct resource *resource) {
  const char *key = request->path_params[0];
  struct query_value none;
  if (!api_query(request, NULL, 0, &none)) {
    return NULL;
  }
  if (!key_is_valid(resource, key)) {
    answer_not_found(request, resource, key);
    return NULL;
  }
  return key;
}

/* --- the asynchronous reader ------------------------------------------ */

/* A request's job on the reader, its connection (or stream) suspended
   meanwhile, and how the job ended. Set the job's steps, then submit: the
   job's results are the reader's until it is done, then the owner's, who
   clears them (reader_call_clear). */
struct reader_call {
  struct db_async_job job;
  struct request *request;
  enum db_status status;
  struct db_error error;
};

/* On the reader's thread: keep how it ended, wake the request. */
static void reader_call_done(struct db_async_job *job, enum db_status status,
                             const struct db_error *error) {
  struct reader_call *call = job->closure;
  call->status = status;
  if (error != NULL) {
    call->error = *error;
  }
  request_resume(call->request);
}

/* Sends the job; the request resumes when it is done, or at once with
   DB_UNAVAILABLE when the reader is shutting down. */
static void reader_call_submit(struct reader_call *call,
                               struct request *request) {
  call->request = request;
  call->job.done = reader_call_done;
  call->job.closure = call;
  if (!db_async_submit(api_reader, &call->job)) {
    call->status = DB_UNAVAILABLE;
    call->error = (struct db_error){.sqlstate = "08006",
                                    .message = "the reader is shutting down"};
    request_resume(request);
  }
}

/* request_defer's start for the states that begin with their reader_call
   (deferred_read, deferred_list). */
static void reader_call_start(struct request *request) {
  reader_call_submit(request->deferred, request);
}

static void reader_call_clear(struct reader_call *call) {
  for (int i = 0; i < DB_ASYNC_STEPS_MAX; i++) {
    PQclear(call->job.results[i]);
    call->job.results[i] = NULL;
  }
}

/* A read on the asynchronous reader: the connection is suspended while the
   statement is in flight, so no worker waits on the database for it. The
   request owns the state (request_defer). */
struct deferred_read {
  struct reader_call call; /* first: see reader_call_start */
  const struct resource *resource;
  const char *key; /* borrowed from the request's path */
};
static_assert(offsetof(struct deferred_read, call) == 0,
              "reader_call_start takes the state for its reader_call");

static void deferred_read_free(void *state) {
  struct deferred_read *read = state;
  reader_call_clear(&read->call);
  free(read);
}

static void deferred_read_finish(struct request *request) {
  struct deferred_read *read = request->deferred;
  struct reader_call *call = &read->call;
  if (call->status != DB_OK) {
    api_answer_database_error(request, call->status, &call->error, false);
    return;
  }
  json_t *record = NULL;
  int outcome = db_record_read_result(read->resource->read,
                                      call->job.results[0], &record);
  if (outcome == API_NOT_FOUND) {
    answer_not_found(request, read->resource, read->key);
  } else if (outcome == API_OK) {
    response_record_steal(request, 200, record);
  } else {
    call->error = (struct db_error){.sqlstate = "XX000",
                                    .message = "a column did not render"};
    api_answer_database_error(request, outcome, &call->error, false);
  }
}

/* Defers the read to the reader when there is one; false to read through
   the pool instead. */
static bool resource_read_deferred(struct request *request,
                                   const struct resource *resource,
                                   const char *key) {
  if (api_reader == NULL || resource->read == NULL) {
    return false;
  }
  struct deferred_read *read = calloc(1, sizeof *read);
  if (read == NULL) {
    return false;
  }
  read->resource = resource;
  read->key = key;
  read->call.job = (struct db_async_job){
      .steps = {{resource->read->statement, 1, &read->key}}, .step_count = 1};
  request_defer(request, reader_call_start, deferred_read_finish, read,
                deferred_read_free);
  return true;
}

static void resource_read_pooled(struct request *request);

void resource_read(struct request *request, const struct resource *resource) {
  const char *key = record_key(request, resource);
  if (key == NULL || resource_read_deferred(request, resource, key)) {
    return;
  }
  /* Without the reader, the read waits on the pool: not on the worker. */
  request->handler_context = resource;
  if (!request_offload(request, resource_read_pooled)) {
    resource_read_pooled(request);
  }
}

static void resource_read_pooled(struct request *request) {
  const struct resource *resource = request->handler_context;
  const char *key = request->path_params[0];
  struct record_job job = {
      .request = request, .resource = resource, .key = key};
  int outcome = api_with_connection(request, read_body, &job, false);
  if (outcome == DB_NOT_FOUND) {
    answer_not_found(request, resource, key);
  } else if (outcome == DB_OK) {
    response_record_steal(request, 200, job.record);
    job.record = NULL;
  }
  json_decref(job.record);
}

/* --- ETags of lists ------------------------------------------------------ */

void resource_etag_begin(struct resource_etag *etag,
                         const struct query_param *params,
                         const struct query_value *values, size_t count) {
  *etag = (struct resource_etag){
      .params = params, .values = values, .count = count};
}

/* Appends `text` to the hashed key as <length>:<text>, so that no two
   lists of values make the same key; false when it does not fit. */
static bool etag_key_add(char *key, size_t size, size_t *used,
                         const char *text) {
  size_t length = strlen(text);
  int written = snprintf(key + *used, size - *used, "%zu:", length);
  if (written < 0 || *used + (size_t)written + length + 1 > size) {
    return false;
  }
  *used += (size_t)written;
  memcpy(key + *used, text, length);
  *used += length;
  key[*used] = '\0';
  return true;
}

int resource_etag_check(struct request *request, struct db_conn *conn,
                        struct resource_etag *etag) {
  etag->value[0] = '\0';
  etag->not_modified = false;
  int outcome = db_data_version_read(conn, etag->version, sizeof etag->version);
  if (outcome == DB_OK) {
    resource_etag_settle(request, etag);
  }
  return outcome;
}

void resource_etag_settle(struct request *request, struct resource_etag *etag) {
  etag->value[0] = '\0';
  etag->not_modified = false;
  char key[4096];
  size_t used = 0;
  const char *accept = request_header(request, "Accept");
  bool fits =
      etag_key_add(key, sizeof key, &used, request->path) &&
      etag_key_add(key, sizeof key, &used, accept != NULL ? accept : "");
  for (size_t i = 0; fits && i < etag->count; i++) {
    if (!etag->values[i].present) {
      continue;
    }
    const struct query_param *param = &etag->params[i];
    char number[24];
    const char *text = etag->values[i].text;
    if (param->type == QUERY_INTEGER || param->type == QUERY_BOOLEAN) {
      snprintf(number, sizeof number, "%lld", etag->values[i].integer);
      text = number;
    }
    fits = etag_key_add(key, sizeof key, &used, param->name) &&
           etag_key_add(key, sizeof key, &used, text);
  }
  if (!fits) {
    return; /* no ETag rather than one that two queries share */
  }
  unsigned char digest[SHA256_BYTES];
  char hex[2 * SHA256_BYTES + 1];
  sha256_digest(key, used, digest);
  hex_encode(digest, 8, hex);
  snprintf(etag->value, sizeof etag->value, "\"v%s-%.16s\"", etag->version,
           hex);
  /* A GET's If-None-Match compares weakly; one that does not parse is
     ignored, as for records. */
  etag->not_modified =
      response_etag_condition(request, "If-None-Match", etag->value, true) ==
      ETAG_MATCHES;
}

void resource_etag_not_modified(struct request *request,
                                const struct resource_etag *etag) {
  response_empty(request, 304);
  resource_etag_add(request, etag);
}

void resource_etag_add(struct request *request,
                       const struct resource_etag *etag) {
  if (etag->value[0] != '\0') {
    char header[RESOURCE_ETAG_SIZE + 2];
    snprintf(header, sizeof header, "W/%s", etag->value);
    response_add_header(request, "ETag", header);
  }
}

/* --- lists -------------------------------------------------------------- */

enum { PARAM_LIMIT, PARAM_CURSOR, PARAM_SORT, PARAM_FIRST_FILTER };

struct list_job {
  struct request *request;
  const struct list_spec *spec;
  struct list_request list;
  struct resource_page page;
};

void resource_page_release(struct resource_page *page) {
  json_decref(page->items);
  free(page->next);
  page->items = NULL;
  page->next = NULL;
}

int resource_page_read(struct db_conn *conn, struct request *request,
                       struct resource_page *page, bool has_cursor,
                       resource_page_reader *read, void *closure) {
  resource_page_release(page);
  int outcome = resource_etag_check(request, conn, &page->etag);
  if (outcome != DB_OK || page->etag.not_modified) {
    return outcome;
  }
  outcome = read(conn, closure, &page->items, &page->next);
  if (outcome == DB_HARD_ERROR && has_cursor &&
      strncmp(db_last_error(conn)->sqlstate, "22", 2) == 0) {
    return API_BAD_CURSOR;
  }
  return outcome;
}

static int list_read(struct db_conn *conn, void *closure, json_t **items,
                     char **next) {
  const struct list_job *job = closure;
  return db_list_run(conn, job->spec, &job->list, items, next);
}

static int list_body(struct db_conn *conn, void *closure) {
  struct list_job *job = closure;
  return resource_page_read(conn, job->request, &job->page,
                            job->list.has_cursor, list_read, job);
}

/* Percent-encodes a query value into `out`. */
static void append_encoded(char *out, size_t size, size_t *used,
                           const char *text) {
  static const char digits[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    if (*used + 4 >= size) {
      return;
    }
    bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                 (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
                 *p == '.' || *p == '~';
    if (plain) {
      out[(*used)++] = (char)*p;
    } else {
      out[(*used)++] = '%';
      out[(*used)++] = digits[*p >> 4];
      out[(*used)++] = digits[*p & 15];
    }
  }
  out[*used] = '\0';
}

/* Room for a next-page URL: the query's values are bounded (q 200 bytes,
   a cursor 600), so a real one fits; one that does not is left out. */
#define PAGE_URL_SIZE 2048

/* Writes the next page's URL, `path?<the query's other parameters>&cursor=
   next`; false when it does not fit in `size`. */
static bool page_next_url(const struct request *request,
                          const struct resource_etag *query, const char *next,
                          char *url, size_t size) {
  size_t used = (size_t)snprintf(url, size, "%s?", request->path);
  for (size_t i = 0; i < query->count && used < size; i++) {
    if (!query->values[i].present || i == PARAM_CURSOR) {
      continue;
    }
    used +=
        (size_t)snprintf(url + used, size - used, "%s=", query->params[i].name);
    if (used < size) {
      append_encoded(url, size, &used, query->values[i].text);
      used += (size_t)snprintf(url + used, size - used, "&");
    }
  }
  if (used < size) {
    used += (size_t)snprintf(url + used, size - used, "cursor=%s", next);
  }
  return used < size;
}

/* The headers of a page answered (JSON or CSV): Link to the next page, and
   the ETag. */
static void page_headers(struct request *request,
                         const struct resource_etag *etag, const char *next) {
  char url[PAGE_URL_SIZE];
  if (next != NULL && page_next_url(request, etag, next, url, sizeof url)) {
    char link[PAGE_URL_SIZE + 20];
    snprintf(link, sizeof link, "<%s>; rel=\"next\"", url);
    response_add_header(request, "Link", link);
  }
  resource_etag_add(request, etag);
}

void resource_page_answer(struct request *request, struct resource_page *page) {
  const struct resource_etag *etag = &page->etag;
  const char *next = page->next;
  char url[PAGE_URL_SIZE];
  bool linked =
      next != NULL && page_next_url(request, etag, next, url, sizeof url);
  json_t *items = page->items;
  page->items = NULL;
  json_t *body = json_pack("{s:o, s:o, s:o}", "items", items, "next",
                           next != NULL ? json_string(next) : json_null(),
                           "next_url", linked ? json_string(url) : json_null());
  response_json_steal(request, 200, body);
  page_headers(request, etag, next);
}

/* A page as CSV, made from the same items as the JSON page. */
static void list_answer_csv(struct request *request,
                            const struct resource_csv *csv,
                            const json_t *items) {
  size_t length = 0;
  char *text = csv_from_items(items, csv->columns, csv->column_count, &length);
  if (text == NULL) {
    response_problem(request, PROBLEM_INTERNAL,
                     "out of memory rendering CSV (request %s)", request->id);
    return;
  }
  response_text_steal(request, 200, "text/csv; charset=utf-8", text, length);
}

/* --- whole-list CSV export (?format=csv) ------------------------------ */

/* Rows fetched per round trip: one keyset page of the largest size. */
#define EXPORT_CHUNK_ROWS 200

/* A streamed export: the list request (its filter values copied, since the
   stream outlives the request's strings), the text of the current chunk
   and where the client is in it. No database connection is kept between
   chunks: each is fetched with a pooled connection given back at once, so
   a slow client holds none, and the next chunk continues from the keyset
   cursor. Rows are therefore not one snapshot: a row inserted or changed
   during a long download may be missed or show its newer values, but none
   comes twice (as when walking `next`). */
struct csv_export {
  struct db_pool *pool;
  struct request *request; /* lives until the stream ends */
  const struct list_spec *spec;
  const struct resource_csv *csv;
  struct list_request list;
  char *filter_copies[LIST_MAX_FILTERS];
  char *text; /* the rendered chunk, owned */
  size_t length;
  size_t sent;
  bool more; /* `list` holds the cursor of a next chunk */
  /* A chunk on the reader, the connection suspended meanwhile: `reading`
     from the submission until the worker takes the result. */
  bool reading;
  struct reader_call call;
  struct db_list_query query;
};

static void csv_export_release(void *closure) {
  struct csv_export *export = closure;
  for (size_t i = 0; i < LIST_MAX_FILTERS; i++) {
    free(export->filter_copies[i]);
  }
  reader_call_clear(&export->call);
  free(export->text);
  free(export);
}

/* Renders `items` as the current chunk (after the header row and BOM when
   `first`) and takes `next` as where the next chunk starts: 0, or -1 when
   out of memory. */
static int csv_export_take(struct csv_export *export, const json_t *items,
                           const char *next, bool first, bool bom) {
  struct csv_buffer buffer = {0};
  if (first && bom) {
    csv_byte_order_mark(&buffer);
  }
  if (first) {
    csv_header_row(&buffer, export->csv->columns, export->csv->column_count);
  }
  csv_item_rows(&buffer, items, export->csv->columns,
                export->csv->column_count);
  free(export->text);
  export->text = csv_take(&buffer, &export->length);
  export->sent = 0;
  export->more = next != NULL &&
                 db_list_cursor_decode(export->spec, next, &export->list) == 0;
  return export->text != NULL ? 0 : -1;
}

/* Fetches and renders the next chunk with a connection held only for the
   query: 0, or -1 when the database failed (logged). */
static int csv_export_fetch(struct csv_export *export) {
  struct db_conn *conn = db_pool_acquire(export->pool);
  if (conn == NULL) {
    log_error("CSV export cut short: the database cannot be reached");
    return -1;
  }
  json_t *items = NULL;
  char *next = NULL;
  int outcome = db_list_run(conn, export->spec, &export->list, &items, &next);
  if (outcome == DB_UNAVAILABLE &&
      PQstatus(db_conn_pq(conn)) != CONNECTION_OK &&
      db_pool_reconnect(export->pool, conn)) {
    outcome = db_list_run(conn, export->spec, &export->list, &items, &next);
  }
  if (outcome != DB_OK) {
    log_error("CSV export cut short: database error %s",
              db_last_error(conn)->sqlstate);
  }
  db_pool_release(export->pool, conn);
  int taken = outcome == DB_OK
                  ? csv_export_take(export, items, next, false, false)
                  : -1;
  json_decref(items);
  free(next);
  return taken;
}

/* Sends the next chunk's query to the reader with the stream suspended
   (before, so that the resume always comes after it): false when the query
   cannot be built. */
static bool csv_export_submit(struct csv_export *export) {
  if (!db_list_query_build(export->spec, &export->list, &export->query)) {
    return false;
  }
  export->call.job = (struct db_async_job){
      .steps = {{&export->query.statement, export->query.sql.count,
                 export->query.sql.values}},
      .step_count = 1};
  export->reading = true;
  request_suspend_stream(export->request);
  reader_call_submit(&export->call, export->request);
  return true;
}

/* Renders the chunk the reader read: 0, or -1 (logged). */
static int csv_export_take_read(struct csv_export *export) {
  export->reading = false;
  if (export->call.status != DB_OK) {
    log_error("CSV export cut short: database error %s",
              export->call.error.sqlstate);
    reader_call_clear(&export->call);
    return -1;
  }
  json_t *items = NULL;
  char *next = NULL;
  int outcome = db_list_page_from_result(
      export->spec, &export->list, export->call.job.results[0], &items, &next);
  reader_call_clear(&export->call);
  int taken = outcome == DB_OK
                  ? csv_export_take(export, items, next, false, false)
                  : -1;
  json_decref(items);
  free(next);
  return taken;
}

/* MHD's content reader. With the reader, a chunk is read without holding
   the worker: the connection is suspended, this answers 0 bytes, and MHD
   asks again once the chunk is in. */
static ssize_t csv_export_read(void *closure, uint64_t position, char *buffer,
                               size_t size) {
  struct csv_export *export = closure;
  (void)position;
  /* A chunk may render empty only at the very end (no rows after the
     cursor), so this loop ends after at most two fetches. */
  while (export->sent == export->length) {
    if (export->reading) {
      if (csv_export_take_read(export) != 0) {
        return RESPONSE_STREAM_FAILED;
      }
      continue;
    }
    if (!export->more) {
      return RESPONSE_STREAM_END;
    }
    if (api_reader != NULL) {
      return csv_export_submit(export) ? 0 : RESPONSE_STREAM_FAILED;
    }
    if (csv_export_fetch(export) != 0) {
      return RESPONSE_STREAM_FAILED;
    }
  }
  size_t count = export->length - export->sent;
  count = count < size ? count : size;
  memcpy(buffer, export->text + export->sent, count);
  export->sent += count;
  return (ssize_t)count;
}

/* Answers the whole list as one streamed CSV body, starting with the first
   chunk `items` already fetched (so that a failure before the first byte
   was a problem answer) and continuing from `next`. */
static void csv_export_answer(struct request *request,
                              const struct resource *resource,
                              const struct list_request *list,
                              const json_t *items, const char *next, bool bom) {
  struct csv_export *export = calloc(1, sizeof *export);
  bool ready = export != NULL;
  if (ready) {
    export->pool = api_pool_for(request);
    export->request = request;
    export->spec = resource->list;
    export->csv = resource->csv;
    export->list = *list;
    for (size_t i = 0; i < LIST_MAX_FILTERS && ready; i++) {
      if (list->filter_values[i] != NULL) {
        export->filter_copies[i] = strdup(list->filter_values[i]);
        export->list.filter_values[i] = export->filter_copies[i];
        ready = export->filter_copies[i] != NULL;
      }
    }
  }
  if (ready) {
    ready = csv_export_take(export, items, next, true, bom) == 0;
  }
  if (!ready) {
    if (export != NULL) {
      csv_export_release(export);
    }
    response_problem(request, PROBLEM_INTERNAL,
                     "out of memory rendering CSV (request %s)", request->id);
    return;
  }
  response_stream(request, 200, "text/csv; charset=utf-8", csv_export_read,
                  csv_export_release, export);
  char disposition[96];
  snprintf(disposition, sizeof disposition, "attachment; filename=\"%s.csv\"",
           resource->csv->file_name);
  response_add_header(request, "Content-Disposition", disposition);
}

#define LIST_PARAMS_MAX (PARAM_FIRST_FILTER + LIST_MAX_FILTERS + 2)

/* One list request from its query to its answer: on the stack of a
   handler that reads it through the pool, or the request's own
   (request_defer) while the reader reads it, which is why the query's
   table and values live here: the ETag and the next page's URL are made
   from them after the read. */
struct list_call {
  struct list_job job;
  struct query_param params[LIST_PARAMS_MAX];
  struct query_value values[LIST_PARAMS_MAX];
  bool export;   /* ?format=csv: the whole list, in chunks */
  bool csv_page; /* a page as CSV (Accept: text/csv) */
  bool bom;
};

/* Parses the query of a list of `resource` with the table `params`;
   `fixed_filter` (or -1) is set to `fixed_value` whatever the query says.
   False when it answered a problem. */
static bool list_call_parse(struct list_call *call, struct request *request,
                            const struct resource *resource,
                            const struct query_param *params, size_t count,
                            int fixed_filter, const char *fixed_value) {
  const struct list_spec *spec = resource->list;
  static const char *const formats[] = {"json", "csv", NULL};
  struct query_value *values = call->values;
  /* A resource with a CSV form is paged as CSV by Accept: text/csv, and
     exported whole with ?format=csv (and &bom=true). */
  bool csv_form = resource->csv != NULL;
  size_t format = count;
  size_t bom = count + 1;
  if (count + 2 > LIST_PARAMS_MAX) {
    response_problem(request, PROBLEM_INTERNAL, "too many list parameters");
    return false;
  }
  memcpy(call->params, params, count * sizeof params[0]);
  if (csv_form) {
    call->params[format] =
        (struct query_param){"format", QUERY_ENUM, 0, 0, 0, formats};
    call->params[bom] =
        (struct query_param){"bom", QUERY_BOOLEAN, 0, 0, 0, NULL};
    count += 2;
  }
  params = call->params;
  if (!api_query(request, params, count, values)) {
    return false;
  }
  call->job = (struct list_job){.request = request, .spec = spec};
  resource_etag_begin(&call->job.page.etag, params, values, count);
  call->export = csv_form && values[format].present &&
                 strcmp(values[format].text, "csv") == 0;
  call->csv_page = csv_form && !values[format].present &&
                   csv_preferred(request_header(request, "Accept"));
  call->bom = call->export && values[bom].present && values[bom].integer != 0;
  if (csv_form && !call->export && values[bom].present) {
    json_t *errors = json_array();
    problem_errors_add(errors, "bom", "applies only with format=csv");
    response_problem_steal(request, PROBLEM_INVALID_QUERY,
                           "bom is an option of the CSV export", errors);
    return false;
  }
  if (call->export && values[PARAM_LIMIT].present) {
    json_t *errors = json_array();
    problem_errors_add(errors, "limit",
                       "format=csv exports the whole list: no limit");
    response_problem_steal(request, PROBLEM_INVALID_QUERY,
                           "format=csv answers every matching claim in one "
                           "response; page with Accept: text/csv instead",
                           errors);
    return false;
  }
  struct list_request *list = &call->job.list;
  list->limit = values[PARAM_LIMIT].present ? values[PARAM_LIMIT].integer : 50;
  if (call->export) {
    list->limit = EXPORT_CHUNK_ROWS;
  }
  list->sort = values[PARAM_SORT].present
                   ? (size_t)db_list_sort_find(spec, values[PARAM_SORT].text)
                   : 0;
  for (size_t i = PARAM_FIRST_FILTER; i < count; i++) {
    if (!values[i].present) {
      continue;
    }
    for (size_t f = 0; f < spec->filter_count; f++) {
      if (strcmp(spec->filters[f].param, params[i].name) == 0) {
        list->filter_values[f] = values[i].text;
      }
    }
  }
  if (fixed_filter >= 0) {
    list->filter_values[fixed_filter] = fixed_value;
  }
  if (values[PARAM_CURSOR].present &&
      db_list_cursor_decode(spec, values[PARAM_CURSOR].text, list) != 0) {
    response_problem(request, PROBLEM_INVALID_CURSOR,
                     "the cursor is not one this list gave out (or was made "
                     "for another sort)");
    return false;
  }
  return true;
}

/* Answers the list once read: `outcome` is the read's (a database failure
   is answered already). */
static void list_call_answer(struct list_call *call,
                             const struct resource *resource, int outcome) {
  struct request *request = call->job.request;
  struct resource_page *page = &call->job.page;
  if (outcome == DB_OK && page->etag.not_modified) {
    resource_etag_not_modified(request, &page->etag);
  } else if (outcome == API_BAD_CURSOR) {
    response_problem(request, PROBLEM_INVALID_CURSOR,
                     "the cursor's position is not valid for this sort");
  } else if (outcome == DB_OK && call->export) {
    csv_export_answer(request, resource, &call->job.list, page->items,
                      page->next, call->bom);
    resource_etag_add(request, &page->etag);
  } else if (outcome == DB_OK && call->csv_page) {
    list_answer_csv(request, resource->csv, page->items);
    page_headers(request, &page->etag, page->next);
  } else if (outcome == DB_OK) {
    resource_page_answer(request, page);
  }
  if (outcome == DB_OK && resource->csv != NULL) {
    response_add_header(request, "Vary", "Accept");
  }
  resource_page_release(page);
}

/* The record a sub-list hangs from (/parties/{slug}/claims): checked to
   exist before the page is read. */
struct list_parent {
  const struct db_statement *exists; /* one row when it exists; $1 = key */
  const char *key;                   /* borrowed from the request's path */
  enum problem not_found;
};

/* A page on the asynchronous reader: [the parent's existence,] the data
   version and the page in one job, in that order on one connection, as
   resource_page_read reads them in one transaction. The request owns it
   (request_defer). */
struct deferred_list {
  struct reader_call read; /* first: see reader_call_start */
  struct list_call call;
  const struct resource *resource;
  struct list_parent parent; /* parent.exists NULL: none */
  struct db_list_query query;
};
static_assert(offsetof(struct deferred_list, read) == 0,
              "reader_call_start takes the state for its reader_call");

static void deferred_list_free(void *state) {
  struct deferred_list *deferred = state;
  reader_call_clear(&deferred->read);
  resource_page_release(&deferred->call.job.page);
  free(deferred);
}

static void deferred_list_finish(struct request *request) {
  struct deferred_list *deferred = request->deferred;
  struct list_job *job = &deferred->call.job;
  struct reader_call *read = &deferred->read;
  if (read->status != DB_OK) {
    /* As in resource_page_read: a cursor's position the database cannot
       cast (a forged date) is the client's. */
    if (read->status == DB_HARD_ERROR && job->list.has_cursor &&
        strncmp(read->error.sqlstate, "22", 2) == 0) {
      list_call_answer(&deferred->call, deferred->resource, API_BAD_CURSOR);
    } else {
      api_answer_database_error(request, read->status, &read->error, false);
    }
    return;
  }
  /* The steps: [the parent's existence,] the data version, the page. */
  int first = 0;
  if (deferred->parent.exists != NULL) {
    if (PQntuples(read->job.results[0]) == 0) {
      response_problem(request, deferred->parent.not_found, "no record '%.80s'",
                       deferred->parent.key);
      return;
    }
    first = 1;
  }
  struct resource_etag *etag = &job->page.etag;
  int outcome = db_data_version_from_result(
      read->job.results[first], etag->version, sizeof etag->version);
  if (outcome == DB_OK) {
    resource_etag_settle(request, etag);
  }
  if (outcome == DB_OK && !etag->not_modified) {
    outcome = db_list_page_from_result(job->spec, &job->list,
                                       read->job.results[first + 1],
                                       &job->page.items, &job->page.next);
  }
  if (outcome != DB_OK) {
    read->error = (struct db_error){.sqlstate = "XX000",
                                    .message = "a page did not render"};
    api_answer_database_error(request, outcome, &read->error, false);
    return;
  }
  list_call_answer(&deferred->call, deferred->resource, DB_OK);
}

/* Defers a page to the reader when there is one (an export reads chunk
   after chunk through the pool); false to read through the pool instead,
   or when it answered a problem (*answered). */
static bool list_deferred(struct request *request,
                          const struct resource *resource,
                          const struct query_param *params, size_t count,
                          int fixed_filter, const struct list_parent *parent,
                          bool *answered) {
  *answered = false;
  if (api_reader == NULL) {
    return false;
  }
  struct deferred_list *deferred = calloc(1, sizeof *deferred);
  if (deferred == NULL) {
    return false;
  }
  if (!list_call_parse(&deferred->call, request, resource, params, count,
                       fixed_filter, parent != NULL ? parent->key : NULL)) {
    *answered = true;
    free(deferred);
    return false;
  }
  struct list_job *job = &deferred->call.job;
  if (deferred->call.export ||
      !db_list_query_build(job->spec, &job->list, &deferred->query)) {
    free(deferred); /* parsed again on the pooled path, which answers */
    return false;
  }
  deferred->resource = resource;
  struct db_async_job *read = &deferred->read.job;
  if (parent != NULL) {
    deferred->parent = *parent;
    read->steps[read->step_count++] = (struct db_async_step){
        deferred->parent.exists, 1, &deferred->parent.key};
  }
  read->steps[read->step_count++] =
      (struct db_async_step){&db_data_version_statement, 0, NULL};
  read->steps[read->step_count++] = (struct db_async_step){
      &deferred->query.statement, deferred->query.sql.count,
      deferred->query.sql.values};
  request_defer(request, reader_call_start, deferred_list_finish, deferred,
                deferred_list_free);
  return true;
}

struct exists_job {
  const struct db_statement *exists;
  const char *key;
};

static int exists_body(struct db_conn *conn, void *closure) {
  struct exists_job *job = closure;
  return db_record_execute(conn, job->exists, 1, &job->key, NULL, 0);
}

/* Lists the records of `resource` with the query `params`; with a
   `parent`, only when it exists, and filter `fixed_filter` is set to its
   key whatever the query says. */
static void list_answer(struct request *request,
                        const struct resource *resource,
                        const struct query_param *params, size_t count,
                        int fixed_filter, const struct list_parent *parent) {
  bool answered;
  if (list_deferred(request, resource, params, count, fixed_filter, parent,
                    &answered) ||
      answered) {
    return;
  }
  struct list_call call = {.export = false};
  if (!list_call_parse(&call, request, resource, params, count, fixed_filter,
                       parent != NULL ? parent->key : NULL)) {
    return;
  }
  if (parent != NULL) {
    struct exists_job exists = {parent->exists, parent->key};
    int found = api_with_connection(request, exists_body, &exists, false);
    if (found == DB_NOT_FOUND) {
      response_problem(request, parent->not_found, "no record '%.80s'",
                       parent->key);
    }
    if (found != DB_OK) {
      resource_page_release(&call.job.page);
      return;
    }
  }
  int outcome = api_with_connection(request, list_body, &call.job, false);
  list_call_answer(&call, resource, outcome);
}

void resource_list(struct request *request, const struct resource *resource) {
  list_answer(request, resource, resource->list_params,
              resource->list_param_count, -1, NULL);
}

void resource_claims_of(struct request *request,
                        const struct query_param *params, size_t param_count,
                        enum resource_key key_kind,
                        const struct db_statement *exists,
                        enum problem not_found, int filter_index) {
  const char *key = request->path_params[0];
  if (key_kind == KEY_SLUG ? !slug_is_valid(key) : !api_id_is_valid(key)) {
    response_problem(request, not_found, "no record '%.80s'", key);
    return;
  }
  /* The key is the request's path's: it outlives a deferred list. */
  struct list_parent parent = {exists, key, not_found};
  list_answer(request, &claim_resource, params, param_count, filter_index,
              &parent);
}

/* --- create ------------------------------------------------------------- */

static int create_body(struct db_conn *conn, void *closure) {
  struct record_job *job = closure;
  const struct resource *resource = job->resource;
  json_decref(job->record);
  job->record = NULL;
  json_t *errors = json_array();
  int checked = resource->references_valid != NULL
                    ? resource->references_valid(conn, job->input, NULL, errors)
                    : DB_OK;
  if (checked == DB_NOT_FOUND) {
    request_problem_record(&job->problem, PROBLEM_INVALID_VALUE, errors,
                           "the body names records that do not exist");
    return API_PROBLEM_RECORDED;
  }
  json_decref(errors);
  if (checked != DB_OK) {
    return checked;
  }
  struct field_values values;
  if (fields_to_values(resource->fields, resource->field_count, job->input,
                       &values) != 0) {
    field_values_release(&values);
    return DB_HARD_ERROR;
  }
  int outcome =
      resource->insert(conn, values.value, job->new_key, sizeof job->new_key);
  field_values_release(&values);
  if (outcome != DB_OK) {
    return outcome;
  }
  outcome = resource->fetch(conn, job->new_key, false, &job->record);
  return outcome == DB_NOT_FOUND ? DB_HARD_ERROR : outcome;
}

/* A create with its Idempotency-Key: the key claimed first, the answer
   stored last, in the same transaction. */
static int create_keyed_body(struct db_conn *conn, void *closure) {
  struct record_job *job = closure;
  int outcome = idempotency_claim_key(conn, job->request, job->idempotency,
                                      &job->problem);
  if (outcome == DB_OK) {
    outcome = create_body(conn, closure);
  }
  if (outcome == DB_OK && job->idempotency->active) {
    char location[160];
    snprintf(location, sizeof location, "%s/%s", job->resource->path,
             job->new_key);
    outcome = idempotency_store(conn, job->idempotency, 201, location,
                                job->record, true);
  }
  return outcome;
}

/* Gives a create without a slug the one derived from its name. */
static bool slug_derive(json_t *body, json_t *errors) {
  json_t *slug = json_object_get(body, "slug");
  json_t *name = json_object_get(body, "name");
  if ((slug != NULL && !json_is_null(slug)) || !json_is_string(name)) {
    return true;
  }
  char derived[SLUG_MAX_LENGTH + 1];
  if (slug_from_name(json_string_value(name), derived) == 0) {
    problem_errors_add(errors, "slug",
                       "cannot be derived from this name; give one");
    return false;
  }
  json_object_set_new(body, "slug", json_string(derived));
  return true;
}

void resource_create(struct request *request, const struct resource *resource) {
  struct query_value none;
  if (!api_query(request, NULL, 0, &none)) {
    return;
  }
  json_t *errors = json_array();
  enum problem problem = fields_check(resource->fields, resource->field_count,
                                      request->json, FIELD_CHECK_SHAPE, errors);
  if (problem != PROBLEM_COUNT) {
    response_problem_steal(request, problem, "the body does not fit the schema",
                           errors);
    return;
  }
  json_t *body = json_deep_copy(request->json);
  if (resource->key == KEY_SLUG && !slug_derive(body, errors)) {
    json_decref(body);
    response_problem_steal(request, PROBLEM_INVALID_VALUE,
                           "the body has invalid values", errors);
    return;
  }
  problem = fields_check(resource->fields, resource->field_count, body,
                         FIELD_CHECK_FULL, errors);
  if (problem != PROBLEM_COUNT) {
    json_decref(body);
    response_problem_steal(request, problem, "the body has invalid values",
                           errors);
    return;
  }
  json_decref(errors);
  struct idempotency idempotency;
  if (!idempotency_begin(request, &idempotency)) {
    json_decref(body);
    return;
  }
  struct record_job job = {.request = request,
                           .resource = resource,
                           .input = body,
                           .idempotency = &idempotency};
  int outcome = api_with_connection(request, create_keyed_body, &job, true);
  if (outcome == DB_OK) {
    char location[160];
    snprintf(location, sizeof location, "%s/%s", resource->path, job.new_key);
    response_record_steal(request, 201, job.record);
    job.record = NULL;
    response_add_header(request, "Location", location);
  } else if (outcome == API_REPLAYED) {
    idempotency_replay(request, &idempotency, true);
  } else if (outcome == API_PROBLEM_RECORDED) {
    response_problem_answer(request, &job.problem);
  }
  request_problem_release(&job.problem);
  idempotency_end(&idempotency);
  json_decref(job.record);
  json_decref(body);
}

/* --- merge patch -------------------------------------------------------- */

/* A write's If-Match and If-None-Match must parse (RFC 9110 13.1): answers
   400 and returns false otherwise, before anything is read. */
static bool preconditions_well_formed(struct request *request) {
  static const char *const names[] = {"If-Match", "If-None-Match"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (response_etag_condition(request, names[i], NULL, false) ==
        ETAG_MALFORMED) {
      json_t *errors = json_array();
      problem_errors_add(errors, names[i],
                         "must be * or a list of entity tags (\"...\" or "
                         "W/\"...\")");
      response_problem_steal(request, PROBLEM_INVALID_HEADER,
                             "a conditional header does not parse", errors);
      return false;
    }
  }
  return true;
}

/* Reads and locks the record a write changes, and evaluates If-Match
   (strongly) and If-None-Match (weakly; "*" fails, the record exists)
   against it: API_OK with *current set (owned by the caller),
   API_NOT_FOUND, API_PROBLEM_RECORDED (412), or a database failure. */
static int record_lock_current(struct db_conn *conn, struct record_job *job,
                               json_t **current) {
  const struct resource *resource = job->resource;
  int outcome = resource->fetch(conn, job->key, true, current);
  if (outcome != DB_OK) {
    return outcome;
  }
  char etag[RESPONSE_ETAG_SIZE];
  response_etag(*current, etag);
  const char *failed = NULL;
  if (response_etag_condition(job->request, "If-Match", etag, false) ==
      ETAG_DIFFERS) {
    failed = "changed since the ETag you sent; read it again";
  } else if (response_etag_condition(job->request, "If-None-Match", etag,
                                     true) == ETAG_MATCHES) {
    failed = "exists, with an ETag that If-None-Match names";
  }
  if (failed != NULL) {
    json_decref(*current);
    *current = NULL;
    request_problem_record(&job->problem, PROBLEM_PRECONDITION_FAILED, NULL,
                           "the %s %s", resource->name, failed);
    return API_PROBLEM_RECORDED;
  }
  return DB_OK;
}

/* Answers what a patch or delete body refused: the record is absent, or
   the problem it recorded. */
static void answer_write_refusal(struct request *request,
                                 const struct resource *resource,
                                 const char *key, int outcome,
                                 struct request_problem *problem) {
  if (outcome == API_NOT_FOUND) {
    answer_not_found(request, resource, key);
  } else if (outcome == API_PROBLEM_RECORDED) {
    response_problem_answer(request, problem);
  }
  request_problem_release(problem);
}

static int patch_body(struct db_conn *conn, void *closure) {
  struct record_job *job = closure;
  const struct resource *resource = job->resource;
  json_decref(job->record);
  job->record = NULL;
  json_t *current = NULL;
  int outcome = record_lock_current(conn, job, &current);
  if (outcome != DB_OK) {
    return outcome;
  }
  /* An empty merge patch ({}) writes nothing: the record, its updated_at
     and its ETag stay as they are. Any other patch writes, even one that
     restates values (a person's PATCH makes a claim theirs: origin). */
  if (json_object_size(job->input) == 0) {
    job->record = current;
    return DB_OK;
  }
  json_t *merged =
      fields_writable_copy(resource->fields, resource->field_count, current);
  fields_merge_patch(merged, job->input);
  json_decref(current);
  json_t *errors = json_array();
  enum problem problem = fields_check(resource->fields, resource->field_count,
                                      merged, FIELD_CHECK_FULL, errors);
  if (problem == PROBLEM_COUNT && resource->references_valid != NULL) {
    int checked = resource->references_valid(conn, merged, job->key, errors);
    if (checked == DB_NOT_FOUND) {
      problem = PROBLEM_INVALID_VALUE;
    } else if (checked != DB_OK) {
      json_decref(errors);
      json_decref(merged);
      return checked;
    }
  }
  if (problem != PROBLEM_COUNT) {
    json_decref(merged);
    request_problem_record(&job->problem, problem, errors,
                           "the patched record would be invalid");
    return API_PROBLEM_RECORDED;
  }
  json_decref(errors);
  struct field_values values;
  if (fields_to_values(resource->fields, resource->field_count, merged,
                       &values) != 0) {
    field_values_release(&values);
    json_decref(merged);
    return DB_HARD_ERROR;
  }
  outcome = resource->update(conn, job->key, values.value);
  field_values_release(&values);
  const char *key = job->key;
  if (resource->key == KEY_SLUG) {
    snprintf(job->new_key, sizeof job->new_key, "%s",
             json_string_value(json_object_get(merged, "slug")));
    key = job->new_key;
  }
  if (outcome == DB_OK) {
    outcome = resource->fetch(conn, key, false, &job->record);
  }
  json_decref(merged);
  return outcome == DB_NOT_FOUND ? DB_HARD_ERROR : outcome;
}

void resource_patch(struct request *request, const struct resource *resource) {
  const char *key = record_key(request, resource);
  if (key == NULL || !preconditions_well_formed(request)) {
    return;
  }
  json_t *errors = json_array();
  enum problem problem = fields_check(resource->fields, resource->field_count,
                                      request->json, FIELD_CHECK_SHAPE, errors);
  if (problem != PROBLEM_COUNT) {
    response_problem_steal(request, problem,
                           "the patch does not fit the schema", errors);
    return;
  }
  json_decref(errors);
  struct record_job job = {.request = request,
                           .resource = resource,
                           .key = key,
                           .input = request->json};
  int outcome = api_with_connection(request, patch_body, &job, true);
  if (outcome == API_OK) {
    response_record_steal(request, 200, job.record);
    job.record = NULL;
  }
  answer_write_refusal(request, resource, key, outcome, &job.problem);
  json_decref(job.record);
}

/* --- delete ------------------------------------------------------------- */

static int delete_body(struct db_conn *conn, void *closure) {
  struct record_job *job = closure;
  const struct resource *resource = job->resource;
  if (request_header(job->request, "If-Match") != NULL ||
      request_header(job->request, "If-None-Match") != NULL) {
    json_t *current = NULL;
    int outcome = record_lock_current(conn, job, &current);
    json_decref(current);
    if (outcome != DB_OK) {
      return outcome;
    }
  }
  return resource->remove(conn, job->key);
}

void resource_delete(struct request *request, const struct resource *resource) {
  const char *key = record_key(request, resource);
  if (key == NULL || !preconditions_well_formed(request)) {
    return;
  }
  struct record_job job = {
      .request = request, .resource = resource, .key = key};
  int outcome = api_with_connection(request, delete_body, &job, true);
  if (outcome == API_OK) {
    response_empty(request, 204);
  }
  answer_write_refusal(request, resource, key, outcome, &job.problem);
}
