/*
 * The inode table's walks over many nodes: a removed directory takes the nodes below it along
 * (the nodes of kinds below its kind that carry its name), a renamed one moves them to the
 * kinds of its new place, a change of a user makes every node naming that user stale, and a
 * change of a user's claim to a product the nodes that show it.
 * A user's nodes are found from its name's list; a product's or group's from the whole hash,
 * which only a removal does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inode_table.h"

/* Whether `kind` is `top` or lies below it. */
static bool kind_below(enum fs_kind kind, enum fs_kind top)
{
        for (; kind != FS_ROOT; kind = fs_kinds[kind].parent)
                if (kind == top)
                        return true;
        return top == FS_ROOT;
}

/* Whether `node` lies at or below `top` (a kind below it, carrying its names). */
static bool below(const struct fs_inode *node, const struct fs_inode *top)
{
        int i;

        if (!kind_below((enum fs_kind)node->kind, (enum fs_kind)top->kind))
                return false;
        for (i = 0; i < 2; i++)
                if (top->names[i] && top->names[i] != node->names[0] &&
                    top->names[i] != node->names[1])
                        return false;
        return true;
}

typedef int (*visit_fn)(struct fs_inodes *t, struct fs_inode *node, void *ctx);

/*
 * Calls visit for every node at or below `top`, removed ones too: from its user's list when it
 * names a user, else from the whole hash (a product's or group's may be many, and this is
 * rare: a removal). Stops at the first error.
 */
static int visit_below(struct fs_inodes *t, struct fs_inode *top, visit_fn visit, void *ctx)
{
        struct fs_inode *node, *next;
        size_t i;
        int r = 0;

        if (fs_inode_user(top)) {
                for (node = fs_inode_user(top)->nodes; node && r >= 0; node = next) {
                        next = node->user_next;
                        if (below(node, top))
                                r = visit(t, node, ctx);
                }
                return r;
        }
        for (i = 0; i < t->nodes_size && r >= 0; i++) {
                for (node = t->nodes[i]; node && r >= 0; node = next) {
                        next = node->hash_next;
                        if (below(node, top))
                                r = visit(t, node, ctx);
                }
        }
        return r;
}

static int remove_one(struct fs_inodes *t, struct fs_inode *node, void *ctx)
{
        (void)ctx;
        fs_inode_memo_drop(t, node);
        node->removed = true;
        return 0;
}

void fs_inodes_unlink(struct fs_inodes *t, const struct fs_node *node)
{
        struct fs_inode *found;

        pthread_mutex_lock(&t->lock);
        fs_inode_memo_stale(t);
        found = fs_inode_find_node(t, node);
        if (found && found != &t->root) {
                if (S_ISDIR(fs_kinds[found->kind].mode))
                        visit_below(t, found, remove_one, NULL);
                remove_one(t, found, NULL);
        }
        pthread_mutex_unlock(&t->lock);
}

/* --- lists of stale nodes --------------------------------------------------------------------- */

struct stale_list {
        struct fs_stale *items;
        size_t count, size;
};

static int stale_add(struct fs_inodes *t, struct fs_inode *node, void *ctx)
{
        struct stale_list *list = ctx;

        fs_inode_memo_drop(t, node);    /* even when the list cannot grow */
        if (list->count == list->size) {
                size_t grown = list->size ? 2 * list->size : 16;
                struct fs_stale *bigger = realloc(list->items, grown * sizeof(*bigger));

                if (!bigger)
                        return -ENOMEM;
                list->items = bigger;
                list->size = grown;
        }
        list->items[list->count++].ino = fs_inode_number(t, node);
        return 0;
}

/* Hands the list over (r >= 0) or frees it; returns r. */
static int stale_done(struct stale_list *list, int r, struct fs_stale **ret, size_t *ret_count)
{
        if (r < 0) {
                fs_stale_free(list->items, list->count);
                return r;
        }
        *ret = list->items;
        *ret_count = list->count;
        return 0;
}

void fs_stale_free(struct fs_stale *list, size_t count)
{
        (void)count;
        free(list);
}

/* Whether a change of a claim to product `sku` (its interned name, or NULL) shows at `node`. */
static bool shows_claim(const struct fs_inode *node, const struct fs_name *sku)
{
        int i;

        if (!(fs_kinds[node->kind].stale_on & STALE_ON_SEAT))
                return false;
        for (i = 0; i < 2; i++)
                if (node->names[i] && node->names[i]->field == FIELD_SKU && node->names[i] != sku)
                        return false;
        return true;
}

/*
 * The nodes naming user `upn` into `list`, the lock held: every one, or (claim) those that
 * show its claim to product `sku`.
 */
static int collect_user(struct fs_inodes *t, const char *upn, bool claim, const char *sku,
                        struct stale_list *list)
{
        struct fs_name *user = fs_inode_name_find(t, FIELD_UPN, upn);
        struct fs_name *product = claim ? fs_inode_name_find(t, FIELD_SKU, sku) : NULL;
        struct fs_inode *node;
        int r = 0;

        for (node = user ? user->nodes : NULL; node && r >= 0; node = node->user_next)
                if (!claim || shows_claim(node, product))
                        r = stale_add(t, node, list);
        return r;
}

int fs_inodes_collect_claim(struct fs_inodes *t, const char *upn, const char *sku,
                            struct fs_stale **ret, size_t *ret_count)
{
        struct stale_list list = { 0 };
        int r;

        pthread_mutex_lock(&t->lock);
        fs_inode_memo_stale(t);
        r = collect_user(t, upn, true, sku, &list);
        pthread_mutex_unlock(&t->lock);
        return stale_done(&list, r, ret, ret_count);
}

int fs_inodes_collect(struct fs_inodes *t, const char *upn, struct fs_stale **ret,
                      size_t *ret_count)
{
        struct stale_list list = { 0 };
        struct fs_inode *node;
        size_t i;
        int r = 0;

        pthread_mutex_lock(&t->lock);
        if (upn) {
                fs_inode_memo_stale(t);
                r = collect_user(t, upn, false, NULL, &list);
        } else {
                fs_inode_memo_drop_all(t);      /* even when the list cannot grow */
                for (i = 0; i < t->nodes_size; i++)
                        for (node = t->nodes[i]; node && r >= 0; node = node->hash_next)
                                r = stale_add(t, node, &list);
        }
        pthread_mutex_unlock(&t->lock);
        return stale_done(&list, r, ret, ret_count);
}

/* --- moves ------------------------------------------------------------------------------------ */

/* The kind at the place of `kind` once `from` (a kind at or above it) is at `to`; -1: none. */
static int moved_kind(enum fs_kind kind, enum fs_kind from, enum fs_kind to)
{
        const struct fs_kind_info *info = &fs_kinds[kind];
        int parent, k;

        if (kind == from)
                return to;
        parent = moved_kind(info->parent, from, to);
        for (k = FS_ROOT + 1; parent >= 0 && k < FS_KIND_COUNT; k++) {
                const struct fs_kind_info *there = &fs_kinds[k];

                if ((int)there->parent == parent &&
                    (info->name ? there->name && strcmp(there->name, info->name) == 0
                                : !there->name && there->field == info->field))
                        return k;
        }
        return -1;
}

struct move {
        enum fs_kind from, to;
        struct stale_list moved;
};

static int move_one(struct fs_inodes *t, struct fs_inode *node, void *ctx)
{
        struct move *move = ctx;
        int kind = moved_kind((enum fs_kind)node->kind, move->from, move->to);
        struct fs_inode *there;
        int r = stale_add(t, node, &move->moved);

        if (r < 0)
                return r;
        if (kind < 0) {
                node->removed = true;   /* the new place has none such */
                return 0;
        }
        /* Rehashed under its new key; what was there before is gone. */
        fs_inode_hash_remove(t, node);
        node->kind = (uint8_t)kind;
        node->removed = false;
        there = fs_inode_find(t, node->kind, node->names);
        if (there)
                there->removed = true;
        return fs_inode_hash_add(t, node);
}

int fs_inodes_move(struct fs_inodes *t, const struct fs_node *from, const struct fs_node *to,
                   struct fs_stale **ret, size_t *ret_count)
{
        struct move move = { from->kind, to->kind, { 0 } };
        struct stale_list nodes = { 0 };
        struct fs_inode *found;
        size_t i;
        int r = 0;

        pthread_mutex_lock(&t->lock);
        fs_inode_memo_stale(t);
        found = fs_inode_find_node(t, from);
        /* Gathered first: moving rehashes nodes, which the walk over the hash must not see. */
        if (found && found != &t->root)
                r = visit_below(t, found, stale_add, &nodes);
        for (i = 0; i < nodes.count && r >= 0; i++)
                r = move_one(t, fs_inode_of(t, nodes.items[i].ino), &move);
        pthread_mutex_unlock(&t->lock);
        fs_stale_free(nodes.items, nodes.count);
        return stale_done(&move.moved, r, ret, ret_count);
}

