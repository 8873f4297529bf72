/*
 * Listings: the names a directory of the tree shows, one table row per listing so that every
 * listing reads alike. Each has the query for its names (sorted bytewise, which is SQLite's
 * BINARY collation) and the query that tells whether its parents exist.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

struct listing {
        const char *parents;            /* returns a row when the parents exist; NULL: none */
        const char *names;              /* ?1 = a, ?2 = b */
        const char *what;               /* for the reason when a parent is missing */
};

static const struct listing listings[] = {
        [MODEL_LIST_PRODUCTS] = {
                NULL, "SELECT sku FROM products ORDER BY sku", NULL },
        [MODEL_LIST_USERS] = {
                NULL, "SELECT upn FROM users WHERE deleted IS NULL ORDER BY upn", NULL },
        [MODEL_LIST_GROUPS] = {
                NULL, "SELECT name FROM security_groups ORDER BY name", NULL },
        [MODEL_LIST_PRODUCT_HOLDERS] = {
                "SELECT 1 FROM products WHERE sku = $1",
                "SELECT u.upn FROM products p JOIN seats s ON s.product_id = p.id AND s.active = 1 "
                "JOIN users u ON u.id = s.user_id WHERE p.sku = $1 ORDER BY u.upn",
                "product" },
        [MODEL_LIST_PRODUCT_GROUPS] = {
                "SELECT 1 FROM products WHERE sku = $1",
                "SELECT g.name FROM products p JOIN group_licenses gl ON gl.product_id = p.id "
                "JOIN security_groups g ON g.id = gl.group_id WHERE p.sku = $1 ORDER BY g.name",
                "product" },
        [MODEL_LIST_PRODUCT_WAITERS] = {
                "SELECT 1 FROM products WHERE sku = $1",
                "SELECT u.upn FROM products p JOIN seats s ON s.product_id = p.id AND s.active = 0 "
                "JOIN users u ON u.id = s.user_id WHERE p.sku = $1 ORDER BY u.upn",
                "product" },
        [MODEL_LIST_USER_LICENSES] = {
                "SELECT 1 FROM users WHERE upn = $1 AND deleted IS NULL",
                "SELECT p.sku FROM users u JOIN seats s ON s.user_id = u.id AND s.active = 1 "
                "JOIN products p ON p.id = s.product_id WHERE u.upn = $1 ORDER BY p.sku",
                "user" },
        [MODEL_LIST_USER_GROUPS] = {
                "SELECT 1 FROM users WHERE upn = $1 AND deleted IS NULL",
                "SELECT g.name FROM users u JOIN members mb ON mb.user_id = u.id "
                "JOIN security_groups g ON g.id = mb.group_id WHERE u.upn = $1 ORDER BY g.name",
                "user" },
        [MODEL_LIST_GROUP_MEMBERS] = {
                "SELECT 1 FROM security_groups WHERE name = $1",
                "SELECT u.upn FROM security_groups g JOIN members mb ON mb.group_id = g.id "
                "JOIN users u ON u.id = mb.user_id WHERE g.name = $1 ORDER BY u.upn",
                "group" },
        [MODEL_LIST_GROUP_LICENSES] = {
                "SELECT 1 FROM security_groups WHERE name = $1",
                "SELECT p.sku FROM security_groups g JOIN group_licenses gl ON gl.group_id = g.id "
                "JOIN products p ON p.id = gl.product_id WHERE g.name = $1 ORDER BY p.sku",
                "group" },
        [MODEL_LIST_GROUP_WAITERS] = {
                "SELECT 1 FROM security_groups WHERE name = $1",
                "SELECT DISTINCT u.upn FROM security_groups g "
                "JOIN members mb ON mb.group_id = g.id JOIN users u ON u.id = mb.user_id "
                "JOIN group_licenses gl ON gl.group_id = g.id "
                "JOIN seats s ON s.product_id = gl.product_id AND s.user_id = u.id "
                "AND s.active = 0 WHERE g.name = $1 ORDER BY u.upn",
                "group" },
        [MODEL_LIST_PATH_GROUPS] = {
                "SELECT 1 FROM products p, users u WHERE p.sku = $1 AND u.upn = $2 "
                "AND u.deleted IS NULL",
                "SELECT g.name FROM products p JOIN users u ON u.upn = $2 "
                "JOIN members mb ON mb.user_id = u.id "
                "JOIN group_licenses gl ON gl.group_id = mb.group_id AND gl.product_id = p.id "
                "JOIN security_groups g ON g.id = mb.group_id "
                "WHERE p.sku = $1 AND u.upn = $2 ORDER BY g.name",
                "product or user" },
        [MODEL_LIST_WAITER_PRODUCTS] = {
                "SELECT 1 FROM security_groups g, users u WHERE g.name = $1 AND u.upn = $2 "
                "AND u.deleted IS NULL",
                "SELECT p.sku FROM security_groups g JOIN users u ON u.upn = $2 "
                "JOIN members mb ON mb.group_id = g.id AND mb.user_id = u.id "
                "JOIN group_licenses gl ON gl.group_id = g.id "
                "JOIN products p ON p.id = gl.product_id "
                "JOIN seats s ON s.product_id = p.id AND s.user_id = u.id AND s.active = 0 "
                "WHERE g.name = $1 AND u.upn = $2 ORDER BY p.sku",
                "group or user" },
        /* Each state by itself: each has its partial index (db_*_schema.c, version 6). */
        [MODEL_LIST_PRODUCT_ERRORS] = {
                "SELECT 1 FROM products WHERE sku = $1",
                "SELECT u.upn FROM products p JOIN seats s ON s.product_id = p.id AND s.active = 0 "
                "JOIN users u ON u.id = s.user_id WHERE p.sku = $1 UNION ALL "
                "SELECT u.upn FROM products p JOIN seats s ON s.product_id = p.id AND s.active = 3 "
                "JOIN users u ON u.id = s.user_id WHERE p.sku = $1 ORDER BY 1",
                "product" },
        [MODEL_LIST_GROUP_ERRORS] = {
                "SELECT 1 FROM security_groups WHERE name = $1",
                "SELECT DISTINCT u.upn FROM security_groups g "
                "JOIN members mb ON mb.group_id = g.id JOIN users u ON u.id = mb.user_id "
                "JOIN group_licenses gl ON gl.group_id = g.id "
                "JOIN seats s ON s.product_id = gl.product_id AND s.user_id = u.id "
                "AND s.active IN (0, 3) WHERE g.name = $1 ORDER BY u.upn",
                "group" },
        [MODEL_LIST_ERROR_PRODUCTS] = {
                "SELECT 1 FROM security_groups g, users u WHERE g.name = $1 AND u.upn = $2 "
                "AND u.deleted IS NULL",
                "SELECT p.sku FROM security_groups g JOIN users u ON u.upn = $2 "
                "JOIN members mb ON mb.group_id = g.id AND mb.user_id = u.id "
                "JOIN group_licenses gl ON gl.group_id = g.id "
                "JOIN products p ON p.id = gl.product_id "
                "JOIN seats s ON s.product_id = p.id AND s.user_id = u.id AND s.active IN (0, 3) "
                "WHERE g.name = $1 AND u.upn = $2 ORDER BY p.sku",
                "group or user" },
        [MODEL_LIST_DELETED_USERS] = {
                NULL, "SELECT upn FROM users WHERE deleted IS NOT NULL ORDER BY upn", NULL },
        [MODEL_LIST_SUSPENDED_LICENSES] = {
                "SELECT 1 FROM users WHERE upn = $1 AND deleted IS NOT NULL",
                "SELECT p.sku FROM users u JOIN seats s ON s.user_id = u.id AND s.active = 2 "
                "JOIN products p ON p.id = s.product_id WHERE u.upn = $1 ORDER BY p.sku",
                "deleted user" },
        [MODEL_LIST_INACTIVE_GROUPS] = {
                "SELECT 1 FROM users WHERE upn = $1 AND deleted IS NOT NULL",
                "SELECT g.name FROM users u JOIN inactive_members im ON im.user_id = u.id "
                "JOIN security_groups g ON g.id = im.group_id WHERE u.upn = $1 ORDER BY g.name",
                "deleted user" },
        [MODEL_LIST_SUSPENDED_PATHS] = {
                "SELECT 1 FROM products p, users u WHERE p.sku = $1 AND u.upn = $2 "
                "AND u.deleted IS NOT NULL",
                "SELECT sp.group_name FROM products p JOIN users u ON u.upn = $2 "
                "JOIN suspended_paths sp ON sp.product_id = p.id AND sp.user_id = u.id "
                "WHERE p.sku = $1 AND u.upn = $2 ORDER BY sp.group_name",
                "product or deleted user" },
        [MODEL_LIST_PLANS] = {
                "SELECT 1 FROM products WHERE sku = $1",
                "SELECT pl.name FROM products p JOIN plans pl ON pl.product_id = p.id "
                "WHERE p.sku = $1 ORDER BY pl.name",
                "product" },
        [MODEL_LIST_DIRECT_DISABLED] = {
                "SELECT 1 FROM products p, users u WHERE p.sku = $1 AND u.upn = $2",
                "SELECT pl.name FROM products p JOIN users u ON u.upn = $2 "
                "JOIN direct_disabled_plans d ON d.product_id = p.id AND d.user_id = u.id "
                "JOIN plans pl ON pl.id = d.plan_id "
                "WHERE p.sku = $1 AND u.upn = $2 ORDER BY pl.name",
                "product or user" },
        [MODEL_LIST_GROUP_DISABLED] = {
                "SELECT 1 FROM products p, security_groups g WHERE p.sku = $1 AND g.name = $2",
                "SELECT pl.name FROM products p JOIN security_groups g ON g.name = $2 "
                "JOIN group_disabled_plans d ON d.product_id = p.id AND d.group_id = g.id "
                "JOIN plans pl ON pl.id = d.plan_id "
                "WHERE p.sku = $1 AND g.name = $2 ORDER BY pl.name",
                "product or group" },
        /* The union over the paths of the plans each leaves enabled. */
        [MODEL_LIST_EFFECTIVE_PLANS] = {
                "SELECT 1 FROM products p, users u WHERE p.sku = $1 AND u.upn = $2",
                "SELECT pl.name FROM products p JOIN users u ON u.upn = $2 "
                "JOIN plans pl ON pl.product_id = p.id "
                "WHERE p.sku = $1 AND u.upn = $2 AND " PLAN_ENABLED_SQL " ORDER BY pl.name",
                "product or user" },
        [MODEL_LIST_PRODUCTS_BY_NAME] = {
                NULL, "SELECT sku FROM products ORDER BY name, sku", NULL },
        /* Creation and join order: the row ids, which are never reused. */
        [MODEL_LIST_USERS_CREATED] = {
                NULL, "SELECT upn FROM users WHERE deleted IS NULL ORDER BY id", NULL },
        [MODEL_LIST_GROUPS_CREATED] = {
                NULL, "SELECT name FROM security_groups ORDER BY id", NULL },
        [MODEL_LIST_MEMBERS_JOINED] = {
                "SELECT 1 FROM security_groups WHERE name = $1",
                "SELECT u.upn FROM security_groups g JOIN members mb ON mb.group_id = g.id "
                "JOIN users u ON u.id = mb.user_id WHERE g.name = $1 ORDER BY mb.id",
                "group" },
        [MODEL_LIST_USER_WAITS] = {
                "SELECT 1 FROM users WHERE upn = $1 AND deleted IS NULL",
                "SELECT p.sku FROM users u JOIN seats s ON s.user_id = u.id AND s.active = 0 "
                "JOIN products p ON p.id = s.product_id WHERE u.upn = $1 ORDER BY p.sku",
                "user" },
        [MODEL_LIST_PRODUCTS_SUBSCRIBED] = {
                NULL, "SELECT sku FROM products p WHERE total > 0 "
                "OR EXISTS (SELECT 1 FROM seats WHERE product_id = p.id) "
                "OR EXISTS (SELECT 1 FROM group_licenses WHERE product_id = p.id) ORDER BY sku",
                NULL },
        [MODEL_LIST_SUBSCRIPTIONS] = {
                "SELECT 1 FROM products WHERE sku = $1",
                "SELECT s.name FROM products p JOIN subscriptions s ON s.product_id = p.id "
                "WHERE p.sku = $1 ORDER BY s.name",
                "product" },
        [MODEL_LIST_USER_ERRORS] = {
                "SELECT 1 FROM users WHERE upn = $1 AND deleted IS NULL",
                "SELECT p.sku FROM users u JOIN seats s ON s.user_id = u.id AND s.active IN "
                "(0, 3) JOIN products p ON p.id = s.product_id WHERE u.upn = $1 ORDER BY p.sku",
                "user" },
};

/* Sends the listing's queries, which step reads later: parents (NULL: none) and names. */
static int list_start(struct model *m, const struct listing *l,
                      const struct model_list_request *request, struct sql_stmt **parents,
                      struct sql_stmt **names)
{
        const char *a = request->a, *b = request->b;
        int r = 0;

        /* Unused parameters bind as NULL, which matches nothing. */
        *parents = NULL;
        if (l->parents && !request->parents_known)
                r = sql_prepare(m, parents, l->parents, "tt", a, b);
        if (r >= 0 && *parents)
                r = sql_prefetch(*parents);
        if (r >= 0)
                r = sql_prepare(m, names, l->names, "tt", a, b);
        if (r >= 0)
                r = sql_prefetch(*names);
        return r;
}

/* Reads a started listing: ENOENT when a parent is missing, else fn for each name. */
static int list_read(const struct listing *l, struct sql_stmt *parents, struct sql_stmt *names,
                     model_list_fn fn, void *ctx)
{
        int r = 0;

        if (parents) {
                r = sql_step(parents);
                if (r > 0)
                        sql_reset(parents);
                else if (r == 0)
                        r = refuse(-ENOENT, "no such %s", l->what);
        }
        while (r >= 0 && (r = sql_step(names)) > 0) {
                r = fn(ctx, column_string(names, 0));
                if (r != 0)
                        break;
        }
        if (r != 0)
                sql_reset(names);
        return r;
}

static bool listing_known(enum model_listing listing)
{
        return (unsigned)listing < sizeof(listings) / sizeof(listings[0]);
}

static bool same_args(const struct model_list_request *x, const struct model_list_request *y)
{
        return (x->a == y->a || (x->a && y->a && strcmp(x->a, y->a) == 0)) &&
               (x->b == y->b || (x->b && y->b && strcmp(x->b, y->b) == 0));
}

/*
 * Whether request i shares a statement with another request for other names (the same
 * listing twice, or the same parents' query): bound for the other one meanwhile, it is bound
 * again before it is read.
 */
static bool rebind_needed(const struct model_list_request *requests, struct sql_stmt **parents,
                          struct sql_stmt **names, size_t count, size_t i)
{
        size_t j;

        for (j = 0; j < count; j++)
                if (j != i && !same_args(&requests[i], &requests[j]) &&
                    (names[j] == names[i] || parents[j] == names[i] ||
                     (parents[i] && (parents[j] == parents[i] || names[j] == parents[i]))))
                        return true;
        return false;
}

/* Whether an earlier request found request i's parents already. */
static bool parents_found(const struct model_list_request *requests, struct sql_stmt **parents,
                          size_t i)
{
        size_t k;

        for (k = 0; k < i; k++)
                if (parents[k] == parents[i] && same_args(&requests[k], &requests[i]))
                        return true;
        return false;
}

/* Every request's queries go first, then each is read: one round trip on a server. */
static int lists(struct model *m, const struct model_list_request *requests, size_t count)
{
        struct sql_stmt *parents[MODEL_LIST_EACH_MAX], *names[MODEL_LIST_EACH_MAX];
        size_t i, started = 0;
        int r = 0;

        for (i = 0; i < count && r >= 0; i++) {
                r = list_start(m, &listings[requests[i].listing], &requests[i], &parents[i],
                               &names[i]);
                started += r >= 0;
        }
        for (i = 0; i < started && r >= 0; i++) {
                struct sql_stmt *check = parents[i];

                if (rebind_needed(requests, parents, names, started, i))
                        r = list_start(m, &listings[requests[i].listing], &requests[i], &check,
                                       &names[i]);
                else if (check && parents_found(requests, parents, i))
                        check = NULL;
                if (r >= 0)
                        r = list_read(&listings[requests[i].listing], check, names[i],
                                      requests[i].fn, requests[i].ctx);
        }
        /* What was sent and not read (a failure, a stop) is dropped. */
        for (; i < started; i++) {
                if (parents[i])
                        sql_reset(parents[i]);
                sql_reset(names[i]);
        }
        return r;
}

int model_list_each(struct model *m, const struct model_list_request *requests, size_t count)
{
        size_t i;

        if (count > MODEL_LIST_EACH_MAX)
                return refuse(-EINVAL, "more than %d listings at once", MODEL_LIST_EACH_MAX);
        for (i = 0; i < count; i++)
                if (!listing_known(requests[i].listing))
                        return refuse(-EINVAL, "unknown listing %d", (int)requests[i].listing);
        return READ_TX(m, lists(m, requests, count));
}

int model_list(struct model *m, enum model_listing listing, const char *a, const char *b,
               model_list_fn fn, void *ctx)
{
        struct model_list_request request = { .listing = listing, .a = a, .b = b, .fn = fn,
                                              .ctx = ctx };

        return model_list_each(m, &request, 1);
}
