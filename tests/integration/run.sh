#!/bin/bash
# tests/integration/run.sh - scenarios that run the installed nltrust binary
# against the real Samba AD lab (tests/lab): two DCs in two sites, a member,
# a client in the second site, a junk CLDAP responder.
#
# Needs root and network namespaces; otherwise says so and skips (exit 77).
# NLT_LAB_PREFIX / NLT_LAB_DIR choose the lab; NLT_LAB_REUSE=1 uses a lab
# that is already up (and leaves it up).  Prints TAP.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
lab=$top_srcdir/tests/lab/lab.sh

# the installed layout (make check installs into tests/inst first)
bin=${NLT_BIN:-${NLT_INST:-$top_builddir/tests/inst}${NLT_SBINDIR:-/usr/local/sbin}/nltrust}
if [ ! -x "$bin" ]; then
	echo "not ok 1 - installed binary missing: $bin"; echo "1..1"; exit 1
fi
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
	if [ "${NLT_LAB_REQUIRE:-0}" = 1 ]; then
		echo "not ok 1 - the lab needs root and network namespaces (NLT_LAB_REQUIRE=1)"; echo "1..1"; exit 1
	fi
	echo "1..0 # SKIP the lab needs root and network namespaces; integration scenarios not run"
	exit 77
fi
export NLT_LAB_PREFIX=${NLT_LAB_PREFIX:-nltc}
export NLT_LAB_DIR=${NLT_LAB_DIR:-/tmp/nltrust-lab-$NLT_LAB_PREFIX}

n=0; fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }
diag() { sed 's/^/#   /'; }
# check LABEL CONDITION...: run a shell condition, report
check() { local label=$1; shift; if "$@"; then ok "$label"; else bad "$label"; fi; }

if [ "${NLT_LAB_REUSE:-0}" != 1 ]; then
	t0=$(date +%s.%N)
	if ! "$lab" up > "$NLT_LAB_DIR.up.log" 2>&1; then
		rc=$?
		if [ $rc -eq 77 ]; then echo "1..0 # SKIP $(tail -n1 "$NLT_LAB_DIR.up.log")"; exit 77; fi
		echo "not ok 1 - lab up failed (exit $rc)"; tail -n 30 "$NLT_LAB_DIR.up.log" | diag; echo "1..1"
		"$lab" down >/dev/null 2>&1; exit 1
	fi
	trap '"$lab" down >/dev/null 2>&1' EXIT
	echo "# lab up in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
fi
eval "$("$lab" env)"

# run nltrust in the client namespace (Branch site); stdout -> $out, stderr -> $err, status -> $rc
out=; err=; rc=
run_cli() {
	local ef; ef=$(mktemp)
	out=$("$lab" exec cli "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
# jq-like: evaluate a Python expression on the JSON in $out (j = the document)
jget() { printf '%s' "$out" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" 2>/dev/null; }
show() { echo "# exit $rc"; printf '%s\n' "$out" | head -n 40 | diag; printf '%s\n' "$err" | head -n 10 | diag; }

# ---- discovery -------------------------------------------------------------
run_cli --json discover "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget 'j["dc"]["name"].lower()')" = "dcb.$LAB_DOMAIN" ] &&
   [ "$(jget 'j["client_site"]')" = "Branch" ] && [ "$(jget 'j["dc"]["site"]')" = "Branch" ]; then
	ok "discover from the Branch client picks the Branch DC (dcb)"
else bad "discover from the Branch client picks the Branch DC"; show; fi
check "every candidate answered and is listed with its site" \
	test "$(jget 'sorted((c["status"], c["site"]) for c in j["candidates"])')" = "[('ok', 'Branch'), ('ok', 'Default-First-Site-Name')]"
check "JSON names the domain, forest, NetBIOS domain and GUID" \
	test "$(jget '(j["domain"], j["forest"], j["netbios_domain"], len(j["domain_guid"]))')" = "('$LAB_DOMAIN', '$LAB_DOMAIN', '${LAB_NETBIOS_DOMAIN:-LAB}', 36)"
check "the chosen DC's flags are decoded (ldap ds kdc writable closest)" \
	test "$(jget 'all(f in j["dc"]["flags"] for f in ["ldap","ds","kdc","writable","closest"])')" = "True"
check "discovery took one ping round and used UDP" \
	test "$(jget '(j["ping_rounds"], j["dc"]["transport"])')" = "(1, 'udp')"

run_cli discover "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q "^DC: *dcb.$LAB_DOMAIN" && printf '%s' "$out" | grep -q 'chosen'; then
	ok "text output names the chosen DC and has the candidate table"
else bad "text output"; show; fi

run_cli --json discover --pdc "$LAB_DOMAIN"
check "--pdc chooses the PDC emulator (dc1) even from the Branch site" \
	test "$rc:$(jget 'j["dc"]["name"].lower()')" = "0:dc1.$LAB_DOMAIN"

run_cli --json discover --site Default-First-Site-Name "$LAB_DOMAIN"
check "--site prefers that site's DC" test "$rc:$(jget 'j["dc"]["name"].lower()')" = "0:dc1.$LAB_DOMAIN"

run_cli --json discover -S "$DC1_IP" -d "$LAB_DOMAIN"
check "-S pings one DC directly" \
	test "$rc:$(jget 'j["dc"]["name"].lower()'):$(jget 'len(j["candidates"])')" = "0:dc1.$LAB_DOMAIN:1"

run_cli --json discover --tcp "$LAB_DOMAIN"
check "--tcp does the LDAP ping over TCP 389" \
	test "$rc:$(jget 'j["dc"]["transport"]'):$(jget 'j["dc"]["name"].lower()')" = "0:tcp:dcb.$LAB_DOMAIN"

run_cli discover nosuchdomain.test
if [ "$rc" -eq 4 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
   printf '%s' "$err" | grep -q '^nltrust: discover: no DC found for nosuchdomain.test: DNS SRV _ldap._tcp.dc._msdcs.nosuchdomain.test: NXDOMAIN'; then
	ok "an unknown domain exits 4 with one clear line"
else bad "unknown domain"; show; fi

run_cli --json discover -S "$JUNK_IP" -d "$LAB_DOMAIN"
if [ "$rc" -eq 6 ] && [ "$(jget 'j["candidates"][0]["status"]')" = "malformed" ] && [ "$(jget 'j["error"]["exit_code"]')" = 6 ]; then
	ok "garbage from a CLDAP responder is reported malformed (exit 6), no crash"
else bad "junk CLDAP responder"; show; fi
run_cli discover -S "$JUNK_IP" -d "$LAB_DOMAIN"
check "the malformed case says so in one line naming the peer" \
	eval 'printf "%s" "$err" | grep -q "^nltrust: discover: LDAP ping to $JUNK_IP ($JUNK_IP) failed: malformed reply"'

# ---- ping ----------------------------------------------------------------
run_cli --json ping "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget 'j["healthy"]')" = True ] && [ "$(jget 'len(j["dcs"])')" = 2 ]; then
	ok "ping of a healthy domain exits 0 and covers both DCs"
else bad "healthy ping"; show; fi
check "every required service is open on both DCs" \
	test "$(jget 'sorted(set(s["status"] for d in j["dcs"] for s in d["services"] if s["required"]))')" = "['open']"
check "the clock comes from the KDC's KRB-ERROR and is within 5 minutes" \
	test "$(jget 'sorted(set((d["clock"]["source"], d["clock"]["ok"]) for d in j["dcs"]))')" = "[('kerberos', True)]"

"$lab" block dcb tcp 445 >/dev/null
run_cli ping -S "dcb.$LAB_DOMAIN" -d "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && printf '%s' "$out" | grep -q "SMB 445/tcp on dcb.$LAB_DOMAIN is filtered: "; then
	ok "a port blocked on a DC: ping reports it filtered with its consequence and exits 1"
else bad "blocked port"; show; fi
run_cli --json ping "$LAB_DOMAIN"
check "--json ping marks only dcb's SMB as filtered" \
	test "$rc:$(jget '[(d["name"].split(".")[0], s["service"]) for d in j["dcs"] for s in d["services"] if s["status"] != "open" and s["required"]]')" = "1:[('dcb', 'smb')]"
"$lab" unblock dcb tcp 445 >/dev/null

# clock fallback: no UDP Kerberos -> rootDSE currentTime over LDAP
"$lab" block dc1 udp 88 >/dev/null
run_cli --json ping -S "$DC1_IP" -d "$LAB_DOMAIN"
check "with UDP 88 filtered the clock comes from LDAP currentTime (and UDP 88 is optional)" \
	test "$rc:$(jget 'j["dcs"][0]["clock"]["source"]')" = "0:ldap"
"$lab" unblock dc1 udp 88 >/dev/null

# ---- a dead DC -----------------------------------------------------------
# hung: every packet to dcb's LDAP dropped -> timeout, dc1 chosen
"$lab" block dcb udp 389 >/dev/null; "$lab" block dcb tcp 389 >/dev/null
t0=$(date +%s%N)
run_cli --json --timeout 5 discover "$LAB_DOMAIN"
el=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$rc" -eq 0 ] && [ "$(jget 'j["dc"]["name"].lower()')" = "dc1.$LAB_DOMAIN" ] &&
   [ "$(jget '[c["status"] for c in j["candidates"] if c["srv_target"].startswith("dcb")][0]')" = timeout ]; then
	ok "a DC that does not answer is reported as timeout and the other is chosen (${el} ms)"
else bad "silent DC"; show; fi
"$lab" unblock dcb udp 389 >/dev/null; "$lab" unblock dcb tcp 389 >/dev/null

# stopped: samba down on dcb -> refused, dc1 chosen
"$lab" stop dcb >/dev/null 2>&1
run_cli --json discover "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget 'j["dc"]["name"].lower()')" = "dc1.$LAB_DOMAIN" ] &&
   [ "$(jget '[c["status"] for c in j["candidates"] if c["srv_target"].startswith("dcb")][0]')" = refused ]; then
	ok "a stopped DC is reported as refused and the other is chosen"
else bad "stopped DC"; show; fi
run_cli ping "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && printf '%s' "$out" | grep -q "dcb.$LAB_DOMAIN"; then
	ok "ping with a stopped DC exits 1 and names it"
else bad "ping with a stopped DC exits 1 and names it"; show; fi
"$lab" start dcb >/dev/null 2>&1 || bad "dcb did not come back"

echo "1..$n"
exit $fail
