/*
 * libFuzzer target for the value side of fs/: the first byte of the input picks one of the
 * writable files of the demo tenant (tenant, product and user attributes, plan lists, the
 * options of direct and inherited holders and of group licenses), the rest is written to it as
 * one value, and checked first where the file takes a list. After the write the tenant
 * invariants must hold; a refused write must leave the file, and the whole tenant, as they
 * were; an accepted one must read back as a value that can be written again unchanged (what
 * undo relies on); and checking a plan list must agree with writing it. Each input gets a
 * fresh in-memory demo tenant, so a crash reproduces from its input alone.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failure.h"
#include "name_list.h"
#include "nodes.h"
#include "tenant_snapshot.h"

static const char *const targets[] = {
        "/tenant/name",
        "/tenant/usage_location",
        "/products/AAD_PREMIUM/name",
        "/products/AAD_PREMIUM/plans",
        "/products/AAD_PREMIUM/expiring_soon",
        "/products/AAD_PREMIUM/total",
        "/products/AAD_PREMIUM_P2/total",
        "/products/AAD_PREMIUM_P2/expiring_soon",
        "/users/adele@contoso.com/display_name",
        "/users/adele@contoso.com/usage_location",
        "/users/patti@contoso.com/usage_location",
        "/products/AAD_PREMIUM/users/adele@contoso.com",        /* direct */
        "/products/AAD_PREMIUM/users/diego@contoso.com",        /* inherited only (Sales) */
        "/users/megan@contoso.com/licenses/AAD_PREMIUM_P2",     /* holder or waiter */
        "/groups/Sales/licenses/AAD_PREMIUM",
        "/products/AAD_PREMIUM_P2/groups/Security Admins",
        "/products/AAD_PREMIUM_P2/plans",
};

/* The rendered content of a node, or "(errno N)" when it does not render; caller frees. */
static char *render(struct model *m, const struct fs_node *node)
{
        struct fs_file file;
        char *text;
        int r = fs_node_render(m, node, &file);

        if (r < 0) {
                if (asprintf(&text, "(errno %d)", -r) < 0)
                        abort();
                return text;
        }
        text = strndup(file.content.data ? file.content.data : "", file.content.len);
        fs_buf_free(&file.content);
        if (!text)
                abort();
        return text;
}

static bool is_attribute(const struct fs_node *node)
{
        switch (node->kind) {
        case FS_TENANT_NAME: case FS_TENANT_LOCATION: case FS_PRODUCT_NAME:
        case FS_PRODUCT_TOTAL: case FS_PRODUCT_EXPIRING: case FS_PRODUCT_PLANS:
        case FS_USER_DISPLAY_NAME: case FS_USER_LOCATION:
                return true;
        default:
                return false;
        }
}

static void write_one(struct model *m, const char *path, const char *data, size_t size)
{
        static struct fs_path parsed;
        const struct fs_node *node = &parsed.node;
        char *before, *after, *again, *tenant_before, *tenant_after;
        int r, checked = 0;

        if (fs_path_parse(path, &parsed) != 0)
                fuzz_fail(path, "the path does not parse");
        before = render(m, node);
        tenant_before = tenant_snapshot(m);
        if (!tenant_before)
                abort();
        if (fs_node_applies_at_close(node))
                checked = fs_node_check(node, data, size);
        r = fs_node_write(m, node, data, size);
        fuzz_invariants(m, path);
        if (fs_node_applies_at_close(node) && (checked == 0) != (r == 0))
                fuzz_fail(path, "check said %d but write said %d (%s)", checked, r, fs_reason());
        after = render(m, node);
        if (r < 0 && strcmp(before, after) != 0)
                fuzz_fail(path, "a refused write (%d) changed the file:\n%s---\n%s", r, before,
                          after);
        tenant_after = tenant_snapshot(m);
        if (!tenant_after)
                abort();
        if (r < 0 && strcmp(tenant_before, tenant_after) != 0)
                fuzz_fail(path, "a refused write (%d) changed the tenant:\n%s---\n%s", r,
                          tenant_before, tenant_after);
        free(tenant_before);
        free(tenant_after);
        if (r == 0 && is_attribute(node)) {
                r = fs_node_write(m, node, after, strlen(after));
                if (r != 0)
                        fuzz_fail(path, "the value read back does not write: %d (%s)\n%s", r,
                                  fs_reason(), after);
                fuzz_invariants(m, path);
                again = render(m, node);
                if (strcmp(after, again) != 0)
                        fuzz_fail(path, "writing back the value changed it:\n%s---\n%s", after,
                                  again);
                free(again);
        }
        free(before);
        free(after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct model *m = NULL;

        if (size < 1 || size > FS_VALUE_MAX + 100)
                return 0;
        if (model_open(":memory:", &m) != 0)
                abort();
        model_set_clock(m, 1700000000);
        if (model_demo_fill(m) != 1)
                abort();
        fuzz_invariants(m, "the demo fill");
        write_one(m, targets[data[0] % COUNT(targets)], (const char *)data + 1, size - 1);
        m = model_close(m);
        return 0;
}
