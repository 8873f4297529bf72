/*
 * What the model's own files share and nobody else sees: the model struct, the transaction
 * bracket every public function runs in, the db layer (db.h) through which every statement
 * runs, and the seat engine. Nothing here is part of the public API in model.h.
 */
#pragma once

#include <pthread.h>
#include <stdarg.h>

#include "db.h"
#include "model.h"

/*
 * Slots of the statement cache: every SQL literal the model has (about 200) and the copy's
 * (3 a table) fit with room to spare, since a full cache fails the statement (EIO).
 */
#define STMT_CACHE_SIZE 512

struct stmt_slot {
        const char *sql;                /* the literal's address is the key */
        struct sql_stmt *stmt;
};

/* A refusal's audit line the database could not take when it was made (audit.c). */
struct owed_line {
        time_t time;
        int64_t uid;
        char *op, *object, *result, *reason;
};

#define AUDIT_OWED_MAX 64

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
        /*
         * Refusal lines owed while the database could not be reached: written with the next
         * change or refusal that commits (owed_written of them are in the open transaction);
         * owed_dropped counts those beyond AUDIT_OWED_MAX.
         */
        struct owed_line owed[AUDIT_OWED_MAX];
        size_t owed_count, owed_written;
        int64_t owed_dropped;
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
        /* Other connections' commits (model_others_wait), used by one thread at a time. */
        char *target;                   /* the DATABASE the model was opened on */
        struct db_watch *watch;         /* a backend that is told: its watch, once opened */
        bool others_polled;             /* else: others_version holds the last data_version */
        int64_t others_version;
        /* The open change's users whose service-plan rules seat_settle looks at (seats.c). */
        int64_t *unsettled;
        size_t unsettled_count;
};

/* Whether `text` is valid UTF-8 throughout (names.c), as every stored name is. */
bool text_is_utf8(const char *text);

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

/*
 * Whether plan pl of product p is enabled for user u: by a path that does not disable it (the
 * direct one, a licensed group's, or a deleted user's kept group path). The effective plans
 * (listings.c) and every holder's record (assignments.c) ask it alike.
 */
#define PLAN_ENABLED_SQL                                                                        \
        "(EXISTS (SELECT 1 FROM seats s WHERE s.product_id = p.id AND s.user_id = u.id "         \
        " AND s.direct = 1 AND NOT EXISTS (SELECT 1 FROM direct_disabled_plans d "              \
        " WHERE d.product_id = p.id AND d.user_id = u.id AND d.plan_id = pl.id))"               \
        " OR EXISTS (SELECT 1 FROM members mb JOIN group_licenses gl "                         \
        " ON gl.group_id = mb.group_id AND gl.product_id = p.id WHERE mb.user_id = u.id "       \
        " AND NOT EXISTS (SELECT 1 FROM group_disabled_plans gd WHERE gd.group_id = "           \
        " gl.group_id AND gd.product_id = p.id AND gd.plan_id = pl.id))"                       \
        " OR EXISTS (SELECT 1 FROM suspended_paths sp WHERE sp.user_id = u.id "                \
        " AND sp.product_id = p.id AND NOT EXISTS (SELECT 1 FROM group_disabled_plans gd "     \
        " JOIN security_groups g ON g.id = gd.group_id WHERE g.name = sp.group_name "          \
        " AND gd.product_id = p.id AND gd.plan_id = pl.id)))"

#define WRITE_TX(m, work) IN_TRANSACTION(m, true, work)
#define READ_TX(m, work) IN_TRANSACTION(m, false, work)

time_t model_now(struct model *m);

/* --- the audit log (audit.c); see model_set_actor() --- */

/* Called by tx_begin once the transaction is open. */
void audit_tx_begin(struct model *m, bool write);
/*
 * Called by tx_end before COMMIT when the work succeeded: adds the refusal lines owed since the
 * database could not be reached, and the actor's ok line if due.
 */
int audit_tx_success(struct model *m);
/* Called by tx_end after COMMIT (r >= 0) or ROLLBACK (r < 0), the lock still held. */
void audit_tx_end(struct model *m, int r);
/* Frees the owed lines (model_close). */
void audit_owed_free(struct model *m);
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

/* The row ids of the objects a path names: 0 for those it does not name. */
struct path_ids {
        int64_t product, group, user;
};
/*
 * Resolves the names given (NULL: the path names none) in the order product, group, user, so a
 * refusal names the first one missing. 0, or -ENOENT with the reason, or -errno.
 */
int path_resolve(struct model *m, const char *sku, const char *group, const char *upn,
                 struct path_ids *ret);

/* --- lookups by name (db_stmt.c): the row id, or -ENOENT with a reason --- */

enum lookup_kind {
        LOOKUP_PRODUCT,
        LOOKUP_GROUP,
        LOOKUP_USER,
        LOOKUP_DELETED_USER,
        LOOKUP_KINDS,
};

struct id_lookup {
        enum lookup_kind kind;
        const char *name;
        int64_t *id;                    /* set when found */
};

/*
 * Looks up several rows by name at once (one round trip on a server), each kind at most once,
 * in order: 0, or for the first name that is wrong -EINVAL, or missing -ENOENT, with the reason.
 */
int ids_lookup(struct model *m, const struct id_lookup *want, size_t count);

int64_t product_id(struct model *m, const char *sku);
int64_t user_id(struct model *m, const char *upn);
int64_t deleted_user_id(struct model *m, const char *upn);
int64_t group_id(struct model *m, const char *name);

/* --- copying (copy.c) --- */

/*
 * A table model_copy copies, with the SQL made from its column list: the rows of `select`
 * (every column, in key order) go into `insert`, whose values are typed by `types` ('i', 't',
 * one letter per column). copy_tables lists every table of the schema, parents first.
 */
struct copy_table {
        const char *name, *columns, *types;
        const char *select, *insert, *clear;
        bool every_tenant;              /* rows every tenant has, an empty one too */
};

extern const struct copy_table copy_tables[];
extern const size_t copy_table_count;

/* --- the seat engine (seats.c); callers are inside a write transaction --- */

/*
 * The only writer of the seats table and of a product's seat numbers (total, expiring_soon,
 * assigned, waiting). All return 0 or -errno unless they say otherwise.
 */

/* seats.active: a claim waits, holds a seat, or is a deleted user's, suspended. */
/*
 * seats.active: a claim waits, holds a seat, is a deleted user's, suspended, or is held back
 * by a service-plan rule (through groups only; seats.reason says why).
 */
enum { SEAT_WAITING = 0, SEAT_HELD = 1, SEAT_SUSPENDED = 2, SEAT_BLOCKED = 3 };

/* The seats row of (sku, upn) in the given state; ENOENT (with the reason) when there is none. */
int seat_get(struct model *m, const char *sku, const char *upn, int64_t state,
             struct model_holder *ret);

/* The seats row of (sku, upn) that waits or a rule holds back; ENOENT when there is none. */
int seat_error_get(struct model *m, const char *sku, const char *upn, struct model_error *ret);

/*
 * Gives the user a seat of the product, directly: for a caller that saw, in this write
 * transaction, that the user has no claim and that a seat is free.
 */
int seat_grant_direct(struct model *m, int64_t product, int64_t user);
/*
 * The claim a restored user's groups give it again: a seat if one is free, else a wait, or
 * held back by a service-plan rule (audited as a restore's).
 */
int seat_want_restored(struct model *m, int64_t product, int64_t user);
/* Drops the user's claim when neither a direct path nor a licensed group is left. */
int seat_release_if_unwanted(struct model *m, int64_t product, int64_t user);
/*
 * Ends the user's direct path to the product: the claim stays, no longer direct, while a
 * licensed group gives it, and is dropped otherwise (its seat to the longest-waiting user).
 */
int seat_drop_direct(struct model *m, int64_t product, int64_t user);
/*
 * Re-derives the claims after paths through `group` came (a license or membership added: each
 * gets a claim, audited with the group's name) or went (removed: each claim nothing else gives
 * ends). One of product and user is 0: product 0 stands for each product licensed to the group
 * (in id order), user 0 for each member (in join order; on removal the waiters first, by queue,
 * so no freed seat is handed to a member about to lose its claim). Call it after the change of
 * group_licenses or members.
 */
int seat_paths_changed(struct model *m, int64_t group, int64_t product, int64_t user, bool came);
/* Sets or ends the direct flag of the user's claim; changes nothing when it is so already. */
int seat_set_direct(struct model *m, int64_t product, int64_t user, bool direct);
/*
 * A snapshot's direct license: a claim (a seat if one is free, else a wait) marked direct.
 * Returns 0 when the user holds the product, 1 when it waits, or -errno.
 */
int seat_import_direct(struct model *m, int64_t product, int64_t user);
/*
 * A user being deleted: its waits end (direct ones stay, suspended), its seats go to the
 * longest-waiting users in product order, and what it held is suspended.
 */
int seat_suspend_user(struct model *m, int64_t user);
/*
 * A deleted user being restored: suspended claims only groups gave end (the caller derives
 * them again), direct ones come back, in product order, holding a seat or waiting from now.
 */
int seat_resume(struct model *m, int64_t user);
/* A deleted user being purged: its (suspended) rows go. */
int seat_forget_user(struct model *m, int64_t user);
/* Sets the product's total; seats it adds go to the longest-waiting users. Checks nothing. */
int seat_set_total(struct model *m, int64_t product, int64_t total);
/*
 * Sets the seats a product's subscriptions give: total (which may fall below assigned: nobody
 * loses a seat, and none is given while assigned >= total) and those expiring soon (-1: as
 * they are); seats it adds go to the longest-waiting users. Checks nothing.
 */
int seat_set_supply(struct model *m, int64_t product, int64_t total, int64_t expiring_soon);
/* Sets the product's seats expiring soon. Checks nothing. */
int seat_set_expiring_soon(struct model *m, int64_t product, int64_t n);
/* Every claim goes and every product has 0 seats (for a directory being emptied). */
int seat_clear_all(struct model *m);

/*
 * The users whose service-plan rules a change may have moved, for seat_settle: one of them,
 * every member of a group (a change of the group's options), or everyone who holds a product or
 * whom a rule holds back from it (a change of its plans).
 */
int seat_settle_user_later(struct model *m, int64_t user);
int seat_settle_members_later(struct model *m, int64_t group);
int seat_settle_product_later(struct model *m, int64_t product);
/*
 * Whether user `u` (an SQL expression) has claims seat_settle may move: one a rule holds back,
 * or a product a rule names held only through groups. Folded into a query a change makes
 * anyway, so that a user with neither costs nothing more.
 */
#define USER_UNSETTLED_SQL(u)                                                                   \
        "EXISTS (SELECT 1 FROM seats b WHERE b.user_id = " u " AND (b.active = 3 OR (b.active " \
        "= 1 AND b.direct = 0 AND " PRODUCT_RULED_SQL("b.product_id") ")))"
/*
 * Before the change commits (tx_end): the noted users' held-back claims whose rule no longer
 * holds take a seat or their place in the queue, and add-ons they hold only through groups
 * that lost their last prerequisite are held back, their seats handed on.
 */
int seat_settle(struct model *m);
/* Ends a claim a rule held back (the caller gives the user the product directly). */
int seat_drop_blocked(struct model *m, int64_t product, int64_t user);

/* --- subscriptions (subscriptions.c) --- */

/* 1 when the product has subscriptions (its seats are theirs), 0 when not, or -errno. */
int subscriptions_exist(struct model *m, int64_t product);

/* --- the service-plan rules (plan_rules.c); inside the caller's write transaction --- */

/*
 * Whether product `p` (an SQL expression) has a plan that some service-plan rule names: only
 * then can a change of a path to it break a rule, and only then is it probed.
 */
#define PRODUCT_RULED_SQL(p)                                                                   \
        "EXISTS (SELECT 1 FROM plans pl WHERE pl.product_id = " p " AND (pl.name IN (SELECT "  \
        "plan FROM plan_conflicts) OR pl.name IN (SELECT plan FROM plan_dependencies) OR "    \
        "pl.name IN (SELECT needs FROM plan_dependencies)))"

enum rules_scope { RULES_USER, RULES_GROUP };

/* The violations some users had before a change (plan_rules_before), to compare after it. */
struct plan_rules_probe {
        enum rules_scope scope;
        int64_t id;                     /* the user's, or the group's (its members) */
        /*
         * Through a group Entra refuses only what takes a prerequisite away (EBUSY); what it
         * enables that breaks a rule, it carries out and reports on the users.
         */
        bool through_group;
        char **before;                  /* its violations, as plan_rules.c keys them, sorted */
        size_t before_count;
};

/*
 * Takes the violations of a user, or of a group's members, before a change (through_group:
 * a change of a group's path). 0 or -errno.
 */
int plan_rules_before(struct model *m, enum rules_scope scope, int64_t id, bool through_group,
                      struct plan_rules_probe *probe);
/*
 * After the change, whose own result is `changed` (returned as it is when it failed): 0 when
 * the change made no violation the probe did not have, else the refusal of the first new
 * one: -EEXIST (two conflicting plans enabled, MutuallyExclusiveViolation), -ENOPKG (an add-on
 * enabled without a prerequisite) or -EBUSY (an enabled add-on's last prerequisite taken
 * away), both DependencyViolation. Frees the probe either way.
 */
int plan_rules_after(struct model *m, struct plan_rules_probe *probe, int changed);
/* 1 when product `product` has a plan a rule names, 0 when not, or -errno. */
int plan_rules_product_ruled(struct model *m, int64_t product);
/*
 * Whether the user's claim of the product through its groups breaks a rule beside the user's
 * other seats: 1 with the reason ("KIND: text", as seats.reason keeps it) written to `reason`,
 * 0 when it does not, or -errno.
 */
int plan_rules_claim_check(struct model *m, int64_t product, int64_t user, char *reason,
                           size_t size);
/*
 * plan_rules_before when a change of paths to `product` can break a rule: 1 (probed: pass the
 * probe to plan_rules_after), 0 (the product's plans are in no rule: nothing to check), or
 * -errno.
 */
int plan_rules_begin(struct model *m, int64_t product, enum rules_scope scope, int64_t id,
                     bool through_group, struct plan_rules_probe *probe);
/* 1 when a product licensed to `group` has a plan a rule names, 0 when not, or -errno. */
int plan_rules_group_ruled(struct model *m, int64_t group);
/*
 * Group-based licensing wants an add-on's prerequisite in the same group: 0, or -EINVAL with
 * the reason when a license of the group enables an add-on that none of its licenses meets.
 */
int plan_rules_group_check(struct model *m, int64_t group);

/* --- whole operations other files reuse inside their own transaction --- */

/* Creates a product (catalog.c's upsert); checks and errors as model_product_create. */
int product_create(struct model *m, const char *sku);
/* As model_product_set_name. */
int product_set_name(struct model *m, const char *sku, const char *name);
/* 0, or -EINVAL with the reason for the first name that cannot be a plan's. */
int check_plan_names(const char *const *names, size_t count);
/*
 * As model_direct_assign, inside the caller's transaction; *ret (NULL: not wanted) gets the
 * ids of the product and the user. check_rules: refuses what breaks a service-plan rule
 * (false: the caller checks, around a larger change).
 */
int direct_assign(struct model *m, const char *sku, const char *upn, bool check_rules,
                  struct path_ids *ret);
/* Ends the direct path of (product, user) and its options; a group may keep the claim. */
int direct_path_drop(struct model *m, int64_t product, int64_t user);
/* Replaces the plans the direct path of (product, user) disables; EINVAL: an unknown name. */
int direct_disabled_replace(struct model *m, int64_t product, int64_t user,
                            const char *const *names, size_t count);
/* The same for the options of the group's license of the product. */
int group_disabled_replace(struct model *m, int64_t product, int64_t group,
                           const char *const *names, size_t count);
