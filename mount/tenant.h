/*
 * Opening the tenant: the one way the program and every verb open DATABASE.
 */
#pragma once

#include "model.h"

enum {
        TENANT_CHECK_FILES = 1 << 0,    /* refuse files others could change (dbcheck) first */
        TENANT_CLOCK = 1 << 1,          /* LICENSEFS_NOW=<epoch seconds> fixes the model's clock */
        TENANT_LOG = 1 << 2,            /* say why through the daemon's log, not on stderr */
        TENANT_EXISTING = 1 << 3,       /* a missing database (file or schema) is refused */
};

/*
 * Opens (creating) the tenant at `database` into *ret (close it with model_close()). On failure
 * says why ("licensefs: DATABASE: REASON", on stderr or through log_line) and returns -errno:
 * -EPERM when the files' checks refuse it, -ENOENT for a missing tenant with TENANT_EXISTING,
 * else model_open's errno.
 */
int tenant_open(const char *database, unsigned flags, struct model **ret);
