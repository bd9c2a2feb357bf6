/* Service configuration read from the environment, validated at start-up. */
#ifndef PARLEY_COMMON_CONFIG_H
#define PARLEY_COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
  char *database_url;          /* DATABASE_URL; owned */
  char *database_read_url;     /* DATABASE_READ_URL, or NULL; owned */
  bool transaction_pooling;    /* PARLEY_DB_TRANSACTION_POOLING */
  unsigned port;               /* PORT, 0..65535 (0 picks a free port) */
  char *cors_origins;          /* PARLEY_CORS_ORIGINS: "*" or a comma list */
  size_t body_limit;           /* PARLEY_BODY_LIMIT bytes */
  unsigned threads;            /* PARLEY_THREADS: MHD worker threads */
  unsigned pool_size;          /* PARLEY_DB_POOL: database connections */
  unsigned reader_connections; /* PARLEY_DB_READERS: pipelined, 0: none */
  unsigned reader_depth;       /* PARLEY_DB_READER_DEPTH: jobs per connection */
  bool handler_threads;        /* PARLEY_HANDLER_THREADS: database work off the
                                  HTTP workers */
  unsigned statement_timeout_ms;   /* PARLEY_STATEMENT_TIMEOUT_MS */
  unsigned connection_timeout_s;   /* PARLEY_CONNECTION_TIMEOUT: idle clients */
  unsigned header_timeout_s;       /* PARLEY_HEADER_TIMEOUT: the request head */
  unsigned max_connections_per_ip; /* PARLEY_MAX_CONNECTIONS_PER_IP, 0: none */
  unsigned drain_seconds;          /* PARLEY_DRAIN_SECONDS: shutdown deadline */
  size_t positions_cache_bytes;    /* PARLEY_POSITIONS_CACHE_BYTES */
  int log_level;                   /* PARLEY_LOG_LEVEL */
};

/* Fills `config` from the environment (call before starting threads).
   Returns 0, or -1 with a message naming the variable in `error`. */
int config_from_environment(struct config *config, char *error,
                            size_t error_size);
void config_release(struct config *config);

/* The default DATABASE_URL of parleyd and parley: the cluster scripts/run.sh
   starts (data in .var/pg, its socket in this short fixed directory, so both
   programs find it whatever the checkout's path, within the 107-byte limit
   of a socket path). scripts/run.sh uses exactly these values. */
#define CONFIG_DEFAULT_DATABASE_URL                                            \
  "postgresql:///parley?host=/tmp/parley-pg&port=55432&user=postgres"

#endif
