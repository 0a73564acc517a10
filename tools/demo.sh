#!/bin/sh
# tools/demo.sh - README's first command: install, build, bring up the
# built-in lab (two Samba AD DCs in two sites, a member, a client) and run
# the main job against it from the client: discover and ping the DCs, join,
# verify, break the trust on the DC side, doctor (the diagnosis), doctor --fix
# (the repair, escalating to the admin reset), doctor (healthy); then from
# outside: look at the member ws1, break its trust on the DC side, rejoin it
# over SMB as its local administrator, and let ws1's own tools confirm it.
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
run() { printf '\n== nltrust %s\n' "$*"; r=0; "$lab" exec cli "$build/nltrust" "$@" || r=$?; printf '(exit %s)\n' "$r"; }
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
# 4. the runbook in one command: the root cause, then the repair (rediscover, rotate, admin reset)
run doctor $M "$LAB_DOMAIN"
run doctor --fix $A $M "$LAB_DOMAIN"
# dcb gets CLI$ and its new password (replication would bring them in its own time)
"$lab" exec dcb samba-tool drs replicate dcb dc1 "DC=${LAB_DOMAIN%%.*},DC=${LAB_DOMAIN#*.}" -s "$DCB_CONF" \
	-U "$LAB_ADMIN_USER%$(head -n1 "$LAB_ADMIN_PASS_FILE")" >/dev/null 2>&1 || true
run doctor $M "$LAB_DOMAIN"
run show-computer -S "$DC1_FQDN" $A cli
# 5. from outside: the member ws1 over SMB, as its local administrator (NTLM)
T="--target-user WS1\\root --target-password-file $WS1_LOCAL_PASS_FILE"
run show-target $T "$WS1_FQDN"
run verify --target "$WS1_FQDN" $T -S "$DC1_FQDN" $A
echo; echo "== breaking ws1's trust: two new passwords for WS1\$ on dc1"
st user setpassword 'WS1$' --newpassword="Broken-$(date +%s%N)-a" || { echo "samba-tool failed"; exit 1; }
st user setpassword 'WS1$' --newpassword="Broken-$(date +%s%N)-b" || { echo "samba-tool failed"; exit 1; }
run rejoin --target "$WS1_FQDN" $T -S "$DC1_FQDN" $A "$LAB_DOMAIN"
echo; echo "== ws1's own check: net rpc testjoin"
"$lab" exec ws1 net rpc testjoin -s "$WS1_CONF" || true
exit 0
