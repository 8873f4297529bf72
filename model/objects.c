/*
 * The directory's objects: the object ids of the tenant, its users and groups (kept from an
 * import, or made up once and kept), and emptying the directory of its users and groups for an
 * import that replaces it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "internal.h"

/* The statements for each kind of object; ?1 is the id, ?2 the name (unused for the tenant). */
static const struct {
        const char *exists, *get, *set, *what;
} objects[] = {
        [MODEL_OBJECT_TENANT] = {
                "SELECT 1 FROM tenant",
                "SELECT coalesce(object_id, '') FROM tenant",
                "UPDATE tenant SET object_id = $1", "tenant" },
        [MODEL_OBJECT_USER] = {
                "SELECT 1 FROM users WHERE upn = $2 AND deleted IS NULL",
                "SELECT coalesce(object_id, '') FROM users WHERE upn = $2 AND deleted IS NULL",
                "UPDATE users SET object_id = $1 WHERE upn = $2 AND deleted IS NULL", "user" },
        [MODEL_OBJECT_GROUP] = {
                "SELECT 1 FROM security_groups WHERE name = $2",
                "SELECT coalesce(object_id, '') FROM security_groups WHERE name = $2",
                "UPDATE security_groups SET object_id = $1 WHERE name = $2", "group" },
};

static int check_kind(enum model_object kind)
{
        if ((unsigned)kind >= sizeof(objects) / sizeof(objects[0]))
                return refuse(-EINVAL, "unknown kind of object %d", (int)kind);
        return 0;
}

static int object_exists(struct model *m, enum model_object kind, const char *name)
{
        int64_t exists;
        int r = sql_int(m, &exists, objects[kind].exists, "tt", NULL, name);

        return r == -ENOENT ? refuse(-ENOENT, "no %s named '%s'", objects[kind].what, name) : r;
}

static int object_id_set(struct model *m, enum model_object kind, const char *name,
                         const char *id)
{
        char lower[MODEL_SKU_ID_MAX + 1], owner[MODEL_TEXT_MAX + 1];
        int r;

        r = check_kind(kind);
        if (r >= 0)
                r = object_exists(m, kind, name);
        if (r >= 0)
                r = model_guid_normalise(id, lower);
        if (r < 0)
                return r;
        /* Directory object ids are unique across users and groups. */
        r = sql_text(m, owner, sizeof(owner), "SELECT 'user ' || upn FROM users WHERE object_id "
                     "= $1 UNION ALL SELECT 'group ' || name FROM security_groups WHERE "
                     "object_id = $1", "t", lower);
        if (r == 0 && kind != MODEL_OBJECT_TENANT) {
                char mine[MODEL_TEXT_MAX + 1];

                snprintf(mine, sizeof(mine), "%s %s", objects[kind].what, name);
                if (strcmp(owner, mine) != 0)
                        return refuse(-EEXIST, "object id %s belongs to %s", lower, owner);
        }
        if (r < 0 && r != -ENOENT)
                return r;
        r = sql_exec(m, objects[kind].set, "tt", lower, name);
        return r < 0 ? r : 0;
}

int model_object_id_set(struct model *m, enum model_object kind, const char *name,
                        const char *id)
{
        return WRITE_TX(m, object_id_set(m, kind, name, id));
}

static int object_id_get(struct model *m, enum model_object kind, const char *name, char *ret)
{
        int r = check_kind(kind);

        if (r >= 0)
                r = sql_text(m, ret, MODEL_SKU_ID_MAX + 1, objects[kind].get, "tt", NULL, name);
        return r == -ENOENT ? refuse(-ENOENT, "no %s named '%s'", objects[kind].what, name) : r;
}

int model_object_id_get(struct model *m, enum model_object kind, const char *name,
                        char ret[MODEL_SKU_ID_MAX + 1])
{
        return READ_TX(m, object_id_get(m, kind, name, ret));
}

/* A random (version 4) GUID, lower-case. */
static int guid_random(char ret[MODEL_SKU_ID_MAX + 1])
{
        unsigned char b[16];

        if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
                return refuse(-EIO, "no random bytes for an object id: %s", strerror(errno));
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        snprintf(ret, MODEL_SKU_ID_MAX + 1, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
                 b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
        return 0;
}

static int object_ids_complete(struct model *m)
{
        static const char *const missing[] = {
                "SELECT id FROM tenant WHERE object_id IS NULL ORDER BY id",
                "SELECT id FROM users WHERE object_id IS NULL ORDER BY id",
                "SELECT id FROM security_groups WHERE object_id IS NULL ORDER BY id",
        };
        static const char *const set[] = {
                "UPDATE tenant SET object_id = $1 WHERE id = $2",
                "UPDATE users SET object_id = $1 WHERE id = $2",
                "UPDATE security_groups SET object_id = $1 WHERE id = $2",
        };
        char guid[MODEL_SKU_ID_MAX + 1];
        size_t kind, count, i;
        int64_t *ids = NULL;
        int r = 0, made = 0;

        for (kind = 0; r >= 0 && kind < sizeof(missing) / sizeof(missing[0]); kind++) {
                r = collect_ids(m, &ids, &count, missing[kind], "");
                for (i = 0; r >= 0 && i < count; i++, made++) {
                        r = guid_random(guid);
                        if (r >= 0)
                                r = sql_exec(m, set[kind], "ti", guid, ids[i]);
                }
                free(ids);
                ids = NULL;
        }
        return r < 0 ? r : made;
}

int model_object_ids_complete(struct model *m)
{
        return WRITE_TX(m, object_ids_complete(m));
}

static int directory_is_empty(struct model *m)
{
        int64_t any;
        int r;

        r = sql_int(m, &any, "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM "
                    "security_groups)", "");
        return r < 0 ? r : !any;
}

int model_directory_is_empty(struct model *m)
{
        return READ_TX(m, directory_is_empty(m));
}

static int directory_clear(struct model *m)
{
        /* Dependents first; the seats and the products' numbers are the seat engine's. */
        static const char *const steps[] = {
                "DELETE FROM suspended_paths",
                "DELETE FROM inactive_members",
                "DELETE FROM members",
                "DELETE FROM group_licenses",
                "DELETE FROM security_groups",
                "DELETE FROM users",
        };
        size_t i;
        int r;

        r = sql_exec(m, "DELETE FROM direct_disabled_plans", "");
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM group_disabled_plans", "");
        /* Seats come from the directory's subscriptions: they go with it. */
        if (r >= 0)
                r = sql_exec(m, "DELETE FROM subscriptions", "");
        if (r >= 0)
                r = seat_clear_all(m);
        for (i = 0; r >= 0 && i < sizeof(steps) / sizeof(steps[0]); i++)
                r = sql_exec(m, steps[i], "");
        return r < 0 ? r : 0;
}

int model_directory_clear(struct model *m)
{
        return WRITE_TX(m, directory_clear(m));
}
