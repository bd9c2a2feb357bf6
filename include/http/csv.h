/* RFC 4180 CSV: records built in a growing buffer, JSON records rendered
 * as rows, and whether a request's Accept header prefers text/csv.
 *
 * Jansson: csv_from_items borrows the items it renders. */
#ifndef PARLEY_HTTP_CSV_H
#define PARLEY_HTTP_CSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct csv_buffer {
  char *data;
  size_t length;
  size_t capacity;
  bool failed;      /* an allocation failed: the buffer is useless */
  bool row_started; /* a field was written to the current record */
};

/* Appends one field to the current record, quoted when it holds a comma, a
   double quote, CR or LF (quotes doubled). */
void csv_field(struct csv_buffer *buffer, const char *text, size_t length);
/* Appends a field of text a client wrote: as csv_field, but a text starting
   with =, +, -, @, tab or CR (a spreadsheet formula) gets a leading single
   quote and is quoted (OWASP's rule against CSV injection). */
void csv_text_field(struct csv_buffer *buffer, const char *text, size_t length);
/* Ends the current record with CRLF. */
void csv_end_row(struct csv_buffer *buffer);
/* Hands the text (NUL-terminated, `length` bytes) to the caller, who frees
   it; NULL after a failed allocation (the buffer is released then). */
char *csv_take(struct csv_buffer *buffer, size_t *length);

/* The header row: the names of `columns`. */
void csv_header_row(struct csv_buffer *buffer, const char *const *columns,
                    size_t count);
/* One row per item of the array `items`, as csv_from_items gives them. */
void csv_item_rows(struct csv_buffer *buffer, const json_t *items,
                   const char *const *columns, size_t count);
/* The UTF-8 byte order mark, which spreadsheets need to read UTF-8. */
void csv_byte_order_mark(struct csv_buffer *buffer);

/* A header row of `columns`, then one row per item with each column's
   member: null as an empty field, strings and arrays of strings (joined
   with ';') as csv_text_field gives them, numbers in decimal, booleans as
   true/false.
   Returns malloc'd text, or NULL when out of memory. */
char *csv_from_items(const json_t *items, const char *const *columns,
                     size_t count, size_t *length);

/* True when the Accept header ranks text/csv above application/json (by q,
   then by specificity; ties stay JSON). */
bool csv_preferred(const char *accept);

#endif
