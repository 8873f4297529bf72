#!/bin/bash
# Attribute files: one value per write(), newline optional, blanks ignored; bad values EINVAL
# returned by write() itself and nothing changes; EBUSY and EPERM cases.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

SKU=SPE_E3
P=$M/products/$SKU
U=$M/users/ann@example.com

# expect_bad_write TEXT FILE VALUE: `printf %s VALUE > FILE` fails with TEXT, FILE keeps its
# content.
expect_bad_write() {
    local want=$1 f=$2 v=$3 before
    lf_read "$f"
    before=$LF_DATA
    expect_fail "$want" put "$f" "$v"
    lf_read "$f"
    expect_eq "$before" "$LF_DATA" "$f unchanged after refused write of [$(lf_show "$v")]"
    # keep one wrong acceptance from failing every later check
    [ "$before" == "$LF_DATA" ] || put "$f" "$before"
}

lf_mount
expect_ok mkdir "$P" "$U" "$M/users/bob@example.com" "$M/groups/G"
expect_ok putln "$U/usage_location" US

note "counts: echo, printf, blanks"
expect_ok putln "$P/total" 5
expect_file "$P/total" 5
expect_file "$P/available" 5
expect_ok put "$P/total" 6
expect_file "$P/total" 6
expect_ok put "$P/total" "  7  "
expect_file "$P/total" 7
expect_ok put "$P/total" $'\t8\t\n'
expect_file "$P/total" 8
expect_ok put "$P/total" $' 9 \n'
expect_file "$P/total" 9
expect_ok put "$P/total" 0
expect_file "$P/total" 0
expect_ok put "$P/total" 2147483647
expect_file "$P/total" 2147483647
expect_file "$P/available" 2147483647
expect_ok putln "$P/total" 10
expect_file "$P/total" 10
expect_ok sh -c "echo 11 | tee '$P/total'"
expect_file "$P/total" 11
expect_ok putln "$P/total" 010
expect_file "$P/total" 10

note "counts: bad values are EINVAL from write() and change nothing"
for v in abc -1 +5 -0 99999999999999999999 2147483648 4294967306 1.5 0x10 1e3 "5 6" $'5\n6\n' \
         "" $'\n' " " "5a" "５" $'5\r' $'\v5' $'\n5'; do
    [ -z "$v" ] && continue   # an empty write is no write at all; see below
    expect_bad_write "Invalid argument" "$P/total" "$v"
done
expect_fail "Invalid argument" putln "$P/total" abc
expect_fail "Invalid argument" putln "$P/total" ""
expect_file "$P/total" 10
expect_file "$P/available" 10

note "O_TRUNC alone, truncate, empty write change nothing; append and offsets are refused"
expect_ok truncate_only "$P/total"
expect_file "$P/total" 10
expect_ok put "$P/total" ""
expect_file "$P/total" 10
expect_ok truncate -s 0 "$P/total"
expect_file "$P/total" 10
expect_fail "Invalid argument" append "$P/total" 12
expect_file "$P/total" 10
expect_fail "Invalid argument" sh -c "printf 3 | dd of='$P/total' bs=1 seek=1 conv=notrunc status=none"
expect_file "$P/total" 10
expect_ok sh -c "printf 12 | dd of='$P/total' conv=notrunc status=none"
expect_file "$P/total" 12
expect_ok putln "$P/total" 10

note "expiring_soon"
expect_file "$P/expiring_soon" 0
expect_ok putln "$P/expiring_soon" 3
expect_file "$P/expiring_soon" 3
expect_file "$P/available" 10
expect_bad_write "Invalid argument" "$P/expiring_soon" 11
expect_bad_write "Invalid argument" "$P/expiring_soon" -1
expect_bad_write "Invalid argument" "$P/expiring_soon" x
expect_ok putln "$P/expiring_soon" 10
expect_file "$P/expiring_soon" 10
expect_bad_write "Invalid argument" "$P/total" 9
expect_ok putln "$P/expiring_soon" 3
expect_bad_write "Invalid argument" "$P/total" 2
expect_file "$P/expiring_soon" 3
expect_ok putln "$P/total" 3
expect_ok putln "$P/total" 10

note "total below assigned: EBUSY"
expect_ok mkdir "$M/users/c@example.com" "$M/users/d@example.com"
expect_ok putln "$M/users/c@example.com/usage_location" FR
expect_ok putln "$M/users/d@example.com/usage_location" FR
expect_ok putln "$P/expiring_soon" 0
expect_ok touch "$P/users/ann@example.com" "$P/users/c@example.com" "$P/users/d@example.com"
expect_file "$P/assigned" 3
expect_bad_write "Device or resource busy" "$P/total" 2
expect_bad_write "Device or resource busy" "$P/total" 0
expect_file "$P/available" 7
expect_ok putln "$P/total" 3
expect_file "$P/available" 0
expect_ok putln "$P/total" 10

note "read-only and record files: writes EPERM"
expect_ok putln "$P/total" 3
expect_ok touch "$M/groups/G/members/bob@example.com" "$P/groups/G"
expect_file "$P/assigned" 3
expect_ls "$P/errors" bob@example.com
for f in "$P/assigned" "$P/available" "$M/groups/G/members/bob@example.com" \
         "$M/users/bob@example.com/groups/G" "$P/errors/bob@example.com" \
         "$M/groups/G/errors/bob@example.com"; do
    expect_bad_write "Operation not permitted" "$f" 1
    expect_fail "Operation not permitted" putln "$f" 1
    expect_exists "$f"
done
# Assignment records take only their options line (disabled_plans=...): anything else is EINVAL.
for f in "$P/users/ann@example.com" "$U/licenses/$SKU" "$P/groups/G" \
         "$M/groups/G/licenses/$SKU"; do
    expect_bad_write "Invalid argument" "$f" 1
    expect_fail "Invalid argument" putln "$f" 1
    expect_exists "$f"
done
expect_ls "$P/errors" bob@example.com
expect_ok putln "$P/total" 10
expect_ls "$P/errors"
expect_file "$P/assigned" 4

note "usage_location"
expect_ok putln "$M/users/bob@example.com/usage_location" de
expect_file "$M/users/bob@example.com/usage_location" DE
expect_ok put "$M/users/bob@example.com/usage_location" " gB "
expect_file "$M/users/bob@example.com/usage_location" GB
expect_ok put "$M/users/bob@example.com/usage_location" Ch
expect_file "$M/users/bob@example.com/usage_location" CH
for v in XX USA U 1A "D E" "D-" $'D\tE'; do
    expect_bad_write "Invalid argument" "$M/users/bob@example.com/usage_location" "$v"
done
expect_bad_write "Invalid argument" "$M/users/bob@example.com/usage_location" "$(printf '\xc3\x84T')"
expect_file "$M/users/bob@example.com/usage_location" CH
note "usage_location: an empty value clears, EBUSY with a direct license"
expect_ok putln "$M/users/bob@example.com/usage_location" ""
expect_file "$M/users/bob@example.com/usage_location" ""
expect_bad_write "Device or resource busy" "$U/usage_location" $'\n'
expect_fail "Device or resource busy" putln "$U/usage_location" ""
expect_file "$U/usage_location" US
expect_ok putln "$U/usage_location" fr
expect_file "$U/usage_location" FR
expect_ok truncate_only "$U/usage_location"
expect_file "$U/usage_location" FR

note "tenant"
T=$M/tenant
expect_ok putln "$T/usage_location" fr
expect_file "$T/usage_location" FR
expect_bad_write "Invalid argument" "$T/usage_location" $'\n'
expect_bad_write "Invalid argument" "$T/usage_location" XX
expect_bad_write "Invalid argument" "$T/usage_location" "  "
expect_ok putln "$T/name" "Contoso Ltd"
expect_file "$T/name" "Contoso Ltd"
expect_ok put "$T/name" $'  Fabrikam, Inc. \t\n'
expect_file "$T/name" "Fabrikam, Inc."
expect_bad_write "Invalid argument" "$T/name" $'\n'
expect_bad_write "Invalid argument" "$T/name" "   "
expect_bad_write "Invalid argument" "$T/name" $'a\x01b'
expect_bad_write "Invalid argument" "$T/name" $'two\nlines\n'
expect_bad_write "Invalid argument" "$T/name" "$(printf 'bad\xffutf8')"
expect_bad_write "Invalid argument" "$T/name" "$(printf '%01025d' 0)"
expect_fail "Invalid argument" sh -c "printf '%05000d' 0 | dd of='$T/name' bs=8192 iflag=fullblock conv=notrunc status=none"
expect_file "$T/name" "Fabrikam, Inc."
expect_ok put "$T/name" "$(printf '%01024d' 0)"
expect_file "$T/name" "$(printf '%01024d' 0)"
expect_ok putln "$T/name" "Zürich AG ✓"
expect_file "$T/name" "Zürich AG ✓"
expect_ok truncate_only "$T/name"
expect_file "$T/name" "Zürich AG ✓"

note "product name and display name"
expect_file "$P/name" $SKU
expect_ok putln "$P/name" "Microsoft 365 E3"
expect_file "$P/name" "Microsoft 365 E3"
expect_bad_write "Invalid argument" "$P/name" ""$'\n'
expect_fail "Invalid argument" putln "$P/name" ""
expect_file "$P/name" "Microsoft 365 E3"
expect_file "$U/display_name" ann@example.com
expect_ok putln "$U/display_name" "Ann Example"
expect_file "$U/display_name" "Ann Example"
expect_bad_write "Invalid argument" "$U/display_name" $'\n'
expect_bad_write "Invalid argument" "$U/display_name" $'tab\tinside'
expect_file "$U/display_name" "Ann Example"

note "writes elsewhere: directories and static read-only files"
expect_fail "Is a directory" putln "$P/users" 1
expect_fail "Operation not permitted" putln "$P/errors/nobody@example.com" 1

note "a refused write refuses the rest of its open file (bash's printf: one write per line)"
lf_read "$P/total"
before=$LF_DATA
# shellcheck disable=SC2016 # $1 is for the inner shell
expect_fail "Invalid argument" bash -c 'printf "abc\n12\n" > "$1"' sh "$P/total"
expect_file "$P/total" "${before%$'\n'}"
# shellcheck disable=SC2016 # $1 is for the inner shell
expect_fail "Invalid argument" bash -c 'printf "12\nabc\n" > "$1"' sh "$P/total"
expect_file "$P/total" "${before%$'\n'}"

lf_unmount
lf_finish
