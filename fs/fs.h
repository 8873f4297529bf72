/*
 * The FUSE side of licensefs: the operations table that adapts FUSE calls to the model. The
 * program fills a struct fs_config, hands it to fuse_new as private data, and keeps it (and
 * the model in it) alive until the loop has ended.
 */
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse.h>

#include "model.h"

struct fs_config {
        struct model *model;            /* owned by the program; set before the loop runs */
        uid_t uid;                      /* owner shown on every node: the mounting user */
        gid_t gid;
        /* Where refusals of changes are reported, one line each; NULL: nowhere. */
        void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
};

const struct fuse_operations *fs_operations(void);
