#!/bin/sh
# tests/check_dist.sh - every file git tracks goes into the tarball ('make dist'
# takes DISTFILES: EXTRA_DIST, _SOURCES, man pages...; a directory there takes
# everything under it).  A file left out breaks 'make distcheck' or, worse, only
# the build of someone who starts from the tarball.  Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
if [ ! -e "$top_srcdir/.git" ] || ! command -v git >/dev/null 2>&1; then
	echo "1..0 # SKIP not a git checkout (a tarball is what it is)"; exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
git -C "$top_srcdir" ls-files > "$tmp/tracked" 2>/dev/null || {
	echo "1..0 # SKIP git ls-files failed in $top_srcdir"; exit 77; }
# not shipped on purpose: git's own files
grep -v -e '^\.gitignore$' -e '/\.gitignore$' "$tmp/tracked" > "$tmp/want"
if ! ${MAKE:-make} -s --no-print-directory -C "$top_builddir" print-distfiles > "$tmp/dist.raw" 2> "$tmp/err"; then
	echo "not ok 1 - make print-distfiles failed: $(head -n 3 "$tmp/err")"; echo "1..1"; exit 1
fi
# VPATH builds name some files $(srcdir)/x or $(top_srcdir)/x
abs_src=$(cd "$top_srcdir" && pwd)
sed -e "s|^$abs_src/||" -e "s|^$top_srcdir/||" -e 's|^\./||' -e 's|/*$||' "$tmp/dist.raw" | sort -u > "$tmp/dist"
missing=
n=0
while IFS= read -r f; do
	n=$((n + 1))
	p=$f; hit=
	while :; do
		if grep -qxF -- "$p" "$tmp/dist"; then hit=1; break; fi
		case $p in */*) p=${p%/*};; *) break;; esac
	done
	[ -n "$hit" ] || missing="$missing $f"
done < "$tmp/want"
if [ -n "$missing" ]; then
	echo "not ok 1 - tracked files that 'make dist' leaves out (add them to EXTRA_DIST or a _SOURCES in Makefile.am):"
	for f in $missing; do echo "#   $f"; done
	echo "1..1"; exit 1
fi
echo "ok 1 - all $n tracked files are in the tarball"
echo "1..1"
