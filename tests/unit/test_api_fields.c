/* Unit tests of the declarative request specs (api/fields) and of the list
 * cursor decoder (db/records). */
#include "api/fields.h"
#include "common/encoding.h"
#include "db/parties.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *const kinds[] = {"a", "b", NULL};
static const struct field fields[] = {
    {"id", FIELD_INTEGER, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"name", FIELD_STRING, FIELD_REQUIRED, 0, 1, 5, 0, 0, NULL},
    {"kind", FIELD_ENUM, FIELD_REQUIRED, 1, 0, 0, 0, 0, kinds},
    {"count", FIELD_INTEGER, FIELD_NULLABLE, 2, 0, 0, 0, 10, NULL},
    {"tags", FIELD_STRING_ARRAY, 0, 3, 0, 2, 0, 0, NULL},
    {"on", FIELD_DATE, FIELD_NULLABLE, 4, 0, 0, 0, 0, NULL},
    {"flag", FIELD_BOOLEAN, 0, 5, 0, 0, 0, 0, NULL},
    {"parent", FIELD_SLUG, FIELD_NULLABLE, 6, 0, 0, 0, 0, NULL},
};
#define FIELD_COUNT (sizeof fields / sizeof fields[0])

static enum problem check(const char *text, enum field_mode mode,
                          json_t **errors) {
  json_t *body = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
  assert_non_null(body);
  *errors = json_array();
  enum problem problem = fields_check(fields, FIELD_COUNT, body, mode, *errors);
  json_decref(body);
  return problem;
}

static const char *first_error_field(const json_t *errors) {
  return json_string_value(json_object_get(json_array_get(errors, 0), "field"));
}

static void test_valid_body(void **state) {
  (void)state;
  json_t *errors = NULL;
  assert_int_equal(check("{\"name\":\"ok\",\"kind\":\"a\",\"count\":10,"
                         "\"tags\":[\"x\",\"y\"],\"on\":\"2024-02-29\","
                         "\"flag\":true,\"parent\":\"p-1\"}",
                         FIELD_CHECK_FULL, &errors),
                   PROBLEM_COUNT);
  assert_int_equal(json_array_size(errors), 0);
  json_decref(errors);
}

static void test_shape_problems_are_400(void **state) {
  (void)state;
  static const struct {
    const char *body;
    const char *field;
  } cases[] = {
      {"{\"name\":\"ok\",\"kind\":\"a\",\"extra\":1}", "extra"},
      {"{\"name\":\"ok\",\"kind\":\"a\",\"id\":3}", "id"},
      {"{\"name\":5,\"kind\":\"a\"}", "name"},
      {"{\"name\":\"ok\",\"kind\":\"a\",\"count\":1.5}", "count"},
      {"{\"name\":\"ok\",\"kind\":\"a\",\"tags\":[1]}", "tags"},
      {"{\"name\":\"ok\",\"kind\":\"a\",\"flag\":\"true\"}", "flag"},
      {"[]", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *errors = NULL;
    assert_int_equal(check(cases[i].body, FIELD_CHECK_FULL, &errors),
                     PROBLEM_INVALID_BODY);
    assert_string_equal(first_error_field(errors), cases[i].field);
    json_decref(errors);
  }
}

static void test_value_problems_are_422(void **state) {
  (void)state;
  static const struct {
    const char *body;
    const char *field;
  } cases[] = {
      {"{\"kind\":\"a\"}", "name"},
      {"{\"name\":null,\"kind\":\"a\"}", "name"},
      {"{\"name\":\"\",\"kind\":\"a\"}", "name"},
      {"{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\","
       "\"kind\":\"a\"}",
       "name"},
      {"{\"name\":\"ok\",\"kind\":\"c\"}", "kind"},
      {"{\"name\":\"ok\",\"kind\":\"a\",\"count\":11}", "count"},
      {"{\"name\":\"ok\",\"kind\":\"a\",\"tags\":[\"x\",\"x\"]}", "tags"},
      {"{\"name\":\"ok\",\"kind\":\"a\",\"tags\":[\"x\",\"y\",\"z\"]}", "tags"},
      {"{\"name\":\"ok\",\"kind\":\"a\",\"on\":\"2023-02-29\"}", "on"},
      {"{\"name\":\"ok\",\"kind\":\"a\",\"parent\":\"Not A Slug\"}", "parent"},
      {"{\"name\":\"ok\",\"kind\":\"a\",\"flag\":null}", "flag"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *errors = NULL;
    assert_int_equal(check(cases[i].body, FIELD_CHECK_FULL, &errors),
                     PROBLEM_INVALID_VALUE);
    assert_string_equal(first_error_field(errors), cases[i].field);
    json_decref(errors);
  }
  /* A merge patch is checked for shape only: required fields may be
     missing. */
  json_t *errors = NULL;
  assert_int_equal(check("{\"count\":null}", FIELD_CHECK_SHAPE, &errors),
                   PROBLEM_COUNT);
  json_decref(errors);
}

static void test_merge_patch_and_values(void **state) {
  (void)state;
  json_t *record = json_pack("{s:i, s:s, s:s, s:i, s:[s], s:n, s:b, s:s}", "id",
                             7, "name", "old", "kind", "a", "count", 3, "tags",
                             "t", "on", "flag", 1, "parent", "p");
  json_t *merged = fields_writable_copy(fields, FIELD_COUNT, record);
  assert_null(json_object_get(merged, "id"));
  json_t *patch =
      json_pack("{s:s, s:n, s:[]}", "name", "new", "parent", "tags");
  fields_merge_patch(merged, patch);
  assert_string_equal(json_string_value(json_object_get(merged, "name")),
                      "new");
  assert_null(json_object_get(merged, "parent"));
  assert_int_equal(json_array_size(json_object_get(merged, "tags")), 0);

  struct field_values values;
  assert_int_equal(fields_to_values(fields, FIELD_COUNT, merged, &values), 0);
  assert_string_equal(values.value[0], "new");
  assert_string_equal(values.value[1], "a");
  assert_string_equal(values.value[2], "3");
  assert_string_equal(values.value[3], "[]");
  assert_null(values.value[4]);
  assert_string_equal(values.value[5], "true");
  assert_null(values.value[6]);
  field_values_release(&values);
  json_decref(patch);
  json_decref(merged);
  json_decref(record);
}

static char *cursor_of(const char *json_text) {
  size_t length = strlen(json_text);
  char *cursor = malloc(base64url_encoded_size(length));
  base64url_encode((const unsigned char *)json_text, length, cursor);
  return cursor;
}

/* Names are stored in NFC: their values are normalised, their lengths
   counted so, and two spellings of one alias are a repeat. */
static void test_names_in_nfc(void **state) {
  (void)state;
  static const struct field names[] = {
      {"name", FIELD_STRING, FIELD_REQUIRED | FIELD_NFC, 0, 1, 2, 0, 0, NULL},
      {"aliases", FIELD_STRING_ARRAY, FIELD_NFC, 1, 0, 5, 0, 0, NULL},
  };
  /* "e" + U+0301 twice: four code points, two in NFC. */
  json_t *body = json_pack("{s:s, s:[s]}", "name",
                           "e\xcc\x81"
                           "e\xcc\x81",
                           "aliases", "Cafe\xcc\x81");
  json_t *errors = json_array();
  assert_int_equal(fields_check(names, 2, body, FIELD_CHECK_FULL, errors),
                   PROBLEM_COUNT);
  struct field_values values;
  assert_int_equal(fields_to_values(names, 2, body, &values), 0);
  assert_string_equal(values.value[0], "\xc3\xa9\xc3\xa9");
  assert_string_equal(values.value[1], "[\"Caf\xc3\xa9\"]");
  field_values_release(&values);
  json_decref(body);
  /* "q" + U+0344: two code points sent, three in NFC, over the limit. */
  body = json_pack("{s:s, s:[s, s]}", "name", "q\xcd\x84", "aliases",
                   "Caf\xc3\xa9", "Cafe\xcc\x81");
  assert_int_equal(fields_check(names, 2, body, FIELD_CHECK_FULL, errors),
                   PROBLEM_INVALID_VALUE);
  assert_int_equal(json_array_size(errors), 2);
  json_decref(body);
  json_decref(errors);
}

static void test_cursor_decode(void **state) {
  (void)state;
  struct list_request request;
  memset(&request, 0, sizeof request);
  int slug_sort = db_list_sort_find(&db_parties_list_spec, "slug");
  assert_true(slug_sort >= 0);
  request.sort = (size_t)slug_sort;
  char *good = cursor_of("[\"slug\",\"russia\",17]");
  assert_int_equal(db_list_cursor_decode(&db_parties_list_spec, good, &request),
                   0);
  assert_string_equal(request.cursor_key, "russia");
  assert_int_equal(request.cursor_id, 17);
  free(good);

  static const char *const bad[] = {
      "[\"-slug\",\"russia\",17]",  /* made for another sort */
      "[\"slug\",\"russia\",0]",    /* ids are positive */
      "[\"slug\",\"russia\",17,1]", /* extra member */
      "[\"slug\",7,17]",            /* key must be text */
      "{\"slug\":\"russia\"}",
      "[]",
      "null",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *cursor = cursor_of(bad[i]);
    memset(&request, 0, sizeof request);
    request.sort = (size_t)slug_sort;
    assert_int_equal(
        db_list_cursor_decode(&db_parties_list_spec, cursor, &request), -1);
    free(cursor);
  }
  request.sort = (size_t)slug_sort;
  assert_int_equal(db_list_cursor_decode(&db_parties_list_spec, "!!", &request),
                   -1);
  assert_int_equal(db_list_cursor_decode(&db_parties_list_spec, "", &request),
                   -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_body),
      cmocka_unit_test(test_shape_problems_are_400),
      cmocka_unit_test(test_value_problems_are_422),
      cmocka_unit_test(test_merge_patch_and_values),
      cmocka_unit_test(test_names_in_nfc),
      cmocka_unit_test(test_cursor_decode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
