/*
 * What every reader shares: the report of a finding, the one cleaner of imported text
 * (no-break spaces, blanks at the ends, runs of blanks inside), and the one reader of a whole
 * file or stream.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats.h"

void formats_vdiag(const struct formats_report *report, enum formats_kind kind, long line,
                   long column, const char *path, const char *fmt, va_list ap)
{
        struct formats_diag diag = { kind, line, column, path ? path : "", NULL };
        char *message = NULL;
        int n;

        if (!report || !report->diag)
                return;
        n = vasprintf(&message, fmt, ap);
        /* Out of memory, the finding still counts: without its words. */
        diag.message = n < 0 ? "out of memory" : message;
        report->diag(report->ctx, &diag);
        if (n >= 0)
                free(message);
}

void formats_diag(const struct formats_report *report, enum formats_kind kind, long line,
                  long column, const char *path, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        formats_vdiag(report, kind, line, column, path, fmt, ap);
        va_end(ap);
}

int formats_text_clean(const char *in, unsigned flags, char *out, size_t size)
{
        bool collapse = flags & FORMATS_TEXT_COLLAPSE;
        const char *trimmed = flags & FORMATS_TEXT_LINE_ENDS ? " \t\r\n" : collapse ? " \t" : " ";
        size_t n = 0, end = 0;
        bool blank = false;

        /*
         * One pass, so that out may be in: blanks are held back until something that stays
         * follows, and what could still be trimmed at the end is written but not counted in
         * `end` until something that stays follows it.
         */
        for (; *in; in++) {
                char c = *in;

                if ((unsigned char)in[0] == 0xc2 && (unsigned char)in[1] == 0xa0) {
                        c = ' ';        /* U+00A0: two bytes in, one space out */
                        in++;
                }
                if (collapse && (c == ' ' || c == '\t')) {
                        blank = n > 0;
                        continue;
                }
                if (blank && n + 1 < size)
                        out[n++] = ' ';
                blank = false;
                if (strchr(trimmed, c)) {
                        if (n > 0 && n + 1 < size)
                                out[n++] = c;
                        continue;
                }
                if (n + 1 >= size)
                        return -E2BIG;
                out[n++] = c;
                end = n;
        }
        if (size > 0)
                out[end] = '\0';
        return (int)end;
}

int formats_read_stream(FILE *in, char **ret, size_t *ret_size)
{
        size_t size = 0, capacity = 0, n;
        char *data = NULL, *grown;
        int r = 0;

        errno = 0;              /* fread need not set it: then the error is EIO */
        do {
                if (capacity - size < 65536) {
                        capacity = capacity ? capacity * 2 : 1 << 20;
                        grown = realloc(data, capacity + 1);
                        if (!grown) {
                                r = -ENOMEM;
                                goto out;
                        }
                        data = grown;
                }
                n = fread(data + size, 1, capacity - size, in);
                size += n;
        } while (n > 0);
        if (ferror(in)) {
                r = errno ? -errno : -EIO;
                goto out;
        }
        data[size] = '\0';
        *ret = data;
        *ret_size = size;
        data = NULL;
out:
        free(data);
        return r;
}

int formats_read_file(const char *path, char **ret, size_t *ret_size)
{
        FILE *in = fopen(path, "rb");
        int r;

        if (!in)
                return -errno;
        r = formats_read_stream(in, ret, ret_size);
        fclose(in);
        return r;
}
