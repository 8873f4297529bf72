/*
 * Subscriptions: a product's first takes over its seats and later ones start with none; total
 * and expiring_soon are then theirs (EPERM by hand); seats given up by hand must be free ones
 * (EBUSY); the clock moves a subscription that ended to Warning (its seats expiring soon, still
 * assignable), 30 days later to Suspended (its seats leave the total, nobody loses one, none is
 * given while assigned >= total, a freed seat leaves with its holder), 90 days later deletes
 * it, each move audited; a later end date brings it back and its seats go to the waiters.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define DAY 86400

/* The subscription's seats, status, end date and next move. */
#define ck_subscription(sku, name, want_seats, want_status, want_ends, want_next) do {        \
        struct model_subscription sub_;                                                      \
        ck_ok(model_subscription_get(m, sku, name, &sub_));                                  \
        ck_assert_int_eq(sub_.seats, want_seats);                                            \
        ck_assert_str_eq(sub_.status, want_status);                                          \
        ck_assert_int_eq(sub_.ends, want_ends);                                              \
        ck_assert_int_eq(sub_.next_lifecycle, want_next);                                    \
} while (0)

/* Product P with `total` seats and users u1..u`holders` holding it directly. */
static void make_held(int64_t total, int holders)
{
        char upn[32];

        make_product("P", total);
        for (int i = 1; i <= holders; i++) {
                snprintf(upn, sizeof(upn), "u%d@x.com", i);
                make_user(upn, "US");
                ck_ok(model_direct_assign(m, "P", upn));
        }
}

/* Whether the audit log holds `text`. */
static bool audit_has(const char *text)
{
        static char log[1 << 16];
        int n = model_audit_read(m, log, sizeof(log) - 1, 0);

        ck_assert_int_ge(n, 0);
        log[n] = '\0';
        return strstr(log, text) != NULL;
}

START_TEST(test_first_takes_over_the_seats)
{
        struct model_subscription sub;

        make_held(10, 3);
        ck_step(model_subscription_create(m, "P", "S1"));
        ck_subscription("P", "S1", 10, "Enabled", 0, 0);
        ck_ok(model_subscription_get(m, "P", "S1", &sub));
        ck_assert_int_eq(sub.created, TEST_T0);
        ck_assert(!sub.trial);
        ck_step(model_subscription_create(m, "P", "S2"));
        ck_subscription("P", "S2", 0, "Enabled", 0, 0);
        ck_listing(m, MODEL_LIST_SUBSCRIPTIONS, "P", NULL, "S1", "S2");
        ck_step(model_subscription_set_seats(m, "P", "S2", 5));
        ck_product(m, "P", 15, 3, 0);
        /* the seats are the subscriptions' now */
        ck_refused_unchanged(model_product_set_total(m, "P", 20), EPERM);
        ck_refused_unchanged(model_product_set_expiring_soon(m, "P", 1), EPERM);
        ck_step(model_subscription_set_trial(m, "P", "S2", true));
        ck_ok(model_subscription_get(m, "P", "S2", &sub));
        ck_assert(sub.trial);
        /* free seats may go; held ones may not */
        ck_step(model_subscription_delete(m, "P", "S2"));
        ck_refused_unchanged(model_subscription_set_seats(m, "P", "S1", 2), EBUSY);
        ck_refused_unchanged(model_subscription_delete(m, "P", "S1"), EBUSY);
        ck_step(model_subscription_set_seats(m, "P", "S1", 3));
        ck_product(m, "P", 3, 3, 0);
        ck_refused_unchanged(model_product_delete(m, "P"), ENOTEMPTY);
}
END_TEST

START_TEST(test_bad_requests)
{
        make_product("P", 0);
        ck_refused_unchanged(model_subscription_create(m, "NOPE", "S"), ENOENT);
        ck_refused_unchanged(model_subscription_create(m, "P", ""), EINVAL);
        ck_refused_unchanged(model_subscription_create(m, "P", "a\nb"), EINVAL);
        ck_step(model_subscription_create(m, "P", "S"));
        ck_refused_unchanged(model_subscription_create(m, "P", "S"), EEXIST);
        ck_refused_unchanged(model_subscription_set_seats(m, "P", "T", 1), ENOENT);
        ck_refused_unchanged(model_subscription_set_seats(m, "P", "S", -1), EINVAL);
        ck_refused_unchanged(model_subscription_set_ends(m, "P", "S", -5), EINVAL);
        /* an end more than 120 days past would be deleted: remove it instead */
        ck_refused_unchanged(model_subscription_set_ends(m, "P", "S", TEST_T0 - 121 * DAY),
                             EINVAL);
        ck_refused_unchanged(model_subscription_delete(m, "P", "T"), ENOENT);
}
END_TEST

START_TEST(test_lapse_and_reactivation)
{
        time_t ends = TEST_T0 + 10 * DAY;

        make_held(10, 8);
        make_user("w@x.com", "US");
        make_user("late@x.com", "US");
        make_group("G", "w@x.com");
        ck_step(model_subscription_create(m, "P", "S1"));
        ck_step(model_subscription_set_ends(m, "P", "S1", ends));
        ck_subscription("P", "S1", 10, "Enabled", ends, ends);
        ck_assert_int_eq(model_subscriptions_tick(m), 0);

        /* ended: a grace period, its seats expiring soon, still assignable */
        clock_at(ends + 1);
        ck_assert_int_eq(model_subscriptions_tick(m), 1);
        check_invariants(m);
        ck_subscription("P", "S1", 10, "Warning", ends, ends + 30 * DAY);
        ck_product(m, "P", 10, 8, 0);
        ck_assert(audit_has("grace\t/products/P/subscriptions/S1\tinfo\tended "));
        ck_step(model_direct_assign(m, "P", "late@x.com"));
        ck_step(model_direct_remove(m, "P", "late@x.com"));

        /* 30 days on: suspended, its seats gone; nobody loses one, nobody gets one */
        clock_at(ends + 30 * DAY);
        ck_assert_int_eq(model_subscriptions_tick(m), 1);
        check_invariants(m);
        ck_subscription("P", "S1", 10, "Suspended", ends, ends + 120 * DAY);
        ck_product(m, "P", 0, 8, 0);
        ck_assert(audit_has("suspend\t/products/P/subscriptions/S1\tinfo\t"));
        ck_refused_unchanged(model_direct_assign(m, "P", "late@x.com"), ENOSPC);
        ck_step(model_group_license_add(m, "P", "G"));
        ck_product(m, "P", 0, 8, 1);
        /* a holder leaving frees no seat for the waiter: there are more held than bought */
        ck_step(model_direct_remove(m, "P", "u1@x.com"));
        ck_product(m, "P", 0, 7, 1);

        /* a later end date brings it back, and the waiter gets a seat */
        ck_step(model_subscription_set_ends(m, "P", "S1", ends + 400 * DAY));
        ck_subscription("P", "S1", 10, "Enabled", ends + 400 * DAY, ends + 400 * DAY);
        ck_product(m, "P", 10, 8, 0);
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, "u2@x.com", "u3@x.com",
                   "u4@x.com", "u5@x.com", "u6@x.com", "u7@x.com", "u8@x.com", "w@x.com");
}
END_TEST

START_TEST(test_deleted_120_days_after)
{
        time_t ends = TEST_T0 + DAY;

        make_product("P", 0);
        ck_step(model_subscription_create(m, "P", "S1"));
        ck_step(model_subscription_create(m, "P", "S2"));
        ck_step(model_subscription_set_seats(m, "P", "S2", 4));
        ck_step(model_subscription_set_ends(m, "P", "S2", ends));
        /* a tick long after moves it the whole way at once */
        clock_at(ends + 120 * DAY);
        ck_assert_int_eq(model_subscriptions_tick(m), 1);
        check_invariants(m);
        ck_listing(m, MODEL_LIST_SUBSCRIPTIONS, "P", NULL, "S1");
        ck_product(m, "P", 0, 0, 0);
        ck_assert(audit_has("delete\t/products/P/subscriptions/S2\tinfo\t"));
        /* the last one removed: the seats are the product's own again */
        ck_step(model_subscription_delete(m, "P", "S1"));
        ck_step(model_product_set_total(m, "P", 3));
}
END_TEST

static Suite *subscriptions_suite(void)
{
        Suite *suite = suite_create("subscriptions");
        TCase *tcase = model_tcase("subscriptions");

        tcase_add_test(tcase, test_first_takes_over_the_seats);
        tcase_add_test(tcase, test_bad_requests);
        tcase_add_test(tcase, test_lapse_and_reactivation);
        tcase_add_test(tcase, test_deleted_120_days_after);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(subscriptions_suite());
}
