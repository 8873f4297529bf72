/*
 * The files at the root that report on the whole tenant: `summary`, the All products page as a
 * tab-separated table, and `audit`, the log of changes and refusals. The summary is rendered at
 * open like every other file; the log may be long, so it is read in place, one piece per read,
 * at the cost of that piece only.
 */
#include <errno.h>
#include <string.h>

#include "kinds.h"

/* --- summary -------------------------------------------------------------------------------- */

static int add_name(void *opaque, const char *name)
{
        /* A SKU holds no control characters, so a newline ends each one. */
        fs_buf_printf(opaque, "%s\n", name);
        return 0;
}

static int summary_render(struct model *m, const struct fs_node *node, struct fs_file *out)
{
        struct fs_buf skus = { 0 };
        struct model_product p;
        char *sku, *end;
        int r;

        (void)node;
        /* Collected first: the model is not called again from inside a listing. */
        r = model_list(m, MODEL_LIST_PRODUCTS_BY_NAME, NULL, NULL, add_name, &skus);
        if (r >= 0)
                r = fs_buf_error(&skus);
        if (r < 0)
                goto out;
        fs_buf_printf(&out->content, "product\tname\ttotal\tassigned\tavailable\texpiring_soon\t"
                      "waiting\n");
        for (sku = skus.data; sku && *sku; sku = end + 1) {
                end = strchr(sku, '\n');
                *end = '\0';
                r = model_product_get(m, sku, &p);
                if (r == -ENOENT)
                        continue;       /* deleted since the listing */
                if (r < 0)
                        goto out;
                fs_buf_printf(&out->content, "%s\t%s\t%lld\t%lld\t%lld\t%lld\t%lld\n", sku, p.name,
                              (long long)p.total, (long long)p.assigned, (long long)p.available,
                              (long long)p.expiring_soon, (long long)p.errors);
        }
        r = 0;
out:
        fs_buf_free(&skus);
        return r;
}

const struct fs_kind_ops fs_summary_ops = {
        .render = summary_render,
};

/* --- audit ---------------------------------------------------------------------------------- */

static int audit_size(struct model *m, const struct fs_node *node, off_t *ret)
{
        int64_t size;
        int r;

        (void)node;
        r = model_audit_size(m, &size);
        if (r >= 0)
                *ret = (off_t)size;
        return r;
}

static int audit_read(struct model *m, const struct fs_node *node, char *buf, size_t size,
                      off_t offset)
{
        (void)node;
        return model_audit_read(m, buf, size, (int64_t)offset);
}

const struct fs_kind_ops fs_audit_ops = {
        .size = audit_size,
        .read = audit_read,
};
