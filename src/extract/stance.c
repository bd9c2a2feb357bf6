/* Classifies the stance of a claim from cue and stance words. */
#include "stance.h"

#include <string.h>

static int priority(enum stance stance) {
  switch (stance) {
  case STANCE_THREATENS:
    return 5;
  case STANCE_REJECTS:
    return 4;
  case STANCE_DEMANDS:
    return 3;
  case STANCE_PROPOSES:
    return 2;
  case STANCE_ACCEPTS:
    return 1;
  default:
    return 0;
  }
}

/* The stance.tsv entry of the one token at, or NULL. */
static const struct lexicon_stance_cue *
word_kind(const struct extract_lexicon *lexicon,
          const struct token_list *tokens, size_t at) {
  size_t matched = 0;
  int index =
      lexicon_longest(&lexicon->stance_map, 1, tokens, at, at + 1, &matched);
  return index < 0 ? NULL : &lexicon->stance_cues[index];
}

/* An adverb in "-ly" (lower case, so not "Italy"): it may stand inside a
   stance phrase, "I want to officially confirm". */
static int is_adverb(const struct token_list *tokens, size_t at) {
  const struct token *t = &tokens->items[at];
  return (t->flags & TOKEN_WORD) && !(t->flags & TOKEN_UPPER) &&
         t->fold_length > 4 &&
         memcmp(tokens_fold(tokens, t) + t->fold_length - 2, "ly", 2) == 0;
}

/* The longest stance.tsv phrase starting at token at, as lexicon_longest,
   but letting quotation marks and "-ly" adverbs stand between its words
   ("it was \"essential\" that", "want to officially confirm"). Sets *span to
   the tokens it covers. */
static int phrase_at(const struct extract_lexicon *lexicon,
                     const struct token_list *tokens, size_t at, size_t last,
                     size_t *span) {
  const struct lexicon_map *map = &lexicon->stance_map;
  size_t matched = 0;
  int best = lexicon_longest(map, lexicon->stance_max_tokens, tokens, at, last,
                             &matched);
  *span = matched;
  const struct token *head = &tokens->items[at];
  int most = map->heads == NULL
                 ? -1
                 : lexicon_map_get_hashed(map->heads, tokens_fold(tokens, head),
                                          head->fold_length, head->hash);
  if (most <= 1 || (best >= 0 && matched == (size_t)most)) {
    return best;
  }
  char key[256];
  size_t length = head->fold_length;
  if (length >= sizeof(key)) {
    return best;
  }
  memcpy(key, tokens_fold(tokens, head), length);
  size_t words = 1;
  size_t best_words = best >= 0 ? matched : 0;
  for (size_t j = at + 1; j < last && j < at + 2 * (size_t)most; j++) {
    const struct token *t = &tokens->items[j];
    if ((t->flags & TOKEN_QUOTE_MARK) || is_adverb(tokens, j)) {
      continue;
    }
    if (length + 1 + t->fold_length >= sizeof(key)) {
      break;
    }
    key[length++] = ' ';
    memcpy(key + length, tokens_fold(tokens, t), t->fold_length);
    length += t->fold_length;
    words++;
    int found = lexicon_map_get(map, key, length);
    if (found >= 0 && words > best_words) {
      best = found;
      best_words = words;
      *span = j - at + 1;
    }
    if (words >= (size_t)most) {
      break;
    }
  }
  return best;
}

static int word_is(const struct extract_lexicon *lexicon,
                   const struct token_list *tokens, size_t at,
                   enum lexicon_stance_kind kind) {
  const struct lexicon_stance_cue *cue = word_kind(lexicon, tokens, at);
  return cue != NULL && cue->kind == kind;
}

/* A negation word, or a contraction ending in n't ("won't", "doesn't"). */
static int is_negation(const struct extract_lexicon *lexicon,
                       const struct token_list *tokens, size_t at) {
  if (word_is(lexicon, tokens, at, LEXICON_STANCE_NEGATION)) {
    return 1;
  }
  const struct token *t = &tokens->items[at];
  const char *fold = tokens_fold(tokens, t);
  return t->fold_length > 3 && memcmp(fold + t->fold_length - 3, "n't", 3) == 0;
}

static int negated(const struct extract_lexicon *lexicon,
                   const struct token_list *tokens, size_t first, size_t at) {
  size_t stop = at > first + 3 ? at - 3 : first;
  for (size_t i = at; i > stop; i--) {
    if (is_negation(lexicon, tokens, i - 1)) {
      return 1;
    }
    /* "sees no progress and called on ...": a new clause. */
    if (lexicon_word_class(lexicon, tokens, i - 1) & LEXICON_WORD_BOUNDARY) {
      return 0;
    }
  }
  return 0;
}

/* A negated stance: "will not accept" rejects, "not ready to" rejects,
   "does not want" (a verb of demand) rejects; "does not have to" has no
   stance of its own. */
static enum stance flip(enum stance stance, int verb_of_demand) {
  switch (stance) {
  case STANCE_ACCEPTS:
  case STANCE_PROPOSES:
    return STANCE_REJECTS;
  case STANCE_REJECTS:
    return STANCE_ACCEPTS;
  case STANCE_DEMANDS:
    return verb_of_demand ? STANCE_REJECTS : STANCE_NONE;
  default:
    return STANCE_NONE;
  }
}

enum subject {
  SUBJECT_UNKNOWN,  /* no party named: "it", a noun, nothing */
  SUBJECT_OWN,      /* the claim's own party or speaker */
  SUBJECT_OTHER,    /* another party: "Russia agreed, he said" */
  SUBJECT_RELATIVE, /* "what was agreed": a relative clause about a thing */
};

static enum subject mention_side(const struct party_set *parties,
                                 const struct claim *claim, int mention) {
  int party = entities_speaks_for(parties, parties->mentions[mention].entity);
  return party >= 0 && party != claim->party ? SUBJECT_OTHER : SUBJECT_OWN;
}

/* Who is the subject of the verb at token at? Looks back up to four tokens
   past auxiliaries; sets *passive when a form of "be" stands among them. */
static enum subject subject_of(const struct extract_lexicon *lexicon,
                               const struct token_list *tokens,
                               const struct party_set *parties,
                               const struct claim *claim, size_t at,
                               int *passive) {
  *passive = 0;
  size_t stop = at > claim->first + 4 ? at - 4 : claim->first;
  for (size_t i = at; i > stop; i--) {
    size_t t = i - 1;
    int mention = parties->token_mention[t];
    if (mention >= 0) {
      const struct mention *m = &parties->mentions[mention];
      if (tokens->items[m->last - 1].flags & TOKEN_POSSESSIVE) {
        return SUBJECT_UNKNOWN;
      }
      return mention_side(parties, claim, mention);
    }
    if (tokens->items[t].flags & TOKEN_QUOTE_MARK) {
      continue;
    }
    const struct lexicon_stance_cue *kind = word_kind(lexicon, tokens, t);
    if (kind != NULL && kind->kind == LEXICON_STANCE_RELATIVE) {
      /* "Kyiv, which rejected the plan": the relative clause is about the
         noun before it, and only the speaker's side gives a stance. */
      size_t before = t;
      while (before > claim->first &&
             !(tokens->items[before - 1].flags & TOKEN_WORD)) {
        before--;
      }
      if (before > claim->first && parties->token_mention[before - 1] >= 0 &&
          mention_side(parties, claim, parties->token_mention[before - 1]) ==
              SUBJECT_OWN) {
        return SUBJECT_OWN;
      }
      return SUBJECT_RELATIVE;
    }
    if (kind != NULL && kind->kind == LEXICON_STANCE_PASSIVE) {
      *passive = 1;
      continue;
    }
    int classes = lexicon_word_class(lexicon, tokens, t);
    if ((tokens->items[t].flags & TOKEN_UPPER) &&
        !(classes & LEXICON_WORD_OPENER) && t > claim->first &&
        (tokens->items[t - 1].flags & TOKEN_WORD)) {
      /* A name inside the sentence that is no party of the speaker's: "the
         West seeks peace, Putin ...". */
      return SUBJECT_OTHER;
    }
    if (classes & LEXICON_WORD_PRONOUN) {
      /* In a direct quotation "he" is someone else than the speaker. */
      return (tokens->items[t].flags & TOKEN_IN_QUOTE) ? SUBJECT_OTHER
                                                       : SUBJECT_OWN;
    }
    if (tokens_is(tokens, &tokens->items[t], "they")) {
      return SUBJECT_OTHER;
    }
    if (tokens_is(tokens, &tokens->items[t], "we") ||
        tokens_is(tokens, &tokens->items[t], "i")) {
      return SUBJECT_OWN;
    }
    if (!(classes & LEXICON_WORD_AUX) && !is_negation(lexicon, tokens, t)) {
      return SUBJECT_UNKNOWN;
    }
  }
  return SUBJECT_UNKNOWN;
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

static int ends_with(const struct token_list *tokens, size_t at,
                     const char *suffix) {
  const struct token *t = &tokens->items[at];
  size_t length = strlen(suffix);
  return t->fold_length > length &&
         memcmp(tokens_fold(tokens, t) + t->fold_length - length, suffix,
                length) == 0;
}

/* "working with allies to support the effort", "in order to accept": an
   infinitive after a noun that follows a preposition or determiner tells a
   purpose, not the speaker's stance ("agreed to accept" does). */
static int purpose_infinitive(const struct extract_lexicon *lexicon,
                              const struct token_list *tokens,
                              const struct claim *claim, size_t at) {
  if (at < claim->first + 3 ||
      !tokens_is(tokens, &tokens->items[at - 1], "to")) {
    return 0;
  }
  size_t noun = at - 2;
  size_t before = at - 3;
  if (!(tokens->items[noun].flags & TOKEN_WORD) ||
      !(tokens->items[before].flags & TOKEN_WORD) ||
      lexicon_word_class(lexicon, tokens, noun) != 0 ||
      word_kind(lexicon, tokens, noun) != NULL) {
    return 0;
  }
  return (lexicon_word_class(lexicon, tokens, before) &
          LEXICON_WORD_PREPOSITION) ||
         word_is(lexicon, tokens, before, LEXICON_STANCE_NOUN_MARKER);
}

/* Does the stance verb of tokens [at, end) give the speaker's own stance?
   Not as a noun ("its support", "Moscow's demands"), not with another
   party as subject ("Russia agreed, he said"), not in a relative clause
   ("what was agreed"), not in a passive unless the agent is the
   speaker's side ("was rejected by parliament"). */
static int verb_is_speakers(const struct extract_lexicon *lexicon,
                            const struct token_list *tokens,
                            const struct party_set *parties,
                            const struct claim *claim, size_t at, size_t end) {
  int ends_in_to =
      tokens_is(tokens, &tokens->items[end - 1], "to") ||
      (end < claim->last && tokens_is(tokens, &tokens->items[end], "to"));
  if (at > claim->first && !ends_in_to) {
    const struct token *before = &tokens->items[at - 1];
    if ((before->flags & TOKEN_POSSESSIVE) ||
        word_is(lexicon, tokens, at - 1, LEXICON_STANCE_NOUN_MARKER)) {
      return 0;
    }
  }
  if (purpose_infinitive(lexicon, tokens, claim, at)) {
    return 0;
  }
  int passive = 0;
  enum subject subject =
      subject_of(lexicon, tokens, parties, claim, at, &passive);
  if (subject == SUBJECT_OTHER || subject == SUBJECT_RELATIVE) {
    return 0;
  }
  /* "is opposed to", "is prepared to" describe the subject's stance. */
  if (passive && !ends_in_to && ends_with(tokens, at, "ed")) {
    for (size_t i = end; i < end + 3 && i + 1 < claim->last; i++) {
      if (tokens_is(tokens, &tokens->items[i], "by")) {
        int mention = parties->token_mention[i + 1];
        return mention >= 0 &&
               mention_side(parties, claim, mention) == SUBJECT_OWN;
      }
    }
    return 0;
  }
  return 1;
}

/* "asked Qatar to mediate" proposes to another party; "asked ministers to
   prepare a bill", addressed to the speaker's own side or to no party,
   demands. end is the token after the verb: its object then "to". */
static enum stance request_stance(const struct party_set *parties,
                                  const struct claim *claim, size_t end,
                                  enum stance stance) {
  if (stance != STANCE_PROPOSES) {
    return stance;
  }
  for (size_t i = end; i < end + 3 && i < claim->last; i++) {
    int mention = parties->token_mention[i];
    if (mention >= 0) {
      return mention_side(parties, claim, mention) == SUBJECT_OTHER
                 ? STANCE_PROPOSES
                 : STANCE_DEMANDS;
    }
  }
  return STANCE_DEMANDS;
}

/* "slammed them", "lashed out at Western leaders": a criticism aimed at
   people rather than at a plan is an assessment; the clause decides. */
static int aimed_at_people(const struct extract_lexicon *lexicon,
                           const struct token_list *tokens,
                           const struct party_set *parties,
                           const struct claim *claim, size_t after) {
  size_t i = after;
  while (i < claim->last &&
         (lexicon_word_class(lexicon, tokens, i) & LEXICON_WORD_PREPOSITION)) {
    i++; /* "at", "against" */
  }
  if (i >= claim->last) {
    return 0;
  }
  if (word_is(lexicon, tokens, i, LEXICON_STANCE_PERSON)) {
    return 1;
  }
  int mention = parties->token_mention[i];
  return mention >= 0 &&
         !(tokens->items[parties->mentions[mention].last - 1].flags &
           TOKEN_POSSESSIVE);
}

/* "called the plan \"theft\"", "labelled it illegal": a condemning word in
   the name given (up to the end of the quotation or eight words) rejects
   what is named. */
static int condemning_label(const struct extract_lexicon *lexicon,
                            const struct token_list *tokens,
                            const struct claim *claim, size_t after) {
  int quotes = 0;
  for (size_t i = after; i < claim->last && i < after + 12; i++) {
    if (tokens->items[i].flags & TOKEN_QUOTE_MARK) {
      if (++quotes == 2) {
        return 0;
      }
      continue;
    }
    if (word_is(lexicon, tokens, i, LEXICON_STANCE_LABEL)) {
      return 1;
    }
    if (quotes == 0 && i >= after + 8) {
      return 0;
    }
  }
  return 0;
}

/* "hopes that the allies will share the risks": a hope that someone other
   than the speaker's side will act demands it of them. Not "hopes we
   will", nor a hope of what will happen ("hopes the talks will be a
   success"). at is the hope word. */
static int hope_for_others(const struct extract_lexicon *lexicon,
                           const struct token_list *tokens,
                           const struct party_set *parties,
                           const struct claim *claim, size_t at) {
  for (size_t i = at + 1; i < claim->last && i <= at + 8; i++) {
    if (lexicon_word_class(lexicon, tokens, i) & LEXICON_WORD_BOUNDARY) {
      return 0;
    }
    if (!word_is(lexicon, tokens, i, LEXICON_STANCE_FUTURE)) {
      continue;
    }
    int passive = 0;
    if (i == at + 1 || subject_of(lexicon, tokens, parties, claim, i,
                                  &passive) == SUBJECT_OWN) {
      return 0;
    }
    size_t verb = i + 1;
    while (verb < claim->last && is_adverb(tokens, verb)) {
      verb++;
    }
    return verb < claim->last && (tokens->items[verb].flags & TOKEN_WORD) &&
           !word_is(lexicon, tokens, verb, LEXICON_STANCE_PASSIVE) &&
           !is_negation(lexicon, tokens, verb);
  }
  return 0;
}

/* "insisted that this is an internal matter" states a fact and "insisted
   that Israel would not stop" a resolve; "insisted that Israel withdraw",
   "that the deal be signed" demands (a "must" after it counts by itself).
   A finite "be" not followed by a participle, or a "will"/"would", within
   four words makes no demand. after is the token after the phrase. */
static int insists_on_fact(const struct extract_lexicon *lexicon,
                           const struct token_list *tokens,
                           const struct claim *claim, size_t after) {
  for (size_t i = after; i < claim->last && i < after + 4; i++) {
    if (word_is(lexicon, tokens, i, LEXICON_STANCE_FUTURE)) {
      return 1;
    }
    if (!word_is(lexicon, tokens, i, LEXICON_STANCE_PASSIVE)) {
      continue;
    }
    if (tokens_is(tokens, &tokens->items[i], "be")) {
      return 0; /* "that the deal be signed" */
    }
    return i + 1 < claim->last && !ends_with(tokens, i + 1, "ed");
  }
  return 0;
}

/* "sanctions should not be lifted": a negated obligation on a thing to be
   done rejects that act. Not with an active verb ("Russia should not
   attack" demands of Russia), nor with the speaker's own side as subject
   ("Germany must not be drawn in" demands of others). at is the modal,
   after the token after it. */
static int refused_passive(const struct extract_lexicon *lexicon,
                           const struct token_list *tokens,
                           const struct party_set *parties,
                           const struct claim *claim, size_t at, size_t after) {
  if (after + 1 >= claim->last || !is_negation(lexicon, tokens, after) ||
      !tokens_is(tokens, &tokens->items[after + 1], "be")) {
    return 0;
  }
  int passive = 0;
  return subject_of(lexicon, tokens, parties, claim, at, &passive) !=
         SUBJECT_OWN;
}

/* Is the token at a reporting verb whose subject is another party ("Zelensky
   said Russia claims ...")? What follows is that party's, not the
   speaker's. */
static int other_party_speaks(const struct extract_lexicon *lexicon,
                              const struct token_list *tokens,
                              const struct party_set *parties,
                              const struct claim *claim, size_t at) {
  size_t matched = 0;
  int cue = lexicon_longest(&lexicon->cue_map, LEXICON_MAX_PHRASE_TOKENS,
                            tokens, at, claim->last, &matched);
  if (cue < 0 || lexicon->cues[cue].kind != LEXICON_CUE_SPEECH) {
    return 0;
  }
  int passive = 0;
  return subject_of(lexicon, tokens, parties, claim, at, &passive) ==
         SUBJECT_OTHER;
}

/* "welcomed the talks but noted that ...": the first speech verb after a
   contrast word (within three tokens), or claim->last. */
static size_t speech_after_contrast(const struct extract_lexicon *lexicon,
                                    const struct token_list *tokens,
                                    const struct claim *claim, size_t from) {
  for (size_t i = from; i < claim->last; i++) {
    if (!word_is(lexicon, tokens, i, LEXICON_STANCE_CONTRAST)) {
      continue;
    }
    for (size_t j = i + 1; j <= i + 3 && j < claim->last; j++) {
      size_t matched = 0;
      int cue = lexicon_longest(&lexicon->cue_map, LEXICON_MAX_PHRASE_TOKENS,
                                tokens, j, claim->last, &matched);
      if (cue >= 0 && lexicon->cues[cue].kind == LEXICON_CUE_SPEECH) {
        return j;
      }
    }
  }
  return claim->last;
}

/* A conditional consequence the speaker's side holds back: "we would not
   release the funds if ...", "will not sign unless ...". Not a
   counterfactual ("would not have happened if"). */
static int withheld_consequence(const struct extract_lexicon *lexicon,
                                const struct token_list *tokens,
                                const struct party_set *parties,
                                const struct claim *claim, size_t at) {
  size_t next = at + 1;
  if (!is_negation(lexicon, tokens, at)) {
    if (next >= claim->last || !is_negation(lexicon, tokens, next)) {
      return 0;
    }
    next++;
  }
  if (next < claim->last && (tokens_is(tokens, &tokens->items[next], "have") ||
                             tokens_is(tokens, &tokens->items[next], "be"))) {
    return 0;
  }
  int passive = 0;
  return subject_of(lexicon, tokens, parties, claim, at, &passive) !=
         SUBJECT_OTHER;
}

enum stance stance_classify_evidence(const struct extract_lexicon *lexicon,
                                     const struct token_list *tokens,
                                     const struct party_set *parties,
                                     const struct claim *claim,
                                     enum stance_evidence *evidence) {
  enum stance_evidence scratch;
  if (evidence == NULL) {
    evidence = &scratch;
  }
  int conditional_cue = 0;
  int flipped_any = 0;
  int read_cue = 0; /* the cue is also a stance phrase of the clause */
  size_t scan_from = claim->first;
  if (claim->cue >= 0 && claim->cue_index >= 0) {
    const struct lexicon_cue *cue = &lexicon->cues[claim->cue_index];
    size_t at = (size_t)claim->cue;
    size_t matched = 0;
    int phrase =
        lexicon_longest(&lexicon->stance_map, lexicon->stance_max_tokens,
                        tokens, at, claim->last, &matched);
    int neutral = phrase >= 0 &&
                  lexicon->stance_cues[phrase].kind == LEXICON_STANCE_NEUTRAL;
    /* "X insisted that ...": what follows decides, read in the clause. */
    read_cue = phrase >= 0 &&
               lexicon->stance_cues[phrase].kind == LEXICON_STANCE_INSIST;
    if (cue->kind == LEXICON_CUE_NAMING &&
        condemning_label(lexicon, tokens, claim, at + claim->cue_length)) {
      *evidence = STANCE_FROM_CUE;
      return STANCE_REJECTS;
    }
    enum stance cue_stance = cue->stance;
    if (cue->kind == LEXICON_CUE_SPEECH &&
        aimed_at_people(lexicon, tokens, parties, claim,
                        at + claim->cue_length)) {
      cue_stance = STANCE_NONE;
    }
    if (phrase >= 0 && lexicon->stance_cues[phrase].needs_object_then_to &&
        object_then_to(tokens, at, claim->last)) {
      cue_stance = request_stance(parties, claim, at + matched, cue_stance);
    }
    size_t later_speech = claim->last;
    if (cue_stance != STANCE_NONE) {
      later_speech =
          speech_after_contrast(lexicon, tokens, claim, at + claim->cue_length);
    }
    if (later_speech < claim->last) {
      scan_from = later_speech; /* what was noted after "but" decides */
    } else if (cue_stance != STANCE_NONE && !cue->conditional && !neutral) {
      if (negated(lexicon, tokens, claim->first, at)) {
        enum stance flipped = flip(cue_stance, 1);
        if (flipped != STANCE_NONE) {
          *evidence = STANCE_NEGATED;
          return flipped;
        }
        flipped_any = 1;
      } else {
        *evidence = STANCE_FROM_CUE;
        return cue_stance;
      }
    }
    conditional_cue = cue->conditional;
  }
  enum stance best = STANCE_NONE;
  int kinds = 0; /* bit set of the stances the clause's words gave */
  int condition = 0;
  int otherwise = 0;    /* "..., otherwise": a consequence follows */
  int future = 0;       /* "will", "would" anywhere in the clause */
  int future_own = 0;   /* ... with the speaker's side as subject */
  int withheld = 0;     /* "we would not ..." */
  int needs_future = 0; /* a threat word that is a threat only ahead */
  for (size_t i = scan_from; i < claim->last; i++) {
    if (word_is(lexicon, tokens, i, LEXICON_STANCE_HOPE) &&
        hope_for_others(lexicon, tokens, parties, claim, i)) {
      /* the hope word may be the cue itself: "X hopes that ..." */
      kinds |= 1 << STANCE_DEMANDS;
      if (priority(STANCE_DEMANDS) > priority(best)) {
        best = STANCE_DEMANDS;
      }
    }
    if ((long)i == claim->cue && !read_cue) {
      continue;
    }
    if (i > scan_from &&
        other_party_speaks(lexicon, tokens, parties, claim, i)) {
      break; /* the rest is another party's word, reported */
    }
    size_t matched = 0;
    int index = phrase_at(lexicon, tokens, i, claim->last, &matched);
    if (index < 0) {
      continue;
    }
    const struct lexicon_stance_cue *cue = &lexicon->stance_cues[index];
    switch (cue->kind) {
    case LEXICON_STANCE_CONDITION:
      condition = 1;
      otherwise |= tokens_is(tokens, &tokens->items[i], "otherwise");
      continue;
    case LEXICON_STANCE_FUTURE: {
      int passive = 0;
      future = 1;
      /* "Russia will take it by force", said by Kyiv, reports a threat. */
      future_own |= subject_of(lexicon, tokens, parties, claim, i, &passive) !=
                    SUBJECT_OTHER;
      withheld |= withheld_consequence(lexicon, tokens, parties, claim, i);
      continue;
    }
    case LEXICON_STANCE_INSIST:
      if (insists_on_fact(lexicon, tokens, claim, i + matched)) {
        i += matched - 1;
        continue;
      }
      break;
    case LEXICON_STANCE_MODAL:
    case LEXICON_STANCE_VERB:
      break;
    default:
      i += matched - 1; /* "I have to tell you": no demand */
      continue;
    }
    if (cue->needs_object_then_to && !object_then_to(tokens, i, claim->last)) {
      continue;
    }
    if (cue->kind == LEXICON_STANCE_VERB &&
        !verb_is_speakers(lexicon, tokens, parties, claim, i, i + matched)) {
      i += matched - 1;
      continue;
    }
    int passive = 0;
    if (cue->kind == LEXICON_STANCE_MODAL && cue->stance == STANCE_THREATENS &&
        word_is(lexicon, tokens, i, LEXICON_STANCE_FUTURE) &&
        subject_of(lexicon, tokens, parties, claim, i, &passive) ==
            SUBJECT_OWN) {
      /* "Kyiv would lose more land" threatens; "we will lose" fears. */
      i += matched - 1;
      continue;
    }
    if (cue->kind == LEXICON_STANCE_MODAL && cue->stance == STANCE_THREATENS &&
        !word_is(lexicon, tokens, i, LEXICON_STANCE_FUTURE) &&
        !conditional_cue) {
      /* "taken by force", "the consequences of the war": narration unless
         the clause speaks of what will come. */
      needs_future = 1;
      i += matched - 1;
      continue;
    }
    enum stance stance = cue->stance;
    if (cue->kind == LEXICON_STANCE_MODAL &&
        refused_passive(lexicon, tokens, parties, claim, i, i + matched)) {
      stance = STANCE_REJECTS;
    }
    if (cue->needs_object_then_to) {
      stance = request_stance(parties, claim, i + matched, stance);
    }
    if (negated(lexicon, tokens, claim->first, i)) {
      stance = flip(stance, cue->kind == LEXICON_STANCE_VERB &&
                                !cue->needs_object_then_to);
      flipped_any = 1;
    }
    if (stance != STANCE_NONE) {
      kinds |= 1 << stance;
      if (priority(stance) > priority(best)) {
        best = stance;
      }
    }
    i += matched - 1;
  }
  if ((conditional_cue && condition) || (needs_future && future_own) ||
      (condition && withheld) || (otherwise && future)) {
    *evidence = STANCE_FROM_CLAUSE;
    return STANCE_THREATENS;
  }
  if (kinds & (kinds - 1)) {
    *evidence = STANCE_CONFLICTING;
  } else if (flipped_any) {
    *evidence = STANCE_NEGATED;
  } else {
    *evidence = best == STANCE_NONE ? STANCE_NONE_FOUND : STANCE_FROM_CLAUSE;
  }
  return best == STANCE_NONE ? STANCE_ASSERTS : best;
}

const char *stance_cameo(const struct extract_lexicon *lexicon,
                         enum stance stance) {
  if (stance < 0 || stance >= STANCE_COUNT) {
    return NULL;
  }
  return lexicon->cameo[stance];
}
