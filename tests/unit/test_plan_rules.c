/*
 * The service-plan rules: the tables shipped (Microsoft's documented conflict sets and add-on
 * prerequisites); two plans of one set enabled for a user through different products refused
 * (EEXIST, MutuallyExclusiveViolation) on a direct assignment and on direct options, never
 * within one product, and resolved by a disabled plan; an add-on enabled without a
 * prerequisite refused (ENOPKG) and a prerequisite taken from an enabled add-on refused
 * (EBUSY) by a direct removal, direct options, a membership ended or group options, any one
 * prerequisite being enough; a group path's additions never refused for the users; a group
 * license that enables an add-on needing a prerequisite in the same group (EINVAL); a group
 * license removed and a user deleted never refused; every refusal changing nothing. Through
 * groups a claim that breaks a rule is held back (in errors, with the rule's kind and the plans
 * named, holding no seat) and takes its seat, or its place in the queue, when the rule no
 * longer holds: the other license removed, a plan disabled, a prerequisite back; an add-on
 * whose group lost its prerequisite is held back and its seat handed on; a waiter a rule now
 * holds back steps aside for the next.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LIST(...)                                                                            \
        (const char *const[]){ __VA_ARGS__ },                                                \
        sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)
#define NONE NULL, 0

#define U "u@x.com"

/* A product with these plans and 10 seats. */
#define make_planned(sku, ...) do {                                                          \
        make_product(sku, 10);                                                               \
        ck_ok(model_plans_set(m, sku, LIST(__VA_ARGS__)));                                   \
} while (0)

/*
 * EXO_P1: Exchange Online Plan 1; KIOSK: Exchange Online Kiosk (its plan conflicts with Plan
 * 1's); E3: Skype (prerequisite of Audio Conferencing) and Exchange Plan 2; MEET: Audio
 * Conferencing, an add-on; WPA: Workplace Analytics, which either Exchange plan satisfies.
 */
static void make_products(void)
{
        make_planned("EXO_P1", "EXCHANGE_S_STANDARD", "BOOKINGS");
        make_planned("KIOSK", "EXCHANGE_S_DESKLESS");
        make_planned("E3", "MCOSTANDARD", "EXCHANGE_S_ENTERPRISE");
        make_planned("MEET", "MCOMEETADV");
        make_planned("WPA", "WORKPLACE_ANALYTICS");
        make_user(U, "US");
}

/* A refusal with `err`, its reason holding `text`, the tenant left as it was. */
#define ck_rule_refused(expr, err, text) do {                                                \
        char *before_ = tenant_snapshot(m);                                                  \
        ck_refused(expr, err);                                                               \
        ck_assert_msg(strstr(model_reason(), text), "reason \"%s\" lacks \"%s\"",            \
                      model_reason(), text);                                                 \
        ck_same_snapshot_at(CK_WHERE, #expr, before_, tenant_snapshot(m));                   \
        check_invariants_at(CK_WHERE, m);                                                    \
} while (0)

struct rule_text {
        char text[2048];
        size_t used;
};

static int rule_add(void *ctx, const char *key, const char *plan)
{
        struct rule_text *t = ctx;

        t->used += snprintf(t->text + t->used, sizeof(t->text) - t->used, "%s=%s;", key, plan);
        return 0;
}

/* --- the tables ------------------------------------------------------------------------------ */

START_TEST(test_default_rules)
{
        struct rule_text conflicts = { "", 0 }, dependencies = { "", 0 };

        ck_ok(model_plan_rules(m, MODEL_PLAN_DEPENDENCIES, rule_add, &dependencies));
        ck_assert_str_eq(dependencies.text, "MCOMEETADV=MCOSTANDARD;"
                         "SHAREPOINT_PROJECT=SHAREPOINTENTERPRISE;"
                         "WORKPLACE_ANALYTICS=EXCHANGE_S_ENTERPRISE;"
                         "WORKPLACE_ANALYTICS=EXCHANGE_S_STANDARD;");
        ck_ok(model_plan_rules(m, MODEL_PLAN_CONFLICTS, rule_add, &conflicts));
        ck_assert_msg(strncmp(conflicts.text, "1=EXCHANGE_B_STANDARD;1=EXCHANGE_S_ARCHIVE;", 43)
                      == 0, "%s", conflicts.text);
        ck_assert_msg(strstr(conflicts.text, "2=INTUNE_A;2=INTUNE_A_VL;2=INTUNE_B;3="),
                      "%s", conflicts.text);
        ck_assert_msg(strstr(conflicts.text, ";8=EMPLOYEE_SELF_SERVICE;"), "%s", conflicts.text);
        /* Plan 2 stacks with Plan 1: in no set */
        ck_assert_msg(!strstr(conflicts.text, "EXCHANGE_S_ENTERPRISE"), "%s", conflicts.text);
}
END_TEST

/* --- conflicting plans ------------------------------------------------------------------------ */

START_TEST(test_conflict_direct)
{
        make_products();
        ck_step(model_direct_assign(m, "EXO_P1", U));
        ck_rule_refused(model_direct_assign(m, "KIOSK", U), EEXIST,
                        "MutuallyExclusiveViolation: service plan 'EXCHANGE_S_DESKLESS' of "
                        "'KIOSK' conflicts with 'EXCHANGE_S_STANDARD', which 'EXO_P1' enables "
                        "for 'u@x.com'");
        /* Plan 2 is in no set */
        ck_step(model_direct_assign(m, "E3", U));
}
END_TEST

START_TEST(test_conflict_within_one_product_never)
{
        make_planned("BOTH", "EXCHANGE_S_STANDARD", "EXCHANGE_S_DESKLESS");
        make_user(U, "US");
        ck_step(model_direct_assign(m, "BOTH", U));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "BOTH", U, "EXCHANGE_S_DESKLESS",
                   "EXCHANGE_S_STANDARD");
}
END_TEST

START_TEST(test_conflict_resolved_by_disabled_plan)
{
        make_products();
        make_user("v@x.com", "US");
        make_group("G", "v@x.com");
        ck_step(model_group_license_add(m, "EXO_P1", "G"));
        ck_step(model_direct_assign(m, "EXO_P1", U));
        ck_step(model_direct_disabled_set(m, "EXO_P1", U, LIST("EXCHANGE_S_STANDARD")));
        ck_step(model_direct_assign(m, "KIOSK", U));
        /* enabling it again is the conflict */
        ck_rule_refused(model_direct_disabled_set(m, "EXO_P1", U, NONE), EEXIST,
                        "MutuallyExclusiveViolation");
        /* options that keep it disabled are fine */
        ck_step(model_direct_disabled_set(m, "EXO_P1", U, LIST("EXCHANGE_S_STANDARD",
                                                                "BOOKINGS")));
        /* through a group that disables it too */
        ck_step(model_group_disabled_set(m, "EXO_P1", "G", LIST("EXCHANGE_S_STANDARD")));
        ck_step(model_direct_assign(m, "KIOSK", "v@x.com"));
}
END_TEST

/* The user is in error for the product with `kind`, its reason holding `text`. */
#define ck_error(sku, upn, error_kind, text) do {                                            \
        static struct model_error error_;                                                    \
        ck_ok(model_error_get(m, sku, upn, &error_));                                        \
        ck_assert_str_eq(error_.kind, error_kind);                                           \
        ck_assert_msg(strstr(error_.reason, text), "reason \"%s\" lacks \"%s\"",             \
                      error_.reason, text);                                                  \
} while (0)

START_TEST(test_conflict_through_group_held_back)
{
        make_products();
        make_group_with("G", (const char *const[]){ NULL });
        ck_step(model_group_license_add(m, "KIOSK", "G"));
        ck_step(model_direct_assign(m, "EXO_P1", U));
        /* Entra carries out the group's change and puts the member in error */
        ck_step(model_member_add(m, "G", U));
        ck_listing(m, MODEL_LIST_USER_LICENSES, U, NULL, "EXO_P1");
        ck_listing(m, MODEL_LIST_PRODUCT_ERRORS, "KIOSK", NULL, U);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "KIOSK", NULL, NULL);
        ck_error("KIOSK", U, "MutuallyExclusiveViolation", "service plan 'EXCHANGE_S_DESKLESS' "
                 "of 'KIOSK' conflicts with 'EXCHANGE_S_STANDARD', which 'EXO_P1' enables");
        ck_product(m, "KIOSK", 10, 0, 0);
        ck_group_license("KIOSK", "G", 1, 1);
        /* only groups give it: nothing to withdraw directly */
        ck_refused_unchanged(model_direct_withdraw(m, "KIOSK", U), EPERM);
        /* a change that does not touch the conflict leaves it as it is */
        ck_step(model_direct_assign(m, "E3", U));
        ck_listing(m, MODEL_LIST_PRODUCT_ERRORS, "KIOSK", NULL, U);
        /* the other license removed: the member gets the group's license */
        ck_step(model_direct_remove(m, "EXO_P1", U));
        ck_listing(m, MODEL_LIST_USER_LICENSES, U, NULL, "E3", "KIOSK");
        ck_listing(m, MODEL_LIST_PRODUCT_ERRORS, "KIOSK", NULL, NULL);
        ck_product(m, "KIOSK", 10, 1, 0);
        /* now the direct one is the conflict, refused */
        ck_rule_refused(model_direct_assign(m, "EXO_P1", U), EEXIST, "MutuallyExclusiveViolation");
        ck_step(model_member_remove(m, "G", U));
        ck_product(m, "KIOSK", 10, 0, 0);
}
END_TEST

START_TEST(test_conflict_through_group_resolved_by_options)
{
        make_products();
        make_group("G", U);
        ck_step(model_direct_assign(m, "EXO_P1", U));
        ck_step(model_group_license_add(m, "KIOSK", "G"));
        ck_error("KIOSK", U, "MutuallyExclusiveViolation", "'EXO_P1'");
        /* the direct license's conflicting plan disabled */
        ck_step(model_direct_disabled_set(m, "EXO_P1", U, LIST("EXCHANGE_S_STANDARD")));
        ck_listing(m, MODEL_LIST_USER_LICENSES, U, NULL, "EXO_P1", "KIOSK");
        /* enabling it again is refused: the group's license holds a seat now */
        ck_rule_refused(model_direct_disabled_set(m, "EXO_P1", U, NONE), EEXIST,
                        "MutuallyExclusiveViolation");
        ck_step(model_group_license_remove(m, "KIOSK", "G"));
        ck_step(model_direct_disabled_set(m, "EXO_P1", U, NONE));
        /* the group's own plan disabled instead */
        ck_step(model_group_license_add(m, "KIOSK", "G"));
        ck_listing(m, MODEL_LIST_PRODUCT_ERRORS, "KIOSK", NULL, U);
        ck_step(model_group_disabled_set(m, "KIOSK", "G", LIST("EXCHANGE_S_DESKLESS")));
        ck_listing(m, MODEL_LIST_USER_LICENSES, U, NULL, "EXO_P1", "KIOSK");
        ck_listing(m, MODEL_LIST_PRODUCT_ERRORS, "KIOSK", NULL, NULL);
        /* the other product's plan gone from its plans */
        ck_step(model_group_disabled_set(m, "KIOSK", "G", NONE));
        ck_listing(m, MODEL_LIST_PRODUCT_ERRORS, "KIOSK", NULL, U);
        ck_step(model_plans_set(m, "EXO_P1", LIST("BOOKINGS")));
        ck_listing(m, MODEL_LIST_USER_LICENSES, U, NULL, "EXO_P1", "KIOSK");
}
END_TEST

/* KIOSK with one seat, EXO_P1 whose plan conflicts with KIOSK's, users a, b and c. */
static void make_one_kiosk_seat(void)
{
        make_product("KIOSK", 1);
        ck_ok(model_plans_set(m, "KIOSK", LIST("EXCHANGE_S_DESKLESS")));
        make_planned("EXO_P1", "EXCHANGE_S_STANDARD");
        make_user("a@x.com", "US");
        make_user("b@x.com", "US");
        make_user("c@x.com", "US");
}

/* A name of `count` two-byte characters (é), after `prefix`; static, one per prefix letter. */
static const char *long_name(char prefix, size_t count)
{
        static char names[26][2 * MODEL_NAME_MAX];
        char *name = names[(prefix - 'A') % 26];
        size_t i;

        name[0] = prefix;
        for (i = 0; i < count; i++)
                memcpy(name + 1 + 2 * i, "\xc3\xa9", 2);
        name[1 + 2 * count] = '\0';
        return name;
}

/* Whether the bytes are UTF-8 throughout (each lead byte followed by its continuations). */
static bool is_utf8(const unsigned char *p, size_t n)
{
        size_t i = 0, need, k;

        while (i < n) {
                need = p[i] < 0x80 ? 0 : p[i] >= 0xf0 ? 3 : p[i] >= 0xe0 ? 2 : p[i] >= 0xc0 ? 1 : 9;
                if (need == 9 || i + need >= n + (need ? 0 : 1))
                        return false;
                for (k = 1; k <= need; k++)
                        if ((p[i + k] & 0xc0) != 0x80)
                                return false;
                i += need + 1;
        }
        return true;
}

START_TEST(test_held_back_long_names_audit_whole_characters)
{
        const char *kiosk = long_name('K', 120), *exo = long_name('E', 120);
        const char *group = long_name('G', 120);
        static char audit[1 << 16];
        int64_t size = 0;
        int n;

        make_planned(kiosk, "EXCHANGE_S_DESKLESS");
        make_planned(exo, "EXCHANGE_S_STANDARD");
        make_user(U, "US");
        ck_step(model_direct_assign(m, exo, U));
        make_group_with(group, (const char *const[]){ NULL });
        ck_step(model_group_license_add(m, kiosk, group));
        /* the audit line's reason, longer than a line keeps, is cut between characters */
        ck_step(model_member_add(m, group, U));
        ck_error(kiosk, U, "MutuallyExclusiveViolation", exo);
        ck_ok(model_audit_size(m, &size));
        n = model_audit_read(m, audit, sizeof(audit), size > (int64_t)sizeof(audit)
                             ? size - (int64_t)sizeof(audit) : 0);
        ck_assert_int_gt(n, 0);
        ck_assert_msg(is_utf8((const unsigned char *)audit, (size_t)n), "audit is not UTF-8");
}
END_TEST

START_TEST(test_restored_direct_license_never_held_back)
{
        make_products();
        make_group("G", U);
        /* a snapshot's conflicting direct licenses are taken as they are */
        ck_step(model_direct_import(m, "EXO_P1", U, NONE));
        ck_step(model_direct_import(m, "KIOSK", U, NONE));
        ck_step(model_group_license_add(m, "KIOSK", "G"));
        ck_step(model_user_delete(m, U));
        ck_step(model_user_restore(m, U));
        ck_listing(m, MODEL_LIST_USER_LICENSES, U, NULL, "EXO_P1", "KIOSK");
        ck_listing(m, MODEL_LIST_PRODUCT_ERRORS, "KIOSK", NULL, NULL);
}
END_TEST

START_TEST(test_held_back_keeps_its_place_in_the_queue)
{
        make_one_kiosk_seat();
        ck_step(model_direct_assign(m, "EXO_P1", "a@x.com"));
        make_group("G", "a@x.com", "b@x.com", "c@x.com");
        ck_step(model_group_license_add(m, "KIOSK", "G"));
        /* a held back, b holds the one seat, c waits */
        ck_error("KIOSK", "a@x.com", "MutuallyExclusiveViolation", "'EXO_P1'");
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "KIOSK", NULL, "b@x.com");
        ck_error("KIOSK", "c@x.com", "CountViolation", "");
        /* the conflict gone, a waits again, ahead of c: it came first */
        ck_step(model_direct_remove(m, "EXO_P1", "a@x.com"));
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "KIOSK", NULL, "a@x.com", "c@x.com");
        ck_product(m, "KIOSK", 1, 1, 2);
        ck_step(model_member_remove(m, "G", "b@x.com"));
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "KIOSK", NULL, "a@x.com");
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "KIOSK", NULL, "c@x.com");
}
END_TEST

START_TEST(test_waiter_held_back_steps_aside)
{
        make_one_kiosk_seat();
        make_group("G", "a@x.com", "b@x.com", "c@x.com");
        ck_step(model_group_license_add(m, "KIOSK", "G"));
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "KIOSK", NULL, "b@x.com", "c@x.com");
        /* b, waiting, gets the conflicting license directly: allowed, KIOSK is not enabled */
        ck_step(model_direct_assign(m, "EXO_P1", "b@x.com"));
        /* the freed seat passes b by (now held back) and goes to c */
        ck_step(model_member_remove(m, "G", "a@x.com"));
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "KIOSK", NULL, "c@x.com");
        ck_error("KIOSK", "b@x.com", "MutuallyExclusiveViolation", "'EXO_P1'");
        ck_product(m, "KIOSK", 1, 1, 0);
}
END_TEST

/* --- dependent plans ------------------------------------------------------------------------- */

START_TEST(test_dependency_direct)
{
        make_products();
        ck_rule_refused(model_direct_assign(m, "MEET", U), ENOPKG,
                        "DependencyViolation: service plan 'MCOMEETADV' of 'MEET' needs "
                        "'MCOSTANDARD' enabled for 'u@x.com'");
        ck_step(model_direct_assign(m, "E3", U));
        ck_step(model_direct_assign(m, "MEET", U));
        /* taking the prerequisite away */
        ck_rule_refused(model_direct_remove(m, "E3", U), EBUSY,
                        "DependencyViolation: service plan 'MCOMEETADV' of 'MEET' needs "
                        "'MCOSTANDARD' enabled for 'u@x.com', and this would leave it without");
        ck_rule_refused(model_direct_disabled_set(m, "E3", U, LIST("MCOSTANDARD")), EBUSY,
                        "'MCOMEETADV' of 'MEET'");
        /* what the add-on does not need may go */
        ck_step(model_direct_disabled_set(m, "E3", U, LIST("EXCHANGE_S_ENTERPRISE")));
        /* the add-on first, then its prerequisite */
        ck_step(model_direct_remove(m, "MEET", U));
        ck_step(model_direct_remove(m, "E3", U));
}
END_TEST

START_TEST(test_dependency_any_prerequisite)
{
        make_products();
        ck_rule_refused(model_direct_assign(m, "WPA", U), ENOPKG,
                        "needs 'EXCHANGE_S_ENTERPRISE' or 'EXCHANGE_S_STANDARD'");
        ck_step(model_direct_assign(m, "E3", U));
        ck_step(model_direct_assign(m, "WPA", U));
        ck_step(model_direct_assign(m, "EXO_P1", U));
        /* one prerequisite left is enough */
        ck_step(model_direct_remove(m, "E3", U));
        ck_rule_refused(model_direct_remove(m, "EXO_P1", U), EBUSY, "'WORKPLACE_ANALYTICS'");
}
END_TEST

START_TEST(test_dependency_through_group)
{
        make_products();
        make_group("G", U);
        ck_step(model_group_license_add(m, "E3", "G"));
        ck_step(model_direct_assign(m, "MEET", U));
        /* the membership gives the prerequisite */
        ck_rule_refused(model_member_remove(m, "G", U), EBUSY, "'MCOMEETADV' of 'MEET'");
        ck_rule_refused(model_group_disabled_set(m, "E3", "G", LIST("MCOSTANDARD")), EBUSY,
                        "'MCOMEETADV' of 'MEET'");
        /* removing a group license never fails: Entra reports on the members instead */
        ck_step(model_group_license_remove(m, "E3", "G"));
}
END_TEST

START_TEST(test_dependency_lost_through_group_held_back)
{
        make_products();
        make_user("v@x.com", "US");
        make_group("G", U);
        ck_step(model_group_license_add(m, "E3", "G"));
        ck_step(model_group_license_add(m, "MEET", "G"));
        ck_listing(m, MODEL_LIST_USER_LICENSES, U, NULL, "E3", "MEET");
        /* the group's prerequisite removed: never refused, the add-on is held back */
        ck_step(model_group_license_remove(m, "E3", "G"));
        ck_listing(m, MODEL_LIST_USER_LICENSES, U, NULL, NULL);
        ck_error("MEET", U, "DependencyViolation", "service plan 'MCOMEETADV' of 'MEET' needs "
                 "'MCOSTANDARD' enabled");
        ck_product(m, "MEET", 10, 0, 0);
        /* a prerequisite back from anywhere: the add-on comes back */
        ck_step(model_direct_assign(m, "E3", U));
        ck_listing(m, MODEL_LIST_USER_LICENSES, U, NULL, "E3", "MEET");
        ck_product(m, "MEET", 10, 1, 0);
        /* a new member gets both, whatever the order the group's products are taken in */
        ck_step(model_group_license_add(m, "E3", "G"));
        ck_step(model_member_add(m, "G", "v@x.com"));
        ck_listing(m, MODEL_LIST_USER_LICENSES, "v@x.com", NULL, "E3", "MEET");
}
END_TEST

START_TEST(test_dependency_group_needs_prerequisite_in_group)
{
        make_products();
        make_group("G", U);
        ck_rule_refused(model_group_license_add(m, "MEET", "G"), EINVAL,
                        "DependencyViolation: the group's license of 'MEET' enables the add-on "
                        "plan 'MCOMEETADV', which needs 'MCOSTANDARD' enabled by a license of "
                        "the same group");
        /* a prerequisite the member has directly does not count for the group */
        ck_step(model_direct_assign(m, "E3", U));
        ck_rule_refused(model_group_license_add(m, "MEET", "G"), EINVAL, "the same group");
        ck_step(model_group_license_add(m, "E3", "G"));
        ck_step(model_group_license_add(m, "MEET", "G"));
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "MEET", U, "MCOMEETADV");
        /* the group's own prerequisite, disabled, with the direct one still there */
        ck_rule_refused(model_group_disabled_set(m, "E3", "G", LIST("MCOSTANDARD")), EINVAL,
                        "the same group");
        /* the add-on disabled in the group: then the prerequisite may go */
        ck_step(model_group_disabled_set(m, "MEET", "G", LIST("MCOMEETADV")));
        ck_step(model_group_disabled_set(m, "E3", "G", LIST("MCOSTANDARD")));
}
END_TEST

START_TEST(test_user_delete_never_refused)
{
        make_products();
        ck_step(model_direct_assign(m, "E3", U));
        ck_step(model_direct_assign(m, "MEET", U));
        ck_step(model_user_delete(m, U));
}
END_TEST

static Suite *plan_rules_suite(void)
{
        Suite *suite = suite_create("plan_rules");
        TCase *tcase;

        tcase = model_tcase("tables");
        tcase_add_test(tcase, test_default_rules);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("conflicting plans");
        tcase_add_test(tcase, test_conflict_direct);
        tcase_add_test(tcase, test_conflict_within_one_product_never);
        tcase_add_test(tcase, test_conflict_resolved_by_disabled_plan);
        tcase_add_test(tcase, test_conflict_through_group_held_back);
        tcase_add_test(tcase, test_conflict_through_group_resolved_by_options);
        tcase_add_test(tcase, test_held_back_keeps_its_place_in_the_queue);
        tcase_add_test(tcase, test_waiter_held_back_steps_aside);
        tcase_add_test(tcase, test_held_back_long_names_audit_whole_characters);
        tcase_add_test(tcase, test_restored_direct_license_never_held_back);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("dependent plans");
        tcase_add_test(tcase, test_dependency_direct);
        tcase_add_test(tcase, test_dependency_any_prerequisite);
        tcase_add_test(tcase, test_dependency_through_group);
        tcase_add_test(tcase, test_dependency_lost_through_group_held_back);
        tcase_add_test(tcase, test_dependency_group_needs_prerequisite_in_group);
        tcase_add_test(tcase, test_user_delete_never_refused);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(plan_rules_suite());
}
