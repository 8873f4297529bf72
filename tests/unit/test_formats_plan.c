/*
 * The planner of the formats layer (plan.h), on snapshots written here in the shape export
 * writes (short ids stand for GUIDs: the planner only compares them). The rules: two equal
 * tenants need nothing; objects are matched by id, else by UPN (ASCII case aside), group name,
 * part number and plan name, and the requests use the real tenant's ids; a plan only the
 * tenant's product has keeps the state the tenant gives it; products, groups and members only
 * the tenant has are left as they are; the steps come in order, each in batches of its own of at
 * most 20 requests, with the waits after group changes; and what cannot be planned (seats the
 * tenant lacks, a direct license without a usage location) is reported once each and counted.
 */
#include "check_helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "test_formats_helpers.h"

/* Two products, a user, a group. %s: the user's direct licenses; %s: the group's members. */
#define SKUS(S1, P1, P2) \
        "\"subscribedSkus\": [{\"skuId\": \"" S1 "\", \"skuPartNumber\": \"P1\"," \
        " \"prepaidUnits\": {\"enabled\": 2, \"warning\": 0}, \"servicePlans\": [" \
        "  {\"servicePlanId\": \"" P1 "\", \"servicePlanName\": \"MFA\"}," \
        "  {\"servicePlanId\": \"" P2 "\", \"servicePlanName\": \"EXO\"}]}]"

/* A tenant: SKUS, then users and groups as given (JSON array bodies). */
static json_t *tenant(const char *skus, const char *users, const char *groups)
{
        char text[8192];

        snprintf(text, sizeof(text), "{\"organization\": {\"displayName\": \"T\"}, %s, "
                 "\"users\": [%s], \"groups\": [%s]}", skus, users, groups);
        return test_json(text);
}

/* The plan of want against have, compact, one batch a line; the findings into f. */
static char *plan(json_t *want, json_t *have, struct findings *f,
                  struct formats_plan_summary *ret)
{
        struct formats_report report = findings_report(f);
        json_t *batches, *batch;
        char *text = calloc(1, 65536), *one;
        size_t i;

        ck_assert_int_eq(formats_plan(want, have, &report, &batches, ret), 0);
        json_array_foreach(batches, i, batch) {
                one = json_dumps(batch, JSON_COMPACT);
                strcat(text, one);
                strcat(text, "\n");
                free(one);
        }
        json_decref(batches);
        json_decref(want);
        json_decref(have);
        return text;
}

#define SKUS_A SKUS("s1", "p1", "p2")
#define USER(ID, UPN, LOC, DIRECT) \
        "{\"id\": \"" ID "\", \"userPrincipalName\": \"" UPN "\", \"displayName\": \"N\"," \
        " \"usageLocation\": \"" LOC "\", \"licenseAssignmentStates\": [" DIRECT "]}"
#define DIRECT(SKU, PLANS) \
        "{\"assignedByGroup\": null, \"disabledPlans\": [" PLANS "], \"skuId\": \"" SKU "\"," \
        " \"state\": \"Active\"}"
#define GROUP(ID, NAME, LICENSES, MEMBERS) \
        "{\"id\": \"" ID "\", \"displayName\": \"" NAME "\", \"assignedLicenses\": [" LICENSES \
        "], \"members\": [" MEMBERS "]}"
#define LICENSE(SKU, PLANS) "{\"skuId\": \"" SKU "\", \"disabledPlans\": [" PLANS "]}"
#define MEMBER(ID) "{\"id\": \"" ID "\"}"

#define ASSIGN(OWNER, ID, ADD, REMOVE) \
        "{\"id\":\"1\",\"method\":\"POST\",\"url\":\"/" OWNER "/" ID "/assignLicense\"," \
        "\"headers\":{\"Content-Type\":\"application/json\"},\"body\":{\"addLicenses\":[" \
        ADD "],\"removeLicenses\":[" REMOVE "]}}"
#define ADDED(SKU, PLANS) "{\"skuId\":\"" SKU "\",\"disabledPlans\":[" PLANS "]}"

START_TEST(test_equal_tenants)
{
        const char *users = USER("u1", "a@x", "DE", DIRECT("s1", "\"p1\""));
        const char *groups = GROUP("g1", "G", LICENSE("s1", ""), MEMBER("u1"));
        struct findings f = { 0 };
        struct formats_plan_summary s;
        char *text = plan(tenant(SKUS_A, users, groups), tenant(SKUS_A, users, groups), &f, &s);

        ck_assert_str_eq(text, "");
        ck_assert_str_eq(f.text, "");
        ck_assert_int_eq(s.requests + s.batches + s.not_planned, 0);
        free(text);
}
END_TEST

/* By UPN, part number and plan name when the ids differ: the requests use the tenant's. */
START_TEST(test_second_keys)
{
        struct findings f = { 0 };
        struct formats_plan_summary s;
        char *text = plan(tenant(SKUS("s1", "p1", "p2"),
                                 USER("u1", "A@X", "DE", DIRECT("s1", "\"p2\"")), ""),
                          tenant(SKUS("S9", "P9", "Q9"), USER("U9", "a@x", "DE", ""), ""),
                          &f, &s);

        ck_assert_str_eq(text, "{\"requests\":[" ASSIGN("users", "U9", ADDED("S9", "\"Q9\""), "")
                         "]}\n");
        ck_assert_str_eq(f.text, "");
        ck_assert_int_eq(s.licenses_added, 1);
        free(text);
}
END_TEST

/* A plan licensefs does not know keeps the tenant's state; one the tenant lacks is said. */
START_TEST(test_unknown_plans)
{
        const char *want_skus =
                "\"subscribedSkus\": [{\"skuId\": \"s1\", \"skuPartNumber\": \"P1\","
                " \"prepaidUnits\": {\"enabled\": 2}, \"servicePlans\": ["
                "  {\"servicePlanId\": \"p1\", \"servicePlanName\": \"MFA\"},"
                "  {\"servicePlanId\": \"p3\", \"servicePlanName\": \"NEW\"}]}]";
        struct findings f = { 0 };
        struct formats_plan_summary s;
        char *text = plan(tenant(want_skus, USER("u1", "a@x", "DE", DIRECT("s1", "\"p1\"")), ""),
                          tenant(SKUS_A, USER("u1", "a@x", "DE", DIRECT("s1", "\"p2\"")), ""),
                          &f, &s);

        /* p1 off as licensefs says, p2 (EXO, unknown to licensefs) off as the tenant has it. */
        ck_assert_str_eq(text, "{\"requests\":[" ASSIGN("users", "u1",
                                                         ADDED("s1", "\"p1\",\"p2\""), "")
                         "]}\n");
        ck_assert_str_eq(f.text, "SKIPPED 0: P1: the tenant's product has no service plan NEW: not "
                         "disabled or enabled there\n");
        ck_assert_int_eq(s.not_planned, 1);
        ck_assert_int_eq(s.licenses_changed, 1);
        free(text);
}
END_TEST

/* What licensefs does not know stays: another product's license, another user's membership. */
START_TEST(test_left_as_it_is)
{
        const char *have_skus =
                "\"subscribedSkus\": [{\"skuId\": \"s1\", \"skuPartNumber\": \"P1\","
                " \"prepaidUnits\": {\"enabled\": 2}},"
                " {\"skuId\": \"s2\", \"skuPartNumber\": \"P2\","
                " \"prepaidUnits\": {\"enabled\": 2}}]";
        struct findings f = { 0 };
        struct formats_plan_summary s;
        char *text = plan(tenant("\"subscribedSkus\": [{\"skuId\": \"s1\", \"skuPartNumber\": "
                                 "\"P1\", \"prepaidUnits\": {\"enabled\": 2}}]",
                                 USER("u1", "a@x", "DE", ""), GROUP("g1", "G", "", "")),
                          tenant(have_skus, USER("u1", "a@x", "DE", DIRECT("s2", "")) ","
                                 USER("u2", "b@x", "DE", ""), GROUP("g1", "G", "", MEMBER("u2"))),
                          &f, &s);

        ck_assert_str_eq(text, "");
        ck_assert_str_eq(f.text, "SKIPPED 0: P2: in the tenant, not in licensefs: its licenses are "
                         "left as they are\nSKIPPED 0: b@x: in the tenant, not in licensefs "
                         "(deleted there?): left as it is\n");
        free(text);
}
END_TEST

/* Locations, frees, group takes, direct takes: each step a batch, the waits after groups. */
START_TEST(test_steps)
{
        struct findings f = { 0 };
        struct formats_plan_summary s;
        char *text = plan(tenant(SKUS_A, USER("u1", "a@x", "DE", DIRECT("s1", "")) ","
                                 USER("u2", "b@x", "FR", ""), GROUP("g1", "G", LICENSE("s1", ""),
                                                                   MEMBER("u2"))),
                          tenant(SKUS_A, USER("u1", "a@x", "", "") ","
                                 USER("u2", "b@x", "FR", DIRECT("s1", "")),
                                 GROUP("g1", "G", LICENSE("s1", ""), "")),
                          &f, &s);

        ck_assert_str_eq(text,
                "{\"requests\":[{\"id\":\"1\",\"method\":\"PATCH\",\"url\":\"/users/u1\","
                "\"headers\":{\"Content-Type\":\"application/json\"},"
                "\"body\":{\"usageLocation\":\"DE\"}}]}\n"
                "{\"requests\":[" ASSIGN("users", "u2", "", "\"s1\"") "]}\n"
                "{\"requests\":[{\"id\":\"1\",\"method\":\"POST\",\"url\":\"/groups/g1/members/"
                "$ref\",\"headers\":{\"Content-Type\":\"application/json\"},\"body\":{"
                "\"@odata.id\":\"https://graph.microsoft.com/v1.0/directoryObjects/u2\"}}]}\n"
                "{\"requests\":[" ASSIGN("users", "u1", ADDED("s1", ""), "") "]}\n");
        ck_assert_int_eq(s.batches, 4);
        /* Batch 3 takes group seats but no group change came before it; batch 4 waits. */
        ck_assert_int_eq(s.wait_before[0], 0);
        ck_assert_int_eq(s.wait_before[1], 4);
        ck_assert_str_eq(f.text, "");
        free(text);
}
END_TEST

/* 21 usage locations: a batch of 20, ids 1..20, and one of 1. */
START_TEST(test_batch_size)
{
        char want[4096] = "", have[4096] = "", user[256];
        struct findings f = { 0 };
        struct formats_plan_summary s;
        json_t *batches, *w, *h;
        struct formats_report report = findings_report(&f);
        int i;

        for (i = 0; i < 21; i++) {
                snprintf(user, sizeof(user), "%s{\"id\": \"u%d\", \"userPrincipalName\": "
                         "\"u%d@x\", \"usageLocation\": \"%s\"}", i ? "," : "", i, i, "DE");
                strcat(want, user);
                snprintf(user, sizeof(user), "%s{\"id\": \"u%d\", \"userPrincipalName\": "
                         "\"u%d@x\"}", i ? "," : "", i, i);
                strcat(have, user);
        }
        w = tenant(SKUS_A, want, "");
        h = tenant(SKUS_A, have, "");
        ck_assert_int_eq(formats_plan(w, h, &report, &batches, &s), 0);
        ck_assert_int_eq(json_array_size(batches), 2);
        ck_assert_int_eq(json_array_size(json_object_get(json_array_get(batches, 0), "requests")),
                         FORMATS_PLAN_BATCH_MAX);
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
                json_array_get(batches, 0), "requests"), 19), "id")), "20");
        ck_assert_int_eq(json_array_size(json_object_get(json_array_get(batches, 1), "requests")),
                         1);
        ck_assert_int_eq(s.locations_set, 21);
        json_decref(batches);
        json_decref(w);
        json_decref(h);
}
END_TEST

/* Not enough seats in the tenant: the direct license added is left out, and said. */
START_TEST(test_seats)
{
        struct findings f = { 0 };
        struct formats_plan_summary s;
        char *text = plan(tenant(SKUS_A, USER("u1", "a@x", "DE", DIRECT("s1", "")) ","
                                 USER("u2", "b@x", "DE", DIRECT("s1", "")) ","
                                 USER("u3", "c@x", "DE", DIRECT("s1", "")), ""),
                          tenant(SKUS_A, USER("u1", "a@x", "DE", DIRECT("s1", "")) ","
                                 USER("u2", "b@x", "DE", DIRECT("s1", "")) ","
                                 USER("u3", "c@x", "DE", ""), ""),
                          &f, &s);

        ck_assert_str_eq(text, "");
        ck_assert_str_eq(f.text, "SKIPPED 0: c@x: P1 needs 3 seats, the tenant has 2: left out\n");
        ck_assert_int_eq(s.not_planned, 1);
        free(text);
}
END_TEST

/* A direct license needs a usage location: without one anywhere it is left out, and said. */
START_TEST(test_no_location)
{
        struct findings f = { 0 };
        struct formats_plan_summary s;
        char *text = plan(tenant(SKUS_A, USER("u1", "a@x", "", DIRECT("s1", "")), ""),
                          tenant(SKUS_A, USER("u1", "a@x", "", ""), ""), &f, &s);

        ck_assert_str_eq(text, "");
        ck_assert_str_eq(f.text, "SKIPPED 0: a@x: P1 needs a usage location, which neither "
                         "licensefs nor the tenant has: left out\n");
        free(text);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("formats_plan");
        TCase *tcase = tcase_create("plan");

        tcase_add_test(tcase, test_equal_tenants);
        tcase_add_test(tcase, test_second_keys);
        tcase_add_test(tcase, test_unknown_plans);
        tcase_add_test(tcase, test_left_as_it_is);
        tcase_add_test(tcase, test_steps);
        tcase_add_test(tcase, test_batch_size);
        tcase_add_test(tcase, test_seats);
        tcase_add_test(tcase, test_no_location);
        suite_add_tcase(suite, tcase);
        return run_suite(suite);
}
