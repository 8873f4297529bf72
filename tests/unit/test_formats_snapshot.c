/*
 * The snapshot reader and writers of the formats layer, over a fresh in-memory tenant: a
 * snapshot imported with what it brought counted, its text cleaned and its GUIDs lower-cased,
 * warnings reported with their JSON paths; every refused value reported through the callback
 * by its JSON path, leaving the tenant unchanged (table-driven); a syntax error reported with
 * its line and column; a tenant that has users refused without --replace; a failure of the
 * database reported as the database's, not as a refused value; and the writers: an export
 * imported again exports the same, and the licensed users as CSV.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "snapshot_values.h"
#include "test_formats_helpers.h"

#define SKU "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
#define PLAN "41781fb2-bc02-4b7c-bd55-b576c07bb09d"
#define U1 "5e1a0000-0000-4000-8000-000000000001"
#define U2 "5e1a0000-0000-4000-8000-000000000002"
#define G1 "6e1a0000-0000-4000-8000-000000000001"
#define G2 "6e1a0000-0000-4000-8000-000000000002"

/* One product with one seat, two users who want it, two groups of the same name. */
static const char base[] =
        "{\"organization\": [{\"id\": \"7E1A0000-0000-4000-8000-000000000001\","
        "  \"displayName\": \"Contoso\", \"countryLetterCode\": \"DE\"}],"
        " \"subscribedSkus\": [{\"skuId\": \"" SKU "\", \"skuPartNumber\": \"P1\","
        "  \"displayName\": \" Plan\\u00a0 One \", \"prepaidUnits\": {\"enabled\": 1},"
        "  \"servicePlans\": [{\"servicePlanId\": \"" PLAN "\", \"servicePlanName\": \"MFA\"}]}],"
        " \"users\": [{\"id\": \"5E1A0000-0000-4000-8000-000000000001\","
        "  \"userPrincipalName\": \"a@x\", \"displayName\": \"A\", \"usageLocation\": \"DE\","
        "  \"assignedLicenses\": [{\"skuId\": \"" SKU "\", \"disabledPlans\": []}]},"
        "  {\"id\": \"" U2 "\", \"userPrincipalName\": \"b@x\","
        "  \"assignedLicenses\": [{\"skuId\": \"" SKU "\"}]}],"
        " \"groups\": [{\"id\": \"" G1 "\", \"displayName\": \"Sales\","
        "  \"members\": [{\"id\": \"" U1 "\"}], \"assignedLicenses\": []},"
        "  {\"id\": \"" G2 "\", \"displayName\": \"Sales\", \"members\": []}]}";

static const struct model_actor actor = { 0, "import", "test.json" };

static int import(struct model *model, json_t *root, bool replace, struct findings *f,
                  struct formats_snapshot_summary *ret)
{
        struct formats_report report = findings_report(f);

        return formats_snapshot_import(model, root, replace, &actor, &report, ret);
}

START_TEST(test_import)
{
        struct formats_snapshot_summary s;
        struct findings f = { 0 };
        json_t *root = test_json(base);
        char id[MODEL_SKU_ID_MAX + 1];
        struct model_product p;
        struct model_holder holder;
        struct model_tenant t;

        ck_ok(import(m, root, false, &f, &s));
        ck_assert_str_eq(f.text, "WARNING $.groups[1].displayName: a group named 'Sales' is "
                         "listed already; this one is imported as 'Sales (2)'\n"
                         "WARNING 0: b@x waits for P1: no seat left\n");
        ck_assert_int_eq(s.products, 1);
        ck_assert_int_eq(s.users, 2);
        ck_assert_int_eq(s.groups, 2);
        ck_assert_int_eq(s.held, 1);
        ck_assert_int_eq(s.waiting, 1);
        ck_assert_uint_eq(f.last_done, 5);
        ck_assert_uint_eq(f.last_total, 5);
        ck_ok(model_product_get(m, "P1", &p));
        ck_assert_str_eq(p.name, "Plan One");
        ck_ok(model_tenant_get(m, &t));
        ck_assert_str_eq(t.name, "Contoso");
        ck_ok(model_object_id_get(m, MODEL_OBJECT_USER, "a@x", id));
        ck_assert_str_eq(id, U1);
        ck_ok(model_object_id_get(m, MODEL_OBJECT_TENANT, NULL, id));
        ck_assert_str_eq(id, "7e1a0000-0000-4000-8000-000000000001");
        ck_ok(model_holder_get(m, "P1", "a@x", &holder));
        ck_assert(holder.direct);
        json_decref(root);
}
END_TEST

/* Sets the value at `where` ("users/0/id": object keys and array indexes) to `value` (JSON). */
static void patch(json_t *root, const char *where, const char *value)
{
        char path[128], *part, *next, *save = NULL;
        json_t *at = root, *parent = NULL;

        snprintf(path, sizeof(path), "%s", where);
        for (part = strtok_r(path, "/", &save); part; part = next) {
                next = strtok_r(NULL, "/", &save);
                parent = at;
                if (!next)
                        break;
                at = json_is_array(at) ? json_array_get(at, strtoul(part, NULL, 10))
                                       : json_object_get(at, part);
                ck_assert_msg(at != NULL, "no %s in the base snapshot", where);
        }
        if (!value)
                json_object_del(parent, part);
        else if (json_is_array(parent))
                json_array_set_new(parent, strtoul(part, NULL, 10), test_json(value));
        else
                json_object_set_new(parent, part, json_loads(value, JSON_DECODE_ANY, NULL));
}

/*
 * Each case: a change to the base snapshot, and the one finding it gives (a message that ends
 * in '*' matches any text from there: the model's own words).
 */
static const struct {
        const char *where, *value, *finding;
} refused[] = {
        { "users/0/id", "\"zzzzzzzz-0000-4000-8000-000000000001\"",
          "$.users[0].id: 'zzzzzzzz-0000-4000-8000-000000000001' is not a GUID" },
        { "users/0/id", "5", "$.users[0].id: not a GUID" },
        { "users/0/id", NULL, "$.users[0].id: missing" },
        { "users/1/userPrincipalName", "\"a@x\"", "$.users[1].userPrincipalName: *" },
        { "users/0/usageLocation", "\"XX\"", "$.users[0].usageLocation: *" },
        { "users/0/displayName", "7", "$.users[0].displayName: not a string" },
        { "users/0/userPrincipalName", "\" \\u00a0 \"", "$.users[0].userPrincipalName: empty" },
        { "subscribedSkus/0/prepaidUnits/enabled", "-1",
          "$.subscribedSkus[0].prepaidUnits.enabled: not a count from 0 to 2147483647" },
        { "subscribedSkus/0/servicePlans/0/servicePlanId", "\"nope\"",
          "$.subscribedSkus[0].servicePlans[0].servicePlanId: not a GUID" },
        { "groups/0/members/0/id", "\"5e1a0000-0000-4000-8000-000000000009\"",
          "$.groups[0].members[0].id: no user in users has id "
          "5e1a0000-0000-4000-8000-000000000009" },
        { "groups/0/id", "\"" U2 "\"", "$.groups[0].id: " U2 " is the id of user b@x already" },
        { "users/0/assignedLicenses/0/skuId", "\"00000000-0000-0000-0000-000000000000\"",
          "$.users[0].assignedLicenses[0].skuId: no product in subscribedSkus (or the catalog) "
          "has skuId 00000000-0000-0000-0000-000000000000" },
        { "users/0/assignedLicenses/0/disabledPlans", "[5]",
          "$.users[0].assignedLicenses[0].disabledPlans[0]: not a GUID" },
        { "users/0/assignedLicenses/0/disabledPlans", "[\"" U1 "\"]",
          "$.users[0].assignedLicenses[0].disabledPlans[0]: *" },
        { "users", NULL, "$.users: missing" },
        { "users", "{\"value\": [], \"@odata.nextLink\": \"https://graph\"}",
          "$.users: a Graph page with @odata.nextLink is only the first page; put all pages' "
          "values in one array" },
        { "groups", "{\"value\": 3}", "$.groups.value: not an array or a Graph page "
          "{\"value\": [...]}" },
        { "subscribedSkus/0", "[]", "$.subscribedSkus[0]: not an object" },
};

START_TEST(test_refused)
{
        struct formats_snapshot_summary s;
        struct findings f = { 0 };
        json_t *root = test_json(base);
        const char *want = refused[_i].finding, *star = strchr(want, '*');
        size_t prefix = star ? (size_t)(star - want) : strlen(want);
        char *before = tenant_snapshot(m), *after;

        patch(root, refused[_i].where, refused[_i].value);
        ck_assert_int_eq(import(m, root, false, &f, &s), -EINVAL);
        ck_assert_msg(f.calls == 1 && strncmp(f.text, "REFUSED ", 8) == 0, "%s: findings [%s]",
                      refused[_i].where, f.text);
        f.text[f.len - 1] = '\0';
        ck_assert_msg(star ? strncmp(f.text + 8, want, prefix) == 0 && f.text[8 + prefix]
                           : strcmp(f.text + 8, want) == 0,
                      "%s: [%s], expected [%s]", refused[_i].where, f.text + 8, want);
        after = tenant_snapshot(m);
        ck_same_snapshot_at(CK_WHERE, refused[_i].where, before, after);
        json_decref(root);
}
END_TEST

/* The value readers alone, with no model: what a planner of changes reads a snapshot with. */
START_TEST(test_values_without_model)
{
        struct findings f = { 0 };
        struct formats_report report = findings_report(&f);
        json_t *obj = test_json("{\"id\": \"5E1A0000-0000-4000-8000-00000000000A\", \"n\": 3,"
                            " \"name\": \" a\\u00a0\\t b \", \"list\": {\"value\": [1]},"
                            " \"bad\": \"5e1a0000\"}");
        char text[MODEL_TEXT_MAX + 1], guid[MODEL_SKU_ID_MAX + 1], at[SNAP_PATH_BYTES];
        int64_t count;
        json_t *list;

        ck_ok(snap_get_guid(&report, obj, "$.x", "id", guid));
        ck_assert_str_eq(guid, "5e1a0000-0000-4000-8000-00000000000a");
        ck_ok(snap_get_count(&report, obj, "$.x", "n", &count));
        ck_assert_int_eq(count, 3);
        ck_ok(snap_get_text(&report, obj, "$.x", "name", true, true, text));
        ck_assert_str_eq(text, "a b");
        ck_ok(snap_get_list(&report, obj, "$.x", "list", true, &list, at));
        ck_assert_int_eq(json_array_size(list), 1);
        ck_assert_str_eq(at, "$.x.list.value");
        ck_assert_str_eq(f.text, "");
        ck_assert_int_eq(snap_get_guid(&report, obj, "$.x", "bad", guid), -EINVAL);
        ck_assert_int_eq(snap_get_count(&report, obj, "$.x", "name", &count), -EINVAL);
        ck_assert_int_eq(snap_get_list(&report, obj, "$.x", "missing", true, &list, at), -EINVAL);
        ck_assert_str_eq(f.text, "REFUSED $.x.bad: not a GUID\n"
                         "REFUSED $.x.name: not a count from 0 to 2147483647\n"
                         "REFUSED $.x.missing: missing\n");
        json_decref(obj);
}
END_TEST

/* A text too long for the model is refused by its path, the limit named. */
START_TEST(test_refused_long_text)
{
        struct formats_snapshot_summary s;
        struct findings f = { 0 };
        json_t *root = test_json(base);
        char *name = make_name("", 'n', "", MODEL_TEXT_MAX + 1);

        json_object_set_new(json_array_get(json_object_get(root, "users"), 0), "displayName",
                            json_string(name));
        ck_assert_int_eq(import(m, root, false, &f, &s), -EINVAL);
        ck_assert_str_eq(f.text, "REFUSED $.users[0].displayName: longer than 1024 bytes\n");
        free(name);
        json_decref(root);
}
END_TEST

/* A tenant that has users is not replaced unless asked: ENOTEMPTY, nothing reported. */
START_TEST(test_not_empty)
{
        struct formats_snapshot_summary s;
        struct findings f = { 0 };
        json_t *root = test_json(base);

        ck_ok(import(m, root, false, &f, &s));
        f = (struct findings){ 0 };
        ck_assert_int_eq(import(m, root, false, &f, &s), -ENOTEMPTY);
        ck_assert_uint_eq(f.calls, 0);
        ck_ok(import(m, root, true, &f, &s));
        ck_assert_int_eq(s.users, 2);
        json_decref(root);
}
END_TEST

START_TEST(test_not_an_object)
{
        struct formats_snapshot_summary s;
        struct findings f = { 0 };
        json_t *root = test_json("[1]");

        ck_assert_int_eq(import(m, root, false, &f, &s), -EINVAL);
        ck_assert_str_eq(f.text, "REFUSED $: not an object with subscribedSkus, users and "
                         "groups\n");
        json_decref(root);
}
END_TEST

/* The JSON text: a syntax error by line and column, a byte order mark skipped, keys unique. */
static const struct {
        const char *text, *finding;     /* finding NULL: parsed */
} texts[] = {
        { "{\"users\": [\n  {\"id\": 1}\n  {\"id\": 2}]}",
          "REFUSED 3:3: ']' expected near '{'\n" },
        { "{\"a\": 1, \"a\": 2}", "REFUSED 1:12: duplicate object key near '\"a\"'\n" },
        { "", "REFUSED 1: '[' or '{' expected near end of file\n" },
        { "\xef\xbb\xbf{\"users\": []}", NULL },
};

START_TEST(test_parse)
{
        struct findings f = { 0 };
        struct formats_report report = findings_report(&f);
        json_t *root = NULL;
        int r;

        r = formats_snapshot_parse(texts[_i].text, strlen(texts[_i].text), &report, &root);
        if (!texts[_i].finding) {
                ck_assert_int_eq(r, 0);
                ck_assert(json_is_array(json_object_get(root, "users")));
                json_decref(root);
                return;
        }
        ck_assert_int_eq(r, -EINVAL);
        ck_assert_ptr_null(root);
        ck_assert_msg(strcmp(f.text, texts[_i].finding) == 0, "case %d: [%s], expected [%s]",
                      _i, f.text, texts[_i].finding);
}
END_TEST

/* An export, imported into a new tenant, exports the same. */
START_TEST(test_export_round_trip)
{
        struct formats_snapshot_summary s;
        struct findings f = { 0 };
        json_t *root = test_json(base), *first = NULL, *second = NULL;
        struct model *other = NULL;

        ck_ok(import(m, root, false, &f, &s));
        ck_ok(formats_snapshot_export(m, &first));
        ck_assert_int_eq(json_array_size(json_object_get(first, "users")), 2);
        ck_assert_int_eq(json_array_size(json_object_get(first, "groups")), 2);
        ck_ok(test_model_open(&other));
        ck_ok(import(other, first, false, &f, &s));
        ck_ok(formats_snapshot_export(other, &second));
        ck_assert_msg(json_equal(first, second), "the second export differs");
        model_close(other);
        json_decref(root);
        json_decref(first);
        json_decref(second);
}
END_TEST

/*
 * A snapshot's subscriptions: their seats replace prepaidUnits, their end dates come from the
 * status and nextLifecycleDateTime (a Warning one ended 30 days before it), a LockedOut one is
 * skipped with a warning; an export writes them back as they came.
 */
START_TEST(test_subscriptions)
{
        struct formats_snapshot_summary s;
        struct model_subscription sub;
        struct findings f = { 0 };
        json_t *root = test_json(base), *subs, *out = NULL, *back;
        struct model_product p;

        subs = test_json("[{\"id\": \"S-ENABLED\", \"skuId\": \"" SKU "\", \"status\": "
                         "\"Enabled\", \"totalLicenses\": 3, \"isTrial\": true, "
                         "\"createdDateTime\": \"2023-01-02T03:04:05Z\", "
                         "\"nextLifecycleDateTime\": null},"
                         " {\"id\": \"S-WARNING\", \"skuPartNumber\": \"P1\", \"status\": "
                         "\"Warning\", \"totalLicenses\": 2, "
                         "\"nextLifecycleDateTime\": \"2023-12-01T00:00:00.000Z\"},"
                         " {\"id\": \"S-LOCKED\", \"skuPartNumber\": \"P1\", \"status\": "
                         "\"LockedOut\", \"totalLicenses\": 9}]");
        json_object_set_new(root, "subscriptions", subs);
        ck_ok(import(m, root, false, &f, &s));
        ck_assert_msg(strstr(f.text, "$.subscriptions[2].status: a subscription LockedOut"),
                      "%s", f.text);
        ck_listing(m, MODEL_LIST_SUBSCRIPTIONS, "P1", NULL, "S-ENABLED", "S-WARNING");
        ck_ok(model_subscription_get(m, "P1", "S-ENABLED", &sub));
        ck_assert(sub.trial && sub.seats == 3 && sub.ends == 0 && sub.created == 1672628645);
        ck_assert_str_eq(sub.status, "Enabled");
        ck_ok(model_subscription_get(m, "P1", "S-WARNING", &sub));
        /* ended 30 days before it is suspended; the clock (2023-11-14) has it in its grace */
        ck_assert_int_eq(sub.ends, 1701388800 - 30 * 86400);
        ck_assert_str_eq(sub.status, "Warning");
        ck_ok(model_product_get(m, "P1", &p));
        ck_assert_int_eq(p.total, 5);
        ck_assert_int_eq(p.expiring_soon, 2);
        check_invariants(m);
        ck_ok(formats_snapshot_export(m, &out));
        back = json_object_get(out, "subscriptions");
        ck_assert_int_eq(json_array_size(back), 2);
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(back, 1),
                                                           "nextLifecycleDateTime")),
                         "2023-12-01T00:00:00Z");
        ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_array_get(
                json_object_get(out, "subscribedSkus"), 0), "prepaidUnits"), "warning")), 2);
        json_decref(root);
        json_decref(out);
}
END_TEST

/* A product of the tenant's that has subscriptions keeps their seats, whatever prepaidUnits say. */
START_TEST(test_subscribed_product_keeps_its_seats)
{
        struct formats_snapshot_summary s;
        struct findings f = { 0 };
        json_t *root = test_json(base);
        struct model_product p;

        ck_ok(model_product_create(m, "P1"));
        ck_ok(model_product_set_total(m, "P1", 4));
        ck_ok(model_subscription_create(m, "P1", "S"));
        ck_ok(import(m, root, false, &f, &s));
        ck_assert_msg(strstr(f.text, "P1 has subscriptions: its seats are theirs"), "%s", f.text);
        ck_ok(model_product_get(m, "P1", &p));
        ck_assert_int_eq(p.total, 4);
        check_invariants(m);
        json_decref(root);
}
END_TEST

/* A subscription of no sku of the snapshot refuses the file, with its place. */
START_TEST(test_subscription_refused)
{
        struct formats_snapshot_summary s;
        struct findings f = { 0 };
        json_t *root = test_json(base);

        json_object_set_new(root, "subscriptions", test_json(
                "{\"value\": [{\"id\": \"S\", \"skuPartNumber\": \"NOPE\", \"status\": "
                "\"Enabled\"}]}"));
        ck_assert_int_lt(import(m, root, false, &f, &s), 0);
        ck_assert_msg(strstr(f.text, "$.subscriptions.value[0].skuPartNumber: no sku in "
                             "subscribedSkus is NOPE"), "%s", f.text);
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, NULL);
        json_decref(root);
}
END_TEST

START_TEST(test_csv_export)
{
        struct formats_snapshot_summary s;
        struct findings f = { 0 };
        json_t *root = test_json(base);
        char *text = NULL;
        size_t size = 0;

        ck_ok(import(m, root, false, &f, &s));
        ck_ok(formats_csv_export(m, &text, &size));
        ck_assert_str_eq(text,
                         "userPrincipalName,displayName,product,state,assignmentPaths,error\r\n"
                         "a@x,A,P1,active,Direct,\r\n"
                         "b@x,b@x,P1,error,Direct,CountViolation\r\n");
        ck_assert_uint_eq(size, strlen(text));
        free(text);
        json_decref(root);
}
END_TEST

struct import_step {
        struct model *model;
        json_t *root;
        struct findings *f;
};

static int import_step(void *ctx)
{
        struct import_step *step = ctx;
        struct formats_snapshot_summary s;

        return import(step->model, step->root, false, step->f, &s);
}

/*
 * A database file that cannot grow: the import fails as the database's, not as a refusal of
 * the value being read when it failed, and the tenant is as it was. The users are more than
 * SQLite's page cache holds, so that the failure comes half-way, from a model call.
 */
START_TEST(test_database_failure)
{
        enum { USERS = 6000 };
        struct findings f = { 0 };
        json_t *root = test_json(base), *users = json_array();
        struct model *model = NULL;
        char *name = make_name("", 'n', "", 500);
        char upn[32], id[40];
        int i, r;

        /* A file that cannot grow is SQLite's; a database failure is the same error path. */
        if (test_on_postgres()) {
                free(name);
                json_decref(users);
                json_decref(root);
                return;
        }

        for (i = 0; i < USERS; i++) {
                snprintf(upn, sizeof(upn), "u%d@x", i);
                snprintf(id, sizeof(id), "5e1a0000-0000-4000-8000-%012d", i + 100);
                json_array_append_new(users, json_pack("{s:s, s:s, s:s}", "id", id,
                                                       "userPrincipalName", upn,
                                                       "displayName", name));
        }
        json_object_set_new(root, "users", users);
        json_object_set_new(root, "groups", json_array());
        ck_ok(model_open(formats_db_path, &model));
        r = without_growth(import_step, &(struct import_step){ model, root, &f });

        ck_assert_msg(r < 0, "an import into a file that cannot grow succeeded");
        ck_assert_msg(f.calls == 1 && strncmp(f.text, "DATABASE ", 9) == 0, "findings: [%s]",
                      f.text);
        ck_assert_msg(f.progress_calls < USERS, "the failure was not half-way: %zu progress "
                      "calls", f.progress_calls);
        model_close(model);
        ck_ok(model_open(formats_db_path, &model));
        ck_assert_int_eq(model_directory_is_empty(model), 1);
        model_close(model);
        free(name);
        json_decref(root);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("formats_snapshot");
        TCase *tcase = model_tcase("snapshot"), *files = tcase_create("files");

        tcase_add_test(tcase, test_import);
        tcase_add_loop_test(tcase, test_refused, 0, sizeof(refused) / sizeof(refused[0]));
        tcase_add_test(tcase, test_refused_long_text);
        tcase_add_test(tcase, test_values_without_model);
        tcase_add_test(tcase, test_not_empty);
        tcase_add_test(tcase, test_not_an_object);
        tcase_add_loop_test(tcase, test_parse, 0, sizeof(texts) / sizeof(texts[0]));
        tcase_add_test(tcase, test_export_round_trip);
        tcase_add_test(tcase, test_subscriptions);
        tcase_add_test(tcase, test_subscription_refused);
        tcase_add_test(tcase, test_subscribed_product_keeps_its_seats);
        tcase_add_test(tcase, test_csv_export);
        suite_add_tcase(suite, tcase);
        tcase_add_checked_fixture(files, formats_dir_setup, formats_dir_teardown);
        tcase_add_test(files, test_database_failure);
        suite_add_tcase(suite, files);
        return run_suite(suite);
}
