/* The database side of `parley load`: one connection per worker, the
 * schema checked, a lost connection tried once more, and failures told as
 * sysexits.h codes. */
#include "session.h"

#include "common/log.h"
#include "db/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* A connection of the command-line loader: opened on first use and kept for
   every article its worker stores (one session per thread). */
struct load_session {
  char *database_url;
  struct db_conn *conn;
  int connect_code;        /* why the last connection failed, or EX_OK */
  char connect_error[256]; /* and its message */
};

struct load_session *load_session_new(const char *database_url) {
  struct load_session *session = calloc(1, sizeof *session);
  if (session == NULL) {
    return NULL;
  }
  if (database_url != NULL) {
    session->database_url = strdup(database_url);
    if (session->database_url == NULL) {
      free(session);
      return NULL;
    }
  }
  return session;
}

static void load_disconnect(struct load_session *session) {
  db_disconnect(session->conn);
  session->conn = NULL;
}

void load_session_free(struct load_session *session) {
  if (session == NULL) {
    return;
  }
  load_disconnect(session);
  free(session->database_url);
  free(session);
}

/* Connects (again, after a lost connection) and checks the schema. Returns
   0 or a sysexits.h code with a message. */
static int load_connect(struct load_session *session, char *error,
                        size_t error_size) {
  if (session->conn != NULL &&
      PQstatus(db_conn_pq(session->conn)) == CONNECTION_OK) {
    return EX_OK;
  }
  load_disconnect(session);
  if (session->database_url == NULL || session->database_url[0] == '\0') {
    snprintf(error, error_size, "no database: give --url or set DATABASE_URL");
    return EX_USAGE;
  }
  session->conn = db_connect(session->database_url, error, error_size);
  if (session->conn == NULL) {
    return EX_UNAVAILABLE;
  }
  /* A bulk load does not wait for each commit to reach the disk: a crash
     loses at most the last moments of the run, never consistency, and
     loading again is idempotent (articles are found by their hash). */
  if (db_exec_simple(session->conn, "SET synchronous_commit = off") != DB_OK) {
    log_warn("cannot turn synchronous_commit off: %s",
             db_last_error(session->conn)->message);
  }
  if (!db_migrate_is_current(session->conn)) {
    load_disconnect(session);
    snprintf(error, error_size,
             "the database schema is not current: run 'parley migrate'");
    return EX_CONFIG;
  }
  return EX_OK;
}

int load_session_lexicon(struct load_session *session,
                         struct extract_lexicon **lexicon, char *error,
                         size_t error_size) {
  *lexicon = NULL;
  int code = load_connect(session, error, error_size);
  if (code != EX_OK) {
    return code;
  }
  int status = ingest_lexicon_build(session->conn, lexicon, error, error_size);
  if (status == DB_OK) {
    return EX_OK;
  }
  return status == DB_HARD_ERROR ? EX_SOFTWARE : EX_TEMPFAIL;
}

static int session_run(void *context, db_transaction_body *body, void *closure,
                       bool transaction) {
  struct load_session *session = context;
  int outcome = DB_UNAVAILABLE;
  session->connect_code = EX_OK;
  /* A connection lost between two articles (a server restart) gets one
     fresh try. */
  for (int attempt = 0; attempt < 2 && outcome == DB_UNAVAILABLE; attempt++) {
    session->connect_code = load_connect(session, session->connect_error,
                                         sizeof session->connect_error);
    if (session->connect_code != EX_OK) {
      return DB_UNAVAILABLE;
    }
    outcome = transaction ? db_transaction(session->conn, body, closure)
                          : body(session->conn, closure);
    if (outcome == DB_UNAVAILABLE &&
        PQstatus(db_conn_pq(session->conn)) == CONNECTION_OK) {
      break; /* a timeout, not a lost connection */
    }
  }
  return outcome;
}

void load_session_runner(struct load_session *session,
                         struct ingest_runner *runner) {
  *runner = (struct ingest_runner){.run = session_run, .context = session};
}

int load_session_failure(struct load_session *session, int outcome, char *error,
                         size_t error_size) {
  if (session->connect_code != EX_OK) {
    snprintf(error, error_size, "%s", session->connect_error);
    return session->connect_code;
  }
  const struct db_error *failure = db_last_error(session->conn);
  snprintf(error, error_size, "storing failed: %s%s%s", failure->message,
           failure->sqlstate[0] ? " (SQLSTATE " : "",
           failure->sqlstate[0] ? failure->sqlstate : "");
  if (failure->sqlstate[0]) {
    size_t used = strlen(error);
    snprintf(error + used, error_size - used, ")");
  }
  if (outcome == DB_UNAVAILABLE || outcome == DB_RETRY) {
    return EX_TEMPFAIL;
  }
  return strncmp(failure->sqlstate, "22", 2) == 0 ||
                 strncmp(failure->sqlstate, "23", 2) == 0
             ? EX_DATAERR
             : EX_SOFTWARE;
}
