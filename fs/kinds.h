/*
 * The table of node kinds, shared by the files of fs/ that fill it (records.c, attrs.c,
 * dirs.c) and walk it (nodes.c, path.c, the inode table and the invalidation). A missing operation means the tree does not allow it:
 * the generic code answers EPERM.
 */
#pragma once

#include "nodes.h"

enum fs_field { FIELD_NONE, FIELD_SKU, FIELD_UPN, FIELD_GROUP, FIELD_SUBSCRIPTION };

/* One file of a directory rendered with the others: the name its field takes, and the file. */
typedef int (*fs_rendered_fn)(void *ctx, const char *name, const struct fs_file *file);

struct fs_kind_ops {
        /* files: the content, and mode or time where the record decides them */
        int (*render)(struct model *m, const struct fs_node *node, struct fs_file *out);
        /*
         * named files: renders every file of the kind that directory `dir` lists, at once (each
         * as render would, starting from `mode`), where that costs less than one by one;
         * returns without calling fn where it does not (NULL: never).
         */
        int (*render_all)(struct model *m, const struct fs_node *dir, mode_t mode,
                          fs_rendered_fn fn, void *ctx);
        /* attribute files: a new value, trimmed, without NUL bytes */
        int (*write)(struct model *m, const struct fs_node *node, const char *value);
        /* list files: checks a value at write(); write() then applies it at close */
        int (*check)(const struct fs_node *node, const char *value);
        /*
         * Keeps what writes may change, before an open file's first write (*ret: the kind's
         * own, freed by forget), for undo; NULL: nothing to keep.
         */
        int (*save)(struct model *m, const struct fs_node *node, void **ret);
        void (*forget)(void *saved);
        /*
         * Puts back what `before` (the content rendered at open) or `saved` (what save kept)
         * shows, after a value given in several writes was refused part-way; NULL: write()
         * `before` back as the value.
         */
        int (*undo)(struct model *m, const struct fs_node *node, const char *before,
                    void *saved);
        /* named files: touch of a new one; touch of an existing one (else a no-op) */
        int (*create)(struct model *m, const struct fs_node *node);
        int (*touch)(struct model *m, const struct fs_node *node);
        int (*unlink)(struct model *m, const struct fs_node *node);
        /* named directories */
        int (*mkdir)(struct model *m, const struct fs_node *node);
        int (*rmdir)(struct model *m, const struct fs_node *node);
        /* files read in place instead of rendered (render unused): the size, bytes at offset */
        int (*size)(struct model *m, const struct fs_node *node, off_t *ret);
        int (*read)(struct model *m, const struct fs_node *node, char *buf, size_t size,
                    off_t offset);
};

/*
 * The changes (model_watch) after which the kernel must forget a node's attributes, besides a
 * change of the user it names, which reaches every node naming that user (invalidate.c).
 */
enum fs_stale_on {
        STALE_ON_ANY = 1,               /* every committed change */
        STALE_ON_PRODUCT = 2,           /* its product's counts */
        STALE_ON_GROUP = 4,             /* its group's deletion */
        STALE_ON_GROUP_LICENSE = 8,     /* its group license coming or going */
        /*
         * a change of its user's claim to a product (MODEL_CHANGE_SEAT): of that product,
         * when it names one; the user's own files and directories, and its memberships, show
         * nothing of a claim
         */
        STALE_ON_SEAT = 16,
};

struct fs_kind_info {
        const char *name;               /* a fixed name; NULL: named after an object */
        enum fs_kind parent;
        enum fs_field field;            /* named kinds: the name the file name gives */
        enum model_listing listing;     /* named kinds: the names the parent lists */
        mode_t mode;
        const struct fs_kind_ops *ops;
        unsigned int stale_on;          /* enum fs_stale_on bits */
};

extern const struct fs_kind_info fs_kinds[FS_KIND_COUNT];

extern const struct fs_kind_ops fs_holder_ops, fs_group_license_ops, fs_member_ops,
        fs_membership_ops, fs_product_error_ops, fs_group_error_ops;
extern const struct fs_kind_ops fs_tenant_attr_ops, fs_product_attr_ops, fs_product_count_ops,
        fs_user_attr_ops, fs_plans_ops, fs_plan_rules_ops;

/*
 * Splits `text` in place at each `sep` into at most `max` trimmed pieces (empty ones dropped
 * when `skip_empty`, else EINVAL); returns how many, or -EINVAL.
 */
/* Appends one `key=NAME` line (or, key NULL, `NAME`) per name of a listing. */
int fs_list_lines(struct model *m, struct fs_buf *buf, const char *key,
                  enum model_listing listing, const char *a, const char *b);

int fs_split(char *text, char sep, bool skip_empty, const char **pieces, size_t max);
extern const struct fs_kind_ops fs_product_dir_ops, fs_user_dir_ops, fs_group_dir_ops,
        fs_subscription_dir_ops, fs_subscription_attr_ops;
extern const struct fs_kind_ops fs_deleted_user_dir_ops, fs_deleted_user_attr_ops,
        fs_suspended_ops;
extern const struct fs_kind_ops fs_audit_ops, fs_summary_ops;

/* The node's name of `field` ("" for FIELD_NONE). */
const char *fs_node_name(const struct fs_node *node, enum fs_field field);

/* The one name a directory node carries (its object's), or NULL for top-level ones. */
const char *fs_node_key(const struct fs_node *node);
