/* Queries on articles: fetch, list, metadata update, delete. */
#include "db/articles.h"

#define ARTICLE_COLUMNS                                                                      \
  "SELECT a.id, a.sha256, a.title, a.url, " RECORD_DATE(                                     \
      "a.published") ", " RECORD_DATE("a.updated") ", "                                      \
                                                   "to_json(a.authors)::text,"               \
                                                   " a.dateline, a.text, "                   \
                                                   "(SELECT count(*) FROM "                  \
                                                   "claims WHERE article_id "                \
                                                   "= "                                      \
                                                   "a.id), " RECORD_TIMESTAMP(               \
                                                       "a.created_at") ","                   \
                                                                       " " RECORD_TIMESTAMP( \
                                                                           "a"               \
                                                                           "."               \
                                                                           "u"               \
                                                                           "p"               \
                                                                           "d"               \
                                                                           "a"               \
                                                                           "t"               \
                                                                           "e"               \
                                                                           "d"               \
                                                                           "_"               \
                                                                           "a"               \
                                                                           "t")
#define ARTICLE_FROM " FROM articles a"
#define ARTICLE_SELECT ARTICLE_COLUMNS ARTICLE_FROM

static const struct column article_columns[] = {
    {"id", COLUMN_INTEGER},      {"sha256", COLUMN_TEXT},
    {"title", COLUMN_TEXT},      {"url", COLUMN_TEXT},
    {"published", COLUMN_TEXT},  {"updated", COLUMN_TEXT},
    {"authors", COLUMN_JSON},    {"dateline", COLUMN_TEXT},
    {"text", COLUMN_TEXT},       {"claim_count", COLUMN_INTEGER},
    {"created_at", COLUMN_TEXT}, {"updated_at", COLUMN_TEXT},
};
#define ARTICLE_COLUMN_COUNT                                                   \
  (sizeof article_columns / sizeof article_columns[0])

static const struct list_filter article_filters[] = {
    {"since", "a.published >= $?::date"},
    {"until", "a.published <= $?::date"},
    {"q", "a.search @@ websearch_to_tsquery('english', $?)"},
};

static const struct list_sort article_sorts[] = {
    {"-created_at", "a.created_at", "timestamptz", true},
    {"created_at", "a.created_at", "timestamptz", false},
    {"-published", "coalesce(a.published, '-infinity'::date)", "date", true},
    {"published", "coalesce(a.published, '-infinity'::date)", "date", false},
};

const struct list_spec db_articles_list_spec = {
    .resource = "articles",
    .select = ARTICLE_COLUMNS,
    .from = ARTICLE_FROM,
    .id = "a.id",
    .columns = article_columns,
    .column_count = ARTICLE_COLUMN_COUNT,
    .filters = article_filters,
    .filter_count = sizeof article_filters / sizeof article_filters[0],
    .sorts = article_sorts,
    .sort_count = sizeof article_sorts / sizeof article_sorts[0],
};

static const struct db_statement statement_fetch = {
    "articles_fetch", ARTICLE_SELECT " WHERE a.id = $1::bigint"};
static const struct db_statement statement_fetch_lock = {
    "articles_fetch_lock",
    ARTICLE_SELECT " WHERE a.id = $1::bigint FOR UPDATE"};
static const struct db_statement statement_update = {
    "articles_update",
    "UPDATE articles SET title = $2, url = $3, published = $4::date, "
    "updated = $5::date, authors = ARRAY(SELECT "
    "jsonb_array_elements_text($6::jsonb)), dateline = $7, updated_at = "
    "clock_timestamp() WHERE id = $1::bigint"};
static const struct db_statement statement_delete = {
    "articles_delete", "DELETE FROM articles WHERE id = $1::bigint"};
const struct db_statement db_articles_exists_statement = {
    "articles_exists", "SELECT 1 FROM articles WHERE id = $1::bigint"};

int db_articles_fetch(struct db_conn *conn, const char *id, bool lock,
                      json_t **record) {
  const char *values[] = {id};
  return db_record_fetch(conn, lock ? &statement_fetch_lock : &statement_fetch,
                         1, values, article_columns, ARTICLE_COLUMN_COUNT,
                         record);
}

const struct record_read db_articles_read = {&statement_fetch, article_columns,
                                             ARTICLE_COLUMN_COUNT};

int db_articles_update(struct db_conn *conn, const char *id,
                       const char *const *values) {
  const char *all[ARTICLE_VALUE_COUNT + 1] = {id};
  for (int i = 0; i < ARTICLE_VALUE_COUNT; i++) {
    all[i + 1] = values[i];
  }
  return db_record_execute(conn, &statement_update, ARTICLE_VALUE_COUNT + 1,
                           all, NULL, 0);
}

int db_articles_delete(struct db_conn *conn, const char *id) {
  const char *values[] = {id};
  return db_record_execute(conn, &statement_delete, 1, values, NULL, 0);
}

int db_articles_exists(struct db_conn *conn, const char *id) {
  const char *values[] = {id};
  return db_record_execute(conn, &db_articles_exists_statement, 1, values, NULL,
                           0);
}
