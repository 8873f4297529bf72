/*
 * The DATABASE argument's kind, and the refusal of a password in it. URI syntax as libpq
 * parses it: postgresql://[user[:password]@][host][:port][,...][/dbname][?param=value&...],
 * every part percent-encoded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dbname.h"

static const char *const schemes[] = { "postgresql://", "postgres://" };

/* The part after the scheme, or NULL for a file path. */
static const char *after_scheme(const char *database)
{
        size_t i;

        for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
                if (strncmp(database, schemes[i], strlen(schemes[i])) == 0)
                        return database + strlen(schemes[i]);
        return NULL;
}

bool dbname_is_uri(const char *database)
{
        return after_scheme(database) != NULL;
}

static int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Whether the percent-encoded key of length `len` at `key` decodes to "password". */
static bool key_is_password(const char *key, size_t len)
{
        static const char password[] = "password";
        size_t i = 0, n = 0;

        while (i < len) {
                int c = (unsigned char)key[i];

                if (c == '%' && i + 2 < len && hex_digit(key[i + 1]) >= 0 &&
                    hex_digit(key[i + 2]) >= 0) {
                        c = hex_digit(key[i + 1]) * 16 + hex_digit(key[i + 2]);
                        i += 3;
                } else {
                        i++;
                }
                if (n >= sizeof(password) - 1 || c != password[n])
                        return false;
                n++;
        }
        return n == sizeof(password) - 1;
}

/* Whether the URI after its scheme carries a password. */
static bool has_password(const char *rest)
{
        size_t authority = strcspn(rest, "/?");
        const char *at = NULL, *p, *query;

        /* user:password@ ends at the authority's last '@' (libpq's own reading). */
        for (p = rest; p < rest + authority; p++)
                if (*p == '@')
                        at = p;
        if (at && memchr(rest, ':', (size_t)(at - rest)))
                return true;
        query = strchr(rest, '?');
        while (query) {
                const char *key = query + 1;
                size_t len = strcspn(key, "=&");

                if (key_is_password(key, len))
                        return true;
                query = strchr(key, '&');
        }
        return false;
}

bool dbname_has_password(const char *database)
{
        const char *rest = after_scheme(database);

        return rest && has_password(rest);
}

int dbname_check(const char *database)
{
        if (!dbname_has_password(database))
                return 0;
        fprintf(stderr, "licensefs: the database URI contains a password, which every user "
                "could read in the process list and /proc/mounts; put it in ~/.pgpass (or the "
                "file PGPASSFILE names), or in a service file (service=NAME, PGSERVICEFILE)\n");
        return -EINVAL;
}
