#!/bin/bash
# Access control, with a real second user and group that the test creates and removes:
# - the database file checks: a database (or its -wal, -shm) that the group or others can write
#   or that another non-root user owns, and a directory the group or others can write without
#   the sticky bit, are refused with exit 3 and one line, by the mount and the verbs alike;
# - the options: admin_group=NAME must name a group (exit 2), allow_other and admin_group reach
#   the kernel with default_permissions;
# - without allow_other the other user cannot even stat the mount; with it, the other user reads
#   and every change is "Permission denied", and nothing changes.
# - what the filesystem side of access control does: the daemon refuses a non-admin the kernel
#   lets through (CAP_DAC_OVERRIDE) and audits it, and with admin_group the nodes' group and
#   modes and what members (by the caller's credentials) and others may do.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

if [ "$(id -u)" -ne 0 ]; then
    echo "$LF_NAME: SKIP: needs root (it creates a user and a group)"
    exit 77
fi
for c in useradd userdel groupadd groupdel usermod setpriv getent; do
    if ! command -v "$c" >/dev/null; then
        echo "$LF_NAME: SKIP: $c missing"
        exit 77
    fi
done

DATA=$(dirname -- "$0")/../data
P=$M/products/AAD_PREMIUM
NEW=newbie@contoso.com         # made by root with a usage location; no license yet
HOLDER=adele@contoso.com       # holds AAD_PREMIUM directly (and through Sales)
INHERITED=alex@contoso.com     # holds AAD_PREMIUM through Sales only

# ---------------------------------------------------------------------------------------------
# The second user (AU, in its own group only) and the admin group (AG), unique to this run and
# removed on exit, whatever happens.

AU=lfacc$$u
AG=lfacc$$g
ACCOUNTS=
remove_accounts() {
    local a
    for a in $ACCOUNTS; do
        case $a in
            user:*) userdel -- "${a#user:}" >/dev/null 2>&1 ;;   # its own group goes with it
            group:*) groupdel -- "${a#group:}" >/dev/null 2>&1 ;;
        esac
    done
}
trap 'lf_cleanup; remove_accounts' EXIT

# retry CMD...: useradd and friends fail while another process holds /etc/passwd's lock.
retry() {
    local _
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        "$@" && return 0
        sleep 0.3
    done
    return 1
}

if getent passwd "$AU" >/dev/null || getent group "$AU" >/dev/null || getent group "$AG" >/dev/null; then
    echo "$LF_NAME: user or group $AU/$AG exists already" >&2
    exit 1
fi
retry groupadd -- "$AG" || { echo "$LF_NAME: groupadd $AG failed" >&2; exit 1; }
ACCOUNTS="group:$AG"
retry useradd --no-create-home --user-group --shell /usr/sbin/nologin -- "$AU" ||
    { echo "$LF_NAME: useradd $AU failed" >&2; exit 1; }
ACCOUNTS="user:$AU group:$AU $ACCOUNTS"
UID_U=$(id -u -- "$AU") GID_U=$(id -g -- "$AU")
GID_A=$(getent group "$AG" | cut -d: -f3)
note "test user $AU (uid $UID_U, gid $GID_U), admin group $AG (gid $GID_A)"

# as_other CMD...: CMD as the second user, with no group but its own.
as_other() { setpriv --reuid="$UID_U" --regid="$GID_U" --clear-groups -- "$@"; }
# as_admin CMD...: the same user with the admin group as a supplementary group, as the kernel sees
# it (the group database is not asked).
as_admin() { setpriv --reuid="$UID_U" --regid="$GID_U" --groups="$GID_A" -- "$@"; }
# as_admin_primary CMD...: the same user with the admin group as its primary group.
as_admin_primary() { setpriv --reuid="$UID_U" --regid="$GID_A" --clear-groups -- "$@"; }
# as_login CMD...: the user with the groups a new login gets from the group database.
as_login() { setpriv --reuid="$UID_U" --regid="$GID_U" --init-groups -- "$@"; }
# as_capable CMD...: a non-admin with CAP_DAC_OVERRIDE, which passes the kernel's mode checks:
# only the daemon's own check stops it.
as_capable() {
    setpriv --reuid="$UID_U" --regid="$GID_U" --clear-groups --inh-caps=+dac_override \
        --ambient-caps=+dac_override -- "$@"
}
# write_as WHO PATH VALUE: echo VALUE > PATH, as WHO (one of the above).
write_as() { "$1" bash -c 'echo "$2" > "$1"' write_as "$2" "$3"; }

# The other user must reach the mount point (LF_TMP is 0700), and under a wrapper it runs
# licensefs too, leaving its report beside root's.
chmod 0711 -- "$LF_TMP"
[ -n "${LICENSEFS_WRAPPER_LOGS:-}" ] && chmod 1777 -- "$LICENSEFS_WRAPPER_LOGS"

# expect_refused WHAT CODE REGEX ARGS...: expect_refusal, and the line matches REGEX.
expect_refused() {
    local what=$1 code=$2 re=$3
    shift 3
    expect_refusal "$what" "$code" "$@"
    expect_match "^licensefs: .*$re" "$LF_ERR" "$what: stderr"
}

# expect_mounts WHAT ARGS...: lf_mount ARGS works (and lf_unmount).
expect_mounts() {
    local what=$1
    shift
    note "$what: mounts"
    lf_mount "$@" && lf_unmount
}

# mount_options: the options of the mount on $M in /proc/mounts, one a line.
mount_options() { awk -v m="$M" '$2 == m { print $4 }' /proc/mounts | tr , '\n'; }

# ---------------------------------------------------------------------------------------------

note "the tenant is made with the demo"
lf_mount --demo || lf_finish
expect_ok mkdir "$M/users/$NEW"
expect_ok putln "$M/users/$NEW/usage_location" US
lf_unmount

if ! lf_sqlite; then
    # On a server, access is the server's roles: a role that may not use the tenant's schema
    # is refused like a file others could change, and the tenant is as it was.
    note "a role without rights on the tenant's schema: exit 3"
    psql -h "$LF_PG" -U postgres -d postgres -XAtq -c "CREATE ROLE lf_nobody LOGIN"
    expect_refused "a role without rights" 3 "permission denied" -f "${DB/user=postgres/user=lf_nobody}" "$M"
    expect_refused "a role without rights: export" 3 "permission denied" export "${DB/user=postgres/user=lf_nobody}"
    expect_eq 1 "$(lf_sql tenant "SELECT count(*) FROM users WHERE upn = '$NEW'")" "the tenant after the refusals"
fi

# The files' checks: SQLite's alone.
if lf_sqlite; then
note "the database is created 0600: the other user cannot read it"
expect_mode "$DB" 600
expect_fail "Permission denied" as_other cat -- "$DB"

note "a database the group or others can write: exit 3"
for mode in 664 660 620 606 602 666; do
    chmod "$mode" -- "$DB"
    expect_refused "database mode $mode" 3 "$DB: .*can write the database \\(mode 0$mode" -f "$DB" "$M"
done
chmod 664 -- "$DB"
expect_refused "database mode 664, daemon mode" 3 "can write the database" "$DB" "$M"
for mode in 640 604 644; do
    chmod "$mode" -- "$DB"
    expect_mounts "database mode $mode (others may read)"
done
chmod 600 -- "$DB"

note "a database owned by another user: exit 3; by root or this user: mounts"
chown -- "$AU" "$DB"
expect_refused "database owned by $AU" 3 "belongs to user $AU \\(uid $UID_U\\), not to this user or root" -f "$DB" "$M"
chown -- "$UID_U:0" "$DB"
expect_refused "database owned by uid $UID_U" 3 "belongs to user $AU" -f "$DB" "$M"
chown -- "0:$AG" "$DB"
expect_mounts "database owned by root, group $AG, mode 0600"
chown -- 0:0 "$DB"

note "its -wal and -shm files are held to the same rules"
: >"$DB-wal"
chown -- "$AU" "$DB-wal"
expect_refused "a -wal file owned by $AU" 3 "$DB-wal: the database's -wal file belongs to user $AU" -f "$DB" "$M"
rm -f -- "$DB-wal"
: >"$DB-shm"
chmod 0666 -- "$DB-shm"
expect_refused "a -shm file mode 0666" 3 "$DB-shm: .*can write the database's -shm file" -f "$DB" "$M"
rm -f -- "$DB-shm"

note "through a symbolic link, the file it points to counts"
ln -s -- "$DB" "$LF_TMP/link.db"
chmod 660 -- "$DB"
expect_refused "link to a database of mode 660" 3 "$DB: .*can write the database" -f "$LF_TMP/link.db" "$M"
chmod 600 -- "$DB"
expect_mounts "link to a database of mode 600" --db "$LF_TMP/link.db"

note "a directory the group or others can write, without the sticky bit: exit 3"
DIR=$LF_TMP/dir
mkdir -- "$DIR"
for mode in 777 775 770 757 703; do
    chmod "$mode" -- "$DIR"
    expect_refused "directory mode $mode, new database" 3 "$DIR: .*can write the database's directory, which lacks the sticky bit \\(mode 0$mode\\)" -f "$DIR/t.db" "$M"
done
expect_absent "$DIR/t.db"
for mode in 1777 1775 755 700; do
    chmod "$mode" -- "$DIR"
    expect_mounts "directory mode $mode" --db "$DIR/t.db"
done
expect_mode "$DIR/t.db" 600
chmod 775 -- "$DIR"
expect_refused "directory mode 775, existing database" 3 "$DIR: .*lacks the sticky bit" -f "$DIR/t.db" "$M"
(cd -- "$DIR" && timeout $((10 * LF_SLOW)) "$LICENSEFS" -f t.db "$M" </dev/null >"$LF_TMP/out" 2>"$LF_TMP/err")
expect_eq 3 "$?" "directory mode 775, a relative path: exit status"
expect_match "^licensefs: $DIR: .*lacks the sticky bit" "$(cat -- "$LF_TMP/err")" "directory mode 775, a relative path: stderr"
chmod 755 -- "$DIR"

note "the verbs refuse the same files"
chmod 664 -- "$DB"
expect_refused "export of a database of mode 664" 3 "can write the database" export "$DB"
expect_refused "export-csv of a database of mode 664" 3 "can write the database" export-csv "$DB"
expect_refused "import-catalog into a database of mode 664" 3 "can write the database" import-catalog "$DB" "$DATA/product-catalog.csv"
expect_refused "import into a database of mode 664" 3 "can write the database" import "$DB" "$DATA/snapshot.json"
chmod 600 -- "$DB"
chmod 777 -- "$DIR"
expect_refused "export, a new database in a directory of mode 777" 3 "lacks the sticky bit" export "$DIR/new.db"
expect_absent "$DIR/new.db"
chmod 755 -- "$DIR"
lf_run "$LF_TMP/out" "$LF_TMP/err" export "$DB"
expect_eq 0 "$LF_RC" "export of a database of mode 600: exit status ($(cat -- "$LF_TMP/err"))"
fi

# ---------------------------------------------------------------------------------------------

note "admin_group must name a group: exit 2"
expect_refused "an unknown admin_group" 2 "'admin_group=${AG}x': no such group" -f -o "admin_group=${AG}x" "$DB" "$M"
expect_refused "an empty admin_group" 2 "admin_group=" -f -o admin_group= "$DB" "$M"
expect_refused "an unknown gid" 2 "no such group" -o allow_other,admin_group=4294967294 "$DB" "$M"
expect_refused "a gid out of range" 2 "no such group" -o admin_group=4294967296 "$DB" "$M"

note "--help tells of allow_other and admin_group, in 80 columns"
lf_run "$LF_TMP/out" "$LF_TMP/err" --help
expect_match 'allow_other' "$(cat -- "$LF_TMP/out")" "--help mentions allow_other"
expect_match 'admin_group=NAME' "$(cat -- "$LF_TMP/out")" "--help mentions admin_group=NAME"
expect_eq "" "$(awk 'length($0) > 80' "$LF_TMP/out")" "--help lines longer than 80 columns"

note "allow_other and admin_group reach the kernel with default_permissions"
lf_mount
expect_eq "" "$(mount_options | grep -xE 'allow_other|default_permissions')" "options of a default mount"
lf_unmount
for opts in allow_other "admin_group=$AG" "admin_group=$GID_A" "allow_other,admin_group=$AG" \
    "default_permissions,allow_other"; do
    lf_mount -o "$opts"
    expect_eq $'allow_other\ndefault_permissions' "$(mount_options | grep -xE 'allow_other|default_permissions' | sort)" "-o $opts: mount options"
    lf_unmount
done
lf_mount -o default_permissions
expect_eq default_permissions "$(mount_options | grep -xE 'allow_other|default_permissions')" "-o default_permissions alone: mount options"
lf_unmount

# ---------------------------------------------------------------------------------------------

note "without allow_other only the mounting user enters the mount (FUSE's rule)"
lf_mount
for who in as_other as_admin; do
    expect_fail "Permission denied" "$who" stat -- "$M"
    expect_fail "Permission denied" "$who" ls -- "$M/products"
    expect_fail "Permission denied" "$who" cat -- "$M/tenant/name"
done
expect_ok stat -- "$M/products"
lf_unmount

# changes_refused WHO: every change as WHO is "Permission denied" and changes nothing.
changes_refused() {
    local who=$1 before
    before=$(lf_snapshot "$M")
    expect_fail "Permission denied" "$who" touch -- "$P/users/$NEW"
    expect_fail "Permission denied" "$who" touch -- "$M/users/$NEW/licenses/AAD_PREMIUM"
    expect_fail "Permission denied" "$who" touch -- "$P/users/$HOLDER"
    expect_fail "Permission denied" "$who" rm -f -- "$P/users/$HOLDER"
    expect_fail "Permission denied" "$who" rm -f -- "$M/groups/Sales/members/$HOLDER"
    expect_fail "Permission denied" "$who" touch -- "$M/groups/Sales/members/$NEW"
    expect_fail "Permission denied" "$who" touch -- "$P/groups/Engineering"
    expect_fail "Permission denied" "$who" mkdir -- "$M/products/INTRUDER"
    expect_fail "Permission denied" "$who" mkdir -- "$M/users/intruder@contoso.com"
    expect_fail "Permission denied" "$who" mkdir -- "$M/groups/Intruders"
    expect_fail "Permission denied" "$who" rmdir -- "$M/users/$NEW"
    expect_fail "Permission denied" write_as "$who" "$P/total" 99
    expect_fail "Permission denied" write_as "$who" "$M/tenant/name" Intruders
    expect_fail "Permission denied" write_as "$who" "$M/users/$NEW/usage_location" DE
    expect_fail "Permission denied" write_as "$who" "$P/users/$HOLDER" "disabled_plans="
    expect_unchanged "$before" "$who's refused changes"
}
# reads_allowed WHO: WHO reads what root reads.
reads_allowed() {
    local who=$1
    expect_eq "$(cat -- "$M/tenant/name")" "$("$who" cat -- "$M/tenant/name" 2>&1)" "$who: cat tenant/name"
    expect_eq "$(ls -- "$M/products")" "$("$who" ls -- "$M/products" 2>&1)" "$who: ls products"
    expect_eq "$(cat -- "$P/users/$HOLDER")" "$("$who" cat -- "$P/users/$HOLDER" 2>&1)" "$who: cat a holder record"
    expect_eq "$(cat -- "$M/summary")" "$("$who" cat -- "$M/summary" 2>&1)" "$who: cat summary"
}

note "allow_other: others read; every change is Permission denied and changes nothing"
lf_mount -o allow_other
reads_allowed as_other
changes_refused as_other
changes_refused as_admin        # without admin_group, the group means nothing
for node in "$M" "$M/products" "$P/total" "$P/users/$HOLDER" "$M/users/$NEW/display_name" "$M/audit"; do
    expect_eq root:root "$(stat -c %U:%G -- "$node")" "owner of $node"
done
expect_mode "$M/products" 755
expect_mode "$P/total" 644
expect_mode "$P/users/$HOLDER" 644
expect_mode "$P/users/$INHERITED" 444
expect_eq "$P/users/$INHERITED" "$(grep -l '^direct=no$' -- "$P/users/$INHERITED")" "an inherited-only holder by its content"
note "the mounting user (root) may change"
expect_ok touch -- "$P/users/$NEW"
expect_ok rm -- "$P/users/$NEW"
lf_unmount

# ---------------------------------------------------------------------------------------------
# The filesystem side of access control. Each part starts from the same tenant, so that a
# change let through wrongly shows once.

expect_ok "$LICENSEFS" copy "$DB" "$(lf_db orig)"
fresh_tenant() { "$LICENSEFS" copy --replace "$(lf_db orig)" "$DB"; }

# expect_audited OP PATH: the audit log has a line of the second user's OP on PATH refused with
# EACCES and a reason.
expect_audited() {
    local line
    line=$(grep -P "^[^\\t]+\\t$UID_U\\t$1\\t\\Q$2\\E\\t" -- "$M/audit" | tail -n1)
    expect_match $'^[^\t]+\t'"$UID_U"$'\t'"$1"$'\t[^\t]+\tEACCES\t.+$' "$line" "audit line of $1 $2 by uid $UID_U"
}

note "the daemon checks too: a non-admin with CAP_DAC_OVERRIDE is refused, and audited"
fresh_tenant
lf_mount -o allow_other
before=$(lf_snapshot "$M")
expect_fail "Permission denied" as_capable touch -- "$P/users/$NEW"
expect_fail "Permission denied" as_capable mkdir -- "$M/products/INTRUDER"
expect_fail "Permission denied" write_as as_capable "$P/total" 99
expect_fail "Permission denied" as_capable rm -- "$P/users/$HOLDER"
expect_unchanged "$before" "the refused changes of a capable non-admin"
expect_audited create "/products/AAD_PREMIUM/users/$NEW"
expect_audited mkdir /products/INTRUDER
expect_audited unlink "/products/AAD_PREMIUM/users/$HOLDER"
lf_unmount

note "admin_group: nodes group-owned by it, writable ones 0664/0775, holders included"
fresh_tenant
lf_mount -o "admin_group=$AG"
for node in "$M" "$M/products" "$P" "$P/total" "$P/assigned" "$P/users" "$P/users/$HOLDER" \
    "$P/users/$INHERITED" "$M/users/$NEW/display_name" "$M/groups/Sales/members" "$M/audit"; do
    expect_eq "root:$AG" "$(stat -c %U:%G -- "$node")" "owner of $node with admin_group"
done
expect_mode "$M" 555
expect_mode "$M/products" 775
expect_mode "$P" 555
expect_mode "$P/total" 664
expect_mode "$P/assigned" 444
expect_mode "$P/users" 775
expect_mode "$P/users/$HOLDER" 664
expect_mode "$P/users/$INHERITED" 664
expect_mode "$M/users/$NEW/display_name" 664
expect_mode "$M/groups/Sales/members" 775
expect_mode "$M/audit" 444
expect_eq "$P/users/$INHERITED" "$(grep -l '^direct=no$' -- "$P/users/$INHERITED")" "an inherited-only holder by its content, with admin_group"

note "admin_group: a non-member reads, and may change nothing"
reads_allowed as_other
changes_refused as_other
before=$(lf_snapshot "$M")
expect_fail "Permission denied" as_capable touch -- "$P/users/$NEW"
expect_unchanged "$before" "a capable non-member's refused touch"
expect_audited create "/products/AAD_PREMIUM/users/$NEW"
lf_unmount

note "admin_group: a member by its credentials may change (supplementary or primary group)"
fresh_tenant
lf_mount -o "admin_group=$AG"
expect_ok as_admin touch -- "$P/users/$NEW"
expect_file "$P/assigned" 10
expect_ok as_admin rm -- "$P/users/$NEW"
expect_ok as_admin_primary touch -- "$M/users/$NEW/licenses/AAD_PREMIUM"
expect_ok as_admin_primary rm -- "$M/users/$NEW/licenses/AAD_PREMIUM"
expect_ok write_as as_admin "$P/total" 12
expect_file "$P/total" 12
expect_ok write_as as_admin "$P/total" 10
expect_ok as_admin mkdir -- "$M/products/ADMINS"
expect_ok as_admin rmdir -- "$M/products/ADMINS"
expect_ok as_admin touch -- "$M/groups/Sales/members/$NEW"
expect_ok as_admin rm -- "$M/groups/Sales/members/$NEW"
expect_ok write_as as_admin "$M/users/$NEW/display_name" "New Bie"
expect_file "$M/users/$NEW/display_name" "New Bie"
if grep -qP "^[^\\t]+\\t$UID_U\\twrite\\t/products/AAD_PREMIUM/total\\tok$" -- "$M/audit"; then
    pass
else
    fail "no audit line of the admin's write of total (uid $UID_U, ok)"
fi

note "membership is the caller's credentials, not the group database"
retry usermod -a -G "$AG" -- "$AU" || fail "usermod -a -G $AG $AU failed"
expect_fail "Permission denied" as_other touch -- "$P/users/$NEW"   # an old login
expect_ok as_login touch -- "$P/users/$NEW"                          # a new login
expect_ok rm -- "$P/users/$NEW"

note "admin_group: root may change"
expect_ok touch -- "$P/users/$NEW"
expect_ok rm -- "$P/users/$NEW"
lf_unmount

lf_finish
