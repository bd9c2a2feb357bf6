/* Pairs quotation marks into spans, paragraph by paragraph. */
#include "quotes.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

enum mark_type {
  MARK_CURLY_DOUBLE,
  MARK_STRAIGHT_DOUBLE,
  MARK_GUILLEMET,
  MARK_CURLY_SINGLE,
  MARK_STRAIGHT_SINGLE /* only where an opening and a closing one pair */
};

#define MAX_DEPTH 16

struct open_mark {
  enum mark_type type;
  size_t start;
  size_t inner_start;
};

struct quote_list {
  struct quote *items;
  size_t count;
  size_t capacity;
};

static int add(struct quote_list *list, const struct quote *quote) {
  if (list->count == list->capacity) {
    size_t next = list->capacity ? list->capacity * 2 : 32;
    struct quote *items = realloc(list->items, next * sizeof(*items));
    if (items == NULL) {
      return -1;
    }
    list->items = items;
    list->capacity = next;
  }
  list->items[list->count++] = *quote;
  return 0;
}

static int is_letter(utf8proc_int32_t cp) {
  if (cp < 128) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= '0' && cp <= '9');
  }
  utf8proc_category_t c = utf8proc_category(cp);
  return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

static utf8proc_int32_t next_codepoint(const char *text, size_t at, size_t end,
                                       size_t *width) {
  utf8proc_int32_t cp = 0;
  if (at >= end) {
    *width = 0;
    return 0;
  }
  if ((unsigned char)text[at] < 0x80) {
    *width = 1;
    return (unsigned char)text[at];
  }
  utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)text + at,
                                        (utf8proc_ssize_t)(end - at), &cp);
  *width = n > 0 ? (size_t)n : 1;
  return n > 0 ? cp : 0xFFFD;
}

/* Does the paragraph begin with an opening mark of this type? */
static int starts_with(const char *text, size_t start, size_t end,
                       enum mark_type type) {
  size_t width = 0;
  utf8proc_int32_t cp = next_codepoint(text, start, end, &width);
  switch (type) {
  case MARK_CURLY_DOUBLE:
    return cp == 0x201C;
  case MARK_STRAIGHT_DOUBLE:
    return cp == '"';
  case MARK_GUILLEMET:
    return cp == 0x00AB;
  case MARK_CURLY_SINGLE:
    return cp == 0x2018;
  case MARK_STRAIGHT_SINGLE:
    return 0; /* an unclosed ' is an apostrophe ("'90s"), never continued */
  }
  return 0;
}

static int compare_start(const void *a, const void *b) {
  const struct quote *x = a, *y = b;
  if (x->start != y->start) {
    return x->start < y->start ? -1 : 1;
  }
  return x->depth - y->depth;
}

int quotes_find(const struct text_doc *doc, struct quote **quotes,
                size_t *count) {
  struct quote_list list = {0};
  const char *text = doc->text;
  for (size_t p = 0; p < doc->paragraph_count; p++) {
    size_t start = doc->paragraphs[p].start, end = doc->paragraphs[p].end;
    struct open_mark stack[MAX_DEPTH];
    int depth = 0;
    utf8proc_int32_t previous = ' ';
    size_t at = start;
    while (at < end) {
      size_t width = 0;
      utf8proc_int32_t cp = next_codepoint(text, at, end, &width);
      size_t next_width = 0;
      utf8proc_int32_t next =
          next_codepoint(text, at + width, end, &next_width);
      int opener = -1, closer = -1;
      switch (cp) {
      case 0x201C:
        opener = MARK_CURLY_DOUBLE;
        break;
      case 0x201D:
        closer = MARK_CURLY_DOUBLE;
        break;
      case 0x00AB:
        opener = MARK_GUILLEMET;
        break;
      case 0x00BB:
        closer = MARK_GUILLEMET;
        break;
      case 0x2018:
        if (!is_letter(previous)) {
          opener = MARK_CURLY_SINGLE;
        }
        break;
      case 0x2019:
        /* An apostrophe unless it follows a non-letter-run and is not
           followed by a letter ("Russia’s", "don’t" are apostrophes). */
        if (!is_letter(next)) {
          closer = MARK_CURLY_SINGLE;
        }
        break;
      case '\'': {
        /* Opens before a word after a non-word ("said: 'We ..."), closes
           after a word before a non-word ("... Istanbul,' he"); inside a
           word ("don't") it is an apostrophe. An opening one left unclosed
           in its paragraph is dropped like any unbalanced mark. */
        int open_single = 0;
        for (int i = depth - 1; i >= 0; i--) {
          open_single |= stack[i].type == MARK_STRAIGHT_SINGLE;
        }
        /* A closing one follows the quotation's last punctuation
           ("Istanbul,' he") or comes before punctuation ("Istanbul'.");
           after a letter and before a word it is a plural possessive
           ("the allies' demands"). An opening one comes before a letter,
           not a digit ("the '90s"). */
        int word_before = is_letter(previous);
        int punct_before = previous == ',' || previous == '.' ||
                           previous == '!' || previous == '?';
        int letter_after = is_letter(next) && !(next >= '0' && next <= '9');
        int punct_after = next == ',' || next == '.' || next == ';' ||
                          next == ':' || next == '!' || next == '?' ||
                          next == 0x2014 || next == ')' || next == 0xFFFD ||
                          at + width >= end;
        if (!word_before && !punct_before && letter_after) {
          opener = MARK_STRAIGHT_SINGLE;
        } else if (open_single && !is_letter(next) &&
                   (punct_before || (word_before && punct_after))) {
          closer = MARK_STRAIGHT_SINGLE;
        }
        break;
      }
      case '"': {
        int open_straight = 0;
        for (int i = depth - 1; i >= 0; i--) {
          open_straight |= stack[i].type == MARK_STRAIGHT_DOUBLE;
        }
        if (open_straight && !(is_letter(next) && !is_letter(previous))) {
          closer = MARK_STRAIGHT_DOUBLE;
        } else {
          opener = MARK_STRAIGHT_DOUBLE;
        }
        break;
      }
      default:
        break;
      }
      if (opener >= 0 && depth < MAX_DEPTH) {
        stack[depth].type = (enum mark_type)opener;
        stack[depth].start = at;
        stack[depth].inner_start = at + width;
        depth++;
      } else if (closer >= 0) {
        int match = -1;
        for (int i = depth - 1; i >= 0; i--) {
          if (stack[i].type == (enum mark_type)closer) {
            match = i;
            break;
          }
        }
        if (match >= 0) {
          /* Marks opened inside and never closed are dropped: unbalanced. */
          struct quote quote = {.start = stack[match].start,
                                .end = at + width,
                                .inner_start = stack[match].inner_start,
                                .inner_end = at,
                                .depth = match,
                                .closed = 1};
          if (add(&list, &quote) != 0) {
            free(list.items);
            return -1;
          }
          depth = match;
        }
      }
      previous = cp;
      at += width;
    }
    /* Unclosed at the paragraph end: a quotation only when the next
       paragraph opens with the same mark (the multi-paragraph style). */
    for (int i = 0; i < depth; i++) {
      if (p + 1 < doc->paragraph_count &&
          starts_with(text, doc->paragraphs[p + 1].start,
                      doc->paragraphs[p + 1].end, stack[i].type)) {
        struct quote quote = {.start = stack[i].start,
                              .end = end,
                              .inner_start = stack[i].inner_start,
                              .inner_end = end,
                              .depth = i,
                              .closed = 0,
                              .continues = 1};
        if (add(&list, &quote) != 0) {
          free(list.items);
          return -1;
        }
      }
      break; /* inner unclosed marks of an outer one are not kept */
    }
  }
  if (list.count > 1) {
    qsort(list.items, list.count, sizeof(*list.items), compare_start);
  }
  *quotes = list.items;
  *count = list.count;
  return 0;
}

long quotes_at(const struct quote *quotes, size_t count, size_t offset) {
  /* Binary search for the last quotation starting at or before offset. */
  size_t low = 0, high = count;
  while (low < high) {
    size_t middle = (low + high) / 2;
    if (quotes[middle].start <= offset) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  /* Outermost ones may start earlier than nested ones: look back a little. */
  for (size_t i = low; i > 0; i--) {
    const struct quote *quote = &quotes[i - 1];
    if (quote->depth == 0 && offset >= quote->inner_start &&
        offset < quote->inner_end) {
      return (long)(i - 1);
    }
    if (quote->depth == 0 && quote->end <= offset) {
      break;
    }
  }
  return -1;
}
