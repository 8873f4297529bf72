/*
 * What the DATABASE argument names: a file (the SQLite backend) or a server's database (a
 * libpq connection URI, `postgresql://` or `postgres://`). The model chooses the backend by the
 * same prefixes; the program needs to know which for what applies to files alone (the checks of
 * who else could change them, absolute paths) and for the rule that no password is ever given
 * on the command line.
 */
#pragma once

#include <stdbool.h>

/* Whether `database` is a connection URI rather than a file path. */
bool dbname_is_uri(const char *database);

/* Whether `database` is a URI that carries a password (in its user part or as password=). */
bool dbname_has_password(const char *database);

/*
 * 0 when `database` may be used; -EINVAL after printing why on stderr when it is a URI that
 * carries a password (in its user part or as a password= parameter): argv is readable by every
 * user of the machine, and a mount's is kept in /proc/mounts and fstab. The message names
 * where libpq reads a password from instead (~/.pgpass, PGPASSFILE, a service file).
 */
int dbname_check(const char *database);
