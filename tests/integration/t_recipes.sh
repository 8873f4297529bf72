#!/bin/bash
# The README's recipes, as they stand there: every code block of the Recipes section that
# follows a marker line `<!-- recipe: NAME -->` runs with bash in the mount point of a fresh
# demo tenant, and must print exactly what is expected here and change what it says it does.
# A recipe in the README that this script does not know, or one it expects and the README
# lacks, fails the test.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

README=${LICENSEFS_SOURCE_ROOT:?}/README.md
RECIPES=$LF_TMP/recipes
D=contoso.com
P1=products/AAD_PREMIUM
P2=products/AAD_PREMIUM_P2
# A fixed clock, so that the audit log's times are known.
export LICENSEFS_NOW=1795000000
NOW=$(date -u -d "@$LICENSEFS_NOW" +%FT%TZ)
mkdir "$RECIPES" "$LF_TMP/home"

note "the recipes in README.md"
awk -v dir="$RECIPES" '
    /^<!-- recipe: [a-z-]+ -->$/ { name = $3; fence = 1; next }
    fence {
        if ($0 != "```bash") { print "recipe " name ": no ```bash block after its marker"; exit 1 }
        fence = 0; file = dir "/" name; printf "" > file; next
    }
    file != "" && $0 == "```" { close(file); file = ""; next }
    file != "" { print > file }
' "$README"
expect_eq 0 "$?" "extracting the recipes"
expect_eq "audit buy-seats delete-user disable-plan group-only new-group offboarding onboarding user-groups utilisation waiting" \
    "$(cd "$RECIPES" && echo *)" "the recipes of README.md"

# fresh NAME: a fresh demo tenant mounted at $M for recipe NAME.
fresh() {
    lf_mount --db "$LF_TMP/$1.db" --demo
}

# run_recipe NAME STATUS [LINE...]: runs recipe NAME with bash in $M (HOME=$LF_TMP/home); its
# output (stdout and stderr) must be exactly the LINEs, and its exit status STATUS.
run_recipe() {
    local name=$1 status=$2 want got
    shift 2
    want=$([ $# -gt 0 ] && printf '%s\n' "$@"; echo "exit status $status")
    got=$(cd "$M" && HOME=$LF_TMP/home bash "$RECIPES/$name" 2>&1 </dev/null; echo "exit status $?")
    expect_eq "$want" "$got" "recipe $name: output"
}

# run_reading_recipe NAME STATUS [LINE...]: run_recipe, and the tenant is as it was.
run_reading_recipe() {
    local before
    before=$(lf_snapshot "$M")
    run_recipe "$@"
    expect_eq "$before" "$(lf_snapshot "$M")" "recipe $1 changes nothing"
}

plans_p1=(plan=AAD_PREMIUM plan=ADALLOM_S_DISCOVERY plan=EXCHANGE_S_FOUNDATION plan=MFA_PREMIUM)

note "onboarding"
printf '%s\n' kim@$D ray@$D >"$LF_TMP/home/new-hires.txt"
fresh onboarding
run_recipe onboarding 123 "touch: cannot touch '$P1/users/ray@$D': No space left on device"
expect_file "$M/users/kim@$D/usage_location" US
expect_file "$M/users/ray@$D/usage_location" US
expect_record "$M/$P1/users/kim@$D" user=kim@$D product=AAD_PREMIUM state=active direct=yes \
    disabled_plans= "${plans_p1[@]}" since=T
expect_absent "$M/$P1/users/ray@$D"
expect_ls "$M/$P1/errors"
expect_counts AAD_PREMIUM 10 10 0
lf_unmount

note "offboarding"
fresh offboarding
run_recipe offboarding 0 "users/lee@$D/licenses/AAD_PREMIUM:group=Engineering"
expect_ls "$M/users/lee@$D/licenses" AAD_PREMIUM
expect_record "$M/$P1/users/lee@$D" user=lee@$D product=AAD_PREMIUM state=active direct=no \
    group=Engineering disabled_plans= "${plans_p1[@]}" since=T
# lee's P2 seat went to alex, who waited for it
expect_ls "$M/$P2/users" alex@$D megan@$D nestor@$D
expect_ls "$M/$P2/errors"
lf_unmount

note "group-only, user-groups, utilisation, waiting: reading recipes"
fresh reading
run_reading_recipe group-only 0 "$P2/users/megan@$D" "$P2/users/nestor@$D"
run_reading_recipe user-groups 0 "users/megan@$D/licenses/AAD_PREMIUM:group=Engineering" \
    "users/megan@$D/licenses/AAD_PREMIUM_P2:group=Security Admins"
run_reading_recipe utilisation 0 \
    "AAD_PREMIUM        9 of  10 seats used ( 90%), 0 waiting" \
    "AAD_PREMIUM_P2     3 of   3 seats used (100%), 1 waiting"
run_reading_recipe waiting 0 "AAD_PREMIUM: 0 waiting" "AAD_PREMIUM_P2: 1 waiting"
lf_unmount

note "delete-user"
fresh delete-user
run_recipe delete-user 0
expect_absent "$M/users/lee@$D"
expect_absent "$M/deleted_users/lee@$D"
expect_ls "$M/$P2/users" alex@$D megan@$D nestor@$D
expect_ls "$M/$P2/errors"
expect_counts AAD_PREMIUM 10 8 2
expect_ls "$M/groups/Engineering/members" isaiah@$D johanna@$D megan@$D
lf_unmount

note "buy-seats"
fresh buy-seats
run_recipe buy-seats 0 1
expect_counts AAD_PREMIUM_P2 5 4 1
expect_ls "$M/$P2/users" alex@$D lee@$D megan@$D nestor@$D
expect_ls "$M/$P2/errors"
lf_unmount

note "disable-plan"
fresh disable-plan
run_recipe disable-plan 0 plan=AAD_PREMIUM plan=ADALLOM_S_DISCOVERY plan=EXCHANGE_S_FOUNDATION
expect_record "$M/$P1/groups/Sales" group=Sales product=AAD_PREMIUM members=4 errors=0 \
    disabled_plans=MFA_PREMIUM since=T
lf_unmount

note "new-group"
fresh new-group
run_recipe new-group 0
expect_ls "$M/groups/Marketing/members" adele@$D diego@$D
expect_ls "$M/groups/Marketing/licenses" AAD_PREMIUM
expect_ls "$M/$P1/groups" Engineering Marketing Sales
expect_record "$M/$P1/users/adele@$D" user=adele@$D product=AAD_PREMIUM state=active direct=yes \
    group=Marketing group=Sales disabled_plans= "${plans_p1[@]}" since=T
expect_counts AAD_PREMIUM 10 9 1
lf_unmount

note "audit"
fresh audit
expect_fail "No space left on device" touch "$M/$P2/users/adele@$D"
refusal="$NOW	$(id -u)	create	/$P2/users/adele@$D	ENOSPC	Subscription for 'AAD_PREMIUM_P2' does not have any available licenses."
run_reading_recipe audit 0 "$refusal" "$NOW	/$P2/errors/alex@$D" "$refusal"
lf_unmount

lf_finish
