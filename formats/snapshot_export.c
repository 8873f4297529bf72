/*
 * The snapshot writer: the tenant as a snapshot in the shape import reads (Microsoft Graph's
 * organization, subscribedSkus, users and groups), read in one batch so that it is one
 * consistent moment. The output is deterministic: keys in a fixed order, products by SKU, users
 * and groups in the order they were created (for an imported tenant, the snapshot's order, which
 * decided who got seats), members in join order, a user's licenses by SKU with the direct path
 * before the groups (by name), disabled plans by plan name.
 *
 * Ids: the directory objects' ids are kept from the import, or made once (and stored) here.
 * A product or plan without a GUID (made in the tree, not by a catalog or a snapshot) gets one
 * derived from its name, the same at every export and never stored, so that a catalog's real
 * GUID can still take its place.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

static int append_name(void *ctx, const char *name)
{
        return json_array_append_new(ctx, json_string(name)) < 0 ? -ENOMEM : 0;
}

int formats_list_names(struct model *m, enum model_listing listing, const char *a,
                       const char *b, json_t **ret)
{
        json_t *names = json_array();
        int r;

        r = names ? model_list(m, listing, a, b, append_name, names) : -ENOMEM;
        if (r < 0) {
                json_decref(names);
                return r;
        }
        *ret = names;
        return 0;
}

int formats_merge_names(json_t *a, json_t *b, int (*fn)(void *ctx, const char *name, bool from_a),
                        void *ctx)
{
        size_t i = 0, j = 0;
        int r = 0;

        while (r >= 0 && (i < json_array_size(a) || j < json_array_size(b))) {
                const char *x = json_string_value(json_array_get(a, i));
                const char *y = json_string_value(json_array_get(b, j));
                bool take_a = x && (!y || strcmp(x, y) < 0);

                r = fn(ctx, take_a ? x : y, take_a);
                take_a ? i++ : j++;
        }
        return r;
}

struct export {
        struct model *m;
        json_t *products;               /* SKU -> {"skuId": GUID, "plans": {name: GUID}} */
        json_t *user_ids;               /* UPN -> object id */
        json_t *groups;                 /* name -> {"id": GUID, "disabled": {SKU: [GUID]}} */
        json_t *subscriptions;          /* Graph's /directory/subscriptions, by SKU and id */
};

/*
 * A GUID derived from `kind` and `name` (two 64-bit FNV-1a hashes), shaped as a version 8
 * (custom) GUID so that it never looks like one Microsoft issued.
 */
static void derived_guid(const char *kind, const char *name, char ret[MODEL_SKU_ID_MAX + 1])
{
        uint64_t h[2] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
        unsigned char b[16];
        const char *p;
        int i;

        for (i = 0; i < 2; i++) {
                for (p = kind; *p; p++)
                        h[i] = (h[i] ^ (unsigned char)*p) * 0x100000001b3ULL;
                h[i] = (h[i] ^ ':') * 0x100000001b3ULL;
                for (p = name; *p; p++)
                        h[i] = (h[i] ^ (unsigned char)*p) * 0x100000001b3ULL;
        }
        for (i = 0; i < 16; i++)
                b[i] = (unsigned char)(h[i / 8] >> (8 * (i % 8)));
        b[6] = (b[6] & 0x0f) | 0x80;
        b[8] = (b[8] & 0x3f) | 0x80;
        snprintf(ret, MODEL_SKU_ID_MAX + 1, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
                 b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* The names of a listing as a new JSON array in *ret. */
static int list(struct export *ex, enum model_listing listing, const char *a, const char *b,
                json_t **ret)
{
        return formats_list_names(ex->m, listing, a, b, ret);
}

/* Plan names -> their GUIDs (by the product's plans), as a new array in *ret. */
static int plan_guids(struct export *ex, const char *sku, json_t *names, json_t **ret)
{
        json_t *plans = json_object_get(json_object_get(ex->products, sku), "plans");
        json_t *guids = json_array(), *name;
        size_t i;

        json_array_foreach(names, i, name)
                json_array_append(guids, json_object_get(plans, json_string_value(name)));
        json_decref(names);
        *ret = guids;
        return 0;
}

/* The GUIDs of the plans a listing (DIRECT_DISABLED, GROUP_DISABLED) gives, in *ret. */
static int disabled_guids(struct export *ex, enum model_listing listing, const char *sku,
                          const char *owner, json_t **ret)
{
        json_t *names;
        int r = list(ex, listing, sku, owner, &names);

        return r < 0 ? r : plan_guids(ex, sku, names, ret);
}

static const char *sku_id_of(struct export *ex, const char *sku)
{
        return json_string_value(json_object_get(json_object_get(ex->products, sku), "skuId"));
}

/* A time as Graph writes it, or JSON null for none. */
static json_t *time_json(time_t t)
{
        char when[MODEL_TIME_MAX];

        if (!t)
                return json_null();
        model_time_format(t, when);
        return json_string(when);
}

/*
 * The product's subscriptions, as Graph's objects, into ex->subscriptions; the seats of the
 * suspended ones (prepaidUnits.suspended) into *ret_suspended.
 */
static int subscriptions(struct export *ex, const char *sku, const char *sku_id,
                         int64_t *ret_suspended)
{
        struct model_subscription sub;
        json_t *names = NULL, *name;
        size_t i;
        int r;

        *ret_suspended = 0;
        r = list(ex, MODEL_LIST_SUBSCRIPTIONS, sku, NULL, &names);
        json_array_foreach(names, i, name) {
                if (r < 0)
                        break;
                r = model_subscription_get(ex->m, sku, json_string_value(name), &sub);
                if (r < 0)
                        break;
                if (strcmp(sub.status, "Suspended") == 0)
                        *ret_suspended += sub.seats;
                json_array_append_new(ex->subscriptions, json_pack(
                        "{s:O, s:s, s:s, s:s, s:I, s:b, s:o, s:o}", "id", name, "skuId", sku_id,
                        "skuPartNumber", sku, "status", sub.status, "totalLicenses",
                        (json_int_t)sub.seats, "isTrial", sub.trial, "createdDateTime",
                        time_json(sub.created), "nextLifecycleDateTime",
                        time_json(sub.next_lifecycle)));
        }
        json_decref(names);
        return r;
}

/* --- the parts ----------------------------------------------------------------------------- */

static int organization(struct export *ex, json_t *root)
{
        char id[MODEL_SKU_ID_MAX + 1];
        struct model_tenant tenant;
        int r;

        r = model_tenant_get(ex->m, &tenant);
        if (r >= 0)
                r = model_object_id_get(ex->m, MODEL_OBJECT_TENANT, NULL, id);
        if (r >= 0)
                json_object_set_new(root, "organization",
                                    json_pack("{s:s, s:s, s:s}", "id", id, "displayName",
                                              tenant.name, "countryLetterCode",
                                              tenant.usage_location));
        return r;
}

static int product(struct export *ex, const char *sku, json_t *skus)
{
        char guid[MODEL_SKU_ID_MAX + 1], sku_id[MODEL_SKU_ID_MAX + 1];
        json_t *names, *name, *plans = json_object(), *service_plans = json_array();
        struct model_product p;
        int64_t suspended = 0;
        size_t i;
        int r;

        r = model_product_get(ex->m, sku, &p);
        if (r >= 0)
                r = list(ex, MODEL_LIST_PLANS, sku, NULL, &names);
        if (r < 0)
                goto out;
        json_array_foreach(names, i, name) {
                const char *plan = json_string_value(name);

                r = model_plan_guid(ex->m, sku, plan, guid);
                if (r < 0)
                        break;
                if (!guid[0])
                        derived_guid("plan", plan, guid);
                json_object_set_new(plans, plan, json_string(guid));
                json_array_append_new(service_plans, json_pack("{s:s, s:s}", "servicePlanId",
                                                               guid, "servicePlanName", plan));
        }
        json_decref(names);
        if (r < 0)
                goto out;
        if (p.sku_id[0])
                snprintf(sku_id, sizeof(sku_id), "%s", p.sku_id);
        else
                derived_guid("sku", sku, sku_id);
        r = subscriptions(ex, sku, sku_id, &suspended);
        if (r < 0)
                goto out;
        json_object_set_new(ex->products, sku, json_pack("{s:s, s:O}", "skuId", sku_id,
                                                         "plans", plans));
        json_array_append_new(skus, json_pack(
                "{s:s, s:s, s:s, s:{s:I, s:I, s:i, s:i}, s:I, s:O}", "skuId", sku_id,
                "skuPartNumber", sku, "displayName", p.name, "prepaidUnits",
                "enabled", (json_int_t)(p.total - p.expiring_soon), "warning",
                (json_int_t)p.expiring_soon, "suspended", (json_int_t)suspended, "lockedOut", 0,
                "consumedUnits", (json_int_t)p.assigned, "servicePlans", service_plans));
out:
        json_decref(plans);
        json_decref(service_plans);
        return r;
}

static json_t *license_json(json_t *disabled, const char *sku_id)
{
        return json_pack("{s:o, s:s}", "disabledPlans", disabled, "skuId", sku_id);
}

static int group(struct export *ex, const char *name, json_t *groups)
{
        json_t *skus = NULL, *members = NULL, *sku, *member, *licenses = json_array();
        json_t *member_list = json_array(), *disabled_by_sku = json_object(), *disabled;
        char id[MODEL_SKU_ID_MAX + 1];
        size_t i;
        int r;

        r = model_object_id_get(ex->m, MODEL_OBJECT_GROUP, name, id);
        if (r >= 0)
                r = list(ex, MODEL_LIST_GROUP_LICENSES, name, NULL, &skus);
        json_array_foreach(skus, i, sku) {
                const char *s = json_string_value(sku);

                if (r < 0)
                        break;
                r = disabled_guids(ex, MODEL_LIST_GROUP_DISABLED, s, name, &disabled);
                if (r < 0)
                        break;
                json_object_set(disabled_by_sku, s, disabled);
                json_array_append_new(licenses, license_json(disabled, sku_id_of(ex, s)));
        }
        if (r >= 0)
                r = list(ex, MODEL_LIST_MEMBERS_JOINED, name, NULL, &members);
        json_array_foreach(members, i, member)
                json_array_append_new(member_list, json_pack(
                        "{s:O, s:O}", "id", json_object_get(ex->user_ids,
                                                            json_string_value(member)),
                        "userPrincipalName", member));
        if (r >= 0) {
                json_object_set_new(ex->groups, name, json_pack("{s:s, s:O}", "id", id,
                                                                "disabled", disabled_by_sku));
                json_array_append_new(groups, json_pack(
                        "{s:s, s:s, s:O, s:O}", "id", id, "displayName", name,
                        "assignedLicenses", licenses, "members", member_list));
        }
        json_decref(skus);
        json_decref(members);
        json_decref(licenses);
        json_decref(member_list);
        json_decref(disabled_by_sku);
        return r;
}

/* The plans the user's paths leave disabled: the product's plans that are not effective. */
static int effective_disabled(struct export *ex, const char *sku, const char *upn,
                              json_t **ret)
{
        json_t *plans = json_object_get(json_object_get(ex->products, sku), "plans");
        json_t *effective, *disabled = json_array(), *guid;
        const char *plan;
        size_t i = 0;
        int r;

        r = list(ex, MODEL_LIST_EFFECTIVE_PLANS, sku, upn, &effective);
        if (r < 0) {
                json_decref(disabled);
                return r;
        }
        /* Both in plan-name order. */
        json_object_foreach(plans, plan, guid) {
                const char *next = json_string_value(json_array_get(effective, i));

                if (next && strcmp(next, plan) == 0)
                        i++;
                else
                        json_array_append(disabled, guid);
        }
        json_decref(effective);
        *ret = disabled;
        return 0;
}

/* error: NULL for a held license, else the kind of its error (model_error.kind). */
static json_t *state_json(const char *group_id, json_t *disabled, const char *sku_id,
                          const char *error)
{
        return json_pack("{s:s?, s:O, s:s, s:s, s:s}", "assignedByGroup", group_id,
                         "disabledPlans", disabled, "error", error ? error : "None",
                         "skuId", sku_id, "state", error ? "Error" : "Active");
}

/* A user's assignedLicenses entry (if it holds) and licenseAssignmentStates entries for sku. */
static int user_license(struct export *ex, const char *upn, const char *sku, bool held,
                        json_t *licenses, json_t *states)
{
        const char *sku_id = sku_id_of(ex, sku), *kind = NULL;
        struct model_holder holder;
        struct model_error *error;
        json_t *disabled = NULL, *groups, *name;
        bool direct;
        size_t i;
        int r;

        /* Large (the reason's room), so not on the stack. */
        error = malloc(sizeof(*error));
        if (!error)
                return -ENOMEM;
        if (held) {
                r = effective_disabled(ex, sku, upn, &disabled);
                if (r < 0)
                        goto out;
                json_array_append_new(licenses, license_json(disabled, sku_id));
                r = model_holder_get(ex->m, sku, upn, &holder);
                direct = holder.direct;
        } else {
                r = model_error_get(ex->m, sku, upn, error);
                direct = error->direct;
                kind = error->kind;
        }
        if (r >= 0 && direct) {
                r = disabled_guids(ex, MODEL_LIST_DIRECT_DISABLED, sku, upn, &disabled);
                if (r >= 0)
                        json_array_append_new(states, state_json(NULL, disabled, sku_id, kind));
                json_decref(disabled);
        }
        if (r >= 0)
                r = list(ex, MODEL_LIST_PATH_GROUPS, sku, upn, &groups);
        if (r < 0)
                goto out;
        json_array_foreach(groups, i, name) {
                json_t *group = json_object_get(ex->groups, json_string_value(name));

                json_array_append_new(states, state_json(
                        json_string_value(json_object_get(group, "id")),
                        json_object_get(json_object_get(group, "disabled"), sku), sku_id, kind));
        }
        json_decref(groups);
out:
        free(error);
        return r < 0 ? r : 0;
}

struct user_licenses {
        struct export *ex;
        const char *upn;
        json_t *licenses, *states;
};

static int user_license_of(void *ctx, const char *sku, bool held)
{
        struct user_licenses *ul = ctx;

        return user_license(ul->ex, ul->upn, sku, held, ul->licenses, ul->states);
}

static int user(struct export *ex, const char *upn, json_t *users)
{
        json_t *held = NULL, *waits = NULL, *licenses = json_array(), *states = json_array();
        struct user_licenses ul = { ex, upn, licenses, states };
        struct model_user u;
        int r;

        r = model_user_get(ex->m, upn, &u);
        if (r >= 0)
                r = list(ex, MODEL_LIST_USER_LICENSES, upn, NULL, &held);
        if (r >= 0)
                r = list(ex, MODEL_LIST_USER_ERRORS, upn, NULL, &waits);
        /* The products held and waited for, in SKU order. */
        if (r >= 0)
                r = formats_merge_names(held, waits, user_license_of, &ul);
        if (r >= 0)
                json_array_append_new(users, json_pack(
                        "{s:O, s:s, s:s, s:s?, s:O, s:O}", "id",
                        json_object_get(ex->user_ids, upn), "userPrincipalName", upn,
                        "displayName", u.display_name, "usageLocation",
                        u.usage_location[0] ? u.usage_location : NULL, "assignedLicenses",
                        licenses, "licenseAssignmentStates", states));
        json_decref(held);
        json_decref(waits);
        json_decref(licenses);
        json_decref(states);
        return r;
}

/* Calls fn for each name of the listing, stopping at the first failure. */
static int each(struct export *ex, enum model_listing listing, json_t *out,
                int (*fn)(struct export *ex, const char *name, json_t *out))
{
        json_t *names, *name;
        size_t i;
        int r;

        r = list(ex, listing, NULL, NULL, &names);
        json_array_foreach(names, i, name) {
                if (r < 0)
                        break;
                r = fn(ex, json_string_value(name), out);
        }
        json_decref(names);
        return r;
}

static int user_id(struct export *ex, const char *upn, json_t *ids)
{
        char id[MODEL_SKU_ID_MAX + 1];
        int r = model_object_id_get(ex->m, MODEL_OBJECT_USER, upn, id);

        if (r >= 0)
                json_object_set_new(ids, upn, json_string(id));
        return r;
}

static int export_all(struct export *ex, json_t *root)
{
        json_t *skus = json_array(), *users = json_array(), *groups = json_array();
        int r;

        r = model_object_ids_complete(ex->m);
        if (r >= 0)
                r = organization(ex, root);
        /* The sections in this order; filled below, groups before the users who name them. */
        json_object_set(root, "subscribedSkus", skus);
        json_object_set(root, "subscriptions", ex->subscriptions);
        json_object_set(root, "users", users);
        json_object_set(root, "groups", groups);
        if (r >= 0)
                r = each(ex, MODEL_LIST_PRODUCTS_SUBSCRIBED, skus, product);
        /* Only a tenant that has subscriptions says so: the others' exports stay as they were. */
        if (json_array_size(ex->subscriptions) == 0)
                json_object_del(root, "subscriptions");
        if (r >= 0)
                r = each(ex, MODEL_LIST_USERS_CREATED, ex->user_ids, user_id);
        if (r >= 0)
                r = each(ex, MODEL_LIST_GROUPS_CREATED, groups, group);
        if (r >= 0)
                r = each(ex, MODEL_LIST_USERS_CREATED, users, user);
        json_decref(skus);
        json_decref(users);
        json_decref(groups);
        return r;
}

int formats_snapshot_export(struct model *m, json_t **ret)
{
        struct export ex = {
                .m = m, .products = json_object(), .user_ids = json_object(),
                .groups = json_object(), .subscriptions = json_array(),
        };
        json_t *root = json_object();
        int r, end;

        r = root && ex.products && ex.user_ids && ex.groups && ex.subscriptions
                ? model_batch_begin(m) : -ENOMEM;
        if (r >= 0) {
                r = export_all(&ex, root);
                /* Commits the ids made for objects that had none; nothing else changed. */
                end = model_batch_end(m, r >= 0);
                if (r >= 0)
                        r = end;
        }
        if (r >= 0) {
                *ret = root;
                root = NULL;
        }
        json_decref(root);
        json_decref(ex.products);
        json_decref(ex.user_ids);
        json_decref(ex.groups);
        json_decref(ex.subscriptions);
        return r;
}
