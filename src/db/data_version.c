/* Reads the data version (migration 014). */
#include "db/data_version.h"

#include "db/records.h"

#include <libpq-fe.h>
#include <stdio.h>

const struct db_statement db_data_version_statement = {
    "data_version_read", "SELECT version FROM data_version"};

int db_data_version_read(struct db_conn *conn, char *out, size_t size) {
  int outcome =
      db_record_execute(conn, &db_data_version_statement, 0, NULL, out, size);
  /* The row is made by the migration and never deleted. */
  return outcome == DB_NOT_FOUND ? DB_HARD_ERROR : outcome;
}

int db_data_version_from_result(const PGresult *result, char *out,
                                size_t size) {
  if (PQntuples(result) < 1 || PQnfields(result) < 1) {
    return DB_HARD_ERROR;
  }
  snprintf(out, size, "%s", PQgetvalue(result, 0, 0));
  return DB_OK;
}
