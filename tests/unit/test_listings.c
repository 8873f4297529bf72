/*
 * model_list: every listing of enum model_listing over one tenant whose names were created out
 * of order and mix upper case, lower case, blanks and UTF-8, so only a bytewise sort gives the
 * expected order; ENOENT for each missing parent; a non-zero callback result stops the listing
 * and is returned; listings read together (model_list_each) give what each gives alone.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * Products P2 (1 seat), P1 (2 seats), p0 (5 seats), é (1 seat); users zoe@, Bob@, amy@;
 * groups g2 {zoe, Bob, amy}, G1 {zoe, amy}, "g 3" {}. P2 goes to g2: zoe (first to join)
 * holds it, Bob and amy wait; then to G1 (amy now waits through both). P1 goes to G1: zoe and
 * amy hold it. zoe also has P1 directly; Bob has p0 directly.
 */
static void make_listing_tenant(void)
{
        make_product("P2", 1);
        make_product("P1", 2);
        make_product("p0", 5);
        make_product("é", 1);
        make_user("zoe@x.com", "US");
        make_user("Bob@x.com", "US");
        make_user("amy@x.com", "US");
        make_group("g2", "zoe@x.com", "Bob@x.com", "amy@x.com");
        make_group("G1", "zoe@x.com", "amy@x.com");
        ck_ok(model_group_create(m, "g 3"));
        ck_step(model_group_license_add(m, "P2", "g2"));
        ck_step(model_group_license_add(m, "P2", "G1"));
        ck_step(model_group_license_add(m, "P1", "G1"));
        ck_step(model_direct_assign(m, "P1", "zoe@x.com"));
        ck_step(model_direct_assign(m, "p0", "Bob@x.com"));
}

START_TEST(test_top_level_listings)
{
        make_listing_tenant();
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "P1", "P2", "p0", "é");
        ck_listing(m, MODEL_LIST_USERS, NULL, NULL, "Bob@x.com", "amy@x.com", "zoe@x.com");
        ck_listing(m, MODEL_LIST_GROUPS, NULL, NULL, "G1", "g 3", "g2");
}
END_TEST

START_TEST(test_product_listings)
{
        make_listing_tenant();
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P1", NULL, "amy@x.com", "zoe@x.com");
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P2", NULL, "zoe@x.com");
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "p0", NULL, "Bob@x.com");
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "é", NULL, NULL);
        ck_listing(m, MODEL_LIST_PRODUCT_GROUPS, "P1", NULL, "G1");
        ck_listing(m, MODEL_LIST_PRODUCT_GROUPS, "P2", NULL, "G1", "g2");
        ck_listing(m, MODEL_LIST_PRODUCT_GROUPS, "p0", NULL, NULL);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "P2", NULL, "Bob@x.com", "amy@x.com");
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "P1", NULL, NULL);
        ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "p0", NULL, NULL);
}
END_TEST

START_TEST(test_user_listings)
{
        make_listing_tenant();
        ck_listing(m, MODEL_LIST_USER_LICENSES, "zoe@x.com", NULL, "P1", "P2");
        ck_listing(m, MODEL_LIST_USER_LICENSES, "Bob@x.com", NULL, "p0");
        ck_listing(m, MODEL_LIST_USER_LICENSES, "amy@x.com", NULL, "P1");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "zoe@x.com", NULL, "G1", "g2");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "Bob@x.com", NULL, "g2");
        ck_listing(m, MODEL_LIST_USER_GROUPS, "amy@x.com", NULL, "G1", "g2");
}
END_TEST

START_TEST(test_group_listings)
{
        make_listing_tenant();
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "G1", NULL, "amy@x.com", "zoe@x.com");
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "g2", NULL, "Bob@x.com", "amy@x.com",
                   "zoe@x.com");
        ck_listing(m, MODEL_LIST_GROUP_MEMBERS, "g 3", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_LICENSES, "G1", NULL, "P1", "P2");
        ck_listing(m, MODEL_LIST_GROUP_LICENSES, "g2", NULL, "P2");
        ck_listing(m, MODEL_LIST_GROUP_LICENSES, "g 3", NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "G1", NULL, "amy@x.com");
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "g2", NULL, "Bob@x.com", "amy@x.com");
        ck_listing(m, MODEL_LIST_GROUP_WAITERS, "g 3", NULL, NULL);
}
END_TEST

START_TEST(test_path_listings)
{
        make_listing_tenant();
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "P2", "zoe@x.com", "G1", "g2");
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "P1", "zoe@x.com", "G1");
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "P1", "amy@x.com", "G1");
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "p0", "Bob@x.com", NULL);
        ck_listing(m, MODEL_LIST_WAITER_PRODUCTS, "G1", "amy@x.com", "P2");
        ck_listing(m, MODEL_LIST_WAITER_PRODUCTS, "g2", "amy@x.com", "P2");
        ck_listing(m, MODEL_LIST_WAITER_PRODUCTS, "g2", "Bob@x.com", "P2");
        check_invariants(m);
}
END_TEST

/* Bytewise order puts blanks, digits, upper case, '_', lower case, then UTF-8 (0x80 and up). */
START_TEST(test_bytewise_order)
{
        static const char *const created[] = {
                "é", "b", "a b", "ab", "_x", "Zed", "a", "B", "10", "9", "Ä", "a(1)", "a/b",
        };

        for (int i = 0; i < COUNT(created); i++)
                ck_ok(model_product_create(m, created[i]));
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "10", "9", "B", "Zed", "_x", "a", "a b",
                   "a(1)", "a/b", "ab", "b", "Ä", "é");
}
END_TEST

struct missing_case {
        enum model_listing listing;
        const char *a;
        const char *b;
};

static const struct missing_case missing_parents[] = {
        { MODEL_LIST_PRODUCT_HOLDERS, "NOPE", NULL },
        { MODEL_LIST_PRODUCT_GROUPS, "NOPE", NULL },
        { MODEL_LIST_PRODUCT_WAITERS, "NOPE", NULL },
        { MODEL_LIST_USER_LICENSES, "nobody@x.com", NULL },
        { MODEL_LIST_USER_GROUPS, "nobody@x.com", NULL },
        { MODEL_LIST_GROUP_MEMBERS, "NOPE", NULL },
        { MODEL_LIST_GROUP_LICENSES, "NOPE", NULL },
        { MODEL_LIST_GROUP_WAITERS, "NOPE", NULL },
        { MODEL_LIST_PATH_GROUPS, "NOPE", "zoe@x.com" },
        { MODEL_LIST_PATH_GROUPS, "P1", "nobody@x.com" },
        { MODEL_LIST_WAITER_PRODUCTS, "NOPE", "amy@x.com" },
        { MODEL_LIST_WAITER_PRODUCTS, "G1", "nobody@x.com" },
        /* names that exist, but as another kind of object */
        { MODEL_LIST_PRODUCT_HOLDERS, "G1", NULL },
        { MODEL_LIST_GROUP_MEMBERS, "P1", NULL },
        { MODEL_LIST_USER_LICENSES, "P1", NULL },
};

static int count_calls(void *ctx, const char *name)
{
        (void)name;
        (*(int *)ctx)++;
        return 0;
}

START_TEST(test_missing_parent)
{
        const struct missing_case *test = &missing_parents[_i];
        int calls = 0;
        int rc;

        make_listing_tenant();
        rc = model_list(m, test->listing, test->a, test->b, count_calls, &calls);
        ck_assert_msg(rc == -ENOENT, "listing %d of (\"%s\", \"%s\") returned %s, expected ENOENT",
                      (int)test->listing, test->a, test->b ? test->b : "(null)", errno_name(rc));
        ck_assert_int_eq(calls, 0);
}
END_TEST

struct stop_context {
        int calls;
        int stop_at;
};

static int stop_early(void *ctx, const char *name)
{
        struct stop_context *stop = ctx;

        (void)name;
        return ++stop->calls == stop->stop_at ? 42 : 0;
}

START_TEST(test_callback_stops_listing)
{
        struct stop_context stop = { .stop_at = 2 };
        struct names names;

        make_listing_tenant();
        ck_assert_int_eq(model_list(m, MODEL_LIST_USERS, NULL, NULL, stop_early, &stop), 42);
        ck_assert_int_eq(stop.calls, 2);
        stop = (struct stop_context){ .stop_at = 1 };
        ck_assert_int_eq(model_list(m, MODEL_LIST_GROUP_MEMBERS, "g2", NULL, stop_early, &stop),
                         42);
        ck_assert_int_eq(stop.calls, 1);

        /* the model is usable after an interrupted listing */
        ck_step(model_product_create(m, "after"));
        ck_assert_int_eq(names_collect(m, MODEL_LIST_PRODUCTS, NULL, NULL, &names), 0);
        ck_assert_uint_eq(names.count, 5);
        names_free(&names);
}
END_TEST

/* A listing's names joined as "a,b,", for comparing listings read alone and together. */
struct joined {
        char text[512];
};

static int join_name(void *ctx, const char *name)
{
        struct joined *j = ctx;
        size_t len = strlen(j->text);

        snprintf(j->text + len, sizeof(j->text) - len, "%s,", name);
        return 0;
}

static void list_alone(const struct model_list_request *request, struct joined *out)
{
        *out = (struct joined){ "" };
        ck_ok(model_list(m, request->listing, request->a, request->b, join_name, out));
}

/*
 * Listings read together give each what it gives alone, also when two share a query with other
 * names (the same listing twice; two listings whose parents are checked by the same query).
 */
START_TEST(test_listings_read_together)
{
        struct joined together[6], alone;
        struct model_list_request requests[] = {
                { MODEL_LIST_PATH_GROUPS, "P2", "zoe@x.com", join_name, &together[0], false },
                { MODEL_LIST_PATH_GROUPS, "P1", "amy@x.com", join_name, &together[1], false },
                { MODEL_LIST_PRODUCT_HOLDERS, "P1", NULL, join_name, &together[2], false },
                { MODEL_LIST_DIRECT_DISABLED, "P1", "zoe@x.com", join_name, &together[3], false },
                { MODEL_LIST_EFFECTIVE_PLANS, "P2", "amy@x.com", join_name, &together[4], false },
                { MODEL_LIST_PATH_GROUPS, "P2", "zoe@x.com", join_name, &together[5], false },
        };
        int i;

        make_listing_tenant();
        ck_ok(model_plans_set(m, "P1", (const char *const[]){ "A", "B" }, 2));
        ck_ok(model_plans_set(m, "P2", (const char *const[]){ "C" }, 1));
        ck_ok(model_direct_disabled_set(m, "P1", "zoe@x.com", (const char *const[]){ "B" }, 1));
        memset(together, 0, sizeof(together));
        ck_ok(model_list_each(m, requests, COUNT(requests)));
        for (i = 0; i < COUNT(requests); i++) {
                list_alone(&requests[i], &alone);
                ck_assert_str_eq(together[i].text, alone.text);
        }
        ck_assert_str_eq(together[0].text, "G1,g2,");
        ck_assert_str_eq(together[1].text, "G1,");
        ck_assert_str_eq(together[3].text, "B,");
}
END_TEST

/* A missing parent ends the reading with ENOENT; more listings than allowed are EINVAL. */
START_TEST(test_listings_read_together_refused)
{
        struct joined first = { "" }, second = { "" };
        struct model_list_request requests[MODEL_LIST_EACH_MAX + 1] = {
                { MODEL_LIST_PATH_GROUPS, "P2", "zoe@x.com", join_name, &first, false },
                { MODEL_LIST_PATH_GROUPS, "nope", "zoe@x.com", join_name, &second, false },
        };
        int i;

        make_listing_tenant();
        ck_refused(model_list_each(m, requests, 2), ENOENT);
        ck_assert_str_eq(first.text, "G1,g2,");
        ck_assert_str_eq(second.text, "");
        for (i = 0; i < COUNT(requests); i++)
                requests[i] = (struct model_list_request){ MODEL_LIST_PRODUCTS, NULL, NULL,
                                                           join_name, &first, false };
        ck_refused(model_list_each(m, requests, COUNT(requests)), EINVAL);
        /* the model is usable after both */
        ck_listing(m, MODEL_LIST_PATH_GROUPS, "P1", "amy@x.com", "G1");
}
END_TEST

/*
 * A caller that read the parents in its own read session may say so: the same names, without
 * the check, so a missing parent then lists nothing instead of ENOENT.
 */
START_TEST(test_listings_parents_known)
{
        struct joined checked = { "" }, known = { "" }, missing = { "" };
        struct model_list_request requests[] = {
                { MODEL_LIST_PATH_GROUPS, "P2", "zoe@x.com", join_name, &checked, false },
                { MODEL_LIST_PATH_GROUPS, "P2", "zoe@x.com", join_name, &known, true },
                { MODEL_LIST_DIRECT_DISABLED, "nope", "zoe@x.com", join_name, &missing, true },
        };

        make_listing_tenant();
        ck_ok(model_list_each(m, requests, COUNT(requests)));
        ck_assert_str_eq(checked.text, "G1,g2,");
        ck_assert_str_eq(known.text, checked.text);
        ck_assert_str_eq(missing.text, "");
        ck_refused(model_list_each(m, &(struct model_list_request){
                MODEL_LIST_DIRECT_DISABLED, "nope", "zoe@x.com", join_name, &missing, false }, 1),
                   ENOENT);
}
END_TEST

/* model_holder_records's rows as text: "UPN direct=D since=S:" and " part=name" after it. */
struct records_text {
        char text[2048];
        int stop_after;                 /* rows to take before returning 1; 0: all */
        int rows;
};

static int record_row_text(void *ctx, const struct model_record_row *row)
{
        static const char *const parts[] = { "seat", "group", "disabled", "plan" };
        struct records_text *t = ctx;
        size_t len = strlen(t->text);

        if (row->part == MODEL_RECORD_SEAT)
                snprintf(t->text + len, sizeof(t->text) - len, "\n%s direct=%d since=%lld:",
                         row->upn, row->direct, (long long)row->since);
        else
                snprintf(t->text + len, sizeof(t->text) - len, " %s=%s", parts[row->part],
                         row->name);
        return ++t->rows == t->stop_after;
}

/* The same text, read holder by holder with the getter and the listings a record shows. */
static void records_alone(const char *sku, struct records_text *out)
{
        static const enum model_listing lists[] = { MODEL_LIST_PATH_GROUPS,
                                                    MODEL_LIST_DIRECT_DISABLED,
                                                    MODEL_LIST_EFFECTIVE_PLANS };
        static const char *const parts[] = { "group", "disabled", "plan" };
        struct joined holders = { "" }, names;
        struct model_holder holder;
        char *upn, *next, *name, *rest;
        size_t len;

        *out = (struct records_text){ "", 0, 0 };
        ck_ok(model_list(m, MODEL_LIST_PRODUCT_HOLDERS, sku, NULL, join_name, &holders));
        for (upn = holders.text; (next = strchr(upn, ',')); upn = next + 1) {
                *next = '\0';
                ck_ok(model_holder_get(m, sku, upn, &holder));
                len = strlen(out->text);
                snprintf(out->text + len, sizeof(out->text) - len, "\n%s direct=%d since=%lld:",
                         upn, holder.direct, (long long)holder.since);
                for (size_t k = 0; k < COUNT(lists); k++) {
                        list_alone(&(struct model_list_request){ lists[k], sku, upn, NULL, NULL,
                                                                  false }, &names);
                        for (name = names.text; (rest = strchr(name, ',')); name = rest + 1) {
                                *rest = '\0';
                                len = strlen(out->text);
                                snprintf(out->text + len, sizeof(out->text) - len, " %s=%s",
                                         parts[k], name);
                        }
                }
        }
}

/*
 * Every holder's record read at once is what each holder's seat and listings give: the
 * groups, the direct options, the plans its paths leave enabled (a group's options too).
 */
START_TEST(test_holder_records_as_each_holder_alone)
{
        static const char *const skus[] = { "P1", "P2", "p0", "é" };
        struct records_text together, alone;

        make_listing_tenant();
        ck_ok(model_plans_set(m, "P1", (const char *const[]){ "A", "B", "C" }, 3));
        ck_ok(model_plans_set(m, "P2", (const char *const[]){ "C" }, 1));
        ck_ok(model_direct_disabled_set(m, "P1", "zoe@x.com", (const char *const[]){ "B" }, 1));
        ck_ok(model_group_disabled_set(m, "P1", "G1", (const char *const[]){ "A", "C" }, 2));
        for (size_t i = 0; i < COUNT(skus); i++) {
                together = (struct records_text){ "", 0, 0 };
                ck_ok(model_holder_records(m, skus[i], record_row_text, &together));
                records_alone(skus[i], &alone);
                ck_assert_str_eq(together.text, alone.text);
        }
        /* zoe: direct without B, and G1 without A and C; amy: G1 alone leaves B */
        ck_assert_str_eq(alone.text, "");       /* é has no holders */
        together = (struct records_text){ "", 0, 0 };
        ck_ok(model_holder_records(m, "P1", record_row_text, &together));
        ck_assert_msg(strstr(together.text, " group=G1 plan=B\nzoe@x.com direct=1 since=") &&
                      strstr(together.text, ": group=G1 disabled=B plan=A plan=B plan=C"),
                      "records of P1: %s", together.text);
}
END_TEST

/*
 * One holder's record is its part of them all; a user who waits (or is missing) holds none:
 * ENOENT. No such product is ENOENT; a callback's non-zero return ends the rows, returned.
 */
START_TEST(test_holder_records_refused_and_stopped)
{
        struct records_text t = { "", 2, 0 }, all = { "", 0, 0 }, one = { "", 0, 0 };

        make_listing_tenant();
        ck_ok(model_plans_set(m, "P1", (const char *const[]){ "A", "B" }, 2));
        ck_ok(model_direct_disabled_set(m, "P1", "zoe@x.com", (const char *const[]){ "B" }, 1));
        ck_ok(model_holder_records(m, "P1", record_row_text, &all));
        ck_ok(model_holder_record(m, "P1", "zoe@x.com", record_row_text, &one));
        ck_assert_msg(strstr(one.text, "\nzoe@x.com ") == one.text && strstr(all.text, one.text),
                      "zoe's record %s, all: %s", one.text, all.text);
        ck_refused(model_holder_record(m, "P2", "amy@x.com", record_row_text, &one), ENOENT);
        ck_refused(model_holder_record(m, "P1", "nobody@x.com", record_row_text, &one), ENOENT);
        ck_refused(model_holder_record(m, "nope", "zoe@x.com", record_row_text, &one), ENOENT);
        ck_refused(model_holder_records(m, "nope", record_row_text, &t), ENOENT);
        ck_assert_int_eq(model_holder_records(m, "P1", record_row_text, &t), 1);
        ck_assert_int_eq(t.rows, 2);
        /* the model is usable after both */
        ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P1", NULL, "amy@x.com", "zoe@x.com");
}
END_TEST

START_TEST(test_empty_tenant_listings)
{
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, NULL);
        ck_listing(m, MODEL_LIST_USERS, NULL, NULL, NULL);
        ck_listing(m, MODEL_LIST_GROUPS, NULL, NULL, NULL);
}
END_TEST

static Suite *listings_suite(void)
{
        Suite *suite = suite_create("listings");
        TCase *tcase;

        tcase = model_tcase("listings");
        tcase_add_test(tcase, test_empty_tenant_listings);
        tcase_add_test(tcase, test_top_level_listings);
        tcase_add_test(tcase, test_product_listings);
        tcase_add_test(tcase, test_user_listings);
        tcase_add_test(tcase, test_group_listings);
        tcase_add_test(tcase, test_path_listings);
        tcase_add_test(tcase, test_bytewise_order);
        tcase_add_loop_test(tcase, test_missing_parent, 0, COUNT(missing_parents));
        tcase_add_test(tcase, test_callback_stops_listing);
        tcase_add_test(tcase, test_listings_read_together);
        tcase_add_test(tcase, test_listings_read_together_refused);
        tcase_add_test(tcase, test_listings_parents_known);
        tcase_add_test(tcase, test_holder_records_as_each_holder_alone);
        tcase_add_test(tcase, test_holder_records_refused_and_stopped);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(listings_suite());
}
