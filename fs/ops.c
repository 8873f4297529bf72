/*
 * The FUSE operations, on libfuse's low-level API: each finds its node's path from the inode
 * table, parses it once into a node, dispatches to fs_node_*, and replies. The kernel keeps
 * entries and attributes (FS_CACHE_SECONDS) and gets them in readdirplus; invalidate.c makes
 * it forget what each change makes stale. Every operation that may change the tenant runs
 * between begin() and report(): the model audits its changes and refusals as the caller's
 * (uid, verb, path), and report() logs a refusal with its reason and audits the refusals the
 * model did not see. A file's content is rendered once, at open, and served from the handle
 * (direct_io, so the kernel caches nothing of it); the audit log is read in place instead.
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

#include "nodes.h"
#include "state.h"

struct handle {
        struct fs_node node;
        struct fs_buf content;          /* rendered at open */
        char *path;                     /* as opened (owned) */
        struct fs_buf written;          /* what this open file was given, from offset 0 */
        bool applied;                   /* a write of this handle changed the value */
        bool pending;                   /* a checked list waits to be applied at close */
        bool refused;                   /* a write was refused: so are the rest */
        void *saved;                    /* what the first write may change (fs_node_save) */
};

/* An open directory: its names as listed at opendir (or at a rewind), by offset. */
struct dir_handle {
        char **names;
        size_t count, size;
        bool read;                      /* served from offset 0 once: a new 0 is a rewind */
};

static struct fs *fs_of(fuse_req_t req)
{
        return fuse_req_userdata(req);
}

static struct model *model_of(fuse_req_t req)
{
        return fs_of(req)->config->model;
}

static struct handle *handle_of(struct fuse_file_info *fi)
{
        return (struct handle *)(uintptr_t)fi->fh;
}

/* --- paths and nodes ----------------------------------------------------------------------- */

static int path_of(fuse_req_t req, fuse_ino_t ino, char path[FS_PATH_MAX])
{
        return fs_inodes_path(fs_of(req)->inodes, ino, path);
}

/*
 * The path of `name` in directory `parent` (filled even on failure, for the log): 0, -ENOENT
 * when the directory was removed, -ENAMETOOLONG.
 */
static int child_path(fuse_req_t req, fuse_ino_t parent, const char *name,
                      char path[FS_PATH_MAX])
{
        size_t len, name_len = strlen(name);
        int r;

        r = path_of(req, parent, path);
        len = strcmp(path, "/") == 0 ? 0 : strlen(path);
        if (len + 1 + name_len >= FS_PATH_MAX)
                return -ENAMETOOLONG;
        path[len] = '/';
        memcpy(path + len + 1, name, name_len + 1);
        return r;
}

/* The reason for a child_path failure, once begin() has cleared the last one. */
static int path_refused(int r)
{
        return fs_refuse(r, r == -ENOENT ? "its directory was removed" : "the path is too long");
}

/* Parses a path, clearing the reason a previous call of this thread left. */
static int parse(const char *path, struct fs_node *node)
{
        fs_reason_clear();
        return fs_path_parse(path, node);
}

static int node_at(fuse_req_t req, fuse_ino_t ino, char path[FS_PATH_MAX], struct fs_node *node)
{
        int r = path_of(req, ino, path);

        return r < 0 ? r : parse(path, node);
}

/* The owner, group and modes every node shows (see -o admin_group). */
static void show_owner(fuse_req_t req, const struct fs_node *node, struct stat *st)
{
        struct fs_config *cfg = fs_of(req)->config;

        st->st_uid = cfg->uid;
        st->st_gid = cfg->has_admin_group ? cfg->admin_gid : cfg->gid;
        /* The admins write what the owner may; a holder's 0444 marker gives way to that. */
        if (cfg->has_admin_group && fs_node_is_writable(node))
                st->st_mode |= S_IWUSR | S_IWGRP;
}

/*
 * For a node the kernel holds (by number, not by a name it looks up): its object went since
 * the kernel cached it. ESTALE makes the kernel walk the path again, revalidating each name,
 * and find it gone or made anew; ENOENT would stick to the cached entry.
 */
static int stale_if_gone(int r)
{
        return r == -ENOENT ? -ESTALE : r;
}

static int stat_node(fuse_req_t req, const struct fs_node *node, struct stat *st)
{
        int r = fs_node_stat(model_of(req), node, st);

        if (r >= 0)
                show_owner(req, node, st);
        return r;
}

/* Counts the kernel's reference for an entry whose attributes are filled: 0 or -ENOMEM. */
static int ref_entry(fuse_req_t req, const char *path, const struct fs_node *node,
                     struct fuse_entry_param *e)
{
        e->ino = fs_inodes_ref(fs_of(req)->inodes, path, node->upn);
        if (!e->ino)
                return -ENOMEM;
        e->attr.st_ino = e->ino;
        e->attr_timeout = e->entry_timeout = FS_CACHE_SECONDS;
        return 0;
}

/*
 * Fills an entry for the node at `path` (counting one kernel reference to it): 0 or -errno.
 * Undo the reference with fs_inodes_forget when the entry does not reach the kernel.
 */
static int make_entry(fuse_req_t req, const char *path, const struct fs_node *node,
                      struct fuse_entry_param *e)
{
        int r;

        memset(e, 0, sizeof(*e));
        r = stat_node(req, node, &e->attr);
        return r < 0 ? r : ref_entry(req, path, node, e);
}

static void reply_entry(fuse_req_t req, const char *path, const struct fs_node *node)
{
        struct fuse_entry_param e;
        int r = make_entry(req, path, node, &e);

        if (r < 0)
                fuse_reply_err(req, -r);
        else if (fuse_reply_entry(req, &e) != 0)
                fs_inodes_forget(fs_of(req)->inodes, e.ino, 1);
}

/* --- changes: audit, log, invalidation ------------------------------------------------------ */

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

/*
 * Starts an operation that may change the tenant: `op` is its verb in the audit log (a fixed
 * set, see README), `path` the object as used. Returns whether the caller may change the
 * tenant (0 or -EACCES).
 */
static int begin(fuse_req_t req, const char *op, const char *path)
{
        struct model_actor actor = { fuse_req_ctx(req)->uid, op, path };

        fs_reason_clear();
        model_set_actor(&actor);
        return may_change(req);
}

/* Ends what begin() started: a refusal is logged, and audited unless the model did. */
static int report(fuse_req_t req, const char *op, const char *path, int r)
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

static void reply_status(fuse_req_t req, int r)
{
        fuse_reply_err(req, r < 0 ? -r : 0);
}

/* --- the operations ---------------------------------------------------------------------------- */

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
        char path[FS_PATH_MAX];
        struct fs_node node;
        int r;

        r = child_path(req, parent, name, path);
        if (r >= 0)
                r = parse(path, &node);
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                reply_entry(req, path, &node);
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

static void reply_attr(fuse_req_t req, fuse_ino_t ino, const struct fs_node *node)
{
        struct stat st;
        int r = stat_node(req, node, &st);

        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        st.st_ino = ino;
        fuse_reply_attr(req, &st, FS_CACHE_SECONDS);
}

static void lf_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        char path[FS_PATH_MAX];
        struct fs_node node;
        struct stat st;
        int r;

        r = node_at(req, ino, path, &node);
        /* fstat of an open file: no path to walk again, so the plain answer */
        if (r >= 0)
                r = fi ? stat_node(req, &node, &st) : stale_if_gone(stat_node(req, &node, &st));
        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        st.st_ino = ino;
        fuse_reply_attr(req, &st, FS_CACHE_SECONDS);
}

/* What the tree never allows: renames, links, special files, mode and owner changes. */
static int refuse_change(fuse_req_t req, const char *op, const char *path, const char *what)
{
        begin(req, op, path);
        return report(req, op, path, fs_refuse(-EPERM, "the tree has no %s", what));
}

/* chmod and chown are refused; a size is a truncate; times are what touching means. */
static void lf_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
        char path[FS_PATH_MAX];
        struct fs_node node;
        struct stat st;
        int r;

        r = node_at(req, ino, path, &node);
        if (r >= 0 && fi)
                node = handle_of(fi)->node;
        /* Touching a holder assigns it: never for one whose object went meanwhile. */
        if (r >= 0 && !fi)
                r = stale_if_gone(stat_node(req, &node, &st));
        if (r >= 0 && (to_set & FUSE_SET_ATTR_MODE))
                r = refuse_change(req, "chmod", path, "mode changes");
        if (r >= 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
                r = refuse_change(req, "chown", path, "owner changes");
        if (r >= 0 && (to_set & FUSE_SET_ATTR_SIZE)) {
                r = begin(req, "truncate", path);
                if (r >= 0)
                        r = fs_node_truncate(&node, attr->st_size);
                r = report(req, "truncate", path, r);
        }
        if (r >= 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
                                 FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW))) {
                r = begin(req, "touch", path);
                if (r >= 0)
                        r = fs_node_touch(model_of(req), &node);
                r = report(req, "touch", path, r);
        }
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                reply_attr(req, ino, &node);
}

/* --- directories --------------------------------------------------------------------------- */

static struct dir_handle *dir_free(struct dir_handle *d)
{
        size_t i;

        if (!d)
                return NULL;
        for (i = 0; i < d->count; i++)
                free(d->names[i]);
        free(d->names);
        free(d);
        return NULL;
}

static int keep_name(void *opaque, const char *name)
{
        struct dir_handle *d = opaque;

        if (d->count == d->size) {
                size_t size = d->size ? 2 * d->size : 32;
                char **names = realloc(d->names, size * sizeof(*names));

                if (!names)
                        return -ENOMEM;
                d->names = names;
                d->size = size;
        }
        d->names[d->count] = strdup(name);
        return d->names[d->count++] ? 0 : -ENOMEM;
}

/* Lists the directory at `path` into a new handle. */
static int list_dir(fuse_req_t req, const char *path, struct dir_handle **ret)
{
        struct dir_handle *d = calloc(1, sizeof(*d));
        struct fs_node node;
        int r;

        if (!d)
                return -ENOMEM;
        r = parse(path, &node);
        if (r >= 0)
                r = fs_node_list(model_of(req), &node, keep_name, d);
        if (r < 0) {
                dir_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

static void lf_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        char path[FS_PATH_MAX];
        struct dir_handle *d;
        int r;

        r = path_of(req, ino, path);
        if (r >= 0)
                r = stale_if_gone(list_dir(req, path, &d));
        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        fi->fh = (uintptr_t)d;
        if (fuse_reply_open(req, fi) != 0)
                dir_free(d);
}

static bool is_dot(const char *name)
{
        return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/*
 * Adds names[i] to buf (room bytes): with its entry and attributes when `plus`. Returns the
 * bytes it takes (more than room: it did not fit), or -errno when the entry vanished.
 */
static int add_entry(fuse_req_t req, fuse_ino_t ino, const char *name, off_t next, bool plus,
                     char *buf, size_t room)
{
        struct fuse_entry_param e = { .ino = 0 };
        char path[FS_PATH_MAX];
        struct fs_node node = { .kind = FS_ROOT };
        size_t size;
        int r = 0;

        if (!is_dot(name)) {
                r = child_path(req, ino, name, path);
                if (r >= 0)
                        r = parse(path, &node);
                if (r < 0)
                        return r;
        }
        /* A d_ino of 0 would hide the entry: the kernel's number where it has one. */
        if (!plus || is_dot(name)) {
                e.attr.st_mode = fs_node_is_dir(&node) ? S_IFDIR : S_IFREG;
                e.attr.st_ino = is_dot(name) ? ino : fs_inodes_find(fs_of(req)->inodes, path);
                if (!e.attr.st_ino)
                        e.attr.st_ino = (ino_t)next + FS_ROOT_INO;
        }
        if (!plus)
                return (int)fuse_add_direntry(req, buf, room, name, &e.attr, next);
        if (!is_dot(name) && (r = make_entry(req, path, &node, &e)) < 0)
                return r;
        size = fuse_add_direntry_plus(req, buf, room, name, &e, next);
        if (size > room && e.ino)
                fs_inodes_forget(fs_of(req)->inodes, e.ino, 1);
        return (int)size;
}

static void read_dir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                     struct fuse_file_info *fi, bool plus)
{
        struct dir_handle *d = (struct dir_handle *)(uintptr_t)fi->fh, *fresh;
        char path[FS_PATH_MAX];
        size_t used = 0, i;
        bool session;
        char *buf;
        int r;

        /* A rewind lists afresh. */
        if (offset == 0 && d->read) {
                r = path_of(req, ino, path);
                if (r >= 0)
                        r = list_dir(req, path, &fresh);
                if (r < 0) {
                        fuse_reply_err(req, -r);
                        return;
                }
                dir_free((struct dir_handle *)(uintptr_t)fi->fh);
                fi->fh = (uintptr_t)(d = fresh);
        }
        d->read = true;
        buf = malloc(size);
        if (!buf) {
                fuse_reply_err(req, ENOMEM);
                return;
        }
        /* The entries of one reply are rendered in one read transaction, not one each. */
        session = plus && model_read_begin(model_of(req)) >= 0;
        for (i = (size_t)offset; i < d->count; i++) {
                r = add_entry(req, ino, d->names[i], (off_t)i + 1, plus, buf + used, size - used);
                if (r < 0)
                        continue;       /* gone since the listing */
                if ((size_t)r > size - used)
                        break;
                used += (size_t)r;
        }
        if (session)
                model_read_end(model_of(req));
        fuse_reply_buf(req, buf, used);
        free(buf);
}

static void lf_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                       struct fuse_file_info *fi)
{
        read_dir(req, ino, size, offset, fi, false);
}

static void lf_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                           struct fuse_file_info *fi)
{
        read_dir(req, ino, size, offset, fi, true);
}

static void lf_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        (void)ino;
        dir_free((struct dir_handle *)(uintptr_t)fi->fh);
        fuse_reply_err(req, 0);
}

/* --- files ----------------------------------------------------------------------------------- */

static struct handle *handle_free(struct handle *h)
{
        if (!h)
                return NULL;
        fs_buf_free(&h->content);
        fs_buf_free(&h->written);
        fs_node_forget(&h->node, h->saved);
        free(h->path);
        free(h);
        return NULL;
}

/*
 * Makes the handle of an open file, with its content as it is now (none when streamed), and
 * when `ret_attr` is given, the attributes that content has (stat once, not twice).
 */
static int open_handle(fuse_req_t req, const char *path, const struct fs_node *node,
                       struct fuse_file_info *fi, struct stat *ret_attr)
{
        struct fs_file file = { 0 };
        struct handle *h;
        int r;

        if (fs_node_is_streamed(node))
                r = ret_attr ? stat_node(req, node, ret_attr) : 0;
        else
                r = fs_node_render(model_of(req), node, &file);
        if (r < 0)
                return r;
        if (ret_attr && !fs_node_is_streamed(node)) {
                fs_file_stat(&file, ret_attr);
                show_owner(req, node, ret_attr);
        }
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
        fi->direct_io = 1;              /* generated content: sizes and data come from us */
        return 0;
}

static void lf_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        bool writing = (fi->flags & O_ACCMODE) != O_RDONLY;
        char path[FS_PATH_MAX];
        struct fs_node node;
        int r;

        r = path_of(req, ino, path);
        if (writing) {
                int allowed = begin(req, "open", path);

                r = r < 0 ? r : allowed;
        }
        if (r >= 0)
                r = parse(path, &node);
        if (r >= 0 && writing)
                r = fs_node_may_write(&node);
        if (r >= 0 && (fi->flags & O_TRUNC))
                r = fs_node_truncate(&node, 0);
        if (r >= 0)
                r = stale_if_gone(open_handle(req, path, &node, fi, NULL));
        if (writing)
                r = report(req, "open", path, r);
        if (r < 0)
                fuse_reply_err(req, -r);
        else if (fuse_reply_open(req, fi) != 0)
                handle_free(handle_of(fi));
}

static void lf_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
        struct fuse_entry_param e;
        char path[FS_PATH_MAX];
        struct fs_node node;
        int allowed, r;

        (void)mode;
        r = child_path(req, parent, name, path);
        allowed = begin(req, "create", path);
        r = r < 0 ? path_refused(r) : allowed;
        if (r >= 0) {
                fs_reason_clear();
                r = fs_path_parse_new(path, &node);
        }
        if (r >= 0)
                r = fs_node_create(model_of(req), &node);
        r = report(req, "create", path, r);
        memset(&e, 0, sizeof(e));
        if (r >= 0)
                r = open_handle(req, path, &node, fi, &e.attr);
        if (r >= 0) {
                r = ref_entry(req, path, &node, &e);
                if (r < 0)
                        handle_free(handle_of(fi));
        }
        if (r < 0) {
                fuse_reply_err(req, -r);
        } else if (fuse_reply_create(req, &e, fi) != 0) {
                fs_inodes_forget(fs_of(req)->inodes, e.ino, 1);
                handle_free(handle_of(fi));
        }
}

static void lf_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                    struct fuse_file_info *fi)
{
        struct handle *h = handle_of(fi);
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
        else if (offset < 0 || (size_t)offset >= h->content.len)
                r = 0;
        else {
                r = (int)(size < h->content.len - (size_t)offset ? size
                                                                   : h->content.len - (size_t)offset);
                memcpy(buf, h->content.data + offset, (size_t)r);
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
        fs_buf_printf(&h->written, "%.*s", (int)size, data);
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

static void lf_write(fuse_req_t req, fuse_ino_t ino, const char *data, size_t size,
                     off_t offset, struct fuse_file_info *fi)
{
        struct handle *h = handle_of(fi);
        int r;

        (void)ino;
        /* The name it was opened by: the object may be gone since. */
        r = begin(req, "write", h->path);
        if (r >= 0)
                r = take_write(req, h, data, size, offset);
        r = report(req, "write", h->path, r);
        if (r >= 0) {
                fuse_reply_write(req, size);
                return;
        }
        /* Refused: so is the rest of this open file, nothing is applied at close, and what its
         * earlier writes applied is undone (after report(), so that is no call of its own). */
        h->refused = true;
        h->pending = false;
        if (h->applied && fs_node_undo(model_of(req), &h->node, &h->content, h->saved) >= 0)
                h->applied = false;
        fuse_reply_err(req, -r);
}

/* Applies a checked list; close(2) returns what this returns. */
static void lf_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct handle *h = handle_of(fi);
        int r = 0;

        (void)ino;
        if (h->pending) {
                r = begin(req, "write", h->path);
                h->pending = false;
                if (r >= 0)
                        r = fs_node_write(model_of(req), &h->node, h->written.data,
                                          h->written.len);
                r = report(req, "write", h->path, r);
        }
        reply_status(req, r);
}

static void lf_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        (void)ino;
        handle_free(handle_of(fi));
        fuse_reply_err(req, 0);
}

/* --- making and removing ------------------------------------------------------------------- */

static void lf_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        char path[FS_PATH_MAX];
        struct fs_node node;
        int allowed, r;

        r = child_path(req, parent, name, path);
        allowed = begin(req, "unlink", path);
        r = r < 0 ? path_refused(r) : allowed;
        if (r >= 0)
                r = parse(path, &node);
        if (r >= 0)
                r = fs_node_unlink(model_of(req), &node);
        r = report(req, "unlink", path, r);
        if (r >= 0)
                fs_inodes_unlink(fs_of(req)->inodes, path);
        reply_status(req, r);
}

static void lf_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
        char path[FS_PATH_MAX];
        struct fs_node node;
        int allowed, r;

        (void)mode;
        r = child_path(req, parent, name, path);
        allowed = begin(req, "mkdir", path);
        r = r < 0 ? path_refused(r) : allowed;
        if (r >= 0) {
                fs_reason_clear();
                r = fs_path_parse_new(path, &node);
        }
        if (r >= 0)
                r = fs_node_mkdir(model_of(req), &node);
        r = report(req, "mkdir", path, r);
        if (r < 0)
                fuse_reply_err(req, -r);
        else
                reply_entry(req, path, &node);
}

static void lf_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        char path[FS_PATH_MAX];
        struct fs_node node;
        int allowed, r;

        r = child_path(req, parent, name, path);
        allowed = begin(req, "rmdir", path);
        r = r < 0 ? path_refused(r) : allowed;
        if (r >= 0)
                r = parse(path, &node);
        if (r >= 0)
                r = fs_node_rmdir(model_of(req), &node);
        r = report(req, "rmdir", path, r);
        if (r >= 0)
                fs_inodes_unlink(fs_of(req)->inodes, path);
        reply_status(req, r);
}

/* The moved node keeps its number: it and its cached subtree now live at the new path. */
static void moved(fuse_req_t req, const char *from, const char *to)
{
        struct fs *fs = fs_of(req);
        uint64_t ino = fs_inodes_find(fs->inodes, from);
        struct fs_stale *list;
        size_t count;

        if (ino && fs_inodes_move(fs->inodes, ino, to, &list, &count) == 0) {
                fs_invalidate_attributes(fs, list, count);
                fs_stale_free(list, count);
        }
}

static void lf_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
        char from[FS_PATH_MAX], to[FS_PATH_MAX];
        struct fs_node source, target;
        int allowed, r;

        r = child_path(req, parent, name, from);
        if (r >= 0)
                r = child_path(req, newparent, newname, to);
        allowed = begin(req, "rename", from);
        r = r < 0 ? path_refused(r) : allowed;
        if (r >= 0)
                r = fs_path_parse(from, &source);
        /* A target the tree lacks is no restore either: EPERM, as for any other rename. */
        if (r >= 0 && fs_path_parse(to, &target) < 0)
                target.kind = FS_ROOT;
        if (r >= 0)
                r = fs_node_rename(model_of(req), &source, &target, flags);
        r = report(req, "rename", from, r);
        if (r >= 0)
                moved(req, from, to);
        reply_status(req, r);
}

static void lf_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
        char path[FS_PATH_MAX];

        (void)ino;
        child_path(req, newparent, newname, path);
        reply_status(req, refuse_change(req, "link", path, "hard links"));
}

static void lf_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
        char path[FS_PATH_MAX];

        (void)link;
        child_path(req, parent, name, path);
        reply_status(req, refuse_change(req, "symlink", path, "symlinks"));
}

static void lf_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                     dev_t rdev)
{
        char path[FS_PATH_MAX];

        (void)mode;
        (void)rdev;
        child_path(req, parent, name, path);
        reply_status(req, refuse_change(req, "mknod", path, "special files"));
}

static const struct fuse_lowlevel_ops operations = {
        .init = lf_init,
        .lookup = lf_lookup,
        .forget = lf_forget,
        .forget_multi = lf_forget_multi,
        .getattr = lf_getattr,
        .setattr = lf_setattr,
        .opendir = lf_opendir,
        .readdir = lf_readdir,
        .readdirplus = lf_readdirplus,
        .releasedir = lf_releasedir,
        .open = lf_open,
        .create = lf_create,
        .read = lf_read,
        .write = lf_write,
        .flush = lf_flush,
        .release = lf_release,
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
