/* Loads and re-extractions: the lexicon taken, the extraction run, its
 * result stored in one transaction and the answer built. */
#include "ingest/ingest.h"

#include "answer.h"
#include "common/log.h"
#include "db/reextract.h"
#include "rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

void ingest_memory_return(void) {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

/* --- the lexicon taken ---------------------------------------------------- */

struct lexicon_job {
  struct ingest_lexicon **handle;
  char *error;
  size_t error_size;
};

static int lexicon_body(struct db_conn *conn, void *closure) {
  struct lexicon_job *job = closure;
  ingest_lexicon_release(*job->handle);
  *job->handle = NULL;
  int outcome =
      ingest_lexicon_acquire(conn, job->handle, job->error, job->error_size);
  if (outcome == DB_HARD_ERROR) {
    log_error("issue catalogue: %s", job->error);
  }
  return outcome;
}

/* The caller's lexicon, or the shared one taken through the runner (held
   in *handle until the job ends); NULL with the runner's outcome. */
static const struct extract_lexicon *
lexicon_take(const struct ingest_runner *runner,
             const struct extract_lexicon *given,
             struct ingest_lexicon **handle, char *error, size_t error_size,
             int *outcome) {
  *outcome = DB_OK;
  if (given != NULL) {
    return given;
  }
  struct lexicon_job job = {handle, error, error_size};
  *outcome = runner->run(runner->context, lexicon_body, &job, false);
  return *outcome == DB_OK ? ingest_lexicon_get(*handle) : NULL;
}

/* --- the rows stored --------------------------------------------------------
 */

/* The parties and claims of `result` as db_store_parties_insert and
   db_store_claims_insert take them (malloc'd JSON texts). */
struct result_rows {
  char *parties;
  char *claims;
};

static char *json_text_of(json_t *value) {
  char *dumped = value != NULL ? json_dumps(value, JSON_COMPACT) : NULL;
  json_decref(value);
  return dumped;
}

static bool result_rows(const struct extract_result *result,
                        struct result_rows *rows) {
  rows->parties = json_text_of(rows_parties(result, ROWS_VIEW_STORE));
  rows->claims = json_text_of(rows_claims(result, ROWS_VIEW_STORE));
  return rows->parties != NULL && rows->claims != NULL;
}

static void result_rows_release(struct result_rows *rows) {
  free(rows->parties);
  free(rows->claims);
}

/* Stores the article, its new parties and its claims: inserted for a new
   article, brought up to the new text for a replaced one. */
static int load_store(struct db_conn *conn, struct ingest_load *load) {
  struct rows_article article;
  struct result_rows rows = {NULL, NULL};
  memset(&load->stored, 0, sizeof load->stored);
  if (!rows_article(load->result, load->bytes, load->length, &load->overrides,
                    &article)) {
    log_error("storing an article: out of memory");
    return DB_HARD_ERROR;
  }
  int status = db_store_article_write(conn, &article.row, &load->stored);
  if (status != DB_OK || load->stored.unchanged) {
    goto done;
  }
  if (!result_rows(load->result, &rows)) {
    log_error("storing an article: out of memory");
    status = DB_HARD_ERROR;
    goto done;
  }
  status = db_store_parties_insert(conn, rows.parties);
  if (status != DB_OK) {
    goto done;
  }
  if (load->stored.replaced) {
    bool changed = false;
    status = db_reextract_claims_update(conn, load->stored.article_id,
                                        rows.claims, &changed);
  } else {
    status = db_store_claims_insert(conn, load->stored.article_id, rows.claims);
  }
done:
  result_rows_release(&rows);
  rows_article_release(&article);
  return status;
}

/* --- loads ------------------------------------------------------------------
 */

int ingest_extract(struct ingest_load *load,
                   const struct extract_lexicon *lexicon) {
  extract_result_free(load->result);
  load->result = NULL;
  /* The client's date wins over the text's, and claims' stated_on count
     from it. */
  const struct extract_options options = {.published =
                                              load->overrides.published};
  load->extract_status = extract_article_with_options(
      lexicon, load->bytes, load->length, &options, &load->result, load->error,
      sizeof load->error);
  if (load->extract_status != EXTRACT_OK) {
    return INGEST_REJECTED;
  }
  /* Too many claims to store is the article's size, not a passing state of
     the database (a dry run refuses it too). */
  if (load->result->claim_count > INGEST_MAX_CLAIMS_PER_ARTICLE) {
    snprintf(load->error, sizeof load->error,
             "the article yields %zu claims, over the limit of %d claims per "
             "article: split it into smaller articles",
             load->result->claim_count, INGEST_MAX_CLAIMS_PER_ARTICLE);
    return INGEST_TOO_MANY_CLAIMS;
  }
  return DB_OK;
}

struct load_transaction {
  const struct ingest_runner *runner;
  struct ingest_load *load;
};

static int load_body(struct db_conn *conn, void *closure) {
  const struct load_transaction *transaction = closure;
  const struct ingest_runner *runner = transaction->runner;
  struct ingest_load *load = transaction->load;
  json_decref(load->answer);
  load->answer = NULL;
  int outcome =
      runner->before != NULL ? runner->before(conn, runner->context) : DB_OK;
  if (outcome == DB_OK) {
    outcome = load_store(conn, load);
  }
  if (outcome == DB_OK && load->answer_wanted) {
    outcome = ingest_answer(conn, load->stored.article_id, &load->answer);
  }
  if (outcome == DB_OK && load->dry_run) {
    answer_without_ids(load->answer);
    return INGEST_ROLLED_BACK;
  }
  if (outcome == DB_OK && runner->after != NULL) {
    outcome = runner->after(conn, runner->context, load->stored.article_id,
                            !load->stored.unchanged, load->answer);
  }
  return outcome;
}

int ingest_load(const struct ingest_runner *runner, struct ingest_load *load) {
  int outcome;
  const struct extract_lexicon *lexicon =
      lexicon_take(runner, load->lexicon, &load->shared, load->error,
                   sizeof load->error, &outcome);
  if (lexicon == NULL) {
    return outcome;
  }
  outcome = ingest_extract(load, lexicon);
  if (outcome != DB_OK) {
    return outcome;
  }
  struct load_transaction transaction = {runner, load};
  return runner->run(runner->context, load_body, &transaction, true);
}

void ingest_load_end(struct ingest_load *load) {
  json_decref(load->answer);
  load->answer = NULL;
  /* The result may point into the lexicon (e.g. CAMEO codes): it goes
     first. */
  extract_result_free(load->result);
  load->result = NULL;
  ingest_lexicon_release(load->shared);
  load->shared = NULL;
}

/* --- re-extractions ---------------------------------------------------------
 */

/* Extracts the stored text again and brings the article's extracted claims
   up to the result (new parties first, an existing one as it is, so that
   the comparison sees the claims the insert would keep). */
static int reextract_store(struct db_conn *conn,
                           const struct extract_lexicon *lexicon,
                           struct ingest_reextract *job) {
  enum db_status status;
  PGresult *text = db_reextract_text_locked(conn, job->article_id, &status);
  if (status != DB_OK) {
    return status;
  }
  if (PQntuples(text) != 1) {
    PQclear(text);
    return DB_NOT_FOUND;
  }
  struct extract_result *result = NULL;
  const struct extract_options options = {
      .published = PQgetisnull(text, 0, 1) ? NULL : PQgetvalue(text, 0, 1)};
  int outcome = DB_HARD_ERROR;
  struct result_rows rows = {NULL, NULL};
  if (extract_article_with_options(
          lexicon, PQgetvalue(text, 0, 0), (size_t)PQgetlength(text, 0, 0),
          &options, &result, job->error, sizeof job->error) != EXTRACT_OK) {
    goto done;
  }
  if (!result_rows(result, &rows)) {
    log_error("re-extracting an article: out of memory");
    goto done;
  }
  outcome = db_store_parties_insert(conn, rows.parties);
  if (outcome == DB_OK) {
    outcome = db_reextract_claims_update(conn, job->article_id, rows.claims,
                                         &job->changed);
  }
done:
  result_rows_release(&rows);
  extract_result_free(result);
  PQclear(text);
  return outcome;
}

struct reextract_transaction {
  const struct ingest_runner *runner;
  const struct extract_lexicon *lexicon;
  struct ingest_reextract *job;
};

static int reextract_body(struct db_conn *conn, void *closure) {
  const struct reextract_transaction *transaction = closure;
  const struct ingest_runner *runner = transaction->runner;
  struct ingest_reextract *job = transaction->job;
  json_decref(job->answer);
  job->answer = NULL;
  job->changed = false;
  job->error[0] = '\0';
  int outcome =
      runner->before != NULL ? runner->before(conn, runner->context) : DB_OK;
  if (outcome == DB_OK) {
    outcome = reextract_store(conn, transaction->lexicon, job);
  }
  if (outcome == DB_OK && job->answer_wanted) {
    outcome = ingest_answer(conn, job->article_id, &job->answer);
  }
  if (outcome == DB_OK && runner->after != NULL) {
    outcome = runner->after(conn, runner->context, job->article_id, false,
                            job->answer);
  }
  return outcome;
}

int ingest_reextract(const struct ingest_runner *runner,
                     struct ingest_reextract *job) {
  int outcome;
  const struct extract_lexicon *lexicon =
      lexicon_take(runner, job->lexicon, &job->shared, job->error,
                   sizeof job->error, &outcome);
  if (lexicon == NULL) {
    job->error[0] = '\0'; /* the catalogue's failure, logged already */
    return outcome;
  }
  struct reextract_transaction transaction = {runner, lexicon, job};
  return runner->run(runner->context, reextract_body, &transaction, true);
}

void ingest_reextract_end(struct ingest_reextract *job) {
  json_decref(job->answer);
  job->answer = NULL;
  ingest_lexicon_release(job->shared);
  job->shared = NULL;
}
