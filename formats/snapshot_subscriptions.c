/*
 * A snapshot's subscriptions (Graph's GET /directory/subscriptions): each becomes a
 * subscription of the product its skuId (else skuPartNumber) names, with its seats
 * (totalLicenses), trial flag, creation time and the end date its status and
 * nextLifecycleDateTime give. Once a product has subscriptions, its seats are theirs: the
 * sku's prepaidUnits are read first and then replaced by what they give.
 */
#include <errno.h>
#include <string.h>

#include "snapshot_internal.h"

/* An ISO 8601 time at obj.key into *ret: absent or null is 0. */
static int get_time(struct snap_import *im, json_t *obj, const char *path, const char *key,
                    time_t *ret)
{
        char text[MODEL_TEXT_MAX + 1], at[SNAP_PATH_BYTES];
        int err;

        *ret = 0;
        err = snap_get_text(im->report, obj, path, key, false, false, text);
        if (err || !text[0])
                return err;
        snap_path_key(at, path, key);
        return model_time_parse(text, ret) < 0 ? snap_refused(im->report, at, "%s",
                                                              model_reason()) : 0;
}

/* The SKU the subscription is of: by skuId, else by skuPartNumber, among the snapshot's. */
static int sku_of(struct snap_import *im, json_t *sub, const char *path,
                  char sku[MODEL_TEXT_MAX + 1])
{
        char sku_id[MODEL_SKU_ID_MAX + 1], at[SNAP_PATH_BYTES];
        int err;

        if (json_object_get(sub, "skuId") && !json_is_null(json_object_get(sub, "skuId"))) {
                err = snap_get_guid(im->report, sub, path, "skuId", sku_id);
                if (err)
                        return err;
                snap_path_key(at, path, "skuId");
                if (model_product_by_sku_id(im->m, sku_id, sku, MODEL_TEXT_MAX + 1) < 0)
                        return snap_refused(im->report, at, "no sku in subscribedSkus (or the "
                                            "catalog) has skuId %s", sku_id);
                return 0;
        }
        err = snap_get_text(im->report, sub, path, "skuPartNumber", true, false, sku);
        snap_path_key(at, path, "skuPartNumber");
        if (!err && !json_object_get(im->skus, sku))
                err = snap_refused(im->report, at, "no sku in subscribedSkus is %s", sku);
        return err;
}

int snap_read_subscription(struct snap_import *im, json_t *sub, const char *path)
{
        char id[MODEL_TEXT_MAX + 1], sku[MODEL_TEXT_MAX + 1], status[MODEL_TEXT_MAX + 1];
        char at[SNAP_PATH_BYTES];
        struct model_subscription s = { 0 };
        json_t *trial;
        time_t next;
        int err, r;

        err = snap_need_object(im->report, sub, path);
        if (!err)
                err = snap_get_text(im->report, sub, path, "id", true, false, id);
        if (!err)
                err = sku_of(im, sub, path, sku);
        if (!err)
                err = snap_get_text(im->report, sub, path, "status", true, false, status);
        if (!err)
                err = snap_get_count(im->report, sub, path, "totalLicenses", &s.seats);
        if (!err)
                err = get_time(im, sub, path, "createdDateTime", &s.created);
        if (!err)
                err = get_time(im, sub, path, "nextLifecycleDateTime", &next);
        if (err)
                return err;
        trial = json_object_get(sub, "isTrial");
        snap_path_key(at, path, "isTrial");
        if (trial && !json_is_null(trial) && !json_is_boolean(trial))
                return snap_refused(im->report, at, "not true or false");
        s.trial = json_is_true(trial);
        /* LockedOut and Deleted ones give no seats and licensefs keeps none: said and skipped. */
        snap_path_key(at, path, "status");
        if (model_subscription_ends_from(status, next, &s.ends) < 0) {
                snap_warn(im->report, at, "%s: skipped", model_reason());
                return 0;
        }
        r = model_subscription_import(im->m, sku, id, &s);
        return r < 0 ? snap_model_failed(im->report, path, r) : 0;
}
