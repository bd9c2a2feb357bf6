/* Shifts: consecutive claims of a party on an issue (by stated_on, then
 * id) whose stances differ, newest first, keyset-paginated.
 *
 * Jansson: db_shifts_list gives a new reference owned by the caller. */
#ifndef PARLEY_DB_SHIFTS_H
#define PARLEY_DB_SHIFTS_H

#include "db/pool.h"

#include <jansson.h>
#include <stdbool.h>

struct shifts_request {
  const char *party;   /* slug, or NULL */
  const char *issue;   /* slug (with its sub-issues), or NULL */
  const char *since;   /* YYYY-MM-DD: shifts whose later claim is on or after */
  bool within_article; /* show changes between claims of one article too */
  long limit;
  bool has_cursor;
  char cursor_date[16]; /* the later claim's date, or "-infinity" */
  char cursor_id[24];   /* the later claim's id */
  char cursor_issue[24];
};

/* Decodes an opaque cursor into `request`; -1 when it is not one that
   db_shifts_list gave out. */
int db_shifts_cursor_decode(const char *cursor, struct shifts_request *request);

/* One page: *items gets the shifts, *next a cursor (malloc'd) or NULL.
   Runs inside a transaction (it turns JIT off for it). */
int db_shifts_list(struct db_conn *conn, const struct shifts_request *request,
                   json_t **items, char **next);

#endif
