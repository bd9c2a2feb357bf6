/* The CSV writer and the Accept negotiation between JSON and CSV. */
#include "http/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void csv_append(struct csv_buffer *buffer, const char *bytes,
                       size_t length) {
  if (buffer->failed) {
    return;
  }
  if (buffer->data == NULL || buffer->length + length + 1 > buffer->capacity) {
    size_t capacity = buffer->capacity > 0 ? buffer->capacity : 4096;
    while (buffer->length + length + 1 > capacity) {
      capacity *= 2;
    }
    char *grown = realloc(buffer->data, capacity);
    if (grown == NULL) {
      buffer->failed = true;
      return;
    }
    buffer->data = grown;
    buffer->capacity = capacity;
  }
  memcpy(buffer->data + buffer->length, bytes, length);
  buffer->length += length;
  buffer->data[buffer->length] = '\0';
}

/* Appends a field, quoted when `quoted` or when it needs to be, after
   `prefix` (inside the quotes). */
static void csv_field_with(struct csv_buffer *buffer, const char *prefix,
                           const char *text, size_t length, bool quoted) {
  if (buffer->row_started) {
    csv_append(buffer, ",", 1);
  }
  buffer->row_started = true;
  for (size_t i = 0; i < length && !quoted; i++) {
    quoted =
        text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n';
  }
  if (!quoted) {
    csv_append(buffer, prefix, strlen(prefix));
    csv_append(buffer, text, length);
    return;
  }
  csv_append(buffer, "\"", 1);
  csv_append(buffer, prefix, strlen(prefix));
  size_t start = 0;
  for (size_t i = 0; i < length; i++) {
    if (text[i] == '"') {
      csv_append(buffer, text + start, i + 1 - start); /* up to the quote */
      csv_append(buffer, "\"", 1);                     /* doubled */
      start = i + 1;
    }
  }
  csv_append(buffer, text + start, length - start);
  csv_append(buffer, "\"", 1);
}

void csv_field(struct csv_buffer *buffer, const char *text, size_t length) {
  csv_field_with(buffer, "", text, length, false);
}

void csv_text_field(struct csv_buffer *buffer, const char *text,
                    size_t length) {
  /* OWASP's rule against CSV injection: a spreadsheet evaluates a cell
     starting with one of these, so it gets a leading single quote (shown
     as text, not evaluated) and is quoted. */
  bool formula =
      length > 0 && text[0] != '\0' && strchr("=+-@\t\r", text[0]) != NULL;
  csv_field_with(buffer, formula ? "'" : "", text, length, formula);
}

void csv_end_row(struct csv_buffer *buffer) {
  csv_append(buffer, "\r\n", 2);
  buffer->row_started = false;
}

char *csv_take(struct csv_buffer *buffer, size_t *length) {
  char *data = buffer->failed ? NULL : buffer->data;
  if (buffer->failed) {
    free(buffer->data);
  } else if (data == NULL) {
    data = calloc(1, 1); /* nothing was written: an empty text */
  }
  *length = data != NULL ? buffer->length : 0;
  memset(buffer, 0, sizeof *buffer);
  return data;
}

/* One JSON value as a field. */
static void csv_value(struct csv_buffer *buffer, const json_t *value) {
  char number[32];
  switch (json_typeof(value)) {
  case JSON_STRING:
    csv_text_field(buffer, json_string_value(value), json_string_length(value));
    return;
  case JSON_INTEGER:
    snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT,
             json_integer_value(value));
    csv_field(buffer, number, strlen(number));
    return;
  case JSON_REAL:
    snprintf(number, sizeof number, "%.17g", json_real_value(value));
    csv_field(buffer, number, strlen(number));
    return;
  case JSON_TRUE:
    csv_field(buffer, "true", 4);
    return;
  case JSON_FALSE:
    csv_field(buffer, "false", 5);
    return;
  case JSON_ARRAY: {
    /* Joined first, then quoted as one field. */
    struct csv_buffer joined = {0};
    size_t index;
    const json_t *item;
    json_array_foreach(value, index, item) {
      if (index > 0) {
        csv_append(&joined, ";", 1);
      }
      if (json_is_string(item)) {
        csv_append(&joined, json_string_value(item), json_string_length(item));
      }
    }
    size_t length = 0;
    char *text = csv_take(&joined, &length);
    if (text == NULL) {
      buffer->failed = true;
      return;
    }
    csv_text_field(buffer, text, length);
    free(text);
    return;
  }
  default: /* null, and objects (no list has them) */
    csv_field(buffer, "", 0);
  }
}

void csv_header_row(struct csv_buffer *buffer, const char *const *columns,
                    size_t count) {
  for (size_t c = 0; c < count; c++) {
    csv_field(buffer, columns[c], strlen(columns[c]));
  }
  csv_end_row(buffer);
}

void csv_item_rows(struct csv_buffer *buffer, const json_t *items,
                   const char *const *columns, size_t count) {
  size_t index;
  const json_t *item;
  json_array_foreach(items, index, item) {
    for (size_t c = 0; c < count; c++) {
      const json_t *value = json_object_get(item, columns[c]);
      if (value == NULL) {
        csv_field(buffer, "", 0);
      } else {
        csv_value(buffer, value);
      }
    }
    csv_end_row(buffer);
  }
}

void csv_byte_order_mark(struct csv_buffer *buffer) {
  csv_append(buffer, "\xEF\xBB\xBF", 3);
}

char *csv_from_items(const json_t *items, const char *const *columns,
                     size_t count, size_t *length) {
  struct csv_buffer buffer = {0};
  csv_header_row(&buffer, columns, count);
  csv_item_rows(&buffer, items, columns, count);
  return csv_take(&buffer, length);
}

/* How well a media range matches a media type: 3 exactly, 2 by its type
   with any subtype, 1 as the any-type range, 0 not at all. */
static int range_match(const char *range, size_t length, const char *type) {
  const char *slash = strchr(type, '/');
  size_t type_length = (size_t)(slash - type);
  if (length == 3 && strncmp(range, "*/*", 3) == 0) {
    return 1;
  }
  if (length == type_length + 2 && strncasecmp(range, type, type_length) == 0 &&
      strncmp(range + type_length, "/*", 2) == 0) {
    return 2;
  }
  return length == strlen(type) && strncasecmp(range, type, length) == 0 ? 3
                                                                         : 0;
}

/* The q (in thousandths) the header gives `type`: that of the most
   specific range matching it, 0 when none does. */
static int accept_quality(const char *accept, const char *type) {
  int best_match = 0;
  int quality = 0;
  const char *p = accept;
  while (*p != '\0') {
    while (*p == ' ' || *p == '\t' || *p == ',') {
      p++;
    }
    const char *start = p;
    while (*p != '\0' && *p != ',' && *p != ';' && *p != ' ' && *p != '\t') {
      p++;
    }
    size_t length = (size_t)(p - start);
    int q = 1000;
    /* Parameters up to the next comma; only q matters here. */
    while (*p != '\0' && *p != ',') {
      if (*p == ';') {
        p++;
        while (*p == ' ' || *p == '\t') {
          p++;
        }
        if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
          char *end = NULL;
          double value = strtod(p + 2, &end);
          q = end != p + 2 && value >= 0 && value <= 1 ? (int)(value * 1000)
                                                       : 0;
          p = end != NULL && end > p ? end : p + 2;
          continue;
        }
      }
      p++;
    }
    int match = length > 0 ? range_match(start, length, type) : 0;
    if (match > best_match) {
      best_match = match;
      quality = q;
    }
  }
  return quality;
}

bool csv_preferred(const char *accept) {
  if (accept == NULL) {
    return false;
  }
  int csv = accept_quality(accept, "text/csv");
  return csv > 0 && csv > accept_quality(accept, "application/json");
}
