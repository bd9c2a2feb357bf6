/* The texts of the records' closed vocabularies (common/vocabulary.h). */
#include "common/vocabulary.h"

#include <string.h>

const char *const stance_names[STANCE_COUNT + 1] = {
#define X(name, text) text,
    STANCE_MAP(X)
#undef X
        NULL};

const char *const party_kind_names[PARTY_KIND_COUNT + 1] = {
#define X(name, text) text,
    PARTY_KIND_MAP(X)
#undef X
        NULL};

const char *stance_name(enum stance stance) {
  return stance >= 0 && stance < STANCE_COUNT ? stance_names[stance] : NULL;
}

const char *party_kind_name(enum party_kind kind) {
  return kind >= 0 && kind < PARTY_KIND_COUNT ? party_kind_names[kind] : NULL;
}

/* The index of text in a NULL-terminated list, or -1. */
static int index_of(const char *const *names, const char *text) {
  for (int i = 0; names[i] != NULL; i++) {
    if (strcmp(names[i], text) == 0) {
      return i;
    }
  }
  return -1;
}

enum stance stance_from_name(const char *text) {
  return (enum stance)index_of(stance_names, text);
}

int party_kind_from_name(const char *text) {
  return index_of(party_kind_names, text);
}
