/*
 * The handles of the open files and directories. The kernel releases every handle it was given,
 * except those whose release was still queued when the filesystem was unmounted (the unmount
 * drops it): fs_handles_free_all frees those with the filesystem, so that no handle outlives it.
 */
#include "state.h"

void fs_handles_init(struct fs *fs)
{
        pthread_mutex_init(&fs->handles_lock, NULL);
        fs->handles.prev = fs->handles.next = &fs->handles;
}

void fs_handles_add(struct fs *fs, struct fs_handle *h, fs_handle_free_fn *free_fn)
{
        h->free = free_fn;
        pthread_mutex_lock(&fs->handles_lock);
        h->prev = &fs->handles;
        h->next = fs->handles.next;
        h->next->prev = h;
        fs->handles.next = h;
        pthread_mutex_unlock(&fs->handles_lock);
}

void fs_handles_remove(struct fs *fs, struct fs_handle *h)
{
        pthread_mutex_lock(&fs->handles_lock);
        h->prev->next = h->next;
        h->next->prev = h->prev;
        pthread_mutex_unlock(&fs->handles_lock);
        h->prev = h->next = h;
}

int fs_handles_each(struct fs *fs, int (*fn)(struct fs_handle *h, void *ctx), void *ctx)
{
        struct fs_handle *h;
        int r = 0;

        pthread_mutex_lock(&fs->handles_lock);
        for (h = fs->handles.next; h != &fs->handles && !r; h = h->next)
                r = fn(h, ctx);
        pthread_mutex_unlock(&fs->handles_lock);
        return r;
}

void fs_handles_free_all(struct fs *fs)
{
        /* The session has ended: no request runs, so no lock is taken. */
        while (fs->handles.next != &fs->handles) {
                struct fs_handle *h = fs->handles.next;

                fs_handles_remove(fs, h);
                h->free(fs, h);
        }
        pthread_mutex_destroy(&fs->handles_lock);
}
