/* The analysts' web page: the files of web/, embedded in parleyd, served at /,
 * /load, /docs and /static/{file} with their Content-Type, an ETag and a
 * Content-Security-Policy. */
#include "api/handlers.h"
#include "common/embedded.h"
#include "common/encoding.h"
#include "http/response.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const struct embedded_file embedded_web[];
extern const size_t embedded_web_count;

/* Pages and their scripts come from this origin only; nothing inline. */
#define STATIC_CSP                                                             \
  "default-src 'self'; script-src 'self'; style-src 'self'; "                  \
  "img-src 'self' data:; connect-src 'self'; object-src 'none'; "              \
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* Redoc injects its styles at run time and runs its search in a worker
   started from a blob: URL. */
#define STATIC_DOCS_CSP                                                        \
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "  \
  "img-src 'self' data:; connect-src 'self'; worker-src blob:; "               \
  "object-src 'none'; base-uri 'none'; form-action 'self'; "                   \
  "frame-ancestors 'none'"

/* One quoted ETag per embedded file, same order as embedded_web. */
static char (*static_etags)[RESPONSE_ETAG_SIZE];
static pthread_once_t static_etags_once = PTHREAD_ONCE_INIT;

static void static_etags_compute(void) {
  static_etags = calloc(embedded_web_count + 1, sizeof *static_etags);
  if (static_etags == NULL) {
    return;
  }
  for (size_t i = 0; i < embedded_web_count; i++) {
    unsigned char digest[SHA256_BYTES];
    char hex[2 * SHA256_BYTES + 1];
    sha256_digest(embedded_web[i].data, embedded_web[i].length, digest);
    hex_encode(digest, 16, hex);
    static_etags[i][0] = '"';
    memcpy(static_etags[i] + 1, hex, 32);
    static_etags[i][33] = '"';
    static_etags[i][34] = '\0';
  }
}

static const char *static_content_type(const char *name) {
  static const struct {
    const char *suffix;
    const char *type;
  } types[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/plain; charset=utf-8"},
      {".LICENSE", "text/plain; charset=utf-8"},
  };
  size_t length = strlen(name);
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    size_t suffix_length = strlen(types[i].suffix);
    if (length > suffix_length &&
        strcmp(name + length - suffix_length, types[i].suffix) == 0) {
      return types[i].type;
    }
  }
  return "application/octet-stream";
}

/* Answers with the embedded file `name`, or 404 when there is none. */
static void static_send(struct request *request, const char *name,
                        const char *policy) {
  const struct embedded_file *file = embedded_find(embedded_web, name);
  if (file == NULL) {
    response_problem(request, PROBLEM_NOT_FOUND, "no file named '%s'", name);
    return;
  }
  pthread_once(&static_etags_once, static_etags_compute);
  const char *etag =
      static_etags != NULL ? static_etags[file - embedded_web] : NULL;
  const char *if_none_match = request_header(request, "If-None-Match");
  if (etag != NULL && if_none_match != NULL &&
      response_etag_matches(if_none_match, etag, true)) {
    response_empty(request, 304);
  } else {
    response_static(request, 200, static_content_type(name), file->data,
                    file->length);
  }
  if (etag != NULL) {
    response_add_header(request, "ETag", etag);
  }
  /* Revalidated on every use, so a new parleyd is seen at once. */
  response_add_header(request, "Cache-Control", "no-cache");
  response_add_header(request, "Content-Security-Policy", policy);
  response_add_header(request, "Referrer-Policy", "no-referrer");
  response_add_header(request, "X-Frame-Options", "DENY");
}

void static_index_handler(struct request *request) {
  static_send(request, "index.html", STATIC_CSP);
}

void static_load_handler(struct request *request) {
  static_send(request, "load.html", STATIC_CSP);
}

void static_docs_handler(struct request *request) {
  static_send(request, "docs.html", STATIC_DOCS_CSP);
}

void static_file_handler(struct request *request) {
  const char *name = request->path_params[0];
  /* The page's own files need no more than the pages; Redoc's bundle and
     the docs page's script run under the docs policy anyway. */
  static_send(request, name, STATIC_CSP);
}
