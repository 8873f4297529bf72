#!/bin/bash
# The service-plan rules through the tree: tenant/plan_conflicts and tenant/plan_dependencies
# show the rules shipped (read-only); touch of a product whose plan conflicts with one the user
# has enabled through another product is "File exists" (EEXIST) and changes nothing; an add-on
# without its prerequisite is "Package not installed" (ENOPKG); taking a prerequisite from an
# enabled add-on (rm, options, a membership ended) is "Device or resource busy" (EBUSY); a
# disabled plan resolves a conflict; a group license whose add-on lacks a prerequisite in the
# same group is "Invalid argument"; every refusal is in the audit log with Entra's reason.
# Through a group nothing is refused: a member whose license would break a rule is held back,
# in errors/ with error=MutuallyExclusiveViolation or DependencyViolation and the plans named,
# in the summary, the audit log, export and export-csv, and gets the license once the rule no
# longer holds.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

D=contoso.com
P=$M/products

lf_mount --demo

note "the rules, read-only"
expect_file "$M/tenant/plan_dependencies" "MCOMEETADV: MCOSTANDARD" \
    "SHAREPOINT_PROJECT: SHAREPOINTENTERPRISE" \
    "WORKPLACE_ANALYTICS: EXCHANGE_S_ENTERPRISE EXCHANGE_S_STANDARD"
expect_eq "INTUNE_A INTUNE_A_VL INTUNE_B" "$(sed -n 2p "$M/tenant/plan_conflicts")" \
    "the second conflict set"
expect_mode "$M/tenant/plan_conflicts" 444
expect_mode "$M/tenant/plan_dependencies" 444
expect_fail "Operation not permitted" putln "$M/tenant/plan_conflicts" "A B"
expect_ls "$M/tenant" name plan_conflicts plan_dependencies usage_location

# EXO_P1 and KIOSK: Exchange plans of one conflict set; E3: Skype (Audio Conferencing's
# prerequisite) and Exchange Plan 2, which stacks; MEET: Audio Conferencing, an add-on.
for sku in EXO_P1 KIOSK E3 MEET; do
    expect_ok mkdir "$P/$sku"
    putln "$P/$sku/total" 5
done
expect_ok sh -c "printf 'BOOKINGS\nEXCHANGE_S_STANDARD\n' > '$P/EXO_P1/plans'"
putln "$P/KIOSK/plans" EXCHANGE_S_DESKLESS
expect_ok sh -c "printf 'EXCHANGE_S_ENTERPRISE\nMCOSTANDARD\n' > '$P/E3/plans'"
putln "$P/MEET/plans" MCOMEETADV

note "conflicting plans"
expect_ok touch "$P/EXO_P1/users/adele@$D"
before=$(lf_snapshot "$M")
expect_fail "File exists" touch "$P/KIOSK/users/adele@$D"
expect_unchanged "$before" "a conflicting license refused"
expect_match "create	/products/KIOSK/users/adele@$D	EEXIST	MutuallyExclusiveViolation: \
service plan 'EXCHANGE_S_DESKLESS' of 'KIOSK' conflicts with 'EXCHANGE_S_STANDARD', which \
'EXO_P1' enables for 'adele@$D'" "$(tail -1 "$M/audit")" "the refusal in the audit log"
expect_ok touch "$P/E3/users/adele@$D"
# disabling the plan resolves the conflict; enabling it again is refused
putln "$P/EXO_P1/users/adele@$D" disabled_plans=EXCHANGE_S_STANDARD
expect_ok touch "$P/KIOSK/users/adele@$D"
expect_fail "File exists" putln "$P/EXO_P1/users/adele@$D" disabled_plans=
expect_match $'\ndisabled_plans=EXCHANGE_S_STANDARD\n' "$(cat "$P/EXO_P1/users/adele@$D")" \
    "the options as they were"

note "dependent plans"
expect_fail "Package not installed" touch "$P/MEET/users/alex@$D"
expect_absent "$P/MEET/users/alex@$D"
expect_match "ENOPKG	DependencyViolation: service plan 'MCOMEETADV' of 'MEET' needs \
'MCOSTANDARD' enabled for 'alex@$D'" "$(tail -1 "$M/audit")" "the refusal in the audit log"
expect_ok touch "$P/E3/users/alex@$D" "$P/MEET/users/alex@$D"
before=$(lf_snapshot "$M")
expect_fail "Device or resource busy" rm "$P/E3/users/alex@$D"
expect_fail "Device or resource busy" putln "$P/E3/users/alex@$D" disabled_plans=MCOSTANDARD
expect_unchanged "$before" "prerequisites kept"
expect_match "EBUSY	DependencyViolation: service plan 'MCOMEETADV' of 'MEET' needs \
'MCOSTANDARD' enabled for 'alex@$D', and this would leave it without" "$(tail -1 "$M/audit")" \
    "the refusal in the audit log"
expect_ok rm "$P/MEET/users/alex@$D"
expect_ok rm "$P/E3/users/alex@$D"

note "dependent plans through a group"
expect_ok mkdir "$M/groups/Voice"
expect_fail "Invalid argument" touch "$M/groups/Voice/licenses/MEET"
expect_match "EINVAL	DependencyViolation: the group's license of 'MEET' enables the add-on \
plan 'MCOMEETADV', which needs 'MCOSTANDARD' enabled by a license of the same group" \
    "$(tail -1 "$M/audit")" "the refusal in the audit log"
expect_ok touch "$M/groups/Voice/licenses/E3" "$M/groups/Voice/licenses/MEET"
expect_ok touch "$M/groups/Voice/members/diego@$D"
expect_ok touch "$P/MEET/users/diego@$D"
# the direct add-on relies on the group's prerequisite
expect_fail "Device or resource busy" rm "$M/groups/Voice/members/diego@$D"
expect_fail "Device or resource busy" putln "$P/E3/groups/Voice" disabled_plans=MCOSTANDARD
expect_ok rm "$P/MEET/users/diego@$D"
expect_ok rm "$M/groups/Voice/members/diego@$D"
# removing a group license is never refused
expect_ok rm "$M/groups/Voice/licenses/E3"

note "a conflict through a group: the member is held back, not refused"
expect_ok touch "$P/EXO_P1/users/megan@$D"
expect_ok mkdir "$M/groups/Kiosk"
expect_ok touch "$M/groups/Kiosk/licenses/KIOSK" "$M/groups/Kiosk/members/megan@$D"
expect_absent "$P/KIOSK/users/megan@$D"
expect_ls "$P/KIOSK/errors" "megan@$D"
why="service plan 'EXCHANGE_S_DESKLESS' of 'KIOSK' conflicts with 'EXCHANGE_S_STANDARD', \
which 'EXO_P1' enables"
expect_record "$P/KIOSK/errors/megan@$D" "user=megan@$D" product=KIOSK \
    error=MutuallyExclusiveViolation "reason=$why" direct=no group=Kiosk since=T
expect_mode "$P/KIOSK/errors/megan@$D" 444
expect_record "$M/groups/Kiosk/errors/megan@$D" "user=megan@$D" group=Kiosk \
    error=MutuallyExclusiveViolation product=KIOSK "reason=$why" since=T
expect_eq "queue	/products/KIOSK/errors/megan@$D	info	MutuallyExclusiveViolation: $why \
(through group Kiosk)" "$(grep -F "/products/KIOSK/errors/megan@$D" "$M/audit" | tail -1 |
    cut -f3-)" "the held-back license in the audit log"
expect_fail "Operation not permitted" rm "$P/KIOSK/errors/megan@$D"
# adele holds KIOSK directly: one seat taken, one member in error
expect_eq "1	1	4" "$(awk -F'\t' '$1 == "KIOSK" { print $7 "\t" $4 "\t" $5 }' "$M/summary")" \
    "the summary: one in error, no seat taken"
expect_match 'errors=1' "$(cat "$M/groups/Kiosk/licenses/KIOSK")" "the group license's errors="
run_lf "$LF_TMP/tenant.json" "$LF_TMP/err" export "$DB"
expect_eq "Error MutuallyExclusiveViolation" "$(jq -r --arg u "megan@$D" '.users[] |
    select(.userPrincipalName == $u) | .licenseAssignmentStates[] |
    select(.error != "None") | "\(.state) \(.error)"' "$LF_TMP/tenant.json")" "export's state"
row="megan@$D,Megan Bowen,KIOSK,error,Inherited (Kiosk),MutuallyExclusiveViolation"
run_lf "$LF_TMP/out" "$LF_TMP/err" export-csv "$DB"
expect_eq "$row" "$(tr -d '\r' <"$LF_TMP/out" | grep "^megan@$D,Megan Bowen,KIOSK,")" \
    "export-csv's row"
# an import derives the error again from the groups and the direct licenses
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db imported)" "$LF_TMP/tenant.json"
expect_match "megan@$D is in error for KIOSK: MutuallyExclusiveViolation: $why" \
    "$(cat "$LF_TMP/err")" "import's warning"
run_lf "$LF_TMP/out" "$LF_TMP/err" export-csv "$(lf_db imported)"
expect_eq "$row" "$(tr -d '\r' <"$LF_TMP/out" | grep "^megan@$D,Megan Bowen,KIOSK,")" \
    "export-csv's row after an import"
# the other license removed: the member gets the group's license at once
expect_ok rm "$P/EXO_P1/users/megan@$D"
expect_exists "$P/KIOSK/users/megan@$D"
expect_ls "$P/KIOSK/errors"
expect_fail "File exists" touch "$P/EXO_P1/users/megan@$D"

note "a prerequisite a group took away: the add-on is held back, and comes back"
expect_ok mkdir "$M/groups/Voice2"
expect_ok touch "$M/groups/Voice2/licenses/E3" "$M/groups/Voice2/licenses/MEET"
expect_ok touch "$M/groups/Voice2/members/nestor@$D"
expect_exists "$P/MEET/users/nestor@$D"
expect_ok rm "$M/groups/Voice2/licenses/E3"
expect_absent "$P/MEET/users/nestor@$D"
expect_record "$P/MEET/errors/nestor@$D" "user=nestor@$D" product=MEET \
    error=DependencyViolation "reason=service plan 'MCOMEETADV' of 'MEET' needs 'MCOSTANDARD' \
enabled" direct=no group=Voice2 since=T
expect_ok touch "$P/E3/users/nestor@$D"
expect_exists "$P/MEET/users/nestor@$D"
expect_ls "$P/MEET/errors"

lf_unmount
lf_finish
