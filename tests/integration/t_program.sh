#!/bin/bash
# The licensefs program: arguments, exit codes, the database file, /proc/mounts, signals,
# daemon mode.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

note "usage errors exit 2"
expect_refusal "no arguments" 2
expect_refusal "one argument" 2 "$DB"
expect_refusal "three arguments" 2 "$DB" "$M" extra
expect_refusal "unknown option" 2 --no-such-option "$DB" "$M"
expect_refusal "unknown short option" 2 -Z "$DB" "$M"
expect_refusal "-o without value" 2 "$DB" "$M" -o
expect_refusal "unknown FUSE option" 2 -f -o no_such_fuse_option "$DB" "$M"
expect_refusal "unknown FUSE option (daemon mode)" 2 -o no_such_fuse_option "$DB" "$M"
expect_refusal "audit_lines=0" 2 -f -o audit_lines=0 "$DB" "$M"
expect_refusal "audit_lines not a number" 2 -f -o allow_other,audit_lines=1k "$DB" "$M"
expect_refusal "audit_lines too large" 2 -o audit_lines=2147483648 "$DB" "$M"
expect_refusal "max_threads=0" 2 -f -o max_threads=0 "$DB" "$M"
expect_refusal "max_threads not a number" 2 -f -o max_threads=two "$DB" "$M"
expect_refusal "max_threads too large" 2 -o max_threads=1025 "$DB" "$M"

note "a database URI that carries a password is a usage error, for the mount and every verb"
# argv is readable by every user, and a mount's is kept in /proc/mounts and fstab.
for uri in 'postgresql://admin:secret@db.example/tenants' \
           'postgres://db.example/tenants?sslmode=require&password=secret' \
           'postgresql:///tenants?pass%77ord=secret'; do
    expect_refusal "mount of $uri" 2 "$uri" "$M"
    expect_match '~/\.pgpass.*PGPASSFILE.*service=NAME.*PGSERVICEFILE' "$LF_ERR" "the refusal names where a password goes"
    if [[ $LF_ERR == *secret* ]]; then fail "the refusal repeats the password: $LF_ERR"; else pass; fi
    for verb in export export-csv; do
        lf_run "$LF_TMP/out" "$LF_TMP/err" "$verb" "$uri"
        expect_eq 2 "$LF_RC" "$verb $uri: exit status"
    done
    lf_run "$LF_TMP/out" "$LF_TMP/err" import-catalog "$uri" /dev/null
    expect_eq 2 "$LF_RC" "import-catalog $uri: exit status"
    lf_run "$LF_TMP/out" "$LF_TMP/err" import "$uri" /dev/null
    expect_eq 2 "$LF_RC" "import $uri: exit status"
    lf_run "$LF_TMP/out" "$LF_TMP/err" copy "$DB" "$uri"
    expect_eq 2 "$LF_RC" "copy to $uri: exit status"
    lf_run "$LF_TMP/out" "$LF_TMP/err" copy --replace "$uri" "$DB"
    expect_eq 2 "$LF_RC" "copy from $uri: exit status"
done
lf_db_drop tenant
expect_eq "" "$(find "$LF_TMP" -mindepth 1 -maxdepth 1 ! -name mnt ! -name out ! -name err ! -name bin ! -name wrapper-logs -printf '%P\n')" "usage errors create no database"
if lf_db_exists tenant; then fail "usage errors created the tenant's schema"; else pass; fi

note "-h and -V"
lf_run "$LF_TMP/out" "$LF_TMP/err" -h
expect_eq 0 "$LF_RC" "-h exit status"
expect_match 'DATABASE MOUNTPOINT' "$(cat "$LF_TMP/out" "$LF_TMP/err")" "-h prints usage"
expect_match '--demo' "$(cat "$LF_TMP/out" "$LF_TMP/err")" "-h mentions --demo"
lf_run "$LF_TMP/out" "$LF_TMP/err" --help
expect_eq 0 "$LF_RC" "--help exit status"
expect_match 'DATABASE MOUNTPOINT' "$(cat "$LF_TMP/out" "$LF_TMP/err")" "--help prints usage"
lf_run "$LF_TMP/out" "$LF_TMP/err" -V
expect_eq 0 "$LF_RC" "-V exit status"
expect_match "${LICENSEFS_VERSION:-[0-9]+\.[0-9]+}" "$(cat "$LF_TMP/out")" "-V prints the version on stdout"
lf_run "$LF_TMP/out" "$LF_TMP/err" --version
expect_eq 0 "$LF_RC" "--version exit status"
expect_match "${LICENSEFS_VERSION:-[0-9]+\.[0-9]+}" "$(cat "$LF_TMP/out")" "--version prints the version"
expect_eq "" "$(find "$LF_TMP" -mindepth 1 -maxdepth 1 ! -name mnt ! -name out ! -name err ! -name bin ! -name wrapper-logs -printf '%P\n')" "-h/-V create no database"

note "database errors exit 3"
if ! lf_sqlite; then
    # The server's equivalents of a foreign file and a missing one.
    psql -h "$LF_PG" -U postgres -d postgres -XAtq -c "CREATE SCHEMA music" \
        -c "CREATE TABLE music.songs (title text)" -c "INSERT INTO music.songs VALUES ('x')"
    expect_refusal "a schema holding other tables" 3 -f "$(lf_db music)" "$M"
    expect_eq "x" "$(lf_sql music 'SELECT title FROM songs')" "the foreign schema after the refusal"
    expect_refusal "a schema holding other tables (daemon mode)" 3 "$(lf_db music)" "$M"
    expect_refusal "no server at the address" 3 -f \
        "postgresql:///postgres?host=$LF_TMP/no-server&connect_timeout=2" "$M"
    expect_match 'no-server' "$LF_ERR" "no server: the message says where"
fi
# Files: SQLite's alone.
if lf_sqlite; then
head -c 8192 /dev/urandom >"$LF_TMP/garbage.db"
expect_refusal "garbage database" 3 -f "$LF_TMP/garbage.db" "$M"
printf 'this is not a database at all, just text\n' >"$LF_TMP/text.db"
expect_refusal "text database" 3 -f "$LF_TMP/text.db" "$M"
if command -v sqlite3 >/dev/null; then
    sqlite3 "$LF_TMP/other.db" "CREATE TABLE songs(title TEXT); INSERT INTO songs VALUES ('x');"
    expect_refusal "foreign SQLite database" 3 -f "$LF_TMP/other.db" "$M"
    expect_refusal "foreign SQLite database (daemon mode)" 3 "$LF_TMP/other.db" "$M"
fi
mkdir "$LF_TMP/dir.db"
expect_refusal "directory as database" 3 -f "$LF_TMP/dir.db" "$M"
expect_refusal "database in a missing directory" 3 -f "$LF_TMP/missing/x.db" "$M"
expect_absent "$LF_TMP/missing"
expect_refusal "garbage database (daemon mode)" 3 "$LF_TMP/garbage.db" "$M"
expect_refusal "garbage database (--demo)" 3 -f --demo "$LF_TMP/garbage.db" "$M"
fi

note "mount errors exit 4"
expect_refusal "missing mountpoint" 4 -f "$DB" "$LF_TMP/no-such-dir"
expect_refusal "missing mountpoint (daemon mode)" 4 "$(lf_db db2)" "$LF_TMP/no-such-dir"
: >"$LF_TMP/file"
expect_refusal "mountpoint is a file" 4 -f "$DB" "$LF_TMP/file"
expect_eq "licensefs: $LF_TMP/file: Not a directory" "$(cat "$LF_TMP/err")" "mountpoint is a file: message"
# mount(2) itself refuses: a fuseblk mount needs a block device
expect_refusal "mount(2) fails" 4 -o blkdev "$DB" "$M"
# (its source must name a block device: a file that is not one, or a URI that is no file)
if lf_sqlite; then why="Block device required"; else why="No such file or directory"; fi
expect_eq "licensefs: mount failed: $why" "$(cat "$LF_TMP/err")" "mount(2) fails: message"
rm -f -- "$LF_TMP/file"

note "database created 0600 (SQLite), /proc/mounts line (the URI as given on PostgreSQL)"
lf_db_drop tenant
lf_mount
if lf_sqlite; then expect_mode "$DB" 600; fi
line=$(awk -v m="$M" '$2 == m' /proc/mounts)
expect_eq "$DB $M fuse.licensefs" "$(echo "$line" | awk '{ print $1, $2, $3 }')" "/proc/mounts line"
expect_ls "$M" audit deleted_users groups products summary tenant users
expect_mode "$M" 555
expect_ok mkdir "$M/products/PERSIST"
put "$M/products/PERSIST/total" 7
lf_unmount

note "the tenant persists across mounts; --demo does not fill a non-empty tenant"
lf_mount --demo
expect_ls "$M/products" PERSIST
expect_file "$M/products/PERSIST/total" 7
expect_ls "$M/users"
expect_file "$M/tenant/name" "Default Directory"
lf_unmount
if lf_sqlite; then expect_mode "$DB" 600; fi

note "SIGTERM and SIGINT in -f mode: unmount, exit 0"
note "SIGHUP in -f mode does not end the daemon"
lf_mount
kill -HUP "$LF_PID"
sleep 0.3
if kill -0 "$LF_PID" 2>/dev/null; then pass; else fail "the daemon died of SIGHUP"; fi
expect_file "$M/products/PERSIST/total" 7
lf_unmount

for sig in TERM INT; do
    lf_mount
    kill -"$sig" "$LF_PID"
    if lf_wait_pid "$LF_PID" 10; then
        expect_eq 0 "$LF_RC" "exit status after SIG$sig"
    else
        fail "daemon did not exit within 10 s of SIG$sig"
    fi
    LF_PID=
    if lf_any_mount_at "$M"; then
        fail "still mounted after SIG$sig"
        fusermount3 -uz -- "$M"
    else
        pass
    fi
    lf_check_log "$LF_LOG"
done

note "a call that returned success is committed: SIGKILL of the daemon loses nothing"
lf_mount
expect_ok mkdir "$M/products/DURABLE" "$M/users/d@example.com"
expect_ok putln "$M/products/DURABLE/total" 9
expect_ok putln "$M/users/d@example.com/usage_location" NO
expect_ok touch "$M/products/DURABLE/users/d@example.com"
kill -KILL "$LF_PID"
wait "$LF_PID" 2>/dev/null
LF_PID=
fusermount3 -u -- "$M" 2>/dev/null || fusermount3 -uz -- "$M"
if lf_wait_unmounted "$M"; then pass; else fail "dead mount could not be removed"; fi
lf_mount
expect_file "$M/products/DURABLE/total" 9
expect_file "$M/products/DURABLE/assigned" 1
expect_file "$M/users/d@example.com/usage_location" NO
expect_ls "$M/products/DURABLE/users" d@example.com
expect_ok rm "$M/products/DURABLE/users/d@example.com"
expect_ok rmdir "$M/products/DURABLE"
lf_unmount

# Relative paths and file names are SQLite's alone.
if lf_sqlite; then
note "a database named like a verb mounts as ./NAME"
mkdir "$LF_TMP/verb" "$LF_TMP/verb/mnt"
(cd "$LF_TMP/verb" && exec env --default-signal=INT "$LICENSEFS" -f ./export mnt </dev/null >"$LF_TMP/verb.log" 2>&1) &
LF_PID=$! LF_MNT=$LF_TMP/verb/mnt LF_LOG=$LF_TMP/verb.log
if lf_wait_mounted "$LF_MNT" "$LF_PID"; then
    pass
    expect_eq "$LF_TMP/verb/export" "$(awk -v m="$LF_MNT" '$2 == m { print $1 }' /proc/mounts)" "the database ./export"
    expect_ls "$LF_MNT/products"
    lf_unmount
else
    fail "mount of ./export did not appear: $(cat "$LF_TMP/verb.log")"
    lf_kill_daemon
fi
# As the first argument the name is the verb: `licensefs export` alone is a usage error.
lf_run "$LF_TMP/out" "$LF_TMP/err" export
expect_eq 2 "$LF_RC" "export without DATABASE is a usage error"

note "relative database path shows absolute in /proc/mounts"
mkdir "$LF_TMP/rel" "$LF_TMP/rel/mnt"
(umask 000 && cd "$LF_TMP/rel" && exec env --default-signal=INT "$LICENSEFS" -f rel.db mnt </dev/null >"$LF_TMP/rel.log" 2>&1) &
LF_PID=$! LF_MNT=$LF_TMP/rel/mnt LF_LOG=$LF_TMP/rel.log
if lf_wait_mounted "$LF_MNT" "$LF_PID"; then
    pass
    line=$(awk -v m="$LF_MNT" '$2 == m' /proc/mounts)
    expect_eq "$LF_TMP/rel/rel.db $LF_TMP/rel/mnt fuse.licensefs" "$(echo "$line" | awk '{ print $1, $2, $3 }')" "/proc/mounts line for relative paths"
    expect_mode "$LF_TMP/rel/rel.db" 600  # even under umask 000
    lf_unmount
else
    fail "mount with relative paths did not appear: $(cat "$LF_TMP/rel.log")"
    lf_kill_daemon
fi
fi

# daemon_pid: the detached daemon serving $DB on $M (its command line ends in "LF_BIN DB MNT",
# after valgrind's options under LICENSEFS_WRAPPER).
daemon_pid() { pgrep -f -- "(^| )$(lf_regex "$LF_BIN $DB $M")\$" | head -n1; }

note "daemon mode: the program returns once mounted; SIGHUP is ignored, SIGTERM unmounts"
lf_run "$LF_TMP/out" "$LF_TMP/err" "$DB" "$M"
expect_eq 0 "$LF_RC" "daemon mode: exit status of the starting process"
expect_eq "" "$(cat "$LF_TMP/out" "$LF_TMP/err")" "daemon mode: output of the starting process"
# Type=forking units and mount(8) rely on it: the mount is up when the program returns.
if lf_is_mounted "$M"; then pass; else fail "daemon mode: not mounted yet when the program returned"; fi
if lf_wait_mounted "$M"; then
    pass
    expect_file "$M/products/PERSIST/total" 7
    expect_ok mkdir "$M/products/DAEMON"
    expect_ok putln "$M/products/DAEMON/total" 4
    expect_file "$M/products/DAEMON/total" 4
    expect_file "$M/products/DAEMON/available" 4
    dpid=$(daemon_pid)
    if [ -z "$dpid" ]; then
        fail "daemon process '$LF_BIN $DB $M' not found"
        fusermount3 -u -- "$M"
    else
        pass
        LF_EXTRA_PIDS=$dpid
        kill -HUP "$dpid"
        sleep 0.3
        if kill -0 "$dpid" 2>/dev/null; then pass; else fail "daemon mode: the daemon died of SIGHUP"; fi
        expect_file "$M/products/DAEMON/total" 4
        kill -TERM "$dpid"
        if lf_wait_unmounted "$M"; then pass; else fail "daemon mode: still mounted 5 s after SIGTERM"; fi
        for _ in $(seq $((100 * LF_SLOW))); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.05; done
        if kill -0 "$dpid" 2>/dev/null; then fail "daemon mode: daemon alive 5 s after SIGTERM"; else pass; fi
        LF_EXTRA_PIDS=
    fi
else
    fail "daemon mode: mount did not appear"
fi

note "daemon mode: fusermount3 -u ends the daemon"
lf_run "$LF_TMP/out" "$LF_TMP/err" "$DB" "$M"
expect_eq 0 "$LF_RC" "daemon mode (second): exit status"
if lf_wait_mounted "$M"; then
    dpid=$(daemon_pid)
    LF_EXTRA_PIDS=$dpid
    expect_ok fusermount3 -u -- "$M"
    for _ in $(seq $((100 * LF_SLOW))); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$dpid" 2>/dev/null; then fail "daemon mode: daemon alive 5 s after fusermount3 -u"; else pass; fi
    LF_EXTRA_PIDS=
else
    fail "daemon mode (second): mount did not appear"
fi

note "-d implies -f; -s single-threaded; -o passes FUSE options"
LF_LOG=$LF_TMP/debug.log
env --default-signal=INT "$LICENSEFS" -d "$DB" "$M" </dev/null >"$LF_LOG" 2>&1 &
LF_PID=$! LF_MNT=$M
if lf_wait_mounted "$M" "$LF_PID"; then
    pass
    expect_file "$M/products/PERSIST/total" 7
    if kill -0 "$LF_PID" 2>/dev/null; then pass; else fail "-d: the started process exited (it should stay in the foreground)"; fi
    expect_match 'opcode: (LOOKUP|GETATTR)' "$(cat "$LF_LOG")" "-d: libfuse prints the requests"
    fusermount3 -u -- "$M"
    if lf_wait_pid "$LF_PID" 10; then expect_eq 0 "$LF_RC" "-d: exit status"; else fail "-d: daemon did not exit"; fi
    LF_PID=
else
    fail "-d: mount did not appear: $(head -5 "$LF_LOG")"
    lf_kill_daemon
fi

lf_mount -s
expect_file "$M/products/PERSIST/total" 7
expect_file "$M/products/DAEMON/total" 4
expect_ok touch "$M/products/PERSIST/name"
lf_unmount

lf_mount -o allow_other
expect_file "$M/products/PERSIST/total" 7
lf_unmount

note "-o max_threads=N caps the threads serving requests; the default is 3"
# The daemon's threads after eight readers at once: libfuse keeps every thread it started, so
# this is the most that served at once, plus the daemon's own.
threads_after_readers() {
    seq 1 400 | xargs -P 8 -n 10 sh -c 'for i; do cat "$0" >/dev/null; done' \
        "$M/products/PERSIST/total"
    find "/proc/$LF_PID/task" -mindepth 1 -maxdepth 1 | wc -l
}
lf_mount -o max_threads=1
one=$(threads_after_readers)
lf_unmount
lf_mount
default=$(threads_after_readers)
expect_file "$M/products/PERSIST/total" 7
lf_unmount
lf_mount -o max_threads=6
six=$(threads_after_readers)
lf_unmount
if [ "$default" -le $((one + 2)) ]; then pass; else
    fail "default: $default threads after eight readers, more than 3 serving ($one with one)"; fi
if [ "$six" -ge $((one + 3)) ] && [ "$six" -le $((one + 5)) ]; then pass; else
    fail "max_threads=6: $six threads after eight readers ($one with one): not 4 to 6 serving"; fi

note "a daemon ended while files and directories are open frees their handles (their releases never come)"
lf_mount
exec 3<"$M/products/PERSIST/total" 4<"$M/products"
kill -TERM "$LF_PID"
if lf_wait_pid "$LF_PID" 10; then expect_eq 0 "$LF_RC" "exit status after SIGTERM with open handles"; else fail "daemon did not exit after SIGTERM"; fi
exec 3<&- 4<&-
LF_PID=
lf_wait_unmounted "$M" || fusermount3 -uz -- "$M"
lf_check_log "$LF_LOG"

note "generic mount options libfuse does not know (as fstab lines carry them) are ignored"
lf_mount -o relatime,norelatime,strictatime,nostrictatime,diratime,nodiratime,lazytime,nolazytime
expect_file "$M/products/PERSIST/total" 7
lf_unmount
lf_mount -o iversion,noiversion,mand,nomand,silent,loud,noatime
expect_match '(^|,)noatime(,|$)' "$(awk -v m="$M" '$2 == m { print $4 }' /proc/mounts)" "noatime still goes to the kernel"
lf_unmount

lf_finish
