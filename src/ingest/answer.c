/* The answer of a load or a re-extraction: {article, parties, claims} of a
 * stored article, read back in the transaction that stored it.
 *
 * Jansson: the records gathered are new references, stolen by json_pack
 * ("o") or json_array_append_new; the evidence is set on claims borrowed
 * from the answer. */
#include "answer.h"

#include "db/articles.h"
#include "db/claims.h"
#include "db/parties.h"
#include "db/records.h"
#include "db/store.h"
#include "extract/extract.h"

#include <stdio.h>
#include <stdlib.h>

/* The most claims a list page gives; longer articles are paged through. */
#define ANSWER_CLAIMS_PAGE 200

/* Every claim of the article, as GET /articles/{id}/claims lists them. */
static int claims_of_article(struct db_conn *conn, const char *article_id,
                             json_t **claims) {
  struct list_request list = {.limit = ANSWER_CLAIMS_PAGE};
  list.filter_values[CLAIM_FILTER_ARTICLE] = article_id;
  list.sort = (size_t)db_list_sort_find(&db_claims_list_spec, "created_at");
  *claims = json_array();
  if (*claims == NULL) {
    return DB_HARD_ERROR;
  }
  for (;;) {
    json_t *items = NULL;
    char *next = NULL;
    int outcome = db_list_run(conn, &db_claims_list_spec, &list, &items, &next);
    if (outcome == DB_OK && json_array_extend(*claims, items) != 0) {
      outcome = DB_HARD_ERROR;
    }
    json_decref(items);
    if (outcome == DB_OK && next != NULL &&
        db_list_cursor_decode(&db_claims_list_spec, next, &list) != 0) {
      outcome = DB_HARD_ERROR;
    }
    bool more = next != NULL;
    free(next);
    if (outcome != DB_OK) {
      return outcome;
    }
    if (!more) {
      return DB_OK;
    }
  }
}

/* Appends a party record for `slug` unless `seen` has it already. */
static int party_add(struct db_conn *conn, json_t *seen, json_t *parties,
                     const char *slug) {
  if (slug == NULL || json_object_get(seen, slug) != NULL) {
    return DB_OK;
  }
  json_object_set_new(seen, slug, json_true());
  json_t *party = NULL;
  int outcome = db_parties_fetch(conn, slug, false, &party);
  if (outcome == DB_OK) {
    return json_array_append_new(parties, party) == 0 ? DB_OK : DB_HARD_ERROR;
  }
  return outcome == DB_NOT_FOUND ? DB_OK : outcome;
}

/* The parties the claims name, as party or speaker, in order of mention. */
static int parties_of_claims(struct db_conn *conn, const json_t *claims,
                             json_t **parties) {
  json_t *seen = json_object();
  *parties = json_array();
  int outcome = seen != NULL && *parties != NULL ? DB_OK : DB_HARD_ERROR;
  size_t index;
  json_t *claim;
  json_array_foreach(claims, index, claim) {
    if (outcome != DB_OK) {
      break;
    }
    outcome = party_add(conn, seen, *parties,
                        json_string_value(json_object_get(claim, "party")));
    if (outcome == DB_OK) {
      outcome = party_add(conn, seen, *parties,
                          json_string_value(json_object_get(claim, "speaker")));
    }
  }
  json_decref(seen);
  return outcome;
}

/* The evidence of one row of db_store_claims_evidence as members of `claim`:
   "cue" ({word, start, end} or null), and "cameo" and "confidence" where
   stored. */
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

/* Adds to the claim records of an article what the extractor saw, which
   those records leave out. */
static int claims_evidence(struct db_conn *conn, const char *article_id,
                           json_t *claims) {
  enum db_status status;
  PGresult *result = db_store_claims_evidence(conn, article_id, &status);
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

int ingest_answer(struct db_conn *conn, const char *article_id,
                  json_t **answer) {
  json_t *article = NULL;
  json_t *claims = NULL;
  json_t *parties = NULL;
  int outcome = db_articles_fetch(conn, article_id, false, &article);
  if (outcome == DB_OK) {
    outcome = claims_of_article(conn, article_id, &claims);
  }
  if (outcome == DB_OK) {
    outcome = claims_evidence(conn, article_id, claims);
  }
  if (outcome == DB_OK) {
    outcome = parties_of_claims(conn, claims, &parties);
  }
  if (outcome == DB_OK) {
    *answer = json_pack("{s:o, s:o, s:o}", "article", article, "parties",
                        parties, "claims", claims);
    return *answer != NULL ? DB_OK : DB_HARD_ERROR;
  }
  json_decref(article);
  json_decref(claims);
  json_decref(parties);
  /* The article was written or found in this transaction: it must be
     there. */
  return outcome == DB_NOT_FOUND ? DB_HARD_ERROR : outcome;
}

/* Removes `member` from each record of `records`. */
static void records_forget(json_t *records, const char *member) {
  size_t index;
  json_t *record;
  json_array_foreach(records, index, record) {
    json_object_del(record, member);
  }
}

void answer_without_ids(json_t *answer) {
  json_object_del(json_object_get(answer, "article"), "id");
  records_forget(json_object_get(answer, "parties"), "id");
  json_t *claims = json_object_get(answer, "claims");
  records_forget(claims, "id");
  records_forget(claims, "article_id");
}
