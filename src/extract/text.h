/* Input checking, normalisation (BOM, CRLF) with a map back to input byte
   offsets, article metadata, and the body paragraphs left for extraction. */
#ifndef PARLEY_EXTRACT_TEXT_H
#define PARLEY_EXTRACT_TEXT_H

#include <stddef.h>

#include "arena.h"
#include "lexicon.h"

struct text_span {
  size_t start;
  size_t end; /* exclusive */
};

/* A normalised article. text, input_offset and paragraphs are owned by the
   doc (text_doc_free); the metadata strings live in the arena given to
   text_doc_build. */
struct text_doc {
  char *text; /* normalised, NUL-terminated */
  size_t length;
  size_t *input_offset; /* length + 1 entries: text offset -> input offset */
  struct text_span *paragraphs; /* body paragraphs, in order */
  size_t paragraph_count;
  const char *title;
  /* YYYY-MM-DD: a date line of the header, else the dateline's day when a
     year is known (its own, or the update note's). */
  const char *published;
  const char *updated;
  const char *dateline; /* the place: "Kyiv" of "KYIV (AP) —" */
  const char **authors;
  size_t author_count;
};

/* Checks that bytes are an article: not empty, no NUL byte, valid UTF-8, not
   over EXTRACT_MAX_INPUT. Returns EXTRACT_OK or an enum extract_error and
   writes a message (with the byte offset where there is one). */
int text_validate(const char *bytes, size_t length, char *error,
                  size_t error_size);

/* Normalises validated bytes and reads the metadata and body. Returns
   EXTRACT_OK or an enum extract_error. */
int text_doc_build(struct text_doc *doc, const struct extract_lexicon *lexicon,
                   struct arena *arena, const char *bytes, size_t length,
                   char *error, size_t error_size);
void text_doc_free(struct text_doc *doc);

/* Parses "December 29 2025", "29 December 2025", "December 29, 2025" or
   "2025-12-29" at the start of text into out (YYYY-MM-DD); returns the
   number of bytes read or 0. (A dateline's day may omit the year; the
   metadata must have it.) */
size_t text_parse_date(const struct extract_lexicon *lexicon, const char *text,
                       size_t length, char out[11]);

#endif
