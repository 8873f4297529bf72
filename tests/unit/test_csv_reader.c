/*
 * The CSV reader of the formats layer (formats/csv_reader.c), table-driven: each case is a text and
 * the records it must give, rendered one a line as `LINE [field][field]...` (or `LINE !error`),
 * so a failure shows the whole reading. Covers RFC 4180 quoting, CRLF and LF, the byte order
 * mark, empty lines, cp1252 (with its undefined bytes), and texts refused as a whole.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_reader.h"

/* Renders a parsed file: `LINE [f1][f2]\n` per record, `LINE !error\n` for a record in error. */
static char *render(const struct csv_file *file)
{
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);

        ck_assert_ptr_nonnull(out);
        for (size_t i = 0; i < file->count; i++) {
                const struct csv_record *r = &file->records[i];

                fprintf(out, "%lu ", r->line);
                if (r->error[0])
                        fprintf(out, "!%s", r->error);
                for (size_t f = 0; f < r->count; f++)
                        fprintf(out, "[%s]", r->fields[f]);
                fputc('\n', out);
        }
        fclose(out);
        return text;
}

/* A text read as UTF-8 without a byte order mark, and one read as `encoding`. */
#define READ(name, text, records) { name, text, records, CSV_UTF8, false }
#define READ_AS(name, text, records, encoding, bom) { name, text, records, encoding, bom }

static const struct {
        const char *name, *text, *records;
        enum csv_encoding encoding;
        bool bom;
} readable[] = {
        READ("LF", "a,b\nc,d\n", "1 [a][b]\n2 [c][d]\n"),
        READ("CRLF", "a,b\r\nc,d\r\n", "1 [a][b]\n2 [c][d]\n"),
        READ("no final line end", "a,b\r\nc,d", "1 [a][b]\n2 [c][d]\n"),
        READ("final CR", "a,b\r", "1 [a][b]\n"),
        READ("lone CR is data", "a\rb,c\n", "1 [a\rb][c]\n"),
        READ("empty fields", ",,\n,\n", "1 [][][]\n2 [][]\n"),
        READ("empty lines are no records", "\na\r\n\r\n\nb\n", "2 [a]\n5 [b]\n"),
        READ("quoted comma", "\"a,b\",c\n", "1 [a,b][c]\n"),
        READ("doubled quotes", "\"say \"\"hi\"\"\",\"\"\"\"\n", "1 [say \"hi\"][\"]\n"),
        READ("empty quoted", "\"\",x\n", "1 [][x]\n"),
        READ("line break inside quotes", "\"a\r\nb\",c\r\nd,\"e\nf\ng\"\nh\n",
             "1 [a\r\nb][c]\n3 [d][e\nf\ng]\n6 [h]\n"),
        READ("quote inside an unquoted field", "a\"b,c\nd\n",
             "1 !a quote inside an unquoted field\n2 [d]\n"),
        READ("text after a closing quote", "\"a\"b,c\nd\n",
             "1 !text after a closing quote\n2 [d]\n"),
        READ_AS("BOM", "\xef\xbb\xbfName,Id\r\nx,y\r\n", "1 [Name][Id]\n2 [x][y]\n",
                CSV_UTF8, true),
        READ("UTF-8 kept", "Caf\xc3\xa9,\xe2\x82\xac\xc2\xa0x\n",
             "1 [Caf\xc3\xa9][\xe2\x82\xac\xc2\xa0x]\n"),
        READ_AS("cp1252", "Caf\xe9,\x80 \x93x\x94,\xa0\xff\n",
                "1 [Caf\xc3\xa9][\xe2\x82\xac \xe2\x80\x9cx\xe2\x80\x9d][\xc2\xa0\xc3\xbf]\n",
                CSV_CP1252, false),
        READ_AS("cp1252 all of 0x80-0x9F",
                "\x80\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8e\x91\x92\x93\x94\x95\x96"
                "\x97\x98\x99\x9a\x9b\x9c\x9e\x9f\n",
                "1 [\xe2\x82\xac\xe2\x80\x9a\xc6\x92\xe2\x80\x9e\xe2\x80\xa6\xe2\x80\xa0"
                "\xe2\x80\xa1\xcb\x86\xe2\x80\xb0\xc5\xa0\xe2\x80\xb9\xc5\x92\xc5\xbd"
                "\xe2\x80\x98\xe2\x80\x99\xe2\x80\x9c\xe2\x80\x9d\xe2\x80\xa2\xe2\x80\x93"
                "\xe2\x80\x94\xcb\x9c\xe2\x84\xa2\xc5\xa1\xe2\x80\xba\xc5\x93\xc5\xbe\xc5\xb8]\n",
                CSV_CP1252, false),
        READ_AS("cp1252 undefined bytes refuse their record",
                "a\x81,b\n\x8d\nc\x8f\n\x90\n\x9d\n\xe9\n",
                "1 !byte 0x81 is not a cp1252 character\n"
                "2 !byte 0x8D is not a cp1252 character\n"
                "3 !byte 0x8F is not a cp1252 character\n"
                "4 !byte 0x90 is not a cp1252 character\n"
                "5 !byte 0x9D is not a cp1252 character\n"
                "6 [\xc3\xa9]\n", CSV_CP1252, false),
        /* One bad sequence makes the whole text cp1252, even the valid UTF-8 in it. */
        READ_AS("overlong UTF-8 is cp1252", "\xc0\xaf,\xc3\xa9\n",
                "1 [\xc3\x80\xc2\xaf][\xc3\x83\xc2\xa9]\n", CSV_CP1252, false),
        READ_AS("truncated UTF-8 at the end is cp1252", "a,\xe2\x82",
                "1 [a][\xc3\xa2\xe2\x80\x9a]\n", CSV_CP1252, false),
        READ("4-byte UTF-8", "\xf0\x9f\x98\x80\n", "1 [\xf0\x9f\x98\x80]\n"),
        READ_AS("a surrogate is cp1252", "\xed\xa0\x80\n", "1 [\xc3\xad\xc2\xa0\xe2\x82\xac]\n",
                CSV_CP1252, false),
        READ_AS("beyond U+10FFFF is cp1252", "\xf4\x90\x80\x80\n",
                "1 !byte 0x90 is not a cp1252 character\n", CSV_CP1252, false),
        READ("empty text", "", ""),
};

/* A report that keeps the last refusal as `LINE: message`. */
static void keep_refusal(void *ctx, const struct formats_diag *d)
{
        snprintf(ctx, 128, "line %ld: %s", d->line, d->message);
}

START_TEST(test_readable)
{
        const char *text = readable[_i].text;
        struct csv_file *file = NULL;
        char why[128] = "";
        struct formats_report report = { keep_refusal, NULL, why };
        char *got;
        int r;

        r = formats_csv_parse(text, strlen(text), &report, &file);
        ck_assert_msg(r == 0, "%s: csv_parse returned %d (%s)", readable[_i].name, r, why);
        got = render(file);
        ck_assert_msg(strcmp(got, readable[_i].records) == 0, "%s: read\n%s\nexpected\n%s",
                      readable[_i].name, got, readable[_i].records);
        ck_assert_msg(file->encoding == readable[_i].encoding, "%s: encoding %d, expected %d",
                      readable[_i].name, (int)file->encoding, (int)readable[_i].encoding);
        ck_assert_msg(file->bom == readable[_i].bom, "%s: bom %d", readable[_i].name, file->bom);
        free(got);
        formats_csv_free(file);
}
END_TEST

static const struct {
        const char *name, *text;
        size_t size;                    /* 0: strlen(text) */
        const char *why;
} refused[] = {
        { "quote never closed", "a,b\nc,\"d\ne\n", 0, "line 2: a quoted field is not closed" },
        { "quote never closed after a doubled quote", "\"a\"\"", 0,
          "line 1: a quoted field is not closed" },
        { "NUL byte", "a,b\nc\0d\n", 8, "line 2: a NUL byte: not a text file" },
};

START_TEST(test_refused)
{
        const char *text = refused[_i].text;
        struct csv_file *file = NULL;
        char why[128] = "";
        struct formats_report report = { keep_refusal, NULL, why };
        int r;

        r = formats_csv_parse(text, refused[_i].size ? refused[_i].size : strlen(text), &report,
                              &file);
        ck_assert_msg(r == -EINVAL, "%s: csv_parse returned %d, expected -EINVAL",
                      refused[_i].name, r);
        ck_assert_msg(file == NULL, "%s: *ret was written", refused[_i].name);
        ck_assert_msg(strcmp(why, refused[_i].why) == 0, "%s: why [%s], expected [%s]",
                      refused[_i].name, why, refused[_i].why);
}
END_TEST

/* Many records: the record array and the field buffer grow. */
START_TEST(test_large)
{
        enum { ROWS = 5000 };
        char *text = NULL, field[2048];
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        struct csv_file *file = NULL;

        ck_assert_ptr_nonnull(out);
        memset(field, 'x', sizeof(field) - 1);
        field[sizeof(field) - 1] = '\0';
        for (int i = 0; i < ROWS; i++)
                fprintf(out, "%d,\"%s\"\r\n", i, i % 1000 ? "y" : field);
        fclose(out);
        ck_assert_int_eq(formats_csv_parse(text, size, NULL, &file), 0);
        ck_assert_uint_eq(file->count, ROWS);
        ck_assert_str_eq(file->records[ROWS - 1].fields[0], "4999");
        ck_assert_uint_eq(file->records[ROWS - 1].line, ROWS);
        ck_assert_uint_eq(strlen(file->records[1000].fields[1]), sizeof(field) - 1);
        formats_csv_free(file);
        free(text);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("csv_reader");
        TCase *tcase = tcase_create("csv_reader");
        SRunner *runner;
        int failed;

        tcase_add_loop_test(tcase, test_readable, 0, sizeof(readable) / sizeof(readable[0]));
        tcase_add_loop_test(tcase, test_refused, 0, sizeof(refused) / sizeof(refused[0]));
        tcase_add_test(tcase, test_large);
        suite_add_tcase(suite, tcase);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
