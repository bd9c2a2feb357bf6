/* GET /positions answers built once per data version and query, and shared
 * (positions_cache.h).
 *
 * The answers are a list, most recently used first, under one mutex; a
 * request holds a reference to the answer it waits for or sends, so an
 * answer evicted meanwhile is freed by whoever drops it last. */
#include "positions_cache.h"
#include "api/api.h"
#include "common/json_output.h"
#include "common/metrics.h"
#include "http/response.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct positions_answer {
  char key[64];      /* the ETag's value */
  long long version; /* the data version it was read at */
  char *text;        /* the JSON; NULL while it is being built */
  size_t length;
  bool failed;    /* its build failed: the waiting requests try again */
  bool listed;    /* in the list, which then holds one reference */
  int references; /* the list's, its builder's, its waiters', its responses' */
  struct positions_answer *newer;
  struct positions_answer *older;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
/* Broadcast when an answer is built or its build fails. */
static pthread_cond_t cache_built = PTHREAD_COND_INITIALIZER;
static struct positions_answer *cache_newest;
static struct positions_answer *cache_oldest;
static size_t cache_bytes; /* of the built answers listed */
/* Answers no one holds any more, freed once the lock is released. */
static struct positions_answer *cache_garbage;
static size_t cache_limit = 8u << 20; /* PARLEY_POSITIONS_CACHE_BYTES */

void api_set_positions_cache_bytes(size_t bytes) {
  pthread_mutex_lock(&cache_lock);
  cache_limit = bytes;
  pthread_mutex_unlock(&cache_lock);
}

/* The functions below ending in _locked run under cache_lock, taken with
   pthread_mutex_lock and given back by cache_unlock. */

static void cache_unlock(void) {
  struct positions_answer *garbage = cache_garbage;
  cache_garbage = NULL;
  pthread_mutex_unlock(&cache_lock);
  while (garbage != NULL) {
    struct positions_answer *next = garbage->older;
    free(garbage->text);
    free(garbage);
    garbage = next;
  }
}

static void answer_drop_locked(struct positions_answer *answer) {
  if (--answer->references == 0) {
    answer->older = cache_garbage;
    cache_garbage = answer;
  }
}

static void list_remove_locked(struct positions_answer *answer) {
  if (answer->newer != NULL) {
    answer->newer->older = answer->older;
  } else {
    cache_newest = answer->older;
  }
  if (answer->older != NULL) {
    answer->older->newer = answer->newer;
  } else {
    cache_oldest = answer->newer;
  }
  answer->newer = NULL;
  answer->older = NULL;
}

static void list_push_newest_locked(struct positions_answer *answer) {
  answer->older = cache_newest;
  answer->newer = NULL;
  if (cache_newest != NULL) {
    cache_newest->newer = answer;
  } else {
    cache_oldest = answer;
  }
  cache_newest = answer;
}

static void answer_unlist_locked(struct positions_answer *answer) {
  if (!answer->listed) {
    return;
  }
  list_remove_locked(answer);
  answer->listed = false;
  if (answer->text != NULL) {
    cache_bytes -= answer->length;
  }
  answer_drop_locked(answer);
}

/* Drops the built answers of data versions before `version` (no request
   asks for them once a newer one has been read), then the least recently
   used ones until the rest fit in the limit. Answers being built stay. */
static void cache_trim_locked(long long version) {
  struct positions_answer *answer = cache_oldest;
  while (answer != NULL) {
    struct positions_answer *newer = answer->newer;
    if (answer->text != NULL &&
        (answer->version < version || cache_bytes > cache_limit)) {
      answer_unlist_locked(answer);
    }
    answer = newer;
  }
}

static struct positions_answer *cache_find_locked(const char *key) {
  for (struct positions_answer *answer = cache_newest; answer != NULL;
       answer = answer->older) {
    if (strcmp(answer->key, key) == 0) {
      return answer;
    }
  }
  return NULL;
}

/* A new answer to build, listed: one reference for the list, one for the
   builder. */
static struct positions_answer *cache_add_locked(const char *key,
                                                 long long version) {
  struct positions_answer *answer = calloc(1, sizeof *answer);
  if (answer == NULL) {
    return NULL;
  }
  memcpy(answer->key, key, strlen(key) + 1);
  answer->version = version;
  answer->listed = true;
  answer->references = 2;
  list_push_newest_locked(answer);
  return answer;
}

struct positions_answer *positions_cache_get(const char *key,
                                             long long version) {
  if (key[0] == '\0' ||
      strlen(key) >= sizeof((struct positions_answer *)0)->key) {
    return NULL;
  }
  pthread_mutex_lock(&cache_lock);
  cache_trim_locked(version);
  struct positions_answer *answer = NULL;
  for (;;) {
    answer = cache_find_locked(key);
    if (answer == NULL) {
      answer = cache_add_locked(key, version);
      break;
    }
    answer->references++;
    list_remove_locked(answer);
    list_push_newest_locked(answer);
    if (answer->text != NULL) {
      metrics_positions_answer(METRICS_POSITIONS_CACHED);
      break;
    }
    while (answer->text == NULL && !answer->failed) {
      pthread_cond_wait(&cache_built, &cache_lock);
    }
    if (answer->text != NULL) {
      metrics_positions_answer(METRICS_POSITIONS_SHARED);
      break;
    }
    /* Its build failed (and it left the list): build it anew, or wait for
       another request that does. */
    answer_drop_locked(answer);
  }
  cache_unlock();
  return answer;
}

bool positions_answer_ready(const struct positions_answer *answer) {
  /* Set once, before the answer is handed to anyone but its builder. */
  return answer->text != NULL;
}

static void answer_release(void *closure) {
  pthread_mutex_lock(&cache_lock);
  answer_drop_locked(closure);
  cache_unlock();
}

void positions_cache_respond(struct request *request,
                             struct positions_answer *answer) {
  response_shared(request, 200, "application/json", answer->text,
                  answer->length, answer_release, answer);
}

void positions_cache_abandon(struct positions_answer *answer) {
  if (answer == NULL) {
    return;
  }
  pthread_mutex_lock(&cache_lock);
  answer->failed = true;
  answer_unlist_locked(answer);
  pthread_cond_broadcast(&cache_built);
  answer_drop_locked(answer);
  cache_unlock();
}

void positions_cache_respond_built(struct request *request,
                                   struct positions_answer *answer,
                                   json_t *matrix) {
  metrics_positions_answer(METRICS_POSITIONS_BUILT);
  if (answer == NULL) {
    response_json_steal(request, 200, matrix);
    return;
  }
  /* As response_json_steal writes it. */
  char *text = json_dumps(matrix, JSON_COMPACT | OUTPUT_JSON_REALS);
  json_decref(matrix);
  if (text == NULL) {
    positions_cache_abandon(answer);
    response_empty(request, 500);
    return;
  }
  pthread_mutex_lock(&cache_lock);
  answer->text = text;
  answer->length = strlen(text);
  if (answer->listed) {
    cache_bytes += answer->length;
    cache_trim_locked(answer->version);
  }
  pthread_cond_broadcast(&cache_built);
  cache_unlock();
  positions_cache_respond(request, answer);
}
