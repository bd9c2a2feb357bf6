/* Reads the data version (migration 014). */
#include "db/data_version.h"

#include "db/records.h"

static const struct db_statement statement_read = {
    "data_version_read", "SELECT version FROM data_version"};

int db_data_version_read(struct db_conn *conn, char *out, size_t size) {
  int outcome = db_record_execute(conn, &statement_read, 0, NULL, out, size);
  /* The row is made by the migration and never deleted. */
  return outcome == DB_NOT_FOUND ? DB_HARD_ERROR : outcome;
}
