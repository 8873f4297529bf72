/*
 * Opening and closing a tenant database, the tenant's own attributes, emptiness and the test
 * clock. The file tests work in a fresh mkdtemp directory: a new database is created 0600 and
 * keeps its data across a reopen; a file that is not a licensefs database is refused with EIO
 * and left byte for byte as it was. On PostgreSQL the tests of files (modes, bytes, paths) are
 * SQLite's alone and skipped; their equivalents for a schema (created when empty, a foreign or
 * newer one refused, disk full as ENOSPC) are in test_db_postgres.c, and a reopen keeps the data
 * of the schema that stands for the file (test_target_named).
 */
#include "check_helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char test_dir[64];
static char db_path[128];

static void dir_setup(void)
{
        strcpy(test_dir, "/tmp/licensefs-unit-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(test_dir));
        snprintf(db_path, sizeof(db_path), "%s/tenant.db", test_dir);
}

static void dir_teardown(void)
{
        char command[160];

        snprintf(command, sizeof(command), "rm -rf '%s'", test_dir);
        ck_assert_int_eq(system(command), 0);
}

/* Reads a whole file into a malloc'd buffer. */
static char *read_file(const char *path, size_t *ret_size)
{
        FILE *file = fopen(path, "rb");
        char *data;
        long size;

        ck_assert_ptr_nonnull(file);
        ck_assert_int_eq(fseek(file, 0, SEEK_END), 0);
        size = ftell(file);
        rewind(file);
        data = malloc((size_t)size + 1);
        ck_assert_ptr_nonnull(data);
        ck_assert_uint_eq(fread(data, 1, (size_t)size, file), (size_t)size);
        fclose(file);
        *ret_size = (size_t)size;
        return data;
}

static void write_file(const char *path, const char *data, size_t size)
{
        FILE *file = fopen(path, "wb");

        ck_assert_ptr_nonnull(file);
        ck_assert_uint_eq(fwrite(data, 1, size, file), size);
        ck_assert_int_eq(fclose(file), 0);
}

static bool exists(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0;
}

/* Opening `path` must fail with EIO, a reason, and leave the file's bytes and mode alone. */
static void check_refused_file(const char *path)
{
        struct model *model = NULL;
        struct stat st_before, st_after;
        size_t size_before, size_after;
        char *before, *after;
        int rc;

        ck_assert_int_eq(stat(path, &st_before), 0);
        before = read_file(path, &size_before);
        rc = model_open(path, &model);
        ck_assert_msg(rc == -EIO, "model_open of a foreign file returned %s, expected EIO",
                      errno_name(rc));
        ck_assert_ptr_null(model);
        ck_assert_str_ne(model_reason(), "");
        after = read_file(path, &size_after);
        ck_assert_int_eq(stat(path, &st_after), 0);
        ck_assert_uint_eq(size_after, size_before);
        ck_assert_msg(memcmp(before, after, size_before) == 0, "model_open changed %s", path);
        ck_assert_uint_eq(st_after.st_mode, st_before.st_mode);
        free(before);
        free(after);
}

START_TEST(test_open_creates_file_0600)
{
        struct model *model = NULL;
        struct stat st;

        if (test_on_postgres())
                return;                 /* a file's mode: SQLite's */
        umask(022);
        ck_assert(!exists(db_path));
        ck_ok(model_open(db_path, &model));
        ck_assert_ptr_nonnull(model);
        ck_assert_int_eq(stat(db_path, &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_msg((st.st_mode & 07777) == 0600, "new database has mode %04o, expected 0600",
                      (unsigned)(st.st_mode & 07777));
        ck_assert_int_eq(model_tenant_is_empty(model), 1);
        ck_assert_ptr_null(model_close(model));
}
END_TEST

START_TEST(test_reopen_keeps_data)
{
        struct model *model = NULL;
        struct model_tenant tenant;
        struct model_product product;
        struct model_holder holder;
        char *target = test_target_named(db_path);
        struct stat st;

        ck_ok(model_open(target, &model));
        model_set_clock(model, TEST_T0);
        ck_ok(model_tenant_set_name(model, "Fabrikam"));
        ck_ok(model_tenant_set_usage_location(model, "de"));
        ck_ok(model_product_create(model, "AAD_PREMIUM"));
        ck_ok(model_product_set_total(model, "AAD_PREMIUM", 5));
        ck_ok(model_user_create(model, "adele@fabrikam.com"));
        ck_ok(model_user_set_usage_location(model, "adele@fabrikam.com", "DE"));
        ck_ok(model_direct_assign(model, "AAD_PREMIUM", "adele@fabrikam.com"));
        model = model_close(model);
        ck_assert_ptr_null(model);

        ck_ok(model_open(target, &model));
        ck_ok(model_tenant_get(model, &tenant));
        ck_assert_str_eq(tenant.name, "Fabrikam");
        ck_assert_str_eq(tenant.usage_location, "DE");
        ck_ok(model_product_get(model, "AAD_PREMIUM", &product));
        ck_assert_int_eq(product.total, 5);
        ck_assert_int_eq(product.assigned, 1);
        ck_assert_int_eq(product.available, 4);
        ck_assert_int_eq(product.created, TEST_T0);
        ck_ok(model_holder_get(model, "AAD_PREMIUM", "adele@fabrikam.com", &holder));
        ck_assert(holder.direct);
        ck_assert_int_eq(holder.since, TEST_T0);
        ck_assert_int_eq(model_tenant_is_empty(model), 0);
        if (!test_on_postgres()) {
                ck_assert_int_eq(stat(db_path, &st), 0);
                ck_assert_uint_eq(st.st_mode & 07777, 0600);
        }
        model_close(model);
        free(target);
}
END_TEST

START_TEST(test_open_refuses_garbage)
{
        char garbage[8192];

        if (test_on_postgres())
                return;                 /* a file's bytes: SQLite's */
        for (size_t i = 0; i < sizeof(garbage); i++)
                garbage[i] = (char)("not a licensefs database\n"[i % 25]);
        write_file(db_path, garbage, sizeof(garbage));
        check_refused_file(db_path);
}
END_TEST

START_TEST(test_open_refuses_short_garbage)
{
        static const char text[] = "hello, I am a text file\n";

        if (test_on_postgres())
                return;                 /* a file's bytes: SQLite's */
        write_file(db_path, text, strlen(text));
        check_refused_file(db_path);
}
END_TEST

/* A valid SQLite database written by someone else is foreign too. */
START_TEST(test_open_refuses_foreign_sqlite)
{
        sqlite3 *db;

        if (test_on_postgres())
                return;                 /* a foreign schema: test_db_postgres.c */
        ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT);"
                                      "INSERT INTO notes(body) VALUES ('keep me');",
                                      NULL, NULL, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
        check_refused_file(db_path);
}
END_TEST

START_TEST(test_open_missing_directory)
{
        struct model *model = NULL;
        char path[160];

        if (test_on_postgres())
                return;                 /* a path: SQLite's; a missing schema: test_db_postgres */
        snprintf(path, sizeof(path), "%s/no/such/dir/tenant.db", test_dir);
        ck_err(model_open(path, &model), ENOENT);
        ck_assert_ptr_null(model);
        ck_assert_str_ne(model_reason(), "");
}
END_TEST

/*
 * The model says whether a failure was the database's: a file that cannot grow fails a change
 * in the database, while a refusal with the same errno (ENOSPC: no seat) is a rule's.
 */
START_TEST(test_failed_in_database)
{
        struct rlimit unlimited, none_more;
        struct model *model = NULL;
        char *target = test_target_named(db_path);
        char sku[32];
        int i, r = 0;

        ck_assert_int_eq(model_open(target, &model), 0);
        free(target);
        ck_assert_int_eq(model_product_create(model, "P"), 0);
        ck_assert_int_eq(model_user_create(model, "a@x"), 0);
        ck_assert_int_eq(model_user_set_usage_location(model, "a@x", "US"), 0);
        ck_refused(model_direct_assign(model, "P", "a@x"), ENOSPC);
        ck_assert(!model_failed_in_database());
        ck_refused(model_product_create(model, "\x01"), EINVAL);
        ck_assert(!model_failed_in_database());
        /* A file that cannot grow is SQLite's; PostgreSQL's disk full: test_db_postgres.c. */
        if (test_on_postgres()) {
                model_close(model);
                return;
        }

        /* No file may grow: SQLite's next write past the end fails with EFBIG. */
        ck_assert_ptr_ne(signal(SIGXFSZ, SIG_IGN), SIG_ERR);
        ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &unlimited), 0);
        none_more = unlimited;
        none_more.rlim_cur = 1;
        ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &none_more), 0);
        for (i = 0; i < 10000 && r == 0; i++) {
                snprintf(sku, sizeof(sku), "FILL_%d", i);
                r = model_product_create(model, sku);
        }
        ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &unlimited), 0);
        ck_assert_msg(r < 0, "10000 products were made in a file that could not grow");
        ck_assert_msg(model_failed_in_database(), "%s (%s) not reported as the database's",
                      errno_name(r), model_reason());
        /* The next call starts afresh. */
        ck_assert_int_eq(model_user_create(model, "b@x"), 0);
        ck_assert(!model_failed_in_database());
        model_close(model);
}
END_TEST

START_TEST(test_close_accepts_null)
{
        ck_assert_ptr_null(model_close(NULL));
}
END_TEST

/* --- the tenant ----------------------------------------------------------------------------- */

START_TEST(test_tenant_defaults)
{
        struct model_tenant tenant;

        ck_ok(model_tenant_get(m, &tenant));
        ck_assert_str_eq(tenant.name, "Default Directory");
        ck_assert_str_eq(tenant.usage_location, "US");
        ck_assert_int_eq(model_tenant_is_empty(m), 1);
}
END_TEST

START_TEST(test_tenant_set)
{
        struct model_tenant tenant;

        ck_ok(model_tenant_set_name(m, "Contoso Ltd."));
        ck_ok(model_tenant_set_usage_location(m, "gb"));
        ck_ok(model_tenant_get(m, &tenant));
        ck_assert_str_eq(tenant.name, "Contoso Ltd.");
        ck_assert_str_eq(tenant.usage_location, "GB");
        ck_refused_unchanged(model_tenant_set_name(m, ""), EINVAL);
        ck_refused_unchanged(model_tenant_set_usage_location(m, "XX"), EINVAL);
        ck_assert_int_eq(model_tenant_is_empty(m), 1);
}
END_TEST

enum filler { FILL_PRODUCT, FILL_USER, FILL_GROUP };

/* The tenant is not empty as soon as it has any one product, user or group. */
START_TEST(test_tenant_is_empty)
{
        ck_assert_int_eq(model_tenant_is_empty(m), 1);
        switch ((enum filler)_i) {
        case FILL_PRODUCT:
                ck_ok(model_product_create(m, "P"));
                ck_assert_int_eq(model_tenant_is_empty(m), 0);
                ck_ok(model_product_delete(m, "P"));
                break;
        case FILL_USER:
                ck_ok(model_user_create(m, "u@x.com"));
                break;
        case FILL_GROUP:
                ck_ok(model_group_create(m, "G"));
                ck_assert_int_eq(model_tenant_is_empty(m), 0);
                ck_ok(model_group_delete(m, "G"));
                break;
        }
        if (_i == FILL_USER)
                ck_assert_int_eq(model_tenant_is_empty(m), 0);
        else
                ck_assert_int_eq(model_tenant_is_empty(m), 1);
}
END_TEST

START_TEST(test_fixed_clock)
{
        struct model_product product;
        struct model_user user;
        struct model_group group;

        clock_at(TEST_T0 + 42);
        ck_ok(model_product_create(m, "P"));
        ck_ok(model_user_create(m, "u@x.com"));
        clock_at(TEST_T0 + 4242);
        ck_ok(model_group_create(m, "G"));
        ck_ok(model_product_get(m, "P", &product));
        ck_ok(model_user_get(m, "u@x.com", &user));
        ck_ok(model_group_get(m, "G", &group));
        ck_assert_int_eq(product.created, TEST_T0 + 42);
        ck_assert_int_eq(user.created, TEST_T0 + 42);
        ck_assert_int_eq(group.created, TEST_T0 + 4242);
}
END_TEST

START_TEST(test_real_clock)
{
        struct model_product product;
        time_t before, after;

        model_set_clock(m, 0);
        before = time(NULL);
        ck_ok(model_product_create(m, "P"));
        after = time(NULL);
        ck_ok(model_product_get(m, "P", &product));
        ck_assert_msg(product.created >= before && product.created <= after,
                      "created=%lld outside [%lld, %lld] with the real clock",
                      (long long)product.created, (long long)before, (long long)after);
}
END_TEST

/* The reason belongs to the thread that was refused. */
static void *refuse_in_thread(void *arg)
{
        char *reason = arg;

        if (model_product_create(m, "") == -EINVAL)
                snprintf(reason, 256, "%s", model_reason());
        return NULL;
}

START_TEST(test_reason_per_thread)
{
        pthread_t thread;
        char reason[256] = "";

        ck_refused(model_product_create(m, "\x01"), EINVAL);
        ck_assert_int_eq(pthread_create(&thread, NULL, refuse_in_thread, reason), 0);
        ck_assert_int_eq(pthread_join(thread, NULL), 0);
        ck_assert_msg(reason[0] != '\0', "the other thread saw no reason for its refusal");
        ck_assert_str_ne(model_reason(), "");
}
END_TEST

static Suite *tenant_suite(void)
{
        Suite *suite = suite_create("tenant");
        TCase *tcase;

        tcase = tcase_create("database file");
        tcase_add_checked_fixture(tcase, dir_setup, dir_teardown);
        tcase_add_test(tcase, test_open_creates_file_0600);
        tcase_add_test(tcase, test_reopen_keeps_data);
        tcase_add_test(tcase, test_open_refuses_garbage);
        tcase_add_test(tcase, test_open_refuses_short_garbage);
        tcase_add_test(tcase, test_open_refuses_foreign_sqlite);
        tcase_add_test(tcase, test_open_missing_directory);
        tcase_add_test(tcase, test_failed_in_database);
        tcase_add_test(tcase, test_close_accepts_null);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("tenant");
        tcase_add_test(tcase, test_tenant_defaults);
        tcase_add_test(tcase, test_tenant_set);
        tcase_add_loop_test(tcase, test_tenant_is_empty, FILL_PRODUCT, FILL_GROUP + 1);
        tcase_add_test(tcase, test_fixed_clock);
        tcase_add_test(tcase, test_real_clock);
        tcase_add_test(tcase, test_reason_per_thread);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(tenant_suite());
}
