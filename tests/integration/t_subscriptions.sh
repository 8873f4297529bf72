#!/bin/bash
# Subscriptions through the tree: mkdir products/SKU/subscriptions/ID makes one (the product's
# first takes over its seats), its files show and take seats, ends (a date or date-time in UTC,
# empty for none), trial, and show status, next_lifecycle and created; the product's total and
# expiring_soon are theirs then (0444, a write "Operation not permitted"); seats that holders
# need cannot go by hand ("Device or resource busy"). The clock (LICENSEFS_NOW, read at mount)
# moves an ended one to Warning, 30 days on to Suspended: its seats leave the total, nobody
# loses one, nobody gets one ("No space left on device"), each move in the audit log; a later
# end date brings it back and the waiting members get seats. rmdir removes one.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

D=contoso.com
P=$M/products/AAD_PREMIUM_P2
S=$P/subscriptions/Annual
DAY=86400
T=1893456000            # 2030-01-01T00:00:00Z: the clock of this test's mounts

LICENSEFS_NOW=$T lf_mount --demo

note "a product's first subscription takes over its seats"
expect_ls "$P/subscriptions"
expect_eq "3 3 0" "$(cat "$P/total") $(cat "$P/assigned") $(cat "$P/available")" "P2 before"
expect_mode "$P/total" 644
expect_ok mkdir "$S"
expect_ls "$P/subscriptions" Annual
expect_ls "$S" created ends next_lifecycle seats status trial
expect_eq "3" "$(cat "$S/seats")" "its seats"
expect_eq "Enabled" "$(cat "$S/status")" "its status"
expect_eq "" "$(cat "$S/ends")" "no end date"
expect_eq "" "$(cat "$S/next_lifecycle")" "nothing happens next"
expect_eq "2030-01-01T00:00:00Z" "$(cat "$S/created")" "created by the mount's clock"
expect_eq "no" "$(cat "$S/trial")" "not a trial"
expect_mode "$S/status" 444
expect_mode "$S/seats" 644
expect_mode "$P/total" 444
expect_mode "$P/expiring_soon" 444
before=$(lf_snapshot "$M")
expect_fail "Operation not permitted" putln "$P/total" 10
expect_fail "Operation not permitted" putln "$P/expiring_soon" 1
expect_fail "Device or resource busy" putln "$S/seats" 2
expect_fail "Device or resource busy" rmdir "$S"
expect_fail "Invalid argument" putln "$S/ends" 2030-02-30
expect_fail "Invalid argument" putln "$S/trial" maybe
expect_fail "Operation not permitted" putln "$S/status" Warning
expect_unchanged "$before" "refused writes"
# a later one starts with no seats
expect_ok mkdir "$P/subscriptions/Trial"
expect_eq "0 3" "$(cat "$P/subscriptions/Trial/seats") $(cat "$P/total")" "a second one"
putln "$P/subscriptions/Trial/trial" yes
expect_eq "yes" "$(cat "$P/subscriptions/Trial/trial")" "a trial"
expect_ok rmdir "$P/subscriptions/Trial"
# a seat more: alex, waiting through Security Admins, gets it
putln "$S/seats" 4
expect_eq "4 4 0" "$(cat "$P/total") $(cat "$P/assigned") $(cat "$P/available")" \
    "the waiter got the new seat"
expect_ls "$P/errors"
putln "$S/ends" 2030-01-11
expect_eq "2030-01-11T00:00:00Z" "$(cat "$S/ends")" "the end date"
expect_eq "2030-01-11T00:00:00Z" "$(cat "$S/next_lifecycle")" "it ends next"
expect_fail "Directory not empty" rmdir "$P"

note "export writes them as Graph does, and import reads them back"
LICENSEFS_NOW=$T run_lf "$LF_TMP/a.json" "$LF_TMP/err" export "$DB"
expect_eq 0 "$LF_RC" "export"
expect_eq "Annual AAD_PREMIUM_P2 Enabled 4 false 2030-01-01T00:00:00Z 2030-01-11T00:00:00Z" \
    "$(jq -r '.subscriptions[] | [.id, .skuPartNumber, .status, .totalLicenses, .isTrial,
    .createdDateTime, .nextLifecycleDateTime] | map(tostring) | join(" ")' "$LF_TMP/a.json")" \
    "the subscription as Graph's object"
expect_eq "4 0 0" "$(jq -r '.subscribedSkus[] | select(.skuPartNumber == "AAD_PREMIUM_P2") |
    .prepaidUnits | "\(.enabled) \(.warning) \(.suspended)"' "$LF_TMP/a.json")" \
    "prepaidUnits from it"
LICENSEFS_NOW=$T run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db copy)" "$LF_TMP/a.json"
expect_eq "0:" "$LF_RC:$(cat "$LF_TMP/err")" "import"
LICENSEFS_NOW=$T run_lf "$LF_TMP/b.json" "$LF_TMP/err" export "$(lf_db copy)"
expect_eq "" "$(diff "$LF_TMP/a.json" "$LF_TMP/b.json")" "the same export after an import"
# a subscription Graph shows locked out or deleted is not kept; a bad one refuses the file
jq '.subscriptions += [{"id": "Old", "skuPartNumber": "AAD_PREMIUM", "status": "LockedOut",
    "totalLicenses": 5}]' "$LF_TMP/a.json" >"$LF_TMP/c.json"
LICENSEFS_NOW=$T run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db locked)" "$LF_TMP/c.json"
expect_eq 0 "$LF_RC" "import with a locked-out subscription"
expect_match 'subscriptions\[1\]\.status: warning: a subscription LockedOut' \
    "$(cat "$LF_TMP/err")" "the locked-out one skipped, said"
jq '.subscriptions[0].skuPartNumber = "NOPE" | del(.subscriptions[0].skuId)' "$LF_TMP/a.json" \
    >"$LF_TMP/d.json"
LICENSEFS_NOW=$T run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db bad)" "$LF_TMP/d.json"
expect_eq "1" "$LF_RC" "import of a subscription of no sku"
expect_match 'subscriptions\[0\]\.skuPartNumber: no sku in subscribedSkus is NOPE' \
    "$(cat "$LF_TMP/err")" "the reason, with its place"
lf_unmount

note "ended: 30 days of grace, the seats expiring soon"
LICENSEFS_NOW=$((T + 11 * DAY)) lf_mount
expect_eq "Warning" "$(cat "$S/status")" "in its grace period"
expect_eq "4 4 4 0" "$(cat "$P/total") $(cat "$P/expiring_soon") $(cat "$P/assigned") \
$(cat "$P/available")" "still usable"
expect_eq "2030-02-10T00:00:00Z" "$(cat "$S/next_lifecycle")" "suspended next"
expect_match "grace	/products/AAD_PREMIUM_P2/subscriptions/Annual	info	ended \
2030-01-11T00:00:00Z: 4 seats" "$(grep -F '/subscriptions/Annual' "$M/audit" | tail -1 |
    cut -f3-)" "the move in the audit log"
lf_unmount

note "suspended: the seats leave, nobody loses one, nobody gets one"
LICENSEFS_NOW=$((T + 41 * DAY)) lf_mount
expect_eq "Suspended" "$(cat "$S/status")" "suspended"
expect_eq "0 0 4 0" "$(cat "$P/total") $(cat "$P/expiring_soon") $(cat "$P/assigned") \
$(cat "$P/available")" "assigned above total"
expect_match $'\nAAD_PREMIUM_P2\t[^\t]*\t0\t4\t0\t0\t' "$(printf '\n'; cat "$M/summary")" \
    "the summary shows total < assigned"
expect_fail "No space left on device" touch "$P/users/adele@$D"
expect_ok touch "$M/groups/Security Admins/members/patti@$D"
expect_ls "$P/errors" "patti@$D"
# a holder leaving frees no seat: more are held than bought
expect_ok rm "$P/users/lee@$D"
expect_eq "3 0" "$(cat "$P/assigned") $(cat "$P/available")" "the seat left with lee"
expect_ls "$P/errors" "patti@$D"

note "a later end date brings it back: waiters get seats, first come"
putln "$S/ends" 2031-01-01T00:00:00Z
expect_eq "Enabled" "$(cat "$S/status")" "reactivated"
expect_eq "4 4 0" "$(cat "$P/total") $(cat "$P/assigned") $(cat "$P/available")" \
    "the waiters hold seats"
expect_ls "$P/errors"
lf_unmount

note "deleted 90 days after its suspension"
LICENSEFS_NOW=$((T + 11 * DAY)) lf_mount
putln "$S/ends" 2030-01-01
lf_unmount
LICENSEFS_NOW=$((T + 121 * DAY)) lf_mount
expect_ls "$P/subscriptions"
expect_eq "0 4" "$(cat "$P/total") $(cat "$P/assigned")" "its seats gone, its holders kept"
expect_match "delete	/products/AAD_PREMIUM_P2/subscriptions/Annual	info	" \
    "$(grep -F '/subscriptions/Annual' "$M/audit" | tail -1 | cut -f3-)" "the deletion audited"
# the product's seats are its own again
expect_mode "$P/total" 644
putln "$P/total" 4
lf_unmount
lf_finish
