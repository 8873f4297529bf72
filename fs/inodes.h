/*
 * The inodes the kernel knows: FUSE's low-level API names every node by a number the
 * filesystem hands out at lookup and takes back at forget. An inode is a resolved node (its
 * kind and the names along its path, as in libfuse's passthrough_ll), found once at lookup and
 * never parsed again. The names are interned: one counted copy of each SKU, UPN and group,
 * shared by every node that names it, and indexed by (kind of name, name), which is how the
 * invalidation of the kernel's caches after a change finds the nodes it made stale.
 * All functions are thread-safe; none calls the model or the kernel.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodes.h"

#define FS_ROOT_INO 1                   /* FUSE_ROOT_ID */

struct fs_inodes;

/* A node whose attributes the kernel is to forget: its number. */
struct fs_stale {
        uint64_t ino;
};

struct fs_inodes *fs_inodes_new(void);
/* Frees the table and every node in it; accepts NULL, returns NULL. */
struct fs_inodes *fs_inodes_free(struct fs_inodes *t);

/*
 * The node `ino` (a number the kernel holds, or one held by fs_inodes_hold) into *ret, whose
 * names belong to the table and stay valid until that reference is given back. Returns 0, or
 * -ENOENT for a node that was removed (a shell may stand in a removed directory): it stays
 * removed even when an object of its name is made again. *ret is filled in both cases.
 */
int fs_inodes_node(struct fs_inodes *t, uint64_t ino, struct fs_node *ret);
/*
 * Counts one more kernel reference to `node` (made if new, its names interned). Returns its
 * number, or 0 when out of memory.
 */
uint64_t fs_inodes_ref(struct fs_inodes *t, const struct fs_node *node);
/*
 * Memos: the attributes of a node's file as last rendered, kept until a change makes the node
 * stale (the collections and fs_inodes_stale below, a removal, a move) or the node goes, for
 * the kinds whose attributes only a change moves (fs_node_attr_lasting). Take the table's
 * sequence (fs_inodes_seq) before the read session of the render begins: a memo rendered
 * before a change the table has since been told of is not kept.
 *
 * fs_inodes_ref_kept is fs_inodes_ref, keeping st (NULL: nothing) as the node's memo.
 * fs_inodes_ref_memo is fs_inodes_ref for a node that has a memo, filled into *ret; without
 * one it takes no reference and returns 0. fs_inodes_memo and fs_inodes_keep do the same for a
 * node the kernel holds.
 */
uint64_t fs_inodes_seq(struct fs_inodes *t);
uint64_t fs_inodes_ref_kept(struct fs_inodes *t, const struct fs_node *node,
                            const struct stat *st, uint64_t seq);
uint64_t fs_inodes_ref_memo(struct fs_inodes *t, const struct fs_node *node, struct stat *ret);
bool fs_inodes_memo(struct fs_inodes *t, uint64_t ino, struct stat *ret);
void fs_inodes_keep(struct fs_inodes *t, uint64_t ino, const struct stat *st, uint64_t seq);
/* One more reference to a node the kernel holds, for an open file; give it back with forget. */
void fs_inodes_hold(struct fs_inodes *t, uint64_t ino);
/* Takes back `count` references; the node goes when none is left. */
void fs_inodes_forget(struct fs_inodes *t, uint64_t ino, uint64_t count);
/* The number of `node`, or 0 when the kernel holds none there. */
uint64_t fs_inodes_find(struct fs_inodes *t, const struct fs_node *node);
/* fs_inodes_find for a node a change made stale: its memo is dropped. */
uint64_t fs_inodes_stale(struct fs_inodes *t, const struct fs_node *node);
/*
 * The node at `node` was removed, with the nodes below it: they answer -ENOENT from now on and
 * later lookups make new ones.
 */
void fs_inodes_unlink(struct fs_inodes *t, const struct fs_node *node);
/*
 * The directory `from` was renamed to `to` (the same names, another place): it keeps its
 * number, and it and the nodes below it take their kinds at the new place (a node the new
 * place has no kind for is removed). *ret gets them (as fs_inodes_collect), for their
 * attributes to be forgotten. 0 or -ENOMEM.
 */
int fs_inodes_move(struct fs_inodes *t, const struct fs_node *from, const struct fs_node *to,
                   struct fs_stale **ret, size_t *ret_count);
/*
 * Collects the nodes the kernel may cache: all of them (upn NULL) or those naming user `upn`.
 * *ret (free with fs_stale_free) gets *ret_count entries. 0 or -ENOMEM.
 */
int fs_inodes_collect(struct fs_inodes *t, const char *upn, struct fs_stale **ret,
                      size_t *ret_count);
/*
 * The same for a change of user `upn`'s claim to product `sku`: the nodes naming the user of
 * kinds marked STALE_ON_SEAT that name no other product. 0 or -ENOMEM.
 */
int fs_inodes_collect_claim(struct fs_inodes *t, const char *upn, const char *sku,
                            struct fs_stale **ret, size_t *ret_count);
void fs_stale_free(struct fs_stale *list, size_t count);
/* How many nodes the table holds (the root included), and how many names. */
size_t fs_inodes_count(struct fs_inodes *t);
size_t fs_inodes_names(struct fs_inodes *t);
