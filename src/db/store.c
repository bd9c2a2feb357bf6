/* Stores extracted articles; reads the issue catalogue for the extractor.
 *
 * Jansson: the JSON values built here are the texts of SQL parameters
 * (json_to_recordset), each owned by the function that builds it and
 * released before it returns. */
#include "db/store.h"

#include "common/encoding.h"
#include "common/log.h"
#include "common/slug.h"
#include "db/migrate.h"
#include "db/records.h"
#include "extract/load_cli.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

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
   as a re-extraction does (store_claims_update). */
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

/* --- parameters ---------------------------------------------------------- */

/* Adds a string member, or null for NULL. */
static int json_set_text(json_t *object, const char *name, const char *text) {
  return json_object_set_new(object, name,
                             text != NULL ? json_string(text) : json_null());
}

/* Adds a name in NFC (as the API stores names), or null for NULL. */
static int json_set_name(json_t *object, const char *name, const char *text) {
  if (text == NULL) {
    return json_object_set_new(object, name, json_null());
  }
  char *normal = utf8_nfc(text);
  int status = normal != NULL
                   ? json_object_set_new(object, name, json_string(normal))
                   : -1;
  free(normal);
  return status;
}

static char *json_text_of(json_t *value) {
  char *text = value != NULL ? json_dumps(value, JSON_COMPACT) : NULL;
  json_decref(value);
  return text;
}

static char *string_array_json(char *const *items, size_t count) {
  json_t *array = json_array();
  for (size_t i = 0; array != NULL && i < count; i++) {
    if (json_array_append_new(array, json_string(items[i])) != 0) {
      json_decref(array);
      array = NULL;
    }
  }
  return json_text_of(array);
}

/* The slug of a name, or NULL when the name leaves none. */
static const char *slug_of(const char *name, char *out) {
  return name != NULL && slug_from_name(name, out) > 0 ? out : NULL;
}

static char *parties_json(const struct extract_result *result) {
  json_t *array = json_array();
  for (size_t i = 0; array != NULL && i < result->party_count; i++) {
    const struct extract_party *party = &result->parties[i];
    char slug[SLUG_MAX_LENGTH + 1], affiliation[SLUG_MAX_LENGTH + 1];
    if (slug_of(party->name, slug) == NULL) {
      log_debug("party '%.80s' gives no slug; not stored", party->name);
      continue;
    }
    json_t *aliases = json_array();
    for (size_t k = 0; aliases != NULL && k < party->alias_count; k++) {
      char *alias = utf8_nfc(party->aliases[k]);
      if (alias == NULL || json_array_append_new(aliases, json_string(alias))) {
        json_decref(aliases);
        aliases = NULL;
      }
      free(alias);
    }
    json_t *row = json_object();
    if (row == NULL || aliases == NULL ||
        json_object_set_new(row, "slug", json_string(slug)) != 0 ||
        json_set_name(row, "name", party->name) != 0 ||
        json_set_text(row, "kind", party->kind) != 0 ||
        json_object_set_new(row, "aliases", aliases) != 0 ||
        json_set_text(row, "affiliation",
                      slug_of(party->affiliation, affiliation)) != 0 ||
        json_set_text(row, "role", party->role) != 0 ||
        json_array_append_new(array, row) != 0) {
      json_decref(array);
      return NULL;
    }
  }
  return json_text_of(array);
}

static json_t *claim_row(const struct extract_claim *claim, size_t n) {
  char party[SLUG_MAX_LENGTH + 1], speaker[SLUG_MAX_LENGTH + 1];
  const char *stance = extract_stance_name(claim->stance);
  if (slug_of(claim->party, party) == NULL || stance == NULL) {
    return json_null(); /* nothing to attribute it to: left out */
  }
  json_t *issues = json_array();
  for (size_t k = 0; issues != NULL && k < claim->issue_count; k++) {
    json_array_append_new(issues, json_string(claim->issues[k]));
  }
  double confidence = extract_confidence_rounded(claim->confidence);
  bool has_cue = claim->cue.word != NULL;
  return json_pack(
      "{s:I, s:s, s:s?, s:s, s:b, s:s, s:I, s:I, s:s?, s:s?, s:o, s:o, "
      "s:s?, s:f, s:o}",
      "n", (json_int_t)n, "party", party, "speaker",
      slug_of(claim->speaker, speaker), "stance", stance, "quote", claim->quote,
      "text", claim->text, "start_offset", (json_int_t)claim->start,
      "end_offset", (json_int_t)claim->end, "stated_on",
      claim->stated_on[0] != '\0' ? claim->stated_on : NULL, "cue_word",
      claim->cue.word, "cue_start",
      has_cue ? json_integer((json_int_t)claim->cue.start) : json_null(),
      "cue_end",
      has_cue ? json_integer((json_int_t)claim->cue.end) : json_null(), "cameo",
      claim->cameo, "confidence", confidence, "issues",
      issues != NULL ? issues : json_array());
}

static char *claims_json(const struct extract_result *result) {
  json_t *array = json_array();
  for (size_t i = 0; array != NULL && i < result->claim_count; i++) {
    json_t *row = claim_row(&result->claims[i], i);
    if (row == NULL) {
      json_decref(array);
      return NULL;
    }
    if (json_is_null(row)) {
      json_decref(row);
      continue;
    }
    if (json_array_append_new(array, row) != 0) {
      json_decref(array);
      return NULL;
    }
  }
  return json_text_of(array);
}

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

/* A title taken from the article's first line is cut to what a client may
   give (500 characters, and 2,000 bytes so that it fits its index with
   room to spare), at a character boundary, with an ellipsis. NULL when it
   fits as it is, else a malloc'd copy (or NULL when out of memory: the
   title is then left out). */
#define STORE_TITLE_MAX_CHARACTERS 500
#define STORE_TITLE_MAX_BYTES 2000
#define STORE_ELLIPSIS "\u2026" /* one character, three bytes */

static char *title_bounded(const char *title, bool *bounded) {
  *bounded = false;
  if (title == NULL) {
    return NULL;
  }
  size_t length = strlen(title);
  if (length <= STORE_TITLE_MAX_CHARACTERS ||
      (length <= STORE_TITLE_MAX_BYTES &&
       utf8_characters(title) <= STORE_TITLE_MAX_CHARACTERS)) {
    return NULL;
  }
  *bounded = true;
  size_t kept =
      utf8_prefix_length(title, STORE_TITLE_MAX_CHARACTERS - 1,
                         STORE_TITLE_MAX_BYTES - (sizeof STORE_ELLIPSIS - 1));
  char *cut = malloc(kept + sizeof STORE_ELLIPSIS);
  if (cut != NULL) {
    memcpy(cut, title, kept);
    memcpy(cut + kept, STORE_ELLIPSIS, sizeof STORE_ELLIPSIS);
  }
  return cut;
}

bool store_claims_within_limit(const struct extract_result *result,
                               char *message, size_t size) {
  if (result->claim_count <= STORE_MAX_CLAIMS_PER_ARTICLE) {
    return true;
  }
  snprintf(message, size,
           "the article yields %zu claims, over the limit of %d claims per "
           "article: split it into smaller articles",
           result->claim_count, STORE_MAX_CLAIMS_PER_ARTICLE);
  return false;
}

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
    int status = record_execute(conn, &statement_replace, PARAM_COUNT + 1,
                                values, NULL, 0);
    outcome->replaced = status == DB_OK;
    return status == DB_NOT_FOUND ? DB_HARD_ERROR : status;
  }
  return DB_OK;
}

static int store_claims_update(struct db_conn *conn, const char *article_id,
                               const char *claims, bool *changed);

int store_article(struct db_conn *conn, const struct extract_result *result,
                  const char *bytes, size_t length,
                  const struct store_overrides *overrides,
                  struct store_outcome *outcome) {
  static const struct store_overrides none = {NULL, NULL, NULL};
  if (overrides == NULL) {
    overrides = &none;
  }
  memset(outcome, 0, sizeof *outcome);
  const struct extract_article *article = &result->article;
  char *text = malloc(length + 1);
  char *authors = string_array_json(article->authors, article->author_count);
  char *parties = NULL;
  char *claims = NULL;
  bool bounded = false;
  char *title =
      overrides->title ? NULL : title_bounded(article->title, &bounded);
  int status = DB_HARD_ERROR;
  if (text == NULL || authors == NULL || (bounded && title == NULL)) {
    log_error("storing an article: out of memory");
    goto done;
  }
  memcpy(text, bytes, length);
  text[length] = '\0';
  const char *params[PARAM_COUNT] = {
      [PARAM_SHA256] = article->sha256,
      [PARAM_TITLE] = overrides->title ? overrides->title
                      : bounded        ? title
                                       : article->title,
      [PARAM_URL] = overrides->url,
      [PARAM_PUBLISHED] =
          overrides->published ? overrides->published : article->published,
      [PARAM_UPDATED] = article->updated,
      [PARAM_AUTHORS] = authors,
      [PARAM_DATELINE] = article->dateline,
      [PARAM_TEXT] = text,
  };
  status = article_write(conn, params, outcome);
  if (status != DB_OK || outcome->unchanged) {
    goto done;
  }
  parties = parties_json(result);
  claims = claims_json(result);
  if (parties == NULL || claims == NULL) {
    log_error("storing an article: out of memory");
    status = DB_HARD_ERROR;
    goto done;
  }
  const char *party_values[] = {parties};
  status = record_execute(conn, &statement_parties, 1, party_values, NULL, 0);
  if (status < 0) {
    goto done;
  }
  if (outcome->replaced) {
    bool changed = false;
    status = store_claims_update(conn, outcome->article_id, claims, &changed);
    goto done;
  }
  const char *claim_values[] = {outcome->article_id, claims};
  status = record_execute(conn, &statement_claims, 2, claim_values, NULL, 0);
  status = status == DB_NOT_FOUND ? DB_OK : status;
done:
  free(claims);
  free(parties);
  free(authors);
  free(title);
  free(text);
  return status;
}

/* The evidence of one row as members of `claim`. */
static int evidence_set(json_t *claim, const PGresult *result, int row) {
  json_t *cue = json_null();
  if (!PQgetisnull(result, row, 1)) {
    cue = json_pack(
        "{s:s, s:I, s:I}", "word", PQgetvalue(result, row, 1), "start",
        (json_int_t)strtoll(PQgetvalue(result, row, 2), NULL, 10), "end",
        (json_int_t)strtoll(PQgetvalue(result, row, 3), NULL, 10));
  }
  if (cue == NULL || json_object_set_new(claim, "cue", cue) != 0) {
    return DB_HARD_ERROR;
  }
  if (!PQgetisnull(result, row, 4) &&
      json_object_set_new(claim, "cameo",
                          json_string(PQgetvalue(result, row, 4))) != 0) {
    return DB_HARD_ERROR;
  }
  if (!PQgetisnull(result, row, 5) &&
      json_object_set_new(claim, "confidence",
                          json_real(extract_confidence_rounded(strtod(
                              PQgetvalue(result, row, 5), NULL)))) != 0) {
    return DB_HARD_ERROR;
  }
  return DB_OK;
}

int store_claims_evidence(struct db_conn *conn, const char *article_id,
                          json_t *claims) {
  const char *values[] = {article_id};
  enum db_status status;
  PGresult *result = db_exec(conn, &statement_evidence, 1, values, &status);
  if (status != DB_OK) {
    return status;
  }
  /* The claims by id (the row's own text): one pass over each, not one
     over the rows per claim (thousands of claims made that quadratic). */
  json_t *by_id = json_object();
  int outcome = by_id != NULL ? DB_OK : DB_HARD_ERROR;
  size_t index;
  json_t *claim;
  json_array_foreach(claims, index, claim) {
    char id[24];
    snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(claim, "id")));
    if (outcome == DB_OK && json_object_set(by_id, id, claim) != 0) {
      outcome = DB_HARD_ERROR;
    }
  }
  int rows = PQntuples(result);
  for (int row = 0; row < rows && outcome == DB_OK; row++) {
    claim = json_object_get(by_id, PQgetvalue(result, row, 0));
    if (claim != NULL) {
      outcome = evidence_set(claim, result, row);
    }
  }
  json_decref(by_id);
  PQclear(result);
  return outcome;
}

/* --- the issue catalogue -------------------------------------------------- */

/* True for a keyword the lexicon can hold: a phrase or a pattern. */
static bool keyword_usable(const char *keyword) {
  return issues_keyword_usable(keyword) != 0;
}

int store_issue_catalogue(struct db_conn *conn,
                          struct store_catalogue *catalogue) {
  memset(catalogue, 0, sizeof *catalogue);
  enum db_status status;
  PGresult *result = db_exec(conn, &statement_catalogue, 0, NULL, &status);
  if (status != DB_OK) {
    return status;
  }
  size_t rows = (size_t)PQntuples(result);
  catalogue->storage = result;
  catalogue->issues = calloc(rows + 1, sizeof *catalogue->issues);
  catalogue->keywords = calloc(rows + 1, sizeof *catalogue->keywords);
  if (catalogue->issues == NULL || catalogue->keywords == NULL) {
    store_catalogue_release(catalogue);
    return DB_HARD_ERROR;
  }
  size_t keyword_count = 0;
  for (size_t row = 0; row < rows; row++) {
    const char *slug = PQgetvalue(result, (int)row, 0);
    struct extract_issue_definition *issue =
        catalogue->count > 0 ? &catalogue->issues[catalogue->count - 1] : NULL;
    if (issue == NULL || strcmp(issue->slug, slug) != 0) {
      issue = &catalogue->issues[catalogue->count++];
      issue->slug = slug;
      issue->parent = PQgetisnull(result, (int)row, 1)
                          ? NULL
                          : PQgetvalue(result, (int)row, 1);
      issue->keywords = &catalogue->keywords[keyword_count];
    }
    if (PQgetisnull(result, (int)row, 2)) {
      continue; /* an issue without keywords */
    }
    const char *keyword = PQgetvalue(result, (int)row, 2);
    bool weak = keyword[0] == '~';
    keyword += weak;
    while (*keyword == ' ') {
      keyword++;
    }
    /* A keyword the extractor cannot use (too many words) must not stop
       every load: it is skipped. */
    if (!keyword_usable(keyword)) {
      log_warn("issue %s: keyword \"%.60s\" skipped (not a usable phrase)",
               slug, keyword);
      continue;
    }
    catalogue->keywords[keyword_count++] =
        (struct extract_issue_keyword){keyword, weak};
    issue->keyword_count++;
  }
  return DB_OK;
}

void store_catalogue_release(struct store_catalogue *catalogue) {
  free(catalogue->issues);
  free(catalogue->keywords);
  PQclear(catalogue->storage);
  memset(catalogue, 0, sizeof *catalogue);
}

/* The database's parties as the extractor takes them. The strings live in
   `storage` (the query's result); release with party_list_release. */
struct party_list {
  struct extract_party_definition *parties;
  size_t count;
  const char **aliases;
  void *storage;
};

static void party_list_release(struct party_list *list) {
  free(list->parties);
  free(list->aliases);
  PQclear(list->storage);
  memset(list, 0, sizeof *list);
}

static const char *value_or_null(const PGresult *result, int row, int column) {
  return PQgetisnull(result, row, column) ? NULL
                                          : PQgetvalue(result, row, column);
}

static int party_list_read(struct db_conn *conn, struct party_list *list) {
  memset(list, 0, sizeof *list);
  enum db_status status;
  PGresult *result =
      db_exec(conn, &statement_lexicon_parties, 0, NULL, &status);
  if (status != DB_OK) {
    return status;
  }
  size_t rows = (size_t)PQntuples(result);
  list->storage = result;
  list->parties = calloc(rows + 1, sizeof *list->parties);
  list->aliases = calloc(rows + 1, sizeof *list->aliases);
  if (list->parties == NULL || list->aliases == NULL) {
    party_list_release(list);
    return DB_HARD_ERROR;
  }
  const char *slug = NULL;
  size_t alias_count = 0;
  for (int row = 0; row < (int)rows; row++) {
    struct extract_party_definition *party =
        list->count > 0 ? &list->parties[list->count - 1] : NULL;
    if (party == NULL || strcmp(slug, PQgetvalue(result, row, 0)) != 0) {
      slug = PQgetvalue(result, row, 0);
      party = &list->parties[list->count++];
      party->name = PQgetvalue(result, row, 1);
      party->kind = PQgetvalue(result, row, 2);
      party->affiliation = value_or_null(result, row, 3);
      party->role = value_or_null(result, row, 4);
      party->aliases = &list->aliases[alias_count];
    }
    const char *alias = value_or_null(result, row, 5);
    if (alias != NULL) {
      list->aliases[alias_count++] = alias;
      party->alias_count++;
    }
  }
  return DB_OK;
}

int store_lexicon_build(struct db_conn *conn, struct extract_lexicon **lexicon,
                        char *error, size_t error_size) {
  struct store_catalogue catalogue;
  struct party_list parties;
  *lexicon = NULL;
  int status = store_issue_catalogue(conn, &catalogue);
  if (status != DB_OK) {
    snprintf(error, error_size, "reading the issue catalogue: %s",
             db_last_error(conn)->message);
    return status;
  }
  status = party_list_read(conn, &parties);
  if (status != DB_OK) {
    snprintf(error, error_size, "reading the parties: %s",
             db_last_error(conn)->message);
    store_catalogue_release(&catalogue);
    return status;
  }
  struct extract_lexicon *built =
      extract_lexicon_load_embedded(error, error_size);
  if (built == NULL ||
      extract_lexicon_set_issues(built, catalogue.issues, catalogue.count,
                                 error, error_size) != 0 ||
      extract_lexicon_add_parties(built, parties.parties, parties.count, error,
                                  error_size) != 0) {
    status = DB_HARD_ERROR;
    extract_lexicon_free(built);
    built = NULL;
  }
  /* The lexicon copied what it keeps: the query results can go. */
  store_catalogue_release(&catalogue);
  party_list_release(&parties);
  *lexicon = built;
  return status;
}

/* --- the shared lexicon -------------------------------------------------- */

struct store_lexicon {
  struct extract_lexicon *lexicon;
  char version[160];
  unsigned references; /* the cache's own while current, and each handle */
};

static pthread_mutex_t lexicon_lock = PTHREAD_MUTEX_INITIALIZER;
static struct store_lexicon *lexicon_current;

/* Drops a reference under the lock; true when the caller must free it. */
static bool lexicon_unref_locked(struct store_lexicon *entry) {
  return entry != NULL && --entry->references == 0;
}

static void lexicon_entry_free(struct store_lexicon *entry) {
  if (entry != NULL) {
    extract_lexicon_free(entry->lexicon);
    free(entry);
  }
}

static int catalogue_version(struct db_conn *conn, char *version, size_t size) {
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

/* Takes a reference to the current lexicon when it has this version. */
static struct store_lexicon *lexicon_take_locked(const char *version) {
  if (lexicon_current != NULL &&
      strcmp(lexicon_current->version, version) == 0) {
    lexicon_current->references++;
    return lexicon_current;
  }
  return NULL;
}

int store_lexicon_acquire(struct db_conn *conn, struct store_lexicon **handle,
                          char *error, size_t error_size) {
  char version[160];
  *handle = NULL;
  /* The version is read before the catalogue: a lexicon is never labelled
     newer than what it holds, at worst rebuilt once more. */
  int status = catalogue_version(conn, version, sizeof version);
  if (status != DB_OK) {
    snprintf(error, error_size, "reading the issue catalogue: %s",
             db_last_error(conn)->message);
    return status;
  }
  pthread_mutex_lock(&lexicon_lock);
  *handle = lexicon_take_locked(version);
  pthread_mutex_unlock(&lexicon_lock);
  if (*handle != NULL) {
    return DB_OK;
  }
  /* Built outside the lock: other loads go on with the lexicon they have. */
  struct store_lexicon *fresh = calloc(1, sizeof *fresh);
  if (fresh == NULL) {
    snprintf(error, error_size, "out of memory");
    return DB_HARD_ERROR;
  }
  status = store_lexicon_build(conn, &fresh->lexicon, error, error_size);
  if (status != DB_OK) {
    free(fresh);
    return status;
  }
  snprintf(fresh->version, sizeof fresh->version, "%s", version);
  struct store_lexicon *unused = NULL;
  pthread_mutex_lock(&lexicon_lock);
  *handle = lexicon_take_locked(version);
  if (*handle != NULL) {
    unused = fresh; /* another thread built the same one meanwhile */
  } else {
    if (lexicon_unref_locked(lexicon_current)) {
      unused = lexicon_current;
    }
    fresh->references = 2;
    lexicon_current = fresh;
    *handle = fresh;
    log_info("lexicon loaded (issues and parties version %s)", version);
  }
  pthread_mutex_unlock(&lexicon_lock);
  lexicon_entry_free(unused);
  return DB_OK;
}

const struct extract_lexicon *
store_lexicon_get(const struct store_lexicon *handle) {
  return handle->lexicon;
}

void store_lexicon_release(struct store_lexicon *handle) {
  if (handle == NULL) {
    return;
  }
  pthread_mutex_lock(&lexicon_lock);
  bool last = lexicon_unref_locked(handle);
  pthread_mutex_unlock(&lexicon_lock);
  if (last) {
    lexicon_entry_free(handle);
  }
}

/* --- parley load -----------------------------------------------------------
 */

/* A connection of the command-line loader: opened on first use and kept for
   every article its worker stores (one session per thread). */
struct load_session {
  char *database_url;
  struct db_conn *conn;
};

struct load_session *load_session_new(const char *database_url) {
  struct load_session *session = calloc(1, sizeof *session);
  if (session == NULL) {
    return NULL;
  }
  if (database_url != NULL) {
    session->database_url = strdup(database_url);
    if (session->database_url == NULL) {
      free(session);
      return NULL;
    }
  }
  return session;
}

static void load_disconnect(struct load_session *session) {
  db_disconnect(session->conn);
  session->conn = NULL;
}

void load_session_free(struct load_session *session) {
  if (session == NULL) {
    return;
  }
  load_disconnect(session);
  free(session->database_url);
  free(session);
}

/* Connects (again, after a lost connection) and checks the schema. Returns
   0 or a sysexits.h code with a message. */
static int load_connect(struct load_session *session, char *error,
                        size_t error_size) {
  if (session->conn != NULL &&
      PQstatus(db_conn_pq(session->conn)) == CONNECTION_OK) {
    return EX_OK;
  }
  load_disconnect(session);
  if (session->database_url == NULL || session->database_url[0] == '\0') {
    snprintf(error, error_size, "no database: give --url or set DATABASE_URL");
    return EX_USAGE;
  }
  session->conn = db_connect(session->database_url, error, error_size);
  if (session->conn == NULL) {
    return EX_UNAVAILABLE;
  }
  /* A bulk load does not wait for each commit to reach the disk: a crash
     loses at most the last moments of the run, never consistency, and
     loading again is idempotent (articles are found by their hash). */
  if (db_exec_simple(session->conn, "SET synchronous_commit = off") != DB_OK) {
    log_warn("cannot turn synchronous_commit off: %s",
             db_last_error(session->conn)->message);
  }
  if (!migrate_is_current(session->conn)) {
    load_disconnect(session);
    snprintf(error, error_size,
             "the database schema is not current: run 'parley migrate'");
    return EX_CONFIG;
  }
  return EX_OK;
}

int load_store_lexicon(struct load_session *session,
                       struct extract_lexicon **lexicon, char *error,
                       size_t error_size) {
  *lexicon = NULL;
  int code = load_connect(session, error, error_size);
  if (code != EX_OK) {
    return code;
  }
  int status = store_lexicon_build(session->conn, lexicon, error, error_size);
  if (status == DB_OK) {
    return EX_OK;
  }
  return status == DB_HARD_ERROR ? EX_SOFTWARE : EX_TEMPFAIL;
}

struct load_job {
  const struct extract_result *result;
  const char *bytes;
  size_t length;
  struct store_outcome outcome;
};

static int load_body(struct db_conn *conn, void *closure) {
  struct load_job *job = closure;
  return store_article(conn, job->result, job->bytes, job->length, NULL,
                       &job->outcome);
}

int load_store_article(struct load_session *session,
                       const struct extract_result *result, const char *bytes,
                       size_t length, char *error, size_t error_size) {
  if (!store_claims_within_limit(result, error, error_size)) {
    return EX_DATAERR;
  }
  struct load_job job = {result, bytes, length, {0}};
  int outcome = DB_UNAVAILABLE;
  /* A connection lost between two articles (a server restart) gets one
     fresh try. */
  for (int attempt = 0; attempt < 2 && outcome == DB_UNAVAILABLE; attempt++) {
    int code = load_connect(session, error, error_size);
    if (code != EX_OK) {
      return code;
    }
    outcome = db_transaction(session->conn, load_body, &job);
    if (outcome == DB_UNAVAILABLE &&
        PQstatus(db_conn_pq(session->conn)) == CONNECTION_OK) {
      break; /* a timeout, not a lost connection */
    }
  }
  if (outcome == DB_OK) {
    return job.outcome.unchanged ? LOAD_UNCHANGED : EX_OK;
  }
  const struct db_error *failure = db_last_error(session->conn);
  snprintf(error, error_size, "storing failed: %s%s%s", failure->message,
           failure->sqlstate[0] ? " (SQLSTATE " : "",
           failure->sqlstate[0] ? failure->sqlstate : "");
  if (failure->sqlstate[0]) {
    size_t used = strlen(error);
    snprintf(error + used, error_size - used, ")");
  }
  if (outcome == DB_UNAVAILABLE || outcome == DB_RETRY) {
    return EX_TEMPFAIL;
  }
  return strncmp(failure->sqlstate, "22", 2) == 0 ||
                 strncmp(failure->sqlstate, "23", 2) == 0
             ? EX_DATAERR
             : EX_SOFTWARE;
}

/* --- re-extraction -------------------------------------------------------
 */

/* The claims of a fresh extraction less those whose span a person's claim
   ('manual') of the article already covers (that claim is the person's
   correction of what the extractor says there) and those whose span a
   person deleted (a tombstone, migration 013). */
static const struct db_statement statement_reextract_filter = {
    "store_reextract_filter",
    "SELECT coalesce(json_agg(r.value), '[]')::text FROM json_array_elements("
    "$2::json) r WHERE NOT EXISTS (SELECT 1 FROM claims m WHERE m.article_id "
    "= $1::bigint AND m.origin = 'manual' AND m.start_offset = (r.value ->> "
    "'start_offset')::integer AND m.end_offset = (r.value ->> "
    "'end_offset')::integer) AND NOT EXISTS (SELECT 1 FROM claim_tombstones t "
    "WHERE t.article_id = $1::bigint AND t.start_offset = (r.value ->> "
    "'start_offset')::integer AND t.end_offset = (r.value ->> "
    "'end_offset')::integer)"};

/* The fresh claims ($2, as statement_claims takes them) as the claims
   table holds them, each with its issue ids. */
#define REEXTRACT_FRESH                                                        \
  "fresh AS (SELECT r.n, p.id AS party_id, s.id AS speaker_id, r.stance, "     \
  "r.quote, r.text, r.start_offset, r.end_offset, r.stated_on, r.cue_word, "   \
  "r.cue_start, r.cue_end, r.cameo, r.confidence, ARRAY(SELECT DISTINCT "      \
  "i.id FROM json_array_elements_text(r.issues) AS w (slug) JOIN issues i "    \
  "ON i.slug = w.slug ORDER BY i.id) AS issues FROM json_to_recordset("        \
  "$2::json) AS r (n integer, party text, speaker text, stance text, quote "   \
  "boolean, text text, start_offset integer, end_offset integer, stated_on "   \
  "date, cue_word text, cue_start integer, cue_end integer, cameo text, "      \
  "confidence real, issues json) JOIN parties p ON p.slug = r.party LEFT "     \
  "JOIN parties s ON s.slug = r.speaker WHERE char_length(r.text) BETWEEN 1 "  \
  "AND 10000)"

/* Whether the stored extracted claims are those the extraction would store
   (as a multiset of their values and issue links). */
static const struct db_statement statement_reextract_same = {
    "store_reextract_same",
    "WITH " REEXTRACT_FRESH ", fresh_values AS (SELECT party_id, speaker_id, "
    "stance, quote, text, start_offset, end_offset, stated_on, cue_word, "
    "cue_start, cue_end, cameo, confidence, issues FROM fresh), stored AS "
    "(SELECT c.party_id, c.speaker_id, c.stance, c.quote, c.text, "
    "c.start_offset, c.end_offset, c.stated_on, c.cue_word, c.cue_start, "
    "c.cue_end, c.cameo, c.confidence, ARRAY(SELECT ci.issue_id FROM "
    "claim_issues ci WHERE ci.claim_id = c.id ORDER BY ci.issue_id) AS issues "
    "FROM claims c WHERE c.article_id = $1::bigint AND c.origin = "
    "'extracted') SELECT NOT EXISTS (SELECT * FROM fresh_values EXCEPT ALL "
    "SELECT * FROM stored) AND NOT EXISTS (SELECT * FROM stored EXCEPT ALL "
    "SELECT * FROM fresh_values)"};

/* A stored extracted claim and the fresh one with the same span and party
   are one claim: it keeps its id. Should several share a span and party,
   they pair in order (stored by id, fresh by position in the text). */
#define REEXTRACT_PAIRS                                                        \
  "WITH " REEXTRACT_FRESH ", ranked AS (SELECT f.*, row_number() OVER "        \
  "(PARTITION BY f.start_offset, f.end_offset, f.party_id ORDER BY f.n) AS "   \
  "rank FROM fresh f), stored AS (SELECT c.id, c.start_offset, "               \
  "c.end_offset, c.party_id, row_number() OVER (PARTITION BY "                 \
  "c.start_offset, c.end_offset, c.party_id ORDER BY c.id) AS rank FROM "      \
  "claims c WHERE c.article_id = $1::bigint AND c.origin = 'extracted'), "     \
  "pairs AS (SELECT s.id, f.* FROM ranked f JOIN stored s ON s.start_offset "  \
  "= f.start_offset AND s.end_offset = f.end_offset AND s.party_id = "         \
  "f.party_id AND s.rank = f.rank) "

/* The fresh claims that pair with none stored: to be inserted. */
static const struct db_statement statement_reextract_new = {
    "store_reextract_new",
    REEXTRACT_PAIRS "SELECT coalesce(json_agg(e.value ORDER BY (e.value ->> "
                    "'n')::integer), '[]')::text FROM json_array_elements("
                    "$2::json) e WHERE NOT EXISTS (SELECT 1 FROM pairs WHERE "
                    "pairs.n = (e.value ->> 'n')::integer)"};

/* A paired claim takes the fresh values in place (its issue links follow in
   the next two statements); one that has them already is left untouched.
   The triggers of migrations 004-008 move it between position cells. */
static const struct db_statement statement_reextract_update = {
    "store_reextract_update", REEXTRACT_PAIRS
    "UPDATE claims c SET speaker_id = x.speaker_id, stance = x.stance, quote "
    "= x.quote, text = x.text, stated_on = x.stated_on, cue_word = "
    "x.cue_word, cue_start = x.cue_start, cue_end = x.cue_end, cameo = "
    "x.cameo, confidence = x.confidence, updated_at = clock_timestamp() FROM "
    "pairs x WHERE c.id = x.id AND ((c.speaker_id, c.stance, c.quote, "
    "c.text, c.stated_on, c.cue_word, c.cue_start, c.cue_end, c.cameo, "
    "c.confidence) IS DISTINCT FROM (x.speaker_id, x.stance, x.quote, "
    "x.text, x.stated_on, x.cue_word, x.cue_start, x.cue_end, x.cameo, "
    "x.confidence) OR ARRAY(SELECT ci.issue_id FROM claim_issues ci WHERE "
    "ci.claim_id = c.id ORDER BY ci.issue_id) <> x.issues)"};

static const struct db_statement statement_reextract_unlink = {
    "store_reextract_unlink",
    REEXTRACT_PAIRS "DELETE FROM claim_issues ci USING pairs x WHERE "
                    "ci.claim_id = x.id AND ci.issue_id <> ALL (x.issues)"};

static const struct db_statement statement_reextract_link = {
    "store_reextract_link", REEXTRACT_PAIRS
    "INSERT INTO claim_issues (claim_id, issue_id) SELECT x.id, w.issue_id "
    "FROM pairs x CROSS JOIN LATERAL unnest(x.issues) AS w (issue_id) WHERE "
    "NOT EXISTS (SELECT 1 FROM claim_issues ci WHERE ci.claim_id = x.id AND "
    "ci.issue_id = w.issue_id) ORDER BY 1, 2"};

/* The extracted claims the extraction no longer finds. No tombstone: only
   a person's delete leaves one. */
static const struct db_statement statement_reextract_drop = {
    "store_reextract_drop",
    REEXTRACT_PAIRS "DELETE FROM claims c WHERE c.article_id = $1::bigint AND "
                    "c.origin = 'extracted' AND c.id NOT IN (SELECT id FROM "
                    "pairs)"};

/* Runs a one-value statement and copies its text out (malloc'd). */
static int reextract_value(struct db_conn *conn,
                           const struct db_statement *statement,
                           const char *const *values, char **text) {
  enum db_status status;
  *text = NULL;
  PGresult *result = db_exec(conn, statement, 2, values, &status);
  if (status != DB_OK) {
    return status;
  }
  if (PQntuples(result) == 1) {
    *text = strdup(PQgetvalue(result, 0, 0));
  }
  PQclear(result);
  return *text != NULL ? DB_OK : DB_HARD_ERROR;
}

/* Brings the article's extracted claims to `claims` (filtered JSON): pairs
   updated in place, the rest deleted, the new inserted. */
static int reextract_merge(struct db_conn *conn, const char *article_id,
                           const char *claims) {
  const char *values[] = {article_id, claims};
  char *fresh = NULL;
  int status = reextract_value(conn, &statement_reextract_new, values, &fresh);
  const struct db_statement *const steps[] = {
      &statement_reextract_update, &statement_reextract_unlink,
      &statement_reextract_link, &statement_reextract_drop};
  for (size_t i = 0; status == DB_OK && i < sizeof steps / sizeof steps[0];
       i++) {
    status = record_execute(conn, steps[i], 2, values, NULL, 0);
    status = status == DB_NOT_FOUND ? DB_OK : status;
  }
  if (status == DB_OK) {
    const char *insert_values[] = {article_id, fresh};
    status = record_execute(conn, &statement_claims, 2, insert_values, NULL, 0);
    status = status == DB_NOT_FOUND ? DB_OK : status;
  }
  free(fresh);
  return status;
}

/* Brings the extracted claims of the article to `claims` (claims_json),
   less those a person's claim or deletion covers; *changed false when they
   are those already (nothing written). */
static int store_claims_update(struct db_conn *conn, const char *article_id,
                               const char *claims, bool *changed) {
  char *kept = NULL;
  char *same = NULL;
  *changed = false;
  const char *filter_values[] = {article_id, claims};
  int status =
      reextract_value(conn, &statement_reextract_filter, filter_values, &kept);
  if (status != DB_OK) {
    goto done;
  }
  const char *claim_values[] = {article_id, kept};
  status =
      reextract_value(conn, &statement_reextract_same, claim_values, &same);
  if (status != DB_OK || strcmp(same, "t") == 0) {
    goto done; /* the same claims: ids and records stay as they are */
  }
  *changed = true;
  status = reextract_merge(conn, article_id, kept);
done:
  free(same);
  free(kept);
  return status;
}

int store_reextract(struct db_conn *conn, const char *article_id,
                    const struct extract_result *result, bool *changed) {
  char *parties = parties_json(result);
  char *claims = claims_json(result);
  int status = DB_HARD_ERROR;
  *changed = false;
  if (parties == NULL || claims == NULL) {
    log_error("re-extracting an article: out of memory");
    goto done;
  }
  /* New parties first (an existing one stays as it is), so that the
     comparison sees the claims the insert would keep. */
  const char *party_values[] = {parties};
  status = record_execute(conn, &statement_parties, 1, party_values, NULL, 0);
  if (status < 0) {
    goto done;
  }
  status = store_claims_update(conn, article_id, claims, changed);
done:
  free(claims);
  free(parties);
  return status;
}
