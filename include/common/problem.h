/* The error catalogue: every problem the service reports, in one table. */
#ifndef PARLEY_COMMON_PROBLEM_H
#define PARLEY_COMMON_PROBLEM_H

/* XX(name, HTTP status, type slug, title). The type URI is
   PROBLEM_TYPE_BASE followed by the slug; titles never vary per request
   (details go in `detail` and `errors`). */
#define PROBLEM_MAP(XX)                                                        \
  XX(MALFORMED_JSON, 400, "malformed-json", "Malformed JSON")                  \
  XX(INVALID_BODY, 400, "invalid-body", "Invalid request body")                \
  XX(INVALID_QUERY, 400, "invalid-query", "Invalid query parameter")           \
  XX(INVALID_CURSOR, 400, "invalid-cursor", "Invalid cursor")                  \
  XX(MALFORMED_REQUEST, 400, "malformed-request", "Malformed request")         \
  XX(INVALID_HEADER, 400, "invalid-header", "Invalid request header")          \
  XX(UNAUTHORIZED, 401, "unauthorized", "Missing or invalid API key")          \
  XX(FORBIDDEN, 403, "forbidden", "Forbidden")                                 \
  XX(NOT_FOUND, 404, "not-found", "Not found")                                 \
  XX(PARTY_NOT_FOUND, 404, "party-not-found", "Party not found")               \
  XX(ISSUE_NOT_FOUND, 404, "issue-not-found", "Issue not found")               \
  XX(CLAIM_NOT_FOUND, 404, "claim-not-found", "Claim not found")               \
  XX(ARTICLE_NOT_FOUND, 404, "article-not-found", "Article not found")         \
  XX(METHOD_NOT_ALLOWED, 405, "method-not-allowed", "Method not allowed")      \
  XX(SLUG_TAKEN, 409, "slug-taken", "Slug already taken")                      \
  XX(STILL_REFERENCED, 409, "still-referenced", "Record still referenced")     \
  XX(PRECONDITION_FAILED, 412, "precondition-failed", "Precondition failed")   \
  XX(BODY_TOO_LARGE, 413, "body-too-large", "Request body too large")          \
  XX(UNSUPPORTED_MEDIA_TYPE, 415, "unsupported-media-type",                    \
     "Unsupported media type")                                                 \
  XX(INVALID_VALUE, 422, "invalid-value", "Invalid value")                     \
  XX(IDEMPOTENCY_KEY_REUSED, 422, "idempotency-key-reused",                    \
     "Idempotency key reused")                                                 \
  XX(INTERNAL, 500, "internal-error", "Internal error")                        \
  XX(NOT_IMPLEMENTED, 501, "not-implemented", "Not implemented")               \
  XX(DATABASE_UNAVAILABLE, 503, "database-unavailable",                        \
     "Database unavailable")                                                   \
  XX(SHUTTING_DOWN, 503, "shutting-down", "Service shutting down")

enum problem {
#define XX(name, status, slug, title) PROBLEM_##name,
  PROBLEM_MAP(XX)
#undef XX
      PROBLEM_COUNT
};

#define PROBLEM_TYPE_BASE "https://parley.dev/problems/"

unsigned problem_status(enum problem problem);
const char *problem_slug(enum problem problem);
const char *problem_title(enum problem problem);

#endif
