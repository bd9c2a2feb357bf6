# Embed files into the binary as a C array of {name, bytes, length}.
#
# embed_files(OUTPUT file.c SYMBOL name FILES a b ...) writes file.c, which
# defines `const struct embedded_file name[]` (terminated by a NULL name) and
# `const size_t name_count`. The type is declared in include/common/embedded.h.
# The generator runs at build time and reruns when any input changes.

set(EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/EmbedScript.cmake)

function(embed_files)
  cmake_parse_arguments(EMBED "" "OUTPUT;SYMBOL" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${EMBED_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${EMBED_OUTPUT} -DSYMBOL=${EMBED_SYMBOL}
            "-DFILES=${EMBED_FILES}" -P ${EMBED_SCRIPT}
    DEPENDS ${EMBED_FILES} ${EMBED_SCRIPT}
    COMMENT "Embedding ${EMBED_SYMBOL}"
    VERBATIM)
endfunction()
