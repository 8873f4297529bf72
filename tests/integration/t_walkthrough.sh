#!/bin/bash
# The walkthrough of the seat rules on an empty tenant: a product with seats, users (one without
# a usage location), a group; direct and inherited assignments, counts, refusals that change nothing,
# waiting users served in order, removing the group license.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

SKU=ENTERPRISEPACK
P=$M/products/$SKU
D=example.com
holder() { # holder UPN DIRECT GROUP...: expected lines of a holder file for $SKU
    local u=$1 d=$2 g
    shift 2
    printf '%s\n' "user=$u@$D" "product=${LF_SKU:-$SKU}" state=active "direct=$d"
    for g in "$@"; do printf 'group=%s\n' "$g"; done
    echo disabled_plans=
    echo since=T
}
# expect_holder UPN DIRECT GROUP...: both paths of the holder file show the record; mode 0644
# with a direct path, else 0444.
expect_holder() {
    local u=$1 mode=444 lines sku=${LF_SKU:-$SKU}
    [ "$2" = yes ] && mode=644
    mapfile -t lines < <(holder "$@")
    expect_record "$M/products/$sku/users/$u@$D" "${lines[@]}"
    expect_record "$M/users/$u@$D/licenses/$sku" "${lines[@]}"
    expect_mode "$M/products/$sku/users/$u@$D" "$mode"
    expect_mode "$M/users/$u@$D/licenses/$sku" "$mode"
    expect_type "$M/products/$sku/users/$u@$D" "regular file"
}
# expect_waiting UPN GROUP: the error files of a user waiting for $SKU through GROUP only.
expect_waiting() {
    local u=$1@$D g=$2 sku=${LF_SKU:-$SKU}
    expect_record "$M/products/$sku/errors/$u" "user=$u" "product=$sku" error=CountViolation direct=no "group=$g" since=T
    expect_record "$M/groups/$g/errors/$u" "user=$u" "group=$g" error=CountViolation "product=$sku" since=T
    expect_mode "$M/products/$sku/errors/$u" 444
    expect_mode "$M/groups/$g/errors/$u" 444
    expect_absent "$M/products/$sku/users/$u"
    expect_absent "$M/users/$u/licenses/$sku"
}
expect_not_waiting() {
    expect_absent "$M/products/${LF_SKU:-$SKU}/errors/$1@$D"
    expect_absent "$M/groups/$2/errors/$1@$D"
}
upns() { local u; for u in "$@"; do echo "$u@$D"; done; }

lf_mount

note "an empty tenant"
expect_ls "$M" audit deleted_users groups products summary tenant users
expect_ls "$M/products"
expect_ls "$M/users"
expect_ls "$M/groups"
expect_ls "$M/tenant" name plan_conflicts plan_dependencies usage_location
expect_eq "$(printf '%s\n' . .. name plan_conflicts plan_dependencies usage_location)" \
    "$(ls -a "$M/tenant")" "ls -a tenant (readdir gives . and ..)"
expect_file "$M/tenant/name" "Default Directory"
expect_file "$M/tenant/usage_location" US
for d in "$M" "$M/tenant"; do expect_mode "$d" 555; done
for d in "$M/products" "$M/users" "$M/groups"; do expect_mode "$d" 755; done
for f in "$M/tenant/name" "$M/tenant/usage_location"; do expect_mode "$f" 644; done

note "create a product with seats"
expect_ok mkdir "$P"
expect_ls "$M/products" $SKU
expect_ls "$P" assigned available errors expiring_soon groups name plans \
    subscriptions total users
expect_file "$P/name" $SKU
expect_counts $SKU 0 0 0 0
expect_mode "$P" 555
expect_mode "$P/users" 755
expect_mode "$P/groups" 755
expect_mode "$P/errors" 755
for f in name total expiring_soon; do expect_mode "$P/$f" 644; done
for f in assigned available; do expect_mode "$P/$f" 444; done
expect_ok putln "$P/total" 5
expect_counts $SKU 5 0 5 0

note "create users, one without a usage location"
declare -A LOC=([ann]=US [gus]=US [dan]=FR [bob]=DE [eve]=GB [cat]=us [hal]=US [ida]=US
                [fay]=US [jo]=US [kim]=US)
for u in ann gus dan bob eve cat hal ida fay jo kim nolo; do
    expect_ok mkdir "$M/users/$u@$D"
done
for u in "${!LOC[@]}"; do
    expect_ok putln "$M/users/$u@$D/usage_location" "${LOC[$u]}"
done
expect_ls "$M/users" "$(upns ann gus dan bob eve cat hal ida fay jo kim nolo)"
U=$M/users/ann@$D
expect_ls "$U" display_name groups licenses usage_location
expect_file "$U/display_name" "ann@$D"
expect_file "$U/usage_location" US
expect_file "$M/users/cat@$D/usage_location" US
expect_file "$M/users/nolo@$D/usage_location" ""
expect_mode "$U" 555
expect_mode "$U/licenses" 755
expect_mode "$U/groups" 555
expect_mode "$U/display_name" 644
expect_mode "$U/usage_location" 644
expect_ls "$U/licenses"
expect_ls "$U/groups"
expect_counts $SKU 5 0 5 0

note "assign directly; counts change"
expect_ok touch "$P/users/ann@$D"
expect_counts $SKU 5 1 4
expect_holder ann yes
expect_ls "$U/licenses" $SKU
expect_ok touch "$M/users/gus@$D/licenses/$SKU"
expect_counts $SKU 5 2 3
expect_ls "$P/users" "$(upns ann gus)"
expect_holder gus yes
before=$(lf_snapshot "$M")
expect_ok touch "$P/users/ann@$D"
expect_ok touch "$M/users/ann@$D/licenses/$SKU"
expect_unchanged "$before" "touch of an existing direct holder file"

note "refusals that change nothing: no usage location, unknown user or product"
expect_fail "Invalid argument" touch "$P/users/nolo@$D"
expect_fail "Invalid argument" touch "$M/users/nolo@$D/licenses/$SKU"
expect_fail "No such file or directory" touch "$P/users/nobody@$D"
expect_fail "No such file or directory" touch "$M/users/ann@$D/licenses/NOPE"
expect_fail "No such file or directory" touch "$M/products/NOPE/users/ann@$D"
expect_unchanged "$before" "refused touches"
expect_absent "$P/users/nolo@$D"
expect_counts $SKU 5 2 3

note "a group with members (not licensed yet)"
expect_ok mkdir "$M/groups/Team"
G=$M/groups/Team
expect_ls "$M/groups" Team
expect_ls "$G" errors licenses members
expect_mode "$G" 555
expect_mode "$G/members" 755
expect_mode "$G/licenses" 755
expect_mode "$G/errors" 555
for u in dan ann bob nolo eve cat hal ida; do
    expect_ok touch "$G/members/$u@$D"
done
expect_ls "$G/members" "$(upns dan ann bob nolo eve cat hal ida)"
expect_record "$G/members/dan@$D" "user=dan@$D" group=Team since=T
expect_record "$M/users/dan@$D/groups/Team" "user=dan@$D" group=Team since=T
expect_mode "$G/members/dan@$D" 644
expect_mode "$M/users/dan@$D/groups/Team" 444
expect_ls "$M/users/dan@$D/groups" Team
expect_fail "No such file or directory" touch "$G/members/nobody@$D"
expect_counts $SKU 5 2 3
expect_ls "$P/errors"
expect_ls "$G/errors"

note "assign the group: seats in join order, the rest wait"
expect_ok touch "$P/groups/Team"
expect_ls "$P/groups" Team
expect_ls "$G/licenses" $SKU
expect_mode "$P/groups/Team" 644
expect_mode "$G/licenses/$SKU" 644
expect_counts $SKU 5 5 0
expect_ls "$P/users" "$(upns ann bob dan gus nolo)"
expect_ls "$P/errors" "$(upns cat eve hal ida)"
expect_ls "$G/errors" "$(upns cat eve hal ida)"
expect_record "$P/groups/Team" group=Team product=$SKU members=8 errors=4 disabled_plans= since=T
expect_record "$G/licenses/$SKU" group=Team product=$SKU members=8 errors=4 disabled_plans= since=T
expect_holder dan no Team
expect_holder bob no Team
expect_holder nolo no Team
expect_holder ann yes Team
expect_holder gus yes
for u in cat eve hal ida; do expect_waiting $u Team; done
expect_eq "$(upns bob dan nolo)" "$(cd "$P/users" && find . -perm 444 -printf '%P\n' | sort)" "find -perm 444 (inherited-only holders)"
expect_eq "$(upns ann gus)" "$(cd "$P/users" && find . -perm 644 -printf '%P\n' | sort)" "find -perm 644 (direct holders)"
expect_ls "$M/users/dan@$D/licenses" $SKU
before=$(lf_snapshot "$M")
expect_ok touch "$P/groups/Team"
expect_ok touch "$G/licenses/$SKU"
expect_ok touch "$G/members/dan@$D"
expect_unchanged "$before" "touch of existing group license and member files"

note "rm of an inherited-only file: Operation not permitted, nothing changes"
expect_fail "Operation not permitted" rm "$P/users/dan@$D"
expect_fail "Operation not permitted" rm "$M/users/dan@$D/licenses/$SKU"
expect_fail "Operation not permitted" rm -f "$P/users/bob@$D"
expect_logged "/products/$SKU/users/dan@$D" "Operation not permitted" EPERM
expect_logged "/users/dan@$D/licenses/$SKU" "Operation not permitted" EPERM
expect_fail "Operation not permitted" rm "$P/errors/eve@$D"
expect_fail "Operation not permitted" rm "$G/errors/eve@$D"
expect_fail "Operation not permitted" rm "$M/users/dan@$D/groups/Team"
expect_fail "Invalid argument" touch "$P/users/nolo@$D"
expect_unchanged "$before" "refused rm of inherited-only files and touch for a user without location"
expect_holder nolo no Team

note "a user with both paths: touch adds the direct path (no new seat), rm keeps the file"
expect_recent "$P/users/dan@$D"
expect_recent "$P/groups/Team"
expect_recent "$P/errors/eve@$D"
expect_recent "$G/errors/eve@$D"
expect_recent "$G/members/dan@$D"
dan_since=$(grep '^since=' "$P/users/dan@$D")
sleep 1.1
expect_ok touch "$P/users/dan@$D"
expect_holder dan yes Team
expect_eq "$dan_since" "$(grep '^since=' "$P/users/dan@$D")" "since= of dan's seat after adding a direct path"
expect_counts $SKU 5 5 0
expect_ok rm "$P/users/dan@$D"
expect_holder dan no Team
expect_eq "$dan_since" "$(grep '^since=' "$P/users/dan@$D")" "since= of dan's seat after removing the direct path"
note "reads at offsets"
expect_eq "$(tail -c +6 "$P/users/dan@$D")" "$(dd if="$P/users/dan@$D" bs=1 skip=5 status=none)" "dd skip=5 of a holder file"
expect_eq "$(head -c 9 "$P/users/dan@$D")" "$(dd if="$P/users/dan@$D" bs=3 count=3 status=none)" "dd bs=3 count=3 of a holder file"
expect_eq "" "$(dd if="$P/total" bs=1 skip=100 status=none)" "read past the end of a count file"
expect_counts $SKU 5 5 0
expect_ok rm "$M/users/ann@$D/licenses/$SKU"
expect_holder ann no Team
expect_counts $SKU 5 5 0
expect_ls "$P/errors" "$(upns cat eve hal ida)"

note "ENOSPC when full; adding a member never fails"
before=$(lf_snapshot "$M")
expect_fail "No space left on device" touch "$P/users/fay@$D"
expect_fail "No space left on device" touch "$M/users/fay@$D/licenses/$SKU"
expect_fail "No space left on device" touch "$P/users/eve@$D"
expect_unchanged "$before" "ENOSPC refusals"
expect_logged "/products/$SKU/users/fay@$D" "No space left on device" ENOSPC
expect_logged "/users/fay@$D/licenses/$SKU" "No space left on device" ENOSPC
expect_ok touch "$G/members/fay@$D"
expect_ls "$P/errors" "$(upns cat eve fay hal ida)"
expect_ls "$G/errors" "$(upns cat eve fay hal ida)"
expect_record "$P/groups/Team" group=Team product=$SKU members=9 errors=5 disabled_plans= since=T
expect_counts $SKU 5 5 0

note "seats free up: the longest-waiting get them first"
expect_ok putln "$P/total" 6
expect_counts $SKU 6 6 0
expect_holder eve no Team
expect_not_waiting eve Team
expect_ls "$P/errors" "$(upns cat fay hal ida)"
expect_ok rm "$P/users/gus@$D"
expect_counts $SKU 6 6 0
expect_absent "$P/users/gus@$D"
expect_ls "$M/users/gus@$D/licenses"
expect_holder cat no Team
expect_ls "$P/errors" "$(upns fay hal ida)"
expect_ok rm "$G/members/bob@$D"
expect_counts $SKU 6 6 0
expect_absent "$P/users/bob@$D"
expect_ls "$M/users/bob@$D/licenses"
expect_ls "$M/users/bob@$D/groups"
expect_ls "$G/members" "$(upns dan ann nolo eve cat hal ida fay)"
expect_holder hal no Team
expect_ls "$P/errors" "$(upns fay ida)"
expect_ok rm "$G/members/ida@$D"
expect_counts $SKU 6 6 0
expect_ls "$P/errors" "$(upns fay)"
expect_ls "$G/errors" "$(upns fay)"
expect_ls "$M/users/ida@$D/groups"
expect_waiting fay Team
expect_record "$P/groups/Team" group=Team product=$SKU members=7 errors=1 disabled_plans= since=T
expect_ok putln "$P/total" 7
expect_counts $SKU 7 7 0
expect_ls "$P/errors"
expect_ls "$G/errors"
expect_holder fay no Team
expect_ok putln "$P/total" 9
expect_counts $SKU 9 7 2
expect_ok touch "$P/users/gus@$D"
expect_counts $SKU 9 8 1
expect_holder gus yes
expect_ok touch "$G/members/jo@$D"
expect_ok touch "$G/members/kim@$D"
expect_counts $SKU 9 9 0
expect_holder jo no Team
expect_waiting kim Team
expect_record "$G/licenses/$SKU" group=Team product=$SKU members=9 errors=1 disabled_plans= since=T

note "remove the group license"
expect_ok rm "$P/groups/Team"
expect_counts $SKU 9 1 8
expect_ls "$P/users" "$(upns gus)"
expect_ls "$P/groups"
expect_ls "$G/licenses"
expect_ls "$P/errors"
expect_ls "$G/errors"
expect_ls "$G/members" "$(upns dan ann nolo eve cat hal fay jo kim)"
expect_ls "$M/users/dan@$D/licenses"
expect_holder gus yes

note "assign and remove through groups/G/licenses"
expect_ok touch "$G/licenses/$SKU"
expect_counts $SKU 9 9 0
expect_ls "$P/users" "$(upns ann cat dan eve fay gus hal jo nolo)"
expect_ls "$P/errors" "$(upns kim)"
expect_record "$P/groups/Team" group=Team product=$SKU members=9 errors=1 disabled_plans= since=T
expect_ok rm "$G/licenses/$SKU"
expect_counts $SKU 9 1 8
expect_ls "$P/errors"
expect_ls "$G/errors"
expect_ls "$P/groups"

note "a user waiting through two groups waits from the earliest moment"
LF_SKU=P2
expect_ok mkdir "$M/products/P2"
expect_ok putln "$M/products/P2/total" 1
expect_ok mkdir "$M/groups/G1" "$M/groups/G2"
expect_ok touch "$M/groups/G1/members/eve@$D" "$M/groups/G1/members/cat@$D"
expect_ok touch "$M/groups/G2/members/hal@$D" "$M/groups/G2/members/cat@$D"
expect_ok touch "$M/products/P2/groups/G1"
expect_counts P2 1 1 0
expect_holder eve no G1
expect_waiting cat G1
expect_ok touch "$M/products/P2/groups/G2"
expect_counts P2 1 1 0
expect_ls "$M/products/P2/errors" "$(upns cat hal)"
expect_record "$M/products/P2/errors/cat@$D" "user=cat@$D" product=P2 error=CountViolation direct=no group=G1 group=G2 since=T
expect_record "$M/groups/G2/errors/cat@$D" "user=cat@$D" group=G2 error=CountViolation product=P2 since=T
expect_ok putln "$M/products/P2/total" 2
expect_counts P2 2 2 0
expect_holder cat no G1 G2
expect_waiting hal G2
expect_ls "$M/users/cat@$D/licenses" P2
expect_ok touch "$M/groups/Team/licenses/P2"
expect_counts P2 2 2 0
expect_ls "$M/products/P2/errors" "$(upns ann dan fay hal jo kim nolo)"
expect_record "$M/products/P2/errors/hal@$D" "user=hal@$D" product=P2 error=CountViolation direct=no group=G2 group=Team since=T
expect_record "$M/groups/Team/errors/hal@$D" "user=hal@$D" group=Team error=CountViolation product=P2 since=T
expect_ok putln "$M/products/P2/total" 3
expect_holder hal no G2 Team
expect_ls "$M/products/P2/errors" "$(upns ann dan fay jo kim nolo)"
expect_ok putln "$M/products/P2/total" 10
expect_ls "$M/products/P2/errors"
expect_holder cat no G1 G2 Team
expect_counts P2 10 9 1
LF_SKU=

note "an unlicensed group can be removed; memberships end"
expect_ok rm "$M/groups/Team/licenses/P2"
expect_ok rmdir "$M/groups/Team"
expect_ls "$M/groups" G1 G2
expect_ls "$M/users/dan@$D/groups"
expect_ls "$M/users/cat@$D/groups" G1 G2
expect_counts $SKU 9 1 8

lf_unmount
lf_finish
