/*
 * Watching committed changes (model_watch): what each kind of change reports, that a refused
 * or rolled-back change reports nothing, and that a batch reports once, at its commit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_helpers.h"

#define SEEN_MAX 64

/* What the watcher was given: one line "KIND A B" per change, and how many calls. */
static char seen[SEEN_MAX][600];
static size_t seen_count;
static int calls;

static void watcher(void *ctx, const struct model_change *changes, size_t count)
{
        size_t i;

        (void)ctx;
        calls++;
        for (i = 0; i < count && seen_count < SEEN_MAX; i++)
                snprintf(seen[seen_count++], sizeof(seen[0]), "%d %s %s", changes[i].kind,
                         changes[i].a, changes[i].b);
}

static void forget_seen(void)
{
        seen_count = 0;
        calls = 0;
}

static bool was_seen(enum model_change_kind kind, const char *a, const char *b)
{
        char want[600];
        size_t i;

        snprintf(want, sizeof(want), "%d %s %s", kind, a, b);
        for (i = 0; i < seen_count; i++)
                if (strcmp(seen[i], want) == 0)
                        return true;
        return false;
}

#define ck_seen(kind, a, b) \
        ck_assert_msg(was_seen(kind, a, b), "change %d %s %s not reported (%zu seen)", kind, a, \
                      b, seen_count)

/* A product P (5 seats), users u1..u3 (US), group G of u1 and u2. */
static void tenant(void)
{
        const char *upns[] = { "u1@d.example", "u2@d.example", "u3@d.example" };
        size_t i;

        ck_ok(model_product_create(m, "P"));
        ck_ok(model_product_set_total(m, "P", 5));
        for (i = 0; i < 3; i++) {
                ck_ok(model_user_create(m, upns[i]));
                ck_ok(model_user_set_usage_location(m, upns[i], "US"));
        }
        ck_ok(model_group_create(m, "G"));
        ck_ok(model_member_add(m, "G", "u1@d.example"));
        ck_ok(model_member_add(m, "G", "u2@d.example"));
        ck_ok(model_watch(m, watcher, NULL));
        forget_seen();
}

/* A claim's change is the user's claim to that product, not the whole user. */
START_TEST(test_direct_assignment_reports_claim_and_counts)
{
        const char *plans[] = { "PLAN_A" };

        tenant();
        ck_ok(model_product_create(m, "Q"));
        ck_ok(model_product_set_total(m, "Q", 5));
        ck_ok(model_plans_set(m, "P", plans, 1));
        forget_seen();
        ck_ok(model_direct_assign(m, "P", "u3@d.example"));
        ck_assert_int_eq(calls, 1);
        ck_seen(MODEL_CHANGE_SEAT, "u3@d.example", "P");
        ck_seen(MODEL_CHANGE_PRODUCT, "P", "");
        ck_assert(!was_seen(MODEL_CHANGE_USER, "u3@d.example", ""));
        ck_assert(!was_seen(MODEL_CHANGE_SEAT, "u3@d.example", "Q"));
        ck_assert(!was_seen(MODEL_CHANGE_SEAT, "u1@d.example", "P"));
        forget_seen();
        ck_ok(model_direct_disabled_set(m, "P", "u3@d.example", plans, 1));
        ck_seen(MODEL_CHANGE_SEAT, "u3@d.example", "P");
        ck_assert(!was_seen(MODEL_CHANGE_USER, "u3@d.example", ""));
        forget_seen();
        ck_ok(model_direct_remove(m, "P", "u3@d.example"));
        ck_seen(MODEL_CHANGE_SEAT, "u3@d.example", "P");
        ck_seen(MODEL_CHANGE_PRODUCT, "P", "");
        /* the user's own record is the user as a whole */
        forget_seen();
        ck_ok(model_user_set_usage_location(m, "u3@d.example", "DE"));
        ck_seen(MODEL_CHANGE_USER, "u3@d.example", "");
}
END_TEST

START_TEST(test_group_license_reports_every_member)
{
        tenant();
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_seen(MODEL_CHANGE_GROUP_LICENSE, "G", "P");
        ck_seen(MODEL_CHANGE_USER, "u1@d.example", "");
        ck_seen(MODEL_CHANGE_USER, "u2@d.example", "");
        ck_assert(!was_seen(MODEL_CHANGE_USER, "u3@d.example", ""));
        forget_seen();
        ck_ok(model_group_license_remove(m, "P", "G"));
        ck_seen(MODEL_CHANGE_GROUP_LICENSE, "G", "P");
        ck_seen(MODEL_CHANGE_USER, "u2@d.example", "");
        ck_seen(MODEL_CHANGE_PRODUCT, "P", "");
}
END_TEST

START_TEST(test_memberships_and_deletions)
{
        tenant();
        ck_ok(model_member_remove(m, "G", "u2@d.example"));
        ck_seen(MODEL_CHANGE_USER, "u2@d.example", "");
        forget_seen();
        ck_ok(model_member_remove(m, "G", "u1@d.example"));
        ck_ok(model_group_delete(m, "G"));
        ck_seen(MODEL_CHANGE_GROUP, "G", "");
        forget_seen();
        ck_ok(model_user_delete(m, "u3@d.example"));
        ck_seen(MODEL_CHANGE_USER, "u3@d.example", "");
}
END_TEST

START_TEST(test_catalog_wide_changes_report_all)
{
        const char *plans[] = { "PLAN_A" };

        tenant();
        ck_ok(model_plans_set(m, "P", plans, 1));
        ck_seen(MODEL_CHANGE_ALL, "", "");
        forget_seen();
        ck_ok(model_product_set_name(m, "P", "Product P"));
        ck_seen(MODEL_CHANGE_ALL, "", "");
        /* the tenant's own files: rare, and so everything */
        forget_seen();
        ck_ok(model_tenant_set_name(m, "Contoso"));
        ck_seen(MODEL_CHANGE_ALL, "", "");
        forget_seen();
        ck_ok(model_tenant_set_usage_location(m, "DE"));
        ck_seen(MODEL_CHANGE_ALL, "", "");
        /* but not a claim's change, though it moves the tenant's queue */
        forget_seen();
        ck_ok(model_direct_assign(m, "P", "u3@d.example"));
        ck_assert(!was_seen(MODEL_CHANGE_ALL, "", ""));
}
END_TEST

/* A refusal rolls back: nothing to forget, and the watcher is not called for it. */
START_TEST(test_refused_change_reports_nothing)
{
        tenant();
        ck_ok(model_product_set_total(m, "P", 0));
        forget_seen();
        ck_refused(model_direct_assign(m, "P", "u3@d.example"), ENOSPC);
        ck_assert_int_eq(calls, 0);
        ck_assert_int_eq((int)seen_count, 0);
}
END_TEST

START_TEST(test_batch_reports_once_at_commit)
{
        tenant();
        ck_ok(model_batch_begin(m));
        ck_ok(model_direct_assign(m, "P", "u3@d.example"));
        ck_refused(model_direct_assign(m, "P", "nobody@d.example"), ENOENT);
        ck_assert_int_eq(calls, 0);
        ck_ok(model_batch_end(m, true));
        ck_assert_int_eq(calls, 1);
        ck_seen(MODEL_CHANGE_SEAT, "u3@d.example", "P");
        forget_seen();
        ck_ok(model_batch_begin(m));
        ck_ok(model_direct_remove(m, "P", "u3@d.example"));
        ck_ok(model_batch_end(m, false));
        ck_assert_int_eq(calls, 0);
        /* and what the rollback undid is not reported by the next change either */
        ck_ok(model_direct_assign(m, "P", "u1@d.example"));
        ck_assert(!was_seen(MODEL_CHANGE_SEAT, "u3@d.example", "P"));
}
END_TEST

START_TEST(test_reads_report_nothing)
{
        struct model_product product;

        tenant();
        ck_ok(model_product_get(m, "P", &product));
        ck_ok(model_read_begin(m));
        ck_ok(model_read_end(m));
        ck_assert_int_eq(calls, 0);
}
END_TEST

/* Another connection's commit is heard once, by model_others_wait; the model's own is not. */
START_TEST(test_commits_of_other_connections_are_heard)
{
        char dir[] = "/tmp/licensefs-changes.XXXXXX", path[64];
        struct model *a, *b;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/tenant.db", dir);
        ck_ok(model_open(path, &a));
        ck_ok(model_open(path, &b));
        forget_seen();
        ck_assert_int_eq(model_others_wait(a, 10, watcher, NULL), 0);
        ck_ok(model_product_create(b, "Q"));
        ck_assert_int_eq(model_others_wait(a, 10, watcher, NULL), 1);
        ck_assert_int_eq(calls, 1);
        ck_seen(MODEL_CHANGE_ALL, "", "");
        ck_assert_int_eq(model_others_wait(a, 10, watcher, NULL), 0);
        ck_ok(model_product_create(a, "R"));
        ck_assert_int_eq(model_others_wait(a, 10, watcher, NULL), 0);
        ck_assert_int_eq(calls, 1);
        model_close(b);
        model_close(a);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *changes_suite(void)
{
        Suite *suite = suite_create("changes");
        TCase *tcase = model_tcase("changes");

        tcase_add_test(tcase, test_direct_assignment_reports_claim_and_counts);
        tcase_add_test(tcase, test_group_license_reports_every_member);
        tcase_add_test(tcase, test_memberships_and_deletions);
        tcase_add_test(tcase, test_catalog_wide_changes_report_all);
        tcase_add_test(tcase, test_refused_change_reports_nothing);
        tcase_add_test(tcase, test_batch_reports_once_at_commit);
        tcase_add_test(tcase, test_reads_report_nothing);
        tcase_add_test(tcase, test_commits_of_other_connections_are_heard);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(changes_suite());
}
