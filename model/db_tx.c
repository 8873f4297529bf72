/*
 * Transactions: the bracket every public call runs in (the model's lock, then the database
 * transaction, the audit lines and the change capture at its ends), batches and read sessions
 * that hold one transaction across many calls, each call inside them a savepoint, and the
 * model's clock, which a batch's thread may set while it holds the lock.
 */
#include <errno.h>

#include "db_backend.h"
#include "internal.h"

static bool in_own_batch(struct model *m)
{
        return m->batch_depth > 0 && pthread_equal(m->batch_owner, pthread_self());
}

time_t model_now(struct model *m)
{
        return m->fixed_now ? m->fixed_now : time(NULL);
}

void model_set_clock(struct model *m, time_t now)
{
        /* Inside its own batch or session the thread holds the lock already. */
        if (in_own_batch(m)) {
                m->fixed_now = now;
                return;
        }
        pthread_mutex_lock(&m->lock);
        m->fixed_now = now;
        pthread_mutex_unlock(&m->lock);
}

int db_begin(struct model *m, bool write)
{
        return m->backend->bracket(m->conn, write ? DB_BEGIN_WRITE : DB_BEGIN_READ);
}

int db_commit(struct model *m)
{
        return m->backend->bracket(m->conn, DB_COMMIT);
}

int db_rollback(struct model *m)
{
        return m->backend->bracket(m->conn, DB_ROLLBACK);
}

int tx_begin(struct model *m, bool write)
{
        int r;

        /* Inside its own batch a call is a savepoint: all or nothing, and the batch decides. */
        if (in_own_batch(m) && !m->batch_write) {
                reason_clear();
                if (write)
                        return refuse(-EBUSY, "a change inside a read session");
                m->batch_depth++;       /* reads nest in the session's one read transaction */
                return 0;
        }
        if (in_own_batch(m)) {
                reason_clear();
                r = m->backend->bracket(m->conn, DB_SAVEPOINT);
                if (r >= 0)
                        m->batch_depth++;
                return r;
        }
        pthread_mutex_lock(&m->lock);
        reason_clear();
        r = db_begin(m, write);
        if (r < 0)
                pthread_mutex_unlock(&m->lock);
        else
                audit_tx_begin(m, write);
        return r;
}

int tx_end(struct model *m, int r)
{
        struct model_change *taken;
        size_t taken_count;
        bool deliver;
        int end = 0;

        if (in_own_batch(m) && m->batch_depth > 1 && !m->batch_write) {
                m->batch_depth--;
                return r;
        }
        if (in_own_batch(m) && m->batch_depth > 1) {
                m->batch_depth--;
                if (r < 0)
                        m->backend->bracket(m->conn, DB_ROLLBACK_TO);
                end = m->backend->bracket(m->conn, DB_RELEASE);
                return r < 0 ? r : end < 0 ? end : r;
        }

        /* What the change moved in the service-plan rules is settled inside it. */
        if (r >= 0 && m->unsettled_count)
                r = seat_settle(m);
        m->unsettled_count = 0;
        /* The actor's line of a change goes in before COMMIT, so the two commit together. */
        if (r >= 0)
                end = audit_tx_success(m);
        if (end >= 0 && r >= 0 && m->tx_write)
                end = changes_take(m);
        if (end < 0)
                r = end;
        m->backend->reset_all(m->conn);
        if (r >= 0) {
                end = db_commit(m);
                if (end < 0) {
                        db_rollback(m);
                        r = end;
                }
        } else {
                db_rollback(m);
        }
        deliver = r >= 0 && m->tx_write && m->watch_fn;
        taken = m->taken;
        taken_count = m->taken_count;
        m->taken = NULL;
        m->taken_count = 0;
        audit_tx_end(m, r);
        pthread_mutex_unlock(&m->lock);
        /* Unlocked: the watcher may read the model to see what still exists. */
        if (deliver)
                m->watch_fn(m->watch_ctx, taken, taken_count);
        changes_free(taken, taken_count);
        return r;
}

static int session_begin(struct model *m, bool write)
{
        int r;

        /* One at a time: a nested one would end the outer one's transaction with its own. */
        if (in_own_batch(m))
                return refuse(-EBUSY, "a batch or read session of this thread is open already");
        r = tx_begin(m, write);

        if (r < 0)
                return r;
        m->batch_owner = pthread_self();
        m->batch_depth = 1;
        m->batch_write = write;
        return 0;
}

int model_batch_begin(struct model *m)
{
        return session_begin(m, true);
}

int model_read_begin(struct model *m)
{
        /* Inside the thread's own read session: a level more of the same snapshot. */
        if (in_own_batch(m) && !m->batch_write) {
                m->batch_depth++;
                return 0;
        }
        return session_begin(m, false);
}

int model_read_end(struct model *m)
{
        if (!in_own_batch(m) || m->batch_write)
                return refuse(-EINVAL, "no read session of this thread is open");
        if (m->batch_depth > 1) {
                m->batch_depth--;
                return 0;
        }
        m->batch_depth = 0;
        return tx_end(m, 0);
}

int model_batch_end(struct model *m, bool commit)
{
        int r;

        if (!in_own_batch(m))
                return refuse(-EINVAL, "no batch of this thread is open");
        m->batch_depth = 0;
        r = tx_end(m, commit ? 0 : -ECANCELED);
        return commit ? r : 0;
}
