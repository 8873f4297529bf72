/*
 * The audit log and the summary's listing: an actor's change writes its `ok` line in the same
 * transaction as the change (a line that cannot be written takes the change with it, shown
 * with a trigger that another connection adds: SQLite's on a tenant in a file, PostgreSQL's on
 * the tenant's schema); a refusal
 * writes the errno's name and the reason and leaves model_reason() as it was; reads and changes
 * that change nothing write no line; group processing writes `info` lines with uid `-`; the
 * log read at any offset and size is the concatenation of its lines; pruning keeps the newest
 * lines, and size and reads stay consistent; products list by display name.
 */
#include "check_helpers.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 "2023-11-14T22:13:20Z"       /* TEST_T0 as the log writes it */

/* The whole log, read in one piece, checked against its size; the caller frees it. */
static char *audit_text(void)
{
        int64_t size = -1;
        char *text;
        int n;

        ck_ok(model_audit_size(m, &size));
        text = malloc((size_t)size + 2);
        ck_assert_ptr_nonnull(text);
        n = model_audit_read(m, text, (size_t)size + 1, 0);
        ck_assert_msg(n == size, "model_audit_read returned %d, model_audit_size says %lld", n,
                      (long long)size);
        text[n] = '\0';
        return text;
}

static void ck_audit(const char *expected)
{
        char *text = audit_text();

        ck_assert_str_eq(text, expected);
        free(text);
}

/* Asserts that the log ends with these lines (concatenated). */
static void ck_audit_ends_with(const char *expected)
{
        char *text = audit_text();
        size_t len = strlen(text), want = strlen(expected);

        ck_assert_msg(len >= want && strcmp(text + len - want, expected) == 0,
                      "the audit log does not end with [%s]; it is [%s]", expected, text);
        free(text);
}

static void ck_audit_lacks(const char *unwanted)
{
        char *text = audit_text();

        ck_assert_msg(!strstr(text, unwanted), "the audit log holds [%s]: [%s]", unwanted, text);
        free(text);
}

static size_t audit_lines(void)
{
        char *text = audit_text(), *p;
        size_t lines = 0;

        for (p = text; (p = strchr(p, '\n')); p++)
                lines++;
        free(text);
        return lines;
}

static void act(int64_t uid, const char *op, const char *object)
{
        struct model_actor actor = { uid, op, object };

        model_set_actor(&actor);
}

/* --- an actor's lines ---------------------------------------------------------------------- */

START_TEST(test_ok_line)
{
        act(1000, "mkdir", "/products/P");
        ck_ok(model_product_create(m, "P"));
        ck_audit(T0 "\t1000\tmkdir\t/products/P\tok\n");
        /* Another change of the same call gets its own line. */
        clock_at(TEST_T0 + 61);
        act(1001, "write", "/products/P/total");
        ck_ok(model_product_set_total(m, "P", 3));
        model_set_actor(NULL);
        ck_audit(T0 "\t1000\tmkdir\t/products/P\tok\n"
                 "2023-11-14T22:14:21Z\t1001\twrite\t/products/P/total\tok\n");
}
END_TEST

START_TEST(test_no_line_without_change)
{
        struct model_product product;

        make_product("P", 2);
        make_user("u@x.com", "US");
        act(1000, "create", "/products/P/users/u@x.com");
        ck_ok(model_direct_assign(m, "P", "u@x.com"));
        act(1000, "touch", "/products/P/users/u@x.com");
        ck_ok(model_direct_assign(m, "P", "u@x.com"));      /* already: nothing changes */
        ck_ok(model_product_get(m, "P", &product));         /* a read */
        model_set_actor(NULL);
        ck_ok(model_product_set_total(m, "P", 5));          /* no actor */
        ck_audit(T0 "\t1000\tcreate\t/products/P/users/u@x.com\tok\n");
}
END_TEST

/* A tenant in a file, and a second connection to it that can break the audit table. */
static char file_dir[64];
static sqlite3 *file_db;
static char *file_schema;               /* PostgreSQL: the tenant's schema, in its URI */

static struct model *file_model_open(void)
{
        struct model *model;
        char path[96];

        if (test_on_postgres()) {
                char *target = test_target_new();

                ck_ok(model_open(target, &model));
                model_set_clock(model, TEST_T0);
                file_schema = strdup(strstr(target, "%3D") + 3);
                free(target);
                return model;
        }
        strcpy(file_dir, "/tmp/licensefs-unit-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(file_dir));
        snprintf(path, sizeof(path), "%s/tenant.db", file_dir);
        ck_ok(model_open(path, &model));
        model_set_clock(model, TEST_T0);
        ck_assert_int_eq(sqlite3_open(path, &file_db), SQLITE_OK);
        return model;
}

static void file_model_close(struct model *model)
{
        char command[96];

        if (test_on_postgres()) {
                model_close(model);
                free(file_schema);
                return;
        }
        ck_assert_int_eq(sqlite3_close(file_db), SQLITE_OK);
        model_close(model);
        snprintf(command, sizeof(command), "rm -rf '%s'", file_dir);
        ck_assert_int_eq(system(command), 0);
}

/* Makes the insertion of audit lines matching `when` (SQL on NEW) fail, or "" stop failing. */
static void break_audit(const char *when)
{
        char sql[512];

        if (test_on_postgres()) {
                if (when[0])
                        snprintf(sql, sizeof(sql), "SET search_path = %s; CREATE FUNCTION "
                                 "no_audit() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE "
                                 "EXCEPTION 'no audit'; END$$; CREATE TRIGGER no_audit BEFORE "
                                 "INSERT ON audit FOR EACH ROW WHEN (%s) EXECUTE FUNCTION "
                                 "no_audit()", file_schema, when);
                else
                        snprintf(sql, sizeof(sql), "SET search_path = %s; DROP TRIGGER no_audit "
                                 "ON audit; DROP FUNCTION no_audit()", file_schema);
                test_pg_exec(sql);
                return;
        }
        snprintf(sql, sizeof(sql), when[0] ? "CREATE TRIGGER no_audit BEFORE INSERT ON audit "
                 "WHEN %s BEGIN SELECT RAISE(ABORT, 'no audit'); END" : "DROP TRIGGER no_audit%s",
                 when);
        ck_assert_int_eq(sqlite3_exec(file_db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* The change and its line commit together: when the line cannot be written, nor can the change. */
START_TEST(test_ok_line_in_same_transaction)
{
        struct model *model = file_model_open();
        struct model_product product;

        break_audit("true");
        act(1000, "mkdir", "/products/P");
        ck_assert_int_eq(model_product_create(model, "P"), -EIO);
        ck_assert_ptr_nonnull(strstr(model_reason(), "no audit"));
        model_set_actor(NULL);
        ck_assert_int_eq(model_product_get(model, "P", &product), -ENOENT);
        break_audit("");
        act(1000, "mkdir", "/products/P");
        ck_ok(model_product_create(model, "P"));
        model_set_actor(NULL);
        ck_ok(model_product_get(model, "P", &product));
        file_model_close(model);
}
END_TEST

/* Group processing lines too: a queue line that cannot be written undoes the seats given. */
START_TEST(test_info_lines_in_same_transaction)
{
        struct model *model = file_model_open();
        struct model_product product;
        struct model_holder holder;

        ck_ok(model_product_create(model, "P"));
        ck_ok(model_product_set_total(model, "P", 1));
        ck_ok(model_user_create(model, "a@x.com"));
        ck_ok(model_user_create(model, "b@x.com"));
        ck_ok(model_group_create(model, "G"));
        ck_ok(model_member_add(model, "G", "a@x.com"));
        ck_ok(model_member_add(model, "G", "b@x.com"));
        break_audit("NEW.op = 'queue'");
        ck_assert_int_eq(model_group_license_add(model, "P", "G"), -EIO);
        ck_assert_int_eq(model_holder_get(model, "P", "a@x.com", &holder), -ENOENT);
        ck_ok(model_product_get(model, "P", &product));
        ck_assert_int_eq(product.assigned, 0);
        break_audit("");
        ck_ok(model_group_license_add(model, "P", "G"));
        ck_ok(model_holder_get(model, "P", "a@x.com", &holder));
        file_model_close(model);
}
END_TEST

/* Refusals of the model, each with the service's words where it has them. */
static const struct refusal_case {
        const char *op, *object;
        int err;
        const char *line;       /* the line after the time and uid */
} refusal_cases[] = {
        { "create", "/products/P/users/nol@x.com", EINVAL,
          "create\t/products/P/users/nol@x.com\tEINVAL\tLicense assignment cannot be done for "
          "user with invalid usage location. ('nol@x.com' has none)\n" },
        { "create", "/products/P/users/c@x.com", ENOSPC,
          "create\t/products/P/users/c@x.com\tENOSPC\tSubscription for 'P' does not have any "
          "available licenses.\n" },
        { "unlink", "/products/P/users/b@x.com", EPERM,
          "unlink\t/products/P/users/b@x.com\tEPERM\tUser license is inherited from a group "
          "membership and it cannot be removed directly from the user. ('b@x.com', 'P')\n" },
        { "rmdir", "/products/P", ENOTEMPTY,
          "rmdir\t/products/P\tENOTEMPTY\tproduct 'P' is still held, waited for or assigned to "
          "a group\n" },
        { "write", "/products/P/total", EBUSY,
          "write\t/products/P/total\tEBUSY\t2 seats of 'P' are assigned; total cannot go below "
          "that\n" },
        { "mkdir", "/users/a@x.com", EEXIST,
          "mkdir\t/users/a@x.com\tEEXIST\tuser 'a@x.com' exists already\n" },
};

static int refused_call(int i)
{
        switch (i) {
        case 0:
                return model_direct_assign(m, "P", "nol@x.com");
        case 1:
                return model_direct_assign(m, "P", "c@x.com");
        case 2:
                return model_direct_remove(m, "P", "b@x.com");
        case 3:
                return model_product_delete(m, "P");
        case 4:
                return model_product_set_total(m, "P", 1);
        default:
                return model_user_create(m, "a@x.com");
        }
}

START_TEST(test_refusal_line)
{
        const struct refusal_case *c = &refusal_cases[_i];
        char reason[512], line[1024];

        ck_assert_int_eq(COUNT(refusal_cases), 6);
        make_product("P", 2);
        make_user("a@x.com", "US");
        make_user("b@x.com", "US");
        make_user("c@x.com", "US");
        make_user("nol@x.com", NULL);
        make_group("G", "b@x.com");
        ck_ok(model_group_license_add(m, "P", "G"));
        ck_ok(model_direct_assign(m, "P", "a@x.com"));
        act(1000, c->op, c->object);
        ck_refused(refused_call(_i), c->err);
        snprintf(reason, sizeof(reason), "%s", model_reason());
        /* The reason stays for the caller to report, and report()'s call adds nothing. */
        ck_ok(model_audit_refusal(m, -c->err, "a second line"));
        ck_assert_str_eq(model_reason(), reason);
        model_set_actor(NULL);
        snprintf(line, sizeof(line), T0 "\t1000\t%s", c->line);
        ck_audit_ends_with(line);
        ck_audit_lacks("a second line");
}
END_TEST

/* Refusals decided outside the model: written once, with strerror's text for want of a reason. */
START_TEST(test_refusal_without_model_write)
{
        ck_ok(model_audit_refusal(m, -EPERM, "no actor, no line"));
        act(0, "chmod", "/tenant/name");
        ck_ok(model_audit_refusal(m, -EPERM, "the tree has no mode changes"));
        ck_ok(model_audit_refusal(m, -EPERM, "the same call again"));
        act(0, "mkdir", "/products");
        ck_ok(model_audit_refusal(m, -EEXIST, ""));
        act(0, "touch", "/products/NOPE/total");
        ck_assert_int_eq(model_product_set_total(m, "NOPE", 1), -ENOENT);   /* read-free refusal */
        act(0, "open", "/x");
        ck_ok(model_audit_refusal(m, -4242, "an errno without a name"));
        model_set_actor(NULL);
        ck_audit(T0 "\t0\tchmod\t/tenant/name\tEPERM\tthe tree has no mode changes\n"
                 T0 "\t0\tmkdir\t/products\tEEXIST\tFile exists\n"
                 T0 "\t0\ttouch\t/products/NOPE/total\tENOENT\tno product named 'NOPE'\n"
                 T0 "\t0\topen\t/x\t4242\tan errno without a name\n");
}
END_TEST

/* Control bytes never break a line: objects and reasons write them as \xNN. */
START_TEST(test_control_bytes_escaped)
{
        act(7, "mkdir", "/products/a\tb\nc\x7f");
        ck_refused(model_product_create(m, "a\tb\nc\x7f"), EINVAL);
        act(7, "create", "/products/x");
        ck_ok(model_audit_refusal(m, -EINVAL, "bad\nreason\t"));
        model_set_actor(NULL);
        ck_audit_ends_with(T0 "\t7\tcreate\t/products/x\tEINVAL\tbad\\x0areason\\x09\n");
        ck_assert_uint_eq(audit_lines(), 2);
        ck_audit_lacks("a\tb");
}
END_TEST

/* --- licensefs's own lines ----------------------------------------------------------------- */

START_TEST(test_group_processing_lines)
{
        make_product("A/B%", 1);
        make_user("first@x.com", "US");
        make_user("second@x.com", "US");
        make_user("third@x.com", NULL);
        make_group("G", "first@x.com", "second@x.com");
        act(1000, "create", "/groups/G/licenses/A%2FB%25");
        ck_ok(model_group_license_add(m, "A/B%", "G"));
        act(1000, "write", "/products/A%2FB%25/total");
        ck_ok(model_product_set_total(m, "A/B%", 2));
        model_set_actor(NULL);
        ck_ok(model_member_add(m, "G", "third@x.com"));
        ck_audit(T0 "\t1000\tcreate\t/groups/G/licenses/A%2FB%25\tok\n"
                 T0 "\t-\tgrant\t/products/A%2FB%25/users/first@x.com\tinfo\t"
                 "seat granted through group G\n"
                 T0 "\t-\tqueue\t/products/A%2FB%25/errors/second@x.com\tinfo\t"
                 "CountViolation: no seat available (through group G)\n"
                 T0 "\t1000\twrite\t/products/A%2FB%25/total\tok\n"
                 T0 "\t-\tgrant\t/products/A%2FB%25/users/second@x.com\tinfo\t"
                 "a freed seat went to the longest-waiting user\n"
                 T0 "\t-\tqueue\t/products/A%2FB%25/errors/third@x.com\tinfo\t"
                 "CountViolation: no seat available (through group G)\n");
}
END_TEST

/* A restore's claims and the automatic purge are licensefs's own lines, named as such. */
START_TEST(test_restore_and_purge_lines)
{
        make_product("P", 1);
        make_user("a@x.com", "US");
        make_user("b@x.com", "US");
        ck_ok(model_direct_assign(m, "P", "a@x.com"));
        ck_ok(model_user_delete(m, "a@x.com"));
        ck_ok(model_direct_assign(m, "P", "b@x.com"));
        act(0, "rename", "/deleted_users/a@x.com");
        ck_ok(model_user_restore(m, "a@x.com"));
        model_set_actor(NULL);
        ck_audit_ends_with(T0 "\t0\trename\t/deleted_users/a@x.com\tok\n"
                           T0 "\t-\tqueue\t/products/P/errors/a@x.com\tinfo\t"
                           "CountViolation: no seat available (on restore)\n");
        ck_ok(model_user_delete(m, "b@x.com"));
        clock_at(TEST_T0 + 30 * 24 * 3600 + 1);
        ck_assert_int_eq(model_purge_expired(m), 1);
        ck_audit_ends_with("\t-\tpurge\t/deleted_users/b@x.com\tinfo\t"
                           "deleted more than 30 days ago\n");
}
END_TEST

/*
 * Seats one change frees go on in product order (Z was created before A), whatever the order
 * of the names or of the queue (u claimed A first); a membership claims in that order too.
 */
#define FREED(sku, upn) T0 "\t-\tgrant\t/products/" sku "/users/" upn "\tinfo\t"          \
        "a freed seat went to the longest-waiting user\n"

static void make_u_holding_a_then_z(void)
{
        make_product("Z", 1);
        make_product("A", 1);
        make_user("u@x.com", "US");
        make_user("wa@x.com", "US");
        make_user("wz@x.com", "US");
        make_group("G", "u@x.com");
        make_group("WA", "wa@x.com");
        make_group("WZ", "wz@x.com");
        ck_ok(model_group_license_add(m, "A", "G"));
        ck_ok(model_group_license_add(m, "Z", "G"));
        ck_ok(model_group_license_add(m, "A", "WA"));
        ck_ok(model_group_license_add(m, "Z", "WZ"));
}

START_TEST(test_membership_end_frees_in_product_order)
{
        make_u_holding_a_then_z();
        ck_ok(model_member_remove(m, "G", "u@x.com"));
        ck_audit_ends_with(FREED("Z", "wz@x.com") FREED("A", "wa@x.com"));
}
END_TEST

START_TEST(test_user_delete_frees_in_product_order)
{
        make_u_holding_a_then_z();
        ck_ok(model_user_delete(m, "u@x.com"));
        ck_audit_ends_with(FREED("Z", "wz@x.com") FREED("A", "wa@x.com"));
}
END_TEST

START_TEST(test_membership_claims_in_product_order)
{
        make_product("Z", 1);
        make_product("A", 1);
        make_user("u@x.com", "US");
        ck_ok(model_group_create(m, "G"));
        ck_ok(model_group_license_add(m, "A", "G"));
        ck_ok(model_group_license_add(m, "Z", "G"));
        ck_ok(model_member_add(m, "G", "u@x.com"));
        ck_audit(T0 "\t-\tgrant\t/products/Z/users/u@x.com\tinfo\tseat granted through group G\n"
                 T0 "\t-\tgrant\t/products/A/users/u@x.com\tinfo\tseat granted through group G\n");
}
END_TEST

/* Expired users are purged in the order they were deleted, not created. */
START_TEST(test_purge_in_deletion_order)
{
        make_user("a@x.com", "US");
        make_user("b@x.com", "US");
        ck_ok(model_user_delete(m, "b@x.com"));
        clock_at(TEST_T0 + 5);
        ck_ok(model_user_delete(m, "a@x.com"));
        clock_at(TEST_T0 + 31 * 24 * 3600);
        ck_assert_int_eq(model_purge_expired(m), 2);
        ck_audit_ends_with("\t-\tpurge\t/deleted_users/b@x.com\tinfo\tdeleted more than 30 days "
                           "ago\n2023-12-15T22:13:20Z\t-\tpurge\t/deleted_users/a@x.com\tinfo\t"
                           "deleted more than 30 days ago\n");
}
END_TEST

/* --- reading ------------------------------------------------------------------------------- */

/* Adds `count` refusal lines of different lengths, numbered from `first`. */
static void add_lines(int first, int count)
{
        char object[64];

        for (int i = first; i < first + count; i++) {
                snprintf(object, sizeof(object), "/products/P%0*d", 1 + i % 7, i);
                act(i, "chmod", object);
                ck_ok(model_audit_refusal(m, -EPERM, "r"));
        }
        model_set_actor(NULL);
}

/* The lines add_lines() adds, as text; the caller frees it. */
static char *expected_lines(int first, int count)
{
        char *text = malloc((size_t)count * 64 + 1);
        size_t n = 0;

        ck_assert_ptr_nonnull(text);
        text[0] = '\0';
        for (int i = first; i < first + count; i++)
                n += (size_t)sprintf(text + n, T0 "\t%d\tchmod\t/products/P%0*d\tEPERM\tr\n", i,
                                     1 + i % 7, i);
        return text;
}

/* Every read at every offset, of several sizes, is the same part of the whole. */
static void ck_reads_consistent(void)
{
        static const size_t sizes[] = { 1, 2, 7, 40, 41, 100, 4096 };
        char *whole = audit_text(), buf[4096];
        size_t len = strlen(whole);

        for (size_t offset = 0; offset <= len + 2; offset++)
                for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
                        size_t want = offset >= len ? 0
                                      : len - offset < sizes[k] ? len - offset : sizes[k];
                        int n = model_audit_read(m, buf, sizes[k], (int64_t)offset);

                        ck_assert_msg(n == (int)want, "read of %zu at %zu returned %d, expected "
                                      "%zu", sizes[k], offset, n, want);
                        ck_assert_msg(memcmp(buf, whole + offset, want) == 0,
                                      "read of %zu at %zu differs", sizes[k], offset);
                }
        free(whole);
}

START_TEST(test_read_at_any_offset)
{
        char *expected, buf[8];
        int64_t size;

        ck_ok(model_audit_size(m, &size));
        ck_assert_int_eq(size, 0);
        ck_assert_int_eq(model_audit_read(m, buf, sizeof(buf), 0), 0);
        add_lines(1, 40);
        expected = expected_lines(1, 40);
        ck_audit(expected);
        ck_ok(model_audit_size(m, &size));
        ck_assert_int_eq(size, (int64_t)strlen(expected));
        ck_reads_consistent();
        ck_assert_int_eq(model_audit_read(m, buf, sizeof(buf), -1), -EINVAL);
        free(expected);
}
END_TEST

/* --- the bound ----------------------------------------------------------------------------- */

START_TEST(test_prune_keeps_newest)
{
        char *expected;

        ck_refused(model_set_audit_limit(m, 0), EINVAL);
        /* A limit of 10 prunes at every line: always the newest 10. */
        ck_ok(model_set_audit_limit(m, 10));
        add_lines(1, 25);
        expected = expected_lines(16, 10);
        ck_audit(expected);
        free(expected);
        ck_reads_consistent();

        /* A limit of 100 prunes every 10 lines: 100 right after, up to 109 in between. */
        ck_ok(model_set_audit_limit(m, 100));
        add_lines(26, 224);             /* ids 26..249 */
        ck_assert_uint_eq(audit_lines(), 109);
        add_lines(250, 1);
        expected = expected_lines(151, 100);
        ck_audit(expected);
        free(expected);
        add_lines(251, 5);
        ck_assert_uint_eq(audit_lines(), 105);
        ck_reads_consistent();

        /* A lower limit prunes at once. */
        ck_ok(model_set_audit_limit(m, 20));
        expected = expected_lines(236, 20);
        ck_audit(expected);
        free(expected);
        ck_reads_consistent();
}
END_TEST

/* --- the summary's listing ----------------------------------------------------------------- */

START_TEST(test_products_by_name)
{
        make_product("b", 0);
        make_product("c", 0);
        make_product("d", 0);
        make_product("a", 0);
        make_product("M", 0);           /* named after its SKU */
        make_product("e", 0);
        ck_ok(model_product_set_name(m, "b", "Zeta"));
        ck_ok(model_product_set_name(m, "c", "alpha"));
        ck_ok(model_product_set_name(m, "d", "Alpha"));
        ck_ok(model_product_set_name(m, "a", "Alpha"));
        ck_ok(model_product_set_name(m, "e", "Émile"));
        /* Bytewise: upper case before lower case before UTF-8; the SKU breaks a tie. */
        ck_listing(m, MODEL_LIST_PRODUCTS_BY_NAME, NULL, NULL, "a", "d", "M", "b", "c", "e");
        ck_listing(m, MODEL_LIST_PRODUCTS, NULL, NULL, "M", "a", "b", "c", "d", "e");
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("audit");
        TCase *tcase = model_tcase("audit");

        suite_add_tcase(suite, tcase);
        tcase_add_test(tcase, test_ok_line);
        tcase_add_test(tcase, test_restore_and_purge_lines);
        tcase_add_test(tcase, test_membership_end_frees_in_product_order);
        tcase_add_test(tcase, test_user_delete_frees_in_product_order);
        tcase_add_test(tcase, test_membership_claims_in_product_order);
        tcase_add_test(tcase, test_purge_in_deletion_order);
        tcase_add_test(tcase, test_no_line_without_change);
        tcase_add_test(tcase, test_ok_line_in_same_transaction);
        tcase_add_test(tcase, test_info_lines_in_same_transaction);
        tcase_add_loop_test(tcase, test_refusal_line, 0, COUNT(refusal_cases));
        tcase_add_test(tcase, test_refusal_without_model_write);
        tcase_add_test(tcase, test_control_bytes_escaped);
        tcase_add_test(tcase, test_group_processing_lines);
        tcase_add_test(tcase, test_read_at_any_offset);
        tcase_add_test(tcase, test_prune_keeps_newest);
        tcase_add_test(tcase, test_products_by_name);
        return run_suite(suite);
}
