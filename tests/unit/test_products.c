/*
 * Products: creation and its defaults, EEXIST, the display name and skuId, the seat counts
 * (total within 0..MODEL_COUNT_MAX, never below assigned (EBUSY) nor below expiring_soon
 * (EINVAL); expiring_soon within 0..total) and deletion, refused with ENOTEMPTY while anyone
 * holds or waits for the product or a group has it.
 */
#include "check_helpers.h"

#include <errno.h>
#include <string.h>

START_TEST(test_create_defaults)
{
        struct model_product product;

        clock_at(TEST_T0 + 7);
        ck_ok(model_product_create(m, "AAD_PREMIUM"));
        ck_ok(model_product_get(m, "AAD_PREMIUM", &product));
        ck_assert_str_eq(product.name, "AAD_PREMIUM");
        ck_assert_str_eq(product.sku_id, "");
        ck_assert_int_eq(product.total, 0);
        ck_assert_int_eq(product.expiring_soon, 0);
        ck_assert_int_eq(product.assigned, 0);
        ck_assert_int_eq(product.available, 0);
        ck_assert_int_eq(product.waiting, 0);
        ck_assert_int_eq(product.created, TEST_T0 + 7);
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "AAD_PREMIUM");
        check_invariants(m);
}
END_TEST

START_TEST(test_create_existing)
{
        make_product("AAD_PREMIUM", 4);
        ck_ok(model_product_set_name(m, "AAD_PREMIUM", "Microsoft Entra ID P1"));
        clock_at(TEST_T0 + 60);
        ck_refused_unchanged(model_product_create(m, "AAD_PREMIUM"), EEXIST);
        ck_product(m, "AAD_PREMIUM", 4, 0, 0);
}
END_TEST

START_TEST(test_missing_product)
{
        struct model_product product;

        ck_err(model_product_get(m, "NOPE", &product), ENOENT);
        ck_refused_unchanged(model_product_set_name(m, "NOPE", "x"), ENOENT);
        ck_refused_unchanged(model_product_set_sku_id(m, "NOPE",
                                                      "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"),
                             ENOENT);
        ck_refused_unchanged(model_product_set_total(m, "NOPE", 1), ENOENT);
        ck_refused_unchanged(model_product_set_expiring_soon(m, "NOPE", 0), ENOENT);
        ck_refused_unchanged(model_product_delete(m, "NOPE"), ENOENT);
}
END_TEST

START_TEST(test_set_name_and_sku_id)
{
        struct model_product product;

        ck_ok(model_product_create(m, "AAD_PREMIUM"));
        ck_ok(model_product_set_name(m, "AAD_PREMIUM", "Microsoft Entra ID P1"));
        ck_ok(model_product_set_sku_id(m, "AAD_PREMIUM", "078D2B04-F1BD-4111-BBD4-B4B1B354CEF4"));
        ck_ok(model_product_get(m, "AAD_PREMIUM", &product));
        ck_assert_str_eq(product.name, "Microsoft Entra ID P1");
        ck_assert_str_eq(product.sku_id, "078d2b04-f1bd-4111-bbd4-b4b1b354cef4");
        ck_refused_unchanged(model_product_set_name(m, "AAD_PREMIUM", ""), EINVAL);
        ck_ok(model_product_get(m, "AAD_PREMIUM", &product));
        ck_assert_str_eq(product.name, "Microsoft Entra ID P1");
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "AAD_PREMIUM");
}
END_TEST

struct count_case {
        int64_t value;
        int err;
};

static const struct count_case totals[] = {
        { 0, 0 },
        { 1, 0 },
        { 1000, 0 },
        { MODEL_COUNT_MAX, 0 },
        { -1, EINVAL },
        { (int64_t)MODEL_COUNT_MAX + 1, EINVAL },
        { INT64_MAX, EINVAL },
        { INT64_MIN, EINVAL },
};

START_TEST(test_total_range)
{
        const struct count_case *test = &totals[_i];
        int rc;

        make_product("P", 7);
        rc = model_product_set_total(m, "P", test->value);
        ck_assert_msg(rc == -test->err, "total %lld returned %s, expected %s",
                      (long long)test->value, errno_name(rc), errno_name(-test->err));
        if (test->err) {
                ck_assert_str_ne(model_reason(), "");
                ck_product(m, "P", 7, 0, 0);
        } else {
                ck_product(m, "P", test->value, 0, 0);
        }
        check_invariants(m);
}
END_TEST

START_TEST(test_total_below_assigned)
{
        make_product("P", 3);
        make_user("a@x.com", "US");
        make_user("b@x.com", "US");
        ck_step(model_direct_assign(m, "P", "a@x.com"));
        ck_step(model_direct_assign(m, "P", "b@x.com"));
        ck_refused_unchanged(model_product_set_total(m, "P", 1), EBUSY);
        ck_refused_unchanged(model_product_set_total(m, "P", 0), EBUSY);
        ck_step(model_product_set_total(m, "P", 2));
        ck_product(m, "P", 2, 2, 0);
        ck_step(model_product_set_total(m, "P", 2));
        ck_product(m, "P", 2, 2, 0);
}
END_TEST

/* A seat held only through a group counts as assigned too. */
START_TEST(test_total_below_inherited)
{
        make_product("P", 2);
        make_user("a@x.com", NULL);
        make_user("b@x.com", NULL);
        make_group("G", "a@x.com", "b@x.com");
        ck_step(model_group_license_add(m, "P", "G"));
        ck_product(m, "P", 2, 2, 0);
        ck_refused_unchanged(model_product_set_total(m, "P", 1), EBUSY);
}
END_TEST

START_TEST(test_total_below_expiring_soon)
{
        make_product("P", 5);
        ck_ok(model_product_set_expiring_soon(m, "P", 3));
        ck_refused_unchanged(model_product_set_total(m, "P", 2), EINVAL);
        ck_refused_unchanged(model_product_set_total(m, "P", 0), EINVAL);
        ck_step(model_product_set_total(m, "P", 3));
        ck_product(m, "P", 3, 0, 0);
}
END_TEST

static const struct count_case expiring[] = {
        { 0, 0 },
        { 1, 0 },
        { 5, 0 },
        { 6, EINVAL },
        { -1, EINVAL },
        { MODEL_COUNT_MAX, EINVAL },
        { (int64_t)MODEL_COUNT_MAX + 1, EINVAL },
        { INT64_MIN, EINVAL },
};

START_TEST(test_expiring_soon_range)
{
        const struct count_case *test = &expiring[_i];
        struct model_product product;
        int rc;

        make_product("P", 5);
        ck_ok(model_product_set_expiring_soon(m, "P", 2));
        rc = model_product_set_expiring_soon(m, "P", test->value);
        ck_assert_msg(rc == -test->err, "expiring_soon %lld of total 5 returned %s, expected %s",
                      (long long)test->value, errno_name(rc), errno_name(-test->err));
        if (test->err)
                ck_assert_str_ne(model_reason(), "");
        ck_ok(model_product_get(m, "P", &product));
        if (test->err) {
                ck_assert_int_eq(product.expiring_soon, 2);
        } else {
                ck_assert_int_eq(product.expiring_soon, test->value);
        }
        ck_assert_int_eq(product.total, 5);
}
END_TEST

/* Seats that expire soon are still available. */
START_TEST(test_expiring_seats_are_available)
{
        struct model_product product;

        make_product("P", 2);
        ck_ok(model_product_set_expiring_soon(m, "P", 2));
        make_user("a@x.com", "US");
        make_user("b@x.com", "US");
        ck_step(model_direct_assign(m, "P", "a@x.com"));
        ck_step(model_direct_assign(m, "P", "b@x.com"));
        ck_ok(model_product_get(m, "P", &product));
        ck_assert_int_eq(product.expiring_soon, 2);
        ck_product(m, "P", 2, 2, 0);
}
END_TEST

START_TEST(test_delete_unused)
{
        struct model_product product;

        make_product("P", 10);
        make_product("Q", 1);
        ck_ok(model_product_set_expiring_soon(m, "P", 4));
        ck_ok(model_product_delete(m, "P"));
        ck_err(model_product_get(m, "P", &product), ENOENT);
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "Q");
        ck_refused(model_product_delete(m, "P"), ENOENT);

        /* a product created again under the name starts afresh */
        clock_at(TEST_T0 + 100);
        ck_ok(model_product_create(m, "P"));
        ck_ok(model_product_get(m, "P", &product));
        ck_assert_int_eq(product.total, 0);
        ck_assert_int_eq(product.expiring_soon, 0);
        ck_assert_int_eq(product.created, TEST_T0 + 100);
}
END_TEST

enum use { USE_DIRECT, USE_INHERITED, USE_WAITING, USE_EMPTY_GROUP };

static const char *const use_text[] = {
        "held directly", "held through a group", "waited for", "assigned to an empty group"
};

/* Builds one kind of use of P, checks that P cannot be deleted, ends the use, deletes P. */
START_TEST(test_delete_in_use)
{
        enum use use = (enum use)_i;

        make_product("P", use == USE_WAITING ? 0 : 1);
        make_user("u@x.com", "US");
        ck_ok(model_group_create(m, "G"));
        switch (use) {
        case USE_DIRECT:
                ck_step(model_direct_assign(m, "P", "u@x.com"));
                break;
        case USE_INHERITED:
        case USE_WAITING:
                ck_step(model_member_add(m, "G", "u@x.com"));
                ck_step(model_group_license_add(m, "P", "G"));
                break;
        case USE_EMPTY_GROUP:
                ck_step(model_group_license_add(m, "P", "G"));
                break;
        }
        ck_product(m, "P", use == USE_WAITING ? 0 : 1, use <= USE_INHERITED ? 1 : 0,
                   use == USE_WAITING ? 1 : 0);
        {
                char *before = tenant_snapshot(m);
                int rc = model_product_delete(m, "P");

                ck_assert_msg(rc == -ENOTEMPTY, "deleting a product %s returned %s, expected "
                              "ENOTEMPTY", use_text[use], errno_name(rc));
                ck_assert_str_ne(model_reason(), "");
                ck_same_snapshot_at(CK_WHERE, use_text[use], before, tenant_snapshot(m));
        }
        if (use == USE_DIRECT)
                ck_step(model_direct_remove(m, "P", "u@x.com"));
        else
                ck_step(model_group_license_remove(m, "P", "G"));
        ck_ok(model_product_delete(m, "P"));
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, NULL);
        ck_listing(m, MODEL_LIST_USER_LICENSES, "u@x.com", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_LICENSES, "G", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G", NULL, NULL);
        check_invariants(m);
}
END_TEST

static Suite *products_suite(void)
{
        Suite *suite = suite_create("products");
        TCase *tcase;

        tcase = model_tcase("create");
        tcase_add_test(tcase, test_create_defaults);
        tcase_add_test(tcase, test_create_existing);
        tcase_add_test(tcase, test_missing_product);
        tcase_add_test(tcase, test_set_name_and_sku_id);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("seats");
        tcase_add_loop_test(tcase, test_total_range, 0, COUNT(totals));
        tcase_add_test(tcase, test_total_below_assigned);
        tcase_add_test(tcase, test_total_below_inherited);
        tcase_add_test(tcase, test_total_below_expiring_soon);
        tcase_add_loop_test(tcase, test_expiring_soon_range, 0, COUNT(expiring));
        tcase_add_test(tcase, test_expiring_seats_are_available);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("delete");
        tcase_add_test(tcase, test_delete_unused);
        tcase_add_loop_test(tcase, test_delete_in_use, USE_DIRECT, USE_EMPTY_GROUP + 1);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(products_suite());
}
