/* `parley load`: runs the extraction pipeline over files, a directory or
   standard input; prints the dry-run JSON or hands results to the store. */
#include "load.h"

#include "common/json_output.h"
#include "ingest/ingest.h"
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

/* Articles stored at a time by default: the database does most of the
   work of a load, and one connection leaves it idle while the loader
   extracts the next article and during each round trip. */
#define LOAD_DEFAULT_JOBS_MAX 4
#define LOAD_JOBS_MAX 64

struct load_options {
  int dry_run;
  int json;
  const char *url;
  const char *published; /* --published: YYYY-MM-DD, or NULL */
  long jobs; /* articles stored at a time (a directory, not --dry-run) */
  int lines; /* several articles: one JSON object per line */
  int progress;
};

/* What the run did; the workers of a directory share it. */
struct load_tally {
  pthread_mutex_t lock; /* guards the members below and the progress line */
  size_t loaded;
  size_t unchanged;
  size_t failed;
  int worst;        /* the exit code to return */
  bool unavailable; /* the database went away: the run stops */
};

static void usage(FILE *out) {
  fputs("usage: parley load [--dry-run] [--json] [--url URL] [--jobs N]\n"
        "                  [--published YYYY-MM-DD] FILE|DIR|-\n"
        "\n"
        "Extracts parties and claims from news articles (UTF-8 text): one\n"
        "FILE, every .txt file of DIR, or standard input (-).\n"
        "\n"
        "  --dry-run   extract only; touch no database\n"
        "  --json      print the extraction as JSON (one object per article;\n"
        "              one per line for a directory)\n"
        "  --url URL   the database (default: $DATABASE_URL)\n"
        "  --jobs N    store N articles of DIR at a time, each on its own\n"
        "              connection (default: the number of CPUs, at most 4);\n"
        "              a dry run takes one at a time to keep the files' order\n"
        "  --published YYYY-MM-DD\n"
        "              the articles' publication date; it wins over a date\n"
        "              the text gives, and \"on Friday\" counts from it\n"
        "  --help      show this help\n"
        "\n"
        "Exit status: 0 when every article loaded, 65 (EX_DATAERR) when an\n"
        "article was rejected (empty, binary, invalid UTF-8), 66 (EX_NOINPUT)\n"
        "when a file cannot be read, 64 (EX_USAGE) for bad arguments.\n",
        out);
}

/* Counts one article: EX_OK (loaded), LOAD_UNCHANGED, or the sysexits.h
   code of its failure. */
static void tally_count(struct load_tally *tally, int code) {
  pthread_mutex_lock(&tally->lock);
  if (code == EX_OK) {
    tally->loaded++;
  } else if (code == LOAD_UNCHANGED) {
    tally->unchanged++;
  } else {
    tally->failed++;
    if (tally->worst == EX_OK || code == EX_SOFTWARE) {
      tally->worst = code;
    }
    /* Without a database every further file would fail the same way;
       each article is one transaction, so stopping loses nothing. */
    tally->unavailable = tally->unavailable || code == EX_UNAVAILABLE;
  }
  pthread_mutex_unlock(&tally->lock);
}

/* Reads a whole stream; returns 0, or an errno value. */
static int read_stream(FILE *stream, char **bytes, size_t *length) {
  size_t capacity = 64 * 1024, used = 0;
  char *buffer = malloc(capacity);
  if (buffer == NULL) {
    return ENOMEM;
  }
  for (;;) {
    if (used == capacity) {
      if (capacity > (size_t)EXTRACT_MAX_INPUT + 1) {
        break; /* over the limit: extraction reports it */
      }
      char *more = realloc(buffer, capacity * 2);
      if (more == NULL) {
        free(buffer);
        return ENOMEM;
      }
      buffer = more;
      capacity *= 2;
    }
    size_t n = fread(buffer + used, 1, capacity - used, stream);
    used += n;
    if (n == 0) {
      if (ferror(stream)) {
        int saved = errno ? errno : EIO;
        free(buffer);
        return saved;
      }
      break;
    }
  }
  *bytes = buffer;
  *length = used;
  return 0;
}

static void print_summary(const char *path,
                          const struct extract_result *result) {
  printf("%s: %zu parties, %zu claims", path, result->party_count,
         result->claim_count);
  if (result->article.published != NULL) {
    printf(", published %s", result->article.published);
  }
  printf("\n");
  for (size_t i = 0; i < result->claim_count; i++) {
    const struct extract_claim *claim = &result->claims[i];
    int length = (int)strlen(claim->text);
    printf("  %-14s %-9s %s%s: %.*s%s\n", claim->party,
           stance_name(claim->stance), claim->speaker ? claim->speaker : "",
           claim->speaker ? "" : "-", length > 90 ? 90 : length, claim->text,
           length > 90 ? "..." : "");
  }
}

/* Prints the dry run of one article: its JSON, or a summary. */
static int print_dry_run(const struct load_options *options, const char *path,
                         const struct extract_result *result) {
  if (!options->json) {
    print_summary(path, result);
    return EX_OK;
  }
  json_t *json = ingest_result_json(result);
  char *text =
      json ? json_dumps(json, (options->lines ? JSON_COMPACT : JSON_INDENT(2)) |
                                  OUTPUT_JSON_REALS)
           : NULL;
  int code = EX_OK;
  if (text == NULL) {
    fprintf(stderr, "parley load: %s: out of memory\n", path);
    code = EX_SOFTWARE;
  } else {
    fputs(text, stdout);
    fputc('\n', stdout);
  }
  free(text);
  json_decref(json);
  return code;
}

/* The exit code of one article's ingest outcome (a failure's message in
   load->error). */
static int load_code(struct load_session *session, struct ingest_load *load,
                     int outcome) {
  switch (outcome) {
  case DB_OK:
    return load->stored.unchanged ? LOAD_UNCHANGED : EX_OK;
  case INGEST_REJECTED:
    return load->extract_status == EXTRACT_ERROR_MEMORY ||
                   load->extract_status == EXTRACT_ERROR_INTERNAL
               ? EX_SOFTWARE
               : EX_DATAERR;
  case INGEST_TOO_MANY_CLAIMS:
    return EX_DATAERR;
  default:
    return load_session_failure(session, outcome, load->error,
                                sizeof load->error);
  }
}

static void load_bytes(const struct extract_lexicon *lexicon,
                       const struct load_options *options,
                       struct load_session *session, const char *path,
                       const char *bytes, size_t length,
                       struct load_tally *tally) {
  struct ingest_load load = {.bytes = bytes,
                             .length = length,
                             .overrides.published = options->published,
                             .lexicon = lexicon};
  int code;
  if (options->dry_run) {
    /* A dry run says what a load would do: refuse what it would refuse. */
    int outcome = ingest_extract(&load, lexicon);
    code = outcome == DB_OK ? print_dry_run(options, path, load.result)
                            : load_code(session, &load, outcome);
  } else {
    struct ingest_runner runner;
    load_session_runner(session, &runner);
    code = load_code(session, &load, ingest_load(&runner, &load));
  }
  if (code != EX_OK && code != LOAD_UNCHANGED && load.error[0] != '\0') {
    fprintf(stderr, "parley load: %s: %s\n", path, load.error);
  }
  tally_count(tally, code);
  ingest_load_end(&load);
}

/* Names the file and the system's reason (strerror_r: thread-safe). */
static void complain_errno(const char *path, int code) {
  char reason[128];
  if (strerror_r(code, reason, sizeof reason) != 0) {
    snprintf(reason, sizeof reason, "error %d", code);
  }
  fprintf(stderr, "parley load: %s: %s\n", path, reason);
}

static void load_file(const struct extract_lexicon *lexicon,
                      const struct load_options *options,
                      struct load_session *session, const char *path,
                      struct load_tally *tally) {
  FILE *stream = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (stream == NULL) {
    complain_errno(path, errno);
    tally_count(tally, EX_NOINPUT);
    return;
  }
  char *bytes = NULL;
  size_t length = 0;
  int error = read_stream(stream, &bytes, &length);
  if (stream != stdin) {
    fclose(stream);
  }
  if (error != 0) {
    complain_errno(path, error);
    tally_count(tally, EX_IOERR);
    return;
  }
  load_bytes(lexicon, options, session,
             strcmp(path, "-") == 0 ? "(stdin)" : path, bytes, length, tally);
  free(bytes);
}

static int is_txt(const struct dirent *entry) {
  size_t n = strlen(entry->d_name);
  return n > 4 && strcmp(entry->d_name + n - 4, ".txt") == 0 &&
         entry->d_name[0] != '.';
}

/* The files of a directory, taken in turn by the workers. */
struct load_queue {
  const struct extract_lexicon *lexicon;
  const struct load_options *options;
  const char *directory;
  struct dirent **entries;
  int count;
  int next; /* the next entry to take; guarded by tally->lock */
  struct load_tally *tally;
};

struct load_worker {
  struct load_queue *queue;
  struct load_session *session; /* its own connection; NULL in a dry run */
  pthread_t thread;
};

/* Takes the next file; -1 when there is none or the run stopped. */
static int queue_take(struct load_queue *queue) {
  struct load_tally *tally = queue->tally;
  pthread_mutex_lock(&tally->lock);
  int index = -1;
  if (!tally->unavailable && queue->next < queue->count) {
    index = queue->next++;
    if (queue->options->progress) {
      fprintf(stderr, "\r[%d/%d] %s\033[K", index + 1, queue->count,
              queue->entries[index]->d_name);
    }
  }
  pthread_mutex_unlock(&tally->lock);
  return index;
}

static void *load_worker_run(void *closure) {
  struct load_worker *worker = closure;
  struct load_queue *queue = worker->queue;
  int index;
  while ((index = queue_take(queue)) >= 0) {
    const char *name = queue->entries[index]->d_name;
    size_t length = strlen(queue->directory) + strlen(name) + 2;
    char *file = malloc(length);
    if (file == NULL) {
      tally_count(queue->tally, EX_SOFTWARE);
      continue;
    }
    snprintf(file, length, "%s/%s", queue->directory, name);
    load_file(queue->lexicon, queue->options, worker->session, file,
              queue->tally);
    free(file);
  }
  return NULL;
}

/* Loads every .txt file of the directory with options->jobs workers: the
   calling thread with `session`, the others each with a session of their
   own. */
static void load_directory(const struct extract_lexicon *lexicon,
                           struct load_options *options,
                           struct load_session *session, const char *path,
                           struct load_tally *tally) {
  struct load_queue queue = {lexicon, options, path, NULL, 0, 0, tally};
  queue.count = scandir(path, &queue.entries, is_txt, alphasort);
  if (queue.count < 0) {
    complain_errno(path, errno);
    tally_count(tally, EX_NOINPUT);
    return;
  }
  options->lines = 1;
  long jobs = options->dry_run ? 1 : options->jobs;
  if (jobs > queue.count) {
    jobs = queue.count > 0 ? queue.count : 1;
  }
  struct load_worker workers[LOAD_JOBS_MAX];
  workers[0] = (struct load_worker){&queue, session, 0};
  long started = 1;
  for (; started < jobs; started++) {
    struct load_worker *worker = &workers[started];
    *worker = (struct load_worker){&queue, load_session_new(options->url), 0};
    if (worker->session == NULL ||
        pthread_create(&worker->thread, NULL, load_worker_run, worker) != 0) {
      /* Fewer workers, same result. */
      load_session_free(worker->session);
      break;
    }
  }
  load_worker_run(&workers[0]);
  for (long i = 1; i < started; i++) {
    pthread_join(workers[i].thread, NULL);
    load_session_free(workers[i].session);
  }
  if (options->progress && queue.count > 0) {
    fputc('\n', stderr);
  }
  if (tally->unavailable) {
    fprintf(stderr,
            "parley load: the database is unavailable: stopped after %d of %d "
            "files; run the same command again to finish (what was stored is "
            "kept and found by its hash)\n",
            queue.next, queue.count);
  }
  for (int i = 0; i < queue.count; i++) {
    free(queue.entries[i]);
  }
  free(queue.entries);
}

/* The default --jobs: the CPUs online, at most LOAD_DEFAULT_JOBS_MAX. */
static long default_jobs(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus < 1) {
    return 1;
  }
  return cpus < LOAD_DEFAULT_JOBS_MAX ? cpus : LOAD_DEFAULT_JOBS_MAX;
}

/* Reads --jobs: a whole number from 1 to LOAD_JOBS_MAX; 0 when it is not. */
static long jobs_parse(const char *text) {
  char *end = NULL;
  errno = 0;
  long jobs = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || jobs < 1 ||
      jobs > LOAD_JOBS_MAX) {
    return 0;
  }
  return jobs;
}

int cli_load(int argc, char **argv) {
  struct load_options options = {.jobs = default_jobs()};
  static const struct option long_options[] = {
      {"dry-run", no_argument, NULL, 'n'},
      {"json", no_argument, NULL, 'j'},
      {"url", required_argument, NULL, 'u'},
      {"jobs", required_argument, NULL, 'J'},
      {"published", required_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  optind = 1;
  opterr = 0;
  int option;
  /* Options are parsed once, before anything else runs. */
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  while ((option = getopt_long(argc, argv, "+hnju:J:p:", long_options, NULL)) !=
         -1) {
    switch (option) {
    case 'n':
      options.dry_run = 1;
      break;
    case 'j':
      options.json = 1;
      break;
    case 'u':
      options.url = optarg;
      break;
    case 'J':
      options.jobs = jobs_parse(optarg);
      if (options.jobs == 0) {
        fprintf(stderr,
                "parley load: --jobs takes a whole number from 1 to %d, not "
                "'%s'\n",
                LOAD_JOBS_MAX, optarg);
        return EX_USAGE;
      }
      break;
    case 'p':
      if (!extract_date_valid(optarg)) {
        fprintf(stderr,
                "parley load: --published takes a date YYYY-MM-DD, not "
                "'%s'\n",
                optarg);
        return EX_USAGE;
      }
      options.published = optarg;
      break;
    case 'h':
      usage(stdout);
      return EX_OK;
    default:
      fprintf(stderr, "parley load: unknown or incomplete option %s\n",
              argv[optind - 1]);
      usage(stderr);
      return EX_USAGE;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "parley load: expected one FILE, DIR or -\n");
    usage(stderr);
    return EX_USAGE;
  }
  const char *path = argv[optind];
  if (!options.dry_run && options.url == NULL) {
    options.url = getenv("DATABASE_URL"); // NOLINT(concurrency-mt-unsafe)
    if (options.url == NULL || options.url[0] == '\0') {
      fprintf(stderr, "parley load: no database: give --url or set "
                      "DATABASE_URL (or use --dry-run)\n");
      return EX_USAGE;
    }
  }
  char error[512];
  int code = EX_OK;
  struct extract_lexicon *lexicon = NULL;
  struct load_session *session = NULL;
  struct load_tally tally = {.worst = EX_OK};
  pthread_mutex_init(&tally.lock, NULL);
  if (options.dry_run) {
    lexicon = extract_lexicon_load_embedded(error, sizeof(error));
  } else {
    session = load_session_new(options.url);
    if (session == NULL) {
      fprintf(stderr, "parley load: out of memory\n");
      code = EX_SOFTWARE;
      goto cleanup;
    }
    /* A load extracts with the database's issue catalogue, which users
       extend through the API; a dry run needs no database. */
    code = load_session_lexicon(session, &lexicon, error, sizeof(error));
    if (code != EX_OK) {
      fprintf(stderr, "parley load: %s\n", error);
      goto cleanup;
    }
  }
  if (lexicon == NULL) {
    fprintf(stderr, "parley load: lexicons: %s\n", error);
    code = EX_SOFTWARE;
    goto cleanup;
  }
  struct stat info;
  if (strcmp(path, "-") != 0 && stat(path, &info) == 0 &&
      S_ISDIR(info.st_mode)) {
    options.progress = isatty(STDERR_FILENO);
    load_directory(lexicon, &options, session, path, &tally);
    if (options.dry_run) {
      fprintf(stderr, "extracted %zu, failed %zu\n", tally.loaded,
              tally.failed);
    } else {
      fprintf(stderr, "loaded %zu, unchanged %zu, failed %zu\n", tally.loaded,
              tally.unchanged, tally.failed);
    }
  } else {
    load_file(lexicon, &options, session, path, &tally);
    if (!options.dry_run) {
      fprintf(stderr, "loaded %zu, unchanged %zu, failed %zu\n", tally.loaded,
              tally.unchanged, tally.failed);
    }
  }
  code = fflush(stdout) != 0 ? EX_IOERR : tally.worst;
cleanup:
  extract_lexicon_free(lexicon);
  load_session_free(session);
  pthread_mutex_destroy(&tally.lock);
  return code;
}
