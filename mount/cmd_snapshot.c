/*
 * licensefs import [--replace] DATABASE FILE.json, licensefs export DATABASE and licensefs
 * export-csv DATABASE: the arguments, opening the tenant (created if missing), the messages
 * and the exit status; the reading and writing are formats/'s (snapshot.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "snapshot.h"
#include "tenant.h"

int cmd_import(int argc, char **argv)
{
        bool replace = argc > 1 && strcmp(argv[1], "--replace") == 0;
        int first = replace ? 2 : 1, status, r;
        struct command_printer printer = { .tty = isatty(STDERR_FILENO) };
        struct formats_report report = { command_print_diag, command_print_progress, &printer };
        struct formats_snapshot_summary summary;
        struct model_actor actor;
        struct model *m = NULL;
        json_t *root = NULL;
        char *data = NULL;
        size_t size = 0;

        if (command_args_check(argv[0], argc - first, argv + first, 2, 1))
                return EXIT_USAGE;
        printer.database = argv[first];
        printer.file = argv[first + 1];
        actor = (struct model_actor){ (int64_t)getuid(), "import", printer.file };
        /* The file first: a file that cannot be read leaves no new database behind. */
        r = formats_read_file(printer.file, &data, &size);
        if (r < 0) {
                fprintf(stderr, "licensefs: %s: %s\n", printer.file, strerror(-r));
                return EXIT_REFUSED;
        }
        r = formats_snapshot_parse(data, size, &report, &root);
        free(data);
        if (r < 0)
                return EXIT_REFUSED;
        status = EXIT_DATABASE;
        if (tenant_open(printer.database, TENANT_CHECK_FILES, &m) < 0)
                goto out;
        r = formats_snapshot_import(m, root, replace, &actor, &report, &summary);
        if (r == -ENOTEMPTY && !printer.status) {
                fprintf(stderr, "licensefs: %s: the tenant has users or groups already; import "
                        "--replace replaces them\n", printer.database);
                status = EXIT_REFUSED;
        } else if (r < 0) {
                status = printer.status ? printer.status
                                        : command_database_failed(printer.database, r);
        } else {
                printf("imported %s: %d products, %d users, %d groups; %lld seats held, %lld "
                       "waiting\n", printer.file, summary.products, summary.users,
                       summary.groups, (long long)summary.held, (long long)summary.waiting);
                status = 0;
        }
out:
        model_close(m);
        json_decref(root);
        return status;
}

static int write_snapshot(struct model *m, const char *database)
{
        json_t *root = NULL;
        int status = 0, r;

        r = formats_snapshot_export(m, &root);
        if (r < 0)
                return command_database_failed(database, r);
        if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
            fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
                status = command_output_failed();
        json_decref(root);
        return status;
}

static int write_csv(struct model *m, const char *database)
{
        char *text = NULL;
        size_t size = 0;
        int status = 0, r;

        r = formats_csv_export(m, &text, &size);
        if (r < 0)
                return command_database_failed(database, r);
        if (fwrite(text, 1, size, stdout) != size || fflush(stdout) == EOF)
                status = command_output_failed();
        free(text);
        return status;
}

/* export and export-csv: DATABASE, and what writes it to stdout. */
static int run_export(int argc, char **argv, int (*write)(struct model *m, const char *database))
{
        struct model *m = NULL;
        int status;

        if (command_args_check(argv[0], argc - 1, argv + 1, 1, 1))
                return EXIT_USAGE;
        if (tenant_open(argv[1], TENANT_CHECK_FILES, &m) < 0)
                return EXIT_DATABASE;
        status = write(m, argv[1]);
        model_close(m);
        return status;
}

int cmd_export(int argc, char **argv)
{
        return run_export(argc, argv, write_snapshot);
}

int cmd_export_csv(int argc, char **argv)
{
        return run_export(argc, argv, write_csv);
}
