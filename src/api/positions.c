/* GET /positions and its rows and columns: where each party stands on each
 * issue (docs/DESIGN.md, "Positions and shifts").
 *
 * Jansson: the job owns `matrix` (a new reference) until it is handed to
 * the response. */
#include "db/positions.h"
#include "api/handlers.h"
#include "api/resource.h"
#include "common/slug.h"
#include "common/vocabulary.h"
#include "http/response.h"
#include "positions_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Matrices built at once. A matrix of 4,000 cells holds some 15 MB while it
   is queried, built and serialised; with more server threads than this,
   the others wait here (before taking a database connection), so memory
   stays bounded whatever PARLEY_THREADS is. */
#define POSITIONS_AT_ONCE 2

static pthread_mutex_t positions_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t positions_turn = PTHREAD_COND_INITIALIZER;
static int positions_building;

static void positions_enter(void) {
  pthread_mutex_lock(&positions_lock);
  while (positions_building >= POSITIONS_AT_ONCE) {
    pthread_cond_wait(&positions_turn, &positions_lock);
  }
  positions_building++;
  pthread_mutex_unlock(&positions_lock);
}

static void positions_leave(void) {
  pthread_mutex_lock(&positions_lock);
  positions_building--;
  pthread_cond_signal(&positions_turn);
  pthread_mutex_unlock(&positions_lock);
}

static const char *const position_depths[] = {"top", "fine", NULL};
static const char *const position_groupings[] = {"party", "speaker", NULL};

enum position_param {
  PARAM_ISSUE,
  PARAM_DEPTH,
  PARAM_PARTY,
  PARAM_BY,
  PARAM_SINCE,
  PARAM_UNTIL,
  PARAM_STANCE,
  PARAM_COUNT
};

static const struct query_param position_params[PARAM_COUNT] = {
    [PARAM_ISSUE] = {"issue", QUERY_SLUG, 0, 0, 0, NULL},
    [PARAM_DEPTH] = {"depth", QUERY_ENUM, 0, 0, 0, position_depths},
    [PARAM_PARTY] = {"party", QUERY_SLUG, 0, 0, 0, NULL},
    [PARAM_BY] = {"by", QUERY_ENUM, 0, 0, 0, position_groupings},
    [PARAM_SINCE] = {"since", QUERY_DATE, 0, 0, 0, NULL},
    [PARAM_UNTIL] = {"until", QUERY_DATE, 0, 0, 0, NULL},
    [PARAM_STANCE] = {"stance", QUERY_ENUM, 0, 0, 0, stance_names},
};

/* What a path fixes: nothing, the issue or the party. */
enum position_path { PATH_NONE, PATH_ISSUE, PATH_PARTY };

struct position_job {
  struct request *request;
  struct resource_etag etag;
  enum position_path path;
  const char *issue; /* slugs from the path or the query, or NULL */
  const char *party;
  struct positions_query query;
  char issue_id[24];
  char party_id[24];
  json_t *matrix;
};

/* A filter naming no record matches nothing: the empty matrix. */
static json_t *matrix_empty(void) {
  return json_pack("{s:[], s:[], s:[]}", "parties", "issues", "cells");
}

/* Looks up the issue filter; a miss is DB_NOT_FOUND. */
static int find_issue(struct db_conn *conn, struct position_job *job) {
  int outcome =
      db_positions_find_issue(conn, job->issue, job->issue_id,
                              sizeof job->issue_id, &job->query.issue_is_top);
  job->query.issue_id = outcome == DB_OK ? job->issue_id : NULL;
  return outcome;
}

static int find_party(struct db_conn *conn, struct position_job *job) {
  int outcome = db_positions_find_party(conn, job->party, job->party_id,
                                        sizeof job->party_id);
  job->query.party_id = outcome == DB_OK ? job->party_id : NULL;
  return outcome;
}

/* The data version, before the data (a 304 reads nothing more). */
static int position_version_body(struct db_conn *conn, void *closure) {
  struct position_job *job = closure;
  return resource_etag_check(job->request, conn, &job->etag);
}

static int position_body(struct db_conn *conn, void *closure) {
  struct position_job *job = closure;
  json_decref(job->matrix);
  job->matrix = NULL;
  /* The record of the path first: its absence is a 404, whereas a query
     filter naming no record only matches nothing. */
  int outcome = DB_OK;
  if (job->path == PATH_ISSUE) {
    outcome = find_issue(conn, job);
  } else if (job->path == PATH_PARTY) {
    outcome = find_party(conn, job);
  }
  if (outcome != DB_OK) {
    return outcome;
  }
  if (job->path != PATH_ISSUE && job->issue != NULL) {
    outcome = find_issue(conn, job);
  }
  if (outcome == DB_OK && job->path != PATH_PARTY && job->party != NULL) {
    outcome = find_party(conn, job);
  }
  if (outcome == DB_NOT_FOUND) {
    job->matrix = matrix_empty();
    outcome = job->matrix != NULL ? DB_OK : DB_HARD_ERROR;
  } else if (outcome == DB_OK) {
    outcome = db_positions_matrix(conn, &job->query, &job->matrix);
  }
  /* The version the matrix was read at, for clients and caches to key
     on. */
  if (outcome == DB_OK &&
      json_object_set_new(job->matrix, "version",
                          json_integer(strtoll(job->etag.version, NULL, 10))) !=
          0) {
    outcome = DB_HARD_ERROR;
  }
  return outcome;
}

static void positions_answer(struct request *request, enum position_path path) {
  struct query_param params[PARAM_COUNT];
  struct query_value values[PARAM_COUNT];
  size_t count = 0;
  int index_of[PARAM_COUNT];
  /* The path's own filter is not a query parameter there. */
  for (int i = 0; i < PARAM_COUNT; i++) {
    index_of[i] = -1;
    if ((path == PATH_ISSUE && i == PARAM_ISSUE) ||
        (path == PATH_PARTY && i == PARAM_PARTY)) {
      continue;
    }
    index_of[i] = (int)count;
    params[count++] = position_params[i];
  }
  if (!api_query(request, params, count, values)) {
    return;
  }
  struct position_job job = {.request = request, .path = path};
  resource_etag_begin(&job.etag, params, values, count);
  const char *text[PARAM_COUNT];
  for (int i = 0; i < PARAM_COUNT; i++) {
    text[i] = index_of[i] >= 0 && values[index_of[i]].present
                  ? values[index_of[i]].text
                  : NULL;
  }
  job.issue = path == PATH_ISSUE ? request->path_params[0] : text[PARAM_ISSUE];
  job.party = path == PATH_PARTY ? request->path_params[0] : text[PARAM_PARTY];
  job.query.fine =
      text[PARAM_DEPTH] != NULL && strcmp(text[PARAM_DEPTH], "fine") == 0;
  job.query.by_speaker =
      text[PARAM_BY] != NULL && strcmp(text[PARAM_BY], "speaker") == 0;
  job.query.since = text[PARAM_SINCE];
  job.query.until = text[PARAM_UNTIL];
  job.query.stance = text[PARAM_STANCE];
  enum problem not_found =
      path == PATH_ISSUE ? PROBLEM_ISSUE_NOT_FOUND : PROBLEM_PARTY_NOT_FOUND;
  if (path != PATH_NONE && !slug_is_valid(request->path_params[0])) {
    response_problem(request, not_found, "no %s '%.80s'",
                     path == PATH_ISSUE ? "issue" : "party",
                     request->path_params[0]);
    return;
  }
  /* The version first: the answer for it and this query is built once,
     by the first request, and shared (positions_cache.h). */
  int outcome =
      api_with_connection(request, position_version_body, &job, false);
  if (outcome != DB_OK) {
    return;
  }
  if (job.etag.not_modified) {
    resource_etag_not_modified(request, &job.etag);
    return;
  }
  struct positions_answer *answer =
      positions_cache_get(job.etag.value, strtoll(job.etag.version, NULL, 10));
  if (answer != NULL && positions_answer_ready(answer)) {
    positions_cache_respond(request, answer);
    resource_etag_add(request, &job.etag);
    return;
  }
  positions_enter();
  outcome = api_with_connection(request, position_body, &job, true);
  if (outcome == DB_NOT_FOUND) {
    response_problem(request, not_found, "no %s '%.80s'",
                     path == PATH_ISSUE ? "issue" : "party",
                     request->path_params[0]);
  } else if (outcome == DB_OK) {
    positions_cache_respond_built(request, answer, job.matrix);
    answer = NULL;
    job.matrix = NULL;
    resource_etag_add(request, &job.etag);
  }
  positions_cache_abandon(answer);
  json_decref(job.matrix);
  positions_leave();
}

void positions_handler(struct request *request) {
  positions_answer(request, PATH_NONE);
}

void issues_positions_handler(struct request *request) {
  positions_answer(request, PATH_ISSUE);
}

void parties_positions_handler(struct request *request) {
  positions_answer(request, PATH_PARTY);
}
