/* The monotonic clock, for deadlines and durations (never the wall clock,
   which may jump). */
#ifndef PARLEY_COMMON_CLOCK_H
#define PARLEY_COMMON_CLOCK_H

/* Milliseconds and microseconds since an arbitrary fixed point. */
long long clock_monotonic_ms(void);
long long clock_monotonic_us(void);

#endif
