/* Sentence splitting with ICU (UTF-16) mapped back to UTF-8 offsets. */
#include "sentences.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/utf16.h>
#include <utf8proc.h>

struct sentence_list {
  struct sentence *items;
  size_t count;
  size_t capacity;
};

static int add(struct sentence_list *list, const char *text, size_t start,
               size_t end, size_t paragraph) {
  while (start < end && (text[start] == ' ' || text[start] == '\t')) {
    start++;
  }
  while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t' ||
                         text[end - 1] == '\n')) {
    end--;
  }
  if (start == end) {
    return 0;
  }
  if (list->count == list->capacity) {
    size_t next = list->capacity ? list->capacity * 2 : 64;
    struct sentence *items = realloc(list->items, next * sizeof(*items));
    if (items == NULL) {
      return -1;
    }
    list->items = items;
    list->capacity = next;
  }
  list->items[list->count].start = start;
  list->items[list->count].end = end;
  list->items[list->count].paragraph = paragraph;
  list->count++;
  return 0;
}

/* Is the word before the period a dotted abbreviation ("U.A.E.", "a.m.",
   an initial "F.")? Such words end a sentence like an acronym of the
   lexicon: only before a word that opens one. An acronym without internal
   dots ("NATO.", "IAEA.") is an ordinary word and ends the sentence. */
static int is_dotted(const char *text, size_t start, size_t end) {
  size_t letters = 0;
  for (size_t i = start; i + 1 < end; i++) {
    if (text[i] == '.') {
      return 1;
    }
    letters += isalpha((unsigned char)text[i]) != 0;
  }
  return letters == 1 && isupper((unsigned char)text[start]);
}

/* Opening quotation marks and brackets before a word: '"', '(', '[', and
   U+201C “ and U+2018 ‘. */
static size_t skip_openers(const char *text, size_t start, size_t end) {
  while (start < end) {
    if (text[start] == '"' || text[start] == '(' || text[start] == '[') {
      start++;
    } else if (start + 3 <= end && (unsigned char)text[start] == 0xE2 &&
               (unsigned char)text[start + 1] == 0x80 &&
               ((unsigned char)text[start + 2] == 0x9C ||
                (unsigned char)text[start + 2] == 0x98)) {
      start += 3;
    } else {
      break;
    }
  }
  return start;
}

/* Should the break at offset b (after white space following the previous
   sentence) be ignored because an abbreviation ends the previous text? A
   title ("Gen.", "Mr.") never ends a sentence; an acronym or other
   abbreviation of the lexicon ("U.S.", "Dec.", "Inc.") and any dotted
   abbreviation end one only before a word that opens sentences ("The",
   "He"): "U.S. President" runs on, "in the U.S. The talks" breaks. Any
   other word before the period ends the sentence. */
static int after_abbreviation(const struct extract_lexicon *lexicon,
                              const char *text, size_t start, size_t b,
                              size_t end) {
  size_t word_end = b;
  while (word_end > start &&
         (text[word_end - 1] == ' ' || text[word_end - 1] == '\n')) {
    word_end--;
  }
  size_t word_start = word_end;
  while (word_start > start && text[word_start - 1] != ' ' &&
         text[word_start - 1] != '\n') {
    word_start--;
  }
  word_start = skip_openers(text, word_start, word_end);
  if (word_end == word_start || text[word_end - 1] != '.') {
    return 0;
  }
  int kind = lexicon_map_get(&lexicon->abbreviations, text + word_start,
                             word_end - word_start);
  if (kind == 1) {
    return 1; /* a title never ends a sentence */
  }
  if (kind < 0 && !is_dotted(text, word_start, word_end)) {
    return 0;
  }
  size_t next_start = b;
  while (next_start < end && text[next_start] == ' ') {
    next_start++;
  }
  size_t next_end = next_start;
  while (next_end < end && isalpha((unsigned char)text[next_end])) {
    next_end++;
  }
  if (next_end == next_start) {
    /* A quotation or a dash after the abbreviation opens a sentence. */
    return 0;
  }
  if (next_end - next_start > 32) {
    return 1;
  }
  char word[33];
  for (size_t i = 0; i < next_end - next_start; i++) {
    word[i] = (char)tolower((unsigned char)text[next_start + i]);
  }
  int classes =
      lexicon_map_get(&lexicon->word_classes, word, next_end - next_start);
  return classes < 0 || !(classes & LEXICON_WORD_OPENER);
}

int sentences_split(const struct extract_lexicon *lexicon,
                    const struct text_doc *doc, const struct quote *quotes,
                    size_t quote_count, struct sentence **sentences,
                    size_t *count, char *error, size_t error_size) {
  struct sentence_list list = {0};
  UChar *units = NULL;
  size_t *unit_offset = NULL;
  size_t unit_capacity = 0;
  UBreakIterator *breaker = NULL;
  int result = EXTRACT_ERROR_MEMORY;
  UErrorCode status = U_ZERO_ERROR;
  breaker = ubrk_clone(lexicon->sentence_template, &status);
  if (U_FAILURE(status)) {
    snprintf(error, error_size, "ICU: %s", u_errorName(status));
    result = EXTRACT_ERROR_INTERNAL;
    goto cleanup;
  }
  const char *text = doc->text;
  for (size_t p = 0; p < doc->paragraph_count; p++) {
    size_t start = doc->paragraphs[p].start, end = doc->paragraphs[p].end;
    size_t need = end - start + 1; /* UTF-16 never has more units than bytes */
    if (units == NULL || unit_offset == NULL || need > unit_capacity) {
      UChar *more_units = realloc(units, need * sizeof(*units));
      if (more_units == NULL) {
        goto cleanup;
      }
      units = more_units;
      size_t *more_offsets = realloc(unit_offset, need * sizeof(*unit_offset));
      if (more_offsets == NULL) {
        goto cleanup;
      }
      unit_offset = more_offsets;
      unit_capacity = need;
    }
    int32_t length = 0;
    for (size_t at = start; at < end;) {
      utf8proc_int32_t cp = (unsigned char)text[at];
      utf8proc_ssize_t n = 1;
      if (cp >= 0x80) {
        n = utf8proc_iterate((const utf8proc_uint8_t *)text + at,
                             (utf8proc_ssize_t)(end - at), &cp);
      }
      if (n <= 0) {
        cp = 0xFFFD;
        n = 1;
      }
      if (cp > 0xFFFF) {
        unit_offset[length] = at;
        units[length++] = U16_LEAD(cp);
        unit_offset[length] = at;
        units[length++] = U16_TRAIL(cp);
      } else {
        unit_offset[length] = at;
        units[length++] = (UChar)cp;
      }
      at += (size_t)n;
    }
    unit_offset[length] = end;
    ubrk_setText(breaker, units, length, &status);
    if (U_FAILURE(status)) {
      snprintf(error, error_size, "ICU: %s", u_errorName(status));
      result = EXTRACT_ERROR_INTERNAL;
      goto cleanup;
    }
    size_t sentence_start = start;
    for (int32_t b = ubrk_next(breaker); b != UBRK_DONE;
         b = ubrk_next(breaker)) {
      size_t offset = unit_offset[b];
      if (offset < end) {
        if (after_abbreviation(lexicon, text, sentence_start, offset, end)) {
          continue;
        }
        /* Inside a quotation: keep going to its close. */
        size_t before = offset;
        while (before > sentence_start && text[before - 1] == ' ') {
          before--;
        }
        if (before > sentence_start &&
            quotes_at(quotes, quote_count, before - 1) >= 0 &&
            quotes_at(quotes, quote_count, offset) >= 0) {
          continue;
        }
      }
      if (add(&list, text, sentence_start, offset, p) != 0) {
        goto cleanup;
      }
      sentence_start = offset;
    }
    if (sentence_start < end && add(&list, text, sentence_start, end, p) != 0) {
      goto cleanup;
    }
  }
  result = EXTRACT_OK;
cleanup:
  if (breaker != NULL) {
    ubrk_close(breaker);
  }
  free(units);
  free(unit_offset);
  if (result != EXTRACT_OK) {
    free(list.items);
    list.items = NULL;
    list.count = 0;
    if (result == EXTRACT_ERROR_MEMORY) {
      snprintf(error, error_size, "out of memory");
    }
  }
  *sentences = list.items;
  *count = list.count;
  return result;
}
