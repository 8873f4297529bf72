/*
 * model_demo_fill: on an empty tenant it returns 1 and builds exactly the demo tenant of the
 * decisions document (tenant, products, users, groups, memberships, direct and inherited
 * seats, alex waiting for P2); on a tenant that is not empty it returns 0 and changes nothing.
 */
#include "check_helpers.h"

#include <errno.h>
#include <string.h>

static const struct {
        const char *sku, *name, *sku_id;
        int64_t total, expiring_soon, assigned, waiting;
} demo_products[] = {
        { "AAD_PREMIUM", "Microsoft Entra ID P1", "078d2b04-f1bd-4111-bbd4-b4b1b354cef4",
          10, 2, 9, 0 },
        { "AAD_PREMIUM_P2", "Microsoft Entra ID P2", "84a661c4-e949-4bd2-a560-ed7766fcaf2b",
          3, 0, 3, 1 },
};

static const struct {
        const char *upn, *display_name, *usage_location;
} demo_users[] = {
        { "adele@contoso.com", "Adele Vance", "US" },
        { "alex@contoso.com", "Alex Wilber", "US" },
        { "diego@contoso.com", "Diego Siciliani", "DE" },
        { "grady@contoso.com", "Grady Archie", "US" },
        { "isaiah@contoso.com", "Isaiah Langer", "GB" },
        { "johanna@contoso.com", "Johanna Lorenz", "DE" },
        { "lee@contoso.com", "Lee Gu", "US" },
        { "megan@contoso.com", "Megan Bowen", "US" },
        { "nestor@contoso.com", "Nestor Wilke", "FR" },
        { "patti@contoso.com", "Patti Fernandez", "" },
};

static const struct {
        const char *sku, *upn;
        bool direct;
        int64_t groups;
} demo_holders[] = {
        { "AAD_PREMIUM", "adele@contoso.com", true, 1 },
        { "AAD_PREMIUM", "alex@contoso.com", false, 1 },
        { "AAD_PREMIUM", "diego@contoso.com", false, 1 },
        { "AAD_PREMIUM", "grady@contoso.com", false, 1 },
        { "AAD_PREMIUM", "isaiah@contoso.com", false, 1 },
        { "AAD_PREMIUM", "johanna@contoso.com", false, 1 },
        { "AAD_PREMIUM", "lee@contoso.com", false, 1 },
        { "AAD_PREMIUM", "megan@contoso.com", false, 1 },
        { "AAD_PREMIUM", "nestor@contoso.com", true, 0 },
        { "AAD_PREMIUM_P2", "lee@contoso.com", true, 0 },
        { "AAD_PREMIUM_P2", "megan@contoso.com", false, 1 },
        { "AAD_PREMIUM_P2", "nestor@contoso.com", false, 1 },
};

static void fill_demo(void)
{
        int rc = model_demo_fill(m);

        ck_assert_msg(rc == 1, "model_demo_fill on an empty tenant returned %s, expected 1 (%s)",
                      errno_name(rc), model_reason());
}

START_TEST(test_demo_tenant)
{
        struct model_tenant tenant;

        fill_demo();
        ck_ok(model_tenant_get(m, &tenant));
        ck_assert_str_eq(tenant.name, "Contoso");
        ck_assert_str_eq(tenant.usage_location, "US");
        ck_assert_int_eq(model_tenant_is_empty(m), 0);
        check_invariants(m);
}
END_TEST

START_TEST(test_demo_products)
{
        fill_demo();
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "AAD_PREMIUM", "AAD_PREMIUM_P2");
        for (int i = 0; i < COUNT(demo_products); i++) {
                struct model_product product;

                ck_ok(model_product_get(m, demo_products[i].sku, &product));
                ck_assert_str_eq(product.name, demo_products[i].name);
                ck_assert_str_eq(product.sku_id, demo_products[i].sku_id);
                ck_assert_int_eq(product.expiring_soon, demo_products[i].expiring_soon);
                ck_product(m, demo_products[i].sku, demo_products[i].total,
                           demo_products[i].assigned, demo_products[i].waiting);
        }
}
END_TEST

START_TEST(test_demo_users)
{
        fill_demo();
        ck_listing(m, MODEL_LIST_USERS, NULL, NULL, "adele@contoso.com", "alex@contoso.com",
                   "diego@contoso.com", "grady@contoso.com", "isaiah@contoso.com",
                   "johanna@contoso.com", "lee@contoso.com", "megan@contoso.com",
                   "nestor@contoso.com", "patti@contoso.com");
        for (int i = 0; i < COUNT(demo_users); i++) {
                struct model_user user;

                ck_ok(model_user_get(m, demo_users[i].upn, &user));
                ck_assert_str_eq(user.display_name, demo_users[i].display_name);
                ck_assert_str_eq(user.usage_location, demo_users[i].usage_location);
        }
        ck_listing(m, MODEL_LIST_USER_LICENSES, "patti@contoso.com", NULL, NULL);
        ck_listing(m, MODEL_LIST_USER_GROUPS, "patti@contoso.com", NULL, NULL);
        ck_listing(m, MODEL_LIST_USER_GROUPS, "alex@contoso.com", NULL, "Sales",
                   "Security Admins");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "megan@contoso.com", NULL, "Engineering",
                   "Security Admins");
        ck_listing(m, MODEL_LIST_USER_LICENSES, "alex@contoso.com", NULL, "AAD_PREMIUM");
        ck_listing(m, MODEL_LIST_USER_LICENSES, "nestor@contoso.com", NULL, "AAD_PREMIUM",
                   "AAD_PREMIUM_P2");
}
END_TEST

START_TEST(test_demo_groups)
{
        fill_demo();
        ck_listing(m, MODEL_LIST_GROUPS, NULL, NULL, "Engineering", "Sales", "Security Admins");
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "Sales", NULL, "adele@contoso.com",
                   "alex@contoso.com", "diego@contoso.com", "grady@contoso.com");
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "Engineering", NULL, "isaiah@contoso.com",
                   "johanna@contoso.com", "lee@contoso.com", "megan@contoso.com");
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "Security Admins", NULL, "alex@contoso.com",
                   "megan@contoso.com", "nestor@contoso.com");
        ck_listing(m, MODEL_LIST_GROUP_LICENSES, "Sales", NULL, "AAD_PREMIUM");
        ck_listing(m, MODEL_LIST_GROUP_LICENSES, "Engineering", NULL, "AAD_PREMIUM");
        ck_listing(m, MODEL_LIST_GROUP_LICENSES, "Security Admins", NULL, "AAD_PREMIUM_P2");
        ck_listing(m, MODEL_LIST_PRODUCT_GROUPS, "AAD_PREMIUM", NULL, "Engineering", "Sales");
        ck_listing(m, MODEL_LIST_PRODUCT_GROUPS, "AAD_PREMIUM_P2", NULL, "Security Admins");
}
END_TEST

/* Security Admins joined megan, nestor, alex in that order: alex gets no P2 seat. */
START_TEST(test_demo_seats)
{
        struct model_group_license license;
        struct model_waiter waiter;

        fill_demo();
        for (int i = 0; i < COUNT(demo_holders); i++) {
                struct model_holder holder;

                ck_ok(model_holder_get(m, demo_holders[i].sku, demo_holders[i].upn, &holder));
                ck_assert_msg(holder.direct == demo_holders[i].direct &&
                              holder.groups == demo_holders[i].groups,
                              "%s holds %s with direct=%d groups=%lld, expected direct=%d "
                              "groups=%lld", demo_holders[i].upn, demo_holders[i].sku,
                              holder.direct, (long long)holder.groups, demo_holders[i].direct,
                              (long long)demo_holders[i].groups);
        }
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "AAD_PREMIUM", NULL, "adele@contoso.com",
                   "alex@contoso.com", "diego@contoso.com", "grady@contoso.com",
                   "isaiah@contoso.com", "johanna@contoso.com", "lee@contoso.com",
                   "megan@contoso.com", "nestor@contoso.com");
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "AAD_PREMIUM_P2", NULL, "lee@contoso.com",
                   "megan@contoso.com", "nestor@contoso.com");
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "AAD_PREMIUM", NULL, NULL);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "AAD_PREMIUM_P2", NULL, "alex@contoso.com");
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "Security Admins", NULL, "alex@contoso.com");
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "Sales", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "Engineering", NULL, NULL);
        ck_listing(m, MODEL_LIST_WAITER_PRODUCTS, "Security Admins", "alex@contoso.com",
                   "AAD_PREMIUM_P2");
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "AAD_PREMIUM", "adele@contoso.com", "Sales");
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "AAD_PREMIUM", "nestor@contoso.com", NULL);
        ck_ok(model_waiter_get(m, "AAD_PREMIUM_P2", "alex@contoso.com", &waiter));
        ck_assert_int_eq(waiter.groups, 1);
        ck_ok(model_group_license_get(m, "AAD_PREMIUM_P2", "Security Admins", &license));
        ck_assert_int_eq(license.members, 3);
        ck_assert_int_eq(license.errors, 1);
        ck_ok(model_group_license_get(m, "AAD_PREMIUM", "Sales", &license));
        ck_assert_int_eq(license.members, 4);
        ck_assert_int_eq(license.errors, 0);
        check_invariants(m);
}
END_TEST

START_TEST(test_demo_twice)
{
        char *before;
        int rc;

        fill_demo();
        before = tenant_snapshot(m);
        clock_at(TEST_T0 + 1000);
        rc = model_demo_fill(m);
        ck_assert_msg(rc == 0, "a second model_demo_fill returned %s, expected 0", errno_name(rc));
        ck_same_snapshot_at(CK_WHERE, "a second model_demo_fill", before, tenant_snapshot(m));
}
END_TEST

enum content { HAS_PRODUCT, HAS_USER, HAS_GROUP };

/* A tenant with anything in it is left alone, not completed. */
START_TEST(test_demo_on_non_empty_tenant)
{
        char *before;
        int rc;

        ck_ok(model_tenant_set_name(m, "Fabrikam"));
        switch ((enum content)_i) {
        case HAS_PRODUCT:
                ck_ok(model_product_create(m, "AAD_PREMIUM"));
                break;
        case HAS_USER:
                ck_ok(model_user_create(m, "adele@contoso.com"));
                break;
        case HAS_GROUP:
                ck_ok(model_group_create(m, "Sales"));
                break;
        }
        before = tenant_snapshot(m);
        rc = model_demo_fill(m);
        ck_assert_msg(rc == 0, "model_demo_fill on a non-empty tenant returned %s, expected 0",
                      errno_name(rc));
        ck_same_snapshot_at(CK_WHERE, "model_demo_fill on a non-empty tenant", before,
                            tenant_snapshot(m));
}
END_TEST

/* The tenant's own name and location do not make it non-empty. */
START_TEST(test_demo_after_tenant_settings)
{
        struct model_tenant tenant;

        ck_ok(model_tenant_set_name(m, "Fabrikam"));
        ck_ok(model_tenant_set_usage_location(m, "DE"));
        fill_demo();
        ck_ok(model_tenant_get(m, &tenant));
        ck_assert_str_eq(tenant.name, "Contoso");
        ck_assert_str_eq(tenant.usage_location, "US");
        ck_product(m, "AAD_PREMIUM", 10, 9, 0);
}
END_TEST

static void count_commit(void *ctx, const struct model_change *changes, size_t count)
{
        (void)changes;
        (void)count;
        (*(int *)ctx)++;
}

/* The demo is one batch of its own: one commit, and refused inside the caller's batch. */
START_TEST(test_demo_is_one_batch)
{
        int commits = 0;

        ck_ok(model_batch_begin(m));
        ck_err(model_demo_fill(m), EBUSY);
        ck_ok(model_batch_end(m, true));
        ck_assert_int_eq(model_tenant_is_empty(m), 1);
        ck_ok(model_watch(m, count_commit, &commits));
        commits = 0;                    /* the watch's own */
        fill_demo();
        ck_ok(model_watch(m, NULL, NULL));
        ck_assert_int_eq(commits, 1);
}
END_TEST

static Suite *demo_suite(void)
{
        Suite *suite = suite_create("demo");
        TCase *tcase;

        tcase = model_tcase("demo");
        tcase_add_test(tcase, test_demo_tenant);
        tcase_add_test(tcase, test_demo_products);
        tcase_add_test(tcase, test_demo_users);
        tcase_add_test(tcase, test_demo_groups);
        tcase_add_test(tcase, test_demo_seats);
        tcase_add_test(tcase, test_demo_twice);
        tcase_add_loop_test(tcase, test_demo_on_non_empty_tenant, HAS_PRODUCT, HAS_GROUP + 1);
        tcase_add_test(tcase, test_demo_after_tenant_settings);
        tcase_add_test(tcase, test_demo_is_one_batch);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(demo_suite());
}
