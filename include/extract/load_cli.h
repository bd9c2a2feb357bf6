/* `parley load`: extract articles from files, a directory or standard input,
   and print them (--dry-run) or store them in the database. */
#ifndef PARLEY_EXTRACT_LOAD_CLI_H
#define PARLEY_EXTRACT_LOAD_CLI_H

#include <stddef.h>

#include "extract/extract.h"

/* Runs `parley load [--dry-run] [--json] [--url URL] FILE|DIR|-`; argv[0] is
   "load". Returns an exit code from sysexits.h. */
int cli_load(int argc, char **argv);

/* The database side of a load, implemented in src/db/store.c (the parley
   program links the database layer). A session is one connection, opened
   on first use and kept for the run; each worker thread has its own. */
struct load_session;

/* A session for database_url (copied; NULL: every call fails with a
   message). NULL when out of memory. */
struct load_session *load_session_new(const char *database_url);
void load_session_free(struct load_session *session);

/* The embedded lexicon with the database's issue catalogue (users edit its
   keywords through the API). Returns 0 with *lexicon set (free it with
   extract_lexicon_free), or a sysexits.h code with a message in error. */
int load_store_lexicon(struct load_session *session,
                       struct extract_lexicon **lexicon, char *error,
                       size_t error_size);

/* Stores one extracted article in one transaction; bytes/length are the
   article as given. Returns 0 when stored (or when it replaced an earlier
   version), LOAD_UNCHANGED when the same bytes (sha256) were already
   stored, or a sysexits.h code with a message in error. */
#define LOAD_UNCHANGED (-1)
int load_store_article(struct load_session *session,
                       const struct extract_result *result, const char *bytes,
                       size_t length, char *error, size_t error_size);

#endif
