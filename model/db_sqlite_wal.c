/*
 * Each commit's WAL frames in one write. SQLite writes a frame with two calls, its 24-byte
 * header and then its page, so a change of five pages cost ten pwrite calls, each paying the
 * kernel's entry and the file's timestamp update. This VFS is the default one except for WAL
 * files, whose consecutive writes it gathers in a buffer and writes out with one call when
 * the page of a commit frame (a frame header with a nonzero database size: the WAL format's
 * mark of a commit) has joined it. That is before xWrite returns, so before SQLite publishes
 * the commit in the WAL index: a reader in another process never finds a committed frame
 * missing from the file, and a failed write fails the commit. Every other use of the file
 * (a read, a sync, its size, truncation, closing) writes out what is gathered first, so
 * SQLite never sees the file behind its own writes.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db_sqlite_wal.h"

#define GATHER_MAX (64 * 1024)          /* a commit of up to 15 pages of 4 KiB: one write */
#define FRAME_HEADER 24                 /* the WAL format's frame header */

/* A WAL file; the default VFS's own file follows it in the memory SQLite gives xOpen. */
struct wal_file {
        sqlite3_file base;              /* its methods: wal_methods */
        sqlite3_file *real;
        unsigned char *gathered;        /* GATHER_MAX bytes */
        size_t length;
        sqlite3_int64 start;            /* where gathered[0] goes in the file */
        bool commit_page_next;          /* the last write was a commit frame's header */
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs gathering_vfs;
static unsigned long write_calls;       /* writes passed on to the default VFS */

static struct wal_file *of(sqlite3_file *f)
{
        return (struct wal_file *)f;
}

static int write_through(struct wal_file *w, const void *data, int amount, sqlite3_int64 at)
{
        __atomic_add_fetch(&write_calls, 1, __ATOMIC_RELAXED);
        return w->real->pMethods->xWrite(w->real, data, amount, at);
}

/* Writes out what is gathered. SQLITE_OK or the default VFS's error (nothing is kept then). */
static int flush(struct wal_file *w)
{
        int rc = SQLITE_OK;

        if (w->length)
                rc = write_through(w, w->gathered, (int)w->length, w->start);
        w->length = 0;
        return rc;
}

/* A frame header's second field: the database's size in pages after a commit, else 0. */
static bool is_commit_header(const unsigned char *header)
{
        return header[4] | header[5] | header[6] | header[7];
}

static int wal_write(sqlite3_file *f, const void *data, int amount, sqlite3_int64 at)
{
        struct wal_file *w = of(f);
        bool commit_ends = w->commit_page_next;
        int rc = SQLITE_OK;

        w->commit_page_next = false;
        if (w->length && (at != w->start + (sqlite3_int64)w->length ||
                          w->length + (size_t)amount > GATHER_MAX))
                rc = flush(w);
        if (rc != SQLITE_OK)
                return rc;
        if ((size_t)amount > GATHER_MAX)
                return write_through(w, data, amount, at);
        if (!w->length)
                w->start = at;
        memcpy(w->gathered + w->length, data, (size_t)amount);
        w->length += (size_t)amount;
        if (commit_ends)
                return flush(w);
        w->commit_page_next = amount == FRAME_HEADER && is_commit_header(data);
        return SQLITE_OK;
}

static int wal_close(sqlite3_file *f)
{
        struct wal_file *w = of(f);
        int rc = flush(w), closed = w->real->pMethods->xClose(w->real);

        free(w->gathered);
        w->gathered = NULL;
        return rc != SQLITE_OK ? rc : closed;
}

static int wal_read(sqlite3_file *f, void *data, int amount, sqlite3_int64 at)
{
        struct wal_file *w = of(f);
        int rc = flush(w);

        return rc != SQLITE_OK ? rc : w->real->pMethods->xRead(w->real, data, amount, at);
}

static int wal_truncate(sqlite3_file *f, sqlite3_int64 size)
{
        struct wal_file *w = of(f);
        int rc = flush(w);

        return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int wal_sync(sqlite3_file *f, int flags)
{
        struct wal_file *w = of(f);
        int rc = flush(w);

        return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int wal_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
        struct wal_file *w = of(f);
        int rc = flush(w);

        return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

static int wal_file_control(sqlite3_file *f, int op, void *arg)
{
        struct wal_file *w = of(f);
        int rc = flush(w);

        return rc != SQLITE_OK ? rc : w->real->pMethods->xFileControl(w->real, op, arg);
}

/* The rest is the default VFS's, as it is. */
static int wal_lock(sqlite3_file *f, int level)
{
        return of(f)->real->pMethods->xLock(of(f)->real, level);
}

static int wal_unlock(sqlite3_file *f, int level)
{
        return of(f)->real->pMethods->xUnlock(of(f)->real, level);
}

static int wal_check_reserved(sqlite3_file *f, int *ret)
{
        return of(f)->real->pMethods->xCheckReservedLock(of(f)->real, ret);
}

static int wal_sector_size(sqlite3_file *f)
{
        return of(f)->real->pMethods->xSectorSize(of(f)->real);
}

static int wal_device_characteristics(sqlite3_file *f)
{
        return of(f)->real->pMethods->xDeviceCharacteristics(of(f)->real);
}

/* Version 1: SQLite maps no WAL file in shared memory and fetches no page of it. */
static const sqlite3_io_methods wal_methods = {
        .iVersion = 1,
        .xClose = wal_close,
        .xRead = wal_read,
        .xWrite = wal_write,
        .xTruncate = wal_truncate,
        .xSync = wal_sync,
        .xFileSize = wal_file_size,
        .xLock = wal_lock,
        .xUnlock = wal_unlock,
        .xCheckReservedLock = wal_check_reserved,
        .xFileControl = wal_file_control,
        .xSectorSize = wal_sector_size,
        .xDeviceCharacteristics = wal_device_characteristics,
};

static int gathering_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags,
                          int *ret_flags)
{
        struct wal_file *w = of(f);
        int rc;

        (void)vfs;
        /* Any other file is the default VFS's own, in the same memory. */
        if (!(flags & SQLITE_OPEN_WAL))
                return real_vfs->xOpen(real_vfs, name, f, flags, ret_flags);
        memset(w, 0, sizeof(*w));
        w->real = (sqlite3_file *)(w + 1);
        w->gathered = malloc(GATHER_MAX);
        if (!w->gathered)
                return SQLITE_NOMEM;
        rc = real_vfs->xOpen(real_vfs, name, w->real, flags, ret_flags);
        if (rc != SQLITE_OK) {
                free(w->gathered);
                w->gathered = NULL;
                return rc;
        }
        w->base.pMethods = &wal_methods;
        return SQLITE_OK;
}

static void register_vfs(void)
{
        real_vfs = sqlite3_vfs_find(NULL);
        if (!real_vfs)
                return;
        /* The default VFS's functions take the VFS only to ignore it, but for xOpen. */
        gathering_vfs = *real_vfs;
        gathering_vfs.zName = DB_SQLITE_VFS;
        gathering_vfs.szOsFile = (int)sizeof(struct wal_file) + real_vfs->szOsFile;
        gathering_vfs.xOpen = gathering_open;
        gathering_vfs.pNext = NULL;
        if (sqlite3_vfs_register(&gathering_vfs, 0) != SQLITE_OK)
                real_vfs = NULL;
}

const char *db_sqlite_vfs(void)
{
        static pthread_once_t registered = PTHREAD_ONCE_INIT;

        pthread_once(&registered, register_vfs);
        return real_vfs ? DB_SQLITE_VFS : NULL;
}

unsigned long db_sqlite_wal_writes(void)
{
        return __atomic_load_n(&write_calls, __ATOMIC_RELAXED);
}
