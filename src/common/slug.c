/* Slug validation and derivation from names (utf8proc for the folding). */
#include "common/slug.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

bool slug_is_valid(const char *text) {
  size_t length = 0;
  for (const char *p = text; *p != '\0'; p++, length++) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return length >= 1 && length <= SLUG_MAX_LENGTH;
}

size_t slug_from_name(const char *name, char *out) {
  utf8proc_uint8_t *folded = NULL;
  /* Decompose, drop the combining marks and fold case: "Zelenskyy",
     "ZELENSKYY" and "Zélenskyy" all give "zelenskyy". */
  utf8proc_ssize_t size = utf8proc_map(
      (const utf8proc_uint8_t *)name, 0, &folded,
      UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT |
          UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
  size_t length = 0;
  bool pending_dash = false;
  if (size < 0) {
    out[0] = '\0';
    return 0;
  }
  for (utf8proc_ssize_t i = 0; i < size && length < SLUG_MAX_LENGTH; i++) {
    unsigned char c = folded[i];
    bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!keep) {
      pending_dash = length > 0;
      continue;
    }
    if (pending_dash) {
      if (length + 1 >= SLUG_MAX_LENGTH) {
        break;
      }
      out[length++] = '-';
      pending_dash = false;
    }
    out[length++] = (char)c;
  }
  out[length] = '\0';
  free(folded);
  return length;
}
