/*
 * Users: a UPN with a display name and the usage location that direct assignments require.
 */
#include <errno.h>

#include "internal.h"

static int user_create(struct model *m, const char *upn)
{
        int64_t exists;
        int r;

        r = check_upn(upn);
        if (r < 0)
                return r;
        r = sql_int(m, &exists, "SELECT deleted IS NOT NULL FROM users WHERE upn = $1", "t", upn);
        if (r == 0)
                return refuse(-EEXIST, exists ? "user '%s' is in deleted_users; restore or purge "
                              "it first" : "user '%s' exists already", upn);
        if (r != -ENOENT)
                return r;
        r = sql_exec(m, "INSERT INTO users (upn, display_name, created) VALUES ($1, $2, $3)", "tti",
                     upn, upn, (int64_t)model_now(m));
        return r < 0 ? r : 0;
}

int model_user_create(struct model *m, const char *upn)
{
        return WRITE_TX(m, user_create(m, upn));
}

static int user_get(struct model *m, const char *upn, struct model_user *ret)
{
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT display_name, usage_location, created FROM users "
                        "WHERE upn = $1 AND deleted IS NULL", "t", upn);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                r = refuse(-ENOENT, "no user named '%s'", upn);
        if (r < 0)
                return r;
        column_text(s, 0, ret->display_name, sizeof(ret->display_name));
        column_text(s, 1, ret->usage_location, sizeof(ret->usage_location));
        ret->created = column_int64(s, 2);
        ret->deleted = 0;
        sql_reset(s);
        return 0;
}

int model_user_get(struct model *m, const char *upn, struct model_user *ret)
{
        return READ_TX(m, user_get(m, upn, ret));
}

static int user_set_display_name(struct model *m, const char *upn, const char *name)
{
        int64_t id = user_id(m, upn);
        int r;

        if (id < 0)
                return id;
        r = check_text(name, "display name");
        if (r >= 0)
                r = sql_exec(m, "UPDATE users SET display_name = $1 WHERE id = $2", "ti", name, id);
        return r < 0 ? r : 0;
}

int model_user_set_display_name(struct model *m, const char *upn, const char *name)
{
        return WRITE_TX(m, user_set_display_name(m, upn, name));
}

static int user_set_usage_location(struct model *m, const char *upn, const char *code)
{
        int64_t id = user_id(m, upn), direct;
        char upper[3] = "";
        int r;

        if (id < 0)
                return id;
        if (code[0] == '\0') {
                r = sql_int(m, &direct, "SELECT 1 FROM seats WHERE user_id = $1 AND direct = 1 "
                            "LIMIT 1", "i", id);
                if (r == 0)
                        return refuse(-EBUSY, "user '%s' has a direct license, which needs a "
                                      "usage location", upn);
                if (r != -ENOENT)
                        return r;
        } else {
                r = check_country(code, upper);
                if (r < 0)
                        return r;
        }
        r = sql_exec(m, "UPDATE users SET usage_location = $1 WHERE id = $2", "ti", upper, id);
        return r < 0 ? r : 0;
}

int model_user_set_usage_location(struct model *m, const char *upn, const char *code)
{
        return WRITE_TX(m, user_set_usage_location(m, upn, code));
}
