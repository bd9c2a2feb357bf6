/* libFuzzer target: the JSON request specs of every resource. Any body is
 * parsed as the daemon parses it, checked as a create and as a merge patch
 * of a record; a body that passes the full check must give SQL values for
 * every required field. */
#include "api/resource.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_resource(const struct resource *resource,
                           const json_t *body) {
  json_t *errors = json_array();
  enum problem shape = fields_check(resource->fields, resource->field_count,
                                    body, FIELD_CHECK_SHAPE, errors);
  enum problem full = fields_check(resource->fields, resource->field_count,
                                   body, FIELD_CHECK_FULL, errors);
  /* A body of the wrong shape never passes the full check. */
  if (shape != PROBLEM_COUNT && full == PROBLEM_COUNT) {
    abort();
  }
  if (full == PROBLEM_COUNT) {
    struct field_values values;
    if (fields_to_values(resource->fields, resource->field_count, body,
                         &values) != 0) {
      abort();
    }
    for (size_t i = 0; i < resource->field_count; i++) {
      const struct field *field = &resource->fields[i];
      if ((field->flags & FIELD_REQUIRED) && field->value_index >= 0 &&
          values.value[field->value_index] == NULL) {
        abort();
      }
    }
    field_values_release(&values);
  }
  if (shape == PROBLEM_COUNT && json_is_object(body)) {
    /* As a merge patch of an empty record. */
    json_t *merged = json_object();
    fields_merge_patch(merged, body);
    json_t *patch_errors = json_array();
    fields_check(resource->fields, resource->field_count, merged,
                 FIELD_CHECK_FULL, patch_errors);
    json_decref(patch_errors);
    json_decref(merged);
  }
  json_decref(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t error;
  json_t *body =
      json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &error);
  if (body == NULL) {
    return 0;
  }
  check_resource(&party_resource, body);
  check_resource(&issue_resource, body);
  check_resource(&claim_resource, body);
  check_resource(&article_resource, body);
  json_decref(body);
  return 0;
}
