/* Schema migrations: the numbered sql/migrations/ files compiled into the
 * binary, applied in order under an advisory lock and recorded with
 * checksums; then sql/functions/ (CREATE OR REPLACE), re-applied when a
 * migration ran or a function file changed. */
#ifndef PARLEY_DB_MIGRATE_H
#define PARLEY_DB_MIGRATE_H

#include "db/pool.h"

#include <stddef.h>

/* Applies the migrations not yet applied, in one transaction. Refuses (-1,
   message in `error`) when an applied migration's file has changed. Prints
   each migration it applies through the log. Returns the number applied. */
int db_migrate_apply(struct db_conn *conn, char *error, size_t error_size);

/* True when every embedded migration is recorded as applied. */
bool db_migrate_is_current(struct db_conn *conn);

#endif
