/*
 * The table of node kinds and the generic operations on a parsed node. Lookup (path.c) and
 * readdir (fs_node_list) walk the same table, so a name the one finds the other lists. Where a
 * kind lacks an operation the tree does not allow it, and the answer is EPERM.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"

#define DIR_RW (S_IFDIR | 0755)         /* accepts mkdir or touch */
#define DIR_RO (S_IFDIR | 0555)
#define FILE_RW (S_IFREG | 0644)
#define FILE_RO (S_IFREG | 0444)

const struct fs_kind_info fs_kinds[FS_KIND_COUNT] = {
        [FS_ROOT] = { "", FS_ROOT, FIELD_NONE, 0, DIR_RO, NULL, 0 },

        [FS_TENANT] = { "tenant", FS_ROOT, FIELD_NONE, 0, DIR_RO, NULL, 0 },
        /* the tenant's and a product's names and plans: their changes reach every record */
        [FS_TENANT_NAME] = { "name", FS_TENANT, FIELD_NONE, 0, FILE_RW, &fs_tenant_attr_ops,
                             0 },
        [FS_TENANT_LOCATION] = { "usage_location", FS_TENANT, FIELD_NONE, 0, FILE_RW,
                                 &fs_tenant_attr_ops, 0 },
        [FS_TENANT_CONFLICTS] = { "plan_conflicts", FS_TENANT, FIELD_NONE, 0, FILE_RO,
                                  &fs_plan_rules_ops, 0 },
        [FS_TENANT_DEPENDENCIES] = { "plan_dependencies", FS_TENANT, FIELD_NONE, 0, FILE_RO,
                                     &fs_plan_rules_ops, 0 },

        [FS_PRODUCTS] = { "products", FS_ROOT, FIELD_NONE, 0, DIR_RW, NULL, 0 },
        [FS_PRODUCT] = { NULL, FS_PRODUCTS, FIELD_SKU, MODEL_LIST_PRODUCTS, DIR_RO,
                         &fs_product_dir_ops, 0 },
        [FS_PRODUCT_NAME] = { "name", FS_PRODUCT, FIELD_NONE, 0, FILE_RW,
                              &fs_product_attr_ops, 0 },
        [FS_PRODUCT_TOTAL] = { "total", FS_PRODUCT, FIELD_NONE, 0, FILE_RW,
                               &fs_product_attr_ops, STALE_ON_PRODUCT },
        [FS_PRODUCT_EXPIRING] = { "expiring_soon", FS_PRODUCT, FIELD_NONE, 0, FILE_RW,
                                  &fs_product_attr_ops, STALE_ON_PRODUCT },
        [FS_PRODUCT_ASSIGNED] = { "assigned", FS_PRODUCT, FIELD_NONE, 0, FILE_RO,
                                  &fs_product_count_ops, STALE_ON_PRODUCT },
        [FS_PRODUCT_AVAILABLE] = { "available", FS_PRODUCT, FIELD_NONE, 0, FILE_RO,
                                   &fs_product_count_ops, STALE_ON_PRODUCT },
        [FS_PRODUCT_PLANS] = { "plans", FS_PRODUCT, FIELD_NONE, 0, FILE_RW, &fs_plans_ops,
                          0 },
        [FS_PRODUCT_USERS] = { "users", FS_PRODUCT, FIELD_NONE, 0, DIR_RW, NULL, 0 },
        [FS_PRODUCT_USER] = { NULL, FS_PRODUCT_USERS, FIELD_UPN, MODEL_LIST_PRODUCT_HOLDERS,
                              FILE_RW, &fs_holder_ops, STALE_ON_SEAT },
        [FS_PRODUCT_GROUPS] = { "groups", FS_PRODUCT, FIELD_NONE, 0, DIR_RW, NULL, 0 },
        [FS_PRODUCT_GROUP] = { NULL, FS_PRODUCT_GROUPS, FIELD_GROUP, MODEL_LIST_PRODUCT_GROUPS,
                               FILE_RW, &fs_group_license_ops, STALE_ON_GROUP_LICENSE },
        [FS_PRODUCT_ERRORS] = { "errors", FS_PRODUCT, FIELD_NONE, 0, DIR_RW, NULL, 0 },
        [FS_PRODUCT_ERROR] = { NULL, FS_PRODUCT_ERRORS, FIELD_UPN, MODEL_LIST_PRODUCT_ERRORS,
                               FILE_RO, &fs_product_error_ops, STALE_ON_SEAT },
        /* a subscription's change shows everywhere (MODEL_CHANGE_ALL): no stale marks needed */
        [FS_PRODUCT_SUBSCRIPTIONS] = { "subscriptions", FS_PRODUCT, FIELD_NONE, 0, DIR_RW, NULL,
                                       0 },
        [FS_SUBSCRIPTION] = { NULL, FS_PRODUCT_SUBSCRIPTIONS, FIELD_SUBSCRIPTION,
                              MODEL_LIST_SUBSCRIPTIONS, DIR_RO, &fs_subscription_dir_ops, 0 },
        [FS_SUBSCRIPTION_SEATS] = { "seats", FS_SUBSCRIPTION, FIELD_NONE, 0, FILE_RW,
                                    &fs_subscription_attr_ops, 0 },
        [FS_SUBSCRIPTION_ENDS] = { "ends", FS_SUBSCRIPTION, FIELD_NONE, 0, FILE_RW,
                                   &fs_subscription_attr_ops, 0 },
        [FS_SUBSCRIPTION_STATUS] = { "status", FS_SUBSCRIPTION, FIELD_NONE, 0, FILE_RO,
                                     &fs_subscription_attr_ops, 0 },
        [FS_SUBSCRIPTION_NEXT] = { "next_lifecycle", FS_SUBSCRIPTION, FIELD_NONE, 0, FILE_RO,
                                   &fs_subscription_attr_ops, 0 },
        [FS_SUBSCRIPTION_TRIAL] = { "trial", FS_SUBSCRIPTION, FIELD_NONE, 0, FILE_RW,
                                    &fs_subscription_attr_ops, 0 },
        [FS_SUBSCRIPTION_CREATED] = { "created", FS_SUBSCRIPTION, FIELD_NONE, 0, FILE_RO,
                                      &fs_subscription_attr_ops, 0 },

        [FS_USERS] = { "users", FS_ROOT, FIELD_NONE, 0, DIR_RW, NULL, 0 },
        [FS_USER] = { NULL, FS_USERS, FIELD_UPN, MODEL_LIST_USERS, DIR_RO, &fs_user_dir_ops, 0 },
        [FS_USER_DISPLAY_NAME] = { "display_name", FS_USER, FIELD_NONE, 0, FILE_RW,
                                   &fs_user_attr_ops, 0 },
        [FS_USER_LOCATION] = { "usage_location", FS_USER, FIELD_NONE, 0, FILE_RW,
                               &fs_user_attr_ops, 0 },
        [FS_USER_LICENSES] = { "licenses", FS_USER, FIELD_NONE, 0, DIR_RW, NULL, 0 },
        [FS_USER_LICENSE] = { NULL, FS_USER_LICENSES, FIELD_SKU, MODEL_LIST_USER_LICENSES,
                              FILE_RW, &fs_holder_ops, STALE_ON_SEAT },
        [FS_USER_GROUPS] = { "groups", FS_USER, FIELD_NONE, 0, DIR_RO, NULL, 0 },
        [FS_USER_GROUP] = { NULL, FS_USER_GROUPS, FIELD_GROUP, MODEL_LIST_USER_GROUPS, FILE_RO,
                            &fs_membership_ops, 0 },

        [FS_GROUPS] = { "groups", FS_ROOT, FIELD_NONE, 0, DIR_RW, NULL, 0 },
        [FS_GROUP] = { NULL, FS_GROUPS, FIELD_GROUP, MODEL_LIST_GROUPS, DIR_RO,
                       &fs_group_dir_ops, STALE_ON_GROUP },
        [FS_GROUP_MEMBERS] = { "members", FS_GROUP, FIELD_NONE, 0, DIR_RW, NULL, 0 },
        [FS_GROUP_MEMBER] = { NULL, FS_GROUP_MEMBERS, FIELD_UPN, MODEL_LIST_GROUP_MEMBERS,
                              FILE_RW, &fs_member_ops, 0 },
        [FS_GROUP_LICENSES] = { "licenses", FS_GROUP, FIELD_NONE, 0, DIR_RW, NULL, 0 },
        [FS_GROUP_LICENSE] = { NULL, FS_GROUP_LICENSES, FIELD_SKU, MODEL_LIST_GROUP_LICENSES,
                               FILE_RW, &fs_group_license_ops, STALE_ON_GROUP_LICENSE },
        [FS_GROUP_ERRORS] = { "errors", FS_GROUP, FIELD_NONE, 0, DIR_RO, NULL, 0 },
        [FS_GROUP_ERROR] = { NULL, FS_GROUP_ERRORS, FIELD_UPN, MODEL_LIST_GROUP_ERRORS,
                             FILE_RO, &fs_group_error_ops, STALE_ON_SEAT },

        /* 0755: rmdir purges a deleted user, mv restores it */
        [FS_DELETED_USERS] = { "deleted_users", FS_ROOT, FIELD_NONE, 0, DIR_RW, NULL, 0 },
        [FS_DELETED_USER] = { NULL, FS_DELETED_USERS, FIELD_UPN, MODEL_LIST_DELETED_USERS,
                              DIR_RO, &fs_deleted_user_dir_ops, 0 },
        [FS_DELETED_TIME] = { "deleted", FS_DELETED_USER, FIELD_NONE, 0, FILE_RO,
                              &fs_deleted_user_attr_ops, 0 },
        [FS_DELETED_DISPLAY_NAME] = { "display_name", FS_DELETED_USER, FIELD_NONE, 0, FILE_RO,
                                      &fs_deleted_user_attr_ops, 0 },
        [FS_DELETED_LOCATION] = { "usage_location", FS_DELETED_USER, FIELD_NONE, 0, FILE_RO,
                                  &fs_deleted_user_attr_ops, 0 },
        [FS_DELETED_LICENSES] = { "licenses", FS_DELETED_USER, FIELD_NONE, 0, DIR_RO, NULL, 0 },
        [FS_DELETED_LICENSE] = { NULL, FS_DELETED_LICENSES, FIELD_SKU,
                                 MODEL_LIST_SUSPENDED_LICENSES, FILE_RO, &fs_suspended_ops,
                                 STALE_ON_SEAT },
        [FS_DELETED_GROUPS] = { "groups", FS_DELETED_USER, FIELD_NONE, 0, DIR_RO, NULL, 0 },
        [FS_DELETED_GROUP] = { NULL, FS_DELETED_GROUPS, FIELD_GROUP, MODEL_LIST_INACTIVE_GROUPS,
                               FILE_RO, &fs_membership_ops, 0 },
        [FS_AUDIT] = { "audit", FS_ROOT, FIELD_NONE, 0, FILE_RO, &fs_audit_ops, STALE_ON_ANY },
        [FS_SUMMARY] = { "summary", FS_ROOT, FIELD_NONE, 0, FILE_RO, &fs_summary_ops,
                         STALE_ON_ANY },
};

static const struct fs_kind_ops no_ops;

static const struct fs_kind_ops *ops_of(const struct fs_node *node)
{
        return fs_kinds[node->kind].ops ? fs_kinds[node->kind].ops : &no_ops;
}

static bool is_dir(const struct fs_node *node)
{
        return S_ISDIR(fs_kinds[node->kind].mode);
}

bool fs_node_is_dir(const struct fs_node *node)
{
        return is_dir(node);
}

bool fs_node_is_writable(const struct fs_node *node)
{
        return (fs_kinds[node->kind].mode & S_IWUSR) != 0;
}

static bool is_deleted(const struct fs_node *node)
{
        return node->kind >= FS_DELETED_USER && node->kind <= FS_DELETED_GROUP;
}

/* --- reasons --------------------------------------------------------------------------------- */

static __thread char thread_reason[512];

const char *fs_reason(void)
{
        return thread_reason[0] ? thread_reason : model_reason();
}

void fs_reason_clear(void)
{
        thread_reason[0] = '\0';
}

int fs_refuse(int err, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(thread_reason, sizeof(thread_reason), fmt, ap);
        va_end(ap);
        return err;
}

static int not_allowed(const struct fs_node *node, const char *what)
{
        const struct fs_kind_info *info = &fs_kinds[node->kind];

        return fs_refuse(-EPERM, "%s is not allowed on %s", what,
                         info->name ? info->name
                         : is_dir(node) ? "an object's directory" : "a record file");
}

/* --- helpers the kinds share ------------------------------------------------------------------- */

const char *fs_node_key(const struct fs_node *node)
{
        if (node->sku[0])
                return node->sku;
        if (node->upn[0])
                return node->upn;
        return node->group[0] ? node->group : NULL;
}

/*
 * A directory exists when the object named along its path does (at most one is named, but for
 * a product's subscription).
 */
static int dir_exists(struct model *m, const struct fs_node *node)
{
        struct model_subscription subscription;
        struct model_product product;
        struct model_user user;
        struct model_group group;

        if (node->subscription[0])
                return model_subscription_get(m, node->sku, node->subscription, &subscription);
        if (node->sku[0])
                return model_product_get(m, node->sku, &product);
        if (node->upn[0] && is_deleted(node))
                return model_deleted_user_get(m, node->upn, &user);
        if (node->upn[0])
                return model_user_get(m, node->upn, &user);
        if (node->group[0])
                return model_group_get(m, node->group, &group);
        return 0;
}

/* --- the generic operations -------------------------------------------------------------------- */

int fs_node_render(struct model *m, const struct fs_node *node, struct fs_file *ret)
{
        struct fs_file file = { .mode = fs_kinds[node->kind].mode };
        int r;

        if (is_dir(node) || !ops_of(node)->render)
                return -EISDIR;
        /* A record takes several reads: one read transaction sees them consistent, and costs less. */
        r = model_read_begin(m);
        if (r >= 0) {
                r = ops_of(node)->render(m, node, &file);
                model_read_end(m);
        }
        if (r >= 0)
                r = fs_buf_error(&file.content);
        if (r < 0) {
                fs_buf_free(&file.content);
                return r;
        }
        *ret = file;
        return 0;
}

int fs_node_stat(struct model *m, const struct fs_node *node, struct stat *ret)
{
        struct fs_file file = { .mode = fs_kinds[node->kind].mode };
        off_t size = 0;
        int r;

        memset(ret, 0, sizeof(*ret));
        if (is_dir(node)) {
                r = dir_exists(m, node);
                if (r < 0)
                        return r;
                ret->st_mode = fs_kinds[node->kind].mode;
                ret->st_nlink = 2;
                ret->st_mtime = ret->st_ctime = time(NULL);
                return 0;
        }
        if (fs_node_is_streamed(node)) {
                r = ops_of(node)->size(m, node, &size);
        } else {
                r = fs_node_render(m, node, &file);
                size = (off_t)file.content.len;
        }
        if (r < 0)
                return r;
        fs_file_stat(&file, ret);
        ret->st_size = size;
        fs_buf_free(&file.content);
        return 0;
}

struct stat_all_ctx {
        fs_stat_fn fn;
        void *ctx;
};

static int stat_rendered(void *opaque, const char *name, const struct fs_file *file)
{
        struct stat_all_ctx *all = opaque;
        struct stat st;

        fs_file_stat(file, &st);
        return all->fn(all->ctx, name, &st);
}

/* Whether the kind's files are named after objects and rendered all at once. */
static bool renders_all(const struct fs_kind_info *info)
{
        return !info->name && info->ops && info->ops->render_all;
}

int fs_node_stat_all(struct model *m, const struct fs_node *dir, fs_stat_fn fn, void *ctx)
{
        struct stat_all_ctx all = { fn, ctx };
        int kind, r = 0, end;
        bool session = false;

        if (!is_dir(dir))
                return -ENOTDIR;
        /* Most directories have no such kind: they cost no read session. */
        for (kind = 0; r >= 0 && kind < FS_KIND_COUNT; kind++) {
                const struct fs_kind_info *info = &fs_kinds[kind];

                if (info->parent != dir->kind || !renders_all(info))
                        continue;
                if (!session) {
                        r = model_read_begin(m);
                        session = r >= 0;
                }
                if (r >= 0)
                        r = info->ops->render_all(m, dir, info->mode, stat_rendered, &all);
        }
        if (!session)
                return r;
        end = model_read_end(m);
        return r < 0 ? r : end;
}

const char *fs_node_own_name(const struct fs_node *node)
{
        switch (fs_kinds[node->kind].field) {
        case FIELD_SKU:
                return node->sku;
        case FIELD_UPN:
                return node->upn;
        case FIELD_GROUP:
                return node->group;
        case FIELD_SUBSCRIPTION:
                return node->subscription;
        case FIELD_NONE:
                break;
        }
        return "";
}

void fs_file_stat(const struct fs_file *file, struct stat *ret)
{
        /* Like procfs, content without a time of its own is as new as the moment it is read. */
        fs_attr_stat(file->mode, (off_t)file->content.len, file->mtime ? file->mtime : time(NULL),
                     ret);
}

void fs_attr_stat(mode_t mode, off_t size, time_t mtime, struct stat *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->st_mode = mode;
        ret->st_nlink = 1;
        ret->st_size = size;
        ret->st_mtime = ret->st_ctime = mtime;
}

bool fs_node_is_streamed(const struct fs_node *node)
{
        return ops_of(node)->size && ops_of(node)->read;
}

bool fs_node_attr_lasting(const struct fs_node *node)
{
        /* Those rendered all at once are the holders' records, found in large numbers. */
        return renders_all(&fs_kinds[node->kind]);
}

int fs_node_read(struct model *m, const struct fs_node *node, char *buf, size_t size,
                 off_t offset)
{
        if (!fs_node_is_streamed(node))
                return -EINVAL;
        return ops_of(node)->read(m, node, buf, size, offset);
}

struct list_ctx {
        fs_fill_fn fill;
        void *ctx;
};

static int fill_escaped(void *opaque, const char *name)
{
        struct list_ctx *list = opaque;
        char escaped[4 * MODEL_NAME_MAX];

        if (model_name_encode(name, escaped, sizeof(escaped)) < 0)
                return 0;               /* cannot be named in a path: not listed */
        return list->fill(list->ctx, escaped);
}

int fs_node_list(struct model *m, const struct fs_node *node, fs_fill_fn fill, void *ctx)
{
        struct list_ctx list = { fill, ctx };
        int kind, r;

        if (!is_dir(node))
                return -ENOTDIR;
        r = dir_exists(m, node);
        if (r < 0)
                return r;
        if (fill(ctx, ".") || fill(ctx, ".."))
                return 0;
        for (kind = FS_ROOT + 1; kind < FS_KIND_COUNT; kind++) {
                const struct fs_kind_info *info = &fs_kinds[kind];

                if (info->parent != node->kind)
                        continue;
                if (info->name)
                        r = fill(ctx, info->name);
                else
                        r = model_list(m, info->listing, fs_node_key(node), NULL, fill_escaped,
                                       &list);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        return 0;
}

int fs_node_may_write(const struct fs_node *node)
{
        if (is_dir(node))
                return -EISDIR;
        /* A holder opens for writing so that touch reports what its set-times call says. */
        if (ops_of(node)->write || ops_of(node)->touch)
                return 0;
        return not_allowed(node, "writing");
}

/* Drops blanks (spaces, tabs) around a value and one newline at its end. */
static void trim(char *value)
{
        size_t len = strlen(value), start = strspn(value, " \t");

        while (len > start && (value[len - 1] == ' ' || value[len - 1] == '\t'))
                len--;
        if (len > start && value[len - 1] == '\n')
                len--;
        while (len > start && (value[len - 1] == ' ' || value[len - 1] == '\t'))
                len--;
        memmove(value, value + start, len - start);
        value[len - start] = '\0';
}

/* A copy of data[0..len) as a string, blanks trimmed, in *ret (free it); 0 or -errno. */
static int value_of(const char *data, size_t len, char **ret)
{
        if (len > FS_VALUE_MAX)
                return fs_refuse(-EINVAL, "a value is at most %d bytes", FS_VALUE_MAX);
        if (memchr(data, '\0', len))
                return fs_refuse(-EINVAL, "a value cannot contain NUL bytes");
        *ret = strndup(data, len);
        if (!*ret)
                return fs_refuse(-ENOMEM, "out of memory");
        trim(*ret);
        return 0;
}

int fs_node_write(struct model *m, const struct fs_node *node, const char *data, size_t len)
{
        char *value = NULL;
        int r;

        if (!ops_of(node)->write)
                return not_allowed(node, "writing");
        r = value_of(data, len, &value);
        if (r >= 0)
                r = ops_of(node)->write(m, node, value);
        free(value);
        return r;
}

int fs_node_save(struct model *m, const struct fs_node *node, void **ret)
{
        *ret = NULL;
        return ops_of(node)->save ? ops_of(node)->save(m, node, ret) : 0;
}

void fs_node_forget(const struct fs_node *node, void *saved)
{
        if (saved)
                ops_of(node)->forget(saved);
}

int fs_node_undo(struct model *m, const struct fs_node *node, const struct fs_buf *before,
                 void *saved)
{
        char *text;
        int r;

        if (!ops_of(node)->undo)
                return fs_node_write(m, node, before->data, before->len);
        text = strndup(before->data ? before->data : "", before->len);
        if (!text)
                return -ENOMEM;
        r = ops_of(node)->undo(m, node, text, saved);
        free(text);
        return r;
}

bool fs_node_applies_at_close(const struct fs_node *node)
{
        return ops_of(node)->check != NULL;
}

int fs_node_check(const struct fs_node *node, const char *data, size_t len)
{
        char *value = NULL;
        int r;

        r = value_of(data, len, &value);
        if (r >= 0)
                r = ops_of(node)->check(node, value);
        free(value);
        return r;
}

int fs_split(char *text, char sep, bool skip_empty, const char **pieces, size_t max)
{
        size_t count = 0;
        char *piece = text, *end;

        if (!*text)
                return 0;
        for (;;) {
                end = strchr(piece, sep);
                if (end)
                        *end = '\0';
                trim(piece);
                if (*piece) {
                        if (count == max)
                                return fs_refuse(-EINVAL, "too many names");
                        pieces[count++] = piece;
                } else if (!skip_empty) {
                        return fs_refuse(-EINVAL, "an empty name in a list");
                }
                if (!end)
                        return (int)count;
                piece = end + 1;
        }
}

int fs_node_truncate(const struct fs_node *node, off_t size)
{
        int r = fs_node_may_write(node);

        if (r < 0)
                return r;
        if (size != 0)
                return fs_refuse(-EINVAL, "a value is replaced by writing it, not truncated");
        return 0;
}

int fs_node_rename(struct model *m, const struct fs_node *from, const struct fs_node *to,
                   unsigned int flags)
{
        /* mv asks for 0 or RENAME_NOREPLACE; an exchange or whiteout is never a restore. */
        if (from->kind != FS_DELETED_USER || to->kind != FS_USER ||
            strcmp(from->upn, to->upn) != 0 || (flags & ~(unsigned int)RENAME_NOREPLACE))
                return fs_refuse(-EPERM, "the only rename is a restore: mv deleted_users/UPN "
                                 "users/ (same name)");
        return model_user_restore(m, from->upn);
}

int fs_node_create(struct model *m, const struct fs_node *node)
{
        if (!ops_of(node)->create)
                return not_allowed(node, "creating a file");
        return ops_of(node)->create(m, node);
}

int fs_node_touch(struct model *m, const struct fs_node *node)
{
        struct stat st;
        int r;

        if (ops_of(node)->touch)
                return ops_of(node)->touch(m, node);
        r = fs_node_stat(m, node, &st);
        return r < 0 ? r : 0;
}

int fs_node_unlink(struct model *m, const struct fs_node *node)
{
        if (is_dir(node))
                return -EISDIR;
        if (!ops_of(node)->unlink)
                return not_allowed(node, "removing");
        return ops_of(node)->unlink(m, node);
}

int fs_node_mkdir(struct model *m, const struct fs_node *node)
{
        if (!ops_of(node)->mkdir) {
                struct stat st;

                if (is_dir(node) && fs_node_stat(m, node, &st) == 0)
                        return -EEXIST;
                return not_allowed(node, "making a directory");
        }
        return ops_of(node)->mkdir(m, node);
}

int fs_node_rmdir(struct model *m, const struct fs_node *node)
{
        if (!is_dir(node))
                return -ENOTDIR;
        if (!ops_of(node)->rmdir)
                return not_allowed(node, "removing a directory");
        return ops_of(node)->rmdir(m, node);
}
