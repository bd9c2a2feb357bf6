/* Handlers of /parties: the party resource and its claims. */
#include "db/parties.h"
#include "api/handlers.h"
#include "api/resource.h"
#include "common/vocabulary.h"
#include "db/claims.h"
#include "http/response.h"

#include <string.h>

static const struct field party_fields[] = {
    {"id", FIELD_INTEGER, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"slug", FIELD_SLUG, 0, PARTY_SLUG, 0, 0, 0, 0, NULL},
    {"name", FIELD_STRING, FIELD_REQUIRED | FIELD_NFC, PARTY_NAME, 1, 200, 0, 0,
     NULL},
    {"kind", FIELD_ENUM, FIELD_REQUIRED, PARTY_KIND, 0, 0, 0, 0,
     party_kind_names},
    {"aliases", FIELD_STRING_ARRAY, FIELD_NFC, PARTY_ALIASES, 0, 100, 0, 0,
     NULL},
    {"affiliation", FIELD_SLUG, FIELD_NULLABLE, PARTY_AFFILIATION, 0, 0, 0, 0,
     NULL},
    {"role", FIELD_STRING, FIELD_NULLABLE, PARTY_ROLE, 1, 200, 0, 0, NULL},
    {"created_at", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"updated_at", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
};

static const char *const party_sort_names[] = {
    "-created_at", "created_at", "slug", "-slug", "name", "-name", NULL};

static const struct query_param party_list_params[] = {
    {"limit", QUERY_INTEGER, 1, 200, 0, NULL},
    {"cursor", QUERY_TEXT, 0, 0, 600, NULL},
    {"sort", QUERY_ENUM, 0, 0, 0, party_sort_names},
    {"kind", QUERY_ENUM, 0, 0, 0, party_kind_names},
    {"affiliation", QUERY_SLUG, 0, 0, 0, NULL},
    {"q", QUERY_TEXT, 0, 0, 200, NULL},
};

static int party_insert(struct db_conn *conn, const char *const *values,
                        char *key, size_t key_size) {
  int outcome = db_parties_insert(conn, values);
  if (outcome == DB_OK) {
    strncpy(key, values[PARTY_SLUG], key_size - 1);
    key[key_size - 1] = '\0';
  }
  return outcome;
}

static int party_references_valid(struct db_conn *conn, const json_t *body,
                                  const char *own_key, json_t *errors) {
  const char *affiliation =
      json_string_value(json_object_get(body, "affiliation"));
  const char *slug = json_string_value(json_object_get(body, "slug"));
  if (affiliation == NULL) {
    return DB_OK;
  }
  if ((slug != NULL && strcmp(affiliation, slug) == 0) ||
      (own_key != NULL && strcmp(affiliation, own_key) == 0)) {
    problem_errors_add(errors, "affiliation",
                       "a party cannot be its own affiliation");
    return DB_NOT_FOUND;
  }
  int found = db_parties_exists(conn, affiliation);
  if (found == DB_NOT_FOUND) {
    problem_errors_add(errors, "affiliation", "names no party");
  }
  return found;
}

const struct resource party_resource = {
    .name = "party",
    .path = "/parties",
    .key = KEY_SLUG,
    .not_found = PROBLEM_PARTY_NOT_FOUND,
    .fields = party_fields,
    .field_count = sizeof party_fields / sizeof party_fields[0],
    .list = &db_parties_list_spec,
    .list_params = party_list_params,
    .list_param_count = sizeof party_list_params / sizeof party_list_params[0],
    .fetch = db_parties_fetch,
    .read = &db_parties_read,
    .insert = party_insert,
    .update = db_parties_update,
    .remove = db_parties_delete,
    .references_valid = party_references_valid,
};

void parties_list_handler(struct request *request) {
  resource_list(request, &party_resource);
}

void parties_create_handler(struct request *request) {
  resource_create(request, &party_resource);
}

void parties_read_handler(struct request *request) {
  resource_read(request, &party_resource);
}

void parties_patch_handler(struct request *request) {
  resource_patch(request, &party_resource);
}

void parties_delete_handler(struct request *request) {
  resource_delete(request, &party_resource);
}

void parties_claims_handler(struct request *request) {
  struct query_param params[16];
  size_t count = claims_params_without("party", params);
  resource_claims_of(request, params, count, KEY_SLUG,
                     &db_parties_exists_statement, PROBLEM_PARTY_NOT_FOUND,
                     CLAIM_FILTER_PARTY_OR_SPEAKER);
}
