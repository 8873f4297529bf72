/*
 * The node side of fs/, without FUSE, over the demo tenant in memory: the table of node kinds
 * (lookup and readdir walk the same table, so a fixed name found is a name listed; the names
 * each kind is invalidated by are the names it carries), one value per attribute file (blanks
 * and one newline dropped, a bad value EINVAL and nothing changed), the options line of a
 * record and its undo, and the splitting of lists. Every table row is one loop test.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"

#define SKU "AAD_PREMIUM"
#define UPN "adele@contoso.com"
#define GONE "patti@contoso.com"        /* deleted by the fixture */
#define GROUP "Sales"
#define SUBSCRIBED "AAD_PREMIUM_P2"     /* the fixture gives it a subscription */
#define SUBSCRIPTION "Annual"

static void demo_setup(void)
{
        ck_assert_int_eq(model_demo_fill(m), 1);
        ck_ok(model_user_delete(m, GONE));
        ck_ok(model_subscription_create(m, SUBSCRIBED, SUBSCRIPTION));
}

static TCase *demo_tcase(const char *name)
{
        TCase *tc = model_tcase(name);

        tcase_add_checked_fixture(tc, demo_setup, NULL);
        return tc;
}

/* The content of the file at `path`, or "(errno N)"; the caller frees it. */
static char *rendered(const char *path)
{
        struct fs_path parsed;
        struct fs_file file;
        char *text;
        int r = fs_path_parse(path, &parsed);

        if (r >= 0)
                r = fs_node_render(m, &parsed.node, &file);
        if (r < 0) {
                ck_assert(asprintf(&text, "(errno %d)", -r) > 0);
                return text;
        }
        text = strndup(file.content.data ? file.content.data : "", file.content.len);
        fs_buf_free(&file.content);
        ck_assert_ptr_nonnull(text);
        return text;
}

/* Writes `value` to the file at `path` as one value: 0 or -errno. */
static int write_value(const char *path, const char *value)
{
        struct fs_path parsed;

        ck_assert_int_eq(fs_path_parse(path, &parsed), 0);
        return fs_node_write(m, &parsed.node, value, strlen(value));
}

/* --- the table of kinds -------------------------------------------------------------------- */

/* A node of `kind` named after the demo tenant's objects. */
static struct fs_node demo_node(enum fs_kind kind)
{
        struct fs_node node = FS_NODE_ROOT;
        enum fs_kind k;

        node.kind = kind;
        for (k = kind; k != FS_ROOT; k = fs_kinds[k].parent) {
                if (fs_kinds[k].name)
                        continue;
                if (fs_kinds[k].field == FIELD_SKU)
                        node.sku = node.subscription[0] ? SUBSCRIBED : SKU;
                else if (fs_kinds[k].field == FIELD_GROUP)
                        node.group = GROUP;
                else if (fs_kinds[k].field == FIELD_SUBSCRIPTION)
                        node.subscription = SUBSCRIPTION;
                else
                        node.upn = k == FS_DELETED_USER ? GONE : UPN;
        }
        return node;
}

struct listed {
        const char *name;
        bool found;
};

static int find_name(void *ctx, const char *name)
{
        struct listed *l = ctx;

        l->found = l->found || strcmp(l->name, name) == 0;
        return 0;
}

START_TEST(test_kind)
{
        enum fs_kind kind = (enum fs_kind)_i;
        const struct fs_kind_info *info = &fs_kinds[kind];
        struct fs_node node = demo_node(kind), parent;
        unsigned int stale = info->stale_on;
        char path[FS_PATH_MAX];
        struct fs_path parsed;
        int k, named = 0;

        /* Its path parses back to it. */
        ck_assert_int_eq(fs_node_path(&node, path, sizeof(path)), 0);
        ck_assert_int_eq(fs_path_parse(path, &parsed), 0);
        ck_assert_msg(parsed.node.kind == kind, "%s parses to kind %d", path, parsed.node.kind);
        if (kind == FS_ROOT)
                return;
        ck_assert_msg(S_ISDIR(fs_kinds[info->parent].mode), "%s: its parent is no directory",
                      path);
        /* At most one named kind per directory, or lookup could not tell them apart. */
        for (k = FS_ROOT + 1; k < FS_KIND_COUNT; k++)
                named += fs_kinds[k].parent == info->parent && !fs_kinds[k].name;
        ck_assert_int_le(named, 1);
        /* A fixed name lookup finds is one readdir lists. */
        parent = demo_node(info->parent);
        if (info->name) {
                struct listed l = { info->name, false };

                ck_ok(fs_node_list(m, &parent, find_name, &l));
                ck_assert_msg(l.found, "%s is not listed by its directory", path);
        }
        /* Invalidation fills only the names a change gives: a kind marked stale on one must
         * carry exactly those names. */
        if (stale & (STALE_ON_ANY | STALE_ON_PRODUCT | STALE_ON_GROUP | STALE_ON_GROUP_LICENSE)) {
                bool sku = node.sku[0], upn = node.upn[0], group = node.group[0];

                ck_assert_msg(!upn, "%s: marked stale on a change that names no user", path);
                if (stale & STALE_ON_ANY)
                        ck_assert(!sku && !group);
                if (stale & STALE_ON_PRODUCT)
                        ck_assert(sku && !group);
                if (stale & STALE_ON_GROUP)
                        ck_assert(!sku && group);
                if (stale & STALE_ON_GROUP_LICENSE)
                        ck_assert(sku && group);
        }
}
END_TEST

/* --- values --------------------------------------------------------------------------------- */

struct value_case {
        const char *path, *value;
        int err;
        const char *after;              /* the file's content after an accepted write */
        bool line;                      /* after is one line of the content, not all of it */
};

static const struct value_case values[] = {
        { "/products/" SKU "/total", "12", 0, "12\n", false },
        { "/products/" SKU "/total", "12\n", 0, "12\n", false },
        { "/products/" SKU "/total", " \t12 \n", 0, "12\n", false },
        { "/products/" SKU "/total", "0", EBUSY, NULL, false }, /* below what is assigned */
        { "/products/" SKU "/total", "", EINVAL, NULL, false },
        { "/products/" SKU "/total", "abc", EINVAL, NULL, false },
        { "/products/" SKU "/total", "-1", EINVAL, NULL, false },
        { "/products/" SKU "/total", "+1", EINVAL, NULL, false },
        { "/products/" SKU "/total", "1 2", EINVAL, NULL, false },
        { "/products/" SKU "/total", "12\n\n", EINVAL, NULL, false },
        { "/products/" SKU "/total", "99999999999", EINVAL, NULL, false },
        { "/products/" SKU "/expiring_soon", "1", 0, "1\n", false },
        { "/products/" SKU "/name", "Entra P1\n", 0, "Entra P1\n", false },
        { "/products/" SKU "/assigned", "1", EPERM, NULL, false },
        { "/tenant/name", "Contoso Ltd\n", 0, "Contoso Ltd\n", false },
        { "/users/" UPN "/display_name", "  Adele  ", 0, "Adele\n", false },
        { "/users/" UPN "/usage_location", "FR", 0, "FR\n", false },
        { "/users/" UPN "/usage_location", "France", EINVAL, NULL, false },
        { "/summary", "x", EPERM, NULL, false },
        /* a subscription's files; its product's seats are its subscriptions' */
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/seats", "7", 0, "7\n", false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/seats", "x", EINVAL, NULL,
          false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/seats", "0", EBUSY, NULL,
          false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/ends", "2031-02-28", 0,
          "2031-02-28T00:00:00Z\n", false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/ends",
          "2031-02-28T12:30:00Z", 0, "2031-02-28T12:30:00Z\n", false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/ends",
          "2031-02-28T12:30:00.25", 0, "2031-02-28T12:30:00Z\n", false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/ends", "", 0, "\n", false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/ends", "2031-02-30", EINVAL,
          NULL, false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/ends", "28/02/2031", EINVAL,
          NULL, false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/trial", "yes", 0, "yes\n",
          false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/trial", "maybe", EINVAL, NULL,
          false },
        { "/products/" SUBSCRIBED "/subscriptions/" SUBSCRIPTION "/status", "Enabled", EPERM,
          NULL, false },
        { "/products/" SUBSCRIBED "/total", "9", EPERM, NULL, false },
        /* the options line of a record */
        { "/products/" SKU "/users/" UPN, "disabled_plans=MFA_PREMIUM", 0,
          "disabled_plans=MFA_PREMIUM\n", true },
        { "/products/" SKU "/users/" UPN, "disabled_plans=MFA_PREMIUM,EXCHANGE_S_FOUNDATION\n", 0,
          "disabled_plans=EXCHANGE_S_FOUNDATION,MFA_PREMIUM\n", true },
        { "/products/" SKU "/users/" UPN, "disabled_plans=", 0, "disabled_plans=\n", true },
        { "/products/" SKU "/users/" UPN, "disabled_plans= MFA_PREMIUM ", 0,
          "disabled_plans=MFA_PREMIUM\n", true },
        { "/products/" SKU "/users/" UPN, "disabled_plans=MFA_PREMIUM,,X", EINVAL, NULL, true },
        { "/products/" SKU "/users/" UPN, "plans=MFA_PREMIUM", EINVAL, NULL, true },
        { "/products/" SKU "/users/" UPN, "disabled_plans=NO_SUCH_PLAN", EINVAL, NULL, true },
        { "/groups/" GROUP "/licenses/" SKU, "disabled_plans=MFA_PREMIUM", 0,
          "disabled_plans=MFA_PREMIUM\n", true },
        { "/groups/" GROUP "/licenses/" SKU, "MFA_PREMIUM", EINVAL, NULL, true },
        { "/groups/" GROUP "/members/" UPN, "disabled_plans=", EPERM, NULL, true },
};

START_TEST(test_value)
{
        const struct value_case *c = &values[_i];
        char *before = rendered(c->path), *after;
        int r = write_value(c->path, c->value);

        ck_assert_msg(r == -c->err, "'%s' to %s: %s, expected %s (%s)", c->value, c->path,
                      errno_name(r), errno_name(-c->err), fs_reason());
        after = rendered(c->path);
        if (c->err)
                ck_assert_str_eq(after, before);        /* a refused value changes nothing */
        else if (c->line)
                ck_assert_msg(strstr(after, c->after), "%s has no line %s:\n%s", c->path,
                              c->after, after);
        else
                ck_assert_str_eq(after, c->after);
        free(before);
        free(after);
}
END_TEST

/* A value with a NUL byte is EINVAL, wherever the byte is. */
START_TEST(test_value_nul)
{
        struct fs_path parsed;

        ck_assert_int_eq(fs_path_parse("/products/" SKU "/total", &parsed), 0);
        ck_assert_int_eq(fs_node_write(m, &parsed.node, "1\0002", 3), -EINVAL);
        ck_assert_int_eq(fs_node_write(m, &parsed.node, "12", 3), -EINVAL);
}
END_TEST

/* --- the undo of options lines ----------------------------------------------------------- */


/* An options write undone with the record rendered before it leaves the record as it was. */
static const char *const undone[] = {
        "/products/" SKU "/users/" UPN,                 /* direct: options replaced */
        "/products/" SKU "/users/diego@contoso.com",    /* inherited only: a direct path added */
        "/groups/" GROUP "/licenses/" SKU,
};

START_TEST(test_undo)
{
        const char *path = undone[_i];
        char *before = rendered(path), *after;
        struct fs_buf record = { 0 };
        struct fs_path parsed;
        void *saved = NULL;

        /* As an open file does: what the kind keeps is taken before the first write. */
        ck_assert_int_eq(fs_path_parse(path, &parsed), 0);
        ck_ok(fs_node_save(m, &parsed.node, &saved));
        ck_ok(write_value(path, "disabled_plans=MFA_PREMIUM"));
        after = rendered(path);
        ck_assert_str_ne(after, before);
        free(after);
        fs_buf_printf(&record, "%s", before);
        ck_ok(fs_node_undo(m, &parsed.node, &record, saved));
        fs_node_forget(&parsed.node, saved);
        after = rendered(path);
        ck_assert_str_eq(after, before);
        fs_buf_free(&record);
        free(before);
        free(after);
}
END_TEST

/* A plan list is checked before it is applied, and the check agrees with the write. */
struct plans_case {
        const char *value;
        int err;
};

static const struct plans_case plan_lists[] = {
        { "MFA_PREMIUM\nAAD_PREMIUM\n", 0 },
        { "\n\nMFA_PREMIUM\n\n", 0 },
        { "", 0 },
        { "bad\tname\n", EINVAL },
};

START_TEST(test_plans)
{
        const struct plans_case *c = &plan_lists[_i];
        const char *path = "/products/" SKU "/plans";
        struct fs_path parsed;
        int checked;

        ck_assert_int_eq(fs_path_parse(path, &parsed), 0);
        ck_assert(fs_node_applies_at_close(&parsed.node));
        checked = fs_node_check(&parsed.node, c->value, strlen(c->value));
        ck_assert_msg(checked == -c->err, "check of '%s': %s", c->value, errno_name(checked));
        ck_assert_int_eq(write_value(path, c->value), checked);
}
END_TEST

/* --- lists ------------------------------------------------------------------------------------ */

struct split_case {
        const char *text;
        char sep;
        bool skip_empty;
        int count;                      /* or -EINVAL */
        const char *pieces[4];
};

static const struct split_case splits[] = {
        { "", ',', false, 0, { NULL } },
        { "a", ',', false, 1, { "a" } },
        { "a,b", ',', false, 2, { "a", "b" } },
        { " a , b ", ',', false, 2, { "a", "b" } },
        { "a,,b", ',', false, -EINVAL, { NULL } },
        { "a,", ',', false, -EINVAL, { NULL } },
        { "a\n\nb\n", '\n', true, 2, { "a", "b" } },
        { "a,b,c,d,e", ',', false, -EINVAL, { NULL } },  /* more than the room for 4 */
};

START_TEST(test_split)
{
        const struct split_case *c = &splits[_i];
        char *text = strdup(c->text);
        const char *pieces[4];
        int r, i;

        ck_assert_ptr_nonnull(text);
        r = fs_split(text, c->sep, c->skip_empty, pieces, 4);
        ck_assert_msg(r == c->count, "'%s': %d, expected %d", c->text, r, c->count);
        for (i = 0; i < r; i++)
                ck_assert_str_eq(pieces[i], c->pieces[i]);
        free(text);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("fs_nodes");
        TCase *kinds = demo_tcase("kinds"), *vals = demo_tcase("values");
        TCase *lists = tcase_create("lists");

        tcase_add_loop_test(kinds, test_kind, 0, FS_KIND_COUNT);
        tcase_add_loop_test(vals, test_value, 0, (int)(sizeof(values) / sizeof(values[0])));
        tcase_add_test(vals, test_value_nul);
        tcase_add_loop_test(vals, test_undo, 0, (int)(sizeof(undone) / sizeof(undone[0])));
        tcase_add_loop_test(vals, test_plans, 0,
                            (int)(sizeof(plan_lists) / sizeof(plan_lists[0])));
        tcase_add_loop_test(lists, test_split, 0, (int)(sizeof(splits) / sizeof(splits[0])));
        suite_add_tcase(s, kinds);
        suite_add_tcase(s, vals);
        suite_add_tcase(s, lists);
        return run_suite(s);
}
