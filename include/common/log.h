/* Leveled logging to standard error, one line per event: text for the
 * command-line program, one JSON object per line for the service. */
#ifndef PARLEY_COMMON_LOG_H
#define PARLEY_COMMON_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Parses "debug", "info", "warn" or "error"; returns -1 otherwise. */
int log_level_parse(const char *name);
void log_set_level(enum log_level level);
int log_enabled(enum log_level level);

/* JSON lines ({"time","level","message"} plus "request_id" while a request
   is being handled) instead of text; set once at start-up. */
void log_set_json(bool json);

/* The request the calling thread is handling (NULL when none): every line
   it logs meanwhile carries the id. The string must outlive the setting. */
void log_set_request_id(const char *id);

/* Never pass keys or passwords: log lines are for operators. */
void log_message(enum log_level level, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* The access line of one answered request, at info (warn for 503, error for
   other 5xx, so failures show at any level). */
struct log_access {
  const char *request_id;
  const char *method;
  const char *route; /* the route pattern, or NULL when none matched */
  const char *path;
  unsigned status;
  size_t bytes;
  long long duration_us;
  bool aborted; /* the client went away before the answer was sent */
};
void log_request(const struct log_access *access);

#define log_debug(...) log_message(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_message(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_message(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_message(LOG_ERROR, __VA_ARGS__)

#endif
