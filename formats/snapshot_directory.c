/*
 * The directory part of the snapshot importer: users with their direct licenses, groups with
 * their members (in join order) and licenses, and the claims to seats those licenses make,
 * which snapshot_import.c makes in the order that decides who holds and who waits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot_internal.h"

/* --- licenses ------------------------------------------------------------------------------ */

/*
 * Resolves a license entry at `path` ({skuId, disabledPlans}) and adds it to `list` for
 * `owner` as {sku, owner, disabled: [plan names], path, late}.
 */
static int read_license(struct snap_import *im, json_t *entry, const char *path, const char *owner,
                        bool late, json_t *list)
{
        char sku_id[MODEL_SKU_ID_MAX + 1], sku[MODEL_TEXT_MAX + 1], plan[MODEL_TEXT_MAX + 1];
        char at[SNAP_PATH_BYTES], disabled_path[SNAP_PATH_BYTES];
        json_t *disabled, *guid, *names, *license;
        size_t i;
        int err, r;

        err = snap_need_object(im->report, entry, path);
        if (!err)
                err = snap_get_guid(im->report, entry, path, "skuId", sku_id);
        if (!err)
                err = snap_get_list(im->report, entry, path, "disabledPlans", false, &disabled,
                                    disabled_path);
        if (err)
                return err;
        snap_path_key(at, path, "skuId");
        r = model_product_by_sku_id(im->m, sku_id, sku, sizeof(sku));
        if (r < 0)
                return r == -ENOENT ? snap_refused(im->report, at,
                                                   "no product in subscribedSkus (or the "
                                                   "catalog) has skuId %s", sku_id)
                                    : snap_model_failed(im->report, at, r);
        names = json_array();
        json_array_foreach(disabled, i, guid) {
                snap_path_index(at, disabled_path, i);
                r = json_is_string(guid) ? model_plan_by_guid(im->m, sku, json_string_value(guid),
                                                              plan, sizeof(plan))
                                         : -EINVAL;
                if (r < 0) {
                        json_decref(names);
                        return json_is_string(guid) ? snap_model_failed(im->report, at, r)
                                                    : snap_refused(im->report, at, "not a GUID");
                }
                json_array_append_new(names, json_string(plan));
        }
        license = json_pack("{s:s, s:s, s:o, s:s, s:b}", "sku", sku, "owner", owner,
                            "disabled", names, "path", path, "late", late);
        return json_array_append_new(list, license) < 0 ? snap_refused(im->report, path,
                                                                       "out of memory")
                                                        : 0;
}

static const char *field(json_t *license, const char *key)
{
        return json_string_value(json_object_get(license, key));
}

/* The plan names of a license as an array for the model, and their count. */
static const char **license_plans(json_t *license, size_t *ret_count)
{
        json_t *names = json_object_get(license, "disabled"), *name;
        const char **plans = calloc(json_array_size(names) + 1, sizeof(*plans));
        size_t i;

        if (plans)
                json_array_foreach(names, i, name)
                        plans[i] = json_string_value(name);
        *ret_count = json_array_size(names);
        return plans;
}

/* Makes the claims of the direct licenses whose `late` is as given. */
int snap_claim_directs(struct snap_import *im, bool late)
{
        json_t *license;
        size_t i, count;
        int r = 0;

        json_array_foreach(im->directs, i, license) {
                const char **plans;

                if (json_is_true(json_object_get(license, "late")) != late)
                        continue;
                plans = license_plans(license, &count);
                r = plans ? model_direct_import(im->m, field(license, "sku"),
                                                field(license, "owner"), plans, count)
                          : -ENOMEM;
                free(plans);
                if (r < 0)
                        return snap_model_failed(im->report, field(license, "path"), r);
        }
        return 0;
}

int snap_claim_group_licenses(struct snap_import *im)
{
        json_t *license;
        size_t i, count;
        int r = 0;

        json_array_foreach(im->group_licenses, i, license) {
                const char *sku = field(license, "sku"), *group = field(license, "owner");
                const char **plans = license_plans(license, &count);

                /* As the tenant has it: a rule it breaks holds members back, never refuses. */
                r = plans ? model_group_license_import(im->m, sku, group, plans, count)
                          : -ENOMEM;
                free(plans);
                if (r < 0)
                        return snap_model_failed(im->report, field(license, "path"), r);
        }
        return 0;
}


/* --- users and groups ----------------------------------------------------------------------- */

/*
 * A user's direct licenses: the licenseAssignmentStates entries without assignedByGroup (those
 * the snapshot says are in error come last), or else its assignedLicenses.
 */
static int read_user_licenses(struct snap_import *im, json_t *user, const char *path,
                              const char *upn)
{
        char list_path[SNAP_PATH_BYTES], at[SNAP_PATH_BYTES];
        bool states = json_object_get(user, "licenseAssignmentStates") != NULL;
        json_t *list, *entry;
        size_t i;
        int err;

        err = snap_get_list(im->report, user, path,
                            states ? "licenseAssignmentStates" : "assignedLicenses",
                            false, &list, list_path);
        json_array_foreach(list, i, entry) {
                json_t *group = json_object_get(entry, "assignedByGroup");
                const char *state = json_string_value(json_object_get(entry, "state"));

                if (err)
                        break;
                if (states && group && !json_is_null(group))
                        continue;       /* derived from the groups */
                snap_path_index(at, list_path, i);
                err = read_license(im, entry, at, upn, state && strcmp(state, "Error") == 0,
                                      im->directs);
        }
        return err;
}

int snap_read_user(struct snap_import *im, json_t *user, const char *path)
{
        char upn[MODEL_TEXT_MAX + 1], name[MODEL_TEXT_MAX + 1], location[MODEL_TEXT_MAX + 1];
        char id[MODEL_SKU_ID_MAX + 1], at[SNAP_PATH_BYTES];
        json_t *taken;
        int err, r;

        err = snap_need_object(im->report, user, path);
        if (!err)
                err = snap_get_guid(im->report, user, path, "id", id);
        if (!err)
                err = snap_get_text(im->report, user, path, "userPrincipalName", true, false, upn);
        if (!err)
                err = snap_get_text(im->report, user, path, "displayName", false, true, name);
        if (!err)
                err = snap_get_text(im->report, user, path, "usageLocation", false, false,
                                    location);
        if (err)
                return err;
        taken = json_object_get(im->users_by_id, id);
        snap_path_key(at, path, "id");
        if (taken)
                return snap_refused(im->report, at, "%s is the id of %s already", id,
                                    json_string_value(taken));
        snap_path_key(at, path, "userPrincipalName");
        r = model_user_create(im->m, upn);
        if (r >= 0 && name[0]) {
                snap_path_key(at, path, "displayName");
                r = model_user_set_display_name(im->m, upn, name);
        }
        if (r >= 0 && location[0]) {
                snap_path_key(at, path, "usageLocation");
                r = model_user_set_usage_location(im->m, upn, location);
        }
        if (r >= 0) {
                snap_path_key(at, path, "id");
                r = model_object_id_set(im->m, MODEL_OBJECT_USER, upn, id);
        }
        if (r < 0)
                return snap_model_failed(im->report, at, r);
        json_object_set_new(im->users_by_id, id, json_string(upn));
        im->summary->users++;
        return read_user_licenses(im, user, path, upn);
}

/* A group's display name, made unique in file order: "Sales", "Sales (2)", "Sales (3)" ... */
static void unique_group_name(struct snap_import *im, const char *path, char *name)
{
        char first[MODEL_TEXT_MAX + 1], at[SNAP_PATH_BYTES];
        int n;

        if (!json_object_get(im->group_names, name))
                return;
        snprintf(first, sizeof(first), "%s", name);
        for (n = 2; json_object_get(im->group_names, name); n++)
                snprintf(name, MODEL_TEXT_MAX + 1, "%.*s (%d)", MODEL_TEXT_MAX - 16, first, n);
        snap_path_key(at, path, "displayName");
        snap_warn(im->report, at,
                  "a group named '%s' is listed already; this one is imported as '%s'",
                  first, name);
}

static int read_members(struct snap_import *im, json_t *group, const char *path, const char *name)
{
        char list_path[SNAP_PATH_BYTES], at[SNAP_PATH_BYTES], id[MODEL_SKU_ID_MAX + 1];
        json_t *members, *member, *upn;
        size_t i;
        int err, r;

        err = snap_get_list(im->report, group, path, "members", false, &members, list_path);
        json_array_foreach(members, i, member) {
                const char *type;

                if (err)
                        break;
                snap_path_index(at, list_path, i);
                err = snap_need_object(im->report, member, at);
                if (!err)
                        err = snap_get_guid(im->report, member, at, "id", id);
                if (err)
                        break;
                type = json_string_value(json_object_get(member, "@odata.type"));
                if (type && strcmp(type, "#microsoft.graph.user") != 0) {
                        snap_warn(im->report, at,
                                  "skipped: a %s member gets no licenses from the group",
                                  type);
                        continue;
                }
                upn = json_object_get(im->users_by_id, id);
                if (!upn) {
                        snap_path_key(at, at, "id");
                        return snap_refused(im->report, at, "no user in users has id %s", id);
                }
                r = model_member_add(im->m, name, json_string_value(upn));
                if (r < 0)
                        err = snap_model_failed(im->report, at, r);
        }
        return err;
}

int snap_read_group(struct snap_import *im, json_t *group, const char *path)
{
        char name[MODEL_TEXT_MAX + 1], id[MODEL_SKU_ID_MAX + 1], at[SNAP_PATH_BYTES];
        char list_path[SNAP_PATH_BYTES];
        json_t *licenses = NULL, *license;
        size_t i;
        int err, r;

        err = snap_need_object(im->report, group, path);
        if (!err)
                err = snap_get_guid(im->report, group, path, "id", id);
        if (!err)
                err = snap_get_text(im->report, group, path, "displayName", true, true, name);
        if (err)
                return err;
        snap_path_key(at, path, "id");
        if (json_object_get(im->users_by_id, id))
                return snap_refused(im->report, at, "%s is the id of user %s already", id,
                                    json_string_value(json_object_get(im->users_by_id, id)));
        unique_group_name(im, path, name);
        json_object_set_new(im->group_names, name, json_true());
        snap_path_key(at, path, "displayName");
        r = model_group_create(im->m, name);
        if (r >= 0) {
                snap_path_key(at, path, "id");
                r = model_object_id_set(im->m, MODEL_OBJECT_GROUP, name, id);
        }
        if (r < 0)
                return snap_model_failed(im->report, at, r);
        im->summary->groups++;
        err = read_members(im, group, path, name);
        if (!err)
                err = snap_get_list(im->report, group, path, "assignedLicenses", false, &licenses,
                                    list_path);
        json_array_foreach(licenses, i, license) {
                if (err)
                        break;
                snap_path_index(at, list_path, i);
                err = read_license(im, license, at, name, false, im->group_licenses);
        }
        return err;
}
