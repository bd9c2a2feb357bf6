/* `parley load`: runs the extraction pipeline over files, a directory or
   standard input; prints the dry-run JSON or hands results to the store. */
#include "extract/load_cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "extract/extract.h"

struct load_options {
  int dry_run;
  int json;
  const char *url;
  int lines; /* several articles: one JSON object per line */
  int progress;
};

struct load_tally {
  size_t loaded;
  size_t unchanged;
  size_t failed;
  int worst;        /* the exit code to return */
  bool unavailable; /* the database went away: the run stops */
};

static void usage(FILE *out) {
  fputs("usage: parley load [--dry-run] [--json] [--url URL] FILE|DIR|-\n"
        "\n"
        "Extracts parties and claims from news articles (UTF-8 text): one\n"
        "FILE, every .txt file of DIR, or standard input (-).\n"
        "\n"
        "  --dry-run   extract only; touch no database\n"
        "  --json      print the extraction as JSON (one object per article;\n"
        "              one per line for a directory)\n"
        "  --url URL   the database (default: $DATABASE_URL)\n"
        "  --help      show this help\n"
        "\n"
        "Exit status: 0 when every article loaded, 65 (EX_DATAERR) when an\n"
        "article was rejected (empty, binary, invalid UTF-8), 66 (EX_NOINPUT)\n"
        "when a file cannot be read, 64 (EX_USAGE) for bad arguments.\n",
        out);
}

static void note_failure(struct load_tally *tally, int code) {
  tally->failed++;
  if (tally->worst == EX_OK || code == EX_SOFTWARE) {
    tally->worst = code;
  }
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
           extract_stance_name(claim->stance),
           claim->speaker ? claim->speaker : "", claim->speaker ? "" : "-",
           length > 90 ? 90 : length, claim->text, length > 90 ? "..." : "");
  }
}

static void load_bytes(const struct extract_lexicon *lexicon,
                       const struct load_options *options, const char *path,
                       const char *bytes, size_t length,
                       struct load_tally *tally) {
  char error[256];
  struct extract_result *result = NULL;
  int status =
      extract_article(lexicon, bytes, length, &result, error, sizeof(error));
  if (status != EXTRACT_OK) {
    fprintf(stderr, "parley load: %s: %s\n", path, error);
    note_failure(tally, status == EXTRACT_ERROR_MEMORY ||
                                status == EXTRACT_ERROR_INTERNAL
                            ? EX_SOFTWARE
                            : EX_DATAERR);
    return;
  }
  if (options->dry_run) {
    if (options->json) {
      json_t *json = extract_result_to_json(result);
      char *text = json ? json_dumps(json, options->lines ? JSON_COMPACT
                                                          : JSON_INDENT(2))
                        : NULL;
      if (text == NULL) {
        fprintf(stderr, "parley load: %s: out of memory\n", path);
        note_failure(tally, EX_SOFTWARE);
      } else {
        fputs(text, stdout);
        fputc('\n', stdout);
        tally->loaded++;
      }
      free(text);
      json_decref(json);
    } else {
      print_summary(path, result);
      tally->loaded++;
    }
  } else {
    int stored = load_store_article(options->url, path, result, bytes, length,
                                    error, sizeof(error));
    if (stored == 0) {
      tally->loaded++;
    } else if (stored == LOAD_UNCHANGED) {
      tally->unchanged++;
    } else {
      fprintf(stderr, "parley load: %s: %s\n", path, error);
      note_failure(tally, stored);
      /* Without a database every further file would fail the same way;
         each article is one transaction, so stopping loses nothing. */
      tally->unavailable = stored == EX_UNAVAILABLE;
    }
  }
  extract_result_free(result);
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
                      const struct load_options *options, const char *path,
                      struct load_tally *tally) {
  FILE *stream = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (stream == NULL) {
    complain_errno(path, errno);
    note_failure(tally, EX_NOINPUT);
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
    note_failure(tally, EX_IOERR);
    return;
  }
  load_bytes(lexicon, options, strcmp(path, "-") == 0 ? "(stdin)" : path, bytes,
             length, tally);
  free(bytes);
}

static int is_txt(const struct dirent *entry) {
  size_t n = strlen(entry->d_name);
  return n > 4 && strcmp(entry->d_name + n - 4, ".txt") == 0 &&
         entry->d_name[0] != '.';
}

static void load_directory(const struct extract_lexicon *lexicon,
                           struct load_options *options, const char *path,
                           struct load_tally *tally) {
  struct dirent **entries = NULL;
  int count = scandir(path, &entries, is_txt, alphasort);
  if (count < 0) {
    complain_errno(path, errno);
    note_failure(tally, EX_NOINPUT);
    return;
  }
  options->lines = 1;
  int done = 0;
  for (int i = 0; i < count; i++) {
    if (tally->unavailable) {
      free(entries[i]);
      continue;
    }
    done = i + 1;
    size_t length = strlen(path) + strlen(entries[i]->d_name) + 2;
    char *file = malloc(length);
    if (file == NULL) {
      note_failure(tally, EX_SOFTWARE);
    } else {
      snprintf(file, length, "%s/%s", path, entries[i]->d_name);
      if (options->progress) {
        fprintf(stderr, "\r[%d/%d] %s\033[K", i + 1, count, entries[i]->d_name);
      }
      load_file(lexicon, options, file, tally);
      free(file);
    }
    free(entries[i]);
  }
  if (options->progress && count > 0) {
    fputc('\n', stderr);
  }
  if (tally->unavailable) {
    fprintf(stderr,
            "parley load: the database is unavailable: stopped after %d of %d "
            "files; run the same command again to finish (what was stored is "
            "kept and found by its hash)\n",
            done, count);
  }
  free(entries);
}

int cli_load(int argc, char **argv) {
  struct load_options options = {0};
  static const struct option long_options[] = {
      {"dry-run", no_argument, NULL, 'n'},
      {"json", no_argument, NULL, 'j'},
      {"url", required_argument, NULL, 'u'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  optind = 1;
  opterr = 0;
  int option;
  /* Options are parsed once, before anything else runs. */
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  while ((option = getopt_long(argc, argv, "+hnju:", long_options, NULL)) !=
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
  struct extract_lexicon *lexicon = NULL;
  if (options.dry_run) {
    lexicon = extract_lexicon_load_embedded(error, sizeof(error));
  } else {
    /* A load extracts with the database's issue catalogue, which users
       extend through the API; a dry run needs no database. */
    int code = load_store_lexicon(options.url, &lexicon, error, sizeof(error));
    if (code != EX_OK) {
      fprintf(stderr, "parley load: %s\n", error);
      return code;
    }
  }
  if (lexicon == NULL) {
    fprintf(stderr, "parley load: lexicons: %s\n", error);
    return EX_SOFTWARE;
  }
  struct load_tally tally = {.worst = EX_OK};
  struct stat info;
  if (strcmp(path, "-") != 0 && stat(path, &info) == 0 &&
      S_ISDIR(info.st_mode)) {
    options.progress = isatty(STDERR_FILENO);
    load_directory(lexicon, &options, path, &tally);
    if (options.dry_run) {
      fprintf(stderr, "extracted %zu, failed %zu\n", tally.loaded,
              tally.failed);
    } else {
      fprintf(stderr, "loaded %zu, unchanged %zu, failed %zu\n", tally.loaded,
              tally.unchanged, tally.failed);
    }
  } else {
    load_file(lexicon, &options, path, &tally);
    if (!options.dry_run) {
      fprintf(stderr, "loaded %zu, unchanged %zu, failed %zu\n", tally.loaded,
              tally.unchanged, tally.failed);
    }
  }
  extract_lexicon_free(lexicon);
  if (fflush(stdout) != 0) {
    return EX_IOERR;
  }
  return tally.worst;
}
