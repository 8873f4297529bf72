/*
 * The directory as snapshots see it: object ids set, read and made once (objects.c), the
 * directory emptied for import --replace, a snapshot's direct license taken as it is (without
 * usage location, waiting when seats are short), plan GUIDs, and the listings in creation and
 * join order that export relies on.
 */
#include "check_helpers.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#define GUID_A "0a1b2c3d-0000-4000-8000-00000000000a"
#define GUID_B "0a1b2c3d-0000-4000-8000-00000000000b"

static void ck_object_id(enum model_object kind, const char *name, const char *want)
{
        char id[MODEL_SKU_ID_MAX + 1];

        ck_ok(model_object_id_get(m, kind, name, id));
        ck_assert_str_eq(id, want);
}

/* True when id is a lower-case version 4 GUID. */
static bool is_v4_guid(const char *id)
{
        static const char shape[] = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
        size_t i;

        for (i = 0; shape[i]; i++) {
                char c = id[i];

                if (shape[i] == 'x' ? !(isdigit((unsigned char)c) || (c >= 'a' && c <= 'f'))
                    : shape[i] == 'y' ? !strchr("89ab", c) : c != shape[i])
                        return false;
        }
        return id[i] == '\0';
}

static bool waits_directly(const char *sku, const char *upn)
{
        struct model_waiter waiter;

        ck_ok(model_waiter_get(m, sku, upn, &waiter));
        return waiter.direct;
}

START_TEST(test_object_ids_set_and_get)
{
        make_user("a@x.com", NULL);
        ck_ok(model_group_create(m, "G"));
        ck_object_id(MODEL_OBJECT_USER, "a@x.com", "");
        ck_object_id(MODEL_OBJECT_TENANT, NULL, "");
        ck_ok(model_object_id_set(m, MODEL_OBJECT_USER, "a@x.com",
                                  "0A1B2C3D-0000-4000-8000-00000000000A"));
        ck_ok(model_object_id_set(m, MODEL_OBJECT_GROUP, "G", GUID_B));
        ck_ok(model_object_id_set(m, MODEL_OBJECT_TENANT, NULL, GUID_A));
        ck_object_id(MODEL_OBJECT_USER, "a@x.com", GUID_A);
        ck_object_id(MODEL_OBJECT_GROUP, "G", GUID_B);
        ck_object_id(MODEL_OBJECT_TENANT, NULL, GUID_A);
        /* Setting an object's own id again is fine. */
        ck_ok(model_object_id_set(m, MODEL_OBJECT_USER, "a@x.com", GUID_A));
}
END_TEST

START_TEST(test_object_ids_refused)
{
        make_user("a@x.com", NULL);
        make_user("b@x.com", NULL);
        ck_ok(model_group_create(m, "G"));
        ck_ok(model_object_id_set(m, MODEL_OBJECT_USER, "a@x.com", GUID_A));
        ck_refused_unchanged(model_object_id_set(m, MODEL_OBJECT_USER, "b@x.com", "not-a-guid"),
                             EINVAL);
        ck_refused(model_object_id_set(m, MODEL_OBJECT_USER, "b@x.com", GUID_A), EEXIST);
        ck_refused(model_object_id_set(m, MODEL_OBJECT_GROUP, "G", GUID_A), EEXIST);
        ck_refused(model_object_id_set(m, MODEL_OBJECT_USER, "c@x.com", GUID_B), ENOENT);
        ck_refused(model_object_id_set(m, MODEL_OBJECT_GROUP, "H", GUID_B), ENOENT);
        ck_err(model_object_id_get(m, MODEL_OBJECT_GROUP, "H", (char[MODEL_SKU_ID_MAX + 1]){ 0 }),
               ENOENT);
        ck_object_id(MODEL_OBJECT_USER, "b@x.com", "");
        ck_object_id(MODEL_OBJECT_GROUP, "G", "");
}
END_TEST

/* Ids are made once, for objects without one, and kept. */
START_TEST(test_object_ids_complete)
{
        char user[MODEL_SKU_ID_MAX + 1], group[MODEL_SKU_ID_MAX + 1];
        char tenant[MODEL_SKU_ID_MAX + 1];

        make_user("a@x.com", NULL);
        make_user("b@x.com", NULL);
        ck_ok(model_group_create(m, "G"));
        ck_ok(model_object_id_set(m, MODEL_OBJECT_USER, "b@x.com", GUID_B));
        ck_assert_int_eq(model_object_ids_complete(m), 3);     /* tenant, a, G */
        ck_ok(model_object_id_get(m, MODEL_OBJECT_USER, "a@x.com", user));
        ck_ok(model_object_id_get(m, MODEL_OBJECT_GROUP, "G", group));
        ck_ok(model_object_id_get(m, MODEL_OBJECT_TENANT, NULL, tenant));
        ck_assert_msg(is_v4_guid(user) && is_v4_guid(group) && is_v4_guid(tenant),
                      "not v4 GUIDs: %s %s %s", user, group, tenant);
        ck_assert_str_ne(user, group);
        ck_object_id(MODEL_OBJECT_USER, "b@x.com", GUID_B);
        ck_assert_int_eq(model_object_ids_complete(m), 0);
        ck_object_id(MODEL_OBJECT_USER, "a@x.com", user);
        ck_object_id(MODEL_OBJECT_GROUP, "G", group);
        ck_object_id(MODEL_OBJECT_TENANT, NULL, tenant);
}
END_TEST

START_TEST(test_directory_clear)
{
        ck_assert_int_eq(model_directory_is_empty(m), 1);
        ck_assert_int_eq(model_demo_fill(m), 1);
        ck_ok(model_user_delete(m, "lee@contoso.com"));
        ck_assert_int_eq(model_directory_is_empty(m), 0);
        ck_ok(model_directory_clear(m));
        ck_assert_int_eq(model_directory_is_empty(m), 1);
        check_invariants(m);
        ck_listing(m, MODEL_LIST_USERS, NULL, NULL, NULL);
        ck_listing(m, MODEL_LIST_DELETED_USERS, NULL, NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUPS, NULL, NULL, NULL);
        /* Products and their plans stay, with no seats. */
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "AAD_PREMIUM", "AAD_PREMIUM_P2");
        ck_product(m, "AAD_PREMIUM_P2", 0, 0, 0);
        ck_assert_int_eq(listing_count(m, MODEL_LIST_PLANS, "AAD_PREMIUM_P2", NULL), 5);
        ck_listing(m, MODEL_LIST_PRODUCTS_SUBSCRIBED, NULL, NULL, NULL);
        /* The names are free again. */
        make_user("lee@contoso.com", "US");
        ck_ok(model_group_create(m, "Sales"));
}
END_TEST

/* Without a usage location, and past the seats: the snapshot is the tenant as it is. */
START_TEST(test_direct_import_as_it_is)
{
        make_product("P", 1);
        ck_ok(model_plans_set(m, "P", (const char *const[]){ "A", "B" }, 2));
        make_user("a@x.com", NULL);
        make_user("b@x.com", NULL);
        ck_refused(model_direct_assign(m, "P", "a@x.com"), EINVAL);
        ck_assert_int_eq(model_direct_import(m, "P", "a@x.com", (const char *const[]){ "B" }, 1),
                         0);
        ck_holder(m, "P", "a@x.com", true, 0, TEST_T0);
        ck_listing(m, MODEL_LIST_DIRECT_DISABLED, "P", "a@x.com", "B");
        ck_assert_int_eq(model_direct_import(m, "P", "b@x.com", NULL, 0), 1);
        ck_waiter(m, "P", "b@x.com", 0, TEST_T0);
        ck_assert(waits_directly("P", "b@x.com"));
        ck_listing(m, MODEL_LIST_USER_WAITS, "b@x.com", NULL, "P");
        check_invariants(m);
        /* A seat freed goes to the waiting direct license. */
        ck_ok(model_direct_remove(m, "P", "a@x.com"));
        ck_holder(m, "P", "b@x.com", true, 0, TEST_T0);
}
END_TEST

START_TEST(test_direct_import_refused)
{
        make_product("P", 1);
        ck_ok(model_plans_set(m, "P", (const char *const[]){ "A" }, 1));
        make_user("a@x.com", "US");
        ck_refused_unchanged(model_direct_import(m, "P", "a@x.com", (const char *const[]){ "Z" },
                                                 1), EINVAL);
        ck_refused_unchanged(model_direct_import(m, "Q", "a@x.com", NULL, 0), ENOENT);
        ck_refused_unchanged(model_direct_import(m, "P", "b@x.com", NULL, 0), ENOENT);
}
END_TEST

/* A member waiting through a group keeps its place; the import adds the direct path. */
START_TEST(test_direct_import_onto_group_claim)
{
        make_product("P", 1);
        make_user("a@x.com", "US");
        make_user("b@x.com", "US");
        make_group_with("G", (const char *const[]){ "a@x.com", "b@x.com", NULL });
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_assert_int_eq(model_direct_import(m, "P", "b@x.com", NULL, 0), 1);
        ck_holder(m, "P", "a@x.com", false, 1, TEST_T0);
        ck_waiter(m, "P", "b@x.com", 1, TEST_T0);
        ck_assert(waits_directly("P", "b@x.com"));
        ck_assert_int_eq(model_direct_import(m, "P", "a@x.com", NULL, 0), 0);
        ck_holder(m, "P", "a@x.com", true, 1, TEST_T0);
        check_invariants(m);
}
END_TEST

START_TEST(test_plan_guid)
{
        char guid[MODEL_SKU_ID_MAX + 1];
        enum model_upsert done;

        make_product("P", 0);
        ck_ok(model_plans_set(m, "P", (const char *const[]){ "A" }, 1));
        ck_ok(model_plan_guid(m, "P", "A", guid));
        ck_assert_str_eq(guid, "");
        ck_ok(model_plan_upsert(m, "P", "B", "0A1B2C3D-0000-4000-8000-00000000000B", NULL, &done));
        ck_ok(model_plan_guid(m, "P", "B", guid));
        ck_assert_str_eq(guid, GUID_B);
        ck_refused(model_plan_guid(m, "P", "C", guid), ENOENT);
        ck_refused(model_plan_guid(m, "Q", "A", guid), ENOENT);
}
END_TEST

START_TEST(test_listings_in_order)
{
        make_product("P", 1);
        make_product("UNUSED", 0);
        make_product("GROUP_ONLY", 0);
        make_user("z@x.com", "US");
        make_user("a@x.com", "US");
        make_user("m@x.com", "US");
        ck_ok(model_group_create(m, "Zeta"));
        ck_ok(model_group_create(m, "Alpha"));
        ck_ok(model_member_add(m, "Alpha", "m@x.com"));
        ck_ok(model_member_add(m, "Alpha", "z@x.com"));
        ck_ok(model_member_add(m, "Alpha", "a@x.com"));
        ck_ok(model_group_license_add(m, "GROUP_ONLY", "Zeta"));
        ck_ok(model_group_license_add(m, "P", "Alpha"));
        ck_ok(model_user_delete(m, "m@x.com"));         /* its seat goes to z */
        ck_listing(m, MODEL_LIST_USERS_CREATED, NULL, NULL, "z@x.com", "a@x.com");
        ck_listing(m, MODEL_LIST_GROUPS_CREATED, NULL, NULL, "Zeta", "Alpha");
        ck_listing(m, MODEL_LIST_MEMBERS_JOINED, "Alpha", NULL, "z@x.com", "a@x.com");
        ck_listing(m, MODEL_LIST_USER_WAITS, "a@x.com", NULL, "P");
        ck_listing(m, MODEL_LIST_USER_WAITS, "z@x.com", NULL, NULL);
        ck_listing(m, MODEL_LIST_PRODUCTS_SUBSCRIBED, NULL, NULL, "GROUP_ONLY", "P");
        ck_err(model_list(m, MODEL_LIST_MEMBERS_JOINED, "Nope", NULL, NULL, NULL), ENOENT);
        ck_err(model_list(m, MODEL_LIST_USER_WAITS, "m@x.com", NULL, NULL, NULL), ENOENT);
}
END_TEST

static Suite *directory_suite(void)
{
        Suite *suite = suite_create("directory");
        TCase *tcase = model_tcase("directory");

        tcase_add_test(tcase, test_object_ids_set_and_get);
        tcase_add_test(tcase, test_object_ids_refused);
        tcase_add_test(tcase, test_object_ids_complete);
        tcase_add_test(tcase, test_directory_clear);
        tcase_add_test(tcase, test_direct_import_as_it_is);
        tcase_add_test(tcase, test_direct_import_refused);
        tcase_add_test(tcase, test_direct_import_onto_group_claim);
        tcase_add_test(tcase, test_plan_guid);
        tcase_add_test(tcase, test_listings_in_order);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(directory_suite());
}
