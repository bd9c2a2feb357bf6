/* Handlers of /articles: the stored news articles and their claims. */
#include "db/articles.h"
#include "api/handlers.h"
#include "api/resource.h"
#include "db/claims.h"
#include "http/response.h"

static const struct field article_fields[] = {
    {"id", FIELD_INTEGER, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"sha256", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"title", FIELD_STRING, FIELD_NULLABLE, ARTICLE_TITLE, 1, 500, 0, 0, NULL},
    {"url", FIELD_STRING, FIELD_NULLABLE, ARTICLE_URL, 1, 2000, 0, 0, NULL},
    {"published", FIELD_DATE, FIELD_NULLABLE, ARTICLE_PUBLISHED, 0, 0, 0, 0,
     NULL},
    {"updated", FIELD_DATE, FIELD_NULLABLE, ARTICLE_UPDATED, 0, 0, 0, 0, NULL},
    {"authors", FIELD_STRING_ARRAY, 0, ARTICLE_AUTHORS, 0, 50, 0, 0, NULL},
    {"dateline", FIELD_STRING, FIELD_NULLABLE, ARTICLE_DATELINE, 1, 200, 0, 0,
     NULL},
    {"text", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"claim_count", FIELD_INTEGER, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"created_at", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
    {"updated_at", FIELD_STRING, FIELD_READ_ONLY, -1, 0, 0, 0, 0, NULL},
};

static const char *const article_sort_names[] = {
    "-created_at", "created_at", "-published", "published", NULL};

static const struct query_param article_list_params[] = {
    {"limit", QUERY_INTEGER, 1, 200, 0, NULL},
    {"cursor", QUERY_TEXT, 0, 0, 600, NULL},
    {"sort", QUERY_ENUM, 0, 0, 0, article_sort_names},
    {"since", QUERY_DATE, 0, 0, 0, NULL},
    {"until", QUERY_DATE, 0, 0, 0, NULL},
    {"q", QUERY_TEXT, 0, 0, 200, NULL},
};

const struct resource article_resource = {
    .name = "article",
    .path = "/articles",
    .key = KEY_ID,
    .not_found = PROBLEM_ARTICLE_NOT_FOUND,
    .fields = article_fields,
    .field_count = sizeof article_fields / sizeof article_fields[0],
    .list = &db_articles_list_spec,
    .list_params = article_list_params,
    .list_param_count =
        sizeof article_list_params / sizeof article_list_params[0],
    .fetch = db_articles_fetch,
    .read = &db_articles_read,
    .insert = NULL, /* articles come from the loader */
    .update = db_articles_update,
    .remove = db_articles_delete,
    .references_valid = NULL,
};

void articles_list_handler(struct request *request) {
  resource_list(request, &article_resource);
}

void articles_read_handler(struct request *request) {
  resource_read(request, &article_resource);
}

void articles_patch_handler(struct request *request) {
  resource_patch(request, &article_resource);
}

void articles_delete_handler(struct request *request) {
  resource_delete(request, &article_resource);
}

void articles_claims_handler(struct request *request) {
  struct query_param params[16];
  size_t count = claims_params_without("article", params);
  resource_claims_of(request, params, count, KEY_ID,
                     &db_articles_exists_statement, PROBLEM_ARTICLE_NOT_FOUND,
                     CLAIM_FILTER_ARTICLE);
}
