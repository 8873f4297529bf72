/*
 * The offline verbs of the licensefs program (`licensefs VERB ...`), which work on a DATABASE
 * directly, mounted or not: each opens the model, does its work in one transaction, and
 * returns the program's exit status.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum {
        EXIT_REFUSED = 1,               /* the input was refused; the database is unchanged */
        EXIT_USAGE = 2,
        EXIT_DATABASE = 3,
        EXIT_MOUNT = 4,
        EXIT_NOT_PLANNED = 4,           /* plan: something is left out of the plan */
};

struct command {
        const char *verb;
        const char *usage;              /* the arguments after the verb */
        int (*run)(int argc, char **argv); /* argv[0] is the verb */
};

/* The command named `verb`, or NULL: then argv is a mount. */
const struct command *command_find(const char *verb);

/*
 * What every verb shares: its arguments, a failed model (status 3). The arguments must be
 * exactly `count` paths, none of them empty or an option, the first `databases` of them
 * databases without a password (dbname.h): 0, or the usage error's status 2 after saying why.
 */
int command_args_check(const char *verb, int argc, char **argv, int count, int databases);
/* Says why the model failed on `database` (its reason, else strerror(-r)); returns 3. */
int command_database_failed(const char *database, int r);

struct formats_diag;

/*
 * How the verbs that read a file say what they found in it (a formats_report's diag, ctx a
 * struct command_printer): "licensefs: FILE:LINE:COLUMN: ..." or "licensefs: FILE: PATH: ...",
 * the database's failures as "licensefs: DATABASE: ...". `status` is the exit status of the
 * last refusal or failure, 0 while there is none.
 */
struct command_printer {
        const char *file, *database;
        bool tty;                       /* stderr is a terminal: progress may show */
        bool shown;                     /* a progress line is on the terminal */
        int status;
};

void command_print_diag(void *ctx, const struct formats_diag *d);
/* How far a large import is, on a terminal only (ctx as above); the end clears the line. */
void command_print_progress(void *ctx, size_t done, size_t total);
/* A failed write to stdout, said; returns 1. */
int command_output_failed(void);

/* Each verb's implementation (cmd_catalog.c, cmd_snapshot.c, cmd_copy.c, cmd_plan.c). */
int cmd_import_catalog(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_export_csv(int argc, char **argv);
int cmd_copy(int argc, char **argv);
int cmd_plan(int argc, char **argv);
