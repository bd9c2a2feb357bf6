/* Rows to JSON records, and keyset-paginated lists with filters and sorts.
 *
 * Jansson: db_record_from_row and db_list_run return new references owned by
 * the caller. List SQL is assembled only from the fragments of a list_spec, so
 * every value stays a parameter; each combination of filters is its own
 * named prepared statement. */
#ifndef PARLEY_DB_RECORDS_H
#define PARLEY_DB_RECORDS_H

#include "db/pool.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* SQL for a timestamp rendered as RFC 3339 UTC with microseconds. */
#define RECORD_TIMESTAMP(column)                                               \
  "to_char(" column " AT TIME ZONE 'UTC', "                                    \
  "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define RECORD_DATE(column) "to_char(" column ", 'YYYY-MM-DD')"

enum column_type {
  COLUMN_INTEGER,
  COLUMN_TEXT,
  COLUMN_BOOLEAN,
  COLUMN_JSON, /* JSON text made by PostgreSQL, e.g. to_json(array) */
};

struct column {
  const char *name;
  enum column_type type;
};

/* Renders one row (first `count` columns) as a JSON object; NULL columns
   become null. Returns NULL if a JSON column does not parse. */
json_t *db_record_from_row(const PGresult *result, int row,
                           const struct column *columns, size_t count);

/* Runs a statement expected to give at most one row and renders it:
   DB_OK with *record set, DB_NOT_FOUND, or a failure. */
int db_record_fetch(struct db_conn *conn, const struct db_statement *statement,
                    int count, const char *const *values,
                    const struct column *columns, size_t column_count,
                    json_t **record);

/* A single-record read as data, for a reader that sends the statement
   itself (db/async.h): one parameter, the record's key; no row means no
   such record. */
struct record_read {
  const struct db_statement *statement;
  const struct column *columns;
  size_t column_count;
};

/* Renders the first row of a record_read's result: DB_OK with *record
   set, DB_NOT_FOUND for no row, DB_HARD_ERROR when a column does not
   render. */
int db_record_read_result(const struct record_read *read,
                          const PGresult *result, json_t **record);

/* Runs a statement for its effect: DB_OK when it touched a row,
   DB_NOT_FOUND when it touched none, or a failure. When `first_value` is
   not NULL it receives a copy of the first column of the first row
   (RETURNING), of at most `size` bytes. */
int db_record_execute(struct db_conn *conn,
                      const struct db_statement *statement, int count,
                      const char *const *values, char *first_value,
                      size_t size);

#define LIST_MAX_FILTERS 12

/* A filter: the query parameter it serves and a condition in which "$?"
   stands for its parameter (it may appear more than once). */
struct list_filter {
  const char *param;
  const char *condition;
};

/* A sort: its name in ?sort=, the key expression and its type, and the
   direction. Ties break on the id in the same direction. */
struct list_sort {
  const char *name;
  const char *key;
  const char *key_type;
  bool descending;
};

struct list_spec {
  const char *resource; /* prefix of statement names */
  const char *select;   /* "SELECT <columns>" */
  const char *from;     /* " FROM ... JOIN ..." without WHERE */
  const char *id;       /* the id column, e.g. "c.id" */
  const struct column *columns;
  size_t column_count;
  const struct list_filter *filters;
  size_t filter_count;
  const struct list_sort *sorts;
  size_t sort_count;
  /* Optional: when filter `lead_filter` is given, the list is read by
     `lead` instead, a spec with the same columns, filters, sorts and
     cursors whose rows are drawn through that filter's own index (the
     claims of an issue from the links). */
  const struct list_spec *lead;
  size_t lead_filter;
  /* Set in such a lead spec: its `from` holds the lead filter's "$?", and
     its condition in `filters` is not used. */
  bool from_takes_lead_filter;
};

struct list_request {
  const char *filter_values[LIST_MAX_FILTERS]; /* by filter index; NULL */
  size_t sort;
  long limit;
  bool has_cursor;
  char cursor_key[128];
  long long cursor_id;
};

/* The opaque cursors of every list: base64url of a compact JSON array.
   db_cursor_from_json steals `array` and returns a malloc'd cursor (NULL when
   out of memory); db_cursor_to_json returns a new reference, or NULL when the
   text is not a cursor at all (too long, not base64url, not JSON). */
char *db_cursor_from_json(json_t *array);
json_t *db_cursor_to_json(const char *cursor);

/* Decodes an opaque cursor for `request->sort`; -1 when it is malformed or
   was made for another sort. */
int db_list_cursor_decode(const struct list_spec *spec, const char *cursor,
                          struct list_request *request);

/* SQL assembled with its parameters, for the lists, shifts and the
   positions matrix: only fixed fragments and numbers go into the text,
   every value is a parameter. In a fragment, "$?" stands for a
   parameter's number (it may appear more than once). Once the text or
   the values are full, `used` stays past the end and db_sql_query_exec
   refuses the query. Values are borrowed. */
#define SQL_QUERY_MAX_VALUES 16
struct sql_query {
  char text[8192];
  size_t used;
  const char *values[SQL_QUERY_MAX_VALUES];
  int count;
};

/* Appends formatted text (numbers and fixed fragments; "$?" is not
   replaced). */
void db_sql_query_add(struct sql_query *query, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* Binds `value` as the next parameter and appends `fragment`, its "$?"
   standing for it; returns the parameter's number. */
int db_sql_query_bind(struct sql_query *query, const char *fragment,
                      const char *value);
/* Appends `fragment`, its "$?" standing for parameter `number` (bound
   before). */
void db_sql_query_reuse(struct sql_query *query, const char *fragment,
                        int number);
/* Runs the query as the prepared statement `name` (each variant of a query
   its own name): the result, or NULL with *status set when it failed or
   did not fit (DB_HARD_ERROR, logged with `name`). */
PGresult *db_sql_query_exec(struct db_conn *conn, const struct sql_query *query,
                            const char *name, enum db_status *status);

/* The rows of a page, asked for with LIMIT limit + 1: renders the first
   `limit` into *items (a new array) and sets *next_row to the last row
   shown when one more came (the next page starts after it), else -1.
   DB_OK, or DB_HARD_ERROR when a row does not render. */
int db_list_page_render(const PGresult *result, long limit,
                        const struct column *columns, size_t count,
                        json_t **items, int *next_row);

/* Runs the list; *items gets the page, *next a cursor (malloc'd) or NULL. */
int db_list_run(struct db_conn *conn, const struct list_spec *spec,
                const struct list_request *request, json_t **items,
                char **next);

/* The same list in two halves, for the asynchronous reader: the query,
   whose statement and values borrow from `query` and `request` (keep both
   until the result is in), then its page. */
struct db_list_query {
  struct sql_query sql;
  struct db_statement statement; /* its name: one per variant of the query */
  char name[64];
  char limit[24];
  char cursor_id[24];
};
/* False (logged) when the query does not fit. */
bool db_list_query_build(const struct list_spec *spec,
                         const struct list_request *request,
                         struct db_list_query *query);
int db_list_page_from_result(const struct list_spec *spec,
                             const struct list_request *request,
                             const PGresult *result, json_t **items,
                             char **next);

/* Index of a sort by name, or -1. */
int db_list_sort_find(const struct list_spec *spec, const char *name);

#endif
