/* Slugs: the lowercase ASCII identifiers of parties and issues. */
#ifndef PARLEY_COMMON_SLUG_H
#define PARLEY_COMMON_SLUG_H

#include <stdbool.h>
#include <stddef.h>

#define SLUG_MAX_LENGTH 64

/* True for 1-64 characters of [a-z0-9-]. */
bool slug_is_valid(const char *text);

/* Derives a slug from a display name: letters folded to ASCII without
   diacritics, lowercase, other runs turned into one '-', trimmed, cut at 64
   bytes. `out` holds SLUG_MAX_LENGTH + 1 bytes. Returns the slug's length,
   0 when nothing usable is left (e.g. a name in another script). */
size_t slug_from_name(const char *name, char *out);

#endif
