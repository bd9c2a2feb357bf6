/* Tokeniser: splits normalised text into words and punctuation and folds
   words (NFKC, case folding, accents stripped, dots dropped) for look-ups. */
#include "tokens.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

void tokens_init(struct token_list *list) {
  memset(list, 0, sizeof(*list));
}

void tokens_free(struct token_list *list) {
  free(list->items);
  free(list->folds);
  memset(list, 0, sizeof(*list));
}

int tokens_reserve(struct token_list *list, size_t count, size_t fold_bytes) {
  if (count > list->capacity) {
    struct token *items = realloc(list->items, count * sizeof(*items));
    if (items == NULL) {
      return -1;
    }
    list->items = items;
    list->capacity = count;
  }
  if (fold_bytes > list->folds_capacity) {
    char *folds = realloc(list->folds, fold_bytes);
    if (folds == NULL) {
      return -1;
    }
    list->folds = folds;
    list->folds_capacity = fold_bytes;
  }
  return 0;
}

static int is_word_codepoint(utf8proc_int32_t cp) {
  if (cp < 128) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= '0' && cp <= '9');
  }
  utf8proc_category_t category = utf8proc_category(cp);
  return (category >= UTF8PROC_CATEGORY_LU &&
          category <= UTF8PROC_CATEGORY_ME) ||
         (category >= UTF8PROC_CATEGORY_ND && category <= UTF8PROC_CATEGORY_NO);
}

static int is_upper(utf8proc_int32_t cp) {
  return cp < 128 ? cp >= 'A' && cp <= 'Z' : utf8proc_isupper(cp);
}

static int is_lower(utf8proc_int32_t cp) {
  return cp < 128 ? cp >= 'a' && cp <= 'z' : utf8proc_islower(cp);
}

static int is_apostrophe(utf8proc_int32_t cp) {
  return cp == '\'' || cp == 0x2019;
}

static utf8proc_int32_t decode(const char *text, size_t at, size_t end,
                               size_t *length) {
  if ((unsigned char)text[at] < 128) {
    *length = 1;
    return (unsigned char)text[at];
  }
  utf8proc_int32_t cp = 0;
  utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)text + at,
                                        (utf8proc_ssize_t)(end - at), &cp);
  if (n <= 0) {
    *length = 1;
    return 0xFFFD;
  }
  *length = (size_t)n;
  return cp;
}

static int reserve_folds(struct token_list *list, size_t more) {
  if (list->folds_length + more <= list->folds_capacity) {
    return 0;
  }
  size_t capacity = list->folds_capacity ? list->folds_capacity * 2 : 4096;
  while (capacity < list->folds_length + more) {
    capacity *= 2;
  }
  char *folds = realloc(list->folds, capacity);
  if (folds == NULL) {
    return -1;
  }
  list->folds = folds;
  list->folds_capacity = capacity;
  return 0;
}

/* Writes the folded form of text[start..end) to the fold buffer. ASCII words
   take a fast path; others go through utf8proc. */
static int append_fold(struct token_list *list, const char *text, size_t start,
                       size_t end, struct token *token) {
  size_t length = end - start;
  int ascii = 1;
  for (size_t i = start; i < end; i++) {
    if ((unsigned char)text[i] >= 128) {
      ascii = 0;
      break;
    }
  }
  if (ascii) {
    if (reserve_folds(list, length + 1) != 0) {
      return -1;
    }
    char *out = list->folds + list->folds_length;
    size_t n = 0;
    for (size_t i = start; i < end; i++) {
      char c = text[i];
      if (c == '.') {
        continue;
      }
      out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    token->fold = (uint32_t)list->folds_length;
    token->fold_length = (uint16_t)n;
    list->folds_length += n;
    return 0;
  }
  utf8proc_uint8_t *mapped = NULL;
  utf8proc_ssize_t n = utf8proc_map(
      (const utf8proc_uint8_t *)text + start, (utf8proc_ssize_t)length, &mapped,
      UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
          UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
  if (n < 0) {
    return -1;
  }
  if (reserve_folds(list, (size_t)n + 1) != 0) {
    free(mapped);
    return -1;
  }
  char *out = list->folds + list->folds_length;
  size_t written = 0;
  for (utf8proc_ssize_t i = 0; i < n; i++) {
    unsigned char c = mapped[i];
    if (c == '.') {
      continue;
    }
    /* U+2019 (E2 80 99) folds to an ASCII apostrophe. */
    if (c == 0xE2 && i + 2 < n && mapped[i + 1] == 0x80 &&
        (mapped[i + 2] == 0x99 || mapped[i + 2] == 0x98)) {
      out[written++] = '\'';
      i += 2;
      continue;
    }
    out[written++] = (char)c;
  }
  free(mapped);
  token->fold = (uint32_t)list->folds_length;
  token->fold_length = (uint16_t)(written > 65535 ? 65535 : written);
  list->folds_length += written;
  return 0;
}

static int push(struct token_list *list, const struct token *token) {
  if (list->count == list->capacity) {
    size_t capacity = list->capacity ? list->capacity * 2 : 256;
    struct token *items = realloc(list->items, capacity * sizeof(*items));
    if (items == NULL) {
      return -1;
    }
    list->items = items;
    list->capacity = capacity;
  }
  struct token *added = &list->items[list->count++];
  *added = *token;
  added->hash = tokens_hash(TOKENS_HASH_SEED, list->folds + added->fold,
                            added->fold_length);
  return 0;
}

/* Punctuation folds to one canonical character: all double quotation marks
   to '"', single ones to '\'', dashes to '-' (hyphen) or '—' (em/en dash). */
static const char *punct_fold(utf8proc_int32_t cp) {
  switch (cp) {
  case 0x201C:
  case 0x201D:
  case 0x201E:
  case 0x00AB:
  case 0x00BB:
  case '"':
    return "\"";
  case 0x2018:
  case 0x2019:
  case '\'':
    return "'";
  case 0x2014:
  case 0x2013:
    return "\xE2\x80\x94";
  default:
    return NULL;
  }
}

int tokens_scan(struct token_list *list, const char *text, size_t start,
                size_t end, uint32_t sentence) {
  size_t at = start;
  while (at < end) {
    size_t length = 0;
    utf8proc_int32_t cp = decode(text, at, end, &length);
    if (cp == ' ' || cp == '\n' || cp == '\t' || cp == '\r' || cp == 0xA0 ||
        (cp >= 128 && utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS)) {
      at += length;
      continue;
    }
    struct token token = {0};
    token.start = (uint32_t)at;
    token.sentence = sentence;
    if (!is_word_codepoint(cp)) {
      token.end = token.stem_end = (uint32_t)(at + length);
      const char *fold = punct_fold(cp);
      if (reserve_folds(list, 8) != 0) {
        return -1;
      }
      token.fold = (uint32_t)list->folds_length;
      if (fold != NULL) {
        size_t n = strlen(fold);
        memcpy(list->folds + list->folds_length, fold, n);
        token.fold_length = (uint16_t)n;
      } else {
        memcpy(list->folds + list->folds_length, text + at, length);
        token.fold_length = (uint16_t)length;
      }
      list->folds_length += token.fold_length;
      if (push(list, &token) != 0) {
        return -1;
      }
      at += length;
      continue;
    }
    /* A word: letters and digits, inner apostrophes ("can't") and the dots
       of single-letter acronyms ("U.S."). */
    size_t word_end = at;
    size_t segment = 0;
    int letters = 0, upper = 0, lower = 0;
    token.flags = TOKEN_WORD;
    if (cp < 128 ? (cp >= '0' && cp <= '9')
                 : utf8proc_category(cp) == UTF8PROC_CATEGORY_ND) {
      token.flags |= TOKEN_DIGIT;
    }
    if (is_upper(cp)) {
      token.flags |= TOKEN_UPPER;
    }
    size_t stem_end = 0;
    while (word_end < end) {
      size_t n = 0;
      utf8proc_int32_t c = decode(text, word_end, end, &n);
      if (is_word_codepoint(c)) {
        if (is_upper(c)) {
          upper++;
        } else if (is_lower(c)) {
          lower++;
        }
        letters++;
        segment++;
        word_end += n;
        continue;
      }
      size_t n2 = 0;
      utf8proc_int32_t next =
          word_end + n < end ? decode(text, word_end + n, end, &n2) : 0;
      if (is_apostrophe(c) && is_word_codepoint(next)) {
        size_t n3 = 0;
        utf8proc_int32_t after = word_end + n + n2 < end
                                     ? decode(text, word_end + n + n2, end, &n3)
                                     : 0;
        if ((next == 's' || next == 'S') && !is_word_codepoint(after)) {
          stem_end = word_end;
          word_end += n + n2;
          token.flags |= TOKEN_POSSESSIVE;
          break;
        }
        word_end += n;
        segment = 0;
        continue;
      }
      if (c == '.' && segment == 1 &&
          (next == 0 || !is_word_codepoint(next) || is_upper(next))) {
        /* "U.S." keeps its dots when every segment is one letter. */
        size_t n3 = 0;
        utf8proc_int32_t after = word_end + n + n2 < end
                                     ? decode(text, word_end + n + n2, end, &n3)
                                     : 0;
        if (is_word_codepoint(next) && after == '.') {
          word_end += n;
          segment = 0;
          continue;
        }
        if (!is_word_codepoint(next) && letters >= 2 &&
            memchr(text + at, '.', word_end - at) != NULL) {
          word_end += n; /* the final dot of "U.S." */
        }
        break;
      }
      break;
    }
    token.end = (uint32_t)word_end;
    token.stem_end = (uint32_t)(stem_end ? stem_end : word_end);
    if (upper > 0 && lower == 0 && letters > 0) {
      token.flags |= TOKEN_ALL_CAPS;
    }
    if (append_fold(list, text, at, token.stem_end, &token) != 0) {
      return -1;
    }
    if (push(list, &token) != 0) {
      return -1;
    }
    at = word_end;
  }
  return 0;
}

int tokens_is(const struct token_list *list, const struct token *token,
              const char *word) {
  size_t n = strlen(word);
  return token->fold_length == n &&
         memcmp(list->folds + token->fold, word, n) == 0;
}

int tokens_join_key(const struct token_list *list, size_t first, size_t count,
                    char *key, size_t key_size) {
  size_t length = 0;
  for (size_t i = 0; i < count; i++) {
    const struct token *token = &list->items[first + i];
    size_t need = token->fold_length + (i > 0 ? 1 : 0);
    if (length + need + 1 > key_size) {
      return -1;
    }
    if (i > 0) {
      key[length++] = ' ';
    }
    memcpy(key + length, list->folds + token->fold, token->fold_length);
    length += token->fold_length;
  }
  key[length] = '\0';
  return (int)length;
}

int tokens_phrase_key(const char *phrase, size_t length, char *key,
                      size_t key_size) {
  struct token_list list;
  tokens_init(&list);
  int result = -1;
  if (tokens_scan(&list, phrase, 0, length, 0) != 0) {
    goto cleanup;
  }
  if (tokens_join_key(&list, 0, list.count, key, key_size) < 0) {
    goto cleanup;
  }
  result = (int)list.count;
cleanup:
  tokens_free(&list);
  return result;
}
