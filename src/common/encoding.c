/* Hashing (OpenSSL), randomness and base64url for keys, ETags and cursors;
 * Unicode normalisation and truncation (utf8proc). */
#include "common/encoding.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>
#include <utf8proc.h>

void sha256_digest(const void *data, size_t length,
                   unsigned char digest[SHA256_BYTES]) {
  unsigned int size = SHA256_BYTES;
  EVP_Digest(data, length, digest, &size, EVP_sha256(), NULL);
}

void hex_encode(const unsigned char *bytes, size_t length, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < length; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0f];
  }
  out[2 * length] = '\0';
}

int random_bytes(void *buffer, size_t length) {
  return RAND_bytes(buffer, (int)length) == 1 ? 0 : -1;
}

bool equal_constant_time(const void *a, const void *b, size_t length) {
  return CRYPTO_memcmp(a, b, length) == 0;
}

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t base64url_encoded_size(size_t length) {
  return (length + 2) / 3 * 4 + 1;
}

void base64url_encode(const unsigned char *bytes, size_t length, char *out) {
  size_t o = 0;
  size_t i = 0;
  for (; i + 2 < length; i += 3) {
    unsigned long v = (unsigned long)bytes[i] << 16 |
                      (unsigned long)bytes[i + 1] << 8 | bytes[i + 2];
    out[o++] = alphabet[v >> 18 & 63];
    out[o++] = alphabet[v >> 12 & 63];
    out[o++] = alphabet[v >> 6 & 63];
    out[o++] = alphabet[v & 63];
  }
  if (length - i == 1) {
    unsigned long v = (unsigned long)bytes[i] << 16;
    out[o++] = alphabet[v >> 18 & 63];
    out[o++] = alphabet[v >> 12 & 63];
  } else if (length - i == 2) {
    unsigned long v =
        (unsigned long)bytes[i] << 16 | (unsigned long)bytes[i + 1] << 8;
    out[o++] = alphabet[v >> 18 & 63];
    out[o++] = alphabet[v >> 12 & 63];
    out[o++] = alphabet[v >> 6 & 63];
  }
  out[o] = '\0';
}

static int alphabet_index(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '-') {
    return 62;
  }
  if (c == '_') {
    return 63;
  }
  return -1;
}

long base64url_decode(const char *text, size_t length, unsigned char *out,
                      size_t out_size) {
  if (length % 4 == 1) {
    return -1;
  }
  size_t o = 0;
  unsigned long accumulator = 0;
  int bits = 0;
  for (size_t i = 0; i < length; i++) {
    int value = alphabet_index(text[i]);
    if (value < 0) {
      return -1;
    }
    accumulator = (accumulator << 6 | (unsigned long)value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o >= out_size) {
        return -1;
      }
      out[o++] = (unsigned char)(accumulator >> bits & 0xff);
    }
  }
  /* Leftover bits must be zero, or two texts would decode alike. */
  if ((accumulator & ((1UL << bits) - 1)) != 0) {
    return -1;
  }
  return (long)o;
}

char *utf8_nfc(const char *text) {
  return (char *)utf8proc_NFC((const utf8proc_uint8_t *)text);
}

size_t utf8_characters(const char *text) {
  size_t characters = 0;
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    characters += (*p & 0xc0) != 0x80;
  }
  return characters;
}

size_t utf8_prefix_length(const char *text, size_t max_characters,
                          size_t max_bytes) {
  const utf8proc_uint8_t *bytes = (const utf8proc_uint8_t *)text;
  size_t length = strlen(text);
  size_t at = 0;
  size_t characters = 0;
  size_t last_character = 0; /* the longest prefix of whole code points */
  size_t last_cluster = 0;   /* ... that also ends a grapheme cluster */
  utf8proc_int32_t previous = -1;
  utf8proc_int32_t state = 0;
  while (at < length) {
    utf8proc_int32_t codepoint;
    utf8proc_ssize_t size = utf8proc_iterate(
        bytes + at, (utf8proc_ssize_t)(length - at), &codepoint);
    if (size <= 0) {
      break; /* not UTF-8: stop before it */
    }
    if (previous >= 0 &&
        utf8proc_grapheme_break_stateful(previous, codepoint, &state)) {
      last_cluster = at;
    }
    if (characters + 1 > max_characters || at + (size_t)size > max_bytes) {
      return last_cluster > 0 ? last_cluster : last_character;
    }
    at += (size_t)size;
    characters++;
    last_character = at;
    previous = codepoint;
  }
  return at; /* the whole text fits */
}
