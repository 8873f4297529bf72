/*
 * The user lifecycle: deleting a user suspends what it holds (its seats go to the
 * longest-waiting users, its records are kept as they were), ends its waits and makes its
 * memberships inactive; restoring brings it back, waiting where seats ran out meanwhile (a
 * waiting direct license, which can be withdrawn); purging deletes it for good, by hand or
 * automatically 30 days after the deletion (by the model's clock).
 *
 * Every step is followed by the tenant invariant checker (ck_step(), check_invariants()), whose
 * rules cover deleted users (they show nowhere but in their own listings, their suspended
 * records agree with their paths) and waits (every wait has a cause, a direct license or a
 * licensed group). Refusals are checked with ck_refused_unchanged(), whose snapshot shows the
 * deleted users' records and the waiters' direct flags. Names are chosen so that neither
 * alphabetical order nor creation order gives the expected answer by accident.
 */
#include "check_helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY ((time_t)24 * 3600)
#define PURGE_AFTER (30 * DAY)

/* --- lifecycle assertions ------------------------------------------------------------------- */

/* Asserts that deleted upn keeps sku suspended with this direct flag, these paths and since. */
#define ck_suspended(sku, upn, direct, since, ...)                                           \
        ck_suspended_at(CK_WHERE, sku, upn, direct, since,                                   \
                        (const char *const[]){ __VA_ARGS__, NULL })
static void ck_suspended_at(const char *where, const char *sku, const char *upn, bool direct,
                            time_t since, const char *const paths[])
{
        struct model_holder held;
        int64_t count = 0;
        int rc = model_suspended_get(m, sku, upn, &held);

        ck_assert_msg(rc == 0, "%s: model_suspended_get(%s, %s) returned %s (reason: \"%s\")",
                      where, sku, upn, errno_name(rc), model_reason());
        while (paths[count])
                count++;
        ck_assert_msg(held.direct == direct && held.groups == count && held.since == since,
                      "%s: suspended %s of %s: direct=%d groups=%" PRId64 " since=%lld, "
                      "expected direct=%d groups=%" PRId64 " since=%lld", where, sku, upn,
                      held.direct, held.groups, (long long)held.since, direct, count,
                      (long long)since);
        ck_listing_at(where, m, MODEL_LIST_SUSPENDED_PATHS, sku, upn, paths);
}

/* Asserts that upn waits for sku with this direct flag, number of groups and since. */
#define ck_wait(sku, upn, direct, groups, since)                                             \
        ck_wait_at(CK_WHERE, sku, upn, direct, groups, since)
static void ck_wait_at(const char *where, const char *sku, const char *upn, bool direct,
                       int64_t groups, time_t since)
{
        struct model_waiter waiter;
        int rc = model_waiter_get(m, sku, upn, &waiter);

        ck_assert_msg(rc == 0, "%s: %s should wait for %s, model_waiter_get returned %s", where,
                      upn, sku, errno_name(rc));
        ck_assert_msg(waiter.direct == direct && waiter.groups == groups && waiter.since == since,
                      "%s: waiter %s of %s: direct=%d groups=%" PRId64 " since=%lld, expected "
                      "direct=%d groups=%" PRId64 " since=%lld", where, upn, sku, waiter.direct,
                      waiter.groups, (long long)waiter.since, direct, groups, (long long)since);
}

/* Asserts the inactive membership of deleted upn in group, joined at `since`. */
#define ck_inactive(group, upn, since) ck_inactive_at(CK_WHERE, group, upn, since)
static void ck_inactive_at(const char *where, const char *group, const char *upn, time_t since)
{
        struct model_member member;
        int rc = model_inactive_member_get(m, group, upn, &member);

        ck_assert_msg(rc == 0, "%s: model_inactive_member_get(%s, %s) returned %s", where, group,
                      upn, errno_name(rc));
        ck_assert_msg(member.since == since, "%s: inactive membership %s of %s: since=%lld, "
                      "expected %lld", where, upn, group, (long long)member.since,
                      (long long)since);
}

/* Asserts an active membership joined at `since`. */
#define ck_member(group, upn, since) ck_member_at(CK_WHERE, group, upn, since)
static void ck_member_at(const char *where, const char *group, const char *upn, time_t since)
{
        struct model_member member;
        int rc = model_member_get(m, group, upn, &member);

        ck_assert_msg(rc == 0, "%s: model_member_get(%s, %s) returned %s", where, group, upn,
                      errno_name(rc));
        ck_assert_msg(member.since == since, "%s: membership %s of %s: since=%lld, expected "
                      "%lld", where, upn, group, (long long)member.since, (long long)since);
}

#define ck_group_members(group, count) ck_group_members_at(CK_WHERE, group, count)
static void ck_group_members_at(const char *where, const char *group, int64_t count)
{
        struct model_group info;
        int rc = model_group_get(m, group, &info);

        ck_assert_msg(rc == 0, "%s: model_group_get(%s) returned %s", where, group,
                      errno_name(rc));
        ck_assert_msg(info.members == count, "%s: group %s has members=%" PRId64 ", expected %"
                      PRId64, where, group, info.members, count);
}

/* Asserts that upn is deleted (since `deleted`) and shows nowhere among the live users. */
#define ck_deleted(upn, deleted) ck_deleted_at(CK_WHERE, upn, deleted)
static void ck_deleted_at(const char *where, const char *upn, time_t deleted)
{
        struct model_user user;
        struct names names;
        int rc;

        rc = model_deleted_user_get(m, upn, &user);
        ck_assert_msg(rc == 0, "%s: model_deleted_user_get(%s) returned %s", where, upn,
                      errno_name(rc));
        ck_assert_msg(user.deleted == deleted, "%s: %s deleted=%lld, expected %lld", where, upn,
                      (long long)user.deleted, (long long)deleted);
        rc = model_user_get(m, upn, &user);
        ck_assert_msg(rc == -ENOENT, "%s: model_user_get(deleted %s) returned %s, expected "
                      "ENOENT", where, upn, errno_name(rc));
        ck_assert_int_eq(names_collect(m, MODEL_LIST_DELETED_USERS, NULL, NULL, &names), 0);
        ck_assert_msg(names_contain(&names, upn), "%s: DELETED_USERS misses %s", where, upn);
        names_free(&names);
        ck_assert_int_eq(names_collect(m, MODEL_LIST_USERS, NULL, NULL, &names), 0);
        ck_assert_msg(!names_contain(&names, upn), "%s: USERS lists deleted %s", where, upn);
        names_free(&names);
}

/* Asserts that upn is a live user again (or still): not deleted, no suspended records. */
#define ck_live(upn) ck_live_at(CK_WHERE, upn)
static void ck_live_at(const char *where, const char *upn)
{
        struct model_user user;
        struct names names;
        int rc;

        rc = model_user_get(m, upn, &user);
        ck_assert_msg(rc == 0, "%s: model_user_get(%s) returned %s", where, upn, errno_name(rc));
        rc = model_deleted_user_get(m, upn, &user);
        ck_assert_msg(rc == -ENOENT, "%s: model_deleted_user_get(live %s) returned %s", where,
                      upn, errno_name(rc));
        rc = names_collect(m, MODEL_LIST_SUSPENDED_LICENSES, upn, NULL, &names);
        ck_assert_msg(rc == -ENOENT, "%s: SUSPENDED_LICENSES(live %s) returned %s with %zu names",
                      where, upn, errno_name(rc), names.count);
        names_free(&names);
        rc = names_collect(m, MODEL_LIST_INACTIVE_GROUPS, upn, NULL, &names);
        ck_assert_msg(rc == -ENOENT, "%s: INACTIVE_GROUPS(live %s) returned %s with %zu names",
                      where, upn, errno_name(rc), names.count);
        names_free(&names);
}

/* --- deleting ------------------------------------------------------------------------------- */

/*
 * Seats held by the deleted user go to the longest waiters (queue order, not name or join
 * order); the records are suspended with their direct flag, since and group paths, which stay
 * as they were when a group later loses its license or is deleted.
 */
START_TEST(test_delete_frees_seats_and_suspends)
{
        make_product("P", 2);
        make_product("Q", 1);
        make_user("u@x.com", "US");
        make_user("o@x.com", "US");
        make_user("wz@x.com", NULL);
        make_user("wa@x.com", NULL);
        make_user("wm@x.com", NULL);
        make_user("q1@x.com", NULL);
        ck_ok(model_group_create(m, "G"));
        ck_ok(model_group_create(m, "G2"));
        ck_ok(model_group_create(m, "W"));
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        clock_at(TEST_T0 + 1);
        ck_step(model_member_add(m, "G", "u@x.com"));
        ck_step(model_group_license_add(m, "P", "G"));
        ck_step(model_direct_assign(m, "P", "o@x.com"));
        clock_at(TEST_T0 + 2);
        ck_step(model_member_add(m, "G2", "u@x.com"));
        ck_step(model_group_license_add(m, "Q", "G2"));
        ck_step(model_member_add(m, "G2", "q1@x.com"));
        /* W waits for P: wz first, then wa, then wm */
        ck_step(model_group_license_add(m, "P", "W"));
        clock_at(TEST_T0 + 10);
        ck_step(model_member_add(m, "W", "wz@x.com"));
        clock_at(TEST_T0 + 11);
        ck_step(model_member_add(m, "W", "wa@x.com"));
        clock_at(TEST_T0 + 12);
        ck_step(model_member_add(m, "W", "wm@x.com"));
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0);
        ck_holder(m, "Q", "u@x.com", false, 1, TEST_T0 + 2);
        ck_product(m, "P", 2, 2, 3);
        ck_product(m, "Q", 1, 1, 1);

        clock_at(TEST_T0 + 30);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_deleted("u@x.com", TEST_T0 + 30);
        ck_holder(m, "P", "wz@x.com", false, 1, TEST_T0 + 30);
        ck_wait("P", "wa@x.com", false, 1, TEST_T0 + 11);
        ck_wait("P", "wm@x.com", false, 1, TEST_T0 + 12);
        ck_holder(m, "Q", "q1@x.com", false, 1, TEST_T0 + 30);
        ck_holder(m, "P", "o@x.com", true, 0, TEST_T0 + 1);
        ck_product(m, "P", 2, 2, 2);
        ck_product(m, "Q", 1, 1, 0);
        ck_no_seat(m, "P", "u@x.com");
        ck_no_seat(m, "Q", "u@x.com");
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, "o@x.com", "wz@x.com");
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "Q", NULL, "q1@x.com");
        ck_listing(m, MODEL_LIST_SUSPENDED_LICENSES, "u@x.com", NULL, "P", "Q");
        ck_suspended("P", "u@x.com", true, TEST_T0, "G");
        ck_suspended("Q", "u@x.com", false, TEST_T0 + 2, "G2");
        ck_err(names_collect(m, MODEL_LIST_USER_LICENSES, "u@x.com", NULL,
                             &(struct names){ 0 }), ENOENT);

        /* the paths stay as they were at deletion */
        clock_at(TEST_T0 + 40);
        ck_step(model_group_license_remove(m, "P", "G"));
        ck_step(model_group_license_remove(m, "Q", "G2"));
        ck_step(model_group_delete(m, "G2"));
        ck_suspended("P", "u@x.com", true, TEST_T0, "G");
        ck_suspended("Q", "u@x.com", false, TEST_T0 + 2, "G2");
        ck_listing(m, MODEL_LIST_SUSPENDED_LICENSES, "u@x.com", NULL, "P", "Q");
        /* and use no seat: Q's seat went to q1, whose group license is gone, so it is free */
        ck_product(m, "Q", 1, 0, 0);
        ck_product(m, "P", 2, 2, 2);
}
END_TEST

/* The deleted user's waits end: waiting counts drop and later seats go to the others. */
START_TEST(test_delete_ends_waits)
{
        make_product("P", 1);
        make_user("h@x.com", "US");
        make_user("u@x.com", NULL);
        make_user("v@x.com", NULL);
        ck_step(model_direct_assign(m, "P", "h@x.com"));
        make_group("G", "u@x.com", "v@x.com");
        make_group("H", "u@x.com");
        clock_at(TEST_T0 + 5);
        ck_step(model_group_license_add(m, "P", "H"));
        clock_at(TEST_T0 + 6);
        ck_step(model_group_license_add(m, "P", "G"));
        ck_wait("P", "u@x.com", false, 2, TEST_T0 + 5);
        ck_wait("P", "v@x.com", false, 1, TEST_T0 + 6);
        ck_product(m, "P", 1, 1, 2);
        ck_group_license("P", "G", 2, 2);

        clock_at(TEST_T0 + 10);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_no_seat(m, "P", "u@x.com");
        ck_product(m, "P", 1, 1, 1);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "P", NULL, "v@x.com");
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G", NULL, "v@x.com");
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "H", NULL, NULL);
        ck_group_license("P", "G", 1, 1);
        ck_group_license("P", "H", 0, 0);
        /* a wait is not a license: nothing is suspended */
        ck_listing(m, MODEL_LIST_SUSPENDED_LICENSES, "u@x.com", NULL, NULL);

        /* u, the longest waiter, is out of the queue: the next seat goes to v */
        clock_at(TEST_T0 + 20);
        ck_step(model_product_set_total(m, "P", 2));
        ck_holder(m, "P", "v@x.com", false, 1, TEST_T0 + 20);
        ck_product(m, "P", 2, 2, 0);
        ck_step(model_product_set_total(m, "P", 3));
        ck_no_seat(m, "P", "u@x.com");
        ck_product(m, "P", 3, 2, 0);
}
END_TEST

/* Memberships become inactive: out of the member listings and counts, kept with their times. */
START_TEST(test_delete_makes_memberships_inactive)
{
        struct model_member member;

        make_product("P", 5);
        make_user("a@x.com", NULL);
        make_user("u@x.com", NULL);
        make_user("b@x.com", NULL);
        ck_ok(model_group_create(m, "Sales"));
        ck_ok(model_group_create(m, "Eng"));
        clock_at(TEST_T0 + 3);
        ck_step(model_member_add(m, "Sales", "a@x.com"));
        clock_at(TEST_T0 + 5);
        ck_step(model_member_add(m, "Sales", "u@x.com"));
        clock_at(TEST_T0 + 7);
        ck_step(model_member_add(m, "Eng", "u@x.com"));
        ck_step(model_member_add(m, "Sales", "b@x.com"));
        ck_step(model_group_license_add(m, "P", "Sales"));
        ck_group_members("Sales", 3);
        ck_group_license("P", "Sales", 3, 0);

        clock_at(TEST_T0 + 9);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "Sales", NULL, "a@x.com", "b@x.com");
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "Eng", NULL, NULL);
        ck_group_members("Sales", 2);
        ck_group_members("Eng", 0);
        ck_group_license("P", "Sales", 2, 0);
        ck_product(m, "P", 5, 2, 0);
        ck_err(model_member_get(m, "Sales", "u@x.com", &member), ENOENT);
        ck_err(names_collect(m, MODEL_LIST_USER_GROUPS, "u@x.com", NULL, &(struct names){ 0 }),
               ENOENT);
        ck_listing(m, MODEL_LIST_INACTIVE_GROUPS, "u@x.com", NULL, "Eng", "Sales");
        ck_inactive("Sales", "u@x.com", TEST_T0 + 5);
        ck_inactive("Eng", "u@x.com", TEST_T0 + 7);
        ck_err(model_inactive_member_get(m, "Sales", "a@x.com", &member), ENOENT);
        /* ending an inactive membership by hand: no such member */
        ck_refused_unchanged(model_member_remove(m, "Sales", "u@x.com"), ENOENT);
}
END_TEST

/* A deleted user is no user: lookups, mkdir, assignments and memberships refuse it. */
START_TEST(test_deleted_user_is_not_a_user)
{
        struct model_user user;

        make_product("P", 5);
        clock_at(TEST_T0 + 1);
        make_user("u@x.com", "FR");
        ck_ok(model_user_set_display_name(m, "u@x.com", "Ulla"));
        ck_ok(model_group_create(m, "G"));
        clock_at(TEST_T0 + 100);
        ck_step(model_user_delete(m, "u@x.com"));

        ck_err(model_user_get(m, "u@x.com", &user), ENOENT);
        ck_ok(model_deleted_user_get(m, "u@x.com", &user));
        ck_assert_int_eq(user.deleted, TEST_T0 + 100);
        ck_assert_int_eq(user.created, TEST_T0 + 1);
        ck_assert_str_eq(user.display_name, "Ulla");
        ck_assert_str_eq(user.usage_location, "FR");
        ck_listing(m, MODEL_LIST_USERS, NULL, NULL, NULL);
        ck_listing(m, MODEL_LIST_DELETED_USERS, NULL, NULL, "u@x.com");

        clock_at(TEST_T0 + 200);
        ck_refused_unchanged(model_user_create(m, "u@x.com"), EEXIST);
        ck_refused_unchanged(model_direct_assign(m, "P", "u@x.com"), ENOENT);
        ck_refused_unchanged(model_member_add(m, "G", "u@x.com"), ENOENT);
        ck_refused_unchanged(model_user_delete(m, "u@x.com"), ENOENT);
        ck_refused_unchanged(model_user_set_usage_location(m, "u@x.com", "DE"), ENOENT);
        ck_group_members("G", 0);
        ck_product(m, "P", 5, 0, 0);
        /* the deletion time is the first deletion's */
        ck_deleted("u@x.com", TEST_T0 + 100);

        /* lookups of things that were never deleted */
        ck_err(model_deleted_user_get(m, "nobody@x.com", &user), ENOENT);
        ck_refused_unchanged(model_user_delete(m, "nobody@x.com"), ENOENT);
}
END_TEST

/* rmdir products/SKU: ENOTEMPTY while a deleted user keeps a suspended license of it. */
START_TEST(test_product_delete_waits_for_purge)
{
        struct model_product product;

        make_product("P", 1);
        make_product("Q", 1);
        make_user("u@x.com", "US");
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_step(model_user_delete(m, "u@x.com"));
        ck_product(m, "P", 1, 0, 0);
        ck_refused_unchanged(model_product_delete(m, "P"), ENOTEMPTY);
        ck_ok(model_product_get(m, "P", &product));
        /* a product the deleted user never had goes */
        ck_step(model_product_delete(m, "Q"));
        ck_step(model_user_purge(m, "u@x.com"));
        ck_step(model_product_delete(m, "P"));
        ck_err(model_product_get(m, "P", &product), ENOENT);
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, NULL);
}
END_TEST

/* rmdir groups/G ends the inactive memberships too; a restore does not bring them back. */
START_TEST(test_group_delete_ends_inactive_memberships)
{
        struct model_member member;

        make_user("u@x.com", NULL);
        make_user("a@x.com", NULL);
        clock_at(TEST_T0 + 1);
        make_group("G", "u@x.com", "a@x.com");
        clock_at(TEST_T0 + 2);
        make_group("H", "u@x.com");
        ck_step(model_user_delete(m, "u@x.com"));
        ck_step(model_group_delete(m, "G"));
        ck_listing(m, MODEL_LIST_INACTIVE_GROUPS, "u@x.com", NULL, "H");
        ck_err(model_inactive_member_get(m, "G", "u@x.com", &member), ENOENT);
        ck_inactive("H", "u@x.com", TEST_T0 + 2);

        /* a new group of the same name does not have u, before or after the restore */
        ck_step(model_group_create(m, "G"));
        ck_listing(m, MODEL_LIST_INACTIVE_GROUPS, "u@x.com", NULL, "H");
        clock_at(TEST_T0 + 50);
        ck_step(model_user_restore(m, "u@x.com"));
        ck_live("u@x.com");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "u@x.com", NULL, "H");
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "G", NULL, NULL);
        ck_err(model_member_get(m, "G", "u@x.com", &member), ENOENT);
        ck_member("H", "u@x.com", TEST_T0 + 2);
}
END_TEST

/* --- restoring ------------------------------------------------------------------------------ */

/*
 * With free seats everything comes back: direct and inherited licenses (since the restore),
 * memberships with their join time kept, at the end of the groups' join order.
 */
START_TEST(test_restore_with_free_seats)
{
        make_product("P", 3);
        make_product("Q", 3);
        make_product("R", 2);
        make_user("a@x.com", NULL);
        make_user("u@x.com", "US");
        make_user("b@x.com", NULL);
        ck_ok(model_group_create(m, "G"));
        ck_ok(model_group_create(m, "H"));
        clock_at(TEST_T0 + 1);
        ck_step(model_member_add(m, "G", "a@x.com"));
        clock_at(TEST_T0 + 2);
        ck_step(model_member_add(m, "G", "u@x.com"));
        ck_step(model_member_add(m, "H", "u@x.com"));
        clock_at(TEST_T0 + 3);
        ck_step(model_member_add(m, "G", "b@x.com"));
        ck_step(model_group_license_add(m, "Q", "G"));
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_step(model_direct_assign(m, "Q", "u@x.com"));
        ck_holder(m, "Q", "u@x.com", true, 1, TEST_T0 + 3);

        clock_at(TEST_T0 + 10);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_product(m, "P", 3, 0, 0);
        ck_product(m, "Q", 3, 2, 0);
        ck_suspended("Q", "u@x.com", true, TEST_T0 + 3, "G");

        clock_at(TEST_T0 + 100);
        ck_step(model_user_restore(m, "u@x.com"));
        ck_live("u@x.com");
        ck_listing(m, MODEL_LIST_USERS, NULL, NULL, "a@x.com", "b@x.com", "u@x.com");
        ck_listing(m, MODEL_LIST_DELETED_USERS, NULL, NULL, NULL);
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0 + 100);
        ck_holder(m, "Q", "u@x.com", true, 1, TEST_T0 + 100);
        ck_product(m, "P", 3, 1, 0);
        ck_product(m, "Q", 3, 3, 0);
        ck_listing(m, MODEL_LIST_USER_LICENSES, "u@x.com", NULL, "P", "Q");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "u@x.com", NULL, "G", "H");
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "G", NULL, "a@x.com", "b@x.com", "u@x.com");
        ck_member("G", "u@x.com", TEST_T0 + 2);
        ck_member("H", "u@x.com", TEST_T0 + 2);
        ck_group_members("G", 3);
        ck_group_license("Q", "G", 3, 0);

        /* u rejoined G after b: a new license with two seats serves a and b, u waits */
        clock_at(TEST_T0 + 200);
        ck_step(model_group_license_add(m, "R", "G"));
        ck_holder(m, "R", "a@x.com", false, 1, TEST_T0 + 200);
        ck_holder(m, "R", "b@x.com", false, 1, TEST_T0 + 200);
        ck_wait("R", "u@x.com", false, 1, TEST_T0 + 200);
        ck_refused_unchanged(model_user_restore(m, "u@x.com"), ENOENT);
}
END_TEST

/*
 * Without free seats the direct license and the inherited one wait (CountViolation), from the
 * restore, behind everyone who waited before; the direct wait is served like any other.
 */
START_TEST(test_restore_without_free_seats)
{
        make_product("P", 1);
        make_product("Q", 1);
        make_user("u@x.com", "US");
        make_user("o@x.com", "US");
        make_user("e@x.com", NULL);
        make_user("w@x.com", NULL);
        make_user("late@x.com", NULL);
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        make_group("G", "u@x.com", "w@x.com");
        ck_step(model_group_license_add(m, "Q", "G"));
        ck_wait("Q", "w@x.com", false, 1, TEST_T0);

        clock_at(TEST_T0 + 10);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_holder(m, "Q", "w@x.com", false, 1, TEST_T0 + 10);
        ck_product(m, "P", 1, 0, 0);
        clock_at(TEST_T0 + 20);
        ck_step(model_direct_assign(m, "P", "o@x.com"));
        make_group("E", "e@x.com");
        clock_at(TEST_T0 + 30);
        ck_step(model_group_license_add(m, "P", "E"));
        ck_wait("P", "e@x.com", false, 1, TEST_T0 + 30);

        clock_at(TEST_T0 + 50);
        ck_step(model_user_restore(m, "u@x.com"));
        ck_live("u@x.com");
        ck_wait("P", "u@x.com", true, 0, TEST_T0 + 50);
        ck_wait("Q", "u@x.com", false, 1, TEST_T0 + 50);
        ck_holder(m, "P", "o@x.com", true, 0, TEST_T0 + 20);
        ck_holder(m, "Q", "w@x.com", false, 1, TEST_T0 + 10);
        ck_product(m, "P", 1, 1, 2);
        ck_product(m, "Q", 1, 1, 1);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "P", NULL, "e@x.com", "u@x.com");
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "Q", NULL, "u@x.com");
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G", NULL, "u@x.com");
        ck_listing(m, MODEL_LIST_WAITER_PRODUCTS, "G", "u@x.com", "Q");
        ck_group_license("Q", "G", 2, 1);
        ck_listing(m, MODEL_LIST_USER_LICENSES, "u@x.com", NULL, NULL);
        ck_member("G", "u@x.com", TEST_T0);

        /* a later waiter queues behind u */
        clock_at(TEST_T0 + 60);
        ck_step(model_member_add(m, "E", "late@x.com"));
        ck_wait("P", "late@x.com", false, 1, TEST_T0 + 60);

        /* seats go in queue order: e (waiting before the restore), then u, then late */
        clock_at(TEST_T0 + 70);
        ck_step(model_product_set_total(m, "P", 2));
        ck_holder(m, "P", "e@x.com", false, 1, TEST_T0 + 70);
        ck_wait("P", "u@x.com", true, 0, TEST_T0 + 50);
        clock_at(TEST_T0 + 80);
        ck_step(model_product_set_total(m, "P", 3));
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0 + 80);
        ck_wait("P", "late@x.com", false, 1, TEST_T0 + 60);
        ck_product(m, "P", 3, 3, 1);
        /* the restored direct license is an ordinary one now */
        clock_at(TEST_T0 + 90);
        ck_step(model_direct_remove(m, "P", "u@x.com"));
        ck_holder(m, "P", "late@x.com", false, 1, TEST_T0 + 90);
        ck_no_seat(m, "P", "u@x.com");

        /* Q's seat freed by w leaving goes to u */
        clock_at(TEST_T0 + 95);
        ck_step(model_member_remove(m, "G", "w@x.com"));
        ck_holder(m, "Q", "u@x.com", false, 1, TEST_T0 + 95);
}
END_TEST

/* A group that lost its license meanwhile gives nothing back; one that gained one gives it. */
START_TEST(test_restore_follows_the_groups_now)
{
        make_product("Q", 5);
        make_product("R", 5);
        make_product("S", 0);
        make_user("u@x.com", NULL);
        clock_at(TEST_T0 + 1);
        make_group("Lost", "u@x.com");
        clock_at(TEST_T0 + 2);
        make_group("Gained", "u@x.com");
        ck_step(model_group_license_add(m, "Q", "Lost"));
        ck_holder(m, "Q", "u@x.com", false, 1, TEST_T0 + 2);

        clock_at(TEST_T0 + 10);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_suspended("Q", "u@x.com", false, TEST_T0 + 2, "Lost");
        clock_at(TEST_T0 + 20);
        ck_step(model_group_license_remove(m, "Q", "Lost"));
        ck_step(model_group_license_add(m, "R", "Gained"));
        ck_step(model_group_license_add(m, "S", "Gained"));
        ck_group_license("R", "Gained", 0, 0);
        ck_product(m, "R", 5, 0, 0);

        clock_at(TEST_T0 + 30);
        ck_step(model_user_restore(m, "u@x.com"));
        ck_no_seat(m, "Q", "u@x.com");
        ck_product(m, "Q", 5, 0, 0);
        ck_holder(m, "R", "u@x.com", false, 1, TEST_T0 + 30);
        ck_wait("S", "u@x.com", false, 1, TEST_T0 + 30);
        ck_listing(m, MODEL_LIST_USER_LICENSES, "u@x.com", NULL, "R");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "u@x.com", NULL, "Gained", "Lost");
        ck_member("Lost", "u@x.com", TEST_T0 + 1);
        ck_group_license("R", "Gained", 1, 0);
        ck_group_license("S", "Gained", 1, 1);
}
END_TEST

/* Deleted again after a restore: the records are those of the second deletion only. */
START_TEST(test_second_deletion_keeps_the_new_state)
{
        make_product("P", 5);
        make_product("Q", 5);
        make_user("u@x.com", "US");
        clock_at(TEST_T0 + 1);
        make_group("G", "u@x.com");
        clock_at(TEST_T0 + 2);
        make_group("H", "u@x.com");
        ck_step(model_group_license_add(m, "P", "G"));
        ck_step(model_group_license_add(m, "P", "H"));
        ck_step(model_direct_assign(m, "Q", "u@x.com"));
        clock_at(TEST_T0 + 10);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_suspended("P", "u@x.com", false, TEST_T0 + 2, "G", "H");
        ck_suspended("Q", "u@x.com", true, TEST_T0 + 2, NULL);

        clock_at(TEST_T0 + 20);
        ck_step(model_user_restore(m, "u@x.com"));
        ck_step(model_member_remove(m, "G", "u@x.com"));
        ck_step(model_direct_remove(m, "Q", "u@x.com"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0 + 20);
        clock_at(TEST_T0 + 30);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_deleted("u@x.com", TEST_T0 + 30);
        ck_listing(m, MODEL_LIST_SUSPENDED_LICENSES, "u@x.com", NULL, "P");
        ck_suspended("P", "u@x.com", false, TEST_T0 + 20, "H");
        ck_listing(m, MODEL_LIST_INACTIVE_GROUPS, "u@x.com", NULL, "H");
        ck_inactive("H", "u@x.com", TEST_T0 + 2);
        ck_product(m, "P", 5, 0, 0);
        ck_product(m, "Q", 5, 0, 0);
}
END_TEST

START_TEST(test_restore_of_a_user_never_deleted)
{
        make_user("u@x.com", "US");
        ck_refused_unchanged(model_user_restore(m, "u@x.com"), ENOENT);
        ck_refused_unchanged(model_user_restore(m, "nobody@x.com"), ENOENT);
        ck_refused_unchanged(model_user_purge(m, "u@x.com"), ENOENT);
        ck_refused_unchanged(model_user_purge(m, "nobody@x.com"), ENOENT);
        ck_live("u@x.com");
}
END_TEST

/* --- waiting direct licenses ---------------------------------------------------------------- */

/*
 * Restores two users into full products: u waits for P (1 seat, o's) through its direct license
 * only, since T0 + 20; v waited for Q (1 seat, w's) directly and through group G from T0 + 21 and
 * got the seat when w left G at T0 + 22. The clock is left at T0 + 22.
 */
static void make_direct_waiters(void)
{
        make_product("P", 2);
        make_product("Q", 1);
        make_user("u@x.com", "US");
        make_user("v@x.com", "US");
        make_user("w@x.com", NULL);
        make_user("o@x.com", "US");
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_step(model_direct_assign(m, "Q", "v@x.com"));
        make_group("G", "v@x.com", "w@x.com");
        ck_step(model_group_license_add(m, "Q", "G"));
        ck_wait("Q", "w@x.com", false, 1, TEST_T0);
        clock_at(TEST_T0 + 10);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_step(model_user_delete(m, "v@x.com"));
        ck_holder(m, "Q", "w@x.com", false, 1, TEST_T0 + 10);
        ck_step(model_direct_assign(m, "P", "o@x.com"));
        ck_step(model_product_set_total(m, "P", 1));
        clock_at(TEST_T0 + 20);
        ck_step(model_user_restore(m, "u@x.com"));
        clock_at(TEST_T0 + 21);
        ck_step(model_user_restore(m, "v@x.com"));
        ck_wait("P", "u@x.com", true, 0, TEST_T0 + 20);
        ck_wait("Q", "v@x.com", true, 1, TEST_T0 + 21);
        /* w leaves G: its seat goes to v, direct and group paths at once */
        clock_at(TEST_T0 + 22);
        ck_step(model_member_remove(m, "G", "w@x.com"));
        ck_holder(m, "Q", "v@x.com", true, 1, TEST_T0 + 22);
}

START_TEST(test_withdraw_waiting_direct_license)
{
        make_direct_waiters();
        ck_product(m, "P", 1, 1, 1);

        clock_at(TEST_T0 + 30);
        ck_step(model_direct_withdraw(m, "P", "u@x.com"));
        ck_no_seat(m, "P", "u@x.com");
        ck_product(m, "P", 1, 1, 0);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "P", NULL, NULL);
        /* no longer waiting: ENOENT; a holder is not waiting either */
        ck_refused_unchanged(model_direct_withdraw(m, "P", "u@x.com"), ENOENT);
        ck_refused_unchanged(model_direct_withdraw(m, "P", "o@x.com"), ENOENT);
        ck_refused_unchanged(model_direct_withdraw(m, "NOPE", "u@x.com"), ENOENT);
        /* a freed seat no longer goes to u */
        ck_step(model_direct_remove(m, "P", "o@x.com"));
        ck_product(m, "P", 1, 0, 0);
        ck_no_seat(m, "P", "u@x.com");
}
END_TEST

/* Withdrawing the direct path of a user who also waits through a group keeps the wait. */
START_TEST(test_withdraw_keeps_the_group_wait)
{
        make_product("Q", 1);
        make_user("v@x.com", "US");
        make_user("w@x.com", NULL);
        make_user("y@x.com", NULL);
        ck_step(model_direct_assign(m, "Q", "v@x.com"));
        make_group("G", "v@x.com", "w@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "Q", "G"));
        clock_at(TEST_T0 + 10);
        ck_step(model_user_delete(m, "v@x.com"));
        ck_holder(m, "Q", "w@x.com", false, 1, TEST_T0 + 10);
        clock_at(TEST_T0 + 20);
        ck_step(model_user_restore(m, "v@x.com"));
        ck_wait("Q", "v@x.com", true, 1, TEST_T0 + 20);
        clock_at(TEST_T0 + 25);
        make_group("Y", "y@x.com");
        ck_step(model_group_license_add(m, "Q", "Y"));
        ck_wait("Q", "y@x.com", false, 1, TEST_T0 + 25);

        clock_at(TEST_T0 + 30);
        ck_step(model_direct_withdraw(m, "Q", "v@x.com"));
        ck_wait("Q", "v@x.com", false, 1, TEST_T0 + 20);
        ck_product(m, "Q", 1, 1, 2);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G", NULL, "v@x.com");
        /* now it waits only through G: EPERM */
        ck_refused_unchanged(model_direct_withdraw(m, "Q", "v@x.com"), EPERM);
        ck_refused_unchanged(model_direct_withdraw(m, "Q", "y@x.com"), EPERM);
        /* still ahead of y in the queue */
        clock_at(TEST_T0 + 40);
        ck_step(model_product_set_total(m, "Q", 2));
        ck_holder(m, "Q", "v@x.com", false, 1, TEST_T0 + 40);
        ck_wait("Q", "y@x.com", false, 1, TEST_T0 + 25);
}
END_TEST

/* A waiting user's holder path: ENOSPC; its usage location cannot be cleared: EBUSY. */
START_TEST(test_waiting_direct_license_refusals)
{
        make_direct_waiters();
        make_user("g@x.com", "US");
        ck_step(model_member_add(m, "G", "g@x.com"));
        ck_wait("Q", "g@x.com", false, 1, TEST_T0 + 22);

        ck_refused_unchanged(model_direct_assign(m, "P", "u@x.com"), ENOSPC);
        ck_refused_unchanged(model_direct_assign(m, "Q", "g@x.com"), ENOSPC);
        ck_refused_unchanged(model_user_set_usage_location(m, "u@x.com", ""), EBUSY);
        /* another code is fine */
        ck_step(model_user_set_usage_location(m, "u@x.com", "de"));
        ck_wait("P", "u@x.com", true, 0, TEST_T0 + 20);
        /* after the withdrawal nothing needs the usage location */
        ck_step(model_direct_withdraw(m, "P", "u@x.com"));
        ck_step(model_user_set_usage_location(m, "u@x.com", ""));
}
END_TEST

/* Deleting a user whose direct license waits keeps that assignment; a restore resumes it. */
START_TEST(test_delete_keeps_a_waiting_direct_license)
{
        make_direct_waiters();
        clock_at(TEST_T0 + 40);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_product(m, "P", 1, 1, 0);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "P", NULL, NULL);
        ck_listing(m, MODEL_LIST_SUSPENDED_LICENSES, "u@x.com", NULL, "P");
        ck_suspended("P", "u@x.com", true, TEST_T0 + 20, NULL);
        clock_at(TEST_T0 + 50);
        ck_step(model_user_restore(m, "u@x.com"));
        ck_wait("P", "u@x.com", true, 0, TEST_T0 + 50);
        ck_product(m, "P", 1, 1, 1);
}
END_TEST

/* --- purging -------------------------------------------------------------------------------- */

START_TEST(test_purge_removes_everything)
{
        struct model_user user;
        struct model_holder held;
        struct model_member member;

        make_product("P", 1);
        make_user("u@x.com", "US");
        make_user("k@x.com", "US");
        make_group("G", "u@x.com");
        make_group("H", "u@x.com", "k@x.com");
        ck_step(model_group_license_add(m, "P", "G"));
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_step(model_user_delete(m, "u@x.com"));
        ck_step(model_user_delete(m, "k@x.com"));
        ck_listing(m, MODEL_LIST_DELETED_USERS, NULL, NULL, "k@x.com", "u@x.com");

        clock_at(TEST_T0 + 5);
        ck_step(model_user_purge(m, "u@x.com"));
        ck_listing(m, MODEL_LIST_DELETED_USERS, NULL, NULL, "k@x.com");
        ck_listing(m, MODEL_LIST_USERS, NULL, NULL, NULL);
        ck_err(model_deleted_user_get(m, "u@x.com", &user), ENOENT);
        ck_err(model_user_get(m, "u@x.com", &user), ENOENT);
        ck_err(model_suspended_get(m, "P", "u@x.com", &held), ENOENT);
        ck_err(model_inactive_member_get(m, "G", "u@x.com", &member), ENOENT);
        ck_err(model_inactive_member_get(m, "H", "u@x.com", &member), ENOENT);
        ck_err(names_collect(m, MODEL_LIST_SUSPENDED_LICENSES, "u@x.com", NULL,
                             &(struct names){ 0 }), ENOENT);
        ck_err(names_collect(m, MODEL_LIST_INACTIVE_GROUPS, "u@x.com", NULL,
                             &(struct names){ 0 }), ENOENT);
        ck_err(names_collect(m, MODEL_LIST_SUSPENDED_PATHS, "P", "u@x.com",
                             &(struct names){ 0 }), ENOENT);
        /* the other deleted user is untouched */
        ck_inactive("H", "k@x.com", TEST_T0);
        ck_refused_unchanged(model_user_purge(m, "u@x.com"), ENOENT);
        ck_refused_unchanged(model_user_restore(m, "u@x.com"), ENOENT);

        /* the UPN is free again, for a user with nothing */
        clock_at(TEST_T0 + 6);
        ck_step(model_user_create(m, "u@x.com"));
        ck_ok(model_user_get(m, "u@x.com", &user));
        ck_assert_int_eq(user.created, TEST_T0 + 6);
        ck_assert_str_eq(user.usage_location, "");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "u@x.com", NULL, NULL);
        ck_listing(m, MODEL_LIST_USER_LICENSES, "u@x.com", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "G", NULL, NULL);
        ck_group_license("P", "G", 0, 0);
        ck_product(m, "P", 1, 0, 0);
}
END_TEST

/* Purged automatically only when deleted more than 30 days ago, by the model's clock. */
START_TEST(test_purge_expired)
{
        struct model_user user;

        make_product("P", 1);
        make_user("a@x.com", "US");
        make_user("b@x.com", NULL);
        make_user("c@x.com", NULL);
        make_user("live@x.com", NULL);
        ck_step(model_direct_assign(m, "P", "a@x.com"));
        ck_step(model_user_delete(m, "a@x.com"));
        clock_at(TEST_T0 + 1);
        ck_step(model_user_delete(m, "b@x.com"));
        clock_at(TEST_T0 + 100);
        ck_step(model_user_delete(m, "c@x.com"));

        /* 29 days after: nothing */
        clock_at(TEST_T0 + 29 * DAY);
        ck_assert_int_eq(model_purge_expired(m), 0);
        /* exactly 30 days after a's deletion: a is kept */
        clock_at(TEST_T0 + PURGE_AFTER);
        ck_assert_int_eq(model_purge_expired(m), 0);
        check_invariants(m);
        ck_listing(m, MODEL_LIST_DELETED_USERS, NULL, NULL, "a@x.com", "b@x.com", "c@x.com");
        /* 30 days and one second: a goes; b (deleted a second later) stays */
        clock_at(TEST_T0 + PURGE_AFTER + 1);
        ck_assert_int_eq(model_purge_expired(m), 1);
        check_invariants(m);
        ck_listing(m, MODEL_LIST_DELETED_USERS, NULL, NULL, "b@x.com", "c@x.com");
        ck_err(model_deleted_user_get(m, "a@x.com", &user), ENOENT);
        ck_ok(model_deleted_user_get(m, "b@x.com", &user));
        /* a's suspended license went with it */
        ck_step(model_product_delete(m, "P"));
        /* a clock far ahead purges the rest at once and counts them; live users stay */
        clock_at(TEST_T0 + 100 + PURGE_AFTER + 1);
        ck_assert_int_eq(model_purge_expired(m), 2);
        check_invariants(m);
        ck_listing(m, MODEL_LIST_DELETED_USERS, NULL, NULL, NULL);
        ck_listing(m, MODEL_LIST_USERS, NULL, NULL, "live@x.com");
        ck_assert_int_eq(model_purge_expired(m), 0);
}
END_TEST

/* A restore resets the clock: a user restored and deleted again counts from the new deletion. */
START_TEST(test_purge_counts_from_the_last_deletion)
{
        make_user("u@x.com", NULL);
        ck_step(model_user_delete(m, "u@x.com"));
        clock_at(TEST_T0 + 20 * DAY);
        ck_step(model_user_restore(m, "u@x.com"));
        clock_at(TEST_T0 + 25 * DAY);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_deleted("u@x.com", TEST_T0 + 25 * DAY);
        clock_at(TEST_T0 + 40 * DAY);
        ck_assert_int_eq(model_purge_expired(m), 0);
        ck_deleted("u@x.com", TEST_T0 + 25 * DAY);
        clock_at(TEST_T0 + 55 * DAY + 1);
        ck_assert_int_eq(model_purge_expired(m), 1);
        ck_listing(m, MODEL_LIST_DELETED_USERS, NULL, NULL, NULL);
        check_invariants(m);
}
END_TEST

static Suite *lifecycle_suite(void)
{
        Suite *suite = suite_create("lifecycle");
        TCase *tcase;

        tcase = model_tcase("delete");
        tcase_add_test(tcase, test_delete_frees_seats_and_suspends);
        tcase_add_test(tcase, test_delete_ends_waits);
        tcase_add_test(tcase, test_delete_makes_memberships_inactive);
        tcase_add_test(tcase, test_deleted_user_is_not_a_user);
        tcase_add_test(tcase, test_product_delete_waits_for_purge);
        tcase_add_test(tcase, test_group_delete_ends_inactive_memberships);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("restore");
        tcase_add_test(tcase, test_restore_with_free_seats);
        tcase_add_test(tcase, test_restore_without_free_seats);
        tcase_add_test(tcase, test_restore_follows_the_groups_now);
        tcase_add_test(tcase, test_second_deletion_keeps_the_new_state);
        tcase_add_test(tcase, test_restore_of_a_user_never_deleted);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("waiting direct licenses");
        tcase_add_test(tcase, test_withdraw_waiting_direct_license);
        tcase_add_test(tcase, test_withdraw_keeps_the_group_wait);
        tcase_add_test(tcase, test_waiting_direct_license_refusals);
        tcase_add_test(tcase, test_delete_keeps_a_waiting_direct_license);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("purge");
        tcase_add_test(tcase, test_purge_removes_everything);
        tcase_add_test(tcase, test_purge_expired);
        tcase_add_test(tcase, test_purge_counts_from_the_last_deletion);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(lifecycle_suite());
}
