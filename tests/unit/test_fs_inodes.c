/*
 * The inode table, without FUSE or a model: a node is found again by its kind and names and
 * keeps its number while referenced; its names are interned, one copy shared by every node
 * naming them, and go with the last node; a removed node answers ENOENT and takes the nodes
 * below its directory along, while a lookup of the same place makes a new one; a renamed
 * directory keeps its number and its nodes take the kinds of the new place; and the nodes of
 * a user are collected from the user's name alone. A node's memo (its file's attributes as
 * last rendered) is served until something makes the node stale, and one rendered before such
 * a change is not kept.
 */
#include "check_helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inodes.h"

static struct fs_inodes *t;

static void table_setup(void)
{
        t = fs_inodes_new();
        ck_assert_ptr_nonnull(t);
}

static void table_teardown(void)
{
        t = fs_inodes_free(t);
}

/* The node at `path` (names copied, so that the table must intern its own). */
static struct fs_node at(const char *path)
{
        static struct fs_path parsed[8];
        static int next;
        struct fs_path *p = &parsed[next++ % 8];

        ck_assert_msg(fs_path_parse(path, p) == 0, "%s does not parse", path);
        return p->node;
}

static uint64_t ref(const char *path)
{
        struct fs_node node = at(path);
        uint64_t ino = fs_inodes_ref(t, &node);

        ck_assert_msg(ino != 0, "no number for %s", path);
        return ino;
}

static uint64_t find(const char *path)
{
        struct fs_node node = at(path);

        return fs_inodes_find(t, &node);
}

/* The path of node `ino` as the table has it, or "(removed)". */
static const char *path_of(uint64_t ino)
{
        static char path[FS_PATH_MAX];
        struct fs_node node;

        if (fs_inodes_node(t, ino, &node) < 0)
                return "(removed)";
        ck_assert_int_eq(fs_node_path(&node, path, sizeof(path)), 0);
        return path;
}

/* Whether the collected list holds `ino`. */
static bool holds(const struct fs_stale *list, size_t count, uint64_t ino)
{
        size_t i;

        for (i = 0; i < count; i++)
                if (list[i].ino == ino)
                        return true;
        return false;
}

START_TEST(test_found_again)
{
        uint64_t a = ref("/products/E3/users/a@b.c"), b = ref("/products/E3/users/a@b.c");

        ck_assert_uint_eq(a, b);
        ck_assert_uint_eq(find("/products/E3/users/a@b.c"), a);
        ck_assert_uint_eq(find("/products/E3/users/x@b.c"), 0);
        ck_assert_uint_ne(ref("/users/a@b.c/licenses/E3"), a);
        ck_assert_str_eq(path_of(a), "/products/E3/users/a@b.c");
        ck_assert_uint_eq(find("/"), FS_ROOT_INO);
        ck_assert_str_eq(path_of(FS_ROOT_INO), "/");
        /* two references taken, one given back: still there */
        fs_inodes_forget(t, a, 1);
        ck_assert_uint_eq(find("/products/E3/users/a@b.c"), a);
        fs_inodes_forget(t, a, 1);
        ck_assert_uint_eq(find("/products/E3/users/a@b.c"), 0);
}
END_TEST

/* One copy of each name, whatever number of nodes name it; a name of each field apart. */
START_TEST(test_names_interned)
{
        static const char *const paths[] = {
                "/users/a@b.c", "/users/a@b.c/display_name", "/users/a@b.c/licenses",
                "/users/a@b.c/licenses/E3", "/products/E3", "/products/E3/total",
                "/products/E3/users/a@b.c", "/groups/E3", "/groups/E3/members/a@b.c",
        };
        uint64_t inos[9];
        struct fs_node one, other;
        size_t i;

        for (i = 0; i < 9; i++)
                inos[i] = ref(paths[i]);
        /* a@b.c (a UPN), E3 (a SKU), E3 (a group) */
        ck_assert_uint_eq(fs_inodes_names(t), 3);
        ck_assert_uint_eq(fs_inodes_count(t), 10);
        ck_assert_int_eq(fs_inodes_node(t, inos[0], &one), 0);
        ck_assert_int_eq(fs_inodes_node(t, inos[6], &other), 0);
        ck_assert_ptr_eq(one.upn, other.upn);           /* the same copy */
        ck_assert_ptr_ne(other.sku, one.upn);
        for (i = 0; i < 9; i++)
                fs_inodes_forget(t, inos[i], 1);
        ck_assert_uint_eq(fs_inodes_names(t), 0);
        ck_assert_uint_eq(fs_inodes_count(t), 1);
}
END_TEST

START_TEST(test_unlink_file)
{
        uint64_t a = ref("/products/E3/users/a@b.c"), again;
        struct fs_node node = at("/products/E3/users/a@b.c"), seen;

        fs_inodes_unlink(t, &node);
        ck_assert_int_eq(fs_inodes_node(t, a, &seen), -ENOENT);
        ck_assert_uint_eq(find("/products/E3/users/a@b.c"), 0);
        /* made again: a new node, while the kernel still holds the old one */
        again = ref("/products/E3/users/a@b.c");
        ck_assert_uint_ne(again, a);
        ck_assert_str_eq(path_of(again), "/products/E3/users/a@b.c");
        fs_inodes_forget(t, a, 1);
        fs_inodes_forget(t, again, 1);
        ck_assert_uint_eq(fs_inodes_count(t), 1);
}
END_TEST

struct removal_case {
        const char *dir;
        const char *below[3];           /* removed along */
        const char *beside[3];          /* kept */
};

static const struct removal_case removals[] = {
        { "/users/a@b.c",
          { "/users/a@b.c/licenses", "/users/a@b.c/licenses/E3", "/users/a@b.c/display_name" },
          { "/products/E3/users/a@b.c", "/users/x@b.c/licenses", "/groups/G/members/a@b.c" } },
        { "/products/E3",
          { "/products/E3/users", "/products/E3/users/a@b.c", "/products/E3/groups/G" },
          { "/users/a@b.c/licenses/E3", "/products/E4/users/a@b.c", "/groups/G/licenses/E3" } },
        { "/groups/G",
          { "/groups/G/members", "/groups/G/members/a@b.c", "/groups/G/licenses/E3" },
          { "/products/E3/groups/G", "/users/a@b.c/groups/G", "/groups/H/members" } },
        { "/deleted_users/a@b.c",
          { "/deleted_users/a@b.c/deleted", "/deleted_users/a@b.c/licenses/E3",
            "/deleted_users/a@b.c/groups" },
          { "/users/a@b.c", "/users/a@b.c/licenses/E3", "/deleted_users/x@b.c" } },
};

/* A removed directory takes the nodes below it along, and no others. */
START_TEST(test_unlink_dir)
{
        const struct removal_case *c = &removals[_i];
        struct fs_node dir = at(c->dir);
        uint64_t top = ref(c->dir), below[3], beside[3];
        int i;

        for (i = 0; i < 3; i++) {
                below[i] = ref(c->below[i]);
                beside[i] = ref(c->beside[i]);
        }
        fs_inodes_unlink(t, &dir);
        ck_assert_str_eq(path_of(top), "(removed)");
        for (i = 0; i < 3; i++) {
                ck_assert_msg(strcmp(path_of(below[i]), "(removed)") == 0, "%s stays",
                              c->below[i]);
                ck_assert_msg(find(c->below[i]) == 0, "%s is found", c->below[i]);
                ck_assert_str_eq(path_of(beside[i]), c->beside[i]);
                ck_assert_uint_eq(find(c->beside[i]), beside[i]);
        }
        for (i = 0; i < 3; i++) {
                fs_inodes_forget(t, below[i], 1);
                fs_inodes_forget(t, beside[i], 1);
        }
        fs_inodes_forget(t, top, 1);
        ck_assert_uint_eq(fs_inodes_count(t), 1);
        ck_assert_uint_eq(fs_inodes_names(t), 0);
}
END_TEST

/* A restore: deleted_users/U becomes users/U, numbers kept, each node at its new place. */
START_TEST(test_move)
{
        struct fs_node from = at("/deleted_users/a@b.c"), to = at("/users/a@b.c");
        uint64_t dir = ref("/deleted_users/a@b.c");
        uint64_t lic = ref("/deleted_users/a@b.c/licenses/E3");
        uint64_t when = ref("/deleted_users/a@b.c/deleted");
        uint64_t name = ref("/deleted_users/a@b.c/display_name");
        uint64_t other = ref("/deleted_users/x@b.c/licenses/E3");
        uint64_t old = ref("/users/a@b.c");
        struct fs_node seen;
        struct fs_stale *list;
        size_t count;

        ck_assert_int_eq(fs_inodes_move(t, &from, &to, &list, &count), 0);
        ck_assert_uint_eq(count, 4);
        ck_assert(holds(list, count, dir) && holds(list, count, lic) && holds(list, count, when));
        ck_assert(!holds(list, count, other));
        fs_stale_free(list, count);
        ck_assert_str_eq(path_of(dir), "/users/a@b.c");
        ck_assert_str_eq(path_of(lic), "/users/a@b.c/licenses/E3");
        ck_assert_str_eq(path_of(name), "/users/a@b.c/display_name");
        ck_assert_uint_eq(find("/users/a@b.c/licenses/E3"), lic);
        ck_assert_int_eq(fs_inodes_node(t, when, &seen), -ENOENT);     /* users/U has no such */
        ck_assert_int_eq(fs_inodes_node(t, old, &seen), -ENOENT);      /* what was there */
        ck_assert_str_eq(path_of(other), "/deleted_users/x@b.c/licenses/E3");
        fs_inodes_forget(t, dir, 1);
        fs_inodes_forget(t, lic, 1);
        fs_inodes_forget(t, when, 1);
        fs_inodes_forget(t, name, 1);
        fs_inodes_forget(t, other, 1);
        fs_inodes_forget(t, old, 1);
        ck_assert_uint_eq(fs_inodes_count(t), 1);
}
END_TEST

/* The nodes of a user: every node naming the UPN, removed ones too, and no other. */
START_TEST(test_collect)
{
        uint64_t mine[4], theirs[2];
        struct fs_node removed = at("/groups/G/members/a@b.c");
        struct fs_stale *list;
        size_t count;
        int i;

        mine[0] = ref("/users/a@b.c/display_name");
        mine[1] = ref("/products/E3/users/a@b.c");
        mine[2] = ref("/groups/G/members/a@b.c");
        mine[3] = ref("/users/a@b.c/groups/G");
        theirs[0] = ref("/users/x@b.c/display_name");
        theirs[1] = ref("/products/E3/total");
        fs_inodes_unlink(t, &removed);
        ck_assert_int_eq(fs_inodes_collect(t, "a@b.c", &list, &count), 0);
        ck_assert_uint_eq(count, 4);
        for (i = 0; i < 4; i++)
                ck_assert(holds(list, count, mine[i]));
        fs_stale_free(list, count);
        ck_assert_int_eq(fs_inodes_collect(t, "nobody@b.c", &list, &count), 0);
        ck_assert_uint_eq(count, 0);
        fs_stale_free(list, count);
        ck_assert_int_eq(fs_inodes_collect(t, NULL, &list, &count), 0);
        ck_assert_uint_eq(count, 6);
        ck_assert(holds(list, count, theirs[0]) && holds(list, count, theirs[1]));
        fs_stale_free(list, count);
        for (i = 0; i < 4; i++)
                fs_inodes_forget(t, mine[i], 1);
        for (i = 0; i < 2; i++)
                fs_inodes_forget(t, theirs[i], 1);
        ck_assert_uint_eq(fs_inodes_count(t), 1);
}
END_TEST

/* Many nodes: the hashes grow and every node is still found, then all go. */
START_TEST(test_many)
{
        enum { N = 5000 };
        static uint64_t inos[N];
        char path[128];
        int i;

        for (i = 0; i < N; i++) {
                snprintf(path, sizeof(path), "/products/P%d/users/u%d@b.c", i % 7, i);
                inos[i] = ref(path);
        }
        ck_assert_uint_eq(fs_inodes_names(t), N + 7);
        for (i = 0; i < N; i++) {
                snprintf(path, sizeof(path), "/products/P%d/users/u%d@b.c", i % 7, i);
                ck_assert_uint_eq(find(path), inos[i]);
        }
        for (i = 0; i < N; i++)
                fs_inodes_forget(t, inos[i], 1);
        ck_assert_uint_eq(fs_inodes_count(t), 1);
        ck_assert_uint_eq(fs_inodes_names(t), 0);
}
END_TEST

/* --- memos: a file's attributes as last rendered ------------------------------------------- */

/* Keeps a memo of `size` bytes for a new reference to `path`, rendered after `seq`. */
static uint64_t ref_kept(const char *path, off_t size, uint64_t seq)
{
        struct fs_node node = at(path);
        struct stat st;
        uint64_t ino;

        fs_attr_stat(S_IFREG | 0444, size, 1700000000, &st);
        ino = fs_inodes_ref_kept(t, &node, &st, seq);
        ck_assert_msg(ino != 0, "no number for %s", path);
        return ino;
}

/* The size the memo of `path` holds, or -1 without one (a found memo takes a reference). */
static off_t memo_size(const char *path)
{
        struct fs_node node = at(path);
        struct stat st;
        uint64_t ino = fs_inodes_ref_memo(t, &node, &st);

        if (!ino)
                return -1;
        ck_assert_uint_eq(st.st_ino, ino);
        ck_assert_uint_eq(st.st_mode, S_IFREG | 0444);
        ck_assert_int_eq(st.st_mtime, 1700000000);
        fs_inodes_forget(t, ino, 1);
        return st.st_size;
}

/* A memo is served until its node goes: another node at the same number has none. */
START_TEST(test_memo_kept)
{
        const char *holder = "/products/E3/users/a@b.c";
        uint64_t ino = ref_kept(holder, 42, fs_inodes_seq(t));
        struct stat st;

        ck_assert_int_eq(memo_size(holder), 42);
        ck_assert(fs_inodes_memo(t, ino, &st) && st.st_size == 42);
        ck_assert_int_eq(memo_size("/products/E3/users/x@b.c"), -1);
        fs_inodes_forget(t, ino, 1);
        ck_assert_int_eq(memo_size(holder), -1);
        ino = ref(holder);              /* very likely the same address, now without a memo */
        ck_assert(!fs_inodes_memo(t, ino, &st));
        fs_inodes_forget(t, ino, 1);
}
END_TEST

/* A render that began before a change made nodes stale is not kept, wherever that change was. */
START_TEST(test_memo_raced)
{
        struct fs_node other = at("/products/E5/total");
        uint64_t seq = fs_inodes_seq(t), ino;

        fs_inodes_find(t, &other);      /* a plain find is no change */
        ino = ref_kept("/products/E3/users/a@b.c", 42, seq);
        ck_assert_int_eq(memo_size("/products/E3/users/a@b.c"), 42);
        fs_inodes_forget(t, ino, 1);

        seq = fs_inodes_seq(t);
        fs_inodes_stale(t, &other);     /* no node there: still a change */
        ino = ref_kept("/products/E3/users/a@b.c", 42, seq);
        ck_assert_int_eq(memo_size("/products/E3/users/a@b.c"), -1);
        fs_inodes_keep(t, ino, &(struct stat){ .st_mode = S_IFREG | 0444, .st_size = 7,
                                               .st_mtime = 1700000000 }, seq);
        ck_assert_int_eq(memo_size("/products/E3/users/a@b.c"), -1);
        fs_inodes_keep(t, ino, &(struct stat){ .st_mode = S_IFREG | 0444, .st_size = 7,
                                               .st_mtime = 1700000000 }, fs_inodes_seq(t));
        ck_assert_int_eq(memo_size("/products/E3/users/a@b.c"), 7);
        fs_inodes_forget(t, ino, 1);
}
END_TEST

/*
 * What makes a node stale drops its memo and no other's: a change of the user's claim to that
 * product, any change of the user, a removal, a move, a stale node found by key, and a change
 * of everything.
 */
static const char *const staling[] = { "claim", "user", "unlink", "move", "stale", "all" };

START_TEST(test_memo_dropped)
{
        const char *what = staling[_i];
        uint64_t mine = ref_kept("/users/a@b.c/licenses/E3", 10, fs_inodes_seq(t));
        uint64_t theirs = ref_kept("/users/x@b.c/licenses/E3", 20, fs_inodes_seq(t));
        uint64_t other = ref_kept("/users/a@b.c/licenses/E5", 30, fs_inodes_seq(t));
        struct fs_node node = at("/users/a@b.c/licenses/E3");
        struct fs_node from = at("/users/a@b.c"), to = at("/deleted_users/a@b.c");
        uint64_t dir = ref("/users/a@b.c");    /* the kernel holds a file's directories */
        struct fs_stale *list = NULL;
        size_t count = 0;
        struct stat st;

        if (strcmp(what, "claim") == 0)
                ck_assert_int_eq(fs_inodes_collect_claim(t, "a@b.c", "E3", &list, &count), 0);
        else if (strcmp(what, "user") == 0)
                ck_assert_int_eq(fs_inodes_collect(t, "a@b.c", &list, &count), 0);
        else if (strcmp(what, "unlink") == 0)
                fs_inodes_unlink(t, &node);
        else if (strcmp(what, "move") == 0)
                ck_assert_int_eq(fs_inodes_move(t, &from, &to, &list, &count), 0);
        else if (strcmp(what, "stale") == 0)
                ck_assert_uint_eq(fs_inodes_stale(t, &node), mine);
        else
                ck_assert_int_eq(fs_inodes_collect(t, NULL, &list, &count), 0);
        fs_stale_free(list, count);
        ck_assert_msg(!fs_inodes_memo(t, mine, &st), "%s: the stale node's memo stayed", what);
        ck_assert_int_eq(fs_inodes_memo(t, theirs, &st), strcmp(what, "all") != 0);
        /* A claim to another product, or one file, leaves the user's others alone. */
        ck_assert_int_eq(fs_inodes_memo(t, other, &st), strcmp(what, "claim") == 0 ||
                         strcmp(what, "unlink") == 0 || strcmp(what, "stale") == 0);
        fs_inodes_forget(t, dir, 1);
        fs_inodes_forget(t, mine, 1);
        fs_inodes_forget(t, theirs, 1);
        fs_inodes_forget(t, other, 1);
}
END_TEST

/*
 * Many memos, several to a set of slots (some sets overflow): each node's is its own or none,
 * never another node's, and nearly all are kept.
 */
START_TEST(test_memo_crowded)
{
        enum { N = 30000 };
        static uint64_t inos[N];
        char path[128];
        struct stat st;
        int i, kept = 0;

        for (i = 0; i < N; i++) {
                snprintf(path, sizeof(path), "/products/P/users/u%d@b.c", i);
                inos[i] = ref_kept(path, i, fs_inodes_seq(t));
        }
        for (i = 0; i < N; i++) {
                if (fs_inodes_memo(t, inos[i], &st)) {
                        ck_assert_int_eq(st.st_size, i);
                        kept++;
                }
        }
        ck_assert_int_gt(kept, N * 9 / 10);
        for (i = 0; i < N; i++)
                fs_inodes_forget(t, inos[i], 1);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("fs_inodes");
        TCase *tc = tcase_create("inodes");

        tcase_add_checked_fixture(tc, table_setup, table_teardown);
        tcase_add_test(tc, test_found_again);
        tcase_add_test(tc, test_names_interned);
        tcase_add_test(tc, test_unlink_file);
        tcase_add_loop_test(tc, test_unlink_dir, 0,
                            (int)(sizeof(removals) / sizeof(removals[0])));
        tcase_add_test(tc, test_move);
        tcase_add_test(tc, test_collect);
        tcase_add_test(tc, test_many);
        tcase_add_test(tc, test_memo_kept);
        tcase_add_test(tc, test_memo_raced);
        tcase_add_loop_test(tc, test_memo_dropped, 0,
                            (int)(sizeof(staling) / sizeof(staling[0])));
        tcase_add_test(tc, test_memo_crowded);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
