/*
 * The planner (plan.h): the real tenant's state is copied, licensefs's is laid over the copy
 * where the objects match (what licensefs does not know stays as the tenant has it), what
 * cannot fit the tenant's seats is taken back out, and the difference between the copy and the
 * tenant becomes requests in four steps, batched in order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "plan_internal.h"

enum step {
        STEP_LOCATIONS,                 /* usage locations, before any license needs them */
        STEP_FREE,                      /* what frees seats or takes none */
        STEP_GROUP_TAKE,                /* group licenses added, memberships begun */
        STEP_DIRECT_TAKE,               /* direct licenses added */
        STEP_COUNT,
};

struct planner {
        struct plan_view want, have;    /* licensefs's tenant; the real one */
        struct plan_match mt;
        const struct formats_report *report;
        struct formats_plan_summary *sum;
        json_t *users, *groups;         /* the final state: have's, with want's laid over it */
        json_t *matched_users;          /* have's user ids that want has: {id: true} */
        json_t *steps[STEP_COUNT];      /* each step's requests, without ids yet */
        bool group_frees;               /* STEP_FREE changes a group */
};

static const char *text_of(json_t *obj, const char *key)
{
        const char *s = json_string_value(json_object_get(obj, key));

        return s ? s : "";
}

static const char *part_of(struct planner *p, const char *have_sku)
{
        return text_of(json_object_get(p->have.skus, have_sku), "part");
}

/*
 * want's disabled plans of a license as have's plan ids, in the order of have's product:
 * plans want knows as want says; plans only the tenant knows as the tenant has them (`have`,
 * NULL for a new license), never guessed.
 */
static json_t *disabled_in_have(struct planner *p, const char *want_sku, const char *have_sku,
                                json_t *want, json_t *have)
{
        json_t *to = json_object_get(p->mt.plans, want_sku);
        json_t *known = json_object_get(p->mt.known, have_sku);
        json_t *plans = json_object_get(json_object_get(p->have.skus, have_sku), "plans");
        json_t *set = json_object(), *out = json_array(), *id, *name;
        const char *plan;
        size_t i;

        json_array_foreach(want, i, id)
                if (json_object_get(to, json_string_value(id)))
                        json_object_set_new(set, json_string_value(json_object_get(
                                to, json_string_value(id))), json_true());
        json_array_foreach(have, i, id)
                if (!json_object_get(known, json_string_value(id)))
                        json_object_set_new(set, json_string_value(id), json_true());
        json_object_foreach(plans, plan, name)
                if (json_object_get(set, plan))
                        json_array_append_new(out, json_string(plan));
        json_decref(set);
        return out;
}

/* Whether the have sku is one that want has: its licenses are then want's to decide. */
static bool sku_is_matched(struct planner *p, const char *have_sku)
{
        return json_object_get(p->mt.known, have_sku) != NULL;
}

/* --- the final state ------------------------------------------------------------------------- */

static void lay_over_user(struct planner *p, const char *want_id, const char *have_id)
{
        json_t *w = json_object_get(p->want.users, want_id);
        json_t *h = json_object_get(p->have.users, have_id);
        json_t *f = json_object_get(p->users, have_id);
        json_t *direct = json_object(), *license, *have_license;
        const char *upn = text_of(w, "upn"), *sku, *location = text_of(w, "location");

        if (*location)
                json_object_set_new(f, "location", json_string(location));
        else if (*text_of(h, "location"))
                plan_not_planned(p->report, &p->sum->not_planned, "%s: no usage location in "
                                 "licensefs, %s in the tenant: not planned", upn,
                                 text_of(h, "location"));
        json_object_foreach(json_object_get(h, "direct"), sku, license)
                if (!sku_is_matched(p, sku))
                        json_object_set(direct, sku, license);
        json_object_foreach(json_object_get(w, "direct"), sku, license) {
                const char *to = json_string_value(json_object_get(p->mt.skus, sku));

                if (!to)
                        continue;       /* reported with the product */
                have_license = json_object_get(json_object_get(h, "direct"), to);
                if (!have_license && json_is_true(json_object_get(license, "waits"))) {
                        plan_not_planned(p->report, &p->sum->not_planned, "%s: waits for %s in "
                                         "licensefs, no seat there: left out", upn,
                                         part_of(p, to));
                        continue;
                }
                /* Graph refuses a direct license to a user without a usage location. */
                if (!have_license && !*text_of(f, "location")) {
                        plan_not_planned(p->report, &p->sum->not_planned, "%s: %s needs a usage "
                                         "location, which neither licensefs nor the tenant has: "
                                         "left out", upn, part_of(p, to));
                        continue;
                }
                json_object_set_new(direct, to, json_pack(
                        "{s:o, s:O}", "disabled", disabled_in_have(
                                p, sku, to, json_object_get(license, "disabled"),
                                json_object_get(have_license, "disabled")),
                        "waits", have_license ? json_object_get(have_license, "waits")
                                              : json_false()));
        }
        json_object_set_new(f, "direct", direct);
}

static void lay_over_group(struct planner *p, const char *want_id, const char *have_id)
{
        json_t *w = json_object_get(p->want.groups, want_id);
        json_t *h = json_object_get(p->have.groups, have_id);
        json_t *f = json_object_get(p->groups, have_id);
        json_t *members = json_object(), *licenses = json_object(), *want_members, *value;
        json_t *have_licenses = json_object_get(h, "licenses");
        const char *id, *sku;

        /* The members want has, and those of the tenant that want does not know. */
        want_members = json_object();
        json_object_foreach(json_object_get(w, "members"), id, value) {
                const char *to = json_string_value(json_object_get(p->mt.users, id));

                if (to)
                        json_object_set_new(want_members, to, json_true());
        }
        json_object_foreach(json_object_get(h, "members"), id, value)
                if (!json_object_get(p->matched_users, id) || json_object_get(want_members, id))
                        json_object_set_new(members, id, json_true());
        json_object_foreach(want_members, id, value)
                json_object_set_new(members, id, json_true());
        json_decref(want_members);

        json_object_foreach(have_licenses, sku, value)
                if (!sku_is_matched(p, sku))
                        json_object_set(licenses, sku, value);
        json_object_foreach(json_object_get(w, "licenses"), sku, value) {
                const char *to = json_string_value(json_object_get(p->mt.skus, sku));

                if (to)
                        json_object_set_new(licenses, to, disabled_in_have(
                                p, sku, to, value, json_object_get(have_licenses, to)));
        }
        json_object_set_new(f, "members", members);
        json_object_set_new(f, "licenses", licenses);
}

/* Who would hold a seat of each product in a state: have sku -> {user id: true}. */
static json_t *holders(struct planner *p, json_t *users, json_t *groups)
{
        json_t *by_sku = json_object(), *user, *group, *license, *value;
        const char *id, *sku, *member;

        json_object_foreach(p->have.skus, sku, value)
                json_object_set_new(by_sku, sku, json_object());
        json_object_foreach(groups, id, group)
                json_object_foreach(json_object_get(group, "licenses"), sku, license)
                        json_object_foreach(json_object_get(group, "members"), member, value)
                                json_object_set_new(json_object_get(by_sku, sku), member,
                                                    json_true());
        json_object_foreach(users, id, user)
                json_object_foreach(json_object_get(user, "direct"), sku, license)
                        if (!json_is_true(json_object_get(license, "waits")))
                                json_object_set_new(json_object_get(by_sku, sku), id,
                                                    json_true());
        return by_sku;
}

/*
 * A product the final state needs more seats of than the tenant has: the direct licenses the
 * plan would add are left out (which of them should go is not the planner's to guess), and
 * what groups would leave in error beyond what the tenant has in error now is a warning.
 */
static void fit_seats(struct planner *p)
{
        json_t *by_sku = holders(p, p->users, p->groups), *sku_json, *user;
        json_t *now = holders(p, p->have.users, p->have.groups);
        const char *sku, *id;

        json_object_foreach(p->have.skus, sku, sku_json) {
                json_int_t seats = json_integer_value(json_object_get(sku_json, "seats"));
                size_t need = json_object_size(json_object_get(by_sku, sku)), left = need;

                if ((json_int_t)need <= seats)
                        continue;
                json_object_foreach(p->users, id, user) {
                        json_t *have_direct = json_object_get(json_object_get(p->have.users, id),
                                                              "direct");

                        if (!json_object_get(json_object_get(user, "direct"), sku) ||
                            json_object_get(have_direct, sku))
                                continue;
                        plan_not_planned(p->report, &p->sum->not_planned, "%s: %s needs %zu "
                                         "seats, the tenant has %lld: left out",
                                         text_of(user, "upn"), json_string_value(
                                                 json_object_get(sku_json, "part")), need,
                                         (long long)seats);
                        json_object_del(json_object_get(user, "direct"), sku);
                        left--;
                }
                /* Planned all the same: Entra keeps such members waiting, as licensefs. */
                if ((json_int_t)left > seats &&
                    left > json_object_size(json_object_get(now, sku)))
                        formats_diag(p->report, FORMATS_WARNING, 0, 0, NULL, "%s: group-based "
                                     "licenses need %zu seats, the tenant has %lld: Entra will "
                                     "leave %lld users in error", json_string_value(
                                             json_object_get(sku_json, "part")), left,
                                     (long long)seats, (long long)left - seats);
        }
        json_decref(by_sku);
        json_decref(now);
}

/* --- requests ------------------------------------------------------------------------------- */

static void add_request(struct planner *p, enum step step, const char *method, json_t *url,
                        json_t *body)
{
        json_t *request = json_pack("{s:s, s:o}", "method", method, "url", url);

        if (body)
                json_object_set_new(request, "headers",
                                    json_pack("{s:s}", "Content-Type", "application/json"));
        if (body)
                json_object_set_new(request, "body", body);
        json_array_append_new(p->steps[step], request);
}

static json_t *license_entry(const char *sku, json_t *disabled)
{
        return json_pack("{s:s, s:O}", "skuId", sku, "disabledPlans", disabled);
}

/*
 * The assignLicense requests of an owner (OWNERS "users" or "groups"): what is removed or
 * changes its disabled plans in STEP_FREE, what is added in `add_step`. `have` and `final` map
 * skuId -> disabled plans; `disabled_of` reads them from an entry.
 */
struct licenses_diff {
        int added, removed, changed;
};

static json_t *disabled_of(json_t *entry, bool user)
{
        return user ? json_object_get(entry, "disabled") : entry;
}

static struct licenses_diff assign_licenses(struct planner *p, const char *owners,
                                            const char *id, json_t *have, json_t *final,
                                            enum step add_step)
{
        bool user = strcmp(owners, "users") == 0;
        json_t *change = json_array(), *remove = json_array(), *add = json_array(), *entry;
        struct licenses_diff d = { 0 };
        const char *sku;

        json_object_foreach(have, sku, entry)
                if (!json_object_get(final, sku))
                        json_array_append_new(remove, json_string(sku));
        json_object_foreach(final, sku, entry) {
                json_t *before = json_object_get(have, sku);

                if (!before)
                        json_array_append_new(add, license_entry(sku, disabled_of(entry, user)));
                else if (!json_equal(disabled_of(before, user), disabled_of(entry, user)))
                        json_array_append_new(change, license_entry(sku,
                                                                    disabled_of(entry, user)));
        }
        d.added = (int)json_array_size(add);
        d.removed = (int)json_array_size(remove);
        d.changed = (int)json_array_size(change);
        if (d.removed || d.changed)
                add_request(p, STEP_FREE, "POST", json_sprintf("/%s/%s/assignLicense", owners, id),
                            json_pack("{s:O, s:O}", "addLicenses", change, "removeLicenses",
                                      remove));
        if (d.added)
                add_request(p, add_step, "POST", json_sprintf("/%s/%s/assignLicense", owners, id),
                            json_pack("{s:O, s:[]}", "addLicenses", add, "removeLicenses"));
        json_decref(change);
        json_decref(remove);
        json_decref(add);
        return d;
}

static void user_requests(struct planner *p, const char *have_id)
{
        json_t *h = json_object_get(p->have.users, have_id);
        json_t *f = json_object_get(p->users, have_id);
        struct licenses_diff d;

        if (!json_equal(json_object_get(h, "location"), json_object_get(f, "location"))) {
                add_request(p, STEP_LOCATIONS, "PATCH", json_sprintf("/users/%s", have_id),
                            json_pack("{s:O}", "usageLocation", json_object_get(f, "location")));
                p->sum->locations_set++;
        }
        d = assign_licenses(p, "users", have_id, json_object_get(h, "direct"),
                            json_object_get(f, "direct"), STEP_DIRECT_TAKE);
        p->sum->licenses_added += d.added;
        p->sum->licenses_removed += d.removed;
        p->sum->licenses_changed += d.changed;
}

static void group_requests(struct planner *p, const char *have_id)
{
        json_t *h = json_object_get(p->have.groups, have_id);
        json_t *f = json_object_get(p->groups, have_id);
        json_t *have_members = json_object_get(h, "members");
        json_t *members = json_object_get(f, "members"), *value;
        struct licenses_diff d;
        const char *id;

        d = assign_licenses(p, "groups", have_id, json_object_get(h, "licenses"),
                            json_object_get(f, "licenses"), STEP_GROUP_TAKE);
        p->sum->group_licenses_added += d.added;
        p->sum->group_licenses_removed += d.removed;
        p->sum->group_licenses_changed += d.changed;
        p->group_frees |= d.removed || d.changed;
        json_object_foreach(have_members, id, value) {
                if (json_object_get(members, id))
                        continue;
                add_request(p, STEP_FREE, "DELETE",
                            json_sprintf("/groups/%s/members/%s/$ref", have_id, id), NULL);
                p->sum->members_removed++;
                p->group_frees = true;
        }
        json_object_foreach(members, id, value) {
                if (json_object_get(have_members, id))
                        continue;
                add_request(p, STEP_GROUP_TAKE, "POST", json_sprintf("/groups/%s/members/$ref",
                                                                     have_id),
                            json_pack("{s:s+}", "@odata.id",
                                      "https://graph.microsoft.com/v1.0/directoryObjects/", id));
                p->sum->members_added++;
        }
}

/* Each step's requests in batches of at most FORMATS_PLAN_BATCH_MAX, ids from "1". */
static json_t *batches(struct planner *p)
{
        json_t *out = json_array(), *batch = NULL, *request, *numbered;
        int step, first[STEP_COUNT] = { 0 };
        size_t i;

        for (step = 0; step < STEP_COUNT; step++) {
                json_array_foreach(p->steps[step], i, request) {
                        if (i % FORMATS_PLAN_BATCH_MAX == 0) {
                                batch = json_array();
                                json_array_append_new(out, json_pack("{s:o}", "requests",
                                                                     batch));
                                if (i == 0)
                                        first[step] = (int)json_array_size(out);
                        }
                        numbered = json_pack("{s:o}", "id", json_sprintf(
                                "%zu", i % FORMATS_PLAN_BATCH_MAX + 1));
                        json_object_update(numbered, request);
                        json_array_append_new(batch, numbered);
                        p->sum->requests++;
                }
        }
        p->sum->batches = (int)json_array_size(out);
        /* Group processing must be over before what relies on its seats. */
        if (first[STEP_GROUP_TAKE] && p->group_frees)
                p->sum->wait_before[0] = first[STEP_GROUP_TAKE];
        if (first[STEP_DIRECT_TAKE] && (p->group_frees || first[STEP_GROUP_TAKE]))
                p->sum->wait_before[1] = first[STEP_DIRECT_TAKE];
        return out;
}

/* --- the whole plan ------------------------------------------------------------------------- */

static int plan_all(struct planner *p, json_t **ret)
{
        const char *id;
        json_t *value;
        int step;

        p->users = json_deep_copy(p->have.users);
        p->groups = json_deep_copy(p->have.groups);
        p->matched_users = json_object();
        for (step = 0; step < STEP_COUNT; step++)
                p->steps[step] = json_array();
        if (!p->users || !p->groups || !p->matched_users || !p->steps[STEP_COUNT - 1])
                return -ENOMEM;
        json_object_foreach(p->mt.users, id, value)
                json_object_set_new(p->matched_users, json_string_value(value), json_true());
        json_object_foreach(p->mt.users, id, value)
                lay_over_user(p, id, json_string_value(value));
        json_object_foreach(p->mt.groups, id, value)
                lay_over_group(p, id, json_string_value(value));
        fit_seats(p);
        json_object_foreach(p->mt.users, id, value)
                user_requests(p, json_string_value(value));
        json_object_foreach(p->mt.groups, id, value)
                group_requests(p, json_string_value(value));
        *ret = batches(p);
        return *ret ? 0 : -ENOMEM;
}

int formats_plan(json_t *desired, json_t *actual, const struct formats_report *report,
                 json_t **ret, struct formats_plan_summary *ret_summary)
{
        struct formats_report quiet = { 0 };
        struct formats_plan_summary sum = { 0 };
        struct planner p = { .report = report ? report : &quiet, .sum = &sum };
        int r, step;

        r = plan_view_read(desired, &p.want);
        if (r >= 0)
                r = plan_view_read(actual, &p.have);
        if (r >= 0)
                r = plan_match(&p.want, &p.have, p.report, &sum.not_planned, &p.mt);
        if (r >= 0)
                r = plan_all(&p, ret);
        plan_match_free(&p.mt);
        plan_view_free(&p.want);
        plan_view_free(&p.have);
        json_decref(p.users);
        json_decref(p.groups);
        json_decref(p.matched_users);
        for (step = 0; step < STEP_COUNT; step++)
                json_decref(p.steps[step]);
        if (r >= 0)
                *ret_summary = sum;
        return r;
}
