/* Unit tests of the common module: slugs, encodings, the error catalogue and
 * the configuration reader. */
#include "common/config.h"
#include "common/encoding.h"
#include "common/problem.h"
#include "common/slug.h"
#include "common/vocabulary.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void test_slug_validity(void **state) {
  (void)state;
  assert_true(slug_is_valid("russia"));
  assert_true(slug_is_valid("peace-deal-2"));
  assert_false(slug_is_valid(""));
  assert_false(slug_is_valid("Russia"));
  assert_false(slug_is_valid("a b"));
  assert_false(slug_is_valid("a/b"));
  char long_slug[66];
  memset(long_slug, 'a', 65);
  long_slug[65] = '\0';
  assert_false(slug_is_valid(long_slug));
  long_slug[64] = '\0';
  assert_true(slug_is_valid(long_slug));
}

static void test_slug_from_name(void **state) {
  (void)state;
  char slug[SLUG_MAX_LENGTH + 1];
  assert_int_equal(slug_from_name("Volodymyr Zelenskyy", slug), 19);
  assert_string_equal(slug, "volodymyr-zelenskyy");
  slug_from_name("  Zélensky,  Volodymyr! ", slug);
  assert_string_equal(slug, "zelensky-volodymyr");
  slug_from_name("Coalition of the Willing (UK/France)", slug);
  assert_string_equal(slug, "coalition-of-the-willing-uk-france");
  /* Nothing usable left: the caller must ask for a slug. */
  assert_int_equal(slug_from_name("Путин", slug), 0);
  assert_int_equal(slug_from_name("!!!", slug), 0);
  /* Cut at 64 bytes, never ending on a dash. */
  char name[200];
  memset(name, 'x', sizeof name);
  memcpy(name + 63, " y", 2);
  name[199] = '\0';
  size_t length = slug_from_name(name, slug);
  assert_true(length <= SLUG_MAX_LENGTH);
  assert_true(slug_is_valid(slug));
  assert_true(slug[length - 1] != '-');
}

static void test_base64url_round_trip(void **state) {
  (void)state;
  const unsigned char bytes[] = {0, 1, 2, 250, 251, 252, 253, 254, 255, 62};
  for (size_t length = 0; length <= sizeof bytes; length++) {
    char text[32];
    unsigned char back[16];
    base64url_encode(bytes, length, text);
    assert_true(strlen(text) + 1 <= base64url_encoded_size(length));
    assert_null(strchr(text, '='));
    long decoded = base64url_decode(text, strlen(text), back, sizeof back);
    assert_int_equal(decoded, (long)length);
    assert_memory_equal(back, bytes, length);
  }
}

static void test_base64url_rejects(void **state) {
  (void)state;
  unsigned char out[16];
  assert_int_equal(base64url_decode("a+b/", 4, out, sizeof out), -1);
  assert_int_equal(base64url_decode("abcde", 5, out, sizeof out), -1);
  /* Non-zero leftover bits: two texts must not decode alike. */
  assert_int_equal(base64url_decode("AB", 2, out, sizeof out), -1);
  assert_int_equal(base64url_decode("AA", 2, out, sizeof out), 1);
  assert_int_equal(base64url_decode("AAAAAAAA", 8, out, 2), -1);
}

static void test_hex_and_digest(void **state) {
  (void)state;
  unsigned char digest[SHA256_BYTES];
  char hex[2 * SHA256_BYTES + 1];
  sha256_digest("abc", 3, digest);
  hex_encode(digest, sizeof digest, hex);
  assert_string_equal(
      hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_true(equal_constant_time("same", "same", 4));
  assert_false(equal_constant_time("same", "sane", 4));
  unsigned char a[16];
  unsigned char b[16];
  assert_int_equal(random_bytes(a, sizeof a), 0);
  assert_int_equal(random_bytes(b, sizeof b), 0);
  assert_memory_not_equal(a, b, sizeof a);
}

static void test_utf8_nfc(void **state) {
  (void)state;
  char *composed = utf8_nfc("Cafe\xcc\x81");
  assert_non_null(composed);
  assert_string_equal(composed, "Caf\xc3\xa9");
  free(composed);
  /* "q" and U+0344 become three code points: NFC can lengthen. */
  char *longer = utf8_nfc("q\xcd\x84");
  assert_non_null(longer);
  assert_int_equal(utf8_characters(longer), 3);
  free(longer);
  assert_null(utf8_nfc("\xff"));
}

static void test_utf8_prefix_length(void **state) {
  (void)state;
  /* Whole text fits. */
  assert_int_equal(utf8_prefix_length("abc", 5, 10), 3);
  /* Characters, then bytes, bound it; never inside one. */
  assert_int_equal(utf8_prefix_length("abcdef", 4, 100), 4);
  assert_int_equal(utf8_prefix_length("\xc3\xa9\xc3\xa9\xc3\xa9", 10, 5), 4);
  assert_int_equal(utf8_prefix_length("\xf0\x9f\x98\x80x", 10, 3), 0);
  /* A letter keeps its accent: "ae\u0301" cut to two code points is "a". */
  assert_int_equal(utf8_prefix_length("ae\xcc\x81", 2, 100), 1);
  /* One letter and many marks has no cluster boundary: cut between code
     points. */
  assert_int_equal(utf8_prefix_length("a\xcc\x81\xcc\x81\xcc\x81", 3, 100), 5);
}

static void test_problem_catalogue(void **state) {
  (void)state;
  assert_int_equal(problem_status(PROBLEM_NOT_FOUND), 404);
  assert_int_equal(problem_status(PROBLEM_BODY_TOO_LARGE), 413);
  assert_int_equal(problem_status(PROBLEM_DATABASE_UNAVAILABLE), 503);
  assert_string_equal(problem_slug(PROBLEM_SLUG_TAKEN), "slug-taken");
  for (int p = 0; p < PROBLEM_COUNT; p++) {
    unsigned status = problem_status((enum problem)p);
    assert_true(status >= 400 && status < 600);
    assert_true(slug_is_valid(problem_slug((enum problem)p)));
    assert_true(strlen(problem_title((enum problem)p)) > 0);
  }
}

/* Each text names its value and back, the lists end in NULL, and a text
   outside the vocabulary (or a case variant) names nothing. */
static void test_vocabulary(void **state) {
  (void)state;
  assert_int_equal(STANCE_COUNT, 6);
  for (int i = 0; i < STANCE_COUNT; i++) {
    assert_non_null(stance_names[i]);
    assert_string_equal(stance_name((enum stance)i), stance_names[i]);
    assert_int_equal(stance_from_name(stance_names[i]), i);
  }
  assert_null(stance_names[STANCE_COUNT]);
  assert_null(stance_name(STANCE_NONE));
  assert_null(stance_name(STANCE_COUNT));
  assert_int_equal(stance_from_name("threatens"), STANCE_THREATENS);
  assert_int_equal(stance_from_name("Threatens"), STANCE_NONE);
  assert_int_equal(stance_from_name(""), STANCE_NONE);
  assert_int_equal(PARTY_KIND_COUNT, 4);
  for (int i = 0; i < PARTY_KIND_COUNT; i++) {
    assert_string_equal(party_kind_name((enum party_kind)i),
                        party_kind_names[i]);
    assert_int_equal(party_kind_from_name(party_kind_names[i]), i);
  }
  assert_null(party_kind_names[PARTY_KIND_COUNT]);
  assert_int_equal(party_kind_from_name("person"), PARTY_KIND_PERSON);
  assert_int_equal(party_kind_from_name("people"), -1);
}

static void test_config_defaults_and_errors(void **state) {
  (void)state;
  struct config config;
  char error[256];
  unsetenv("PORT");
  unsetenv("PARLEY_THREADS");
  unsetenv("PARLEY_LOG_LEVEL");
  unsetenv("DATABASE_URL");
  unsetenv("PARLEY_DB_READERS");
  unsetenv("PARLEY_DB_READER_DEPTH");
  assert_int_equal(config_from_environment(&config, error, sizeof error), 0);
  assert_int_equal(config.port, 8080);
  assert_int_equal(config.body_limit, 2u << 20);
  assert_string_equal(config.cors_origins, "*");
  /* Two threads per CPU, a pool of two connections per thread. */
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  assert_int_equal(config.threads, cpus > 32 ? 64 : 2 * cpus);
  assert_int_equal(config.pool_size, 2 * config.threads);
  /* The reader: 6 connections, each with at most 4 reads in flight. */
  assert_int_equal(config.reader_connections, 6);
  assert_int_equal(config.reader_depth, 4);
  config_release(&config);

  setenv("PARLEY_DB_READER_DEPTH", "0", 1);
  assert_int_equal(config_from_environment(&config, error, sizeof error), -1);
  assert_non_null(strstr(error, "PARLEY_DB_READER_DEPTH"));
  config_release(&config);
  unsetenv("PARLEY_DB_READER_DEPTH");

  setenv("PORT", "70000", 1);
  assert_int_equal(config_from_environment(&config, error, sizeof error), -1);
  assert_non_null(strstr(error, "PORT"));
  config_release(&config);
  setenv("PORT", "-1", 1);
  assert_int_equal(config_from_environment(&config, error, sizeof error), -1);
  config_release(&config);
  setenv("PORT", "8081", 1);
  setenv("PARLEY_LOG_LEVEL", "chatty", 1);
  assert_int_equal(config_from_environment(&config, error, sizeof error), -1);
  assert_non_null(strstr(error, "PARLEY_LOG_LEVEL"));
  config_release(&config);
  unsetenv("PARLEY_LOG_LEVEL");
  unsetenv("PORT");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_slug_validity),
      cmocka_unit_test(test_slug_from_name),
      cmocka_unit_test(test_base64url_round_trip),
      cmocka_unit_test(test_base64url_rejects),
      cmocka_unit_test(test_hex_and_digest),
      cmocka_unit_test(test_utf8_nfc),
      cmocka_unit_test(test_utf8_prefix_length),
      cmocka_unit_test(test_problem_catalogue),
      cmocka_unit_test(test_vocabulary),
      cmocka_unit_test(test_config_defaults_and_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
