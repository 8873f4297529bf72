/*
 * Assignments: a product given to a user directly or to a group, a snapshot's direct license
 * taken as it is, and the records of who holds a seat and who waits. The refusal reasons use
 * the service's own words where it has them; the seats themselves are the seat engine's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Ends the direct path and its options; the claim stays while a group gives it. */
int direct_path_drop(struct model *m, int64_t product, int64_t user)
{
        int r;

        r = sql_write(m, "DELETE FROM direct_disabled_plans WHERE product_id = $1 AND "
                      "user_id = $2", "ii", product, user);
        return r < 0 ? r : seat_drop_direct(m, product, user);
}

int direct_assign(struct model *m, const char *sku, const char *upn, bool check_rules,
                  struct path_ids *ret)
{
        struct plan_rules_probe probe;
        struct path_ids ids = { 0 };
        int64_t free_seats = 0;
        bool located = false, claimed = false, held = false, blocked = false, ruled = false;
        bool unsettled = false, direct = false;
        struct sql_stmt *s;
        int r;

        /*
         * The ids, the usage location, the claim, the free seats and whether a service-plan
         * rule may apply in one query (a round trip each on a server); when it finds nothing,
         * path_resolve gives the refusal.
         */
        r = sql_prepare(m, &s, "SELECT p.id, u.id, u.usage_location <> '', s.active, "
                        "p.total - p.assigned, " PRODUCT_RULED_SQL("p.id") ", "
                        USER_UNSETTLED_SQL("u.id") ", s.direct FROM products p "
                        "JOIN users u ON u.upn = $2 AND u.deleted IS NULL LEFT JOIN seats s ON "
                        "s.product_id = p.id AND s.user_id = u.id WHERE p.sku = $1", "tt", sku,
                        upn);
        if (r >= 0)
                r = sql_step(s);
        if (r > 0) {
                ids.product = column_int64(s, 0);
                ids.user = column_int64(s, 1);
                located = column_int64(s, 2) != 0;
                claimed = !column_is_null(s, 3);
                held = claimed && column_int64(s, 3) == SEAT_HELD;
                blocked = claimed && column_int64(s, 3) == SEAT_BLOCKED;
                free_seats = column_int64(s, 4);
                ruled = column_int64(s, 5) != 0;
                unsettled = column_int64(s, 6) != 0;
                direct = held && column_int64(s, 7) != 0;
                sql_reset(s);
        } else if (r == 0) {
                r = path_resolve(m, sku, NULL, upn, &ids);
                if (r >= 0)
                        r = refuse(-EIO, "product '%s' or user '%s' vanished", sku, upn);
        }
        if (r < 0)
                return r;
        /* Held directly already (touch of an existing file): nothing to write, no audit line. */
        if (direct) {
                if (ret)
                        *ret = ids;
                return 0;
        }
        if (!located)
                return refuse(-EINVAL, "License assignment cannot be done for user with invalid "
                              "usage location. ('%s' has none)", upn);

        if (!held && free_seats <= 0)
                return refuse(-ENOSPC, "Subscription for '%s' does not have any available "
                              "licenses.", sku);
        if (check_rules && ruled) {
                r = plan_rules_before(m, RULES_USER, ids.user, false, &probe);
                if (r < 0)
                        return r;
        }
        /*
         * A new claim is a direct seat, and so is one a rule held back through groups (which
         * the rules check then refuses if it still holds); an existing one (a group's seat, or
         * a wait) becomes direct.
         */
        if (blocked)
                r = seat_drop_blocked(m, ids.product, ids.user);
        if (r >= 0 && (!claimed || blocked))
                r = seat_grant_direct(m, ids.product, ids.user);
        else if (r >= 0)
                r = seat_set_direct(m, ids.product, ids.user, true);
        if (check_rules && ruled)
                r = plan_rules_after(m, &probe, r);
        /* What it enables may free a claim a rule held back (it takes nothing away). */
        if (r >= 0 && ruled && unsettled)
                r = seat_settle_user_later(m, ids.user);
        if (r >= 0 && ret)
                *ret = ids;
        return r;
}

int model_direct_assign(struct model *m, const char *sku, const char *upn)
{
        return WRITE_TX(m, direct_assign(m, sku, upn, true, NULL));
}

static int direct_remove(struct model *m, const char *sku, const char *upn)
{
        struct plan_rules_probe probe;
        struct path_ids ids = { 0 };
        bool held = false, direct = false, ruled = false, options = false;
        struct sql_stmt *s;
        int r;

        /*
         * The ids, the seat, whether the direct path has options and whether a service-plan
         * rule may apply in one query; when it finds nothing, path_resolve says why.
         */
        r = sql_prepare(m, &s, "SELECT p.id, u.id, s.active, s.direct, "
                        PRODUCT_RULED_SQL("p.id") ", EXISTS (SELECT 1 FROM direct_disabled_plans "
                        "d WHERE d.product_id = p.id AND d.user_id = u.id) FROM products p JOIN "
                        "users u ON u.upn = $2 AND u.deleted IS NULL LEFT JOIN seats s ON "
                        "s.product_id = p.id AND s.user_id = u.id WHERE p.sku = $1", "tt", sku,
                        upn);
        if (r >= 0)
                r = sql_step(s);
        if (r > 0) {
                ids.product = column_int64(s, 0);
                ids.user = column_int64(s, 1);
                held = column_int64(s, 2) == SEAT_HELD;
                direct = column_int64(s, 3) != 0;
                ruled = column_int64(s, 4) != 0;
                options = column_int64(s, 5) != 0;
                sql_reset(s);
        } else if (r == 0) {
                r = path_resolve(m, sku, NULL, upn, &ids);
                if (r >= 0)
                        r = refuse(-EIO, "product '%s' or user '%s' vanished", sku, upn);
        }
        if (r < 0)
                return r;
        if (!held)
                return refuse(-ENOENT, "'%s' does not hold '%s'", upn, sku);
        if (!direct)
                return refuse(-EPERM, "User license is inherited from a group membership and it "
                              "cannot be removed directly from the user. ('%s', '%s')", upn, sku);
        if (ruled) {
                r = plan_rules_before(m, RULES_USER, ids.user, false, &probe);
                if (r < 0)
                        return r;
        }
        /* Most direct paths have no options: no statement to delete none. */
        r = options ? direct_path_drop(m, ids.product, ids.user)
                    : seat_drop_direct(m, ids.product, ids.user);
        if (ruled)
                r = plan_rules_after(m, &probe, r);
        return r < 0 ? r : 0;
}

int model_direct_remove(struct model *m, const char *sku, const char *upn)
{
        return WRITE_TX(m, direct_remove(m, sku, upn));
}

int model_holder_get(struct model *m, const char *sku, const char *upn, struct model_holder *ret)
{
        return READ_TX(m, seat_get(m, sku, upn, SEAT_HELD, ret));
}

/*
 * The parts of a holder's record after its seat, from product `pid` and user `uid` (columns
 * or parameters): the groups that give it, the direct path's disabled plans, the enabled
 * plans. Each row is the part and a name, between the columns `head` and `tail`, and `from`
 * comes first among the tables; joins are in WHERE alone, so that it reads alike on every
 * backend.
 */
#define RECORD_PART(part, name, head, tail, from, tables, where)                               \
        "SELECT " head #part ", " name tail " FROM " from tables " WHERE " where
#define RECORD_PARTS(head, tail, from, pid, uid)                                               \
        RECORD_PART(1, "g.name", head, tail, from, "members mb, group_licenses gl, "           \
                    "security_groups g", "mb.user_id = " uid " AND gl.group_id = mb.group_id " \
                    "AND gl.product_id = " pid " AND g.id = mb.group_id") " UNION ALL "        \
        RECORD_PART(2, "pl.name", head, tail, from, "direct_disabled_plans d, plans pl",       \
                    "d.product_id = " pid " AND d.user_id = " uid " AND pl.id = d.plan_id")   \
        " UNION ALL "                                                                          \
        RECORD_PART(3, "pl.name", head, tail, from, "products p, users u, plans pl",           \
                    "p.id = " pid " AND u.id = " uid " AND pl.product_id = p.id AND "          \
                    PLAN_ENABLED_SQL)

/* The held seats of product $1, with their products (p) and users (u). */
#define HELD_SEATS_SQL                                                                         \
        "FROM products p JOIN seats s ON s.product_id = p.id AND s.active = 1 JOIN users u ON " \
        "u.id = s.user_id WHERE p.sku = $1"

/*
 * Every holder of product $1 (h, not materialized, so that no copy of them all is made), then
 * once per part of their records: rows of (UPN, part, name, direct, since), in order. The name
 * column of the seat's part is a name column too (ignored), so that the parts sort by name
 * alike on every backend.
 */
#define RECORDS_SQL                                                                            \
        "WITH h AS NOT MATERIALIZED (SELECT p.id AS pid, u.id AS uid, u.upn AS upn, s.direct " \
        "AS direct, s.since AS since " HELD_SEATS_SQL ") SELECT h.upn, 0, h.upn, h.direct, "    \
        "h.since FROM h UNION ALL "                                                            \
        RECORD_PARTS("h.upn, ", ", h.direct, h.since", "h, ", "h.pid", "h.uid")               \
        " ORDER BY 1, 2, 3"

/* The current row of a records statement; its names are valid until the next step. */
static int record_row(struct sql_stmt *s, struct model_record_row *ret)
{
        ret->upn = column_string(s, 0);
        ret->part = (enum model_record_part)column_int64(s, 1);
        ret->name = column_string(s, 2);
        ret->direct = column_int64(s, 3) != 0;
        ret->since = (time_t)column_int64(s, 4);
        return ret->upn && ret->name ? 0 : refuse(-ENOMEM, "out of memory");
}

static int records_all(struct model *m, const char *sku, model_record_fn fn, void *ctx)
{
        struct model_record_row row;
        struct sql_stmt *s;
        int64_t product;
        int r;

        r = sql_int(m, &product, "SELECT id FROM products WHERE sku = $1", "t", sku);
        if (r == -ENOENT)
                return refuse(-ENOENT, "no such product: %s", sku);
        if (r >= 0)
                r = sql_prepare(m, &s, RECORDS_SQL, "t", sku);
        while (r >= 0 && (r = sql_step(s)) > 0) {
                r = record_row(s, &row);
                if (r >= 0)
                        r = fn(ctx, &row);
                if (r != 0) {
                        sql_reset(s);
                        break;
                }
        }
        return r;
}

int model_holder_records(struct model *m, const char *sku, model_record_fn fn, void *ctx)
{
        return READ_TX(m, records_all(m, sku, fn, ctx));
}

/* One holder's rows, kept (their names copied; the UPN is the caller's) to be put in order. */
struct record_rows {
        struct model_record_row *rows;
        size_t count, size;
};

static int rows_keep(struct record_rows *kept, const struct model_record_row *row,
                     const char *upn)
{
        struct model_record_row *grown, *copy;

        if (kept->count == kept->size) {
                size_t size = kept->size ? 2 * kept->size : 8;

                grown = realloc(kept->rows, size * sizeof(*grown));
                if (!grown)
                        return refuse(-ENOMEM, "out of memory");
                kept->rows = grown;
                kept->size = size;
        }
        copy = &kept->rows[kept->count];
        *copy = *row;
        copy->upn = upn;
        copy->name = strdup(row->name);
        kept->count++;
        return copy->name ? 0 : refuse(-ENOMEM, "out of memory");
}

static void rows_free(struct record_rows *kept)
{
        size_t i;

        for (i = 0; i < kept->count; i++)
                free((char *)kept->rows[i].name);
        free(kept->rows);
}

/* The parts in their order, each by name in byte order: the backends' ORDER BY (collation C). */
static int row_order(const void *a, const void *b)
{
        const struct model_record_row *x = a, *y = b;

        if (x->part != y->part)
                return x->part < y->part ? -1 : 1;
        return strcmp(x->name, y->name);
}

/*
 * One holder's record: its seat, then its parts (kept, their names copied, to be put in order
 * here, which spares the statement a sort per part). Two statements: the seat's and the
 * parts' from its ids cost less than one that gathers the seat first, and a seat that is not
 * there (a touch's lookup of a new holder) costs only the first.
 */
static int record_sorted(struct model *m, const char *sku, const char *upn, model_record_fn fn,
                         void *ctx)
{
        struct model_record_row seat = { .upn = upn, .part = MODEL_RECORD_SEAT, .name = upn };
        struct record_rows kept = { 0 };
        struct model_record_row row;
        int64_t product = 0, user = 0;
        struct sql_stmt *s;
        size_t i;
        int r;

        r = sql_prepare(m, &s, "SELECT p.id, u.id, s.direct, s.since " HELD_SEATS_SQL
                        " AND u.upn = $2", "tt", sku, upn);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                return refuse(-ENOENT, "'%s' does not hold '%s'", upn, sku);
        if (r > 0) {
                product = column_int64(s, 0);
                user = column_int64(s, 1);
                seat.direct = column_int64(s, 2) != 0;
                seat.since = (time_t)column_int64(s, 3);
                sql_reset(s);
                r = sql_prepare(m, &s, RECORD_PARTS("", "", "", "$1", "$2"), "ii", product, user);
        }
        while (r >= 0 && (r = sql_step(s)) > 0) {
                row = seat;
                row.part = (enum model_record_part)column_int64(s, 0);
                row.name = column_string(s, 1);
                r = row.name ? rows_keep(&kept, &row, upn) : refuse(-ENOMEM, "out of memory");
                if (r < 0)
                        sql_reset(s);
        }
        if (r >= 0 && kept.count)
                qsort(kept.rows, kept.count, sizeof(*kept.rows), row_order);
        r = r < 0 ? r : fn(ctx, &seat);
        for (i = 0; r == 0 && i < kept.count; i++)
                r = fn(ctx, &kept.rows[i]);
        rows_free(&kept);
        return r;
}

int model_holder_record(struct model *m, const char *sku, const char *upn, model_record_fn fn,
                        void *ctx)
{
        return READ_TX(m, record_sorted(m, sku, upn, fn, ctx));
}

static int waiter_get(struct model *m, const char *sku, const char *upn,
                      struct model_waiter *ret)
{
        struct model_holder seat;
        int r;

        r = seat_get(m, sku, upn, SEAT_WAITING, &seat);
        if (r < 0)
                return r;
        ret->direct = seat.direct;
        ret->since = seat.since;
        ret->groups = seat.groups;
        return 0;
}

int model_waiter_get(struct model *m, const char *sku, const char *upn, struct model_waiter *ret)
{
        return READ_TX(m, waiter_get(m, sku, upn, ret));
}

int model_error_get(struct model *m, const char *sku, const char *upn, struct model_error *ret)
{
        return READ_TX(m, seat_error_get(m, sku, upn, ret));
}

static int direct_withdraw(struct model *m, const char *sku, const char *upn)
{
        struct model_error *error;
        struct path_ids ids;
        bool direct;
        int r;

        /* Any error (a claim a rule holds back too): those only groups give are EPERM. */
        error = malloc(sizeof(*error));         /* large (the reason's room) */
        if (!error)
                return refuse(-ENOMEM, "out of memory");
        r = seat_error_get(m, sku, upn, error);
        direct = r >= 0 && error->direct;
        free(error);
        if (r < 0)
                return r;
        if (!direct)
                return refuse(-EPERM, "'%s' waits for '%s' only through groups; end the "
                              "membership or the group's license instead", upn, sku);
        r = path_resolve(m, sku, NULL, upn, &ids);
        if (r >= 0)
                r = direct_path_drop(m, ids.product, ids.user);
        return r < 0 ? r : 0;
}

int model_direct_withdraw(struct model *m, const char *sku, const char *upn)
{
        return WRITE_TX(m, direct_withdraw(m, sku, upn));
}

/* Records the group's license of the product: 1 when new, 0 when it was there, or -errno. */
static int group_license_insert(struct model *m, const char *sku, const char *group,
                                struct path_ids *ids)
{
        int r = path_resolve(m, sku, group, NULL, ids);

        if (r >= 0)
                r = sql_exec(m, "INSERT INTO group_licenses (group_id, product_id, since) "
                             "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", "iii", ids->group,
                             ids->product, (int64_t)model_now(m));
        return r;
}

static int group_license_add(struct model *m, const char *sku, const char *group)
{
        struct path_ids ids;
        int r;

        r = group_license_insert(m, sku, group, &ids);
        if (r <= 0)
                return r;               /* assigned already (0), or an error */
        r = seat_paths_changed(m, ids.group, ids.product, 0, true);
        if (r >= 0)
                r = plan_rules_product_ruled(m, ids.product);
        return r <= 0 ? r : plan_rules_group_check(m, ids.group);
}

int model_group_license_add(struct model *m, const char *sku, const char *group)
{
        return WRITE_TX(m, group_license_add(m, sku, group));
}

static int group_license_import(struct model *m, const char *sku, const char *group,
                                const char *const *disabled, size_t count)
{
        struct path_ids ids;
        int r;

        r = group_license_insert(m, sku, group, &ids);
        /* The options first, so that the members' claims are checked with them. */
        if (r >= 0)
                r = group_disabled_replace(m, ids.product, ids.group, disabled, count);
        if (r >= 0)
                r = seat_paths_changed(m, ids.group, ids.product, 0, true);
        return r < 0 ? r : 0;
}

int model_group_license_import(struct model *m, const char *sku, const char *group,
                               const char *const *disabled, size_t count)
{
        return WRITE_TX(m, group_license_import(m, sku, group, disabled, count));
}

static int group_license_remove(struct model *m, const char *sku, const char *group)
{
        struct path_ids ids;
        int r;

        r = path_resolve(m, sku, group, NULL, &ids);
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM group_licenses WHERE group_id = $1 "
                             "AND product_id = $2", "ii", ids.group, ids.product);
        if (r == 0)
                return refuse(-ENOENT, "'%s' is not assigned to group '%s'", sku, group);
        if (r >= 0)
                r = sql_write(m, "DELETE FROM group_disabled_plans WHERE group_id = $1 AND "
                              "product_id = $2", "ii", ids.group, ids.product);
        if (r >= 0)
                r = seat_paths_changed(m, ids.group, ids.product, 0, false);
        return r < 0 ? r : 0;
}

int model_group_license_remove(struct model *m, const char *sku, const char *group)
{
        return WRITE_TX(m, group_license_remove(m, sku, group));
}

static int group_license_get(struct model *m, const char *sku, const char *group,
                             struct model_group_license *ret)
{
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT gl.since, "
                        "(SELECT count(*) FROM members WHERE group_id = gl.group_id), "
                        "(SELECT count(*) FROM members mb JOIN seats s ON s.user_id = mb.user_id "
                        " AND s.product_id = gl.product_id AND s.active IN (0, 3) "
                        " WHERE mb.group_id = gl.group_id) "
                        "FROM group_licenses gl JOIN products p ON p.id = gl.product_id "
                        "JOIN security_groups g ON g.id = gl.group_id "
                        "WHERE p.sku = $1 AND g.name = $2", "tt", sku, group);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                r = refuse(-ENOENT, "'%s' is not assigned to group '%s'", sku, group);
        if (r < 0)
                return r;
        ret->since = column_int64(s, 0);
        ret->members = column_int64(s, 1);
        ret->errors = column_int64(s, 2);
        sql_reset(s);
        return 0;
}

int model_group_license_get(struct model *m, const char *sku, const char *group,
                            struct model_group_license *ret)
{
        return READ_TX(m, group_license_get(m, sku, group, ret));
}

static int group_waiter_get(struct model *m, const char *group, const char *upn,
                            struct model_waiter *ret)
{
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT min(s.since), count(*) FROM security_groups g "
                        "JOIN members mb ON mb.group_id = g.id "
                        "JOIN users u ON u.id = mb.user_id "
                        "JOIN group_licenses gl ON gl.group_id = g.id "
                        "JOIN seats s ON s.product_id = gl.product_id AND s.user_id = u.id "
                        "WHERE g.name = $1 AND u.upn = $2 AND s.active = 0", "tt", group, upn);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0 || (r > 0 && column_int64(s, 1) == 0))
                r = refuse(-ENOENT, "'%s' does not wait for a product of group '%s'", upn, group);
        if (r < 0)
                return r;
        ret->since = column_int64(s, 0);
        ret->groups = 1;
        sql_reset(s);
        return 0;
}

int model_group_waiter_get(struct model *m, const char *group, const char *upn,
                           struct model_waiter *ret)
{
        return READ_TX(m, group_waiter_get(m, group, upn, ret));
}

static int direct_import(struct model *m, const char *sku, const char *upn,
                         const char *const *disabled, size_t count)
{
        struct path_ids ids;
        int r, waiting;

        r = path_resolve(m, sku, NULL, upn, &ids);
        if (r < 0)
                return r;
        r = waiting = seat_import_direct(m, ids.product, ids.user);
        if (r >= 0)
                r = direct_disabled_replace(m, ids.product, ids.user, disabled, count);
        return r < 0 ? r : waiting;
}

int model_direct_import(struct model *m, const char *sku, const char *upn,
                        const char *const *disabled, size_t count)
{
        return WRITE_TX(m, direct_import(m, sku, upn, disabled, count));
}
