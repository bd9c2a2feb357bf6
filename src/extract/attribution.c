/* Attribution of statements to speakers and parties, sentence by sentence. */
#include "attribution.h"

#include <stdlib.h>
#include <string.h>

/* How far (in tokens) a speaker may stand from its cue. */
#define SPEAKER_GAP_BEFORE 10
#define SPEAKER_GAP_AFTER 7

struct finder {
  const struct extract_lexicon *lexicon;
  const struct text_doc *doc;
  const struct token_list *tokens;
  const struct party_set *parties;
  struct arena *arena;
  struct claim_list *claims;
  /* The latest person who spoke, for "he said" and continued quotations. */
  int last_person;
  size_t last_person_sentence;
  /* The latest party or body that spoke, for "it said", "the group said". */
  int last_body;
  size_t last_body_sentence;
  const char *last_body_text;
  long last_claim_sentence;
  /* The latest person named with each class of role, for "the minister
     said" (index: enum lexicon_role_class). */
  int last_person_by_role[LEXICON_ROLE_BODY + 1];
  size_t last_person_by_role_sentence[LEXICON_ROLE_BODY + 1];
};

/* A speaker found for one cue. */
struct speaker {
  int found;
  int entity;   /* the mention's entity (person or party), or -1 */
  int party;    /* the party it speaks for */
  size_t first; /* tokens of the speaker phrase */
  size_t last;
  const char *text; /* display name, or NULL */
  enum claim_speaker_kind kind;
  int after_cue; /* "said Peskov" */
  int final;     /* ", X said." closing the sentence */
  unsigned back; /* a pronoun: sentences back to where its person was */
};

static const struct token *tok(const struct finder *f, size_t i) {
  return &f->tokens->items[i];
}

static int is(const struct finder *f, size_t i, const char *word) {
  return tokens_is(f->tokens, tok(f, i), word);
}

static int word_class(const struct finder *f, size_t i) {
  return lexicon_word_class(f->lexicon, f->tokens, i);
}

static int is_word(const struct finder *f, size_t i) {
  return (tok(f, i)->flags & TOKEN_WORD) != 0;
}

static int in_quote(const struct finder *f, size_t i) {
  return (tok(f, i)->flags & (TOKEN_IN_QUOTE | TOKEN_QUOTE_MARK)) != 0;
}

static const struct mention *mention_at(const struct finder *f, size_t i) {
  int m = f->parties->token_mention[i];
  if (m < 0) {
    return NULL;
  }
  const struct mention *mention = &f->parties->mentions[m];
  return mention->first < mention->last ? mention : NULL;
}

static int role_at(const struct finder *f, size_t i, size_t limit,
                   enum lexicon_role_class *role_class) {
  return (int)entities_role_at(f->lexicon, f->tokens, i, limit, role_class);
}

static int ends_with_ly(const struct finder *f, size_t i) {
  const struct token *t = tok(f, i);
  const char *fold = tokens_fold(f->tokens, t);
  return t->fold_length > 4 && fold[t->fold_length - 2] == 'l' &&
         fold[t->fold_length - 1] == 'y';
}

static int ends_with_ing(const struct finder *f, size_t i) {
  const struct token *t = tok(f, i);
  const char *fold = tokens_fold(f->tokens, t);
  return t->fold_length > 5 && memcmp(fold + t->fold_length - 3, "ing", 3) == 0;
}

static int is_calendar(const struct finder *f, size_t i) {
  const struct token *t = tok(f, i);
  return lexicon_map_get(&f->lexicon->calendar, f->doc->text + t->start,
                         t->stem_end - t->start) >= 0;
}

static const char *text_between(const struct finder *f, size_t first,
                                size_t last) {
  if (first < last && (word_class(f, first) & LEXICON_WORD_DETERMINER)) {
    first++;
  }
  if (first >= last) {
    return NULL;
  }
  return arena_strndup(f->arena, f->doc->text + tok(f, first)->start,
                       tok(f, last - 1)->stem_end - tok(f, first)->start);
}

/* The end of a proper name of a body starting at token i: capitalised
   words, joined by "of", "for", "the", "and" ("Coordination Headquarters
   for the Treatment of Prisoners of War"), none of them a known party or
   person. Returns i when there is none. */
static size_t proper_name_end(const struct finder *f, size_t i, size_t limit) {
  size_t end = i;
  for (size_t at = i; at < limit && at < i + 12; at++) {
    const struct token *t = tok(f, at);
    if (!is_word(f, at) || mention_at(f, at) != NULL || in_quote(f, at)) {
      break;
    }
    if (t->flags & TOKEN_UPPER) {
      if (word_class(f, at) != 0 && at == i) {
        break; /* "Ukraine's The ..." is no name */
      }
      end = at + 1;
      if (t->flags & TOKEN_POSSESSIVE) {
        break;
      }
      continue;
    }
    if (!(is(f, at, "of") || is(f, at, "for") || is(f, at, "the") ||
          is(f, at, "and")) ||
        at == i) {
      break;
    }
  }
  return end;
}

/* The party a claim of entity is attributed to: its own for a state,
   organisation or group, a person's affiliation, or, for a person named in
   full whose party the article does not tell, the person (a party of kind
   person with no affiliation) rather than no claim. */
static int speaking_party(const struct finder *f, int entity) {
  int party = entities_speaks_for(f->parties, entity);
  if (party < 0 && entity >= 0 &&
      f->parties->entities[entity].kind == PARTY_KIND_PERSON &&
      strchr(f->parties->entities[entity].name, ' ') != NULL) {
    return entity;
  }
  return party;
}

/* The speaker for a mention m (a person or party): its entity, party,
   display text. Demonyms and possessives need a following role or body noun
   ("a Russian commander", "Zelensky's adviser"). Returns 0 when m cannot
   speak. */
static int speaker_from_mention(const struct finder *f, const struct mention *m,
                                size_t limit, struct speaker *speaker) {
  const struct party_entity *entity = &f->parties->entities[m->entity];
  size_t end = m->last;
  enum lexicon_role_class role_class = LEXICON_ROLE_NONE;
  int role_tokens = end < limit ? role_at(f, end, limit, &role_class) : 0;
  int possessive = (tok(f, m->last - 1)->flags & TOKEN_POSSESSIVE) != 0;
  speaker->entity = m->entity;
  speaker->party = speaking_party(f, m->entity);
  speaker->first = m->first;
  speaker->last = m->last;
  if (speaker->party < 0) {
    return 0;
  }
  if (possessive && entity->kind != PARTY_KIND_PERSON) {
    /* "Ukraine's General Staff said", "Russia's Investigative Committee
       said": a body of the state named as such (longer than a role: "the
       Office for the Return of Deportees"). */
    size_t body_end = proper_name_end(f, end, limit);
    if (body_end > end + (size_t)role_tokens) {
      speaker->entity = speaker->party;
      speaker->last = body_end;
      speaker->kind = CLAIM_SPEAKER_BODY;
      speaker->text = text_between(f, end, body_end);
      return 1;
    }
  }
  if (m->kind == MENTION_DEMONYM || possessive) {
    if (role_tokens == 0) {
      /* An adjective of nationality may still qualify a body two words on:
         "Kiev's European backers". */
      return 0;
    }
    speaker->entity = speaker->party;
    speaker->last = end + (size_t)role_tokens;
    speaker->kind = CLAIM_SPEAKER_BODY;
    speaker->text = role_class == LEXICON_ROLE_BODY
                        ? text_between(f, m->first, speaker->last)
                        : NULL;
    return 1;
  }
  if (entity->kind == PARTY_KIND_PERSON) {
    speaker->text = entity->name;
    speaker->kind =
        m->kind == MENTION_PERSON ? CLAIM_SPEAKER_NAMED : CLAIM_SPEAKER_TITLE;
    return 1;
  }
  if (role_tokens > 0 && role_class == LEXICON_ROLE_BODY) {
    speaker->last = end + (size_t)role_tokens;
    speaker->kind = CLAIM_SPEAKER_BODY;
    speaker->text = text_between(f, m->first, speaker->last);
    return 1;
  }
  if (m->alias_type == LEXICON_ALIAS_SEAT ||
      (m->alias_type == LEXICON_ALIAS_NAME && m->last - m->first > 1 &&
       strncmp(entity->name, f->doc->text + tok(f, m->first)->start,
               strlen(entity->name)) != 0)) {
    /* A seat or an institution named as such: "the White House", "the U.S.
       government". */
    speaker->kind = CLAIM_SPEAKER_BODY;
    speaker->text = text_between(f, m->first, m->last);
    return 1;
  }
  speaker->kind = CLAIM_SPEAKER_PARTY;
  speaker->text = NULL;
  return 1;
}

/* "he"/"she": the person who spoke last, or was last named. */
static int resolve_pronoun(const struct finder *f, size_t sentence,
                           struct speaker *speaker) {
  if (f->last_person < 0 || sentence > f->last_person_sentence + 3) {
    return 0;
  }
  speaker->entity = f->last_person;
  speaker->party = speaking_party(f, f->last_person);
  if (speaker->party < 0) {
    return 0;
  }
  speaker->text = f->parties->entities[f->last_person].name;
  speaker->kind = CLAIM_SPEAKER_PRONOUN;
  speaker->back = (unsigned)(sentence - f->last_person_sentence);
  return 1;
}

/* "it"/"they", or "the group": the party or body that spoke in this or the
   previous sentence. */
static int resolve_anaphor(const struct finder *f, size_t i, size_t floor,
                           size_t sentence, struct speaker *speaker) {
  int pronoun = is(f, i, "it") || is(f, i, "they");
  if (!pronoun && !(i > floor && is(f, i - 1, "the"))) {
    return 0;
  }
  if (f->last_body < 0 || sentence > f->last_body_sentence + 1) {
    return 0;
  }
  /* "the group", "the alliance" is never a state ("Russia has rejected the
     plan. The alliance said ..." is someone else). */
  if (!pronoun && f->parties->entities[f->last_body].kind == PARTY_KIND_STATE) {
    return 0;
  }
  speaker->entity = f->last_body;
  speaker->party = f->last_body;
  speaker->text = f->last_body_text;
  speaker->kind = CLAIM_SPEAKER_PRONOUN;
  speaker->back = (unsigned)(sentence - f->last_body_sentence);
  speaker->first = pronoun ? i : i - 1;
  speaker->last = i + 1;
  speaker->found = 1;
  return 1;
}

/* The preposition opening a short phrase that ends at token i ("in a
   statement", "on Telegram"), or i when there is none. The phrase names no
   party; the caller wants a speaker right before it. */
static size_t phrase_start(const struct finder *f, size_t i, size_t floor) {
  for (size_t k = i; k > floor && k + 4 > i; k--) {
    size_t p = k - 1;
    if (!is_word(f, p) || mention_at(f, p) != NULL || in_quote(f, p)) {
      return i;
    }
    if (word_class(f, p) & LEXICON_WORD_PREPOSITION) {
      return p;
    }
  }
  return i;
}

/* "the minister said", "the foreign minister said": the latest person named
   with that class of role in the last three sentences. Token i is "the". */
static int resolve_role(const struct finder *f, size_t i, size_t cue,
                        size_t limit, size_t sentence,
                        struct speaker *speaker) {
  enum lexicon_role_class role_class = LEXICON_ROLE_NONE;
  size_t n = (size_t)role_at(f, i + 1, limit, &role_class);
  if (n == 0 || role_class == LEXICON_ROLE_BODY) {
    return 0;
  }
  for (size_t j = i + 1 + n; j < cue; j++) {
    if (!(word_class(f, j) & LEXICON_WORD_AUX) && !ends_with_ly(f, j)) {
      return 0;
    }
  }
  int person = f->last_person_by_role[role_class];
  if (person < 0 ||
      sentence > f->last_person_by_role_sentence[role_class] + 3) {
    return 0;
  }
  speaker->entity = person;
  speaker->party = entities_speaks_for(f->parties, person);
  if (speaker->party < 0) {
    return 0;
  }
  speaker->text = f->parties->entities[person].name;
  speaker->kind = CLAIM_SPEAKER_TITLE;
  speaker->first = i;
  speaker->last = i + 1 + n;
  speaker->back =
      (unsigned)(sentence - f->last_person_by_role_sentence[role_class]);
  speaker->found = 1;
  return 1;
}

/* Looks left of the cue for its subject. */
static int speaker_before(const struct finder *f, size_t cue, size_t floor,
                          size_t limit, size_t sentence,
                          struct speaker *speaker) {
  size_t stop =
      cue > floor + SPEAKER_GAP_BEFORE ? cue - SPEAKER_GAP_BEFORE : floor;
  for (size_t j = cue; j > stop; j--) {
    size_t i = j - 1;
    if (in_quote(f, i)) {
      return 0;
    }
    const struct mention *m = mention_at(f, i);
    if (m != NULL) {
      if (speaker_from_mention(f, m, limit, speaker)) {
        speaker->found = 1;
        /* ", X said." at the end of a sentence attributes all of it. */
        size_t before = m->first;
        if (before > floor && before < speaker->last &&
            (is(f, before - 1, ",") ||
             (tok(f, before - 1)->flags & TOKEN_QUOTE_MARK))) {
          speaker->final = 1;
        }
        return 1;
      }
      /* A demonym or possessive that cannot speak: keep looking left only
         across its own noun phrase. */
      j = m->first + 1;
      continue;
    }
    int classes = word_class(f, i);
    if ((classes & LEXICON_WORD_ANAPHOR) && !(classes & LEXICON_WORD_PRONOUN)) {
      /* "the M23 rebel group promised": the party named before the noun. */
      for (size_t k = i; k > floor && k + 3 > i; k--) {
        const struct mention *owner = mention_at(f, k - 1);
        if (owner != NULL) {
          if (f->parties->entities[owner->entity].kind != PARTY_KIND_PERSON &&
              !(tok(f, owner->last - 1)->flags & TOKEN_POSSESSIVE) &&
              speaker_from_mention(f, owner, limit, speaker)) {
            speaker->found = 1;
            return 1;
          }
          break;
        }
        if (!is_word(f, k - 1) || (tok(f, k - 1)->flags & TOKEN_UPPER)) {
          break;
        }
      }
      return resolve_anaphor(f, i, floor, sentence, speaker);
    }
    if ((classes & LEXICON_WORD_POSSESSIVE) &&
        (is(f, i, "his") || is(f, i, "her"))) {
      /* "His office said": the body of the person named last ("its" and
         "their" point at bodies, not people). */
      enum lexicon_role_class role_class = LEXICON_ROLE_NONE;
      int role = role_at(f, i + 1, limit, &role_class);
      if (role == 0 || role_class != LEXICON_ROLE_BODY ||
          !resolve_pronoun(f, sentence, speaker)) {
        return 0;
      }
      speaker->entity = speaker->party;
      speaker->kind = CLAIM_SPEAKER_BODY;
      speaker->text = text_between(f, i, i + 1 + (size_t)role);
      speaker->first = i;
      speaker->last = i + 1 + (size_t)role;
      speaker->found = 1;
      return 1;
    }
    if (classes & LEXICON_WORD_PRONOUN) {
      if (resolve_pronoun(f, sentence, speaker)) {
        speaker->found = 1;
        speaker->first = i;
        speaker->last = i + 1;
        return 1;
      }
      return 0;
    }
    enum lexicon_role_class subject_role = LEXICON_ROLE_NONE;
    if (is(f, i, "the") && i + 1 < cue && mention_at(f, i + 1) == NULL &&
        role_at(f, i + 1, limit, &subject_role) > 0 &&
        subject_role != LEXICON_ROLE_BODY) {
      /* "the minister said": that minister, or no one we know; never a
         party named earlier in the sentence. */
      return resolve_role(f, i, cue, limit, sentence, speaker);
    }
    if (is(f, i, ",") || (classes & (LEXICON_WORD_AUX | LEXICON_WORD_RELATIVE |
                                     LEXICON_WORD_DETERMINER))) {
      continue;
    }
    if (is_word(f, i) && (tok(f, i)->flags & TOKEN_UPPER)) {
      /* The end of "Ukraine's Coordination Headquarters for the ...":
         the state's possessive before the name speaks. */
      for (size_t k = i; k > floor && k + 12 > i; k--) {
        const struct mention *owner = mention_at(f, k - 1);
        if (owner == NULL) {
          continue;
        }
        if ((tok(f, owner->last - 1)->flags & TOKEN_POSSESSIVE) &&
            proper_name_end(f, owner->last, limit) == i + 1 &&
            speaker_from_mention(f, owner, limit, speaker) &&
            speaker->last == i + 1) {
          speaker->found = 1;
          return 1;
        }
        break;
      }
    }
    size_t role_first = 0;
    if (is_word(f, i) &&
        entities_role_ending_at(f->lexicon, f->tokens, i + 1, floor,
                                &role_first) > 0 &&
        role_first < i) {
      j = role_first + 1; /* "Ministry of Foreign Affairs", read backwards */
      continue;
    }
    if (is_word(f, i) &&
        (ends_with_ly(f, i) || role_at(f, i, limit, NULL) > 0 ||
         (tok(f, i)->flags & TOKEN_DIGIT) || is_calendar(f, i))) {
      continue; /* "Trump on Sunday confirmed", "Russia has since rejected" */
    }
    size_t phrase = phrase_start(f, i, floor);
    if (phrase < i && phrase > floor && mention_at(f, phrase - 1) != NULL) {
      j = phrase + 1; /* "Russia in a statement said", "X on Telegram wrote" */
      continue;
    }
    return 0;
  }
  return 0;
}

/* The subject at the start of the sentence, for a cue separated from it by
   an apposition or a relative clause ("Trump, whose envoy met Putin, has
   threatened ...") or for a participle after the main clause ("Meloni struck
   a hopeful note, calling the summit ..."). Skips an opening phrase closed by
   a comma ("On Monday, ...", "In its statement, ...") and prefers the person
   in "Italian Prime Minister Giorgia Meloni". */
static int sentence_subject(const struct finder *f, size_t first, size_t cue,
                            size_t sentence, struct speaker *speaker) {
  size_t i = first;
  while (i < cue && (is(f, i, ",") || (tok(f, i)->flags & TOKEN_QUOTE_MARK) ||
                     (word_class(f, i) & (LEXICON_WORD_BOUNDARY)) ||
                     ((word_class(f, i) & LEXICON_WORD_AUX) &&
                      !(word_class(f, i) & LEXICON_WORD_PRONOUN)))) {
    i++;
  }
  if (i < cue && mention_at(f, i) == NULL &&
      !(word_class(f, i) & (LEXICON_WORD_PRONOUN | LEXICON_WORD_DETERMINER |
                            LEXICON_WORD_ANAPHOR))) {
    /* An opening phrase: the subject follows its comma. */
    size_t stop = i + 12 < cue ? i + 12 : cue;
    size_t comma = i;
    while (comma < stop && !is(f, comma, ",") && !in_quote(f, comma)) {
      comma++;
    }
    if (comma >= stop || !is(f, comma, ",")) {
      return 0;
    }
    i = comma + 1;
  }
  if (i < cue && (word_class(f, i) & LEXICON_WORD_DETERMINER) &&
      !(word_class(f, i) & LEXICON_WORD_ANAPHOR)) {
    i++;
  }
  if (i >= cue || in_quote(f, i)) {
    return 0;
  }
  int classes = word_class(f, i);
  if (classes & LEXICON_WORD_PRONOUN) {
    if (!resolve_pronoun(f, sentence, speaker)) {
      return 0;
    }
    speaker->found = 1;
    speaker->first = i;
    speaker->last = i + 1;
    return 1;
  }
  if ((classes & LEXICON_WORD_ANAPHOR) && !(classes & LEXICON_WORD_PRONOUN)) {
    return resolve_anaphor(f, i, first, sentence, speaker);
  }
  const struct mention *m = mention_at(f, i);
  enum lexicon_role_class role_class = LEXICON_ROLE_NONE;
  size_t role = m == NULL ? (size_t)role_at(f, i, cue, &role_class) : 0;
  if (role > 0 && role_class == LEXICON_ROLE_BODY && i + role < cue &&
      is(f, i + role, "of")) {
    /* "The government of interim President X, who ..., said": the body
       speaks for the party named after it. */
    for (size_t j = i + role + 1; j < cue && j < i + role + 6; j++) {
      const struct mention *owner = mention_at(f, j);
      if (owner == NULL) {
        continue;
      }
      speaker->party = entities_speaks_for(f->parties, owner->entity);
      if (speaker->party < 0) {
        return 0;
      }
      speaker->entity = speaker->party;
      speaker->first = i;
      speaker->last = i + role;
      speaker->kind = CLAIM_SPEAKER_BODY;
      speaker->text = text_between(f, i, i + role);
      speaker->found = 1;
      return 1;
    }
    return 0;
  }
  if (m == NULL) {
    return 0;
  }
  /* "Italian Prime Minister Giorgia Meloni": the person after the title. */
  for (size_t j = m->last; j < cue && j < m->last + 6; j++) {
    const struct mention *person = mention_at(f, j);
    if (person != NULL) {
      if (f->parties->entities[person->entity].kind == PARTY_KIND_PERSON &&
          !(tok(f, person->last - 1)->flags & TOKEN_POSSESSIVE)) {
        m = person;
      }
      break;
    }
    if (!is_word(f, j) || in_quote(f, j)) {
      break;
    }
  }
  if (!speaker_from_mention(f, m, cue, speaker) || speaker->last > cue) {
    return 0;
  }
  speaker->found = 1;
  return 1;
}

/* Is the subject starting at token subject that of an "if" or "unless"
   clause ("if the Kremlin refuses")? */
static int conditional_subject(const struct finder *f, size_t subject,
                               size_t first) {
  size_t i = subject;
  if (i > first && (word_class(f, i - 1) & LEXICON_WORD_DETERMINER)) {
    i--;
  }
  return i > first && (word_class(f, i - 1) & LEXICON_WORD_CONDITIONAL);
}

/* Where the clause holding token cue starts: after the last ", but", ",
   and", ", while" or ";" before it outside quotations ("X expired in May,
   but Kiev has not held elections, arguing ..."), else at first. */
static size_t clause_first(const struct finder *f, size_t first, size_t cue) {
  for (size_t i = cue; i > first + 1; i--) {
    size_t t = i - 1;
    if (in_quote(f, t)) {
      continue;
    }
    if (is(f, t, ";") ||
        ((word_class(f, t) & LEXICON_WORD_BOUNDARY) && is(f, t - 1, ","))) {
      return i;
    }
  }
  return first;
}

/* The token after the last word before the cue at token i that is not an
   auxiliary or an -ly adverb (at most three are skipped): "..., has
   reportedly threatened" gives the comma's successor. */
static size_t before_auxiliaries(const struct finder *f, size_t i,
                                 size_t floor) {
  size_t j = i;
  while (
      j > floor + 1 && j + 4 > i &&
      ((word_class(f, j - 1) & LEXICON_WORD_AUX) || ends_with_ly(f, j - 1))) {
    j--;
  }
  return j;
}

/* Is the cue at token i separated from what precedes it by a comma (after
   auxiliaries and adverbs: "..., has threatened", "..., also criticized")? */
static int comma_before_cue(const struct finder *f, size_t i, size_t floor) {
  size_t j = before_auxiliaries(f, i, floor);
  return j > floor + 1 && is(f, j - 1, ",") && !in_quote(f, j - 1);
}

/* Is the cue at token i the second verb of its subject ("... but said",
   "... and also rejected")? */
static int coordinated_verb(const struct finder *f, size_t i, size_t floor) {
  size_t j = before_auxiliaries(f, i, floor);
  return j > floor + 1 && (is(f, j - 1, "but") || is(f, j - 1, "and")) &&
         !in_quote(f, j - 1);
}

/* Looks right of the cue: "said Peskov", "dismissed by the US president",
   "according to Ukrainian officials". */
static int speaker_after(const struct finder *f, size_t from, size_t limit,
                         struct speaker *speaker) {
  size_t stop =
      from + SPEAKER_GAP_AFTER < limit ? from + SPEAKER_GAP_AFTER : limit;
  for (size_t i = from; i < stop; i++) {
    if (in_quote(f, i)) {
      return 0;
    }
    const struct mention *m = mention_at(f, i);
    if (m != NULL) {
      if (speaker_from_mention(f, m, limit, speaker)) {
        speaker->found = 1;
        speaker->after_cue = 1;
        return 1;
      }
      i = m->last - 1;
      continue;
    }
    int classes = word_class(f, i);
    if (classes & (LEXICON_WORD_DETERMINER | LEXICON_WORD_AUX)) {
      continue;
    }
    int role = role_at(f, i, limit, NULL);
    if (role > 0) {
      i += (size_t)role - 1;
      continue;
    }
    if (is_word(f, i) && !(tok(f, i)->flags & TOKEN_UPPER)) {
      /* adjectives before a role ("a senior Kremlin aide") */
      if (i + 1 < stop) {
        continue;
      }
    }
    return 0;
  }
  return 0;
}

/* "is", "are", "was", "were", "been" before an -ing form make it finite. */
static int is_progressive_aux(const struct finder *f, size_t i) {
  return is(f, i, "is") || is(f, i, "are") || is(f, i, "was") ||
         is(f, i, "were") || is(f, i, "been") || is(f, i, "be");
}

/* Does a naming verb's object run into a quotation or "as" ("called the
   move \"theft\"", "described it as a betrayal") before its clause ends? */
static int names_something(const struct finder *f, size_t from, size_t limit) {
  size_t stop = from + 10 < limit ? from + 10 : limit;
  for (size_t i = from; i < stop; i++) {
    if (tok(f, i)->flags & TOKEN_QUOTE_MARK) {
      return i > from;
    }
    if (is(f, i, "as")) {
      return i > from;
    }
    if (is(f, i, ",") || is(f, i, ";") || is(f, i, ".")) {
      return 0;
    }
  }
  return 0;
}

/* Is token i a cue that can introduce a claim? Sets the lexicon cue and its
   length, and *participle for "..., saying" after a comma. */
static int cue_at(const struct finder *f, size_t i, size_t limit,
                  int *cue_index, size_t *length, int *participle) {
  *participle = 0;
  if (!is_word(f, i) || in_quote(f, i) || mention_at(f, i) != NULL) {
    return 0;
  }
  int cue =
      lexicon_longest(&f->lexicon->cue_map, 2, f->tokens, i, limit, length);
  if (cue < 0) {
    return 0;
  }
  const struct lexicon_cue *c = &f->lexicon->cues[cue];
  if (c->kind == LEXICON_CUE_ADJECTIVE) {
    size_t next = i + *length;
    if (next >= limit || !(is(f, next, "that") || is(f, next, "about") ||
                           is(f, next, "to") || is(f, next, "of"))) {
      return 0;
    }
  }
  if (c->kind == LEXICON_CUE_NAMING &&
      !names_something(f, i + *length, limit)) {
    return 0; /* "Trump called Putin on Tuesday" is a phone call */
  }
  /* "is seeking" is a finite verb; "..., saying" after a comma is a
     participle whose subject is the sentence's; any other -ing form is
     not a statement. */
  if (ends_with_ing(f, i) && c->kind != LEXICON_CUE_ACCORDING) {
    if (i > 0 && is(f, i - 1, ",")) {
      *participle = 1;
    } else {
      size_t before = i;
      while (before > 1 && (word_class(f, before - 1) & LEXICON_WORD_AUX) &&
             !is_progressive_aux(f, before - 1) && before + 3 > i) {
        before--; /* "is also pushing for" */
      }
      if (!(before > 0 && is_progressive_aux(f, before - 1))) {
        return 0;
      }
    }
  }
  /* An infinitive ("to swiftly accept") is not a statement, unless after
     an auxiliary ("continued to reject"). */
  size_t back = i;
  while (back > 0 && ends_with_ly(f, back - 1)) {
    back--;
  }
  if (back > 0 && is(f, back - 1, "to") &&
      !(back > 1 && (word_class(f, back - 2) & LEXICON_WORD_AUX) &&
        !is(f, back - 2, "to"))) {
    return 0;
  }
  /* "the said", "a claim" and the like: a determiner before is not a verb. */
  if (i > 0 && (word_class(f, i - 1) & LEXICON_WORD_DETERMINER)) {
    return 0;
  }
  *cue_index = cue;
  return 1;
}

static int push(struct claim_list *claims, const struct claim *claim) {
  if (claims->count == claims->capacity) {
    size_t next = claims->capacity ? claims->capacity * 2 : 32;
    struct claim *items = realloc(claims->items, next * sizeof(*items));
    if (items == NULL) {
      return -1;
    }
    claims->items = items;
    claims->capacity = next;
  }
  claims->items[claims->count++] = *claim;
  return 0;
}

/* Where a new clause with its own speaker starts between tokens from and
   speaker_first: after "; ", ", and/but/though/while ...", or a comma before
   a passive cue. Returns the first token of the clause or 0. */
static size_t clause_start(const struct finder *f, size_t from,
                           size_t speaker_first, size_t cue, int passive) {
  if (passive) {
    for (size_t i = cue; i > from && i + 5 > cue; i--) {
      if (is(f, i - 1, ",") && !in_quote(f, i - 1)) {
        return i;
      }
      /* “... a deal,” an offer dismissed by ...: the comma inside the
         quotation closes the clause too. */
      if ((tok(f, i - 1)->flags & TOKEN_QUOTE_MARK) && i >= 2 &&
          is(f, i - 2, ",")) {
        return i;
      }
    }
    return 0;
  }
  for (size_t i = speaker_first; i > from && i + 3 > speaker_first; i--) {
    size_t t = i - 1;
    if (is(f, t, ";")) {
      return i;
    }
    if ((word_class(f, t) & (LEXICON_WORD_BOUNDARY | LEXICON_WORD_RELATIVE)) &&
        t > from) {
      if (is(f, t - 1, ",") || is(f, t - 1, ";") ||
          (word_class(f, t) & LEXICON_WORD_RELATIVE)) {
        return i;
      }
    }
    if (is(f, t, ",") && (tok(f, t)->flags & TOKEN_QUOTE_MARK) == 0 && t > 0 &&
        (tok(f, t - 1)->flags & TOKEN_QUOTE_MARK)) {
      return i; /* “...,” X said */
    }
    if (i == speaker_first && t > from + 1 && is_word(f, t) &&
        !(tok(f, t)->flags & TOKEN_UPPER) &&
        (word_class(f, t - 1) & LEXICON_WORD_DETERMINER) && is(f, t - 2, ",") &&
        !in_quote(f, t - 2)) {
      return t - 1; /* "..., a demand Minsk has dismissed" */
    }
    if (!(word_class(f, t) & LEXICON_WORD_DETERMINER)) {
      break;
    }
  }
  return 0;
}

static void set_span(const struct finder *f, struct claim *claim, size_t first,
                     size_t last) {
  /* Trailing commas and dashes belong to the next clause. */
  while (last > first + 1 &&
         (is(f, last - 1, ",") || is(f, last - 1, ";") ||
          is(f, last - 1, "\xE2\x80\x94") ||
          (word_class(f, last - 1) & LEXICON_WORD_BOUNDARY))) {
    last--;
  }
  claim->first = first;
  claim->last = last;
  claim->start = tok(f, first)->start;
  claim->end = tok(f, last - 1)->end;
}

static int quote_words(const struct finder *f, size_t first, size_t last) {
  int words = 0;
  for (size_t i = first; i < last; i++) {
    words += (tok(f, i)->flags & TOKEN_IN_QUOTE) && is_word(f, i);
  }
  return words;
}

static void remember_person(struct finder *f, int entity, size_t sentence) {
  if (entity >= 0 && f->parties->entities[entity].kind == PARTY_KIND_PERSON) {
    const struct party_entity *person = &f->parties->entities[entity];
    f->last_person = entity;
    f->last_person_sentence = sentence;
    enum lexicon_role_class role_class =
        person->leader ? LEXICON_ROLE_LEADER : person->role_class;
    if (role_class != LEXICON_ROLE_NONE && role_class != LEXICON_ROLE_BODY) {
      f->last_person_by_role[role_class] = entity;
      f->last_person_by_role_sentence[role_class] = sentence;
    }
  }
}

/* Persons named outside quotations, for later pronouns. */
static void remember_named(struct finder *f, size_t first, size_t last,
                           size_t sentence) {
  for (size_t i = first; i < last; i++) {
    const struct mention *m = mention_at(f, i);
    if (m != NULL && !in_quote(f, i) &&
        (m->kind == MENTION_PERSON || m->kind == MENTION_TITLE ||
         m->kind == MENTION_SURNAME) &&
        !(tok(f, m->last - 1)->flags & TOKEN_POSSESSIVE)) {
      remember_person(f, m->entity, sentence);
      i = m->last - 1;
    }
  }
}

/* Coordinated subjects speak together: "Qatar and Egypt said", "France,
   Germany and Britain have rejected": each other party named in the
   coordination gets a claim of its own over the same evidence. */
static int push_co_speakers(struct finder *f, const struct claim *claim,
                            size_t floor) {
  if (claim->speaker_kind > CLAIM_SPEAKER_PARTY || claim->cue < 0 ||
      claim->speaker_last > (size_t)claim->cue) {
    return 0; /* "said X" and borrowed speakers coordinate nothing */
  }
  int seen[4] = {claim->party, -1, -1, -1};
  size_t seen_count = 1;
  size_t at = claim->speaker_first;
  int joined_by_and = 0;
  while (at > floor + 1 && seen_count < 4) {
    size_t link = at - 1;
    int is_and = is(f, link, "and");
    if (!is_and && !(is(f, link, ",") && joined_by_and)) {
      break;
    }
    const struct mention *m = mention_at(f, link - 1);
    if (m == NULL || in_quote(f, link - 1) ||
        (tok(f, m->last - 1)->flags & TOKEN_POSSESSIVE)) {
      break;
    }
    struct speaker other = {0};
    other.entity = -1;
    if (!speaker_from_mention(f, m, claim->speaker_first, &other) ||
        other.last != m->last) {
      break;
    }
    joined_by_and |= is_and;
    int duplicate = 0;
    for (size_t k = 0; k < seen_count; k++) {
      duplicate |= seen[k] == other.party;
    }
    if (!duplicate) {
      seen[seen_count++] = other.party;
      struct claim co = *claim;
      co.speaker = other.entity;
      co.speaker_text = other.text;
      co.party = other.party;
      co.speaker_kind = other.kind;
      co.speaker_first = other.first;
      co.speaker_last = other.last;
      if (push(f->claims, &co) != 0) {
        return -1;
      }
    }
    at = m->first;
  }
  return 0;
}

#define MAX_SENTENCE_CLAIMS 8

static int find_in_sentence(struct finder *f, size_t sentence, size_t first,
                            size_t last) {
  struct claim found[MAX_SENTENCE_CLAIMS];
  size_t found_count = 0;
  struct speaker final_speaker = {0};
  long final_cue = -1;
  size_t final_cue_length = 0;
  int final_cue_index = -1;
  /* A question the journalist asks ("Is Hamas ready to surrender?") states
     no one's position. */
  if (is(f, last - 1, "?") && !in_quote(f, last - 1) &&
      !(last >= 2 && (tok(f, last - 2)->flags & TOKEN_QUOTE_MARK))) {
    return 0;
  }
  for (size_t i = first; i < last; i++) {
    int cue_index = -1;
    size_t cue_length = 0;
    int participle = 0;
    if (!cue_at(f, i, last, &cue_index, &cue_length, &participle)) {
      continue;
    }
    const struct lexicon_cue *cue = &f->lexicon->cues[cue_index];
    struct speaker speaker = {0};
    speaker.entity = -1;
    size_t after = i + cue_length;
    int passive = after < last && is(f, after, "by");
    if (participle) {
      /* "..., saying" continues a claim already found; else its subject is
         the sentence's. */
      if (found_count == 0 && final_cue < 0) {
        sentence_subject(f, clause_first(f, first, i), i, sentence, &speaker);
      }
    } else if (cue->kind == LEXICON_CUE_ACCORDING) {
      speaker_after(f, after, last, &speaker);
      if (!speaker.found && after < last && is_word(f, after) &&
          (word_class(f, after) & LEXICON_WORD_PRONOUN) &&
          resolve_pronoun(f, sentence, &speaker)) {
        /* "according to him" */
        speaker.found = 1;
        speaker.first = after;
        speaker.last = after + 1;
        speaker.after_cue = 1;
      }
    } else if (passive) {
      speaker_after(f, after + 1, last, &speaker);
    } else if (comma_before_cue(f, i, first)) {
      if (cue->kind == LEXICON_CUE_SPEECH &&
          speaker_after(f, after, last, &speaker)) {
        /* "..., said Peskov." closes the sentence or its clause; "..., said
           Hamas would ..." has its subject before the comma. */
        if (speaker.last + 3 >= last || is(f, speaker.last, ",")) {
          speaker.final = speaker.last + 3 >= last;
        } else {
          memset(&speaker, 0, sizeof(speaker));
          speaker.entity = -1;
        }
      }
      if (!speaker.found && found_count == 0) {
        /* "X, a member of ..., said", "Trump, whose envoy met Putin, has
           threatened". */
        sentence_subject(f, clause_first(f, first, i), i, sentence, &speaker);
      }
      if (!speaker.found) {
        speaker_before(f, i, first, last, sentence, &speaker);
      }
    } else {
      speaker_before(f, i, first, last, sentence, &speaker);
      if (!speaker.found && cue->kind == LEXICON_CUE_SPEECH && i > first &&
          (is(f, i - 1, ",") || (tok(f, i - 1)->flags & TOKEN_QUOTE_MARK))) {
        speaker_after(f, after, last, &speaker);
        if (speaker.found && speaker.last + 3 >= last) {
          speaker.final = 1;
        }
      }
      if (!speaker.found && found_count == 0 && final_cue < 0 &&
          coordinated_verb(f, i, first)) {
        /* "European leaders did not explain how ... but said" */
        sentence_subject(f, clause_first(f, first, i), i, sentence, &speaker);
      }
    }
    if (speaker.found && !speaker.after_cue &&
        conditional_subject(f, speaker.first, first)) {
      speaker.found = 0; /* "... if Moscow refuses to pay" */
    }
    if (!speaker.found) {
      i = after - 1;
      continue;
    }
    /* A closing attribution (", Putin stated.") covers the whole sentence. */
    if (speaker.final && !passive && cue->kind != LEXICON_CUE_ACCORDING) {
      size_t tail = (speaker.after_cue ? speaker.last : after);
      if (tail + 6 >= last) {
        final_speaker = speaker;
        final_cue = (long)i;
        final_cue_length = cue_length;
        final_cue_index = cue_index;
      }
    }
    struct claim claim = {0};
    claim.sentence = sentence;
    claim.speaker = speaker.entity;
    claim.speaker_text = speaker.text;
    claim.party = speaker.party;
    claim.cue = (long)i;
    claim.cue_length = cue_length;
    claim.cue_index = cue_index;
    claim.speaker_kind = speaker.kind;
    claim.speaker_first = speaker.first;
    claim.speaker_last = speaker.last;
    claim.passive = passive;
    claim.according = cue->kind == LEXICON_CUE_ACCORDING;
    claim.resolved_back = speaker.back;
    size_t speaker_first = speaker.after_cue ? i : speaker.first;
    if (found_count == 0) {
      set_span(f, &claim, first, last);
      found[found_count++] = claim;
    } else {
      struct claim *previous = &found[found_count - 1];
      size_t start = speaker_first > (size_t)previous->cue
                         ? clause_start(f, (size_t)previous->cue + 1,
                                        speaker_first, i, passive)
                         : 0;
      if (start == 0) {
        /* Inside the previous claim's reported clause; a named person of
           the same party still names its speaker. */
        if (claim.party == previous->party &&
            previous->speaker_kind >= CLAIM_SPEAKER_BODY &&
            claim.speaker_kind <= CLAIM_SPEAKER_TITLE) {
          previous->speaker = claim.speaker;
          previous->speaker_text = claim.speaker_text;
          previous->speaker_kind = claim.speaker_kind;
          previous->speaker_first = claim.speaker_first;
          previous->speaker_last = claim.speaker_last;
          previous->resolved_back = 0;
        }
      } else if (claim.party == previous->party &&
                 !(claim.speaker != previous->speaker &&
                   claim.speaker_kind <= CLAIM_SPEAKER_PARTY &&
                   previous->speaker_kind <= CLAIM_SPEAKER_PARTY &&
                   claim.speaker_kind != previous->speaker_kind)) {
        /* The same party again; a different kind of speaker of it ("Putin
           lashed out ..., while Russia has called ...") is a claim of its
           own. */
        if (previous->speaker_kind >= CLAIM_SPEAKER_BODY &&
            claim.speaker_kind < previous->speaker_kind) {
          previous->speaker = claim.speaker;
          previous->speaker_text = claim.speaker_text;
          previous->speaker_kind = claim.speaker_kind;
          previous->speaker_first = claim.speaker_first;
          previous->speaker_last = claim.speaker_last;
          previous->resolved_back = 0;
        }
      } else if (found_count < MAX_SENTENCE_CLAIMS) {
        set_span(f, previous, previous->first, start);
        while (start < last && (word_class(f, start) & LEXICON_WORD_BOUNDARY)) {
          start++;
        }
        set_span(f, &claim, start, last);
        found[found_count++] = claim;
      }
    }
    i = after - 1;
  }
  if (final_cue >= 0) {
    /* Everything before the closing attribution is what it reports. */
    struct claim claim = {0};
    claim.sentence = sentence;
    claim.speaker = final_speaker.entity;
    claim.speaker_text = final_speaker.text;
    claim.party = final_speaker.party;
    claim.cue = final_cue;
    claim.cue_length = final_cue_length;
    claim.cue_index = final_cue_index;
    claim.speaker_kind = final_speaker.kind;
    claim.speaker_first = final_speaker.first;
    claim.speaker_last = final_speaker.last;
    claim.resolved_back = final_speaker.back;
    set_span(f, &claim, first, last);
    found[0] = claim;
    found_count = 1;
  }
  if (found_count == 0) {
    /* A quotation standing alone continues the previous speaker. */
    int words = 0;
    for (size_t i = first; i < last; i++) {
      words += is_word(f, i);
    }
    int quoted = quote_words(f, first, last);
    if (words > 0 && quoted * 10 >= words * 8 && f->last_claim_sentence >= 0 &&
        sentence <= (size_t)f->last_claim_sentence + 1 &&
        f->claims->count > 0) {
      const struct claim *previous = &f->claims->items[f->claims->count - 1];
      if (previous->speaker >= 0 && previous->quote) {
        struct claim claim = *previous;
        claim.sentence = sentence;
        claim.cue = -1;
        claim.cue_length = 0;
        claim.cue_index = -1;
        claim.speaker_kind = CLAIM_SPEAKER_CONTINUED;
        claim.resolved_back = (unsigned)(sentence - previous->sentence);
        claim.passive = 0;
        claim.according = 0;
        set_span(f, &claim, first, last);
        found[found_count++] = claim;
      }
    }
  }
  for (size_t k = 0; k < found_count; k++) {
    struct claim *claim = &found[k];
    claim->quote = quote_words(f, claim->first, claim->last) >= 2;
    if (push(f->claims, claim) != 0) {
      return -1;
    }
    if (push_co_speakers(f, claim, first) != 0) {
      return -1;
    }
    remember_person(f, claim->speaker, sentence);
    f->last_claim_sentence = (long)sentence;
    if (claim->speaker_kind == CLAIM_SPEAKER_BODY ||
        claim->speaker_kind == CLAIM_SPEAKER_PARTY ||
        (claim->speaker_kind == CLAIM_SPEAKER_PRONOUN &&
         (claim->speaker < 0 ||
          f->parties->entities[claim->speaker].kind != PARTY_KIND_PERSON))) {
      f->last_body = claim->party;
      f->last_body_sentence = sentence;
      f->last_body_text = claim->speaker_text;
    }
  }
  remember_named(f, first, last, sentence);
  for (size_t k = 0; k < found_count; k++) {
    /* The speaker of the sentence's claim is who "he" means next. */
    remember_person(f, found[k].speaker, sentence);
  }
  return 0;
}

/* The first token at or after byte offset. */
static size_t token_at_offset(const struct finder *f, size_t offset) {
  size_t low = 0, high = f->tokens->count;
  while (low < high) {
    size_t middle = (low + high) / 2;
    if (tok(f, middle)->start < offset) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/* Does paragraph p hold a quotation that opens at its start and runs on
   into the next paragraph (no closing mark: the convention for a quotation
   over several paragraphs)? */
static int quote_runs_on(const struct finder *f, size_t p) {
  size_t first = token_at_offset(f, f->doc->paragraphs[p].start);
  size_t last = token_at_offset(f, f->doc->paragraphs[p].end);
  return first < last && (tok(f, first)->flags & TOKEN_QUOTE_MARK) &&
         (tok(f, last - 1)->flags & TOKEN_IN_QUOTE);
}

/* A quotation over several paragraphs with its speaker named at its end
   ("“... . ¶ “...,” X said.") is one claim of X: the claim attributed in the
   last paragraph takes in the paragraphs before it, and what was taken for
   a continuation of an earlier speaker there goes. */
static void join_running_quotes(struct finder *f) {
  struct claim_list *claims = f->claims;
  size_t paragraph = 0;
  for (size_t k = 0; k < claims->count; k++) {
    struct claim *claim = &claims->items[k];
    if (claim->cue < 0 || !(tok(f, claim->first)->flags & TOKEN_QUOTE_MARK)) {
      continue;
    }
    size_t at = tok(f, claim->first)->start;
    while (paragraph + 1 < f->doc->paragraph_count &&
           f->doc->paragraphs[paragraph + 1].start <= at) {
      paragraph++;
    }
    if (f->doc->paragraphs[paragraph].start != at) {
      continue;
    }
    size_t opening = paragraph;
    while (opening > 0 && quote_runs_on(f, opening - 1)) {
      opening--;
    }
    if (opening == paragraph) {
      continue;
    }
    size_t first = token_at_offset(f, f->doc->paragraphs[opening].start);
    size_t attributed = claim->first;
    set_span(f, claim, first, claim->last);
    /* Claims inside the paragraphs taken in, or duplicates of this one
       over them (co-speakers share its evidence and are kept). */
    size_t kept = 0;
    for (size_t j = 0; j < claims->count; j++) {
      const struct claim *other = &claims->items[j];
      if (j != k && other->first >= first && other->last <= attributed &&
          other->cue < 0) {
        continue;
      }
      if (j == k) {
        k = kept;
      }
      claims->items[kept++] = claims->items[j];
    }
    claims->count = kept;
  }
}

int attribution_find_claims(const struct extract_lexicon *lexicon,
                            const struct text_doc *doc,
                            const struct token_list *tokens,
                            const struct sentence *sentences,
                            size_t sentence_count,
                            const struct party_set *parties,
                            struct arena *arena, struct claim_list *claims) {
  memset(claims, 0, sizeof(*claims));
  (void)sentences;
  struct finder f = {.lexicon = lexicon,
                     .doc = doc,
                     .tokens = tokens,
                     .parties = parties,
                     .arena = arena,
                     .claims = claims,
                     .last_person = -1,
                     .last_body = -1,
                     .last_claim_sentence = -1};
  for (size_t k = 0; k <= LEXICON_ROLE_BODY; k++) {
    f.last_person_by_role[k] = -1;
  }
  size_t i = 0;
  for (size_t s = 0; s < sentence_count; s++) {
    size_t first = i;
    while (i < tokens->count && tokens->items[i].sentence == s) {
      i++;
    }
    if (i > first && find_in_sentence(&f, s, first, i) != 0) {
      claim_list_free(claims);
      return -1;
    }
  }
  join_running_quotes(&f);
  return 0;
}

void claim_list_free(struct claim_list *claims) {
  free(claims->items);
  memset(claims, 0, sizeof(*claims));
}
