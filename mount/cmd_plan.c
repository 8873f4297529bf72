/*
 * licensefs plan DATABASE SNAPSHOT.json: the Microsoft Graph batches that turn the real tenant
 * (a fresh snapshot, in the import format) into the tenant in DATABASE, on stdout one batch per
 * line; on stderr what the plan leaves out and a summary. The snapshot is read as import reads
 * it, into a scratch tenant in memory, and written back out by export, so that both sides reach
 * the planner (plan.h) read and normalised by the same code; DATABASE is only read.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "plan.h"
#include "snapshot.h"
#include "tenant.h"

/* The scratch import's findings: refusals and failures only, as its warnings are about seats. */
static void print_refusal(void *ctx, const struct formats_diag *d)
{
        if (d->kind != FORMATS_WARNING)
                command_print_diag(ctx, d);
}

static void print_not_planned(void *ctx, const struct formats_diag *d)
{
        (void)ctx;
        fprintf(stderr, "plan: %s%s\n", d->kind == FORMATS_WARNING ? "warning: " : "",
                d->message);
}

/* The snapshot at printer->file as the planner needs it: *ret, or the exit status. */
static int read_actual(struct command_printer *printer, json_t **ret)
{
        struct formats_report report = { print_refusal, NULL, printer };
        struct model_actor actor = { (int64_t)getuid(), "plan", printer->file };
        struct formats_snapshot_summary summary;
        struct model *scratch = NULL;
        json_t *root = NULL;
        char *data = NULL;
        size_t size = 0;
        int r;

        r = formats_read_file(printer->file, &data, &size);
        if (r < 0) {
                fprintf(stderr, "licensefs: %s: %s\n", printer->file, strerror(-r));
                return EXIT_REFUSED;
        }
        r = formats_snapshot_parse(data, size, &report, &root);
        free(data);
        if (r < 0)
                return EXIT_REFUSED;
        r = model_open(":memory:", &scratch);
        if (r >= 0)
                r = formats_snapshot_import(scratch, root, false, &actor, &report, &summary);
        if (r >= 0)
                r = formats_snapshot_export(scratch, ret);
        model_close(scratch);
        json_decref(root);
        if (r >= 0)
                return 0;
        return printer->status ? printer->status : command_database_failed(printer->file, r);
}

static int write_batches(json_t *batches)
{
        json_t *batch;
        size_t i;

        json_array_foreach(batches, i, batch)
                if (json_dumpf(batch, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF)
                        return command_output_failed();
        return fflush(stdout) == EOF ? command_output_failed() : 0;
}

static void print_summary(const struct formats_plan_summary *s)
{
        size_t i;

        fprintf(stderr, "plan: %d requests in %d batches: %d licenses added, %d removed, %d "
                "changed; %d group licenses added, %d removed, %d changed; %d members added, %d "
                "removed; %d usage locations set; %d not planned\n", s->requests, s->batches,
                s->licenses_added, s->licenses_removed, s->licenses_changed,
                s->group_licenses_added, s->group_licenses_removed, s->group_licenses_changed,
                s->members_added, s->members_removed, s->locations_set, s->not_planned);
        for (i = 0; i < sizeof(s->wait_before) / sizeof(s->wait_before[0]); i++)
                if (s->wait_before[i])
                        fprintf(stderr, "plan: before batch %d, wait until Entra has processed "
                                "the group changes before it (or plan again from a fresh "
                                "snapshot)\n", s->wait_before[i]);
}

int cmd_plan(int argc, char **argv)
{
        struct command_printer printer = { 0 };
        struct formats_report report = { print_not_planned, NULL, NULL };
        struct formats_plan_summary summary;
        json_t *actual = NULL, *desired = NULL, *batches = NULL;
        struct model *m = NULL;
        int status, r;

        if (command_args_check(argv[0], argc - 1, argv + 1, 2, 1))
                return EXIT_USAGE;
        printer.database = argv[1];
        printer.file = argv[2];
        /* The snapshot first: a refused one leaves DATABASE as it was, unopened. */
        status = read_actual(&printer, &actual);
        if (status)
                return status;
        status = EXIT_DATABASE;
        if (tenant_open(printer.database, TENANT_CHECK_FILES | TENANT_EXISTING, &m) < 0)
                goto out;
        r = formats_snapshot_export(m, &desired);
        if (r < 0) {
                status = command_database_failed(printer.database, r);
                goto out;
        }
        r = formats_plan(desired, actual, &report, &batches, &summary);
        if (r < 0) {
                status = command_database_failed(printer.database, r);
                goto out;
        }
        status = write_batches(batches);
        /* Nothing at all when the tenants agree, as diff says nothing. */
        if (!status && (summary.requests || summary.not_planned))
                print_summary(&summary);
        if (!status && summary.not_planned)
                status = EXIT_NOT_PLANNED;
out:
        model_close(m);
        json_decref(actual);
        json_decref(desired);
        json_decref(batches);
        return status;
}
