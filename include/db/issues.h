/* Queries on issues. Write statements take their values in the order of
 * enum issue_value, as text (keywords as a JSON array). */
#ifndef PARLEY_DB_ISSUES_H
#define PARLEY_DB_ISSUES_H

#include "db/records.h"

enum issue_value {
  ISSUE_SLUG,
  ISSUE_NAME,
  ISSUE_DESCRIPTION,
  ISSUE_PARENT,
  ISSUE_KEYWORDS,
  ISSUE_VALUE_COUNT
};

extern const struct list_spec db_issues_list_spec;

int db_issues_fetch(struct db_conn *conn, const char *slug, bool lock,
                    json_t **record);
/* The same read, unlocked, as data (db/async.h). */
extern const struct record_read db_issues_read;
int db_issues_insert(struct db_conn *conn, const char *const *values);
int db_issues_update(struct db_conn *conn, const char *slug,
                     const char *const *values);
int db_issues_delete(struct db_conn *conn, const char *slug);
/* One row when the record exists ($1 its slug). */
extern const struct db_statement db_issues_exists_statement;
int db_issues_exists(struct db_conn *conn, const char *slug);
/* The first slug of a JSON array of slugs that names no issue: DB_OK with
   it in `missing`, DB_NOT_FOUND when all exist. */
int db_issues_first_missing(struct db_conn *conn, const char *slugs_json,
                            char *missing, size_t size);

#endif
