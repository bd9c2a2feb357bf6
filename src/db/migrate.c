/* Applies the embedded migrations, then the function files, under an
 * advisory lock, in one transaction. */
#include "db/migrate.h"

#include "common/embedded.h"
#include "common/encoding.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How the schema is kept (see also README, "Migrations").
 *
 * sql/migrations/NNN_*.sql hold tables, types, indexes and data: an
 * append-only history, each file applied once and recorded by name with its
 * checksum. sql/functions/NN_*.sql hold every function (CREATE OR REPLACE)
 * and every trigger (CREATE OR REPLACE TRIGGER, or DROP IF EXISTS and
 * CREATE for a constraint trigger): the one place where a body is read and
 * changed.
 *
 * Order, in the one transaction of a run:
 *   1. the pending migrations, in name order;
 *   2. the function files, in name order, after the migrations, because a
 *      function's signature names the tables' row types and the types of the
 *      migrations, and an SQL-language body is checked against the tables
 *      when it is created (00_retired.sql first drops what older versions
 *      created and the schema no longer has);
 *   3. the part of each migration applied in step 1 that follows its line
 *      MIGRATE_AFTER_FUNCTIONS: data steps that call the functions (the
 *      recounts of 008 and 014).
 * So migrations create no triggers: their tables get them in step 2, and a
 * migration's data steps that must fire a current trigger go after the
 * marker. Step 2 runs when a migration was applied or when the function
 * files differ from those recorded in schema_functions; otherwise a run
 * changes nothing and takes no table lock (parleyd migrates at every
 * start, next to instances that are serving).
 *
 * Databases migrated before functions had their own files recorded the
 * migrations' earlier texts, with their function bodies: those checksums
 * are accepted (migration_superseded), and step 2 replaces the bodies
 * they created with the same ones. */

extern const struct embedded_file embedded_migrations[];
extern const size_t embedded_migrations_count;
extern const struct embedded_file embedded_functions[];

/* Any constant will do; it only has to be the same for every instance. */
#define MIGRATE_LOCK_KEY "7283917465"

/* The line that ends the part of a migration run before the functions. */
#define MIGRATE_AFTER_FUNCTIONS "\n-- migrate: after functions\n"

/* Earlier texts of migrations, accepted for the databases that applied
   them: the migrations before their functions and triggers moved to
   sql/functions/ (commit 8735df7), and 014 before its backfill became one
   set-based recount (commit dda1f29). Their effect on the schema is the
   same; only how they got there changed. */
static const struct {
  const char *name;
  const char *checksum;
} migration_superseded[] = {
    {"001_schema.sql",
     "5a7807e2bba7a55bb3cef5190e09abcbe38e2bf85ad01616860e896cb10a57e3"},
    {"003_loader.sql",
     "434d7a8f2c2954bc6a0b77d97fdf997afe3ae462087a18ae1f70632d7d9bc4a5"},
    {"004_positions.sql",
     "3ca27d611c37ff764a899fe531c753d1c914ee83f0e29ebd334ce11151330749"},
    {"006_positions_incremental.sql",
     "a7e2f5d8d75cb298d82761eb2823e9eda637fc993c128428e691e56b317b205c"},
    {"007_loader_speed.sql",
     "2e6f77f00fcae603ae6d113fca3119aea8910010e464af023db67d76fdde47b4"},
    {"008_positions_rows.sql",
     "972794db92e8c5d8b350c4250f31d965ba41169d4cb7b8e41467dbf9b5d9cb45"},
    {"009_issue_lists.sql",
     "cf1aa069b8b1f5a1bb29e207188a0a6e84a7901ae10894701892896940d954a5"},
    {"011_index_bounds.sql",
     "5192004994a7e4bf09f8b4c6701040c64d61638514e26931d3d6f89b214bd117"},
    {"012_idempotency_and_tree.sql",
     "e4a9eef4c6ac1f079afac524eabb9a37aac7a08ae6246fcb57876eabc4174457"},
    {"014_latest_totals_version.sql",
     "3308c5cd507c3e5d387249d0c72f5bc4fa14ab92df695312bf678ad2b66f1796"},
    {"014_latest_totals_version.sql",
     "b9202d6648eb7b63a9872ef010b1d25120a8ab70222e27a9939d0b19ea68384e"},
};

// clang-format off
static const struct db_statement statement_lock = {
    "migrate_lock",
    "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")"};
static const char sql_create_migrations[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  name text PRIMARY KEY,"
    "  checksum text NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now())";
static const char sql_create_functions[] =
    "CREATE TABLE IF NOT EXISTS schema_functions ("
    "  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),"
    "  checksum text NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now())";
static const struct db_statement statement_checksum = {
    "migrate_checksum",
    "SELECT checksum"
    "  FROM schema_migrations"
    "  WHERE name = $1"};
static const struct db_statement statement_record = {
    "migrate_record",
    "INSERT INTO schema_migrations (name, checksum)"
    "  VALUES ($1, $2)"};
static const struct db_statement statement_count = {
    "migrate_count",
    "SELECT count(*)"
    "  FROM schema_migrations"};
static const struct db_statement statement_functions_same = {
    "migrate_functions_same",
    "SELECT 1"
    "  FROM schema_functions"
    "  WHERE checksum = $1"};
static const struct db_statement statement_functions_record = {
    "migrate_functions_record",
    "INSERT INTO schema_functions (checksum)"
    "  VALUES ($1)"
    "  ON CONFLICT (only_row) DO UPDATE"
    "    SET checksum = EXCLUDED.checksum,"
    "        applied_at = now()"};
// clang-format on

struct migrate_run {
  int applied;
  char *error;
  size_t error_size;
};

/* The hex SHA-256 of `length` bytes at `data`. */
static void checksum_of(const char *data, size_t length,
                        char checksum[2 * SHA256_BYTES + 1]) {
  unsigned char digest[SHA256_BYTES];
  sha256_digest(data, length, digest);
  hex_encode(digest, sizeof digest, checksum);
}

/* One checksum for all the function files: of their names and checksums. */
static bool functions_checksum(char checksum[2 * SHA256_BYTES + 1]) {
  size_t count = 0;
  for (const struct embedded_file *file = embedded_functions;
       file->name != NULL; file++) {
    count++;
  }
  enum { LINE = 256 + 2 * SHA256_BYTES + 2 };
  char *lines = calloc(count + 1, LINE);
  if (lines == NULL) {
    return false;
  }
  size_t used = 0;
  for (const struct embedded_file *file = embedded_functions;
       file->name != NULL; file++) {
    char file_checksum[2 * SHA256_BYTES + 1];
    checksum_of(file->data, file->length, file_checksum);
    int written =
        snprintf(lines + used, LINE, "%.255s %s\n", file->name, file_checksum);
    used += written > 0 ? (size_t)written : 0;
  }
  checksum_of(lines, used, checksum);
  free(lines);
  return true;
}

/* True when `text` holds more than blanks and line comments: PostgreSQL
   answers an empty query with an error. */
static bool sql_has_statement(const char *text, size_t length) {
  size_t at = 0;
  while (at < length) {
    if (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' ||
        text[at] == '\r') {
      at++;
    } else if (text[at] == '-' && at + 1 < length && text[at + 1] == '-') {
      while (at < length && text[at] != '\n') {
        at++;
      }
    } else {
      return true;
    }
  }
  return false;
}

/* Runs `length` bytes of `sql` (a copy is made when they are not the whole
   NUL-terminated text). `what` names them in the error. */
static enum db_status run_sql(struct db_conn *conn, struct migrate_run *run,
                              const char *sql, size_t length,
                              const char *what) {
  if (!sql_has_statement(sql, length)) {
    return DB_OK;
  }
  char *copy = NULL;
  if (sql[length] != '\0') {
    copy = strndup(sql, length);
    if (copy == NULL) {
      snprintf(run->error, run->error_size, "%s: out of memory", what);
      return DB_HARD_ERROR;
    }
  }
  enum db_status status = db_exec_simple(conn, copy != NULL ? copy : sql);
  free(copy);
  if (status != DB_OK) {
    snprintf(run->error, run->error_size, "%s failed: %s", what,
             db_last_error(conn)->message);
  }
  return status;
}

/* Whether `checksum`, recorded for `name`, is the one of its text before
   the functions moved out. */
static bool migration_was_superseded(const char *name, const char *checksum) {
  for (size_t i = 0;
       i < sizeof migration_superseded / sizeof migration_superseded[0]; i++) {
    if (strcmp(migration_superseded[i].name, name) == 0 &&
        strcmp(migration_superseded[i].checksum, checksum) == 0) {
      return true;
    }
  }
  return false;
}

/* Step 1 for one migration: applies the part before the marker unless it
   is recorded. Sets *applied when it applied it. */
static enum db_status migration_apply(struct db_conn *conn,
                                      struct migrate_run *run,
                                      const struct embedded_file *file,
                                      bool *applied) {
  enum db_status status;
  char checksum[2 * SHA256_BYTES + 1];
  checksum_of(file->data, file->length, checksum);
  *applied = false;
  const char *name_value[] = {file->name};
  PGresult *result = db_exec(conn, &statement_checksum, 1, name_value, &status);
  if (status != DB_OK) {
    snprintf(run->error, run->error_size, "reading schema_migrations: %s",
             db_last_error(conn)->message);
    return status;
  }
  bool recorded = PQntuples(result) == 1;
  bool same = recorded &&
              (strcmp(PQgetvalue(result, 0, 0), checksum) == 0 ||
               migration_was_superseded(file->name, PQgetvalue(result, 0, 0)));
  PQclear(result);
  if (recorded && !same) {
    snprintf(run->error, run->error_size,
             "migration %s was changed after it was applied; add a new "
             "migration instead of editing an applied one",
             file->name);
    return DB_HARD_ERROR;
  }
  if (recorded) {
    return DB_OK;
  }
  const char *marker = strstr(file->data, MIGRATE_AFTER_FUNCTIONS);
  size_t before = marker != NULL ? (size_t)(marker - file->data) : file->length;
  char what[300];
  snprintf(what, sizeof what, "migration %s", file->name);
  status = run_sql(conn, run, file->data, before, what);
  if (status != DB_OK) {
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
  *applied = true;
  return DB_OK;
}

/* Step 2, when a migration was applied or the function files changed. */
static enum db_status functions_apply(struct db_conn *conn,
                                      struct migrate_run *run, bool forced) {
  char checksum[2 * SHA256_BYTES + 1];
  if (!functions_checksum(checksum)) {
    snprintf(run->error, run->error_size, "functions: out of memory");
    return DB_HARD_ERROR;
  }
  enum db_status status;
  const char *values[] = {checksum};
  if (!forced) {
    PGresult *result =
        db_exec(conn, &statement_functions_same, 1, values, &status);
    bool same = status == DB_OK && PQntuples(result) == 1;
    PQclear(result);
    if (status != DB_OK) {
      snprintf(run->error, run->error_size, "reading schema_functions: %s",
               db_last_error(conn)->message);
      return status;
    }
    if (same) {
      return DB_OK;
    }
  }
  for (const struct embedded_file *file = embedded_functions;
       file->name != NULL; file++) {
    char what[300];
    snprintf(what, sizeof what, "functions %s", file->name);
    status = run_sql(conn, run, file->data, file->length, what);
    if (status != DB_OK) {
      return status;
    }
  }
  PGresult *result =
      db_exec(conn, &statement_functions_record, 1, values, &status);
  PQclear(result);
  if (status != DB_OK) {
    snprintf(run->error, run->error_size, "recording the functions: %s",
             db_last_error(conn)->message);
    return status;
  }
  log_info("applied the functions (%s)", checksum);
  return DB_OK;
}

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
  const char *tables[] = {sql_create_migrations, sql_create_functions};
  for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
    status = db_exec_simple(conn, tables[i]);
    if (status != DB_OK) {
      snprintf(run->error, run->error_size,
               "cannot create the migration tables: %s",
               db_last_error(conn)->message);
      return status;
    }
  }
  /* Which migrations this run applied, for step 3. */
  bool *applied = calloc(embedded_migrations_count + 1, sizeof *applied);
  if (applied == NULL) {
    snprintf(run->error, run->error_size, "migrations: out of memory");
    return DB_HARD_ERROR;
  }
  status = DB_OK;
  for (size_t i = 0; status == DB_OK && i < embedded_migrations_count; i++) {
    status = migration_apply(conn, run, &embedded_migrations[i], &applied[i]);
    run->applied += applied[i] ? 1 : 0;
  }
  if (status == DB_OK) {
    status = functions_apply(conn, run, run->applied > 0);
  }
  for (size_t i = 0; status == DB_OK && i < embedded_migrations_count; i++) {
    const struct embedded_file *file = &embedded_migrations[i];
    const char *marker =
        applied[i] ? strstr(file->data, MIGRATE_AFTER_FUNCTIONS) : NULL;
    if (marker != NULL) {
      char what[300];
      snprintf(what, sizeof what, "migration %s (after functions)", file->name);
      status = run_sql(conn, run, marker,
                       file->length - (size_t)(marker - file->data), what);
    }
  }
  free(applied);
  return status;
}

int db_migrate_apply(struct db_conn *conn, char *error, size_t error_size) {
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

bool db_migrate_is_current(struct db_conn *conn) {
  enum db_status status;
  PGresult *result = db_exec(conn, &statement_count, 0, NULL, &status);
  if (status != DB_OK) {
    return false;
  }
  long applied = strtol(PQgetvalue(result, 0, 0), NULL, 10);
  PQclear(result);
  return applied >= (long)embedded_migrations_count;
}
