/*
 * The db layer as the rule code sees it: statements run and rows read through a small API of
 * its own, so that no rule names the storage engine. SQL is written once for every backend:
 * parameters are `$1`, `$2`, ... (a number may appear more than once), bound by number from the
 * `types` string of each call. Everything here runs inside the transaction the caller opened
 * (tx_begin, internal.h), except db_begin/db_commit/db_rollback, which are that bracket.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct model;

/*
 * A prepared statement and its current row. Opaque: it belongs to the model's statement cache,
 * and its row (and every string read from it) is valid until the next step or reset.
 */
struct sql_stmt;

/*
 * Fetches the cached statement for the SQL literal `sql` (preparing it on first use; the
 * literal's address is the key, so pass literals or strings that live as long as the model),
 * resets it and binds its parameters: `types` describes the values that follow, one letter per
 * value, 't' text (const char *, NULL binds NULL) and 'i' int64_t; the n-th value is `$n`.
 * Values whose number the statement does not use are ignored and numbers without a value bind
 * NULL, so one call can serve a table of statements. *ret stays owned by the cache.
 * Returns 0, or -EIO (bad SQL, cache full), -ENOMEM, or another -errno of the database.
 */
int sql_prepare(struct model *m, struct sql_stmt **ret, const char *sql, const char *types, ...);
/*
 * Starts a prepared query whose rows sql_step reads later, so that on a server several
 * queries that do not depend on each other cost one round trip: prefetch each, then step
 * them. Elsewhere it does nothing. Returns 0 or -errno.
 */
int sql_prefetch(struct sql_stmt *s);
/* Steps: 1 for a row, 0 when done (the statement is then reset), -errno on failure. */
int sql_step(struct sql_stmt *s);
/* Ends the statement's current result early (a caller that read the row it wanted). */
void sql_reset(struct sql_stmt *s);
/* Runs a statement to completion; returns the number of rows it changed, or -errno. */
int sql_exec(struct model *m, const char *sql, const char *types, ...);
/*
 * Runs a write whose count of changed rows the caller does not need. On a server it travels
 * with the next statement that waits for an answer, or with the end of the call, instead of
 * costing a round trip of its own; its failure then fails that statement (a failed statement
 * fails the whole call and changes nothing, so which one reports it does not matter).
 * Returns 0 or -errno.
 */
int sql_write(struct model *m, const char *sql, const char *types, ...);
/*
 * Runs an INSERT of one row ending in `RETURNING id` and sets *ret_id to the id it returns.
 * Returns 0, -ENOENT when it inserted nothing (*ret_id untouched), or -errno.
 */
int sql_insert(struct model *m, int64_t *ret_id, const char *sql, const char *types, ...);
/*
 * Runs `sql` with the columns of `row`'s current row as its values: column n is `$n+1`, read as
 * `types` says ('t' text, 'i' int64_t, one letter per column), a NULL column as NULL. `row` may
 * belong to another model, so a row moves between databases without being copied out; it
 * stays on its row. Returns the number of rows changed, or -errno as sql_exec.
 */
int sql_exec_row(struct model *m, const char *sql, const char *types, struct sql_stmt *row);
/* Runs a query for one integer: 0 and *ret, -ENOENT when there is no row, or -errno. */
int sql_int(struct model *m, int64_t *ret, const char *sql, const char *types, ...);
/* The same for one text value, copied into buf (size bytes, truncated, always terminated). */
int sql_text(struct model *m, char *buf, size_t size, const char *sql, const char *types, ...);
/*
 * Collects the ids a one-column query returns (parameters as for sql_prepare), so callers can
 * change the tables it reads while they walk them. *ret is malloc'd; the caller frees it.
 * Returns 0, -ENOMEM or -errno.
 */
int collect_ids(struct model *m, int64_t **ret, size_t *ret_count, const char *sql,
                const char *types, ...);

/*
 * Rows changed (inserted, updated, deleted, including by triggers) on the model's connection
 * since it was opened: two readings differ exactly when something changed in between.
 */
int64_t sql_changes_total(struct model *m);

/* --- the current row's columns, numbered from 0 --- */

int64_t column_int64(struct sql_stmt *s, int col);
/* The column as text, NULL when it is NULL (or memory ran out); owned by the statement. */
const char *column_string(struct sql_stmt *s, int col);
bool column_is_null(struct sql_stmt *s, int col);
/* Copies a column's text into a fixed buffer of `size` bytes (truncating, always terminated;
 * NULL copies as ""). */
void column_text(struct sql_stmt *s, int col, char *buf, size_t size);

/*
 * The bare transaction bracket on the model's connection, for a caller that holds the model's
 * lock with no transaction open (the refusal line of the audit log): no lock, no audit, no
 * change capture. db_begin(m, true) takes the database's write lock at once. 0 or -errno.
 */
int db_begin(struct model *m, bool write);
int db_commit(struct model *m);
/* Always leaves no transaction open; returns 0 or -errno. */
int db_rollback(struct model *m);
