/*
 * The SQLite backend: a tenant in one database file (or `:memory:`). Everything the model does
 * that is SQLite's own lives here and nowhere else: opening and configuring the file, the
 * schema DDL and the version kept in the header, statements and their parameters, the one map
 * from SQLite's result codes to -errno, the transaction bracket (BEGIN IMMEDIATE takes the
 * write lock up front), the capture of changes by temporary triggers, and PRAGMA data_version
 * for changes made by other connections.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_backend.h"
#include "db_sqlite_wal.h"
#include "internal.h"

#define APPLICATION_ID 1279869766      /* "LICF" in the database header */
#define BUSY_TIMEOUT_MS 10000

/* --- the connection and its errors ------------------------------------------------------------ */

#define MIDWAY_MAX 16

struct db_conn {
        sqlite3 *db;
        bool in_memory;
        sqlite3_stmt *brackets[DB_ROLLBACK_TO + 1];     /* prepared on first use */
        sqlite3_stmt *data_version;                     /* polled often: kept prepared */
        /*
         * The statements that gave a row since the last reset_all, which may have been left
         * midway: resetting these is cheaper than walking every prepared statement at the
         * end of each transaction. More than MIDWAY_MAX: the walk after all (midway_all).
         */
        struct sqlite_stmt *midway[MIDWAY_MAX];
        size_t midway_count;
        bool midway_all;
};

/* A statement; `base` first, so a struct sql_stmt * is one of these. */
struct sqlite_stmt {
        struct sql_stmt base;
        struct db_conn *conn;
        sqlite3_stmt *stmt;
        bool midway;                    /* in conn->midway */
        int params;
        int value_of[];                 /* parameter i + 1 takes value number value_of[i] */
};

static struct sqlite_stmt *of(struct sql_stmt *s)
{
        return (struct sqlite_stmt *)s;
}

/* Maps an SQLite result code (extended or not) to -errno; the only place that does. */
static int errno_from_sqlite(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_TOOBIG:
                return -EFBIG;
        case SQLITE_CANTOPEN:
                return -ENOENT;
        default:                        /* corrupt, not a database, I/O, constraint: a bug */
                return -EIO;
        }
}

/*
 * Records SQLite's own message as the reason (`doing` what, when given), marks the failure as
 * the database's and returns the mapped errno. Call it before anything that resets the message.
 */
static int sqlite_failure(sqlite3 *db, int rc, const char *doing)
{
        const char *message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

        if (doing)
                return db_failure(errno_from_sqlite(rc), "database error while %s: %s", doing,
                                  message);
        return db_failure(errno_from_sqlite(rc), "database error: %s", message);
}

static int exec_plain(struct db_conn *c, const char *sql, const char *doing)
{
        int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : sqlite_failure(c->db, rc, doing);
}

/* Steps a statement once for one integer; -ENOENT when it returns no row. */
static int step_int(sqlite3_stmt *stmt, int64_t *ret)
{
        int rc = sqlite3_step(stmt);

        if (rc == SQLITE_ROW)
                *ret = sqlite3_column_int64(stmt, 0);
        sqlite3_reset(stmt);
        if (rc == SQLITE_ROW)
                return 0;
        if (rc == SQLITE_DONE)
                return refuse(-ENOENT, "no row");
        return sqlite_failure(sqlite3_db_handle(stmt), rc, NULL);
}

/* The same for a statement run once (the header pragmas an open reads). */
static int query_int(struct db_conn *c, const char *sql, int64_t *ret)
{
        sqlite3_stmt *stmt = NULL;
        int rc, r;

        rc = sqlite3_prepare_v2(c->db, sql, -1, &stmt, NULL);
        if (rc != SQLITE_OK)
                return sqlite_failure(c->db, rc, "preparing a statement");
        r = step_int(stmt, ret);
        sqlite3_finalize(stmt);
        return r;
}

/* Anything that no other backend claims is a file path (or `:memory:`). */
static bool sqlite_serves(const char *target)
{
        (void)target;
        return true;
}

/* Creates the database file with mode 0600 so SQLite, which copies its mode, never widens it. */
static int create_file_private(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        if (fd < 0)
                return errno == EEXIST ? 0 : refuse(-errno, "cannot create %s: %s", path,
                                                    strerror(errno));
        close(fd);
        return 0;
}

static void sqlite_close(struct db_conn *c)
{
        size_t i;

        if (!c)
                return;
        for (i = 0; i < sizeof(c->brackets) / sizeof(c->brackets[0]); i++)
                sqlite3_finalize(c->brackets[i]);
        sqlite3_finalize(c->data_version);
        sqlite3_close(c->db);
        free(c);
}

/*
 * Before SQLite's first use in the process: no memory statistics, which nothing here reads and
 * which take a process-wide mutex on every allocation and free SQLite makes (a statement
 * several). SQLite refuses the setting once it has started; it then keeps its default.
 */
static void configure_library(void)
{
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sqlite_open(const char *target, struct db_conn **ret)
{
        static pthread_once_t library_configured = PTHREAD_ONCE_INIT;
        struct db_conn *c;
        int rc, r;

        pthread_once(&library_configured, configure_library);
        c = calloc(1, sizeof(*c));
        if (!c)
                return refuse(-ENOMEM, "out of memory");
        c->in_memory = strcmp(target, ":memory:") == 0;
        r = c->in_memory ? 0 : create_file_private(target);
        if (r < 0)
                goto fail;
        rc = sqlite3_open_v2(target, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                             db_sqlite_vfs());
        if (rc != SQLITE_OK) {
                r = sqlite_failure(c->db, rc, "opening the database");
                goto fail;
        }
        sqlite3_extended_result_codes(c->db, 1);
        sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
        r = exec_plain(c, "PRAGMA foreign_keys = ON", "configuring");
        if (r < 0)
                goto fail;
        *ret = c;
        return 0;
fail:
        sqlite_close(c);
        return r;
}

static int sqlite_configure(struct db_conn *c)
{
        int r = 0;

        /* WAL rewrites the header: model_open gets here for a licensefs or empty file only. */
        if (!c->in_memory)
                r = exec_plain(c, "PRAGMA journal_mode = WAL", "switching to WAL");
        /* NORMAL in WAL: a commit survives the daemon's crash, not the machine's power loss. */
        if (r >= 0)
                r = exec_plain(c, "PRAGMA synchronous = NORMAL", "configuring");
        /* The rule code's scratch table, in every backend's connection (temp: never on disk). */
        if (r >= 0)
                r = exec_plain(c, sqlite_scratch_sql, "configuring");
        return r;
}

/* --- statements ------------------------------------------------------------------------------- */

/*
 * The value a parameter takes. `$N` is the N-th, by name, because SQLite numbers parameters by
 * first appearance: "$2 ... $1" and "$1 ... $1" bind as written. `?` and `?NNN` are refused
 * (EIO, as for any malformed statement): one SQL text serves every backend only as `$N`.
 */
static int value_number(sqlite3_stmt *stmt, int param)
{
        const char *name = sqlite3_bind_parameter_name(stmt, param);
        char *end;
        long n;

        if (!name)                      /* `?`: numbered by position, PostgreSQL has none */
                return refuse(-EIO, "SQL parameter ? is not written $1, $2, ...");
        n = strtol(name + 1, &end, 10);
        if (name[0] != '$' || end == name + 1 || *end || n < 1 || n > INT_MAX)
                return refuse(-EIO, "SQL parameter %s is not written $1, $2, ...", name);
        return (int)n;
}

static int sqlite_prepare(struct db_conn *c, const char *sql, struct sql_stmt **ret)
{
        struct sqlite_stmt *st = NULL;
        sqlite3_stmt *stmt = NULL;
        int rc, i, params, r;

        rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
        if (rc != SQLITE_OK)
                return sqlite_failure(c->db, rc, "preparing a statement");
        params = sqlite3_bind_parameter_count(stmt);
        st = calloc(1, sizeof(*st) + (size_t)params * sizeof(st->value_of[0]));
        if (!st) {
                r = refuse(-ENOMEM, "out of memory");
                goto fail;
        }
        for (i = 0; i < params; i++) {
                r = value_number(stmt, i + 1);
                if (r < 0)
                        goto fail;
                st->value_of[i] = r;
        }
        st->base.backend = &db_sqlite;
        st->conn = c;
        st->stmt = stmt;
        st->params = params;
        *ret = &st->base;
        return 0;
fail:
        sqlite3_finalize(stmt);
        free(st);
        return r;
}

static void sqlite_finalize(struct sql_stmt *s)
{
        struct db_conn *c;
        size_t i;

        if (!s)
                return;
        c = of(s)->conn;
        for (i = 0; of(s)->midway && i < c->midway_count; i++)
                if (c->midway[i] == of(s))
                        c->midway[i] = c->midway[--c->midway_count];
        sqlite3_finalize(of(s)->stmt);
        free(of(s));
}

static int sqlite_bind(struct sql_stmt *s, const struct sql_value *values, int count)
{
        struct sqlite_stmt *st = of(s);
        int i, rc = SQLITE_OK;

        sqlite3_reset(st->stmt);
        sqlite3_clear_bindings(st->stmt);
        for (i = 0; i < st->params && rc == SQLITE_OK; i++) {
                const struct sql_value *v = &values[st->value_of[i] - 1];

                if (st->value_of[i] > count)
                        continue;       /* stays NULL */
                if (v->type == 't')
                        rc = sqlite3_bind_text(st->stmt, i + 1, v->text, -1, SQLITE_STATIC);
                else
                        rc = sqlite3_bind_int64(st->stmt, i + 1, v->i);
        }
        return rc == SQLITE_OK ? 0 : sqlite_failure(sqlite3_db_handle(st->stmt), rc,
                                                    "binding a value");
}

static int sqlite_step(struct sql_stmt *s)
{
        struct sqlite_stmt *st = of(s);
        struct db_conn *c = st->conn;
        int rc = sqlite3_step(st->stmt);
        sqlite3_stmt *stmt = st->stmt;

        if (rc == SQLITE_ROW) {
                if (!st->midway && c->midway_count < MIDWAY_MAX) {
                        st->midway = true;
                        c->midway[c->midway_count++] = st;
                } else if (!st->midway) {
                        c->midway_all = true;
                }
                return 1;
        }
        sqlite3_reset(stmt);
        if (rc == SQLITE_DONE)
                return 0;
        return sqlite_failure(sqlite3_db_handle(stmt), rc, NULL);
}

static void sqlite_reset(struct sql_stmt *s)
{
        sqlite3_reset(of(s)->stmt);
}

/* A statement left mid-result would keep the transaction's read lock. */
static void sqlite_reset_all(struct db_conn *c)
{
        sqlite3_stmt *stmt = NULL;
        size_t i;

        for (i = 0; i < c->midway_count; i++) {
                if (sqlite3_stmt_busy(c->midway[i]->stmt))
                        sqlite3_reset(c->midway[i]->stmt);
                c->midway[i]->midway = false;
        }
        c->midway_count = 0;
        while (c->midway_all && (stmt = sqlite3_next_stmt(c->db, stmt)))
                if (sqlite3_stmt_busy(stmt))
                        sqlite3_reset(stmt);
        c->midway_all = false;
}

static int64_t sqlite_column_int64(struct sql_stmt *s, int col)
{
        return sqlite3_column_int64(of(s)->stmt, col);
}

static const char *sqlite_column_string(struct sql_stmt *s, int col)
{
        return (const char *)sqlite3_column_text(of(s)->stmt, col);
}

static bool sqlite_column_is_null(struct sql_stmt *s, int col)
{
        return sqlite3_column_type(of(s)->stmt, col) == SQLITE_NULL;
}

static int64_t sqlite_changes(struct db_conn *c)
{
        return sqlite3_changes64(c->db);
}

static int64_t sqlite_changes_total(struct db_conn *c)
{
        return sqlite3_total_changes64(c->db);
}

/* --- transactions, schema, changes ------------------------------------------------------------ */

static const char *const bracket_sql[] = {
        [DB_BEGIN_READ] = "BEGIN",
        /* The write lock up front: a writer never fails half-way for another writer's lock. */
        [DB_BEGIN_WRITE] = "BEGIN IMMEDIATE",
        [DB_COMMIT] = "COMMIT",
        [DB_ROLLBACK] = "ROLLBACK",
        [DB_SAVEPOINT] = "SAVEPOINT call",
        [DB_RELEASE] = "RELEASE call",
        [DB_ROLLBACK_TO] = "ROLLBACK TO call",
};

static int sqlite_bracket(struct db_conn *c, enum db_bracket what)
{
        sqlite3_stmt **stmt = &c->brackets[what];
        int rc;

        /* Prepared once: parsing BEGIN and COMMIT each time showed in profiles. */
        if (!*stmt) {
                rc = sqlite3_prepare_v3(c->db, bracket_sql[what], -1, SQLITE_PREPARE_PERSISTENT,
                                        stmt, NULL);
                if (rc != SQLITE_OK)
                        return sqlite_failure(c->db, rc, "preparing a statement");
        }
        rc = sqlite3_step(*stmt);
        sqlite3_reset(*stmt);
        return rc == SQLITE_DONE ? 0 : sqlite_failure(c->db, rc, NULL);
}

/* The version from the header pragmas alone, so a foreign file is left untouched. */
static int sqlite_schema_version(struct db_conn *c)
{
        int64_t app_id = 0, version = 0, objects = 0;
        int r;

        r = query_int(c, "PRAGMA application_id", &app_id);
        if (r >= 0)
                r = query_int(c, "PRAGMA user_version", &version);
        if (r >= 0)
                r = query_int(c, "SELECT count(*) FROM sqlite_schema", &objects);
        if (r < 0)
                return r;
        if (app_id == APPLICATION_ID && version >= 1)
                return (int)version;    /* user_version is a 32-bit field */
        if (app_id != 0 || objects != 0)
                return refuse(-EIO, "not a licensefs database");
        return 0;
}

static int sqlite_schema_version_set(struct db_conn *c, int version)
{
        int64_t was = 0, cookie = 0;
        char pragmas[256];
        int r;

        /*
         * A migration that edited a table's definition in place (writable_schema) must raise
         * the schema cookie, so that every connection, this one too, reads the schema again.
         */
        r = query_int(c, "PRAGMA user_version", &was);
        if (r >= 0)
                r = query_int(c, "PRAGMA schema_version", &cookie);
        if (r < 0)
                return r;
        if (was < version)
                snprintf(pragmas, sizeof(pragmas), "PRAGMA application_id = %d; "
                         "PRAGMA user_version = %d; PRAGMA writable_schema = ON; "
                         "PRAGMA schema_version = %lld; PRAGMA writable_schema = OFF;",
                         APPLICATION_ID, version, (long long)cookie + 1);
        else
                snprintf(pragmas, sizeof(pragmas), "PRAGMA application_id = %d; "
                         "PRAGMA user_version = %d;", APPLICATION_ID, version);
        return exec_plain(c, pragmas, "upgrading the schema");
}

static int sqlite_capture_start(struct db_conn *c)
{
        int rc = sqlite3_exec(c->db, sqlite_capture_sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : db_failure(errno_from_sqlite(rc), "watching changes: %s",
                                                sqlite3_errmsg(c->db));
}

static int sqlite_data_version(struct db_conn *c, int64_t *ret)
{
        int rc;

        if (!c->data_version) {
                rc = sqlite3_prepare_v3(c->db, "PRAGMA data_version", -1,
                                        SQLITE_PREPARE_PERSISTENT, &c->data_version, NULL);
                if (rc != SQLITE_OK)
                        return sqlite_failure(c->db, rc, "preparing a statement");
        }
        return step_int(c->data_version, ret);
}

const struct db_backend db_sqlite = {
        .name = "sqlite",
        .serves = sqlite_serves,
        .open = sqlite_open,
        .configure = sqlite_configure,
        .close = sqlite_close,
        .prepare = sqlite_prepare,
        .finalize = sqlite_finalize,
        .bind = sqlite_bind,
        .step = sqlite_step,
        .reset = sqlite_reset,
        .reset_all = sqlite_reset_all,
        .column_int64 = sqlite_column_int64,
        .column_string = sqlite_column_string,
        .column_is_null = sqlite_column_is_null,
        .changes = sqlite_changes,
        .changes_total = sqlite_changes_total,
        .bracket = sqlite_bracket,
        .schema_version = sqlite_schema_version,
        .schema_version_set = sqlite_schema_version_set,
        .migrations = sqlite_migrations,
        .exec_script = exec_plain,
        .capture_start = sqlite_capture_start,
        .capture_read = "SELECT kind, a, b FROM temp.changes",
        .capture_clear = "DELETE FROM temp.changes",
        .data_version = sqlite_data_version,
};
