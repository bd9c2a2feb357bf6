/* Building the lexicon's phrase maps (struct lexicon_map, extract/lexicon.h);
   private to the lexicon loader. */
#ifndef PARLEY_EXTRACT_LEXICON_MAP_H
#define PARLEY_EXTRACT_LEXICON_MAP_H

#include "arena.h"
#include "lexicon.h"

/* The longest phrase key, NUL included, that the maps hold. */
#define KEY_SIZE 256

/* Inserts key (copied into arena) unless present. Returns 1 when inserted, 0
   when the key was already there (*existing = its value, existing may be
   NULL), -1 when out of memory. Also records the key's first word. */
int lexicon_map_put(struct lexicon_map *map, struct arena *arena,
                    const char *key, int value, int *existing);
/* Replaces the value of a key already present. */
void lexicon_map_set(struct lexicon_map *map, const char *key, int value);
/* Frees the map's tables (its keys live in the arena). */
void lexicon_map_free(struct lexicon_map *map);

#endif
