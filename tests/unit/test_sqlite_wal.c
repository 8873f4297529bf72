/*
 * The SQLite backend's VFS writes a commit's WAL frames with one call, and nothing else
 * changes: what a connection commits through it, a connection of the default VFS reads at
 * once and whole (as another process would: the two share only the files and the WAL index),
 * however large the transaction, after a rollback of pages spilled mid-transaction, and after
 * the WAL starts over. SQLite only: PostgreSQL has no WAL file of ours.
 */
#include "check_helpers.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_sqlite_wal.h"

static char dir[64], path[96];
static sqlite3 *gathering, *plain;      /* through the VFS; through the default one */

static void exec_ok(sqlite3 *db, const char *sql)
{
        char *error = NULL;

        ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &error) == SQLITE_OK, "%s: %s", sql,
                      error ? error : "?");
}

static long long query_int(sqlite3 *db, const char *sql)
{
        sqlite3_stmt *s;
        long long v;

        ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
        v = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        return v;
}

static void assert_whole(sqlite3 *db)
{
        sqlite3_stmt *s;

        ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL),
                         SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
        ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "ok");
        sqlite3_finalize(s);
}

static void setup(void)
{
        const char *vfs = db_sqlite_vfs();

        ck_assert_ptr_nonnull(vfs);
        snprintf(dir, sizeof(dir), "%s", "/tmp/licensefs-wal.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/t.db", dir);
        ck_assert_int_eq(sqlite3_open_v2(path, &gathering, SQLITE_OPEN_READWRITE |
                                         SQLITE_OPEN_CREATE, vfs), SQLITE_OK);
        exec_ok(gathering, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL);"
                "CREATE INDEX t_by_v ON t (v);");
        ck_assert_int_eq(sqlite3_open_v2(path, &plain, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        sqlite3_busy_timeout(gathering, 5000);
        sqlite3_busy_timeout(plain, 5000);
}

static void teardown(void)
{
        char file[128];

        sqlite3_close(plain);
        sqlite3_close(gathering);
        snprintf(file, sizeof(file), "%s-wal", path);
        unlink(file);
        snprintf(file, sizeof(file), "%s-shm", path);
        unlink(file);
        unlink(path);
        rmdir(dir);
}

/* n rows of `size` random bytes each, from k = first on, through `db`. */
static void insert_rows(sqlite3 *db, int first, int n, int size)
{
        char sql[160];

        snprintf(sql, sizeof(sql), "WITH RECURSIVE i(k) AS (SELECT %d UNION ALL SELECT k + 1 "
                 "FROM i WHERE k < %d) INSERT INTO t SELECT k, randomblob(%d) FROM i",
                 first, first + n - 1, size);
        exec_ok(db, sql);
}

START_TEST(test_a_commit_of_several_pages_is_one_write)
{
        unsigned long before;

        insert_rows(gathering, 1, 200, 100);
        before = db_sqlite_wal_writes();
        /* a row in the table and in its index, in pages of their own */
        insert_rows(gathering, 100000, 1, 3000);
        ck_assert_uint_eq(db_sqlite_wal_writes() - before, 1);
        ck_assert_int_eq(query_int(plain, "SELECT count(*) FROM t"), 201);
}
END_TEST

START_TEST(test_each_commit_is_read_at_once_by_another_connection)
{
        int i;

        for (i = 1; i <= 300; i++) {
                insert_rows(gathering, i, 1, 1 + (i * 97) % 5000);
                ck_assert_int_eq(query_int(plain, "SELECT count(*) FROM t"), i);
                ck_assert_int_eq(query_int(plain, "SELECT sum(length(v)) FROM t"),
                                 query_int(gathering, "SELECT sum(length(v)) FROM t"));
        }
        /* and the other way: the gathering connection reads what the other one wrote */
        insert_rows(plain, 1000, 10, 2000);
        ck_assert_int_eq(query_int(gathering, "SELECT count(*) FROM t"), 310);
        assert_whole(plain);
}
END_TEST

START_TEST(test_large_and_rolled_back_transactions_stay_whole)
{
        /* a page cache of a few pages: the transaction spills frames before its commit */
        exec_ok(gathering, "PRAGMA cache_size = 4");
        exec_ok(gathering, "BEGIN");
        insert_rows(gathering, 1, 2000, 1000);
        exec_ok(gathering, "ROLLBACK");
        ck_assert_int_eq(query_int(plain, "SELECT count(*) FROM t"), 0);

        /* megabytes in one commit: more than the VFS gathers before it writes */
        exec_ok(gathering, "BEGIN");
        insert_rows(gathering, 1, 2000, 1000);
        exec_ok(gathering, "COMMIT");
        ck_assert_int_eq(query_int(plain, "SELECT count(*) FROM t"), 2000);
        assert_whole(plain);

        /* the WAL starts over from its first frame after a checkpoint that empties it */
        exec_ok(plain, "PRAGMA wal_checkpoint(TRUNCATE)");
        insert_rows(gathering, 5000, 50, 500);
        ck_assert_int_eq(query_int(plain, "SELECT count(*) FROM t"), 2050);
        assert_whole(plain);
        assert_whole(gathering);
}
END_TEST

static Suite *sqlite_wal_suite(void)
{
        Suite *suite = suite_create("sqlite_wal");
        TCase *tcase = tcase_create("gathered commits");

        tcase_add_checked_fixture(tcase, setup, teardown);
        tcase_set_timeout(tcase, 60);
        tcase_add_test(tcase, test_a_commit_of_several_pages_is_one_write);
        tcase_add_test(tcase, test_each_commit_is_read_at_once_by_another_connection);
        tcase_add_test(tcase, test_large_and_rolled_back_transactions_stay_whole);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(sqlite_wal_suite());
}
