/*
 * Batches: many model calls as one transaction, each call still all or nothing, for the
 * importers.
 */
#include <errno.h>

#include "check_helpers.h"

static int64_t total_of(const char *sku)
{
        struct model_product product;

        ck_ok(model_product_get(m, sku, &product));
        return product.total;
}

START_TEST(test_batch_commits)
{
        ck_ok(model_batch_begin(m));
        ck_ok(model_product_create(m, "P"));
        ck_ok(model_product_set_total(m, "P", 3));
        ck_ok(model_batch_end(m, true));
        ck_assert_int_eq(total_of("P"), 3);
}
END_TEST

START_TEST(test_batch_rolls_back)
{
        struct model_product product;

        ck_ok(model_batch_begin(m));
        ck_ok(model_product_create(m, "P"));
        ck_ok(model_batch_end(m, false));
        ck_err(model_product_get(m, "P", &product), ENOENT);
        ck_assert_int_eq(model_tenant_is_empty(m), 1);
}
END_TEST

/* A refused call inside a batch leaves nothing of itself; the batch goes on. */
START_TEST(test_refused_call_is_undone_alone)
{
        const char *bad[] = { "ok", "not,ok" };

        ck_ok(model_batch_begin(m));
        ck_ok(model_product_create(m, "P"));
        ck_err(model_plans_set(m, "P", bad, 2), EINVAL);
        ck_ok(model_product_set_total(m, "P", 2));
        ck_err(model_product_set_total(m, "P", -1), EINVAL);
        ck_ok(model_batch_end(m, true));
        ck_assert_int_eq(total_of("P"), 2);
}
END_TEST

START_TEST(test_end_without_batch)
{
        ck_err(model_batch_end(m, true), EINVAL);
}
END_TEST

/* A read session: reads nest in one transaction, changes inside are refused. */
START_TEST(test_read_session)
{
        struct model_product product;

        ck_ok(model_product_create(m, "P"));
        ck_ok(model_read_begin(m));
        ck_ok(model_product_get(m, "P", &product));
        ck_ok(model_product_get(m, "P", &product));
        ck_err(model_product_set_total(m, "P", 1), EBUSY);
        ck_ok(model_read_end(m));
        ck_assert_int_eq(total_of("P"), 0);
        ck_err(model_read_end(m), EINVAL);
        /* A batch of changes is no read session. */
        ck_ok(model_batch_begin(m));
        ck_err(model_read_end(m), EINVAL);
        ck_ok(model_batch_end(m, false));
}
END_TEST

/* Found by fuzz_model: sessions do not nest, and the clock can move inside one. */
START_TEST(test_sessions_do_not_nest)
{
        struct model_product product;

        ck_ok(model_batch_begin(m));
        ck_ok(model_product_create(m, "P"));
        ck_err(model_read_begin(m), EBUSY);
        ck_err(model_batch_begin(m), EBUSY);
        clock_at(TEST_T0 + 1);          /* used to deadlock on the batch's own lock */
        ck_ok(model_batch_end(m, false));
        ck_err(model_product_get(m, "P", &product), ENOENT);
        ck_ok(model_read_begin(m));
        ck_err(model_batch_begin(m), EBUSY);
        ck_ok(model_read_end(m));
}
END_TEST

/* A read session inside one is part of it: one snapshot until the outer one ends. */
START_TEST(test_read_sessions_nest)
{
        struct model_product product;

        ck_ok(model_product_create(m, "P"));
        ck_ok(model_read_begin(m));
        ck_ok(model_read_begin(m));
        ck_ok(model_product_get(m, "P", &product));
        ck_ok(model_read_end(m));
        ck_err(model_product_set_total(m, "P", 1), EBUSY);     /* still the outer session */
        ck_ok(model_read_end(m));
        ck_err(model_read_end(m), EINVAL);
        ck_ok(model_product_set_total(m, "P", 1));
        ck_assert_int_eq(total_of("P"), 1);
}
END_TEST

static Suite *batch_suite(void)
{
        Suite *suite = suite_create("batch");
        TCase *tcase = model_tcase("batch");

        tcase_add_test(tcase, test_batch_commits);
        tcase_add_test(tcase, test_batch_rolls_back);
        tcase_add_test(tcase, test_refused_call_is_undone_alone);
        tcase_add_test(tcase, test_end_without_batch);
        tcase_add_test(tcase, test_read_session);
        tcase_add_test(tcase, test_sessions_do_not_nest);
        tcase_add_test(tcase, test_read_sessions_nest);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(batch_suite());
}
