/* Orchestrates the extraction stages for one article (the dry-run JSON of
   a result is ingest_result_json's, src/ingest/rows.c). */
#include "extract/extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "attribution.h"
#include "common/encoding.h"
#include "confidence.h"
#include "dates.h"
#include "entities.h"
#include "lexicon.h"
#include "quotes.h"
#include "sentences.h"
#include "stance.h"
#include "text.h"
#include "tokens.h"
#include "topics.h"

#define MAX_CLAIM_ISSUES 16

/* The article's identity: the hex SHA-256 of its bytes as given. */
static void sha256_hex(const char *bytes, size_t length, char out[65]) {
  unsigned char digest[SHA256_BYTES];
  sha256_digest(bytes, length, digest);
  hex_encode(digest, sizeof(digest), out);
}

static size_t first_token_at_or_after(const struct token_list *tokens,
                                      size_t offset) {
  size_t low = 0, high = tokens->count;
  while (low < high) {
    size_t middle = (low + high) / 2;
    if (tokens->items[middle].start < offset) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/* Flags the tokens inside quotations and the marks that delimit them. */
static void mark_quotes(struct token_list *tokens, const struct quote *quotes,
                        size_t quote_count) {
  for (size_t q = 0; q < quote_count; q++) {
    const struct quote *quote = &quotes[q];
    if (quote->depth != 0) {
      continue;
    }
    size_t i = first_token_at_or_after(tokens, quote->start);
    for (; i < tokens->count && tokens->items[i].start < quote->end; i++) {
      struct token *t = &tokens->items[i];
      if (t->start < quote->inner_start ||
          (quote->closed && t->start >= quote->inner_end)) {
        t->flags |= TOKEN_QUOTE_MARK;
      } else {
        t->flags |= TOKEN_IN_QUOTE;
      }
    }
  }
  int depth = 0;
  for (size_t i = 0; i < tokens->count; i++) {
    struct token *t = &tokens->items[i];
    if (tokens_is(tokens, t, "[")) {
      depth++;
    } else if (tokens_is(tokens, t, "]") && depth > 0) {
      depth--;
    } else if (depth > 0) {
      t->flags |= TOKEN_IN_BRACKETS;
    }
  }
}

static char *input_slice(struct arena *arena, const char *bytes, size_t start,
                         size_t end) {
  return arena_strndup(arena, bytes + start, end - start);
}

/* Builds the public parties from the article's entities. */
static int build_parties(struct extract_result *result, struct arena *arena,
                         const struct party_set *parties) {
  result->parties = arena_alloc(arena, (parties->entity_count + 1) *
                                           sizeof(*result->parties));
  if (result->parties == NULL) {
    return -1;
  }
  for (size_t e = 0; e < parties->entity_count; e++) {
    const struct party_entity *entity = &parties->entities[e];
    struct extract_party *party = &result->parties[result->party_count++];
    party->name = arena_strdup(arena, entity->name);
    party->kind = party_kind_name(entity->kind);
    party->aliases =
        arena_alloc(arena, (entity->alias_count + 1) * sizeof(char *));
    if (party->name == NULL || party->aliases == NULL) {
      return -1;
    }
    for (size_t a = 0; a < entity->alias_count; a++) {
      party->aliases[party->alias_count++] = (char *)entity->aliases[a];
    }
    if (entity->affiliation >= 0) {
      party->affiliation = (char *)parties->entities[entity->affiliation].name;
    }
    if (entity->role != NULL) {
      party->role = (char *)entity->role;
    }
  }
  return 0;
}

/* Adds to found (sorted, count of them) the issues of extra not yet in it,
   keeping catalogue order; returns the new count. */
static size_t merge_issues(size_t *found, size_t count, const size_t *extra,
                           size_t extra_count, size_t capacity) {
  for (size_t e = 0; e < extra_count && count < capacity; e++) {
    size_t at = 0;
    while (at < count && found[at] < extra[e]) {
      at++;
    }
    if (at < count && found[at] == extra[e]) {
      continue;
    }
    memmove(found + at + 1, found + at, (count - at) * sizeof(*found));
    found[at] = extra[e];
    count++;
  }
  return count;
}

/* The issues of the sentence before the one token first is in (what "this"
   may point back at), written to found; returns their count. */
static size_t previous_sentence_issues(const struct extract_lexicon *lexicon,
                                       const struct token_list *tokens,
                                       const struct issue_context *context,
                                       const struct issue_topics *topics,
                                       size_t first, size_t *found,
                                       size_t found_size) {
  size_t end = first;
  uint32_t sentence = tokens->items[first].sentence;
  while (end > 0 && tokens->items[end - 1].sentence == sentence) {
    end--;
  }
  if (end == 0) {
    return 0;
  }
  size_t start = end - 1;
  uint32_t previous = tokens->items[start].sentence;
  while (start > 0 && tokens->items[start - 1].sentence == previous) {
    start--;
  }
  return topics_detect_in_article(lexicon, tokens, context, topics, start, end,
                                  found, found_size, NULL);
}

/* Stage: the claims' spans, speakers, parties and cues, in input offsets. */
static int copy_claims(struct extract_result *result, struct arena *arena,
                       const struct text_doc *doc, const char *bytes,
                       const struct token_list *tokens,
                       const struct party_set *parties,
                       const struct claim_list *claims) {
  result->claims =
      arena_alloc(arena, (claims->count + 1) * sizeof(*result->claims));
  if (result->claims == NULL) {
    return -1;
  }
  for (size_t c = 0; c < claims->count; c++) {
    const struct claim *claim = &claims->items[c];
    struct extract_claim *out = &result->claims[result->claim_count++];
    out->start = doc->input_offset[claim->start];
    out->end = doc->input_offset[claim->end];
    out->text = input_slice(arena, bytes, out->start, out->end);
    if (out->text == NULL) {
      return -1;
    }
    out->speaker =
        claim->speaker_text ? arena_strdup(arena, claim->speaker_text) : NULL;
    out->party = (char *)parties->entities[claim->party].name;
    out->quote = claim->quote != 0;
    if (claim->cue >= 0) {
      const struct token *first = &tokens->items[claim->cue];
      const struct token *last =
          &tokens->items[(size_t)claim->cue + claim->cue_length - 1];
      out->cue.start = doc->input_offset[first->start];
      out->cue.end = doc->input_offset[last->end];
      out->cue.word = input_slice(arena, bytes, out->cue.start, out->cue.end);
      if (out->cue.word == NULL) {
        return -1;
      }
    }
  }
  return 0;
}

/* Stage: the issues of each claim. What decided them goes to judged[c] for
   the confidence stage. */
static int detect_claim_issues(struct extract_result *result,
                               struct arena *arena,
                               const struct extract_lexicon *lexicon,
                               const struct token_list *tokens,
                               const struct party_set *parties,
                               const struct claim_list *claims,
                               struct confidence_features *judged) {
  size_t previous_issues[MAX_CLAIM_ISSUES] = {0};
  size_t previous_issue_count = 0;
  long previous_sentence = -10;
  struct issue_context context = {parties};
  /* Weak issue keywords count only for the issues the article names. */
  struct issue_topics topics;
  topics_of_article(lexicon, tokens, &context, 0, tokens->count, &topics);
  for (size_t c = 0; c < claims->count; c++) {
    const struct claim *claim = &claims->items[c];
    struct extract_claim *out = &result->claims[c];
    size_t found[MAX_CLAIM_ISSUES];
    struct issue_evidence evidence;
    size_t issue_count = topics_detect_in_article(
        lexicon, tokens, &context, &topics, claim->first, claim->last, found,
        MAX_CLAIM_ISSUES, &evidence);
    judged[c].issues_weak = evidence.weak;
    judged[c].issues_inherited = 0;
    /* A claim that names no issue shares the previous claim's only when it
       continues the same statement: a clause of the same sentence ("..., an
       offer dismissed by X"), a quotation running on into the next sentence,
       or a next sentence about a matter it does not name ("the plan", "the
       talks"). A new sentence by the same speaker about something else ("He
       added that ...") shares nothing. */
    if (issue_count == 0 && previous_issue_count > 0 &&
        ((long)claim->sentence == previous_sentence ||
         ((long)claim->sentence == previous_sentence + 1 &&
          (claim->speaker_kind == CLAIM_SPEAKER_CONTINUED ||
           evidence.generic_only)))) {
      memcpy(found, previous_issues, previous_issue_count * sizeof(*found));
      issue_count = previous_issue_count;
      judged[c].issues_inherited = 1;
    } else if (evidence.refers_back && (issue_count == 0 || evidence.weak)) {
      /* "this plan", "that effort", "avoid this": the matter of the claim
         just before (at most two sentences back: a quotation may stand
         between), or else of the sentence before. */
      size_t referred[MAX_CLAIM_ISSUES];
      size_t referred_count = 0;
      if ((long)claim->sentence <= previous_sentence + 2) {
        memcpy(referred, previous_issues,
               previous_issue_count * sizeof(*referred));
        referred_count = previous_issue_count;
      }
      if (referred_count == 0) {
        referred_count =
            previous_sentence_issues(lexicon, tokens, &context, &topics,
                                     claim->first, referred, MAX_CLAIM_ISSUES);
      }
      issue_count = merge_issues(found, issue_count, referred, referred_count,
                                 MAX_CLAIM_ISSUES);
      judged[c].issues_inherited = referred_count > 0;
    }
    judged[c].issue_count = issue_count;
    memcpy(previous_issues, found, issue_count * sizeof(*found));
    previous_issue_count = issue_count;
    previous_sentence = (long)claim->sentence;
    out->issues = arena_alloc(arena, (issue_count + 1) * sizeof(char *));
    if (out->issues == NULL) {
      return -1;
    }
    for (size_t k = 0; k < issue_count; k++) {
      out->issues[out->issue_count++] = (char *)lexicon->issues[found[k]].slug;
    }
  }
  return 0;
}

/* Stage: the stance of each claim and its CAMEO code; what decided the
   stance goes to judged[c]. */
static void classify_claim_stances(struct extract_result *result,
                                   const struct extract_lexicon *lexicon,
                                   const struct token_list *tokens,
                                   const struct party_set *parties,
                                   const struct claim_list *claims,
                                   struct confidence_features *judged) {
  for (size_t c = 0; c < claims->count; c++) {
    struct extract_claim *out = &result->claims[c];
    out->stance =
        stance_classify_evidence(lexicon, tokens, parties, &claims->items[c],
                                 &judged[c].stance_evidence);
    out->cameo = stance_cameo(lexicon, out->stance);
  }
}

/* Stage: the day each claim was stated on, from the text or publication. */
static void date_claims(struct extract_result *result,
                        const struct extract_lexicon *lexicon,
                        const struct text_doc *doc,
                        const struct token_list *tokens,
                        const struct claim_list *claims) {
  for (size_t c = 0; c < claims->count; c++) {
    const struct claim *claim = &claims->items[c];
    dates_stated_on(lexicon, doc->text, tokens, claim->first, claim->last,
                    doc->published, result->claims[c].stated_on);
  }
}

/* Stage: each claim's confidence, from its attribution and from what the
   issue and stance stages judged. */
static void score_claims(struct extract_result *result,
                         const struct extract_lexicon *lexicon,
                         const struct token_list *tokens,
                         const struct claim_list *claims,
                         const struct confidence_features *judged) {
  for (size_t c = 0; c < claims->count; c++) {
    struct confidence_features features;
    confidence_features_of(lexicon, tokens, &claims->items[c], &features);
    features.issues_weak = judged[c].issues_weak;
    features.issues_inherited = judged[c].issues_inherited;
    features.issue_count = judged[c].issue_count;
    features.stance_evidence = judged[c].stance_evidence;
    result->claims[c].confidence = confidence_score(&features);
  }
}

/* Stage: the sentences' tokens, quotations marked. */
static int tokenise(struct token_list *tokens, const struct text_doc *doc,
                    const struct sentence *sentences, size_t sentence_count,
                    const struct quote *quotes, size_t quote_count) {
  /* News text runs about one token per five bytes, folds under its size. */
  if (tokens_reserve(tokens, doc->length / 4 + 64, doc->length + 64) != 0) {
    return -1;
  }
  for (size_t s = 0; s < sentence_count; s++) {
    if (tokens_scan(tokens, doc->text, sentences[s].start, sentences[s].end,
                    (uint32_t)s) != 0) {
      return -1;
    }
  }
  mark_quotes(tokens, quotes, quote_count);
  return 0;
}

static int copy_article(struct extract_result *result, struct arena *arena,
                        const struct text_doc *doc) {
  struct extract_article *article = &result->article;
  article->title = doc->title ? arena_strdup(arena, doc->title) : NULL;
  article->published =
      doc->published ? arena_strdup(arena, doc->published) : NULL;
  article->updated = doc->updated ? arena_strdup(arena, doc->updated) : NULL;
  article->dateline = doc->dateline ? arena_strdup(arena, doc->dateline) : NULL;
  article->authors =
      arena_alloc(arena, (doc->author_count + 1) * sizeof(char *));
  if (article->authors == NULL) {
    return -1;
  }
  for (size_t i = 0; i < doc->author_count; i++) {
    article->authors[article->author_count++] = (char *)doc->authors[i];
  }
  return 0;
}

int extract_article(const struct extract_lexicon *lexicon, const char *bytes,
                    size_t length, struct extract_result **result_out,
                    char *error, size_t error_size) {
  return extract_article_with_options(lexicon, bytes, length, NULL, result_out,
                                      error, error_size);
}

int extract_article_with_options(const struct extract_lexicon *lexicon,
                                 const char *bytes, size_t length,
                                 const struct extract_options *options,
                                 struct extract_result **result_out,
                                 char *error, size_t error_size) {
  char scratch[1];
  if (error == NULL || error_size == 0) {
    error = scratch;
    error_size = sizeof(scratch);
  }
  *result_out = NULL;
  int status = text_validate(bytes, length, error, error_size);
  if (status != EXTRACT_OK) {
    return status;
  }
  struct text_doc doc = {0};
  struct quote *quotes = NULL;
  size_t quote_count = 0;
  struct sentence *sentences = NULL;
  size_t sentence_count = 0;
  struct token_list tokens;
  tokens_init(&tokens);
  struct party_set parties = {0};
  struct claim_list claims = {0};
  /* Per claim, what the issue and stance stages found, for the confidence. */
  struct confidence_features *judged = NULL;
  struct extract_result *result = calloc(1, sizeof(*result));
  struct arena *arena = malloc(sizeof(*arena));
  status = EXTRACT_ERROR_MEMORY;
  if (result == NULL || arena == NULL) {
    free(arena);
    arena = NULL;
    goto cleanup;
  }
  arena_init(arena, 16 * 1024);
  result->storage = arena;
  sha256_hex(bytes, length, result->article.sha256);
  status =
      text_doc_build(&doc, lexicon, arena, bytes, length, error, error_size);
  if (status != EXTRACT_OK) {
    goto cleanup;
  }
  if (options != NULL && extract_date_valid(options->published)) {
    doc.published = options->published; /* outlives doc */
  }
  status = EXTRACT_ERROR_MEMORY;
  if (quotes_find(&doc, &quotes, &quote_count) != 0) {
    goto cleanup;
  }
  status = sentences_split(lexicon, &doc, quotes, quote_count, &sentences,
                           &sentence_count, error, error_size);
  if (status != EXTRACT_OK) {
    goto cleanup;
  }
  status = EXTRACT_ERROR_MEMORY;
  if (tokenise(&tokens, &doc, sentences, sentence_count, quotes, quote_count) !=
          0 ||
      entities_recognise(lexicon, &doc, &tokens, arena, &parties) != 0 ||
      attribution_find_claims(lexicon, &doc, &tokens, sentences, sentence_count,
                              &parties, arena, &claims) != 0 ||
      copy_article(result, arena, &doc) != 0 ||
      build_parties(result, arena, &parties) != 0 ||
      copy_claims(result, arena, &doc, bytes, &tokens, &parties, &claims) !=
          0) {
    goto cleanup;
  }
  judged = calloc(claims.count + 1, sizeof(*judged));
  if (judged == NULL || detect_claim_issues(result, arena, lexicon, &tokens,
                                            &parties, &claims, judged) != 0) {
    goto cleanup;
  }
  classify_claim_stances(result, lexicon, &tokens, &parties, &claims, judged);
  date_claims(result, lexicon, &doc, &tokens, &claims);
  score_claims(result, lexicon, &tokens, &claims, judged);
  status = EXTRACT_OK;
cleanup:
  if (status == EXTRACT_ERROR_MEMORY) {
    snprintf(error, error_size, "out of memory");
  }
  free(judged);
  claim_list_free(&claims);
  party_set_free(&parties);
  tokens_free(&tokens);
  free(sentences);
  free(quotes);
  text_doc_free(&doc);
  if (status != EXTRACT_OK) {
    extract_result_free(result);
    return status;
  }
  *result_out = result;
  return EXTRACT_OK;
}

void extract_result_free(struct extract_result *result) {
  if (result == NULL) {
    return;
  }
  struct arena *arena = result->storage;
  if (arena != NULL) {
    arena_free(arena);
    free(arena);
  }
  free(result);
}

double extract_confidence_rounded(double confidence) {
  if (!(confidence > 0)) {
    return 0; /* NaN too */
  }
  /* Within 0..1 the thousandths fit a long: no libm needed. */
  return confidence >= 1 ? 1 : (double)(long)(confidence * 1000 + 0.5) / 1000;
}
