/*
 * The Check side of the model unit tests: the fresh-model fixture, assertions on listings and
 * state, and the failures that the tenant invariant checker and the tenant snapshot of
 * tests/common/ (shared with the fuzz targets) turn into: a broken invariant or a refusal that
 * changed the snapshot fails the test, naming the caller's line.
 */
#include "check_helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct model *m;
time_t test_now;

bool test_on_postgres(void)
{
        const char *backend = getenv("LICENSEFS_TEST_BACKEND");

        return backend && strcmp(backend, "postgresql") == 0;
}

/* libpq's notices (IF NOT EXISTS skipping) go to stderr otherwise. */
static void notice_ignore(void *arg, const char *message)
{
        (void)arg;
        (void)message;
}

PGconn *test_pg_connect(void)
{
        PGconn *pg = PQconnectdb("");

        ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "cannot reach the test server: %s",
                      PQerrorMessage(pg));
        PQsetNoticeProcessor(pg, notice_ignore, NULL);
        return pg;
}

int64_t test_pg_run(PGconn *pg, const char *sql)
{
        PGresult *res = PQexec(pg, sql);
        int64_t rows;

        ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
                      PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
                      PQresultErrorMessage(res));
        rows = strtoll(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        return rows;
}

int64_t test_pg_rows(PGconn *pg, const char *sql)
{
        PGresult *res = PQexec(pg, sql);
        int64_t rows;

        ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
                      PQresultErrorMessage(res));
        rows = PQntuples(res);
        PQclear(res);
        return rows;
}

void test_pg_exec(const char *sql)
{
        PGconn *pg = test_pg_connect();

        test_pg_run(pg, sql);
        PQfinish(pg);
}

char *test_pg_schema_target(const char *schema)
{
        char *target = NULL;

        /* Host, user and database come from PGHOST, PGUSER and PGDATABASE (with-cluster). */
        ck_assert_int_ge(asprintf(&target, "postgresql://?options=-csearch_path%%3D%s", schema),
                         0);
        return target;
}

char *test_target_new(void)
{
        static unsigned counter;
        char schema[64], create[96];
        char *target;

        if (!test_on_postgres()) {
                target = strdup(":memory:");
                ck_assert_ptr_nonnull(target);
                return target;
        }
        struct timespec now;

        /* A schema of its own per model: pid and counter, since every test forks, and the
         * time, since pids come again on a server that outlives a run. */
        clock_gettime(CLOCK_REALTIME, &now);
        snprintf(schema, sizeof(schema), "t%ld_%u_%ld", (long)getpid(), ++counter,
                 (long)now.tv_nsec);
        snprintf(create, sizeof(create), "CREATE SCHEMA %s", schema);
        test_pg_exec(create);
        return test_pg_schema_target(schema);
}

char *test_target_named(const char *path)
{
        char schema[64], create[128];
        uint64_t hash = 14695981039346656037ull;
        char *target;
        const char *c;

        if (!test_on_postgres()) {
                target = strdup(path);
                ck_assert_ptr_nonnull(target);
                return target;
        }
        /* FNV-1a of the path: the same path names the same schema; mkdtemp makes paths new. */
        for (c = path; *c; c++)
                hash = (hash ^ (unsigned char)*c) * 1099511628211ull;
        snprintf(schema, sizeof(schema), "f%016" PRIx64, hash);
        snprintf(create, sizeof(create), "CREATE SCHEMA IF NOT EXISTS %s", schema);
        test_pg_exec(create);
        return test_pg_schema_target(schema);
}

int test_model_open(struct model **ret)
{
        char *target = test_target_new();
        int rc = model_open(target, ret);

        free(target);
        return rc;
}

void model_setup(void)
{
        int rc = test_model_open(&m);

        ck_assert_msg(rc == 0, "model_open of a fresh tenant returned %s (reason: \"%s\")",
                      errno_name(rc), model_reason());
        clock_at(TEST_T0);
}

void model_teardown(void)
{
        m = model_close(m);
}

TCase *model_tcase(const char *name)
{
        TCase *tcase = tcase_create(name);

        tcase_add_checked_fixture(tcase, model_setup, model_teardown);
        tcase_set_timeout(tcase, 60);
        return tcase;
}

int run_suite(Suite *suite)
{
        SRunner *runner = srunner_create(suite);
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void clock_at(time_t now)
{
        test_now = now;
        model_set_clock(m, now);
}

const char *errno_name(int rc)
{
        static const struct {
                int err;
                const char *name;
        } names[] = {
                { ENOENT, "ENOENT" }, { EEXIST, "EEXIST" }, { EINVAL, "EINVAL" },
                { ENAMETOOLONG, "ENAMETOOLONG" }, { ENOSPC, "ENOSPC" }, { EPERM, "EPERM" },
                { EBUSY, "EBUSY" }, { ENOTEMPTY, "ENOTEMPTY" }, { EIO, "EIO" },
                { ENOMEM, "ENOMEM" }, { EROFS, "EROFS" }, { EACCES, "EACCES" },
                { ENOSYS, "ENOSYS" }, { ENOTDIR, "ENOTDIR" },
        };
        static __thread char other[32];

        if (rc == 0)
                return "0";
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (rc == -names[i].err)
                        return names[i].name;
        snprintf(other, sizeof(other), "%d", rc);
        return other;
}

/* --- listings ------------------------------------------------------------------------------- */

/* Collects a listing, failing the test when it fails. */
static void names_collect_at(const char *where, struct model *model, enum model_listing listing,
                             const char *a, const char *b, struct names *ret)
{
        int rc = names_collect(model, listing, a, b, ret);

        ck_assert_msg(rc == 0, "%s: model_list(%s, \"%s\", \"%s\") returned %s", where,
                      listing_name(listing), a ? a : "(null)", b ? b : "(null)", errno_name(rc));
}

int64_t listing_count_at(const char *where, struct model *model, enum model_listing listing,
                         const char *a, const char *b)
{
        struct names names;
        int64_t count;

        names_collect_at(where, model, listing, a, b, &names);
        count = (int64_t)names.count;
        names_free(&names);
        return count;
}

static char *names_join(const char *const names[], size_t count)
{
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);

        ck_assert_ptr_nonnull(out);
        fputc('[', out);
        for (size_t i = 0; i < count; i++)
                fprintf(out, "%s\"%s\"", i ? ", " : "", names[i]);
        fputc(']', out);
        fclose(out);
        return text;
}

void ck_listing_at(const char *where, struct model *model, enum model_listing listing,
                   const char *a, const char *b, const char *const expected[])
{
        struct names actual;
        size_t expected_count = 0;
        bool same;

        while (expected[expected_count])
                expected_count++;
        names_collect_at(where, model, listing, a, b, &actual);
        same = actual.count == expected_count;
        for (size_t i = 0; same && i < expected_count; i++)
                same = strcmp(actual.items[i], expected[i]) == 0;
        if (!same) {
                char *want = names_join(expected, expected_count);
                char *got = names_join((const char *const *)actual.items, actual.count);

                ck_abort_msg("%s: listing %s(\"%s\", \"%s\") is %s, expected %s", where,
                             listing_name(listing), a ? a : "(null)", b ? b : "(null)", got, want);
        }
        names_free(&actual);
}

/* --- state ---------------------------------------------------------------------------------- */

void ck_product_at(const char *where, struct model *model, const char *sku, int64_t total,
                   int64_t assigned, int64_t waiting)
{
        struct model_product product;
        int rc = model_product_get(model, sku, &product);
        /* seats that lapsed may leave more held than there are: none available */
        int64_t available = total > assigned ? total - assigned : 0;

        ck_assert_msg(rc == 0, "%s: model_product_get(\"%s\") returned %s", where, sku,
                      errno_name(rc));
        ck_assert_msg(product.total == total && product.assigned == assigned &&
                      product.available == available && product.waiting == waiting,
                      "%s: product %s has total=%" PRId64 " assigned=%" PRId64
                      " available=%" PRId64 " waiting=%" PRId64 ", expected total=%" PRId64
                      " assigned=%" PRId64 " available=%" PRId64 " waiting=%" PRId64, where, sku,
                      product.total, product.assigned, product.available, product.waiting, total,
                      assigned, available, waiting);
}

void ck_holder_at(const char *where, struct model *model, const char *sku, const char *upn,
                  bool direct, int64_t groups, time_t since)
{
        struct model_holder holder;
        int rc = model_holder_get(model, sku, upn, &holder);

        ck_assert_msg(rc == 0, "%s: %s should hold %s, model_holder_get returned %s", where, upn,
                      sku, errno_name(rc));
        ck_assert_msg(holder.direct == direct && holder.groups == groups && holder.since == since,
                      "%s: holder %s of %s has direct=%d groups=%" PRId64 " since=%lld, "
                      "expected direct=%d groups=%" PRId64 " since=%lld", where, upn, sku,
                      holder.direct, holder.groups, (long long)holder.since, direct, groups,
                      (long long)since);
}

void ck_waiter_at(const char *where, struct model *model, const char *sku, const char *upn,
                  int64_t groups, time_t since)
{
        struct model_waiter waiter;
        int rc = model_waiter_get(model, sku, upn, &waiter);

        ck_assert_msg(rc == 0, "%s: %s should wait for %s, model_waiter_get returned %s", where,
                      upn, sku, errno_name(rc));
        ck_assert_msg(waiter.groups == groups && waiter.since == since,
                      "%s: waiter %s of %s has groups=%" PRId64 " since=%lld, expected groups=%"
                      PRId64 " since=%lld", where, upn, sku, waiter.groups,
                      (long long)waiter.since, groups, (long long)since);
}

void ck_no_seat_at(const char *where, struct model *model, const char *sku, const char *upn)
{
        struct model_holder holder;
        struct model_waiter waiter;
        int rc;

        rc = model_holder_get(model, sku, upn, &holder);
        ck_assert_msg(rc == -ENOENT, "%s: %s should not hold %s, model_holder_get returned %s",
                      where, upn, sku, errno_name(rc));
        rc = model_waiter_get(model, sku, upn, &waiter);
        ck_assert_msg(rc == -ENOENT, "%s: %s should not wait for %s, model_waiter_get returned %s",
                      where, upn, sku, errno_name(rc));
}

void ck_group_license_at(const char *where, struct model *model, const char *sku,
                         const char *group, int64_t members, int64_t errors)
{
        struct model_group_license license;
        int rc = model_group_license_get(model, sku, group, &license);

        ck_assert_msg(rc == 0, "%s: model_group_license_get(%s, %s) returned %s (reason: \"%s\")",
                      where, sku, group, errno_name(rc), model_reason());
        ck_assert_msg(license.members == members && license.errors == errors,
                      "%s: group license %s of %s: members=%" PRId64 " errors=%" PRId64
                      ", expected members=%" PRId64 " errors=%" PRId64, where, sku, group,
                      license.members, license.errors, members, errors);
}

/* --- the invariants and the snapshot -------------------------------------------------------- */

void check_invariants_at(const char *where, struct model *model)
{
        char why[1024];
        const char *broken = tenant_broken_invariant(model, why, sizeof(why));

        ck_assert_msg(broken == NULL, "%s: %s", where, broken);
}

void ck_same_snapshot_at(const char *where, const char *what, char *before, char *after)
{
        const char *b = before, *a = after;

        ck_assert_msg(before && after, "%s: %s: no memory for the tenant snapshot", where, what);
        while (*b && *a) {
                size_t b_len = strcspn(b, "\n"), a_len = strcspn(a, "\n");

                if (b_len != a_len || memcmp(b, a, b_len) != 0)
                        break;
                b += b_len + (b[b_len] == '\n');
                a += a_len + (a[a_len] == '\n');
        }
        if (*b || *a)
                ck_abort_msg("%s: %s changed the tenant: before \"%.*s\", after \"%.*s\"", where,
                             what, (int)strcspn(b, "\n"), b, (int)strcspn(a, "\n"), a);
        free(before);
        free(after);
}

/* --- setup shortcuts ------------------------------------------------------------------------ */

void make_product(const char *sku, int64_t total)
{
        ck_ok(model_product_create(m, sku));
        ck_ok(model_product_set_total(m, sku, total));
}

void make_user(const char *upn, const char *location)
{
        ck_ok(model_user_create(m, upn));
        if (location)
                ck_ok(model_user_set_usage_location(m, upn, location));
}

void make_group_with(const char *group, const char *const members[])
{
        ck_ok(model_group_create(m, group));
        for (size_t i = 0; members[i]; i++)
                ck_ok(model_member_add(m, group, members[i]));
}

char *make_name(const char *prefix, char fill, const char *suffix, size_t length)
{
        size_t prefix_len = strlen(prefix), suffix_len = strlen(suffix);
        char *name = malloc(length + 1);

        ck_assert_ptr_nonnull(name);
        ck_assert(prefix_len + suffix_len <= length);
        memcpy(name, prefix, prefix_len);
        memset(name + prefix_len, fill, length - prefix_len - suffix_len);
        memcpy(name + length - suffix_len, suffix, suffix_len);
        name[length] = '\0';
        return name;
}
