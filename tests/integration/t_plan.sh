#!/bin/bash
# licensefs plan: the Microsoft Graph batches that turn the real tenant (a snapshot) into
# licensefs's. The rules checked: a tenant planned against its own export needs nothing (no
# output, exit 0); changes made through the mount become the requests Graph documents, in the
# order that lets each succeed (usage locations, then what frees seats, then what groups take,
# then direct licenses added, each step in batches of its own of at most 20, and a wait named
# after group changes); what a plan cannot do is said, one line each, and left out (exit 4); a
# snapshot import refuses is refused with import's words and nothing on stdout; the same inputs
# give the same bytes; and, over the demo tenant and over tenants made at random with every kind
# of difference, sending the plan to the real tenant (graph_apply: Graph's documented semantics,
# a batch's requests in shuffled orders, group-based licensing only between batches) gives the
# licenses, disabled plans, memberships and usage locations of licensefs's export, and planning
# again against the result needs nothing.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

DATA=$(realpath -- "$(dirname -- "$0")/../data")
APPLY=${LICENSEFS_GRAPH_APPLY:?}
TENANTS=${LICENSEFS_GRAPH_TENANTS:?}
D=contoso.com
P1=products/AAD_PREMIUM
P2=products/AAD_PREMIUM_P2
SUMMARY_NONE="0 licenses added, 0 removed, 0 changed; 0 group licenses added, 0 removed, 0 changed"

# plan DATABASE SNAPSHOT: licensefs plan, stdout to $LF_TMP/plan.jsonl, stderr to $LF_TMP/err.
plan() {
    lf_run "$LF_TMP/plan.jsonl" "$LF_TMP/err" plan "$@"
}

# readable SNAPSHOT: the plan in $LF_TMP/plan.jsonl a request a line, "BATCH.ID METHOD URL
# BODY", with the snapshot's ids as names; a request with a body but no JSON Content-Type, or
# a batch over 20 requests, says so.
readable() {
    python3 - "$1" "$LF_TMP/plan.jsonl" <<'EOF'
import json, sys
snap = json.load(open(sys.argv[1]))
names = {u["id"]: u["userPrincipalName"].split("@")[0] for u in snap["users"]}
names.update({g["id"]: g["displayName"] for g in snap["groups"]})
skus = {s["skuId"]: s["skuPartNumber"] for s in snap["subscribedSkus"]}
plans = {p["servicePlanId"]: p["servicePlanName"]
         for s in snap["subscribedSkus"] for p in s["servicePlans"]}
def license(l):
    off = ",".join(plans[p] for p in l["disabledPlans"])
    return skus[l["skuId"]] + ("[" + off + "]" if off else "")
for b, line in enumerate(open(sys.argv[2]), 1):
    requests = json.loads(line)["requests"]
    if len(requests) > 20:
        print(f"batch {b}: {len(requests)} requests")
    for r in requests:
        url, body = r["url"], r.get("body")
        for i, n in names.items():
            url = url.replace(i, n)
        text = ""
        if body and "addLicenses" in body:
            text = " +" + ",".join(license(l) for l in body["addLicenses"]) + \
                   " -" + ",".join(skus[s] for s in body["removeLicenses"])
        elif body and "usageLocation" in body:
            text = " " + body["usageLocation"]
        elif body:
            text = " " + names[body["@odata.id"].rsplit("/", 1)[1]]
        if body and r.get("headers") != {"Content-Type": "application/json"}:
            text += " (no Content-Type)"
        print(f"{b}.{r['id']} {r['method']} {url}{text}")
EOF
}

# expect_complete NAME SNAPSHOT DATABASE: the plan in $LF_TMP/plan.jsonl, sent to SNAPSHOT's
# tenant in three shuffled orders, gives DATABASE's license state; planning DATABASE against
# the result is empty.
expect_complete() {
    local name=$1 snapshot=$2 db=$3 seed
    lf_run "$LF_TMP/want.json" "$LF_TMP/export.err" export "$db"
    expect_eq "0:" "$LF_RC:$(cat "$LF_TMP/export.err")" "$name: export"
    cp -- "$LF_TMP/plan.jsonl" "$LF_TMP/sent.jsonl"
    for seed in 1 2 3; do
        "$APPLY" --seed "$seed" "$snapshot" "$LF_TMP/sent.jsonl" >"$LF_TMP/after.json" \
            2>"$LF_TMP/apply.err"
        expect_eq "0:" "$?:$(cat "$LF_TMP/apply.err")" "$name: every request succeeds (order $seed)"
        "$APPLY" --compare "$LF_TMP/want.json" "$LF_TMP/after.json" 2>"$LF_TMP/apply.err"
        expect_eq "0:" "$?:$(cat "$LF_TMP/apply.err")" \
            "$name: the tenant has licensefs's licenses after the plan (order $seed)"
    done
    plan "$db" "$LF_TMP/after.json"
    expect_eq "0::" "$LF_RC:$(cat "$LF_TMP/plan.jsonl"):$(cat "$LF_TMP/err")" \
        "$name: planning again after the plan is empty"
}

note "a tenant planned against its own export needs nothing"
lf_mount --demo
lf_run "$LF_TMP/real.json" "$LF_TMP/err" export "$DB"
expect_eq 0 "$LF_RC" "export of the demo tenant"
plan "$DB" "$LF_TMP/real.json"
expect_eq "0::" "$LF_RC:$(cat "$LF_TMP/plan.jsonl"):$(cat "$LF_TMP/err")" \
    "plan against the tenant's own export: exit 0, no output"

note "changes made through the mount become requests in the order Graph needs"
putln "$M/users/patti@$D/usage_location" US
expect_ok rm "$M/$P1/users/adele@$D"                      # she keeps it through Sales
expect_ok rm "$M/$P1/users/nestor@$D"                     # frees a seat
expect_ok rm "$M/groups/Security Admins/members/megan@$D" # frees a P2 seat: alex takes it
putln "$M/$P1/groups/Sales" disabled_plans=MFA_PREMIUM
expect_ok touch "$M/groups/Engineering/members/patti@$D"
expect_ok touch "$M/$P1/users/patti@$D"
plan "$DB" "$LF_TMP/real.json"
expect_eq 0 "$LF_RC" "plan exit status ($(cat "$LF_TMP/err"))"
expect_eq "1.1 PATCH /users/patti US
2.1 POST /users/adele/assignLicense + -AAD_PREMIUM
2.2 POST /users/nestor/assignLicense + -AAD_PREMIUM
2.3 POST /groups/Sales/assignLicense +AAD_PREMIUM[MFA_PREMIUM] -
2.4 DELETE /groups/Security Admins/members/megan/\$ref
3.1 POST /groups/Engineering/members/\$ref patti
4.1 POST /users/patti/assignLicense +AAD_PREMIUM -" "$(readable "$LF_TMP/real.json")" \
    "the requests, a step a batch"
expect_eq "plan: 7 requests in 4 batches: 1 licenses added, 2 removed, 0 changed; 0 group \
licenses added, 0 removed, 1 changed; 1 members added, 1 removed; 1 usage locations set; 0 not \
planned
plan: before batch 3, wait until Entra has processed the group changes before it (or plan again \
from a fresh snapshot)
plan: before batch 4, wait until Entra has processed the group changes before it (or plan again \
from a fresh snapshot)" "$(cat "$LF_TMP/err")" "the summary and the waits"
cp -- "$LF_TMP/plan.jsonl" "$LF_TMP/first.jsonl"
plan "$DB" "$LF_TMP/real.json"
expect_ok cmp "$LF_TMP/first.jsonl" "$LF_TMP/plan.jsonl"
expect_complete "the demo tenant" "$LF_TMP/real.json" "$DB"

note "a direct license waits for its seat until the plan has freed it"
# The tenant is full: patti's direct P2 fits only once lee's direct P2 is gone.
lf_run "$LF_TMP/real2.json" "$LF_TMP/err" export "$DB"
expect_ok rm "$M/$P2/users/lee@$D"
expect_ok touch "$M/$P2/users/patti@$D"
expect_counts AAD_PREMIUM_P2 3 3 0
plan "$DB" "$LF_TMP/real2.json"
expect_eq "0:1.1 POST /users/lee/assignLicense + -AAD_PREMIUM_P2
2.1 POST /users/patti/assignLicense +AAD_PREMIUM_P2 -" \
    "$LF_RC:$(readable "$LF_TMP/real2.json")" "the free before the take, in an earlier batch"
expect_complete "a seat moved" "$LF_TMP/real2.json" "$DB"
lf_unmount

note "more than 20 requests: batches of 20"
lf_mount --db "$(lf_db many)" --demo
for i in $(seq -w 1 25); do mkdir "$M/users/u$i@$D"; done
lf_run "$LF_TMP/real3.json" "$LF_TMP/err" export "$(lf_db many)"
for i in $(seq -w 1 25); do putln "$M/users/u$i@$D/usage_location" DE; done
lf_unmount
plan "$(lf_db many)" "$LF_TMP/real3.json"
readable "$LF_TMP/real3.json" >"$LF_TMP/many"
expect_eq "0 25 1.1 1.20 2.1 2.5" "$LF_RC $(wc -l <"$LF_TMP/many") $(
    sed -n '1p; 20p; 21p; 25p' "$LF_TMP/many" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')" \
    "25 usage locations in a batch of 20 and one of 5"
expect_complete "25 users" "$LF_TMP/real3.json" "$(lf_db many)"

note "what a plan cannot do is said and left out (exit 4)"
lf_mount --db "$(lf_db left)" --demo
lf_run "$LF_TMP/real4.json" "$LF_TMP/err" export "$(lf_db left)"
mkdir "$M/products/NEW_SKU"
putln "$M/products/NEW_SKU/total" 5
putln "$M/users/patti@$D/usage_location" US
expect_ok touch "$M/$P1/users/patti@$D"
expect_ok touch "$M/groups/Engineering/members/patti@$D"
lf_unmount
# The real tenant: fewer P1 seats, one more P1 seat expiring, no MFA_PREMIUM plan in P1, patti
# gone, a user licensefs does not have, Engineering gone, a group of its own, other names.
python3 - "$LF_TMP/real4.json" <<'EOF'
import json, sys
path = sys.argv[1]
snap = json.load(open(path))
snap["organization"]["displayName"] = "Contoso Ltd"
p1 = next(s for s in snap["subscribedSkus"] if s["skuPartNumber"] == "AAD_PREMIUM")
p1["prepaidUnits"]["enabled"] = 6
p1["prepaidUnits"]["warning"] = 3
p1["servicePlans"] = [p for p in p1["servicePlans"] if p["servicePlanName"] != "MFA_PREMIUM"]
snap["users"] = [u for u in snap["users"] if not u["userPrincipalName"].startswith("patti@")]
for u in snap["users"]:
    if u["userPrincipalName"].startswith("grady@"):
        u["displayName"] = "Grady A."
snap["users"].append({"id": "0d000000-0000-4000-8000-000000000001",
                      "userPrincipalName": "zoe@contoso.com", "displayName": "Zoe",
                      "assignedLicenses": [], "licenseAssignmentStates": []})
eng = next(g for g in snap["groups"] if g["displayName"] == "Engineering")
snap["groups"] = [g for g in snap["groups"] if g is not eng]
snap["groups"].append({"id": "0d000000-0000-4000-8000-0000000000a1", "displayName": "Interns",
                       "assignedLicenses": [], "members": []})
for u in snap["users"]:
    u["licenseAssignmentStates"] = [s for s in u["licenseAssignmentStates"]
                                    if s["assignedByGroup"] != eng["id"]]
json.dump(snap, open(path, "w"), indent=1)
EOF
plan "$(lf_db left)" "$LF_TMP/real4.json"
expect_eq 4 "$LF_RC" "exit status when something is left out"
expect_eq "plan: the tenant is \"Contoso\" in licensefs, \"Contoso Ltd\" in Entra: not planned
plan: AAD_PREMIUM: the tenant's product has no service plan MFA_PREMIUM: not disabled or enabled \
there
plan: AAD_PREMIUM: licensefs has 10 seats, the tenant 9 (a purchase, not an assignment)
plan: AAD_PREMIUM: licensefs has 2 seats expiring soon, the tenant 3
plan: NEW_SKU: not in the tenant (seats are bought, not assigned): its licenses are left out
plan: grady@contoso.com: display name \"Grady Archie\" in licensefs, \"Grady A.\" in the tenant: \
not planned
plan: patti@contoso.com: not in the tenant (create the user in Entra, refresh the snapshot, plan \
again): its licenses are left out
plan: zoe@contoso.com: in the tenant, not in licensefs (deleted there?): left as it is
plan: group Engineering: not in the tenant (create group Engineering, refresh the snapshot, plan \
again): its members and licenses are left out
plan: group Interns: in the tenant, not in licensefs: left as it is
plan: 0 requests in 0 batches: $SUMMARY_NONE; 0 members added, 0 removed; 0 usage locations \
set; 10 not planned" "$(cat "$LF_TMP/err")" "one line for each thing left out, then the summary"
expect_eq "" "$(cat "$LF_TMP/plan.jsonl")" "nothing planned"

note "a product the tenant has too few seats of: the direct licenses added are left out"
lf_mount --db "$(lf_db seats)" --demo
lf_run "$LF_TMP/real5.json" "$LF_TMP/err" export "$(lf_db seats)"
putln "$M/users/patti@$D/usage_location" US
expect_ok touch "$M/$P1/users/patti@$D"
expect_ok touch "$M/groups/Security Admins/members/patti@$D"
lf_unmount
python3 - "$LF_TMP/real5.json" <<'EOF'
import json, sys
path = sys.argv[1]
snap = json.load(open(path))
p1 = next(s for s in snap["subscribedSkus"] if s["skuPartNumber"] == "AAD_PREMIUM")
p1["prepaidUnits"]["enabled"] = 7
json.dump(snap, open(path, "w"), indent=1)
EOF
plan "$(lf_db seats)" "$LF_TMP/real5.json"
expect_eq "4:1.1 PATCH /users/patti US
2.1 POST /groups/Security Admins/members/\$ref patti" \
    "$LF_RC:$(readable "$LF_TMP/real5.json")" "the location and the membership are planned"
expect_eq "plan: AAD_PREMIUM: licensefs has 10 seats, the tenant 9 (a purchase, not an \
assignment)
plan: patti@contoso.com: AAD_PREMIUM needs 10 seats, the tenant has 9: left out
plan: warning: AAD_PREMIUM_P2: group-based licenses need 5 seats, the tenant has 3: Entra will \
leave 2 users in error
plan: 2 requests in 2 batches: $SUMMARY_NONE; 1 members added, 0 removed; 1 usage locations set; \
2 not planned" "$(cat "$LF_TMP/err")" "the seats said, patti's P1 left out"

note "a direct license that waits for a seat in licensefs is left out"
python3 - "$LF_TMP/real5.json" "$LF_TMP/waits.json" <<'EOF'
import json, sys
snap = json.load(open(sys.argv[1]))
p2 = next(s for s in snap["subscribedSkus"] if s["skuPartNumber"] == "AAD_PREMIUM_P2")
for u in snap["users"]:
    if u["userPrincipalName"].startswith("patti@"):
        u["usageLocation"] = "US"
        u["licenseAssignmentStates"] = [{"assignedByGroup": None, "disabledPlans": [],
                                         "error": "CountViolation", "skuId": p2["skuId"],
                                         "state": "Error"}]
json.dump(snap, open(sys.argv[2], "w"), indent=1)
EOF
lf_run "$LF_TMP/out" "$LF_TMP/import.err" import "$(lf_db waits)" "$LF_TMP/waits.json"
expect_eq 0 "$LF_RC" "import with a direct license waiting ($(cat "$LF_TMP/import.err"))"
plan "$(lf_db waits)" "$LF_TMP/real5.json"
expect_eq "4:plan: patti@contoso.com: waits for AAD_PREMIUM_P2 in licensefs, no seat there: left \
out
plan: 1 requests in 1 batches: $SUMMARY_NONE; 0 members added, 0 removed; 1 usage locations set; \
1 not planned" "$LF_RC:$(cat "$LF_TMP/err")" "the waiting license said and left out"

note "a snapshot import refuses is refused by plan, with import's words"
for f in broken.json bad-sku.json bad-member.json bad-plan.json missing.json; do
    before=$(lf_db_dump tenant)
    lf_run "$LF_TMP/out" "$LF_TMP/import.err" import "$(lf_db "scratch-${f%.json}")" "$DATA/$f"
    plan "$DB" "$DATA/$f"
    expect_eq "1:$(cat "$LF_TMP/import.err")" "$LF_RC:$(cat "$LF_TMP/err")" \
        "plan of $f: exit 1, import's message"
    expect_eq "" "$(cat "$LF_TMP/plan.jsonl")" "plan of $f: nothing on stdout"
    expect_eq "$before" "$(lf_db_dump tenant)" "plan of $f changes nothing"
done

note "usage errors and a missing database"
plan "$DB"
expect_eq "2:licensefs: plan: expected DATABASE SNAPSHOT.json (try licensefs --help)" \
    "$LF_RC:$(cat "$LF_TMP/err")" "one argument"
plan "$(lf_db nowhere)" "$LF_TMP/real.json"
expect_eq 3 "$LF_RC" "a database that does not exist ($(cat "$LF_TMP/err"))"
if lf_db_exists nowhere; then fail "plan made the missing database"; else pass; fi

note "tenants made at random: every plan is complete and needs nothing after it"
seeds=$((LF_SLOW > 1 ? 3 : 40)) in_order=0
for seed in $(seq "$seeds"); do
    dir=$LF_TMP/random-$seed
    mkdir -- "$dir"
    "$TENANTS" "$seed" "$dir"
    lf_run "$LF_TMP/out" "$LF_TMP/import.err" import "$(lf_db "random$seed")" "$dir/desired.json"
    expect_eq "0:" "$LF_RC:$(cat "$LF_TMP/import.err")" "seed $seed: import of licensefs's side"
    plan "$(lf_db "random$seed")" "$dir/actual.json"
    expect_eq 0 "$LF_RC" "seed $seed: everything planned ($(head -3 "$LF_TMP/err"))"
    expect_complete "seed $seed" "$dir/actual.json" "$(lf_db "random$seed")"
    tac -- "$LF_TMP/sent.jsonl" >"$dir/reversed.jsonl"
    "$APPLY" "$dir/actual.json" "$dir/reversed.jsonl" >/dev/null 2>&1 && in_order=$((in_order + 1))
done
# The order is what makes them succeed: the same batches sent last first mostly fail.
expect_eq "yes" "$( ((in_order * 2 < seeds)) && echo yes)" \
    "plans sent in reverse fail ($((seeds - in_order)) of $seeds)"

lf_finish
