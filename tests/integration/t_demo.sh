#!/bin/bash
# The --demo tenant as the decisions describe it; changes visible at once through every path;
# the tools people use (ls -l, find, xargs, grep -r, cp -r) work on the tree.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

D=contoso.com
P1=$M/products/AAD_PREMIUM
P2=$M/products/AAD_PREMIUM_P2
SA="$M/groups/Security Admins"
upns() { local u; for u in "$@"; do echo "$u@$D"; done; }
# holder SKU USER DIRECT GROUP...: check a holder file through both paths, mode from DIRECT.
holder() {
    local sku=$1 u=$2@$D d=$3 g mode=444 lines
    shift 3
    lines=("user=$u" "product=$sku" state=active "direct=$d")
    for g in "$@"; do lines+=("group=$g"); done
    lines+=(disabled_plans= plan=AAD_PREMIUM)
    [ "$sku" = AAD_PREMIUM_P2 ] && lines+=(plan=AAD_PREMIUM_P2)
    lines+=(plan=ADALLOM_S_DISCOVERY plan=EXCHANGE_S_FOUNDATION plan=MFA_PREMIUM since=T)
    [ "$d" = yes ] && mode=644
    expect_record "$M/products/$sku/users/$u" "${lines[@]}"
    expect_record "$M/users/$u/licenses/$sku" "${lines[@]}"
    expect_mode "$M/products/$sku/users/$u" $mode
    expect_mode "$M/users/$u/licenses/$sku" $mode
}

lf_mount --demo

note "the demo tenant"
expect_file "$M/tenant/name" Contoso
expect_file "$M/tenant/usage_location" US
expect_ls "$M/products" AAD_PREMIUM AAD_PREMIUM_P2
expect_file "$P1/name" "Microsoft Entra ID P1"
expect_file "$P2/name" "Microsoft Entra ID P2"
expect_counts AAD_PREMIUM 10 9 1 2
expect_counts AAD_PREMIUM_P2 3 3 0 0
expect_ls "$M/users" "$(upns adele alex diego grady isaiah johanna lee megan nestor patti)"
while IFS=: read -r u name loc; do
    expect_file "$M/users/$u@$D/display_name" "$name"
    expect_file "$M/users/$u@$D/usage_location" "$loc"
done <<'EOF'
adele:Adele Vance:US
alex:Alex Wilber:US
diego:Diego Siciliani:DE
grady:Grady Archie:US
isaiah:Isaiah Langer:GB
johanna:Johanna Lorenz:DE
lee:Lee Gu:US
megan:Megan Bowen:US
nestor:Nestor Wilke:FR
patti:Patti Fernandez:
EOF
expect_ls "$M/groups" Engineering Sales "Security Admins"
expect_ls "$M/groups/Sales/members" "$(upns adele alex diego grady)"
expect_ls "$M/groups/Engineering/members" "$(upns isaiah johanna lee megan)"
expect_ls "$SA/members" "$(upns alex megan nestor)"
expect_ls "$M/groups/Sales/licenses" AAD_PREMIUM
expect_ls "$M/groups/Engineering/licenses" AAD_PREMIUM
expect_ls "$SA/licenses" AAD_PREMIUM_P2
expect_ls "$P1/groups" Engineering Sales
expect_ls "$P2/groups" "Security Admins"
expect_ls "$P1/users" "$(upns adele alex diego grady isaiah johanna lee megan nestor)"
expect_ls "$P2/users" "$(upns lee megan nestor)"
expect_ls "$P1/errors"
expect_ls "$P2/errors" alex@$D
expect_ls "$SA/errors" alex@$D
expect_ls "$M/groups/Sales/errors"
expect_ls "$M/groups/Engineering/errors"

note "demo records"
holder AAD_PREMIUM adele yes Sales
holder AAD_PREMIUM nestor yes
holder AAD_PREMIUM alex no Sales
holder AAD_PREMIUM megan no Engineering
holder AAD_PREMIUM lee no Engineering
holder AAD_PREMIUM_P2 lee yes
holder AAD_PREMIUM_P2 megan no "Security Admins"
holder AAD_PREMIUM_P2 nestor no "Security Admins"
expect_record "$P1/groups/Sales" group=Sales product=AAD_PREMIUM members=4 errors=0 disabled_plans= since=T
expect_record "$M/groups/Engineering/licenses/AAD_PREMIUM" group=Engineering product=AAD_PREMIUM members=4 errors=0 disabled_plans= since=T
expect_record "$P2/groups/Security Admins" "group=Security Admins" product=AAD_PREMIUM_P2 members=3 errors=1 disabled_plans= since=T
expect_record "$P2/errors/alex@$D" "user=alex@$D" product=AAD_PREMIUM_P2 error=CountViolation direct=no "group=Security Admins" since=T
expect_record "$SA/errors/alex@$D" "user=alex@$D" "group=Security Admins" error=CountViolation product=AAD_PREMIUM_P2 since=T
expect_record "$SA/members/megan@$D" "user=megan@$D" "group=Security Admins" since=T
expect_record "$M/users/megan@$D/groups/Security Admins" "user=megan@$D" "group=Security Admins" since=T
expect_ls "$M/users/alex@$D/groups" Sales "Security Admins"
expect_ls "$M/users/alex@$D/licenses" AAD_PREMIUM
expect_ls "$M/users/megan@$D/licenses" AAD_PREMIUM AAD_PREMIUM_P2
expect_ls "$M/users/patti@$D/licenses"
expect_ls "$M/users/patti@$D/groups"

note "find -perm 444 lists inherited-only holders"
expect_eq "$(printf '%s\n' "$P1/users/"{alex,diego,grady,isaiah,johanna,lee,megan}@$D "$P2/users/"{megan,nestor}@$D)" \
    "$(find "$M" -perm 444 -path '*/products/*/users/*' | sort)" "find MNT -perm 444 -path '*/products/*/users/*'"
expect_eq "$(printf '%s\n' "$P1/users/"{adele,nestor}@$D "$P2/users/lee@$D")" \
    "$(find "$M" -perm 644 -path '*/products/*/users/*' | sort)" "find MNT -perm 644 -path '*/products/*/users/*'"
expect_eq "$(printf '%s\n' "$M/users/"{alex,diego,grady,isaiah,johanna,lee}@$D/licenses/AAD_PREMIUM "$M/users/megan@$D/licenses/"{AAD_PREMIUM,AAD_PREMIUM_P2} "$M/users/nestor@$D/licenses/AAD_PREMIUM_P2")" \
    "$(find "$M/users" -perm 444 -path '*/licenses/*' | sort)" "find MNT/users -perm 444 -path '*/licenses/*'"

# mode_of RELPATH TYPE: the mode the decisions give a path of the tree ("holder" for holder files).
mode_of() {
    local p=$1
    if [ "$2" = d ]; then
        case $p in
            ""|tenant|users/*/groups|groups/*/errors) echo 555 ;;
            products|users|groups|products/*/users|products/*/groups|users/*/licenses) echo 755 ;;
            products/*/errors|products/*/subscriptions|deleted_users) echo 755 ;;
            products/*/subscriptions/*) echo 555 ;;
            groups/*/members|groups/*/licenses) echo 755 ;;
            products/*|users/*|groups/*) echo 555 ;;
            *) echo "?" ;;
        esac
    else
        case $p in
            audit|summary|tenant/plan_conflicts|tenant/plan_dependencies) echo 444 ;;
            tenant/name|tenant/usage_location|products/*/plans) echo 644 ;;
            products/*/users/*|users/*/licenses/*) echo holder ;;
            products/*/groups/*|groups/*/licenses/*|groups/*/members/*) echo 644 ;;
            products/*/errors/*|groups/*/errors/*|users/*/groups/*) echo 444 ;;
            products/*/assigned|products/*/available) echo 444 ;;
            products/*/name|products/*/total|products/*/expiring_soon) echo 644 ;;
            products/*/subscriptions/*/seats|products/*/subscriptions/*/ends) echo 644 ;;
            products/*/subscriptions/*/trial) echo 644 ;;
            products/*/subscriptions/*/*) echo 444 ;;
            users/*/display_name|users/*/usage_location) echo 644 ;;
            *) echo "?" ;;
        esac
    fi
}
# check_tree: every node's mode and st_size against the decisions.
check_tree() {
    local mode type path want bad=0 n=0 size bytes
    while read -r mode type path; do
        n=$((n + 1))
        want=$(mode_of "$path" "$type")
        if [ "$want" = holder ]; then
            want=444
            grep -qx 'direct=yes' "$M/$path" && want=644
        fi
        if [ "$mode" != "$want" ]; then
            fail "mode of ${path:-/}: expected $want, got $mode"
            bad=1
        fi
        if [ "$type" = f ]; then
            size=$(stat -c %s "$M/$path")
            # shellcheck disable=SC2002 # wc -c on a file would trust st_size
            bytes=$(cat "$M/$path" | wc -c)
            # Only a list (plans) may be empty: a value file always has its newline.
            if [ "$size" != "$bytes" ] || { [ "$size" = 0 ] && [[ $path != */plans ]]; }; then
                fail "st_size of $path: $size, cat prints $bytes bytes"
                bad=1
            fi
        elif [ "$type" != d ]; then
            fail "type of $path: $type"
            bad=1
        fi
    done < <(find "$M" -printf '%m %y %P\n')
    [ "$bad" = 0 ] && pass
    expect_match '^[0-9]{3,}$' "$n" "number of nodes in the tree"
}
note "modes and sizes of every node; owner is the mounting user"
check_tree
expect_eq "$(id -u) $(id -g)" "$(find "$M" -printf '%U %G\n' | sort -u)" "owner of every node"

note "changes are visible at once through every path"
expect_mode "$M/users/lee@$D/licenses/AAD_PREMIUM" 444
expect_ok touch "$P1/users/lee@$D"
expect_mode "$M/users/lee@$D/licenses/AAD_PREMIUM" 644
# shellcheck disable=SC2012 # ls -l is the tool under test
expect_eq "-rw-r--r--" "$(ls -l "$P1/users" | awk -v u="lee@$D" '$NF == u { print $1 }')" "ls -l mode of lee's holder file"
expect_ok rm "$M/users/lee@$D/licenses/AAD_PREMIUM"
expect_mode "$P1/users/lee@$D" 444
expect_exists "$P1/users/lee@$D"
expect_ls "$P1/users" "$(upns adele alex diego grady isaiah johanna lee megan nestor)"
expect_absent "$P1/users/patti@$D"
expect_ok touch "$M/groups/Engineering/members/patti@$D"
expect_ls "$P1/users" "$(upns adele alex diego grady isaiah johanna lee megan nestor patti)"
expect_mode "$P1/users/patti@$D" 444
expect_ls "$M/users/patti@$D/groups" Engineering
expect_ls "$M/users/patti@$D/licenses" AAD_PREMIUM
holder AAD_PREMIUM patti no Engineering
expect_counts AAD_PREMIUM 10 10 0
expect_absent "$P2/users/adele@$D"
expect_absent "$P2/errors/adele@$D"
expect_ok touch "$SA/members/adele@$D"
expect_exists "$P2/errors/adele@$D"
expect_ls "$SA/errors" "$(upns adele alex)"
expect_record "$P2/groups/Security Admins" "group=Security Admins" product=AAD_PREMIUM_P2 members=4 errors=2 disabled_plans= since=T
expect_ok putln "$P2/total" 4
expect_exists "$P2/users/alex@$D"
expect_absent "$P2/errors/alex@$D"
expect_exists "$P2/errors/adele@$D"
expect_ok putln "$P2/total" 5
expect_exists "$P2/users/adele@$D"
expect_absent "$P2/errors/adele@$D"
expect_ls "$SA/errors"
holder AAD_PREMIUM_P2 adele no "Security Admins"
holder AAD_PREMIUM_P2 alex no "Security Admins"
expect_counts AAD_PREMIUM_P2 5 5 0
expect_exists "$P1/users/grady@$D"
expect_ok rm "$M/groups/Sales/members/grady@$D"
expect_absent "$P1/users/grady@$D"
expect_absent "$M/users/grady@$D/licenses/AAD_PREMIUM"
expect_counts AAD_PREMIUM 10 9 1

note "ls -l, grep -r, find, xargs, cp -r"
# shellcheck disable=SC2012 # ls -l is the tool under test
expect_eq "$(printf '%s\n' "-rw-r--r-- adele@$D" "-r--r--r-- alex@$D" "-r--r--r-- diego@$D" \
    "-r--r--r-- isaiah@$D" "-r--r--r-- johanna@$D" "-r--r--r-- lee@$D" "-r--r--r-- megan@$D" \
    "-rw-r--r-- nestor@$D" "-r--r--r-- patti@$D")" \
    "$(ls -l "$P1/users" | awk 'NR > 1 { print $1, $NF }')" "ls -l products/AAD_PREMIUM/users"
expect_eq "total 0" "$(ls -l "$P1/errors")" "ls -l of an empty errors directory"
expect_eq "$(printf '%s\n' "$P1/users/adele@$D" "$P1/users/nestor@$D" "$P2/users/lee@$D")" \
    "$(grep -rlx 'direct=yes' "$M/products" | sort)" "grep -rlx direct=yes MNT/products"
expect_eq "$(upns diego johanna)" "$(grep -lx DE "$M"/users/*/usage_location | awk -F/ '{ print $(NF-1) }')" "grep -lx DE users/*/usage_location"
expect_eq "$M/users/patti@$D/usage_location" "$(grep -L . "$M"/users/*/usage_location)" "grep -L . users/*/usage_location (users without location)"
expect_eq "$(printf '%s\n' 10 5)" "$(cat "$P1/total" "$P2/total")" "cat of two count files"
expect_eq 5 "$(grep -rh '^user=' "$P2/users" | wc -l)" "grep -rh ^user= products/AAD_PREMIUM_P2/users"
expect_ok mkdir "$M/products/NEW"
expect_ok putln "$M/products/NEW/total" 20
expect_fail "Invalid argument" sh -c "ls '$M/users' | xargs -I{} touch '$M/products/NEW/users/{}'"
expect_counts NEW 20 9 11
expect_ls "$M/products/NEW/users" "$(upns adele alex diego grady isaiah johanna lee megan nestor)"
expect_ok sh -c "find '$M/groups/Engineering/members' -type f -printf '%f\n' | grep -v patti | xargs -I{} rm '$M/products/NEW/users/{}'"
expect_counts NEW 20 5 15
expect_ok sh -c "find '$M/products/NEW/users' -type f -print0 | xargs -0 rm --"
expect_counts NEW 20 0 20
expect_ok sh -c "printf '%s\n' '$M'/users/*@$D | sed 's|.*/||' | grep -v patti | xargs -I{} touch '$M/groups/Sales/members/{}'"
expect_ls "$M/groups/Sales/members" "$(upns adele alex diego grady isaiah johanna lee megan nestor)"
expect_counts AAD_PREMIUM 10 10 0
expect_ls "$P1/errors"
expect_ok cp -r "$M/products" "$LF_TMP/copy"
expect_ok diff -r "$M/products" "$LF_TMP/copy"
expect_eq "$(find "$M/products" | wc -l)" "$(find "$LF_TMP/copy" | wc -l)" "number of nodes copied by cp -r"
check_tree
lf_unmount

note "remount: the changes persist, --demo does not refill"
lf_mount --demo
expect_counts AAD_PREMIUM_P2 5 5 0
expect_counts NEW 20 0 20
expect_ls "$M/groups/Sales/members" "$(upns adele alex diego grady isaiah johanna lee megan nestor)"
expect_ls "$M/users/patti@$D/groups" Engineering
lf_unmount

lf_finish
