/*
 * The record files: a seat holder, a group's license, a membership and the two kinds of wait
 * for a seat. Each renders as key=value lines; the ones that stand for an assignment or a
 * membership are made by touch and ended by rm, and an assignment takes its options
 * (disabled_plans=...) as a one-line write.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"

struct lines_ctx {
        struct fs_buf *buf;
        const char *key;
        const char *separator;          /* joining names on one line; NULL: a line each */
        int count;
};

static int add_line(void *opaque, const char *name)
{
        struct lines_ctx *lines = opaque;

        if (lines->separator && lines->count)
                fs_buf_append(lines->buf, lines->separator, strlen(lines->separator));
        if (lines->key && !lines->separator) {
                fs_buf_append(lines->buf, lines->key, strlen(lines->key));
                fs_buf_append(lines->buf, "=", 1);
        }
        fs_buf_append(lines->buf, name, strlen(name));
        if (!lines->separator)
                fs_buf_append(lines->buf, "\n", 1);
        lines->count++;
        return 0;
}

int fs_list_lines(struct model *m, struct fs_buf *buf, const char *key,
                  enum model_listing listing, const char *a, const char *b)
{
        struct lines_ctx lines = { buf, key, NULL, 0 };

        return model_list(m, listing, a, b, add_line, &lines);
}

/* One `key=NAME,NAME,...` line (`key=` when the listing is empty). */
static int joined_line(struct model *m, struct fs_buf *buf, const char *key,
                       enum model_listing listing, const char *a, const char *b)
{
        struct lines_ctx lines = { buf, key, ",", 0 };
        int r;

        fs_buf_printf(buf, "%s=", key);
        r = model_list(m, listing, a, b, add_line, &lines);
        fs_buf_printf(buf, "\n");
        return r;
}

/*
 * Parses `disabled_plans=NAME[,NAME...]` (an empty list clears) and hands the names to set.
 */
static int options_write(const char *value,
                         int (*set)(const char *const *names, size_t count, const void *ctx),
                         const void *ctx)
{
        const char **names;
        char *copy;
        int count = 0, r;

        if (strncmp(value, "disabled_plans=", 15) != 0)
                return fs_refuse(-EINVAL, "a record takes one line: disabled_plans=PLAN[,PLAN...]");
        copy = strdup(strchr(value, '=') + 1);
        names = calloc(strlen(value) + 1, sizeof(*names));
        if (!copy || !names)
                r = fs_refuse(-ENOMEM, "out of memory");
        else
                r = count = fs_split(copy, ',', false, names, strlen(value) + 1);
        if (r >= 0)
                r = set(names, (size_t)count, ctx);
        free(names);
        free(copy);
        return r;
}

/* The value of a `key=` line of a rendered record ("" when absent), copied into out. */
static void record_value(const char *record, const char *key, char *out, size_t size)
{
        size_t key_len = strlen(key);
        const char *line;

        out[0] = '\0';
        for (line = record; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1
                                                                     : NULL) {
                if (strncmp(line, key, key_len) == 0 && line[key_len] == '=') {
                        snprintf(out, size, "%.*s", (int)strcspn(line + key_len + 1, "\n"),
                                 line + key_len + 1);
                        return;
                }
        }
}

struct options_target {
        struct model *m;
        const struct fs_node *node;
};

static int set_direct_disabled(const char *const *names, size_t count, const void *ctx)
{
        const struct options_target *t = ctx;

        return model_direct_disabled_set(t->m, t->node->sku, t->node->upn, names, count);
}

static int set_group_disabled(const char *const *names, size_t count, const void *ctx)
{
        const struct options_target *t = ctx;

        return model_group_disabled_set(t->m, t->node->sku, t->node->group, names, count);
}

static void since_line(struct fs_file *out, time_t since)
{
        char when[MODEL_TIME_MAX];

        model_time_format(since, when);
        fs_buf_printf(&out->content, "since=%s\n", when);
        out->mtime = since;
}

/* --- holders: products/SKU/users/UPN and users/UPN/licenses/SKU ------------------------------ */

/* The listed parts of a seat's record, each gathered into its own buffer. */
struct seat_parts {
        struct fs_buf groups, disabled, plans;
        struct lines_ctx group_lines, disabled_names, plan_lines;
};

static void parts_start(struct seat_parts *p)
{
        memset(p, 0, sizeof(*p));
        p->group_lines = (struct lines_ctx){ &p->groups, "group", NULL, 0 };
        p->disabled_names = (struct lines_ctx){ &p->disabled, NULL, ",", 0 };
        p->plan_lines = (struct lines_ctx){ &p->plans, "plan", NULL, 0 };
}

static void parts_free(struct seat_parts *p)
{
        fs_buf_free(&p->groups);
        fs_buf_free(&p->disabled);
        fs_buf_free(&p->plans);
}

static void buf_append(struct fs_buf *to, const struct fs_buf *from)
{
        fs_buf_append(to, from->data ? from->data : "", from->len);
}

/*
 * A holder's record, or a deleted user's suspended one: the same lines, another state. An
 * inherited-only holder's mode is 0444, which tells people and find(1) that rm cannot
 * remove it.
 */
static int seat_format(struct fs_file *out, const char *upn, const char *sku, bool suspended,
                       bool direct, time_t since, const struct seat_parts *p)
{
        int r;

        fs_buf_printf(&out->content, "user=%s\nproduct=%s\nstate=%s\ndirect=%s\n", upn, sku,
                      suspended ? "suspended" : "active", direct ? "yes" : "no");
        buf_append(&out->content, &p->groups);
        fs_buf_append(&out->content, "disabled_plans=", 15);
        buf_append(&out->content, &p->disabled);
        fs_buf_append(&out->content, "\n", 1);
        buf_append(&out->content, &p->plans);
        since_line(out, since);
        if (!suspended && !direct)
                out->mode = S_IFREG | 0444;
        r = fs_buf_error(&p->groups);
        if (r >= 0)
                r = fs_buf_error(&p->disabled);
        return r < 0 ? r : fs_buf_error(&p->plans);
}

/*
 * A deleted user's suspended seat's record: its three listings are read together (one round
 * trip on a server), in the caller's read session, where the seat just read says its product
 * and user exist.
 */
static int suspended_record(struct model *m, const struct fs_node *node, struct fs_file *out,
                            const struct model_holder *seat)
{
        struct seat_parts parts;
        const struct model_list_request listings[] = {
                { MODEL_LIST_SUSPENDED_PATHS, node->sku, node->upn, add_line,
                  &parts.group_lines, .parents_known = true },
                { MODEL_LIST_DIRECT_DISABLED, node->sku, node->upn, add_line,
                  &parts.disabled_names, .parents_known = true },
                { MODEL_LIST_EFFECTIVE_PLANS, node->sku, node->upn, add_line, &parts.plan_lines,
                  .parents_known = true },
        };
        int r;

        parts_start(&parts);
        r = model_list_each(m, listings, sizeof(listings) / sizeof(listings[0]));
        if (r >= 0)
                r = seat_format(out, node->upn, node->sku, true, seat->direct, seat->since,
                                &parts);
        parts_free(&parts);
        return r;
}

/* Every holder of a product, from model_holder_records's rows: one holder's at a time. */
struct holders_ctx {
        const char *sku;
        mode_t mode;
        fs_rendered_fn fn;
        void *ctx;
        char upn[MODEL_NAME_MAX + 1];   /* the holder being gathered; "" before the first */
        bool direct;
        time_t since;
        struct seat_parts parts;
};

/* Renders the holder gathered so far and hands it on. */
static int holder_done(struct holders_ctx *h)
{
        struct fs_file file = { .mode = h->mode };
        int r;

        if (!h->upn[0])
                return 0;
        r = seat_format(&file, h->upn, h->sku, false, h->direct, h->since, &h->parts);
        if (r >= 0)
                r = fs_buf_error(&file.content);
        if (r >= 0)
                r = h->fn(h->ctx, h->upn, &file);
        fs_buf_free(&file.content);
        parts_free(&h->parts);
        parts_start(&h->parts);
        h->upn[0] = '\0';
        return r;
}

static int holder_row(void *opaque, const struct model_record_row *row)
{
        struct holders_ctx *h = opaque;
        int r;

        switch (row->part) {
        case MODEL_RECORD_SEAT:
                r = holder_done(h);
                snprintf(h->upn, sizeof(h->upn), "%s", row->upn);
                h->direct = row->direct;
                h->since = row->since;
                return r;
        case MODEL_RECORD_GROUP:
                return add_line(&h->parts.group_lines, row->name);
        case MODEL_RECORD_DISABLED:
                return add_line(&h->parts.disabled_names, row->name);
        case MODEL_RECORD_PLAN:
                return add_line(&h->parts.plan_lines, row->name);
        }
        return 0;
}

/* One holder's record (one statement), as render gives it. */
static int take_record(void *opaque, const char *name, const struct fs_file *file)
{
        struct fs_file *out = opaque;

        (void)name;
        buf_append(&out->content, &file->content);
        out->mode = file->mode;
        out->mtime = file->mtime;
        return fs_buf_error(&out->content);
}

/* Renders the records of product `sku`'s holders (upn NULL) or of one, in one statement. */
static int holders_render(struct model *m, const char *sku, const char *upn, mode_t mode,
                          fs_rendered_fn fn, void *ctx)
{
        struct holders_ctx h = { .sku = sku, .mode = mode, .fn = fn, .ctx = ctx };
        int r;

        parts_start(&h.parts);
        r = upn ? model_holder_record(m, sku, upn, holder_row, &h)
                : model_holder_records(m, sku, holder_row, &h);
        if (r >= 0)
                r = holder_done(&h);
        parts_free(&h.parts);
        return r;
}

static int holder_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        return holders_render(m, node->sku, node->upn, out->mode, take_record, out);
}

/* A product's holders at once; a user's licenses, one by one. */
static int holder_render_all(struct model *m, const struct fs_node *dir, mode_t mode,
                             fs_rendered_fn fn, void *ctx)
{
        return dir->kind == FS_PRODUCT_USERS ? holders_render(m, dir->sku, NULL, mode, fn, ctx)
                                             : 0;
}

static int suspended_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        struct model_holder seat;
        int r;

        r = model_suspended_get(m, node->sku, node->upn, &seat);
        return r < 0 ? r : suspended_record(m, node, out, &seat);
}

const struct fs_kind_ops fs_suspended_ops = {
        .render = suspended_render,
};

static int holder_assign(struct model *m, const struct fs_node *node)
{
        return model_direct_assign(m, node->sku, node->upn);
}

static int holder_remove(struct model *m, const struct fs_node *node)
{
        return model_direct_remove(m, node->sku, node->upn);
}

static int holder_options(struct model *m, const struct fs_node *node, const char *value)
{
        struct options_target target = { m, node };

        return options_write(value, set_direct_disabled, &target);
}

static int holder_save(struct model *m, const struct fs_node *node, void **ret)
{
        struct model_holder_options *saved;
        int r = model_holder_options_save(m, node->sku, node->upn, &saved);

        if (r >= 0)
                *ret = saved;
        return r;
}

static void holder_forget(void *saved)
{
        model_holder_options_free(saved);
}

/* Undoes options writes: the direct path they added, or the options they replaced. */
static int holder_undo(struct model *m, const struct fs_node *node, const char *before,
                       void *saved)
{
        (void)before;
        return model_holder_options_restore(m, node->sku, node->upn, saved);
}

const struct fs_kind_ops fs_holder_ops = {
        .render = holder_render,
        .render_all = holder_render_all,
        .write = holder_options,
        .save = holder_save,
        .forget = holder_forget,
        .undo = holder_undo,
        .create = holder_assign,
        .touch = holder_assign,
        .unlink = holder_remove,
};

/* --- group licenses: products/SKU/groups/G and groups/G/licenses/SKU ------------------------- */

static int group_license_render(struct model *m, const struct fs_node *node,
                                struct fs_file *out)
{
        struct model_group_license license;
        int r;

        r = model_group_license_get(m, node->sku, node->group, &license);
        if (r < 0)
                return r;
        fs_buf_printf(&out->content, "group=%s\nproduct=%s\nmembers=%lld\nerrors=%lld\n",
                      node->group, node->sku, (long long)license.members,
                      (long long)license.errors);
        r = joined_line(m, &out->content, "disabled_plans", MODEL_LIST_GROUP_DISABLED, node->sku,
                        node->group);
        if (r < 0)
                return r;
        since_line(out, license.since);
        return 0;
}

static int group_license_add(struct model *m, const struct fs_node *node)
{
        return model_group_license_add(m, node->sku, node->group);
}

static int group_license_remove(struct model *m, const struct fs_node *node)
{
        return model_group_license_remove(m, node->sku, node->group);
}

static int group_license_options(struct model *m, const struct fs_node *node,
                                 const char *value)
{
        struct options_target target = { m, node };

        return options_write(value, set_group_disabled, &target);
}

static int group_license_undo(struct model *m, const struct fs_node *node, const char *before,
                              void *saved)
{
        char value[FS_VALUE_MAX];

        (void)saved;
        snprintf(value, sizeof(value), "disabled_plans=");
        record_value(before, "disabled_plans", value + strlen(value),
                     sizeof(value) - strlen(value));
        return group_license_options(m, node, value);
}

const struct fs_kind_ops fs_group_license_ops = {
        .render = group_license_render,
        .write = group_license_options,
        .undo = group_license_undo,
        .create = group_license_add,
        .unlink = group_license_remove,
};

/* --- memberships: groups/G/members/UPN (rw) and users/UPN/groups/G (ro) ---------------------- */

static int member_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        struct model_member member;
        int r;

        r = node->kind == FS_DELETED_GROUP
                    ? model_inactive_member_get(m, node->group, node->upn, &member)
                    : model_member_get(m, node->group, node->upn, &member);
        if (r < 0)
                return r;
        fs_buf_printf(&out->content, "user=%s\ngroup=%s\n", node->upn, node->group);
        since_line(out, member.since);
        return 0;
}

static int member_add(struct model *m, const struct fs_node *node)
{
        return model_member_add(m, node->group, node->upn);
}

static int member_remove(struct model *m, const struct fs_node *node)
{
        return model_member_remove(m, node->group, node->upn);
}

const struct fs_kind_ops fs_member_ops = {
        .render = member_render,
        .create = member_add,
        .unlink = member_remove,
};

const struct fs_kind_ops fs_membership_ops = {
        .render = member_render,
};

/* --- waits: products/SKU/errors/UPN and groups/G/errors/UPN ---------------------------------- */

static int product_error_render(struct model *m, const struct fs_node *node,
                                struct fs_file *out)
{
        struct model_error *error;
        int r;

        /* Large (the reason's room): not on the stack of a FUSE worker. */
        error = malloc(sizeof(*error));
        if (!error)
                return -ENOMEM;
        r = model_error_get(m, node->sku, node->upn, error);
        if (r < 0)
                goto out;
        fs_buf_printf(&out->content, "user=%s\nproduct=%s\nerror=%s\n", node->upn, node->sku,
                      error->kind);
        if (error->reason[0])
                fs_buf_printf(&out->content, "reason=%s\n", error->reason);
        fs_buf_printf(&out->content, "direct=%s\n", error->direct ? "yes" : "no");
        r = fs_list_lines(m, &out->content, "group", MODEL_LIST_PATH_GROUPS, node->sku, node->upn);
        if (r < 0)
                goto out;
        since_line(out, error->since);
        /* A waiting direct assignment (a restore's) can be withdrawn with rm. */
        if (error->direct)
                out->mode = S_IFREG | 0644;
out:
        free(error);
        return r < 0 ? r : 0;
}

static int product_error_withdraw(struct model *m, const struct fs_node *node)
{
        return model_direct_withdraw(m, node->sku, node->upn);
}

const struct fs_kind_ops fs_product_error_ops = {
        .render = product_error_render,
        .unlink = product_error_withdraw,
};

/* For each of the group's products the member is in error for: error=, product=, reason=. */
static int group_error_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        struct fs_buf skus = { 0 };
        struct model_error *error;
        time_t since = 0;
        char *sku, *end;
        int r;

        /* Large (the reason's room): not on the stack of a FUSE worker. */
        error = malloc(sizeof(*error));
        if (!error)
                return -ENOMEM;
        /*
         * Collected first, a SKU a line (it holds no control characters): the model is not
         * called again from inside a listing.
         */
        r = fs_list_lines(m, &skus, NULL, MODEL_LIST_ERROR_PRODUCTS, node->group, node->upn);
        if (r >= 0)
                r = fs_buf_error(&skus);
        if (r >= 0)
                fs_buf_printf(&out->content, "user=%s\ngroup=%s\n", node->upn, node->group);
        for (sku = skus.data; r >= 0 && sku && *sku; sku = end + 1) {
                end = strchr(sku, '\n');
                *end = '\0';
                r = model_error_get(m, sku, node->upn, error);
                if (r < 0)
                        break;
                fs_buf_printf(&out->content, "error=%s\nproduct=%s\n", error->kind, sku);
                if (error->reason[0])
                        fs_buf_printf(&out->content, "reason=%s\n", error->reason);
                if (!since || error->since < since)
                        since = error->since;
        }
        if (r >= 0 && !since)
                r = -ENOENT;            /* in error for none of the group's products */
        if (r >= 0)
                since_line(out, since);
        fs_buf_free(&skus);
        free(error);
        return r < 0 ? r : 0;
}

const struct fs_kind_ops fs_group_error_ops = {
        .render = group_error_render,
};
