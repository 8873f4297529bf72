#!/bin/bash
# The recipes, as they stand in the documentation: every code block of README.md that follows a
# marker line `<!-- recipe: NAME -->`, and every example block (.EX to .EE) of licensefs(5)
# that follows a roff comment `.\" recipe: NAME`, its roff escapes undone, runs with bash in the
# mount point of a fresh demo tenant, and must print exactly what is expected here and change
# what it says it does. A recipe in either document that this script does not know, or one it
# expects and the document lacks, fails the test. The tour of README.md runs as well.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

README=${LICENSEFS_SOURCE_ROOT:?}/README.md
MAN5=$LICENSEFS_SOURCE_ROOT/man/licensefs.5
RECIPES=$LF_TMP/recipes
D=contoso.com
P1=products/AAD_PREMIUM
P2=products/AAD_PREMIUM_P2
# A fixed clock, so that the audit log's times are known.
export LICENSEFS_NOW=1795000000
NOW=$(date -u -d "@$LICENSEFS_NOW" +%FT%TZ)
mkdir "$RECIPES" "$RECIPES/readme" "$RECIPES/man" "$LF_TMP/home"

note "the recipes in README.md"
awk -v dir="$RECIPES/readme" '
    function refuse(why) { print "recipe " name ": " why; failed = 1; exit 1 }
    /^<!-- recipe: [a-z-]+ -->$/ {
        if (file != "") refuse("no closing ``` before the next marker")
        name = $3; fence = 1; next
    }
    fence {
        if ($0 != "```bash") refuse("no ```bash block after its marker")
        fence = 0; file = dir "/" name; printf "" > file; next
    }
    file != "" && $0 == "```" { close(file); file = ""; next }
    file != "" { print > file }
    END { if (!failed && (file != "" || fence)) { print "recipe " name ": not closed"; exit 1 } }
' "$README"
expect_eq 0 "$?" "extracting the recipes of README.md"
expect_eq "expiring in-error offboarding onboarding plan snapshot utilisation waiting" \
    "$(cd "$RECIPES/readme" && echo *)" \
    "the recipes of README.md"

note "the recipes in licensefs(5)"
# Between .EX and .EE every line is text (a request there fails the extraction), and the only
# escapes are those a copyable example needs: \- \e \& \(aq \(ga \(dq \(ti \(ha.
awk -v dir="$RECIPES/man" '
    function unescape(line,   out, c, i, two) {
        out = ""
        for (i = 1; i <= length(line); i++) {
            c = substr(line, i, 1)
            if (c != "\\") { out = out c; continue }
            two = substr(line, i + 1, 1)
            if (two == "-") { out = out "-"; i++ }
            else if (two == "e") { out = out "\\"; i++ }
            else if (two == "&") { i++ }
            else if (two == "(") {
                two = substr(line, i + 2, 2)
                if (two == "aq") out = out "\047"
                else if (two == "ga") out = out "`"
                else if (two == "dq") out = out "\""
                else if (two == "ti") out = out "~"
                else if (two == "ha") out = out "^"
                else { bad = "unknown escape \\(" two; return "" }
                i += 3
            } else { bad = "unknown escape \\" two; return "" }
        }
        return out
    }
    function refuse(why) { print "recipe " name ": " why; failed = 1; exit 1 }
    /^\.\\" recipe: [a-z-]+$/ {
        if (file != "") refuse("no .EE before the next marker")
        name = $3; ex = 1; next
    }
    ex {
        if ($0 != ".EX") refuse("no .EX after its marker")
        ex = 0; file = dir "/" name; printf "" > file; next
    }
    file != "" && $0 == ".EE" { close(file); file = ""; next }
    file != "" && /^[.\047]/ { refuse("a request inside the example: " $0) }
    file != "" {
        bad = ""; line = unescape($0)
        if (bad != "") refuse(bad)
        print line > file
    }
    END { if (!failed && (file != "" || ex)) { print "recipe " name ": not closed"; exit 1 } }
' "$MAN5"
expect_eq 0 "$?" "extracting the recipes of licensefs(5)"
expect_eq "audit buy-seats delete-user disable-plan group-only new-group user-groups" \
    "$(cd "$RECIPES/man" && echo *)" "the recipes of licensefs(5)"

# fresh NAME: a fresh demo tenant mounted at $M for recipe NAME.
fresh() {
    lf_mount --db "$(lf_db "$1")" --demo
}

# run_recipe NAME STATUS [LINE...]: runs recipe NAME (of README.md or licensefs(5)) with bash in
# $M (HOME=$LF_TMP/home, licensefs on PATH); its output (stdout and stderr) must be exactly the
# LINEs, and its exit status STATUS.
run_recipe() {
    local name=$1 status=$2 want got file
    shift 2
    file=$(echo "$RECIPES"/*/"$name")
    want=$([ $# -gt 0 ] && printf '%s\n' "$@"; echo "exit status $status")
    got=$(cd "$M" && HOME=$LF_TMP/home PATH=$(dirname -- "$LICENSEFS"):$PATH bash "$file" 2>&1 \
        </dev/null; echo "exit status $?")
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
run_reading_recipe in-error 0 "$P2/errors/alex@$D: CountViolation"
# a member a rule holds back: Exchange Kiosk through a group, beside Exchange Plan 1
expect_ok mkdir "$M/products/EXO_P1" "$M/products/KIOSK" "$M/groups/Kiosk"
putln "$M/products/EXO_P1/total" 1
putln "$M/products/KIOSK/total" 1
putln "$M/products/EXO_P1/plans" EXCHANGE_S_STANDARD
putln "$M/products/KIOSK/plans" EXCHANGE_S_DESKLESS
expect_ok touch "$M/products/EXO_P1/users/adele@$D" "$M/groups/Kiosk/licenses/KIOSK"
expect_ok touch "$M/groups/Kiosk/members/adele@$D"
run_reading_recipe in-error 0 "$P2/errors/alex@$D: CountViolation" \
    "products/KIOSK/errors/adele@$D: MutuallyExclusiveViolation (service plan \
'EXCHANGE_S_DESKLESS' of 'KIOSK' conflicts with 'EXCHANGE_S_STANDARD', which 'EXO_P1' enables)"
run_reading_recipe expiring 0
# two subscriptions: one ends in 10 days, one in 60
soon=$(date -u -d '+10 days' +%Y-%m-%d)
expect_ok mkdir "$M/$P1/subscriptions/Annual" "$M/$P2/subscriptions/Later"
putln "$M/$P1/subscriptions/Annual/ends" "$soon"
putln "$M/$P2/subscriptions/Later/ends" "$(date -u -d '+60 days' +%Y-%m-%d)"
run_reading_recipe expiring 0 "${soon}T00:00:00Z Enabled 10 seats $P1/subscriptions/Annual"
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

note "snapshot: a Graph snapshot assembled from its pages"
fresh snapshot
lf_run "$LF_TMP/real.json" "$LF_TMP/err" export "$(lf_db snapshot)"
expect_eq 0 "$LF_RC" "export of the demo tenant"
# The pages Graph would give for the demo tenant: users 4 a page, groups 2, members 3, each page
# but the last naming the next.
mkdir "$LF_TMP/home/graph"
python3 - "$LF_TMP/real.json" "$LF_TMP/home/graph" <<'PAGES'
import json, sys
snap, out = json.load(open(sys.argv[1])), sys.argv[2]
def pages(name, items, size):
    chunks = [items[i:i + size] for i in range(0, len(items), size)] or [[]]
    for n, chunk in enumerate(chunks, 1):
        page = {"value": chunk}
        if n < len(chunks):
            page["@odata.nextLink"] = f"https://graph.microsoft.com/v1.0/{name}?$skiptoken={n}"
        json.dump(page, open(f"{out}/{name}-{n:03d}.json", "w"))
pages("organization", [snap["organization"]], 1)
pages("subscribedSkus", snap["subscribedSkus"], 999)
pages("users", snap["users"], 4)
pages("groups", [{k: v for k, v in g.items() if k != "members"} for g in snap["groups"]], 2)
for g in snap["groups"]:
    pages("members-" + g["id"], g["members"], 3)
PAGES
run_recipe snapshot 0
lf_run "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db assembled)" "$LF_TMP/home/snapshot.json"
expect_eq "0:licensefs: $LF_TMP/home/snapshot.json: warning: alex@$D waits for AAD_PREMIUM_P2: \
no seat left" "$LF_RC:$(cat "$LF_TMP/err")" "import of the assembled snapshot (alex waits)"
lf_run "$LF_TMP/again.json" "$LF_TMP/err" export "$(lf_db assembled)"
expect_ok cmp "$LF_TMP/real.json" "$LF_TMP/again.json"
lf_unmount

note "plan: the batches a file, and the summary"
fresh plan
lf_run "$LF_TMP/home/snapshot.json" "$LF_TMP/err" export "$(lf_db plan)"
putln "$M/users/patti@$D/usage_location" US
expect_ok rm "$M/$P1/users/nestor@$D"
expect_ok touch "$M/$P1/users/patti@$D"
expect_ok rm "$M/groups/Sales/members/grady@$D"
wait_line="wait until Entra has processed the group changes before it (or plan again from a \
fresh snapshot)"
run_recipe plan 0 "plan: 4 requests in 3 batches: 1 licenses added, 1 removed, 0 changed; 0 \
group licenses added, 0 removed, 0 changed; 0 members added, 1 removed; 1 usage locations set; \
0 not planned" "plan: before batch 3, $wait_line"
expect_eq "batch-001.json batch-002.json batch-003.json" \
    "$(cd "$LF_TMP/home/plan" && echo *.json)" "a batch a file"
cat "$LF_TMP/home/plan"/batch-*.json >"$LF_TMP/sent.jsonl"
"${LICENSEFS_GRAPH_APPLY:?}" "$LF_TMP/home/snapshot.json" "$LF_TMP/sent.jsonl" \
    >"$LF_TMP/after.json" 2>"$LF_TMP/err"
expect_eq "0:" "$?:$(cat "$LF_TMP/err")" "the batches, sent, all succeed"
lf_run "$LF_TMP/want.json" "$LF_TMP/err" export "$(lf_db plan)"
"$LICENSEFS_GRAPH_APPLY" --compare "$LF_TMP/want.json" "$LF_TMP/after.json" 2>"$LF_TMP/err"
expect_eq "0:" "$?:$(cat "$LF_TMP/err")" "the tenant matches licensefs after the batches"
lf_unmount

note "the tour in README.md"
# Every ```console block of README.md, in order, is one session against one fresh demo tenant:
# each `$ COMMAND` line runs with bash in $M (the first must be `$ cd /mnt/licenses`), and what
# it prints (stdout and stderr) must be the lines up to the next command, blanks aside (ls
# prints columns on a terminal, a name a line here; summary separates by tabs).
awk '/^```console$/ { c = 1; next } c && /^```$/ { c = 0; next } c' "$README" >"$LF_TMP/tour"
expect_eq '$ cd /mnt/licenses' "$(head -n 1 "$LF_TMP/tour")" "the tour starts in the mount point"
expect_eq 18 "$(grep -c '^\$ ' "$LF_TMP/tour")" "commands in the tour"
fresh tour
# squash TEXT: TEXT with every run of blanks and newlines one blank, none at the ends.
squash() {
    printf '%s\n' "$1" | tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'
}
# check_tour_step COMMAND EXPECTED: runs COMMAND in $M, and compares blanks aside.
check_tour_step() {
    local got
    got=$(cd "$M" && bash -c "$1" 2>&1 </dev/null)
    expect_eq "$(squash "$2")" "$(squash "$got")" "tour: $1"
}
cmd='' want=''
while IFS= read -r line; do
    case $line in
    '$ '*)
        [ -n "$cmd" ] && check_tour_step "$cmd" "$want"
        cmd=${line#\$ } want=''
        [ "$cmd" = 'cd /mnt/licenses' ] && cmd=''
        ;;
    *) want+=$line$'\n' ;;
    esac
done <"$LF_TMP/tour"
[ -n "$cmd" ] && check_tour_step "$cmd" "$want"
expect_counts AAD_PREMIUM_P2 4 4 0
lf_unmount

lf_finish
