/*
 * The licensed-users writer (export-csv): the licensed users, as the portal lists them, in
 * RFC 4180 CSV (CRLF line ends, fields quoted when they hold a comma, a quote, CR or LF): one
 * row per user and product the user holds (`active`), is in error for (`error`: waits for a
 * seat, or a service-plan rule holds it back) or, deleted, keeps suspended (`suspended`), with
 * the paths that give it: `Direct` first, then `Inherited (GROUP)` by group name, joined by
 * "; ", and for an error its kind (CountViolation, MutuallyExclusiveViolation or
 * DependencyViolation; empty otherwise). Rows are sorted by UPN, then by SKU. Read in one batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

enum claim { CLAIM_ACTIVE, CLAIM_ERROR, CLAIM_SUSPENDED };

static const char *const states[] = { "active", "error", "suspended" };

static void field(FILE *out, const char *text, const char *end)
{
        const char *p;

        if (!strpbrk(text, ",\"\r\n")) {
                fprintf(out, "%s%s", text, end);
                return;
        }
        fputc('"', out);
        for (p = text; *p; p++) {
                if (*p == '"')
                        fputc('"', out);
                fputc(*p, out);
        }
        fprintf(out, "\"%s", end);
}

/* "Direct; Inherited (A); Inherited (B)", malloc'd, or NULL when out of memory. */
static char *paths_text(bool direct, json_t *groups)
{
        char *text = NULL;
        size_t size = 0, i;
        json_t *group;
        FILE *buf;

        buf = open_memstream(&text, &size);
        if (!buf)
                return NULL;
        fputs(direct ? "Direct" : "", buf);
        json_array_foreach(groups, i, group)
                fprintf(buf, "%sInherited (%s)", direct || i > 0 ? "; " : "",
                        json_string_value(group));
        if (fclose(buf) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

/* One row: the user's claim to sku, in the given state. */
static int row(struct model *m, FILE *out, const char *upn, const char *display_name,
               const char *sku, enum claim claim)
{
        struct model_holder seat;
        struct model_error *error = NULL;
        const char *kind = "";
        json_t *groups;
        char *paths;
        bool direct;
        int r;

        if (claim == CLAIM_ERROR) {
                /* Large (the reason's room), so not on the stack. */
                error = malloc(sizeof(*error));
                r = error ? model_error_get(m, sku, upn, error) : -ENOMEM;
                direct = r >= 0 && error->direct;
                kind = r >= 0 ? error->kind : "";
                free(error);            /* kind is a static string */
        } else {
                r = claim == CLAIM_ACTIVE ? model_holder_get(m, sku, upn, &seat)
                                          : model_suspended_get(m, sku, upn, &seat);
                direct = seat.direct;
        }
        if (r >= 0)
                r = formats_list_names(m, claim == CLAIM_SUSPENDED ? MODEL_LIST_SUSPENDED_PATHS
                                                                   : MODEL_LIST_PATH_GROUPS,
                                       sku, upn, &groups);
        if (r < 0)
                return r;
        paths = paths_text(direct, groups);
        json_decref(groups);
        if (!paths)
                return -ENOMEM;
        field(out, upn, ",");
        field(out, display_name, ",");
        field(out, sku, ",");
        fprintf(out, "%s,", states[claim]);
        field(out, paths, ",");
        fprintf(out, "%s\r\n", kind);
        free(paths);
        return 0;
}

struct user_rows {
        struct model *m;
        FILE *out;
        const char *upn;
        struct model_user user;
        bool deleted;
};

static int user_row(void *ctx, const char *sku, bool held)
{
        struct user_rows *ur = ctx;

        return row(ur->m, ur->out, ur->upn, ur->user.display_name, sku,
                   !held ? CLAIM_ERROR : ur->deleted ? CLAIM_SUSPENDED : CLAIM_ACTIVE);
}

/* The rows of one user (deleted or not), by SKU. */
static int user_rows(struct model *m, FILE *out, const char *upn, bool deleted)
{
        struct user_rows ur = { .m = m, .out = out, .upn = upn, .deleted = deleted };
        json_t *held = NULL, *waits = NULL;
        struct model_user *u = &ur.user;
        int r;

        r = deleted ? model_deleted_user_get(m, upn, u) : model_user_get(m, upn, u);
        if (r >= 0)
                r = formats_list_names(m, deleted ? MODEL_LIST_SUSPENDED_LICENSES
                                                  : MODEL_LIST_USER_LICENSES,
                                       upn, NULL, &held);
        if (r >= 0 && !deleted)
                r = formats_list_names(m, MODEL_LIST_USER_ERRORS, upn, NULL, &waits);
        if (r >= 0)
                r = formats_merge_names(held, waits, user_row, &ur);
        json_decref(held);
        json_decref(waits);
        return r;
}

struct all_rows {
        struct model *m;
        FILE *out;
};

static int any_user_rows(void *ctx, const char *upn, bool undeleted)
{
        struct all_rows *ar = ctx;

        return user_rows(ar->m, ar->out, upn, !undeleted);
}

static int all_rows(struct model *m, FILE *out)
{
        struct all_rows ar = { m, out };
        json_t *users = NULL, *deleted = NULL;
        int r;

        r = formats_list_names(m, MODEL_LIST_USERS, NULL, NULL, &users);
        if (r >= 0)
                r = formats_list_names(m, MODEL_LIST_DELETED_USERS, NULL, NULL, &deleted);
        /* Users and deleted users (never the same UPN), in UPN order. */
        if (r >= 0)
                r = formats_merge_names(users, deleted, any_user_rows, &ar);
        json_decref(users);
        json_decref(deleted);
        return r;
}

int formats_csv_export(struct model *m, char **ret, size_t *ret_size)
{
        char *text = NULL;
        size_t size = 0;
        FILE *buf;
        int r;

        /* Into memory, so that a failure half-way gives no rows. */
        buf = open_memstream(&text, &size);
        if (!buf)
                return -ENOMEM;
        r = model_batch_begin(m);
        if (r >= 0) {
                fputs("userPrincipalName,displayName,product,state,assignmentPaths,error\r\n", buf);
                r = all_rows(m, buf);
                model_batch_end(m, false);
        }
        if (fclose(buf) != 0 && r >= 0)
                r = -ENOMEM;
        if (r >= 0) {
                *ret = text;
                *ret_size = size;
                text = NULL;
        }
        free(text);
        return r;
}
