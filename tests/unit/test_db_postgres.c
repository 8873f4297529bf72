/*
 * What only the PostgreSQL backend has, on the test server (tests/pg/with-cluster): the one map
 * from SQLSTATE to errno, the tenant lock that serialises writers of several connections, the
 * read snapshot, the schema a tenant lives in (created when empty, refused when foreign or
 * newer), the lock timeout, reconnecting after the server dropped the connection, the watch on
 * other connections' commits, and copies between the backends. Each test has its own schema.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_helpers.h"
#include "db_backend.h"
#include "internal.h"
#include "test_copy_helpers.h"

/* Opens another model on the fixture's schema: the schema's name is m's current_schema(). */
static char *fixture_schema(void)
{
        char schema[64];

        ck_ok(tx_begin(m, false));
        ck_ok(sql_text(m, schema, sizeof(schema), "SELECT current_schema()", ""));
        ck_ok(tx_end(m, 0));
        return strdup(schema);
}

static struct model *open_on(const char *schema)
{
        char *target = test_pg_schema_target(schema);
        struct model *mm = NULL;

        ck_ok(model_open(target, &mm));
        free(target);
        return mm;
}

/* --- the SQLSTATE map ----------------------------------------------------------------------- */

#define RAISE(state) "DO $$BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '" state "'; END$$"

/* Each class forced on the server; the statements are literals (the cache's keys). */
static const struct {
        const char *sql;
        int err;
} sqlstates[] = {
        { RAISE("23505"), EIO },        /* a constraint: a bug, as on SQLite */
        { RAISE("23514"), EIO },
        { RAISE("40001"), EBUSY },
        { RAISE("40P01"), EBUSY },
        { RAISE("55P03"), EBUSY },
        { RAISE("53100"), ENOSPC },
        { RAISE("53200"), ENOMEM },
        { RAISE("42501"), EACCES },
        { RAISE("25006"), EROFS },
        { RAISE("57P01"), EIO },        /* the server going away: reconnect next time */
        { RAISE("08006"), EIO },
        { RAISE("XX000"), EIO },
};

START_TEST(test_sqlstate_map)
{
        int r;

        for (size_t i = 0; i < sizeof(sqlstates) / sizeof(sqlstates[0]); i++) {
                ck_ok(tx_begin(m, true));
                r = sql_exec(m, sqlstates[i].sql, "");
                tx_end(m, r);
                ck_assert_msg(r == -sqlstates[i].err, "%s returned %s, expected %s",
                              sqlstates[i].sql, errno_name(r), errno_name(-sqlstates[i].err));
                ck_assert(model_failed_in_database());
                ck_assert_msg(strstr(model_reason(), "SQLSTATE") != NULL, "%s", model_reason());
                /* The next call works, after a reconnect where the class asked for one. */
                ck_ok(model_product_create(m, i % 2 ? "A" : "B"));
                ck_ok(model_product_delete(m, i % 2 ? "A" : "B"));
        }
}
END_TEST

/* Real errors, not forced ones: a constraint, and a write in a read-only transaction. */
START_TEST(test_sqlstate_real)
{
        ck_ok(tx_begin(m, true));
        ck_err(sql_exec(m, "INSERT INTO tenant (id, name, usage_location) VALUES (1, 'x', 'US')",
                        ""), EIO);
        tx_end(m, -EIO);
        ck_ok(tx_begin(m, false));
        ck_err(sql_exec(m, "UPDATE tenant SET name = 'x'", ""), EROFS);
        tx_end(m, -EROFS);
        ck_ok(model_tenant_set_name(m, "Still works"));
}
END_TEST

/* --- the tenant lock ------------------------------------------------------------------------ */

#define CLAIMERS 3
#define CLAIMS 10

struct claimer {
        const char *schema;
        int index, granted, refused, other;
};

static void *claim_seats(void *arg)
{
        struct claimer *c = arg;
        char *target = test_pg_schema_target(c->schema);
        struct model *mm = NULL;
        char upn[64];

        if (model_open(target, &mm) < 0) {
                c->other = CLAIMS;
                free(target);
                return NULL;
        }
        for (int i = 0; i < CLAIMS; i++) {
                int r;

                snprintf(upn, sizeof(upn), "u%d.%d@contoso.com", c->index, i);
                r = model_direct_assign(mm, "P", upn);
                if (r == 0)
                        c->granted++;
                else if (r == -ENOSPC)
                        c->refused++;
                else
                        c->other++;
        }
        model_close(mm);
        free(target);
        return NULL;
}

/* Connections claiming 30 seats of 10 at once: never oversold, exactly 20 refused. */
START_TEST(test_tenant_lock_serialises_claims)
{
        struct claimer claimers[CLAIMERS];
        pthread_t threads[CLAIMERS];
        char *schema = fixture_schema();
        int granted = 0, refused = 0, other = 0;
        char upn[64];

        make_product("P", CLAIMS);
        for (int t = 0; t < CLAIMERS; t++)
                for (int i = 0; i < CLAIMS; i++) {
                        snprintf(upn, sizeof(upn), "u%d.%d@contoso.com", t, i);
                        make_user(upn, "US");
                }
        for (int t = 0; t < CLAIMERS; t++) {
                claimers[t] = (struct claimer){ .schema = schema, .index = t };
                ck_assert_int_eq(pthread_create(&threads[t], NULL, claim_seats, &claimers[t]),
                                 0);
        }
        for (int t = 0; t < CLAIMERS; t++) {
                ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
                granted += claimers[t].granted;
                refused += claimers[t].refused;
                other += claimers[t].other;
        }
        ck_assert_int_eq(other, 0);
        ck_assert_int_eq(granted, CLAIMS);
        ck_assert_int_eq(refused, (CLAIMERS - 1) * CLAIMS);
        ck_product(m, "P", CLAIMS, CLAIMS, 0);
        check_invariants(m);
        free(schema);
}
END_TEST

/* A write waits for the tenant lock lock_timeout long, then fails EBUSY. */
START_TEST(test_lock_timeout_is_busy)
{
        char *schema = fixture_schema(), *target = NULL, lock[128], timeout[16];
        struct model *quick = NULL;
        PGconn *holder = test_pg_connect();

        /* The default when the URI sets none, and the URI's own when it does. */
        ck_ok(tx_begin(m, false));
        ck_ok(sql_text(m, timeout, sizeof(timeout), "SELECT current_setting('lock_timeout')", ""));
        ck_ok(tx_end(m, 0));
        ck_assert_str_eq(timeout, "10s");
        ck_assert_int_ge(asprintf(&target, "postgresql://?options=-csearch_path%%3D%s%%20"
                                  "-clock_timeout%%3D500", schema), 0);
        ck_ok(model_open(target, &quick));
        snprintf(lock, sizeof(lock), "BEGIN; SELECT 1 FROM %s.licensefs_schema FOR UPDATE",
                 schema);
        test_pg_run(holder, lock);
        ck_err(model_product_create(quick, "P"), EBUSY);
        ck_assert(model_failed_in_database());
        test_pg_run(holder, "ROLLBACK");
        ck_ok(model_product_create(quick, "P"));
        model_close(quick);
        PQfinish(holder);
        free(target);
        free(schema);
}
END_TEST

/* --- snapshots ------------------------------------------------------------------------------ */

/* A read session sees one moment: another connection's commit shows after it ends. */
START_TEST(test_read_session_is_one_snapshot)
{
        char *schema = fixture_schema();
        struct model *other = open_on(schema);
        struct model_product p;

        make_product("P", 1);
        ck_ok(model_read_begin(m));
        ck_ok(model_product_get(m, "P", &p));
        ck_assert_int_eq(p.total, 1);
        ck_ok(model_product_set_total(other, "P", 5));
        ck_ok(model_product_get(m, "P", &p));
        ck_assert_int_eq(p.total, 1);
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "P");
        ck_ok(model_product_create(other, "Q"));
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "P");
        ck_ok(model_read_end(m));
        ck_product(m, "P", 5, 0, 0);
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "P", "Q");
        model_close(other);
        free(schema);
}
END_TEST

/* --- the schema ----------------------------------------------------------------------------- */

START_TEST(test_empty_schema_created)
{
        int64_t version = 0, tables = 0;

        ck_ok(tx_begin(m, false));
        ck_ok(sql_int(m, &version, "SELECT version FROM licensefs_schema", ""));
        ck_ok(sql_int(m, &tables, "SELECT count(*) FROM information_schema.tables WHERE "
                      "table_schema = current_schema()", ""));
        ck_ok(tx_end(m, 0));
        ck_assert_int_eq(version, SCHEMA_VERSION);
        ck_assert_int_eq(tables, (int64_t)copy_table_count + 1);
        ck_assert_int_eq(model_tenant_is_empty(m), 1);
}
END_TEST

/* Both URI schemes name a server; anything else is a file. */
START_TEST(test_backend_chosen_by_target)
{
        char *schema = fixture_schema(), *target = NULL;
        struct model *mm = NULL;

        ck_assert_ptr_eq(m->backend, &db_postgres);
        ck_assert_int_ge(asprintf(&target, "postgres://?options=-csearch_path%%3D%s", schema), 0);
        ck_ok(model_open(target, &mm));
        ck_assert_ptr_eq(mm->backend, &db_postgres);
        model_close(mm);
        ck_ok(model_open(":memory:", &mm));
        ck_assert_ptr_eq(mm->backend, &db_sqlite);
        model_close(mm);
        free(target);
        free(schema);
}
END_TEST

START_TEST(test_foreign_schema_refused)
{
        char *target;
        struct model *mm = NULL;

        test_pg_exec("DROP SCHEMA IF EXISTS foreign_one CASCADE; CREATE SCHEMA foreign_one; "
                     "CREATE TABLE foreign_one.accounts (id int)");
        target = test_pg_schema_target("foreign_one");
        ck_err(model_open(target, &mm), EIO);
        ck_assert_ptr_null(mm);
        free(target);
        /* Left as it was: no licensefs table appeared. */
        test_pg_exec("DO $$BEGIN IF to_regclass('foreign_one.licensefs_schema') IS NOT NULL "
                     "THEN RAISE EXCEPTION 'changed'; END IF; END$$");
}
END_TEST

/* A schema the search path names and the database lacks is made, as a missing file is. */
START_TEST(test_missing_schema_made)
{
        char *target;
        struct model *mm = NULL;

        test_pg_exec("DROP SCHEMA IF EXISTS \"NewTenant\" CASCADE");
        target = test_pg_schema_target("\"NewTenant\"");
        ck_ok(model_open(target, &mm));
        ck_ok(model_product_create(mm, "MADE"));
        mm = model_close(mm);
        test_pg_exec("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM \"NewTenant\".products "
                     "WHERE sku = 'MADE') THEN RAISE EXCEPTION 'not there'; END IF; END$$");
        test_pg_exec("DROP SCHEMA \"NewTenant\" CASCADE");
        /* Unless it must exist already. */
        ck_err(model_open_existing(target, &mm), ENOENT);
        ck_assert_ptr_null(mm);
        test_pg_exec("DO $$BEGIN IF to_regnamespace('\"NewTenant\"') IS NOT NULL "
                     "THEN RAISE EXCEPTION 'made'; END IF; END$$");
        free(target);
}
END_TEST

START_TEST(test_newer_schema_refused)
{
        char *schema = fixture_schema(), *target = test_pg_schema_target(schema), sql[128];
        struct model *mm = NULL;

        snprintf(sql, sizeof(sql), "UPDATE %s.licensefs_schema SET version = %d", schema,
                 SCHEMA_VERSION + 1);
        test_pg_exec(sql);
        ck_err(model_open(target, &mm), EIO);
        ck_assert_msg(strstr(model_reason(), "newer") != NULL, "%s", model_reason());
        free(target);
        free(schema);
}
END_TEST

/* --- a lost connection ---------------------------------------------------------------------- */

static void terminate(const char *where)
{
        char sql[256];

        snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE %s", where);
        test_pg_exec(sql);
}

static int64_t backend_pid(void)
{
        int64_t pid = 0;

        ck_ok(tx_begin(m, false));
        ck_ok(sql_int(m, &pid, "SELECT pg_backend_pid()", ""));
        ck_ok(tx_end(m, 0));
        return pid;
}

/*
 * Ends the server session `pid` and waits until it is gone: its process too, which sends its
 * goodbye and closes the connection only after it left pg_stat_activity.
 */
static void terminate_and_wait(int64_t pid)
{
        char where[64], sql[160];
        PGconn *pg = test_pg_connect();
        int tries;

        snprintf(where, sizeof(where), "pid = %lld", (long long)pid);
        terminate(where);
        snprintf(sql, sizeof(sql), "SELECT 1 FROM pg_stat_activity WHERE %s", where);
        for (tries = 0; tries < 500 && test_pg_rows(pg, sql) > 0; tries++)
                usleep(10000);
        for (tries = 0; tries < 500 && kill((pid_t)pid, 0) == 0; tries++)
                usleep(10000);
        PQfinish(pg);
}

/* A session the server ended while the model was idle is replaced, and no call fails for it. */
START_TEST(test_connection_ended_while_idle_is_replaced)
{
        int64_t pid;

        make_product("P", 1);
        pid = backend_pid();
        terminate_and_wait(pid);
        ck_ok(model_product_set_total(m, "P", 3));
        ck_product(m, "P", 3, 0, 0);
        ck_assert_int_ne(backend_pid(), pid);
        /* The session's temporary tables came back with it. */
        ck_ok(model_plans_set(m, "P", (const char *const[]){ "A", "B" }, 2));
        ck_listing(m, MODEL_LIST_PLANS, "P", NULL, "A", "B");
        /* A read, whose BEGIN goes with its first statement, alike. */
        terminate_and_wait(backend_pid());
        ck_product(m, "P", 3, 0, 0);
}
END_TEST

struct blocked_call {
        int r;
        bool in_database;
};

static void *set_total(void *arg)
{
        struct blocked_call *call = arg;

        call->r = model_product_set_total(m, "P", 5);
        call->in_database = model_failed_in_database();
        return NULL;
}

/*
 * A call whose session is lost while it runs (here: ended while it waits for the tenant's
 * lock) fails with EIO and changes nothing; the next call reconnects by itself.
 */
START_TEST(test_call_in_flight_fails_then_next_reconnects)
{
        char *schema = fixture_schema(), sql[160];
        struct blocked_call call = { 0, false };
        PGconn *holder = test_pg_connect(), *look = test_pg_connect();
        int64_t pid = 0;
        pthread_t thread;
        int tries;

        make_product("P", 1);
        test_pg_run(holder, "BEGIN");
        snprintf(sql, sizeof(sql), "SELECT 1 FROM %s.licensefs_schema FOR UPDATE", schema);
        test_pg_run(holder, sql);
        pid = backend_pid();
        ck_assert_int_eq(pthread_create(&thread, NULL, set_total, &call), 0);
        snprintf(sql, sizeof(sql), "SELECT 1 FROM pg_stat_activity WHERE pid = %lld AND "
                 "wait_event_type = 'Lock'", (long long)pid);
        for (tries = 0; tries < 500 && test_pg_rows(look, sql) == 0; tries++)
                usleep(10000);
        ck_assert_msg(tries < 500, "the call never waited for the lock");
        terminate_and_wait(pid);
        ck_assert_int_eq(pthread_join(thread, NULL), 0);
        ck_assert_int_eq(call.r, -EIO);
        ck_assert(call.in_database);
        test_pg_run(holder, "ROLLBACK");
        ck_product(m, "P", 1, 0, 0);
        ck_ok(model_product_set_total(m, "P", 2));
        ck_product(m, "P", 2, 0, 0);
        PQfinish(look);
        PQfinish(holder);
        free(schema);
}
END_TEST

/* Lets the server take new connections to `database` or refuse them (from another one). */
static void connections_allowed(const char *database, bool allowed)
{
        PGconn *other = PQconnectdb("dbname=template1");
        char sql[160];

        ck_assert_msg(PQstatus(other) == CONNECTION_OK, "%s", PQerrorMessage(other));
        snprintf(sql, sizeof(sql), "ALTER DATABASE \"%s\" ALLOW_CONNECTIONS %s", database,
                 allowed ? "true" : "false");
        test_pg_run(other, sql);
        PQfinish(other);
}

/*
 * A refusal while the server cannot be reached keeps its audit line, which the next change
 * writes once the server is back, with the time of the refusal.
 */
START_TEST(test_refusal_audited_once_reachable)
{
        struct model_actor refused = { 7, "touch", "/products/P/users/a@contoso.com" };
        struct model_actor later = { 8, "echo", "/products/P/total" };
        char database[64], *audit;
        int r, audited;

        make_product("P", 1);
        make_user("a@contoso.com", "US");
        ck_ok(tx_begin(m, false));
        ck_ok(sql_text(m, database, sizeof(database), "SELECT current_database()", ""));
        ck_ok(tx_end(m, 0));
        terminate_and_wait(backend_pid());
        connections_allowed(database, false);
        /* Nothing asserted until the server takes connections again, for the tests after. */
        clock_at(TEST_T0 + 60);
        model_set_actor(&refused);
        r = model_direct_assign(m, "P", "a@contoso.com");
        audited = model_audit_refusal(m, r, model_reason());
        model_set_actor(NULL);
        connections_allowed(database, true);
        ck_assert_int_eq(r, -EIO);
        ck_assert_int_lt(audited, 0);       /* not written now: owed */
        clock_at(TEST_T0 + 120);
        model_set_actor(&later);
        ck_ok(model_product_set_total(m, "P", 3));
        model_set_actor(NULL);
        audit = audit_text(m);
        ck_assert_ptr_eq(strstr(strstr(audit, "\tEIO\t") + 1, "\tEIO\t"), NULL);
        ck_assert_msg(strstr(audit, "\t7\ttouch\t/products/P/users/a@contoso.com\tEIO\t") &&
                      strstr(audit, "\t8\techo\t/products/P/total\tok\n"), "%s", audit);
        ck_assert_msg(strstr(audit, "\t7\ttouch") < strstr(audit, "\t8\techo"), "%s", audit);
        free(audit);
        /* Owed once: the next change writes only its own line. */
        model_set_actor(&later);
        ck_ok(model_product_set_total(m, "P", 4));
        model_set_actor(NULL);
        audit = audit_text(m);
        ck_assert_ptr_eq(strstr(strstr(audit, "\tEIO\t") + 1, "\tEIO\t"), NULL);
        free(audit);
}
END_TEST

/* --- the watch ------------------------------------------------------------------------------ */

struct heard {
        int r;
        struct model_change *list;
        size_t count;
};

static struct heard wait_for(struct db_watch *w, int timeout_ms)
{
        struct heard h = { 0, NULL, 0 };

        h.r = db_postgres.watch_wait(w, timeout_ms, &h.list, &h.count);
        return h;
}

static bool heard_user(const struct heard *h, const char *upn)
{
        for (size_t i = 0; i < h->count; i++)
                if (h->list[i].kind == MODEL_CHANGE_USER && strcmp(h->list[i].a, upn) == 0)
                        return true;
        return false;
}

static bool heard_claim(const struct heard *h, const char *upn, const char *sku)
{
        for (size_t i = 0; i < h->count; i++)
                if (h->list[i].kind == MODEL_CHANGE_SEAT && strcmp(h->list[i].a, upn) == 0 &&
                    strcmp(h->list[i].b, sku) == 0)
                        return true;
        return false;
}

static bool heard_all(const struct heard *h)
{
        return h->count == 1 && h->list[0].kind == MODEL_CHANGE_ALL;
}

static void heard_free(struct heard *h)
{
        if (h->r > 0)
                changes_free(h->list, h->count);
}

START_TEST(test_watch_hears_others_commits)
{
        char *schema = fixture_schema(), *target = test_pg_schema_target(schema);
        struct model *other = open_on(schema);
        struct db_watch *w = NULL;
        struct heard h;
        char upn[300];

        ck_ok(db_postgres.watch_open(target, m->conn, &w));
        /* Another connection's commit is heard, with what it touched. */
        ck_ok(model_user_create(other, "ann@contoso.com"));
        h = wait_for(w, 5000);
        ck_assert_int_eq(h.r, 1);
        ck_assert(heard_user(&h, "ann@contoso.com"));
        heard_free(&h);
        /* A claim's change is heard as the user's claim to that product. */
        ck_ok(model_product_create(other, "P"));
        ck_ok(model_product_set_total(other, "P", 5));
        ck_ok(model_user_set_usage_location(other, "ann@contoso.com", "US"));
        while ((h = wait_for(w, 300)).r > 0)
                heard_free(&h);
        ck_ok(model_direct_assign(other, "P", "ann@contoso.com"));
        h = wait_for(w, 5000);
        ck_assert_int_eq(h.r, 1);
        ck_assert(heard_claim(&h, "ann@contoso.com", "P"));
        ck_assert(!heard_user(&h, "ann@contoso.com"));
        heard_free(&h);
        /* The watch's own model's commits are not. */
        ck_ok(model_user_create(m, "bob@contoso.com"));
        h = wait_for(w, 300);
        ck_assert_int_eq(h.r, 0);
        /* Nor is a change rolled back. */
        ck_ok(model_batch_begin(other));
        ck_ok(model_user_create(other, "cat@contoso.com"));
        ck_ok(model_batch_end(other, false));
        h = wait_for(w, 300);
        ck_assert_int_eq(h.r, 0);
        /* Too much for one notification: forget everything. */
        ck_ok(model_batch_begin(other));
        for (int i = 0; i < 100; i++) {
                snprintf(upn, sizeof(upn), "%0100d@contoso.com", i);
                ck_ok(model_user_create(other, upn));
        }
        ck_ok(model_batch_end(other, true));
        h = wait_for(w, 5000);
        ck_assert_int_eq(h.r, 1);
        ck_assert(heard_all(&h));
        heard_free(&h);
        /* The listener's connection killed: everything, then it hears again. */
        terminate("query LIKE 'LISTEN licensefs%'");
        h = wait_for(w, 5000);
        ck_assert_int_eq(h.r, 1);
        ck_assert(heard_all(&h));
        heard_free(&h);
        ck_ok(model_user_create(other, "dan@contoso.com"));
        h = wait_for(w, 5000);
        ck_assert_int_eq(h.r, 1);
        ck_assert(heard_user(&h, "dan@contoso.com"));
        heard_free(&h);
        db_postgres.watch_close(w);
        model_close(other);
        free(target);
        free(schema);
}
END_TEST

/* --- cost ----------------------------------------------------------------------------------- */

static void changes_ignored(void *ctx, const struct model_change *changes, size_t count)
{
        (void)ctx;
        (void)changes;
        (void)count;
}

/* Messages the calling thread waited for while it assigned `upn` P directly. */
static int64_t assignment_round_trips(const char *upn)
{
        int64_t before = postgres_round_trips;

        ck_ok(model_direct_assign(m, "P", upn));
        return postgres_round_trips - before;
}

/*
 * Round trips for one direct assignment, statements prepared already, as a mount makes it (an
 * actor audited, what it touched taken for the kernel's caches): the read that finds
 * nothing to do (1: BEGIN with the check; the read's end is not waited for), then the write
 * (BEGIN and the tenant's lock with the lookup; the seat's writes counted for the audit; the
 * audit line with what the change touched; the publishing with COMMIT). At most 5: more
 * shows. Without an actor or a watch, the write needs neither middle one. A removal likewise:
 * the lookup with the seat, the claim's other paths with who waits, then as above.
 */
START_TEST(test_direct_assign_and_remove_round_trips)
{
        struct model_actor actor = { 0, "touch", "/products/P/users/c@contoso.com" };
        int64_t plain, mounted, removal, before;

        make_product("P", 5);
        make_user("a@contoso.com", "US");
        make_user("b@contoso.com", "US");
        make_user("c@contoso.com", "US");
        ck_ok(model_direct_assign(m, "P", "a@contoso.com"));
        plain = assignment_round_trips("b@contoso.com");
        ck_ok(model_watch(m, changes_ignored, NULL));
        model_set_actor(&actor);
        mounted = assignment_round_trips("c@contoso.com");
        model_set_actor(NULL);
        before = postgres_round_trips;
        model_set_actor(&actor);
        ck_ok(model_direct_remove(m, "P", "b@contoso.com"));
        model_set_actor(NULL);
        removal = postgres_round_trips - before;
        fprintf(stderr, "round trips of a direct assignment: %lld plain, %lld as mounted; "
                "of a removal as mounted: %lld\n", (long long)plain, (long long)mounted,
                (long long)removal);
        ck_assert_int_le(plain, 3);
        ck_assert_int_le(mounted, 5);
        ck_assert_int_le(removal, 5);
        ck_product(m, "P", 5, 2, 0);
}
END_TEST

/*
 * A product with a plan some service-plan rule names: the user's plans are read before and
 * after the change as well: 1 round trip more than above (the second read carries the
 * writes), and no more.
 */
START_TEST(test_ruled_assign_round_trips)
{
        struct model_actor actor = { 0, "touch", "/products/P/users/b@contoso.com" };
        const char *const plans[] = { "MCOSTANDARD", "EXCHANGE_S_ENTERPRISE" };
        int64_t mounted;

        make_product("P", 5);
        ck_ok(model_plans_set(m, "P", plans, 2));
        make_user("a@contoso.com", "US");
        make_user("b@contoso.com", "US");
        ck_ok(model_direct_assign(m, "P", "a@contoso.com"));
        ck_ok(model_watch(m, changes_ignored, NULL));
        model_set_actor(&actor);
        mounted = assignment_round_trips("b@contoso.com");
        model_set_actor(NULL);
        fprintf(stderr, "round trips of a direct assignment of a product a rule names: %lld\n",
                (long long)mounted);
        ck_assert_int_le(mounted, 6);
        ck_product(m, "P", 5, 2, 0);
}
END_TEST

static int name_ignored(void *ctx, const char *name)
{
        (void)name;
        (*(int *)ctx)++;
        return 0;
}

/* A listing asks whether its parents exist and for its names in one round trip. */
START_TEST(test_listing_is_one_round_trip)
{
        int64_t before;
        int names = 0;

        make_product("P", 5);
        make_user("a@contoso.com", "US");
        ck_ok(model_direct_assign(m, "P", "a@contoso.com"));
        ck_ok(model_list(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, name_ignored, &names));
        before = postgres_round_trips;
        ck_ok(model_list(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, name_ignored, &names));
        ck_assert_int_eq(postgres_round_trips - before, 1);
        ck_assert_int_eq(names, 2);
        before = postgres_round_trips;
        ck_refused(model_list(m, MODEL_LIST_PRODUCT_HOLDERS, "Q", NULL, name_ignored, &names),
                   ENOENT);
        ck_assert_int_eq(postgres_round_trips - before, 1);
}
END_TEST

static int64_t users_counted_by_the_planner(void)
{
        int64_t tuples = 0;

        ck_ok(tx_begin(m, false));
        ck_ok(sql_int(m, &tuples, "SELECT CAST(reltuples AS BIGINT) FROM pg_class "
                      "WHERE oid = CAST('users' AS regclass)", ""));
        ck_ok(tx_end(m, 0));
        return tuples;
}

/* A change of many rows leaves the planner's statistics taken again; a small one does not. */
START_TEST(test_large_change_takes_statistics)
{
        char upn[64];
        int i;

        ck_ok(model_user_create(m, "one@contoso.com"));
        ck_assert_int_lt(users_counted_by_the_planner(), 1);
        ck_ok(model_batch_begin(m));
        for (i = 0; i < 1000; i++) {
                snprintf(upn, sizeof(upn), "u%d@contoso.com", i);
                ck_ok(model_user_create(m, upn));
        }
        ck_ok(model_batch_end(m, true));
        ck_assert_int_eq(users_counted_by_the_planner(), 1001);
}
END_TEST

/* --- copies between backends ---------------------------------------------------------------- */

/* SQLite to PostgreSQL to SQLite: the export and the audit log are the same bytes. */
START_TEST(test_copy_sqlite_postgres_sqlite)
{
        struct model *pg = m, *first = NULL, *last = NULL;

        ck_ok(model_open(":memory:", &first));
        ck_ok(model_open(":memory:", &last));
        m = first;
        clock_at(TEST_T0);
        build_rich();
        ck_ok(model_copy(first, pg, 0));
        ck_ok(model_copy(pg, last, 0));
        ck_same_text("export", export_text(first), export_text(last));
        ck_same_text("audit", audit_text(first), audit_text(last));
        ck_same_text("export on PostgreSQL", export_text(first), export_text(pg));
        /* New rows in the copy get ids past the copied ones. */
        ck_ok(model_user_create(pg, "new@contoso.com"));
        ck_ok(model_product_create(pg, "NEW"));
        m = pg;
        model_close(first);
        model_close(last);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("db_postgres");
        TCase *tcase = model_tcase("db_postgres");

        if (!test_on_postgres()) {
                fprintf(stderr, "LICENSEFS_TEST_BACKEND is not postgresql: skipped\n");
                return 77;
        }
        tcase_set_timeout(tcase, 120);
        tcase_add_test(tcase, test_sqlstate_map);
        tcase_add_test(tcase, test_sqlstate_real);
        tcase_add_test(tcase, test_tenant_lock_serialises_claims);
        tcase_add_test(tcase, test_lock_timeout_is_busy);
        tcase_add_test(tcase, test_read_session_is_one_snapshot);
        tcase_add_test(tcase, test_empty_schema_created);
        tcase_add_test(tcase, test_backend_chosen_by_target);
        tcase_add_test(tcase, test_foreign_schema_refused);
        tcase_add_test(tcase, test_missing_schema_made);
        tcase_add_test(tcase, test_newer_schema_refused);
        tcase_add_test(tcase, test_connection_ended_while_idle_is_replaced);
        tcase_add_test(tcase, test_call_in_flight_fails_then_next_reconnects);
        tcase_add_test(tcase, test_refusal_audited_once_reachable);
        tcase_add_test(tcase, test_watch_hears_others_commits);
        tcase_add_test(tcase, test_direct_assign_and_remove_round_trips);
        tcase_add_test(tcase, test_ruled_assign_round_trips);
        tcase_add_test(tcase, test_large_change_takes_statistics);
        tcase_add_test(tcase, test_listing_is_one_round_trip);
        tcase_add_test(tcase, test_copy_sqlite_postgres_sqlite);
        suite_add_tcase(suite, tcase);
        return run_suite(suite);
}
