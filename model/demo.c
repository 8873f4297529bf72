/*
 * The demo tenant: a small Contoso with Entra ID P1 and P2, ten users, three groups, direct and
 * inherited assignments, one user without a usage location and one member waiting for a seat.
 * It is built through the model's public operations in one batch, so it obeys every rule and
 * is all there or not at all.
 */
#include <stdbool.h>
#include <stddef.h>

#include "model.h"

static const struct {
        const char *sku, *name, *sku_id;
        int64_t total, expiring_soon;
} demo_products[] = {
        { "AAD_PREMIUM", "Microsoft Entra ID P1", "078d2b04-f1bd-4111-bbd4-b4b1b354cef4", 10, 2 },
        { "AAD_PREMIUM_P2", "Microsoft Entra ID P2", "84a661c4-e949-4bd2-a560-ed7766fcaf2b", 3, 0 },
};

/* Their service plans, as Microsoft's product catalog lists them. */
static const char *const demo_p1_plans[] = {
        "AAD_PREMIUM", "ADALLOM_S_DISCOVERY", "EXCHANGE_S_FOUNDATION", "MFA_PREMIUM",
};
static const char *const demo_p2_plans[] = {
        "AAD_PREMIUM", "AAD_PREMIUM_P2", "ADALLOM_S_DISCOVERY", "EXCHANGE_S_FOUNDATION",
        "MFA_PREMIUM",
};

static const struct {
        const char *upn, *name, *location;
} demo_users[] = {
        { "adele@contoso.com", "Adele Vance", "US" },
        { "alex@contoso.com", "Alex Wilber", "US" },
        { "diego@contoso.com", "Diego Siciliani", "DE" },
        { "grady@contoso.com", "Grady Archie", "US" },
        { "isaiah@contoso.com", "Isaiah Langer", "GB" },
        { "johanna@contoso.com", "Johanna Lorenz", "DE" },
        { "lee@contoso.com", "Lee Gu", "US" },
        { "megan@contoso.com", "Megan Bowen", "US" },
        { "nestor@contoso.com", "Nestor Wilke", "FR" },
        { "patti@contoso.com", "Patti Fernandez", "" },
};

static const struct {
        const char *group, *upn;
} demo_members[] = {
        { "Sales", "adele@contoso.com" },
        { "Sales", "alex@contoso.com" },
        { "Sales", "diego@contoso.com" },
        { "Sales", "grady@contoso.com" },
        { "Engineering", "isaiah@contoso.com" },
        { "Engineering", "johanna@contoso.com" },
        { "Engineering", "lee@contoso.com" },
        { "Engineering", "megan@contoso.com" },
        { "Security Admins", "megan@contoso.com" },
        { "Security Admins", "nestor@contoso.com" },
        { "Security Admins", "alex@contoso.com" },
};

static const char *const demo_groups[] = { "Sales", "Engineering", "Security Admins" };

/* In this order: the direct ones first, so P2's last seat runs out within Security Admins. */
static const struct {
        const char *sku, *upn, *group;  /* one of upn and group */
} demo_assignments[] = {
        { "AAD_PREMIUM", "adele@contoso.com", NULL },
        { "AAD_PREMIUM", "nestor@contoso.com", NULL },
        { "AAD_PREMIUM_P2", "lee@contoso.com", NULL },
        { "AAD_PREMIUM", NULL, "Sales" },
        { "AAD_PREMIUM", NULL, "Engineering" },
        { "AAD_PREMIUM_P2", NULL, "Security Admins" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The tenant, its products and their plans. */
static int demo_products_fill(struct model *m)
{
        size_t i;
        int r;

        r = model_tenant_set_name(m, "Contoso");
        if (r >= 0)
                r = model_tenant_set_usage_location(m, "US");
        for (i = 0; r >= 0 && i < COUNT(demo_products); i++) {
                const char *sku = demo_products[i].sku;

                r = model_product_create(m, sku);
                if (r >= 0)
                        r = model_product_set_name(m, sku, demo_products[i].name);
                if (r >= 0)
                        r = model_product_set_sku_id(m, sku, demo_products[i].sku_id);
                if (r >= 0)
                        r = model_product_set_total(m, sku, demo_products[i].total);
                if (r >= 0)
                        r = model_product_set_expiring_soon(m, sku,
                                                            demo_products[i].expiring_soon);
        }
        if (r >= 0)
                r = model_plans_set(m, "AAD_PREMIUM", demo_p1_plans, COUNT(demo_p1_plans));
        if (r >= 0)
                r = model_plans_set(m, "AAD_PREMIUM_P2", demo_p2_plans, COUNT(demo_p2_plans));
        return r;
}

/* The users, the groups and their members, and the assignments. */
static int demo_directory_fill(struct model *m)
{
        size_t i;
        int r = 0;

        for (i = 0; r >= 0 && i < COUNT(demo_users); i++) {
                r = model_user_create(m, demo_users[i].upn);
                if (r >= 0)
                        r = model_user_set_display_name(m, demo_users[i].upn, demo_users[i].name);
                if (r >= 0)
                        r = model_user_set_usage_location(m, demo_users[i].upn,
                                                          demo_users[i].location);
        }
        for (i = 0; r >= 0 && i < COUNT(demo_groups); i++)
                r = model_group_create(m, demo_groups[i]);
        for (i = 0; r >= 0 && i < COUNT(demo_members); i++)
                r = model_member_add(m, demo_members[i].group, demo_members[i].upn);
        for (i = 0; r >= 0 && i < COUNT(demo_assignments); i++)
                r = demo_assignments[i].upn
                            ? model_direct_assign(m, demo_assignments[i].sku,
                                                  demo_assignments[i].upn)
                            : model_group_license_add(m, demo_assignments[i].sku,
                                                      demo_assignments[i].group);
        return r;
}

int model_demo_fill(struct model *m)
{
        int r, empty, end;

        r = model_batch_begin(m);
        if (r < 0)
                return r;
        r = empty = model_tenant_is_empty(m);
        if (empty > 0) {
                r = demo_products_fill(m);
                if (r >= 0)
                        r = demo_directory_fill(m);
        }
        end = model_batch_end(m, r >= 0);
        if (r < 0)
                return r;
        return end < 0 ? end : empty;
}
