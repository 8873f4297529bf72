/*
 * The inode table: a node's number is its address (the root's is 1), found from its path by a
 * hash, from a UPN by a second hash of lists, and linked to its parent and children so that a
 * removed or renamed directory takes its cached subtree with it. One mutex guards it all.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inodes.h"

struct user_list;

struct fs_inode {
        uint64_t nlookup;               /* kernel references */
        char *path;
        bool hashed;                    /* found by its path (not removed or moved away) */
        struct fs_inode *hash_next;
        struct fs_inode *parent, *first_child, *prev_sibling, *next_sibling;
        struct user_list *user;         /* the UPN its path names, or NULL */
        struct fs_inode *user_prev, *user_next;
        struct fs_inode *all_prev, *all_next;   /* every node but the root */
};

struct user_list {
        char *upn;
        struct fs_inode *first;
        struct user_list *hash_next;
};

struct hash {
        void **buckets;
        size_t size, count;             /* size: a power of two */
};

struct fs_inodes {
        pthread_mutex_t lock;
        struct fs_inode root;
        struct hash paths;              /* of struct fs_inode, chained by hash_next */
        struct hash users;              /* of struct user_list */
        struct fs_inode *all;           /* every node but the root, hashed or not */
        size_t count;
};

static uint64_t hash_text(const char *s)
{
        uint64_t h = 14695981039346656037ULL;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return h;
}

/* --- the two hashes: `next` is where each kind keeps its chain link ------------------------ */

#define NEXT(kind, item) (*(void **)((char *)(item) + (kind)))
#define KEY(kind, item) ((kind) == offsetof(struct fs_inode, hash_next) \
                         ? ((struct fs_inode *)(item))->path : ((struct user_list *)(item))->upn)

static void **hash_slot(struct hash *h, size_t kind, const char *key)
{
        void **slot = &h->buckets[hash_text(key) & (h->size - 1)];

        while (*slot && strcmp(KEY(kind, *slot), key) != 0)
                slot = &NEXT(kind, *slot);
        return slot;
}

static int hash_grow(struct hash *h, size_t kind)
{
        size_t size = h->size ? 2 * h->size : 1024, i;
        void **buckets = calloc(size, sizeof(*buckets));

        if (!buckets)
                return -ENOMEM;
        for (i = 0; i < h->size; i++) {
                void *item = h->buckets[i];

                while (item) {
                        void *next = NEXT(kind, item);
                        void **slot = &buckets[hash_text(KEY(kind, item)) & (size - 1)];

                        NEXT(kind, item) = *slot;
                        *slot = item;
                        item = next;
                }
        }
        free(h->buckets);
        h->buckets = buckets;
        h->size = size;
        return 0;
}

static int hash_add(struct hash *h, size_t kind, void *item)
{
        void **slot;

        if (h->count >= h->size && hash_grow(h, kind) < 0)
                return -ENOMEM;
        slot = &h->buckets[hash_text(KEY(kind, item)) & (h->size - 1)];
        NEXT(kind, item) = *slot;
        *slot = item;
        h->count++;
        return 0;
}

static void *hash_find(struct hash *h, size_t kind, const char *key)
{
        return h->size ? *hash_slot(h, kind, key) : NULL;
}

static void hash_remove(struct hash *h, size_t kind, void *item)
{
        void **slot = &h->buckets[hash_text(KEY(kind, item)) & (h->size - 1)];

        while (*slot && *slot != item)
                slot = &NEXT(kind, *slot);
        if (*slot) {
                *slot = NEXT(kind, item);
                h->count--;
        }
}

#define PATHS offsetof(struct fs_inode, hash_next)
#define USERS offsetof(struct user_list, hash_next)

/* --- links -------------------------------------------------------------------------------------- */

static uint64_t number(struct fs_inodes *t, struct fs_inode *node)
{
        return node == &t->root ? FS_ROOT_INO : (uint64_t)(uintptr_t)node;
}

static struct fs_inode *node_of(struct fs_inodes *t, uint64_t ino)
{
        return ino == FS_ROOT_INO ? &t->root : (struct fs_inode *)(uintptr_t)ino;
}

static void user_unlink(struct fs_inodes *t, struct fs_inode *node)
{
        struct user_list *list = node->user;

        if (!list)
                return;
        if (node->user_prev)
                node->user_prev->user_next = node->user_next;
        else
                list->first = node->user_next;
        if (node->user_next)
                node->user_next->user_prev = node->user_prev;
        node->user = NULL;
        node->user_prev = node->user_next = NULL;
        if (!list->first) {
                hash_remove(&t->users, USERS, list);
                free(list->upn);
                free(list);
        }
}

static int user_link(struct fs_inodes *t, struct fs_inode *node, const char *upn)
{
        struct user_list *list;

        if (!upn || !*upn)
                return 0;
        list = hash_find(&t->users, USERS, upn);
        if (!list) {
                list = calloc(1, sizeof(*list));
                if (!list || !(list->upn = strdup(upn)) || hash_add(&t->users, USERS, list) < 0) {
                        if (list)
                                free(list->upn);
                        free(list);
                        return -ENOMEM;
                }
        }
        node->user = list;
        node->user_next = list->first;
        if (list->first)
                list->first->user_prev = node;
        list->first = node;
        return 0;
}

static void child_unlink(struct fs_inode *node)
{
        if (!node->parent)
                return;
        if (node->prev_sibling)
                node->prev_sibling->next_sibling = node->next_sibling;
        else
                node->parent->first_child = node->next_sibling;
        if (node->next_sibling)
                node->next_sibling->prev_sibling = node->prev_sibling;
        node->parent = node->prev_sibling = node->next_sibling = NULL;
}

static void child_link(struct fs_inode *parent, struct fs_inode *node)
{
        node->parent = parent;
        node->next_sibling = parent->first_child;
        if (parent->first_child)
                parent->first_child->prev_sibling = node;
        parent->first_child = node;
}

/* Takes the node and its subtree out of the path hash: no later lookup finds them. */
static void unhash_subtree(struct fs_inodes *t, struct fs_inode *node)
{
        struct fs_inode *child;

        if (node->hashed) {
                hash_remove(&t->paths, PATHS, node);
                node->hashed = false;
        }
        for (child = node->first_child; child; child = child->next_sibling)
                unhash_subtree(t, child);
}

static void all_link(struct fs_inodes *t, struct fs_inode *node)
{
        node->all_next = t->all;
        if (t->all)
                t->all->all_prev = node;
        t->all = node;
}

static void all_unlink(struct fs_inodes *t, struct fs_inode *node)
{
        if (node->all_prev)
                node->all_prev->all_next = node->all_next;
        else
                t->all = node->all_next;
        if (node->all_next)
                node->all_next->all_prev = node->all_prev;
}

/* --- the table ------------------------------------------------------------------------------------ */

struct fs_inodes *fs_inodes_new(void)
{
        struct fs_inodes *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        pthread_mutex_init(&t->lock, NULL);
        t->root.path = strdup("/");
        t->root.nlookup = 1;
        if (!t->root.path || hash_add(&t->paths, PATHS, &t->root) < 0)
                return fs_inodes_free(t);
        t->root.hashed = true;
        t->count = 1;
        return t;
}

struct fs_inodes *fs_inodes_free(struct fs_inodes *t)
{
        struct fs_inode *node, *next;

        if (!t)
                return NULL;
        for (node = t->all; node; node = next) {
                next = node->all_next;
                user_unlink(t, node);
                free(node->path);
                free(node);
        }
        free(t->paths.buckets);
        free(t->users.buckets);
        free(t->root.path);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
}

int fs_inodes_path(struct fs_inodes *t, uint64_t ino, char *buf)
{
        struct fs_inode *node = node_of(t, ino);
        size_t len;

        int r = 0;

        pthread_mutex_lock(&t->lock);
        len = strlen(node->path);
        memcpy(buf, node->path, len < FS_PATH_MAX ? len + 1 : FS_PATH_MAX);
        buf[FS_PATH_MAX - 1] = '\0';
        if (!node->hashed)
                r = -ENOENT;
        pthread_mutex_unlock(&t->lock);
        return r;
}

/* The hashed node at the parent's path of `path`, or NULL. */
static struct fs_inode *parent_of(struct fs_inodes *t, const char *path)
{
        const char *slash = strrchr(path, '/');
        char parent[FS_PATH_MAX];
        size_t len = slash && slash != path ? (size_t)(slash - path) : 1;

        if (len >= sizeof(parent))
                return NULL;
        memcpy(parent, path, len);
        parent[len] = '\0';
        return hash_find(&t->paths, PATHS, parent);
}

uint64_t fs_inodes_ref(struct fs_inodes *t, const char *path, const char *upn)
{
        struct fs_inode *node, *parent;
        uint64_t ino = 0;

        pthread_mutex_lock(&t->lock);
        node = hash_find(&t->paths, PATHS, path);
        if (!node) {
                node = calloc(1, sizeof(*node));
                if (!node || !(node->path = strdup(path)))
                        goto fail;
                if (user_link(t, node, upn) < 0)
                        goto fail;
                if (hash_add(&t->paths, PATHS, node) < 0) {
                        user_unlink(t, node);
                        goto fail;
                }
                node->hashed = true;
                parent = parent_of(t, path);
                if (parent)
                        child_link(parent, node);
                all_link(t, node);
                t->count++;
        }
        node->nlookup++;
        ino = number(t, node);
        pthread_mutex_unlock(&t->lock);
        return ino;
fail:
        if (node)
                free(node->path);
        free(node);
        pthread_mutex_unlock(&t->lock);
        return 0;
}

void fs_inodes_forget(struct fs_inodes *t, uint64_t ino, uint64_t count)
{
        struct fs_inode *node = node_of(t, ino), *child;

        if (node == &t->root)
                return;
        pthread_mutex_lock(&t->lock);
        node->nlookup = count < node->nlookup ? node->nlookup - count : 0;
        if (node->nlookup == 0) {
                if (node->hashed)
                        hash_remove(&t->paths, PATHS, node);
                user_unlink(t, node);
                child_unlink(node);
                /* The kernel forgets children first; any left no longer hang under it. */
                while ((child = node->first_child))
                        child_unlink(child);
                all_unlink(t, node);
                free(node->path);
                free(node);
                t->count--;
        }
        pthread_mutex_unlock(&t->lock);
}

void fs_inodes_unlink(struct fs_inodes *t, const char *path)
{
        struct fs_inode *node;

        pthread_mutex_lock(&t->lock);
        node = hash_find(&t->paths, PATHS, path);
        if (node && node != &t->root)
                unhash_subtree(t, node);
        pthread_mutex_unlock(&t->lock);
}

void fs_stale_free(struct fs_stale *list, size_t count)
{
        (void)count;
        free(list);
}

static int stale_add(struct fs_inodes *t, struct fs_inode *node, struct fs_stale **list,
                     size_t *count, size_t *size)
{
        if (*count == *size) {
                size_t grown = *size ? 2 * *size : 16;
                struct fs_stale *bigger = realloc(*list, grown * sizeof(*bigger));

                if (!bigger)
                        return -ENOMEM;
                *list = bigger;
                *size = grown;
        }
        (*list)[(*count)++].ino = number(t, node);
        return 0;
}

int fs_inodes_collect(struct fs_inodes *t, const char *upn, struct fs_stale **ret,
                      size_t *ret_count)
{
        struct fs_stale *list = NULL;
        size_t count = 0, size = 0;
        struct fs_inode *node;
        int r = 0;

        pthread_mutex_lock(&t->lock);
        if (upn) {
                struct user_list *users = hash_find(&t->users, USERS, upn);

                for (node = users ? users->first : NULL; node && r >= 0; node = node->user_next)
                        r = stale_add(t, node, &list, &count, &size);
        } else {
                for (node = t->all; node && r >= 0; node = node->all_next)
                        r = stale_add(t, node, &list, &count, &size);
        }
        pthread_mutex_unlock(&t->lock);
        if (r < 0) {
                fs_stale_free(list, count);
                return r;
        }
        *ret = list;
        *ret_count = count;
        return 0;
}

/* Gives the node and its subtree the path prefix `to` in place of `from_len` bytes. */
static int repath_subtree(struct fs_inodes *t, struct fs_inode *node, size_t from_len,
                          const char *to, struct fs_stale **list, size_t *count, size_t *size)
{
        struct fs_inode *child, *old;
        char *path;
        int r;

        if (asprintf(&path, "%s%s", to, node->path + from_len) < 0)
                return -ENOMEM;
        if (node->hashed)
                hash_remove(&t->paths, PATHS, node);
        old = hash_find(&t->paths, PATHS, path);
        if (old)
                unhash_subtree(t, old);
        free(node->path);
        node->path = path;
        node->hashed = hash_add(&t->paths, PATHS, node) == 0;
        r = stale_add(t, node, list, count, size);
        for (child = node->first_child; child && r >= 0; child = child->next_sibling)
                r = repath_subtree(t, child, from_len, to, list, count, size);
        return r;
}

int fs_inodes_move(struct fs_inodes *t, uint64_t ino, const char *path, struct fs_stale **ret,
                   size_t *ret_count)
{
        struct fs_inode *node = node_of(t, ino), *parent;
        struct fs_stale *list = NULL;
        size_t count = 0, size = 0;
        int r = 0;

        pthread_mutex_lock(&t->lock);
        if (node != &t->root) {
                child_unlink(node);
                r = repath_subtree(t, node, strlen(node->path), path, &list, &count, &size);
                parent = parent_of(t, path);
                if (parent)
                        child_link(parent, node);
        }
        pthread_mutex_unlock(&t->lock);
        if (r < 0) {
                fs_stale_free(list, count);
                return r;
        }
        *ret = list;
        *ret_count = count;
        return 0;
}

uint64_t fs_inodes_find(struct fs_inodes *t, const char *path)
{
        struct fs_inode *node;
        uint64_t ino;

        pthread_mutex_lock(&t->lock);
        node = hash_find(&t->paths, PATHS, path);
        ino = node ? number(t, node) : 0;
        pthread_mutex_unlock(&t->lock);
        return ino;
}

size_t fs_inodes_count(struct fs_inodes *t)
{
        size_t count;

        pthread_mutex_lock(&t->lock);
        count = t->count;
        pthread_mutex_unlock(&t->lock);
        return count;
}
