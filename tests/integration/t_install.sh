#!/bin/bash
# Installing: `licensefs --help` fits 80 columns and lists the options licensefs(1) lists; the
# man page renders without a warning; meson install puts the program, the page and the systemd
# unit under the prefix, and with that prefix in place `man licensefs` finds the page.
LF_PRIVATE_MOUNTS=1
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

MAN=${LICENSEFS_SOURCE_ROOT:?}/man/licensefs.1
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
expect_match 'See licensefs\(1\)' "$help" "--help points to the man page"

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

note "licensefs(1) renders without a warning, within 80 columns"
expect_eq "" "$(groff -man -ww -z "$MAN" 2>&1)" "groff -man -ww -z $MAN"
expect_eq "" "$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)" "groff -man -Tutf8 -ww -z $MAN"
err=$(MANWIDTH=80 man --warnings=w -l "$MAN" 2>&1 >"$LF_TMP/man.txt")
expect_eq "" "$err" "man --warnings=w -l $MAN"
expect_eq "" "$(awk 'length > 80' "$LF_TMP/man.txt")" "rendered lines longer than 80 columns"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS "THE TREE" "FILE FORMATS" ERRORS "EXIT STATUS" \
    "MOUNTING AT BOOT" EXAMPLES; do
    grep -qx "$section" "$LF_TMP/man.txt" || fail "licensefs(1) has no section $section"
done

note "meson install"
R=$LF_TMP/root
lf_install "$R"
expect_eq "$(cat -- "$MAN")" "$(cat -- "$R$LICENSEFS_MANDIR/man1/licensefs.1" 2>&1)" "installed man page"
if [ -x "$R$LICENSEFS_BINDIR/licensefs" ]; then
    pass
    expect_eq "$("$LICENSEFS" -V)" "$("$R$LICENSEFS_BINDIR/licensefs" -V 2>&1)" "installed licensefs -V"
else
    fail "$R$LICENSEFS_BINDIR/licensefs is not an executable"
fi
expect_exists "$R$LICENSEFS_UNITDIR/licensefs@.service"

note "with the prefix in place, man licensefs finds the page"
if [ "$LICENSEFS_PREFIX" != /usr/local ]; then
    note "skipped: the build's prefix is $LICENSEFS_PREFIX, not the default /usr/local"
else
    mount --bind "$R/usr/local" /usr/local
    expect_eq /usr/local/share/man/man1/licensefs.1 "$(man -w licensefs 2>&1)" "man -w licensefs"
    err=$(MANWIDTH=80 man --warnings=w licensefs 2>&1 >"$LF_TMP/installed.txt")
    expect_eq "" "$err" "man --warnings=w licensefs"
    expect_eq "$(cat "$LF_TMP/man.txt")" "$(cat "$LF_TMP/installed.txt")" "man licensefs renders the page"
    umount /usr/local
fi

lf_finish
