/*
 * The values of a Graph snapshot as the importer reads them (snapshot_read.c), each named by
 * its JSON path in what it reports: text cleaned, GUIDs lower-cased, counts in range, lists
 * that may be Graph pages. They need no model, so any reader of snapshots (an import, or a
 * planner comparing a snapshot with a tenant) reads values the same way and refuses them with
 * the same words. Every function reports through `report` (NULL: nowhere).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "formats.h"

#define SNAP_PATH_BYTES 256             /* a JSON path in a finding */

/*
 * Findings. snap_refused reports the value at `path` as refused and returns -EINVAL;
 * snap_warn reports a warning (path "" when the finding is about no one value).
 * snap_database_failed reports the model's failure in the database (model_reason(), or the
 * text of -r) and returns r. snap_model_failed turns a failed model call about the value at
 * `path` into one of the two, as the model says (model_failed_in_database; ENOMEM is never a
 * refusal), and returns -EINVAL or r.
 */
int snap_refused(const struct formats_report *report, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void snap_warn(const struct formats_report *report, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int snap_database_failed(const struct formats_report *report, int r);
int snap_model_failed(const struct formats_report *report, const char *path, int r);

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
int snap_get_text(const struct formats_report *report, json_t *obj, const char *path,
                  const char *key, bool required, bool collapse, char *out);
int snap_get_guid(const struct formats_report *report, json_t *obj, const char *path,
                  const char *key, char *out);
int snap_get_count(const struct formats_report *report, json_t *obj, const char *path,
                   const char *key, int64_t *ret);
int snap_get_list(const struct formats_report *report, json_t *obj, const char *path,
                  const char *key, bool required, json_t **ret, char *ret_path);
int snap_need_object(const struct formats_report *report, json_t *value, const char *path);
