/*
 * The fuzz targets' form of the tenant invariant checker of tests/common/invariants.h (the one
 * the Check unit tests use too): a broken invariant is a bug, so fuzz_invariants() prints which
 * one, with the names involved, and aborts, so that libFuzzer keeps the input as a crash.
 */
#pragma once

#include "model.h"

/* Checks every invariant of the tenant; returns only when all hold. */
void fuzz_invariants(struct model *m, const char *after);

/* Aborts with a message (printf format) naming the step `after`. */
void fuzz_fail(const char *after, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
