/*
 * Shared by the two files of the snapshot importer that make model calls (snapshot_import.c:
 * the tenant, its products and the whole import; snapshot_directory.c: users, groups, members
 * and their licenses): the import's state. Reading the values is snapshot_values.h's.
 */
#pragma once

#include <stdbool.h>

#include "snapshot.h"
#include "snapshot_values.h"

struct snap_import {
        struct model *m;
        const struct formats_report *report;
        json_t *users_by_id;            /* lower-case object id -> UPN */
        json_t *group_names;            /* names taken, for renaming duplicates */
        json_t *skus;                   /* SKU -> the path where the snapshot lists it */
        json_t *directs;                /* [{sku, owner, disabled, path, late}] in file order */
        json_t *group_licenses;         /* the same, owner a group */
        size_t objects, done;           /* for progress */
        struct formats_snapshot_summary *summary;
};

/*
 * The directory (snapshot_directory.c): a user with its direct licenses, a group with its
 * members and licenses; then the claims to seats in the order that decides who holds and who
 * waits. Each returns 0 or a negative errno having reported why.
 */
int snap_read_user(struct snap_import *im, json_t *user, const char *path);
int snap_read_group(struct snap_import *im, json_t *group, const char *path);
int snap_claim_directs(struct snap_import *im, bool late);
int snap_claim_group_licenses(struct snap_import *im);
/* A subscription of the snapshot (snapshot_subscriptions.c), after the skus it names. */
int snap_read_subscription(struct snap_import *im, json_t *sub, const char *path);
