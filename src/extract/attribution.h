/* Attribution: finds who says what in each sentence. Cue verbs with the
   speaker before or after them, passive ("dismissed by X"), "according to
   X", adjectives ("X hopeful that"), a party stating a position itself
   ("Russia has rejected ..."), pronouns and previous speakers, and several
   claims in one sentence when coordinated clauses have their own speakers.
   Narration without a speaking party yields nothing. */
#ifndef PARLEY_EXTRACT_ATTRIBUTION_H
#define PARLEY_EXTRACT_ATTRIBUTION_H

#include <stddef.h>

#include "arena.h"
#include "entities.h"
#include "lexicon.h"
#include "quotes.h"
#include "sentences.h"
#include "text.h"
#include "tokens.h"

enum claim_speaker_kind {
  CLAIM_SPEAKER_NAMED,    /* a person by name */
  CLAIM_SPEAKER_TITLE,    /* "the Russian president", a surname */
  CLAIM_SPEAKER_BODY,     /* "the White House", "Kremlin officials" */
  CLAIM_SPEAKER_PARTY,    /* "Russia has rejected ..." */
  CLAIM_SPEAKER_PRONOUN,  /* "he said" */
  CLAIM_SPEAKER_CONTINUED /* a quotation continuing the previous speaker */
};

struct claim {
  size_t first; /* evidence tokens [first, last) */
  size_t last;
  size_t start; /* evidence bytes of the normalised text */
  size_t end;
  size_t sentence;
  int speaker;              /* entity, or -1 */
  const char *speaker_text; /* NULL when only a party is named */
  int party;                /* entity the claim is attributed to */
  long cue;                 /* first token of the cue, or -1 */
  size_t cue_length;        /* in tokens */
  int cue_index;            /* into lexicon->cues, or -1 */
  enum claim_speaker_kind speaker_kind;
  int quote;
  /* How the speaker was found, for the claim's confidence. */
  size_t speaker_first; /* tokens of the speaker phrase (or the pronoun) */
  size_t speaker_last;
  int passive;            /* "dismissed by X" */
  int according;          /* "according to X" */
  unsigned resolved_back; /* pronoun or continued quotation: how many
                             sentences back its speaker was named */
};

struct claim_list {
  struct claim *items; /* malloc'd (claim_list_free) */
  size_t count;
  size_t capacity;
};

/* Finds the claims of every sentence. Returns 0 or -1 when out of memory. */
int attribution_find_claims(const struct extract_lexicon *lexicon,
                            const struct text_doc *doc,
                            const struct token_list *tokens,
                            const struct sentence *sentences,
                            size_t sentence_count,
                            const struct party_set *parties,
                            struct arena *arena, struct claim_list *claims);
void claim_list_free(struct claim_list *claims);

#endif
