/*
 * Service plans and assignment options: a product's plan list replaced as a whole (sorted,
 * duplicates ignored, bad names refused changing nothing), plans dropped from the list leaving
 * every disabled list, the options of a direct path (adding the direct path with touch's checks
 * for an inherited-only holder) and of a group's license, the effective plans as the union over
 * the user's paths, options ending with their path, the demo tenant's plans, and a deleted
 * user's suspended record keeping its direct options.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* LIST("A", "B") is the two arguments `names, count` of the plan functions. */
#define LIST(...)                                                                            \
        (const char *const[]){ __VA_ARGS__ },                                                \
        sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)

/* A listing callback for calls that only check model_list's result. */
static int ignore_name(void *ctx, const char *name)
{
        (void)ctx;
        (void)name;
        return 0;
}

/* Product P with plans A, B, C and `total` seats. */
static void make_planned_product(const char *sku, int64_t total)
{
        make_product(sku, total);
        ck_ok(model_plans_set(m, sku, LIST("A", "B", "C")));
}

/* --- plan lists ------------------------------------------------------------------------------ */

START_TEST(test_plans_set_replaces)
{
        make_product("P", 1);
        make_product("Q", 1);
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, NULL);

        ck_step(model_plans_set(m, "P", LIST("MFA_PREMIUM", "AAD_PREMIUM", "B", "AAD_PREMIUM")));
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "AAD_PREMIUM", "B", "MFA_PREMIUM");
        ck_listing(m, MODEL_LIST_PLANS, "Q", NULL, NULL);

        /* the new list replaces the old one; it is no merge */
        ck_step(model_plans_set(m, "P", LIST("Z", "B")));
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "B", "Z");

        /* duplicates only */
        ck_step(model_plans_set(m, "P", LIST("Y", "Y", "Y")));
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "Y");

        /* bytewise order: upper case before lower case, ASCII before UTF-8 */
        ck_step(model_plans_set(m, "P", LIST("b", "\xc3\xa9t\xc3\xa9", "B", "a")));
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "B", "a", "b", "\xc3\xa9t\xc3\xa9");

        ck_step(model_plans_set(m, "Q", LIST("Q1")));
        ck_step(model_plans_set(m, "P", NULL, 0));
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, NULL);
        ck_listing(m, MODEL_LIST_PLANS, "Q", NULL, "Q1");
        /* clearing an empty list is fine too */
        ck_step(model_plans_set(m, "P", NULL, 0));
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, NULL);
}
END_TEST

START_TEST(test_plans_names_accepted)
{
        char *longest = make_name("L", 'x', "", MODEL_TEXT_MAX);

        make_product("P", 1);
        /* any UTF-8 text without control characters or commas: blanks, '=', '%', '/' too */
        ck_step(model_plans_set(m, "P", LIST("Plan with blanks", "a=b", "100%", "x/y", ";",
                                             "\xe2\x9c\x93", longest)));
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "100%", ";", longest, "Plan with blanks",
                   "a=b", "x/y", "\xe2\x9c\x93");
        ck_ok(model_plans_check(LIST("Plan with blanks", longest)));
        ck_ok(model_plans_check(NULL, 0));
        free(longest);
}
END_TEST

static const struct bad_name {
        const char *name;               /* NULL: the over-long name */
        const char *what;
} bad_names[] = {
        { "A,B", "a comma" },
        { ",", "only a comma" },
        { "A,", "a trailing comma" },
        { "", "empty" },
        { "A\x01" "B", "a control character (SOH)" },
        { "A\tB", "a tab" },
        { "A\nB", "a newline" },
        { "A\x7f", "DEL" },
        { "A\xc2\x85", "a C1 control character (NEL)" },
        { "A\xff" "B", "invalid UTF-8 (0xff)" },
        { "A\xc3", "truncated UTF-8" },
        { "\xc0\xaf", "overlong UTF-8" },
        { "\xed\xa0\x80", "a UTF-16 surrogate" },
        { NULL, "longer than MODEL_TEXT_MAX bytes" },
};

START_TEST(test_plans_bad_name)
{
        const struct bad_name *test = &bad_names[_i];
        char *name = test->name ? strdup(test->name) : make_name("L", 'x', "", MODEL_TEXT_MAX + 1);

        ck_assert_ptr_nonnull(name);
        make_planned_product("P", 2);
        make_user("u@x.com", "US");
        make_group("G", "u@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("A")));
        ck_ok(model_group_disabled_set(m, "P", "G", LIST("B")));

        ck_refused_unchanged(model_plans_set(m, "P", LIST(name)), EINVAL);
        /* a bad name among good ones: none of the good ones is taken, none dropped */
        ck_refused_unchanged(model_plans_set(m, "P", LIST("A", "NEW", name)), EINVAL);
        ck_refused_unchanged(model_plans_set(m, "P", LIST(name, "NEW")), EINVAL);
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "A", "B", "C");
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "A");
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", "B");

        ck_refused(model_plans_check(LIST(name)), EINVAL);
        ck_refused(model_plans_check(LIST("A", name)), EINVAL);
        ck_ok(model_plans_check(LIST("A", "NEW")));
        ck_assert_str_eq(model_reason(), "");
        free(name);
}
END_TEST

START_TEST(test_plans_unknown_product)
{
        make_planned_product("P", 2);
        make_user("u@x.com", "US");
        make_group("G", "u@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));

        ck_refused_unchanged(model_plans_set(m, "NOPE", LIST("A")), ENOENT);
        ck_refused_unchanged(model_plans_set(m, "NOPE", NULL, 0), ENOENT);
        ck_refused_unchanged(model_direct_disabled_set(m, "NOPE", "u@x.com", LIST("A")), ENOENT);
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "nobody@x.com", LIST("A")), ENOENT);
        ck_refused_unchanged(model_group_disabled_set(m, "NOPE", "G", LIST("A")), ENOENT);
        ck_refused_unchanged(model_group_disabled_set(m, "P", "NOGROUP", LIST("A")), ENOENT);
        ck_err(model_list(m, MODEL_LIST_PLANS, "NOPE", NULL, ignore_name, NULL), ENOENT);
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "P");
}
END_TEST

START_TEST(test_plans_removed_leave_disabled_lists)
{
        make_product("P", 5);
        make_product("Q", 5);
        ck_ok(model_plans_set(m, "P", LIST("A", "B", "C", "D")));
        ck_ok(model_plans_set(m, "Q", LIST("A", "B")));
        make_user("u@x.com", "US");
        make_user("v@x.com", "US");
        make_group("G", "v@x.com");
        make_group("H", "v@x.com");
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_ok(model_direct_assign(m, "Q", "u@x.com"));
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_group_license_add(m, "P", "H"));
        ck_step(model_direct_disabled_set(m, "P", "u@x.com", LIST("A", "B", "D")));
        ck_step(model_direct_disabled_set(m, "Q", "u@x.com", LIST("A", "B")));
        ck_step(model_group_disabled_set(m, "P", "G", LIST("B", "C")));
        ck_step(model_group_disabled_set(m, "P", "H", LIST("A", "B", "C")));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "C");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "v@x.com", "A", "D");

        /* B goes, E comes: B leaves every disabled list of P; the kept ones stay disabled */
        ck_step(model_plans_set(m, "P", LIST("A", "C", "D", "E")));
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "A", "C", "D", "E");
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "A", "D");
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", "C");
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "H", "A", "C");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "C", "E");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "v@x.com", "A", "D", "E");
        /* another product's options that name a plan of the same name are untouched */
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "Q", "u@x.com", "A", "B");

        /* a plan that comes back is enabled: it is not disabled again by the old options */
        ck_step(model_plans_set(m, "P", LIST("A", "B", "C", "D", "E")));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "A", "D");
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", "C");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "B", "C", "E");

        /* setting the same list again keeps every option */
        ck_step(model_plans_set(m, "P", LIST("E", "D", "C", "B", "A")));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "A", "D");
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "H", "A", "C");

        /* an empty list empties every disabled list of the product; seats are untouched */
        ck_step(model_plans_set(m, "P", NULL, 0));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", NULL);
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "H", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", NULL);
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0);
        ck_holder(m, "P", "v@x.com", false, 2, TEST_T0);
        ck_product(m, "P", 5, 2, 0);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "Q", "u@x.com", "A", "B");
}
END_TEST

/* --- direct options -------------------------------------------------------------------------- */

START_TEST(test_direct_options_on_direct_holder)
{
        make_planned_product("P", 3);
        make_user("u@x.com", "US");
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "B", "C");

        clock_at(TEST_T0 + 10);
        ck_step(model_direct_disabled_set(m, "P", "u@x.com", LIST("C", "A")));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "A", "C");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "B");
        /* options are no new assignment: since and the counts stay */
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0);
        ck_product(m, "P", 3, 1, 0);

        /* a write replaces the list; duplicates are ignored */
        ck_step(model_direct_disabled_set(m, "P", "u@x.com", LIST("B", "B")));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "B");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "C");

        /* every plan disabled: no effective plan, the seat is still held */
        ck_step(model_direct_disabled_set(m, "P", "u@x.com", LIST("A", "B", "C")));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", NULL);
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0);

        /* count 0 clears */
        ck_step(model_direct_disabled_set(m, "P", "u@x.com", NULL, 0));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "B", "C");
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0);
        ck_product(m, "P", 3, 1, 0);
}
END_TEST

START_TEST(test_direct_options_inherited_only)
{
        make_planned_product("P", 2);
        make_user("u@x.com", "US");
        make_group("G", "u@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0);

        clock_at(TEST_T0 + 20);
        ck_step(model_direct_disabled_set(m, "P", "u@x.com", LIST("A")));
        /* the direct path is added, the seat kept: no second seat, since unchanged */
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0);
        ck_product(m, "P", 2, 1, 0);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "A");
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "P", "u@x.com", "G");
        /* the group path still enables A: the union keeps it */
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "B", "C");

        /* the direct path is a real one now: removing it is allowed and leaves the group path */
        ck_step(model_direct_remove(m, "P", "u@x.com"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0);

        /* an empty list on an inherited-only holder adds the direct path too */
        ck_step(model_direct_disabled_set(m, "P", "u@x.com", NULL, 0));
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0);
        ck_product(m, "P", 2, 1, 0);
}
END_TEST

/*
 * Refusals of model_direct_disabled_set through touch's checks, on a tenant where P has one
 * seat: held@x.com holds it through G; waiter@x.com (in G after held) waits; noloc@x.com has
 * no usage location and holds Q through H (members use the tenant's location); bare@x.com has
 * a location and no seat of P.
 */
static void make_options_refusal_tenant(void)
{
        make_planned_product("P", 1);
        make_planned_product("Q", 5);
        make_user("held@x.com", "US");
        make_user("waiter@x.com", "US");
        make_user("noloc@x.com", NULL);
        make_user("bare@x.com", "FR");
        make_group("G", "held@x.com", "waiter@x.com");
        make_group("H", "noloc@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_group_license_add(m, "Q", "H"));
        ck_ok(model_group_disabled_set(m, "P", "G", LIST("C")));
        ck_ok(model_group_disabled_set(m, "Q", "H", LIST("B")));
        ck_waiter(m, "P", "waiter@x.com", 1, TEST_T0);
        ck_holder(m, "Q", "noloc@x.com", false, 1, TEST_T0);
        check_invariants(m);
}

static const struct options_refusal {
        const char *sku, *upn;
        int err;
        const char *what;
} options_refusals[] = {
        { "Q", "noloc@x.com", EINVAL, "inherited-only holder without usage location" },
        /* options go to a holder's record: a user who holds no seat has none */
        { "P", "noloc@x.com", ENOENT, "no usage location and no seat" },
        { "P", "waiter@x.com", ENOENT, "user waiting through a group, no seat free" },
        { "P", "bare@x.com", ENOENT, "user without a seat, none free" },
        { "NOPE", "held@x.com", ENOENT, "unknown product" },
        { "P", "nobody@x.com", ENOENT, "unknown user" },
};

START_TEST(test_direct_options_refusals)
{
        const struct options_refusal *test = &options_refusals[_i];
        struct model_holder holder;
        struct model_waiter waiter;
        int before_holder, before_waiter;

        make_options_refusal_tenant();
        before_holder = model_holder_get(m, test->sku, test->upn, &holder);
        before_waiter = model_waiter_get(m, test->sku, test->upn, &waiter);
        clock_at(TEST_T0 + 30);
        /* with a known plan, an unknown one and none: the checks of touch come first */
        ck_refused_unchanged(model_direct_disabled_set(m, test->sku, test->upn, LIST("A")),
                           test->err);
        ck_refused_unchanged(model_direct_disabled_set(m, test->sku, test->upn, NULL, 0),
                           test->err);
        ck_refused_unchanged(model_direct_disabled_set(m, test->sku, test->upn, LIST("A", "B")),
                           test->err);
        if (before_holder == 0)
                ck_holder(m, test->sku, test->upn, false, holder.groups, holder.since);
        if (before_waiter == 0)
                ck_waiter(m, test->sku, test->upn, waiter.groups, waiter.since);
}
END_TEST

START_TEST(test_direct_options_unknown_plan)
{
        make_planned_product("P", 3);
        make_product("Q", 3);
        ck_ok(model_plans_set(m, "Q", LIST("ONLY_Q")));
        make_user("d@x.com", "US");
        make_user("i@x.com", "US");
        make_group("G", "i@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_direct_assign(m, "P", "d@x.com"));
        ck_ok(model_direct_disabled_set(m, "P", "d@x.com", LIST("B")));
        clock_at(TEST_T0 + 40);

        /* a direct holder: the disabled list stays as it was */
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "d@x.com", LIST("X")), EINVAL);
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "d@x.com", LIST("A", "X")), EINVAL);
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "d@x.com", LIST("X", "A")), EINVAL);
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "d@x.com", LIST("a")), EINVAL);
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "d@x.com", LIST("A ")), EINVAL);
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "d@x.com", LIST("ONLY_Q")), EINVAL);
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "d@x.com", LIST("")), EINVAL);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "d@x.com", "B");

        /* an inherited-only holder: the direct path is not added either */
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "i@x.com", LIST("A", "X")), EINVAL);
        ck_holder(m, "P", "i@x.com", false, 1, TEST_T0);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "i@x.com", NULL);

        /* a user without a seat but with room for one: not a holder, no assignment is made */
        make_user("n@x.com", "US");
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "n@x.com", LIST("X")), ENOENT);
        ck_no_seat(m, "P", "n@x.com");
        ck_product(m, "P", 3, 2, 0);

        /* a product without plans knows no plan at all */
        make_product("EMPTY", 3);
        ck_ok(model_direct_assign(m, "EMPTY", "d@x.com"));
        ck_refused_unchanged(model_direct_disabled_set(m, "EMPTY", "d@x.com", LIST("A")), EINVAL);
        ck_step(model_direct_disabled_set(m, "EMPTY", "d@x.com", NULL, 0));
}
END_TEST

START_TEST(test_direct_options_need_a_holder)
{
        make_planned_product("P", 3);
        make_user("u@x.com", "US");
        clock_at(TEST_T0 + 7);
        /* options are a holder's: a user with a location and a free seat gets no assignment */
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "u@x.com", LIST("B")), ENOENT);
        ck_no_seat(m, "P", "u@x.com");
        /* once assigned (as touch does before a redirect's write), the options apply */
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_step(model_direct_disabled_set(m, "P", "u@x.com", LIST("B")));
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0 + 7);
        ck_product(m, "P", 3, 1, 0);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "B");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "C");
}
END_TEST

START_TEST(test_direct_remove_drops_options)
{
        make_planned_product("P", 3);
        make_user("u@x.com", "US");
        make_user("v@x.com", "US");
        make_group("G", "v@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_group_disabled_set(m, "P", "G", LIST("C")));

        /* direct only: the seat goes and the options with it */
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("A", "B")));
        ck_step(model_direct_remove(m, "P", "u@x.com"));
        ck_no_seat(m, "P", "u@x.com");
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", NULL);
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "B", "C");

        /* direct and group: the direct path's options go, the group's stay */
        ck_ok(model_direct_disabled_set(m, "P", "v@x.com", LIST("A")));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "v@x.com", "A", "B", "C");
        ck_step(model_direct_remove(m, "P", "v@x.com"));
        ck_holder(m, "P", "v@x.com", false, 1, TEST_T0);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "v@x.com", NULL);
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", "C");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "v@x.com", "A", "B");
        /* a new direct path starts with no options */
        ck_step(model_direct_assign(m, "P", "v@x.com"));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "v@x.com", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "v@x.com", "A", "B", "C");
}
END_TEST

START_TEST(test_withdraw_drops_options)
{
        make_planned_product("P", 1);
        make_user("u@x.com", "US");
        make_user("w@x.com", "US");
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("A")));
        ck_ok(model_user_delete(m, "u@x.com"));
        ck_ok(model_direct_assign(m, "P", "w@x.com"));
        /* the restore finds no seat: the direct license waits, with its options (no
         * check_invariants here: its rules predate waiting direct licenses) */
        ck_ok(model_user_restore(m, "u@x.com"));
        ck_waiter(m, "P", "u@x.com", 0, TEST_T0);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "A");
        /* withdrawn, then assigned again: no options left over */
        ck_step(model_direct_withdraw(m, "P", "u@x.com"));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
        ck_ok(model_direct_remove(m, "P", "w@x.com"));
        ck_step(model_direct_assign(m, "P", "u@x.com"));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "B", "C");
}
END_TEST

/* --- group options --------------------------------------------------------------------------- */

START_TEST(test_group_options)
{
        make_planned_product("P", 1);
        make_user("a@x.com", "US");
        make_user("b@x.com", "US");
        make_group("G", "a@x.com", "b@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", NULL);

        clock_at(TEST_T0 + 5);
        ck_step(model_group_disabled_set(m, "P", "G", LIST("C", "A", "C")));
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", "A", "C");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "a@x.com", "B");
        /* a group's options never make a direct path, and change no seat */
        ck_holder(m, "P", "a@x.com", false, 1, TEST_T0);
        ck_waiter(m, "P", "b@x.com", 1, TEST_T0);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "a@x.com", NULL);
        ck_product(m, "P", 1, 1, 1);
        {
                struct model_group_license license;

                ck_ok(model_group_license_get(m, "P", "G", &license));
                ck_assert_int_eq(license.since, TEST_T0);
                ck_assert_int_eq(license.members, 2);
                ck_assert_int_eq(license.errors, 1);
        }

        /* unknown plan: EINVAL, the options stay */
        ck_refused_unchanged(model_group_disabled_set(m, "P", "G", LIST("X")), EINVAL);
        ck_refused_unchanged(model_group_disabled_set(m, "P", "G", LIST("B", "X")), EINVAL);
        ck_refused_unchanged(model_group_disabled_set(m, "P", "G", LIST("")), EINVAL);
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", "A", "C");

        ck_step(model_group_disabled_set(m, "P", "G", NULL, 0));
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "a@x.com", "A", "B", "C");
}
END_TEST

START_TEST(test_group_options_need_the_license)
{
        make_planned_product("P", 2);
        make_planned_product("Q", 2);
        make_user("a@x.com", "US");
        make_group("G", "a@x.com");
        make_group_with("EMPTY", (const char *const[]){ NULL });
        ck_ok(model_group_license_add(m, "Q", "G"));
        ck_ok(model_direct_assign(m, "P", "a@x.com"));

        ck_refused_unchanged(model_group_disabled_set(m, "P", "G", LIST("A")), ENOENT);
        ck_refused_unchanged(model_group_disabled_set(m, "P", "G", NULL, 0), ENOENT);
        ck_refused_unchanged(model_group_disabled_set(m, "P", "EMPTY", LIST("A")), ENOENT);
        ck_refused_unchanged(model_group_disabled_set(m, "P", "G", LIST("X")), ENOENT);
        ck_listing(m, MODEL_LIST_PRODUCT_GROUPS, "P", NULL, NULL);
}
END_TEST

START_TEST(test_group_license_remove_drops_options)
{
        make_planned_product("P", 2);
        make_user("a@x.com", "US");
        make_group("G", "a@x.com");
        make_group("H", "a@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_group_license_add(m, "P", "H"));
        ck_ok(model_group_disabled_set(m, "P", "G", LIST("A", "B")));
        ck_ok(model_group_disabled_set(m, "P", "H", LIST("B")));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "a@x.com", "A", "C");

        ck_step(model_group_license_remove(m, "P", "G"));
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", NULL);
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "H", "B");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "a@x.com", "A", "C");
        /* assigned again: it starts with no options */
        ck_step(model_group_license_add(m, "P", "G"));
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "a@x.com", "A", "B", "C");
}
END_TEST

/* --- effective plans ------------------------------------------------------------------------- */

START_TEST(test_effective_union_direct_and_group)
{
        make_planned_product("P", 3);
        make_user("u@x.com", "US");
        make_group("G", "u@x.com");
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_ok(model_group_license_add(m, "P", "G"));

        /* direct disables A, the group B: each is enabled by the other path */
        ck_step(model_direct_disabled_set(m, "P", "u@x.com", LIST("A")));
        ck_step(model_group_disabled_set(m, "P", "G", LIST("B")));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "B", "C");

        /* both disable A: A is off */
        ck_step(model_group_disabled_set(m, "P", "G", LIST("A")));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "B", "C");
        ck_step(model_group_disabled_set(m, "P", "G", LIST("A", "B", "C")));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "B", "C");
        ck_step(model_direct_disabled_set(m, "P", "u@x.com", LIST("A", "C")));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "B");

        /* the membership ends: only the direct path's plans are left */
        ck_step(model_group_disabled_set(m, "P", "G", NULL, 0));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "B", "C");
        ck_step(model_member_remove(m, "G", "u@x.com"));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "B");
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0);
}
END_TEST

START_TEST(test_effective_two_groups)
{
        make_planned_product("P", 3);
        make_user("u@x.com", "US");
        make_user("v@x.com", "US");
        make_group("G1", "u@x.com", "v@x.com");
        make_group("G2", "u@x.com");
        ck_ok(model_group_license_add(m, "P", "G1"));
        ck_ok(model_group_license_add(m, "P", "G2"));
        ck_step(model_group_disabled_set(m, "P", "G1", LIST("A")));
        ck_step(model_group_disabled_set(m, "P", "G2", LIST("B")));
        ck_holder(m, "P", "u@x.com", false, 2, TEST_T0);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "B", "C");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "v@x.com", "B", "C");

        ck_step(model_group_disabled_set(m, "P", "G2", LIST("A", "B")));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "B", "C");

        /* a group whose license goes stops counting in the union */
        ck_step(model_group_disabled_set(m, "P", "G2", LIST("B")));
        ck_step(model_group_license_remove(m, "P", "G1"));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "C");
        ck_no_seat(m, "P", "v@x.com");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "v@x.com", NULL);

        /* a user with no path has no effective plans */
        make_user("w@x.com", "US");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "w@x.com", NULL);
        ck_err(model_list(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "nobody@x.com", ignore_name,
                          NULL), ENOENT);
        ck_err(model_list(m, MODEL_LIST_DIRECT_DISABLED, "P", "nobody@x.com", ignore_name,
                          NULL), ENOENT);
        ck_err(model_list(m, MODEL_LIST_GROUP_DISABLED, "P", "NOGROUP", ignore_name, NULL),
               ENOENT);
}
END_TEST

/* --- products, the demo, deleted users ------------------------------------------------------ */

START_TEST(test_product_delete_removes_plans)
{
        make_planned_product("P", 2);
        make_user("u@x.com", "US");
        make_group("G", "u@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("A")));
        ck_ok(model_group_disabled_set(m, "P", "G", LIST("B")));
        ck_refused_unchanged(model_product_delete(m, "P"), ENOTEMPTY);

        ck_ok(model_direct_remove(m, "P", "u@x.com"));
        ck_ok(model_group_license_remove(m, "P", "G"));
        ck_step(model_product_delete(m, "P"));
        ck_err(model_list(m, MODEL_LIST_PLANS, "P", NULL, ignore_name, NULL), ENOENT);

        /* a product made again under the same SKU starts without plans or options */
        make_product("P", 2);
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, NULL);
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "P", "G", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", NULL);
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "u@x.com", LIST("A")), EINVAL);
}
END_TEST

START_TEST(test_demo_plans)
{
        ck_assert_int_eq(model_demo_fill(m), 1);
        ck_listing(m, MODEL_LIST_PLANS, "AAD_PREMIUM", NULL, "AAD_PREMIUM",
                   "ADALLOM_S_DISCOVERY", "EXCHANGE_S_FOUNDATION", "MFA_PREMIUM");
        ck_listing(m, MODEL_LIST_PLANS, "AAD_PREMIUM_P2", NULL, "AAD_PREMIUM", "AAD_PREMIUM_P2",
                   "ADALLOM_S_DISCOVERY", "EXCHANGE_S_FOUNDATION", "MFA_PREMIUM");
        /* no options set: every holder has every plan */
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "AAD_PREMIUM", "adele@contoso.com", NULL);
        ck_listing(m, MODEL_LIST_GROUP_DISABLED, "AAD_PREMIUM", "Sales", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "AAD_PREMIUM", "adele@contoso.com",
                   "AAD_PREMIUM", "ADALLOM_S_DISCOVERY", "EXCHANGE_S_FOUNDATION", "MFA_PREMIUM");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "AAD_PREMIUM_P2", "lee@contoso.com",
                   "AAD_PREMIUM", "AAD_PREMIUM_P2", "ADALLOM_S_DISCOVERY",
                   "EXCHANGE_S_FOUNDATION", "MFA_PREMIUM");
        check_invariants(m);

        /* licensefs(5)'s disable-plan recipe: MFA off for Sales; diego (only via Sales) loses it */
        ck_step(model_group_disabled_set(m, "AAD_PREMIUM", "Sales", LIST("MFA_PREMIUM")));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "AAD_PREMIUM", "diego@contoso.com",
                   "AAD_PREMIUM", "ADALLOM_S_DISCOVERY", "EXCHANGE_S_FOUNDATION");
        /* adele holds it directly too: her direct path keeps MFA on */
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "AAD_PREMIUM", "adele@contoso.com",
                   "AAD_PREMIUM", "ADALLOM_S_DISCOVERY", "EXCHANGE_S_FOUNDATION", "MFA_PREMIUM");
}
END_TEST

START_TEST(test_deleted_user_keeps_direct_options)
{
        struct model_holder seat;

        make_planned_product("P", 5);
        make_user("u@x.com", "US");
        make_user("v@x.com", "US");
        make_group("G", "u@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_group_disabled_set(m, "P", "G", LIST("B")));
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("A")));
        ck_ok(model_direct_assign(m, "P", "v@x.com"));
        ck_ok(model_direct_disabled_set(m, "P", "v@x.com", LIST("A", "B")));

        clock_at(TEST_T0 + 100);
        ck_step(model_user_delete(m, "u@x.com"));
        ck_step(model_user_delete(m, "v@x.com"));
        ck_ok(model_suspended_get(m, "P", "u@x.com", &seat));
        ck_assert(seat.direct);
        ck_assert_int_eq(seat.groups, 1);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "A");
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "v@x.com", "A", "B");
        /* the suspended record's plans: the union over the paths kept */
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "B", "C");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "v@x.com", "C");
        /* a deleted user's options cannot be changed */
        ck_refused_unchanged(model_direct_disabled_set(m, "P", "u@x.com", NULL, 0), ENOENT);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "A");

        /* the restore brings the direct path back with its options */
        clock_at(TEST_T0 + 200);
        ck_step(model_user_restore(m, "u@x.com"));
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0 + 200);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "A");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "A", "B", "C");
        ck_step(model_member_remove(m, "G", "u@x.com"));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "u@x.com", "B", "C");

        /* purged and made again: nothing of the old options is left */
        ck_step(model_user_purge(m, "v@x.com"));
        make_user("v@x.com", "US");
        ck_step(model_direct_assign(m, "P", "v@x.com"));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "v@x.com", NULL);
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "v@x.com", "A", "B", "C");
}
END_TEST

static Suite *plans_suite(void)
{
        Suite *suite = suite_create("plans");
        TCase *tcase;

        tcase = model_tcase("plan lists");
        tcase_add_test(tcase, test_plans_set_replaces);
        tcase_add_test(tcase, test_plans_names_accepted);
        tcase_add_loop_test(tcase, test_plans_bad_name, 0, COUNT(bad_names));
        tcase_add_test(tcase, test_plans_unknown_product);
        tcase_add_test(tcase, test_plans_removed_leave_disabled_lists);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("direct options");
        tcase_add_test(tcase, test_direct_options_on_direct_holder);
        tcase_add_test(tcase, test_direct_options_inherited_only);
        tcase_add_loop_test(tcase, test_direct_options_refusals, 0, COUNT(options_refusals));
        tcase_add_test(tcase, test_direct_options_unknown_plan);
        tcase_add_test(tcase, test_direct_options_need_a_holder);
        tcase_add_test(tcase, test_direct_remove_drops_options);
        tcase_add_test(tcase, test_withdraw_drops_options);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("group options");
        tcase_add_test(tcase, test_group_options);
        tcase_add_test(tcase, test_group_options_need_the_license);
        tcase_add_test(tcase, test_group_license_remove_drops_options);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("effective plans");
        tcase_add_test(tcase, test_effective_union_direct_and_group);
        tcase_add_test(tcase, test_effective_two_groups);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("lifecycle");
        tcase_add_test(tcase, test_product_delete_removes_plans);
        tcase_add_test(tcase, test_demo_plans);
        tcase_add_test(tcase, test_deleted_user_keeps_direct_options);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(plans_suite());
}
