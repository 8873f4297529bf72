/*
 * Users and direct assignments: user defaults, direct assign and remove with their refusals
 * (ENOENT, EINVAL without usage location, ENOSPC, EPERM for inherited-only holders), a user
 * with both a direct and a group path keeping one seat whichever path goes first, one seat per
 * user however many paths, the usage-location rules (EBUSY when clearing it under a direct
 * license; group members without one use the tenant's).
 */
#include "check_helpers.h"

#include <errno.h>
#include <string.h>

/* --- users ---------------------------------------------------------------------------------- */

START_TEST(test_user_defaults)
{
        struct model_user user;

        clock_at(TEST_T0 + 3);
        ck_ok(model_user_create(m, "adele@contoso.com"));
        memset(&user, 0xff, sizeof(user));     /* a live user's getter writes every field */
        ck_ok(model_user_get(m, "adele@contoso.com", &user));
        ck_assert_int_eq(user.deleted, 0);
        ck_assert_str_eq(user.display_name, "adele@contoso.com");
        ck_assert_str_eq(user.usage_location, "");
        ck_assert_int_eq(user.created, TEST_T0 + 3);
        ck_listing(m, MODEL_LIST_USERS, NULL, NULL, "adele@contoso.com");
        ck_listing(m, MODEL_LIST_USER_LICENSES, "adele@contoso.com", NULL, NULL);
        ck_listing(m, MODEL_LIST_USER_GROUPS, "adele@contoso.com", NULL, NULL);
}
END_TEST

START_TEST(test_user_set)
{
        struct model_user user;

        make_user("adele@contoso.com", "us");
        ck_ok(model_user_set_display_name(m, "adele@contoso.com", "Adele Vance"));
        ck_ok(model_user_get(m, "adele@contoso.com", &user));
        ck_assert_str_eq(user.display_name, "Adele Vance");
        ck_assert_str_eq(user.usage_location, "US");
        clock_at(TEST_T0 + 50);
        ck_refused_unchanged(model_user_create(m, "adele@contoso.com"), EEXIST);
        ck_refused_unchanged(model_user_set_display_name(m, "adele@contoso.com", ""), EINVAL);
}
END_TEST

START_TEST(test_missing_user)
{
        struct model_user user;

        ck_err(model_user_get(m, "nobody@contoso.com", &user), ENOENT);
        ck_refused_unchanged(model_user_set_display_name(m, "nobody@contoso.com", "N"), ENOENT);
        ck_refused_unchanged(model_user_set_usage_location(m, "nobody@contoso.com", "US"), ENOENT);
        ck_refused_unchanged(model_user_set_usage_location(m, "nobody@contoso.com", ""), ENOENT);
}
END_TEST

/* --- direct assignments --------------------------------------------------------------------- */

START_TEST(test_direct_assign_and_remove)
{
        make_product("P", 3);
        make_user("u@x.com", "US");
        clock_at(TEST_T0 + 5);
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0 + 5);
        ck_product(m, "P", 3, 1, 0);
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, "u@x.com");
        ck_listing(m, MODEL_LIST_USER_LICENSES, "u@x.com", NULL, "P");
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "P", "u@x.com", NULL);

        /* assigning again is success and changes nothing, not even `since` */
        clock_at(TEST_T0 + 9);
        {
                char *before = tenant_snapshot(m);

                ck_ok(model_direct_assign(m, "P", "u@x.com"));
                ck_same_snapshot_at(CK_WHERE, "a second direct assign", before,
                                    tenant_snapshot(m));
        }

        ck_step(model_direct_remove(m, "P", "u@x.com"));
        ck_no_seat(m, "P", "u@x.com");
        ck_product(m, "P", 3, 0, 0);
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, NULL);
        ck_listing(m, MODEL_LIST_USER_LICENSES, "u@x.com", NULL, NULL);
        ck_refused_unchanged(model_direct_remove(m, "P", "u@x.com"), ENOENT);
}
END_TEST

/* Fills the last seat: the next direct assignment is ENOSPC, a freed seat makes it work. */
START_TEST(test_direct_assign_until_full)
{
        static const char *const users[] = { "a@x.com", "b@x.com", "c@x.com", "d@x.com" };

        make_product("P", 3);
        for (int i = 0; i < COUNT(users); i++)
                make_user(users[i], "FR");
        for (int i = 0; i < 3; i++)
                ck_step(model_direct_assign(m, "P", users[i]));
        ck_product(m, "P", 3, 3, 0);
        ck_refused_unchanged(model_direct_assign(m, "P", "d@x.com"), ENOSPC);
        ck_step(model_direct_remove(m, "P", "b@x.com"));
        ck_step(model_direct_assign(m, "P", "d@x.com"));
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, "a@x.com", "c@x.com", "d@x.com");
        ck_step(model_product_set_total(m, "P", 4));
        ck_step(model_direct_assign(m, "P", "b@x.com"));
        ck_product(m, "P", 4, 4, 0);
}
END_TEST

struct refusal_case {
        const char *sku;
        const char *upn;
        int err;
        const char *what;
};

/*
 * The refusal tables share one tenant: FREE has seats, FULL is full, NONE has no seats;
 * located@ has a usage location, homeless@ has none; holder@ holds FULL directly; inherited@
 * holds FULL only through group G (whose member waiter@ waits for it).
 */
static void make_refusal_tenant(void)
{
        make_product("FREE", 5);
        make_product("FULL", 2);
        make_product("NONE", 0);
        make_user("located@x.com", "US");
        make_user("homeless@x.com", NULL);
        make_user("holder@x.com", "US");
        make_user("inherited@x.com", "US");
        make_user("waiter@x.com", "US");
        ck_step(model_direct_assign(m, "FULL", "holder@x.com"));
        make_group("G", "inherited@x.com", "waiter@x.com");
        ck_step(model_group_license_add(m, "FULL", "G"));
        ck_holder(m, "FULL", "inherited@x.com", false, 1, TEST_T0);
        ck_waiter(m, "FULL", "waiter@x.com", 1, TEST_T0);
}

static const struct refusal_case assign_refusals[] = {
        { "MISSING", "located@x.com", ENOENT, "unknown product" },
        { "FREE", "missing@x.com", ENOENT, "unknown user" },
        { "FREE", "homeless@x.com", EINVAL, "user without usage location" },
        { "NONE", "located@x.com", ENOSPC, "product without seats" },
        { "FULL", "located@x.com", ENOSPC, "full product" },
        { "FULL", "waiter@x.com", ENOSPC, "full product, user waiting through a group" },
};

START_TEST(test_direct_assign_refusals)
{
        const struct refusal_case *test = &assign_refusals[_i];
        char *before;
        int rc;

        make_refusal_tenant();
        before = tenant_snapshot(m);
        rc = model_direct_assign(m, test->sku, test->upn);
        ck_assert_msg(rc == -test->err, "direct assign (%s) returned %s, expected %s", test->what,
                      errno_name(rc), errno_name(-test->err));
        ck_assert_msg(model_reason()[0] != '\0', "direct assign (%s): empty reason", test->what);
        ck_same_snapshot_at(CK_WHERE, test->what, before, tenant_snapshot(m));
}
END_TEST

static const struct refusal_case remove_refusals[] = {
        { "MISSING", "holder@x.com", ENOENT, "unknown product" },
        { "FULL", "missing@x.com", ENOENT, "unknown user" },
        { "FREE", "holder@x.com", ENOENT, "user not holding the product" },
        { "FULL", "waiter@x.com", ENOENT, "user waiting, not holding" },
        { "FULL", "inherited@x.com", EPERM, "user holding only through a group" },
};

START_TEST(test_direct_remove_refusals)
{
        const struct refusal_case *test = &remove_refusals[_i];
        char *before;
        int rc;

        make_refusal_tenant();
        before = tenant_snapshot(m);
        rc = model_direct_remove(m, test->sku, test->upn);
        ck_assert_msg(rc == -test->err, "direct remove (%s) returned %s, expected %s", test->what,
                      errno_name(rc), errno_name(-test->err));
        ck_assert_msg(model_reason()[0] != '\0', "direct remove (%s): empty reason", test->what);
        ck_same_snapshot_at(CK_WHERE, test->what, before, tenant_snapshot(m));
}
END_TEST

START_TEST(test_holder_get_missing)
{
        struct model_holder holder;

        make_refusal_tenant();
        ck_err(model_holder_get(m, "MISSING", "holder@x.com", &holder), ENOENT);
        ck_err(model_holder_get(m, "FULL", "missing@x.com", &holder), ENOENT);
        ck_err(model_holder_get(m, "FREE", "holder@x.com", &holder), ENOENT);
        ck_err(model_holder_get(m, "FULL", "waiter@x.com", &holder), ENOENT);
}
END_TEST

/* --- both paths ----------------------------------------------------------------------------- */

/* Inherited first: the direct path needs no new seat and keeps the seat's `since`. */
START_TEST(test_group_then_direct)
{
        make_product("P", 1);
        make_user("u@x.com", "US");
        make_group("G", "u@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "G"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0 + 1);
        ck_product(m, "P", 1, 1, 0);

        clock_at(TEST_T0 + 2);
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0 + 1);
        ck_product(m, "P", 1, 1, 0);

        clock_at(TEST_T0 + 3);
        ck_step(model_direct_remove(m, "P", "u@x.com"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0 + 1);
        ck_product(m, "P", 1, 1, 0);
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, "u@x.com");

        ck_step(model_member_remove(m, "G", "u@x.com"));
        ck_no_seat(m, "P", "u@x.com");
        ck_product(m, "P", 1, 0, 0);
}
END_TEST

/* Direct first: the group takes no second seat for the user, so another member gets one. */
START_TEST(test_direct_then_group)
{
        make_product("P", 2);
        make_user("u@x.com", "US");
        make_user("v@x.com", "US");
        clock_at(TEST_T0 + 1);
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        make_group("G", "u@x.com", "v@x.com");
        clock_at(TEST_T0 + 2);
        ck_step(model_group_license_add(m, "P", "G"));
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0 + 1);
        ck_holder(m, "P", "v@x.com", false, 1, TEST_T0 + 2);
        ck_product(m, "P", 2, 2, 0);

        clock_at(TEST_T0 + 3);
        ck_step(model_direct_remove(m, "P", "u@x.com"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0 + 1);
        ck_product(m, "P", 2, 2, 0);

        ck_step(model_group_license_remove(m, "P", "G"));
        ck_no_seat(m, "P", "u@x.com");
        ck_no_seat(m, "P", "v@x.com");
        ck_product(m, "P", 2, 0, 0);
}
END_TEST

/* The direct path on an inherited seat still needs the user's own usage location. */
START_TEST(test_inherited_direct_needs_location)
{
        make_product("P", 3);
        make_user("u@x.com", NULL);
        make_group("G", "u@x.com");
        ck_step(model_group_license_add(m, "P", "G"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0);
        ck_refused_unchanged(model_direct_assign(m, "P", "u@x.com"), EINVAL);
        ck_ok(model_user_set_usage_location(m, "u@x.com", "it"));
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0);
}
END_TEST

START_TEST(test_one_seat_across_paths)
{
        make_product("P", 5);
        make_user("u@x.com", "US");
        make_group("G1", "u@x.com");
        make_group("G2", "u@x.com");
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_step(model_group_license_add(m, "P", "G1"));
        ck_step(model_group_license_add(m, "P", "G2"));
        ck_holder(m, "P", "u@x.com", true, 2, TEST_T0);
        ck_product(m, "P", 5, 1, 0);
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "P", "u@x.com", "G1", "G2");
        ck_listing(m, MODEL_LIST_USER_LICENSES, "u@x.com", NULL, "P");
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, "u@x.com");

        ck_step(model_member_remove(m, "G1", "u@x.com"));
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0);
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "P", "u@x.com", "G2");
        ck_step(model_group_license_remove(m, "P", "G2"));
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0);
        ck_product(m, "P", 5, 1, 0);
        ck_step(model_direct_remove(m, "P", "u@x.com"));
        ck_product(m, "P", 5, 0, 0);
}
END_TEST

/* Two groups, no direct path: the seat stays until the last group path goes. */
START_TEST(test_two_groups_one_seat)
{
        make_product("P", 1);
        make_user("u@x.com", NULL);
        make_group("G1", "u@x.com");
        make_group("G2", "u@x.com");
        ck_step(model_group_license_add(m, "P", "G1"));
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "G2"));
        ck_holder(m, "P", "u@x.com", false, 2, TEST_T0);
        ck_product(m, "P", 1, 1, 0);
        ck_refused_unchanged(model_direct_remove(m, "P", "u@x.com"), EPERM);
        ck_step(model_group_license_remove(m, "P", "G1"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0);
        ck_step(model_member_remove(m, "G2", "u@x.com"));
        ck_no_seat(m, "P", "u@x.com");
        ck_product(m, "P", 1, 0, 0);
}
END_TEST

/* --- usage location ------------------------------------------------------------------------- */

START_TEST(test_clear_location_with_direct_license)
{
        struct model_user user;

        make_product("P", 2);
        make_user("u@x.com", "US");
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_refused_unchanged(model_user_set_usage_location(m, "u@x.com", ""), EBUSY);
        ck_ok(model_user_set_usage_location(m, "u@x.com", "de"));
        ck_ok(model_user_get(m, "u@x.com", &user));
        ck_assert_str_eq(user.usage_location, "DE");

        /* a group path too does not change it: the direct license needs the location */
        make_group("G", "u@x.com");
        ck_step(model_group_license_add(m, "P", "G"));
        ck_refused_unchanged(model_user_set_usage_location(m, "u@x.com", ""), EBUSY);

        ck_step(model_direct_remove(m, "P", "u@x.com"));
        ck_ok(model_user_set_usage_location(m, "u@x.com", ""));
        ck_ok(model_user_get(m, "u@x.com", &user));
        ck_assert_str_eq(user.usage_location, "");
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0);
        check_invariants(m);
}
END_TEST

/* Members without a usage location get seats: they use the tenant's. */
START_TEST(test_tenant_location_for_members)
{
        make_product("P", 3);
        make_user("early@x.com", NULL);
        make_user("late@x.com", NULL);
        make_group("G", "early@x.com");
        ck_step(model_group_license_add(m, "P", "G"));
        ck_holder(m, "P", "early@x.com", false, 1, TEST_T0);
        clock_at(TEST_T0 + 10);
        ck_step(model_member_add(m, "G", "late@x.com"));
        ck_holder(m, "P", "late@x.com", false, 1, TEST_T0 + 10);
        ck_ok(model_tenant_set_usage_location(m, "ch"));
        ck_holder(m, "P", "late@x.com", false, 1, TEST_T0 + 10);
        ck_product(m, "P", 3, 2, 0);
        ck_refused_unchanged(model_direct_assign(m, "P", "late@x.com"), EINVAL);
}
END_TEST

static Suite *assignments_suite(void)
{
        Suite *suite = suite_create("assignments");
        TCase *tcase;

        tcase = model_tcase("users");
        tcase_add_test(tcase, test_user_defaults);
        tcase_add_test(tcase, test_user_set);
        tcase_add_test(tcase, test_missing_user);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("direct");
        tcase_add_test(tcase, test_direct_assign_and_remove);
        tcase_add_test(tcase, test_direct_assign_until_full);
        tcase_add_loop_test(tcase, test_direct_assign_refusals, 0, COUNT(assign_refusals));
        tcase_add_loop_test(tcase, test_direct_remove_refusals, 0, COUNT(remove_refusals));
        tcase_add_test(tcase, test_holder_get_missing);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("paths");
        tcase_add_test(tcase, test_group_then_direct);
        tcase_add_test(tcase, test_direct_then_group);
        tcase_add_test(tcase, test_inherited_direct_needs_location);
        tcase_add_test(tcase, test_one_seat_across_paths);
        tcase_add_test(tcase, test_two_groups_one_seat);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("usage location");
        tcase_add_test(tcase, test_clear_location_with_direct_license);
        tcase_add_test(tcase, test_tenant_location_for_members);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(assignments_suite());
}
