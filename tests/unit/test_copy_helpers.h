/*
 * What the Check suite of model_copy compares with: a rich tenant built through the public API,
 * and the ways two tenants are held to be the same (every row of every table the copy knows,
 * the model's view, the export, the audit log).
 */
#pragma once

#include "model.h"

/* A model opened at `path` (test_target_named); fails the test when it cannot be. */
struct model *open_model(const char *path);
/* A model of a fresh, empty tenant (test_target_new). */
struct model *open_model_fresh(void);
/* Sets this thread's actor: uid 1000, `op` on `object`. */
void act(const char *op, const char *object);
/*
 * Fills the fixture's model `m` with the rich tenant: plans, skuIds and options; users with
 * object ids, one deleted in its purge window; groups joined in a known order; direct and
 * inherited seats; waiters through a group and directly; audit lines of actors (a refusal
 * too) and of licensefs's own processing. The clock ends at TEST_T0 + 240.
 */
void build_rich(void);
/* Every row of every table copy_tables names, one line a row; the caller frees it. */
char *table_rows(struct model *mm);
/* The export as `licensefs export` writes it, and the whole audit log; freed by the caller. */
char *export_text(struct model *mm);
char *audit_text(struct model *mm);
/* Fails naming the first line where a and b differ; frees both. */
void ck_same_text(const char *what, char *a, char *b);
/* What two tenants show is the same: the model's view, export and audit log, the invariants. */
void ck_same_shown(struct model *a, struct model *b);
/* That, and every row of every table the same. */
void ck_same_tenant(struct model *a, struct model *b);
