/* Row rendering and the keyset-paginated list runner. */
#include "db/records.h"

#include "common/encoding.h"
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *db_record_from_row(const PGresult *result, int row,
                           const struct column *columns, size_t count) {
  json_t *record = json_object();
  if (record == NULL) {
    return NULL;
  }
  for (size_t i = 0; i < count; i++) {
    int field = (int)i;
    json_t *value = NULL;
    if (PQgetisnull(result, row, field)) {
      value = json_null();
    } else {
      const char *text = PQgetvalue(result, row, field);
      switch (columns[i].type) {
      case COLUMN_INTEGER:
        value = json_integer(strtoll(text, NULL, 10));
        break;
      case COLUMN_TEXT:
        /* UTF-8 already: the pool only keeps UTF8 connections. */
        value =
            json_stringn_nocheck(text, (size_t)PQgetlength(result, row, field));
        break;
      case COLUMN_BOOLEAN:
        value = json_boolean(text[0] == 't');
        break;
      case COLUMN_JSON:
        value =
            json_loadb(text, (size_t)PQgetlength(result, row, field), 0, NULL);
        break;
      }
    }
    if (value == NULL || json_object_set_new(record, columns[i].name, value)) {
      log_error("cannot render column %s", columns[i].name);
      json_decref(record);
      return NULL;
    }
  }
  return record;
}

int db_record_fetch(struct db_conn *conn, const struct db_statement *statement,
                    int count, const char *const *values,
                    const struct column *columns, size_t column_count,
                    json_t **record) {
  enum db_status status;
  *record = NULL;
  PGresult *result = db_exec(conn, statement, count, values, &status);
  if (status != DB_OK) {
    return status;
  }
  struct record_read read = {statement, columns, column_count};
  int outcome = db_record_read_result(&read, result, record);
  PQclear(result);
  return outcome;
}

int db_record_read_result(const struct record_read *read,
                          const PGresult *result, json_t **record) {
  *record = NULL;
  if (PQntuples(result) == 0) {
    return DB_NOT_FOUND;
  }
  *record = db_record_from_row(result, 0, read->columns, read->column_count);
  return *record != NULL ? DB_OK : DB_HARD_ERROR;
}

int db_record_execute(struct db_conn *conn,
                      const struct db_statement *statement, int count,
                      const char *const *values, char *first_value,
                      size_t size) {
  enum db_status status;
  PGresult *result = db_exec(conn, statement, count, values, &status);
  if (status != DB_OK) {
    return status;
  }
  long touched = strtol(PQcmdTuples(result), NULL, 10);
  if (PQresultStatus(result) == PGRES_TUPLES_OK) {
    touched = PQntuples(result);
  }
  if (first_value != NULL && touched > 0 && PQnfields(result) > 0) {
    snprintf(first_value, size, "%s", PQgetvalue(result, 0, 0));
  }
  PQclear(result);
  return touched > 0 ? DB_OK : DB_NOT_FOUND;
}

int db_list_sort_find(const struct list_spec *spec, const char *name) {
  for (size_t i = 0; i < spec->sort_count; i++) {
    if (strcmp(spec->sorts[i].name, name) == 0) {
      return (int)i;
    }
  }
  return -1;
}

char *db_cursor_from_json(json_t *array) {
  char *text = array != NULL ? json_dumps(array, JSON_COMPACT) : NULL;
  json_decref(array);
  if (text == NULL) {
    return NULL;
  }
  size_t length = strlen(text);
  char *cursor = malloc(base64url_encoded_size(length));
  if (cursor != NULL) {
    base64url_encode((const unsigned char *)text, length, cursor);
  }
  free(text);
  return cursor;
}

json_t *db_cursor_to_json(const char *cursor) {
  unsigned char decoded[512];
  size_t length = strlen(cursor);
  if (length > 600) {
    return NULL;
  }
  long size = base64url_decode(cursor, length, decoded, sizeof decoded);
  if (size <= 0) {
    return NULL;
  }
  return json_loadb((const char *)decoded, (size_t)size, JSON_REJECT_DUPLICATES,
                    NULL);
}

/* A list cursor is the JSON array [sort, key, id]. */
static char *cursor_encode(const struct list_spec *spec, size_t sort,
                           const char *key, long long id) {
  return db_cursor_from_json(
      json_pack("[s, s, I]", spec->sorts[sort].name, key, (json_int_t)id));
}

int db_list_cursor_decode(const struct list_spec *spec, const char *cursor,
                          struct list_request *request) {
  json_t *array = db_cursor_to_json(cursor);
  const char *sort = NULL;
  const char *key = NULL;
  json_int_t id = 0;
  int outcome = -1;
  if (array != NULL &&
      json_unpack(array, "[s, s, I!]", &sort, &key, &id) == 0 &&
      strcmp(sort, spec->sorts[request->sort].name) == 0 && id > 0 &&
      strlen(key) < sizeof request->cursor_key) {
    snprintf(request->cursor_key, sizeof request->cursor_key, "%s", key);
    request->cursor_id = id;
    request->has_cursor = true;
    outcome = 0;
  }
  json_decref(array);
  return outcome;
}

static void sql_query_vadd(struct sql_query *query, const char *format,
                           va_list args) __attribute__((format(printf, 2, 0)));
static void sql_query_vadd(struct sql_query *query, const char *format,
                           va_list args) {
  if (query->used >= sizeof query->text) {
    return;
  }
  int written = vsnprintf(query->text + query->used,
                          sizeof query->text - query->used, format, args);
  query->used =
      written < 0 ? sizeof query->text : query->used + (size_t)written;
}

void db_sql_query_add(struct sql_query *query, const char *format, ...) {
  va_list args;
  va_start(args, format);
  sql_query_vadd(query, format, args);
  va_end(args);
}

void db_sql_query_reuse(struct sql_query *query, const char *fragment,
                        int number) {
  const char *rest = fragment;
  for (const char *mark = strstr(rest, "$?"); mark != NULL;
       mark = strstr(rest, "$?")) {
    db_sql_query_add(query, "%.*s$%d", (int)(mark - rest), rest, number);
    rest = mark + 2;
  }
  db_sql_query_add(query, "%s", rest);
}

int db_sql_query_bind(struct sql_query *query, const char *fragment,
                      const char *value) {
  if (query->count == SQL_QUERY_MAX_VALUES) {
    query->used = sizeof query->text; /* refused by db_sql_query_exec */
    return query->count;
  }
  query->values[query->count++] = value;
  db_sql_query_reuse(query, fragment, query->count);
  return query->count;
}

PGresult *db_sql_query_exec(struct db_conn *conn, const struct sql_query *query,
                            const char *name, enum db_status *status) {
  if (query->used >= sizeof query->text) {
    log_error("the SQL of %s is too long", name);
    *status = DB_HARD_ERROR;
    return NULL;
  }
  struct db_statement statement = {name, query->text};
  return db_exec(conn, &statement, query->count, query->values, status);
}

int db_list_page_render(const PGresult *result, long limit,
                        const struct column *columns, size_t count,
                        json_t **items, int *next_row) {
  int rows = PQntuples(result);
  int shown = rows > limit ? (int)limit : rows;
  *next_row = -1;
  *items = json_array();
  for (int row = 0; *items != NULL && row < shown; row++) {
    json_t *record = db_record_from_row(result, row, columns, count);
    if (record == NULL || json_array_append_new(*items, record) != 0) {
      json_decref(*items);
      *items = NULL;
    }
  }
  if (*items == NULL) {
    return DB_HARD_ERROR;
  }
  if (rows > shown && shown > 0) {
    *next_row = shown - 1;
  }
  return DB_OK;
}

/* The spec a request is listed with: its lead's when the lead filter is
   set (a narrower query, e.g. an issue's claims from its own index). */
static const struct list_spec *
list_spec_for(const struct list_spec *spec,
              const struct list_request *request) {
  if (spec->lead != NULL && request->filter_values[spec->lead_filter] != NULL) {
    return spec->lead;
  }
  return spec;
}

bool db_list_query_build(const struct list_spec *spec,
                         const struct list_request *request,
                         struct db_list_query *query) {
  spec = list_spec_for(spec, request);
  const struct list_sort *sort = &spec->sorts[request->sort];
  struct sql_query *sql = &query->sql;
  unsigned mask = 0;
  sql->used = 0;
  sql->count = 0;
  /* The key of each row rides along as one more column, after the
     record's own, so that the last row can make the next cursor. */
  db_sql_query_add(sql, "%s, (%s)::text", spec->select, sort->key);
  if (spec->from_takes_lead_filter) {
    mask |= 1u << spec->lead_filter;
    db_sql_query_bind(sql, spec->from,
                      request->filter_values[spec->lead_filter]);
  } else {
    db_sql_query_add(sql, "%s", spec->from);
  }
  const char *joiner = " WHERE ";
  for (size_t i = 0; i < spec->filter_count; i++) {
    if (request->filter_values[i] == NULL ||
        (spec->from_takes_lead_filter && i == spec->lead_filter)) {
      continue;
    }
    mask |= 1u << i;
    db_sql_query_add(sql, "%s", joiner);
    db_sql_query_bind(sql, spec->filters[i].condition,
                      request->filter_values[i]);
    joiner = " AND ";
  }
  if (request->has_cursor) {
    char key_parameter[48];
    snprintf(key_parameter, sizeof key_parameter, "$?::%s", sort->key_type);
    snprintf(query->cursor_id, sizeof query->cursor_id, "%lld",
             request->cursor_id);
    db_sql_query_add(sql, "%s((%s), %s) %s (", joiner, sort->key, spec->id,
                     sort->descending ? "<" : ">");
    db_sql_query_bind(sql, key_parameter, request->cursor_key);
    db_sql_query_bind(sql, ", $?::bigint)", query->cursor_id);
  }
  snprintf(query->limit, sizeof query->limit, "%ld", request->limit + 1);
  const char *direction = sort->descending ? "DESC" : "ASC";
  db_sql_query_add(sql, " ORDER BY (%s) %s, %s %s LIMIT ", sort->key, direction,
                   spec->id, direction);
  db_sql_query_bind(sql, "$?::bigint", query->limit);
  snprintf(query->name, sizeof query->name, "%s_list_%zu_%x%s", spec->resource,
           request->sort, mask, request->has_cursor ? "_c" : "");
  query->statement = (struct db_statement){query->name, sql->text};
  if (sql->used >= sizeof sql->text) {
    log_error("the SQL of %s is too long", query->name);
    return false;
  }
  return true;
}

int db_list_page_from_result(const struct list_spec *spec,
                             const struct list_request *request,
                             const PGresult *result, json_t **items,
                             char **next) {
  spec = list_spec_for(spec, request);
  *items = NULL;
  *next = NULL;
  int next_row = -1;
  int outcome = db_list_page_render(result, request->limit, spec->columns,
                                    spec->column_count, items, &next_row);
  if (outcome == DB_OK && next_row >= 0) {
    *next = cursor_encode(spec, request->sort,
                          PQgetvalue(result, next_row, (int)spec->column_count),
                          strtoll(PQgetvalue(result, next_row, 0), NULL, 10));
  }
  return outcome;
}

int db_list_run(struct db_conn *conn, const struct list_spec *spec,
                const struct list_request *request, json_t **items,
                char **next) {
  *items = NULL;
  *next = NULL;
  struct db_list_query query;
  if (!db_list_query_build(spec, request, &query)) {
    return DB_HARD_ERROR;
  }
  enum db_status status;
  PGresult *result = db_exec(conn, &query.statement, query.sql.count,
                             query.sql.values, &status);
  if (result == NULL) {
    return status;
  }
  int outcome = db_list_page_from_result(spec, request, result, items, next);
  PQclear(result);
  return outcome;
}
