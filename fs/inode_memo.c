/*
 * The inode table's memos: the attributes a node's file was last rendered with, so that a
 * lookup or getattr after the kernel's one second of caching need not render the file again
 * (an `rm` after a `find` looks up every name anew). A memo is true until a change makes its
 * node stale, and the table's walks that find stale nodes drop it (inode_walks.c), as the node's
 * end does. A render races changes: one that began before a change was reported (memo_seq, taken
 * before the render's read session) may show the state before it, so it is not kept.
 *
 * A node's memo is in one of the few slots of the set its number picks, the latest kept there:
 * a fixed 3 MiB at most, whatever the tenant's size (the holders of a tenant of 10,000 users,
 * 70,000 records, nearly all fit), and none before the first memo. Every function here
 * expects the table's lock held.
 */
#include <stdlib.h>
#include <string.h>

#include "inode_table.h"

/* The set of MEMO_WAYS slots where the memo of node `ino` may be. */
static struct fs_memo_slot *set_of(struct fs_inodes *t, uint64_t ino)
{
        return &t->memo[((ino * 0x9e3779b97f4a7c15ULL) >> (64 - MEMO_SET_BITS)) * MEMO_WAYS];
}

static bool holds(const struct fs_inodes *t, const struct fs_memo_slot *slot, uint64_t ino)
{
        return slot->ino == ino && slot->epoch == t->memo_epoch;
}

void fs_inode_memo_put(struct fs_inodes *t, struct fs_inode *node, const struct stat *st,
                       uint64_t seq)
{
        uint64_t ino = fs_inode_number(t, node);
        struct fs_memo_slot *set, *slot;
        int i;

        if (seq != t->memo_seq || st->st_size < 0 || st->st_size > UINT32_MAX ||
            st->st_mode > UINT16_MAX)
                return;
        if (!t->memo) {
                t->memo = calloc((size_t)MEMO_WAYS << MEMO_SET_BITS, sizeof(*t->memo));
                if (!t->memo)
                        return;         /* no memo: renders, as before */
        }
        /* Its own slot, else a free one, else one the number picks (the set is full). */
        set = set_of(t, ino);
        slot = &set[(ino >> 4) % MEMO_WAYS];
        for (i = 0; i < MEMO_WAYS; i++) {
                if (holds(t, &set[i], ino)) {
                        slot = &set[i];
                        break;
                }
                if (!set[i].ino || set[i].epoch != t->memo_epoch)
                        slot = &set[i];
        }
        *slot = (struct fs_memo_slot){ .ino = ino, .mtime = st->st_mtime,
                                       .size = (uint32_t)st->st_size,
                                       .mode = (uint16_t)st->st_mode, .epoch = t->memo_epoch };
}

bool fs_inode_memo_get(struct fs_inodes *t, struct fs_inode *node, struct stat *ret)
{
        uint64_t ino = fs_inode_number(t, node);
        const struct fs_memo_slot *set;
        int i;

        if (!t->memo)
                return false;
        set = set_of(t, ino);
        for (i = 0; i < MEMO_WAYS; i++) {
                if (holds(t, &set[i], ino)) {
                        fs_attr_stat(set[i].mode, set[i].size, (time_t)set[i].mtime, ret);
                        ret->st_ino = ino;
                        return true;
                }
        }
        return false;
}

void fs_inode_memo_drop(struct fs_inodes *t, struct fs_inode *node)
{
        uint64_t ino = fs_inode_number(t, node);
        struct fs_memo_slot *set;
        int i;

        if (!t->memo)
                return;
        set = set_of(t, ino);
        for (i = 0; i < MEMO_WAYS; i++)
                if (set[i].ino == ino)
                        set[i].ino = 0;
}

void fs_inode_memo_stale(struct fs_inodes *t)
{
        /* Read without the lock by fs_inodes_seq. */
        __atomic_add_fetch(&t->memo_seq, 1, __ATOMIC_ACQ_REL);
}

void fs_inode_memo_drop_all(struct fs_inodes *t)
{
        fs_inode_memo_stale(t);
        /* A new epoch empties every slot at once; at its wrap the slots are emptied for real. */
        if (++t->memo_epoch == 0 && t->memo)
                memset(t->memo, 0, (sizeof(*t->memo) * MEMO_WAYS) << MEMO_SET_BITS);
}
