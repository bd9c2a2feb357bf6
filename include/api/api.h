/* The HTTP API of Parley: its routing table and its start-up wiring. */
#ifndef PARLEY_API_API_H
#define PARLEY_API_API_H

#include "db/pool.h"
#include "http/daemon.h"
#include "http/router.h"

#include <stddef.h>

/* The routing table, ending with a NULL pattern. */
extern const struct route api_routes[];

/* Wires the handlers to their pools, the asynchronous reader of
   single records and list pages (NULL: they use the pools) and the daemon (for
   readiness). */
struct db_async;
void api_init(struct db_pool *pool, struct db_pool *read_pool,
              struct db_async *reader);
void api_set_metrics_pools(struct db_pool *primary, struct db_pool *read,
                           struct db_async *reader);
void api_set_daemon(struct http_daemon *daemon);

/* Bytes of GET /positions answers kept for reuse
   (PARLEY_POSITIONS_CACHE_BYTES; 0 keeps none, but requests asking for the
   same answer at once still share one build). Call before serving. */
void api_set_positions_cache_bytes(size_t bytes);

/* The bearer-key check for writes (an http_authorize). */
enum http_authorization api_authorize(struct request *request, const char *key);

#endif
