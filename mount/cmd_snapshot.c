/*
 * licensefs import / export / export-csv (not written yet).
 */
#include <stdio.h>

#include "commands.h"

static int not_yet(const char *verb)
{
        fprintf(stderr, "licensefs: %s: not implemented yet\n", verb);
        return EXIT_USAGE;
}

int cmd_import(int argc, char **argv)
{
        (void)argc;
        return not_yet(argv[0]);
}

int cmd_export(int argc, char **argv)
{
        (void)argc;
        return not_yet(argv[0]);
}

int cmd_export_csv(int argc, char **argv)
{
        (void)argc;
        return not_yet(argv[0]);
}
