/* Reads the embedded lexicon TSV files row by row. */
#include "tsv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next line that is neither blank nor a comment, without its line end;
   0 at the end of the file. */
static int next_line(struct tsv_reader *reader, const char **line_out,
                     size_t *length_out) {
  while (reader->at < reader->end) {
    const char *eol =
        memchr(reader->at, '\n', (size_t)(reader->end - reader->at));
    if (eol == NULL) {
      eol = reader->end;
    }
    reader->line++;
    const char *line = reader->at;
    size_t length = (size_t)(eol - line);
    reader->at = eol < reader->end ? eol + 1 : eol;
    if (length > 0 && line[length - 1] == '\r') {
      length--;
    }
    if (length == 0 || line[0] == '#') {
      continue;
    }
    *line_out = line;
    *length_out = length;
    return 1;
  }
  return 0;
}

int tsv_open(struct tsv_reader *reader, const struct embedded_file *files,
             const char *name, const char *expected_header, char *error,
             size_t error_size) {
  memset(reader, 0, sizeof(*reader));
  const struct embedded_file *file = embedded_find(files, name);
  if (file == NULL) {
    snprintf(error, error_size, "lexicon %s is not embedded", name);
    return -1;
  }
  reader->name = name;
  reader->at = file->data;
  reader->end = file->data + file->length;
  /* Find the header: the first line that is not a comment. */
  const char *line;
  size_t length;
  if (!next_line(reader, &line, &length)) {
    snprintf(error, error_size, "%s: no header line", name);
    return -1;
  }
  if (strlen(expected_header) != length ||
      memcmp(line, expected_header, length) != 0) {
    snprintf(error, error_size, "%s:%zu: header is not \"%s\"", name,
             reader->line, expected_header);
    return -1;
  }
  return 0;
}

int tsv_next(struct tsv_reader *reader, size_t min_fields, char *error,
             size_t error_size) {
  const char *line;
  size_t length;
  if (!next_line(reader, &line, &length)) {
    return 0;
  }
  if (reader->buffer == NULL || length + 1 > reader->buffer_size) {
    char *buffer = realloc(reader->buffer, length + 1);
    if (buffer == NULL) {
      snprintf(error, error_size, "out of memory");
      return -1;
    }
    reader->buffer = buffer;
    reader->buffer_size = length + 1;
  }
  memcpy(reader->buffer, line, length);
  reader->buffer[length] = '\0';
  reader->field_count = 0;
  char *field = reader->buffer;
  for (;;) {
    if (reader->field_count == TSV_MAX_FIELDS) {
      snprintf(error, error_size, "%s:%zu: too many columns", reader->name,
               reader->line);
      return -1;
    }
    reader->fields[reader->field_count++] = field;
    char *tab = strchr(field, '\t');
    if (tab == NULL) {
      break;
    }
    *tab = '\0';
    field = tab + 1;
  }
  if (reader->field_count < min_fields) {
    snprintf(error, error_size, "%s:%zu: expected %zu columns, found %zu",
             reader->name, reader->line, min_fields, reader->field_count);
    return -1;
  }
  for (size_t i = reader->field_count; i < TSV_MAX_FIELDS; i++) {
    reader->fields[i] = "";
  }
  return 1;
}

void tsv_close(struct tsv_reader *reader) {
  free(reader->buffer);
  reader->buffer = NULL;
}
