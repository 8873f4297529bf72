/*
 * libFuzzer target for the path side of fs/: fs_path_parse and fs_path_parse_new on any bytes
 * made into an absolute path, and the name escaping. A path that parses must come back from
 * its node: fs_node_path (the table of kinds walked from the node, its names escaped) gives the
 * path as written, with repeated and trailing slashes dropped. The name escaping is a bijection:
 * decode(encode(x)) == x for every name, and encode(decode(y)) == y for every segment y that
 * decodes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"

#define PATH_MAX_FUZZ 4096

static void fail(const char *what, const char *path)
{
        fprintf(stderr, "\n*** %s: \"%s\"\n", what, path);
        abort();
}

/* The path as written, slashes collapsed and without a trailing one ("/" for the root). */
static void normalize(const char *path, char *out)
{
        size_t n = 0;

        for (const char *p = path; *p; p++)
                if (*p != '/' || (n > 0 && out[n - 1] != '/'))
                        out[n++] = *p;
                else if (n == 0)
                        out[n++] = '/';
        if (n == 0)
                out[n++] = '/';
        if (n > 1 && out[n - 1] == '/')
                n--;
        out[n] = '\0';
}

/* Two nodes name the same place: the same kind and names. */
static bool same_node(const struct fs_node *a, const struct fs_node *b)
{
        return a->kind == b->kind && strcmp(a->sku, b->sku) == 0 &&
               strcmp(a->upn, b->upn) == 0 && strcmp(a->group, b->group) == 0 &&
               strcmp(a->subscription, b->subscription) == 0;
}

/* Each name of a node that the path does not give is "", and each it gives is not. */
static void check_unused_fields(const struct fs_node *node, const char *path)
{
        bool used[FIELD_SUBSCRIPTION + 1] = { false };

        for (enum fs_kind k = node->kind; k != FS_ROOT; k = fs_kinds[k].parent)
                if (!fs_kinds[k].name)
                        used[fs_kinds[k].field] = true;
        for (int f = FIELD_SKU; f <= FIELD_SUBSCRIPTION; f++) {
                const char *name = fs_node_name(node, (enum fs_field)f);

                if (!used[f] && name[0])
                        fail("a name the path does not give is set", path);
                if (used[f] && !name[0])
                        fail("a name the path gives is empty", path);
        }
}

static void check_path(const char *path)
{
        static char normal[PATH_MAX_FUZZ + 2], again[PATH_MAX_FUZZ * 4];
        static struct fs_path parsed, reparsed;
        const struct fs_node *node = &parsed.node;
        int r;

        r = fs_path_parse(path, &parsed);
        if (r == 0) {
                if ((unsigned)node->kind >= FS_KIND_COUNT)
                        fail("a parsed kind out of range", path);
                check_unused_fields(node, path);
                normalize(path, normal);
                if (fs_node_path(node, again, sizeof(again)) != 0)
                        fail("a parsed node has no path", path);
                if (strcmp(normal, again) != 0) {
                        fprintf(stderr, "rebuilt: \"%s\"\n", again);
                        fail("a parsed node rebuilds into another path", path);
                }
                if (fs_path_parse(again, &reparsed) != 0 || !same_node(node, &reparsed.node))
                        fail("the rebuilt path parses differently", path);
        } else if (r != -ENOENT && r != -ENOTDIR && r != -EINVAL && r != -ENAMETOOLONG) {
                fail("fs_path_parse returned an errno it does not document", path);
        }
        r = fs_path_parse_new(path, &parsed);
        if (r != 0 && r != -ENOENT && r != -ENOTDIR && r != -EINVAL && r != -ENAMETOOLONG &&
            r != -EPERM)
                fail("fs_path_parse_new returned an errno it does not document", path);
}

/* decode(encode(x)) == x for a name x; encode(decode(y)) == y for a segment y that decodes. */
static void check_names(const uint8_t *data, size_t size)
{
        char name[MODEL_NAME_MAX + 1], escaped[4 * MODEL_NAME_MAX], back[4 * MODEL_NAME_MAX];
        size_t len = 0;

        for (size_t i = 0; i < size && len < MODEL_NAME_MAX; i++)
                if (data[i])
                        name[len++] = (char)data[i];
        name[len] = '\0';
        if (model_name_encode(name, escaped, sizeof(escaped)) != 0)
                fail("a name of at most 255 bytes does not encode", name);
        if (fs_name_decode(escaped, strlen(escaped), back, MODEL_NAME_MAX + 1) != 0 ||
            strcmp(back, name) != 0)
                fail("decode(encode(name)) is not the name", name);

        if (strchr(name, '/'))
                return;
        if (fs_name_decode(name, len, back, MODEL_NAME_MAX + 1) == 0) {
                if (model_name_encode(back, escaped, sizeof(escaped)) != 0 ||
                    strcmp(escaped, name) != 0)
                        fail("encode(decode(segment)) is not the segment", name);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char path[PATH_MAX_FUZZ + 2];
        size_t len = size < PATH_MAX_FUZZ ? size : PATH_MAX_FUZZ;

        path[0] = '/';
        memcpy(path + 1, data, len);
        path[len + 1] = '\0';
        check_path(path);
        check_names(data, size);
        return 0;
}
