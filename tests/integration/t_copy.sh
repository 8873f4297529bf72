#!/bin/bash
# licensefs copy [--replace] FROM TO: a copy of a copy exports, mounts and audits byte for byte
# as the original; copies of a mounted tenant taken while a writer changes it are each one
# consistent moment; an old schema is migrated; every refusal has its status and message and
# changes nothing; a copy that cannot write TO leaves it as it was; --replace onto a mounted
# TO shows in the mount.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

DATA=$(realpath -- "$(dirname -- "$0")/../data")
# B is a file on either backend: on PostgreSQL, A and C are on the server and every chain of
# copies crosses from one backend to the other and back.
A=$(lf_db a)
B=$LF_TMP/b.db
C=$(lf_db c)
D=$(lf_db d)

# dump DATABASE: all of it as text (PostgreSQL's sequences left out: they move on in a
# transaction that is rolled back).
dump() {
    case $1 in
        postgresql://*) lf_db_dump "${1##*%3D}" ;;
        *) sqlite3 "$1" .dump 2>&1 ;;
    esac
}

# copy_ok ARGS...: licensefs copy ARGS exits 0, quietly.
copy_ok() {
    lf_run "$LF_TMP/out" "$LF_TMP/err" copy "$@"
    expect_eq 0 "$LF_RC" "copy $* ($(cat "$LF_TMP/err"))"
    expect_eq "" "$(cat "$LF_TMP/out")$(cat "$LF_TMP/err")" "output of copy $*"
}

# refused_unchanged CODE MESSAGE DB ARGS...: licensefs ARGS exits CODE with MESSAGE and leaves
# DB (which exists) as it was.
refused_unchanged() {
    local code=$1 message=$2 db=$3 before
    shift 3
    before=$(dump "$db")
    expect_refusal "${*@Q}" "$code" "$@"
    expect_eq "$message" "$LF_ERR" "message of ${*@Q}"
    expect_eq "$before" "$(dump "$db")" "$db after ${*@Q}"
}

# tree DIR: every name, mode and size under DIR, then every file's content (with the times of
# the records; a node without a time of its own shows the moment it is read, so not ls's).
tree() {
    (cd -- "$1" && ls -lRn --time-style=+ . && find . -type f -print0 | sort -z |
        xargs -0 -r tail -n +1)
}

# consistent NAME: the export of NAME's tenant keeps the seat rules: per product, the users
# holding it are its consumed units, no more than its seats, and nobody waits while one is free.
consistent() {
    "$LICENSEFS" export "$1" | jq -r '
        .users as $u | .subscribedSkus[] | .skuId as $id |
        ([$u[] | select(any(.licenseAssignmentStates[]; .skuId == $id and .state == "Active"))]
            | length) as $held |
        ([$u[] | select(any(.licenseAssignmentStates[]; .skuId == $id and .state == "Error"))
            | select(all(.licenseAssignmentStates[]; .skuId != $id or .state != "Active"))]
            | length) as $waiting | (.prepaidUnits.enabled + .prepaidUnits.warning) as $seats |
        if $held != .consumedUnits then "\(.skuPartNumber): \($held) hold, \(.consumedUnits) consumed"
        elif $held > $seats then "\(.skuPartNumber): \($held) hold \($seats) seats"
        elif $waiting > 0 and $held < $seats then "\(.skuPartNumber): waiting while seats are free"
        else empty end'
}

note "copy A B; copy B C: the same export, audit log and tree"
lf_mount --db "$A" --demo
expect_ok touch "$M/groups/Engineering/members/patti@contoso.com"
echo 5 >"$M/products/AAD_PREMIUM_P2/total"
expect_ok rmdir "$M/users/grady@contoso.com"
lf_unmount
# The first export makes up the object ids the demo lacks, and keeps them.
"$LICENSEFS" export "$A" >"$LF_TMP/a.json"
copy_ok "$A" "$B"
copy_ok "$B" "$C"
"$LICENSEFS" export "$C" >"$LF_TMP/c.json"
expect_eq "" "$(cmp -- "$LF_TMP/a.json" "$LF_TMP/c.json" 2>&1)" "exports of A and C"
if lf_sqlite; then
    expect_eq "$(sqlite3 "$A" 'PRAGMA user_version')" "$(sqlite3 "$C" 'PRAGMA user_version')" \
        "schema versions of A and C"
fi
lf_mount --db "$A"
tree "$M" >"$LF_TMP/a.tree"
lf_unmount
lf_mount --db "$C"
tree "$M" >"$LF_TMP/c.tree"
lf_unmount
expect_eq "" "$(diff -- "$LF_TMP/a.tree" "$LF_TMP/c.tree" | head -5)" "trees of A and C"
expect_match 'rmdir	/users/grady@contoso.com	ok' "$(grep rmdir "$LF_TMP/c.tree")" \
    "the copy's audit log"

note "refusals"
refused_unchanged 1 "licensefs: $B: the tenant is not empty; copy --replace replaces it" "$B" \
    copy "$C" "$B"
refused_unchanged 1 "licensefs: $A: FROM and TO are the same database" "$A" copy "$A" "$A"
ln -s b.db "$LF_TMP/link.db"
refused_unchanged 1 "licensefs: $LF_TMP/link.db: FROM and TO are the same database" "$B" \
    copy --replace "$B" "$LF_TMP/link.db"
expect_refusal "missing FROM" 3 copy "$LF_TMP/none.db" "$LF_TMP/new.db"
expect_eq "licensefs: $LF_TMP/none.db: No such file or directory" "$LF_ERR" "missing FROM"
expect_eq "" "$(ls -- "$LF_TMP"/none.db* "$LF_TMP"/new.db* 2>/dev/null)" "files made"
if ! lf_sqlite; then
    expect_refusal "missing FROM schema" 3 copy "$(lf_db none)" "$LF_TMP/new.db"
    expect_eq "licensefs: $(lf_db none): no such tenant" "$LF_ERR" "missing FROM schema"
    if lf_db_exists none; then fail "copy made the missing FROM schema"; else pass; fi
    expect_eq "" "$(ls -- "$LF_TMP"/new.db* 2>/dev/null)" "TO made for a missing FROM schema"
fi
echo 'not a database' >"$LF_TMP/foreign.db"
sqlite3 "$LF_TMP/other.db" 'CREATE TABLE t (a)'
for f in foreign other; do
    before=$(md5sum <"$LF_TMP/$f.db")
    expect_refusal "copy from the $f database" 3 copy "$LF_TMP/$f.db" "$LF_TMP/new.db"
    expect_match "^licensefs: $LF_TMP/$f.db: (database error: file is not a database|not a licensefs database)\$" \
        "$LF_ERR" "copy from the $f database"
    expect_eq "" "$(ls -- "$LF_TMP"/new.db* 2>/dev/null)" "TO made for the $f database"
    expect_refusal "copy to the $f database" 3 copy --replace "$A" "$LF_TMP/$f.db"
    expect_match "^licensefs: $LF_TMP/$f.db: (database error: file is not a database|not a licensefs database)\$" \
        "$LF_ERR" "copy to the $f database"
    expect_eq "$before" "$(md5sum <"$LF_TMP/$f.db")" "the $f database after the copies"
done
for args in "" "$A" "--replace $A" "$A $B $C" "-x $A $B"; do
    # shellcheck disable=SC2086 # the arguments are words
    expect_refusal "copy $args" 2 copy $args
    expect_eq "licensefs: copy: expected [--replace] FROM TO (try licensefs --help)" "$LF_ERR" \
        "usage of copy $args"
done

note "a copy that cannot write TO leaves it as it was"
before=$(dump "$B")
(trap '' XFSZ; ulimit -f 64; exec "$LICENSEFS" copy --replace "$A" "$B") \
    >"$LF_TMP/out" 2>"$LF_TMP/err" </dev/null
expect_eq 3 "$?" "exit status of a copy into a file that may not grow ($(cat "$LF_TMP/err"))"
expect_match "^licensefs: " "$(cat "$LF_TMP/err")" "its message"
expect_eq "$before" "$(dump "$B")" "TO after the failed copy"

note "an old schema is migrated on open, and copied whole"
cp -- "$DATA/v1-demo.db" "$LF_TMP/old.db"
"$LICENSEFS" export "$LF_TMP/old.db" >"$LF_TMP/old.json"
copy_ok "$LF_TMP/old.db" "$LF_TMP/new.db"
"$LICENSEFS" export "$LF_TMP/new.db" >"$LF_TMP/new.json"
expect_eq "" "$(cmp -- "$LF_TMP/old.json" "$LF_TMP/new.json" 2>&1)" "exports of old and new"
expect_eq 7 "$(sqlite3 "$LF_TMP/new.db" 'PRAGMA user_version')" "the copy's schema version"

note "copies of a mounted tenant while a writer changes it"
lf_mount --db "$A"
(
    while [ ! -e "$LF_TMP/stop" ]; do
        touch "$M/groups/Sales/members/patti@contoso.com"
        echo 4 >"$M/products/AAD_PREMIUM_P2/total"
        rm -f "$M/groups/Sales/members/patti@contoso.com"
        echo 6 >"$M/products/AAD_PREMIUM_P2/total"
    done 2>/dev/null
) &
writer=$!
LF_EXTRA_PIDS=$writer
for round in 1 2 3 4 5; do
    copy_ok --replace "$A" "$B"
    expect_eq "" "$(consistent "$B")" "the copy of round $round keeps the seat rules"
    # Each line starts where the one before it ends: no line of a change half-copied.
    expect_eq 1 "$(sqlite3 "$B" 'SELECT count(*) = 1 + (SELECT count(*) FROM audit a JOIN audit b
                                 ON b.id = a.id + 1 AND b.start = a.start + a.len) FROM audit')" \
        "round $round: audit lines follow each other"
done
touch "$LF_TMP/stop"
wait "$writer"

note "--replace onto a mounted TO shows in the mount"
lf_unmount
"$LICENSEFS" import --replace "$D" "$DATA/snapshot.json" >/dev/null 2>&1
lf_mount --db "$D"
expect_file "$M/tenant/name" Fabrikam
copy_ok --replace "$C" "$D"
sleep 1.2
expect_file "$M/tenant/name" Contoso
expect_ok test -e "$M/deleted_users/grady@contoso.com"
lf_unmount

lf_finish
