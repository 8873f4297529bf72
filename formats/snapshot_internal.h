/*
 * Shared by the files of the snapshot importer (snapshot_read.c: findings and the values of
 * the JSON, each named by its path; snapshot_import.c: the tenant, its products and the whole
 * import; snapshot_directory.c: users, groups, members and their licenses). A reader of
 * snapshots that is not an import (a planner) can use the value readers as they are: only
 * snap_model_failed and the directory readers need a model.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "snapshot.h"

#define SNAP_PATH_BYTES 256             /* a JSON path in a finding */

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
 * Findings. snap_refused reports the value at `path` as refused and returns -EINVAL;
 * snap_warn reports a warning (path "" when the finding is about no one value).
 * snap_database_failed reports the model's failure in the database (its reason, or the text
 * of -r) and returns r. snap_model_failed turns a failed model call about the value at `path`
 * into one of the two, as the model says (model_failed_in_database; ENOMEM is never a refusal).
 */
int snap_refused(struct snap_import *im, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void snap_warn(struct snap_import *im, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int snap_database_failed(struct snap_import *im, int r);
int snap_model_failed(struct snap_import *im, const char *path, int r);

/* Writes path + ".key" or path + "[i]" to ret (SNAP_PATH_BYTES; it may be path), cut with "...". */
void snap_path_key(char *ret, const char *path, const char *key);
void snap_path_index(char *ret, const char *path, size_t i);

/*
 * The value readers: each reads obj.key (at `path`), and returns 0 or -EINVAL having reported
 * why the value is refused.
 *   snap_get_text: the text, cleaned (formats_text_clean, collapsing when asked), into out
 *     (MODEL_TEXT_MAX + 1 bytes). Absent or null: "" when optional, refused when required.
 *   snap_get_guid: a GUID, lower-case, into out (MODEL_SKU_ID_MAX + 1 bytes); required.
 *   snap_get_count: a count from 0 to MODEL_COUNT_MAX; absent or null is 0.
 *   snap_get_list: a plain array or a Graph page {"value": [...]} (borrowed, not a new
 *     reference), and the path of the array itself in ret_path. Absent: refused when
 *     required, else NULL (an empty list for json_array_foreach).
 *   snap_need_object: the value at path must be an object.
 */
int snap_get_text(struct snap_import *im, json_t *obj, const char *path, const char *key,
                  bool required, bool collapse, char *out);
int snap_get_guid(struct snap_import *im, json_t *obj, const char *path, const char *key,
                  char *out);
int snap_get_count(struct snap_import *im, json_t *obj, const char *path, const char *key,
                   int64_t *ret);
int snap_get_list(struct snap_import *im, json_t *obj, const char *path, const char *key,
                  bool required, json_t **ret, char *ret_path);
int snap_need_object(struct snap_import *im, json_t *value, const char *path);

/*
 * The directory (snapshot_directory.c): a user with its direct licenses, a group with its
 * members and licenses; then the claims to seats in the order that decides who holds and who
 * waits. Each returns 0 or a negative errno having reported why.
 */
int snap_read_user(struct snap_import *im, json_t *user, const char *path);
int snap_read_group(struct snap_import *im, json_t *group, const char *path);
int snap_claim_directs(struct snap_import *im, bool late);
int snap_claim_group_licenses(struct snap_import *im);
