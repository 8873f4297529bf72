/*
 * The FUSE side of licensefs: the low-level operations that adapt FUSE calls to the model,
 * and the state they keep (the inodes the kernel knows, the invalidation of its caches). The
 * program fills a struct fs_config, makes the session with fs_new, mounts it, opens the model,
 * calls fs_start, runs the session's loop, then fs_stop and fs_free; it keeps the config (and
 * the model in it) alive until fs_stop has returned.
 */
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

#include "model.h"

struct fs_config {
        struct model *model;            /* owned by the program; set before fs_start */
        uid_t uid;                      /* owner shown on every node: the mounting user */
        gid_t gid;
        /* -o admin_group: its members may change licenses too, and own the nodes' group. */
        bool has_admin_group;
        gid_t admin_gid;
        const char *admin_group;        /* its name, for refusals */
        /* Where refusals of changes are reported, one line each; NULL: nowhere. */
        void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
};

struct fs;

/*
 * Makes the FUSE session for `args` (FUSE's own options: libfuse prints what it rejects).
 * Returns NULL on failure; free with fs_free().
 */
struct fs *fs_new(struct fuse_args *args, struct fs_config *config);
struct fuse_session *fs_session(struct fs *fs);
/* Starts watching the model for changes to invalidate (after config->model is open): 0/-errno. */
int fs_start(struct fs *fs);
void fs_stop(struct fs *fs);
/* Destroys the session (unmount it first); accepts NULL, returns NULL. */
struct fs *fs_free(struct fs *fs);
/* The operations table (for fs_new, and for tests that make their own session). */
const struct fuse_lowlevel_ops *fs_lowlevel_operations(void);
