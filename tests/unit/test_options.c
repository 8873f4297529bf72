/*
 * A holder's options saved and put back: what model_holder_options_save keeps (the direct path
 * and the plans it disables) is what model_holder_options_restore puts back after options
 * writes changed it, so a value refused part-way leaves the holder as it was: the direct path
 * an options write added goes again (the seat a group gives stays), replaced options come
 * back, and the saved state is the one at the save, not at the restore.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdlib.h>

/* LIST("A", "B") is the two arguments `names, count` of the plan functions. */
#define LIST(...)                                                                            \
        (const char *const[]){ __VA_ARGS__ },                                                \
        sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)

/* Product P with plans A, B, C and `total` seats. */
static void make_planned_product(int64_t total)
{
        make_product("P", total);
        ck_ok(model_plans_set(m, "P", LIST("A", "B", "C")));
}

static struct model_holder_options *save(const char *upn)
{
        struct model_holder_options *saved = NULL;

        ck_ok(model_holder_options_save(m, "P", upn, &saved));
        ck_assert_ptr_nonnull(saved);
        return saved;
}

START_TEST(test_restore_puts_back_replaced_options)
{
        struct model_holder_options *saved;

        make_planned_product(2);
        make_user("u@x.com", "US");
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("B", "C")));
        saved = save("u@x.com");
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("A")));
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", NULL, 0));
        ck_step(model_holder_options_restore(m, "P", "u@x.com", saved));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "B", "C");
        ck_holder(m, "P", "u@x.com", true, 0, TEST_T0);
        ck_product(m, "P", 2, 1, 0);
        model_holder_options_free(saved);
}
END_TEST

START_TEST(test_restore_removes_added_direct_path)
{
        struct model_holder_options *saved;

        make_planned_product(2);
        make_user("u@x.com", "US");
        make_group("G", "u@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        saved = save("u@x.com");
        clock_at(TEST_T0 + 10);
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("A")));
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0);
        ck_step(model_holder_options_restore(m, "P", "u@x.com", saved));
        /* the direct path and its options go; the group keeps the seat as it was */
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
        ck_product(m, "P", 2, 1, 0);
        /* restoring again changes nothing */
        ck_step(model_holder_options_restore(m, "P", "u@x.com", saved));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0);
        model_holder_options_free(saved);
}
END_TEST

/* A direct path's options go with it: a new direct path starts with every plan enabled. */
START_TEST(test_removed_direct_path_leaves_no_options)
{
        make_planned_product(2);
        make_user("u@x.com", "US");
        make_group("G", "u@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("C")));
        ck_ok(model_direct_remove(m, "P", "u@x.com"));
        ck_holder(m, "P", "u@x.com", false, 1, TEST_T0);
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
        /* and without the group, the claim itself goes */
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("C")));
        ck_ok(model_group_license_remove(m, "P", "G"));
        ck_ok(model_direct_remove(m, "P", "u@x.com"));
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", NULL);
}
END_TEST

START_TEST(test_restore_brings_back_removed_direct_path)
{
        struct model_holder_options *saved;

        make_planned_product(2);
        make_user("u@x.com", "US");
        make_group("G", "u@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("C")));
        saved = save("u@x.com");
        ck_ok(model_direct_remove(m, "P", "u@x.com"));
        ck_step(model_holder_options_restore(m, "P", "u@x.com", saved));
        ck_holder(m, "P", "u@x.com", true, 1, TEST_T0);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "u@x.com", "C");
        model_holder_options_free(saved);
}
END_TEST

START_TEST(test_save_needs_a_holder)
{
        struct model_holder_options *saved = NULL;

        make_planned_product(1);
        make_user("u@x.com", "US");
        make_user("w@x.com", "US");
        make_group("G", "u@x.com", "w@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_refused(model_holder_options_save(m, "P", "w@x.com", &saved), ENOENT);
        ck_refused(model_holder_options_save(m, "P", "nobody@x.com", &saved), ENOENT);
        ck_refused(model_holder_options_save(m, "Q", "u@x.com", &saved), ENOENT);
        ck_assert_ptr_null(saved);
        /* freeing nothing is fine */
        ck_assert_ptr_null(model_holder_options_free(NULL));
}
END_TEST

START_TEST(test_restore_refusals)
{
        struct model_holder_options *saved;

        make_planned_product(2);
        make_user("u@x.com", "US");
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        ck_ok(model_direct_disabled_set(m, "P", "u@x.com", LIST("B")));
        saved = save("u@x.com");
        /* a saved plan the product no longer has */
        ck_ok(model_plans_set(m, "P", LIST("A", "C")));
        ck_refused_unchanged(model_holder_options_restore(m, "P", "u@x.com", saved), EINVAL);
        /* a holder that is gone */
        ck_ok(model_direct_remove(m, "P", "u@x.com"));
        ck_refused_unchanged(model_holder_options_restore(m, "P", "u@x.com", saved), ENOENT);
        model_holder_options_free(saved);
}
END_TEST

static Suite *options_suite(void)
{
        Suite *suite = suite_create("options");
        TCase *tcase = model_tcase("holder options");

        tcase_add_test(tcase, test_restore_puts_back_replaced_options);
        tcase_add_test(tcase, test_restore_removes_added_direct_path);
        tcase_add_test(tcase, test_removed_direct_path_leaves_no_options);
        tcase_add_test(tcase, test_restore_brings_back_removed_direct_path);
        tcase_add_test(tcase, test_save_needs_a_holder);
        tcase_add_test(tcase, test_restore_refusals);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(options_suite());
}
