/*
 * licensefs import-catalog DATABASE FILE.csv (not written yet).
 */
#include <stdio.h>

#include "commands.h"

int cmd_import_catalog(int argc, char **argv)
{
        (void)argc;
        (void)argv;
        fputs("licensefs: import-catalog: not implemented yet\n", stderr);
        return EXIT_USAGE;
}
