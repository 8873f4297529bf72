/*
 * The table of offline verbs. A verb is recognised only as the first argument, before any
 * option, so a database file named like a verb is mounted as ./NAME.
 */
#include <string.h>

#include "commands.h"

static const struct command commands[] = {
        { "import-catalog", "DATABASE FILE.csv", cmd_import_catalog },
        { "import", "[--replace] DATABASE FILE.json", cmd_import },
        { "export", "DATABASE", cmd_export },
        { "export-csv", "DATABASE", cmd_export_csv },
};

const struct command *command_find(const char *verb)
{
        size_t i;

        for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(commands[i].verb, verb) == 0)
                        return &commands[i];
        return NULL;
}
