/*
 * The command line of the licensefs program: `licensefs [options] DATABASE MOUNTPOINT`.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define FUSE_USE_VERSION 314
#include <fuse.h>

/*
 * Threads serving requests, unless -o max_threads says otherwise. The model serves one call
 * at a time (one database connection), so threads beyond a few only wait for it, while each
 * request goes to the thread that has waited longest: the more threads, the colder the one
 * that serves it (measured: a touch costs 15-20% less wall time with 3 threads than with
 * libfuse's 10). Three: one in the model, one for a request that needs none (a release, a
 * read of an open file), one waiting its turn.
 */
#define OPTIONS_MAX_THREADS 3

struct options {
        const char *database;           /* as given; points into argv */
        const char *mountpoint;
        bool foreground, debug, single_thread, demo, help, version;
        long long audit_lines;          /* -o audit_lines=N; 0: the model's default */
        long long max_threads;          /* -o max_threads=N: threads serving requests at most */
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
