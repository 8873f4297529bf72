/*
 * The tree licensefs shows: every kind of node, where it sits, its mode and what it does. A node
 * is resolved once, at lookup, from its parent's node and its name (fs_node_child), and kept
 * in the inode table; the fs_node_* functions then act on it through the table of kinds in
 * nodes.c, which lookup and readdir both walk. All functions
 * return 0 (or a count) or -errno, and record a reason for a refusal (fs_reason()).
 */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

#include "buf.h"
#include "model.h"

enum fs_kind {
        FS_ROOT,
        FS_TENANT, FS_TENANT_NAME, FS_TENANT_LOCATION, FS_TENANT_CONFLICTS,
        FS_TENANT_DEPENDENCIES,
        FS_PRODUCTS, FS_PRODUCT, FS_PRODUCT_NAME, FS_PRODUCT_TOTAL, FS_PRODUCT_EXPIRING,
        FS_PRODUCT_ASSIGNED, FS_PRODUCT_AVAILABLE, FS_PRODUCT_PLANS, FS_PRODUCT_USERS,
        FS_PRODUCT_USER,
        FS_PRODUCT_GROUPS, FS_PRODUCT_GROUP, FS_PRODUCT_ERRORS, FS_PRODUCT_ERROR,
        FS_PRODUCT_SUBSCRIPTIONS, FS_SUBSCRIPTION, FS_SUBSCRIPTION_SEATS, FS_SUBSCRIPTION_ENDS,
        FS_SUBSCRIPTION_STATUS, FS_SUBSCRIPTION_NEXT, FS_SUBSCRIPTION_TRIAL,
        FS_SUBSCRIPTION_CREATED,
        FS_USERS, FS_USER, FS_USER_DISPLAY_NAME, FS_USER_LOCATION, FS_USER_LICENSES,
        FS_USER_LICENSE, FS_USER_GROUPS, FS_USER_GROUP,
        FS_GROUPS, FS_GROUP, FS_GROUP_MEMBERS, FS_GROUP_MEMBER, FS_GROUP_LICENSES,
        FS_GROUP_LICENSE, FS_GROUP_ERRORS, FS_GROUP_ERROR,
        /* the deleted users' subtree: keep it together, is_deleted() relies on it */
        FS_DELETED_USERS, FS_DELETED_USER, FS_DELETED_TIME, FS_DELETED_DISPLAY_NAME,
        FS_DELETED_LOCATION, FS_DELETED_LICENSES, FS_DELETED_LICENSE, FS_DELETED_GROUPS,
        FS_DELETED_GROUP,
        FS_AUDIT, FS_SUMMARY,
        FS_KIND_COUNT
};

/*
 * A place in the tree: its kind and the (unescaped) names along its path; unused names are "".
 * A node is a few words and owns none of its names: they live as long as what it came from
 * (a struct fs_path, a child's name buffer, or the inode table while the kernel holds the node).
 */
struct fs_node {
        enum fs_kind kind;
        const char *sku, *upn, *group, *subscription;
};

#define FS_NODE_ROOT ((struct fs_node){ .kind = FS_ROOT, .sku = "", .upn = "", .group = "", \
                                        .subscription = "" })
#define FS_PATH_MAX 4096                /* a path as written, "/" first */
#define FS_DEPTH_MAX 8                  /* the deepest kind's distance from the root, and more */

/* A parsed path: the node, and the names it points to. */
struct fs_path {
        struct fs_node node;
        char names[3][MODEL_NAME_MAX + 1];
};

/* What a file shows: its content, and its mode and time when they depend on the record. */
struct fs_file {
        struct fs_buf content;
        mode_t mode;
        time_t mtime;
};

/*
 * Parses an absolute path into ret (ret->node points into ret). ENOENT: the tree has no such
 * place; ENOTDIR: a file in the middle; EINVAL: a bad % escape; ENAMETOOLONG: a name over 255
 * bytes as written.
 */
int fs_path_parse(const char *path, struct fs_path *ret);
/* As fs_path_parse, for a creating call: EPERM where the directory exists but not the name. */
int fs_path_parse_new(const char *path, struct fs_path *ret);
/*
 * The child `name` (one path segment, escaped) of directory node `parent`: its name, if it
 * gives one, is decoded into buf (MODEL_NAME_MAX + 1 bytes), which *ret then points into with
 * parent's names. Errors as fs_path_parse; fs_node_child_new answers EPERM for a name the
 * tree never has in that directory (a creating call).
 */
int fs_node_child(const struct fs_node *parent, const char *name, char *buf,
                  struct fs_node *ret);
int fs_node_child_new(const struct fs_node *parent, const char *name, char *buf,
                      struct fs_node *ret);
/* Writes the node's path, names escaped, into buf (size bytes): 0 or -ENAMETOOLONG. */
int fs_node_path(const struct fs_node *node, char *buf, size_t size);

/* Whether the node is a directory. */
bool fs_node_is_dir(const struct fs_node *node);
/* Whether the tree lets the node be written at all (its owner's write bit in the table). */
bool fs_node_is_writable(const struct fs_node *node);

/* The attributes of an existing node: ENOENT when it does not exist. */
int fs_node_stat(struct model *m, const struct fs_node *node, struct stat *ret);
/* The attributes of a rendered file (st_size: its content's length). */
void fs_file_stat(const struct fs_file *file, struct stat *ret);
/* The attributes of a file with that mode, size and time, as fs_file_stat gives them. */
void fs_attr_stat(mode_t mode, off_t size, time_t mtime, struct stat *ret);
/* Renders a file's content (and mode and time) into ret, which the caller frees. */
int fs_node_render(struct model *m, const struct fs_node *node, struct fs_file *ret);
/*
 * The attributes of the files directory `dir` lists, where its kinds render them all at once
 * (fn for each, with the name its field takes: a UPN, a SKU, a group's name); where a kind
 * renders one file at a time, fn is not called for its files. In one read session.
 */
typedef int (*fs_stat_fn)(void *ctx, const char *name, const struct stat *st);
int fs_node_stat_all(struct model *m, const struct fs_node *dir, fs_stat_fn fn, void *ctx);
/* The name of the node's own field (its UPN as a holder of a product, say); "" for none. */
const char *fs_node_own_name(const struct fs_node *node);
/*
 * Files read in place rather than rendered at open (the audit log, which may be long): whether
 * the node is one, and `size` bytes of it from `offset` into buf (returns the count, 0 at the end).
 */
bool fs_node_is_streamed(const struct fs_node *node);
/*
 * Whether the node's attributes move only with a committed change: files with a time of their
 * own (a holder's record: its seat's), which the inode table's memos may serve again.
 */
bool fs_node_attr_lasting(const struct fs_node *node);
int fs_node_read(struct model *m, const struct fs_node *node, char *buf, size_t size,
                 off_t offset);
/* Calls fill for every entry of a directory (".", "..", fixed names, then escaped names). */
typedef int (*fs_fill_fn)(void *ctx, const char *name);
int fs_node_list(struct model *m, const struct fs_node *node, fs_fill_fn fill, void *ctx);
/* Whether the node may be opened for writing: EPERM when not. */
int fs_node_may_write(const struct fs_node *node);
/* The most bytes a value may have (a plan list is the longest). */
#define FS_VALUE_MAX 65536
/* Applies `len` bytes (blanks around them dropped) as the file's new value. */
int fs_node_write(struct model *m, const struct fs_node *node, const char *data, size_t len);
/*
 * Whether the node's values are only checked by each write and applied when the file is
 * closed (a list, which a writer may give line by line); fs_node_check does the checking.
 */
bool fs_node_applies_at_close(const struct fs_node *node);
/*
 * Keeps what a write may change, before an open file's first write; *ret (NULL when the kind
 * keeps nothing) goes to fs_node_undo and then to fs_node_forget. 0 or -errno.
 */
int fs_node_save(struct model *m, const struct fs_node *node, void **ret);
void fs_node_forget(const struct fs_node *node, void *saved);
/* Puts back the state `before` (the content rendered at open) or `saved` shows; see kinds.h. */
int fs_node_undo(struct model *m, const struct fs_node *node, const struct fs_buf *before,
                 void *saved);
int fs_node_check(const struct fs_node *node, const char *data, size_t len);
/* A truncate to `size` (only 0, a no-op, is accepted on writable files). */
int fs_node_truncate(const struct fs_node *node, off_t size);
/* rename: only a deleted user back to users/ under its own name (a restore). */
int fs_node_rename(struct model *m, const struct fs_node *from, const struct fs_node *to,
                   unsigned int flags);
/* creat/touch of a file that does not exist yet. */
int fs_node_create(struct model *m, const struct fs_node *node);
/* Setting the times of an existing node (touch): what touching means for its kind. */
int fs_node_touch(struct model *m, const struct fs_node *node);
int fs_node_unlink(struct model *m, const struct fs_node *node);
int fs_node_mkdir(struct model *m, const struct fs_node *node);
int fs_node_rmdir(struct model *m, const struct fs_node *node);

/* The reason for this thread's last refusal: the fs layer's own, else the model's. */
const char *fs_reason(void);
void fs_reason_clear(void);
int fs_refuse(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Escaping of names in paths: '%' is "%25" and '/' is "%2F" (model_name_encode writes them). */
int fs_name_decode(const char *in, size_t len, char *out, size_t size);
