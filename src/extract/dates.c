/* Resolves relative day references against the article's date. */
#include "dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long days_from_civil(int year, int month, int day) {
  year -= month <= 2;
  long era = (year >= 0 ? year : year - 399) / 400;
  long yoe = year - era * 400;
  long doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *year, int *month, int *day) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long y = yoe + era * 400;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  *day = (int)(doy - (153 * mp + 2) / 5 + 1);
  *month = (int)(mp < 10 ? mp + 3 : mp - 9);
  *year = (int)(y + (*month <= 2));
}

int dates_weekday(int year, int month, int day) {
  long days = days_from_civil(year, month, day);
  long weekday = (days + 4) % 7; /* 1970-01-01 was a Thursday */
  return (int)(weekday < 0 ? weekday + 7 : weekday);
}

/* Reads YYYY-MM-DD, digits only (strtol on fixed fields). */
static int parse_iso(const char *date, int *year, int *month, int *day) {
  if (date == NULL || strlen(date) != 10 || date[4] != '-' || date[7] != '-') {
    return 0;
  }
  for (int i = 0; i < 10; i++) {
    if (i != 4 && i != 7 && (date[i] < '0' || date[i] > '9')) {
      return 0;
    }
  }
  *year = (int)strtol(date, NULL, 10);
  *month = (int)strtol(date + 5, NULL, 10);
  *day = (int)strtol(date + 8, NULL, 10);
  return 1;
}

static void format(long days, char out[11]) {
  int year, month, day;
  civil_from_days(days, &year, &month, &day);
  snprintf(out, 11, "%04d-%02d-%02d", year, month, day);
}

static int calendar(const struct extract_lexicon *lexicon, const char *text,
                    const struct token *token, int *kind) {
  int value = lexicon_map_get(&lexicon->calendar, text + token->start,
                              token->stem_end - token->start);
  if (value < 0) {
    return -1000;
  }
  *kind = value / 100;
  return value % 100 - 50;
}

void dates_stated_on(const struct extract_lexicon *lexicon, const char *text,
                     const struct token_list *tokens, size_t first, size_t last,
                     const char *published, char out[11]) {
  int year = 0, month = 0, day = 0;
  int have_date = parse_iso(published, &year, &month, &day);
  out[0] = '\0';
  if (have_date) {
    memcpy(out, published, 11);
  }
  for (size_t i = first; i < last; i++) {
    const struct token *token = &tokens->items[i];
    if ((token->flags & TOKEN_IN_QUOTE) || !(token->flags & TOKEN_WORD) ||
        (token->flags & TOKEN_POSSESSIVE)) {
      continue; /* "Sunday's meeting" is not when it was said */
    }
    int kind = 0;
    int value = calendar(lexicon, text, token, &kind);
    if (value == -1000) {
      continue;
    }
    int preceded_by_on =
        i > first && (tokens_is(tokens, &tokens->items[i - 1], "on") ||
                      tokens_is(tokens, &tokens->items[i - 1], "last"));
    if (kind == LEXICON_CALENDAR_WEEKDAY && preceded_by_on && have_date) {
      long today = days_from_civil(year, month, day);
      int weekday = dates_weekday(year, month, day);
      format(today - (weekday - value + 7) % 7, out);
      return;
    }
    if (kind == LEXICON_CALENDAR_RELATIVE && have_date) {
      format(days_from_civil(year, month, day) + value, out);
      return;
    }
    /* "on Dec. 2": the abbreviation's period may stand before the day. */
    size_t day_token = i + 1;
    if (day_token < last && text[token->end] == '.' &&
        tokens->items[day_token].start == token->end) {
      day_token++;
    }
    if (kind == LEXICON_CALENDAR_MONTH && preceded_by_on && day_token < last &&
        (tokens->items[day_token].flags & TOKEN_DIGIT)) {
      int day_of_month =
          (int)strtol(text + tokens->items[day_token].start, NULL, 10);
      if (day_of_month < 1 || day_of_month > 31 || !have_date) {
        continue;
      }
      int stated_year = year;
      /* A later month than the article's is last year's. */
      if (value > month || (value == month && day_of_month > day)) {
        stated_year--;
      }
      format(days_from_civil(stated_year, value, day_of_month), out);
      return;
    }
  }
}
