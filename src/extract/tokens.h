/* Word and punctuation tokens of the normalised text, with folded forms for
   matching lexicon entries regardless of case, width and diacritics. */
#ifndef PARLEY_EXTRACT_TOKENS_H
#define PARLEY_EXTRACT_TOKENS_H

#include <stddef.h>
#include <stdint.h>

enum token_flag {
  TOKEN_WORD = 1 << 0,        /* letters or digits (else punctuation) */
  TOKEN_UPPER = 1 << 1,       /* first letter is upper case */
  TOKEN_ALL_CAPS = 1 << 2,    /* every letter upper case ("US", "NATO") */
  TOKEN_POSSESSIVE = 1 << 3,  /* ended in 's, removed from the fold */
  TOKEN_IN_QUOTE = 1 << 4,    /* inside a direct quotation (marks excluded) */
  TOKEN_QUOTE_MARK = 1 << 5,  /* a quotation mark that opens or closes one */
  TOKEN_IN_BRACKETS = 1 << 6, /* inside [ ] (an editor's insertion) */
  TOKEN_DIGIT = 1 << 7,       /* starts with a digit */
};

/* One token; offsets are bytes of the normalised text. */
struct token {
  uint32_t start;
  uint32_t end;      /* includes a possessive 's */
  uint32_t stem_end; /* end without the possessive */
  uint32_t fold;     /* offset of the folded form in token_list.folds */
  uint16_t fold_length;
  uint16_t flags;
  uint32_t sentence; /* index of its sentence */
  uint64_t hash;     /* tokens_hash of the fold, for lexicon look-ups */
};

/* FNV-1a over bytes, continuing from state (TOKENS_HASH_SEED to start). The
   lexicon's maps use the same hash, so that a token's fold is hashed once
   and a phrase's hash extends its first word's. */
#define TOKENS_HASH_SEED 1469598103934665603ull
static inline uint64_t tokens_hash(uint64_t state, const char *bytes,
                                   size_t length) {
  for (size_t i = 0; i < length; i++) {
    state ^= (unsigned char)bytes[i];
    state *= 1099511628211ull;
  }
  return state;
}

/* A growable list of tokens; it owns items and folds (free with
   tokens_free). */
struct token_list {
  struct token *items;
  size_t count;
  size_t capacity;
  char *folds;
  size_t folds_length;
  size_t folds_capacity;
};

void tokens_init(struct token_list *list);
void tokens_free(struct token_list *list);
/* Makes room for count tokens and fold_bytes of folds at once (a hint: the
   lists still grow as needed). Returns 0, or -1 when out of memory. */
int tokens_reserve(struct token_list *list, size_t count, size_t fold_bytes);
/* Appends the tokens of text[start..end) (valid UTF-8) tagged with sentence.
   Returns 0, or -1 when out of memory. */
int tokens_scan(struct token_list *list, const char *text, size_t start,
                size_t end, uint32_t sentence);
/* The folded form of a token (not NUL-terminated; see fold_length). */
static inline const char *tokens_fold(const struct token_list *list,
                                      const struct token *token) {
  return list->folds + token->fold;
}
/* True when the token's fold equals the NUL-terminated word. */
int tokens_is(const struct token_list *list, const struct token *token,
              const char *word);
/* Builds the lookup key of a phrase: its tokens' folds joined by single
   spaces, written NUL-terminated to key. Returns the number of tokens, or -1
   when the key does not fit or memory runs out. */
int tokens_phrase_key(const char *phrase, size_t length, char *key,
                      size_t key_size);
/* Appends the folds of tokens [first, first+count) joined by spaces to key;
   returns the key length or -1 when it does not fit. */
int tokens_join_key(const struct token_list *list, size_t first, size_t count,
                    char *key, size_t key_size);

#endif
