/*
 * The hourly purge of users deleted more than 30 days ago, on a thread of its own.
 */
#pragma once

#include "model.h"

struct purger;

/* Purges once now, then starts the hourly thread. Returns NULL when the thread cannot start. */
struct purger *purger_start(struct model *m);
/* Stops and joins the thread; accepts NULL; returns NULL. */
struct purger *purger_stop(struct purger *p);
