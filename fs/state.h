/*
 * The mounted filesystem's state, shared by the files of fs/: the program's configuration, the
 * FUSE session, the inodes the kernel knows and the invalidation of the kernel's caches.
 */
#pragma once

#include <pthread.h>

#include "fs.h"
#include "inodes.h"

struct fs_invalidator;
struct fs;

/*
 * The link of an open file's or directory's handle into the filesystem's list (handles.c),
 * embedded first in the handle; `free` frees the handle it is part of.
 */
struct fs_handle;
typedef void fs_handle_free_fn(struct fs *fs, struct fs_handle *h);
struct fs_handle {
        struct fs_handle *prev, *next;
        fs_handle_free_fn *free;
};

struct fs {
        struct fs_config *config;       /* the program's; outlives the fs */
        struct fuse_session *se;
        struct fs_inodes *inodes;
        struct fs_invalidator *invalidator;     /* from fs_start to fs_stop */
        pthread_mutex_t handles_lock;
        struct fs_handle handles;               /* the open handles: a ring, this its head */
        unsigned long generation;               /* fs_generation's; atomic */
};

/*
 * The open handles (handles.c): each is added when the kernel is given it and removed when the
 * kernel releases it; fs_handles_free_all frees those never released, once the session ended.
 */
void fs_handles_init(struct fs *fs);
void fs_handles_add(struct fs *fs, struct fs_handle *h, fs_handle_free_fn *free_fn);
void fs_handles_remove(struct fs *fs, struct fs_handle *h);
void fs_handles_free_all(struct fs *fs);
/* Calls fn for each open handle, newest first, under the list's lock, until fn returns non-zero
 * (returned); fn must not call back into the list. */
int fs_handles_each(struct fs *fs, int (*fn)(struct fs_handle *h, void *ctx), void *ctx);

/* How long the kernel may keep an entry or attribute: a backstop, changes invalidate them. */
#define FS_CACHE_SECONDS 1.0

/*
 * The invalidation of the kernel's caches (invalidate.c). fs_invalidator_start registers the
 * model watcher: after every committed change the kernel forgets the attributes of the nodes
 * the change touched, before the request returns; a poller does the same for everything the
 * kernel holds when another process changed the database. A node whose object is gone then
 * answers ESTALE, and the kernel looks its path up again (ops.c).
 */
struct fs_invalidator *fs_invalidator_start(struct fs *fs);
struct fs_invalidator *fs_invalidator_stop(struct fs_invalidator *inv);
/*
 * How many committed changes this thread has made (each reaches the watcher before the call
 * that made it returns): a request that sees the count unchanged changed nothing.
 */
unsigned long fs_commits(void);
/*
 * Moves on before the kernel is told to forget what a change touched, this process's or
 * another's: attributes read while it stays the same are no staler than the kernel's own.
 */
unsigned long fs_generation(struct fs *fs);
/* Makes the kernel forget the attributes of the nodes of `list`. */
void fs_invalidate_attributes(struct fs *fs, const struct fs_stale *list, size_t count);
