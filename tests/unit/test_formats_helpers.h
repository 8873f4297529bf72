/*
 * Shared by the Check suites of the formats layer: a report that keeps every finding as text
 * (one a line: `KIND PATH: message`, or `KIND LINE[:COLUMN]: message` without a path) and
 * counts progress, a fresh directory for database files, and running a step while no file may
 * grow (a database that fails in the database).
 */
#pragma once

#include <stddef.h>

#include <jansson.h>

#include "formats.h"

struct findings {
        char text[4096];
        size_t len, calls;              /* of diag */
        size_t progress_calls, last_done, last_total;
};

/* A report into `f` (zeroed first by the caller), with progress. */
struct formats_report findings_report(struct findings *f);

/* The fixture: a new directory per test, and the path of a database file in it. */
extern char formats_dir[64], formats_db_path[128];
void formats_dir_setup(void);
void formats_dir_teardown(void);

/* Runs step(ctx) while no file may grow past 1 byte (SIGXFSZ ignored); returns its result. */
int without_growth(int (*step)(void *ctx), void *ctx);

/* The test's own JSON text, parsed (a key twice refused); the test fails if it is not JSON. */
json_t *test_json(const char *text);
