/*
 * A text rendering of everything the model shows of a tenant, to prove that a refused change
 * changed nothing: compare the snapshots before and after. Read through the public model API
 * only, like the invariant checker, and free of Check, so the unit tests and the fuzz targets
 * share it.
 */
#pragma once

#include "model.h"

/*
 * The snapshot: the tenant's attributes and object id; every product with its counts, plans
 * (and their GUIDs), holders and waiters (with their paths and options), licensed groups (with
 * their options); every user with its attributes, object id, licenses, waits, groups, and per
 * product its direct options and effective plans; every deleted user with its suspended seats,
 * their paths and options, and inactive memberships; every group with its members, licenses
 * and waiters; and the listings in name, creation and join order. Not the audit log: a refusal
 * writes its own line there. Returns the text (the caller frees it), NULL when out of memory.
 */
char *tenant_snapshot(struct model *model);
