/*
 * What each committed change touched, for a cache that must forget it (licensefs keeps the
 * kernel's entry and attribute caches, and must invalidate them). The backend captures it
 * (db_backend.h): every table a change can write reports the names it touched as rows of the
 * change's own transaction, so a rolled-back change reports nothing and no code path that
 * writes can forget to report. tx_end takes the rows before COMMIT and hands them to the
 * watcher after the model is unlocked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_backend.h"
#include "internal.h"

int model_watch(struct model *m, model_watch_fn fn, void *ctx)
{
        int r;

        r = tx_begin(m, true);
        if (r >= 0 && fn && !m->watching) {
                r = m->backend->capture_start(m->conn);
                if (r >= 0)
                        m->watching = true;
        }
        /* Set under the lock that tx_end reads them under. */
        if (r >= 0) {
                m->watch_fn = fn;
                m->watch_ctx = ctx;
        }
        r = tx_end(m, r);
        return r < 0 ? r : 0;
}

/* Called inside the write transaction, before COMMIT: moves the rows into m->taken. */
int changes_take(struct model *m)
{
        struct model_change *list = NULL, *grown;
        size_t count = 0, size = 0;
        struct sql_stmt *s;
        int r;

        if (!m->watching)
                return 0;
        r = sql_prepare(m, &s, m->backend->capture_read, "");
        while (r >= 0 && (r = sql_step(s)) > 0) {
                const char *a = column_string(s, 1);
                const char *b = column_string(s, 2);

                if (count == size) {
                        size = size ? 2 * size : 16;
                        grown = realloc(list, size * sizeof(*list));
                        if (!grown) {
                                r = refuse(-ENOMEM, "out of memory");
                                break;
                        }
                        list = grown;
                }
                list[count].kind = (enum model_change_kind)column_int64(s, 0);
                list[count].a = strdup(a ? a : "");
                list[count].b = strdup(b ? b : "");
                count++;
                if (!list[count - 1].a || !list[count - 1].b)
                        r = refuse(-ENOMEM, "out of memory");
        }
        if (r >= 0)
                r = sql_exec(m, m->backend->capture_clear, "");
        if (r < 0) {
                changes_free(list, count);
                return r;
        }
        changes_free(m->taken, m->taken_count);
        m->taken = list;
        m->taken_count = count;
        return 0;
}

void changes_free(struct model_change *list, size_t count)
{
        size_t i;

        for (i = 0; i < count; i++) {
                free((char *)list[i].a);
                free((char *)list[i].b);
        }
        free(list);
}

/* A number that changes when another connection commits to the database. */
static int data_version(struct model *m, int64_t *ret)
{
        int r;

        r = tx_begin(m, false);
        if (r >= 0)
                r = m->backend->data_version(m->conn, ret);
        return tx_end(m, r);
}

/* A backend that can only say "something changed": its data_version, looked at after a wait. */
static int others_polled(struct model *m, int timeout_ms, model_watch_fn fn, void *ctx)
{
        static const struct model_change everything = { MODEL_CHANGE_ALL, "", "" };
        struct timespec wait = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
        int64_t version;
        int r;

        if (!m->others_polled) {
                r = data_version(m, &m->others_version);
                if (r < 0)
                        return r;
                m->others_polled = true;
        }
        while (nanosleep(&wait, &wait) < 0 && errno == EINTR)
                ;
        r = data_version(m, &version);
        if (r < 0 || version == m->others_version)
                return r < 0 ? r : 0;
        m->others_version = version;
        fn(ctx, &everything, 1);
        return 1;
}

int model_others_wait(struct model *m, int timeout_ms, model_watch_fn fn, void *ctx)
{
        struct model_change *list = NULL;
        size_t count = 0;
        int r;

        if (!m->backend->watch_wait)
                return others_polled(m, timeout_ms, fn, ctx);
        /* The watch's own connection: no lock of the model's is needed or held. */
        if (!m->watch) {
                r = m->backend->watch_open(m->target, m->conn, &m->watch);
                if (r < 0)
                        return r;
        }
        r = m->backend->watch_wait(m->watch, timeout_ms, &list, &count);
        if (r > 0)
                fn(ctx, list, count);
        changes_free(list, count);
        return r;
}
