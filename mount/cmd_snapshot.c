/*
 * licensefs import [--replace] DATABASE FILE.json, licensefs export DATABASE and licensefs
 * export-csv DATABASE: the arguments, opening the database (created if missing), and the exit
 * status; the work is in snapshot_import.c, snapshot_export.c and csv_export.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dbcheck.h"
#include "snapshot.h"

static int usage(const char *verb)
{
        fprintf(stderr, "licensefs: %s: expected %s (try licensefs --help)\n", verb,
                command_find(verb)->usage);
        return EXIT_USAGE;
}

/* The paths after the verb: exactly `count`, none of them an option. */
static bool paths_ok(int argc, char **argv, int count)
{
        int i;

        if (argc != count)
                return false;
        for (i = 0; i < argc; i++)
                if (argv[i][0] == '-' || argv[i][0] == '\0')
                        return false;
        return true;
}

static struct model *open_database(const char *database)
{
        struct model *m = NULL;
        int r;

        if (dbcheck(database) < 0)
                return NULL;
        r = model_open(database, &m);
        if (r < 0)
                snapshot_database_error(database, r);
        return r < 0 ? NULL : m;
}

int cmd_import(int argc, char **argv)
{
        bool replace = argc > 1 && strcmp(argv[1], "--replace") == 0;
        int first = replace ? 2 : 1, status;
        struct model *m;
        json_t *root;

        if (!paths_ok(argc - first, argv + first, 2))
                return usage(argv[0]);
        /* The file first: a file that cannot be read leaves no new database behind. */
        status = snapshot_load(argv[first + 1], &root);
        if (status)
                return status;
        m = open_database(argv[first]);
        status = m ? snapshot_import(m, argv[first], argv[first + 1], root, replace)
                   : EXIT_DATABASE;
        model_close(m);
        json_decref(root);
        return status;
}

/* export and export-csv: DATABASE, and what writes it to stdout. */
static int run_export(int argc, char **argv,
                      int (*write)(struct model *m, const char *database, FILE *out))
{
        struct model *m;
        int status;

        if (!paths_ok(argc - 1, argv + 1, 1))
                return usage(argv[0]);
        m = open_database(argv[1]);
        if (!m)
                return EXIT_DATABASE;
        status = write(m, argv[1], stdout);
        model_close(m);
        return status;
}

int cmd_export(int argc, char **argv)
{
        return run_export(argc, argv, snapshot_export);
}

int cmd_export_csv(int argc, char **argv)
{
        return run_export(argc, argv, csv_export);
}
