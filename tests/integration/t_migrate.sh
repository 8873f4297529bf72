#!/bin/bash
# A database written by the first licensefs (schema version 1, the demo tenant plus patti in
# Sales) mounts with this one: the schema is upgraded in place, the tenant is as it was, and
# the features of the later versions work on it. On PostgreSQL (no server ever held version 1)
# the same file reaches the server through `licensefs copy`, which upgrades it on the way.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh"

D=contoso.com
V1=$LF_TMP/v1.db
cp -- "$(dirname -- "$0")/../data/v1-demo.db" "$V1"
chmod 600 "$V1"
expect_eq 1 "$(sqlite3 "$V1" 'PRAGMA user_version')" "schema version before"
if lf_sqlite; then
    mv -- "$V1" "$DB"
else
    expect_ok "$LICENSEFS" copy "$V1" "$DB"
    expect_eq 5 "$(sqlite3 "$V1" 'PRAGMA user_version')" "the file copied from, upgraded"
fi

lf_mount
if lf_sqlite; then
    expect_eq 5 "$(sqlite3 "$DB" 'PRAGMA user_version')" "schema version after the upgrade"
    expect_eq 600 "$(stat -c %a "$DB")" "mode of the upgraded database"
    # seats that lapse may leave more assigned than total: the table's rule says so now
    expect_match 'CHECK \(0 <= assigned\),.*CHECK \(waiting = 0 OR assigned >= total\)' \
        "$(sqlite3 "$DB" "SELECT sql FROM sqlite_master WHERE name = 'products'")" \
        "the products table's checks after the upgrade"
    expect_eq ok "$(sqlite3 "$DB" 'PRAGMA integrity_check')" "integrity after the upgrade"
fi

note "the tenant as version 1 left it"
expect_ls "$M/products" AAD_PREMIUM AAD_PREMIUM_P2
expect_counts AAD_PREMIUM 10 10 0
expect_counts AAD_PREMIUM_P2 3 3 0
expect_ls "$M/products/AAD_PREMIUM_P2/errors" "alex@$D"
expect_ls "$M/groups/Sales/members" "adele@$D" "alex@$D" "diego@$D" "grady@$D" "patti@$D"
expect_mode "$M/products/AAD_PREMIUM/users/patti@$D" 444
expect_file "$M/users/patti@$D/usage_location" ""
expect_file "$M/products/AAD_PREMIUM/plans"
expect_ls "$M/deleted_users"

note "what later versions added works on it"
expect_ok sh -c "printf 'AAD_PREMIUM\nMFA_PREMIUM\n' > '$M/products/AAD_PREMIUM/plans'"
expect_file "$M/products/AAD_PREMIUM/plans" AAD_PREMIUM MFA_PREMIUM
expect_ok rmdir "$M/users/lee@$D"
expect_ls "$M/products/AAD_PREMIUM_P2/errors"
expect_ls "$M/products/AAD_PREMIUM_P2/users" "alex@$D" "megan@$D" "nestor@$D"
expect_match "rmdir	/users/lee@$D	ok" "$(cat "$M/audit")" "the audit log records the deletion"
expect_file "$M/tenant/plan_dependencies" "MCOMEETADV: MCOSTANDARD" \
    "SHAREPOINT_PROJECT: SHAREPOINTENTERPRISE" \
    "WORKPLACE_ANALYTICS: EXCHANGE_S_ENTERPRISE EXCHANGE_S_STANDARD"
expect_eq 8 "$(wc -l <"$M/tenant/plan_conflicts")" "the service-plan rules shipped: 8 sets"
lf_unmount

note "a second mount finds the upgraded database as it left it"
lf_mount
expect_ls "$M/deleted_users" "lee@$D"
if lf_sqlite; then
    expect_eq 5 "$(sqlite3 "$DB" 'PRAGMA user_version')" "schema version stays"
fi
lf_unmount
lf_finish
