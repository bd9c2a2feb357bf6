/* libFuzzer target: the whole extraction pipeline and its JSON on arbitrary
   bytes. Build with -DPARLEY_FUZZ=ON (clang); seed: tests/fuzz/corpus/extract.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"
#include "ingest/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct extract_lexicon *fuzz_lexicon;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (fuzz_lexicon == NULL) {
    char error[256];
    fuzz_lexicon = extract_lexicon_load_embedded(error, sizeof(error));
    if (fuzz_lexicon == NULL) {
      fprintf(stderr, "lexicon: %s\n", error);
      abort();
    }
  }
  struct extract_result *result = NULL;
  char error[256];
  int status = extract_article(fuzz_lexicon, (const char *)data, size, &result,
                               error, sizeof(error));
  if (status != EXTRACT_OK) {
    if (result != NULL || error[0] == '\0') {
      abort(); /* failures leave no result and always say why */
    }
    return 0;
  }
  for (size_t i = 0; i < result->claim_count; i++) {
    const struct extract_claim *claim = &result->claims[i];
    /* Every claim's text is exactly the input bytes at its offsets. */
    if (claim->start > claim->end || claim->end > size ||
        memcmp(data + claim->start, claim->text, claim->end - claim->start) !=
            0 ||
        strlen(claim->text) != claim->end - claim->start) {
      abort();
    }
  }
  json_t *json = ingest_result_json(result);
  if (json == NULL) {
    abort();
  }
  /* The output reads back as the same value. */
  char *text = json_dumps(json, JSON_COMPACT);
  if (text == NULL) {
    abort();
  }
  json_error_t json_error;
  json_t *back = json_loads(text, 0, &json_error);
  if (back == NULL || !json_equal(back, json)) {
    abort();
  }
  json_decref(back);
  free(text);
  json_decref(json);
  extract_result_free(result);
  return 0;
}
