/*
 * The seat engine: who holds a seat of a product and who waits for one. A user has a claim to
 * a product through a direct path or a licensed group; a claim holds a seat when one is free
 * and otherwise waits in the product's queue. A freed seat is handed straight to the head of
 * the queue, so at no moment does anyone wait while a seat is free (the schema checks that
 * too). Every function here runs inside the caller's write transaction. Group processing is
 * audited here: who got a seat through a group or from the queue, who started waiting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

struct seat_counts {
        int64_t total, assigned, waiting;
};

static int counts_get(struct model *m, int64_t product, struct seat_counts *ret)
{
        sqlite3_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT total, assigned, waiting FROM products WHERE id = ?", "i",
                        product);
        if (r < 0)
                return r;
        r = sql_step(s);
        if (r <= 0)
                return r < 0 ? r : refuse(-EIO, "product %lld vanished", (long long)product);
        ret->total = sqlite3_column_int64(s, 0);
        ret->assigned = sqlite3_column_int64(s, 1);
        ret->waiting = sqlite3_column_int64(s, 2);
        sqlite3_reset(s);
        return 0;
}

static int counts_add(struct model *m, int64_t product, int64_t assigned, int64_t waiting)
{
        return sql_exec(m, "UPDATE products SET assigned = assigned + ?, waiting = waiting + ? "
                        "WHERE id = ?", "iii", assigned, waiting, product);
}

static int next_queue_position(struct model *m, int64_t *ret)
{
        int r;

        r = sql_int(m, ret, "SELECT next_queue FROM tenant", "");
        if (r >= 0)
                r = sql_exec(m, "UPDATE tenant SET next_queue = next_queue + 1", "");
        return r;
}

/*
 * A claim that `why` explains ("through group Sales"; NULL: a direct assignment, which its
 * caller's own audit line explains) is audited: the seat or the wait it got.
 */
static int claim(struct model *m, int64_t product, int64_t user, const char *why)
{
        struct seat_counts counts = { 0 };
        int64_t queue, exists;
        bool seat_free;
        int r;

        r = sql_int(m, &exists, "SELECT 1 FROM seats WHERE product_id = ? AND user_id = ?", "ii",
                    product, user);
        if (r != -ENOENT)
                return r;               /* already claimed (0), or an error */
        r = counts_get(m, product, &counts);
        if (r < 0)
                return r;
        seat_free = counts.assigned < counts.total;
        r = next_queue_position(m, &queue);
        if (r >= 0)
                r = sql_exec(m, "INSERT INTO seats (product_id, user_id, active, direct, since, "
                             "queue) VALUES (?, ?, ?, 0, ?, ?)", "iiiii", product, user,
                             (int64_t)seat_free, (int64_t)model_now(m), queue);
        if (r >= 0)
                r = counts_add(m, product, seat_free ? 1 : 0, seat_free ? 0 : 1);
        if (r >= 0 && why)
                r = seat_free ? audit_seat(m, product, user, true, "seat granted %s", why)
                              : audit_seat(m, product, user, false, "no seat available (%s)",
                                           why);
        return r < 0 ? r : 0;
}

int seat_want(struct model *m, int64_t product, int64_t user)
{
        return claim(m, product, user, NULL);
}

int seat_want_group(struct model *m, int64_t product, int64_t user, const char *group)
{
        char why[MODEL_NAME_MAX + 32];

        snprintf(why, sizeof(why), "through group %s", group);
        return claim(m, product, user, why);
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
        r = collect_ids(m, &users, &count, "SELECT user_id FROM seats WHERE product_id = ? AND "
                        "active = 0 ORDER BY queue LIMIT ?", "ii", product, seats);
        for (i = 0; r >= 0 && i < count; i++) {
                r = sql_exec(m, "UPDATE seats SET active = 1, since = ? WHERE product_id = ? AND "
                             "user_id = ?", "iii", (int64_t)model_now(m), product, users[i]);
                if (r >= 0)
                        r = audit_seat(m, product, users[i], true, "a freed seat went to the "
                                       "longest-waiting user");
        }
        free(users);
        return r < 0 ? r : (int)count;
}

int seat_release_if_unwanted(struct model *m, int64_t product, int64_t user)
{
        int64_t active, through_group;
        sqlite3_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT active, direct FROM seats WHERE product_id = ? AND "
                        "user_id = ?", "ii", product, user);
        if (r < 0)
                return r;
        r = sql_step(s);
        if (r <= 0)
                return r;               /* no claim: nothing to release */
        active = sqlite3_column_int64(s, 0);
        if (sqlite3_column_int64(s, 1)) {
                sqlite3_reset(s);
                return 0;               /* the direct path keeps it */
        }
        sqlite3_reset(s);
        r = sql_int(m, &through_group, "SELECT 1 FROM members mb JOIN group_licenses gl ON "
                    "gl.group_id = mb.group_id WHERE mb.user_id = ? AND gl.product_id = ? LIMIT 1",
                    "ii", user, product);
        if (r != -ENOENT)
                return r;               /* a licensed group keeps it (0), or an error */

        r = sql_exec(m, "DELETE FROM seats WHERE product_id = ? AND user_id = ?", "ii", product,
                     user);
        if (r < 0)
                return r;
        return active ? seat_vacate(m, product) : counts_add(m, product, 0, -1);
}

int seat_vacate(struct model *m, int64_t product)
{
        int r = promote_waiters(m, product, 1);

        if (r < 0)
                return r;
        return counts_add(m, product, r == 1 ? 0 : -1, r == 1 ? -1 : 0);
}

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
        r = sql_exec(m, "UPDATE products SET total = ?, assigned = assigned + ?, "
                     "waiting = waiting - ? WHERE id = ?", "iiii", total, promoted, promoted,
                     product);
        return r < 0 ? r : 0;
}
