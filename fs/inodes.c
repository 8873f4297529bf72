/*
 * The inode table. A node's number is its address (the root's is 1). A node is five words: its
 * kind, its interned names, its kernel references and two hash links; it keeps no path and no
 * parent, since its kind and names say where it is. Two hashes find things: nodes by (kind,
 * names), and names by (kind of name, text). A UPN's name also lists the nodes naming it,
 * which is what a change of that user makes stale; the nodes of a product or group file are
 * few and found by key. A removed node stays in the hash, marked, until the kernel forgets it,
 * and lookups pass it by (inode_walks.c removes and moves). Beside the nodes, in a bounded
 * table of their own, are the memos of rendered attributes (inode_memo.c). One mutex guards
 * it all.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "inode_table.h"

/* --- keys ------------------------------------------------------------------------------------- */

/* The fields the names of a node of `kind` give, deepest first; returns how many (0 to 2). */
static int kind_fields(enum fs_kind kind, enum fs_field fields[2])
{
        int n = 0;

        for (; kind != FS_ROOT; kind = fs_kinds[kind].parent)
                if (!fs_kinds[kind].name && n < 2)
                        fields[n++] = fs_kinds[kind].field;
        return n;
}

static uint64_t mix(uint64_t h)
{
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        return h;
}

static uint64_t node_hash(unsigned int kind, struct fs_name *const names[2])
{
        return mix(kind ^ mix((uintptr_t)names[0]) ^ (mix((uintptr_t)names[1]) << 1));
}

static uint64_t name_hash(enum fs_field field, const char *text)
{
        uint64_t h = 14695981039346656037ULL ^ field;

        for (; *text; text++)
                h = (h ^ (unsigned char)*text) * 1099511628211ULL;
        return h;
}

/* --- the name hash ---------------------------------------------------------------------------- */

static struct fs_name **name_slot(struct fs_inodes *t, enum fs_field field, const char *text)
{
        struct fs_name **slot = &t->names[name_hash(field, text) & (t->names_size - 1)];

        while (*slot && ((*slot)->field != field || strcmp((*slot)->text, text) != 0))
                slot = &(*slot)->hash_next;
        return slot;
}

struct fs_name *fs_inode_name_find(struct fs_inodes *t, enum fs_field field, const char *text)
{
        return t->names_size ? *name_slot(t, field, text) : NULL;
}

static int names_grow(struct fs_inodes *t)
{
        size_t size = t->names_size ? 2 * t->names_size : 256, i;
        struct fs_name **buckets = calloc(size, sizeof(*buckets)), *name, *next;

        if (!buckets)
                return -ENOMEM;
        for (i = 0; i < t->names_size; i++) {
                for (name = t->names[i]; name; name = next) {
                        struct fs_name **slot = &buckets[name_hash(name->field, name->text) &
                                                         (size - 1)];

                        next = name->hash_next;
                        name->hash_next = *slot;
                        *slot = name;
                }
        }
        free(t->names);
        t->names = buckets;
        t->names_size = size;
        return 0;
}

/* The interned name (made with no reference if new), or NULL when out of memory. */
static struct fs_name *name_intern(struct fs_inodes *t, enum fs_field field, const char *text)
{
        struct fs_name *name = fs_inode_name_find(t, field, text), **slot;
        size_t len;

        if (name)
                return name;
        if (t->names_count >= t->names_size && names_grow(t) < 0)
                return NULL;
        len = strlen(text);
        name = calloc(1, sizeof(*name) + len + 1);
        if (!name)
                return NULL;
        name->field = (uint8_t)field;
        memcpy(name->text, text, len + 1);
        slot = name_slot(t, field, text);
        name->hash_next = *slot;
        *slot = name;
        t->names_count++;
        return name;
}

/* Gives back a reference to a name (or drops one that never got any). */
static void name_put(struct fs_inodes *t, struct fs_name *name, bool had_ref)
{
        struct fs_name **slot;

        if (!name || (had_ref && --name->refs > 0) || (!had_ref && name->refs > 0))
                return;
        slot = name_slot(t, (enum fs_field)name->field, name->text);
        *slot = name->hash_next;
        t->names_count--;
        free(name);
}

/* --- the node hash ---------------------------------------------------------------------------- */

static struct fs_inode **node_slot(struct fs_inodes *t, unsigned int kind,
                                   struct fs_name *const names[2])
{
        struct fs_inode **slot = &t->nodes[node_hash(kind, names) & (t->nodes_size - 1)];

        while (*slot && ((*slot)->removed || (*slot)->kind != kind ||
                         (*slot)->names[0] != names[0] || (*slot)->names[1] != names[1]))
                slot = &(*slot)->hash_next;
        return slot;
}

struct fs_inode *fs_inode_find(struct fs_inodes *t, unsigned int kind,
                                  struct fs_name *const names[2])
{
        return t->nodes_size ? *node_slot(t, kind, names) : NULL;
}

/* Two nodes a bucket on average: the buckets cost a quarter of what the nodes do. */
static int nodes_grow(struct fs_inodes *t)
{
        size_t size = t->nodes_size ? 2 * t->nodes_size : 1024, i;
        struct fs_inode **buckets = calloc(size, sizeof(*buckets)), *node, *next;

        if (!buckets)
                return -ENOMEM;
        for (i = 0; i < t->nodes_size; i++) {
                for (node = t->nodes[i]; node; node = next) {
                        struct fs_inode **slot = &buckets[node_hash(node->kind, node->names) &
                                                          (size - 1)];

                        next = node->hash_next;
                        node->hash_next = *slot;
                        *slot = node;
                }
        }
        free(t->nodes);
        t->nodes = buckets;
        t->nodes_size = size;
        return 0;
}

int fs_inode_hash_add(struct fs_inodes *t, struct fs_inode *node)
{
        struct fs_inode **slot;

        if (t->count >= 2 * t->nodes_size && nodes_grow(t) < 0)
                return -ENOMEM;
        slot = &t->nodes[node_hash(node->kind, node->names) & (t->nodes_size - 1)];
        node->hash_next = *slot;
        *slot = node;
        t->count++;
        return 0;
}

void fs_inode_hash_remove(struct fs_inodes *t, struct fs_inode *node)
{
        struct fs_inode **slot = &t->nodes[node_hash(node->kind, node->names) &
                                           (t->nodes_size - 1)];

        while (*slot != node)
                slot = &(*slot)->hash_next;
        *slot = node->hash_next;
        node->hash_next = NULL;
        t->count--;
}

/* --- nodes and their users -------------------------------------------------------------------- */

uint64_t fs_inode_number(struct fs_inodes *t, struct fs_inode *node)
{
        return node == &t->root ? FS_ROOT_INO : (uint64_t)(uintptr_t)node;
}

struct fs_inode *fs_inode_of(struct fs_inodes *t, uint64_t ino)
{
        return ino == FS_ROOT_INO ? &t->root : (struct fs_inode *)(uintptr_t)ino;
}

struct fs_name *fs_inode_user(struct fs_inode *node)
{
        if (node->names[0] && node->names[0]->field == FIELD_UPN)
                return node->names[0];
        return node->names[1] && node->names[1]->field == FIELD_UPN ? node->names[1] : NULL;
}

static void user_unlink(struct fs_inode *node)
{
        struct fs_name *user = fs_inode_user(node);
        struct fs_inode **link;

        if (!user)
                return;
        /* A user's list holds the few nodes of one user: walking it costs little. */
        for (link = &user->nodes; *link && *link != node; link = &(*link)->user_next)
                ;
        if (*link)
                *link = node->user_next;
        node->user_next = NULL;
}

/*
 * The key of `node` into names: its names interned when `make`, else found (false when one
 * is not in the table, so neither is the node).
 */
static bool key_of(struct fs_inodes *t, const struct fs_node *node, bool make,
                   struct fs_name *names[2])
{
        enum fs_field fields[2];
        int n = kind_fields(node->kind, fields), i;

        names[0] = names[1] = NULL;
        for (i = 0; i < n; i++) {
                const char *text = fs_node_name(node, fields[i]);

                names[i] = make ? name_intern(t, fields[i], text)
                                : fs_inode_name_find(t, fields[i], text);
                if (!names[i]) {
                        if (make && i == 1)
                                name_put(t, names[0], false);
                        return false;
                }
        }
        return true;
}

/* The hashed node for `node`, or NULL. */
struct fs_inode *fs_inode_find_node(struct fs_inodes *t, const struct fs_node *node)
{
        struct fs_name *names[2];

        if (node->kind == FS_ROOT)
                return &t->root;
        return key_of(t, node, false, names) ? fs_inode_find(t, node->kind, names) : NULL;
}

#if defined(__SANITIZE_ADDRESS__)
#define NODES_MALLOCED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NODES_MALLOCED 1
#endif
#endif

/* A zeroed node, or NULL when out of memory. */
static struct fs_inode *node_alloc(struct fs_inodes *t)
{
        struct fs_inode *node = t->free_nodes;

#ifdef NODES_MALLOCED
        return calloc(1, sizeof(*node));
#endif
        if (node) {
                t->free_nodes = node->hash_next;
        } else {
                if (!t->blocks || t->block_used == NODES_PER_BLOCK) {
                        struct fs_node_block *block = malloc(sizeof(*block));

                        if (!block)
                                return NULL;
                        block->next = t->blocks;
                        t->blocks = block;
                        t->block_used = 0;
                }
                node = &t->blocks->nodes[t->block_used++];
        }
        memset(node, 0, sizeof(*node));
        return node;
}

static void node_release(struct fs_inodes *t, struct fs_inode *node)
{
#ifdef NODES_MALLOCED
        free(node);
        return;
#endif
        node->hash_next = t->free_nodes;
        t->free_nodes = node;
}

static void node_free(struct fs_inodes *t, struct fs_inode *node)
{
        fs_inode_memo_drop(t, node);    /* its number may be the next node's */
        fs_inode_hash_remove(t, node);
        user_unlink(node);
        name_put(t, node->names[0], true);
        name_put(t, node->names[1], true);
        node_release(t, node);
}

/* --- the table -------------------------------------------------------------------------------- */

struct fs_inodes *fs_inodes_new(void)
{
        struct fs_inodes *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        pthread_mutex_init(&t->lock, NULL);
        t->root.kind = FS_ROOT;
        t->root.nlookup = NLOOKUP_KEPT;
        if (nodes_grow(t) < 0 || names_grow(t) < 0)
                return fs_inodes_free(t);
        return t;
}

struct fs_inodes *fs_inodes_free(struct fs_inodes *t)
{
        struct fs_inode *node;
        size_t i;

        if (!t)
                return NULL;
        for (i = 0; i < t->nodes_size; i++)
                while ((node = t->nodes[i]))
                        node_free(t, node);
        while (t->blocks) {
                struct fs_node_block *next = t->blocks->next;

                free(t->blocks);
                t->blocks = next;
        }
        free(t->nodes);
        free(t->names);
        free(t->memo);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
}

int fs_inodes_node(struct fs_inodes *t, uint64_t ino, struct fs_node *ret)
{
        struct fs_inode *node = fs_inode_of(t, ino);
        struct fs_node found = FS_NODE_ROOT;
        int i, r = 0;

        pthread_mutex_lock(&t->lock);
        if (node->removed)
                r = -ENOENT;
        found.kind = (enum fs_kind)node->kind;
        for (i = 0; i < 2; i++) {
                struct fs_name *name = node->names[i];

                if (name && name->field == FIELD_SKU)
                        found.sku = name->text;
                else if (name && name->field == FIELD_UPN)
                        found.upn = name->text;
                else if (name && name->field == FIELD_SUBSCRIPTION)
                        found.subscription = name->text;
                else if (name)
                        found.group = name->text;
        }
        pthread_mutex_unlock(&t->lock);
        *ret = found;
        return r;
}

/* One more reference to `node`, made if new (its names interned); NULL when out of memory. */
static struct fs_inode *ref_locked(struct fs_inodes *t, const struct fs_node *node)
{
        struct fs_name *names[2];
        struct fs_inode *found;

        if (node->kind == FS_ROOT)
                return &t->root;
        if (!key_of(t, node, true, names))
                return NULL;
        found = fs_inode_find(t, node->kind, names);
        if (!found) {
                found = node_alloc(t);
                if (!found) {
                        name_put(t, names[0], false);
                        name_put(t, names[1], false);
                        return NULL;
                }
                found->kind = (uint8_t)node->kind;
                found->names[0] = names[0];
                found->names[1] = names[1];
                if (fs_inode_hash_add(t, found) < 0) {
                        node_release(t, found);
                        name_put(t, names[0], false);
                        name_put(t, names[1], false);
                        return NULL;
                }
                if (names[0])
                        names[0]->refs++;
                if (names[1])
                        names[1]->refs++;
                if (fs_inode_user(found)) {
                        found->user_next = fs_inode_user(found)->nodes;
                        fs_inode_user(found)->nodes = found;
                }
        }
        if (found->nlookup != NLOOKUP_KEPT)
                found->nlookup++;
        return found;
}

uint64_t fs_inodes_ref(struct fs_inodes *t, const struct fs_node *node)
{
        return fs_inodes_ref_kept(t, node, NULL, 0);
}

uint64_t fs_inodes_ref_kept(struct fs_inodes *t, const struct fs_node *node,
                            const struct stat *st, uint64_t seq)
{
        struct fs_inode *found;
        uint64_t ino = 0;

        pthread_mutex_lock(&t->lock);
        found = ref_locked(t, node);
        if (found) {
                ino = fs_inode_number(t, found);
                if (st && found != &t->root)
                        fs_inode_memo_put(t, found, st, seq);
        }
        pthread_mutex_unlock(&t->lock);
        return ino;
}

uint64_t fs_inodes_ref_memo(struct fs_inodes *t, const struct fs_node *node, struct stat *ret)
{
        struct fs_inode *found;
        uint64_t ino = 0;

        pthread_mutex_lock(&t->lock);
        found = fs_inode_find_node(t, node);
        if (found && found != &t->root && fs_inode_memo_get(t, found, ret)) {
                if (found->nlookup != NLOOKUP_KEPT)
                        found->nlookup++;
                ino = fs_inode_number(t, found);
        }
        pthread_mutex_unlock(&t->lock);
        return ino;
}

uint64_t fs_inodes_seq(struct fs_inodes *t)
{
        /* No lock: a value older than the table's only keeps a memo from being kept. */
        return __atomic_load_n(&t->memo_seq, __ATOMIC_ACQUIRE);
}

bool fs_inodes_memo(struct fs_inodes *t, uint64_t ino, struct stat *ret)
{
        struct fs_inode *node = fs_inode_of(t, ino);
        bool found = false;

        pthread_mutex_lock(&t->lock);
        if (node != &t->root && !node->removed)
                found = fs_inode_memo_get(t, node, ret);
        pthread_mutex_unlock(&t->lock);
        return found;
}

void fs_inodes_keep(struct fs_inodes *t, uint64_t ino, const struct stat *st, uint64_t seq)
{
        struct fs_inode *node = fs_inode_of(t, ino);

        pthread_mutex_lock(&t->lock);
        if (node != &t->root && !node->removed)
                fs_inode_memo_put(t, node, st, seq);
        pthread_mutex_unlock(&t->lock);
}

void fs_inodes_hold(struct fs_inodes *t, uint64_t ino)
{
        struct fs_inode *node = fs_inode_of(t, ino);

        pthread_mutex_lock(&t->lock);
        if (node->nlookup != NLOOKUP_KEPT)
                node->nlookup++;
        pthread_mutex_unlock(&t->lock);
}

void fs_inodes_forget(struct fs_inodes *t, uint64_t ino, uint64_t count)
{
        struct fs_inode *node = fs_inode_of(t, ino);

        pthread_mutex_lock(&t->lock);
        if (node->nlookup != NLOOKUP_KEPT) {
                node->nlookup = count < node->nlookup ? node->nlookup - (uint32_t)count : 0;
                if (node->nlookup == 0)
                        node_free(t, node);
        }
        pthread_mutex_unlock(&t->lock);
}

uint64_t fs_inodes_stale(struct fs_inodes *t, const struct fs_node *node)
{
        struct fs_inode *found;
        uint64_t ino = 0;

        pthread_mutex_lock(&t->lock);
        fs_inode_memo_stale(t);
        found = fs_inode_find_node(t, node);
        if (found) {
                fs_inode_memo_drop(t, found);
                ino = fs_inode_number(t, found);
        }
        pthread_mutex_unlock(&t->lock);
        return ino;
}

uint64_t fs_inodes_find(struct fs_inodes *t, const struct fs_node *node)
{
        struct fs_inode *found;
        uint64_t ino;

        pthread_mutex_lock(&t->lock);
        found = fs_inode_find_node(t, node);
        ino = found ? fs_inode_number(t, found) : 0;
        pthread_mutex_unlock(&t->lock);
        return ino;
}

size_t fs_inodes_count(struct fs_inodes *t)
{
        size_t count;

        pthread_mutex_lock(&t->lock);
        count = t->count + 1;
        pthread_mutex_unlock(&t->lock);
        return count;
}

size_t fs_inodes_names(struct fs_inodes *t)
{
        size_t count;

        pthread_mutex_lock(&t->lock);
        count = t->names_count;
        pthread_mutex_unlock(&t->lock);
        return count;
}
