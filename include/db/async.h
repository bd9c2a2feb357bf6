/* The asynchronous reader: one thread with an epoll loop drives a few
 * non-blocking PostgreSQL connections in pipeline mode, so that many
 * requests' statements are in flight at once and the thread that submits
 * one never waits on a round trip.
 *
 * A job is one or two statements (each prepared on first use per connection
 * under its name, unnamed behind a transaction pooler) followed by its own
 * sync point: its statements run in order in one implicit transaction, and
 * a failed job never aborts another. Its `done` callback runs once, on the
 * loop thread, and must return quickly (keep the results, resume the
 * request); it owns the results (PQclear) and may free the job. Jobs on one
 * connection complete in the order they were sent. A job whose connection
 * is lost under it is sent once more on another: jobs must be reads. */
#ifndef PARLEY_DB_ASYNC_H
#define PARLEY_DB_ASYNC_H

#include "db/pool.h"

#include <libpq-fe.h>
#include <stdbool.h>

struct db_async;
struct db_async_job;

/* One statement of a job. Its name says what its text is: two statements
   with one name must have the same text (a query built per variant names
   each variant, as db_sql_query_exec does). */
struct db_async_step {
  const struct db_statement *statement; /* borrowed until `done` */
  int count;
  const char *const *values; /* borrowed until `done` */
};

#define DB_ASYNC_STEPS_MAX 3

/* With DB_OK, job->results holds each step's result (the callback's to
   PQclear); otherwise they are NULL and `error` says why (DB_UNAVAILABLE:
   the database is down, hung past the statement timeout, or the reader is
   shutting down; DB_RETRY; or DB_HARD_ERROR, a bug of ours, a constraint or
   a value the statement refused, with the first failing step's sqlstate). */
typedef void db_async_done(struct db_async_job *job, enum db_status status,
                           const struct db_error *error);

struct db_async_job {
  struct db_async_step steps[DB_ASYNC_STEPS_MAX];
  int step_count; /* 1..DB_ASYNC_STEPS_MAX */
  db_async_done *done;
  void *closure;
  PGresult *results[DB_ASYNC_STEPS_MAX];
  /* The reader's own from here: zero them (or leave as they are) and do
     not touch them while the job is submitted. */
  struct db_async_job *next;
  long long deadline_ms;
  int attempts;
  int step;          /* the step whose results come next */
  int expecting;     /* enum async_expecting */
  unsigned prepares; /* bit per step: a Prepare was sent before it */
  PGresult *failure; /* the first failed step's result */
  int failed_step;
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

/* What the reader is doing and has done (for GET /metrics and tests). */
struct db_async_stats {
  unsigned connected;                  /* connections open */
  unsigned in_flight;                  /* jobs sent, not yet answered */
  unsigned queued;                     /* jobs waiting for a connection */
  unsigned long long answered, failed; /* jobs done, by outcome */
};
void db_async_stats(struct db_async *reader, struct db_async_stats *stats);

#endif
