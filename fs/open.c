/*
 * Open files. A file's content is rendered once, at open, and served from the handle
 * (direct_io, so the kernel caches nothing of it); the audit log is read in place instead. The
 * handle holds its inode, so its node's names stay valid until release.
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
#include <stdlib.h>
#include <string.h>

#include "ops.h"

struct handle {
        struct fs_handle link;          /* first: the filesystem's list of open handles */
        uint64_t ino;                   /* held until release */
        struct fs_node node;            /* names: the inode table's */
        struct fs_file file;            /* rendered at open (no content when streamed) */
        unsigned long generation;       /* fs_generation before it was */
        struct fs_buf written;          /* what this open file was given, from offset 0 */
        bool created;                   /* this open made its object */
        bool applied;                   /* a write of this handle changed the value */
        bool pending;                   /* a checked list waits to be applied at close */
        bool refused;                   /* a write was refused: so are the rest */
        void *saved;                    /* what the first write may change (fs_node_save) */
};

static struct handle *handle_of(struct fuse_file_info *fi)
{
        return (struct handle *)(uintptr_t)fi->fh;
}

static void handle_free(struct fs *fs, struct fs_handle *link)
{
        struct handle *h = (struct handle *)link;

        fs_node_forget(&h->node, h->saved);
        fs_inodes_forget(fs->inodes, h->ino, 1);
        fs_buf_free(&h->file.content);
        fs_buf_free(&h->written);
        free(h);
}

/* Ends the handle of an open file (NULL: none). Returns NULL. */
static struct handle *handle_release(fuse_req_t req, struct handle *h)
{
        if (h) {
                fs_handles_remove(fs_of(req), &h->link);
                handle_free(fs_of(req), &h->link);
        }
        return NULL;
}

/*
 * Makes the handle of an open file of node `ino` (`node`, names the table's), with its content
 * as it is now (none when streamed). 0 or -errno.
 */
static int open_handle(fuse_req_t req, fuse_ino_t ino, const struct fs_node *node,
                       struct fuse_file_info *fi)
{
        unsigned long generation = fs_generation(fs_of(req));
        uint64_t seq = fs_inodes_seq(fs_of(req)->inodes);
        struct fs_file file = { 0 };
        struct handle *h;
        struct stat st;
        int r = 0;

        if (!fs_node_is_streamed(node))
                r = fs_node_render(model_of(req), node, &file);
        if (r < 0)
                return r;
        /* What was just rendered serves a later lookup too (an rm's, after a touch). */
        if (fs_node_attr_lasting(node)) {
                fs_file_stat(&file, &st);
                fs_inodes_keep(fs_of(req)->inodes, ino, &st, seq);
        }
        h = calloc(1, sizeof(*h));
        if (!h) {
                fs_buf_free(&file.content);
                return -ENOMEM;
        }
        fs_inodes_hold(fs_of(req)->inodes, ino);
        h->ino = ino;
        h->node = *node;
        h->file = file;
        h->generation = generation;
        fs_handles_add(fs_of(req), &h->link, handle_free);
        fi->fh = (uintptr_t)h;
        fi->direct_io = 1;              /* generated content: sizes and data come from us */
        /* Only a value applied at close needs close(2) to ask us; the rest spare the request. */
        fi->noflush = !fs_node_applies_at_close(node);
        return 0;
}

const struct fs_node *fs_open_node(struct fuse_file_info *fi)
{
        return &handle_of(fi)->node;
}

int fs_open_attr(fuse_req_t req, struct fuse_file_info *fi, struct stat *ret)
{
        struct handle *h = handle_of(fi);

        if (fs_node_is_streamed(&h->node))
                return fs_req_stat(req, &h->node, ret);
        fs_file_stat(&h->file, ret);
        fs_req_show_owner(req, &h->node, ret);
        return 0;
}

struct fresh_ctx {
        fuse_req_t req;
        fuse_ino_t ino;
        unsigned long generation;
        struct stat *st;
        bool *created;
};

static int fresh_handle(struct fs_handle *link, void *opaque)
{
        struct handle *h = (struct handle *)link;
        struct fresh_ctx *f = opaque;

        if (link->free != handle_free || h->ino != f->ino || h->generation != f->generation ||
            fs_node_is_streamed(&h->node))
                return 0;
        fs_file_stat(&h->file, f->st);
        fs_req_show_owner(f->req, &h->node, f->st);
        *f->created = h->created;
        return 1;
}

int fs_open_fresh_attr(fuse_req_t req, fuse_ino_t ino, struct stat *ret, bool *created)
{
        struct fresh_ctx f = { req, ino, fs_generation(fs_of(req)), ret, created };

        return fs_handles_each(fs_of(req), fresh_handle, &f);
}

int fs_open_stat(fuse_req_t req, struct fuse_file_info *fi, struct stat *ret)
{
        struct handle *h = handle_of(fi);
        int r;

        if (fs_node_is_streamed(&h->node))
                return fs_req_stat(req, &h->node, ret);
        /* Whether its object still exists; the size is what read serves. */
        r = fs_node_stat(model_of(req), &h->node, ret);
        return r < 0 ? r : fs_open_attr(req, fi, ret);
}

int fs_open_touch(fuse_req_t req, const char *path, struct fuse_file_info *fi)
{
        struct handle *h = handle_of(fi);
        int r;

        /* Made by this open file: making it was the touch. */
        if (h->created)
                return 0;
        r = fs_req_begin(req, "touch", path);
        if (r >= 0)
                r = fs_node_touch(model_of(req), &h->node);
        return fs_req_report(req, "touch", path, r);
}

void fs_op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        bool writing = (fi->flags & O_ACCMODE) != O_RDONLY;
        char path[FS_PATH_MAX] = "";
        struct fs_node node;
        int r;

        r = fs_req_node(req, ino, &node);
        if (writing) {
                int allowed;

                if (fs_node_path(&node, path, sizeof(path)) < 0 && r >= 0)
                        r = -ENAMETOOLONG;
                allowed = fs_req_begin(req, "open", path);
                r = r < 0 ? r : allowed;
        }
        if (r >= 0 && writing)
                r = fs_node_may_write(&node);
        if (r >= 0 && (fi->flags & O_TRUNC))
                r = fs_node_truncate(&node, 0);
        if (r >= 0)
                r = fs_stale_if_gone(req, &node, open_handle(req, ino, &node, fi));
        if (writing)
                r = fs_req_report(req, "open", path, r);
        if (r < 0)
                fuse_reply_err(req, -r);
        else if (fuse_reply_open(req, fi) != 0)
                handle_release(req, handle_of(fi));
}

void fs_op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                  struct fuse_file_info *fi)
{
        char path[FS_PATH_MAX], buf[MODEL_NAME_MAX + 1];
        struct fuse_entry_param e = { .ino = 0 };
        struct fs_node node;
        int r;

        (void)mode;
        r = fs_req_begin_child(req, "create", parent, name, true, buf, path, &node);
        if (r >= 0)
                r = fs_node_create(model_of(req), &node);
        r = fs_req_report(req, "create", path, r);
        /* The handle's node is the table's: its names outlive this call, unlike buf. */
        if (r >= 0)
                r = fs_req_ref_entry(req, &node, &e);
        if (r >= 0)
                r = fs_inodes_node(fs_of(req)->inodes, e.ino, &node);
        if (r >= 0)
                r = open_handle(req, e.ino, &node, fi);
        if (r >= 0) {
                handle_of(fi)->created = true;
                /* The attributes of the content just rendered: stat once, not twice. */
                r = fs_open_attr(req, fi, &e.attr);
                e.attr.st_ino = e.ino;
                if (r < 0)
                        fi->fh = (uintptr_t)handle_release(req, handle_of(fi));
        }
        if (r < 0) {
                if (e.ino)
                        fs_inodes_forget(fs_of(req)->inodes, e.ino, 1);
                fuse_reply_err(req, -r);
        } else if (fuse_reply_create(req, &e, fi) != 0) {
                handle_release(req, handle_of(fi));
                fs_inodes_forget(fs_of(req)->inodes, e.ino, 1);
        }
}

void fs_op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                struct fuse_file_info *fi)
{
        struct handle *h = handle_of(fi);
        const struct fs_buf *content = &h->file.content;
        char *buf;
        int r;

        (void)ino;
        /*
         * Served from a copy: once the kernel has taken the reply, the reader may close and
         * its release free the handle while this thread is still returning from the write.
         */
        buf = malloc(size ? size : 1);
        if (!buf)
                r = -ENOMEM;
        else if (fs_node_is_streamed(&h->node))
                r = fs_node_read(model_of(req), &h->node, buf, size, offset);
        else if (offset < 0 || (size_t)offset >= content->len)
                r = 0;
        else {
                r = (int)(size < content->len - (size_t)offset ? size
                                                               : content->len - (size_t)offset);
                memcpy(buf, content->data + offset, (size_t)r);
        }
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                fuse_reply_buf(req, buf, (size_t)r);
        free(buf);
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
        fs_buf_append(&h->written, data, size);
        return fs_buf_error(&h->written);
}

/* Applies (or, for a list, checks) what the handle was given so far: 0 or -errno. */
static int take_write(fuse_req_t req, struct handle *h, const char *data, size_t size,
                      off_t offset)
{
        struct model *m = model_of(req);
        int r;

        /* After a refusal the writer's offset stays put, so what follows would start afresh. */
        if (h->refused)
                return fs_refuse(-EINVAL, "an earlier write of this value was refused");
        r = memchr(data, '\0', size) ? fs_refuse(-EINVAL, "a value cannot contain NUL bytes")
                                     : gather(h, data, size, offset);
        if (r >= 0 && fs_node_applies_at_close(&h->node)) {
                r = fs_node_check(&h->node, h->written.data, h->written.len);
                h->pending = r >= 0;
        } else if (r >= 0) {
                if (!h->applied && !h->saved)
                        r = fs_node_save(m, &h->node, &h->saved);
                if (r >= 0)
                        r = fs_node_write(m, &h->node, h->written.data, h->written.len);
                h->applied = h->applied || r >= 0;
        }
        return r;
}

void fs_op_write(fuse_req_t req, fuse_ino_t ino, const char *data, size_t size, off_t offset,
                 struct fuse_file_info *fi)
{
        struct handle *h = handle_of(fi);
        char path[FS_PATH_MAX];
        int r;

        (void)ino;
        /* The name it was opened by: the object may be gone since. */
        fs_node_path(&h->node, path, sizeof(path));
        r = fs_req_begin(req, "write", path);
        if (r >= 0)
                r = take_write(req, h, data, size, offset);
        r = fs_req_report(req, "write", path, r);
        if (r >= 0) {
                fuse_reply_write(req, size);
                return;
        }
        /* Refused: so is the rest of this open file, nothing is applied at close, and what its
         * earlier writes applied is undone (after the report, so that is no call of its own). */
        h->refused = true;
        h->pending = false;
        if (h->applied && fs_node_undo(model_of(req), &h->node, &h->file.content, h->saved) >= 0)
                h->applied = false;
        fuse_reply_err(req, -r);
}

/* Applies a checked list; close(2) returns what this returns. */
void fs_op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct handle *h = handle_of(fi);
        char path[FS_PATH_MAX];
        int r = 0;

        (void)ino;
        if (h->pending) {
                fs_node_path(&h->node, path, sizeof(path));
                r = fs_req_begin(req, "write", path);
                h->pending = false;
                if (r >= 0)
                        r = fs_node_write(model_of(req), &h->node, h->written.data,
                                          h->written.len);
                r = fs_req_report(req, "write", path, r);
        }
        fuse_reply_err(req, r < 0 ? -r : 0);
}

void fs_op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        (void)ino;
        handle_release(req, handle_of(fi));
        fuse_reply_err(req, 0);
}
