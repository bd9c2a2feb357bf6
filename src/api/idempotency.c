/* Idempotency-Key on POST: the header's check, the claim and the stored
   answer inside the write's transaction, and the replay. */
#include "api/idempotency.h"

#include "common/encoding.h"
#include "common/json_output.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool idempotency_begin(struct request *request,
                       struct idempotency *idempotency) {
  memset(idempotency, 0, sizeof *idempotency);
  const char *key = request_header(request, "Idempotency-Key");
  if (key == NULL || request->key_id <= 0) {
    return true;
  }
  size_t length = strlen(key);
  bool valid = length >= 1 && length <= IDEMPOTENCY_KEY_MAX;
  for (size_t i = 0; valid && i < length; i++) {
    valid = key[i] >= 0x20 && key[i] <= 0x7E;
  }
  if (!valid) {
    json_t *errors = json_array();
    problem_errors_add(errors, "Idempotency-Key",
                       "must be 1 to 255 printable ASCII characters");
    response_problem_steal(request, PROBLEM_INVALID_HEADER,
                           "the Idempotency-Key header is not valid", errors);
    return false;
  }
  idempotency->active = true;
  snprintf(idempotency->key, sizeof idempotency->key, "%s", key);
  snprintf(idempotency->key_id, sizeof idempotency->key_id, "%lld",
           request->key_id);
  /* The same request: the same body, sent as the same media type (the
     method and path are compared as they are). */
  unsigned char digest[SHA256_BYTES];
  char body_hex[2 * SHA256_BYTES + 1];
  sha256_digest(request->body != NULL ? request->body : "",
                request->body_length, digest);
  hex_encode(digest, sizeof digest, body_hex);
  char material[512];
  snprintf(material, sizeof material, "%s\n%s", body_hex,
           request->content_type != NULL ? request->content_type : "");
  sha256_digest(material, strlen(material), digest);
  hex_encode(digest, sizeof digest, idempotency->request_hash);
  return true;
}

int idempotency_claim_key(struct db_conn *conn, const struct request *request,
                          struct idempotency *idempotency,
                          struct request_problem *problem) {
  db_idempotency_row_release(&idempotency->stored);
  if (!idempotency->active) {
    return DB_OK;
  }
  int outcome =
      db_idempotency_expire(conn, idempotency->key_id, idempotency->key);
  if (outcome == DB_OK) {
    outcome = db_idempotency_claim(conn, idempotency->key_id, idempotency->key,
                                   request->method_name, request->path,
                                   idempotency->request_hash);
  }
  if (outcome != DB_NOT_FOUND) {
    return outcome;
  }
  /* Taken: by an earlier request, or by a concurrent one that has just
     committed (the claim waited for it). */
  outcome = db_idempotency_fetch(conn, idempotency->key_id, idempotency->key,
                                 &idempotency->stored);
  if (outcome == DB_NOT_FOUND) {
    /* Deleted between the two statements (expired by another request): a
       retry of the transaction claims it anew. */
    return DB_RETRY;
  }
  if (outcome != DB_OK) {
    return outcome;
  }
  const struct idempotency_row *row = &idempotency->stored;
  if (strcmp(row->method, request->method_name) != 0 ||
      strcmp(row->path, request->path) != 0 ||
      strcmp(row->request_hash, idempotency->request_hash) != 0) {
    json_t *errors = json_array();
    problem_errors_add(errors, "Idempotency-Key",
                       "was used for another request; use a new key");
    request_problem_record(
        problem, PROBLEM_IDEMPOTENCY_KEY_REUSED, errors,
        "this Idempotency-Key was used for a different request (method, "
        "path or body) in the last 24 hours");
    return API_PROBLEM_RECORDED;
  }
  return API_REPLAYED;
}

int idempotency_store(struct db_conn *conn,
                      const struct idempotency *idempotency, unsigned status,
                      const char *location, const json_t *body, bool record) {
  if (!idempotency->active) {
    return DB_OK;
  }
  /* As the response serialises it (a record with sorted keys, for its
     ETag), so that the replay is byte for byte the same. */
  char *text =
      json_dumps(body, (record ? JSON_COMPACT | JSON_SORT_KEYS : JSON_COMPACT) |
                           OUTPUT_JSON_REALS);
  if (text == NULL) {
    return DB_HARD_ERROR;
  }
  int outcome = db_idempotency_complete(
      conn, idempotency->key_id, idempotency->key, status, location, text);
  free(text);
  return outcome;
}

void idempotency_replay(struct request *request,
                        const struct idempotency *idempotency, bool record) {
  const struct idempotency_row *row = &idempotency->stored;
  json_t *body = json_loads(row->body, JSON_REJECT_DUPLICATES, NULL);
  if (body == NULL || row->status < 200 || row->status > 299) {
    json_decref(body);
    response_problem(request, PROBLEM_INTERNAL,
                     "the stored answer of this Idempotency-Key is unreadable "
                     "(request %s)",
                     request->id);
    return;
  }
  if (record) {
    response_record_steal(request, row->status, body);
  } else {
    response_json_steal(request, row->status, body);
  }
  if (row->location != NULL) {
    response_add_header(request, "Location", row->location);
  }
  response_add_header(request, "Idempotent-Replayed", "true");
}

void idempotency_end(struct idempotency *idempotency) {
  db_idempotency_row_release(&idempotency->stored);
}
