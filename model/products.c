/*
 * Products: a SKU (part number) with a display name, a skuId and purchased seats. The seat
 * numbers a product shows (total, expiring soon, assigned, waiting) are kept on its row and
 * written only by the seat engine (seats.c), never counted; this file checks the changes asked.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

int product_create(struct model *m, const char *sku)
{
        int64_t exists;
        int r;

        r = check_name(sku, "product name (SKU)");
        if (r < 0)
                return r;
        r = sql_int(m, &exists, "SELECT 1 FROM products WHERE sku = $1", "t", sku);
        if (r == 0)
                return refuse(-EEXIST, "product '%s' exists already", sku);
        if (r != -ENOENT)
                return r;
        r = sql_exec(m, "INSERT INTO products (sku, name, created) VALUES ($1, $2, $3)", "tti", sku,
                     sku, (int64_t)model_now(m));
        return r < 0 ? r : 0;
}

int model_product_create(struct model *m, const char *sku)
{
        return WRITE_TX(m, product_create(m, sku));
}

static int product_delete(struct model *m, const char *sku)
{
        int64_t id = product_id(m, sku), in_use;
        int r;

        if (id < 0)
                return id;
        r = sql_int(m, &in_use, "SELECT EXISTS (SELECT 1 FROM seats WHERE product_id = $1) OR "
                    "EXISTS (SELECT 1 FROM group_licenses WHERE product_id = $1)", "i", id);
        if (r < 0)
                return r;
        if (in_use)
                return refuse(-ENOTEMPTY, "product '%s' is still held, waited for or assigned "
                              "to a group", sku);
        r = subscriptions_exist(m, id);
        if (r != 0)
                return r < 0 ? r : refuse(-ENOTEMPTY, "product '%s' has subscriptions: remove "
                                          "them first", sku);
        /* Its plans go too, and with them (by cascade) any options still naming them. */
        r = sql_exec(m, "DELETE FROM plans WHERE product_id = $1", "i", id);
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM products WHERE id = $1", "i", id);
        return r < 0 ? r : 0;
}

int model_product_delete(struct model *m, const char *sku)
{
        return WRITE_TX(m, product_delete(m, sku));
}

static int product_get(struct model *m, const char *sku, struct model_product *ret)
{
        struct sql_stmt *s;
        int r;

        r = sql_prepare(m, &s, "SELECT name, sku_id, total, expiring_soon, assigned, waiting, "
                        "created, waiting + (SELECT count(*) FROM seats s WHERE s.product_id = "
                        "products.id AND s.active = 3) FROM products WHERE sku = $1", "t", sku);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                r = refuse(-ENOENT, "no product named '%s'", sku);
        if (r < 0)
                return r;
        column_text(s, 0, ret->name, sizeof(ret->name));
        column_text(s, 1, ret->sku_id, sizeof(ret->sku_id));
        ret->total = column_int64(s, 2);
        ret->expiring_soon = column_int64(s, 3);
        ret->assigned = column_int64(s, 4);
        /* Seats that lapsed may leave fewer than are held: then none is available. */
        ret->available = ret->total > ret->assigned ? ret->total - ret->assigned : 0;
        ret->waiting = column_int64(s, 5);
        ret->created = column_int64(s, 6);
        ret->errors = column_int64(s, 7);
        sql_reset(s);
        return 0;
}

int model_product_get(struct model *m, const char *sku, struct model_product *ret)
{
        return READ_TX(m, product_get(m, sku, ret));
}

int product_set_name(struct model *m, const char *sku, const char *name)
{
        int64_t id = product_id(m, sku);
        int r;

        if (id < 0)
                return id;
        r = check_text(name, "product display name");
        if (r >= 0)
                r = sql_exec(m, "UPDATE products SET name = $1 WHERE id = $2", "ti", name, id);
        return r < 0 ? r : 0;
}

int model_product_set_name(struct model *m, const char *sku, const char *name)
{
        return WRITE_TX(m, product_set_name(m, sku, name));
}

static int product_set_sku_id(struct model *m, const char *sku, const char *sku_id)
{
        int64_t id = product_id(m, sku);
        char lower[MODEL_SKU_ID_MAX + 1];
        int r;

        if (id < 0)
                return id;
        r = model_guid_normalise(sku_id, lower);
        if (r < 0)
                return r;
        r = sql_exec(m, "UPDATE products SET sku_id = $1 WHERE id = $2", "ti", lower, id);
        return r < 0 ? r : 0;
}

int model_product_set_sku_id(struct model *m, const char *sku, const char *sku_id)
{
        return WRITE_TX(m, product_set_sku_id(m, sku, sku_id));
}

/* EPERM while the product's seats are its subscriptions'. */
static int refuse_if_subscribed(struct model *m, int64_t product, const char *sku)
{
        int r = subscriptions_exist(m, product);

        if (r > 0)
                r = refuse(-EPERM, "the seats of '%s' are its subscriptions': change those",
                           sku);
        return r < 0 ? r : 0;
}

static int product_set_total(struct model *m, const char *sku, int64_t total)
{
        struct model_product product;
        int64_t id = product_id(m, sku);
        int r;

        if (id < 0)
                return id;
        r = check_count(total, "total");
        if (r >= 0)
                r = refuse_if_subscribed(m, id, sku);
        if (r >= 0)
                r = product_get(m, sku, &product);
        if (r < 0)
                return r;
        if (total < product.assigned)
                return refuse(-EBUSY, "%lld seats of '%s' are assigned; total cannot go below "
                              "that", (long long)product.assigned, sku);
        if (total < product.expiring_soon)
                return refuse(-EINVAL, "%lld seats of '%s' expire soon; total cannot go below "
                              "that", (long long)product.expiring_soon, sku);
        return seat_set_total(m, id, total);
}

int model_product_set_total(struct model *m, const char *sku, int64_t total)
{
        return WRITE_TX(m, product_set_total(m, sku, total));
}

static int product_set_expiring_soon(struct model *m, const char *sku, int64_t n)
{
        struct model_product product;
        int64_t id = product_id(m, sku);
        int r;

        if (id < 0)
                return id;
        r = check_count(n, "expiring_soon");
        if (r >= 0)
                r = refuse_if_subscribed(m, id, sku);
        if (r >= 0)
                r = product_get(m, sku, &product);
        if (r < 0)
                return r;
        if (n > product.total)
                return refuse(-EINVAL, "expiring_soon (%lld) cannot exceed the total (%lld)",
                              (long long)n, (long long)product.total);
        return seat_set_expiring_soon(m, id, n);
}

int model_product_set_expiring_soon(struct model *m, const char *sku, int64_t n)
{
        return WRITE_TX(m, product_set_expiring_soon(m, sku, n));
}
