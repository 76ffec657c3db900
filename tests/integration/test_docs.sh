#!/bin/bash
# test_docs.sh - the man pages describe exactly the commands and options the
# programs have. The lists come from the programs themselves: the --help of
# mtlsvpn-server, mtlsvpn-client, mtlsvpnctl and of every mtlsvpnctl
# command, which cli.c and ctl.c print from the same tables that parse and
# dispatch. Checked both ways:
#   - every mtlsvpnctl command has a SYNOPSIS line and a COMMANDS entry in
#     mtlsvpnctl(8), and every one there is a command;
#   - each command's SYNOPSIS line shows each of its options (short or long
#     form) and no other, and each long form is described below SYNOPSIS;
#   - the OPTIONS entries of mtlsvpn-server(8) and mtlsvpn-client(8) are
#     the program's options, short and long forms paired as in --help, and
#     those of mtlsvpnctl(8) are options some command has.
# Needs no root and no network: it only runs --help.

set -euo pipefail

B=${MTLSVPN_BUILD_DIR:?run through ctest or tests/run.sh}
SRC=${MTLSVPN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MAN=$SRC/docs/man
FAILS=0

bad() {
	printf '[test_docs] %s\n' "$*" >&2
	FAILS=$((FAILS + 1))
}

# A man page as plain text: "\-" as "-", font escapes, "\&" and quotes gone.
roff() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/"//g' "$1"; }

# The lines of one .SH section, from roff text on stdin.
section() { awk -v s="$1" '/^\.SH /{on = ($2 == s); next} on'; }

# Each SYNOPSIS entry (up to a .br) on one line, macros dropped.
synopsis() {
	roff "$1" | section SYNOPSIS |
		awk '/^\.br/{print e; e = ""; next} {sub(/^\.[A-Z]+ */, ""); e = e " " $0} END{print e}'
}

# The line after each .TP of a section, macro dropped.
tags() { roff "$1" | section "$2" | awk 'tp{sub(/^\.[A-Z]+ */, ""); print} {tp = /^\.TP/}'; }

# "-x" and "--long" tokens of text on stdin, one a line.
option_tokens() { grep -oE '(^|[][ (|])--?[a-zA-Z][a-zA-Z0-9-]*' | sed -E 's/^[][ (|]//'; }

# Options of a --help text on stdin as "SHORT LONG" ("-" when no short).
help_options() {
	sed -n '/^options:/,$p' | sed -nE 's/^  (-([a-zA-Z]), )?( {4})?--([a-z0-9-]+).*/\2 \4/p' |
		awk '{ if (NF == 1) print "- " $1; else print "-" $1 " " $2 }'
}

# --- mtlsvpn-server and mtlsvpn-client: OPTIONS, both ways --------------
for prog in mtlsvpn-server mtlsvpn-client; do
	page=$MAN/$prog.8
	code=$("$B/$prog" --help | help_options | sort)
	[ -n "$code" ] || bad "$prog --help lists no options: has its format changed?"
	doc=$(tags "$page" OPTIONS | while read -r line; do
		toks=$(option_tokens <<<"$line")
		short=$(grep -E '^-[a-zA-Z]$' <<<"$toks" || true)
		long=$(grep -E '^--' <<<"$toks" | sed 's/^--//' || true)
		echo "${short:--} $long"
	done | sort)
	while read -r s l; do
		grep -qxF -- "$s $l" <<<"$doc" ||
			bad "$prog(8) OPTIONS does not describe '$s --$l' as --help shows it"
	done <<<"$code"
	while read -r s l; do
		grep -qxF -- "$s $l" <<<"$code" || bad "$prog(8) OPTIONS describes '$s --$l', which $prog does not take"
	done <<<"$doc"
	syn=$(synopsis "$page" | option_tokens | sort -u)
	while read -r s l; do
		grep -qxF -- "--$l" <<<"$syn" || grep -qxF -- "$s" <<<"$syn" ||
			bad "$prog(8) SYNOPSIS does not show --$l"
	done <<<"$code"
done

# --- mtlsvpnctl: commands ------------------------------------------------
CTL=$B/mtlsvpnctl
PAGE=$MAN/mtlsvpnctl.8
# "ca issue-server NAME   issue ..." -> "ca issue-server": the leading
# lowercase words of the label column (labels and summaries are two or
# more spaces apart).
commands=$("$CTL" --help | sed -n '/Commands:/,/^$/p' | sed '1d;$d' |
	awk -F'  +' '{n = split($2, w, " "); c = ""; for (i = 1; i <= n && w[i] ~ /^[a-z][a-z0-9-]*$/; i++) c = c (c ? " " : "") w[i]; print c}')
[ "$(wc -l <<<"$commands")" -ge 10 ] || bad "mtlsvpnctl --help lists too few commands: has its format changed?"

# Synopsis entries "mtlsvpnctl CMD ..." and COMMANDS tags "CMD ARGS".
syn_lines=$(synopsis "$PAGE" | sed -nE 's/^ *mtlsvpnctl +//p')
lead() { awk '{c = ""; for (i = 1; i <= NF && $i ~ /^[a-z][a-z0-9-]*$/; i++) c = c (c ? " " : "") $i; print c}'; }
syn_cmds=$(lead <<<"$syn_lines" | sed '/^$/d')
tag_cmds=$(tags "$PAGE" COMMANDS | lead | sed '/^$/d')

# "mtlsvpnctl help [GROUP]" is ctl.c's own word, not a table command.
EXTRA_COMMANDS="help"

while read -r c; do
	grep -qxF -- "$c" <<<"$syn_cmds" || bad "mtlsvpnctl(8) SYNOPSIS has no line for '$c'"
	grep -qxF -- "$c" <<<"$tag_cmds" || bad "mtlsvpnctl(8) COMMANDS does not describe '$c'"
done <<<"$commands"
while read -r c; do
	grep -qxF -- "$c" <<<"$commands" || [ "$c" = "$EXTRA_COMMANDS" ] ||
		bad "mtlsvpnctl(8) SYNOPSIS shows '$c', which mtlsvpnctl does not have"
done <<<"$syn_cmds"
while read -r c; do
	grep -qxF -- "$c" <<<"$commands" || bad "mtlsvpnctl(8) COMMANDS describes '$c', which mtlsvpnctl does not have"
done <<<"$tag_cmds"

# --- mtlsvpnctl: each command's options -----------------------------------
body=$(roff "$PAGE" | awk '/^\.SH /{on = ($2 != "SYNOPSIS" && $2 != "NAME")} on' | option_tokens | sort -u)
all_opts=$("$CTL" --help | sed -n '/Global options:/,/^$/p' | sed -nE 's/^  --([a-z0-9-]+).*/- \1/p')
while read -r c; do
	# shellcheck disable=SC2086 # the command's words are separate arguments
	opts=$("$CTL" $c --help | help_options)
	[ -n "$opts" ] || bad "mtlsvpnctl $c --help lists no options"
	all_opts+=$'\n'$opts
	entry=$(awk -v c="$c" 'index($0, c) == 1 && (length($0) == length(c) || substr($0, length(c) + 1, 1) == " ")' <<<"$syn_lines" |
		head -1 | option_tokens | sort -u)
	while read -r s l; do
		[ "$l" = help ] && continue
		grep -qxF -- "--$l" <<<"$entry" || grep -qxF -- "$s" <<<"$entry" ||
			bad "mtlsvpnctl(8) SYNOPSIS of '$c' does not show --$l"
		grep -qxF -- "--$l" <<<"$body" || bad "mtlsvpnctl(8) does not describe --$l (of '$c') below SYNOPSIS"
	done <<<"$opts"
	while read -r t; do
		[ -n "$t" ] || continue
		awk -v t="$t" '$1 == t || "--" $2 == t {f = 1} END{exit !f}' <<<"$opts" ||
			bad "mtlsvpnctl(8) SYNOPSIS of '$c' shows $t, which '$c' does not take"
	done <<<"$entry"
done <<<"$commands"
while read -r t; do
	awk -v t="$t" '$1 == t || "--" $2 == t {f = 1} END{exit !f}' <<<"$all_opts" ||
		bad "mtlsvpnctl(8) OPTIONS describes $t, which no command takes"
done < <(tags "$PAGE" OPTIONS | option_tokens | sort -u)

# No merge left its conflict markers in the documentation.
while IFS= read -r hit; do
	bad "unresolved merge conflict marker: $hit"
done < <(grep -rnE '^(<<<<<<< |=======$|>>>>>>> )' "$SRC/docs" "$SRC/README.md" || true)

if [ "$FAILS" -gt 0 ]; then
	printf '[test_docs] FAIL: %d difference(s) between the programs and their man pages\n' "$FAILS" >&2
	exit 1
fi
echo "[test_docs] OK: the man pages describe every command and option, and only those"
