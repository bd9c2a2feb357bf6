/* Declarative JSON request specs: one table of fields per resource, checked
 * in one place, and turned into the text values of SQL parameters.
 *
 * Jansson: objects passed in are borrowed; the values made from them borrow
 * their strings from that object, so it must outlive them. */
#ifndef PARLEY_API_FIELDS_H
#define PARLEY_API_FIELDS_H

#include "common/problem.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum field_type {
  FIELD_STRING,
  FIELD_SLUG,
  FIELD_ENUM,
  FIELD_BOOLEAN,
  FIELD_INTEGER,
  FIELD_DATE,
  FIELD_STRING_ARRAY,
  FIELD_SLUG_ARRAY,
};

enum field_flags {
  FIELD_REQUIRED = 1 << 0,  /* must be present and not null after a merge */
  FIELD_NULLABLE = 1 << 1,  /* null is a value */
  FIELD_READ_ONLY = 1 << 2, /* in responses only: 400 in a request */
  FIELD_NFC = 1 << 3,       /* a name: stored in Unicode NFC (and its
                               length counted so) */
};

struct field {
  const char *name;
  enum field_type type;
  unsigned flags;
  int value_index; /* position among the SQL values, -1 when none */
  size_t min_length, max_length; /* characters, or array items */
  long long minimum, maximum;    /* FIELD_INTEGER */
  const char *const *choices;    /* FIELD_ENUM, NULL-terminated */
};

#define FIELD_MAX_VALUES 16

/* SQL parameter texts; `owned` holds what was allocated to make them. */
struct field_values {
  const char *value[FIELD_MAX_VALUES];
  char *owned[FIELD_MAX_VALUES];
};

enum field_mode {
  FIELD_CHECK_SHAPE, /* names and JSON types only (a merge patch) */
  FIELD_CHECK_FULL,  /* also required fields and value rules */
};

/* Checks `body` against the spec. Appends {field, message} to `errors` and
   returns the problem to answer: PROBLEM_INVALID_BODY for a wrong shape
   (unknown or read-only fields, wrong JSON types) before
   PROBLEM_INVALID_VALUE for values that break the rules; PROBLEM_COUNT when
   the body passes. */
enum problem fields_check(const struct field *fields, size_t count,
                          const json_t *body, enum field_mode mode,
                          json_t *errors);

/* Copies the writable fields of a stored record (the base of a merge). */
json_t *fields_writable_copy(const struct field *fields, size_t count,
                             const json_t *record);

/* Applies an RFC 7396 merge patch of flat fields: null removes the member. */
void fields_merge_patch(json_t *target, const json_t *patch);

/* Makes the SQL values of a checked body, FIELD_NFC strings (and array
   items) normalised. Returns 0, or -1 on allocation failure. Always
   release. */
int fields_to_values(const struct field *fields, size_t count,
                     const json_t *body, struct field_values *values);
void field_values_release(struct field_values *values);

#endif
