/*
 * The tenant invariant checker sees a broken tenant and names the rule it breaks: the demo
 * tenant (with a deleted user, a waiter and options) holds every invariant, and each row of a
 * table corrupts a copy of its database behind the model's back, with SQL, in a way no model
 * call may, then expects the checker to report that rule. This is the one test that writes the
 * database itself: the checker reads only the public model API, so only a corrupted database
 * can show that it is not blind. On PostgreSQL the database is the schema that stands for the
 * file (test_target_named), corrupted through a connection of the test's own.
 */
#include "check_helpers.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USER(upn) "(SELECT id FROM users WHERE upn = '" upn "')"
#define PRODUCT(sku) "(SELECT id FROM products WHERE sku = '" sku "')"

static const struct {
        const char *what;
        const char *sql;
        const char *rule;               /* a part of the description the checker must give */
} corruptions[] = {
        { "a waiter counted while seats are free",
          "UPDATE products SET waiting = waiting + 1 WHERE sku = 'AAD_PREMIUM'",
          "nobody waits while seats are available" },
        { "a holder turned into a waiter without the counts",
          "UPDATE seats SET active = 0 WHERE user_id = " USER("adele@contoso.com")
          " AND product_id = " PRODUCT("AAD_PREMIUM"),
          "assigned = number of PRODUCT_HOLDERS" },
        { "a suspended seat that lost its paths",
          "DELETE FROM suspended_paths",
          "a deleted user's suspended seats and inactive memberships are whole" },
        { "options without a direct path",
          "INSERT INTO direct_disabled_plans (product_id, user_id, plan_id) SELECT p.id, u.id, "
          "pl.id FROM products p, users u, plans pl WHERE p.sku = 'AAD_PREMIUM_P2' AND "
          "u.upn = 'alex@contoso.com' AND pl.product_id = p.id LIMIT 1",
          "options are plans of the product" },
        { "a holder through a group it left",
          "DELETE FROM members WHERE user_id = " USER("diego@contoso.com"),
          "a holder's paths match its memberships" },
        { "a deleted user as an active member",
          "INSERT INTO members (group_id, user_id, since) SELECT g.id, u.id, 0 "
          "FROM security_groups g, users u WHERE g.name = 'Sales' AND u.upn = 'lee@contoso.com'",
          "every member of a licensed group holds or is in error (waits or is held back)" },
};

static char dir[64], path[96];

static char *target;                    /* the DATABASE that stands for `path` */

static void demo_setup(void)
{
        struct model *model;

        snprintf(dir, sizeof(dir), "%s", "/tmp/licensefs-invariants.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/tenant.db", dir);
        target = test_target_named(path);
        ck_assert_int_eq(model_open(target, &model), 0);
        model_set_clock(model, TEST_T0);
        ck_assert_int_eq(model_demo_fill(model), 1);
        /* a deleted user with suspended seats; the demo has a waiting member already */
        ck_assert_int_eq(model_user_delete(model, "lee@contoso.com"), 0);
        model_close(model);
}

static void demo_teardown(void)
{
        char wal[128], shm[128];

        snprintf(wal, sizeof(wal), "%s-wal", path);
        snprintf(shm, sizeof(shm), "%s-shm", path);
        unlink(wal);
        unlink(shm);
        unlink(path);
        rmdir(dir);
        free(target);
}

/* The checker's verdict on the database at `path`, "" when every invariant holds. */
static void check_database(char *ret, size_t size)
{
        struct model *model;
        const char *broken;

        ck_assert_int_eq(model_open(target, &model), 0);
        broken = tenant_broken_invariant(model, ret, size);
        if (!broken)
                ret[0] = '\0';
        model_close(model);
}

START_TEST(test_demo_tenant_holds_every_invariant)
{
        char why[1024];

        check_database(why, sizeof(why));
        ck_assert_msg(why[0] == '\0', "the demo tenant: %s", why);
}
END_TEST

/*
 * The corruption on PostgreSQL: the products table's CHECK constraints dropped (PostgreSQL
 * cannot ignore them), triggers and foreign keys off for this session, as SQLite's pragma does.
 */
static void corrupt_postgres(const char *sql, const char *what)
{
        PGconn *pg = test_pg_connect();
        char setup[512];

        snprintf(setup, sizeof(setup), "SET search_path = %s; SET session_replication_role = "
                 "replica; DO $$DECLARE c record; BEGIN FOR c IN SELECT conname FROM "
                 "pg_constraint WHERE conrelid = 'products'::regclass AND contype = 'c' LOOP "
                 "EXECUTE format('ALTER TABLE products DROP CONSTRAINT %%I', c.conname); "
                 "END LOOP; END$$", strstr(target, "%3D") + 3);
        test_pg_run(pg, setup);
        ck_assert_msg(test_pg_run(pg, sql) > 0, "%s changed nothing", what);
        PQfinish(pg);
}

START_TEST(test_corruption_names_its_rule)
{
        sqlite3 *db;
        char *error = NULL, why[1024];

        if (test_on_postgres()) {
                corrupt_postgres(corruptions[_i].sql, corruptions[_i].what);
                check_database(why, sizeof(why));
                ck_assert_msg(strstr(why, corruptions[_i].rule), "%s: expected \"%s\", the "
                              "checker said \"%s\"", corruptions[_i].what,
                              corruptions[_i].rule, why);
                return;
        }
        ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
        /* the table's CHECK constraints would refuse some of the corruptions */
        ck_assert_int_eq(sqlite3_exec(db, "PRAGMA ignore_check_constraints = 1", NULL, NULL,
                                      &error), SQLITE_OK);
        ck_assert_msg(sqlite3_exec(db, corruptions[_i].sql, NULL, NULL, &error) == SQLITE_OK,
                      "%s: %s", corruptions[_i].what, error);
        ck_assert_int_gt(sqlite3_changes(db), 0);
        sqlite3_close(db);
        check_database(why, sizeof(why));
        ck_assert_msg(strstr(why, corruptions[_i].rule), "%s: expected \"%s\", the checker said "
                      "\"%s\"", corruptions[_i].what, corruptions[_i].rule, why);
}
END_TEST

static Suite *invariants_suite(void)
{
        Suite *suite = suite_create("invariants");
        TCase *tcase = tcase_create("corrupt tenants");

        tcase_add_checked_fixture(tcase, demo_setup, demo_teardown);
        tcase_set_timeout(tcase, 60);
        tcase_add_test(tcase, test_demo_tenant_holds_every_invariant);
        tcase_add_loop_test(tcase, test_corruption_names_its_rule, 0, COUNT(corruptions));
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(invariants_suite());
}
