/* Queries on claims: fetch, list, insert, update, delete, issue links. */
#include "db/claims.h"

/* The issue slugs of a claim, sorted, as a JSON array. */
#define CLAIM_ISSUE_SLUGS                                                      \
  "(SELECT coalesce(json_agg(i.slug ORDER BY i.slug), '[]')::text "            \
  "FROM claim_issues ci JOIN issues i ON i.id = ci.issue_id "                  \
  "WHERE ci.claim_id = c.id)"
#define CLAIM_COLUMNS                                                                      \
  "SELECT c.id, c.article_id, p.slug, s.slug, " CLAIM_ISSUE_SLUGS ", "                     \
  "c.stance, c.quote, c.text, c.start_offset, c.end_offset, " RECORD_DATE(                 \
      "c.stated_on") ", c.origin, " RECORD_TIMESTAMP("c.created_at") ","                   \
                                                                     " " RECORD_TIMESTAMP( \
                                                                         "c."              \
                                                                         "upd"             \
                                                                         "ate"             \
                                                                         "d_"              \
                                                                         "at")
#define CLAIM_FROM                                                             \
  " FROM claims c JOIN parties p ON p.id = c.party_id "                        \
  "LEFT JOIN parties s ON s.id = c.speaker_id"
#define CLAIM_SELECT CLAIM_COLUMNS CLAIM_FROM

static const struct column claim_columns[] = {
    {"id", COLUMN_INTEGER},      {"article_id", COLUMN_INTEGER},
    {"party", COLUMN_TEXT},      {"speaker", COLUMN_TEXT},
    {"issues", COLUMN_JSON},     {"stance", COLUMN_TEXT},
    {"quote", COLUMN_BOOLEAN},   {"text", COLUMN_TEXT},
    {"start", COLUMN_INTEGER},   {"end", COLUMN_INTEGER},
    {"stated_on", COLUMN_TEXT},  {"origin", COLUMN_TEXT},
    {"created_at", COLUMN_TEXT}, {"updated_at", COLUMN_TEXT},
};
#define CLAIM_COLUMN_COUNT (sizeof claim_columns / sizeof claim_columns[0])

/* An issue filter matches the issue and its sub-issues. */
static const struct list_filter claim_filters[CLAIM_FILTER_COUNT] = {
    [CLAIM_FILTER_PARTY] = {"party", "p.slug = $?"},
    [CLAIM_FILTER_SPEAKER] = {"speaker", "s.slug = $?"},
    /* issue_tree_claims holds each issue's claims and its sub-issues'
       (migration 015). Lists read them through claims_issue_list_spec. */
    [CLAIM_FILTER_ISSUE] = {"issue",
                            "c.id IN (SELECT t.claim_id FROM issue_tree_claims "
                            "t WHERE t.issue_id = (SELECT i.id FROM issues i "
                            "WHERE i.slug = $?))"},
    [CLAIM_FILTER_STANCE] = {"stance", "c.stance = $?"},
    [CLAIM_FILTER_ARTICLE] = {"article", "c.article_id = $?::bigint"},
    [CLAIM_FILTER_SINCE] = {"since", "c.stated_on >= $?::date"},
    [CLAIM_FILTER_UNTIL] = {"until", "c.stated_on <= $?::date"},
    [CLAIM_FILTER_Q] = {"q", "c.search @@ websearch_to_tsquery('english', $?)"},
    [CLAIM_FILTER_PARTY_OR_SPEAKER] = {"party_or_speaker",
                                       "(p.slug = $? OR s.slug = $?)"},
};

static const struct list_sort claim_sorts[] = {
    {"-created_at", "c.created_at", "timestamptz", true},
    {"created_at", "c.created_at", "timestamptz", false},
    {"-stated_on", "coalesce(c.stated_on, '-infinity'::date)", "date", true},
    {"stated_on", "coalesce(c.stated_on, '-infinity'::date)", "date", false},
};

/* The claims of an issue (and its sub-issues) come from issue_tree_claims
   (migration 015), one row per claim under an index on (issue_id,
   created_at, claim_id): a page by created_at, either way and from any
   cursor, reads its 21 rows from that index and joins their claims
   (the issue's id is an InitPlan, so that the index scan gives the order;
   the condition sits in the join, as db_list_run appends the WHERE). A sort
   by stated_on still reads and sorts all of the issue's claims. */
#define CLAIM_ISSUE_FROM                                                       \
  " FROM issue_tree_claims ci JOIN claims c ON c.id = ci.claim_id AND "        \
  "ci.issue_id = (SELECT i.id FROM issues i WHERE i.slug = $?) JOIN parties "  \
  "p ON p.id = c.party_id LEFT JOIN parties s ON s.id = c.speaker_id"

/* The same keys as claim_sorts, so that cursors pass between both specs. */
static const struct list_sort claim_issue_sorts[] = {
    {"-created_at", "ci.created_at", "timestamptz", true},
    {"created_at", "ci.created_at", "timestamptz", false},
    {"-stated_on", "coalesce(c.stated_on, '-infinity'::date)", "date", true},
    {"stated_on", "coalesce(c.stated_on, '-infinity'::date)", "date", false},
};

static const struct list_spec claims_issue_list_spec = {
    .resource = "claims_issue",
    .select = CLAIM_COLUMNS,
    .from = CLAIM_ISSUE_FROM,
    .id = "ci.claim_id",
    .columns = claim_columns,
    .column_count = CLAIM_COLUMN_COUNT,
    .filters = claim_filters,
    .filter_count = CLAIM_FILTER_COUNT,
    .sorts = claim_issue_sorts,
    .sort_count = sizeof claim_issue_sorts / sizeof claim_issue_sorts[0],
    .lead_filter = CLAIM_FILTER_ISSUE,
    .from_takes_lead_filter = true,
};

const struct list_spec db_claims_list_spec = {
    .resource = "claims",
    .select = CLAIM_COLUMNS,
    .from = CLAIM_FROM,
    .id = "c.id",
    .columns = claim_columns,
    .column_count = CLAIM_COLUMN_COUNT,
    .filters = claim_filters,
    .filter_count = CLAIM_FILTER_COUNT,
    .sorts = claim_sorts,
    .sort_count = sizeof claim_sorts / sizeof claim_sorts[0],
    .lead = &claims_issue_list_spec,
    .lead_filter = CLAIM_FILTER_ISSUE,
};

static const struct db_statement statement_fetch = {"claims_fetch", CLAIM_SELECT
                                                    " WHERE c.id = $1::bigint"};
static const struct db_statement statement_fetch_lock = {
    "claims_fetch_lock",
    CLAIM_SELECT " WHERE c.id = $1::bigint FOR UPDATE OF c"};
/* A claim made through the API is a person's ('manual'). */
static const struct db_statement statement_insert = {
    "claims_insert",
    "INSERT INTO claims (article_id, party_id, speaker_id, stance, quote, "
    "text, start_offset, end_offset, stated_on, origin) VALUES ($1::bigint, "
    "(SELECT id FROM parties WHERE slug = $2), (SELECT id FROM parties WHERE "
    "slug = $3), $5, coalesce($6::boolean, false), $7, $8::integer, "
    "$9::integer, $10::date, 'manual') RETURNING id, $4::text"};
/* A claim changed through the API is a person's: re-extraction keeps it. */
static const struct db_statement statement_update = {
    "claims_update",
    "UPDATE claims SET article_id = $2::bigint, party_id = (SELECT id FROM "
    "parties WHERE slug = $3), speaker_id = (SELECT id FROM parties WHERE "
    "slug = $4), stance = $6, quote = coalesce($7::boolean, false), text = $8, "
    "start_offset = $9::integer, end_offset = $10::integer, stated_on = "
    "$11::date, origin = 'manual', updated_at = clock_timestamp() WHERE id = "
    "$1::bigint "
    "RETURNING $5::text"};
static const struct db_statement statement_unlink = {
    "claims_unlink", "DELETE FROM claim_issues WHERE claim_id = $1::bigint"};
static const struct db_statement statement_link = {
    "claims_link",
    "INSERT INTO claim_issues (claim_id, issue_id) SELECT $1::bigint, id FROM "
    "issues WHERE slug IN (SELECT jsonb_array_elements_text($2::jsonb))"};
/* A person's delete of a claim with a span in an article leaves a tombstone
   (migration 013), so that re-extraction does not bring it back; whatever
   its origin, since a PATCHed claim ('manual') was an extracted one. */
static const struct db_statement statement_delete = {
    "claims_delete",
    "WITH gone AS (DELETE FROM claims WHERE id = $1::bigint RETURNING id, "
    "article_id, start_offset, end_offset), stone AS (INSERT INTO "
    "claim_tombstones (article_id, start_offset, end_offset) SELECT "
    "article_id, start_offset, end_offset FROM gone WHERE article_id IS NOT "
    "NULL AND start_offset IS NOT NULL ON CONFLICT DO NOTHING) SELECT id "
    "FROM gone"};

int db_claims_fetch(struct db_conn *conn, const char *id, bool lock,
                    json_t **record) {
  const char *values[] = {id};
  return db_record_fetch(conn, lock ? &statement_fetch_lock : &statement_fetch,
                         1, values, claim_columns, CLAIM_COLUMN_COUNT, record);
}

const struct record_read db_claims_read = {&statement_fetch, claim_columns,
                                           CLAIM_COLUMN_COUNT};

static int claims_link(struct db_conn *conn, const char *id,
                       const char *issues_json) {
  const char *values[] = {id, issues_json != NULL ? issues_json : "[]"};
  int status = db_record_execute(conn, &statement_link, 2, values, NULL, 0);
  return status == DB_NOT_FOUND ? DB_OK : status;
}

int db_claims_insert(struct db_conn *conn, const char *const *values, char *id,
                     size_t id_size) {
  int status = db_record_execute(conn, &statement_insert, CLAIM_VALUE_COUNT,
                                 values, id, id_size);
  if (status != DB_OK) {
    return status;
  }
  return claims_link(conn, id, values[CLAIM_ISSUES]);
}

int db_claims_update(struct db_conn *conn, const char *id,
                     const char *const *values) {
  const char *all[CLAIM_VALUE_COUNT + 1] = {id};
  for (int i = 0; i < CLAIM_VALUE_COUNT; i++) {
    all[i + 1] = values[i];
  }
  int status = db_record_execute(conn, &statement_update, CLAIM_VALUE_COUNT + 1,
                                 all, NULL, 0);
  if (status != DB_OK) {
    return status;
  }
  const char *unlink_values[] = {id};
  status =
      db_record_execute(conn, &statement_unlink, 1, unlink_values, NULL, 0);
  if (status < 0) {
    return status;
  }
  return claims_link(conn, id, values[CLAIM_ISSUES]);
}

int db_claims_delete(struct db_conn *conn, const char *id) {
  const char *values[] = {id};
  return db_record_execute(conn, &statement_delete, 1, values, NULL, 0);
}
