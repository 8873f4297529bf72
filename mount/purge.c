/*
 * What the clock does, at mount and then every hour: users deleted more than 30 days ago are
 * purged, and subscriptions move to the status their end date gives (model_subscriptions_tick).
 * The thread sleeps on a condition variable so that unmounting never waits for the hour to pass.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "purge.h"

#define PURGE_INTERVAL 3600

struct purger {
        struct model *model;
        pthread_t thread;
        pthread_mutex_t lock;           /* guards stopping */
        pthread_cond_t wake;
        bool stopping;
};

static void purge_now(struct model *m)
{
        /* What it purged is licensefs's own change: the audit log has it, not the terminal. */
        if (model_purge_expired(m) < 0)
                log_line("purging deleted users failed: %s", model_reason());
        if (model_subscriptions_tick(m) < 0)
                log_line("moving subscriptions by their end dates failed: %s", model_reason());
}

static void *run(void *opaque)
{
        struct purger *p = opaque;
        struct timespec until;

        pthread_mutex_lock(&p->lock);
        while (!p->stopping) {
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_sec += PURGE_INTERVAL;
                if (pthread_cond_timedwait(&p->wake, &p->lock, &until) == ETIMEDOUT &&
                    !p->stopping) {
                        pthread_mutex_unlock(&p->lock);
                        purge_now(p->model);
                        pthread_mutex_lock(&p->lock);
                }
        }
        pthread_mutex_unlock(&p->lock);
        return NULL;
}

struct purger *purger_start(struct model *m)
{
        struct purger *p = calloc(1, sizeof(*p));

        if (!p)
                return NULL;
        p->model = m;
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->wake, NULL);
        purge_now(m);
        if (pthread_create(&p->thread, NULL, run, p) != 0) {
                pthread_cond_destroy(&p->wake);
                pthread_mutex_destroy(&p->lock);
                free(p);
                return NULL;
        }
        return p;
}

struct purger *purger_stop(struct purger *p)
{
        if (!p)
                return NULL;
        pthread_mutex_lock(&p->lock);
        p->stopping = true;
        pthread_cond_signal(&p->wake);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
}
