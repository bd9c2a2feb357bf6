/* Response builders: JSON bodies, records with ETags, problems, empty. */
#include "http/response.h"

#include "common/encoding.h"
#include "common/json_output.h"
#include "common/log.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

/* Replaces any response set before: the last word wins, and the earlier one
   is freed here rather than leaked. */
static void response_set(struct request *request, unsigned status,
                         struct MHD_Response *response, size_t bytes) {
  if (request->response != NULL) {
    MHD_destroy_response(request->response);
  }
  request->response = response;
  request->status = status;
  request->response_bytes = bytes;
}

static void response_from_text(struct request *request, unsigned status,
                               char *text, const char *content_type) {
  if (text == NULL) {
    log_error("out of memory serialising a response");
    response_set(request, 500, NULL, 0);
    return;
  }
  size_t length = strlen(text);
  struct MHD_Response *response =
      MHD_create_response_from_buffer(length, text, MHD_RESPMEM_MUST_FREE);
  if (response == NULL) {
    free(text);
    response_set(request, 500, NULL, 0);
    return;
  }
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  response_set(request, status, response, length);
}

void response_json_steal(struct request *request, unsigned status,
                         json_t *body) {
  char *text = json_dumps(body, JSON_COMPACT | OUTPUT_JSON_REALS);
  json_decref(body);
  response_from_text(request, status, text, "application/json");
}

static void etag_of_text(const char *text, char *out) {
  unsigned char digest[SHA256_BYTES];
  char hex[2 * SHA256_BYTES + 1];
  sha256_digest(text, strlen(text), digest);
  hex_encode(digest, 16, hex);
  snprintf(out, RESPONSE_ETAG_SIZE, "\"%.32s\"", hex);
}

void response_etag(const json_t *record, char *out) {
  char *text =
      json_dumps(record, JSON_COMPACT | JSON_SORT_KEYS | OUTPUT_JSON_REALS);
  if (text == NULL) {
    out[0] = '\0';
    return;
  }
  etag_of_text(text, out);
  free(text);
}

/* Parses one header line of If-Match or If-None-Match (RFC 9110 13.1.1:
   "*" or a comma-separated list of entity tags, empty elements allowed)
   and compares it with `etag` (NULL to check the syntax only): strongly
   for If-Match (a weak tag never matches), weakly for If-None-Match. False
   when the line does not parse. */
static bool etag_line_parse(const char *line, const char *etag, bool weak,
                            bool *star, bool *matches) {
  const char *p = line;
  size_t etag_length = etag != NULL ? strlen(etag) : 0;
  while (*p == ' ' || *p == '\t') {
    p++;
  }
  if (*p == '*') {
    p++;
    while (*p == ' ' || *p == '\t') {
      p++;
    }
    *star = true;
    *matches = true;
    return *p == '\0';
  }
  while (*p != '\0') {
    if (*p == ',' || *p == ' ' || *p == '\t') {
      p++;
      continue;
    }
    bool tagged_weak = strncmp(p, "W/", 2) == 0;
    if (tagged_weak) {
      p += 2;
    }
    if (*p != '"') {
      return false;
    }
    const char *tag = p++;
    /* etagc: %x21 / %x23-7E / obs-text */
    while (*p != '"' && (unsigned char)*p >= 0x21 &&
           (unsigned char)*p != 0x7F) {
      p++;
    }
    if (*p != '"') {
      return false;
    }
    p++;
    if (etag != NULL && (weak || !tagged_weak) &&
        (size_t)(p - tag) == etag_length &&
        memcmp(tag, etag, etag_length) == 0) {
      *matches = true;
    }
    while (*p == ' ' || *p == '\t') {
      p++;
    }
    if (*p != ',' && *p != '\0') {
      return false;
    }
  }
  return true;
}

bool response_etag_matches(const char *header, const char *etag, bool weak) {
  bool star = false;
  bool matches = false;
  return etag_line_parse(header, etag, weak, &star, &matches) && matches;
}

struct etag_walk {
  const char *name;
  const char *etag;
  bool weak;
  unsigned lines;
  bool star;
  bool valid;
  bool matches;
};

static enum MHD_Result etag_visit(void *closure, enum MHD_ValueKind kind,
                                  const char *key, const char *value) {
  struct etag_walk *walk = closure;
  (void)kind;
  if (key == NULL || strcasecmp(key, walk->name) != 0) {
    return MHD_YES;
  }
  walk->lines++;
  if (value == NULL || !etag_line_parse(value, walk->etag, walk->weak,
                                        &walk->star, &walk->matches)) {
    walk->valid = false;
  }
  return MHD_YES;
}

enum etag_condition response_etag_condition(const struct request *request,
                                            const char *name, const char *etag,
                                            bool weak) {
  struct etag_walk walk = {name, etag, weak, 0, false, true, false};
  /* Every line of the header: a client may send the list on several. */
  MHD_get_connection_values(request->connection, MHD_HEADER_KIND, etag_visit,
                            &walk);
  if (walk.lines == 0) {
    return ETAG_ABSENT;
  }
  /* "*" stands alone: with another line it is no list the grammar has. */
  if (!walk.valid || (walk.star && walk.lines > 1)) {
    return ETAG_MALFORMED;
  }
  return walk.matches ? ETAG_MATCHES : ETAG_DIFFERS;
}

void response_record_steal(struct request *request, unsigned status,
                           json_t *record) {
  /* One serialisation serves both the body and its ETag. */
  char *text =
      json_dumps(record, JSON_COMPACT | JSON_SORT_KEYS | OUTPUT_JSON_REALS);
  json_decref(record);
  if (text == NULL) {
    response_from_text(request, status, NULL, NULL);
    return;
  }
  char etag[RESPONSE_ETAG_SIZE];
  etag_of_text(text, etag);
  if ((request->method & (HTTP_GET | HTTP_HEAD)) &&
      response_etag_condition(request, "If-None-Match", etag, true) ==
          ETAG_MATCHES) {
    free(text);
    response_empty(request, 304);
  } else {
    response_from_text(request, status, text, "application/json");
  }
  response_add_header(request, "ETag", etag);
}

/* Copies text into out, replacing bytes that are not valid UTF-8 with '?':
   details may quote what a client sent, and JSON must stay valid. */
static void copy_valid_utf8(const char *text, char *out, size_t size) {
  size_t used = 0;
  const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
  while (*p != '\0' && used + 5 < size) {
    utf8proc_int32_t codepoint = 0;
    utf8proc_ssize_t length = utf8proc_iterate(p, -1, &codepoint);
    if (length <= 0) {
      out[used++] = '?';
      p++;
      continue;
    }
    memcpy(out + used, p, (size_t)length);
    used += (size_t)length;
    p += length;
  }
  out[used] = '\0';
}

void response_problem_steal(struct request *request, enum problem problem,
                            const char *detail, json_t *errors) {
  unsigned status = problem_status(problem);
  char type[128];
  snprintf(type, sizeof type, "%s%s", PROBLEM_TYPE_BASE, problem_slug(problem));
  char clean_detail[600];
  copy_valid_utf8(detail != NULL ? detail : "", clean_detail,
                  sizeof clean_detail);
  json_t *body =
      json_pack("{s:s, s:s, s:i, s:s, s:o}", "type", type, "title",
                problem_title(problem), "status", (int)status, "detail",
                clean_detail, "errors", errors != NULL ? errors : json_array());
  char *text =
      body != NULL ? json_dumps(body, JSON_COMPACT | OUTPUT_JSON_REALS) : NULL;
  json_decref(body);
  response_from_text(request, status, text, "application/problem+json");
  if (status == 503) {
    response_add_header(request, MHD_HTTP_HEADER_RETRY_AFTER, "2");
  }
}

void response_problem(struct request *request, enum problem problem,
                      const char *format, ...) {
  char detail[512];
  va_list args;
  va_start(args, format);
  vsnprintf(detail, sizeof detail, format, args);
  va_end(args);
  response_problem_steal(request, problem, detail, NULL);
}

void response_problem_answer(struct request *request,
                             struct request_problem *problem) {
  json_t *errors = problem->errors;
  problem->errors = NULL;
  if (errors == NULL && problem->field[0] != '\0') {
    errors = json_array();
    problem_errors_add(errors, problem->field, problem->message);
  }
  response_problem_steal(request, problem->kind, problem->detail, errors);
  problem->kind = PROBLEM_COUNT;
}

void response_empty(struct request *request, unsigned status) {
  struct MHD_Response *response =
      MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
  response_set(request, status, response, 0);
}

void response_text_steal(struct request *request, unsigned status,
                         const char *content_type, char *text, size_t length) {
  struct MHD_Response *response =
      MHD_create_response_from_buffer(length, text, MHD_RESPMEM_MUST_FREE);
  if (response == NULL) {
    free(text);
    response_set(request, 500, NULL, 0);
    return;
  }
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  response_set(request, status, response, length);
}

void response_stream(struct request *request, unsigned status,
                     const char *content_type, response_stream_reader *reader,
                     void (*release)(void *closure), void *closure) {
  /* MHD asks for at most this much at a time: a chunk of the body. */
  enum { STREAM_BLOCK = 16 * 1024 };
  struct MHD_Response *response = MHD_create_response_from_callback(
      MHD_SIZE_UNKNOWN, STREAM_BLOCK, reader, closure, release);
  if (response == NULL) {
    release(closure);
    response_set(request, 500, NULL, 0);
    return;
  }
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  /* Its length is unknown until the end: the access log counts 0 bytes. */
  response_set(request, status, response, 0);
}

void response_static(struct request *request, unsigned status,
                     const char *content_type, const char *data,
                     size_t length) {
  struct MHD_Response *response = MHD_create_response_from_buffer(
      length, (void *)data, MHD_RESPMEM_PERSISTENT);
  if (response != NULL) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            content_type);
  }
  response_set(request, status, response, length);
}

void response_shared(struct request *request, unsigned status,
                     const char *content_type, const char *data, size_t length,
                     void (*release)(void *closure), void *closure) {
  struct MHD_Response *response =
      MHD_create_response_from_buffer_with_free_callback_cls(
          length, (void *)data, release, closure);
  if (response == NULL) {
    release(closure);
    response_set(request, 500, NULL, 0);
    return;
  }
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  response_set(request, status, response, length);
}

void response_add_header(struct request *request, const char *name,
                         const char *value) {
  if (request->response != NULL) {
    MHD_add_response_header(request->response, name, value);
  }
}

void problem_errors_add(json_t *errors, const char *field,
                        const char *message) {
  char clean_field[200];
  char clean_message[400];
  copy_valid_utf8(field, clean_field, sizeof clean_field);
  copy_valid_utf8(message, clean_message, sizeof clean_message);
  json_array_append_new(errors, json_pack("{s:s, s:s}", "field", clean_field,
                                          "message", clean_message));
}
