/* The database side of `parley load`: a session is one connection, opened
   on first use and kept for the run; each worker thread has its own. */
#ifndef PARLEY_CLI_SESSION_H
#define PARLEY_CLI_SESSION_H

#include "ingest/ingest.h"

#include <stddef.h>

/* A load that found the same bytes (sha256) stored already: counted apart
   from the loaded and the failed. */
#define LOAD_UNCHANGED (-1)

struct load_session;

/* A session for database_url (copied; NULL: every call fails with a
   message). NULL when out of memory. */
struct load_session *load_session_new(const char *database_url);
void load_session_free(struct load_session *session);

/* The embedded lexicon with the database's issue catalogue (users edit its
   keywords through the API). Returns 0 with *lexicon set (free it with
   extract_lexicon_free), or a sysexits.h code with a message in error. */
int load_session_lexicon(struct load_session *session,
                         struct extract_lexicon **lexicon, char *error,
                         size_t error_size);

/* The runner ingest_load stores through: the session's connection,
   connected (again, after a lost connection) with one fresh try. */
void load_session_runner(struct load_session *session,
                         struct ingest_runner *runner);

/* The sysexits.h code of a failed run (`outcome` from the runner), with
   its message in error. */
int load_session_failure(struct load_session *session, int outcome, char *error,
                         size_t error_size);

#endif
