/*
 * Security groups: create and delete (ENOTEMPTY while the group holds a license; deleting an
 * unlicensed group ends its memberships), members (add, remove, get, with their ENOENT cases),
 * group licenses (add, remove, get with members= and errors=) and group waiters.
 */
#include "check_helpers.h"

#include <errno.h>
#include <string.h>

START_TEST(test_group_create)
{
        struct model_group group;

        clock_at(TEST_T0 + 8);
        ck_ok(model_group_create(m, "Sales"));
        ck_ok(model_group_get(m, "Sales", &group));
        ck_assert_int_eq(group.members, 0);
        ck_assert_int_eq(group.created, TEST_T0 + 8);
        ck_listing(m, MODEL_LIST_GROUPS, NULL, NULL, "Sales");
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "Sales", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_LICENSES, "Sales", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "Sales", NULL, NULL);
        clock_at(TEST_T0 + 9);
        ck_refused_unchanged(model_group_create(m, "Sales"), EEXIST);
        ck_err(model_group_get(m, "Marketing", &group), ENOENT);
}
END_TEST

START_TEST(test_group_delete_ends_memberships)
{
        struct model_group group;
        struct model_member member;

        make_user("a@x.com", NULL);
        make_user("b@x.com", NULL);
        make_group("Sales", "a@x.com", "b@x.com");
        make_group("Other", "a@x.com");
        ck_ok(model_group_delete(m, "Sales"));
        ck_err(model_group_get(m, "Sales", &group), ENOENT);
        ck_listing(m, MODEL_LIST_GROUPS, NULL, NULL, "Other");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "a@x.com", NULL, "Other");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "b@x.com", NULL, NULL);
        ck_listing(m, MODEL_LIST_USERS, NULL, NULL, "a@x.com", "b@x.com");
        ck_refused_unchanged(model_group_delete(m, "Sales"), ENOENT);

        /* the name can be used again, by a group without the old members */
        ck_ok(model_group_create(m, "Sales"));
        ck_ok(model_group_get(m, "Sales", &group));
        ck_assert_int_eq(group.members, 0);
        ck_err(model_member_get(m, "Sales", "a@x.com", &member), ENOENT);
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "Sales", NULL, NULL);
        check_invariants(m);
}
END_TEST

/* Deleting an unlicensed group leaves seats held through other groups alone. */
START_TEST(test_group_delete_keeps_other_seats)
{
        make_product("P", 1);
        make_user("a@x.com", NULL);
        make_group("Licensed", "a@x.com");
        make_group("Plain", "a@x.com");
        ck_step(model_group_license_add(m, "P", "Licensed"));
        ck_step(model_group_delete(m, "Plain"));
        ck_holder(m, "P", "a@x.com", false, 1, TEST_T0);
        ck_product(m, "P", 1, 1, 0);
}
END_TEST

START_TEST(test_group_delete_while_licensed)
{
        make_product("P", 1);
        make_product("Q", 0);
        make_user("a@x.com", NULL);
        make_user("b@x.com", NULL);
        ck_ok(model_group_create(m, "Empty"));
        make_group("Full", "a@x.com", "b@x.com");
        ck_step(model_group_license_add(m, "Q", "Empty"));
        ck_step(model_group_license_add(m, "P", "Full"));
        ck_refused_unchanged(model_group_delete(m, "Empty"), ENOTEMPTY);
        ck_refused_unchanged(model_group_delete(m, "Full"), ENOTEMPTY);

        ck_step(model_group_license_remove(m, "Q", "Empty"));
        ck_step(model_group_delete(m, "Empty"));
        ck_step(model_group_license_remove(m, "P", "Full"));
        ck_step(model_group_delete(m, "Full"));
        ck_listing(m, MODEL_LIST_GROUPS, NULL, NULL, NULL);
        ck_listing(m, MODEL_LIST_USER_GROUPS, "a@x.com", NULL, NULL);
        ck_product(m, "P", 1, 0, 0);
}
END_TEST

START_TEST(test_members)
{
        struct model_group group;
        struct model_member member;

        make_user("a@x.com", NULL);
        make_user("b@x.com", "US");
        ck_ok(model_group_create(m, "G"));
        clock_at(TEST_T0 + 1);
        ck_step(model_member_add(m, "G", "b@x.com"));
        clock_at(TEST_T0 + 2);
        ck_step(model_member_add(m, "G", "a@x.com"));
        ck_ok(model_member_get(m, "G", "b@x.com", &member));
        ck_assert_int_eq(member.since, TEST_T0 + 1);
        ck_ok(model_member_get(m, "G", "a@x.com", &member));
        ck_assert_int_eq(member.since, TEST_T0 + 2);
        ck_ok(model_group_get(m, "G", &group));
        ck_assert_int_eq(group.members, 2);
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "G", NULL, "a@x.com", "b@x.com");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "a@x.com", NULL, "G");

        /* adding again succeeds and keeps the join time */
        clock_at(TEST_T0 + 3);
        {
                char *before = tenant_snapshot(m);

                ck_ok(model_member_add(m, "G", "b@x.com"));
                ck_same_snapshot_at(CK_WHERE, "adding a member again", before,
                                    tenant_snapshot(m));
        }

        ck_step(model_member_remove(m, "G", "b@x.com"));
        ck_err(model_member_get(m, "G", "b@x.com", &member), ENOENT);
        ck_ok(model_group_get(m, "G", &group));
        ck_assert_int_eq(group.members, 1);
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "G", NULL, "a@x.com");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "b@x.com", NULL, NULL);

        /* joining again is a new membership with a new join time */
        clock_at(TEST_T0 + 4);
        ck_step(model_member_add(m, "G", "b@x.com"));
        ck_ok(model_member_get(m, "G", "b@x.com", &member));
        ck_assert_int_eq(member.since, TEST_T0 + 4);
}
END_TEST

START_TEST(test_member_refusals)
{
        struct model_member member;

        make_user("a@x.com", NULL);
        make_user("outsider@x.com", NULL);
        make_group("G", "a@x.com");
        ck_refused_unchanged(model_member_add(m, "NOPE", "a@x.com"), ENOENT);
        ck_refused_unchanged(model_member_add(m, "G", "nobody@x.com"), ENOENT);
        ck_refused_unchanged(model_member_remove(m, "G", "outsider@x.com"), ENOENT);
        ck_refused_unchanged(model_member_remove(m, "NOPE", "a@x.com"), ENOENT);
        ck_refused_unchanged(model_member_remove(m, "G", "nobody@x.com"), ENOENT);
        ck_err(model_member_get(m, "G", "outsider@x.com", &member), ENOENT);
        ck_err(model_member_get(m, "NOPE", "a@x.com", &member), ENOENT);
        ck_err(model_member_get(m, "G", "nobody@x.com", &member), ENOENT);
}
END_TEST

/* --- group licenses -------------------------------------------------------------------------- */

START_TEST(test_group_license_add_remove)
{
        struct model_group_license license;

        make_product("P", 5);
        make_user("a@x.com", NULL);
        make_group("G", "a@x.com");
        ck_err(model_group_license_get(m, "P", "G", &license), ENOENT);
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "G"));
        ck_ok(model_group_license_get(m, "P", "G", &license));
        ck_assert_int_eq(license.members, 1);
        ck_assert_int_eq(license.errors, 0);
        ck_assert_int_eq(license.since, TEST_T0 + 1);
        ck_listing(m, MODEL_LIST_PRODUCT_GROUPS, "P", NULL, "G");
        ck_listing(m, MODEL_LIST_GROUP_LICENSES, "G", NULL, "P");

        /* adding again succeeds and changes nothing */
        clock_at(TEST_T0 + 2);
        {
                char *before = tenant_snapshot(m);

                ck_ok(model_group_license_add(m, "P", "G"));
                ck_same_snapshot_at(CK_WHERE, "adding a group license again", before,
                                    tenant_snapshot(m));
        }

        ck_step(model_group_license_remove(m, "P", "G"));
        ck_err(model_group_license_get(m, "P", "G", &license), ENOENT);
        ck_listing(m, MODEL_LIST_PRODUCT_GROUPS, "P", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_LICENSES, "G", NULL, NULL);
        ck_no_seat(m, "P", "a@x.com");
}
END_TEST

START_TEST(test_group_license_refusals)
{
        struct model_group_license license;

        make_product("P", 1);
        ck_ok(model_group_create(m, "G"));
        ck_refused_unchanged(model_group_license_add(m, "NOPE", "G"), ENOENT);
        ck_refused_unchanged(model_group_license_add(m, "P", "NOPE"), ENOENT);
        ck_refused_unchanged(model_group_license_remove(m, "P", "G"), ENOENT);
        ck_refused_unchanged(model_group_license_remove(m, "NOPE", "G"), ENOENT);
        ck_refused_unchanged(model_group_license_remove(m, "P", "NOPE"), ENOENT);
        ck_err(model_group_license_get(m, "NOPE", "G", &license), ENOENT);
        ck_err(model_group_license_get(m, "P", "NOPE", &license), ENOENT);
}
END_TEST

/* members= counts the group's members, errors= those waiting for this product through it. */
START_TEST(test_group_license_counts)
{
        make_product("P", 1);
        make_product("Q", 10);
        make_user("a@x.com", NULL);
        make_user("b@x.com", NULL);
        make_user("c@x.com", NULL);
        make_user("d@x.com", NULL);
        make_user("e@x.com", "US");
        ck_step(model_direct_assign(m, "Q", "e@x.com"));
        make_group("G", "a@x.com", "b@x.com", "c@x.com");
        make_group("H", "c@x.com", "e@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "G"));
        clock_at(TEST_T0 + 2);
        ck_step(model_group_license_add(m, "P", "H"));
        clock_at(TEST_T0 + 3);
        ck_step(model_group_license_add(m, "Q", "G"));
        /* a holds P; b and c wait through G (c through H too); e waits through H */
        ck_group_license("P", "G", 3, 2);
        ck_group_license("P", "H", 2, 2);
        ck_group_license("Q", "G", 3, 0);

        clock_at(TEST_T0 + 4);
        ck_step(model_member_add(m, "G", "d@x.com"));
        ck_group_license("P", "G", 4, 3);
        ck_group_license("Q", "G", 4, 0);

        /* three more seats: b and c (since +1), then e (since +2); d (since +4) waits */
        ck_step(model_product_set_total(m, "P", 4));
        ck_group_license("P", "G", 4, 1);
        ck_group_license("P", "H", 2, 0);
        ck_step(model_product_set_total(m, "P", 5));
        ck_group_license("P", "G", 4, 0);
        ck_product(m, "P", 5, 5, 0);
}
END_TEST

START_TEST(test_group_waiters)
{
        struct model_waiter waiter;

        make_product("P1", 0);
        make_product("P2", 0);
        make_user("u@x.com", NULL);
        make_user("v@x.com", NULL);
        make_group("G", "u@x.com");
        make_group("Plain", "v@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P1", "G"));
        clock_at(TEST_T0 + 2);
        ck_step(model_group_license_add(m, "P2", "G"));
        ck_ok(model_group_waiter_get(m, "G", "u@x.com", &waiter));
        ck_assert_int_eq(waiter.since, TEST_T0 + 1);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G", NULL, "u@x.com");
        ck_listing(m, MODEL_LIST_WAITER_PRODUCTS, "G", "u@x.com", "P1", "P2");
        ck_err(model_group_waiter_get(m, "Plain", "v@x.com", &waiter), ENOENT);
        ck_err(model_group_waiter_get(m, "G", "v@x.com", &waiter), ENOENT);
        ck_err(model_group_waiter_get(m, "NOPE", "u@x.com", &waiter), ENOENT);

        /* served for P1, the member still waits for P2: since is now that wait's start */
        clock_at(TEST_T0 + 3);
        ck_step(model_product_set_total(m, "P1", 1));
        ck_ok(model_group_waiter_get(m, "G", "u@x.com", &waiter));
        ck_assert_int_eq(waiter.since, TEST_T0 + 2);
        ck_listing(m, MODEL_LIST_WAITER_PRODUCTS, "G", "u@x.com", "P2");

        ck_step(model_product_set_total(m, "P2", 1));
        ck_err(model_group_waiter_get(m, "G", "u@x.com", &waiter), ENOENT);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G", NULL, NULL);
}
END_TEST

/*
 * A change naming two missing objects names the first of its path (product, group, user) in
 * its reason, and once that one exists, the second.
 */
static const struct missing_case {
        int (*change)(struct model *m, const char *first, const char *second);
        const char *first, *second, *first_reason, *second_reason;
} missing_cases[] = {
        { model_member_add, "G", "u@x.com", "no group named 'G'", "no user named 'u@x.com'" },
        { model_member_remove, "G", "u@x.com", "no group named 'G'", "no user named 'u@x.com'" },
        { model_group_license_add, "P", "G", "no product named 'P'", "no group named 'G'" },
        { model_group_license_remove, "P", "G", "no product named 'P'", "no group named 'G'" },
        { model_direct_assign, "P", "u@x.com", "no product named 'P'", "no user named 'u@x.com'" },
        { model_direct_remove, "P", "u@x.com", "no product named 'P'", "no user named 'u@x.com'" },
};

START_TEST(test_missing_names_in_path_order)
{
        const struct missing_case *test = &missing_cases[_i];

        ck_refused(test->change(m, test->first, test->second), ENOENT);
        ck_assert_str_eq(model_reason(), test->first_reason);
        ck_ok(strcmp(test->first, "G") == 0 ? model_group_create(m, "G")
                                            : model_product_create(m, "P"));
        ck_refused(test->change(m, test->first, test->second), ENOENT);
        ck_assert_str_eq(model_reason(), test->second_reason);
}
END_TEST

static Suite *groups_suite(void)
{
        Suite *suite = suite_create("groups");
        TCase *tcase;

        tcase = model_tcase("groups");
        tcase_add_test(tcase, test_group_create);
        tcase_add_test(tcase, test_group_delete_ends_memberships);
        tcase_add_test(tcase, test_group_delete_keeps_other_seats);
        tcase_add_test(tcase, test_group_delete_while_licensed);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("members");
        tcase_add_test(tcase, test_members);
        tcase_add_test(tcase, test_member_refusals);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("group licenses");
        tcase_add_test(tcase, test_group_license_add_remove);
        tcase_add_test(tcase, test_group_license_refusals);
        tcase_add_test(tcase, test_group_license_counts);
        tcase_add_test(tcase, test_group_waiters);
        tcase_add_loop_test(tcase, test_missing_names_in_path_order, 0,
                            (int)(sizeof(missing_cases) / sizeof(missing_cases[0])));
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(groups_suite());
}
