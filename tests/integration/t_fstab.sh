#!/bin/bash
# mount(8) and fstab: with licensefs installed where sh's default PATH finds it (the build's
# install, bound over /usr/local/bin in a private mount namespace), `mount -t fuse.licensefs`
# and an fstab line of type fuse.licensefs mount through mount.fuse3, umount unmounts and ends
# the daemon, and a mount that fails fails mount(8) with licensefs's message and exit status.
LF_PRIVATE_MOUNTS=1
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

if [ ! -x /sbin/mount.fuse3 ] && [ ! -x /usr/sbin/mount.fuse3 ]; then
    echo "t_fstab: SKIP: mount.fuse3 (package fuse3) is not installed"
    exit 77
fi
MOUNT=$(command -v mount) UMOUNT=$(command -v umount)

# lf_mount8 ARGS...: mount(8) as the boot or an admin's shell runs it, without PATH (so that
# mount.fuse3's `sh -c 'licensefs ...'` searches sh's default PATH); output to $LF_TMP/out, the
# exit status in LF_RC.
lf_mount8() {
    timeout 20 env -u PATH "$MOUNT" "$@" >"$LF_TMP/out" 2>&1 </dev/null
    LF_RC=$?
}

# expect_mounted_tenant WHAT: $M is a licensefs mount of $DB the moment mount(8) returned, and
# serves the tenant.
expect_mounted_tenant() {
    if lf_is_mounted "$M"; then pass; else fail "$1: $M is not mounted when mount(8) returns"; fi
    expect_eq "$DB $M fuse.licensefs" "$(awk -v m="$M" '$2 == m { print $1, $2, $3 }' /proc/mounts)" "$1: /proc/mounts line"
    expect_file "$M/tenant/name" "Default Directory"
}

# expect_umount WHAT: umount(8) unmounts $M and the daemon ends.
expect_umount() {
    local out
    if out=$(env -u PATH "$UMOUNT" "$M" 2>&1); then pass; else fail "$1: umount $M: $out"; fi
    if lf_wait_unmounted "$M"; then pass; else fail "$1: $M still mounted after umount"; fi
    for _ in $(seq 100); do
        pgrep -f "^$(lf_regex "licensefs $DB $M ")" >/dev/null || break
        sleep 0.05
    done
    if pgrep -f "^$(lf_regex "licensefs $DB $M ")" >/dev/null; then
        fail "$1: the daemon is alive 5 s after umount"
    else
        pass
    fi
}

# expect_mount_refused WHAT STATUS MESSAGE ARGS...: mount(8) ARGS fails with STATUS, prints
# licensefs's one-line MESSAGE, and nothing is mounted.
expect_mount_refused() {
    local what=$1 status=$2 message=$3
    shift 3
    lf_mount8 "$@"
    expect_eq "$status" "$LF_RC" "$what: exit status of mount(8)"
    expect_eq "$message" "$(cat "$LF_TMP/out")" "$what: output of mount(8)"
    if lf_any_mount_at "$M"; then
        fail "$what: something is mounted on $M"
        umount -l "$M"
    else
        pass
    fi
}

note "install into a temporary prefix, bound over /usr/local/bin"
R=$LF_TMP/root
lf_install "$R" || lf_finish
mount --bind "$R$LICENSEFS_BINDIR" /usr/local/bin
expect_eq /usr/local/bin/licensefs "$(env -u PATH /bin/sh -c 'command -v licensefs')" "licensefs in sh's default PATH"

note "mount -t fuse.licensefs DATABASE MOUNTPOINT"
lf_mount8 -t fuse.licensefs "$DB" "$M"
expect_eq 0 "$LF_RC" "exit status of mount -t fuse.licensefs ($(cat "$LF_TMP/out"))"
expect_eq "" "$(cat "$LF_TMP/out")" "output of mount -t fuse.licensefs"
expect_mounted_tenant "mount -t"
if lf_sqlite; then expect_mode "$DB" 600; fi
# what mount.fuse3 passes: the paths, then -o rw,dev,suid
expect_eq 1 "$(pgrep -fc "^$(lf_regex "licensefs $DB $M -o rw,dev,suid")$")" "the daemon's command line, as mount.fuse3 runs it"
expect_ok mkdir "$M/products/FSTAB"
expect_ok putln "$M/products/FSTAB/total" 3
expect_umount "mount -t"

note "fstab: DATABASE MOUNTPOINT fuse.licensefs defaults,_netdev 0 0"
printf '%s %s fuse.licensefs defaults,_netdev 0 0\n' "$DB" "$M" >"$LF_TMP/fstab"
lf_mount8 -T "$LF_TMP/fstab" "$M"
expect_eq 0 "$LF_RC" "exit status of mount -T fstab ($(cat "$LF_TMP/out"))"
expect_eq "" "$(cat "$LF_TMP/out")" "output of mount -T fstab"
expect_mounted_tenant "fstab"
expect_file "$M/products/FSTAB/total" 3
expect_umount "fstab"

note "fstab with the options admins write: mount(8) and mount.fuse3 consume some, licensefs the rest"
printf '%s %s fuse.licensefs %s 0 0\n' "$DB" "$M" \
    defaults,_netdev,nofail,x-systemd.automount,noatime,relatime,nodiratime,nodev,nosuid,noexec,audit_lines=1000 \
    >"$LF_TMP/fstab"
lf_mount8 -T "$LF_TMP/fstab" "$M"
expect_eq 0 "$LF_RC" "exit status of mount -T fstab with options ($(cat "$LF_TMP/out"))"
expect_mounted_tenant "fstab with options"
expect_match '^rw,nosuid,nodev,noexec,noatime,' "$(awk -v m="$M" '$2 == m { print $4 }' /proc/mounts)" "mount flags in /proc/mounts"
expect_umount "fstab with options"

if ! lf_sqlite; then
    # The way a server's password stays out of fstab: a service file that libpq reads, named
    # by the environment mount(8) runs in (or ~/.pg_service.conf).
    note "fstab: postgresql://?service=NAME MOUNTPOINT fuse.licensefs defaults,_netdev 0 0"
    printf '[lf]\nhost=%s\nuser=postgres\ndbname=postgres\noptions=-csearch_path=tenant\n' \
        "$LF_PG" >"$LF_TMP/pg_service.conf"
    printf 'postgresql://?service=lf %s fuse.licensefs defaults,_netdev 0 0\n' "$M" >"$LF_TMP/fstab"
    timeout 20 env -u PATH PGSERVICEFILE="$LF_TMP/pg_service.conf" "$MOUNT" -T "$LF_TMP/fstab" \
        "$M" >"$LF_TMP/out" 2>&1 </dev/null
    expect_eq 0 "$?" "exit status of mount -T fstab with a service ($(cat "$LF_TMP/out"))"
    expect_eq "postgresql://?service=lf $M fuse.licensefs" "$(awk -v m="$M" '$2 == m { print $1, $2, $3 }' /proc/mounts)" "service: /proc/mounts line"
    expect_file "$M/products/FSTAB/total" 3
    if out=$(env -u PATH "$UMOUNT" "$M" 2>&1); then pass; else fail "service: umount $M: $out"; fi
    if lf_wait_unmounted "$M"; then pass; else fail "service: $M still mounted after umount"; fi
fi

# Files: SQLite's alone.
if lf_sqlite; then
note "a mount that fails fails mount(8), with licensefs's exit status"
expect_mount_refused "database in a missing directory" 3 \
    "licensefs: $LF_TMP/missing/x.db: cannot create $LF_TMP/missing/x.db: No such file or directory" \
    -t fuse.licensefs "$LF_TMP/missing/x.db" "$M"
printf 'this is not a database at all, just text\n' >"$LF_TMP/text.db"
expect_mount_refused "not SQLite" 3 "licensefs: $LF_TMP/text.db: database error: file is not a database" \
    -t fuse.licensefs "$LF_TMP/text.db" "$M"
printf '%s %s fuse.licensefs defaults,_netdev 0 0\n' "$LF_TMP/text.db" "$M" >"$LF_TMP/fstab"
expect_mount_refused "not SQLite, from fstab" 3 "licensefs: $LF_TMP/text.db: database error: file is not a database" \
    -T "$LF_TMP/fstab" "$M"
fi
expect_mount_refused "missing mount point" 4 "licensefs: $LF_TMP/nowhere: No such file or directory" \
    -t fuse.licensefs "$DB" "$LF_TMP/nowhere"
lf_mount8 -t fuse.licensefs -o no_such_option "$DB" "$M"
expect_eq 2 "$LF_RC" "exit status of mount -o no_such_option"
expect_match "^licensefs: .*no_such_option" "$(cat "$LF_TMP/out")" "message of mount -o no_such_option"

lf_finish
