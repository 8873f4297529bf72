/*
 * The shared side of the model unit tests: the fresh-model fixture, listing collection, the
 * tenant snapshot used to prove that refusals change nothing, and the invariant checker. The
 * checker is two tables, one of rules per product and one of rules per tenant, walked after
 * every step of the seat tests; each rule says in words what it checks so a failure reads as
 * the broken rule.
 */
#include "check_helpers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct model *m;
time_t test_now;

void model_setup(void)
{
        int rc = model_open(":memory:", &m);

        ck_assert_msg(rc == 0, "model_open(\":memory:\") returned %s (reason: \"%s\")",
                      errno_name(rc), model_reason());
        clock_at(TEST_T0);
}

void model_teardown(void)
{
        m = model_close(m);
}

TCase *model_tcase(const char *name)
{
        TCase *tcase = tcase_create(name);

        tcase_add_checked_fixture(tcase, model_setup, model_teardown);
        tcase_set_timeout(tcase, 60);
        return tcase;
}

int run_suite(Suite *suite)
{
        SRunner *runner = srunner_create(suite);
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void clock_at(time_t now)
{
        test_now = now;
        model_set_clock(m, now);
}

const char *errno_name(int rc)
{
        static const struct {
                int err;
                const char *name;
        } names[] = {
                { ENOENT, "ENOENT" }, { EEXIST, "EEXIST" }, { EINVAL, "EINVAL" },
                { ENAMETOOLONG, "ENAMETOOLONG" }, { ENOSPC, "ENOSPC" }, { EPERM, "EPERM" },
                { EBUSY, "EBUSY" }, { ENOTEMPTY, "ENOTEMPTY" }, { EIO, "EIO" },
                { ENOMEM, "ENOMEM" }, { EROFS, "EROFS" }, { EACCES, "EACCES" },
                { ENOSYS, "ENOSYS" }, { ENOTDIR, "ENOTDIR" },
        };
        static __thread char other[32];

        if (rc == 0)
                return "0";
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (rc == -names[i].err)
                        return names[i].name;
        snprintf(other, sizeof(other), "%d", rc);
        return other;
}

/* --- listings ------------------------------------------------------------------------------- */

static int names_append(void *ctx, const char *name)
{
        struct names *names = ctx;

        if (names->count == names->capacity) {
                size_t capacity = names->capacity ? names->capacity * 2 : 16;
                char **items = realloc(names->items, capacity * sizeof(*items));

                ck_assert_ptr_nonnull(items);
                names->items = items;
                names->capacity = capacity;
        }
        names->items[names->count] = strdup(name);
        ck_assert_ptr_nonnull(names->items[names->count]);
        names->count++;
        return 0;
}

int names_collect(struct model *model, enum model_listing listing, const char *a, const char *b,
                  struct names *ret)
{
        *ret = (struct names){ 0 };
        return model_list(model, listing, a, b, names_append, ret);
}

void names_free(struct names *names)
{
        for (size_t i = 0; i < names->count; i++)
                free(names->items[i]);
        free(names->items);
        *names = (struct names){ 0 };
}

bool names_contain(const struct names *names, const char *name)
{
        for (size_t i = 0; i < names->count; i++)
                if (strcmp(names->items[i], name) == 0)
                        return true;
        return false;
}

static const char *listing_name(enum model_listing listing)
{
        static const char *const names[] = {
                [MODEL_LIST_PRODUCTS] = "PRODUCTS",
                [MODEL_LIST_USERS] = "USERS",
                [MODEL_LIST_GROUPS] = "GROUPS",
                [MODEL_LIST_PRODUCT_HOLDERS] = "PRODUCT_HOLDERS",
                [MODEL_LIST_PRODUCT_GROUPS] = "PRODUCT_GROUPS",
                [MODEL_LIST_PRODUCT_WAITERS] = "PRODUCT_WAITERS",
                [MODEL_LIST_USER_LICENSES] = "USER_LICENSES",
                [MODEL_LIST_USER_GROUPS] = "USER_GROUPS",
                [MODEL_LIST_GROUP_MEMBERS] = "GROUP_MEMBERS",
                [MODEL_LIST_GROUP_LICENSES] = "GROUP_LICENSES",
                [MODEL_LIST_GROUP_WAITERS] = "GROUP_WAITERS",
                [MODEL_LIST_PATH_GROUPS] = "PATH_GROUPS",
                [MODEL_LIST_WAITER_PRODUCTS] = "WAITER_PRODUCTS",
                [MODEL_LIST_PRODUCTS_BY_NAME] = "PRODUCTS_BY_NAME",
        };

        if ((size_t)listing < sizeof(names) / sizeof(names[0]) && names[listing])
                return names[listing];
        return "?";
}

/* Collects a listing, failing the test when it fails. */
static void names_collect_at(const char *where, struct model *model, enum model_listing listing,
                             const char *a, const char *b, struct names *ret)
{
        int rc = names_collect(model, listing, a, b, ret);

        ck_assert_msg(rc == 0, "%s: model_list(%s, \"%s\", \"%s\") returned %s", where,
                      listing_name(listing), a ? a : "(null)", b ? b : "(null)", errno_name(rc));
}

int64_t listing_count_at(const char *where, struct model *model, enum model_listing listing,
                         const char *a, const char *b)
{
        struct names names;
        int64_t count;

        names_collect_at(where, model, listing, a, b, &names);
        count = (int64_t)names.count;
        names_free(&names);
        return count;
}

static char *names_join(const char *const names[], size_t count)
{
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);

        ck_assert_ptr_nonnull(out);
        fputc('[', out);
        for (size_t i = 0; i < count; i++)
                fprintf(out, "%s\"%s\"", i ? ", " : "", names[i]);
        fputc(']', out);
        fclose(out);
        return text;
}

void ck_listing_at(const char *where, struct model *model, enum model_listing listing,
                   const char *a, const char *b, const char *const expected[])
{
        struct names actual;
        size_t expected_count = 0;
        bool same;

        while (expected[expected_count])
                expected_count++;
        names_collect_at(where, model, listing, a, b, &actual);
        same = actual.count == expected_count;
        for (size_t i = 0; same && i < expected_count; i++)
                same = strcmp(actual.items[i], expected[i]) == 0;
        if (!same) {
                char *want = names_join(expected, expected_count);
                char *got = names_join((const char *const *)actual.items, actual.count);

                ck_abort_msg("%s: listing %s(\"%s\", \"%s\") is %s, expected %s", where,
                             listing_name(listing), a ? a : "(null)", b ? b : "(null)", got, want);
        }
        names_free(&actual);
}

/* --- state ---------------------------------------------------------------------------------- */

void ck_product_at(const char *where, struct model *model, const char *sku, int64_t total,
                   int64_t assigned, int64_t waiting)
{
        struct model_product product;
        int rc = model_product_get(model, sku, &product);

        ck_assert_msg(rc == 0, "%s: model_product_get(\"%s\") returned %s", where, sku,
                      errno_name(rc));
        ck_assert_msg(product.total == total && product.assigned == assigned &&
                      product.available == total - assigned && product.waiting == waiting,
                      "%s: product %s has total=%" PRId64 " assigned=%" PRId64
                      " available=%" PRId64 " waiting=%" PRId64 ", expected total=%" PRId64
                      " assigned=%" PRId64 " available=%" PRId64 " waiting=%" PRId64, where, sku,
                      product.total, product.assigned, product.available, product.waiting, total,
                      assigned, total - assigned, waiting);
}

void ck_holder_at(const char *where, struct model *model, const char *sku, const char *upn,
                  bool direct, int64_t groups, time_t since)
{
        struct model_holder holder;
        int rc = model_holder_get(model, sku, upn, &holder);

        ck_assert_msg(rc == 0, "%s: %s should hold %s, model_holder_get returned %s", where, upn,
                      sku, errno_name(rc));
        ck_assert_msg(holder.direct == direct && holder.groups == groups && holder.since == since,
                      "%s: holder %s of %s has direct=%d groups=%" PRId64 " since=%lld, "
                      "expected direct=%d groups=%" PRId64 " since=%lld", where, upn, sku,
                      holder.direct, holder.groups, (long long)holder.since, direct, groups,
                      (long long)since);
}

void ck_waiter_at(const char *where, struct model *model, const char *sku, const char *upn,
                  int64_t groups, time_t since)
{
        struct model_waiter waiter;
        int rc = model_waiter_get(model, sku, upn, &waiter);

        ck_assert_msg(rc == 0, "%s: %s should wait for %s, model_waiter_get returned %s", where,
                      upn, sku, errno_name(rc));
        ck_assert_msg(waiter.groups == groups && waiter.since == since,
                      "%s: waiter %s of %s has groups=%" PRId64 " since=%lld, expected groups=%"
                      PRId64 " since=%lld", where, upn, sku, waiter.groups,
                      (long long)waiter.since, groups, (long long)since);
}

void ck_no_seat_at(const char *where, struct model *model, const char *sku, const char *upn)
{
        struct model_holder holder;
        struct model_waiter waiter;
        int rc;

        rc = model_holder_get(model, sku, upn, &holder);
        ck_assert_msg(rc == -ENOENT, "%s: %s should not hold %s, model_holder_get returned %s",
                      where, upn, sku, errno_name(rc));
        rc = model_waiter_get(model, sku, upn, &waiter);
        ck_assert_msg(rc == -ENOENT, "%s: %s should not wait for %s, model_waiter_get returned %s",
                      where, upn, sku, errno_name(rc));
}

/* --- the invariant checker ------------------------------------------------------------------ */

/* What the product rules look at, read once per product. */
struct product_view {
        struct model *model;
        const char *sku;
        struct model_product product;
        struct names holders;           /* MODEL_LIST_PRODUCT_HOLDERS */
        struct names waiters;           /* MODEL_LIST_PRODUCT_WAITERS */
        struct names groups;            /* MODEL_LIST_PRODUCT_GROUPS */
};

/* A rule returns true when it holds, or false with the details written to `why`. */
struct product_rule {
        const char *text;
        bool (*holds)(const struct product_view *view, char *why, size_t size);
};

static bool is_member(struct model *model, const char *group, const char *upn)
{
        struct model_member member;

        return model_member_get(model, group, upn, &member) == 0;
}

/* The number of the product's licensed groups that have the user as a member. */
static int64_t licensed_groups_of(const struct product_view *view, const char *upn)
{
        int64_t count = 0;

        for (size_t i = 0; i < view->groups.count; i++)
                if (is_member(view->model, view->groups.items[i], upn))
                        count++;
        return count;
}

static bool assigned_within_total(const struct product_view *view, char *why, size_t size)
{
        snprintf(why, size, "assigned=%" PRId64 " total=%" PRId64, view->product.assigned,
                 view->product.total);
        return view->product.assigned >= 0 && view->product.assigned <= view->product.total;
}

static bool available_is_total_minus_assigned(const struct product_view *view, char *why,
                                              size_t size)
{
        snprintf(why, size, "available=%" PRId64 " total=%" PRId64 " assigned=%" PRId64,
                 view->product.available, view->product.total, view->product.assigned);
        return view->product.available == view->product.total - view->product.assigned;
}

static bool expiring_soon_within_total(const struct product_view *view, char *why, size_t size)
{
        snprintf(why, size, "expiring_soon=%" PRId64 " total=%" PRId64,
                 view->product.expiring_soon, view->product.total);
        return view->product.expiring_soon >= 0 &&
               view->product.expiring_soon <= view->product.total;
}

static bool nobody_waits_while_seats_are_free(const struct product_view *view, char *why,
                                              size_t size)
{
        snprintf(why, size, "waiting=%" PRId64 " available=%" PRId64, view->product.waiting,
                 view->product.available);
        return view->product.waiting == 0 || view->product.available == 0;
}

static bool assigned_counts_the_holders(const struct product_view *view, char *why, size_t size)
{
        snprintf(why, size, "assigned=%" PRId64 ", %zu holders listed", view->product.assigned,
                 view->holders.count);
        return view->product.assigned == (int64_t)view->holders.count;
}

static bool waiting_counts_the_waiters(const struct product_view *view, char *why, size_t size)
{
        snprintf(why, size, "waiting=%" PRId64 ", %zu waiters listed", view->product.waiting,
                 view->waiters.count);
        return view->product.waiting == (int64_t)view->waiters.count;
}

static bool nobody_holds_and_waits(const struct product_view *view, char *why, size_t size)
{
        for (size_t i = 0; i < view->waiters.count; i++) {
                if (names_contain(&view->holders, view->waiters.items[i])) {
                        snprintf(why, size, "%s is listed as holder and waiter",
                                 view->waiters.items[i]);
                        return false;
                }
        }
        return true;
}

static bool holders_have_their_paths(const struct product_view *view, char *why, size_t size)
{
        for (size_t i = 0; i < view->holders.count; i++) {
                const char *upn = view->holders.items[i];
                struct model_holder holder;
                int64_t expected_groups = licensed_groups_of(view, upn);
                int64_t path_groups;
                int rc = model_holder_get(view->model, view->sku, upn, &holder);

                if (rc != 0) {
                        snprintf(why, size, "listed holder %s: model_holder_get returned %s", upn,
                                 errno_name(rc));
                        return false;
                }
                if (!holder.direct && holder.groups == 0) {
                        snprintf(why, size, "holder %s has neither a direct nor a group path",
                                 upn);
                        return false;
                }
                if (holder.groups != expected_groups) {
                        snprintf(why, size, "holder %s has groups=%" PRId64 " but is a member "
                                 "of %" PRId64 " licensed groups", upn, holder.groups,
                                 expected_groups);
                        return false;
                }
                path_groups = listing_count_at("invariant", view->model, MODEL_LIST_PATH_GROUPS,
                                               view->sku, upn);
                if (path_groups != holder.groups) {
                        snprintf(why, size, "holder %s has groups=%" PRId64 " but PATH_GROUPS "
                                 "lists %" PRId64, upn, holder.groups, path_groups);
                        return false;
                }
        }
        return true;
}

static bool holders_list_the_license(const struct product_view *view, char *why, size_t size)
{
        for (size_t i = 0; i < view->holders.count; i++) {
                struct names licenses;
                bool listed;

                names_collect_at("invariant", view->model, MODEL_LIST_USER_LICENSES,
                                 view->holders.items[i], NULL, &licenses);
                listed = names_contain(&licenses, view->sku);
                names_free(&licenses);
                if (!listed) {
                        snprintf(why, size, "holder %s does not list %s in USER_LICENSES",
                                 view->holders.items[i], view->sku);
                        return false;
                }
        }
        return true;
}

static bool waiters_wait_through_licensed_groups(const struct product_view *view, char *why,
                                                 size_t size)
{
        for (size_t i = 0; i < view->waiters.count; i++) {
                const char *upn = view->waiters.items[i];
                struct model_waiter waiter;
                int64_t expected_groups = licensed_groups_of(view, upn);
                int rc = model_waiter_get(view->model, view->sku, upn, &waiter);

                if (rc != 0) {
                        snprintf(why, size, "listed waiter %s: model_waiter_get returned %s", upn,
                                 errno_name(rc));
                        return false;
                }
                /* Only a restore makes a direct wait; every other wait comes from groups. */
                if ((expected_groups == 0 && !waiter.direct) ||
                    waiter.groups != expected_groups) {
                        snprintf(why, size, "waiter %s has groups=%" PRId64 " but is a member "
                                 "of %" PRId64 " licensed groups (direct=%d)", upn, waiter.groups,
                                 expected_groups, waiter.direct);
                        return false;
                }
        }
        return true;
}

static bool waiters_show_in_their_groups(const struct product_view *view, char *why, size_t size)
{
        for (size_t g = 0; g < view->groups.count; g++) {
                const char *group = view->groups.items[g];

                for (size_t i = 0; i < view->waiters.count; i++) {
                        const char *upn = view->waiters.items[i];
                        struct names group_waiters, products;
                        bool listed_waiter, listed_product;

                        if (!is_member(view->model, group, upn))
                                continue;
                        names_collect_at("invariant", view->model, MODEL_LIST_GROUP_WAITERS,
                                         group, NULL, &group_waiters);
                        names_collect_at("invariant", view->model, MODEL_LIST_WAITER_PRODUCTS,
                                         group, upn, &products);
                        listed_waiter = names_contain(&group_waiters, upn);
                        listed_product = names_contain(&products, view->sku);
                        names_free(&group_waiters);
                        names_free(&products);
                        if (!listed_waiter || !listed_product) {
                                snprintf(why, size, "waiter %s of %s: GROUP_WAITERS(%s) %s it, "
                                         "WAITER_PRODUCTS(%s, %s) %s the product", upn, view->sku,
                                         group, listed_waiter ? "lists" : "misses", group, upn,
                                         listed_product ? "lists" : "misses");
                                return false;
                        }
                }
        }
        return true;
}

static bool licensed_members_hold_or_wait(const struct product_view *view, char *why, size_t size)
{
        for (size_t g = 0; g < view->groups.count; g++) {
                struct names members;
                bool ok = true;

                names_collect_at("invariant", view->model, MODEL_LIST_GROUP_MEMBERS,
                                 view->groups.items[g], NULL, &members);
                for (size_t i = 0; ok && i < members.count; i++) {
                        bool holds = names_contain(&view->holders, members.items[i]);
                        bool waits = names_contain(&view->waiters, members.items[i]);

                        if (holds == waits) {
                                snprintf(why, size, "member %s of licensed group %s %s", 
                                         members.items[i], view->groups.items[g],
                                         holds ? "both holds and waits" :
                                         "neither holds nor waits");
                                ok = false;
                        }
                }
                names_free(&members);
                if (!ok)
                        return false;
        }
        return true;
}

static bool group_licenses_count_members_and_errors(const struct product_view *view, char *why,
                                                    size_t size)
{
        for (size_t g = 0; g < view->groups.count; g++) {
                const char *group = view->groups.items[g];
                struct model_group_license license;
                struct names members;
                int64_t errors = 0;
                int rc = model_group_license_get(view->model, view->sku, group, &license);

                if (rc != 0) {
                        snprintf(why, size, "listed group %s: model_group_license_get returned %s",
                                 group, errno_name(rc));
                        return false;
                }
                names_collect_at("invariant", view->model, MODEL_LIST_GROUP_MEMBERS, group, NULL,
                                 &members);
                for (size_t i = 0; i < members.count; i++)
                        if (names_contain(&view->waiters, members.items[i]))
                                errors++;
                if (license.members != (int64_t)members.count || license.errors != errors) {
                        snprintf(why, size, "group license %s: members=%" PRId64 " errors=%"
                                 PRId64 ", expected members=%zu errors=%" PRId64, group,
                                 license.members, license.errors, members.count, errors);
                        names_free(&members);
                        return false;
                }
                names_free(&members);
        }
        return true;
}

static const struct product_rule product_rules[] = {
        { "0 <= assigned <= total", assigned_within_total },
        { "available = total - assigned", available_is_total_minus_assigned },
        { "0 <= expiring_soon <= total", expiring_soon_within_total },
        { "nobody waits while seats are available", nobody_waits_while_seats_are_free },
        { "assigned = number of PRODUCT_HOLDERS", assigned_counts_the_holders },
        { "waiting = number of PRODUCT_WAITERS", waiting_counts_the_waiters },
        { "nobody both holds and waits", nobody_holds_and_waits },
        { "a holder's paths match its memberships", holders_have_their_paths },
        { "a holder lists the product in USER_LICENSES", holders_list_the_license },
        { "a waiter waits directly or through each of its licensed groups",
          waiters_wait_through_licensed_groups },
        { "a waiter shows in GROUP_WAITERS and WAITER_PRODUCTS", waiters_show_in_their_groups },
        { "every member of a licensed group holds or waits", licensed_members_hold_or_wait },
        { "group license members= and errors= are right", group_licenses_count_members_and_errors },
};

/* What the tenant rules look at. */
struct tenant_view {
        struct model *model;
        struct names products, users, groups;
};

struct tenant_rule {
        const char *text;
        bool (*holds)(const struct tenant_view *view, char *why, size_t size);
};

static bool user_licenses_add_up(const struct tenant_view *view, char *why, size_t size)
{
        int64_t assigned = 0, licenses = 0;

        for (size_t i = 0; i < view->products.count; i++) {
                struct model_product product;

                if (model_product_get(view->model, view->products.items[i], &product) == 0)
                        assigned += product.assigned;
        }
        for (size_t i = 0; i < view->users.count; i++)
                licenses += listing_count_at("invariant", view->model, MODEL_LIST_USER_LICENSES,
                                             view->users.items[i], NULL);
        snprintf(why, size, "sum of assigned=%" PRId64 ", sum of USER_LICENSES=%" PRId64,
                 assigned, licenses);
        return assigned == licenses;
}

static bool memberships_agree(const struct tenant_view *view, char *why, size_t size)
{
        for (size_t g = 0; g < view->groups.count; g++) {
                const char *group = view->groups.items[g];
                struct model_group info;
                struct names members;
                bool ok = true;
                int rc = model_group_get(view->model, group, &info);

                if (rc != 0) {
                        snprintf(why, size, "listed group %s: model_group_get returned %s", group,
                                 errno_name(rc));
                        return false;
                }
                names_collect_at("invariant", view->model, MODEL_LIST_GROUP_MEMBERS, group, NULL,
                                 &members);
                if (info.members != (int64_t)members.count) {
                        snprintf(why, size, "group %s: members=%" PRId64 ", %zu listed", group,
                                 info.members, members.count);
                        ok = false;
                }
                for (size_t i = 0; ok && i < members.count; i++) {
                        struct names groups;

                        names_collect_at("invariant", view->model, MODEL_LIST_USER_GROUPS,
                                         members.items[i], NULL, &groups);
                        if (!names_contain(&groups, group)) {
                                snprintf(why, size, "member %s of %s misses it in USER_GROUPS",
                                         members.items[i], group);
                                ok = false;
                        }
                        names_free(&groups);
                }
                names_free(&members);
                if (!ok)
                        return false;
        }
        return true;
}

static bool group_waiters_wait(const struct tenant_view *view, char *why, size_t size)
{
        for (size_t g = 0; g < view->groups.count; g++) {
                const char *group = view->groups.items[g];
                struct names waiters;
                bool ok = true;

                names_collect_at("invariant", view->model, MODEL_LIST_GROUP_WAITERS, group, NULL,
                                 &waiters);
                for (size_t i = 0; ok && i < waiters.count; i++) {
                        struct names products;

                        names_collect_at("invariant", view->model, MODEL_LIST_WAITER_PRODUCTS,
                                         group, waiters.items[i], &products);
                        if (products.count == 0) {
                                snprintf(why, size, "%s is in GROUP_WAITERS(%s) but waits for "
                                         "none of its products", waiters.items[i], group);
                                ok = false;
                        }
                        for (size_t p = 0; ok && p < products.count; p++) {
                                struct model_waiter waiter;

                                if (model_waiter_get(view->model, products.items[p],
                                                     waiters.items[i], &waiter) != 0) {
                                        snprintf(why, size, "WAITER_PRODUCTS(%s, %s) lists %s "
                                                 "but the user does not wait for it", group,
                                                 waiters.items[i], products.items[p]);
                                        ok = false;
                                }
                        }
                        names_free(&products);
                }
                names_free(&waiters);
                if (!ok)
                        return false;
        }
        return true;
}

static const struct tenant_rule tenant_rules[] = {
        { "sum of assigned = sum of USER_LICENSES", user_licenses_add_up },
        { "group members agree with USER_GROUPS and members=", memberships_agree },
        { "GROUP_WAITERS wait for a product of the group", group_waiters_wait },
};

static void check_product_rules(const char *where, struct model *model, const char *sku)
{
        struct product_view view = { .model = model, .sku = sku };
        char why[512];
        int rc = model_product_get(model, sku, &view.product);

        ck_assert_msg(rc == 0, "%s: listed product %s: model_product_get returned %s", where, sku,
                      errno_name(rc));
        names_collect_at(where, model, MODEL_LIST_PRODUCT_HOLDERS, sku, NULL, &view.holders);
        names_collect_at(where, model, MODEL_LIST_PRODUCT_WAITERS, sku, NULL, &view.waiters);
        names_collect_at(where, model, MODEL_LIST_PRODUCT_GROUPS, sku, NULL, &view.groups);
        for (size_t i = 0; i < sizeof(product_rules) / sizeof(product_rules[0]); i++) {
                why[0] = '\0';
                ck_assert_msg(product_rules[i].holds(&view, why, sizeof(why)),
                              "%s: product %s breaks \"%s\": %s", where, sku,
                              product_rules[i].text, why);
        }
        names_free(&view.holders);
        names_free(&view.waiters);
        names_free(&view.groups);
}

void check_invariants_at(const char *where, struct model *model)
{
        struct tenant_view view = { .model = model };
        char why[512];

        names_collect_at(where, model, MODEL_LIST_PRODUCTS, NULL, NULL, &view.products);
        names_collect_at(where, model, MODEL_LIST_USERS, NULL, NULL, &view.users);
        names_collect_at(where, model, MODEL_LIST_GROUPS, NULL, NULL, &view.groups);
        for (size_t i = 0; i < view.products.count; i++)
                check_product_rules(where, model, view.products.items[i]);
        for (size_t i = 0; i < sizeof(tenant_rules) / sizeof(tenant_rules[0]); i++) {
                why[0] = '\0';
                ck_assert_msg(tenant_rules[i].holds(&view, why, sizeof(why)),
                              "%s: the tenant breaks \"%s\": %s", where, tenant_rules[i].text,
                              why);
        }
        names_free(&view.products);
        names_free(&view.users);
        names_free(&view.groups);
}

/* --- the snapshot --------------------------------------------------------------------------- */

static void snapshot_listing(FILE *out, struct model *model, const char *label,
                             enum model_listing listing, const char *a, const char *b)
{
        struct names names;
        int rc = names_collect(model, listing, a, b, &names);

        fprintf(out, "  %s:", label);
        if (rc != 0)
                fprintf(out, " error %s", errno_name(rc));
        for (size_t i = 0; i < names.count; i++)
                fprintf(out, " [%s]", names.items[i]);
        fputc('\n', out);
        names_free(&names);
}

static void snapshot_product(FILE *out, struct model *model, const char *sku)
{
        struct model_product product;
        struct names names;
        int rc = model_product_get(model, sku, &product);

        fprintf(out, "product [%s]", sku);
        if (rc != 0) {
                fprintf(out, " error %s\n", errno_name(rc));
                return;
        }
        fprintf(out, " name=[%s] sku_id=[%s] total=%" PRId64 " expiring_soon=%" PRId64
                " assigned=%" PRId64 " available=%" PRId64 " waiting=%" PRId64 " created=%lld\n",
                product.name, product.sku_id, product.total, product.expiring_soon,
                product.assigned, product.available, product.waiting, (long long)product.created);
        names_collect(model, MODEL_LIST_PRODUCT_HOLDERS, sku, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_holder holder;

                rc = model_holder_get(model, sku, names.items[i], &holder);
                fprintf(out, "  holder [%s] rc=%d direct=%d groups=%" PRId64 " since=%lld\n",
                        names.items[i], rc, rc == 0 && holder.direct, rc == 0 ? holder.groups : -1,
                        rc == 0 ? (long long)holder.since : -1LL);
                snapshot_listing(out, model, "  paths", MODEL_LIST_PATH_GROUPS, sku,
                                 names.items[i]);
        }
        names_free(&names);
        names_collect(model, MODEL_LIST_PRODUCT_WAITERS, sku, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_waiter waiter;

                rc = model_waiter_get(model, sku, names.items[i], &waiter);
                fprintf(out, "  waiter [%s] rc=%d groups=%" PRId64 " since=%lld\n",
                        names.items[i], rc, rc == 0 ? waiter.groups : -1,
                        rc == 0 ? (long long)waiter.since : -1LL);
        }
        names_free(&names);
        snapshot_listing(out, model, "groups", MODEL_LIST_PRODUCT_GROUPS, sku, NULL);
}

static void snapshot_user(FILE *out, struct model *model, const char *upn)
{
        struct model_user user;
        int rc = model_user_get(model, upn, &user);

        fprintf(out, "user [%s]", upn);
        if (rc != 0)
                fprintf(out, " error %s\n", errno_name(rc));
        else
                fprintf(out, " display_name=[%s] usage_location=[%s] created=%lld\n",
                        user.display_name, user.usage_location, (long long)user.created);
        snapshot_listing(out, model, "licenses", MODEL_LIST_USER_LICENSES, upn, NULL);
        snapshot_listing(out, model, "groups", MODEL_LIST_USER_GROUPS, upn, NULL);
}

static void snapshot_group(FILE *out, struct model *model, const char *name)
{
        struct model_group group;
        struct names names;
        int rc = model_group_get(model, name, &group);

        fprintf(out, "group [%s]", name);
        if (rc != 0)
                fprintf(out, " error %s\n", errno_name(rc));
        else
                fprintf(out, " members=%" PRId64 " created=%lld\n", group.members,
                        (long long)group.created);
        names_collect(model, MODEL_LIST_GROUP_MEMBERS, name, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_member member;

                rc = model_member_get(model, name, names.items[i], &member);
                fprintf(out, "  member [%s] rc=%d since=%lld\n", names.items[i], rc,
                        rc == 0 ? (long long)member.since : -1LL);
        }
        names_free(&names);
        names_collect(model, MODEL_LIST_GROUP_LICENSES, name, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_group_license license;

                rc = model_group_license_get(model, names.items[i], name, &license);
                fprintf(out, "  license [%s] rc=%d members=%" PRId64 " errors=%" PRId64
                        " since=%lld\n", names.items[i], rc, rc == 0 ? license.members : -1,
                        rc == 0 ? license.errors : -1, rc == 0 ? (long long)license.since : -1LL);
        }
        names_free(&names);
        names_collect(model, MODEL_LIST_GROUP_WAITERS, name, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_waiter waiter;

                rc = model_group_waiter_get(model, name, names.items[i], &waiter);
                fprintf(out, "  waiter [%s] rc=%d since=%lld\n", names.items[i], rc,
                        rc == 0 ? (long long)waiter.since : -1LL);
                snapshot_listing(out, model, "  products", MODEL_LIST_WAITER_PRODUCTS, name,
                                 names.items[i]);
        }
        names_free(&names);
}

char *tenant_snapshot(struct model *model)
{
        struct model_tenant tenant;
        struct names names;
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        int rc;

        ck_assert_ptr_nonnull(out);
        rc = model_tenant_get(model, &tenant);
        if (rc == 0)
                fprintf(out, "tenant name=[%s] usage_location=[%s]\n", tenant.name,
                        tenant.usage_location);
        else
                fprintf(out, "tenant error %s\n", errno_name(rc));
        fprintf(out, "empty=%d\n", model_tenant_is_empty(model));
        names_collect(model, MODEL_LIST_PRODUCTS, NULL, NULL, &names);
        for (size_t i = 0; i < names.count; i++)
                snapshot_product(out, model, names.items[i]);
        names_free(&names);
        names_collect(model, MODEL_LIST_USERS, NULL, NULL, &names);
        for (size_t i = 0; i < names.count; i++)
                snapshot_user(out, model, names.items[i]);
        names_free(&names);
        names_collect(model, MODEL_LIST_GROUPS, NULL, NULL, &names);
        for (size_t i = 0; i < names.count; i++)
                snapshot_group(out, model, names.items[i]);
        names_free(&names);
        fclose(out);
        return text;
}

void ck_same_snapshot_at(const char *where, const char *what, char *before, char *after)
{
        const char *b = before, *a = after;

        while (*b && *a) {
                size_t b_len = strcspn(b, "\n"), a_len = strcspn(a, "\n");

                if (b_len != a_len || memcmp(b, a, b_len) != 0)
                        break;
                b += b_len + (b[b_len] == '\n');
                a += a_len + (a[a_len] == '\n');
        }
        if (*b || *a)
                ck_abort_msg("%s: %s changed the tenant: before \"%.*s\", after \"%.*s\"", where,
                             what, (int)strcspn(b, "\n"), b, (int)strcspn(a, "\n"), a);
        free(before);
        free(after);
}

/* --- setup shortcuts ------------------------------------------------------------------------ */

void make_product(const char *sku, int64_t total)
{
        ck_ok(model_product_create(m, sku));
        ck_ok(model_product_set_total(m, sku, total));
}

void make_user(const char *upn, const char *location)
{
        ck_ok(model_user_create(m, upn));
        if (location)
                ck_ok(model_user_set_usage_location(m, upn, location));
}

void make_group_with(const char *group, const char *const members[])
{
        ck_ok(model_group_create(m, group));
        for (size_t i = 0; members[i]; i++)
                ck_ok(model_member_add(m, group, members[i]));
}

char *make_name(const char *prefix, char fill, const char *suffix, size_t length)
{
        size_t prefix_len = strlen(prefix), suffix_len = strlen(suffix);
        char *name = malloc(length + 1);

        ck_assert_ptr_nonnull(name);
        ck_assert(prefix_len + suffix_len <= length);
        memcpy(name, prefix, prefix_len);
        memset(name + prefix_len, fill, length - prefix_len - suffix_len);
        memcpy(name + length - suffix_len, suffix, suffix_len);
        name[length] = '\0';
        return name;
}
