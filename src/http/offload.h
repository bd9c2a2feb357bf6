/* The threads that run handlers which wait on the database, so that the
   libmicrohttpd workers never do: a fixed set of threads and a queue.
   Private to src/http (the daemon's). */
#ifndef PARLEY_HTTP_OFFLOAD_H
#define PARLEY_HTTP_OFFLOAD_H

#include <stdbool.h>

struct offload;

/* A task: `run(argument, waited_ms)` on one of the threads; `waited_ms`
   is how long it queued. */
typedef void offload_task(void *argument, long long waited_ms);

/* Starts `threads` threads (1..256); NULL when they cannot start. */
struct offload *offload_start(unsigned threads);

/* Queues a task; any thread. False once stopping (the task is not run). */
bool offload_submit(struct offload *offload, offload_task *run, void *argument);

/* Refuses new tasks, runs what is queued and joins the threads; the
   struct stays valid (offload_submit then answers false). Idempotent. */
void offload_stop(struct offload *offload);

/* Stops if need be, and frees. */
void offload_free(struct offload *offload);

/* Tasks queued and tasks running (for tests and metrics). */
void offload_stats(struct offload *offload, unsigned *queued,
                   unsigned *running);

#endif
