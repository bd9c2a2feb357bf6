/* libFuzzer target: the router over the real routing table, with any path
 * and method; a match must name a route of that method whose parameters are
 * non-empty segments of the path. */
#include "api/api.h"
#include "http/request.h"
#include "http/router.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const enum http_method methods[] = {
      HTTP_GET,    HTTP_HEAD, HTTP_POST,    HTTP_PATCH,
      HTTP_DELETE, HTTP_PUT,  HTTP_OPTIONS, HTTP_OTHER};
  if (size < 1) {
    return 0;
  }
  enum http_method method = methods[data[0] % 8];
  char *path = malloc(size);
  if (path == NULL) {
    return 0;
  }
  memcpy(path, data + 1, size - 1);
  path[size - 1] = '\0';
  struct request request;
  memset(&request, 0, sizeof request);
  request.path_copy = strdup(path);
  unsigned allowed = 0;
  const struct route *route =
      router_match(api_routes, &request, path, method, &allowed);
  if (route != NULL) {
    bool method_fits = route->method == method ||
                       (method == HTTP_HEAD && route->method == HTTP_GET);
    if (!method_fits || (allowed & (unsigned)method) == 0) {
      abort();
    }
    for (size_t i = 0; i < REQUEST_MAX_PATH_PARAMS; i++) {
      const char *param = request.path_params[i];
      if (param != NULL && (param[0] == '\0' || strchr(param, '/') != NULL)) {
        abort();
      }
    }
  }
  char allow[128];
  router_allow_header(allowed, allow, sizeof allow);
  free(request.path_copy);
  free(path);
  return 0;
}
