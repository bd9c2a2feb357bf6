/* API keys: created and revoked by name, stored as SHA-256 hashes of their
 * secret, verified in constant time. A key reads
 * "parley_<12 hex prefix>_<43 base64url secret>"; the prefix finds the row. */
#ifndef PARLEY_DB_KEYS_H
#define PARLEY_DB_KEYS_H

#include "db/pool.h"

#include <stddef.h>

#define KEY_TEXT_SIZE 96

/* What a key may do: every key may read; only 'write' keys may write. */
enum key_scope { KEY_SCOPE_READ, KEY_SCOPE_WRITE };

/* The scope named `text` ("read" or "write"); -1 for anything else. */
int db_keys_scope_parse(const char *text);

/* Creates a key named `name` with `scope`; writes the full key (shown once)
   to `key`. Returns DB_OK, or DB_HARD_ERROR (e.g. the name exists: sqlstate
   23505). */
int db_keys_create(struct db_conn *conn, const char *name, enum key_scope scope,
                   char key[KEY_TEXT_SIZE]);

/* Revokes the named key; DB_NOT_FOUND when there is no such active key. */
int db_keys_revoke(struct db_conn *conn, const char *name);

/* Verifies a presented key; DB_OK with *key_id and *scope set, DB_NOT_FOUND
   when the key is unknown, malformed or revoked, or a negative status. */
int db_keys_verify(struct db_conn *conn, const char *key, long long *key_id,
                   enum key_scope *scope);

/* Lists keys (name, scope, created, last used, revoked) as a result to
   PQclear. */
PGresult *db_keys_list(struct db_conn *conn, enum db_status *status);

#endif
