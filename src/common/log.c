/* Leveled logging: a timestamped line on standard error per message. */
#include "common/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_int current_level = LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

int log_level_parse(const char *name) {
  for (int level = LOG_DEBUG; level <= LOG_ERROR; level++) {
    if (strcmp(name, level_names[level]) == 0) {
      return level;
    }
  }
  return -1;
}

void log_set_level(enum log_level level) {
  atomic_store(&current_level, (int)level);
}

int log_enabled(enum log_level level) {
  return (int)level >= atomic_load(&current_level);
}

void log_message(enum log_level level, const char *format, ...) {
  if (!log_enabled(level)) {
    return;
  }
  struct timespec now;
  struct tm utc;
  char stamp[32];
  char line[2048];
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &utc);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  va_list args;
  va_start(args, format);
  vsnprintf(line, sizeof line, format, args);
  va_end(args);
  /* One fprintf per line keeps concurrent lines whole. */
  fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, now.tv_nsec / 1000000L,
          level_names[level], line);
}
