/*
 * Listings collected into arrays of names (see name_list.h). Out of memory is a failed listing
 * (-ENOMEM), never an abort, so each caller decides what a failure means to it.
 */
#include "name_list.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int names_append(void *ctx, const char *name)
{
        struct names *names = ctx;
        char *copy;

        if (names->count == names->capacity) {
                size_t capacity = names->capacity ? names->capacity * 2 : 16;
                char **items = realloc(names->items, capacity * sizeof(*items));

                if (!items)
                        return -ENOMEM;
                names->items = items;
                names->capacity = capacity;
        }
        copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        names->items[names->count++] = copy;
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

bool names_same_set(const struct names *a, const struct names *b)
{
        if (a->count != b->count)
                return false;
        for (size_t i = 0; i < a->count; i++)
                if (!names_contain(b, a->items[i]))
                        return false;
        return true;
}

const char *listing_name(enum model_listing listing)
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
                [MODEL_LIST_DELETED_USERS] = "DELETED_USERS",
                [MODEL_LIST_SUSPENDED_LICENSES] = "SUSPENDED_LICENSES",
                [MODEL_LIST_INACTIVE_GROUPS] = "INACTIVE_GROUPS",
                [MODEL_LIST_SUSPENDED_PATHS] = "SUSPENDED_PATHS",
                [MODEL_LIST_PLANS] = "PLANS",
                [MODEL_LIST_DIRECT_DISABLED] = "DIRECT_DISABLED",
                [MODEL_LIST_GROUP_DISABLED] = "GROUP_DISABLED",
                [MODEL_LIST_EFFECTIVE_PLANS] = "EFFECTIVE_PLANS",
                [MODEL_LIST_PRODUCTS_BY_NAME] = "PRODUCTS_BY_NAME",
                [MODEL_LIST_USERS_CREATED] = "USERS_CREATED",
                [MODEL_LIST_GROUPS_CREATED] = "GROUPS_CREATED",
                [MODEL_LIST_MEMBERS_JOINED] = "MEMBERS_JOINED",
                [MODEL_LIST_USER_WAITS] = "USER_WAITS",
                [MODEL_LIST_PRODUCTS_SUBSCRIBED] = "PRODUCTS_SUBSCRIBED",
                [MODEL_LIST_PRODUCT_ERRORS] = "PRODUCT_ERRORS",
                [MODEL_LIST_GROUP_ERRORS] = "GROUP_ERRORS",
                [MODEL_LIST_ERROR_PRODUCTS] = "ERROR_PRODUCTS",
                [MODEL_LIST_USER_ERRORS] = "USER_ERRORS",
                [MODEL_LIST_SUBSCRIPTIONS] = "SUBSCRIPTIONS",
        };

        if ((size_t)listing < sizeof(names) / sizeof(names[0]) && names[listing])
                return names[listing];
        return "?";
}
