/*
 * The inode table's own structures, shared by its three files: inodes.c (the hashes, lookups
 * and references), inode_walks.c (removals, renames and the collection of stale nodes, which
 * walk many nodes at once) and inode_memo.c (the attributes of holder records as last
 * rendered). Every function here expects the table's lock held.
 */
#pragma once

#include <pthread.h>

#include "inodes.h"
#include "kinds.h"

/* An interned SKU, UPN or group name; lock: the table's. */
struct fs_name {
        struct fs_name *hash_next;
        struct fs_inode *nodes;         /* a UPN's: the nodes naming it, by user_next */
        uint32_t refs;                  /* the nodes naming it; it goes at 0 */
        uint8_t field;                  /* enum fs_field */
        char text[];
};

/* A node the kernel holds; lock: the table's. */
struct fs_inode {
        struct fs_inode *hash_next;     /* in the node hash */
        struct fs_name *names[2];       /* in the order the kind's path gives them; NULL: none */
        struct fs_inode *user_next;     /* in its UPN's list of nodes */
        uint32_t nlookup;               /* kernel references and holds; NLOOKUP_KEPT: for good */
        uint8_t kind;                   /* enum fs_kind */
        bool removed;                   /* lookups pass it by; it answers ENOENT */
};

/*
 * A node referenced this often stays for the mount's life instead of counting on: 4 billion
 * lookups without a forget never happen in practice, and a wrapped count would free it early.
 */
#define NLOOKUP_KEPT UINT32_MAX

/*
 * Nodes come from blocks of many: a node is 40 bytes, which malloc would make 48 with its
 * header, and a `find` over a large tenant leaves the kernel holding a million of them. Under
 * AddressSanitizer each node is malloc'd, so that a use after forget is still caught.
 */
#define NODES_PER_BLOCK 1024

struct fs_node_block {
        struct fs_node_block *next;
        struct fs_inode nodes[NODES_PER_BLOCK];
};

/* A node's memo (inode_memo.c): its file's attributes as last rendered. */
struct fs_memo_slot {
        uint64_t ino;                   /* whose; 0: none */
        int64_t mtime;
        uint32_t size;
        uint16_t mode;
        uint16_t epoch;                 /* the table's memo_epoch when kept; another: none */
};

#define MEMO_SET_BITS 15                /* 32,768 sets */
#define MEMO_WAYS 4                     /* of 4 slots of 24 bytes */

struct fs_inodes {
        pthread_mutex_t lock;           /* guards everything below */
        struct fs_inode root;           /* in no hash: the kernel never looks it up */
        struct fs_node_block *blocks;   /* the first one being filled */
        size_t block_used;
        struct fs_inode *free_nodes;    /* forgotten ones, by hash_next */
        struct fs_inode **nodes;        /* buckets, of every node but the root */
        size_t nodes_size, count;       /* nodes_size: a power of two */
        struct fs_name **names;
        size_t names_size, names_count;
        struct fs_memo_slot *memo;      /* made at the first memo kept */
        uint64_t memo_seq;              /* counts the changes that made nodes stale; atomic */
        uint16_t memo_epoch;            /* raised to drop every memo at once */
};

struct fs_inode *fs_inode_of(struct fs_inodes *t, uint64_t ino);
uint64_t fs_inode_number(struct fs_inodes *t, struct fs_inode *node);
/* The name of a UPN that the node carries, or NULL. */
struct fs_name *fs_inode_user(struct fs_inode *node);
struct fs_name *fs_inode_name_find(struct fs_inodes *t, enum fs_field field, const char *text);
/* The node not removed with this key, or NULL. */
struct fs_inode *fs_inode_find(struct fs_inodes *t, unsigned int kind,
                               struct fs_name *const names[2]);
/* The node not removed at `node`, or NULL. */
struct fs_inode *fs_inode_find_node(struct fs_inodes *t, const struct fs_node *node);
/* Puts a node in the hash under its key (0 or -ENOMEM), or takes it out. */
int fs_inode_hash_add(struct fs_inodes *t, struct fs_inode *node);
void fs_inode_hash_remove(struct fs_inodes *t, struct fs_inode *node);

/*
 * Memos (inode_memo.c). put keeps st's mode, size and mtime as the node's, unless a change made
 * nodes stale since `seq` (memo_seq before the render began); get fills *ret with them
 * (fs_attr_stat) and returns true, or false without one. A change that makes nodes stale
 * calls fs_inode_memo_stale, and drops theirs; drop_all drops every node's.
 */
void fs_inode_memo_put(struct fs_inodes *t, struct fs_inode *node, const struct stat *st,
                       uint64_t seq);
bool fs_inode_memo_get(struct fs_inodes *t, struct fs_inode *node, struct stat *ret);
void fs_inode_memo_drop(struct fs_inodes *t, struct fs_inode *node);
void fs_inode_memo_stale(struct fs_inodes *t);
void fs_inode_memo_drop_all(struct fs_inodes *t);
