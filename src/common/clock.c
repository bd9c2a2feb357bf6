/* The monotonic clock (common/clock.h). */
#include "common/clock.h"

#include <time.h>

long long clock_monotonic_us(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000000LL + now.tv_nsec / 1000;
}

long long clock_monotonic_ms(void) {
  return clock_monotonic_us() / 1000;
}
