/* The dry-run JSON written straight from a result, without building a
   jansson tree: the layout of json_dumps with JSON_INDENT(n) (or
   JSON_COMPACT for n = 0), keys in the same order, strings escaped the same
   way; reals are written in their shortest form that reads back exactly
   (jansson writes 17 digits). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"

struct out {
  char *data;
  size_t length;
  size_t capacity;
  int failed;
  int indent; /* spaces per level; 0 = compact */
};

static void reserve(struct out *o, size_t more) {
  if (o->failed || o->length + more <= o->capacity) {
    return;
  }
  size_t capacity = o->capacity ? o->capacity * 2 : 16384;
  while (capacity < o->length + more) {
    capacity *= 2;
  }
  char *data = realloc(o->data, capacity);
  if (data == NULL) {
    o->failed = 1;
    return;
  }
  o->data = data;
  o->capacity = capacity;
}

static void put(struct out *o, const char *bytes, size_t length) {
  reserve(o, length);
  if (!o->failed) {
    memcpy(o->data + o->length, bytes, length);
    o->length += length;
  }
}

#define PUT_LITERAL(o, s) put((o), (s), sizeof(s) - 1)

static void newline(struct out *o, int depth) {
  if (o->indent == 0) {
    return;
  }
  size_t n = 1 + (size_t)depth * (size_t)o->indent;
  reserve(o, n);
  if (!o->failed) {
    o->data[o->length] = '\n';
    memset(o->data + o->length + 1, ' ', n - 1);
    o->length += n;
  }
}

static void string(struct out *o, const char *s) {
  if (s == NULL) {
    PUT_LITERAL(o, "null");
    return;
  }
  size_t length = strlen(s);
  reserve(o, length * 6 + 2); /* the worst case: every byte \u00XX */
  if (o->failed) {
    return;
  }
  char *w = o->data + o->length;
  *w++ = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
    unsigned char c = *p;
    if (c >= 0x20 && c != '"' && c != '\\') {
      *w++ = (char)c;
      continue;
    }
    *w++ = '\\';
    switch (c) {
    case '"':
    case '\\':
      *w++ = (char)c;
      break;
    case '\b':
      *w++ = 'b';
      break;
    case '\f':
      *w++ = 'f';
      break;
    case '\n':
      *w++ = 'n';
      break;
    case '\r':
      *w++ = 'r';
      break;
    case '\t':
      *w++ = 't';
      break;
    default: {
      static const char hex[] = "0123456789ABCDEF";
      *w++ = 'u';
      *w++ = '0';
      *w++ = '0';
      *w++ = hex[c >> 4];
      *w++ = hex[c & 15];
      break;
    }
    }
  }
  *w++ = '"';
  o->length = (size_t)(w - o->data);
}

static void key(struct out *o, int depth, int first, const char *name) {
  if (!first) {
    PUT_LITERAL(o, ",");
  }
  newline(o, depth);
  string(o, name);
  if (o->indent) {
    PUT_LITERAL(o, ": ");
  } else {
    PUT_LITERAL(o, ":");
  }
}

static void integer(struct out *o, size_t value) {
  char buffer[32];
  int n = snprintf(buffer, sizeof(buffer), "%zu", value);
  put(o, buffer, (size_t)n);
}

static void real(struct out *o, double value) {
  char buffer[40];
  int n = snprintf(buffer, sizeof(buffer), "%.15g", value);
  if (strtod(buffer, NULL) != value) {
    n = snprintf(buffer, sizeof(buffer), "%.17g", value);
  }
  put(o, buffer, (size_t)n);
  if (strpbrk(buffer, ".eEn") == NULL) {
    PUT_LITERAL(o, ".0"); /* stays a real when read back */
  }
}

static void strings(struct out *o, int depth, char *const *items,
                    size_t count) {
  PUT_LITERAL(o, "[");
  for (size_t i = 0; i < count; i++) {
    if (i > 0) {
      PUT_LITERAL(o, ",");
    }
    newline(o, depth + 1);
    string(o, items[i]);
  }
  if (count > 0) {
    newline(o, depth);
  }
  PUT_LITERAL(o, "]");
}

static void write_article(struct out *o, const struct extract_article *a) {
  PUT_LITERAL(o, "{");
  key(o, 2, 1, "title");
  string(o, a->title);
  key(o, 2, 0, "published");
  string(o, a->published);
  key(o, 2, 0, "authors");
  strings(o, 2, a->authors, a->author_count);
  key(o, 2, 0, "dateline");
  string(o, a->dateline);
  key(o, 2, 0, "updated");
  string(o, a->updated);
  key(o, 2, 0, "sha256");
  string(o, a->sha256);
  newline(o, 1);
  PUT_LITERAL(o, "}");
}

static void write_party(struct out *o, const struct extract_party *p) {
  PUT_LITERAL(o, "{");
  key(o, 3, 1, "name");
  string(o, p->name);
  key(o, 3, 0, "kind");
  string(o, p->kind);
  key(o, 3, 0, "aliases");
  strings(o, 3, p->aliases, p->alias_count);
  key(o, 3, 0, "affiliation");
  string(o, p->affiliation);
  if (strcmp(p->kind, "person") == 0) {
    key(o, 3, 0, "role");
    string(o, p->role);
  }
  newline(o, 2);
  PUT_LITERAL(o, "}");
}

static void write_claim(struct out *o, const struct extract_claim *c) {
  PUT_LITERAL(o, "{");
  key(o, 3, 1, "start");
  integer(o, c->start);
  key(o, 3, 0, "end");
  integer(o, c->end);
  key(o, 3, 0, "text");
  string(o, c->text);
  key(o, 3, 0, "speaker");
  string(o, c->speaker);
  key(o, 3, 0, "party");
  string(o, c->party);
  key(o, 3, 0, "issues");
  strings(o, 3, c->issues, c->issue_count);
  key(o, 3, 0, "stance");
  string(o, extract_stance_name(c->stance));
  key(o, 3, 0, "quote");
  if (c->quote) {
    PUT_LITERAL(o, "true");
  } else {
    PUT_LITERAL(o, "false");
  }
  key(o, 3, 0, "stated_on");
  string(o, c->stated_on[0] ? c->stated_on : NULL);
  key(o, 3, 0, "cue");
  if (c->cue.word != NULL) {
    PUT_LITERAL(o, "{");
    key(o, 4, 1, "word");
    string(o, c->cue.word);
    key(o, 4, 0, "start");
    integer(o, c->cue.start);
    key(o, 4, 0, "end");
    integer(o, c->cue.end);
    newline(o, 3);
    PUT_LITERAL(o, "}");
  } else {
    PUT_LITERAL(o, "null");
  }
  key(o, 3, 0, "cameo");
  string(o, c->cameo);
  key(o, 3, 0, "confidence");
  real(o, c->confidence);
  newline(o, 2);
  PUT_LITERAL(o, "}");
}

int extract_result_write_json(const struct extract_result *result, FILE *stream,
                              int indent) {
  struct out o = {.indent = indent > 0 ? indent : 0};
  PUT_LITERAL(&o, "{");
  key(&o, 1, 1, "article");
  write_article(&o, &result->article);
  key(&o, 1, 0, "parties");
  PUT_LITERAL(&o, "[");
  for (size_t i = 0; i < result->party_count; i++) {
    if (i > 0) {
      PUT_LITERAL(&o, ",");
    }
    newline(&o, 2);
    write_party(&o, &result->parties[i]);
  }
  if (result->party_count > 0) {
    newline(&o, 1);
  }
  PUT_LITERAL(&o, "]");
  key(&o, 1, 0, "claims");
  PUT_LITERAL(&o, "[");
  for (size_t i = 0; i < result->claim_count; i++) {
    if (i > 0) {
      PUT_LITERAL(&o, ",");
    }
    newline(&o, 2);
    write_claim(&o, &result->claims[i]);
  }
  if (result->claim_count > 0) {
    newline(&o, 1);
  }
  PUT_LITERAL(&o, "]");
  newline(&o, 0);
  PUT_LITERAL(&o, "}\n");
  int status = -1;
  if (!o.failed && fwrite(o.data, 1, o.length, stream) == o.length) {
    status = 0;
  }
  free(o.data);
  return status;
}
