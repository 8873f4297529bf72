/*
 * The formats layer: the readers and writers of licensefs's file formats (the product catalog
 * CSV, Microsoft Graph tenant snapshots, the licensed-users CSV) between text and the model.
 * Nothing here prints or exits: a reader tells its caller what it found in the input through
 * a report callback (each finding with its place: a line and column, or a JSON path), and every
 * function returns 0 or -errno. This header holds what all of them share: the report, the text
 * cleaner and the file reader.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What a finding means for the input. */
enum formats_kind {
        FORMATS_REFUSED,                /* the input is refused as a whole; nothing changed */
        FORMATS_SKIPPED,                /* one record was left out; the others went in */
        FORMATS_WARNING,                /* taken, but not quite as written */
        FORMATS_DATABASE,               /* the model failed in the database; nothing changed */
};

/* One finding; every pointer is valid only during the callback. */
struct formats_diag {
        enum formats_kind kind;
        long line, column;              /* in the input, from 1; 0 when not known */
        const char *path;               /* a JSON path (`$.users[3].id`); "" when none */
        const char *message;            /* one line, without the place */
};

/*
 * Where a reader reports. `diag` is called for every finding in input order; `progress`
 * (optional, NULL: none) after each unit of work with how many of `total` are done, and once
 * more with done == total when the work ends, whether it succeeded or not.
 */
struct formats_report {
        void (*diag)(void *ctx, const struct formats_diag *diag);
        void (*progress)(void *ctx, size_t done, size_t total);
        void *ctx;
};

/*
 * Reports a finding through `report` (a printf-style message; path NULL: none); does nothing
 * when report or its diag is NULL.
 */
void formats_diag(const struct formats_report *report, enum formats_kind kind, long line,
                  long column, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));
void formats_vdiag(const struct formats_report *report, enum formats_kind kind, long line,
                   long column, const char *path, const char *fmt, va_list ap)
        __attribute__((format(printf, 6, 0)));

/* How formats_text_clean treats the blanks of a text. */
enum {
        FORMATS_TEXT_COLLAPSE = 1 << 0,   /* runs of blanks and tabs inside become one space */
        FORMATS_TEXT_LINE_ENDS = 1 << 1,  /* tabs, CRs and LFs at either end go too */
};

/*
 * Cleans text as the importers take it: every no-break space (U+00A0) becomes a space, spaces
 * at either end go (tabs too when collapsing), and `flags` as above. Writes the result to out
 * (room for `size` bytes, the NUL included); out may be `in` itself, as the result is never
 * longer. Returns the length of the result, or -E2BIG when it would not fit (out is then
 * undefined). Anything else (control characters, UTF-8) is the model's to judge.
 */
int formats_text_clean(const char *in, unsigned flags, char *out, size_t size);

/*
 * Reads all of a stream (a pipe or a terminal too: it reads until end of file) or of the file
 * at `path` into *ret, a NUL-terminated buffer the caller frees, and its length (without the
 * NUL) into *ret_size; both are written only on success. Returns 0; -ENOMEM; or the errno of
 * opening or reading (-ENOENT, -EACCES, -EISDIR ...; -EIO when the stream gives none).
 */
int formats_read_stream(FILE *in, char **ret, size_t *ret_size);
int formats_read_file(const char *path, char **ret, size_t *ret_size);
