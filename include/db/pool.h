/* PostgreSQL connections: a small locked pool, lazily prepared statements,
 * error classification and the transaction runner.
 *
 * Statements are named and prepared once per connection on first use; after
 * a reconnect the connection's prepared set is empty again, so they are
 * prepared anew. Every value is a parameter. */
#ifndef PARLEY_DB_POOL_H
#define PARLEY_DB_POOL_H

#include <libpq-fe.h>
#include <stdbool.h>

/* What a database call came to. Negative values are failures. */
enum db_status {
  DB_OK = 0,
  DB_NOT_FOUND = 1,    /* the statement ran; no such row */
  DB_HARD_ERROR = -1,  /* a constraint or other error: see db_error */
  DB_RETRY = -2,       /* serialization failure or deadlock: run again */
  DB_UNAVAILABLE = -3, /* connection lost or statement timed out */
};

/* The SQLSTATE and message of the last failure on a connection. */
struct db_error {
  char sqlstate[6];
  char message[256];
  char column[64];
  char constraint[64];
};

struct db_conn;
struct db_pool;

/* A statement: a stable name, its SQL and parameter count. */
struct db_statement {
  const char *name;
  const char *sql;
};

/* Behind a transaction pooler (pgbouncer pool_mode=transaction): statements
   run unnamed (PQexecParams) and no startup options are sent. Call once
   before any connection is made. */
void db_set_transaction_pooling(bool on);

struct db_pool *db_pool_create(const char *database_url, unsigned size,
                               unsigned statement_timeout_ms);
void db_pool_destroy(struct db_pool *pool);

/* Takes a connection, connecting if needed; NULL when the database cannot
   be reached (then answer 503). Always give it back with db_pool_release. */
struct db_conn *db_pool_acquire(struct db_pool *pool);
void db_pool_release(struct db_pool *pool, struct db_conn *conn);

/* The pool's size, connections handed out and connections idle (for
   GET /metrics). */
void db_pool_stats(struct db_pool *pool, unsigned *size, unsigned *in_use,
                   unsigned *idle);

/* Re-establishes a connection found broken mid-request (e.g. the server
   restarted); true when it is usable again. */
bool db_pool_reconnect(struct db_pool *pool, struct db_conn *conn);

/* Opens one connection outside any pool (the command-line program). */
struct db_conn *db_connect(const char *database_url, char *error,
                           size_t error_size);
void db_disconnect(struct db_conn *conn);
PGconn *db_conn_pq(struct db_conn *conn);

/* Runs a named statement, preparing it on this connection first if needed.
   Returns the result (caller PQclear()s it) with *status DB_OK, or NULL
   with *status < 0 and the connection's error filled in. */
PGresult *db_exec(struct db_conn *conn, const struct db_statement *statement,
                  int count, const char *const *values, enum db_status *status);

/* Runs SQL without parameters (BEGIN, COMMIT, migrations). */
enum db_status db_exec_simple(struct db_conn *conn, const char *sql);

const struct db_error *db_last_error(const struct db_conn *conn);

/* The body of a transaction: returns DB_OK to commit, anything else to roll
   back. It may run more than once (retries), so it must not keep state
   between runs except through `closure`, which it resets itself. */
typedef int db_transaction_body(struct db_conn *conn, void *closure);

/* BEGIN, body, COMMIT, with a bounded retry on serialization failures,
   deadlocks and a lost connection. Returns the body's result, or a
   negative db_status from BEGIN/COMMIT. */
int db_transaction(struct db_conn *conn, db_transaction_body *body,
                   void *closure);

/* Checks that the connection answers. */
bool db_ping(struct db_conn *conn);

#endif
