/*
 * The filesystem's life: the session and inode table from fs_new, the invalidation threads
 * from fs_start (they need the model, which the daemon opens only after it has detached).
 */
#include <errno.h>
#include <stdlib.h>

#include "state.h"

struct fs *fs_new(struct fuse_args *args, struct fs_config *config)
{
        struct fs *fs = calloc(1, sizeof(*fs));

        if (!fs)
                return NULL;
        fs->config = config;
        fs_handles_init(fs);
        fs->inodes = fs_inodes_new();
        if (fs->inodes)
                fs->se = fuse_session_new(args, fs_lowlevel_operations(),
                                          sizeof(struct fuse_lowlevel_ops), fs);
        if (!fs->se)
                return fs_free(fs);
        return fs;
}

struct fuse_session *fs_session(struct fs *fs)
{
        return fs->se;
}

int fs_start(struct fs *fs)
{
        fs->invalidator = fs_invalidator_start(fs);
        return fs->invalidator ? 0 : -ENOMEM;
}

void fs_stop(struct fs *fs)
{
        fs->invalidator = fs_invalidator_stop(fs->invalidator);
}

struct fs *fs_free(struct fs *fs)
{
        if (!fs)
                return NULL;
        fs_stop(fs);
        if (fs->se)
                fuse_session_destroy(fs->se);
        /* After the session: the handles hold inodes. */
        fs_handles_free_all(fs);
        fs->inodes = fs_inodes_free(fs->inodes);
        free(fs);
        return NULL;
}
