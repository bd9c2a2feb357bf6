/* Parley's article extraction pipeline: article bytes in, metadata, parties
   and attributed claims out. Pure (no database, no network) and thread-safe:
   one lexicon, read-only, may serve many threads at once.

   Ownership: extract_lexicon_load_embedded returns a lexicon the caller frees
   with extract_lexicon_free; extract_article returns a result the caller frees
   with extract_result_free; every string inside a result belongs to it. */
#ifndef PARLEY_EXTRACT_EXTRACT_H
#define PARLEY_EXTRACT_EXTRACT_H

#include "common/vocabulary.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Largest article accepted, in bytes. */
#define EXTRACT_MAX_INPUT (16u * 1024u * 1024u)

/* Return codes of extract_article (0 is success). */
enum extract_error {
  EXTRACT_OK = 0,
  EXTRACT_ERROR_EMPTY = 1,        /* no bytes, or only white space */
  EXTRACT_ERROR_BINARY = 2,       /* a NUL byte */
  EXTRACT_ERROR_INVALID_UTF8 = 3, /* the message gives the byte offset */
  EXTRACT_ERROR_TOO_LARGE = 4,
  EXTRACT_ERROR_MEMORY = 5,
  EXTRACT_ERROR_INTERNAL = 6, /* ICU or PCRE2 failed */
};

struct extract_lexicon;

/* Builds the lexicon from the TSV files embedded in the binary. Returns NULL
   and a message in error when they cannot be parsed. */
struct extract_lexicon *extract_lexicon_load_embedded(char *error,
                                                      size_t error_size);
void extract_lexicon_free(struct extract_lexicon *lexicon);

/* One issue of the catalogue, as stored in the database. */
struct extract_issue_keyword {
  const char *keyword; /* a phrase, matched on word boundaries ignoring case */
  bool weak; /* used only when no strong keyword of any issue matched */
};
struct extract_issue_definition {
  const char *slug;
  const char *parent; /* slug of the parent issue, or NULL */
  const struct extract_issue_keyword *keywords;
  size_t keyword_count;
};

/* Replaces the lexicon's issue catalogue (slugs, parents, keywords), e.g.
   with the database's copy that users edit through the API. Not thread-safe:
   call it before sharing the lexicon, or build a new lexicon. Returns 0, or
   -1 with a message (the old catalogue is kept). */
int extract_lexicon_set_issues(struct extract_lexicon *lexicon,
                               const struct extract_issue_definition *issues,
                               size_t issue_count, char *error,
                               size_t error_size);

/* One party as stored in the database (users add and edit them through the
   parties API). */
struct extract_party_definition {
  const char *name;
  const char *kind; /* "state", "organization", "person" or "group" */
  const char *const *aliases;
  size_t alias_count;
  const char *affiliation; /* a person's party, by name; or NULL */
  const char *role;        /* a person's role, or NULL */
};

/* Adds parties to the lexicon's gazetteer: states, organisations and groups
   are matched by name and aliases like the embedded ones (an alias of up to
   five capitals and no lower case, "NATO", only in capitals); persons become
   known people with their affiliation (a party of the lexicon or of this
   list, by normalised name) and role. A party whose normalised name the
   lexicon has already only gains the aliases it lacks: embedded data is
   never replaced, and an embedded alias or surname keeps its party. Names
   and aliases that are no usable phrase (blank, over 12 words) are skipped.
   Not thread-safe: call it before sharing the lexicon. Returns 0, or -1
   with a message: for an invalid definition (NULL name, unknown kind) before
   anything changed; when out of memory the lexicon must be freed. */
int extract_lexicon_add_parties(struct extract_lexicon *lexicon,
                                const struct extract_party_definition *parties,
                                size_t count, char *error, size_t error_size);

/* True when an issue keyword can be used: a phrase of at most 12 words
   (LEXICON_MAX_PHRASE_TOKENS), or a well-formed pattern. */
int extract_issue_keyword_usable(const char *keyword);

struct extract_article {
  char *title;     /* NULL when the article has none */
  char *published; /* YYYY-MM-DD or NULL */
  char *updated;   /* YYYY-MM-DD or NULL */
  char *dateline;  /* "Kyiv", or NULL */
  char **authors;
  size_t author_count;
  char sha256[65]; /* hex digest of the input bytes as given */
};

struct extract_party {
  char *name;
  const char *kind; /* "state", "organization", "person" or "group" */
  char **aliases;   /* other names it goes by in the article */
  size_t alias_count;
  char *affiliation; /* a person's party, else NULL */
  char *role;        /* a person's role, or NULL */
};

struct extract_cue {
  char *word; /* NULL when the claim has no cue word */
  size_t start;
  size_t end;
};

struct extract_claim {
  size_t start; /* byte offsets in the input as given; end exclusive */
  size_t end;
  char *text;    /* the input bytes start..end */
  char *speaker; /* as first written in full, or NULL */
  char *party;   /* canonical party name */
  char **issues; /* issue slugs */
  size_t issue_count;
  enum stance stance;
  bool quote;         /* a direct quotation */
  char stated_on[11]; /* YYYY-MM-DD, or "" when unknown */
  struct extract_cue cue;
  const char *cameo; /* CAMEO root code, e.g. "10" */
  double confidence; /* 0..1; higher is more likely right */
};

struct extract_result {
  struct extract_article article;
  struct extract_party *parties;
  size_t party_count;
  struct extract_claim *claims;
  size_t claim_count;
  void *storage; /* owns every allocation above */
};

/* Extracts an article. bytes need not be NUL-terminated. On success returns
   0 and sets *result (free with extract_result_free); otherwise returns an
   enum extract_error, sets *result to NULL and writes a message (with the
   byte offset for invalid UTF-8 or a NUL byte) to error. */
int extract_article(const struct extract_lexicon *lexicon, const char *bytes,
                    size_t length, struct extract_result **result, char *error,
                    size_t error_size);

/* What the caller knows of an article besides its text. */
struct extract_options {
  /* The publication date (YYYY-MM-DD, extract_date_valid) from outside the
     text: a feed, `parley load --published`, the API's `published`, the
     stored article. It wins over any date the text gives, and claims'
     stated_on ("on Friday") count from it. NULL: the text's date. */
  const char *published;
};

/* extract_article with options (NULL: none). An invalid options->published
   is ignored; callers check it with extract_date_valid first. */
int extract_article_with_options(const struct extract_lexicon *lexicon,
                                 const char *bytes, size_t length,
                                 const struct extract_options *options,
                                 struct extract_result **result, char *error,
                                 size_t error_size);

/* Is date a day of the calendar written YYYY-MM-DD ("2025-02-29": no)? */
bool extract_date_valid(const char *date);
void extract_result_free(struct extract_result *result);

/* A confidence as every output gives it: within 0..1, rounded to 3
   decimals (the nearest double to k/1000, which a dump with
   OUTPUT_JSON_REALS prints in its shortest form, "0.697"). */
double extract_confidence_rounded(double confidence);

#endif
