/*
 * Name and value validation through the functions that create and set things: SKUs and group
 * names (any UTF-8 text without control characters, at most 255 bytes), UPNs (local@domain
 * without blanks), display texts (at most 1024 bytes) and ISO 3166-1 alpha-2 country codes.
 * Every table row is one loop test, so a failure names the offending value.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct name_case {
        const char *name;
        int err;                        /* 0 when accepted */
};

/* SKUs and group names: any UTF-8 text without control characters. */
static const struct name_case free_text_names[] = {
        { "AAD_PREMIUM", 0 },
        { "Office 365 E3", 0 },
        { "Visio Plan 2 (Annual)", 0 },
        { "A/B", 0 },
        { "/", 0 },
        { "100% Sales", 0 },
        { "Ventes (Québec) / Été", 0 },
        { "日本語", 0 },
        { "x", 0 },
        { "", EINVAL },
        { "tab\there", EINVAL },
        { "line\nbreak", EINVAL },
        { "trailing newline\n", EINVAL },
        { "cr\r", EINVAL },
        { "\x01start", EINVAL },
        { "escape \x1b[0m", EINVAL },
        { "del\x7f", EINVAL },
        { "c1 control \xc2\x85", EINVAL },
        { "bad byte \xff", EINVAL },
        { "lone continuation \x80", EINVAL },
        { "truncated caf\xc3", EINVAL },
        { "overlong slash \xc0\xaf", EINVAL },
        { "surrogate \xed\xa0\x80", EINVAL },
        { "beyond U+10FFFF \xf4\x90\x80\x80", EINVAL },
};

static const struct name_case upns[] = {
        { "adele@contoso.com", 0 },
        { "o'brien@contoso.com", 0 },
        { "first.last+tag@sub.contoso.com", 0 },
        { "josé@contoso.com", 0 },
        { "ADELE@CONTOSO.COM", 0 },
        { "", EINVAL },
        { "nobody", EINVAL },
        { "contoso.com", EINVAL },
        { "@contoso.com", EINVAL },
        { "adele@", EINVAL },
        { "@", EINVAL },
        { "adele vance@contoso.com", EINVAL },
        { "adele@contoso .com", EINVAL },
        { " adele@contoso.com", EINVAL },
        { "adele@contoso.com ", EINVAL },
        { "adele\t@contoso.com", EINVAL },
        { "adele@contoso.com\n", EINVAL },
        { "ad\x01le@contoso.com", EINVAL },
        { "adele\x7f@contoso.com", EINVAL },
        { "ad\xffle@contoso.com", EINVAL },
        { "ad\xc3@contoso.com", EINVAL },
        { "ad\xc0\xafle@contoso.com", EINVAL },
};

/* Display texts: the tenant name, product names, user display names. */
static const struct name_case texts[] = {
        { "Contoso", 0 },
        { "Microsoft Entra ID P1", 0 },
        { "Zoë & Co (EU) / 100%", 0 },
        { "x", 0 },
        { "", EINVAL },
        { "two\nlines", EINVAL },
        { "tab\there", EINVAL },
        { "bell\a", EINVAL },
        { "del\x7f", EINVAL },
        { "bad byte \xff", EINVAL },
        { "truncated caf\xc3", EINVAL },
        { "overlong \xc0\xaf", EINVAL },
        { "surrogate \xed\xa0\x80", EINVAL },
};

struct code_case {
        const char *code;
        const char *stored;             /* NULL when refused with EINVAL */
};

static const struct code_case country_codes[] = {
        { "US", "US" },
        { "us", "US" },
        { "De", "DE" },
        { "gB", "GB" },
        { "fr", "FR" },
        { "AQ", "AQ" },
        { "ss", "SS" },
        { "CW", "CW" },
        { "ax", "AX" },
        { "ZW", "ZW" },
        { "USA", NULL },
        { "U", NULL },
        { "XX", NULL },
        { "zz", NULL },
        { "AA", NULL },
        { "UK", NULL },
        { "EU", NULL },
        { "1A", NULL },
        { "U1", NULL },
        { "u ", NULL },
        { " u", NULL },
        { "U\n", NULL },
        { "\xc3\x9cS", NULL },
};

/* A refusal must come with a reason; read it before the next call clears it. */
static void reason_after_refusal(int rc)
{
        if (rc != 0)
                ck_assert_msg(model_reason()[0] != '\0', "refused with %s but model_reason() is "
                              "empty", errno_name(rc));
}

enum name_kind { KIND_SKU, KIND_GROUP, KIND_UPN };

static const char *const kind_text[] = { "SKU", "group", "UPN" };

static int create_named(enum name_kind kind, const char *name)
{
        switch (kind) {
        case KIND_SKU:
                return model_product_create(m, name);
        case KIND_GROUP:
                return model_group_create(m, name);
        case KIND_UPN:
                return model_user_create(m, name);
        }
        return -ENOSYS;
}

static enum model_listing listing_of(enum name_kind kind)
{
        switch (kind) {
        case KIND_SKU:
                return MODEL_LIST_PRODUCTS;
        case KIND_GROUP:
                return MODEL_LIST_GROUPS;
        case KIND_UPN:
                return MODEL_LIST_USERS;
        }
        return MODEL_LIST_PRODUCTS;
}

/* Creates `name` and checks that it is accepted (and listed verbatim) or refused as expected. */
static void check_create(enum name_kind kind, const struct name_case *test)
{
        int rc = create_named(kind, test->name);

        ck_assert_msg(rc == -test->err, "creating %s \"%s\" returned %s, expected %s",
                      kind_text[kind], test->name, errno_name(rc), errno_name(-test->err));
        if (test->err) {
                ck_assert_msg(model_reason()[0] != '\0', "refusing %s \"%s\": empty reason",
                              kind_text[kind], test->name);
                ck_listing(m, listing_of(kind), NULL, NULL, NULL);
                ck_assert_int_eq(model_tenant_is_empty(m), 1);
        } else {
                ck_listing(m, listing_of(kind), NULL, NULL, test->name);
        }
}

START_TEST(test_sku_names)
{
        const struct name_case *test = &free_text_names[_i];
        struct model_product product;

        check_create(KIND_SKU, test);
        if (!test->err) {
                ck_ok(model_product_get(m, test->name, &product));
                ck_assert_str_eq(product.name, test->name);
        }
}
END_TEST

START_TEST(test_group_names)
{
        const struct name_case *test = &free_text_names[_i];
        struct model_group group;

        check_create(KIND_GROUP, test);
        if (!test->err)
                ck_ok(model_group_get(m, test->name, &group));
}
END_TEST

START_TEST(test_upns)
{
        const struct name_case *test = &upns[_i];
        struct model_user user;

        check_create(KIND_UPN, test);
        if (!test->err) {
                ck_ok(model_user_get(m, test->name, &user));
                ck_assert_str_eq(user.display_name, test->name);
        }
}
END_TEST

/* A name of exactly `length` bytes of the kind: ASCII filler, then a 2-byte "é" at the end. */
static char *name_of_length(enum name_kind kind, size_t length)
{
        return make_name(kind == KIND_UPN ? "u" : "n", 'a',
                         kind == KIND_UPN ? "é@contoso.com" : "é", length);
}

START_TEST(test_name_length_limit)
{
        enum name_kind kind = (enum name_kind)_i;
        char *longest = name_of_length(kind, MODEL_NAME_MAX);
        char *too_long = name_of_length(kind, MODEL_NAME_MAX + 1);
        char *far_too_long = name_of_length(kind, 1000);

        ck_assert_uint_eq(strlen(longest), 255);
        ck_assert_msg(create_named(kind, too_long) == -ENAMETOOLONG,
                      "a %s of 256 bytes (not characters) must be ENAMETOOLONG", kind_text[kind]);
        ck_assert_str_ne(model_reason(), "");
        ck_assert_msg(create_named(kind, far_too_long) == -ENAMETOOLONG,
                      "a %s of 1000 bytes must be ENAMETOOLONG", kind_text[kind]);
        ck_assert_int_eq(model_tenant_is_empty(m), 1);
        ck_assert_msg(create_named(kind, longest) == 0, "a %s of 255 bytes must be accepted: %s",
                      kind_text[kind], model_reason());
        ck_listing(m, listing_of(kind), NULL, NULL, longest);
        free(longest);
        free(too_long);
        free(far_too_long);
}
END_TEST

START_TEST(test_duplicate_names)
{
        enum name_kind kind = (enum name_kind)_i;
        const char *name = kind == KIND_UPN ? "adele@contoso.com" : "Sales (EMEA)";

        ck_ok(create_named(kind, name));
        ck_refused_unchanged(create_named(kind, name), EEXIST);
        ck_listing(m, listing_of(kind), NULL, NULL, name);
}
END_TEST

/* --- display texts -------------------------------------------------------------------------- */

enum text_kind { TEXT_TENANT, TEXT_PRODUCT, TEXT_USER };

static const char *const text_kind_text[] = { "tenant name", "product name", "display name" };

static int set_text(enum text_kind kind, const char *text)
{
        switch (kind) {
        case TEXT_TENANT:
                return model_tenant_set_name(m, text);
        case TEXT_PRODUCT:
                return model_product_set_name(m, "SKU", text);
        case TEXT_USER:
                return model_user_set_display_name(m, "adele@contoso.com", text);
        }
        return -ENOSYS;
}

static void get_text(enum text_kind kind, char ret[MODEL_TEXT_MAX + 1])
{
        struct model_tenant tenant;
        struct model_product product;
        struct model_user user;

        switch (kind) {
        case TEXT_TENANT:
                ck_ok(model_tenant_get(m, &tenant));
                strcpy(ret, tenant.name);
                break;
        case TEXT_PRODUCT:
                ck_ok(model_product_get(m, "SKU", &product));
                strcpy(ret, product.name);
                break;
        case TEXT_USER:
                ck_ok(model_user_get(m, "adele@contoso.com", &user));
                strcpy(ret, user.display_name);
                break;
        }
}

static void make_text_owners(void)
{
        ck_ok(model_product_create(m, "SKU"));
        ck_ok(model_user_create(m, "adele@contoso.com"));
}

START_TEST(test_texts)
{
        int kinds = 3;
        const struct name_case *test = &texts[_i / kinds];
        enum text_kind kind = (enum text_kind)(_i % kinds);
        char before[MODEL_TEXT_MAX + 1], after[MODEL_TEXT_MAX + 1];
        int rc;

        make_text_owners();
        ck_ok(set_text(kind, "Previous"));
        get_text(kind, before);
        rc = set_text(kind, test->name);
        ck_assert_msg(rc == -test->err, "setting %s \"%s\" returned %s, expected %s",
                      text_kind_text[kind], test->name, errno_name(rc), errno_name(-test->err));
        if (test->err)
                ck_assert_str_ne(model_reason(), "");
        get_text(kind, after);
        if (test->err) {
                ck_assert_str_eq(after, before);
        } else {
                ck_assert_str_eq(after, test->name);
        }
}
END_TEST

START_TEST(test_text_length_limit)
{
        enum text_kind kind = (enum text_kind)_i;
        char *longest = make_name("T", 'x', "é", MODEL_TEXT_MAX);
        char *too_long = make_name("T", 'x', "é", MODEL_TEXT_MAX + 1);
        char stored[MODEL_TEXT_MAX + 1];

        make_text_owners();
        ck_assert_msg(set_text(kind, too_long) == -EINVAL, "a %s of 1025 bytes must be EINVAL",
                      text_kind_text[kind]);
        ck_assert_str_ne(model_reason(), "");
        ck_assert_msg(set_text(kind, longest) == 0, "a %s of 1024 bytes must be accepted: %s",
                      text_kind_text[kind], model_reason());
        get_text(kind, stored);
        ck_assert_str_eq(stored, longest);
        free(longest);
        free(too_long);
}
END_TEST

START_TEST(test_text_of_missing_owner)
{
        ck_refused(model_product_set_name(m, "NOPE", "Name"), ENOENT);
        ck_refused(model_user_set_display_name(m, "nobody@contoso.com", "Name"), ENOENT);
}
END_TEST

/* --- country codes -------------------------------------------------------------------------- */

START_TEST(test_tenant_country_codes)
{
        const struct code_case *test = &country_codes[_i];
        struct model_tenant tenant;
        int rc;

        ck_ok(model_tenant_set_usage_location(m, "NO"));
        rc = model_tenant_set_usage_location(m, test->code);
        reason_after_refusal(rc);
        ck_ok(model_tenant_get(m, &tenant));
        if (test->stored) {
                ck_assert_msg(rc == 0, "tenant usage location \"%s\" returned %s (%s)",
                              test->code, errno_name(rc), model_reason());
                ck_assert_str_eq(tenant.usage_location, test->stored);
        } else {
                ck_assert_msg(rc == -EINVAL, "tenant usage location \"%s\" returned %s, "
                              "expected EINVAL", test->code, errno_name(rc));
                ck_assert_str_eq(tenant.usage_location, "NO");
        }
}
END_TEST

START_TEST(test_user_country_codes)
{
        const struct code_case *test = &country_codes[_i];
        struct model_user user;
        int rc;

        make_user("adele@contoso.com", "no");
        rc = model_user_set_usage_location(m, "adele@contoso.com", test->code);
        reason_after_refusal(rc);
        ck_ok(model_user_get(m, "adele@contoso.com", &user));
        if (test->stored) {
                ck_assert_msg(rc == 0, "user usage location \"%s\" returned %s (%s)", test->code,
                              errno_name(rc), model_reason());
                ck_assert_str_eq(user.usage_location, test->stored);
        } else {
                ck_assert_msg(rc == -EINVAL, "user usage location \"%s\" returned %s, "
                              "expected EINVAL", test->code, errno_name(rc));
                ck_assert_str_eq(user.usage_location, "NO");
        }
}
END_TEST

START_TEST(test_empty_country_code)
{
        struct model_tenant tenant;
        struct model_user user;

        ck_refused_unchanged(model_tenant_set_usage_location(m, ""), EINVAL);
        ck_ok(model_tenant_get(m, &tenant));
        ck_assert_str_eq(tenant.usage_location, "US");

        make_user("adele@contoso.com", "de");
        ck_ok(model_user_set_usage_location(m, "adele@contoso.com", ""));
        ck_ok(model_user_get(m, "adele@contoso.com", &user));
        ck_assert_str_eq(user.usage_location, "");
        ck_refused(model_user_set_usage_location(m, "nobody@contoso.com", "US"), ENOENT);
}
END_TEST

/* --- sku ids -------------------------------------------------------------------------------- */

static const struct code_case sku_ids[] = {
        { "078d2b04-f1bd-4111-bbd4-b4b1b354cef4", "078d2b04-f1bd-4111-bbd4-b4b1b354cef4" },
        { "84A661C4-E949-4BD2-A560-ED7766FCAF2B", "84a661c4-e949-4bd2-a560-ed7766fcaf2b" },
        { "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000" },
        { "078d2b04f1bd4111bbd4b4b1b354cef4", NULL },
        { "{078d2b04-f1bd-4111-bbd4-b4b1b354cef4}", NULL },
        { "078d2b04-f1bd-4111-bbd4-b4b1b354cef", NULL },
        { "078d2b04-f1bd-4111-bbd4-b4b1b354cef4a", NULL },
        { "g78d2b04-f1bd-4111-bbd4-b4b1b354cef4", NULL },
        { "078d2b04-f1bd-4111-bbd4b-4b1b354cef4", NULL },
        { "078d2b04_f1bd_4111_bbd4_b4b1b354cef4", NULL },
        { " 078d2b04-f1bd-4111-bbd4-b4b1b354cef", NULL },
        { "not a guid", NULL },
};

/* The one GUID check serves without a model, with the same answers as the stored skuId. */
START_TEST(test_guid_normalise)
{
        const struct code_case *test = &sku_ids[_i];
        char out[MODEL_SKU_ID_MAX + 1] = "untouched";
        int rc = model_guid_normalise(test->code, out);

        if (test->stored) {
                ck_assert_int_eq(rc, 0);
                ck_assert_str_eq(out, test->stored);
        } else {
                ck_assert_int_eq(rc, -EINVAL);
                ck_assert_str_eq(out, "untouched");
                ck_assert_str_ne(model_reason(), "");
        }
}
END_TEST

START_TEST(test_sku_ids)
{
        const struct code_case *test = &sku_ids[_i];
        struct model_product product;
        int rc;

        ck_ok(model_product_create(m, "SKU"));
        ck_ok(model_product_set_sku_id(m, "SKU", "11111111-2222-3333-4444-555555555555"));
        rc = model_product_set_sku_id(m, "SKU", test->code);
        reason_after_refusal(rc);
        ck_ok(model_product_get(m, "SKU", &product));
        if (test->stored) {
                ck_assert_msg(rc == 0, "sku id \"%s\" returned %s (%s)", test->code,
                              errno_name(rc), model_reason());
                ck_assert_str_eq(product.sku_id, test->stored);
        } else {
                ck_assert_msg(rc == -EINVAL, "sku id \"%s\" returned %s, expected EINVAL",
                              test->code, errno_name(rc));
                ck_assert_str_eq(product.sku_id, "11111111-2222-3333-4444-555555555555");
        }
}
END_TEST

/* How paths and audit lines write a name: only '%' and '/' are escaped. */
static const struct encode_case {
        const char *name, *encoded;     /* encoded NULL: does not fit in `size` bytes */
        size_t size;
} encodings[] = {
        { "AAD_PREMIUM", "AAD_PREMIUM", 64 },
        { "A/B%C", "A%2FB%25C", 64 },
        { "%2F", "%252F", 64 },
        { "//", "%2F%2F", 64 },
        { "", "", 1 },
        { "Grüße & Co", "Grüße & Co", 64 },
        { "a/b", "a%2Fb", 6 },          /* exactly fits, with the NUL */
        { "a/b", NULL, 5 },
        { "abc", NULL, 3 },
};

START_TEST(test_name_encode)
{
        const struct encode_case *test = &encodings[_i];
        char out[64];
        int rc = model_name_encode(test->name, out, test->size);

        if (test->encoded) {
                ck_assert_int_eq(rc, 0);
                ck_assert_str_eq(out, test->encoded);
        } else {
                ck_assert_int_eq(rc, -ENAMETOOLONG);
        }
}
END_TEST

/* Records and audit lines show times in UTC, to the second, in ISO 8601. */
START_TEST(test_time_format)
{
        char out[MODEL_TIME_MAX];

        model_time_format(TEST_T0, out);
        ck_assert_str_eq(out, "2023-11-14T22:13:20Z");
        model_time_format(0, out);
        ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
        model_time_format(951782400, out);      /* a leap day */
        ck_assert_str_eq(out, "2000-02-29T00:00:00Z");
}
END_TEST

/* What the C library writes for t, for the format to agree with. */
static void libc_time(time_t t, char out[MODEL_TIME_MAX])
{
        struct tm tm;

        ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
        ck_assert_uint_gt(strftime(out, MODEL_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm), 0);
}

/*
 * A time reads as gmtime_r and strftime would write it, across the years a time can show
 * (before 1970, leap centuries, the last second of 9999) and beyond them.
 */
START_TEST(test_time_format_calendar)
{
        static const time_t edges[] = {
                -1, -86400, -86401, 68169599, 68169600, 951868799, 951868800,
                4107542399, 4107542400,                         /* 2100 is no leap year */
                -11670912000, -11670825600,                     /* 1600-02-29 */
                -62135596800, -62135596801,                     /* 0001-01-01 and before */
                253402300799, 253402300800,                     /* the last of 9999, then more */
        };
        char ours[MODEL_TIME_MAX], theirs[MODEL_TIME_MAX];
        time_t t;
        size_t i;

        for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
                model_time_format(edges[i], ours);
                libc_time(edges[i], theirs);
                ck_assert_str_eq(ours, theirs);
        }
        /* Every year, a day and an hour: each day of the year and hour of the day comes round. */
        for (t = -62167219200; t < 253402300800; t += 367 * 86400 + 3607) {
                model_time_format(t, ours);
                libc_time(t, theirs);
                ck_assert_str_eq(ours, theirs);
        }
}
END_TEST

static Suite *names_suite(void)
{
        Suite *suite = suite_create("names");
        TCase *tcase;

        tcase = model_tcase("object names");
        tcase_add_loop_test(tcase, test_sku_names, 0, COUNT(free_text_names));
        tcase_add_loop_test(tcase, test_group_names, 0, COUNT(free_text_names));
        tcase_add_loop_test(tcase, test_upns, 0, COUNT(upns));
        tcase_add_loop_test(tcase, test_name_length_limit, KIND_SKU, KIND_UPN + 1);
        tcase_add_loop_test(tcase, test_duplicate_names, KIND_SKU, KIND_UPN + 1);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("texts");
        tcase_add_loop_test(tcase, test_texts, 0, COUNT(texts) * 3);
        tcase_add_loop_test(tcase, test_text_length_limit, TEXT_TENANT, TEXT_USER + 1);
        tcase_add_test(tcase, test_text_of_missing_owner);
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("codes");
        tcase_add_loop_test(tcase, test_tenant_country_codes, 0, COUNT(country_codes));
        tcase_add_loop_test(tcase, test_user_country_codes, 0, COUNT(country_codes));
        tcase_add_test(tcase, test_empty_country_code);
        tcase_add_loop_test(tcase, test_sku_ids, 0, COUNT(sku_ids));
        tcase_add_loop_test(tcase, test_guid_normalise, 0, COUNT(sku_ids));
        suite_add_tcase(suite, tcase);

        tcase = model_tcase("written forms");
        tcase_add_loop_test(tcase, test_name_encode, 0, COUNT(encodings));
        tcase_add_test(tcase, test_time_format);
        tcase_add_test(tcase, test_time_format_calendar);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(names_suite());
}
