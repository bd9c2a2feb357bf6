/* Unit tests of the pure parts of the HTTP layer: the router, the query
 * parser, dates and ETag comparison. */
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void handler_stub(struct request *request) {
  (void)request;
}

static const struct route test_routes[] = {
    {"/things", HTTP_GET, handler_stub, ROUTE_BODY_NONE, 0},
    {"/things", HTTP_POST, handler_stub, ROUTE_BODY_JSON, ROUTE_WRITE},
    {"/things/{slug}", HTTP_GET, handler_stub, ROUTE_BODY_NONE, 0},
    {"/things/{slug}", HTTP_DELETE, handler_stub, ROUTE_BODY_NONE, ROUTE_WRITE},
    {"/things/{slug}/parts/{id}", HTTP_GET, handler_stub, ROUTE_BODY_NONE, 0},
    {0},
};

static const struct route *match(struct request *request, const char *path,
                                 enum http_method method, unsigned *allowed) {
  memset(request, 0, sizeof *request);
  request->path_copy = strdup(path);
  return router_match(test_routes, request, path, method, allowed);
}

static void test_router_matches_and_params(void **state) {
  (void)state;
  struct request request;
  unsigned allowed = 0;
  const struct route *route =
      match(&request, "/things/abc", HTTP_GET, &allowed);
  assert_ptr_equal(route, &test_routes[2]);
  assert_string_equal(request.path_params[0], "abc");
  free(request.path_copy);

  route = match(&request, "/things/abc/parts/7", HTTP_GET, &allowed);
  assert_ptr_equal(route, &test_routes[4]);
  assert_string_equal(request.path_params[0], "abc");
  assert_string_equal(request.path_params[1], "7");
  free(request.path_copy);

  /* HEAD is served by the GET route. */
  route = match(&request, "/things", HTTP_HEAD, &allowed);
  assert_ptr_equal(route, &test_routes[0]);
  free(request.path_copy);
}

static void test_router_misses(void **state) {
  (void)state;
  struct request request;
  unsigned allowed = 0;
  /* Known path, other method: 405 with the methods it has. */
  assert_null(match(&request, "/things", HTTP_PATCH, &allowed));
  assert_int_equal(allowed, HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_OPTIONS);
  free(request.path_copy);
  char allow[64];
  router_allow_header(allowed, allow, sizeof allow);
  assert_string_equal(allow, "GET, HEAD, POST, OPTIONS");
  /* Unknown paths, empty segments, trailing slashes: 404. */
  const char *unknown[] = {"/",        "/thing",           "/things/",
                           "//things", "/things//parts/1", "/things/a/parts/",
                           ""};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    assert_null(match(&request, unknown[i], HTTP_GET, &allowed));
    assert_int_equal(allowed, 0);
    free(request.path_copy);
  }
}

static const char *const colours[] = {"red", "green", NULL};
static const struct query_param params[] = {
    {"limit", QUERY_INTEGER, 1, 200, 0, NULL},
    {"q", QUERY_TEXT, 0, 0, 5, NULL},
    {"slug", QUERY_SLUG, 0, 0, 0, NULL},
    {"on", QUERY_DATE, 0, 0, 0, NULL},
    {"flag", QUERY_BOOLEAN, 0, 0, 0, NULL},
    {"colour", QUERY_ENUM, 0, 0, 0, colours},
};
#define PARAM_COUNT (sizeof params / sizeof params[0])

static bool accept_pair(struct query_parse *walk, const char *key,
                        const char *value) {
  return query_parse_accept(walk, key, strlen(key), value,
                            value != NULL ? strlen(value) : 0);
}

static void test_query_accepts(void **state) {
  (void)state;
  struct query_value values[PARAM_COUNT];
  struct query_parse walk;
  query_parse_begin(&walk, params, PARAM_COUNT, values);
  assert_true(accept_pair(&walk, "limit", "200"));
  assert_true(accept_pair(&walk, "q", "héll")); /* 5 bytes */
  assert_true(accept_pair(&walk, "slug", "peace-deal"));
  assert_true(accept_pair(&walk, "on", "2024-02-29"));
  assert_true(accept_pair(&walk, "flag", "true"));
  assert_true(accept_pair(&walk, "colour", "green"));
  assert_int_equal(values[0].integer, 200);
  assert_int_equal(values[4].integer, 1);
  assert_int_equal(values[5].integer, 1);
  assert_string_equal(values[2].text, "peace-deal");
  assert_null(walk.bad_name);
}

static void test_query_refuses(void **state) {
  (void)state;
  static const struct {
    const char *key;
    const char *value;
    const char *bad;
  } cases[] = {
      {"limit", "0", "limit"},     {"limit", "201", "limit"},
      {"limit", "1e2", "limit"},   {"limit", "+5", "limit"},
      {"limit", "", "limit"},      {"limit", NULL, "limit"},
      {"q", "toolong", "q"},       {"slug", "Bad", "slug"},
      {"on", "2023-02-29", "on"},  {"on", "2024-13-01", "on"},
      {"flag", "yes", "flag"},     {"colour", "blue", "colour"},
      {"unknown", "1", "unknown"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct query_value values[PARAM_COUNT];
    struct query_parse walk;
    query_parse_begin(&walk, params, PARAM_COUNT, values);
    assert_false(accept_pair(&walk, cases[i].key, cases[i].value));
    assert_string_equal(walk.bad_name, cases[i].bad);
    assert_non_null(walk.bad_reason);
  }
  /* Repeated parameters and NUL bytes in a value. */
  struct query_value values[PARAM_COUNT];
  struct query_parse walk;
  query_parse_begin(&walk, params, PARAM_COUNT, values);
  assert_true(accept_pair(&walk, "limit", "5"));
  assert_false(accept_pair(&walk, "limit", "6"));
  query_parse_begin(&walk, params, PARAM_COUNT, values);
  assert_false(query_parse_accept(&walk, "q", 1, "a\0b", 3));
  query_parse_begin(&walk, params, PARAM_COUNT, values);
  assert_false(accept_pair(&walk, "q", "\xff"));
}

static void test_dates(void **state) {
  (void)state;
  assert_true(request_date_is_valid("2000-02-29"));
  assert_false(request_date_is_valid("1900-02-29"));
  assert_true(request_date_is_valid("2025-12-31"));
  assert_false(request_date_is_valid("2025-04-31"));
  assert_false(request_date_is_valid("2025-1-01"));
  assert_false(request_date_is_valid("0000-01-01"));
  assert_false(request_date_is_valid("2025-01-01T00"));
}

static void test_etag_comparison(void **state) {
  (void)state;
  const char *etag = "\"0123456789abcdef0123456789abcdef\"";
  assert_true(response_etag_matches(etag, etag, false));
  assert_true(response_etag_matches("*", etag, false));
  assert_true(response_etag_matches(
      "\"x\", \"0123456789abcdef0123456789abcdef\"", etag, false));
  /* A weak tag matches only the weak comparison of If-None-Match. */
  assert_true(response_etag_matches("W/\"0123456789abcdef0123456789abcdef\"",
                                    etag, true));
  assert_false(response_etag_matches("W/\"0123456789abcdef0123456789abcdef\"",
                                     etag, false));
  assert_false(response_etag_matches("\"other\"", etag, true));
  assert_false(response_etag_matches("", etag, true));
  /* RFC 9110's grammar: "*" alone, or quoted tags separated by commas. */
  assert_true(response_etag_matches(
      " ,\"x\",, \"0123456789abcdef0123456789abcdef\" ", etag, false));
  assert_false(response_etag_matches("*junk", etag, false));
  assert_false(
      response_etag_matches("0123456789abcdef0123456789abcdef", etag, true));
  assert_false(response_etag_matches(
      "\"0123456789abcdef0123456789abcdef\" junk", etag, false));
  assert_false(response_etag_matches("\"a\", *", etag, true));
  assert_false(response_etag_matches("\"unterminated", etag, true));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_router_matches_and_params),
      cmocka_unit_test(test_router_misses),
      cmocka_unit_test(test_query_accepts),
      cmocka_unit_test(test_query_refuses),
      cmocka_unit_test(test_dates),
      cmocka_unit_test(test_etag_comparison),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
