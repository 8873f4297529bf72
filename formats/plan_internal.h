/*
 * Shared by the planner's two files: plan_view.c reads a snapshot into a view the planner can
 * look things up in and matches the objects of two views; plan.c plans with them.
 */
#pragma once

#include <stdbool.h>

#include "plan.h"

/*
 * A tenant as the planner sees it; every member is a JSON object (a map that keeps insertion
 * order, so that walks over it are deterministic), owned by the view.
 *   skus:   skuId -> {"part", "seats", "expiring", "plans": {planId: name}}
 *   users:  id -> {"upn", "name", "location", "direct": {skuId: {"disabled": [planId],
 *           "waits": bool}}}
 *   groups: id -> {"name", "members": {userId: true}, "licenses": {skuId: [planId]}}
 * and the second keys Graph matches by: part number, lower-case UPN, group name -> id.
 */
struct plan_view {
        json_t *skus, *sku_by_part;
        json_t *users, *user_by_upn;
        json_t *groups, *group_by_name;
        const char *tenant_name;        /* borrowed from the snapshot */
};

/* Reads snapshot `root` into *view (plan_view_free() it). Returns 0 or -ENOMEM. */
int plan_view_read(json_t *root, struct plan_view *view);
void plan_view_free(struct plan_view *view);

/*
 * The matches of `want`'s objects in `have`, each a map from want's id to have's id:
 *   skus, users, groups; plans: want skuId -> {want planId: have planId}; and known: have
 *   skuId -> {have planId: true} for the plans want knows.
 * Reports what has no match (a finding each, counted in *not_planned). Returns 0 or -ENOMEM.
 */
struct plan_match {
        json_t *skus, *users, *groups, *plans, *known;
};

int plan_match(const struct plan_view *want, const struct plan_view *have,
               const struct formats_report *report, int *not_planned, struct plan_match *ret);
void plan_match_free(struct plan_match *match);

/* Reports a finding the plan leaves out, and counts it. */
void plan_not_planned(const struct formats_report *report, int *not_planned, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));
