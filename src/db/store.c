/* Stores articles, parties and claims given as rows; reads the issue
 * catalogue and the parties a lexicon is built from. */
#include "db/store.h"

#include "db/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- statements ---------------------------------------------------------- */

/* The article these bytes make, in one round trip: the same bytes (rank 1),
   a replaced version of one (2), an earlier version by URL (3), or by title
   and date where the URLs do not differ (4); when there is none, the
   article is inserted (rank 0). No row at all: a concurrent load of the
   same bytes won the race. URL and title are found through the indexes of
   their md5 (migration 011: a long value does not fit a b-tree row). */
static const struct db_statement statement_article = {
    "store_article",
    "WITH found AS (SELECT id, rank FROM (SELECT id, 1 AS rank FROM articles "
    "WHERE sha256 = $1 UNION ALL SELECT article_id, 2 FROM article_versions "
    "WHERE sha256 = $1 UNION ALL (SELECT id, 3 FROM articles WHERE md5(url) = "
    "md5($3::text) AND url = $3 ORDER BY id DESC LIMIT 1) UNION ALL (SELECT "
    "id, 4 FROM articles WHERE md5(title) = md5($2::text) AND title = $2 AND "
    "published = $4::date AND (url IS NULL OR $3::text IS NULL) ORDER BY id "
    "DESC LIMIT 1)) candidates ORDER BY rank LIMIT 1), "
    "inserted AS (INSERT INTO articles (sha256, title, url, published, "
    "updated, authors, dateline, text) SELECT $1, $2, $3, $4::date, $5::date, "
    "ARRAY(SELECT json_array_elements_text($6::json)), $7, $8 WHERE NOT "
    "EXISTS (SELECT 1 FROM found) ON CONFLICT (sha256) DO NOTHING RETURNING "
    "id) SELECT id, 0 FROM inserted UNION ALL SELECT id, rank FROM found"};

/* One statement: keep the old hash, clear the offsets of manual claims
   that the new text no longer holds, forget the deletions (tombstones,
   migration 013) of spans whose bytes the new text does not hold as they
   were, update. The extracted claims are then brought up to the new text
   as a re-extraction does (db_reextract_claims_update). */
static const struct db_statement statement_replace = {
    "store_replace",
    "WITH old AS (SELECT id, sha256, convert_to(text, 'UTF8') AS bytes FROM "
    "articles WHERE id = $1::bigint FOR UPDATE), kept AS (INSERT INTO "
    "article_versions (article_id, sha256) SELECT id, sha256 FROM old ON "
    "CONFLICT DO NOTHING), moved AS (UPDATE claims SET start_offset = NULL, "
    "end_offset = NULL, updated_at = clock_timestamp() WHERE article_id = "
    "$1::bigint AND origin = 'manual' AND end_offset > "
    "octet_length($9::text)), forgotten AS (DELETE FROM claim_tombstones t "
    "USING old WHERE t.article_id = old.id AND substring(old.bytes FROM "
    "t.start_offset + 1 FOR t.end_offset - t.start_offset) IS DISTINCT FROM "
    "substring(convert_to($9::text, 'UTF8') FROM t.start_offset + 1 FOR "
    "t.end_offset - t.start_offset)) UPDATE articles SET sha256 = "
    "$2, title = $3, url = $4, published = $5::date, updated = $6::date, "
    "authors = ARRAY(SELECT json_array_elements_text($7::json)), dateline = "
    "$8, text = $9, updated_at = clock_timestamp() WHERE id = (SELECT id FROM "
    "old)"};

/* Organisations, states and groups first, in one CTE, so that the people
   of the same article find their affiliation among its rows. An existing
   slug is left as it is. Sorted by slug so that concurrent loads lock in
   the same order. */
static const struct db_statement statement_parties = {
    "store_parties",
    "WITH input AS (SELECT DISTINCT ON (slug) * FROM json_to_recordset("
    "$1::json) AS r (slug text, name text, kind text, aliases json, "
    "affiliation text, role text) ORDER BY slug, kind = 'person'), bodies AS "
    "(INSERT INTO parties (slug, name, kind, aliases, role) SELECT slug, "
    "left(name, 200), kind, ARRAY(SELECT left(a, 200) FROM "
    "json_array_elements_text(aliases) a WHERE a <> '' LIMIT 100), left(role, "
    "200) FROM input WHERE kind <> 'person' ORDER BY slug ON CONFLICT (slug) "
    "DO NOTHING RETURNING id, slug) INSERT INTO parties (slug, name, kind, "
    "aliases, affiliation_id, role) SELECT i.slug, left(i.name, 200), i.kind, "
    "ARRAY(SELECT left(a, 200) FROM json_array_elements_text(i.aliases) a "
    "WHERE a <> '' LIMIT 100), coalesce(b.id, (SELECT id FROM parties WHERE "
    "slug = i.affiliation AND slug <> i.slug)), left(i.role, 200) FROM input "
    "i LEFT JOIN bodies b ON b.slug = i.affiliation WHERE i.kind = 'person' "
    "ORDER BY i.slug ON CONFLICT (slug) DO NOTHING"};

/* All claims of an article and their issue links in one statement: the
   ids are drawn first so that the links can name them, and the links carry
   their claim's party, speaker and created_at (migrations 007 and 009). Claims
   whose party is unknown or whose text breaks the claims' rules are left out.
 */
static const struct db_statement statement_claims = {
    "store_claims",
    "WITH input AS (SELECT nextval((SELECT pg_get_serial_sequence('claims', "
    "'id'))::regclass) AS id, r.*, p.id AS party_id, s.id AS speaker_id, "
    "clock_timestamp() AS created_at FROM "
    "json_to_recordset("
    "$2::json) AS r (n integer, party text, speaker text, stance text, quote "
    "boolean, text text, start_offset integer, end_offset integer, stated_on "
    "date, cue_word text, cue_start integer, cue_end integer, cameo text, "
    "confidence real, issues json) JOIN parties p ON p.slug = r.party LEFT "
    "JOIN parties s ON s.slug = r.speaker WHERE char_length(r.text) BETWEEN "
    "1 AND 10000), inserted AS (INSERT INTO claims (id, article_id, party_id, "
    "speaker_id, stance, quote, text, start_offset, end_offset, stated_on, "
    "origin, cue_word, cue_start, cue_end, cameo, confidence, created_at) "
    "OVERRIDING SYSTEM VALUE SELECT id, $1::bigint, party_id, speaker_id, "
    "stance, quote, text, start_offset, end_offset, stated_on, 'extracted', "
    "cue_word, cue_start, cue_end, cameo, confidence, created_at FROM input "
    "ORDER BY n) INSERT INTO claim_issues (claim_id, issue_id, party_id, "
    "speaker_id, created_at) SELECT DISTINCT input.id, i.id, input.party_id, "
    "coalesce(input.speaker_id, 0), input.created_at FROM "
    "input CROSS JOIN LATERAL json_array_elements_text(input.issues) AS w "
    "(slug) JOIN issues i ON i.slug = w.slug"};

static const struct db_statement statement_evidence = {
    "store_evidence",
    "SELECT id, cue_word, cue_start, cue_end, cameo, confidence FROM claims "
    "WHERE article_id = $1::bigint"};

/* Changes with every create, update or delete of an issue or a party (the
   lexicon holds both). */
static const struct db_statement statement_catalogue_version = {
    "store_catalogue_version",
    "SELECT (SELECT count(*) || ' ' || coalesce(max(updated_at)::text, '') "
    "FROM issues) || ' ' || (SELECT count(*) || ' ' || "
    "coalesce(max(updated_at)::text, '') FROM parties)"};

/* One row per alias (a party without aliases has one, alias NULL), a party's
   rows together. */
static const struct db_statement statement_lexicon_parties = {
    "store_lexicon_parties",
    "SELECT p.slug, p.name, p.kind, a.name, p.role, k.alias FROM parties p "
    "LEFT JOIN parties a ON a.id = p.affiliation_id LEFT JOIN LATERAL "
    "unnest(p.aliases) WITH ORDINALITY AS k (alias, position) ON true ORDER "
    "BY p.id, k.position"};

/* One row per keyword; parents before their children, as in the embedded
   catalogue, since a keyword listed twice belongs to the first issue. */
static const struct db_statement statement_catalogue = {
    "store_catalogue",
    "SELECT i.slug, p.slug, k.keyword FROM issues i LEFT JOIN issues p ON "
    "p.id = i.parent_id LEFT JOIN LATERAL unnest(i.keywords) WITH ORDINALITY "
    "AS k (keyword, position) ON true ORDER BY coalesce(i.parent_id, i.id), "
    "i.parent_id NULLS FIRST, i.id, k.position"};

/* --- the article --------------------------------------------------------- */

enum article_param {
  PARAM_SHA256,
  PARAM_TITLE,
  PARAM_URL,
  PARAM_PUBLISHED,
  PARAM_UPDATED,
  PARAM_AUTHORS,
  PARAM_DATELINE,
  PARAM_TEXT,
  PARAM_COUNT
};

/* Finds or inserts the article: *rank as statement_article says, -1 when
   a concurrent load of the same bytes is still to be seen. */
static int article_find_or_insert(struct db_conn *conn,
                                  const char *const *params, int *rank,
                                  char *id, size_t id_size) {
  enum db_status status;
  PGresult *result =
      db_exec(conn, &statement_article, PARAM_COUNT, params, &status);
  if (status != DB_OK) {
    return status;
  }
  *rank = -1;
  if (PQntuples(result) == 1) {
    snprintf(id, id_size, "%s", PQgetvalue(result, 0, 0));
    *rank = (int)strtol(PQgetvalue(result, 0, 1), NULL, 10);
  }
  PQclear(result);
  return DB_OK;
}

/* Writes the article (insert or replace) and sets outcome. */
static int article_write(struct db_conn *conn, const char *const *params,
                         struct store_outcome *outcome) {
  int rank = -1;
  /* The second run sees what the concurrent load committed. */
  for (int attempt = 0; attempt < 2 && rank < 0; attempt++) {
    int status = article_find_or_insert(
        conn, params, &rank, outcome->article_id, sizeof outcome->article_id);
    if (status != DB_OK) {
      return status;
    }
  }
  if (rank < 0) {
    return DB_RETRY;
  }
  outcome->unchanged = rank == 1 || rank == 2;
  if (rank == 3 || rank == 4) {
    const char *values[PARAM_COUNT + 1] = {outcome->article_id};
    memcpy(values + 1, params, PARAM_COUNT * sizeof *params);
    int status = db_record_execute(conn, &statement_replace, PARAM_COUNT + 1,
                                   values, NULL, 0);
    outcome->replaced = status == DB_OK;
    return status == DB_NOT_FOUND ? DB_HARD_ERROR : status;
  }
  return DB_OK;
}

int db_store_article_write(struct db_conn *conn,
                           const struct store_article_row *row,
                           struct store_outcome *outcome) {
  memset(outcome, 0, sizeof *outcome);
  const char *params[PARAM_COUNT] = {
      [PARAM_SHA256] = row->sha256,     [PARAM_TITLE] = row->title,
      [PARAM_URL] = row->url,           [PARAM_PUBLISHED] = row->published,
      [PARAM_UPDATED] = row->updated,   [PARAM_AUTHORS] = row->authors,
      [PARAM_DATELINE] = row->dateline, [PARAM_TEXT] = row->text,
  };
  return article_write(conn, params, outcome);
}

/* --- parties and claims -------------------------------------------------- */

int db_store_parties_insert(struct db_conn *conn, const char *parties) {
  const char *values[] = {parties};
  int status = db_record_execute(conn, &statement_parties, 1, values, NULL, 0);
  return status == DB_NOT_FOUND ? DB_OK : status;
}

int db_store_claims_insert(struct db_conn *conn, const char *article_id,
                           const char *claims) {
  const char *values[] = {article_id, claims};
  int status = db_record_execute(conn, &statement_claims, 2, values, NULL, 0);
  return status == DB_NOT_FOUND ? DB_OK : status;
}

PGresult *db_store_claims_evidence(struct db_conn *conn, const char *article_id,
                                   enum db_status *status) {
  const char *values[] = {article_id};
  return db_exec(conn, &statement_evidence, 1, values, status);
}

/* --- the catalogue -------------------------------------------------------- */

int db_store_catalogue_version(struct db_conn *conn, char *version,
                               size_t size) {
  enum db_status status;
  PGresult *result =
      db_exec(conn, &statement_catalogue_version, 0, NULL, &status);
  if (status != DB_OK) {
    return status;
  }
  snprintf(version, size, "%s", PQgetvalue(result, 0, 0));
  PQclear(result);
  return DB_OK;
}

PGresult *db_store_catalogue_rows(struct db_conn *conn,
                                  enum db_status *status) {
  return db_exec(conn, &statement_catalogue, 0, NULL, status);
}

PGresult *db_store_party_rows(struct db_conn *conn, enum db_status *status) {
  return db_exec(conn, &statement_lexicon_parties, 0, NULL, status);
}
