/* The records' closed vocabularies, spelt once: a claim's stance and a
   party's kind, read by the field tables and query enums of api/, the
   extractor and the positions matrix. */
#ifndef PARLEY_COMMON_VOCABULARY_H
#define PARLEY_COMMON_VOCABULARY_H

/* X(name, text), in the order the API documents them (docs/DESIGN.md, the
   positions matrix's counts). */
#define STANCE_MAP(X)                                                          \
  X(DEMANDS, "demands")                                                        \
  X(PROPOSES, "proposes")                                                      \
  X(REJECTS, "rejects")                                                        \
  X(ACCEPTS, "accepts")                                                        \
  X(THREATENS, "threatens")                                                    \
  X(ASSERTS, "asserts")

#define PARTY_KIND_MAP(X)                                                      \
  X(STATE, "state")                                                            \
  X(ORGANIZATION, "organization")                                              \
  X(PERSON, "person")                                                          \
  X(GROUP, "group")

enum stance {
  STANCE_NONE = -1, /* the extractor's "no stance word found" */
#define X(name, text) STANCE_##name,
  STANCE_MAP(X)
#undef X
      STANCE_COUNT
};

enum party_kind {
#define X(name, text) PARTY_KIND_##name,
  PARTY_KIND_MAP(X)
#undef X
      PARTY_KIND_COUNT
};

/* The texts in enum order, NULL-terminated (the form query and field enums
   take). */
extern const char *const stance_names[STANCE_COUNT + 1];
extern const char *const party_kind_names[PARTY_KIND_COUNT + 1];

/* The text of a value; NULL when out of range (STANCE_NONE included). */
const char *stance_name(enum stance stance);
const char *party_kind_name(enum party_kind kind);

/* The value of a text; STANCE_NONE / -1 when it names none. */
enum stance stance_from_name(const char *text);
int party_kind_from_name(const char *text);

#endif
