/* Queries on parties. Write statements take their values in the order of
 * enum party_value, as text (aliases as a JSON array). */
#ifndef PARLEY_DB_PARTIES_H
#define PARLEY_DB_PARTIES_H

#include "db/records.h"

enum party_value {
  PARTY_SLUG,
  PARTY_NAME,
  PARTY_KIND,
  PARTY_ALIASES,
  PARTY_AFFILIATION,
  PARTY_ROLE,
  PARTY_VALUE_COUNT
};

extern const struct list_spec db_parties_list_spec;

/* `lock` takes a row lock for a read-modify-write. */
int db_parties_fetch(struct db_conn *conn, const char *slug, bool lock,
                     json_t **record);
/* The same read, unlocked, as data (db/async.h). */
extern const struct record_read db_parties_read;
int db_parties_insert(struct db_conn *conn, const char *const *values);
int db_parties_update(struct db_conn *conn, const char *slug,
                      const char *const *values);
int db_parties_delete(struct db_conn *conn, const char *slug);
/* DB_OK when a party has this slug, DB_NOT_FOUND otherwise. */
/* One row when the record exists ($1 its slug). */
extern const struct db_statement db_parties_exists_statement;
int db_parties_exists(struct db_conn *conn, const char *slug);

#endif
