/* Queries on claims and their issue links. Write statements take their
 * values in the order of enum claim_value, as text (issues as a JSON
 * array of slugs). */
#ifndef PARLEY_DB_CLAIMS_H
#define PARLEY_DB_CLAIMS_H

#include "db/records.h"

enum claim_value {
  CLAIM_ARTICLE_ID,
  CLAIM_PARTY,
  CLAIM_SPEAKER,
  CLAIM_ISSUES,
  CLAIM_STANCE,
  CLAIM_QUOTE,
  CLAIM_TEXT,
  CLAIM_START,
  CLAIM_END,
  CLAIM_STATED_ON,
  CLAIM_VALUE_COUNT
};

/* Filter indexes of db_claims_list_spec, for the sub-resource lists. */
enum claim_filter {
  CLAIM_FILTER_PARTY,
  CLAIM_FILTER_SPEAKER,
  CLAIM_FILTER_ISSUE,
  CLAIM_FILTER_STANCE,
  CLAIM_FILTER_ARTICLE,
  CLAIM_FILTER_SINCE,
  CLAIM_FILTER_UNTIL,
  CLAIM_FILTER_Q,
  CLAIM_FILTER_PARTY_OR_SPEAKER,
  CLAIM_FILTER_COUNT
};

extern const struct list_spec db_claims_list_spec;

int db_claims_fetch(struct db_conn *conn, const char *id, bool lock,
                    json_t **record);
/* The same read, unlocked, as data (db/async.h). */
extern const struct record_read db_claims_read;
/* Inserts a claim with its issue links; the new id goes to `id`. */
int db_claims_insert(struct db_conn *conn, const char *const *values, char *id,
                     size_t id_size);
int db_claims_update(struct db_conn *conn, const char *id,
                     const char *const *values);
int db_claims_delete(struct db_conn *conn, const char *id);

#endif
