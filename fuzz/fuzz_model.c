/*
 * libFuzzer target for the model: the input is read as a sequence of model operations (create,
 * delete, totals, usage locations, direct and group licenses, memberships, the user lifecycle,
 * plans and options, imports, batches, time passing, listings read together) over small pools
 * of names, a few of them invalid and some plans named by the service-plan rules, applied to a
 * small starting tenant. Any call may be refused with an errno, but none may crash, a refused
 * call must leave the tenant as it was (its snapshot), the tenant invariants must hold after
 * every step, listings read together must give what each gives alone, and holders' records
 * read together what each record and its listings give alone.
 *
 * With FUZZ_TRACE=1 in the environment, running the binary on one input prints the sequence as
 * C for a Check test in tests/unit/ (the fixture's `m` and clock_at(), the helpers' make_* and
 * check_invariants), which is how a crash becomes a unit test.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failure.h"
#include "name_list.h"
#include "tenant_snapshot.h"

#define T0 ((time_t)1700000000)         /* TEST_T0 of tests/unit/check_helpers.h */
#define STEPS_MAX 64

static const char *const products[] = { "P0", "P1", "P2", "" };
static const char *const subscriptions[] = { "S0", "S1", "" };
static const char *const users[] = { "u0@x.com", "u1@x.com", "u2@x.com", "u3@x.com",
                                     "u4@x.com", "nobody" };
static const char *const groups[] = { "G0", "G1", "G2", "" };
static const char *const locations[] = { "US", "DE", "", "XX", "us", "U" };
/* Names of the shipped service-plan rules among them: a conflict pair, an add-on and its need. */
static const char *const plans[] = { "A", "C", "MCOSTANDARD", "MCOMEETADV", "EXCHANGE_S_STANDARD",
                                     "EXCHANGE_S_DESKLESS", "A,B", "" };
static const int64_t counts[] = { -1, MODEL_COUNT_MAX, (int64_t)MODEL_COUNT_MAX + 1, INT64_MIN,
                                  100 };

struct input {
        const uint8_t *data;
        size_t size, pos;
};

static bool trace;
static time_t now;

static uint8_t next(struct input *in)
{
        return in->pos < in->size ? in->data[in->pos++] : 0;
}

#define PICK(in, pool) ((pool)[next(in) % COUNT(pool)])

static int64_t pick_count(struct input *in)
{
        uint8_t b = next(in);

        return b < 240 ? b % 6 : counts[(b - 240) % COUNT(counts)];
}

/* Up to 8 plan names chosen by the bits of one byte. */
static size_t pick_plans(struct input *in, const char *ret[COUNT(plans)])
{
        uint8_t mask = next(in);
        size_t count = 0;

        for (int i = 0; i < COUNT(plans); i++)
                if (mask & (1u << i))
                        ret[count++] = plans[i];
        return count;
}

/* --- the trace: each call as a line of a Check test ------------------------------------------ */

static char call_text[1024];

static void text_plans(char *out, size_t size, const char *const *names, size_t count)
{
        size_t n;

        if (count == 0) {
                snprintf(out, size, "NULL, 0");
                return;
        }
        n = (size_t)snprintf(out, size, "(const char *const[]){ ");
        for (size_t i = 0; i < count; i++)
                n += (size_t)snprintf(out + n, size - n, "%s\"%s\"", i ? ", " : "", names[i]);
        snprintf(out + n, size - n, " }, %zu", count);
}

static void report(int r)
{
        if (!trace)
                return;
        if (r >= 0)
                fprintf(stderr, "        ck_assert_int_eq(%s, %d);\n", call_text, r);
        else
                fprintf(stderr, "        ck_err(%s, %s);\n", call_text, strerrorname_np(-r));
        fprintf(stderr, "        check_invariants(m);\n");
}

#define CALL(...) snprintf(call_text, sizeof(call_text), __VA_ARGS__)

/* --- listings read together ---------------------------------------------------------------- */

/* Listings of a holder's record and of the objects around it, by a product, group and user. */
static const enum model_listing together_listings[] = {
        MODEL_LIST_PATH_GROUPS, MODEL_LIST_DIRECT_DISABLED, MODEL_LIST_EFFECTIVE_PLANS,
        MODEL_LIST_PRODUCT_HOLDERS, MODEL_LIST_GROUP_MEMBERS, MODEL_LIST_USER_LICENSES,
        MODEL_LIST_GROUP_DISABLED,
};

struct joined {
        char text[1024];
};

static int join_name(void *ctx, const char *name)
{
        struct joined *j = ctx;
        size_t len = strlen(j->text);

        snprintf(j->text + len, sizeof(j->text) - len, "%s,", name);
        return 0;
}

/* The a and b a listing takes, from a product, a group and a user. */
static void listing_names(enum model_listing listing, const char *p, const char *g,
                          const char *u, const char **a, const char **b)
{
        *a = listing == MODEL_LIST_GROUP_MEMBERS ? g : listing == MODEL_LIST_USER_LICENSES ? u : p;
        *b = listing == MODEL_LIST_GROUP_DISABLED ? g : listing == MODEL_LIST_PATH_GROUPS ||
             listing == MODEL_LIST_DIRECT_DISABLED || listing == MODEL_LIST_EFFECTIVE_PLANS ? u
                                                                              : NULL;
}

/*
 * Reads 1 to 4 listings together and fails when any differs from the same listing read alone,
 * or the whole from the first refusal alone.
 */
static int listings_together(struct model *m, struct input *in)
{
        struct model_list_request requests[4];
        struct joined together[4], alone;
        size_t count = 1 + next(in) % 4, i;
        int r, r_alone = 0;

        for (i = 0; i < count; i++) {
                enum model_listing l = together_listings[next(in) % COUNT(together_listings)];
                const char *a, *b;

                listing_names(l, PICK(in, products), PICK(in, groups), PICK(in, users), &a, &b);
                requests[i] = (struct model_list_request){ l, a, b, join_name, &together[i],
                                                           false };
                together[i].text[0] = '\0';
        }
        CALL("model_list_each(m, ... %zu listings)", count);
        r = model_list_each(m, requests, count);
        for (i = 0; i < count && r_alone >= 0; i++) {
                alone.text[0] = '\0';
                r_alone = model_list(m, requests[i].listing, requests[i].a, requests[i].b,
                                     join_name, &alone);
                if (r_alone >= 0 && strcmp(alone.text, together[i].text) != 0)
                        fuzz_fail(call_text, "listing %s of '%s', '%s' read together gave "
                                  "[%s], alone [%s]", listing_name(requests[i].listing),
                                  requests[i].a ? requests[i].a : "",
                                  requests[i].b ? requests[i].b : "", together[i].text,
                                  alone.text);
        }
        if (r != (r_alone < 0 ? r_alone : 0))
                fuzz_fail(call_text, "read together: %d, alone: %d", r, r_alone);
        return r;
}

/* --- holders' records read together --------------------------------------------------------- */

/* One holder's record as text: its seat, then each part's names in their order. */
struct record_text {
        char text[1024];
};

static void record_append(struct record_text *t, const struct model_record_row *row)
{
        size_t len = strlen(t->text);

        if (row->part == MODEL_RECORD_SEAT)
                snprintf(t->text + len, sizeof(t->text) - len, "seat %d %lld;", row->direct,
                         (long long)row->since);
        else
                snprintf(t->text + len, sizeof(t->text) - len, "%d %s;", row->part, row->name);
}

/* The records of every holder at once, by the user's place in `users` (one more: unknown). */
struct records_all {
        struct record_text of[COUNT(users) + 1];
        bool seen[COUNT(users) + 1];
        bool again;                     /* a holder's rows came in two runs */
        size_t last;
};

static size_t user_index(const char *upn)
{
        size_t i;

        for (i = 0; i < COUNT(users); i++)
                if (strcmp(users[i], upn) == 0)
                        return i;
        return COUNT(users);
}

static int record_all_row(void *ctx, const struct model_record_row *row)
{
        struct records_all *all = ctx;
        size_t i = user_index(row->upn);

        if (row->part == MODEL_RECORD_SEAT) {
                all->again |= all->seen[i];
                all->seen[i] = true;
        } else if (i != all->last) {
                all->again = true;
        }
        all->last = i;
        record_append(&all->of[i], row);
        return 0;
}

static int record_one_row(void *ctx, const struct model_record_row *row)
{
        record_append(ctx, row);
        return 0;
}

/* A holder's record as its seat and its listings give it: what the records must say. */
static int record_from_listings(struct model *m, const char *p, const char *u,
                                struct record_text *ret)
{
        static const enum model_listing parts[] = { MODEL_LIST_PATH_GROUPS,
                                                    MODEL_LIST_DIRECT_DISABLED,
                                                    MODEL_LIST_EFFECTIVE_PLANS };
        static const enum model_record_part part_of[] = { MODEL_RECORD_GROUP,
                                                          MODEL_RECORD_DISABLED,
                                                          MODEL_RECORD_PLAN };
        struct model_holder h;
        struct joined names;
        size_t i;
        int r;

        r = model_holder_get(m, p, u, &h);
        if (r < 0)
                return r;
        ret->text[0] = '\0';
        record_append(ret, &(struct model_record_row){ .upn = u, .part = MODEL_RECORD_SEAT,
                                                      .direct = h.direct, .since = h.since });
        for (i = 0; i < COUNT(parts); i++) {
                char *name, *rest;

                names.text[0] = '\0';
                r = model_list(m, parts[i], p, u, join_name, &names);
                if (r < 0)
                        return r;
                for (rest = names.text; (name = strsep(&rest, ",")) && *name;)
                        record_append(ret, &(struct model_record_row){ .upn = u,
                                                                      .part = part_of[i],
                                                                      .name = name });
        }
        return 0;
}

/*
 * Reads every holder's record of product `p` at once and fails unless each equals the holder's
 * record read alone and what its seat and listings say, and every user holding `p` is there.
 */
static int records_together(struct model *m, const char *p)
{
        struct records_all all = { .last = COUNT(users) + 1 };
        struct record_text alone, listed;
        int r, r_one;
        size_t i;

        CALL("model_holder_records(m, \"%s\")", p);
        r = model_holder_records(m, p, record_all_row, &all);
        if (r < 0)
                return r;
        if (all.again)
                fuzz_fail(call_text, "a holder's rows of %s were not together", p);
        if (all.seen[COUNT(users)])
                fuzz_fail(call_text, "a holder of %s outside the users", p);
        for (i = 0; i < COUNT(users); i++) {
                alone.text[0] = '\0';
                r_one = model_holder_record(m, p, users[i], record_one_row, &alone);
                if (r_one != (all.seen[i] ? 0 : -ENOENT))
                        fuzz_fail(call_text, "the record of %s alone: %d, together: %s", users[i],
                                  r_one, all.seen[i] ? "there" : "not there");
                if (r_one < 0)
                        continue;
                if (strcmp(alone.text, all.of[i].text) != 0)
                        fuzz_fail(call_text, "the record of %s together [%s], alone [%s]",
                                  users[i], all.of[i].text, alone.text);
                if (record_from_listings(m, p, users[i], &listed) < 0 ||
                    strcmp(listed.text, alone.text) != 0)
                        fuzz_fail(call_text, "the record of %s [%s], its listings [%s]", users[i],
                                  alone.text, listed.text);
        }
        return 0;
}

/* --- the starting tenant --------------------------------------------------------------------- */

static void setup(struct model *m)
{
        static const char *const p0_plans[] = { "A", "B", "C" };
        int r = 0;

        now = T0;
        model_set_clock(m, now);
        r |= model_product_create(m, "P0");
        r |= model_product_set_total(m, "P0", 1);
        r |= model_plans_set(m, "P0", p0_plans, 3);
        r |= model_product_create(m, "P1");
        r |= model_product_set_total(m, "P1", 2);
        for (int i = 0; i < 4; i++) {
                r |= model_user_create(m, users[i]);
                r |= model_user_set_usage_location(m, users[i], "US");
        }
        r |= model_user_create(m, "u4@x.com");
        r |= model_group_create(m, "G0");
        r |= model_member_add(m, "G0", "u0@x.com");
        r |= model_member_add(m, "G0", "u1@x.com");
        r |= model_group_create(m, "G1");
        if (r != 0)
                abort();
        if (trace)
                fprintf(stderr,
                        "        /* clock at TEST_T0 (the fixture's) */\n"
                        "        make_product(\"P0\", 1);\n"
                        "        ck_ok(model_plans_set(m, \"P0\", (const char *const[]){ \"A\", "
                        "\"B\", \"C\" }, 3));\n"
                        "        make_product(\"P1\", 2);\n"
                        "        make_user(\"u0@x.com\", \"US\");\n"
                        "        make_user(\"u1@x.com\", \"US\");\n"
                        "        make_user(\"u2@x.com\", \"US\");\n"
                        "        make_user(\"u3@x.com\", \"US\");\n"
                        "        make_user(\"u4@x.com\", NULL);\n"
                        "        make_group(\"G0\", \"u0@x.com\", \"u1@x.com\");\n"
                        "        ck_ok(model_group_create(m, \"G1\"));\n");
}

/* The tenant's snapshot; out of memory is not a finding. */
static char *snapshot(struct model *m)
{
        char *text = tenant_snapshot(m);

        if (!text)
                abort();
        return text;
}

/* --- one step -------------------------------------------------------------------------------- */

enum op {
        OP_PRODUCT_CREATE, OP_PRODUCT_DELETE, OP_SET_TOTAL, OP_SET_EXPIRING, OP_USER_CREATE,
        OP_SET_LOCATION, OP_DIRECT_ASSIGN, OP_DIRECT_REMOVE, OP_DIRECT_WITHDRAW, OP_MEMBER_ADD,
        OP_MEMBER_REMOVE, OP_GROUP_CREATE, OP_GROUP_DELETE, OP_GROUP_LICENSE_ADD,
        OP_GROUP_LICENSE_REMOVE, OP_USER_DELETE, OP_USER_RESTORE, OP_USER_PURGE, OP_PLANS_SET,
        OP_DIRECT_DISABLED, OP_GROUP_DISABLED, OP_TIME_PASSES, OP_BATCH_BEGIN, OP_BATCH_END,
        OP_DIRECT_IMPORT, OP_DIRECTORY_CLEAR, OP_LISTINGS_TOGETHER, OP_SUBSCRIPTION_CREATE,
        OP_SUBSCRIPTION_DELETE, OP_SUBSCRIPTION_SEATS, OP_SUBSCRIPTION_ENDS, OP_RECORDS_TOGETHER,
        OP_COUNT
};

static bool in_batch;

/* Moves the clock on (inside a batch too: that once deadlocked, a finding of this target). */
static void advance(struct model *m, int64_t seconds)
{
        now += seconds;
        model_set_clock(m, now);
        if (trace)
                fprintf(stderr, "        clock_at(TEST_T0 + %lld);\n", (long long)(now - T0));
}

static int step(struct model *m, struct input *in)
{
        const char *names[COUNT(plans)], *p, *u, *g;
        char list[256];
        size_t count;
        int64_t n;
        int r;

        switch ((enum op)(next(in) % OP_COUNT)) {
        case OP_PRODUCT_CREATE:
                p = PICK(in, products);
                CALL("model_product_create(m, \"%s\")", p);
                return model_product_create(m, p);
        case OP_PRODUCT_DELETE:
                p = PICK(in, products);
                CALL("model_product_delete(m, \"%s\")", p);
                return model_product_delete(m, p);
        case OP_SET_TOTAL:
                p = PICK(in, products);
                n = pick_count(in);
                CALL("model_product_set_total(m, \"%s\", %lldLL)", p, (long long)n);
                return model_product_set_total(m, p, n);
        case OP_SET_EXPIRING:
                p = PICK(in, products);
                n = pick_count(in);
                CALL("model_product_set_expiring_soon(m, \"%s\", %lldLL)", p, (long long)n);
                return model_product_set_expiring_soon(m, p, n);
        case OP_USER_CREATE:
                u = PICK(in, users);
                CALL("model_user_create(m, \"%s\")", u);
                return model_user_create(m, u);
        case OP_SET_LOCATION:
                u = PICK(in, users);
                g = PICK(in, locations);
                CALL("model_user_set_usage_location(m, \"%s\", \"%s\")", u, g);
                return model_user_set_usage_location(m, u, g);
        case OP_DIRECT_ASSIGN:
                p = PICK(in, products);
                u = PICK(in, users);
                CALL("model_direct_assign(m, \"%s\", \"%s\")", p, u);
                return model_direct_assign(m, p, u);
        case OP_DIRECT_REMOVE:
                p = PICK(in, products);
                u = PICK(in, users);
                CALL("model_direct_remove(m, \"%s\", \"%s\")", p, u);
                return model_direct_remove(m, p, u);
        case OP_DIRECT_WITHDRAW:
                p = PICK(in, products);
                u = PICK(in, users);
                CALL("model_direct_withdraw(m, \"%s\", \"%s\")", p, u);
                return model_direct_withdraw(m, p, u);
        case OP_MEMBER_ADD:
                g = PICK(in, groups);
                u = PICK(in, users);
                CALL("model_member_add(m, \"%s\", \"%s\")", g, u);
                return model_member_add(m, g, u);
        case OP_MEMBER_REMOVE:
                g = PICK(in, groups);
                u = PICK(in, users);
                CALL("model_member_remove(m, \"%s\", \"%s\")", g, u);
                return model_member_remove(m, g, u);
        case OP_GROUP_CREATE:
                g = PICK(in, groups);
                CALL("model_group_create(m, \"%s\")", g);
                return model_group_create(m, g);
        case OP_GROUP_DELETE:
                g = PICK(in, groups);
                CALL("model_group_delete(m, \"%s\")", g);
                return model_group_delete(m, g);
        case OP_GROUP_LICENSE_ADD:
                p = PICK(in, products);
                g = PICK(in, groups);
                CALL("model_group_license_add(m, \"%s\", \"%s\")", p, g);
                return model_group_license_add(m, p, g);
        case OP_GROUP_LICENSE_REMOVE:
                p = PICK(in, products);
                g = PICK(in, groups);
                CALL("model_group_license_remove(m, \"%s\", \"%s\")", p, g);
                return model_group_license_remove(m, p, g);
        case OP_USER_DELETE:
                u = PICK(in, users);
                CALL("model_user_delete(m, \"%s\")", u);
                return model_user_delete(m, u);
        case OP_USER_RESTORE:
                u = PICK(in, users);
                CALL("model_user_restore(m, \"%s\")", u);
                return model_user_restore(m, u);
        case OP_USER_PURGE:
                u = PICK(in, users);
                CALL("model_user_purge(m, \"%s\")", u);
                return model_user_purge(m, u);
        case OP_PLANS_SET:
                p = PICK(in, products);
                count = pick_plans(in, names);
                text_plans(list, sizeof(list), names, count);
                CALL("model_plans_set(m, \"%s\", %s)", p, list);
                return model_plans_set(m, p, names, count);
        case OP_DIRECT_DISABLED:
                p = PICK(in, products);
                u = PICK(in, users);
                count = pick_plans(in, names);
                text_plans(list, sizeof(list), names, count);
                CALL("model_direct_disabled_set(m, \"%s\", \"%s\", %s)", p, u, list);
                return model_direct_disabled_set(m, p, u, names, count);
        case OP_GROUP_DISABLED:
                p = PICK(in, products);
                g = PICK(in, groups);
                count = pick_plans(in, names);
                text_plans(list, sizeof(list), names, count);
                CALL("model_group_disabled_set(m, \"%s\", \"%s\", %s)", p, g, list);
                return model_group_disabled_set(m, p, g, names, count);
        case OP_TIME_PASSES:
                /*
                 * up to 63 days, in days or seconds; the purge deletes users gone 30 days, and
                 * subscriptions move by their end dates
                 */
                n = next(in);
                advance(m, n & 0x80 ? (n & 0x3f) * 86400 : n);
                CALL("model_purge_expired(m)");
                r = model_purge_expired(m);
                if (r < 0)
                        return r;
                CALL("model_subscriptions_tick(m)");
                r = model_subscriptions_tick(m);
                return r < 0 ? r : 0;
        case OP_SUBSCRIPTION_CREATE:
                p = PICK(in, products);
                g = PICK(in, subscriptions);
                CALL("model_subscription_create(m, \"%s\", \"%s\")", p, g);
                return model_subscription_create(m, p, g);
        case OP_SUBSCRIPTION_DELETE:
                p = PICK(in, products);
                g = PICK(in, subscriptions);
                CALL("model_subscription_delete(m, \"%s\", \"%s\")", p, g);
                return model_subscription_delete(m, p, g);
        case OP_SUBSCRIPTION_SEATS:
                p = PICK(in, products);
                g = PICK(in, subscriptions);
                n = pick_count(in);
                CALL("model_subscription_set_seats(m, \"%s\", \"%s\", %lldLL)", p, g,
                     (long long)n);
                return model_subscription_set_seats(m, p, g, n);
        case OP_SUBSCRIPTION_ENDS:
                /* none, or up to 127 days from now, either way */
                p = PICK(in, products);
                g = PICK(in, subscriptions);
                n = next(in);
                n = n & 0x80 ? 0 : now + ((n & 0x40) ? -1 : 1) * (n & 0x3f) * 2 * 86400;
                CALL("model_subscription_set_ends(m, \"%s\", \"%s\", %lldLL)", p, g,
                     (long long)n);
                return model_subscription_set_ends(m, p, g, (time_t)n);
        case OP_BATCH_BEGIN:
                CALL("model_batch_begin(m)");
                r = model_batch_begin(m);
                in_batch |= r == 0;
                return r;
        case OP_BATCH_END:
                n = next(in) & 1;
                CALL("model_batch_end(m, %s)", n ? "true" : "false");
                r = model_batch_end(m, n);
                in_batch &= r != 0;
                return r;
        case OP_DIRECT_IMPORT:
                p = PICK(in, products);
                u = PICK(in, users);
                count = pick_plans(in, names);
                text_plans(list, sizeof(list), names, count);
                CALL("model_direct_import(m, \"%s\", \"%s\", %s)", p, u, list);
                return model_direct_import(m, p, u, names, count);
        case OP_DIRECTORY_CLEAR:
                /* rare: it empties the directory the other steps work on */
                if (next(in) != 0xff)
                        return 0;
                CALL("model_directory_clear(m)");
                return model_directory_clear(m);
        case OP_LISTINGS_TOGETHER:
                return listings_together(m, in);
        case OP_RECORDS_TOGETHER:
                return records_together(m, PICK(in, products));
        default:
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct input in = { data, size, 0 };
        struct model *m = NULL;
        char after[1100], *before;

        static bool traced;

        /* libFuzzer may run a single input more than once: trace the first run only */
        trace = getenv("FUZZ_TRACE") != NULL && !traced;
        traced |= trace;
        in_batch = false;
        if (model_open(":memory:", &m) != 0)
                abort();
        setup(m);
        fuzz_invariants(m, "the setup");
        /* the snapshot after one step is the one before the next: only calls change it */
        before = snapshot(m);
        for (int i = 0; i < STEPS_MAX && in.pos < in.size; i++) {
                char *now_;
                int r;

                call_text[0] = '\0';
                advance(m, 1);
                r = step(m, &in);
                if (!call_text[0])
                        continue;
                if (r < -4095 || r > 1000000)
                        fuzz_fail(call_text, "returned %d", r);
                report(r);
                snprintf(after, sizeof(after), "step %d: %s = %d", i, call_text, r);
                now_ = snapshot(m);
                if (r < 0 && strcmp(before, now_) != 0)
                        fuzz_fail(after, "the refused call changed the tenant:\n%s---\n%s",
                                  before, now_);
                free(before);
                before = now_;
                fuzz_invariants(m, after);
        }
        free(before);
        if (in_batch) {
                if (model_batch_end(m, true) != 0)
                        abort();
                fuzz_invariants(m, "the closing batch end");
        }
        m = model_close(m);
        return 0;
}
