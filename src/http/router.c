/* Matching a path and method against the routing table. */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

/* Matches one pattern against a path, segment by segment; on success the
   byte offsets of the {param} segments are stored in `param_offsets`. */
static bool pattern_matches(const char *pattern, const char *path,
                            size_t *param_count, size_t *param_offsets) {
  const char *p = pattern;
  const char *s = path;
  size_t count = 0;
  while (*p != '\0' && *s != '\0') {
    if (*p != '/' || *s != '/') {
      return false;
    }
    p++;
    s++;
    const char *p_end = strchr(p, '/');
    const char *s_end = strchr(s, '/');
    size_t p_length = p_end != NULL ? (size_t)(p_end - p) : strlen(p);
    size_t s_length = s_end != NULL ? (size_t)(s_end - s) : strlen(s);
    if (p_length > 0 && p[0] == '{') {
      if (s_length == 0 || count == REQUEST_MAX_PATH_PARAMS) {
        return false;
      }
      param_offsets[count++] = (size_t)(s - path);
    } else if (p_length != s_length || memcmp(p, s, p_length) != 0) {
      return false;
    }
    p += p_length;
    s += s_length;
  }
  if (*p != '\0' || *s != '\0') {
    return false;
  }
  *param_count = count;
  return true;
}

const struct route *router_match(const struct route *routes,
                                 struct request *request, const char *path,
                                 enum http_method method, unsigned *allowed) {
  const struct route *found = NULL;
  size_t offsets[REQUEST_MAX_PATH_PARAMS] = {0};
  size_t found_count = 0;
  *allowed = 0;
  for (const struct route *route = routes; route->pattern != NULL; route++) {
    size_t count = 0;
    size_t route_offsets[REQUEST_MAX_PATH_PARAMS];
    if (!pattern_matches(route->pattern, path, &count, route_offsets)) {
      continue;
    }
    unsigned methods = (unsigned)route->method;
    if (route->method == HTTP_GET) {
      methods |= HTTP_HEAD;
    }
    *allowed |= methods;
    bool wanted = route->method == method ||
                  (method == HTTP_HEAD && route->method == HTTP_GET);
    if (found == NULL && wanted) {
      found = route;
      found_count = count;
      memcpy(offsets, route_offsets, sizeof offsets);
    }
  }
  if (*allowed != 0) {
    *allowed |= HTTP_OPTIONS;
  }
  if (found != NULL) {
    /* Path parameters point into the request's own copy of the path, cut at
       each following slash. */
    char *copy = request->path_copy;
    for (size_t i = 0; i < found_count; i++) {
      char *segment = copy + offsets[i];
      char *slash = strchr(segment, '/');
      if (slash != NULL) {
        *slash = '\0';
      }
      request->path_params[i] = segment;
    }
  }
  return found;
}

void router_allow_header(unsigned methods, char *out, size_t size) {
  static const struct {
    enum http_method method;
    const char *name;
  } names[] = {{HTTP_GET, "GET"},        {HTTP_HEAD, "HEAD"},
               {HTTP_POST, "POST"},      {HTTP_PUT, "PUT"},
               {HTTP_PATCH, "PATCH"},    {HTTP_DELETE, "DELETE"},
               {HTTP_OPTIONS, "OPTIONS"}};
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if ((methods & (unsigned)names[i].method) == 0) {
      continue;
    }
    int written = snprintf(out + used, size - used, "%s%s",
                           used > 0 ? ", " : "", names[i].name);
    if (written < 0 || (size_t)written >= size - used) {
      break;
    }
    used += (size_t)written;
  }
}
