/*
 * The CSV reader of the importers (see csv_reader.h). It reads the whole text at once: the
 * encoding is decided for the whole text first (UTF-8 when all of it is valid UTF-8, else
 * cp1252), then the records are cut out byte by byte; every byte that matters to CSV is ASCII
 * in both encodings, so the fields are converted only once they are cut.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_reader.h"
#include "formats.h"

/* A growing byte string. */
struct bytes {
        char *data;
        size_t len, cap;
};

static int bytes_push(struct bytes *b, char c)
{
        if (b->len == b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 256;
                char *data = realloc(b->data, cap);

                if (!data)
                        return -ENOMEM;
                b->data = data;
                b->cap = cap;
        }
        b->data[b->len++] = c;
        return 0;
}

/* Appends the UTF-8 form of the code point cp (below U+10000). */
static int bytes_push_utf8(struct bytes *b, uint32_t cp)
{
        int r = 0;

        if (cp < 0x80)
                return bytes_push(b, (char)cp);
        if (cp < 0x800) {
                r = bytes_push(b, (char)(0xc0 | cp >> 6));
        } else {
                r = bytes_push(b, (char)(0xe0 | cp >> 12));
                if (r >= 0)
                        r = bytes_push(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        }
        return r < 0 ? r : bytes_push(b, (char)(0x80 | (cp & 0x3f)));
}

/*
 * The length of the well-formed UTF-8 sequence at s (at most `left` bytes), or 0 when there is
 * none. The table is Unicode's own (chapter 3, "Well-Formed UTF-8 Byte Sequences"): by the
 * first byte, the range the second byte must be in, which rules out overlong forms, surrogates
 * and code points beyond U+10FFFF; any further bytes are 0x80-0xBF.
 */
static size_t utf8_sequence(const unsigned char *s, size_t left)
{
        static const struct {
                unsigned char first_min, first_max, second_min, second_max;
                size_t len;
        } forms[] = {
                { 0x00, 0x7f, 0x00, 0x00, 1 }, { 0xc2, 0xdf, 0x80, 0xbf, 2 },
                { 0xe0, 0xe0, 0xa0, 0xbf, 3 }, { 0xe1, 0xec, 0x80, 0xbf, 3 },
                { 0xed, 0xed, 0x80, 0x9f, 3 }, { 0xee, 0xef, 0x80, 0xbf, 3 },
                { 0xf0, 0xf0, 0x90, 0xbf, 4 }, { 0xf1, 0xf3, 0x80, 0xbf, 4 },
                { 0xf4, 0xf4, 0x80, 0x8f, 4 },
        };
        size_t f, i;

        for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
                if (s[0] < forms[f].first_min || s[0] > forms[f].first_max)
                        continue;
                if (forms[f].len > left)
                        return 0;
                if (forms[f].len > 1 && (s[1] < forms[f].second_min || s[1] > forms[f].second_max))
                        return 0;
                for (i = 2; i < forms[f].len; i++)
                        if (s[i] < 0x80 || s[i] > 0xbf)
                                return 0;
                return forms[f].len;
        }
        return 0;
}

static bool utf8_valid(const char *data, size_t size)
{
        const unsigned char *s = (const unsigned char *)data, *end = s + size;
        size_t n;

        for (; s < end; s += n) {
                n = utf8_sequence(s, (size_t)(end - s));
                if (n == 0)
                        return false;
        }
        return true;
}

/*
 * cp1252's bytes 0x80-0x9F (the rest of its upper half is Latin-1, U+00A0-U+00FF); 0 marks the
 * five bytes it leaves undefined.
 */
static const uint16_t cp1252_high[32] = {
        0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
        0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
        0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
        0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

/* Converts cp1252 text of n bytes to UTF-8 in out; -EINVAL (reason in why) for an undefined byte. */
static int cp1252_to_utf8(const char *text, size_t n, struct bytes *out, char *why,
                          size_t why_size)
{
        size_t i;
        int r = 0;

        for (i = 0; r >= 0 && i < n; i++) {
                unsigned char c = (unsigned char)text[i];
                uint32_t cp = c < 0x80 || c >= 0xa0 ? c : cp1252_high[c - 0x80];

                if (cp == 0 && c != 0) {
                        snprintf(why, why_size, "byte 0x%02X is not a cp1252 character", c);
                        return -EINVAL;
                }
                r = bytes_push_utf8(out, cp);
        }
        return r;
}

struct parser {
        const char *p, *end;
        unsigned long line;             /* the line p is on */
        struct bytes text;              /* the record's fields, each NUL-terminated */
        size_t fields;
        char error[96];                 /* the record's first error */
        struct csv_file *file;
        size_t capacity;                /* of file->records */
};

static void record_error(struct parser *ps, const char *what)
{
        if (!ps->error[0])
                snprintf(ps->error, sizeof(ps->error), "%s", what);
}

/* At a line end (LF, CRLF, or CR as the last byte), consumes it and returns true. */
static bool take_line_end(struct parser *ps)
{
        const char *p = ps->p;

        if (*p == '\r' && (p + 1 == ps->end || p[1] == '\n'))
                p++;
        if (p < ps->end && *p != '\n')
                return false;
        ps->p = p < ps->end ? p + 1 : p;
        ps->line++;
        return true;
}

/*
 * Reads one field into ps->text. Returns 1 when a comma follows (another field comes), 0 at the
 * end of the record, -EINVAL (reported) when a quoted field never closes, -ENOMEM.
 */
static int read_field(struct parser *ps, const struct formats_report *report)
{
        bool quoted = ps->p < ps->end && *ps->p == '"';
        unsigned long opened = ps->line;
        int r = 0;

        if (quoted) {
                for (ps->p++;; ps->p++) {
                        if (ps->p == ps->end) {
                                formats_diag(report, FORMATS_REFUSED, (long)opened, 0, NULL,
                                             "a quoted field is not closed");
                                return -EINVAL;
                        }
                        if (*ps->p == '"' && (ps->p + 1 == ps->end || ps->p[1] != '"'))
                                break;
                        if (*ps->p == '"')
                                ps->p++;        /* a doubled quote is one quote */
                        else if (*ps->p == '\n')
                                ps->line++;
                        r = bytes_push(&ps->text, *ps->p);
                        if (r < 0)
                                return r;
                }
                ps->p++;
        }
        while (ps->p < ps->end) {
                if (*ps->p == ',') {
                        ps->p++;
                        return bytes_push(&ps->text, '\0') < 0 ? -ENOMEM : 1;
                }
                if (take_line_end(ps))
                        break;
                if (quoted) {
                        record_error(ps, "text after a closing quote");
                } else {
                        if (*ps->p == '"')
                                record_error(ps, "a quote inside an unquoted field");
                        r = bytes_push(&ps->text, *ps->p);
                        if (r < 0)
                                return r;
                }
                ps->p++;
        }
        return bytes_push(&ps->text, '\0');
}

/* Makes a record of the fields in ps->text, converting them from cp1252 when needed. */
static int add_record(struct parser *ps, unsigned long line)
{
        struct csv_file *file = ps->file;
        struct bytes converted = { 0 };
        const struct bytes *text = &ps->text;
        struct csv_record *record;
        char *block, *field;
        size_t i;
        int r = 0;

        if (file->count == ps->capacity) {
                size_t capacity = ps->capacity ? ps->capacity * 2 : 64;
                struct csv_record *records = realloc(file->records, capacity * sizeof(*records));

                if (!records)
                        return -ENOMEM;
                file->records = records;
                ps->capacity = capacity;
        }
        record = &file->records[file->count];
        *record = (struct csv_record){ .line = line };
        if (!ps->error[0] && file->encoding == CSV_CP1252) {
                r = cp1252_to_utf8(text->data, text->len, &converted, ps->error,
                                   sizeof(ps->error));
                text = &converted;
        }
        if (r == -ENOMEM)
                goto out;
        r = 0;
        if (ps->error[0]) {
                snprintf(record->error, sizeof(record->error), "%s", ps->error);
                file->count++;
                goto out;
        }
        /* One block: the field pointers, then the fields. */
        block = malloc(ps->fields * sizeof(char *) + text->len);
        if (!block) {
                r = -ENOMEM;
                goto out;
        }
        record->fields = (char **)block;
        field = block + ps->fields * sizeof(char *);
        memcpy(field, text->data, text->len);
        for (i = 0; i < ps->fields; i++) {
                record->fields[i] = field;
                field += strlen(field) + 1;
        }
        record->count = ps->fields;
        file->count++;
out:
        free(converted.data);
        return r;
}

int formats_csv_parse(const char *data, size_t size, const struct formats_report *report,
                      struct csv_file **ret)
{
        struct parser ps = { .p = data, .end = data + size, .line = 1 };
        const char *nul = memchr(data, '\0', size);
        unsigned long line;
        int r;

        if (nul) {
                for (line = 1; data < nul; data++)
                        line += *data == '\n';
                formats_diag(report, FORMATS_REFUSED, (long)line, 0, NULL,
                             "a NUL byte: not a text file");
                return -EINVAL;
        }
        ps.file = calloc(1, sizeof(*ps.file));
        if (!ps.file)
                return -ENOMEM;
        if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
                ps.file->bom = true;
                ps.p += 3;
        }
        ps.file->encoding = utf8_valid(ps.p, (size_t)(ps.end - ps.p)) ? CSV_UTF8 : CSV_CP1252;
        for (r = 0; r >= 0 && ps.p < ps.end;) {
                line = ps.line;
                if (take_line_end(&ps))
                        continue;       /* an empty line is no record */
                ps.text.len = 0;
                ps.fields = 0;
                ps.error[0] = '\0';
                do {
                        r = read_field(&ps, report);
                        ps.fields++;
                } while (r == 1);
                if (r >= 0)
                        r = add_record(&ps, line);
        }
        free(ps.text.data);
        if (r < 0) {
                formats_csv_free(ps.file);
                return r;
        }
        *ret = ps.file;
        return 0;
}

struct csv_file *formats_csv_free(struct csv_file *file)
{
        size_t i;

        if (!file)
                return NULL;
        for (i = 0; i < file->count; i++)
                free(file->records[i].fields);
        free(file->records);
        free(file);
        return NULL;
}
