/* The positions matrix, from the summary cells or from the claims. */
#include "db/positions.h"

#include "common/vocabulary.h"
#include "db/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct db_statement statement_find_issue = {
    "positions_find_issue",
    "SELECT id, parent_id IS NULL FROM issues WHERE slug = $1"};
static const struct db_statement statement_find_party = {
    "positions_find_party", "SELECT id FROM parties WHERE slug = $1"};

int db_positions_find_issue(struct db_conn *conn, const char *slug, char *id,
                            size_t id_size, bool *top) {
  const char *values[] = {slug};
  enum db_status status;
  PGresult *result = db_exec(conn, &statement_find_issue, 1, values, &status);
  if (status != DB_OK) {
    return status;
  }
  int outcome = DB_NOT_FOUND;
  if (PQntuples(result) == 1) {
    snprintf(id, id_size, "%s", PQgetvalue(result, 0, 0));
    *top = PQgetvalue(result, 0, 1)[0] == 't';
    outcome = DB_OK;
  }
  PQclear(result);
  return outcome;
}

int db_positions_find_party(struct db_conn *conn, const char *slug, char *id,
                            size_t id_size) {
  const char *values[] = {slug};
  return db_record_execute(conn, &statement_find_party, 1, values, id, id_size);
}

/* --- the statement ------------------------------------------------------- */

/* The statements' parts, one clause a line. */
// clang-format off

/* The stance counts, one column each, in STANCE_MAP's order (the order
   cell_of reads them in): as they are, counted from the claims, summed,
   and as columns of `x`. */
#define STANCE_COLUMN(name, text) text ", "
#define STANCE_COUNTED(name, text) \
  "count(*) FILTER (WHERE stance = '" text "') AS " text ", "
#define STANCE_SUMMED(name, text) "sum(" text ") AS " text ", "
#define STANCE_OF_X(name, text) "x." text ", "

/* The cells' columns, in the order both sources give them. */
#define CELL_COLUMNS \
  "party_id, speaker_id, issue_id, " \
  STANCE_MAP(STANCE_COLUMN) \
  "claim_count, latest_claim_id, latest_stated_on, latest_confidence, " \
  "latest_strength"

/* The latest claim first (migration 014): by date, undated claims the
   oldest; on one date the highest confidence (none counts as 1), the
   strongest stance (positions_stance_strength), then the highest id. */
#define LATEST_ORDER(date, confidence, strength, id) \
  date " DESC NULLS LAST, " confidence " DESC, " strength " DESC, " id " DESC"

/* The claims of a party: its own, those it spoke, and those of the people
   affiliated with it (as party or speaker). `party` and `speaker` are
   column expressions; "$?" stands for the party's id parameter. */
#define PARTY_FILTER(party, speaker) \
  " AND (" party " = $?::bigint" \
  " OR " speaker " = $?::bigint" \
  " OR " party " IN (SELECT id FROM parties" \
  " WHERE affiliation_id = $?::bigint AND kind = 'person')" \
  " OR " speaker " IN (SELECT id FROM parties" \
  " WHERE affiliation_id = $?::bigint AND kind = 'person'))"

/* The summary: the cells of one level. */
#define SUMMARY_BASE \
  "WITH base AS (SELECT " CELL_COLUMNS \
  " FROM position_cells pc" \
  " WHERE pc.claim_count > 0 AND pc.top = "

/* The claims themselves: each claim once per cell (a claim naming two
   sub-issues of one issue counts once under it). */
#define SCAN_LINKS \
  "WITH links AS (SELECT DISTINCT c.id, c.stance, c.stated_on, c.party_id, " \
  "coalesce(c.speaker_id, 0) AS speaker_id, " \
  "coalesce(c.confidence, 1) AS confidence, " \
  "positions_stance_strength(c.stance) AS strength, "
#define SCAN_FROM \
  " AS issue_id" \
  " FROM claims c" \
  " JOIN claim_issues ci ON ci.claim_id = c.id" \
  " JOIN issues i ON i.id = ci.issue_id" \
  " WHERE true"
#define SCAN_ORDER \
  " ORDER BY stated_on DESC NULLS LAST, confidence DESC, strength DESC, " \
  "id DESC))[1]"
#define SCAN_BASE \
  "), base AS (SELECT party_id, speaker_id, issue_id, " \
  STANCE_MAP(STANCE_COUNTED) \
  "count(*) AS claim_count, " \
  "(array_agg(id" SCAN_ORDER " AS latest_claim_id, " \
  "(array_agg(stated_on" SCAN_ORDER " AS latest_stated_on, " \
  "(array_agg(confidence" SCAN_ORDER " AS latest_confidence, " \
  "(array_agg(strength" SCAN_ORDER " AS latest_strength" \
  " FROM links" \
  " GROUP BY party_id, speaker_id, issue_id)"

/* People are counted under the party they speak for; with by=speaker each
   speaker apart, claims without one under their party. */
#define ROW_BY_PARTY \
  "CASE WHEN pp.kind = 'person' AND pp.affiliation_id IS NOT NULL " \
  "THEN pp.affiliation_id ELSE b.party_id END"
#define ROW_BY_SPEAKER \
  "CASE WHEN b.speaker_id <> 0 THEN b.speaker_id ELSE b.party_id END"

#define TAIL_KEYED ", keyed AS (SELECT b.*, "
#define TAIL_CELLS \
  " AS row_id" \
  " FROM base b" \
  " JOIN parties pp ON pp.id = b.party_id), " \
  "cells AS (SELECT row_id, issue_id, " \
  STANCE_MAP(STANCE_SUMMED) \
  "sum(claim_count) AS claim_count, " \
  "(array_agg(latest_claim_id ORDER BY " \
  LATEST_ORDER("latest_stated_on", "latest_confidence", "latest_strength", \
               "latest_claim_id") "))[1] AS latest_id" \
  " FROM keyed" \
  " GROUP BY row_id, issue_id), "
/* Rows and columns are ordered by their claim counts (the sum of their
   cells'), then by slug; the cells row by row in that order. The latest
   claim is looked up by id for each cell (OFFSET 0 keeps it a look-up: as
   a join it is planned as a scan of every claim), and the lookups are
   materialised so that the speakers' slugs are then one hash join (inside
   the look-up they were a scan of the parties per cell). The JSON is made
   in C: json_build_object per cell costs more than the whole query. */
#define TAIL_OUTPUT \
  "ranked AS (SELECT x.*, t.row_n, " \
  "sum(x.claim_count) OVER (PARTITION BY x.issue_id) AS column_n" \
  " FROM cells x" \
  " JOIN row_totals t USING (row_id)), " \
  "latest AS MATERIALIZED (SELECT x.*, l.stance, l.stated_on, " \
  "l.speaker_id, l.text, l.article_id" \
  " FROM ranked x" \
  " CROSS JOIN LATERAL (SELECT c.stance, c.stated_on, c.speaker_id, " \
  "c.text, c.article_id FROM claims c WHERE c.id = x.latest_id OFFSET 0) l) " \
  "SELECT p.slug, p.name, p.kind, x.row_n, i.slug, i.name, ip.slug, " \
  "x.column_n, x.stance, " RECORD_DATE("x.stated_on") ", " \
  STANCE_MAP(STANCE_OF_X) \
  "x.claim_count, x.latest_id, s.slug, x.text, x.article_id" \
  " FROM latest x" \
  " JOIN parties p ON p.id = x.row_id" \
  " JOIN issues i ON i.id = x.issue_id" \
  " LEFT JOIN issues ip ON ip.id = i.parent_id" \
  " LEFT JOIN parties s ON s.id = x.speaker_id" \
  " ORDER BY x.row_n DESC, p.slug, x.column_n DESC, i.slug"

/* The default matrix (top-level issues, people under their party, no party
   filter) is the rolled-up rows (migration 008), which hold their latest
   claim's fields: no look-up per cell. The row totals go after
   ROWS_MATRIX_TOTALS, the issue condition after ROWS_MATRIX_RANKED. */
#define ROWS_MATRIX_TOTALS "WITH row_totals AS ("
#define ROWS_MATRIX_RANKED \
  "), ranked AS (SELECT r.*, t.row_n, " \
  "sum(r.claim_count) OVER (PARTITION BY r.issue_id) AS column_n" \
  " FROM position_rows r" \
  " JOIN row_totals t USING (row_id)" \
  " WHERE r.claim_count > 0"
#define ROWS_MATRIX_OUTPUT \
  ") SELECT p.slug, p.name, p.kind, x.row_n, i.slug, i.name, ip.slug, " \
  "x.column_n, x.latest_stance, " RECORD_DATE("x.latest_stated_on") ", " \
  STANCE_MAP(STANCE_OF_X) \
  "x.claim_count, x.latest_claim_id, s.slug, x.latest_text, " \
  "x.latest_article_id" \
  " FROM ranked x" \
  " JOIN parties p ON p.id = x.row_id" \
  " JOIN issues i ON i.id = x.issue_id" \
  " LEFT JOIN issues ip ON ip.id = i.parent_id" \
  " LEFT JOIN parties s ON s.id = x.latest_speaker_id" \
  " ORDER BY x.row_n DESC, p.slug, x.column_n DESC, i.slug"

// clang-format on

/* A whole default matrix's rows count the distinct claims of their
   parties (see row_totals_add). */
#define ROWS_TOTALS                                                            \
  "SELECT positions_row_of(pp.kind, pp.id, pp.affiliation_id) AS row_id, "     \
  "sum(t.claim_count) AS row_n FROM position_totals t JOIN parties pp ON "     \
  "pp.id = t.party_id GROUP BY 1"

/* The columns of a result row. */
enum matrix_column {
  M_PARTY,
  M_PARTY_NAME,
  M_PARTY_KIND,
  M_PARTY_COUNT,
  M_ISSUE,
  M_ISSUE_NAME,
  M_ISSUE_PARENT,
  M_ISSUE_COUNT,
  M_STANCE,
  M_STATED_ON,
  M_COUNTS, /* six: demands .. asserts */
  M_CLAIM_COUNT = M_COUNTS + 6,
  M_LATEST_ID,
  M_LATEST_SPEAKER,
  M_LATEST_TEXT,
  M_LATEST_ARTICLE,
};

/* --- rendering ------------------------------------------------------------ */

static json_t *text_or_null(const PGresult *result, int row, int column) {
  return PQgetisnull(result, row, column)
             ? json_null()
             : json_stringn_nocheck(PQgetvalue(result, row, column),
                                    (size_t)PQgetlength(result, row, column));
}

static json_t *integer_of(const PGresult *result, int row, int column) {
  return PQgetisnull(result, row, column)
             ? json_null()
             : json_integer(strtoll(PQgetvalue(result, row, column), NULL, 10));
}

/* Adds a member under a literal key (valid UTF-8, so unchecked); steals
   `value`, NULL included. */
static bool member_put(json_t *object, const char *key, json_t *value) {
  return value != NULL && json_object_set_new_nocheck(object, key, value) == 0;
}

/* One cell, built member by member: a matrix has thousands, and json_pack
   parses its format and checks every key each time. NULL when out of
   memory. */
static json_t *cell_of(const PGresult *result, int row) {
  json_t *counts = json_object();
  json_t *latest = json_object();
  json_t *cell = json_object();
  bool ok = counts != NULL && latest != NULL && cell != NULL;
  for (int i = 0; ok && i < STANCE_COUNT; i++) {
    ok = member_put(counts, stance_names[i],
                    integer_of(result, row, M_COUNTS + i));
  }
  ok = ok && member_put(latest, "id", integer_of(result, row, M_LATEST_ID)) &&
       member_put(latest, "speaker",
                  text_or_null(result, row, M_LATEST_SPEAKER)) &&
       member_put(latest, "text", text_or_null(result, row, M_LATEST_TEXT)) &&
       member_put(latest, "article_id",
                  integer_of(result, row, M_LATEST_ARTICLE)) &&
       member_put(latest, "stated_on", text_or_null(result, row, M_STATED_ON));
  ok =
      ok && member_put(cell, "party", text_or_null(result, row, M_PARTY)) &&
      member_put(cell, "issue", text_or_null(result, row, M_ISSUE)) &&
      member_put(cell, "stance", text_or_null(result, row, M_STANCE)) &&
      member_put(cell, "stated_on", text_or_null(result, row, M_STATED_ON)) &&
      member_put(cell, "counts", json_incref(counts)) &&
      member_put(cell, "claim_count", integer_of(result, row, M_CLAIM_COUNT)) &&
      member_put(cell, "latest_claim", json_incref(latest));
  json_decref(counts);
  json_decref(latest);
  if (!ok) {
    json_decref(cell);
    return NULL;
  }
  return cell;
}

/* An issue of the matrix's columns: claim count descending, then slug. */
struct matrix_issue {
  int row; /* a result row naming the issue */
  long long count;
  const char *slug;
};

static int issue_order(const void *a, const void *b) {
  const struct matrix_issue *x = a;
  const struct matrix_issue *y = b;
  if (x->count != y->count) {
    return x->count > y->count ? -1 : 1;
  }
  return strcmp(x->slug, y->slug);
}

static json_t *party_of(const PGresult *result, int row) {
  return json_pack("{s:o, s:o, s:o, s:o}", "slug",
                   text_or_null(result, row, M_PARTY), "name",
                   text_or_null(result, row, M_PARTY_NAME), "kind",
                   text_or_null(result, row, M_PARTY_KIND), "claim_count",
                   integer_of(result, row, M_PARTY_COUNT));
}

static json_t *issue_of(const PGresult *result, int row) {
  return json_pack("{s:o, s:o, s:o, s:o}", "slug",
                   text_or_null(result, row, M_ISSUE), "name",
                   text_or_null(result, row, M_ISSUE_NAME), "parent",
                   text_or_null(result, row, M_ISSUE_PARENT), "claim_count",
                   integer_of(result, row, M_ISSUE_COUNT));
}

/* The rows come in the order the cells go out, so parties appear in their
   order; issues are gathered and sorted. NULL when out of memory. */
static json_t *matrix_render(const PGresult *result) {
  int rows = PQntuples(result);
  json_t *parties = json_array();
  json_t *issues = json_array();
  json_t *cells = json_array();
  json_t *seen = json_object();
  struct matrix_issue *columns = calloc((size_t)rows + 1, sizeof *columns);
  size_t column_count = 0;
  bool ok = parties != NULL && issues != NULL && cells != NULL &&
            seen != NULL && columns != NULL;
  for (int row = 0; ok && row < rows; row++) {
    const char *party = PQgetvalue(result, row, M_PARTY);
    if (row == 0 || strcmp(party, PQgetvalue(result, row - 1, M_PARTY)) != 0) {
      ok = json_array_append_new(parties, party_of(result, row)) == 0;
    }
    const char *issue = PQgetvalue(result, row, M_ISSUE);
    if (ok && json_object_get(seen, issue) == NULL) {
      ok = json_object_set_new(seen, issue, json_true()) == 0;
      columns[column_count++] = (struct matrix_issue){
          row, strtoll(PQgetvalue(result, row, M_ISSUE_COUNT), NULL, 10),
          issue};
    }
    ok = ok && json_array_append_new(cells, cell_of(result, row)) == 0;
  }
  if (ok) {
    qsort(columns, column_count, sizeof *columns, issue_order);
  }
  for (size_t i = 0; ok && i < column_count; i++) {
    ok = json_array_append_new(issues, issue_of(result, columns[i].row)) == 0;
  }
  free(columns);
  json_decref(seen);
  json_t *matrix = NULL;
  if (ok) {
    matrix = json_pack("{s:O, s:O, s:O}", "parties", parties, "issues", issues,
                       "cells", cells);
  }
  json_decref(parties);
  json_decref(issues);
  json_decref(cells);
  return matrix;
}

/* The row_totals CTE: a row's claim_count is the number of distinct claims
   in its cells, not their sum (a claim on two issues is in two cells).
   Scanning the claims, they are counted; from the summary, a matrix of
   one column sums its cells, a top-level issue's family counts the top cells
   of that issue (each claim once), and a whole matrix adds the distinct
   claims of each party and speaker (position_totals, migration 014). */
static void row_totals_add(struct sql_query *query, bool scan, bool family,
                           int issue_number, int party_number,
                           const char *row) {
  if (scan) {
    db_sql_query_add(
        query,
        "row_totals AS (SELECT %s AS row_id, count(DISTINCT b.id) AS "
        "row_n FROM links b JOIN parties pp ON pp.id = b.party_id GROUP "
        "BY 1), ",
        row);
    return;
  }
  if (issue_number != 0 && !family) {
    db_sql_query_add(query, "row_totals AS (SELECT row_id, sum(claim_count) AS "
                            "row_n FROM cells GROUP BY row_id), ");
    return;
  }
  db_sql_query_add(query,
                   "row_totals AS (SELECT %s AS row_id, sum(b.claim_count) AS "
                   "row_n FROM ",
                   row);
  if (family) {
    db_sql_query_reuse(query,
                       "position_cells b JOIN parties pp ON pp.id = b.party_id "
                       "WHERE b.top AND b.issue_id = $?::bigint",
                       issue_number);
  } else {
    db_sql_query_add(query, "position_totals b JOIN parties pp ON pp.id = "
                            "b.party_id WHERE true");
  }
  if (party_number != 0) {
    db_sql_query_reuse(query, PARTY_FILTER("b.party_id", "b.speaker_id"),
                       party_number);
  }
  db_sql_query_add(query, " GROUP BY 1), ");
}

/* Bits of a statement's name: each variant is its own prepared
   statement, planned for what it filters. */
enum positions_variant {
  VARIANT_SCAN = 1 << 0,
  VARIANT_TOP = 1 << 1,
  VARIANT_BY_SPEAKER = 1 << 2,
  VARIANT_ISSUE = 1 << 3,
  VARIANT_ISSUE_FAMILY = 1 << 4,
  VARIANT_PARTY = 1 << 5,
  VARIANT_SINCE = 1 << 6,
  VARIANT_UNTIL = 1 << 7,
  VARIANT_STANCE = 1 << 8,
  VARIANT_ROWS = 1 << 9,
};

int db_positions_matrix(struct db_conn *conn,
                        const struct positions_query *query, json_t **matrix) {
  struct sql_query sql = {.used = 0};
  unsigned variant = 0;
  bool family = false;  /* a top-level issue and its sub-issues, apart */
  int issue_number = 0; /* the parameters of the filters, or 0 */
  int party_number = 0;
  *matrix = NULL;
  /* Claims are counted under their top-level issue unless depth=fine or
     the issue filter names a sub-issue (its own column then). */
  bool top = !query->fine && (query->issue_id == NULL || query->issue_is_top);
  bool scan =
      query->since != NULL || query->until != NULL || query->stance != NULL;
  bool rows = !scan && top && !query->by_speaker && query->party_id == NULL;
  variant |= (scan ? VARIANT_SCAN : 0) | (top ? VARIANT_TOP : 0) |
             (query->by_speaker ? VARIANT_BY_SPEAKER : 0) |
             (rows ? VARIANT_ROWS : 0);
  if (rows && query->issue_id != NULL) {
    variant |= VARIANT_ISSUE;
    int n = db_sql_query_bind(&sql,
                              ROWS_MATRIX_TOTALS
                              "SELECT row_id, claim_count AS row_n FROM "
                              "position_rows WHERE issue_id = $?::bigint",
                              query->issue_id);
    db_sql_query_reuse(&sql, ROWS_MATRIX_RANKED " AND r.issue_id = $?::bigint",
                       n);
    db_sql_query_add(&sql, "%s", ROWS_MATRIX_OUTPUT);
  } else if (rows) {
    db_sql_query_add(
        &sql, "%s",
        ROWS_MATRIX_TOTALS ROWS_TOTALS ROWS_MATRIX_RANKED ROWS_MATRIX_OUTPUT);
  } else if (!scan) {
    db_sql_query_add(&sql, SUMMARY_BASE "%s", top ? "true" : "false");
    if (query->issue_id != NULL) {
      family = !top && query->issue_is_top;
      variant |= family ? VARIANT_ISSUE_FAMILY : VARIANT_ISSUE;
      issue_number = db_sql_query_bind(
          &sql,
          family ? " AND pc.issue_id IN (SELECT id FROM issues WHERE id = "
                   "$?::bigint OR parent_id = $?::bigint)"
                 : " AND pc.issue_id = $?::bigint",
          query->issue_id);
    }
    if (query->party_id != NULL) {
      variant |= VARIANT_PARTY;
      party_number = db_sql_query_bind(
          &sql, PARTY_FILTER("pc.party_id", "pc.speaker_id"), query->party_id);
    }
    db_sql_query_add(&sql, ")");
  } else {
    db_sql_query_add(&sql, SCAN_LINKS "%s" SCAN_FROM,
                     top ? "coalesce(i.parent_id, i.id)" : "i.id");
    if (query->since != NULL) {
      variant |= VARIANT_SINCE;
      db_sql_query_bind(&sql, " AND c.stated_on >= $?::date", query->since);
    }
    if (query->until != NULL) {
      variant |= VARIANT_UNTIL;
      db_sql_query_bind(&sql, " AND c.stated_on <= $?::date", query->until);
    }
    if (query->stance != NULL) {
      variant |= VARIANT_STANCE;
      db_sql_query_bind(&sql, " AND c.stance = $?", query->stance);
    }
    if (query->issue_id != NULL) {
      variant |= VARIANT_ISSUE_FAMILY;
      db_sql_query_bind(&sql,
                        " AND (i.id = $?::bigint OR i.parent_id = $?::bigint)",
                        query->issue_id);
    }
    if (query->party_id != NULL) {
      variant |= VARIANT_PARTY;
      db_sql_query_bind(&sql, PARTY_FILTER("c.party_id", "c.speaker_id"),
                        query->party_id);
    }
    db_sql_query_add(&sql, "%s", SCAN_BASE);
  }
  if (!rows) {
    const char *row = query->by_speaker ? ROW_BY_SPEAKER : ROW_BY_PARTY;
    db_sql_query_add(&sql, TAIL_KEYED "%s" TAIL_CELLS, row);
    row_totals_add(&sql, scan, family, issue_number, party_number, row);
    db_sql_query_add(&sql, "%s", TAIL_OUTPUT);
  }
  /* The planner's cost of the roll-up is far above what it takes (it does
     not know that a row or column total is one row per key), which would
     make PostgreSQL JIT-compile it for over a second per request. */
  int jit = db_exec_simple(conn, "SET LOCAL jit = off");
  if (jit != DB_OK) {
    return jit;
  }
  char name[48];
  snprintf(name, sizeof name, "positions_%x", variant);
  enum db_status status;
  PGresult *result = db_sql_query_exec(conn, &sql, name, &status);
  if (result == NULL) {
    return status;
  }
  *matrix = matrix_render(result);
  PQclear(result);
  return *matrix != NULL ? DB_OK : DB_HARD_ERROR;
}
