/*
 * The table of offline verbs, and what they share: the usage error, the paths after the verb,
 * the message of a failed model, and how import and plan report on the file they read. A verb
 * is recognised only as the first argument, before any option, so a database file named like
 * a verb is mounted as ./NAME.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dbname.h"
#include "formats.h"
#include "model.h"

static const struct command commands[] = {
        { "import-catalog", "DATABASE FILE.csv", cmd_import_catalog },
        { "import", "[--replace] DATABASE FILE.json", cmd_import },
        { "export", "DATABASE", cmd_export },
        { "export-csv", "DATABASE", cmd_export_csv },
        { "copy", "[--replace] FROM TO", cmd_copy },
        { "plan", "DATABASE SNAPSHOT.json", cmd_plan },
};

const struct command *command_find(const char *verb)
{
        size_t i;

        for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(commands[i].verb, verb) == 0)
                        return &commands[i];
        return NULL;
}

int command_args_check(const char *verb, int argc, char **argv, int count, int databases)
{
        int i;

        for (i = 0; i < argc && argc == count; i++)
                if (argv[i][0] == '-' || argv[i][0] == '\0')
                        break;
        if (argc != count || i < argc) {
                fprintf(stderr, "licensefs: %s: expected %s (try licensefs --help)\n", verb,
                        command_find(verb)->usage);
                return EXIT_USAGE;
        }
        for (i = 0; i < databases; i++)
                if (dbname_check(argv[i]) < 0)
                        return EXIT_USAGE;
        return 0;
}

int command_database_failed(const char *database, int r)
{
        fprintf(stderr, "licensefs: %s: %s\n", database,
                model_reason()[0] ? model_reason() : strerror(-r));
        return EXIT_DATABASE;
}

/* --- what the verbs that read a file print -------------------------------------------------- */

#define PROGRESS_EVERY 500              /* objects between two progress lines */
#define PROGRESS_FROM 2000              /* objects a snapshot needs for progress to show */

static void clear_progress(struct command_printer *p)
{
        if (p->shown)
                fputs("\r\033[K", stderr);
        p->shown = false;
}

void command_print_diag(void *ctx, const struct formats_diag *d)
{
        struct command_printer *p = ctx;

        clear_progress(p);
        switch (d->kind) {
        case FORMATS_DATABASE:
                fprintf(stderr, "licensefs: %s: %s\n", p->database, d->message);
                p->status = EXIT_DATABASE;
                break;
        case FORMATS_WARNING:
                fprintf(stderr, "licensefs: %s: %s%swarning: %s\n", p->file, d->path,
                        *d->path ? ": " : "", d->message);
                break;
        default:
                if (*d->path)
                        fprintf(stderr, "licensefs: %s: %s: %s\n", p->file, d->path, d->message);
                else
                        fprintf(stderr, "licensefs: %s:%ld:%ld: %s\n", p->file, d->line,
                                d->column, d->message);
                p->status = EXIT_REFUSED;
                break;
        }
}

void command_print_progress(void *ctx, size_t done, size_t total)
{
        struct command_printer *p = ctx;

        if (done == total) {
                clear_progress(p);
        } else if (p->tty && total >= PROGRESS_FROM && done % PROGRESS_EVERY == 0) {
                fprintf(stderr, "\rlicensefs: importing %s: %zu of %zu objects", p->file, done,
                        total);
                p->shown = true;
        }
}

int command_output_failed(void)
{
        fprintf(stderr, "licensefs: stdout: %s\n", strerror(errno));
        return EXIT_REFUSED;
}
