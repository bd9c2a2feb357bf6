/* parley: the command-line program (migrate, keys, load, reextract). */
#include "common/config.h"
#include "common/log.h"
#include "db/keys.h"
#include "db/migrate.h"
#include "ingest/ingest.h"
#include "load.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

static void usage(FILE *out) {
  fputs("usage: parley COMMAND [ARGS]\n"
        "\n"
        "commands:\n"
        "  migrate              apply the database migrations\n"
        "  key create NAME [--scope write|read]\n"
        "                       create an API key and print it (once);\n"
        "                       read keys are refused every write\n"
        "  key revoke NAME      revoke the key called NAME\n"
        "  key list             list keys: name, scope, created, last used,\n"
        "                       revoked\n"
        "  load [--dry-run] [--json] [--url URL] [--jobs N]\n"
        "       [--published YYYY-MM-DD] FILE|DIR|-\n"
        "                       extract claims from articles (and store them)\n"
        "  reextract --all | ID...\n"
        "                       run the current pipeline and catalogue again\n"
        "                       over stored articles (manual claims are kept)\n"
        "\n"
        "The database is DATABASE_URL (a libpq URI or conninfo string);\n"
        "by default the cluster scripts/run.sh starts:\n"
        "  " CONFIG_DEFAULT_DATABASE_URL "\n",
        out);
}

static const char *database_url(void) {
  const char *url = getenv("DATABASE_URL"); // NOLINT(concurrency-mt-unsafe)
  return url != NULL && url[0] != '\0' ? url : CONFIG_DEFAULT_DATABASE_URL;
}

static struct db_conn *connect_or_complain(void) {
  char error[512];
  struct db_conn *conn = db_connect(database_url(), error, sizeof error);
  if (conn == NULL) {
    fprintf(stderr, "parley: %s\n", error);
  }
  return conn;
}

static int command_migrate(void) {
  struct db_conn *conn = connect_or_complain();
  if (conn == NULL) {
    return EX_UNAVAILABLE;
  }
  char error[512];
  int applied = db_migrate_apply(conn, error, sizeof error);
  db_disconnect(conn);
  if (applied < 0) {
    fprintf(stderr, "parley: %s\n", error);
    return EX_DATAERR;
  }
  printf("migrations applied: %d\n", applied);
  return EX_OK;
}

#define KEY_USAGE                                                              \
  "usage: parley key create NAME [--scope write|read] | revoke NAME | list\n"

static int command_key(int argc, char **argv) {
  /* create takes NAME and an optional --scope, in either order. */
  int scope = KEY_SCOPE_WRITE;
  const char *name = argc >= 3 ? argv[2] : NULL;
  if (argc >= 2 && strcmp(argv[1], "create") == 0) {
    name = NULL;
    for (int i = 2; i < argc; i++) {
      if (strcmp(argv[i], "--scope") == 0 && i + 1 < argc) {
        scope = db_keys_scope_parse(argv[++i]);
      } else if (strncmp(argv[i], "--scope=", 8) == 0) {
        scope = db_keys_scope_parse(argv[i] + 8);
      } else if (name == NULL && argv[i][0] != '-') {
        name = argv[i];
      } else {
        name = NULL;
        break;
      }
    }
    if (scope < 0) {
      fputs("parley: --scope is 'write' or 'read'\n", stderr);
      return EX_USAGE;
    }
  } else if (argc >= 2 && strcmp(argv[1], "list") != 0 && argc != 3) {
    name = NULL;
  }
  if (argc < 2 || (strcmp(argv[1], "list") != 0 && name == NULL)) {
    fputs(KEY_USAGE, stderr);
    return EX_USAGE;
  }
  struct db_conn *conn = connect_or_complain();
  if (conn == NULL) {
    return EX_UNAVAILABLE;
  }
  int result = EX_OK;
  if (strcmp(argv[1], "create") == 0) {
    char key[KEY_TEXT_SIZE];
    int status = db_keys_create(conn, name, (enum key_scope)scope, key);
    if (status == DB_OK) {
      printf("%s\n", key);
      fprintf(stderr,
              "key '%s' (scope %s) created; it is shown only this once\n", name,
              scope == KEY_SCOPE_WRITE ? "write" : "read");
    } else {
      fprintf(stderr, "parley: cannot create key '%s': %s\n", name,
              strcmp(db_last_error(conn)->sqlstate, "23505") == 0
                  ? "a key with this name exists"
                  : db_last_error(conn)->message);
      result = EX_DATAERR;
    }
  } else if (strcmp(argv[1], "revoke") == 0) {
    int status = db_keys_revoke(conn, argv[2]);
    if (status == DB_OK) {
      printf("key '%s' revoked\n", argv[2]);
    } else {
      fprintf(stderr, "parley: no active key named '%s'\n", argv[2]);
      result = EX_DATAERR;
    }
  } else if (strcmp(argv[1], "list") == 0) {
    enum db_status status;
    PGresult *rows = db_keys_list(conn, &status);
    if (status != DB_OK) {
      fprintf(stderr, "parley: %s\n", db_last_error(conn)->message);
      result = EX_UNAVAILABLE;
    } else {
      printf("%-24s %-6s %-20s %-20s %s\n", "NAME", "SCOPE", "CREATED",
             "LAST USED", "REVOKED");
      for (int i = 0; i < PQntuples(rows); i++) {
        printf("%-24s %-6s %-20s %-20s %s\n", PQgetvalue(rows, i, 0),
               PQgetvalue(rows, i, 1), PQgetvalue(rows, i, 2),
               PQgetvalue(rows, i, 3), PQgetvalue(rows, i, 4));
      }
    }
    PQclear(rows);
  } else {
    fputs(KEY_USAGE, stderr);
    result = EX_USAGE;
  }
  db_disconnect(conn);
  return result;
}

static const struct db_statement statement_article_ids = {
    "parley_article_ids", "SELECT id FROM articles ORDER BY id"};

/* Runs ingest's work on the command's one connection. */
static int run_on_connection(void *context, db_transaction_body *body,
                             void *closure, bool transaction) {
  struct db_conn *conn = context;
  return transaction ? db_transaction(conn, body, closure)
                     : body(conn, closure);
}

/* Re-extracts one article in its own transaction; returns an exit code. */
static int reextract_one(struct db_conn *conn,
                         const struct extract_lexicon *lexicon,
                         const char *id) {
  const struct ingest_runner runner = {.run = run_on_connection,
                                       .context = conn};
  struct ingest_reextract job = {.article_id = id, .lexicon = lexicon};
  int outcome = ingest_reextract(&runner, &job);
  ingest_reextract_end(&job);
  if (outcome == DB_OK) {
    printf("article %s: %s\n", id,
           job.changed ? "extracted claims replaced" : "unchanged");
    return EX_OK;
  }
  if (outcome == DB_NOT_FOUND) {
    fprintf(stderr, "parley: no article %s\n", id);
    return EX_DATAERR;
  }
  fprintf(stderr, "parley: article %s: %s\n", id,
          job.error[0] != '\0' ? job.error : db_last_error(conn)->message);
  return outcome == DB_HARD_ERROR ? EX_SOFTWARE : EX_TEMPFAIL;
}

static bool id_is_valid(const char *text) {
  size_t length = strlen(text);
  if (length == 0 || length > 18 || text[0] == '0') {
    return false;
  }
  return strspn(text, "0123456789") == length;
}

static int command_reextract(int argc, char **argv) {
  bool all = argc == 2 && strcmp(argv[1], "--all") == 0;
  bool ids_valid = argc >= 2 && !all;
  for (int i = 1; ids_valid && i < argc; i++) {
    ids_valid = id_is_valid(argv[i]);
  }
  if (!all && !ids_valid) {
    fputs("usage: parley reextract --all | ID...\n", stderr);
    return EX_USAGE;
  }
  struct db_conn *conn = connect_or_complain();
  if (conn == NULL) {
    return EX_UNAVAILABLE;
  }
  int result = EX_OK;
  char error[256];
  struct extract_lexicon *lexicon = NULL;
  PGresult *ids = NULL;
  if (!db_migrate_is_current(conn)) {
    fputs("parley: the database schema is not current: run 'parley "
          "migrate'\n",
          stderr);
    result = EX_CONFIG;
    goto done;
  }
  if (ingest_lexicon_build(conn, &lexicon, error, sizeof error) != DB_OK) {
    fprintf(stderr, "parley: %s\n", error);
    result = EX_SOFTWARE;
    goto done;
  }
  if (all) {
    enum db_status status;
    ids = db_exec(conn, &statement_article_ids, 0, NULL, &status);
    if (status != DB_OK) {
      fprintf(stderr, "parley: %s\n", db_last_error(conn)->message);
      result = EX_UNAVAILABLE;
      goto done;
    }
  }
  int count = all ? PQntuples(ids) : argc - 1;
  for (int i = 0; i < count; i++) {
    int code =
        reextract_one(conn, lexicon, all ? PQgetvalue(ids, i, 0) : argv[i + 1]);
    if (code != EX_OK && result == EX_OK) {
      result = code;
    }
  }
done:
  PQclear(ids);
  extract_lexicon_free(lexicon);
  db_disconnect(conn);
  return result;
}

int main(int argc, char **argv) {
  json_object_seed(0);
  log_set_level(LOG_WARN);
  if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? EX_USAGE : EX_OK;
  }
  if (strcmp(argv[1], "migrate") == 0) {
    return command_migrate();
  }
  if (strcmp(argv[1], "key") == 0) {
    return command_key(argc - 1, argv + 1);
  }
  if (strcmp(argv[1], "load") == 0) {
    return cli_load(argc - 1, argv + 1);
  }
  if (strcmp(argv[1], "reextract") == 0) {
    return command_reextract(argc - 1, argv + 1);
  }
  fprintf(stderr, "parley: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return EX_USAGE;
}
