#!/bin/sh
# tests/check_scripts.sh - every shell script of the tree parses (bash -n / sh -n by its #! line):
# the bench, the tools, the lab and the scenario files are not all run by make check, and a merge
# can leave one that no longer parses.
top_srcdir=${top_srcdir:-.}
n=0; fail=0
for f in "$top_srcdir"/bench/*.sh "$top_srcdir"/tools/*.sh "$top_srcdir"/tests/*.sh "$top_srcdir"/tests/lab/*.sh \
	"$top_srcdir"/tests/integration/*.sh "$top_srcdir"/tests/integration/scenarios/*.sh "$top_srcdir"/.ci/run \
	"$top_srcdir"/debian/tests/smoke "$top_srcdir"/contrib/bash-completion/nltrust; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	case $(head -n 1 "$f") in
	'#!/bin/sh'*) sh_=sh ;;
	*) sh_=bash ;; # bash scripts, and the scenario files run.sh sources (bash)
	esac
	if out=$($sh_ -n "$f" 2>&1); then
		echo "ok $n - $sh_ -n ${f#"$top_srcdir"/}"
	else
		echo "not ok $n - $sh_ -n ${f#"$top_srcdir"/}: $(printf '%s' "$out" | head -n 2 | tr '\n' ' ')"
		fail=1
	fi
done
echo "1..$n"
exit $fail
