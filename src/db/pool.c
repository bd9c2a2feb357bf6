/* The connection pool, lazy statement preparation and transactions. */
#include "db/pool.h"
#include "connection.h"

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Names of the statements prepared on one connection: an open-addressing
   set of strings, emptied when the connection is re-established. */
#define PREPARED_SLOTS 512

/* The command-line program's statement timeout (long loads); a build may
   raise it (bench/run.sh does, for the backfills of migrations on its
   100,000 claims on a busy machine). */
#ifndef CLI_STATEMENT_TIMEOUT_MS
#define CLI_STATEMENT_TIMEOUT_MS 60000
#endif

/* Set once at start-up: behind a transaction pooler (pgbouncer in
   transaction mode) consecutive transactions may run on different server
   connections, so named statements and startup options cannot be relied on. */
static atomic_bool db_transaction_pooling;

void db_set_transaction_pooling(bool on) {
  atomic_store(&db_transaction_pooling, on);
}

struct db_conn {
  PGconn *pq;
  char *prepared[PREPARED_SLOTS];
  unsigned prepared_count;
  struct db_error error;
  struct db_conn *next_idle;
  unsigned answer_wait_ms; /* the longest wait for one result */
  /* Closed at a deadline: the server may be hung, so reconnecting within
     the same request would only wait again (connect_timeout). */
  bool abandoned;
};

struct db_pool {
  pthread_mutex_t lock;
  pthread_cond_t available;
  struct db_conn *idle;
  unsigned free_slots; /* connections that may still be created */
  unsigned size;       /* free_slots at creation, for the metrics */
  unsigned idle_count; /* length of the idle list */
  char *database_url;
  unsigned statement_timeout_ms;
};

static unsigned long name_hash(const char *name) {
  unsigned long hash = 5381;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    hash = hash * 33 + *p;
  }
  return hash;
}

static void prepared_clear(struct db_conn *conn) {
  for (unsigned i = 0; i < PREPARED_SLOTS; i++) {
    free(conn->prepared[i]);
    conn->prepared[i] = NULL;
  }
  conn->prepared_count = 0;
}

/* Returns the slot of `name`, or of the empty slot where it belongs. */
static unsigned prepared_slot(const struct db_conn *conn, const char *name) {
  unsigned slot = (unsigned)(name_hash(name) % PREPARED_SLOTS);
  while (conn->prepared[slot] != NULL &&
         strcmp(conn->prepared[slot], name) != 0) {
    slot = (slot + 1) % PREPARED_SLOTS;
  }
  return slot;
}

static void notice_to_log(void *closure, const PGresult *result) {
  (void)closure;
  log_debug("postgresql: %s", PQresultErrorMessage(result));
}

void db_connection_parameters_init(struct db_connection_parameters *parameters,
                                   const char *database_url,
                                   unsigned statement_timeout_ms) {
  struct db_connection_parameters *p = parameters;
  memset(p, 0, sizeof *p);
  snprintf(p->options, sizeof p->options, "-c statement_timeout=%u",
           statement_timeout_ms);
  /* A peer gone silent on TCP (no reset) is found by keepalives when idle
     and by tcp_user_timeout while data is unacknowledged; a server that is
     up but does not answer, by the deadline of answer_await. */
  snprintf(p->user_timeout, sizeof p->user_timeout, "%u",
           statement_timeout_ms + DB_ANSWER_GRACE_MS);
  /* Our defaults come first so that whatever DATABASE_URL says wins. */
  static const char *const defaults[][2] = {
      {"connect_timeout", "3"},      {"application_name", "parleyd"},
      {"keepalives", "1"},           {"keepalives_idle", "30"},
      {"keepalives_interval", "10"}, {"keepalives_count", "3"},
      {"client_encoding", "UTF8"}};
  size_t count = 0;
  for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++) {
    p->keywords[count] = defaults[i][0];
    p->values[count++] = defaults[i][1];
  }
  p->keywords[count] = "tcp_user_timeout";
  p->values[count++] = p->user_timeout;
  /* pgbouncer refuses the "options" startup parameter; the statement
     timeout is then the role's or the pooler's (see README). */
  if (!atomic_load(&db_transaction_pooling)) {
    p->keywords[count] = "options";
    p->values[count++] = p->options;
  }
  p->keywords[count] = "dbname";
  p->values[count++] = database_url;
  p->keywords[count] = NULL;
  p->values[count] = NULL;
}

bool db_connection_ready(PGconn *pq) {
  /* Text from the database goes into JSON unchecked (records.c): it must
     be UTF-8, which PostgreSQL guarantees for a UTF8 database read as
     UTF8. */
  const char *server = PQparameterStatus(pq, "server_encoding");
  const char *client = PQparameterStatus(pq, "client_encoding");
  if (server == NULL || client == NULL || strcmp(server, "UTF8") != 0 ||
      strcmp(client, "UTF8") != 0) {
    log_error("the database's encoding is %s (read as %s): Parley needs a "
              "UTF8 database",
              server ? server : "unknown", client ? client : "unknown");
    return false;
  }
  PQsetNoticeReceiver(pq, notice_to_log, NULL);
  /* Sending never blocks on a server that stopped reading; the callers
     flush and wait with a deadline. */
  if (PQsetnonblocking(pq, 1) != 0) {
    log_error("cannot make the database connection non-blocking: %s",
              PQerrorMessage(pq));
    return false;
  }
  return true;
}

bool db_transaction_pooling_on(void) {
  return atomic_load(&db_transaction_pooling);
}

static PGconn *connect_to(const char *database_url,
                          unsigned statement_timeout_ms) {
  struct db_connection_parameters parameters;
  db_connection_parameters_init(&parameters, database_url,
                                statement_timeout_ms);
  PGconn *pq = PQconnectdbParams(parameters.keywords, parameters.values, 1);
  if (pq == NULL || PQstatus(pq) != CONNECTION_OK) {
    return pq;
  }
  if (!db_connection_ready(pq)) {
    PQfinish(pq);
    return NULL;
  }
  return pq;
}

struct db_conn *db_connect(const char *database_url, char *error,
                           size_t error_size) {
  struct db_conn *conn = calloc(1, sizeof *conn);
  if (conn == NULL) {
    snprintf(error, error_size, "out of memory");
    return NULL;
  }
  conn->pq = connect_to(database_url, CLI_STATEMENT_TIMEOUT_MS);
  conn->answer_wait_ms = CLI_STATEMENT_TIMEOUT_MS + DB_ANSWER_GRACE_MS;
  if (conn->pq == NULL || PQstatus(conn->pq) != CONNECTION_OK) {
    snprintf(error, error_size, "cannot connect to the database: %s",
             conn->pq != NULL ? PQerrorMessage(conn->pq)
                              : "out of memory, or not a UTF8 database");
    db_disconnect(conn);
    return NULL;
  }
  return conn;
}

void db_disconnect(struct db_conn *conn) {
  if (conn == NULL) {
    return;
  }
  prepared_clear(conn);
  if (conn->pq != NULL) {
    PQfinish(conn->pq);
  }
  free(conn);
}

PGconn *db_conn_pq(struct db_conn *conn) {
  return conn->pq;
}

struct db_pool *db_pool_create(const char *database_url, unsigned size,
                               unsigned statement_timeout_ms) {
  struct db_pool *pool = calloc(1, sizeof *pool);
  if (pool == NULL) {
    return NULL;
  }
  pool->database_url = strdup(database_url);
  if (pool->database_url == NULL) {
    free(pool);
    return NULL;
  }
  pthread_mutex_init(&pool->lock, NULL);
  /* Timed waits for a connection count on the monotonic clock. */
  pthread_condattr_t attributes;
  pthread_condattr_init(&attributes);
  pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
  pthread_cond_init(&pool->available, &attributes);
  pthread_condattr_destroy(&attributes);
  pool->free_slots = size;
  pool->size = size;
  pool->statement_timeout_ms = statement_timeout_ms;
  return pool;
}

void db_pool_destroy(struct db_pool *pool) {
  if (pool == NULL) {
    return;
  }
  while (pool->idle != NULL) {
    struct db_conn *conn = pool->idle;
    pool->idle = conn->next_idle;
    db_disconnect(conn);
  }
  pthread_mutex_destroy(&pool->lock);
  pthread_cond_destroy(&pool->available);
  free(pool->database_url);
  free(pool);
}

/* Makes sure the connection is usable, reconnecting once if it is not. */
static bool conn_ensure(struct db_pool *pool, struct db_conn *conn) {
  if (conn->pq != NULL && PQstatus(conn->pq) == CONNECTION_OK) {
    return true;
  }
  prepared_clear(conn);
  if (conn->pq != NULL) {
    PQfinish(conn->pq);
  }
  conn->abandoned = false;
  conn->answer_wait_ms = pool->statement_timeout_ms + DB_ANSWER_GRACE_MS;
  conn->pq = connect_to(pool->database_url, pool->statement_timeout_ms);
  if (conn->pq == NULL || PQstatus(conn->pq) != CONNECTION_OK) {
    metrics_db_error(METRICS_DB_CONNECT);
    log_warn("database unreachable: %s",
             conn->pq != NULL ? PQerrorMessage(conn->pq)
                              : "out of memory, or not a UTF8 database");
    return false;
  }
  log_info("database connection established");
  return true;
}

bool db_pool_reconnect(struct db_pool *pool, struct db_conn *conn) {
  if (conn->pq != NULL && PQstatus(conn->pq) == CONNECTION_OK) {
    return true;
  }
  if (conn->abandoned) {
    return false; /* the next request reconnects */
  }
  return conn_ensure(pool, conn);
}

struct db_conn *db_pool_acquire(struct db_pool *pool) {
  struct db_conn *conn = NULL;
  /* Every connection busy (or stuck on a hung server) for as long as one
     statement may take: the request answers 503 rather than queue on. */
  long long wait_ms =
      (long long)pool->statement_timeout_ms + DB_ANSWER_GRACE_MS;
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += wait_ms / 1000;
  deadline.tv_nsec += (wait_ms % 1000) * 1000000;
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000;
  }
  pthread_mutex_lock(&pool->lock);
  while (pool->idle == NULL && pool->free_slots == 0) {
    if (pthread_cond_timedwait(&pool->available, &pool->lock, &deadline) ==
        ETIMEDOUT) {
      pthread_mutex_unlock(&pool->lock);
      log_warn("no database connection free within %lld ms", wait_ms);
      metrics_db_error(METRICS_DB_UNAVAILABLE);
      return NULL;
    }
  }
  if (pool->idle != NULL) {
    conn = pool->idle;
    pool->idle = conn->next_idle;
    pool->idle_count--;
  } else {
    pool->free_slots--;
  }
  pthread_mutex_unlock(&pool->lock);
  if (conn == NULL) {
    conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
      pthread_mutex_lock(&pool->lock);
      pool->free_slots++;
      pthread_cond_signal(&pool->available);
      pthread_mutex_unlock(&pool->lock);
      return NULL;
    }
  }
  if (!conn_ensure(pool, conn)) {
    db_pool_release(pool, conn);
    return NULL;
  }
  return conn;
}

void db_pool_release(struct db_pool *pool, struct db_conn *conn) {
  if (conn == NULL) {
    return;
  }
  /* A connection left inside a transaction is our bug: never reuse it. */
  if (conn->pq != NULL && PQtransactionStatus(conn->pq) != PQTRANS_IDLE &&
      PQstatus(conn->pq) == CONNECTION_OK) {
    log_error("connection released inside a transaction; resetting it");
    PQfinish(conn->pq);
    conn->pq = NULL;
    prepared_clear(conn);
  }
  pthread_mutex_lock(&pool->lock);
  conn->next_idle = pool->idle;
  pool->idle = conn;
  pool->idle_count++;
  pthread_cond_signal(&pool->available);
  pthread_mutex_unlock(&pool->lock);
}

void db_pool_stats(struct db_pool *pool, unsigned *size, unsigned *in_use,
                   unsigned *idle) {
  pthread_mutex_lock(&pool->lock);
  *size = pool->size;
  *idle = pool->idle_count;
  *in_use = pool->size - pool->free_slots - pool->idle_count;
  pthread_mutex_unlock(&pool->lock);
}

const struct db_error *db_last_error(const struct db_conn *conn) {
  return &conn->error;
}

enum db_status db_status_of_result(PGconn *pq, const PGresult *result,
                                   struct db_error *error) {
  memset(error, 0, sizeof *error);
  const char *state =
      result != NULL ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
  /* Every error the server sends has a SQLSTATE: one without is libpq's
     own (lost connection, broken protocol, out of memory), an outage
     rather than our bug. */
  if (result == NULL || pq == NULL || PQstatus(pq) != CONNECTION_OK ||
      state == NULL || state[0] == '\0') {
    snprintf(error->sqlstate, sizeof error->sqlstate, "08006");
    snprintf(error->message, sizeof error->message, "%s",
             result != NULL && state == NULL ? PQresultErrorMessage(result)
             : pq != NULL                    ? PQerrorMessage(pq)
                                             : "");
    metrics_db_error(METRICS_DB_UNAVAILABLE);
    return DB_UNAVAILABLE;
  }
  const char *message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char *column = PQresultErrorField(result, PG_DIAG_COLUMN_NAME);
  const char *constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
  snprintf(error->sqlstate, sizeof error->sqlstate, "%s", state);
  snprintf(error->message, sizeof error->message, "%s",
           message != NULL ? message : "");
  snprintf(error->column, sizeof error->column, "%s",
           column != NULL ? column : "");
  snprintf(error->constraint, sizeof error->constraint, "%s",
           constraint != NULL ? constraint : "");
  if (strcmp(error->sqlstate, "40001") == 0 ||
      strcmp(error->sqlstate, "40P01") == 0) {
    metrics_db_error(METRICS_DB_RETRY);
    return DB_RETRY;
  }
  /* Timeouts, shutdowns and lost connections are outages, not our bugs. */
  if (strcmp(error->sqlstate, "57014") == 0 ||
      strncmp(error->sqlstate, "57P", 3) == 0 ||
      strncmp(error->sqlstate, "08", 2) == 0 ||
      strcmp(error->sqlstate, "55P03") == 0) {
    metrics_db_error(METRICS_DB_UNAVAILABLE);
    return DB_UNAVAILABLE;
  }
  metrics_db_error(strncmp(error->sqlstate, "23", 2) == 0 ? METRICS_DB_INTEGRITY
                   : strncmp(error->sqlstate, "22", 2) == 0 ? METRICS_DB_DATA
                                                            : METRICS_DB_OTHER);
  return DB_HARD_ERROR;
}

/* Classifies a failed result, keeping its details for the caller. */
static enum db_status status_from_result(struct db_conn *conn,
                                         const PGresult *result) {
  return db_status_of_result(conn->pq, result, &conn->error);
}

/* Waits until the socket can be read (or written, when `writing`): 1 when
   it can, 0 at the deadline, -1 on a failure. */
static int socket_wait(PGconn *pq, bool writing, long long deadline) {
  int socket = PQsocket(pq);
  if (socket < 0) {
    return -1;
  }
  for (;;) {
    long long left = deadline - clock_monotonic_ms();
    if (left <= 0) {
      return 0;
    }
    struct pollfd ready = {.fd = socket,
                           .events = (short)(POLLIN | (writing ? POLLOUT : 0))};
    int count = poll(&ready, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (count > 0) {
      return 1;
    }
    if (count == 0) {
      return 0;
    }
    if (errno != EINTR) {
      return -1;
    }
  }
}

/* Gives up on a server that does not answer. PQcancel is no way out: it
   connects to the postmaster, which may be hung too. Closing never blocks
   (the connection is non-blocking); the backend, once it runs again, ends
   with the statement timeout or on the closed socket. */
static void conn_abandon(struct db_conn *conn) {
  memset(&conn->error, 0, sizeof conn->error);
  snprintf(conn->error.sqlstate, sizeof conn->error.sqlstate, "08006");
  snprintf(conn->error.message, sizeof conn->error.message,
           "no answer from the database within %u ms", conn->answer_wait_ms);
  log_warn("%s: closing the connection", conn->error.message);
  metrics_db_error(METRICS_DB_UNAVAILABLE);
  PQfinish(conn->pq);
  conn->pq = NULL;
  prepared_clear(conn);
  conn->abandoned = true;
}

static bool result_succeeded(const PGresult *result) {
  ExecStatusType kind = PQresultStatus(result);
  return kind == PGRES_COMMAND_OK || kind == PGRES_TUPLES_OK;
}

/* Sends what PQsend* queued and collects the answer, as PQexec would: the
   first failed result, else the last one. Waits at most answer_wait_ms for
   each result; past it the connection is abandoned. NULL when no result
   came (the connection was lost or abandoned: conn->error tells). */
static PGresult *answer_await(struct db_conn *conn) {
  long long deadline = clock_monotonic_ms() + conn->answer_wait_ms;
  PGresult *kept = NULL;
  for (;;) {
    int unsent = PQflush(conn->pq);
    if (unsent < 0) {
      break;
    }
    if (unsent == 0 && !PQisBusy(conn->pq)) {
      PGresult *result = PQgetResult(conn->pq);
      if (result == NULL) {
        return kept;
      }
      if (kept == NULL || result_succeeded(kept)) {
        PQclear(kept);
        kept = result;
      } else {
        PQclear(result);
      }
      deadline = clock_monotonic_ms() + conn->answer_wait_ms;
      continue;
    }
    int ready = socket_wait(conn->pq, unsent > 0, deadline);
    if (ready == 0) {
      PQclear(kept);
      conn_abandon(conn);
      return NULL;
    }
    if (ready < 0 || PQconsumeInput(conn->pq) == 0) {
      break;
    }
  }
  /* The connection broke: the server's own error (a shutdown, a crash),
     when one came before, says more than libpq's. */
  if (kept != NULL && !result_succeeded(kept)) {
    return kept;
  }
  PQclear(kept);
  return NULL;
}

/* A sent command's answer, or NULL with conn->error filled in. */
static PGresult *answer_of(struct db_conn *conn, int sent) {
  if (sent == 0) {
    return NULL;
  }
  return answer_await(conn);
}

/* The result of a statement, or NULL with *status < 0 and conn->error set;
   `result` is consumed. */
static PGresult *result_checked(struct db_conn *conn, PGresult *result,
                                enum db_status *status) {
  if (result != NULL && result_succeeded(result)) {
    *status = DB_OK;
    return result;
  }
  if (result == NULL && conn->abandoned && conn->pq == NULL) {
    *status = DB_UNAVAILABLE; /* conn_abandon said why */
  } else {
    *status = status_from_result(conn, result);
  }
  PQclear(result);
  return NULL;
}

/* The unnamed statement, parsed for this call only: what a transaction
   pooler can carry between any client and server connection. */
static PGresult *exec_unnamed(struct db_conn *conn,
                              const struct db_statement *statement, int count,
                              const char *const *values,
                              enum db_status *status) {
  PGresult *result =
      answer_of(conn, PQsendQueryParams(conn->pq, statement->sql, count, NULL,
                                        values, NULL, NULL, 0));
  result = result_checked(conn, result, status);
  if (*status == DB_HARD_ERROR && strncmp(conn->error.sqlstate, "42", 2) == 0) {
    log_error("running %s: %s", statement->name, conn->error.message);
  }
  return result;
}

PGresult *db_exec(struct db_conn *conn, const struct db_statement *statement,
                  int count, const char *const *values,
                  enum db_status *status) {
  if (atomic_load(&db_transaction_pooling)) {
    return exec_unnamed(conn, statement, count, values, status);
  }
  unsigned slot = prepared_slot(conn, statement->name);
  if (conn->prepared[slot] == NULL) {
    if (conn->prepared_count + 1 >= PREPARED_SLOTS / 2) {
      /* Too many distinct statements: start again rather than grow. */
      db_exec_simple(conn, "DEALLOCATE ALL");
      prepared_clear(conn);
      slot = prepared_slot(conn, statement->name);
    }
    PGresult *prepared =
        answer_of(conn, PQsendPrepare(conn->pq, statement->name, statement->sql,
                                      0, NULL));
    prepared = result_checked(conn, prepared, status);
    if (prepared == NULL) {
      if (*status == DB_HARD_ERROR) {
        log_error("preparing %s: %s", statement->name, conn->error.message);
      }
      return NULL;
    }
    PQclear(prepared);
    conn->prepared[slot] = strdup(statement->name);
    if (conn->prepared[slot] != NULL) {
      conn->prepared_count++;
    }
  }
  PGresult *result =
      answer_of(conn, PQsendQueryPrepared(conn->pq, statement->name, count,
                                          values, NULL, NULL, 0));
  return result_checked(conn, result, status);
}

enum db_status db_exec_simple(struct db_conn *conn, const char *sql) {
  enum db_status status = DB_OK;
  PGresult *result = answer_of(conn, PQsendQuery(conn->pq, sql));
  PQclear(result_checked(conn, result, &status));
  return status;
}

int db_transaction(struct db_conn *conn, db_transaction_body *body,
                   void *closure) {
  enum { ATTEMPTS = 4 };
  int outcome = DB_HARD_ERROR;
  for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
    outcome = db_exec_simple(conn, "BEGIN");
    if (outcome == DB_OK) {
      outcome = body(conn, closure);
      if (outcome == DB_OK) {
        outcome = db_exec_simple(conn, "COMMIT");
      } else if (PQstatus(conn->pq) == CONNECTION_OK) {
        /* Keep the body's error: ROLLBACK would overwrite it. */
        struct db_error saved = conn->error;
        db_exec_simple(conn, "ROLLBACK");
        conn->error = saved;
      }
    }
    if (outcome != DB_RETRY) {
      break;
    }
    log_debug("transaction retried (%s), attempt %d", conn->error.sqlstate,
              attempt);
  }
  return outcome;
}

bool db_ping(struct db_conn *conn) {
  return db_exec_simple(conn, "SELECT 1") == DB_OK;
}
