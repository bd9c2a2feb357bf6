/* Bump allocator: many small allocations freed together, one cleanup path. */
#ifndef PARLEY_EXTRACT_ARENA_H
#define PARLEY_EXTRACT_ARENA_H

#include <stddef.h>

struct arena_block;

/* An arena owns every block it hands out; arena_free releases them all. */
struct arena {
  struct arena_block *head;
  size_t block_size;
};

void arena_init(struct arena *arena, size_t block_size);
void arena_free(struct arena *arena);
/* Zeroed memory aligned for any type; NULL when out of memory. */
void *arena_alloc(struct arena *arena, size_t size);
/* A NUL-terminated copy of length bytes of text; NULL when out of memory. */
char *arena_strndup(struct arena *arena, const char *text, size_t length);
char *arena_strdup(struct arena *arena, const char *text);

#endif
