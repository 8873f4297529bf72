/*
 * The helpers of the formats layer's Check suites (see test_formats_helpers.h).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "test_formats_helpers.h"

static void collect(void *ctx, const struct formats_diag *d)
{
        static const char *const kinds[] = { "REFUSED", "SKIPPED", "WARNING", "DATABASE" };
        struct findings *f = ctx;
        char *at = f->text + f->len;
        size_t room = sizeof(f->text) - f->len;
        int n;

        if (*d->path)
                n = snprintf(at, room, "%s %s: %s\n", kinds[d->kind], d->path, d->message);
        else if (d->column > 0)
                n = snprintf(at, room, "%s %ld:%ld: %s\n", kinds[d->kind], d->line, d->column,
                             d->message);
        else
                n = snprintf(at, room, "%s %ld: %s\n", kinds[d->kind], d->line, d->message);
        ck_assert_int_ge(n, 0);
        ck_assert_uint_lt((size_t)n, room);
        f->len += (size_t)n;
        f->calls++;
}

static void collect_progress(void *ctx, size_t done, size_t total)
{
        struct findings *f = ctx;

        f->progress_calls++;
        f->last_done = done;
        f->last_total = total;
}

struct formats_report findings_report(struct findings *f)
{
        return (struct formats_report){ collect, collect_progress, f };
}

char formats_dir[64], formats_db_path[128];

void formats_dir_setup(void)
{
        strcpy(formats_dir, "/tmp/licensefs-formats-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(formats_dir));
        snprintf(formats_db_path, sizeof(formats_db_path), "%s/tenant.db", formats_dir);
}

void formats_dir_teardown(void)
{
        char command[128];

        snprintf(command, sizeof(command), "rm -rf '%s'", formats_dir);
        ck_assert_int_eq(system(command), 0);
}

int without_growth(int (*step)(void *ctx), void *ctx)
{
        struct rlimit unlimited, none_more;
        int r;

        ck_assert_ptr_ne(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
        ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &unlimited), 0);
        none_more = unlimited;
        none_more.rlim_cur = 1;
        ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &none_more), 0);
        r = step(ctx);
        ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &unlimited), 0);
        return r;
}

json_t *test_json(const char *text)
{
        json_error_t error;
        json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &error);

        ck_assert_msg(root != NULL, "the test's JSON: %d:%d: %s", error.line, error.column,
                      error.text);
        return root;
}
