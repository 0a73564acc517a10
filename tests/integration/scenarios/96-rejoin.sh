# tests/integration/scenarios/96-rejoin.sh - issue 9: rejoin / leave / join a remote member over wkssvc
# (NetrJoinDomain2 / NetrUnjoinDomain2 on \PIPE\wkssvc, the domain password in the RC4 buffer under the
# SMB application key) against ws1, a Samba member, as its local administrator (WS1\root, NTLM).
# - --dry-run: the plan, nothing changed (kvno the same);
# - ws1's trust broken on the DC side twice on both DCs (one change still lets NTLM through: the DC keeps
#   the previous password) and its winbindd restarted (an established schannel outlives the change):
#   `net rpc testjoin` fails and the domain Administrator cannot log on to ws1 (show-target, exit 5);
#   rejoin as WS1\root: exit 0, a higher kvno in the directory, a reboot pending; ws1's own
#   `net rpc testjoin` / `net ads testjoin` say it is joined; the Administrator can log on again;
# - leave then join (the member's testjoin fails in between; leave prints the join command);
# - rejoin into another OU (the account moves), and again without --ou (it stays);
# - a local account without the privilege (WS1\daemon, added to ws1's passdb here) -> ACCESS_DENIED, exit 5;
# - the domain admin's password wrong -> our Kerberos login refuses it before anything (exit 5), a plain
#   domain user -> the member's own refusal surfaced, ws1 unchanged and still joined;
# - the KB5020276 reuse rule: WS1$ given another user's mS-DS-CreatorSID (set on dc1's sam.ldb with the
#   relax control: Samba 4.17 does not let a plain user create computers over LDAP) -> refused before any
#   change, exit 1; the account deleted in AD -> rejoin creates it again.
# - the directory half runs in a thread beside the member's SMB logon: with either half held back
#   (NLT_TEST_RJOIN_DELAY), a refused reuse still sends no join or unjoin (NLT_DUMP_STUBS, with a control that
#   records a join that is sent), and a wrong member password with a good admin reports the SMB logon (exit 5);
#   LDAP refused on the DC discovery chose (after the thread's Kerberos logon): failed over to the other DC.
# - the member's wkssvc bind and NetrWkstaGetInfo go in one flight: with ws1's rpcd_classic stopped (a Samba helper
#   that is starting resets them) the bind is asked again on a new pipe and the name is still WS1.
# Every --json document is checked against doc/json/rejoin.schema.json.  ws1 is left joined with a keytab
# that matches (net ads join + keytab create, as lab.sh does), whatever happens (an EXIT trap too).

schemas=$top_srcdir/doc/json
checker=$top_srcdir/tests/check_json_schema.py
t96=$(mktemp -d); chmod 700 "$t96"
cp "$WS1_LOCAL_PASS_FILE" "$t96/root.pw"; cp "$LAB_ADMIN_PASS_FILE" "$t96/admin.pw"
echo 'not-the-password' >"$t96/wrong.pw"
printf '%s\n' 'Nlt96-Joe-pw-1!' >"$t96/joe.pw"; printf '%s\n' 'Nlt96-daemon-pw-1!' >"$t96/daemon.pw"
chmod 600 "$t96"/*.pw
t96_ou="OU=NltRejoin96,DC=lab,DC=test"
# r96 ARGS...: nltrust in cli's namespace (stdout $out, stderr $err, status $rc)
r96() {
	local ef; ef=$(mktemp)
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
t96_schema() { printf '%s' "$out" | python3 "$checker" "$schemas" rejoin >/dev/null 2>&1; }
# the member and the domain admin, every run pinned to dc1 (the reuse case changes dc1's database)
tgt=(--target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t96/root.pw")
adm=(-S "$DC1_FQDN" -U Administrator --password-file "$t96/admin.pw")
# ws1's own view of its membership
testjoin_ok() { "$lab" exec ws1 net rpc testjoin -s "$WS1_CONF" >/dev/null 2>&1; }
# the same, asked up to 3 times 1 s apart: ws1's own DC location fails now and then right after other
# scenarios restarted its daemons (seen 3 times in check 6, unrelated to nltrust); a broken join fails all 3
testjoin_ok_settled() {
	local i
	for i in 1 2 3; do
		testjoin_ok && return 0
		echo "# ws1's net rpc testjoin failed (try $i): $("$lab" exec ws1 net rpc testjoin -s "$WS1_CONF" 2>&1 | tail -n 1)"
		sleep 1
	done
	return 1
}
ads_testjoin_ok() { "$lab" exec ws1 net ads testjoin -s "$WS1_CONF" >/dev/null 2>&1; }
# WS1$'s kvno on dc1
kvno96() { "$lab" exec dc1 samba-tool computer show WS1 -s "$DC1_CONF" --attributes=msDS-KeyVersionNumber 2>/dev/null |
	awk '/^msDS-KeyVersionNumber:/ {print $2}'; }
# restart ws1's winbindd (by its pid file): its netlogon channel is set up again from its secret
ws1_winbind_restart() {
	local pf=$LAB_DIR/ws1/pid/winbindd.pid pid i
	pid=$(cat "$pf" 2>/dev/null)
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	fi
	"$lab" exec ws1 winbindd -D -s "$WS1_CONF" >/dev/null 2>&1
	sleep 0.5
}
# put ws1 back as lab.sh made it: joined by net ads join (keytab written), winbindd with a fresh channel
ws1_restore() {
	local try
	ip netns exec "$WS1_NS" iptables -D OUTPUT -d "$DC1_IP" -j REJECT 2>/dev/null
	ip netns exec "$WS1_NS" iptables -D OUTPUT -d "$DCB_IP" -j REJECT 2>/dev/null
	for try in 1 2 3; do
		"$lab" exec ws1 net ads join -s "$WS1_CONF" -S "$DC1_FQDN" -U "Administrator%$(cat "$LAB_ADMIN_PASS_FILE")" \
			>/dev/null 2>&1 && break
		sleep 1
	done
	"$lab" exec ws1 net ads keytab create -s "$WS1_CONF" -P >/dev/null 2>&1
	# deleting WS1 in AD took its DNS record with it, and a join over wkssvc registers none: put it back on dc1,
	# and pull the account and the zone to dcb (as lab.sh up does)
	"$lab" exec dc1 samba-tool dns add "$DC1_IP" "$LAB_DOMAIN" ws1 A "$WS1_IP" -s "$DC1_CONF" \
		-U "Administrator%$(cat "$LAB_ADMIN_PASS_FILE")" >/dev/null 2>&1
	for nc in DC=lab,DC=test DC=DomainDnsZones,DC=lab,DC=test; do
		"$lab" exec dcb samba-tool drs replicate dcb dc1 "$nc" -s "$DCB_CONF" \
			-U "Administrator%$(cat "$LAB_ADMIN_PASS_FILE")" >/dev/null 2>&1
	done
	ws1_winbind_restart
}
# chain run.sh's own EXIT trap (lab down when it brought the lab up): run ours, then its command
t96_trap_cmd() { [ $# -ge 3 ] && printf '%s' "$3"; }
t96_prev_cmd=$(eval "t96_trap_cmd $(trap -p EXIT)")
trap 'ws1_restore; rm -rf "$t96"; eval "$t96_prev_cmd"' EXIT

check "doc/json has a valid rejoin schema" python3 "$checker" "$schemas" --schemas rejoin

# ---- 0. usage ------------------------------------------------------------------------------------------
r96 rejoin "${adm[@]}" "$LAB_DOMAIN"
check "rejoin without --target: usage, exit 2" eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q -- "--target HOST"'
r96 rejoin "${tgt[@]}" -S "$DC1_FQDN" -C "$LAB_DOMAIN"
check "rejoin with -C: usage, exit 2 (the member needs the password itself)" \
	eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "credential cache holds none"'
r96 join "${tgt[@]}" "${adm[@]}" -K /tmp/x.kt "$LAB_DOMAIN"
check "join --target with -K: usage, exit 2" eval '[ "$rc" -eq 2 ]'

# ---- 1. --dry-run ----------------------------------------------------------------------------------------
k0=$(kvno96)
r96 --json rejoin --dry-run "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "rejoin --dry-run: exit 0, schema-valid, a plan, WS1\$ found, reuse allowed (created by an administrator), no call made" \
	eval '[ "$rc" -eq 0 ] && t96_schema && [ "$(jget "(j[\"dry_run\"], len(j[\"plan\"]) >= 3, j[\"account_before\"][\"exists\"], j[\"reuse\"][\"verdict\"], j[\"join\"], j[\"unjoin\"], j[\"computer_name\"])")" = "(True, True, True, '"'admin_created'"', None, None, '"'WS1'"')" ]'
[ "$rc" -eq 0 ] || show
check "rejoin --dry-run changed nothing (kvno $k0 on dc1)" eval '[ -n "$k0" ] && [ "$(kvno96)" = "$k0" ]'
check "... and ws1 is still joined (its own net rpc testjoin)" testjoin_ok_settled

# the member's wkssvc bind and NetrWkstaGetInfo leave in one flight (target_rpc_first).  A Samba RPC helper that is
# not running resets a bind and a request that come together on the pipe that starts it: ws1's rpcd_classic
# stopped (samba-dcerpcd starts it again on demand), the pipelined bind is asked again on a new pipe and the name
# is still WS1; warm, nothing is asked again.
t96_stop_classic() {
	local d p
	d=$(tr -dc 0-9 <"$LAB_DIR/ws1/pid/samba-dcerpcd.pid" 2>/dev/null | head -c 10)
	[ -n "$d" ] || return 1
	for p in $(ps -o pid= -o args= --ppid "$d" 2>/dev/null | awk '$2 ~ /rpcd_classic$/ {print $1}'); do kill "$p"; done
	sleep 0.5
}
if t96_stop_classic; then
	r96 -v --json rejoin --dry-run "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
	check "rpcd_classic not running: the pipelined wkssvc bind reset, asked again on a new pipe (-v), dry-run exit 0, computer WS1" \
		eval '[ "$rc" -eq 0 ] && printf "%s" "$err" | grep -q "reset the pipelined wkssvc bind (NTSTATUS 0xc000020d): asked again on a new pipe" &&
			[ "$(jget "j[\"computer_name\"]")" = WS1 ]'
	[ "$rc" -eq 0 ] || show
	r96 -v --json rejoin --dry-run "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
	check "... and with the helper running: nothing asked again, exit 0, computer WS1" \
		eval '[ "$rc" -eq 0 ] && ! printf "%s" "$err" | grep -q "asked again" && [ "$(jget "j[\"computer_name\"]")" = WS1 ]'
	[ "$rc" -eq 0 ] || show
else
	bad "ws1's samba-dcerpcd pid file not found ($LAB_DIR/ws1/pid/samba-dcerpcd.pid)"
fi

# ---- 2. break ws1's trust on the DC side, twice, on both DCs ---------------------------------------------
for d in dc1 dcb; do
	c=$DC1_CONF; [ "$d" = dcb ] && c=$DCB_CONF
	for i in 1 2; do
		"$lab" exec "$d" samba-tool user setpassword 'WS1$' --newpassword="Nlt96-broken-$d-$i-$(date +%s%N)" -s "$c" \
			>/dev/null 2>&1
	done
done
ws1_winbind_restart
check "ws1's trust broken: its own 'net rpc testjoin' fails" eval '! testjoin_ok'
r96 show-target --target-user 'LAB\Administrator' --target-password-file "$t96/admin.pw" "$WS1_FQDN"
check "the domain Administrator cannot log on to ws1 now (show-target exit 5)" eval '[ "$rc" -eq 5 ]'
[ "$rc" -eq 5 ] || show

# ---- 3. rejoin as ws1's local administrator ------------------------------------------------------------------
k1=$(kvno96)
t0=$(date +%s%N)
r96 --json rejoin "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
t1=$(date +%s%N)
check "rejoin --target ws1 as WS1\\root: exit 0, NetrJoinDomain2 WERR_OK, no unjoin needed, a new password in the directory, reboot pending, the owner carried over" \
	eval '[ "$rc" -eq 0 ] && t96_schema && [ "$(jget "(j[\"join\"][\"werror\"], j[\"unjoin\"], j[\"password_new\"], j[\"reboot_pending\"], j[\"left_unjoined\"], j[\"account_after\"][\"key_version_number\"] > j[\"account_before\"][\"key_version_number\"], j[\"account_after\"][\"owner_sid\"] == j[\"account_before\"][\"owner_sid\"] != None)")" = "(0, None, True, True, False, True, True)" ]'
[ "$rc" -eq 0 ] || show
echo "# rejoin --target took $(( (t1 - t0) / 1000000 )) ms (the member's join: $(jget 'j["join"]["ms"]') ms); kvno $k1 -> $(kvno96)"
check "after the rejoin ws1's own tools say it is joined (net rpc testjoin, net ads testjoin)" eval 'testjoin_ok && ads_testjoin_ok'
ws1_winbind_restart
r96 show-target --target-user 'LAB\Administrator' --target-password-file "$t96/admin.pw" "$WS1_FQDN"
check "the domain Administrator can log on to ws1 again (show-target exit 0)" eval '[ "$rc" -eq 0 ]'
r96 rejoin "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "text: the new kvno, 'a reboot' pending" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Result: .*rejoined lab.test.*kvno [0-9]* -> [0-9]*" && printf "%s" "$out" | grep -q "^Reboot: *pending"'

# the password buffer's key per dialect: the session key on 2.x, the application key on 3.x (each KDF)
for dv in 0202:2.0.2:session 0210:2.1:session 0300:3.0:application 0302:3.0.2:application; do
	IFS=: read -r d dname key <<<"$dv"
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" NLT_SMB2_MAX_DIALECT=$d "$bin" --json rejoin "${tgt[@]}" "${adm[@]}" \
		"$LAB_DOMAIN" 2>/dev/null); rc=$?
	check "rejoin over SMB $dname (the password under the $key key): WERR_OK, a new password" \
		eval '[ "$rc" -eq 0 ] && [ "$(jget "(j[\"join\"][\"werror\"], j[\"password_new\"], j[\"smb\"])")" = "(0, True, '"'$dname, $key key'"')" ]'
	[ "$rc" -eq 0 ] || show
done
check "... and ws1 is joined after them" testjoin_ok

# the DC discovery picks (dcb, cli's site) answers Kerberos but refuses LDAP: the bind fails in the directory thread
# after its gate, and the main thread fails over to dc1 (KRB5_CONFIG set there); the member is then sent to dc1
ip netns exec "$CLI_NS" iptables -A OUTPUT -d "$DCB_IP" -p tcp --dport 389 -j REJECT
out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$bin" -v --json rejoin "${tgt[@]}" -U Administrator \
	--password-file "$t96/admin.pw" "$LAB_DOMAIN" 2>"$t96/err-fo"); rc=$?
ip netns exec "$CLI_NS" iptables -D OUTPUT -d "$DCB_IP" -p tcp --dport 389 -j REJECT
check "LDAP refused on dcb after its Kerberos logon: failed over to dc1, joined there, a new password, exit 0" \
	eval '[ "$rc" -eq 0 ] && t96_schema && grep -q "LDAP connect to dcb.lab.test .*failing over to dc1.lab.test" "$t96/err-fo" &&
	      [ "$(jget "(j[\"dc\"][\"name\"], j[\"join\"][\"werror\"], j[\"password_new\"])")" = "('"'dc1.lab.test'"', 0, True)" ] && testjoin_ok'
[ "$rc" -eq 0 ] || { show; diag <"$t96/err-fo"; }

# ---- 4. leave, then join ---------------------------------------------------------------------------------------
r96 --json leave "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "leave --target: exit 0, NetrUnjoinDomain2 options 0 WERR_OK, the member not joined, the join command printed" \
	eval '[ "$rc" -eq 0 ] && t96_schema && [ "$(jget "(j[\"command\"], j[\"unjoin\"][\"options\"], j[\"unjoin\"][\"werror\"], j[\"left_unjoined\"], j[\"join\"])")" = "('"'leave'"', 0, 0, True, None)" ] &&
	      jget "j[\"next_command\"]" | grep -q "^nltrust join --target ws1.lab.test --target-user .WS1.root. --target-password-file "'
[ "$rc" -eq 0 ] || show
check "after leave: ws1's testjoin fails; WS1\$ is still in the directory, enabled (options 0 keeps it)" \
	eval '! testjoin_ok && "$lab" exec dc1 samba-tool computer show WS1 -s "$DC1_CONF" --attributes=userAccountControl 2>/dev/null | grep -q "^userAccountControl: 4096$"'
r96 leave "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "leave again (not joined): idempotent, exit 0" eval '[ "$rc" -eq 0 ]'
[ "$rc" -eq 0 ] || show
r96 --json join "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "join --target: exit 0, password new, ws1's testjoin OK" \
	eval '[ "$rc" -eq 0 ] && t96_schema && [ "$(jget "(j[\"command\"], j[\"join\"][\"werror\"], j[\"password_new\"])")" = "('"'join'"', 0, True)" ] && testjoin_ok'
[ "$rc" -eq 0 ] || show

r96 leave --disable "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "leave --target --disable: exit 0 (NetrUnjoinDomain2 ACCT_DELETE)" eval '[ "$rc" -eq 0 ] && ! testjoin_ok'
r96 --json join "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "join --target of the disabled account: it was disabled, the member enabled it again, ws1 joined" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "(j[\"account_before\"][\"disabled\"], j[\"account_after\"][\"disabled\"], j[\"password_new\"])")" = "(True, False, True)" ] && testjoin_ok'
[ "$rc" -eq 0 ] || show

# ---- 4b. the unjoin-first path (Windows may answer NERR_SetupAlreadyJoined; Samba never does: a test hook
#          makes the first answer that), and a crash between the unjoin and the join, then a re-run ----------
out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" NLT_TEST_ALREADY_JOINED=1 "$bin" --json rejoin "${tgt[@]}" "${adm[@]}" \
	"$LAB_DOMAIN" 2>/dev/null); rc=$?
check "member answers NERR_SetupAlreadyJoined: rejoin unjoins (options 0) and joins again, exit 0, ws1 joined" \
	eval '[ "$rc" -eq 0 ] && t96_schema && [ "$(jget "(j[\"unjoin\"][\"options\"], j[\"unjoin\"][\"werror\"], j[\"join\"][\"werror\"], j[\"password_new\"])")" = "(0, 0, 0, True)" ] && testjoin_ok'
[ "$rc" -eq 0 ] || show
out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" NLT_TEST_ALREADY_JOINED=1 NLT_FAILPOINT=rjoin-after-unjoin "$bin" rejoin \
	"${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN" 2>&1); rc=$?
check "killed after the unjoin (failpoint): ws1 is left unjoined" eval '[ "$rc" -ne 0 ] && ! testjoin_ok'
r96 --json rejoin "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "... and a plain re-run of rejoin joins it again (exit 0, testjoin OK)" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"join\"][\"werror\"]")" = 0 ] && testjoin_ok'
[ "$rc" -eq 0 ] || show

# ---- 5. another OU ----------------------------------------------------------------------------------------------------
st ou create "$t96_ou"
r96 --json rejoin --ou "$t96_ou" "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "rejoin --ou $t96_ou: the account moves there, exit 0" \
	eval '[ "$rc" -eq 0 ] && t96_schema && [ "$(jget "j[\"account_after\"][\"dn\"]")" = "CN=WS1,$t96_ou" ] && testjoin_ok'
[ "$rc" -eq 0 ] || show
r96 --json rejoin "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "rejoin without --ou keeps it where it is (MachineAccountOU = its container)" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "(j[\"ou\"], j[\"account_after\"][\"dn\"])")" = "('"'$t96_ou', 'CN=WS1,$t96_ou'"')" ]'
[ "$rc" -eq 0 ] || show
r96 --json rejoin --ou CN=Computers "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "rejoin --ou CN=Computers moves it back" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"account_after\"][\"dn\"]")" = "CN=WS1,CN=Computers,DC=lab,DC=test" ]'
[ "$rc" -eq 0 ] || show
st ou delete "$t96_ou"
# --reboot: once the directory shows the new password, InitiateSystemShutdownEx reaches ws1's "shutdown script"
# (lab.sh makes it write $NLT_LAB_DIR/ws1-shutdown instead of restarting)
rm -f "$NLT_LAB_DIR/ws1-shutdown"
r96 --json rejoin --reboot --reboot-delay 45 "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "rejoin --reboot: exit 0, the restart accepted with our delay, and ws1's shutdown script ran with our message" \
	eval '[ "$rc" -eq 0 ] && t96_schema && [ "$(jget "(j[\"reboot\"][\"outcome\"], j[\"reboot\"][\"delay_s\"], j[\"password_new\"])")" = "('"'accepted', 45, True"')" ] &&
	      grep -q "^shutdown message=nltrust__this_computer_rejoined_the_domain_.* reboot=-r" "$NLT_LAB_DIR/ws1-shutdown"'
[ "$rc" -eq 0 ] || { show; cat "$NLT_LAB_DIR/ws1-shutdown" 2>/dev/null | diag; }
r96 rejoin --reboot-delay 45 "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "--reboot-delay without --reboot: usage, exit 2" test "$rc" -eq 2

# ---- 6. who may: a local account without the privilege; a wrong admin password; a plain domain user ----------------
printf '%s\n%s\n' "$(cat "$t96/daemon.pw")" "$(cat "$t96/daemon.pw")" |
	"$lab" exec ws1 smbpasswd -c "$WS1_CONF" -s -a daemon >/dev/null 2>&1
k2=$(kvno96)
r96 --json rejoin --target "$WS1_FQDN" --target-user 'WS1\daemon' --target-password-file "$t96/daemon.pw" "${adm[@]}" "$LAB_DOMAIN"
check "WS1\\daemon (no SeMachineAccountPrivilege, not an administrator): the member answers ACCESS_DENIED, exit 5, nothing changed" \
	eval '[ "$rc" -eq 5 ] && t96_schema && [ "$(jget "(j[\"join\"][\"werror\"], j[\"password_new\"])")" = "(5, None)" ] &&
	      jget "j[\"error\"][\"message\"]" | grep -q "ERROR_ACCESS_DENIED (the target account is not an administrator" && [ "$(kvno96)" = "$k2" ] && testjoin_ok'
[ "$rc" -eq 5 ] || show
"$lab" exec ws1 smbpasswd -c "$WS1_CONF" -x daemon >/dev/null 2>&1
r96 rejoin "${tgt[@]}" -S "$DC1_FQDN" -U Administrator --password-file "$t96/wrong.pw" "$LAB_DOMAIN"
check "the domain admin's password wrong: refused by our Kerberos login before the member is touched (exit 5), ws1 still joined" \
	eval '[ "$rc" -eq 5 ] && [ "$(kvno96)" = "$k2" ] && testjoin_ok'
# the member's local password wrong, the domain admin's right: the directory half (a thread beside the member's
# logon) passes its Kerberos logon, the SMB logon fails, and that is the error (exit 5) - in both orders of the two
# halves (the test hook holds one back), nothing changed
for ord in dir member; do
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" NLT_TEST_RJOIN_DELAY=$ord:400 "$bin" -v --json rejoin \
		--target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t96/wrong.pw" "${adm[@]}" "$LAB_DOMAIN" \
		2>"$t96/err-$ord"); rc=$?
	check "member's local password wrong, domain admin's right ($ord half held back): the SMB logon's error, exit 5, the admin's Kerberos logon ran, nothing changed" \
		eval '[ "$rc" -eq 5 ] && t96_schema && jget "j[\"error\"][\"message\"]" | grep -q "SMB2 session setup to ws1.lab.test .*logon failure" &&
		      grep -q "Kerberos AS exchange as Administrator@LAB.TEST at .*: ok" "$t96/err-$ord" && [ "$(jget "j[\"join\"]")" = None ] &&
		      [ "$(kvno96)" = "$k2" ] && testjoin_ok'
	[ "$rc" -eq 5 ] || { show; diag <"$t96/err-$ord"; }
done
st user create nlt96joe "$(cat "$t96/joe.pw")"
r96 --json rejoin "${tgt[@]}" -S "$DC1_FQDN" -U nlt96joe --password-file "$t96/joe.pw" "$LAB_DOMAIN"
check "a plain domain user: the member's own refusal surfaced (NetrJoinDomain2 WERROR named), 'the member is unchanged', ws1 still joined" \
	eval '[ "$rc" -ne 0 ] && t96_schema && [ "$(jget "(j[\"join\"][\"answered\"], j[\"join\"][\"werror\"] != 0, j[\"left_unjoined\"])")" = "(True, True, False)" ] &&
	      jget "j[\"error\"][\"message\"]" | grep -q "NetrJoinDomain2 on ws1.lab.test refused: .*the member is unchanged" && [ "$(kvno96)" = "$k2" ] && testjoin_ok'
[ "$rc" -ne 0 ] || show

# half-done: the member leaves, then its join is refused (the test hook makes nlt96joe's refused first join read
# as NERR_SetupAlreadyJoined; Samba's unjoin with options 0 does not ask the DC): said so, with the command that
# finishes the job
out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" NLT_TEST_ALREADY_JOINED=1 "$bin" --json rejoin "${tgt[@]}" \
	-S "$DC1_FQDN" -U nlt96joe --password-file "$t96/joe.pw" "$LAB_DOMAIN" 2>/dev/null); rc=$?
check "unjoined, then the join refused: exit non-zero, left_unjoined, 'NOT joined now', next_command is the join --target" \
	eval '[ "$rc" -ne 0 ] && t96_schema && [ "$(jget "(j[\"unjoin\"][\"werror\"], j[\"join\"][\"werror\"] != 0, j[\"left_unjoined\"])")" = "(0, True, True)" ] &&
	      jget "j[\"error\"][\"message\"]" | grep -q "ws1.lab.test is NOT joined now (it left the domain first): nltrust join --target ws1.lab.test" &&
	      jget "j[\"next_command\"]" | grep -q "^nltrust join --target ws1.lab.test .* -U nlt96joe --password-file .* -S dc1.lab.test lab.test$" && ! testjoin_ok'
[ "$rc" -ne 0 ] || show
r96 join "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "... and join --target (as the Administrator) finishes it" eval '[ "$rc" -eq 0 ] && testjoin_ok'

# the member cannot reach a DC (its own traffic to dc1 and dcb rejected inside ws1's namespace)
ws1_nodc() { ip netns exec "$WS1_NS" iptables "$1" OUTPUT -d "$DC1_IP" -j REJECT 2>/dev/null
	ip netns exec "$WS1_NS" iptables "$1" OUTPUT -d "$DCB_IP" -j REJECT 2>/dev/null; }
ws1_nodc -A
r96 --json rejoin "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
ws1_nodc -D
check "the member cannot find a DC: its NERR_DCNotFound surfaced, exit 4, ws1 unchanged and still joined" \
	eval '[ "$rc" -eq 4 ] && t96_schema && [ "$(jget "j[\"join\"][\"werror\"]")" = 2453 ] &&
	      jget "j[\"error\"][\"message\"]" | grep -q "NERR_DCNotFound (the member cannot find a DC of the domain); the member is unchanged" && testjoin_ok'
[ "$rc" -eq 4 ] || show

# ---- 7. KB5020276: an account created by another non-admin user; the account deleted -----------------------------------
joe_sid=$("$lab" exec dc1 samba-tool user show nlt96joe -s "$DC1_CONF" --attributes=objectSid 2>/dev/null | awk '/^objectSid:/ {print $2}')
cat >"$t96/creator.py" <<'EOF'
import sys, ldb
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
from samba.ndr import ndr_pack
from samba.dcerpc import security
lp = LoadParm(); lp.load(sys.argv[1])
db = SamDB(url=sys.argv[2], session_info=system_session(), lp=lp)
m = ldb.Message(); m.dn = ldb.Dn(db, sys.argv[3])
m["mS-DS-CreatorSID"] = ldb.MessageElement(ndr_pack(security.dom_sid(sys.argv[4])), ldb.FLAG_MOD_REPLACE, "mS-DS-CreatorSID")
db.modify(m, controls=["relax:0"])
EOF
"$lab" exec dc1 /usr/bin/python3 "$t96/creator.py" "$DC1_CONF" "$LAB_DIR/dc1/private/sam.ldb" \
	"CN=WS1,CN=Computers,DC=lab,DC=test" "$joe_sid" >/dev/null 2>&1
k3=$(kvno96)
r96 --json rejoin "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN"
check "WS1\$ created by nlt96joe (mS-DS-CreatorSID), joined by Administrator: refused before any change, exit 1, the reason and the fix" \
	eval '[ "$rc" -eq 1 ] && t96_schema && [ "$(jget "(j[\"reuse\"][\"verdict\"], j[\"account_before\"][\"creator_sid\"], j[\"join\"], j[\"unjoin\"])")" = "('"'blocked', '$joe_sid'"', None, None)" ] &&
	      jget "j[\"error\"][\"message\"]" | grep -q "refusing before any change: .*0xAAC.*nltrust delete-computer ws1" && [ "$(kvno96)" = "$k3" ] && testjoin_ok'
[ "$rc" -eq 1 ] || show
# the same refusal with the two halves in either order (the test hook holds one back): the member's SMB session is set
# up meanwhile (-v), yet no NetrJoinDomain2 or NetrUnjoinDomain2 is sent (NLT_DUMP_STUBS records every one sent and
# answered) and the account is unchanged
for ord in dir member; do
	rm -f "$t96/stubs-$ord"
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" NLT_TEST_RJOIN_DELAY=$ord:400 NLT_DUMP_STUBS="$t96/stubs-$ord" "$bin" -v \
		--json rejoin "${tgt[@]}" "${adm[@]}" "$LAB_DOMAIN" 2>"$t96/err-$ord"); rc=$?
	check "reuse refused with the $ord half held back: exit 1, the member's SMB session was up, no join or unjoin sent, kvno the same" \
		eval '[ "$rc" -eq 1 ] && [ "$(jget "(j[\"reuse\"][\"verdict\"], j[\"join\"], j[\"unjoin\"])")" = "('"'blocked'"', None, None)" ] &&
		      grep -q "SMB2 ws1.lab.test (.*): dialect" "$t96/err-$ord" && ! grep -q "wkssvc_" "$t96/stubs-$ord" 2>/dev/null &&
		      [ "$(kvno96)" = "$k3" ] && testjoin_ok'
	[ "$rc" -eq 1 ] || { show; diag <"$t96/err-$ord"; }
done
r96 --json rejoin --dry-run "${tgt[@]}" -S "$DC1_FQDN" -U nlt96joe --password-file "$t96/joe.pw" "$LAB_DOMAIN"
check "the same account joined by its creator nlt96joe: reuse allowed (same_creator)" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"reuse\"][\"verdict\"]")" = same_creator ]'
st computer delete WS1
# NLT_DUMP_STUBS here too: the control for the refusal checks above (a join that is sent is recorded)
rm -f "$t96/stubs-ok"
out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" NLT_DUMP_STUBS="$t96/stubs-ok" "$bin" --json rejoin "${tgt[@]}" "${adm[@]}" \
	"$LAB_DOMAIN" 2>/dev/null); rc=$?
check "NLT_DUMP_STUBS records the NetrJoinDomain2 that is sent (the control for 'no join sent')" grep -q "^wkssvc_join2 " "$t96/stubs-ok"
check "WS1\$ deleted in AD: rejoin creates it again in CN=Computers (before: none; after: exists, a password set), ws1's testjoin OK" \
	eval '[ "$rc" -eq 0 ] && t96_schema && [ "$(jget "(j[\"account_before\"][\"exists\"], j[\"reuse\"][\"verdict\"], j[\"account_after\"][\"dn\"], j[\"password_new\"])")" = "(False, '"'new', 'CN=WS1,CN=Computers,DC=lab,DC=test'"', True)" ] && testjoin_ok'
[ "$rc" -eq 0 ] || show
st user delete nlt96joe

# ---- 8. ws1 as lab.sh left it --------------------------------------------------------------------------------------------
ws1_restore
if [ -n "$t96_prev_cmd" ]; then trap "$t96_prev_cmd" EXIT; else trap - EXIT; fi
check "ws1 is joined again with a matching keytab and its DNS name (net ads join; testjoin OK; cli resolves it)" \
	eval 'testjoin_ok && ads_testjoin_ok && [ "$("$lab" exec cli dig +short +time=1 +tries=1 "$WS1_FQDN" 2>/dev/null)" = "$WS1_IP" ]'
rm -rf "$t96"
