/*
 * The one opening of the tenant for the mount and every verb: the checks of who else could
 * change the database (dbcheck.c), the model, the test clock, and the one message when it
 * cannot be opened, which the program turns into exit status 3.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbcheck.h"
#include "dbname.h"
#include "log.h"
#include "tenant.h"

static void say(const char *database, unsigned flags, const char *why)
{
        if (flags & TENANT_LOG)
                log_line("%s: %s", database, why);
        else
                fprintf(stderr, "licensefs: %s: %s\n", database, why);
}

int tenant_open(const char *database, unsigned flags, struct model **ret)
{
        struct model *m = NULL;
        const char *now = getenv("LICENSEFS_NOW");
        int r;

        /* A URI names a server's database, which the server says is missing or not. */
        if ((flags & TENANT_EXISTING) && !dbname_is_uri(database) &&
            access(database, F_OK) < 0) {
                r = -errno;
                say(database, flags, strerror(-r));
                return r;
        }
        /* On a server, access is the server's roles: there are no files to check. */
        if ((flags & TENANT_CHECK_FILES) && !dbname_is_uri(database)) {
                r = dbcheck(database);
                if (r < 0)
                        return r;       /* dbcheck said why */
        }
        r = flags & TENANT_EXISTING ? model_open_existing(database, &m)
                                    : model_open(database, &m);
        if (r < 0) {
                say(database, flags, model_reason()[0] ? model_reason() : strerror(-r));
                return r;
        }
        /* For tests of time-driven rules, such as the purge of users deleted 30 days ago. */
        if ((flags & TENANT_CLOCK) && now && *now)
                model_set_clock(m, (time_t)strtoll(now, NULL, 10));
        *ret = m;
        return 0;
}
