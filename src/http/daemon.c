/* The libmicrohttpd daemon: request life cycle, body intake, dispatch,
 * common headers, access log and graceful shutdown. */
#include "http/daemon.h"
#include "offload.h"

#include "common/clock.h"
#include "common/encoding.h"
#include "common/log.h"
#include "common/metrics.h"
#include "http/response.h"

#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Time one MHD worker thread spent in our callbacks (handlers above all).
   While a worker runs one request's handler its other connections wait,
   unread: that time is the server's, never counted against their clients.
   Written by its worker, read by the reaper. */
struct worker_clock {
  atomic_llong busy_total_us; /* finished callback time */
  atomic_llong busy_since_us; /* start of the callback running, or 0 */
};

/* One open connection, from MHD's STARTED to its CLOSED notification (its
   socket_context). The list is guarded by the daemon's watch_mutex. */
struct connection_watch {
  struct connection_watch *previous;
  struct connection_watch *next;
  MHD_socket socket;
  struct MHD_Connection *connection;
  struct worker_clock *clock; /* the worker serving it, or NULL */
  bool awaiting_head;         /* no request head complete since ready_us */
  bool cut;                   /* already shut down by the reaper */
  long long ready_us;         /* accepted, or the previous response done */
  long long ready_busy_us;    /* the worker's busy time at ready_us */
};

struct http_daemon {
  struct MHD_Daemon *mhd;
  struct http_options options;
  /* Connections whose request head is awaited, and the reaper thread that
     cuts those overdue (MHD's own timeout only measures idleness). */
  pthread_mutex_t watch_mutex;
  pthread_cond_t reaper_wake;
  struct connection_watch *watches;
  bool reaper_started;
  bool reaper_stop; /* guarded by watch_mutex */
  pthread_t reaper;
  struct worker_clock *clocks; /* threads + 1 of them */
  unsigned clock_count;
  atomic_uint clocks_taken;
  char *cors_origins; /* owned copy of options.cors_origins */
  bool cors_any;
  atomic_bool draining;
  atomic_long in_flight;
  atomic_long suspended;   /* deferred requests not yet resumed */
  struct offload *offload; /* handler threads, or NULL */
  atomic_ullong request_counter;
  char id_prefix[17];
};

long long http_now_us(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (long long)now.tv_sec * 1000000LL + now.tv_nsec / 1000;
}

/* The calling worker thread's clock (taken on first use), or NULL. */
static _Thread_local const struct http_daemon *thread_clock_daemon;
static _Thread_local struct worker_clock *thread_clock;

static struct worker_clock *worker_clock_current(struct http_daemon *daemon) {
  if (thread_clock_daemon != daemon) {
    thread_clock_daemon = daemon;
    unsigned index = atomic_fetch_add(&daemon->clocks_taken, 1);
    thread_clock = index < daemon->clock_count ? &daemon->clocks[index] : NULL;
  }
  return thread_clock;
}

static void worker_clock_enter(struct worker_clock *clock) {
  if (clock != NULL) {
    atomic_store(&clock->busy_since_us, clock_monotonic_us());
  }
}

/* The total is added before `since` is cleared, and worker_clock_busy reads
   `since` first: a reader may count a callback twice, never miss one (which
   could wrongly cut a client). */
static void worker_clock_leave(struct worker_clock *clock) {
  if (clock != NULL) {
    long long since = atomic_load(&clock->busy_since_us);
    atomic_fetch_add(&clock->busy_total_us, clock_monotonic_us() - since);
    atomic_store(&clock->busy_since_us, 0);
  }
}

/* Busy microseconds of a worker so far, the running callback included. */
static long long worker_clock_busy(struct worker_clock *clock, long long now) {
  if (clock == NULL) {
    return 0;
  }
  long long since = atomic_load(&clock->busy_since_us);
  long long total = atomic_load(&clock->busy_total_us);
  return total + (since != 0 && now > since ? now - since : 0);
}

static struct connection_watch *
connection_watch_of(struct MHD_Connection *connection) {
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info != NULL ? info->socket_context : NULL;
}

/* The connection became ready for a request (accepted, or its previous
   response done): its head is due within the header timeout from now. */
static void connection_watch_ready(struct http_daemon *daemon,
                                   struct connection_watch *watch) {
  long long now = clock_monotonic_us();
  pthread_mutex_lock(&daemon->watch_mutex);
  watch->awaiting_head = true;
  watch->ready_us = now;
  watch->ready_busy_us = worker_clock_busy(watch->clock, now);
  pthread_mutex_unlock(&daemon->watch_mutex);
}

static void connection_notified(void *closure,
                                struct MHD_Connection *connection,
                                void **socket_context,
                                enum MHD_ConnectionNotificationCode code) {
  struct http_daemon *daemon = closure;
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    struct connection_watch *watch = calloc(1, sizeof *watch);
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (watch == NULL || info == NULL) {
      free(watch); /* unwatched: only MHD's idle timeout applies */
      return;
    }
    watch->socket = info->connect_fd;
    watch->connection = connection;
    watch->clock = worker_clock_current(daemon);
    pthread_mutex_lock(&daemon->watch_mutex);
    watch->next = daemon->watches;
    if (daemon->watches != NULL) {
      daemon->watches->previous = watch;
    }
    daemon->watches = watch;
    pthread_mutex_unlock(&daemon->watch_mutex);
    connection_watch_ready(daemon, watch);
    *socket_context = watch;
    return;
  }
  /* CLOSED: MHD closes the socket only after this returns, so the reaper,
     which shuts sockets down holding the mutex, never touches a closed (or
     reused) descriptor. */
  struct connection_watch *watch = *socket_context;
  if (watch == NULL) {
    return;
  }
  pthread_mutex_lock(&daemon->watch_mutex);
  if (watch->previous != NULL) {
    watch->previous->next = watch->next;
  } else {
    daemon->watches = watch->next;
  }
  if (watch->next != NULL) {
    watch->next->previous = watch->previous;
  }
  pthread_mutex_unlock(&daemon->watch_mutex);
  free(watch);
  *socket_context = NULL;
}

/* After this worker ran one callback for a second or more, its other
   connections went unread that long: MHD would count it as their clients'
   idleness. Setting a connection's timeout from 0 back to the daemon's
   restarts MHD's idle timer (MHD_set_connection_option; these connections
   belong to this thread, which is the one allowed to change them). */
static void idle_timers_restart(struct http_daemon *daemon,
                                const struct worker_clock *clock,
                                struct MHD_Connection *current) {
  if (clock == NULL) {
    return;
  }
  pthread_mutex_lock(&daemon->watch_mutex);
  for (struct connection_watch *watch = daemon->watches; watch != NULL;
       watch = watch->next) {
    if (watch->clock == clock && watch->connection != current) {
      MHD_set_connection_option(watch->connection,
                                MHD_CONNECTION_OPTION_TIMEOUT, 0U);
      MHD_set_connection_option(
          watch->connection, MHD_CONNECTION_OPTION_TIMEOUT,
          (unsigned int)daemon->options.connection_timeout_s);
    }
  }
  pthread_mutex_unlock(&daemon->watch_mutex);
}

/* Every half second: shut down the sockets of connections whose request
   head is overdue. MHD then reads end-of-file and closes the connection in
   its own thread. Time the connection's worker spent busy on other requests
   is not the client's and is left out. */
static void *reaper_run(void *closure) {
  struct http_daemon *daemon = closure;
  long long limit_us = (long long)daemon->options.header_timeout_s * 1000000LL;
  pthread_mutex_lock(&daemon->watch_mutex);
  while (!daemon->reaper_stop) {
    struct timespec wake;
    clock_gettime(CLOCK_MONOTONIC, &wake);
    wake.tv_nsec += 500000000L;
    if (wake.tv_nsec >= 1000000000L) {
      wake.tv_sec++;
      wake.tv_nsec -= 1000000000L;
    }
    int waited = 0;
    while (!daemon->reaper_stop && waited != ETIMEDOUT) {
      waited = pthread_cond_timedwait(&daemon->reaper_wake,
                                      &daemon->watch_mutex, &wake);
    }
    if (daemon->reaper_stop) {
      break;
    }
    long long now = clock_monotonic_us();
    unsigned cut = 0;
    for (struct connection_watch *watch = daemon->watches; watch != NULL;
         watch = watch->next) {
      if (!watch->awaiting_head || watch->cut) {
        continue;
      }
      long long waiting =
          now - watch->ready_us -
          (worker_clock_busy(watch->clock, now) - watch->ready_busy_us);
      if (waiting > limit_us) {
        shutdown(watch->socket, SHUT_RDWR);
        watch->cut = true;
        cut++;
      }
    }
    if (cut > 0) {
      log_warn("%u connection%s closed: no complete request head within %u s",
               cut, cut == 1 ? "" : "s", daemon->options.header_timeout_s);
    }
  }
  pthread_mutex_unlock(&daemon->watch_mutex);
  return NULL;
}

/* 1,024 connections and the database pool need more descriptors than a
   soft limit of 1,024 gives: take what the hard limit allows. */
static void descriptor_limit_raise(void) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      log_warn("cannot raise the open file limit (errno %d)", errno);
    }
  }
}

static enum http_method method_from_name(const char *name) {
  static const struct {
    const char *name;
    enum http_method method;
  } methods[] = {{"GET", HTTP_GET},        {"HEAD", HTTP_HEAD},
                 {"POST", HTTP_POST},      {"PATCH", HTTP_PATCH},
                 {"DELETE", HTTP_DELETE},  {"PUT", HTTP_PUT},
                 {"OPTIONS", HTTP_OPTIONS}};
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    if (strcmp(methods[i].name, name) == 0) {
      return methods[i].method;
    }
  }
  return HTTP_OTHER;
}

/* The name of a route's method, for metrics labels. */
static const char *method_label(enum http_method method) {
  switch (method) {
  case HTTP_GET:
    return "GET";
  case HTTP_HEAD:
    return "HEAD";
  case HTTP_POST:
    return "POST";
  case HTTP_PATCH:
    return "PATCH";
  case HTTP_DELETE:
    return "DELETE";
  case HTTP_PUT:
    return "PUT";
  case HTTP_OPTIONS:
    return "OPTIONS";
  default:
    return "OTHER";
  }
}

/* The allowed origin to echo for this request, or NULL. */
static const char *cors_allowed_origin(const struct http_daemon *daemon,
                                       const char *origin) {
  if (origin == NULL) {
    return NULL;
  }
  if (daemon->cors_any) {
    return "*";
  }
  size_t length = strlen(origin);
  for (const char *p = daemon->cors_origins; *p != '\0';) {
    const char *end = strchr(p, ',');
    size_t item = end != NULL ? (size_t)(end - p) : strlen(p);
    if (item == length && memcmp(p, origin, length) == 0) {
      return origin;
    }
    p += item + (end != NULL ? 1 : 0);
  }
  return NULL;
}

static void request_id_assign(struct http_daemon *daemon,
                              struct request *request) {
  const char *given = request_header(request, "X-Request-Id");
  if (given != NULL) {
    size_t length = strlen(given);
    bool usable = length >= 1 && length < sizeof request->id;
    for (size_t i = 0; usable && i < length; i++) {
      usable = isalnum((unsigned char)given[i]) || given[i] == '-' ||
               given[i] == '_' || given[i] == '.';
    }
    if (usable) {
      memcpy(request->id, given, length + 1);
      return;
    }
  }
  unsigned long long number = atomic_fetch_add(&daemon->request_counter, 1);
  snprintf(request->id, sizeof request->id, "%s%016llx", daemon->id_prefix,
           number);
}

static bool is_optional_whitespace(char c) {
  return c == ' ' || c == '\t';
}

/* RFC 9110 token characters (media types, parameter names). */
static bool is_token_char(char c) {
  return isalnum((unsigned char)c) ||
         (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* Reads the media type of the body (RFC 9110: type "/" subtype *( OWS ";"
   OWS [ name "=" value ] ), OWS being spaces and tabs), lowercase. Only a
   utf-8 charset is accepted; anything else after the type makes it
   unusable (false). */
static bool content_type_parse(const char *header, char *media_type,
                               size_t size) {
  size_t used = 0;
  const char *p = header;
  bool slash = false;
  while ((is_token_char(*p) || (*p == '/' && !slash)) && used + 1 < size) {
    slash = slash || *p == '/';
    media_type[used++] = (char)tolower((unsigned char)*p++);
  }
  media_type[used] = '\0';
  if (!slash || media_type[used - 1] == '/' || media_type[0] == '/') {
    return false;
  }
  for (;;) {
    while (is_optional_whitespace(*p)) {
      p++;
    }
    if (*p == '\0') {
      return true;
    }
    if (*p != ';') {
      return false;
    }
    p++;
    while (is_optional_whitespace(*p)) {
      p++;
    }
    if (*p == ';' || *p == '\0') {
      continue; /* an empty parameter */
    }
    const char *name = p;
    while (is_token_char(*p)) {
      p++;
    }
    size_t name_length = (size_t)(p - name);
    if (name_length == 0 || *p != '=') {
      return false;
    }
    p++;
    const char *value = p;
    size_t value_length = 0;
    if (*p == '"') {
      const char *end = strchr(p + 1, '"');
      if (end == NULL) {
        return false;
      }
      value = p + 1;
      value_length = (size_t)(end - value);
      p = end + 1;
    } else {
      while (is_token_char(*p)) {
        p++;
      }
      value_length = (size_t)(p - value);
      if (value_length == 0) {
        return false;
      }
    }
    if (name_length == 7 && strncasecmp(name, "charset", 7) == 0 &&
        !(value_length == 5 && strncasecmp(value, "utf-8", 5) == 0)) {
      return false;
    }
  }
}

/* Body intake and parsing for the route's declared body kind; answers 415
   or 400 itself and returns false then. */
static bool request_read_body(struct request *request) {
  enum route_body kind = request->route->body;
  if (kind == ROUTE_BODY_NONE) {
    return true;
  }
  const char *header = request_header(request, "Content-Type");
  char media_type[96];
  bool known = header != NULL &&
               content_type_parse(header, media_type, sizeof media_type);
  bool json = known && strcmp(media_type, "application/json") == 0;
  bool merge_patch =
      known && strcmp(media_type, "application/merge-patch+json") == 0;
  bool text = known && strcmp(media_type, "text/plain") == 0;
  bool accepted = (kind == ROUTE_BODY_JSON && json) ||
                  (kind == ROUTE_BODY_MERGE_PATCH && (json || merge_patch)) ||
                  (kind == ROUTE_BODY_TEXT_OR_JSON && (json || text));
  if (!accepted) {
    const char *expected =
        kind == ROUTE_BODY_JSON ? "application/json"
        : kind == ROUTE_BODY_MERGE_PATCH
            ? "application/merge-patch+json or application/json"
            : "text/plain or application/json";
    response_problem(request, PROBLEM_UNSUPPORTED_MEDIA_TYPE,
                     "the body must be %s (with charset utf-8, if any)",
                     expected);
    return false;
  }
  request->content_type = text ? "text/plain" : "application/json";
  if (request->body_length == 0) {
    response_problem(request, PROBLEM_INVALID_BODY, "the request needs a body");
    return false;
  }
  if (text) {
    return true;
  }
  json_error_t error;
  request->json = json_loadb(request->body, request->body_length,
                             JSON_REJECT_DUPLICATES, &error);
  if (request->json == NULL) {
    response_problem(request, PROBLEM_MALFORMED_JSON,
                     "line %d, column %d (byte %d): %s", error.line,
                     error.column, error.position, error.text);
    return false;
  }
  return true;
}

static void answer_options(struct http_daemon *daemon, struct request *request,
                           unsigned allowed) {
  char allow[96];
  router_allow_header(allowed, allow, sizeof allow);
  response_empty(request, 204);
  response_add_header(request, MHD_HTTP_HEADER_ALLOW, allow);
  const char *origin = request_header(request, "Origin");
  if (cors_allowed_origin(daemon, origin) != NULL) {
    response_add_header(request, "Access-Control-Allow-Methods", allow);
    response_add_header(request, "Access-Control-Allow-Headers",
                        "Authorization, Content-Type, Idempotency-Key, "
                        "If-Match, If-None-Match, X-Request-Id");
    response_add_header(request, "Access-Control-Max-Age", "86400");
  }
}

/* Runs once the whole request is in: router decisions, auth, body, handler. */
static void request_dispatch(struct http_daemon *daemon,
                             struct request *request) {
  if (request->has_early_problem) {
    response_problem(request, request->early_problem, "%s",
                     request->early_detail);
    if (request->early_problem == PROBLEM_METHOD_NOT_ALLOWED) {
      unsigned allowed = 0;
      router_match(daemon->options.routes, request, request->path, HTTP_OTHER,
                   &allowed);
      char allow[96];
      router_allow_header(allowed, allow, sizeof allow);
      response_add_header(request, MHD_HTTP_HEADER_ALLOW, allow);
    }
    return;
  }
  if (request->route == NULL) {
    unsigned allowed = 0;
    router_match(daemon->options.routes, request, request->path, HTTP_OTHER,
                 &allowed);
    answer_options(daemon, request, allowed);
    return;
  }
  if (request->route->flags & ROUTE_WRITE) {
    const char *authorization = request_header(request, "Authorization");
    enum http_authorization verdict = HTTP_UNAUTHENTICATED;
    if (authorization != NULL &&
        strncasecmp(authorization, "Bearer ", 7) == 0) {
      const char *key = authorization + 7;
      while (*key == ' ') {
        key++;
      }
      verdict = daemon->options.authorize(request, key);
    }
    if (verdict == HTTP_UNVERIFIED) {
      return;
    }
    if (verdict == HTTP_FORBIDDEN) {
      response_problem(request, PROBLEM_FORBIDDEN,
                       "forbidden: the key's scope does not allow writes");
      return;
    }
    if (verdict != HTTP_AUTHORIZED) {
      response_problem(request, PROBLEM_UNAUTHORIZED,
                       "writes need the header 'Authorization: Bearer <key>' "
                       "with a valid key");
      response_add_header(request, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                          "Bearer realm=\"parley\"");
      return;
    }
  }
  if (!request_read_body(request)) {
    return;
  }
  request->route->handler(request);
}

/* Adds what every response carries, then queues it. */
static enum MHD_Result request_queue(struct http_daemon *daemon,
                                     struct request *request) {
  if (request->response == NULL) {
    /* A handler that answered nothing is our bug, not the client's. */
    log_error("no response for %s (request %s)", request->path, request->id);
    response_problem(request, PROBLEM_INTERNAL, "the server failed to answer");
    if (request->response == NULL) {
      return MHD_NO;
    }
  }
  struct MHD_Response *response = request->response;
  MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(response, "X-Request-Id", request->id);
  const char *origin =
      cors_allowed_origin(daemon, request_header(request, "Origin"));
  if (origin != NULL) {
    MHD_add_response_header(response, "Access-Control-Allow-Origin", origin);
    MHD_add_response_header(response, "Access-Control-Expose-Headers",
                            "ETag, Idempotent-Replayed, Link, Location, "
                            "Retry-After, WWW-Authenticate, X-Request-Id");
  }
  if (!daemon->cors_any) {
    /* With an origin list the answer depends on Origin, even where it does
       not match or is absent: caches must keep the variants apart. */
    MHD_add_response_header(response, "Vary", "Origin");
  }
  if (atomic_load(&daemon->draining)) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
  }
  request->answered = true;
  enum MHD_Result result =
      MHD_queue_response(request->connection, request->status, response);
  MHD_destroy_response(response);
  request->response = NULL;
  return result;
}

/* What the raw request target says of its path, before MHD decodes it
   (%00 would cut a segment short, %2F would split it). The URI log
   callback's return value becomes the request's first context, so a static
   marker (nothing to free) carries the verdict to the access handler. */
enum raw_path {
  RAW_PATH_PLAIN,
  RAW_PATH_ENCODED_NUL,
  RAW_PATH_ENCODED_SLASH,
  RAW_PATH_COUNT
};
static char raw_path_markers[RAW_PATH_COUNT];

static void *raw_path_check(void *closure, const char *uri,
                            struct MHD_Connection *connection) {
  (void)closure;
  (void)connection;
  enum raw_path verdict = RAW_PATH_PLAIN;
  for (const char *p = uri; *p != '\0' && *p != '?'; p++) {
    if (p[0] == '%' && p[1] == '0' && p[2] == '0') {
      verdict = RAW_PATH_ENCODED_NUL;
      break;
    }
    if (p[0] == '%' && p[1] == '2' && (p[2] == 'F' || p[2] == 'f')) {
      verdict = RAW_PATH_ENCODED_SLASH;
    }
  }
  return &raw_path_markers[verdict];
}

/* The marker's verdict, or RAW_PATH_COUNT when `context` is a request. */
static enum raw_path raw_path_of(const void *context) {
  for (int i = 0; i < RAW_PATH_COUNT; i++) {
    if (context == &raw_path_markers[i]) {
      return (enum raw_path)i;
    }
  }
  return context == NULL ? RAW_PATH_PLAIN : RAW_PATH_COUNT;
}

/* What one pass over the header lines found (libmicrohttpd 0.9.75 lets all
   of these through). */
struct header_scan {
  unsigned host_count;
  unsigned transfer_encoding_count;
  bool content_length;
  const char *transfer_encoding;
  const char *malformed; /* why the head is malformed, or NULL */
};

static enum MHD_Result header_visit(void *closure, enum MHD_ValueKind kind,
                                    const char *key, size_t key_size,
                                    const char *value, size_t value_size) {
  struct header_scan *scan = closure;
  (void)kind;
  if (key_size == 0) {
    scan->malformed = "a header line has an empty name";
    return MHD_NO;
  }
  for (size_t i = 0; i < key_size; i++) {
    if (!is_token_char(key[i])) {
      scan->malformed = "a header name holds a character a name cannot hold";
      return MHD_NO;
    }
  }
  for (size_t i = 0; value != NULL && i < value_size; i++) {
    if (value[i] == '\0') {
      scan->malformed = "a header value holds a NUL character";
      return MHD_NO;
    }
    if (value[i] == '\r' || value[i] == '\n') {
      scan->malformed = "a header line holds a bare CR or LF";
      return MHD_NO;
    }
  }
  if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
    scan->host_count++;
  } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
    scan->content_length = true;
  } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
    scan->transfer_encoding_count++;
    scan->transfer_encoding = value != NULL ? value : "";
  }
  return MHD_YES;
}

/* Refuses a head whose framing is malformed or ambiguous (request
   smuggling through a proxy that reads it otherwise): answers at once and
   closes the connection. Returns false when it answered. */
static bool request_framing_check(struct request *request,
                                  const char *version) {
  struct header_scan scan = {0};
  MHD_get_connection_values_n(request->connection, MHD_HEADER_KIND,
                              header_visit, &scan);
  enum problem problem = PROBLEM_MALFORMED_REQUEST;
  const char *detail = scan.malformed;
  if (detail == NULL && scan.host_count == 0 &&
      strcmp(version, MHD_HTTP_VERSION_1_1) == 0) {
    detail = "an HTTP/1.1 request needs a Host header";
  } else if (detail == NULL && scan.host_count > 1) {
    detail = "the request has more than one Host header";
  } else if (detail == NULL && scan.transfer_encoding_count > 0) {
    const char *coding = scan.transfer_encoding;
    while (is_optional_whitespace(*coding)) {
      coding++;
    }
    size_t length = strlen(coding);
    while (length > 0 && is_optional_whitespace(coding[length - 1])) {
      length--;
    }
    if (scan.content_length) {
      detail = "Content-Length and Transfer-Encoding together are ambiguous";
    } else if (scan.transfer_encoding_count > 1 || length != 7 ||
               strncasecmp(coding, "chunked", 7) != 0) {
      problem = PROBLEM_NOT_IMPLEMENTED;
      detail = "the only transfer coding accepted is chunked";
    }
  }
  if (detail == NULL) {
    return true;
  }
  response_problem(request, problem, "%s", detail);
  response_add_header(request, MHD_HTTP_HEADER_CONNECTION, "close");
  return false;
}

/* First call: set up the request, route it, check the framing and the
   declared length. */
static enum MHD_Result request_begin(struct http_daemon *daemon,
                                     struct MHD_Connection *connection,
                                     const char *url, const char *method,
                                     const char *version, void **context) {
  enum raw_path raw_path = raw_path_of(*context);
  struct request *request = calloc(1, sizeof *request);
  if (request == NULL) {
    return MHD_NO;
  }
  *context = request;
  atomic_fetch_add(&daemon->in_flight, 1);
  request->connection = connection;
  request->daemon = daemon;
  request->started_us = http_now_us();
  request->begun_monotonic_us = clock_monotonic_us();
  request->begun_busy_us = worker_clock_busy(worker_clock_current(daemon),
                                             request->begun_monotonic_us);
  request->method = method_from_name(method);
  snprintf(request->method_name, sizeof request->method_name, "%s", method);
  request->path = url;
  request->path_copy = strdup(url);
  if (request->path_copy == NULL) {
    return MHD_NO;
  }
  request_id_assign(daemon, request);
  if (!request_framing_check(request, version)) {
    return request_queue(daemon, request);
  }

  unsigned allowed = 0;
  if (raw_path == RAW_PATH_ENCODED_SLASH) {
    /* An encoded slash belongs to its segment; no resource has one. */
    request->has_early_problem = true;
    request->early_problem = PROBLEM_NOT_FOUND;
    snprintf(request->early_detail, sizeof request->early_detail,
             "no resource at this path (an encoded slash, %%2F, does not "
             "separate segments)");
  } else {
    request->route = router_match(daemon->options.routes, request, url,
                                  request->method, &allowed);
  }
  if (raw_path == RAW_PATH_ENCODED_NUL && allowed != 0) {
    /* MHD's decoded path ends at the NUL: a resource matched only what came
       before it. (A path that matches nothing is 404 as usual.) */
    request->route = NULL;
    request->has_early_problem = true;
    request->early_problem = PROBLEM_MALFORMED_REQUEST;
    snprintf(request->early_detail, sizeof request->early_detail,
             "the path holds an encoded NUL character (%%00)");
  }
  if (!request->has_early_problem && request->route == NULL &&
      !(request->method == HTTP_OPTIONS && allowed)) {
    request->has_early_problem = true;
    if (allowed == 0) {
      request->early_problem = PROBLEM_NOT_FOUND;
      snprintf(request->early_detail, sizeof request->early_detail,
               "no resource at this path");
    } else {
      request->early_problem = PROBLEM_METHOD_NOT_ALLOWED;
      snprintf(request->early_detail, sizeof request->early_detail,
               "%.20s is not allowed here", method);
    }
  }

  const char *length_header = MHD_lookup_connection_value(
      connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (length_header != NULL &&
      strtoull(length_header, NULL, 10) > daemon->options.body_limit) {
    /* Refused before a byte of the body is read; MHD closes the
       connection after this answer. */
    response_problem(request, PROBLEM_BODY_TOO_LARGE,
                     "the body is over the limit of %zu bytes",
                     daemon->options.body_limit);
    return request_queue(daemon, request);
  }
  return MHD_YES;
}

/* A body chunk: keep it (within the limit) or drop it when it is unwanted.
   A chunked body that outgrows the limit is answered 413 once it ends. */
static enum MHD_Result request_append(struct http_daemon *daemon,
                                      struct request *request, const char *data,
                                      size_t size) {
  /* MHD's timeout is for idle connections, so a body dripped a byte at a
     time would hold a connection for ever: the whole body must arrive
     within the connection timeout (MHD_NO closes the connection). Time
     this worker spent on other requests meanwhile is the server's. */
  long long now = clock_monotonic_us();
  long long busy = worker_clock_busy(worker_clock_current(daemon), now) -
                   request->begun_busy_us;
  if (now - request->begun_monotonic_us - busy >
      (long long)daemon->options.connection_timeout_s * 1000000LL) {
    log_warn("request %s: body still arriving after %u s; connection closed",
             request->id, daemon->options.connection_timeout_s);
    return MHD_NO;
  }
  if (request->has_early_problem &&
      request->early_problem == PROBLEM_BODY_TOO_LARGE) {
    /* MHD cannot answer in the middle of a body, so the rest is read and
       dropped; a client that goes on far past the limit is cut off. */
    request->body_discarded += size;
    return request->body_discarded > 4 * daemon->options.body_limit ? MHD_NO
                                                                    : MHD_YES;
  }
  bool wanted = !request->answered && !request->has_early_problem &&
                request->route != NULL &&
                request->route->body != ROUTE_BODY_NONE;
  if (!wanted) {
    return MHD_YES;
  }
  if (request->body_length + size > daemon->options.body_limit) {
    free(request->body);
    request->body = NULL;
    request->body_length = 0;
    request->body_capacity = 0;
    request->body_discarded = size;
    request->has_early_problem = true;
    request->early_problem = PROBLEM_BODY_TOO_LARGE;
    snprintf(request->early_detail, sizeof request->early_detail,
             "the body is over the limit of %zu bytes",
             daemon->options.body_limit);
    return MHD_YES;
  }
  if (request->body_length + size + 1 > request->body_capacity) {
    size_t capacity =
        request->body_capacity > 0 ? request->body_capacity : 4096;
    while (capacity < request->body_length + size + 1) {
      capacity *= 2;
    }
    char *grown = realloc(request->body, capacity);
    if (grown == NULL) {
      return MHD_NO;
    }
    request->body = grown;
    request->body_capacity = capacity;
  }
  memcpy(request->body + request->body_length, data, size);
  request->body_length += size;
  request->body[request->body_length] = '\0';
  return MHD_YES;
}

static void request_dispatch_step(struct request *request);

static enum MHD_Result access_handler_timed(
    struct http_daemon *daemon, struct MHD_Connection *connection,
    const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **context) {
  if (raw_path_of(*context) != RAW_PATH_COUNT) {
    struct connection_watch *watch = connection_watch_of(connection);
    if (watch != NULL) {
      pthread_mutex_lock(&daemon->watch_mutex);
      watch->awaiting_head = false; /* the head is complete */
      pthread_mutex_unlock(&daemon->watch_mutex);
    }
    /* Answering on this first call would make MHD close every connection:
       only a body over the limit is refused this early. */
    return request_begin(daemon, connection, url, method, version, context);
  }
  struct request *request = *context;
  if (*upload_data_size > 0) {
    size_t size = *upload_data_size;
    *upload_data_size = 0;
    return request_append(daemon, request, upload_data, size);
  }
  if (request->answered) {
    return MHD_YES;
  }
  /* Lines logged while the handler runs carry the request's id. */
  log_set_request_id(request->id);
  if (request->suspended) {
    if (!atomic_load(&request->resumed)) {
      log_set_request_id(NULL);
      return MHD_YES; /* not ours to answer yet */
    }
    request->suspended = false;
    request_step *finish = request->deferred_finish;
    request->deferred_finish = NULL;
    if (finish != NULL) {
      finish(request);
    }
  } else {
    if (daemon->offload != NULL && request->route != NULL &&
        !request->has_early_problem &&
        !(request->route->flags & ROUTE_IN_WORKER)) {
      /* Authorisation, body and handler on a handler thread: each may
         wait on the database. */
      request_offload(request, request_dispatch_step);
    } else {
      request_dispatch(daemon, request);
    }
    if (request->deferred_start != NULL && request->response == NULL) {
      /* Suspended before the job starts, so that its resume always comes
         after the suspension. */
      request_step *start = request->deferred_start;
      request->deferred_start = NULL;
      request->suspended = true;
      atomic_fetch_add(&daemon->suspended, 1);
      MHD_suspend_connection(connection);
      start(request);
      log_set_request_id(NULL);
      return MHD_YES;
    }
  }
  enum MHD_Result result = request_queue(daemon, request);
  log_set_request_id(NULL);
  return result;
}

void request_defer(struct request *request, request_step *start,
                   request_step *finish, void *state, void (*release)(void *)) {
  request->deferred_start = start;
  request->deferred_finish = finish;
  if (state != NULL || release != NULL) {
    request->deferred = state;
    request->deferred_free = release;
  }
  atomic_store(&request->resumed, false);
}

void request_suspend_stream(struct request *request) {
  atomic_store(&request->resumed, false);
  /* Counted as deferred requests are: shutdown waits for it to wake. */
  atomic_fetch_add(&request->daemon->suspended, 1);
  MHD_suspend_connection(request->connection);
}

void request_resume(struct request *request) {
  atomic_store(&request->resumed, true);
  atomic_fetch_sub(&request->daemon->suspended, 1);
  MHD_resume_connection(request->connection);
}

/* --- handler threads ------------------------------------------------------ */

/* Set on the handler threads: a step they run is not offloaded again. */
static _Thread_local bool on_handler_thread;

static void request_dispatch_step(struct request *request) {
  request_dispatch(request->daemon, request);
}

/* On a handler thread: runs the step, then wakes the connection, unless
   the step deferred its answer again (to the reader), whose callback
   will. */
static void offloaded_run(void *argument, long long waited_ms) {
  struct request *request = argument;
  struct http_daemon *daemon = request->daemon;
  on_handler_thread = true;
  log_set_request_id(request->id);
  request_step *step = request->offloaded;
  request->offloaded = NULL;
  if (waited_ms > (long long)daemon->options.handler_queue_ms) {
    response_problem(request, PROBLEM_DATABASE_UNAVAILABLE,
                     "the service is busy; try again shortly");
  } else {
    step(request);
  }
  log_set_request_id(NULL);
  if (request->deferred_start != NULL && request->response == NULL) {
    request_step *start = request->deferred_start;
    request->deferred_start = NULL;
    start(request);
  } else {
    request_resume(request);
  }
}

static void offloaded_start(struct request *request) {
  if (!offload_submit(request->daemon->offload, offloaded_run, request)) {
    response_problem(request, PROBLEM_SHUTTING_DOWN,
                     "the service is shutting down");
    request_resume(request);
  }
}

bool request_offload(struct request *request, request_step *step) {
  if (request->daemon->offload == NULL || on_handler_thread) {
    return false;
  }
  request->offloaded = step;
  request_defer(request, offloaded_start, NULL, NULL, NULL);
  return true;
}

static enum MHD_Result
access_handler(void *closure, struct MHD_Connection *connection,
               const char *url, const char *method, const char *version,
               const char *upload_data, size_t *upload_data_size,
               void **context) {
  struct http_daemon *daemon = closure;
  struct worker_clock *clock = worker_clock_current(daemon);
  long long entered = clock_monotonic_us();
  worker_clock_enter(clock);
  enum MHD_Result result =
      access_handler_timed(daemon, connection, url, method, version,
                           upload_data, upload_data_size, context);
  worker_clock_leave(clock);
  if (clock_monotonic_us() - entered >= 1000000LL) {
    idle_timers_restart(daemon, clock, connection);
  }
  return result;
}

static void request_completed(void *closure, struct MHD_Connection *connection,
                              void **context,
                              enum MHD_RequestTerminationCode code) {
  struct http_daemon *daemon = closure;
  struct request *request = *context;
  struct connection_watch *watch = connection_watch_of(connection);
  if (watch != NULL) {
    /* Ready for the next request on a kept-alive connection. */
    connection_watch_ready(daemon, watch);
  }
  if (raw_path_of(request) != RAW_PATH_COUNT) {
    *context = NULL; /* a marker of the URI callback: nothing to free */
    return;
  }
  long long elapsed = http_now_us() - request->started_us;
  metrics_request_observe(
      request->route != NULL
          ? (unsigned)(request->route - daemon->options.routes)
          : METRICS_UNMATCHED,
      request->status, elapsed);
  struct log_access access = {
      .request_id = request->id,
      .method = request->method_name,
      .route = request->route != NULL ? request->route->pattern : NULL,
      .path = request->path != NULL ? request->path : "",
      .status = request->status,
      .bytes = request->response_bytes,
      .duration_us = elapsed,
      .aborted = code != MHD_REQUEST_TERMINATED_COMPLETED_OK,
  };
  log_request(&access);
  if (request->response != NULL) {
    MHD_destroy_response(request->response);
  }
  if (request->deferred_free != NULL) {
    request->deferred_free(request->deferred);
  }
  json_decref(request->json);
  free(request->body);
  free(request->path_copy);
  request_release_headers(request);
  free(request);
  *context = NULL;
  atomic_fetch_sub(&daemon->in_flight, 1);
}

static void mhd_log(void *closure, const char *format, va_list args)
    __attribute__((format(printf, 2, 0)));
static void mhd_log(void *closure, const char *format, va_list args) {
  char line[512];
  (void)closure;
  vsnprintf(line, sizeof line, format, args);
  size_t length = strlen(line);
  while (length > 0 && line[length - 1] == '\n') {
    line[--length] = '\0';
  }
  log_debug("libmicrohttpd: %s", line);
}

/* Frees what http_daemon_start set up around MHD (stopped before). */
static void daemon_free(struct http_daemon *daemon) {
  offload_free(daemon->offload);
  pthread_cond_destroy(&daemon->reaper_wake);
  pthread_mutex_destroy(&daemon->watch_mutex);
  free(daemon->clocks);
  free(daemon->cors_origins);
  free(daemon);
}

struct http_daemon *http_daemon_start(const struct http_options *options,
                                      char *error, size_t error_size) {
  struct http_daemon *daemon = calloc(1, sizeof *daemon);
  if (daemon == NULL) {
    snprintf(error, error_size, "out of memory");
    return NULL;
  }
  daemon->options = *options;
  daemon->cors_origins = strdup(options->cors_origins);
  daemon->clock_count = options->threads + 1;
  daemon->clocks = calloc(daemon->clock_count, sizeof *daemon->clocks);
  pthread_condattr_t reaper_clock;
  pthread_condattr_init(&reaper_clock);
  pthread_condattr_setclock(&reaper_clock, CLOCK_MONOTONIC);
  pthread_mutex_init(&daemon->watch_mutex, NULL);
  pthread_cond_init(&daemon->reaper_wake, &reaper_clock);
  pthread_condattr_destroy(&reaper_clock);
  if (daemon->cors_origins == NULL || daemon->clocks == NULL) {
    daemon_free(daemon);
    snprintf(error, error_size, "out of memory");
    return NULL;
  }
  descriptor_limit_raise();
  daemon->cors_any = strcmp(options->cors_origins, "*") == 0;
  unsigned char random[8];
  if (random_bytes(random, sizeof random) != 0) {
    memset(random, 0, sizeof random);
  }
  hex_encode(random, sizeof random, daemon->id_prefix);
  for (unsigned i = 0; options->routes[i].pattern != NULL; i++) {
    metrics_route_register(i, options->routes[i].pattern,
                           method_label(options->routes[i].method));
  }
  /* Before the first request can arrive: the workers read it. */
  if (options->handler_threads > 0) {
    daemon->offload = offload_start(options->handler_threads);
    if (daemon->offload == NULL) {
      snprintf(error, error_size, "cannot start the handler threads");
      daemon_free(daemon);
      return NULL;
    }
  }
  daemon->mhd = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
          MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
      (uint16_t)options->port, NULL, NULL, access_handler, daemon,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)options->threads,
      MHD_OPTION_CONNECTION_TIMEOUT,
      (unsigned int)options->connection_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
      (unsigned int)1024, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT,
      (unsigned int)options->max_connections_per_ip,
      MHD_OPTION_NOTIFY_COMPLETED, request_completed, daemon,
      MHD_OPTION_NOTIFY_CONNECTION, connection_notified, daemon,
      MHD_OPTION_URI_LOG_CALLBACK, raw_path_check, NULL,
      MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
  if (daemon->mhd == NULL) {
    snprintf(error, error_size, "cannot listen on port %u (in use?)",
             options->port);
    daemon_free(daemon);
    return NULL;
  }
  if (options->header_timeout_s > 0) {
    if (pthread_create(&daemon->reaper, NULL, reaper_run, daemon) != 0) {
      snprintf(error, error_size, "cannot start the connection reaper");
      MHD_stop_daemon(daemon->mhd);
      daemon_free(daemon);
      return NULL;
    }
    daemon->reaper_started = true;
  }
  return daemon;
}

unsigned http_daemon_port(const struct http_daemon *daemon) {
  const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(daemon->mhd, MHD_DAEMON_INFO_BIND_PORT);
  return info != NULL ? info->port : 0;
}

bool http_daemon_draining(const struct http_daemon *daemon) {
  return atomic_load(&daemon->draining);
}

void http_daemon_stop(struct http_daemon *daemon, unsigned deadline_s) {
  atomic_store(&daemon->draining, true);
  /* Stop accepting; requests already in flight run to completion. */
  MHD_socket listener = MHD_quiesce_daemon(daemon->mhd);
  long long deadline = http_now_us() + (long long)deadline_s * 1000000LL;
  while (atomic_load(&daemon->in_flight) > 0 && http_now_us() < deadline) {
    usleep(10000);
  }
  if (atomic_load(&daemon->in_flight) > 0) {
    log_warn("stopping with %ld requests still in flight",
             atomic_load(&daemon->in_flight));
  }
  /* MHD aborts when stopped with a connection still suspended: the
     deferred requests are woken (503) and given a moment to answer. */
  if (daemon->options.wake_deferred != NULL) {
    daemon->options.wake_deferred();
  }
  /* The handlers still queued run (a read among them finds the reader
     stopped and answers 503) and wake their connections. */
  offload_stop(daemon->offload); /* freed with the daemon, after MHD */
  long long woken_deadline = http_now_us() + 2000000LL;
  while ((atomic_load(&daemon->suspended) > 0 ||
          atomic_load(&daemon->in_flight) > 0) &&
         http_now_us() < woken_deadline) {
    usleep(10000);
  }
  if (atomic_load(&daemon->suspended) > 0) {
    log_error("%ld requests still suspended: exiting without closing them",
              atomic_load(&daemon->suspended));
    return;
  }
  if (daemon->reaper_started) {
    pthread_mutex_lock(&daemon->watch_mutex);
    daemon->reaper_stop = true;
    pthread_cond_signal(&daemon->reaper_wake);
    pthread_mutex_unlock(&daemon->watch_mutex);
    pthread_join(daemon->reaper, NULL);
  }
  /* Closes every connection: the CLOSED notifications empty the watches. */
  MHD_stop_daemon(daemon->mhd);
  if (listener != MHD_INVALID_SOCKET) {
    close(listener);
  }
  daemon_free(daemon);
}
