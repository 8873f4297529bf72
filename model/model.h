/*
 * The licensefs domain model: one tenant's products, users, security groups and license seats,
 * kept in one SQLite database. It owns every rule (one seat per user and product however many
 * paths give it, the waiting queue, the refusals) and makes every change in one transaction, so
 * callers never see or leave a half-done change. It knows nothing of FUSE or of file names:
 * SKUs, UPNs and group names here are the plain names, never escaped.
 *
 * Conventions: functions return 0 (or a count) on success and -errno on failure; `ret`
 * parameters are written only on success; nothing here allocates memory that the caller must
 * free, except the model itself (model_close()) and saved holder options
 * (model_holder_options_free()). When a function refuses a change it records a one-line
 * reason for the calling thread, readable with model_reason(). The model serialises
 * its own callers, so one model may be shared by many threads.
 *
 * Errno values used throughout:
 *   ENOENT     a named product, user, group, member, holder or waiter does not exist
 *   EEXIST     creating a product, user or group whose name is taken
 *   EINVAL     a name or value breaks the rules (see each function)
 *   ENAMETOOLONG a name longer than MODEL_NAME_MAX bytes
 *   ENOSPC     no seat is available for a direct assignment
 *   EPERM      removing a license the user holds only through groups
 *   EBUSY      a change that would break what others still rely on (see each function)
 *   ENOTEMPTY  deleting a product or group that is still in use
 *   EIO, ENOMEM, EROFS, EACCES  the database failed (mapped from SQLite in one place)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MODEL_NAME_MAX 255          /* bytes of a SKU, UPN or group name */
#define MODEL_TEXT_MAX 1024         /* bytes of a display name */
#define MODEL_COUNT_MAX 2147483647  /* largest seat count */
#define MODEL_SKU_ID_MAX 36         /* a GUID as text */

struct model;

/*
 * Opens the tenant database at `path`, creating the file (mode 0600) and an empty tenant if it
 * does not exist; ":memory:" gives a private in-memory tenant (for tests). Refuses a file that
 * is not a licensefs database. Returns 0 and the model in *ret (free it with model_close()),
 * -EIO for a corrupt or foreign file, -EACCES/-ENOENT/-EROFS when the file cannot be opened.
 * The reason is in model_reason().
 */
int model_open(const char *path, struct model **ret);
/*
 * model_open, but a tenant that does not exist yet is not made: -ENOENT. On a server, where
 * that is a schema (a file's existence is the caller's to check).
 */
int model_open_existing(const char *path, struct model **ret);

/* Closes the model; accepts NULL; returns NULL so callers can write m = model_close(m). */
struct model *model_close(struct model *m);

/* Why this thread's last model call failed; "" when it succeeded. Never NULL. */
const char *model_reason(void);

/*
 * Whether this thread's last failed model call failed because the database did (I/O, a full
 * disk, a lock, memory), not because a rule refused the change. The errno alone cannot say:
 * ENOSPC is both "no seat is available" and "the disk is full".
 */
bool model_failed_in_database(void);

/*
 * A batch: the calling thread's model calls between these two are one transaction, which
 * model_batch_end commits (commit true) or rolls back. Each call inside is still all or
 * nothing (a savepoint), so a caller may go on after a refused call. Other threads wait for
 * the batch to end. For importers; returns 0 or -errno.
 */
int model_batch_begin(struct model *m);
int model_batch_end(struct model *m, bool commit);
/*
 * A read session: the calling thread's reads between these two see one snapshot and cost one
 * transaction (a change inside is EBUSY, so is a batch). For rendering a record from several
 * reads, or many records (a listing) in one transaction: a read session begun inside one is
 * part of it, and ends with the matching model_read_end.
 */
int model_read_begin(struct model *m);
int model_read_end(struct model *m);

/*
 * Watching committed changes, for a cache of what the model shows (licensefs's kernel caches).
 * After model_watch, every committed write transaction of this model (whichever thread ran
 * it) calls fn once, after the model is unlocked, with what it touched (possibly nothing):
 *   MODEL_CHANGE_USER a: a user (UPN) whose record, paths through groups or memberships changed
 *   MODEL_CHANGE_PRODUCT a: a product (SKU) whose counts changed
 *   MODEL_CHANGE_GROUP a: a group that was deleted
 *   MODEL_CHANGE_GROUP_LICENSE a, b: group a's license of product b came or went
 *   MODEL_CHANGE_ALL: something every record may show (a product renamed, deleted, its plans)
 *   MODEL_CHANGE_SEAT a, b: user a's claim to product b (its seat or wait, its direct path and
 *     options, a deleted user's kept paths) changed, and nothing else of the user
 * A change of the tenant's own name or usage location is reported as MODEL_CHANGE_ALL; the
 * audit log and the summary change with nearly every change and are not reported. Names and
 * the list are valid during the call only. Changes committed by other connections are not
 * seen here: model_others_wait hears them. 0 or -errno.
 */
enum model_change_kind {
        MODEL_CHANGE_USER = 1,
        MODEL_CHANGE_PRODUCT,
        MODEL_CHANGE_GROUP,
        MODEL_CHANGE_GROUP_LICENSE,
        MODEL_CHANGE_ALL,
        MODEL_CHANGE_SEAT,
};

struct model_change {
        enum model_change_kind kind;
        const char *a, *b;              /* names; "" when unused */
};

typedef void (*model_watch_fn)(void *ctx, const struct model_change *changes, size_t count);
int model_watch(struct model *m, model_watch_fn fn, void *ctx);
/*
 * Commits by other connections (another process, another host): waits up to timeout_ms for
 * them and calls fn once with what they touched, as model_watch does for this model's own
 * (MODEL_CHANGE_ALL when the backend cannot say exactly: SQLite, whose data_version only says
 * that something changed, or a server connection lost and found again). Returns 1 after
 * calling fn, 0 when nothing was committed, -errno when it cannot tell now (the next call
 * tries again). Its first call starts the watch (SQLite: the version to compare with); one
 * thread calls it at a time.
 */
int model_others_wait(struct model *m, int timeout_ms, model_watch_fn fn, void *ctx);

/* Fixes the model's clock at `now` (epoch seconds) for tests; 0 returns to the real clock. */
void model_set_clock(struct model *m, time_t now);

/* --- the tenant ----------------------------------------------------------------------------- */

struct model_tenant {
        char name[MODEL_TEXT_MAX + 1];
        char usage_location[3];         /* always a valid ISO 3166-1 alpha-2 code */
};

int model_tenant_get(struct model *m, struct model_tenant *ret);
/* EINVAL: empty, not UTF-8, control characters, or longer than MODEL_TEXT_MAX. */
int model_tenant_set_name(struct model *m, const char *name);
/* EINVAL: not an assigned ISO 3166-1 alpha-2 code (any case; stored upper-case), or empty. */
int model_tenant_set_usage_location(struct model *m, const char *code);
/* Returns 1 when the tenant has no products, users or groups, 0 when it has, or -errno. */
int model_tenant_is_empty(struct model *m);

/*
 * The service-plan rules, matched by plan name whatever the product. A conflict set: plans of
 * which a user may have one enabled (from different products; one product's plans never
 * conflict), else MutuallyExclusiveViolation. A dependency: an add-on plan that needs one of
 * its prerequisite plans enabled for the same user, else DependencyViolation.
 */
enum model_plan_rule {
        MODEL_PLAN_CONFLICTS,           /* key: the set's number; plan: one of the set */
        MODEL_PLAN_DEPENDENCIES,        /* key: the add-on; plan: one prerequisite */
};

typedef int (*model_plan_rule_fn)(void *ctx, const char *key, const char *plan);

/*
 * Calls fn for each (key, plan) of the rules, by key and then plan, bytewise; a non-zero return
 * ends it and is returned.
 */
int model_plan_rules(struct model *m, enum model_plan_rule rule, model_plan_rule_fn fn,
                     void *ctx);

/* --- products ------------------------------------------------------------------------------- */

struct model_product {
        char name[MODEL_TEXT_MAX + 1];  /* display name; the SKU until set */
        char sku_id[MODEL_SKU_ID_MAX + 1]; /* the skuId GUID, "" when unknown */
        int64_t total;                  /* purchased seats */
        int64_t expiring_soon;          /* seats of the total that expire soon */
        int64_t assigned;               /* users holding a seat */
        int64_t available;              /* total - assigned */
        int64_t waiting;                /* users waiting for a seat */
        int64_t errors;                 /* users in error: waiting, or held back by a rule */
        time_t created;
};

/* Creates a product with 0 seats. EINVAL/ENAMETOOLONG: bad SKU; EEXIST: taken. */
int model_product_create(struct model *m, const char *sku);
/* ENOTEMPTY while any user holds or waits for it or a group has it. */
int model_product_delete(struct model *m, const char *sku);
int model_product_get(struct model *m, const char *sku, struct model_product *ret);
/* EINVAL: empty, not UTF-8, control characters, longer than MODEL_TEXT_MAX. */
int model_product_set_name(struct model *m, const char *sku, const char *name);
/*
 * The one GUID check: writes the lower-case form of `text` (8-4-4-4-12 hex digits) to ret;
 * -EINVAL with a reason when it is not a GUID. Needs no model.
 */
int model_guid_normalise(const char *text, char ret[MODEL_SKU_ID_MAX + 1]);
/*
 * A name as paths of the tree and the audit log write it: '%' as "%25", '/' as "%2F", every
 * other byte as it is. Writes it into ret (size bytes, terminated); -ENAMETOOLONG when it does
 * not fit. Needs no model and records no reason.
 */
int model_name_encode(const char *name, char *ret, size_t size);

#define MODEL_TIME_MAX 32           /* bytes of a time as model_time_format writes it */
/* A time as records and the audit log show it: ISO 8601 in UTC, "2023-11-14T22:13:20Z". */
void model_time_format(time_t t, char ret[MODEL_TIME_MAX]);
/*
 * A date or date-time in UTC, as ISO 8601 writes it: "2027-06-30" (its midnight) or
 * "2027-06-30T12:00:00Z" (the Z may be left out, a fraction of seconds is dropped); a real
 * date of year 1970 to 9999.
 * EINVAL (with the reason) for anything else.
 */
int model_time_parse(const char *text, time_t *ret);

/* EINVAL: not a GUID (8-4-4-4-12 hex digits); stored lower-case. */
int model_product_set_sku_id(struct model *m, const char *sku, const char *sku_id);
/*
 * Sets the purchased seats; a raise gives the freed seats to the longest-waiting users.
 * EINVAL: negative or above MODEL_COUNT_MAX; EBUSY: below assigned; EINVAL: below expiring_soon.
 */
int model_product_set_total(struct model *m, const char *sku, int64_t total);
/* EINVAL: negative or above total. */
int model_product_set_expiring_soon(struct model *m, const char *sku, int64_t expiring_soon);

/* --- users ---------------------------------------------------------------------------------- */

struct model_user {
        char display_name[MODEL_TEXT_MAX + 1]; /* the UPN until set */
        char usage_location[3];         /* "" when not set */
        time_t created;
        time_t deleted;                 /* 0 unless deleted */
};

/* EINVAL: not local@domain, blanks, control characters, not UTF-8; EEXIST: taken. */
int model_user_create(struct model *m, const char *upn);
int model_user_get(struct model *m, const char *upn, struct model_user *ret);
int model_user_set_display_name(struct model *m, const char *upn, const char *name);
/*
 * Sets the usage location; "" clears it. EINVAL: not an ISO 3166-1 alpha-2 code;
 * EBUSY: clearing it while the user has a direct license.
 */
int model_user_set_usage_location(struct model *m, const char *upn, const char *code);

/* --- security groups ------------------------------------------------------------------------ */

struct model_group {
        int64_t members;
        time_t created;
};

/* EINVAL/ENAMETOOLONG: bad name; EEXIST: taken. */
int model_group_create(struct model *m, const char *name);
/* Ends the group's memberships. ENOTEMPTY while a product is assigned to the group. */
int model_group_delete(struct model *m, const char *name);
int model_group_get(struct model *m, const char *name, struct model_group *ret);

struct model_member {
        time_t since;                   /* when the user joined */
};

/*
 * Adds the user to the group (0 if already a member): the user gets the group's products, or
 * waits for those without a free seat. ENOENT: no such group or user.
 */
int model_member_add(struct model *m, const char *group, const char *upn);
/* Ends the membership; seats it frees go to the longest-waiting users. ENOENT: not a member. */
int model_member_remove(struct model *m, const char *group, const char *upn);
int model_member_get(struct model *m, const char *group, const char *upn, struct model_member *ret);

/* --- assignments ---------------------------------------------------------------------------- */

struct model_holder {
        bool direct;                    /* assigned directly (and perhaps through groups too) */
        int64_t groups;                 /* licensed groups the user is a member of */
        time_t since;                   /* when the user got the seat */
};

/*
 * Ensures a direct assignment (0 if there is one already). A user who holds the product only
 * through groups gets the direct path and keeps the seat. ENOENT: no such product or user;
 * EINVAL: the user has no usage location; ENOSPC: the user holds no seat and none is available.
 */
int model_direct_assign(struct model *m, const char *sku, const char *upn);
/*
 * A direct license as a snapshot has it: the user gets the direct path without the usage
 * location that new assignments need, and a seat if one is free, else a place at the end of the
 * queue (a claim it has through groups stays as it is); `disabled` names the plans the direct
 * path disables. Returns 0 when the user holds the product, 1 when it waits, or -errno:
 * ENOENT no such product or user; EINVAL a name that is not one of the product's plans.
 */
int model_direct_import(struct model *m, const char *sku, const char *upn,
                        const char *const *disabled, size_t count);
/*
 * Removes the direct assignment; the seat goes when no group path is left, to the
 * longest-waiting user. ENOENT: the user does not hold the product; EPERM: only through groups.
 */
int model_direct_remove(struct model *m, const char *sku, const char *upn);
/* The user's seat of the product. ENOENT unless the user holds one (waiting is not holding). */
int model_holder_get(struct model *m, const char *sku, const char *upn, struct model_holder *ret);

/* What a line of model_holder_records says of one holder. */
enum model_record_part {
        MODEL_RECORD_SEAT,              /* first of each holder's: direct, since */
        MODEL_RECORD_GROUP,             /* a group it holds the product through */
        MODEL_RECORD_DISABLED,          /* a plan its direct assignment disables */
        MODEL_RECORD_PLAN,              /* a plan its paths leave enabled */
};

struct model_record_row {
        const char *upn;
        enum model_record_part part;
        const char *name;               /* the group's or plan's (not the seat's) */
        bool direct;                    /* the seat's */
        time_t since;                   /* the seat's */
};

typedef int (*model_record_fn)(void *ctx, const struct model_record_row *row);

/*
 * The records of every holder of product `sku` at once, in one read: per holder (grouped, in
 * no set order), its seat, then the names MODEL_LIST_PATH_GROUPS, MODEL_LIST_DIRECT_DISABLED and
 * MODEL_LIST_EFFECTIVE_PLANS list for it, each part in their order. What a directory of
 * holders shows costs one statement instead of several per holder. ENOENT: no such product; a
 * non-zero return of fn ends it, returned.
 */
int model_holder_records(struct model *m, const char *sku, model_record_fn fn, void *ctx);
/* The same for one holder, `upn`: ENOENT unless the user holds the product. */
int model_holder_record(struct model *m, const char *sku, const char *upn, model_record_fn fn,
                        void *ctx);

struct model_group_license {
        int64_t members;                /* the group's members */
        int64_t errors;                 /* of them, those in error for it (any kind) */
        time_t since;
};

/*
 * Assigns the product to the group (0 if it is already). Never fails for lack of seats:
 * members get seats in the order they joined, the rest wait. ENOENT: no such product or group.
 */
int model_group_license_add(struct model *m, const char *sku, const char *group);
/*
 * A snapshot's group license, with the plans it disables, taken as the tenant has it: no
 * service-plan rule refuses it (members it breaks one for are held back), unlike
 * model_group_license_add and model_group_disabled_set. ENOENT: no such product or group;
 * EINVAL: an unknown plan.
 */
int model_group_license_import(struct model *m, const char *sku, const char *group,
                               const char *const *disabled, size_t count);
/* ENOENT when not assigned. Seats it frees go to the longest-waiting users. */
int model_group_license_remove(struct model *m, const char *sku, const char *group);
int model_group_license_get(struct model *m, const char *sku, const char *group,
                            struct model_group_license *ret);

struct model_waiter {
        bool direct;                    /* a direct assignment waits (only a restore makes one) */
        int64_t groups;                 /* licensed groups through which the user waits */
        time_t since;                   /* when the user started waiting */
};

/* The longest reason a service-plan rule gives for holding a claim back. */
#define MODEL_REASON_MAX (2 * MODEL_TEXT_MAX + 2 * MODEL_NAME_MAX + 256)

/* A user in a product's errors: waiting for a seat, or held back by a service-plan rule. */
struct model_error {
        const char *kind;               /* "CountViolation", "MutuallyExclusiveViolation" or
                                         * "DependencyViolation" (static strings) */
        char reason[MODEL_REASON_MAX];  /* a rule's: the plans it names; "" for a wait */
        bool direct;                    /* a direct assignment waits (only a restore makes one) */
        int64_t groups;                 /* licensed groups through which the user has the claim */
        time_t since;                   /* when the wait began or the rule held the claim back */
};

/* The user's error for the product. ENOENT unless it waits or a rule holds it back. */
int model_error_get(struct model *m, const char *sku, const char *upn, struct model_error *ret);

/*
 * Withdraws a waiting direct assignment; the user keeps waiting if a group still gives it.
 * ENOENT: the user does not wait for the product; EPERM: it waits only through groups.
 */
int model_direct_withdraw(struct model *m, const char *sku, const char *upn);
/* A user waiting for a seat of the product. ENOENT unless waiting. */
int model_waiter_get(struct model *m, const char *sku, const char *upn, struct model_waiter *ret);
/* A member of the group waiting for one of the group's products. ENOENT unless waiting. */
int model_group_waiter_get(struct model *m, const char *group, const char *upn,
                           struct model_waiter *ret);

/* --- service plans and options ------------------------------------------------------------- */

/*
 * Replaces the product's plan list with `names` (duplicates ignored). Plans it drops leave
 * every disabled list. EINVAL: a name that is empty, not UTF-8, holds a control character or a
 * comma, or is longer than MODEL_TEXT_MAX; ENOENT: no such product.
 */
int model_plans_set(struct model *m, const char *sku, const char *const *names, size_t count);
/* Checks plan names as model_plans_set would, without a product: 0 or -EINVAL. */
int model_plans_check(const char *const *names, size_t count);
/*
 * Sets the plans the user's direct path disables (none: count 0), adding the direct path as
 * model_direct_assign does (same errors) when the user holds the product only through groups.
 * ENOENT: the user does not hold the product (options belong to a holder's record);
 * EINVAL: a name that is not one of the product's plans; nothing changes then.
 */
int model_direct_disabled_set(struct model *m, const char *sku, const char *upn,
                              const char *const *names, size_t count);
/* The same for a group's license of the product. ENOENT: the group does not have it. */
int model_group_disabled_set(struct model *m, const char *sku, const char *group,
                             const char *const *names, size_t count);

/*
 * A holder's options as an options write may change them: whether the user has the direct
 * path and the plans it disables. Saved before a value is written, they put back what its
 * writes changed when a later write of the same value is refused.
 */
struct model_holder_options;
/*
 * Saves the options of the user's seat of the product into *ret, which the caller frees with
 * model_holder_options_free(). ENOENT: the user does not hold the product; ENOMEM.
 */
int model_holder_options_save(struct model *m, const char *sku, const char *upn,
                              struct model_holder_options **ret);
/*
 * Puts the saved options back: the direct path goes when there was none (the seat stays while
 * a group gives it), else its disabled plans are the saved ones (and a direct path removed
 * meanwhile comes back, with model_direct_assign's errors). ENOENT: the user no longer holds
 * the product; EINVAL: a saved plan the product no longer has.
 */
int model_holder_options_restore(struct model *m, const char *sku, const char *upn,
                                 const struct model_holder_options *saved);
/* Frees saved options; accepts NULL; returns NULL. */
struct model_holder_options *model_holder_options_free(struct model_holder_options *saved);

/* --- real data: skuIds and plan GUIDs (catalog.c) -------------------------------------------- */

enum model_upsert { MODEL_UNCHANGED, MODEL_CREATED, MODEL_UPDATED };

/*
 * Creates the product if it is new, sets its display name (NULL: keep), and records sku_id
 * (NULL: none) as one of its skuIds; the first one recorded is the product's own. Never touches
 * seats or assignments. *ret says what it did. EINVAL: a bad SKU, name or GUID; EEXIST: the
 * skuId belongs to another product.
 */
int model_product_upsert(struct model *m, const char *sku, const char *display_name,
                         const char *sku_id, enum model_upsert *ret);
/*
 * Adds a plan to a product, or gives an existing plan of that name its GUID (guid NULL: none).
 * Within a product one name has one GUID and one GUID one name: the first seen stays, and a
 * conflicting one is EEXIST (with the reason). Never deletes. EINVAL: bad name or GUID;
 * ENOENT: no such product.
 */
int model_plan_upsert(struct model *m, const char *sku, const char *name, const char *guid,
                      const char *friendly_name, enum model_upsert *ret);
/* The SKU of the product that has skuId `sku_id` (any of its skuIds); ENOENT when none. */
int model_product_by_sku_id(struct model *m, const char *sku_id, char *ret, size_t size);
/* The name of the product's plan with GUID `guid`; ENOENT when none. */
int model_plan_by_guid(struct model *m, const char *sku, const char *guid, char *ret,
                       size_t size);
/* The GUID of the product's plan `name`, "" when it has none. ENOENT: no such product or plan. */
int model_plan_guid(struct model *m, const char *sku, const char *name,
                    char ret[MODEL_SKU_ID_MAX + 1]);

/* --- the directory's objects (objects.c) ------------------------------------------------- */

enum model_object { MODEL_OBJECT_TENANT, MODEL_OBJECT_USER, MODEL_OBJECT_GROUP };

/*
 * Gives the tenant (name unused), a user (name: its UPN) or a group its directory object id,
 * stored lower-case. EINVAL: not a GUID; EEXIST: another user or group has it; ENOENT: no such
 * user (deleted ones have none to set) or group.
 */
int model_object_id_set(struct model *m, enum model_object kind, const char *name,
                        const char *id);
/* Its object id, "" when it has none. ENOENT: no such user or group. */
int model_object_id_get(struct model *m, enum model_object kind, const char *name,
                        char ret[MODEL_SKU_ID_MAX + 1]);
/*
 * Gives the tenant, every user (deleted ones too) and every group that has no object id a new
 * random one (a version 4 GUID), kept from then on. Returns how many it made, or -errno.
 */
int model_object_ids_complete(struct model *m);
/* Returns 1 when the tenant has no users (deleted ones included) and no groups, 0, or -errno. */
int model_directory_is_empty(struct model *m);
/*
 * Empties the directory for a snapshot that replaces it: every user (deleted ones too), group,
 * membership, assignment, wait and option goes, and every product keeps 0 seats. Products, their
 * plans and skuIds (a catalog), the tenant's name, usage location and id, and the audit log stay.
 */
int model_directory_clear(struct model *m);

/* --- the user lifecycle ------------------------------------------------------------------- */

/*
 * Deletes the user softly: the seats it holds are suspended (and go to the longest-waiting
 * users), its waits end, its memberships become inactive, and it moves to the deleted users
 * with its records kept as they were. ENOENT: no such (undeleted) user.
 */
int model_user_delete(struct model *m, const char *upn);
/*
 * Brings a deleted user back with its memberships (of groups that still exist), its direct
 * licenses and what its groups give now; what gets no seat waits, from now. ENOENT: no such
 * deleted user.
 */
int model_user_restore(struct model *m, const char *upn);
/* Deletes a deleted user for good, with its records and memberships. ENOENT as above. */
int model_user_purge(struct model *m, const char *upn);
/* Purges the users deleted more than 30 days ago (by the model's clock); returns how many. */
int model_purge_expired(struct model *m);
/* A deleted user (ret->deleted is when). ENOENT unless deleted. */
int model_deleted_user_get(struct model *m, const char *upn, struct model_user *ret);
/* What a deleted user held of a product, as at deletion (groups: the paths kept). */
int model_suspended_get(struct model *m, const char *sku, const char *upn,
                        struct model_holder *ret);
/* A deleted user's inactive membership. */
int model_inactive_member_get(struct model *m, const char *group, const char *upn,
                              struct model_member *ret);

/* --- subscriptions -------------------------------------------------------------------------- */

/*
 * A product's subscription (subscriptions.c says how seats, end dates and statuses relate).
 * While a product has any, its total and expiring_soon are theirs: set by hand, EPERM.
 */
struct model_subscription {
        int64_t seats;
        time_t ends;                    /* the end date; 0: none */
        bool trial;
        const char *status;             /* "Enabled", "Warning" or "Suspended" (static) */
        time_t next_lifecycle;          /* when the clock moves the status next; 0: never */
        time_t created;
};

/*
 * Creates one, Enabled, with no end date; a product's first takes over its seats (total),
 * later ones have 0. ENOENT: no such product; EINVAL/ENAMETOOLONG: a bad name; EEXIST: taken.
 */
int model_subscription_create(struct model *m, const char *sku, const char *name);
/* ENOENT; EBUSY when the seats it gives are needed by the users assigned. */
int model_subscription_delete(struct model *m, const char *sku, const char *name);
int model_subscription_get(struct model *m, const char *sku, const char *name,
                           struct model_subscription *ret);
/* EINVAL: out of range; EBUSY: fewer seats than the users assigned need. */
int model_subscription_set_seats(struct model *m, const char *sku, const char *name,
                                 int64_t seats);
/*
 * Sets the end date (0: none); the status follows at once (a later date reactivates a lapsed
 * one). EINVAL: before 1970, or more than 120 days past (it would be deleted).
 */
int model_subscription_set_ends(struct model *m, const char *sku, const char *name, time_t ends);
int model_subscription_set_trial(struct model *m, const char *sku, const char *name, bool trial);
/*
 * Moves every subscription's status to where the clock has put it (Warning 30 days, then
 * Suspended 90 days, then deleted), each move an audit line (grace, suspend, delete), and the
 * products' seats with them. Returns how many moved.
 */
int model_subscriptions_tick(struct model *m);
/*
 * A snapshot's subscription, as it is: seats, ends, trial and created from `sub` (the status
 * follows from ends and the clock). Errors as model_subscription_create.
 */
int model_subscription_import(struct model *m, const char *sku, const char *name,
                              const struct model_subscription *sub);
/*
 * The end date of a subscription Graph shows with `status` and nextLifecycleDateTime `next`
 * (0: none): the inverse of next_lifecycle. EINVAL for a status licensefs keeps no such
 * subscription in (LockedOut, Deleted, a lapsed one without a date). Needs no model.
 */
int model_subscription_ends_from(const char *status, time_t next_lifecycle, time_t *ret);
/* 1 when the product has subscriptions, 0 when not; ENOENT: no such product. */
int model_product_subscribed(struct model *m, const char *sku);

/* --- listings ------------------------------------------------------------------------------- */

enum model_listing {
        MODEL_LIST_PRODUCTS,            /* SKUs */
        MODEL_LIST_USERS,               /* UPNs */
        MODEL_LIST_GROUPS,              /* group names */
        MODEL_LIST_PRODUCT_HOLDERS,     /* a = SKU: UPNs holding a seat */
        MODEL_LIST_PRODUCT_GROUPS,      /* a = SKU: groups the product is assigned to */
        MODEL_LIST_PRODUCT_WAITERS,     /* a = SKU: UPNs waiting for a seat */
        MODEL_LIST_USER_LICENSES,       /* a = UPN: SKUs the user holds */
        MODEL_LIST_USER_GROUPS,         /* a = UPN: groups the user is a member of */
        MODEL_LIST_GROUP_MEMBERS,       /* a = group: UPNs of the members */
        MODEL_LIST_GROUP_LICENSES,      /* a = group: SKUs assigned to the group */
        MODEL_LIST_GROUP_WAITERS,       /* a = group: members waiting for one of its products */
        MODEL_LIST_PATH_GROUPS,         /* a = SKU, b = UPN: licensed groups giving the user it */
        MODEL_LIST_WAITER_PRODUCTS,     /* a = group, b = UPN: its products the member waits for */
        MODEL_LIST_DELETED_USERS,       /* UPNs of deleted users */
        MODEL_LIST_SUSPENDED_LICENSES,  /* a = deleted UPN: SKUs it held (or was assigned) */
        MODEL_LIST_INACTIVE_GROUPS,     /* a = deleted UPN: groups it was a member of */
        MODEL_LIST_SUSPENDED_PATHS,     /* a = SKU, b = deleted UPN: groups it held it through */
        MODEL_LIST_PLANS,               /* a = SKU: its service plans */
        MODEL_LIST_DIRECT_DISABLED,     /* a = SKU, b = UPN: plans the direct path disables */
        MODEL_LIST_GROUP_DISABLED,      /* a = SKU, b = group: plans the group's license disables */
        MODEL_LIST_EFFECTIVE_PLANS,     /* a = SKU, b = UPN (deleted or not): enabled plans */
        MODEL_LIST_PRODUCTS_BY_NAME,    /* SKUs, sorted by display name (then SKU) */
        MODEL_LIST_USERS_CREATED,       /* UPNs, in the order the users were created */
        MODEL_LIST_GROUPS_CREATED,      /* group names, in the order the groups were created */
        MODEL_LIST_MEMBERS_JOINED,      /* a = group: UPNs of the members, in join order */
        MODEL_LIST_USER_WAITS,          /* a = UPN: SKUs the user waits for */
        MODEL_LIST_PRODUCTS_SUBSCRIBED, /* SKUs with seats, holders, waiters or group licenses */
        /* Errors: waiting for a seat (CountViolation) or held back by a service-plan rule. */
        MODEL_LIST_PRODUCT_ERRORS,      /* a = SKU: UPNs in error for it */
        MODEL_LIST_GROUP_ERRORS,        /* a = group: members in error for one of its products */
        MODEL_LIST_ERROR_PRODUCTS,      /* a = group, b = UPN: its products the member is in
                                         * error for */
        MODEL_LIST_USER_ERRORS,         /* a = UPN: SKUs the user is in error for */
        MODEL_LIST_SUBSCRIPTIONS,       /* a = SKU: its subscriptions */
};

/* Called once per name; a non-zero return stops the listing and is returned by model_list. */
typedef int (*model_list_fn)(void *ctx, const char *name);

/*
 * Calls fn for each name of the listing, sorted bytewise (MODEL_LIST_PRODUCTS_BY_NAME: by the
 * products' display names, bytewise; the *_CREATED and *_JOINED ones: in that order). `a` and
 * `b` name the parent objects
 * as the listing says (NULL where unused). ENOENT when a parent does not exist.
 */
int model_list(struct model *m, enum model_listing listing, const char *a, const char *b,
               model_list_fn fn, void *ctx);

/* One listing of several read together (model_list_each). */
struct model_list_request {
        enum model_listing listing;
        const char *a, *b;
        model_list_fn fn;
        void *ctx;
        /* The caller read a and b in this same read session: their check (ENOENT) is skipped. */
        bool parents_known;
};

#define MODEL_LIST_EACH_MAX 8

/*
 * The listings of `requests` in one snapshot, in order, as model_list would give each: what
 * a record of several listings reads, in one round trip on a server. Up to
 * MODEL_LIST_EACH_MAX requests (EINVAL beyond); the first failure or non-zero return ends it.
 */
int model_list_each(struct model *m, const struct model_list_request *requests, size_t count);

/* --- the demo tenant ------------------------------------------------------------------------ */

/*
 * Fills an empty tenant with the demo tenant (Entra ID P1 and P2, ten users, three groups,
 * direct and inherited assignments, one user without usage location). Returns 1 when it
 * filled the tenant, 0 when the tenant was not empty (and is left as it was), or -errno. It is
 * a batch of its own: EBUSY inside a batch or read session of the calling thread.
 */
int model_demo_fill(struct model *m);

/* --- copying a tenant (copy.c) ---------------------------------------------------------------- */

#define MODEL_COPY_REPLACE 1u           /* a tenant in TO is replaced, not refused */

/*
 * Copies the whole tenant of `from` into `to`, which may use another backend: every row of
 * every table, ids, times, the waiting order, deleted users, plans, skuIds, object ids and
 * the audit log included, so the copy shows and does everything the original does. FROM is
 * read as one snapshot (it may be in use meanwhile); TO is written in one transaction, so a
 * failure leaves it as it was. TO must be empty: no row but its tenant's (no products, users,
 * groups or audit lines), unless MODEL_COPY_REPLACE, which replaces all it holds. The copy
 * adds no audit line (this thread's actor is cleared). Takes FROM's lock, then TO's.
 * Returns 0, or -ENOTEMPTY when TO holds a tenant, -EINVAL for `from` == `to` or an unknown
 * flag, -EBUSY inside a read session of TO, or a database's -errno (model_failed_in_database).
 */
int model_copy(struct model *from, struct model *to, unsigned flags);

/* --- the audit log -------------------------------------------------------------------------- */

/*
 * Who makes this thread's model calls: the caller's uid, the verb and the object (the path as
 * used). While an actor is set, a write transaction that changes the tenant adds the actor's
 * `ok` line inside the same transaction (so the change and its line commit together), and a
 * refused write transaction adds, after its rollback, a line with the errno's name and the
 * reason. Read transactions and writes that change nothing add no line. Lines of licensefs's
 * own processing (who got a seat, who started waiting) are added whether or not an actor is
 * set, with the uid `-`. The strings must stay valid until the actor is cleared.
 */
struct model_actor {
        int64_t uid;
        const char *op;
        const char *object;
};

/* Sets this thread's actor, starting a call the model has not audited yet; NULL clears it. */
void model_set_actor(const struct model_actor *actor);
/*
 * Adds the refusal line of this thread's actor (the name of the errno -err, and the reason, or
 * strerror's text when it is empty) unless the model already wrote a line for the actor's call;
 * for refusals decided without a model write. Does nothing without an actor. Leaves
 * model_reason() as it was. Returns 0 or -errno.
 */
int model_audit_refusal(struct model *m, int err, const char *reason);

#define MODEL_AUDIT_LINES_DEFAULT 1000000
/*
 * Keeps the newest `lines` lines of the log: drops older ones at once, then in batches as lines
 * come (the log holds at most lines / 10, and at most 1000, lines more). EINVAL below 1.
 */
int model_set_audit_limit(struct model *m, int64_t lines);
/* The log's size in bytes: the retained lines, each ending in a newline. */
int model_audit_size(struct model *m, int64_t *ret);
/*
 * Copies up to `size` bytes of the log, from `offset`, into buf; the cost is that of the lines
 * copied, whatever the log's length. Returns the number of bytes (0 at the end), -EINVAL for a
 * negative offset, or -errno.
 */
int model_audit_read(struct model *m, char *buf, size_t size, int64_t offset);
