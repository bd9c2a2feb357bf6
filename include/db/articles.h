/* Queries on articles. PATCH changes only the metadata; the text and its
 * hash are fixed when the loader stores the article. */
#ifndef PARLEY_DB_ARTICLES_H
#define PARLEY_DB_ARTICLES_H

#include "db/records.h"

enum article_value {
  ARTICLE_TITLE,
  ARTICLE_URL,
  ARTICLE_PUBLISHED,
  ARTICLE_UPDATED,
  ARTICLE_AUTHORS,
  ARTICLE_DATELINE,
  ARTICLE_VALUE_COUNT
};

extern const struct list_spec db_articles_list_spec;

int db_articles_fetch(struct db_conn *conn, const char *id, bool lock,
                      json_t **record);
/* The same read, unlocked, as data (db/async.h). */
extern const struct record_read db_articles_read;
int db_articles_update(struct db_conn *conn, const char *id,
                       const char *const *values);
/* Deletes the article and, by cascade, its claims. */
int db_articles_delete(struct db_conn *conn, const char *id);
/* One row when the record exists ($1 its id). */
extern const struct db_statement db_articles_exists_statement;
int db_articles_exists(struct db_conn *conn, const char *id);

#endif
