/* The positions matrix: parties by issues, read from the summary cells that
 * migration 004 keeps (or, with date or stance filters, counted from the
 * claims themselves).
 *
 * Jansson: db_positions_matrix gives a new reference owned by the caller. */
#ifndef PARLEY_DB_POSITIONS_H
#define PARLEY_DB_POSITIONS_H

#include "db/pool.h"

#include <jansson.h>

#include <stdbool.h>

/* What the matrix covers. Ids are the records' decimal ids (found with
   db_positions_find_issue and db_positions_find_party); NULL members are not
   filters. Dates are YYYY-MM-DD. */
struct positions_query {
  bool fine;       /* depth=fine: each issue apart */
  bool by_speaker; /* by=speaker: each speaker apart */
  const char *issue_id;
  bool issue_is_top; /* the issue filter names a top-level issue */
  const char *party_id;
  const char *since;
  const char *until;
  const char *stance;
};

/* The id of an issue by slug and whether it is top-level: DB_OK,
   DB_NOT_FOUND or a failure. */
int db_positions_find_issue(struct db_conn *conn, const char *slug, char *id,
                            size_t id_size, bool *top);
/* The id of a party by slug: DB_OK, DB_NOT_FOUND or a failure. */
int db_positions_find_party(struct db_conn *conn, const char *slug, char *id,
                            size_t id_size);

/* {"parties": [...], "issues": [...], "cells": [...]} as docs/DESIGN.md
   describes it. Runs inside a transaction (it turns JIT off for it). */
int db_positions_matrix(struct db_conn *conn,
                        const struct positions_query *query, json_t **matrix);

#endif
