/* A reader of the embedded TSV files: comment lines (#) and blank lines are
   skipped, the header must match the expected columns. Private to the
   lexicon loader. */
#ifndef PARLEY_EXTRACT_TSV_H
#define PARLEY_EXTRACT_TSV_H

#include <stddef.h>

#include "common/embedded.h"

#define TSV_MAX_FIELDS 8

struct tsv_reader {
  const char *name;
  const char *at;
  const char *end;
  size_t line;
  char *buffer;
  size_t buffer_size;
  char *fields[TSV_MAX_FIELDS];
  size_t field_count;
};

/* Opens file name of files and checks its header; 0, or -1 with a message
   in error (error_size > 0: the lexicon loader always gives a buffer). */
int tsv_open(struct tsv_reader *reader, const struct embedded_file *files,
             const char *name, const char *expected_header, char *error,
             size_t error_size);
/* The next row: returns 1 with fields set (missing ones ""), 0 at the end,
   -1 with a message (fewer than min_fields columns, out of memory). */
int tsv_next(struct tsv_reader *reader, size_t min_fields, char *error,
             size_t error_size);
void tsv_close(struct tsv_reader *reader);

#endif
