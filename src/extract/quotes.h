/* Quotation spans: marks paired by type (curly and straight, single and
   double, guillemets), nested, continued across paragraphs (an opening mark
   on each paragraph, one closing mark); unbalanced marks never swallow text
   beyond their paragraph. */
#ifndef PARLEY_EXTRACT_QUOTES_H
#define PARLEY_EXTRACT_QUOTES_H

#include <stddef.h>

#include "text.h"

struct quote {
  size_t start;       /* the opening mark */
  size_t end;         /* after the closing mark (or the paragraph end) */
  size_t inner_start; /* after the opening mark */
  size_t inner_end;   /* before the closing mark */
  int depth;          /* 0 for an outermost quotation */
  int closed;         /* 0: ran to the paragraph end unclosed */
  int continues;      /* an unclosed part continued by the next paragraph */
};

/* Finds the quotations of the body paragraphs, in order of their start.
   Unclosed quotations that the next paragraph does not continue are left out
   (a stray mark is not a quotation). *quotes is malloc'd (caller frees).
   Returns 0 or -1 when out of memory. */
int quotes_find(const struct text_doc *doc, struct quote **quotes,
                size_t *count);

/* The index of the outermost quotation containing offset (between its
   marks), or -1. quotes must be as returned by quotes_find. */
long quotes_at(const struct quote *quotes, size_t count, size_t offset);

#endif
