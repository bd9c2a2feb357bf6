/* GET /positions answers shared between requests (private to src/api): an
 * answer is built once per data version and normalised query (its ETag)
 * and serialised once; requests that ask while it is being built wait for
 * it (single flight), later ones reuse its bytes until the data version
 * changes. At most PARLEY_POSITIONS_CACHE_BYTES of answers are kept, least
 * recently used first out; an answer evicted while it is being sent stays
 * alive until its last response is done.
 *
 * Jansson: positions_cache_respond_built steals the matrix. */
#ifndef PARLEY_API_POSITIONS_CACHE_H
#define PARLEY_API_POSITIONS_CACHE_H

#include "http/request.h"

#include <jansson.h>
#include <stdbool.h>

/* One answer: a reference counted, NUL-terminated JSON text. */
struct positions_answer;

/* The answer cached under `key` (an ETag, "v<version>-<hash>", which also
   names the data version `version`), waiting for a build of it in progress
   first. Returns a reference: ready to send (positions_answer_ready), or
   not, and then the caller builds it and must hand it to
   positions_cache_respond_built or positions_cache_abandon. NULL when the
   key is empty or memory is short: the caller builds without the cache. */
struct positions_answer *positions_cache_get(const char *key,
                                             long long version);

bool positions_answer_ready(const struct positions_answer *answer);

/* Answers 200 with a ready answer's bytes; steals the reference. */
void positions_cache_respond(struct request *request,
                             struct positions_answer *answer);

/* Serialises the `matrix` just built (stolen), answers 200 with it and,
   when `answer` is the one this request was to build (not NULL), keeps the
   text there for the requests waiting and those to come; steals the
   reference. */
void positions_cache_respond_built(struct request *request,
                                   struct positions_answer *answer,
                                   json_t *matrix);

/* The build failed (the caller has answered): the requests waiting for it
   try again on their own. Steals the reference; NULL is ignored. */
void positions_cache_abandon(struct positions_answer *answer);

#endif
