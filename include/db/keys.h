/* API keys: created and revoked by name, stored as SHA-256 hashes of their
 * secret, verified in constant time. A key reads
 * "parley_<12 hex prefix>_<43 base64url secret>"; the prefix finds the row. */
#ifndef PARLEY_DB_KEYS_H
#define PARLEY_DB_KEYS_H

#include "db/pool.h"

#include <stddef.h>

#define KEY_TEXT_SIZE 96

/* Creates a key named `name`; writes the full key (shown once) to `key`.
   Returns DB_OK, or DB_HARD_ERROR (e.g. the name exists: sqlstate 23505). */
int keys_create(struct db_conn *conn, const char *name,
                char key[KEY_TEXT_SIZE]);

/* Revokes the named key; DB_NOT_FOUND when there is no such active key. */
int keys_revoke(struct db_conn *conn, const char *name);

/* Verifies a presented key; DB_OK with *key_id set, DB_NOT_FOUND when the
   key is unknown, malformed or revoked, or a negative status. */
int keys_verify(struct db_conn *conn, const char *key, long long *key_id);

/* Lists keys (name, created, last used, revoked) as a result to PQclear. */
PGresult *keys_list(struct db_conn *conn, enum db_status *status);

#endif
