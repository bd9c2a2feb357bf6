/* The lexicon a load extracts with: the embedded one with the database's
 * issue catalogue and parties added, and a server's shared copy, rebuilt
 * when they change. */
#include "ingest/ingest.h"

#include "common/log.h"
#include "extract/extract.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the issue catalogue -------------------------------------------------- */

/* The database's issue catalogue as the extractor takes it: slug, parent
   and keywords (a keyword stored with a leading '~' is weak). The strings
   live in `storage` (the query's result); release with catalogue_release. */
struct catalogue {
  struct extract_issue_definition *issues;
  size_t count;
  struct extract_issue_keyword *keywords;
  void *storage;
};

static void catalogue_release(struct catalogue *catalogue) {
  free(catalogue->issues);
  free(catalogue->keywords);
  PQclear(catalogue->storage);
  memset(catalogue, 0, sizeof *catalogue);
}

/* True for a keyword the lexicon can hold: a phrase or a pattern. */
static bool keyword_usable(const char *keyword) {
  return extract_issue_keyword_usable(keyword) != 0;
}

static int catalogue_read(struct db_conn *conn, struct catalogue *catalogue) {
  memset(catalogue, 0, sizeof *catalogue);
  enum db_status status;
  PGresult *result = db_store_catalogue_rows(conn, &status);
  if (status != DB_OK) {
    return status;
  }
  size_t rows = (size_t)PQntuples(result);
  catalogue->storage = result;
  catalogue->issues = calloc(rows + 1, sizeof *catalogue->issues);
  catalogue->keywords = calloc(rows + 1, sizeof *catalogue->keywords);
  if (catalogue->issues == NULL || catalogue->keywords == NULL) {
    catalogue_release(catalogue);
    return DB_HARD_ERROR;
  }
  size_t keyword_count = 0;
  for (size_t row = 0; row < rows; row++) {
    const char *slug = PQgetvalue(result, (int)row, 0);
    struct extract_issue_definition *issue =
        catalogue->count > 0 ? &catalogue->issues[catalogue->count - 1] : NULL;
    if (issue == NULL || strcmp(issue->slug, slug) != 0) {
      issue = &catalogue->issues[catalogue->count++];
      issue->slug = slug;
      issue->parent = PQgetisnull(result, (int)row, 1)
                          ? NULL
                          : PQgetvalue(result, (int)row, 1);
      issue->keywords = &catalogue->keywords[keyword_count];
    }
    if (PQgetisnull(result, (int)row, 2)) {
      continue; /* an issue without keywords */
    }
    const char *keyword = PQgetvalue(result, (int)row, 2);
    bool weak = keyword[0] == '~';
    keyword += weak;
    while (*keyword == ' ') {
      keyword++;
    }
    /* A keyword the extractor cannot use (too many words) must not stop
       every load: it is skipped. */
    if (!keyword_usable(keyword)) {
      log_warn("issue %s: keyword \"%.60s\" skipped (not a usable phrase)",
               slug, keyword);
      continue;
    }
    catalogue->keywords[keyword_count++] =
        (struct extract_issue_keyword){keyword, weak};
    issue->keyword_count++;
  }
  return DB_OK;
}

/* The database's parties as the extractor takes them. The strings live in
   `storage` (the query's result); release with party_list_release. */
struct party_list {
  struct extract_party_definition *parties;
  size_t count;
  const char **aliases;
  void *storage;
};

static void party_list_release(struct party_list *list) {
  free(list->parties);
  free(list->aliases);
  PQclear(list->storage);
  memset(list, 0, sizeof *list);
}

static const char *value_or_null(const PGresult *result, int row, int column) {
  return PQgetisnull(result, row, column) ? NULL
                                          : PQgetvalue(result, row, column);
}

static int party_list_read(struct db_conn *conn, struct party_list *list) {
  memset(list, 0, sizeof *list);
  enum db_status status;
  PGresult *result = db_store_party_rows(conn, &status);
  if (status != DB_OK) {
    return status;
  }
  size_t rows = (size_t)PQntuples(result);
  list->storage = result;
  list->parties = calloc(rows + 1, sizeof *list->parties);
  list->aliases = calloc(rows + 1, sizeof *list->aliases);
  if (list->parties == NULL || list->aliases == NULL) {
    party_list_release(list);
    return DB_HARD_ERROR;
  }
  const char *slug = NULL;
  size_t alias_count = 0;
  for (int row = 0; row < (int)rows; row++) {
    struct extract_party_definition *party =
        list->count > 0 ? &list->parties[list->count - 1] : NULL;
    if (party == NULL || strcmp(slug, PQgetvalue(result, row, 0)) != 0) {
      slug = PQgetvalue(result, row, 0);
      party = &list->parties[list->count++];
      party->name = PQgetvalue(result, row, 1);
      party->kind = PQgetvalue(result, row, 2);
      party->affiliation = value_or_null(result, row, 3);
      party->role = value_or_null(result, row, 4);
      party->aliases = &list->aliases[alias_count];
    }
    const char *alias = value_or_null(result, row, 5);
    if (alias != NULL) {
      list->aliases[alias_count++] = alias;
      party->alias_count++;
    }
  }
  return DB_OK;
}

int ingest_lexicon_build(struct db_conn *conn, struct extract_lexicon **lexicon,
                         char *error, size_t error_size) {
  struct catalogue catalogue;
  struct party_list parties;
  *lexicon = NULL;
  int status = catalogue_read(conn, &catalogue);
  if (status != DB_OK) {
    snprintf(error, error_size, "reading the issue catalogue: %s",
             db_last_error(conn)->message);
    return status;
  }
  status = party_list_read(conn, &parties);
  if (status != DB_OK) {
    snprintf(error, error_size, "reading the parties: %s",
             db_last_error(conn)->message);
    catalogue_release(&catalogue);
    return status;
  }
  struct extract_lexicon *built =
      extract_lexicon_load_embedded(error, error_size);
  if (built == NULL ||
      extract_lexicon_set_issues(built, catalogue.issues, catalogue.count,
                                 error, error_size) != 0 ||
      extract_lexicon_add_parties(built, parties.parties, parties.count, error,
                                  error_size) != 0) {
    status = DB_HARD_ERROR;
    extract_lexicon_free(built);
    built = NULL;
  }
  /* The lexicon copied what it keeps: the query results can go. */
  catalogue_release(&catalogue);
  party_list_release(&parties);
  *lexicon = built;
  return status;
}

/* --- the shared lexicon -------------------------------------------------- */

struct ingest_lexicon {
  struct extract_lexicon *lexicon;
  char version[160];
  unsigned references; /* the cache's own while current, and each handle */
};

static pthread_mutex_t lexicon_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ingest_lexicon *lexicon_current;

/* Drops a reference under the lock; true when the caller must free it. */
static bool lexicon_unref_locked(struct ingest_lexicon *entry) {
  return entry != NULL && --entry->references == 0;
}

static void lexicon_entry_free(struct ingest_lexicon *entry) {
  if (entry != NULL) {
    extract_lexicon_free(entry->lexicon);
    free(entry);
  }
}

/* Takes a reference to the current lexicon when it has this version. */
static struct ingest_lexicon *lexicon_take_locked(const char *version) {
  if (lexicon_current != NULL &&
      strcmp(lexicon_current->version, version) == 0) {
    lexicon_current->references++;
    return lexicon_current;
  }
  return NULL;
}

int ingest_lexicon_acquire(struct db_conn *conn, struct ingest_lexicon **handle,
                           char *error, size_t error_size) {
  char version[160];
  *handle = NULL;
  /* The version is read before the catalogue: a lexicon is never labelled
     newer than what it holds, at worst rebuilt once more. */
  int status = db_store_catalogue_version(conn, version, sizeof version);
  if (status != DB_OK) {
    snprintf(error, error_size, "reading the issue catalogue: %s",
             db_last_error(conn)->message);
    return status;
  }
  pthread_mutex_lock(&lexicon_lock);
  *handle = lexicon_take_locked(version);
  pthread_mutex_unlock(&lexicon_lock);
  if (*handle != NULL) {
    return DB_OK;
  }
  /* Built outside the lock: other loads go on with the lexicon they have. */
  struct ingest_lexicon *fresh = calloc(1, sizeof *fresh);
  if (fresh == NULL) {
    snprintf(error, error_size, "out of memory");
    return DB_HARD_ERROR;
  }
  status = ingest_lexicon_build(conn, &fresh->lexicon, error, error_size);
  if (status != DB_OK) {
    free(fresh);
    return status;
  }
  snprintf(fresh->version, sizeof fresh->version, "%s", version);
  struct ingest_lexicon *unused = NULL;
  pthread_mutex_lock(&lexicon_lock);
  *handle = lexicon_take_locked(version);
  if (*handle != NULL) {
    unused = fresh; /* another thread built the same one meanwhile */
  } else {
    if (lexicon_unref_locked(lexicon_current)) {
      unused = lexicon_current;
    }
    fresh->references = 2;
    lexicon_current = fresh;
    *handle = fresh;
    log_info("lexicon loaded (issues and parties version %s)", version);
  }
  pthread_mutex_unlock(&lexicon_lock);
  lexicon_entry_free(unused);
  return DB_OK;
}

const struct extract_lexicon *
ingest_lexicon_get(const struct ingest_lexicon *handle) {
  return handle->lexicon;
}

void ingest_lexicon_release(struct ingest_lexicon *handle) {
  if (handle == NULL) {
    return;
  }
  pthread_mutex_lock(&lexicon_lock);
  bool last = lexicon_unref_locked(handle);
  pthread_mutex_unlock(&lexicon_lock);
  if (last) {
    lexicon_entry_free(handle);
  }
}
