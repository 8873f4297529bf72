/*
 * What the model's own files share and nobody else sees: the model struct, the transaction
 * bracket every public function runs in, the db layer (db.h) through which every statement
 * runs, and the seat engine. Nothing here is part of the public API in model.h.
 */
#pragma once

#include <pthread.h>
#include <stdarg.h>

#include "db.h"
#include "db_compat.h"            /* transitional: see there */
#include "model.h"

#define STMT_CACHE_SIZE 128

struct stmt_slot {
        const char *sql;                /* the literal's address is the key */
        struct sql_stmt *stmt;
};

/*
 * Lock order: `lock` is the only lock; it is held for the whole of every public call, from the
 * transaction's BEGIN to its COMMIT, so calls are serialised and each sees its own transaction.
 */
struct model {
        pthread_mutex_t lock;
        const struct db_backend *backend;       /* db_backend.h */
        struct db_conn *conn;
        time_t fixed_now;               /* 0: the real clock */
        int64_t audit_limit;            /* lines the audit log keeps */
        /* The open transaction, for its audit lines (audit.c). */
        bool tx_write;
        int64_t tx_changes;             /* sql_changes_total() at its BEGIN */
        bool tx_actor_line;             /* the actor's line is in it */
        /* A batch (model_batch_begin) holds `lock` for its thread across many calls. */
        pthread_t batch_owner;
        int batch_depth;                /* 0: no batch; calls inside nest as savepoints */
        bool batch_write;               /* a batch of changes, not a read session */
        struct stmt_slot stmts[STMT_CACHE_SIZE];
        /* The watcher of committed changes (changes.c), and what the open transaction took. */
        bool watching;                  /* the capture's triggers exist */
        model_watch_fn watch_fn;
        void *watch_ctx;
        struct model_change *taken;
        size_t taken_count;
};

/* --- errors and reasons (db.c) --- */

/* Records the calling thread's reason and returns `err` (a -errno), for `return refuse(...)`. */
int refuse(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reason_clear(void);

/* --- changes (changes.c) --- */

/* Moves what the open write transaction touched into m->taken; before COMMIT. */
int changes_take(struct model *m);
void changes_free(struct model_change *list, size_t count);

/* --- transactions (db_tx.c) --- */

/*
 * tx_begin locks the model and opens a write transaction (holding the database's write lock
 * from its start, so a change never fails half-way for another writer) or a read transaction;
 * tx_end commits when r >= 0, rolls back otherwise, unlocks, and returns r (or the commit's
 * error). Every public function is `r = tx_begin(); if (r >= 0) r = work(); return tx_end(r)`.
 */
int tx_begin(struct model *m, bool write);
int tx_end(struct model *m, int r);

/* Evaluates `work` (an int expression) in a transaction; a failed BEGIN skips it. */
#define IN_TRANSACTION(m, write, work) ({                                       \
        int tx_r_ = tx_begin((m), (write));                                     \
        tx_r_ < 0 ? tx_r_ : tx_end((m), (work));                                \
})
#define WRITE_TX(m, work) IN_TRANSACTION(m, true, work)
#define READ_TX(m, work) IN_TRANSACTION(m, false, work)

time_t model_now(struct model *m);

/* --- the audit log (audit.c); see model_set_actor() --- */

/* Called by tx_begin once the transaction is open. */
void audit_tx_begin(struct model *m, bool write);
/* Called by tx_end before COMMIT when the work succeeded: adds the actor's ok line if due. */
int audit_tx_success(struct model *m);
/* Called by tx_end after COMMIT (r >= 0) or ROLLBACK (r < 0), the lock still held. */
void audit_tx_end(struct model *m, int r);
/*
 * Adds an `info` line of licensefs's own processing (uid `-`) inside the caller's write
 * transaction: `op` one of the documented verbs, `object` a path of the tree, `reason` a short
 * text. The actor's line, if one is due, goes first, so a cause precedes its consequences.
 */
int audit_info(struct model *m, const char *op, const char *object, const char *reason);
/*
 * The info line of a seat given (`grant`, object /products/SKU/users/UPN) or of a wait begun
 * (`queue`, object /products/SKU/errors/UPN), the reason formatted from fmt.
 */
/* A line about a user: OBJECT is `dir` (e.g. "/deleted_users/") and its escaped UPN. */
int audit_user(struct model *m, const char *op, const char *dir, int64_t user,
               const char *reason);
int audit_seat(struct model *m, int64_t product, int64_t user, bool granted, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));

/* --- names and values (names.c) --- */

/* 0 or -EINVAL/-ENAMETOOLONG with a reason naming `what`. */
int check_name(const char *name, const char *what);
int check_upn(const char *upn);
/* check_upn with check_name's signature, for tables of checks. */
int check_upn_named(const char *upn, const char *what);
int check_text(const char *text, const char *what);
/* Writes the upper-case code to ret (3 bytes). 0, or -EINVAL when not an assigned code. */
int check_country(const char *code, char ret[3]);
int check_count(int64_t n, const char *what);

/* --- lookups by name (db_stmt.c): the row id, or -ENOENT with a reason --- */

int64_t product_id(struct model *m, const char *sku);
int64_t user_id(struct model *m, const char *upn);
int64_t deleted_user_id(struct model *m, const char *upn);
int64_t group_id(struct model *m, const char *name);

/* --- the seat engine (seats.c); callers are inside a write transaction --- */

/* seats.active: a claim waits, holds a seat, or is a deleted user's, suspended. */
enum { SEAT_WAITING = 0, SEAT_HELD = 1, SEAT_SUSPENDED = 2 };

/* The seats row of (sku, upn) in the given state; ENOENT when there is none. */
int seat_get(struct model *m, const char *sku, const char *upn, int64_t state,
             struct model_holder *ret);

/* Makes the user want the product: a seat if one is free, else a place in the queue. */
int seat_want(struct model *m, int64_t product, int64_t user);
/* The same through the licensed group `group`, with an audit line for the seat or the wait. */
int seat_want_group(struct model *m, int64_t product, int64_t user, const char *group);
/* The same for a claim a restore brings back (audited as such). */
int seat_want_restored(struct model *m, int64_t product, int64_t user);
/* Drops the user's claim when neither a direct path nor a licensed group is left. */
int seat_release_if_unwanted(struct model *m, int64_t product, int64_t user);
/*
 * Accounts for a seat its holder gave up (its row already gone or suspended): the
 * longest-waiting user gets it, or the product has one more available.
 */
int seat_vacate(struct model *m, int64_t product);
/* Sets the product's total; seats it adds go to the longest-waiting users. Checks nothing. */
int seat_set_total(struct model *m, int64_t product, int64_t total);

/* --- whole operations other files reuse inside their own transaction --- */

int tenant_is_empty(struct model *m);
int product_create(struct model *m, const char *sku);
int product_set_name(struct model *m, const char *sku, const char *name);
int product_set_sku_id(struct model *m, const char *sku, const char *sku_id);
int product_set_total(struct model *m, const char *sku, int64_t total);
int product_set_expiring_soon(struct model *m, const char *sku, int64_t n);
int user_create(struct model *m, const char *upn);
int user_set_display_name(struct model *m, const char *upn, const char *name);
int user_set_usage_location(struct model *m, const char *upn, const char *code);
int group_create(struct model *m, const char *name);
int member_add(struct model *m, const char *group, const char *upn);
int direct_assign(struct model *m, const char *sku, const char *upn);
int group_license_add(struct model *m, const char *sku, const char *group);
int tenant_set_name(struct model *m, const char *name);
int plans_set(struct model *m, const char *sku, const char *const *names, size_t count);
int check_plan_names(const char *const *names, size_t count);
/* Replaces the plans the direct path of (product, user) disables; EINVAL: an unknown name. */
int direct_disabled_replace(struct model *m, int64_t product, int64_t user,
                            const char *const *names, size_t count);
int tenant_set_usage_location(struct model *m, const char *code);
