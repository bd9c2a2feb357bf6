/* The answer of a load or a re-extraction (answer.c; ingest_answer is
 * public). Private to src/ingest/. */
#ifndef PARLEY_INGEST_ANSWER_H
#define PARLEY_INGEST_ANSWER_H

#include "ingest/ingest.h"

#include <jansson.h>

/* A dry run stores nothing, so its answer names no record by id: an id
   drawn in the rolled-back transaction never exists (and the same answer
   is given whether or not the article is stored already). Parties and
   claims keep what names them otherwise (slugs, spans). */
void answer_without_ids(json_t *answer);

#endif
