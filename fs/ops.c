/*
 * The FUSE operations on entries and attributes, on libfuse's low-level API, and the table of
 * all operations (directories are in readdir.c, open files in open.c). Each finds its node,
 * resolved once at lookup, in the inode table, dispatches to fs_node_*, and replies. The
 * kernel keeps entries and attributes (FS_CACHE_SECONDS) and gets them in readdirplus;
 * invalidate.c makes it forget what each change makes stale. Every operation that may change
 * the tenant runs between fs_req_begin() and fs_req_report(): the model audits its changes and
 * refusals as the caller's (uid, verb, path), and fs_req_report() logs a refusal with its
 * reason and audits the refusals the model did not see.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* --- nodes and entries --------------------------------------------------------------------- */

int fs_req_node(fuse_req_t req, fuse_ino_t ino, struct fs_node *ret)
{
        fs_reason_clear();
        return fs_inodes_node(fs_of(req)->inodes, ino, ret);
}

/*
 * The path of `name` in directory `parent` (filled even on failure, for the log): 0, -ENOENT
 * when the directory was removed, -ENAMETOOLONG.
 */
static int child_path(fuse_req_t req, fuse_ino_t parent, const char *name, struct fs_node *dir,
                      char path[FS_PATH_MAX])
{
        size_t len, name_len = strlen(name);
        int r = fs_req_node(req, parent, dir), built;

        built = fs_node_path(dir, path, FS_PATH_MAX);
        len = strcmp(path, "/") == 0 ? 0 : strlen(path);
        if (built < 0 || len + 1 + name_len >= FS_PATH_MAX)
                return -ENAMETOOLONG;
        path[len] = '/';
        memcpy(path + len + 1, name, name_len + 1);
        return r;
}

/* The reason for a child_path failure, once fs_req_begin() has cleared the last one. */
static int path_refused(int r)
{
        return fs_refuse(r, r == -ENOENT ? "its directory was removed" : "the path is too long");
}

void fs_req_show_owner(fuse_req_t req, const struct fs_node *node, struct stat *st)
{
        struct fs_config *cfg = fs_of(req)->config;

        st->st_uid = cfg->uid;
        st->st_gid = cfg->has_admin_group ? cfg->admin_gid : cfg->gid;
        /* The admins write what the owner may; a holder's 0444 marker gives way to that. */
        if (cfg->has_admin_group && fs_node_is_writable(node))
                st->st_mode |= S_IWUSR | S_IWGRP;
}

int fs_stale_if_gone(fuse_req_t req, const struct fs_node *node, int r)
{
        if (r != -ENOENT)
                return r;
        fs_inodes_stale(fs_of(req)->inodes, node);
        return -ESTALE;
}

int fs_req_stat(fuse_req_t req, const struct fs_node *node, struct stat *st)
{
        int r = fs_node_stat(model_of(req), node, st);

        if (r >= 0)
                fs_req_show_owner(req, node, st);
        return r;
}

static void entry_timeouts(struct fuse_entry_param *e)
{
        e->attr.st_ino = e->ino;
        e->attr_timeout = e->entry_timeout = FS_CACHE_SECONDS;
}

int fs_req_ref_entry(fuse_req_t req, const struct fs_node *node, struct fuse_entry_param *e)
{
        e->ino = fs_inodes_ref(fs_of(req)->inodes, node);
        if (!e->ino)
                return -ENOMEM;
        entry_timeouts(e);
        return 0;
}

int fs_req_keep_entry(fuse_req_t req, const struct fs_node *node, uint64_t seq,
                      struct fuse_entry_param *e)
{
        const struct stat *kept = fs_node_attr_lasting(node) ? &e->attr : NULL;

        e->ino = fs_inodes_ref_kept(fs_of(req)->inodes, node, kept, seq);
        if (!e->ino)
                return -ENOMEM;
        fs_req_show_owner(req, node, &e->attr);
        entry_timeouts(e);
        return 0;
}

int fs_req_entry(fuse_req_t req, const struct fs_node *node, uint64_t seq,
                 struct fuse_entry_param *e)
{
        int r;

        memset(e, 0, sizeof(*e));
        if (fs_node_attr_lasting(node)) {
                e->ino = fs_inodes_ref_memo(fs_of(req)->inodes, node, &e->attr);
                if (e->ino) {
                        fs_req_show_owner(req, node, &e->attr);
                        entry_timeouts(e);
                        return 0;
                }
        }
        r = fs_node_stat(model_of(req), node, &e->attr);
        return r < 0 ? r : fs_req_keep_entry(req, node, seq, e);
}

static void reply_entry(fuse_req_t req, const struct fs_node *node)
{
        struct fuse_entry_param e;
        int r = fs_req_entry(req, node, fs_inodes_seq(fs_of(req)->inodes), &e);

        if (r < 0)
                fuse_reply_err(req, -r);
        else if (fuse_reply_entry(req, &e) != 0)
                fs_inodes_forget(fs_of(req)->inodes, e.ino, 1);
}

/* --- changes: audit, log -------------------------------------------------------------------- */

/*
 * Whether the caller may change the tenant: root, the mounting user, and with admin_group the
 * members of that group, as the kernel sees the caller's credentials (primary or supplementary
 * gid). 0 or -EACCES with the reason.
 */
static int may_change(fuse_req_t req)
{
        const struct fuse_ctx *ctx = fuse_req_ctx(req);
        struct fs_config *cfg = fs_of(req)->config;
        gid_t some[64], *groups = some;
        int count, i, r = -EACCES;

        if (ctx->uid == 0 || ctx->uid == cfg->uid)
                return 0;
        if (!cfg->has_admin_group)
                return fs_refuse(-EACCES, "only the mounting user and root may change licenses");
        if (ctx->gid == cfg->admin_gid)
                return 0;
        count = fuse_req_getgroups(req, 64, some);
        if (count > 64) {
                groups = calloc((size_t)count, sizeof(*groups));
                count = groups ? fuse_req_getgroups(req, count, groups) : -ENOMEM;
        }
        for (i = 0; i < count && r < 0; i++)
                if (groups[i] == cfg->admin_gid)
                        r = 0;
        if (groups != some)
                free(groups);
        return r < 0 ? fs_refuse(-EACCES, "only the mounting user, root and members of group "
                                 "'%s' may change licenses", cfg->admin_group) : 0;
}

int fs_req_begin(fuse_req_t req, const char *op, const char *path)
{
        struct model_actor actor = { fuse_req_ctx(req)->uid, op, path };

        fs_reason_clear();
        model_set_actor(&actor);
        return may_change(req);
}

int fs_req_report(fuse_req_t req, const char *op, const char *path, int r)
{
        struct fs_config *cfg = fs_of(req)->config;

        /* ESTALE is no refusal: the kernel looks the path up again and asks anew. */
        if (r < 0 && r != -ESTALE && cfg->log)
                cfg->log("%s %s: %s%s%s", op, path, strerror(-r), fs_reason()[0] ? ": " : "",
                         fs_reason());
        if (r < 0 && r != -ESTALE)
                model_audit_refusal(cfg->model, r, fs_reason());
        model_set_actor(NULL);
        return r;
}

int fs_req_begin_child(fuse_req_t req, const char *op, fuse_ino_t parent, const char *name,
                       bool making, char *buf, char path[FS_PATH_MAX], struct fs_node *ret)
{
        struct fs_node dir;
        int r = child_path(req, parent, name, &dir, path), allowed;

        allowed = fs_req_begin(req, op, path);
        r = r < 0 ? path_refused(r) : allowed;
        if (r >= 0)
                r = making ? fs_node_child_new(&dir, name, buf, ret)
                           : fs_node_child(&dir, name, buf, ret);
        return r;
}

static void reply_status(fuse_req_t req, int r)
{
        fuse_reply_err(req, r < 0 ? -r : 0);
}

/* What the tree never allows: renames, links, special files, mode and owner changes. */
static int refuse_change(fuse_req_t req, const char *op, const char *path, const char *what)
{
        fs_req_begin(req, op, path);
        return fs_req_report(req, op, path, fs_refuse(-EPERM, "the tree has no %s", what));
}

/* --- entries and attributes ------------------------------------------------------------------ */

static void lf_init(void *userdata, struct fuse_conn_info *conn)
{
        (void)userdata;
        /* O_TRUNC inside open, so `echo v > file` is one open and one write. */
        if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
                conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
        /* Entries with attributes on every listing, so `ls -l` costs no lookups. */
        if (conn->capable & FUSE_CAP_READDIRPLUS)
                conn->want |= FUSE_CAP_READDIRPLUS;
        conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
}

static void lf_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        char buf[MODEL_NAME_MAX + 1];
        struct fs_node dir, node;
        int r;

        r = fs_req_node(req, parent, &dir);
        if (r >= 0)
                r = fs_node_child(&dir, name, buf, &node);
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                reply_entry(req, &node);
}

static void lf_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
        fs_inodes_forget(fs_of(req)->inodes, ino, nlookup);
        fuse_reply_none(req);
}

static void lf_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
        size_t i;

        for (i = 0; i < count; i++)
                fs_inodes_forget(fs_of(req)->inodes, forgets[i].ino, forgets[i].nlookup);
        fuse_reply_none(req);
}

/*
 * Replies attributes; those of an open file's own content (`fi`) are that file's, not the
 * node's, so the kernel must not keep them for the node.
 */
static void reply_attr(fuse_req_t req, fuse_ino_t ino, struct stat *st, int r,
                       struct fuse_file_info *fi)
{
        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        st->st_ino = ino;
        fuse_reply_attr(req, st, fi ? 0 : FS_CACHE_SECONDS);
}

/* fs_req_stat of the node the kernel holds at `ino`, from its memo when it has one. */
static int node_stat(fuse_req_t req, fuse_ino_t ino, const struct fs_node *node,
                     struct stat *st)
{
        struct fs_inodes *inodes = fs_of(req)->inodes;
        bool lasting = fs_node_attr_lasting(node);
        uint64_t seq = fs_inodes_seq(inodes);
        int r;

        if (lasting && fs_inodes_memo(inodes, ino, st)) {
                fs_req_show_owner(req, node, st);
                return 0;
        }
        r = fs_node_stat(model_of(req), node, st);
        if (r < 0)
                return r;
        if (lasting)
                fs_inodes_keep(inodes, ino, st, seq);
        fs_req_show_owner(req, node, st);
        return 0;
}

static void lf_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct fs_node node;
        struct stat st;
        int r;

        /* fstat of an open file: no path to walk again, so the plain answer */
        if (fi) {
                r = fs_open_stat(req, fi, &st);
        } else {
                r = fs_req_node(req, ino, &node);
                if (r >= 0)
                        r = fs_stale_if_gone(req, &node, node_stat(req, ino, &node, &st));
        }
        reply_attr(req, ino, &st, r, fi);
}

/*
 * chmod and chown are refused; a size is a truncate; times are what touching means. The reply
 * shows the attributes found before, unless a change was committed meanwhile.
 */
static void lf_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
        unsigned long commits = fs_commits();
        bool fresh = false, created = false;
        char path[FS_PATH_MAX];
        struct fs_node node;
        struct stat st;
        int r;

        r = fs_req_node(req, ino, &node);
        if (r >= 0 && fi)
                node = *fs_open_node(fi);
        if (r >= 0 && fs_node_path(&node, path, sizeof(path)) < 0)
                r = -ENAMETOOLONG;
        /*
         * Touching a holder assigns it: never for one whose object went meanwhile. An open file
         * that rendered it with no change since tells as much (touch's set-times call comes
         * without its handle, right after its create).
         */
        if (r >= 0 && fi)
                r = fs_open_attr(req, fi, &st);
        else if (r >= 0)
                fresh = fs_open_fresh_attr(req, ino, &st, &created) > 0;
        if (r >= 0 && !fi && !fresh)
                r = fs_stale_if_gone(req, &node, fs_req_stat(req, &node, &st));
        if (r >= 0 && (to_set & FUSE_SET_ATTR_MODE))
                r = refuse_change(req, "chmod", path, "mode changes");
        if (r >= 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
                r = refuse_change(req, "chown", path, "owner changes");
        if (r >= 0 && (to_set & FUSE_SET_ATTR_SIZE)) {
                r = fs_req_begin(req, "truncate", path);
                if (r >= 0)
                        r = fs_node_truncate(&node, attr->st_size);
                r = fs_req_report(req, "truncate", path, r);
        }
        if (r >= 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
                                 FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW))) {
                if (fi) {
                        r = fs_open_touch(req, path, fi);
                } else {
                        /* Made by an open file, with no change since: making it was the touch. */
                        r = fs_req_begin(req, "touch", path);
                        if (r >= 0 && !(fresh && created))
                                r = fs_node_touch(model_of(req), &node);
                        r = fs_req_report(req, "touch", path, r);
                }
        }
        if (r >= 0 && fs_commits() != commits) {
                r = fs_req_stat(req, &node, &st);
                fi = NULL;              /* the node's own attributes now */
        }
        reply_attr(req, ino, &st, r, fi);
}

/* --- making and removing ------------------------------------------------------------------- */

/* Removes `name` from directory `parent` with `op` (unlink or rmdir). */
static void remove_child(fuse_req_t req, fuse_ino_t parent, const char *name, const char *op,
                         int (*remove)(struct model *m, const struct fs_node *node))
{
        char path[FS_PATH_MAX], buf[MODEL_NAME_MAX + 1];
        struct fs_node node;
        int r;

        r = fs_req_begin_child(req, op, parent, name, false, buf, path, &node);
        if (r >= 0)
                r = remove(model_of(req), &node);
        r = fs_req_report(req, op, path, r);
        if (r >= 0)
                fs_inodes_unlink(fs_of(req)->inodes, &node);
        reply_status(req, r);
}

static void lf_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        remove_child(req, parent, name, "unlink", fs_node_unlink);
}

static void lf_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        remove_child(req, parent, name, "rmdir", fs_node_rmdir);
}

static void lf_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
        char path[FS_PATH_MAX], buf[MODEL_NAME_MAX + 1];
        struct fs_node node;
        int r;

        (void)mode;
        r = fs_req_begin_child(req, "mkdir", parent, name, true, buf, path, &node);
        if (r >= 0)
                r = fs_node_mkdir(model_of(req), &node);
        r = fs_req_report(req, "mkdir", path, r);
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                reply_entry(req, &node);
}

/* The moved node keeps its number: it and its cached subtree now live at the new place. */
static void moved(fuse_req_t req, const struct fs_node *from, const struct fs_node *to)
{
        struct fs *fs = fs_of(req);
        struct fs_stale *list;
        size_t count;

        if (fs_inodes_move(fs->inodes, from, to, &list, &count) == 0) {
                fs_invalidate_attributes(fs, list, count);
                fs_stale_free(list, count);
        }
}

static void lf_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
        char from[FS_PATH_MAX], to[FS_PATH_MAX];
        char source_name[MODEL_NAME_MAX + 1], target_name[MODEL_NAME_MAX + 1];
        struct fs_node source_dir, source, target_dir, target;
        int allowed, r;

        r = child_path(req, parent, name, &source_dir, from);
        if (r >= 0)
                r = child_path(req, newparent, newname, &target_dir, to);
        allowed = fs_req_begin(req, "rename", from);
        r = r < 0 ? path_refused(r) : allowed;
        if (r >= 0)
                r = fs_node_child(&source_dir, name, source_name, &source);
        /* A target the tree lacks is no restore either: EPERM, as for any other rename. */
        if (r >= 0 && fs_node_child(&target_dir, newname, target_name, &target) < 0)
                target = FS_NODE_ROOT;
        if (r >= 0)
                r = fs_node_rename(model_of(req), &source, &target, flags);
        r = fs_req_report(req, "rename", from, r);
        if (r >= 0)
                moved(req, &source, &target);
        reply_status(req, r);
}

static void lf_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
        char path[FS_PATH_MAX];
        struct fs_node dir;

        (void)ino;
        child_path(req, newparent, newname, &dir, path);
        reply_status(req, refuse_change(req, "link", path, "hard links"));
}

static void lf_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
        char path[FS_PATH_MAX];
        struct fs_node dir;

        (void)link;
        child_path(req, parent, name, &dir, path);
        reply_status(req, refuse_change(req, "symlink", path, "symlinks"));
}

static void lf_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                     dev_t rdev)
{
        char path[FS_PATH_MAX];
        struct fs_node dir;

        (void)mode;
        (void)rdev;
        child_path(req, parent, name, &dir, path);
        reply_status(req, refuse_change(req, "mknod", path, "special files"));
}

static const struct fuse_lowlevel_ops operations = {
        .init = lf_init,
        .lookup = lf_lookup,
        .forget = lf_forget,
        .forget_multi = lf_forget_multi,
        .getattr = lf_getattr,
        .setattr = lf_setattr,
        .opendir = fs_op_opendir,
        .readdir = fs_op_readdir,
        .readdirplus = fs_op_readdirplus,
        .releasedir = fs_op_releasedir,
        .open = fs_op_open,
        .create = fs_op_create,
        .read = fs_op_read,
        .write = fs_op_write,
        .flush = fs_op_flush,
        .release = fs_op_release,
        .unlink = lf_unlink,
        .mkdir = lf_mkdir,
        .rmdir = lf_rmdir,
        .rename = lf_rename,
        .link = lf_link,
        .symlink = lf_symlink,
        .mknod = lf_mknod,
};

const struct fuse_lowlevel_ops *fs_lowlevel_operations(void)
{
        return &operations;
}
