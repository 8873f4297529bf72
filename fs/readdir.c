/*
 * Directories: opendir lists a directory's names into a handle, readdir and readdirplus serve
 * them by offset (real offsets, so that readdirplus hands the kernel each entry's attributes
 * and `ls -l` costs no lookups), and a read from offset 0 after the first lists afresh. The
 * first readdirplus renders the files whose kind renders them all at once (a product's
 * holders: one statement, not several each), and serves their attributes from the handle
 * while no change has been made since.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* A listed file's attributes, rendered with the others: what of them varies, compactly. */
struct child_stat {
        size_t name;                    /* its field's (a UPN), in the handle's arena */
        off_t size;
        time_t mtime;
        mode_t mode;
};

/* An open directory: its names as listed at opendir (or at a rewind), by offset. */
struct dir_handle {
        struct fs_handle link;          /* first: the filesystem's list of open handles */
        char **names;
        size_t count, size;
        bool read;                      /* served from offset 0 once: a new 0 is a rewind */
        bool stats_read;                /* the first readdirplus rendered what it could */
        struct child_stat *stats;       /* by name */
        size_t stats_count, stats_size;
        char *arena;                    /* their names, each ended by NUL */
        size_t arena_len, arena_size;
        unsigned long generation;       /* fs_generation when they were rendered */
};

static void names_free(struct dir_handle *d)
{
        size_t i;

        for (i = 0; i < d->count; i++)
                free(d->names[i]);
        free(d->names);
}

static void stats_free(struct dir_handle *d)
{
        free(d->stats);
        free(d->arena);
        d->stats = NULL;
        d->arena = NULL;
        d->stats_count = d->stats_size = d->arena_len = d->arena_size = 0;
}

static struct dir_handle *dir_free(struct dir_handle *d)
{
        if (d) {
                names_free(d);
                stats_free(d);
        }
        free(d);
        return NULL;
}

/* Grows *buf (of *size elements of elem bytes) to hold `need`: 0 or -ENOMEM. */
static int reserve(void **buf, size_t *size, size_t need, size_t elem)
{
        size_t grown = *size ? *size : 32;
        void *p;

        if (need <= *size)
                return 0;
        while (grown < need)
                grown *= 2;
        p = realloc(*buf, grown * elem);
        if (!p)
                return -ENOMEM;
        *buf = p;
        *size = grown;
        return 0;
}

static int keep_stat(void *opaque, const char *name, const struct stat *st)
{
        struct dir_handle *d = opaque;
        size_t len = strlen(name) + 1;
        /* At first as many as the directory lists: one allocation, not a doubling of a large
         * array, and none for a directory whose kinds render one file at a time. */
        size_t need = !d->stats_size && d->count > 1 ? d->count : d->stats_count + 1;

        if (reserve((void **)&d->stats, &d->stats_size, need, sizeof(*d->stats)) ||
            reserve((void **)&d->arena, &d->arena_size, d->arena_len + len, 1))
                return -ENOMEM;
        memcpy(d->arena + d->arena_len, name, len);
        d->stats[d->stats_count++] = (struct child_stat){ d->arena_len, st->st_size, st->st_mtime,
                                                          st->st_mode };
        d->arena_len += len;
        return 0;
}

static int by_name(const void *a, const void *b, void *arena)
{
        return strcmp((const char *)arena + ((const struct child_stat *)a)->name,
                      (const char *)arena + ((const struct child_stat *)b)->name);
}

/* Renders, once per listing, the attributes the directory's kinds give all at once. */
static void read_stats(fuse_req_t req, struct dir_handle *d, const struct fs_node *dir)
{
        if (d->stats_read)
                return;
        d->stats_read = true;
        /* Taken first: a change while they are read makes them unused. */
        d->generation = fs_generation(fs_of(req));
        if (fs_node_stat_all(model_of(req), dir, keep_stat, d) < 0)
                stats_free(d);          /* one by one, then */
        else if (d->stats_count)
                qsort_r(d->stats, d->stats_count, sizeof(*d->stats), by_name, d->arena);
}

/* The attributes rendered with the others of the directory's child `node`, if still true. */
static bool known_stat(fuse_req_t req, const struct dir_handle *d, const struct fs_node *node,
                       struct stat *ret)
{
        const char *name = fs_node_own_name(node);
        size_t lo = 0, hi = d->stats_count, mid;
        int cmp;

        if (!d->stats_count || d->generation != fs_generation(fs_of(req)))
                return false;
        while (lo < hi) {
                mid = lo + (hi - lo) / 2;
                cmp = strcmp(name, d->arena + d->stats[mid].name);
                if (cmp == 0) {
                        fs_attr_stat(d->stats[mid].mode, d->stats[mid].size,
                                     d->stats[mid].mtime, ret);
                        return true;
                }
                if (cmp < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return false;
}

static void dir_free_link(struct fs *fs, struct fs_handle *link)
{
        (void)fs;
        dir_free((struct dir_handle *)link);
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

/* Lists directory `node` into a new handle (*ret, freed with dir_free). */
static int list_dir(fuse_req_t req, const struct fs_node *node, struct dir_handle **ret)
{
        struct dir_handle *d = calloc(1, sizeof(*d));
        int r;

        if (!d)
                return -ENOMEM;
        r = fs_node_list(model_of(req), node, keep_name, d);
        if (r < 0) {
                dir_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

void fs_op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct dir_handle *d = NULL;
        struct fs_node node;
        int r;

        /* A removed directory is ENOENT; one whose object went meanwhile, ESTALE. */
        r = fs_req_node(req, ino, &node);
        if (r >= 0)
                r = fs_stale_if_gone(req, &node, list_dir(req, &node, &d));
        if (r < 0) {
                fuse_reply_err(req, -r);
                return;
        }
        fs_handles_add(fs_of(req), &d->link, dir_free_link);
        fi->fh = (uintptr_t)d;
        if (fuse_reply_open(req, fi) != 0) {
                fs_handles_remove(fs_of(req), &d->link);
                dir_free(d);
        }
}

static bool is_dot(const char *name)
{
        return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/*
 * Adds `name` of directory `dir` (node number ino) to buf (room bytes): with its entry and
 * attributes when `plus`. Returns the bytes it takes (more than room: it did not fit), or
 * -errno when the entry vanished.
 */
static int add_entry(fuse_req_t req, fuse_ino_t ino, const struct dir_handle *d,
                     const struct fs_node *dir, const char *name, off_t next, bool plus,
                     uint64_t seq, char *buf, size_t room)
{
        struct fuse_entry_param e = { .ino = 0 };
        struct fs_node node = *dir;
        char decoded[MODEL_NAME_MAX + 1];
        size_t size;
        int r;

        if (!is_dot(name)) {
                r = fs_node_child(dir, name, decoded, &node);
                if (r < 0)
                        return r;
        }
        /* A d_ino of 0 would hide the entry: the kernel's number where it has one. */
        if (!plus || is_dot(name)) {
                e.attr.st_mode = fs_node_is_dir(&node) ? S_IFDIR : S_IFREG;
                e.attr.st_ino = is_dot(name) ? ino : fs_inodes_find(fs_of(req)->inodes, &node);
                if (!e.attr.st_ino)
                        e.attr.st_ino = (ino_t)next + FS_ROOT_INO;
        }
        if (!plus)
                return (int)fuse_add_direntry(req, buf, room, name, &e.attr, next);
        if (!is_dot(name) && known_stat(req, d, &node, &e.attr)) {
                r = fs_req_keep_entry(req, &node, seq, &e);
                if (r < 0)
                        return r;
        } else if (!is_dot(name) && (r = fs_req_entry(req, &node, seq, &e)) < 0) {
                return r;
        }
        size = fuse_add_direntry_plus(req, buf, room, name, &e, next);
        if (size > room && e.ino)
                fs_inodes_forget(fs_of(req)->inodes, e.ino, 1);
        return (int)size;
}

static void read_dir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                     struct fuse_file_info *fi, bool plus)
{
        struct dir_handle *d = (struct dir_handle *)(uintptr_t)fi->fh, *fresh;
        struct fs_node dir;
        size_t used = 0, i;
        bool session, removed;
        uint64_t seq;
        char *buf;
        int r;

        /* A directory removed since it was opened shows only its dots. */
        removed = fs_req_node(req, ino, &dir) < 0;
        /* A rewind lists afresh. */
        if (offset == 0 && d->read) {
                r = removed ? -ENOENT : list_dir(req, &dir, &fresh);
                if (r < 0) {
                        fuse_reply_err(req, -r);
                        return;
                }
                /* The handle stays (the kernel's, and listed): its names are replaced. */
                names_free(d);
                stats_free(d);
                d->stats_read = false;
                d->names = fresh->names;
                d->count = fresh->count;
                d->size = fresh->size;
                free(fresh);
        }
        d->read = true;
        buf = malloc(size);
        if (!buf) {
                fuse_reply_err(req, ENOMEM);
                return;
        }
        /* The entries of one reply are rendered in one read transaction, not one each. */
        seq = fs_inodes_seq(fs_of(req)->inodes);
        session = plus && model_read_begin(model_of(req)) >= 0;
        if (plus && !removed)
                read_stats(req, d, &dir);
        for (i = (size_t)offset; i < d->count; i++) {
                if (removed && !is_dot(d->names[i]))
                        continue;
                r = add_entry(req, ino, d, &dir, d->names[i], (off_t)i + 1, plus, seq,
                              buf + used, size - used);
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

void fs_op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                   struct fuse_file_info *fi)
{
        read_dir(req, ino, size, offset, fi, false);
}

void fs_op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset,
                       struct fuse_file_info *fi)
{
        read_dir(req, ino, size, offset, fi, true);
}

void fs_op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct dir_handle *d = (struct dir_handle *)(uintptr_t)fi->fh;

        (void)ino;
        fs_handles_remove(fs_of(req), &d->link);
        dir_free(d);
        fuse_reply_err(req, 0);
}
