/*
 * model_copy: a rich tenant (products with plans, skuIds and options, users with object ids,
 * deleted users in their purge window, groups joined in a known order, direct and inherited
 * seats, waiters in a known queue order, an audit log of actors and of licensefs's own lines)
 * copied into an empty model comes out identical in every table, in what the model shows, in
 * its export and its audit log, and goes on behaving the same; the copy knows every table and
 * column of the schema; a TO that holds a tenant is refused unless replaced; a copy that fails
 * half-way leaves TO as it was; a copy of a tenant changed meanwhile is one snapshot.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_helpers.h"
#include "db_backend.h"
#include "internal.h"
#include "test_copy_helpers.h"
#include "test_formats_helpers.h"

START_TEST(test_copy_is_identical)
{
        struct model *b = open_model_fresh(), *c = open_model_fresh();
        char *audit;

        build_rich();
        ck_ok(model_copy(m, b, 0));
        ck_same_tenant(m, b);
        /* A copy of the copy is the original again. */
        ck_ok(model_copy(b, c, 0));
        ck_same_tenant(m, c);
        audit = audit_text(c);
        ck_assert_ptr_nonnull(strstr(audit, "\t1000\trmdir\t/users/dan@contoso.com\tok\n"));
        ck_assert_ptr_nonnull(strstr(audit, "\t1000\twrite\t/products/E5/total\tEBUSY\t"));
        free(audit);
        model_close(b);
        model_close(c);
}
END_TEST

/*
 * The same changes in the original and the copy do the same: queues, times, the purge, and new
 * rows in every table whose ids the database makes (a backend that does not move its id
 * sequences past the copied ids fails here). Only the number a new membership gets may differ
 * (SQLite's AUTOINCREMENT remembers ids FROM used and dropped); its join order does not.
 */
START_TEST(test_copy_behaves_the_same)
{
        struct model *b = open_model_fresh(), *both[2];

        build_rich();
        ck_ok(model_copy(m, b, 0));
        both[0] = m;
        both[1] = b;
        for (int i = 0; i < 2; i++) {
                model_set_clock(both[i], TEST_T0 + 300);
                ck_ok(model_product_set_total(both[i], "E5", 3));      /* cat, the next in line */
                ck_ok(model_product_set_total(both[i], "P2", 2));      /* eve's direct wait */
                ck_ok(model_member_add(both[i], "empty", "ann@contoso.com"));
                ck_ok(model_user_create(both[i], "fay@contoso.com"));
                /* An export makes up the ids it lacks, at random. */
                ck_ok(model_object_id_set(both[i], MODEL_OBJECT_USER, "fay@contoso.com",
                                          "ffffffff-2222-3333-4444-555555555555"));
                ck_ok(model_product_create(both[i], "NEW"));
                ck_ok(model_plans_set(both[i], "NEW", (const char *const[]){ "ONE" }, 1));
                ck_ok(model_group_create(both[i], "new"));
                ck_ok(model_object_id_set(both[i], MODEL_OBJECT_GROUP, "new",
                                          "eeeeeeee-2222-3333-4444-555555555555"));
                model_set_clock(both[i], TEST_T0 + 31 * 86400);
                ck_assert_int_eq(model_purge_expired(both[i]), 1);    /* dan */
        }
        ck_listing(b, MODEL_LIST_PRODUCT_HOLDERS, "E5", NULL, "bob@contoso.com",
                   "cat@contoso.com");
        ck_same_shown(m, b);
        model_close(b);
}
END_TEST

/* The schema's tables and columns, as its backend's catalog lists them; NULL: unknown. */
static const struct {
        const char *backend, *tables, *columns;
} catalogs[] = {
        { "sqlite", "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
          "'sqlite^_%' ESCAPE '^' ORDER BY name",
          "SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_table_info($1) "
          "ORDER BY cid)" },
        /* licensefs_schema holds the version, as SQLite's header does: not the tenant's. */
        { "postgresql", "SELECT table_name FROM information_schema.tables WHERE table_schema = "
          "current_schema() AND table_name <> 'licensefs_schema' ORDER BY table_name COLLATE \"C\"",
          "SELECT string_agg(CAST(column_name AS TEXT), ', ' ORDER BY ordinal_position) "
          "FROM information_schema.columns WHERE table_schema = current_schema() AND "
          "CAST(table_name AS TEXT) = CAST($1 AS TEXT)" },
};

static int by_name(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t commas(const char *text)
{
        size_t n = 0;

        for (; *text; text++)
                n += *text == ',';
        return n;
}

/* A table or column added to the schema and not to the copy fails here. */
START_TEST(test_copy_knows_every_table_and_column)
{
        const char *names[64], *tables = NULL, *columns = NULL;
        char listed[4096] = "", known[4096] = "", cols[1024];
        struct sql_stmt *s;
        size_t i;
        int r;

        for (i = 0; i < sizeof(catalogs) / sizeof(catalogs[0]); i++)
                if (strcmp(catalogs[i].backend, m->backend->name) == 0) {
                        tables = catalogs[i].tables;
                        columns = catalogs[i].columns;
                }
        ck_assert_msg(tables, "no catalog query for backend %s", m->backend->name);
        ck_assert_uint_le(copy_table_count, 64);
        for (i = 0; i < copy_table_count; i++)
                names[i] = copy_tables[i].name;
        qsort(names, copy_table_count, sizeof(names[0]), by_name);
        for (i = 0; i < copy_table_count; i++)
                snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s\n", names[i]);
        ck_ok(tx_begin(m, false));
        r = sql_prepare(m, &s, tables, "");
        while (r >= 0 && (r = sql_step(s)) > 0)
                snprintf(listed + strlen(listed), sizeof(listed) - strlen(listed), "%s\n",
                         column_string(s, 0));
        for (i = 0; r >= 0 && i < copy_table_count; i++) {
                r = sql_text(m, cols, sizeof(cols), columns, "t", copy_tables[i].name);
                ck_assert_msg(r < 0 || strcmp(cols, copy_tables[i].columns) == 0,
                              "%s has columns %s, the copy knows %s", copy_tables[i].name, cols,
                              copy_tables[i].columns);
                ck_assert_msg(strlen(copy_tables[i].types) == commas(cols) + 1,
                              "%s: %zu types for %zu columns", copy_tables[i].name,
                              strlen(copy_tables[i].types), commas(cols) + 1);
        }
        ck_ok(tx_end(m, r));
        ck_assert_msg(strcmp(listed, known) == 0, "the schema has tables\n%s\nthe copy knows\n%s",
                      listed, known);
}
END_TEST

START_TEST(test_target_not_empty_refused)
{
        struct model *b = open_model_fresh();
        char *before;

        build_rich();
        ck_ok(model_product_create(b, "OTHER"));
        before = table_rows(b);
        ck_refused(model_copy(m, b, 0), ENOTEMPTY);
        ck_same_text("TO after a refusal", before, table_rows(b));
        model_close(b);
        /* An audit log alone is a tenant's history: TO is not empty either. */
        b = open_model_fresh();
        act("write", "/tenant/name");
        ck_ok(model_tenant_set_name(b, "Fabrikam"));
        model_set_actor(NULL);
        ck_refused(model_copy(m, b, 0), ENOTEMPTY);
        model_close(b);
        /* The tenant row alone does not count: it is in every tenant. */
        b = open_model_fresh();
        ck_ok(model_tenant_set_usage_location(b, "DE"));
        ck_ok(model_copy(m, b, 0));
        ck_same_tenant(m, b);
        model_close(b);
}
END_TEST

/* --replace: everything TO held goes, ids and audit lines included, in the same transaction. */
START_TEST(test_replace)
{
        struct model *b = open_model_fresh();

        for (int i = 0; i < 20; i++) {
                char upn[32];

                snprintf(upn, sizeof(upn), "u%d@fabrikam.com", i);
                act("mkdir", "/users/x");
                ck_ok(model_user_create(b, upn));
        }
        ck_ok(model_group_create(b, "fabrikam"));
        ck_ok(model_member_add(b, "fabrikam", "u3@fabrikam.com"));
        model_set_actor(NULL);
        build_rich();
        ck_ok(model_copy(m, b, MODEL_COPY_REPLACE));
        ck_same_tenant(m, b);
        model_close(b);
}
END_TEST

START_TEST(test_refusals)
{
        struct model *b = open_model_fresh();

        build_rich();
        ck_refused(model_copy(m, m, 0), EINVAL);
        ck_refused(model_copy(m, m, MODEL_COPY_REPLACE), EINVAL);
        ck_refused(model_copy(m, b, 2), EINVAL);
        /* TO in a read session of this thread cannot take a write transaction. */
        ck_ok(model_read_begin(b));
        ck_refused(model_copy(m, b, 0), EBUSY);
        ck_ok(model_read_end(b));
        ck_ok(model_tenant_is_empty(b) == 1 ? 0 : -EIO);
        model_close(b);
}
END_TEST

static struct model *to_copy_from, *to_copy_to;

static int copy_step(void *ctx)
{
        (void)ctx;
        return model_copy(to_copy_from, to_copy_to, MODEL_COPY_REPLACE);
}

/* A copy whose writes fail (TO's file may not grow) leaves TO as it was and says so. */
START_TEST(test_failure_leaves_target_unchanged)
{
        struct model *b;
        char *before;
        int r;

        /* The write refused is a file that may not grow, SQLite's own failure (PostgreSQL's
         * disk full is ENOSPC in test_db_postgres); the rollback of TO is the same on both. */
        if (test_on_postgres())
                return;
        b = open_model(formats_db_path);
        build_rich();
        for (int i = 0; i < 500; i++) {
                act("write", "/tenant/name");
                ck_ok(model_tenant_set_name(m, i % 2 ? "Contoso" : "Contoso Ltd"));
        }
        model_set_actor(NULL);
        ck_ok(model_product_create(b, "KEPT"));
        before = table_rows(b);
        to_copy_from = m;
        to_copy_to = b;
        r = without_growth(copy_step, NULL);
        ck_assert_msg(r < 0 && model_failed_in_database(), "copy returned %s (reason: %s)",
                      errno_name(r), model_reason());
        model_close(b);
        b = open_model(formats_db_path);
        ck_same_text("TO after a failed copy", before, table_rows(b));
        ck_ok(model_copy(m, b, MODEL_COPY_REPLACE));
        ck_same_tenant(m, b);
        model_close(b);
}
END_TEST

static volatile int writing;

/* Changes the tenant in FROM's file through its own connection until told to stop. */
static void *writer(void *arg)
{
        struct model *w = arg;

        for (int i = 0; writing; i++) {
                act("touch", "/groups/staff/members/x");
                if (i % 2)
                        model_member_remove(w, "staff", "ann@contoso.com");
                else
                        model_member_add(w, "staff", "ann@contoso.com");
                model_set_actor(NULL);
                model_product_set_total(w, "P2", 1 + i % 3);
        }
        return NULL;
}

/* Copies taken while another connection changes FROM are each one consistent moment. */
START_TEST(test_copy_while_changed)
{
        struct model *from, *w, *b, *c;
        pthread_t thread;
        int64_t size;
        char *audit;

        model_close(m);
        m = open_model(formats_db_path);
        clock_at(TEST_T0);
        build_rich();
        from = open_model(formats_db_path);
        w = open_model(formats_db_path);
        writing = 1;
        ck_assert_int_eq(pthread_create(&thread, NULL, writer, w), 0);
        for (int i = 0; i < 10; i++) {
                b = open_model_fresh();
                c = open_model_fresh();
                ck_ok(model_copy(from, b, 0));
                check_invariants(b);
                ck_ok(model_audit_size(b, &size));
                audit = audit_text(b);
                ck_assert_uint_eq(strlen(audit), (size_t)size);
                free(audit);
                ck_ok(model_copy(b, c, 0));
                ck_same_tenant(b, c);
                model_close(b);
                model_close(c);
        }
        writing = 0;
        ck_assert_int_eq(pthread_join(thread, NULL), 0);
        model_close(w);
        model_close(from);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("copy");
        TCase *tcase = model_tcase("copy");

        tcase_add_checked_fixture(tcase, formats_dir_setup, formats_dir_teardown);
        tcase_add_test(tcase, test_copy_is_identical);
        tcase_add_test(tcase, test_copy_behaves_the_same);
        tcase_add_test(tcase, test_copy_knows_every_table_and_column);
        tcase_add_test(tcase, test_target_not_empty_refused);
        tcase_add_test(tcase, test_replace);
        tcase_add_test(tcase, test_refusals);
        tcase_add_test(tcase, test_failure_leaves_target_unchanged);
        tcase_add_test(tcase, test_copy_while_changed);
        suite_add_tcase(suite, tcase);
        return run_suite(suite);
}
