/*
 * The invariants of a tenant's seats, paths, groups, deleted users and options, read through
 * the public model API only (model.h's getters and listings, no SQL), so that they check any
 * storage backend of the model alike. One checker serves the Check unit tests
 * (check_invariants(), ck_step()) and the fuzz targets (fuzz_invariants()); it depends on
 * neither: it describes the first broken invariant, and each turns that into a failure of its
 * own kind. The rules are listed, in words, in invariants.c.
 */
#pragma once

#include <stddef.h>

#include "model.h"

/*
 * Checks every invariant of the tenant. Returns NULL when all hold; otherwise writes
 * "RULE: DETAILS" about the first broken one into why (size bytes) and returns why. A listing
 * or getter that fails where it must not, or running out of memory, is a broken invariant too.
 */
const char *tenant_broken_invariant(struct model *model, char *why, size_t size);
