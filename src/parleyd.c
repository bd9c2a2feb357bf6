/* parleyd: the Parley HTTP service. Reads its configuration from the
 * environment, migrates the database, serves until SIGTERM or SIGINT.
 * `parleyd --healthcheck` asks a running one for /healthz (containers). */
#include "api/api.h"
#include "common/config.h"
#include "common/log.h"
#include "db/async.h"
#include "db/migrate.h"
#include "db/pool.h"
#include "http/daemon.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* GET /healthz on 127.0.0.1:PORT; 0 when it answers 200. Built in so the
   runtime image needs no curl (and its libraries) for its HEALTHCHECK, and
   reads the same PORT as the server it checks. */
static int healthcheck(void) {
  const char *text = getenv("PORT"); // NOLINT(concurrency-mt-unsafe)
  long port = text != NULL && text[0] != '\0' ? strtol(text, NULL, 10) : 8080;
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "parleyd: PORT must be 1..65535 for --healthcheck\n");
    return 1;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return 1;
  }
  struct timeval timeout = {.tv_sec = 3};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  struct sockaddr_in address = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  static const char request[] =
      "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n";
  char answer[64] = {0};
  bool healthy =
      connect(fd, (struct sockaddr *)&address, sizeof address) == 0 &&
      write(fd, request, sizeof request - 1) == (ssize_t)(sizeof request - 1) &&
      read(fd, answer, sizeof answer - 1) >= 12 &&
      (strncmp(answer, "HTTP/1.1 200", 12) == 0 ||
       strncmp(answer, "HTTP/1.0 200", 12) == 0);
  close(fd);
  if (!healthy) {
    fprintf(stderr, "parleyd: no healthy answer on port %ld\n", port);
  }
  return healthy ? 0 : 1;
}

/* The asynchronous reader of single records and list pages, or NULL. */
static struct db_async *reader;

/* On shutdown, after the drain: the reads still waiting fail (503), which
   wakes their requests; the reader is freed once the daemon stopped. */
static void reader_stop(void) {
  db_async_stop(reader);
}

/* The database may come up after us (containers): wait for it a while. */
static int migrate_at_start(const char *database_url) {
  char error[512];
  for (int attempt = 1; attempt <= 30; attempt++) {
    struct db_conn *conn = db_connect(database_url, error, sizeof error);
    if (conn != NULL) {
      int applied = db_migrate_apply(conn, error, sizeof error);
      db_disconnect(conn);
      if (applied < 0) {
        log_error("%s", error);
        return EX_DATAERR;
      }
      return 0;
    }
    if (attempt == 1 || attempt % 10 == 0) {
      log_warn("waiting for the database: %s", error);
    }
    struct timespec second = {.tv_sec = 1};
    nanosleep(&second, NULL);
  }
  log_error("the database did not become reachable: %s", error);
  return EX_UNAVAILABLE;
}

/* Checks a connection string's syntax at start-up, naming the variable,
   rather than failing on the first connection. */
static bool database_url_valid(const char *name, const char *url) {
  if (url == NULL) {
    return true;
  }
  char *message = NULL;
  PQconninfoOption *options = PQconninfoParse(url, &message);
  if (options == NULL) {
    fprintf(stderr, "parleyd: %s is not a valid connection string: %s", name,
            message != NULL ? message : "out of memory\n");
    PQfreemem(message);
    return false;
  }
  PQconninfoFree(options);
  return true;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--healthcheck") == 0) {
    return healthcheck();
  }
  if (argc > 1) {
    fprintf(stderr, "usage: parleyd [--healthcheck] (configuration from the "
                    "environment; see README)\n");
    return EX_USAGE;
  }
  struct config config;
  char error[512];
  if (config_from_environment(&config, error, sizeof error) != 0) {
    fprintf(stderr, "parleyd: %s\n", error);
    config_release(&config);
    return EX_CONFIG;
  }
  if (!database_url_valid("DATABASE_URL", config.database_url) ||
      !database_url_valid("DATABASE_READ_URL", config.database_read_url)) {
    config_release(&config);
    return EX_CONFIG;
  }
  log_set_level((enum log_level)config.log_level);
  log_set_json(true);
  json_object_seed(0);
  /* Memory stays bounded by what is in use, not by what each thread once
     held. glibc gives threads arenas of their own and keeps the small
     blocks a thread freed (a positions matrix is ~100,000 of them), and it
     raises the mmap threshold after the first large free, so that large
     answers stay in the arenas too: with 4 threads, 64 connections on
     /positions peaked at 100 MB, 70 MB with two arenas, 55 MB with one and
     the threshold fixed. Point reads ran as fast (12.2k/s, against 12.5k);
     malloc_trim after each matrix cost 6 ms of its ~45. */
  /* Set before any thread starts. */
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  mallopt(M_ARENA_MAX, 1);
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  db_set_transaction_pooling(config.transaction_pooling);
  if (config.transaction_pooling) {
    log_info("transaction pooling: unnamed statements, no startup options "
             "(PARLEY_STATEMENT_TIMEOUT_MS is not applied: set "
             "statement_timeout on the role or in the pooler)");
  }

  /* Signals are taken by sigwait below, never by a worker thread. */
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, NULL);
  signal(SIGPIPE, SIG_IGN);

  int status = migrate_at_start(config.database_url);
  if (status != 0) {
    config_release(&config);
    return status;
  }
  struct db_pool *pool = db_pool_create(config.database_url, config.pool_size,
                                        config.statement_timeout_ms);
  /* The read pool connects lazily, like the primary's: a replica that is
     down at start-up answers 503 on reads until it is back. */
  struct db_pool *read_pool =
      config.database_read_url != NULL
          ? db_pool_create(config.database_read_url, config.pool_size,
                           config.statement_timeout_ms)
          : NULL;
  if (pool == NULL || (config.database_read_url != NULL && read_pool == NULL)) {
    db_pool_destroy(pool);
    db_pool_destroy(read_pool);
    config_release(&config);
    return EX_OSERR;
  }
  /* Single records and list pages: pipelined on the reader's connections,
     to the replica when there is one. */
  if (config.reader_connections > 0) {
    reader = db_async_create(
        config.database_read_url != NULL ? config.database_read_url
                                         : config.database_url,
        config.reader_connections, config.statement_timeout_ms,
        config.transaction_pooling ? 1 : config.reader_depth);
    if (reader == NULL) {
      db_pool_destroy(pool);
      db_pool_destroy(read_pool);
      config_release(&config);
      return EX_OSERR;
    }
  }
  api_init(pool, read_pool, reader);
  api_set_positions_cache_bytes(config.positions_cache_bytes);
  if (read_pool != NULL) {
    log_info("reads (GET, HEAD) from DATABASE_READ_URL");
  }
  struct http_options options = {
      .port = config.port,
      .threads = config.threads,
      .connection_timeout_s = config.connection_timeout_s,
      .header_timeout_s = config.header_timeout_s,
      .max_connections_per_ip = config.max_connections_per_ip,
      .body_limit = config.body_limit,
      .cors_origins = config.cors_origins,
      .routes = api_routes,
      .authorize = api_authorize,
      .wake_deferred = reader_stop,
      /* As many as the pool has connections: a handler holds one at a
         time, so none waits for another; a request waits for a thread at
         most as long as it would for a connection. */
      .handler_threads = config.handler_threads ? config.pool_size : 0,
      .handler_queue_ms = config.statement_timeout_ms + 1000,
  };
  struct http_daemon *daemon = http_daemon_start(&options, error, sizeof error);
  if (daemon == NULL) {
    log_error("%s", error);
    db_async_destroy(reader);
    db_pool_destroy(pool);
    db_pool_destroy(read_pool);
    config_release(&config);
    return EX_UNAVAILABLE;
  }
  api_set_daemon(daemon);
  log_info("parleyd listening on port %u with %u threads",
           http_daemon_port(daemon), config.threads);

  int received = 0;
  sigwait(&signals, &received);
  log_info("signal %d: draining (up to %u s)", received, config.drain_seconds);
  http_daemon_stop(daemon, config.drain_seconds);
  api_set_daemon(NULL);
  db_async_destroy(reader);
  db_pool_destroy(pool);
  db_pool_destroy(read_pool);
  config_release(&config);
  log_info("stopped");
  return 0;
}
