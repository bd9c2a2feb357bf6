/* POST /articles: an article extracted and stored with its parties, claims
 * and issue links in one transaction (rolled back for a dry run), by
 * ingest_load; this file reads the request and writes the answer.
 *
 * Jansson: the load owns its answer until it is handed to the response. */
#include "api/handlers.h"
#include "api/idempotency.h"
#include "api/resource.h"
#include "common/log.h"
#include "common/metrics.h"
#include "http/response.h"
#include "ingest/ingest.h"

#include <stdio.h>

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

/* --- the runner of loads and re-extractions --------------------------------
 */

static int ingest_run(void *context, db_transaction_body *body, void *closure,
                      bool transaction) {
  struct api_ingest *ingest = context;
  return api_with_connection(ingest->request, body, closure, transaction);
}

static int ingest_before(struct db_conn *conn, void *context) {
  struct api_ingest *ingest = context;
  return idempotency_claim_key(conn, ingest->request, ingest->idempotency,
                               &ingest->problem);
}

static int ingest_after(struct db_conn *conn, void *context,
                        const char *article_id, bool created,
                        const json_t *answer) {
  struct api_ingest *ingest = context;
  char location[64];
  snprintf(location, sizeof location, "/articles/%s", article_id);
  return idempotency_store(conn, ingest->idempotency, created ? 201 : 200,
                           created ? location : NULL, answer, false);
}

void api_ingest_runner(struct api_ingest *context,
                       struct ingest_runner *runner) {
  *runner = (struct ingest_runner){.run = ingest_run,
                                   .before = ingest_before,
                                   .after = ingest_after,
                                   .context = context};
}

/* The ingest's own outcomes are passed on with the runner's: they must not
   collide (ingest.h). */
_Static_assert((int)INGEST_ROLLED_BACK >= (int)API_OUTCOME_COUNT,
               "ingest outcomes collide with api_outcome");

bool api_ingest_answer(struct api_ingest *context, int outcome) {
  bool answered = true;
  if (outcome == API_REPLAYED) {
    idempotency_replay(context->request, context->idempotency, false);
  } else if (outcome == API_PROBLEM_RECORDED) {
    response_problem_answer(context->request, &context->problem);
  } else {
    answered = false;
  }
  request_problem_release(&context->problem);
  return answered;
}

/* --- the load ----------------------------------------------------------------
 */

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
static bool load_input(struct request *request, struct ingest_load *load) {
  if (request->json == NULL) {
    load->bytes = request->body;
    load->length = request->body_length;
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
  load->bytes = json_string_value(text);
  load->length = json_string_length(text);
  load->overrides = (struct ingest_overrides){
      .url = json_string_value(json_object_get(request->json, "url")),
      .title = json_string_value(json_object_get(request->json, "title")),
      .published =
          json_string_value(json_object_get(request->json, "published"))};
  return true;
}

/* Answers a load that went through (stored, found unchanged, or a dry
   run). */
static void answer_loaded(struct request *request, struct ingest_load *load,
                          bool stored) {
  bool created = stored && !load->stored.unchanged;
  if (created) {
    metrics_articles_loaded(1, (unsigned)load->result->claim_count);
  }
  char location[64];
  snprintf(location, sizeof location, "/articles/%s", load->stored.article_id);
  response_json_steal(request, created ? 201 : 200, load->answer);
  load->answer = NULL;
  if (created) {
    response_add_header(request, "Location", location);
  }
}

void articles_load_handler(struct request *request) {
  struct query_value dry_run;
  if (!api_query(request, load_params,
                 sizeof load_params / sizeof load_params[0], &dry_run)) {
    return;
  }
  struct ingest_load load = {.answer_wanted = true};
  if (!load_input(request, &load)) {
    return;
  }
  struct idempotency idempotency;
  if (!idempotency_begin(request, &idempotency)) {
    return;
  }
  load.dry_run = dry_run.present && dry_run.integer != 0;
  /* A dry run has no key: it stores nothing. */
  idempotency.active = idempotency.active && !load.dry_run;
  struct api_ingest context = {.request = request, .idempotency = &idempotency};
  struct ingest_runner runner;
  api_ingest_runner(&context, &runner);
  int outcome = ingest_load(&runner, &load);
  if (api_ingest_answer(&context, outcome)) {
    /* replayed, or the key's reuse refused */
  } else if (outcome == INGEST_REJECTED) {
    answer_extract_error(request, load.extract_status, load.error);
  } else if (outcome == INGEST_TOO_MANY_CLAIMS) {
    /* The article's size, not a passing state of the database: 413 at
       once (a dry run too), never a 503 to retry. */
    json_t *errors = json_array();
    problem_errors_add(errors, "text", load.error);
    response_problem_steal(request, PROBLEM_BODY_TOO_LARGE, load.error, errors);
  } else if (outcome == DB_OK || outcome == INGEST_ROLLED_BACK) {
    answer_loaded(request, &load, outcome == DB_OK);
  }
  idempotency_end(&idempotency);
  ingest_load_end(&load);
  ingest_memory_return();
}
