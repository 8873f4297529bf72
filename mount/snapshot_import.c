/*
 * licensefs import: a tenant snapshot as Microsoft Graph gives it (subscribedSkus, users,
 * groups, organization) becomes the tenant, in one batch, so that any refusal leaves the
 * database as it was. Objects come first (products and plans merged into what a catalog left,
 * users, groups with their members in join order), then the claims to seats in the order that
 * decides who holds and who waits: direct licenses in file order, the groups' licenses in file
 * order (members in join order), and last the direct licenses the snapshot says wait. Where a
 * value is refused, the message names it by its JSON path (`$.users[3].usageLocation`).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "snapshot.h"

#define PATH_BYTES 256                  /* a JSON path in a message */
#define PROGRESS_EVERY 500              /* objects between two progress lines */
#define PROGRESS_FROM 2000              /* objects a snapshot needs for progress to show */

struct import {
        struct model *m;
        const char *database, *file;
        json_t *users_by_id;            /* lower-case object id -> UPN */
        json_t *group_names;            /* names taken, for renaming duplicates */
        json_t *skus;                   /* SKU -> the path where the snapshot lists it */
        json_t *directs;                /* [{sku, owner, disabled, path, late}] in file order */
        json_t *group_licenses;         /* the same, owner a group */
        size_t objects, done;           /* for progress */
        bool progress;
        int counts[3];                  /* products, users, groups imported */
};

enum { COUNT_PRODUCTS, COUNT_USERS, COUNT_GROUPS };

/* --- messages --------------------------------------------------------------------------- */

static void progress_clear(struct import *im)
{
        if (im->progress && im->done >= PROGRESS_EVERY)
                fputs("\r\033[K", stderr);
}

static void progress_step(struct import *im)
{
        if (im->progress && ++im->done % PROGRESS_EVERY == 0)
                fprintf(stderr, "\rlicensefs: importing %s: %zu of %zu objects", im->file,
                        im->done, im->objects);
}

static int refused(struct import *im, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int refused(struct import *im, const char *path, const char *fmt, ...)
{
        va_list ap;

        progress_clear(im);
        fprintf(stderr, "licensefs: %s: %s: ", im->file, path);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return EXIT_REFUSED;
}

static void warn(struct import *im, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void warn(struct import *im, const char *path, const char *fmt, ...)
{
        va_list ap;

        progress_clear(im);
        fprintf(stderr, "licensefs: %s: %s%swarning: ", im->file, path, *path ? ": " : "");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* Errors the database causes, as opposed to refusals of what the snapshot says. */
static bool is_database_error(int r)
{
        switch (-r) {
        case EIO: case ENOMEM: case EBUSY: case EROFS: case EACCES: case ENOSPC: case EFBIG:
                return true;
        default:
                return false;
        }
}

/* The exit status for a failed model call about the value at `path`. */
static int model_failed(struct import *im, const char *path, int r)
{
        if (is_database_error(r))
                return snapshot_database_error(im->database, r);
        return refused(im, path, "%s", model_reason()[0] ? model_reason() : strerror(-r));
}

/* --- values ------------------------------------------------------------------------------ */

/*
 * Cleans imported text into out (MODEL_TEXT_MAX + 1 bytes): no-break spaces become spaces,
 * blanks around are trimmed, and with `collapse` runs of blanks and tabs inside become one
 * space. -1 when the result does not fit.
 */
static int clean_text(const char *in, bool collapse, char *out)
{
        size_t n = 0, end = 0;
        bool blank = false;

        for (; *in; in++) {
                char c = *in;

                if ((unsigned char)in[0] == 0xc2 && (unsigned char)in[1] == 0xa0) {
                        c = ' ';
                        in++;
                }
                if (c == ' ' || (collapse && c == '\t')) {
                        blank = n > 0;
                        if (!collapse && n > 0 && n < MODEL_TEXT_MAX)
                                out[n++] = ' ';
                        continue;
                }
                if (collapse && blank && n < MODEL_TEXT_MAX)
                        out[n++] = ' ';
                blank = false;
                if (n >= MODEL_TEXT_MAX)
                        return -1;
                out[n++] = c;
                end = n;
        }
        out[end] = '\0';        /* drops the blanks at the end */
        return 0;
}

/* Writes path + ".key" or path + "[i]" to ret (PATH_BYTES; it may be path), cut with "...". */
static void path_done(char *ret, char *joined, int length)
{
        if (length >= PATH_BYTES)
                strcpy(joined + PATH_BYTES - 4, "...");
        strcpy(ret, joined);
}

static void path_key(char *ret, const char *path, const char *key)
{
        char joined[PATH_BYTES];

        path_done(ret, joined, snprintf(joined, sizeof(joined), "%s.%s", path, key));
}

static void path_index(char *ret, const char *path, size_t i)
{
        char joined[PATH_BYTES];

        path_done(ret, joined, snprintf(joined, sizeof(joined), "%s[%zu]", path, i));
}

/*
 * The text at obj.key, cleaned, into out (MODEL_TEXT_MAX + 1 bytes). Absent or null: "" when
 * optional, refused when required. Returns 0 or the exit status.
 */
static int get_text(struct import *im, json_t *obj, const char *path, const char *key,
                    bool required, bool collapse, char *out)
{
        json_t *value = json_object_get(obj, key);
        char at[PATH_BYTES];

        path_key(at, path, key);
        out[0] = '\0';
        if (!value || json_is_null(value))
                return required ? refused(im, at, "missing") : 0;
        if (!json_is_string(value))
                return refused(im, at, "not a string");
        if (clean_text(json_string_value(value), collapse, out) < 0)
                return refused(im, at, "longer than %d bytes", MODEL_TEXT_MAX);
        if (required && !out[0])
                return refused(im, at, "empty");
        return 0;
}

/* A GUID at obj.key, into out (MODEL_SKU_ID_MAX + 1 bytes, lower-case). */
static int get_guid(struct import *im, json_t *obj, const char *path, const char *key,
                    char *out)
{
        json_t *value = json_object_get(obj, key);
        const char *s = json_string_value(value);
        char at[PATH_BYTES];
        size_t i;

        path_key(at, path, key);
        if (!value || json_is_null(value))
                return refused(im, at, "missing");
        if (!s || strlen(s) != MODEL_SKU_ID_MAX)
                return refused(im, at, "not a GUID");
        for (i = 0; i < MODEL_SKU_ID_MAX; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;

                if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
                        return refused(im, at, "'%s' is not a GUID", s);
                out[i] = (char)tolower((unsigned char)s[i]);
        }
        out[i] = '\0';
        return 0;
}

/* A count at obj.key: absent or null is 0. */
static int get_count(struct import *im, json_t *obj, const char *path, const char *key,
                     int64_t *ret)
{
        json_t *value = json_object_get(obj, key);
        char at[PATH_BYTES];

        path_key(at, path, key);
        *ret = 0;
        if (!value || json_is_null(value))
                return 0;
        if (!json_is_integer(value) || json_integer_value(value) < 0 ||
            json_integer_value(value) > MODEL_COUNT_MAX)
                return refused(im, at, "not a count from 0 to %d", MODEL_COUNT_MAX);
        *ret = json_integer_value(value);
        return 0;
}

/*
 * The list at obj.key: a plain array or a Graph page {"value": [...]}, and the path of the
 * array itself in ret_path. Absent: refused when required, else NULL (an empty list).
 */
static int get_list(struct import *im, json_t *obj, const char *path, const char *key,
                    bool required, json_t **ret, char *ret_path)
{
        json_t *value = json_object_get(obj, key);

        path_key(ret_path, path, key);
        *ret = NULL;            /* json_array_foreach sees an empty list */
        if (!value || json_is_null(value))
                return required ? refused(im, ret_path, "missing") : 0;
        if (json_is_object(value)) {
                if (json_object_get(value, "@odata.nextLink"))
                        return refused(im, ret_path, "a Graph page with @odata.nextLink is only "
                                       "the first page; put all pages' values in one array");
                value = json_object_get(value, "value");
                path_key(ret_path, ret_path, "value");
        }
        if (!json_is_array(value))
                return refused(im, ret_path, "not an array or a Graph page {\"value\": [...]}");
        *ret = value;
        return 0;
}

/* The element at path must be an object. */
static int need_object(struct import *im, json_t *value, const char *path)
{
        return json_is_object(value) ? 0 : refused(im, path, "not an object");
}

/* --- the tenant and its products --------------------------------------------------------- */

static int read_organization(struct import *im, json_t *root)
{
        json_t *org = json_object_get(root, "organization");
        char path[PATH_BYTES] = "$.organization", name[MODEL_TEXT_MAX + 1];
        char code[MODEL_TEXT_MAX + 1], id[MODEL_SKU_ID_MAX + 1], at[PATH_BYTES] = "";
        int status, r;

        if (!org || json_is_null(org))
                return 0;
        if (json_is_array(org) || json_object_get(org, "value")) {
                status = get_list(im, root, "$", "organization", true, &org, path);
                if (status)
                        return status;
                if (json_array_size(org) != 1)
                        return refused(im, path, "holds %zu organizations, not one",
                                       json_array_size(org));
                org = json_array_get(org, 0);
                path_index(path, path, 0);
        }
        status = need_object(im, org, path);
        if (!status)
                status = get_text(im, org, path, "displayName", false, true, name);
        if (!status)
                status = get_text(im, org, path, "countryLetterCode", false, false, code);
        if (!status && json_object_get(org, "id"))
                status = get_guid(im, org, path, "id", id);
        if (status)
                return status;
        path_key(at, path, "displayName");
        r = name[0] ? model_tenant_set_name(im->m, name) : 0;
        if (r >= 0 && code[0]) {
                path_key(at, path, "countryLetterCode");
                r = model_tenant_set_usage_location(im->m, code);
        }
        if (r >= 0 && json_object_get(org, "id")) {
                path_key(at, path, "id");
                r = model_object_id_set(im->m, MODEL_OBJECT_TENANT, NULL, id);
        }
        return r < 0 ? model_failed(im, at, r) : 0;
}

static int read_plans(struct import *im, json_t *sku_json, const char *path, const char *sku)
{
        char plans_path[PATH_BYTES], at[PATH_BYTES], name[MODEL_TEXT_MAX + 1];
        char guid[MODEL_SKU_ID_MAX + 1];
        enum model_upsert done;
        json_t *plans, *plan;
        size_t i;
        int status, r;

        status = get_list(im, sku_json, path, "servicePlans", false, &plans, plans_path);
        json_array_foreach(plans, i, plan) {
                if (status)
                        break;
                path_index(at, plans_path, i);
                status = need_object(im, plan, at);
                if (!status)
                        status = get_text(im, plan, at, "servicePlanName", true, true, name);
                if (!status)
                        status = get_guid(im, plan, at, "servicePlanId", guid);
                if (status)
                        break;
                r = model_plan_upsert(im->m, sku, name, guid, NULL, &done);
                if (r < 0)
                        status = model_failed(im, at, r);
        }
        return status;
}

/* Sets a product's seats: expiring_soon goes to 0 first, so any total is accepted. */
static int set_seats(struct import *im, json_t *sku_json, const char *path, const char *sku)
{
        json_t *units = json_object_get(sku_json, "prepaidUnits");
        char at[PATH_BYTES];
        int64_t enabled = 0, warning = 0;
        int status = 0, r;

        path_key(at, path, "prepaidUnits");
        if (units && !json_is_null(units)) {
                status = need_object(im, units, at);
                if (!status)
                        status = get_count(im, units, at, "enabled", &enabled);
                if (!status)
                        status = get_count(im, units, at, "warning", &warning);
                if (status)
                        return status;
                if (enabled + warning > MODEL_COUNT_MAX)
                        return refused(im, at, "enabled + warning is more than %d seats",
                                       MODEL_COUNT_MAX);
        }
        r = model_product_set_expiring_soon(im->m, sku, 0);
        if (r >= 0)
                r = model_product_set_total(im->m, sku, enabled + warning);
        if (r >= 0)
                r = model_product_set_expiring_soon(im->m, sku, warning);
        return r < 0 ? model_failed(im, at, r) : 0;
}

static int read_sku(struct import *im, json_t *sku_json, const char *path)
{
        char sku[MODEL_TEXT_MAX + 1], name[MODEL_TEXT_MAX + 1], at[PATH_BYTES];
        char sku_id[MODEL_SKU_ID_MAX + 1];
        enum model_upsert done;
        json_t *seen;
        int status, r;

        status = need_object(im, sku_json, path);
        if (!status)
                status = get_text(im, sku_json, path, "skuPartNumber", true, false, sku);
        if (!status)
                status = get_guid(im, sku_json, path, "skuId", sku_id);
        if (!status)
                status = get_text(im, sku_json, path, "displayName", false, true, name);
        if (status)
                return status;
        seen = json_object_get(im->skus, sku);
        if (seen)
                return refused(im, path, "%s is listed already, at %s", sku,
                               json_string_value(seen));
        json_object_set_new(im->skus, sku, json_string(path));
        /* One call per field, so that a refusal names the field. */
        path_key(at, path, "skuPartNumber");
        r = model_product_upsert(im->m, sku, NULL, NULL, &done);
        if (r >= 0 && name[0]) {
                path_key(at, path, "displayName");
                r = model_product_upsert(im->m, sku, name, NULL, &done);
        }
        if (r >= 0) {
                path_key(at, path, "skuId");
                r = model_product_upsert(im->m, sku, NULL, sku_id, &done);
        }
        if (r < 0)
                return model_failed(im, at, r);
        status = read_plans(im, sku_json, path, sku);
        if (!status)
                status = set_seats(im, sku_json, path, sku);
        im->counts[COUNT_PRODUCTS]++;
        return status;
}

/* --- licenses ------------------------------------------------------------------------------ */

/*
 * Resolves a license entry at `path` ({skuId, disabledPlans}) and adds it to `list` for
 * `owner` as {sku, owner, disabled: [plan names], path, late}.
 */
static int read_license(struct import *im, json_t *entry, const char *path, const char *owner,
                        bool late, json_t *list)
{
        char sku_id[MODEL_SKU_ID_MAX + 1], sku[MODEL_TEXT_MAX + 1], plan[MODEL_TEXT_MAX + 1];
        char at[PATH_BYTES], disabled_path[PATH_BYTES];
        json_t *disabled, *guid, *names, *license;
        size_t i;
        int status, r;

        status = need_object(im, entry, path);
        if (!status)
                status = get_guid(im, entry, path, "skuId", sku_id);
        if (!status)
                status = get_list(im, entry, path, "disabledPlans", false, &disabled,
                                  disabled_path);
        if (status)
                return status;
        path_key(at, path, "skuId");
        r = model_product_by_sku_id(im->m, sku_id, sku, sizeof(sku));
        if (r < 0)
                return r == -ENOENT ? refused(im, at, "no product in subscribedSkus (or the "
                                              "catalog) has skuId %s", sku_id)
                                    : model_failed(im, at, r);
        names = json_array();
        json_array_foreach(disabled, i, guid) {
                path_index(at, disabled_path, i);
                r = json_is_string(guid) ? model_plan_by_guid(im->m, sku, json_string_value(guid),
                                                              plan, sizeof(plan))
                                         : -EINVAL;
                if (r < 0) {
                        json_decref(names);
                        return json_is_string(guid) ? model_failed(im, at, r)
                                                    : refused(im, at, "not a GUID");
                }
                json_array_append_new(names, json_string(plan));
        }
        license = json_pack("{s:s, s:s, s:o, s:s, s:b}", "sku", sku, "owner", owner,
                            "disabled", names, "path", path, "late", late);
        return json_array_append_new(list, license) < 0 ? refused(im, path, "out of memory")
                                                        : 0;
}

static const char *field(json_t *license, const char *key)
{
        return json_string_value(json_object_get(license, key));
}

/* The plan names of a license as an array for the model, and their count. */
static const char **license_plans(json_t *license, size_t *ret_count)
{
        json_t *names = json_object_get(license, "disabled"), *name;
        const char **plans = calloc(json_array_size(names) + 1, sizeof(*plans));
        size_t i;

        if (plans)
                json_array_foreach(names, i, name)
                        plans[i] = json_string_value(name);
        *ret_count = json_array_size(names);
        return plans;
}

/* Makes the claims of the direct licenses whose `late` is as given. */
static int claim_directs(struct import *im, bool late)
{
        json_t *license;
        size_t i, count;
        int r = 0;

        json_array_foreach(im->directs, i, license) {
                const char **plans;

                if (json_is_true(json_object_get(license, "late")) != late)
                        continue;
                plans = license_plans(license, &count);
                r = plans ? model_direct_import(im->m, field(license, "sku"),
                                                field(license, "owner"), plans, count)
                          : -ENOMEM;
                free(plans);
                if (r < 0)
                        return model_failed(im, field(license, "path"), r);
        }
        return 0;
}

static int claim_group_licenses(struct import *im)
{
        json_t *license;
        size_t i, count;
        int r = 0;

        json_array_foreach(im->group_licenses, i, license) {
                const char *sku = field(license, "sku"), *group = field(license, "owner");
                const char **plans = license_plans(license, &count);

                r = plans ? model_group_license_add(im->m, sku, group) : -ENOMEM;
                if (r >= 0 && count > 0)
                        r = model_group_disabled_set(im->m, sku, group, plans, count);
                free(plans);
                if (r < 0)
                        return model_failed(im, field(license, "path"), r);
        }
        return 0;
}

/* --- users and groups ----------------------------------------------------------------------- */

/*
 * A user's direct licenses: the licenseAssignmentStates entries without assignedByGroup (those
 * the snapshot says are in error come last), or else its assignedLicenses.
 */
static int read_user_licenses(struct import *im, json_t *user, const char *path,
                              const char *upn)
{
        char list_path[PATH_BYTES], at[PATH_BYTES];
        bool states = json_object_get(user, "licenseAssignmentStates") != NULL;
        json_t *list, *entry;
        size_t i;
        int status;

        status = get_list(im, user, path, states ? "licenseAssignmentStates" : "assignedLicenses",
                          false, &list, list_path);
        json_array_foreach(list, i, entry) {
                json_t *group = json_object_get(entry, "assignedByGroup");
                const char *state = json_string_value(json_object_get(entry, "state"));

                if (status)
                        break;
                if (states && group && !json_is_null(group))
                        continue;       /* derived from the groups */
                path_index(at, list_path, i);
                status = read_license(im, entry, at, upn, state && strcmp(state, "Error") == 0,
                                      im->directs);
        }
        return status;
}

static int read_user(struct import *im, json_t *user, const char *path)
{
        char upn[MODEL_TEXT_MAX + 1], name[MODEL_TEXT_MAX + 1], location[MODEL_TEXT_MAX + 1];
        char id[MODEL_SKU_ID_MAX + 1], at[PATH_BYTES];
        json_t *taken;
        int status, r;

        status = need_object(im, user, path);
        if (!status)
                status = get_guid(im, user, path, "id", id);
        if (!status)
                status = get_text(im, user, path, "userPrincipalName", true, false, upn);
        if (!status)
                status = get_text(im, user, path, "displayName", false, true, name);
        if (!status)
                status = get_text(im, user, path, "usageLocation", false, false, location);
        if (status)
                return status;
        taken = json_object_get(im->users_by_id, id);
        path_key(at, path, "id");
        if (taken)
                return refused(im, at, "%s is the id of %s already", id, json_string_value(taken));
        path_key(at, path, "userPrincipalName");
        r = model_user_create(im->m, upn);
        if (r >= 0 && name[0]) {
                path_key(at, path, "displayName");
                r = model_user_set_display_name(im->m, upn, name);
        }
        if (r >= 0 && location[0]) {
                path_key(at, path, "usageLocation");
                r = model_user_set_usage_location(im->m, upn, location);
        }
        if (r >= 0) {
                path_key(at, path, "id");
                r = model_object_id_set(im->m, MODEL_OBJECT_USER, upn, id);
        }
        if (r < 0)
                return model_failed(im, at, r);
        json_object_set_new(im->users_by_id, id, json_string(upn));
        im->counts[COUNT_USERS]++;
        return read_user_licenses(im, user, path, upn);
}

/* A group's display name, made unique in file order: "Sales", "Sales (2)", "Sales (3)" ... */
static void unique_group_name(struct import *im, const char *path, char *name)
{
        char first[MODEL_TEXT_MAX + 1], at[PATH_BYTES];
        int n;

        if (!json_object_get(im->group_names, name))
                return;
        snprintf(first, sizeof(first), "%s", name);
        for (n = 2; json_object_get(im->group_names, name); n++)
                snprintf(name, MODEL_TEXT_MAX + 1, "%.*s (%d)", MODEL_TEXT_MAX - 16, first, n);
        path_key(at, path, "displayName");
        warn(im, at, "a group named '%s' is listed already; this one is imported as '%s'",
             first, name);
}

static int read_members(struct import *im, json_t *group, const char *path, const char *name)
{
        char list_path[PATH_BYTES], at[PATH_BYTES], id[MODEL_SKU_ID_MAX + 1];
        json_t *members, *member, *upn;
        size_t i;
        int status, r;

        status = get_list(im, group, path, "members", false, &members, list_path);
        json_array_foreach(members, i, member) {
                const char *type;

                if (status)
                        break;
                path_index(at, list_path, i);
                status = need_object(im, member, at);
                if (!status)
                        status = get_guid(im, member, at, "id", id);
                if (status)
                        break;
                type = json_string_value(json_object_get(member, "@odata.type"));
                if (type && strcmp(type, "#microsoft.graph.user") != 0) {
                        warn(im, at, "skipped: a %s member gets no licenses from the group",
                             type);
                        continue;
                }
                upn = json_object_get(im->users_by_id, id);
                if (!upn) {
                        path_key(at, at, "id");
                        return refused(im, at, "no user in users has id %s", id);
                }
                r = model_member_add(im->m, name, json_string_value(upn));
                if (r < 0)
                        status = model_failed(im, at, r);
        }
        return status;
}

static int read_group(struct import *im, json_t *group, const char *path)
{
        char name[MODEL_TEXT_MAX + 1], id[MODEL_SKU_ID_MAX + 1], at[PATH_BYTES];
        char list_path[PATH_BYTES];
        json_t *licenses = NULL, *license;
        size_t i;
        int status, r;

        status = need_object(im, group, path);
        if (!status)
                status = get_guid(im, group, path, "id", id);
        if (!status)
                status = get_text(im, group, path, "displayName", true, true, name);
        if (status)
                return status;
        path_key(at, path, "id");
        if (json_object_get(im->users_by_id, id))
                return refused(im, at, "%s is the id of user %s already", id,
                               json_string_value(json_object_get(im->users_by_id, id)));
        unique_group_name(im, path, name);
        json_object_set_new(im->group_names, name, json_true());
        path_key(at, path, "displayName");
        r = model_group_create(im->m, name);
        if (r >= 0) {
                path_key(at, path, "id");
                r = model_object_id_set(im->m, MODEL_OBJECT_GROUP, name, id);
        }
        if (r < 0)
                return model_failed(im, at, r);
        im->counts[COUNT_GROUPS]++;
        status = read_members(im, group, path, name);
        if (!status)
                status = get_list(im, group, path, "assignedLicenses", false, &licenses,
                                  list_path);
        json_array_foreach(licenses, i, license) {
                if (status)
                        break;
                path_index(at, list_path, i);
                status = read_license(im, license, at, name, false, im->group_licenses);
        }
        return status;
}

/* Reads each element of the list root.key with fn, showing progress. */
static int read_each(struct import *im, json_t *list, const char *list_path,
                     int (*fn)(struct import *im, json_t *element, const char *path))
{
        char path[PATH_BYTES];
        json_t *element;
        size_t i;
        int status = 0;

        json_array_foreach(list, i, element) {
                path_index(path, list_path, i);
                status = fn(im, element, path);
                if (status)
                        break;
                progress_step(im);
        }
        return status;
}

/* --- the whole import -------------------------------------------------------------------- */

static int make_room(struct import *im, bool replace)
{
        int r = model_directory_is_empty(im->m);

        if (r == 0 && !replace) {
                fprintf(stderr, "licensefs: %s: the tenant has users or groups already; import "
                        "--replace replaces them\n", im->database);
                return EXIT_REFUSED;
        }
        if (r == 0)
                r = model_directory_clear(im->m);
        return r < 0 ? snapshot_database_error(im->database, r) : 0;
}

struct waiting {
        struct import *im;
        const char *sku;
};

static int warn_waiting(void *ctx, const char *upn)
{
        struct waiting *w = ctx;

        warn(w->im, "", "%s waits for %s: no seat left", upn, w->sku);
        return 0;
}

/* Warns of every user left waiting; adds up the seats held and waited for. */
static int report_seats(struct import *im, int64_t *ret_held, int64_t *ret_waiting)
{
        struct model_product product;
        const char *sku;
        json_t *path;
        int r = 0;

        *ret_held = *ret_waiting = 0;
        json_object_foreach(im->skus, sku, path) {
                struct waiting w = { im, sku };

                r = model_product_get(im->m, sku, &product);
                if (r < 0)
                        break;
                *ret_held += product.assigned;
                *ret_waiting += product.waiting;
                if (product.waiting == 0)
                        continue;
                r = model_list(im->m, MODEL_LIST_PRODUCT_WAITERS, sku, NULL, warn_waiting, &w);
                if (r < 0)
                        break;
        }
        return r < 0 ? snapshot_database_error(im->database, r) : 0;
}

static int import_all(struct import *im, json_t *root, bool replace)
{
        char skus_path[PATH_BYTES], users_path[PATH_BYTES], groups_path[PATH_BYTES];
        json_t *skus, *users, *groups;
        int64_t held, waiting;
        int status;

        status = get_list(im, root, "$", "subscribedSkus", true, &skus, skus_path);
        if (!status)
                status = get_list(im, root, "$", "users", true, &users, users_path);
        if (!status)
                status = get_list(im, root, "$", "groups", true, &groups, groups_path);
        if (!status)
                status = make_room(im, replace);
        if (status)
                return status;
        im->objects = json_array_size(skus) + json_array_size(users) + json_array_size(groups);
        im->progress = im->objects >= PROGRESS_FROM && isatty(STDERR_FILENO);

        status = read_organization(im, root);
        if (!status)
                status = read_each(im, skus, skus_path, read_sku);
        if (!status)
                status = read_each(im, users, users_path, read_user);
        if (!status)
                status = read_each(im, groups, groups_path, read_group);
        /* Who holds and who waits: the order of the claims decides. */
        if (!status)
                status = claim_directs(im, false);
        if (!status)
                status = claim_group_licenses(im);
        if (!status)
                status = claim_directs(im, true);
        progress_clear(im);
        if (!status)
                status = report_seats(im, &held, &waiting);
        if (!status)
                printf("imported %s: %d products, %d users, %d groups; %lld seats held, %lld "
                       "waiting\n", im->file, im->counts[COUNT_PRODUCTS], im->counts[COUNT_USERS],
                       im->counts[COUNT_GROUPS], (long long)held, (long long)waiting);
        return status;
}

/* Reads all of `in` into a malloc'd buffer; NULL (errno set) on failure. */
static char *read_all(FILE *in, size_t *ret_size)
{
        size_t size = 0, capacity = 65536, n;
        char *text = malloc(capacity), *grown;

        while (text && (n = fread(text + size, 1, capacity - size, in)) > 0) {
                size += n;
                if (size == capacity) {
                        grown = realloc(text, capacity *= 2);
                        if (!grown)
                                free(text);
                        text = grown;
                }
        }
        if (text && ferror(in)) {
                free(text);
                return NULL;
        }
        *ret_size = size;
        return text;
}

int snapshot_load(const char *file, json_t **ret)
{
        static const char bom[] = "\xef\xbb\xbf";
        size_t size = 0, skip;
        json_error_t error;
        char *text = NULL;
        json_t *root;
        FILE *in;

        in = fopen(file, "r");
        if (in)
                text = read_all(in, &size);
        if (!text) {
                fprintf(stderr, "licensefs: %s: %s\n", file, strerror(errno));
                if (in)
                        fclose(in);
                return EXIT_REFUSED;
        }
        fclose(in);
        /* PowerShell writes UTF-8 with a byte order mark. */
        skip = size >= 3 && memcmp(text, bom, 3) == 0 ? 3 : 0;
        root = json_loadb(text + skip, size - skip, JSON_REJECT_DUPLICATES, &error);
        free(text);
        if (!root) {
                fprintf(stderr, "licensefs: %s:%d:%d: %s\n", file, error.line, error.column,
                        error.text);
                return EXIT_REFUSED;
        }
        *ret = root;
        return 0;
}

int snapshot_import(struct model *m, const char *database, const char *file, json_t *root,
                    bool replace)
{
        struct import im = {
                .m = m, .database = database, .file = file,
                .users_by_id = json_object(), .group_names = json_object(),
                .skus = json_object(), .directs = json_array(), .group_licenses = json_array(),
        };
        int status, r;

        if (!json_is_object(root)) {
                status = refused(&im, "$", "not an object with subscribedSkus, users and groups");
                goto out;
        }
        r = model_batch_begin(m);
        if (r < 0) {
                status = snapshot_database_error(database, r);
                goto out;
        }
        status = import_all(&im, root, replace);
        /* Only a committed import is a change to record; a refused one leaves no trace. */
        if (status == 0)
                model_set_actor(&(struct model_actor){ (int64_t)getuid(), "import", file });
        r = model_batch_end(m, status == 0);
        model_set_actor(NULL);
        if (r < 0 && status == 0)
                status = snapshot_database_error(database, r);
out:
        json_decref(im.users_by_id);
        json_decref(im.group_names);
        json_decref(im.skus);
        json_decref(im.directs);
        json_decref(im.group_licenses);
        return status;
}
