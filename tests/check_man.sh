#!/bin/sh
# tests/check_man.sh - every option in --help is documented in the man page,
# and every option the man page documents exists (the option table in
# src/cli/opts.c is the one source; this keeps the man pages honest).
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
bin=$top_builddir/nltrust
fail=0
n=0

# --help section "Global options:" or "Command options:" -> sorted --names
help_opts() { # $1 = command or "", $2 = section title
	if [ -n "$1" ]; then "$bin" "$1" --help; else "$bin" --help; fi |
		awk -v sec="$2" '$0 == sec {on=1; next} /^$/ {on=0} on' |
		grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}
# man page: the option names on the tag line after each .TP in section OPTIONS
man_opts() {
	awk '/^\.SH /{on = ($2 == "OPTIONS")} on && prev == ".TP" {print} {prev=$0}' "$1" |
		sed 's/\\-/-/g' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}
check() { # $1 label, $2 help list, $3 man list
	n=$((n + 1))
	missing=$(comm -23 "$2.f" "$3.f")
	extra=$(comm -13 "$2.f" "$3.f")
	if [ -n "$missing" ] || [ -n "$extra" ]; then
		echo "not ok $n - $1"
		[ -n "$missing" ] && echo "#   in --help but not in the man page: $(echo $missing)"
		[ -n "$extra" ] && echo "#   in the man page but not in --help: $(echo $extra)"
		fail=1
	else
		echo "ok $n - $1: $(wc -l < "$2.f") option(s) agree"
	fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

help_opts "" "Global options:" > "$tmp/g.f"
man_opts "$top_srcdir/man/nltrust.8" > "$tmp/gm.f"
[ -s "$tmp/g.f" ] || { echo "not ok 1 - nltrust --help lists no global options"; exit 1; }
check "global options: --help vs nltrust.8" "$tmp/g" "$tmp/gm"

cmds=$("$bin" --help | awk '/^Commands:/{on=1; next} /^$/{on=0} on {print $1}')
[ -n "$cmds" ] || { echo "not ok - nltrust --help lists no commands"; exit 1; }
for c in $cmds; do
	page=$top_srcdir/man/nltrust-$c.8
	n=$((n + 1))
	if [ ! -f "$page" ]; then
		echo "not ok $n - command $c has no man page ($page)"; fail=1; continue
	fi
	echo "ok $n - command $c has a man page"
	help_opts "$c" "Command options:" > "$tmp/$c.f"
	man_opts "$page" > "$tmp/${c}m.f"
	check "$c options: --help vs nltrust-$c.8" "$tmp/$c" "$tmp/${c}m"
	n=$((n + 1))
	cesc=$(printf '%s' "$c" | sed 's/-/\\\\-/g') # man source spells every '-' as '\-'
	if grep -q "^\.BR nltrust\\\\-$cesc (8)" "$top_srcdir/man/nltrust.8"; then
		echo "ok $n - nltrust.8 refers to nltrust-$c(8)"
	else
		echo "not ok $n - nltrust.8 does not refer to nltrust-$c(8)"; fail=1
	fi
done
# man source to plain text: \- -> -, \(aq -> ', \& and font escapes dropped
unesc() { sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\&//g' -e 's/\\f[BIRP]//g'; }
# the one-line summaries of the option table: in each page's NAME line, and in nltrust.8's command list
"$bin" --help | awk '/^Commands:/{on=1; next} /^$/{on=0} on' | sed 's/^  //' > "$tmp/summaries"
while IFS= read -r line; do
	c=${line%% *}; summary=$(printf '%s' "${line#"$c"}" | sed 's/^ *//')
	page=$top_srcdir/man/nltrust-$c.8
	[ -f "$page" ] || continue
	n=$((n + 1))
	name=$(awk '/^\.SH /{on = ($2 == "NAME"); next} on {print; exit}' "$page" | unesc)
	if [ "$name" = "nltrust-$c - $summary" ]; then echo "ok $n - nltrust-$c.8 NAME is the --help summary"
	else echo "not ok $n - nltrust-$c.8 NAME '$name' is not 'nltrust-$c - $summary' (the --help summary)"; fail=1; fi
	n=$((n + 1))
	# the paragraph after ".B c" in nltrust.8's DESCRIPTION, joined into one line
	cesc=$(printf '%s' "$c" | sed 's/-/\\\\-/g')
	para=$(awk -v tag=".B $cesc" '/^\.SH /{on = ($2 == "DESCRIPTION"); next} on && $0 == tag {p=1; next}
		p && /^\.(TP|PP|SH)/ {exit} p {printf "%s ", $0}' "$top_srcdir/man/nltrust.8" | unesc)
	want="$(printf '%s' "$summary" | cut -c1 | tr a-z A-Z)$(printf '%s' "$summary" | cut -c2-)"
	case $para in
	"$want"*) echo "ok $n - nltrust.8 lists $c with its --help summary";;
	*) echo "not ok $n - nltrust.8 does not list $c as '$want...' (has: '$(printf '%s' "$para" | cut -c1-80)')"; fail=1;;
	esac
	n=$((n + 1))
	if grep -qF "| $summary |" "$top_srcdir/README.md"; then echo "ok $n - README's command table has $c's summary"
	else echo "not ok $n - README's command table lacks '| $summary |' for $c"; fail=1; fi
done < "$tmp/summaries"
# every example in every page parses (NLT_PARSE_ONLY: options and arguments are checked, nothing runs),
# and nltrust.8 has an example of every command
for page in "$top_srcdir"/man/*.8; do
	awk '/^\.SH /{on = ($2 == "EXAMPLES"); next} on' "$page" | unesc |
		grep -o 'nltrust [^#]*' | sed 's/ *$//' > "$tmp/ex"
	n=$((n + 1))
	if [ ! -s "$tmp/ex" ]; then echo "not ok $n - $(basename "$page") has no examples"; fail=1; continue; fi
	bad=
	while IFS= read -r ex; do
		eval "set -- ${ex#nltrust }"
		if ! o=$(NLT_PARSE_ONLY=1 "$bin" "$@" 2>&1 </dev/null); then bad="$bad [$ex: $o]"; fi
	done < "$tmp/ex"
	if [ -z "$bad" ]; then echo "ok $n - $(basename "$page"): $(wc -l < "$tmp/ex") example(s) parse"
	else echo "not ok $n - $(basename "$page"): examples that do not parse:$bad"; fail=1; fi
done
n=$((n + 1))
awk '/^\.SH /{on = ($2 == "EXAMPLES"); next} on' "$top_srcdir/man/nltrust.8" | unesc |
	grep -o 'nltrust [^#]*' | awk '{for (i = 2; i <= NF; i++) if ($i !~ /^-/) {print $i; break}}' | sort -u > "$tmp/excmds"
missing=$(cut -d' ' -f1 "$tmp/summaries" | sort | comm -23 - "$tmp/excmds")
if [ -z "$missing" ]; then echo "ok $n - nltrust.8 has an example of every command"
else echo "not ok $n - nltrust.8 has no example of: $(echo $missing)"; fail=1; fi

# --help fits 100 columns for every command (long option names wrap the help, not the terminal)
n=$((n + 1))
long=$(for c in "" $cmds; do "$bin" $c --help | awk -v c="${c:-nltrust}" 'length > 100 {print c ": " $0}'; done)
if [ -z "$long" ]; then echo "ok $n - every --help fits 100 columns"
else echo "not ok $n - --help lines over 100 columns:"; printf '%s\n' "$long" | sed 's/^/#   /'; fail=1; fi

# every man page renders without warnings
for page in "$top_srcdir"/man/*.8; do
	n=$((n + 1))
	if command -v groff >/dev/null 2>&1; then
		w=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
		if [ -n "$w" ]; then echo "not ok $n - $page renders with warnings: $w"; fail=1
		else echo "ok $n - $page renders cleanly"; fi
	else
		echo "ok $n - $page # SKIP groff not installed"
	fi
done
echo "1..$n"
exit $fail
