/*
 * baseline: the FUSE floor licensefs is measured against (see bench/run).
 *
 * A minimal in-memory filesystem with licensefs's tree shape for what the benchmark measures,
 * tuned as well as libfuse 3.14's high-level API allows:
 *
 *   /products/SKU/{total,assigned,available}   counts (assigned = holders, read with direct_io)
 *   /products/SKU/users/UPN                      holder files: create (touch) and unlink (rm)
 *   /users/UPN/                                  one directory per user (from --users=FILE)
 *
 * Kernel entry, attribute and negative caching (1 s), readdirplus on every readdir (not "auto")
 * with real offsets and full attributes handed to the filler (FUSE_FILL_DIR_PLUS), so the kernel
 * can use them (libfuse issue #235). Names live in chained hash tables; listings walk an array
 * of slots in creation order, a slot's index being its readdir offset. Multi-threaded loop by
 * default (as licensefs), -s for one thread. Only getattr, readdir, read, create, unlink,
 * utimens, open and release are implemented.
 *
 *   baseline [-f] [-s] [-d] [-o OPT] --users=FILE [--sku=NAME] [--total=N] [--sqlite=DB]
 *            MOUNTPOINT
 *
 * FILE holds one UPN a line; only those users may be given a seat (else ENOENT), and at most
 * --total (default 1000000) at a time (else ENOSPC), as in licensefs.
 *
 * With --sqlite, each seat given or taken is also one SQLite transaction on DB: a row of a
 * one-column table inserted or deleted, in WAL mode with synchronous=NORMAL, as licensefs keeps
 * its tenant. That is the cheapest change that is durable and seen at once by other processes:
 * the part of a change's cost that the storage itself sets on the machine measured, apart from
 * what licensefs does around it.
 */
#define FUSE_USE_VERSION 314
#include <fuse.h>
#include <sqlite3.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT 1.0

struct entry {
        char *name;
        size_t slot;                    /* index in the directory's slots: the readdir offset */
        uint64_t hash;
        struct entry *next;             /* hash chain */
        struct timespec mtime;
};

struct dir {
        struct entry **slots;           /* creation order; NULL where an entry was removed */
        size_t nslots, cap, live;
        struct entry **buckets;
        size_t nbuckets;
        struct timespec mtime;
};

static struct {
        pthread_mutex_t lock;
        struct dir users, holders;
        char *sku;
        long total;
        struct timespec start;
        uid_t uid;
        gid_t gid;
        sqlite3 *db;                    /* --sqlite: a seat's row, one transaction a change */
        sqlite3_stmt *give, *take;
} g = { .lock = PTHREAD_MUTEX_INITIALIZER, .total = 1000000 };

static uint64_t hash_name(const char *s)
{
        uint64_t h = 1469598103934665603ULL;    /* FNV-1a */

        while (*s)
                h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
        return h;
}

static struct entry *dir_find(const struct dir *d, const char *name)
{
        uint64_t h = hash_name(name);
        struct entry *e;

        if (!d->nbuckets)
                return NULL;
        for (e = d->buckets[h & (d->nbuckets - 1)]; e; e = e->next)
                if (e->hash == h && strcmp(e->name, name) == 0)
                        return e;
        return NULL;
}

static int dir_grow(struct dir *d)
{
        size_t n = d->nbuckets ? d->nbuckets * 2 : 1024, i;
        struct entry **b = calloc(n, sizeof(*b)), *e, *next;

        if (!b)
                return -ENOMEM;
        for (i = 0; i < d->nbuckets; i++)
                for (e = d->buckets[i]; e; e = next) {
                        next = e->next;
                        e->next = b[e->hash & (n - 1)];
                        b[e->hash & (n - 1)] = e;
                }
        free(d->buckets);
        d->buckets = b;
        d->nbuckets = n;
        return 0;
}

/* Drops the removed slots; offsets of a listing in progress may then skip or repeat names. */
static void dir_compact(struct dir *d)
{
        size_t i, j = 0;

        for (i = 0; i < d->nslots; i++)
                if (d->slots[i]) {
                        d->slots[j] = d->slots[i];
                        d->slots[j]->slot = j;
                        j++;
                }
        d->nslots = j;
}

static int dir_add(struct dir *d, const char *name, struct entry **out)
{
        struct entry *e;
        size_t b;

        if (d->live + 1 > d->nbuckets && dir_grow(d) < 0)
                return -ENOMEM;
        if (d->nslots == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 1024;
                struct entry **s = realloc(d->slots, cap * sizeof(*s));

                if (!s)
                        return -ENOMEM;
                d->slots = s;
                d->cap = cap;
        }
        e = calloc(1, sizeof(*e));
        if (!e || !(e->name = strdup(name))) {
                free(e);
                return -ENOMEM;
        }
        e->hash = hash_name(name);
        b = e->hash & (d->nbuckets - 1);
        e->next = d->buckets[b];
        d->buckets[b] = e;
        e->slot = d->nslots;
        d->slots[d->nslots++] = e;
        d->live++;
        clock_gettime(CLOCK_REALTIME, &e->mtime);
        d->mtime = e->mtime;
        if (out)
                *out = e;
        return 0;
}

static void dir_remove(struct dir *d, struct entry *e)
{
        struct entry **p = &d->buckets[e->hash & (d->nbuckets - 1)];

        while (*p != e)
                p = &(*p)->next;
        *p = e->next;
        d->slots[e->slot] = NULL;
        d->live--;
        if (d->live == 0)
                d->nslots = 0;
        else if (d->nslots - d->live > d->live + 4096)
                dir_compact(d);
        clock_gettime(CLOCK_REALTIME, &d->mtime);
        free(e->name);
        free(e);
}

/* ---- paths ---- */

enum kind {
        K_NONE, K_ROOT, K_PRODUCTS, K_PRODUCT, K_TOTAL, K_ASSIGNED, K_AVAILABLE, K_HOLDERS,
        K_HOLDER, K_USERS, K_USER,
};

/* The kind of PATH; *leaf is its last component where that names a holder or user. */
static enum kind parse(const char *path, const char **leaf)
{
        size_t n = strlen(g.sku);
        const char *p;

        *leaf = NULL;
        if (strcmp(path, "/") == 0)
                return K_ROOT;
        if (strcmp(path, "/users") == 0)
                return K_USERS;
        if (strncmp(path, "/users/", 7) == 0 && path[7] && !strchr(path + 7, '/')) {
                *leaf = path + 7;
                return K_USER;
        }
        if (strncmp(path, "/products", 9) != 0)
                return K_NONE;
        p = path + 9;
        if (!*p)
                return K_PRODUCTS;
        if (*p != '/' || strncmp(p + 1, g.sku, n) != 0)
                return K_NONE;
        p += 1 + n;
        if (!*p)
                return K_PRODUCT;
        if (*p++ != '/')
                return K_NONE;
        if (strcmp(p, "total") == 0)
                return K_TOTAL;
        if (strcmp(p, "assigned") == 0)
                return K_ASSIGNED;
        if (strcmp(p, "available") == 0)
                return K_AVAILABLE;
        if (strncmp(p, "users", 5) != 0)
                return K_NONE;
        p += 5;
        if (!*p)
                return K_HOLDERS;
        if (*p != '/' || !p[1] || strchr(p + 1, '/'))
                return K_NONE;
        *leaf = p + 1;
        return K_HOLDER;
}

/* Content of a file node, with g.lock held; returns its length or -ENOENT. */
static int render(enum kind k, const char *leaf, char *buf, size_t size)
{
        long assigned = (long)g.holders.live;

        switch (k) {
        case K_TOTAL:
                return snprintf(buf, size, "%ld\n", g.total);
        case K_ASSIGNED:
                return snprintf(buf, size, "%ld\n", assigned);
        case K_AVAILABLE:
                return snprintf(buf, size, "%ld\n", g.total - assigned);
        case K_HOLDER:
                if (!dir_find(&g.holders, leaf))
                        return -ENOENT;
                return snprintf(buf, size, "user=%s\nproduct=%s\nstate=active\ndirect=yes\n", leaf,
                                g.sku);
        default:
                return -ENOENT;
        }
}

static void fill_stat(struct stat *st, mode_t mode, nlink_t nlink, off_t size,
                      const struct timespec *t)
{
        memset(st, 0, sizeof(*st));
        st->st_mode = mode;
        st->st_nlink = nlink;
        st->st_size = size;
        st->st_uid = g.uid;
        st->st_gid = g.gid;
        st->st_atim = st->st_mtim = st->st_ctim = t ? *t : g.start;
}

/* With g.lock held. */
static int stat_kind(enum kind k, const char *leaf, struct stat *st)
{
        char buf[600];
        struct entry *e;
        int n;

        switch (k) {
        case K_ROOT:
        case K_PRODUCTS:
        case K_PRODUCT:
                fill_stat(st, S_IFDIR | 0555, 2, 0, NULL);
                return 0;
        case K_HOLDERS:
                fill_stat(st, S_IFDIR | 0755, 2, 0, &g.holders.mtime);
                return 0;
        case K_USERS:
                fill_stat(st, S_IFDIR | 0755, 2, 0, &g.users.mtime);
                return 0;
        case K_USER:
                if (!dir_find(&g.users, leaf))
                        return -ENOENT;
                fill_stat(st, S_IFDIR | 0555, 2, 0, NULL);
                return 0;
        case K_TOTAL:
        case K_ASSIGNED:
        case K_AVAILABLE:
                n = render(k, leaf, buf, sizeof(buf));
                fill_stat(st, S_IFREG | (k == K_TOTAL ? 0644 : 0444), 1, n, &g.holders.mtime);
                return 0;
        case K_HOLDER:
                e = dir_find(&g.holders, leaf);
                if (!e)
                        return -ENOENT;
                n = render(k, leaf, buf, sizeof(buf));
                fill_stat(st, S_IFREG | 0644, 1, n, &e->mtime);
                return 0;
        default:
                return -ENOENT;
        }
}

/* ---- operations ---- */

static void *bl_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
        cfg->entry_timeout = TIMEOUT;
        cfg->attr_timeout = TIMEOUT;
        cfg->negative_timeout = TIMEOUT;
        cfg->hard_remove = 1;
        conn->want |= conn->capable & FUSE_CAP_READDIRPLUS;
        conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;       /* plus on every readdir, not the first */
        return NULL;
}

static int bl_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
        const char *leaf;
        enum kind k = parse(path, &leaf);
        int r;

        (void)fi;
        pthread_mutex_lock(&g.lock);
        r = stat_kind(k, leaf, st);
        pthread_mutex_unlock(&g.lock);
        return r;
}

struct lister {
        void *buf;
        fuse_fill_dir_t filler;
        enum fuse_fill_dir_flags plus;
};

/* Adds NAME (a child of kind K, leaf LEAF) at offset OFF; nonzero when the buffer is full. */
static int list_one(struct lister *l, const char *name, enum kind k, const char *leaf, off_t off)
{
        struct stat st;

        if (stat_kind(k, leaf, &st) < 0)
                return 0;
        return l->filler(l->buf, name, &st, off, l->plus);
}

/* Fixed entries, at offsets 3.. after "." (1) and ".." (2). */
static int list_static(struct lister *l, off_t offset, const char *const *names,
                       const enum kind *kinds, int n)
{
        int i;

        for (i = 0; i < n; i++)
                if (offset <= 2 + i && list_one(l, names[i], kinds[i], NULL, 3 + i))
                        return 1;
        return 0;
}

static int list_dir(struct lister *l, const struct dir *d, enum kind k, off_t offset, off_t base)
{
        size_t i = offset > base ? (size_t)(offset - base) : 0;

        for (; i < d->nslots; i++)
                if (d->slots[i] &&
                    list_one(l, d->slots[i]->name, k, d->slots[i]->name, base + (off_t)i + 1))
                        return 1;
        return 0;
}

static int bl_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
        static const char *const root[] = { "products", "users" };
        static const enum kind root_k[] = { K_PRODUCTS, K_USERS };
        static const char *const product[] = { "total", "assigned", "available", "users" };
        static const enum kind product_k[] = { K_TOTAL, K_ASSIGNED, K_AVAILABLE, K_HOLDERS };
        struct lister l = { buf, filler, FUSE_FILL_DIR_PLUS };
        const char *leaf;
        enum kind k = parse(path, &leaf);
        struct stat st;
        int r = 0;

        (void)fi;
        (void)flags;
        pthread_mutex_lock(&g.lock);
        r = stat_kind(k, leaf, &st);
        if (r == 0 && !S_ISDIR(st.st_mode))
                r = -ENOTDIR;
        if (r < 0)
                goto out;
        if (offset < 1 && filler(buf, ".", &st, 1, l.plus))
                goto out;
        if (offset < 2 && filler(buf, "..", NULL, 2, 0))
                goto out;
        switch (k) {
        case K_ROOT:
                list_static(&l, offset, root, root_k, 2);
                break;
        case K_PRODUCTS:
                if (offset <= 2)
                        list_one(&l, g.sku, K_PRODUCT, NULL, 3);
                break;
        case K_PRODUCT:
                list_static(&l, offset, product, product_k, 4);
                break;
        case K_HOLDERS:
                list_dir(&l, &g.holders, K_HOLDER, offset, 2);
                break;
        case K_USERS:
                list_dir(&l, &g.users, K_USER, offset, 2);
                break;
        default:
                break;
        }
out:
        pthread_mutex_unlock(&g.lock);
        return r;
}

static int bl_open(const char *path, struct fuse_file_info *fi)
{
        const char *leaf;
        enum kind k = parse(path, &leaf);
        struct stat st;
        int r;

        pthread_mutex_lock(&g.lock);
        r = stat_kind(k, leaf, &st);
        pthread_mutex_unlock(&g.lock);
        if (r < 0)
                return r;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if ((fi->flags & O_ACCMODE) != O_RDONLY && k != K_HOLDER)
                return -EACCES;
        /* Counts change with every create and unlink: read them past the cached size. */
        fi->direct_io = k != K_HOLDER;
        return 0;
}

static int bl_read(const char *path, char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
        const char *leaf;
        enum kind k = parse(path, &leaf);
        char content[600];
        int n;

        (void)fi;
        pthread_mutex_lock(&g.lock);
        n = render(k, leaf, content, sizeof(content));
        pthread_mutex_unlock(&g.lock);
        if (n < 0)
                return n;
        if (off >= n)
                return 0;
        if (size > (size_t)(n - off))
                size = (size_t)(n - off);
        memcpy(buf, content + off, size);
        return (int)size;
}

/* With --sqlite, commits the seat's row (give) or its removal: 0, or -EIO. */
static int store(sqlite3_stmt *stmt, const char *upn)
{
        int rc;

        if (!g.db)
                return 0;
        sqlite3_bind_text(stmt, 1, upn, -1, SQLITE_STATIC);
        rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? 0 : -EIO;
}

static int bl_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
        const char *leaf;
        enum kind k = parse(path, &leaf);
        int r = 0;

        (void)mode;
        (void)fi;
        if (k != K_HOLDER)
                return -EPERM;
        pthread_mutex_lock(&g.lock);
        if (dir_find(&g.holders, leaf))
                r = 0;
        else if (!dir_find(&g.users, leaf))
                r = -ENOENT;
        else if ((long)g.holders.live >= g.total)
                r = -ENOSPC;
        else if ((r = store(g.give, leaf)) == 0 && (r = dir_add(&g.holders, leaf, NULL)) < 0)
                store(g.take, leaf);    /* out of memory: the row goes too */
        pthread_mutex_unlock(&g.lock);
        return r;
}

static int bl_unlink(const char *path)
{
        const char *leaf;
        enum kind k = parse(path, &leaf);
        struct entry *e;
        int r = -ENOENT;

        if (k != K_HOLDER)
                return k == K_NONE ? -ENOENT : -EPERM;
        pthread_mutex_lock(&g.lock);
        e = dir_find(&g.holders, leaf);
        if (e && (r = store(g.take, leaf)) == 0)
                dir_remove(&g.holders, e);
        pthread_mutex_unlock(&g.lock);
        return r;
}

static int bl_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
        const char *leaf;
        enum kind k = parse(path, &leaf);
        struct stat st;
        struct entry *e;
        int r;

        (void)tv;
        (void)fi;
        pthread_mutex_lock(&g.lock);
        r = stat_kind(k, leaf, &st);
        if (r == 0 && k == K_HOLDER && (e = dir_find(&g.holders, leaf)))
                clock_gettime(CLOCK_REALTIME, &e->mtime);       /* touch: "now" */
        pthread_mutex_unlock(&g.lock);
        return r;
}

static int bl_release(const char *path, struct fuse_file_info *fi)
{
        (void)path;
        (void)fi;
        return 0;
}

static const struct fuse_operations ops = {
        .init = bl_init,
        .getattr = bl_getattr,
        .readdir = bl_readdir,
        .open = bl_open,
        .read = bl_read,
        .create = bl_create,
        .unlink = bl_unlink,
        .utimens = bl_utimens,
        .release = bl_release,
};

/* ---- options ---- */

struct options {
        char *users;
        char *sku;
        char *total;
        char *sqlite;
};

static const struct fuse_opt option_spec[] = {
        { "--users=%s", offsetof(struct options, users), 0 },
        { "--sku=%s", offsetof(struct options, sku), 0 },
        { "--total=%s", offsetof(struct options, total), 0 },
        { "--sqlite=%s", offsetof(struct options, sqlite), 0 },
        FUSE_OPT_END
};

static int load_users(const char *file)
{
        FILE *f = fopen(file, "r");
        char line[1024];
        size_t n;

        if (!f) {
                perror(file);
                return -1;
        }
        while (fgets(line, sizeof(line), f)) {
                n = strcspn(line, "\r\n");
                line[n] = '\0';
                if (n && !dir_find(&g.users, line) && dir_add(&g.users, line, NULL) < 0) {
                        fclose(f);
                        return -1;
                }
        }
        fclose(f);
        return 0;
}

/* Opens (making it) the database of --sqlite, empty, as licensefs opens its own. 0 or -1. */
static int store_open(const char *file)
{
        const char *setup = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                            "DROP TABLE IF EXISTS seats; "
                            "CREATE TABLE seats (upn TEXT PRIMARY KEY) WITHOUT ROWID";

        if (sqlite3_open_v2(file, &g.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
            sqlite3_exec(g.db, setup, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(g.db, "INSERT INTO seats VALUES (?1)", -1, &g.give,
                               NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(g.db, "DELETE FROM seats WHERE upn = ?1", -1, &g.take,
                               NULL) != SQLITE_OK) {
                fprintf(stderr, "baseline: %s: %s\n", file, sqlite3_errmsg(g.db));
                return -1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
        struct options o = { 0 };
        char *end;
        int r;

        if (fuse_opt_parse(&args, &o, option_spec, NULL) < 0)
                return 2;
        if (!o.users) {
                fprintf(stderr, "usage: baseline [-f] [-s] [-d] [-o OPT] --users=FILE "
                        "[--sku=NAME] [--total=N] [--sqlite=DB] MOUNTPOINT\n");
                return 2;
        }
        g.sku = o.sku ? o.sku : strdup("BENCH");
        if (o.total) {
                g.total = strtol(o.total, &end, 10);
                if (*end || g.total < 0) {
                        fprintf(stderr, "baseline: bad --total=%s\n", o.total);
                        return 2;
                }
        }
        g.uid = getuid();
        g.gid = getgid();
        clock_gettime(CLOCK_REALTIME, &g.start);
        g.users.mtime = g.holders.mtime = g.start;
        if (!g.sku || strchr(g.sku, '/') || !*g.sku || load_users(o.users) < 0)
                return 1;
        if (o.sqlite && store_open(o.sqlite) < 0)
                return 1;
        r = fuse_main(args.argc, args.argv, &ops, NULL);
        fuse_opt_free_args(&args);
        sqlite3_finalize(g.give);
        sqlite3_finalize(g.take);
        sqlite3_close(g.db);
        return r;
}
