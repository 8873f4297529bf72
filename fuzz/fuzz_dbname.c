/*
 * libFuzzer target for the DATABASE argument's reading (mount/dbname.c): any bytes as a
 * DATABASE, and URIs built from them around a password. A URI is what begins with one of
 * libpq's schemes and nothing else; a URI whose user part has a password, or with a password=
 * parameter (its key percent-encoded or not), is always found to carry one; a file path never.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbname.h"

static void fail(const char *what, const char *database)
{
        fprintf(stderr, "\n*** %s: \"%s\"\n", what, database);
        abort();
}

/* `text` without the characters that end a URI's user part or authority. */
static void plain(char *text)
{
        char *out = text;

        for (; *text; text++)
                if (!strchr("@/?#&=", *text))
                        *out++ = *text;
        *out = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const keys[] = { "password", "pass%77ord", "%70%61%73%73word" };
        char *text = malloc(size + 1), *part, *uri;
        bool is_uri;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        is_uri = strncmp(text, "postgresql://", 13) == 0 || strncmp(text, "postgres://", 11) == 0;
        if (dbname_is_uri(text) != is_uri)
                fail("a URI is what begins with a scheme", text);
        if (!is_uri && dbname_has_password(text))
                fail("a file path carries no password", text);

        part = strdup(text);
        uri = malloc(4 * size + 128);     /* the longest: part four times */
        if (part && uri) {
                plain(part);
                sprintf(uri, "postgresql://%s:%s@%s/db", part, part, part);
                if (!dbname_has_password(uri))
                        fail("user:password@ missed", uri);
                sprintf(uri, "postgres://%s/db?sslmode=require&%s=%s", part,
                        keys[size % 3], text);
                if (!dbname_has_password(uri))
                        fail("a password= parameter missed", uri);
                sprintf(uri, "postgresql://%s@%s/%s?options=-csearch_path%%3D%s", part, part, part,
                        part);
                if (strchr(part, ':') == NULL && dbname_has_password(uri))
                        fail("a URI without a password found to carry one", uri);
        }
        free(uri);
        free(part);
        free(text);
        return 0;
}
