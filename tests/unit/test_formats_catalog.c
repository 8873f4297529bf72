/*
 * The product catalog reader of the formats layer: a catalog merged into a fresh in-memory
 * tenant with what it did counted; every bad row skipped and reported through the callback
 * with its line and why, in file order, while the good rows go in; a text refused as a whole
 * reported with its line; cleaned fields and lower-cased GUIDs; and a failure of the database
 * reported as the database's (not as a skipped row), leaving the tenant as it was.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "test_formats_helpers.h"

#define HEADER "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id," \
               "Service_Plans_Included_Friendly_Names\r\n"
#define P1_ID "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
#define PLAN_ID "41781fb2-bc02-4b7c-bd55-b576c07bb09d"
#define MFA_ID "8a256a2b-b617-496d-b51b-e76466e88db0"

static const struct model_actor actor = { 0, "import-catalog", "test.csv" };

/* Reads and imports `text`; returns what formats_catalog_import returned. */
static int import(struct model *model, const char *text, struct findings *f,
                  struct formats_catalog_summary *ret)
{
        struct formats_report report = findings_report(f);
        struct formats_catalog *catalog = NULL;
        int r;

        ck_ok(formats_catalog_read(text, strlen(text), &report, &catalog));
        r = formats_catalog_import(catalog, model, &actor, &report, ret);
        formats_catalog_free(catalog);
        return r;
}

START_TEST(test_import_counts)
{
        struct formats_catalog_summary s;
        struct findings f = { 0 };
        struct model_product p;

        ck_ok(import(m, HEADER
                     "Entra ID P1,AAD_PREMIUM,078D2B04-F1BD-4111-BBD4-B4B1B354CEF4,AAD_PREMIUM,"
                     PLAN_ID ",Microsoft Entra ID P1\r\n"
                     "Entra ID P1,AAD_PREMIUM," P1_ID ",MFA_PREMIUM," MFA_ID ",Azure MFA\r\n"
                     "Entra ID P1,AAD_PREMIUM," P1_ID ",,,\r\n", &f, &s));
        ck_assert_str_eq(f.text, "");
        ck_assert_uint_eq(s.rows, 3);
        ck_assert_uint_eq(s.skipped[FORMATS_CATALOG_IMPORTED], 3);
        ck_assert_uint_eq(s.products[MODEL_CREATED], 1);
        ck_assert_uint_eq(s.plans[MODEL_CREATED], 2);
        ck_assert_str_eq(s.encoding, "UTF-8");
        ck_assert_uint_eq(f.progress_calls, 3);
        ck_assert_uint_eq(f.last_done, 3);
        ck_assert_uint_eq(f.last_total, 3);
        ck_ok(model_product_get(m, "AAD_PREMIUM", &p));
        ck_assert_str_eq(p.sku_id, P1_ID);  /* the GUID lower-cased */
        ck_assert_str_eq(p.name, "Entra ID P1");

        /* Again: nothing changes, and the counts say so. */
        f = (struct findings){ 0 };
        ck_ok(import(m, HEADER "Entra ID P1,AAD_PREMIUM," P1_ID ",AAD_PREMIUM," PLAN_ID
                     ",Microsoft Entra ID P1\r\n", &f, &s));
        ck_assert_uint_eq(s.products[MODEL_UNCHANGED], 1);
        ck_assert_uint_eq(s.plans[MODEL_UNCHANGED], 1);
}
END_TEST

/* Blanks, no-break spaces and a cell's line ends are cleaned before anything is checked. */
START_TEST(test_import_cleans)
{
        struct formats_catalog_summary s;
        struct findings f = { 0 };
        struct model_product p;

        ck_ok(import(m, HEADER "\"  Entra\t\tID\xc2\xa0P1 \r\n\",\tAAD_PREMIUM \t,\" " P1_ID
                     "\r\n\",,,\r\n", &f, &s));
        ck_assert_str_eq(f.text, "");
        ck_ok(model_product_get(m, "AAD_PREMIUM", &p));
        ck_assert_str_eq(p.name, "Entra ID P1");
        ck_assert_str_eq(p.sku_id, P1_ID);
}
END_TEST

/*
 * Each case: rows after the header (the first of them on line 2), and the findings they give.
 * A NULL message matches any message of that kind and line (the model's words).
 */
static const struct {
        const char *name, *rows, *findings;
        enum formats_catalog_skip skip;
} bad_rows[] = {
        { "not a GUID", "X,BAD,not-a-guid,P,,\r\nY,GOOD,,,,\r\n",
          "SKIPPED 2: GUID 'not-a-guid' is not a GUID\n", FORMATS_CATALOG_BAD },
        { "plan GUID", "X,GOOD,,P,8A256A2B-B617-496D-B51B-E76466E88DB,\r\n",
          "SKIPPED 2: Service_Plan_Id '8A256A2B-B617-496D-B51B-E76466E88DB' is not a GUID\n",
          FORMATS_CATALOG_BAD },
        { "empty SKU", "Y,GOOD,,,,\r\nX, \xc2\xa0 ,,P,,\r\n", "SKIPPED 3: String_Id is empty\n",
          FORMATS_CATALOG_BAD },
        { "fields", "a,b,c\r\n", "SKIPPED 2: 3 fields, not 6\n", FORMATS_CATALOG_BAD },
        { "control character", "X,GOOD,,P\x01Q,,\r\n",
          "SKIPPED 2: Service_Plan_Name contains a control character\n", FORMATS_CATALOG_BAD },
        { "plan GUID without a name", "X,GOOD,,," MFA_ID ",\r\n",
          "SKIPPED 2: Service_Plan_Name is empty\n", FORMATS_CATALOG_BAD },
        { "quoting", "Y,GOOD,,,,\r\nX,\"A\"B,,,,\r\n", "SKIPPED 3: text after a closing quote\n",
          FORMATS_CATALOG_BAD },
        { "duplicate after cleaning", "X,GOOD,,P,,\r\n X ,GOOD,,P,,\r\n",
          "SKIPPED 3: duplicate of line 2\n", FORMATS_CATALOG_DUPLICATE },
        { "a skuId taken", "A,SKU_A," P1_ID ",,,\r\nB,SKU_B," P1_ID ",,,\r\n", "SKIPPED 3: ",
          FORMATS_CATALOG_CONFLICT },
};

START_TEST(test_bad_rows)
{
        struct formats_catalog_summary s;
        struct findings f = { 0 };
        char text[1024];

        snprintf(text, sizeof(text), HEADER "%s", bad_rows[_i].rows);
        ck_ok(import(m, text, &f, &s));
        if (bad_rows[_i].skip == FORMATS_CATALOG_CONFLICT)
                ck_assert_msg(strncmp(f.text, bad_rows[_i].findings,
                                      strlen(bad_rows[_i].findings)) == 0 &&
                              strchr(f.text, '\n') == f.text + strlen(f.text) - 1,
                              "%s: findings [%s]", bad_rows[_i].name, f.text);
        else
                ck_assert_msg(strcmp(f.text, bad_rows[_i].findings) == 0,
                              "%s: findings [%s], expected [%s]", bad_rows[_i].name, f.text,
                              bad_rows[_i].findings);
        ck_assert_msg(s.skipped[bad_rows[_i].skip] == 1, "%s: not counted as skip %d",
                      bad_rows[_i].name, (int)bad_rows[_i].skip);
        ck_assert_uint_eq(s.skipped[FORMATS_CATALOG_IMPORTED], s.rows - 1);
}
END_TEST

/* Texts refused as a whole: one finding with its line, and nothing to import. */
static const struct {
        const char *name, *text, *findings;
} refused[] = {
        { "no header", "", "REFUSED 1: the header is not Product_Display_Name,String_Id,GUID,"
          "Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\n" },
        { "another header", "a,b,c,d,e,f\r\nX,Y,,,,\r\n", "REFUSED 1: the header is not "
          "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,"
          "Service_Plans_Included_Friendly_Names\n" },
        { "a quote never closed", HEADER "X,Y,,,,\r\nX,\"Y,,,,\r\n",
          "REFUSED 3: a quoted field is not closed\n" },
};

START_TEST(test_refused)
{
        struct findings f = { 0 };
        struct formats_report report = findings_report(&f);
        struct formats_catalog *catalog = NULL;
        const char *text = refused[_i].text;

        ck_assert_int_eq(formats_catalog_read(text, strlen(text), &report, &catalog), -EINVAL);
        ck_assert_ptr_null(catalog);
        ck_assert_msg(strcmp(f.text, refused[_i].findings) == 0, "%s: [%s], expected [%s]",
                      refused[_i].name, f.text, refused[_i].findings);
}
END_TEST

/* cp1252 text and a byte order mark are named in the summary. */
START_TEST(test_encoding)
{
        struct formats_catalog_summary s;
        struct findings f = { 0 };
        struct model_product p;

        ck_ok(import(m, "\xef\xbb\xbf" HEADER "Caf\xc3\xa9,CAFE,,,,\r\n", &f, &s));
        ck_assert_str_eq(s.encoding, "UTF-8 with BOM");
        ck_ok(import(m, HEADER "Th\xe9,TEA,,,,\r\n", &f, &s));
        ck_assert_str_eq(s.encoding, "cp1252");
        ck_ok(model_product_get(m, "TEA", &p));
        ck_assert_str_eq(p.name, "Th\xc3\xa9");
}
END_TEST

struct import_step {
        struct model *model;
        const char *text;
        struct findings *f;
};

static int import_step(void *ctx)
{
        struct import_step *step = ctx;
        struct formats_catalog_summary s;

        return import(step->model, step->text, step->f, &s);
}

/*
 * A database file that cannot grow: the import fails as the database's, reported once as
 * such (no row is "skipped" for it), and the tenant is as it was. The rows are more than
 * SQLite's page cache holds, so that the failure comes from an upsert half-way, not only from
 * the commit.
 */
START_TEST(test_database_failure)
{
        enum { ROWS = 8000 };
        char long_name[401];
        struct model *model = NULL;
        struct model_product p;
        struct findings f = { 0 };
        char *text = NULL;
        size_t size = 0;
        FILE *out;

        /* A file that cannot grow is SQLite's; a database failure is the same error path. */
        if (test_on_postgres())
                return;
        int i, r;

        memset(long_name, 'n', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        out = open_memstream(&text, &size);
        ck_assert_ptr_nonnull(out);
        fputs(HEADER, out);
        for (i = 0; i < ROWS; i++)
                fprintf(out, "Product %d %s,SKU_%d,,PLAN_%d,,Plan %d %s\r\n", i, long_name, i, i,
                        i, long_name);
        ck_assert_int_eq(fclose(out), 0);
        ck_ok(model_open(formats_db_path, &model));
        r = without_growth(import_step, &(struct import_step){ model, text, &f });

        ck_assert_msg(r < 0, "an import into a file that cannot grow succeeded");
        ck_assert_msg(strncmp(f.text, "DATABASE 0: ", 12) == 0 &&
                      strchr(f.text, '\n') == f.text + strlen(f.text) - 1,
                      "findings: [%s]", f.text);
        /* It ended at the failing row instead of skipping it and trying the next. */
        ck_assert_msg(f.progress_calls < ROWS, "every row was tried after the failure");
        ck_assert_uint_eq(f.last_done, ROWS);   /* progress ended */
        ck_assert_uint_eq(f.last_total, ROWS);
        model_close(model);
        ck_ok(model_open(formats_db_path, &model));
        ck_err(model_product_get(model, "SKU_0", &p), ENOENT);
        model_close(model);
        free(text);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("formats_catalog");
        TCase *tcase = model_tcase("catalog"), *files = tcase_create("files");

        tcase_add_test(tcase, test_import_counts);
        tcase_add_test(tcase, test_import_cleans);
        tcase_add_loop_test(tcase, test_bad_rows, 0, sizeof(bad_rows) / sizeof(bad_rows[0]));
        tcase_add_loop_test(tcase, test_refused, 0, sizeof(refused) / sizeof(refused[0]));
        tcase_add_test(tcase, test_encoding);
        suite_add_tcase(suite, tcase);
        tcase_add_checked_fixture(files, formats_dir_setup, formats_dir_teardown);
        tcase_add_test(files, test_database_failure);
        suite_add_tcase(suite, files);
        return run_suite(suite);
}
