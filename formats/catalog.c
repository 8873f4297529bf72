/*
 * The reader of Microsoft's "Product names and service plan identifiers for licensing" table
 * (the product catalog), one row per (product, service plan). The text is read and checked
 * whole first (formats_catalog_read), so that a file refused as a whole changes nothing; then
 * every row goes in through the model's upserts in one batch that commits at the end
 * (formats_catalog_import). A row that cannot go in is skipped and reported with its line; the
 * rest still go in. The rules of merging (aliases, first GUID wins) are the model's; this file
 * cleans the text, finds duplicate rows, and counts what happened.
 */
#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "csv_reader.h"

enum column { DISPLAY_NAME, SKU, SKU_ID, PLAN, PLAN_ID, FRIENDLY_NAME, COLUMNS };

static const char *const header[COLUMNS] = {
        "Product_Display_Name", "String_Id", "GUID", "Service_Plan_Name", "Service_Plan_Id",
        "Service_Plans_Included_Friendly_Names",
};

struct row {
        unsigned long line;
        char **field;                   /* COLUMNS cleaned fields, owned by the csv_file */
        enum formats_catalog_skip skip;
        char *reason;                   /* why it was skipped (malloc'd) */
};

/* A string-keyed map entry (POSIX tsearch trees), for duplicates, names and tallies. */
struct map_entry {
        char *key;
        long value;
        const char *text;
};

struct formats_catalog {
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

/* Cleans a field in place: a spreadsheet's cell may end in a tab or a line break. */
static void clean(char *s, bool collapse)
{
        formats_text_clean(s, FORMATS_TEXT_LINE_ENDS | (collapse ? FORMATS_TEXT_COLLAPSE : 0), s,
                           strlen(s) + 1);
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

/* Lower-cases a GUID in place; false when it is not one. */
static bool guid_lower(char *s)
{
        return model_guid_normalise(s, s) == 0;
}

static int skip_row(struct row *row, enum formats_catalog_skip skip, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int skip_row(struct row *row, enum formats_catalog_skip skip, const char *fmt, ...)
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
                        return skip_row(row, FORMATS_CATALOG_BAD, "%s contains a control character",
                                        header[i]);
        if (!*f[SKU])
                return skip_row(row, FORMATS_CATALOG_BAD, "%s is empty", header[SKU]);
        if (*f[SKU_ID] && !guid_lower(f[SKU_ID]))
                return skip_row(row, FORMATS_CATALOG_BAD, "%s '%s' is not a GUID", header[SKU_ID],
                                f[SKU_ID]);
        if (*f[PLAN_ID] && !guid_lower(f[PLAN_ID]))
                return skip_row(row, FORMATS_CATALOG_BAD, "%s '%s' is not a GUID", header[PLAN_ID],
                                f[PLAN_ID]);
        if (!*f[PLAN] && (*f[PLAN_ID] || *f[FRIENDLY_NAME]))
                return skip_row(row, FORMATS_CATALOG_BAD, "%s is empty", header[PLAN]);
        if (*f[PLAN] && model_plans_check((const char *const *)&f[PLAN], 1) < 0)
                return skip_row(row, FORMATS_CATALOG_BAD, "%s", model_reason());
        if (strlen(f[DISPLAY_NAME]) > MODEL_TEXT_MAX || strlen(f[FRIENDLY_NAME]) > MODEL_TEXT_MAX)
                return skip_row(row, FORMATS_CATALOG_BAD, "%s is longer than %d bytes",
                                header[strlen(f[DISPLAY_NAME]) > MODEL_TEXT_MAX ? DISPLAY_NAME
                                                                                : FRIENDLY_NAME],
                                MODEL_TEXT_MAX);
        return 0;
}

/* Skips the row if an earlier row has the same fields (after cleaning). */
static int check_duplicate(struct formats_catalog *im, struct row *row)
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
                return skip_row(row, FORMATS_CATALOG_DUPLICATE, "duplicate of line %ld", e->value);
        e->value = (long)row->line;
        return 0;
}

/* The header, then every row: cleaned, checked, duplicates found, last display names noted. */
static int prepare(struct formats_catalog *im, const struct formats_report *report)
{
        const struct csv_record *head = im->csv->count ? &im->csv->records[0] : NULL;
        struct map_entry *e;
        size_t i;
        int r = 0;

        for (i = 0; head && !head->error[0] && head->count == COLUMNS && i < COLUMNS; i++)
                if (strcmp(head->fields[i], header[i]) != 0)
                        break;
        if (i < COLUMNS) {
                formats_diag(report, FORMATS_REFUSED, 1, 0, NULL,
                             "the header is not %s,%s,%s,%s,%s,%s", header[0], header[1],
                             header[2], header[3], header[4], header[5]);
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
                        r = skip_row(row, FORMATS_CATALOG_BAD, "%s", record->error);
                        continue;
                }
                if (record->count != COLUMNS) {
                        r = skip_row(row, FORMATS_CATALOG_BAD, "%zu fields, not %d",
                                     record->count, COLUMNS);
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
 * A refusal skips the row; a failure in the database (or of memory) ends the import with the
 * model's reason kept in im->failure.
 */
static int refused(struct formats_catalog *im, struct row *row, int r)
{
        if (r != -ENOMEM && !model_failed_in_database())
                return skip_row(row, r == -EEXIST ? FORMATS_CATALOG_CONFLICT : FORMATS_CATALOG_BAD,
                                "%s", model_reason());
        snprintf(im->failure, sizeof(im->failure), "%s", model_reason());
        return r;
}

static int import_row(struct formats_catalog *im, struct model *m, struct row *row)
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

static void progress(const struct formats_report *report, size_t done, size_t total)
{
        if (report && report->progress)
                report->progress(report->ctx, done, total);
}

/*
 * Every row in one batch, committed at the end; a database failure rolls it all back. The
 * batch is one change of the caller's, so the audit log gets one line for it (the actor's).
 */
static int import_rows(struct formats_catalog *im, struct model *m,
                       const struct model_actor *actor, const struct formats_report *report)
{
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
                progress(report, i + 1, im->count);
        }
        if (r < 0) {
                progress(report, im->count, im->count);
                model_batch_end(m, false);
                return r;
        }
        /* Only a committed import is a change to record; a failed one leaves no trace. */
        model_set_actor(actor);
        r = model_batch_end(m, true);
        if (r < 0)
                snprintf(im->failure, sizeof(im->failure), "%s", model_reason());
        model_set_actor(NULL);
        return r;
}

/* Reports the skipped rows in file order and counts what happened. */
static void summarise(const struct formats_catalog *im, const struct formats_report *report,
                      struct formats_catalog_summary *ret)
{
        size_t i;

        *ret = (struct formats_catalog_summary){ .rows = im->count };
        memcpy(ret->products, im->products_done, sizeof(ret->products));
        memcpy(ret->plans, im->plans_done, sizeof(ret->plans));
        for (i = 0; i < im->count; i++) {
                ret->skipped[im->rows[i].skip]++;
                if (im->rows[i].skip)
                        formats_diag(report, FORMATS_SKIPPED, (long)im->rows[i].line, 0, NULL, "%s",
                                     im->rows[i].reason);
        }
        ret->encoding = im->csv->encoding == CSV_CP1252 ? "cp1252"
                        : im->csv->bom                  ? "UTF-8 with BOM"
                                                        : "UTF-8";
}

struct formats_catalog *formats_catalog_free(struct formats_catalog *im)
{
        size_t i;

        if (!im)
                return NULL;
        for (i = 0; i < im->count; i++)
                free(im->rows[i].reason);
        free(im->rows);
        tdestroy(im->seen_rows, entry_free);
        tdestroy(im->display_names, entry_free);
        tdestroy(im->products, entry_free);
        tdestroy(im->plans, entry_free);
        formats_csv_free(im->csv);
        free(im);
        return NULL;
}

int formats_catalog_read(const char *data, size_t size, const struct formats_report *report,
                         struct formats_catalog **ret)
{
        struct formats_catalog *im = calloc(1, sizeof(*im));
        int r;

        if (!im)
                return -ENOMEM;
        r = formats_csv_parse(data, size, report, &im->csv);
        if (r >= 0)
                r = prepare(im, report);
        if (r < 0) {
                formats_catalog_free(im);
                return r;
        }
        *ret = im;
        return 0;
}

int formats_catalog_import(struct formats_catalog *catalog, struct model *m,
                           const struct model_actor *actor, const struct formats_report *report,
                           struct formats_catalog_summary *ret)
{
        int r;

        catalog->failure[0] = '\0';
        r = import_rows(catalog, m, actor, report);
        if (r < 0) {
                formats_diag(report, FORMATS_DATABASE, 0, 0, NULL, "%s",
                             catalog->failure[0] ? catalog->failure : strerror(-r));
                return r;
        }
        summarise(catalog, report, ret);
        return 0;
}
