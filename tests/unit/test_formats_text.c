/*
 * What every reader of the formats layer shares, table-driven: the text cleaner (no-break
 * spaces, blanks at the ends, runs of blanks inside, line ends of spreadsheet cells, the size
 * limit, cleaning in place), the reader of whole files and streams (regular files, pipes,
 * empty files, files larger than one read, and the errno of what cannot be read), and the
 * report of a finding.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats.h"
#include "test_formats_helpers.h"

#define NBSP "\xc2\xa0"
#define PLAIN 0
#define COLLAPSE FORMATS_TEXT_COLLAPSE
#define LINE_ENDS FORMATS_TEXT_LINE_ENDS

static const struct {
        const char *in;
        unsigned flags;
        const char *out;
} cleaned[] = {
        { "", PLAIN, "" },
        { "Sales", PLAIN, "Sales" },
        /* No-break spaces are spaces, and so trimmed at the ends. */
        { NBSP "Sales" NBSP, PLAIN, "Sales" },
        { "Sales" NBSP "EU", PLAIN, "Sales EU" },
        /* Without collapsing, blanks inside stay as they are and tabs are text. */
        { "  a  b  ", PLAIN, "a  b" },
        { "\ta b\t", PLAIN, "\ta b\t" },
        { "a\r\n", PLAIN, "a\r\n" },
        /* Collapsing: every run of blanks and tabs inside is one space; none at the ends. */
        { " \t a \t\t b" NBSP " ", COLLAPSE, "a b" },
        { "a" NBSP NBSP "b", COLLAPSE, "a b" },
        { "   ", COLLAPSE, "" },
        { "a\r\nb", COLLAPSE, "a\r\nb" },
        /* A spreadsheet's cell: tabs and line ends at either end go, inside they stay. */
        { "\r\n\ta b \t\r\n", LINE_ENDS, "a b" },
        { "a\r\nb", LINE_ENDS, "a\r\nb" },
        { " \r a", LINE_ENDS | COLLAPSE, "a" },
        { "a \r", LINE_ENDS | COLLAPSE, "a" },
        { "a\r \t b\n", LINE_ENDS | COLLAPSE, "a\r b" },
        /* A lone 0xC2 is not a no-break space; the one after it is. */
        { "\xc2\xc2\xa0x", PLAIN, "\xc2 x" },
};

START_TEST(test_clean)
{
        char out[64], in_place[64];
        int n;

        n = formats_text_clean(cleaned[_i].in, cleaned[_i].flags, out, sizeof(out));
        ck_assert_msg(n >= 0 && strcmp(out, cleaned[_i].out) == 0,
                      "case %d: [%s] (flags %u) cleaned to [%s] (%d), expected [%s]", _i,
                      cleaned[_i].in, cleaned[_i].flags, n >= 0 ? out : "", n, cleaned[_i].out);
        ck_assert_int_eq(n, (int)strlen(cleaned[_i].out));
        /* In place, the same. */
        snprintf(in_place, sizeof(in_place), "%s", cleaned[_i].in);
        n = formats_text_clean(in_place, cleaned[_i].flags, in_place, strlen(in_place) + 1);
        ck_assert_msg(n >= 0 && strcmp(in_place, cleaned[_i].out) == 0,
                      "case %d in place: [%s], expected [%s]", _i, in_place, cleaned[_i].out);
}
END_TEST

/* The limit is on the cleaned text: blanks that go do not count, and one byte more is E2BIG. */
static const struct {
        const char *in;
        unsigned flags;
        int want;                       /* the length, or -E2BIG */
} sized[] = {
        { "abcd", PLAIN, 4 },
        { "abcde", PLAIN, -E2BIG },
        { "  abcd    ", PLAIN, 4 },
        { "ab  cd", PLAIN, -E2BIG },
        { "ab  c", COLLAPSE, 4 },
        { "ab  cd", COLLAPSE, -E2BIG },
        { "ab c", COLLAPSE, 4 },
        { "abcd \t\r\n", LINE_ENDS, 4 },
        { NBSP "abcd" NBSP NBSP, PLAIN, 4 },
};

START_TEST(test_size_limit)
{
        char out[5];                    /* four bytes and the NUL */
        int n = formats_text_clean(sized[_i].in, sized[_i].flags, out, sizeof(out));

        ck_assert_msg(n == sized[_i].want, "case %d: [%s] gave %d, expected %d", _i,
                      sized[_i].in, n, sized[_i].want);
}
END_TEST

/* Writes `size` bytes of a pattern to dir/name; returns the path (static). */
static const char *make_file(const char *name, size_t size)
{
        static char path[128];
        FILE *f;
        size_t i;

        snprintf(path, sizeof(path), "%s/%s", formats_dir, name);
        f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        for (i = 0; i < size; i++)
                fputc('a' + (int)(i % 26), f);
        ck_assert_int_eq(fclose(f), 0);
        return path;
}

/* Empty, small, and larger than the first buffer (1 MiB) and its first growth. */
static const size_t file_sizes[] = { 0, 1, 4096, (1 << 20) + 1, 3 << 20 };

START_TEST(test_read_file)
{
        const char *path = make_file("data", file_sizes[_i]);
        size_t size = 12345, i;
        char *data = NULL;

        ck_assert_int_eq(formats_read_file(path, &data, &size), 0);
        ck_assert_uint_eq(size, file_sizes[_i]);
        ck_assert_int_eq(data[size], '\0');
        for (i = 0; i < size; i++)
                if (data[i] != 'a' + (int)(i % 26))
                        ck_abort_msg("byte %zu of %zu is wrong", i, size);
        free(data);
}
END_TEST

/* What cannot be read is its errno, and the outputs stay untouched. */
START_TEST(test_read_file_errors)
{
        char missing[128], *data = (char *)"untouched";
        size_t size = 7;

        snprintf(missing, sizeof(missing), "%s/missing", formats_dir);
        ck_assert_int_eq(formats_read_file(missing, &data, &size), -ENOENT);
        ck_assert_int_eq(formats_read_file(formats_dir, &data, &size), -EISDIR);
        ck_assert_str_eq(data, "untouched");
        ck_assert_uint_eq(size, 7);
}
END_TEST

/* A pipe (as stdin may be) is read until its end, however it arrives. */
START_TEST(test_read_stream_pipe)
{
        enum { BYTES = 200000 };
        int fds[2];
        FILE *in;
        char *data = NULL;
        size_t size = 0, i;
        pid_t child;

        ck_assert_int_eq(pipe(fds), 0);
        child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0) {
                close(fds[0]);
                for (i = 0; i < BYTES; i += 1000) {
                        char chunk[1000];

                        memset(chunk, 'x', sizeof(chunk));
                        if (write(fds[1], chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
                                _exit(1);
                }
                _exit(0);
        }
        close(fds[1]);
        in = fdopen(fds[0], "rb");
        ck_assert_ptr_nonnull(in);
        ck_assert_int_eq(formats_read_stream(in, &data, &size), 0);
        fclose(in);
        ck_assert_uint_eq(size, BYTES);
        ck_assert_uint_eq(strspn(data, "x"), BYTES);
        free(data);
}
END_TEST

/* A finding reaches the callback whole; without a report it goes nowhere, harmlessly. */
START_TEST(test_diag)
{
        struct findings f = { 0 };
        struct formats_report report = findings_report(&f);

        formats_diag(&report, FORMATS_SKIPPED, 12, 3, NULL, "%s is %d", "x", 4);
        formats_diag(&report, FORMATS_WARNING, 0, 0, "$.a[1]", "w");
        formats_diag(NULL, FORMATS_REFUSED, 1, 1, NULL, "nobody hears this");
        report.diag = NULL;
        formats_diag(&report, FORMATS_REFUSED, 1, 1, NULL, "nor this");
        ck_assert_str_eq(f.text, "SKIPPED 12:3: x is 4\nWARNING $.a[1]: w\n");
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("formats_text");
        TCase *text = tcase_create("text"), *files = tcase_create("files");

        tcase_add_loop_test(text, test_clean, 0, sizeof(cleaned) / sizeof(cleaned[0]));
        tcase_add_loop_test(text, test_size_limit, 0, sizeof(sized) / sizeof(sized[0]));
        tcase_add_test(text, test_diag);
        suite_add_tcase(suite, text);
        tcase_add_checked_fixture(files, formats_dir_setup, formats_dir_teardown);
        tcase_add_loop_test(files, test_read_file, 0, sizeof(file_sizes) / sizeof(file_sizes[0]));
        tcase_add_test(files, test_read_file_errors);
        tcase_add_test(files, test_read_stream_pipe);
        suite_add_tcase(suite, files);
        return run_suite(suite);
}
