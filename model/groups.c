/*
 * Security groups and their memberships. A member gets every product assigned to the group
 * (or waits for it); ending a membership releases what only the group gave.
 */
#include <errno.h>

#include "internal.h"

static int group_create(struct model *m, const char *name)
{
        int64_t exists;
        int r;

        r = check_name(name, "group name");
        if (r < 0)
                return r;
        r = sql_int(m, &exists, "SELECT 1 FROM security_groups WHERE name = $1", "t", name);
        if (r == 0)
                return refuse(-EEXIST, "group '%s' exists already", name);
        if (r != -ENOENT)
                return r;
        r = sql_exec(m, "INSERT INTO security_groups (name, created) VALUES ($1, $2)", "ti", name,
                     (int64_t)model_now(m));
        return r < 0 ? r : 0;
}

int model_group_create(struct model *m, const char *name)
{
        return WRITE_TX(m, group_create(m, name));
}

static int group_delete(struct model *m, const char *name)
{
        int64_t id = group_id(m, name), licensed;
        int r;

        if (id < 0)
                return id;
        r = sql_int(m, &licensed, "SELECT 1 FROM group_licenses WHERE group_id = $1 LIMIT 1", "i",
                    id);
        if (r == 0)
                return refuse(-ENOTEMPTY, "group '%s' still has a license; remove it first",
                              name);
        if (r != -ENOENT)
                return r;
        /* An unlicensed group gives no seats, so its memberships go without seat changes. */
        r = sql_exec(m, "DELETE FROM members WHERE group_id = $1", "i", id);
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM inactive_members WHERE group_id = $1", "i", id);
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM security_groups WHERE id = $1", "i", id);
        return r < 0 ? r : 0;
}

int model_group_delete(struct model *m, const char *name)
{
        return WRITE_TX(m, group_delete(m, name));
}

static int group_get(struct model *m, const char *name, struct model_group *ret)
{
        int64_t id = group_id(m, name);
        struct sql_stmt *s;
        int r;

        if (id < 0)
                return id;
        r = sql_prepare(m, &s, "SELECT (SELECT count(*) FROM members WHERE group_id = $1), "
                        "created FROM security_groups WHERE id = $1", "i", id);
        if (r >= 0)
                r = sql_step(s);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        ret->members = column_int64(s, 0);
        ret->created = column_int64(s, 1);
        sql_reset(s);
        return 0;
}

int model_group_get(struct model *m, const char *name, struct model_group *ret)
{
        return READ_TX(m, group_get(m, name, ret));
}

static int member_add(struct model *m, const char *group, const char *upn)
{
        struct path_ids ids;
        int r;

        r = path_resolve(m, NULL, group, upn, &ids);
        if (r >= 0)
                r = sql_exec(m, "INSERT INTO members (group_id, user_id, since) "
                             "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", "iii", ids.group,
                             ids.user, (int64_t)model_now(m));
        if (r <= 0)
                return r;               /* a member already (0), or an error */
        return seat_paths_changed(m, ids.group, 0, ids.user, true);
}

int model_member_add(struct model *m, const char *group, const char *upn)
{
        return WRITE_TX(m, member_add(m, group, upn));
}

static int member_remove(struct model *m, const char *group, const char *upn)
{
        struct plan_rules_probe probe;
        struct path_ids ids;
        int r, ruled = 0;

        r = path_resolve(m, NULL, group, upn, &ids);
        if (r >= 0)
                r = ruled = plan_rules_group_ruled(m, ids.group);
        if (r > 0)
                r = plan_rules_before(m, RULES_USER, ids.user, true, &probe);
        if (r < 0)
                return r;
        r = sql_exec(m, "DELETE FROM members WHERE group_id = $1 AND user_id = $2", "ii",
                     ids.group, ids.user);
        if (r == 0)
                r = refuse(-ENOENT, "'%s' is not a member of '%s'", upn, group);
        if (r >= 0)
                r = seat_paths_changed(m, ids.group, 0, ids.user, false);
        if (ruled)
                r = plan_rules_after(m, &probe, r);
        return r < 0 ? r : 0;
}

int model_member_remove(struct model *m, const char *group, const char *upn)
{
        return WRITE_TX(m, member_remove(m, group, upn));
}

static int member_get(struct model *m, const char *group, const char *upn,
                      struct model_member *ret)
{
        int64_t since;
        int r;

        r = sql_int(m, &since, "SELECT mb.since FROM members mb "
                    "JOIN security_groups g ON g.id = mb.group_id "
                    "JOIN users u ON u.id = mb.user_id WHERE g.name = $1 AND u.upn = $2", "tt",
                    group, upn);
        if (r == -ENOENT)
                return refuse(-ENOENT, "'%s' is not a member of '%s'", upn, group);
        if (r < 0)
                return r;
        ret->since = since;
        return 0;
}

int model_member_get(struct model *m, const char *group, const char *upn,
                     struct model_member *ret)
{
        return READ_TX(m, member_get(m, group, upn, ret));
}
