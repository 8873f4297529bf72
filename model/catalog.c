/*
 * What real data brings: products known by several skuIds, plans with GUIDs. These upserts
 * are what the importers build on; they merge and never delete, and they say what they did
 * so the importers can report it. The lookups by skuId and GUID serve importers and exporters.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static int product_upsert(struct model *m, const char *sku, const char *display_name,
                          const char *sku_id, enum model_upsert *ret)
{
        char guid[MODEL_SKU_ID_MAX + 1];
        int64_t pid, owner;
        enum model_upsert done = MODEL_UNCHANGED;
        char name[MODEL_TEXT_MAX + 1];
        int r;

        if (sku_id) {
                r = model_guid_normalise(sku_id, guid);
                if (r < 0)
                        return r;
        }
        pid = product_id(m, sku);
        if (pid == -ENOENT) {
                r = product_create(m, sku);
                if (r < 0)
                        return r;
                pid = product_id(m, sku);
                done = MODEL_CREATED;
        }
        if (pid < 0)
                return pid;
        if (display_name) {
                r = sql_text(m, name, sizeof(name), "SELECT name FROM products WHERE id = $1", "i",
                             pid);
                if (r >= 0 && strcmp(name, display_name) != 0) {
                        r = product_set_name(m, sku, display_name);
                        if (r >= 0 && done == MODEL_UNCHANGED)
                                done = MODEL_UPDATED;
                }
                if (r < 0)
                        return r;
        }
        if (sku_id) {
                r = sql_int(m, &owner, "SELECT product_id FROM sku_aliases WHERE sku_id = $1", "t",
                            guid);
                if (r == 0 && owner != pid)
                        return refuse(-EEXIST, "skuId %s belongs to another product", guid);
                if (r == -ENOENT) {
                        r = sql_exec(m, "INSERT INTO sku_aliases (sku_id, product_id, seen) "
                                     "VALUES ($1, $2, (SELECT count(*) FROM sku_aliases))", "ti",
                                     guid, pid);
                        /* The first skuId seen is the product's own, which export uses. */
                        if (r >= 0)
                                r = sql_exec(m, "UPDATE products SET sku_id = $1 WHERE id = $2 AND "
                                             "sku_id = ''", "ti", guid, pid);
                        if (r >= 0 && done == MODEL_UNCHANGED)
                                done = MODEL_UPDATED;
                }
                if (r < 0)
                        return r;
        }
        *ret = done;
        return 0;
}

int model_product_upsert(struct model *m, const char *sku, const char *display_name,
                         const char *sku_id, enum model_upsert *ret)
{
        return WRITE_TX(m, product_upsert(m, sku, display_name, sku_id, ret));
}

static int plan_upsert(struct model *m, const char *sku, const char *name, const char *guid,
                       const char *friendly_name, enum model_upsert *ret)
{
        char lower[MODEL_SKU_ID_MAX + 1] = "", other[MODEL_TEXT_MAX + 1];
        int64_t pid = product_id(m, sku);
        const char *names[1] = { name };
        int r;

        if (pid < 0)
                return pid;
        r = check_plan_names(names, 1);
        if (r >= 0 && guid)
                r = model_guid_normalise(guid, lower);
        if (r >= 0 && friendly_name && *friendly_name)
                r = check_text(friendly_name, "plan friendly name");
        if (r < 0)
                return r;
        /* One name, one GUID within a product: the first seen stays. */
        r = sql_text(m, other, sizeof(other), "SELECT guid FROM plans WHERE product_id = $1 AND "
                     "name = $2", "it", pid, name);
        if (r == 0) {
                if (*lower && *other && strcmp(other, lower) != 0)
                        return refuse(-EEXIST, "plan %s of %s has GUID %s already, not %s", name,
                                      sku, other, lower);
                r = *lower && !*other ? sql_exec(m, "UPDATE plans SET guid = $1 WHERE product_id "
                                                 "= $2 AND name = $3", "tit", lower, pid, name)
                                      : 0;
                *ret = r > 0 ? MODEL_UPDATED : MODEL_UNCHANGED;
                return r < 0 ? r : 0;
        }
        if (r != -ENOENT)
                return r;
        if (*lower) {
                r = sql_text(m, other, sizeof(other), "SELECT name FROM plans "
                             "WHERE product_id = $1 AND guid = $2", "it", pid, lower);
                if (r == 0)
                        return refuse(-EEXIST, "plan GUID %s of %s is named %s already, not %s",
                                      lower, sku, other, name);
                if (r != -ENOENT)
                        return r;
        }
        r = sql_exec(m, "INSERT INTO plans (product_id, name, guid, friendly_name) VALUES "
                     "($1, $2, $3, $4)", "ittt", pid, name, lower,
                     friendly_name ? friendly_name : "");
        *ret = MODEL_CREATED;
        return r < 0 ? r : 0;
}

int model_plan_upsert(struct model *m, const char *sku, const char *name, const char *guid,
                      const char *friendly_name, enum model_upsert *ret)
{
        return WRITE_TX(m, plan_upsert(m, sku, name, guid, friendly_name, ret));
}

static int product_by_sku_id(struct model *m, const char *sku_id, char *ret, size_t size)
{
        char guid[MODEL_SKU_ID_MAX + 1];
        int r = model_guid_normalise(sku_id, guid);

        if (r >= 0)
                r = sql_text(m, ret, size, "SELECT p.sku FROM sku_aliases a JOIN products p ON "
                             "p.id = a.product_id WHERE a.sku_id = $1", "t", guid);
        return r == -ENOENT ? refuse(-ENOENT, "no product has skuId %s", guid) : r;
}

int model_product_by_sku_id(struct model *m, const char *sku_id, char *ret, size_t size)
{
        return READ_TX(m, product_by_sku_id(m, sku_id, ret, size));
}

static int plan_by_guid(struct model *m, const char *sku, const char *guid, char *ret,
                        size_t size)
{
        char lower[MODEL_SKU_ID_MAX + 1];
        int r = model_guid_normalise(guid, lower);

        if (r >= 0)
                r = sql_text(m, ret, size, "SELECT pl.name FROM plans pl JOIN products p ON "
                             "p.id = pl.product_id WHERE p.sku = $1 AND pl.guid = $2", "tt", sku,
                             lower);
        return r == -ENOENT ? refuse(-ENOENT, "%s has no plan with GUID %s", sku, lower) : r;
}

int model_plan_by_guid(struct model *m, const char *sku, const char *guid, char *ret,
                       size_t size)
{
        return READ_TX(m, plan_by_guid(m, sku, guid, ret, size));
}

static int plan_guid(struct model *m, const char *sku, const char *name, char *ret)
{
        int64_t pid = product_id(m, sku);
        int r;

        if (pid < 0)
                return pid;
        r = sql_text(m, ret, MODEL_SKU_ID_MAX + 1, "SELECT guid FROM plans WHERE product_id = $1 "
                     "AND name = $2", "it", pid, name);
        return r == -ENOENT ? refuse(-ENOENT, "%s has no plan named '%s'", sku, name) : r;
}

int model_plan_guid(struct model *m, const char *sku, const char *name,
                    char ret[MODEL_SKU_ID_MAX + 1])
{
        return READ_TX(m, plan_guid(m, sku, name, ret));
}
