/*
 * The planner's views: a snapshot read into maps the planner can look things up in, and the
 * matches between the objects of licensefs's tenant and the real one, as Graph names them (by
 * id, else by the second key: part number, user principal name, group name).
 *
 * The snapshots come from formats_snapshot_export(), so their values are clean already; a value
 * of the wrong type still only makes the object count as absent, never a crash, as the fuzz
 * target feeds this any JSON.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "plan_internal.h"

void plan_not_planned(const struct formats_report *report, int *not_planned, const char *fmt,
                      ...)
{
        va_list ap;

        va_start(ap, fmt);
        formats_vdiag(report, FORMATS_SKIPPED, 0, 0, NULL, fmt, ap);
        va_end(ap);
        (*not_planned)++;
}

/* A plain array, or a Graph page's value; an empty list otherwise (NULL). */
static json_t *list_of(json_t *obj, const char *key)
{
        json_t *value = json_object_get(obj, key);

        if (json_is_object(value))
                value = json_object_get(value, "value");
        return json_is_array(value) ? value : NULL;
}

static const char *text_of(json_t *obj, const char *key)
{
        const char *s = json_string_value(json_object_get(obj, key));

        return s ? s : "";
}

/* The plan ids of a license's disabledPlans. */
static json_t *disabled_of(json_t *license)
{
        json_t *ids = json_array(), *id;
        size_t i;

        json_array_foreach(list_of(license, "disabledPlans"), i, id)
                if (json_is_string(id))
                        json_array_append(ids, id);
        return ids;
}

static void read_sku(struct plan_view *v, json_t *sku)
{
        const char *id = text_of(sku, "skuId"), *part = text_of(sku, "skuPartNumber");
        json_t *units = json_object_get(sku, "prepaidUnits"), *plans = json_object(), *plan;
        json_int_t enabled = json_integer_value(json_object_get(units, "enabled"));
        json_int_t warning = json_integer_value(json_object_get(units, "warning"));
        size_t i;

        json_array_foreach(list_of(sku, "servicePlans"), i, plan)
                if (*text_of(plan, "servicePlanId"))
                        json_object_set_new(plans, text_of(plan, "servicePlanId"),
                                            json_string(text_of(plan, "servicePlanName")));
        if (*id && !json_object_get(v->skus, id)) {
                json_object_set_new(v->skus, id, json_pack("{s:s, s:I, s:I, s:O}", "part", part,
                                                           "seats", enabled + warning,
                                                           "expiring", warning, "plans", plans));
                if (*part)
                        json_object_set_new(v->sku_by_part, part, json_string(id));
        }
        json_decref(plans);
}

/* A user principal name as Graph compares them: ASCII letters in either case are equal. */
static void upn_key(const char *upn, char *ret, size_t size)
{
        size_t i;

        for (i = 0; upn[i] && i + 1 < size; i++)
                ret[i] = (char)tolower((unsigned char)upn[i]);
        ret[i] = '\0';
}

static void read_user(struct plan_view *v, json_t *user)
{
        const char *id = text_of(user, "id"), *upn = text_of(user, "userPrincipalName");
        json_t *direct = json_object(), *state;
        char key[MODEL_TEXT_MAX + 1];
        size_t i;

        /* The direct licenses: the states no group gives, held or waiting for a seat. */
        json_array_foreach(list_of(user, "licenseAssignmentStates"), i, state) {
                json_t *group = json_object_get(state, "assignedByGroup");

                if ((group && !json_is_null(group)) || !*text_of(state, "skuId"))
                        continue;
                json_object_set_new(direct, text_of(state, "skuId"), json_pack(
                        "{s:o, s:b}", "disabled", disabled_of(state), "waits",
                        strcmp(text_of(state, "state"), "Error") == 0));
        }
        if (*id && *upn && !json_object_get(v->users, id)) {
                json_object_set_new(v->users, id, json_pack(
                        "{s:s, s:s, s:s, s:O}", "upn", upn, "name", text_of(user, "displayName"),
                        "location", text_of(user, "usageLocation"), "direct", direct));
                upn_key(upn, key, sizeof(key));
                json_object_set_new(v->user_by_upn, key, json_string(id));
        }
        json_decref(direct);
}

static void read_group(struct plan_view *v, json_t *group)
{
        const char *id = text_of(group, "id"), *name = text_of(group, "displayName");
        json_t *members = json_object(), *licenses = json_object(), *entry;
        size_t i;

        json_array_foreach(list_of(group, "members"), i, entry)
                if (*text_of(entry, "id"))
                        json_object_set_new(members, text_of(entry, "id"), json_true());
        json_array_foreach(list_of(group, "assignedLicenses"), i, entry)
                if (*text_of(entry, "skuId"))
                        json_object_set_new(licenses, text_of(entry, "skuId"),
                                            disabled_of(entry));
        if (*id && !json_object_get(v->groups, id)) {
                json_object_set_new(v->groups, id, json_pack("{s:s, s:O, s:O}", "name", name,
                                                             "members", members, "licenses",
                                                             licenses));
                if (*name)
                        json_object_set_new(v->group_by_name, name, json_string(id));
        }
        json_decref(members);
        json_decref(licenses);
}

int plan_view_read(json_t *root, struct plan_view *v)
{
        json_t *org = json_object_get(root, "organization"), *entry;
        size_t i;

        *v = (struct plan_view){
                .skus = json_object(), .sku_by_part = json_object(), .users = json_object(),
                .user_by_upn = json_object(), .groups = json_object(),
                .group_by_name = json_object(),
        };
        if (!v->skus || !v->sku_by_part || !v->users || !v->user_by_upn || !v->groups ||
            !v->group_by_name) {
                plan_view_free(v);
                *v = (struct plan_view){ 0 };
                return -ENOMEM;
        }
        v->tenant_name = text_of(json_is_object(org) ? org : NULL, "displayName");
        json_array_foreach(list_of(root, "subscribedSkus"), i, entry)
                read_sku(v, entry);
        json_array_foreach(list_of(root, "users"), i, entry)
                read_user(v, entry);
        json_array_foreach(list_of(root, "groups"), i, entry)
                read_group(v, entry);
        return 0;
}

void plan_view_free(struct plan_view *v)
{
        json_decref(v->skus);
        json_decref(v->sku_by_part);
        json_decref(v->users);
        json_decref(v->user_by_upn);
        json_decref(v->groups);
        json_decref(v->group_by_name);
}

/* --- matching -------------------------------------------------------------------------------- */

/* have's id of an object: the same id, else the one have files under `second`. */
static const char *match_id(json_t *have, json_t *have_by_second, const char *id,
                            const char *second)
{
        if (json_object_get(have, id))
                return id;
        return json_string_value(json_object_get(have_by_second, second));
}

/* The plans of a matched product: want's plan ids -> have's, and have's plans want knows. */
static void match_plans(struct plan_match *mt, const char *part, json_t *want_plans,
                        json_t *have_plans, const char *want_sku, const char *have_sku,
                        const struct formats_report *report, int *not_planned)
{
        json_t *to = json_object(), *known = json_object(), *name, *have_name;
        const char *plan, *have_plan;

        json_object_foreach(want_plans, plan, name) {
                const char *found = json_object_get(have_plans, plan) ? plan : NULL;

                json_object_foreach(have_plans, have_plan, have_name)
                        if (!found && json_equal(name, have_name))
                                found = have_plan;
                if (found) {
                        json_object_set_new(to, plan, json_string(found));
                        json_object_set_new(known, found, json_true());
                } else {
                        plan_not_planned(report, not_planned, "%s: the tenant's product has no "
                                         "service plan %s: not disabled or enabled there", part,
                                         json_string_value(name));
                }
        }
        json_object_set_new(mt->plans, want_sku, to);
        json_object_set_new(mt->known, have_sku, known);
}

static void match_skus(struct plan_match *mt, const struct plan_view *want,
                       const struct plan_view *have, const struct formats_report *report,
                       int *not_planned)
{
        json_t *sku, *have_sku, *matched = json_object();
        const char *id;

        json_object_foreach(want->skus, id, sku) {
                const char *part = json_string_value(json_object_get(sku, "part"));
                const char *to = match_id(have->skus, have->sku_by_part, id, part);
                json_int_t seats, have_seats, expiring, have_expiring;

                if (!to) {
                        plan_not_planned(report, not_planned, "%s: not in the tenant (seats are "
                                         "bought, not assigned): its licenses are left out",
                                         part);
                        continue;
                }
                have_sku = json_object_get(have->skus, to);
                json_object_set_new(mt->skus, id, json_string(to));
                json_object_set_new(matched, to, json_true());
                match_plans(mt, part, json_object_get(sku, "plans"),
                            json_object_get(have_sku, "plans"), id, to, report, not_planned);
                seats = json_integer_value(json_object_get(sku, "seats"));
                have_seats = json_integer_value(json_object_get(have_sku, "seats"));
                expiring = json_integer_value(json_object_get(sku, "expiring"));
                have_expiring = json_integer_value(json_object_get(have_sku, "expiring"));
                if (seats != have_seats)
                        plan_not_planned(report, not_planned, "%s: licensefs has %lld seats, "
                                         "the tenant %lld (a purchase, not an assignment)", part,
                                         (long long)seats, (long long)have_seats);
                if (expiring != have_expiring)
                        plan_not_planned(report, not_planned, "%s: licensefs has %lld seats "
                                         "expiring soon, the tenant %lld", part,
                                         (long long)expiring, (long long)have_expiring);
        }
        json_object_foreach(have->skus, id, sku)
                if (!json_object_get(matched, id))
                        plan_not_planned(report, not_planned, "%s: in the tenant, not in "
                                         "licensefs: its licenses are left as they are",
                                         json_string_value(json_object_get(sku, "part")));
        json_decref(matched);
}

static void match_users(struct plan_match *mt, const struct plan_view *want,
                        const struct plan_view *have, const struct formats_report *report,
                        int *not_planned)
{
        json_t *user, *matched = json_object();
        char key[MODEL_TEXT_MAX + 1];
        const char *id;

        json_object_foreach(want->users, id, user) {
                const char *upn = json_string_value(json_object_get(user, "upn")), *to;
                json_t *have_user;

                upn_key(upn, key, sizeof(key));
                to = match_id(have->users, have->user_by_upn, id, key);
                if (!to) {
                        plan_not_planned(report, not_planned, "%s: not in the tenant (create "
                                         "the user in Entra, refresh the snapshot, plan again): "
                                         "its licenses are left out", upn);
                        continue;
                }
                json_object_set_new(mt->users, id, json_string(to));
                json_object_set_new(matched, to, json_true());
                have_user = json_object_get(have->users, to);
                if (!json_equal(json_object_get(user, "name"), json_object_get(have_user, "name")))
                        plan_not_planned(report, not_planned, "%s: display name \"%s\" in "
                                         "licensefs, \"%s\" in the tenant: not planned", upn,
                                         text_of(user, "name"), text_of(have_user, "name"));
        }
        json_object_foreach(have->users, id, user)
                if (!json_object_get(matched, id))
                        plan_not_planned(report, not_planned, "%s: in the tenant, not in "
                                         "licensefs (deleted there?): left as it is",
                                         text_of(user, "upn"));
        json_decref(matched);
}

static void match_groups(struct plan_match *mt, const struct plan_view *want,
                         const struct plan_view *have, const struct formats_report *report,
                         int *not_planned)
{
        json_t *group, *matched = json_object();
        const char *id;

        json_object_foreach(want->groups, id, group) {
                const char *name = text_of(group, "name");
                const char *to = match_id(have->groups, have->group_by_name, id, name);

                if (!to) {
                        plan_not_planned(report, not_planned, "group %s: not in the tenant "
                                         "(create group %s, refresh the snapshot, plan again): "
                                         "its members and licenses are left out", name, name);
                        continue;
                }
                json_object_set_new(mt->groups, id, json_string(to));
                json_object_set_new(matched, to, json_true());
        }
        json_object_foreach(have->groups, id, group)
                if (!json_object_get(matched, id))
                        plan_not_planned(report, not_planned, "group %s: in the tenant, not in "
                                         "licensefs: left as it is", text_of(group, "name"));
        json_decref(matched);
}

int plan_match(const struct plan_view *want, const struct plan_view *have,
               const struct formats_report *report, int *not_planned, struct plan_match *ret)
{
        struct plan_match mt = {
                json_object(), json_object(), json_object(), json_object(), json_object(),
        };

        if (!mt.skus || !mt.users || !mt.groups || !mt.plans || !mt.known) {
                plan_match_free(&mt);
                return -ENOMEM;
        }
        if (strcmp(want->tenant_name, have->tenant_name) != 0)
                plan_not_planned(report, not_planned, "the tenant is \"%s\" in licensefs, \"%s\" "
                                 "in Entra: not planned", want->tenant_name, have->tenant_name);
        match_skus(&mt, want, have, report, not_planned);
        match_users(&mt, want, have, report, not_planned);
        match_groups(&mt, want, have, report, not_planned);
        *ret = mt;
        return 0;
}

void plan_match_free(struct plan_match *mt)
{
        json_decref(mt->skus);
        json_decref(mt->users);
        json_decref(mt->groups);
        json_decref(mt->plans);
        json_decref(mt->known);
}
