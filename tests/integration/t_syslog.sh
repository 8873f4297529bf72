#!/bin/bash
# The detached daemon logs to syslog: a refusal reaches /dev/log as one message of facility
# daemon, priority notice, tagged licensefs[PID]. The machine needs no syslog daemon: in a
# private mount namespace /dev is replaced by a copy of the nodes licensefs needs plus a socket
# /dev/log, on which syslog_sink (built with the tests) stands in for the syslog daemon.
LF_PRIVATE_MOUNTS=1
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

: "${LICENSEFS_SYSLOG_SINK:?LICENSEFS_SYSLOG_SINK must name the syslog_sink helper}"

note "a /dev of its own, with /dev/log read by syslog_sink"
dev=$LF_TMP/dev
mkdir "$dev"
mount -t tmpfs -o mode=0755 licensefs-dev "$dev"
cp -a /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/fuse "$dev"/
# PostgreSQL's shared memory, for a test server started before /dev is replaced
mkdir "$dev/shm"
mount --bind /dev/shm "$dev/shm"
ln -s /proc/self/fd "$dev/fd"
ln -s /proc/self/fd/0 "$dev/stdin"
ln -s /proc/self/fd/1 "$dev/stdout"
ln -s /proc/self/fd/2 "$dev/stderr"
"$LICENSEFS_SYSLOG_SINK" "$dev/log" >"$LF_TMP/syslog" 2>&1 &
sink=$!
LF_EXTRA_PIDS=$sink
for _ in $(seq 100); do [ -S "$dev/log" ] && break; sleep 0.05; done
if [ -S "$dev/log" ]; then pass; else fail "syslog_sink made no socket: $(cat "$LF_TMP/syslog")"; fi
mount --rbind "$dev" /dev   # with its shm

note "daemon mode: a refusal goes to syslog"
out=$(timeout 10 "$LICENSEFS" --demo "$DB" "$M" 2>&1 </dev/null)
expect_eq "0:" "$?:$out" "licensefs --demo DATABASE MOUNTPOINT (status:output)"
if lf_is_mounted "$M"; then pass; else fail "$M is not mounted"; fi
# by the end of its command line: under valgrind (LICENSEFS_WRAPPER) valgrind's own comes first
pid=$(pgrep -f -- "(^| )$(lf_regex "$LF_BIN --demo $DB $M")\$" | head -n1)
expect_match '^[0-9]+$' "$pid" "the daemon's pid"
LF_EXTRA_PIDS="$LF_EXTRA_PIDS $pid"
expect_fail "Operation not permitted" rm "$M/products/AAD_PREMIUM/users/alex@contoso.com"
want="licensefs[$pid]: unlink /products/AAD_PREMIUM/users/alex@contoso.com: Operation not permitted: User license is inherited from a group membership and it cannot be removed directly from the user. ('alex@contoso.com', 'AAD_PREMIUM')"
for _ in $(seq 100); do grep -qF -- "$want" "$LF_TMP/syslog" && break; sleep 0.05; done
# <29>: facility daemon (3 * 8) and priority notice (5); then the time stamp syslog(3) writes.
expect_eq "<29>TIME $want" "$(sed -E 's/^(<[0-9]+>)[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} /\1TIME /' "$LF_TMP/syslog")" "what syslog received"

note "SIGTERM unmounts; the log gets no more"
expect_sigterm_ends "$pid" "$M"
expect_eq 1 "$(wc -l <"$LF_TMP/syslog")" "messages syslog received in all"
{ kill "$sink" && wait "$sink"; } 2>/dev/null
LF_EXTRA_PIDS=

lf_finish
