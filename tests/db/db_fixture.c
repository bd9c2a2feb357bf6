/* The throwaway database of the C tests of db/ and ingest/. */
#include "db_fixture.h"

#include "common/log.h"
#include "db/data_version.h"
#include "db/migrate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char *cluster_url;         /* DATABASE_URL, as given */
static char database_name[64];    /* the test database */
static struct db_conn *test_conn; /* connected to it */

/* `url` (a URI or key=value connection string) with its dbname replaced,
   rebuilt through libpq's own parser as a key=value string; malloc'd, NULL
   when `url` does not parse. */
static char *url_with_database(const char *url, const char *database) {
  PQconninfoOption *options = PQconninfoParse(url, NULL);
  if (options == NULL) {
    return NULL;
  }
  size_t size = 1;
  for (const PQconninfoOption *o = options; o->keyword != NULL; o++) {
    const char *value = strcmp(o->keyword, "dbname") == 0 ? database : o->val;
    size += value != NULL ? strlen(o->keyword) + 2 * strlen(value) + 5 : 0;
  }
  char *conninfo = calloc(1, size);
  char *end = conninfo;
  for (const PQconninfoOption *o = options; conninfo != NULL && o->keyword;
       o++) {
    const char *value = strcmp(o->keyword, "dbname") == 0 ? database : o->val;
    if (value == NULL) {
      continue;
    }
    end += sprintf(end, "%s='", o->keyword);
    for (const char *c = value; *c != '\0'; c++) {
      if (*c == '\'' || *c == '\\') {
        *end++ = '\\';
      }
      *end++ = *c;
    }
    end += sprintf(end, "' ");
  }
  PQconninfoFree(options);
  return conninfo;
}

static struct db_conn *connect_or_exit(const char *url) {
  char error[512];
  struct db_conn *conn = db_connect(url, error, sizeof error);
  if (conn == NULL) {
    fprintf(stderr, "db fixture: %s\n", error);
    exit(1);
  }
  return conn;
}

/* Runs `before` database_name `after` on the cluster's own database
   (CREATE/DROP DATABASE cannot run on the database they name, nor in a
   transaction). */
static void on_cluster(const char *before, const char *after) {
  struct db_conn *conn = connect_or_exit(cluster_url);
  char sql[256];
  snprintf(sql, sizeof sql, "%s %s %s", before, database_name, after);
  if (db_exec_simple(conn, sql) != DB_OK) {
    fprintf(stderr, "db fixture: %s: %s\n", sql, db_last_error(conn)->message);
    db_disconnect(conn);
    exit(1);
  }
  db_disconnect(conn);
}

void db_fixture_open(const char *name) {
  const char *url = getenv("DATABASE_URL");
  if (url == NULL || url[0] == '\0') {
    fprintf(stderr, "db tests: DATABASE_URL is not set: skipped (ctest sets "
                    "it with the pg fixture)\n");
    exit(77);
  }
  log_set_level(LOG_WARN); /* the migrations applied are no news here */
  cluster_url = strdup(url);
  snprintf(database_name, sizeof database_name, "parley_test_%s", name);
  on_cluster("DROP DATABASE IF EXISTS", "WITH (FORCE)");
  on_cluster("CREATE DATABASE", "ENCODING 'UTF8' TEMPLATE template0");
  char *test_url = url_with_database(cluster_url, database_name);
  if (test_url == NULL) {
    fprintf(stderr, "db fixture: DATABASE_URL does not parse\n");
    exit(1);
  }
  test_conn = connect_or_exit(test_url);
  free(test_url);
  char error[512];
  if (db_migrate_apply(test_conn, error, sizeof error) < 0) {
    fprintf(stderr, "db fixture: %s\n", error);
    exit(1);
  }
}

PGconn *db_fixture_connect_another(void) {
  char *test_url = url_with_database(cluster_url, database_name);
  PGconn *conn = test_url != NULL ? PQconnectdb(test_url) : NULL;
  free(test_url);
  if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
    fprintf(stderr, "db fixture: a second connection failed: %s\n",
            conn != NULL ? PQerrorMessage(conn) : "out of memory");
    exit(1);
  }
  return conn;
}

void db_fixture_close(void) {
  db_disconnect(test_conn);
  test_conn = NULL;
  on_cluster("DROP DATABASE IF EXISTS", "WITH (FORCE)");
  free(cluster_url);
  cluster_url = NULL;
}

struct db_conn *db_fixture_conn(void) {
  return test_conn;
}

int db_fixture_reset(void **state) {
  (void)state;
  db_fixture_exec("TRUNCATE articles, claims, claim_issues, claim_tombstones, "
                  "article_versions, position_cells, position_rows, "
                  "position_totals",
                  0, NULL);
  return 0;
}

/* Runs `sql`, failing the test unless it succeeds; the caller PQclear()s. */
static PGresult *query(const char *sql, int count, const char *const *values) {
  PGresult *result = PQexecParams(db_conn_pq(test_conn), sql, count, NULL,
                                  values, NULL, NULL, 0);
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail_msg("%s: %s", sql, PQresultErrorMessage(result));
  }
  return result;
}

void db_fixture_exec(const char *sql, int count, const char *const *values) {
  PQclear(query(sql, count, values));
}

char *db_fixture_text(const char *sql, int count, const char *const *values) {
  PGresult *result = query(sql, count, values);
  if (PQntuples(result) != 1 || PQnfields(result) != 1) {
    fail_msg("%s: %d rows of %d values, not one value", sql, PQntuples(result),
             PQnfields(result));
  }
  char *text =
      PQgetisnull(result, 0, 0) ? NULL : strdup(PQgetvalue(result, 0, 0));
  PQclear(result);
  return text;
}

long long db_fixture_number(const char *sql, int count,
                            const char *const *values) {
  char *text = db_fixture_text(sql, count, values);
  long long number = text != NULL ? strtoll(text, NULL, 10) : 0;
  free(text);
  return number;
}

long long db_fixture_data_version(void) {
  char version[32];
  assert_int_equal(db_data_version_read(test_conn, version, sizeof version),
                   DB_OK);
  return strtoll(version, NULL, 10);
}

static int run_on_test_conn(void *context, db_transaction_body *body,
                            void *closure, bool transaction) {
  (void)context;
  return transaction ? db_transaction(test_conn, body, closure)
                     : body(test_conn, closure);
}

const struct ingest_runner db_fixture_runner = {run_on_test_conn, NULL, NULL,
                                                NULL};

struct extract_lexicon *db_fixture_lexicon(void) {
  struct extract_lexicon *lexicon = NULL;
  char error[256];
  int status = ingest_lexicon_build(test_conn, &lexicon, error, sizeof error);
  if (status != DB_OK) {
    fail_msg("lexicon: %d %s", status, error);
  }
  return lexicon;
}

char *db_fixture_article_text(const char *marker) {
  static const char format[] =
      " date 2025-12-05\n\nKremlin spokesperson Dmitry Peskov told reporters "
      "that Moscow wants the %s to begin at once.\n\nKyiv \u2014 Russia has "
      "rejected the idea of a ceasefire to allow a referendum, officials "
      "said.\n\n\u201cThe strikes will have to stop,\u201d Zelensky said.\n";
  size_t size = sizeof format + strlen(marker);
  char *text = malloc(size);
  assert_non_null(text);
  snprintf(text, size, format, marker);
  return text;
}

int db_fixture_load(const char *text, const char *url,
                    const struct ingest_runner *runner,
                    struct store_outcome *stored) {
  struct extract_lexicon *lexicon = db_fixture_lexicon();
  struct ingest_load load = {.bytes = text,
                             .length = strlen(text),
                             .overrides = {.url = url},
                             .lexicon = lexicon};
  int outcome =
      ingest_load(runner != NULL ? runner : &db_fixture_runner, &load);
  *stored = load.stored;
  ingest_load_end(&load);
  extract_lexicon_free(lexicon);
  return outcome;
}

struct store_job {
  const struct store_article_row *row;
  const char *parties;
  const char *claims;
  struct store_outcome *stored;
};

static int store_body(struct db_conn *conn, void *closure) {
  const struct store_job *job = closure;
  int status = db_store_article_write(conn, job->row, job->stored);
  if (status == DB_OK) {
    status = db_store_parties_insert(conn, job->parties);
  }
  if (status == DB_OK) {
    status = db_store_claims_insert(conn, job->stored->article_id, job->claims);
  }
  return status;
}

int db_fixture_store(const char *text, char hash_digit, const char *parties,
                     const char *claims, struct store_outcome *stored) {
  char hash[65];
  memset(hash, hash_digit, 64);
  hash[64] = '\0';
  const struct store_article_row row = {
      .sha256 = hash, .title = "A test article", .authors = "[]", .text = text};
  struct store_job job = {&row, parties, claims, stored};
  return db_transaction(test_conn, store_body, &job);
}
