#!/bin/bash
# The systemd unit licensefs@.service as meson installs it: its ExecStart follows the prefix's
# bindir, `systemd-analyze verify` passes with the installed prefix in place (it checks that
# ExecStart's program exists and that man:licensefs(1) is there), and its commands, run as
# systemd runs them for licensefs@demo, behave as Type=forking needs: the start returns once
# the tenant is mounted and fails when it cannot be, SIGTERM (systemctl stop) unmounts, and
# ExecStopPost clears the stale mount a crash leaves so that a restart mounts again. An
# instance's /etc/licensefs/NAME.env names another DATABASE: on PostgreSQL, the test's server.
LF_PRIVATE_MOUNTS=1
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

if ! command -v systemd-analyze >/dev/null; then
    echo "t_systemd: SKIP: systemd-analyze (package systemd) is not installed"
    exit 77
fi
if [ "$LICENSEFS_PREFIX" != /usr/local ]; then
    # The installed unit runs $LICENSEFS_BINDIR/licensefs; only /usr/local can be replaced by
    # the temporary install without hiding the system's own programs.
    echo "t_systemd: SKIP: the build's prefix is $LICENSEFS_PREFIX, not the default /usr/local"
    exit 77
fi

R=$LF_TMP/root
UNIT=/usr/local/lib/systemd/system/licensefs@.service
lf_install "$R" || lf_finish

note "the unit's commands follow the prefix"
exec_lines=$(grep -E '^Exec|^Type=' "$R$UNIT")
expect_eq "Type=forking
ExecStartPre=/bin/mkdir -p /mnt/licenses/%i
ExecStart=$LICENSEFS_BINDIR/licensefs \${DATABASE} /mnt/licenses/%i
ExecStopPost=-/bin/fusermount3 -uz /mnt/licenses/%i" "$exec_lines" "Type= and Exec lines of the installed unit"
expect_eq "$(cat "$LICENSEFS_BUILD_ROOT/systemd/licensefs@.service")" "$(cat "$R$UNIT")" "the installed unit is the generated one"

note "systemd-analyze verify"
# Without the program in place, verify must object (so that its silence below means something).
mkdir "$LF_TMP/empty"
mount --bind "$LF_TMP/empty" /usr/local
if out=$(systemd-analyze verify "$R$UNIT" 2>&1); then
    fail "systemd-analyze verify passes with no licensefs in /usr/local/bin: $out"
else
    expect_match "/usr/local/bin/licensefs is not executable" "$out" "systemd-analyze verify without the program"
fi
umount /usr/local
mount --bind "$R/usr/local" /usr/local
out=$(systemd-analyze verify "$UNIT" 2>&1)
expect_eq "0:" "$?:$out" "systemd-analyze verify $UNIT (status:output)"

note "the unit's commands for licensefs@demo, as systemd runs them"
# A private /mnt and /var/lib (StateDirectory= makes /var/lib/licensefs, 0700).
mount -t tmpfs licensefs-mnt /mnt
mount -t tmpfs licensefs-var /var/lib
mkdir -m 0700 /var/lib/licensefs
mount -t tmpfs licensefs-etc /etc/licensefs 2>/dev/null ||
    { mkdir -p /etc/licensefs && mount -t tmpfs licensefs-etc /etc/licensefs; }
# unit_command KEY INSTANCE: the unit's KEY= command line for INSTANCE, without a leading -.
unit_command() {
    sed -n "s/^$1=-\{0,1\}//p" "$UNIT" | sed "s/%i/$2/g"
}
# unit_run KEY INSTANCE: runs it as systemd does: the unit's Environment= and then the
# instance's EnvironmentFile= (if any) in the environment, ${VAR} replaced by its value as one
# word, other words split; sets LF_RC.
unit_run() {
    local cmd word args=() env=()
    env+=("$(sed -n 's/^Environment=//p' "$UNIT" | sed "s/%i/$2/g")")
    if [ -f "/etc/licensefs/$2.env" ]; then
        while IFS= read -r word; do env+=("$word"); done <"/etc/licensefs/$2.env"
    fi
    cmd=$(unit_command "$1" "$2")
    for word in $cmd; do
        if [[ $word =~ ^\$\{([A-Z_]+)\}$ ]]; then
            word=$(env -i "${env[@]}" printenv "${BASH_REMATCH[1]}")
        fi
        args+=("$word")
    done
    timeout 20 env "${env[@]}" "${args[@]}" >"$LF_TMP/out" 2>&1 </dev/null
    LF_RC=$?
}
daemon_pid() {
    pgrep -xf "$LICENSEFS_BINDIR/licensefs /var/lib/licensefs/$1.db /mnt/licenses/$1"
}
M=/mnt/licenses/demo

unit_run ExecStartPre demo
expect_eq 0 "$LF_RC" "ExecStartPre"
unit_run ExecStart demo
expect_eq 0 "$LF_RC" "ExecStart: exit status ($(cat "$LF_TMP/out"))"
expect_eq "" "$(cat "$LF_TMP/out")" "ExecStart: output"
if lf_is_mounted "$M"; then pass; else fail "$M is not mounted when ExecStart returns"; fi
expect_eq "/var/lib/licensefs/demo.db $M fuse.licensefs" "$(awk -v m="$M" '$2 == m { print $1, $2, $3 }' /proc/mounts)" "/proc/mounts line"
expect_mode /var/lib/licensefs/demo.db 600
expect_file "$M/tenant/name" "Default Directory"
expect_ok mkdir "$M/products/UNIT"
pid=$(daemon_pid demo)
expect_match '^[0-9]+$' "$pid" "one daemon, the main process systemd guesses"
LF_EXTRA_PIDS=$pid

note "systemctl stop: SIGTERM unmounts and ends the daemon; ExecStopPost has nothing to clear"
expect_sigterm_ends "$pid" "$M"
unit_run ExecStopPost demo
expect_match "^/bin/fusermount3: .*$M" "$(cat "$LF_TMP/out")" "ExecStopPost after a clean stop fails (and the unit ignores that)"

note "a crash: ExecStopPost clears the stale mount, the restart mounts again"
unit_run ExecStartPre demo
unit_run ExecStart demo
expect_eq 0 "$LF_RC" "ExecStart again"
pid=$(daemon_pid demo)
LF_EXTRA_PIDS=$pid
kill -KILL "$pid"
lf_wait_gone "$pid"
expect_fail "Transport endpoint is not connected" ls "$M"
unit_run ExecStopPost demo
expect_eq 0 "$LF_RC" "ExecStopPost after the crash ($(cat "$LF_TMP/out"))"
if lf_wait_unmounted "$M"; then pass; else fail "the stale mount is still there after ExecStopPost"; fi
unit_run ExecStartPre demo
unit_run ExecStart demo
expect_eq 0 "$LF_RC" "ExecStart after the crash ($(cat "$LF_TMP/out"))"
expect_ls "$M/products" UNIT
pid=$(daemon_pid demo)
LF_EXTRA_PIDS=$pid
expect_sigterm_ends "$pid" "$M"

note "a failed start: a database that is not one"
printf 'this is not a database at all, just text\n' >/var/lib/licensefs/broken.db
unit_run ExecStartPre broken
unit_run ExecStart broken
expect_eq 3 "$LF_RC" "ExecStart with a broken database: exit status"
expect_eq "licensefs: /var/lib/licensefs/broken.db: database error: file is not a database" "$(cat "$LF_TMP/out")" "ExecStart with a broken database: message"
if lf_any_mount_at /mnt/licenses/broken; then fail "/mnt/licenses/broken is mounted"; else pass; fi
if daemon_pid broken >/dev/null; then fail "a daemon runs for the broken database"; else pass; fi

if ! lf_sqlite; then
    note "an instance on PostgreSQL: DATABASE in /etc/licensefs/NAME.env"
    printf 'DATABASE=%s\n' "$DB" >/etc/licensefs/pg.env
    unit_run ExecStartPre pg
    unit_run ExecStart pg
    expect_eq 0 "$LF_RC" "ExecStart on PostgreSQL: exit status ($(cat "$LF_TMP/out"))"
    expect_eq "$DB /mnt/licenses/pg fuse.licensefs" "$(awk '$2 == "/mnt/licenses/pg" { print $1, $2, $3 }' /proc/mounts)" "/proc/mounts line of the instance on PostgreSQL"
    expect_ok mkdir /mnt/licenses/pg/products/SERVER
    expect_eq SERVER "$(lf_sql tenant 'SELECT sku FROM products')" "the product is on the server"
    expect_absent /var/lib/licensefs/pg.db
    pid=$(pgrep -f "^$(lf_regex "$LICENSEFS_BINDIR/licensefs $DB /mnt/licenses/pg")\$")
    LF_EXTRA_PIDS=$pid
    expect_sigterm_ends "$pid" /mnt/licenses/pg
fi

LF_EXTRA_PIDS=
lf_finish
