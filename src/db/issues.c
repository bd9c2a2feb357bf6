/* Queries on issues: fetch, list, insert, update, delete. */
#include "db/issues.h"

#define ISSUE_COLUMNS                                                          \
  "SELECT i.id, i.slug, i.name, i.description, parent.slug, "                  \
  "to_json(i.keywords)::text, " RECORD_TIMESTAMP(                              \
      "i.created_at") ", " RECORD_TIMESTAMP("i.updated_at")
#define ISSUE_FROM                                                             \
  " FROM issues i LEFT JOIN issues parent ON parent.id = i.parent_id"
#define ISSUE_SELECT ISSUE_COLUMNS ISSUE_FROM

static const struct column issue_columns[] = {
    {"id", COLUMN_INTEGER},      {"slug", COLUMN_TEXT},
    {"name", COLUMN_TEXT},       {"description", COLUMN_TEXT},
    {"parent", COLUMN_TEXT},     {"keywords", COLUMN_JSON},
    {"created_at", COLUMN_TEXT}, {"updated_at", COLUMN_TEXT},
};
#define ISSUE_COLUMN_COUNT (sizeof issue_columns / sizeof issue_columns[0])

static const struct list_filter issue_filters[] = {
    {"parent", "parent.slug = $?"},
    /* Names and keywords are stored in NFC (fields.h): so is the term. */
    {"q", "(strpos(lower(i.name), lower(normalize($?, NFC))) > 0 OR "
          "strpos(lower(i.description), lower(normalize($?, NFC))) > 0 OR "
          "EXISTS (SELECT 1 FROM unnest(i.keywords) keyword WHERE "
          "strpos(lower(keyword), lower(normalize($?, NFC))) > 0))"},
};

static const struct list_sort issue_sorts[] = {
    {"-created_at", "i.created_at", "timestamptz", true},
    {"created_at", "i.created_at", "timestamptz", false},
    {"slug", "i.slug", "text", false},
    {"-slug", "i.slug", "text", true},
    {"name", "i.name", "text", false},
    {"-name", "i.name", "text", true},
};

const struct list_spec db_issues_list_spec = {
    .resource = "issues",
    .select = ISSUE_COLUMNS,
    .from = ISSUE_FROM,
    .id = "i.id",
    .columns = issue_columns,
    .column_count = ISSUE_COLUMN_COUNT,
    .filters = issue_filters,
    .filter_count = sizeof issue_filters / sizeof issue_filters[0],
    .sorts = issue_sorts,
    .sort_count = sizeof issue_sorts / sizeof issue_sorts[0],
};

static const struct db_statement statement_fetch = {"issues_fetch", ISSUE_SELECT
                                                    " WHERE i.slug = $1"};
static const struct db_statement statement_fetch_lock = {
    "issues_fetch_lock", ISSUE_SELECT " WHERE i.slug = $1 FOR UPDATE OF i"};
static const struct db_statement statement_insert = {
    "issues_insert",
    "INSERT INTO issues (slug, name, description, parent_id, keywords) "
    "VALUES ($1, $2, coalesce($3, ''), (SELECT id FROM issues WHERE slug = "
    "$4), ARRAY(SELECT jsonb_array_elements_text($5::jsonb)))"};
static const struct db_statement statement_update = {
    "issues_update",
    "UPDATE issues SET slug = $2, name = $3, description = coalesce($4, ''), "
    "parent_id = (SELECT id FROM issues WHERE slug = $5), "
    "keywords = ARRAY(SELECT jsonb_array_elements_text($6::jsonb)), "
    "updated_at = clock_timestamp() WHERE slug = $1"};
static const struct db_statement statement_delete = {
    "issues_delete", "DELETE FROM issues WHERE slug = $1"};
const struct db_statement db_issues_exists_statement = {
    "issues_exists", "SELECT 1 FROM issues WHERE slug = $1"};
static const struct db_statement statement_first_missing = {
    "issues_first_missing",
    "SELECT wanted FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY "
    "AS w (wanted, position) WHERE NOT EXISTS (SELECT 1 FROM issues WHERE "
    "slug = wanted) ORDER BY position LIMIT 1"};

int db_issues_fetch(struct db_conn *conn, const char *slug, bool lock,
                    json_t **record) {
  const char *values[] = {slug};
  return db_record_fetch(conn, lock ? &statement_fetch_lock : &statement_fetch,
                         1, values, issue_columns, ISSUE_COLUMN_COUNT, record);
}

const struct record_read db_issues_read = {&statement_fetch, issue_columns,
                                           ISSUE_COLUMN_COUNT};

int db_issues_insert(struct db_conn *conn, const char *const *values) {
  return db_record_execute(conn, &statement_insert, ISSUE_VALUE_COUNT, values,
                           NULL, 0);
}

int db_issues_update(struct db_conn *conn, const char *slug,
                     const char *const *values) {
  const char *all[ISSUE_VALUE_COUNT + 1] = {slug};
  for (int i = 0; i < ISSUE_VALUE_COUNT; i++) {
    all[i + 1] = values[i];
  }
  return db_record_execute(conn, &statement_update, ISSUE_VALUE_COUNT + 1, all,
                           NULL, 0);
}

int db_issues_delete(struct db_conn *conn, const char *slug) {
  const char *values[] = {slug};
  return db_record_execute(conn, &statement_delete, 1, values, NULL, 0);
}

int db_issues_exists(struct db_conn *conn, const char *slug) {
  const char *values[] = {slug};
  return db_record_execute(conn, &db_issues_exists_statement, 1, values, NULL,
                           0);
}

int db_issues_first_missing(struct db_conn *conn, const char *slugs_json,
                            char *missing, size_t size) {
  const char *values[] = {slugs_json};
  return db_record_execute(conn, &statement_first_missing, 1, values, missing,
                           size);
}
