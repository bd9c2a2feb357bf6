/* The connection pool, lazy statement preparation and transactions. */
#include "db/pool.h"

#include "common/log.h"
#include "common/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names of the statements prepared on one connection: an open-addressing
   set of strings, emptied when the connection is re-established. */
#define PREPARED_SLOTS 512

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

static PGconn *connect_to(const char *database_url,
                          unsigned statement_timeout_ms) {
  char options[64];
  snprintf(options, sizeof options, "-c statement_timeout=%u",
           statement_timeout_ms);
  /* Our defaults come first so that whatever DATABASE_URL says wins. */
  const char *keywords[] = {
      "connect_timeout", "application_name", "keepalives", "keepalives_idle",
      "client_encoding", "options",          "dbname",     NULL};
  const char *values[] = {"3",    "parleyd", "1",          "30",
                          "UTF8", options,   database_url, NULL};
  if (atomic_load(&db_transaction_pooling)) {
    /* pgbouncer refuses the "options" startup parameter; the statement
       timeout is then the role's or the pooler's (see README). */
    keywords[5] = "dbname";
    values[5] = database_url;
    keywords[6] = NULL;
    values[6] = NULL;
  }
  PGconn *pq = PQconnectdbParams(keywords, values, 1);
  if (pq == NULL || PQstatus(pq) != CONNECTION_OK) {
    return pq;
  }
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
    PQfinish(pq);
    return NULL;
  }
  PQsetNoticeReceiver(pq, notice_to_log, NULL);
  return pq;
}

static void error_from_connection(struct db_conn *conn) {
  memset(&conn->error, 0, sizeof conn->error);
  snprintf(conn->error.sqlstate, sizeof conn->error.sqlstate, "08006");
  const char *message = conn->pq != NULL ? PQerrorMessage(conn->pq) : "";
  snprintf(conn->error.message, sizeof conn->error.message, "%s", message);
}

struct db_conn *db_connect(const char *database_url, char *error,
                           size_t error_size) {
  struct db_conn *conn = calloc(1, sizeof *conn);
  if (conn == NULL) {
    snprintf(error, error_size, "out of memory");
    return NULL;
  }
  conn->pq = connect_to(database_url, 60000);
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
  pthread_cond_init(&pool->available, NULL);
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
  return conn_ensure(pool, conn);
}

struct db_conn *db_pool_acquire(struct db_pool *pool) {
  struct db_conn *conn = NULL;
  pthread_mutex_lock(&pool->lock);
  while (pool->idle == NULL && pool->free_slots == 0) {
    pthread_cond_wait(&pool->available, &pool->lock);
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

/* Classifies a failed result, keeping its details for the caller. */
static enum db_status status_from_result(struct db_conn *conn,
                                         const PGresult *result) {
  memset(&conn->error, 0, sizeof conn->error);
  if (result == NULL || PQstatus(conn->pq) != CONNECTION_OK) {
    error_from_connection(conn);
    metrics_db_error(METRICS_DB_UNAVAILABLE);
    return DB_UNAVAILABLE;
  }
  const char *state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char *message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char *column = PQresultErrorField(result, PG_DIAG_COLUMN_NAME);
  const char *constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
  snprintf(conn->error.sqlstate, sizeof conn->error.sqlstate, "%s",
           state != NULL ? state : "XX000");
  snprintf(conn->error.message, sizeof conn->error.message, "%s",
           message != NULL ? message : "");
  snprintf(conn->error.column, sizeof conn->error.column, "%s",
           column != NULL ? column : "");
  snprintf(conn->error.constraint, sizeof conn->error.constraint, "%s",
           constraint != NULL ? constraint : "");
  if (strcmp(conn->error.sqlstate, "40001") == 0 ||
      strcmp(conn->error.sqlstate, "40P01") == 0) {
    metrics_db_error(METRICS_DB_RETRY);
    return DB_RETRY;
  }
  /* Timeouts, shutdowns and lost connections are outages, not our bugs. */
  if (strcmp(conn->error.sqlstate, "57014") == 0 ||
      strncmp(conn->error.sqlstate, "57P", 3) == 0 ||
      strncmp(conn->error.sqlstate, "08", 2) == 0 ||
      strcmp(conn->error.sqlstate, "55P03") == 0) {
    metrics_db_error(METRICS_DB_UNAVAILABLE);
    return DB_UNAVAILABLE;
  }
  metrics_db_error(
      strncmp(conn->error.sqlstate, "23", 2) == 0   ? METRICS_DB_INTEGRITY
      : strncmp(conn->error.sqlstate, "22", 2) == 0 ? METRICS_DB_DATA
                                                    : METRICS_DB_OTHER);
  return DB_HARD_ERROR;
}

/* The unnamed statement, parsed for this call only: what a transaction
   pooler can carry between any client and server connection. */
static PGresult *exec_unnamed(struct db_conn *conn,
                              const struct db_statement *statement, int count,
                              const char *const *values,
                              enum db_status *status) {
  PGresult *result = PQexecParams(conn->pq, statement->sql, count, NULL, values,
                                  NULL, NULL, 0);
  ExecStatusType kind =
      result != NULL ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (kind == PGRES_COMMAND_OK || kind == PGRES_TUPLES_OK) {
    *status = DB_OK;
    return result;
  }
  *status = status_from_result(conn, result);
  if (*status == DB_HARD_ERROR && strncmp(conn->error.sqlstate, "42", 2) == 0) {
    log_error("running %s: %s", statement->name, conn->error.message);
  }
  PQclear(result);
  return NULL;
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
        PQprepare(conn->pq, statement->name, statement->sql, 0, NULL);
    if (prepared == NULL || PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      *status = status_from_result(conn, prepared);
      if (*status == DB_HARD_ERROR) {
        log_error("preparing %s: %s", statement->name, conn->error.message);
      }
      PQclear(prepared);
      return NULL;
    }
    PQclear(prepared);
    conn->prepared[slot] = strdup(statement->name);
    if (conn->prepared[slot] != NULL) {
      conn->prepared_count++;
    }
  }
  PGresult *result =
      PQexecPrepared(conn->pq, statement->name, count, values, NULL, NULL, 0);
  ExecStatusType kind =
      result != NULL ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (kind == PGRES_COMMAND_OK || kind == PGRES_TUPLES_OK) {
    *status = DB_OK;
    return result;
  }
  *status = status_from_result(conn, result);
  PQclear(result);
  return NULL;
}

enum db_status db_exec_simple(struct db_conn *conn, const char *sql) {
  PGresult *result = PQexec(conn->pq, sql);
  ExecStatusType kind =
      result != NULL ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  enum db_status status = DB_OK;
  if (kind != PGRES_COMMAND_OK && kind != PGRES_TUPLES_OK) {
    status = status_from_result(conn, result);
  }
  PQclear(result);
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
