/* libFuzzer target: the cursor decoder of every list and sort; a cursor it
 * accepts must carry a positive id and the sort it was asked for. */
#include "db/articles.h"
#include "db/claims.h"
#include "db/issues.h"
#include "db/parties.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const struct list_spec *const specs[] = {
      &db_parties_list_spec, &db_issues_list_spec, &db_claims_list_spec,
      &db_articles_list_spec};
  char *cursor = malloc(size + 1);
  if (cursor == NULL) {
    return 0;
  }
  memcpy(cursor, data, size);
  cursor[size] = '\0';
  for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
    for (size_t sort = 0; sort < specs[s]->sort_count; sort++) {
      struct list_request request;
      memset(&request, 0, sizeof request);
      request.sort = sort;
      if (db_list_cursor_decode(specs[s], cursor, &request) == 0 &&
          (request.cursor_id <= 0 || !request.has_cursor)) {
        abort();
      }
    }
  }
  free(cursor);
  return 0;
}
