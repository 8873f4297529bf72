#!/bin/bash
# Installing: `licensefs --help` fits 80 columns, lists the options licensefs(1) lists and
# points to both manual pages; licensefs(1) and licensefs(5) render without a warning and
# point to each other; meson install puts the program, both pages and the systemd unit under
# the prefix, and with that prefix in place `man licensefs` and `man 5 licensefs` find them.
LF_PRIVATE_MOUNTS=1
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

MAN=${LICENSEFS_SOURCE_ROOT:?}/man/licensefs.1
MAN5=$LICENSEFS_SOURCE_ROOT/man/licensefs.5
for tool in groff man; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/setup installs it)"
done

# man_options FILE: the options the OPTIONS section of a man page source lists, one a line,
# sorted: the tag line after each .TP, its font macro's arguments joined (with blanks for .B
# and .I, without for the alternating ones such as .BI), escapes removed, "-h, --help" split.
man_options() {
    awk '
    function tag(line,   macro, rest, args, n, i, c, word, have, quoted, out) {
        macro = line
        sub(/ .*/, "", macro)
        rest = substr(line, length(macro) + 2)
        n = 0; word = ""; have = 0; quoted = 0
        for (i = 1; i <= length(rest); i++) {
            c = substr(rest, i, 1)
            if (c == "\"") { quoted = !quoted; have = 1; continue }
            if (c == " " && !quoted) {
                if (have) { args[++n] = word; word = ""; have = 0 }
                continue
            }
            word = word c; have = 1
        }
        if (have) args[++n] = word
        out = args[1]
        for (i = 2; i <= n; i++) out = out ((macro == ".B" || macro == ".I") ? " " : "") args[i]
        gsub(/\\-/, "-", out); gsub(/\\f[BIRP]/, "", out); gsub(/\\&/, "", out)
        return out
    }
    /^\.SH / { options = ($0 == ".SH OPTIONS"); next }
    options && previous == ".TP" { print tag($0) }
    { previous = $0 }' "$1" | sed 's/, /\n/g' | sort
}

# help_options: the options `licensefs --help` lists, one a line, sorted: the text of each line
# that starts with "  -" up to the two blanks before its description, "-h, --help" split.
help_options() {
    "$LICENSEFS" --help | sed -n 's/^  \(-.*\)$/\1/p' | sed 's/  .*//; s/, /\n/g' | sort
}

note "--help: 80 columns, plain ASCII"
help=$("$LICENSEFS" --help)
expect_eq "" "$(printf '%s\n' "$help" | awk 'length > 80')" "--help lines longer than 80 columns"
expect_eq "" "$(printf '%s\n' "$help" | grep -n '[^ -~]')" "--help lines with tabs, control or non-ASCII bytes"
expect_eq "See licensefs(1) and licensefs(5)." "$(printf '%s\n' "$help" | tail -n 1)" \
    "--help ends pointing to the manual pages"

note "--help and licensefs(1) list the same options"
expect_eq "$(man_options "$MAN")" "$(help_options)" "options of licensefs(1) (left) and of --help (right)"
for opt in -f -d -s -h --help -V --version --demo "-o allow_other" "-o admin_group=NAME" "-o audit_lines=N"; do
    grep -qxF -- "$opt" <<<"$(help_options)" || fail "--help does not list $opt"
done
# Every exit status of --help is explained in EXIT STATUS.
for status in 0 1 2 3 4; do
    if awk '/^\.SH EXIT STATUS/ { s = 1; next } /^\.SH / { s = 0 } s && p == ".TP" && $0 == ".B '"$status"'" { f = 1 } { p = $0 } END { exit !f }' "$MAN"; then
        pass
    else
        fail "licensefs(1) EXIT STATUS does not explain status $status"
    fi
done

# check_page FILE NAME SECTION...: the page FILE renders without a warning, within 80 columns
# (to $LF_TMP/NAME.txt), has every SECTION, and its SEE ALSO names the other page.
check_page() {
    local file=$1 name=$2 other err section
    shift 2
    note "$name renders without a warning, within 80 columns"
    expect_eq "" "$(groff -man -ww -z "$file" 2>&1)" "groff -man -ww -z $file"
    expect_eq "" "$(groff -man -Tutf8 -ww -z "$file" 2>&1)" "groff -man -Tutf8 -ww -z $file"
    err=$(MANWIDTH=80 man --warnings=w -l "$file" 2>&1 >"$LF_TMP/$name.txt")
    expect_eq "" "$err" "man --warnings=w -l $file"
    expect_eq "" "$(awk 'length > 80' "$LF_TMP/$name.txt")" "$name: rendered lines longer than 80 columns"
    for section in "$@"; do
        grep -qx "$section" "$LF_TMP/$name.txt" || fail "$name has no section $section"
    done
    case $name in
    'licensefs(1)') other='licensefs(5)' ;;
    *) other='licensefs(1)' ;;
    esac
    if sed -n '/^SEE ALSO$/,/^[^ ]/p' "$LF_TMP/$name.txt" | grep -qF "$other"; then
        pass
    else
        fail "$name: SEE ALSO does not name $other"
    fi
}

check_page "$MAN" 'licensefs(1)' NAME SYNOPSIS DESCRIPTION OPTIONS VERBS "ACCESS CONTROL" \
    "THE DATABASE FILE" "EXIT STATUS" "SIGNALS AND LOGGING" ENVIRONMENT "MOUNTING AT BOOT" FILES \
    EXAMPLES "SEE ALSO"
check_page "$MAN5" 'licensefs(5)' NAME DESCRIPTION "THE TREE" "FILE FORMATS" RULES ERRORS \
    "THE AUDIT LOG" "CACHING AND CONSISTENCY" "THE PRODUCT CATALOG" "TENANT SNAPSHOTS" \
    "LICENSED USERS (CSV)" EXAMPLES "SEE ALSO"
cp -- "$LF_TMP/licensefs(1).txt" "$LF_TMP/man.txt"
cp -- "$LF_TMP/licensefs(5).txt" "$LF_TMP/man5.txt"

note "meson install"
R=$LF_TMP/root
lf_install "$R"
expect_eq "$(cat -- "$MAN")" "$(cat -- "$R$LICENSEFS_MANDIR/man1/licensefs.1" 2>&1)" "installed licensefs(1)"
expect_eq "$(cat -- "$MAN5")" "$(cat -- "$R$LICENSEFS_MANDIR/man5/licensefs.5" 2>&1)" "installed licensefs(5)"
if [ -x "$R$LICENSEFS_BINDIR/licensefs" ]; then
    pass
    expect_eq "$("$LICENSEFS" -V)" "$("$R$LICENSEFS_BINDIR/licensefs" -V 2>&1)" "installed licensefs -V"
else
    fail "$R$LICENSEFS_BINDIR/licensefs is not an executable"
fi
expect_exists "$R$LICENSEFS_UNITDIR/licensefs@.service"

note "with the prefix in place, man licensefs and man 5 licensefs find the pages"
if [ "$LICENSEFS_PREFIX" != /usr/local ]; then
    note "skipped: the build's prefix is $LICENSEFS_PREFIX, not the default /usr/local"
else
    mount --bind "$R/usr/local" /usr/local
    expect_eq /usr/local/share/man/man1/licensefs.1 "$(man -w licensefs 2>&1)" "man -w licensefs"
    err=$(MANWIDTH=80 man --warnings=w licensefs 2>&1 >"$LF_TMP/installed.txt")
    expect_eq "" "$err" "man --warnings=w licensefs"
    expect_eq "$(cat "$LF_TMP/man.txt")" "$(cat "$LF_TMP/installed.txt")" "man licensefs renders the page"
    expect_eq /usr/local/share/man/man5/licensefs.5 "$(man -w 5 licensefs 2>&1)" "man -w 5 licensefs"
    err=$(MANWIDTH=80 man --warnings=w 5 licensefs 2>&1 >"$LF_TMP/installed5.txt")
    expect_eq "" "$err" "man --warnings=w 5 licensefs"
    expect_eq "$(cat "$LF_TMP/man5.txt")" "$(cat "$LF_TMP/installed5.txt")" "man 5 licensefs renders the page"
    umount /usr/local
fi

lf_finish
