/* `parley load`: extract articles from files, a directory or standard input,
   and print them (--dry-run) or store them in the database. */
#ifndef PARLEY_CLI_LOAD_H
#define PARLEY_CLI_LOAD_H

/* Runs `parley load [--dry-run] [--json] [--url URL] FILE|DIR|-`; argv[0] is
   "load". Returns an exit code from sysexits.h. */
int cli_load(int argc, char **argv);

#endif
