/*
 * The mounted filesystem's state, shared by the files of fs/: the program's configuration, the
 * FUSE session, the inodes the kernel knows and the invalidation of the kernel's caches.
 */
#pragma once

#include "fs.h"
#include "inodes.h"

struct fs_invalidator;

struct fs {
        struct fs_config *config;       /* the program's; outlives the fs */
        struct fuse_session *se;
        struct fs_inodes *inodes;
        struct fs_invalidator *invalidator;     /* from fs_start to fs_stop */
};

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
/* Makes the kernel forget the attributes of the nodes of `list`. */
void fs_invalidate_attributes(struct fs *fs, const struct fs_stale *list, size_t count);
