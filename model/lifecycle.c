/*
 * The user lifecycle: deleting a user suspends what it holds and makes its memberships
 * inactive, restoring brings both back (waiting where seats ran out meanwhile), purging deletes
 * it for good, and users deleted more than PURGE_AFTER ago are purged automatically.
 *
 * A deleted user keeps its users row (deleted = the time) and its seats rows with active = 2,
 * which no count, listing or seat rule looks at; the groups it held each product through are
 * kept as they were in suspended_paths, and its memberships wait in inactive_members.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

#define PURGE_AFTER (30 * 24 * 3600)

static int user_delete(struct model *m, const char *upn)
{
        int64_t uid = user_id(m, upn);
        int r;

        if (uid < 0)
                return uid;
        r = seat_suspend_user(m, uid);
        /* The groups that gave what is suspended are kept as they were. */
        if (r >= 0)
                r = sql_exec(m, "INSERT INTO suspended_paths (user_id, product_id, group_name) "
                             "SELECT mb.user_id, gl.product_id, g.name FROM members mb "
                             "JOIN group_licenses gl ON gl.group_id = mb.group_id "
                             "JOIN security_groups g ON g.id = mb.group_id "
                             "JOIN seats s ON s.user_id = mb.user_id AND s.product_id = "
                             "gl.product_id WHERE mb.user_id = $1", "i", uid);
        if (r >= 0)
                r = sql_exec(m, "INSERT INTO inactive_members (user_id, group_id, since) "
                             "SELECT user_id, group_id, since FROM members WHERE user_id = $1", "i",
                             uid);
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM members WHERE user_id = $1", "i", uid);
        if (r >= 0)
                r = sql_exec(m, "UPDATE users SET deleted = $1 WHERE id = $2", "ii",
                             (int64_t)model_now(m), uid);
        return r < 0 ? r : 0;
}

int model_user_delete(struct model *m, const char *upn)
{
        return WRITE_TX(m, user_delete(m, upn));
}

static int user_restore(struct model *m, const char *upn)
{
        int64_t uid = deleted_user_id(m, upn), *ids = NULL;
        size_t count = 0, i;
        int r;

        if (uid < 0)
                return uid;
        r = sql_exec(m, "UPDATE users SET deleted = NULL WHERE id = $1", "i", uid);
        /* Memberships come back (their groups still exist) with their join time kept. */
        if (r >= 0)
                r = sql_exec(m, "INSERT INTO members (group_id, user_id, since) SELECT group_id, "
                             "user_id, since FROM inactive_members WHERE user_id = $1 "
                             "ORDER BY since, group_id", "i", uid);
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM inactive_members WHERE user_id = $1", "i", uid);
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM suspended_paths WHERE user_id = $1", "i", uid);
        /* Direct licenses come back; what only groups gave is derived again from the groups. */
        if (r >= 0)
                r = seat_resume(m, uid);
        if (r >= 0)
                r = collect_ids(m, &ids, &count, "SELECT DISTINCT gl.product_id FROM members mb "
                                "JOIN group_licenses gl ON gl.group_id = mb.group_id "
                                "WHERE mb.user_id = $1 ORDER BY gl.product_id", "i", uid);
        for (i = 0; r >= 0 && i < count; i++)
                r = seat_want_restored(m, ids[i], uid);
        free(ids);
        return r < 0 ? r : 0;
}

int model_user_restore(struct model *m, const char *upn)
{
        return WRITE_TX(m, user_restore(m, upn));
}

static int purge(struct model *m, int64_t uid)
{
        static const char *const cleanups[] = {
                "DELETE FROM suspended_paths WHERE user_id = $1",
                "DELETE FROM inactive_members WHERE user_id = $1",
                "DELETE FROM direct_disabled_plans WHERE user_id = $1",
                "DELETE FROM users WHERE id = $1",
        };
        size_t i;
        int r = seat_forget_user(m, uid);

        for (i = 0; r >= 0 && i < sizeof(cleanups) / sizeof(cleanups[0]); i++)
                r = sql_exec(m, cleanups[i], "i", uid);
        return r < 0 ? r : 0;
}

static int user_purge(struct model *m, const char *upn)
{
        int64_t uid = deleted_user_id(m, upn);

        return uid < 0 ? (int)uid : purge(m, uid);
}

int model_user_purge(struct model *m, const char *upn)
{
        return WRITE_TX(m, user_purge(m, upn));
}

static int purge_expired(struct model *m)
{
        int64_t *ids = NULL;
        size_t count = 0, i;
        int r;

        /* Oldest deletion first: the order of the purges' audit lines. */
        r = collect_ids(m, &ids, &count, "SELECT id FROM users WHERE deleted IS NOT NULL AND "
                        "deleted < $1 ORDER BY deleted, id", "i",
                        (int64_t)model_now(m) - PURGE_AFTER);
        for (i = 0; r >= 0 && i < count; i++) {
                r = audit_user(m, "purge", "/deleted_users/", ids[i],
                               "deleted more than 30 days ago");
                if (r >= 0)
                        r = purge(m, ids[i]);
        }
        free(ids);
        return r < 0 ? r : (int)count;
}

int model_purge_expired(struct model *m)
{
        return WRITE_TX(m, purge_expired(m));
}

static int deleted_user_get(struct model *m, const char *upn, struct model_user *ret)
{
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT display_name, usage_location, created, deleted FROM users "
                        "WHERE upn = $1 AND deleted IS NOT NULL", "t", upn);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                r = refuse(-ENOENT, "no deleted user named '%s'", upn);
        if (r < 0)
                return r;
        column_text(s, 0, ret->display_name, sizeof(ret->display_name));
        column_text(s, 1, ret->usage_location, sizeof(ret->usage_location));
        ret->created = column_int64(s, 2);
        ret->deleted = column_int64(s, 3);
        sql_reset(s);
        return 0;
}

int model_deleted_user_get(struct model *m, const char *upn, struct model_user *ret)
{
        return READ_TX(m, deleted_user_get(m, upn, ret));
}

int model_suspended_get(struct model *m, const char *sku, const char *upn,
                        struct model_holder *ret)
{
        return READ_TX(m, seat_get(m, sku, upn, SEAT_SUSPENDED, ret));
}

static int inactive_member_get(struct model *m, const char *group, const char *upn,
                               struct model_member *ret)
{
        int64_t since;
        int r;

        r = sql_int(m, &since, "SELECT im.since FROM inactive_members im "
                    "JOIN security_groups g ON g.id = im.group_id "
                    "JOIN users u ON u.id = im.user_id WHERE g.name = $1 AND u.upn = $2", "tt",
                    group, upn);
        if (r == -ENOENT)
                return refuse(-ENOENT, "deleted user '%s' was not a member of '%s'", upn, group);
        if (r < 0)
                return r;
        ret->since = since;
        return 0;
}

int model_inactive_member_get(struct model *m, const char *group, const char *upn,
                              struct model_member *ret)
{
        return READ_TX(m, inactive_member_get(m, group, upn, ret));
}
