/*
 * The SQLite backend's VFS (db_sqlite_wal.c): the default one, but for WAL files, whose
 * commits it writes with one call each.
 */
#ifndef LICENSEFS_DB_SQLITE_WAL_H
#define LICENSEFS_DB_SQLITE_WAL_H

#include <sqlite3.h>

#define DB_SQLITE_VFS "licensefs"

/* The VFS's name for sqlite3_open_v2, registered on first call; NULL: the default's (none). */
const char *db_sqlite_vfs(void);

/* How many writes to WAL files the VFS has made in this process (for its tests). */
unsigned long db_sqlite_wal_writes(void);

#endif
