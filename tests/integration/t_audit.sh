#!/bin/bash
# The audit log and the summary at the mount root: a line for each change and each kind of
# refusal, with the service's reasons; group processing lines; the log survives a remount and
# is bounded by -o audit_lines; tail, tail -f, grep, wc and reads at any offset work on it; the
# summary agrees with the count files.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

D=contoso.com
P1=$M/products/AAD_PREMIUM
P2=$M/products/AAD_PREMIUM_P2
ME=$(id -u)
TAB=$'\t'

# audit_count UID OP OBJECT RESULT [REASON]: the number of lines with exactly these fields (no
# REASON: a line without one). The fields go through the environment: awk -v would unescape \x09.
audit_count() {
    A_UID=$1 A_OP=$2 A_OBJ=$3 A_RES=$4 A_WHY=${5-} A_NF=$(($# + 1)) awk -F '\t' '
        $2 == ENVIRON["A_UID"] && $3 == ENVIRON["A_OP"] && $4 == ENVIRON["A_OBJ"] &&
        $5 == ENVIRON["A_RES"] && NF == ENVIRON["A_NF"] && (NF == 5 || $6 == ENVIRON["A_WHY"]) { n++ }
        END { print n + 0 }' "$M/audit"
}

# expect_audit UID OP OBJECT RESULT [REASON]: the log holds exactly one such line.
expect_audit() {
    local n
    n=$(audit_count "$@")
    if [ "$n" = 1 ]; then
        pass
    else
        fail "expected one audit line [$(printf '%s|' "$@")], found $n; log tail:$(echo; tail -n 5 "$M/audit")"
    fi
}

# lines_for OBJECT: the number of lines whose object is OBJECT.
lines_for() { A_OBJ=$1 awk -F '\t' '$4 == ENVIRON["A_OBJ"] { n++ } END { print n + 0 }' "$M/audit"; }

# expect_summary: summary's header, one row per product sorted by name then SKU, and every row
# equal to the product's count files and errors/ listing.
expect_summary() {
    local sku name total assigned available expiring waiting p order
    expect_eq "product${TAB}name${TAB}total${TAB}assigned${TAB}available${TAB}expiring_soon${TAB}waiting" \
        "$(head -n 1 "$M/summary")" "summary header"
    while IFS=$TAB read -r sku name total assigned available expiring waiting; do
        p=$M/products/$sku
        expect_eq "$(cat "$p/name") $(cat "$p/total") $(cat "$p/assigned") $(cat "$p/available") $(cat "$p/expiring_soon") $(ls "$p/errors" | wc -l)" \
            "$name $total $assigned $available $expiring $waiting" "summary row of $sku"
    done < <(tail -n +2 "$M/summary")
    order=$(for p in "$M"/products/*/; do printf '%s\t%s\n' "$(cat "$p/name")" "$(basename "$p")"; done |
        sort -t "$TAB" -k1,1 -k2,2 | cut -f2)
    expect_eq "$order" "$(tail -n +2 "$M/summary" | cut -f1)" "summary rows sorted by name, then SKU"
    lf_size_ok "$M/summary"
}

lf_mount --demo

note "the root files"
expect_mode "$M/audit" 444
expect_mode "$M/summary" 444
expect_type "$M/audit" "regular file"
expect_file "$M/summary" \
    "product${TAB}name${TAB}total${TAB}assigned${TAB}available${TAB}expiring_soon${TAB}waiting" \
    "AAD_PREMIUM${TAB}Microsoft Entra ID P1${TAB}10${TAB}9${TAB}1${TAB}2${TAB}0" \
    "AAD_PREMIUM_P2${TAB}Microsoft Entra ID P2${TAB}3${TAB}3${TAB}0${TAB}0${TAB}1"
expect_summary

note "the demo's group processing, logged as licensefs's own (uid -)"
expect_audit - grant "/products/AAD_PREMIUM_P2/users/megan@$D" info "seat granted through group Security Admins"
expect_audit - grant "/products/AAD_PREMIUM/users/alex@$D" info "seat granted through group Sales"
expect_audit - queue "/products/AAD_PREMIUM_P2/errors/alex@$D" info \
    "CountViolation: no seat available (through group Security Admins)"
expect_eq 10 "$(wc -l < "$M/audit")" "lines after the demo fill"
expect_eq "" "$(grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'"$TAB" "$M/audit")" "every line starts with a UTC time"
t=$(head -n 1 "$M/audit" | cut -f1)
t=$(date -u -d "${t%Z}" +%s)
if [ "$t" -ge $((LF_START - 2)) ] && [ "$t" -le $(($(date +%s) + 2)) ]; then pass; else
    fail "first line's time $(head -n 1 "$M/audit" | cut -f1) is not now"
fi

note "successes"
expect_ok mkdir "$M/products/AUDITED"
expect_audit "$ME" mkdir /products/AUDITED ok
putln "$M/products/AUDITED/total" 3
expect_audit "$ME" write /products/AUDITED/total ok
expect_ok touch "$M/products/AUDITED/users/adele@$D"
expect_audit "$ME" create "/products/AUDITED/users/adele@$D" ok
expect_eq 1 "$(lines_for "/products/AUDITED/users/adele@$D")" "touch of a new holder: one line (its times change nothing)"
expect_ok touch "$P1/users/lee@$D"              # inherited only: touch adds the direct path
expect_audit "$ME" touch "/products/AAD_PREMIUM/users/lee@$D" ok
n=$(wc -l < "$M/audit")
expect_ok touch "$P1/users/adele@$D"            # direct already
expect_ok touch "$P1/total"
expect_ok touch "$M/products"
expect_ok cat "$M/audit" "$M/summary" "$P1/users/adele@$D"
expect_eq "$n" "$(wc -l < "$M/audit")" "touches that change nothing and reads: no line"

note "refusals, each with its errno name and reason"
expect_fail "Invalid argument" touch "$P1/users/patti@$D"
expect_audit "$ME" create "/products/AAD_PREMIUM/users/patti@$D" EINVAL \
    "License assignment cannot be done for user with invalid usage location. ('patti@$D' has none)"
expect_fail "No space left on device" touch "$P2/users/adele@$D"
expect_audit "$ME" create "/products/AAD_PREMIUM_P2/users/adele@$D" ENOSPC \
    "Subscription for 'AAD_PREMIUM_P2' does not have any available licenses."
expect_fail "Operation not permitted" rm "$P2/users/megan@$D"
expect_audit "$ME" unlink "/products/AAD_PREMIUM_P2/users/megan@$D" EPERM \
    "User license is inherited from a group membership and it cannot be removed directly from the user. ('megan@$D', 'AAD_PREMIUM_P2')"
expect_fail "Directory not empty" rmdir "$P1"
expect_audit "$ME" rmdir /products/AAD_PREMIUM ENOTEMPTY \
    "product 'AAD_PREMIUM' is still held, waited for or assigned to a group"
expect_fail "Device or resource busy" putln "$P1/total" 1
expect_audit "$ME" write /products/AAD_PREMIUM/total EBUSY \
    "9 seats of 'AAD_PREMIUM' are assigned; total cannot go below that"
expect_fail "Operation not permitted" rmdir "$M/tenant"
expect_audit "$ME" rmdir /tenant EPERM "removing a directory is not allowed on tenant"

note "refusals of what the tree lacks (decided without the model)"
expect_fail "Operation not permitted" touch "$M/newfile"
expect_audit "$ME" create /newfile EPERM "the tree has no place for 'newfile'"
expect_fail "Operation not permitted" chmod 600 "$M/tenant/name"
expect_audit "$ME" chmod /tenant/name EPERM "the tree has no mode changes"
expect_fail "Operation not permitted" ln -s target "$M/products/link"
expect_audit "$ME" symlink /products/link EPERM "the tree has no symlinks"
expect_fail "Operation not permitted" ln "$P1/name" "$P1/name2"
expect_audit "$ME" link /products/AAD_PREMIUM/name2 EPERM "the tree has no hard links"
expect_fail "Operation not permitted" mv "$M/products/AUDITED" "$M/products/MOVED"
expect_audit "$ME" rename /products/AUDITED EPERM "the only rename is a restore: mv deleted_users/UPN users/ (same name)"
expect_fail "Operation not permitted" mkfifo "$M/products/fifo"
expect_audit "$ME" mknod /products/fifo EPERM "the tree has no special files"
expect_fail "Operation not permitted" putln "$M/audit" x
expect_audit "$ME" open /audit EPERM "writing is not allowed on audit"
expect_fail "Operation not permitted" putln "$P1/assigned" 3
expect_audit "$ME" open /products/AAD_PREMIUM/assigned EPERM "writing is not allowed on assigned"
expect_fail "Invalid argument" truncate -s 5 "$P1/total"
expect_audit "$ME" truncate /products/AAD_PREMIUM/total EINVAL "a value is replaced by writing it, not truncated"
expect_fail "Invalid argument" mkdir "$M/products/a${TAB}b"
expect_audit "$ME" mkdir '/products/a\x09b' EINVAL "product name (SKU) contains a control character"
expect_logged "/products/AAD_PREMIUM_P2/users/adele@$D" "No space left on device" ENOSPC

note "a refused value written in pieces: its line, and none for the value's return"
bash -c 'printf "New\nName\n" > "$1"' _ "$M/products/AUDITED/name" 2>/dev/null
expect_file "$M/products/AUDITED/name" AUDITED
expect_eq 2 "$(lines_for /products/AUDITED/name)" "lines of the split write"
expect_audit "$ME" write /products/AUDITED/name ok
expect_eq 1 "$(awk -F '\t' '$4 == "/products/AUDITED/name" && $5 == "EINVAL"' "$M/audit" | wc -l)" "the split write's refusal"

note "group processing: who got a seat, who started waiting"
expect_ok mkdir "$M/groups/Audit" "$M/products/ONE"
expect_ok touch "$M/groups/Audit/members/diego@$D"
expect_ok touch "$M/groups/Audit/members/adele@$D"
putln "$M/products/ONE/total" 1
expect_ok touch "$M/groups/Audit/licenses/ONE"
expect_eq "$ME${TAB}create${TAB}/groups/Audit/licenses/ONE${TAB}ok
-${TAB}grant${TAB}/products/ONE/users/diego@$D${TAB}info${TAB}seat granted through group Audit
-${TAB}queue${TAB}/products/ONE/errors/adele@$D${TAB}info${TAB}CountViolation: no seat available (through group Audit)" \
    "$(tail -n 3 "$M/audit" | cut -f2-)" "the group license's line, then its seats in join order"
putln "$M/products/ONE/total" 2
expect_eq "$ME${TAB}write${TAB}/products/ONE/total${TAB}ok
-${TAB}grant${TAB}/products/ONE/users/adele@$D${TAB}info${TAB}a freed seat went to the longest-waiting user" \
    "$(tail -n 2 "$M/audit" | cut -f2-)" "raised total: the waiter's seat"
expect_summary

note "tail, wc, grep, head and reads at offsets"
all=$(cat "$M/audit"; printf x)
all=${all%x}
lf_size_ok "$M/audit"
expect_eq "$(printf '%s' "$all" | tail -n 2)" "$(tail -n 2 "$M/audit")" "tail -n 2"
expect_eq "$(printf '%s' "$all" | wc -l)" "$(wc -l < "$M/audit")" "wc -l"
expect_eq "$(printf '%s' "$all" | head -c 1000 | tail -c 333)" "$(head -c 1000 "$M/audit" | tail -c 333)" "head -c | tail -c"
expect_eq "$(printf '%s' "$all" | tail -c +777 | head -c 55)" "$(dd if="$M/audit" bs=1 skip=776 count=55 status=none)" "dd at an offset"
expect_eq "/products/AAD_PREMIUM_P2/users/adele@$D" "$(grep -P '\tENOSPC\t' "$M/audit" | cut -f4)" "grep -P '\\tENOSPC\\t'"
expect_eq "alex@$D adele@$D" "$(grep "${TAB}queue${TAB}" "$M/audit" | cut -f4 | xargs -n1 basename | xargs)" "who started waiting, by grep"

note "tail -f sees a new line within 2 s"
tail -n 0 -f "$M/audit" > "$LF_TMP/follow" 2>&1 &
tail_pid=$!
LF_EXTRA_PIDS=$tail_pid
sleep 0.5
expect_ok mkdir "$M/products/FOLLOWED"
for _ in $(seq 40); do
    grep -q "${TAB}mkdir${TAB}/products/FOLLOWED${TAB}ok$" "$LF_TMP/follow" && break
    sleep 0.05
done
if grep -q "${TAB}mkdir${TAB}/products/FOLLOWED${TAB}ok$" "$LF_TMP/follow"; then pass; else
    fail "tail -f did not print the new line within 2 s; it printed: $(head -c 300 "$LF_TMP/follow")"
fi
kill "$tail_pid" 2>/dev/null
wait "$tail_pid" 2>/dev/null
LF_EXTRA_PIDS=
expect_eq 1 "$(wc -l < "$LF_TMP/follow")" "tail -f printed only the new line"

note "the log survives a remount"
before=$(cat "$M/audit")
lf_unmount
lf_mount
expect_eq "$before" "$(cat "$M/audit")" "the log after a remount"
lf_unmount

note "-o audit_lines=N keeps the newest N lines"
last=$(tail -n 5 <<<"$before")
lf_mount -o audit_lines=5
expect_eq "$last" "$(cat "$M/audit")" "the newest 5 lines at mount"
lf_size_ok "$M/audit"
expect_ok mkdir "$M/products/BOUNDED"
expect_eq 5 "$(wc -l < "$M/audit")" "lines after another change"
expect_eq "$(tail -n 4 <<<"$last")" "$(head -n 4 "$M/audit")" "the oldest line dropped"
expect_audit "$ME" mkdir /products/BOUNDED ok
lf_size_ok "$M/audit"
lf_unmount

lf_finish
