/* `parley load`: extract articles from files, a directory or standard input,
   and print them (--dry-run) or store them in the database. */
#ifndef PARLEY_EXTRACT_LOAD_CLI_H
#define PARLEY_EXTRACT_LOAD_CLI_H

#include <stddef.h>

#include "extract/extract.h"

/* Runs `parley load [--dry-run] [--json] [--url URL] FILE|DIR|-`; argv[0] is
   "load". Returns an exit code from sysexits.h. */
int cli_load(int argc, char **argv);

/* Stores one extracted article (implemented by the database layer; a weak
   default in src/cli/load.c reports that it is missing). path names the
   source for messages and history; bytes/length are the article as given.
   Returns 0 when stored, LOAD_UNCHANGED when the same bytes (sha256) were
   already stored, or a sysexits.h code with a message in error. */
#define LOAD_UNCHANGED (-1)
int load_store_article(const char *database_url, const char *path,
                       const struct extract_result *result, const char *bytes,
                       size_t length, char *error, size_t error_size);

#endif
