/* The asynchronous reader: one thread with an epoll loop drives a few
 * non-blocking PostgreSQL connections in pipeline mode, so that many
 * requests' statements are in flight at once and the thread that submits
 * one never waits on a round trip.
 *
 * A job is one statement (prepared on first use per connection, unnamed
 * behind a transaction pooler) followed by its own sync point, so a failed
 * job never aborts another. Its `done` callback runs once, on the loop
 * thread, and must return quickly (store the result, resume the request):
 * it owns the result (PQclear) and may free the job. Jobs on one connection
 * complete in the order they were sent. A job whose connection is lost
 * under it is sent once more on another: jobs must be reads. */
#ifndef PARLEY_DB_ASYNC_H
#define PARLEY_DB_ASYNC_H

#include "db/pool.h"

#include <libpq-fe.h>
#include <stdbool.h>

struct db_async;
struct db_async_job;

/* `result` is the statement's result when `status` is DB_OK, else NULL with
   `error` saying why (DB_UNAVAILABLE: the database is down, hung past the
   statement timeout, or the reader is shutting down; DB_RETRY; or
   DB_HARD_ERROR, a bug of ours or a constraint). */
typedef void db_async_done(struct db_async_job *job, PGresult *result,
                           enum db_status status, const struct db_error *error);

struct db_async_job {
  const struct db_statement *statement; /* borrowed: static */
  int count;
  const char *const *values; /* borrowed until `done` */
  db_async_done *done;
  void *closure;
  /* The reader's own from here: zero them (or leave as they are) and do
     not touch them while the job is submitted. */
  struct db_async_job *next;
  long long deadline_ms;
  int attempts;
  int expecting;
  PGresult *result;
};

/* Starts the reader's thread with `connections` connections (1..64),
   each carrying at most `pipeline_depth` jobs at once (1: no pipelining,
   for a transaction pooler that cannot follow one; 0: the default, 64).
   NULL (logged) when the thread cannot start; an unreachable database is
   not an error here, jobs then fail with DB_UNAVAILABLE. */
struct db_async *db_async_create(const char *database_url, unsigned connections,
                                 unsigned statement_timeout_ms,
                                 unsigned pipeline_depth);

/* Fails every job not yet done with DB_UNAVAILABLE (their callbacks run
   before it returns) and stops the thread; later submissions are refused.
   Idempotent. */
void db_async_stop(struct db_async *reader);

/* Stops the reader if need be and frees it. */
void db_async_destroy(struct db_async *reader);

/* Queues a job; any thread. Its callback may run before this returns
   (on the loop thread). False when the reader is shutting down: then
   the callback is not called. */
bool db_async_submit(struct db_async *reader, struct db_async_job *job);

/* Connections open and jobs in flight (for GET /metrics and tests). */
void db_async_stats(struct db_async *reader, unsigned *connected,
                    unsigned *in_flight, unsigned *queued);

#endif
