/* Parties of an article: gazetteer matches (states, organisations, groups,
   known office holders), people recognised from their context ("Kremlin aide
   Yuri Ushakov", "Rustem Umerov, Ukraine's national security secretary"),
   title references ("the Russian president") and later mentions by surname. */
#ifndef PARLEY_EXTRACT_ENTITIES_H
#define PARLEY_EXTRACT_ENTITIES_H

#include <stddef.h>

#include "arena.h"
#include "lexicon.h"
#include "text.h"
#include "tokens.h"

enum mention_kind {
  MENTION_PARTY,   /* a state, organisation or group by name or metonym */
  MENTION_DEMONYM, /* "Russian": a party only with a noun ("Russian officials")
                    */
  MENTION_PERSON,  /* a person's full name */
  MENTION_SURNAME, /* a person's surname alone */
  MENTION_TITLE,   /* "the Russian president" */
};

struct mention {
  size_t first; /* tokens [first, last) */
  size_t last;
  int entity;
  enum mention_kind kind;
  enum lexicon_alias_type alias_type; /* for MENTION_PARTY */
};

#define PARTIES_MAX_ALIASES 12

struct party_entity {
  const char *name; /* arena strings */
  enum party_kind kind;
  int affiliation; /* entity index of a person's party, or -1 */
  const char *role;
  enum lexicon_role_class role_class;
  int leader;
  int lexicon_party; /* index in the lexicon, or -1 */
  const char *aliases[PARTIES_MAX_ALIASES];
  size_t alias_count;
  size_t surname_fold; /* offset of the last name's fold in tokens, persons */
  int surname_token;   /* token whose fold is the surname, or -1 */
};

/* What entities_recognise produces; arrays are malloc'd (party_set_free). */
struct party_set {
  struct mention *mentions;
  size_t mention_count;
  size_t mention_capacity;
  struct party_entity *entities;
  size_t entity_count;
  size_t entity_capacity;
  int *token_mention; /* per token: index of the mention covering it, or -1 */
};

/* Finds the mentions and parties of the tokens of doc. Strings go to arena.
   Returns 0 or -1 when out of memory. */
int entities_recognise(const struct extract_lexicon *lexicon,
                       const struct text_doc *doc,
                       const struct token_list *tokens, struct arena *arena,
                       struct party_set *parties);
void party_set_free(struct party_set *parties);

/* The party an entity speaks for: a person's affiliation, else itself; -1
   for a person of unknown affiliation. */
int entities_speaks_for(const struct party_set *parties, int entity);

/* True when tokens [first, last) form a role phrase ("spokesperson",
   "Secretary of State"); sets *role_class. Tries the longest phrase from
   first. Returns its token count or 0. */
size_t entities_role_at(const struct extract_lexicon *lexicon,
                        const struct token_list *tokens, size_t first,
                        size_t limit, enum lexicon_role_class *role_class);

/* The role phrase ending exactly at token end (exclusive), no earlier than
   floor: its index in lexicon->roles plus one, its first token in *first;
   0 when none ends there. */
size_t entities_role_ending_at(const struct extract_lexicon *lexicon,
                               const struct token_list *tokens, size_t end,
                               size_t floor, size_t *first);

#endif
