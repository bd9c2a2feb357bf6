/* Service endpoints: liveness, readiness, metrics and the API description. */
#include "api/api.h"
#include "api/handlers.h"
#include "api/resource.h"
#include "common/embedded.h"
#include "common/metrics.h"
#include "db/async.h"
#include "db/migrate.h"
#include "http/response.h"

extern const struct embedded_file embedded_openapi[];

static struct http_daemon *service_daemon;
static struct db_pool *service_pools[2]; /* primary, read (or NULL) */
static struct db_async *service_reader;  /* or NULL */

void api_set_daemon(struct http_daemon *daemon) {
  service_daemon = daemon;
}

void api_set_metrics_pools(struct db_pool *primary, struct db_pool *read,
                           struct db_async *reader) {
  service_pools[0] = primary;
  service_pools[1] = read;
  service_reader = reader;
}

void service_metrics_handler(struct request *request) {
  static const char *const names[] = {"primary", "read"};
  struct metrics_pool pools[2];
  size_t count = 0;
  for (size_t i = 0; i < 2; i++) {
    if (service_pools[i] != NULL) {
      pools[count].name = names[i];
      db_pool_stats(service_pools[i], &pools[count].size, &pools[count].in_use,
                    &pools[count].idle);
      count++;
    }
  }
  struct metrics_reader reader = {.present = service_reader != NULL};
  if (service_reader != NULL) {
    struct db_async_stats stats;
    db_async_stats(service_reader, &stats);
    reader.connections = stats.connected;
    reader.in_flight = stats.in_flight;
    reader.queued = stats.queued;
    reader.answered = stats.answered;
    reader.failed = stats.failed;
  }
  size_t length = 0;
  char *text = metrics_render(pools, count, &reader, &length);
  if (text == NULL) {
    response_problem(request, PROBLEM_INTERNAL, "out of memory");
    return;
  }
  response_text_steal(request, 200, "text/plain; version=0.0.4; charset=utf-8",
                      text, length);
}

void service_healthz_handler(struct request *request) {
  response_json_steal(request, 200, json_pack("{s:s}", "status", "ok"));
}

static int readiness_body(struct db_conn *conn, void *closure) {
  (void)closure;
  return db_migrate_is_current(conn) ? DB_OK : DB_NOT_FOUND;
}

void service_readyz_handler(struct request *request) {
  if (service_daemon != NULL && http_daemon_draining(service_daemon)) {
    response_problem(request, PROBLEM_SHUTTING_DOWN,
                     "the service is shutting down");
    return;
  }
  int outcome = api_with_connection(request, readiness_body, NULL, false);
  if (outcome == DB_OK) {
    response_json_steal(request, 200, json_pack("{s:s}", "status", "ready"));
  } else if (outcome == DB_NOT_FOUND) {
    response_problem(request, PROBLEM_DATABASE_UNAVAILABLE,
                     "the database schema is not migrated; run 'parley "
                     "migrate'");
  }
}

void service_openapi_handler(struct request *request) {
  const struct embedded_file *file = &embedded_openapi[0];
  response_static(request, 200, "application/yaml", file->data, file->length);
}
