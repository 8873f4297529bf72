/*
 * Keeping the kernel's caches true. The kernel keeps entries and attributes for
 * FS_CACHE_SECONDS; every change must make it forget what the change made stale, before the
 * request that made it returns, so that a script never sees an old count or a removed file.
 *
 * After each committed change the model says what it touched (model_watch), and the kernel
 * forgets the attributes of every node it holds of those objects: a user's nodes come from
 * the inode table's index of that user (of a change of one of its claims, only the nodes that
 * show that claim: STALE_ON_SEAT), the others from the kinds the table of kinds marks
 * stale on that change, at the change's names (notify_inval_inode takes no
 * lock a request may hold, so it is safe from the request itself). Entries are never
 * invalidated from here: that locks the entry's directory, which an in-flight request may
 * hold, and a daemon killed at that moment could never exit. Instead a node whose object is
 * gone answers ESTALE (ops.h), on which the kernel walks the path again with revalidation and
 * finds the name gone, or made anew. Commits by other processes and hosts reach the same
 * forgetting through model_others_wait: exactly what they touched where the backend is told
 * (PostgreSQL's notifications), everything where it can only tell that something changed
 * (SQLite's data_version).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "kinds.h"
#include "state.h"

#define POLL_MS 100                     /* the longest wait for other connections' commits */

struct fs_invalidator {
        struct fs *fs;
        pthread_mutex_t lock;
        pthread_cond_t wake;            /* to the poller: stop */
        bool stopping;
        pthread_t poller;
        bool poller_started;
};

void fs_invalidate_attributes(struct fs *fs, const struct fs_stale *list, size_t count)
{
        size_t i;

        /* A negative offset: attributes only (content is direct_io, never cached). */
        for (i = 0; i < count; i++)
                fuse_lowlevel_notify_inval_inode(fs->se, list[i].ino, -1, 0);
}

/* The node the kernel holds at `node`, if any. */
static void forget_node(struct fs_invalidator *inv, const struct fs_node *node)
{
        uint64_t ino = fs_inodes_stale(inv->fs->inodes, node);

        if (ino)
                fuse_lowlevel_notify_inval_inode(inv->fs->se, ino, -1, 0);
}

/* Every node the kernel holds that names user `upn`, or all of them (upn NULL). */
static void forget_collected(struct fs_invalidator *inv, const char *upn)
{
        struct fs_stale *list;
        size_t count;

        if (fs_inodes_collect(inv->fs->inodes, upn, &list, &count) < 0)
                return;
        fs_invalidate_attributes(inv->fs, list, count);
        fs_stale_free(list, count);
}

/* Every node the kernel holds that shows user `upn`'s claim to product `sku`. */
static void forget_claim(struct fs_invalidator *inv, const char *upn, const char *sku)
{
        struct fs_stale *list;
        size_t count;

        if (fs_inodes_collect_claim(inv->fs->inodes, upn, sku, &list, &count) < 0) {
                forget_collected(inv, upn);     /* out of memory: forget more, not less */
                return;
        }
        fs_invalidate_attributes(inv->fs, list, count);
        fs_stale_free(list, count);
}

/* The nodes of every kind the table marks stale on `what`, at the names of `node`. */
static void forget_kinds(struct fs_invalidator *inv, unsigned int what, struct fs_node node)
{
        int kind;

        for (kind = FS_ROOT + 1; kind < FS_KIND_COUNT; kind++) {
                if (fs_kinds[kind].stale_on & what) {
                        node.kind = (enum fs_kind)kind;
                        forget_node(inv, &node);
                }
        }
}

/* Called in the thread that committed, which fs_commits() counts for. */
static __thread unsigned long commits;

unsigned long fs_commits(void)
{
        return commits;
}

unsigned long fs_generation(struct fs *fs)
{
        return __atomic_load_n(&fs->generation, __ATOMIC_ACQUIRE);
}

/* What a change of this model or of another connection touched: the same forgetting. */
static void forget_changes(void *ctx, const struct model_change *changes, size_t count)
{
        struct fs_invalidator *inv = ctx;
        struct fs_node node = FS_NODE_ROOT;
        size_t i;

        __atomic_add_fetch(&inv->fs->generation, 1, __ATOMIC_ACQ_REL);
        forget_kinds(inv, STALE_ON_ANY, node);
        for (i = 0; i < count; i++) {
                const struct model_change *c = &changes[i];

                node = FS_NODE_ROOT;
                switch (c->kind) {
                case MODEL_CHANGE_USER:
                        forget_collected(inv, c->a);
                        break;
                case MODEL_CHANGE_SEAT:
                        forget_claim(inv, c->a, c->b);
                        break;
                case MODEL_CHANGE_PRODUCT:
                        node.sku = c->a;
                        forget_kinds(inv, STALE_ON_PRODUCT, node);
                        break;
                case MODEL_CHANGE_GROUP:
                        node.group = c->a;
                        forget_kinds(inv, STALE_ON_GROUP, node);
                        break;
                case MODEL_CHANGE_GROUP_LICENSE:
                        node.group = c->a;
                        node.sku = c->b;
                        forget_kinds(inv, STALE_ON_GROUP_LICENSE, node);
                        break;
                case MODEL_CHANGE_ALL:
                        forget_collected(inv, NULL);
                        return;         /* nothing is left to forget */
                }
        }
}

static void on_commit(void *ctx, const struct model_change *changes, size_t count)
{
        commits++;
        forget_changes(ctx, changes, count);
}

/* --- the poller: commits of other processes and hosts ----------------------------------------- */

static void deadline_after(struct timespec *ts, long ms)
{
        clock_gettime(CLOCK_REALTIME, ts);
        ts->tv_sec += ms / 1000;
        ts->tv_nsec += (ms % 1000) * 1000000L;
        if (ts->tv_nsec >= 1000000000L) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000L;
        }
}

/*
 * Waits for other connections' commits in turns of POLL_MS, so that a stop is seen within one;
 * a watch that cannot listen now (a server away) is tried again a turn later.
 */
static void *poller_main(void *arg)
{
        struct fs_invalidator *inv = arg;
        struct timespec deadline;
        int r;

        pthread_mutex_lock(&inv->lock);
        while (!inv->stopping) {
                pthread_mutex_unlock(&inv->lock);
                r = model_others_wait(inv->fs->config->model, POLL_MS, forget_changes, inv);
                pthread_mutex_lock(&inv->lock);
                if (r < 0 && !inv->stopping) {
                        deadline_after(&deadline, POLL_MS);
                        pthread_cond_timedwait(&inv->wake, &inv->lock, &deadline);
                }
        }
        pthread_mutex_unlock(&inv->lock);
        return NULL;
}

/* --- starting and stopping ------------------------------------------------------------------- */

struct fs_invalidator *fs_invalidator_start(struct fs *fs)
{
        struct fs_invalidator *inv = calloc(1, sizeof(*inv));

        if (!inv)
                return NULL;
        inv->fs = fs;
        pthread_mutex_init(&inv->lock, NULL);
        pthread_cond_init(&inv->wake, NULL);
        inv->poller_started = pthread_create(&inv->poller, NULL, poller_main, inv) == 0;
        if (!inv->poller_started)
                goto fail;
        if (model_watch(fs->config->model, on_commit, inv) < 0)
                goto fail;
        return inv;
fail:
        return fs_invalidator_stop(inv);
}

struct fs_invalidator *fs_invalidator_stop(struct fs_invalidator *inv)
{
        if (!inv)
                return NULL;
        model_watch(inv->fs->config->model, NULL, NULL);
        pthread_mutex_lock(&inv->lock);
        inv->stopping = true;
        pthread_cond_broadcast(&inv->wake);
        pthread_mutex_unlock(&inv->lock);
        if (inv->poller_started)
                pthread_join(inv->poller, NULL);
        pthread_cond_destroy(&inv->wake);
        pthread_mutex_destroy(&inv->lock);
        free(inv);
        return NULL;
}
