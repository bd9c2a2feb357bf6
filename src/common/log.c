/* Leveled logging: a timestamped line on standard error per message, as text
 * or as one JSON object built with Jansson. */
#include "common/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_int current_level = LOG_INFO;
static atomic_bool json_lines = false;
static _Thread_local const char *current_request_id;
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

void log_set_json(bool json) {
  atomic_store(&json_lines, json);
}

void log_set_request_id(const char *id) {
  current_request_id = id;
}

/* RFC 3339 UTC with microseconds, as the API writes timestamps. */
static void log_timestamp(char *out, size_t size) {
  struct timespec now;
  struct tm utc;
  char seconds[24];
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &utc);
  strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &utc);
  snprintf(out, size, "%s.%06dZ", seconds, (int)(now.tv_nsec / 1000L) % 1000000);
}

/* A JSON string of text that may not be UTF-8 (a client's path, a server
   message): bytes Jansson refuses become '?', so the line is still written. */
static json_t *log_string(const char *text) {
  json_t *value = json_string(text);
  if (value != NULL) {
    return value;
  }
  char *copy = strdup(text);
  if (copy == NULL) {
    return NULL;
  }
  for (char *p = copy; *p != '\0'; p++) {
    if ((unsigned char)*p >= 0x80) {
      *p = '?';
    }
  }
  value = json_string(copy);
  free(copy);
  return value;
}

/* Writes the object as one line and frees it. */
static void log_emit(json_t *line) {
  char *text = line != NULL ? json_dumps(line, JSON_COMPACT) : NULL;
  json_decref(line);
  if (text == NULL) {
    fputs("{\"level\":\"error\",\"message\":\"out of memory logging\"}\n",
          stderr);
    return;
  }
  /* One fprintf per line keeps concurrent lines whole. */
  fprintf(stderr, "%s\n", text);
  free(text);
}

static json_t *log_line(enum log_level level) {
  char stamp[48];
  log_timestamp(stamp, sizeof stamp);
  json_t *line = json_object();
  json_object_set_new(line, "time", json_string(stamp));
  json_object_set_new(line, "level", json_string(level_names[level]));
  return line;
}

void log_message(enum log_level level, const char *format, ...) {
  if (!log_enabled(level)) {
    return;
  }
  char message[2048];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  if (!atomic_load(&json_lines)) {
    char stamp[48];
    log_timestamp(stamp, sizeof stamp);
    fprintf(stderr, "%s %s %s\n", stamp, level_names[level], message);
    return;
  }
  json_t *line = log_line(level);
  json_object_set_new(line, "message", log_string(message));
  if (current_request_id != NULL) {
    json_object_set_new(line, "request_id", log_string(current_request_id));
  }
  log_emit(line);
}

void log_request(const struct log_access *access) {
  enum log_level level = access->status == 503   ? LOG_WARN
                         : access->status >= 500 ? LOG_ERROR
                                                 : LOG_INFO;
  if (!log_enabled(level)) {
    return;
  }
  if (!atomic_load(&json_lines)) {
    log_message(level,
                "request id=%s method=%s route=%s status=%u bytes=%zu "
                "us=%lld%s",
                access->request_id, access->method,
                access->route != NULL ? access->route : "-", access->status,
                access->bytes, access->duration_us,
                access->aborted ? " aborted" : "");
    return;
  }
  json_t *line = log_line(level);
  json_object_set_new(line, "message", json_string("request"));
  json_object_set_new(line, "request_id", log_string(access->request_id));
  json_object_set_new(line, "method", log_string(access->method));
  json_object_set_new(line, "route",
                      access->route != NULL ? log_string(access->route)
                                            : json_null());
  json_object_set_new(line, "path", log_string(access->path));
  json_object_set_new(line, "status", json_integer(access->status));
  json_object_set_new(line, "bytes", json_integer((json_int_t)access->bytes));
  json_object_set_new(line, "duration_us",
                      json_integer((json_int_t)access->duration_us));
  if (access->aborted) {
    json_object_set_new(line, "aborted", json_true());
  }
  log_emit(line);
}
