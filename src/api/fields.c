/* The JSON request-spec checker and the conversion to SQL values. */
#include "api/fields.h"

#include "common/encoding.h"
#include "common/slug.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct field *field_find(const struct field *fields, size_t count,
                                      const char *name) {
  for (size_t i = 0; i < count; i++) {
    if (strcmp(fields[i].name, name) == 0) {
      return &fields[i];
    }
  }
  return NULL;
}

/* Code points of a string as it will be stored: in NFC for a name. */
static size_t stored_characters(const struct field *field, const char *text) {
  if (!(field->flags & FIELD_NFC)) {
    return utf8_characters(text);
  }
  char *normal = utf8_nfc(text);
  /* Jansson holds valid UTF-8 only: NULL is out of memory, and the field
     is then measured as sent (the database's own check still holds). */
  size_t length = utf8_characters(normal != NULL ? normal : text);
  free(normal);
  return length;
}

/* The JSON text of a string array, its items in NFC; NULL when out of
   memory. */
static char *normal_array_text(const json_t *array) {
  json_t *normal = json_array();
  size_t index;
  json_t *item;
  json_array_foreach(array, index, item) {
    char *text = utf8_nfc(json_string_value(item));
    if (normal == NULL || text == NULL ||
        json_array_append_new(normal, json_string(text)) != 0) {
      free(text);
      json_decref(normal);
      return NULL;
    }
    free(text);
  }
  char *dumped = json_dumps(normal, JSON_COMPACT);
  json_decref(normal);
  return dumped;
}

/* Whether two items are one once stored (NFC for names). */
static bool items_equal(const struct field *field, const char *a,
                        const char *b) {
  if (strcmp(a, b) == 0) {
    return true;
  }
  if (!(field->flags & FIELD_NFC)) {
    return false;
  }
  char *normal_a = utf8_nfc(a);
  char *normal_b = utf8_nfc(b);
  bool equal =
      normal_a != NULL && normal_b != NULL && strcmp(normal_a, normal_b) == 0;
  free(normal_a);
  free(normal_b);
  return equal;
}

static bool type_matches(enum field_type type, const json_t *value) {
  switch (type) {
  case FIELD_STRING:
  case FIELD_SLUG:
  case FIELD_ENUM:
  case FIELD_DATE:
    return json_is_string(value);
  case FIELD_BOOLEAN:
    return json_is_boolean(value);
  case FIELD_INTEGER:
    return json_is_integer(value);
  case FIELD_STRING_ARRAY:
  case FIELD_SLUG_ARRAY: {
    if (!json_is_array(value)) {
      return false;
    }
    size_t index;
    json_t *item;
    json_array_foreach(value, index, item) {
      if (!json_is_string(item)) {
        return false;
      }
    }
    return true;
  }
  }
  return false;
}

static const char *type_name(enum field_type type) {
  switch (type) {
  case FIELD_BOOLEAN:
    return "must be a boolean";
  case FIELD_INTEGER:
    return "must be an integer";
  case FIELD_STRING_ARRAY:
  case FIELD_SLUG_ARRAY:
    return "must be an array of strings";
  default:
    return "must be a string";
  }
}

/* Checks one present, non-null value against its rules; NULL when fine,
   else the message (possibly written to `buffer`). */
static const char *value_rule_broken(const struct field *field,
                                     const json_t *value, char *buffer,
                                     size_t size) {
  switch (field->type) {
  case FIELD_STRING: {
    size_t length = stored_characters(field, json_string_value(value));
    if (length < field->min_length || length > field->max_length) {
      snprintf(buffer, size, "must have %zu to %zu characters",
               field->min_length, field->max_length);
      return buffer;
    }
    return NULL;
  }
  case FIELD_SLUG:
    return slug_is_valid(json_string_value(value))
               ? NULL
               : "must be a slug: 1-64 characters of a-z, 0-9 and -";
  case FIELD_ENUM:
    for (const char *const *choice = field->choices; *choice; choice++) {
      if (strcmp(*choice, json_string_value(value)) == 0) {
        return NULL;
      }
    }
    {
      size_t used = (size_t)snprintf(buffer, size, "must be one of:");
      for (const char *const *choice = field->choices; *choice && used < size;
           choice++) {
        used += (size_t)snprintf(buffer + used, size - used, " %s", *choice);
      }
    }
    return buffer;
  case FIELD_DATE:
    return request_date_is_valid(json_string_value(value))
               ? NULL
               : "must be a date as YYYY-MM-DD";
  case FIELD_INTEGER: {
    json_int_t number = json_integer_value(value);
    if (number < field->minimum || number > field->maximum) {
      snprintf(buffer, size, "must be from %lld to %lld", field->minimum,
               field->maximum);
      return buffer;
    }
    return NULL;
  }
  case FIELD_BOOLEAN:
    return NULL;
  case FIELD_STRING_ARRAY:
  case FIELD_SLUG_ARRAY: {
    if (json_array_size(value) > field->max_length) {
      snprintf(buffer, size, "must have at most %zu items", field->max_length);
      return buffer;
    }
    size_t index;
    json_t *item;
    json_array_foreach(value, index, item) {
      const char *text = json_string_value(item);
      if (field->type == FIELD_SLUG_ARRAY && !slug_is_valid(text)) {
        return "must hold slugs: 1-64 characters of a-z, 0-9 and -";
      }
      size_t length = stored_characters(field, text);
      if (length < 1 || length > 200) {
        return "items must have 1 to 200 characters";
      }
      for (size_t other = 0; other < index; other++) {
        if (items_equal(field, json_string_value(json_array_get(value, other)),
                        text)) {
          return "must not repeat an item";
        }
      }
    }
    return NULL;
  }
  }
  return NULL;
}

enum problem fields_check(const struct field *fields, size_t count,
                          const json_t *body, enum field_mode mode,
                          json_t *errors) {
  if (!json_is_object(body)) {
    problem_errors_add(errors, "", "the body must be a JSON object");
    return PROBLEM_INVALID_BODY;
  }
  bool shape_broken = false;
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)body, key, value) {
    const struct field *field = field_find(fields, count, key);
    if (field == NULL) {
      problem_errors_add(errors, key, "is not a field of this resource");
      shape_broken = true;
    } else if (field->flags & FIELD_READ_ONLY) {
      problem_errors_add(errors, key, "is read-only");
      shape_broken = true;
    } else if (!json_is_null(value) && !type_matches(field->type, value)) {
      problem_errors_add(errors, key, type_name(field->type));
      shape_broken = true;
    }
  }
  if (shape_broken) {
    return PROBLEM_INVALID_BODY;
  }
  if (mode == FIELD_CHECK_SHAPE) {
    return PROBLEM_COUNT;
  }
  bool value_broken = false;
  for (size_t i = 0; i < count; i++) {
    const struct field *field = &fields[i];
    if (field->flags & FIELD_READ_ONLY) {
      continue;
    }
    value = json_object_get(body, field->name);
    char buffer[200];
    const char *message = NULL;
    if (value == NULL || json_is_null(value)) {
      if (field->flags & FIELD_REQUIRED) {
        message = "is required";
      } else if (value != NULL && !(field->flags & FIELD_NULLABLE)) {
        message = "must not be null";
      }
    } else {
      message = value_rule_broken(field, value, buffer, sizeof buffer);
    }
    if (message != NULL) {
      problem_errors_add(errors, field->name, message);
      value_broken = true;
    }
  }
  return value_broken ? PROBLEM_INVALID_VALUE : PROBLEM_COUNT;
}

json_t *fields_writable_copy(const struct field *fields, size_t count,
                             const json_t *record) {
  json_t *copy = json_object();
  for (size_t i = 0; copy != NULL && i < count; i++) {
    if (fields[i].flags & FIELD_READ_ONLY) {
      continue;
    }
    json_t *value = json_object_get(record, fields[i].name);
    if (value != NULL && !json_is_null(value)) {
      json_object_set_new(copy, fields[i].name, json_deep_copy(value));
    }
  }
  return copy;
}

void fields_merge_patch(json_t *target, const json_t *patch) {
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)patch, key, value) {
    if (json_is_null(value)) {
      json_object_del(target, key);
    } else {
      json_object_set_new(target, key, json_deep_copy(value));
    }
  }
}

int fields_to_values(const struct field *fields, size_t count,
                     const json_t *body, struct field_values *values) {
  memset(values, 0, sizeof *values);
  for (size_t i = 0; i < count; i++) {
    const struct field *field = &fields[i];
    if (field->value_index < 0) {
      continue;
    }
    json_t *value = json_object_get(body, field->name);
    int index = field->value_index;
    if (value == NULL || json_is_null(value)) {
      values->value[index] =
          field->type == FIELD_STRING_ARRAY || field->type == FIELD_SLUG_ARRAY
              ? "[]"
              : NULL;
      continue;
    }
    switch (field->type) {
    case FIELD_BOOLEAN:
      values->value[index] = json_is_true(value) ? "true" : "false";
      break;
    case FIELD_INTEGER: {
      char *text = malloc(24);
      if (text == NULL) {
        return -1;
      }
      snprintf(text, 24, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
      values->owned[index] = text;
      values->value[index] = text;
      break;
    }
    case FIELD_STRING_ARRAY:
    case FIELD_SLUG_ARRAY: {
      char *text = field->flags & FIELD_NFC ? normal_array_text(value)
                                            : json_dumps(value, JSON_COMPACT);
      if (text == NULL) {
        return -1;
      }
      values->owned[index] = text;
      values->value[index] = text;
      break;
    }
    default:
      if (field->flags & FIELD_NFC) {
        char *text = utf8_nfc(json_string_value(value));
        if (text == NULL) {
          return -1;
        }
        values->owned[index] = text;
        values->value[index] = text;
      } else {
        values->value[index] = json_string_value(value);
      }
      break;
    }
  }
  return 0;
}

void field_values_release(struct field_values *values) {
  for (int i = 0; i < FIELD_MAX_VALUES; i++) {
    free(values->owned[i]);
    values->owned[i] = NULL;
  }
}
