/* Building the answer to a request: JSON, problems, empty and raw bodies.
 *
 * Each function sets request->response and request->status once; the router
 * queues it with the headers every response carries. Functions ending in
 * _steal take over the Jansson reference they are given. */
#ifndef PARLEY_HTTP_RESPONSE_H
#define PARLEY_HTTP_RESPONSE_H

#include "common/problem.h"
#include "http/request.h"

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

/* A streamed body's producer, called on the connection's thread each time
   the client can take more: writes up to `size` bytes to `buffer` and
   returns how many (at least 1), RESPONSE_STREAM_END after the last, or
   RESPONSE_STREAM_FAILED to cut the connection (the client then sees a
   body without its end: no final chunk). `position` counts the bytes
   already sent. The two results are MHD's own values
   (MHD_CONTENT_READER_END_OF_STREAM, MHD_CONTENT_READER_END_WITH_ERROR):
   the reader is handed to MHD as it is. */
#define RESPONSE_STREAM_END ((ssize_t)-1)
#define RESPONSE_STREAM_FAILED ((ssize_t)-2)
typedef ssize_t response_stream_reader(void *closure, uint64_t position,
                                       char *buffer, size_t size);

/* A body of unknown length (chunked in HTTP/1.1) made by `reader`; the
   response owns `closure` and frees it with `release` when done with it
   (also when this fails, with a 500 then). */
void response_stream(struct request *request, unsigned status,
                     const char *content_type, response_stream_reader *reader,
                     void (*release)(void *closure), void *closure);

/* A JSON body (compact). */
void response_json_steal(struct request *request, unsigned status,
                         json_t *body);

/* A JSON record with a strong ETag; answers 304 instead when the request's
   If-None-Match names the same ETag. */
void response_record_steal(struct request *request, unsigned status,
                           json_t *record);

/* The strong ETag of a record: the quoted first 32 hex digits of the SHA-256
   of its canonical JSON. `out` holds at least RESPONSE_ETAG_SIZE bytes. */
#define RESPONSE_ETAG_SIZE 35
void response_etag(const json_t *record, char *out);

/* Whether one If-Match (weak false) or If-None-Match (weak true) header
   line lists `etag`, or is "*"; false for a line that does not parse. */
bool response_etag_matches(const char *header, const char *etag, bool weak);

/* A conditional header (RFC 9110 13.1.1-2: every line of If-Match or
   If-None-Match, named by `name`, taken as one list) against `etag` (NULL
   to check the syntax only), compared strongly or `weak`ly. */
enum etag_condition {
  ETAG_ABSENT,    /* no such header */
  ETAG_MATCHES,   /* it lists the ETag, or is "*" */
  ETAG_DIFFERS,   /* it lists other ETags only */
  ETAG_MALFORMED, /* not "*" nor a list of entity tags: answer 400 */
};
enum etag_condition response_etag_condition(const struct request *request,
                                            const char *name, const char *etag,
                                            bool weak);

/* An RFC 9457 problem. `errors` is an array of {field, message} or NULL. */
void response_problem_steal(struct request *request, enum problem problem,
                            const char *detail, json_t *errors);
void response_problem(struct request *request, enum problem problem,
                      const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* Answers a problem a step recorded (request_problem_record), taking its
   errors. */
void response_problem_answer(struct request *request,
                             struct request_problem *problem);

/* A body-less answer such as 204. */
void response_empty(struct request *request, unsigned status);

/* A malloc'd body of `length` bytes, freed with the response. */
void response_text_steal(struct request *request, unsigned status,
                         const char *content_type, char *text, size_t length);

/* Raw bytes that outlive the request (static data). */
void response_static(struct request *request, unsigned status,
                     const char *content_type, const char *data, size_t length);

/* Bytes shared with other responses (a cached answer): sent with their
   Content-Length, not copied; `release(closure)` is called once the
   response is done with them (also when this fails, with a 500 then). */
void response_shared(struct request *request, unsigned status,
                     const char *content_type, const char *data, size_t length,
                     void (*release)(void *closure), void *closure);

/* Adds a header to the response already set. */
void response_add_header(struct request *request, const char *name,
                         const char *value);

/* Appends {"field", "message"} to an errors array. */
void problem_errors_add(json_t *errors, const char *field, const char *message);

#endif
