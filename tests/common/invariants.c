/*
 * The tenant invariant checker (see invariants.h). It reads the tenant once into views (the
 * names of the products, users, deleted users and groups, each user's groups; per product its
 * counts, holders, waiters, licensed groups and plans) and walks two tables of rules, one per
 * product and one for the whole tenant. Each rule says in words what it checks, so a failure
 * reads as the broken rule. Deleted users' suspended seats and waiting direct licenses are part
 * of the rules: a wait needs a cause (a direct license or a licensed group), and a suspended
 * seat is counted nowhere.
 */
#include "invariants.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name_list.h"

/* What the tenant rules look at, read once per check. */
struct tenant_view {
        struct model *model;
        struct names products, users, deleted, groups, subscribed;
        struct names *user_groups;      /* USER_GROUPS of users.items[i] */
};

/* What the getters and PATH_GROUPS say of a live user and a product. */
struct user_seat {
        int holder_rc, waiter_rc;       /* of model_holder_get and model_waiter_get */
        struct model_holder holder;
        struct model_waiter waiter;
        struct names paths;             /* PATH_GROUPS */
};

/* What the product rules look at, read once per product. */
struct product_view {
        const struct tenant_view *tenant;
        struct model *model;
        const char *sku;
        struct model_product product;
        struct names holders;           /* PRODUCT_HOLDERS */
        struct names waiters;           /* PRODUCT_WAITERS */
        struct names errors;            /* PRODUCT_ERRORS: the waiters and those held back */
        struct names subscriptions;     /* SUBSCRIPTIONS */
        struct names groups;            /* PRODUCT_GROUPS: the licensed groups */
        struct names plans;             /* PLANS */
        struct user_seat *seats;        /* of tenant->users.items[i] */
};

/* A rule returns true when it holds, or false with the details written to `why`. */
struct product_rule {
        const char *text;
        bool (*holds)(const struct product_view *view, char *why, size_t size);
};

struct tenant_rule {
        const char *text;
        bool (*holds)(const struct tenant_view *view, char *why, size_t size);
};

static const char *err_name(int rc)
{
        static __thread char number[16];
        const char *name = rc < 0 ? strerrorname_np(-rc) : NULL;

        if (name)
                return name;
        snprintf(number, sizeof(number), "%d", rc);
        return number;
}

/* Collects a listing; a failure is written to why. */
static bool listed(struct model *model, enum model_listing listing, const char *a, const char *b,
                   struct names *ret, char *why, size_t size)
{
        int rc = names_collect(model, listing, a, b, ret);

        if (rc == 0)
                return true;
        snprintf(why, size, "%s(%s, %s) returned %s", listing_name(listing), a ? a : "-",
                 b ? b : "-", err_name(rc));
        names_free(ret);
        return false;
}

static bool is_member(struct model *model, const char *group, const char *upn)
{
        struct model_member member;

        return model_member_get(model, group, upn, &member) == 0;
}

/* The groups of live user upn (USER_GROUPS), or NULL when upn is not a live user. */
static const struct names *groups_of(const struct tenant_view *view, const char *upn)
{
        for (size_t i = 0; i < view->users.count; i++)
                if (strcmp(view->users.items[i], upn) == 0)
                        return &view->user_groups[i];
        return NULL;
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

/* --- the rules of a product ------------------------------------------------------------------ */

static bool total_within_range(const struct product_view *view, char *why, size_t size)
{
        snprintf(why, size, "total=%" PRId64, view->product.total);
        return view->product.total >= 0 && view->product.total <= MODEL_COUNT_MAX;
}

/* Only seats that lapsed (a product with subscriptions) leave more assigned than total. */
static bool assigned_within_total(const struct product_view *view, char *why, size_t size)
{
        snprintf(why, size, "assigned=%" PRId64 " total=%" PRId64 ", %zu subscriptions",
                 view->product.assigned, view->product.total, view->subscriptions.count);
        return view->product.assigned >= 0 &&
               (view->product.assigned <= view->product.total || view->subscriptions.count > 0);
}

static bool available_is_total_minus_assigned(const struct product_view *view, char *why,
                                              size_t size)
{
        int64_t free_seats = view->product.total - view->product.assigned;

        snprintf(why, size, "available=%" PRId64 " total=%" PRId64 " assigned=%" PRId64,
                 view->product.available, view->product.total, view->product.assigned);
        return view->product.available == (free_seats > 0 ? free_seats : 0);
}

/* total and expiring_soon are the seats of the Enabled and Warning, and Warning, subscriptions. */
static bool subscriptions_give_the_seats(const struct product_view *view, char *why, size_t size)
{
        int64_t total = 0, warning = 0;

        if (view->subscriptions.count == 0)
                return true;
        for (size_t i = 0; i < view->subscriptions.count; i++) {
                struct model_subscription sub;
                int rc = model_subscription_get(view->model, view->sku,
                                                view->subscriptions.items[i], &sub);

                if (rc != 0) {
                        snprintf(why, size, "listed subscription %s: model_subscription_get "
                                 "returned %s", view->subscriptions.items[i], err_name(rc));
                        return false;
                }
                if (strcmp(sub.status, "Suspended") != 0)
                        total += sub.seats;
                if (strcmp(sub.status, "Warning") == 0)
                        warning += sub.seats;
        }
        snprintf(why, size, "total=%" PRId64 " expiring_soon=%" PRId64 ", the subscriptions "
                 "give %" PRId64 " and %" PRId64, view->product.total,
                 view->product.expiring_soon, total, warning);
        return view->product.total == total && view->product.expiring_soon == warning;
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
        return view->product.waiting >= 0 &&
               (view->product.waiting == 0 || view->product.available == 0);
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

/* One seat per user and product: for every user, the getters say what the listings say. */
static bool getters_agree_with_listings(const struct product_view *view, char *why, size_t size)
{
        const struct names *users = &view->tenant->users;

        for (size_t i = 0; i < users->count; i++) {
                const char *upn = users->items[i];
                int hr = view->seats[i].holder_rc, wr = view->seats[i].waiter_rc;

                if ((hr != 0 && hr != -ENOENT) || (hr == 0) != names_contain(&view->holders, upn)) {
                        snprintf(why, size, "model_holder_get(%s) returned %s, PRODUCT_HOLDERS "
                                 "%s it", upn, err_name(hr),
                                 names_contain(&view->holders, upn) ? "lists" : "misses");
                        return false;
                }
                if ((wr != 0 && wr != -ENOENT) || (wr == 0) != names_contain(&view->waiters, upn)) {
                        snprintf(why, size, "model_waiter_get(%s) returned %s, PRODUCT_WAITERS "
                                 "%s it", upn, err_name(wr),
                                 names_contain(&view->waiters, upn) ? "lists" : "misses");
                        return false;
                }
        }
        return true;
}

static bool path_groups_are_the_licensed_groups(const struct product_view *view, char *why,
                                                size_t size)
{
        const struct names *users = &view->tenant->users;

        for (size_t i = 0; i < users->count; i++) {
                const char *upn = users->items[i];
                const struct names *groups = &view->tenant->user_groups[i];
                const struct names *paths = &view->seats[i].paths;
                int64_t expected = 0;
                bool ok = true;

                for (size_t g = 0; g < groups->count; g++)
                        expected += names_contain(&view->groups, groups->items[g]);
                for (size_t p = 0; ok && p < paths->count; p++)
                        ok = names_contain(&view->groups, paths->items[p]) &&
                             names_contain(groups, paths->items[p]);
                if (!ok || (int64_t)paths->count != expected) {
                        snprintf(why, size, "PATH_GROUPS(%s) lists %zu groups, the user is a "
                                 "member of %" PRId64 " licensed groups", upn, paths->count,
                                 expected);
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
                struct names paths;
                int rc = model_holder_get(view->model, view->sku, upn, &holder);

                if (rc != 0) {
                        snprintf(why, size, "listed holder %s: model_holder_get returned %s", upn,
                                 err_name(rc));
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
                if (!listed(view->model, MODEL_LIST_PATH_GROUPS, view->sku, upn, &paths, why,
                            size))
                        return false;
                path_groups = (int64_t)paths.count;
                names_free(&paths);
                if (path_groups != holder.groups) {
                        snprintf(why, size, "holder %s has groups=%" PRId64 " but PATH_GROUPS "
                                 "lists %" PRId64, upn, holder.groups, path_groups);
                        return false;
                }
        }
        return true;
}

/* Checks that each listed name of `names` lists view->sku in `listing` (a = the name). */
static bool each_lists_the_product(const struct product_view *view, const struct names *names,
                                   enum model_listing listing, char *why, size_t size)
{
        for (size_t i = 0; i < names->count; i++) {
                struct names skus;
                bool found;

                if (!listed(view->model, listing, names->items[i], NULL, &skus, why, size))
                        return false;
                found = names_contain(&skus, view->sku);
                names_free(&skus);
                if (!found) {
                        snprintf(why, size, "%s does not list %s in %s", names->items[i],
                                 view->sku, listing_name(listing));
                        return false;
                }
        }
        return true;
}

static bool holders_list_the_license(const struct product_view *view, char *why, size_t size)
{
        return each_lists_the_product(view, &view->holders, MODEL_LIST_USER_LICENSES, why, size);
}

static bool waiters_list_the_wait(const struct product_view *view, char *why, size_t size)
{
        return each_lists_the_product(view, &view->waiters, MODEL_LIST_USER_WAITS, why, size);
}

static bool waiters_wait_for_a_cause(const struct product_view *view, char *why, size_t size)
{
        for (size_t i = 0; i < view->waiters.count; i++) {
                const char *upn = view->waiters.items[i];
                struct model_waiter waiter;
                int64_t expected_groups = licensed_groups_of(view, upn);
                int rc = model_waiter_get(view->model, view->sku, upn, &waiter);

                if (rc != 0) {
                        snprintf(why, size, "listed waiter %s: model_waiter_get returned %s", upn,
                                 err_name(rc));
                        return false;
                }
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
                struct names group_waiters;

                if (!listed(view->model, MODEL_LIST_GROUP_WAITERS, group, NULL, &group_waiters,
                            why, size))
                        return false;
                for (size_t i = 0; i < view->waiters.count; i++) {
                        const char *upn = view->waiters.items[i];
                        struct names products;
                        bool listed_waiter, listed_product;

                        if (!is_member(view->model, group, upn))
                                continue;
                        if (!listed(view->model, MODEL_LIST_WAITER_PRODUCTS, group, upn,
                                    &products, why, size)) {
                                names_free(&group_waiters);
                                return false;
                        }
                        listed_waiter = names_contain(&group_waiters, upn);
                        listed_product = names_contain(&products, view->sku);
                        names_free(&products);
                        if (!listed_waiter || !listed_product) {
                                snprintf(why, size, "waiter %s: GROUP_WAITERS(%s) %s it, "
                                         "WAITER_PRODUCTS(%s, %s) %s the product", upn, group,
                                         listed_waiter ? "lists" : "misses", group, upn,
                                         listed_product ? "lists" : "misses");
                                names_free(&group_waiters);
                                return false;
                        }
                }
                names_free(&group_waiters);
        }
        return true;
}

/*
 * PRODUCT_ERRORS: the waiters, and users a service-plan rule holds back, which are claims
 * through groups only (no direct path) that model_error_get names by the rule's kind.
 */
static bool errors_are_waits_or_held_back(const struct product_view *view, char *why,
                                          size_t size)
{
        static struct model_error error;        /* large; checks run on one thread */

        for (size_t i = 0; i < view->waiters.count; i++)
                if (!names_contain(&view->errors, view->waiters.items[i])) {
                        snprintf(why, size, "waiter %s is missing from PRODUCT_ERRORS",
                                 view->waiters.items[i]);
                        return false;
                }
        for (size_t i = 0; i < view->errors.count; i++) {
                const char *upn = view->errors.items[i];
                bool waits = names_contain(&view->waiters, upn);
                int rc = model_error_get(view->model, view->sku, upn, &error);

                if (rc != 0 || names_contain(&view->holders, upn) ||
                    (strcmp(error.kind, "CountViolation") == 0) != waits ||
                    (!waits && (error.direct || error.groups < 1 || !error.reason[0]))) {
                        snprintf(why, size, "%s in error: model_error_get returned %s, kind %s, "
                                 "direct=%d groups=%" PRId64 ", %s", upn, err_name(rc),
                                 rc == 0 ? error.kind : "-", rc == 0 && error.direct,
                                 rc == 0 ? error.groups : -1,
                                 names_contain(&view->holders, upn) ? "a holder" :
                                 waits ? "a waiter" : "held back");
                        return false;
                }
        }
        return true;
}

static bool licensed_members_hold_or_wait(const struct product_view *view, char *why, size_t size)
{
        for (size_t g = 0; g < view->groups.count; g++) {
                struct names members;
                bool ok = true;

                if (!listed(view->model, MODEL_LIST_GROUP_MEMBERS, view->groups.items[g], NULL,
                            &members, why, size))
                        return false;
                for (size_t i = 0; ok && i < members.count; i++) {
                        bool holds = names_contain(&view->holders, members.items[i]);
                        bool waits = names_contain(&view->errors, members.items[i]);

                        if (holds == waits) {
                                snprintf(why, size, "member %s of licensed group %s %s",
                                         members.items[i], view->groups.items[g],
                                         holds ? "both holds and is in error" :
                                         "neither holds nor is in error");
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
                                 group, err_name(rc));
                        return false;
                }
                if (!listed(view->model, MODEL_LIST_GROUP_MEMBERS, group, NULL, &members, why,
                            size))
                        return false;
                for (size_t i = 0; i < members.count; i++)
                        if (names_contain(&view->errors, members.items[i]))
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

/* A deleted user's suspended seat is counted nowhere: it neither holds nor waits. */
static bool deleted_users_neither_hold_nor_wait(const struct product_view *view, char *why,
                                                size_t size)
{
        const struct names *deleted = &view->tenant->deleted;

        for (size_t i = 0; i < deleted->count; i++) {
                const char *upn = deleted->items[i];
                struct model_holder holder;
                struct model_waiter waiter;
                int hr = model_holder_get(view->model, view->sku, upn, &holder);
                int wr = model_waiter_get(view->model, view->sku, upn, &waiter);

                if (names_contain(&view->holders, upn) || names_contain(&view->waiters, upn) ||
                    hr != -ENOENT || wr != -ENOENT) {
                        snprintf(why, size, "deleted %s: model_holder_get returned %s, "
                                 "model_waiter_get %s", upn, err_name(hr), err_name(wr));
                        return false;
                }
        }
        return true;
}

static bool plans_are_the_products(const struct product_view *view, const struct names *names,
                                   const char *what, char *why, size_t size)
{
        for (size_t i = 0; i < names->count; i++) {
                if (!names_contain(&view->plans, names->items[i])) {
                        snprintf(why, size, "%s names [%s], not a plan of the product", what,
                                 names->items[i]);
                        return false;
                }
        }
        return true;
}

/* Adds to `into` the plans of the product not in `disabled`; false when out of memory. */
static bool add_enabled(const struct product_view *view, const struct names *disabled,
                        struct names *into)
{
        for (size_t i = 0; i < view->plans.count; i++) {
                const char *plan = view->plans.items[i];
                char **items;

                if (names_contain(disabled, plan) || names_contain(into, plan))
                        continue;
                items = realloc(into->items, (into->count + 1) * sizeof(*items));
                if (!items)
                        return false;
                into->items = items;
                into->capacity = into->count + 1;
                into->items[into->count] = strdup(plan);
                if (!into->items[into->count])
                        return false;
                into->count++;
        }
        return true;
}

/*
 * A user's options and effective plans: its direct path's disabled plans are plans of the
 * product and exist only with a direct path (held, waiting or suspended); its effective plans
 * are the union of what each path leaves enabled: the direct path, and each licensed group it
 * is a member of (a deleted user: each group its suspended seat kept).
 */
static bool user_options_hold(const struct product_view *view, const char *upn, bool direct,
                              const struct names *path_groups, char *why, size_t size)
{
        struct names disabled, effective, expected = { 0 };
        bool ok = true;

        if (!listed(view->model, MODEL_LIST_DIRECT_DISABLED, view->sku, upn, &disabled, why,
                    size))
                return false;
        if (!listed(view->model, MODEL_LIST_EFFECTIVE_PLANS, view->sku, upn, &effective, why,
                    size)) {
                names_free(&disabled);
                return false;
        }
        ok = plans_are_the_products(view, &disabled, "DIRECT_DISABLED", why, size);
        if (ok && disabled.count > 0 && !direct) {
                snprintf(why, size, "%s has DIRECT_DISABLED plans but no direct path", upn);
                ok = false;
        }
        if (ok && direct && !add_enabled(view, &disabled, &expected)) {
                snprintf(why, size, "out of memory");
                ok = false;
        }
        for (size_t g = 0; ok && g < path_groups->count; g++) {
                struct names group_disabled;
                int rc = names_collect(view->model, MODEL_LIST_GROUP_DISABLED, view->sku,
                                       path_groups->items[g], &group_disabled);

                /* a suspended path may name a group deleted since: it disables nothing */
                if (rc != 0 && rc != -ENOENT) {
                        snprintf(why, size, "GROUP_DISABLED(%s, %s) returned %s", view->sku,
                                 path_groups->items[g], err_name(rc));
                        ok = false;
                } else if (!add_enabled(view, &group_disabled, &expected)) {
                        snprintf(why, size, "out of memory");
                        ok = false;
                }
                names_free(&group_disabled);
        }
        if (ok && !names_same_set(&effective, &expected)) {
                snprintf(why, size, "%s has %zu EFFECTIVE_PLANS, its paths enable %zu", upn,
                         effective.count, expected.count);
                ok = false;
        }
        names_free(&disabled);
        names_free(&effective);
        names_free(&expected);
        return ok;
}

static bool options_belong_to_paths(const struct product_view *view, char *why, size_t size)
{
        const struct tenant_view *tenant = view->tenant;

        for (size_t g = 0; g < tenant->groups.count; g++) {
                const char *group = tenant->groups.items[g];
                struct names disabled;
                bool ok;

                if (!listed(view->model, MODEL_LIST_GROUP_DISABLED, view->sku, group, &disabled,
                            why, size))
                        return false;
                ok = plans_are_the_products(view, &disabled, "GROUP_DISABLED", why, size);
                if (ok && disabled.count > 0 && !names_contain(&view->groups, group)) {
                        snprintf(why, size, "unlicensed group %s has GROUP_DISABLED plans", group);
                        ok = false;
                }
                names_free(&disabled);
                if (!ok)
                        return false;
        }
        for (size_t i = 0; i < tenant->users.count; i++) {
                const struct user_seat *seat = &view->seats[i];
                bool direct = (seat->holder_rc == 0 && seat->holder.direct) ||
                              (seat->waiter_rc == 0 && seat->waiter.direct);

                if (!user_options_hold(view, tenant->users.items[i], direct, &seat->paths, why,
                                       size))
                        return false;
        }
        for (size_t i = 0; i < tenant->deleted.count; i++) {
                const char *upn = tenant->deleted.items[i];
                struct model_holder held;
                struct names paths;
                bool ok;
                int rc = model_suspended_get(view->model, view->sku, upn, &held);

                if (rc != 0 && rc != -ENOENT) {
                        snprintf(why, size, "model_suspended_get(%s) returned %s", upn,
                                 err_name(rc));
                        return false;
                }
                if (!listed(view->model, MODEL_LIST_SUSPENDED_PATHS, view->sku, upn, &paths, why,
                            size))
                        return false;
                ok = user_options_hold(view, upn, rc == 0 && held.direct, &paths, why, size);
                names_free(&paths);
                if (!ok)
                        return false;
        }
        return true;
}

static bool subscribed_lists_products_in_use(const struct product_view *view, char *why,
                                             size_t size)
{
        bool listed_ = names_contain(&view->tenant->subscribed, view->sku);
        bool in_use = view->product.total > 0 || view->holders.count > 0 ||
                      view->waiters.count > 0 || view->groups.count > 0;

        for (size_t i = 0; !in_use && i < view->tenant->deleted.count; i++) {
                struct model_holder held;

                in_use = model_suspended_get(view->model, view->sku,
                                             view->tenant->deleted.items[i], &held) == 0;
        }
        snprintf(why, size, "PRODUCTS_SUBSCRIBED %s it, but it is %s", listed_ ? "lists" :
                 "misses", in_use ? "in use" : "unused");
        return listed_ == in_use;
}

static const struct product_rule product_rules[] = {
        { "0 <= total <= MODEL_COUNT_MAX", total_within_range },
        { "0 <= assigned <= total unless seats lapsed", assigned_within_total },
        { "available = max(0, total - assigned)", available_is_total_minus_assigned },
        { "total and expiring_soon are what the subscriptions give", subscriptions_give_the_seats },
        { "0 <= expiring_soon <= total", expiring_soon_within_total },
        { "nobody waits while seats are available", nobody_waits_while_seats_are_free },
        { "assigned = number of PRODUCT_HOLDERS", assigned_counts_the_holders },
        { "waiting = number of PRODUCT_WAITERS", waiting_counts_the_waiters },
        { "nobody both holds and waits", nobody_holds_and_waits },
        { "every user's holder and waiter agree with the listings", getters_agree_with_listings },
        { "PATH_GROUPS lists the licensed groups the user is a member of",
          path_groups_are_the_licensed_groups },
        { "a holder's paths match its memberships", holders_have_their_paths },
        { "a holder lists the product in USER_LICENSES", holders_list_the_license },
        { "a waiter lists the product in USER_WAITS", waiters_list_the_wait },
        { "a waiter waits directly or through each of its licensed groups",
          waiters_wait_for_a_cause },
        { "a waiter shows in GROUP_WAITERS and WAITER_PRODUCTS", waiters_show_in_their_groups },
        { "every member of a licensed group holds or is in error (waits or is held back)",
          licensed_members_hold_or_wait },
        { "errors are the waiters and group claims a service-plan rule holds back",
          errors_are_waits_or_held_back },
        { "group license members= and errors= are right", group_licenses_count_members_and_errors },
        { "a deleted user's suspended seat is counted nowhere",
          deleted_users_neither_hold_nor_wait },
        { "options are plans of the product, kept by their paths; effective plans are what the "
          "paths enable", options_belong_to_paths },
        { "PRODUCTS_SUBSCRIBED lists the products with seats or claims",
          subscribed_lists_products_in_use },
};

/* --- the rules of the tenant ----------------------------------------------------------------- */

static bool tenant_reads(const struct tenant_view *view, char *why, size_t size)
{
        struct model_tenant tenant;
        const char *code = tenant.usage_location;
        int rc = model_tenant_get(view->model, &tenant);

        if (rc != 0) {
                snprintf(why, size, "model_tenant_get returned %s", err_name(rc));
                return false;
        }
        snprintf(why, size, "name=[%s] usage_location=[%s]", tenant.name, code);
        return tenant.name[0] != '\0' && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' &&
               code[1] <= 'Z' && code[2] == '\0';
}

static bool emptiness_agrees(const struct tenant_view *view, char *why, size_t size)
{
        size_t directory = view->users.count + view->deleted.count + view->groups.count;
        int tenant_empty = model_tenant_is_empty(view->model);
        int directory_empty = model_directory_is_empty(view->model);

        snprintf(why, size, "tenant_is_empty=%d directory_is_empty=%d with %zu products, %zu "
                 "users, %zu deleted users, %zu groups", tenant_empty, directory_empty,
                 view->products.count, view->users.count, view->deleted.count,
                 view->groups.count);
        return tenant_empty == (directory + view->products.count == 0) &&
               directory_empty == (directory == 0);
}

static bool users_and_deleted_users_are_apart(const struct tenant_view *view, char *why,
                                              size_t size)
{
        struct model_user user;

        for (size_t i = 0; i < view->users.count; i++) {
                const char *upn = view->users.items[i];
                int rc = model_user_get(view->model, upn, &user);
                int dr = model_deleted_user_get(view->model, upn, &user);

                if (rc != 0 || dr != -ENOENT || names_contain(&view->deleted, upn)) {
                        snprintf(why, size, "user %s: model_user_get returned %s, "
                                 "model_deleted_user_get %s", upn, err_name(rc), err_name(dr));
                        return false;
                }
        }
        for (size_t i = 0; i < view->deleted.count; i++) {
                const char *upn = view->deleted.items[i];
                int rc = model_user_get(view->model, upn, &user);
                int dr = model_deleted_user_get(view->model, upn, &user);

                if (rc != -ENOENT || dr != 0 || user.deleted == 0) {
                        snprintf(why, size, "deleted user %s: model_user_get returned %s, "
                                 "model_deleted_user_get %s", upn, err_name(rc), err_name(dr));
                        return false;
                }
        }
        return true;
}

/* A live user has no suspended records: those listings know deleted users only. */
static bool live_users_have_no_suspended_records(const struct tenant_view *view, char *why,
                                                 size_t size)
{
        static const enum model_listing listings[] = {
                MODEL_LIST_SUSPENDED_LICENSES, MODEL_LIST_INACTIVE_GROUPS,
        };

        for (size_t i = 0; i < view->users.count; i++) {
                for (int l = 0; l < COUNT(listings); l++) {
                        struct names names;
                        int rc = names_collect(view->model, listings[l], view->users.items[i],
                                               NULL, &names);

                        names_free(&names);
                        if (rc != -ENOENT) {
                                snprintf(why, size, "%s(live %s) returned %s",
                                         listing_name(listings[l]), view->users.items[i],
                                         err_name(rc));
                                return false;
                        }
                }
        }
        return true;
}

static bool suspended_records_are_whole(const struct tenant_view *view, const char *upn,
                                        char *why, size_t size)
{
        struct names licenses, inactive;
        bool ok = true;

        if (!listed(view->model, MODEL_LIST_SUSPENDED_LICENSES, upn, NULL, &licenses, why, size))
                return false;
        for (size_t i = 0; ok && i < licenses.count; i++) {
                struct model_holder held;
                struct names paths;
                int rc = model_suspended_get(view->model, licenses.items[i], upn, &held);

                if (!listed(view->model, MODEL_LIST_SUSPENDED_PATHS, licenses.items[i], upn,
                            &paths, why, size)) {
                        ok = false;
                        break;
                }
                if (rc != 0 || held.groups != (int64_t)paths.count ||
                    (!held.direct && paths.count == 0)) {
                        snprintf(why, size, "suspended %s of %s: model_suspended_get returned %s "
                                 "direct=%d groups=%" PRId64 ", %zu paths listed",
                                 licenses.items[i], upn, err_name(rc), rc == 0 && held.direct,
                                 rc == 0 ? held.groups : -1, paths.count);
                        ok = false;
                }
                names_free(&paths);
        }
        names_free(&licenses);
        if (!ok)
                return false;
        if (!listed(view->model, MODEL_LIST_INACTIVE_GROUPS, upn, NULL, &inactive, why, size))
                return false;
        for (size_t i = 0; ok && i < inactive.count; i++) {
                struct model_member member;
                int rc = model_inactive_member_get(view->model, inactive.items[i], upn, &member);

                if (!names_contain(&view->groups, inactive.items[i]) || rc != 0) {
                        snprintf(why, size, "%s is inactive in %s: the group %s, "
                                 "model_inactive_member_get returned %s", upn, inactive.items[i],
                                 names_contain(&view->groups, inactive.items[i]) ? "exists" :
                                 "does not exist", err_name(rc));
                        ok = false;
                }
        }
        names_free(&inactive);
        for (size_t g = 0; ok && g < view->groups.count; g++) {
                if (is_member(view->model, view->groups.items[g], upn)) {
                        snprintf(why, size, "deleted %s is a member of %s", upn,
                                 view->groups.items[g]);
                        ok = false;
                }
        }
        return ok;
}

static bool deleted_users_keep_whole_records(const struct tenant_view *view, char *why,
                                             size_t size)
{
        for (size_t i = 0; i < view->deleted.count; i++)
                if (!suspended_records_are_whole(view, view->deleted.items[i], why, size))
                        return false;
        return true;
}

/* The sum over the products of a count equals the sum over the users of a listing's length. */
static bool per_user_listing_adds_up(const struct tenant_view *view, enum model_listing listing,
                                     bool waiting, char *why, size_t size)
{
        int64_t counted = 0, listed_ = 0;

        for (size_t i = 0; i < view->products.count; i++) {
                struct model_product product;

                if (model_product_get(view->model, view->products.items[i], &product) == 0)
                        counted += waiting ? product.waiting : product.assigned;
        }
        for (size_t i = 0; i < view->users.count; i++) {
                struct names names;

                if (!listed(view->model, listing, view->users.items[i], NULL, &names, why, size))
                        return false;
                listed_ += (int64_t)names.count;
                names_free(&names);
        }
        snprintf(why, size, "sum of %s=%" PRId64 ", sum of %s=%" PRId64,
                 waiting ? "waiting" : "assigned", counted, listing_name(listing), listed_);
        return counted == listed_;
}

static bool user_licenses_add_up(const struct tenant_view *view, char *why, size_t size)
{
        return per_user_listing_adds_up(view, MODEL_LIST_USER_LICENSES, false, why, size);
}

static bool user_waits_add_up(const struct tenant_view *view, char *why, size_t size)
{
        return per_user_listing_adds_up(view, MODEL_LIST_USER_WAITS, true, why, size);
}

static bool memberships_agree(const struct tenant_view *view, char *why, size_t size)
{
        int64_t memberships = 0, listed_members = 0;

        for (size_t g = 0; g < view->groups.count; g++) {
                const char *group = view->groups.items[g];
                struct model_group info;
                struct names members;
                bool ok = true;
                int rc = model_group_get(view->model, group, &info);

                if (rc != 0) {
                        snprintf(why, size, "listed group %s: model_group_get returned %s", group,
                                 err_name(rc));
                        return false;
                }
                if (!listed(view->model, MODEL_LIST_GROUP_MEMBERS, group, NULL, &members, why,
                            size))
                        return false;
                listed_members += (int64_t)members.count;
                if (info.members != (int64_t)members.count) {
                        snprintf(why, size, "group %s: members=%" PRId64 ", %zu listed", group,
                                 info.members, members.count);
                        ok = false;
                }
                for (size_t i = 0; ok && i < members.count; i++) {
                        const struct names *groups = groups_of(view, members.items[i]);

                        if (!groups || !names_contain(groups, group) ||
                            !is_member(view->model, group, members.items[i])) {
                                snprintf(why, size, "member %s of %s: %s", members.items[i], group,
                                         !groups ? "not a live user" :
                                         !names_contain(groups, group) ?
                                         "USER_GROUPS misses the group" :
                                         "model_member_get fails");
                                ok = false;
                        }
                }
                names_free(&members);
                if (!ok)
                        return false;
        }
        for (size_t i = 0; i < view->users.count; i++)
                memberships += (int64_t)view->user_groups[i].count;
        snprintf(why, size, "USER_GROUPS list %" PRId64 " memberships, GROUP_MEMBERS %" PRId64,
                 memberships, listed_members);
        return memberships == listed_members;
}

static bool group_licenses_agree(const struct tenant_view *view, char *why, size_t size)
{
        int64_t licenses = 0, product_groups = 0;

        for (size_t g = 0; g < view->groups.count; g++) {
                const char *group = view->groups.items[g];
                struct model_group info;
                struct names skus;
                bool ok = true;

                if (model_group_get(view->model, group, &info) != 0 ||
                    !listed(view->model, MODEL_LIST_GROUP_LICENSES, group, NULL, &skus, why,
                            size))
                        return false;
                licenses += (int64_t)skus.count;
                for (size_t i = 0; ok && i < skus.count; i++) {
                        struct model_group_license license;
                        int rc = model_group_license_get(view->model, skus.items[i], group,
                                                         &license);

                        if (rc != 0 || license.members != info.members || license.errors < 0 ||
                            license.errors > license.members) {
                                snprintf(why, size, "license %s of %s: model_group_license_get "
                                         "returned %s, members=%" PRId64 " errors=%" PRId64
                                         ", group members=%" PRId64, skus.items[i], group,
                                         err_name(rc), rc ? -1 : license.members,
                                         rc ? -1 : license.errors, info.members);
                                ok = false;
                        }
                }
                names_free(&skus);
                if (!ok)
                        return false;
        }
        for (size_t i = 0; i < view->products.count; i++) {
                struct names groups;

                if (!listed(view->model, MODEL_LIST_PRODUCT_GROUPS, view->products.items[i], NULL,
                            &groups, why, size))
                        return false;
                product_groups += (int64_t)groups.count;
                names_free(&groups);
        }
        snprintf(why, size, "GROUP_LICENSES list %" PRId64 " licenses, PRODUCT_GROUPS %" PRId64,
                 licenses, product_groups);
        return licenses == product_groups;
}

static bool group_waiters_wait(const struct tenant_view *view, char *why, size_t size)
{
        for (size_t g = 0; g < view->groups.count; g++) {
                const char *group = view->groups.items[g];
                struct names waiters;
                bool ok = true;

                if (!listed(view->model, MODEL_LIST_GROUP_WAITERS, group, NULL, &waiters, why,
                            size))
                        return false;
                for (size_t i = 0; ok && i < waiters.count; i++) {
                        struct names products;

                        if (!listed(view->model, MODEL_LIST_WAITER_PRODUCTS, group,
                                    waiters.items[i], &products, why, size)) {
                                ok = false;
                                break;
                        }
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

/* The listings in another order hold the same names as the sorted ones. */
static bool ordered_listings_agree(const struct tenant_view *view, char *why, size_t size)
{
        static const struct {
                enum model_listing ordered;
                size_t offset;          /* of the sorted names in the view */
        } pairs[] = {
                { MODEL_LIST_PRODUCTS_BY_NAME, offsetof(struct tenant_view, products) },
                { MODEL_LIST_USERS_CREATED, offsetof(struct tenant_view, users) },
                { MODEL_LIST_GROUPS_CREATED, offsetof(struct tenant_view, groups) },
        };

        for (int i = 0; i < COUNT(pairs); i++) {
                const struct names *sorted = (const void *)((const char *)view +
                                                            pairs[i].offset);
                struct names names;
                bool same;

                if (!listed(view->model, pairs[i].ordered, NULL, NULL, &names, why, size))
                        return false;
                same = names_same_set(&names, sorted);
                names_free(&names);
                if (!same) {
                        snprintf(why, size, "%s and its sorted listing differ",
                                 listing_name(pairs[i].ordered));
                        return false;
                }
        }
        for (size_t g = 0; g < view->groups.count; g++) {
                struct names joined, members;
                bool same;

                if (!listed(view->model, MODEL_LIST_MEMBERS_JOINED, view->groups.items[g], NULL,
                            &joined, why, size))
                        return false;
                if (!listed(view->model, MODEL_LIST_GROUP_MEMBERS, view->groups.items[g], NULL,
                            &members, why, size)) {
                        names_free(&joined);
                        return false;
                }
                same = names_same_set(&joined, &members);
                names_free(&joined);
                names_free(&members);
                if (!same) {
                        snprintf(why, size, "MEMBERS_JOINED(%s) and GROUP_MEMBERS differ",
                                 view->groups.items[g]);
                        return false;
                }
        }
        return true;
}

static const struct tenant_rule tenant_rules[] = {
        { "the tenant has a name and a usage location", tenant_reads },
        { "the tenant and the directory are empty when nothing is listed", emptiness_agrees },
        { "users and deleted users are apart", users_and_deleted_users_are_apart },
        { "a live user has no suspended records", live_users_have_no_suspended_records },
        { "a deleted user's suspended seats and inactive memberships are whole",
          deleted_users_keep_whole_records },
        { "sum of assigned = sum of USER_LICENSES", user_licenses_add_up },
        { "sum of waiting = sum of USER_WAITS", user_waits_add_up },
        { "group members agree with USER_GROUPS and members=", memberships_agree },
        { "GROUP_LICENSES agree with PRODUCT_GROUPS and the groups' members",
          group_licenses_agree },
        { "GROUP_WAITERS wait for a product of the group", group_waiters_wait },
        { "listings in creation, join or name order hold the sorted listings' names",
          ordered_listings_agree },
};

/* --- walking the tables ---------------------------------------------------------------------- */

static const char *broken(char *why, size_t size, const char *scope, const char *rule,
                          const char *details)
{
        snprintf(why, size, "%s breaks \"%s\": %s", scope, rule, details);
        return why;
}

static void product_view_free(struct product_view *view)
{
        if (view->seats)
                for (size_t i = 0; i < view->tenant->users.count; i++)
                        names_free(&view->seats[i].paths);
        free(view->seats);
        names_free(&view->holders);
        names_free(&view->waiters);
        names_free(&view->errors);
        names_free(&view->subscriptions);
        names_free(&view->groups);
        names_free(&view->plans);
}

static const char *check_product(const struct tenant_view *tenant, const char *sku, char *why,
                                 size_t size)
{
        struct product_view view = { .tenant = tenant, .model = tenant->model, .sku = sku };
        char details[512] = "";
        char scope[MODEL_NAME_MAX + 16];
        const char *result = NULL;
        int rc = model_product_get(tenant->model, sku, &view.product);

        snprintf(scope, sizeof(scope), "product %s", sku);
        if (rc != 0) {
                snprintf(details, sizeof(details), "model_product_get returned %s", err_name(rc));
                return broken(why, size, scope, "a listed product reads", details);
        }
        if (!listed(view.model, MODEL_LIST_PRODUCT_HOLDERS, sku, NULL, &view.holders, details,
                    sizeof(details)) ||
            !listed(view.model, MODEL_LIST_PRODUCT_WAITERS, sku, NULL, &view.waiters, details,
                    sizeof(details)) ||
            !listed(view.model, MODEL_LIST_PRODUCT_ERRORS, sku, NULL, &view.errors, details,
                    sizeof(details)) ||
            !listed(view.model, MODEL_LIST_SUBSCRIPTIONS, sku, NULL, &view.subscriptions,
                    details, sizeof(details)) ||
            !listed(view.model, MODEL_LIST_PRODUCT_GROUPS, sku, NULL, &view.groups, details,
                    sizeof(details)) ||
            !listed(view.model, MODEL_LIST_PLANS, sku, NULL, &view.plans, details,
                    sizeof(details))) {
                result = broken(why, size, scope, "a listed product's listings work", details);
                goto out;
        }
        view.seats = calloc(tenant->users.count + 1, sizeof(*view.seats));
        if (!view.seats) {
                result = broken(why, size, scope, "memory", "out of memory");
                goto out;
        }
        for (size_t i = 0; i < tenant->users.count; i++) {
                struct user_seat *seat = &view.seats[i];
                const char *upn = tenant->users.items[i];

                seat->holder_rc = model_holder_get(view.model, sku, upn, &seat->holder);
                seat->waiter_rc = model_waiter_get(view.model, sku, upn, &seat->waiter);
                if (!listed(view.model, MODEL_LIST_PATH_GROUPS, sku, upn, &seat->paths, details,
                            sizeof(details))) {
                        result = broken(why, size, scope, "a listed user's paths list", details);
                        goto out;
                }
        }
        for (int i = 0; !result && i < COUNT(product_rules); i++) {
                details[0] = '\0';
                if (!product_rules[i].holds(&view, details, sizeof(details)))
                        result = broken(why, size, scope, product_rules[i].text, details);
        }
out:
        product_view_free(&view);
        return result;
}

const char *tenant_broken_invariant(struct model *model, char *why, size_t size)
{
        struct tenant_view view = { .model = model };
        char details[512] = "";
        const char *result = NULL;
        /* one snapshot for all the reads, and one transaction; inside a batch, the batch's */
        bool session = model_read_begin(model) == 0;

        if (!listed(model, MODEL_LIST_PRODUCTS, NULL, NULL, &view.products, details,
                    sizeof(details)) ||
            !listed(model, MODEL_LIST_USERS, NULL, NULL, &view.users, details,
                    sizeof(details)) ||
            !listed(model, MODEL_LIST_DELETED_USERS, NULL, NULL, &view.deleted, details,
                    sizeof(details)) ||
            !listed(model, MODEL_LIST_GROUPS, NULL, NULL, &view.groups, details,
                    sizeof(details)) ||
            !listed(model, MODEL_LIST_PRODUCTS_SUBSCRIBED, NULL, NULL, &view.subscribed,
                    details, sizeof(details))) {
                result = broken(why, size, "the tenant", "the listings work", details);
                goto out;
        }
        view.user_groups = calloc(view.users.count + 1, sizeof(*view.user_groups));
        if (!view.user_groups) {
                result = broken(why, size, "the checker", "memory", "out of memory");
                goto out;
        }
        for (size_t i = 0; !result && i < view.users.count; i++)
                if (!listed(model, MODEL_LIST_USER_GROUPS, view.users.items[i], NULL,
                            &view.user_groups[i], details, sizeof(details)))
                        result = broken(why, size, "the tenant", "a listed user's groups list",
                                        details);
        for (size_t i = 0; !result && i < view.products.count; i++)
                result = check_product(&view, view.products.items[i], why, size);
        for (int i = 0; !result && i < COUNT(tenant_rules); i++) {
                details[0] = '\0';
                if (!tenant_rules[i].holds(&view, details, sizeof(details)))
                        result = broken(why, size, "the tenant", tenant_rules[i].text, details);
        }
out:
        if (view.user_groups)
                for (size_t i = 0; i < view.users.count; i++)
                        names_free(&view.user_groups[i]);
        free(view.user_groups);
        names_free(&view.products);
        names_free(&view.users);
        names_free(&view.deleted);
        names_free(&view.groups);
        names_free(&view.subscribed);
        if (session && model_read_end(model) != 0 && !result)
                result = broken(why, size, "the tenant", "a read session ends", model_reason());
        return result;
}
