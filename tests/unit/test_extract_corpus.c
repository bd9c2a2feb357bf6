/* Runs the development corpus through the pipeline and its JSON: offsets
   index the input bytes, fields are as the dry-run contract requires. */
#include "extract_test_util.h"

#include <dirent.h>

static char *read_file(const char *path, size_t *length) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    return NULL;
  }
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  fseek(file, 0, SEEK_SET);
  char *bytes = malloc((size_t)size + 1);
  if (bytes != NULL && fread(bytes, 1, (size_t)size, file) != (size_t)size) {
    free(bytes);
    bytes = NULL;
  }
  fclose(file);
  *length = (size_t)size;
  return bytes;
}

static void check_article(const char *bytes, size_t length) {
  struct extract_result *r = NULL;
  char error[256];
  assert_int_equal(
      extract_article(test_lexicon, bytes, length, &r, error, sizeof(error)),
      EXTRACT_OK);
  assert_true(r->claim_count > 0);
  for (size_t i = 0; i < r->claim_count; i++) {
    const struct extract_claim *c = &r->claims[i];
    assert_true(c->start < c->end && c->end <= length);
    assert_memory_equal(bytes + c->start, c->text, c->end - c->start);
    assert_true(c->confidence > 0.0 && c->confidence < 1.0);
    assert_non_null(c->cameo);
    if (c->cue.word != NULL) {
      assert_memory_equal(bytes + c->cue.start, c->cue.word,
                          c->cue.end - c->cue.start);
    }
  }
  check_json_round_trip(r);
  json_t *json = ingest_result_json(r);
  assert_non_null(json);
  json_t *claims = json_object_get(json, "claims");
  assert_int_equal(json_array_size(claims), r->claim_count);
  json_t *first = json_array_get(claims, 0);
  static const char *const keys[] = {
      "start",  "end",   "text",      "speaker", "party", "issues",
      "stance", "quote", "stated_on", "cue",     "cameo", "confidence"};
  for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
    assert_non_null(json_object_get(first, keys[k]));
  }
  assert_non_null(json_object_get(json_object_get(json, "article"), "sha256"));
  json_decref(json);
  extract_result_free(r);
}

static void test_corpus(void **state) {
  (void)state;
  const char *shared = getenv("PARLEY_SHARED");
  if (shared == NULL) {
    print_message("PARLEY_SHARED is not set: skipping the corpus test\n");
    skip();
  }
  char directory[1024];
  snprintf(directory, sizeof(directory), "%s/corpus", shared);
  DIR *dir = opendir(directory);
  if (dir == NULL) {
    print_message("%s is absent: skipping the corpus test\n", directory);
    skip();
  }
  int articles = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    size_t n = strlen(entry->d_name);
    if (n < 5 || strcmp(entry->d_name + n - 4, ".txt") != 0) {
      continue;
    }
    char path[2048];
    snprintf(path, sizeof(path), "%s/%s", directory, entry->d_name);
    size_t length = 0;
    char *bytes = read_file(path, &length);
    assert_non_null(bytes);
    check_article(bytes, length);
    /* The same article with CRLF line ends and a BOM gives the same claims
       at shifted offsets. */
    char *crlf = malloc(length * 2 + 4);
    assert_non_null(crlf);
    size_t m = 0;
    memcpy(crlf, "\xEF\xBB\xBF", 3);
    m = 3;
    for (size_t i = 0; i < length; i++) {
      if (bytes[i] == '\n') {
        crlf[m++] = '\r';
      }
      crlf[m++] = bytes[i];
    }
    check_article(crlf, m);
    free(crlf);
    free(bytes);
    articles++;
  }
  closedir(dir);
  assert_true(articles > 0);
}

/* Escapes: quotation marks, backslashes, tabs and control characters in
   claim text, non-ASCII left as it is; no claims and no parties at all. */
static void test_json_escapes_round_trip(void **state) {
  (void)state;
  struct extract_result *r = extract_text(
      "By Jane \"JJ\" Doe\n\nKyiv \xE2\x80\x94 Peskov said the path\\back "
      "was\tclosed \x01 \"for now\" to Zelenskyy\xE2\x80\x99s aides.\n");
  assert_true(r->claim_count > 0);
  check_json_round_trip(r);
  extract_result_free(r);
  r = extract_text("Nothing happened here today.\n");
  check_json_round_trip(r);
  extract_result_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_corpus),
      cmocka_unit_test(test_json_escapes_round_trip)};
  return cmocka_run_group_tests(tests, lexicon_setup, lexicon_teardown);
}
