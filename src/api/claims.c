/* Handlers of /claims: who said what, for which party, on which issues. */
#include "db/claims.h"
#include "api/handlers.h"
#include "api/resource.h"
#include "common/vocabulary.h"
#include "db/articles.h"
#include "db/issues.h"
#include "db/parties.h"
#include "http/response.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct field claim_fields[] = {
    {"id", FIELD_INTEGER, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"article_id", FIELD_INTEGER, FIELD_NULLABLE, CLAIM_ARTICLE_ID, 0, 0, 1,
     INT64_MAX, NULL},
    {"party", FIELD_SLUG, FIELD_REQUIRED, CLAIM_PARTY, 0, 0, 0, 0, NULL},
    {"speaker", FIELD_SLUG, FIELD_NULLABLE, CLAIM_SPEAKER, 0, 0, 0, 0, NULL},
    {"issues", FIELD_SLUG_ARRAY, 0, CLAIM_ISSUES, 0, 50, 0, 0, NULL},
    {"stance", FIELD_ENUM, FIELD_REQUIRED, CLAIM_STANCE, 0, 0, 0, 0,
     stance_names},
    {"quote", FIELD_BOOLEAN, 0, CLAIM_QUOTE, 0, 0, 0, 0, NULL},
    {"text", FIELD_STRING, FIELD_REQUIRED, CLAIM_TEXT, 1, 10000, 0, 0, NULL},
    {"start", FIELD_INTEGER, FIELD_NULLABLE, CLAIM_START, 0, 0, 0, INT32_MAX,
     NULL},
    {"end", FIELD_INTEGER, FIELD_NULLABLE, CLAIM_END, 0, 0, 0, INT32_MAX, NULL},
    {"stated_on", FIELD_DATE, FIELD_NULLABLE, CLAIM_STATED_ON, 0, 0, 0, 0,
     NULL},
    {"origin", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"created_at", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"updated_at", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
};

static const char *const claim_sort_names[] = {"-created_at", "created_at",
                                               "-stated_on", "stated_on", NULL};

const struct query_param claims_list_params[] = {
    {"limit", QUERY_INTEGER, 1, 200, 0, NULL},
    {"cursor", QUERY_TEXT, 0, 0, 600, NULL},
    {"sort", QUERY_ENUM, 0, 0, 0, claim_sort_names},
    {"party", QUERY_SLUG, 0, 0, 0, NULL},
    {"speaker", QUERY_SLUG, 0, 0, 0, NULL},
    {"issue", QUERY_SLUG, 0, 0, 0, NULL},
    {"stance", QUERY_ENUM, 0, 0, 0, stance_names},
    {"article", QUERY_INTEGER, 1, INT64_MAX, 0, NULL},
    {"since", QUERY_DATE, 0, 0, 0, NULL},
    {"until", QUERY_DATE, 0, 0, 0, NULL},
    {"q", QUERY_TEXT, 0, 0, 200, NULL},
};
const size_t claims_list_param_count =
    sizeof claims_list_params / sizeof claims_list_params[0];

size_t claims_params_without(const char *without, struct query_param *out) {
  size_t count = 0;
  for (size_t i = 0; i < claims_list_param_count; i++) {
    if (strcmp(claims_list_params[i].name, without) != 0) {
      out[count++] = claims_list_params[i];
    }
  }
  return count;
}

static int claim_insert(struct db_conn *conn, const char *const *values,
                        char *key, size_t key_size) {
  return db_claims_insert(conn, values, key, key_size);
}

/* Unknown slugs and articles are the client's mistake (422), found here
   before the insert rather than from a constraint's message; a check that
   could not be made (a lock, a lost connection) ends the write at once. */
static int claim_references_valid(struct db_conn *conn, const json_t *body,
                                  const char *own_key, json_t *errors) {
  bool valid = true;
  (void)own_key;
  const char *party = json_string_value(json_object_get(body, "party"));
  const char *speaker = json_string_value(json_object_get(body, "speaker"));
  json_t *article = json_object_get(body, "article_id");
  json_t *start = json_object_get(body, "start");
  json_t *end = json_object_get(body, "end");
  int found = party != NULL ? db_parties_exists(conn, party) : DB_OK;
  if (found < 0) {
    return found;
  }
  if (found == DB_NOT_FOUND) {
    problem_errors_add(errors, "party", "names no party");
    valid = false;
  }
  found = speaker != NULL ? db_parties_exists(conn, speaker) : DB_OK;
  if (found < 0) {
    return found;
  }
  if (found == DB_NOT_FOUND) {
    problem_errors_add(errors, "speaker", "names no party");
    valid = false;
  }
  if (json_is_integer(article)) {
    char id[24];
    snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT,
             json_integer_value(article));
    found = db_articles_exists(conn, id);
    if (found < 0) {
      return found;
    }
    if (found == DB_NOT_FOUND) {
      problem_errors_add(errors, "article_id", "names no article");
      valid = false;
    }
  }
  json_t *issues = json_object_get(body, "issues");
  if (json_array_size(issues) > 0) {
    char *slugs = json_dumps(issues, JSON_COMPACT);
    if (slugs == NULL) {
      return DB_HARD_ERROR;
    }
    char missing[72];
    /* DB_OK here means a missing slug was found. */
    found = db_issues_first_missing(conn, slugs, missing, sizeof missing);
    free(slugs);
    if (found < 0) {
      return found;
    }
    if (found == DB_OK) {
      char message[120];
      snprintf(message, sizeof message, "'%s' names no issue", missing);
      problem_errors_add(errors, "issues", message);
      valid = false;
    }
  }
  bool has_start = json_is_integer(start);
  bool has_end = json_is_integer(end);
  if (has_start != has_end) {
    problem_errors_add(errors, has_start ? "end" : "start",
                       "start and end go together");
    valid = false;
  } else if (has_start && !json_is_integer(article)) {
    problem_errors_add(errors, "article_id",
                       "offsets need the article they point into");
    valid = false;
  } else if (has_start && json_integer_value(start) > json_integer_value(end)) {
    problem_errors_add(errors, "end", "must not be before start");
    valid = false;
  }
  return valid ? DB_OK : DB_NOT_FOUND;
}

/* The CSV columns: every member of a claim, in the record's order. */
static const char *const claim_csv_columns[] = {
    "id",        "article_id", "party",      "speaker",    "issues",
    "stance",    "quote",      "text",       "start",      "end",
    "stated_on", "origin",     "created_at", "updated_at",
};

static const struct resource_csv claim_csv = {
    .columns = claim_csv_columns,
    .column_count = sizeof claim_csv_columns / sizeof claim_csv_columns[0],
    .file_name = "claims",
};

const struct resource claim_resource = {
    .name = "claim",
    .path = "/claims",
    .key = KEY_ID,
    .not_found = PROBLEM_CLAIM_NOT_FOUND,
    .fields = claim_fields,
    .field_count = sizeof claim_fields / sizeof claim_fields[0],
    .list = &db_claims_list_spec,
    .list_params = claims_list_params,
    .list_param_count =
        sizeof claims_list_params / sizeof claims_list_params[0],
    .csv = &claim_csv,
    .fetch = db_claims_fetch,
    .read = &db_claims_read,
    .insert = claim_insert,
    .update = db_claims_update,
    .remove = db_claims_delete,
    .references_valid = claim_references_valid,
};

void claims_list_handler(struct request *request) {
  resource_list(request, &claim_resource);
}

void claims_create_handler(struct request *request) {
  resource_create(request, &claim_resource);
}

void claims_read_handler(struct request *request) {
  resource_read(request, &claim_resource);
}

void claims_patch_handler(struct request *request) {
  resource_patch(request, &claim_resource);
}

void claims_delete_handler(struct request *request) {
  resource_delete(request, &claim_resource);
}
