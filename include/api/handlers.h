/* Route handlers, one group per resource file in src/api/. */
#ifndef PARLEY_API_HANDLERS_H
#define PARLEY_API_HANDLERS_H

#include "http/request.h"

void parties_list_handler(struct request *request);
void parties_create_handler(struct request *request);
void parties_read_handler(struct request *request);
void parties_patch_handler(struct request *request);
void parties_delete_handler(struct request *request);
void parties_claims_handler(struct request *request);

void issues_list_handler(struct request *request);
void issues_create_handler(struct request *request);
void issues_read_handler(struct request *request);
void issues_patch_handler(struct request *request);
void issues_delete_handler(struct request *request);
void issues_claims_handler(struct request *request);

void claims_list_handler(struct request *request);
void claims_create_handler(struct request *request);
void claims_read_handler(struct request *request);
void claims_patch_handler(struct request *request);
void claims_delete_handler(struct request *request);

void articles_list_handler(struct request *request);
void articles_read_handler(struct request *request);
void articles_patch_handler(struct request *request);
void articles_delete_handler(struct request *request);
void articles_claims_handler(struct request *request);
void articles_load_handler(struct request *request);      /* articles_load.c */
void articles_reextract_handler(struct request *request); /* reextract.c */

void positions_handler(struct request *request); /* positions.c */
void issues_positions_handler(struct request *request);
void parties_positions_handler(struct request *request);
void shifts_handler(struct request *request); /* shifts.c */

void service_healthz_handler(struct request *request);
void service_readyz_handler(struct request *request);
void service_openapi_handler(struct request *request);
void service_metrics_handler(struct request *request);

/* The web page (static.c). */
void static_index_handler(struct request *request);
void static_load_handler(struct request *request);
void static_docs_handler(struct request *request);
void static_file_handler(struct request *request);

/* Shared query-parameter tables of claim lists (claims.c). */
#include "http/request.h"
extern const struct query_param claims_list_params[];
extern const size_t claims_list_param_count;
/* Copies the claims parameters less the one named `without`. */
size_t claims_params_without(const char *without, struct query_param *out);

/* How a load or a re-extraction reaches the database (articles_load.c):
   api_with_connection, with the request's Idempotency-Key claimed before
   the store and the answer kept after it, in its transaction. A refused
   claim is recorded in `problem` (API_PROBLEM_RECORDED); the handler
   answers it, and a replay, with api_ingest_answer. */
struct idempotency;
struct ingest_runner;
struct api_ingest {
  struct request *request;
  struct idempotency *idempotency;
  struct request_problem problem;
};
void api_ingest_runner(struct api_ingest *context,
                       struct ingest_runner *runner);
/* Answers API_REPLAYED (the stored answer) and API_PROBLEM_RECORDED, and
   releases the context's problem; true when `outcome` was one of them. */
bool api_ingest_answer(struct api_ingest *context, int outcome);

#endif
