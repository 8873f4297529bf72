#!/bin/bash
# Names in paths (escapes, length, validity), what the tree does not define (EPERM), and rmdir
# of products and groups.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

D=example.com
lf_mount

note "SKUs and group names with spaces, parentheses, / and %"
expect_ok mkdir "$M/products/Microsoft 365 E3 (no Teams)"
expect_ok mkdir "$M/products/A%2FB"
expect_ok mkdir "$M/products/50%25 off"
expect_ok mkdir "$M/products/x%25%2F%252F"
expect_ls "$M/products" "50%25 off" "A%2FB" "Microsoft 365 E3 (no Teams)" "x%25%2F%252F"
expect_file "$M/products/Microsoft 365 E3 (no Teams)/name" "Microsoft 365 E3 (no Teams)"
expect_file "$M/products/A%2FB/name" "A/B"
expect_file "$M/products/50%25 off/name" "50% off"
expect_file "$M/products/x%25%2F%252F/name" "x%/%2F"
expect_ls "$M/products/A%2FB" assigned available errors expiring_soon groups name plans \
    subscriptions total users
expect_ok mkdir "$M/groups/R&D %2F Lab (EMEA)"
expect_ls "$M/groups" "R&D %2F Lab (EMEA)"
expect_ok mkdir "$M/groups/Ünïcode ✓"
expect_ls "$M/groups" "R&D %2F Lab (EMEA)" "Ünïcode ✓"
expect_ok mkdir "$M/users/o'brien+tag@$D"
expect_ok mkdir "$M/users/50%25@$D"
expect_ls "$M/users" "50%25@$D" "o'brien+tag@$D"
expect_file "$M/users/50%25@$D/display_name" "50%@$D"

note "escaped names in records"
U="o'brien+tag@$D"
expect_ok putln "$M/users/$U/usage_location" IE
expect_ok putln "$M/products/A%2FB/total" 5
expect_ok touch "$M/groups/R&D %2F Lab (EMEA)/members/$U"
expect_ok touch "$M/products/A%2FB/groups/R&D %2F Lab (EMEA)"
expect_ls "$M/users/$U/licenses" "A%2FB"
expect_ls "$M/users/$U/groups" "R&D %2F Lab (EMEA)"
expect_ls "$M/groups/R&D %2F Lab (EMEA)/licenses" "A%2FB"
expect_record "$M/products/A%2FB/users/$U" "user=$U" "product=A/B" state=active direct=no "group=R&D / Lab (EMEA)" disabled_plans= since=T
expect_record "$M/products/A%2FB/groups/R&D %2F Lab (EMEA)" "group=R&D / Lab (EMEA)" "product=A/B" members=1 errors=0 disabled_plans= since=T
expect_record "$M/users/$U/groups/R&D %2F Lab (EMEA)" "user=$U" "group=R&D / Lab (EMEA)" since=T

note "invalid % sequences: EINVAL"
for n in "a%2fb" "a%41" "a%" "a%2" "%%" "a%20b" "a%2F%" "%2f"; do
    expect_fail "Invalid argument" mkdir "$M/products/$n"
    expect_fail "Invalid argument" mkdir "$M/groups/$n"
done
expect_fail "Invalid argument" mkdir "$M/users/a%40b@$D"
expect_fail "Invalid argument" stat "$M/products/a%2fb"
expect_ls "$M/products" "50%25 off" "A%2FB" "Microsoft 365 E3 (no Teams)" "x%25%2F%252F"

note "invalid names: EINVAL"
for n in noat "a b@$D" $'a\tb@'"$D" "@$D" "a@" ; do
    expect_fail "Invalid argument" mkdir "$M/users/$n"
done
for n in $'tab\tsku' $'nl\nsku' $'del\x7fsku' "$(printf 'bad\xffutf8')" "$(printf '\xc3')"; do
    expect_fail "Invalid argument" mkdir "$M/products/$n"
    expect_fail "Invalid argument" mkdir "$M/groups/$n"
done
expect_fail "Invalid argument" mkdir "$M/users/$(printf '\xff')@$D"
expect_ls "$M/users" "50%25@$D" "o'brien+tag@$D"

note "255 bytes as written work, 256 are File name too long"
n255=$(printf 'S%.0s' $(seq 255))
n256=${n255}S
u255=$(printf 'u%.0s' $(seq $((255 - ${#D} - 1))))@$D
u256=u$u255
expect_eq 255 "${#u255}" "length of the 255-byte UPN"
expect_ok mkdir "$M/products/$n255"
expect_ls "$M/products/$n255" assigned available errors expiring_soon groups name plans \
    subscriptions total users
expect_file "$M/products/$n255/name" "$n255"
expect_fail "File name too long" mkdir "$M/products/$n256"
expect_fail "File name too long" stat "$M/products/$n256"
expect_ok mkdir "$M/groups/$n255"
expect_fail "File name too long" mkdir "$M/groups/$n256"
expect_ok mkdir "$M/users/$u255"
expect_fail "File name too long" mkdir "$M/users/$u256"
expect_ok putln "$M/users/$u255/usage_location" US
expect_ok putln "$M/products/$n255/total" 1
expect_ok touch "$M/products/$n255/users/$u255"
expect_ls "$M/users/$u255/licenses" "$n255"
expect_ok touch "$M/groups/$n255/members/$u255"
expect_ls "$M/users/$u255/groups" "$n255"
# as written: 253 bytes plus %2F is 256 bytes although the name is 254
esc256=${n255:0:253}%2F
expect_fail "File name too long" mkdir "$M/products/$esc256"
esc255=${n255:0:252}%2F
expect_ok mkdir "$M/products/$esc255"
expect_file "$M/products/$esc255/name" "${n255:0:252}/"
n1000=$(printf 'L%.0s' $(seq 1000))
expect_fail "File name too long" mkdir "$M/products/$n1000"
expect_fail "File name too long" touch "$M/products/$n255/users/$n1000@$D"

note "mkdir of an existing name: File exists"
expect_fail "File exists" mkdir "$M/products/A%2FB"
expect_fail "File exists" mkdir "$M/groups/R&D %2F Lab (EMEA)"
expect_fail "File exists" mkdir "$M/users/$U"

note "what the tree does not define: Operation not permitted"
P=$M/products/A%2FB
G="$M/groups/R&D %2F Lab (EMEA)"
before=$(lf_snapshot "$M")
for f in "$M/products/file" "$M/users/file" "$M/users/x@$D" "$M/groups/file" "$M/newfile" \
         "$M/tenant/newfile" "$P/newfile" "$P/errors/$U" "$M/users/$U/groups/G" \
         "$M/users/$U/newfile"; do
    expect_fail "Operation not permitted" touch "$f"
done
for d in "$M/newdir" "$M/tenant/newdir" "$P/newdir" "$P/users/50%25@$D" "$P/users/newdir" \
         "$P/groups/newdir" "$P/errors/newdir" "$P/groups/Ünïcode ✓" \
         "$M/users/$U/licenses/NEW" "$M/users/$U/groups/G" "$G/members/x@$D" "$G/licenses/NEW" \
         "$G/errors/x@$D" "$M/users/$U/newdir"; do
    expect_fail "Operation not permitted" mkdir "$d"
done
expect_fail "Operation not permitted" ln -s target "$M/products/link"
expect_fail "Operation not permitted" ln -s target "$P/users/link@$D"
expect_fail "Operation not permitted" ln "$P/name" "$P/name2"
expect_fail "Operation not permitted" ln "$P/users/$U" "$M/products/$n255/users/$U"
expect_fail "Operation not permitted" mkfifo "$M/products/fifo"
expect_fail "Operation not permitted" mkfifo "$P/users/fifo@$D"
expect_fail "Operation not permitted" mknod "$M/products/null" c 1 3
expect_fail "Operation not permitted" mv "$P" "$M/products/renamed"
expect_fail "Operation not permitted" mv "$M/users/$U" "$M/users/other@$D"
expect_fail "Operation not permitted" mv "$M/groups/R&D %2F Lab (EMEA)" "$M/groups/other"
expect_fail "Operation not permitted" mv "$P/name" "$P/name2"
expect_fail "Operation not permitted" mv "$P/users/$U" "$M/products/$n255/users/$U"
expect_fail "Operation not permitted" rm "$P/name"
expect_fail "Operation not permitted" rm "$P/total"
expect_fail "Operation not permitted" rm "$M/tenant/name"
expect_fail "Operation not permitted" rmdir "$M/users/$U/licenses"
expect_fail "Operation not permitted" rmdir "$M/users"
expect_fail "Operation not permitted" rmdir "$M/tenant"
expect_fail "Operation not permitted" rmdir "$M/products/50%25 off/users"
expect_fail "Operation not permitted" rmdir "$M/groups/Ünïcode ✓/members"
expect_fail "Operation not permitted" rm "$M/users/$U/groups/R&D %2F Lab (EMEA)"
after=$(lf_snapshot "$M")
if [ "$before" == "$after" ]; then pass; else
    fail "refused operations changed the tree:"
    diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -20 | sed 's/^/    /'
fi

note "touch of existing non-record files and directories succeeds and changes nothing"
for f in "$M" "$M/products" "$P" "$P/users" "$P/name" "$P/total" "$P/assigned" "$M/tenant/name" \
         "$M/users/$U" "$M/users/$U/usage_location" "$G" "$G/members"; do
    expect_ok touch "$f"
done
after=$(lf_snapshot "$M")
expect_eq "$before" "$after" "tree after touching existing files and directories"

note "unknown paths: No such file or directory"
expect_absent "$M/products/NOPE"
expect_absent "$M/products/NOPE/name"
expect_absent "$P/nothing"
expect_absent "$M/users/nobody@$D"
expect_absent "$M/nothing"
expect_fail "No such file or directory" ls "$M/groups/NOPE/members"
expect_fail "No such file or directory" touch "$M/groups/NOPE/members/$U"
expect_fail "No such file or directory" touch "$G/members/nobody@$D"
expect_fail "No such file or directory" touch "$P/groups/NOPE"
expect_fail "No such file or directory" touch "$G/licenses/NOPE"
expect_fail "No such file or directory" rm "$P/users/nobody@$D"
expect_fail "No such file or directory" rm "$G/members/nobody@$D"
expect_fail "No such file or directory" rmdir "$M/products/NOPE"
expect_fail "No such file or directory" rmdir "$M/groups/NOPE"

note "rmdir products/SKU: ENOTEMPTY while held, waited for or assigned to a group"
expect_ok mkdir "$M/products/RM" "$M/users/w@$D" "$M/groups/RMG"
expect_ok putln "$M/users/w@$D/usage_location" US
expect_ok putln "$M/products/RM/total" 1
expect_ok touch "$M/products/RM/users/w@$D"
expect_fail "Directory not empty" rmdir "$M/products/RM"
expect_ls "$M/products/RM/users" "w@$D"
expect_ok touch "$M/groups/RMG/members/$U"
expect_ok touch "$M/products/RM/groups/RMG"
expect_ls "$M/products/RM/errors" "$U"
expect_ok rm "$M/products/RM/users/w@$D"
expect_ls "$M/products/RM/users" "$U"
expect_fail "Directory not empty" rmdir "$M/products/RM"
expect_ok rm "$M/groups/RMG/members/$U"
expect_ls "$M/products/RM/users"
expect_ls "$M/products/RM/groups" RMG
expect_fail "Directory not empty" rmdir "$M/products/RM"
expect_ok rm "$M/products/RM/groups/RMG"
expect_ok rmdir "$M/products/RM"
expect_absent "$M/products/RM"
expect_ls "$M/groups/RMG/licenses"
note "rmdir products/SKU: ENOTEMPTY while only waited for"
expect_ok mkdir "$M/products/WAIT"
expect_ok touch "$M/groups/RMG/members/w@$D"
expect_ok touch "$M/products/WAIT/groups/RMG"
expect_ls "$M/products/WAIT/errors" "w@$D"
expect_fail "Directory not empty" rmdir "$M/products/WAIT"
expect_ok rm "$M/products/WAIT/groups/RMG"
expect_ok rmdir "$M/products/WAIT"
expect_ls "$M/groups/RMG/errors"
expect_ok mkdir "$M/products/EMPTY"
expect_ok rmdir "$M/products/EMPTY"
expect_absent "$M/products/EMPTY"
expect_ok mkdir "$M/products/EMPTY"
expect_file "$M/products/EMPTY/total" 0

note "rmdir groups/G: ENOTEMPTY while licensed, ends memberships when not"
expect_ok touch "$M/products/A%2FB/groups/RMG"
expect_fail "Directory not empty" rmdir "$M/groups/RMG"
expect_ls "$M/groups/RMG/members" "w@$D"
expect_ok rm "$M/groups/RMG/licenses/A%2FB"
expect_ls "$M/users/w@$D/groups" RMG
expect_ok rmdir "$M/groups/RMG"
expect_absent "$M/groups/RMG"
expect_ls "$M/users/w@$D/groups"
expect_ls "$M/users/w@$D/licenses"
expect_ok mkdir "$M/groups/RMG"
expect_ls "$M/groups/RMG/members"
expect_ok rmdir "$M/groups/RMG"

lf_unmount
lf_finish
