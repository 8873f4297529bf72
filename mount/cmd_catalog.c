/*
 * licensefs import-catalog DATABASE FILE.csv: loads Microsoft's "Product names and service plan
 * identifiers for licensing" table, one row per (product, service plan). The file is read and
 * checked whole before the database is opened, so a file refused as a whole changes nothing
 * (not even creating DATABASE); then every row goes in through the model's upserts, in one batch
 * that commits at the end. A row that cannot go in is skipped and reported with its line; the
 * rest still go in. The rules of merging (aliases, first GUID wins) are the model's; this file
 * cleans the text, finds duplicate rows, and says what happened.
 */
#include <ctype.h>
#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "csv_reader.h"
#include "dbcheck.h"
#include "model.h"

enum column { DISPLAY_NAME, SKU, SKU_ID, PLAN, PLAN_ID, FRIENDLY_NAME, COLUMNS };

static const char *const header[COLUMNS] = {
        "Product_Display_Name", "String_Id", "GUID", "Service_Plan_Name", "Service_Plan_Id",
        "Service_Plans_Included_Friendly_Names",
};

enum skip { IMPORTED, SKIP_DUPLICATE, SKIP_CONFLICT, SKIP_BAD, SKIPS };

struct row {
        unsigned long line;
        char **field;                   /* COLUMNS cleaned fields, owned by the csv_file */
        enum skip skip;
        char *reason;                   /* why it was skipped (malloc'd) */
};

/* A string-keyed map entry (POSIX tsearch trees), for duplicates, names and tallies. */
struct map_entry {
        char *key;
        long value;
        const char *text;
};

struct import {
        struct csv_file *csv;
        struct row *rows;
        size_t count;
        void *seen_rows;                /* joined fields -> line of the first such row */
        void *display_names;            /* SKU -> the display name of its last row */
        void *products;                 /* SKU -> what the import did to it */
        void *plans;                    /* SKU \x1f plan -> what the import did to it */
        size_t products_done[3];        /* by enum model_upsert */
        size_t plans_done[3];
        char failure[512];              /* the database's reason when it failed */
};

static int fail(int status, const char *what, const char *why)
{
        fprintf(stderr, "licensefs: %s: %s\n", what, why);
        return status;
}

static int entry_compare(const void *a, const void *b)
{
        return strcmp(((const struct map_entry *)a)->key, ((const struct map_entry *)b)->key);
}

static void entry_free(void *p)
{
        struct map_entry *e = p;

        free(e->key);
        free(e);
}

/* The entry of `key`, added (value -1, text NULL) if new; NULL when out of memory. */
static struct map_entry *map_get(void **root, const char *key)
{
        struct map_entry probe = { .key = (char *)key }, *e, **found;

        found = tfind(&probe, root, entry_compare);
        if (found)
                return *found;
        e = calloc(1, sizeof(*e));
        if (!e || !(e->key = strdup(key))) {
                free(e);
                return NULL;
        }
        e->value = -1;
        found = tsearch(e, root, entry_compare);
        if (!found) {
                entry_free(e);
                return NULL;
        }
        return *found;
}

/* Reads the whole file; returns 0, or -errno. *ret is malloc'd and NUL-terminated. */
static int read_all(const char *path, char **ret, size_t *ret_size)
{
        FILE *f = fopen(path, "rb");
        size_t size = 0, cap = 0, n;
        char *data = NULL, *more;
        int r = 0;

        if (!f)
                return -errno;
        do {
                if (cap - size < 65536) {
                        cap = cap ? cap * 2 : 1 << 20;
                        more = realloc(data, cap + 1);
                        if (!more) {
                                r = -ENOMEM;
                                break;
                        }
                        data = more;
                }
                n = fread(data + size, 1, cap - size, f);
                size += n;
        } while (n > 0);
        if (r == 0 && ferror(f))
                r = errno ? -errno : -EIO;
        fclose(f);
        if (r < 0) {
                free(data);
                return r;
        }
        data[size] = '\0';
        *ret = data;
        *ret_size = size;
        return 0;
}

/*
 * Cleans a field in place: no-break spaces become spaces, blanks and line ends around it go,
 * and with `squeeze` every run of blanks and tabs inside becomes one space.
 */
static void clean(char *s, bool squeeze)
{
        char *out = s, *in = s;
        bool blank = false;

        for (; *in; in++) {
                if ((unsigned char)in[0] == 0xc2 && (unsigned char)in[1] == 0xa0)
                        *++in = ' ';    /* U+00A0: two bytes in, one space out */
                if (squeeze && (*in == ' ' || *in == '\t')) {
                        blank = true;
                        continue;
                }
                if (blank && out != s)
                        *out++ = ' ';
                blank = false;
                *out++ = *in;
        }
        *out = '\0';
        while (out > s && strchr(" \t\r\n", out[-1]))
                *--out = '\0';
        in = s + strspn(s, " \t\r\n");
        memmove(s, in, strlen(in) + 1);
}

/* A control character (C0, DEL or C1) in UTF-8 text. */
static bool has_control(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;

        for (; *p; p++)
                if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
                        return true;
        return false;
}

/* Lower-cases a GUID in place; false when it is not one (8-4-4-4-12 hex digits). */
static bool guid_lower(char *s)
{
        static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
        size_t i;

        for (i = 0; shape[i]; i++) {
                if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
                        return false;
                s[i] = (char)tolower((unsigned char)s[i]);
        }
        return s[i] == '\0';
}

static int skip_row(struct row *row, enum skip skip, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int skip_row(struct row *row, enum skip skip, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&row->reason, fmt, ap);
        va_end(ap);
        row->skip = skip;
        if (n < 0) {
                row->reason = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* Checks a cleaned row's fields; skips the row (with the reason) when one is bad. */
static int check_row(struct row *row)
{
        char **f = row->field;
        size_t i;

        for (i = 0; i < COLUMNS; i++)
                if (has_control(f[i]))
                        return skip_row(row, SKIP_BAD, "%s contains a control character",
                                        header[i]);
        if (!*f[SKU])
                return skip_row(row, SKIP_BAD, "%s is empty", header[SKU]);
        if (*f[SKU_ID] && !guid_lower(f[SKU_ID]))
                return skip_row(row, SKIP_BAD, "%s '%s' is not a GUID", header[SKU_ID],
                                f[SKU_ID]);
        if (*f[PLAN_ID] && !guid_lower(f[PLAN_ID]))
                return skip_row(row, SKIP_BAD, "%s '%s' is not a GUID", header[PLAN_ID],
                                f[PLAN_ID]);
        if (!*f[PLAN] && (*f[PLAN_ID] || *f[FRIENDLY_NAME]))
                return skip_row(row, SKIP_BAD, "%s is empty", header[PLAN]);
        if (*f[PLAN] && model_plans_check((const char *const *)&f[PLAN], 1) < 0)
                return skip_row(row, SKIP_BAD, "%s", model_reason());
        if (strlen(f[DISPLAY_NAME]) > MODEL_TEXT_MAX || strlen(f[FRIENDLY_NAME]) > MODEL_TEXT_MAX)
                return skip_row(row, SKIP_BAD, "%s is longer than %d bytes",
                                header[strlen(f[DISPLAY_NAME]) > MODEL_TEXT_MAX ? DISPLAY_NAME
                                                                                : FRIENDLY_NAME],
                                MODEL_TEXT_MAX);
        return 0;
}

/* Skips the row if an earlier row has the same fields (after cleaning). */
static int check_duplicate(struct import *im, struct row *row)
{
        struct map_entry *e;
        char *key;
        size_t i, len = 0;

        for (i = 0; i < COLUMNS; i++)
                len += strlen(row->field[i]) + 1;
        key = malloc(len);
        if (!key)
                return -ENOMEM;
        for (i = 0, len = 0; i < COLUMNS; i++) {
                strcpy(key + len, row->field[i]);
                len += strlen(row->field[i]);
                key[len++] = i + 1 < COLUMNS ? '\x1f' : '\0';   /* no field holds a control */
        }
        e = map_get(&im->seen_rows, key);
        free(key);
        if (!e)
                return -ENOMEM;
        if (e->value >= 0)
                return skip_row(row, SKIP_DUPLICATE, "duplicate of line %ld", e->value);
        e->value = (long)row->line;
        return 0;
}

/* The header, then every row: cleaned, checked, duplicates found, last display names noted. */
static int prepare(struct import *im, char *why, size_t why_size)
{
        const struct csv_record *head = im->csv->count ? &im->csv->records[0] : NULL;
        struct map_entry *e;
        size_t i;
        int r = 0;

        for (i = 0; head && !head->error[0] && head->count == COLUMNS && i < COLUMNS; i++)
                if (strcmp(head->fields[i], header[i]) != 0)
                        break;
        if (i < COLUMNS) {
                snprintf(why, why_size, "line 1: the header is not %s,%s,%s,%s,%s,%s", header[0],
                         header[1], header[2], header[3], header[4], header[5]);
                return -EINVAL;
        }
        im->count = im->csv->count - 1;
        im->rows = calloc(im->count ? im->count : 1, sizeof(*im->rows));
        if (!im->rows)
                return -ENOMEM;
        for (i = 0; r >= 0 && i < im->count; i++) {
                const struct csv_record *record = &im->csv->records[i + 1];
                struct row *row = &im->rows[i];

                row->line = record->line;
                row->field = record->fields;
                if (record->error[0]) {
                        r = skip_row(row, SKIP_BAD, "%s", record->error);
                        continue;
                }
                if (record->count != COLUMNS) {
                        r = skip_row(row, SKIP_BAD, "%zu fields, not %d", record->count, COLUMNS);
                        continue;
                }
                clean(row->field[DISPLAY_NAME], true);
                clean(row->field[SKU], false);
                clean(row->field[SKU_ID], false);
                clean(row->field[PLAN], true);
                clean(row->field[PLAN_ID], false);
                clean(row->field[FRIENDLY_NAME], true);
                r = check_row(row);
                if (r >= 0 && !row->skip)
                        r = check_duplicate(im, row);
                if (r < 0 || row->skip || !*row->field[DISPLAY_NAME])
                        continue;
                /* The last import wins, and within a file the last row. */
                e = map_get(&im->display_names, row->field[SKU]);
                if (!e)
                        r = -ENOMEM;
                else
                        e->text = row->field[DISPLAY_NAME];
        }
        if (r < 0)
                snprintf(why, why_size, "%s", strerror(-r));
        return r;
}

/* Counts what an upsert did to one product or plan, as the strongest of what its rows did. */
static int tally(void **map, size_t done[3], const char *key, enum model_upsert what)
{
        struct map_entry *e = map_get(map, key);

        if (!e)
                return -ENOMEM;
        if (e->value >= 0 && (e->value == MODEL_CREATED || what == MODEL_UNCHANGED))
                return 0;
        if (e->value >= 0)
                done[e->value]--;
        e->value = what;
        done[what]++;
        return 0;
}

/*
 * A refusal skips the row; any other failure is the database's, and ends the import with the
 * model's reason kept in im->failure.
 */
static int refused(struct import *im, struct row *row, int r)
{
        if (r == -EEXIST || r == -EINVAL || r == -ENAMETOOLONG)
                return skip_row(row, r == -EEXIST ? SKIP_CONFLICT : SKIP_BAD, "%s",
                                model_reason());
        snprintf(im->failure, sizeof(im->failure), "%s", model_reason());
        return r;
}

static int import_row(struct import *im, struct model *m, struct row *row)
{
        char **f = row->field;
        const struct map_entry *name = map_get(&im->display_names, f[SKU]);
        enum model_upsert done;
        char *key;
        int r;

        if (!name)
                return -ENOMEM;
        r = model_product_upsert(m, f[SKU], name->text, *f[SKU_ID] ? f[SKU_ID] : NULL, &done);
        if (r < 0)
                return refused(im, row, r);
        r = tally(&im->products, im->products_done, f[SKU], done);
        if (r < 0 || !*f[PLAN])
                return r;
        r = model_plan_upsert(m, f[SKU], f[PLAN], *f[PLAN_ID] ? f[PLAN_ID] : NULL,
                              f[FRIENDLY_NAME], &done);
        if (r < 0)
                return refused(im, row, r);
        if (asprintf(&key, "%s\x1f%s", f[SKU], f[PLAN]) < 0)
                return -ENOMEM;
        r = tally(&im->plans, im->plans_done, key, done);
        free(key);
        return r;
}

/* Shows how far the import is, on a terminal only; done == count clears the line. */
static void progress(size_t done, size_t count)
{
        if (!isatty(STDERR_FILENO) || (done % 250 != 0 && done != count))
                return;
        if (done == count)
                fputs("\r\033[K", stderr);
        else
                fprintf(stderr, "\rimport-catalog: %zu of %zu rows", done, count);
}

/*
 * Every row in one batch, committed at the end; a database failure rolls it all back. The
 * batch is one change of the caller's, so the audit log gets one line for it, naming the file.
 */
static int import_rows(struct import *im, struct model *m, const char *file)
{
        struct model_actor actor = { (int64_t)getuid(), "import-catalog", file };
        size_t i;
        int r;

        r = model_batch_begin(m);
        if (r < 0) {
                snprintf(im->failure, sizeof(im->failure), "%s", model_reason());
                return r;
        }
        for (i = 0; r >= 0 && i < im->count; i++) {
                if (!im->rows[i].skip)
                        r = import_row(im, m, &im->rows[i]);
                progress(i + 1, im->count);
        }
        if (r < 0) {
                progress(im->count, im->count);
                model_batch_end(m, false);
                return r;
        }
        /* Only a committed import is a change to record; a failed one leaves no trace. */
        model_set_actor(&actor);
        r = model_batch_end(m, true);
        if (r < 0)
                snprintf(im->failure, sizeof(im->failure), "%s", model_reason());
        model_set_actor(NULL);
        return r;
}

static void report(const struct import *im)
{
        size_t skipped[SKIPS] = { 0 }, i;

        for (i = 0; i < im->count; i++) {
                skipped[im->rows[i].skip]++;
                if (im->rows[i].skip)
                        printf("line %lu: %s\n", im->rows[i].line, im->rows[i].reason);
        }
        printf("products: %zu created, %zu updated, %zu unchanged\n",
               im->products_done[MODEL_CREATED], im->products_done[MODEL_UPDATED],
               im->products_done[MODEL_UNCHANGED]);
        printf("plans: %zu created, %zu updated, %zu unchanged\n", im->plans_done[MODEL_CREATED],
               im->plans_done[MODEL_UPDATED], im->plans_done[MODEL_UNCHANGED]);
        printf("%zu rows (%s): %zu imported, %zu skipped (%zu duplicate, %zu conflicting, "
               "%zu bad)\n", im->count,
               im->csv->encoding == CSV_CP1252 ? "cp1252" : im->csv->bom ? "UTF-8 with BOM"
                                                                         : "UTF-8",
               skipped[IMPORTED], im->count - skipped[IMPORTED], skipped[SKIP_DUPLICATE],
               skipped[SKIP_CONFLICT], skipped[SKIP_BAD]);
}

static void import_free(struct import *im)
{
        size_t i;

        for (i = 0; i < im->count; i++)
                free(im->rows[i].reason);
        free(im->rows);
        tdestroy(im->seen_rows, entry_free);
        tdestroy(im->display_names, entry_free);
        tdestroy(im->products, entry_free);
        tdestroy(im->plans, entry_free);
        im->csv = csv_free(im->csv);
}

int cmd_import_catalog(int argc, char **argv)
{
        struct import im = { 0 };
        struct model *m = NULL;
        char why[256], *data = NULL;
        size_t size = 0;
        int status, r;

        if (argc != 3)
                return fail(EXIT_USAGE, argv[0],
                            "usage: licensefs import-catalog DATABASE FILE.csv");
        /* The whole file first: refused as a whole, it must not even create the database. */
        r = read_all(argv[2], &data, &size);
        if (r < 0)
                snprintf(why, sizeof(why), "%s", strerror(-r));
        if (r >= 0)
                r = csv_parse(data, size, &im.csv, why, sizeof(why));
        free(data);
        if (r >= 0)
                r = prepare(&im, why, sizeof(why));
        if (r < 0) {
                status = fail(r == -ENOMEM ? EXIT_DATABASE : EXIT_REFUSED, argv[2], why);
                goto out;
        }
        if (dbcheck(argv[1]) < 0) {
                status = EXIT_DATABASE;
                goto out;
        }
        r = model_open(argv[1], &m);
        if (r < 0) {
                status = fail(EXIT_DATABASE, argv[1], model_reason()[0] ? model_reason()
                                                                        : strerror(-r));
                goto out;
        }
        r = import_rows(&im, m, argv[2]);
        if (r < 0) {
                status = fail(EXIT_DATABASE, argv[1], im.failure[0] ? im.failure : strerror(-r));
                goto out;
        }
        report(&im);
        status = 0;
out:
        m = model_close(m);
        import_free(&im);
        return status;
}
