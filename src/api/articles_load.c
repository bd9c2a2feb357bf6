/* POST /articles: extract an article and store it with its parties, claims
 * and issue links in one transaction (rolled back for a dry run).
 *
 * Jansson: the load job owns `answer` (a new reference) until it is handed
 * to the response; the records gathered into it are stolen by json_pack
 * ("o") or json_array_append_new. */
#include "api/handlers.h"
#include "api/idempotency.h"
#include "api/resource.h"
#include "common/log.h"
#include "common/metrics.h"
#include "db/articles.h"
#include "db/claims.h"
#include "db/parties.h"
#include "db/store.h"
#include "extract/extract.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* A transaction body's way of saying "all went well, now roll back". */
#define LOAD_ROLLED_BACK 3

/* The most claims a list page gives; longer articles are paged through. */
#define LOAD_CLAIMS_PAGE 200

static const struct field load_fields[] = {
    {"text", FIELD_STRING, FIELD_REQUIRED, -1, 1, EXTRACT_MAX_INPUT, 0, 0,
     NULL},
    {"url", FIELD_STRING, 0, -1, 1, 2000, 0, 0, NULL},
    {"title", FIELD_STRING, 0, -1, 1, 500, 0, 0, NULL},
    {"published", FIELD_DATE, 0, -1, 0, 0, 0, 0, NULL},
};

static const struct query_param load_params[] = {
    {"dry_run", QUERY_BOOLEAN, 0, 0, 0, NULL},
};

/* --- the shared lexicon ----------------------------------------------------
 */

struct lexicon_job {
  struct store_lexicon *handle;
  char error[256];
};

static int lexicon_body(struct db_conn *conn, void *closure) {
  struct lexicon_job *job = closure;
  store_lexicon_release(job->handle);
  job->handle = NULL;
  int outcome =
      store_lexicon_acquire(conn, &job->handle, job->error, sizeof job->error);
  if (outcome == DB_HARD_ERROR) {
    log_error("issue catalogue: %s", job->error);
  }
  return outcome;
}

/* --- the answer -------------------------------------------------------------
 */

/* Every claim of the article, as GET /articles/{id}/claims lists them. */
static int claims_of_article(struct db_conn *conn, const char *article_id,
                             json_t **claims) {
  struct list_request list = {.limit = LOAD_CLAIMS_PAGE};
  list.filter_values[CLAIM_FILTER_ARTICLE] = article_id;
  list.sort = (size_t)list_sort_find(&claims_list_spec, "created_at");
  *claims = json_array();
  if (*claims == NULL) {
    return DB_HARD_ERROR;
  }
  for (;;) {
    json_t *items = NULL;
    char *next = NULL;
    int outcome = list_run(conn, &claims_list_spec, &list, &items, &next);
    if (outcome == DB_OK && json_array_extend(*claims, items) != 0) {
      outcome = DB_HARD_ERROR;
    }
    json_decref(items);
    if (outcome == DB_OK && next != NULL &&
        list_cursor_decode(&claims_list_spec, next, &list) != 0) {
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
  int outcome = parties_fetch(conn, slug, false, &party);
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

/* {"article", "parties", "claims"} of a stored article (also the answer of
   a re-extraction: api/handlers.h). */
int articles_load_answer(struct db_conn *conn, const char *article_id,
                         json_t **answer) {
  json_t *article = NULL;
  json_t *claims = NULL;
  json_t *parties = NULL;
  int outcome = articles_fetch(conn, article_id, false, &article);
  if (outcome == DB_OK) {
    outcome = claims_of_article(conn, article_id, &claims);
  }
  if (outcome == DB_OK) {
    outcome = store_claims_evidence(conn, article_id, claims);
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

/* --- the load ---------------------------------------------------------------
 */

struct load_job {
  const struct extract_result *result;
  const char *bytes;
  size_t length;
  const struct store_overrides *overrides;
  bool dry_run;
  struct store_outcome outcome;
  json_t *answer;
  struct request *request;
  struct idempotency *idempotency;
};

/* Removes `member` from each record of `records`. */
static void records_forget(json_t *records, const char *member) {
  size_t index;
  json_t *record;
  json_array_foreach(records, index, record) {
    json_object_del(record, member);
  }
}

/* A dry run stores nothing, so its answer names no record by id: an id
   drawn in the rolled-back transaction never exists (and the same answer
   is given whether or not the article is stored already). Parties and
   claims keep what names them otherwise (slugs, spans). */
static void answer_without_ids(json_t *answer) {
  json_object_del(json_object_get(answer, "article"), "id");
  records_forget(json_object_get(answer, "parties"), "id");
  json_t *claims = json_object_get(answer, "claims");
  records_forget(claims, "id");
  records_forget(claims, "article_id");
}

static int load_body(struct db_conn *conn, void *closure) {
  struct load_job *job = closure;
  json_decref(job->answer);
  job->answer = NULL;
  int outcome = store_article(conn, job->result, job->bytes, job->length,
                              job->overrides, &job->outcome);
  if (outcome == DB_OK) {
    outcome = articles_load_answer(conn, job->outcome.article_id, &job->answer);
  }
  if (outcome == DB_OK && job->dry_run) {
    answer_without_ids(job->answer);
    return LOAD_ROLLED_BACK;
  }
  return outcome;
}

/* A load of megabytes frees tens of megabytes in small blocks that glibc
   keeps in its arenas: give them back to the system, so that a worker's
   resident size falls back after a big article. */
static void load_memory_return(void) {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

/* A load with its Idempotency-Key: claimed first, the answer stored last,
   in the load's transaction (a dry run has no key: it stores nothing). */
static int load_keyed_body(struct db_conn *conn, void *closure) {
  struct load_job *job = closure;
  int outcome = idempotency_claim_key(conn, job->request, job->idempotency);
  if (outcome == DB_OK) {
    outcome = load_body(conn, closure);
  }
  if (outcome == DB_OK && job->idempotency->active) {
    char location[64];
    snprintf(location, sizeof location, "/articles/%s",
             job->outcome.article_id);
    bool created = !job->outcome.unchanged;
    outcome = idempotency_store(conn, job->idempotency, created ? 201 : 200,
                                created ? location : NULL, job->answer, false);
  }
  return outcome;
}

/* Answers a failed extraction: the client's text, or our failure. */
static void answer_extract_error(struct request *request, int status,
                                 const char *message) {
  json_t *errors = json_array();
  problem_errors_add(errors, "text", message);
  switch (status) {
  case EXTRACT_ERROR_INVALID_UTF8:
  case EXTRACT_ERROR_BINARY:
    response_problem_steal(request, PROBLEM_INVALID_BODY, message, errors);
    return;
  case EXTRACT_ERROR_EMPTY:
    response_problem_steal(request, PROBLEM_INVALID_VALUE, message, errors);
    return;
  case EXTRACT_ERROR_TOO_LARGE:
    response_problem_steal(request, PROBLEM_BODY_TOO_LARGE, message, errors);
    return;
  default:
    json_decref(errors);
    log_error("extraction failed: %s (request %s)", message, request->id);
    response_problem(request, PROBLEM_INTERNAL,
                     "the extraction failed on our side (request %s)",
                     request->id);
  }
}

/* Reads the text and the overrides from the body; answers 400/422 itself
   and returns false when the body is not acceptable. */
static bool load_input(struct request *request, const char **bytes,
                       size_t *length, struct store_overrides *overrides) {
  if (request->json == NULL) {
    *bytes = request->body;
    *length = request->body_length;
    return true;
  }
  json_t *errors = json_array();
  enum problem problem =
      fields_check(load_fields, sizeof load_fields / sizeof load_fields[0],
                   request->json, FIELD_CHECK_FULL, errors);
  if (problem != PROBLEM_COUNT) {
    response_problem_steal(request, problem,
                           problem == PROBLEM_INVALID_BODY
                               ? "the body does not fit the schema"
                               : "the body has invalid values",
                           errors);
    return false;
  }
  json_decref(errors);
  const json_t *text = json_object_get(request->json, "text");
  *bytes = json_string_value(text);
  *length = json_string_length(text);
  overrides->url = json_string_value(json_object_get(request->json, "url"));
  overrides->title = json_string_value(json_object_get(request->json, "title"));
  overrides->published =
      json_string_value(json_object_get(request->json, "published"));
  return true;
}

void articles_load_handler(struct request *request) {
  struct query_value dry_run;
  if (request_parse_query(request, load_params,
                          sizeof load_params / sizeof load_params[0],
                          &dry_run) != 0) {
    return;
  }
  const char *bytes = NULL;
  size_t length = 0;
  struct store_overrides overrides = {NULL, NULL, NULL};
  if (!load_input(request, &bytes, &length, &overrides)) {
    return;
  }
  struct idempotency idempotency;
  if (!idempotency_begin(request, &idempotency)) {
    return;
  }
  bool dry = dry_run.present && dry_run.integer != 0;
  idempotency.active = idempotency.active && !dry;
  struct lexicon_job lexicon = {NULL, ""};
  if (api_with_connection(request, lexicon_body, &lexicon, false) != DB_OK) {
    store_lexicon_release(lexicon.handle);
    idempotency_end(&idempotency);
    return;
  }
  /* The result may point into the lexicon (e.g. CAMEO codes), so the
     handle is kept until the result is gone. */
  struct extract_result *result = NULL;
  char error[256];
  /* The client's date wins over the text's, and claims' stated_on count
     from it. */
  const struct extract_options options = {.published = overrides.published};
  int status = extract_article_with_options(store_lexicon_get(lexicon.handle),
                                            bytes, length, &options, &result,
                                            error, sizeof error);
  if (status != EXTRACT_OK) {
    answer_extract_error(request, status, error);
    store_lexicon_release(lexicon.handle);
    idempotency_end(&idempotency);
    return;
  }
  /* Too many claims to store is the article's size, not a passing state of
     the database: 413 at once (a dry run too), never a 503 to retry. */
  if (!store_claims_within_limit(result, error, sizeof error)) {
    json_t *errors = json_array();
    problem_errors_add(errors, "text", error);
    response_problem_steal(request, PROBLEM_BODY_TOO_LARGE, error, errors);
    extract_result_free(result);
    store_lexicon_release(lexicon.handle);
    idempotency_end(&idempotency);
    load_memory_return();
    return;
  }
  struct load_job job = {.result = result,
                         .bytes = bytes,
                         .length = length,
                         .overrides = &overrides,
                         .dry_run = dry,
                         .request = request,
                         .idempotency = &idempotency};
  int outcome = api_with_connection(request, load_keyed_body, &job, true);
  if (outcome == DB_OK || outcome == LOAD_ROLLED_BACK) {
    bool created = outcome == DB_OK && !job.outcome.unchanged;
    if (created) {
      metrics_articles_loaded(1, (unsigned)result->claim_count);
    }
    char location[64];
    snprintf(location, sizeof location, "/articles/%s", job.outcome.article_id);
    response_json_steal(request, created ? 201 : 200, job.answer);
    job.answer = NULL;
    if (created) {
      response_add_header(request, "Location", location);
    }
  } else if (outcome == IDEMPOTENCY_REPLAY) {
    idempotency_replay(request, &idempotency, false);
  }
  idempotency_end(&idempotency);
  json_decref(job.answer);
  extract_result_free(result);
  store_lexicon_release(lexicon.handle);
  load_memory_return();
}
