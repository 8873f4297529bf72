/*
 * Broken invariants and failed checks of the fuzz targets become aborts (see failure.h); the
 * rules themselves are tests/common/invariants.c's.
 */
#include "failure.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "invariants.h"

void fuzz_fail(const char *after, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "\n*** invariant broken after %s: ", after);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n");
        abort();
}

void fuzz_invariants(struct model *m, const char *after)
{
        char why[1024];
        const char *broken = tenant_broken_invariant(m, why, sizeof(why));

        if (broken)
                fuzz_fail(after, "%s", broken);
}
