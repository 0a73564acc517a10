#!/bin/sh
# tools/demo.sh - README's first command: install, build, bring up the
# built-in lab (two Samba AD DCs in two sites, a member, a client) and run
# the main job against it from the client: discover and ping the DCs, join,
# verify, break the trust on the DC side, verify (broken), repair with
# reset-password --admin, verify (healthy).
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
run() { echo; echo "== nltrust $*"; r=0; "$lab" exec cli "$build/nltrust" "$@" || r=$?; echo "(exit $r)"; }
st() { "$lab" exec dc1 samba-tool "$@" -s "$DC1_CONF" >/dev/null 2>&1; }
# 1. find the DCs and check them
run discover "$LAB_DOMAIN" || rc=$?
run ping "$LAB_DOMAIN" || rc=$?
# 2. a member: the client joins (its keytab and journal in a scratch directory, not /etc)
demo=$(mktemp -d); chmod 700 "$demo"
[ "${NLT_DEMO_KEEP:-0}" = 1 ] || trap '"$lab" down >/dev/null 2>&1; rm -rf "$demo"' EXIT
# everything on dc1, where samba-tool below breaks the trust (replication to dcb takes its time)
K="-S $DC1_FQDN -m cli -K $demo/krb5.keytab"
M="$K --state-dir $demo/state"
A="-U $LAB_ADMIN_USER --password-file $LAB_ADMIN_PASS_FILE"
st computer delete CLI || true
run join $A $M "$LAB_DOMAIN"
run verify $M "$LAB_DOMAIN"
# 3. the trust breaks: the DC gets another password for CLI$ (a restored snapshot, a lost change)
echo; echo "== breaking the trust: samba-tool user setpassword 'CLI\$' on dc1"
st user setpassword 'CLI$' --newpassword="Broken-$(date +%s%N)-pw" || { echo "samba-tool failed"; exit 1; }
run verify $M "$LAB_DOMAIN"
# 4. repair it as the administrator, on that DC, and check
run reset-password --admin $A $M "$LAB_DOMAIN"
run verify $M "$LAB_DOMAIN"
run show-computer -S "$DC1_FQDN" $A cli
exit 0
