/* Service endpoints: liveness, readiness and the API description. */
#include "api/api.h"
#include "api/handlers.h"
#include "api/resource.h"
#include "common/embedded.h"
#include "db/migrate.h"
#include "http/response.h"

extern const struct embedded_file embedded_openapi[];

static struct http_daemon *service_daemon;

void api_set_daemon(struct http_daemon *daemon) {
  service_daemon = daemon;
}

void service_healthz_handler(struct request *request) {
  response_json_steal(request, 200, json_pack("{s:s}", "status", "ok"));
}

static int readiness_body(struct db_conn *conn, void *closure) {
  (void)closure;
  return migrate_is_current(conn) ? DB_OK : DB_NOT_FOUND;
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
