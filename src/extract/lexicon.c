/* Parses the embedded lexicon TSV files into look-up tables (and lets the
   issue catalogue be replaced by the database's copy). */
#include "lexicon.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/embedded.h"
#include "lexicon_map.h"
#include "tokens.h"
#include "topics.h"
#include "tsv.h"

extern const struct embedded_file embedded_lexicons[];

static void set_error(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(char *error, size_t error_size, const char *format, ...) {
  if (error == NULL || error_size == 0) {
    return;
  }
  va_list args;
  va_start(args, format);
  vsnprintf(error, error_size, format, args);
  va_end(args);
}

int lexicon_word_class(const struct extract_lexicon *lexicon,
                       const struct token_list *tokens, size_t index) {
  const struct token *token = &tokens->items[index];
  int value =
      lexicon_map_get_hashed(&lexicon->word_classes, tokens_fold(tokens, token),
                             token->fold_length, token->hash);
  return value < 0 ? 0 : value;
}

/* ---- growable arrays in plain heap memory, moved to the arena at the end */

static int grow(void **items, size_t *capacity, size_t count, size_t size) {
  if (count < *capacity) {
    return 0;
  }
  size_t next = *capacity ? *capacity * 2 : 32;
  void *moved = realloc(*items, next * size);
  if (moved == NULL) {
    return -1;
  }
  *items = moved;
  *capacity = next;
  return 0;
}

static void *to_arena(struct arena *arena, void *items, size_t count,
                      size_t size) {
  void *copy = arena_alloc(arena, count * size + 1);
  if (copy != NULL && count > 0) {
    memcpy(copy, items, count * size);
  }
  free(items);
  return copy;
}

/* Ends the loading of a growable table: on success it moves into the arena,
   on failure it is freed; either way *items no longer points to the heap.
   Returns the loader's result, or -1 when the move ran out of memory. */
static int table_finish(struct arena *arena, void **items, size_t count,
                        size_t size, int result) {
  if (result != 0) {
    free(*items);
    *items = NULL;
    return result;
  }
  *items = to_arena(arena, *items, count, size);
  return *items != NULL ? 0 : -1;
}

/* ---- loaders -------------------------------------------------------------
 */

struct builder {
  struct extract_lexicon *lexicon;
  struct lexicon_party *parties;
  size_t party_capacity;
  struct lexicon_alias *aliases;
  size_t alias_capacity;
  /* Aliases below this index are embedded: added parties never make one of
     their surnames ambiguous. */
  size_t frozen_aliases;
  /* While loading the embedded gazetteer: an alias already claimed by another
     party is an error in the data, not a silent first-come win. */
  int refuse_shared_aliases;
  /* Capacities of the growable tables while their files load. */
  size_t role_capacity;
  size_t cue_capacity;
  size_t stance_cue_capacity;
  size_t boilerplate_capacity;
  /* issues.tsv and issue_keywords.tsv, gathered until both are read. */
  struct arena issue_scratch;
  struct extract_issue_definition *issue_definitions;
  size_t issue_definition_capacity;
  size_t issue_definition_count;
  struct extract_issue_keyword *issue_keywords;
  const char **issue_keyword_slugs;
  size_t issue_keyword_capacity;
  size_t issue_keyword_slug_capacity;
  size_t issue_keyword_count;
  char *error;
  size_t error_size;
};

static int find_party(const struct builder *b, const char *name) {
  for (size_t i = 0; b->parties != NULL && i < b->lexicon->party_count; i++) {
    if (strcmp(b->parties[i].name, name) == 0) {
      return (int)i;
    }
  }
  return -1;
}

static int add_alias(struct builder *b, int party, const char *text,
                     enum lexicon_alias_type type) {
  struct extract_lexicon *lexicon = b->lexicon;
  char key[KEY_SIZE];
  int token_count = tokens_phrase_key(text, strlen(text), key, sizeof(key));
  if (token_count <= 0) {
    return 0; /* an empty alias adds nothing */
  }
  if (token_count > LEXICON_MAX_PHRASE_TOKENS) {
    set_error(b->error, b->error_size, "alias \"%s\" has too many words", text);
    return -1;
  }
  if (grow((void **)&b->aliases, &b->alias_capacity, lexicon->alias_count,
           sizeof(*b->aliases)) != 0) {
    return -1;
  }
  int existing = -1;
  int put = lexicon_map_put(&lexicon->alias_map, &lexicon->arena, key,
                            (int)lexicon->alias_count, &existing);
  if (put < 0) {
    return -1;
  }
  if (put == 0) {
    if (existing < 0 || (size_t)existing >= lexicon->alias_count) {
      return 0;
    }
    struct lexicon_alias *earlier = &b->aliases[existing];
    /* The analyzer cannot see that every index the map returns was written
       below before it was stored. */
    // NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign)
    int earlier_party = earlier->party;
    if (b->refuse_shared_aliases && earlier_party >= 0 &&
        earlier_party != party) {
      set_error(b->error, b->error_size,
                "alias \"%s\" of %s is already an alias of %s", text,
                b->parties[party].name, b->parties[earlier_party].name);
      return -1;
    }
    /* A surname shared by two office holders names neither. */
    if (type == LEXICON_ALIAS_SURNAME &&
        (size_t)existing >= b->frozen_aliases &&
        earlier->type == LEXICON_ALIAS_SURNAME && earlier_party != party) {
      earlier->party = -1;
    }
    return 0;
  }
  struct lexicon_alias *alias = &b->aliases[lexicon->alias_count++];
  alias->party = party;
  alias->type = type;
  alias->exact_case = type == LEXICON_ALIAS_ACRONYM;
  alias->upper_initial =
      isupper((unsigned char)text[0]) || (unsigned char)text[0] >= 0x80;
  alias->token_count = token_count;
  if (token_count > lexicon->alias_max_tokens) {
    lexicon->alias_max_tokens = token_count;
  }
  return 0;
}

/* Copies the next |-separated item of *list into item and moves *list past
   it; false at the end of the list. An empty item, or one too long to be a
   key, comes back as "". */
static bool list_next_item(const char **list, char item[KEY_SIZE]) {
  const char *at = *list;
  if (*at == '\0') {
    return false;
  }
  const char *bar = strchr(at, '|');
  size_t length = bar ? (size_t)(bar - at) : strlen(at);
  item[0] = '\0';
  if (length < KEY_SIZE) {
    memcpy(item, at, length);
    item[length] = '\0';
  }
  *list = bar ? bar + 1 : at + length;
  return true;
}

/* Adds each |-separated item of list as an alias. */
static int add_aliases(struct builder *b, int party, const char *list,
                       enum lexicon_alias_type type) {
  char item[KEY_SIZE];
  while (list_next_item(&list, item)) {
    if (item[0] != '\0' && add_alias(b, party, item, type) != 0) {
      return -1;
    }
  }
  return 0;
}

static int add_party(struct builder *b, const char *name,
                     enum party_kind kind) {
  struct extract_lexicon *lexicon = b->lexicon;
  if (grow((void **)&b->parties, &b->party_capacity, lexicon->party_count,
           sizeof(*b->parties)) != 0) {
    return -1;
  }
  struct lexicon_party *party = &b->parties[lexicon->party_count];
  memset(party, 0, sizeof(*party));
  party->name = arena_strdup(&lexicon->arena, name);
  party->kind = kind;
  party->affiliation = -1;
  if (party->name == NULL) {
    return -1;
  }
  return (int)lexicon->party_count++;
}

/* The class of the longest role phrase found anywhere in text. */
static enum lexicon_role_class
role_class_of(const struct extract_lexicon *lexicon, const char *text) {
  struct token_list tokens;
  tokens_init(&tokens);
  enum lexicon_role_class best = LEXICON_ROLE_NONE;
  size_t best_length = 0;
  if (tokens_scan(&tokens, text, 0, strlen(text), 0) == 0) {
    for (size_t i = 0; i < tokens.count; i++) {
      size_t matched = 0;
      int role = lexicon_longest(&lexicon->role_map, lexicon->role_max_tokens,
                                 &tokens, i, tokens.count, &matched);
      if (role >= 0 && matched >= best_length) {
        best = lexicon->roles[role].role_class;
        best_length = matched;
      }
    }
  }
  tokens_free(&tokens);
  return best;
}

static int add_surname(struct builder *b, int party, const char *name) {
  const char *space = strrchr(name, ' ');
  if (space == NULL) {
    return 0;
  }
  const char *surname = space + 1;
  /* Short last words ("Un", "II") are not surnames worth matching alone. */
  if (strlen(surname) < 4 || !isupper((unsigned char)surname[0])) {
    return 0;
  }
  return add_alias(b, party, surname, LEXICON_ALIAS_SURNAME);
}

static pcre2_code *compile_pattern(const char *pattern, size_t length,
                                   uint32_t options, char *error,
                                   size_t error_size) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code *compiled =
      pcre2_compile((PCRE2_SPTR)pattern, length,
                    options | PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &code,
                    &offset, NULL);
  if (compiled == NULL) {
    PCRE2_UCHAR message[160];
    pcre2_get_error_message(code, message, sizeof(message));
    set_error(error, error_size, "pattern %.60s: %s at %zu", pattern,
              (const char *)message, (size_t)offset);
    return NULL;
  }
  /* JIT is an optimisation: without it the interpreter still works. */
  (void)pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE);
  return compiled;
}

/* ---- one row function per lexicon file ----------------------------------
 */

static int gazetteer_row(struct builder *b, char **f, size_t line) {
  /* The gazetteer names bodies; people.tsv names people. */
  int kind = party_kind_from_name(f[1]);
  if (kind < 0 || kind == PARTY_KIND_PERSON) {
    set_error(b->error, b->error_size, "gazetteer.tsv:%zu: unknown kind %s",
              line, f[1]);
    return -1;
  }
  int party = add_party(b, f[0], (enum party_kind)kind);
  if (party < 0 || add_alias(b, party, f[0], LEXICON_ALIAS_NAME) != 0 ||
      add_aliases(b, party, f[2], LEXICON_ALIAS_NAME) != 0 ||
      add_aliases(b, party, f[3], LEXICON_ALIAS_DEMONYM) != 0 ||
      add_aliases(b, party, f[4], LEXICON_ALIAS_CAPITAL) != 0 ||
      add_aliases(b, party, f[5], LEXICON_ALIAS_SEAT) != 0 ||
      add_aliases(b, party, f[6], LEXICON_ALIAS_ACRONYM) != 0) {
    return -1;
  }
  return 0;
}

static int person_row(struct builder *b, char **f, size_t line) {
  int affiliation = find_party(b, f[1]);
  if (affiliation < 0) {
    set_error(b->error, b->error_size,
              "people.tsv:%zu: affiliation %s is not in the gazetteer", line,
              f[1]);
    return -1;
  }
  int party = add_party(b, f[0], PARTY_KIND_PERSON);
  if (party < 0) {
    return -1;
  }
  b->parties[party].affiliation = affiliation;
  b->parties[party].role = arena_strdup(&b->lexicon->arena, f[2]);
  b->parties[party].role_class = role_class_of(b->lexicon, f[2]);
  b->parties[party].leader = strcmp(f[3], "1") == 0;
  if (add_alias(b, party, f[0], LEXICON_ALIAS_NAME) != 0 ||
      add_aliases(b, party, f[4], LEXICON_ALIAS_NAME) != 0 ||
      add_surname(b, party, f[0]) != 0) {
    return -1;
  }
  /* Surnames of the aliases too ("Zelenskyy" from "Volodymyr Zelenskyy"). */
  char item[KEY_SIZE];
  for (const char *list = f[4]; list_next_item(&list, item);) {
    if (item[0] != '\0' && add_surname(b, party, item) != 0) {
      return -1;
    }
  }
  return 0;
}

static int role_row(struct builder *b, char **f, size_t line) {
  static const char *const classes[] = {
      "",      "leader",   "minister", "spokesperson", "adviser",
      "envoy", "official", "military", "body"};
  struct extract_lexicon *lexicon = b->lexicon;
  enum lexicon_role_class role_class = LEXICON_ROLE_NONE;
  for (size_t i = 1; i < sizeof(classes) / sizeof(classes[0]); i++) {
    if (strcmp(f[1], classes[i]) == 0) {
      role_class = (enum lexicon_role_class)i;
    }
  }
  if (role_class == LEXICON_ROLE_NONE) {
    set_error(b->error, b->error_size, "roles.tsv:%zu: unknown class %s", line,
              f[1]);
    return -1;
  }
  char key[KEY_SIZE];
  int token_count = tokens_phrase_key(f[0], strlen(f[0]), key, sizeof(key));
  if (token_count <= 0 || token_count > LEXICON_MAX_PHRASE_TOKENS) {
    return 0;
  }
  if (grow((void **)&lexicon->roles, &b->role_capacity, lexicon->role_count,
           sizeof(*lexicon->roles)) != 0 ||
      lexicon_map_put(&lexicon->role_map, &lexicon->arena, key,
                      (int)lexicon->role_count, NULL) < 0) {
    return -1;
  }
  lexicon->roles[lexicon->role_count].role_class = role_class;
  lexicon->roles[lexicon->role_count].token_count = token_count;
  lexicon->role_count++;
  if (token_count > lexicon->role_max_tokens) {
    lexicon->role_max_tokens = token_count;
  }
  return 0;
}

static int cue_row(struct builder *b, char **f, size_t line) {
  struct extract_lexicon *lexicon = b->lexicon;
  struct lexicon_cue cue = {0};
  if (strcmp(f[1], "speech") == 0) {
    cue.kind = LEXICON_CUE_SPEECH;
  } else if (strcmp(f[1], "position") == 0) {
    cue.kind = LEXICON_CUE_POSITION;
  } else if (strcmp(f[1], "adjective") == 0) {
    cue.kind = LEXICON_CUE_ADJECTIVE;
  } else if (strcmp(f[1], "according") == 0) {
    cue.kind = LEXICON_CUE_ACCORDING;
  } else if (strcmp(f[1], "naming") == 0) {
    cue.kind = LEXICON_CUE_NAMING;
  } else {
    set_error(b->error, b->error_size, "cues.tsv:%zu: unknown kind %s", line,
              f[1]);
    return -1;
  }
  size_t stance_length = strlen(f[2]);
  if (stance_length > 0 && f[2][stance_length - 1] == '?') {
    cue.conditional = 1;
    f[2][stance_length - 1] = '\0';
  }
  cue.stance = f[2][0] ? stance_from_name(f[2]) : STANCE_NONE;
  if (f[2][0] && cue.stance == STANCE_NONE) {
    set_error(b->error, b->error_size, "cues.tsv:%zu: unknown stance %s", line,
              f[2]);
    return -1;
  }
  char key[KEY_SIZE];
  cue.token_count = tokens_phrase_key(f[0], strlen(f[0]), key, sizeof(key));
  if (cue.token_count <= 0 || cue.token_count > 2) {
    set_error(b->error, b->error_size, "cues.tsv:%zu: a cue has 1 or 2 words",
              line);
    return -1;
  }
  if (grow((void **)&lexicon->cues, &b->cue_capacity, lexicon->cue_count,
           sizeof(*lexicon->cues)) != 0 ||
      lexicon_map_put(&lexicon->cue_map, &lexicon->arena, key,
                      (int)lexicon->cue_count, NULL) < 0) {
    return -1;
  }
  lexicon->cues[lexicon->cue_count++] = cue;
  return 0;
}

static int stance_row(struct builder *b, char **f, size_t line) {
  struct extract_lexicon *lexicon = b->lexicon;
  struct lexicon_stance_cue cue = {0};
  if (strcmp(f[1], "modal") == 0) {
    cue.kind = LEXICON_STANCE_MODAL;
  } else if (strcmp(f[1], "verb") == 0) {
    cue.kind = LEXICON_STANCE_VERB;
  } else if (strcmp(f[1], "verb+object+to") == 0) {
    cue.kind = LEXICON_STANCE_VERB;
    cue.needs_object_then_to = 1;
  } else if (strcmp(f[1], "negation") == 0) {
    cue.kind = LEXICON_STANCE_NEGATION;
  } else if (strcmp(f[1], "condition") == 0) {
    cue.kind = LEXICON_STANCE_CONDITION;
  } else if (strcmp(f[1], "neutral") == 0) {
    cue.kind = LEXICON_STANCE_NEUTRAL;
  } else if (strcmp(f[1], "passive") == 0) {
    cue.kind = LEXICON_STANCE_PASSIVE;
  } else if (strcmp(f[1], "noun-marker") == 0) {
    cue.kind = LEXICON_STANCE_NOUN_MARKER;
  } else if (strcmp(f[1], "relative") == 0) {
    cue.kind = LEXICON_STANCE_RELATIVE;
  } else if (strcmp(f[1], "future") == 0) {
    cue.kind = LEXICON_STANCE_FUTURE;
  } else if (strcmp(f[1], "contrast") == 0) {
    cue.kind = LEXICON_STANCE_CONTRAST;
  } else if (strcmp(f[1], "label") == 0) {
    cue.kind = LEXICON_STANCE_LABEL;
  } else if (strcmp(f[1], "hope") == 0) {
    cue.kind = LEXICON_STANCE_HOPE;
  } else if (strcmp(f[1], "insist") == 0) {
    cue.kind = LEXICON_STANCE_INSIST;
  } else if (strcmp(f[1], "person") == 0) {
    cue.kind = LEXICON_STANCE_PERSON;
  } else {
    set_error(b->error, b->error_size, "stance.tsv:%zu: unknown kind %s", line,
              f[1]);
    return -1;
  }
  cue.stance = f[2][0] ? stance_from_name(f[2]) : STANCE_NONE;
  if ((cue.kind == LEXICON_STANCE_MODAL || cue.kind == LEXICON_STANCE_VERB) &&
      cue.stance == STANCE_NONE) {
    set_error(b->error, b->error_size, "stance.tsv:%zu: unknown stance %s",
              line, f[2]);
    return -1;
  }
  char key[KEY_SIZE];
  cue.token_count = tokens_phrase_key(f[0], strlen(f[0]), key, sizeof(key));
  if (cue.token_count <= 0 || cue.token_count > LEXICON_MAX_PHRASE_TOKENS) {
    return 0;
  }
  if (grow((void **)&lexicon->stance_cues, &b->stance_cue_capacity,
           lexicon->stance_cue_count, sizeof(*lexicon->stance_cues)) != 0 ||
      lexicon_map_put(&lexicon->stance_map, &lexicon->arena, key,
                      (int)lexicon->stance_cue_count, NULL) < 0) {
    return -1;
  }
  lexicon->stance_cues[lexicon->stance_cue_count++] = cue;
  if (cue.token_count > lexicon->stance_max_tokens) {
    lexicon->stance_max_tokens = cue.token_count;
  }
  return 0;
}

static int function_word_row(struct builder *b, char **f, size_t line) {
  static const struct {
    const char *name;
    int bit;
  } classes[] = {{"opener", LEXICON_WORD_OPENER},
                 {"aux", LEXICON_WORD_AUX},
                 {"pronoun", LEXICON_WORD_PRONOUN},
                 {"boundary", LEXICON_WORD_BOUNDARY},
                 {"relative", LEXICON_WORD_RELATIVE},
                 {"determiner", LEXICON_WORD_DETERMINER},
                 {"hedge", LEXICON_WORD_HEDGE},
                 {"anaphor", LEXICON_WORD_ANAPHOR},
                 {"preposition", LEXICON_WORD_PREPOSITION},
                 {"conditional", LEXICON_WORD_CONDITIONAL},
                 {"demonstrative", LEXICON_WORD_DEMONSTRATIVE},
                 {"matter", LEXICON_WORD_MATTER},
                 {"possessive", LEXICON_WORD_POSSESSIVE},
                 {"finite", LEXICON_WORD_FINITE}};
  struct extract_lexicon *lexicon = b->lexicon;
  int bit = 0;
  for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
    if (strcmp(f[1], classes[i].name) == 0) {
      bit = classes[i].bit;
    }
  }
  if (bit == 0) {
    set_error(b->error, b->error_size,
              "function_words.tsv:%zu: unknown class %s", line, f[1]);
    return -1;
  }
  char key[KEY_SIZE];
  if (tokens_phrase_key(f[0], strlen(f[0]), key, sizeof(key)) != 1) {
    return 0; /* only single words are function words */
  }
  int existing = 0;
  int put = lexicon_map_put(&lexicon->word_classes, &lexicon->arena, key, bit,
                            &existing);
  if (put < 0) {
    return -1;
  }
  if (put == 0) {
    lexicon_map_set(&lexicon->word_classes, key, existing | bit);
  }
  return 0;
}

static int abbreviation_row(struct builder *b, char **f, size_t line) {
  struct extract_lexicon *lexicon = b->lexicon;
  (void)line;
  int value = strcmp(f[1], "title") == 0 ? 1 : 2;
  if (lexicon_map_put(&lexicon->abbreviations, &lexicon->arena, f[0], value,
                      NULL) < 0) {
    return -1;
  }
  return 0;
}

static int calendar_row(struct builder *b, char **f, size_t line) {
  struct extract_lexicon *lexicon = b->lexicon;
  int kind;
  if (strcmp(f[1], "month") == 0) {
    kind = LEXICON_CALENDAR_MONTH;
  } else if (strcmp(f[1], "weekday") == 0) {
    kind = LEXICON_CALENDAR_WEEKDAY;
  } else if (strcmp(f[1], "relative") == 0) {
    kind = LEXICON_CALENDAR_RELATIVE;
  } else {
    set_error(b->error, b->error_size, "calendar.tsv:%zu: unknown kind %s",
              line, f[1]);
    return -1;
  }
  char *value_end = NULL;
  long value = strtol(f[2], &value_end, 10);
  if (value_end == f[2] || *value_end != '\0' || value < -49 || value > 49) {
    set_error(b->error, b->error_size,
              "calendar.tsv:%zu: value %s is not an integer from -49 to 49",
              line, f[2]);
    return -1;
  }
  if (lexicon_map_put(&lexicon->calendar, &lexicon->arena, f[0],
                      kind * 100 + (int)value + 50, NULL) < 0) {
    return -1;
  }
  return 0;
}

static int cameo_row(struct builder *b, char **f, size_t line) {
  struct extract_lexicon *lexicon = b->lexicon;
  enum stance stance = stance_from_name(f[0]);
  if (stance == STANCE_NONE) {
    set_error(b->error, b->error_size, "cameo.tsv:%zu: unknown stance %s", line,
              f[0]);
    return -1;
  }
  lexicon->cameo[stance] = arena_strdup(&lexicon->arena, f[1]);
  if (lexicon->cameo[stance] == NULL) {
    return -1;
  }
  return 0;
}

static int boilerplate_row(struct builder *b, char **f, size_t line) {
  struct extract_lexicon *lexicon = b->lexicon;
  (void)line;
  if (grow((void **)&lexicon->boilerplate, &b->boilerplate_capacity,
           lexicon->boilerplate_count, sizeof(*lexicon->boilerplate)) != 0) {
    return -1;
  }
  int whole_line = strcmp(f[1], "line") == 0;
  uint32_t options = PCRE2_CASELESS | (whole_line ? 0 : PCRE2_ANCHORED);
  pcre2_code *pattern = compile_pattern(f[0], PCRE2_ZERO_TERMINATED, options,
                                        b->error, b->error_size);
  if (pattern == NULL) {
    return -1;
  }
  lexicon->boilerplate[lexicon->boilerplate_count].pattern = pattern;
  lexicon->boilerplate[lexicon->boilerplate_count].whole_line = whole_line;
  lexicon->boilerplate_count++;
  return 0;
}

/* ---- parties from the database --------------------------------------------
 */

static int party_kind_of(const char *kind, enum party_kind *out) {
  int found = kind != NULL ? party_kind_from_name(kind) : -1;
  if (found < 0) {
    return -1;
  }
  *out = (enum party_kind)found;
  return 0;
}

/* An alias of up to five capitals and no lower case ("NATO", "U.S.") is an
   acronym: matched ignoring case it would make parties of common words
   ("us", "who"). */
static enum lexicon_alias_type alias_type_of(const char *alias) {
  size_t capitals = 0;
  for (const unsigned char *p = (const unsigned char *)alias; *p != '\0'; p++) {
    if (islower(*p) || *p >= 0x80) {
      return LEXICON_ALIAS_NAME;
    }
    capitals += isupper(*p) != 0;
  }
  return capitals >= 1 && capitals <= 5 ? LEXICON_ALIAS_ACRONYM
                                        : LEXICON_ALIAS_NAME;
}

/* The phrase key of text in key[KEY_SIZE]; 0 when it is no usable phrase. */
static int usable_key(const char *text, char *key) {
  int tokens = tokens_phrase_key(text, strlen(text), key, KEY_SIZE);
  return tokens > 0 && tokens <= LEXICON_MAX_PHRASE_TOKENS;
}

/* A definition's name and aliases (and a person's surnames) for party. */
static int add_definition_aliases(struct builder *b, int party,
                                  const struct extract_party_definition *d,
                                  int person) {
  if (add_alias(b, party, d->name, LEXICON_ALIAS_NAME) != 0 ||
      (person && add_surname(b, party, d->name) != 0)) {
    return -1;
  }
  for (size_t i = 0; i < d->alias_count; i++) {
    char key[KEY_SIZE];
    const char *alias = d->aliases[i];
    if (alias == NULL || !usable_key(alias, key)) {
      continue;
    }
    enum lexicon_alias_type type =
        person ? LEXICON_ALIAS_NAME : alias_type_of(alias);
    if (add_alias(b, party, alias, type) != 0 ||
        (person && add_surname(b, party, alias) != 0)) {
      return -1;
    }
  }
  return 0;
}

int extract_lexicon_add_parties(struct extract_lexicon *lexicon,
                                const struct extract_party_definition *parties,
                                size_t count, char *error, size_t error_size) {
  char scratch_error[1];
  if (error == NULL || error_size == 0) {
    error = scratch_error;
    error_size = sizeof(scratch_error);
  }
  error[0] = '\0';
  /* Every definition is checked before the lexicon changes. */
  for (size_t i = 0; i < count; i++) {
    enum party_kind kind;
    if (parties[i].name == NULL) {
      set_error(error, error_size, "party %zu has no name", i);
      return -1;
    }
    if (party_kind_of(parties[i].kind, &kind) != 0) {
      set_error(error, error_size, "party %.60s: unknown kind %.20s",
                parties[i].name, parties[i].kind ? parties[i].kind : "(null)");
      return -1;
    }
    if (parties[i].aliases == NULL && parties[i].alias_count > 0) {
      set_error(error, error_size, "party %.60s: aliases missing",
                parties[i].name);
      return -1;
    }
  }
  /* The builder works on heap copies of the tables; they move to the arena
     at the end (the old copies stay in the arena until it is freed). */
  struct builder b = {.lexicon = lexicon,
                      .frozen_aliases = lexicon->alias_count,
                      .error = error,
                      .error_size = error_size};
  struct arena scratch;
  arena_init(&scratch, 4096);
  struct lexicon_map names;
  memset(&names, 0, sizeof(names));
  int result = -1;
  b.party_capacity = lexicon->party_count + 1;
  b.alias_capacity = lexicon->alias_count + 1;
  b.parties = malloc(b.party_capacity * sizeof(*b.parties));
  b.aliases = malloc(b.alias_capacity * sizeof(*b.aliases));
  if (b.parties == NULL || b.aliases == NULL) {
    goto cleanup;
  }
  if (lexicon->party_count > 0) {
    memcpy(b.parties, lexicon->parties,
           lexicon->party_count * sizeof(*b.parties));
  }
  if (lexicon->alias_count > 0) {
    memcpy(b.aliases, lexicon->aliases,
           lexicon->alias_count * sizeof(*b.aliases));
  }
  /* Parties by normalised name: the first of a name (embedded first) wins. */
  for (size_t i = 0; i < lexicon->party_count; i++) {
    char key[KEY_SIZE];
    if (usable_key(b.parties[i].name, key) &&
        lexicon_map_put(&names, &scratch, key, (int)i, NULL) < 0) {
      goto cleanup;
    }
  }
  /* Bodies first, so that people find their affiliation in the same list. */
  for (int people = 0; people < 2; people++) {
    for (size_t i = 0; i < count; i++) {
      const struct extract_party_definition *d = &parties[i];
      enum party_kind kind = PARTY_KIND_STATE;
      (void)party_kind_of(d->kind, &kind);
      char key[KEY_SIZE];
      if ((kind == PARTY_KIND_PERSON) != people || !usable_key(d->name, key)) {
        continue;
      }
      /* An empty map has no table to probe (count checked for the
         analyzer, which cannot follow map_find_slot's capacity test). */
      int party =
          names.count > 0 ? lexicon_map_get(&names, key, strlen(key)) : -1;
      if (party < 0) {
        party = add_party(&b, d->name, kind);
        if (party < 0 ||
            lexicon_map_put(&names, &scratch, key, party, NULL) < 0) {
          goto cleanup;
        }
        if (people) {
          char affiliation[KEY_SIZE];
          struct lexicon_party *person = &b.parties[party];
          if (d->affiliation != NULL &&
              usable_key(d->affiliation, affiliation)) {
            person->affiliation =
                lexicon_map_get(&names, affiliation, strlen(affiliation));
          }
          if (d->role != NULL && d->role[0] != '\0') {
            person->role = arena_strdup(&lexicon->arena, d->role);
            if (person->role == NULL) {
              goto cleanup;
            }
            person->role_class = role_class_of(lexicon, d->role);
          }
        }
      }
      if (add_definition_aliases(&b, party, d, people) != 0) {
        goto cleanup;
      }
    }
  }
  struct lexicon_party *moved_parties = to_arena(
      &lexicon->arena, b.parties, lexicon->party_count, sizeof(*b.parties));
  b.parties = NULL;
  struct lexicon_alias *moved_aliases = to_arena(
      &lexicon->arena, b.aliases, lexicon->alias_count, sizeof(*b.aliases));
  b.aliases = NULL;
  if (moved_parties == NULL || moved_aliases == NULL) {
    goto cleanup;
  }
  lexicon->parties = moved_parties;
  lexicon->aliases = moved_aliases;
  result = 0;
cleanup:
  if (result != 0 && error[0] == '\0') {
    set_error(error, error_size, "out of memory while adding parties");
  }
  free(b.parties);
  free(b.aliases);
  lexicon_map_free(&names);
  arena_free(&scratch);
  return result;
}

/* ---- issues ---------------------------------------------------------------
 */

static void free_keyword_maps(struct lexicon_map *maps[2]) {
  for (int k = 0; k < 2; k++) {
    if (maps[k] != NULL) {
      lexicon_map_free(maps[k]);
      free(maps[k]);
      maps[k] = NULL;
    }
  }
}

int extract_lexicon_set_issues(struct extract_lexicon *lexicon,
                               const struct extract_issue_definition *issues,
                               size_t issue_count, char *error,
                               size_t error_size) {
  char scratch[1];
  if (error == NULL || error_size == 0) {
    error = scratch;
    error_size = sizeof(scratch);
  }
  error[0] = '\0';
  struct arena arena;
  arena_init(&arena, 4096);
  struct lexicon_map *maps[2] = {calloc(1, sizeof(struct lexicon_map)),
                                 calloc(1, sizeof(struct lexicon_map))};
  int max_tokens[2] = {0, 0};
  struct lexicon_issue *table =
      arena_alloc(&arena, (issue_count + 1) * sizeof(*table));
  if (table == NULL || maps[0] == NULL || maps[1] == NULL) {
    set_error(error, error_size, "out of memory");
    goto fail;
  }
  for (size_t i = 0; i < issue_count; i++) {
    if (issues[i].slug == NULL || issues[i].slug[0] == '\0') {
      set_error(error, error_size, "issue %zu has no slug", i);
      goto fail;
    }
    table[i].slug = arena_strdup(&arena, issues[i].slug);
    table[i].parent = issues[i].parent && issues[i].parent[0]
                          ? arena_strdup(&arena, issues[i].parent)
                          : NULL;
    if (table[i].slug == NULL ||
        (issues[i].parent && issues[i].parent[0] && table[i].parent == NULL)) {
      set_error(error, error_size, "out of memory");
      goto fail;
    }
    for (size_t k = 0; k < issues[i].keyword_count; k++) {
      const struct extract_issue_keyword *keyword = &issues[i].keywords[k];
      if (keyword->keyword == NULL ||
          topics_keyword_is_pattern(keyword->keyword)) {
        continue; /* patterns are compiled below */
      }
      char key[KEY_SIZE];
      int tokens = tokens_phrase_key(keyword->keyword, strlen(keyword->keyword),
                                     key, sizeof(key));
      if (tokens == 0) {
        continue; /* blank keyword */
      }
      if (tokens < 0 || tokens > LEXICON_MAX_PHRASE_TOKENS) {
        set_error(error, error_size, "issue %s: keyword \"%.40s\" is too long",
                  issues[i].slug, keyword->keyword);
        goto fail;
      }
      int strength = keyword->weak ? 1 : 0;
      if (lexicon_map_put(maps[strength], &arena, key, (int)i, NULL) < 0) {
        set_error(error, error_size, "out of memory");
        goto fail;
      }
      if (tokens > max_tokens[strength]) {
        max_tokens[strength] = tokens;
      }
    }
  }
  struct issue_patterns *patterns = NULL;
  if (topics_patterns_compile(&arena, issues, issue_count, &patterns, error,
                              error_size) != 0) {
    goto fail;
  }
  free_keyword_maps(lexicon->issue_keywords);
  arena_free(&lexicon->issue_arena);
  lexicon->issue_arena = arena;
  lexicon->issue_patterns = patterns;
  lexicon->issues = table;
  lexicon->issue_count = issue_count;
  for (int k = 0; k < 2; k++) {
    lexicon->issue_keywords[k] = maps[k];
    lexicon->issue_keyword_max_tokens[k] = max_tokens[k];
  }
  return 0;
fail:
  free_keyword_maps(maps);
  arena_free(&arena);
  return -1;
}

static int issue_row(struct builder *b, char **f, size_t line) {
  (void)line;
  if (grow((void **)&b->issue_definitions, &b->issue_definition_capacity,
           b->issue_definition_count, sizeof(*b->issue_definitions)) != 0) {
    return -1;
  }
  struct extract_issue_definition *definition =
      &b->issue_definitions[b->issue_definition_count++];
  memset(definition, 0, sizeof(*definition));
  definition->slug = arena_strdup(&b->issue_scratch, f[0]);
  definition->parent = f[1][0] ? arena_strdup(&b->issue_scratch, f[1]) : NULL;
  return 0;
}

static int issue_keyword_row(struct builder *b, char **f, size_t line) {
  (void)line;
  size_t count = b->issue_keyword_count;
  if (grow((void **)&b->issue_keywords, &b->issue_keyword_capacity, count,
           sizeof(*b->issue_keywords)) != 0 ||
      grow((void **)&b->issue_keyword_slugs, &b->issue_keyword_slug_capacity,
           count, sizeof(*b->issue_keyword_slugs)) != 0) {
    return -1;
  }
  b->issue_keyword_slugs[count] = arena_strdup(&b->issue_scratch, f[0]);
  b->issue_keywords[count].keyword = arena_strdup(&b->issue_scratch, f[1]);
  b->issue_keywords[count].weak = strcmp(f[2], "weak") == 0;
  b->issue_keyword_count++;
  return 0;
}

/* ---- after a file's last row ----------------------------------------------
 */

static int roles_finish(struct builder *b, int result) {
  struct extract_lexicon *lexicon = b->lexicon;
  return table_finish(&lexicon->arena, (void **)&lexicon->roles,
                      lexicon->role_count, sizeof(*lexicon->roles), result);
}

static int cues_finish(struct builder *b, int result) {
  struct extract_lexicon *lexicon = b->lexicon;
  return table_finish(&lexicon->arena, (void **)&lexicon->cues,
                      lexicon->cue_count, sizeof(*lexicon->cues), result);
}

static int stance_finish(struct builder *b, int result) {
  struct extract_lexicon *lexicon = b->lexicon;
  return table_finish(&lexicon->arena, (void **)&lexicon->stance_cues,
                      lexicon->stance_cue_count, sizeof(*lexicon->stance_cues),
                      result);
}

/* Every stance needs its CAMEO code. */
static int cameo_finish(struct builder *b, int result) {
  for (int i = 0; result == 0 && i < STANCE_COUNT; i++) {
    if (b->lexicon->cameo[i] == NULL) {
      set_error(b->error, b->error_size, "cameo.tsv: no code for %s",
                stance_name((enum stance)i));
      result = -1;
    }
  }
  return result;
}

/* The keywords grouped by issue (sort-free, one pass per issue) become the
   lexicon's issue catalogue. */
static int issues_finish(struct builder *b, int result) {
  if (result != 0) {
    return result;
  }
  struct extract_issue_definition *definitions = b->issue_definitions;
  size_t definition_count = b->issue_definition_count;
  const char **keyword_slugs = b->issue_keyword_slugs;
  size_t keyword_count = b->issue_keyword_count;
  struct extract_issue_keyword *grouped =
      arena_alloc(&b->issue_scratch, (keyword_count + 1) * sizeof(*grouped));
  if (grouped == NULL) {
    return -1;
  }
  size_t used = 0;
  for (size_t i = 0; i < definition_count; i++) {
    definitions[i].keywords = grouped + used;
    for (size_t k = 0; k < keyword_count; k++) {
      if (strcmp(keyword_slugs[k], definitions[i].slug) == 0) {
        grouped[used++] = b->issue_keywords[k];
        definitions[i].keyword_count++;
      }
    }
  }
  for (size_t k = 0; k < keyword_count; k++) {
    int known = 0;
    for (size_t i = 0; i < definition_count; i++) {
      known |= strcmp(keyword_slugs[k], definitions[i].slug) == 0;
    }
    if (!known) {
      set_error(b->error, b->error_size, "issue_keywords.tsv: unknown issue %s",
                keyword_slugs[k]);
      return -1;
    }
  }
  return extract_lexicon_set_issues(b->lexicon, definitions, definition_count,
                                    b->error, b->error_size);
}

/* ---- the table of lexicon files -------------------------------------------
 */

struct lexicon_file {
  const char *name; /* as embedded */
  const char *columns;
  size_t min_columns;
  /* The gazetteer's aliases must be unique (see struct builder). */
  int refuse_shared_aliases;
  /* One row: 0, or -1 with a message (or out of memory). */
  int (*row)(struct builder *b, char **fields, size_t line);
  /* After the last row or a failure (result): 0 or -1. May be NULL. */
  int (*finish)(struct builder *b, int result);
};

/* In load order: roles first, since office holders' roles are classified
   with them; the gazetteer before the people affiliated to its parties;
   issues before their keywords. */
static const struct lexicon_file lexicon_files[] = {
    {"roles.tsv", "role\tclass", 2, 0, role_row, roles_finish},
    {"gazetteer.tsv", "name\tkind\tnames\tdemonyms\tcapitals\tseats\tacronyms",
     7, 1, gazetteer_row, NULL},
    {"people.tsv", "name\taffiliation\trole\tleader\taliases", 4, 0, person_row,
     NULL},
    {"cues.tsv", "cue\tkind\tstance", 2, 0, cue_row, cues_finish},
    {"stance.tsv", "phrase\tkind\tstance", 2, 0, stance_row, stance_finish},
    {"function_words.tsv", "word\tclass", 2, 0, function_word_row, NULL},
    {"abbreviations.tsv", "abbreviation\tkind", 2, 0, abbreviation_row, NULL},
    {"calendar.tsv", "word\tkind\tvalue", 3, 0, calendar_row, NULL},
    {"cameo.tsv", "stance\tcameo\tname", 2, 0, cameo_row, cameo_finish},
    {"boilerplate.tsv", "pattern\tscope", 2, 0, boilerplate_row, NULL},
    {"issues.tsv", "slug\tparent\tname\tdescription", 2, 0, issue_row, NULL},
    {"issue_keywords.tsv", "slug\tkeyword\tstrength", 3, 0, issue_keyword_row,
     issues_finish},
};

static int load_file(struct builder *b, const struct lexicon_file *file) {
  struct tsv_reader reader;
  if (tsv_open(&reader, embedded_lexicons, file->name, file->columns, b->error,
               b->error_size) != 0) {
    return -1;
  }
  b->refuse_shared_aliases = file->refuse_shared_aliases;
  int row;
  int result = 0;
  while ((row = tsv_next(&reader, file->min_columns, b->error,
                         b->error_size)) == 1) {
    if (file->row(b, reader.fields, reader.line) != 0) {
      result = -1;
      break;
    }
  }
  if (row < 0) {
    result = -1;
  }
  b->refuse_shared_aliases = 0;
  tsv_close(&reader);
  return file->finish != NULL ? file->finish(b, result) : result;
}

static void builder_free_issues(struct builder *b) {
  free(b->issue_definitions);
  free(b->issue_keywords);
  free(b->issue_keyword_slugs);
  arena_free(&b->issue_scratch);
}

/* ---- the lexicon ----------------------------------------------------------
 */

struct extract_lexicon *extract_lexicon_load_embedded(char *error,
                                                      size_t error_size) {
  char scratch[1];
  if (error == NULL || error_size == 0) {
    error = scratch;
    error_size = sizeof(scratch);
  }
  error[0] = '\0';
  struct extract_lexicon *lexicon = calloc(1, sizeof(*lexicon));
  if (lexicon == NULL) {
    set_error(error, error_size, "out of memory");
    return NULL;
  }
  arena_init(&lexicon->arena, 64 * 1024);
  arena_init(&lexicon->issue_arena, 4096);
  struct builder b = {
      .lexicon = lexicon, .error = error, .error_size = error_size};
  arena_init(&b.issue_scratch, 8192);
  int loaded = 0;
  for (size_t i = 0;
       loaded == 0 && i < sizeof(lexicon_files) / sizeof(lexicon_files[0]);
       i++) {
    loaded = load_file(&b, &lexicon_files[i]);
  }
  builder_free_issues(&b);
  if (loaded != 0) {
    goto fail;
  }
  lexicon->parties = to_arena(&lexicon->arena, b.parties, lexicon->party_count,
                              sizeof(*b.parties));
  b.parties = NULL;
  lexicon->aliases = to_arena(&lexicon->arena, b.aliases, lexicon->alias_count,
                              sizeof(*b.aliases));
  b.aliases = NULL;
  if (lexicon->parties == NULL || lexicon->aliases == NULL) {
    set_error(error, error_size, "out of memory");
    goto fail;
  }
  UErrorCode status = U_ZERO_ERROR;
  /* Plain rules, without ICU's abbreviation list: that list also matches
     word endings ("TO." ends "NATO.") and hides real sentence ends;
     sentences.c decides after abbreviations from abbreviations.tsv. */
  lexicon->sentence_template = ubrk_open(UBRK_SENTENCE, "en", NULL, 0, &status);
  if (U_FAILURE(status)) {
    set_error(error, error_size, "ICU sentence breaker: %s",
              u_errorName(status));
    goto fail;
  }
  return lexicon;
fail:
  if (error[0] == '\0') {
    set_error(error, error_size, "out of memory while loading the lexicons");
  }
  free(b.parties);
  free(b.aliases);
  extract_lexicon_free(lexicon);
  return NULL;
}

void extract_lexicon_free(struct extract_lexicon *lexicon) {
  if (lexicon == NULL) {
    return;
  }
  for (size_t i = 0; i < lexicon->boilerplate_count; i++) {
    pcre2_code_free(lexicon->boilerplate[i].pattern);
  }
  free(lexicon->boilerplate);
  free_keyword_maps(lexicon->issue_keywords);
  if (lexicon->sentence_template != NULL) {
    ubrk_close(lexicon->sentence_template);
  }
  lexicon_map_free(&lexicon->alias_map);
  lexicon_map_free(&lexicon->role_map);
  lexicon_map_free(&lexicon->cue_map);
  lexicon_map_free(&lexicon->stance_map);
  lexicon_map_free(&lexicon->word_classes);
  lexicon_map_free(&lexicon->abbreviations);
  lexicon_map_free(&lexicon->calendar);
  arena_free(&lexicon->issue_arena);
  arena_free(&lexicon->arena);
  free(lexicon);
}
