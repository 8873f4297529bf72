/*
 * Statements: the cache of prepared statements (one per SQL literal), binding a call's values
 * (or another statement's row) to `$1`, `$2`, ..., stepping, the current row's columns, and
 * the small helpers every rule uses (run, one integer, one text, a list of ids, insert
 * returning id). The lookups of a row id by name sit here too: the most common statements.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "db_backend.h"
#include "internal.h"

#define VALUES_MAX 16                   /* values one statement takes */

static int stmt_lookup(struct model *m, const char *sql, struct sql_stmt **ret)
{
        size_t i, start = ((uintptr_t)sql >> 4) % STMT_CACHE_SIZE;
        int r;

        for (i = 0; i < STMT_CACHE_SIZE; i++) {
                struct stmt_slot *slot = &m->stmts[(start + i) % STMT_CACHE_SIZE];

                if (slot->sql == sql) {
                        *ret = slot->stmt;
                        return 0;
                }
                if (!slot->sql) {
                        r = m->backend->prepare(m->conn, sql, &slot->stmt);
                        if (r < 0)
                                return r;
                        slot->sql = sql;
                        *ret = slot->stmt;
                        return 0;
                }
        }
        return refuse(-EIO, "statement cache full");   /* a build-time bug: raise the size */
}

/* Reads the values `types` describes from a call's arguments: their count, or -EIO. */
static int values_from_args(struct sql_value values[VALUES_MAX], const char *types, va_list ap)
{
        int count;

        for (count = 0; types[count]; count++) {
                if (count == VALUES_MAX)
                        return refuse(-EIO, "more than %d values for one statement", VALUES_MAX);
                values[count].type = types[count];
                if (types[count] == 't')
                        values[count].text = va_arg(ap, const char *);
                else
                        values[count].i = va_arg(ap, int64_t);
        }
        return count;
}

/* The same from the columns of a statement's current row, a NULL column as NULL text. */
static int values_from_row(struct sql_value values[VALUES_MAX], const char *types,
                           struct sql_stmt *row)
{
        int count;

        for (count = 0; types[count]; count++) {
                if (count == VALUES_MAX)
                        return refuse(-EIO, "more than %d values for one statement", VALUES_MAX);
                values[count] = (struct sql_value){ .type = 't', .text = NULL };
                if (column_is_null(row, count))
                        continue;
                values[count].type = types[count];
                if (types[count] == 'i')
                        values[count].i = column_int64(row, count);
                else if (!(values[count].text = column_string(row, count)))
                        return refuse(-ENOMEM, "out of memory");
        }
        return count;
}

/* The cached statement for `sql` with the values bound: 0 and *ret, or -errno. */
static int prepare_values(struct model *m, struct sql_stmt **ret, const char *sql,
                          const struct sql_value *values, int count)
{
        struct sql_stmt *s = NULL;
        int r;

        r = count < 0 ? count : stmt_lookup(m, sql, &s);
        if (r >= 0)
                r = m->backend->bind(s, values, count);
        if (r < 0)
                return r;
        *ret = s;
        return 0;
}

static int prepare_va(struct model *m, struct sql_stmt **ret, const char *sql, const char *types,
                      va_list ap)
{
        struct sql_value values[VALUES_MAX];

        return prepare_values(m, ret, sql, values, values_from_args(values, types, ap));
}

int sql_prepare(struct model *m, struct sql_stmt **ret, const char *sql, const char *types, ...)
{
        va_list ap;
        int r;

        va_start(ap, types);
        r = prepare_va(m, ret, sql, types, ap);
        va_end(ap);
        return r;
}

int sql_prefetch(struct sql_stmt *s)
{
        return s->backend->prefetch ? s->backend->prefetch(s) : 0;
}

int sql_step(struct sql_stmt *s)
{
        return s->backend->step(s);
}

void sql_reset(struct sql_stmt *s)
{
        s->backend->reset(s);
}

/* Steps a bound statement to completion; the rows it changed, or -errno. */
static int run_to_end(struct model *m, struct sql_stmt *s)
{
        int r;

        while ((r = sql_step(s)) > 0)
                ;
        return r < 0 ? r : (int)m->backend->changes(m->conn);
}

/* Runs a statement to completion; the rows it changed, or -errno. */
static int exec_va(struct model *m, const char *sql, const char *types, va_list ap)
{
        struct sql_stmt *s;
        int r;

        r = prepare_va(m, &s, sql, types, ap);
        return r < 0 ? r : run_to_end(m, s);
}

int sql_exec(struct model *m, const char *sql, const char *types, ...)
{
        va_list ap;
        int r;

        va_start(ap, types);
        r = exec_va(m, sql, types, ap);
        va_end(ap);
        return r;
}

int sql_write(struct model *m, const char *sql, const char *types, ...)
{
        struct sql_stmt *s;
        va_list ap;
        int r;

        va_start(ap, types);
        r = prepare_va(m, &s, sql, types, ap);
        va_end(ap);
        if (r >= 0 && m->backend->send)
                return m->backend->send(s);
        if (r >= 0)
                r = run_to_end(m, s);
        return r < 0 ? r : 0;
}

int sql_exec_row(struct model *m, const char *sql, const char *types, struct sql_stmt *row)
{
        struct sql_value values[VALUES_MAX];
        struct sql_stmt *s;
        int r;

        r = prepare_values(m, &s, sql, values, values_from_row(values, types, row));
        return r < 0 ? r : run_to_end(m, s);
}

int sql_insert(struct model *m, int64_t *ret_id, const char *sql, const char *types, ...)
{
        struct sql_stmt *s;
        int64_t id = 0;
        va_list ap;
        int r;

        va_start(ap, types);
        r = prepare_va(m, &s, sql, types, ap);
        va_end(ap);
        if (r >= 0)
                r = sql_step(s);
        if (r > 0) {
                id = column_int64(s, 0);
                r = run_to_end(m, s);           /* the RETURNING row of one row inserted */
        } else if (r == 0) {
                r = refuse(-ENOENT, "nothing inserted");
        }
        if (r < 0)
                return r;
        *ret_id = id;
        return 0;
}

/*
 * Reads the first row's first column into *ret_int, or as text into buf (size bytes), and
 * ends the result: 0, -ENOENT when there is no row, or -errno.
 */
static int value_va(struct model *m, int64_t *ret_int, char *buf, size_t size, const char *sql,
                    const char *types, va_list ap)
{
        struct sql_stmt *s;
        int r;

        r = prepare_va(m, &s, sql, types, ap);
        if (r >= 0)
                r = sql_step(s);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        if (ret_int)
                *ret_int = column_int64(s, 0);
        else
                column_text(s, 0, buf, size);
        sql_reset(s);
        return 0;
}

int sql_int(struct model *m, int64_t *ret, const char *sql, const char *types, ...)
{
        va_list ap;
        int r;

        va_start(ap, types);
        r = value_va(m, ret, NULL, 0, sql, types, ap);
        va_end(ap);
        return r;
}

int sql_text(struct model *m, char *buf, size_t size, const char *sql, const char *types, ...)
{
        va_list ap;
        int r;

        va_start(ap, types);
        r = value_va(m, NULL, buf, size, sql, types, ap);
        va_end(ap);
        return r;
}

int collect_ids(struct model *m, int64_t **ret, size_t *ret_count, const char *sql,
                const char *types, ...)
{
        size_t count = 0, size = 16;
        int64_t *ids, *grown;
        struct sql_stmt *s;
        va_list ap;
        int r;

        ids = malloc(size * sizeof(*ids));
        if (!ids)
                return refuse(-ENOMEM, "out of memory");
        va_start(ap, types);
        r = prepare_va(m, &s, sql, types, ap);
        va_end(ap);
        while (r >= 0 && (r = sql_step(s)) > 0) {
                if (count == size) {
                        grown = realloc(ids, 2 * size * sizeof(*ids));
                        if (!grown) {
                                sql_reset(s);
                                r = refuse(-ENOMEM, "out of memory");
                                break;
                        }
                        ids = grown;
                        size *= 2;
                }
                ids[count++] = column_int64(s, 0);
        }
        if (r < 0) {
                free(ids);
                return r;
        }
        *ret = ids;
        *ret_count = count;
        return 0;
}

int64_t sql_changes_total(struct model *m)
{
        return m->backend->changes_total(m->conn);
}

/* --- the current row -------------------------------------------------------------------------- */

int64_t column_int64(struct sql_stmt *s, int col)
{
        return s->backend->column_int64(s, col);
}

const char *column_string(struct sql_stmt *s, int col)
{
        return s->backend->column_string(s, col);
}

bool column_is_null(struct sql_stmt *s, int col)
{
        return s->backend->column_is_null(s, col);
}

void column_text(struct sql_stmt *s, int col, char *buf, size_t size)
{
        const char *text = column_string(s, col);

        snprintf(buf, size, "%s", text ? text : "");
}

/* --- lookups by name -------------------------------------------------------------------------- */

static const struct lookup {
        const char *sql;
        const char *what;
        int (*valid)(const char *name, const char *what);
} lookups[] = {
        [LOOKUP_PRODUCT] = { "SELECT id FROM products WHERE sku = $1", "product", check_name },
        [LOOKUP_GROUP] = { "SELECT id FROM security_groups WHERE name = $1", "group",
                           check_name },
        [LOOKUP_USER] = { "SELECT id FROM users WHERE upn = $1 AND deleted IS NULL", "user",
                          check_upn_named },
        [LOOKUP_DELETED_USER] = { "SELECT id FROM users WHERE upn = $1 AND deleted IS NOT NULL",
                                  "deleted user", check_upn_named },
};

int ids_lookup(struct model *m, const struct id_lookup *want, size_t count)
{
        struct sql_stmt *stmts[LOOKUP_KINDS] = { NULL };
        size_t i;
        int r = 0;

        if (count > LOOKUP_KINDS)
                return refuse(-EIO, "more than %d lookups at once", LOOKUP_KINDS);
        /* Every well-formed name's query goes first; a server answers them in one round trip. */
        for (i = 0; i < count && r >= 0; i++) {
                const struct lookup *l = &lookups[want[i].kind];

                if (l->valid(want[i].name, l->what) < 0)
                        break;
                r = sql_prepare(m, &stmts[i], l->sql, "t", want[i].name);
                if (r >= 0)
                        r = sql_prefetch(stmts[i]);
        }
        /* In order, so that a refusal names the first name that is wrong or missing. */
        for (i = 0; i < count && r >= 0; i++) {
                const struct lookup *l = &lookups[want[i].kind];

                r = l->valid(want[i].name, l->what);
                if (r >= 0)
                        r = sql_step(stmts[i]);
                if (r == 0)
                        r = refuse(-ENOENT, "no %s named '%s'", l->what, want[i].name);
                if (r > 0) {
                        *want[i].id = column_int64(stmts[i], 0);
                        sql_reset(stmts[i]);
                }
        }
        for (; i < count; i++)
                if (stmts[i])
                        sql_reset(stmts[i]);
        return r < 0 ? r : 0;
}

/* A name that breaks the rules is EINVAL (it can never exist), an unknown one ENOENT. */
static int64_t lookup_id(struct model *m, enum lookup_kind kind, const char *name)
{
        int64_t id = 0;
        struct id_lookup want = { kind, name, &id };
        int r = ids_lookup(m, &want, 1);

        return r < 0 ? r : id;
}

int64_t product_id(struct model *m, const char *sku)
{
        return lookup_id(m, LOOKUP_PRODUCT, sku);
}

int64_t user_id(struct model *m, const char *upn)
{
        return lookup_id(m, LOOKUP_USER, upn);
}

int64_t deleted_user_id(struct model *m, const char *upn)
{
        return lookup_id(m, LOOKUP_DELETED_USER, upn);
}

int64_t group_id(struct model *m, const char *name)
{
        return lookup_id(m, LOOKUP_GROUP, name);
}
