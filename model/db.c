/*
 * Opening and closing the model: the backend that serves the DATABASE argument, the schema
 * brought to this version's, and the calling thread's reason for its last failure. Statements
 * run in db_stmt.c, transactions in db_tx.c, and what is the engine's own in its backend file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_backend.h"
#include "internal.h"

/* The first that serves a target wins; SQLite serves anything, so it comes last. */
static const struct db_backend *const backends[] = { &db_postgres, &db_sqlite };

static __thread char thread_reason[512];
/* Set with every database failure, so callers need not guess from the errno. */
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

static int reason_set(int err, const char *fmt, va_list ap)
{
        vsnprintf(thread_reason, sizeof(thread_reason), fmt, ap);
        return err;
}

int refuse(int err, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        reason_set(err, fmt, ap);
        va_end(ap);
        return err;
}

int db_failure(int err, const char *fmt, ...)
{
        va_list ap;

        thread_failed_in_database = true;
        va_start(ap, fmt);
        reason_set(err, fmt, ap);
        va_end(ap);
        return err;
}

/* The schema version of the database; -EIO for a foreign one or one newer than this program. */
static int schema_check(struct model *m)
{
        int version = m->backend->schema_version(m->conn);

        if (version > SCHEMA_VERSION)
                return refuse(-EIO, "database schema version %d is newer than this licensefs "
                              "(%d)", version, SCHEMA_VERSION);
        return version;
}

/* Brings the schema to SCHEMA_VERSION, inside the caller's write transaction. */
static int schema_upgrade(struct model *m)
{
        int version, r;

        /* Another process may have upgraded it since model_open looked. */
        version = r = schema_check(m);
        for (; r >= 0 && version < SCHEMA_VERSION; version++)
                r = m->backend->exec_script(m->conn, m->backend->migrations[version],
                                            "upgrading the schema");
        return r < 0 ? r : m->backend->schema_version_set(m->conn, SCHEMA_VERSION);
}

static int open_model(const char *path, bool existing, struct model **ret)
{
        struct model *m;
        size_t i;
        int r;

        reason_clear();
        m = calloc(1, sizeof(*m));
        if (!m)
                return refuse(-ENOMEM, "out of memory");
        pthread_mutex_init(&m->lock, NULL);
        m->audit_limit = MODEL_AUDIT_LINES_DEFAULT;
        for (i = 0; i + 1 < sizeof(backends) / sizeof(backends[0]); i++)
                if (backends[i]->serves(path))
                        break;
        m->backend = backends[i];
        m->target = strdup(path);
        if (!m->target) {
                model_close(m);
                return refuse(-ENOMEM, "out of memory");
        }

        r = m->backend->open(path, &m->conn);
        if (r >= 0)
                r = schema_check(m);
        if (r >= 0 && existing && m->backend->missing && m->backend->missing(m->conn))
                r = refuse(-ENOENT, "no such tenant");
        /* Only a licensefs database (or an empty one) is set up for use: that may write to it. */
        if (r >= 0)
                r = m->backend->configure(m->conn);
        if (r >= 0)
                r = tx_begin(m, true);
        if (r >= 0)
                r = tx_end(m, schema_upgrade(m));
        if (r < 0) {
                model_close(m);
                return r;
        }
        *ret = m;
        return 0;
}

int model_open(const char *path, struct model **ret)
{
        return open_model(path, false, ret);
}

int model_open_existing(const char *path, struct model **ret)
{
        return open_model(path, true, ret);
}

struct model *model_close(struct model *m)
{
        size_t i;

        if (!m)
                return NULL;
        for (i = 0; i < STMT_CACHE_SIZE; i++)
                if (m->stmts[i].stmt)
                        m->backend->finalize(m->stmts[i].stmt);
        changes_free(m->taken, m->taken_count);
        free(m->unsettled);
        audit_owed_free(m);
        if (m->watch)
                m->backend->watch_close(m->watch);
        free(m->target);
        if (m->conn)
                m->backend->close(m->conn);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return NULL;
}
