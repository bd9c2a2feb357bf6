/* Idempotency-Key on POST: a client that lost an answer (a 503 at a crash
 * may still have committed) retries with the same key and gets the first
 * answer, and nothing is made twice (README, openapi.yaml).
 *
 * Use: idempotency_begin before the write transaction; in it,
 * db_idempotency_claim first and idempotency_store last; after it,
 * idempotency_replay when the transaction returned API_REPLAYED; always
 * idempotency_end. */
#ifndef PARLEY_API_IDEMPOTENCY_H
#define PARLEY_API_IDEMPOTENCY_H

#include "api/outcome.h"
#include "db/idempotency.h"
#include "http/request.h"

#include <jansson.h>
#include <stdbool.h>

#define IDEMPOTENCY_KEY_MAX 255

struct idempotency {
  bool active; /* a key was sent and is honoured */
  char key[IDEMPOTENCY_KEY_MAX + 1];
  char key_id[24];               /* the API key's id, as text */
  char request_hash[65];         /* hex SHA-256 of content type and body */
  struct idempotency_row stored; /* the answer to replay, owned */
};

/* Reads the Idempotency-Key header of a write: true to go on (with a key
   or without), false once answered 400 (not 1-255 printable ASCII). */
bool idempotency_begin(struct request *request,
                       struct idempotency *idempotency);

/* The first statements of the write transaction: API_OK when this request
   writes (or has no key), API_REPLAYED when an answer to the same request
   is stored (after waiting for a concurrent first one to end),
   API_PROBLEM_RECORDED with `problem` (422: the key was used for another
   request), or a failure. */
int idempotency_claim_key(struct db_conn *conn, const struct request *request,
                          struct idempotency *idempotency,
                          struct request_problem *problem);

/* The last statement of the write transaction: stores the answer (`body`
   serialised as the response will be). Does nothing without a key. */
int idempotency_store(struct db_conn *conn,
                      const struct idempotency *idempotency, unsigned status,
                      const char *location, const json_t *body, bool record);

/* Answers the stored answer: its status, body and Location, an ETag when
   it is a `record`, and Idempotent-Replayed: true. */
void idempotency_replay(struct request *request,
                        const struct idempotency *idempotency, bool record);

void idempotency_end(struct idempotency *idempotency);

#endif
