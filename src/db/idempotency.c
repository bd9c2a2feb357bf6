/* Queries on idempotency_keys: expire, claim, fetch, complete. */
#include "db/idempotency.h"

#include "db/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A day: long enough for any client's retries, short enough that the table
   stays small. */
#define IDEMPOTENCY_LIFETIME "interval '24 hours'"

static const struct db_statement statement_expire_batch = {
    "idempotency_expire_batch",
    "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(SELECT ctid FROM "
    "idempotency_keys WHERE created_at < clock_timestamp() "
    "- " IDEMPOTENCY_LIFETIME
    " ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED))"};
static const struct db_statement statement_expire_key = {
    "idempotency_expire_key",
    "DELETE FROM idempotency_keys WHERE key_id = $1 AND idempotency_key = $2 "
    "AND created_at < clock_timestamp() - " IDEMPOTENCY_LIFETIME};
static const struct db_statement statement_claim = {
    "idempotency_claim",
    "INSERT INTO idempotency_keys (key_id, idempotency_key, method, path, "
    "request_hash) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"};
static const struct db_statement statement_fetch = {
    "idempotency_fetch",
    "SELECT method, path, request_hash, status, location, body FROM "
    "idempotency_keys WHERE key_id = $1 AND idempotency_key = $2"};
static const struct db_statement statement_complete = {
    "idempotency_complete",
    "UPDATE idempotency_keys SET status = $3, location = $4, body = $5 "
    "WHERE key_id = $1 AND idempotency_key = $2"};

int db_idempotency_expire(struct db_conn *conn, const char *key_id,
                          const char *key) {
  int outcome =
      db_record_execute(conn, &statement_expire_batch, 0, NULL, NULL, 0);
  if (outcome < 0) {
    return outcome;
  }
  const char *values[] = {key_id, key};
  outcome = db_record_execute(conn, &statement_expire_key, 2, values, NULL, 0);
  return outcome < 0 ? outcome : DB_OK;
}

int db_idempotency_claim(struct db_conn *conn, const char *key_id,
                         const char *key, const char *method, const char *path,
                         const char *request_hash) {
  const char *values[] = {key_id, key, method, path, request_hash};
  return db_record_execute(conn, &statement_claim, 5, values, NULL, 0);
}

static char *column_copy(const PGresult *result, int column) {
  return PQgetisnull(result, 0, column) ? NULL
                                        : strdup(PQgetvalue(result, 0, column));
}

int db_idempotency_fetch(struct db_conn *conn, const char *key_id,
                         const char *key, struct idempotency_row *row) {
  const char *values[] = {key_id, key};
  enum db_status status;
  memset(row, 0, sizeof *row);
  PGresult *result = db_exec(conn, &statement_fetch, 2, values, &status);
  if (status != DB_OK) {
    return status;
  }
  if (PQntuples(result) == 0) {
    PQclear(result);
    return DB_NOT_FOUND;
  }
  row->method = column_copy(result, 0);
  row->path = column_copy(result, 1);
  row->request_hash = column_copy(result, 2);
  row->status = (unsigned)strtoul(PQgetvalue(result, 0, 3), NULL, 10);
  row->location = column_copy(result, 4);
  row->body = column_copy(result, 5);
  PQclear(result);
  if (row->method == NULL || row->path == NULL || row->request_hash == NULL ||
      row->body == NULL) {
    db_idempotency_row_release(row);
    return DB_HARD_ERROR;
  }
  return DB_OK;
}

int db_idempotency_complete(struct db_conn *conn, const char *key_id,
                            const char *key, unsigned status,
                            const char *location, const char *body) {
  char status_text[16];
  snprintf(status_text, sizeof status_text, "%u", status);
  const char *values[] = {key_id, key, status_text, location, body};
  int outcome =
      db_record_execute(conn, &statement_complete, 5, values, NULL, 0);
  /* The row was claimed in this transaction: it must be there. */
  return outcome == DB_NOT_FOUND ? DB_HARD_ERROR : outcome;
}

void db_idempotency_row_release(struct idempotency_row *row) {
  free(row->method);
  free(row->path);
  free(row->request_hash);
  free(row->location);
  free(row->body);
  memset(row, 0, sizeof *row);
}
