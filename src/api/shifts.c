/* GET /shifts: where a party's stance on an issue changed over time. */
#include "db/shifts.h"
#include "api/handlers.h"
#include "api/resource.h"
#include "http/response.h"

enum shift_param {
  PARAM_LIMIT,
  PARAM_CURSOR, /* second, as resource_page_answer expects */
  PARAM_PARTY,
  PARAM_ISSUE,
  PARAM_SINCE,
  PARAM_WITHIN_ARTICLE,
  PARAM_COUNT
};

static const struct query_param shift_params[PARAM_COUNT] = {
    [PARAM_LIMIT] = {"limit", QUERY_INTEGER, 1, 200, 0, NULL},
    [PARAM_CURSOR] = {"cursor", QUERY_TEXT, 0, 0, 600, NULL},
    [PARAM_PARTY] = {"party", QUERY_SLUG, 0, 0, 0, NULL},
    [PARAM_ISSUE] = {"issue", QUERY_SLUG, 0, 0, 0, NULL},
    [PARAM_SINCE] = {"since", QUERY_DATE, 0, 0, 0, NULL},
    [PARAM_WITHIN_ARTICLE] = {"within_article", QUERY_BOOLEAN, 0, 0, 0, NULL},
};

/* Jansson: the page owns its items until they go into the answer. */
struct shift_job {
  struct request *request;
  struct shifts_request list;
  struct resource_page page;
};

static int shift_read(struct db_conn *conn, void *closure, json_t **items,
                      char **next) {
  const struct shift_job *job = closure;
  return db_shifts_list(conn, &job->list, items, next);
}

static int shift_body(struct db_conn *conn, void *closure) {
  struct shift_job *job = closure;
  return resource_page_read(conn, job->request, &job->page,
                            job->list.has_cursor, shift_read, job);
}

void shifts_handler(struct request *request) {
  struct query_value values[PARAM_COUNT];
  if (!api_query(request, shift_params, PARAM_COUNT, values)) {
    return;
  }
  struct shift_job job = {.request = request, .list = {.limit = 50}};
  resource_etag_begin(&job.page.etag, shift_params, values, PARAM_COUNT);
  if (values[PARAM_LIMIT].present) {
    job.list.limit = (long)values[PARAM_LIMIT].integer;
  }
  job.list.party =
      values[PARAM_PARTY].present ? values[PARAM_PARTY].text : NULL;
  job.list.issue =
      values[PARAM_ISSUE].present ? values[PARAM_ISSUE].text : NULL;
  job.list.since =
      values[PARAM_SINCE].present ? values[PARAM_SINCE].text : NULL;
  job.list.within_article = values[PARAM_WITHIN_ARTICLE].present &&
                            values[PARAM_WITHIN_ARTICLE].integer != 0;
  if (values[PARAM_CURSOR].present &&
      db_shifts_cursor_decode(values[PARAM_CURSOR].text, &job.list) != 0) {
    response_problem(request, PROBLEM_INVALID_CURSOR,
                     "the cursor is not one this list gave out");
    return;
  }
  int outcome = api_with_connection(request, shift_body, &job, true);
  if (outcome == API_BAD_CURSOR) {
    response_problem(request, PROBLEM_INVALID_CURSOR,
                     "the cursor's position is not valid");
  } else if (outcome == DB_OK && job.page.etag.not_modified) {
    resource_etag_not_modified(request, &job.page.etag);
  } else if (outcome == DB_OK) {
    resource_page_answer(request, &job.page);
  }
  resource_page_release(&job.page);
}
