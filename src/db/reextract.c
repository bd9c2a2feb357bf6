/* Re-extraction of stored articles. */
#include "db/reextract.h"

#include "db/store.h"

#include <stdio.h>

/* The lock keeps a concurrent load of a new version of the article from
   changing the text under the extraction. The stored date (the client's,
   or edited since) is the one claims' stated_on count from. */
static const struct db_statement statement_text = {
    "reextract_text", "SELECT text, to_char(published, 'YYYY-MM-DD') FROM "
                      "articles WHERE id = $1::bigint FOR UPDATE"};

int reextract_article(struct db_conn *conn,
                      const struct extract_lexicon *lexicon,
                      const char *article_id, bool *changed, char *error,
                      size_t error_size) {
  const char *values[] = {article_id};
  enum db_status status;
  *changed = false;
  error[0] = '\0';
  PGresult *text = db_exec(conn, &statement_text, 1, values, &status);
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
  int extracted = extract_article_with_options(
      lexicon, PQgetvalue(text, 0, 0), (size_t)PQgetlength(text, 0, 0),
      &options, &result, error, error_size);
  int outcome = DB_HARD_ERROR;
  if (extracted == EXTRACT_OK) {
    outcome = store_reextract(conn, article_id, result, changed);
  }
  extract_result_free(result);
  PQclear(text);
  return outcome;
}
