/* The extraction result written out, for the dry run and for the store.
 *
 * One field spec, two views: each field of a party and of a claim is one
 * line that names it in the dry-run JSON and in the stored rows, and one
 * function gives its value in either view. The views differ in names (the
 * dry run's are the scorer's contract, the rows' are the statement's
 * columns), in how they refer to parties (names as found, or slugs), and in
 * what they leave out; the data and its order are one.
 *
 * Jansson: every function returns new references; json_object_set_new and
 * json_array_append_new steal the values given. */
#include "rows.h"

#include "common/encoding.h"
#include "common/log.h"
#include "common/slug.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every string of a result is valid UTF-8 (the input was validated and is
   cut on character boundaries; lexicon strings are checked when loaded),
   so the tree is built without checking it again. */
static json_t *text(const char *value) {
  return value != NULL ? json_stringn_nocheck(value, strlen(value))
                       : json_null();
}

/* A name in NFC (as the API stores names), or null for NULL. */
static json_t *name_normal(const char *name) {
  if (name == NULL) {
    return json_null();
  }
  char *normal = utf8_nfc(name);
  json_t *value = normal != NULL ? text(normal) : NULL;
  free(normal);
  return value;
}

/* The strings as they are, or as names in NFC. */
static json_t *text_array(char *const *items, size_t count, bool normal) {
  json_t *array = json_array();
  for (size_t i = 0; array != NULL && i < count; i++) {
    json_t *item = normal ? name_normal(items[i]) : text(items[i]);
    if (json_array_append_new(array, item) != 0) {
      json_decref(array);
      return NULL;
    }
  }
  return array;
}

/* The slug of a name, or NULL when the name leaves none. */
static const char *slug_of(const char *name, char *out) {
  return name != NULL && slug_from_name(name, out) > 0 ? out : NULL;
}

/* One field of a record: its name in each view (NULL: the view leaves it
   out). In the dry-run view the members follow the order of the lines. */
struct field {
  int id;
  const char *dry_run;
  const char *store;
};

/* Builds the object of one record: `value` gives a field's value in the
   view (a new reference), NULL when out of memory, or sets *omit. */
typedef json_t *field_value(const void *record, int id, enum rows_view view,
                            bool *omit);

static json_t *record_object(const struct field *fields, size_t count,
                             field_value *value, const void *record,
                             enum rows_view view) {
  json_t *object = json_object();
  for (size_t i = 0; object != NULL && i < count; i++) {
    const char *name =
        view == ROWS_VIEW_DRY_RUN ? fields[i].dry_run : fields[i].store;
    bool omit = false;
    json_t *member =
        name != NULL ? value(record, fields[i].id, view, &omit) : NULL;
    if (name == NULL || omit) {
      json_decref(member);
      continue;
    }
    if (json_object_set_new_nocheck(object, name, member) != 0) {
      json_decref(object);
      object = NULL;
    }
  }
  return object;
}

/* --- parties ---------------------------------------------------------------
 */

enum party_field {
  PARTY_SLUG,
  PARTY_NAME,
  PARTY_KIND,
  PARTY_ALIASES,
  PARTY_AFFILIATION,
  PARTY_ROLE,
};

static const struct field party_fields[] = {
    {PARTY_SLUG, NULL, "slug"},
    {PARTY_NAME, "name", "name"}, /* as found; NFC */
    {PARTY_KIND, "kind", "kind"},
    {PARTY_ALIASES, "aliases", "aliases"},             /* as found; NFC */
    {PARTY_AFFILIATION, "affiliation", "affiliation"}, /* a name; a slug */
    {PARTY_ROLE, "role", "role"}, /* the dry run gives a person's only */
};

struct party_record {
  const struct extract_party *party;
  const char *slug; /* NULL in the dry-run view */
};

static json_t *party_value(const void *record, int id, enum rows_view view,
                           bool *omit) {
  const struct party_record *row = record;
  const struct extract_party *party = row->party;
  bool store = view == ROWS_VIEW_STORE;
  char affiliation[SLUG_MAX_LENGTH + 1];
  switch ((enum party_field)id) {
  case PARTY_SLUG:
    return text(row->slug);
  case PARTY_NAME:
    return store ? name_normal(party->name) : text(party->name);
  case PARTY_KIND:
    return text(party->kind);
  case PARTY_ALIASES:
    return text_array(party->aliases, party->alias_count, store);
  case PARTY_AFFILIATION:
    return store ? text(slug_of(party->affiliation, affiliation))
                 : text(party->affiliation);
  case PARTY_ROLE:
    *omit = !store && strcmp(party->kind, "person") != 0;
    return *omit ? NULL : text(party->role);
  }
  return NULL;
}

json_t *rows_parties(const struct extract_result *result, enum rows_view view) {
  json_t *array = json_array();
  for (size_t i = 0; array != NULL && i < result->party_count; i++) {
    const struct extract_party *party = &result->parties[i];
    char slug[SLUG_MAX_LENGTH + 1];
    struct party_record record = {party, NULL};
    if (view == ROWS_VIEW_STORE) {
      record.slug = slug_of(party->name, slug);
      if (record.slug == NULL) {
        log_debug("party '%.80s' gives no slug; not stored", party->name);
        continue;
      }
    }
    json_t *object =
        record_object(party_fields, sizeof party_fields / sizeof *party_fields,
                      party_value, &record, view);
    if (object == NULL || json_array_append_new(array, object) != 0) {
      json_decref(array);
      array = NULL;
    }
  }
  return array;
}

/* --- claims ----------------------------------------------------------------
 */

enum claim_field {
  CLAIM_N,
  CLAIM_START,
  CLAIM_END,
  CLAIM_TEXT,
  CLAIM_SPEAKER,
  CLAIM_PARTY,
  CLAIM_ISSUES,
  CLAIM_STANCE,
  CLAIM_QUOTE,
  CLAIM_STATED_ON,
  CLAIM_CUE,
  CLAIM_CUE_WORD,
  CLAIM_CUE_START,
  CLAIM_CUE_END,
  CLAIM_CAMEO,
  CLAIM_CONFIDENCE,
};

static const struct field claim_fields[] = {
    {CLAIM_N, NULL, "n"}, /* its place in the result: the insert's order */
    {CLAIM_START, "start", "start_offset"},
    {CLAIM_END, "end", "end_offset"},
    {CLAIM_TEXT, "text", "text"},
    {CLAIM_SPEAKER, "speaker", "speaker"}, /* a name; a slug */
    {CLAIM_PARTY, "party", "party"},       /* a name; a slug */
    {CLAIM_ISSUES, "issues", "issues"},
    {CLAIM_STANCE, "stance", "stance"},
    {CLAIM_QUOTE, "quote", "quote"},
    {CLAIM_STATED_ON, "stated_on", "stated_on"},
    {CLAIM_CUE, "cue", NULL}, /* {word, start, end} or null */
    {CLAIM_CUE_WORD, NULL, "cue_word"},
    {CLAIM_CUE_START, NULL, "cue_start"},
    {CLAIM_CUE_END, NULL, "cue_end"},
    {CLAIM_CAMEO, "cameo", "cameo"},
    {CLAIM_CONFIDENCE, "confidence", "confidence"}, /* to the thousandth */
};

struct claim_record {
  const struct extract_claim *claim;
  size_t n;
  const char *party; /* slugs, in the store view */
  const char *speaker;
};

static json_t *offset(size_t value) {
  return json_integer((json_int_t)value);
}

static json_t *claim_cue(const struct extract_cue *cue) {
  if (cue->word == NULL) {
    return json_null();
  }
  json_t *object = json_object();
  if (object == NULL ||
      json_object_set_new_nocheck(object, "word", text(cue->word)) != 0 ||
      json_object_set_new_nocheck(object, "start", offset(cue->start)) != 0 ||
      json_object_set_new_nocheck(object, "end", offset(cue->end)) != 0) {
    json_decref(object);
    return NULL;
  }
  return object;
}

static json_t *claim_value(const void *record, int id, enum rows_view view,
                           bool *omit) {
  (void)omit;
  const struct claim_record *row = record;
  const struct extract_claim *claim = row->claim;
  bool store = view == ROWS_VIEW_STORE;
  bool cue = claim->cue.word != NULL;
  switch ((enum claim_field)id) {
  case CLAIM_N:
    return offset(row->n);
  case CLAIM_START:
    return offset(claim->start);
  case CLAIM_END:
    return offset(claim->end);
  case CLAIM_TEXT:
    return text(claim->text);
  case CLAIM_SPEAKER:
    return text(store ? row->speaker : claim->speaker);
  case CLAIM_PARTY:
    return text(store ? row->party : claim->party);
  case CLAIM_ISSUES:
    return text_array(claim->issues, claim->issue_count, false);
  case CLAIM_STANCE:
    return text(stance_name(claim->stance));
  case CLAIM_QUOTE:
    return json_boolean(claim->quote);
  case CLAIM_STATED_ON:
    return text(claim->stated_on[0] != '\0' ? claim->stated_on : NULL);
  case CLAIM_CUE:
    return claim_cue(&claim->cue);
  case CLAIM_CUE_WORD:
    return text(claim->cue.word);
  case CLAIM_CUE_START:
    return cue ? offset(claim->cue.start) : json_null();
  case CLAIM_CUE_END:
    return cue ? offset(claim->cue.end) : json_null();
  case CLAIM_CAMEO:
    return text(claim->cameo);
  case CLAIM_CONFIDENCE:
    return json_real(extract_confidence_rounded(claim->confidence));
  }
  return NULL;
}

json_t *rows_claims(const struct extract_result *result, enum rows_view view) {
  json_t *array = json_array();
  for (size_t i = 0; array != NULL && i < result->claim_count; i++) {
    const struct extract_claim *claim = &result->claims[i];
    char party[SLUG_MAX_LENGTH + 1], speaker[SLUG_MAX_LENGTH + 1];
    struct claim_record record = {claim, i, NULL, NULL};
    if (view == ROWS_VIEW_STORE) {
      record.party = slug_of(claim->party, party);
      record.speaker = slug_of(claim->speaker, speaker);
      if (record.party == NULL || stance_name(claim->stance) == NULL) {
        continue; /* nothing to attribute it to: left out */
      }
    }
    json_t *object =
        record_object(claim_fields, sizeof claim_fields / sizeof *claim_fields,
                      claim_value, &record, view);
    if (object == NULL || json_array_append_new(array, object) != 0) {
      json_decref(array);
      array = NULL;
    }
  }
  return array;
}

/* --- the article -----------------------------------------------------------
 */

json_t *ingest_result_json(const struct extract_result *result) {
  const struct extract_article *article = &result->article;
  json_t *parties = rows_parties(result, ROWS_VIEW_DRY_RUN);
  json_t *claims = rows_claims(result, ROWS_VIEW_DRY_RUN);
  json_t *authors = text_array(article->authors, article->author_count, false);
  if (parties == NULL || claims == NULL || authors == NULL) {
    json_decref(parties);
    json_decref(claims);
    json_decref(authors);
    return NULL;
  }
  return json_pack("{s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:o, s:o}", "article",
                   "title", text(article->title), "published",
                   text(article->published), "authors", authors, "dateline",
                   text(article->dateline), "updated", text(article->updated),
                   "sha256", text(article->sha256), "parties", parties,
                   "claims", claims);
}

/* A title taken from the article's first line is cut to what a client may
   give (500 characters, and 2,000 bytes so that it fits its index with
   room to spare), at a character boundary, with an ellipsis. NULL when it
   fits as it is, else a malloc'd copy (or NULL when out of memory: then
   *bounded is set and the caller gives up). */
#define ROWS_TITLE_MAX_CHARACTERS 500
#define ROWS_TITLE_MAX_BYTES 2000
#define ROWS_ELLIPSIS "\u2026" /* one character, three bytes */

static char *title_bounded(const char *title, bool *bounded) {
  *bounded = false;
  if (title == NULL) {
    return NULL;
  }
  size_t length = strlen(title);
  if (length <= ROWS_TITLE_MAX_CHARACTERS ||
      (length <= ROWS_TITLE_MAX_BYTES &&
       utf8_characters(title) <= ROWS_TITLE_MAX_CHARACTERS)) {
    return NULL;
  }
  *bounded = true;
  size_t kept =
      utf8_prefix_length(title, ROWS_TITLE_MAX_CHARACTERS - 1,
                         ROWS_TITLE_MAX_BYTES - (sizeof ROWS_ELLIPSIS - 1));
  char *cut = malloc(kept + sizeof ROWS_ELLIPSIS);
  if (cut != NULL) {
    memcpy(cut, title, kept);
    memcpy(cut + kept, ROWS_ELLIPSIS, sizeof ROWS_ELLIPSIS);
  }
  return cut;
}

static char *json_text_of(json_t *value) {
  char *dumped = value != NULL ? json_dumps(value, JSON_COMPACT) : NULL;
  json_decref(value);
  return dumped;
}

bool rows_article(const struct extract_result *result, const char *bytes,
                  size_t length, const struct ingest_overrides *overrides,
                  struct rows_article *out) {
  const struct extract_article *article = &result->article;
  memset(out, 0, sizeof *out);
  bool bounded = false;
  out->text = malloc(length + 1);
  out->authors =
      json_text_of(text_array(article->authors, article->author_count, false));
  out->title =
      overrides->title != NULL ? NULL : title_bounded(article->title, &bounded);
  if (out->text == NULL || out->authors == NULL ||
      (bounded && out->title == NULL)) {
    rows_article_release(out);
    return false;
  }
  memcpy(out->text, bytes, length);
  out->text[length] = '\0';
  out->row = (struct store_article_row){
      .sha256 = article->sha256,
      .title = overrides->title != NULL ? overrides->title
               : bounded                ? out->title
                                        : article->title,
      .url = overrides->url,
      .published = overrides->published != NULL ? overrides->published
                                                : article->published,
      .updated = article->updated,
      .authors = out->authors,
      .dateline = article->dateline,
      .text = out->text,
  };
  return true;
}

void rows_article_release(struct rows_article *article) {
  free(article->text);
  free(article->authors);
  free(article->title);
  memset(article, 0, sizeof *article);
}
