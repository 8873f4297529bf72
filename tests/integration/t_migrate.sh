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
    expect_eq 7 "$(sqlite3 "$V1" 'PRAGMA user_version')" "the file copied from, upgraded"
fi

lf_mount
if lf_sqlite; then
    expect_eq 7 "$(sqlite3 "$DB" 'PRAGMA user_version')" "schema version after the upgrade"
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

note "a change writes few pages: only waiters are in the queue's index, offsets in none"
expect_ok mkdir "$M/products/PAGES"
expect_ok putln "$M/products/PAGES/total" 5
if lf_sqlite; then
    # wal_frames OP PATH: the pages (WAL frames) the one change `OP PATH` committed, or why not
    wal_frames() {
        local page busy=1 i
        page=$(sqlite3 "$DB" 'PRAGMA page_size')
        for i in 1 2 3 4 5; do
            busy=$(sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)' | cut -d'|' -f1)
            [ "$busy" = 0 ] && break
            sleep 0.2
        done
        if [ "$busy" != 0 ]; then
            echo "none: the WAL could not be checkpointed"
        elif ! "$1" "$2"; then
            echo "none: $1 failed"
        else
            echo $((($(stat -c %s "$DB-wal") - 32) / (page + 24)))
        fi
    }
    for change in "touch 5" "rm 4"; do
        n=$(wal_frames "${change% *}" "$M/products/PAGES/users/adele@$D")
        if [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "${change#* }" ]; then
            pass
        else
            fail "${change% *} of a holder committed $n pages, 1 to ${change#* } expected"
        fi
    done
else
    expect_eq "seats_blocked|(product_id, active) WHERE (active = 3)
seats_waiting|(product_id, active, queue) WHERE (active = 0)" \
        "$(lf_sql tenant "SELECT indexname, substring(indexdef from '\(.*') FROM pg_indexes WHERE
            schemaname = current_schema() AND indexname IN ('seats_queue', 'seats_waiting',
            'seats_blocked', 'audit_by_start') ORDER BY 1")" \
        "the indexes of the queue and the audit log"
    expect_ok touch "$M/products/PAGES/users/adele@$D"
    expect_ok rm "$M/products/PAGES/users/adele@$D"
fi
expect_counts PAGES 5 0 5
lf_unmount

note "a second mount finds the upgraded database as it left it"
lf_mount
expect_ls "$M/deleted_users" "lee@$D"
if lf_sqlite; then
    expect_eq 7 "$(sqlite3 "$DB" 'PRAGMA user_version')" "schema version stays"
fi
lf_unmount
lf_finish
