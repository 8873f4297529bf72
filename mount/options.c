/*
 * Parsing the command line on top of fuse_opt_parse, so that -o options may stand before or
 * after the two paths (as mount.fuse3 passes them) and go on to FUSE unchanged, but for
 * licensefs's own -o audit_lines=N and admin_group=NAME, allow_other (which brings
 * default_permissions with it), and the generic mount options FUSE does not know, which
 * are dropped.
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbname.h"
#include "options.h"

enum {
        KEY_HELP, KEY_VERSION, KEY_FOREGROUND, KEY_DEBUG, KEY_SINGLE, KEY_DEMO, KEY_AUDIT_LINES,
        KEY_ALLOW_OTHER, KEY_DEFAULT_PERMISSIONS, KEY_ADMIN_GROUP, KEY_MAX_THREADS
};

#define AUDIT_LINES_MAX 2147483647
#define MAX_THREADS_MAX 1024

static const struct fuse_opt option_spec[] = {
        FUSE_OPT_KEY("-h", KEY_HELP),
        FUSE_OPT_KEY("--help", KEY_HELP),
        FUSE_OPT_KEY("-V", KEY_VERSION),
        FUSE_OPT_KEY("--version", KEY_VERSION),
        FUSE_OPT_KEY("-f", KEY_FOREGROUND),
        FUSE_OPT_KEY("-d", KEY_DEBUG),
        FUSE_OPT_KEY("-s", KEY_SINGLE),
        FUSE_OPT_KEY("--demo", KEY_DEMO),
        FUSE_OPT_KEY("audit_lines=", KEY_AUDIT_LINES),
        FUSE_OPT_KEY("max_threads=", KEY_MAX_THREADS),
        /*
         * Generic mount options that mount(8) hands on from fstab and libfuse 3.14 refuses.
         * They mean nothing here (licensefs reports its own times; FUSE has no i_version, no
         * lazy time updates, no mandatory locks), so they are dropped rather than failing the
         * mount. libfuse itself takes rw, ro, [no]atime, [no]dev, [no]suid, [no]exec, sync,
         * async and dirsync; mount.fuse3 drops _netdev, nofail, [no]auto, user, users, nouser.
         */
        FUSE_OPT_KEY("relatime", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("norelatime", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("strictatime", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("nostrictatime", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("diratime", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("nodiratime", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("lazytime", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("nolazytime", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("iversion", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("noiversion", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("mand", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("nomand", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("silent", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("loud", FUSE_OPT_KEY_DISCARD),
        FUSE_OPT_KEY("allow_other", KEY_ALLOW_OTHER),
        FUSE_OPT_KEY("default_permissions", KEY_DEFAULT_PERMISSIONS),
        FUSE_OPT_KEY("admin_group=", KEY_ADMIN_GROUP),
        FUSE_OPT_END
};

/* Within 80 columns, and listing the options of licensefs(1) (tests/integration/t_install.sh). */
void options_usage(FILE *out)
{
        fputs("usage: licensefs [options] DATABASE MOUNTPOINT\n"
              "       licensefs import-catalog DATABASE FILE.csv\n"
              "       licensefs import [--replace] DATABASE FILE.json\n"
              "       licensefs export DATABASE\n"
              "       licensefs export-csv DATABASE\n"
              "       licensefs copy [--replace] FROM TO\n"
              "       licensefs plan DATABASE SNAPSHOT.json\n"
              "\n"
              "Mounts the license tenant kept in the SQLite file DATABASE (created if\n"
              "missing) at MOUNTPOINT. The verbs work on DATABASE, mounted or not, each in\n"
              "one transaction: import-catalog loads Microsoft's product catalog, import a\n"
              "Microsoft Graph snapshot, export writes one (JSON), export-csv the licensed\n"
              "users (CSV), on stdout; copy copies the whole tenant, audit log included,\n"
              "from FROM into an empty TO (--replace: replaces TO's tenant); plan writes\n"
              "the Microsoft Graph batches that turn the real tenant (SNAPSHOT.json) into\n"
              "DATABASE's, and sends nothing.\n"
              "\n"
              "options:\n"
              "  -f                   stay in the foreground, report refusals on stderr\n"
              "  -d                   debug: print every FUSE request (implies -f)\n"
              "  -s                   serve requests on a single thread\n"
              "  -o OPT[,OPT...]      mount options for FUSE (e.g. ro, default_permissions)\n"
              "  -o allow_other       let every user read the tree; modes are enforced\n"
              "  -o admin_group=NAME  let the members of group NAME (or a gid) change\n"
              "                       licenses too; implies allow_other\n"
              "  -o audit_lines=N     keep the newest N lines of the audit log\n"
              "                       (default 1000000)\n"
              "  -o max_threads=N     serve requests on at most N threads (default 3)\n"
              "  --demo               fill an empty tenant with the demo tenant first\n"
              "  -h, --help           show this help and exit\n"
              "  -V, --version        show the version and exit\n"
              "\n"
              "Without -f, licensefs detaches once mounted and logs refusals to syslog.\n"
              "SIGINT and SIGTERM unmount (exit status 0); SIGHUP is ignored.\n"
              "\n"
              "exit status: 0 ok, 1 input refused (nothing changed), 2 usage error,\n"
              "3 database error, 4 mount error\n"
              "\n"
              "See licensefs(1) and licensefs(5).\n",
              out);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
        va_list ap;

        fputs("licensefs: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs(" (try licensefs --help)\n", stderr);
        return -1;
}

/* The N of `name=N`, a number from 1 to max: 0, or a usage error. */
static int parse_count(const char *arg, long long max, long long *ret)
{
        const char *value = strchr(arg, '=') + 1;
        size_t digits = strspn(value, "0123456789");
        long long n;

        if (digits == 0 || value[digits] != '\0' || digits > 10 ||
            (n = strtoll(value, NULL, 10)) < 1 || n > max)
                return usage_error("'%s': N must be a number from 1 to %lld", arg, max);
        *ret = n;
        return 0;
}

/* NAME is a gid: decimal digits, and not (gid_t)-1. */
static int parse_gid(const char *name, gid_t *ret)
{
        size_t digits = strspn(name, "0123456789");
        unsigned long long n;

        if (digits == 0 || name[digits] != '\0' || digits > 10 ||
            (n = strtoull(name, NULL, 10)) >= UINT32_MAX)
                return -EINVAL;
        *ret = (gid_t)n;
        return 0;
}

/*
 * The group of admin_group=NAME, from the group database (getgrnam_r): a group name, or else a
 * gid that names a group. The gid (and the name, for refusals) is kept: membership is judged
 * by each caller's credentials, not by the database's member list.
 */
static int parse_admin_group(const char *arg, struct options *o)
{
        const char *name = strchr(arg, '=') + 1;
        struct group grp, *found = NULL;
        size_t size = 1024;
        char *buf = NULL, *bigger;
        gid_t gid;
        int r;

        if (!*name)
                return usage_error("'%s': NAME must name a group", arg);
        for (;;) {
                bigger = realloc(buf, size);
                if (!bigger) {
                        r = ENOMEM;
                        break;
                }
                buf = bigger;
                r = getgrnam_r(name, &grp, buf, size, &found);
                if (r == 0 && !found && parse_gid(name, &gid) == 0)
                        r = getgrgid_r(gid, &grp, buf, size, &found);
                if (r != ERANGE || size >= 1 << 24)
                        break;
                size *= 2;
        }
        if (found) {
                o->has_admin_group = true;
                o->admin_gid = grp.gr_gid;
                snprintf(o->admin_group, sizeof(o->admin_group), "%s", grp.gr_name);
                r = 0;
        } else if (r == 0 || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM) {
                /* Not found may also come as one of these errors (getgrnam_r(3)). */
                r = usage_error("'%s': no such group", arg);
        } else {
                fprintf(stderr, "licensefs: '%s': cannot look the group up: %s\n", arg,
                        strerror(r));
                r = -1;
        }
        free(buf);
        return r;
}

static int process(void *data, const char *arg, int key, struct fuse_args *outargs)
{
        struct options *o = data;

        (void)outargs;
        switch (key) {
        case KEY_HELP:
                o->help = true;
                return 0;
        case KEY_VERSION:
                o->version = true;
                return 0;
        case KEY_FOREGROUND:
                o->foreground = true;
                return 0;
        case KEY_DEBUG:
                o->debug = o->foreground = true;
                return 1;               /* fuse_new turns on its request log */
        case KEY_SINGLE:
                o->single_thread = true;
                return 0;
        case KEY_DEMO:
                o->demo = true;
                return 0;
        case KEY_AUDIT_LINES:
                return parse_count(arg, AUDIT_LINES_MAX, &o->audit_lines);
        case KEY_MAX_THREADS:
                return parse_count(arg, MAX_THREADS_MAX, &o->max_threads);
        case KEY_ALLOW_OTHER:           /* both go on to FUSE once, after parsing */
                o->allow_other = true;
                return 0;
        case KEY_DEFAULT_PERMISSIONS:
                o->default_permissions = true;
                return 0;
        case KEY_ADMIN_GROUP:
                return parse_admin_group(arg, o);
        case FUSE_OPT_KEY_NONOPT:
                if (!o->database)
                        o->database = arg;
                else if (!o->mountpoint)
                        o->mountpoint = arg;
                else
                        return usage_error("unexpected argument '%s'", arg);
                return 0;
        default:                        /* FUSE_OPT_KEY_OPT: an -o option, or unknown */
                if (arg[0] == '-')
                        return usage_error("unknown option '%s'", arg);
                return 1;
        }
}

int options_parse(int argc, char **argv, struct options *ret)
{
        struct options o = { .max_threads = OPTIONS_MAX_THREADS,
                             .fuse_args = FUSE_ARGS_INIT(argc, argv) };

        /* fuse_opt_parse would print its own message for this one. */
        if (argc > 1 && strcmp(argv[argc - 1], "-o") == 0) {
                usage_error("%s", "option '-o' needs a value");
                return -EINVAL;
        }
        if (fuse_opt_parse(&o.fuse_args, &o, option_spec, process) < 0) {
                fuse_opt_free_args(&o.fuse_args);
                return -EINVAL;
        }
        if (!o.help && !o.version && (!o.database || !o.mountpoint)) {
                usage_error("%s", o.database ? "missing MOUNTPOINT" : "missing DATABASE and "
                            "MOUNTPOINT");
                fuse_opt_free_args(&o.fuse_args);
                return -EINVAL;
        }
        if (o.database && dbname_check(o.database) < 0) {
                fuse_opt_free_args(&o.fuse_args);
                return -EINVAL;
        }
        /* Other users in, so the kernel must check modes; admins are other users. */
        o.allow_other = o.allow_other || o.has_admin_group;
        o.default_permissions = o.default_permissions || o.allow_other;
        if ((o.allow_other && fuse_opt_add_arg(&o.fuse_args, "-oallow_other") < 0) ||
            (o.default_permissions &&
             fuse_opt_add_arg(&o.fuse_args, "-odefault_permissions") < 0)) {
                fuse_opt_free_args(&o.fuse_args);
                return -ENOMEM;         /* fuse_opt_add_arg said so */
        }
        *ret = o;
        return 0;
}
