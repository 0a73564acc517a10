#!/bin/sh
# tests/check_install.sh - the installed layout ('make install' into a scratch DESTDIR,
# so nothing stale from an earlier install counts): the binary names its build
# (--version, -V, --version --json), every man page of man/ is installed in section 8,
# the bash completion is where bash-completion looks, and 'make uninstall' takes back
# everything 'make install' put down.  Prints TAP.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
inst=$tmp/d
if ! ${MAKE:-make} -s --no-print-directory -C "$top_builddir" install DESTDIR="$inst" >"$tmp/log" 2>&1; then
	echo "not ok 1 - make install DESTDIR=$inst failed:"; tail -n 5 "$tmp/log" | sed 's/^/#   /'; echo "1..1"; exit 1
fi
bin=$inst${NLT_SBINDIR:-/usr/local/sbin}/nltrust
man8=$inst${NLT_MANDIR:-/usr/local/share/man}/man8
compdir=$inst${NLT_BASHCOMPDIR:-/usr/local/share/bash-completion/completions}
n=0; fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }

[ -x "$bin" ] || { echo "not ok 1 - installed binary missing: $bin"; echo "1..1"; exit 1; }
pkgver=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
desc=$(sh "$top_srcdir/tools/buildver.sh" --describe "$top_srcdir")
v=$("$bin" --version); rc=$?
first=$(printf '%s\n' "$v" | head -n 1)
case $first in
"nltrust $pkgver (git $desc)"|"nltrust $pkgver (tarball, from git $desc)") ok "--version names the build: $first";;
"nltrust $pkgver (build source unknown"*) [ -z "$desc" ] && ok "--version: $first" || bad "--version: '$first' but the source says '$desc'";;
*) bad "--version first line '$first', wanted 'nltrust $pkgver (git $desc)' (exit $rc)";;
esac
[ "$rc" -eq 0 ] && ok "--version exits 0" || bad "--version exits $rc"
[ "$("$bin" -V)" = "$v" ] && ok "-V is --version" || bad "-V differs from --version"
if printf '%s\n' "$v" | grep -qE '^built against: MIT krb5 [0-9][^,]*, OpenLDAP [0-9][^,]*, json-c [0-9][^,]*, nettle [0-9]'; then
	ok "--version names the libraries it was built against"
else bad "--version lacks the library versions:"; printf '%s\n' "$v" | sed 's/^/#   /'; fi
if printf '%s\n' "$v" | grep -qE '^features: (none|sanitizers|fuzzing)'; then ok "--version names the features"
else bad "--version lacks the features line"; fi
"$bin" --version --json > "$tmp/v.json"; rc=$?
if [ "$rc" -eq 0 ] && python3 - "$tmp/v.json" "$pkgver" "$desc" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["command"] is None and j["error"] is None, j
assert j["name"] == "nltrust" and j["version"] == sys.argv[2], j
b = j["build"]
assert b["source"] in ("git", "tarball", "unknown") and (b["describe"] or "") == sys.argv[3], b
assert set(j["features"]) == {"sanitizers", "fuzzing"} and all(isinstance(x, bool) for x in j["features"].values())
assert set(j["libraries"]) == {"krb5", "ldap", "json-c", "nettle"}
for k, l in j["libraries"].items():
    assert l["built"] and l["built"][0].isdigit(), (k, l)
    assert l["running"] is None or l["running"][0].isdigit(), (k, l)
assert j["state_dir"].startswith("/")
PY
then ok "--version --json: name, version, build, features, state_dir, libraries"
else bad "--version --json (exit $rc):"; sed 's/^/#   /' "$tmp/v.json"; fi

if python3 -c 'import jsonschema' 2>/dev/null; then
	if why=$(python3 "$top_srcdir/tests/check_json_schema.py" "$top_srcdir/doc/json" version < "$tmp/v.json" 2>&1); then
		ok "--version --json is valid against doc/json/version.schema.json"
	else bad "--version --json against version.schema.json: $why"; fi
else
	ok "--version --json schema check # SKIP python3-jsonschema not installed"
fi

# tools/buildver.sh outside a checkout: an unpacked tarball (even one unpacked inside some other
# git checkout, as distcheck does) is the tarball, with its .tarball-version; without one, unknown
mkdir -p "$tmp/tb/nltrust-x"
printf 'v9.8.7-3-gabcdef1\n' > "$tmp/tb/nltrust-x/.tarball-version"
h=$(sh "$top_srcdir/tools/buildver.sh" "$tmp/tb/nltrust-x" | grep -v '^/\*' | tr '\n' ' ')
[ "$h" = '#define NLT_BUILD_SOURCE "tarball" #define NLT_BUILD_DESCRIBE "v9.8.7-3-gabcdef1" ' ] &&
	ok "buildver.sh in an unpacked tarball: tarball, its describe" || bad "buildver.sh in a tarball: $h"
rm -f "$tmp/tb/nltrust-x/.tarball-version"
if command -v git >/dev/null 2>&1; then git -C "$tmp/tb" init -q 2>/dev/null; fi
h=$(sh "$top_srcdir/tools/buildver.sh" "$tmp/tb/nltrust-x" | grep -v '^/\*' | tr '\n' ' ')
[ "$h" = '#define NLT_BUILD_SOURCE "unknown" #define NLT_BUILD_DESCRIBE "" ' ] &&
	ok "buildver.sh with no .git of its own and no .tarball-version: unknown (not the enclosing checkout)" ||
	bad "buildver.sh without a source: $h"

# man pages: exactly man/*.8, in section 8
(cd "$top_srcdir/man" && ls *.8) | sort > "$tmp/man.src"
(cd "$man8" 2>/dev/null && ls) | sort > "$tmp/man.inst"
if cmp -s "$tmp/man.src" "$tmp/man.inst"; then ok "all $(wc -l < "$tmp/man.src") man pages of man/ installed in $man8"
else bad "installed man pages differ from man/ (< source only, > installed only):"; diff "$tmp/man.src" "$tmp/man.inst" | grep '^[<>]' | sed 's/^/#   /'; fi

# bash completion
if cmp -s "$compdir/nltrust" "$top_srcdir/contrib/bash-completion/nltrust"; then ok "bash completion installed as $compdir/nltrust"
else bad "bash completion not installed as $compdir/nltrust"; fi

# make uninstall: nothing may be left but directories
if ${MAKE:-make} -s --no-print-directory -C "$top_builddir" uninstall DESTDIR="$inst" >>"$tmp/log" 2>&1; then
	left=$(find "$inst" ! -type d | sed "s|^$inst||")
	[ -z "$left" ] && ok "make uninstall leaves no file that make install put down" ||
		{ bad "make uninstall left:"; printf '%s\n' "$left" | sed 's/^/#   /'; }
else bad "make uninstall DESTDIR=$inst failed:"; tail -n 5 "$tmp/log" | sed 's/^/#   /'; fi
echo "1..$n"
exit $fail
