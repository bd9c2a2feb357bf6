/* Reads and validates the service configuration from the environment. */
#include "common/config.h"

#include "common/log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* getenv is only called here, before any thread starts. */
static const char *environment_value(const char *name) {
  const char *value = getenv(name); // NOLINT(concurrency-mt-unsafe)
  return value != NULL && value[0] != '\0' ? value : NULL;
}

/* Server threads by default: two per CPU. Each blocks for the whole round
   trip of its queries, so with one per CPU the database waits on too few
   requests (bench/README.md: 4 threads serve 15-30% more point reads than
   2 on 2 CPUs). */
static unsigned long default_threads(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 1) {
    return 2;
  }
  return cpus > 32 ? 64 : 2 * (unsigned long)cpus;
}

static int parse_unsigned(const char *name, unsigned long minimum,
                          unsigned long maximum, unsigned long fallback,
                          unsigned long *out, char *error, size_t error_size) {
  const char *text = environment_value(name);
  if (text == NULL) {
    *out = fallback;
    return 0;
  }
  char *end = NULL;
  errno = 0;
  unsigned long value = strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' ||
      value < minimum || value > maximum) {
    snprintf(error, error_size,
             "%s must be an integer from %lu to %lu, not '%s'", name, minimum,
             maximum, text);
    return -1;
  }
  *out = value;
  return 0;
}

int config_from_environment(struct config *config, char *error,
                            size_t error_size) {
  memset(config, 0, sizeof *config);
  unsigned long value = 0;
  const char *url = environment_value("DATABASE_URL");
  config->database_url =
      strdup(url != NULL ? url : CONFIG_DEFAULT_DATABASE_URL);
  const char *origins = environment_value("PARLEY_CORS_ORIGINS");
  config->cors_origins = strdup(origins != NULL ? origins : "*");
  /* Reads that may lag (a streaming replica); unset means the primary. */
  const char *read_url = environment_value("DATABASE_READ_URL");
  if (read_url != NULL) {
    config->database_read_url = strdup(read_url);
    if (config->database_read_url == NULL) {
      snprintf(error, error_size, "out of memory");
      return -1;
    }
  }
  if (config->database_url == NULL || config->cors_origins == NULL) {
    snprintf(error, error_size, "out of memory");
    return -1;
  }
  if (parse_unsigned("PORT", 0, 65535, 8080, &value, error, error_size) != 0) {
    return -1;
  }
  config->port = (unsigned)value;
  if (parse_unsigned("PARLEY_BODY_LIMIT", 1024, 1UL << 30, 2UL << 20, &value,
                     error, error_size) != 0) {
    return -1;
  }
  config->body_limit = value;
  if (parse_unsigned("PARLEY_THREADS", 1, 256, default_threads(), &value, error,
                     error_size) != 0) {
    return -1;
  }
  config->threads = (unsigned)value;
  if (parse_unsigned("PARLEY_DB_POOL", 1, 256, config->threads * 2UL, &value,
                     error, error_size) != 0) {
    return -1;
  }
  config->pool_size = (unsigned)value;
  if (parse_unsigned("PARLEY_DB_READERS", 0, 64, 6, &value, error,
                     error_size) != 0) {
    return -1;
  }
  config->reader_connections = (unsigned)value;
  /* Shallow pipelines: a job waits in the reader's one queue for the first
     connection with room rather than behind a slow one (a page of a big
     list, a backend descheduled); 4 was as fast as 64 and cut the p99 of
     bench/run.sh's point reads from 30-220 ms to 15-22 ms. */
  if (parse_unsigned("PARLEY_DB_READER_DEPTH", 1, 64, 4, &value, error,
                     error_size) != 0) {
    return -1;
  }
  config->reader_depth = (unsigned)value;
  if (parse_unsigned("PARLEY_STATEMENT_TIMEOUT_MS", 10, 600000, 5000, &value,
                     error, error_size) != 0) {
    return -1;
  }
  config->statement_timeout_ms = (unsigned)value;
  if (parse_unsigned("PARLEY_CONNECTION_TIMEOUT", 1, 3600, 30, &value, error,
                     error_size) != 0) {
    return -1;
  }
  config->connection_timeout_s = (unsigned)value;
  if (parse_unsigned("PARLEY_HEADER_TIMEOUT", 1, 3600, 10, &value, error,
                     error_size) != 0) {
    return -1;
  }
  config->header_timeout_s = (unsigned)value;
  if (parse_unsigned("PARLEY_MAX_CONNECTIONS_PER_IP", 0, 1024, 64, &value,
                     error, error_size) != 0) {
    return -1;
  }
  config->max_connections_per_ip = (unsigned)value;
  if (parse_unsigned("PARLEY_DRAIN_SECONDS", 0, 600, 10, &value, error,
                     error_size) != 0) {
    return -1;
  }
  config->drain_seconds = (unsigned)value;
  /* A few default matrices (2.3 MB each at 100,000 claims). */
  if (parse_unsigned("PARLEY_POSITIONS_CACHE_BYTES", 0, 1UL << 30, 8UL << 20,
                     &value, error, error_size) != 0) {
    return -1;
  }
  config->positions_cache_bytes = value;
  if (parse_unsigned("PARLEY_DB_TRANSACTION_POOLING", 0, 1, 0, &value, error,
                     error_size) != 0) {
    return -1;
  }
  config->transaction_pooling = value == 1;
  if (parse_unsigned("PARLEY_HANDLER_THREADS", 0, 1, 1, &value, error,
                     error_size) != 0) {
    return -1;
  }
  config->handler_threads = value == 1;
  const char *level = environment_value("PARLEY_LOG_LEVEL");
  config->log_level = level != NULL ? log_level_parse(level) : LOG_INFO;
  if (config->log_level < 0) {
    snprintf(error, error_size,
             "PARLEY_LOG_LEVEL must be debug, info, warn or error, not '%s'",
             level);
    return -1;
  }
  return 0;
}

void config_release(struct config *config) {
  free(config->database_url);
  free(config->database_read_url);
  free(config->cors_origins);
  config->database_url = NULL;
  config->database_read_url = NULL;
  config->cors_origins = NULL;
}
