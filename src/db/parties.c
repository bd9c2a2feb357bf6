/* Queries on parties: fetch, list, insert, update, delete. */
#include "db/parties.h"

#define PARTY_COLUMNS                                                          \
  "SELECT p.id, p.slug, p.name, p.kind, to_json(p.aliases)::text, a.slug, "    \
  "p.role, " RECORD_TIMESTAMP("p.created_at") ", " RECORD_TIMESTAMP(           \
      "p.updated_at")
#define PARTY_FROM                                                             \
  " FROM parties p LEFT JOIN parties a ON a.id = p.affiliation_id"
#define PARTY_SELECT PARTY_COLUMNS PARTY_FROM

static const struct column party_columns[] = {
    {"id", COLUMN_INTEGER},      {"slug", COLUMN_TEXT},
    {"name", COLUMN_TEXT},       {"kind", COLUMN_TEXT},
    {"aliases", COLUMN_JSON},    {"affiliation", COLUMN_TEXT},
    {"role", COLUMN_TEXT},       {"created_at", COLUMN_TEXT},
    {"updated_at", COLUMN_TEXT},
};
#define PARTY_COLUMN_COUNT (sizeof party_columns / sizeof party_columns[0])

static const struct list_filter party_filters[] = {
    {"kind", "p.kind = $?"},
    {"affiliation", "a.slug = $?"},
    {"q",
     /* Names and aliases are stored in NFC (fields.h): so is the term. */
     "(strpos(lower(p.name), lower(normalize($?, NFC))) > 0 OR EXISTS (SELECT "
     "1 FROM unnest(p.aliases) alias WHERE strpos(lower(alias), "
     "lower(normalize($?, NFC))) > 0))"},
};

static const struct list_sort party_sorts[] = {
    {"-created_at", "p.created_at", "timestamptz", true},
    {"created_at", "p.created_at", "timestamptz", false},
    {"slug", "p.slug", "text", false},
    {"-slug", "p.slug", "text", true},
    {"name", "p.name", "text", false},
    {"-name", "p.name", "text", true},
};

const struct list_spec db_parties_list_spec = {
    .resource = "parties",
    .select = PARTY_COLUMNS,
    .from = PARTY_FROM,
    .id = "p.id",
    .columns = party_columns,
    .column_count = PARTY_COLUMN_COUNT,
    .filters = party_filters,
    .filter_count = sizeof party_filters / sizeof party_filters[0],
    .sorts = party_sorts,
    .sort_count = sizeof party_sorts / sizeof party_sorts[0],
};

static const struct db_statement statement_fetch = {
    "parties_fetch", PARTY_SELECT " WHERE p.slug = $1"};
static const struct db_statement statement_fetch_lock = {
    "parties_fetch_lock", PARTY_SELECT " WHERE p.slug = $1 FOR UPDATE OF p"};
static const struct db_statement statement_insert = {
    "parties_insert",
    "INSERT INTO parties (slug, name, kind, aliases, affiliation_id, role) "
    "VALUES ($1, $2, $3, ARRAY(SELECT jsonb_array_elements_text($4::jsonb)), "
    "(SELECT id FROM parties WHERE slug = $5), $6)"};
static const struct db_statement statement_update = {
    "parties_update",
    "UPDATE parties SET slug = $2, name = $3, kind = $4, "
    "aliases = ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), "
    "affiliation_id = (SELECT id FROM parties WHERE slug = $6), role = $7, "
    "updated_at = clock_timestamp() WHERE slug = $1"};
static const struct db_statement statement_delete = {
    "parties_delete", "DELETE FROM parties WHERE slug = $1"};
const struct db_statement db_parties_exists_statement = {
    "parties_exists", "SELECT 1 FROM parties WHERE slug = $1"};

int db_parties_fetch(struct db_conn *conn, const char *slug, bool lock,
                     json_t **record) {
  const char *values[] = {slug};
  return db_record_fetch(conn, lock ? &statement_fetch_lock : &statement_fetch,
                         1, values, party_columns, PARTY_COLUMN_COUNT, record);
}

const struct record_read db_parties_read = {&statement_fetch, party_columns,
                                            PARTY_COLUMN_COUNT};

int db_parties_insert(struct db_conn *conn, const char *const *values) {
  return db_record_execute(conn, &statement_insert, PARTY_VALUE_COUNT, values,
                           NULL, 0);
}

int db_parties_update(struct db_conn *conn, const char *slug,
                      const char *const *values) {
  const char *all[PARTY_VALUE_COUNT + 1] = {slug};
  for (int i = 0; i < PARTY_VALUE_COUNT; i++) {
    all[i + 1] = values[i];
  }
  return db_record_execute(conn, &statement_update, PARTY_VALUE_COUNT + 1, all,
                           NULL, 0);
}

int db_parties_delete(struct db_conn *conn, const char *slug) {
  const char *values[] = {slug};
  return db_record_execute(conn, &statement_delete, 1, values, NULL, 0);
}

int db_parties_exists(struct db_conn *conn, const char *slug) {
  const char *values[] = {slug};
  return db_record_execute(conn, &db_parties_exists_statement, 1, values, NULL,
                           0);
}
