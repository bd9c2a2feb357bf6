/* The asynchronous reader (db/async.h): an epoll loop over pipelined,
 * non-blocking PostgreSQL connections.
 *
 * Threads: db_async_submit may be called from any thread and only touches
 * the locked `submitted` list and the eventfd; everything else (the
 * connections, the pending list, every callback) belongs to the loop
 * thread. */
#include "db/async.h"

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "connection.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define ASYNC_MAX_CONNECTIONS 64
/* Statements remembered as prepared per connection; past it, unnamed. */
#define ASYNC_PREPARED_MAX 128
/* PostgreSQL's identifiers are 63 bytes: a longer name runs unnamed. */
#define ASYNC_NAME_MAX 64
/* Jobs sent on one connection and not yet answered, at most: enough to
   keep the server busy, few enough that one slow statement delays few
   others. */
#define ASYNC_IN_FLIGHT_MAX 64
#define ASYNC_CONNECT_WAIT_MS 3000
#define ASYNC_RETRY_FIRST_MS 100
#define ASYNC_RETRY_LAST_MS 2000

/* What the next result of a job's pipeline section is. */
enum async_expecting {
  EXPECT_PREPARE, /* the Prepare's result, then its NULL */
  EXPECT_QUERY,   /* the statement's result, then its NULL */
  EXPECT_SYNC,    /* PGRES_PIPELINE_SYNC: the job is done */
};

enum async_state { CONN_DOWN, CONN_CONNECTING, CONN_READY };

struct async_conn {
  PGconn *pq;
  enum async_state state;
  int socket;                       /* registered with epoll, or -1 */
  uint32_t watching;                /* the events registered */
  struct db_async_job *head, *tail; /* sent, answered in this order */
  unsigned in_flight;
  char prepared[ASYNC_PREPARED_MAX][ASYNC_NAME_MAX]; /* by name */
  unsigned prepared_count;
  long long connect_deadline_ms;
  long long connect_started_ms; /* the last attempt, or 0 */
  long long retry_at_ms;
  unsigned retry_ms;
};

struct db_async {
  pthread_t thread;
  int epoll;
  int wake; /* eventfd: a job was submitted, or stop */
  pthread_mutex_t lock;
  struct db_async_job *submitted_head, *submitted_tail; /* under lock */
  bool stopping;                                        /* under lock */
  /* The loop thread's own. */
  struct db_async_job *pending_head, *pending_tail;
  bool closing; /* connections are being closed on purpose */
  struct db_connection_parameters parameters;
  char *database_url;
  unsigned answer_wait_ms;
  unsigned pipeline_depth; /* jobs in flight per connection */
  unsigned connection_count;
  struct async_conn connections[ASYNC_MAX_CONNECTIONS];
  atomic_uint connected, in_flight, queued;
  atomic_ullong answered, failed; /* jobs done, by outcome */
};

/* The system's reason for errno (strerror_r: strerror is not
   thread-safe). */
static const char *reason_of(int code, char *buffer, size_t size) {
  if (strerror_r(code, buffer, size) != 0) {
    snprintf(buffer, size, "error %d", code);
  }
  return buffer;
}

/* --- completion ------------------------------------------------------------
 */

/* Drops what the job has received so far: before a fresh try, or when it
   fails. */
static void job_clear_results(struct db_async_job *job) {
  for (int i = 0; i < DB_ASYNC_STEPS_MAX; i++) {
    PQclear(job->results[i]);
    job->results[i] = NULL;
  }
  PQclear(job->failure);
  job->failure = NULL;
}

static void job_fail(struct db_async *reader, struct db_async_job *job,
                     const char *why) {
  struct db_error error;
  memset(&error, 0, sizeof error);
  snprintf(error.sqlstate, sizeof error.sqlstate, "08006");
  snprintf(error.message, sizeof error.message, "%s", why);
  job_clear_results(job);
  metrics_db_error(METRICS_DB_UNAVAILABLE);
  atomic_fetch_add(&reader->failed, 1);
  job->done(job, DB_UNAVAILABLE, &error);
}

/* Hands the job its results, or its first failure. */
static void job_complete(struct db_async *reader, struct db_async_job *job,
                         PGconn *pq) {
  if (job->failure == NULL) {
    for (int i = 0; i < job->step_count; i++) {
      if (job->results[i] == NULL) {
        /* A step with no result at all: the server broke the protocol. */
        job->failure = PQmakeEmptyPGresult(pq, PGRES_FATAL_ERROR);
        job->failed_step = i;
        break;
      }
    }
  }
  if (job->failure == NULL) {
    atomic_fetch_add(&reader->answered, 1);
    job->done(job, DB_OK, NULL);
    return;
  }
  struct db_error error;
  enum db_status status = db_status_of_result(pq, job->failure, &error);
  if (status == DB_HARD_ERROR) {
    log_error("running %s: %s", job->steps[job->failed_step].statement->name,
              error.message);
  }
  job_clear_results(job);
  atomic_fetch_add(&reader->failed, 1);
  job->done(job, status, &error);
}

/* --- one connection --------------------------------------------------------
 */

/* Registers the connection's current socket for `events` (0: none). */
static void conn_watch(struct db_async *reader, struct async_conn *conn,
                       uint32_t events) {
  int socket = conn->pq != NULL ? PQsocket(conn->pq) : -1;
  if (socket != conn->socket && conn->socket >= 0) {
    /* libpq may have closed it already (a new address): ignore ENOENT. */
    (void)epoll_ctl(reader->epoll, EPOLL_CTL_DEL, conn->socket, NULL);
    conn->socket = -1;
    conn->watching = 0;
  }
  if (socket < 0 || events == 0) {
    if (conn->socket >= 0) {
      (void)epoll_ctl(reader->epoll, EPOLL_CTL_DEL, conn->socket, NULL);
    }
    conn->socket = -1;
    conn->watching = 0;
    return;
  }
  if (socket == conn->socket && events == conn->watching) {
    return;
  }
  struct epoll_event event = {.events = events, .data.ptr = conn};
  int op = socket == conn->socket ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(reader->epoll, op, socket, &event) != 0) {
    char reason[128];
    log_error("epoll_ctl on the database socket: %s",
              reason_of(errno, reason, sizeof reason));
    return;
  }
  conn->socket = socket;
  conn->watching = events;
}

/* Puts jobs retried on another connection at the front of the queue. */
static void pending_prepend(struct db_async *reader, struct db_async_job *list,
                            struct db_async_job *last) {
  if (list == NULL) {
    return;
  }
  last->next = reader->pending_head;
  reader->pending_head = list;
  if (reader->pending_tail == NULL) {
    reader->pending_tail = last;
  }
}

/* Closes the connection and fails every job sent on it with `why`; when
   the connection was `lost` (closed under us: the server restarted), a job
   not yet retried goes back to the front of the queue instead, as the
   pool gives a broken connection one fresh try (a hung server gets none:
   it would only be waited for again). A connection lost after it worked is
   opened again at once; one that could not be opened, after a back-off
   that doubles up to ASYNC_RETRY_LAST_MS. */
static void conn_fail(struct db_async *reader, struct async_conn *conn,
                      const char *why, bool lost) {
  char message[256];
  const char *detail = conn->pq != NULL ? PQerrorMessage(conn->pq) : "";
  snprintf(message, sizeof message, "%s%s%s", why, detail[0] ? ": " : "",
           detail);
  message[strcspn(message, "\n")] = '\0'; /* libpq's messages end in one */
  long long now = clock_monotonic_ms();
  if (conn->state == CONN_READY) {
    atomic_fetch_sub(&reader->connected, 1);
    if (!reader->closing) {
      log_warn("database connection closed: %s", message);
    }
    conn->retry_ms = ASYNC_RETRY_FIRST_MS;
    conn->retry_at_ms = now;
  } else {
    conn->retry_at_ms = now + conn->retry_ms;
    conn->retry_ms = conn->retry_ms * 2 > ASYNC_RETRY_LAST_MS
                         ? ASYNC_RETRY_LAST_MS
                         : conn->retry_ms * 2;
  }
  conn_watch(reader, conn, 0);
  PQfinish(conn->pq);
  conn->pq = NULL;
  conn->state = CONN_DOWN;
  conn->prepared_count = 0;
  struct db_async_job *job = conn->head;
  conn->head = conn->tail = NULL;
  atomic_fetch_sub(&reader->in_flight, conn->in_flight);
  conn->in_flight = 0;
  struct db_async_job *retry_head = NULL, *retry_tail = NULL;
  while (job != NULL) {
    struct db_async_job *next = job->next;
    if (lost && job->attempts == 0 && !reader->closing) {
      job->attempts = 1;
      job->next = NULL;
      job_clear_results(job);
      if (retry_tail == NULL) {
        retry_head = job;
      } else {
        retry_tail->next = job;
      }
      retry_tail = job;
      atomic_fetch_add(&reader->queued, 1);
    } else {
      job_fail(reader, job, message);
    }
    job = next;
  }
  pending_prepend(reader, retry_head, retry_tail);
}

static void conn_connect_start(struct db_async *reader,
                               struct async_conn *conn) {
  conn->pq = PQconnectStartParams(reader->parameters.keywords,
                                  reader->parameters.values, 1);
  if (conn->pq == NULL || PQstatus(conn->pq) == CONNECTION_BAD) {
    conn_fail(reader, conn, "cannot connect to the database", false);
    return;
  }
  conn->state = CONN_CONNECTING;
  conn->connect_started_ms = clock_monotonic_ms();
  conn->connect_deadline_ms = conn->connect_started_ms + ASYNC_CONNECT_WAIT_MS;
  conn_watch(reader, conn, EPOLLOUT);
}

static void conn_connect_continue(struct db_async *reader,
                                  struct async_conn *conn) {
  switch (PQconnectPoll(conn->pq)) {
  case PGRES_POLLING_READING:
    conn_watch(reader, conn, EPOLLIN);
    return;
  case PGRES_POLLING_WRITING:
    conn_watch(reader, conn, EPOLLOUT);
    return;
  case PGRES_POLLING_OK:
    if (!db_connection_ready(conn->pq) || PQenterPipelineMode(conn->pq) != 1) {
      conn_fail(reader, conn, "cannot use the database connection", false);
      return;
    }
    conn->state = CONN_READY;
    conn->retry_ms = ASYNC_RETRY_FIRST_MS;
    atomic_fetch_add(&reader->connected, 1);
    conn_watch(reader, conn, EPOLLIN);
    return;
  case PGRES_POLLING_FAILED:
  default:
    conn_fail(reader, conn, "cannot connect to the database", false);
    return;
  }
}

/* Sends what libpq holds; watches for writability while some is left. */
static void conn_flush(struct db_async *reader, struct async_conn *conn) {
  int unsent = PQflush(conn->pq);
  if (unsent < 0) {
    conn_fail(reader, conn, "lost the database connection", true);
    return;
  }
  conn_watch(reader, conn, unsent > 0 ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

/* The index of the statement named `name` among those prepared, or -1. */
static int conn_prepared(const struct async_conn *conn, const char *name) {
  for (unsigned i = 0; i < conn->prepared_count; i++) {
    if (strcmp(conn->prepared[i], name) == 0) {
      return (int)i;
    }
  }
  return -1;
}

static void conn_forget(struct async_conn *conn, const char *name) {
  int i = conn_prepared(conn, name);
  if (i >= 0) {
    conn->prepared_count--;
    memcpy(conn->prepared[i], conn->prepared[conn->prepared_count],
           ASYNC_NAME_MAX);
  }
}

/* Queues one step: its Prepare first when it is the connection's first
   use of the statement. */
static bool conn_send_step(struct async_conn *conn, struct db_async_job *job,
                           int index) {
  const struct db_async_step *step = &job->steps[index];
  const char *name = step->statement->name;
  /* Named when it can be (prepared once per connection); unnamed behind a
     transaction pooler, or once the connection remembers enough. */
  bool known = conn_prepared(conn, name) >= 0;
  bool named = !db_transaction_pooling_on() &&
               (known || (conn->prepared_count < ASYNC_PREPARED_MAX &&
                          strlen(name) < ASYNC_NAME_MAX));
  if (!named) {
    return PQsendQueryParams(conn->pq, step->statement->sql, step->count, NULL,
                             step->values, NULL, NULL, 0);
  }
  if (!known) {
    /* Marked now, so that the jobs behind it in the pipeline do not
       prepare it again; forgotten if the Prepare fails. */
    memcpy(conn->prepared[conn->prepared_count++], name, strlen(name) + 1);
    job->prepares |= 1u << index;
    if (!PQsendPrepare(conn->pq, name, step->statement->sql, 0, NULL)) {
      return false;
    }
  }
  return PQsendQueryPrepared(conn->pq, name, step->count, step->values, NULL,
                             NULL, 0);
}

/* Queues the job's statement and its sync point on the connection. */
static void conn_send(struct db_async *reader, struct async_conn *conn,
                      struct db_async_job *job) {
  job->prepares = 0;
  bool sent = true;
  for (int i = 0; sent && i < job->step_count; i++) {
    sent = conn_send_step(conn, job, i);
  }
  sent = sent && PQpipelineSync(conn->pq);
  job->step = 0;
  job->expecting = job->prepares & 1u ? EXPECT_PREPARE : EXPECT_QUERY;
  job->next = NULL;
  if (conn->head == NULL) {
    conn->head = job;
    job->deadline_ms = clock_monotonic_ms() + reader->answer_wait_ms;
  } else {
    conn->tail->next = job;
  }
  conn->tail = job;
  conn->in_flight++;
  atomic_fetch_add(&reader->in_flight, 1);
  if (!sent) {
    conn_fail(reader, conn, "cannot send to the database", true);
    return;
  }
  conn_flush(reader, conn);
}

/* Keeps the first failure of a job's steps; the pipeline aborts the rest. */
static void job_keep_failure(struct db_async_job *job, PGresult *result) {
  if (job->failure == NULL) {
    job->failure = result;
    job->failed_step = job->step;
  } else {
    PQclear(result);
  }
}

/* True when the job failed only because a statement it counted on being
   prepared was not: the Prepare sent by a job ahead of it in the pipeline
   was skipped when that job failed. The name is forgotten and the job gets
   one more try, which prepares it. */
static bool job_lost_its_statement(struct async_conn *conn,
                                   struct db_async_job *job) {
  if (job->failure == NULL || job->attempts > 0) {
    return false;
  }
  const char *sqlstate = PQresultErrorField(job->failure, PG_DIAG_SQLSTATE);
  if (sqlstate == NULL || strcmp(sqlstate, "26000") != 0) {
    return false;
  }
  conn_forget(conn, job->steps[job->failed_step].statement->name);
  return true;
}

/* Takes every result that has arrived, completing jobs in order. */
static void conn_collect(struct db_async *reader, struct async_conn *conn) {
  while (conn->head != NULL && !PQisBusy(conn->pq)) {
    struct db_async_job *job = conn->head;
    PGresult *result = PQgetResult(conn->pq);
    if (PQstatus(conn->pq) == CONNECTION_BAD) {
      /* The server closed it (a restart, a terminated backend): the job
         gets its one fresh try on another connection. */
      PQclear(result);
      conn_fail(reader, conn, "lost the database connection", true);
      return;
    }
    switch ((enum async_expecting)job->expecting) {
    case EXPECT_PREPARE:
      if (result == NULL) {
        job->expecting = EXPECT_QUERY;
      } else if (PQresultStatus(result) != PGRES_COMMAND_OK) {
        conn_forget(conn, job->steps[job->step].statement->name);
        job_keep_failure(job, result);
      } else {
        PQclear(result);
      }
      break;
    case EXPECT_QUERY:
      if (result == NULL) {
        job->step++;
        job->expecting = job->step == job->step_count        ? EXPECT_SYNC
                         : job->prepares & (1u << job->step) ? EXPECT_PREPARE
                                                             : EXPECT_QUERY;
      } else if (job->results[job->step] != NULL || job->failure != NULL) {
        PQclear(result); /* PGRES_PIPELINE_ABORTED after a failure */
      } else if (PQresultStatus(result) == PGRES_TUPLES_OK ||
                 PQresultStatus(result) == PGRES_COMMAND_OK) {
        job->results[job->step] = result;
      } else {
        job_keep_failure(job, result);
      }
      break;
    case EXPECT_SYNC:
      if (result == NULL || PQresultStatus(result) != PGRES_PIPELINE_SYNC) {
        PQclear(result);
        conn_fail(reader, conn, "unexpected answer from the database", false);
        return;
      }
      PQclear(result);
      conn->head = job->next;
      if (conn->head == NULL) {
        conn->tail = NULL;
      } else {
        /* The server starts on the next one now. */
        conn->head->deadline_ms = clock_monotonic_ms() + reader->answer_wait_ms;
      }
      conn->in_flight--;
      atomic_fetch_sub(&reader->in_flight, 1);
      if (job_lost_its_statement(conn, job)) {
        job->attempts = 1;
        job_clear_results(job);
        job->next = NULL;
        pending_prepend(reader, job, job);
        atomic_fetch_add(&reader->queued, 1);
        break;
      }
      job_complete(reader, job, conn->pq);
      break;
    }
  }
}

static void conn_ready_io(struct db_async *reader, struct async_conn *conn,
                          uint32_t events) {
  if (events & EPOLLOUT) {
    conn_flush(reader, conn);
    if (conn->state != CONN_READY) {
      return;
    }
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
    if (PQconsumeInput(conn->pq) == 0) {
      conn_fail(reader, conn, "lost the database connection", true);
      return;
    }
    conn_collect(reader, conn);
    if (conn->state == CONN_READY && conn->head == NULL &&
        PQstatus(conn->pq) != CONNECTION_OK) {
      conn_fail(reader, conn, "lost the database connection", true);
    }
  }
}

/* --- the loop --------------------------------------------------------------
 */

static void pending_append(struct db_async *reader, struct db_async_job *list,
                           struct db_async_job *last) {
  if (list == NULL) {
    return;
  }
  if (reader->pending_tail == NULL) {
    reader->pending_head = list;
  } else {
    reader->pending_tail->next = list;
  }
  reader->pending_tail = last;
}

static struct db_async_job *pending_take(struct db_async *reader) {
  struct db_async_job *job = reader->pending_head;
  if (job != NULL) {
    reader->pending_head = job->next;
    if (reader->pending_head == NULL) {
      reader->pending_tail = NULL;
    }
    atomic_fetch_sub(&reader->queued, 1);
  }
  return job;
}

/* The least loaded usable connection, or NULL. */
static struct async_conn *conn_for_next_job(struct db_async *reader) {
  struct async_conn *best = NULL;
  for (unsigned i = 0; i < reader->connection_count; i++) {
    struct async_conn *conn = &reader->connections[i];
    if (conn->state == CONN_READY && conn->in_flight < reader->pipeline_depth &&
        (best == NULL || conn->in_flight < best->in_flight)) {
      best = conn;
    }
  }
  return best;
}

/* Jobs wait for a connection being opened, or about to be; with none,
   they fail at once (503), as the pool's do, rather than at their
   deadline. */
#define ASYNC_WAIT_FOR_RETRY_MS 250

static bool reader_may_connect_soon(const struct db_async *reader) {
  long long soon = clock_monotonic_ms() + ASYNC_WAIT_FOR_RETRY_MS;
  for (unsigned i = 0; i < reader->connection_count; i++) {
    const struct async_conn *conn = &reader->connections[i];
    if (conn->state != CONN_DOWN || conn->retry_at_ms <= soon) {
      return true;
    }
  }
  return false;
}

/* A read arrived with nothing open: one connection is tried at once,
   whatever its back-off says (at most every ASYNC_RETRY_FIRST_MS), so that
   the first reads after an outage find the database back. */
static void reader_connect_on_demand(struct db_async *reader) {
  long long now = clock_monotonic_ms();
  for (unsigned i = 0; i < reader->connection_count; i++) {
    struct async_conn *conn = &reader->connections[i];
    if (conn->state != CONN_DOWN) {
      return; /* open or opening already */
    }
  }
  for (unsigned i = 0; i < reader->connection_count; i++) {
    struct async_conn *conn = &reader->connections[i];
    if (now - conn->connect_started_ms >= ASYNC_RETRY_FIRST_MS) {
      conn_connect_start(reader, conn);
      return;
    }
  }
}

static void reader_dispatch(struct db_async *reader) {
  if (reader->pending_head != NULL) {
    reader_connect_on_demand(reader);
  }
  while (reader->pending_head != NULL) {
    struct async_conn *conn = conn_for_next_job(reader);
    if (conn != NULL) {
      conn_send(reader, conn, pending_take(reader));
    } else if (!reader_may_connect_soon(reader)) {
      job_fail(reader, pending_take(reader), "the database cannot be reached");
    } else {
      return; /* full, or opening: the jobs wait their turn */
    }
  }
}

/* Connections past a deadline, and down ones whose back-off is over. */
static void reader_check_time(struct db_async *reader) {
  long long now = clock_monotonic_ms();
  for (unsigned i = 0; i < reader->connection_count; i++) {
    struct async_conn *conn = &reader->connections[i];
    if (conn->state == CONN_CONNECTING && now >= conn->connect_deadline_ms) {
      conn_fail(reader, conn, "no answer from the database while connecting",
                false);
    } else if (conn->state == CONN_READY && conn->head != NULL &&
               now >= conn->head->deadline_ms) {
      /* A hung server: PQcancel would connect to it and hang too. */
      conn_fail(reader, conn, "no answer from the database in time", false);
    } else if (conn->state == CONN_DOWN && now >= conn->retry_at_ms) {
      conn_connect_start(reader, conn);
    }
  }
  while (reader->pending_head != NULL &&
         now >= reader->pending_head->deadline_ms) {
    job_fail(reader, pending_take(reader), "no database connection in time");
  }
}

/* Milliseconds until the next deadline (for epoll_wait), -1 for none. */
static int reader_wait_ms(const struct db_async *reader) {
  long long next = -1;
  for (unsigned i = 0; i < reader->connection_count; i++) {
    const struct async_conn *conn = &reader->connections[i];
    long long at = conn->state == CONN_CONNECTING ? conn->connect_deadline_ms
                   : conn->state == CONN_DOWN     ? conn->retry_at_ms
                   : conn->head != NULL           ? conn->head->deadline_ms
                                                  : -1;
    if (at >= 0 && (next < 0 || at < next)) {
      next = at;
    }
  }
  if (reader->pending_head != NULL &&
      (next < 0 || reader->pending_head->deadline_ms < next)) {
    next = reader->pending_head->deadline_ms;
  }
  if (next < 0) {
    return -1;
  }
  long long left = next - clock_monotonic_ms();
  return left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

/* Moves submitted jobs to the pending list; true when stopping. */
static bool reader_take_submitted(struct db_async *reader) {
  uint64_t count;
  while (read(reader->wake, &count, sizeof count) > 0) {
  }
  pthread_mutex_lock(&reader->lock);
  struct db_async_job *list = reader->submitted_head;
  struct db_async_job *last = reader->submitted_tail;
  reader->submitted_head = reader->submitted_tail = NULL;
  bool stopping = reader->stopping;
  pthread_mutex_unlock(&reader->lock);
  pending_append(reader, list, last);
  return stopping;
}

static void reader_fail_everything(struct db_async *reader) {
  reader->closing = true;
  for (unsigned i = 0; i < reader->connection_count; i++) {
    struct async_conn *conn = &reader->connections[i];
    if (conn->state != CONN_DOWN || conn->head != NULL) {
      conn_fail(reader, conn, "the service is shutting down", false);
    }
  }
  struct db_async_job *job;
  while ((job = pending_take(reader)) != NULL) {
    job_fail(reader, job, "the service is shutting down");
  }
}

static void *reader_main(void *closure) {
  struct db_async *reader = closure;
  struct epoll_event events[32];
  for (;;) {
    int count = epoll_wait(reader->epoll, events, 32, reader_wait_ms(reader));
    if (count < 0 && errno != EINTR) {
      char reason[128];
      log_error("epoll_wait: %s", reason_of(errno, reason, sizeof reason));
    }
    bool stopping = false;
    for (int i = 0; i < count; i++) {
      struct async_conn *conn = events[i].data.ptr;
      if (conn == NULL) {
        stopping |= reader_take_submitted(reader);
      } else if (conn->state == CONN_CONNECTING) {
        conn_connect_continue(reader, conn);
      } else if (conn->state == CONN_READY) {
        conn_ready_io(reader, conn, events[i].events);
      }
    }
    if (stopping) {
      reader_fail_everything(reader);
      return NULL;
    }
    reader_check_time(reader);
    reader_dispatch(reader);
  }
}

/* --- the interface -----------------------------------------------------------
 */

struct db_async *db_async_create(const char *database_url, unsigned connections,
                                 unsigned statement_timeout_ms,
                                 unsigned pipeline_depth) {
  struct db_async *reader = calloc(1, sizeof *reader);
  if (reader == NULL) {
    return NULL;
  }
  reader->epoll = -1;
  reader->wake = -1;
  reader->database_url = strdup(database_url);
  reader->connection_count = connections < 1 ? 1
                             : connections > ASYNC_MAX_CONNECTIONS
                                 ? ASYNC_MAX_CONNECTIONS
                                 : connections;
  reader->answer_wait_ms = statement_timeout_ms + DB_ANSWER_GRACE_MS;
  reader->pipeline_depth =
      pipeline_depth == 0 || pipeline_depth > ASYNC_IN_FLIGHT_MAX
          ? ASYNC_IN_FLIGHT_MAX
          : pipeline_depth;
  pthread_mutex_init(&reader->lock, NULL);
  for (unsigned i = 0; i < reader->connection_count; i++) {
    reader->connections[i].socket = -1;
    reader->connections[i].retry_ms = ASYNC_RETRY_FIRST_MS;
  }
  reader->epoll = epoll_create1(EPOLL_CLOEXEC);
  reader->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
  if (reader->database_url == NULL || reader->epoll < 0 || reader->wake < 0 ||
      epoll_ctl(reader->epoll, EPOLL_CTL_ADD, reader->wake, &event) != 0) {
    char reason[128];
    log_error("cannot start the database reader: %s",
              reason_of(errno, reason, sizeof reason));
    goto fail;
  }
  db_connection_parameters_init(&reader->parameters, reader->database_url,
                                statement_timeout_ms);
  /* Connections open on the loop's first turn (their retry time is 0). */
  if (pthread_create(&reader->thread, NULL, reader_main, reader) != 0) {
    log_error("cannot start the database reader's thread");
    goto fail;
  }
  return reader;
fail:
  if (reader->epoll >= 0) {
    close(reader->epoll);
  }
  if (reader->wake >= 0) {
    close(reader->wake);
  }
  pthread_mutex_destroy(&reader->lock);
  free(reader->database_url);
  free(reader);
  return NULL;
}

static void reader_wake(struct db_async *reader) {
  uint64_t one = 1;
  /* Only fails when the counter is saturated, i.e. already awake. */
  (void)!write(reader->wake, &one, sizeof one);
}

bool db_async_submit(struct db_async *reader, struct db_async_job *job) {
  job->next = NULL;
  job->attempts = 0;
  /* The callback took the results of an earlier submission. */
  memset(job->results, 0, sizeof job->results);
  job->failure = NULL;
  job->deadline_ms = clock_monotonic_ms() + reader->answer_wait_ms;
  pthread_mutex_lock(&reader->lock);
  bool accepted = !reader->stopping;
  if (accepted) {
    if (reader->submitted_tail == NULL) {
      reader->submitted_head = job;
    } else {
      reader->submitted_tail->next = job;
    }
    reader->submitted_tail = job;
    atomic_fetch_add(&reader->queued, 1);
  }
  pthread_mutex_unlock(&reader->lock);
  if (accepted) {
    reader_wake(reader);
  }
  return accepted;
}

void db_async_stop(struct db_async *reader) {
  if (reader == NULL) {
    return;
  }
  pthread_mutex_lock(&reader->lock);
  bool running = !reader->stopping;
  reader->stopping = true;
  pthread_mutex_unlock(&reader->lock);
  if (running) {
    reader_wake(reader);
    pthread_join(reader->thread, NULL);
  }
}

void db_async_destroy(struct db_async *reader) {
  if (reader == NULL) {
    return;
  }
  db_async_stop(reader);
  close(reader->epoll);
  close(reader->wake);
  pthread_mutex_destroy(&reader->lock);
  free(reader->database_url);
  free(reader);
}

void db_async_stats(struct db_async *reader, struct db_async_stats *stats) {
  stats->connected = atomic_load(&reader->connected);
  stats->in_flight = atomic_load(&reader->in_flight);
  stats->queued = atomic_load(&reader->queued);
  stats->answered = atomic_load(&reader->answered);
  stats->failed = atomic_load(&reader->failed);
}
