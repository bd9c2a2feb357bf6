/* Finds the catalogue's issue keywords among a claim's tokens. */
#include "topics.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "entities.h"

/* ---- patterns -------------------------------------------------------------
 */

#define PARTY_WORD "@party"
#define NEAR_WORD "near/"
/* Determiners or possessives "@party" may skip: "meet his Russian
   counterpart". */
#define PARTY_SKIP 2
#define HEAD_FILTER_BITS 1024

/* One word of a pattern phrase; fold NULL stands for "@party". */
struct issue_pattern_word {
  const char *fold;
  size_t length;
  uint64_t hash;
};

struct issue_pattern_phrase {
  size_t first_word;
  size_t word_count;
  int has_party; /* holds "@party" */
};

/* One keyword pattern: one side (alternatives), or two sides within window
   words of each other. */
struct issue_pattern {
  size_t issue;
  int weak;
  int sides;
  size_t window;
  size_t first_phrase[2];
  size_t phrase_count[2];
};

struct issue_patterns {
  struct issue_pattern_word *words;
  size_t word_count;
  struct issue_pattern_phrase *phrases;
  size_t phrase_count;
  struct issue_pattern *patterns;
  size_t pattern_count;
  /* Bits of the hashes of the phrases' first words: most tokens start no
     phrase, and one test says so. */
  uint64_t head_filter[HEAD_FILTER_BITS / 64];
};

int topics_keyword_is_pattern(const char *keyword) {
  return strchr(keyword, '|') != NULL || strstr(keyword, PARTY_WORD) != NULL ||
         strstr(keyword, " " NEAR_WORD) != NULL;
}

/* Finds " near/N " in text[0, length): sets *at (offset of the space before),
   *after (offset after the space that follows) and *window. Returns 1 when
   found, 0 when absent, -1 when malformed. */
static int find_near(const char *text, size_t length, size_t *at, size_t *after,
                     size_t *window) {
  size_t word_length = strlen(NEAR_WORD);
  for (size_t i = 0; i + 1 + word_length <= length; i++) {
    if (text[i] != ' ' || strncmp(text + i + 1, NEAR_WORD, word_length) != 0) {
      continue;
    }
    size_t j = i + 1 + word_length;
    size_t value = 0, digits = 0;
    while (j < length && isdigit((unsigned char)text[j]) && digits < 2) {
      value = value * 10 + (size_t)(text[j] - '0');
      j++;
      digits++;
    }
    if (digits == 0 || j >= length || text[j] != ' ') {
      return -1;
    }
    *at = i;
    *after = j + 1;
    *window = value;
    return 1;
  }
  return 0;
}

/* Appends the words of one alternative text[0, length) to compiled (when not
   NULL; else only counts them in *words). Returns 0, or -1 when it is empty,
   too long, or starts with "@party". */
static int add_phrase(struct issue_patterns *compiled, struct arena *arena,
                      const char *text, size_t length, size_t *words) {
  size_t count = 0;
  size_t i = 0;
  while (i < length) {
    while (i < length && text[i] == ' ') {
      i++;
    }
    size_t start = i;
    while (i < length && text[i] != ' ') {
      i++;
    }
    if (i == start) {
      break;
    }
    size_t word_length = i - start;
    if (word_length == strlen(PARTY_WORD) &&
        strncmp(text + start, PARTY_WORD, word_length) == 0) {
      if (count == 0) {
        return -1; /* a phrase must start with a word of its own */
      }
      if (compiled != NULL) {
        compiled->words[compiled->word_count++] =
            (struct issue_pattern_word){NULL, 0, 0};
      }
      count++;
      continue;
    }
    char key[256];
    int tokens = tokens_phrase_key(text + start, word_length, key, sizeof(key));
    if (tokens <= 0) {
      continue; /* punctuation only */
    }
    /* A written word may fold to several tokens ("cease-fire"). */
    char *cursor = key;
    for (int t = 0; t < tokens; t++) {
      char *end = strchr(cursor, ' ');
      size_t fold_length = end ? (size_t)(end - cursor) : strlen(cursor);
      if (compiled != NULL) {
        char *fold = arena_alloc(arena, fold_length + 1);
        if (fold == NULL) {
          return -1;
        }
        memcpy(fold, cursor, fold_length);
        fold[fold_length] = '\0';
        compiled->words[compiled->word_count++] = (struct issue_pattern_word){
            fold, fold_length,
            tokens_hash(TOKENS_HASH_SEED, fold, fold_length)};
      }
      count++;
      cursor = end ? end + 1 : cursor + fold_length;
    }
  }
  if (count == 0 || count > LEXICON_MAX_PHRASE_TOKENS) {
    return -1;
  }
  *words += count;
  return 0;
}

/* Adds the alternatives of one side text[0, length). Counts phrases and
   words when compiled is NULL. */
static int add_side(struct issue_patterns *compiled, struct arena *arena,
                    const char *text, size_t length, size_t *phrases,
                    size_t *words) {
  size_t start = 0;
  for (size_t i = 0; i <= length; i++) {
    if (i < length && text[i] != '|') {
      continue;
    }
    size_t first_word = compiled ? compiled->word_count : 0;
    size_t before = *words;
    if (add_phrase(compiled, arena, text + start, i - start, words) != 0) {
      return -1;
    }
    if (compiled != NULL) {
      int has_party = 0;
      for (size_t w = first_word; w < compiled->word_count; w++) {
        has_party |= compiled->words[w].fold == NULL;
      }
      compiled->phrases[compiled->phrase_count++] =
          (struct issue_pattern_phrase){first_word, *words - before, has_party};
    }
    (*phrases)++;
    start = i + 1;
  }
  return 0;
}

/* Compiles one pattern keyword into compiled, or only counts its phrases and
   words when compiled is NULL. */
static int add_pattern(struct issue_patterns *compiled, struct arena *arena,
                       const char *keyword, size_t issue, int weak,
                       size_t *phrases, size_t *words) {
  size_t length = strlen(keyword);
  size_t at = length, after = length, window = 0;
  int near = find_near(keyword, length, &at, &after, &window);
  if (near < 0) {
    return -1;
  }
  struct issue_pattern pattern = {issue,  weak,   near ? 2 : 1,
                                  window, {0, 0}, {0, 0}};
  size_t bounds[2][2] = {{0, at}, {after, length}};
  for (int side = 0; side < pattern.sides; side++) {
    size_t before = *phrases;
    pattern.first_phrase[side] = compiled ? compiled->phrase_count : 0;
    if (add_side(compiled, arena, keyword + bounds[side][0],
                 bounds[side][1] - bounds[side][0], phrases, words) != 0) {
      return -1;
    }
    pattern.phrase_count[side] = *phrases - before;
  }
  if (compiled != NULL) {
    compiled->patterns[compiled->pattern_count++] = pattern;
  }
  return 0;
}

int extract_issue_keyword_usable(const char *keyword) {
  size_t phrases = 0, words = 0;
  if (topics_keyword_is_pattern(keyword)) {
    return add_pattern(NULL, NULL, keyword, 0, 0, &phrases, &words) == 0;
  }
  char key[256];
  int tokens = tokens_phrase_key(keyword, strlen(keyword), key, sizeof(key));
  return tokens > 0 && tokens <= LEXICON_MAX_PHRASE_TOKENS;
}

int topics_patterns_compile(struct arena *arena,
                            const struct extract_issue_definition *issues,
                            size_t issue_count,
                            struct issue_patterns **patterns, char *error,
                            size_t error_size) {
  *patterns = NULL;
  size_t pattern_count = 0, phrase_count = 0, word_count = 0;
  for (size_t i = 0; i < issue_count; i++) {
    for (size_t k = 0; k < issues[i].keyword_count; k++) {
      const char *keyword = issues[i].keywords[k].keyword;
      if (keyword == NULL || !topics_keyword_is_pattern(keyword)) {
        continue;
      }
      if (add_pattern(NULL, NULL, keyword, i, 0, &phrase_count, &word_count) !=
          0) {
        snprintf(error, error_size, "issue %s: malformed pattern \"%.40s\"",
                 issues[i].slug, keyword);
        return -1;
      }
      pattern_count++;
    }
  }
  if (pattern_count == 0) {
    return 0;
  }
  struct issue_patterns *compiled = arena_alloc(arena, sizeof(*compiled));
  if (compiled == NULL) {
    snprintf(error, error_size, "out of memory");
    return -1;
  }
  memset(compiled, 0, sizeof(*compiled));
  compiled->words = arena_alloc(arena, word_count * sizeof(*compiled->words));
  compiled->phrases =
      arena_alloc(arena, phrase_count * sizeof(*compiled->phrases));
  compiled->patterns =
      arena_alloc(arena, pattern_count * sizeof(*compiled->patterns));
  if (compiled->words == NULL || compiled->phrases == NULL ||
      compiled->patterns == NULL) {
    snprintf(error, error_size, "out of memory");
    return -1;
  }
  size_t phrases = 0, words = 0;
  for (size_t i = 0; i < issue_count; i++) {
    for (size_t k = 0; k < issues[i].keyword_count; k++) {
      const struct extract_issue_keyword *keyword = &issues[i].keywords[k];
      if (keyword->keyword == NULL ||
          !topics_keyword_is_pattern(keyword->keyword)) {
        continue;
      }
      if (add_pattern(compiled, arena, keyword->keyword, i, keyword->weak,
                      &phrases, &words) != 0) {
        snprintf(error, error_size, "out of memory");
        return -1;
      }
    }
  }
  for (size_t p = 0; p < compiled->phrase_count; p++) {
    uint64_t hash = compiled->words[compiled->phrases[p].first_word].hash;
    size_t bit = hash % HEAD_FILTER_BITS;
    compiled->head_filter[bit / 64] |= (uint64_t)1 << (bit % 64);
  }
  *patterns = compiled;
  return 0;
}

static int is_party(const struct extract_lexicon *lexicon,
                    const struct token_list *tokens,
                    const struct issue_context *context, size_t index,
                    size_t last) {
  if (context == NULL || context->parties == NULL) {
    return 0;
  }
  if (context->parties->token_mention != NULL &&
      context->parties->token_mention[index] >= 0) {
    return 1;
  }
  enum lexicon_role_class role_class;
  return entities_role_at(lexicon, tokens, index, last, &role_class) > 0;
}

/* True when the phrase at token start is the setting of a statement rather
   than its matter: "after his talks with X", "at a meeting with Y" (a
   preposition, then at most two determiners, possessives or "Sunday's"). */
static int is_setting(const struct extract_lexicon *lexicon,
                      const struct token_list *tokens, size_t start) {
  size_t at = start;
  for (int skipped = 0; at > 0 && skipped <= PARTY_SKIP; skipped++) {
    at--;
    int word_class = lexicon_word_class(lexicon, tokens, at);
    if ((word_class & LEXICON_WORD_PREPOSITION) != 0) {
      return 1;
    }
    if ((word_class & (LEXICON_WORD_DETERMINER | LEXICON_WORD_POSSESSIVE)) ==
            0 &&
        (tokens->items[at].flags & TOKEN_POSSESSIVE) == 0) {
      return 0;
    }
  }
  return 0;
}

/* Where a phrase that starts at token start in [start, last) ends, or 0. */
static size_t phrase_end(const struct extract_lexicon *lexicon,
                         const struct issue_patterns *compiled,
                         const struct issue_pattern_phrase *phrase,
                         const struct token_list *tokens,
                         const struct issue_context *context, size_t start,
                         size_t last) {
  size_t at = start;
  for (size_t w = 0; w < phrase->word_count; w++) {
    const struct issue_pattern_word *word =
        &compiled->words[phrase->first_word + w];
    if (word->fold == NULL) {
      for (int skipped = 0;
           skipped < PARTY_SKIP && at < last &&
           !is_party(lexicon, tokens, context, at, last) &&
           (lexicon_word_class(lexicon, tokens, at) &
            (LEXICON_WORD_DETERMINER | LEXICON_WORD_POSSESSIVE)) != 0;
           skipped++) {
        at++;
      }
      if (at >= last || !is_party(lexicon, tokens, context, at, last)) {
        return 0;
      }
      while (at < last && is_party(lexicon, tokens, context, at, last)) {
        at++;
      }
      /* "meet Ukraine's demands": the party owns the object. */
      if ((tokens->items[at - 1].flags & TOKEN_POSSESSIVE) != 0) {
        return 0;
      }
      continue;
    }
    if (at >= last) {
      return 0;
    }
    const struct token *token = &tokens->items[at];
    if (token->hash != word->hash || token->fold_length != word->length ||
        memcmp(tokens_fold(tokens, token), word->fold, word->length) != 0) {
      return 0;
    }
    at++;
  }
  /* A meeting with a party named as the time or place of what is said
     is the setting, not the matter. */
  if (phrase->has_party && is_setting(lexicon, tokens, start)) {
    return 0;
  }
  return at;
}

/* Where one of the alternatives of a side starting at token start ends, or
   0. */
static size_t side_end(const struct extract_lexicon *lexicon,
                       const struct issue_patterns *compiled,
                       const struct issue_pattern *pattern, int side,
                       const struct token_list *tokens,
                       const struct issue_context *context, size_t start,
                       size_t last) {
  for (size_t p = 0; p < pattern->phrase_count[side]; p++) {
    size_t end = phrase_end(lexicon, compiled,
                            &compiled->phrases[pattern->first_phrase[side] + p],
                            tokens, context, start, last);
    if (end > 0) {
      return end;
    }
  }
  return 0;
}

/* True when pattern matches with its first side found at token start. */
static int pattern_at(const struct extract_lexicon *lexicon,
                      const struct issue_patterns *compiled,
                      const struct issue_pattern *pattern,
                      const struct token_list *tokens,
                      const struct issue_context *context, size_t start,
                      size_t last) {
  for (int side = 0; side < pattern->sides; side++) {
    size_t end = side_end(lexicon, compiled, pattern, side, tokens, context,
                          start, last);
    if (end == 0) {
      continue;
    }
    if (pattern->sides == 1) {
      return 1;
    }
    /* The other side follows within the window, in the same clause. */
    for (size_t next = end; next < last && next <= end + pattern->window;
         next++) {
      if (next > end) {
        const struct token *between = &tokens->items[next - 1];
        if ((between->flags & (TOKEN_WORD | TOKEN_QUOTE_MARK)) == 0) {
          break;
        }
      }
      if (side_end(lexicon, compiled, pattern, 1 - side, tokens, context, next,
                   last) > 0) {
        return 1;
      }
    }
  }
  return 0;
}

/* Marks in found_issues the issues of the patterns of the given strength
   (0 strong, 1 weak) in tokens [first, last); returns how many matched. */
static size_t scan_patterns(const struct extract_lexicon *lexicon,
                            const struct token_list *tokens,
                            const struct issue_context *context, int weak,
                            size_t first, size_t last, size_t issue_count,
                            unsigned char *found_issues) {
  const struct issue_patterns *compiled = lexicon->issue_patterns;
  size_t found = 0;
  if (compiled == NULL) {
    return 0;
  }
  for (size_t i = first; i < last; i++) {
    size_t bit = tokens->items[i].hash % HEAD_FILTER_BITS;
    if ((compiled->head_filter[bit / 64] & ((uint64_t)1 << (bit % 64))) == 0) {
      continue;
    }
    for (size_t p = 0; p < compiled->pattern_count; p++) {
      const struct issue_pattern *pattern = &compiled->patterns[p];
      if (pattern->weak != weak || pattern->issue >= issue_count) {
        continue;
      }
      if (pattern_at(lexicon, compiled, pattern, tokens, context, i, last)) {
        found_issues[pattern->issue] = 1;
        found++;
      }
    }
  }
  return found;
}

/* ---- phrases --------------------------------------------------------------
 */

/* Marks in found_issues the issues of the keywords of map in tokens
   [first, last), longest match first, left to right. Returns how many
   keyword occurrences were found. */
static size_t scan(const struct lexicon_map *map, int max_tokens,
                   const struct token_list *tokens, size_t first, size_t last,
                   size_t issue_count, unsigned char *found_issues) {
  size_t found = 0;
  if (map == NULL) {
    return 0;
  }
  for (size_t i = first; i < last; i++) {
    size_t matched = 0;
    int issue = lexicon_longest(map, max_tokens, tokens, i, last, &matched);
    if (issue < 0 || (size_t)issue >= issue_count) {
      continue;
    }
    found_issues[issue] = 1;
    found++;
    i += matched - 1;
  }
  return found;
}

static size_t catalogue_size(const struct extract_lexicon *lexicon) {
  return lexicon->issue_count < ISSUES_MAX ? lexicon->issue_count : ISSUES_MAX;
}

/* True when a keyword of either strength starts at token index. */
static int keyword_at(const struct extract_lexicon *lexicon,
                      const struct token_list *tokens, size_t index,
                      size_t last) {
  size_t matched = 0;
  for (int strength = 0; strength < 2; strength++) {
    const struct lexicon_map *map = lexicon->issue_keywords[strength];
    if (map != NULL &&
        lexicon_longest(map, lexicon->issue_keyword_max_tokens[strength],
                        tokens, index, last, &matched) >= 0) {
      return 1;
    }
  }
  return 0;
}

/* True when tokens [first, last) point back at a matter named before:
   a demonstrative before a noun for a matter ("this plan", "that effort")
   that is no keyword itself ("this proposal" is one), or a demonstrative
   standing alone ("avoid this.", "this is happening"). "this week" points
   at a time, not a matter. */
static int refers_back(const struct extract_lexicon *lexicon,
                       const struct token_list *tokens, size_t first,
                       size_t last) {
  for (size_t i = first; i < last; i++) {
    if ((lexicon_word_class(lexicon, tokens, i) & LEXICON_WORD_DEMONSTRATIVE) ==
        0) {
      continue;
    }
    if (i + 1 >= last) {
      return 1;
    }
    const struct token *next = &tokens->items[i + 1];
    int next_class = lexicon_word_class(lexicon, tokens, i + 1);
    if ((next_class & LEXICON_WORD_MATTER) != 0 &&
        !keyword_at(lexicon, tokens, i, last)) {
      return 1;
    }
    if ((next->flags & (TOKEN_WORD | TOKEN_QUOTE_MARK)) == 0 ||
        (next_class & LEXICON_WORD_FINITE) != 0) {
      return 1;
    }
  }
  return 0;
}

void topics_of_article(const struct extract_lexicon *lexicon,
                       const struct token_list *tokens,
                       const struct issue_context *context, size_t first,
                       size_t last, struct issue_topics *topics) {
  memset(topics->named, 0, sizeof(topics->named));
  scan(lexicon->issue_keywords[0], lexicon->issue_keyword_max_tokens[0], tokens,
       first, last, catalogue_size(lexicon), topics->named);
  scan_patterns(lexicon, tokens, context, 0, first, last,
                catalogue_size(lexicon), topics->named);
}

size_t topics_detect_in_article(const struct extract_lexicon *lexicon,
                                const struct token_list *tokens,
                                const struct issue_context *context,
                                const struct issue_topics *topics, size_t first,
                                size_t last, size_t *out, size_t out_size,
                                struct issue_evidence *evidence) {
  struct issue_evidence unused;
  if (evidence == NULL) {
    evidence = &unused;
  }
  memset(evidence, 0, sizeof(*evidence));
  size_t issue_count = catalogue_size(lexicon);
  unsigned char seen[ISSUES_MAX];
  memset(seen, 0, issue_count);
  size_t strong_hits =
      scan(lexicon->issue_keywords[0], lexicon->issue_keyword_max_tokens[0],
           tokens, first, last, issue_count, seen) +
      scan_patterns(lexicon, tokens, context, 0, first, last, issue_count,
                    seen);
  evidence->hits = strong_hits;
  if (strong_hits == 0) {
    unsigned char weak[ISSUES_MAX];
    memset(weak, 0, issue_count);
    size_t weak_hits =
        scan(lexicon->issue_keywords[1], lexicon->issue_keyword_max_tokens[1],
             tokens, first, last, issue_count, weak) +
        scan_patterns(lexicon, tokens, context, 1, first, last, issue_count,
                      weak);
    evidence->generic_only = weak_hits > 0;
    evidence->refers_back = refers_back(lexicon, tokens, first, last);
    /* An ambiguous word names an issue only where the article is about it:
       "the plant" is the nuclear plant in an article naming the nuclear
       plant, "the talks" the peace talks in one about a peace deal. Beside a
       strong keyword it only sets the scene ("the talks on the ceasefire"),
       so it counts only alone. */
    for (size_t i = 0; i < issue_count; i++) {
      if (weak[i] && (topics == NULL || topics->named[i])) {
        seen[i] = 1;
        evidence->hits++;
        evidence->weak = 1;
      }
    }
  }
  size_t count = 0;
  for (size_t i = 0; i < issue_count && count < out_size; i++) {
    if (seen[i]) {
      out[count++] = i;
    }
  }
  return count;
}
