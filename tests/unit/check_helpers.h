/*
 * Shared helpers for the model unit tests: a Check fixture that gives every test a fresh
 * in-memory tenant with a fixed clock, assertions that name the errno and the model's reason,
 * listings collected into arrays, and the Check form of the tenant invariant checker and the
 * tenant snapshot of tests/common/ (to prove that every step keeps the rules and that a
 * refusal changed nothing).
 */
#pragma once

#include <check.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "invariants.h"
#include "model.h"
#include "name_list.h"
#include "tenant_snapshot.h"

#define TEST_T0 ((time_t)1700000000)  /* the fixture's clock: 2023-11-14T22:13:20Z */

#define CK_STRINGIFY_(x) #x
#define CK_STRINGIFY(x) CK_STRINGIFY_(x)
#define CK_WHERE __FILE__ ":" CK_STRINGIFY(__LINE__)

/* The model of the running test, opened by model_setup() and closed by model_teardown(). */
extern struct model *m;

/* The time the fixture's clock shows; change it with clock_at(). */
extern time_t test_now;

/* Whether the tests run on PostgreSQL (LICENSEFS_TEST_BACKEND=postgresql), not SQLite. */
bool test_on_postgres(void);
/*
 * A DATABASE for a fresh, empty tenant (malloc'd, the caller frees it): ":memory:" on SQLite;
 * on PostgreSQL a new schema of the test server (PGHOST, PGUSER, PGDATABASE) and its URI.
 */
char *test_target_new(void);
/*
 * The DATABASE that stands for the file at `path` (malloc'd): the path itself on SQLite; on
 * PostgreSQL a schema of the test server named after the path, made on first use, so every
 * model opened for one path shares one tenant, as they would share the file.
 */
char *test_target_named(const char *path);
/* model_open of test_target_new(): 0 or -errno. */
int test_model_open(struct model **ret);
/* On PostgreSQL: runs SQL on the test server in a connection of its own (fails the test). */
void test_pg_exec(const char *sql);
/* A connection to the test server of the test's own (PQfinish it), and SQL run on it: the rows
 * it changed; a failure fails the test. */
PGconn *test_pg_connect(void);
int64_t test_pg_run(PGconn *pg, const char *sql);
/* The number of rows a query gives on `pg` (a failure fails the test). */
int64_t test_pg_rows(PGconn *pg, const char *sql);
/* The URI of the test server's `schema` (malloc'd). */
char *test_pg_schema_target(const char *schema);

void model_setup(void);
void model_teardown(void);

/* A test case whose tests each get a fresh model (test_target_new) with the clock at TEST_T0. */
TCase *model_tcase(const char *name);

/* Runs the suite; returns the process exit status. */
int run_suite(Suite *suite);

/* Sets the model's clock to `now` (epoch seconds). */
void clock_at(time_t now);

/* "ENOENT" for -ENOENT, "0" for 0, a number otherwise. */
const char *errno_name(int rc);

/* --- assertions on return values ----------------------------------------------------------- */

#define ck_ok(expr) do {                                                                     \
        int rc_ = (expr);                                                                    \
        ck_assert_msg(rc_ == 0, "%s returned %s, expected 0 (reason: \"%s\")", #expr,        \
                      errno_name(rc_), model_reason());                                      \
} while (0)

/* A failed lookup: the errno only. */
#define ck_err(expr, err) do {                                                               \
        int rc_ = (expr);                                                                    \
        ck_assert_msg(rc_ == -(err), "%s returned %s, expected %s", #expr, errno_name(rc_),  \
                      errno_name(-(err)));                                                   \
} while (0)

/* A refused change: the errno and a non-empty model_reason(). */
#define ck_refused(expr, err) do {                                                           \
        int rc_ = (expr);                                                                    \
        ck_assert_msg(rc_ == -(err), "%s returned %s, expected %s (reason: \"%s\")", #expr,  \
                      errno_name(rc_), errno_name(-(err)), model_reason());                  \
        ck_assert_msg(model_reason()[0] != '\0', "%s: refused with %s but model_reason() "   \
                      "is empty", #expr, errno_name(rc_));                                   \
} while (0)

/* A refused change that leaves the whole tenant exactly as it was, every invariant holding. */
#define ck_refused_unchanged(expr, err) do {                                                 \
        char *before_ = tenant_snapshot(m);                                                  \
        ck_refused(expr, err);                                                               \
        char *after_ = tenant_snapshot(m);                                                   \
        ck_same_snapshot_at(CK_WHERE, #expr, before_, after_);                               \
        check_invariants_at(CK_WHERE, m);                                                    \
} while (0)

/* A successful change after which every invariant holds. */
#define ck_step(expr) do {                                                                   \
        ck_ok(expr);                                                                         \
        check_invariants_at(CK_WHERE, m);                                                    \
} while (0)

/* --- listings (struct names and names_collect() are in name_list.h) ------------------------ */

/* The number of names in a listing; fails the test when the listing fails. */
#define listing_count(model, listing, a, b) listing_count_at(CK_WHERE, model, listing, a, b)
int64_t listing_count_at(const char *where, struct model *model, enum model_listing listing,
                         const char *a, const char *b);

/*
 * Asserts that a listing yields exactly the given names in this order, e.g.
 * ck_listing(m, MODEL_LIST_PRODUCT_HOLDERS, "P", NULL, "a@x.com", "b@x.com");
 * ck_listing(m, MODEL_LIST_PRODUCT_WAITERS, "P", NULL, NULL) for an empty listing.
 */
#define ck_listing(model, listing, a, b, ...)                                                \
        ck_listing_at(CK_WHERE, model, listing, a, b, (const char *const[]){ __VA_ARGS__, NULL })
void ck_listing_at(const char *where, struct model *model, enum model_listing listing,
                   const char *a, const char *b, const char *const expected[]);

/* --- state ---------------------------------------------------------------------------------- */

/* Asserts a product's counts (available is checked as total - assigned). */
#define ck_product(model, sku, total, assigned, waiting)                                     \
        ck_product_at(CK_WHERE, model, sku, total, assigned, waiting)
void ck_product_at(const char *where, struct model *model, const char *sku, int64_t total,
                   int64_t assigned, int64_t waiting);

/* Asserts that upn holds sku with this direct flag, number of group paths and since. */
#define ck_holder(model, sku, upn, direct, groups, since)                                    \
        ck_holder_at(CK_WHERE, model, sku, upn, direct, groups, since)
void ck_holder_at(const char *where, struct model *model, const char *sku, const char *upn,
                  bool direct, int64_t groups, time_t since);

/* Asserts that upn waits for sku through this many groups since this time. */
#define ck_waiter(model, sku, upn, groups, since)                                            \
        ck_waiter_at(CK_WHERE, model, sku, upn, groups, since)
void ck_waiter_at(const char *where, struct model *model, const char *sku, const char *upn,
                  int64_t groups, time_t since);

/* Asserts that upn neither holds nor waits for sku. */
#define ck_no_seat(model, sku, upn) ck_no_seat_at(CK_WHERE, model, sku, upn)
void ck_no_seat_at(const char *where, struct model *model, const char *sku, const char *upn);

/* Asserts the members= and errors= of the group's license of sku. */
#define ck_group_license(sku, group, members, errors)                                        \
        ck_group_license_at(CK_WHERE, m, sku, group, members, errors)
void ck_group_license_at(const char *where, struct model *model, const char *sku,
                         const char *group, int64_t members, int64_t errors);

/*
 * Checks every invariant of the tenant (tenant_broken_invariant(), the rules of seats, waits,
 * groups, deleted users and options) and fails the test, naming the caller, on the first one
 * broken.
 */
#define check_invariants(model) check_invariants_at(CK_WHERE, model)
void check_invariants_at(const char *where, struct model *model);

/*
 * Compares two tenant_snapshot()s: fails naming the first differing line (or a snapshot that
 * ran out of memory); frees both.
 */
void ck_same_snapshot_at(const char *where, const char *what, char *before, char *after);

/* --- setup shortcuts (each fails the test if the model refuses) ----------------------------- */

void make_product(const char *sku, int64_t total);
/* Creates the user; `location` NULL leaves the usage location unset. */
void make_user(const char *upn, const char *location);
/* Creates the group and adds the members in this order (NULL-terminated). */
void make_group_with(const char *group, const char *const members[]);
#define make_group(group, ...) make_group_with(group, (const char *const[]){ __VA_ARGS__, NULL })

/* A string of `length` bytes: `prefix`, then `fill` repeated, then `suffix`; freed by caller. */
char *make_name(const char *prefix, char fill, const char *suffix, size_t length);
