/* Shifts of stance, found with a window over each party's claims on each
 * issue. */
#include "db/shifts.h"

#include "db/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A claim as a shift shows it. */
#define SHIFT_CLAIM(alias, speaker)                                            \
  "json_build_object('id', " alias ".id, 'stance', " alias ".stance, "         \
  "'stated_on', " RECORD_DATE(                                                 \
      alias ".stated_on") ", 'speaker', " speaker ".slug, 'text', " alias      \
                          ".text, 'article_id', " alias ".article_id)::text"

/* Each claim with the one before it in its pair (party, issue), in the
   order of "latest" (migration 014): by date, undated first; on one date
   by confidence (none counts as 1), stance strength, then id. Unless
   within_article, an article is represented in its pair by its strongest
   statement (the last of its claims in that order), so that changes
   inside one article are no shifts; claims without an article stand
   alone. Filters on the pair keep or drop whole partitions, so they go
   before the window; `since` applies to the later claim, after it. */
#define SHIFTS_PAIRS                                                           \
  "WITH claimed AS (SELECT c.party_id, ci.issue_id, c.id, c.stance, "          \
  "c.stated_on, c.article_id, coalesce(c.confidence, 1) AS confidence, "       \
  "positions_stance_strength(c.stance) AS strength FROM claim_issues ci JOIN " \
  "claims c ON c.id = ci.claim_id WHERE true"
#define SHIFTS_PARTY                                                           \
  " AND c.party_id = (SELECT id FROM parties WHERE slug = $?)"
#define SHIFTS_ISSUE                                                           \
  " AND ci.issue_id IN (SELECT i.id FROM issues i LEFT JOIN issues ip ON "     \
  "ip.id = i.parent_id WHERE i.slug = $? OR ip.slug = $?)"
/* "%s" is the rank of a claim in its article (1: it represents it). */
#define SHIFTS_WINDOW                                                          \
  "), ranked AS (SELECT *, %s AS article_rank FROM claimed), pairs AS "        \
  "(SELECT party_id, issue_id, id, stance, stated_on, lag(id) OVER w AS "      \
  "from_id, lag(stance) OVER w AS from_stance, lag(stated_on) OVER w AS "      \
  "from_stated_on FROM ranked WHERE article_id IS NULL OR article_rank = 1 "   \
  "WINDOW w AS (PARTITION BY party_id, issue_id ORDER BY stated_on NULLS "     \
  "FIRST, confidence, strength, id)), shifts AS (SELECT *, "                   \
  "coalesce(stated_on, '-infinity'::date) AS k FROM pairs WHERE from_stance "  \
  "<> stance"
#define SHIFTS_ARTICLE_RANK                                                    \
  "row_number() OVER (PARTITION BY party_id, issue_id, article_id ORDER BY "   \
  "stated_on DESC NULLS LAST, confidence DESC, strength DESC, id DESC)"
#define SHIFTS_ORDER " ORDER BY k DESC, id DESC, issue_id DESC"
#define SHIFTS_OUTPUT                                                          \
  ") SELECT p.slug, i.slug, " SHIFT_CLAIM("f", "fs") ", " SHIFT_CLAIM(         \
      "t", "ts") ", coalesce(s.stated_on = s.from_stated_on, "                 \
                 "false), s.k::text, s.id, s.issue_id FROM shifts "            \
                 "s JOIN parties p ON p.id = s.party_id JOIN issues i ON "     \
                 "i.id = s.issue_id JOIN claims f ON f.id = s.from_id JOIN "   \
                 "claims t ON t.id = s.id LEFT JOIN parties fs ON fs.id = "    \
                 "f.speaker_id LEFT JOIN parties ts ON ts.id = t.speaker_id"   \
                 " ORDER BY s.k DESC, s.id DESC, s.issue_id DESC"

static const struct column shift_columns[] = {
    {"party", COLUMN_TEXT}, {"issue", COLUMN_TEXT},       {"from", COLUMN_JSON},
    {"to", COLUMN_JSON},    {"same_day", COLUMN_BOOLEAN},
};
#define SHIFT_COLUMN_COUNT (sizeof shift_columns / sizeof shift_columns[0])

/* A shifts cursor is the JSON array ["shifts", date, id, issue]. */
static char *cursor_encode(const char *date, const char *id,
                           const char *issue) {
  return db_cursor_from_json(json_pack("[s, s, I, I]", "shifts", date,
                                       (json_int_t)strtoll(id, NULL, 10),
                                       (json_int_t)strtoll(issue, NULL, 10)));
}

/* A date as the cursor may hold it: YYYY-MM-DD or -infinity. */
static bool cursor_date_valid(const char *date) {
  if (strcmp(date, "-infinity") == 0) {
    return true;
  }
  if (strlen(date) != 10) {
    return false;
  }
  for (int i = 0; i < 10; i++) {
    bool dash = i == 4 || i == 7;
    if (dash ? date[i] != '-' : (date[i] < '0' || date[i] > '9')) {
      return false;
    }
  }
  return true;
}

int db_shifts_cursor_decode(const char *cursor,
                            struct shifts_request *request) {
  json_t *array = db_cursor_to_json(cursor);
  const char *kind = NULL;
  const char *date = NULL;
  json_int_t id = 0;
  json_int_t issue = 0;
  int outcome = -1;
  if (array != NULL &&
      json_unpack(array, "[s, s, I, I!]", &kind, &date, &id, &issue) == 0 &&
      strcmp(kind, "shifts") == 0 && id > 0 && issue > 0 &&
      cursor_date_valid(date)) {
    snprintf(request->cursor_date, sizeof request->cursor_date, "%s", date);
    snprintf(request->cursor_id, sizeof request->cursor_id,
             "%" JSON_INTEGER_FORMAT, id);
    snprintf(request->cursor_issue, sizeof request->cursor_issue,
             "%" JSON_INTEGER_FORMAT, issue);
    request->has_cursor = true;
    outcome = 0;
  }
  json_decref(array);
  return outcome;
}

int db_shifts_list(struct db_conn *conn, const struct shifts_request *request,
                   json_t **items, char **next) {
  struct sql_query query = {.used = 0};
  unsigned mask = 0;
  *items = NULL;
  *next = NULL;
  db_sql_query_add(&query, "%s", SHIFTS_PAIRS);
  if (request->party != NULL) {
    mask |= 1;
    db_sql_query_bind(&query, SHIFTS_PARTY, request->party);
  }
  if (request->issue != NULL) {
    mask |= 2;
    db_sql_query_bind(&query, SHIFTS_ISSUE, request->issue);
  }
  if (request->within_article) {
    mask |= 16;
  }
  db_sql_query_add(&query, SHIFTS_WINDOW,
                   request->within_article ? "1" : SHIFTS_ARTICLE_RANK);
  if (request->since != NULL) {
    mask |= 4;
    db_sql_query_bind(&query, " AND stated_on >= $?::date", request->since);
  }
  if (request->has_cursor) {
    mask |= 8;
    db_sql_query_add(&query,
                     " AND (coalesce(stated_on, '-infinity'::date), id, "
                     "issue_id) < (");
    db_sql_query_bind(&query, "$?::date", request->cursor_date);
    db_sql_query_bind(&query, ", $?::bigint", request->cursor_id);
    db_sql_query_bind(&query, ", $?::bigint)", request->cursor_issue);
  }
  char limit_text[24];
  snprintf(limit_text, sizeof limit_text, "%ld", request->limit + 1);
  db_sql_query_add(&query, "%s", SHIFTS_ORDER " LIMIT ");
  db_sql_query_bind(&query, "$?::bigint", limit_text);
  db_sql_query_add(&query, "%s", SHIFTS_OUTPUT);
  /* A window over every claim is costed high enough for PostgreSQL to
     JIT-compile it, which takes longer than running it. */
  int jit = db_exec_simple(conn, "SET LOCAL jit = off");
  if (jit != DB_OK) {
    return jit;
  }
  char name[32];
  snprintf(name, sizeof name, "shifts_list_%x", mask);
  enum db_status status;
  PGresult *result = db_sql_query_exec(conn, &query, name, &status);
  if (result == NULL) {
    return status;
  }
  int next_row = -1;
  int outcome = db_list_page_render(result, request->limit, shift_columns,
                                    SHIFT_COLUMN_COUNT, items, &next_row);
  if (outcome == DB_OK && next_row >= 0) {
    int key = (int)SHIFT_COLUMN_COUNT;
    *next = cursor_encode(PQgetvalue(result, next_row, key),
                          PQgetvalue(result, next_row, key + 1),
                          PQgetvalue(result, next_row, key + 2));
  }
  PQclear(result);
  return outcome;
}
