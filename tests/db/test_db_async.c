/* The asynchronous reader against a real PostgreSQL (DATABASE_URL): many
   jobs from many threads, failures that stay with their job, timeouts,
   an unreachable and a hung server, and shutdown with jobs in flight. */
#include "db/async.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *database_url;

/* One job and what came back, waited for with a condition variable. */
struct probe {
  struct db_async_job job;
  char value[DB_ASYNC_STEPS_MAX][32];
  const char *values[DB_ASYNC_STEPS_MAX][1];
  enum db_status status;
  char sqlstate[6];
  char answer[64];
  bool done;
};

static pthread_mutex_t probes_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t probes_done = PTHREAD_COND_INITIALIZER;

static void probe_done(struct db_async_job *job, enum db_status status,
                       const struct db_error *error) {
  struct probe *probe = job->closure;
  pthread_mutex_lock(&probes_lock);
  probe->status = status;
  /* The answers of every step, separated by '|'. */
  size_t used = 0;
  for (int i = 0; status == DB_OK && i < job->step_count; i++) {
    PGresult *result = job->results[i];
    used +=
        (size_t)snprintf(probe->answer + used, sizeof probe->answer - used,
                         "%s%s", i > 0 ? "|" : "",
                         PQntuples(result) > 0 ? PQgetvalue(result, 0, 0) : "");
    PQclear(result);
    if (used >= sizeof probe->answer) {
      used = sizeof probe->answer - 1;
    }
  }
  if (error != NULL) {
    snprintf(probe->sqlstate, sizeof probe->sqlstate, "%s", error->sqlstate);
  }
  probe->done = true;
  pthread_cond_broadcast(&probes_done);
  pthread_mutex_unlock(&probes_lock);
}

/* Adds a step to the probe's job (a NULL value: no parameter). */
static void probe_add_step(struct probe *probe,
                           const struct db_statement *statement,
                           const char *value) {
  int step = probe->job.step_count++;
  snprintf(probe->value[step], sizeof probe->value[step], "%s",
           value ? value : "");
  probe->values[step][0] = probe->value[step];
  probe->job.steps[step] = (struct db_async_step){
      statement, value != NULL ? 1 : 0, probe->values[step]};
}

static void probe_init(struct probe *probe,
                       const struct db_statement *statement,
                       const char *value) {
  memset(probe, 0, sizeof *probe);
  probe->job.done = probe_done;
  probe->job.closure = probe;
  probe_add_step(probe, statement, value);
}

static void probe_wait(struct probe *probe) {
  pthread_mutex_lock(&probes_lock);
  while (!probe->done) {
    pthread_cond_wait(&probes_done, &probes_lock);
  }
  pthread_mutex_unlock(&probes_lock);
}

/* Submits one job and waits for its answer. */
static void probe_run(struct db_async *reader, struct probe *probe,
                      const struct db_statement *statement, const char *value) {
  probe_init(probe, statement, value);
  assert_true(db_async_submit(reader, &probe->job));
  probe_wait(probe);
}

static long long now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static const struct db_statement add_one = {"async_test_add_one",
                                            "SELECT $1::int + 1"};
static const struct db_statement divide = {"async_test_divide",
                                           "SELECT 10 / $1::int"};
static const struct db_statement broken = {"async_test_broken",
                                           "SELEKT $1::int"};
static const struct db_statement sleep_long = {"async_test_sleep",
                                               "SELECT pg_sleep($1::float8)"};
static const struct db_statement backend = {"async_test_backend",
                                            "SELECT pg_backend_pid()"};

/* --- many jobs from many threads ---------------------------------------- */

#define SUBMITTERS 4
#define JOBS_EACH 500

struct submitter {
  struct db_async *reader;
  int first;
  struct probe probes[JOBS_EACH];
};

static void *submit_many(void *closure) {
  struct submitter *submitter = closure;
  for (int i = 0; i < JOBS_EACH; i++) {
    char value[16];
    snprintf(value, sizeof value, "%d", submitter->first + i);
    probe_init(&submitter->probes[i], &add_one, value);
    if (!db_async_submit(submitter->reader, &submitter->probes[i].job)) {
      return NULL;
    }
  }
  return submitter;
}

static void test_many_jobs_from_many_threads(void **state) {
  (void)state;
  struct db_async *reader = db_async_create(database_url, 3, 5000, 0);
  assert_non_null(reader);
  static struct submitter submitters[SUBMITTERS];
  pthread_t threads[SUBMITTERS];
  for (int t = 0; t < SUBMITTERS; t++) {
    submitters[t].reader = reader;
    submitters[t].first = t * 100000;
    assert_int_equal(
        pthread_create(&threads[t], NULL, submit_many, &submitters[t]), 0);
  }
  for (int t = 0; t < SUBMITTERS; t++) {
    void *result = NULL;
    pthread_join(threads[t], &result);
    assert_non_null(result);
  }
  for (int t = 0; t < SUBMITTERS; t++) {
    for (int i = 0; i < JOBS_EACH; i++) {
      struct probe *probe = &submitters[t].probes[i];
      probe_wait(probe);
      assert_int_equal(probe->status, DB_OK);
      assert_int_equal(atoi(probe->answer), submitters[t].first + i + 1);
    }
  }
  struct db_async_stats stats;
  db_async_stats(reader, &stats);
  assert_true(stats.connected >= 1 && stats.connected <= 3);
  assert_int_equal(stats.in_flight, 0);
  assert_int_equal(stats.queued, 0);
  assert_int_equal(stats.answered, SUBMITTERS * JOBS_EACH);
  assert_int_equal(stats.failed, 0);
  db_async_destroy(reader);
}

/* --- failures stay with their job --------------------------------------- */

static void test_failures_stay_with_their_job(void **state) {
  (void)state;
  struct db_async *reader = db_async_create(database_url, 1, 5000, 0);
  assert_non_null(reader);
  /* One connection, so all six share one pipeline. */
  struct probe probes[6];
  probe_init(&probes[0], &divide, "5");
  probe_init(&probes[1], &divide, "0"); /* division by zero: 22012 */
  probe_init(&probes[2], &broken, "1"); /* a syntax error: its Prepare fails */
  probe_init(&probes[3], &divide, "2");
  probe_init(&probes[4], &broken, "2"); /* prepared again, fails again */
  probe_init(&probes[5], &add_one, "41");
  for (int i = 0; i < 6; i++) {
    assert_true(db_async_submit(reader, &probes[i].job));
  }
  for (int i = 0; i < 6; i++) {
    probe_wait(&probes[i]);
  }
  assert_int_equal(probes[0].status, DB_OK);
  assert_string_equal(probes[0].answer, "2");
  assert_int_equal(probes[1].status, DB_HARD_ERROR);
  assert_string_equal(probes[1].sqlstate, "22012");
  assert_int_equal(probes[2].status, DB_HARD_ERROR);
  assert_string_equal(probes[2].sqlstate, "42601");
  assert_int_equal(probes[3].status, DB_OK);
  assert_string_equal(probes[3].answer, "5");
  assert_int_equal(probes[4].status, DB_HARD_ERROR);
  assert_int_equal(probes[5].status, DB_OK);
  assert_string_equal(probes[5].answer, "42");
  db_async_destroy(reader);
}

/* --- jobs of two statements --------------------------------------------- */

static const struct db_statement triple = {"async_test_triple",
                                           "SELECT $1::int * 3"};

static void test_steps_answer_together(void **state) {
  (void)state;
  struct db_async *reader = db_async_create(database_url, 1, 5000, 0);
  assert_non_null(reader);
  struct probe probes[5];
  probe_init(&probes[0], &add_one, "1");
  probe_add_step(&probes[0], &divide, "5");
  probe_init(&probes[1], &add_one, "1");
  probe_add_step(&probes[1], &divide, "0"); /* the second step fails */
  probe_init(&probes[2], &divide, "0");     /* the first step fails */
  probe_add_step(&probes[2], &add_one, "1");
  /* Three steps, as a list under a record reads them. */
  probe_init(&probes[3], &add_one, "1");
  probe_add_step(&probes[3], &divide, "2");
  probe_add_step(&probes[3], &add_one, "8");
  probe_init(&probes[4], &add_one, "1");
  probe_add_step(&probes[4], &add_one, "2");
  probe_add_step(&probes[4], &divide, "0"); /* the last step fails */
  for (int i = 0; i < 5; i++) {
    assert_true(db_async_submit(reader, &probes[i].job));
  }
  for (int i = 0; i < 5; i++) {
    probe_wait(&probes[i]);
  }
  assert_int_equal(probes[0].status, DB_OK);
  assert_string_equal(probes[0].answer, "2|2");
  assert_int_equal(probes[3].status, DB_OK);
  assert_string_equal(probes[3].answer, "2|5|9");
  static const int failed[] = {1, 2, 4};
  for (size_t k = 0; k < sizeof failed / sizeof failed[0]; k++) {
    const struct probe *probe = &probes[failed[k]];
    assert_int_equal(probe->status, DB_HARD_ERROR);
    assert_string_equal(probe->sqlstate, "22012");
    assert_string_equal(probe->answer, "");
  }
  db_async_destroy(reader);
}

/* A failed step skips the Prepare of the step after it; a job behind it in
   the pipeline that counted on that statement is sent again, and
   succeeds. */
static void test_skipped_prepare_is_made_good(void **state) {
  (void)state;
  struct db_async *reader = db_async_create(database_url, 1, 5000, 0);
  assert_non_null(reader);
  struct probe busy, failing, behind;
  /* The first keeps the one connection busy, so that the next two are in
     its pipeline together. */
  probe_init(&busy, &sleep_long, "0.2");
  probe_init(&failing, &divide, "0");
  probe_add_step(&failing, &triple, "2");
  probe_init(&behind, &triple, "4");
  assert_true(db_async_submit(reader, &busy.job));
  assert_true(db_async_submit(reader, &failing.job));
  assert_true(db_async_submit(reader, &behind.job));
  probe_wait(&busy);
  probe_wait(&failing);
  probe_wait(&behind);
  assert_int_equal(busy.status, DB_OK);
  assert_string_equal(failing.sqlstate, "22012");
  assert_int_equal(behind.status, DB_OK);
  assert_string_equal(behind.answer, "12");
  db_async_destroy(reader);
}

/* Statements are known by name, not by address: a query built per request
   (a list's) is prepared once per connection. */
static void test_statements_are_known_by_name(void **state) {
  (void)state;
  struct db_async *reader = db_async_create(database_url, 1, 5000, 0);
  assert_non_null(reader);
  /* Three copies at three addresses, all alive at once. */
  struct db_statement built[3];
  for (int i = 0; i < 3; i++) {
    built[i] = (struct db_statement){"async_test_built", "SELECT $1::int * 7"};
    struct probe probe;
    probe_run(reader, &probe, &built[i], "2");
    /* A second Prepare of the name would fail with 42P05. */
    assert_int_equal(probe.status, DB_OK);
    assert_string_equal(probe.answer, "14");
  }
  db_async_destroy(reader);
}

/* --- the statement timeout ---------------------------------------------- */

static void test_statement_timeout_is_unavailable(void **state) {
  (void)state;
  struct db_async *reader = db_async_create(database_url, 1, 200, 0);
  assert_non_null(reader);
  struct probe slow, after;
  probe_init(&slow, &sleep_long, "2");
  probe_init(&after, &add_one, "1");
  long long start = now_ms();
  assert_true(db_async_submit(reader, &slow.job));
  assert_true(db_async_submit(reader, &after.job));
  probe_wait(&slow);
  probe_wait(&after);
  assert_int_equal(slow.status, DB_UNAVAILABLE);
  assert_string_equal(slow.sqlstate, "57014");
  assert_true(now_ms() - start < 1500);
  assert_int_equal(after.status, DB_OK);
  assert_string_equal(after.answer, "2");
  db_async_destroy(reader);
}

/* --- no server ------------------------------------------------------------ */

static void test_unreachable_database_fails_fast(void **state) {
  (void)state;
  /* A socket directory where no server listens. */
  struct db_async *reader = db_async_create(
      "postgresql:///parley?host=/nonexistent-parley&port=1", 2, 5000, 0);
  assert_non_null(reader);
  struct probe probe;
  probe_init(&probe, &add_one, "1");
  long long start = now_ms();
  assert_true(db_async_submit(reader, &probe.job));
  probe_wait(&probe);
  assert_int_equal(probe.status, DB_UNAVAILABLE);
  assert_true(now_ms() - start < 1000);
  db_async_destroy(reader);
}

/* --- a hung server ---------------------------------------------------------
   The backend is stopped (SIGSTOP): no answer, no reset. The job fails at
   the statement timeout plus the grace period, and the reader serves the
   next job on a new connection. */

static void test_hung_backend_is_abandoned(void **state) {
  (void)state;
  struct db_async *reader = db_async_create(database_url, 1, 300, 0);
  assert_non_null(reader);
  struct probe pid;
  probe_run(reader, &pid, &backend, NULL);
  assert_int_equal(pid.status, DB_OK);
  pid_t backend_pid = (pid_t)atoi(pid.answer);
  assert_true(backend_pid > 0);
  assert_int_equal(kill(backend_pid, SIGSTOP), 0);
  struct probe hung;
  probe_init(&hung, &add_one, "1");
  long long start = now_ms();
  assert_true(db_async_submit(reader, &hung.job));
  probe_wait(&hung);
  long long waited = now_ms() - start;
  kill(backend_pid, SIGCONT);
  assert_int_equal(hung.status, DB_UNAVAILABLE);
  assert_true(waited >= 1000 && waited < 2500); /* 300 ms + 1 s grace */
  struct probe after;
  probe_run(reader, &after, &add_one, "2");
  assert_int_equal(after.status, DB_OK);
  assert_string_equal(after.answer, "3");
  db_async_destroy(reader);
}

/* --- a lost connection ------------------------------------------------------
   The backend is terminated while a read runs on it: the read is sent once
   more on a new connection and succeeds, and so again on that one. */

static void terminate_backend(const char *pid) {
  PGconn *other = PQconnectdb(database_url);
  assert_int_equal(PQstatus(other), CONNECTION_OK);
  const char *values[] = {pid};
  PGresult *result = PQexecParams(other, "SELECT pg_terminate_backend($1::int)",
                                  1, NULL, values, NULL, NULL, 0);
  assert_int_equal(PQresultStatus(result), PGRES_TUPLES_OK);
  assert_string_equal(PQgetvalue(result, 0, 0), "t");
  PQclear(result);
  PQfinish(other);
}

static void test_lost_connection_is_retried_once(void **state) {
  (void)state;
  struct db_async *reader = db_async_create(database_url, 1, 5000, 0);
  assert_non_null(reader);
  struct probe pid;
  probe_run(reader, &pid, &backend, NULL);
  assert_int_equal(pid.status, DB_OK);
  struct probe slow;
  probe_init(&slow, &sleep_long, "0.5");
  assert_true(db_async_submit(reader, &slow.job));
  struct timespec pause = {.tv_nsec = 100 * 1000 * 1000};
  nanosleep(&pause, NULL);
  terminate_backend(pid.answer);
  probe_wait(&slow);
  assert_int_equal(slow.status, DB_OK); /* on the second connection */
  /* The connection that took over is lost in turn. */
  probe_run(reader, &pid, &backend, NULL);
  probe_init(&slow, &sleep_long, "0.5");
  assert_true(db_async_submit(reader, &slow.job));
  nanosleep(&pause, NULL);
  terminate_backend(pid.answer);
  probe_wait(&slow);
  assert_int_equal(slow.status, DB_OK);
  db_async_destroy(reader);
}

/* --- shutdown ------------------------------------------------------------- */

static void test_destroy_fails_jobs_in_flight(void **state) {
  (void)state;
  struct db_async *reader = db_async_create(database_url, 1, 5000, 0);
  assert_non_null(reader);
  struct probe warm;
  probe_run(reader, &warm, &add_one, "1");
  struct probe slow[3];
  for (int i = 0; i < 3; i++) {
    probe_init(&slow[i], &sleep_long, "3");
    assert_true(db_async_submit(reader, &slow[i].job));
  }
  long long start = now_ms();
  db_async_destroy(reader);
  assert_true(now_ms() - start < 1000);
  for (int i = 0; i < 3; i++) {
    assert_true(slow[i].done); /* called before destroy returned */
    assert_int_equal(slow[i].status, DB_UNAVAILABLE);
  }
}

int main(void) {
  database_url = getenv("DATABASE_URL");
  if (database_url == NULL || database_url[0] == '\0') {
    fprintf(stderr, "test_db_async: DATABASE_URL is not set: skipped\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many_jobs_from_many_threads),
      cmocka_unit_test(test_failures_stay_with_their_job),
      cmocka_unit_test(test_steps_answer_together),
      cmocka_unit_test(test_skipped_prepare_is_made_good),
      cmocka_unit_test(test_statements_are_known_by_name),
      cmocka_unit_test(test_statement_timeout_is_unavailable),
      cmocka_unit_test(test_unreachable_database_fails_fast),
      cmocka_unit_test(test_hung_backend_is_abandoned),
      cmocka_unit_test(test_lost_connection_is_retried_once),
      cmocka_unit_test(test_destroy_fails_jobs_in_flight),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
