/* POST /articles/{id}/reextract: the current pipeline and catalogue over a
 * stored article; its extracted claims brought up to date (ids kept where
 * span and party are unchanged), manual ones kept.
 *
 * Jansson: the job owns `answer` (a new reference) until it is handed to
 * the response. */
#include "db/reextract.h"
#include "api/handlers.h"
#include "api/idempotency.h"
#include "api/resource.h"
#include "common/log.h"
#include "db/store.h"
#include "http/response.h"

#include <stdio.h>

struct reextract_job {
  const char *article_id;
  const struct extract_lexicon *lexicon;
  struct store_lexicon *handle;
  bool changed;
  char error[256];
  json_t *answer;
  struct request *request;
  struct idempotency *idempotency;
};

static int lexicon_body(struct db_conn *conn, void *closure) {
  struct reextract_job *job = closure;
  store_lexicon_release(job->handle);
  job->handle = NULL;
  int outcome =
      store_lexicon_acquire(conn, &job->handle, job->error, sizeof job->error);
  if (outcome == DB_HARD_ERROR) {
    log_error("issue catalogue: %s", job->error);
  }
  return outcome;
}

static int reextract_body(struct db_conn *conn, void *closure) {
  struct reextract_job *job = closure;
  json_decref(job->answer);
  job->answer = NULL;
  int outcome = reextract_article(conn, job->lexicon, job->article_id,
                                  &job->changed, job->error, sizeof job->error);
  if (outcome == DB_OK) {
    outcome = articles_load_answer(conn, job->article_id, &job->answer);
  }
  return outcome;
}

/* A re-extraction with its Idempotency-Key, claimed first and the answer
   stored last in the same transaction. */
static int reextract_keyed_body(struct db_conn *conn, void *closure) {
  struct reextract_job *job = closure;
  int outcome = idempotency_claim_key(conn, job->request, job->idempotency);
  if (outcome == DB_OK) {
    outcome = reextract_body(conn, closure);
  }
  if (outcome == DB_OK) {
    outcome = idempotency_store(conn, job->idempotency, 200, NULL, job->answer,
                                false);
  }
  return outcome;
}

void articles_reextract_handler(struct request *request) {
  const char *id = request->path_params[0];
  struct query_value none;
  if (request_parse_query(request, NULL, 0, &none) != 0) {
    return;
  }
  if (!api_id_is_valid(id)) {
    response_problem(request, PROBLEM_ARTICLE_NOT_FOUND, "no article '%.80s'",
                     id);
    return;
  }
  struct idempotency idempotency;
  if (!idempotency_begin(request, &idempotency)) {
    return;
  }
  struct reextract_job job = {
      .article_id = id, .request = request, .idempotency = &idempotency};
  if (api_with_connection(request, lexicon_body, &job, false) != DB_OK) {
    store_lexicon_release(job.handle);
    idempotency_end(&idempotency);
    return;
  }
  job.lexicon = store_lexicon_get(job.handle);
  int outcome = api_with_connection(request, reextract_keyed_body, &job, true);
  if (outcome == DB_NOT_FOUND) {
    response_problem(request, PROBLEM_ARTICLE_NOT_FOUND, "no article '%.80s'",
                     id);
  } else if (outcome == DB_HARD_ERROR && job.error[0] != '\0') {
    log_error("re-extraction of article %s failed: %s (request %s)", id,
              job.error, request->id);
  } else if (outcome == DB_OK) {
    response_json_steal(request, 200, job.answer);
    job.answer = NULL;
  } else if (outcome == IDEMPOTENCY_REPLAY) {
    idempotency_replay(request, &idempotency, false);
  }
  idempotency_end(&idempotency);
  json_decref(job.answer);
  store_lexicon_release(job.handle);
}
