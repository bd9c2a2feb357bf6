/* libFuzzer target: the query-string parser of list endpoints (the claims
 * table, which has every kind of parameter), fed key=value pairs split from
 * the input the way a query string is split. */
#include "api/handlers.h"
#include "http/request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A private copy: values point into it, like into MHD's buffer. */
  char *copy = malloc(size + 1);
  if (copy == NULL) {
    return 0;
  }
  memcpy(copy, data, size);
  copy[size] = '\0';
  struct query_value values[16];
  struct query_parse walk;
  query_parse_begin(&walk, claims_list_params, claims_list_param_count,
                    values);
  char *pair = copy;
  char *end = copy + size;
  while (pair < end) {
    char *next = memchr(pair, '&', (size_t)(end - pair));
    char *pair_end = next != NULL ? next : end;
    *pair_end = '\0';
    char *equals = memchr(pair, '=', (size_t)(pair_end - pair));
    size_t key_size = (size_t)((equals != NULL ? equals : pair_end) - pair);
    const char *value = NULL;
    size_t value_size = 0;
    if (equals != NULL) {
      *equals = '\0';
      value = equals + 1;
      value_size = (size_t)(pair_end - value);
    }
    if (!query_parse_accept(&walk, pair, key_size, value, value_size)) {
      /* A refusal always says which parameter and why. */
      if (walk.bad_name == NULL || walk.bad_reason == NULL) {
        abort();
      }
      break;
    }
    pair = pair_end + 1;
  }
  free(copy);
  return 0;
}
