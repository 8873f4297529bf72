/*
 * The seat engine: who holds a seat of a product and who waits for one, and the only code that
 * writes the seats table or the seat counts on a product's row. A user has a claim to a product
 * through a direct path or a licensed group; a claim holds a seat when one is free and otherwise
 * waits in the product's queue. A freed seat is handed straight to the head of the queue, so at
 * no moment does anyone wait while a seat is free (the schema checks that too). Every function
 * here runs inside the caller's write transaction. Group processing is audited here: who got a
 * seat through a group or from the queue, who started waiting.
 *
 * A claim through groups that would break a service-plan rule beside the user's other seats is
 * held back (SEAT_BLOCKED: no seat, counted nowhere, the reason kept), as Entra puts such a
 * member in error rather than refuse the group's change. Which users' rules may have moved is
 * noted as the change goes (seat_settle_user_later) and settled before it commits
 * (seat_settle): a held-back claim whose rule no longer holds takes a seat, or its place in the
 * queue, by its queue number; a license held only through groups that now breaks a rule (an
 * add-on whose prerequisite went, a plan its group's options enable again) is held back and its
 * seat handed on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The longest reason seats.reason keeps: two plan names, two SKUs and the words. */
#define SEAT_REASON_MAX MODEL_REASON_MAX

/* Counts the licensed groups through which the user has the product. */
#define GROUP_PATHS_SQL                                                                  \
        "(SELECT count(*) FROM members mb JOIN group_licenses gl ON gl.group_id = "      \
        "mb.group_id WHERE mb.user_id = s.user_id AND gl.product_id = s.product_id)"

struct seat_counts {
        int64_t total, assigned, waiting;
};

static int counts_get(struct model *m, int64_t product, struct seat_counts *ret)
{
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT total, assigned, waiting FROM products WHERE id = $1", "i",
                        product);
        if (r < 0)
                return r;
        r = sql_step(s);
        if (r <= 0)
                return r < 0 ? r : refuse(-EIO, "product %lld vanished", (long long)product);
        ret->total = column_int64(s, 0);
        ret->assigned = column_int64(s, 1);
        ret->waiting = column_int64(s, 2);
        sql_reset(s);
        return 0;
}

static int counts_add(struct model *m, int64_t product, int64_t assigned, int64_t waiting)
{
        return sql_write(m, "UPDATE products SET assigned = assigned + $1, waiting = waiting + $2 "
                         "WHERE id = $3", "iii", assigned, waiting, product);
}

/*
 * Adds the claim of a user that has none: a seat when one is free, else a wait. A claim that
 * `why` explains ("through group Sales"; NULL: a direct assignment, which its caller's own
 * audit line explains) is audited: the seat or the wait it got.
 */
static int claim_add(struct model *m, int64_t product, int64_t user, bool direct,
                     bool seat_free, const char *why)
{
        int r;

        /*
         * The claim takes the next place in the tenant's one queue. Writes only: nothing here
         * waits for the database (sql_write), whose checks still refuse an oversold seat.
         */
        r = sql_write(m, "INSERT INTO seats (product_id, user_id, active, direct, since, queue) "
                      "VALUES ($1, $2, $3, $4, $5, (SELECT next_queue FROM tenant))", "iiiii",
                      product, user, (int64_t)seat_free, (int64_t)direct, (int64_t)model_now(m));
        if (r >= 0)
                r = sql_write(m, "UPDATE tenant SET next_queue = next_queue + 1", "");
        if (r >= 0)
                r = counts_add(m, product, seat_free ? 1 : 0, seat_free ? 0 : 1);
        if (r >= 0 && why)
                r = seat_free ? audit_seat(m, product, user, true, "seat granted %s", why)
                              : audit_seat(m, product, user, false, "CountViolation: no seat "
                                           "available (%s)", why);
        return r < 0 ? r : 0;
}

/* Notes that the user's service-plan rules may have moved: seat_settle looks again. */
int seat_settle_user_later(struct model *m, int64_t user)
{
        int64_t *grown;
        size_t i;

        for (i = 0; i < m->unsettled_count; i++)
                if (m->unsettled[i] == user)
                        return 0;
        grown = realloc(m->unsettled, (m->unsettled_count + 1) * sizeof(*grown));
        if (!grown)
                return refuse(-ENOMEM, "out of memory");
        m->unsettled = grown;
        m->unsettled[m->unsettled_count++] = user;
        return 0;
}

/* A group claim a rule holds back: no seat, no count, a place in the queue for later. */
static int claim_block(struct model *m, int64_t product, int64_t user, const char *reason,
                       const char *why)
{
        int r;

        r = sql_write(m, "INSERT INTO seats (product_id, user_id, active, direct, since, queue, "
                      "reason) VALUES ($1, $2, 3, 0, $3, (SELECT next_queue FROM tenant), $4)",
                      "iiit", product, user, (int64_t)model_now(m), reason);
        if (r >= 0)
                r = sql_write(m, "UPDATE tenant SET next_queue = next_queue + 1", "");
        if (r >= 0)
                r = audit_seat(m, product, user, false, "%s (%s)", reason, why);
        return r < 0 ? r : 0;
}

/*
 * claim_add for a user that may have a claim already (which stays as it is). A claim through a
 * group that breaks a service-plan rule is held back, never refused; a direct one (an import's,
 * a restore's) is taken as it is.
 */
static int claim(struct model *m, int64_t product, int64_t user, bool through_group,
                 const char *why)
{
        char reason[SEAT_REASON_MAX];
        int64_t total = 0, assigned = 0;
        bool ruled;
        struct sql_stmt *s;
        int r;

        /* Whether a claim exists, the product's counts and whether a rule may apply: one query. */
        r = sql_prepare(m, &s, "SELECT EXISTS (SELECT 1 FROM seats WHERE product_id = $1 AND "
                        "user_id = $2), total, assigned, " PRODUCT_RULED_SQL("$1") " FROM "
                        "products WHERE id = $1", "ii", product, user);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                return refuse(-EIO, "product %lld vanished", (long long)product);
        if (r < 0)
                return r;
        ruled = column_int64(s, 3) != 0;
        if (column_int64(s, 0)) {
                sql_reset(s);
                /* already claimed; a new path may change what it enables */
                return ruled ? seat_settle_user_later(m, user) : 0;
        }
        total = column_int64(s, 1);
        assigned = column_int64(s, 2);
        sql_reset(s);
        if (!ruled)
                return claim_add(m, product, user, false, assigned < total, why);
        r = seat_settle_user_later(m, user);
        if (r >= 0 && through_group)
                r = plan_rules_claim_check(m, product, user, reason, sizeof(reason));
        if (r > 0)
                return claim_block(m, product, user, reason, why);
        return r < 0 ? r : claim_add(m, product, user, false, assigned < total, why);
}

int seat_grant_direct(struct model *m, int64_t product, int64_t user)
{
        return claim_add(m, product, user, true, true, NULL);
}

int seat_want_restored(struct model *m, int64_t product, int64_t user)
{
        return claim(m, product, user, true, "on restore");
}

/*
 * Whether a waiter's group claim is now one a rule holds back (1: then it is, its wait no
 * longer counted), 0 if not, or -errno. A direct wait (a restore's) is never held back.
 */
static int waiter_blocked(struct model *m, int64_t product, int64_t user)
{
        char reason[SEAT_REASON_MAX];
        int64_t direct;
        int r;

        r = sql_int(m, &direct, "SELECT direct FROM seats WHERE product_id = $1 AND user_id = $2",
                    "ii", product, user);
        if (r >= 0 && !direct)
                r = plan_rules_claim_check(m, product, user, reason, sizeof(reason));
        if (r <= 0 || direct)
                return r < 0 ? r : 0;
        r = sql_write(m, "UPDATE seats SET active = 3, reason = $1 WHERE product_id = $2 AND "
                      "user_id = $3", "tii", reason, product, user);
        if (r >= 0)
                r = counts_add(m, product, 0, -1);
        if (r >= 0)
                r = audit_seat(m, product, user, false, "%s (while waiting)", reason);
        return r < 0 ? r : 1;
}

/* Gives up to `seats` free seats to the longest-waiting users; returns how many it gave. */
static int promote_waiters(struct model *m, int64_t product, int64_t seats)
{
        int64_t *users = NULL;
        size_t count = 0, i;
        int r, ruled, given = 0;

        r = ruled = plan_rules_product_ruled(m, product);
        /*
         * One by one, so that the audit log names each user who got a seat. A waiter a rule
         * now holds back steps out of the queue, and the next one is asked.
         */
        while (r >= 0 && given < seats) {
                r = collect_ids(m, &users, &count, "SELECT user_id FROM seats WHERE product_id "
                                "= $1 AND active = 0 ORDER BY queue LIMIT $2", "ii", product,
                                seats - given);
                for (i = 0; r >= 0 && i < count; i++) {
                        r = ruled ? waiter_blocked(m, product, users[i]) : 0;
                        if (r != 0)
                                continue;
                        r = sql_write(m, "UPDATE seats SET active = 1, since = $1 WHERE "
                                      "product_id = $2 AND user_id = $3", "iii",
                                      (int64_t)model_now(m), product, users[i]);
                        if (r >= 0)
                                r = audit_seat(m, product, users[i], true, "a freed seat went "
                                               "to the longest-waiting user");
                        if (r >= 0 && ruled)
                                r = seat_settle_user_later(m, users[i]);
                        given++;
                }
                free(users);
                users = NULL;
                if (count == 0)
                        break;
        }
        return r < 0 ? r : given;
}

/*
 * Accounts for a seat its holder gave up (its row already gone or suspended), `waiting` users
 * waiting for the product: the longest-waiting one gets it, unless more seats are held than the
 * product has (`over`: its subscriptions lapsed), when the seat leaves with its holder.
 */
static int seat_vacated(struct model *m, int64_t product, int64_t waiting, bool over)
{
        int r = waiting == 0 || over ? 0 : promote_waiters(m, product, 1);

        if (r < 0)
                return r;
        return counts_add(m, product, r == 1 ? 0 : -1, r == 1 ? -1 : 0);
}

static int vacate(struct model *m, int64_t product)
{
        struct seat_counts counts = { 0 };
        int r = counts_get(m, product, &counts);

        return r < 0 ? r : seat_vacated(m, product, counts.waiting,
                                        counts.assigned > counts.total);
}

/*
 * Drops the user's claim when nothing is left to give it; `direct_going`: the direct path ends
 * with this call, so only a licensed group keeps the claim (then no longer direct). One query
 * decides, and a claim that goes is deleted without first being marked as not direct.
 */
static int release_unless_kept(struct model *m, int64_t product, int64_t user, bool direct_going)
{
        int64_t active, waiting;
        bool ruled, over;
        struct sql_stmt *s;
        int r;

        /* The claim, whether a path keeps it, who waits, and the rules: one query. */
        r = sql_prepare(m, &s, "SELECT s.active, (s.direct <> 0 AND $3 = 0) OR EXISTS (SELECT 1 "
                        "FROM members mb JOIN group_licenses gl ON gl.group_id = mb.group_id "
                        "WHERE mb.user_id = $2 AND gl.product_id = $1), p.waiting, "
                        PRODUCT_RULED_SQL("$1") " AND " USER_UNSETTLED_SQL("$2") ", "
                        "p.assigned > p.total FROM seats s JOIN products p ON p.id = "
                        "s.product_id WHERE s.product_id = $1 AND s.user_id = $2", "iii", product,
                        user, (int64_t)direct_going);
        if (r < 0)
                return r;
        r = sql_step(s);
        if (r <= 0)
                return r;               /* no claim: nothing to release */
        active = column_int64(s, 0);
        ruled = column_int64(s, 3) != 0;
        if (column_int64(s, 1)) {
                sql_reset(s);
                /* the direct path or a licensed group keeps it, perhaps with other plans */
                r = direct_going ? seat_set_direct(m, product, user, false) : 0;
                return r < 0 || !ruled ? r : seat_settle_user_later(m, user);
        }
        waiting = column_int64(s, 2);
        over = column_int64(s, 4) != 0;
        sql_reset(s);

        r = sql_write(m, "DELETE FROM seats WHERE product_id = $1 AND user_id = $2", "ii", product,
                      user);
        if (r >= 0 && ruled)
                r = seat_settle_user_later(m, user);
        if (r < 0 || active == SEAT_BLOCKED)
                return r < 0 ? r : 0;
        return active ? seat_vacated(m, product, waiting, over) : counts_add(m, product, 0, -1);
}

int seat_release_if_unwanted(struct model *m, int64_t product, int64_t user)
{
        return release_unless_kept(m, product, user, false);
}

int seat_drop_direct(struct model *m, int64_t product, int64_t user)
{
        return release_unless_kept(m, product, user, true);
}

/*
 * The ids the other side of a group's paths has: the members (in join order, or on removal
 * those with a claim, waiters first) when the product is fixed, else the group's products.
 */
static int path_partners(struct model *m, int64_t group, int64_t product, bool came,
                         int64_t **ret, size_t *ret_count)
{
        if (!product)
                return collect_ids(m, ret, ret_count, "SELECT product_id FROM group_licenses "
                                   "WHERE group_id = $1 ORDER BY product_id", "i", group);
        if (came)
                return collect_ids(m, ret, ret_count, "SELECT user_id FROM members WHERE "
                                   "group_id = $1 ORDER BY id", "i", group);
        /* Waiters first, so no freed seat is handed to a member about to lose its claim. */
        return collect_ids(m, ret, ret_count, "SELECT s.user_id FROM members mb JOIN seats s ON "
                           "s.user_id = mb.user_id AND s.product_id = $2 WHERE mb.group_id = $1 "
                           "ORDER BY s.active, s.queue", "ii", group, product);
}

int seat_paths_changed(struct model *m, int64_t group, int64_t product, int64_t user, bool came)
{
        char why[MODEL_NAME_MAX + 32] = "", name[MODEL_NAME_MAX + 1];
        int64_t *ids = NULL;
        size_t count = 0, i;
        int r = 0;

        if (came) {
                r = sql_text(m, name, sizeof(name), "SELECT name FROM security_groups "
                             "WHERE id = $1", "i", group);
                snprintf(why, sizeof(why), "through group %s", name);
        }
        if (r >= 0)
                r = path_partners(m, group, product, came, &ids, &count);
        for (i = 0; r >= 0 && i < count; i++) {
                int64_t p = product ? product : ids[i], u = product ? ids[i] : user;

                r = came ? claim(m, p, u, true, why) : seat_release_if_unwanted(m, p, u);
        }
        free(ids);
        return r < 0 ? r : 0;
}

int seat_set_direct(struct model *m, int64_t product, int64_t user, bool direct)
{
        /* Only when it changes, so a touch that changes nothing leaves no audit line. */
        return sql_write(m, "UPDATE seats SET direct = $3 WHERE product_id = $1 AND "
                         "user_id = $2 AND direct <> $3", "iii", product, user, (int64_t)direct);
}

int seat_import_direct(struct model *m, int64_t product, int64_t user)
{
        int64_t active;
        int r;

        /* A seat if one is free, else a place in the queue; a claim through groups stays. */
        r = claim(m, product, user, false, NULL);
        if (r >= 0)
                r = sql_write(m, "UPDATE seats SET direct = 1 WHERE product_id = $1 "
                              "AND user_id = $2", "ii", product, user);
        if (r >= 0)
                r = sql_int(m, &active, "SELECT active FROM seats WHERE product_id = $1 AND "
                            "user_id = $2", "ii", product, user);
        return r < 0 ? r : !active;
}

/*
 * A statement per seat state, the state written in it: SQLite compiles a statement again at
 * every call that binds a value its partial index (seats_waiting) depends on.
 */
#define SEAT_GET_SQL(state)                                                                  \
        "SELECT s.direct, s.since, CASE WHEN s.active = 2 THEN (SELECT count(*) FROM "       \
        "suspended_paths sp WHERE sp.user_id = s.user_id AND sp.product_id = s.product_id) " \
        "ELSE " GROUP_PATHS_SQL " END FROM seats s JOIN products p ON p.id = s.product_id "  \
        "JOIN users u ON u.id = s.user_id WHERE p.sku = $1 AND u.upn = $2 AND s.active = "   \
        #state

int seat_get(struct model *m, const char *sku, const char *upn, int64_t state,
             struct model_holder *ret)
{
        static const char *const what[] = { "does not wait for", "does not hold",
                                            "has no suspended" };
        static const char *const sql[] = { SEAT_GET_SQL(0), SEAT_GET_SQL(1), SEAT_GET_SQL(2) };
        struct sql_stmt *s;
        int r;

        if (state < SEAT_WAITING || state > SEAT_SUSPENDED)
                return refuse(-EINVAL, "no such seat state: %lld", (long long)state);
        r = sql_prepare(m, &s, sql[state], "tt", sku, upn);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                r = refuse(-ENOENT, "'%s' %s '%s'", upn, what[state], sku);
        if (r < 0)
                return r;
        ret->direct = column_int64(s, 0);
        ret->since = column_int64(s, 1);
        ret->groups = column_int64(s, 2);
        sql_reset(s);
        return 0;
}

int seat_error_get(struct model *m, const char *sku, const char *upn, struct model_error *ret)
{
        static const char *const kinds[] = { "MutuallyExclusiveViolation",
                                             "DependencyViolation" };
        const char *reason;
        struct sql_stmt *s;
        size_t i, n;
        int r;

        r = sql_prepare(m, &s, "SELECT s.direct, s.since, " GROUP_PATHS_SQL ", s.reason "
                        "FROM seats s JOIN products p ON p.id = s.product_id "
                        "JOIN users u ON u.id = s.user_id WHERE p.sku = $1 AND u.upn = $2 AND "
                        "u.deleted IS NULL AND s.active IN (0, 3)", "tt", sku, upn);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                r = refuse(-ENOENT, "'%s' is in no error for '%s'", upn, sku);
        if (r < 0)
                return r;
        ret->direct = column_int64(s, 0);
        ret->since = column_int64(s, 1);
        ret->groups = column_int64(s, 2);
        reason = column_string(s, 3);
        /* seats.reason is "KIND: text"; a wait for a seat keeps none. */
        ret->kind = "CountViolation";
        ret->reason[0] = '\0';
        for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
                n = strlen(kinds[i]);
                if (strncmp(reason, kinds[i], n) == 0 && reason[n] == ':') {
                        ret->kind = kinds[i];
                        snprintf(ret->reason, sizeof(ret->reason), "%s", reason + n + 1 +
                                 (reason[n + 1] == ' '));
                }
        }
        sql_reset(s);
        return 0;
}

/* --- a user's seats as it is deleted, restored and purged ------------------------------------ */

/* In product order: the order of the seats handed on, and of their audit lines. */
#define USER_SEATS_SQL(state)                                                      \
        "SELECT product_id FROM seats WHERE user_id = $1 AND active = " #state " ORDER BY " \
        "product_id"

/* Calls fn(m, product) for each product of the user's seats rows in the given state. */
static int each_seat(struct model *m, int64_t user, int64_t state,
                     int (*fn)(struct model *m, int64_t product))
{
        /* The state written in the statement, as in seat_get. */
        static const char *const sql[] = { USER_SEATS_SQL(0), USER_SEATS_SQL(1),
                                           USER_SEATS_SQL(2) };
        int64_t *products = NULL;
        size_t count = 0, i;
        int r;

        if (state < SEAT_WAITING || state > SEAT_SUSPENDED)
                return refuse(-EINVAL, "no such seat state: %lld", (long long)state);
        r = collect_ids(m, &products, &count, sql[state], "i", user);
        for (i = 0; r >= 0 && i < count; i++)
                r = fn(m, products[i]);
        free(products);
        return r;
}

static int one_less_waiting(struct model *m, int64_t product)
{
        return counts_add(m, product, 0, -1);
}

int seat_suspend_user(struct model *m, int64_t user)
{
        int r;

        /*
         * Waits stop counting; those only a group caused end, and claims a rule held back (a
         * restore derives them again).
         */
        r = each_seat(m, user, SEAT_WAITING, one_less_waiting);
        if (r >= 0)
                r = sql_write(m, "DELETE FROM seats WHERE user_id = $1 AND active IN (0, 3) "
                              "AND direct = 0", "i", user);
        if (r >= 0)
                r = sql_write(m, "UPDATE seats SET active = 2 WHERE user_id = $1 AND active = 0",
                              "i", user);
        /* Held seats go to the longest-waiting users. */
        if (r >= 0)
                r = each_seat(m, user, SEAT_HELD, vacate);
        if (r >= 0)
                r = sql_write(m, "UPDATE seats SET active = 2 WHERE user_id = $1 AND active = 1",
                              "i", user);
        return r < 0 ? r : 0;
}

/* A suspended direct assignment comes back: a seat if one is free, else a wait from now. */
static int resume_direct(struct model *m, int64_t product, int64_t user)
{
        int r;

        r = sql_write(m, "DELETE FROM seats WHERE product_id = $1 AND user_id = $2", "ii", product,
                      user);
        if (r >= 0)
                r = claim(m, product, user, false, "on restore");
        if (r >= 0)
                r = sql_write(m, "UPDATE seats SET direct = 1 WHERE product_id = $1 "
                              "AND user_id = $2", "ii", product, user);
        return r;
}

int seat_resume(struct model *m, int64_t user)
{
        int64_t *products = NULL;
        size_t count = 0, i;
        int r;

        /* What only groups gave is derived again by the caller, from the groups as they are. */
        r = sql_write(m, "DELETE FROM seats WHERE user_id = $1 AND active = 2 AND direct = 0", "i",
                      user);
        if (r >= 0)
                r = collect_ids(m, &products, &count, "SELECT product_id FROM seats WHERE "
                                "user_id = $1 AND active = 2 ORDER BY product_id", "i", user);
        for (i = 0; r >= 0 && i < count; i++)
                r = resume_direct(m, products[i], user);
        free(products);
        return r < 0 ? r : 0;
}

int seat_forget_user(struct model *m, int64_t user)
{
        /* A deleted user's rows are suspended ones, which no count includes. */
        int r = sql_write(m, "DELETE FROM seats WHERE user_id = $1", "i", user);

        return r < 0 ? r : 0;
}

/* --- a product's numbers --------------------------------------------------------------------- */

int seat_set_supply(struct model *m, int64_t product, int64_t total, int64_t expiring_soon)
{
        struct seat_counts counts = { 0 };
        int64_t promoted = 0;
        int r;

        r = counts_get(m, product, &counts);
        if (r < 0)
                return r;
        if (total > counts.assigned && counts.waiting > 0) {
                r = promote_waiters(m, product, total - counts.assigned);
                if (r < 0)
                        return r;
                promoted = r;
        }
        /* One statement, so the schema's checks see the seats and counts change together. */
        r = sql_write(m, "UPDATE products SET total = $1, expiring_soon = CASE WHEN $2 < 0 THEN "
                      "expiring_soon ELSE $2 END, assigned = assigned + $3, waiting = waiting - "
                      "$4 WHERE id = $5", "iiiii", total, expiring_soon, promoted, promoted,
                      product);
        return r < 0 ? r : 0;
}

int seat_set_total(struct model *m, int64_t product, int64_t total)
{
        return seat_set_supply(m, product, total, -1);
}

int seat_set_expiring_soon(struct model *m, int64_t product, int64_t n)
{
        int r = sql_write(m, "UPDATE products SET expiring_soon = $1 WHERE id = $2", "ii", n,
                          product);

        return r < 0 ? r : 0;
}

int seat_clear_all(struct model *m)
{
        int r;

        /* The counts in one statement, so the schema's checks see them change together. */
        r = sql_write(m, "DELETE FROM seats", "");
        if (r >= 0)
                r = sql_write(m, "UPDATE products SET total = 0, expiring_soon = 0, assigned = 0, "
                              "waiting = 0", "");
        return r < 0 ? r : 0;
}

/* --- claims a service-plan rule holds back, settled before a change commits ----------------- */

/* seat_settle_user_later for each user the query ($1 = id) selects. */
static int settle_selected_later(struct model *m, const char *sql, int64_t id)
{
        int64_t *users = NULL;
        size_t count = 0, i;
        int r;

        r = collect_ids(m, &users, &count, sql, "i", id);
        for (i = 0; r >= 0 && i < count; i++)
                r = seat_settle_user_later(m, users[i]);
        free(users);
        return r < 0 ? r : 0;
}

int seat_settle_members_later(struct model *m, int64_t group)
{
        return settle_selected_later(m, "SELECT user_id FROM members WHERE group_id = $1 "
                                     "ORDER BY id", group);
}

int seat_settle_product_later(struct model *m, int64_t product)
{
        return settle_selected_later(m, "SELECT user_id FROM seats WHERE product_id = $1 AND "
                                     "active IN (1, 3) ORDER BY queue", product);
}

int seat_drop_blocked(struct model *m, int64_t product, int64_t user)
{
        int r = sql_write(m, "DELETE FROM seats WHERE product_id = $1 AND user_id = $2 AND "
                          "active = 3", "ii", product, user);

        return r < 0 ? r : 0;
}

/* A held-back claim whose rule no longer holds: a seat if one is free, else its queue place. */
static int claim_unblock(struct model *m, int64_t product, int64_t user)
{
        struct seat_counts counts = { 0 };
        bool seat_free;
        int r;

        r = counts_get(m, product, &counts);
        if (r < 0)
                return r;
        seat_free = counts.assigned < counts.total;
        r = sql_write(m, "UPDATE seats SET active = $1, reason = '', since = $2 WHERE "
                      "product_id = $3 AND user_id = $4", "iiii",
                      (int64_t)(seat_free ? SEAT_HELD : SEAT_WAITING), (int64_t)model_now(m),
                      product, user);
        if (r >= 0)
                r = counts_add(m, product, seat_free ? 1 : 0, seat_free ? 0 : 1);
        if (r >= 0)
                r = seat_free ? audit_seat(m, product, user, true, "seat granted: no service-plan "
                                           "rule holds the claim back any more")
                              : audit_seat(m, product, user, false, "CountViolation: no seat "
                                           "available (no service-plan rule holds the claim "
                                           "back any more)");
        return r < 0 ? r : 0;
}

/* A license held only through groups that now breaks a rule: held back, its seat handed on. */
static int claim_hold_back(struct model *m, int64_t product, int64_t user, const char *reason)
{
        int r;

        r = sql_write(m, "UPDATE seats SET active = 3, reason = $1 WHERE product_id = $2 AND "
                      "user_id = $3", "tii", reason, product, user);
        if (r >= 0)
                r = audit_seat(m, product, user, false, "seat released: %s", reason);
        return r < 0 ? r : vacate(m, product);
}

/*
 * One pass over a user's claims a rule may move: licenses held only through groups that now
 * break a rule (a group's options or a product's plans changed, a prerequisite went) are held
 * back, the latest first, so that of two that conflict the one given first stays; then
 * held-back claims whose rule no longer holds come forward, the earliest first, and the rest
 * keep their current reason. Returns 1 when a claim moved, 0 when none did, or -errno.
 */
static int settle_pass(struct model *m, int64_t user)
{
        char reason[SEAT_REASON_MAX];
        int64_t *products = NULL;
        size_t count = 0, i;
        int r, moved = 0;

        /* Both kinds in one query: a held one's id is negated. */
        r = collect_ids(m, &products, &count, "SELECT CASE WHEN s.active = 1 THEN -s.product_id "
                        "ELSE s.product_id END FROM seats s WHERE s.user_id = $1 AND (s.active = "
                        "3 OR (s.active = 1 AND s.direct = 0 AND " PRODUCT_RULED_SQL("s.product_id")
                        ")) ORDER BY s.active, CASE WHEN s.active = 1 THEN -s.queue ELSE s.queue "
                        "END", "i", user);
        for (i = 0; r >= 0 && i < count; i++) {
                bool held = products[i] < 0;
                int64_t product = held ? -products[i] : products[i];

                r = plan_rules_claim_check(m, product, user, reason, sizeof(reason));
                if (held) {
                        if (r > 0) {
                                r = claim_hold_back(m, product, user, reason);
                                moved = 1;
                        }
                        continue;
                }
                if (r == 0) {
                        r = claim_unblock(m, product, user);
                        moved = 1;
                } else if (r > 0) {
                        r = sql_write(m, "UPDATE seats SET reason = $1 WHERE product_id = $2 "
                                      "AND user_id = $3 AND reason <> $1", "tii", reason,
                                      product, user);
                }
        }
        free(products);
        return r < 0 ? r : moved;
}

/* Passes over one user's claims before the settling gives up (each pass moves one at least). */
#define SETTLE_PASSES_MAX 64

int seat_settle(struct model *m)
{
        int64_t user;
        int r = 0, passes;

        /* A seat handed on notes its new holder: until nobody is left to look at. */
        while (r >= 0 && m->unsettled_count > 0) {
                user = m->unsettled[--m->unsettled_count];
                for (passes = 0; (r = settle_pass(m, user)) > 0; passes++)
                        if (passes == SETTLE_PASSES_MAX) {
                                r = refuse(-EIO, "the service-plan rules of user %lld do not "
                                           "settle", (long long)user);
                                break;
                        }
        }
        m->unsettled_count = 0;
        return r < 0 ? r : 0;
}
