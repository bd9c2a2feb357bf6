/* The trigger-maintained counts at the C level: the positions cells, rows
 * and totals (sql/functions/40_positions_triggers.sql) equal a fresh count
 * over claims, links, issues and parties after a seeded sequence of
 * inserts, moves, edits and deletes, each in a committed or rolled-back
 * transaction; and the data version goes up exactly once per committed
 * writing transaction (migration 014). */
#include "db/store.h"
#include "db_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* --- the catalogue the claims use ----------------------------------------- */

static const char *const party_slugs[] = {"pos-s1", "pos-s2", "pos-o1",
                                          "pos-p1", "pos-p2"};
static const char *const speaker_slugs[] = {NULL, "pos-p1", "pos-p2"};
/* Two levels: pos-a over pos-a1 and pos-a2, pos-b over pos-b1, pos-leaf on
   its own; pos-a2 and pos-leaf change parents during the sequence. */
static const char *const issue_slugs[] = {"pos-a",  "pos-b",  "pos-a1",
                                          "pos-a2", "pos-b1", "pos-leaf"};
static const char *const stances[] = {"demands", "proposes",  "rejects",
                                      "accepts", "threatens", "asserts"};
/* Few dates and confidences, so that the latest claim is often decided by
   the later keys of its order. */
static const char *const dates[] = {NULL, "2025-12-01", "2025-12-02",
                                    "2025-12-03"};
static const char *const confidences[] = {NULL, "0.5", "0.9"};
static const char *const texts[] = {"A claim.", "The same claim, edited."};

static int create_catalogue(void **state) {
  (void)state;
  db_fixture_exec(
      "INSERT INTO parties (slug, name, kind) VALUES ('pos-s1', 'S1', "
      "'state'), ('pos-s2', 'S2', 'state'), ('pos-o1', 'O1', 'organization'), "
      "('pos-p2', 'P2', 'person')",
      0, NULL);
  db_fixture_exec("INSERT INTO parties (slug, name, kind, affiliation_id) "
                  "SELECT 'pos-p1', 'P1', 'person', id FROM parties WHERE "
                  "slug = 'pos-s1'",
                  0, NULL);
  db_fixture_exec("INSERT INTO issues (slug, name) VALUES ('pos-a', 'A'), "
                  "('pos-b', 'B'), ('pos-leaf', 'Leaf')",
                  0, NULL);
  db_fixture_exec("INSERT INTO issues (slug, name, parent_id) SELECT s, n, "
                  "(SELECT id FROM issues WHERE slug = p) FROM (VALUES "
                  "('pos-a1', 'A1', 'pos-a'), ('pos-a2', 'A2', 'pos-a'), "
                  "('pos-b1', 'B1', 'pos-b')) AS v (s, n, p)",
                  0, NULL);
  return 0;
}

/* --- the counts recounted from the base tables ----------------------------
 */

#define STRENGTH                                                               \
  "CASE c.stance WHEN 'threatens' THEN 6 WHEN 'demands' THEN 5 WHEN "          \
  "'rejects' THEN 4 WHEN 'proposes' THEN 3 WHEN 'accepts' THEN 2 ELSE 1 END"
/* The documented order of a cell's latest claim: date, confidence (none is
   certain), stance strength, id. */
#define LATEST_ORDER                                                           \
  "ORDER BY c.stated_on DESC NULLS LAST, coalesce(c.confidence, 1) "           \
  "DESC, " STRENGTH " DESC, c.id DESC"
#define STANCE_COUNTS                                                          \
  "count(*) FILTER (WHERE stance = 'demands'), count(*) FILTER (WHERE "        \
  "stance = 'proposes'), count(*) FILTER (WHERE stance = 'rejects'), "         \
  "count(*) FILTER (WHERE stance = 'accepts'), count(*) FILTER (WHERE "        \
  "stance = 'threatens'), count(*) FILTER (WHERE stance = 'asserts'), "        \
  "count(*)"
#define KEPT_COUNTS                                                            \
  "demands::bigint, proposes::bigint, rejects::bigint, accepts::bigint, "      \
  "threatens::bigint, asserts::bigint, claim_count::bigint"
/* A cell or row that counts nothing may stay, empty. */
#define NOT_EMPTY                                                              \
  "(demands, proposes, rejects, accepts, threatens, asserts, claim_count) "    \
  "<> (0, 0, 0, 0, 0, 0, 0) OR latest_claim_id IS NOT NULL"

/* Every claim in every cell it is in: a fine cell per issue it names, a
   top cell per top-level issue it names or names a sub-issue of. */
#define LINKS                                                                  \
  "links AS (SELECT DISTINCT t.top, c.id, c.party_id, coalesce(c.speaker_id, " \
  "0) AS speaker_id, CASE WHEN t.top THEN coalesce(i.parent_id, i.id) ELSE "   \
  "i.id END AS issue_id FROM claims c JOIN claim_issues ci ON ci.claim_id = "  \
  "c.id JOIN issues i ON i.id = ci.issue_id CROSS JOIN (VALUES (false), "      \
  "(true)) AS t (top)), "

static const char cells_expected[] =
    "WITH " LINKS
    "ranked AS (SELECT l.*, c.stance, row_number() OVER (PARTITION BY "
    "l.top, l.party_id, l.speaker_id, l.issue_id " LATEST_ORDER
    ") AS rank FROM links l JOIN claims c ON c.id = l.id) SELECT top, "
    "party_id, speaker_id, issue_id, " STANCE_COUNTS
    ", min(id) FILTER (WHERE rank = 1) FROM ranked GROUP BY 1, 2, 3, 4";
static const char cells_kept[] =
    "SELECT top, party_id, speaker_id, issue_id, " KEPT_COUNTS
    ", latest_claim_id FROM position_cells WHERE " NOT_EMPTY;

/* A row: the top cells of a party and the people who speak for it. */
static const char rows_expected[] =
    "WITH " LINKS
    "row_links AS (SELECT DISTINCT CASE WHEN p.kind = 'person' AND "
    "p.affiliation_id IS NOT NULL THEN p.affiliation_id ELSE p.id END "
    "AS row_id, l.issue_id, l.id FROM links l JOIN parties p ON p.id = "
    "l.party_id WHERE l.top), ranked AS (SELECT r.*, c.stance, "
    "c.speaker_id, c.text, c.article_id, row_number() OVER (PARTITION "
    "BY r.row_id, r.issue_id " LATEST_ORDER
    ") AS rank FROM row_links r JOIN claims c ON c.id = r.id) SELECT "
    "row_id, issue_id, " STANCE_COUNTS
    ", min(id) FILTER (WHERE rank = 1), min(stance) FILTER (WHERE rank "
    "= 1), min(speaker_id) FILTER (WHERE rank = 1), min(text) FILTER "
    "(WHERE rank = 1), min(article_id) FILTER (WHERE rank = 1) FROM "
    "ranked GROUP BY 1, 2";
static const char rows_kept[] =
    "SELECT row_id, issue_id, " KEPT_COUNTS
    ", latest_claim_id, latest_stance, latest_speaker_id, latest_text, "
    "latest_article_id FROM position_rows WHERE " NOT_EMPTY;

/* A party and speaker's claims that are in the matrix (linked to an
   issue), each once. */
static const char totals_expected[] =
    "SELECT c.party_id, coalesce(c.speaker_id, 0), count(*) FROM claims c "
    "WHERE EXISTS (SELECT 1 FROM claim_issues ci WHERE ci.claim_id = c.id) "
    "GROUP BY 1, 2";
static const char totals_kept[] =
    "SELECT party_id, speaker_id, claim_count::bigint FROM position_totals "
    "WHERE claim_count <> 0";

/* The rows of `expected` missing from `kept` and those extra in it, as
   text; "" when they are the same. malloc'd. */
static char *difference(const char *expected, const char *kept) {
  size_t size = strlen(expected) + strlen(kept) + 512;
  char *sql = malloc(size);
  assert_non_null(sql);
  snprintf(sql, size,
           "WITH expected AS (%s), kept AS (%s) SELECT "
           "coalesce(string_agg(d.side || d.row, '; '), '') FROM (SELECT "
           "'missing ' AS side, e::text AS row FROM (SELECT * FROM expected "
           "EXCEPT ALL SELECT * FROM kept) e UNION ALL SELECT 'extra ', "
           "k::text FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM "
           "expected) k) d",
           expected, kept);
  char *text = db_fixture_text(sql, 0, NULL);
  free(sql);
  return text;
}

/* Fails the test, naming `when`, unless cells, rows and totals equal their
   recount. */
static void assert_counts_exact(const char *when) {
  static const struct {
    const char *name;
    const char *expected;
    const char *kept;
  } summaries[] = {
      {"position_cells", cells_expected, cells_kept},
      {"position_rows", rows_expected, rows_kept},
      {"position_totals", totals_expected, totals_kept},
  };
  for (size_t i = 0; i < COUNT_OF(summaries); i++) {
    char *diff = difference(summaries[i].expected, summaries[i].kept);
    if (diff[0] != '\0') {
      fail_msg("%s: %s differs from a recount: %s", when, summaries[i].name,
               diff);
    }
    free(diff);
  }
}

/* --- operations ------------------------------------------------------------
 */

/* A seeded xorshift64: the same sequence on every run. */
enum { RANDOM_SEED = 0x5eed2026 };
static uint64_t random_state = RANDOM_SEED;

static size_t random_below(size_t bound) {
  random_state ^= random_state << 13;
  random_state ^= random_state >> 7;
  random_state ^= random_state << 17;
  return (size_t)(random_state % bound);
}

#define RANDOM_OF(array) ((array)[random_below(COUNT_OF(array))])

/* Up to two issues, as a PostgreSQL array literal, into out[size]. */
static void random_issues(char *out, size_t size) {
  size_t count = random_below(3);
  snprintf(out, size, "{%s%s%s}", count > 0 ? RANDOM_OF(issue_slugs) : "",
           count > 1 ? "," : "", count > 1 ? RANDOM_OF(issue_slugs) : "");
}

/* A claim that exists (its id into id[size]); false when there is none. */
static bool random_claim(char *id, size_t size) {
  long long count = db_fixture_number("SELECT count(*) FROM claims", 0, NULL);
  if (count == 0) {
    return false;
  }
  char offset[24];
  snprintf(offset, sizeof offset, "%zu", random_below((size_t)count));
  const char *values[] = {offset};
  char *found = db_fixture_text(
      "SELECT id FROM claims ORDER BY id OFFSET $1::integer LIMIT 1", 1,
      values);
  snprintf(id, size, "%s", found);
  free(found);
  return true;
}

static void link_issues(const char *claim_id) {
  char issues[64];
  random_issues(issues, sizeof issues);
  const char *values[] = {claim_id, issues};
  db_fixture_exec("INSERT INTO claim_issues (claim_id, issue_id) SELECT "
                  "$1::bigint, id FROM issues WHERE slug = ANY ($2::text[]) "
                  "ON CONFLICT DO NOTHING",
                  2, values);
}

/* A claim made as the API makes one: the claim, then its links. */
static const char *insert_claim(const char *article_id, const char *id) {
  (void)id;
  const char *values[] = {RANDOM_OF(party_slugs), RANDOM_OF(speaker_slugs),
                          RANDOM_OF(stances),     RANDOM_OF(dates),
                          RANDOM_OF(confidences), article_id};
  char *made = db_fixture_text(
      "INSERT INTO claims (party_id, speaker_id, stance, text, stated_on, "
      "confidence, article_id) SELECT (SELECT id FROM parties WHERE slug = "
      "$1), (SELECT id FROM parties WHERE slug = $2), $3, 'A claim.', "
      "$4::date, $5::real, $6::bigint RETURNING id",
      6, values);
  link_issues(made);
  free(made);
  return "insert a claim and its links";
}

/* Claims and links in one statement, as a load stores them. */
static const char *store_claims(const char *article_id, const char *id) {
  (void)id;
  json_t *claims = json_array();
  size_t count = 1 + random_below(3);
  for (size_t n = 1; n <= count; n++) {
    json_t *issues = json_array();
    for (size_t i = random_below(3); i > 0; i--) {
      json_array_append_new(issues, json_string(RANDOM_OF(issue_slugs)));
    }
    const char *speaker = RANDOM_OF(speaker_slugs);
    const char *date = RANDOM_OF(dates);
    const char *confidence = RANDOM_OF(confidences);
    json_array_append_new(
        claims,
        json_pack("{s:i, s:s, s:o, s:s, s:b, s:s, s:o, s:o, s:o}", "n", (int)n,
                  "party", RANDOM_OF(party_slugs), "speaker",
                  speaker != NULL ? json_string(speaker) : json_null(),
                  "stance", RANDOM_OF(stances), "quote", 0, "text",
                  "A stored claim.", "stated_on",
                  date != NULL ? json_string(date) : json_null(), "confidence",
                  confidence != NULL ? json_real(strtod(confidence, NULL))
                                     : json_null(),
                  "issues", issues));
  }
  char *text = json_dumps(claims, JSON_COMPACT);
  json_decref(claims);
  assert_non_null(text);
  assert_int_equal(db_store_claims_insert(db_fixture_conn(), article_id, text),
                   DB_OK);
  free(text);
  return "store claims and links in one statement";
}

static const char *edit_claim(const char *article_id, const char *id) {
  const char *values[] = {id,
                          RANDOM_OF(stances),
                          RANDOM_OF(dates),
                          RANDOM_OF(confidences),
                          RANDOM_OF(texts),
                          random_below(2) != 0 ? article_id : NULL};
  db_fixture_exec("UPDATE claims SET stance = $2, stated_on = $3::date, "
                  "confidence = $4::real, text = $5, article_id = $6::bigint "
                  "WHERE id = $1::bigint",
                  6, values);
  return "edit a claim's stance, date, confidence, text and article";
}

static const char *move_claim_to_party(const char *article_id, const char *id) {
  (void)article_id;
  const char *values[] = {id, RANDOM_OF(party_slugs), RANDOM_OF(speaker_slugs)};
  db_fixture_exec("UPDATE claims SET party_id = (SELECT id FROM parties WHERE "
                  "slug = $2), speaker_id = (SELECT id FROM parties WHERE "
                  "slug = $3) WHERE id = $1::bigint",
                  3, values);
  return "move a claim to another party and speaker";
}

/* As the API replaces a claim's issues: unlink all, link the new. */
static const char *move_claim_to_issues(const char *article_id,
                                        const char *id) {
  (void)article_id;
  const char *values[] = {id};
  db_fixture_exec("DELETE FROM claim_issues WHERE claim_id = $1::bigint", 1,
                  values);
  link_issues(id);
  return "move a claim to other issues";
}

static const char *add_links(const char *article_id, const char *id) {
  (void)article_id;
  link_issues(id);
  return "add issues to a claim";
}

static const char *delete_claim(const char *article_id, const char *id) {
  (void)article_id;
  const char *values[] = {id};
  db_fixture_exec("DELETE FROM claims WHERE id = $1::bigint", 1, values);
  return "delete a claim";
}

static const char *change_affiliation(const char *article_id, const char *id) {
  (void)article_id;
  (void)id;
  static const char *const bodies[] = {NULL, "pos-s1", "pos-s2", "pos-o1"};
  const char *values[] = {random_below(2) != 0 ? "pos-p1" : "pos-p2",
                          RANDOM_OF(bodies)};
  db_fixture_exec("UPDATE parties SET affiliation_id = (SELECT id FROM "
                  "parties WHERE slug = $2) WHERE slug = $1",
                  2, values);
  return "change a person's affiliation";
}

/* pos-a2 and pos-leaf have no sub-issues and pos-a and pos-b no parent, so
   every move keeps the tree at two levels. */
static const char *move_issue(const char *article_id, const char *id) {
  (void)article_id;
  (void)id;
  static const char *const parents[] = {NULL, "pos-a", "pos-b"};
  const char *values[] = {random_below(2) != 0 ? "pos-a2" : "pos-leaf",
                          RANDOM_OF(parents)};
  db_fixture_exec("UPDATE issues SET parent_id = (SELECT id FROM issues "
                  "WHERE slug = $2) WHERE slug = $1",
                  2, values);
  return "move an issue in the tree";
}

/* An operation on the claims of the article: `id` is an existing claim
   for those that change one (on_claim). */
struct operation {
  const char *(*run)(const char *article_id, const char *id);
  bool on_claim;
};

static const struct operation operations[] = {
    {insert_claim, false},        {insert_claim, false},
    {store_claims, false},        {edit_claim, true},
    {edit_claim, true},           {move_claim_to_party, true},
    {move_claim_to_issues, true}, {add_links, true},
    {delete_claim, true},         {change_affiliation, false},
    {move_issue, false},
};

/* A random operation; one on a claim when there is none inserts one. */
static const char *random_operation(const char *article_id) {
  const struct operation *chosen = &RANDOM_OF(operations);
  char id[24];
  if (chosen->on_claim && !random_claim(id, sizeof id)) {
    return insert_claim(article_id, NULL);
  }
  return chosen->run(article_id, chosen->on_claim ? id : NULL);
}

/* --- tests ---------------------------------------------------------------- */

/* The article stored claims hang from; its id into article_id[size]. */
static void store_article(char *article_id, size_t size) {
  struct store_outcome stored;
  assert_int_equal(
      db_fixture_store("An article for positions.", 'c', "[]", "[]", &stored),
      DB_OK);
  snprintf(article_id, size, "%s", stored.article_id);
}

static long long cell_count(bool top, const char *party, const char *issue) {
  const char *values[] = {top ? "true" : "false", party, issue};
  return db_fixture_number(
      "SELECT sum(claim_count) FROM position_cells pc JOIN parties p ON p.id "
      "= pc.party_id JOIN issues i ON i.id = pc.issue_id WHERE pc.top = "
      "$1::boolean AND p.slug = $2 AND i.slug = $3",
      3, values);
}

static long long party_total(const char *party) {
  const char *values[] = {party};
  return db_fixture_number(
      "SELECT sum(claim_count) FROM position_totals t JOIN parties p ON p.id "
      "= t.party_id WHERE p.slug = $1",
      1, values);
}

static void test_claim_moves_between_cells(void **state) {
  (void)state;
  char *id = db_fixture_text(
      "INSERT INTO claims (party_id, stance, text) SELECT id, 'demands', "
      "'Moving.' FROM parties WHERE slug = 'pos-s1' RETURNING id",
      0, NULL);
  const char *values[] = {id};
  db_fixture_exec("INSERT INTO claim_issues (claim_id, issue_id) SELECT "
                  "$1::bigint, id FROM issues WHERE slug IN ('pos-a1', "
                  "'pos-a2')",
                  1, values);
  /* Once in each fine cell, once under their parent, once in the total. */
  assert_int_equal(cell_count(false, "pos-s1", "pos-a1"), 1);
  assert_int_equal(cell_count(false, "pos-s1", "pos-a2"), 1);
  assert_int_equal(cell_count(true, "pos-s1", "pos-a"), 1);
  assert_int_equal(party_total("pos-s1"), 1);
  db_fixture_exec("UPDATE claims SET party_id = (SELECT id FROM parties WHERE "
                  "slug = 'pos-s2') WHERE id = $1::bigint",
                  1, values);
  db_fixture_exec("DELETE FROM claim_issues WHERE claim_id = $1::bigint AND "
                  "issue_id = (SELECT id FROM issues WHERE slug = 'pos-a2')",
                  1, values);
  db_fixture_exec("INSERT INTO claim_issues (claim_id, issue_id) SELECT "
                  "$1::bigint, id FROM issues WHERE slug = 'pos-b1'",
                  1, values);
  assert_int_equal(cell_count(true, "pos-s1", "pos-a"), 0);
  assert_int_equal(party_total("pos-s1"), 0);
  assert_int_equal(cell_count(false, "pos-s2", "pos-a1"), 1);
  assert_int_equal(cell_count(false, "pos-s2", "pos-a2"), 0);
  assert_int_equal(cell_count(true, "pos-s2", "pos-a"), 1);
  assert_int_equal(cell_count(true, "pos-s2", "pos-b"), 1);
  assert_int_equal(party_total("pos-s2"), 1);
  db_fixture_exec("DELETE FROM claims WHERE id = $1::bigint", 1, values);
  assert_int_equal(cell_count(true, "pos-s2", "pos-b"), 0);
  assert_int_equal(party_total("pos-s2"), 0);
  assert_counts_exact("after the moves");
  free(id);
}

static void test_version_once_per_writing_transaction(void **state) {
  (void)state;
  char article_id[24];
  store_article(article_id, sizeof article_id);
  long long version = db_fixture_data_version();
  /* Many writes to several tables, one transaction: one step. */
  db_fixture_exec("BEGIN", 0, NULL);
  for (int i = 0; i < 4; i++) {
    insert_claim(article_id, NULL);
  }
  change_affiliation(article_id, NULL);
  db_fixture_exec("COMMIT", 0, NULL);
  assert_int_equal(db_fixture_data_version(), version + 1);
  /* Rolled back: none. */
  db_fixture_exec("BEGIN", 0, NULL);
  insert_claim(article_id, NULL);
  db_fixture_exec("ROLLBACK", 0, NULL);
  assert_int_equal(db_fixture_data_version(), version + 1);
  /* Read only: none. */
  db_fixture_exec("BEGIN", 0, NULL);
  assert_true(db_fixture_number("SELECT count(*) FROM claims", 0, NULL) >= 4);
  db_fixture_exec("COMMIT", 0, NULL);
  assert_int_equal(db_fixture_data_version(), version + 1);
  /* Each statement its own transaction: one each. */
  char id[24];
  assert_true(random_claim(id, sizeof id));
  delete_claim(article_id, id);
  assert_true(random_claim(id, sizeof id));
  edit_claim(article_id, id);
  assert_int_equal(db_fixture_data_version(), version + 3);
  /* The marks of committed transactions are gone with them. */
  assert_int_equal(
      db_fixture_number("SELECT count(*) FROM data_version_marks", 0, NULL), 0);
}

/* The version is spread over shards (migration 016): a writer that
   commits while another holds a shard takes a free one instead of waiting
   for that one's commit, and each still counts once. */
static void test_committing_writers_do_not_queue_on_the_version(void **state) {
  (void)state;
  char article_id[24];
  store_article(article_id, sizeof article_id);
  long long version = db_fixture_data_version();
  /* This transaction takes its shard now, as at its commit, and keeps it. */
  db_fixture_exec("BEGIN", 0, NULL);
  insert_claim(article_id, NULL);
  db_fixture_exec("SET CONSTRAINTS data_version_bump IMMEDIATE", 0, NULL);
  PGconn *other = db_fixture_connect_another();
  PGresult *result = PQexec(other, "SET lock_timeout = '5s'");
  assert_int_equal(PQresultStatus(result), PGRES_COMMAND_OK);
  PQclear(result);
  result = PQexec(other,
                  "INSERT INTO claims (party_id, stance, text) SELECT id, "
                  "'asserts', 'Meanwhile.' FROM parties WHERE slug = 'pos-s1'");
  if (PQresultStatus(result) != PGRES_COMMAND_OK) {
    fail_msg("the second writer waited: %s", PQresultErrorMessage(result));
  }
  PQclear(result);
  result = PQexec(other, "SELECT version FROM data_version");
  assert_int_equal(PQresultStatus(result), PGRES_TUPLES_OK);
  assert_int_equal(atoll(PQgetvalue(result, 0, 0)), version + 1);
  PQclear(result);
  PQfinish(other);
  db_fixture_exec("COMMIT", 0, NULL);
  assert_int_equal(db_fixture_data_version(), version + 2);
}

/* The watched tables' rows, as one digest: what the data version stands
   for. */
static char *data_fingerprint(void) {
  return db_fixture_text(
      "SELECT md5(concat_ws('|', "
      "(SELECT string_agg(t::text, ',' ORDER BY t.id) FROM claims t), "
      "(SELECT string_agg(t::text, ',' ORDER BY t.claim_id, t.issue_id) "
      "FROM claim_issues t), "
      "(SELECT string_agg(t::text, ',' ORDER BY t.id) FROM parties t), "
      "(SELECT string_agg(t::text, ',' ORDER BY t.id) FROM issues t), "
      "(SELECT string_agg(t::text, ',' ORDER BY t.id) FROM articles t)))",
      0, NULL);
}

static void test_seeded_sequence_keeps_counts_exact(void **state) {
  (void)state;
  enum { STEPS = 150 };
  random_state = RANDOM_SEED;
  char article_id[24];
  store_article(article_id, sizeof article_id);
  for (int step = 1; step <= STEPS; step++) {
    long long version = db_fixture_data_version();
    char *fingerprint = data_fingerprint();
    bool commit = random_below(8) != 0;
    size_t count = 1 + random_below(3);
    char when[256];
    int length = snprintf(when, sizeof when, "step %d (%s", step,
                          commit ? "committed" : "rolled back");
    db_fixture_exec("BEGIN", 0, NULL);
    for (size_t i = 0; i < count; i++) {
      const char *done = random_operation(article_id);
      if (length > 0 && (size_t)length < sizeof when) {
        length +=
            snprintf(when + length, sizeof when - (size_t)length, ": %s", done);
      }
    }
    db_fixture_exec(commit ? "COMMIT" : "ROLLBACK", 0, NULL);
    if (length > 0 && (size_t)length < sizeof when - 1) {
      strcat(when, ")");
    }
    /* Up by one exactly when a committed step changed a row. */
    char *after = data_fingerprint();
    bool changed = commit && strcmp(after, fingerprint) != 0;
    free(after);
    free(fingerprint);
    if (db_fixture_data_version() != version + (changed ? 1 : 0)) {
      fail_msg("%s: data version %lld, not %lld", when,
               db_fixture_data_version(), version + (changed ? 1 : 0));
    }
    assert_counts_exact(when);
  }
  /* The sequence did reach every kind of cell. */
  assert_true(db_fixture_number("SELECT count(*) FROM claims", 0, NULL) > 10);
  assert_true(db_fixture_number("SELECT count(*) FROM position_rows WHERE "
                                "claim_count > 0",
                                0, NULL) > 3);
}

/* positions_recount, the backfill of migrations, puts back every count
   whatever state the tables were left in, and marks the data changed. */
static void test_recount_repairs_every_count(void **state) {
  (void)state;
  random_state = RANDOM_SEED;
  char article_id[24];
  store_article(article_id, sizeof article_id);
  for (int step = 0; step < 60; step++) {
    random_operation(article_id);
  }
  assert_counts_exact("before the damage");
  /* Wrong counts and latest claims, a cell and a row no link reaches, rows
     and totals gone. */
  db_fixture_exec(
      "UPDATE position_cells SET claim_count = claim_count + 3, demands = "
      "demands + 3, latest_claim_id = NULL WHERE top",
      0, NULL);
  db_fixture_exec("INSERT INTO position_cells (top, party_id, speaker_id, "
                  "issue_id, asserts, claim_count, latest_claim_id) SELECT "
                  "false, p.id, 0, i.id, 2, 2, (SELECT max(id) FROM claims) "
                  "FROM parties p, issues i WHERE p.slug = 'pos-s1' AND "
                  "i.slug = 'pos-b1' ON CONFLICT DO NOTHING",
                  0, NULL);
  db_fixture_exec(
      "UPDATE position_rows SET latest_text = 'stale' WHERE row_id IN "
      "(SELECT row_id FROM position_rows WHERE claim_count > 0 LIMIT 1)",
      0, NULL);
  db_fixture_exec("DELETE FROM position_rows WHERE ctid IN (SELECT ctid FROM "
                  "position_rows WHERE claim_count > 0 LIMIT 2)",
                  0, NULL);
  db_fixture_exec("DELETE FROM position_totals", 0, NULL);
  db_fixture_exec("INSERT INTO position_totals (party_id, speaker_id, "
                  "claim_count) SELECT id, 0, 7 FROM parties WHERE slug = "
                  "'pos-s2' ON CONFLICT DO NOTHING",
                  0, NULL);
  char *cells = difference(cells_expected, cells_kept);
  char *rows = difference(rows_expected, rows_kept);
  char *totals = difference(totals_expected, totals_kept);
  assert_string_not_equal(cells, "");
  assert_string_not_equal(rows, "");
  assert_string_not_equal(totals, "");
  free(cells);
  free(rows);
  free(totals);
  long long version = db_fixture_data_version();
  db_fixture_exec("SELECT positions_recount()", 0, NULL);
  assert_counts_exact("after positions_recount");
  assert_int_equal(db_fixture_data_version(), version + 1);
  /* A second recount changes no count. */
  char *fingerprint = db_fixture_text(
      "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM "
      "position_cells t",
      0, NULL);
  db_fixture_exec("SELECT positions_recount()", 0, NULL);
  char *again = db_fixture_text(
      "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM "
      "position_cells t",
      0, NULL);
  assert_string_equal(again, fingerprint);
  free(again);
  free(fingerprint);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_claim_moves_between_cells, db_fixture_reset),
      cmocka_unit_test_setup(test_version_once_per_writing_transaction,
                             db_fixture_reset),
      cmocka_unit_test_setup(
          test_committing_writers_do_not_queue_on_the_version,
          db_fixture_reset),
      cmocka_unit_test_setup(test_seeded_sequence_keeps_counts_exact,
                             db_fixture_reset),
      cmocka_unit_test_setup(test_recount_repairs_every_count,
                             db_fixture_reset),
  };
  db_fixture_open("positions");
  int failed = cmocka_run_group_tests_name("db.positions", tests,
                                           create_catalogue, NULL);
  db_fixture_close();
  return failed;
}
