/*
 * The seat queue: when a group is bigger than the free seats, members get seats in the order
 * they joined and the rest wait; whenever seats free up (a direct license removed, the total
 * raised, a membership ended, a group license removed) the longest-waiting users get them
 * first; a user in several licensed groups waits from the earliest moment. Every step is
 * followed by the full invariant check. Names are chosen so that neither alphabetical order
 * nor creation order gives the expected answer by accident.
 */
#include "check_helpers.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a group bigger than the free seats ------------------------------------------------------ */

#define JOINERS 5

struct join_case {
        const char *order[JOINERS];     /* join order */
        int free;                       /* free seats when the group gets the product */
        bool same_second;               /* all joins at one clock value */
};

static const struct join_case join_cases[] = {
        { { "m3@x.com", "m1@x.com", "m4@x.com", "m2@x.com", "m5@x.com" }, 2, false },
        { { "m3@x.com", "m1@x.com", "m4@x.com", "m2@x.com", "m5@x.com" }, 2, true },
        { { "m5@x.com", "m4@x.com", "m3@x.com", "m2@x.com", "m1@x.com" }, 3, true },
        { { "m2@x.com", "m5@x.com", "m1@x.com", "m3@x.com", "m4@x.com" }, 1, false },
        { { "m1@x.com", "m2@x.com", "m3@x.com", "m4@x.com", "m5@x.com" }, 0, true },
        { { "m4@x.com", "m2@x.com", "m5@x.com", "m1@x.com", "m3@x.com" }, 5, false },
};

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names order[from..to) sorted bytewise, NULL-terminated, in `ret`. */
static void sorted_slice(const char *const order[], int from, int to, const char *ret[])
{
        int count = 0;

        for (int i = from; i < to; i++)
                ret[count++] = order[i];
        qsort(ret, (size_t)count, sizeof(ret[0]), compare_strings);
        ret[count] = NULL;
}

START_TEST(test_join_order_decides)
{
        const struct join_case *test = &join_cases[_i];
        const char *expected[JOINERS + 1];
        struct model_group_license license;
        time_t licensed_at = TEST_T0 + 100;

        /* one seat is held directly, so the group competes for `free` seats only */
        make_product("P", test->free + 1);
        make_user("direct@x.com", "US");
        ck_step(model_direct_assign(m, "P", "direct@x.com"));
        for (int i = 0; i < JOINERS; i++)
                make_user(test->order[JOINERS - 1 - i], i % 2 ? "US" : NULL);
        ck_ok(model_group_create(m, "G"));
        for (int i = 0; i < JOINERS; i++) {
                if (!test->same_second)
                        clock_at(TEST_T0 + 10 + i);
                ck_step(model_member_add(m, "G", test->order[i]));
        }
        clock_at(licensed_at);
        ck_step(model_group_license_add(m, "P", "G"));

        for (int i = 0; i < JOINERS; i++) {
                if (i < test->free)
                        ck_holder(m, "P", test->order[i], false, 1, licensed_at);
                else
                        ck_waiter(m, "P", test->order[i], 1, licensed_at);
        }
        ck_product(m, "P", test->free + 1, test->free + 1, JOINERS - test->free);
        sorted_slice(test->order, test->free, JOINERS, expected);
        ck_listing_at(CK_WHERE, m, MODEL_LIST_PRODUCT_WAITERS, "P", NULL, expected);
        ck_listing_at(CK_WHERE, m, MODEL_LIST_GROUP_WAITERS, "G", NULL, expected);
        ck_ok(model_group_license_get(m, "P", "G", &license));
        ck_assert_int_eq(license.members, JOINERS);
        ck_assert_int_eq(license.errors, JOINERS - test->free);
        ck_assert_int_eq(license.since, licensed_at);

        /* seats added one at a time go to the waiters in their join order */
        for (int i = test->free; i < JOINERS; i++) {
                time_t raised_at = licensed_at + 10 + i;

                clock_at(raised_at);
                ck_step(model_product_set_total(m, "P", i + 2));
                ck_holder(m, "P", test->order[i], false, 1, raised_at);
                for (int j = i + 1; j < JOINERS; j++)
                        ck_waiter(m, "P", test->order[j], 1, licensed_at);
        }
        ck_product(m, "P", JOINERS + 1, JOINERS + 1, 0);
}
END_TEST

/* Members who already hold the product take no new seat when their group gets it. */
START_TEST(test_group_license_counts_existing_holders)
{
        make_product("P", 2);
        make_user("u@x.com", "US");
        make_user("v@x.com", "US");
        make_user("w@x.com", "US");
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        make_group("G", "v@x.com", "u@x.com", "w@x.com");
        clock_at(TEST_T0 + 5);
        ck_step(model_group_license_add(m, "P", "G"));
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0);
        ck_holder(m, "P", "v@x.com", false, 1, TEST_T0 + 5);
        ck_waiter(m, "P", "w@x.com", 1, TEST_T0 + 5);
        ck_product(m, "P", 2, 2, 1);
}
END_TEST

/* --- seats freed: oldest waiter first -------------------------------------------------------- */

/* Two waiters from two groups; the older one is neither first by name nor by join. */
static void make_two_waiters(void)
{
        make_user("wa@x.com", NULL);
        make_user("wz@x.com", NULL);
        make_group("G2", "wa@x.com");
        clock_at(TEST_T0 + 1);
        make_group("G1", "wz@x.com");
        clock_at(TEST_T0 + 10);
        ck_step(model_group_license_add(m, "P", "G1"));
        clock_at(TEST_T0 + 20);
        ck_step(model_group_license_add(m, "P", "G2"));
        ck_waiter(m, "P", "wz@x.com", 1, TEST_T0 + 10);
        ck_waiter(m, "P", "wa@x.com", 1, TEST_T0 + 20);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "P", NULL, "wa@x.com", "wz@x.com");
}

START_TEST(test_direct_remove_frees_for_oldest)
{
        make_product("P", 2);
        make_user("a@x.com", "US");
        make_user("b@x.com", "US");
        ck_step(model_direct_assign(m, "P", "a@x.com"));
        ck_step(model_direct_assign(m, "P", "b@x.com"));
        make_two_waiters();
        ck_product(m, "P", 2, 2, 2);

        clock_at(TEST_T0 + 30);
        ck_step(model_direct_remove(m, "P", "b@x.com"));
        ck_holder(m, "P", "wz@x.com", false, 1, TEST_T0 + 30);
        ck_waiter(m, "P", "wa@x.com", 1, TEST_T0 + 20);
        ck_product(m, "P", 2, 2, 1);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G1", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G2", NULL, "wa@x.com");

        clock_at(TEST_T0 + 40);
        ck_step(model_direct_remove(m, "P", "a@x.com"));
        ck_holder(m, "P", "wa@x.com", false, 1, TEST_T0 + 40);
        ck_product(m, "P", 2, 2, 0);
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, "wa@x.com", "wz@x.com");
}
END_TEST

START_TEST(test_raised_total_frees_for_oldest)
{
        make_product("P", 0);
        make_user("x@x.com", NULL);
        make_user("y@x.com", NULL);
        make_user("z@x.com", NULL);
        make_group("G1", "y@x.com");
        make_group("G2", "z@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "G1"));
        clock_at(TEST_T0 + 2);
        ck_step(model_group_license_add(m, "P", "G2"));
        clock_at(TEST_T0 + 3);
        ck_step(model_member_add(m, "G1", "x@x.com"));
        ck_waiter(m, "P", "x@x.com", 1, TEST_T0 + 3);
        ck_product(m, "P", 0, 0, 3);

        clock_at(TEST_T0 + 4);
        ck_step(model_product_set_total(m, "P", 1));
        ck_holder(m, "P", "y@x.com", false, 1, TEST_T0 + 4);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "P", NULL, "x@x.com", "z@x.com");
        clock_at(TEST_T0 + 5);
        ck_step(model_product_set_total(m, "P", 2));
        ck_holder(m, "P", "z@x.com", false, 1, TEST_T0 + 5);
        ck_waiter(m, "P", "x@x.com", 1, TEST_T0 + 3);

        /* a raise beyond the queue serves everyone and leaves the rest available */
        clock_at(TEST_T0 + 6);
        ck_step(model_product_set_total(m, "P", 10));
        ck_holder(m, "P", "x@x.com", false, 1, TEST_T0 + 6);
        ck_product(m, "P", 10, 3, 0);
}
END_TEST

START_TEST(test_membership_end_frees_for_oldest)
{
        make_product("P", 1);
        make_user("h@x.com", NULL);
        make_user("w9@x.com", NULL);
        make_user("w1@x.com", NULL);
        make_group("G", "h@x.com", "w9@x.com", "w1@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "G"));
        ck_holder(m, "P", "h@x.com", false, 1, TEST_T0 + 1);

        clock_at(TEST_T0 + 2);
        ck_step(model_member_remove(m, "G", "h@x.com"));
        ck_no_seat(m, "P", "h@x.com");
        ck_holder(m, "P", "w9@x.com", false, 1, TEST_T0 + 2);
        ck_waiter(m, "P", "w1@x.com", 1, TEST_T0 + 1);
        ck_product(m, "P", 1, 1, 1);

        /* a waiter leaving frees nothing and stops waiting */
        ck_step(model_member_remove(m, "G", "w1@x.com"));
        ck_no_seat(m, "P", "w1@x.com");
        ck_product(m, "P", 1, 1, 0);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G", NULL, NULL);
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, "w9@x.com");
}
END_TEST

/* The freed seat goes to the longest waiter even when it waits through another group. */
START_TEST(test_membership_end_serves_other_group)
{
        make_product("P", 1);
        make_user("h@x.com", NULL);
        make_user("old@x.com", NULL);
        make_user("new@x.com", NULL);
        make_group("GH", "h@x.com");
        make_group("GO", "old@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "GH"));
        ck_holder(m, "P", "h@x.com", false, 1, TEST_T0 + 1);
        clock_at(TEST_T0 + 2);
        ck_step(model_group_license_add(m, "P", "GO"));
        ck_waiter(m, "P", "old@x.com", 1, TEST_T0 + 2);
        clock_at(TEST_T0 + 3);
        ck_step(model_member_add(m, "GH", "new@x.com"));
        ck_waiter(m, "P", "new@x.com", 1, TEST_T0 + 3);

        clock_at(TEST_T0 + 4);
        ck_step(model_member_remove(m, "GH", "h@x.com"));
        ck_holder(m, "P", "old@x.com", false, 1, TEST_T0 + 4);
        ck_waiter(m, "P", "new@x.com", 1, TEST_T0 + 3);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "GH", NULL, "new@x.com");
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "GO", NULL, NULL);
}
END_TEST

START_TEST(test_group_license_remove_frees_for_oldest)
{
        make_product("P", 2);
        make_user("a@x.com", NULL);
        make_user("b@x.com", NULL);
        make_user("c@x.com", NULL);
        make_user("d@x.com", NULL);
        make_group("G1", "a@x.com", "b@x.com");
        make_group("G2", "b@x.com", "d@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "G1"));
        clock_at(TEST_T0 + 2);
        ck_step(model_group_license_add(m, "P", "G2"));
        clock_at(TEST_T0 + 3);
        ck_step(model_member_add(m, "G2", "c@x.com"));
        ck_holder(m, "P", "a@x.com", false, 1, TEST_T0 + 1);
        ck_holder(m, "P", "b@x.com", false, 2, TEST_T0 + 1);
        ck_waiter(m, "P", "d@x.com", 1, TEST_T0 + 2);
        ck_waiter(m, "P", "c@x.com", 1, TEST_T0 + 3);

        clock_at(TEST_T0 + 4);
        ck_step(model_group_license_remove(m, "P", "G1"));
        ck_no_seat(m, "P", "a@x.com");
        ck_holder(m, "P", "b@x.com", false, 1, TEST_T0 + 1);
        ck_holder(m, "P", "d@x.com", false, 1, TEST_T0 + 4);
        ck_waiter(m, "P", "c@x.com", 1, TEST_T0 + 3);
        ck_product(m, "P", 2, 2, 1);
        ck_listing(m, MODEL_LIST_PRODUCT_GROUPS, "P", NULL, "G2");
        ck_refused_unchanged(model_group_license_remove(m, "P", "G1"), ENOENT);

        /* removing the last group license ends every inherited seat and every wait */
        ck_step(model_group_license_remove(m, "P", "G2"));
        ck_product(m, "P", 2, 0, 0);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "P", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G2", NULL, NULL);
}
END_TEST

/* Removing the direct path of a user who keeps a group path frees no seat. */
START_TEST(test_direct_remove_with_group_path_frees_nothing)
{
        make_product("P", 1);
        make_user("u@x.com", "US");
        make_user("w@x.com", NULL);
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        make_group("G", "u@x.com", "w@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "G"));
        ck_waiter(m, "P", "w@x.com", 1, TEST_T0 + 1);
        clock_at(TEST_T0 + 2);
        ck_step(model_direct_remove(m, "P", "u@x.com"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0);
        ck_waiter(m, "P", "w@x.com", 1, TEST_T0 + 1);
        ck_product(m, "P", 1, 1, 1);
}
END_TEST

START_TEST(test_member_add_to_licensed_group)
{
        make_product("P", 1);
        make_user("first@x.com", NULL);
        make_user("second@x.com", NULL);
        ck_ok(model_group_create(m, "G"));
        ck_step(model_group_license_add(m, "P", "G"));
        clock_at(TEST_T0 + 1);
        ck_step(model_member_add(m, "G", "second@x.com"));
        ck_holder(m, "P", "second@x.com", false, 1, TEST_T0 + 1);
        clock_at(TEST_T0 + 2);
        ck_step(model_member_add(m, "G", "first@x.com"));
        ck_waiter(m, "P", "first@x.com", 1, TEST_T0 + 2);
        ck_product(m, "P", 1, 1, 1);
        clock_at(TEST_T0 + 3);
        ck_step(model_product_set_total(m, "P", 2));
        ck_holder(m, "P", "first@x.com", false, 1, TEST_T0 + 3);
}
END_TEST

/* --- several licensed groups ----------------------------------------------------------------- */

/*
 * u waits through G1 from +1; v joined G2 before u, and G2 is licensed at +2. If u's place
 * came from G2, v would be first; u waits from the earliest moment, so u is first.
 */
START_TEST(test_earliest_wait_counts)
{
        struct model_waiter waiter;

        make_product("P", 0);
        make_user("u@x.com", NULL);
        make_user("v@x.com", NULL);
        make_group("G1", "u@x.com");
        make_group("G2", "v@x.com", "u@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "G1"));
        clock_at(TEST_T0 + 2);
        ck_step(model_group_license_add(m, "P", "G2"));
        ck_waiter(m, "P", "u@x.com", 2, TEST_T0 + 1);
        ck_waiter(m, "P", "v@x.com", 1, TEST_T0 + 2);
        ck_ok(model_group_waiter_get(m, "G2", "u@x.com", &waiter));
        ck_assert_int_eq(waiter.since, TEST_T0 + 1);
        ck_listing(m, MODEL_LIST_WAITER_PRODUCTS, "G1", "u@x.com", "P");
        ck_listing(m, MODEL_LIST_WAITER_PRODUCTS, "G2", "u@x.com", "P");

        clock_at(TEST_T0 + 3);
        ck_step(model_product_set_total(m, "P", 1));
        ck_holder(m, "P", "u@x.com", false, 2, TEST_T0 + 3);
        ck_waiter(m, "P", "v@x.com", 1, TEST_T0 + 2);
}
END_TEST

/* Joining a second licensed group or leaving the first keeps the place in the queue. */
START_TEST(test_wait_place_kept_across_groups)
{
        make_product("P", 1);
        make_user("h@x.com", "US");
        make_user("u@x.com", NULL);
        make_user("v@x.com", NULL);
        ck_step(model_direct_assign(m, "P", "h@x.com"));
        make_group("G1", "u@x.com");
        make_group("G2", "v@x.com");
        clock_at(TEST_T0 + 1);
        ck_step(model_group_license_add(m, "P", "G1"));
        clock_at(TEST_T0 + 2);
        ck_step(model_group_license_add(m, "P", "G2"));
        clock_at(TEST_T0 + 3);
        ck_step(model_member_add(m, "G2", "u@x.com"));
        ck_waiter(m, "P", "u@x.com", 2, TEST_T0 + 1);
        clock_at(TEST_T0 + 4);
        ck_step(model_member_remove(m, "G1", "u@x.com"));
        ck_waiter(m, "P", "u@x.com", 1, TEST_T0 + 1);
        ck_waiter(m, "P", "v@x.com", 1, TEST_T0 + 2);

        clock_at(TEST_T0 + 5);
        ck_step(model_direct_remove(m, "P", "h@x.com"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0 + 5);
        ck_waiter(m, "P", "v@x.com", 1, TEST_T0 + 2);
}
END_TEST

/* Waiting for one product does not affect another product of the same group. */
START_TEST(test_products_queue_apart)
{
        make_product("SMALL", 1);
        make_product("BIG", 10);
        make_user("a@x.com", NULL);
        make_user("b@x.com", NULL);
        make_group("G", "a@x.com", "b@x.com");
        ck_step(model_group_license_add(m, "SMALL", "G"));
        ck_step(model_group_license_add(m, "BIG", "G"));
        ck_holder(m, "SMALL", "a@x.com", false, 1, TEST_T0);
        ck_waiter(m, "SMALL", "b@x.com", 1, TEST_T0);
        ck_holder(m, "BIG", "b@x.com", false, 1, TEST_T0);
        ck_product(m, "BIG", 10, 2, 0);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G", NULL, "b@x.com");
        ck_listing(m, MODEL_LIST_WAITER_PRODUCTS, "G", "b@x.com", "SMALL");
        ck_listing(m, MODEL_LIST_USER_LICENSES, "b@x.com", NULL, "BIG");
}
END_TEST

/* --- many threads ------------------------------------------------------------------------------- */

#define THREADS 8
#define ROUNDS 150

struct worker {
        pthread_t thread;
        int index;
        char upn[32];
        int unexpected;                 /* count of unexpected return values */
        char first_error[128];
};

static void note_unexpected(struct worker *worker, const char *what, int rc)
{
        if (worker->unexpected++ == 0)
                snprintf(worker->first_error, sizeof(worker->first_error), "%s: %s", what,
                         errno_name(rc));
}

/* Even workers assign and remove directly; odd ones join and leave the licensed group. */
static void *work(void *arg)
{
        struct worker *worker = arg;

        for (int round = 0; round < ROUNDS; round++) {
                int rc;

                if (worker->index % 2 == 0) {
                        rc = model_direct_assign(m, "P", worker->upn);
                        if (rc == -ENOSPC && model_reason()[0] != '\0')
                                continue;
                        if (rc != 0) {
                                note_unexpected(worker, "direct assign", rc);
                                continue;
                        }
                        rc = model_direct_remove(m, "P", worker->upn);
                        if (rc != 0)
                                note_unexpected(worker, "direct remove", rc);
                } else {
                        rc = model_member_add(m, "G", worker->upn);
                        if (rc != 0)
                                note_unexpected(worker, "member add", rc);
                        rc = model_member_remove(m, "G", worker->upn);
                        if (rc != 0)
                                note_unexpected(worker, "member remove", rc);
                }
        }
        return NULL;
}

START_TEST(test_concurrent_changes_keep_invariants)
{
        struct worker workers[THREADS];

        make_product("P", 3);
        ck_ok(model_group_create(m, "G"));
        ck_step(model_group_license_add(m, "P", "G"));
        for (int i = 0; i < THREADS; i++) {
                workers[i] = (struct worker){ .index = i };
                snprintf(workers[i].upn, sizeof(workers[i].upn), "t%d@x.com", i);
                make_user(workers[i].upn, "US");
        }
        model_set_clock(m, 0);
        for (int i = 0; i < THREADS; i++)
                ck_assert_int_eq(pthread_create(&workers[i].thread, NULL, work, &workers[i]), 0);
        for (int i = 0; i < THREADS; i++)
                ck_assert_int_eq(pthread_join(workers[i].thread, NULL), 0);
        for (int i = 0; i < THREADS; i++)
                ck_assert_msg(workers[i].unexpected == 0, "worker %d: %d unexpected results, "
                              "first %s", i, workers[i].unexpected, workers[i].first_error);
        check_invariants(m);
        ck_product(m, "P", 3, 0, 0);
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "G", NULL, NULL);
}
END_TEST

static Suite *seats_suite(void)
{
        Suite *suite = suite_create("seats");
        TCase *tcase;

        tcase = model_tcase("seats run short");
        tcase_add_loop_test(tcase, test_join_order_decides, 0, COUNT(join_cases));
        tcase_add_test(tcase, test_group_license_counts_existing_holders);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("seats free up");
        tcase_add_test(tcase, test_direct_remove_frees_for_oldest);
        tcase_add_test(tcase, test_raised_total_frees_for_oldest);
        tcase_add_test(tcase, test_membership_end_frees_for_oldest);
        tcase_add_test(tcase, test_membership_end_serves_other_group);
        tcase_add_test(tcase, test_group_license_remove_frees_for_oldest);
        tcase_add_test(tcase, test_direct_remove_with_group_path_frees_nothing);
        tcase_add_test(tcase, test_member_add_to_licensed_group);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("several groups");
        tcase_add_test(tcase, test_earliest_wait_counts);
        tcase_add_test(tcase, test_wait_place_kept_across_groups);
        tcase_add_test(tcase, test_products_queue_apart);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("threads");
        tcase_add_test(tcase, test_concurrent_changes_keep_invariants);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(seats_suite());
}
