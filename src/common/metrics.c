/* Lock-free request, latency, database and loader counters, rendered in the
 * Prometheus text exposition format 0.0.4. */
#include "common/metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef PARLEY_VERSION
#define PARLEY_VERSION "unknown"
#endif
#ifndef PARLEY_GIT_COMMIT
#define PARLEY_GIT_COMMIT "unknown"
#endif

/* The statuses the API answers; anything else is counted as "other" so the
   label set stays bounded whatever a handler does. */
static const unsigned metrics_statuses[] = {200, 201, 204, 304, 400, 401,
                                            403, 404, 405, 406, 409, 412,
                                            413, 415, 422, 429, 500, 503};
#define STATUS_SLOTS (sizeof metrics_statuses / sizeof metrics_statuses[0] + 1)

/* Upper bounds of the latency buckets in microseconds (+Inf is implied). */
static const long long metrics_bounds_us[] = {
    1000,   2500,   5000,    10000,   25000,   50000,   100000,
    250000, 500000, 1000000, 2500000, 5000000, 10000000};
#define BUCKETS (sizeof metrics_bounds_us / sizeof metrics_bounds_us[0] + 1)
#define SLOTS (METRICS_MAX_ROUTES + 1)

static const char *metrics_patterns[SLOTS];
static const char *metrics_methods[SLOTS];
static atomic_ullong metrics_requests[SLOTS][STATUS_SLOTS];
/* Per bucket, not cumulative: one increment per request; the renderer sums. */
static atomic_ullong metrics_latency[SLOTS][BUCKETS];
static atomic_ullong metrics_latency_sum_us[SLOTS];
static atomic_ullong metrics_db_errors[METRICS_DB_ERROR_COUNT];
static atomic_ullong metrics_articles;
static atomic_ullong metrics_claims;
static atomic_llong metrics_start_time;
static atomic_ullong metrics_positions[METRICS_POSITIONS_SOURCE_COUNT];

static const char *const metrics_db_error_names[METRICS_DB_ERROR_COUNT] = {
    "connect", "unavailable", "retry", "integrity", "data", "other"};
static const char *const metrics_positions_names[] = {"built", "shared",
                                                      "cached"};

void metrics_route_register(unsigned index, const char *pattern,
                            const char *method) {
  if (index < METRICS_MAX_ROUTES) {
    metrics_patterns[index] = pattern;
    metrics_methods[index] = method;
  }
  long long expected = 0;
  atomic_compare_exchange_strong(&metrics_start_time, &expected,
                                 (long long)time(NULL));
}

static size_t status_slot(unsigned status) {
  size_t count = STATUS_SLOTS - 1;
  for (size_t i = 0; i < count; i++) {
    if (metrics_statuses[i] == status) {
      return i;
    }
  }
  return count;
}

void metrics_request_observe(unsigned route, unsigned status,
                             long long elapsed_us) {
  if (route > METRICS_UNMATCHED) {
    route = METRICS_UNMATCHED;
  }
  if (elapsed_us < 0) {
    elapsed_us = 0;
  }
  size_t bucket = 0;
  while (bucket < BUCKETS - 1 && elapsed_us > metrics_bounds_us[bucket]) {
    bucket++;
  }
  /* Relaxed: each counter is independent and a scrape may see them a few
     increments apart. */
  atomic_fetch_add_explicit(&metrics_requests[route][status_slot(status)], 1,
                            memory_order_relaxed);
  atomic_fetch_add_explicit(&metrics_latency[route][bucket], 1,
                            memory_order_relaxed);
  atomic_fetch_add_explicit(&metrics_latency_sum_us[route],
                            (unsigned long long)elapsed_us,
                            memory_order_relaxed);
}

void metrics_db_error(enum metrics_db_error kind) {
  if ((unsigned)kind < METRICS_DB_ERROR_COUNT) {
    atomic_fetch_add_explicit(&metrics_db_errors[kind], 1,
                              memory_order_relaxed);
  }
}

void metrics_articles_loaded(unsigned articles, unsigned claims) {
  atomic_fetch_add_explicit(&metrics_articles, articles, memory_order_relaxed);
  atomic_fetch_add_explicit(&metrics_claims, claims, memory_order_relaxed);
}

void metrics_positions_answer(enum metrics_positions_source source) {
  if (source < METRICS_POSITIONS_SOURCE_COUNT) {
    atomic_fetch_add_explicit(&metrics_positions[source], 1,
                              memory_order_relaxed);
  }
}

static unsigned long long load(atomic_ullong *counter) {
  return atomic_load_explicit(counter, memory_order_relaxed);
}

/* Label values are route patterns and fixed names; escape anyway, as the
   format requires, so a future pattern cannot break the exposition. */
static void put_label(FILE *out, const char *value) {
  for (const char *p = value; *p != '\0'; p++) {
    if (*p == '\\' || *p == '"') {
      fputc('\\', out);
      fputc(*p, out);
    } else if (*p == '\n') {
      fputs("\\n", out);
    } else {
      fputc(*p, out);
    }
  }
}

static void put_route_labels(FILE *out, size_t route) {
  fputs("route=\"", out);
  put_label(out,
            route == METRICS_UNMATCHED ? "unmatched" : metrics_patterns[route]);
  fputs("\",method=\"", out);
  put_label(out, route == METRICS_UNMATCHED ? "any" : metrics_methods[route]);
  fputc('"', out);
}

static bool route_known(size_t route) {
  return route == METRICS_UNMATCHED || metrics_patterns[route] != NULL;
}

static void render_requests(FILE *out) {
  fputs("# HELP parley_http_requests_total HTTP requests answered, by route "
        "pattern, method and status.\n"
        "# TYPE parley_http_requests_total counter\n",
        out);
  for (size_t route = 0; route < SLOTS; route++) {
    if (!route_known(route)) {
      continue;
    }
    for (size_t slot = 0; slot < STATUS_SLOTS; slot++) {
      unsigned long long count = load(&metrics_requests[route][slot]);
      if (count == 0) {
        continue;
      }
      fputs("parley_http_requests_total{", out);
      put_route_labels(out, route);
      if (slot < STATUS_SLOTS - 1) {
        fprintf(out, ",status=\"%u\"} %llu\n", metrics_statuses[slot], count);
      } else {
        fprintf(out, ",status=\"other\"} %llu\n", count);
      }
    }
  }
}

static void render_latency(FILE *out) {
  fputs("# HELP parley_http_request_duration_seconds Time from the request's "
        "first byte to its completion, by route.\n"
        "# TYPE parley_http_request_duration_seconds histogram\n",
        out);
  for (size_t route = 0; route < SLOTS; route++) {
    if (!route_known(route)) {
      continue;
    }
    unsigned long long counts[BUCKETS];
    unsigned long long total = 0;
    for (size_t bucket = 0; bucket < BUCKETS; bucket++) {
      counts[bucket] = load(&metrics_latency[route][bucket]);
      total += counts[bucket];
    }
    if (total == 0) {
      continue;
    }
    unsigned long long cumulative = 0;
    for (size_t bucket = 0; bucket < BUCKETS; bucket++) {
      cumulative += counts[bucket];
      fputs("parley_http_request_duration_seconds_bucket{", out);
      put_route_labels(out, route);
      if (bucket < BUCKETS - 1) {
        fprintf(out, ",le=\"%g\"} %llu\n",
                (double)metrics_bounds_us[bucket] / 1e6, cumulative);
      } else {
        fprintf(out, ",le=\"+Inf\"} %llu\n", cumulative);
      }
    }
    fputs("parley_http_request_duration_seconds_sum{", out);
    put_route_labels(out, route);
    fprintf(out, "} %.6f\n",
            (double)load(&metrics_latency_sum_us[route]) / 1e6);
    fputs("parley_http_request_duration_seconds_count{", out);
    put_route_labels(out, route);
    fprintf(out, "} %llu\n", cumulative);
  }
}

static void render_pools(FILE *out, const struct metrics_pool *pools,
                         size_t pool_count) {
  fputs("# HELP parley_db_pool_connections Database connections by pool and "
        "state.\n"
        "# TYPE parley_db_pool_connections gauge\n",
        out);
  for (size_t i = 0; i < pool_count; i++) {
    fprintf(out,
            "parley_db_pool_connections{pool=\"%s\",state=\"in_use\"} %u\n"
            "parley_db_pool_connections{pool=\"%s\",state=\"idle\"} %u\n",
            pools[i].name, pools[i].in_use, pools[i].name, pools[i].idle);
  }
  fputs("# HELP parley_db_pool_size Connections a pool may open.\n"
        "# TYPE parley_db_pool_size gauge\n",
        out);
  for (size_t i = 0; i < pool_count; i++) {
    fprintf(out, "parley_db_pool_size{pool=\"%s\"} %u\n", pools[i].name,
            pools[i].size);
  }
  fputs("# HELP parley_db_errors_total Failed database calls by class.\n"
        "# TYPE parley_db_errors_total counter\n",
        out);
  for (size_t kind = 0; kind < METRICS_DB_ERROR_COUNT; kind++) {
    fprintf(out, "parley_db_errors_total{class=\"%s\"} %llu\n",
            metrics_db_error_names[kind], load(&metrics_db_errors[kind]));
  }
}

static void render_reader(FILE *out, const struct metrics_reader *reader) {
  if (reader == NULL || !reader->present) {
    return;
  }
  fprintf(out,
          "# HELP parley_db_reader_connections Open connections of the "
          "asynchronous reader (single records and list pages).\n"
          "# TYPE parley_db_reader_connections gauge\n"
          "parley_db_reader_connections %u\n"
          "# HELP parley_db_reader_statements Statements of the asynchronous "
          "reader, by state.\n"
          "# TYPE parley_db_reader_statements gauge\n"
          "parley_db_reader_statements{state=\"in_flight\"} %u\n"
          "parley_db_reader_statements{state=\"queued\"} %u\n"
          "# HELP parley_db_reader_jobs_total Reads the asynchronous reader "
          "finished, by outcome (failed: the database was down, hung or "
          "refused the statement).\n"
          "# TYPE parley_db_reader_jobs_total counter\n"
          "parley_db_reader_jobs_total{outcome=\"ok\"} %llu\n"
          "parley_db_reader_jobs_total{outcome=\"failed\"} %llu\n",
          reader->connections, reader->in_flight, reader->queued,
          reader->answered, reader->failed);
}

char *metrics_render(const struct metrics_pool *pools, size_t pool_count,
                     const struct metrics_reader *reader, size_t *length) {
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  if (out == NULL) {
    return NULL;
  }
  render_requests(out);
  render_latency(out);
  render_pools(out, pools, pool_count);
  render_reader(out, reader);
  fputs("# HELP parley_positions_answers_total GET /positions answers, by "
        "how they were made.\n"
        "# TYPE parley_positions_answers_total counter\n",
        out);
  for (size_t i = 0; i < METRICS_POSITIONS_SOURCE_COUNT; i++) {
    fprintf(out, "parley_positions_answers_total{source=\"%s\"} %llu\n",
            metrics_positions_names[i], load(&metrics_positions[i]));
  }
  fprintf(out,
          "# HELP parley_articles_loaded_total Articles stored by POST "
          "/articles.\n"
          "# TYPE parley_articles_loaded_total counter\n"
          "parley_articles_loaded_total %llu\n"
          "# HELP parley_claims_loaded_total Claims extracted and stored by "
          "POST /articles.\n"
          "# TYPE parley_claims_loaded_total counter\n"
          "parley_claims_loaded_total %llu\n"
          "# HELP parley_build_info The running build.\n"
          "# TYPE parley_build_info gauge\n"
          "parley_build_info{version=\"%s\",commit=\"%s\"} 1\n"
          "# HELP parley_process_start_time_seconds Start time of the process "
          "since the epoch.\n"
          "# TYPE parley_process_start_time_seconds gauge\n"
          "parley_process_start_time_seconds %lld\n",
          load(&metrics_articles), load(&metrics_claims), PARLEY_VERSION,
          PARLEY_GIT_COMMIT, atomic_load(&metrics_start_time));
  if (fclose(out) != 0) {
    free(text);
    return NULL;
  }
  *length = size;
  return text;
}
