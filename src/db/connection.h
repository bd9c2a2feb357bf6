/* What the pool and the asynchronous reader share about a connection: its
   parameters, its checks once connected, and how a failed result is
   classified. Private to src/db. */
#ifndef PARLEY_DB_CONNECTION_H
#define PARLEY_DB_CONNECTION_H

#include "db/pool.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* How long after the statement timeout an answer may still come before the
   server is taken for hung (stopped, or unreachable without a reset): past
   it the connection is closed and the request answered 503. */
#define DB_ANSWER_GRACE_MS 1000

/* The keywords and values of PQconnectdbParams / PQconnectStartParams (the
   values point into the struct: do not copy it once initialised). */
struct db_connection_parameters {
  const char *keywords[12];
  const char *values[12];
  char options[64];
  char user_timeout[16];
};

void db_connection_parameters_init(struct db_connection_parameters *parameters,
                                   const char *database_url,
                                   unsigned statement_timeout_ms);

/* Checks a new connection (a UTF8 database read as UTF8), routes its
   notices to the log and makes it non-blocking; false (logged) when it
   cannot be used. */
bool db_connection_ready(PGconn *pq);

/* Behind a transaction pooler: statements run unnamed (db_set_transaction_
   pooling). */
bool db_transaction_pooling_on(void);

/* Classifies a failed result (NULL: none came) into `error` and counts it
   in the metrics: DB_RETRY, DB_UNAVAILABLE or DB_HARD_ERROR. */
enum db_status db_status_of_result(PGconn *pq, const PGresult *result,
                                   struct db_error *error);

#endif
