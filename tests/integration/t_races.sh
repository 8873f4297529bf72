#!/bin/bash
# Races: at least 8 processes race for the last seats of a product through different
# paths at once (direct touch through both aliases, group assignment through both aliases,
# membership adds, total changes); afterwards assigned == total exactly (demand exceeds supply),
# no user holds two seats and every record is consistent with what succeeded. Waiting order:
# members who joined a licensed group earlier (the export's join order) are served first while
# seats free up under concurrent total raises and membership removals. Two mounts of the same
# DATABASE (two daemons) and an offline import-catalog writing it: a change through one is
# visible through the other within a second, and concurrent writers through both leave the two
# views equal and consistent.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

D=example.com
NUSERS=32
W=$LF_TMP/work
mkdir -- "$W"
RACES=0

# run_race NAME CMD...: start a racer in the background; it waits for $W/go.
RACERS=()
racer() {
    local log=$W/$1.log
    shift
    : >"$log"
    (
        while [ ! -e "$W/go" ]; do sleep 0.005; done
        exec 3>>"$log"
        "$@"
    ) &
    RACERS+=($!)
}
# go: release the racers and wait (at most 30 s each) for them.
go() {
    local p
    touch -- "$W/go"
    for p in "${RACERS[@]}"; do
        lf_wait_pid "$p" 30 || fail "racer $p did not finish within 30 s (killed)"
    done
    RACERS=()
    rm -f -- "$W/go"
    RACES=$((RACES + 1))
}

# try OP PATH [VALUE]: run one operation, log "ok OP PATH [VALUE]" to fd 3 on success, or
# "err OP PATH MESSAGE" on failure.
try() {
    local err
    case $1 in
        put) err=$(putln "$2" "$3" 2>&1 </dev/null) ;;
        *) err=$("$1" -- "$2" 2>&1 </dev/null) ;;
    esac
    if [ $? -eq 0 ]; then
        echo "ok $1 $2${3:+ $3}" >&3
    else
        echo "err $1 $2 ${err##*: }" >&3
    fi
}

upn() { echo "u$1@$D"; }
export -f try putln

# check_product SKU WHAT: the invariants of products/SKU and the consistency of every record.
check_product() {
    local p=$M/products/$1 what=$2 total assigned available f u bad=0
    total=$(cat "$p/total") assigned=$(cat "$p/assigned") available=$(cat "$p/available")
    expect_eq "$assigned" "$(ls "$p/users" | wc -l)" "$what: assigned vs holder files"
    expect_eq $((total - assigned)) "$available" "$what: available = total - assigned"
    if [ "$available" -gt 0 ] && [ "$(ls "$p/errors" | wc -l)" -gt 0 ]; then
        fail "$what: users wait while $available seats are available"
    else
        pass
    fi
    expect_eq "" "$(ls "$p/users" | uniq -d | tr '\n' ' ')" "$what: duplicate holder names"
    expect_eq "" "$(comm -12 <(ls "$p/users") <(ls "$p/errors") | tr '\n' ' ')" "$what: users both holding and waiting"
    for f in "$p"/users/* "$p"/errors/*; do
        [ -e "$f" ] || continue
        u=${f##*/}
        lf_read "$f"
        if ! grep -qx "user=$u" <<<"$LF_DATA" || ! grep -qx "product=$1" <<<"$LF_DATA"; then
            fail "$what: record $f: $(lf_show "$LF_DATA")"; bad=1
        fi
        if ! grep -qx 'direct=yes' <<<"$LF_DATA" && ! grep -q '^group=' <<<"$LF_DATA"; then
            fail "$what: $f has no path: $(lf_show "$LF_DATA")"; bad=1
        fi
    done
    [ $bad -eq 0 ] && pass
}

# paths_of SKU UPN: the paths a holder or waiter record names: "direct" and the group names.
paths_of() {
    local f=$M/products/$1/users/$2
    [ -e "$f" ] || f=$M/products/$1/errors/$2
    sed -n 's/^direct=yes$/direct/p; s/^group=//p' -- "$f" 2>/dev/null | sort | tr '\n' ' '
}

lf_mount || lf_finish
for i in $(seq $NUSERS); do
    mkdir "$M/users/$(upn "$i")" && putln "$M/users/$(upn "$i")/usage_location" US ||
        fail "create user u$i"
done

# ---------------------------------------------------------------------------------------------
note "the last seats: 10 racers through every path, three times"

for k in 1 2 3; do
    R=R$k P=$M/products/R$k
    expect_ok mkdir "$P" "$M/groups/A$k" "$M/groups/B$k" "$M/groups/C$k"
    expect_ok putln "$P/total" 4
    expect_ok touch "$P/groups/A$k" "$P/groups/B$k"
    for i in $(seq 25 32); do expect_ok touch "$M/groups/C$k/members/$(upn "$i")"; done
    # a few seats are taken already: the race is for the last ones
    expect_ok touch "$P/users/$(upn 30)" "$P/users/$(upn 31)"

    racer d1 bash -c 'for i in $(seq 1 12 | shuf); do try touch "$1/users/u$i@$2"; done' _ "$P" "$D"
    racer d2 bash -c 'for i in $(seq 1 12 | shuf); do try touch "$3/users/u$i@$2/licenses/$4"; done' _ "$P" "$D" "$M" "$R"
    racer d3 bash -c 'for i in $(seq 13 24 | shuf); do try touch "$1/users/u$i@$2"; done' _ "$P" "$D"
    racer ga bash -c 'for i in $(seq 7 20); do try touch "$1/groups/A$3/members/u$i@$2"; done' _ "$M" "$D" "$k"
    racer gb bash -c 'for i in $(seq 15 28); do try touch "$1/groups/B$3/members/u$i@$2"; done' _ "$M" "$D" "$k"
    racer gb2 bash -c 'for i in $(seq 1 6); do try touch "$1/groups/B$3/members/u$i@$2"; done' _ "$M" "$D" "$k"
    racer gc1 bash -c 'try touch "$1/groups/C$2"' _ "$P" "$k"
    racer gc2 bash -c 'try touch "$1/groups/C$2/licenses/$3"' _ "$M" "$k" "$R"
    racer t1 bash -c 'for t in 6 3 9 5 8 2 7; do try put "$1/total" $t; done' _ "$P"
    racer rm bash -c 'for i in 30 31; do try rm "$1/users/u$i@$2"; done' _ "$P" "$D"
    go

    check_product "$R" "race $k"
    total=$(cat "$P/total")
    last_total=$(grep '^ok put' "$W/t1.log" | tail -1 | awk '{print $4}')
    expect_eq "$last_total" "$total" "race $k: total is the last successful write"
    expect_file "$P/assigned" "$total"
    expect_file "$P/available" 0
    expect_eq 2 "$(cat "$W/gc1.log" "$W/gc2.log" | grep -c '^ok ')" \
        "race $k: concurrent group assignments of C$k that succeeded (one creates, one touches)"
    [ -e "$P/groups/C$k" ] && pass || fail "race $k: C$k is not licensed"
    # every user's paths are exactly what succeeded
    bad=0
    for i in $(seq $NUSERS); do
        u=$(upn "$i") want=
        if grep -q "^ok touch .*/u$i@$D\(/licenses/$R\)\?\$" "$W/d1.log" "$W/d2.log" "$W/d3.log" ||
            { [ "$i" -ge 30 ] && [ "$i" -le 31 ] && ! grep -q "^ok rm .*/u$i@$D\$" "$W/rm.log"; }; then
            want="direct "
        fi
        for g in A B C; do
            [ -e "$M/groups/$g$k/members/$u" ] && want+="$g$k "
        done
        want=$(printf '%s\n' $want | sort | tr '\n' ' ')
        got=$(paths_of "$R" "$u")
        if [ "$want" != "$got" ]; then
            fail "race $k: $u should have paths [$want], its record says [$got]"; bad=1
        fi
        if [ -n "$want" ] && [ ! -e "$P/users/$u" ] && [ ! -e "$P/errors/$u" ]; then
            fail "race $k: $u has paths [$want] but neither holds nor waits"; bad=1
        fi
        if [[ $want == direct* ]] && [ ! -e "$P/users/$u" ]; then
            fail "race $k: $u was assigned directly but holds no seat"; bad=1
        fi
    done
    [ $bad -eq 0 ] && pass
    # demand exceeded supply: the rest wait
    demand=$(for i in $(seq $NUSERS); do [ -n "$(paths_of "$R" "$(upn "$i")")" ] && echo; done | wc -l)
    expect_eq $((demand - total)) "$(ls "$P/errors" | wc -l)" "race $k: users waiting"
    expect_eq "" "$(grep -h '^err' "$W"/*.log | grep -v 'No space left on device\|Device or resource busy' | head -3)" \
        "race $k: failures other than ENOSPC and EBUSY"
    note "race $k: total $total, $demand users want a seat, $(cat "$W"/*.log | grep -c '^ok') operations succeeded"
done

# ---------------------------------------------------------------------------------------------
note "waiting order: 8 racers join a licensed group without seats, then seats free up"

Q=$M/products/Q
expect_ok mkdir "$Q" "$M/groups/GQ"
expect_ok touch "$Q/groups/GQ"
for p in $(seq 8); do
    racer "j$p" bash -c 'for i in $(seq $(($3 * 4 - 3)) $(($3 * 4))); do try touch "$1/groups/GQ/members/u$i@$2"; done' _ "$M" "$D" "$p"
done
go
expect_eq $NUSERS "$(ls "$M/groups/GQ/members" | wc -l)" "members of GQ"
check_product Q "after the joins"
expect_file "$Q/assigned" 0
expect_eq $NUSERS "$(ls "$Q/errors" | wc -l)" "users waiting for Q"

# join_order: GQ's members in join order, from the export
join_order() {
    "$LICENSEFS" export "$DB" | python3 -c '
import json, sys
for g in json.load(sys.stdin)["groups"]:
    if g["displayName"] == "GQ":
        for m in g["members"]:
            print(m["userPrincipalName"])'
}
ORDER=$(join_order)
expect_eq $NUSERS "$(printf '%s\n' "$ORDER" | grep -c @)" "members in the export's join order"
# each racer's own joins are in its order
for p in $(seq 8); do
    expect_eq "$(grep '^ok' "$W/j$p.log" | sed 's|.*/||')" "$(printf '%s\n' "$ORDER" | grep -Fx -f <(grep '^ok' "$W/j$p.log" | sed 's|.*/||'))" \
        "racer j$p's joins in the export's join order"
done

# raise total one seat at a time while members leave (holders and waiters alike)
racer tq bash -c 'for t in $(seq 1 12); do try put "$1/total" $t; done' _ "$Q"
racer l1 bash -c 'for i in 1 6 11 16; do try rm "$1/groups/GQ/members/u$i@$2"; done' _ "$M" "$D"
racer l2 bash -c 'for i in 21 26 31 3; do try rm "$1/groups/GQ/members/u$i@$2"; done' _ "$M" "$D"
racer l3 bash -c 'for i in 8 13 18 23; do try rm "$1/groups/GQ/members/u$i@$2"; done' _ "$M" "$D"
go
expect_eq "" "$(grep -h '^err' "$W"/tq.log "$W"/l?.log | head -3)" "failures while seats free up"
check_product Q "after the seats freed up"
expect_file "$Q/total" 12
expect_file "$Q/assigned" 12
# the holders are the first 12 remaining members in join order, the rest wait in that order
remaining=$(printf '%s\n' "$ORDER" | while read -r u; do [ -e "$M/groups/GQ/members/$u" ] && echo "$u"; done)
expect_eq 20 "$(printf '%s\n' "$remaining" | wc -l)" "remaining members"
expect_eq "$(printf '%s\n' "$remaining" | head -12 | sort | tr '\n' ' ')" "$(ls "$Q/users" | tr '\n' ' ')" \
    "holders of Q: the 12 members who joined first"
expect_eq "$(printf '%s\n' "$remaining" | tail -n +13 | sort | tr '\n' ' ')" "$(ls "$Q/errors" | tr '\n' ' ')" \
    "waiters for Q: the members who joined last"
# and once more, raised by several seats in one write while two racers raise it too
racer tq1 bash -c 'try put "$1/total" 15' _ "$Q"
racer tq2 bash -c 'try put "$1/total" 16' _ "$Q"
racer tq3 bash -c 'try put "$1/total" 14' _ "$Q"
go
total=$(cat "$Q/total")
expect_eq "$(printf '%s\n' "$remaining" | head -"$total" | sort | tr '\n' ' ')" "$(ls "$Q/users" | tr '\n' ' ')" \
    "holders of Q at total $total: the members who joined first"
check_product Q "after concurrent raises"

# ---------------------------------------------------------------------------------------------
note "two mounts of one database and an offline writer"

# A: the mount so far, at $M; B: a second daemon at $M2
M2=$LF_TMP/mnt2
mkdir -- "$M2"
A_PID=$LF_PID A_LOG=$LF_LOG
LF_EXTRA_PIDS=$A_PID
lf_mount --mnt "$M2" || lf_finish
B_PID=$LF_PID
LF_EXTRA_PIDS="$A_PID $B_PID"

# visible PATH TEST...: poll up to 1 s for `test TEST PATH` (or CMD) to hold.
within_1s() {
    local start=$EPOCHREALTIME
    while :; do
        "$@" && return 0
        if [ $(((${EPOCHREALTIME/./} - ${start/./}) / 1000)) -ge 1000 ]; then
            "$@"
            return
        fi
        sleep 0.02
    done
}
content_is() { [ "$(cat -- "$1" 2>/dev/null)" = "$2" ]; }


expect_ok mkdir "$M/products/X"
within_1s test -d "$M2/products/X" && pass || fail "products/X made through A is not visible through B within 1 s"
expect_ok putln "$M2/products/X/total" 3
within_1s content_is "$M/products/X/total" 3 && pass || fail "total written through B is not visible through A within 1 s"
expect_ok touch "$M/products/X/users/$(upn 1)"
within_1s content_is "$M2/products/X/assigned" 1 && pass || fail "a touch through A is not counted through B within 1 s"
within_1s test -e "$M2/products/X/users/$(upn 1)" && pass || fail "a holder made through A is not visible through B within 1 s"
expect_ok rm "$M2/products/X/users/$(upn 1)"
within_1s test ! -e "$M/products/X/users/$(upn 1)" && pass || fail "an rm through B is not visible through A within 1 s"
expect_ok mkdir "$M2/groups/GX"
expect_ok touch "$M2/groups/GX/members/$(upn 2)"
expect_ok touch "$M/products/X/groups/GX"
within_1s test -e "$M2/products/X/users/$(upn 2)" && pass || fail "a group license through A is not visible through B within 1 s"
# A caches the holder's entry and the counts; B removes it: then touch through A makes it anew
# (and does not open the old entry, which would be ENOENT), and A's counts follow.
expect_ok touch "$M/products/X/users/$(upn 3)"
stat -- "$M/products/X/users/$(upn 3)" "$M/products/X/available" >/dev/null
expect_ok rm "$M2/products/X/users/$(upn 3)"
# once A answers the stat anew (its poller forgot the attributes), the entry went in the same
# pass
within_1s test ! -e "$M/products/X/users/$(upn 3)" && pass || fail "an rm through B is not visible through A within 1 s"
sleep 0.2
expect_ok touch "$M/products/X/users/$(upn 3)"
expect_eq 2 "$(cat "$M/products/X/assigned")" "assigned through A after touch, rm through B, touch through A"
lf_size_ok "$M/products/X/available"
# touch -c (times only, never create) through A's cached entry of a holder B removed: the
# license must not come back
stat -- "$M/products/X/users/$(upn 3)" >/dev/null
expect_ok rm "$M2/products/X/users/$(upn 3)"
expect_ok touch -c "$M/products/X/users/$(upn 3)"
within_1s test ! -e "$M/products/X/users/$(upn 3)" && pass || fail "touch -c through a stale entry brought the holder back"
expect_eq 1 "$(cat "$M/products/X/assigned")" "assigned after touch -c of a holder removed through B"
# A keeps the attributes of the records its listing rendered; past A's kernel second, what B
# changed in a record (its groups, its mode) shows through A.
expect_ok touch "$M/products/X/users/$(upn 4)"
ls -l "$M/products/X/users" >/dev/null
expect_ok touch "$M2/groups/GX/members/$(upn 4)"
expect_ok rm "$M2/products/X/users/$(upn 4)"      # held through GX alone: 0444
sleep 1.1
expect_mode "$M/products/X/users/$(upn 4)" 444
lf_size_ok "$M/products/X/users/$(upn 4)"

CSV=$LF_TMP/small.csv
{
    echo 'Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names'
    echo 'Product X,X,11111111-2222-3333-4444-555555555555,PLAN_ONE,aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee,Plan One'
    echo 'Catalog New,CATNEW,21111111-2222-3333-4444-555555555555,PLAN_TWO,baaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee,Plan Two'
    echo 'Catalog New,CATNEW,21111111-2222-3333-4444-555555555555,PLAN_THREE,caaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee,Plan Three'
} >"$CSV"
out=$("$LICENSEFS" import-catalog "$DB" "$CSV" 2>&1)
expect_eq 0 $? "import-catalog while two mounts serve: exit status ($out)"
for m in "$M" "$M2"; do
    within_1s content_is "$m/products/CATNEW/plans" $'PLAN_THREE\nPLAN_TWO' && pass ||
        fail "the import's new product is not visible through $m within 1 s"
    within_1s content_is "$m/products/X/name" "Product X" && pass ||
        fail "the import's new name of X is not visible through $m within 1 s"
    within_1s content_is "$m/products/X/plans" PLAN_ONE && pass ||
        fail "the import's plan of X is not visible through $m within 1 s"
done
expect_match $'\timport-catalog\t' "$(tail -5 "$M2/audit")" "the import's audit line, through B"

note "writers through both mounts and the offline importer at once"
Y=products/Y
expect_ok mkdir "$M/$Y"
expect_ok putln "$M/$Y/total" 5
expect_ok mkdir "$M/groups/GY"
expect_ok touch "$M2/$Y/groups/GY"
racer ya1 bash -c 'for i in $(seq 1 16 | shuf); do try touch "$1/u$i@$2"; done' _ "$M/$Y/users" "$D"
racer yb1 bash -c 'for i in $(seq 1 16 | shuf); do try touch "$1/u$i@$2"; done' _ "$M2/$Y/users" "$D"
racer ya2 bash -c 'for i in $(seq 9 24 | shuf); do try touch "$1/u$i@$2/licenses/Y"; done' _ "$M/users" "$D"
racer yb2 bash -c 'for i in $(seq 9 24 | shuf); do try touch "$1/u$i@$2/licenses/Y"; done' _ "$M2/users" "$D"
racer ya3 bash -c 'for i in $(seq 17 32); do try touch "$1/groups/GY/members/u$i@$2"; done' _ "$M" "$D"
racer yb3 bash -c 'for i in $(seq 25 32) $(seq 1 4); do try touch "$1/groups/GY/members/u$i@$2"; done' _ "$M2" "$D"
racer yt bash -c 'for t in 6 4 8 7; do try put "$1/total" $t; done' _ "$M2/$Y"
racer yi bash -c 'for _ in 1 2 3; do "$1" import-catalog "$2" "$3" >/dev/null 2>&1 && echo ok import >&3 || echo err import >&3; done' _ "$LICENSEFS" "$DB" "$CSV"
go
expect_eq "ok ok ok" "$(tr '\n' ' ' <"$W/yi.log" | sed 's/ import//g; s/ $//')" "offline imports during the race"
expect_eq "" "$(grep -h '^err' "$W"/y[ab]?.log "$W"/yt.log | grep -v 'No space left on device\|Device or resource busy' | head -3)" \
    "failures other than ENOSPC and EBUSY through the two mounts"
for m in "$M" "$M2"; do
    M=$m check_product Y "two mounts, through $m"
    expect_file "$m/$Y/assigned" "$(cat "$m/$Y/total")"
done
bad=0
for i in $(seq $NUSERS); do
    if grep -q "^ok touch .*/u$i@$D\(/licenses/Y\)\?\$" "$W"/y[ab][12].log && ! grep -qx direct=yes "$M2/$Y/users/$(upn "$i")"; then
        fail "u$i was assigned Y directly but holds no direct seat"; bad=1
    fi
done
[ $bad -eq 0 ] && pass
A_SNAP=$(lf_snapshot "$M") B_SNAP=$(lf_snapshot "$M2")
expect_eq "$A_SNAP" "$B_SNAP" "the whole tree (but audit) through A and through B"
expect_eq "$(lf_snapshot "$M/products/Q")" "$(lf_snapshot "$M2/products/Q")" "products/Q through A and B"

# unmount both, each daemon exiting 0 with a clean log
lf_unmount
LF_PID=$A_PID LF_MNT=$M LF_LOG=$A_LOG
lf_unmount
LF_EXTRA_PIDS=
expect_eq ok "$(lf_db_check tenant)" "the storage is sound after the races"
note "$RACES races run"
lf_finish
