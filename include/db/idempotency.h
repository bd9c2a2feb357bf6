/* Stored answers of writes sent with an Idempotency-Key
 * (sql/migrations/012_idempotency_and_tree.sql): one row per (API key,
 * idempotency key), claimed before the write and completed
 * with the answer in the write's own transaction. */
#ifndef PARLEY_DB_IDEMPOTENCY_H
#define PARLEY_DB_IDEMPOTENCY_H

#include "db/pool.h"

#include <stddef.h>

/* A stored request and its answer; the strings are owned (free with
   db_idempotency_row_release). */
struct idempotency_row {
  char *method;
  char *path;
  char *request_hash;
  unsigned status;
  char *location; /* NULL when the answer had none */
  char *body;
};

/* Deletes a bounded batch of rows older than a day (those of other
   transactions are skipped, not waited for), and the expired row of this
   key if there is one, so that the key may be used anew. */
int db_idempotency_expire(struct db_conn *conn, const char *key_id,
                          const char *key);

/* Claims the key for this request: DB_OK when the row was inserted (the
   write goes on), DB_NOT_FOUND when a row is there already (after waiting
   for the transaction that inserted it, if it still runs). */
int db_idempotency_claim(struct db_conn *conn, const char *key_id,
                         const char *key, const char *method, const char *path,
                         const char *request_hash);

/* Reads the row of a key: DB_OK with *row filled, DB_NOT_FOUND, or a
   failure. */
int db_idempotency_fetch(struct db_conn *conn, const char *key_id,
                         const char *key, struct idempotency_row *row);

/* Completes the claimed row with the answer. */
int db_idempotency_complete(struct db_conn *conn, const char *key_id,
                            const char *key, unsigned status,
                            const char *location, const char *body);

void db_idempotency_row_release(struct idempotency_row *row);

#endif
