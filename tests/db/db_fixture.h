/* The throwaway database the C tests of db/ and ingest/ run against: a
 * fresh database per test program on the cluster DATABASE_URL names,
 * migrated through db_migrate_apply, emptied before each test, dropped at the
 * end. A program without DATABASE_URL exits 77 (ctest's skip).
 *
 * The helpers that query fail the running cmocka test on any error, so a
 * test reads as its assertions. */
#ifndef PARLEY_TESTS_DB_FIXTURE_H
#define PARLEY_TESTS_DB_FIXTURE_H

#include "db/pool.h"
#include "ingest/ingest.h"

#include <libpq-fe.h>
#include <stdbool.h>

/* Creates the database parley_test_`name` (dropped first if a crashed run
   left it), connects and migrates it. Exits 77 without DATABASE_URL, 1
   when the cluster cannot be reached or the migrations fail. */
void db_fixture_open(const char *name);

/* Disconnects and drops the database. */
void db_fixture_close(void);

/* The connection to the test database. */
struct db_conn *db_fixture_conn(void);

/* Another connection to the test database, for what a second client does
   meanwhile (PQfinish it). Exits 1 when it cannot connect. */
PGconn *db_fixture_connect_another(void);

/* A cmocka setup: empties the tables tests write (articles and what hangs
   from them, claims, the positions summary), committed. Parties and issues
   stay: tests make theirs with slugs of their own. */
int db_fixture_reset(void **state);

/* Runs `sql` with text parameters outside of any API, failing the test on
   an error. */
void db_fixture_exec(const char *sql, int count, const char *const *values);

/* The one value `sql` returns, as a number (a NULL is 0). */
long long db_fixture_number(const char *sql, int count,
                            const char *const *values);

/* The one value `sql` returns, as a malloc'd text (NULL for a NULL). */
char *db_fixture_text(const char *sql, int count, const char *const *values);

/* The data version (db/data_version.h), read outside a transaction. */
long long db_fixture_data_version(void);

/* An ingest runner on the test connection: `transaction` bodies run in
   db_transaction, the others as they are. */
extern const struct ingest_runner db_fixture_runner;

/* The lexicon of the database's current catalogue and parties (free with
   extract_lexicon_free). */
struct extract_lexicon *db_fixture_lexicon(void);

/* A short article the extractor finds three claims in (Peskov for Russia
   on `marker`, Russia rejecting a ceasefire and referendum, Zelensky for
   Ukraine on a ceasefire); `marker` makes its bytes unique. malloc'd. */
char *db_fixture_article_text(const char *marker);

/* Loads `text` through ingest_load (url as the client's, or NULL) with the
   database's current lexicon and `runner` (NULL: db_fixture_runner);
   returns its outcome, the stored article in *stored. */
int db_fixture_load(const char *text, const char *url,
                    const struct ingest_runner *runner,
                    struct store_outcome *stored);

/* Writes an article of `text` (a made-up hash of `hash_digit`s), the
   parties and the claims given as db_store_parties_insert and
   db_store_claims_insert take them, in one transaction through the store's
   interface; returns its outcome, the article in *stored. */
int db_fixture_store(const char *text, char hash_digit, const char *parties,
                     const char *claims, struct store_outcome *stored);

#endif
