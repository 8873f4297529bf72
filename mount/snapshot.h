/*
 * Tenant snapshots in Microsoft Graph's JSON shape (import and export) and the licensed users
 * as CSV. Each works on an open model in one batch and returns the program's exit status,
 * having printed its errors (`licensefs: WHAT: WHY`) on stderr.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "model.h"

/*
 * Reads the JSON of `file` into *ret (the caller json_decref()s it); on a syntax error prints
 * `licensefs: FILE:LINE:COLUMN: reason` and returns EXIT_REFUSED.
 */
int snapshot_load(const char *file, json_t **ret);
/*
 * Imports the snapshot `root` (read from `file`) into the tenant of `m` (the database at
 * `database`; both names for messages): all of it, or nothing when anything is refused. The
 * tenant must have no users and groups yet unless `replace`, which empties the directory
 * first. Warnings (renamed groups, users waiting for seats) go to stderr, a summary to stdout.
 */
int snapshot_import(struct model *m, const char *database, const char *file, json_t *root,
                    bool replace);

/* Writes the tenant as a snapshot to `out`; ids an object lacks are made and kept. */
int snapshot_export(struct model *m, const char *database, FILE *out);

/* Writes the licensed users, one row per (user, product) held or waited for, to `out`. */
int csv_export(struct model *m, const char *database, FILE *out);

/*
 * Shared by the three: a model_list callback that appends each name to the JSON array `ctx`;
 * the failure of a model call reported as `licensefs: DATABASE: REASON` (returns exit status
 * 3); a failed write to stdout reported as `licensefs: stdout: ERRNO TEXT` (exit status 1).
 */
int snapshot_append_name(void *ctx, const char *name);
int snapshot_database_error(const char *database, int r);
int snapshot_output_error(void);
/*
 * Calls fn for each name of the sorted arrays a and b (names in both: never) in bytewise order,
 * telling whether it came from a; stops at, and returns, the first negative result.
 */
int snapshot_merge(json_t *a, json_t *b, int (*fn)(void *ctx, const char *name, bool from_a),
                   void *ctx);
