/*
 * The path side of fs/, without FUSE: parsing a path into a node (its kind and unescaped
 * names), the errno of each kind of bad path, the escaping of names ('%' is %25, '/' is %2F,
 * nothing else is an escape), a child found from its parent's node as the whole path finds it,
 * and a node's path written back as it was given. Every table row is one loop test.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kinds.h"

struct parse_case {
        const char *path;
        int err;                        /* 0: parses */
        enum fs_kind kind;
        const char *sku, *upn, *group;
        const char *canonical;          /* the path written back (NULL: the path itself) */
};

static const struct parse_case parses[] = {
        { "/", 0, FS_ROOT, "", "", "", NULL },
        { "", 0, FS_ROOT, "", "", "", "/" },
        { "//products//", 0, FS_PRODUCTS, "", "", "", "/products" },
        { "/tenant/name", 0, FS_TENANT_NAME, "", "", "", NULL },
        { "/products/E3", 0, FS_PRODUCT, "E3", "", "", NULL },
        { "/products/E3/total", 0, FS_PRODUCT_TOTAL, "E3", "", "", NULL },
        { "/products/E3/users/a@b.c", 0, FS_PRODUCT_USER, "E3", "a@b.c", "", NULL },
        { "/products/E3/groups/Sales", 0, FS_PRODUCT_GROUP, "E3", "", "Sales", NULL },
        { "/products/E3/errors/a@b.c", 0, FS_PRODUCT_ERROR, "E3", "a@b.c", "", NULL },
        { "/users/a@b.c/licenses/E3", 0, FS_USER_LICENSE, "E3", "a@b.c", "", NULL },
        { "/users/a@b.c/groups/G", 0, FS_USER_GROUP, "", "a@b.c", "G", NULL },
        { "/groups/G/members/a@b.c", 0, FS_GROUP_MEMBER, "", "a@b.c", "G", NULL },
        { "/groups/G/licenses/E3", 0, FS_GROUP_LICENSE, "E3", "", "G", NULL },
        { "/deleted_users/a@b.c/deleted", 0, FS_DELETED_TIME, "", "a@b.c", "", NULL },
        { "/deleted_users/a@b.c/groups/G", 0, FS_DELETED_GROUP, "", "a@b.c", "G", NULL },
        { "/audit", 0, FS_AUDIT, "", "", "", NULL },
        { "/summary", 0, FS_SUMMARY, "", "", "", NULL },
        /* escapes */
        { "/products/A%2FB", 0, FS_PRODUCT, "A/B", "", "", NULL },
        { "/groups/100%25 Sales", 0, FS_GROUP, "", "", "100% Sales", NULL },
        { "/groups/%25%2F%25", 0, FS_GROUP, "", "", "%/%", NULL },
        /* a fixed name is only fixed in its own directory */
        { "/groups/members", 0, FS_GROUP, "", "", "members", NULL },
        { "/products/total", 0, FS_PRODUCT, "total", "", "", NULL },
        /* refusals */
        { "/nothing", ENOENT, 0, NULL, NULL, NULL, NULL },
        { "/products/E3/nothing", ENOENT, 0, NULL, NULL, NULL, NULL },
        { "/tenant/name/x", ENOTDIR, 0, NULL, NULL, NULL, NULL },
        { "/audit/x", ENOTDIR, 0, NULL, NULL, NULL, NULL },
        { "/products/E3/users/a@b.c/x", ENOTDIR, 0, NULL, NULL, NULL, NULL },
        { "/products/100%", EINVAL, 0, NULL, NULL, NULL, NULL },
        { "/products/%2f", EINVAL, 0, NULL, NULL, NULL, NULL },
        { "/products/%41", EINVAL, 0, NULL, NULL, NULL, NULL },
        { "/products/%2", EINVAL, 0, NULL, NULL, NULL, NULL },
};

START_TEST(test_parse)
{
        const struct parse_case *c = &parses[_i];
        char written[FS_PATH_MAX];
        struct fs_path parsed;
        int r = fs_path_parse(c->path, &parsed);

        ck_assert_msg(r == -c->err, "%s: %s, expected %s", c->path, errno_name(r),
                      errno_name(-c->err));
        if (c->err)
                return;
        ck_assert_int_eq(parsed.node.kind, c->kind);
        ck_assert_str_eq(parsed.node.sku, c->sku);
        ck_assert_str_eq(parsed.node.upn, c->upn);
        ck_assert_str_eq(parsed.node.group, c->group);
        ck_assert_int_eq(fs_node_path(&parsed.node, written, sizeof(written)), 0);
        ck_assert_str_eq(written, c->canonical ? c->canonical : c->path);
}
END_TEST

/* A name over 255 bytes as written is ENAMETOOLONG, even where no such name exists. */
START_TEST(test_name_too_long)
{
        char path[600] = "/products/";
        struct fs_path parsed;

        memset(path + strlen(path), 'x', 256);
        ck_assert_int_eq(fs_path_parse(path, &parsed), -ENAMETOOLONG);
        memset(path, 0, sizeof(path));
        strcpy(path, "/");
        memset(path + 1, 'y', 256);
        ck_assert_int_eq(fs_path_parse(path, &parsed), -ENAMETOOLONG);
}
END_TEST

struct escape_case {
        const char *name, *escaped;
};

static const struct escape_case escapes[] = {
        { "plain", "plain" },
        { "A/B", "A%2FB" },
        { "100%", "100%25" },
        { "%2F", "%252F" },
        { "//", "%2F%2F" },
        { "Ventes (Québec) / Été", "Ventes (Québec) %2F Été" },
        { "", "" },
};

START_TEST(test_escape)
{
        const struct escape_case *c = &escapes[_i];
        char out[64];

        ck_assert_int_eq(model_name_encode(c->name, out, sizeof(out)), 0);
        ck_assert_str_eq(out, c->escaped);
        ck_assert_int_eq(fs_name_decode(c->escaped, strlen(c->escaped), out, sizeof(out)), 0);
        ck_assert_str_eq(out, c->name);
}
END_TEST

/* An escaped name that does not fit is ENAMETOOLONG, never cut short. */
START_TEST(test_escape_bounds)
{
        char out[6];

        ck_assert_int_eq(model_name_encode("ab/", out, sizeof(out)), 0);
        ck_assert_int_eq(model_name_encode("abc/", out, sizeof(out)), -ENAMETOOLONG);
        ck_assert_int_eq(fs_name_decode("abcdef", 6, out, sizeof(out)), -ENAMETOOLONG);
        ck_assert_int_eq(fs_name_decode("abcde", 5, out, sizeof(out)), 0);
}
END_TEST

struct child_case {
        const char *dir, *name;
        bool making;
        int err;
        const char *path;               /* the child's path, when found */
};

static const struct child_case children[] = {
        { "/", "products", false, 0, "/products" },
        { "/products", "A%2FB", false, 0, "/products/A%2FB" },
        { "/products/E3", "users", false, 0, "/products/E3/users" },
        { "/products/E3/users", "a@b.c", true, 0, "/products/E3/users/a@b.c" },
        { "/users/a@b.c/licenses", "E3", false, 0, "/users/a@b.c/licenses/E3" },
        { "/products/E3", "nothing", false, ENOENT, NULL },
        /* a creating call names a place the tree has no kind for: EPERM */
        { "/products/E3", "nothing", true, EPERM, NULL },
        { "/", "nothing", true, EPERM, NULL },
        { "/products/E3/total", "x", true, ENOTDIR, NULL },
        { "/products", "bad%", true, EINVAL, NULL },
};

START_TEST(test_child)
{
        const struct child_case *c = &children[_i];
        char buf[MODEL_NAME_MAX + 1], path[FS_PATH_MAX], whole[FS_PATH_MAX];
        struct fs_path dir, parsed;
        struct fs_node child;
        int r;

        ck_assert_int_eq(fs_path_parse(c->dir, &dir), 0);
        r = c->making ? fs_node_child_new(&dir.node, c->name, buf, &child)
                      : fs_node_child(&dir.node, c->name, buf, &child);
        ck_assert_msg(r == -c->err, "%s in %s: %s, expected %s", c->name, c->dir,
                      errno_name(r), errno_name(-c->err));
        snprintf(whole, sizeof(whole), "%s/%s", strcmp(c->dir, "/") ? c->dir : "", c->name);
        r = c->making ? fs_path_parse_new(whole, &parsed) : fs_path_parse(whole, &parsed);
        ck_assert_msg(r == -c->err, "%s: the whole path says %s", whole, errno_name(r));
        if (c->err)
                return;
        ck_assert_int_eq(fs_node_path(&child, path, sizeof(path)), 0);
        ck_assert_str_eq(path, c->path);
        ck_assert_int_eq(child.kind, parsed.node.kind);
        ck_assert_str_eq(child.sku, parsed.node.sku);
        ck_assert_str_eq(child.upn, parsed.node.upn);
        ck_assert_str_eq(child.group, parsed.node.group);
}
END_TEST

/* A path that does not fit its buffer is ENAMETOOLONG. */
START_TEST(test_path_bounds)
{
        struct fs_path parsed;
        char small[12];

        ck_assert_int_eq(fs_path_parse("/products/E3/total", &parsed), 0);
        ck_assert_int_eq(fs_node_path(&parsed.node, small, sizeof(small)), -ENAMETOOLONG);
        ck_assert_int_eq(fs_path_parse("/products", &parsed), 0);
        ck_assert_int_eq(fs_node_path(&parsed.node, small, sizeof(small)), 0);
        ck_assert_str_eq(small, "/products");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("fs_path");
        TCase *tc = tcase_create("path");

        tcase_add_loop_test(tc, test_parse, 0, (int)(sizeof(parses) / sizeof(parses[0])));
        tcase_add_test(tc, test_name_too_long);
        tcase_add_loop_test(tc, test_escape, 0, (int)(sizeof(escapes) / sizeof(escapes[0])));
        tcase_add_test(tc, test_escape_bounds);
        tcase_add_loop_test(tc, test_child, 0, (int)(sizeof(children) / sizeof(children[0])));
        tcase_add_test(tc, test_path_bounds);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
