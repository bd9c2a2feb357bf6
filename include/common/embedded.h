/* Files compiled into the binary (migrations, lexicons, openapi.yaml). */
#ifndef PARLEY_COMMON_EMBEDDED_H
#define PARLEY_COMMON_EMBEDDED_H

#include <stddef.h>

/* One embedded file: its base name and its bytes (NUL-terminated as well). */
struct embedded_file {
  const char *name;
  const char *data;
  size_t length;
};

/* Looks a file up by base name in a NULL-terminated table; NULL if absent. */
const struct embedded_file *embedded_find(const struct embedded_file *table,
                                          const char *name);

#endif
