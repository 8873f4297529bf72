/*
 * The planner: what Microsoft Graph requests turn a real tenant into licensefs's. Both tenants
 * come as snapshots in the shape formats_snapshot_export() writes (licensefs's own export, and
 * the real tenant's snapshot after an import into a scratch model and an export from it, so
 * that both are read and normalised by the same code). The planner needs no model and never
 * prints: it returns the batches and reports what it cannot plan.
 *
 * The order makes every request succeed when the batches are sent in order, one after the
 * other: usage locations first; then what frees seats or takes none (direct and group licenses
 * removed or with other disabled plans, memberships ended); then what groups take (group
 * licenses added, memberships begun); then the direct licenses added. Requests of one step never
 * share a batch with another step's, and none in a batch depends on another, as Graph runs a
 * batch's requests in any order. Group-based licensing is asynchronous in Entra: the batches
 * that follow group changes are marked, and the admin waits for group processing first.
 */
#pragma once

#include <jansson.h>

#include "formats.h"

#define FORMATS_PLAN_BATCH_MAX 20       /* requests in one Graph batch */

/* What a plan does, and where the admin must wait. */
struct formats_plan_summary {
        int requests, batches;
        int licenses_added, licenses_removed, licenses_changed;           /* users' direct */
        int group_licenses_added, group_licenses_removed, group_licenses_changed;
        int members_added, members_removed, locations_set;
        int not_planned;                /* findings: what the plan leaves out */
        /*
         * Batches (from 1) before which group processing must have finished, as they rely on
         * seats that earlier batches' group changes free or on what they take; 0: none.
         */
        int wait_before[2];
};

/*
 * Plans the requests that turn `actual` (the real tenant) into `desired` (licensefs's tenant):
 * *ret is a new JSON array of Graph batch bodies ({"requests": [...]}, at most
 * FORMATS_PLAN_BATCH_MAX requests each), empty when the tenants agree. Everything the plan
 * cannot do is reported through `report` as FORMATS_SKIPPED (one finding each, path "") and
 * left out; what it does but Entra will not fully carry out (group members left without a
 * seat) as FORMATS_WARNING. Objects are matched as Graph names them: users by id, else by
 * user principal name; groups by id, else by display name; products by skuId, else by part
 * number; plans by servicePlanId, else by name; the requests use the real tenant's ids. The
 * result depends on the inputs only. Returns 0 or -ENOMEM.
 */
int formats_plan(json_t *desired, json_t *actual, const struct formats_report *report,
                 json_t **ret, struct formats_plan_summary *ret_summary);
