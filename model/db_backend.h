/*
 * The seam between the db layer and a storage backend: what differs from one database engine
 * to another, as one table of functions per backend. The db layer (db.c: opening and schema
 * versions; db_stmt.c: the statement cache, binding by number, rows; db_tx.c: transactions,
 * batches, read sessions) works the same on every backend. A backend owns the connection, its
 * statements, the one map from its errors to -errno, the transaction bracket's SQL, the schema
 * DDL, the change capture and the "someone else changed the tenant" counter: for SQLite,
 * db_sqlite.c (the only model file that uses SQLite's C API) and its SQL text,
 * db_sqlite_schema.c; for PostgreSQL, db_postgres.c (the only one that uses libpq) and
 * db_postgres_schema.c.
 *
 * A table rather than functions chosen at build time: one program serves a tenant in a file
 * and a tenant on a server, chosen by the DATABASE argument when the model opens, and the unit
 * tests can run every rule on each backend in one build. The indirect call costs nothing next
 * to the engine's own work. Only db layer files include this header; rule code sees db.h.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

/* The schema version every backend's migrations reach. */
#define SCHEMA_VERSION 7

/*
 * The service-plan rules licensefs ships (Microsoft's documented ones), written by version 4's
 * migration on every backend, in SQL both dialects speak. plan_conflicts: each set_no a set of
 * plans of which a user may have one enabled; plan_dependencies: an add-on plan and each plan
 * that satisfies it (one of them must be enabled).
 */
#define PLAN_RULES_DEFAULT_SQL                                                             \
        "INSERT INTO plan_conflicts (set_no, plan) VALUES "                                \
        "(1, 'EXCHANGE_B_STANDARD'), (1, 'EXCHANGE_S_ARCHIVE'), (1, 'EXCHANGE_S_DESKLESS'), " \
        "(1, 'EXCHANGE_S_ESSENTIALS'), (1, 'EXCHANGE_S_STANDARD'), "                       \
        "(1, 'EXCHANGE_S_STANDARD_MIDMARKET'), "                                           \
        "(2, 'INTUNE_A'), (2, 'INTUNE_A_VL'), (2, 'INTUNE_B'), "                           \
        "(3, 'ONEDRIVEENTERPRISE'), (3, 'SHAREPOINT_S_DEVELOPER'), (3, 'SHAREPOINTDESKLESS'), " \
        "(3, 'SHAREPOINTENTERPRISE'), (3, 'SHAREPOINTENTERPRISE_EDU'), "                   \
        "(3, 'SHAREPOINTENTERPRISE_MIDMARKET'), (3, 'SHAREPOINTLITE'), "                   \
        "(3, 'SHAREPOINTSTANDARD'), (3, 'SHAREPOINTSTANDARD_EDU'), "                       \
        "(3, 'SHAREPOINTSTANDARD_YAMMERSHADOW'), "                                         \
        "(4, 'MCOIMP'), (4, 'MCOSTANDARD_MIDMARKET'), (4, 'MCOSTANDARD'), (4, 'MCOLITE'), " \
        "(5, 'MCOPSTN1'), (5, 'MCOPSTN2'), (5, 'MCOPSTN5'), "                              \
        "(6, 'YAMMER_ENTERPRISE'), (6, 'YAMMER_EDU'), (6, 'YAMMER_MIDSIZE'), "             \
        "(7, 'RMS_S_ENTERPRISE'), (7, 'RMS_S_ENTERPRISE_GOV'), "                           \
        "(8, 'CRMPLAN1'), (8, 'CRMPLAN2'), (8, 'CRMSTANDARD'), "                           \
        "(8, 'DYN365_ENTERPRISE_P1_IW'), (8, 'DYN365_ENTERPRISE_SALES'), "                 \
        "(8, 'DYN365_ENTERPRISE_TEAM_MEMBERS'), (8, 'EMPLOYEE_SELF_SERVICE');"             \
        "INSERT INTO plan_dependencies (plan, needs) VALUES "                              \
        "('SHAREPOINT_PROJECT', 'SHAREPOINTENTERPRISE'), ('MCOMEETADV', 'MCOSTANDARD'), "  \
        "('WORKPLACE_ANALYTICS', 'EXCHANGE_S_STANDARD'), "                                 \
        "('WORKPLACE_ANALYTICS', 'EXCHANGE_S_ENTERPRISE');"

struct db_conn;                         /* a backend's connection, opaque to the db layer */
struct db_watch;                        /* a backend's watch on other connections' commits */
struct model_change;                    /* model.h */

/* What each backend's statement begins with, so the row accessors find their backend. */
struct sql_stmt {
        const struct db_backend *backend;
};

/* A value to bind: type 't' (text, NULL binds NULL) or 'i'. */
struct sql_value {
        char type;
        union {
                const char *text;
                int64_t i;
        };
};

enum db_bracket {
        DB_BEGIN_READ,                  /* a read transaction: one snapshot */
        DB_BEGIN_WRITE,                 /* a write transaction holding the write lock from now */
        DB_COMMIT,
        DB_ROLLBACK,
        DB_SAVEPOINT,                   /* a call inside a batch: all or nothing */
        DB_RELEASE,
        DB_ROLLBACK_TO,                 /* undoes the savepoint's work; RELEASE still follows */
};

/*
 * Every function that can fail returns -errno and records the reason (refuse, or
 * db_failure for the database's own errors). Statements and rows follow sql_step's contract.
 */
struct db_backend {
        const char *name;
        /* Whether this backend serves `target` (a file path, a URI...). */
        bool (*serves)(const char *target);
        /*
         * Opens the connection to `target` without changing what it holds (a foreign database
         * stays as it is); configure then sets it up for licensefs, once schema_check has said
         * that it is a licensefs database or an empty one.
         */
        int (*open)(const char *target, struct db_conn **ret);
        int (*configure)(struct db_conn *c);
        /* Whether what `target` names does not exist yet, and configure would make it (NULL:
         * never asked; SQLite's files are checked by the program). */
        bool (*missing)(struct db_conn *c);
        void (*close)(struct db_conn *c);

        int (*prepare)(struct db_conn *c, const char *sql, struct sql_stmt **ret);
        void (*finalize)(struct sql_stmt *s);
        /* Resets the statement, then binds values[n - 1] to `$n` (NULL where n > count). */
        int (*bind)(struct sql_stmt *s, const struct sql_value *values, int count);
        int (*step)(struct sql_stmt *s);
        /*
         * Runs a bound write whose result nobody reads, where a server backend may send it
         * with the next statement that waits for an answer (or the end of the call or the
         * transaction), whose failure it then is. NULL: the db layer steps it to the end.
         */
        int (*send)(struct sql_stmt *s);
        /*
         * Starts a bound query whose rows step reads later, where a server backend may send
         * it with the next query that waits for an answer. NULL: step runs it.
         */
        int (*prefetch)(struct sql_stmt *s);
        void (*reset)(struct sql_stmt *s);
        /* Ends every statement of the connection left mid-result (before COMMIT). */
        void (*reset_all)(struct db_conn *c);
        int64_t (*column_int64)(struct sql_stmt *s, int col);
        const char *(*column_string)(struct sql_stmt *s, int col);
        bool (*column_is_null)(struct sql_stmt *s, int col);
        int64_t (*changes)(struct db_conn *c);          /* by the last statement completed */
        int64_t (*changes_total)(struct db_conn *c);

        int (*bracket)(struct db_conn *c, enum db_bracket what);

        /* The recorded schema version (>= 1), 0 for an empty database, -EIO when foreign. */
        int (*schema_version)(struct db_conn *c);
        int (*schema_version_set)(struct db_conn *c, int version);
        /* migrations[v] brings a version-v schema to v + 1; SCHEMA_VERSION of them. */
        const char *const *migrations;
        /* Runs SQL text of several statements without parameters (the DDL). */
        int (*exec_script)(struct db_conn *c, const char *sql, const char *doing);

        /*
         * Change capture (changes.c): capture_start makes every write of this connection note
         * what it touched as rows (kind, a, b) that `capture_read` returns and `capture_clear`
         * deletes, both SQL run through the statement cache. An empty `capture_clear` runs
         * nothing: the backend empties the rows itself when the transaction commits.
         */
        int (*capture_start)(struct db_conn *c);
        const char *capture_read, *capture_clear;
        /* A number that changes when another connection commits a change (NULL for a backend
         * that is told of them: watch_*). */
        int (*data_version)(struct db_conn *c, int64_t *ret);
        /*
         * After rows were written with their ids (model_copy), inside the same write
         * transaction: moves whatever gives new ids past the largest one. NULL where the
         * engine derives new ids from the rows (SQLite).
         */
        int (*ids_resync)(struct db_conn *c);

        /*
         * Other connections' commits, for a backend that is told of them (NULL where the db
         * layer polls data_version and can only say "something changed"). watch_open opens a
         * connection of its own to `target` that hears every commit from now on, except those
         * of `own`; watch_wait waits up to timeout_ms and returns 1 with what the commits it
         * heard touched (a MODEL_CHANGE_ALL entry when it cannot say exactly: too much to tell,
         * or a lost connection, after which it reconnects), 0 when it heard none, -errno when
         * it cannot listen now (the next call tries again). The list is the caller's to free
         * with changes_free.
         */
        int (*watch_open)(const char *target, struct db_conn *own, struct db_watch **ret);
        int (*watch_wait)(struct db_watch *w, int timeout_ms, struct model_change **list,
                          size_t *count);
        void (*watch_close)(struct db_watch *w);
};

extern const struct db_backend db_sqlite;
extern const struct db_backend db_postgres;

/* The SQLite backend's SQL text (db_sqlite_schema.c): its DDL and its change capture. */
extern const char *const sqlite_migrations[SCHEMA_VERSION];
extern const char sqlite_capture_sql[];
/* The temporary tables rule code writes (plans.c: wanted_plans), made with each connection. */
extern const char sqlite_scratch_sql[];

/*
 * The PostgreSQL backend's SQL text (db_postgres_schema.c): its DDL with the capture's
 * triggers, what each new session runs, the identities' resync after a copy, and the
 * statistics taken again after a large change.
 */
extern const char *const postgres_migrations[SCHEMA_VERSION];
extern const char postgres_session_sql[];
extern const char postgres_ids_resync_sql[];
extern const char postgres_analyze_sql[];

/*
 * Messages the calling thread sent to a PostgreSQL server and waited for (statements,
 * brackets, prepares, connects): what a test measures a call's cost in.
 */
extern __thread int64_t postgres_round_trips;

/* Marks the calling thread's failure as the database's and records the reason; returns err. */
int db_failure(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
