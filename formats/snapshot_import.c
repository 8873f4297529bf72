/*
 * The snapshot importer: a tenant snapshot as Microsoft Graph gives it (subscribedSkus, users,
 * groups, organization) becomes the tenant, in one batch, so that any refusal leaves the
 * database as it was. Objects come first (products and plans merged into what a catalog left,
 * users, groups with their members in join order: snapshot_directory.c), then the claims to
 * seats in the order that decides who holds and who waits: direct licenses in file order, the
 * groups' licenses in file order (members in join order), and last the direct licenses the
 * snapshot says wait. This file has the tenant, its products and the whole import.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "snapshot_internal.h"

/* --- the tenant and its products --------------------------------------------------------- */

static int read_organization(struct snap_import *im, json_t *root)
{
        json_t *org = json_object_get(root, "organization");
        char path[SNAP_PATH_BYTES] = "$.organization", name[MODEL_TEXT_MAX + 1];
        char code[MODEL_TEXT_MAX + 1], id[MODEL_SKU_ID_MAX + 1], at[SNAP_PATH_BYTES] = "";
        int err, r;

        if (!org || json_is_null(org))
                return 0;
        if (json_is_array(org) || json_object_get(org, "value")) {
                err = snap_get_list(im->report, root, "$", "organization", true, &org, path);
                if (err)
                        return err;
                if (json_array_size(org) != 1)
                        return snap_refused(im->report, path, "holds %zu organizations, not one",
                                            json_array_size(org));
                org = json_array_get(org, 0);
                snap_path_index(path, path, 0);
        }
        err = snap_need_object(im->report, org, path);
        if (!err)
                err = snap_get_text(im->report, org, path, "displayName", false, true, name);
        if (!err)
                err = snap_get_text(im->report, org, path, "countryLetterCode", false, false, code);
        if (!err && json_object_get(org, "id"))
                err = snap_get_guid(im->report, org, path, "id", id);
        if (err)
                return err;
        snap_path_key(at, path, "displayName");
        r = name[0] ? model_tenant_set_name(im->m, name) : 0;
        if (r >= 0 && code[0]) {
                snap_path_key(at, path, "countryLetterCode");
                r = model_tenant_set_usage_location(im->m, code);
        }
        if (r >= 0 && json_object_get(org, "id")) {
                snap_path_key(at, path, "id");
                r = model_object_id_set(im->m, MODEL_OBJECT_TENANT, NULL, id);
        }
        return r < 0 ? snap_model_failed(im->report, at, r) : 0;
}

static int read_plans(struct snap_import *im, json_t *sku_json, const char *path, const char *sku)
{
        char plans_path[SNAP_PATH_BYTES], at[SNAP_PATH_BYTES], name[MODEL_TEXT_MAX + 1];
        char guid[MODEL_SKU_ID_MAX + 1];
        enum model_upsert done;
        json_t *plans, *plan;
        size_t i;
        int err, r;

        err = snap_get_list(im->report, sku_json, path, "servicePlans", false, &plans, plans_path);
        json_array_foreach(plans, i, plan) {
                if (err)
                        break;
                snap_path_index(at, plans_path, i);
                err = snap_need_object(im->report, plan, at);
                if (!err)
                        err = snap_get_text(im->report, plan, at, "servicePlanName", true, true,
                                            name);
                if (!err)
                        err = snap_get_guid(im->report, plan, at, "servicePlanId", guid);
                if (err)
                        break;
                r = model_plan_upsert(im->m, sku, name, guid, NULL, &done);
                if (r < 0)
                        err = snap_model_failed(im->report, at, r);
        }
        return err;
}

/* Sets a product's seats: expiring_soon goes to 0 first, so any total is accepted. */
static int set_seats(struct snap_import *im, json_t *sku_json, const char *path, const char *sku)
{
        json_t *units = json_object_get(sku_json, "prepaidUnits");
        char at[SNAP_PATH_BYTES];
        int64_t enabled = 0, warning = 0;
        int err = 0, r;

        snap_path_key(at, path, "prepaidUnits");
        if (units && !json_is_null(units)) {
                err = snap_need_object(im->report, units, at);
                if (!err)
                        err = snap_get_count(im->report, units, at, "enabled", &enabled);
                if (!err)
                        err = snap_get_count(im->report, units, at, "warning", &warning);
                if (err)
                        return err;
                if (enabled + warning > MODEL_COUNT_MAX)
                        return snap_refused(im->report, at,
                                            "enabled + warning is more than %d seats",
                                            MODEL_COUNT_MAX);
        }
        /* A product of the tenant's with subscriptions keeps the seats they give. */
        r = model_product_subscribed(im->m, sku);
        if (r > 0) {
                snap_warn(im->report, at, "%s has subscriptions: its seats are theirs", sku);
                return 0;
        }
        if (r >= 0)
                r = model_product_set_expiring_soon(im->m, sku, 0);
        if (r >= 0)
                r = model_product_set_total(im->m, sku, enabled + warning);
        if (r >= 0)
                r = model_product_set_expiring_soon(im->m, sku, warning);
        return r < 0 ? snap_model_failed(im->report, at, r) : 0;
}

static int read_sku(struct snap_import *im, json_t *sku_json, const char *path)
{
        char sku[MODEL_TEXT_MAX + 1], name[MODEL_TEXT_MAX + 1], at[SNAP_PATH_BYTES];
        char sku_id[MODEL_SKU_ID_MAX + 1];
        enum model_upsert done;
        json_t *seen;
        int err, r;

        err = snap_need_object(im->report, sku_json, path);
        if (!err)
                err = snap_get_text(im->report, sku_json, path, "skuPartNumber", true, false, sku);
        if (!err)
                err = snap_get_guid(im->report, sku_json, path, "skuId", sku_id);
        if (!err)
                err = snap_get_text(im->report, sku_json, path, "displayName", false, true, name);
        if (err)
                return err;
        seen = json_object_get(im->skus, sku);
        if (seen)
                return snap_refused(im->report, path, "%s is listed already, at %s", sku,
                                    json_string_value(seen));
        json_object_set_new(im->skus, sku, json_string(path));
        /* One call per field, so that a refusal names the field. */
        snap_path_key(at, path, "skuPartNumber");
        r = model_product_upsert(im->m, sku, NULL, NULL, &done);
        if (r >= 0 && name[0]) {
                snap_path_key(at, path, "displayName");
                r = model_product_upsert(im->m, sku, name, NULL, &done);
        }
        if (r >= 0) {
                snap_path_key(at, path, "skuId");
                r = model_product_upsert(im->m, sku, NULL, sku_id, &done);
        }
        if (r < 0)
                return snap_model_failed(im->report, at, r);
        err = read_plans(im, sku_json, path, sku);
        if (!err)
                err = set_seats(im, sku_json, path, sku);
        im->summary->products++;
        return err;
}


/* --- the whole import -------------------------------------------------------------------- */

static int make_room(struct snap_import *im, bool replace)
{
        int r = model_directory_is_empty(im->m);

        if (r == 0 && !replace)
                return -ENOTEMPTY;
        if (r == 0)
                r = model_directory_clear(im->m);
        return r < 0 ? snap_database_failed(im->report, r) : 0;
}

/* Warns of each user in error for sku: why it waits, or the rule that holds it back. */
static int warn_errors(struct snap_import *im, const char *sku, struct model_error *error)
{
        json_t *upns = NULL, *upn;
        size_t i;
        int r;

        /* Collected first: the model is not called again from inside a listing. */
        r = formats_list_names(im->m, MODEL_LIST_PRODUCT_ERRORS, sku, NULL, &upns);
        json_array_foreach(upns, i, upn) {
                r = model_error_get(im->m, sku, json_string_value(upn), error);
                if (r < 0)
                        break;
                if (error->reason[0])
                        snap_warn(im->report, "", "%s is in error for %s: %s: %s",
                                  json_string_value(upn), sku, error->kind, error->reason);
                else
                        snap_warn(im->report, "", "%s waits for %s: no seat left",
                                  json_string_value(upn), sku);
        }
        json_decref(upns);
        return r;
}

/*
 * Warns of every user left in error (waiting for a seat, or held back by a service-plan rule);
 * adds up the seats held and the users in error.
 */
static int report_seats(struct snap_import *im, int64_t *ret_held, int64_t *ret_waiting)
{
        struct model_product product;
        struct model_error *error;
        const char *sku;
        json_t *path;
        int r = 0;

        *ret_held = *ret_waiting = 0;
        error = malloc(sizeof(*error));         /* large (the reason's room) */
        if (!error)
                return snap_database_failed(im->report, -ENOMEM);
        json_object_foreach(im->skus, sku, path) {
                r = model_product_get(im->m, sku, &product);
                if (r < 0)
                        break;
                *ret_held += product.assigned;
                *ret_waiting += product.errors;
                if (product.errors == 0)
                        continue;
                r = warn_errors(im, sku, error);
                if (r < 0)
                        break;
        }
        free(error);
        return r < 0 ? snap_database_failed(im->report, r) : 0;
}

/* Reads each element of the list with fn, reporting progress. */
static int read_each(struct snap_import *im, json_t *list, const char *list_path,
                     int (*fn)(struct snap_import *im, json_t *element, const char *path))
{
        char path[SNAP_PATH_BYTES];
        json_t *element;
        size_t i;
        int err = 0;

        json_array_foreach(list, i, element) {
                snap_path_index(path, list_path, i);
                err = fn(im, element, path);
                if (err)
                        break;
                im->done++;
                if (im->report->progress)
                        im->report->progress(im->report->ctx, im->done, im->objects);
        }
        return err;
}

static int import_all(struct snap_import *im, json_t *root, bool replace)
{
        char skus_path[SNAP_PATH_BYTES], users_path[SNAP_PATH_BYTES], groups_path[SNAP_PATH_BYTES];
        char subs_path[SNAP_PATH_BYTES];
        json_t *skus, *users, *groups, *subs;
        int err;

        err = snap_get_list(im->report, root, "$", "subscribedSkus", true, &skus, skus_path);
        if (!err)
                err = snap_get_list(im->report, root, "$", "subscriptions", false, &subs,
                                    subs_path);
        if (!err)
                err = snap_get_list(im->report, root, "$", "users", true, &users, users_path);
        if (!err)
                err = snap_get_list(im->report, root, "$", "groups", true, &groups, groups_path);
        if (!err)
                err = make_room(im, replace);
        if (err)
                return err;
        im->objects = json_array_size(skus) + json_array_size(subs) + json_array_size(users) +
                      json_array_size(groups);

        err = read_organization(im, root);
        if (!err)
                err = read_each(im, skus, skus_path, read_sku);
        if (!err)
                err = read_each(im, subs, subs_path, snap_read_subscription);
        if (!err)
                err = read_each(im, users, users_path, snap_read_user);
        if (!err)
                err = read_each(im, groups, groups_path, snap_read_group);
        /* Who holds and who waits: the order of the claims decides. */
        if (!err)
                err = snap_claim_directs(im, false);
        if (!err)
                err = snap_claim_group_licenses(im);
        if (!err)
                err = snap_claim_directs(im, true);
        if (im->report->progress)
                im->report->progress(im->report->ctx, im->objects, im->objects);
        if (!err)
                err = report_seats(im, &im->summary->held, &im->summary->waiting);
        return err;
}

int formats_snapshot_import(struct model *m, json_t *root, bool replace,
                            const struct model_actor *actor, const struct formats_report *report,
                            struct formats_snapshot_summary *ret)
{
        struct formats_report quiet = { 0 };
        struct formats_snapshot_summary summary = { 0 };
        struct snap_import im = {
                .m = m, .report = report ? report : &quiet, .summary = &summary,
                .users_by_id = json_object(), .group_names = json_object(),
                .skus = json_object(), .directs = json_array(), .group_licenses = json_array(),
        };
        int err, r;

        if (!im.users_by_id || !im.group_names || !im.skus || !im.directs ||
            !im.group_licenses) {
                err = snap_database_failed(im.report, -ENOMEM);
                goto out;
        }
        if (!json_is_object(root)) {
                err = snap_refused(im.report, "$", "not an object with subscribedSkus, users and "
                                   "groups");
                goto out;
        }
        r = model_batch_begin(m);
        if (r < 0) {
                err = snap_database_failed(im.report, r);
                goto out;
        }
        err = import_all(&im, root, replace);
        /* Only a committed import is a change to record; a refused one leaves no trace. */
        if (err == 0)
                model_set_actor(actor);
        r = model_batch_end(m, err == 0);
        model_set_actor(NULL);
        if (r < 0 && err == 0)
                err = snap_database_failed(im.report, r);
        if (err == 0)
                *ret = summary;
out:
        json_decref(im.users_by_id);
        json_decref(im.group_names);
        json_decref(im.skus);
        json_decref(im.directs);
        json_decref(im.group_licenses);
        return err;
}
