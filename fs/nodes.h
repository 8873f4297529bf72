/*
 * The tree licensefs shows: every kind of node, where it sits, its mode and what it does. A path
 * is parsed once (fs_path_parse) into a struct fs_node; the fs_node_* functions then act on the
 * node through the table of kinds in nodes.c, which lookup and readdir both walk. All functions
 * return 0 (or a count) or -errno, and record a reason for a refusal (fs_reason()).
 */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

#include "buf.h"
#include "model.h"

enum fs_kind {
        FS_ROOT,
        FS_TENANT, FS_TENANT_NAME, FS_TENANT_LOCATION,
        FS_PRODUCTS, FS_PRODUCT, FS_PRODUCT_NAME, FS_PRODUCT_TOTAL, FS_PRODUCT_EXPIRING,
        FS_PRODUCT_ASSIGNED, FS_PRODUCT_AVAILABLE, FS_PRODUCT_PLANS, FS_PRODUCT_USERS,
        FS_PRODUCT_USER,
        FS_PRODUCT_GROUPS, FS_PRODUCT_GROUP, FS_PRODUCT_ERRORS, FS_PRODUCT_ERROR,
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

/* A parsed path: its kind and the (unescaped) names along it; unused names are "". */
struct fs_node {
        enum fs_kind kind;
        char sku[MODEL_NAME_MAX + 1];
        char upn[MODEL_NAME_MAX + 1];
        char group[MODEL_NAME_MAX + 1];
};

/* What a file shows: its content, and its mode and time when they depend on the record. */
struct fs_file {
        struct fs_buf content;
        mode_t mode;
        time_t mtime;
};

/*
 * Parses an absolute path. ENOENT: the tree has no such place; ENOTDIR: a file in the middle;
 * EINVAL: a bad % escape; ENAMETOOLONG: a name over 255 bytes as written.
 */
int fs_path_parse(const char *path, struct fs_node *ret);

/* Whether the node is a directory. */
bool fs_node_is_dir(const struct fs_node *node);
/* Whether the tree lets the node be written at all (its owner's write bit in the table). */
bool fs_node_is_writable(const struct fs_node *node);

/* The attributes of an existing node: ENOENT when it does not exist. */
int fs_node_stat(struct model *m, const struct fs_node *node, struct stat *ret);
/* The attributes of a rendered file (st_size: its content's length). */
void fs_file_stat(const struct fs_file *file, struct stat *ret);
/* Renders a file's content (and mode and time) into ret, which the caller frees. */
int fs_node_render(struct model *m, const struct fs_node *node, struct fs_file *ret);
/*
 * Files read in place rather than rendered at open (the audit log, which may be long): whether
 * the node is one, and `size` bytes of it from `offset` into buf (returns the count, 0 at the end).
 */
bool fs_node_is_streamed(const struct fs_node *node);
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
/* Where a creating call (create, mkdir, mknod, symlink, link) names a place the tree lacks. */
int fs_path_parse_new(const char *path, struct fs_node *ret);

/* The reason for this thread's last refusal: the fs layer's own, else the model's. */
const char *fs_reason(void);
void fs_reason_clear(void);
int fs_refuse(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Escaping of names in paths: '%' is "%25" and '/' is "%2F" (model_name_encode writes them). */
int fs_name_decode(const char *in, size_t len, char *out, size_t size);
