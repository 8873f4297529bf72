/*
 * The PostgreSQL backend: a tenant in one schema of a PostgreSQL database, named by a libpq
 * connection URI (`postgresql://...`, passed to libpq as it is; the URI's own
 * `options=-csearch_path%3DNAME` picks the schema). Everything the model does that is libpq's
 * lives here and nowhere else: the connection and its defaults, reconnecting after a lost
 * connection, statements prepared once per connection and run with their values as text, the
 * pipeline that sends what nobody waits for (BEGIN, the lock, writes) with the next query that
 * must wait, the one map from SQLSTATE to -errno, the transaction brackets (a write transaction
 * locks the tenant's lock row first, the equivalent of SQLite's BEGIN IMMEDIATE), the schema
 * version kept in a table, the change capture by persistent triggers, and the watch on other
 * connections' commits by LISTEN/NOTIFY. Its SQL text is in db_postgres_schema.c.
 */
#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_backend.h"
#include "internal.h"

#define TEXTOID 25                      /* pg_type.h: the type of a parameter no SQL uses */
#define SENT_MAX 64                     /* queries in one pipeline before it waits for them */

__thread int64_t postgres_round_trips;

/* --- the connection and its errors ------------------------------------------------------------ */

struct db_conn {
        PGconn *pg;
        /* Bumped by every (re)connect: a statement prepared in an older one is prepared again. */
        uint64_t generation;
        unsigned next_name;             /* statement names: s1, s2, ... */
        bool broken;                    /* reset before the next transaction */
        bool schema_ready;              /* the lock row exists (licensefs_schema) */
        bool schema_missing;            /* the search path's schema is still to be made */
        bool write;                     /* the open transaction is a write transaction */
        int64_t changes, changes_total;
        int backend_pid;                /* read by the watch's thread: atomic */
        /*
         * The pipeline (libpq's pipeline mode): queries sent whose results are not read yet,
         * in order. `synced`: its sync is sent too and nobody waits (a read's COMMIT); the
         * next use of the connection reads what it answered first.
         */
        bool pipeline, synced;
        int sent_count;
        int writes_sent;                /* writes sent whose changed rows are not counted yet */
        int deferred_err;               /* a write's failure no caller could be told of yet */
        int64_t changes_at_begin;       /* changes_total when the transaction began */
        struct sent {
                struct pg_stmt *st;     /* the statement prepared or run; NULL: SQL text */
                const char *doing;      /* what a failure's reason says was being done */
                bool prepare;
                bool keep;              /* its result is the caller's */
        } sent[SENT_MAX];
};

/* A statement; `base` first, so a struct sql_stmt * is one of these. */
struct pg_stmt {
        struct sql_stmt base;
        struct db_conn *conn;
        const char *sql;                /* the model's literal: lives as long as the model */
        char name[16];
        uint64_t generation;            /* 0: not prepared on this connection */
        int params;                     /* the largest $N */
        const char **values;            /* params of them, NULL for NULL */
        char (*numbers)[24];            /* the text of integer values */
        PGresult *result;               /* NULL until the first step runs it */
        int row, rows;
        bool pending;                   /* sent, its result to come with the next sync */
};

static struct pg_stmt *of(struct sql_stmt *s)
{
        return (struct pg_stmt *)s;
}

static bool sqlstate_is(const char *state, const char *prefix)
{
        return state && strncmp(state, prefix, strlen(prefix)) == 0;
}

/* Whether an error means the server connection is gone or going: reconnect before the next. */
static bool sqlstate_lost(const char *state)
{
        return sqlstate_is(state, "08") || sqlstate_is(state, "57P01") ||
               sqlstate_is(state, "57P02") || sqlstate_is(state, "57P03");
}

/* Maps a SQLSTATE to -errno; the only place that does. Never the message: it is translated. */
static int errno_from_sqlstate(const char *state)
{
        static const struct {
                const char *state;
                int err;
        } map[] = {
                { "40001", -EBUSY },    /* serialization_failure */
                { "40P01", -EBUSY },    /* deadlock_detected */
                { "55P03", -EBUSY },    /* lock_not_available: lock_timeout */
                { "53100", -ENOSPC },   /* disk_full */
                { "53200", -ENOMEM },   /* out_of_memory */
                { "42501", -EACCES },   /* insufficient_privilege */
                { "25006", -EROFS },    /* read_only_sql_transaction */
        };
        size_t i;

        for (i = 0; state && i < sizeof(map) / sizeof(map[0]); i++)
                if (strcmp(state, map[i].state) == 0)
                        return map[i].err;
        return -EIO;                    /* constraints (23xxx), lost connections, bugs */
}

/*
 * Records the failure of a result (NULL: none came) as the database's and returns its errno.
 * A lost connection marks the connection for a reset before the next transaction.
 */
static int pg_failure(struct db_conn *c, const PGresult *res, const char *doing)
{
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        const char *message = res ? PQresultErrorMessage(res) : "";
        int err = errno_from_sqlstate(state);
        size_t len;

        if (!message || !*message)
                message = PQerrorMessage(c->pg);
        len = strcspn(message, "\n");
        if (sqlstate_lost(state) || PQstatus(c->pg) == CONNECTION_BAD) {
                c->broken = true;
                err = -EIO;
        }
        return db_failure(err, "database error while %s: %.*s%s%s%s", doing, (int)len, message,
                          state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "");
}

static bool result_ok(const PGresult *res)
{
        ExecStatusType status = PQresultStatus(res);

        return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

static int pipeline_end(struct db_conn *c, bool report);

/*
 * Runs SQL text (one or several statements, no parameters), after what the pipeline holds;
 * every result checked.
 */
static int exec_plain(struct db_conn *c, const char *sql, const char *doing)
{
        PGresult *res;
        int r;

        r = pipeline_end(c, true);
        if (r < 0)
                return r;
        postgres_round_trips++;
        if (!PQsendQuery(c->pg, sql))
                return pg_failure(c, NULL, doing);
        while ((res = PQgetResult(c->pg))) {
                if (r >= 0 && !result_ok(res))
                        r = pg_failure(c, res, doing);
                PQclear(res);
        }
        return r;
}

/* Runs a query without parameters for one integer: 0 and *ret, -ENOENT when no row. */
static int query_int(struct db_conn *c, const char *sql, int64_t *ret)
{
        PGresult *res;
        int r;

        r = pipeline_end(c, true);
        if (r < 0)
                return r;
        postgres_round_trips++;
        res = PQexec(c->pg, sql);
        if (!result_ok(res))
                r = pg_failure(c, res, "reading the schema");
        else if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0))
                r = -ENOENT;
        else
                *ret = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
        return r;
}

static bool postgres_serves(const char *target)
{
        return strncmp(target, "postgresql://", 13) == 0 ||
               strncmp(target, "postgres://", 11) == 0;
}

/* libpq prints notices to stderr; a library does not print (CREATE ... IF NOT EXISTS). */
static void notice_ignore(void *arg, const char *message)
{
        (void)arg;
        (void)message;
}

/*
 * Connects to `target` with licensefs's defaults for what the URI does not set: they come
 * before "dbname", whose expansion overrides them. A dead server or a cut network must fail a
 * call within seconds, not hang it for the kernel's TCP timeout of minutes.
 */
static int pg_connect(const char *target, PGconn **ret)
{
        static const char *const keywords[] = {
                "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                "keepalives_count", "tcp_user_timeout", "dbname", NULL,
        };
        const char *values[] = { "10", "1", "5", "2", "3", "10000", target, NULL };
        PGconn *pg;
        int r;

        postgres_round_trips++;
        pg = PQconnectdbParams(keywords, values, 1);
        if (!pg)
                return db_failure(-ENOMEM, "out of memory");
        if (PQstatus(pg) != CONNECTION_OK) {
                r = db_failure(-EIO, "cannot connect to the database: %.*s",
                               (int)strcspn(PQerrorMessage(pg), "\n"), PQerrorMessage(pg));
                PQfinish(pg);
                return r;
        }
        PQsetNoticeProcessor(pg, notice_ignore, NULL);
        *ret = pg;
        return 0;
}

/* What a new session needs: the temporary tables, the capture, the lock timeout. */
static int session_setup(struct db_conn *c)
{
        c->generation++;
        c->broken = false;
        __atomic_store_n(&c->backend_pid, PQbackendPID(c->pg), __ATOMIC_RELAXED);
        return exec_plain(c, postgres_session_sql, "setting up the session");
}

/* Reconnects after a lost connection, outside any transaction (the caller's BEGIN). */
static int reconnect(struct db_conn *c)
{
        postgres_round_trips++;
        PQreset(c->pg);
        c->pipeline = c->synced = false;
        c->sent_count = c->writes_sent = 0;
        if (PQstatus(c->pg) != CONNECTION_OK)
                return db_failure(-EIO, "cannot reconnect to the database: %.*s",
                                  (int)strcspn(PQerrorMessage(c->pg), "\n"),
                                  PQerrorMessage(c->pg));
        return session_setup(c);
}

/*
 * What the server says between answers reaches libpq's notice hooks: a FATAL one is its
 * goodbye (the session terminated, the server shutting down), heard with the answer before
 * it, which the next transaction must not start on.
 */
static void notice_heard(void *arg, const PGresult *res)
{
        const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
        struct db_conn *c = arg;

        if (severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0))
                c->broken = true;
}

static void postgres_close(struct db_conn *c)
{
        if (!c)
                return;
        PQfinish(c->pg);
        free(c);
}

static int postgres_open(const char *target, struct db_conn **ret)
{
        struct db_conn *c;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return refuse(-ENOMEM, "out of memory");
        r = pg_connect(target, &c->pg);
        if (r >= 0) {
                PQsetNoticeReceiver(c->pg, notice_heard, c);
                r = session_setup(c);
        }
        if (r < 0) {
                postgres_close(c);
                return r;
        }
        *ret = c;
        return 0;
}

/*
 * A schema the search path names and the database lacks is made, as a missing file is: the
 * first name of the search path but "$user". Once schema_check has found nothing foreign.
 */
static const char schema_create_sql[] =
        "DO $$ DECLARE name TEXT; BEGIN "
        "SELECT btrim(s, ' \"') INTO name FROM unnest(string_to_array("
        "current_setting('search_path'), ',')) s WHERE btrim(s, ' \"') <> '$user' LIMIT 1; "
        "IF name IS NOT NULL THEN EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', name); "
        "END IF; END $$";

static bool postgres_missing(struct db_conn *c)
{
        return c->schema_missing;
}

static int postgres_configure(struct db_conn *c)
{
        int r;

        if (!c->schema_missing)
                return 0;
        r = exec_plain(c, schema_create_sql, "creating the schema");
        if (r >= 0)
                c->schema_missing = false;
        return r;
}

/* --- statements ------------------------------------------------------------------------------- */

/*
 * The largest $N of `sql` and which numbers it uses (used[n] for n <= max), outside quotes.
 * Other parameter styles are refused (EIO) as SQLite's backend refuses them: one SQL text
 * serves every backend only as `$N`.
 */
static int params_scan(const char *sql, bool *used, int size)
{
        int max = 0;
        const char *p;

        for (p = sql; *p; p++) {
                if (*p == '\'' || *p == '"') {
                        const char *end = strchr(p + 1, *p);

                        if (!end)
                                break;
                        p = end;
                } else if (*p == '?' || ((*p == ':' || *p == '@') && p > sql && p[-1] != ':' &&
                                         p[1] != ':' && (isalpha((unsigned char)p[1]) ||
                                                         p[1] == '_'))) {
                        return refuse(-EIO, "SQL parameter %.8s is not written $1, $2, ...", p);
                } else if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
                        int n = (int)strtol(p + 1, NULL, 10);

                        if (n > max)
                                max = n;
                        if (used && n <= size)
                                used[n - 1] = true;
                }
        }
        return max;
}

static int postgres_prepare(struct db_conn *c, const char *sql, struct sql_stmt **ret)
{
        int params = params_scan(sql, NULL, 0);
        struct pg_stmt *st;

        if (params < 0)
                return params;
        if (params > 64)
                return refuse(-EIO, "SQL of more than 64 parameters");
        st = calloc(1, sizeof(*st));
        if (st) {
                st->values = calloc((size_t)params + 1, sizeof(*st->values));
                st->numbers = calloc((size_t)params + 1, sizeof(*st->numbers));
        }
        if (!st || !st->values || !st->numbers) {
                if (st) {
                        free(st->values);
                        free(st->numbers);
                }
                free(st);
                return refuse(-ENOMEM, "out of memory");
        }
        st->base.backend = &db_postgres;
        st->conn = c;
        st->sql = sql;
        st->params = params;
        snprintf(st->name, sizeof(st->name), "s%u", ++c->next_name);
        *ret = &st->base;
        return 0;
}

static void postgres_reset(struct sql_stmt *s)
{
        struct pg_stmt *st = of(s);

        PQclear(st->result);
        st->result = NULL;
        st->pending = false;            /* a result still to come is dropped when it does */
}

static void postgres_finalize(struct sql_stmt *s)
{
        struct pg_stmt *st = of(s);

        if (!s)
                return;
        postgres_reset(s);
        free(st->values);
        free(st->numbers);
        free(st);
}

/* Values stay the caller's until the statement runs, at its first step (as SQLite's). */
static int postgres_bind(struct sql_stmt *s, const struct sql_value *values, int count)
{
        struct pg_stmt *st = of(s);
        int i;

        postgres_reset(s);
        for (i = 0; i < st->params; i++) {
                st->values[i] = NULL;
                if (i >= count)
                        continue;
                if (values[i].type == 't') {
                        st->values[i] = values[i].text;
                } else {
                        snprintf(st->numbers[i], sizeof(st->numbers[i]), "%lld",
                                 (long long)values[i].i);
                        st->values[i] = st->numbers[i];
                }
        }
        return 0;
}

/* --- the pipeline ----------------------------------------------------------------------------- */

/*
 * Every query of a transaction goes through libpq's pipeline: BEGIN, the tenant's lock, a
 * statement's first prepare and the writes whose results nobody reads are sent and not waited
 * for; the next query that needs its answer (a SELECT, COMMIT) sends a sync and reads them all,
 * in order, in one round trip. The server runs them in the order sent and skips the rest of the
 * pipeline after a failure, so the first failure is the one reported and nothing after it ran.
 */

/* Counts rows written as SQLite does: INSERT, UPDATE and DELETE, not rows a SELECT read. */
static void count_changes(struct db_conn *c, PGresult *res)
{
        const char *status = PQcmdStatus(res);

        if (strncmp(status, "INSERT", 6) && strncmp(status, "UPDATE", 6) &&
            strncmp(status, "DELETE", 6))
                return;
        c->changes = strtoll(PQcmdTuples(res), NULL, 10);
        c->changes_total += c->changes;
}

/*
 * Reads one sent query's results: 0, or -errno for its failure (reported when `report`). The
 * result of a statement whose rows are wanted becomes the statement's.
 */
static int sent_collect(struct db_conn *c, struct sent *q, bool report)
{
        PGresult *res;
        int r = 0;

        while ((res = PQgetResult(c->pg))) {
                ExecStatusType status = PQresultStatus(res);

                /* A prepare the server skipped or refused is made again next time. */
                if (q->prepare && status != PGRES_COMMAND_OK)
                        q->st->generation = 0;
                if (status == PGRES_PIPELINE_ABORTED) {
                        r = r < 0 ? r : -EIO;   /* an earlier query's failure is the reason */
                } else if (!result_ok(res)) {
                        if (r >= 0)
                                r = report ? pg_failure(c, res, q->doing) : -EIO;
                } else if (q->st && !q->prepare) {
                        count_changes(c, res);
                        if (q->keep && q->st->pending && !q->st->result) {
                                q->st->result = res;
                                q->st->rows = PQntuples(res);
                                q->st->row = -1;
                                continue;
                        }
                }
                PQclear(res);
        }
        if (q->keep && q->st)
                q->st->pending = false;
        return r;
}

/*
 * Ends the pipeline: sends its sync (unless sent), reads every result, and leaves pipeline
 * mode. Returns 0 or the first failure's -errno, its reason recorded when `report` (a caller
 * with a reason of its own to keep passes false).
 */
static int pipeline_end(struct db_conn *c, bool report)
{
        int i, r = 0, q;

        if (!c->pipeline)
                return 0;
        if (!c->synced) {
                postgres_round_trips++;
                if (!PQpipelineSync(c->pg))
                        r = report ? pg_failure(c, NULL, "sending to the database") : -EIO;
        }
        for (i = 0; r >= 0 && i < c->sent_count && PQstatus(c->pg) != CONNECTION_BAD; i++) {
                q = sent_collect(c, &c->sent[i], report);
                if (q < 0 && r >= 0)
                        r = q;
        }
        /* After a failure the rest were skipped: their results still come, and are read. */
        for (; i < c->sent_count && PQstatus(c->pg) != CONNECTION_BAD; i++)
                sent_collect(c, &c->sent[i], false);
        for (i = 0; i < c->sent_count; i++)
                if (c->sent[i].keep && c->sent[i].st)
                        c->sent[i].st->pending = false;
        if (PQstatus(c->pg) != CONNECTION_BAD)
                PQclear(PQgetResult(c->pg));            /* the sync's */
        if (PQstatus(c->pg) == CONNECTION_BAD && r >= 0)
                r = report ? pg_failure(c, NULL, c->sent[0].doing) : -EIO;
        /* A pipeline that cannot be left (a lost connection) is reset before the next use. */
        if (!PQexitPipelineMode(c->pg) || PQstatus(c->pg) == CONNECTION_BAD)
                c->broken = true;
        c->pipeline = c->synced = false;
        c->sent_count = c->writes_sent = 0;
        return r;
}

/*
 * Sends a query into the pipeline without waiting: the statement `st` (prepared first on this
 * connection, in the same pipeline) or SQL text without parameters. 0 or -errno.
 */
static int pipeline_send(struct db_conn *c, struct pg_stmt *st, const char *sql,
                         const char *doing, bool keep)
{
        Oid types[64] = { 0 };
        bool used[64] = { false };
        int i, r;

        if (c->pipeline && (c->synced || c->sent_count + 2 > SENT_MAX)) {
                r = pipeline_end(c, true);
                if (r < 0)
                        return r;
        }
        if (!c->pipeline && !PQenterPipelineMode(c->pg))
                return pg_failure(c, NULL, doing);
        c->pipeline = true;
        if (st && st->generation != c->generation) {
                /* A number the SQL does not use ("$2" alone) is declared text: PostgreSQL
                 * cannot infer the type of what is not there. */
                params_scan(st->sql, used, 64);
                for (i = 0; i < st->params; i++)
                        if (!used[i])
                                types[i] = TEXTOID;
                if (!PQsendPrepare(c->pg, st->name, st->sql, st->params, types))
                        goto failed;
                c->sent[c->sent_count++] = (struct sent){ st, "preparing a statement", true,
                                                          false };
                st->generation = c->generation;
        }
        if (st ? !PQsendQueryPrepared(c->pg, st->name, st->params, st->values, NULL, NULL, 0)
               : !PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0))
                goto failed;
        c->sent[c->sent_count++] = (struct sent){ st, doing, false, keep };
        return 0;
failed:
        r = pg_failure(c, NULL, doing);
        c->broken = true;
        return r;
}

/*
 * A value that is not UTF-8 cannot be sent (the server refuses it), and equals nothing stored,
 * every stored name having been checked: a query with one finds no rows, as on SQLite, and a
 * write is refused. 0 to run the statement, 1 for no rows, or -EINVAL.
 */
static int values_not_utf8(const struct pg_stmt *st)
{
        const char *sql = st->sql + strspn(st->sql, " \n");
        int i;

        for (i = 0; i < st->params; i++)
                if (st->values[i] && st->values[i] != st->numbers[i] &&
                    !text_is_utf8(st->values[i]))
                        return strncmp(sql, "SELECT", 6) == 0 || strncmp(sql, "WITH", 4) == 0
                                       ? 1 : refuse(-EINVAL, "a value that is not UTF-8");
        return 0;
}

/* The first step runs the statement, with whatever the pipeline holds, and reads all rows. */
static int postgres_step(struct sql_stmt *s)
{
        struct pg_stmt *st = of(s);
        struct db_conn *c = st->conn;
        int r;

        /* Empty SQL runs nothing: the capture's clear, which licensefs_publish does instead. */
        if (!st->result && !st->sql[0])
                return 0;
        if (!st->result) {
                r = c->deferred_err;
                if (r == 0 && !st->pending)
                        r = values_not_utf8(st);
                if (r != 0)
                        return r < 0 ? r : 0;
                if (!st->pending)
                        r = pipeline_send(c, st, NULL, "running a statement", true);
                if (r >= 0)
                        st->pending = true;
                if (r >= 0)
                        r = pipeline_end(c, true);
                if (r >= 0 && !st->result)
                        r = db_failure(-EIO, "database error while running a statement: "
                                       "no result");
                if (r < 0) {
                        postgres_reset(s);
                        return r;
                }
        }
        if (++st->row < st->rows)
                return 1;
        postgres_reset(s);
        return 0;
}

/* A query whose rows are read later: sent now, with the next query that waits. */
static int postgres_prefetch(struct sql_stmt *s)
{
        struct pg_stmt *st = of(s);
        struct db_conn *c = st->conn;
        int r;

        /* A value that is not UTF-8 is left to step, which knows what it means. */
        if (st->result || st->pending || c->deferred_err || values_not_utf8(st) != 0)
                return 0;
        r = pipeline_send(c, st, NULL, "running a statement", true);
        if (r >= 0)
                st->pending = true;
        return r;
}

/* A write whose result nobody reads: sent with the next query that waits. */
static int postgres_send(struct sql_stmt *s)
{
        struct pg_stmt *st = of(s);
        struct db_conn *c = st->conn;
        int r = c->deferred_err;

        if (r == 0)
                r = values_not_utf8(st);
        if (r != 0)
                return r < 0 ? r : 0;
        r = pipeline_send(c, st, NULL, "running a statement", false);
        if (r >= 0)
                c->writes_sent++;
        return r;
}

/* Rows are read whole by the step that runs a statement: nothing is left open on the server. */
static void postgres_reset_all(struct db_conn *c)
{
        (void)c;
}

/* Integers come as text; so do booleans ("t", "f"), which read as 1 and 0. */
static int64_t postgres_column_int64(struct sql_stmt *s, int col)
{
        struct pg_stmt *st = of(s);
        const char *text;

        if (PQgetisnull(st->result, st->row, col))
                return 0;
        text = PQgetvalue(st->result, st->row, col);
        if (text[0] == 't' || text[0] == 'f')
                return text[0] == 't';
        return strtoll(text, NULL, 10);
}

static const char *postgres_column_string(struct sql_stmt *s, int col)
{
        struct pg_stmt *st = of(s);

        if (PQgetisnull(st->result, st->row, col))
                return NULL;
        return PQgetvalue(st->result, st->row, col);
}

static bool postgres_column_is_null(struct sql_stmt *s, int col)
{
        return PQgetisnull(of(s)->result, of(s)->row, col);
}

static int64_t postgres_changes(struct db_conn *c)
{
        return c->changes;
}

/*
 * Counting needs the rows the writes still in the pipeline changed: it waits for them. A
 * failure among them fails the next statement or the COMMIT (deferred_err): the caller cannot
 * be told here, and the transaction is lost anyway.
 */
static int64_t postgres_changes_total(struct db_conn *c)
{
        int r;

        if (c->writes_sent > 0 && c->deferred_err == 0) {
                r = pipeline_end(c, true);
                if (r < 0)
                        c->deferred_err = r;
        }
        return c->changes_total;
}

/* --- transactions, schema, changes ------------------------------------------------------------ */

static const char read_begin_sql[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/*
 * A write transaction locks the tenant's one lock row first (licensefs_schema's: no change
 * deletes it, where a copy replaces the tenant row), so writers queue there (lock_timeout:
 * EBUSY) and each then sees every commit before it (READ COMMITTED takes a snapshot per
 * statement): no claim is oversold and none is retried. Before the schema exists, an advisory
 * lock on the schema's name serialises its creation instead. BEGIN and the lock travel with
 * the transaction's first statement.
 */
static const char write_begin_sql[] = "BEGIN ISOLATION LEVEL READ COMMITTED";
static const char tenant_lock_sql[] = "SELECT 1 FROM licensefs_schema FOR UPDATE";
static const char schema_lock_sql[] = "SELECT pg_advisory_xact_lock(hashtext(current_schema()))";

/*
 * Whether the server closed the connection while it was idle (a restart, a terminated
 * session): its socket then reads as end of file, seen without a round trip, so that the next
 * transaction starts on a new connection instead of failing. A server cut off without a word
 * is found by the call itself, which fails (EIO) within the connection's timeouts.
 */
static bool connection_dropped(struct db_conn *c)
{
        struct pollfd p = { .fd = PQsocket(c->pg), .events = POLLIN };

        /*
         * Between transactions a server says nothing unless it is going: its goodbye (FATAL:
         * terminating connection) and the end of file. Whatever it said, start anew.
         */
        return PQstatus(c->pg) == CONNECTION_BAD || p.fd < 0 || poll(&p, 1, 0) > 0;
}

static int begin(struct db_conn *c, bool write)
{
        int r;

        /*
         * What the server answered to the last read's end, and what it said after (a goodbye
         * there: notice_heard); a failure is a lost connection, which the check below sees.
         */
        if (c->pipeline) {
                pipeline_end(c, false);
                PQconsumeInput(c->pg);
        }
        if (c->broken || connection_dropped(c)) {
                r = reconnect(c);
                if (r < 0)
                        return r;
        }
        c->write = write;
        c->deferred_err = 0;
        c->changes_at_begin = c->changes_total;
        if (!write)
                return pipeline_send(c, NULL, read_begin_sql, "beginning a transaction", false);
        r = pipeline_send(c, NULL, write_begin_sql, "beginning a transaction", false);
        if (r >= 0)
                r = pipeline_send(c, NULL, c->schema_ready ? tenant_lock_sql : schema_lock_sql,
                                  "taking the tenant's lock", false);
        return r;
}

/*
 * A read transaction ends without waiting: its rows are read, and its end cannot fail in a
 * way that matters (a lost connection is found by the next BEGIN). The server ends it at once.
 */
static int read_end(struct db_conn *c, const char *sql)
{
        if (pipeline_send(c, NULL, sql, "ending a transaction", false) < 0 ||
            !PQpipelineSync(c->pg))
                c->broken = true;
        else
                c->synced = true;
        return 0;
}

/* Rows a transaction changes before the planner's statistics are taken again at its end. */
#define ANALYZE_AFTER_ROWS 1000

/*
 * COMMIT of a write first publishes what the transaction touched (licensefs_publish); both
 * travel with the writes still in the pipeline, in one round trip. After a change of many rows
 * (an import, a copy, a large group) the statistics are taken again at once, rather than by
 * autovacuum up to a minute later, while lookups scan: a role that does not own the tables
 * only gets a warning, and a failure there changes nothing committed.
 */
static int commit(struct db_conn *c)
{
        int r = c->deferred_err;

        /* PostgreSQL answers COMMIT of a failed transaction with a rollback, not an error. */
        if (r == 0 && PQtransactionStatus(c->pg) == PQTRANS_INERROR)
                r = db_failure(-EIO, "database error while committing: a statement failed");
        if (r == 0)
                r = pipeline_send(c, NULL, "SELECT licensefs_publish()", "publishing the change",
                                  false);
        if (r == 0)
                r = pipeline_send(c, NULL, "COMMIT", "committing", false);
        if (r == 0)
                r = pipeline_end(c, true);
        if (r == 0 && c->changes_total - c->changes_at_begin >= ANALYZE_AFTER_ROWS) {
                postgres_round_trips++;
                PQclear(PQexec(c->pg, postgres_analyze_sql));
        }
        return r;
}

/* Leaves no transaction open, keeping the caller's reason. */
static int rollback(struct db_conn *c)
{
        if (c->broken)
                return 0;               /* the server ended the transaction with the session */
        if (pipeline_send(c, NULL, "ROLLBACK", "rolling back", false) >= 0)
                pipeline_end(c, false);
        /* A ROLLBACK after a failure in the same pipeline was skipped: once more on its own. */
        if (!c->broken && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
                postgres_round_trips++;
                PQclear(PQexec(c->pg, "ROLLBACK"));
        }
        return 0;
}

/*
 * The end of a call inside a batch: its writes are waited for here, so that a failure among
 * them is the call's. A failed call's work is undone and the batch goes on.
 */
static int release(struct db_conn *c)
{
        int r = c->deferred_err;

        if (r == 0)
                r = pipeline_send(c, NULL, "RELEASE call", "ending a call", false);
        if (r == 0)
                r = pipeline_end(c, true);
        if (r < 0 && !c->broken) {
                c->deferred_err = 0;
                if (pipeline_send(c, NULL, "ROLLBACK TO call", "undoing a call", false) >= 0 &&
                    pipeline_send(c, NULL, "RELEASE call", "ending a call", false) >= 0)
                        pipeline_end(c, false);
        }
        return r;
}

static int postgres_bracket(struct db_conn *c, enum db_bracket what)
{
        switch (what) {
        case DB_BEGIN_READ:
        case DB_BEGIN_WRITE:
                return begin(c, what == DB_BEGIN_WRITE);
        case DB_COMMIT:
                return c->write ? commit(c) : read_end(c, "COMMIT");
        case DB_ROLLBACK:
                return c->write ? rollback(c) : read_end(c, "ROLLBACK");
        case DB_SAVEPOINT:
                return pipeline_send(c, NULL, "SAVEPOINT call", "beginning a call", false);
        case DB_RELEASE:
                return release(c);
        case DB_ROLLBACK_TO:
                /* What the call sent is undone whatever it did; RELEASE follows and waits. */
                pipeline_end(c, false);
                c->deferred_err = 0;
                return pipeline_send(c, NULL, "ROLLBACK TO call", "undoing a call", false);
        }
        return refuse(-EIO, "no such transaction bracket");
}

/*
 * The version in licensefs_schema; 0 for a schema with no relation at all, or none yet (made
 * by configure); -EIO for one that holds other tables (someone else's).
 */
static int postgres_schema_version(struct db_conn *c)
{
        int64_t state = 0, version = 0;
        int r;

        r = query_int(c, "SELECT CASE WHEN current_schema() IS NULL THEN -1 "
                      "WHEN to_regclass(quote_ident(current_schema()) || '.licensefs_schema') "
                      "IS NOT NULL THEN 1 "
                      "WHEN EXISTS (SELECT 1 FROM pg_class cl JOIN pg_namespace ns ON "
                      "ns.oid = cl.relnamespace WHERE ns.nspname = current_schema()) THEN 2 "
                      "ELSE 0 END", &state);
        if (r >= 0 && state == 1)
                r = query_int(c, "SELECT version FROM licensefs_schema", &version);
        if (r < 0)
                return r;
        if (state == -1) {
                c->schema_missing = true;
                return 0;
        }
        if (state == 2)
                return refuse(-EIO, "not a licensefs schema");
        if (version > 0 && version <= SCHEMA_VERSION)
                c->schema_ready = true;
        return (int)version;
}

static int postgres_schema_version_set(struct db_conn *c, int version)
{
        char sql[64];
        int r;

        snprintf(sql, sizeof(sql), "UPDATE licensefs_schema SET version = %d", version);
        r = exec_plain(c, sql, "upgrading the schema");
        if (r >= 0)
                c->schema_ready = true;
        return r;
}

/* The capture runs in every session (postgres_session_sql): publishing needs it. */
static int postgres_capture_start(struct db_conn *c)
{
        (void)c;
        return 0;
}

static int postgres_ids_resync(struct db_conn *c)
{
        return exec_plain(c, postgres_ids_resync_sql, "moving ids past the copied ones");
}

/* --- the watch on other connections' commits -------------------------------------------------- */

struct db_watch {
        char *target;
        struct db_conn *own;
        PGconn *pg;
        char channel[64];
};

/* Connects and listens on the schema's channel (the name licensefs_publish notifies). */
static int watch_listen(struct db_watch *w)
{
        char listen[96];
        PGresult *res;
        int r;

        PQfinish(w->pg);
        w->pg = NULL;
        r = pg_connect(w->target, &w->pg);
        if (r < 0)
                return r;
        res = PQexec(w->pg, "SELECT 'licensefs_' || md5(current_schema())");
        if (result_ok(res) && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
                snprintf(w->channel, sizeof(w->channel), "%s", PQgetvalue(res, 0, 0));
                r = 0;
        } else {
                r = db_failure(-EIO, "cannot name the schema's channel: %.*s",
                               (int)strcspn(PQerrorMessage(w->pg), "\n"),
                               PQerrorMessage(w->pg));
        }
        PQclear(res);
        if (r < 0)
                return r;
        snprintf(listen, sizeof(listen), "LISTEN %s", w->channel);
        res = PQexec(w->pg, listen);
        if (!result_ok(res))
                r = db_failure(-EIO, "cannot listen: %.*s",
                               (int)strcspn(PQerrorMessage(w->pg), "\n"),
                               PQerrorMessage(w->pg));
        PQclear(res);
        return r;
}

static void postgres_watch_close(struct db_watch *w)
{
        if (!w)
                return;
        PQfinish(w->pg);
        free(w->target);
        free(w);
}

static int postgres_watch_open(const char *target, struct db_conn *own, struct db_watch **ret)
{
        struct db_watch *w = calloc(1, sizeof(*w));
        int r;

        if (!w || !(w->target = strdup(target))) {
                free(w);
                return refuse(-ENOMEM, "out of memory");
        }
        w->own = own;
        r = watch_listen(w);
        if (r < 0) {
                postgres_watch_close(w);
                return r;
        }
        *ret = w;
        return 0;
}

/* Appends one change to *list; -ENOMEM. */
static int change_add(struct model_change **list, size_t *count, enum model_change_kind kind,
                      const char *a, size_t a_len, const char *b, size_t b_len)
{
        struct model_change *grown = realloc(*list, (*count + 1) * sizeof(**list));
        struct model_change *ch;

        if (!grown)
                return refuse(-ENOMEM, "out of memory");
        *list = grown;
        ch = &grown[*count];
        ch->kind = kind;
        ch->a = strndup(a, a_len);
        ch->b = strndup(b, b_len);
        (*count)++;
        return ch->a && ch->b ? 0 : refuse(-ENOMEM, "out of memory");
}

/* Parses a payload of `kind\ta\tb` lines, or `*`, into changes. */
static int payload_parse(const char *payload, struct model_change **list, size_t *count)
{
        const char *line = payload;
        int r = 0;

        if (strcmp(payload, "*") == 0)
                return change_add(list, count, MODEL_CHANGE_ALL, "", 0, "", 0);
        while (r >= 0 && *line) {
                size_t len = strcspn(line, "\n");
                const char *a = memchr(line, '\t', len);
                const char *b = a ? memchr(a + 1, '\t', len - (size_t)(a + 1 - line)) : NULL;
                long kind = strtol(line, NULL, 10);

                if (!b || kind < MODEL_CHANGE_USER || kind > MODEL_CHANGE_SEAT)
                        r = change_add(list, count, MODEL_CHANGE_ALL, "", 0, "", 0);
                else
                        r = change_add(list, count, (enum model_change_kind)kind, a + 1,
                                       (size_t)(b - a - 1), b + 1, len - (size_t)(b + 1 - line));
                line += len + (line[len] == '\n');
        }
        return r;
}

/* The listener's connection is lost: listen again, and tell the caller to forget everything. */
static int watch_lost(struct db_watch *w, struct model_change **list, size_t *count)
{
        int r = change_add(list, count, MODEL_CHANGE_ALL, "", 0, "", 0);

        if (r >= 0)
                watch_listen(w);        /* failing, the next wait tries again */
        return r < 0 ? r : 1;
}

static int64_t now_ms(void)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int postgres_watch_wait(struct db_watch *w, int timeout_ms, struct model_change **ret,
                               size_t *ret_count)
{
        struct model_change *list = NULL;
        int own = __atomic_load_n(&w->own->backend_pid, __ATOMIC_RELAXED);
        int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0), left;
        size_t count = 0;
        int r = 0, round;

        /*
         * Round 0 takes what has arrived; later ones wait until something is heard or time is
         * up: what arrives may be only our own commits, or a dying server's goodbye before
         * the end of its connection.
         */
        for (round = 0; r >= 0 && count == 0 && (round == 0 || now_ms() < deadline); round++) {
                struct pollfd pfd = { .events = POLLIN };
                PGnotify *n;

                if (!w->pg || PQstatus(w->pg) == CONNECTION_BAD) {
                        r = watch_lost(w, &list, &count);
                        break;
                }
                pfd.fd = PQsocket(w->pg);
                left = deadline - now_ms();
                if (round > 0 && poll(&pfd, 1, left > 0 ? (int)left : 0) < 0 && errno != EINTR) {
                        r = refuse(-errno, "waiting for notifications: %s", strerror(errno));
                        break;
                }
                if (!PQconsumeInput(w->pg) || PQstatus(w->pg) == CONNECTION_BAD) {
                        r = watch_lost(w, &list, &count);
                        break;
                }
                while (r >= 0 && (n = PQnotifies(w->pg))) {
                        if (n->be_pid != own)
                                r = payload_parse(n->extra, &list, &count);
                        PQfreemem(n);
                }
        }
        if (r >= 0)
                r = count > 0;
        if (r <= 0) {
                changes_free(list, count);
                return r;
        }
        *ret = list;
        *ret_count = count;
        return r;
}

const struct db_backend db_postgres = {
        .name = "postgresql",
        .serves = postgres_serves,
        .open = postgres_open,
        .configure = postgres_configure,
        .missing = postgres_missing,
        .close = postgres_close,
        .prepare = postgres_prepare,
        .finalize = postgres_finalize,
        .bind = postgres_bind,
        .step = postgres_step,
        .send = postgres_send,
        .prefetch = postgres_prefetch,
        .reset = postgres_reset,
        .reset_all = postgres_reset_all,
        .column_int64 = postgres_column_int64,
        .column_string = postgres_column_string,
        .column_is_null = postgres_column_is_null,
        .changes = postgres_changes,
        .changes_total = postgres_changes_total,
        .bracket = postgres_bracket,
        .schema_version = postgres_schema_version,
        .schema_version_set = postgres_schema_version_set,
        .migrations = postgres_migrations,
        .exec_script = exec_plain,
        .capture_start = postgres_capture_start,
        .capture_read = "SELECT kind, a, b FROM pg_temp.changes",
        /* licensefs_publish empties it at COMMIT, after telling the listeners */
        .capture_clear = "",
        .ids_resync = postgres_ids_resync,
        .watch_open = postgres_watch_open,
        .watch_wait = postgres_watch_wait,
        .watch_close = postgres_watch_close,
};
