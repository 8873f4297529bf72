#!/bin/bash
# Service plans and assignment options, mounted: products/SKU/plans (one
# write or one write per line, applied at close), disabled_plans= written to holder and group
# license files through both paths, the holder's disabled_plans= and plan= lines (the union over
# its paths), refusals that change nothing, plans removed from the list leaving every
# disabled_plans= line, the redirect that creates an assignment, the demo tenant's plans.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

P=$M/products/P
PL=$P/plans

# Writers. put (one write) and putln (echo) come from lib.sh; lines is `printf 'A\nB\n' > F`
# with bash's builtin printf, which writes once per line, so a value of N lines arrives in N
# write() calls, and goes on with the next line after a refused one. (With "%s" it would stop
# at the first refused line.) VALUE is the format: no '%' or '\' in it.
# shellcheck disable=SC2016,SC2317 # the inner shell expands $1 $2; called through helpers
lines() { bash -c 'printf -- "$2" > "$1"' lines "$1" "$2"; }

# expect_holder SKU UPN DIRECT "GROUP..." DISABLED "PLAN...": the holder record, read through
# products/SKU/users/UPN and users/UPN/licenses/SKU, and their mode (0644 direct, else 0444).
# DISABLED is the disabled_plans= value as the line shows it.
expect_holder() {
    local sku=$1 upn=$2 direct=$3 groups=$4 disabled=$5 plans=$6 mode=444 x
    local -a want=("user=$upn" "product=$sku" state=active "direct=$direct")
    for x in $groups; do want+=("group=$x"); done
    want+=("disabled_plans=$disabled")
    for x in $plans; do want+=("plan=$x"); done
    want+=(since=T)
    [ "$direct" = yes ] && mode=644
    expect_record "$M/products/$sku/users/$upn" "${want[@]}"
    expect_record "$M/users/$upn/licenses/$sku" "${want[@]}"
    expect_mode "$M/products/$sku/users/$upn" $mode
    expect_mode "$M/users/$upn/licenses/$sku" $mode
}

# expect_glicense SKU GROUP MEMBERS ERRORS DISABLED: the group license record through
# products/SKU/groups/GROUP and groups/GROUP/licenses/SKU.
expect_glicense() {
    local -a want=("group=$2" "product=$1" "members=$3" "errors=$4" "disabled_plans=$5" since=T)
    expect_record "$M/products/$1/groups/$2" "${want[@]}"
    expect_record "$M/groups/$2/licenses/$1" "${want[@]}"
    expect_mode "$M/products/$1/groups/$2" 644
}

# expect_refused WRITER FILE VALUE [FILE...]: `WRITER FILE VALUE` fails with "Invalid argument"
# and FILE (and every further FILE) reads exactly as before, st_size included.
expect_refused() {
    local writer=$1 f=$2 v=$3 i
    local -a files=("$f" "${@:4}") before=()
    for i in "${!files[@]}"; do
        lf_read "${files[i]}"
        before[i]=$LF_DATA
    done
    expect_fail "Invalid argument" "$writer" "$f" "$v"
    for i in "${!files[@]}"; do
        lf_read "${files[i]}"
        expect_eq "${before[i]}" "$LF_DATA" \
            "${files[i]} unchanged after refused $writer of [$(lf_show "$v")] to $f"
        lf_size_ok "${files[i]}"
    done
}

lf_mount

note "setup: product P, users, groups G and H licensed"
expect_ok mkdir "$P" "$M/groups/G" "$M/groups/H"
for u in ann bob cid dan eve fay; do
    expect_ok mkdir "$M/users/$u@example.com"
done
for u in ann bob dan eve fay; do
    expect_ok putln "$M/users/$u@example.com/usage_location" US
done
expect_ok putln "$P/total" 10
expect_ok touch "$M/groups/G/members/bob@example.com" "$M/groups/G/members/cid@example.com" \
    "$M/groups/H/members/bob@example.com" "$M/groups/H/members/fay@example.com"
expect_ok touch "$P/groups/G" "$M/groups/H/licenses/P" "$P/users/ann@example.com"

note "plans: empty at first, one write replaces the list (sorted, duplicates ignored)"
expect_file "$PL"
expect_mode "$PL" 644
expect_ok put "$PL" $'MFA\nAAD\nB\nAAD\n'
expect_file "$PL" AAD B MFA
expect_ok put "$PL" $'Z\nB'
expect_file "$PL" B Z
note "plans: blanks around names and blank lines are ignored; blanks inside are kept"
expect_ok put "$PL" $'  C \n\n\tA\t\n \nplan one\n\n'
expect_file "$PL" A C "plan one"
note "plans: UTF-8 names, bytewise order"
expect_ok put "$PL" $'\xc3\x89t\xc3\xa9\nb\nB\n'
expect_file "$PL" B b $'\xc3\x89t\xc3\xa9'
note "plans: a name of 1024 bytes is fine"
long=$(printf 'L%.0s' $(seq 1024))
expect_ok put "$PL" "$long"$'\nA\n'
expect_file "$PL" A "$long"
note "plans: bash's builtin printf (one write per line)"
if command -v strace >/dev/null 2>&1; then
    # shellcheck disable=SC2016 # the inner shell's $1
    n=$(strace -f -e trace=write -o /dev/stdout bash -c 'printf -- "$1" > /dev/null' x \
        $'A\nB\nC\n' | grep -c 'write(1,')
    expect_eq 3 "$n" "write() calls of the lines writer for three lines"
fi
expect_ok lines "$PL" $'D\nA\nC\n'
expect_file "$PL" A C D
# shellcheck disable=SC2016 # the inner shell's $1
expect_ok bash -c 'printf "B\nA\n" > "$1"' printf "$PL"
expect_file "$PL" A B
note "plans: echo > plans clears; O_TRUNC alone changes nothing"
expect_ok putln "$PL" ""
expect_file "$PL"
expect_ok put "$PL" $'A\nB\nC\nD\n'
expect_ok truncate_only "$PL"
expect_file "$PL" A B C D

note "holder options: disabled_plans= sorted, plan= the enabled plans"
expect_holder P ann@example.com yes "" "" "A B C D"
expect_ok putln "$P/users/ann@example.com" disabled_plans=D,B
expect_holder P ann@example.com yes "" B,D "A C"
expect_ok putln "$M/users/ann@example.com/licenses/P" disabled_plans=C
expect_holder P ann@example.com yes "" C "A B D"
expect_ok put "$P/users/ann@example.com" $'  disabled_plans= A ,\tB  \n'
expect_holder P ann@example.com yes "" A,B "C D"
expect_ok put "$M/users/ann@example.com/licenses/P" disabled_plans=D,A,D
expect_holder P ann@example.com yes "" A,D "B C"
expect_ok putln "$P/users/ann@example.com" disabled_plans=A,B,C,D
expect_holder P ann@example.com yes "" A,B,C,D ""
expect_ok putln "$P/users/ann@example.com" disabled_plans=
expect_holder P ann@example.com yes "" "" "A B C D"
expect_ok putln "$M/users/ann@example.com/licenses/P" disabled_plans=B
expect_holder P ann@example.com yes "" B "A C D"

note "holder options: unknown plan or malformed line is EINVAL and changes nothing"
AH=$P/users/ann@example.com
for v in disabled_plans=X disabled_plans=A,X disabled_plans=a "disabled_plans=A B" \
         disabled_plans=A,,B disabled_plans=,A "disabled_plans=A," "disabled_plans=," garbage \
         plan=A disabled_plans "disabled_plans =A" DISABLED_PLANS=A "disabled_plans=A,"$'\x01' \
         $'disabled_plans=A\ndisabled_plans=C'; do
    expect_refused put "$AH" "$v" "$M/users/ann@example.com/licenses/P"
done
expect_refused putln "$M/users/ann@example.com/licenses/P" disabled_plans=NOPE "$AH"
expect_refused putln "$AH" "" "$M/users/ann@example.com/licenses/P"
expect_holder P ann@example.com yes "" B "A C D"
# A refused value of several write() calls restores the options it found at open.
expect_refused lines "$AH" $'disabled_plans=A\ngarbage\n'
putln "$AH" disabled_plans=B

note "options on an inherited-only holder add the direct path (no second seat)"
expect_holder P bob@example.com no "G H" "" "A B C D"
expect_file "$P/assigned" 4
expect_ok putln "$P/users/bob@example.com" disabled_plans=A
# the group paths still enable A
expect_holder P bob@example.com yes "G H" A "A B C D"
expect_file "$P/assigned" 4
expect_ok rm "$P/users/bob@example.com"
# the direct path's options went with it
expect_holder P bob@example.com no "G H" "" "A B C D"
expect_ok touch "$M/users/bob@example.com/licenses/P"
expect_holder P bob@example.com yes "G H" "" "A B C D"
expect_ok rm "$M/users/bob@example.com/licenses/P"
expect_ok putln "$M/users/bob@example.com/licenses/P" disabled_plans=
expect_holder P bob@example.com yes "G H" "" "A B C D"

note "options refused on an inherited-only holder change nothing: no direct path"
expect_holder P fay@example.com no H "" "A B C D"
expect_refused putln "$P/users/fay@example.com" disabled_plans=X
expect_refused put "$M/users/fay@example.com/licenses/P" disabled_plans=A,,B
expect_holder P fay@example.com no H "" "A B C D"
expect_refused lines "$P/users/fay@example.com" $'disabled_plans=A\ngarbage\n'
expect_holder P fay@example.com no H "" "A B C D"
if ! grep -q '^direct=no$' "$P/users/fay@example.com"; then
    rm "$P/users/fay@example.com"     # undo the bug's direct path for the checks below
fi
note "a user without usage location: EINVAL, still inherited only (0444, direct=no)"
expect_holder P cid@example.com no G "" "A B C D"
expect_refused putln "$P/users/cid@example.com" disabled_plans=A
expect_refused putln "$M/users/cid@example.com/licenses/P" disabled_plans=
expect_holder P cid@example.com no G "" "A B C D"
expect_file "$P/assigned" 4

note "group license options, through both paths, and the members' plan= lines"
expect_glicense P G 2 0 ""
expect_glicense P H 2 0 ""
expect_ok putln "$P/groups/G" disabled_plans=C,A
expect_glicense P G 2 0 A,C
expect_holder P cid@example.com no G "" "B D"
# bob: G enables B D, H enables all, his direct path all
expect_holder P bob@example.com yes "G H" "" "A B C D"
expect_ok putln "$M/groups/H/licenses/P" disabled_plans=A
expect_glicense P H 2 0 A
expect_holder P fay@example.com no H "" "B C D"
expect_ok putln "$P/users/bob@example.com" disabled_plans=A,B
# bob: direct C D, G B D, H B C D: A is off everywhere
expect_holder P bob@example.com yes "G H" A,B "B C D"
expect_ok put "$M/groups/G/licenses/P" $' disabled_plans=A,C,D \n'
expect_holder P cid@example.com no G "" "B"
expect_ok putln "$P/groups/G" disabled_plans=A,C
for v in disabled_plans=X disabled_plans=A,,B garbage "disabled_plans=A;C" \
         $'disabled_plans=A\nC'; do
    expect_refused put "$P/groups/G" "$v" "$M/groups/G/licenses/P" "$P/users/cid@example.com"
done
expect_refused putln "$M/groups/H/licenses/P" disabled_plans=NOPE "$P/groups/H"
expect_glicense P G 2 0 A,C
expect_glicense P H 2 0 A
expect_holder P cid@example.com no G "" "B D"

note "plans: a list written line by line is applied at close, keeping options naming later lines"
# Options now: ann B; bob A,B; G A,C; H A. Applying "A" alone first would drop them all.
expect_ok lines "$PL" $'A\nB\nC\nD\n'
expect_file "$PL" A B C D
expect_holder P ann@example.com yes "" B "A C D"
expect_holder P bob@example.com yes "G H" A,B "B C D"
expect_glicense P G 2 0 A,C
expect_glicense P H 2 0 A
during=$(bash -c '{ printf "A\n"; printf "B\nC\nD\nE\n"; mapfile -t d < "$1"; } > "$1";
                  printf "%s\n" "${d[@]}"' during "$PL")
expect_eq $'A\nB\nC\nD' "$during" "plans read while the writer still has it open"
expect_file "$PL" A B C D E
expect_holder P ann@example.com yes "" B "A C D E"
expect_glicense P G 2 0 A,C

note "plans: a bad list is EINVAL from the shell and changes nothing"
long=L$long
for v in $'A\nB,C\n' $'A,\n' ',' $'A\x01B\n' $'A\x7f\n' $'A\xff\n' $'\xc0\xaf\n' "$long" \
         $'A\nB\n'"$long"; do
    expect_refused put "$PL" "$v" "$AH" "$P/groups/G"
done
expect_refused lines "$PL" $'A\nB,C\n' "$AH" "$P/groups/G"
expect_refused lines "$PL" $'A\nB\nC,D\nE\n' "$AH" "$P/groups/G"
expect_refused lines "$PL" $'B,C\nA\n' "$AH" "$P/groups/G"
# put back what the bug may have dropped
put "$PL" $'A\nB\nC\nD\nE\n'
putln "$AH" disabled_plans=B
putln "$P/users/bob@example.com" disabled_plans=A,B
putln "$P/groups/G" disabled_plans=A,C
putln "$P/groups/H" disabled_plans=A
expect_file "$PL" A B C D E

note "plans removed from the list leave every disabled_plans= line"
# Options now: ann B; bob A,B; G A,C; H A.
expect_ok put "$PL" $'A\nC\nE\n'
expect_file "$PL" A C E
expect_holder P ann@example.com yes "" "" "A C E"
# bob: direct disables A (C E), G A,C (E), H A (C E)
expect_holder P bob@example.com yes "G H" A "C E"
expect_holder P cid@example.com no G "" "E"
expect_glicense P G 2 0 A,C
expect_glicense P H 2 0 A
expect_ok lines "$PL" $'C\nE\n'
expect_holder P bob@example.com yes "G H" "" "C E"
expect_glicense P G 2 0 C
expect_glicense P H 2 0 ""
expect_holder P cid@example.com no G "" "E"
# a plan that comes back is not disabled by the options it left
expect_ok put "$PL" $'A\nC\nE\n'
expect_holder P cid@example.com no G "" "A E"
expect_ok putln "$PL" ""
expect_file "$PL"
expect_holder P cid@example.com no G "" ""
expect_glicense P G 2 0 ""
expect_ok put "$PL" $'A\nB\nC\n'

note "a redirect to a holder path that does not exist creates the assignment (documented)"
expect_absent "$P/users/dan@example.com"
expect_ok putln "$P/users/dan@example.com" disabled_plans=C
expect_holder P dan@example.com yes "" C "A B"
expect_absent "$P/users/eve@example.com"
expect_fail "Invalid argument" putln "$M/users/eve@example.com/licenses/P" disabled_plans=NOPE
expect_holder P eve@example.com yes "" "" "A B C"
expect_file "$P/assigned" 6
expect_ok mkdir "$M/products/FULL"
expect_ok put "$M/products/FULL/plans" A
expect_fail "No space left on device" putln "$M/products/FULL/users/dan@example.com" \
    disabled_plans=A
expect_absent "$M/products/FULL/users/dan@example.com"
expect_fail "Invalid argument" putln "$M/products/FULL/users/cid@example.com" disabled_plans=A
expect_absent "$M/products/FULL/users/cid@example.com"

note "a deleted user's suspended record keeps its direct options; a restore brings them back"
expect_ok rmdir "$M/users/dan@example.com"
expect_record "$M/deleted_users/dan@example.com/licenses/P" user=dan@example.com product=P \
    state=suspended direct=yes disabled_plans=C plan=A plan=B since=T
expect_fail "Operation not permitted" putln "$M/deleted_users/dan@example.com/licenses/P" \
    disabled_plans=
expect_ok mv "$M/deleted_users/dan@example.com" "$M/users/"
expect_holder P dan@example.com yes "" C "A B"

note "a group license that goes takes its options; a product that goes takes its plans"
expect_ok putln "$P/groups/H" disabled_plans=A,B
expect_glicense P H 2 0 A,B
expect_ok rm "$M/groups/H/licenses/P"
expect_ok touch "$P/groups/H"
expect_glicense P H 2 0 ""
expect_holder P fay@example.com no H "" "A B C"
expect_file "$M/products/FULL/plans" A
expect_ok rmdir "$M/products/FULL"
expect_ok mkdir "$M/products/FULL"
expect_file "$M/products/FULL/plans"

note "every file touched: st_size equals what cat prints"
for f in "$PL" "$M/products/FULL/plans" "$P"/users/* "$P"/groups/* "$M"/users/*/licenses/* \
         "$M"/groups/*/licenses/*; do
    lf_size_ok "$f"
done
lf_unmount

note "the demo tenant's plans, and the disable-plan recipe of licensefs(5)"
lf_mount --db "$(lf_db demo)" --demo
D1=$M/products/AAD_PREMIUM
expect_file "$D1/plans" AAD_PREMIUM ADALLOM_S_DISCOVERY EXCHANGE_S_FOUNDATION MFA_PREMIUM
expect_file "$M/products/AAD_PREMIUM_P2/plans" AAD_PREMIUM AAD_PREMIUM_P2 ADALLOM_S_DISCOVERY \
    EXCHANGE_S_FOUNDATION MFA_PREMIUM
expect_glicense AAD_PREMIUM Sales 4 0 ""
expect_ok putln "$D1/groups/Sales" disabled_plans=MFA_PREMIUM
expect_glicense AAD_PREMIUM Sales 4 0 MFA_PREMIUM
expect_holder AAD_PREMIUM diego@contoso.com no Sales "" \
    "AAD_PREMIUM ADALLOM_S_DISCOVERY EXCHANGE_S_FOUNDATION"
expect_eq $'plan=AAD_PREMIUM\nplan=ADALLOM_S_DISCOVERY\nplan=EXCHANGE_S_FOUNDATION' \
    "$(grep '^plan=' "$D1/users/diego@contoso.com")" "the disable-plan recipe's grep"
# adele's direct path keeps MFA on
expect_holder AAD_PREMIUM adele@contoso.com yes Sales "" \
    "AAD_PREMIUM ADALLOM_S_DISCOVERY EXCHANGE_S_FOUNDATION MFA_PREMIUM"
# patti has no usage location and no seat: the redirect's touch refuses
expect_fail "Invalid argument" putln "$D1/users/patti@contoso.com" disabled_plans=MFA_PREMIUM
expect_absent "$D1/users/patti@contoso.com"

lf_finish
