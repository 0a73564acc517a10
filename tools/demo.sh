#!/bin/sh
# tools/demo.sh - README's first command: install, build, bring up the
# built-in lab (two Samba AD DCs in two sites, a member, a client) and run
# the main job against it from the client: discover, then ping.
# NLT_DEMO_KEEP=1 leaves the lab up afterwards (tests/lab/lab.sh down removes it).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
"$top/tools/install-deps.sh"
./autogen.sh >/dev/null 2>&1
build=$top/build
mkdir -p "$build"; cd "$build"
[ -f Makefile ] || "$top/configure" >configure.out 2>&1 || { tail -n 30 configure.out; exit 1; }
make -j2 >make.out 2>&1 || { tail -n 60 make.out; exit 1; }
export NLT_LAB_PREFIX=${NLT_LAB_PREFIX:-nltdemo}
lab=$top/tests/lab/lab.sh
echo "== bringing up the lab (prefix $NLT_LAB_PREFIX)"
"$lab" up
[ "${NLT_DEMO_KEEP:-0}" = 1 ] || trap '"$lab" down >/dev/null 2>&1' EXIT
eval "$("$lab" env)"
rc=0
echo; echo "== nltrust discover $LAB_DOMAIN   (from the client in site Branch)"
"$lab" exec cli "$build/nltrust" discover "$LAB_DOMAIN" || rc=$?
echo; echo "== nltrust ping $LAB_DOMAIN"
"$lab" exec cli "$build/nltrust" ping "$LAB_DOMAIN" || rc=$?
echo; echo "== nltrust --json discover $LAB_DOMAIN"
"$lab" exec cli "$build/nltrust" --json discover "$LAB_DOMAIN" || rc=$?
exit $rc
