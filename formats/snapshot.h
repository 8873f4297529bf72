/*
 * Tenant snapshots in Microsoft Graph's JSON shape (organization, subscribedSkus, users and
 * groups), read into a tenant and written from one, and the licensed users as CSV. Each works
 * on an open model in one batch; none prints.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "formats.h"
#include "model.h"

/*
 * Parses the JSON text data[0..size) (a UTF-8 byte order mark is skipped; a key twice in one
 * object is refused) into *ret (the caller json_decref()s it). Returns 0, or -EINVAL having
 * reported the syntax error (FORMATS_REFUSED with its line and column, path "").
 */
int formats_snapshot_parse(const char *data, size_t size, const struct formats_report *report,
                           json_t **ret);

/* What an import brought in. */
struct formats_snapshot_summary {
        int products, users, groups;
        int64_t held, waiting;          /* seats held and waited for, over every product */
};

/*
 * Imports the snapshot `root` into the tenant of `m`: all of it, or nothing when anything is
 * refused. The tenant must have no users and groups yet unless `replace`, which empties the
 * directory first. The import is one change of `actor` in the audit log. Reports through
 * `report`: the first refused value (FORMATS_REFUSED, named by its JSON path), warnings
 * (renamed groups, skipped members, users left waiting for seats: FORMATS_WARNING), progress
 * by objects read, and a failure of the database (FORMATS_DATABASE, with the model's reason).
 * Returns 0 and fills *ret; -EINVAL when refused; -ENOTEMPTY (not reported) when the tenant
 * has users or groups and not `replace`; another -errno when the database failed.
 */
int formats_snapshot_import(struct model *m, json_t *root, bool replace,
                            const struct model_actor *actor, const struct formats_report *report,
                            struct formats_snapshot_summary *ret);

/*
 * The tenant as a snapshot, into *ret (the caller json_decref()s it): ids an object lacks are
 * made and kept (the only change). Returns 0 or -errno, the reason in model_reason() when the
 * model gave one.
 */
int formats_snapshot_export(struct model *m, json_t **ret);

/*
 * The licensed users as CSV, one row per (user, product) held, waited for or kept suspended,
 * into *ret (malloc'd, the caller frees it; *ret_size bytes, NUL-terminated). Returns 0 or
 * -errno, the reason in model_reason() when the model gave one.
 */
int formats_csv_export(struct model *m, char **ret, size_t *ret_size);

/*
 * Shared by the writers: the names of a model listing as a new JSON array in *ret (the caller
 * json_decref()s it; 0 or -errno); and a merge of two sorted arrays of names that calls fn for
 * each name of a and b (names in both: never) in bytewise order, telling whether it came from
 * a, and stops at, and returns, the first negative result.
 */
int formats_list_names(struct model *m, enum model_listing listing, const char *a,
                       const char *b, json_t **ret);
int formats_merge_names(json_t *a, json_t *b, int (*fn)(void *ctx, const char *name, bool from_a),
                        void *ctx);
