/* Validates and normalises article bytes, keeps the offset map back to the
   input, reads the metadata lines and leaves the body paragraphs. */
#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

int text_validate(const char *bytes, size_t length, char *error,
                  size_t error_size) {
  if (length > EXTRACT_MAX_INPUT) {
    snprintf(error, error_size, "input of %zu bytes is over the limit of %u",
             length, EXTRACT_MAX_INPUT);
    return EXTRACT_ERROR_TOO_LARGE;
  }
  const unsigned char *p = (const unsigned char *)bytes;
  size_t i = 0;
  int visible = 0;
  while (i < length) {
    unsigned char c = p[i];
    if (c == 0) {
      snprintf(error, error_size, "binary input: NUL byte at offset %zu", i);
      return EXTRACT_ERROR_BINARY;
    }
    if (c < 0x80) {
      if (!isspace(c)) {
        visible = 1;
      }
      i++;
      continue;
    }
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n =
        utf8proc_iterate(p + i, (utf8proc_ssize_t)(length - i), &cp);
    if (n <= 0) {
      snprintf(error, error_size, "invalid UTF-8 at byte offset %zu", i);
      return EXTRACT_ERROR_INVALID_UTF8;
    }
    if (cp != 0xFEFF && cp != 0xA0 && cp != 0x2028 && cp != 0x2029 &&
        utf8proc_category(cp) != UTF8PROC_CATEGORY_ZS) {
      visible = 1;
    }
    i += (size_t)n;
  }
  if (!visible) {
    snprintf(error, error_size, "empty input");
    return EXTRACT_ERROR_EMPTY;
  }
  return EXTRACT_OK;
}

/* Copies bytes without a leading BOM, with CRLF, CR and U+2028/9 as LF, and
   records for every output byte the input offset it came from. */
static int normalise(struct text_doc *doc, const char *bytes, size_t length) {
  /* Zeroed, so that no byte past what is copied is ever indeterminate. */
  doc->text = calloc(length + 1, 1);
  doc->input_offset = malloc((length + 1) * sizeof(*doc->input_offset));
  if (doc->text == NULL || doc->input_offset == NULL) {
    return -1;
  }
  size_t in = 0, out = 0;
  if (length >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0) {
    in = 3;
  }
  while (in < length) {
    unsigned char c = (unsigned char)bytes[in];
    if (c == '\r') {
      doc->input_offset[out] = in;
      doc->text[out++] = '\n';
      in += (in + 1 < length && bytes[in + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c == 0xE2 && in + 2 < length && (unsigned char)bytes[in + 1] == 0x80 &&
        ((unsigned char)bytes[in + 2] == 0xA8 ||
         (unsigned char)bytes[in + 2] == 0xA9)) {
      doc->input_offset[out] = in;
      doc->text[out++] = '\n';
      in += 3;
      continue;
    }
    doc->input_offset[out] = in;
    doc->text[out++] = (char)c;
    in++;
  }
  doc->input_offset[out] = length;
  doc->text[out] = '\0';
  doc->length = out;
  return 0;
}

static int is_space_at(const char *text, size_t at, size_t end, size_t *width) {
  unsigned char c = (unsigned char)text[at];
  if (c == ' ' || c == '\t' || c == '\n') {
    *width = 1;
    return 1;
  }
  if (c == 0xC2 && at + 1 < end && (unsigned char)text[at + 1] == 0xA0) {
    *width = 2;
    return 1;
  }
  return 0;
}

static void trim(const char *text, size_t *start, size_t *end) {
  size_t width = 0;
  while (*start < *end && is_space_at(text, *start, *end, &width)) {
    *start += width;
  }
  while (*end > *start) {
    unsigned char c = (unsigned char)text[*end - 1];
    if (c == ' ' || c == '\t' || c == '\n') {
      (*end)--;
    } else if (c == 0xA0 && *end - 1 > *start &&
               (unsigned char)text[*end - 2] == 0xC2) {
      *end -= 2;
    } else {
      break;
    }
  }
}

static int calendar_value(const struct extract_lexicon *lexicon,
                          const char *word, size_t length, int kind) {
  int value = lexicon_map_get(&lexicon->calendar, word, length);
  if (value < 0 || value / 100 != kind) {
    return -1;
  }
  return value % 100 - 50;
}

static size_t read_number(const char *text, size_t length, size_t at,
                          int *value, size_t max_digits) {
  size_t n = 0;
  *value = 0;
  while (at + n < length && n < max_digits &&
         isdigit((unsigned char)text[at + n])) {
    *value = *value * 10 + (text[at + n] - '0');
    n++;
  }
  return n;
}

static size_t read_word(const char *text, size_t length, size_t at) {
  size_t n = 0;
  while (at + n < length &&
         (isalpha((unsigned char)text[at + n]) || text[at + n] == '.')) {
    n++;
  }
  return n;
}

static size_t skip_blanks(const char *text, size_t length, size_t at) {
  while (at < length && (text[at] == ' ' || text[at] == ',')) {
    at++;
  }
  return at;
}

static size_t skip_spaces(const char *text, size_t end, size_t at) {
  while (at < end && text[at] == ' ') {
    at++;
  }
  return at;
}

static int is_all_caps(const char *text, size_t start, size_t end) {
  for (size_t i = start; i < end; i++) {
    if (islower((unsigned char)text[i])) {
      return 0;
    }
  }
  return 1;
}

/* A valid day of the Gregorian calendar. */
/* The value of the first count decimal digits of text (fewer where a
   non-digit comes first): "2025-12-29" read in parts. */
static int digits_value(const char *text, size_t count) {
  int value = 0;
  for (size_t i = 0; i < count && isdigit((unsigned char)text[i]); i++) {
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

static int is_calendar_day(int year, int month, int day) {
  static const int month_days[] = {31, 29, 31, 30, 31, 30,
                                   31, 31, 30, 31, 30, 31};
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1 ||
      day > month_days[month - 1]) {
    return 0;
  }
  int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month != 2 || day <= 28 || leap;
}

bool extract_date_valid(const char *date) {
  if (date == NULL || strlen(date) != 10 || date[4] != '-' || date[7] != '-') {
    return false;
  }
  for (size_t i = 0; i < 10; i++) {
    if (i != 4 && i != 7 && !isdigit((unsigned char)date[i])) {
      return false;
    }
  }
  return is_calendar_day(digits_value(date, 4), digits_value(date + 5, 2),
                         digits_value(date + 8, 2));
}

/* After a day of the month: "st", "nd", "rd" or "th" ("December 2nd"). */
static size_t read_ordinal(const char *text, size_t length, size_t at) {
  static const char *const suffixes[] = {"st", "nd", "rd", "th"};
  for (size_t i = 0; i < 4; i++) {
    if (at + 2 <= length && memcmp(text + at, suffixes[i], 2) == 0 &&
        (at + 2 == length || !isalpha((unsigned char)text[at + 2]))) {
      return 2;
    }
  }
  return 0;
}

/* A four-digit year after blanks and commas; leaves *at unchanged and
 *year 0 when there is none. */
static void read_year(const char *text, size_t length, size_t *at, int *year) {
  size_t p = skip_blanks(text, length, *at);
  int value = 0;
  size_t n = read_number(text, length, p, &value, 5);
  if (n == 4 && (p + n == length || !isalnum((unsigned char)text[p + n]))) {
    *year = value;
    *at = p + n;
  }
}

/* "December 29", "Dec. 29, 2025", "29 December 2025", "2025-12-29": the
   month and day, and the year or 0 when none is written. Returns the bytes
   read or 0. */
static size_t parse_day(const struct extract_lexicon *lexicon, const char *text,
                        size_t length, int *year_out, int *month_out,
                        int *day_out) {
  int year = 0, month = 0, day = 0, number = 0;
  size_t n = read_number(text, length, 0, &number, 5);
  size_t at = 0;
  if (n == 4) {
    if (length < 10 || text[4] != '-' || text[7] != '-' ||
        read_number(text, length, 5, &month, 2) != 2 ||
        read_number(text, length, 8, &day, 2) != 2) {
      return 0;
    }
    year = number;
    at = 10;
  } else if (n >= 1 && n <= 2) {
    /* 29 December 2025 */
    day = number;
    at = skip_blanks(text, length, n + read_ordinal(text, length, n));
    size_t w = read_word(text, length, at);
    month = calendar_value(lexicon, text + at, w, LEXICON_CALENDAR_MONTH);
    at += w;
    read_year(text, length, &at, &year);
  } else if (n == 0) {
    /* December 29 2025, Dec. 29, 2025 */
    size_t w = read_word(text, length, 0);
    month = calendar_value(lexicon, text, w, LEXICON_CALENDAR_MONTH);
    at = skip_blanks(text, length, w);
    n = read_number(text, length, at, &day, 2);
    if (n == 0) {
      return 0;
    }
    at += n;
    at += read_ordinal(text, length, at);
    read_year(text, length, &at, &year);
  } else {
    return 0;
  }
  /* 2000, a leap year, when the year is not written: February 29 is a day. */
  if (!is_calendar_day(year ? year : 2000, month, day)) {
    return 0; /* the outputs stay as they were */
  }
  *year_out = year;
  *month_out = month;
  *day_out = day;
  return at;
}

size_t text_parse_date(const struct extract_lexicon *lexicon, const char *text,
                       size_t length, char out[11]) {
  int year = 0, month = 0, day = 0;
  size_t n = parse_day(lexicon, text, length, &year, &month, &day);
  if (n == 0 || year == 0) {
    return 0;
  }
  snprintf(out, 11, "%04u-%02u-%02u", (unsigned)year % 10000u,
           (unsigned)month % 100u, (unsigned)day % 100u);
  return n;
}

/* " date YYYY-MM-DD" at the start of a line. */
static size_t read_date_header(const struct extract_lexicon *lexicon,
                               const char *text, size_t start, size_t end,
                               char out[11]) {
  if (end - start < 15 || memcmp(text + start, "date", 4) != 0 ||
      text[start + 4] != ' ') {
    return 0;
  }
  size_t at = start + 5;
  while (at < end && text[at] == ' ') {
    at++;
  }
  if (end - at < 10 || text[at + 4] != '-') {
    return 0;
  }
  size_t n = text_parse_date(lexicon, text + at, end - at, out);
  return n ? at + n - start : 0;
}

/* After a header date, only a time and its zone may follow: "10:05",
   "10.00", "at", "a.m.", "GMT", "|". */
static int is_time_word(const char *text, size_t start, size_t end) {
  static const char *const words[] = {"at",   "am", "pm", "a.m.",
                                      "p.m.", "|",  "-"};
  for (size_t i = start; i < end; i++) {
    if (isdigit((unsigned char)text[i])) {
      return 1;
    }
  }
  if (end - start <= 5 && is_all_caps(text, start, end)) {
    return 1;
  }
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
    if (strlen(words[i]) == end - start &&
        memcmp(text + start, words[i], end - start) == 0) {
      return 1;
    }
  }
  return 0;
}

/* A header line that is the publication date: "December 19, 2025",
   "Published: Fri 19 Dec 2025 10.00 GMT", "Posted on Friday, 19 December
   2025 at 14:05". Writes the date to out and returns 1, or returns 0. */
static int read_date_line(const struct extract_lexicon *lexicon,
                          const char *text, size_t start, size_t end,
                          char out[11]) {
  static const char *const labels[] = {
      "First published on ", "First published: ",
      "Published on ",       "Published: ",
      "Posted on ",          "Posted: ",
      "Published ",          "Posted "};
  size_t at = start;
  for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
    size_t n = strlen(labels[i]);
    if (end - at > n && memcmp(text + at, labels[i], n) == 0) {
      at = skip_spaces(text, end, at + n);
      break;
    }
  }
  size_t w = read_word(text, end, at);
  size_t stem = w > 0 && text[at + w - 1] == '.' ? w - 1 : w;
  if (w > 0 &&
      calendar_value(lexicon, text + at, stem, LEXICON_CALENDAR_WEEKDAY) >= 0) {
    at = skip_blanks(text, end, at + w);
  }
  size_t n = text_parse_date(lexicon, text + at, end - at, out);
  if (n == 0) {
    return 0;
  }
  for (at += n; at < end;) {
    at = skip_blanks(text, end, at);
    size_t word_end = at;
    while (word_end < end && text[word_end] != ' ') {
      word_end++;
    }
    if (word_end > at && !is_time_word(text, at, word_end)) {
      return 0;
    }
    at = word_end;
  }
  return 1;
}

static size_t match_anchored(pcre2_code *pattern, pcre2_match_data *match,
                             const char *text, size_t start, size_t end) {
  int rc = pcre2_match(pattern, (PCRE2_SPTR)text + start, end - start, 0,
                       PCRE2_NO_UTF_CHECK, match, NULL);
  if (rc < 0) {
    return 0;
  }
  PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(match);
  return ovector[0] == 0 ? ovector[1] : 0;
}

static int matches(pcre2_code *pattern, pcre2_match_data *match,
                   const char *text, size_t start, size_t end) {
  return pcre2_match(pattern, (PCRE2_SPTR)text + start, end - start, 0,
                     PCRE2_NO_UTF_CHECK, match, NULL) >= 0;
}

static size_t count_words(const char *text, size_t start, size_t end) {
  size_t words = 0;
  int in_word = 0;
  for (size_t i = start; i < end; i++) {
    int space = text[i] == ' ' || text[i] == '\t';
    if (!space && !in_word) {
      words++;
    }
    in_word = !space;
  }
  return words;
}

/* Ends like a sentence: . ! ? : or a closing quotation mark. */
static int ends_sentence(const char *text, size_t start, size_t end) {
  if (end == start) {
    return 0;
  }
  char c = text[end - 1];
  if (c == '.' || c == '!' || c == '?' || c == ':' || c == '"' || c == ')') {
    return 1;
  }
  /* U+201D ” and U+2019 ’ */
  return end - start >= 3 && (unsigned char)text[end - 3] == 0xE2 &&
         (unsigned char)text[end - 2] == 0x80 &&
         ((unsigned char)text[end - 1] == 0x9D ||
          (unsigned char)text[end - 1] == 0x99);
}

static int is_name_word(const char *text, size_t start, size_t end) {
  return start < end && (isupper((unsigned char)text[start]) ||
                         (unsigned char)text[start] >= 0xC0);
}

/* "By A and B", "By A, B and C": returns 1 and stores the authors. */
static int read_byline(struct text_doc *doc, struct arena *arena,
                       const char *text, size_t start, size_t end) {
  if (end - start < 4 || memcmp(text + start, "By ", 3) != 0 ||
      count_words(text, start, end) > 16 || ends_sentence(text, start, end)) {
    return 0;
  }
  /* Every word is a capitalised name, a short particle or a joiner; "By the
     way, ..." is not a byline. */
  for (size_t at = start + 3; at < end;) {
    size_t word_end = at;
    while (word_end < end && text[word_end] != ' ' && text[word_end] != ',') {
      word_end++;
    }
    size_t n = word_end - at;
    int joiner = (n == 3 && memcmp(text + at, "and", 3) == 0) ||
                 (n == 1 && text[at] == '&');
    if (n > 0 && !joiner && !is_name_word(text, at, word_end) && n > 3) {
      return 0;
    }
    at = word_end + 1;
  }
  static const char *const separators[] = {", and ", ", ", " and ", " & "};
  const char *authors[16];
  size_t names = 0;
  size_t at = start + 3;
  while (at < end && names < 16) {
    size_t best = end, best_length = 0;
    for (size_t i = 0; i < 4; i++) {
      size_t n = strlen(separators[i]);
      for (size_t p = at; p + n <= end; p++) {
        if (memcmp(text + p, separators[i], n) == 0) {
          if (p < best || (p == best && n > best_length)) {
            best = p;
            best_length = n;
          }
          break;
        }
      }
    }
    size_t piece_start = at, piece_end = best;
    trim(text, &piece_start, &piece_end);
    if (piece_end > piece_start) {
      authors[names] =
          arena_strndup(arena, text + piece_start, piece_end - piece_start);
      if (authors[names] == NULL) {
        return 0;
      }
      names++;
    }
    at = best + best_length;
    if (best_length == 0) {
      break;
    }
  }
  if (names == 0) {
    return 0;
  }
  doc->authors = arena_alloc(arena, names * sizeof(*doc->authors));
  if (doc->authors == NULL) {
    return 0;
  }
  for (size_t i = 0; i < names; i++) {
    doc->authors[doc->author_count++] = authors[i];
  }
  return 1;
}

/* A place written in capitals or as a name, up to four words. */
static size_t read_place(const char *text, size_t start, size_t end) {
  size_t at = start;
  size_t words = 0;
  while (at < end && words < 4) {
    if (!is_name_word(text, at, end)) {
      break;
    }
    size_t word_end = at;
    while (word_end < end && text[word_end] != ' ' && text[word_end] != ',' &&
           text[word_end] != '(' && text[word_end] != ':') {
      word_end++;
    }
    words++;
    at = word_end;
    if (at + 1 < end && text[at] == ' ' && is_name_word(text, at + 1, end) &&
        (unsigned char)text[at + 1] != 0xE2) {
      at++;
      continue;
    }
    break;
  }
  return words > 0 ? at - start : 0;
}

static const char *place_name(struct arena *arena, const char *text,
                              size_t length) {
  char *name = arena_strndup(arena, text, length);
  if (name == NULL) {
    return NULL;
  }
  /* "BERLIN" becomes "Berlin"; "Kyiv" stays. */
  int all_caps = 1;
  for (size_t i = 0; i < length; i++) {
    if (islower((unsigned char)name[i])) {
      all_caps = 0;
    }
  }
  if (all_caps) {
    for (size_t i = 1; i < length; i++) {
      if (isalpha((unsigned char)name[i]) &&
          isalpha((unsigned char)name[i - 1])) {
        name[i] = (char)tolower((unsigned char)name[i]);
      }
    }
  }
  return name;
}

/* The day a dateline gives ("GENEVA, March 10 (Reuters) -"); year 0 when
   it names none. */
struct dateline_day {
  int year;
  int month;
  int day;
};

/* An em or en dash (E2 80 94 / E2 80 93) at at: 3, else 0. */
static size_t dash_at(const char *text, size_t end, size_t at) {
  return at + 3 <= end && (unsigned char)text[at] == 0xE2 &&
                 (unsigned char)text[at + 1] == 0x80 &&
                 ((unsigned char)text[at + 2] == 0x94 ||
                  (unsigned char)text[at + 2] == 0x93)
             ? 3
             : 0;
}

/* What ends a dateline before the story: a dash, "-" or "--" before a space,
   ".-" or ".—" (after the agency: "(EFE).-"), or a colon. Returns the bytes
   up to the story, or 0. */
static size_t read_dateline_end(const char *text, size_t end, size_t at,
                                int colon) {
  size_t start = at;
  if (at < end && text[at] == '.' && at + 1 < end &&
      (text[at + 1] == '-' || dash_at(text, end, at + 1))) {
    at++;
  }
  size_t dash = dash_at(text, end, at);
  if (dash > 0) {
    at += dash;
  } else if (at < end && text[at] == '-') {
    at += at + 1 < end && text[at + 1] == '-' ? 2 : 1;
  } else if (colon && at < end && text[at] == ':') {
    at++;
  } else {
    return 0;
  }
  if (at >= end || text[at] != ' ') {
    return 0;
  }
  return skip_spaces(text, end, at) - start;
}

/* "/TASS/." or "/ITAR-TASS/": an agency between slashes, then an optional
   period. Returns the bytes, or 0. */
static size_t read_slashed_agency(const char *text, size_t end, size_t at) {
  size_t start = at;
  if (at >= end || text[at] != '/') {
    return 0;
  }
  at++;
  while (at < end && at < start + 24 &&
         (isupper((unsigned char)text[at]) || text[at] == '-')) {
    at++;
  }
  if (at >= end || text[at] != '/' || at == start + 1) {
    return 0;
  }
  at++;
  if (at < end && text[at] == '.') {
    at++;
  }
  if (at < end && text[at] != ' ') {
    return 0;
  }
  return skip_spaces(text, end, at) - start;
}

/* The opening of a wire story: "Kyiv — ", "BERLIN (AP) — ", "DOHA, Qatar
   (Reuters) — ", "GENEVA, March 10 (Reuters) - ", "MOSCOW, December 19.
   /TASS/. ", "Brussels (EFE).- ", "ISTANBUL: ". Returns the bytes the
   dateline takes (0 when there is none) and sets doc->dateline and *day. */
static size_t read_dateline(struct text_doc *doc, struct arena *arena,
                            const struct extract_lexicon *lexicon,
                            const char *text, size_t start, size_t end,
                            struct dateline_day *day) {
  size_t place = read_place(text, start, end);
  if (place == 0) {
    return 0;
  }
  struct dateline_day found = {0, 0, 0};
  size_t at = start + place;
  int region_read = 0;
  /* ", Qatar" (a region or country), ", March 10" (the day), in turn. */
  while (at + 1 < end && text[at] == ',' && text[at + 1] == ' ') {
    size_t next = skip_spaces(text, end, at + 1);
    size_t n = 0;
    if (found.month == 0 &&
        (n = parse_day(lexicon, text + next, end - next, &found.year,
                       &found.month, &found.day)) > 0) {
      at = next + n;
    } else if (!region_read && found.month == 0 &&
               (n = read_place(text, next, end)) > 0) {
      region_read = 1;
      at = next + n;
    } else {
      return 0;
    }
  }
  size_t after_day = at;
  if (found.month != 0 && at < end && text[at] == '.') {
    after_day = skip_spaces(text, end, at + 1);
  }
  size_t slashed = read_slashed_agency(text, end, after_day);
  if (slashed > 0) {
    at = after_day + slashed;
  } else {
    at = skip_spaces(text, end, at);
    int agency = 0;
    if (at < end && text[at] == '(') {
      size_t close = at + 1;
      while (close < end && close < at + 24 && text[close] != ')') {
        close++;
      }
      if (close >= end || text[close] != ')') {
        return 0;
      }
      at = close + 1;
      agency = 1;
      /* "(EFE).-" closes up; "(AP) —" takes a space. */
      if (at < end && text[at] == ' ') {
        at = skip_spaces(text, end, at);
      }
    }
    /* A colon ends only a dateline in capitals or with its agency, so that
       "Russia: the talks" stays prose. */
    size_t n = read_dateline_end(
        text, end, at, agency || is_all_caps(text, start, start + place));
    if (n == 0) {
      return 0;
    }
    at += n;
  }
  doc->dateline = place_name(arena, text + start, place);
  *day = found;
  return at - start;
}

/* The published date from the dateline's day: its own year, else the
   year of the header's update note, a year earlier when the day would fall
   after the update. Without a year the date stays unknown. Returns -1 when
   out of memory. */
static int dateline_published(struct text_doc *doc, struct arena *arena,
                              const struct dateline_day *day) {
  int year = day->year;
  if (year == 0 && doc->updated != NULL) {
    int updated_year = digits_value(doc->updated, 4);
    int updated_month = digits_value(doc->updated + 5, 2);
    int updated_day = digits_value(doc->updated + 8, 2);
    year = updated_year;
    if (day->month > updated_month ||
        (day->month == updated_month && day->day > updated_day)) {
      year--;
    }
  }
  if (!is_calendar_day(year, day->month, day->day)) {
    return 0;
  }
  char date[11];
  snprintf(date, sizeof date, "%04u-%02u-%02u", (unsigned)year % 10000u,
           (unsigned)day->month % 100u, (unsigned)day->day % 100u);
  doc->published = arena_strdup(arena, date);
  return doc->published == NULL ? -1 : 0;
}

static int add_paragraph(struct text_doc *doc, size_t *capacity, size_t start,
                         size_t end) {
  if (doc->paragraph_count == *capacity) {
    size_t next = *capacity ? *capacity * 2 : 32;
    struct text_span *spans = realloc(doc->paragraphs, next * sizeof(*spans));
    if (spans == NULL) {
      return -1;
    }
    doc->paragraphs = spans;
    *capacity = next;
  }
  doc->paragraphs[doc->paragraph_count].start = start;
  doc->paragraphs[doc->paragraph_count].end = end;
  doc->paragraph_count++;
  return 0;
}

int text_doc_build(struct text_doc *doc, const struct extract_lexicon *lexicon,
                   struct arena *arena, const char *bytes, size_t length,
                   char *error, size_t error_size) {
  memset(doc, 0, sizeof(*doc));
  pcre2_match_data *match = NULL;
  size_t capacity = 0;
  if (normalise(doc, bytes, length) != 0) {
    goto out_of_memory;
  }
  match = pcre2_match_data_create(4, NULL);
  if (match == NULL) {
    goto out_of_memory;
  }
  const char *text = doc->text;
  size_t line_start = 0;
  int body_started = 0;
  int dateline_tried = 0;
  struct dateline_day dateline_day = {0, 0, 0};
  while (line_start < doc->length) {
    const char *newline =
        memchr(text + line_start, '\n', doc->length - line_start);
    size_t line_end = newline ? (size_t)(newline - text) : doc->length;
    size_t start = line_start, end = line_end;
    line_start = line_end + 1;
    trim(text, &start, &end);
    if (start == end) {
      continue;
    }
    char date[11];
    if (doc->published == NULL) {
      size_t n = read_date_header(lexicon, text, start, end, date);
      if (n > 0) {
        doc->published = arena_strdup(arena, date);
        start += n;
        trim(text, &start, &end);
      }
    }
    /* Boilerplate phrases at the start of the line ("Share current article
       via Email ..."), as many as there are. */
    for (int again = 1; again && start < end;) {
      again = 0;
      for (size_t i = 0; i < lexicon->boilerplate_count; i++) {
        if (lexicon->boilerplate[i].whole_line) {
          continue;
        }
        size_t n = match_anchored(lexicon->boilerplate[i].pattern, match, text,
                                  start, end);
        if (n > 0) {
          start += n;
          trim(text, &start, &end);
          again = 1;
        }
      }
    }
    if (start == end) {
      continue;
    }
    int boilerplate = 0;
    for (size_t i = 0; i < lexicon->boilerplate_count && !boilerplate; i++) {
      boilerplate =
          lexicon->boilerplate[i].whole_line &&
          matches(lexicon->boilerplate[i].pattern, match, text, start, end);
    }
    if (boilerplate) {
      continue;
    }
    /* Update notes: "Update: December 29 2025", "Updated: ...". */
    static const char *const update_prefixes[] = {
        "Update:", "Updated:", "Updated", "Last updated:"};
    int update = 0;
    for (size_t i = 0; i < 4 && !update; i++) {
      size_t n = strlen(update_prefixes[i]);
      if (end - start > n &&
          strncmp(text + start, update_prefixes[i], n) == 0) {
        size_t at = start + n;
        while (at < end && text[at] == ' ') {
          at++;
        }
        if (text_parse_date(lexicon, text + at, end - at, date) > 0) {
          doc->updated = arena_strdup(arena, date);
          update = 1;
        }
      }
    }
    if (update) {
      continue;
    }
    if (!body_started && read_date_line(lexicon, text, start, end, date)) {
      if (doc->published == NULL) {
        doc->published = arena_strdup(arena, date);
      }
      continue;
    }
    if (!body_started && doc->author_count == 0 &&
        read_byline(doc, arena, text, start, end)) {
      continue;
    }
    size_t words = count_words(text, start, end);
    if (!ends_sentence(text, start, end) && words <= (body_started ? 12 : 20)) {
      /* A heading: the first one before the body is the title; the others
         are section headings, not prose. Inside the body a heading is short;
         a longer line without a full stop is prose cut short. */
      if (!body_started && doc->title == NULL) {
        doc->title = arena_strndup(arena, text + start, end - start);
      }
      continue;
    }
    if (!dateline_tried) {
      dateline_tried = 1;
      start +=
          read_dateline(doc, arena, lexicon, text, start, end, &dateline_day);
    }
    body_started = 1;
    if (add_paragraph(doc, &capacity, start, end) != 0) {
      goto out_of_memory;
    }
  }
  if (doc->published == NULL && dateline_day.month != 0 &&
      dateline_published(doc, arena, &dateline_day) != 0) {
    goto out_of_memory;
  }
  pcre2_match_data_free(match);
  return EXTRACT_OK;
out_of_memory:
  pcre2_match_data_free(match);
  text_doc_free(doc);
  snprintf(error, error_size, "out of memory");
  return EXTRACT_ERROR_MEMORY;
}

void text_doc_free(struct text_doc *doc) {
  free(doc->text);
  free(doc->input_offset);
  free(doc->paragraphs);
  doc->text = NULL;
  doc->input_offset = NULL;
  doc->paragraphs = NULL;
  doc->paragraph_count = 0;
}
