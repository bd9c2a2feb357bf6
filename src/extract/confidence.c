/* The confidence of a claim from how it was found (see confidence.h). */
#include "confidence.h"

void confidence_features_of(const struct extract_lexicon *lexicon,
                            const struct token_list *tokens,
                            const struct claim *claim,
                            struct confidence_features *features) {
  features->speaker_kind = claim->speaker_kind;
  features->cue_kind =
      claim->cue_index >= 0 ? (int)lexicon->cues[claim->cue_index].kind : -1;
  features->cue_distance = 0;
  if (claim->cue >= 0 && claim->speaker_last > claim->speaker_first) {
    size_t cue = (size_t)claim->cue;
    size_t cue_end = cue + claim->cue_length;
    if (claim->speaker_last <= cue) {
      features->cue_distance = cue - claim->speaker_last;
    } else if (claim->speaker_first >= cue_end) {
      features->cue_distance = claim->speaker_first - cue_end;
    }
    if (claim->passive && features->cue_distance > 0) {
      features->cue_distance--; /* "by" */
    }
  }
  features->quote = claim->quote;
  features->passive = claim->passive;
  features->resolved_back = claim->resolved_back;
  features->hedged = 0;
  features->words = 0;
  for (size_t i = claim->first; i < claim->last; i++) {
    const struct token *t = &tokens->items[i];
    if (!(t->flags & TOKEN_WORD)) {
      continue;
    }
    features->words++;
    if (!(t->flags & (TOKEN_IN_QUOTE | TOKEN_QUOTE_MARK)) &&
        (lexicon_word_class(lexicon, tokens, i) & LEXICON_WORD_HEDGE)) {
      features->hedged = 1;
    }
  }
}

double confidence_score(const struct confidence_features *f) {
  /* Attribution: a person named next to a reporting verb is rarely wrong;
     a party stating a position itself may be narration; a pronoun or a
     quotation without its own cue borrows a speaker from earlier. */
  double attribution;
  switch (f->speaker_kind) {
  case CLAIM_SPEAKER_NAMED:
    attribution = 0.98;
    break;
  case CLAIM_SPEAKER_TITLE:
    attribution = 0.96;
    break;
  case CLAIM_SPEAKER_BODY:
    attribution = 0.94;
    break;
  case CLAIM_SPEAKER_PARTY:
  case CLAIM_SPEAKER_PRONOUN:
    attribution = 0.9;
    break;
  default: /* CLAIM_SPEAKER_CONTINUED */
    attribution = 0.88;
    break;
  }
  if (f->speaker_kind == CLAIM_SPEAKER_PRONOUN ||
      f->speaker_kind == CLAIM_SPEAKER_CONTINUED) {
    attribution -= 0.04 * (f->resolved_back > 3 ? 3 : f->resolved_back);
  }
  switch (f->cue_kind) {
  case LEXICON_CUE_SPEECH:
    break;
  case LEXICON_CUE_NAMING:
    attribution *= 0.94;
    break;
  case LEXICON_CUE_ACCORDING:
    attribution *= 0.97;
    break;
  case LEXICON_CUE_POSITION:
    attribution *= 0.94;
    break;
  case LEXICON_CUE_ADJECTIVE:
    attribution *= 0.85;
    break;
  default:
    break;
  }
  if (f->passive) {
    attribution *= 0.95;
  }
  if (f->cue_distance >= 5) {
    attribution *= 0.93;
  } else if (f->cue_distance >= 2) {
    attribution *= 0.97;
  }
  if (f->quote && f->speaker_kind <= CLAIM_SPEAKER_BODY) {
    attribution *= 1.02; /* the speaker's own words, attributed explicitly */
  }
  if (f->hedged) {
    attribution *= 0.85;
  }

  double stance;
  switch (f->stance_evidence) {
  case STANCE_FROM_CUE:
    stance = 0.98;
    break;
  case STANCE_NONE_FOUND:
    stance = 0.97;
    break;
  case STANCE_FROM_CLAUSE:
    stance = 0.93;
    break;
  case STANCE_NEGATED:
    stance = 0.88;
    break;
  default: /* STANCE_CONFLICTING */
    stance = 0.8;
    break;
  }

  /* Issues: each keyword may be incidental ("meet" in a narrated aside);
     more issues, borrowed issues and weak keywords are more often wrong. */
  double issues;
  if (f->issue_count == 0) {
    issues = 0.95;
  } else if (f->issue_count == 1) {
    issues = 0.97;
  } else if (f->issue_count == 2) {
    issues = 0.88;
  } else {
    issues = 0.78;
  }
  if (f->issues_inherited) {
    issues *= 0.92;
  } else if (f->issues_weak) {
    issues *= 0.93;
  }

  double score = attribution * stance * issues;
  /* Long evidence spans hold more stray keywords and clause boundaries. */
  if (f->words > 50) {
    score *= 0.9;
  } else if (f->words > 30) {
    score *= 0.96;
  }
  if (score > 0.99) {
    score = 0.99;
  }
  if (score < 0.05) {
    score = 0.05;
  }
  return (double)(long)(score * 1000.0 + 0.5) / 1000.0;
}
