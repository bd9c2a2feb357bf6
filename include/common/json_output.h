/* The json_dumps flag for reals of every JSON output (HTTP, the CLI). */
#ifndef PARLEY_COMMON_JSON_OUTPUT_H
#define PARLEY_COMMON_JSON_OUTPUT_H

#include <jansson.h>

/* Jansson's precision counts significant digits, not decimals. The reals
   we output are rounded to 3 decimals (a claim's confidence), and 15
   significant digits print such a double in its shortest form ("0.697"),
   where the default 17 prints 0.69699999999999995. A real with more
   digits would lose its last ones: round it before it is output. */
#define OUTPUT_JSON_REALS JSON_REAL_PRECISION(15)

#endif
