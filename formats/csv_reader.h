/*
 * A reader of CSV text as spreadsheets and Microsoft's download pages write it: RFC 4180 records
 * (quoted fields with commas, doubled quotes and line breaks), CRLF or LF line ends, an optional
 * UTF-8 byte order mark, and text in UTF-8 or, when the whole text is not valid UTF-8, in
 * Windows-1252 (older editions of the product catalog), converted to UTF-8. It knows nothing of
 * what the columns mean; importers check those.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "formats.h"

enum csv_encoding { CSV_UTF8, CSV_CP1252 };

struct csv_record {
        unsigned long line;             /* the line the record starts on, from 1 */
        size_t count;                   /* fields; 0 when error is set */
        char **fields;                  /* UTF-8, NUL-terminated */
        char error[96];                 /* why the record cannot be read; "" when it can */
};

struct csv_file {
        enum csv_encoding encoding;
        bool bom;                       /* the text began with a UTF-8 byte order mark */
        size_t count;
        struct csv_record *records;     /* in file order; empty lines are not records */
};

/*
 * Reads the CSV text data[0..size). A record that breaks the quoting rules (a quote inside an
 * unquoted field, text after a closing quote) or holds a byte cp1252 leaves undefined is still
 * returned, with its error set, so a caller can skip it and go on. Returns 0 and *ret (free it
 * with formats_csv_free()); -EINVAL when the text is not CSV at all (a NUL byte, a quoted field
 * that never closes), after reporting it (FORMATS_REFUSED, with its line) through `report`;
 * -ENOMEM (not reported).
 */
int formats_csv_parse(const char *data, size_t size, const struct formats_report *report,
                      struct csv_file **ret);

/* Frees what formats_csv_parse returned; accepts NULL; returns NULL. */
struct csv_file *formats_csv_free(struct csv_file *file);
