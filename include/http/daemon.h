/* The HTTP server: libmicrohttpd with an epoll thread pool, the request
 * life cycle (headers, body, dispatch, completion) and graceful shutdown. */
#ifndef PARLEY_HTTP_DAEMON_H
#define PARLEY_HTTP_DAEMON_H

#include "http/request.h"
#include "http/router.h"

#include <stdbool.h>
#include <stddef.h>

/* The verdict on a write's bearer key. */
enum http_authorization {
  HTTP_AUTHORIZED,      /* go on: request->key_id is set */
  HTTP_UNAUTHENTICATED, /* no such key: the daemon answers 401 */
  HTTP_FORBIDDEN,       /* the key may not write: the daemon answers 403 */
  HTTP_UNVERIFIED,      /* the check could not be made: the hook has
                           answered (503, 500) */
};

/* Verifies a bearer key for a write (the daemon asks only for writes). */
typedef enum http_authorization http_authorize(struct request *request,
                                               const char *key);

struct http_options {
  unsigned port;
  unsigned threads;
  unsigned connection_timeout_s;
  /* The whole request head must arrive within this many seconds of the
     connection being ready for a request (0: no bound). */
  unsigned header_timeout_s;
  unsigned max_connections_per_ip; /* 0: no limit */
  size_t body_limit;
  const char *cors_origins; /* "*" or "https://a.example,https://b.example" */
  const struct route *routes;
  http_authorize *authorize;
  /* Threads that run the handlers which wait on the database, so that
     the workers never do (0: handlers run on the workers). A request
     queued longer than handler_queue_ms for one is answered 503. */
  unsigned handler_threads;
  unsigned handler_queue_ms;
  /* Called on shutdown once the drain is over, before the connections
     close: it must wake every request still deferred (request_defer), e.g.
     by failing the database jobs they wait for. */
  void (*wake_deferred)(void);
};

struct http_daemon;

/* Starts serving; returns NULL with a message in `error` on failure. */
struct http_daemon *http_daemon_start(const struct http_options *options,
                                      char *error, size_t error_size);

/* The bound port (useful with port 0). */
unsigned http_daemon_port(const struct http_daemon *daemon);

/* Stops accepting, waits up to `deadline_s` for open connections to finish,
   wakes the deferred requests left (options.wake_deferred) and lets them
   answer, then stops and frees the daemon. */
void http_daemon_stop(struct http_daemon *daemon, unsigned deadline_s);

/* True once shutdown began (readiness reports it). */
bool http_daemon_draining(const struct http_daemon *daemon);

/* Wall-clock microseconds since the epoch (for logs and timing). */
long long http_now_us(void);

#endif
