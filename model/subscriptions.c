/*
 * Subscriptions: where a product's seats come from once it has any. Each has seats and perhaps
 * an end date; its status follows from that date and the clock, as Microsoft 365 moves a
 * subscription that is not renewed: Enabled until it ends, Warning (expired, in a 30-day grace
 * period: still usable and assignable) for 30 days, Suspended (disabled: its seats no longer
 * count, its assignments stay) for 90 more, then deleted. A product's total is the seats of
 * its Enabled and Warning subscriptions and its expiring_soon those of the Warning ones (Graph's
 * prepaidUnits.warning); the seat engine takes them (seat_set_supply), and when seats leave,
 * nobody loses one: assigned may exceed total until holders leave. The clock moves the statuses
 * only in model_subscriptions_tick (at mount and hourly), each move an audit line, so that the
 * numbers never change unseen; a write of an end date moves its own at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DAY_SECONDS 86400
#define GRACE_SECONDS (30 * DAY_SECONDS)        /* Warning: expired, still usable */
#define SUSPENDED_SECONDS (90 * DAY_SECONDS)    /* Suspended: disabled, then deleted */

enum status { ENABLED, WARNING, SUSPENDED, DELETED };

static const char *const status_names[] = { "Enabled", "Warning", "Suspended", "Deleted" };

/* The status of a subscription ending at `ends` (0: never) at `now`, and when it changes next. */
static enum status status_at(time_t ends, time_t now, time_t *next)
{
        *next = 0;
        if (!ends)
                return ENABLED;
        if (now < ends) {
                *next = ends;
                return ENABLED;
        }
        if (now < ends + GRACE_SECONDS) {
                *next = ends + GRACE_SECONDS;
                return WARNING;
        }
        if (now < ends + GRACE_SECONDS + SUSPENDED_SECONDS) {
                *next = ends + GRACE_SECONDS + SUSPENDED_SECONDS;
                return SUSPENDED;
        }
        return DELETED;
}

static enum status status_named(const char *name)
{
        int i;

        for (i = ENABLED; i < DELETED; i++)
                if (strcmp(status_names[i], name) == 0)
                        return (enum status)i;
        return ENABLED;
}

/* The product's total and expiring_soon from its subscriptions, given to the seat engine. */
static int supply_derive(struct model *m, int64_t product)
{
        int64_t total = 0, expiring = 0;
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT coalesce(sum(CASE WHEN status <> 'Suspended' THEN seats "
                        "END), 0), coalesce(sum(CASE WHEN status = 'Warning' THEN seats END), 0) "
                        "FROM subscriptions WHERE product_id = $1", "i", product);
        if (r >= 0)
                r = sql_step(s);
        if (r <= 0)
                return r < 0 ? r : refuse(-EIO, "product %lld vanished", (long long)product);
        total = column_int64(s, 0);
        expiring = column_int64(s, 1);
        sql_reset(s);
        return seat_set_supply(m, product, total, expiring);
}

/* A subscription's row. */
struct row {
        int64_t id, product, seats, ends, trial, created;
        enum status status;
};

static int row_get(struct model *m, const char *sku, const char *name, struct row *ret)
{
        struct sql_stmt *s;
        int r;

        ret->product = product_id(m, sku);
        if (ret->product < 0)
                return (int)ret->product;
        r = sql_prepare(m, &s, "SELECT id, seats, ends, trial, created, status FROM subscriptions "
                        "WHERE product_id = $1 AND name = $2", "it", ret->product, name);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                r = refuse(-ENOENT, "'%s' has no subscription '%s'", sku, name);
        if (r < 0)
                return r;
        ret->id = column_int64(s, 0);
        ret->seats = column_int64(s, 1);
        ret->ends = column_int64(s, 2);
        ret->trial = column_int64(s, 3);
        ret->created = column_int64(s, 4);
        ret->status = status_named(column_string(s, 5));
        sql_reset(s);
        return 0;
}

/*
 * EBUSY when the product's total, `seats_now` seats of it becoming `seats_then`, would fall
 * below the seats assigned (and lower than it is): seats given up by hand must be free ones.
 */
static int check_seats_kept(struct model *m, const char *sku, int64_t product, int64_t seats_now,
                            int64_t seats_then)
{
        int64_t total = 0, assigned = 0;
        struct sql_stmt *s;
        int r;

        if (seats_then >= seats_now)
                return 0;
        r = sql_prepare(m, &s, "SELECT total, assigned FROM products WHERE id = $1", "i",
                        product);
        if (r >= 0)
                r = sql_step(s);
        if (r <= 0)
                return r < 0 ? r : refuse(-EIO, "product '%s' vanished", sku);
        total = column_int64(s, 0);
        assigned = column_int64(s, 1);
        sql_reset(s);
        if (total - seats_now + seats_then < assigned)
                return refuse(-EBUSY, "%lld seats of '%s' are assigned; its subscriptions "
                              "cannot give fewer than that", (long long)assigned, sku);
        return 0;
}

static int subscription_create(struct model *m, const char *sku, const char *name)
{
        int64_t product = product_id(m, sku), others = 0;
        int r;

        if (product < 0)
                return (int)product;
        r = check_name(name, "subscription");
        if (r >= 0)
                r = sql_int(m, &others, "SELECT count(*) FROM subscriptions WHERE product_id = "
                            "$1", "i", product);
        if (r < 0)
                return r;
        /*
         * The first takes over the seats the product has (so that none leaves); later ones
         * start with none.
         */
        r = sql_exec(m, "INSERT INTO subscriptions (product_id, name, seats, created) SELECT "
                     "id, $2, CASE WHEN $3 = 0 THEN total ELSE 0 END, $4 FROM products WHERE "
                     "id = $1 ON CONFLICT DO NOTHING", "itii", product, name, others,
                     (int64_t)model_now(m));
        if (r == 0)
                return refuse(-EEXIST, "'%s' has a subscription '%s' already", sku, name);
        return r < 0 ? r : supply_derive(m, product);
}

int model_subscription_create(struct model *m, const char *sku, const char *name)
{
        return WRITE_TX(m, subscription_create(m, sku, name));
}

static int subscription_import(struct model *m, const char *sku, const char *name,
                               const struct model_subscription *sub)
{
        int64_t product = product_id(m, sku);
        enum status status;
        time_t next;
        int r;

        if (product < 0)
                return (int)product;
        r = check_name(name, "subscription");
        if (r >= 0)
                r = check_count(sub->seats, "totalLicenses");
        if (r < 0)
                return r;
        /* One the clock has deleted already waits for the next tick, suspended. */
        status = status_at(sub->ends, model_now(m), &next);
        if (status == DELETED)
                status = SUSPENDED;
        r = sql_exec(m, "INSERT INTO subscriptions (product_id, name, seats, ends, trial, status, "
                     "created) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                     "itiiiti", product, name, sub->seats, (int64_t)sub->ends,
                     (int64_t)sub->trial, status_names[status], (int64_t)sub->created);
        if (r == 0)
                return refuse(-EEXIST, "'%s' has a subscription '%s' already", sku, name);
        return r < 0 ? r : supply_derive(m, product);
}

int model_subscription_import(struct model *m, const char *sku, const char *name,
                              const struct model_subscription *sub)
{
        return WRITE_TX(m, subscription_import(m, sku, name, sub));
}

int model_subscription_ends_from(const char *status, time_t next_lifecycle, time_t *ret)
{
        /* The inverse of next_lifecycle: when it ended, from when it moves next. */
        if (strcmp(status, "Enabled") == 0)
                *ret = next_lifecycle;
        else if (strcmp(status, "Warning") == 0 && next_lifecycle)
                *ret = next_lifecycle - GRACE_SECONDS;
        else if (strcmp(status, "Suspended") == 0 && next_lifecycle)
                *ret = next_lifecycle - GRACE_SECONDS - SUSPENDED_SECONDS;
        else
                return refuse(-EINVAL, "a subscription %s, with %s next lifecycle date, is not "
                              "one licensefs keeps", status, next_lifecycle ? "a" : "no");
        return 0;
}

static int subscription_delete(struct model *m, const char *sku, const char *name)
{
        struct row row;
        int r;

        r = row_get(m, sku, name, &row);
        if (r >= 0 && row.status != SUSPENDED)
                r = check_seats_kept(m, sku, row.product, row.seats, 0);
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM subscriptions WHERE id = $1", "i", row.id);
        return r < 0 ? r : supply_derive(m, row.product);
}

int model_subscription_delete(struct model *m, const char *sku, const char *name)
{
        return WRITE_TX(m, subscription_delete(m, sku, name));
}

static int subscription_get(struct model *m, const char *sku, const char *name,
                            struct model_subscription *ret)
{
        struct row row;
        int r = row_get(m, sku, name, &row);

        if (r < 0)
                return r;
        ret->seats = row.seats;
        ret->ends = row.ends;
        ret->trial = row.trial != 0;
        ret->status = status_names[row.status];
        ret->created = row.created;
        /* When the clock moves it next, from the status it has (a tick may be due already). */
        ret->next_lifecycle = !row.ends ? 0
                : row.status == ENABLED ? row.ends
                : row.status == WARNING ? row.ends + GRACE_SECONDS
                : row.ends + GRACE_SECONDS + SUSPENDED_SECONDS;
        return 0;
}

int model_subscription_get(struct model *m, const char *sku, const char *name,
                           struct model_subscription *ret)
{
        return READ_TX(m, subscription_get(m, sku, name, ret));
}

static int subscription_set_seats(struct model *m, const char *sku, const char *name,
                                  int64_t seats)
{
        struct row row;
        int r;

        r = check_count(seats, "seats");
        if (r >= 0)
                r = row_get(m, sku, name, &row);
        if (r >= 0 && row.status != SUSPENDED)
                r = check_seats_kept(m, sku, row.product, row.seats, seats);
        if (r >= 0)
                r = sql_exec(m, "UPDATE subscriptions SET seats = $1 WHERE id = $2", "ii", seats,
                             row.id);
        return r < 0 ? r : supply_derive(m, row.product);
}

int model_subscription_set_seats(struct model *m, const char *sku, const char *name,
                                 int64_t seats)
{
        return WRITE_TX(m, subscription_set_seats(m, sku, name, seats));
}

static int subscription_set_ends(struct model *m, const char *sku, const char *name, time_t ends)
{
        enum status status;
        struct row row;
        time_t next;
        int r;

        if (ends < 0)
                return refuse(-EINVAL, "an end date before 1970");
        status = status_at(ends, model_now(m), &next);
        if (status == DELETED)
                return refuse(-EINVAL, "a subscription that ended more than 120 days ago is "
                              "deleted: remove it instead");
        r = row_get(m, sku, name, &row);
        /* A later date brings a lapsed subscription back (its seats count again). */
        if (r >= 0)
                r = sql_exec(m, "UPDATE subscriptions SET ends = $1, status = $2 WHERE id = $3",
                             "iti", (int64_t)ends, status_names[status], row.id);
        return r < 0 ? r : supply_derive(m, row.product);
}

int model_subscription_set_ends(struct model *m, const char *sku, const char *name, time_t ends)
{
        return WRITE_TX(m, subscription_set_ends(m, sku, name, ends));
}

static int subscription_set_trial(struct model *m, const char *sku, const char *name, bool trial)
{
        struct row row;
        int r = row_get(m, sku, name, &row);

        if (r >= 0)
                r = sql_exec(m, "UPDATE subscriptions SET trial = $1 WHERE id = $2", "ii",
                             (int64_t)trial, row.id);
        return r < 0 ? r : 0;
}

int model_subscription_set_trial(struct model *m, const char *sku, const char *name, bool trial)
{
        return WRITE_TX(m, subscription_set_trial(m, sku, name, trial));
}

/* --- the clock ------------------------------------------------------------------------------ */

/* A subscription whose status the clock has moved. */
struct move {
        int64_t id, product, seats;
        time_t ends;
        enum status to;
        char sku[MODEL_NAME_MAX + 1], name[MODEL_NAME_MAX + 1];
};

/* The subscriptions with an end date whose stored status the clock has left behind. */
static int moves_collect(struct model *m, struct move **ret, size_t *ret_count)
{
        struct move *moves = NULL, *grown, mv;
        size_t count = 0;
        struct sql_stmt *s;
        time_t next;
        int r;

        r = sql_prepare(m, &s, "SELECT s.id, s.product_id, s.seats, s.ends, s.status, p.sku, "
                        "s.name FROM subscriptions s JOIN products p ON p.id = s.product_id "
                        "WHERE s.ends <> 0 ORDER BY p.sku, s.name", "");
        while (r >= 0 && (r = sql_step(s)) > 0) {
                mv.id = column_int64(s, 0);
                mv.product = column_int64(s, 1);
                mv.seats = column_int64(s, 2);
                mv.ends = column_int64(s, 3);
                mv.to = status_at(mv.ends, model_now(m), &next);
                if (mv.to == status_named(column_string(s, 4)))
                        continue;
                column_text(s, 5, mv.sku, sizeof(mv.sku));
                column_text(s, 6, mv.name, sizeof(mv.name));
                grown = realloc(moves, (count + 1) * sizeof(*moves));
                if (!grown) {
                        sql_reset(s);
                        r = refuse(-ENOMEM, "out of memory");
                        break;
                }
                moves = grown;
                moves[count++] = mv;
        }
        if (r < 0) {
                free(moves);
                return r;
        }
        *ret = moves;
        *ret_count = count;
        return 0;
}

/* Carries out one move: the new status (or the row gone), the product's seats, the line. */
static int move_apply(struct model *m, const struct move *mv)
{
        static const char *const ops[] = { [WARNING] = "grace", [SUSPENDED] = "suspend",
                                           [DELETED] = "delete" };
        char object[2 * MODEL_NAME_MAX + 64], reason[256], when[32];
        struct tm tm;
        time_t ends = mv->ends;
        int r;

        if (mv->to == ENABLED)
                return 0;               /* only a write of its end date brings it back */
        r = mv->to == DELETED
                ? sql_exec(m, "DELETE FROM subscriptions WHERE id = $1", "i", mv->id)
                : sql_exec(m, "UPDATE subscriptions SET status = $1 WHERE id = $2", "ti",
                           status_names[mv->to], mv->id);
        if (r >= 0)
                r = supply_derive(m, mv->product);
        if (r < 0)
                return r;
        gmtime_r(&ends, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        snprintf(object, sizeof(object), "/products/%s/subscriptions/%s", mv->sku, mv->name);
        if (mv->to == WARNING)
                snprintf(reason, sizeof(reason), "ended %s: %lld seats in their 30-day grace "
                         "period (expiring_soon)", when, (long long)mv->seats);
        else if (mv->to == SUSPENDED)
                snprintf(reason, sizeof(reason), "ended %s, grace period over: %lld seats no "
                         "longer count (assignments stay)", when, (long long)mv->seats);
        else
                snprintf(reason, sizeof(reason), "ended %s, suspended 90 days: deleted", when);
        return audit_info(m, ops[mv->to], object, reason);
}

static int subscriptions_tick(struct model *m)
{
        struct move *moves = NULL;
        size_t count = 0, i;
        int r;

        r = moves_collect(m, &moves, &count);
        for (i = 0; r >= 0 && i < count; i++)
                r = move_apply(m, &moves[i]);
        free(moves);
        return r < 0 ? r : (int)count;
}

int model_subscriptions_tick(struct model *m)
{
        return WRITE_TX(m, subscriptions_tick(m));
}

int subscriptions_exist(struct model *m, int64_t product)
{
        int64_t any = 0;
        int r = sql_int(m, &any, "SELECT CASE WHEN EXISTS (SELECT 1 FROM subscriptions WHERE "
                        "product_id = $1) THEN 1 ELSE 0 END", "i", product);

        return r < 0 ? r : any != 0;
}

static int product_subscribed(struct model *m, const char *sku)
{
        int64_t product = product_id(m, sku);

        return product < 0 ? (int)product : subscriptions_exist(m, product);
}

int model_product_subscribed(struct model *m, const char *sku)
{
        return READ_TX(m, product_subscribed(m, sku));
}
