/* The routing table: paths and methods to handlers, and what the router
 * answers by itself (404, 405 with Allow, OPTIONS/CORS, HEAD, 401, 413, 415,
 * malformed JSON). */
#ifndef PARLEY_HTTP_ROUTER_H
#define PARLEY_HTTP_ROUTER_H

#include "http/request.h"

/* What a route expects of its request body. */
enum route_body {
  ROUTE_BODY_NONE,        /* no body is read */
  ROUTE_BODY_JSON,        /* application/json, parsed into request->json */
  ROUTE_BODY_MERGE_PATCH, /* application/merge-patch+json or application/json */
  ROUTE_BODY_TEXT_OR_JSON, /* text/plain kept raw, or JSON parsed */
};

enum route_flags {
  ROUTE_WRITE = 1 << 0, /* needs a bearer key */
  ROUTE_NO_CORS = 1 << 1,
  /* Never waits on the database (or defers what does: request_defer,
     request_offload): runs on the libmicrohttpd worker. Every other route
     runs on a handler thread when the daemon has them. */
  ROUTE_IN_WORKER = 1 << 2,
};

typedef void route_handler(struct request *request);

struct route {
  const char *pattern; /* "/claims/{id}": a {name} matches one segment */
  enum http_method method;
  route_handler *handler;
  enum route_body body;
  unsigned flags;
};

/* Finds the route for `path` and `method` in a table ending with a NULL
   pattern. On a miss, *allowed gets the methods the path does accept (0 when
   no route has the path). Path parameters are written to request. */
const struct route *router_match(const struct route *routes,
                                 struct request *request, const char *path,
                                 enum http_method method, unsigned *allowed);

/* "GET, HEAD, POST, OPTIONS" for a method set. */
void router_allow_header(unsigned methods, char *out, size_t size);

#endif
