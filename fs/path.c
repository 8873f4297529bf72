/*
 * From a path to a typed node: splits the path, walks the table of kinds from the root, and
 * unescapes the names of objects ('%25' is '%', '%2F' is '/'; nothing else is an escape).
 */
#include <errno.h>
#include <string.h>

#include "kinds.h"

#define NAME_MAX_WRITTEN 255

int fs_name_decode(const char *in, size_t len, char *out, size_t size)
{
        size_t i, n = 0;

        for (i = 0; i < len; i++) {
                char c = in[i];

                if (c == '%') {
                        if (i + 2 < len && in[i + 1] == '2' && in[i + 2] == '5')
                                c = '%';
                        else if (i + 2 < len && in[i + 1] == '2' && in[i + 2] == 'F')
                                c = '/';
                        else
                                return fs_refuse(-EINVAL, "'%%' in a name must be written "
                                                 "%%25 (and '/' %%2F)");
                        i += 2;
                }
                if (n + 1 >= size)
                        return fs_refuse(-ENAMETOOLONG, "name too long");
                out[n++] = c;
        }
        out[n] = '\0';
        return 0;
}

/* The name a named kind's file name gives: which of the node's names it sets. */
static const char **node_field(struct fs_node *node, enum fs_field field)
{
        switch (field) {
        case FIELD_SKU:
                return &node->sku;
        case FIELD_UPN:
                return &node->upn;
        case FIELD_GROUP:
                return &node->group;
        case FIELD_SUBSCRIPTION:
                return &node->subscription;
        default:
                return NULL;
        }
}

const char *fs_node_name(const struct fs_node *node, enum fs_field field)
{
        const char **name = node_field((struct fs_node *)node, field);

        return name ? *name : "";
}

/* Finds the child of `parent` called name[0..len): a fixed name first, else the named kind. */
static int child_kind(enum fs_kind parent, const char *name, size_t len, enum fs_kind *ret)
{
        int kind, named = -1;

        for (kind = FS_ROOT + 1; kind < FS_KIND_COUNT; kind++) {
                const struct fs_kind_info *info = &fs_kinds[kind];

                if (info->parent != parent)
                        continue;
                if (!info->name)
                        named = kind;
                else if (strlen(info->name) == len && memcmp(info->name, name, len) == 0) {
                        *ret = kind;
                        return 0;
                }
        }
        if (named < 0)
                return -ENOENT;
        *ret = named;
        return 0;
}

static int child_of(const struct fs_node *parent, const char *name, size_t len, char *buf,
                    struct fs_node *ret)
{
        struct fs_node node = *parent;
        enum fs_kind kind;
        int r;

        if (len > NAME_MAX_WRITTEN)
                return fs_refuse(-ENAMETOOLONG, "a name is longer than %d bytes",
                                 NAME_MAX_WRITTEN);
        if (!S_ISDIR(fs_kinds[parent->kind].mode))
                return -ENOTDIR;
        r = child_kind(parent->kind, name, len, &kind);
        if (r < 0)
                return r;
        if (!fs_kinds[kind].name) {
                r = fs_name_decode(name, len, buf, MODEL_NAME_MAX + 1);
                if (r < 0)
                        return r;
                *node_field(&node, fs_kinds[kind].field) = buf;
        }
        node.kind = kind;
        *ret = node;
        return 0;
}

int fs_node_child(const struct fs_node *parent, const char *name, char *buf,
                  struct fs_node *ret)
{
        return child_of(parent, name, strlen(name), buf, ret);
}

int fs_node_child_new(const struct fs_node *parent, const char *name, char *buf,
                      struct fs_node *ret)
{
        int r = fs_node_child(parent, name, buf, ret);

        /* The name is one the tree never has, in a directory that exists. */
        if (r == -ENOENT)
                return fs_refuse(-EPERM, "the tree has no place for '%s'", name);
        return r;
}

int fs_path_parse(const char *path, struct fs_path *ret)
{
        struct fs_node node = FS_NODE_ROOT;
        const char *p = path, *end;
        size_t named = 0;
        int r;

        while (*p == '/')
                p++;
        for (; *p; p = end + strspn(end, "/")) {
                end = p + strcspn(p, "/");
                /* A path names at most one object of each field: three buffers suffice. */
                r = child_of(&node, p, (size_t)(end - p), ret->names[named < 2 ? named : 2],
                             &node);
                if (r < 0)
                        return r;
                if (!fs_kinds[node.kind].name)
                        named++;
        }
        ret->node = node;
        return 0;
}

int fs_path_parse_new(const char *path, struct fs_path *ret)
{
        const char *slash;
        char dir[FS_PATH_MAX];
        int r;

        r = fs_path_parse(path, ret);
        if (r != -ENOENT)
                return r;
        /* The name is one the tree never has; say EPERM when its directory exists. */
        slash = strrchr(path, '/');
        if (!slash || (size_t)(slash - path) >= sizeof(dir))
                return r;
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
        if (fs_path_parse(dir, ret) < 0 || !S_ISDIR(fs_kinds[ret->node.kind].mode))
                return r;
        return fs_refuse(-EPERM, "the tree has no place for '%s'", slash + 1);
}

int fs_node_path(const struct fs_node *node, char *buf, size_t size)
{
        enum fs_kind chain[FS_DEPTH_MAX];
        size_t depth = 0, n = 0;
        enum fs_kind k;

        for (k = node->kind; k != FS_ROOT; k = fs_kinds[k].parent)
                chain[depth++] = k;
        if (size < 2)
                return -ENAMETOOLONG;
        strcpy(buf, "/");
        while (depth-- > 0) {
                const struct fs_kind_info *info = &fs_kinds[chain[depth]];
                const char *name = info->name;

                if (n + 1 >= size)
                        return -ENAMETOOLONG;
                buf[n++] = '/';
                if (name) {
                        if (n + strlen(name) >= size)
                                return -ENAMETOOLONG;
                        strcpy(buf + n, name);
                } else if (model_name_encode(fs_node_name(node, info->field), buf + n,
                                          size - n) < 0) {
                        return -ENAMETOOLONG;
                }
                n += strlen(buf + n);
        }
        return 0;
}
