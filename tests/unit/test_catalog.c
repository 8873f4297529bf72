/*
 * The upserts that real data goes in through (the product catalog): products created
 * or updated by part number with every skuId kept as an alias (the first the product's own),
 * plans merged by name and GUID with the first of each kept, refusals that change nothing, and
 * seats, assignments and options left alone.
 */
#include "check_helpers.h"

#include <errno.h>
#include <string.h>

#define P2_ID "84a661c4-e949-4bd2-a560-ed7766fcaf2b"
#define PSTN_A "54a152dc-90de-4996-93d2-bc47e670fc06"
#define PSTN_B "d43177b5-475b-4880-92d4-d54c27b5efbd"
#define PLAN_A "41781fb2-bc02-4b7c-bd55-b576c07bb09d"
#define PLAN_B "eec0eb4f-6444-4f95-aba0-50c24d67f998"

/* Upserts and asserts what the model says it did. */
#define ck_product_upsert(sku, name, id, want) do {                                          \
        enum model_upsert done_;                                                             \
        ck_ok(model_product_upsert(m, sku, name, id, &done_));                               \
        ck_assert_msg(done_ == (want), "product upsert of %s did %d, expected %d", sku,      \
                      (int)done_, (int)(want));                                              \
} while (0)

#define ck_plan_upsert(sku, name, guid, friendly, want) do {                                 \
        enum model_upsert done_;                                                             \
        ck_ok(model_plan_upsert(m, sku, name, guid, friendly, &done_));                      \
        ck_assert_msg(done_ == (want), "plan upsert of %s/%s did %d, expected %d", sku,      \
                      name, (int)done_, (int)(want));                                        \
} while (0)

/* The product that has skuId `id` is `sku`. */
static void ck_owner(const char *id, const char *sku)
{
        char found[MODEL_NAME_MAX + 1];

        ck_ok(model_product_by_sku_id(m, id, found, sizeof(found)));
        ck_assert_str_eq(found, sku);
}

static void ck_plan_guid(const char *sku, const char *guid, const char *name)
{
        char found[MODEL_TEXT_MAX + 1];

        ck_ok(model_plan_by_guid(m, sku, guid, found, sizeof(found)));
        ck_assert_str_eq(found, name);
}

/* --- products ------------------------------------------------------------------------------- */

START_TEST(test_product_created_then_unchanged)
{
        struct model_product product;

        ck_product_upsert("AAD_PREMIUM_P2", "Microsoft Entra ID P2", P2_ID, MODEL_CREATED);
        ck_ok(model_product_get(m, "AAD_PREMIUM_P2", &product));
        ck_assert_str_eq(product.name, "Microsoft Entra ID P2");
        ck_assert_str_eq(product.sku_id, P2_ID);
        ck_assert_int_eq(product.total, 0);
        ck_product_upsert("AAD_PREMIUM_P2", "Microsoft Entra ID P2", P2_ID, MODEL_UNCHANGED);
        /* GUIDs are compared without case. */
        ck_product_upsert("AAD_PREMIUM_P2", NULL, "84A661C4-E949-4BD2-A560-ED7766FCAF2B",
                          MODEL_UNCHANGED);
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "AAD_PREMIUM_P2");
}
END_TEST

START_TEST(test_product_name_last_wins)
{
        struct model_product product;

        ck_product_upsert("P", "Old name", NULL, MODEL_CREATED);
        ck_product_upsert("P", "New name", NULL, MODEL_UPDATED);
        ck_product_upsert("P", NULL, NULL, MODEL_UNCHANGED);
        ck_ok(model_product_get(m, "P", &product));
        ck_assert_str_eq(product.name, "New name");
        ck_assert_str_eq(product.sku_id, "");
}
END_TEST

/* A part number seen with two GUIDs is one product; both resolve, the first is its own. */
START_TEST(test_product_two_sku_ids)
{
        struct model_product product;

        ck_product_upsert("MCOPSTN5", "PSTN small", PSTN_A, MODEL_CREATED);
        ck_product_upsert("MCOPSTN5", "PSTN small", PSTN_B, MODEL_UPDATED);
        ck_product_upsert("MCOPSTN5", "PSTN small", PSTN_B, MODEL_UNCHANGED);
        ck_ok(model_product_get(m, "MCOPSTN5", &product));
        ck_assert_str_eq(product.sku_id, PSTN_A);
        ck_owner(PSTN_A, "MCOPSTN5");
        ck_owner(PSTN_B, "MCOPSTN5");
        ck_owner("D43177B5-475B-4880-92D4-D54C27B5EFBD", "MCOPSTN5");
        ck_assert_int_eq(listing_count(m, MODEL_LIST_PRODUCTS, NULL, NULL), 1);
}
END_TEST

START_TEST(test_product_unknown_sku_id)
{
        char found[MODEL_NAME_MAX + 1];

        ck_product_upsert("P", NULL, PSTN_A, MODEL_CREATED);
        ck_refused(model_product_by_sku_id(m, PSTN_B, found, sizeof(found)), ENOENT);
        ck_refused(model_product_by_sku_id(m, "not-a-guid", found, sizeof(found)), EINVAL);
}
END_TEST

START_TEST(test_product_sku_id_of_another)
{
        enum model_upsert done;

        ck_product_upsert("A", "A", PSTN_A, MODEL_CREATED);
        ck_refused_unchanged(model_product_upsert(m, "B", "B", PSTN_A, &done), EEXIST);
        ck_refused_unchanged(model_product_upsert(m, "A", "renamed", PSTN_A "0", &done),
                             EINVAL);
        ck_owner(PSTN_A, "A");
}
END_TEST

/* Table: what a refused upsert of a new product says, and that it creates nothing. */
START_TEST(test_product_refusals)
{
        static const struct {
                const char *sku, *name, *id;
                int err;
        } cases[] = {
                { "P", "P", "84a661c4-e949-4bd2-a560-ed7766fcaf2", EINVAL },   /* short */
                { "P", "P", "84a661c4-e949-4bd2-a560-ed7766fcaf2bb", EINVAL }, /* long */
                { "P", "P", "84a661c4xe949-4bd2-a560-ed7766fcaf2b", EINVAL },  /* no dash */
                { "P", "P", "g4a661c4-e949-4bd2-a560-ed7766fcaf2b", EINVAL },  /* not hex */
                { "P", "P", " 84a661c4-e949-4bd2-a560-ed7766fcaf2b", EINVAL }, /* blank */
                { "P\tQ", "P", NULL, EINVAL },
                { "", "P", NULL, EINVAL },
                { "P", "", NULL, EINVAL },
                { "P", "bad\nname", NULL, EINVAL },
        };
        enum model_upsert done;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ck_refused_unchanged(model_product_upsert(m, cases[i].sku, cases[i].name,
                                                          cases[i].id, &done), cases[i].err);
                ck_assert_int_eq(model_tenant_is_empty(m), 1);
        }
}
END_TEST

/* Real part numbers: spaces, parentheses and '/' are names like any other. */
START_TEST(test_product_real_part_numbers)
{
        ck_product_upsert("O365_w/o Teams Bundle_M3", "Office 365 E3", NULL, MODEL_CREATED);
        ck_product_upsert("Microsoft_365_ Business_ Premium_(no Teams)", "M365 BP", NULL,
                          MODEL_CREATED);
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL,
                   "Microsoft_365_ Business_ Premium_(no Teams)", "O365_w/o Teams Bundle_M3");
}
END_TEST

/* Upserts never touch seats, holders, waiters or group licenses. */
START_TEST(test_product_upsert_keeps_seats)
{
        struct model_product product;

        ck_product_upsert("P", "Name", P2_ID, MODEL_CREATED);
        ck_ok(model_product_set_total(m, "P", 2));
        ck_ok(model_product_set_expiring_soon(m, "P", 1));
        make_user("a@x.com", "US");
        make_user("b@x.com", "US");
        make_user("c@x.com", "US");
        ck_ok(model_direct_assign(m, "P", "a@x.com"));
        make_group("G", "b@x.com", "c@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        {
                char *before = tenant_snapshot(m);

                /* A second skuId changes nothing the snapshot shows: the first stays its own. */
                ck_product_upsert("P", "Name", PSTN_A, MODEL_UPDATED);
                ck_product_upsert("P", "Name", P2_ID, MODEL_UNCHANGED);
                ck_same_snapshot_at(CK_WHERE, "upserts", before, tenant_snapshot(m));
        }
        ck_product_upsert("P", "New name", PSTN_B, MODEL_UPDATED);
        ck_ok(model_product_get(m, "P", &product));
        ck_assert_str_eq(product.name, "New name");
        ck_assert_str_eq(product.sku_id, P2_ID);
        ck_assert_int_eq(product.expiring_soon, 1);
        ck_product(m, "P", 2, 2, 1);
        ck_holder(m, "P", "a@x.com", true, 0, TEST_T0);
        ck_holder(m, "P", "b@x.com", false, 1, TEST_T0);
        ck_waiter(m, "P", "c@x.com", 1, TEST_T0);
        ck_listing(m, MODEL_LIST_PRODUCT_GROUPS, "P", NULL, "G");
        check_invariants(m);
}
END_TEST

/* --- plans ---------------------------------------------------------------------------------- */

START_TEST(test_plan_created_then_unchanged)
{
        ck_product_upsert("P", NULL, NULL, MODEL_CREATED);
        ck_plan_upsert("P", "AAD_PREMIUM", PLAN_A, "Microsoft Entra ID P1", MODEL_CREATED);
        ck_plan_upsert("P", "AAD_PREMIUM", PLAN_A, "Microsoft Entra ID P1", MODEL_UNCHANGED);
        ck_plan_upsert("P", "AAD_PREMIUM", "41781FB2-BC02-4B7C-BD55-B576C07BB09D", NULL,
                       MODEL_UNCHANGED);
        ck_plan_upsert("P", "AAD_PREMIUM", NULL, NULL, MODEL_UNCHANGED);
        ck_plan_upsert("P", "MFA_PREMIUM", NULL, NULL, MODEL_CREATED);
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "AAD_PREMIUM", "MFA_PREMIUM");
        ck_plan_guid("P", PLAN_A, "AAD_PREMIUM");
        ck_plan_guid("P", "41781FB2-BC02-4B7C-BD55-B576C07BB09D", "AAD_PREMIUM");
}
END_TEST

/* A plan that came without a GUID (written to plans) gets one, once. */
START_TEST(test_plan_gets_guid)
{
        const char *names[] = { "AAD_PREMIUM" };
        enum model_upsert done;
        char found[64];

        make_product("P", 0);
        ck_ok(model_plans_set(m, "P", names, 1));
        ck_refused(model_plan_by_guid(m, "P", PLAN_A, found, sizeof(found)), ENOENT);
        ck_plan_upsert("P", "AAD_PREMIUM", PLAN_A, NULL, MODEL_UPDATED);
        ck_plan_guid("P", PLAN_A, "AAD_PREMIUM");
        ck_refused(model_plan_upsert(m, "P", "AAD_PREMIUM", PLAN_B, NULL, &done), EEXIST);
        ck_plan_guid("P", PLAN_A, "AAD_PREMIUM");
}
END_TEST

/* Within a product the first GUID of a name and the first name of a GUID stay. */
START_TEST(test_plan_first_wins)
{
        enum model_upsert done;
        char found[64];

        ck_product_upsert("P", NULL, NULL, MODEL_CREATED);
        ck_plan_upsert("P", "EXCHANGE_FOUNDATION_GOV", PLAN_A, NULL, MODEL_CREATED);
        ck_refused(model_plan_upsert(m, "P", "EXCHANGE_S_FOUNDATION_GOV", PLAN_A, NULL, &done),
                   EEXIST);
        ck_assert_ptr_nonnull(strstr(model_reason(), "EXCHANGE_FOUNDATION_GOV"));
        ck_refused(model_plan_upsert(m, "P", "EXCHANGE_FOUNDATION_GOV", PLAN_B, NULL, &done),
                   EEXIST);
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "EXCHANGE_FOUNDATION_GOV");
        ck_plan_guid("P", PLAN_A, "EXCHANGE_FOUNDATION_GOV");
        ck_refused(model_plan_by_guid(m, "P", PLAN_B, found, sizeof(found)), ENOENT);
}
END_TEST

/* The same plan name and GUID in two products are two plans. */
START_TEST(test_plan_per_product)
{
        ck_product_upsert("A", NULL, NULL, MODEL_CREATED);
        ck_product_upsert("B", NULL, NULL, MODEL_CREATED);
        ck_plan_upsert("A", "X", PLAN_A, NULL, MODEL_CREATED);
        ck_plan_upsert("B", "X", PLAN_A, NULL, MODEL_CREATED);
        ck_plan_upsert("B", "Y", PLAN_B, NULL, MODEL_CREATED);
        ck_listing(m, MODEL_LIST_PLANS, "A", NULL, "X");
        ck_listing(m, MODEL_LIST_PLANS, "B", NULL, "X", "Y");
}
END_TEST

START_TEST(test_plan_refusals)
{
        static const struct {
                const char *sku, *name, *guid, *friendly;
                int err;
        } cases[] = {
                { "NOPE", "X", NULL, NULL, ENOENT },
                { "P", "X", "41781fb2-bc02-4b7c-bd55-b576c07bb09", NULL, EINVAL },
                { "P", "A,B", NULL, NULL, EINVAL },
                { "P", "", NULL, NULL, EINVAL },
                { "P", "tab\there", NULL, NULL, EINVAL },
                { "P", "X", NULL, "bad\tfriendly", EINVAL },
        };
        enum model_upsert done;

        make_product("P", 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                ck_refused(model_plan_upsert(m, cases[i].sku, cases[i].name, cases[i].guid,
                                             cases[i].friendly, &done), cases[i].err);
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, NULL);
}
END_TEST

/* Upserting plans adds to the list and leaves every option and seat as it was. */
START_TEST(test_plan_upsert_keeps_options)
{
        const char *names[] = { "A", "B" }, *disabled[] = { "B" };

        make_product("P", 1);
        ck_ok(model_plans_set(m, "P", names, 2));
        make_user("a@x.com", "US");
        ck_ok(model_direct_assign(m, "P", "a@x.com"));
        ck_ok(model_direct_disabled_set(m, "P", "a@x.com", disabled, 1));
        ck_plan_upsert("P", "C", PLAN_A, "Plan C", MODEL_CREATED);
        ck_plan_upsert("P", "B", PLAN_B, "Plan B", MODEL_UPDATED);
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "A", "B", "C");
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "a@x.com", "B");
        ck_listing(m, MODEL_LIST_EFFECTIVE_PLANS, "P", "a@x.com", "A", "C");
        ck_product(m, "P", 1, 1, 0);
        ck_holder(m, "P", "a@x.com", true, 0, TEST_T0);
}
END_TEST

/* A batch goes on after a refused upsert; the refused one leaves nothing. */
START_TEST(test_upserts_in_batch)
{
        enum model_upsert done;

        ck_ok(model_batch_begin(m));
        ck_product_upsert("P", "P", PSTN_A, MODEL_CREATED);
        ck_plan_upsert("P", "X", PLAN_A, NULL, MODEL_CREATED);
        ck_refused(model_plan_upsert(m, "P", "Y", PLAN_A, NULL, &done), EEXIST);
        ck_refused(model_product_upsert(m, "Q", "Q", PSTN_A, &done), EEXIST);
        ck_plan_upsert("P", "Z", PLAN_B, NULL, MODEL_CREATED);
        ck_ok(model_batch_end(m, true));
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "P");
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "X", "Z");
}
END_TEST

static Suite *catalog_suite(void)
{
        Suite *suite = suite_create("catalog");
        TCase *products = model_tcase("products");
        TCase *plans = model_tcase("plans");

        tcase_add_test(products, test_product_created_then_unchanged);
        tcase_add_test(products, test_product_name_last_wins);
        tcase_add_test(products, test_product_two_sku_ids);
        tcase_add_test(products, test_product_unknown_sku_id);
        tcase_add_test(products, test_product_sku_id_of_another);
        tcase_add_test(products, test_product_refusals);
        tcase_add_test(products, test_product_real_part_numbers);
        tcase_add_test(products, test_product_upsert_keeps_seats);
        tcase_add_test(plans, test_plan_created_then_unchanged);
        tcase_add_test(plans, test_plan_gets_guid);
        tcase_add_test(plans, test_plan_first_wins);
        tcase_add_test(plans, test_plan_per_product);
        tcase_add_test(plans, test_plan_refusals);
        tcase_add_test(plans, test_plan_upsert_keeps_options);
        tcase_add_test(plans, test_upserts_in_batch);
        suite_add_tcase(suite, products);
        suite_add_tcase(suite, plans);
        return suite;
}

int main(void)
{
        return run_suite(catalog_suite());
}
