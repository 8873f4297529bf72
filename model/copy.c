/*
 * Copying a whole tenant from one model to another, whatever their backends: every row of
 * every table, ids included, so that everything derived from them (seat order, the waiting
 * queue, join order, the audit log's offsets, times, deleted users' purge windows) is the same
 * in the copy. FROM is read in one read transaction (one snapshot, so a tenant in use copies
 * as it was at one moment) and TO written in one write transaction (all or nothing). Only
 * the db layer is used, and SQL every backend speaks: explicit column lists and ORDER BY the
 * key, so two copies of one tenant are written in the same order.
 *
 * Rows go in with their ids, so a backend whose ids come from sequences must move them past
 * the copied ids (test_copy adds rows to a copy). What no table holds is not copied: the
 * engine's own counters (SQLite's AUTOINCREMENT of members may give a later membership another
 * number than FROM would; the join order is the same) and the audit limit, a mount option.
 */
#include <errno.h>

#include "db_backend.h"
#include "internal.h"

#define P1 "$1"
#define P2 P1 ", $2"
#define P3 P2 ", $3"
#define P4 P3 ", $4"
#define P5 P4 ", $5"
#define P6 P5 ", $6"
#define P7 P6 ", $7"
#define P8 P7 ", $8"
#define P9 P8 ", $9"

/* A table of n columns: its statements made from the column list, once, at build time. */
#define TABLE(table, n, column_types, column_list, key, every) {                    \
        .name = table,                                                                 \
        .columns = column_list,                                                        \
        .types = column_types,                                                         \
        .select = "SELECT " column_list " FROM " table " ORDER BY " key,               \
        .insert = "INSERT INTO " table " (" column_list ") VALUES (" P##n ")",         \
        .clear = "DELETE FROM " table,                                                 \
        .every_tenant = every,                                                           \
}

/*
 * Parents before children, so that every row a row refers to is there before it (and gone
 * after it when TO is emptied, children first). The tenant row and the shipped service-plan
 * rules exist in every tenant, an empty one too.
 */
const struct copy_table copy_tables[] = {
        TABLE("tenant", 5, "ittit", "id, name, usage_location, next_queue, object_id", "id",
              true),
        TABLE("products", 9, "itttiiiii", "id, sku, name, sku_id, total, expiring_soon, "
              "assigned, waiting, created", "id", false),
        TABLE("users", 7, "itttiit", "id, upn, display_name, usage_location, created, "
              "deleted, object_id", "id", false),
        TABLE("security_groups", 4, "itit", "id, name, created, object_id", "id", false),
        TABLE("plans", 5, "iittt", "id, product_id, name, guid, friendly_name", "id", false),
        TABLE("sku_aliases", 3, "tii", "sku_id, product_id, seen", "sku_id", false),
        TABLE("members", 4, "iiii", "id, group_id, user_id, since", "id", false),
        TABLE("inactive_members", 3, "iii", "user_id, group_id, since", "user_id, group_id",
              false),
        TABLE("group_licenses", 3, "iii", "group_id, product_id, since",
              "group_id, product_id", false),
        TABLE("subscriptions", 8, "iitiiiti",
              "id, product_id, name, seats, ends, trial, status, created", "id", false),
        TABLE("seats", 7, "iiiiiit", "product_id, user_id, active, direct, since, queue, reason",
              "product_id, user_id", false),
        TABLE("suspended_paths", 3, "iit", "user_id, product_id, group_name",
              "user_id, product_id, group_name", false),
        TABLE("direct_disabled_plans", 3, "iii", "product_id, user_id, plan_id",
              "product_id, user_id, plan_id", false),
        TABLE("group_disabled_plans", 3, "iii", "product_id, group_id, plan_id",
              "product_id, group_id, plan_id", false),
        TABLE("plan_conflicts", 2, "it", "set_no, plan", "set_no, plan", true),
        TABLE("plan_dependencies", 2, "tt", "plan, needs", "plan, needs", true),
        TABLE("audit", 9, "iiittttii", "id, time, uid, op, object, result, reason, start, len",
              "id", false),
};

const size_t copy_table_count = sizeof(copy_tables) / sizeof(copy_tables[0]);

/* 0 when `to` holds no tenant: no row but those every tenant has; else -ENOTEMPTY. */
static int target_empty(struct model *to)
{
        struct sql_stmt *s;
        size_t i;
        int r;

        for (i = 0; i < copy_table_count; i++) {
                if (copy_tables[i].every_tenant)
                        continue;
                r = sql_prepare(to, &s, copy_tables[i].select, "");
                if (r >= 0)
                        r = sql_step(s);
                if (r < 0)
                        return r;
                if (r > 0) {
                        sql_reset(s);
                        return refuse(-ENOTEMPTY, "the tenant copied to is not empty (%s)",
                                      copy_tables[i].name);
                }
        }
        return 0;
}

/*
 * Inserts each row of FROM's table into TO's as it is read: the row's strings are bound
 * straight from FROM's statement. A failure leaves FROM's statement mid-result, which the end
 * of its transaction resets.
 */
static int copy_table(struct model *from, struct model *to, const struct copy_table *t)
{
        struct sql_stmt *row;
        int r;

        r = sql_prepare(from, &row, t->select, "");
        while (r >= 0 && (r = sql_step(row)) > 0) {
                r = sql_exec_row(to, t->insert, t->types, row);
                if (r == 0)
                        r = refuse(-EIO, "a row of %s was not copied", t->name);
        }
        return r;
}

static int copy_all(struct model *from, struct model *to, unsigned flags)
{
        size_t i;
        int r = 0;

        if (!(flags & MODEL_COPY_REPLACE))
                r = target_empty(to);
        for (i = copy_table_count; r >= 0 && i-- > 0;)
                r = sql_exec(to, copy_tables[i].clear, "");
        for (i = 0; r >= 0 && i < copy_table_count; i++)
                r = copy_table(from, to, &copy_tables[i]);
        if (r >= 0 && to->backend->ids_resync)
                r = to->backend->ids_resync(to->conn);
        return r < 0 ? r : 0;
}

int model_copy(struct model *from, struct model *to, unsigned flags)
{
        int r;

        reason_clear();
        if (flags & ~MODEL_COPY_REPLACE)
                return refuse(-EINVAL, "unknown copy flags %#x", flags);
        if (from == to)
                return refuse(-EINVAL, "a tenant cannot be copied onto itself");
        /* TO's audit log is FROM's, line for line: the copy must not add one of its own. */
        model_set_actor(NULL);
        r = tx_begin(from, false);
        if (r < 0)
                return r;
        r = tx_begin(to, true);
        if (r >= 0)
                r = tx_end(to, copy_all(from, to, flags));
        return tx_end(from, r);
}
