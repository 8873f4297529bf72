/*
 * libFuzzer target for the planner, fed as `licensefs plan` feeds it: the input is two
 * snapshots (licensefs's tenant, then the real one) split at the first NUL byte (none: the same
 * text twice), each imported into a scratch tenant in memory and exported again; those the
 * importer refuses end the run. The plan must then be:
 *   well formed: every batch has 1 to FORMATS_PLAN_BATCH_MAX requests with ids "1".."n",
 *     every request with a body says its Content-Type, and no request names a user or group
 *     the real tenant does not have;
 *   deterministic: planning the same two snapshots again gives the same batches;
 *   empty against itself: a tenant planned against its own export needs no request and leaves
 *     nothing out.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "snapshot.h"

static void fail(const char *what)
{
        fprintf(stderr, "\n*** %s\n", what);
        abort();
}

/* The text imported into a scratch tenant and exported again, or NULL when refused. */
static json_t *normalised(const char *data, size_t size)
{
        struct model_actor actor = { 0, "fuzz", "fuzz" };
        struct formats_snapshot_summary summary;
        struct model *m = NULL;
        json_t *root = NULL, *out = NULL;

        if (formats_snapshot_parse(data, size, NULL, &root) < 0)
                return NULL;
        if (model_open(":memory:", &m) >= 0 &&
            formats_snapshot_import(m, root, false, &actor, NULL, &summary) >= 0 &&
            formats_snapshot_export(m, &out) < 0)
                fail("a tenant just imported could not be exported");
        model_close(m);
        json_decref(root);
        return out;
}

/* The id a Graph URL names after /users/ or /groups/, in ret. */
static void url_id(const char *url, const char *kind, char *ret, size_t size)
{
        const char *p = strstr(url, kind), *end;

        ret[0] = '\0';
        if (!p)
                return;
        p += strlen(kind);
        end = strchr(p, '/');
        snprintf(ret, size, "%.*s", (int)(end ? (size_t)(end - p) : strlen(p)), p);
}

static bool has_id(json_t *list, const char *id)
{
        json_t *entry;
        size_t i;

        json_array_foreach(list, i, entry)
                if (strcmp(json_string_value(json_object_get(entry, "id")), id) == 0)
                        return true;
        return false;
}

static void check_batches(json_t *batches, json_t *have)
{
        json_t *batch, *request;
        char id[64], expected[16];
        size_t i, j;

        json_array_foreach(batches, i, batch) {
                json_t *requests = json_object_get(batch, "requests");

                if (json_array_size(requests) < 1 ||
                    json_array_size(requests) > FORMATS_PLAN_BATCH_MAX)
                        fail("a batch with no request or more than Graph takes");
                json_array_foreach(requests, j, request) {
                        const char *url = json_string_value(json_object_get(request, "url"));

                        snprintf(expected, sizeof(expected), "%zu", j + 1);
                        if (strcmp(json_string_value(json_object_get(request, "id")), expected))
                                fail("request ids are not 1..n in their batch");
                        if (json_object_get(request, "body") &&
                            !json_object_get(json_object_get(request, "headers"),
                                             "Content-Type"))
                                fail("a request with a body and no Content-Type");
                        url_id(url, "/users/", id, sizeof(id));
                        if (id[0] && !has_id(json_object_get(have, "users"), id))
                                fail("a request names a user the tenant does not have");
                        url_id(url, "/groups/", id, sizeof(id));
                        if (id[0] && !has_id(json_object_get(have, "groups"), id))
                                fail("a request names a group the tenant does not have");
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *text = (const char *)data, *nul = memchr(data, '\0', size);
        size_t want_size = nul ? (size_t)(nul - text) : size;
        json_t *want, *have = NULL, *batches = NULL, *again = NULL, *self = NULL;
        struct formats_plan_summary summary, summary_again;

        want = normalised(text, want_size);
        if (want)
                have = nul ? normalised(nul + 1, size - want_size - 1) : json_incref(want);
        if (!want || !have)
                goto out;
        if (formats_plan(want, have, NULL, &batches, &summary) < 0 ||
            formats_plan(want, have, NULL, &again, &summary_again) < 0 ||
            formats_plan(want, want, NULL, &self, &summary_again) < 0)
                goto out;       /* out of memory */
        check_batches(batches, have);
        if (!json_equal(batches, again))
                fail("the same two snapshots gave two plans");
        if (json_array_size(self) != 0 || summary_again.not_planned != 0)
                fail("a tenant planned against itself needs requests or leaves something out");
        if ((int)json_array_size(batches) != summary.batches)
                fail("the summary counts other batches than the plan has");
out:
        json_decref(want);
        json_decref(have);
        json_decref(batches);
        json_decref(again);
        json_decref(self);
        return 0;
}
