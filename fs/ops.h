/*
 * What the three files of FUSE operations share: ops.c (entries, attributes and the calls that
 * make, remove or refuse), readdir.c (directory handles and listings) and open.c (open files
 * and their values). Every operation finds its node in the inode table, already resolved, and
 * every one that may change the tenant runs between fs_req_begin() and fs_req_report().
 */
#pragma once

#include "nodes.h"
#include "state.h"

static inline struct fs *fs_of(fuse_req_t req)
{
        return fuse_req_userdata(req);
}

static inline struct model *model_of(fuse_req_t req)
{
        return fs_of(req)->config->model;
}

/*
 * The node of `ino` (names owned by the inode table, valid during the request), the reason of
 * this thread's last call cleared. Fills *ret even for a removed node (for the log), and then
 * returns -ENOENT.
 */
int fs_req_node(fuse_req_t req, fuse_ino_t ino, struct fs_node *ret);
/*
 * Starts an operation that may change the tenant: `op` is its verb in the audit log (a fixed
 * set, see the manual), `path` the object as used. Returns whether the caller may change the
 * tenant (0 or -EACCES).
 */
int fs_req_begin(fuse_req_t req, const char *op, const char *path);
/* Ends what fs_req_begin() started: a refusal is logged, and audited unless the model did. */
int fs_req_report(fuse_req_t req, const char *op, const char *path, int r);
/*
 * For a node the kernel holds (by number, not by a name it looks up): its object went since
 * the kernel cached it. ESTALE makes the kernel walk the path again, revalidating each name,
 * and find it gone or made anew; ENOENT would stick to the cached entry. The node's memo goes
 * too, so that the walk asks the model (another process's change may not be seen yet).
 */
int fs_stale_if_gone(fuse_req_t req, const struct fs_node *node, int r);
/* The owner, group and modes every node shows (see -o admin_group). */
void fs_req_show_owner(fuse_req_t req, const struct fs_node *node, struct stat *st);
/* The attributes of an existing node, as shown: 0 or -errno (ENOENT when it does not exist). */
int fs_req_stat(fuse_req_t req, const struct fs_node *node, struct stat *st);
/*
 * Counts the kernel's reference for an entry of `node` whose e->attr is filled: 0 or -ENOMEM.
 * Undo it with fs_inodes_forget when the entry does not reach the kernel.
 */
int fs_req_ref_entry(fuse_req_t req, const struct fs_node *node, struct fuse_entry_param *e);
/*
 * The entry of `node` whose e->attr holds the attributes fs_node_stat gave, rendered after
 * `seq` (fs_inodes_seq, taken before the render's read session began): counts the kernel's
 * reference, keeps them as the node's memo, and shows the owner. 0 or -ENOMEM.
 */
int fs_req_keep_entry(fuse_req_t req, const struct fs_node *node, uint64_t seq,
                      struct fuse_entry_param *e);
/*
 * The entry of an existing `node` (fs_req_keep_entry), from its memo when it has one, else
 * rendered after `seq`: 0 or -errno.
 */
int fs_req_entry(fuse_req_t req, const struct fs_node *node, uint64_t seq,
                 struct fuse_entry_param *e);
/*
 * The prologue of a call that makes (`making`) or removes `name` in directory `parent`: the
 * child's path into path (for the audit and log; filled even on failure), fs_req_begin as
 * `op`, and the child's node into *ret (its new name decoded into buf, MODEL_NAME_MAX + 1
 * bytes). Returns 0 or -errno with the reason; end it with fs_req_report(req, op, path, r).
 */
int fs_req_begin_child(fuse_req_t req, const char *op, fuse_ino_t parent, const char *name,
                       bool making, char *buf, char path[FS_PATH_MAX], struct fs_node *ret);

/*
 * open.c: the attributes an open file shows: its own content's (what read serves), while its
 * object exists (else -ENOENT). fs_open_attr: the same without asking whether it exists.
 */
int fs_open_stat(fuse_req_t req, struct fuse_file_info *fi, struct stat *ret);
int fs_open_attr(fuse_req_t req, struct fuse_file_info *fi, struct stat *ret);
/*
 * open.c: setting the times of an open file at `path`: what touching means, unless this open
 * file made its object (making it was the touch). 0 or -errno, reported.
 */
int fs_open_touch(fuse_req_t req, const char *path, struct fuse_file_info *fi);
/*
 * open.c: the attributes an open file of inode `ino` rendered, while no change has been made
 * since (fs_generation): 1, with whether that open made its object; 0 when there is none. A
 * set-times call without a handle (touch's, right after its create) answers from them.
 */
int fs_open_fresh_attr(fuse_req_t req, fuse_ino_t ino, struct stat *ret, bool *created);
/* open.c: the node an open file was opened at. */
const struct fs_node *fs_open_node(struct fuse_file_info *fi);

/* The operations, by file. */
void fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                   struct fuse_file_info *fi);
void fs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                       struct fuse_file_info *fi);
void fs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                  struct fuse_file_info *fi);
void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                struct fuse_file_info *fi);
void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *data, size_t size, off_t offset,
                 struct fuse_file_info *fi);
void fs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
