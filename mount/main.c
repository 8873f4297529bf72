/*
 * The licensefs program: checks the database (creating it, filling the demo), mounts, detaches,
 * and serves until unmounted or signalled. It runs libfuse's steps itself rather than
 * fuse_main, so that a signal ends it with status 0 and the daemon's own SQLite connection is
 * opened after the fork. This is the only place that prints to the user.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "dbname.h"
#include "fs.h"
#include "log.h"
#include "model.h"
#include "options.h"
#include "purge.h"
#include "tenant.h"


static int fail(int status, const char *what, const char *why)
{
        fprintf(stderr, "licensefs: %s: %s\n", what, why);
        return status;
}

/*
 * Opens (creating) the database once in the foreground so its errors reach the terminal, and
 * fills the demo tenant when asked. Writes the absolute path (or the URI) to `abs`.
 */
static int prepare_database(const struct options *o, char abs[PATH_MAX])
{
        struct model *m;
        int r;

        if (tenant_open(o->database, TENANT_CHECK_FILES | TENANT_CLOCK, &m) < 0)
                return EXIT_DATABASE;
        if (o->demo) {
                r = model_demo_fill(m);
                if (r < 0) {
                        fail(EXIT_DATABASE, o->database, model_reason());
                        model_close(m);
                        return EXIT_DATABASE;
                }
        }
        model_close(m);
        /* A URI is kept as given: it names no file, and it carries no password. */
        if (dbname_is_uri(o->database)) {
                if (strlen(o->database) >= PATH_MAX)
                        return fail(EXIT_USAGE, "DATABASE", strerror(ENAMETOOLONG));
                strcpy(abs, o->database);
        } else if (!realpath(o->database, abs)) {
                return fail(EXIT_DATABASE, o->database, strerror(errno));
        }
        return 0;
}

/* Adds fsname (the database's absolute path or URI, escaped) and the subtype for /proc/mounts. */
static int add_mount_names(struct fuse_args *args, const char *database)
{
        char *opts = NULL;
        char *fsname;
        int r = -1;

        if (asprintf(&fsname, "fsname=%s", database) < 0)
                return -1;
        if (fuse_opt_add_opt_escaped(&opts, fsname) == 0 &&
            fuse_opt_add_opt(&opts, "subtype=licensefs") == 0 &&
            fuse_opt_add_arg(args, "-o") == 0 && fuse_opt_add_arg(args, opts) == 0)
                r = 0;
        free(fsname);
        free(opts);
        return r;
}

static int serve(struct fuse_session *se, const struct options *o)
{
        struct fuse_loop_config *loop;
        int r;

        if (o->single_thread)
                return fuse_session_loop(se);
        loop = fuse_loop_cfg_create();
        if (!loop)
                return -ENOMEM;
        fuse_loop_cfg_set_max_threads(loop, (unsigned int)o->max_threads);
        r = fuse_session_loop_mt(se, loop);
        fuse_loop_cfg_destroy(loop);
        return r;
}

/*
 * The allocator keeps what the daemon frees. By default glibc hands a transaction's memory back
 * to the kernel (madvise) and takes it again for the next one: page faults every time, and in
 * a multi-threaded process a TLB shootdown across the CPUs for each hand-back, which virtual
 * machines make costly. The steady state of a mount needs a few MiB; up to 64 MiB stays. One
 * arena for every thread: with one per worker, each kept its own high-water mark of what a
 * large listing needed (55 MiB after ls -l of 100k holders in turn, 40 with one), and the
 * requests are serialized by the model anyway.
 */
static void keep_freed_memory(void)
{
        mallopt(M_TRIM_THRESHOLD, 64 << 20);
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_ARENA_MAX, 1);
}

static int run(struct options *o)
{
        struct fs_config config = {
                .uid = getuid(),
                .gid = getgid(),
                .has_admin_group = o->has_admin_group,
                .admin_gid = o->admin_gid,
                .admin_group = o->admin_group,
                .log = log_line,
        };
        char database[PATH_MAX], mountpoint[PATH_MAX];
        struct purger *purger;
        struct fuse_session *se;
        struct fs *fs;
        struct stat st;
        int status, r;

        /* Absolute, so that unmounting works whatever the daemon's directory then. */
        if (!realpath(o->mountpoint, mountpoint) || stat(mountpoint, &st) < 0)
                return fail(EXIT_MOUNT, o->mountpoint, strerror(errno));
        if (!S_ISDIR(st.st_mode))
                return fail(EXIT_MOUNT, o->mountpoint, strerror(ENOTDIR));
        status = prepare_database(o, database);
        if (status)
                return status;
        if (add_mount_names(&o->fuse_args, database) < 0)
                return fail(EXIT_USAGE, "options", strerror(ENOMEM));

        fs = fs_new(&o->fuse_args, &config);
        if (!fs)
                return EXIT_USAGE;      /* fuse_session_new said which option it rejected */
        se = fs_session(fs);
        if (fuse_session_mount(se, mountpoint) != 0) {
                fs_free(fs);
                return EXIT_MOUNT;      /* fuse_session_mount said why */
        }
        status = EXIT_MOUNT;
        if (fuse_set_signal_handlers(se) != 0)
                goto unmount;
        signal(SIGHUP, SIG_IGN);        /* a closed terminal must not unmount the tenant */
        if (fuse_daemonize(o->foreground) != 0)
                goto handlers;
        if (!o->foreground)
                log_to_syslog();
        keep_freed_memory();

        status = EXIT_DATABASE;
        /* Checked in the foreground already: the daemon's own connection, after the fork. */
        if (tenant_open(database, TENANT_CLOCK | TENANT_LOG, &config.model) < 0)
                goto handlers;
        if (o->audit_lines && model_set_audit_limit(config.model, o->audit_lines) < 0) {
                log_line("%s: %s", database, model_reason());
                goto close;
        }
        if (fs_start(fs) < 0) {
                log_line("cannot start watching the database for changes: %s", model_reason());
                goto close;
        }
        purger = purger_start(config.model);
        if (!purger) {
                log_line("cannot start the purge of deleted users");
                goto stop;
        }
        r = serve(se, o);
        purger = purger_stop(purger);
        /* 0 after an unmount or SIGINT/SIGTERM: both a clean end. */
        status = r >= 0 ? 0 : EXIT_MOUNT;
stop:
        fs_stop(fs);
close:
        config.model = model_close(config.model);
handlers:
        fuse_remove_signal_handlers(se);
unmount:
        fuse_session_unmount(se);
        fs_free(fs);
        return status;
}

int main(int argc, char **argv)
{
        const struct command *command;
        struct options o;
        int status;

        log_capture_fuse();
        command = argc > 1 ? command_find(argv[1]) : NULL;
        if (command)
                return command->run(argc - 1, argv + 1);
        if (options_parse(argc, argv, &o) < 0)
                return EXIT_USAGE;
        if (o.help) {
                options_usage(stdout);
                status = 0;
        } else if (o.version) {
                printf("licensefs %s (libfuse %d)\n", LICENSEFS_VERSION, fuse_version());
                status = 0;
        } else {
                status = run(&o);
        }
        fuse_opt_free_args(&o.fuse_args);
        return status;
}
