/*
 * licensefs import-catalog DATABASE FILE.csv: the arguments, the messages and the exit status
 * of importing Microsoft's product catalog (the reading and merging are formats/catalog.c's).
 * The file is read and checked whole before the database is opened, so that a file refused as
 * a whole changes nothing, not even creating DATABASE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "commands.h"
#include "tenant.h"

struct catalog_printer {
        const char *file, *database;
        bool tty;                       /* stderr is a terminal: progress is shown */
};

static void print_diag(void *ctx, const struct formats_diag *d)
{
        const struct catalog_printer *p = ctx;

        switch (d->kind) {
        case FORMATS_SKIPPED:
                printf("line %ld: %s\n", d->line, d->message);
                break;
        case FORMATS_DATABASE:
                fprintf(stderr, "licensefs: %s: %s\n", p->database, d->message);
                break;
        default:
                fprintf(stderr, "licensefs: %s: line %ld: %s\n", p->file, d->line, d->message);
                break;
        }
}

/* How far the import is, on a terminal only; the last step clears the line. */
static void print_progress(void *ctx, size_t done, size_t total)
{
        const struct catalog_printer *p = ctx;

        if (!p->tty || (done % 250 != 0 && done != total))
                return;
        if (done == total)
                fputs("\r\033[K", stderr);
        else
                fprintf(stderr, "\rimport-catalog: %zu of %zu rows", done, total);
}

static void print_summary(const struct formats_catalog_summary *s)
{
        printf("products: %zu created, %zu updated, %zu unchanged\n",
               s->products[MODEL_CREATED], s->products[MODEL_UPDATED],
               s->products[MODEL_UNCHANGED]);
        printf("plans: %zu created, %zu updated, %zu unchanged\n", s->plans[MODEL_CREATED],
               s->plans[MODEL_UPDATED], s->plans[MODEL_UNCHANGED]);
        printf("%zu rows (%s): %zu imported, %zu skipped (%zu duplicate, %zu conflicting, "
               "%zu bad)\n", s->rows, s->encoding, s->skipped[FORMATS_CATALOG_IMPORTED],
               s->rows - s->skipped[FORMATS_CATALOG_IMPORTED],
               s->skipped[FORMATS_CATALOG_DUPLICATE], s->skipped[FORMATS_CATALOG_CONFLICT],
               s->skipped[FORMATS_CATALOG_BAD]);
}

/* The file's failure other than a refusal (which was reported): its status. */
static int file_failed(const char *file, int r)
{
        fprintf(stderr, "licensefs: %s: %s\n", file, strerror(-r));
        return r == -ENOMEM ? EXIT_DATABASE : EXIT_REFUSED;
}

int cmd_import_catalog(int argc, char **argv)
{
        struct catalog_printer printer = { argv[argc - 1], argv[1], isatty(STDERR_FILENO) };
        struct formats_report report = { print_diag, print_progress, &printer };
        struct model_actor actor = { (int64_t)getuid(), "import-catalog", argv[argc - 1] };
        struct formats_catalog *catalog = NULL;
        struct formats_catalog_summary summary;
        struct model *m = NULL;
        char *data = NULL;
        size_t size = 0;
        int status, r;

        if (command_args_check(argv[0], argc - 1, argv + 1, 2, 1))
                return EXIT_USAGE;
        r = formats_read_file(argv[2], &data, &size);
        if (r < 0)
                return file_failed(argv[2], r);
        r = formats_catalog_read(data, size, &report, &catalog);
        free(data);
        if (r < 0)
                return r == -EINVAL ? EXIT_REFUSED : file_failed(argv[2], r);
        status = EXIT_DATABASE;
        if (tenant_open(argv[1], TENANT_CHECK_FILES, &m) < 0)
                goto out;
        if (formats_catalog_import(catalog, m, &actor, &report, &summary) < 0)
                goto out;
        print_summary(&summary);
        status = 0;
out:
        m = model_close(m);
        formats_catalog_free(catalog);
        return status;
}
