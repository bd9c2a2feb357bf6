/* Unit tests of the SQL builder of db/records.h: parameters numbered in
 * the order they are bound, "$?" standing for them, and a query that does
 * not fit refused. */
#include "db/records.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void test_bind_numbers_in_order(void **state) {
  (void)state;
  struct sql_query query = {.used = 0};
  db_sql_query_add(&query, "SELECT %d FROM t WHERE true", 1);
  int first = db_sql_query_bind(&query, " AND a = $? OR b = $?", "x");
  int second = db_sql_query_bind(&query, " AND c < $?::date", "2024-01-01");
  assert_int_equal(first, 1);
  assert_int_equal(second, 2);
  assert_int_equal(query.count, 2);
  assert_string_equal(query.values[0], "x");
  assert_string_equal(query.values[1], "2024-01-01");
  assert_string_equal(query.text, "SELECT 1 FROM t WHERE true AND a = $1 OR "
                                  "b = $1 AND c < $2::date");
  assert_true(query.used < sizeof query.text);
}

static void test_reuse_refers_to_a_bound_value(void **state) {
  (void)state;
  struct sql_query query = {.used = 0};
  int issue = db_sql_query_bind(&query, "x = $?::bigint", "7");
  db_sql_query_bind(&query, " AND y LIKE '%' || $? || '%'", "z");
  db_sql_query_reuse(&query, " AND w = $?::bigint", issue);
  assert_int_equal(query.count, 2);
  assert_string_equal(query.text, "x = $1::bigint AND y LIKE '%' || $2 || "
                                  "'%' AND w = $1::bigint");
}

static void test_overflow_is_kept(void **state) {
  (void)state;
  struct sql_query query = {.used = 0};
  char long_text[1000];
  memset(long_text, 'a', sizeof long_text - 1);
  long_text[sizeof long_text - 1] = '\0';
  for (int i = 0; i < 10; i++) {
    db_sql_query_add(&query, "%s", long_text);
  }
  assert_true(query.used >= sizeof query.text);
  db_sql_query_add(&query, "more");
  assert_true(query.used >= sizeof query.text);

  struct sql_query many = {.used = 0};
  for (int i = 0; i < SQL_QUERY_MAX_VALUES; i++) {
    db_sql_query_bind(&many, " $?", "v");
  }
  assert_true(many.used < sizeof many.text);
  db_sql_query_bind(&many, " $?", "one too many");
  assert_int_equal(many.count, SQL_QUERY_MAX_VALUES);
  assert_true(many.used >= sizeof many.text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bind_numbers_in_order),
      cmocka_unit_test(test_reuse_refers_to_a_bound_value),
      cmocka_unit_test(test_overflow_is_kept),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
