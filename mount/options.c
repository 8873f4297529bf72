/*
 * Parsing the command line on top of fuse_opt_parse, so that -o options may stand before or
 * after the two paths (as mount.fuse3 passes them) and go on to FUSE unchanged, but for
 * licensefs's own -o audit_lines=N and the generic mount options FUSE does not know, which are
 * dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

enum { KEY_HELP, KEY_VERSION, KEY_FOREGROUND, KEY_DEBUG, KEY_SINGLE, KEY_DEMO, KEY_AUDIT_LINES };

#define AUDIT_LINES_MAX 2147483647

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
              "\n"
              "Mounts the license tenant kept in the SQLite file DATABASE (created if\n"
              "missing) at MOUNTPOINT. The verbs work on DATABASE, mounted or not, each in\n"
              "one transaction: import-catalog loads Microsoft's product catalog, import a\n"
              "Microsoft Graph snapshot, export writes one (JSON), export-csv the licensed\n"
              "users (CSV), on stdout.\n"
              "\n"
              "options:\n"
              "  -f                   stay in the foreground, report refusals on stderr\n"
              "  -d                   debug: print every FUSE request (implies -f)\n"
              "  -s                   serve requests on a single thread\n"
              "  -o OPT[,OPT...]      mount options for FUSE (e.g. ro, default_permissions)\n"
              "  -o allow_other       let every user read the tree; modes are enforced\n"
              "  -o admin_group=NAME  let the members of group NAME change licenses too\n"
              "                       (implies allow_other)\n"
              "  -o audit_lines=N     keep the newest N lines of the audit log\n"
              "                       (default 1000000)\n"
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
              "See licensefs(1).\n",
              out);
}

static int usage_error(const char *fmt, const char *arg)
{
        fputs("licensefs: ", stderr);
        fprintf(stderr, fmt, arg);
        fputs(" (try licensefs --help)\n", stderr);
        return -1;
}

/* N of audit_lines=N: decimal digits, 1 to AUDIT_LINES_MAX. */
static int parse_audit_lines(const char *arg, struct options *o)
{
        const char *value = strchr(arg, '=') + 1;
        size_t digits = strspn(value, "0123456789");
        long long n;

        if (digits == 0 || value[digits] != '\0' || digits > 10 ||
            (n = strtoll(value, NULL, 10)) < 1 || n > AUDIT_LINES_MAX)
                return usage_error("'%s': N must be a number from 1 to 2147483647", arg);
        o->audit_lines = n;
        return 0;
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
                return parse_audit_lines(arg, o);
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
        struct options o = { .fuse_args = FUSE_ARGS_INIT(argc, argv) };

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
        *ret = o;
        return 0;
}
