/* Recognises the parties of an article and links every mention to one. */
#include "entities.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct finder {
  const struct extract_lexicon *lexicon;
  const struct text_doc *doc;
  const struct token_list *tokens;
  struct arena *arena;
  struct party_set *parties;
  int *entity_of_lexicon; /* lexicon party index -> entity index */
};

static const struct token *token_at(const struct finder *f, size_t i) {
  return &f->tokens->items[i];
}

static int is_word(const struct finder *f, size_t i) {
  return i < f->tokens->count && (token_at(f, i)->flags & TOKEN_WORD);
}

static int is(const struct finder *f, size_t i, const char *word) {
  return i < f->tokens->count && tokens_is(f->tokens, token_at(f, i), word);
}

/* The end of the sentence holding token i (exclusive token index). */
static size_t sentence_end(const struct finder *f, size_t i) {
  size_t end = i;
  uint32_t sentence = token_at(f, i)->sentence;
  while (end < f->tokens->count && token_at(f, end)->sentence == sentence) {
    end++;
  }
  return end;
}

size_t entities_role_at(const struct extract_lexicon *lexicon,
                        const struct token_list *tokens, size_t first,
                        size_t limit, enum lexicon_role_class *role_class) {
  size_t matched = 0;
  int role = lexicon_longest(&lexicon->role_map, lexicon->role_max_tokens,
                             tokens, first, limit, &matched);
  if (role < 0) {
    return 0;
  }
  if (role_class != NULL) {
    *role_class = lexicon->roles[role].role_class;
  }
  return matched;
}

size_t entities_role_ending_at(const struct extract_lexicon *lexicon,
                               const struct token_list *tokens, size_t end,
                               size_t floor, size_t *first) {
  for (size_t n = (size_t)lexicon->role_max_tokens; n >= 1; n--) {
    if (end < floor + n) {
      continue;
    }
    size_t matched = 0;
    int role = lexicon_longest(&lexicon->role_map, (int)n, tokens, end - n, end,
                               &matched);
    if (role >= 0 && matched == n) {
      *first = end - n;
      return (size_t)role + 1;
    }
  }
  return 0;
}

/* A role phrase ending exactly at token end (exclusive), its first token in
 *first. */
static size_t role_ending_at(const struct finder *f, size_t end, size_t floor,
                             size_t *first,
                             enum lexicon_role_class *role_class) {
  size_t role =
      entities_role_ending_at(f->lexicon, f->tokens, end, floor, first);
  if (role == 0) {
    return 0;
  }
  if (role_class != NULL) {
    *role_class = f->lexicon->roles[role - 1].role_class;
  }
  return end - *first;
}

static int add_entity(struct finder *f, const char *name,
                      enum party_kind kind) {
  struct party_set *p = f->parties;
  if (p->entity_count == p->entity_capacity) {
    size_t next = p->entity_capacity ? p->entity_capacity * 2 : 16;
    struct party_entity *items = realloc(p->entities, next * sizeof(*items));
    if (items == NULL) {
      return -1;
    }
    p->entities = items;
    p->entity_capacity = next;
  }
  struct party_entity *entity = &p->entities[p->entity_count];
  memset(entity, 0, sizeof(*entity));
  entity->name = name;
  entity->kind = kind;
  entity->affiliation = -1;
  entity->lexicon_party = -1;
  entity->surname_token = -1;
  return (int)p->entity_count++;
}

/* The entity of a lexicon party, created on first use (with its
   affiliation). */
static int lexicon_entity(struct finder *f, int lexicon_party) {
  if (f->entity_of_lexicon[lexicon_party] >= 0) {
    return f->entity_of_lexicon[lexicon_party];
  }
  const struct lexicon_party *source = &f->lexicon->parties[lexicon_party];
  int affiliation = -1;
  if (source->affiliation >= 0) {
    affiliation = lexicon_entity(f, source->affiliation);
    if (affiliation < 0) {
      return -1;
    }
  }
  int entity = add_entity(f, source->name, source->kind);
  if (entity < 0) {
    return -1;
  }
  struct party_entity *e = &f->parties->entities[entity];
  e->lexicon_party = lexicon_party;
  e->affiliation = affiliation;
  e->role = source->role && source->role[0] ? source->role : NULL;
  e->role_class = source->role_class;
  e->leader = source->leader;
  f->entity_of_lexicon[lexicon_party] = entity;
  return entity;
}

static void add_alias(struct finder *f, int entity, size_t first, size_t last) {
  struct party_entity *e = &f->parties->entities[entity];
  const char *text = f->doc->text + token_at(f, first)->start;
  size_t length = token_at(f, last - 1)->stem_end - token_at(f, first)->start;
  if (strlen(e->name) == length && memcmp(e->name, text, length) == 0) {
    return;
  }
  for (size_t i = 0; i < e->alias_count; i++) {
    if (strlen(e->aliases[i]) == length &&
        memcmp(e->aliases[i], text, length) == 0) {
      return;
    }
  }
  if (e->alias_count < PARTIES_MAX_ALIASES) {
    const char *alias = arena_strndup(f->arena, text, length);
    if (alias != NULL) {
      e->aliases[e->alias_count++] = alias;
    }
  }
}

static int add_mention(struct finder *f, size_t first, size_t last, int entity,
                       enum mention_kind kind,
                       enum lexicon_alias_type alias_type) {
  struct party_set *p = f->parties;
  if (p->mention_count == p->mention_capacity) {
    size_t next = p->mention_capacity ? p->mention_capacity * 2 : 64;
    struct mention *items = realloc(p->mentions, next * sizeof(*items));
    if (items == NULL) {
      return -1;
    }
    p->mentions = items;
    p->mention_capacity = next;
  }
  struct mention *m = &p->mentions[p->mention_count];
  m->first = first;
  m->last = last;
  m->entity = entity;
  m->kind = kind;
  m->alias_type = alias_type;
  for (size_t i = first; i < last; i++) {
    p->token_mention[i] = (int)p->mention_count;
  }
  p->mention_count++;
  if (kind != MENTION_TITLE) {
    add_alias(f, entity, first, last);
  }
  return 0;
}

/* Does the token text satisfy the alias's case rule? */
static int case_ok(const struct finder *f, const struct lexicon_alias *alias,
                   size_t first, size_t count) {
  const struct token *head = token_at(f, first);
  if (alias->exact_case) {
    for (size_t i = 0; i < count; i++) {
      const struct token *t = token_at(f, first + i);
      if ((t->flags & TOKEN_WORD) && !(t->flags & TOKEN_ALL_CAPS)) {
        return 0;
      }
    }
    return 1;
  }
  return !alias->upper_initial || (head->flags & TOKEN_UPPER);
}

static int is_particle(const struct finder *f, size_t i) {
  static const char *const particles[] = {
      "von", "van", "der", "de", "al",  "bin", "el",  "da",    "di",  "la",
      "ibn", "abu", "du",  "do", "dos", "das", "del", "della", "ter", "ten"};
  const struct token *t = token_at(f, i);
  if (t->flags & TOKEN_UPPER) {
    return 0;
  }
  for (size_t k = 0; k < sizeof(particles) / sizeof(particles[0]); k++) {
    if (tokens_is(f->tokens, t, particles[k])) {
      return 1;
    }
  }
  return 0;
}

/* Is token i a month or weekday? A short form ("Jan", "Sun", "Mar") is one
   only before a number or a full stop: "Jan Smets" is a name. */
static int calendar_word(const struct finder *f, size_t i) {
  const struct token *t = token_at(f, i);
  size_t length = t->stem_end - t->start;
  if (lexicon_map_get(&f->lexicon->calendar, f->doc->text + t->start, length) <
      0) {
    return 0;
  }
  if (length > 4 || i + 1 >= f->tokens->count) {
    return 1;
  }
  const struct token *next = token_at(f, i + 1);
  return (next->flags & TOKEN_DIGIT) || !(next->flags & TOKEN_WORD);
}

/* Might token i, a capitalised word, be part of another person's name
   ("Karim" in "Abbas Karim", "Ali" in "Ali Abbas")? Function words,
   calendar words, roles and cues are not. */
static int other_name_word(const struct finder *f, size_t i, size_t limit) {
  const struct token *t = token_at(f, i);
  if ((t->flags & (TOKEN_WORD | TOKEN_UPPER)) != (TOKEN_WORD | TOKEN_UPPER) ||
      (t->flags & (TOKEN_ALL_CAPS | TOKEN_DIGIT | TOKEN_IN_QUOTE)) ||
      f->parties->token_mention[i] >= 0) {
    return 0;
  }
  if (lexicon_word_class(f->lexicon, f->tokens, i) != 0 ||
      calendar_word(f, i) ||
      entities_role_at(f->lexicon, f->tokens, i, limit, NULL) > 0 ||
      lexicon_map_get_hashed(&f->lexicon->cue_map, tokens_fold(f->tokens, t),
                             t->fold_length, t->hash) >= 0) {
    return 0;
  }
  size_t matched = 0;
  return lexicon_longest(&f->lexicon->alias_map, f->lexicon->alias_max_tokens,
                         f->tokens, i, limit, &matched) < 0;
}

/* A known person's surname standing alone, not inside someone else's name:
   no other name word, particle or hyphen next to it. */
static int lone_surname(const struct finder *f, size_t i, size_t limit) {
  const struct token *t = token_at(f, i);
  if (t->flags & TOKEN_POSSESSIVE) {
    return i == 0 || !other_name_word(f, i - 1, limit);
  }
  if (i + 1 < limit &&
      (other_name_word(f, i + 1, limit) || is_particle(f, i + 1) ||
       (is(f, i + 1, "-") && token_at(f, i + 1)->start == t->end))) {
    return 0;
  }
  return i == 0 || token_at(f, i - 1)->sentence != t->sentence ||
         !other_name_word(f, i - 1, limit);
}

static int name_token(const struct finder *f, size_t i);

/* A state's one-word name right after a capitalised word that could be a
   given name is a person's surname ("Michael Jordan", "Tom Chad"), left to
   pass 2; so is "America" in "Latin America". The word must not be a role
   ("President"), a function word, a possessive or a party already found.
   The price: a capitalised adjective opening a sentence ("Neighbouring Jordan
   said") hides the state too. */
static int surname_of_person(const struct finder *f,
                             const struct lexicon_alias *alias, size_t i,
                             size_t limit) {
  if (alias->token_count != 1 || alias->type != LEXICON_ALIAS_NAME ||
      f->lexicon->parties[alias->party].kind != PARTY_KIND_STATE || i == 0 ||
      token_at(f, i - 1)->sentence != token_at(f, i)->sentence ||
      (token_at(f, i - 1)->flags & TOKEN_POSSESSIVE)) {
    return 0; /* "Erdogan's Turkey" is the state */
  }
  return name_token(f, i - 1) &&
         entities_role_at(f->lexicon, f->tokens, i - 1, limit, NULL) == 0;
}

/* Pass 1: the gazetteer and known office holders, longest match first. */
static int match_gazetteer(struct finder *f) {
  size_t count = f->tokens->count;
  size_t limit = 0;
  for (size_t i = 0; i < count; i++) {
    if (i >= limit) {
      limit = sentence_end(f, i);
    }
    if (!is_word(f, i) || f->parties->token_mention[i] >= 0) {
      continue;
    }
    size_t matched = 0;
    int found = -1;
    /* Longest first; a match failing its case rule ("us" for "US") lets a
       shorter one try. */
    for (int n = f->lexicon->alias_max_tokens; n >= 1;) {
      size_t length = 0;
      int alias = lexicon_longest(&f->lexicon->alias_map, n, f->tokens, i,
                                  limit, &length);
      if (alias < 0) {
        break;
      }
      const struct lexicon_alias *a = &f->lexicon->aliases[alias];
      if (a->party >= 0 && case_ok(f, a, i, length)) {
        found = alias;
        matched = length;
        break;
      }
      n = (int)length - 1;
    }
    if (found < 0 ||
        surname_of_person(f, &f->lexicon->aliases[found], i, limit)) {
      continue;
    }
    const struct lexicon_alias *alias = &f->lexicon->aliases[found];
    if (f->lexicon->parties[alias->party].kind == PARTY_KIND_PERSON &&
        matched == 1 && !lone_surname(f, i, limit)) {
      continue; /* "Abbas Karim" is not Mahmoud Abbas */
    }
    int entity = lexicon_entity(f, alias->party);
    if (entity < 0) {
      return -1;
    }
    enum mention_kind kind = MENTION_PARTY;
    if (f->lexicon->parties[alias->party].kind == PARTY_KIND_PERSON) {
      kind = alias->type == LEXICON_ALIAS_SURNAME || alias->token_count == 1
                 ? MENTION_SURNAME
                 : MENTION_PERSON;
    } else if (alias->type == LEXICON_ALIAS_DEMONYM) {
      kind = MENTION_DEMONYM;
    }
    if (add_mention(f, i, i + matched, entity, kind, alias->type) != 0) {
      return -1;
    }
    i += matched - 1;
  }
  return 0;
}

/* Can token i be part of a person's name? */
static int name_token(const struct finder *f, size_t i) {
  const struct token *t = token_at(f, i);
  if (!(t->flags & TOKEN_WORD) || !(t->flags & TOKEN_UPPER) ||
      (t->flags & (TOKEN_DIGIT | TOKEN_IN_QUOTE)) ||
      f->parties->token_mention[i] >= 0) {
    return 0;
  }
  if ((t->flags & TOKEN_ALL_CAPS) && t->fold_length > 1) {
    return 0; /* acronyms are not names */
  }
  if (calendar_word(f, i)) {
    return 0;
  }
  int classes = lexicon_word_class(f->lexicon, f->tokens, i);
  if (classes &
      (LEXICON_WORD_OPENER | LEXICON_WORD_DETERMINER | LEXICON_WORD_PRONOUN |
       LEXICON_WORD_RELATIVE | LEXICON_WORD_BOUNDARY)) {
    return 0;
  }
  if (lexicon_map_get_hashed(&f->lexicon->cue_map, tokens_fold(f->tokens, t),
                             t->fold_length, t->hash) >= 0) {
    return 0;
  }
  return 1;
}

/* The name run starting at token i: capitalised words joined by hyphens
   (no space) or particles. Returns its end (exclusive) or i. */
static size_t name_run(const struct finder *f, size_t i, size_t limit) {
  size_t end = i;
  size_t words = 0;
  while (end < limit && words < 4) {
    if (!name_token(f, end)) {
      break;
    }
    /* A role word is not part of a name ("President Donald Trump"). */
    if (entities_role_at(f->lexicon, f->tokens, end, limit, NULL) > 0) {
      break;
    }
    end++;
    words++;
    if (token_at(f, end - 1)->flags & TOKEN_POSSESSIVE) {
      break;
    }
    /* Hyphenated ("al-Sharaa") or particle ("von der Leyen"). */
    if (end + 1 < limit && is(f, end, "-") &&
        token_at(f, end)->start == token_at(f, end - 1)->end &&
        is_word(f, end + 1)) {
      end += 2;
      continue;
    }
    while (end + 1 < limit && is_particle(f, end)) {
      end++;
    }
  }
  while (end > i && !(token_at(f, end - 1)->flags & TOKEN_UPPER)) {
    end--; /* no trailing particle */
  }
  return end;
}

/* The party mention just before token end (skipping a determiner and a
   possessive): "Kremlin aide", "Ukraine's national security secretary",
   "Trump's envoy" (the person's party). Returns an entity or -1. */
static int party_before(const struct finder *f, size_t end, size_t floor) {
  if (end == floor) {
    return -1;
  }
  int mention = f->parties->token_mention[end - 1];
  if (mention < 0) {
    return -1;
  }
  const struct mention *m = &f->parties->mentions[mention];
  int speaks_for = entities_speaks_for(f->parties, m->entity);
  return speaks_for;
}

/* Is the token before i a possessive party ("Poland's")? */
static int possessive_party_before(const struct finder *f, size_t i) {
  int mention = f->parties->token_mention[i - 1];
  return mention >= 0 && (token_at(f, i - 1)->flags & TOKEN_POSSESSIVE) &&
         f->parties->entities[f->parties->mentions[mention].entity].kind !=
             PARTY_KIND_PERSON;
}

static size_t skip_back_determiner(const struct finder *f, size_t at,
                                   size_t floor) {
  if (at > floor && (lexicon_word_class(f->lexicon, f->tokens, at - 1) &
                     LEXICON_WORD_DETERMINER)) {
    return at - 1;
  }
  return at;
}

/* A word that may modify a role without being a name or a party: "trade"
   in "EU trade commissioner", "Deputy" in "Russian Deputy Foreign Minister". */
static int modifier_word(const struct finder *f, size_t i) {
  const struct token *t = token_at(f, i);
  if (!(t->flags & TOKEN_WORD) ||
      (t->flags & (TOKEN_DIGIT | TOKEN_POSSESSIVE | TOKEN_IN_QUOTE)) ||
      f->parties->token_mention[i] >= 0) {
    return 0;
  }
  return (lexicon_word_class(f->lexicon, f->tokens, i) &
          (LEXICON_WORD_DETERMINER | LEXICON_WORD_PRONOUN |
           LEXICON_WORD_RELATIVE | LEXICON_WORD_BOUNDARY)) == 0;
}

/* Context of a person's name: role and affiliation before or after it. */
struct person_context {
  int found;
  int affiliation;
  size_t role_first; /* tokens of the role text, for the entity's role */
  size_t role_last;
  enum lexicon_role_class role_class;
};

static void context_before(const struct finder *f, size_t start, size_t floor,
                           struct person_context *context) {
  size_t role_first = 0;
  enum lexicon_role_class role_class = LEXICON_ROLE_NONE;
  size_t n = role_ending_at(f, start, floor, &role_first, &role_class);
  if (n == 0) {
    return;
  }
  /* Adjectives between the party and the role: "Trump's special envoy". */
  size_t at = role_first;
  context->found = 1;
  context->role_first = role_first;
  context->role_last = start;
  context->role_class = role_class;
  context->affiliation = party_before(f, at, floor);
  /* A modifier or two between them: "EU trade commissioner", "Russian
     Deputy Foreign Minister", "the US chief negotiator". */
  for (size_t skipped = 0; context->affiliation < 0 && skipped < 2 &&
                           at > floor + 1 && modifier_word(f, at - 1);
       skipped++) {
    at--;
    context->affiliation = party_before(f, at, floor);
  }
  if (context->affiliation >= 0) {
    context->role_first =
        f->parties->mentions[f->parties->token_mention[at - 1]].first;
  }
}

/* The party of the latest state, organisation or group named before token
   at, within the previous two sentences; -1 when none. */
static int body_named_before(const struct finder *f, size_t at) {
  uint32_t sentence = token_at(f, at)->sentence;
  for (size_t i = at; i > 0; i--) {
    if (token_at(f, i - 1)->sentence + 2 < sentence) {
      break;
    }
    int mention = f->parties->token_mention[i - 1];
    if (mention >= 0 &&
        f->parties->entities[f->parties->mentions[mention].entity].kind !=
            PARTY_KIND_PERSON) {
      return f->parties->mentions[mention].entity;
    }
  }
  return -1;
}

/* The party named in the rest of an appositive role, up to the comma that
   closes it: "of M23's political wing", "for the Hamas movement". Returns an
   entity or -1; a person named there ("Putin's envoy") gives their party. */
static int party_in_role_tail(const struct finder *f, size_t name, size_t at,
                              size_t stop) {
  /* "ambassador to Russia" speaks for someone else: only "of" and "for". */
  if (at >= stop || !(is(f, at, "of") || is(f, at, "for"))) {
    return -1;
  }
  for (; at < stop; at++) {
    if (is(f, at, ",") || is(f, at, ".") || is(f, at, ";")) {
      return -1;
    }
    int mention = f->parties->token_mention[at];
    if (mention >= 0) {
      return entities_speaks_for(f->parties,
                                 f->parties->mentions[mention].entity);
    }
    enum lexicon_role_class role_class = LEXICON_ROLE_NONE;
    if (is(f, at - 1, "the") &&
        ((lexicon_word_class(f->lexicon, f->tokens, at) &
          LEXICON_WORD_ANAPHOR) ||
         (entities_role_at(f->lexicon, f->tokens, at, stop, &role_class) > 0 &&
          role_class == LEXICON_ROLE_BODY))) {
      /* "the secretary of the organization", "the head of the office": the
         body named last. */
      return body_named_before(f, name);
    }
  }
  return -1;
}
/* ", Ukraine's national security secretary" or ", a Ukrainian lawmaker". */
static void context_after(const struct finder *f, size_t start, size_t end,
                          size_t limit, struct person_context *context) {
  if (end >= limit || !is(f, end, ",")) {
    return;
  }
  /* "on Air Force One, the US leader said": a place, then the subject. */
  if (start > 0 && (is(f, start - 1, "on") || is(f, start - 1, "in") ||
                    is(f, start - 1, "at") || is(f, start - 1, "aboard"))) {
    return;
  }
  size_t at = end + 1;
  size_t stop = at + 12 < limit ? at + 12 : limit;
  int affiliation = -1;
  /* ", with Israeli Prime Minister ..." is not an appositive. */
  if (at >= limit ||
      !(f->parties->token_mention[at] >= 0 ||
        (lexicon_word_class(f->lexicon, f->tokens, at) &
         LEXICON_WORD_DETERMINER) ||
        entities_role_at(f->lexicon, f->tokens, at, limit, NULL) > 0)) {
    return;
  }
  for (; at < stop; at++) {
    if (is(f, at, ",") || is(f, at, ".")) {
      return;
    }
    int mention = f->parties->token_mention[at];
    if (mention >= 0) {
      const struct mention *m = &f->parties->mentions[mention];
      if (m->kind == MENTION_PERSON || m->kind == MENTION_SURNAME) {
        return; /* another person: not an appositive role of this one */
      }
      affiliation = entities_speaks_for(f->parties, m->entity);
      at = m->last - 1;
      continue;
    }
    enum lexicon_role_class role_class = LEXICON_ROLE_NONE;
    size_t n = entities_role_at(f->lexicon, f->tokens, at, limit, &role_class);
    if (n > 0 && role_class != LEXICON_ROLE_BODY) {
      if (affiliation < 0) {
        /* The party may follow the role: ", head of M23's political wing",
           ", a member of the Hamas political bureau". */
        affiliation = party_in_role_tail(f, start, at + n, stop);
      }
      context->found = 1;
      context->affiliation = affiliation;
      context->role_first = end + 1;
      context->role_last = at + n;
      context->role_class = role_class;
      if (context->role_first < context->role_last &&
          (lexicon_word_class(f->lexicon, f->tokens, context->role_first) &
           LEXICON_WORD_DETERMINER)) {
        context->role_first++;
      }
      return;
    }
  }
}

/* "a spokesperson for German Chancellor Friedrich Merz, Stefan Kornelius":
   the name after a comma that closes a role phrase with "for"/"of"/"to". */
static void context_apposed(const struct finder *f, size_t start, size_t floor,
                            struct person_context *context) {
  if (start <= floor + 2 || !is(f, start - 1, ",")) {
    return;
  }
  /* "Panama's chief negotiator, Ana Aguilar, said": the role and its party
     just before the comma. */
  context_before(f, start - 1, floor, context);
  if (context->found) {
    if (context->affiliation >= 0) {
      context->role_last = start - 1;
      return;
    }
    memset(context, 0, sizeof(*context));
    context->affiliation = -1;
  }
  size_t stop = start > floor + 14 ? start - 14 : floor;
  int affiliation = -1;
  for (size_t at = start - 1; at > stop; at--) {
    size_t i = at - 1;
    int mention = f->parties->token_mention[i];
    if (mention >= 0 && affiliation < 0) {
      affiliation =
          entities_speaks_for(f->parties, f->parties->mentions[mention].entity);
    }
    if (is(f, i, "for") || is(f, i, "of") || is(f, i, "to")) {
      size_t role_first = 0;
      enum lexicon_role_class role_class = LEXICON_ROLE_NONE;
      size_t role_tokens =
          role_ending_at(f, i, floor, &role_first, &role_class);
      if (role_tokens > 0) {
        /* "Moscow's envoy to ... in Vienna": the party before the role
           first; after "to" is where the envoy is sent, never whose. */
        int owner = party_before(f, role_first, floor);
        if (owner >= 0 || is(f, i, "to")) {
          affiliation = owner;
        }
      }
      if (role_tokens > 0 && affiliation >= 0) {
        context->found = 1;
        context->affiliation = affiliation;
        context->role_first = skip_back_determiner(f, role_first, floor);
        if (context->role_first < role_first) {
          context->role_first++;
        }
        context->role_last = start - 1;
        context->role_class = role_class;
      }
      return;
    }
    if (is(f, i, ".") || is(f, i, ";")) {
      return;
    }
  }
}

/* Is a cue (optionally after auxiliaries) right after token end? */
static int cue_follows(const struct finder *f, size_t end, size_t limit) {
  size_t at = end;
  while (at < limit &&
         (is(f, at, ",") ||
          (lexicon_word_class(f->lexicon, f->tokens, at) & LEXICON_WORD_AUX)) &&
         at < end + 3) {
    at++;
  }
  if (at >= limit) {
    return 0;
  }
  size_t matched = 0;
  return lexicon_longest(&f->lexicon->cue_map, 2, f->tokens, at, limit,
                         &matched) >= 0;
}

static const char *span_text(struct finder *f, size_t first, size_t last) {
  const char *text = f->doc->text + token_at(f, first)->start;
  return arena_strndup(f->arena, text,
                       token_at(f, last - 1)->stem_end -
                           token_at(f, first)->start);
}

/* A spokesperson named with no party ("spokeswoman Tammy Bruce said")
   speaks for the body or party that was the subject of a cue in the same or
   the previous sentence ("The State Department said ..."). Returns the
   party, or -1. */
static int body_spoken_before(const struct finder *f, size_t at) {
  uint32_t sentence = token_at(f, at)->sentence;
  for (size_t j = at; j > 0; j--) {
    size_t i = j - 1;
    const struct token *t = token_at(f, i);
    if (t->sentence + 1 < sentence) {
      break;
    }
    int mention = f->parties->token_mention[i];
    if (mention < 0 || (t->flags & (TOKEN_IN_QUOTE | TOKEN_QUOTE_MARK))) {
      continue;
    }
    const struct mention *m = &f->parties->mentions[mention];
    j = m->first + 1;
    if (m->kind != MENTION_PARTY ||
        f->parties->entities[m->entity].kind == PARTY_KIND_PERSON) {
      continue;
    }
    if (cue_follows(f, m->last, sentence_end(f, m->last - 1))) {
      return entities_speaks_for(f->parties, m->entity);
    }
  }
  return -1;
}

/* A spelling key of a name written in Latin letters, so that common
   transliteration variants meet: lower case, "gh" and "q" as "k", "kh" as
   "h", "ph" as "f", "w" as "v", "iy"/"yy"/"ii"/"ij" as "y", doubled
   letters once ("Araghchi"/"Araqchi", "Zelenskyy"/"Zelenskiy"/"Zelensky").
   Bytes outside ASCII letters are dropped (the token fold has no accents).
   Returns the key's length. */
static size_t spelling_key(const char *name, size_t length, char *key,
                           size_t size) {
  size_t out = 0;
  for (size_t i = 0; i < length && out + 1 < size; i++) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') {
      c = (char)(c - 'A' + 'a');
    }
    if (c < 'a' || c > 'z') {
      continue;
    }
    char next = i + 1 < length ? name[i + 1] : '\0';
    if (next >= 'A' && next <= 'Z') {
      next = (char)(next - 'A' + 'a');
    }
    if ((c == 'g' && next == 'h') || (c == 'k' && next == 'h') ||
        (c == 'p' && next == 'h')) {
      c = c == 'g' ? 'k' : c == 'k' ? 'h' : 'f';
      i++;
    } else if (c == 'q') {
      c = 'k';
    } else if (c == 'w') {
      c = 'v';
    } else if ((c == 'i' || c == 'y') &&
               (next == 'y' || next == 'i' || next == 'j')) {
      c = 'y';
      i++;
    }
    if (out > 0 && key[out - 1] == c) {
      continue;
    }
    key[out++] = c;
  }
  key[out] = '\0';
  return out;
}

/* The lexicon's person whose surname the name run [first, last) spells
   another way ("Abbas Araqchi" for Abbas Araghchi), with the same initial
   when a given name is written; -1 when none. */
static int known_by_spelling(const struct finder *f, size_t first,
                             size_t last) {
  const struct token *surname = token_at(f, last - 1);
  char key[64], candidate[64];
  if (spelling_key(tokens_fold(f->tokens, surname), surname->fold_length, key,
                   sizeof(key)) < 4) {
    return -1;
  }
  const char *given =
      last - first > 1 ? tokens_fold(f->tokens, token_at(f, first)) : NULL;
  for (size_t k = 0; k < f->lexicon->party_count; k++) {
    const struct lexicon_party *person = &f->lexicon->parties[k];
    if (person->kind != PARTY_KIND_PERSON) {
      continue;
    }
    const char *space = strrchr(person->name, ' ');
    if (space == NULL) {
      continue;
    }
    spelling_key(space + 1, strlen(space + 1), candidate, sizeof(candidate));
    if (strcmp(key, candidate) != 0) {
      continue;
    }
    char initial = person->name[0];
    if (initial >= 'A' && initial <= 'Z') {
      initial = (char)(initial - 'A' + 'a');
    }
    if (given == NULL || given[0] == initial) {
      return (int)k;
    }
  }
  return -1;
}

/* Is token i a capitalised pronoun that is a surname here: "He" followed
   by one given name and a cue ("He Ming said", "He Lifeng told")? */
static int surname_like_pronoun(const struct finder *f, size_t i,
                                size_t limit) {
  const struct token *t = token_at(f, i);
  if (!(t->flags & TOKEN_UPPER) || (t->flags & TOKEN_ALL_CAPS) ||
      !(lexicon_word_class(f->lexicon, f->tokens, i) & LEXICON_WORD_PRONOUN) ||
      i + 2 >= limit || !name_token(f, i + 1) ||
      lexicon_word_class(f->lexicon, f->tokens, i + 1) != 0 ||
      entities_role_at(f->lexicon, f->tokens, i + 1, limit, NULL) > 0 ||
      name_run(f, i + 1, limit) != i + 2) {
    return 0;
  }
  return cue_follows(f, i + 2, limit);
}

/* Pass 2: people the lexicon does not know, recognised from context. */
static int recognise_people(struct finder *f) {
  size_t count = f->tokens->count;
  size_t floor = 0, limit = 0;
  for (size_t i = 0; i < count; i++) {
    if (i >= limit) {
      floor = i;
      limit = sentence_end(f, i);
    }
    struct person_context context = {0};
    int mention = f->parties->token_mention[i];
    if (mention >= 0) {
      /* A known person's role as written: "Kremlin aide Yuri Ushakov". */
      struct mention *m = &f->parties->mentions[mention];
      if (m->first == i && m->kind == MENTION_PERSON) {
        struct party_entity *e = &f->parties->entities[m->entity];
        context_before(f, i, floor, &context);
        if (context.found && e->lexicon_party >= 0 &&
            f->lexicon->parties[e->lexicon_party].role == e->role) {
          e->role = span_text(f, context.role_first, context.role_last);
        }
      }
      i = m->last - 1;
      continue;
    }
    int he_surname = surname_like_pronoun(f, i, limit);
    if (!he_surname &&
        (!name_token(f, i) ||
         entities_role_at(f->lexicon, f->tokens, i, limit, NULL) > 0)) {
      continue;
    }
    /* "He Ming said": the surname He, not a pronoun. */
    size_t end = he_surname ? i + 2 : name_run(f, i, limit);
    if (end == i) {
      continue;
    }
    size_t words = 0;
    for (size_t k = i; k < end; k++) {
      words += (token_at(f, k)->flags & TOKEN_UPPER) != 0;
    }
    context.affiliation = -1;
    context_before(f, i, floor, &context);
    if (!context.found) {
      context_after(f, i, end, limit, &context);
    }
    if (!context.found) {
      context_apposed(f, i, floor, &context);
    }
    int is_person = context.found && context.role_class != LEXICON_ROLE_BODY;
    if (!context.found && i > floor && possessive_party_before(f, i) &&
        words >= 2 &&
        !(end < limit &&
          (is(f, end, "of") || is(f, end, "for") || is(f, end, "and")))) {
      /* "Poland's Michal Baranowski": a state's own person, no role; not
         "Ukraine's Coordination Headquarters for the Treatment of ...". */
      is_person = 1;
      context.affiliation = party_before(f, i, floor);
    }
    if (is_person && context.affiliation < 0 &&
        context.role_class == LEXICON_ROLE_SPOKESPERSON) {
      context.affiliation = body_spoken_before(f, i);
    }
    /* "the South Group said", "the Ministry of Foreign Affairs said" name
       bodies, not people. */
    if (!is_person && words >= 2 && cue_follows(f, end, limit) &&
        (i == floor || (!(lexicon_word_class(f->lexicon, f->tokens, i - 1) &
                          LEXICON_WORD_DETERMINER) &&
                        !is(f, i - 1, "of") && !is(f, i - 1, "for")))) {
      is_person = 1; /* "Anna Smith said": a person, party unknown */
      context.affiliation = -1;
    }
    /* Only a person of unknown party is looked for under other spellings
       ("Araqchi said", the lexicon's Araghchi). */
    int spelled = -1;
    if ((is_person && context.affiliation < 0) ||
        (!is_person && cue_follows(f, end, limit))) {
      spelled = known_by_spelling(f, i, end);
    }
    if (!is_person && spelled >= 0) {
      is_person = 1;
    }
    if (!is_person) {
      i = end - 1;
      continue;
    }
    /* The same person written again in full reuses the entity. */
    const char *name = span_text(f, i, end);
    if (name == NULL) {
      return -1;
    }
    int entity = -1;
    size_t name_length = strlen(name);
    for (size_t e = 0; e < f->parties->entity_count; e++) {
      const struct party_entity *known = &f->parties->entities[e];
      if (known->kind != PARTY_KIND_PERSON) {
        continue;
      }
      /* Or the end of a name written in full before: "De Wever" after
         "Bart De Wever". */
      size_t known_length = strlen(known->name);
      if (strcmp(known->name, name) == 0 ||
          (known_length > name_length + 1 &&
           known->name[known_length - name_length - 1] == ' ' &&
           strcmp(known->name + known_length - name_length, name) == 0)) {
        entity = (int)e;
      }
    }
    if (entity < 0 && spelled >= 0) {
      entity = lexicon_entity(f, spelled);
      if (entity < 0) {
        return -1;
      }
    }
    if (entity < 0) {
      entity = add_entity(f, name, PARTY_KIND_PERSON);
      if (entity < 0) {
        return -1;
      }
      struct party_entity *e = &f->parties->entities[entity];
      e->affiliation = context.affiliation;
      e->role_class = context.role_class;
      if (context.found && context.role_last > context.role_first) {
        e->role = span_text(f, context.role_first, context.role_last);
      }
      e->surname_token = (int)(end - 1);
    }
    enum mention_kind kind =
        spelled >= 0 && end - i == 1 ? MENTION_SURNAME : MENTION_PERSON;
    if (add_mention(f, i, end, entity, kind, LEXICON_ALIAS_NAME) != 0) {
      return -1;
    }
    i = end - 1;
  }
  return 0;
}

/* Pass 3: surnames of the people recognised in pass 2. */
static int match_surnames(struct finder *f) {
  for (size_t i = 0; i < f->tokens->count; i++) {
    const struct token *t = token_at(f, i);
    if (f->parties->token_mention[i] >= 0 || !(t->flags & TOKEN_UPPER) ||
        !(t->flags & TOKEN_WORD)) {
      continue;
    }
    for (size_t e = 0; e < f->parties->entity_count; e++) {
      const struct party_entity *entity = &f->parties->entities[e];
      if (entity->surname_token < 0 || (size_t)entity->surname_token >= i) {
        continue;
      }
      const struct token *surname = token_at(f, (size_t)entity->surname_token);
      if (surname->fold_length == t->fold_length &&
          memcmp(tokens_fold(f->tokens, surname), tokens_fold(f->tokens, t),
                 t->fold_length) == 0) {
        if (add_mention(f, i, i + 1, (int)e, MENTION_SURNAME,
                        LEXICON_ALIAS_SURNAME) != 0) {
          return -1;
        }
        break;
      }
    }
  }
  return 0;
}

/* The person an unnamed title means: the article's own person of that party
   and role, else the lexicon's office holder. */
static int resolve_title(struct finder *f, int party,
                         enum lexicon_role_class role_class) {
  struct party_set *p = f->parties;
  for (size_t e = 0; e < p->entity_count; e++) {
    const struct party_entity *entity = &p->entities[e];
    if (entity->kind != PARTY_KIND_PERSON || entity->affiliation != party) {
      continue;
    }
    if (role_class == LEXICON_ROLE_LEADER
            ? entity->leader || entity->role_class == LEXICON_ROLE_LEADER
            : entity->role_class == role_class) {
      return (int)e;
    }
  }
  int lexicon_party = p->entities[party].lexicon_party;
  if (lexicon_party < 0) {
    return -1;
  }
  for (size_t k = 0; k < f->lexicon->party_count; k++) {
    const struct lexicon_party *candidate = &f->lexicon->parties[k];
    if (candidate->kind != PARTY_KIND_PERSON ||
        candidate->affiliation != lexicon_party) {
      continue;
    }
    if (role_class == LEXICON_ROLE_LEADER
            ? candidate->leader
            : candidate->role_class == role_class &&
                  role_class != LEXICON_ROLE_OFFICIAL) {
      return lexicon_entity(f, (int)k);
    }
  }
  return -1;
}

/* A person named earlier with a role and no party ("Ombudsman Dmytro
   Lubinets") whom a title now gives one ("the Ukrainian ombudsman"): the
   latest such person whose role ends with the title's role word. */
static int adopt_titled_person(struct finder *f, int party, size_t role_word) {
  const struct token *word = token_at(f, role_word);
  const char *fold = tokens_fold(f->tokens, word);
  for (size_t e = f->parties->entity_count; e > 0; e--) {
    struct party_entity *entity = &f->parties->entities[e - 1];
    if (entity->kind != PARTY_KIND_PERSON || entity->affiliation >= 0 ||
        entity->role == NULL) {
      continue;
    }
    size_t length = strlen(entity->role);
    if (length < word->fold_length ||
        strncasecmp(entity->role + length - word->fold_length, fold,
                    word->fold_length) != 0 ||
        (length > word->fold_length &&
         entity->role[length - word->fold_length - 1] != ' ')) {
      continue;
    }
    entity->affiliation = party;
    return (int)(e - 1);
  }
  return -1;
}

/* Pass 4: "the Russian president", "the US president", "the Kremlin
   spokesman" when no name follows. */
static int match_titles(struct finder *f) {
  size_t count = f->tokens->count;
  size_t limit = 0;
  for (size_t i = 0; i + 2 < count; i++) {
    if (i >= limit) {
      limit = sentence_end(f, i);
    }
    /* Only "the" makes a definite reference; "a Russian commander" is
       someone unnamed. */
    if (!is(f, i, "the") || (token_at(f, i)->flags & TOKEN_IN_QUOTE)) {
      continue;
    }
    int mention = f->parties->token_mention[i + 1];
    if (mention < 0) {
      continue;
    }
    const struct mention *m = &f->parties->mentions[mention];
    if (m->first != i + 1 ||
        (m->kind != MENTION_PARTY && m->kind != MENTION_DEMONYM)) {
      continue;
    }
    size_t role_start = m->last;
    enum lexicon_role_class role_class = LEXICON_ROLE_NONE;
    size_t n =
        entities_role_at(f->lexicon, f->tokens, role_start, limit, &role_class);
    if (n == 0 || role_class == LEXICON_ROLE_BODY) {
      continue;
    }
    size_t end = role_start + n;
    if (end < limit && f->parties->token_mention[end] >= 0) {
      continue; /* "the Russian President Vladimir Putin": a name follows */
    }
    if (end < limit && name_token(f, end)) {
      continue;
    }
    int party = m->entity;
    int person = resolve_title(f, party, role_class);
    if (person < 0) {
      person = adopt_titled_person(f, party, end - 1);
    }
    if (person < 0) {
      continue;
    }
    /* The title mention replaces the party mention inside it. */
    f->parties->token_mention[i + 1] = -1;
    if (add_mention(f, i, end, person, MENTION_TITLE, LEXICON_ALIAS_NAME) !=
        0) {
      return -1;
    }
    f->parties->mentions[mention].first = f->parties->mentions[mention].last;
    i = end - 1;
  }
  return 0;
}

/* A known person is named as the article first writes them in full
   ("Volodymyr Zelenskyy" where the lexicon says "Zelensky"), or with the
   article's spelling of the surname; the lexicon's name becomes an alias. */
static int adopt_article_spelling(struct finder *f) {
  struct party_set *p = f->parties;
  for (size_t e = 0; e < p->entity_count; e++) {
    struct party_entity *entity = &p->entities[e];
    if (entity->kind != PARTY_KIND_PERSON || entity->lexicon_party < 0) {
      continue;
    }
    const struct mention *full = NULL, *surname = NULL;
    for (size_t m = 0; m < p->mention_count; m++) {
      const struct mention *mention = &p->mentions[m];
      if (mention->entity != (int)e || mention->first >= mention->last) {
        continue;
      }
      if (mention->kind == MENTION_PERSON &&
          (full == NULL || mention->first < full->first)) {
        full = mention;
      } else if (mention->kind == MENTION_SURNAME &&
                 (surname == NULL || mention->first < surname->first)) {
        surname = mention;
      }
    }
    const char *canonical = entity->name;
    const char *name = NULL;
    if (full != NULL) {
      name = span_text(f, full->first, full->last);
    } else if (surname != NULL) {
      const char *space = strrchr(canonical, ' ');
      const struct token *first = token_at(f, surname->first);
      const struct token *last = token_at(f, surname->last - 1);
      size_t written = last->stem_end - first->start;
      if (space != NULL) {
        size_t given = (size_t)(space - canonical) + 1;
        char *joined = arena_alloc(f->arena, given + written + 1);
        if (joined == NULL) {
          return -1;
        }
        memcpy(joined, canonical, given);
        memcpy(joined + given, f->doc->text + first->start, written);
        name = joined;
      }
    }
    if (name == NULL || strcmp(name, canonical) == 0) {
      continue;
    }
    entity->name = name;
    /* The written form leaves the aliases; the lexicon's name joins them. */
    size_t kept = 0;
    for (size_t a = 0; a < entity->alias_count; a++) {
      if (strcmp(entity->aliases[a], name) != 0) {
        entity->aliases[kept++] = entity->aliases[a];
      }
    }
    entity->alias_count = kept;
    if (entity->alias_count < PARTIES_MAX_ALIASES) {
      entity->aliases[entity->alias_count++] = canonical;
    }
  }
  return 0;
}

int entities_speaks_for(const struct party_set *parties, int entity) {
  if (entity < 0) {
    return -1;
  }
  const struct party_entity *e = &parties->entities[entity];
  if (e->kind == PARTY_KIND_PERSON) {
    return e->affiliation;
  }
  return entity;
}

int entities_recognise(const struct extract_lexicon *lexicon,
                       const struct text_doc *doc,
                       const struct token_list *tokens, struct arena *arena,
                       struct party_set *parties) {
  memset(parties, 0, sizeof(*parties));
  struct finder f = {.lexicon = lexicon,
                     .doc = doc,
                     .tokens = tokens,
                     .arena = arena,
                     .parties = parties};
  int result = -1;
  parties->token_mention = malloc((tokens->count + 1) * sizeof(int));
  f.entity_of_lexicon = malloc((lexicon->party_count + 1) * sizeof(int));
  if (parties->token_mention == NULL || f.entity_of_lexicon == NULL) {
    goto cleanup;
  }
  for (size_t i = 0; i < tokens->count; i++) {
    parties->token_mention[i] = -1;
  }
  for (size_t i = 0; i < lexicon->party_count; i++) {
    f.entity_of_lexicon[i] = -1;
  }
  if (match_gazetteer(&f) != 0 || recognise_people(&f) != 0 ||
      match_surnames(&f) != 0 || match_titles(&f) != 0 ||
      adopt_article_spelling(&f) != 0) {
    goto cleanup;
  }
  result = 0;
cleanup:
  free(f.entity_of_lexicon);
  if (result != 0) {
    party_set_free(parties);
  }
  return result;
}

void party_set_free(struct party_set *parties) {
  free(parties->mentions);
  free(parties->entities);
  free(parties->token_mention);
  memset(parties, 0, sizeof(*parties));
}
