/* Accessors over the error catalogue of problem.h. */
#include "common/problem.h"

static const struct {
  unsigned status;
  const char *slug;
  const char *title;
} problems[PROBLEM_COUNT] = {
#define XX(name, status, slug, title) [PROBLEM_##name] = {status, slug, title},
    PROBLEM_MAP(XX)
#undef XX
};

unsigned problem_status(enum problem problem) {
  return problems[problem].status;
}

const char *problem_slug(enum problem problem) {
  return problems[problem].slug;
}

const char *problem_title(enum problem problem) {
  return problems[problem].title;
}
