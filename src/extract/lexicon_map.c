/* The lexicon's look-up structure: an open-addressing map from a phrase key
   to an index, and the longest-phrase match over a token list. */
#include "lexicon_map.h"

#include <stdlib.h>
#include <string.h>

#include "tokens.h"

static uint64_t hash_bytes(const char *key, size_t length) {
  return tokens_hash(TOKENS_HASH_SEED, key, length);
}

static int map_grow(struct lexicon_map *map) {
  size_t capacity = map->capacity ? map->capacity * 2 : 64;
  const char **keys = calloc(capacity, sizeof(*keys));
  uint64_t *hashes = calloc(capacity, sizeof(*hashes));
  int *values = calloc(capacity, sizeof(*values));
  if (keys == NULL || hashes == NULL || values == NULL) {
    free(keys);
    free(hashes);
    free(values);
    return -1;
  }
  for (size_t i = 0; i < map->capacity; i++) {
    if (map->keys[i] == NULL) {
      continue;
    }
    size_t slot = map->hashes[i] & (capacity - 1);
    while (keys[slot] != NULL) {
      slot = (slot + 1) & (capacity - 1);
    }
    keys[slot] = map->keys[i];
    hashes[slot] = map->hashes[i];
    values[slot] = map->values[i];
  }
  free(map->keys);
  free(map->hashes);
  free(map->values);
  map->keys = keys;
  map->hashes = hashes;
  map->values = values;
  map->capacity = capacity;
  return 0;
}

void lexicon_map_free(struct lexicon_map *map) {
  if (map->heads != NULL) {
    lexicon_map_free(map->heads);
    free(map->heads);
  }
  free(map->keys);
  free(map->hashes);
  free(map->values);
  memset(map, 0, sizeof(*map));
}

/* Probes for key; most look-ups miss, and a miss compares hashes only. */
static int map_find_slot(const struct lexicon_map *map, const char *key,
                         size_t length, uint64_t hash, size_t *slot_out) {
  if (map->capacity == 0) {
    *slot_out = 0;
    return 0;
  }
  size_t slot = hash & (map->capacity - 1);
  while (map->keys[slot] != NULL) {
    if (map->hashes[slot] == hash &&
        memcmp(map->keys[slot], key, length) == 0 &&
        map->keys[slot][length] == '\0') {
      *slot_out = slot;
      return 1;
    }
    slot = (slot + 1) & (map->capacity - 1);
  }
  *slot_out = slot;
  return 0;
}

int lexicon_map_get_hashed(const struct lexicon_map *map, const char *key,
                           size_t length, uint64_t hash) {
  size_t slot = 0;
  if (!map_find_slot(map, key, length, hash, &slot)) {
    return -1;
  }
  return map->values[slot];
}

int lexicon_map_get(const struct lexicon_map *map, const char *key,
                    size_t length) {
  return lexicon_map_get_hashed(map, key, length, hash_bytes(key, length));
}

static int map_insert(struct lexicon_map *map, struct arena *arena,
                      const char *key, int value, int *existing,
                      int note_heads);

/* Records the first word of a new key and its word count in map->heads. */
static int map_note_head(struct lexicon_map *map, struct arena *arena,
                         const char *key) {
  if (map->heads == NULL) {
    map->heads = calloc(1, sizeof(*map->heads));
    if (map->heads == NULL) {
      return -1;
    }
  }
  int words = 1;
  for (const char *p = key; *p != '\0'; p++) {
    words += *p == ' ';
  }
  const char *space = strchr(key, ' ');
  size_t length = space ? (size_t)(space - key) : strlen(key);
  char head[256];
  if (length >= sizeof(head)) {
    return 0;
  }
  memcpy(head, key, length);
  head[length] = '\0';
  int existing = 0;
  int put = map_insert(map->heads, arena, head, words, &existing, 0);
  if (put == 0 && existing < words) {
    lexicon_map_set(map->heads, head, words);
  }
  return put < 0 ? -1 : 0;
}

/* Inserts key (copied into arena) unless present. Returns 1 when inserted, 0
   when the key was already there (*existing = its value), -1 on failure. */
static int map_insert(struct lexicon_map *map, struct arena *arena,
                      const char *key, int value, int *existing,
                      int note_heads) {
  if ((map->count + 1) * 2 > map->capacity && map_grow(map) != 0) {
    return -1;
  }
  size_t length = strlen(key);
  uint64_t hash = hash_bytes(key, length);
  size_t slot = 0;
  if (map_find_slot(map, key, length, hash, &slot)) {
    if (existing != NULL) {
      *existing = map->values[slot];
    }
    return 0;
  }
  char *copy = arena_strndup(arena, key, length);
  if (copy == NULL) {
    return -1;
  }
  map->keys[slot] = copy;
  map->hashes[slot] = hash;
  map->values[slot] = value;
  map->count++;
  if (note_heads && map_note_head(map, arena, copy) != 0) {
    return -1;
  }
  return 1;
}

int lexicon_map_put(struct lexicon_map *map, struct arena *arena,
                    const char *key, int value, int *existing) {
  return map_insert(map, arena, key, value, existing, 1);
}

void lexicon_map_set(struct lexicon_map *map, const char *key, int value) {
  size_t slot = 0;
  size_t length = strlen(key);
  if (map_find_slot(map, key, length, hash_bytes(key, length), &slot)) {
    map->values[slot] = value;
  }
}

int lexicon_longest(const struct lexicon_map *map, int max_tokens,
                    const struct token_list *tokens, size_t first, size_t limit,
                    size_t *matched) {
  size_t available = limit > first ? limit - first : 0;
  size_t most = (size_t)max_tokens < available ? (size_t)max_tokens : available;
  if (most == 0 || map->heads == NULL) {
    return -1;
  }
  const struct token *head = &tokens->items[first];
  int longest = lexicon_map_get_hashed(map->heads, tokens_fold(tokens, head),
                                       head->fold_length, head->hash);
  if (longest < 0) {
    return -1;
  }
  if ((size_t)longest < most) {
    most = (size_t)longest;
  }
  if (most > LEXICON_MAX_PHRASE_TOKENS) {
    most = LEXICON_MAX_PHRASE_TOKENS;
  }
  /* The hash of each prefix "w1 w2 ... wn", extended word by word. */
  uint64_t hashes[LEXICON_MAX_PHRASE_TOKENS + 1];
  size_t lengths[LEXICON_MAX_PHRASE_TOKENS + 1];
  hashes[1] = head->hash;
  lengths[1] = head->fold_length;
  for (size_t n = 2; n <= most; n++) {
    const struct token *t = &tokens->items[first + n - 1];
    hashes[n] = tokens_hash(tokens_hash(hashes[n - 1], " ", 1),
                            tokens_fold(tokens, t), t->fold_length);
    lengths[n] = lengths[n - 1] + 1 + t->fold_length;
  }
  char key[KEY_SIZE];
  for (size_t n = most; n >= 1; n--) {
    if (lengths[n] + 1 > sizeof(key)) {
      continue;
    }
    size_t slot = hashes[n] & (map->capacity - 1);
    int candidate = 0;
    for (; map->keys[slot] != NULL; slot = (slot + 1) & (map->capacity - 1)) {
      if (map->hashes[slot] == hashes[n]) {
        candidate = 1;
        break;
      }
    }
    if (!candidate) {
      continue;
    }
    int length = tokens_join_key(tokens, first, n, key, sizeof(key));
    if (length < 0) {
      continue;
    }
    int value = lexicon_map_get_hashed(map, key, (size_t)length, hashes[n]);
    if (value >= 0) {
      *matched = n;
      return value;
    }
  }
  return -1;
}
