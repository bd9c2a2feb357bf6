/* Request accessors: headers and the table-driven query-string parser. */
#include "http/request.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

struct header_copy {
  struct header_copy *next;
  char text[];
};

static bool is_optional_whitespace(char c) {
  return c == ' ' || c == '\t';
}

const char *request_header(struct request *request, const char *name) {
  const char *value =
      MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND, name);
  if (value == NULL) {
    return NULL;
  }
  while (is_optional_whitespace(*value)) {
    value++;
  }
  size_t length = strlen(value);
  if (length == 0 || !is_optional_whitespace(value[length - 1])) {
    return value;
  }
  while (length > 0 && is_optional_whitespace(value[length - 1])) {
    length--;
  }
  struct header_copy *copy = malloc(sizeof *copy + length + 1);
  if (copy == NULL) {
    return NULL;
  }
  memcpy(copy->text, value, length);
  copy->text[length] = '\0';
  copy->next = request->header_copies;
  request->header_copies = copy;
  return copy->text;
}

void request_release_headers(struct request *request) {
  while (request->header_copies != NULL) {
    struct header_copy *next = request->header_copies->next;
    free(request->header_copies);
    request->header_copies = next;
  }
}

bool request_date_is_valid(const char *text) {
  static const int days_in_month[] = {31, 29, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};
  if (strlen(text) != 10 || text[4] != '-' || text[7] != '-') {
    return false;
  }
  for (int i = 0; i < 10; i++) {
    if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9')) {
      return false;
    }
  }
  int year = (int)strtol(text, NULL, 10);
  int month = (text[5] - '0') * 10 + (text[6] - '0');
  int day = (text[8] - '0') * 10 + (text[9] - '0');
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > days_in_month[month - 1]) {
    return false;
  }
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

static bool query_value_parse(const struct query_param *param, const char *text,
                              struct query_value *value,
                              struct query_parse *walk) {
  value->text = text;
  switch (param->type) {
  case QUERY_TEXT: {
    size_t limit = param->max_length != 0 ? param->max_length : 200;
    if (strlen(text) > limit) {
      snprintf(walk->reason_buffer, sizeof walk->reason_buffer,
               "must be at most %zu bytes", limit);
      walk->bad_reason = walk->reason_buffer;
      return false;
    }
    return true;
  }
  case QUERY_SLUG:
    for (const char *p = text; *p != '\0'; p++) {
      if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-')) {
        walk->bad_reason = "must be a slug: 1-64 characters of a-z, 0-9, -";
        return false;
      }
    }
    if (strlen(text) > 64) {
      walk->bad_reason = "must be a slug: 1-64 characters of a-z, 0-9, -";
      return false;
    }
    return true;
  case QUERY_INTEGER: {
    char *end = NULL;
    errno = 0;
    long long number = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || text[0] == '+' ||
        text[0] == ' ' || number < param->minimum || number > param->maximum) {
      snprintf(walk->reason_buffer, sizeof walk->reason_buffer,
               "must be an integer from %lld to %lld", param->minimum,
               param->maximum);
      walk->bad_reason = walk->reason_buffer;
      return false;
    }
    value->integer = number;
    return true;
  }
  case QUERY_DATE:
    if (!request_date_is_valid(text)) {
      walk->bad_reason = "must be a date as YYYY-MM-DD";
      return false;
    }
    return true;
  case QUERY_BOOLEAN:
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
      value->integer = text[0] == 't';
      return true;
    }
    walk->bad_reason = "must be true or false";
    return false;
  case QUERY_ENUM:
    for (const char *const *option = param->values; *option != NULL; option++) {
      if (strcmp(text, *option) == 0) {
        value->integer = option - param->values;
        return true;
      }
    }
    {
      size_t used = (size_t)snprintf(
          walk->reason_buffer, sizeof walk->reason_buffer, "must be one of");
      for (const char *const *option = param->values;
           *option != NULL && used < sizeof walk->reason_buffer; option++) {
        int written = snprintf(walk->reason_buffer + used,
                               sizeof walk->reason_buffer - used, "%s %s",
                               option == param->values ? "" : ",", *option);
        if (written < 0) {
          break;
        }
        used += (size_t)written;
      }
      walk->bad_reason = walk->reason_buffer;
    }
    return false;
  }
  return false;
}

/* True when the bytes are valid UTF-8 without NUL (utf8proc decides). */
static bool text_is_clean_utf8(const char *text, size_t length) {
  const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
  utf8proc_ssize_t left = (utf8proc_ssize_t)length;
  while (left > 0) {
    utf8proc_int32_t codepoint = 0;
    utf8proc_ssize_t step = utf8proc_iterate(p, left, &codepoint);
    if (step <= 0 || codepoint == 0) {
      return false;
    }
    p += step;
    left -= step;
  }
  return true;
}

void query_parse_begin(struct query_parse *walk,
                       const struct query_param *params, size_t count,
                       struct query_value *values) {
  memset(walk, 0, sizeof *walk);
  walk->params = params;
  walk->count = count;
  walk->values = values;
  memset(values, 0, count * sizeof *values);
}

bool query_parse_accept(struct query_parse *walk, const char *key,
                        size_t key_size, const char *text, size_t text_size) {
  bool key_clean = text_is_clean_utf8(key, key_size);
  if (!key_clean || (text != NULL && !text_is_clean_utf8(text, text_size))) {
    walk->bad_name = key_clean ? key : "?";
    walk->bad_reason = "must be UTF-8 text without NUL characters";
    return false;
  }
  for (size_t i = 0; i < walk->count; i++) {
    if (strcmp(walk->params[i].name, key) != 0) {
      continue;
    }
    struct query_value *value = &walk->values[i];
    if (value->present) {
      walk->bad_name = walk->params[i].name;
      walk->bad_reason = "must be given once";
      return false;
    }
    value->present = true;
    if (text == NULL || text[0] == '\0') {
      walk->bad_name = walk->params[i].name;
      walk->bad_reason = "must not be empty";
      return false;
    }
    if (!query_value_parse(&walk->params[i], text, value, walk)) {
      walk->bad_name = walk->params[i].name;
      return false;
    }
    return true;
  }
  walk->bad_name = key;
  walk->bad_reason = "is not a parameter of this endpoint";
  return false;
}

static enum MHD_Result query_visit(void *closure, enum MHD_ValueKind kind,
                                   const char *key, size_t key_size,
                                   const char *text, size_t text_size) {
  (void)kind;
  return query_parse_accept(closure, key, key_size, text, text_size) ? MHD_YES
                                                                     : MHD_NO;
}

void request_problem_record(struct request_problem *problem, enum problem kind,
                            json_t *errors, const char *format, ...) {
  json_decref(problem->errors);
  *problem = (struct request_problem){.kind = kind, .errors = errors};
  va_list args;
  va_start(args, format);
  vsnprintf(problem->detail, sizeof problem->detail, format, args);
  va_end(args);
}

void request_problem_release(struct request_problem *problem) {
  json_decref(problem->errors);
  problem->errors = NULL;
  problem->kind = PROBLEM_COUNT;
}

bool request_parse_query(struct request *request,
                         const struct query_param *params, size_t count,
                         struct query_value *values,
                         struct request_problem *problem) {
  struct query_parse walk;
  query_parse_begin(&walk, params, count, values);
  MHD_get_connection_values_n(request->connection, MHD_GET_ARGUMENT_KIND,
                              query_visit, &walk);
  if (walk.bad_name == NULL) {
    return true;
  }
  char field[96];
  snprintf(field, sizeof field, "%.80s", walk.bad_name);
  request_problem_record(problem, PROBLEM_INVALID_QUERY, NULL,
                         "query parameter '%s' %s", field, walk.bad_reason);
  snprintf(problem->field, sizeof problem->field, "%s", field);
  snprintf(problem->message, sizeof problem->message, "%s", walk.bad_reason);
  return false;
}
