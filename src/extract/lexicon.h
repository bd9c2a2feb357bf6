/* The loader's lexicons (gazetteer, office holders, roles, cue verbs, stance
   cues, issue keywords, abbreviations, ...) parsed from the TSV files under
   data/lexicon/. Built once, then read-only: one lexicon may be shared by any
   number of threads extracting articles at the same time. */
#ifndef PARLEY_EXTRACT_LEXICON_H
#define PARLEY_EXTRACT_LEXICON_H

#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <unicode/ubrk.h>

#include "arena.h"
#include "extract/extract.h"

/* Longest phrase, in tokens, that the phrase tables hold. */
#define LEXICON_MAX_PHRASE_TOKENS 12

enum lexicon_alias_type {
  LEXICON_ALIAS_NAME,    /* canonical or other full name */
  LEXICON_ALIAS_DEMONYM, /* "Russian" */
  LEXICON_ALIAS_CAPITAL, /* "Moscow" */
  LEXICON_ALIAS_SEAT,    /* "Kremlin", "White House" */
  LEXICON_ALIAS_ACRONYM, /* "US", "EU": matched only in capitals */
  LEXICON_ALIAS_SURNAME, /* "Peskov" for a known office holder */
};

enum lexicon_role_class {
  LEXICON_ROLE_NONE,
  LEXICON_ROLE_LEADER,
  LEXICON_ROLE_MINISTER,
  LEXICON_ROLE_SPOKESPERSON,
  LEXICON_ROLE_ADVISER,
  LEXICON_ROLE_ENVOY,
  LEXICON_ROLE_OFFICIAL,
  LEXICON_ROLE_MILITARY,
  LEXICON_ROLE_BODY,
};

enum lexicon_cue_kind {
  LEXICON_CUE_SPEECH,
  LEXICON_CUE_POSITION,
  LEXICON_CUE_ADJECTIVE,
  LEXICON_CUE_ACCORDING,
  LEXICON_CUE_NAMING, /* "called the plan 'theft'": a cue only with a
                         quotation or "as" after its object */
};

enum lexicon_stance_kind {
  LEXICON_STANCE_MODAL,
  LEXICON_STANCE_VERB,
  LEXICON_STANCE_NEGATION,
  LEXICON_STANCE_CONDITION,
  LEXICON_STANCE_NEUTRAL, /* a phrase that only looks like a stance */
  /* Grammar words the stance rules read (stance.tsv, no stance of their
     own): */
  LEXICON_STANCE_PASSIVE,     /* a form of "be": "was rejected" is passive */
  LEXICON_STANCE_NOUN_MARKER, /* "its support": the next word is a noun */
  LEXICON_STANCE_RELATIVE,    /* "that was agreed": a relative clause */
  LEXICON_STANCE_FUTURE,      /* "will", "would": a consequence to come */
  LEXICON_STANCE_CONTRAST,    /* "but": "welcomed X but noted Y" */
  LEXICON_STANCE_LABEL,       /* "theft": naming a thing so rejects it */
  LEXICON_STANCE_HOPE,        /* "hopes that the allies will act" demands */
  LEXICON_STANCE_INSIST, /* "insisted that": a demand unless a fact follows */
  LEXICON_STANCE_PERSON, /* "him", "them": a criticism aimed at people */
};

/* Classes of function words (a bit set: a word may be in several). */
enum lexicon_word_class {
  LEXICON_WORD_OPENER = 1 << 0,
  LEXICON_WORD_AUX = 1 << 1,
  LEXICON_WORD_PRONOUN = 1 << 2,
  LEXICON_WORD_BOUNDARY = 1 << 3,
  LEXICON_WORD_RELATIVE = 1 << 4,
  LEXICON_WORD_DETERMINER = 1 << 5,
  LEXICON_WORD_HEDGE = 1 << 6,   /* "reportedly": the attribution is hearsay */
  LEXICON_WORD_ANAPHOR = 1 << 7, /* "it", "they", "(the) group": a body */
  LEXICON_WORD_PREPOSITION = 1 << 8,    /* "in", "at": opens a phrase that may
                                           stand between speaker and cue */
  LEXICON_WORD_CONDITIONAL = 1 << 9,    /* "if", "unless": what follows is
                                           hypothetical, not a claim */
  LEXICON_WORD_POSSESSIVE = 1 << 10,    /* "his", "their": "his office said",
                                           "his counterpart" */
  LEXICON_WORD_DEMONSTRATIVE = 1 << 11, /* "this", "that": may point back */
  LEXICON_WORD_MATTER = 1 << 12,        /* "plan", "effort": a matter named
                                           earlier ("this plan") */
  LEXICON_WORD_FINITE = 1 << 13, /* "is", "will": a verb after a subject */
};

enum lexicon_calendar_kind {
  LEXICON_CALENDAR_MONTH,
  LEXICON_CALENDAR_WEEKDAY,
  LEXICON_CALENDAR_RELATIVE,
};

struct lexicon_party {
  const char *name;
  enum party_kind kind;
  int affiliation; /* index of a party, or -1 */
  const char *role;
  enum lexicon_role_class role_class;
  int leader;
};

struct lexicon_alias {
  int party;
  enum lexicon_alias_type type;
  int exact_case;    /* acronyms: every letter must be upper case */
  int upper_initial; /* the text must start with a capital letter */
  int token_count;
};

struct lexicon_cue {
  enum lexicon_cue_kind kind;
  enum stance stance; /* STANCE_NONE: read the clause */
  int conditional;    /* the stance needs "if"/"unless" nearby */
  int token_count;
};

struct lexicon_stance_cue {
  enum lexicon_stance_kind kind;
  enum stance stance;
  int token_count;
  int needs_object_then_to; /* "expects X to", "asked X to" */
};

struct lexicon_role {
  enum lexicon_role_class role_class;
  int token_count;
};

struct lexicon_issue {
  const char *slug;
  const char *parent; /* NULL at the top level */
};

struct lexicon_boilerplate {
  pcre2_code *pattern;
  int whole_line;
};

/* An open-addressing map from a NUL-terminated key to an index. */
struct lexicon_map {
  const char **keys;
  uint64_t *hashes; /* tokens_hash of each key */
  int *values;
  size_t capacity; /* a power of two */
  size_t count;
  /* First word of every key -> the most words of a key starting with it,
     so that phrase look-ups stop at once on words that start none. */
  struct lexicon_map *heads;
};

/* Returns the value stored for key[0..length), or -1. */
int lexicon_map_get(const struct lexicon_map *map, const char *key,
                    size_t length);
/* The same with the key's tokens_hash already known. */
int lexicon_map_get_hashed(const struct lexicon_map *map, const char *key,
                           size_t length, uint64_t hash);

struct extract_lexicon {
  struct arena arena; /* every string and table below lives here */
  struct lexicon_party *parties;
  size_t party_count;
  struct lexicon_alias *aliases;
  size_t alias_count;
  struct lexicon_map alias_map; /* phrase key -> alias index */
  int alias_max_tokens;
  struct lexicon_role *roles;
  size_t role_count;
  struct lexicon_map role_map; /* phrase key -> role index */
  int role_max_tokens;
  struct lexicon_cue *cues;
  size_t cue_count;
  struct lexicon_map cue_map;
  struct lexicon_stance_cue *stance_cues;
  size_t stance_cue_count;
  struct lexicon_map stance_map;
  int stance_max_tokens;
  struct lexicon_map word_classes;  /* fold -> bit set of word classes */
  struct lexicon_map abbreviations; /* exact text -> 1 title, 2 acronym/other */
  struct lexicon_map calendar;      /* exact word -> kind * 100 + value + 50 */
  const char *cameo[STANCE_COUNT];
  struct lexicon_boilerplate *boilerplate;
  size_t boilerplate_count;
  /* The issue catalogue; replaced by extract_lexicon_set_issues. Issues own
     their compiled patterns (freed with the lexicon). */
  struct lexicon_issue *issues;
  size_t issue_count;
  /* Issue keywords as folded phrases -> issue index; [0] strong, [1] weak.
     A keyword listed under two issues belongs to the first. */
  struct lexicon_map *issue_keywords[2];
  int issue_keyword_max_tokens[2];
  /* Keywords written as patterns ("stop near/3 strikes", "meet @party"),
     compiled by topics_patterns_compile into issue_arena; NULL when none. */
  struct issue_patterns *issue_patterns;
  struct arena issue_arena;
  UBreakIterator *sentence_template; /* cloned per article, never iterated */
};

/* Looks up the longest phrase of a map starting at token first (at most
   max_tokens tokens); returns the value and sets *matched to its token count,
   or returns -1. */
struct token_list;
int lexicon_longest(const struct lexicon_map *map, int max_tokens,
                    const struct token_list *tokens, size_t first, size_t limit,
                    size_t *matched);
/* The function-word classes of a token's fold (0 when none). */
int lexicon_word_class(const struct extract_lexicon *lexicon,
                       const struct token_list *tokens, size_t index);

#endif
