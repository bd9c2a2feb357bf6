/* Process-wide counters for GET /metrics (Prometheus text format 0.0.4). */
#ifndef PARLEY_COMMON_METRICS_H
#define PARLEY_COMMON_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/* Counters are fixed arrays of C11 atomics indexed by the route's position
   in the routing table, so observing a request takes no lock and allocates
   nothing. The last slot counts requests no route took (404, 405, OPTIONS
   answered by the router). */
#define METRICS_MAX_ROUTES 96
#define METRICS_UNMATCHED METRICS_MAX_ROUTES

/* Database failures, by what they mean to an operator. */
enum metrics_db_error {
  METRICS_DB_CONNECT,     /* a connection could not be (re-)established */
  METRICS_DB_UNAVAILABLE, /* lost connection, timeout, shutdown (08, 57) */
  METRICS_DB_RETRY,       /* serialization failure or deadlock (40) */
  METRICS_DB_INTEGRITY,   /* constraint violations (23): usually the client's */
  METRICS_DB_DATA,        /* data exceptions (22) */
  METRICS_DB_OTHER,       /* anything else: our bugs */
  METRICS_DB_ERROR_COUNT
};

/* A database pool's state at the time of a scrape. */
struct metrics_pool {
  const char *name; /* "primary" or "read" */
  unsigned size;    /* connections it may open */
  unsigned in_use;  /* handed out to requests */
  unsigned idle;    /* open and waiting */
};

/* Names a route slot (static strings; call before serving). */
void metrics_route_register(unsigned index, const char *pattern,
                            const char *method);

/* One answered request; `route` is a registered index or METRICS_UNMATCHED. */
void metrics_request_observe(unsigned route, unsigned status,
                             long long elapsed_us);

void metrics_db_error(enum metrics_db_error kind);

/* What POST /articles stored (not dry runs, not unchanged articles). */
void metrics_articles_loaded(unsigned articles, unsigned claims);

/* How a GET /positions answer was made: built by its own request, shared
   with a request building it at the same time, or taken from the cache. */
enum metrics_positions_source {
  METRICS_POSITIONS_BUILT,
  METRICS_POSITIONS_SHARED,
  METRICS_POSITIONS_CACHED,
  METRICS_POSITIONS_SOURCE_COUNT
};
void metrics_positions_answer(enum metrics_positions_source source);

/* The exposition text (malloc'd, NUL-terminated; *length without the NUL),
   or NULL when out of memory. */
/* The asynchronous reader's state (db/async.h), when there is one. */
struct metrics_reader {
  bool present;
  unsigned connections;                /* open */
  unsigned in_flight;                  /* statements sent, not yet answered */
  unsigned queued;                     /* waiting for a connection */
  unsigned long long answered, failed; /* jobs done, by outcome */
};

char *metrics_render(const struct metrics_pool *pools, size_t pool_count,
                     const struct metrics_reader *reader, size_t *length);

#endif
