/*
 * The seat engine: who holds a seat of a product and who waits for one, and the only code that
 * writes the seats table or the seat counts on a product's row. A user has a claim to a product
 * through a direct path or a licensed group; a claim holds a seat when one is free and otherwise
 * waits in the product's queue. A freed seat is handed straight to the head of the queue, so at
 * no moment does anyone wait while a seat is free (the schema checks that too). Every function
 * here runs inside the caller's write transaction. Group processing is audited here: who got a
 * seat through a group or from the queue, who started waiting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

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
                              : audit_seat(m, product, user, false, "no seat available (%s)",
                                           why);
        return r < 0 ? r : 0;
}

/* claim_add for a user that may have a claim already (which stays as it is). */
static int claim(struct model *m, int64_t product, int64_t user, const char *why)
{
        int64_t total = 0, assigned = 0;
        struct sql_stmt *s;
        int r;

        /* Whether a claim exists and the product's counts: one query. */
        r = sql_prepare(m, &s, "SELECT EXISTS (SELECT 1 FROM seats WHERE product_id = $1 AND "
                        "user_id = $2), total, assigned FROM products WHERE id = $1", "ii",
                        product, user);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                return refuse(-EIO, "product %lld vanished", (long long)product);
        if (r < 0)
                return r;
        if (column_int64(s, 0)) {
                sql_reset(s);
                return 0;               /* already claimed */
        }
        total = column_int64(s, 1);
        assigned = column_int64(s, 2);
        sql_reset(s);
        return claim_add(m, product, user, false, assigned < total, why);
}

int seat_grant_direct(struct model *m, int64_t product, int64_t user)
{
        return claim_add(m, product, user, true, true, NULL);
}

int seat_want_restored(struct model *m, int64_t product, int64_t user)
{
        return claim(m, product, user, "on restore");
}

/* Gives up to `seats` free seats to the longest-waiting users; returns how many it gave. */
static int promote_waiters(struct model *m, int64_t product, int64_t seats)
{
        int64_t *users = NULL;
        size_t count = 0, i;
        int r;

        /* One by one, so that the audit log names each user who got a seat. */
        r = collect_ids(m, &users, &count, "SELECT user_id FROM seats WHERE product_id = $1 AND "
                        "active = 0 ORDER BY queue LIMIT $2", "ii", product, seats);
        for (i = 0; r >= 0 && i < count; i++) {
                r = sql_write(m, "UPDATE seats SET active = 1, since = $1 WHERE product_id = $2 "
                              "AND user_id = $3", "iii", (int64_t)model_now(m), product, users[i]);
                if (r >= 0)
                        r = audit_seat(m, product, users[i], true, "a freed seat went to the "
                                       "longest-waiting user");
        }
        free(users);
        return r < 0 ? r : (int)count;
}

/*
 * Accounts for a seat its holder gave up (its row already gone or suspended), `waiting` users
 * waiting for the product (-1: not known): the longest-waiting one gets it.
 */
static int seat_vacated(struct model *m, int64_t product, int64_t waiting)
{
        int r = waiting == 0 ? 0 : promote_waiters(m, product, 1);

        if (r < 0)
                return r;
        return counts_add(m, product, r == 1 ? 0 : -1, r == 1 ? -1 : 0);
}

static int vacate(struct model *m, int64_t product)
{
        return seat_vacated(m, product, -1);
}

int seat_release_if_unwanted(struct model *m, int64_t product, int64_t user)
{
        int64_t active, waiting;
        struct sql_stmt *s;
        int r;

        /* The claim, whether a licensed group keeps it, and who waits: one query. */
        r = sql_prepare(m, &s, "SELECT s.active, s.direct <> 0 OR EXISTS (SELECT 1 FROM "
                        "members mb JOIN group_licenses gl ON gl.group_id = mb.group_id WHERE "
                        "mb.user_id = $2 AND gl.product_id = $1), p.waiting FROM seats s JOIN "
                        "products p ON p.id = s.product_id WHERE s.product_id = $1 AND "
                        "s.user_id = $2", "ii", product, user);
        if (r < 0)
                return r;
        r = sql_step(s);
        if (r <= 0)
                return r;               /* no claim: nothing to release */
        active = column_int64(s, 0);
        if (column_int64(s, 1)) {
                sql_reset(s);
                return 0;               /* the direct path or a licensed group keeps it */
        }
        waiting = column_int64(s, 2);
        sql_reset(s);

        r = sql_write(m, "DELETE FROM seats WHERE product_id = $1 AND user_id = $2", "ii", product,
                      user);
        if (r < 0)
                return r;
        return active ? seat_vacated(m, product, waiting) : counts_add(m, product, 0, -1);
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

                r = came ? claim(m, p, u, why) : seat_release_if_unwanted(m, p, u);
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
        r = claim(m, product, user, NULL);
        if (r >= 0)
                r = sql_write(m, "UPDATE seats SET direct = 1 WHERE product_id = $1 "
                              "AND user_id = $2", "ii", product, user);
        if (r >= 0)
                r = sql_int(m, &active, "SELECT active FROM seats WHERE product_id = $1 AND "
                            "user_id = $2", "ii", product, user);
        return r < 0 ? r : !active;
}

int seat_get(struct model *m, const char *sku, const char *upn, int64_t state,
             struct model_holder *ret)
{
        static const char *const what[] = { "does not wait for", "does not hold",
                                            "has no suspended" };
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT s.direct, s.since, CASE WHEN s.active = 2 THEN "
                        "(SELECT count(*) FROM suspended_paths sp WHERE sp.user_id = s.user_id "
                        "AND sp.product_id = s.product_id) ELSE " GROUP_PATHS_SQL " END "
                        "FROM seats s JOIN products p ON p.id = s.product_id "
                        "JOIN users u ON u.id = s.user_id "
                        "WHERE p.sku = $1 AND u.upn = $2 AND s.active = $3", "tti", sku, upn,
                        state);
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

/* --- a user's seats as it is deleted, restored and purged ------------------------------------ */

/* Calls fn(m, product) for each product of the user's seats rows in the given state. */
static int each_seat(struct model *m, int64_t user, int64_t state,
                     int (*fn)(struct model *m, int64_t product))
{
        int64_t *products = NULL;
        size_t count = 0, i;
        int r;

        /* In product order: the order of the seats handed on, and of their audit lines. */
        r = collect_ids(m, &products, &count, "SELECT product_id FROM seats WHERE user_id = $1 "
                        "AND active = $2 ORDER BY product_id", "ii", user, state);
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

        /* Waits stop counting; those only a group caused end (a restore derives them again). */
        r = each_seat(m, user, SEAT_WAITING, one_less_waiting);
        if (r >= 0)
                r = sql_write(m, "DELETE FROM seats WHERE user_id = $1 AND active = 0 "
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
                r = seat_want_restored(m, product, user);
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

int seat_set_total(struct model *m, int64_t product, int64_t total)
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
        /* One statement, so the schema's checks see total and counts change together. */
        r = sql_write(m, "UPDATE products SET total = $1, assigned = assigned + $2, "
                      "waiting = waiting - $3 WHERE id = $4", "iiii", total, promoted, promoted,
                      product);
        return r < 0 ? r : 0;
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
