/*
 * The attribute files: one value per file, newline-terminated, in the sysfs way. A write
 * carries one whole value (blanks around it already dropped); a bad one is EINVAL and changes
 * nothing, since the model checks it before it changes anything. One render and one write
 * function serve each object, switching on the node's kind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"

/* Parses a seat count: decimal digits only, at most MODEL_COUNT_MAX. */
static int parse_count(const char *value, int64_t *ret)
{
        size_t digits = strspn(value, "0123456789");

        if (digits == 0 || value[digits] != '\0')
                return fs_refuse(-EINVAL, "'%.64s' is not a number of seats", value);
        if (digits > 10 || strtoll(value, NULL, 10) > MODEL_COUNT_MAX)
                return fs_refuse(-EINVAL, "a number of seats is at most %d", MODEL_COUNT_MAX);
        *ret = strtoll(value, NULL, 10);
        return 0;
}

/* --- tenant/ ----------------------------------------------------------------------------------- */

static int tenant_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        struct model_tenant tenant;
        int r = model_tenant_get(m, &tenant);

        if (r >= 0)
                fs_buf_printf(&out->content, "%s\n", node->kind == FS_TENANT_NAME
                              ? tenant.name : tenant.usage_location);
        return r;
}

static int tenant_write(struct model *m, const struct fs_node *node, const char *value)
{
        return node->kind == FS_TENANT_NAME ? model_tenant_set_name(m, value)
                                            : model_tenant_set_usage_location(m, value);
}

const struct fs_kind_ops fs_tenant_attr_ops = {
        .render = tenant_render,
        .write = tenant_write,
};

/*
 * tenant/plan_conflicts: a conflict set a line, its plans separated by spaces;
 * tenant/plan_dependencies: "ADD_ON: PREREQUISITE ..." a line, any one prerequisite enough.
 */
struct rule_lines {
        struct fs_buf *buf;
        bool dependencies;
        char key[MODEL_TEXT_MAX + 1];   /* the line being written's; "" before the first */
};

static int rule_line_add(void *ctx, const char *key, const char *plan)
{
        struct rule_lines *lines = ctx;
        bool same = strcmp(lines->key, key) == 0;

        if (!same && lines->key[0])
                fs_buf_printf(lines->buf, "\n");
        if (!same && lines->dependencies)
                fs_buf_printf(lines->buf, "%s:", key);
        fs_buf_printf(lines->buf, "%s%s", same || lines->dependencies ? " " : "", plan);
        snprintf(lines->key, sizeof(lines->key), "%s", key);
        return 0;
}

static int plan_rules_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        struct rule_lines lines = { &out->content, node->kind == FS_TENANT_DEPENDENCIES, "" };
        int r = model_plan_rules(m, lines.dependencies ? MODEL_PLAN_DEPENDENCIES
                                                       : MODEL_PLAN_CONFLICTS,
                                 rule_line_add, &lines);

        if (r >= 0 && lines.key[0])
                fs_buf_printf(&out->content, "\n");
        return r;
}

const struct fs_kind_ops fs_plan_rules_ops = {
        .render = plan_rules_render,
};

/* --- products/SKU/ ------------------------------------------------------------------------------ */

static int product_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        struct model_product p;
        int64_t count;
        int r = model_product_get(m, node->sku, &p);

        if (r < 0)
                return r;
        out->mtime = p.created;
        switch (node->kind) {
        case FS_PRODUCT_NAME:
                fs_buf_printf(&out->content, "%s\n", p.name);
                return 0;
        case FS_PRODUCT_TOTAL:
        case FS_PRODUCT_EXPIRING:
                count = node->kind == FS_PRODUCT_TOTAL ? p.total : p.expiring_soon;
                /* read-only while the seats are the subscriptions' */
                r = model_product_subscribed(m, node->sku);
                if (r < 0)
                        return r;
                if (r > 0)
                        out->mode = S_IFREG | 0444;
                break;
        case FS_PRODUCT_ASSIGNED:
                count = p.assigned;
                break;
        default:
                count = p.available;
                break;
        }
        fs_buf_printf(&out->content, "%lld\n", (long long)count);
        return 0;
}

static int product_write(struct model *m, const struct fs_node *node, const char *value)
{
        int64_t n = 0;
        int r;

        if (node->kind == FS_PRODUCT_NAME)
                return model_product_set_name(m, node->sku, value);
        r = parse_count(value, &n);
        if (r < 0)
                return r;
        return node->kind == FS_PRODUCT_TOTAL ? model_product_set_total(m, node->sku, n)
                                              : model_product_set_expiring_soon(m, node->sku, n);
}

const struct fs_kind_ops fs_product_attr_ops = {
        .render = product_render,
        .write = product_write,
};

const struct fs_kind_ops fs_product_count_ops = {
        .render = product_render,
};

/* --- products/SKU/subscriptions/ID/ ---------------------------------------------------------- */

/* A time as an attribute file shows it: ISO 8601 in UTC, or an empty line for none. */
static void time_line(struct fs_buf *buf, time_t t)
{
        char when[MODEL_TIME_MAX] = "";

        if (t)
                model_time_format(t, when);
        fs_buf_printf(buf, "%s\n", when);
}

static int subscription_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        struct model_subscription sub;
        int r = model_subscription_get(m, node->sku, node->subscription, &sub);

        if (r < 0)
                return r;
        out->mtime = sub.created;
        switch (node->kind) {
        case FS_SUBSCRIPTION_SEATS:
                fs_buf_printf(&out->content, "%lld\n", (long long)sub.seats);
                break;
        case FS_SUBSCRIPTION_ENDS:
                time_line(&out->content, sub.ends);
                break;
        case FS_SUBSCRIPTION_STATUS:
                fs_buf_printf(&out->content, "%s\n", sub.status);
                break;
        case FS_SUBSCRIPTION_NEXT:
                time_line(&out->content, sub.next_lifecycle);
                break;
        case FS_SUBSCRIPTION_TRIAL:
                fs_buf_printf(&out->content, "%s\n", sub.trial ? "yes" : "no");
                break;
        default:
                time_line(&out->content, sub.created);
                break;
        }
        return 0;
}

static int subscription_write(struct model *m, const struct fs_node *node, const char *value)
{
        int64_t n = 0;
        time_t ends = 0;
        int r = 0;

        switch (node->kind) {
        case FS_SUBSCRIPTION_SEATS:
                r = parse_count(value, &n);
                return r < 0 ? r : model_subscription_set_seats(m, node->sku, node->subscription,
                                                                n);
        case FS_SUBSCRIPTION_ENDS:
                /* empty: no end date */
                if (value[0])
                        r = model_time_parse(value, &ends);
                return r < 0 ? r : model_subscription_set_ends(m, node->sku, node->subscription,
                                                               ends);
        case FS_SUBSCRIPTION_TRIAL:
                if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
                        return fs_refuse(-EINVAL, "trial is 'yes' or 'no', not '%.32s'", value);
                return model_subscription_set_trial(m, node->sku, node->subscription,
                                                    strcmp(value, "yes") == 0);
        default:
                return fs_refuse(-EPERM, "read-only");
        }
}

const struct fs_kind_ops fs_subscription_attr_ops = {
        .render = subscription_render,
        .write = subscription_write,
};

/* --- users/UPN/ ---------------------------------------------------------------------------------- */

static int user_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        struct model_user user;
        char when[MODEL_TIME_MAX];
        int r;
        bool deleted = node->kind == FS_DELETED_TIME || node->kind == FS_DELETED_DISPLAY_NAME ||
                       node->kind == FS_DELETED_LOCATION;

        r = deleted ? model_deleted_user_get(m, node->upn, &user)
                    : model_user_get(m, node->upn, &user);
        if (r < 0)
                return r;
        out->mtime = user.created;
        switch (node->kind) {
        case FS_USER_DISPLAY_NAME:
        case FS_DELETED_DISPLAY_NAME:
                fs_buf_printf(&out->content, "%s\n", user.display_name);
                break;
        case FS_DELETED_TIME:
                model_time_format(user.deleted, when);
                fs_buf_printf(&out->content, "%s\n", when);
                out->mtime = user.deleted;
                break;
        default:
                fs_buf_printf(&out->content, "%s\n", user.usage_location);
                break;
        }
        return 0;
}

static int user_write(struct model *m, const struct fs_node *node, const char *value)
{
        return node->kind == FS_USER_DISPLAY_NAME
                       ? model_user_set_display_name(m, node->upn, value)
                       : model_user_set_usage_location(m, node->upn, value);
}

const struct fs_kind_ops fs_user_attr_ops = {
        .render = user_render,
        .write = user_write,
};

const struct fs_kind_ops fs_deleted_user_attr_ops = {
        .render = user_render,
};

/* --- products/SKU/plans: one name per line ----------------------------------------------------- */

#define PLANS_MAX (FS_VALUE_MAX / 2)

static int plans_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        return fs_list_lines(m, &out->content, NULL, MODEL_LIST_PLANS, node->sku, NULL);
}

/* Splits a list written to plans into names: one per line, blank lines ignored. */
static int plans_parse(const char *value, char **ret_copy, const char ***ret_names)
{
        const char **names = calloc(PLANS_MAX, sizeof(*names));
        char *copy = strdup(value);
        int r;

        if (!names || !copy) {
                r = fs_refuse(-ENOMEM, "out of memory");
        } else {
                r = fs_split(copy, '\n', true, names, PLANS_MAX);
                if (r >= 0) {
                        *ret_copy = copy;
                        *ret_names = names;
                        return r;
                }
        }
        free(names);
        free(copy);
        return r;
}

static int plans_check(const struct fs_node *node, const char *value)
{
        const char **names = NULL;
        char *copy = NULL;
        int count = 0, r;

        (void)node;
        r = count = plans_parse(value, &copy, &names);
        if (r >= 0)
                r = model_plans_check(names, (size_t)count);
        free(names);
        free(copy);
        return r;
}

static int plans_write(struct model *m, const struct fs_node *node, const char *value)
{
        const char **names = NULL;
        char *copy = NULL;
        int count = 0, r;

        r = count = plans_parse(value, &copy, &names);
        if (r >= 0)
                r = model_plans_set(m, node->sku, names, (size_t)count);
        free(names);
        free(copy);
        return r;
}

const struct fs_kind_ops fs_plans_ops = {
        .render = plans_render,
        .write = plans_write,
        .check = plans_check,
};
