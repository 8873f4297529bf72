#!/bin/bash
# licensefs import-catalog: the whole official catalog into a new database and
# into a mounted one, checked against what an independent reading of the CSV (awk below)
# expects: 568 products, each one's display name and number of plans, duplicates and conflicts
# by line; AAD_PREMIUM_P2's plans; escaped part numbers; the cleaning of no-break spaces, tabs
# and blanks; a re-import that changes nothing, seats and options included; bad rows skipped
# with their lines; a cp1252 file; files refused as a whole leaving the database as it was;
# progress on a terminal only.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

DATA=${LF_DATA:-$(dirname -- "$0")/../data}
CSV=$DATA/product-catalog.csv
HEADER=Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names
OUT=$LF_TMP/out
ERR=$LF_TMP/err
if [ ! -r "$CSV" ]; then
    echo "t_catalog: the test data $CSV is missing" >&2
    exit 1
fi

# import DATABASE FILE [ARGS...]: runs licensefs import-catalog (bounded), stdout to $OUT and
# stderr to $ERR; sets LF_RC.
import() {
    timeout 60 "$LICENSEFS" import-catalog "$@" >"$OUT" 2>"$ERR" </dev/null
    LF_RC=$?
}

# expect_refused_file WHAT CODE ARGS...: exit CODE, one stderr line "licensefs: ...", no stdout.
expect_refused_file() {
    local what=$1 code=$2
    shift 2
    import "$@"
    expect_eq "$code" "$LF_RC" "$what: exit status"
    expect_eq 1 "$(wc -l <"$ERR")" "$what: stderr lines ($(head -c 300 "$ERR"))"
    expect_match '^licensefs: .' "$(head -n1 "$ERR")" "$what: stderr"
    expect_eq "" "$(cat "$OUT")" "$what: stdout"
}

# expect_out LINE...: stdout of the last import is exactly these lines, and stderr is empty.
expect_out() {
    local want got
    expect_eq "" "$(cat "$ERR")" "import-catalog stderr"
    want=$(printf '%s\n' "$@")
    got=$(cat "$OUT")
    if [ "$got" == "$want" ]; then
        pass
    else
        fail "import-catalog stdout: expected [$want], got [$got]"
    fi
}

# The catalog as an independent reader expects it, written to $LF_TMP/expect.*: `products`
# (SKU TAB display name TAB number of plans, sorted), `duplicates` (the report lines),
# `conflicts` (line numbers), `plans` (the total). Same rules as the importer: blanks cleaned,
# duplicates after cleaning skipped, and within a product the first GUID of a plan name and the
# first name of a plan GUID kept. Only the catalog's own quoting (no line breaks in fields).
awk -v out="$LF_TMP/expect" '
function split_csv(s, f,    n, i, c, q, v) {
    if (index(s, "\"") == 0)
        return split(s, f, ",")
    n = 0; v = ""; q = 0
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (q && c == "\"" && substr(s, i + 1, 1) == "\"") { v = v c; i++ }
        else if (c == "\"") q = !q
        else if (!q && c == ",") { f[++n] = v; v = "" }
        else v = v c
    }
    f[++n] = v
    return n
}
function clean(s, squeeze) {
    gsub(nbsp, " ", s)
    sub(/^[ \t\r\n]+/, "", s)
    sub(/[ \t\r\n]+$/, "", s)
    if (squeeze)
        gsub(/[ \t]+/, " ", s)
    return s
}
BEGIN { nbsp = sprintf("%c%c", 194, 160) }
NR == 1 { next }
{
    split_csv($0, f)
    name = clean(f[1], 1); sku = clean(f[2], 0); id = tolower(clean(f[3], 0))
    plan = clean(f[4], 1); guid = tolower(clean(f[5], 0)); friendly = clean(f[6], 1)
    row = name SUBSEP sku SUBSEP id SUBSEP plan SUBSEP guid SUBSEP friendly
    if (row in seen) {
        printf "line %d: duplicate of line %d\n", NR, seen[row] > (out ".duplicates")
        next
    }
    seen[row] = NR
    products[sku] = 1
    display[sku] = name
    k = sku SUBSEP plan
    if (k in guid_of) {
        if (guid != "" && guid_of[k] != "" && guid_of[k] != guid) { print NR > (out ".conflicts"); next }
    } else {
        if (guid != "" && ((sku SUBSEP guid) in name_of)) { print NR > (out ".conflicts"); next }
        guid_of[k] = guid
        if (guid != "")
            name_of[sku SUBSEP guid] = plan
        plans[sku]++
        total++
    }
}
END {
    for (sku in products)
        printf "%s\t%s\t%d\n", sku, display[sku], plans[sku] | ("sort > " out ".products")
    print total > (out ".plans")
}' "$CSV"
EXPECT=$LF_TMP/expect
PLANS=$(cat "$EXPECT.plans")
DUPLICATES=$(wc -l <"$EXPECT.duplicates")
CONFLICTS=$(wc -l <"$EXPECT.conflicts")
ROWS=$(($(wc -l <"$CSV") - 1))
note "the catalog: $ROWS rows, $(wc -l <"$EXPECT.products") products, $PLANS plans, $DUPLICATES duplicate and $CONFLICTS conflicting rows"
expect_eq 568 "$(wc -l <"$EXPECT.products")" "products the independent reader finds"

# products_ls: `ls products`, as an admin counts and greps it (no name holds a newline).
# shellcheck disable=SC2012
products_ls() { ls -- "$M/products"; }

# tree_products: SKU TAB name TAB number of plans for every product of the mount, sorted.
tree_products() {
    local dir sku
    for dir in "$M"/products/*/; do
        dir=${dir%/}
        sku=${dir##*/}
        sku=${sku//%2F//}
        sku=${sku//%25/%}
        printf '%s\t%s\t%s\n' "$sku" "$(cat "$dir/name")" "$(wc -l <"$dir/plans")"
    done | sort
}

# The summary lines of a whole-catalog import.
summary_line() { echo "$ROWS rows (UTF-8 with BOM): $((ROWS - $1)) imported, $1 skipped ($DUPLICATES duplicate, $CONFLICTS conflicting, 0 bad)"; }

note "usage errors exit 2 and create nothing"
NEW=$(lf_db new)
expect_refused_file "no arguments" 2
expect_refused_file "one argument" 2 "$NEW"
expect_refused_file "three arguments" 2 "$NEW" "$CSV" extra
if lf_db_exists new; then fail "usage errors made tenant new"; else pass; fi

note "files refused as a whole exit 1 and create nothing"
printf '%s\r\n' "${HEADER/Service_Plan_Id/Service_Plan_ID}" "a,B,,,," >"$LF_TMP/bad-header.csv"
expect_refused_file "bad header" 1 "$NEW" "$LF_TMP/bad-header.csv"
expect_match 'bad-header.csv: line 1: the header is not Product_Display_Name,String_Id,' "$(cat "$ERR")" "bad header: message"
printf '%s,extra\n' "$HEADER" >"$LF_TMP/long-header.csv"
expect_refused_file "header with a seventh column" 1 "$NEW" "$LF_TMP/long-header.csv"
: >"$LF_TMP/empty.csv"
expect_refused_file "empty file" 1 "$NEW" "$LF_TMP/empty.csv"
printf '%s\n' "$HEADER" '"Name,SKU,,,,' 'x,y,,,,' >"$LF_TMP/open-quote.csv"
expect_refused_file "quoted field never closed" 1 "$NEW" "$LF_TMP/open-quote.csv"
expect_match 'line 2: a quoted field is not closed' "$(cat "$ERR")" "open quote: message"
printf '%s\nP,\0Q,,,,\n' "$HEADER" >"$LF_TMP/nul.csv"
expect_refused_file "NUL byte" 1 "$NEW" "$LF_TMP/nul.csv"
expect_refused_file "missing file" 1 "$NEW" "$LF_TMP/no-such.csv"
expect_match 'no-such.csv: No such file or directory' "$(cat "$ERR")" "missing file: message"
expect_refused_file "a directory" 1 "$NEW" "$LF_TMP"
if lf_db_exists new; then fail "refused files made tenant new"; else pass; fi

note "a DATABASE that is not a licensefs database: exit 3, left as it was"
if lf_sqlite; then
    printf 'not a database\n' >"$LF_TMP/foreign.db"
    expect_refused_file "foreign database" 3 "$LF_TMP/foreign.db" "$CSV"
    expect_match '^licensefs: .*foreign.db: ' "$(cat "$ERR")" "foreign database: message"
    expect_eq "not a database" "$(cat "$LF_TMP/foreign.db")" "the foreign file after the import"
else
    psql -h "$LF_PG" -U postgres -d postgres -XAtq -c "CREATE SCHEMA music" \
        -c "CREATE TABLE music.songs (title text)"
    expect_refused_file "foreign schema" 3 "$(lf_db music)" "$CSV"
    expect_match '^licensefs: .*music: ' "$(cat "$ERR")" "foreign schema: message"
    expect_eq "songs" "$(lf_sql music "SELECT string_agg(tablename, ' ') FROM pg_tables WHERE schemaname = 'music'")" "the foreign schema after the import"
fi

note "the whole catalog into a new database"
T0=$(date +%s%N)
import "$NEW" "$CSV"
T1=$(date +%s%N)
note "import of the whole catalog into a new database: $(((T1 - T0) / 1000000)) ms"
expect_eq 0 "$LF_RC" "import-catalog exit status"
expect_eq "" "$(cat "$ERR")" "stderr of an import that is not on a terminal"
SKIPPED=$((DUPLICATES + CONFLICTS))
expect_eq "products: 568 created, 0 updated, 0 unchanged" "$(grep '^products:' "$OUT")" "products line"
expect_eq "plans: $PLANS created, 0 updated, 0 unchanged" "$(grep '^plans:' "$OUT")" "plans line"
expect_eq "$(summary_line $SKIPPED)" "$(tail -n1 "$OUT")" "summary line"
expect_eq "$(cat "$EXPECT.duplicates")" "$(grep 'duplicate of line' "$OUT")" "duplicates reported"
expect_eq "$(cat "$EXPECT.conflicts")" "$(grep '^line ' "$OUT" | grep -v 'duplicate of line' | sed 's/^line \([0-9]*\): .*/\1/')" "conflicting rows reported"
expect_match ' of MCOMEETADV_GOV is named EXCHANGE_FOUNDATION_GOV already, not EXCHANGE_S_FOUNDATION_GOV$' "$(grep '^line 3312: ' "$OUT")" "a plan GUID under two names: the reason"
expect_eq $((SKIPPED + 3)) "$(wc -l <"$OUT")" "stdout lines: one per skipped row, then three"
if lf_sqlite; then expect_eq 600 "$(stat -c %a -- "$NEW")" "mode of the database import-catalog created"; fi

note "the whole catalog into a mounted database shows at once"
lf_mount
expect_ls "$M/products"
import "$DB" "$CSV"
expect_eq 0 "$LF_RC" "import-catalog into the mounted database: exit status"
expect_eq "products: 568 created, 0 updated, 0 unchanged" "$(grep '^products:' "$OUT")" "products line (mounted)"
expect_eq 1 "$(grep -c "	$(id -u)	import-catalog	$CSV	ok\$" "$M/audit")" "one audit line for the whole import"
expect_eq 568 "$(products_ls | wc -l)" "ls products | wc -l"
tree_products >"$LF_TMP/tree.products"
if cmp -s "$EXPECT.products" "$LF_TMP/tree.products"; then
    pass
else
    fail "products (SKU, name, plans) in the mount differ from the CSV's: $(diff "$EXPECT.products" "$LF_TMP/tree.products" | head -10)"
fi
expect_eq "$PLANS" "$(cat "$M"/products/*/plans | wc -l)" "plans in the mount"

note "AAD_PREMIUM_P2, and the dirt: '/', no-break spaces, tabs, blanks, two GUIDs"
P2=$M/products/AAD_PREMIUM_P2
expect_file "$P2/name" "Microsoft Entra ID P2"
expect_file "$P2/plans" AAD_PREMIUM AAD_PREMIUM_P2 ADALLOM_S_DISCOVERY EXCHANGE_S_FOUNDATION MFA_PREMIUM
expect_exists "$M/products/O365_w%2Fo Teams Bundle_M3"
expect_file "$M/products/O365_w%2Fo Teams Bundle_M3/name" "Microsoft 365 E3 EEA (no Teams)"
expect_eq "$(cut -f1 "$EXPECT.products" | grep -c /)" "$(products_ls | grep -c %2F)" "part numbers with / listed as %2F"
expect_eq 21 "$(products_ls | grep -c %2F)" "the catalog's 21 part numbers with /"
expect_eq 0 "$(products_ls | grep -c $'\xc2\xa0')" "no-break spaces left in part numbers"
expect_eq 0 "$(cat "$M"/products/*/name "$M"/products/*/plans | grep -c $'\xc2\xa0\|\t\|  \|^ \| $')" "no-break spaces, tabs, double, leading or trailing blanks in names and plans"
expect_exists "$M/products/MCOCAP_FACULTY"
expect_exists "$M/products/AAD_PREMIUM_USGOV_GCCHIGH"
expect_match $'^Virtualization Rights for Windows 10 \\(E3/E5\\+VDA\\)$' "$(grep Virtualization "$M/products/M365EDU_A3_FACULTY/plans")" "a plan name with tabs"
expect_exists "$M/products/Microsoft_365_ Business_ Premium_(no Teams)"
expect_eq 1 "$(products_ls | grep -c '^MCOPSTN5$')" "MCOPSTN5 (two GUIDs) is one product"
expect_file "$M/products/MCOPSTN5/name" "$(awk -F '\t' '$1 == "MCOPSTN5" { print $2 }' "$EXPECT.products")"

note "a re-import changes nothing: names, plans, seats, assignments, options"
expect_ok putln "$P2/total" 5
expect_ok mkdir "$M/users/adele@contoso.com"
expect_ok putln "$M/users/adele@contoso.com/usage_location" US
expect_ok touch "$P2/users/adele@contoso.com"
expect_ok putln "$P2/users/adele@contoso.com" disabled_plans=MFA_PREMIUM
expect_ok mkdir "$M/groups/Sales"
expect_ok touch "$M/groups/Sales/licenses/AAD_PREMIUM_P2"
# snapshot: the product with its seats, users and groups, every name and plan list.
snapshot() {
    lf_snapshot "$P2"
    lf_snapshot "$M/users"
    lf_snapshot "$M/groups"
    cat "$M/summary" "$M"/products/*/plans
}
snapshot >"$LF_TMP/before"
T0=$(date +%s%N)
import "$DB" "$CSV"
T1=$(date +%s%N)
note "re-import of the whole catalog: $(((T1 - T0) / 1000000)) ms"
expect_eq 0 "$LF_RC" "re-import: exit status"
expect_eq "products: 0 created, 0 updated, 568 unchanged" "$(grep '^products:' "$OUT")" "re-import: products line"
expect_eq "plans: 0 created, 0 updated, $PLANS unchanged" "$(grep '^plans:' "$OUT")" "re-import: plans line"
expect_eq "$(summary_line $SKIPPED)" "$(tail -n1 "$OUT")" "re-import: summary line"
snapshot >"$LF_TMP/after"
expect_eq "" "$(diff "$LF_TMP/before" "$LF_TMP/after" | head -10)" "the tree after a re-import"
expect_counts AAD_PREMIUM_P2 5 1 4
expect_record "$P2/users/adele@contoso.com" user=adele@contoso.com product=AAD_PREMIUM_P2 \
    state=active direct=yes disabled_plans=MFA_PREMIUM plan=AAD_PREMIUM plan=AAD_PREMIUM_P2 \
    plan=ADALLOM_S_DISCOVERY plan=EXCHANGE_S_FOUNDATION since=T

note "a file refused as a whole leaves the mounted database as it was"
expect_refused_file "bad header (mounted)" 1 "$DB" "$LF_TMP/bad-header.csv"
expect_refused_file "open quote (mounted)" 1 "$DB" "$LF_TMP/open-quote.csv"
snapshot >"$LF_TMP/after"
expect_eq "" "$(diff "$LF_TMP/before" "$LF_TMP/after" | head -10)" "the tree after refused files"

note "a later file: the last display name wins, plans merge, bad rows are skipped by line"
{
    printf '%s\n' "$HEADER"
    printf '%s\n' "Entra ID P2 (renamed),AAD_PREMIUM_P2,84A661C4-E949-4BD2-A560-ED7766FCAF2B,NEW_PLAN,0B3DD3C7-1111-4222-8333-944445555666,A new plan"
    printf '"  Tab\t\tand  NBSP\xc2\xa0name ",\xc2\xa0A/B (x) ,,,,\n'
    printf '%s\n' " Entra ID P2  (renamed) ,AAD_PREMIUM_P2 ,84a661c4-e949-4bd2-a560-ed7766fcaf2b,NEW_PLAN,0b3dd3c7-1111-4222-8333-944445555666,A  new plan"
    printf '%s\n' "X,BAD_GUID,not-a-guid,P,,"
    printf '%s\n' 'X,BAD_PLAN,,"A,B",,'
    printf '%s\n' "only,three,fields"
    printf 'X,TAB\tSKU,,,,\n'
    printf '%s\n' 'X,"MULTI' 'LINE",,,,'
    printf '%s\n' "Entra ID P2 (last),AAD_PREMIUM_P2,84a661c4-e949-4bd2-a560-ed7766fcaf2b,AAD_PREMIUM,41781fb2-bc02-4b7c-bd55-b576c07bb09d,"
    printf '%s\n' "Entra ID P2 (last),AAD_PREMIUM_P2,84a661c4-e949-4bd2-a560-ed7766fcaf2b,MFA_PREMIUM,00000000-0000-0000-0000-000000000001,"
    printf '%s\n' "X,NEW_SKU,84a661c4-e949-4bd2-a560-ed7766fcaf2b,,,"
} >"$LF_TMP/later.csv"
import "$DB" "$LF_TMP/later.csv"
expect_eq 0 "$LF_RC" "later file: exit status"
expect_out "line 4: duplicate of line 2" \
    "line 5: GUID 'not-a-guid' is not a GUID" \
    "line 6: plan name 'A,B' contains a comma" \
    "line 7: 3 fields, not 6" \
    "line 8: String_Id contains a control character" \
    "line 9: String_Id contains a control character" \
    "line 12: plan MFA_PREMIUM of AAD_PREMIUM_P2 has GUID 8a256a2b-b617-496d-b51b-e76466e88db0 already, not 00000000-0000-0000-0000-000000000001" \
    "line 13: skuId 84a661c4-e949-4bd2-a560-ed7766fcaf2b belongs to another product" \
    "products: 1 created, 1 updated, 0 unchanged" \
    "plans: 1 created, 0 updated, 1 unchanged" \
    "11 rows (UTF-8): 3 imported, 8 skipped (1 duplicate, 2 conflicting, 5 bad)"
expect_file "$P2/name" "Entra ID P2 (last)"
expect_file "$P2/plans" AAD_PREMIUM AAD_PREMIUM_P2 ADALLOM_S_DISCOVERY EXCHANGE_S_FOUNDATION MFA_PREMIUM NEW_PLAN
expect_file "$M/products/A%2FB (x)/name" "Tab and NBSP name"
expect_file "$M/products/A%2FB (x)/plans"
expect_absent "$M/products/NEW_SKU"
expect_absent "$M/products/BAD_GUID"
expect_eq 569 "$(products_ls | wc -l)" "products after the later file"
expect_counts AAD_PREMIUM_P2 5 1 4
expect_record "$P2/users/adele@contoso.com" user=adele@contoso.com product=AAD_PREMIUM_P2 \
    state=active direct=yes disabled_plans=MFA_PREMIUM plan=AAD_PREMIUM plan=AAD_PREMIUM_P2 \
    plan=ADALLOM_S_DISCOVERY plan=EXCHANGE_S_FOUNDATION plan=NEW_PLAN since=T
note "the whole catalog again: the display name goes back, NEW_PLAN stays"
import "$DB" "$CSV"
expect_eq "products: 0 created, 1 updated, 567 unchanged" "$(grep '^products:' "$OUT")" "catalog after the later file: products line"
expect_file "$P2/name" "Microsoft Entra ID P2"
expect_file "$P2/plans" AAD_PREMIUM AAD_PREMIUM_P2 ADALLOM_S_DISCOVERY EXCHANGE_S_FOUNDATION MFA_PREMIUM NEW_PLAN

note "a cp1252 file (an older edition) comes in as UTF-8"
{
    printf '%s\r\n' "$HEADER"
    printf 'Caf\351 \223Pro\224 \200,CAFE_PRO,11111111-2222-4333-8444-555555555555,CAF\311_PLAN,aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee,Caf\351 plan\r\n'
    printf 'Undefined \201 byte,BAD_BYTE,,,,\r\n'
    printf 'Na\357ve\240suite,NA\317VE,,S\351curit\351,,\r\n'
} >"$LF_TMP/cp1252.csv"
import "$DB" "$LF_TMP/cp1252.csv"
expect_eq 0 "$LF_RC" "cp1252 file: exit status"
expect_out "line 3: byte 0x81 is not a cp1252 character" \
    "products: 2 created, 0 updated, 0 unchanged" \
    "plans: 2 created, 0 updated, 0 unchanged" \
    "3 rows (cp1252): 2 imported, 1 skipped (0 duplicate, 0 conflicting, 1 bad)"
expect_file "$M/products/CAFE_PRO/name" $'Caf\xc3\xa9 \xe2\x80\x9cPro\xe2\x80\x9d \xe2\x82\xac'
expect_file "$M/products/CAFE_PRO/plans" $'CAF\xc3\x89_PLAN'
expect_file "$M/products/NA"$'\xc3\x8f'"VE/name" $'Na\xc3\xafve suite'
expect_file "$M/products/NA"$'\xc3\x8f'"VE/plans" $'S\xc3\xa9curit\xc3\xa9'
expect_absent "$M/products/BAD_BYTE"

note "progress on a terminal only"
if command -v script >/dev/null 2>&1; then
    NEW2=$(lf_db new2)
    script -qec "$(printf '%q ' "$LICENSEFS" import-catalog "$NEW2" "$CSV")" /dev/null >"$LF_TMP/tty" 2>&1 </dev/null
    expect_eq 1 "$(grep -c 'import-catalog: 5000 of 5457 rows' "$LF_TMP/tty")" "progress shown on a terminal"
    expect_eq 1 "$(grep -c '^products: 568 created' "$LF_TMP/tty")" "report on a terminal"
else
    note "script(1) missing: progress not checked"
fi

lf_unmount
lf_finish
