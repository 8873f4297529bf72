/*
 * The FUSE operations: each parses its path once into a node, dispatches to fs_node_*, and
 * returns its -errno. Every operation that may change the tenant runs between begin() and
 * report(): the model audits its changes and refusals as the caller's (uid, verb, path), and
 * report() logs a refusal with its reason and audits the refusals the model did not see. A
 * file's content is rendered once, at open, and served from the handle (direct_io, so the
 * kernel caches nothing of it); the audit log is read in place instead, piece by piece.
 *
 * A value is what one open file was given from offset 0. Most writers give it in one write();
 * bash's printf gives a value of several lines in one write per line, so each write applies
 * everything written so far, and when that is refused, the value the file had at open comes
 * back: a refused value changes nothing, however it was split. A list (a product's plans) is
 * only checked by each write and applied once, at close, since applying a partial list would
 * drop the options that name the plans still to come.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "nodes.h"

struct handle {
        struct fs_node node;
        struct fs_buf content;          /* rendered at open */
        char *path;                     /* as opened, for the log (owned) */
        struct fs_buf written;          /* what this open file was given, from offset 0 */
        bool applied;                   /* a write of this handle changed the value */
        bool pending;                   /* a checked list waits to be applied at close */
        bool refused;                   /* a write was refused: so are the rest */
};

static struct fs_config *config(void)
{
        return fuse_get_context()->private_data;
}

/*
 * Starts an operation that may change the tenant: `op` is its verb in the audit log (a fixed
 * set, see README), `path` the object as used.
 */
static void begin(const char *op, const char *path)
{
        struct model_actor actor = { fuse_get_context()->uid, op, path };

        fs_reason_clear();
        model_set_actor(&actor);
}

/* Ends what begin() started: a refusal is logged, and audited unless the model did. */
static int report(const char *op, const char *path, int r)
{
        struct fs_config *cfg = config();

        if (r < 0 && cfg->log)
                cfg->log("%s %s: %s%s%s", op, path, strerror(-r), fs_reason()[0] ? ": " : "",
                         fs_reason());
        if (r < 0)
                model_audit_refusal(cfg->model, r, fs_reason());
        model_set_actor(NULL);
        return r;
}

/* Parses a path, clearing the reason a previous call of this thread left. */
static int parse(const char *path, struct fs_node *node)
{
        fs_reason_clear();
        return fs_path_parse(path, node);
}

static int parse_new(const char *path, struct fs_node *node)
{
        fs_reason_clear();
        return fs_path_parse_new(path, node);
}

static void *lf_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
        (void)conn;
        /* Every change may show through other paths: the kernel must ask each time. */
        cfg->entry_timeout = 0;
        cfg->attr_timeout = 0;
        cfg->negative_timeout = 0;
        cfg->direct_io = 1;             /* generated content: sizes and data come from us */
        cfg->hard_remove = 1;           /* no .fuse_hidden renames: the tree has no renames */
        return fuse_get_context()->private_data;
}

static int lf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
        struct fs_config *cfg = config();
        struct fs_node node;
        int r;

        (void)fi;
        r = parse(path, &node);
        if (r >= 0)
                r = fs_node_stat(cfg->model, &node, st);
        if (r < 0)
                return r;
        st->st_uid = cfg->uid;
        st->st_gid = cfg->gid;
        return 0;
}

struct readdir_ctx {
        void *buf;
        fuse_fill_dir_t filler;
};

static int fill_entry(void *opaque, const char *name)
{
        struct readdir_ctx *ctx = opaque;

        return ctx->filler(ctx->buf, name, NULL, 0, 0) ? -ENOMEM : 0;
}

static int lf_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
        struct readdir_ctx ctx = { buf, filler };
        struct fs_node node;
        int r;

        (void)offset;
        (void)fi;
        (void)flags;
        r = parse(path, &node);
        return r < 0 ? r : fs_node_list(config()->model, &node, fill_entry, &ctx);
}

/* Makes the handle of an open file, with its content as it is now (none when streamed). */
static int open_handle(const char *path, const struct fs_node *node, struct fuse_file_info *fi)
{
        struct handle *h;
        struct fs_file file = { 0 };
        int r;

        r = fs_node_is_streamed(node) ? 0 : fs_node_render(config()->model, node, &file);
        if (r < 0)
                return r;
        h = calloc(1, sizeof(*h));
        if (h)
                h->path = strdup(path);
        if (!h || !h->path) {
                free(h);
                fs_buf_free(&file.content);
                return -ENOMEM;
        }
        h->node = *node;
        h->content = file.content;
        fi->fh = (uintptr_t)h;
        return 0;
}

static int lf_open(const char *path, struct fuse_file_info *fi)
{
        bool writing = (fi->flags & O_ACCMODE) != O_RDONLY;
        struct fs_node node;
        int r;

        if (writing)
                begin("open", path);
        r = parse(path, &node);
        if (r >= 0 && writing)
                r = fs_node_may_write(&node);
        if (r >= 0 && (fi->flags & O_TRUNC))
                r = fs_node_truncate(&node, 0);
        if (r >= 0)
                r = open_handle(path, &node, fi);
        return writing ? report("open", path, r) : r;
}

static int lf_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
        struct fs_node node;
        int r;

        (void)mode;
        begin("create", path);
        r = parse_new(path, &node);
        if (r >= 0)
                r = fs_node_create(config()->model, &node);
        if (r >= 0)
                r = open_handle(path, &node, fi);
        return report("create", path, r);
}

static int lf_read(const char *path, char *buf, size_t size, off_t offset,
                   struct fuse_file_info *fi)
{
        struct handle *h = (struct handle *)(uintptr_t)fi->fh;

        (void)path;
        if (fs_node_is_streamed(&h->node))
                return fs_node_read(config()->model, &h->node, buf, size, offset);
        if (offset < 0 || (size_t)offset >= h->content.len)
                return 0;
        if (size > h->content.len - (size_t)offset)
                size = h->content.len - (size_t)offset;
        memcpy(buf, h->content.data + offset, size);
        return (int)size;
}

/* Appends a write to the handle's value; EINVAL when it does not continue it. */
static int gather(struct handle *h, const char *data, size_t size, off_t offset)
{
        if (offset == 0)
                h->written.len = 0;     /* a new value from the start */
        if ((size_t)offset != h->written.len)
                return fs_refuse(-EINVAL, "a value is written from offset 0, in order");
        if (size > FS_VALUE_MAX - h->written.len)
                return fs_refuse(-EINVAL, "a value is at most %d bytes", FS_VALUE_MAX);
        fs_buf_printf(&h->written, "%.*s", (int)size, data);
        return fs_buf_error(&h->written);
}

static int lf_write(const char *path, const char *data, size_t size, off_t offset,
                    struct fuse_file_info *fi)
{
        struct handle *h = (struct handle *)(uintptr_t)fi->fh;
        struct model *m = config()->model;
        int r;

        /* The name it was opened by: the object may be gone, and libfuse's path with it. */
        path = h->path;
        begin("write", path);
        /* After a refusal the writer's offset stays put, so what follows would start afresh. */
        if (h->refused)
                return report("write", path, fs_refuse(-EINVAL, "an earlier write of this value "
                                                       "was refused"));
        r = memchr(data, '\0', size) ? fs_refuse(-EINVAL, "a value cannot contain NUL bytes")
                                     : gather(h, data, size, offset);
        if (r >= 0 && fs_node_applies_at_close(&h->node)) {
                r = fs_node_check(&h->node, h->written.data, h->written.len);
                if (r >= 0) {
                        h->pending = true;
                        return report("write", path, (int)size);
                }
        } else if (r >= 0) {
                r = fs_node_write(m, &h->node, h->written.data, h->written.len);
                if (r >= 0) {
                        h->applied = true;
                        return report("write", path, (int)size);
                }
        }
        /* Refused: so is the rest of this open file, nothing is applied at close, and what its
         * earlier writes applied is undone (after report(), so that is no call of its own). */
        h->refused = true;
        h->pending = false;
        r = report("write", path, r);
        if (h->applied && fs_node_undo(m, &h->node, &h->content) >= 0)
                h->applied = false;
        return r;
}

/* Applies a checked list; close(2) returns what this returns. */
static int lf_flush(const char *path, struct fuse_file_info *fi)
{
        struct handle *h = (struct handle *)(uintptr_t)fi->fh;
        int r;

        if (!h->pending)
                return 0;
        path = h->path;
        begin("write", path);
        h->pending = false;
        r = fs_node_write(config()->model, &h->node, h->written.data, h->written.len);
        return report("write", path, r);
}

static int lf_release(const char *path, struct fuse_file_info *fi)
{
        struct handle *h = (struct handle *)(uintptr_t)fi->fh;

        (void)path;
        fs_buf_free(&h->content);
        fs_buf_free(&h->written);
        free(h->path);
        free(h);
        return 0;
}

static int lf_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
        struct fs_node node;
        int r = 0;

        begin("truncate", path);
        if (fi)
                node = ((struct handle *)(uintptr_t)fi->fh)->node;
        else
                r = parse(path, &node);
        if (r >= 0)
                r = fs_node_truncate(&node, size);
        return report("truncate", path, r);
}

static int lf_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
        struct fs_node node;
        int r;

        (void)tv;
        (void)fi;
        begin("touch", path);
        r = parse(path, &node);
        if (r >= 0)
                r = fs_node_touch(config()->model, &node);
        return report("touch", path, r);
}

static int lf_unlink(const char *path)
{
        struct fs_node node;
        int r;

        begin("unlink", path);
        r = parse(path, &node);
        if (r >= 0)
                r = fs_node_unlink(config()->model, &node);
        return report("unlink", path, r);
}

static int lf_mkdir(const char *path, mode_t mode)
{
        struct fs_node node;
        int r;

        (void)mode;
        begin("mkdir", path);
        r = parse_new(path, &node);
        if (r >= 0)
                r = fs_node_mkdir(config()->model, &node);
        return report("mkdir", path, r);
}

static int lf_rmdir(const char *path)
{
        struct fs_node node;
        int r;

        begin("rmdir", path);
        r = parse(path, &node);
        if (r >= 0)
                r = fs_node_rmdir(config()->model, &node);
        return report("rmdir", path, r);
}

/* What the tree never allows: renames, links, special files, mode and owner changes. */
static int refuse_path(const char *op, const char *path, const char *what)
{
        begin(op, path);
        return report(op, path, fs_refuse(-EPERM, "the tree has no %s", what));
}

static int lf_rename(const char *from, const char *to, unsigned int flags)
{
        struct fs_node source, target;
        int r;

        begin("rename", from);
        r = fs_path_parse(from, &source);
        /* A target the tree lacks is no restore either: EPERM, as for any other rename. */
        if (r >= 0 && fs_path_parse(to, &target) < 0)
                target.kind = FS_ROOT;
        if (r >= 0)
                r = fs_node_rename(config()->model, &source, &target, flags);
        return report("rename", from, r);
}

static int lf_link(const char *from, const char *to)
{
        (void)from;
        return refuse_path("link", to, "hard links");
}

static int lf_symlink(const char *target, const char *path)
{
        (void)target;
        return refuse_path("symlink", path, "symlinks");
}

static int lf_mknod(const char *path, mode_t mode, dev_t dev)
{
        (void)mode;
        (void)dev;
        return refuse_path("mknod", path, "special files");
}

static int lf_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
        (void)mode;
        (void)fi;
        return refuse_path("chmod", path, "mode changes");
}

static int lf_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
        (void)uid;
        (void)gid;
        (void)fi;
        return refuse_path("chown", path, "owner changes");
}

static const struct fuse_operations operations = {
        .init = lf_init,
        .getattr = lf_getattr,
        .readdir = lf_readdir,
        .open = lf_open,
        .create = lf_create,
        .read = lf_read,
        .write = lf_write,
        .flush = lf_flush,
        .release = lf_release,
        .truncate = lf_truncate,
        .utimens = lf_utimens,
        .unlink = lf_unlink,
        .mkdir = lf_mkdir,
        .rmdir = lf_rmdir,
        .rename = lf_rename,
        .link = lf_link,
        .symlink = lf_symlink,
        .mknod = lf_mknod,
        .chmod = lf_chmod,
        .chown = lf_chown,
};

const struct fuse_operations *fs_operations(void)
{
        return &operations;
}
