/*
 * The tenant snapshot (see tenant_snapshot.h). Each object is a line of its attributes followed by
 * indented lines of what belongs to it, every getter's errno and every listing's failure
 * written where the value would be, so that two snapshots differ exactly when something the
 * model shows differs.
 */
#include "tenant_snapshot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "name_list.h"

/* One line: "  label: [name] [name]...", or the listing's errno. */
static void snapshot_listing(FILE *out, const char *label, struct model *model,
                             enum model_listing listing, const char *a, const char *b)
{
        struct names names;
        int rc = names_collect(model, listing, a, b, &names);

        fprintf(out, "  %s:", label);
        if (rc != 0)
                fprintf(out, " error %d", rc);
        for (size_t i = 0; i < names.count; i++)
                fprintf(out, " [%s]", names.items[i]);
        fputc('\n', out);
        names_free(&names);
}

static void snapshot_object_id(FILE *out, struct model *model, enum model_object kind,
                               const char *name)
{
        char id[MODEL_SKU_ID_MAX + 1];
        int rc = model_object_id_get(model, kind, name, id);

        fprintf(out, "  object id rc=%d [%s]\n", rc, rc == 0 ? id : "");
}

/*
 * A seat's line, "WHAT [NAME]" and what its getter returned (rc and the seat), then the groups
 * of its paths as the listing `paths` (of sku and upn) has them.
 */
static void snapshot_seat(FILE *out, struct model *model, const char *what, const char *name,
                          int rc, const struct model_holder *seat, enum model_listing paths,
                          const char *sku, const char *upn)
{
        fprintf(out, "  %s [%s] rc=%d direct=%d groups=%" PRId64 " since=%lld\n", what, name,
                rc, rc == 0 && seat->direct, rc == 0 ? seat->groups : -1,
                rc == 0 ? (long long)seat->since : -1LL);
        snapshot_listing(out, "  paths", model, paths, sku, upn);
}

/* The direct options and effective plans of a user (deleted or not) for a product. */
static void snapshot_options(FILE *out, struct model *model, const char *sku, const char *upn)
{
        snapshot_listing(out, "  direct disabled", model, MODEL_LIST_DIRECT_DISABLED, sku, upn);
        snapshot_listing(out, "  effective", model, MODEL_LIST_EFFECTIVE_PLANS, sku, upn);
}

static void snapshot_product(FILE *out, struct model *model, const char *sku)
{
        struct model_product product;
        struct names names;
        int rc = model_product_get(model, sku, &product);

        fprintf(out, "product [%s]", sku);
        if (rc != 0) {
                fprintf(out, " error %d\n", rc);
                return;
        }
        fprintf(out, " name=[%s] sku_id=[%s] total=%" PRId64 " expiring_soon=%" PRId64
                " assigned=%" PRId64 " available=%" PRId64 " waiting=%" PRId64 " created=%lld\n",
                product.name, product.sku_id, product.total, product.expiring_soon,
                product.assigned, product.available, product.waiting, (long long)product.created);
        names_collect(model, MODEL_LIST_PLANS, sku, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                char guid[MODEL_SKU_ID_MAX + 1];

                rc = model_plan_guid(model, sku, names.items[i], guid);
                fprintf(out, "  plan [%s] rc=%d guid=[%s]\n", names.items[i], rc,
                        rc == 0 ? guid : "");
        }
        names_free(&names);
        names_collect(model, MODEL_LIST_PRODUCT_HOLDERS, sku, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_holder holder = { 0 };

                rc = model_holder_get(model, sku, names.items[i], &holder);
                snapshot_seat(out, model, "holder", names.items[i], rc, &holder,
                              MODEL_LIST_PATH_GROUPS, sku, names.items[i]);
        }
        names_free(&names);
        names_collect(model, MODEL_LIST_PRODUCT_WAITERS, sku, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_waiter waiter = { 0 };
                struct model_holder seat;

                rc = model_waiter_get(model, sku, names.items[i], &waiter);
                seat = (struct model_holder){ .direct = waiter.direct, .groups = waiter.groups,
                                              .since = waiter.since };
                snapshot_seat(out, model, "waiter", names.items[i], rc, &seat,
                              MODEL_LIST_PATH_GROUPS, sku, names.items[i]);
        }
        names_free(&names);
        /* every error, those a service-plan rule holds back with their reasons */
        names_collect(model, MODEL_LIST_PRODUCT_ERRORS, sku, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                static struct model_error error;        /* large; one thread */

                rc = model_error_get(model, sku, names.items[i], &error);
                fprintf(out, "  error [%s] rc=%d kind=%s reason=[%s] direct=%d since=%lld\n",
                        names.items[i], rc, rc == 0 ? error.kind : "", rc == 0 ? error.reason : "",
                        rc == 0 && error.direct, rc == 0 ? (long long)error.since : 0LL);
        }
        names_free(&names);
        names_collect(model, MODEL_LIST_SUBSCRIPTIONS, sku, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_subscription sub = { 0 };

                rc = model_subscription_get(model, sku, names.items[i], &sub);
                fprintf(out, "  subscription [%s] rc=%d seats=%" PRId64 " ends=%lld trial=%d "
                        "status=%s created=%lld\n", names.items[i], rc, sub.seats,
                        (long long)sub.ends, sub.trial, rc == 0 ? sub.status : "",
                        (long long)sub.created);
        }
        names_free(&names);
        names_collect(model, MODEL_LIST_PRODUCT_GROUPS, sku, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                fprintf(out, "  group [%s]\n", names.items[i]);
                snapshot_listing(out, "  disabled", model, MODEL_LIST_GROUP_DISABLED, sku,
                                 names.items[i]);
        }
        names_free(&names);
}

static void snapshot_user(FILE *out, struct model *model, const char *upn,
                          const struct names *products)
{
        struct model_user user;
        int rc = model_user_get(model, upn, &user);

        /* not `deleted`: model_user_get leaves it unset for a live user */
        fprintf(out, "user [%s]", upn);
        if (rc != 0)
                fprintf(out, " error %d\n", rc);
        else
                fprintf(out, " display_name=[%s] usage_location=[%s] created=%lld\n",
                        user.display_name, user.usage_location, (long long)user.created);
        snapshot_object_id(out, model, MODEL_OBJECT_USER, upn);
        snapshot_listing(out, "licenses", model, MODEL_LIST_USER_LICENSES, upn, NULL);
        snapshot_listing(out, "waits", model, MODEL_LIST_USER_WAITS, upn, NULL);
        snapshot_listing(out, "groups", model, MODEL_LIST_USER_GROUPS, upn, NULL);
        for (size_t i = 0; i < products->count; i++) {
                fprintf(out, "  product [%s]\n", products->items[i]);
                snapshot_options(out, model, products->items[i], upn);
        }
}

static void snapshot_deleted_user(FILE *out, struct model *model, const char *upn,
                                  const struct names *products)
{
        struct model_user user;
        struct names names;
        int rc = model_deleted_user_get(model, upn, &user);

        fprintf(out, "deleted user [%s]", upn);
        if (rc != 0)
                fprintf(out, " error %d\n", rc);
        else
                fprintf(out, " display_name=[%s] usage_location=[%s] created=%lld deleted=%lld\n",
                        user.display_name, user.usage_location, (long long)user.created,
                        (long long)user.deleted);
        snapshot_object_id(out, model, MODEL_OBJECT_USER, upn);
        names_collect(model, MODEL_LIST_SUSPENDED_LICENSES, upn, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_holder held = { 0 };

                rc = model_suspended_get(model, names.items[i], upn, &held);
                snapshot_seat(out, model, "suspended", names.items[i], rc, &held,
                              MODEL_LIST_SUSPENDED_PATHS, names.items[i], upn);
        }
        names_free(&names);
        names_collect(model, MODEL_LIST_INACTIVE_GROUPS, upn, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_member member = { 0 };

                rc = model_inactive_member_get(model, names.items[i], upn, &member);
                fprintf(out, "  inactive [%s] rc=%d since=%lld\n", names.items[i], rc,
                        rc == 0 ? (long long)member.since : -1LL);
        }
        names_free(&names);
        for (size_t i = 0; i < products->count; i++) {
                fprintf(out, "  product [%s]\n", products->items[i]);
                snapshot_options(out, model, products->items[i], upn);
        }
}

static void snapshot_group(FILE *out, struct model *model, const char *name)
{
        struct model_group group;
        struct names names;
        int rc = model_group_get(model, name, &group);

        fprintf(out, "group [%s]", name);
        if (rc != 0)
                fprintf(out, " error %d\n", rc);
        else
                fprintf(out, " members=%" PRId64 " created=%lld\n", group.members,
                        (long long)group.created);
        snapshot_object_id(out, model, MODEL_OBJECT_GROUP, name);
        snapshot_listing(out, "joined", model, MODEL_LIST_MEMBERS_JOINED, name, NULL);
        names_collect(model, MODEL_LIST_GROUP_MEMBERS, name, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_member member = { 0 };

                rc = model_member_get(model, name, names.items[i], &member);
                fprintf(out, "  member [%s] rc=%d since=%lld\n", names.items[i], rc,
                        rc == 0 ? (long long)member.since : -1LL);
        }
        names_free(&names);
        names_collect(model, MODEL_LIST_GROUP_LICENSES, name, NULL, &names);
        for (size_t i = 0; i < names.count; i++) {
                struct model_group_license license = { 0 };

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
                snapshot_listing(out, "  products", model, MODEL_LIST_WAITER_PRODUCTS, name,
                                 names.items[i]);
        }
        names_free(&names);
}

char *tenant_snapshot(struct model *model)
{
        struct model_tenant tenant;
        struct names products, names;
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        bool session;
        int rc;

        if (!out)
                return NULL;
        /* one snapshot for all the reads, and one transaction; inside a batch, the batch's */
        session = model_read_begin(model) == 0;
        rc = model_tenant_get(model, &tenant);
        if (rc == 0)
                fprintf(out, "tenant name=[%s] usage_location=[%s]\n", tenant.name,
                        tenant.usage_location);
        else
                fprintf(out, "tenant error %d\n", rc);
        snapshot_object_id(out, model, MODEL_OBJECT_TENANT, NULL);
        fprintf(out, "empty=%d directory_empty=%d\n", model_tenant_is_empty(model),
                model_directory_is_empty(model));
        snapshot_listing(out, "by name", model, MODEL_LIST_PRODUCTS_BY_NAME, NULL, NULL);
        snapshot_listing(out, "subscribed", model, MODEL_LIST_PRODUCTS_SUBSCRIBED, NULL, NULL);
        snapshot_listing(out, "users created", model, MODEL_LIST_USERS_CREATED, NULL, NULL);
        snapshot_listing(out, "groups created", model, MODEL_LIST_GROUPS_CREATED, NULL, NULL);
        names_collect(model, MODEL_LIST_PRODUCTS, NULL, NULL, &products);
        for (size_t i = 0; i < products.count; i++)
                snapshot_product(out, model, products.items[i]);
        names_collect(model, MODEL_LIST_USERS, NULL, NULL, &names);
        for (size_t i = 0; i < names.count; i++)
                snapshot_user(out, model, names.items[i], &products);
        names_free(&names);
        names_collect(model, MODEL_LIST_DELETED_USERS, NULL, NULL, &names);
        for (size_t i = 0; i < names.count; i++)
                snapshot_deleted_user(out, model, names.items[i], &products);
        names_free(&names);
        names_collect(model, MODEL_LIST_GROUPS, NULL, NULL, &names);
        for (size_t i = 0; i < names.count; i++)
                snapshot_group(out, model, names.items[i]);
        names_free(&names);
        names_free(&products);
        if (session)
                model_read_end(model);
        if (fclose(out) != 0) {
                free(text);
                return NULL;
        }
        return text;
}
