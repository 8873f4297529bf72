/*
 * Keeping the kernel's caches true. The kernel keeps entries and attributes for
 * FS_CACHE_SECONDS; every change must make it forget what the change made stale, before the
 * request that made it returns, so that a script never sees an old count or a removed file.
 *
 * After each committed change the model says what it touched (model_watch): the attributes of
 * those files are forgotten at once (notify_inval_inode takes no lock the request may hold),
 * and the entries of objects that no longer exist go to the notifier thread: invalidating an
 * entry locks its directory, which a request of another thread may hold while it waits for
 * this one, so the request waits for the notifier only a bounded time. Changes by other
 * processes are found by polling SQLite's data_version; then everything the kernel holds is
 * forgotten.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nodes.h"
#include "state.h"

#define POLL_MS 100                     /* how often another process's commits are looked for */
#define REQUEST_WAIT_MS 100             /* the longest a request waits for its invalidations */

struct entry_job {
        uint64_t parent;
        char *name;
};

struct fs_invalidator {
        struct fs *fs;
        pthread_mutex_t lock;
        pthread_cond_t wake;            /* to the notifier and poller: work, or stop */
        pthread_cond_t done;            /* from the notifier: `finished` moved */
        struct entry_job *jobs;
        size_t head, count, size;       /* a ring */
        uint64_t queued, finished;      /* tickets */
        bool stopping;
        int64_t data_version;
        pthread_t notifier, poller;
        bool notifier_started, poller_started;
};

static __thread const char *skip_paths[2];

void fs_invalidate_skip(const char *path, const char *other)
{
        skip_paths[0] = path;
        skip_paths[1] = other;
}

/* At or below one of the request's targets: the request holds their directories' locks. */
static bool skipped(const char *path)
{
        size_t i, len;

        for (i = 0; i < 2; i++) {
                if (!skip_paths[i])
                        continue;
                len = strlen(skip_paths[i]);
                if (strncmp(skip_paths[i], path, len) == 0 &&
                    (path[len] == '\0' || path[len] == '/'))
                        return true;
        }
        return false;
}

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

/* --- the notifier thread --------------------------------------------------------------------- */

/* Queues an entry invalidation; returns its ticket, or 0 when it could not be queued. */
static uint64_t queue_entry(struct fs_invalidator *inv, uint64_t parent, const char *name)
{
        struct entry_job job = { parent, strdup(name) };
        uint64_t ticket = 0;

        if (!job.name)
                return 0;
        pthread_mutex_lock(&inv->lock);
        if (inv->count == inv->size) {
                size_t size = inv->size ? 2 * inv->size : 64, i;
                struct entry_job *jobs = malloc(size * sizeof(*jobs));

                if (!jobs)
                        goto out;
                for (i = 0; i < inv->count; i++)
                        jobs[i] = inv->jobs[(inv->head + i) % inv->size];
                free(inv->jobs);
                inv->jobs = jobs;
                inv->head = 0;
                inv->size = size;
        }
        inv->jobs[(inv->head + inv->count) % inv->size] = job;
        inv->count++;
        job.name = NULL;
        ticket = ++inv->queued;
        pthread_cond_broadcast(&inv->wake);
out:
        pthread_mutex_unlock(&inv->lock);
        free(job.name);
        return ticket;
}

/* Waits until the notifier has done `ticket` (at most `ms` milliseconds; <0: no limit). */
static void wait_for(struct fs_invalidator *inv, uint64_t ticket, long ms)
{
        struct timespec deadline;

        deadline_after(&deadline, ms < 0 ? 0 : ms);
        pthread_mutex_lock(&inv->lock);
        while (inv->finished < ticket && !inv->stopping) {
                if (ms < 0)
                        pthread_cond_wait(&inv->done, &inv->lock);
                else if (pthread_cond_timedwait(&inv->done, &inv->lock, &deadline) == ETIMEDOUT)
                        break;
        }
        pthread_mutex_unlock(&inv->lock);
}

static void *notifier_main(void *arg)
{
        struct fs_invalidator *inv = arg;
        struct entry_job job;

        pthread_mutex_lock(&inv->lock);
        for (;;) {
                while (!inv->count && !inv->stopping)
                        pthread_cond_wait(&inv->wake, &inv->lock);
                if (inv->stopping)
                        break;
                job = inv->jobs[inv->head];
                inv->head = (inv->head + 1) % inv->size;
                inv->count--;
                pthread_mutex_unlock(&inv->lock);
                /* ENOENT: the kernel no longer has it, which is as good. */
                fuse_lowlevel_notify_inval_entry(inv->fs->se, job.parent, job.name,
                                                 strlen(job.name));
                free(job.name);
                pthread_mutex_lock(&inv->lock);
                inv->finished++;
                pthread_cond_broadcast(&inv->done);
        }
        while (inv->count) {
                free(inv->jobs[inv->head].name);
                inv->head = (inv->head + 1) % inv->size;
                inv->count--;
        }
        pthread_mutex_unlock(&inv->lock);
        return NULL;
}

/* --- what a change made stale ---------------------------------------------------------------- */

void fs_invalidate_attributes(struct fs *fs, const struct fs_stale *list, size_t count)
{
        size_t i;

        for (i = 0; i < count; i++)
                fuse_lowlevel_notify_inval_inode(fs->se, list[i].ino, -1, 0);
}

static void forget_attributes(struct fs_invalidator *inv, uint64_t ino)
{
        /* A negative offset: attributes only (content is direct_io, never cached). */
        fuse_lowlevel_notify_inval_inode(inv->fs->se, ino, -1, 0);
}

static void forget_file_at(struct fs_invalidator *inv, const char *path)
{
        uint64_t ino = fs_inodes_find(inv->fs->inodes, path);

        if (ino)
                forget_attributes(inv, ino);
}

/* Whether the node at `path` is gone (a file's check renders it, in its own read session). */
static bool gone(struct model *m, const char *path)
{
        struct fs_node node;
        struct stat st;

        return fs_path_parse(path, &node) < 0 || fs_node_stat(m, &node, &st) == -ENOENT;
}

static bool is_file(const char *path)
{
        struct fs_node node;

        return fs_path_parse(path, &node) == 0 && !fs_node_is_dir(&node);
}

/*
 * Makes the kernel forget the nodes of `list`: the attributes of files, the entries of named
 * nodes whose object is gone. Checking a file renders it, so when everything is forgotten
 * (`every`) a named file's entry goes unchecked: a kernel that still needs it looks it up
 * again. A directory is always checked, since one that exists may be a shell's cwd.
 * Returns the last entry ticket queued (0: none).
 */
static uint64_t forget_nodes(struct fs_invalidator *inv, const struct fs_stale *list,
                             size_t count, bool every)
{
        struct model *m = inv->fs->config->model;
        uint64_t ticket = 0, queued;
        bool file;
        size_t i;

        for (i = 0; i < count; i++) {
                const struct fs_stale *node = &list[i];

                file = is_file(node->path);
                if (file)
                        forget_attributes(inv, node->ino);
                if (!node->named || !node->parent || skipped(node->path))
                        continue;
                if (!(file && every)) {
                        if (!gone(m, node->path))
                                continue;
                        fs_inodes_unlink(inv->fs->inodes, node->path);
                }
                queued = queue_entry(inv, node->parent, node->name);
                ticket = queued ? queued : ticket;
        }
        return ticket;
}

static uint64_t forget_collected(struct fs_invalidator *inv, const char *upn)
{
        struct fs_stale *list;
        uint64_t ticket;
        size_t count;

        if (fs_inodes_collect(inv->fs->inodes, upn, &list, &count) < 0)
                return 0;
        ticket = forget_nodes(inv, list, count, upn == NULL);
        fs_stale_free(list, count);
        return ticket;
}

/* The named node at `path` (an object's own, not collected by UPN). */
static uint64_t forget_named_at(struct fs_invalidator *inv, const char *path)
{
        struct fs_stale node = { .named = true, .path = (char *)path };
        const char *slash = strrchr(path, '/');
        char parent[FS_PATH_MAX];
        size_t len = (size_t)(slash - path);

        node.ino = fs_inodes_find(inv->fs->inodes, path);
        if (!node.ino || len == 0 || len >= sizeof(parent))
                return 0;
        memcpy(parent, path, len);
        parent[len] = '\0';
        node.parent = fs_inodes_find(inv->fs->inodes, parent);
        node.name = (char *)slash + 1;
        return forget_nodes(inv, &node, 1, false);
}

/* Builds "/a/<escaped name>/b..." into out; false when it cannot be named. */
static bool path_of(char out[FS_PATH_MAX], const char *top, const char *name, const char *rest)
{
        char escaped[FS_PATH_MAX];
        int n;

        if (fs_name_encode(name, escaped, sizeof(escaped)) < 0)
                return false;
        n = snprintf(out, FS_PATH_MAX, "/%s/%s%s", top, escaped, rest);
        return n > 0 && n < FS_PATH_MAX;
}

static const char *const product_files[] = {
        "/name", "/total", "/expiring_soon", "/assigned", "/available", "/plans",
};

static void forget_product_files(struct fs_invalidator *inv, const char *sku)
{
        char path[FS_PATH_MAX];
        size_t i;

        for (i = 0; i < sizeof(product_files) / sizeof(product_files[0]); i++)
                if (path_of(path, "products", sku, product_files[i]))
                        forget_file_at(inv, path);
}

/* products/SKU/groups/G and groups/G/licenses/SKU: the two files of one group license. */
static uint64_t forget_group_license(struct fs_invalidator *inv, const char *group,
                                     const char *sku)
{
        char path[FS_PATH_MAX], tail[FS_PATH_MAX], escaped[FS_PATH_MAX];
        uint64_t ticket = 0, t;

        if (fs_name_encode(group, escaped, sizeof(escaped)) == 0 &&
            snprintf(tail, sizeof(tail), "/groups/%s", escaped) < (int)sizeof(tail) &&
            path_of(path, "products", sku, tail) && (t = forget_named_at(inv, path)))
                ticket = t;
        if (fs_name_encode(sku, escaped, sizeof(escaped)) == 0 &&
            snprintf(tail, sizeof(tail), "/licenses/%s", escaped) < (int)sizeof(tail) &&
            path_of(path, "groups", group, tail) && (t = forget_named_at(inv, path)))
                ticket = t;
        return ticket;
}

/* What every change may move: the audit log, the summary, the tenant's files. */
static void forget_always(struct fs_invalidator *inv)
{
        forget_file_at(inv, "/audit");
        forget_file_at(inv, "/summary");
        forget_file_at(inv, "/tenant/name");
        forget_file_at(inv, "/tenant/usage_location");
}

static void on_commit(void *ctx, const struct model_change *changes, size_t count)
{
        struct fs_invalidator *inv = ctx;
        char path[FS_PATH_MAX];
        uint64_t ticket = 0, t = 0;
        size_t i;

        forget_always(inv);
        for (i = 0; i < count; i++) {
                const struct model_change *c = &changes[i];

                switch (c->kind) {
                case MODEL_CHANGE_USER:
                        t = forget_collected(inv, c->a);
                        break;
                case MODEL_CHANGE_PRODUCT:
                        forget_product_files(inv, c->a);
                        t = 0;
                        break;
                case MODEL_CHANGE_GROUP:
                        t = path_of(path, "groups", c->a, "") ? forget_named_at(inv, path) : 0;
                        break;
                case MODEL_CHANGE_GROUP_LICENSE:
                        t = forget_group_license(inv, c->a, c->b);
                        break;
                case MODEL_CHANGE_ALL:
                        t = forget_collected(inv, NULL);
                        i = count;      /* nothing is left to forget */
                        break;
                }
                ticket = t ? t : ticket;
        }
        if (ticket)
                wait_for(inv, ticket, REQUEST_WAIT_MS);
}

/* --- the poller: commits of other processes ------------------------------------------------ */

static void *poller_main(void *arg)
{
        struct fs_invalidator *inv = arg;
        struct timespec deadline;
        int64_t version;
        uint64_t ticket;

        pthread_mutex_lock(&inv->lock);
        while (!inv->stopping) {
                deadline_after(&deadline, POLL_MS);
                pthread_cond_timedwait(&inv->wake, &inv->lock, &deadline);
                if (inv->stopping)
                        break;
                pthread_mutex_unlock(&inv->lock);
                if (model_data_version(inv->fs->config->model, &version) >= 0 &&
                    version != inv->data_version) {
                        inv->data_version = version;
                        forget_always(inv);
                        ticket = forget_collected(inv, NULL);
                        if (ticket)
                                wait_for(inv, ticket, -1);
                }
                pthread_mutex_lock(&inv->lock);
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
        pthread_cond_init(&inv->done, NULL);
        if (model_data_version(fs->config->model, &inv->data_version) < 0)
                goto fail;
        inv->notifier_started = pthread_create(&inv->notifier, NULL, notifier_main, inv) == 0;
        if (!inv->notifier_started)
                goto fail;
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
        pthread_cond_broadcast(&inv->done);
        pthread_mutex_unlock(&inv->lock);
        if (inv->notifier_started)
                pthread_join(inv->notifier, NULL);
        if (inv->poller_started)
                pthread_join(inv->poller, NULL);
        free(inv->jobs);
        pthread_cond_destroy(&inv->wake);
        pthread_cond_destroy(&inv->done);
        pthread_mutex_destroy(&inv->lock);
        free(inv);
        return NULL;
}
