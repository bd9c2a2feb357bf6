/* Hashing, randomness, the text encodings of keys, ETags and cursors, and
   the Unicode normalisation and truncation of names and titles. */
#ifndef PARLEY_COMMON_ENCODING_H
#define PARLEY_COMMON_ENCODING_H

#include <stdbool.h>
#include <stddef.h>

#define SHA256_BYTES 32

void sha256_digest(const void *data, size_t length,
                   unsigned char digest[SHA256_BYTES]);
/* Writes 2 * length lowercase hex digits and a NUL to `out`. */
void hex_encode(const unsigned char *bytes, size_t length, char *out);
/* Fills `buffer` from the system's CSPRNG; returns 0 or -1. */
int random_bytes(void *buffer, size_t length);
/* Compares in time that depends on `length` only. */
bool equal_constant_time(const void *a, const void *b, size_t length);

/* Base64url without padding. encode writes a NUL-terminated string into
   `out` of at least base64url_encoded_size(length) bytes. decode returns the
   decoded length, or -1 on a character outside the alphabet or a bad
   length, writing at most `out_size` bytes. */
size_t base64url_encoded_size(size_t length);
void base64url_encode(const unsigned char *bytes, size_t length, char *out);
long base64url_decode(const char *text, size_t length, unsigned char *out,
                      size_t out_size);

/* The NFC form of a NUL-terminated UTF-8 string (utf8proc), malloc'd; NULL
   when out of memory or when `text` is not valid UTF-8. Names are compared
   and stored in this form, so that "Caf\u00e9" and "Cafe\u0301" are one. */
char *utf8_nfc(const char *text);

/* Code points in a NUL-terminated UTF-8 string (continuation bytes are not
   counted). */
size_t utf8_characters(const char *text);

/* The byte length of the longest prefix of `text` with at most
   `max_characters` code points and `max_bytes` bytes that ends between two
   grapheme clusters (a letter keeps its accents); when no cluster boundary
   fits (one letter with thousands of marks), between two code points. Never
   inside a character. */
size_t utf8_prefix_length(const char *text, size_t max_characters,
                          size_t max_bytes);

#endif
