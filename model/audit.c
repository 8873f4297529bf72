/*
 * The audit log: one line per change and per refusal made by an actor (a caller of the tree),
 * and per step of licensefs's own processing, kept in the audit table so that it survives
 * remounts, and bounded. The transaction bracket writes the actor's lines: a change's line
 * inside its transaction, so the two commit together, and a refusal's line after the rollback,
 * in a small transaction of its own. The log's bytes are the retained lines; every row keeps
 * the byte offset of its line in the whole log (`start`, the previous line's start + len) and
 * the line's length, so the size takes two lookups and a read at any offset one index lookup
 * plus the lines it returns. A line is rendered from its row the same way when it is added
 * (for its length) and when it is read.
 *
 * Objects are paths of the tree as used, so the lines of licensefs's own processing write
 * names the way the tree does (model_name_encode: '%' as %25, '/' as %2F). Control bytes in
 * objects and reasons are written \xNN, so that one line is always one event and a tab always
 * separates fields.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PATH_BYTES 4096                  /* the longest path the kernel passes, with its NUL */
#define OBJECT_MAX (4 * PATH_BYTES)      /* an escaped object, with its NUL */
#define REASON_MAX 2048                  /* an escaped reason (reasons are < 512 bytes) */
#define LINE_MAX_BYTES (OBJECT_MAX + REASON_MAX + 128)
#define PRUNE_BATCH_MAX 1000

static __thread struct model_actor thread_actor;
static __thread bool thread_has_actor;
static __thread bool thread_audited;     /* a line for the actor's call is committed */

void model_set_actor(const struct model_actor *actor)
{
        thread_has_actor = actor != NULL;
        if (actor)
                thread_actor = *actor;
        thread_audited = false;
}

/* --- lines ------------------------------------------------------------------------------------ */

struct line {
        time_t time;
        int64_t uid;                    /* -1: licensefs itself (NULL in the table) */
        const char *op, *object, *result, *reason;     /* object and reason escaped */
};

/* Renders the line into buf (size bytes; NULL, 0 to measure); returns its length. */
static int line_format(char *buf, size_t size, const struct line *l)
{
        char when[MODEL_TIME_MAX], uid[24] = "-";

        model_time_format(l->time, when);
        if (l->uid >= 0)
                snprintf(uid, sizeof(uid), "%lld", (long long)l->uid);
        return snprintf(buf, size, "%s\t%s\t%s\t%s\t%s%s%s\n", when, uid, l->op, l->object,
                        l->result, l->reason[0] ? "\t" : "", l->reason);
}

/* n, less a UTF-8 sequence that text[0..n) ends inside of (a text cut short to fit). */
static size_t utf8_whole(const char *text, size_t n)
{
        size_t i = n, tail = 0, need;
        unsigned char lead;

        while (i > 0 && tail < 3 && ((unsigned char)text[i - 1] & 0xc0) == 0x80) {
                i--;
                tail++;
        }
        if (i == 0)
                return n;
        lead = (unsigned char)text[i - 1];
        need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
        return lead >= 0xc0 && tail < need ? i - 1 : n;
}

/*
 * Appends text to out (size bytes, n used) with control bytes as \xNN. Stops before an escape
 * that does not fit; returns the new n.
 */
static size_t escape(const char *text, char *out, size_t size, size_t n)
{
        static const char hex[] = "0123456789abcdef";

        for (; *text; text++) {
                unsigned char c = (unsigned char)*text;
                bool control = c < 0x20 || c == 0x7f;

                if (n + (control ? 4 : 1) >= size)
                        break;
                if (!control) {
                        out[n++] = (char)c;
                        continue;
                }
                out[n++] = '\\';
                out[n++] = 'x';
                out[n++] = hex[c >> 4];
                out[n++] = hex[c & 0xf];
        }
        /* A line is UTF-8 (a server refuses anything else), even when the text was cut. */
        n = utf8_whole(out, n);
        out[n] = '\0';
        return n;
}

/* Appends a name as the tree writes it in a path, its control bytes escaped as above. */
static size_t escape_name(const char *name, char *out, size_t size, size_t n)
{
        char encoded[3 * MODEL_NAME_MAX + 1];

        /* Names are checked to fit; one that would not is written as it is. */
        if (model_name_encode(name, encoded, sizeof(encoded)) < 0)
                return escape(name, out, size, n);
        return escape(encoded, out, size, n);
}

/* Lines are added in batches of up to a tenth of the limit between two prunings. */
static int64_t prune_batch(const struct model *m)
{
        int64_t batch = m->audit_limit / 10;

        return batch < 1 ? 1 : batch > PRUNE_BATCH_MAX ? PRUNE_BATCH_MAX : batch;
}


/* Adds a line of time `when` inside the open write transaction. uid -1: licensefs itself. */
static int line_insert_at(struct model *m, time_t when, int64_t uid, const char *op,
                          const char *object, const char *result, const char *reason)
{
        char escaped_object[OBJECT_MAX], escaped_reason[REASON_MAX];
        struct line l = { when, uid, op, escaped_object, result, escaped_reason };
        int r;

        escape(object ? object : "", escaped_object, sizeof(escaped_object), 0);
        escape(reason ? reason : "", escaped_reason, sizeof(escaped_reason), 0);
        /*
         * The line starts where the newest ends: read and written in one statement. VALUES,
         * not INSERT ... SELECT: SQLite copies a SELECT that reads the table it fills into a
         * temporary table first, which cost more than the rest of the insert.
         */
        r = sql_write(m, "INSERT INTO audit (time, uid, op, object, result, reason, start, "
                      "len) VALUES (CAST($1 AS BIGINT), nullif(CAST($2 AS BIGINT), -1), "
                      "CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS TEXT), CAST($6 AS TEXT), "
                      "coalesce((SELECT start + len FROM audit ORDER BY id DESC LIMIT 1), "
                      "0), CAST($7 AS BIGINT))", "iitttti",
                      (int64_t)l.time, uid, op, l.object, result, l.reason,
                      (int64_t)line_format(NULL, 0, &l));
        /*
         * Pruned when the new line's id closes a batch: by id, so the batches hold across
         * remounts and other writers, and in SQL, so adding a line waits for nothing.
         */
        if (r >= 0)
                r = sql_write(m, "DELETE FROM audit WHERE (SELECT max(id) FROM audit) % $1 = 0 "
                              "AND id <= (SELECT max(id) FROM audit) - $2", "ii",
                              prune_batch(m), m->audit_limit);
        return r;
}

/* The same, made now. */
static int line_insert(struct model *m, int64_t uid, const char *op, const char *object,
                       const char *result, const char *reason)
{
        return line_insert_at(m, model_now(m), uid, op, object, result, reason);
}

/* --- lines owed while the database could not be reached ---------------------------------- */

static void owed_free(struct owed_line *l)
{
        free(l->op);
        free(l->object);
        free(l->result);
        free(l->reason);
}

/* Keeps a refusal's line the database could not take, to write it when it can. */
static void owe(struct model *m, int64_t uid, const char *op, const char *object,
                const char *result, const char *reason)
{
        struct owed_line l = { model_now(m), uid, strdup(op ? op : ""),
                               strdup(object ? object : ""), strdup(result), strdup(reason) };

        if (m->owed_count == AUDIT_OWED_MAX || !l.op || !l.object || !l.result || !l.reason) {
                owed_free(&l);
                m->owed_dropped++;
                return;
        }
        m->owed[m->owed_count++] = l;
}

/* Writes the owed lines, oldest first, into the open write transaction. */
static int owed_write(struct model *m)
{
        char reason[128];
        size_t i;
        int r = 0;

        for (i = 0; i < m->owed_count && r >= 0; i++)
                r = line_insert_at(m, m->owed[i].time, m->owed[i].uid, m->owed[i].op,
                                   m->owed[i].object, m->owed[i].result, m->owed[i].reason);
        if (r >= 0 && m->owed_dropped > 0) {
                snprintf(reason, sizeof(reason), "%lld more refused calls while the database "
                         "could not be reached", (long long)m->owed_dropped);
                r = line_insert(m, -1, "audit", "/audit", "info", reason);
        }
        if (r >= 0)
                m->owed_written = m->owed_count;
        return r;
}

/* The transaction that wrote the owed lines ended: committed, they are owed no more. */
static void owed_settle(struct model *m, bool committed)
{
        size_t i;

        if (committed && m->owed_written > 0) {
                for (i = 0; i < m->owed_written; i++)
                        owed_free(&m->owed[i]);
                memmove(m->owed, m->owed + m->owed_written,
                        (m->owed_count - m->owed_written) * sizeof(m->owed[0]));
                m->owed_count -= m->owed_written;
                m->owed_dropped = 0;
        }
        m->owed_written = 0;
}

void audit_owed_free(struct model *m)
{
        size_t i;

        for (i = 0; i < m->owed_count; i++)
                owed_free(&m->owed[i]);
        m->owed_count = 0;
}

/* The errno's name ("ENOSPC"), or its number when it has none. */
static const char *errno_name(int err, char buf[16])
{
        const char *name = strerrorname_np(-err);

        if (name)
                return name;
        snprintf(buf, 16, "%d", -err);
        return buf;
}

/* --- the actor's lines ------------------------------------------------------------------------ */

static int actor_line(struct model *m, const char *result, const char *reason)
{
        int r = line_insert(m, thread_actor.uid, thread_actor.op, thread_actor.object, result,
                            reason);

        if (r >= 0)
                m->tx_actor_line = true;
        return r;
}

void audit_tx_begin(struct model *m, bool write)
{
        m->tx_write = write;
        m->tx_changes = sql_changes_total(m);
        m->tx_actor_line = false;
}

int audit_tx_success(struct model *m)
{
        bool ok_line;
        int r = 0;

        if (!m->tx_write)
                return 0;
        /* Whether the call changed anything, before the owed lines change the count. */
        ok_line = thread_has_actor && !m->tx_actor_line &&
                  sql_changes_total(m) != m->tx_changes;
        if (m->owed_count > 0 || m->owed_dropped > 0)
                r = owed_write(m);
        return r < 0 || !ok_line ? r : actor_line(m, "ok", "");
}

/*
 * The refusal line in a transaction of its own, the lock held and no transaction open; it
 * keeps the calling thread's reason, which the caller still reports.
 */
static int refusal_line(struct model *m, int err, const char *reason)
{
        char kept[512], why[512], name[16];
        int r;

        snprintf(kept, sizeof(kept), "%s", model_reason());
        snprintf(why, sizeof(why), "%s", reason && reason[0] ? reason : strerror(-err));
        r = db_begin(m, true);
        if (r >= 0) {
                if (m->owed_count > 0 || m->owed_dropped > 0)
                        r = owed_write(m);
                if (r >= 0)
                        r = line_insert(m, thread_actor.uid, thread_actor.op,
                                        thread_actor.object, errno_name(err, name), why);
                if (r >= 0)
                        r = db_commit(m);
                if (r < 0)
                        db_rollback(m);
        }
        owed_settle(m, r >= 0);
        /* A database that cannot take the line now (unreachable) gets it later, once. */
        if (r < 0 && model_failed_in_database()) {
                owe(m, thread_actor.uid, thread_actor.op, thread_actor.object,
                    errno_name(err, name), why);
                thread_audited = true;
        }
        if (r >= 0)
                thread_audited = true;
        refuse(0, "%s", kept);
        return r;
}

void audit_tx_end(struct model *m, int r)
{
        owed_settle(m, r >= 0);
        if (!m->tx_write || !thread_has_actor)
                return;
        if (r >= 0)
                thread_audited = thread_audited || m->tx_actor_line;
        else
                refusal_line(m, r, model_reason());
        m->tx_write = false;
}

int model_audit_refusal(struct model *m, int err, const char *reason)
{
        int r;

        if (!thread_has_actor || thread_audited)
                return 0;
        pthread_mutex_lock(&m->lock);
        r = refusal_line(m, err, reason);
        pthread_mutex_unlock(&m->lock);
        return r;
}

/* --- licensefs's own lines -------------------------------------------------------------------- */

int audit_info(struct model *m, const char *op, const char *object, const char *reason)
{
        int r = 0;

        if (thread_has_actor && !m->tx_actor_line)
                r = actor_line(m, "ok", "");
        return r < 0 ? r : line_insert(m, -1, op, object, "info", reason);
}

int audit_seat(struct model *m, int64_t product, int64_t user, bool granted, const char *fmt,
               ...)
{
        char object[3 * 2 * (MODEL_NAME_MAX + 1) + 32], sku[MODEL_NAME_MAX + 1],
                upn[MODEL_NAME_MAX + 1], reason[512];
        struct sql_stmt *s;
        va_list ap;
        size_t n;
        int r;

        r = sql_prepare(m, &s, "SELECT p.sku, u.upn FROM products p, users u WHERE p.id = $1 "
                        "AND u.id = $2", "ii", product, user);
        if (r >= 0)
                r = sql_step(s);
        if (r == 0)
                r = refuse(-EIO, "product %lld or user %lld vanished", (long long)product,
                           (long long)user);
        if (r < 0)
                return r;
        column_text(s, 0, sku, sizeof(sku));
        column_text(s, 1, upn, sizeof(upn));
        sql_reset(s);
        n = escape("/products/", object, sizeof(object), 0);
        n = escape_name(sku, object, sizeof(object), n);
        n = escape(granted ? "/users/" : "/errors/", object, sizeof(object), n);
        escape_name(upn, object, sizeof(object), n);
        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        return audit_info(m, granted ? "grant" : "queue", object, reason);
}

int audit_user(struct model *m, const char *op, const char *dir, int64_t user,
               const char *reason)
{
        char object[3 * (MODEL_NAME_MAX + 1) + 64], upn[MODEL_NAME_MAX + 1];
        int r;

        r = sql_text(m, upn, sizeof(upn), "SELECT upn FROM users WHERE id = $1", "i", user);
        if (r < 0)
                return r;
        escape_name(upn, object, sizeof(object), escape(dir, object, sizeof(object), 0));
        return audit_info(m, op, object, reason);
}

/* --- the limit, the size and reading ---------------------------------------------------------- */

static int set_limit(struct model *m, int64_t lines)
{
        m->audit_limit = lines;
        return sql_write(m, "DELETE FROM audit WHERE id <= (SELECT max(id) FROM audit) - $1", "i",
                         lines);
}

int model_set_audit_limit(struct model *m, int64_t lines)
{
        if (lines < 1)
                return refuse(-EINVAL, "the audit log keeps at least 1 line");
        return WRITE_TX(m, set_limit(m, lines));
}

/*
 * The id of the line holding offset `pos` (at least the first line's start), without an index
 * of offsets: they grow with ids, so a binary search over the ids finds it in about log2(lines)
 * lookups by id, in one statement (one round trip on a server). Ids may have gaps (purged
 * lines): a probe takes the first line at or after the middle. Invariant: lo is a line that
 * starts at or before pos, and every line after hi starts after it.
 */
#define LINE_PROBE(what) "(SELECT " what " FROM audit WHERE id >= (lo + hi + 1) / 2 ORDER BY " \
        "id LIMIT 1)"
#define LINE_AT_SQL(pos)                                                                       \
        "WITH RECURSIVE search (lo, hi) AS (SELECT (SELECT min(id) FROM audit), (SELECT "      \
        "max(id) FROM audit) UNION ALL SELECT CASE WHEN " LINE_PROBE("start") " <= " pos       \
        " THEN " LINE_PROBE("id") " ELSE lo END, CASE WHEN " LINE_PROBE("start") " <= " pos    \
        " THEN hi ELSE (lo + hi + 1) / 2 - 1 END FROM search WHERE lo < hi) SELECT lo FROM "   \
        "search WHERE lo >= hi"

/* The offset in the whole log of the first retained line; -ENOENT when there is none. */
static int first_start(struct model *m, int64_t *ret)
{
        return sql_int(m, ret, "SELECT start FROM audit ORDER BY id LIMIT 1", "");
}

static int audit_size(struct model *m, int64_t *ret)
{
        int64_t first, end;
        int r;

        r = first_start(m, &first);
        if (r == -ENOENT) {
                *ret = 0;
                return 0;
        }
        if (r >= 0)
                r = sql_int(m, &end, "SELECT start + len FROM audit ORDER BY id DESC LIMIT 1", "");
        if (r < 0)
                return r;
        *ret = end - first;
        return 0;
}

int model_audit_size(struct model *m, int64_t *ret)
{
        return READ_TX(m, audit_size(m, ret));
}

/* Renders the current row of s (see audit_read) into buf; -EIO when its length is not len. */
static int row_line(struct sql_stmt *s, char *buf, size_t size)
{
        struct line l = {
                .time = column_int64(s, 0),
                .uid = column_is_null(s, 1) ? -1 : column_int64(s, 1),
                .op = column_string(s, 2),
                .object = column_string(s, 3),
                .result = column_string(s, 4),
                .reason = column_string(s, 5),
        };
        int len;

        if (!l.op || !l.object || !l.result || !l.reason)
                return refuse(-ENOMEM, "out of memory");
        len = line_format(buf, size, &l);
        if (len != column_int64(s, 7) || (size_t)len >= size)
                return refuse(-EIO, "audit line at %lld is not %lld bytes long",
                              (long long)column_int64(s, 6),
                              (long long)column_int64(s, 7));
        return len;
}

static int audit_read(struct model *m, char *buf, size_t size, int64_t offset)
{
        struct sql_stmt *s = NULL;
        int64_t pos, skip;
        size_t n = 0, piece;
        char *line = NULL;
        int len, r;

        r = first_start(m, &pos);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        pos += offset;
        line = malloc(LINE_MAX_BYTES);
        if (!line)
                return refuse(-ENOMEM, "out of memory");
        r = sql_prepare(m, &s, "SELECT time, uid, op, object, result, reason, start, len "
                        "FROM audit WHERE id >= (" LINE_AT_SQL("$1") ") ORDER BY id", "i", pos);
        while (r >= 0 && n < size && (r = sql_step(s)) > 0) {
                len = r = row_line(s, line, LINE_MAX_BYTES);
                if (r < 0)
                        break;
                /* Lines are contiguous: only the line holding pos starts before it. */
                skip = pos - column_int64(s, 6);
                if (skip < 0 || skip >= len)
                        continue;       /* pos is at the end of the log */
                piece = (size_t)(len - skip) < size - n ? (size_t)(len - skip) : size - n;
                memcpy(buf + n, line + skip, piece);
                n += piece;
                pos += (int64_t)piece;
        }
        sql_reset(s);                   /* when filled before the last row */
        free(line);
        return r < 0 ? r : (int)n;
}

int model_audit_read(struct model *m, char *buf, size_t size, int64_t offset)
{
        if (offset < 0)
                return refuse(-EINVAL, "a negative offset");
        if (size > 1 << 30)
                size = 1 << 30;         /* the count must fit the int returned */
        return READ_TX(m, audit_read(m, buf, size, offset));
}
