#!/bin/bash
# Access control (issue 6), with a real second user that the test creates and removes: a
# database (or its -wal, -shm) that the group or others can write or that another non-root user
# owns, and a directory the group or others can write without the sticky bit, are refused with
# exit 3 and one line, by the mount and the verbs alike.
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

# ---------------------------------------------------------------------------------------------
# The second user (AU, in its own group only) and a group (AG), unique to this run and removed on
# exit, whatever happens.

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
note "test user $AU (uid $UID_U, gid $GID_U), group $AG (gid $GID_A)"

# as_other CMD...: CMD as the second user, with no group but its own.
as_other() { setpriv --reuid="$UID_U" --regid="$GID_U" --clear-groups -- "$@"; }
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

# ---------------------------------------------------------------------------------------------

note "the database is created 0600: the other user cannot read it"
lf_mount --demo || lf_finish
expect_mode "$DB" 600
lf_unmount
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

lf_finish
