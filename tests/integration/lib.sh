# shellcheck shell=bash
# Shared helpers for the licensefs integration tests: each test script sources this file, mounts
# a real licensefs in a private temporary directory, drives it with coreutils and compares exact
# output and errno messages. Every expect_* helper counts one check; lf_finish prints a summary
# and exits 1 if any check failed. The EXIT trap unmounts and stops the daemon even when a
# script dies half-way, so no mount is ever left behind.
#
# Environment: LICENSEFS (path of the licensefs binary, set by meson), LICENSEFS_VERSION
# (optional, the expected -V output's version), LICENSEFS_BUILD_ROOT, LICENSEFS_SOURCE_ROOT and
# the install directories LICENSEFS_PREFIX, LICENSEFS_BINDIR, LICENSEFS_MANDIR, LICENSEFS_UNITDIR.
#
# A script that sets LF_PRIVATE_MOUNTS=1 before sourcing this file runs in a private mount
# namespace of its own (unshare -m, every mount private), where it may mount over system
# directories (an installed prefix over /usr/local, say) without anyone else seeing it; it is
# skipped (exit 77) where no namespace can be made.
#
# Under valgrind: LICENSEFS_WRAPPER (optional, a command every
# licensefs of the test runs under: tests/valgrind.sh in `meson test --setup valgrind`; a report
# it leaves in $LICENSEFS_WRAPPER_LOGS fails the test), LF_SLOW (optional, N: licensefs runs up
# to N times slower than usual, so the waits for it are N times as long and the heaviest tests
# do less; set by the valgrind setup).

export LC_ALL=C
# Files the tests make are not writable by the group or others, whatever the caller's umask
# (licensefs refuses such a database).
umask 022
# A zone far from UTC (POSIX rule, no tzdata needed): since= must still be UTC.
export TZ=XST-5:30
set -u

LF_NAME=$(basename -- "$0" .sh)
LF_CHECKS=0
LF_FAILS=0
LF_PID=            # pid of the foreground daemon started by lf_mount
LF_MNT=            # mountpoint of the current mount
LF_LOG=            # stderr of the current daemon
LF_LOG_SEQ=0

: "${LICENSEFS:?LICENSEFS must name the licensefs binary}"

if [ ! -e /dev/fuse ] || ! command -v fusermount3 >/dev/null 2>&1; then
    echo "$LF_NAME: SKIP: FUSE unavailable (/dev/fuse or fusermount3 missing)"
    exit 77
fi
if [ ! -x "$LICENSEFS" ]; then
    echo "$LF_NAME: licensefs binary '$LICENSEFS' is not executable" >&2
    exit 1
fi
if [ -n "${LF_PRIVATE_MOUNTS:-}" ] && [ -z "${LF_IN_NAMESPACE:-}" ]; then
    if ! unshare -m true 2>/dev/null; then
        echo "$LF_NAME: SKIP: cannot make a private mount namespace (unshare -m)"
        exit 77
    fi
    LF_IN_NAMESPACE=1 exec unshare -m bash "$0" "$@"
fi
if [ -n "${LF_IN_NAMESPACE:-}" ]; then
    mount --make-rprivate / || exit 1
fi

LF_START=$(date +%s)
LF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/licensefs-it.XXXXXX") || exit 1
LF_TMP=$(realpath -- "$LF_TMP")
M=$LF_TMP/mnt
mkdir -- "$M"

# The backend. LICENSEFS_TEST_BACKEND=postgresql keeps every tenant of the test on a throwaway
# PostgreSQL server of the test's own (tests/pg/cluster, reached through its unix socket), one
# schema per tenant; otherwise a tenant is an SQLite file in LF_TMP. `lf_db NAME` names tenant
# NAME on either, and DB is tenant "tenant". A check of what is SQLite's alone (file modes, WAL
# files, a foreign file) runs under `if lf_sqlite`, beside the PostgreSQL equivalent where
# there is one.
LF_BACKEND=${LICENSEFS_TEST_BACKEND:-sqlite}
LF_PG=
lf_sqlite() { [ "$LF_BACKEND" = sqlite ]; }
lf_db() {
    if lf_sqlite; then
        printf '%s/%s.db' "$LF_TMP" "$1"
    else
        printf 'postgresql:///postgres?host=%s&user=postgres&options=-csearch_path%%3D%s' \
            "$LF_PG" "$1"
    fi
}
# lf_sql NAME SQL: the rows SQL gives in tenant NAME, one line each, columns joined by '|'.
lf_sql() {
    if lf_sqlite; then
        sqlite3 "$(lf_db "$1")" "$2"
    else
        psql -h "$LF_PG" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 \
            -c "SET search_path TO \"$1\"" -c "$2"
    fi
}
# lf_regex TEXT: TEXT as an extended regular expression that matches it alone (a URI has ? and .).
lf_regex() { printf '%s' "$1" | sed 's/[][\\.*^$?+(){}|]/\\&/g'; }
# lf_db_exists NAME: tenant NAME has been created (its file, or its schema).
lf_db_exists() {
    if lf_sqlite; then
        [ -e "$(lf_db "$1")" ]
    else
        [ -n "$(psql -h "$LF_PG" -U postgres -d postgres -XAtq \
            -c "SELECT 1 FROM pg_namespace WHERE nspname = '$1'")" ]
    fi
}
# lf_db_check NAME: "ok" when the engine finds tenant NAME's storage sound: SQLite's
# integrity_check and foreign_key_check, or PostgreSQL's amcheck of every B-tree index (the
# server enforces the foreign keys itself). It waits for a daemon that has just mounted and may
# still be opening the database (after a crash SQLite's first connection rebuilds the WAL index,
# and readers get SQLITE_BUSY meanwhile), as the daemon's own connections do.
lf_db_check() {
    if lf_sqlite; then
        sqlite3 -cmd '.timeout 10000' "$(lf_db "$1")" \
            'PRAGMA integrity_check; PRAGMA foreign_key_check;' 2>&1
    else
        PGOPTIONS='-c client_min_messages=warning' \
            psql -h "$LF_PG" -U postgres -d postgres -XAtq -v ON_ERROR_STOP=1 \
            -c "CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA public" \
            -c "SELECT 'ok' FROM (SELECT count(public.bt_index_check(c.oid, true)) FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam
                WHERE n.nspname = '$1' AND c.relkind = 'i' AND a.amname = 'btree') checked" 2>&1
    fi
}
# lf_db_dump NAME: all of tenant NAME as text, the same for the same tenant (sequences left out:
# PostgreSQL's move on in a transaction that is rolled back; and pg_dump's random \restrict key).
lf_db_dump() {
    if lf_sqlite; then
        sqlite3 "$(lf_db "$1")" .dump 2>&1
    else
        pg_dump -h "$LF_PG" -U postgres -n "$1" postgres 2>&1 |
            grep -Ev '^(SELECT pg_catalog.setval|\\restrict |\\unrestrict )'
    fi
}
# lf_db_drop NAME: tenant NAME is gone, as if never made.
lf_db_drop() {
    if lf_sqlite; then
        rm -f -- "$(lf_db "$1")" "$(lf_db "$1")-wal" "$(lf_db "$1")-shm"
    else
        psql -h "$LF_PG" -U postgres -d postgres -XAtq -c "DROP SCHEMA IF EXISTS \"$1\" CASCADE"
    fi
}
if [ "$LF_BACKEND" = postgresql ]; then
    # Outside LF_TMP, which the postgres user may not enter.
    LF_PG=$(mktemp -d /tmp/licensefs-pg.XXXXXX) || exit 1
    "${LICENSEFS_SOURCE_ROOT:?}/tests/pg/cluster" start "$LF_PG" || {
        echo "$LF_NAME: cannot start a PostgreSQL server"; rm -rf -- "$LF_PG"; exit 1; }
elif [ "$LF_BACKEND" != sqlite ]; then
    echo "$LF_NAME: unknown LICENSEFS_TEST_BACKEND '$LF_BACKEND'" >&2
    exit 1
fi
DB=$(lf_db tenant)

LF_SLOW=${LF_SLOW:-1}
# shellcheck disable=SC2034 # used by the tests
LF_BIN=$LICENSEFS  # the binary itself, as it shows in a daemon's command line
# Through LICENSEFS_WRAPPER: $LICENSEFS becomes a script that runs the real binary under it, so
# every way the tests start licensefs (mounts, verbs, timeout, env, script) goes through it.
if [ -n "${LICENSEFS_WRAPPER:-}" ]; then
    LICENSEFS_WRAPPER_LOGS=$LF_TMP/wrapper-logs
    export LICENSEFS_WRAPPER_LOGS
    mkdir -- "$LICENSEFS_WRAPPER_LOGS" "$LF_TMP/bin"
    printf '#!/bin/bash\nexec %q %q "$@"\n' "$LICENSEFS_WRAPPER" "$LICENSEFS" >"$LF_TMP/bin/licensefs"
    chmod +x -- "$LF_TMP/bin/licensefs"
    LICENSEFS=$LF_TMP/bin/licensefs
fi

# ---------------------------------------------------------------------------------------------
# Reporting

pass() { LF_CHECKS=$((LF_CHECKS + 1)); }

fail() {
    LF_CHECKS=$((LF_CHECKS + 1))
    LF_FAILS=$((LF_FAILS + 1))
    # the line of the test script's top-level statement that failed
    local n=${#BASH_LINENO[@]}
    printf 'FAIL [%s:%s]: %s\n' "$LF_NAME" "${BASH_LINENO[n - 2]:-?}" "$*"
}

# note TEXT: a progress line, so a failure can be placed in the log.
note() { printf -- '--- %s\n' "$*"; }

# Show a value with control characters visible.
lf_show() { printf '%s' "$1" | od -An -c -w4096 | tr -s ' ' | head -c 400; }

# lf_check_wrapper_logs: the reports LICENSEFS_WRAPPER left (valgrind's, of every licensefs
# that found an error, detached daemons' included) each fail the test.
lf_check_wrapper_logs() {
    local log
    [ -n "${LICENSEFS_WRAPPER_LOGS:-}" ] || return 0
    for log in "$LICENSEFS_WRAPPER_LOGS"/*; do
        [ -s "$log" ] || continue
        fail "$LICENSEFS_WRAPPER reported (${log##*/}):"
        head -60 -- "$log" | sed 's/^/    /'
        : >"$log"
    done
}

lf_finish() {
    lf_unmount_all
    lf_check_wrapper_logs
    if [ "$LF_FAILS" -eq 0 ]; then
        printf '%s: all %d checks passed\n' "$LF_NAME" "$LF_CHECKS"
        exit 0
    fi
    printf '%s: %d of %d checks FAILED\n' "$LF_NAME" "$LF_FAILS" "$LF_CHECKS"
    exit 1
}

# ---------------------------------------------------------------------------------------------
# Mounting

# lf_is_mounted DIR: DIR is a licensefs mountpoint in /proc/mounts.
lf_is_mounted() {
    awk -v m="$1" '$2 == m && $3 == "fuse.licensefs" { found = 1 } END { exit !found }' /proc/mounts
}

# lf_any_mount_at DIR: anything is mounted on DIR.
lf_any_mount_at() {
    awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/mounts
}

# lf_wait_mounted DIR [PID]: wait up to 5 s (times LF_SLOW) for DIR to appear; fail early if
# PID dies.
lf_wait_mounted() {
    local _
    for _ in $(seq $((100 * LF_SLOW))); do
        lf_is_mounted "$1" && return 0
        if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
            return 1
        fi
        sleep 0.05
    done
    return 1
}

# lf_wait_unmounted DIR: wait up to 5 s (times LF_SLOW) for DIR to disappear from /proc/mounts.
lf_wait_unmounted() {
    local _
    for _ in $(seq $((100 * LF_SLOW))); do
        lf_any_mount_at "$1" || return 0
        sleep 0.05
    done
    return 1
}

# lf_wait_gone PID: wait up to 5 s for a process that is not our child (a detached daemon) to end.
lf_wait_gone() {
    local _
    for _ in $(seq 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

# expect_sigterm_ends PID DIR: SIGTERM to the detached daemon PID unmounts DIR and ends it, each
# within 5 s.
expect_sigterm_ends() {
    kill -TERM "$1"
    if lf_wait_unmounted "$2"; then pass; else fail "$2 still mounted 5 s after SIGTERM"; fi
    if lf_wait_gone "$1"; then pass; else fail "daemon $1 alive 5 s after SIGTERM"; fi
}

# lf_wait_pid PID SECONDS: wait for a child to exit; sets LF_RC. Kills it after the timeout
# (times LF_SLOW).
lf_wait_pid() {
    local pid=$1 _
    for _ in $(seq $(($2 * 20 * LF_SLOW))); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        LF_RC=timeout
        return 1
    fi
    wait "$pid" 2>/dev/null
    LF_RC=$?
    return 0
}

# lf_mount [--db PATH] [--mnt DIR] [--netns FILE] [ARGS...]: start `licensefs -f ARGS DB MNT`
# in the background (stderr to a log file) and wait for the mount. ARGS may hold --demo, -s,
# -o ... With --netns the daemon runs in the network namespace bound at FILE (nsenter --net, so
# LF_PID is still the daemon's pid) and its mount is in ours, where the test can drive it.
lf_mount() {
    local db=$DB mnt=$M in=()
    while [ $# -gt 0 ]; do
        case $1 in
            --db) db=$2; shift 2 ;;
            --mnt) mnt=$2; shift 2 ;;
            --netns) in=(nsenter "--net=$2"); shift 2 ;;
            *) break ;;
        esac
    done
    LF_LOG_SEQ=$((LF_LOG_SEQ + 1))
    LF_LOG=$LF_TMP/daemon.$LF_LOG_SEQ.log
    LF_MNT=$mnt
    # A background job of a non-interactive shell starts with SIGINT ignored; the daemon
    # should see the signals the way it would from a terminal.
    "${in[@]}" env --default-signal=INT,QUIT,TERM "$LICENSEFS" -f "$@" "$db" "$mnt" \
        </dev/null >>"$LF_LOG" 2>&1 &
    LF_PID=$!
    if lf_wait_mounted "$mnt" "$LF_PID"; then
        pass
        return 0
    fi
    fail "mount of $db on $mnt with args [$*] did not appear within $((5 * LF_SLOW)) s; daemon log:"
    sed 's/^/    /' "$LF_LOG"
    lf_kill_daemon
    return 1
}

# lf_kill_daemon: last resort when a daemon is stuck.
lf_kill_daemon() {
    if [ -n "$LF_MNT" ] && lf_any_mount_at "$LF_MNT"; then
        fusermount3 -u -- "$LF_MNT" 2>/dev/null || fusermount3 -uz -- "$LF_MNT" 2>/dev/null
    fi
    if [ -n "$LF_PID" ]; then
        lf_wait_pid "$LF_PID" 3 || true
    fi
    LF_PID=
}

# lf_check_log FILE: the daemon's stderr holds nothing but refusal log lines, one line each
# with the operation, the path and the errno's text ("licensefs: unlink /products/X/users/u@d:
# Operation not permitted: ...", "...: Input/output error: ..." when the database failed), and
# no sanitizer or libfuse noise.
lf_check_log() {
    local log=$1 bad
    bad=$(grep -vE '^licensefs: [a-z][a-z ]* /.*: [A-Z][A-Za-z/ ]+: .' -- "$log")
    if [ -n "$bad" ]; then
        fail "daemon stderr has lines that are not refusal log lines (licensefs: OP /PATH: ERROR: REASON):"
        printf '%s\n' "$bad" | head -20 | sed 's/^/    /'
    elif grep -qiE 'sanitizer|runtime error|leak|assert|segmentation' -- "$log"; then
        fail "daemon stderr reports a crash or sanitizer error:"
        head -20 -- "$log" | sed 's/^/    /'
    else
        pass
    fi
}

# lf_unmount: fusermount3 -u, wait for the daemon, require exit 0 and a clean stderr.
lf_unmount() {
    local out
    [ -n "$LF_PID" ] || return 0
    if ! out=$(fusermount3 -u -- "$LF_MNT" 2>&1); then
        fail "fusermount3 -u $LF_MNT failed: $out"
    else
        pass
    fi
    if lf_wait_pid "$LF_PID" 10; then
        expect_eq 0 "$LF_RC" "daemon exit status after fusermount3 -u"
    else
        fail "daemon did not exit within $((10 * LF_SLOW)) s of fusermount3 -u (killed)"
    fi
    LF_PID=
    if lf_any_mount_at "$LF_MNT"; then
        fail "$LF_MNT still mounted after unmount"
        fusermount3 -uz -- "$LF_MNT" 2>/dev/null
    fi
    lf_check_log "$LF_LOG"
}

# lf_install DESTDIR: meson install of the build under test into DESTDIR, so that its files land
# in DESTDIR$LICENSEFS_PREFIX/...; counts one check.
lf_install() {
    local out
    : "${LICENSEFS_BUILD_ROOT:?LICENSEFS_BUILD_ROOT must name the build directory}"
    if out=$(meson install -C "$LICENSEFS_BUILD_ROOT" --no-rebuild --quiet --destdir "$1" 2>&1); then
        pass
    else
        fail "meson install --destdir $1 failed: $out"
        return 1
    fi
}

lf_unmount_all() {
    [ -n "$LF_PID" ] && lf_unmount
    return 0
}

# lf_cleanup: EXIT trap. Unmounts everything under LF_TMP, kills stuck daemons we started,
# removes LF_TMP without crossing into a mount.
lf_cleanup() {
    local m
    if [ -n "$LF_PID" ]; then
        lf_kill_daemon
    fi
    awk -v t="$LF_TMP/" 'index($2, t) == 1 { print $2 }' /proc/mounts | while read -r m; do
        m=$(printf '%b' "$m")
        fusermount3 -u -- "$m" 2>/dev/null || fusermount3 -uz -- "$m" 2>/dev/null || umount -l -- "$m"
    done
    for pid in ${LF_EXTRA_PIDS:-}; do
        kill -KILL "$pid" 2>/dev/null
    done
    if [ -n "$LF_PG" ]; then
        "$LICENSEFS_SOURCE_ROOT/tests/pg/cluster" stop "$LF_PG"
    fi
    if [ -z "${LF_KEEP:-}" ]; then
        rm -rf --one-file-system -- "$LF_TMP"
    else
        echo "kept $LF_TMP"
    fi
}
trap lf_cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Running the program itself

# lf_run OUT ERR ARGS...: run licensefs synchronously (bounded) with stdout/stderr to files; sets
# LF_RC.
lf_run() {
    local out=$1 err=$2
    shift 2
    timeout $((10 * LF_SLOW)) "$LICENSEFS" "$@" >"$out" 2>"$err" </dev/null
    LF_RC=$?
}

# expect_refusal WHAT CODE ARGS...: licensefs ARGS exits CODE with exactly one stderr line
# "licensefs: ..." (left in LF_ERR), empty stdout, and nothing mounted on $M.
expect_refusal() {
    local what=$1 code=$2
    shift 2
    lf_run "$LF_TMP/out" "$LF_TMP/err" "$@"
    # shellcheck disable=SC2034 # for the tests
    LF_ERR=$(cat -- "$LF_TMP/err")
    expect_eq "$code" "$LF_RC" "$what: exit status"
    expect_eq 1 "$(wc -l <"$LF_TMP/err")" "$what: number of stderr lines ($(head -c 300 "$LF_TMP/err"))"
    expect_match '^licensefs: .' "$(head -n1 "$LF_TMP/err")" "$what: stderr"
    expect_eq "" "$(cat "$LF_TMP/out")" "$what: stdout"
    if lf_any_mount_at "$M"; then
        fail "$what: something is mounted on $M"
        fusermount3 -u -- "$M"
    else
        pass
    fi
}

# ---------------------------------------------------------------------------------------------
# Assertions. Commands run with stdin from /dev/null (so rm never prompts).

# expect_ok CMD...: exit status 0 and empty stderr.
expect_ok() {
    local err rc
    err=$("$@" 2>&1 >/dev/null </dev/null)
    rc=$?
    if [ "$rc" -ne 0 ]; then
        fail "expected success: ${*@Q}; exit $rc: $err"
    elif [ -n "$err" ]; then
        fail "expected quiet success: ${*@Q}; stderr: $err"
    else
        pass
    fi
}

# expect_fail TEXT CMD...: non-zero exit and stderr containing TEXT (a strerror message).
expect_fail() {
    local want=$1 err rc
    shift
    err=$("$@" 2>&1 >/dev/null </dev/null)
    rc=$?
    if [ "$rc" -eq 0 ]; then
        fail "expected failure '$want': ${*@Q}; it succeeded${err:+ (stderr: $err)}"
    elif [[ $err != *"$want"* ]]; then
        fail "expected failure '$want': ${*@Q}; exit $rc, stderr: $err"
    else
        pass
    fi
}

# expect_eq EXPECTED ACTUAL WHAT
expect_eq() {
    if [ "$1" == "$2" ]; then
        pass
    else
        fail "$3: expected [$1], got [$2]"
    fi
}

# run_lf OUT ERR ARGS...: run licensefs (bounded) with stdout and stderr to files; sets LF_RC.
run_lf() {
    local out=$1 err=$2
    shift 2
    timeout 60 "$LICENSEFS" "$@" >"$out" 2>"$err" </dev/null
    LF_RC=$?
}

# expect_match REGEX ACTUAL WHAT (extended regex, bash =~)
expect_match() {
    if [[ $2 =~ $1 ]]; then
        pass
    else
        fail "$3: [$2] does not match /$1/"
    fi
}

# lf_read PATH: prints PATH's exact content (trailing newlines kept) into LF_DATA; returns cat's
# status.
lf_read() {
    local rc
    LF_DATA=$(cat -- "$1" 2>&1; rc=$?; printf x; exit $rc)
    rc=$?
    LF_DATA=${LF_DATA%x}
    return $rc
}

# lf_size_ok PATH: st_size equals the bytes cat prints.
lf_size_ok() {
    local size bytes
    size=$(stat -c %s -- "$1" 2>&1)
    bytes=$(cat -- "$1" 2>/dev/null | wc -c)
    expect_eq "$bytes" "$size" "st_size of $1 vs bytes cat prints"
}

# expect_file PATH [LINE...]: PATH holds exactly these lines, each ending in a newline (no LINE:
# the file is empty), and st_size agrees.
expect_file() {
    local path=$1 want=
    shift
    [ $# -gt 0 ] && want=$(printf '%s\n' "$@"; printf x) && want=${want%x}
    if ! lf_read "$path"; then
        fail "cat $path failed: $LF_DATA"
        return
    fi
    if [ "$LF_DATA" == "$want" ]; then
        pass
    else
        fail "content of $path: expected [$(lf_show "$want")], got [$(lf_show "$LF_DATA")]"
    fi
    lf_size_ok "$path"
}

# LF_SINCE_RE: the since= line format.
LF_SINCE_RE='^since=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

# expect_record PATH LINE...: like expect_file, but the file's since= line must match
# LF_SINCE_RE and is compared as "since=T" (write since=T among the expected LINEs).
expect_record() {
    local path=$1 want got since
    shift
    want=$(printf '%s\n' "$@"; printf x)
    want=${want%x}
    if ! lf_read "$path"; then
        fail "cat $path failed: $LF_DATA"
        return
    fi
    since=$(printf '%s' "$LF_DATA" | grep '^since=')
    if [ "$(printf '%s\n' "$since" | grep -cE "$LF_SINCE_RE")" -ne 1 ] || [[ $since == *$'\n'* ]]; then
        fail "$path: expected one since= line matching $LF_SINCE_RE, got [$since]"
    else
        pass
    fi
    got=$(printf '%s' "$LF_DATA" | sed -E "s/$LF_SINCE_RE/since=T/"; printf x)
    got=${got%x}
    if [ "$got" == "$want" ]; then
        pass
    else
        fail "record $path: expected [$(lf_show "$want")], got [$(lf_show "$got")]"
    fi
    lf_size_ok "$path"
}

# since_of PATH: the epoch seconds of PATH's since= line (empty if none).
since_of() {
    local s
    s=$(grep -m1 '^since=' -- "$1" 2>/dev/null) || return 0
    s=${s#since=}
    date -u -d "${s%Z}" +%s 2>/dev/null
}

# expect_recent PATH: PATH's since= time lies between the start of this script and now (UTC).
expect_recent() {
    local t now
    t=$(since_of "$1") now=$(date +%s)
    if [ -n "$t" ] && [ "$t" -ge $((LF_START - 2)) ] && [ "$t" -le $((now + 2)) ]; then
        pass
    else
        fail "since= of $1 ($(grep '^since=' "$1" 2>&1)) is not between $(date -u -d "@$LF_START" +%FT%TZ) and $(date -u -d "@$now" +%FT%TZ)"
    fi
}

# expect_mode PATH MODE (as stat -c %a prints it, e.g. 444, 755)
expect_mode() {
    local got
    got=$(stat -c %a -- "$1" 2>&1)
    expect_eq "${2#0}" "$got" "mode of $1"
}

# expect_type PATH directory|"regular file"|...
expect_type() {
    local got
    got=$(stat -c %F -- "$1" 2>&1)
    expect_eq "$2" "$got" "type of $1"
}

# expect_ls DIR NAME...: ls -A of DIR lists exactly these names (ls sorts them, LC_ALL=C).
expect_ls() {
    local dir=$1 want got
    shift
    want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
    if ! got=$(ls -A -- "$dir" 2>&1); then
        fail "ls $dir failed: $got"
        return
    fi
    if [ "$got" == "$want" ]; then
        pass
    else
        fail "ls $dir: expected [$(echo "$want" | tr '\n' ' ')], got [$(echo "$got" | tr '\n' ' ')]"
    fi
}

# expect_absent PATH: stat fails with ENOENT.
expect_absent() {
    expect_fail "No such file or directory" stat -- "$1"
}

# expect_exists PATH
expect_exists() {
    local err
    if err=$(stat -- "$1" 2>&1 >/dev/null); then
        pass
    else
        fail "expected $1 to exist: $err"
    fi
}

# ---------------------------------------------------------------------------------------------
# Writers for attribute files: each does one write() of the given bytes (as echo/printf do).
# bash's builtins write stdout line-buffered (one write() per line), coreutils printf writes a
# short output in one write(): put uses it so a multi-line value arrives in one write().

# put PATH STRING: printf '%s' STRING > PATH (no newline), one write()
put() { bash -c 'exec /usr/bin/printf "%s" "$2" > "$1"' put "$1" "$2"; }
# putln PATH STRING: echo STRING > PATH
putln() { bash -c 'echo "$2" > "$1"' putln "$1" "$2"; }
# truncate_only PATH: : > PATH (open with O_TRUNC, no write)
truncate_only() { bash -c ': > "$1"' truncate_only "$1"; }
# append PATH STRING: echo STRING >> PATH
append() { bash -c 'echo "$2" >> "$1"' append "$1" "$2"; }

# expect_counts SKU TOTAL ASSIGNED AVAILABLE [EXPIRING]: the count files of products/SKU, and
# that products/SKU/users lists ASSIGNED names.
expect_counts() {
    local p=$M/products/$1 n
    expect_file "$p/total" "$2"
    expect_file "$p/assigned" "$3"
    expect_file "$p/available" "$4"
    [ $# -ge 5 ] && expect_file "$p/expiring_soon" "$5"
    n=$(find "$p/users" -mindepth 1 -maxdepth 1 | wc -l)
    expect_eq "$3" "$n" "number of entries in products/$1/users"
}

# expect_logged PATH ERRNO_TEXT ERRNO_NAME: the daemon logged a refusal line naming PATH (as
# seen inside the mount, e.g. /products/X/users/u@d) and the errno (strerror text or name).
expect_logged() {
    local path=$1 text=$2 name=$3
    if grep -F -- "$path" "$LF_LOG" | grep -qE -- "$text|\\b$name\\b"; then
        pass
    else
        fail "no refusal log line with '$path' and '$text'/$name; log tail: $(tail -3 "$LF_LOG")"
    fi
}

# lf_snapshot DIR: every file's path, mode and content below DIR (for "nothing changed"), but
# the audit log, which records every call, refused or not.
lf_snapshot() {
    (cd -- "$1" && find . -path ./audit -prune -o -print0 | sort -z | while IFS= read -r -d '' f; do
        printf '%s %s\n' "$(stat -c '%a %F' -- "$f")" "$f"
        [ -f "$f" ] && cat -- "$f" | sed 's/^/    /'
    done)
}

# expect_unchanged BEFORE WHAT: the whole tree below $M (paths, modes, contents) equals
# lf_snapshot BEFORE; else a diff, WHAT saying after what.
expect_unchanged() {
    local after
    after=$(lf_snapshot "$M")
    if [ "$1" == "$after" ]; then
        pass
    else
        fail "$2: the tree changed:"
        diff <(printf '%s\n' "$1") <(printf '%s\n' "$after") | head -20 | sed 's/^/    /'
    fi
}
