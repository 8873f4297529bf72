/*
 * Service plans and assignment options. A product has a list of plan names; a direct path and
 * a group's license can each disable some of them. A holder's effective plans are the union,
 * over all its paths, of the plans that path leaves enabled. Removing a plan from a product
 * drops it from every disabled list (the schema cascades).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int check_plan_names(const char *const *names, size_t count)
{
        size_t i;
        int r;

        for (i = 0; i < count; i++) {
                r = check_text(names[i], "plan name");
                if (r < 0)
                        return r;
                if (strchr(names[i], ','))
                        return refuse(-EINVAL, "plan name '%s' contains a comma", names[i]);
        }
        return 0;
}

int model_plans_check(const char *const *names, size_t count)
{
        reason_clear();
        return check_plan_names(names, count);
}

static int plans_set(struct model *m, const char *sku, const char *const *names, size_t count)
{
        int64_t pid = product_id(m, sku);
        size_t i;
        int r, ruled;

        if (pid < 0)
                return pid;
        r = ruled = plan_rules_product_ruled(m, pid);
        if (r >= 0)
                r = check_plan_names(names, count);
        /* Mark, insert, sweep: plans kept keep their ids, so disabled lists keep them too. */
        /* wanted_plans: a temporary table every backend creates with the connection. */
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM wanted_plans", "");
        for (i = 0; r >= 0 && i < count; i++)
                r = sql_exec(m, "INSERT INTO wanted_plans (name) VALUES ($1) "
                             "ON CONFLICT DO NOTHING", "t", names[i]);
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM plans WHERE product_id = $1 AND name NOT IN "
                             "(SELECT name FROM wanted_plans)", "i", pid);
        /* WHERE true: SQLite would read ON as the join's without a WHERE before it. */
        if (r >= 0)
                r = sql_exec(m, "INSERT INTO plans (product_id, name) SELECT CAST($1 AS BIGINT), "
                             "name FROM wanted_plans WHERE true ON CONFLICT DO NOTHING", "i", pid);
        /* Plans a rule names, gone or come: the rules of whoever has the product may move. */
        if (r >= 0 && !ruled)
                r = ruled = plan_rules_product_ruled(m, pid);
        if (r >= 0 && ruled)
                r = seat_settle_product_later(m, pid);
        return r < 0 ? r : 0;
}

int model_plans_set(struct model *m, const char *sku, const char *const *names, size_t count)
{
        return WRITE_TX(m, plans_set(m, sku, names, count));
}

/* Resolves names to plan ids of the product; EINVAL names the first unknown one. */
static int plan_ids(struct model *m, int64_t product, const char *const *names, size_t count,
                    int64_t *ret)
{
        size_t i;
        int r;

        for (i = 0; i < count; i++) {
                r = sql_int(m, &ret[i], "SELECT id FROM plans WHERE product_id = $1 AND name = $2",
                            "it", product, names[i]);
                if (r == -ENOENT)
                        return refuse(-EINVAL, "the product has no plan named '%s'", names[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * Replaces a path's disabled list: `clear` and `insert` are the statements for the path's
 * table, each taking (product, owner[, plan]).
 */
static int disabled_set(struct model *m, int64_t product, int64_t owner, const char *clear,
                        const char *insert, const char *const *names, size_t count)
{
        int64_t *ids;
        size_t i;
        int r;

        ids = calloc(count ? count : 1, sizeof(*ids));
        if (!ids)
                return refuse(-ENOMEM, "out of memory");
        r = plan_ids(m, product, names, count, ids);
        if (r >= 0)
                r = sql_exec(m, clear, "ii", product, owner);
        for (i = 0; r >= 0 && i < count; i++)
                r = sql_exec(m, insert, "iii", product, owner, ids[i]);
        free(ids);
        return r < 0 ? r : 0;
}

int direct_disabled_replace(struct model *m, int64_t product, int64_t user,
                            const char *const *names, size_t count)
{
        return disabled_set(m, product, user,
                            "DELETE FROM direct_disabled_plans WHERE product_id = $1 AND "
                            "user_id = $2",
                            "INSERT INTO direct_disabled_plans (product_id, user_id, plan_id) "
                            "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", names, count);
}

int group_disabled_replace(struct model *m, int64_t product, int64_t group,
                           const char *const *names, size_t count)
{
        return disabled_set(m, product, group,
                            "DELETE FROM group_disabled_plans WHERE product_id = $1 AND "
                            "group_id = $2",
                            "INSERT INTO group_disabled_plans (product_id, group_id, plan_id) "
                            "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", names, count);
}

static int direct_disabled_set(struct model *m, const char *sku, const char *upn,
                               const char *const *names, size_t count)
{
        struct plan_rules_probe probe;
        struct model_holder holder;
        struct path_ids ids;
        int r, ruled;

        /* Options go to a holder's record: one removed meanwhile is not made again. */
        r = seat_get(m, sku, upn, SEAT_HELD, &holder);
        if (r >= 0)
                r = path_resolve(m, sku, NULL, upn, &ids);
        if (r < 0)
                return r;
        /* What the options enable or disable is checked against the rules as one change. */
        ruled = plan_rules_begin(m, ids.product, RULES_USER, ids.user, false, &probe);
        if (ruled < 0)
                return ruled;
        /* Options belong to the direct path: make it as touch would (its checks included). */
        r = direct_assign(m, sku, upn, false, &ids);
        if (r >= 0)
                r = direct_disabled_replace(m, ids.product, ids.user, names, count);
        if (!ruled)
                return r;
        r = plan_rules_after(m, &probe, r);
        return r < 0 ? r : seat_settle_user_later(m, ids.user);
}

int model_direct_disabled_set(struct model *m, const char *sku, const char *upn,
                              const char *const *names, size_t count)
{
        return WRITE_TX(m, direct_disabled_set(m, sku, upn, names, count));
}

static int group_disabled_set(struct model *m, const char *sku, const char *group,
                              const char *const *names, size_t count)
{
        struct plan_rules_probe probe;
        struct path_ids ids;
        int64_t licensed;
        int r, ruled;

        r = path_resolve(m, sku, group, NULL, &ids);
        if (r < 0)
                return r;
        r = sql_int(m, &licensed, "SELECT 1 FROM group_licenses WHERE group_id = $1 AND "
                    "product_id = $2", "ii", ids.group, ids.product);
        if (r == -ENOENT)
                return refuse(-ENOENT, "'%s' is not assigned to group '%s'", sku, group);
        if (r < 0)
                return r;
        ruled = plan_rules_begin(m, ids.product, RULES_GROUP, ids.group, true, &probe);
        if (ruled < 0)
                return ruled;
        r = group_disabled_replace(m, ids.product, ids.group, names, count);
        if (!ruled)
                return r;
        /* What the members lose (EBUSY) before what the group's licenses lack (EINVAL). */
        r = plan_rules_after(m, &probe, r);
        if (r >= 0)
                r = plan_rules_group_check(m, ids.group);
        return r < 0 ? r : seat_settle_members_later(m, ids.group);
}

int model_group_disabled_set(struct model *m, const char *sku, const char *group,
                             const char *const *names, size_t count)
{
        return WRITE_TX(m, group_disabled_set(m, sku, group, names, count));
}

/* --- a holder's options, saved and put back -------------------------------------------------- */

struct model_holder_options {
        bool direct;
        size_t count;
        char **names;                   /* the plans the direct path disables */
};

struct model_holder_options *model_holder_options_free(struct model_holder_options *saved)
{
        size_t i;

        if (!saved)
                return NULL;
        for (i = 0; i < saved->count; i++)
                free(saved->names[i]);
        free(saved->names);
        free(saved);
        return NULL;
}

static int keep_name(void *ctx, const char *name)
{
        struct model_holder_options *saved = ctx;
        char **names = realloc(saved->names, (saved->count + 1) * sizeof(*names));

        if (!names)
                return refuse(-ENOMEM, "out of memory");
        saved->names = names;
        names[saved->count] = strdup(name);
        if (!names[saved->count])
                return refuse(-ENOMEM, "out of memory");
        saved->count++;
        return 0;
}

int model_holder_options_save(struct model *m, const char *sku, const char *upn,
                              struct model_holder_options **ret)
{
        struct model_holder_options *saved = calloc(1, sizeof(*saved));
        struct model_holder holder;
        int r, end;

        if (!saved)
                return refuse(-ENOMEM, "out of memory");
        /* One snapshot, so the flag and the plans belong together. */
        r = model_read_begin(m);
        if (r < 0)
                goto out;
        r = model_holder_get(m, sku, upn, &holder);
        if (r >= 0) {
                saved->direct = holder.direct;
                r = model_list(m, MODEL_LIST_DIRECT_DISABLED, sku, upn, keep_name, saved);
        }
        end = model_read_end(m);
        r = r < 0 ? r : end;
out:
        if (r >= 0) {
                *ret = saved;
                saved = NULL;
        }
        model_holder_options_free(saved);
        return r < 0 ? r : 0;
}

static int holder_options_restore(struct model *m, const char *sku, const char *upn,
                                  const struct model_holder_options *saved)
{
        struct model_holder holder;
        struct path_ids ids;
        int r;

        if (saved->direct)
                return direct_disabled_set(m, sku, upn, (const char *const *)saved->names,
                                           saved->count);
        r = seat_get(m, sku, upn, SEAT_HELD, &holder);
        if (r < 0 || !holder.direct)
                return r;               /* no direct path to take away, or an error */
        r = path_resolve(m, sku, NULL, upn, &ids);
        return r < 0 ? r : direct_path_drop(m, ids.product, ids.user);
}

int model_holder_options_restore(struct model *m, const char *sku, const char *upn,
                                 const struct model_holder_options *saved)
{
        return WRITE_TX(m, holder_options_restore(m, sku, upn, saved));
}
