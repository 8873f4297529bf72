/*
 * The model's plumbing over SQLite: opening (and creating) the database, the schema, the one
 * SQLite-to-errno mapping, the transaction bracket, the statement cache and the per-thread
 * refusal reason. Domain rules live in the other files of model/.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define APPLICATION_ID 1279869766      /* "LICF" in the database header */
#define BUSY_TIMEOUT_MS 10000

/*
 * The seats table holds one row per (product, user) the user has a claim to, through a direct
 * path or a licensed group: `active` says whether it holds a seat or waits, `queue` orders the
 * waiters. products.assigned and products.waiting count those rows so nothing counts them.
 */
static const char schema_v1[] =
        "CREATE TABLE tenant ("
        "  id INTEGER PRIMARY KEY CHECK (id = 1),"
        "  name TEXT NOT NULL,"
        "  usage_location TEXT NOT NULL,"
        "  next_queue INTEGER NOT NULL DEFAULT 1);"
        "INSERT INTO tenant (id, name, usage_location) VALUES (1, 'Default Directory', 'US');"
        "CREATE TABLE products ("
        "  id INTEGER PRIMARY KEY,"
        "  sku TEXT NOT NULL UNIQUE,"
        "  name TEXT NOT NULL,"
        "  sku_id TEXT NOT NULL DEFAULT '',"
        "  total INTEGER NOT NULL DEFAULT 0,"
        "  expiring_soon INTEGER NOT NULL DEFAULT 0,"
        "  assigned INTEGER NOT NULL DEFAULT 0,"
        "  waiting INTEGER NOT NULL DEFAULT 0,"
        "  created INTEGER NOT NULL,"
        "  CHECK (0 <= assigned AND assigned <= total),"
        "  CHECK (0 <= expiring_soon AND expiring_soon <= total),"
        "  CHECK (waiting = 0 OR assigned = total));"
        "CREATE TABLE users ("
        "  id INTEGER PRIMARY KEY,"
        "  upn TEXT NOT NULL UNIQUE,"
        "  display_name TEXT NOT NULL,"
        "  usage_location TEXT NOT NULL DEFAULT '',"
        "  created INTEGER NOT NULL);"
        "CREATE TABLE security_groups ("
        "  id INTEGER PRIMARY KEY,"
        "  name TEXT NOT NULL UNIQUE,"
        "  created INTEGER NOT NULL);"
        "CREATE TABLE members ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT," /* join order: ids are never reused */
        "  group_id INTEGER NOT NULL REFERENCES security_groups(id),"
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  since INTEGER NOT NULL,"
        "  UNIQUE (group_id, user_id));"
        "CREATE INDEX members_by_user ON members (user_id, group_id);"
        "CREATE TABLE group_licenses ("
        "  group_id INTEGER NOT NULL REFERENCES security_groups(id),"
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  since INTEGER NOT NULL,"
        "  PRIMARY KEY (group_id, product_id)) WITHOUT ROWID;"
        "CREATE INDEX group_licenses_by_product ON group_licenses (product_id, group_id);"
        "CREATE TABLE seats ("
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  active INTEGER NOT NULL,"
        "  direct INTEGER NOT NULL,"
        "  since INTEGER NOT NULL,"
        "  queue INTEGER NOT NULL,"
        "  PRIMARY KEY (product_id, user_id)) WITHOUT ROWID;"
        "CREATE INDEX seats_by_user ON seats (user_id, product_id);"
        "CREATE INDEX seats_queue ON seats (product_id, active, queue);";

/*
 * Version 2: deleted users, service plans and assignment options, the audit log.
 * A deleted user keeps its users row (users.deleted is the deletion time) and its seats rows,
 * suspended (active = 2, counted nowhere); its memberships move to inactive_members, and the
 * groups through which it held each product are kept in suspended_paths as they were.
 */
static const char schema_v2[] =
        "ALTER TABLE users ADD COLUMN deleted INTEGER;"
        "CREATE INDEX users_deleted ON users (deleted) WHERE deleted IS NOT NULL;"
        "CREATE TABLE inactive_members ("
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  group_id INTEGER NOT NULL REFERENCES security_groups(id),"
        "  since INTEGER NOT NULL,"
        "  PRIMARY KEY (user_id, group_id)) WITHOUT ROWID;"
        "CREATE INDEX inactive_members_by_group ON inactive_members (group_id);"
        "CREATE TABLE suspended_paths ("
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  group_name TEXT NOT NULL,"
        "  PRIMARY KEY (user_id, product_id, group_name)) WITHOUT ROWID;"
        "CREATE TABLE plans ("
        "  id INTEGER PRIMARY KEY,"
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  name TEXT NOT NULL,"
        "  UNIQUE (product_id, name));"
        "CREATE TABLE direct_disabled_plans ("
        "  product_id INTEGER NOT NULL,"
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,"
        "  PRIMARY KEY (product_id, user_id, plan_id)) WITHOUT ROWID;"
        "CREATE TABLE group_disabled_plans ("
        "  product_id INTEGER NOT NULL,"
        "  group_id INTEGER NOT NULL REFERENCES security_groups(id),"
        "  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,"
        "  PRIMARY KEY (product_id, group_id, plan_id)) WITHOUT ROWID;"
        "CREATE TABLE audit ("
        "  id INTEGER PRIMARY KEY,"     /* the line's number: oldest first */
        "  time INTEGER NOT NULL,"
        "  uid INTEGER,"                /* NULL: licensefs itself */
        "  op TEXT NOT NULL,"
        "  object TEXT NOT NULL,"
        "  result TEXT NOT NULL,"
        "  reason TEXT NOT NULL DEFAULT '',"
        "  start INTEGER NOT NULL,"     /* byte offset of the line in the whole log */
        "  len INTEGER NOT NULL);"      /* its length in bytes, newline included */
        "CREATE INDEX audit_by_start ON audit (start);";

/*
 * Version 3: the ids real data carries. A part number seen with several skuIds keeps them all
 * (sku_aliases; products.sku_id is the first seen, which export uses); plans get their GUID and
 * friendly name; users, groups and the tenant keep their directory object ids.
 */
static const char schema_v3[] =
        "CREATE TABLE sku_aliases ("
        "  sku_id TEXT PRIMARY KEY,"    /* lower-case GUID */
        "  product_id INTEGER NOT NULL REFERENCES products(id),"
        "  seen INTEGER NOT NULL);"     /* order first seen */
        "CREATE INDEX sku_aliases_by_product ON sku_aliases (product_id, seen);"
        "ALTER TABLE plans ADD COLUMN guid TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE plans ADD COLUMN friendly_name TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE users ADD COLUMN object_id TEXT;"
        "CREATE UNIQUE INDEX users_by_object_id ON users (object_id) WHERE object_id IS NOT NULL;"
        "ALTER TABLE security_groups ADD COLUMN object_id TEXT;"
        "CREATE UNIQUE INDEX groups_by_object_id ON security_groups (object_id) "
        "WHERE object_id IS NOT NULL;"
        "ALTER TABLE tenant ADD COLUMN object_id TEXT;";

/* migrations[v] brings a version-v database to version v + 1. */
static const char *const migrations[] = { schema_v1, schema_v2, schema_v3 };
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

static __thread char thread_reason[512];
/* Set by the one SQLite-to-errno map, so callers need not guess from the errno. */
static __thread bool thread_failed_in_database;

const char *model_reason(void)
{
        return thread_reason;
}

bool model_failed_in_database(void)
{
        return thread_failed_in_database;
}

void reason_clear(void)
{
        thread_reason[0] = '\0';
        thread_failed_in_database = false;
}

int refuse(int err, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(thread_reason, sizeof(thread_reason), fmt, ap);
        va_end(ap);
        return err;
}

int errno_from_sqlite(int rc)
{
        if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
                thread_failed_in_database = true;
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

/* Records SQLite's own message as the reason and returns the mapped errno. */
static int sqlite_failure(struct model *m, int rc, const char *doing)
{
        return refuse(errno_from_sqlite(rc), "database error while %s: %s", doing,
                      m->db ? sqlite3_errmsg(m->db) : sqlite3_errstr(rc));
}

time_t model_now(struct model *m)
{
        return m->fixed_now ? m->fixed_now : time(NULL);
}

static bool in_own_batch(struct model *m)
{
        return m->batch_depth > 0 && pthread_equal(m->batch_owner, pthread_self());
}

void model_set_clock(struct model *m, time_t now)
{
        /* Inside its own batch or session the thread holds the lock already. */
        if (in_own_batch(m)) {
                m->fixed_now = now;
                return;
        }
        pthread_mutex_lock(&m->lock);
        m->fixed_now = now;
        pthread_mutex_unlock(&m->lock);
}

/* --- statements ------------------------------------------------------------------------------ */

static int stmt_lookup(struct model *m, const char *sql, sqlite3_stmt **ret)
{
        size_t i, start = ((uintptr_t)sql >> 4) % STMT_CACHE_SIZE;
        int rc;

        for (i = 0; i < STMT_CACHE_SIZE; i++) {
                struct stmt_slot *slot = &m->stmts[(start + i) % STMT_CACHE_SIZE];

                if (slot->sql == sql) {
                        *ret = slot->stmt;
                        return 0;
                }
                if (!slot->sql) {
                        rc = sqlite3_prepare_v3(m->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                                &slot->stmt, NULL);
                        if (rc != SQLITE_OK)
                                return sqlite_failure(m, rc, "preparing a statement");
                        slot->sql = sql;
                        *ret = slot->stmt;
                        return 0;
                }
        }
        return refuse(-EIO, "statement cache full");   /* a build-time bug: raise the size */
}

static int bind_all(struct model *m, sqlite3_stmt *s, const char *types, va_list ap)
{
        int i, rc = SQLITE_OK, wanted = sqlite3_bind_parameter_count(s);

        for (i = 0; types[i] && i < wanted && rc == SQLITE_OK; i++) {
                if (types[i] == 't')
                        rc = sqlite3_bind_text(s, i + 1, va_arg(ap, const char *), -1,
                                               SQLITE_STATIC);
                else
                        rc = sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
        }
        return rc == SQLITE_OK ? 0 : sqlite_failure(m, rc, "binding a value");
}

static int prepare_va(struct model *m, sqlite3_stmt **ret, const char *sql, const char *types,
                      va_list ap)
{
        sqlite3_stmt *s = NULL;
        int r;

        r = stmt_lookup(m, sql, &s);
        if (r < 0)
                return r;
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        r = bind_all(m, s, types, ap);
        if (r < 0)
                return r;
        *ret = s;
        return 0;
}

int sql_prepare(struct model *m, sqlite3_stmt **ret, const char *sql, const char *types, ...)
{
        va_list ap;
        int r;

        va_start(ap, types);
        r = prepare_va(m, ret, sql, types, ap);
        va_end(ap);
        return r;
}

int sql_step(sqlite3_stmt *s)
{
        int rc = sqlite3_step(s);

        if (rc == SQLITE_ROW)
                return 1;
        sqlite3_reset(s);
        if (rc == SQLITE_DONE)
                return 0;
        return refuse(errno_from_sqlite(rc), "database error: %s",
                      sqlite3_errmsg(sqlite3_db_handle(s)));
}

int sql_exec(struct model *m, const char *sql, const char *types, ...)
{
        sqlite3_stmt *s;
        va_list ap;
        int r;

        va_start(ap, types);
        r = prepare_va(m, &s, sql, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        while ((r = sql_step(s)) > 0)
                ;
        return r < 0 ? r : sqlite3_changes(m->db);
}

int sql_int(struct model *m, int64_t *ret, const char *sql, const char *types, ...)
{
        sqlite3_stmt *s;
        va_list ap;
        int r;

        va_start(ap, types);
        r = prepare_va(m, &s, sql, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        r = sql_step(s);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        *ret = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        return 0;
}

int sql_text(struct model *m, char *buf, size_t size, const char *sql, const char *types, ...)
{
        sqlite3_stmt *s = NULL;
        va_list ap;
        int r;

        va_start(ap, types);
        r = prepare_va(m, &s, sql, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        r = sql_step(s);
        if (r <= 0)
                return r < 0 ? r : -ENOENT;
        column_text(s, 0, buf, size);
        sqlite3_reset(s);
        return 0;
}

int collect_ids(struct model *m, int64_t **ret, size_t *ret_count, const char *sql,
                const char *types, ...)
{
        size_t count = 0, size = 16;
        int64_t *ids, *grown;
        sqlite3_stmt *s;
        va_list ap;
        int r;

        ids = malloc(size * sizeof(*ids));
        if (!ids)
                return refuse(-ENOMEM, "out of memory");
        va_start(ap, types);
        r = prepare_va(m, &s, sql, types, ap);
        va_end(ap);
        while (r >= 0 && (r = sql_step(s)) > 0) {
                if (count == size) {
                        grown = realloc(ids, 2 * size * sizeof(*ids));
                        if (!grown) {
                                sqlite3_reset(s);
                                r = refuse(-ENOMEM, "out of memory");
                                break;
                        }
                        ids = grown;
                        size *= 2;
                }
                ids[count++] = sqlite3_column_int64(s, 0);
        }
        if (r < 0) {
                free(ids);
                return r;
        }
        *ret = ids;
        *ret_count = count;
        return 0;
}

void column_text(sqlite3_stmt *s, int col, char *buf, size_t size)
{
        const unsigned char *text = sqlite3_column_text(s, col);

        snprintf(buf, size, "%s", text ? (const char *)text : "");
}

/* --- lookups by name --------------------------------------------------------------------------- */

/* A name that breaks the rules is EINVAL (it can never exist), an unknown one ENOENT. */
static int64_t lookup_id(struct model *m, const char *sql, const char *name, const char *what,
                         int (*valid)(const char *name, const char *what))
{
        int64_t id;
        int r;

        r = valid(name, what);
        if (r < 0)
                return r;
        r = sql_int(m, &id, sql, "t", name);
        if (r == -ENOENT)
                return refuse(-ENOENT, "no %s named '%s'", what, name);
        return r < 0 ? r : id;
}

int64_t product_id(struct model *m, const char *sku)
{
        return lookup_id(m, "SELECT id FROM products WHERE sku = ?", sku, "product", check_name);
}

int64_t user_id(struct model *m, const char *upn)
{
        return lookup_id(m, "SELECT id FROM users WHERE upn = ? AND deleted IS NULL", upn, "user",
                         check_upn_named);
}

int64_t deleted_user_id(struct model *m, const char *upn)
{
        return lookup_id(m, "SELECT id FROM users WHERE upn = ? AND deleted IS NOT NULL", upn,
                         "deleted user", check_upn_named);
}

int64_t group_id(struct model *m, const char *name)
{
        return lookup_id(m, "SELECT id FROM security_groups WHERE name = ?", name, "group",
                         check_name);
}

/* --- transactions ------------------------------------------------------------------------------ */

static int exec_plain(struct model *m, const char *sql, const char *doing)
{
        int rc = sqlite3_exec(m->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : sqlite_failure(m, rc, doing);
}

int tx_begin(struct model *m, bool write)
{
        int r;

        /* Inside its own batch a call is a savepoint: all or nothing, and the batch decides. */
        if (in_own_batch(m) && !m->batch_write) {
                reason_clear();
                if (write)
                        return refuse(-EBUSY, "a change inside a read session");
                m->batch_depth++;       /* reads nest in the session's one read transaction */
                return 0;
        }
        if (in_own_batch(m)) {
                reason_clear();
                r = sql_exec(m, "SAVEPOINT call", "");
                if (r >= 0)
                        m->batch_depth++;
                return r;
        }
        pthread_mutex_lock(&m->lock);
        reason_clear();
        /* Cached statements: parsing BEGIN and COMMIT each time showed in profiles. */
        r = sql_exec(m, write ? "BEGIN IMMEDIATE" : "BEGIN", "");
        if (r < 0)
                pthread_mutex_unlock(&m->lock);
        else
                audit_tx_begin(m, write);
        return r;
}

int tx_end(struct model *m, int r)
{
        struct model_change *taken;
        sqlite3_stmt *s = NULL;
        size_t taken_count;
        bool deliver;
        int end = 0;

        if (in_own_batch(m) && m->batch_depth > 1 && !m->batch_write) {
                m->batch_depth--;
                return r;
        }
        if (in_own_batch(m) && m->batch_depth > 1) {
                m->batch_depth--;
                if (r < 0)
                        sql_exec(m, "ROLLBACK TO call", "");
                end = sql_exec(m, "RELEASE call", "");
                return r < 0 ? r : end < 0 ? end : r;
        }

        /* The actor's line of a change goes in before COMMIT, so the two commit together. */
        if (r >= 0)
                end = audit_tx_success(m);
        if (end >= 0 && r >= 0 && m->tx_write)
                end = changes_take(m);
        if (end < 0)
                r = end;
        /* A statement left mid-result would keep the transaction's read lock: reset them all. */
        while ((s = sqlite3_next_stmt(m->db, s)))
                if (sqlite3_stmt_busy(s))
                        sqlite3_reset(s);
        if (r >= 0) {
                end = sql_exec(m, "COMMIT", "");
                if (end < 0) {
                        sql_exec(m, "ROLLBACK", "");
                        r = end;
                }
        } else {
                sql_exec(m, "ROLLBACK", "");
        }
        deliver = r >= 0 && m->tx_write && m->watch_fn;
        taken = m->taken;
        taken_count = m->taken_count;
        m->taken = NULL;
        m->taken_count = 0;
        audit_tx_end(m, r);
        pthread_mutex_unlock(&m->lock);
        /* Unlocked: the watcher may read the model to see what still exists. */
        if (deliver)
                m->watch_fn(m->watch_ctx, taken, taken_count);
        changes_free(taken, taken_count);
        return r;
}

static int session_begin(struct model *m, bool write)
{
        int r;

        /* One at a time: a nested one would end the outer one's transaction with its own. */
        if (in_own_batch(m))
                return refuse(-EBUSY, "a batch or read session of this thread is open already");
        r = tx_begin(m, write);

        if (r < 0)
                return r;
        m->batch_owner = pthread_self();
        m->batch_depth = 1;
        m->batch_write = write;
        return 0;
}

int model_batch_begin(struct model *m)
{
        return session_begin(m, true);
}

int model_read_begin(struct model *m)
{
        /* Inside the thread's own read session: a level more of the same snapshot. */
        if (in_own_batch(m) && !m->batch_write) {
                m->batch_depth++;
                return 0;
        }
        return session_begin(m, false);
}

int model_read_end(struct model *m)
{
        if (!in_own_batch(m) || m->batch_write)
                return refuse(-EINVAL, "no read session of this thread is open");
        if (m->batch_depth > 1) {
                m->batch_depth--;
                return 0;
        }
        m->batch_depth = 0;
        return tx_end(m, 0);
}

int model_batch_end(struct model *m, bool commit)
{
        int r;

        if (!in_own_batch(m))
                return refuse(-EINVAL, "no batch of this thread is open");
        m->batch_depth = 0;
        r = tx_end(m, commit ? 0 : -ECANCELED);
        return commit ? r : 0;
}

/* --- opening ---------------------------------------------------------------------------------- */

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

/*
 * Tells the schema version of a licensefs database, 0 for an empty file that can become one,
 * and -EIO for anything else, reading nothing but the header pragmas, so a foreign file is left
 * untouched.
 */
static int check_schema(struct model *m)
{
        int64_t app_id, version, objects;
        int r;

        r = sql_int(m, &app_id, "PRAGMA application_id", "");
        if (r >= 0)
                r = sql_int(m, &version, "PRAGMA user_version", "");
        if (r >= 0)
                r = sql_int(m, &objects, "SELECT count(*) FROM sqlite_schema", "");
        if (r < 0)
                return r;
        if (app_id == APPLICATION_ID && version > SCHEMA_VERSION)
                return refuse(-EIO, "database schema version %lld is newer than this licensefs "
                              "(%d)", (long long)version, SCHEMA_VERSION);
        if (app_id == APPLICATION_ID && version >= 1)
                return (int)version;
        if (app_id != 0 || objects != 0)
                return refuse(-EIO, "not a licensefs database");
        return 0;
}

/* Brings the schema to SCHEMA_VERSION, inside the caller's write transaction. */
static int upgrade_schema(struct model *m)
{
        char pragmas[96];
        int version, r;

        /* Another process may have upgraded it since configure() looked. */
        version = r = check_schema(m);
        for (; r >= 0 && version < SCHEMA_VERSION; version++)
                r = exec_plain(m, migrations[version], "upgrading the schema");
        if (r < 0)
                return r;
        snprintf(pragmas, sizeof(pragmas), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
                 APPLICATION_ID, SCHEMA_VERSION);
        return exec_plain(m, pragmas, "upgrading the schema");
}

static int configure(struct model *m, bool in_memory)
{
        int r;

        sqlite3_extended_result_codes(m->db, 1);
        sqlite3_busy_timeout(m->db, BUSY_TIMEOUT_MS);
        r = exec_plain(m, "PRAGMA foreign_keys = ON", "configuring");
        if (r >= 0)
                r = check_schema(m);
        /* Only a licensefs database (or an empty file) is switched to WAL: it rewrites the header. */
        if (r >= 0 && !in_memory)
                r = exec_plain(m, "PRAGMA journal_mode = WAL", "switching to WAL");
        /* NORMAL in WAL: a commit survives the daemon's crash, not the machine's power loss. */
        if (r >= 0)
                r = exec_plain(m, "PRAGMA synchronous = NORMAL", "configuring");
        return r;
}

int model_open(const char *path, struct model **ret)
{
        bool in_memory = strcmp(path, ":memory:") == 0;
        struct model *m;
        int rc, r;

        reason_clear();
        m = calloc(1, sizeof(*m));
        if (!m)
                return refuse(-ENOMEM, "out of memory");
        pthread_mutex_init(&m->lock, NULL);
        m->audit_limit = MODEL_AUDIT_LINES_DEFAULT;

        r = in_memory ? 0 : create_file_private(path);
        if (r < 0)
                goto fail;
        rc = sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK) {
                r = sqlite_failure(m, rc, "opening the database");
                goto fail;
        }
        r = configure(m, in_memory);
        if (r < 0)
                goto fail;
        r = tx_begin(m, true);
        if (r < 0)
                goto fail;
        r = tx_end(m, upgrade_schema(m));
        if (r < 0)
                goto fail;
        *ret = m;
        return 0;
fail:
        model_close(m);
        return r;
}

struct model *model_close(struct model *m)
{
        size_t i;

        if (!m)
                return NULL;
        for (i = 0; i < STMT_CACHE_SIZE; i++)
                sqlite3_finalize(m->stmts[i].stmt);
        changes_free(m->taken, m->taken_count);
        sqlite3_close(m->db);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return NULL;
}
