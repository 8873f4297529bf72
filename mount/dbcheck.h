/*
 * The checks on the DATABASE file before licensefs opens it: who else could change the tenant
 * behind the mount's back.
 */
#pragma once

/*
 * Refuses a database file (or its -wal or -shm file) that the group or others can write or that
 * belongs to another user than this one or root, and a directory holding it that the group or
 * others can write and that lacks the sticky bit. Symbolic links are followed, as SQLite follows
 * them. Returns 0 when DATABASE may be opened, also when it or its directory does not exist or
 * cannot be examined (opening then says why); -EPERM after printing the one-line reason
 * ("licensefs: PATH: WHY") on stderr.
 */
int dbcheck(const char *database);
