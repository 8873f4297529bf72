#!/bin/bash
# licensefs import / export / export-csv: a hand-written Graph snapshot imported and checked in
# the tree, the export round trip (byte for byte) and the facts it must keep, refused snapshots
# (syntax, bad references, a tenant that is not empty) that change nothing, imports and exports
# while mounted, and the CSV of the demo tenant.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

DATA=$(realpath -- "$(dirname -- "$0")/../data")
SNAP=$DATA/snapshot.json

# expect_refused_unchanged NAME WANT_STDERR ARGS...: exit 1, stderr exactly WANT_STDERR, empty
# stdout, and tenant NAME dumps the same before and after.
expect_refused_unchanged() {
    local name=$1 want=$2 before after
    shift 2
    before=$(lf_db_dump "$name")
    run_lf "$LF_TMP/out" "$LF_TMP/err" "$@"
    expect_eq 1 "$LF_RC" "exit status of ${*@Q}"
    expect_eq "$want" "$(cat "$LF_TMP/err")" "stderr of ${*@Q}"
    expect_eq "" "$(cat "$LF_TMP/out")" "stdout of ${*@Q}"
    after=$(lf_db_dump "$name")
    if [ "$before" == "$after" ]; then
        pass
    else
        fail "${*@Q} changed the database: $(diff <(echo "$before") <(echo "$after") | head -5)"
    fi
}

# facts FILE: one line per (user, skuId, assignedByGroup, disabledPlans) fact of a snapshot, as
# import reads them (direct facts from assignedLicenses when a user has no states), sorted.
facts() {
    python3 - "$1" <<'EOF'
import json, sys
def items(v):
    return v["value"] if isinstance(v, dict) else v
snap = json.load(open(sys.argv[1]))
for u in items(snap["users"]):
    upn = u["userPrincipalName"].strip()
    states = u.get("licenseAssignmentStates")
    entries = states if states is not None else u.get("assignedLicenses", [])
    for e in entries:
        group = (e.get("assignedByGroup") or "-").lower()
        plans = ",".join(sorted(p.lower() for p in e.get("disabledPlans", [])))
        print(upn, e["skuId"].lower(), group, plans or "-")
EOF
}

note "import a Graph snapshot into a new database"
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$DB" "$SNAP"
expect_eq 0 "$LF_RC" "import exit status ($(cat "$LF_TMP/err"))"
expect_eq "imported $SNAP: 2 products, 6 users, 3 groups; 5 seats held, 1 waiting" \
    "$(cat "$LF_TMP/out")" "import summary"
expect_eq "licensefs: $SNAP: \$.groups.value[2].displayName: warning: a group named 'Sales' is listed already; this one is imported as 'Sales (2)'
licensefs: $SNAP: warning: finn@fabrikam.com waits for AAD_PREMIUM_P2: no seat left" \
    "$(cat "$LF_TMP/err")" "import warnings"

note "the tree shows the snapshot"
lf_mount
expect_file "$M/tenant/name" Fabrikam
expect_file "$M/tenant/usage_location" DE
expect_ls "$M/products" AAD_PREMIUM AAD_PREMIUM_P2
expect_counts AAD_PREMIUM_P2 3 3 0 1
expect_counts AAD_PREMIUM 5 2 3 0
expect_file "$M/products/AAD_PREMIUM_P2/name" "Microsoft Entra ID P2"
expect_file "$M/products/AAD_PREMIUM/name" AAD_PREMIUM
expect_file "$M/products/AAD_PREMIUM_P2/plans" AAD_PREMIUM AAD_PREMIUM_P2 ADALLOM_S_DISCOVERY \
    EXCHANGE_S_FOUNDATION MFA_PREMIUM
expect_ls "$M/products/AAD_PREMIUM_P2/users" carla@fabrikam.com dan@fabrikam.com eve@fabrikam.com
expect_ls "$M/products/AAD_PREMIUM_P2/errors" finn@fabrikam.com
expect_ls "$M/products/AAD_PREMIUM/users" adele@fabrikam.com bert@fabrikam.com
expect_ls "$M/users" adele@fabrikam.com bert@fabrikam.com carla@fabrikam.com dan@fabrikam.com \
    eve@fabrikam.com finn@fabrikam.com
expect_ls "$M/groups" Sales "Sales (2)" Security
expect_ls "$M/groups/Security/members" dan@fabrikam.com eve@fabrikam.com finn@fabrikam.com
expect_ls "$M/groups/Sales (2)/members" finn@fabrikam.com
expect_file "$M/users/eve@fabrikam.com/display_name" "Eve Example"
# Join order decided the seats: finn joined Security last and waits.
expect_record "$M/products/AAD_PREMIUM_P2/errors/finn@fabrikam.com" user=finn@fabrikam.com \
    product=AAD_PREMIUM_P2 error=CountViolation direct=no group=Security since=T
expect_record "$M/products/AAD_PREMIUM/users/adele@fabrikam.com" user=adele@fabrikam.com \
    product=AAD_PREMIUM state=active direct=yes group=Sales disabled_plans=MFA_PREMIUM \
    plan=AAD_PREMIUM plan=ADALLOM_S_DISCOVERY plan=EXCHANGE_S_FOUNDATION plan=MFA_PREMIUM since=T
expect_record "$M/products/AAD_PREMIUM/users/bert@fabrikam.com" user=bert@fabrikam.com \
    product=AAD_PREMIUM state=active direct=no group=Sales disabled_plans= \
    plan=AAD_PREMIUM plan=ADALLOM_S_DISCOVERY plan=MFA_PREMIUM since=T
expect_record "$M/products/AAD_PREMIUM_P2/groups/Security" group=Security product=AAD_PREMIUM_P2 \
    members=3 errors=1 disabled_plans=ADALLOM_S_DISCOVERY since=T
# The usage-location exception: a snapshot's direct license is kept without one.
expect_file "$M/users/carla@fabrikam.com/usage_location" ""
expect_record "$M/users/carla@fabrikam.com/licenses/AAD_PREMIUM_P2" user=carla@fabrikam.com \
    product=AAD_PREMIUM_P2 state=active direct=yes disabled_plans= plan=AAD_PREMIUM \
    plan=AAD_PREMIUM_P2 plan=ADALLOM_S_DISCOVERY plan=EXCHANGE_S_FOUNDATION plan=MFA_PREMIUM \
    since=T
# ... while the rule still holds for new assignments.
expect_fail "Invalid argument" touch "$M/users/carla@fabrikam.com/licenses/AAD_PREMIUM"
lf_unmount

note "export: deterministic, and a round trip through a new database is byte-identical"
run_lf "$LF_TMP/e1.json" "$LF_TMP/err" export "$DB"
expect_eq "0:" "$LF_RC:$(cat "$LF_TMP/err")" "export exit status and stderr"
run_lf "$LF_TMP/e1b.json" "$LF_TMP/err" export "$DB"
expect_ok cmp "$LF_TMP/e1.json" "$LF_TMP/e1b.json"
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db copy)" "$LF_TMP/e1.json"
expect_eq 0 "$LF_RC" "import of the export ($(cat "$LF_TMP/err"))"
run_lf "$LF_TMP/e2.json" "$LF_TMP/err" export "$(lf_db copy)"
expect_ok cmp "$LF_TMP/e1.json" "$LF_TMP/e2.json"
expect_eq 2 "$(grep -c '"id": "60000000-0000-4000-8000-00000000000[ab]"' "$LF_TMP/e1.json")" \
    "group ids kept from the snapshot"
expect_eq "0 9" "$(grep -c 84A661C4 "$LF_TMP/e1.json") $(grep -c 84a661c4 "$LF_TMP/e1.json")" \
    "skuIds exported lower-case (the product, 3 + 4 user entries, a group)"

# The same snapshot with a UTF-8 byte order mark (as PowerShell writes it) is the same tenant.
{ printf '\xef\xbb\xbf'; cat "$SNAP"; } >"$LF_TMP/bom.json"
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db bom)" "$LF_TMP/bom.json"
expect_eq 0 "$LF_RC" "import of a snapshot with a byte order mark"
run_lf "$LF_TMP/bom.out" "$LF_TMP/err" export "$(lf_db bom)"
expect_ok cmp "$LF_TMP/e1.json" "$LF_TMP/bom.out"

note "every license fact of the snapshot is in the export, unchanged"
facts "$SNAP" | sort >"$LF_TMP/facts.in"
facts "$LF_TMP/e1.json" | sort >"$LF_TMP/facts.out"
expect_eq 7 "$(wc -l <"$LF_TMP/facts.in")" "facts in the snapshot"
missing=$(comm -23 "$LF_TMP/facts.in" "$LF_TMP/facts.out")
expect_eq "" "$missing" "snapshot facts missing from the export"

note "refused snapshots change nothing and name the place"
expect_refused_unchanged tenant "licensefs: $DATA/broken.json:6:5: ']' expected near '{'" \
    import --replace "$DB" "$DATA/broken.json"
expect_refused_unchanged copy \
    "licensefs: $DATA/bad-sku.json: \$.users[1].licenseAssignmentStates[1].skuId: no product in subscribedSkus (or the catalog) has skuId cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46" \
    import --replace "$(lf_db copy)" "$DATA/bad-sku.json"
expect_refused_unchanged copy \
    "licensefs: $DATA/bad-member.json: \$.groups[0].members[1].id: no user in users has id 5e1a0000-0000-4000-8000-000000000009" \
    import --replace "$(lf_db copy)" "$DATA/bad-member.json"
expect_refused_unchanged copy \
    "licensefs: $DATA/bad-plan.json: \$.groups[0].assignedLicenses[0].disabledPlans[0]: AAD_PREMIUM has no plan with GUID eec0eb4f-6444-4f95-aba0-50c24d67f998" \
    import --replace "$(lf_db copy)" "$DATA/bad-plan.json"
# Into a new database: refused before the database is even created.
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db new)" "$DATA/broken.json"
expect_eq 1 "$LF_RC" "import of broken JSON into a new database"
if lf_db_exists new; then fail "a refused import made tenant new"; else pass; fi
# Content errors into a new database leave an empty tenant.
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db new)" "$DATA/bad-sku.json"
expect_eq 1 "$LF_RC" "import of a bad reference into a new database"
run_lf "$LF_TMP/out" "$LF_TMP/err" export-csv "$(lf_db new)"
expect_eq "userPrincipalName,displayName,product,state,assignmentPaths,error" \
    "$(tr -d '\r' <"$LF_TMP/out")" "the refused import left no users"
expect_eq 0 "$(lf_sql new 'SELECT count(*) FROM products')" \
    "the refused import left no products"

note "a tenant with users is replaced only with --replace"
expect_refused_unchanged copy \
    "licensefs: $(lf_db copy): the tenant has users or groups already; import --replace replaces them" \
    import "$(lf_db copy)" "$SNAP"
# A smaller tenant: finn is gone, so nobody waits.
python3 - "$SNAP" "$LF_TMP/smaller.json" <<'EOF'
import json, sys
snap = json.load(open(sys.argv[1]))
finn = "5e1a0000-0000-4000-8000-000000000006"
snap["users"] = [u for u in snap["users"] if u["id"] != finn]
for g in snap["groups"]["value"]:
    g["members"] = [m for m in g["members"] if m["id"] != finn]
json.dump(snap, open(sys.argv[2], "w"), indent=1)
EOF
run_lf "$LF_TMP/out" "$LF_TMP/err" import --replace "$(lf_db copy)" "$LF_TMP/smaller.json"
expect_eq 0 "$LF_RC" "import --replace exit status ($(cat "$LF_TMP/err"))"
expect_eq "imported $LF_TMP/smaller.json: 2 products, 5 users, 3 groups; 5 seats held, 0 waiting" \
    "$(cat "$LF_TMP/out")" "import --replace summary"
run_lf "$LF_TMP/out" "$LF_TMP/err" export-csv "$(lf_db copy)"
expect_eq 0 "$(grep -c finn "$LF_TMP/out")" "finn is gone after --replace"

note "import and export while mounted: the mount shows the result at once"
lf_mount --db "$(lf_db live)"
expect_ls "$M/users"
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db live)" "$SNAP"
expect_eq 0 "$LF_RC" "import while mounted ($(cat "$LF_TMP/err"))"
expect_eq 1 "$(grep -c "	$(id -u)	import	$SNAP	ok\$" "$M/audit")" "one audit line for the import"
# A refused import leaves no trace, not even in the audit log.
lines=$(wc -l < "$M/audit")
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db live)" "$SNAP"
expect_eq 1 "$LF_RC" "a second import into the now non-empty tenant is refused"
expect_eq "$lines" "$(wc -l < "$M/audit")" "audit lines after a refused import"
expect_ls "$M/products/AAD_PREMIUM_P2/errors" finn@fabrikam.com
expect_counts AAD_PREMIUM_P2 3 3 0 1
# A change through the mount shows in the next export.
expect_ok rmdir "$M/users/dan@fabrikam.com"
run_lf "$LF_TMP/live.json" "$LF_TMP/err" export "$(lf_db live)"
expect_eq 0 "$LF_RC" "export while mounted ($(cat "$LF_TMP/err"))"
expect_eq 0 "$(grep -c dan@fabrikam.com "$LF_TMP/live.json")" "a deleted user is not exported"
expect_eq 0 "$(grep -c '"state": "Error"' "$LF_TMP/live.json")" \
    "nobody waits once dan's seat went to finn"
expect_ls "$M/products/AAD_PREMIUM_P2/errors"
# Restores queue at the end: dan waits through Security (rejoined last), then carla's direct
# license waits while group members hold. The round trip keeps who holds: a direct license the
# snapshot says waits is claimed after the groups.
expect_ok mv "$M/deleted_users/dan@fabrikam.com" "$M/users/"
expect_ok rmdir "$M/users/carla@fabrikam.com"
expect_ok mv "$M/deleted_users/carla@fabrikam.com" "$M/users/"
expect_ls "$M/products/AAD_PREMIUM_P2/errors" carla@fabrikam.com
run_lf "$LF_TMP/live1.json" "$LF_TMP/err" export "$(lf_db live)"
expect_eq 1 "$(grep -c '"state": "Error"' "$LF_TMP/live1.json")" "carla's direct license waits"
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db live2)" "$LF_TMP/live1.json"
run_lf "$LF_TMP/live2.json" "$LF_TMP/err" export "$(lf_db live2)"
expect_ok cmp "$LF_TMP/live1.json" "$LF_TMP/live2.json"
run_lf "$LF_TMP/out" "$LF_TMP/err" import --replace "$(lf_db live)" "$SNAP"
expect_eq 0 "$LF_RC" "import --replace while mounted ($(cat "$LF_TMP/err"))"
expect_ls "$M/deleted_users"
expect_ls "$M/products/AAD_PREMIUM_P2/errors" finn@fabrikam.com
lf_unmount

note "export-csv of the demo tenant, with a deleted user and a waiting one"
lf_mount --db "$(lf_db demo)" --demo
expect_ok rmdir "$M/users/grady@contoso.com"
expect_ok mkdir "$M/groups/Ops, \"EU\""
expect_ok touch "$M/groups/Ops, \"EU\"/members/diego@contoso.com"
expect_ok touch "$M/groups/Ops, \"EU\"/licenses/AAD_PREMIUM"
run_lf "$LF_TMP/demo.csv" "$LF_TMP/err" export-csv "$(lf_db demo)"
expect_eq "0:" "$LF_RC:$(cat "$LF_TMP/err")" "export-csv while mounted"
printf '%s\r\n' \
    'userPrincipalName,displayName,product,state,assignmentPaths,error' \
    'adele@contoso.com,Adele Vance,AAD_PREMIUM,active,Direct; Inherited (Sales),' \
    'alex@contoso.com,Alex Wilber,AAD_PREMIUM,active,Inherited (Sales),' \
    'alex@contoso.com,Alex Wilber,AAD_PREMIUM_P2,error,Inherited (Security Admins),CountViolation' \
    'diego@contoso.com,Diego Siciliani,AAD_PREMIUM,active,"Inherited (Ops, ""EU""); Inherited (Sales)",' \
    'grady@contoso.com,Grady Archie,AAD_PREMIUM,suspended,Inherited (Sales),' \
    'isaiah@contoso.com,Isaiah Langer,AAD_PREMIUM,active,Inherited (Engineering),' \
    'johanna@contoso.com,Johanna Lorenz,AAD_PREMIUM,active,Inherited (Engineering),' \
    'lee@contoso.com,Lee Gu,AAD_PREMIUM,active,Inherited (Engineering),' \
    'lee@contoso.com,Lee Gu,AAD_PREMIUM_P2,active,Direct,' \
    'megan@contoso.com,Megan Bowen,AAD_PREMIUM,active,Inherited (Engineering),' \
    'megan@contoso.com,Megan Bowen,AAD_PREMIUM_P2,active,Inherited (Security Admins),' \
    'nestor@contoso.com,Nestor Wilke,AAD_PREMIUM,active,Direct,' \
    'nestor@contoso.com,Nestor Wilke,AAD_PREMIUM_P2,active,Inherited (Security Admins),' \
    >"$LF_TMP/demo.want"
if cmp -s "$LF_TMP/demo.want" "$LF_TMP/demo.csv"; then
    pass
else
    fail "export-csv of the demo: $(diff "$LF_TMP/demo.want" "$LF_TMP/demo.csv" | head -10)"
fi
# The demo's round trip: its export, imported and exported again, is the same.
run_lf "$LF_TMP/d1.json" "$LF_TMP/err" export "$(lf_db demo)"
expect_eq 0 "$LF_RC" "export of the demo"
lf_unmount
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$(lf_db demo2)" "$LF_TMP/d1.json"
expect_eq 0 "$LF_RC" "import of the demo's export"
run_lf "$LF_TMP/d2.json" "$LF_TMP/err" export "$(lf_db demo2)"
expect_ok cmp "$LF_TMP/d1.json" "$LF_TMP/d2.json"

note "usage errors"
run_lf "$LF_TMP/out" "$LF_TMP/err" import "$DB"
expect_eq "2:licensefs: import: expected [--replace] DATABASE FILE.json (try licensefs --help)" \
    "$LF_RC:$(cat "$LF_TMP/err")" "import with one argument"
run_lf "$LF_TMP/out" "$LF_TMP/err" import --force "$DB" "$SNAP"
expect_eq 2 "$LF_RC" "import with an unknown option"
run_lf "$LF_TMP/out" "$LF_TMP/err" export "$DB" extra
expect_eq "2:licensefs: export: expected DATABASE (try licensefs --help)" \
    "$LF_RC:$(cat "$LF_TMP/err")" "export with two arguments"
run_lf "$LF_TMP/out" "$LF_TMP/err" export-csv
expect_eq 2 "$LF_RC" "export-csv without a database"

lf_finish
