/*
 * What each committed change touched, for a cache that must forget it (licensefs keeps the
 * kernel's entry and attribute caches, and must invalidate them). The capture is done by
 * temporary triggers on this connection only: every table a change can write reports the
 * names it touched into temp.changes, in the change's own transaction, so a rolled-back change
 * reports nothing and no code path that writes can forget to report. tx_end takes the rows
 * before COMMIT and hands them to the watcher after the model is unlocked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define USER_OF(id) "SELECT 1, upn, '' FROM main.users WHERE id = " id
#define MEMBERS_OF(id) "SELECT 1, u.upn, '' FROM main.members mb JOIN main.users u ON " \
        "u.id = mb.user_id WHERE mb.group_id = " id
#define ON(event, table, name, body) \
        "CREATE TEMP TRIGGER " name " AFTER " event " ON main." table " BEGIN " body "; END;"
#define NOTE "INSERT OR IGNORE INTO changes "

/* Kinds as in enum model_change_kind. */
static const char watch_sql[] =
        "CREATE TEMP TABLE changes (kind INTEGER NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL,"
        "  UNIQUE (kind, a, b));"
        /* a user's seats, paths, options, memberships, record: everything named after them */
        ON("INSERT", "seats", "ch_seat_new", NOTE USER_OF("NEW.user_id"))
        ON("UPDATE", "seats", "ch_seat_set", NOTE USER_OF("NEW.user_id"))
        ON("DELETE", "seats", "ch_seat_gone", NOTE USER_OF("OLD.user_id"))
        ON("INSERT", "members", "ch_member_new", NOTE USER_OF("NEW.user_id"))
        ON("DELETE", "members", "ch_member_gone", NOTE USER_OF("OLD.user_id"))
        ON("INSERT", "inactive_members", "ch_inactive_new", NOTE USER_OF("NEW.user_id"))
        ON("DELETE", "inactive_members", "ch_inactive_gone", NOTE USER_OF("OLD.user_id"))
        ON("INSERT", "suspended_paths", "ch_suspended_new", NOTE USER_OF("NEW.user_id"))
        ON("DELETE", "suspended_paths", "ch_suspended_gone", NOTE USER_OF("OLD.user_id"))
        ON("INSERT", "direct_disabled_plans", "ch_ddp_new", NOTE USER_OF("NEW.user_id"))
        ON("DELETE", "direct_disabled_plans", "ch_ddp_gone", NOTE USER_OF("OLD.user_id"))
        ON("UPDATE", "users", "ch_user_set", NOTE "VALUES (1, OLD.upn, ''), (1, NEW.upn, '')")
        ON("DELETE", "users", "ch_user_gone", NOTE "VALUES (1, OLD.upn, '')")
        ON("INSERT", "users", "ch_user_new", NOTE "VALUES (1, NEW.upn, '')")
        /* a product's own files; a rename or plan change shows in every record of it */
        ON("UPDATE OF total, expiring_soon, assigned, waiting", "products", "ch_counts",
           NOTE "VALUES (2, NEW.sku, '')")
        ON("UPDATE OF sku, name, sku_id", "products", "ch_product_set",
           NOTE "VALUES (5, '', '')")
        ON("DELETE", "products", "ch_product_gone", NOTE "VALUES (5, '', '')")
        ON("INSERT", "plans", "ch_plan_new", NOTE "VALUES (5, '', '')")
        ON("UPDATE", "plans", "ch_plan_set", NOTE "VALUES (5, '', '')")
        ON("DELETE", "plans", "ch_plan_gone", NOTE "VALUES (5, '', '')")
        /* a group's license: both its files, and the records of every member */
        ON("INSERT", "group_licenses", "ch_gl_new",
           NOTE "SELECT 4, g.name, p.sku FROM main.security_groups g, main.products p "
           "WHERE g.id = NEW.group_id AND p.id = NEW.product_id; "
           NOTE MEMBERS_OF("NEW.group_id"))
        ON("DELETE", "group_licenses", "ch_gl_gone",
           NOTE "SELECT 4, g.name, p.sku FROM main.security_groups g, main.products p "
           "WHERE g.id = OLD.group_id AND p.id = OLD.product_id; "
           NOTE MEMBERS_OF("OLD.group_id"))
        ON("INSERT", "group_disabled_plans", "ch_gdp_new", NOTE MEMBERS_OF("NEW.group_id"))
        ON("DELETE", "group_disabled_plans", "ch_gdp_gone", NOTE MEMBERS_OF("OLD.group_id"))
        ON("DELETE", "security_groups", "ch_group_gone", NOTE "VALUES (3, OLD.name, '')");

int model_watch(struct model *m, model_watch_fn fn, void *ctx)
{
        int r;

        r = tx_begin(m, true);
        if (r >= 0 && fn && !m->watching) {
                int rc = sqlite3_exec(m->db, watch_sql, NULL, NULL, NULL);

                if (rc != SQLITE_OK)
                        r = refuse(errno_from_sqlite(rc), "watching changes: %s",
                                   sqlite3_errmsg(m->db));
                else
                        m->watching = true;
        }
        /* Set under the lock that tx_end reads them under. */
        if (r >= 0) {
                m->watch_fn = fn;
                m->watch_ctx = ctx;
        }
        r = tx_end(m, r);
        return r < 0 ? r : 0;
}

/* Called inside the write transaction, before COMMIT: moves the rows into m->taken. */
int changes_take(struct model *m)
{
        struct model_change *list = NULL, *grown;
        size_t count = 0, size = 0;
        sqlite3_stmt *s;
        int r;

        if (!m->watching)
                return 0;
        r = sql_prepare(m, &s, "SELECT kind, a, b FROM temp.changes", "");
        while (r >= 0 && (r = sql_step(s)) > 0) {
                const char *a = (const char *)sqlite3_column_text(s, 1);
                const char *b = (const char *)sqlite3_column_text(s, 2);

                if (count == size) {
                        size = size ? 2 * size : 16;
                        grown = realloc(list, size * sizeof(*list));
                        if (!grown) {
                                r = refuse(-ENOMEM, "out of memory");
                                break;
                        }
                        list = grown;
                }
                list[count].kind = (enum model_change_kind)sqlite3_column_int(s, 0);
                list[count].a = strdup(a ? a : "");
                list[count].b = strdup(b ? b : "");
                count++;
                if (!list[count - 1].a || !list[count - 1].b)
                        r = refuse(-ENOMEM, "out of memory");
        }
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM temp.changes", "");
        if (r < 0) {
                changes_free(list, count);
                return r;
        }
        changes_free(m->taken, m->taken_count);
        m->taken = list;
        m->taken_count = count;
        return 0;
}

void changes_free(struct model_change *list, size_t count)
{
        size_t i;

        for (i = 0; i < count; i++) {
                free((char *)list[i].a);
                free((char *)list[i].b);
        }
        free(list);
}

int model_data_version(struct model *m, int64_t *ret)
{
        int r;

        r = tx_begin(m, false);
        if (r >= 0)
                r = sql_int(m, ret, "PRAGMA data_version", "");
        return tx_end(m, r);
}
