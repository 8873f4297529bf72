/*
 * The product catalog as Microsoft publishes it ("Product names and service plan identifiers
 * for licensing", CSV): read and checked whole, then merged into a tenant's products and plans.
 */
#pragma once

#include <stddef.h>

#include "formats.h"
#include "model.h"

/* Why a row was left out. */
enum formats_catalog_skip {
        FORMATS_CATALOG_IMPORTED,       /* not left out */
        FORMATS_CATALOG_DUPLICATE,      /* the same fields as an earlier row, after cleaning */
        FORMATS_CATALOG_CONFLICT,       /* the model refused it as taken (EEXIST) */
        FORMATS_CATALOG_BAD,            /* a field or the row's shape is bad */
        FORMATS_CATALOG_SKIPS,
};

/* What an import did. */
struct formats_catalog_summary {
        size_t products[3];             /* by enum model_upsert: unchanged, created, updated */
        size_t plans[3];
        size_t rows;                    /* after the header */
        size_t skipped[FORMATS_CATALOG_SKIPS]; /* [FORMATS_CATALOG_IMPORTED]: the rows imported */
        const char *encoding;           /* "UTF-8", "UTF-8 with BOM" or "cp1252"; static */
};

struct formats_catalog;

/*
 * Reads the catalog text data[0..size) and checks every row, touching no model. Returns 0 and
 * *ret (free it with formats_catalog_free()); -EINVAL when the text is refused as a whole (not
 * CSV, or not the catalog's header), reported (FORMATS_REFUSED, with its line) through
 * `report`; -ENOMEM (not reported).
 */
int formats_catalog_read(const char *data, size_t size, const struct formats_report *report,
                         struct formats_catalog **ret);

/*
 * Merges every row that can go in into the tenant of `m`, in one batch (`actor` is the audit
 * line's: the batch is one change), calling report->progress after each row. Then reports
 * every row left out (FORMATS_SKIPPED, with its line and why) in file order, and fills *ret.
 * Returns 0; or -errno when the database failed (or memory ran out), reported as
 * FORMATS_DATABASE with the model's reason: the tenant is then as it was. Import a catalog
 * once: the counts are of this import.
 */
int formats_catalog_import(struct formats_catalog *catalog, struct model *m,
                           const struct model_actor *actor, const struct formats_report *report,
                           struct formats_catalog_summary *ret);

/* Frees what formats_catalog_read returned; accepts NULL; returns NULL. */
struct formats_catalog *formats_catalog_free(struct formats_catalog *catalog);
