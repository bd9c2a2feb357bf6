/* Bump allocator used for the lexicon and for each article's result. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
  struct arena_block *next;
  size_t size;
  size_t used;
  max_align_t data[];
};

void arena_init(struct arena *arena, size_t block_size) {
  arena->head = NULL;
  arena->block_size = block_size < 1024 ? 1024 : block_size;
}

void arena_free(struct arena *arena) {
  struct arena_block *block = arena->head;
  while (block != NULL) {
    struct arena_block *next = block->next;
    free(block);
    block = next;
  }
  arena->head = NULL;
}

void *arena_alloc(struct arena *arena, size_t size) {
  const size_t align = sizeof(max_align_t);
  size_t rounded = (size + align - 1) / align * align;
  if (rounded < size) {
    return NULL;
  }
  struct arena_block *block = arena->head;
  if (block == NULL || block->size - block->used < rounded) {
    size_t capacity = rounded > arena->block_size ? rounded : arena->block_size;
    block = malloc(sizeof(*block) + capacity);
    if (block == NULL) {
      return NULL;
    }
    block->size = capacity;
    block->used = 0;
    /* A large one-off allocation goes behind the head so that the head's
       free space is not wasted. */
    if (arena->head != NULL && rounded > arena->block_size) {
      block->next = arena->head->next;
      arena->head->next = block;
    } else {
      block->next = arena->head;
      arena->head = block;
    }
  }
  void *memory = (char *)block->data + block->used;
  block->used += rounded;
  memset(memory, 0, size);
  return memory;
}

char *arena_strndup(struct arena *arena, const char *text, size_t length) {
  char *copy = arena_alloc(arena, length + 1);
  if (copy != NULL) {
    memcpy(copy, text, length);
    copy[length] = '\0';
  }
  return copy;
}

char *arena_strdup(struct arena *arena, const char *text) {
  return arena_strndup(arena, text, strlen(text));
}
