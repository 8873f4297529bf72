/*
 * The object directories: mkdir creates a product, user, group or subscription; rmdir deletes
 * a product, group or subscription, moves a user to deleted_users/, and purges a deleted user
 * for good.
 */
#include "kinds.h"

static int product_make(struct model *m, const struct fs_node *node)
{
        return model_product_create(m, node->sku);
}

static int product_remove(struct model *m, const struct fs_node *node)
{
        return model_product_delete(m, node->sku);
}

const struct fs_kind_ops fs_product_dir_ops = {
        .mkdir = product_make,
        .rmdir = product_remove,
};

static int subscription_make(struct model *m, const struct fs_node *node)
{
        return model_subscription_create(m, node->sku, node->subscription);
}

static int subscription_remove(struct model *m, const struct fs_node *node)
{
        return model_subscription_delete(m, node->sku, node->subscription);
}

const struct fs_kind_ops fs_subscription_dir_ops = {
        .mkdir = subscription_make,
        .rmdir = subscription_remove,
};

static int user_make(struct model *m, const struct fs_node *node)
{
        return model_user_create(m, node->upn);
}

static int user_remove(struct model *m, const struct fs_node *node)
{
        return model_user_delete(m, node->upn);
}

const struct fs_kind_ops fs_user_dir_ops = {
        .mkdir = user_make,
        .rmdir = user_remove,
};

static int deleted_user_purge(struct model *m, const struct fs_node *node)
{
        return model_user_purge(m, node->upn);
}

const struct fs_kind_ops fs_deleted_user_dir_ops = {
        .rmdir = deleted_user_purge,
};

static int group_make(struct model *m, const struct fs_node *node)
{
        return model_group_create(m, node->group);
}

static int group_remove(struct model *m, const struct fs_node *node)
{
        return model_group_delete(m, node->group);
}

const struct fs_kind_ops fs_group_dir_ops = {
        .mkdir = group_make,
        .rmdir = group_remove,
};
