#!/bin/bash
# The user lifecycle through a mounted licensefs: rmdir users/UPN moves
# the user to deleted_users/ (read-only, licenses suspended, memberships inactive, seats freed to
# the longest waiters); mkdir of the name is EEXIST; mv deleted_users/UPN users/ restores it,
# with or without free seats (a waiting direct license shows in errors/ and is withdrawn with
# rm); every other rename is EPERM; rm -r users/UPN unlinks the direct licenses and fails;
# rmdir deleted_users/UPN purges; the daemon purges users deleted more than 30 days ago at
# mount, by the clock LICENSEFS_NOW sets.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

D=example.com
# The deletion time format: UTC ISO 8601.
ISO_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

upns() { local u; for u in "$@"; do echo "$u@$D"; done; }
# expect_seat PATH UPN SKU STATE DIRECT GROUP...: a holder or suspended record.
expect_seat() {
    local path=$1 u=$2 sku=$3 state=$4 direct=$5 g lines
    shift 5
    lines=("user=$u@$D" "product=$sku" "state=$state" "direct=$direct")
    for g in "$@"; do lines+=("group=$g"); done
    lines+=(disabled_plans= since=T)
    expect_record "$path" "${lines[@]}"
}
# expect_wait SKU UPN DIRECT GROUP...: products/SKU/errors/UPN, mode 0644 only for a direct wait.
expect_wait() {
    local sku=$1 u=$2 direct=$3 g lines mode=444
    shift 3
    lines=("user=$u@$D" "product=$sku" error=CountViolation "direct=$direct")
    for g in "$@"; do lines+=("group=$g"); done
    lines+=(since=T)
    expect_record "$M/products/$sku/errors/$u@$D" "${lines[@]}"
    [ "$direct" = yes ] && mode=644
    expect_mode "$M/products/$sku/errors/$u@$D" "$mode"
}
# expect_membership PATH UPN GROUP
expect_membership() { expect_record "$1" "user=$2@$D" "group=$3" since=T; }
# expect_group_license SKU GROUP MEMBERS ERRORS
expect_group_license() {
    expect_record "$M/products/$1/groups/$2" "group=$2" "product=$1" "members=$3" "errors=$4" \
        disabled_plans= since=T
}
# expect_deleted_time PATH [EPOCH]: one ISO 8601 UTC line; EPOCH given: exactly that time, else
# a time between the start of this script and now.
expect_deleted_time() {
    local t now
    if ! lf_read "$1"; then
        fail "cat $1 failed: $LF_DATA"
        return
    fi
    expect_eq "${LF_DATA%$'\n'}"$'\n' "$LF_DATA" "$1 ends in exactly one newline"
    expect_match "$ISO_RE" "${LF_DATA%$'\n'}" "content of $1"
    lf_size_ok "$1"
    t=$(date -u -d "${LF_DATA%Z$'\n'}" +%s 2>/dev/null) now=$(date +%s)
    if [ $# -ge 2 ]; then
        expect_eq "$(date -u -d "@$2" +%FT%TZ)" "${LF_DATA%$'\n'}" "deletion time in $1"
    elif [ -n "$t" ] && [ "$t" -ge $((LF_START - 2)) ] && [ "$t" -le $((now + 2)) ]; then
        pass
    else
        fail "$1 holds ${LF_DATA%$'\n'}, not a time between the start of the script and now"
    fi
}

lf_mount

note "a tenant: P (2 seats) held by u (direct and through G) and o, waited for through W;"
note "Q (1 seat) held by u through G2, waited for by q1; S held by u alone"
for p in P:2 Q:1 S:5; do
    expect_ok mkdir "$M/products/${p%:*}"
    expect_ok putln "$M/products/${p%:*}/total" "${p#*:}"
done
for u in u o q1 wz wa; do expect_ok mkdir "$M/users/$u@$D"; done
for u in u o; do expect_ok putln "$M/users/$u@$D/usage_location" US; done
for g in G G2 W; do expect_ok mkdir "$M/groups/$g"; done
expect_ok touch "$M/products/P/users/u@$D" "$M/products/S/users/u@$D"
expect_ok touch "$M/groups/G/members/u@$D"
expect_ok touch "$M/groups/G/licenses/P"
expect_ok touch "$M/products/P/users/o@$D"
expect_ok touch "$M/groups/G2/members/u@$D"
expect_ok touch "$M/groups/G2/licenses/Q"
expect_ok touch "$M/groups/G2/members/q1@$D"
expect_ok touch "$M/groups/W/licenses/P"
expect_ok touch "$M/groups/W/members/wz@$D"
expect_ok touch "$M/groups/W/members/wa@$D"
expect_counts P 2 2 0
expect_counts Q 1 1 0
expect_ls "$M/products/P/errors" "$(upns wa wz)"
expect_ls "$M/products/Q/errors" "q1@$D"
G_JOINED=$(since_of "$M/groups/G/members/u@$D")
G2_JOINED=$(since_of "$M/groups/G2/members/u@$D")
P_SINCE=$(since_of "$M/products/P/users/u@$D")
Q_SINCE=$(since_of "$M/products/Q/users/u@$D")
expect_ls "$M/deleted_users"
expect_mode "$M/deleted_users" 755

note "rmdir users/u: u moves to deleted_users/, read-only, with its records as they were"
sleep 1     # so that a time taken at the deletion or the restore differs from the join times
expect_ok rmdir "$M/users/u@$D"
U=$M/deleted_users/u@$D
expect_absent "$M/users/u@$D"
expect_ls "$M/users" "$(upns o q1 wa wz)"
expect_ls "$M/deleted_users" "u@$D"
expect_ls "$U" deleted display_name groups licenses usage_location
for d in "$U" "$U/licenses" "$U/groups"; do expect_mode "$d" 555; expect_type "$d" directory; done
for f in deleted display_name usage_location licenses/P licenses/Q licenses/S groups/G groups/G2; do
    expect_mode "$U/$f" 444
    expect_type "$U/$f" "regular file"
done
expect_deleted_time "$U/deleted"
expect_file "$U/display_name" "u@$D"
expect_file "$U/usage_location" US
expect_ls "$U/licenses" P Q S
expect_seat "$U/licenses/P" u P suspended yes G
expect_seat "$U/licenses/Q" u Q suspended no G2
expect_seat "$U/licenses/S" u S suspended yes
expect_eq "$P_SINCE" "$(since_of "$U/licenses/P")" "since= of the suspended P (the seat's)"
expect_eq "$Q_SINCE" "$(since_of "$U/licenses/Q")" "since= of the suspended Q (the seat's)"
expect_ls "$U/groups" G G2
expect_membership "$U/groups/G" u G
expect_eq "$G_JOINED" "$(since_of "$U/groups/G")" "since= of the inactive membership of G"

note "its seats went to the longest waiters: wz (first in W's queue) for P, q1 for Q"
expect_counts P 2 2 0
expect_ls "$M/products/P/users" "$(upns o wz)"
expect_ls "$M/products/P/errors" "wa@$D"
expect_seat "$M/products/P/users/wz@$D" wz P active no W
expect_recent "$M/products/P/users/wz@$D"
expect_wait P wa no W
expect_ls "$M/groups/W/errors" "wa@$D"
expect_counts Q 1 1 0
expect_ls "$M/products/Q/users" "q1@$D"
expect_ls "$M/products/Q/errors"
expect_ls "$M/groups/G2/errors"
expect_counts S 5 0 5

note "its memberships are inactive: not in members/, not counted"
expect_ls "$M/groups/G/members"
expect_ls "$M/groups/G2/members" "q1@$D"
expect_group_license P G 0 0
expect_group_license Q G2 1 0
expect_absent "$M/groups/G/members/u@$D"

note "a deleted user is no user, and its directory is read-only"
before=$(lf_snapshot "$M")
expect_fail "File exists" mkdir "$M/users/u@$D"
expect_fail "No such file or directory" touch "$M/products/S/users/u@$D"
expect_fail "No such file or directory" touch "$M/groups/G/members/u@$D"
expect_fail "Operation not permitted" putln "$U/display_name" Ulla
expect_fail "Operation not permitted" putln "$U/usage_location" FR
expect_fail "Operation not permitted" rm "$U/licenses/P"
expect_fail "Operation not permitted" touch "$U/licenses/Q2"
expect_fail "Operation not permitted" touch "$U/groups/W"
expect_fail "Operation not permitted" rmdir "$U/licenses"
expect_fail "Operation not permitted" mkdir "$M/deleted_users/new@$D"
expect_fail "Directory not empty" rmdir "$M/products/S"
expect_eq "$before" "$(lf_snapshot "$M")" "the tree after the refusals"
expect_absent "$M/users/u@$D"
expect_logged "/products/S" "Directory not empty" ENOTEMPTY
expect_logged "/users/u@$D" "File exists" EEXIST

note "G loses its license of P: the suspended record keeps the path it had"
expect_ok rm "$M/groups/G/licenses/P"
expect_seat "$U/licenses/P" u P suspended yes G

note "mv deleted_users/u users/ without free seats: P waits directly, Q through G2"
expect_ok mv "$U" "$M/users/"
expect_absent "$U"
expect_ls "$M/deleted_users"
expect_ls "$M/users" "$(upns o q1 u wa wz)"
expect_ls "$M/users/u@$D/licenses" S
expect_seat "$M/users/u@$D/licenses/S" u S active yes
expect_recent "$M/users/u@$D/licenses/S"
expect_ls "$M/users/u@$D/groups" G G2
expect_eq "$G_JOINED" "$(since_of "$M/groups/G/members/u@$D")" "since= of the membership of G after the restore"
expect_eq "$G2_JOINED" "$(since_of "$M/users/u@$D/groups/G2")" "since= of the membership of G2 after the restore"
expect_ls "$M/groups/G/members" "u@$D"
expect_ls "$M/groups/G2/members" "$(upns q1 u)"
expect_counts P 2 2 0
expect_ls "$M/products/P/errors" "$(upns u wa)"
expect_wait P u yes
expect_recent "$M/products/P/errors/u@$D"
expect_wait P wa no W
expect_counts Q 1 1 0
expect_wait Q u no G2
expect_record "$M/groups/G2/errors/u@$D" "user=u@$D" group=G2 error=CountViolation product=Q since=T
expect_recent "$M/groups/G2/errors/u@$D"
expect_group_license Q G2 2 1
expect_file "$M/users/u@$D/usage_location" US

note "a waiting user: touch is ENOSPC, clearing the usage location EBUSY, rm of a group wait EPERM"
expect_ok rm "$M/users/u@$D/licenses/S"     # so that the waiting P is u's only direct license
expect_counts S 5 0 5
before=$(lf_snapshot "$M")
expect_fail "No space left on device" touch "$M/products/P/users/u@$D"
expect_fail "No space left on device" touch "$M/users/u@$D/licenses/Q"
expect_fail "Device or resource busy" putln "$M/users/u@$D/usage_location" ""
expect_fail "Operation not permitted" rm "$M/products/Q/errors/u@$D"
expect_fail "Operation not permitted" rm "$M/products/P/errors/wa@$D"
expect_eq "$before" "$(lf_snapshot "$M")" "the tree after the refusals"

note "u queues behind wa, who waited before the restore"
expect_ok putln "$M/products/P/total" 3
expect_counts P 3 3 0
expect_ls "$M/products/P/users" "$(upns o wa wz)"
expect_ls "$M/products/P/errors" "u@$D"
expect_wait P u yes

note "rm products/P/errors/u withdraws the waiting direct license"
expect_ok rm "$M/products/P/errors/u@$D"
expect_ok putln "$M/users/u@$D/usage_location" ""
expect_file "$M/users/u@$D/usage_location" ""
expect_ls "$M/products/P/errors"
expect_absent "$M/products/P/users/u@$D"
expect_fail "No such file or directory" rm "$M/products/P/errors/u@$D"
expect_counts P 3 3 0
expect_ok putln "$M/products/P/total" 4
expect_counts P 4 3 1
expect_absent "$M/products/P/users/u@$D"

note "restore with free seats; a group that gained a license meanwhile gives it"
for p in F:5 F2:5; do
    expect_ok mkdir "$M/products/${p%:*}"
    expect_ok putln "$M/products/${p%:*}/total" "${p#*:}"
done
expect_ok mkdir "$M/users/k@$D"
expect_ok putln "$M/users/k@$D/usage_location" FR
expect_ok mkdir "$M/groups/G3" "$M/groups/H3"
expect_ok touch "$M/groups/G3/members/k@$D" "$M/groups/H3/members/k@$D"
expect_ok touch "$M/groups/G3/licenses/F"
expect_ok touch "$M/users/k@$D/licenses/F"
H3_JOINED=$(since_of "$M/groups/H3/members/k@$D")
expect_ok rmdir "$M/users/k@$D"
expect_seat "$M/deleted_users/k@$D/licenses/F" k F suspended yes G3
expect_counts F 5 0 5
expect_ok touch "$M/groups/H3/licenses/F2"
expect_group_license F2 H3 0 0
expect_ok mv "$M/deleted_users/k@$D" "$M/users/"
expect_ls "$M/users/k@$D/licenses" F F2
expect_seat "$M/products/F/users/k@$D" k F active yes G3
expect_mode "$M/products/F/users/k@$D" 644
expect_seat "$M/users/k@$D/licenses/F2" k F2 active no H3
expect_mode "$M/users/k@$D/licenses/F2" 444
expect_recent "$M/users/k@$D/licenses/F2"
expect_counts F 5 1 4
expect_counts F2 5 1 4
expect_ls "$M/products/F/errors"
expect_ls "$M/users/k@$D/groups" G3 H3
expect_eq "$H3_JOINED" "$(since_of "$M/groups/H3/members/k@$D")" "since= of the membership of H3 after the restore"
expect_file "$M/users/k@$D/usage_location" FR

note "every other rename is EPERM"
expect_ok rmdir "$M/users/k@$D"
before=$(lf_snapshot "$M")
expect_fail "Operation not permitted" mv "$M/users/o@$D" "$M/users/o2@$D"
expect_fail "Operation not permitted" mv "$M/deleted_users/k@$D" "$M/users/k2@$D"
expect_fail "Operation not permitted" mv "$M/deleted_users/k@$D" "$M/groups/"
expect_fail "Operation not permitted" mv "$M/deleted_users/k@$D" "$M/deleted_users/k2@$D"
expect_fail "Operation not permitted" mv "$M/users/o@$D" "$M/deleted_users/"
expect_fail "Operation not permitted" mv "$M/groups/G3" "$M/groups/G4"
expect_eq "$before" "$(lf_snapshot "$M")" "the tree after the refused renames"
expect_logged "/deleted_users/k@$D" "Operation not permitted" EPERM
# rename(2) with flags 0 (mv uses RENAME_NOREPLACE) restores too
# shellcheck disable=SC2016 # perl's variables, not the shell's
expect_ok perl -e 'rename($ARGV[0], $ARGV[1]) or die "rename: $!\n"' "$M/deleted_users/k@$D" "$M/users/k@$D"
expect_ls "$M/deleted_users"
expect_ls "$M/users/k@$D/licenses" F F2
expect_ok rmdir "$M/users/k@$D"

note "rmdir deleted_users/k purges it; the name is free again"
expect_ok rmdir "$M/deleted_users/k@$D"
expect_absent "$M/deleted_users/k@$D"
expect_ls "$M/deleted_users"
expect_fail "No such file or directory" mv "$M/deleted_users/k@$D" "$M/users/"
expect_ls "$M/groups/G3/members"
expect_ls "$M/groups/H3/members"
expect_counts F 5 0 5
expect_ok mkdir "$M/users/k@$D"
expect_ls "$M/users/k@$D/licenses"
expect_ls "$M/users/k@$D/groups"
expect_file "$M/users/k@$D/usage_location" ""

note "rmdir products/S: ENOTEMPTY while deleted u keeps S suspended, fine after the purge"
expect_ok putln "$M/users/u@$D/usage_location" US
expect_ok touch "$M/products/S/users/u@$D"
expect_ok rmdir "$M/users/u@$D"
expect_seat "$M/deleted_users/u@$D/licenses/S" u S suspended yes
expect_ls "$M/products/S/users"
expect_fail "Directory not empty" rmdir "$M/products/S"
expect_ok rmdir "$M/deleted_users/u@$D"
expect_ok rmdir "$M/products/S"
expect_ls "$M/products" F F2 P Q

note "rm -r users/r unlinks its direct licenses one by one, then fails; r is not deleted"
expect_ok mkdir "$M/users/r@$D"
expect_ok putln "$M/users/r@$D/usage_location" US
expect_ok touch "$M/groups/G3/members/r@$D"
expect_ok touch "$M/users/r@$D/licenses/F" "$M/users/r@$D/licenses/F2"
expect_counts F2 5 1 4
expect_fail "Operation not permitted" rm -r "$M/users/r@$D"
expect_exists "$M/users/r@$D"
expect_ls "$M/deleted_users"
expect_ls "$M/users/r@$D/licenses" F
expect_seat "$M/users/r@$D/licenses/F" r F active no G3
expect_counts F2 5 0 5
expect_ls "$M/users/r@$D/groups" G3
expect_file "$M/users/r@$D/usage_location" US

lf_unmount

note "automatic purge at mount, by the clock LICENSEFS_NOW sets"
T=1700000000
DAY=86400
CDB=$(lf_db clock)
LICENSEFS_NOW=$T lf_mount --db "$CDB"
for u in old young keep; do expect_ok mkdir "$M/users/$u@$D"; done
expect_ok putln "$M/users/old@$D/usage_location" US
expect_ok mkdir "$M/products/X"
expect_ok putln "$M/products/X/total" 1
expect_ok touch "$M/products/X/users/old@$D"
expect_ok rmdir "$M/users/old@$D"
expect_deleted_time "$M/deleted_users/old@$D/deleted" "$T"
expect_eq "$T" "$(since_of "$M/deleted_users/old@$D/licenses/X")" "since= of the suspended X"
lf_unmount
LICENSEFS_NOW=$((T + 2 * DAY)) lf_mount --db "$CDB"
expect_ls "$M/deleted_users" "old@$D"
expect_ok rmdir "$M/users/young@$D"
expect_deleted_time "$M/deleted_users/young@$D/deleted" $((T + 2 * DAY))
lf_unmount

# 31 days after old's deletion, 29 after young's: old goes, young stays
LICENSEFS_NOW=$((T + 31 * DAY)) lf_mount --db "$CDB"
expect_ls "$M/deleted_users" "young@$D"
expect_absent "$M/deleted_users/old@$D"
expect_ls "$M/users" "keep@$D"
expect_deleted_time "$M/deleted_users/young@$D/deleted" $((T + 2 * DAY))
expect_counts X 1 0 1
expect_ok rmdir "$M/products/X"
expect_ok mkdir "$M/users/old@$D"
lf_unmount

# young: exactly 30 days is kept, 30 days and a second is purged
LICENSEFS_NOW=$((T + 32 * DAY)) lf_mount --db "$CDB"
expect_ls "$M/deleted_users" "young@$D"
lf_unmount
LICENSEFS_NOW=$((T + 32 * DAY + 1)) lf_mount --db "$CDB"
expect_ls "$M/deleted_users"
expect_ls "$M/users" "$(upns keep old)"
lf_unmount

lf_finish
