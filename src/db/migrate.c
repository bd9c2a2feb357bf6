/* Applies the embedded migrations in order, under an advisory lock. */
#include "db/migrate.h"

#include "common/embedded.h"
#include "common/encoding.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct embedded_file embedded_migrations[];
extern const size_t embedded_migrations_count;

/* Any constant will do; it only has to be the same for every instance. */
#define MIGRATE_LOCK_KEY "7283917465"

static const struct db_statement statement_lock = {
    "migrate_lock", "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")"};
static const struct db_statement statement_checksum = {
    "migrate_checksum",
    "SELECT checksum FROM schema_migrations WHERE name = $1"};
static const struct db_statement statement_record = {
    "migrate_record",
    "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)"};
static const struct db_statement statement_count = {
    "migrate_count", "SELECT count(*) FROM schema_migrations"};

struct migrate_run {
  int applied;
  char *error;
  size_t error_size;
};

static int migrate_body(struct db_conn *conn, void *closure) {
  struct migrate_run *run = closure;
  enum db_status status;
  run->applied = 0;
  PGresult *result = db_exec(conn, &statement_lock, 0, NULL, &status);
  PQclear(result);
  if (status != DB_OK) {
    snprintf(run->error, run->error_size, "cannot take the migration lock: %s",
             db_last_error(conn)->message);
    return status;
  }
  status =
      db_exec_simple(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " name text PRIMARY KEY,"
                           " checksum text NOT NULL,"
                           " applied_at timestamptz NOT NULL DEFAULT now())");
  if (status != DB_OK) {
    snprintf(run->error, run->error_size, "cannot create schema_migrations: %s",
             db_last_error(conn)->message);
    return status;
  }
  for (const struct embedded_file *file = embedded_migrations;
       file->name != NULL; file++) {
    unsigned char digest[SHA256_BYTES];
    char checksum[2 * SHA256_BYTES + 1];
    sha256_digest(file->data, file->length, digest);
    hex_encode(digest, sizeof digest, checksum);
    const char *name_value[] = {file->name};
    result = db_exec(conn, &statement_checksum, 1, name_value, &status);
    if (status != DB_OK) {
      snprintf(run->error, run->error_size, "reading schema_migrations: %s",
               db_last_error(conn)->message);
      return status;
    }
    bool recorded = PQntuples(result) == 1;
    bool same = recorded && strcmp(PQgetvalue(result, 0, 0), checksum) == 0;
    PQclear(result);
    if (recorded && !same) {
      snprintf(run->error, run->error_size,
               "migration %s was changed after it was applied; add a new "
               "migration instead of editing an applied one",
               file->name);
      return DB_HARD_ERROR;
    }
    if (recorded) {
      continue;
    }
    status = db_exec_simple(conn, file->data);
    if (status != DB_OK) {
      snprintf(run->error, run->error_size, "migration %s failed: %s",
               file->name, db_last_error(conn)->message);
      return status;
    }
    const char *record_values[] = {file->name, checksum};
    result = db_exec(conn, &statement_record, 2, record_values, &status);
    PQclear(result);
    if (status != DB_OK) {
      snprintf(run->error, run->error_size, "recording %s: %s", file->name,
               db_last_error(conn)->message);
      return status;
    }
    log_info("applied migration %s", file->name);
    run->applied++;
  }
  return DB_OK;
}

int migrate_apply(struct db_conn *conn, char *error, size_t error_size) {
  struct migrate_run run = {0, error, error_size};
  error[0] = '\0';
  int outcome = db_transaction(conn, migrate_body, &run);
  if (outcome != DB_OK) {
    if (error[0] == '\0') {
      snprintf(error, error_size, "migrations failed: %s",
               db_last_error(conn)->message);
    }
    return -1;
  }
  return run.applied;
}

bool migrate_is_current(struct db_conn *conn) {
  enum db_status status;
  PGresult *result = db_exec(conn, &statement_count, 0, NULL, &status);
  if (status != DB_OK) {
    return false;
  }
  long applied = strtol(PQgetvalue(result, 0, 0), NULL, 10);
  PQclear(result);
  return applied >= (long)embedded_migrations_count;
}
