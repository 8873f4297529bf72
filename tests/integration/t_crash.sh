#!/bin/bash
# Crash safety: parallel workers touch and rm holder files and add and remove group
# members while the daemon is killed with SIGKILL at a random moment, for several rounds. After
# each kill the stale mount answers "Transport endpoint is not connected", `fusermount3 -u`
# clears it and the same mount point mounts again (the README's advice), and then:
# - every operation that returned success is in effect: per path, the last successful touch or
#   rm decides whether the path exists (workers own disjoint users, so per-path order is the
#   order of one worker's log); the one operation per worker that was in flight at the kill may
#   have gone either way, and its observed outcome becomes the baseline of the next round;
# - the storage is sound (SQLite's integrity_check, PostgreSQL's amcheck), of the files the killed
#   daemon left and of the live database;
# On PostgreSQL, rounds follow in which the server is killed instead (SIGKILL of the postmaster
# and its children, synchronous_commit on): the daemon stays mounted, the calls in flight fail
# with EIO, and once the server is back the same mount answers again without a remount, with
# every acknowledged operation in effect.
# - the invariants hold: assigned equals the holder files and is at most total, available =
#   total - assigned, nobody waits while seats are free, every holder has a path (direct=yes or a
#   group= line of a licensed group it is a member of), every member of a licensed group holds
#   or waits, nobody both holds and waits.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

D=example.com
P=$M/products/CR
NUSERS=40
NWORKERS=4
# A slow daemon (LF_SLOW=N, under valgrind) gets half the rounds, each N times as long.
ROUNDS=${LF_CRASH_ROUNDS:-$((LF_SLOW > 1 ? 4 : 8))}
TOTAL=15
W=$LF_TMP/work
mkdir -- "$W"
ALL=$W/all.log          # every round's successful operations, in per-worker order
: >"$ALL"
OPS_CHECKED=0
KEYS_CHECKED=0
MAYBE=0

# The README tells what to do about a stale mount after a crash.
README=$(dirname -- "$0")/../../README.md
if grep -q 'Transport endpoint is not connected' -- "$README" && grep -q 'fusermount3 -u' -- "$README"; then
    pass
else
    fail "README.md does not say how to clear a stale mount ('Transport endpoint is not connected', fusermount3 -u)"
fi

# ---------------------------------------------------------------------------------------------
# The tenant: one product of TOTAL seats, NUSERS users with a usage location, two licensed groups.

lf_mount || lf_finish
expect_ok mkdir "$P" "$M/groups/G1" "$M/groups/G2"
expect_ok putln "$P/total" $TOTAL
expect_ok touch "$P/groups/G1" "$P/groups/G2"
for i in $(seq $NUSERS); do
    mkdir "$M/users/u$i@$D" && putln "$M/users/u$i@$D/usage_location" US || fail "create user u$i"
done
expect_eq $NUSERS "$(find "$M/users" -mindepth 1 -maxdepth 1 | wc -l)" "users created"

# worker N LOG FIRST LAST: random operations on users uFIRST..uLAST (its own), until the mount
# stops answering. Appends "ok OP KEY" for every operation that returned success and, for the
# one that failed because the daemon died (it may have been committed), "maybe OP KEY"; then
# exits. KEY is direct:UPN (the direct path, through either alias) or G1:UPN, G2:UPN.
worker() {
    local log=$2 first=$3 last=$4 i u op key path err end=$((SECONDS + 20))
    exec 3>>"$log"
    RANDOM=$(($1 * 7919 + $$))
    while [ $SECONDS -lt $end ]; do
        i=$((first + RANDOM % (last - first + 1)))
        u=u$i@$D
        case $((RANDOM % 8)) in
            0) op=touch key=direct:$u path=$P/users/$u ;;
            1) op=touch key=direct:$u path=$M/users/$u/licenses/CR ;;
            2) op=rm key=direct:$u path=$P/users/$u ;;
            3) op=rm key=direct:$u path=$M/users/$u/licenses/CR ;;
            4) op=touch key=G1:$u path=$M/groups/G1/members/$u ;;
            5) op=rm key=G1:$u path=$M/groups/G1/members/$u ;;
            6) op=touch key=G2:$u path=$M/groups/G2/members/$u ;;
            7) op=rm key=G2:$u path=$M/groups/G2/members/$u ;;
        esac
        if err=$("$op" -- "$path" 2>&1 </dev/null); then
            echo "ok $op $key" >&3
        else
            case $err in
                *"Transport endpoint is not connected"* | *"Software caused connection abort"*)
                    echo "maybe $op $key" >&3
                    return 0 ;;
                *"Input/output error"*)
                    # the server died under the call: it may have been committed
                    if [ -n "${SERVER_KILLED:-}" ]; then echo "maybe $op $key" >&3; return 0; fi
                    echo "unexpected $op $key $err" >&3 ;;
                *"No space left on device"* | *"No such file or directory"* | *"Operation not permitted"*) ;;
                *) echo "unexpected $op $key $err" >&3 ;;
            esac
        fi
    done
    echo "timeout" >&3
}

# actual KEY: present or absent (direct: a holder file with direct=yes).
actual() {
    local kind=${1%%:*} u=${1#*:}
    case $kind in
        direct) if grep -qx 'direct=yes' -- "$P/users/$u" 2>/dev/null; then echo present; else echo absent; fi ;;
        *) if [ -e "$M/groups/$kind/members/$u" ]; then echo present; else echo absent; fi ;;
    esac
}

# check_effects ROUND: every key's state is the one its last successful operation left.
check_effects() {
    local r=$1 key want got bad=0 i kind
    declare -A last=()
    while read -r st op key; do
        case $st in
            ok) if [ "$op" = touch ]; then last[$key]=present; else last[$key]=absent; fi ;;
            maybe) last[$key]=either ;;
        esac
    done <"$ALL"
    for i in $(seq $NUSERS); do
        for kind in direct G1 G2; do
            key=$kind:u$i@$D
            want=${last[$key]:-absent}
            got=$(actual "$key")
            KEYS_CHECKED=$((KEYS_CHECKED + 1))
            if [ "$want" = either ]; then
                # the in-flight operation went one way or the other: that is the new baseline
                echo "ok $([ "$got" = present ] && echo touch || echo rm) $key" >>"$ALL"
                MAYBE=$((MAYBE + 1))
            elif [ "$want" != "$got" ]; then
                fail "round $r: $key should be $want after its last successful operation, is $got ($(grep -n " $key\$" "$ALL" | tail -3 | tr '\n' ' '))"
                bad=1
            fi
        done
    done
    [ $bad -eq 0 ] && pass
}

# check_invariants WHAT
check_invariants() {
    local what=$1 total assigned available holders waiting f u g groups bad=0
    total=$(cat "$P/total") assigned=$(cat "$P/assigned") available=$(cat "$P/available")
    holders=$(ls "$P/users" | wc -l)
    waiting=$(ls "$P/errors" | wc -l)
    expect_eq "$assigned" "$holders" "$what: assigned vs holder files in users/"
    expect_eq "$TOTAL" "$total" "$what: total"
    expect_eq $((total - assigned)) "$available" "$what: available = total - assigned"
    if [ "$assigned" -ge 0 ] && [ "$assigned" -le "$total" ]; then pass; else
        fail "$what: assigned $assigned outside 0..$total"
    fi
    if [ "$available" -gt 0 ] && [ "$waiting" -gt 0 ]; then
        fail "$what: $waiting users wait while $available seats are available: $(ls "$P/errors" | tr '\n' ' ')"
    else
        pass
    fi
    expect_eq "" "$(comm -12 <(ls "$P/users") <(ls "$P/errors") | tr '\n' ' ')" "$what: users both holding and waiting"
    expect_eq "" "$(ls "$P/users" | uniq -d | tr '\n' ' ')" "$what: duplicate holder names"
    # every holder has a path, and its group= lines are licensed groups it is a member of
    for f in "$P"/users/*; do
        [ -e "$f" ] || continue
        u=${f##*/}
        lf_read "$f"
        groups=$(printf '%s' "$LF_DATA" | sed -n 's/^group=//p')
        if ! printf '%s' "$LF_DATA" | grep -qx "user=$u" || ! printf '%s' "$LF_DATA" | grep -qx 'product=CR' ||
            ! printf '%s' "$LF_DATA" | grep -qx 'state=active'; then
            fail "$what: holder record $u: $(lf_show "$LF_DATA")"; bad=1
        fi
        if ! printf '%s' "$LF_DATA" | grep -qx 'direct=yes' && [ -z "$groups" ]; then
            fail "$what: holder $u has no path: $(lf_show "$LF_DATA")"; bad=1
        fi
        for g in $groups; do
            if [ ! -e "$M/groups/$g/members/$u" ]; then
                fail "$what: holder $u names group=$g but is no member of it"; bad=1
            fi
        done
        for g in G1 G2; do
            if [ -e "$M/groups/$g/members/$u" ] && ! printf '%s\n' "$groups" | grep -qx "$g"; then
                fail "$what: holder $u is a member of licensed $g but has no group=$g line"; bad=1
            fi
        done
    done
    # every member of a licensed group holds or waits; every waiter is such a member
    for g in G1 G2; do
        for f in "$M/groups/$g/members"/*; do
            [ -e "$f" ] || continue
            u=${f##*/}
            if [ ! -e "$P/users/$u" ] && [ ! -e "$P/errors/$u" ]; then
                fail "$what: $u is a member of licensed $g but neither holds nor waits"; bad=1
            fi
        done
    done
    for f in "$P"/errors/*; do
        [ -e "$f" ] || continue
        u=${f##*/}
        if [ ! -e "$M/groups/G1/members/$u" ] && [ ! -e "$M/groups/G2/members/$u" ]; then
            fail "$what: $u waits but is no member of a licensed group"; bad=1
        fi
    done
    [ $bad -eq 0 ] && pass
}

check_invariants "before the first crash"

# ---------------------------------------------------------------------------------------------
# The rounds

# start_workers ROUND: NWORKERS workers on disjoint users, logging to $W/rROUND.wN.log (their
# pids in `pids`), then a random delay of 0.2-1 s (times LF_SLOW) for them to get going, and
# longer if need be (up to 10 s) until they have done 10 operations, so that a slow or busy
# machine still kills the daemon in the middle of real work.
start_workers() {
    local w per=$((NUSERS / NWORKERS))
    pids=()
    for w in $(seq $NWORKERS); do
        : >"$W/r$1.w$w.log"
        worker "$w" "$W/r$1.w$w.log" $(((w - 1) * per + 1)) $((w * per)) &
        pids+=($!)
    done
    LF_EXTRA_PIDS="${pids[*]}"
    ms=$(((200 + RANDOM % 801) * LF_SLOW))
    delay=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
    sleep "$delay"
    for _ in $(seq $((100 * LF_SLOW))); do
        [ "$(cat "$W"/r"$1".w*.log | grep -c '^ok ')" -ge 10 ] && break
        sleep 0.1
    done
}

# collect_round ROUND SECONDS WHAT: the workers stop within SECONDS of the kill (WHAT), logged
# nothing but successes and the one call in flight each, and enough successes to mean
# something; their logs join ALL in per-worker order.
collect_round() {
    local r=$1 p w nok
    for p in "${pids[@]}"; do
        lf_wait_pid "$p" "$2" || fail "round $r: worker $p did not stop within $2 s of the kill"
    done
    LF_EXTRA_PIDS=
    nok=$(cat "$W"/r"$r".w*.log | grep -c '^ok ')
    note "$3 after ${delay}s; $nok successful operations this round"
    OPS_CHECKED=$((OPS_CHECKED + nok))
    expect_eq "" "$(grep -hv '^ok \|^maybe ' "$W"/r"$r".w*.log | head -5)" "round $r: unexpected worker errors"
    if [ "$nok" -lt 10 ]; then fail "round $r: only $nok successful operations before the kill"; fi
    for w in $(seq $NWORKERS); do
        cat -- "$W/r$r.w$w.log" >>"$ALL"
    done
}

for r in $(seq "$ROUNDS"); do
    note "round $r: $NWORKERS workers, SIGKILL after a random delay"
    start_workers "$r"
    kill -KILL "$LF_PID"
    wait "$LF_PID" 2>/dev/null
    dead=$LF_PID
    LF_PID=
    lf_check_log "$LF_LOG"
    collect_round "$r" 10 "killed daemon $dead"

    # the stale mount
    if lf_any_mount_at "$M"; then pass; else fail "round $r: the mount vanished with the daemon"; fi
    expect_fail "Transport endpoint is not connected" stat -- "$M"
    expect_fail "Transport endpoint is not connected" ls -- "$M/products"

    # what the killed daemon left is a sound database (on SQLite a copy of the files, as the
    # daemon recovers the original; on PostgreSQL the server has it all)
    if lf_sqlite; then
        mkdir -- "$W/copy$r"
        cp -- "$DB" "$W/copy$r/tenant.db"
        [ -e "$DB-wal" ] && cp -- "$DB-wal" "$W/copy$r/tenant.db-wal"
        expect_eq ok "$(sqlite3 "$W/copy$r/tenant.db" 'PRAGMA integrity_check; PRAGMA foreign_key_check;' 2>&1)" \
            "round $r: database left by the killed daemon: integrity_check and foreign_key_check"
    else
        expect_eq ok "$(lf_db_check tenant)" "round $r: the tenant left by the killed daemon"
    fi

    if [ "$r" -eq 1 ]; then
        # mounting over the stale mount is refused (a mount error, in bounded time) and leaves
        # it for fusermount3 -u
        env "$LICENSEFS" -f "$DB" "$M" </dev/null >"$W/overmount.out" 2>&1 &
        op=$!
        if lf_wait_pid "$op" 10; then
            expect_eq 4 "$LF_RC" "exit status of licensefs over a stale mount"
            expect_match '^licensefs: .+: .+$' "$(cat "$W/overmount.out")" "its error message"
            expect_eq 1 "$(wc -l <"$W/overmount.out")" "lines of its error message"
            note "licensefs over the stale mount: exit $LF_RC, $(cat "$W/overmount.out")"
        else
            fail "licensefs over a stale mount did not exit within 10 s (killed)"
        fi
    fi

    expect_ok fusermount3 -u -- "$M"
    if lf_any_mount_at "$M"; then fail "round $r: $M still mounted after fusermount3 -u"; else pass; fi
    lf_mount || break
    expect_eq ok "$(lf_db_check tenant)" "round $r: the live tenant after remount"
    check_effects "$r"
    check_invariants "round $r, after remount"
done

if ! lf_sqlite; then
    SERVER_ROUNDS=${LF_CRASH_SERVER_ROUNDS:-3}
    export SERVER_KILLED=1
    for r in $(seq $((ROUNDS + 1)) $((ROUNDS + SERVER_ROUNDS))); do
        note "round $r: $NWORKERS workers, SIGKILL of the PostgreSQL server after a random delay"
        start_workers "$r"
        "$LICENSEFS_SOURCE_ROOT/tests/pg/cluster" kill "$LF_PG"
        collect_round "$r" 30 "killed the server"
        # while the server is away a call fails with EIO, and the mount stays
        expect_fail "Input/output error" touch -- "$P/users/u1@$D"
        "$LICENSEFS_SOURCE_ROOT/tests/pg/cluster" restart "$LF_PG"
        if lf_is_mounted "$M" && kill -0 "$LF_PID" 2>/dev/null; then pass; else
            fail "round $r: the daemon did not survive the server's kill"
            break
        fi
        # the same mount answers again: no remount
        expect_file "$P/total" $TOTAL
        expect_eq ok "$(lf_db_check tenant)" "round $r: the tenant after the server's kill"
        check_effects "$r"
        check_invariants "round $r, after the server came back"
    done
    ROUNDS=$((ROUNDS + SERVER_ROUNDS))
fi

note "$ROUNDS rounds, $OPS_CHECKED successful operations, $KEYS_CHECKED path states checked, $MAYBE in flight at a kill"

# the last state still holds after a clean unmount and mount
lf_unmount
lf_mount
check_effects final
check_invariants "after a clean remount"
expect_eq ok "$(lf_db_check tenant)" "the tenant after a clean remount"
lf_unmount
lf_finish
