/*
 * The checks on the DATABASE file before licensefs opens it. The mount's access control is
 * worth no more than the file behind it: whoever can write the database, its -wal or -shm file,
 * or replace them in their directory, changes licenses without the mount and without an audit
 * line. So licensefs works only on a database that no one but its user (or root) can change,
 * as ssh does with its keys. "Others" here means everyone but the owner: group write counts.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbcheck.h"

#define OTHERS_WRITE (S_IWGRP | S_IWOTH)

static int refuse(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(const char *path, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "licensefs: %s: ", path);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return -EPERM;
}

/* A file of the database, if it exists: its owner is this user or root, and only it writes. */
static int check_file(const char *path, const char *what)
{
        struct passwd pw, *found = NULL;
        char buf[4096];
        struct stat st;

        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;               /* opening says what is wrong with it */
        if (st.st_uid != geteuid() && st.st_uid != 0) {
                if (getpwuid_r(st.st_uid, &pw, buf, sizeof(buf), &found) != 0 || !found)
                        return refuse(path, "the %s belongs to uid %u, not to this user or root",
                                      what, (unsigned)st.st_uid);
                return refuse(path, "the %s belongs to user %s (uid %u), not to this user or "
                              "root", what, found->pw_name, (unsigned)st.st_uid);
        }
        if (st.st_mode & OTHERS_WRITE)
                return refuse(path, "the group or others can write the %s (mode %04o; chmod "
                              "go-w)", what, (unsigned)(st.st_mode & 07777));
        return 0;
}

/* The directory the database's files are made and renamed in. */
static int check_directory(const char *dir)
{
        struct stat st;

        if (stat(dir, &st) < 0)
                return 0;
        if ((st.st_mode & OTHERS_WRITE) && !(st.st_mode & S_ISVTX))
                return refuse(dir, "the group or others can write the database's directory, "
                              "which lacks the sticky bit (mode %04o)",
                              (unsigned)(st.st_mode & 07777));
        return 0;
}

int dbcheck(const char *database)
{
        char real[PATH_MAX], dir[PATH_MAX], side[PATH_MAX + 4], *slash;
        int r;

        /* The files as SQLite opens them: through symbolic links, the journals beside them. */
        if (realpath(database, real)) {
                r = check_file(real, "database");
                if (r == 0 && snprintf(side, sizeof(side), "%s-wal", real) < (int)sizeof(side))
                        r = check_file(side, "database's -wal file");
                if (r == 0 && snprintf(side, sizeof(side), "%s-shm", real) < (int)sizeof(side))
                        r = check_file(side, "database's -shm file");
                if (r < 0)
                        return r;
        } else if (errno == ENOENT && strlen(database) < sizeof(real)) {
                /* A new database: the directory it will be made in. */
                strcpy(real, database);
        } else {
                return 0;
        }
        slash = strrchr(real, '/');
        if (!slash)
                strcpy(real, ".");
        else if (slash == real)
                strcpy(real, "/");
        else
                *slash = '\0';
        if (!realpath(real, dir))
                return 0;               /* opening the database says what is missing */
        return check_directory(dir);
}
