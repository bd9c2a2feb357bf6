/* Classifies the stance of a claim from cue and stance words. */
#include "extract/stance.h"

#include <string.h>

static int priority(enum extract_stance stance) {
  switch (stance) {
  case EXTRACT_STANCE_THREATENS:
    return 5;
  case EXTRACT_STANCE_REJECTS:
    return 4;
  case EXTRACT_STANCE_DEMANDS:
    return 3;
  case EXTRACT_STANCE_PROPOSES:
    return 2;
  case EXTRACT_STANCE_ACCEPTS:
    return 1;
  default:
    return 0;
  }
}

static int negated(const struct extract_lexicon *lexicon,
                   const struct token_list *tokens, size_t first, size_t at) {
  size_t stop = at > first + 3 ? at - 3 : first;
  for (size_t i = at; i > stop; i--) {
    size_t matched = 0;
    int cue =
        lexicon_longest(&lexicon->stance_map, 1, tokens, i - 1, at, &matched);
    if (cue >= 0 && lexicon->stance_cues[cue].kind == LEXICON_STANCE_NEGATION) {
      return 1;
    }
    const struct token *t = &tokens->items[i - 1];
    const char *fold = tokens_fold(tokens, t);
    if (t->fold_length > 3 &&
        memcmp(fold + t->fold_length - 3, "n't", 3) == 0) {
      return 1;
    }
  }
  return 0;
}

static enum extract_stance flip(enum extract_stance stance) {
  switch (stance) {
  case EXTRACT_STANCE_ACCEPTS:
  case EXTRACT_STANCE_PROPOSES:
    return EXTRACT_STANCE_REJECTS;
  case EXTRACT_STANCE_REJECTS:
    return EXTRACT_STANCE_ACCEPTS;
  default:
    return EXTRACT_STANCE_NONE; /* "does not want": no stance of its own */
  }
}

/* Is the subject of the verb at token at someone other than the claim's
   side? Looks back up to three tokens past auxiliaries. */
static int other_subject(const struct extract_lexicon *lexicon,
                         const struct token_list *tokens,
                         const struct party_set *parties,
                         const struct claim *claim, size_t at) {
  size_t stop = at > claim->first + 4 ? at - 4 : claim->first;
  for (size_t i = at; i > stop; i--) {
    size_t t = i - 1;
    int mention = parties->token_mention[t];
    if (mention >= 0) {
      const struct mention *m = &parties->mentions[mention];
      if (tokens->items[m->last - 1].flags & TOKEN_POSSESSIVE) {
        return 0;
      }
      int party = parties_speaks_for(parties, m->entity);
      return party >= 0 && party != claim->party;
    }
    if (tokens->items[t].flags & TOKEN_QUOTE_MARK) {
      continue;
    }
    int classes = lexicon_word_class(lexicon, tokens, t);
    if (classes & LEXICON_WORD_PRONOUN) {
      /* In a direct quotation "he" is someone else than the speaker. */
      return (tokens->items[t].flags & TOKEN_IN_QUOTE) != 0;
    }
    if (tokens_is(tokens, &tokens->items[t], "they")) {
      return 1;
    }
    if (!(classes & LEXICON_WORD_AUX) &&
        !tokens_is(tokens, &tokens->items[t], "not")) {
      return 0;
    }
  }
  return 0;
}

/* "expects European countries to", "asked Trump to": an object of one or
   two words then "to". */
static int object_then_to(const struct token_list *tokens, size_t at,
                          size_t last) {
  for (size_t i = at + 2; i <= at + 4 && i < last; i++) {
    if (tokens_is(tokens, &tokens->items[i], "to")) {
      return 1;
    }
  }
  return 0;
}

enum extract_stance stance_classify(const struct extract_lexicon *lexicon,
                                    const struct token_list *tokens,
                                    const struct party_set *parties,
                                    const struct claim *claim) {
  return stance_classify_evidence(lexicon, tokens, parties, claim, NULL);
}

enum extract_stance stance_classify_evidence(
    const struct extract_lexicon *lexicon, const struct token_list *tokens,
    const struct party_set *parties, const struct claim *claim,
    enum stance_evidence *evidence) {
  enum stance_evidence scratch;
  if (evidence == NULL) {
    evidence = &scratch;
  }
  int conditional_cue = 0;
  int flipped_any = 0;
  if (claim->cue >= 0 && claim->cue_index >= 0) {
    const struct lexicon_cue *cue = &lexicon->cues[claim->cue_index];
    if (cue->stance != EXTRACT_STANCE_NONE && !cue->conditional) {
      if (negated(lexicon, tokens, claim->first, (size_t)claim->cue)) {
        enum extract_stance flipped = flip(cue->stance);
        if (flipped != EXTRACT_STANCE_NONE) {
          *evidence = STANCE_NEGATED;
          return flipped;
        }
        flipped_any = 1;
      } else {
        *evidence = STANCE_FROM_CUE;
        return cue->stance;
      }
    }
    conditional_cue = cue->conditional;
  }
  enum extract_stance best = EXTRACT_STANCE_NONE;
  int kinds = 0; /* bit set of the stances the clause's words gave */
  int condition = 0;
  for (size_t i = claim->first; i < claim->last; i++) {
    if ((long)i == claim->cue) {
      continue;
    }
    size_t matched = 0;
    int index =
        lexicon_longest(&lexicon->stance_map, lexicon->stance_max_tokens,
                        tokens, i, claim->last, &matched);
    if (index < 0) {
      continue;
    }
    const struct lexicon_stance_cue *cue = &lexicon->stance_cues[index];
    if (cue->kind == LEXICON_STANCE_CONDITION) {
      condition = 1;
      continue;
    }
    if (cue->kind == LEXICON_STANCE_NEGATION ||
        cue->kind == LEXICON_STANCE_NEUTRAL) {
      i += matched - 1; /* "I have to tell you": no demand */
      continue;
    }
    if (cue->needs_object_then_to && !object_then_to(tokens, i, claim->last)) {
      continue;
    }
    if (cue->kind == LEXICON_STANCE_VERB &&
        other_subject(lexicon, tokens, parties, claim, i)) {
      i += matched - 1;
      continue;
    }
    enum extract_stance stance = cue->stance;
    if (negated(lexicon, tokens, claim->first, i)) {
      stance = flip(stance);
      flipped_any = 1;
    }
    if (stance != EXTRACT_STANCE_NONE) {
      kinds |= 1 << stance;
      if (priority(stance) > priority(best)) {
        best = stance;
      }
    }
    i += matched - 1;
  }
  if (conditional_cue && condition) {
    *evidence = STANCE_FROM_CLAUSE;
    return EXTRACT_STANCE_THREATENS;
  }
  if (kinds & (kinds - 1)) {
    *evidence = STANCE_CONFLICTING;
  } else if (flipped_any) {
    *evidence = STANCE_NEGATED;
  } else {
    *evidence =
        best == EXTRACT_STANCE_NONE ? STANCE_NONE_FOUND : STANCE_FROM_CLAUSE;
  }
  return best == EXTRACT_STANCE_NONE ? EXTRACT_STANCE_ASSERTS : best;
}

const char *stance_cameo(const struct extract_lexicon *lexicon,
                         enum extract_stance stance) {
  if (stance < 0 || stance >= EXTRACT_STANCE_COUNT) {
    return NULL;
  }
  return lexicon->cameo[stance];
}
