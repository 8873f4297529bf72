/*
 * The table of offline verbs, and what they share: the usage error, the paths after the verb,
 * the message of a failed model. A verb is recognised only as the first argument, before any
 * option, so a database file named like a verb is mounted as ./NAME.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dbname.h"
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
