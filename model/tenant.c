/*
 * The tenant itself: its display name and the usage location its group members fall back to.
 */
#include <errno.h>

#include "internal.h"

static int tenant_get(struct model *m, struct model_tenant *ret)
{
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT name, usage_location FROM tenant", "");
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                r = refuse(-EIO, "the tenant row is missing");
        if (r < 0)
                return r;
        column_text(s, 0, ret->name, sizeof(ret->name));
        column_text(s, 1, ret->usage_location, sizeof(ret->usage_location));
        return 0;
}

int model_tenant_get(struct model *m, struct model_tenant *ret)
{
        return READ_TX(m, tenant_get(m, ret));
}

static int tenant_set_name(struct model *m, const char *name)
{
        int r = check_text(name, "tenant name");

        if (r >= 0)
                r = sql_exec(m, "UPDATE tenant SET name = $1", "t", name);
        return r < 0 ? r : 0;
}

int model_tenant_set_name(struct model *m, const char *name)
{
        return WRITE_TX(m, tenant_set_name(m, name));
}

static int tenant_set_usage_location(struct model *m, const char *code)
{
        char upper[3];
        int r;

        r = check_country(code, upper);
        if (r >= 0)
                r = sql_exec(m, "UPDATE tenant SET usage_location = $1", "t", upper);
        return r < 0 ? r : 0;
}

int model_tenant_set_usage_location(struct model *m, const char *code)
{
        return WRITE_TX(m, tenant_set_usage_location(m, code));
}

static int tenant_is_empty(struct model *m)
{
        int64_t any;
        int r;

        r = sql_int(m, &any, "SELECT EXISTS (SELECT 1 FROM products) OR EXISTS (SELECT 1 FROM "
                    "users) OR EXISTS (SELECT 1 FROM security_groups)", "");
        return r < 0 ? r : !any;
}

int model_tenant_is_empty(struct model *m)
{
        return READ_TX(m, tenant_is_empty(m));
}
