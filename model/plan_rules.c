/*
 * The service-plan rules: plans that cannot be enabled together for one user (a conflict set,
 * MutuallyExclusiveViolation) and add-on plans that need one of their prerequisites enabled for
 * the same user (DependencyViolation). The rules are data (plan_conflicts, plan_dependencies;
 * the schema ships Microsoft's documented ones) and match plans by name, whatever the product;
 * a plan no rule names is never checked.
 *
 * A user's enabled plans are those of every product it holds a seat of that some path to the
 * product leaves enabled. A change is checked by what it adds: the violations of the users it
 * touches are taken before the change (plan_rules_before) and compared after it
 * (plan_rules_after), inside the change's transaction, so a violation the change did not make
 * (one a group brought) never refuses it, and a refused change is rolled back whole. Callers
 * probe only when the product has a plan some rule names (PRODUCT_RULED_SQL), which the common
 * case answers inside a query it makes anyway.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A user's plans enabled through a held seat, for the users the scope selects ($1). */
#define ENABLED_SQL(scope)                                                                     \
        "WITH en AS (SELECT s.user_id, pl.name, pr.sku FROM seats s "                          \
        "JOIN products pr ON pr.id = s.product_id JOIN plans pl ON pl.product_id = s.product_id " \
        "WHERE " scope " AND s.active = 1 AND ((s.direct = 1 AND NOT EXISTS (SELECT 1 FROM "   \
        "direct_disabled_plans d WHERE d.product_id = s.product_id AND d.user_id = s.user_id " \
        "AND d.plan_id = pl.id)) OR EXISTS (SELECT 1 FROM members mb JOIN group_licenses gl "  \
        "ON gl.group_id = mb.group_id AND gl.product_id = s.product_id WHERE mb.user_id = "    \
        "s.user_id AND NOT EXISTS (SELECT 1 FROM group_disabled_plans g WHERE g.product_id = " \
        "s.product_id AND g.group_id = mb.group_id AND g.plan_id = pl.id)))) "

/*
 * The violations: 'C' a plan and another of its set enabled through another product (each
 * pair twice, once from each side), 'D' an add-on with none of its prerequisites enabled; and
 * 'E' every add-on enabled, so that a new 'D' tells an add-on enabled without a prerequisite
 * from one whose prerequisite went.
 */
#define VIOLATIONS_SQL(scope)                                                                  \
        ENABLED_SQL(scope)                                                                     \
        "SELECT u.upn, 'C', a.name, a.sku, b.name, b.sku FROM en a JOIN plan_conflicts ca ON " \
        "ca.plan = a.name JOIN plan_conflicts cb ON cb.set_no = ca.set_no AND cb.plan <> "     \
        "ca.plan JOIN en b ON b.user_id = a.user_id AND b.name = cb.plan AND b.sku <> a.sku "  \
        "JOIN users u ON u.id = a.user_id "                                                    \
        "UNION ALL SELECT u.upn, 'D', a.name, a.sku, '', '' FROM en a JOIN users u ON u.id = " \
        "a.user_id WHERE EXISTS (SELECT 1 FROM plan_dependencies d WHERE d.plan = a.name) AND " \
        "NOT EXISTS (SELECT 1 FROM plan_dependencies d JOIN en b ON b.user_id = a.user_id AND " \
        "b.name = d.needs WHERE d.plan = a.name) "                                             \
        "UNION ALL SELECT u.upn, 'E', a.name, a.sku, '', '' FROM en a JOIN users u ON u.id = " \
        "a.user_id WHERE EXISTS (SELECT 1 FROM plan_dependencies d WHERE d.plan = a.name) "    \
        "ORDER BY 1, 2, 3, 4, 5, 6"

static const char *const violations_sql[] = {
        [RULES_USER] = VIOLATIONS_SQL("s.user_id = $1"),
        [RULES_GROUP] = VIOLATIONS_SQL("s.user_id IN (SELECT user_id FROM members WHERE "
                                       "group_id = $1)"),
};

/*
 * A row of the violations query as one string, "KIND\tUPN\tPLAN\tSKU\tOTHER\tOTHER_SKU": names
 * hold no control characters, so the tab separates them, and two rows are the same exactly
 * when their strings are.
 */
static int row_key(struct sql_stmt *s, char **ret)
{
        char *key = NULL;

        if (asprintf(&key, "%s\t%s\t%s\t%s\t%s\t%s", column_string(s, 1), column_string(s, 0),
                     column_string(s, 2), column_string(s, 3), column_string(s, 4),
                     column_string(s, 5)) < 0)
                return refuse(-ENOMEM, "out of memory");
        *ret = key;
        return 0;
}

static int key_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void keys_free(char **keys, size_t count)
{
        size_t i;

        for (i = 0; i < count; i++)
                free(keys[i]);
        free(keys);
}

/* The violations of the scope's users, as keys sorted bytewise. */
static int violations_read(struct model *m, enum rules_scope scope, int64_t id, char ***ret,
                           size_t *ret_count)
{
        char **keys = NULL, **grown;
        size_t count = 0;
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, violations_sql[scope], "i", id);
        while (r >= 0 && (r = sql_step(s)) > 0) {
                grown = realloc(keys, (count + 1) * sizeof(*keys));
                r = grown ? row_key(s, &grown[count]) : refuse(-ENOMEM, "out of memory");
                keys = grown ? grown : keys;
                if (r < 0) {
                        sql_reset(s);
                        break;
                }
                count++;
        }
        if (r < 0) {
                keys_free(keys, count);
                return r;
        }
        if (count)
                qsort(keys, count, sizeof(*keys), key_cmp);
        *ret = keys;
        *ret_count = count;
        return 0;
}

int plan_rules_before(struct model *m, enum rules_scope scope, int64_t id, bool through_group,
                      struct plan_rules_probe *probe)
{
        probe->scope = scope;
        probe->id = id;
        probe->through_group = through_group;
        return violations_read(m, scope, id, &probe->before, &probe->before_count);
}

static bool known_before(const struct plan_rules_probe *probe, const char *key)
{
        return probe->before_count && bsearch(&key, probe->before, probe->before_count,
                                              sizeof(*probe->before), key_cmp) != NULL;
}

/* Whether the add-on of a 'D' key was enabled before the change: its 'E' key was there. */
static bool enabled_before(const struct plan_rules_probe *probe, const char *key)
{
        char e[2 * MODEL_TEXT_MAX + 2 * MODEL_NAME_MAX + 16];

        snprintf(e, sizeof(e), "E%s", key + 1);
        return known_before(probe, e);
}

/* The prerequisites of an add-on plan, as "'A' or 'B'", into buf. */
static int needs_text(struct model *m, const char *plan, char *buf, size_t size)
{
        struct sql_stmt *s;
        size_t used = 0;
        int r;

        buf[0] = '\0';
        r = sql_prepare(m, &s, "SELECT needs FROM plan_dependencies WHERE plan = $1 ORDER BY needs",
                        "t", plan);
        /* Whole names only: a name cut short could end inside a UTF-8 sequence. */
        while (r >= 0 && (r = sql_step(s)) > 0) {
                const char *needs = column_string(s, 0);
                size_t n = strlen(needs) + (used ? 6 : 2);

                if (used + n < size)
                        used += snprintf(buf + used, size - used, "%s'%s'", used ? " or " : "",
                                         needs);
        }
        return r < 0 ? r : 0;
}

/* The refusal of a new violation; splits `key` in place. */
static int refuse_violation(struct model *m, const struct plan_rules_probe *probe, char *key)
{
        bool was_enabled = enabled_before(probe, key);
        const char *field[6];
        char needs[512], *p = key;
        int i, r;

        for (i = 0; i < 6; i++)
                field[i] = strsep(&p, "\t");
        /* field: kind, upn, plan, sku, other, other_sku */
        if (field[0][0] == 'C')
                return refuse(-EEXIST, "MutuallyExclusiveViolation: service plan '%s' of '%s' "
                              "conflicts with '%s', which '%s' enables for '%s'", field[2],
                              field[3], field[4], field[5], field[1]);
        r = needs_text(m, field[2], needs, sizeof(needs));
        if (r < 0)
                return r;
        if (was_enabled)
                return refuse(-EBUSY, "DependencyViolation: service plan '%s' of '%s' needs %s "
                              "enabled for '%s', and this would leave it without", field[2],
                              field[3], needs, field[1]);
        return refuse(-ENOPKG, "DependencyViolation: service plan '%s' of '%s' needs %s "
                      "enabled for '%s'", field[2], field[3], needs, field[1]);
}

int plan_rules_after(struct model *m, struct plan_rules_probe *probe, int changed)
{
        char **after = NULL;
        size_t count = 0, i;
        int r = changed;

        if (r >= 0)
                r = violations_read(m, probe->scope, probe->id, &after, &count);
        for (i = 0; r >= 0 && i < count; i++) {
                if (after[i][0] == 'E' || known_before(probe, after[i]))
                        continue;
                if (probe->through_group && !(after[i][0] == 'D' &&
                                              enabled_before(probe, after[i])))
                        continue;
                r = refuse_violation(m, probe, after[i]);
        }
        keys_free(after, count);
        keys_free(probe->before, probe->before_count);
        probe->before = NULL;
        probe->before_count = 0;
        return r < 0 ? r : changed;
}

/*
 * A group claim of a product is held back when the plans its groups leave enabled would break a
 * rule beside what the user's other seats enable: 'C' a plan of a conflict set another
 * product enables (other, other_sku), 'D' an add-on with no prerequisite among either. $1 the
 * product, $2 the user; the first violation only.
 */
static const char claim_violation_sql[] =
        ENABLED_SQL("s.user_id = $2 AND s.product_id <> $1")
        ", mine AS (SELECT pl.name FROM plans pl WHERE pl.product_id = $1 AND EXISTS (SELECT 1 "
        "FROM members mb JOIN group_licenses gl ON gl.group_id = mb.group_id AND gl.product_id "
        "= $1 WHERE mb.user_id = $2 AND NOT EXISTS (SELECT 1 FROM group_disabled_plans g WHERE "
        "g.product_id = $1 AND g.group_id = mb.group_id AND g.plan_id = pl.id))) "
        "SELECT 'C', a.name, b.name, b.sku FROM mine a JOIN plan_conflicts ca ON ca.plan = "
        "a.name JOIN plan_conflicts cb ON cb.set_no = ca.set_no AND cb.plan <> ca.plan JOIN en b "
        "ON b.name = cb.plan "
        "UNION ALL SELECT 'D', a.name, '', '' FROM mine a WHERE EXISTS (SELECT 1 FROM "
        "plan_dependencies d WHERE d.plan = a.name) AND NOT EXISTS (SELECT 1 FROM "
        "plan_dependencies d WHERE d.plan = a.name AND (d.needs IN (SELECT name FROM mine) OR "
        "d.needs IN (SELECT name FROM en))) ORDER BY 1, 2, 3, 4";

int plan_rules_claim_check(struct model *m, int64_t product, int64_t user, char *reason,
                           size_t size)
{
        char plan[MODEL_TEXT_MAX + 1], other[MODEL_TEXT_MAX + 1], other_sku[MODEL_NAME_MAX + 1];
        char needs[512], sku[MODEL_NAME_MAX + 1];
        struct sql_stmt *s;
        bool conflict;
        int r;

        r = sql_prepare(m, &s, claim_violation_sql, "ii", product, user);
        if (r >= 0)
                r = sql_step(s);
        if (r <= 0)
                return r;
        conflict = column_string(s, 0)[0] == 'C';
        column_text(s, 1, plan, sizeof(plan));
        column_text(s, 2, other, sizeof(other));
        column_text(s, 3, other_sku, sizeof(other_sku));
        sql_reset(s);
        r = sql_text(m, sku, sizeof(sku), "SELECT sku FROM products WHERE id = $1", "i", product);
        if (r >= 0 && !conflict)
                r = needs_text(m, plan, needs, sizeof(needs));
        if (r < 0)
                return r;
        if (conflict)
                snprintf(reason, size, "MutuallyExclusiveViolation: service plan '%s' of '%s' "
                         "conflicts with '%s', which '%s' enables", plan, sku, other, other_sku);
        else
                snprintf(reason, size, "DependencyViolation: service plan '%s' of '%s' needs %s "
                         "enabled", plan, sku, needs);
        return 1;
}

int plan_rules_product_ruled(struct model *m, int64_t product)
{
        int64_t ruled = 0;
        int r = sql_int(m, &ruled, "SELECT CASE WHEN " PRODUCT_RULED_SQL("$1")
                        " THEN 1 ELSE 0 END", "i", product);

        return r < 0 ? r : ruled != 0;
}

int plan_rules_begin(struct model *m, int64_t product, enum rules_scope scope, int64_t id,
                     bool through_group, struct plan_rules_probe *probe)
{
        int ruled = plan_rules_product_ruled(m, product), r;

        if (ruled <= 0)
                return ruled;
        r = plan_rules_before(m, scope, id, through_group, probe);
        return r < 0 ? r : 1;
}

int plan_rules_group_ruled(struct model *m, int64_t group)
{
        int64_t ruled = 0;
        int r = sql_int(m, &ruled, "SELECT CASE WHEN EXISTS (SELECT 1 FROM group_licenses gl "
                        "WHERE gl.group_id = $1 AND " PRODUCT_RULED_SQL("gl.product_id")
                        ") THEN 1 ELSE 0 END", "i", group);

        return r < 0 ? r : ruled != 0;
}

int plan_rules_group_check(struct model *m, int64_t group)
{
        char plan[MODEL_TEXT_MAX + 1], sku[MODEL_NAME_MAX + 1], needs[512];
        struct sql_stmt *s;
        int r;

        /* An add-on a license of the group leaves enabled, with no prerequisite that one does. */
        r = sql_prepare(m, &s, "WITH en AS (SELECT pl.name, pr.sku FROM group_licenses gl "
                        "JOIN products pr ON pr.id = gl.product_id JOIN plans pl ON "
                        "pl.product_id = gl.product_id WHERE gl.group_id = $1 AND NOT EXISTS "
                        "(SELECT 1 FROM group_disabled_plans g WHERE g.group_id = $1 AND "
                        "g.product_id = gl.product_id AND g.plan_id = pl.id)) "
                        "SELECT a.name, a.sku FROM en a WHERE EXISTS (SELECT 1 FROM "
                        "plan_dependencies d WHERE d.plan = a.name) AND NOT EXISTS (SELECT 1 "
                        "FROM plan_dependencies d JOIN en b ON b.name = d.needs WHERE d.plan = "
                        "a.name) ORDER BY 1, 2", "i", group);
        if (r >= 0)
                r = sql_step(s);
        if (r <= 0)
                return r;
        column_text(s, 0, plan, sizeof(plan));
        column_text(s, 1, sku, sizeof(sku));
        sql_reset(s);
        r = needs_text(m, plan, needs, sizeof(needs));
        if (r < 0)
                return r;
        return refuse(-EINVAL, "DependencyViolation: the group's license of '%s' enables the "
                      "add-on plan '%s', which needs %s enabled by a license of the same group",
                      sku, plan, needs);
}

static int plan_rules_list(struct model *m, enum model_plan_rule rule, model_plan_rule_fn fn,
                           void *ctx)
{
        char key[MODEL_TEXT_MAX + 1];
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, rule == MODEL_PLAN_CONFLICTS
                        ? "SELECT CAST(set_no AS TEXT), plan FROM plan_conflicts "
                          "ORDER BY set_no, plan"
                        : "SELECT plan, needs FROM plan_dependencies ORDER BY plan, needs", "");
        while (r >= 0 && (r = sql_step(s)) > 0) {
                column_text(s, 0, key, sizeof(key));
                r = fn(ctx, key, column_string(s, 1));
                if (r != 0) {
                        sql_reset(s);
                        break;
                }
        }
        return r;
}

int model_plan_rules(struct model *m, enum model_plan_rule rule, model_plan_rule_fn fn,
                     void *ctx)
{
        return READ_TX(m, plan_rules_list(m, rule, fn, ctx));
}
