/* API key creation, revocation and constant-time verification. */
#include "db/keys.h"

#include "common/encoding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_PREFIX_BYTES 6
#define KEY_SECRET_BYTES 32

static const struct db_statement statement_insert = {
    "keys_insert", "INSERT INTO api_keys (name, prefix, secret_hash, scope) "
                   "VALUES ($1, $2, decode($3, 'hex'), $4)"};
static const struct db_statement statement_revoke = {
    "keys_revoke", "UPDATE api_keys SET revoked_at = now() "
                   "WHERE name = $1 AND revoked_at IS NULL"};
static const struct db_statement statement_find = {
    "keys_find", "SELECT id, encode(secret_hash, 'hex'), scope FROM api_keys "
                 "WHERE prefix = $1 AND revoked_at IS NULL"};
/* Touching last_used_at at most once a minute keeps writes cheap. */
static const struct db_statement statement_touch = {
    "keys_touch",
    "UPDATE api_keys SET last_used_at = now() WHERE id = $1 "
    "AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')"};
static const struct db_statement statement_list = {
    "keys_list", "SELECT name, scope, to_char(created_at AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                 "coalesce(to_char(last_used_at AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'), "
                 "coalesce(to_char(revoked_at AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-') "
                 "FROM api_keys ORDER BY name"};

static const char *const key_scope_names[] = {"read", "write"};

int db_keys_scope_parse(const char *text) {
  for (int scope = KEY_SCOPE_READ; scope <= KEY_SCOPE_WRITE; scope++) {
    if (strcmp(text, key_scope_names[scope]) == 0) {
      return scope;
    }
  }
  return -1;
}

int db_keys_create(struct db_conn *conn, const char *name, enum key_scope scope,
                   char key[KEY_TEXT_SIZE]) {
  unsigned char prefix_bytes[KEY_PREFIX_BYTES];
  unsigned char secret[KEY_SECRET_BYTES];
  unsigned char digest[SHA256_BYTES];
  char prefix[2 * KEY_PREFIX_BYTES + 1];
  char secret_text[64];
  char digest_hex[2 * SHA256_BYTES + 1];
  if (random_bytes(prefix_bytes, sizeof prefix_bytes) != 0 ||
      random_bytes(secret, sizeof secret) != 0) {
    return DB_HARD_ERROR;
  }
  hex_encode(prefix_bytes, sizeof prefix_bytes, prefix);
  base64url_encode(secret, sizeof secret, secret_text);
  sha256_digest(secret_text, strlen(secret_text), digest);
  hex_encode(digest, sizeof digest, digest_hex);
  const char *values[] = {name, prefix, digest_hex, key_scope_names[scope]};
  enum db_status status;
  PGresult *result = db_exec(conn, &statement_insert, 4, values, &status);
  PQclear(result);
  if (status != DB_OK) {
    return status;
  }
  snprintf(key, KEY_TEXT_SIZE, "parley_%s_%s", prefix, secret_text);
  return DB_OK;
}

int db_keys_revoke(struct db_conn *conn, const char *name) {
  const char *values[] = {name};
  enum db_status status;
  PGresult *result = db_exec(conn, &statement_revoke, 1, values, &status);
  if (status != DB_OK) {
    return status;
  }
  long changed = strtol(PQcmdTuples(result), NULL, 10);
  PQclear(result);
  return changed > 0 ? DB_OK : DB_NOT_FOUND;
}

int db_keys_verify(struct db_conn *conn, const char *key, long long *key_id,
                   enum key_scope *scope) {
  /* parley_ + 12 hex + _ + 43 base64url */
  const size_t prefix_length = 2 * KEY_PREFIX_BYTES;
  if (strncmp(key, "parley_", 7) != 0 || strlen(key) < 7 + prefix_length + 2 ||
      key[7 + prefix_length] != '_' || strlen(key) > 7 + prefix_length + 60) {
    return DB_NOT_FOUND;
  }
  char prefix[2 * KEY_PREFIX_BYTES + 1];
  memcpy(prefix, key + 7, prefix_length);
  prefix[prefix_length] = '\0';
  const char *secret = key + 7 + prefix_length + 1;
  unsigned char digest[SHA256_BYTES];
  char digest_hex[2 * SHA256_BYTES + 1];
  sha256_digest(secret, strlen(secret), digest);
  hex_encode(digest, sizeof digest, digest_hex);

  const char *values[] = {prefix};
  enum db_status status;
  PGresult *result = db_exec(conn, &statement_find, 1, values, &status);
  if (status != DB_OK) {
    return status;
  }
  int outcome = DB_NOT_FOUND;
  if (PQntuples(result) == 1 &&
      equal_constant_time(PQgetvalue(result, 0, 1), digest_hex,
                          2 * SHA256_BYTES)) {
    *key_id = strtoll(PQgetvalue(result, 0, 0), NULL, 10);
    /* Anything but 'write' (the column's CHECK allows only the two) reads. */
    *scope = strcmp(PQgetvalue(result, 0, 2), "write") == 0 ? KEY_SCOPE_WRITE
                                                            : KEY_SCOPE_READ;
    outcome = DB_OK;
  }
  PQclear(result);
  if (outcome == DB_OK) {
    char id_text[24];
    snprintf(id_text, sizeof id_text, "%lld", *key_id);
    const char *touch_values[] = {id_text};
    PQclear(db_exec(conn, &statement_touch, 1, touch_values, &status));
  }
  return outcome;
}

PGresult *db_keys_list(struct db_conn *conn, enum db_status *status) {
  return db_exec(conn, &statement_list, 0, NULL, status);
}
