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

# configure --disable-lab-tests (make distcheck, the Debian build): no lab unless NLT_LAB_REQUIRE=1
if [ "${NLT_LAB_TESTS:-yes}" = no ] && [ "${NLT_LAB_REQUIRE:-0}" != 1 ]; then
	echo "1..0 # SKIP configured with --disable-lab-tests; integration scenarios not run"
	exit 77
fi
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

run_t0=$(date +%s)
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

# run nltrust in ws1's namespace (the joined member)
run_ws1() {
	local ef; ef=$(mktemp)
	out=$("$lab" exec ws1 "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
st() { "$lab" exec dc1 samba-tool "$@" -s "$DC1_CONF" >/dev/null 2>&1; }
# NLT_SCENARIO=FILE runs only tests/integration/scenarios/FILE (for development with NLT_LAB_REUSE=1)
if [ -n "${NLT_SCENARIO:-}" ]; then
	. "$top_srcdir/tests/integration/scenarios/$NLT_SCENARIO"
	echo "1..$n"; exit $fail
fi

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
check "ping's text, its Problems lines included, fits 100 columns with no trailing blanks" \
	eval '[ "$(printf "%s\n" "$out" | awk "length > 100 || / \$/" | wc -l)" -eq 0 ]'
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

# ---- verify: the machine account, by Kerberos, on one DC ------------------
run_ws1 --json verify -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget 'j["kerberos"]["result"]')" = ok ] && [ "$(jget 'j["healthy"]')" = True ] &&
   [ "$(jget 'j["kerberos"]["kvno_accepted"] == j["directory"]["key_version_number"] == j["keytab"]["kvnos"][0]')" = True ]; then
	ok "verify on the joined member: healthy, keytab kvno = accepted kvno = msDS-KeyVersionNumber"
else bad "verify on the joined member"; show; fi

# a scratch computer account with a known password, tested from the client
tdir=$(mktemp -d); chmod 700 "$tdir"
pw1="Nlt-one-$(date +%s%N)-pw"; pw2="Nlt-two-$(date +%s%N)-pw"
printf '%s\n' "$pw1" > "$tdir/pw1"; printf '%s\n' "$pw2" > "$tdir/pw2"; chmod 600 "$tdir"/pw*
st computer delete NLTT1; st computer create NLTT1 && st user setpassword 'NLTT1$' --newpassword="$pw1" ||
	bad "samba-tool could not create the scratch computer NLTT1"
run_cli verify -S "$DC1_FQDN" -m nltt1 --machine-password-file "$tdir/pw1" "$LAB_DOMAIN"
check "verify with the right machine password exits 0 and says Healthy" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Healthy"'
# the trust breaks on the DC side only (what a restored snapshot or a lost change looks like)
st user setpassword 'NLTT1$' --newpassword="$pw2"
run_cli --json verify -S "$DC1_FQDN" -m NLTT1 --machine-password-file "$tdir/pw1" "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && [ "$(jget 'j["kerberos"]["result"]')" = password_mismatch ] &&
   printf '%s' "$err" | grep -q "holds a different password for NLTT1\\$"; then
	ok "after a DC-side password change verify exits 1 naming the password mismatch"
else bad "DC-side password change not reported"; show; fi
# a keytab whose newest key the DC never got, and whose older key is the DC's
printf 'addent -password -p NLTT1$@%s -k 5 -e aes256-cts-hmac-sha1-96 -s %shostnltt1.%s\n%s\naddent -password -p NLTT1$@%s -k 6 -e aes256-cts-hmac-sha1-96 -s %shostnltt1.%s\n%s\nwkt %s\nq\n' \
	"$LAB_REALM" "$LAB_REALM" "$LAB_DOMAIN" "$pw2" "$LAB_REALM" "$LAB_REALM" "$LAB_DOMAIN" "$pw1" "$tdir/kt" | ktutil >/dev/null 2>&1
run_cli --json verify -S "$DC1_FQDN" -m NLTT1 -K "$tdir/kt" "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && [ "$(jget '(j["kerberos"]["kvno_tried"], j["kerberos"]["kvno_accepted"])')" = "(6, 5)" ] &&
   printf '%s' "$out" | grep -q "older key (kvno 5) still works"; then
	ok "a keytab whose newest key the DC lacks: exit 1, and the older kvno that works is named"
else bad "stale keytab newest key"; show; fi
st user disable 'NLTT1$'
run_cli --json verify -S "$DC1_FQDN" -m NLTT1 --machine-password-file "$tdir/pw2" "$LAB_DOMAIN"
check "a disabled account: exit 1, account_disabled" \
	eval '[ "$rc" -eq 1 ] && [ "$(jget "j[\"kerberos\"][\"result\"]")" = account_disabled ]'
st computer delete NLTT1
run_cli verify -S "$DC1_FQDN" -m NLTT1 --machine-password-file "$tdir/pw2" "$LAB_DOMAIN"
check "a deleted account: exit 1, says it was deleted" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$err" | grep -q "NLTT1\\$ exists neither on $DC1_FQDN nor on $DCB_FQDN: the computer account was deleted"'
run_cli verify -S "$DC1_FQDN" -m NLTT1 -K "$tdir/nonexistent.kt" "$LAB_DOMAIN"
check "an unreadable keytab exits 3 naming it" \
	eval '[ "$rc" -eq 3 ] && printf "%s" "$err" | grep -q "nonexistent.kt"'
chmod 644 "$tdir/pw1"
run_cli verify -S "$DC1_FQDN" -m NLTT1 --machine-password-file "$tdir/pw1" "$LAB_DOMAIN"
check "a password file others can read is refused (exit 3)" \
	eval '[ "$rc" -eq 3 ] && printf "%s" "$err" | grep -q "chmod 600"'
# the KDC port filtered: a clear error within --timeout, not MIT's ~18 s of retries
"$lab" block dc1 tcp 88 >/dev/null
t0=$(date +%s%N)
run_ws1 --timeout 3 verify -S "$DC1_FQDN" -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
el=$(( ($(date +%s%N) - t0) / 1000000 ))
"$lab" unblock dc1 tcp 88 >/dev/null
if [ "$rc" -eq 4 ] && [ "$el" -lt 4500 ] && printf '%s' "$err" | grep -q "88/tcp.*timeout"; then
	ok "KDC port filtered: exit 4 naming 88/tcp and the timeout, after ${el} ms"
else bad "filtered KDC (${el} ms)"; show; fi
# a keytab with ten kvnos, the newest written last (as msktutil appends): the newest is the one tried
st computer delete NLTT4; st computer create NLTT4 && st user setpassword 'NLTT4$' --newpassword="$pw1"
for kv in 1 2 3 4 5 6 7 8 9 10; do
	[ $kv = 10 ] && p="$pw1" || p="old-$kv-$pw2"
	printf 'addent -password -p NLTT4$@%s -k %s -e aes256-cts-hmac-sha1-96 -s %shostnltt4.%s\n%s\n' \
		"$LAB_REALM" $kv "$LAB_REALM" "$LAB_DOMAIN" "$p"
done | { cat; printf 'wkt %s\nq\n' "$tdir/kt10"; } | ktutil >/dev/null 2>&1
run_cli --json verify -S "$DC1_FQDN" -m NLTT4 -K "$tdir/kt10" "$LAB_DOMAIN"
check "a keytab with ten kvnos: the newest (10, last in the file) is the one tried, and it works" \
	eval '[ "$(jget "(j[\"kerberos\"][\"kvno_tried\"], j[\"kerberos\"][\"result\"])")" = "(10, '"'ok'"')" ]'
st computer delete NLTT4
rm -rf "$tdir"

# ---- discover --via-dc: the DC's own DsGetDcName over Netlogon ------------
run_cli --json discover --via-dc --pdc "$LAB_DOMAIN"
check "discover --via-dc --pdc: the chosen DC answers DsrGetDcNameEx2 with the PDC and the client's site" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "(j[\"via_dc\"][\"dc\"][\"name\"], j[\"via_dc\"][\"client_site\"], \"pdc\" in j[\"via_dc\"][\"flags\"])")" = "('"'$DC1_FQDN', 'Branch', True"')" ]'

# Kerberos succeeds but the directory cannot be read: not "Healthy"
"$lab" block dc1 tcp 389 >/dev/null
run_ws1 --timeout 4 verify --method kerberos -S "$DC1_FQDN" -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
"$lab" unblock dc1 tcp 389 >/dev/null
check "LDAP filtered after a good AS exchange: never 'Healthy', exit 4 naming the directory" \
	eval '[ "$rc" -eq 4 ] && ! printf "%s" "$out" | grep -q "^Healthy" && printf "%s" "$err" | grep -q "directory could not be compared"'

# ---- verify over Netlogon: the secure channel itself --------------------
run_ws1 --json verify --method netlogon -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget '(j["netlogon"]["result"], j["netlogon"]["aes"], j["netlogon"]["sealed_capabilities_match"], j["netlogon"]["account_rid"] > 1000, j["kerberos"])')" = "('ok', True, True, True, None)" ]; then
	ok "verify --method netlogon: AES secure channel, sealed LogonGetCapabilities matches, RID reported"
else bad "verify --method netlogon"; show; fi
nw=$(mktemp); chmod 600 "$nw"; echo "not-the-machine-password" > "$nw"
run_cli --json verify --method netlogon -S "$DC1_FQDN" -m ws1 --machine-password-file "$nw" "$LAB_DOMAIN"
check "Netlogon with a wrong machine secret: exit 1, password_mismatch (ACCESS_DENIED)" \
	eval '[ "$rc" -eq 1 ] && [ "$(jget "j[\"netlogon\"][\"result\"]")" = password_mismatch ]'
run_ws1 --json verify -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
check "verify runs Kerberos and Netlogon by default, both ok" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "(j[\"kerberos\"][\"result\"], j[\"netlogon\"][\"result\"])")" = "('"'ok', 'ok'"')" ]'
"$lab" block dc1 tcp 135 >/dev/null
# an empty state directory: no cached Netlogon port, so the endpoint mapper is needed
epmsd=$(mktemp -d); chmod 700 "$epmsd"
run_ws1 --timeout 3 verify --method netlogon -S "$DC1_FQDN" --state-dir "$epmsd" -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
rm -rf "$epmsd"
"$lab" unblock dc1 tcp 135 >/dev/null
check "the endpoint mapper filtered: Netlogon cannot run, exit 4 (no DC reachable) naming port 135" \
	eval '[ "$rc" -eq 4 ] && printf "%s" "$err" | grep -q ":135"'
# the DC still holds the previous secret: the keytab's newest kvno is refused, the older one works
pv=$(mktemp -d); chmod 700 "$pv"; pa="Nlt-prev-$(date +%s%N)-pw"
st computer delete NLTT6; st computer create NLTT6 && st user setpassword 'NLTT6$' --newpassword="$pa"
st user enable 'NLTT6$'
for kv in 2 3; do
	[ $kv = 2 ] && p="$pa" || p="$pa-never-set"
	printf 'addent -password -p NLTT6$@%s -k %s -e rc4-hmac\n%s\n' "$LAB_REALM" $kv "$p"
done | { cat; printf 'wkt %s\nq\n' "$pv/kt"; } | ktutil >/dev/null 2>&1
run_cli --json verify --method netlogon -S "$DC1_FQDN" -m NLTT6 -K "$pv/kt" "$LAB_DOMAIN"
check "Netlogon: the newest secret refused, the previous accepted: 'still holds the previous password' (exit 1)" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | grep -q "still holds the previous password"'
st computer delete NLTT6
rm -rf "$pv"
rm -f "$nw"

# ---- show-computer: any computer object, read as an administrator --------
run_cli show-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -d "$LAB_DOMAIN" ws1
check "show-computer ws1: exit 0, decoded flags, AES enctypes and the HOST SPNs" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "workstation_trust_account" &&
	      printf "%s" "$out" | grep -q "aes256-cts-hmac-sha1-96" && printf "%s" "$out" | grep -qi "HOST/ws1.lab.test"'
run_cli --json show-computer -U "$LAB_ADMIN_USER" --stdin-password -d "$LAB_DOMAIN" WS1\$ < "$LAB_ADMIN_PASS_FILE"
if [ "$rc" -eq 0 ] && [ "$(jget '(j["dn"].split(",")[0], j["key_version_number"] >= 1, j["healthy"])')" = "('CN=WS1', True, True)" ]; then
	ok "show-computer --json with the password on stdin: kvno and DN"
else bad "show-computer --json"; show; fi
# a computer made by samba-tool has no AES enctypes and no dNSHostName: both are findings
# (samba-tool writes dc1's database: read from dc1, replication to dcb takes its time)
st computer delete NLTT2; st computer create NLTT2
run_cli --json show-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nltt2
if [ "$rc" -eq 1 ] && [ "$(jget 'any("AES" in p["message"] for p in j["problems"]) and any("dNSHostName" in p["message"] for p in j["problems"])')" = True ]; then
	ok "show-computer names the missing AES enctypes and dNSHostName (exit 1)"
else bad "show-computer findings for a bare account"; show; fi
st user disable 'NLTT2$'
run_cli show-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nltt2
check "show-computer says a disabled account is disabled" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | grep -q "the account is disabled"'
st computer delete NLTT2
run_cli show-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nltt2
check "show-computer of a missing account: exit 1, one line naming it" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$err" | grep -q "no computer account NLTT2\\$ in $LAB_REALM"'
out=$(echo not-the-password | "$lab" exec cli "$bin" show-computer -U "$LAB_ADMIN_USER" --stdin-password -d "$LAB_DOMAIN" ws1 2>&1); rc=$?
check "a wrong admin password exits 5 and says so" \
	eval '[ "$rc" -eq 5 ] && printf "%s" "$out" | grep -q "wrong password"'
# -C: an existing ccache (kinit in the client namespace), nothing typed
ccdir=$(mktemp -d)
"$lab" exec cli env KRB5CCNAME="FILE:$ccdir/cc" KRB5_CONFIG="$CLI_KRB5_CONFIG" kinit "$LAB_ADMIN_PRINCIPAL" < "$LAB_ADMIN_PASS_FILE" >/dev/null 2>&1
out=$("$lab" exec cli env KRB5CCNAME="FILE:$ccdir/cc" "$bin" show-computer -C -d "$LAB_DOMAIN" ws1 2>&1); rc=$?
check "show-computer -C uses an existing credential cache" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "as Administrator@$LAB_REALM"'
rm -rf "$ccdir"

# ---- reset-password: two-phase, confirmed, crash-safe ----------------------
# a scratch member account with a keytab made by MIT ktutil (kvno 2, three principals, three enctypes)
rdir=$(mktemp -d); chmod 700 "$rdir"
rpw="Nlt-three-$(date +%s%N)-pw"
st computer delete NLTT3; st computer create NLTT3 && st user setpassword 'NLTT3$' --newpassword="$rpw" ||
	bad "samba-tool could not create NLTT3"
for p in 'NLTT3$' host/nltt3 "host/nltt3.$LAB_DOMAIN"; do
	for e in aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 rc4-hmac; do
		printf 'addent -password -p %s@%s -k 2 -e %s -s %shostnltt3.%s\n%s\n' "$p" "$LAB_REALM" "$e" "$LAB_REALM" "$LAB_DOMAIN" "$rpw"
	done
done | { cat; printf 'wkt %s\nq\n' "$rdir/kt"; } | ktutil >/dev/null 2>&1
R="-S $DC1_FQDN -m NLTT3 -K $rdir/kt --state-dir $rdir/state"
kvnos() { klist -k "$rdir/kt" 2>/dev/null | awk 'NR > 3 {print $1}' | sort -un | tr '\n' ' '; }
run_cli --json reset-password $R "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget '(j["old_kvno"], j["new_kvno"], len(j["principals"]), len(j["enctypes"]))')" = "(2, 3, 3, 3)" ] &&
   [ "$(kvnos)" = "2 3 " ] && [ "$(stat -c %a "$rdir/kt")" = 600 ]; then
	ok "reset-password as the machine: kvno 2 -> 3, 3 principals x 3 enctypes, kvno 2 kept, keytab 0600"
else bad "reset-password as the machine"; show; echo "# kvnos: $(kvnos)"; fi
run_cli --json verify -S "$DC1_FQDN" -m NLTT3 -K "$rdir/kt" "$LAB_DOMAIN"
check "verify accepts the rewritten keytab (kvno 3 = msDS-KeyVersionNumber)" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"kerberos\"][\"kvno_accepted\"] == j[\"directory\"][\"key_version_number\"] == 3")" = True ]'
out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME=MEMORY:t kinit -k -t "$rdir/kt" "NLTT3\$@$LAB_REALM" 2>&1); rc=$?
check "MIT kinit -k works with the new keytab" eval '[ "$rc" -eq 0 ]'
# break the trust on the DC side: the machine cannot change its own password any more ...
st user setpassword 'NLTT3$' --newpassword="$rpw-broken"
run_cli reset-password $R "$LAB_DOMAIN"
check "with a broken trust, reset-password as the machine exits 1 and points to --admin" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$err" | grep -q -- "--admin"'
run_cli verify -S "$DC1_FQDN" -m NLTT3 -K "$rdir/kt" "$LAB_DOMAIN"
check "verify names the broken trust" eval '[ "$rc" -eq 1 ] && printf "%s" "$err" | grep -q "different password"'
# ... the administrator repairs it, and the trust is healthy again
run_cli reset-password --admin -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" $R "$LAB_DOMAIN"
rc1=$rc
run_cli verify -S "$DC1_FQDN" -m NLTT3 -K "$rdir/kt" "$LAB_DOMAIN"
check "reset-password --admin repairs it: verify is healthy again" eval '[ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ]'
run_cli reset-password --ldap -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" $R "$LAB_DOMAIN"
rc1=$rc
run_cli verify -S "$DC1_FQDN" -m NLTT3 -K "$rdir/kt" "$LAB_DOMAIN"
check "reset-password --ldap (unicodePwd over sealed LDAP) works and verifies" eval '[ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ]'
# a crash at each step boundary; the next run recovers and the trust stays healthy
for fp in reset-after-pending reset-after-dc-accepted reset-after-keytab commit-after-current; do
	out=$("$lab" exec cli env NLT_FAILPOINT=$fp "$bin" reset-password $R "$LAB_DOMAIN" 2>&1); crc=$?
	run_cli reset-password $R "$LAB_DOMAIN"; rc1=$rc; out1=$out
	run_cli verify -S "$DC1_FQDN" -m NLTT3 -K "$rdir/kt" "$LAB_DOMAIN"
	case $fp in reset-after-pending) want="dropped a password";; *) want="recovered an interrupted change";; esac
	if [ "$crc" -eq 99 ] && [ "$rc1" -eq 0 ] && printf '%s' "$out1" | grep -q "$want" && [ "$rc" -eq 0 ] &&
	   [ ! -e "$rdir/state/$LAB_REALM/NLTT3\$/pending" ]; then
		ok "crash at $fp: the next run says '$want' and the trust is healthy"
	else bad "crash at $fp (crash exit $crc, next run $rc1)"; printf '%s\n' "$out1" | diag; show; fi
done
# kpasswd filtered: a clear error before anything is touched
sum0=$(md5sum < "$rdir/kt"); ls0=$(ls "$rdir/state/$LAB_REALM/NLTT3\$")
"$lab" block dc1 tcp 464 >/dev/null
run_cli --timeout 4 reset-password $R "$LAB_DOMAIN"
"$lab" unblock dc1 tcp 464 >/dev/null
if [ "$rc" -eq 4 ] && printf '%s' "$err" | grep -q "464/tcp.*nothing was changed" && [ "$(md5sum < "$rdir/kt")" = "$sum0" ] &&
   [ "$(ls "$rdir/state/$LAB_REALM/NLTT3\$")" = "$ls0" ]; then
	ok "kpasswd port filtered: exit 4, keytab and journal unchanged"
else bad "filtered kpasswd"; show; fi
run_cli --json reset-password --dry-run $R "$LAB_DOMAIN"
check "--dry-run changes nothing and says so" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"dry_run\"]")" = True ] && [ "$(md5sum < "$rdir/kt")" = "$sum0" ]'
# the Netlogon method: NetrServerPasswordSet2 over the sealed channel, then both checks healthy
run_cli --json reset-password --method netlogon $R "$LAB_DOMAIN"; rc1=$rc; nk=$(jget 'j["new_kvno"]')
run_cli --json verify -S "$DC1_FQDN" -m NLTT3 -K "$rdir/kt" "$LAB_DOMAIN"
if [ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$(jget '(j["kerberos"]["result"], j["netlogon"]["result"])')" = "('ok', 'ok')" ] &&
   [ "$(jget 'j["kerberos"]["kvno_accepted"]')" = "$nk" ]; then
	ok "reset-password --method netlogon (ServerPasswordSet2): Kerberos and Netlogon both healthy at kvno $nk"
else bad "reset-password --method netlogon"; show; fi
# the Netlogon port filtered in the middle of a Netlogon reset: clear error, nothing lost
nlport=$(jget 'j["netlogon"]["port"]')
sum0=$(md5sum < "$rdir/kt")
"$lab" block dc1 tcp "$nlport" >/dev/null
run_cli --timeout 4 reset-password --method netlogon $R "$LAB_DOMAIN"
"$lab" unblock dc1 tcp "$nlport" >/dev/null
if [ "$rc" -ne 0 ] && printf '%s' "$err" | grep -q ":$nlport" && [ "$(md5sum < "$rdir/kt")" = "$sum0" ] &&
   [ ! -e "$rdir/state/$LAB_REALM/NLTT3\$/pending" ]; then
	ok "Netlogon port $nlport filtered during a reset: exit $rc naming it, keytab and journal unchanged"
else bad "netlogon port filtered during reset (exit $rc)"; show; fi
run_cli verify -S "$DC1_FQDN" -m NLTT3 -K "$rdir/kt" "$LAB_DOMAIN"
check "... and the trust is still healthy afterwards" eval '[ "$rc" -eq 0 ]'
st computer delete NLTT3
rm -rf "$rdir"

# ---- join, leave and the admin operations on any computer -----------------
jdir=$(mktemp -d); chmod 700 "$jdir"
A="-U $LAB_ADMIN_USER --password-file $LAB_ADMIN_PASS_FILE -S $DC1_FQDN"
J="-m nltj1 -K $jdir/kt --state-dir $jdir/st"
st computer delete NLTJ1
run_cli --json join $A $J --dry-run "$LAB_DOMAIN"
check "join --dry-run says it would create the account and creates nothing" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"dry_run\"]")" = True ] && [ ! -e "$jdir/kt" ]'
run_cli join $A $J "$LAB_DOMAIN"; rc1=$rc
run_cli --json verify -S "$DC1_FQDN" -m nltj1 -K "$jdir/kt" "$LAB_DOMAIN"
if [ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$(jget '" ".join(j["keytab"]["newest_enctypes"])')" = "aes128-cts-hmac-sha1-96 aes256-cts-hmac-sha1-96" ]; then
	ok "join creates the account and an AES keytab; verify is healthy at once"
else bad "join"; show; fi
run_cli verify --method netlogon -S "$DC1_FQDN" -m nltj1 -K "$jdir/kt" "$LAB_DOMAIN"
check "verify --method netlogon with no NT hash anywhere (AES keytab, no journal given): exit 3, never 'Healthy'" \
	eval '[ "$rc" -eq 3 ] && ! printf "%s" "$out" | grep -q "^Healthy"'
run_cli --json verify --method netlogon -S "$DC1_FQDN" -m nltj1 -K "$jdir/kt" --state-dir "$jdir/st" "$LAB_DOMAIN"
check "... and with the journal of the join, the Netlogon check runs and is ok" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"netlogon\"][\"result\"]")" = ok ]'
run_cli --json show-computer $A nltj1
if [ "$rc" -eq 0 ] && [ "$(jget '"%s %d %d" % (j["dns_host_name"], len(j["service_principal_names"]), j["supported_encryption_types"])')" = "nltj1.$LAB_DOMAIN 4 24" ]; then
	ok "the joined account has dNSHostName, HOST/ and RestrictedKrbHost/ SPNs, AES enctypes: no findings"
else bad "joined account attributes"; show; fi
run_cli join $A $J "$LAB_DOMAIN"
check "join refuses an existing account without --reuse (exit 1)" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$err" | grep -q -- "--reuse"'
run_cli join $A $J --reuse "$LAB_DOMAIN"; rc1=$rc
run_cli --json verify -S "$DC1_FQDN" -m nltj1 -K "$jdir/kt" "$LAB_DOMAIN"
check "join --reuse takes it over (kvno 2) and verify is healthy" \
	eval '[ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$(jget "j[\"kerberos\"][\"kvno_accepted\"]")" = 2 ]'
run_cli disable-computer $A nltj1; rc1=$rc
run_cli --json verify -S "$DC1_FQDN" -m nltj1 -K "$jdir/kt" "$LAB_DOMAIN"
check "disable-computer: the member's verify then says account_disabled" \
	eval '[ "$rc1" -eq 0 ] && [ "$rc" -eq 1 ] && [ "$(jget "j[\"kerberos\"][\"result\"]")" = account_disabled ]'
"$lab" exec dc1 samba-tool user enable 'NLTJ1$' -s "$DC1_CONF" >/dev/null 2>&1
run_cli reset-computer $A nltj1; rc1=$rc
printf 'nltj1\n' > "$jdir/default.pw"; chmod 600 "$jdir/default.pw"
run_cli --json verify -S "$DC1_FQDN" -m nltj1 --machine-password-file "$jdir/default.pw" "$LAB_DOMAIN"
check "reset-computer sets the default password (the name in lower case), which the KDC accepts" \
	eval '[ "$rc1" -eq 0 ] && [ "$(jget "j[\"kerberos\"][\"result\"]")" = ok ]'
run_cli leave $A $J "$LAB_DOMAIN"; rc1=$rc
run_cli show-computer $A nltj1
if [ "$rc1" -eq 0 ] && [ "$rc" -eq 1 ] && [ -z "$(klist -k "$jdir/kt" 2>/dev/null | awk 'NR > 3')" ] &&
   [ ! -e "$jdir/st/$LAB_REALM/NLTJ1\$" ]; then
	ok "leave deletes the account, empties the keytab of its keys and removes the journal"
else bad "leave"; show; fi
# join into an OU, then leave --disable: the object stays, disabled, and the local half is cleaned
"$lab" exec dc1 samba-tool ou create "OU=NltLinux,DC=lab,DC=test" -s "$DC1_CONF" >/dev/null 2>&1
J3="-m nltj3 -K $jdir/kt3 --state-dir $jdir/st"
st computer delete NLTJ3
run_cli --json join $A $J3 --ou OU=NltLinux "$LAB_DOMAIN"
check "join --ou OU=NltLinux creates the account in that OU" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"dn\"]")" = "CN=NLTJ3,OU=NltLinux,DC=lab,DC=test" ]'
run_cli leave --disable $A $J3 "$LAB_DOMAIN"; rc1=$rc
run_cli --json show-computer $A nltj3
if [ "$rc1" -eq 0 ] && [ "$(jget '"accountdisable" in j["user_account_control_flags"]')" = True ] &&
   [ -z "$(klist -k "$jdir/kt3" 2>/dev/null | awk 'NR > 3')" ] && [ ! -e "$jdir/st/$LAB_REALM/NLTJ3\$" ]; then
	ok "leave --disable keeps the object, disabled, and removes its keys and journal"
else bad "leave --disable"; show; fi
st computer delete NLTJ3
st computer create NLTJ2
run_cli delete-computer $A --dry-run nltj2; rc1=$rc
run_cli delete-computer $A nltj2; rc2=$rc
run_cli delete-computer $A nltj2
check "delete-computer: --dry-run keeps it, then it is deleted, then 'no computer account' (exit 1)" \
	eval '[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] && [ "$rc" -eq 1 ] && printf "%s" "$err" | grep -q "no computer account NLTJ2"'
rm -rf "$jdir"

# ---- LDAP over TLS: the DC's certificate is verified ----------------------
# (dcb's own CA: every Samba DC makes its own self-signed one, so it did not sign dc1's certificate)
tdir_ca=$(mktemp -d); cp "$LAB_DIR/dcb/private/tls/ca.pem" "$tdir_ca/other-ca.pem"
run_cli show-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -S "$DC1_FQDN" --ldaps ws1
check "--ldaps against a certificate the system does not trust: exit 3 (local configuration), says why and names --ca-file" \
	eval '[ "$rc" -eq 3 ] && printf "%s" "$err" | grep -q "certificate is not trusted (give the CA that signed it with --ca-file FILE) or not valid for $DC1_FQDN"'
run_cli show-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -S "$DC1_FQDN" --starttls \
	--ca-file "$tdir_ca/other-ca.pem" ws1
check "--starttls with a CA file that did not sign the DC's certificate: exit 3, names the file" \
	eval '[ "$rc" -eq 3 ] && printf "%s" "$err" | grep -q "StartTLS to $DC1_FQDN.*not signed by a CA in $tdir_ca/other-ca.pem"'
run_cli show-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -S "$DC1_FQDN" --starttls \
	--ca-file "$LAB_DIR/dc1/private/tls/ca.pem" ws1
check "--starttls with the DC's CA: GSSAPI bound to the TLS channel, the object is read" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "LDAP over TLS, certificate verified"'
printf 'Nlt-tls-%s-pw\n' "$(date +%s%N)" > "$tdir_ca/pw"; chmod 600 "$tdir_ca/pw"
st computer delete NLTT5; st computer create NLTT5
run_cli reset-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -S "$DC1_FQDN" --ldaps \
	--ca-file "$LAB_DIR/dc1/private/tls/ca.pem" --new-password-file "$tdir_ca/pw" nltt5; rc1=$rc
st user enable 'NLTT5$' # samba-tool creates it disabled
run_cli --json verify -S "$DC1_FQDN" -m nltt5 --machine-password-file "$tdir_ca/pw" "$LAB_DOMAIN"
check "unicodePwd over LDAPS (reset-computer --ldaps): the KDC then accepts the new password" \
	eval '[ "$rc1" -eq 0 ] && [ "$(jget "j[\"kerberos\"][\"result\"]")" = ok ]'
st computer delete NLTT5
rm -rf "$tdir_ca"

# ---- failover: the chosen DC's KDC is unreachable before anything is changed ----
"$lab" block dcb tcp 88 >/dev/null; "$lab" block dcb tcp 135 >/dev/null
# a state directory of its own: no Netlogon port cached from earlier runs lets the check past port 135
fo_st=$(mktemp -d)
run_cli --json verify -K "$WS1_KEYTAB" -m WS1 --state-dir "$fo_st" "$LAB_DOMAIN"; rc1=$rc
rm -rf "$fo_st"
dc1=$(jget '(j["dc"]["name"], j["netlogon"]["dc"], j["netlogon"]["result"])')
run_cli show-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -d "$LAB_DOMAIN" ws1; rc2=$rc
"$lab" unblock dcb all >/dev/null
if [ "$rc1" -eq 0 ] && [ "$dc1" = "('$DC1_FQDN', '$DC1_FQDN', 'ok')" ] && [ "$rc2" -eq 0 ] && printf '%s' "$out" | grep -q "Read from:  $DC1_FQDN"; then
	ok "with the Branch DC's KDC and RPC filtered, verify (Kerberos and Netlogon) and show-computer fail over to dc1"
else bad "failover (verify exit $rc1 on '$dc1', show-computer exit $rc2)"; show; fi

# ---- further scenario files, in name order; each restores the lab as it found it ----
sc_t0=$(date +%s)
echo "# the built-in checks above took $((sc_t0 - run_t0)) s"
for sc in "$top_srcdir"/tests/integration/scenarios/*.sh; do
	[ -f "$sc" ] || continue
	echo "# scenarios: $(basename "$sc")"
	sc_t1=$(date +%s)
	. "$sc"
	echo "# $(basename "$sc") took $(($(date +%s) - sc_t1)) s"
done
echo "# the scenario files took $(($(date +%s) - sc_t0)) s"

echo "1..$n"
exit $fail
