/*
 * The command line of the licensefs program: `licensefs [options] DATABASE MOUNTPOINT`.
 */
#pragma once

#include <stdbool.h>

#define FUSE_USE_VERSION 314
#include <fuse.h>

struct options {
        const char *database;           /* as given; points into argv */
        const char *mountpoint;
        bool foreground, debug, single_thread, demo, help, version;
        long long audit_lines;          /* -o audit_lines=N; 0: the model's default */
        struct fuse_args fuse_args;     /* what goes on to fuse_new; free with fuse_opt_free_args */
};

/* Parses argv; 0, or -EINVAL after printing a one-line usage error to stderr. */
int options_parse(int argc, char **argv, struct options *ret);
void options_usage(FILE *out);
