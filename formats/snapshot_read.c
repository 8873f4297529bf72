/*
 * The snapshot importer's reading of values: the findings it reports (each value named by its
 * JSON path, `$.users[3].usageLocation`), the JSON text itself, and the readers of text, GUIDs,
 * counts, lists and objects that every part of the import uses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "snapshot.h"
#include "snapshot_values.h"

/* --- findings ------------------------------------------------------------------------------ */

int snap_refused(const struct formats_report *report, const char *path, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        formats_vdiag(report, FORMATS_REFUSED, 0, 0, path, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

void snap_warn(const struct formats_report *report, const char *path, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        formats_vdiag(report, FORMATS_WARNING, 0, 0, path, fmt, ap);
        va_end(ap);
}

int snap_database_failed(const struct formats_report *report, int r)
{
        formats_diag(report, FORMATS_DATABASE, 0, 0, NULL, "%s",
                     model_reason()[0] ? model_reason() : strerror(-r));
        return r;
}

int snap_model_failed(const struct formats_report *report, const char *path, int r)
{
        if (r == -ENOMEM || model_failed_in_database())
                return snap_database_failed(report, r);
        return snap_refused(report, path, "%s", model_reason()[0] ? model_reason() : strerror(-r));
}

int formats_snapshot_parse(const char *data, size_t size, const struct formats_report *report,
                           json_t **ret)
{
        static const char bom[] = "\xef\xbb\xbf";
        size_t skip;
        json_error_t error;
        json_t *root;

        /* PowerShell writes UTF-8 with a byte order mark. */
        skip = size >= 3 && memcmp(data, bom, 3) == 0 ? 3 : 0;
        root = json_loadb(data + skip, size - skip, JSON_REJECT_DUPLICATES, &error);
        if (!root) {
                formats_diag(report, FORMATS_REFUSED, error.line, error.column, NULL, "%s",
                             error.text);
                return -EINVAL;
        }
        *ret = root;
        return 0;
}

/* --- values ------------------------------------------------------------------------------ */

static void path_done(char *ret, char *joined, int length)
{
        if (length >= SNAP_PATH_BYTES)
                strcpy(joined + SNAP_PATH_BYTES - 4, "...");
        strcpy(ret, joined);
}

void snap_path_key(char *ret, const char *path, const char *key)
{
        char joined[SNAP_PATH_BYTES];

        path_done(ret, joined, snprintf(joined, sizeof(joined), "%s.%s", path, key));
}

void snap_path_index(char *ret, const char *path, size_t i)
{
        char joined[SNAP_PATH_BYTES];

        path_done(ret, joined, snprintf(joined, sizeof(joined), "%s[%zu]", path, i));
}

/*
 * The text at obj.key, cleaned, into out (MODEL_TEXT_MAX + 1 bytes). Absent or null: "" when
 * optional, refused when required. Returns 0 or -EINVAL (reported).
 */
int snap_get_text(const struct formats_report *report, json_t *obj, const char *path,
                  const char *key, bool required, bool collapse, char *out)
{
        json_t *value = json_object_get(obj, key);
        char at[SNAP_PATH_BYTES];

        snap_path_key(at, path, key);
        out[0] = '\0';
        if (!value || json_is_null(value))
                return required ? snap_refused(report, at, "missing") : 0;
        if (!json_is_string(value))
                return snap_refused(report, at, "not a string");
        if (formats_text_clean(json_string_value(value), collapse ? FORMATS_TEXT_COLLAPSE : 0, out,
                               MODEL_TEXT_MAX + 1) < 0)
                return snap_refused(report, at, "longer than %d bytes", MODEL_TEXT_MAX);
        if (required && !out[0])
                return snap_refused(report, at, "empty");
        return 0;
}

/* The length is checked first, for the message that has said "not a GUID" since. */
int snap_get_guid(const struct formats_report *report, json_t *obj, const char *path,
                  const char *key, char *out)
{
        json_t *value = json_object_get(obj, key);
        const char *s = json_string_value(value);
        char at[SNAP_PATH_BYTES];

        snap_path_key(at, path, key);
        if (!value || json_is_null(value))
                return snap_refused(report, at, "missing");
        if (!s || strlen(s) != MODEL_SKU_ID_MAX)
                return snap_refused(report, at, "not a GUID");
        if (model_guid_normalise(s, out) < 0)
                return snap_refused(report, at, "%s", model_reason());
        return 0;
}

/* A count at obj.key: absent or null is 0. */
int snap_get_count(const struct formats_report *report, json_t *obj, const char *path,
                   const char *key, int64_t *ret)
{
        json_t *value = json_object_get(obj, key);
        char at[SNAP_PATH_BYTES];

        snap_path_key(at, path, key);
        *ret = 0;
        if (!value || json_is_null(value))
                return 0;
        if (!json_is_integer(value) || json_integer_value(value) < 0 ||
            json_integer_value(value) > MODEL_COUNT_MAX)
                return snap_refused(report, at, "not a count from 0 to %d", MODEL_COUNT_MAX);
        *ret = json_integer_value(value);
        return 0;
}

/*
 * The list at obj.key: a plain array or a Graph page {"value": [...]}, and the path of the
 * array itself in ret_path. Absent: refused when required, else NULL (an empty list).
 */
int snap_get_list(const struct formats_report *report, json_t *obj, const char *path,
                  const char *key, bool required, json_t **ret, char *ret_path)
{
        json_t *value = json_object_get(obj, key);

        snap_path_key(ret_path, path, key);
        *ret = NULL;            /* json_array_foreach sees an empty list */
        if (!value || json_is_null(value))
                return required ? snap_refused(report, ret_path, "missing") : 0;
        if (json_is_object(value)) {
                if (json_object_get(value, "@odata.nextLink"))
                        return snap_refused(report, ret_path,
                                            "a Graph page with @odata.nextLink is "
                                            "only the first page; put all pages' values in "
                                            "one array");
                value = json_object_get(value, "value");
                snap_path_key(ret_path, ret_path, "value");
        }
        if (!json_is_array(value))
                return snap_refused(report, ret_path,
                                    "not an array or a Graph page {\"value\": [...]}");
        *ret = value;
        return 0;
}

/* The element at path must be an object. */
int snap_need_object(const struct formats_report *report, json_t *value, const char *path)
{
        return json_is_object(value) ? 0 : snap_refused(report, path, "not an object");
}

