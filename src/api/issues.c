/* Handlers of /issues: the issue catalogue and the claims on an issue. */
#include "db/issues.h"
#include "api/handlers.h"
#include "api/resource.h"
#include "db/claims.h"
#include "http/response.h"

#include <string.h>

static const struct field issue_fields[] = {
    {"id", FIELD_INTEGER, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"slug", FIELD_SLUG, 0, ISSUE_SLUG, 0, 0, 0, 0, NULL},
    {"name", FIELD_STRING, FIELD_REQUIRED | FIELD_NFC, ISSUE_NAME, 1, 200, 0, 0,
     NULL},
    {"description", FIELD_STRING, 0, ISSUE_DESCRIPTION, 0, 2000, 0, 0, NULL},
    {"parent", FIELD_SLUG, FIELD_NULLABLE, ISSUE_PARENT, 0, 0, 0, 0, NULL},
    {"keywords", FIELD_STRING_ARRAY, FIELD_NFC, ISSUE_KEYWORDS, 0, 100, 0, 0,
     NULL},
    {"created_at", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"updated_at", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
};

static const char *const issue_sort_names[] = {
    "-created_at", "created_at", "slug", "-slug", "name", "-name", NULL};

static const struct query_param issue_list_params[] = {
    {"limit", QUERY_INTEGER, 1, 200, 0, NULL},
    {"cursor", QUERY_TEXT, 0, 0, 600, NULL},
    {"sort", QUERY_ENUM, 0, 0, 0, issue_sort_names},
    {"parent", QUERY_SLUG, 0, 0, 0, NULL},
    {"q", QUERY_TEXT, 0, 0, 200, NULL},
};

static int issue_insert(struct db_conn *conn, const char *const *values,
                        char *key, size_t key_size) {
  int outcome = db_issues_insert(conn, values);
  if (outcome == DB_OK) {
    strncpy(key, values[ISSUE_SLUG], key_size - 1);
    key[key_size - 1] = '\0';
  }
  return outcome;
}

static int issue_references_valid(struct db_conn *conn, const json_t *body,
                                  const char *own_key, json_t *errors) {
  const char *parent = json_string_value(json_object_get(body, "parent"));
  const char *slug = json_string_value(json_object_get(body, "slug"));
  if (parent == NULL) {
    return DB_OK;
  }
  if ((slug != NULL && strcmp(parent, slug) == 0) ||
      (own_key != NULL && strcmp(parent, own_key) == 0)) {
    problem_errors_add(errors, "parent", "an issue cannot be its own parent");
    return DB_NOT_FOUND;
  }
  int found = db_issues_exists(conn, parent);
  if (found == DB_NOT_FOUND) {
    problem_errors_add(errors, "parent", "names no issue");
  }
  return found;
}

const struct resource issue_resource = {
    .name = "issue",
    .path = "/issues",
    .key = KEY_SLUG,
    .not_found = PROBLEM_ISSUE_NOT_FOUND,
    .fields = issue_fields,
    .field_count = sizeof issue_fields / sizeof issue_fields[0],
    .list = &db_issues_list_spec,
    .list_params = issue_list_params,
    .list_param_count = sizeof issue_list_params / sizeof issue_list_params[0],
    .fetch = db_issues_fetch,
    .read = &db_issues_read,
    .insert = issue_insert,
    .update = db_issues_update,
    .remove = db_issues_delete,
    .references_valid = issue_references_valid,
};

void issues_list_handler(struct request *request) {
  resource_list(request, &issue_resource);
}

void issues_create_handler(struct request *request) {
  resource_create(request, &issue_resource);
}

void issues_read_handler(struct request *request) {
  resource_read(request, &issue_resource);
}

void issues_patch_handler(struct request *request) {
  resource_patch(request, &issue_resource);
}

void issues_delete_handler(struct request *request) {
  resource_delete(request, &issue_resource);
}

void issues_claims_handler(struct request *request) {
  struct query_param params[16];
  size_t count = claims_params_without("issue", params);
  resource_claims_of(request, params, count, KEY_SLUG,
                     &db_issues_exists_statement, PROBLEM_ISSUE_NOT_FOUND,
                     CLAIM_FILTER_ISSUE);
}
