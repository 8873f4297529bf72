/*
 * licensefs copy [--replace] FROM TO: the arguments, opening both tenants (FROM must exist, TO
 * is created if missing), the refusals' messages and the exit status. The copying is the
 * model's (model_copy): one snapshot of FROM, one transaction in TO.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "tenant.h"

/*
 * Whether FROM and TO name one database: the same file however it is reached (links, another
 * path), or the same text for what is not a file. Copying a database onto itself with
 * --replace would read what it is deleting.
 */
static bool same_database(const char *from, const char *to)
{
        struct stat a, b;

        if (stat(from, &a) == 0 && stat(to, &b) == 0)
                return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
        return strcmp(from, to) == 0;
}

int cmd_copy(int argc, char **argv)
{
        bool replace = argc > 1 && strcmp(argv[1], "--replace") == 0;
        int first = replace ? 2 : 1, status = EXIT_DATABASE, r;
        struct model *from = NULL, *to = NULL;
        const char *from_name, *to_name;

        if (command_args_check(argv[0], argc - first, argv + first, 2, 2))
                return EXIT_USAGE;
        from_name = argv[first];
        to_name = argv[first + 1];
        if (same_database(from_name, to_name)) {
                fprintf(stderr, "licensefs: %s: FROM and TO are the same database\n", to_name);
                return EXIT_REFUSED;
        }
        /* FROM first: a FROM that cannot be copied leaves no new TO behind. */
        if (tenant_open(from_name, TENANT_CHECK_FILES | TENANT_EXISTING, &from) < 0 ||
            tenant_open(to_name, TENANT_CHECK_FILES, &to) < 0)
                goto out;
        r = model_copy(from, to, replace ? MODEL_COPY_REPLACE : 0);
        if (r == -ENOTEMPTY && !model_failed_in_database()) {
                fprintf(stderr, "licensefs: %s: the tenant is not empty; copy --replace "
                        "replaces it\n", to_name);
                status = EXIT_REFUSED;
        } else if (r < 0) {
                status = command_database_failed(to_name, r);
        } else {
                status = 0;
        }
out:
        model_close(to);
        model_close(from);
        return status;
}
