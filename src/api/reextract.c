/* POST /articles/{id}/reextract: the current pipeline and catalogue over a
 * stored article (ingest_reextract); its extracted claims brought up to
 * date (ids kept where span and party are unchanged), manual ones kept.
 *
 * Jansson: the job owns its answer until it is handed to the response. */
#include "api/handlers.h"
#include "api/idempotency.h"
#include "api/resource.h"
#include "common/log.h"
#include "http/response.h"
#include "ingest/ingest.h"

void articles_reextract_handler(struct request *request) {
  const char *id = request->path_params[0];
  struct query_value none;
  if (!api_query(request, NULL, 0, &none)) {
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
  struct api_ingest context = {.request = request, .idempotency = &idempotency};
  struct ingest_runner runner;
  api_ingest_runner(&context, &runner);
  struct ingest_reextract job = {.article_id = id, .answer_wanted = true};
  int outcome = ingest_reextract(&runner, &job);
  if (api_ingest_answer(&context, outcome)) {
    /* replayed, or the key's reuse refused */
  } else if (outcome == API_NOT_FOUND) {
    response_problem(request, PROBLEM_ARTICLE_NOT_FOUND, "no article '%.80s'",
                     id);
  } else if (outcome == DB_HARD_ERROR && job.error[0] != '\0') {
    log_error("re-extraction of article %s failed: %s (request %s)", id,
              job.error, request->id);
  } else if (outcome == DB_OK) {
    response_json_steal(request, 200, job.answer);
    job.answer = NULL;
  }
  idempotency_end(&idempotency);
  ingest_reextract_end(&job);
}
