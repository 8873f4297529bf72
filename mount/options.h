/*
 * The command line of the licensefs program: `licensefs [options] DATABASE MOUNTPOINT`.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define FUSE_USE_VERSION 314
#include <fuse.h>

struct options {
        const char *database;           /* as given; points into argv */
        const char *mountpoint;
        bool foreground, debug, single_thread, demo, help, version;
        long long audit_lines;          /* -o audit_lines=N; 0: the model's default */
        /*
         * -o allow_other, also implied by admin_group: other users may enter the mount, and
         * the kernel checks modes (default_permissions). fuse_args carry both on to FUSE.
         */
        bool allow_other;
        bool default_permissions;       /* -o default_permissions, or implied by allow_other */
        bool has_admin_group;           /* -o admin_group=NAME: its members may change too */
        gid_t admin_gid;                /* NAME's gid, resolved while parsing */
        char admin_group[256];          /* the group's name, for refusals */
        struct fuse_args fuse_args;     /* what goes on to fuse_new; free with fuse_opt_free_args */
};

/*
 * Parses argv; 0, or -EINVAL after printing a one-line usage error to stderr (-ENOMEM, with a
 * message too, when memory ran out).
 */
int options_parse(int argc, char **argv, struct options *ret);
void options_usage(FILE *out);
