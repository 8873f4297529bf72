#!/bin/bash
# Hostile input through the mount: a table of bad names, bad values, bad writes, nodes
# the tree does not define, renames across kinds, directories opened for writing and objects
# deleted by another process meanwhile. Each row runs in its own shell (with a timeout, so a hang
# is reported, not waited for) and must fail with its errno's message (or, for the few rows
# marked "ok", succeed quietly); after each row the tree must be exactly as before (audit
# aside), the daemon must still serve (`ls products`), and whatever it printed on stderr meanwhile
# must be one-line refusals.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

EINVAL="Invalid argument"
EPERM="Operation not permitted"
ENOENT="No such file or directory"
ESTALE="Stale file handle"
# libfuse answers for a directory removed while a process still stands in it (README).
ENAMETOOLONG="File name too long"
EEXIST="File exists"
EISDIR="Is a directory"
EBUSY="Device or resource busy"
ENOTEMPTY="Directory not empty"

D=contoso.com
export M D
export P=$M/products/AAD_PREMIUM P2=$M/products/AAD_PREMIUM_P2
export U=adele@$D                # holds AAD_PREMIUM directly (and through Sales)
export UI=alex@$D                # holds AAD_PREMIUM through Sales only
export GONE=gone@$D              # a deleted user (made below)
export TU=tmp@$D TP=$M/products/TMPX TG=$M/groups/TMPG   # made and removed within a row

a() { printf "%${1}s" '' | tr ' ' "${2:-a}"; }
export N255 N256 N4096 E255 E256 L255 L256
N255=$(a 255) N256=$(a 256) N4096=$(a 4096)
E255=$(a 252)%2F E256=$(a 253)%2F          # 255 and 256 bytes as written
L255=$(a 243)@$D L256=$(a 244)@$D          # UPNs of 255 and 256 bytes
# bytes for names and values (environment variables carry any byte but NUL)
export NL=$'\n' TAB=$'\t' C01=$'\x01' ESC=$'\x1b' DEL=$'\x7f' XFF=$'\xff' XFE=$'\xfe' XC3=$'\xc3'
export OVERLONG=$'\xc0\xaf' SURROGATE=$'\xed\xa0\x80'

# Helpers the rows' shells use.
# s CMD...: a setup step of a row; its failure ends the row with a message that matches no errno.
s() { "$@" || { echo "SETUP FAILED: $*" >&2; exit 99; }; }
# ren2 FLAGS OLD NEW: renameat2(2) (1 = RENAME_NOREPLACE, 2 = RENAME_EXCHANGE).
ren2() {
    python3 - "$@" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
if libc.renameat2(AT_FDCWD, os.fsencode(sys.argv[2]), AT_FDCWD, os.fsencode(sys.argv[3]),
                  int(sys.argv[1])) != 0:
    sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
EOF
}
# pyw PATH FLAGS PYEXPR...: open PATH with os.O_WRONLY|FLAGS, then run each statement (fd is `fd`).
pyw() {
    python3 - "$@" <<'EOF'
import os, sys
try:
    fd = os.open(sys.argv[1], os.O_WRONLY | eval(sys.argv[2]))
    for st in sys.argv[3:]:
        exec(st)
    os.close(fd)
except OSError as e:
    sys.exit(os.strerror(e.errno))
EOF
}
# pyopen PATH FLAGS: only open (and close) PATH with these flags.
pyopen() {
    python3 - "$@" <<'EOF'
import os, sys
try:
    os.close(os.open(sys.argv[1], eval(sys.argv[2])))
except OSError as e:
    sys.exit(os.strerror(e.errno))
EOF
}
# mkuser UPN: a user with a usage location; tmpsku: products/TMPX with 2 seats.
mkuser() { s mkdir "$M/users/$1" && s putln "$M/users/$1/usage_location" US; }
tmpsku() { s mkdir "$TP" && s putln "$TP/total" 2; }
# gone_user UPN: delete UPN for good (from users/ or deleted_users/).
gone_user() { rmdir "$M/users/$1" 2>/dev/null; rmdir "$M/deleted_users/$1"; }
export -f put putln s ren2 pyw pyopen mkuser tmpsku gone_user

# ---------------------------------------------------------------------------------------------
# The table: "category: description|expected strerror text (or ok)|command".

ROWS=(
# --- names
'name: 255-byte SKU that does not exist|'"$ENOENT"'|stat "$M/products/$N255"'
'name: mkdir 256-byte SKU|'"$ENAMETOOLONG"'|mkdir "$M/products/$N256"'
'name: mkdir 4096-byte SKU|'"$ENAMETOOLONG"'|mkdir "$M/products/$N4096"'
'name: 255 bytes as written with %2F, absent|'"$ENOENT"'|stat "$M/products/$E255"'
'name: mkdir 256 bytes as written with %2F|'"$ENAMETOOLONG"'|mkdir "$M/products/$E256"'
'name: mkdir 256-byte group|'"$ENAMETOOLONG"'|mkdir "$M/groups/$N256"'
'name: mkdir 256-byte UPN|'"$ENAMETOOLONG"'|mkdir "$M/users/$L256"'
'name: touch holder of unknown 255-byte UPN|'"$ENOENT"'|touch "$P/users/$L255"'
'name: touch member of 256-byte UPN|'"$ENAMETOOLONG"'|touch "$M/groups/Sales/members/$L256"'
'name: touch 4096-byte license name|'"$ENAMETOOLONG"'|touch "$M/users/$U/licenses/$N4096"'
'name: mkdir products/.|'"$EEXIST"'|mkdir "$M/products/."'
'name: mkdir groups/..|'"$EEXIST"'|mkdir "$M/groups/.."'
'name: rmdir products/SKU/.|'"$EINVAL"'|rmdir "$P/."'
'name: rmdir products/SKU/..|'"$ENOTEMPTY"'|rmdir "$P/.."'
'name: mkdir %2E%2E|'"$EINVAL"'|mkdir "$M/products/%2E%2E"'
'name: mkdir SKU with newline|'"$EINVAL"'|mkdir "$M/products/a${NL}b"'
'name: mkdir group with tab|'"$EINVAL"'|mkdir "$M/groups/a${TAB}b"'
'name: mkdir UPN with \x01|'"$EINVAL"'|mkdir "$M/users/a${C01}b@$D"'
'name: mkdir SKU with ESC|'"$EINVAL"'|mkdir "$M/products/a${ESC}[2J"'
'name: mkdir group with DEL|'"$EINVAL"'|mkdir "$M/groups/a${DEL}b"'
'name: touch holder UPN with trailing newline|'"$EINVAL"'|touch "$P/users/$U$NL"'
'name: touch holder UPN with \x01|'"$EINVAL"'|touch "$P/users/a${C01}b@$D"'
'name: touch holder UPN without @|'"$EINVAL"'|touch "$P/users/noat"'
'name: touch member UPN with a blank|'"$EINVAL"'|touch "$M/groups/Sales/members/a b@$D"'
'name: touch license of a user whose name is invalid UTF-8 (no such directory)|'"$ENOENT"'|touch "$M/users/$XFF@$D/licenses/AAD_PREMIUM"'
'name: mkdir SKU \xff (invalid UTF-8)|'"$EINVAL"'|mkdir "$M/products/$XFF"'
'name: mkdir group truncated UTF-8 \xc3|'"$EINVAL"'|mkdir "$M/groups/ab$XC3"'
'name: mkdir SKU overlong \xc0\xaf|'"$EINVAL"'|mkdir "$M/products/$OVERLONG"'
'name: mkdir group UTF-16 surrogate \xed\xa0\x80|'"$EINVAL"'|mkdir "$M/groups/$SURROGATE"'
'name: mkdir UPN invalid UTF-8 local part|'"$EINVAL"'|mkdir "$M/users/$XFE@$D"'
'name: touch holder of unknown user -rf@...|'"$ENOENT"'|touch -- "$P/users/-rf@$D"'
'name: rm unknown holder named -rf|'"$ENOENT"'|rm -- "$P/users/-rf"'
'name: mkdir lone %|'"$EINVAL"'|mkdir "$M/products/50%"'
'name: mkdir %2 (short escape)|'"$EINVAL"'|mkdir "$M/groups/a%2"'
'name: mkdir %zz|'"$EINVAL"'|mkdir "$M/products/a%zzb"'
'name: mkdir %2f (lower case)|'"$EINVAL"'|mkdir "$M/products/a%2fb"'
'name: mkdir %00|'"$EINVAL"'|mkdir "$M/groups/a%00b"'
'name: mkdir %41 (escape of a plain letter)|'"$EINVAL"'|mkdir "$M/products/%41"'
'name: mkdir UPN with two @|'"$EINVAL"'|mkdir "$M/users/a@b@$D"'
'name: mkdir UPN with a blank|'"$EINVAL"'|mkdir "$M/users/a b@$D"'

# --- values
'value: empty total|'"$EINVAL"'|putln "$P/total" ""'
'value: blanks only in total|'"$EINVAL"'|putln "$P/total" "   "'
'value: empty display_name|'"$EINVAL"'|putln "$M/users/$U/display_name" ""'
'value: empty tenant name|'"$EINVAL"'|putln "$M/tenant/name" ""'
'value: empty tenant usage_location|'"$EINVAL"'|putln "$M/tenant/usage_location" ""'
'value: total 2^64|'"$EINVAL"'|putln "$P/total" 18446744073709551616'
'value: total 2^64+1 (wraps to 1)|'"$EINVAL"'|putln "$P/total" 18446744073709551617'
'value: total of 40 digits|'"$EINVAL"'|putln "$P/total" 9999999999999999999999999999999999999999'
'value: total 2^31|'"$EINVAL"'|putln "$P/total" 2147483648'
'value: total 2^32+10 (wraps to 10)|'"$EINVAL"'|putln "$P/total" 4294967306'
'value: total -1|'"$EINVAL"'|putln "$P/total" -1'
'value: total -0|'"$EINVAL"'|putln "$P/total" -0'
'value: expiring_soon -2147483648|'"$EINVAL"'|putln "$P/expiring_soon" -2147483648'
'value: total +12|'"$EINVAL"'|putln "$P/total" +12'
'value: total 12abc|'"$EINVAL"'|putln "$P/total" 12abc'
'value: total 0x10|'"$EINVAL"'|putln "$P/total" 0x10'
'value: total 1e3|'"$EINVAL"'|putln "$P/total" 1e3'
'value: total 12.0|'"$EINVAL"'|putln "$P/total" 12.0'
'value: total "1 2"|'"$EINVAL"'|putln "$P/total" "1 2"'
'value: total two lines 12/13|'"$EINVAL"'|put "$P/total" "12${NL}13"'
'value: total Arabic-Indic digit|'"$EINVAL"'|putln "$P/total" "١٢"'
'value: total 12 then NUL|'"$EINVAL"'|printf "12\0" > "$P/total"'
'value: total binary bytes|'"$EINVAL"'|printf "\x00\x01\xff\xfe\x80" > "$P/total"'
'value: display_name with NUL|'"$EINVAL"'|printf "Ad\0ele\n" > "$M/users/$U/display_name"'
'value: display_name with ESC|'"$EINVAL"'|printf "Ad\x1b[2Jele\n" > "$M/users/$U/display_name"'
'value: display_name invalid UTF-8|'"$EINVAL"'|printf "Ad\xffele\n" > "$M/users/$U/display_name"'
'value: product name of 1025 bytes|'"$EINVAL"'|putln "$P/name" "$(printf %1025s "" | tr " " x)"'
'value: usage_location XX|'"$EINVAL"'|putln "$M/users/$U/usage_location" XX'
'value: usage_location USA|'"$EINVAL"'|putln "$M/users/$U/usage_location" USA'
'value: usage_location U S|'"$EINVAL"'|putln "$M/users/$U/usage_location" "U S"'
'value: clear usage_location of a direct holder|'"$EBUSY"'|putln "$M/users/$U/usage_location" ""'
'value: total below assigned|'"$EBUSY"'|putln "$P/total" 8'
'value: expiring_soon above total|'"$EINVAL"'|putln "$P/expiring_soon" 11'
'value: plans with a comma|'"$EINVAL"'|put "$P/plans" "AAD_PREMIUM,MFA_PREMIUM$NL"'
'value: plans with a control byte|'"$EINVAL"'|put "$P/plans" "AAD_PREMIUM$NL$C01$NL"'
'value: plans with NUL|'"$EINVAL"'|printf "AAD_PREMIUM\n\0\n" > "$P/plans"'
'value: holder options line junk|'"$EINVAL"'|putln "$P/users/$U" junk'
'value: holder disabled_plans unknown plan|'"$EINVAL"'|putln "$P/users/$U" disabled_plans=NOPE'
'value: holder disabled_plans with NUL|'"$EINVAL"'|printf "disabled_plans=MFA_PREMIUM\0" > "$P/users/$U"'
'value: group license disabled_plans unknown plan|'"$EINVAL"'|putln "$P/groups/Sales" disabled_plans=NOPE'
'value: expiring_soon in two writes 1 then x (the refused whole restores 2)|'"$EINVAL"'|pyw "$P/expiring_soon" 0 "os.write(fd, b\"1\")" "os.write(fd, b\"x\")"'
'value: display_name in two writes, then a NUL (restores)|'"$EINVAL"'|pyw "$M/users/$U/display_name" 0 "os.write(fd, b\"Evil\")" "os.write(fd, b\"\\0\")"'
'value: plans: a good line, then a NUL line (restores)|'"$EINVAL"'|pyw "$P/plans" 0 "os.write(fd, b\"AAD_PREMIUM\\n\")" "os.write(fd, b\"\\0\\n\")"'

# --- writes: sizes, offsets, append, truncate
'write: 3 MB display_name|'"$EINVAL"'|head -c 3000000 /dev/zero | tr "\0" x > "$M/users/$U/display_name"'
'write: 3 MB in one write() to total|'"$EINVAL"'|head -c 3000000 /dev/zero | tr "\0" 1 | dd of="$P/total" bs=3000000 iflag=fullblock status=none'
'write: 2 MB plans list|'"$EINVAL"'|yes AAD_PREMIUM | head -c 2000000 > "$P/plans"'
'write: total at offset 1 (dd seek=1)|'"$EINVAL"'|printf 5 | dd of="$P/total" bs=1 seek=1 conv=notrunc status=none'
'write: total at offset 1 MiB|'"$EINVAL"'|printf 5 | dd of="$P/total" bs=1 seek=1048576 conv=notrunc status=none'
'write: dd seek=1 without notrunc (truncate to 1)|'"$EINVAL"'|printf 5 | dd of="$P/total" bs=1 seek=1 status=none'
'write: expiring_soon 1, then pwrite at offset 5 (restores 2)|'"$EINVAL"'|pyw "$P/expiring_soon" 0 "os.write(fd, b\"1\")" "os.pwrite(fd, b\"0\", 5)"'
'write: total O_APPEND (>>)|'"$EINVAL"'|echo 12 >> "$P/total"'
'write: display_name O_APPEND (>>)|'"$EINVAL"'|echo X >> "$M/users/$U/display_name"'
'write: holder O_APPEND|'"$EINVAL"'|echo disabled_plans= >> "$P/users/$U"'
'write: truncate -s 3 total|'"$EINVAL"'|truncate -s 3 "$P/total"'
'write: truncate -s 3 display_name|'"$EINVAL"'|truncate -s 3 "$M/users/$U/display_name"'
'write: truncate -s 1G tenant name|'"$EINVAL"'|truncate -s 1G "$M/tenant/name"'
'write: truncate -s 3 holder|'"$EINVAL"'|truncate -s 3 "$P/users/$U"'
'write: truncate -s 0 total changes nothing|ok|truncate -s 0 "$P/total"'
'write: O_TRUNC alone changes nothing|ok|: > "$P/total"'
'write: touch of a holder changes nothing|ok|touch "$P/users/$U"'
'write: assigned (read-only)|'"$EPERM"'|echo 3 > "$P/assigned"'
'write: available (read-only)|'"$EPERM"'|echo 3 > "$P/available"'
'write: summary (read-only)|'"$EPERM"'|echo x > "$M/summary"'
'write: audit (read-only)|'"$EPERM"'|echo x > "$M/audit"'
'write: truncate -s 0 audit|'"$EPERM"'|truncate -s 0 "$M/audit"'
'write: membership record|'"$EPERM"'|echo x > "$M/groups/Sales/members/$U"'
'write: user-side membership record|'"$EPERM"'|echo x > "$M/users/$U/groups/Sales"'
'write: waiting record of a group-only wait|'"$EPERM"'|echo x > "$P2/errors/$UI"'
'write: deleted user display_name|'"$EPERM"'|echo x > "$M/deleted_users/$GONE/display_name"'
'write: deleted user deleted time|'"$EPERM"'|echo x > "$M/deleted_users/$GONE/deleted"'

# --- directories opened for writing
'dir: echo > products/SKU|'"$EISDIR"'|echo 1 > "$P"'
'dir: echo > products/SKU/users|'"$EISDIR"'|echo 1 > "$P/users"'
'dir: open root O_WRONLY|'"$EISDIR"'|pyopen "$M" os.O_WRONLY'
'dir: open groups/G O_RDWR|'"$EISDIR"'|pyopen "$M/groups/Sales" os.O_RDWR'
'dir: open users/U O_WRONLY+O_TRUNC|'"$EISDIR"'|pyopen "$M/users/$U" "os.O_WRONLY|os.O_TRUNC"'
'dir: truncate a directory|'"$EISDIR"'|truncate -s 0 "$M/tenant"'

# --- nodes the tree does not define
'create: regular file at the root|'"$EPERM"'|touch "$M/newfile"'
'create: regular file in products/|'"$EPERM"'|touch "$M/products/NEWSKU"'
'create: regular file in users/|'"$EPERM"'|touch "$M/users/new@$D"'
'create: regular file in groups/|'"$EPERM"'|touch "$M/groups/NewGroup"'
'create: regular file in a product|'"$EPERM"'|touch "$P/newfile"'
'create: regular file in tenant/|'"$EPERM"'|touch "$M/tenant/x"'
'create: regular file in users/U/|'"$EPERM"'|touch "$M/users/$U/x"'
'create: user-side membership|'"$EPERM"'|touch "$M/users/$U/groups/Engineering"'
'create: file in groups/G/errors|'"$EPERM"'|touch "$M/groups/Sales/errors/lee@$D"'
'create: file in products/SKU/errors|'"$EPERM"'|touch "$P/errors/patti@$D"'
'create: file in deleted_users/|'"$EPERM"'|touch "$M/deleted_users/new@$D"'
'create: mkdir in deleted_users/|'"$EPERM"'|mkdir "$M/deleted_users/new@$D"'
'create: mkdir where a holder belongs|'"$EPERM"'|mkdir "$P/users/patti@$D"'
'create: mkdir where a member belongs|'"$EPERM"'|mkdir "$M/groups/Sales/members/lee@$D"'
'create: mkdir in tenant/|'"$EPERM"'|mkdir "$M/tenant/x"'
'create: symlink at the root|'"$EPERM"'|ln -s products "$M/link"'
'create: symlink where a holder belongs|'"$EPERM"'|ln -s "$P/users/$U" "$P2/users/$U"'
'create: symlink where a group belongs|'"$EPERM"'|ln -s Sales "$M/groups/Link"'
'create: hard link of a holder into another product|'"$EPERM"'|ln "$P/users/$U" "$P2/users/$U"'
'create: hard link of a membership into another group|'"$EPERM"'|ln "$M/groups/Sales/members/$U" "$M/groups/Engineering/members/$U"'
'create: hard link of total|'"$EPERM"'|ln "$P/total" "$P/total2"'
'create: mknod c 1 3 where a holder belongs|'"$EPERM"'|mknod "$P/users/patti@$D" c 1 3'
'create: mknod c 1 3 where a member belongs|'"$EPERM"'|mknod "$M/groups/Sales/members/lee@$D" c 1 3'
'create: mknod b 7 0 in products/|'"$EPERM"'|mknod "$M/products/BLK" b 7 0'
'create: FIFO where a license belongs|'"$EPERM"'|mkfifo "$M/users/$U/licenses/AAD_PREMIUM_P2"'
'create: FIFO where a group license belongs|'"$EPERM"'|mkfifo "$P2/groups/Sales"'
'create: FIFO at the root|'"$EPERM"'|mkfifo "$M/fifo"'
'create: unix socket where a member belongs|'"$EPERM"'|python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$M/groups/Engineering/members/$U"'

# --- renames across kinds
'rename: product dir into users/|'"$EPERM"'|mv "$P" "$M/users/"'
'rename: group into products/|'"$EPERM"'|mv "$M/groups/Sales" "$M/products/"'
'rename: holder into groups/|'"$EPERM"'|mv "$P/users/$U" "$M/groups/"'
'rename: holder into another product|'"$EPERM"'|mv "$P/users/$U" "$P2/users/"'
'rename: holder onto a group license|'"$EPERM"'|mv -T "$P/users/$U" "$P/groups/Sales"'
'rename: license to another user|'"$EPERM"'|mv "$M/users/$U/licenses/AAD_PREMIUM" "$M/users/lee@$D/licenses/AAD_PREMIUM_P2"'
'rename: member into another group|'"$EPERM"'|mv "$M/groups/Sales/members/$U" "$M/groups/Engineering/members/"'
'rename: user into deleted_users/|'"$EPERM"'|mv "$M/users/$U" "$M/deleted_users/"'
'rename: deleted user into products/|'"$EPERM"'|mv "$M/deleted_users/$GONE" "$M/products/"'
'rename: restore under another UPN|'"$EPERM"'|mv -T "$M/deleted_users/$GONE" "$M/users/other@$D"'
'rename: restore into groups/|'"$EPERM"'|mv "$M/deleted_users/$GONE" "$M/groups/"'
'rename: tenant/name over usage_location|'"$EPERM"'|mv -T "$M/tenant/name" "$M/tenant/usage_location"'
'rename: audit into tenant/|'"$EPERM"'|mv "$M/audit" "$M/tenant/"'
'rename: RENAME_EXCHANGE of two products|'"$EPERM"'|ren2 2 "$P" "$P2"'
'rename: RENAME_EXCHANGE of two holders|'"$EPERM"'|ren2 2 "$P/users/$U" "$P/users/$UI"'
'rename: RENAME_EXCHANGE deleted user with user|'"$EPERM"'|ren2 2 "$M/deleted_users/$GONE" "$M/users/$U"'
'rename: RENAME_EXCHANGE product with users/|'"$EPERM"'|ren2 2 "$P" "$M/users"'
'rename: RENAME_NOREPLACE of a user|'"$EPERM"'|ren2 1 "$M/users/$U" "$M/users/new@$D"'

# --- objects deleted by another process meanwhile (each row makes and removes its objects)
'gone: read an open holder after rm through the other path|'"$ESTALE"'|mkuser $TU; tmpsku; s touch "$TP/users/$TU"; exec 3<"$TP/users/$TU"; s rm "$M/users/$TU/licenses/TMPX"; cat <&3; rc=$?; exec 3<&-; gone_user $TU; rmdir "$TP"; exit $rc'
'gone: fstat an open holder after rm through the other path|'"$ESTALE"'|mkuser $TU; tmpsku; s touch "$TP/users/$TU"; exec 3<"$TP/users/$TU"; s rm "$M/users/$TU/licenses/TMPX"; python3 -c "import os; os.fstat(3)"; rc=$?; exec 3<&-; gone_user $TU; rmdir "$TP"; exit $rc'
'gone: write options to an open holder after rm through the other path|'"$ENOENT"'|mkuser $TU; tmpsku; s touch "$TP/users/$TU"; exec 3>"$TP/users/$TU"; s rm "$M/users/$TU/licenses/TMPX"; echo disabled_plans= >&3; rc=$?; exec 3>&-; [ -z "$(ls "$TP/users")" ] || { echo "holder came back" >&2; rc=0; }; gone_user $TU; rmdir "$TP"; exit $rc'
'gone: ls in a product dir removed meanwhile|'"$ENOENT"'|tmpsku; (cd "$TP" && rmdir "$TP" && ls); rc=$?; rmdir "$TP" 2>/dev/null; exit $rc'
'gone: touch inside a product dir removed meanwhile|'"$ENOENT"'|tmpsku; mkuser $TU; (cd "$TP" && rmdir "$TP" && touch "users/$TU"); rc=$?; rmdir "$TP" 2>/dev/null; gone_user $TU; exit $rc'
'gone: ls in products/SKU/users of a product removed meanwhile|'"$ENOENT"'|tmpsku; (cd "$TP/users" && rmdir "$TP" && ls); rc=$?; rmdir "$TP" 2>/dev/null; exit $rc'
'gone: touch in products/SKU/users of a product removed meanwhile|'"$ENOENT"'|tmpsku; mkuser $TU; (cd "$TP/users" && rmdir "$TP" && touch "$TU"); rc=$?; rmdir "$TP" 2>/dev/null; gone_user $TU; exit $rc'
'gone: cat ../total after the product went|'"$ENOENT"'|tmpsku; (cd "$TP/users" && rmdir "$TP" && cat ../total); rc=$?; rmdir "$TP" 2>/dev/null; exit $rc'
'gone: touch in users/U/licenses of a user deleted meanwhile|'"$ENOENT"'|tmpsku; mkuser $TU; (cd "$M/users/$TU/licenses" && rmdir "$M/users/$TU" && touch TMPX); rc=$?; [ -z "$(ls "$TP/users")" ] || { echo "deleted user got a seat" >&2; rc=0; }; gone_user $TU; rmdir "$TP"; exit $rc'
'gone: write display_name of a user deleted meanwhile|'"$ENOENT"'|mkuser $TU; exec 3>"$M/users/$TU/display_name"; s rmdir "$M/users/$TU"; echo Evil >&3; rc=$?; exec 3>&-; [ "$(cat "$M/deleted_users/$TU/display_name")" = $TU ] || { echo "deleted user changed" >&2; rc=0; }; gone_user $TU; exit $rc'
'gone: write total of a product removed meanwhile|'"$ENOENT"'|tmpsku; exec 3>"$TP/total"; s rmdir "$TP"; echo 5 >&3; rc=$?; exec 3>&-; rmdir "$TP" 2>/dev/null; exit $rc'
'gone: touch member in a group removed meanwhile|'"$ENOENT"'|s mkdir "$TG"; (cd "$TG/members" && rmdir "$TG" && touch "$U"); rc=$?; [ ! -e "$M/users/$U/groups/TMPG" ] || { echo "membership of a removed group" >&2; rc=0; }; rmdir "$TG" 2>/dev/null; exit $rc'
'gone: touch member in a group removed and made again meanwhile|'"$ENOENT"'|s mkdir "$TG"; (cd "$TG/members" && rmdir "$TG" && mkdir "$TG" && touch "$U"); rc=$?; [ -z "$(ls "$TG/members")" ] || { echo "joined the new group" >&2; rc=0; }; rmdir "$TG" 2>/dev/null; exit $rc'
'gone: touch license in a group removed meanwhile|'"$ENOENT"'|s mkdir "$TG"; (cd "$TG/licenses" && rmdir "$TG" && touch AAD_PREMIUM); rc=$?; rmdir "$TG" 2>/dev/null; exit $rc'
)

# ---------------------------------------------------------------------------------------------

# snap: the tree below M (modes, types, sizes, contents) but the audit log. lf_snapshot's
# content in one find and one grep, fast enough to run after every row.
snap() {
    (cd -- "$M" && find . -path ./audit -prune -o -printf '%m %y %s %p\n' | sort &&
        find . -path ./audit -prune -o -type f -print0 | sort -z | xargs -0 grep -a -H -- '')
}

declare -A CAT_ROWS CAT_FAILS

# row DESC WANT CMD
row() {
    local desc=$1 want=$2 cmd=$3 err short rc after lines new bad cat=${1%%:*} fails=$LF_FAILS
    lines=$(wc -l <"$LF_LOG")
    err=$(timeout -k 3 20 bash -c "$cmd" 2>&1 >/dev/null </dev/null)
    rc=$?
    # long names shortened, control bytes visible
    short=$(printf '%s' "$err" | sed -E 's/a{20,}/a.../g' | cat -v | head -c 600)
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        fail "[$desc] HANG: no answer within 20 s: $cmd"
    elif [ "$want" = ok ]; then
        if [ "$rc" -ne 0 ] || [ -n "$err" ]; then
            fail "[$desc] expected quiet success; exit $rc: $short"
        else
            pass
        fi
    elif [ "$rc" -eq 0 ]; then
        fail "[$desc] expected '$want'; it succeeded${err:+ (stderr: $short)}"
    elif [[ $err != *"$want"* ]]; then
        fail "[$desc] expected '$want'; exit $rc, stderr: $short"
    else
        pass
    fi
    # the daemon still serves
    if ! kill -0 "$LF_PID" 2>/dev/null; then
        fail "[$desc] the daemon died; log tail: $(tail -5 "$LF_LOG")"
        lf_finish
    fi
    if ! out=$(timeout 10 ls "$M/products" 2>&1) || [ "$out" != $'AAD_PREMIUM\nAAD_PREMIUM_P2' ]; then
        fail "[$desc] ls products after the row: $out"
    else
        pass
    fi
    # nothing changed; a slow daemon (LF_SLOW=N, under valgrind) is compared after every Nth
    # row and the last, each comparison covering the rows since the one before
    ROW_NO=$((ROW_NO + 1))
    if [ $((ROW_NO % LF_SLOW)) -eq 0 ] || [ "$ROW_NO" -eq "${#ROWS[@]}" ]; then
        after=$(snap)
        if [ "$after" != "$BASE" ]; then
            fail "[$desc] the tree changed${SNAP_ROW:+ (rows after [$SNAP_ROW] included)}:"
            diff <(printf '%s\n' "$BASE") <(printf '%s\n' "$after") | head -12 | sed 's/^/    /'
            BASE=$after     # report each change once
        else
            pass
        fi
        [ "$LF_SLOW" -gt 1 ] && SNAP_ROW=$desc
    fi
    # what the daemon printed meanwhile: one-line refusals only
    new=$(tail -n +$((lines + 1)) -- "$LF_LOG")
    bad=$(printf '%s\n' "$new" | grep -vE '^licensefs: [a-z][a-z ]* /.*: [A-Z][A-Za-z ]+: .' | grep -v '^$')
    if [ -n "$bad" ] || printf '%s' "$new" | grep -qiE 'sanitizer|runtime error|leak|assert|segmentation'; then
        fail "[$desc] daemon stderr is not one-line refusals:"
        printf '%s\n' "${bad:-$new}" | head -5 | sed 's/^/    /'
    else
        pass
    fi
    CAT_ROWS[$cat]=$((${CAT_ROWS[$cat]:-0} + 1))
    [ "$LF_FAILS" -eq "$fails" ] || CAT_FAILS[$cat]=$((${CAT_FAILS[$cat]:-0} + 1))
}

lf_mount --demo || lf_finish

note "setup: a deleted user"
expect_ok mkdir "$M/users/$GONE"
expect_ok rmdir "$M/users/$GONE"
expect_exists "$M/deleted_users/$GONE/deleted"

BASE=$(snap)
ROW_NO=0
SNAP_ROW=
expect_match '^[0-9]+$' "$(printf '%s\n' "$BASE" | wc -l)" "snapshot lines"

note "${#ROWS[@]} hostile inputs"
for r in "${ROWS[@]}"; do
    IFS='|' read -r desc want cmd <<<"$r"
    row "$desc" "$want" "$cmd"
done

note "per category: rows, rows with a failed check"
for c in $(printf '%s\n' "${!CAT_ROWS[@]}" | sort); do
    printf '    %-8s %3d rows, %d failed\n' "$c" "${CAT_ROWS[$c]}" "${CAT_FAILS[$c]:-0}"
done
expect_eq 1 "$((${#ROWS[@]} >= 50))" "at least 50 rows"

lf_finish
