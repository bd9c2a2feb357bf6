/* One HTTP request in flight: what the router parsed and what it answers.
 *
 * Ownership: the request owns `body`, `json` (a Jansson reference) and
 * `response`; the completion callback of the daemon frees all three with the
 * request. Strings from MHD (path, headers, query values) are borrowed and
 * live as long as the request. */
#ifndef PARLEY_HTTP_REQUEST_H
#define PARLEY_HTTP_REQUEST_H

#include "common/problem.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct MHD_Connection;
struct MHD_Response;
struct route;
struct http_daemon;
struct header_copy;
struct request;

/* One step of a deferred answer (request_defer). */
typedef void request_step(struct request *request);

enum http_method {
  HTTP_GET = 1 << 0,
  HTTP_HEAD = 1 << 1,
  HTTP_POST = 1 << 2,
  HTTP_PATCH = 1 << 3,
  HTTP_DELETE = 1 << 4,
  HTTP_PUT = 1 << 5,
  HTTP_OPTIONS = 1 << 6,
  HTTP_OTHER = 1 << 7,
};

#define REQUEST_MAX_PATH_PARAMS 2

struct request {
  struct MHD_Connection *connection;
  struct http_daemon *daemon;
  const struct route *route;
  enum http_method method;
  char method_name[12];
  const char *path;
  const char *path_params[REQUEST_MAX_PATH_PARAMS];
  char *path_copy; /* owns the storage of path_params */

  char *body;
  size_t body_length;
  size_t body_capacity;
  size_t body_discarded;    /* bytes dropped after the body went over limit */
  const char *content_type; /* the media type of the body, lowercase */
  json_t *json;             /* the parsed JSON body, or NULL */

  /* A problem found before the body was read, answered after it. */
  bool has_early_problem;
  enum problem early_problem;
  char early_detail[160];

  struct MHD_Response *response;
  unsigned status;
  size_t response_bytes;
  bool answered;

  long long started_us;
  /* Monotonic start and the worker's busy time then: the body's deadline
     counts only time spent waiting on the client. */
  long long begun_monotonic_us;
  long long begun_busy_us;
  char id[33];
  long long key_id; /* the API key that authorised a write, or 0 */
  struct header_copy *header_copies; /* trimmed header values, owned */

  /* A handler that waits without holding its worker (request_defer,
     request_offload). */
  request_step *deferred_start;
  request_step *deferred_finish;
  void *deferred;                /* the handler's state, owned */
  void (*deferred_free)(void *); /* frees it when the request ends */
  request_step *offloaded;       /* what a handler thread is to run */
  const void *handler_context;   /* the handler's own, for that step */
  bool suspended;                /* its connection is, or was, suspended */
  _Atomic bool resumed;
};

/* Defers the answer: once the handler returns, the daemon suspends the
   connection (its worker goes on with other connections) and calls
   `start`, which must lead, on any thread, to exactly one request_resume;
   the daemon then calls `finish` on a worker to answer. `state` belongs to
   the request from here on: `release` frees it when the request ends
   (after `finish`, or when the connection closes first). */
void request_defer(struct request *request, request_step *start,
                   request_step *finish, void *state, void (*release)(void *));

/* Wakes a deferred request, or a suspended stream; any thread, once. */
void request_resume(struct request *request);

/* Suspends a streamed answer (response_stream) from its content reader,
   which then returns 0 bytes: the worker goes on with other connections
   until request_resume, and MHD then asks the content reader again. For a
   part of the body that must wait on the database. */
void request_suspend_stream(struct request *request);

/* Runs `step` on one of the daemon's handler threads, which may wait on
   the database (http_options.handler_threads), the connection suspended
   meanwhile; `step` answers as a handler does, and may itself defer
   (request_defer). False when there are no handler threads, or this is
   one: then the caller runs it itself. */
bool request_offload(struct request *request, request_step *step);

/* A request header's value without surrounding whitespace (space, tab), or
   NULL. A value that needs trimming at its end is copied; the request owns
   the copy. */
const char *request_header(struct request *request, const char *name);

/* Frees the copies request_header made (once, when the request ends). */
void request_release_headers(struct request *request);

/* Query parameters, declared per list endpoint as a table. */
enum query_type {
  QUERY_TEXT,    /* any non-empty string up to max_length bytes */
  QUERY_SLUG,    /* [a-z0-9-]{1,64} */
  QUERY_INTEGER, /* decimal in [minimum, maximum] */
  QUERY_DATE,    /* YYYY-MM-DD, a real date */
  QUERY_BOOLEAN, /* true or false */
  QUERY_ENUM,    /* one of `values` */
};

struct query_param {
  const char *name;
  enum query_type type;
  long long minimum, maximum; /* QUERY_INTEGER */
  size_t max_length;          /* QUERY_TEXT, 0 means 200 */
  const char *const *values;  /* QUERY_ENUM, NULL-terminated */
};

/* One parsed value; `text` is borrowed from MHD, `integer` set for integers
   and booleans (0/1). */
struct query_value {
  bool present;
  const char *text;
  long long integer;
};

/* A problem a step found in what the client sent, kept for the handler to
   answer (response_problem_answer): its kind, detail and either one
   {field, message} entry of `errors` or a whole errors array. Steps record
   problems; only handlers write responses. */
#define REQUEST_PROBLEM_DETAIL_SIZE 512
struct request_problem {
  enum problem kind; /* PROBLEM_COUNT while none is recorded */
  char detail[REQUEST_PROBLEM_DETAIL_SIZE];
  char field[96];    /* the one errors entry's field, or "" */
  char message[160]; /* and its message */
  json_t *errors;    /* or an array of {field, message}, owned, or NULL */
};

/* Records a problem with a formatted detail; steals `errors` (NULL for
   none). */
void request_problem_record(struct request_problem *problem, enum problem kind,
                            json_t *errors, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
/* Releases the errors array of a problem recorded but not answered. */
void request_problem_release(struct request_problem *problem);

/* Parses the query string against `params` (count entries) into `values`
   (same order): true, or false with `problem` recorded (400) for an
   unknown, repeated, empty or invalid parameter. */
bool request_parse_query(struct request *request,
                         const struct query_param *params, size_t count,
                         struct query_value *values,
                         struct request_problem *problem);

/* The parser behind request_parse_query, apart from MHD (which splits and
   percent-decodes the query string) so that it can be tested and fuzzed:
   begin, then accept each key/value pair in order; after the first refusal
   `bad_name` and `bad_reason` say why. Values keep pointers to the texts
   given, which must outlive them. */
struct query_parse {
  const struct query_param *params;
  size_t count;
  struct query_value *values;
  const char *bad_name; /* the first offending parameter, or NULL */
  const char *bad_reason;
  char reason_buffer[160];
};

void query_parse_begin(struct query_parse *walk,
                       const struct query_param *params, size_t count,
                       struct query_value *values);
/* `text` may be NULL (a key without '='); both are sized, since a decoded
   value may hold a NUL byte, which is refused. */
bool query_parse_accept(struct query_parse *walk, const char *key,
                        size_t key_size, const char *text, size_t text_size);

/* Checks a YYYY-MM-DD date for form and calendar validity. */
bool request_date_is_valid(const char *text);

#endif
