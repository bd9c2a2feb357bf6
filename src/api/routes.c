/* The routing table of the API, and the bearer-key check for writes. */
#include "api/api.h"
#include "api/handlers.h"
#include "api/resource.h"
#include "db/keys.h"

#include <microhttpd.h>
#include <string.h>

#define READ(path, handler)                                                    \
  { path, HTTP_GET, handler, ROUTE_BODY_NONE, 0 }
/* A read that never waits on the database on the worker: it answers from
   memory, or defers to the reader or a handler thread itself. */
#define READ_IN_WORKER(path, handler)                                          \
  { path, HTTP_GET, handler, ROUTE_BODY_NONE, ROUTE_IN_WORKER }
#define CREATE(path, handler)                                                  \
  { path, HTTP_POST, handler, ROUTE_BODY_JSON, ROUTE_WRITE }
#define PATCH(path, handler)                                                   \
  { path, HTTP_PATCH, handler, ROUTE_BODY_MERGE_PATCH, ROUTE_WRITE }
#define DELETE(path, handler)                                                  \
  { path, HTTP_DELETE, handler, ROUTE_BODY_NONE, ROUTE_WRITE }

const struct route api_routes[] = {
    READ("/parties", parties_list_handler),
    CREATE("/parties", parties_create_handler),
    READ_IN_WORKER("/parties/{slug}", parties_read_handler),
    PATCH("/parties/{slug}", parties_patch_handler),
    DELETE("/parties/{slug}", parties_delete_handler),
    READ("/parties/{slug}/claims", parties_claims_handler),
    READ("/parties/{slug}/positions", parties_positions_handler),

    READ("/issues", issues_list_handler),
    CREATE("/issues", issues_create_handler),
    READ_IN_WORKER("/issues/{slug}", issues_read_handler),
    PATCH("/issues/{slug}", issues_patch_handler),
    DELETE("/issues/{slug}", issues_delete_handler),
    READ("/issues/{slug}/claims", issues_claims_handler),
    READ("/issues/{slug}/positions", issues_positions_handler),

    READ("/claims", claims_list_handler),
    CREATE("/claims", claims_create_handler),
    READ_IN_WORKER("/claims/{id}", claims_read_handler),
    PATCH("/claims/{id}", claims_patch_handler),
    DELETE("/claims/{id}", claims_delete_handler),

    READ("/articles", articles_list_handler),
    {"/articles", HTTP_POST, articles_load_handler, ROUTE_BODY_TEXT_OR_JSON,
     ROUTE_WRITE},
    READ_IN_WORKER("/articles/{id}", articles_read_handler),
    PATCH("/articles/{id}", articles_patch_handler),
    DELETE("/articles/{id}", articles_delete_handler),
    READ("/articles/{id}/claims", articles_claims_handler),
    {"/articles/{id}/reextract", HTTP_POST, articles_reextract_handler,
     ROUTE_BODY_NONE, ROUTE_WRITE},

    READ("/positions", positions_handler),
    READ("/shifts", shifts_handler),

    READ_IN_WORKER("/healthz", service_healthz_handler),
    READ("/readyz", service_readyz_handler),
    READ_IN_WORKER("/openapi.yaml", service_openapi_handler),
    READ_IN_WORKER("/metrics", service_metrics_handler),

    READ_IN_WORKER("/", static_index_handler),
    READ_IN_WORKER("/load", static_load_handler),
    READ_IN_WORKER("/docs", static_docs_handler),
    READ_IN_WORKER("/static/{file}", static_file_handler),
    {0},
};

void api_init(struct db_pool *pool, struct db_pool *read_pool,
              struct db_async *reader) {
  api_set_pool(pool);
  api_set_read_pool(read_pool);
  api_set_reader(reader);
  api_set_metrics_pools(pool, read_pool, reader);
}

struct authorize_job {
  const char *key;
  long long key_id;
  enum key_scope scope;
};

static int authorize_body(struct db_conn *conn, void *closure) {
  struct authorize_job *job = closure;
  return db_keys_verify(conn, job->key, &job->key_id, &job->scope);
}

/* A load's dry run writes nothing (its transaction is rolled back), so a
   read key may ask for one. Only the exact value `true` counts: anything
   else is treated as the write it may be, and the handler checks the query. */
static bool request_is_dry_run(struct request *request) {
  if (request->route == NULL ||
      request->route->handler != articles_load_handler) {
    return false;
  }
  const char *value = MHD_lookup_connection_value(
      request->connection, MHD_GET_ARGUMENT_KIND, "dry_run");
  return value != NULL && strcmp(value, "true") == 0;
}

enum http_authorization api_authorize(struct request *request,
                                      const char *key) {
  struct authorize_job job = {key, 0, KEY_SCOPE_READ};
  int outcome = api_with_connection(request, authorize_body, &job, false);
  if (outcome == API_NOT_FOUND) {
    return HTTP_UNAUTHENTICATED;
  }
  if (outcome != API_OK) {
    return HTTP_UNVERIFIED; /* answered by api_with_connection */
  }
  /* The daemon asks only for writes, so a valid read key is refused. */
  if (job.scope != KEY_SCOPE_WRITE && !request_is_dry_run(request)) {
    return HTTP_FORBIDDEN;
  }
  request->key_id = job.key_id;
  return HTTP_AUTHORIZED;
}
