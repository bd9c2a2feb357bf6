/* What a step of the API reports to the handler that runs it: one
 * vocabulary for transaction bodies, list steps and idempotency.
 *
 * The rule, single: a step returns an `int` that is either a negative
 * db_status (the database failed: DB_HARD_ERROR, DB_RETRY, DB_UNAVAILABLE,
 * passed through as the db layer gave it) or a non-negative api_outcome.
 * The first two values coincide with the db layer's DB_OK and DB_NOT_FOUND,
 * so a db function's answer can be returned as it is. Any outcome but
 * API_OK rolls a transaction back.
 *
 * Who answers: a negative db_status is answered by api_with_connection
 * (503, 409, 422 or 500, from the SQLSTATE), or for a read on the
 * asynchronous reader, which has no connection to hand, by
 * api_answer_database_error with the reader's error; every other outcome by the
 * handler, which alone writes responses. A step that finds the client's
 * mistake records it in a struct request_problem (http/request.h) and
 * returns API_PROBLEM_RECORDED; the handler answers it with
 * api_answer_problem. */
#ifndef PARLEY_API_OUTCOME_H
#define PARLEY_API_OUTCOME_H

#include "db/pool.h"

enum api_outcome {
  API_OK = DB_OK,               /* done: commit and answer */
  API_NOT_FOUND = DB_NOT_FOUND, /* the record addressed does not exist */
  API_PROBLEM_RECORDED,         /* the client's mistake, in the step's
                                   request_problem: answer it */
  API_BAD_CURSOR,               /* a cursor that decoded, but whose position
                                   does not cast (a forged date): 400 */
  API_REPLAYED,                 /* an Idempotency-Key's answer is stored:
                                   roll back and replay it */
  API_OUTCOME_COUNT             /* callers' own codes (ingest's) start above */
};

#endif
