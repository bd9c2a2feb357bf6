/* The handler threads (offload.h): a locked queue of tasks served by a
   fixed set of threads. */
#include "offload.h"

#include "common/clock.h"
#include "common/log.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct offload_item {
  offload_task *run;
  void *argument;
  long long queued_ms;
  struct offload_item *next;
};

struct offload {
  pthread_mutex_t lock;
  pthread_cond_t work;
  struct offload_item *head, *tail; /* under lock */
  unsigned queued, running;         /* under lock */
  bool stopping;                    /* under lock */
  unsigned thread_count;
  pthread_t *threads;
};

static void *offload_main(void *closure) {
  struct offload *offload = closure;
  pthread_mutex_lock(&offload->lock);
  for (;;) {
    while (offload->head == NULL && !offload->stopping) {
      pthread_cond_wait(&offload->work, &offload->lock);
    }
    struct offload_item *item = offload->head;
    if (item == NULL) {
      break; /* stopping, and nothing left to run */
    }
    offload->head = item->next;
    if (offload->head == NULL) {
      offload->tail = NULL;
    }
    offload->queued--;
    offload->running++;
    pthread_mutex_unlock(&offload->lock);
    item->run(item->argument, clock_monotonic_ms() - item->queued_ms);
    free(item);
    pthread_mutex_lock(&offload->lock);
    offload->running--;
  }
  pthread_mutex_unlock(&offload->lock);
  return NULL;
}

struct offload *offload_start(unsigned threads) {
  struct offload *offload = calloc(1, sizeof *offload);
  if (offload == NULL) {
    return NULL;
  }
  threads = threads < 1 ? 1 : threads > 256 ? 256 : threads;
  offload->threads = calloc(threads, sizeof *offload->threads);
  if (offload->threads == NULL) {
    free(offload);
    return NULL;
  }
  pthread_mutex_init(&offload->lock, NULL);
  pthread_cond_init(&offload->work, NULL);
  for (unsigned i = 0; i < threads; i++) {
    if (pthread_create(&offload->threads[i], NULL, offload_main, offload) !=
        0) {
      log_error("cannot start handler thread %u", i);
      offload->thread_count = i;
      offload_free(offload);
      return NULL;
    }
    offload->thread_count = i + 1;
  }
  return offload;
}

bool offload_submit(struct offload *offload, offload_task *run,
                    void *argument) {
  struct offload_item *item = malloc(sizeof *item);
  if (item == NULL) {
    return false;
  }
  *item = (struct offload_item){
      .run = run, .argument = argument, .queued_ms = clock_monotonic_ms()};
  pthread_mutex_lock(&offload->lock);
  bool accepted = !offload->stopping;
  if (accepted) {
    if (offload->tail == NULL) {
      offload->head = item;
    } else {
      offload->tail->next = item;
    }
    offload->tail = item;
    offload->queued++;
    pthread_cond_signal(&offload->work);
  }
  pthread_mutex_unlock(&offload->lock);
  if (!accepted) {
    free(item);
  }
  return accepted;
}

void offload_stop(struct offload *offload) {
  if (offload == NULL) {
    return;
  }
  pthread_mutex_lock(&offload->lock);
  bool running = !offload->stopping;
  offload->stopping = true;
  pthread_cond_broadcast(&offload->work);
  pthread_mutex_unlock(&offload->lock);
  if (!running) {
    return;
  }
  for (unsigned i = 0; i < offload->thread_count; i++) {
    pthread_join(offload->threads[i], NULL);
  }
}

void offload_free(struct offload *offload) {
  if (offload == NULL) {
    return;
  }
  offload_stop(offload);
  pthread_cond_destroy(&offload->work);
  pthread_mutex_destroy(&offload->lock);
  free(offload->threads);
  free(offload);
}

void offload_stats(struct offload *offload, unsigned *queued,
                   unsigned *running) {
  pthread_mutex_lock(&offload->lock);
  *queued = offload->queued;
  *running = offload->running;
  pthread_mutex_unlock(&offload->lock);
}
