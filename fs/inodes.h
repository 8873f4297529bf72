/*
 * The inodes the kernel knows: FUSE's low-level API names every node by a number the
 * filesystem hands out at lookup and takes back at forget. licensefs's nodes are places in the
 * tree, so an inode is a path; the table maps numbers to paths and paths (and the UPN a path
 * names) back to numbers, which is what invalidating the kernel's caches after a change needs.
 * All functions are thread-safe; none calls the model or the kernel.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_PATH_MAX 4096                /* a path as written, "/" first */
#define FS_ROOT_INO 1                   /* FUSE_ROOT_ID */

struct fs_inodes;

/* A node whose attributes the kernel is to forget: its number. */
struct fs_stale {
        uint64_t ino;
};

struct fs_inodes *fs_inodes_new(void);
struct fs_inodes *fs_inodes_free(struct fs_inodes *t);

/*
 * Copies the path of `ino` (a number the kernel holds: never one it forgot) into buf
 * (FS_PATH_MAX bytes). Returns 0, or -ENOENT for a node that was removed (a shell may stand in
 * a removed directory): it stays removed even when an object of its name is made again.
 */
int fs_inodes_path(struct fs_inodes *t, uint64_t ino, char *buf);
/*
 * Counts one more kernel reference to the node at `path` (made if new), whose name field names
 * user `upn` ("" if none). Returns its number, or 0 when out of memory.
 */
uint64_t fs_inodes_ref(struct fs_inodes *t, const char *path, const char *upn);
/* Takes back `count` references; the node goes when none is left. */
void fs_inodes_forget(struct fs_inodes *t, uint64_t ino, uint64_t count);
/* The node now at `path` no longer is there (removed): later lookups make a new one. */
void fs_inodes_unlink(struct fs_inodes *t, const char *path);
/*
 * The node `ino` was renamed to `path`: it and the nodes below it take the new path, and
 * *ret gets them (as fs_inodes_collect), for their attributes to be forgotten. 0 or -ENOMEM.
 */
int fs_inodes_move(struct fs_inodes *t, uint64_t ino, const char *path, struct fs_stale **ret,
                   size_t *ret_count);

/*
 * Collects the nodes the kernel may cache: all of them (upn NULL) or those naming user `upn`.
 * *ret (free with fs_stale_free) gets *ret_count entries. 0 or -ENOMEM.
 */
int fs_inodes_collect(struct fs_inodes *t, const char *upn, struct fs_stale **ret,
                      size_t *ret_count);
void fs_stale_free(struct fs_stale *list, size_t count);
/* The number of the node at `path`, or 0 when the kernel has none there. */
uint64_t fs_inodes_find(struct fs_inodes *t, const char *path);
/* How many nodes the table holds (the root included). */
size_t fs_inodes_count(struct fs_inodes *t);
