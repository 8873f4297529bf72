/*
 * The invariant checker shared by the fuzz targets. For each product: 0 <= expiring_soon <=
 * total, 0 <= assigned <= total, available == total - assigned, waiting > 0 only when nothing
 * is available, assigned and waiting equal the lengths of the holder and waiter listings. For
 * each product and undeleted user: the user does not both hold and wait; a holder or waiter
 * has a path (direct, or groups > 0) and its `groups` is the number of the user's groups that
 * have the product; a member of a licensed group holds or waits. For each group: `members`
 * equals the member listing, and each of its licenses reports the same number of members.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invariants.h"

#define NAMES_MAX 64

struct names {
        size_t count;
        bool overflow;
        char items[NAMES_MAX][MODEL_NAME_MAX + 1];
};

void fuzz_fail(const char *after, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "\n*** invariant broken after %s: ", after);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n");
        abort();
}

static int collect(void *ctx, const char *name)
{
        struct names *names = ctx;

        if (names->count == NAMES_MAX) {
                names->overflow = true;
                return 0;
        }
        snprintf(names->items[names->count++], MODEL_NAME_MAX + 1, "%s", name);
        return 0;
}

/* The listing into *ret; a listing that fails is itself a broken invariant. */
static void list(struct model *m, const char *after, enum model_listing listing, const char *a,
                 const char *b, struct names *ret)
{
        int r;

        memset(ret, 0, sizeof(*ret));
        r = model_list(m, listing, a, b, collect, ret);
        if (r < 0)
                fuzz_fail(after, "listing %d (%s, %s) failed: %d %s", (int)listing,
                          a ? a : "-", b ? b : "-", r, model_reason());
}

static bool contains(const struct names *names, const char *name)
{
        for (size_t i = 0; i < names->count; i++)
                if (strcmp(names->items[i], name) == 0)
                        return true;
        return false;
}

static void check_product(struct model *m, const char *after, const char *sku,
                          const struct names *users)
{
        static struct names holders, waiters, groups, user_groups;
        struct model_product p;
        int r;

        r = model_product_get(m, sku, &p);
        if (r < 0)
                fuzz_fail(after, "listed product %s cannot be read: %d", sku, r);
        if (p.total < 0 || p.total > MODEL_COUNT_MAX)
                fuzz_fail(after, "%s: total=%" PRId64, sku, p.total);
        if (p.expiring_soon < 0 || p.expiring_soon > p.total)
                fuzz_fail(after, "%s: expiring_soon=%" PRId64 " total=%" PRId64, sku,
                          p.expiring_soon, p.total);
        if (p.assigned < 0 || p.assigned > p.total)
                fuzz_fail(after, "%s: assigned=%" PRId64 " total=%" PRId64, sku, p.assigned,
                          p.total);
        if (p.available != p.total - p.assigned)
                fuzz_fail(after, "%s: available=%" PRId64 " but total-assigned=%" PRId64, sku,
                          p.available, p.total - p.assigned);
        if (p.waiting < 0 || (p.waiting > 0 && p.available != 0))
                fuzz_fail(after, "%s: waiting=%" PRId64 " with available=%" PRId64, sku,
                          p.waiting, p.available);
        list(m, after, MODEL_LIST_PRODUCT_HOLDERS, sku, NULL, &holders);
        list(m, after, MODEL_LIST_PRODUCT_WAITERS, sku, NULL, &waiters);
        if (!holders.overflow && p.assigned != (int64_t)holders.count)
                fuzz_fail(after, "%s: assigned=%" PRId64 " but %zu holders listed", sku,
                          p.assigned, holders.count);
        if (!waiters.overflow && p.waiting != (int64_t)waiters.count)
                fuzz_fail(after, "%s: waiting=%" PRId64 " but %zu waiters listed", sku,
                          p.waiting, waiters.count);
        list(m, after, MODEL_LIST_PRODUCT_GROUPS, sku, NULL, &groups);

        for (size_t i = 0; i < users->count; i++) {
                const char *upn = users->items[i];
                struct model_holder holder;
                struct model_waiter waiter;
                int64_t expected = 0;
                int hr, wr;

                list(m, after, MODEL_LIST_USER_GROUPS, upn, NULL, &user_groups);
                for (size_t g = 0; g < user_groups.count; g++)
                        expected += contains(&groups, user_groups.items[g]);
                hr = model_holder_get(m, sku, upn, &holder);
                wr = model_waiter_get(m, sku, upn, &waiter);
                if ((hr == 0) != contains(&holders, upn))
                        fuzz_fail(after, "%s/%s: holder_get=%d disagrees with the listing", sku,
                                  upn, hr);
                if ((wr == 0) != contains(&waiters, upn))
                        fuzz_fail(after, "%s/%s: waiter_get=%d disagrees with the listing", sku,
                                  upn, wr);
                if (hr == 0 && wr == 0)
                        fuzz_fail(after, "%s/%s both holds and waits", sku, upn);
                if (hr == 0 && (holder.groups != expected || (!holder.direct && !expected)))
                        fuzz_fail(after, "%s/%s holds with direct=%d groups=%" PRId64
                                  ", licensed groups=%" PRId64, sku, upn, holder.direct,
                                  holder.groups, expected);
                if (wr == 0 && (waiter.groups != expected || (!waiter.direct && !expected)))
                        fuzz_fail(after, "%s/%s waits with direct=%d groups=%" PRId64
                                  ", licensed groups=%" PRId64, sku, upn, waiter.direct,
                                  waiter.groups, expected);
                if (hr != 0 && wr != 0 && expected)
                        fuzz_fail(after, "%s/%s is in %" PRId64 " licensed groups but neither "
                                  "holds nor waits", sku, upn, expected);
        }
}

static void check_group(struct model *m, const char *after, const char *group)
{
        static struct names members, licenses;
        struct model_group info;
        struct model_group_license license;
        int r;

        r = model_group_get(m, group, &info);
        if (r < 0)
                fuzz_fail(after, "listed group %s cannot be read: %d", group, r);
        list(m, after, MODEL_LIST_GROUP_MEMBERS, group, NULL, &members);
        if (!members.overflow && info.members != (int64_t)members.count)
                fuzz_fail(after, "group %s: members=%" PRId64 " but %zu listed", group,
                          info.members, members.count);
        list(m, after, MODEL_LIST_GROUP_LICENSES, group, NULL, &licenses);
        for (size_t i = 0; i < licenses.count; i++) {
                r = model_group_license_get(m, licenses.items[i], group, &license);
                if (r < 0)
                        fuzz_fail(after, "listed license %s of %s cannot be read: %d",
                                  licenses.items[i], group, r);
                if (license.members != info.members || license.errors < 0 ||
                    license.errors > license.members)
                        fuzz_fail(after, "license %s of %s: members=%" PRId64 " errors=%" PRId64
                                  ", group members=%" PRId64, licenses.items[i], group,
                                  license.members, license.errors, info.members);
        }
}

void fuzz_invariants(struct model *m, const char *after)
{
        static struct names products, users, groups;

        list(m, after, MODEL_LIST_PRODUCTS, NULL, NULL, &products);
        list(m, after, MODEL_LIST_USERS, NULL, NULL, &users);
        list(m, after, MODEL_LIST_GROUPS, NULL, NULL, &groups);
        for (size_t i = 0; i < products.count; i++)
                check_product(m, after, products.items[i], &users);
        for (size_t i = 0; i < groups.count; i++)
                check_group(m, after, groups.items[i]);
}
