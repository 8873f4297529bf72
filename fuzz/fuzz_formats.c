/*
 * libFuzzer target for the readers of the formats layer that take text from users. The first
 * byte picks what reads the rest:
 *   even: the product catalog reader (CSV, cp1252, quoting, the header, every row checked) and
 *     the snapshot's JSON parser; each either takes the text or refuses it with exactly one
 *     finding that names a line of the text, and never reports anything when it takes it;
 *   odd: the text cleaner, with the flags in the byte's next bits: its result is no longer
 *     than the input, holds no no-break space and no blank at either end, is its own cleaning
 *     (cleaning twice changes nothing), and is refused (E2BIG) by exactly one byte too little.
 * No model is needed: reading touches none.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "snapshot.h"

static void fail(const char *what)
{
        fprintf(stderr, "\n*** %s\n", what);
        abort();
}

struct seen {
        size_t findings;
        long line, lines;
};

static void check_finding(void *ctx, const struct formats_diag *d)
{
        struct seen *seen = ctx;

        seen->findings++;
        if (d->kind != FORMATS_REFUSED || !d->message[0])
                fail("a reader reported something other than one refusal with its reason");
        if (d->line < 1 || d->line > seen->lines)
                fail("a refusal names a line the text does not have");
}

/* What a reader returned: taken (0, nothing reported), or refused (one finding), or ENOMEM. */
static void check_result(int r, const struct seen *seen)
{
        if (r == 0 && seen->findings != 0)
                fail("text taken, yet a finding was reported");
        if (r == -EINVAL && seen->findings != 1)
                fail("text refused with other than one finding");
        if (r != 0 && r != -EINVAL && r != -ENOMEM)
                fail("a reader returned an errno it does not document");
}

static void read_text(const char *data, size_t size)
{
        struct seen seen = { .lines = 1 };
        struct formats_report report = { check_finding, NULL, &seen };
        struct formats_catalog *catalog = NULL;
        json_t *root = NULL;
        size_t i;
        int r;

        for (i = 0; i < size; i++)
                seen.lines += data[i] == '\n';
        r = formats_catalog_read(data, size, &report, &catalog);
        check_result(r, &seen);
        if ((r == 0) != (catalog != NULL))
                fail("formats_catalog_read's result and *ret disagree");
        formats_catalog_free(catalog);

        seen.findings = 0;
        r = formats_snapshot_parse(data, size, &report, &root);
        check_result(r, &seen);
        json_decref(root);
}

static bool blank_at_ends(const char *s, size_t n)
{
        return n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
}

static void clean_text(unsigned flags, const char *data, size_t size)
{
        char *in = malloc(size + 1), *out = malloc(size + 1), *again = malloc(size + 1);
        int n, m;

        if (!in || !out || !again)
                goto out;
        memcpy(in, data, size);
        in[size] = '\0';
        n = formats_text_clean(in, flags, out, strlen(in) + 1);
        if (n < 0 || (size_t)n != strlen(out) || (size_t)n > strlen(in))
                fail("a cleaned text is not its length, or longer than the input");
        if (strstr(out, "\xc2\xa0") || blank_at_ends(out, (size_t)n))
                fail("a cleaned text keeps a no-break space or a blank at an end");
        m = formats_text_clean(out, flags, again, (size_t)n + 1);
        if (m != n || strcmp(again, out) != 0)
                fail("cleaning a cleaned text changed it");
        if (n > 0 && formats_text_clean(in, flags, again, (size_t)n) != -E2BIG)
                fail("a text one byte too long for its room was not refused");
out:
        free(in);
        free(out);
        free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size == 0)
                return 0;
        if (data[0] % 2 == 0)
                read_text((const char *)data + 1, size - 1);
        else
                clean_text((data[0] >> 1) & (FORMATS_TEXT_COLLAPSE | FORMATS_TEXT_LINE_ENDS),
                           (const char *)data + 1, size - 1);
        return 0;
}
