/*
 * The db layer under the rules (model/db.h): parameters `$N` bound by number whatever their
 * order or repetition in the SQL, NULL in and out, insert returning the new row's id, the
 * changes counter, the bare transaction bracket, database failures told apart from refusals,
 * writes nobody waits for failing their whole call, and a row of one model's statement run as
 * another's values. Each test runs its statements in a write transaction of a fresh model, on
 * each backend.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_helpers.h"
#include "internal.h"

static void begin(void)
{
        ck_ok(tx_begin(m, true));
}

static void commit(void)
{
        ck_ok(tx_end(m, 0));
}

START_TEST(test_parameter_used_twice)
{
        int64_t v = 0;

        begin();
        ck_ok(sql_int(m, &v, "SELECT $1 + $1 * 10", "i", (int64_t)3));
        ck_assert_int_eq(v, 33);
        commit();
}
END_TEST

/* SQLite numbers parameters by first appearance; `$N` must still take the N-th value. */
START_TEST(test_parameters_bound_by_number_not_position)
{
        char text[16];
        int64_t v = 0;

        begin();
        ck_ok(sql_int(m, &v, "SELECT CAST($2 AS BIGINT) - CAST($1 AS BIGINT)", "ii", (int64_t)1,
                      (int64_t)10));
        ck_assert_int_eq(v, 9);
        ck_ok(sql_text(m, text, sizeof(text), "SELECT $3 || $1", "tit", "a", (int64_t)7, "b"));
        ck_assert_str_eq(text, "ba");
        commit();
}
END_TEST

/* One call serves a table of statements: values a statement does not use are ignored. */
START_TEST(test_unused_values_ignored_missing_ones_null)
{
        int64_t v = 0;

        begin();
        ck_ok(sql_int(m, &v, "SELECT $2", "ii", (int64_t)1, (int64_t)2));
        ck_assert_int_eq(v, 2);
        ck_ok(sql_int(m, &v, "SELECT $1", "ii", (int64_t)5, (int64_t)6));
        ck_assert_int_eq(v, 5);
        ck_ok(sql_int(m, &v, "SELECT CAST($2 AS BIGINT) IS NULL", "i", (int64_t)5));
        ck_assert_int_eq(v, 1);
        commit();
}
END_TEST

/* A re-run of a cached statement with fewer values leaves none of the previous ones bound. */
START_TEST(test_rebinding_clears_previous_values)
{
        static const char sql[] = "SELECT coalesce($1, 0) + coalesce($2, 0)";
        int64_t v = 0;

        begin();
        ck_ok(sql_int(m, &v, sql, "ii", (int64_t)1, (int64_t)2));
        ck_assert_int_eq(v, 3);
        ck_ok(sql_int(m, &v, sql, "i", (int64_t)4));
        ck_assert_int_eq(v, 4);
        commit();
}
END_TEST

START_TEST(test_null_in_and_out)
{
        struct sql_stmt *s = NULL;
        char text[8] = "x";

        begin();
        ck_ok(sql_prepare(m, &s, "SELECT $1, $2, 'a'", "ti", NULL, (int64_t)0));
        ck_assert_int_eq(sql_step(s), 1);
        ck_assert(column_is_null(s, 0));
        ck_assert_ptr_null(column_string(s, 0));
        column_text(s, 0, text, sizeof(text));
        ck_assert_str_eq(text, "");
        ck_assert(!column_is_null(s, 1));
        ck_assert_int_eq(column_int64(s, 1), 0);
        ck_assert_str_eq(column_string(s, 2), "a");
        ck_assert_int_eq(sql_step(s), 0);
        commit();
}
END_TEST

/* column_text truncates to the buffer and always terminates. */
START_TEST(test_column_text_truncates)
{
        struct sql_stmt *s = NULL;
        char text[4];

        begin();
        ck_ok(sql_prepare(m, &s, "SELECT 'abcdef'", ""));
        ck_assert_int_eq(sql_step(s), 1);
        column_text(s, 0, text, sizeof(text));
        ck_assert_str_eq(text, "abc");
        sql_reset(s);
        commit();
}
END_TEST

/* A statement ended early with sql_reset runs again from its first row. */
START_TEST(test_reset_ends_a_result_early)
{
        static const char sql[] = "SELECT 1 UNION ALL SELECT 2 ORDER BY 1";
        struct sql_stmt *s = NULL;

        begin();
        ck_ok(sql_prepare(m, &s, sql, ""));
        ck_assert_int_eq(sql_step(s), 1);
        sql_reset(s);
        ck_assert_int_eq(sql_step(s), 1);
        ck_assert_int_eq(column_int64(s, 0), 1);
        ck_assert_int_eq(sql_step(s), 1);
        ck_assert_int_eq(column_int64(s, 0), 2);
        ck_assert_int_eq(sql_step(s), 0);
        commit();
}
END_TEST

START_TEST(test_insert_returns_the_new_id)
{
        static const char insert[] = "INSERT INTO security_groups (name, created) VALUES ($1, $2) "
                                     "ON CONFLICT DO NOTHING RETURNING id";
        int64_t first = 0, second = 0, found = 0, kept;

        begin();
        ck_ok(sql_insert(m, &first, insert, "ti", "G1", (int64_t)0));
        ck_ok(sql_insert(m, &second, insert, "ti", "G2", (int64_t)0));
        ck_assert_int_ne(first, second);
        ck_ok(sql_int(m, &found, "SELECT id FROM security_groups WHERE name = $1", "t", "G2"));
        ck_assert_int_eq(found, second);
        /* Nothing inserted: ENOENT, and the id stays as it was. */
        kept = second;
        ck_err(sql_insert(m, &second, insert, "ti", "G1", (int64_t)0), ENOENT);
        ck_assert_int_eq(second, kept);
        commit();
}
END_TEST

/* A row of one model's statement becomes the values of another model's, NULLs and all. */
START_TEST(test_exec_row_takes_another_models_row)
{
        struct model *other = NULL;
        struct sql_stmt *row;
        char object[16];
        int64_t deleted = 0;

        ck_ok(test_model_open(&other));
        ck_ok(tx_begin(other, true));
        begin();
        ck_ok(sql_prepare(m, &row, "SELECT 7, 'x@y.com', 'X', NULL, 5, NULL", ""));
        ck_assert_int_eq(sql_step(row), 1);
        ck_assert_int_eq(sql_exec_row(other, "INSERT INTO users (id, upn, display_name, "
                                      "object_id, created, deleted) VALUES ($1, $2, $3, $4, "
                                      "$5, $6)", "itttii", row), 1);
        sql_reset(row);
        commit();
        ck_ok(sql_text(other, object, sizeof(object), "SELECT upn || display_name || created || "
                       "CASE WHEN object_id IS NULL THEN 1 ELSE 0 END FROM users WHERE id = 7",
                       ""));
        ck_assert_str_eq(object, "x@y.comX51");
        ck_ok(sql_int(other, &deleted, "SELECT deleted IS NULL FROM users WHERE id = 7", ""));
        ck_assert_int_eq(deleted, 1);
        ck_ok(tx_end(other, 0));
        model_close(other);
}
END_TEST

START_TEST(test_exec_counts_changed_rows)
{
        begin();
        ck_assert_int_eq(sql_exec(m, "INSERT INTO security_groups (name, created) VALUES ($1, 0), "
                                  "($2, 0)", "tt", "A", "B"), 2);
        ck_assert_int_eq(sql_exec(m, "UPDATE security_groups SET created = $1", "i",
                                  (int64_t)5), 2);
        ck_assert_int_eq(sql_exec(m, "DELETE FROM security_groups WHERE name = $1", "t", "C"),
                         0);
        commit();
}
END_TEST

/* Two readings of the counter differ exactly when rows changed in between. */
START_TEST(test_changes_counter)
{
        int64_t before, after;

        begin();
        before = sql_changes_total(m);
        ck_assert_int_eq(sql_exec(m, "UPDATE tenant SET name = $1 WHERE id = 2", "t", "none"),
                         0);
        ck_assert_int_eq(sql_changes_total(m), before);
        ck_assert_int_eq(sql_exec(m, "UPDATE tenant SET name = $1", "t", "T"), 1);
        after = sql_changes_total(m);
        ck_assert_int_eq(after, before + 1);
        commit();
}
END_TEST

static int64_t groups_named(const char *name)
{
        int64_t count = -1;

        begin();
        ck_ok(sql_int(m, &count, "SELECT count(*) FROM security_groups WHERE name = $1", "t",
                      name));
        commit();
        return count;
}

/* The bare bracket, as the audit log's refusal line uses it: the lock held, no audit. */
START_TEST(test_bare_transaction_bracket)
{
        static const char insert[] = "INSERT INTO security_groups (name, created) VALUES ($1, 0)";

        pthread_mutex_lock(&m->lock);
        ck_ok(db_begin(m, true));
        ck_assert_int_eq(sql_exec(m, insert, "t", "Kept"), 1);
        ck_ok(db_commit(m));
        ck_ok(db_begin(m, true));
        ck_assert_int_eq(sql_exec(m, insert, "t", "Dropped"), 1);
        ck_ok(db_rollback(m));
        ck_ok(db_begin(m, false));
        ck_ok(db_commit(m));
        pthread_mutex_unlock(&m->lock);
        ck_assert_int_eq(groups_named("Kept"), 1);
        ck_assert_int_eq(groups_named("Dropped"), 0);
}
END_TEST

/* The engine's failures are the database's; a malformed parameter or a refusal is not. */
START_TEST(test_database_failures_are_flagged)
{
        static const char insert[] = "INSERT INTO security_groups (name, created) VALUES ($1, 0)";
        int64_t v;

        begin();
        ck_assert_int_eq(sql_exec(m, insert, "t", "Twice"), 1);
        ck_err(sql_exec(m, insert, "t", "Twice"), EIO);
        ck_assert(model_failed_in_database());
        ck_assert_msg(strncmp(model_reason(), "database error", 14) == 0, "%s", model_reason());
        /* PostgreSQL fails every statement after an error: each failure has its transaction. */
        tx_end(m, -EIO);
        begin();
        ck_err(sql_int(m, &v, "SELECT nothing FROM nowhere", ""), EIO);
        ck_assert(model_failed_in_database());
        tx_end(m, -EIO);
        begin();
        reason_clear();
        ck_err(sql_int(m, &v, "SELECT :named", "i", (int64_t)1), EIO);
        ck_assert_msg(strstr(model_reason(), "$1") != NULL, "%s", model_reason());
        ck_assert(!model_failed_in_database());
        /* SQLite's positional `?` is refused: one SQL text serves every backend only as $N. */
        ck_err(sql_int(m, &v, "SELECT ?", "i", (int64_t)1), EIO);
        ck_assert_msg(strstr(model_reason(), "$1") != NULL, "%s", model_reason());
        ck_err(sql_int(m, &v, "SELECT ?1", "i", (int64_t)1), EIO);
        ck_assert(!model_failed_in_database());
        ck_err(sql_int(m, &v, "SELECT 1 WHERE false", ""), ENOENT);
        ck_assert(!model_failed_in_database());
        commit();
}
END_TEST

/* A call that writes `name` twice, the second write failing (names are unique). */
static int call_writing_twice(const char *name)
{
        static const char insert[] = "INSERT INTO security_groups (name, created) VALUES ($1, 0)";
        int r;

        r = tx_begin(m, true);
        if (r < 0)
                return r;
        r = sql_write(m, insert, "t", name);
        if (r >= 0)
                r = sql_write(m, insert, "t", name);
        return tx_end(m, r);
}

/*
 * A write nobody waits for counts its rows as sql_exec does, and its failure fails the call
 * whole, whichever statement or bracket reports it: nothing the call wrote is kept.
 */
START_TEST(test_write_fails_the_whole_call)
{
        int64_t before, n;

        begin();
        before = sql_changes_total(m);
        ck_ok(sql_write(m, "INSERT INTO security_groups (name, created) VALUES ('a', 1), "
                        "('b', 2)", ""));
        ck_assert_int_eq(sql_changes_total(m), before + 2);
        ck_ok(sql_int(m, &n, "SELECT count(*) FROM security_groups", ""));
        ck_assert_int_eq(n, 2);
        commit();
        reason_clear();
        ck_err(call_writing_twice("Twice"), EIO);
        ck_assert(model_failed_in_database());
        ck_assert_msg(strncmp(model_reason(), "database error", 14) == 0, "%s", model_reason());
        ck_assert_int_eq(groups_named("Twice"), 0);
}
END_TEST

/* Inside a batch, a call whose write failed is undone alone and the batch goes on. */
START_TEST(test_write_failure_undoes_its_call_in_a_batch)
{
        static const char insert[] = "INSERT INTO security_groups (name, created) VALUES ($1, 0)";

        ck_ok(model_batch_begin(m));
        ck_ok(tx_begin(m, true));
        ck_ok(tx_end(m, sql_write(m, insert, "t", "One")));
        ck_err(call_writing_twice("Two"), EIO);
        ck_ok(tx_begin(m, true));
        ck_ok(tx_end(m, sql_write(m, insert, "t", "Three")));
        ck_ok(model_batch_end(m, true));
        ck_assert_int_eq(groups_named("One"), 1);
        ck_assert_int_eq(groups_named("Two"), 0);
        ck_assert_int_eq(groups_named("Three"), 1);
}
END_TEST

START_TEST(test_collect_ids_with_repeated_parameter)
{
        int64_t *ids = NULL;
        size_t count = 0;

        begin();
        ck_assert_int_eq(sql_exec(m, "INSERT INTO security_groups (name, created) VALUES "
                                  "('a', 1), ('b', 2), ('c', 3)", ""), 3);
        ck_ok(collect_ids(m, &ids, &count, "SELECT created FROM security_groups WHERE "
                          "created = $1 OR created = $1 + 2 ORDER BY created DESC", "i",
                          (int64_t)1));
        ck_assert_uint_eq(count, 2);
        ck_assert_int_eq(ids[0], 3);
        ck_assert_int_eq(ids[1], 1);
        free(ids);
        commit();
}
END_TEST

static Suite *db_suite(void)
{
        Suite *suite = suite_create("db");
        TCase *tcase = model_tcase("db");

        tcase_add_test(tcase, test_parameter_used_twice);
        tcase_add_test(tcase, test_parameters_bound_by_number_not_position);
        tcase_add_test(tcase, test_unused_values_ignored_missing_ones_null);
        tcase_add_test(tcase, test_rebinding_clears_previous_values);
        tcase_add_test(tcase, test_null_in_and_out);
        tcase_add_test(tcase, test_column_text_truncates);
        tcase_add_test(tcase, test_reset_ends_a_result_early);
        tcase_add_test(tcase, test_insert_returns_the_new_id);
        tcase_add_test(tcase, test_exec_row_takes_another_models_row);
        tcase_add_test(tcase, test_exec_counts_changed_rows);
        tcase_add_test(tcase, test_changes_counter);
        tcase_add_test(tcase, test_bare_transaction_bracket);
        tcase_add_test(tcase, test_database_failures_are_flagged);
        tcase_add_test(tcase, test_collect_ids_with_repeated_parameter);
        tcase_add_test(tcase, test_write_fails_the_whole_call);
        tcase_add_test(tcase, test_write_failure_undoes_its_call_in_a_batch);
        suite_add_tcase(suite, tcase);
        return suite;
}

int main(void)
{
        return run_suite(db_suite());
}
