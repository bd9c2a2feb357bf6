/* The data version: a number that goes up by one when a transaction that
 * changed records commits (a statement that writes no row, or an UPDATE
 * that leaves its rows as they were, does not count: see
 * sql/functions/50_data_version.sql), for the weak ETags of lists and of
 * the positions matrix. */
#ifndef PARLEY_DB_DATA_VERSION_H
#define PARLEY_DB_DATA_VERSION_H

#include "db/pool.h"

#include <libpq-fe.h>
#include <stddef.h>

/* Reads the current version into `out` (decimal). Read it before the data
   it stands for, on the same connection: the data is then as new as the
   version or newer, never older. DB_OK or a failure. */
int db_data_version_read(struct db_conn *conn, char *out, size_t size);

/* The same read for the asynchronous reader (db/async.h): its statement
   (no parameters), sent before the data's in the same job, and its
   result's reading (DB_OK, or DB_HARD_ERROR without the row). */
extern const struct db_statement db_data_version_statement;
int db_data_version_from_result(const PGresult *result, char *out, size_t size);

#endif
