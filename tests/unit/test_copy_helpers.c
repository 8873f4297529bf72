/*
 * The helpers of the model_copy suite (see test_copy_helpers.h).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_helpers.h"
#include "db_backend.h"
#include "internal.h"
#include "snapshot.h"
#include "test_copy_helpers.h"

struct model *open_model(const char *path)
{
        char *target = test_target_named(path);
        struct model *mm = NULL;

        ck_ok(model_open(target, &mm));
        free(target);
        return mm;
}

struct model *open_model_fresh(void)
{
        struct model *mm = NULL;

        ck_ok(test_model_open(&mm));
        return mm;
}

void act(const char *op, const char *object)
{
        struct model_actor actor = { 1000, op, object };

        model_set_actor(&actor);
}

/* The rich tenant, in `m`, through the public API only, each step at its own time. */
void build_rich(void)
{
        const char *const p1_plans[] = { "EXCHANGE", "TEAMS", "SHAREPOINT" };
        const char *const off[] = { "TEAMS" };
        enum model_upsert done;

        ck_ok(model_tenant_set_name(m, "Contoso"));
        ck_ok(model_object_id_set(m, MODEL_OBJECT_TENANT, NULL,
                                  "11111111-2222-3333-4444-555555555555"));
        act("mkdir", "/products/E5");
        make_product("E5", 2);
        model_set_actor(NULL);
        ck_ok(model_product_upsert(m, "E5", "Office 365 E5", "c7df2760-2c81-4ef7-b578-5b5392b571df",
                                   &done));
        ck_ok(model_product_upsert(m, "E5", NULL, "26d45bd9-adf1-46cd-a9e1-51e9a5524128", &done));
        ck_ok(model_plans_set(m, "E5", p1_plans, 3));
        ck_ok(model_plan_upsert(m, "E5", "TEAMS", "57ff2da0-773e-42df-b2af-ffb7a2317929",
                                "Microsoft Teams", &done));
        make_product("P2", 1);
        ck_ok(model_product_set_expiring_soon(m, "P2", 1));
        make_user("ann@contoso.com", "US");
        make_user("bob@contoso.com", "DE");
        make_user("cat@contoso.com", NULL);
        make_user("dan@contoso.com", "FR");
        make_user("eve@contoso.com", "US");
        ck_ok(model_user_set_display_name(m, "ann@contoso.com", "Ann Smith"));
        ck_ok(model_object_id_set(m, MODEL_OBJECT_USER, "bob@contoso.com",
                                  "aaaaaaaa-2222-3333-4444-555555555555"));
        clock_at(TEST_T0 + 60);
        /* Joined in this order: dan first, so dan gets a seat before bob and cat wait. */
        make_group("staff", "dan@contoso.com", "bob@contoso.com", "cat@contoso.com");
        ck_ok(model_group_create(m, "empty"));
        act("touch", "/groups/staff/licenses/E5");
        ck_ok(model_group_license_add(m, "E5", "staff"));
        ck_ok(model_group_disabled_set(m, "E5", "staff", off, 1));
        clock_at(TEST_T0 + 120);
        act("touch", "/products/P2/users/ann@contoso.com");
        ck_ok(model_direct_assign(m, "P2", "ann@contoso.com"));
        ck_ok(model_direct_disabled_set(m, "E5", "dan@contoso.com", off, 1));
        model_set_actor(NULL);
        ck_assert_int_eq(model_direct_import(m, "P2", "eve@contoso.com", NULL, 0), 1);
        ck_ok(model_member_add(m, "staff", "eve@contoso.com"));
        ck_ok(model_member_remove(m, "staff", "eve@contoso.com"));
        clock_at(TEST_T0 + 180);
        act("rmdir", "/users/dan@contoso.com");
        ck_ok(model_user_delete(m, "dan@contoso.com"));     /* its seat goes to bob */
        act("write", "/products/E5/total");
        ck_refused(model_product_set_total(m, "E5", 0), EBUSY);
        model_set_actor(NULL);
        ck_ok(model_object_ids_complete(m) > 0 ? 0 : -EIO);
        clock_at(TEST_T0 + 240);
        check_invariants(m);
}

/* Every row of every table copy_tables names, one line a row, NULL as "NULL". */
char *table_rows(struct model *mm)
{
        struct sql_stmt *s;
        size_t size = 0, i;
        char *text = NULL;
        FILE *out = open_memstream(&text, &size);
        int c, r = 0;

        ck_assert_ptr_nonnull(out);
        ck_ok(tx_begin(mm, false));
        for (i = 0; r >= 0 && i < copy_table_count; i++) {
                fprintf(out, "%s:\n", copy_tables[i].name);
                r = sql_prepare(mm, &s, copy_tables[i].select, "");
                while (r >= 0 && (r = sql_step(s)) > 0)
                        for (c = 0; copy_tables[i].types[c]; c++)
                                fprintf(out, "%s%c", column_is_null(s, c) ? "NULL" :
                                        column_string(s, c), copy_tables[i].types[c + 1] ? '\t' :
                                        '\n');
        }
        ck_ok(tx_end(mm, r));
        fclose(out);
        return text;
}

char *export_text(struct model *mm)
{
        json_t *root = NULL;
        char *text;

        ck_ok(formats_snapshot_export(mm, &root));
        text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(root);
        ck_assert_ptr_nonnull(text);
        return text;
}

char *audit_text(struct model *mm)
{
        int64_t size = 0;
        char *text;

        ck_ok(model_audit_size(mm, &size));
        text = calloc(1, (size_t)size + 1);
        ck_assert_ptr_nonnull(text);
        ck_assert_int_eq(model_audit_read(mm, text, (size_t)size + 1, 0), size);
        return text;
}

/* Fails naming the first line that differs; frees both. */
void ck_same_text(const char *what, char *a, char *b)
{
        size_t at = 0, line = 1, i;

        for (i = 0; a[i] && a[i] == b[i]; i++)
                if (a[i] == '\n') {
                        at = i + 1;
                        line++;
                }
        ck_assert_msg(a[i] == b[i], "%s differ at line %zu:\n%.200s\n---\n%.200s", what, line,
                      a + at, b + at);
        free(a);
        free(b);
}

/* What two tenants show is the same: the model's view, the export and the audit log. */
void ck_same_shown(struct model *a, struct model *b)
{
        ck_same_snapshot_at(CK_WHERE, "the copy", tenant_snapshot(a), tenant_snapshot(b));
        ck_same_text("exports", export_text(a), export_text(b));
        ck_same_text("audit logs", audit_text(a), audit_text(b));
        ck_assert_int_eq(b->backend->schema_version(b->conn), a->backend->schema_version(a->conn));
        check_invariants(b);
}

/* Two tenants are the same: every row of every table, and what they show. */
void ck_same_tenant(struct model *a, struct model *b)
{
        ck_same_text("tables", table_rows(a), table_rows(b));
        ck_same_shown(a, b);
}
