# tests/integration/scenarios/97-repair.sh - issue 9 part two: repair --target HOST [DOMAIN] (the
# runbook's -Repair over the target's \PIPE\netlogon: TC_VERIFY, REDISCOVER, CHANGE_PASSWORD, or
# "rejoin needed"), and InitShutdown (target_reboot(), through tests/unit/test_shutdown_lab).
# - ws1 (a Samba member: no \PIPE\netlogon): "cannot repair remotely", exit 6, never healed.
# - ws1's InitShutdown: BaseInitiateShutdownEx reaches smbd's "shutdown script" (lab.sh writes a
#   marker file instead of rebooting) with our message, reboot, force and reason; BaseAbortShutdown
#   reaches the "abort shutdown script"; the domain administrator without a message, too.
# - dc1 asked about OTHER (the second forest, brought up here unless it already is): healthy ->
#   already healthy, exit 0, nothing changed; --rotate --dry-run -> planned, the trust account's
#   pwdLastSet on dc2 unchanged; --rotate -> CHANGE_PASSWORD then TC_VERIFY healthy, exit 0, and
#   LAB$'s pwdLastSet on dc2 moved; -S naming OTHER's DC by address -> REDISCOVER then healthy;
#   -S naming it by name -> nothing to do; a domain user who is no administrator -> exit 5;
#   `forest2 break` -> 1323 -> "rejoin needed" with the command, exit 1, nothing healed claimed;
#   `forest2 heal` -> healthy again.  Every --json document is checked against repair.schema.json.

schemas=$top_srcdir/doc/json
checker=$top_srcdir/tests/check_json_schema.py
t97=$(mktemp -d); chmod 700 "$t97"
cp "$WS1_LOCAL_PASS_FILE" "$t97/root.pw"; cp "$LAB_ADMIN_PASS_FILE" "$t97/admin.pw"
t97_upw="Nlt-rp-$(date +%s%N)-Pw1"
printf '%s\n' "$t97_upw" >"$t97/user.pw"; chmod 600 "$t97"/*.pw
t97_cc=FILE:$t97/adm.cc
# t97_run ARGS...: nltrust in cli's namespace with the lab's krb5.conf and the admin ccache
t97_run() {
	local ef; ef=$(mktemp)
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="$t97_cc" "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
t97_schema() { printf '%s' "$out" | python3 "$checker" "$schemas" repair >/dev/null 2>&1; }
# t97_steps: "STEP:STATE ..." of the --json document
t97_steps() { jget '" ".join(s["step"] + ":" + s["state"] for s in j["steps"])'; }
# t97_pwdlastset: pwdLastSet of LAB$ (dc1's trust account in OTHER) as dc2 holds it
t97_pwdlastset() {
	"$lab" exec dc2 "$LAB_PYTHON" -c '
import sys
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
lp = LoadParm(); lp.load(sys.argv[1])
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp)
print(db.search(base=db.domain_dn(), expression="(sAMAccountName=LAB$)", attrs=["pwdLastSet"])[0]["pwdLastSet"][0])
' "$DC2_CONF" 2>/dev/null
}
adm=(--target-user "$LAB_NETBIOS_DOMAIN\\Administrator" --target-password-file "$t97/admin.pw" --target-auth ntlm)

check "doc/json/repair.schema.json is a valid schema" python3 "$checker" "$schemas" --schemas repair

# ---- usage ----------------------------------------------------------------------------------
t97_run repair "$LAB2_DOMAIN"
check "repair without --target: usage error, exit 2" eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "repair needs --target HOST"'
t97_run repair --target "$DC1_FQDN" -K /etc/krb5.keytab "$LAB2_DOMAIN"
check "repair --target with -K (local only): usage error, exit 2" eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "do not apply"'

# ---- ws1: a Samba member serves no \PIPE\netlogon -------------------------------------------
t97_run --json repair --target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t97/root.pw" --rotate
check "ws1: exit 6, cannot_repair_remotely, healthy null, changed false, netlogon_pipe not_served, schema-valid" \
	eval '[ "$rc" -eq 6 ] && t97_schema && [ "$(jget "(j[\"outcome\"], j[\"healthy\"], j[\"changed\"], j[\"target\"][\"netlogon_pipe\"])")" = "('"'cannot_repair_remotely', None, False, 'not_served'"')" ]'
[ "$rc" -eq 6 ] || show
check "ws1: 'cannot repair ws1 remotely' in the error, no TC_VERIFY sent" \
	eval 'jget "j[\"error\"][\"message\"]" | grep -q "cannot repair $WS1_FQDN remotely" && [ "$(t97_steps)" = "stop:ok" ]'
t97_run repair --target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t97/root.pw"
check "ws1 text: exit 6, never Healed/healthy" \
	eval '[ "$rc" -eq 6 ] && ! printf "%s" "$out" | grep -qi "^healed\|^already healthy\|^rotated"'

# ---- ws1: InitShutdown (target_reboot) reaches smbd's shutdown script -------------------------
sd_prog=${NLT_SHUTDOWN_PROG:-$top_builddir/tests/unit/test_shutdown_lab}
[ -x "$sd_prog" ] || sd_prog=$(dirname "$bin")/tests/unit/test_shutdown_lab
marker=$NLT_LAB_DIR/ws1-shutdown
# sd_run USER PWFILE [VAR=VALUE...]: the hidden program in cli's namespace
sd_run() {
	local u=$1 p=$2 ef; shift 2; ef=$(mktemp)
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" NLT_SHUTDOWN_HOST="$WS1_FQDN" NLT_SHUTDOWN_USER="$u" \
		NLT_SHUTDOWN_PASSWORD_FILE="$p" "$@" "$sd_prog" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
if [ ! -x "$sd_prog" ]; then
	ok "# SKIP InitShutdown: tests/unit/test_shutdown_lab is not built"
else
	rm -f "$marker"
	sd_run 'WS1\root' "$t97/root.pw" NLT_SHUTDOWN_MESSAGE="nltrust rejoin: reboot 1" NLT_SHUTDOWN_DELAY=45
	check "InitiateSystemShutdownEx as ws1's root: accepted, exit 0" eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^outcome=accepted"'
	[ "$rc" -eq 0 ] || show
	# reason 0x80020004 (planned, OS, reconfiguration) as Samba prints it: a signed decimal
	check "ws1's shutdown script ran with our message, reboot (-r), force (-f) and reason" \
		test "$(sed 's/ delay=[^ ]*//' "$marker" 2>/dev/null)" = "shutdown message=nltrust_rejoin__reboot_1 reboot=-r force=-f reason=-2147352572"
	sd_run 'WS1\root' "$t97/root.pw" NLT_SHUTDOWN_ABORT=1
	check "AbortSystemShutdown: accepted, and the abort shutdown script ran" \
		eval '[ "$rc" -eq 0 ] && [ "$(tail -n 1 "$marker" 2>/dev/null)" = abort ]'
	[ "$rc" -eq 0 ] || show
	# the domain administrator (NTLM through ws1's channel), no message: the script gets an empty %z.
	# (A plain domain user cannot show a refusal: it has no Unix account on ws1, so its SMB logon
	# already fails.  A script that fails does: below.)
	: >"$marker"
	sd_run "$LAB_NETBIOS_DOMAIN\\Administrator" "$t97/admin.pw" NLT_SHUTDOWN_DELAY=0
	check "InitiateSystemShutdownEx as the domain Administrator, no message: accepted; the script got an empty message" \
		eval '[ "$rc" -eq 0 ] && [ "$(sed "s/ delay=[^ ]*//" "$marker")" = "shutdown message= reboot=-r force=-f reason=-2147352572" ]'
	[ "$rc" -eq 0 ] || show
	# a shutdown script that fails (the marker is a directory): Samba answers 5, we say refused, exit 5
	rm -f "$marker"; mkdir "$marker"
	sd_run 'WS1\root' "$t97/root.pw" NLT_SHUTDOWN_MESSAGE="x"
	check "a failing shutdown script: refused, '5 ERROR_ACCESS_DENIED' named, exit 5, outcome refused (not accepted)" \
		eval '[ "$rc" -eq 5 ] && printf "%s" "$out" | grep -q "^outcome=refused" && printf "%s" "$out" | grep -q "refused: 5 ERROR_ACCESS_DENIED"'
	[ "$rc" -eq 5 ] || show
	rmdir "$marker"
	rm -f "$marker"
fi

# ---- dc1 about OTHER: the second forest -----------------------------------------------------
f2_mine=0
if [ "${LAB2_UP:-0}" != 1 ] && ! "$lab" forest2 up > "$NLT_LAB_DIR.forest2-97.log" 2>&1; then
	bad "lab.sh forest2 up (second forest OTHER.TEST with a forest trust)"
	tail -n 20 "$NLT_LAB_DIR.forest2-97.log" | diag
	"$lab" forest2 down >/dev/null 2>&1
else
	[ "${LAB2_UP:-0}" = 1 ] || f2_mine=1
	eval "$("$lab" env)"
	"$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="$t97_cc" kinit "$LAB_ADMIN_PRINCIPAL" \
		<"$LAB_ADMIN_PASS_FILE" >/dev/null 2>&1
	check "kinit as the domain Administrator in cli's namespace" test -s "$t97/adm.cc"
	check_secret() { "$lab" exec dc1 wbinfo --check-secret --domain="$LAB2_NETBIOS_DOMAIN" >/dev/null 2>&1; }
	check "healthy: wbinfo --check-secret on dc1 for OTHER succeeds" check_secret

	# healthy: nothing to do
	p0=$(t97_pwdlastset)
	check "LAB\$'s pwdLastSet on dc2 can be read" test -n "$p0"
	t97_run --json repair --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}"
	check "healthy: exit 0, already_healthy, one TC_VERIFY, changed false, schema-valid" \
		eval '[ "$rc" -eq 0 ] && t97_schema && [ "$(jget "(j[\"outcome\"], j[\"healthy\"], j[\"changed\"])")" = "('"'already_healthy', True, False"')" ] &&
		      [ "$(t97_steps)" = "TC_VERIFY:ok" ] && [ "$(jget "j[\"steps\"][0][\"answer\"][\"flags\"]")" = 176 ]'
	[ "$rc" -eq 0 ] || show
	t97_run repair --target "$DC1_FQDN" "$LAB2_DOMAIN"
	check "healthy over Kerberos (the admin ccache), text: exit 0, 'Already healthy: ... nothing changed'" \
		eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Already healthy: $DC1_FQDN verified its secure channel to $LAB2_DOMAIN.*nothing changed"'
	[ "$rc" -eq 0 ] || show

	# --dry-run: the plan, no change
	t97_run --json repair --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}" --rotate --dry-run
	check "--rotate --dry-run: exit 0, planned, CHANGE_PASSWORD planned and not sent, changed false, schema-valid" \
		eval '[ "$rc" -eq 0 ] && t97_schema && [ "$(jget "(j[\"outcome\"], j[\"changed\"], j[\"dry_run\"])")" = "('"'planned', False, True"')" ] &&
		      [ "$(t97_steps)" = "TC_VERIFY:ok CHANGE_PASSWORD:planned TC_VERIFY:planned" ] && [ "$(jget "j[\"steps\"][1][\"answer\"]")" = None ]'
	[ "$rc" -eq 0 ] || show
	check "--dry-run changed nothing: LAB\$'s pwdLastSet on dc2 is the same" test "$(t97_pwdlastset)" = "$p0"

	# --rotate: CHANGE_PASSWORD, then TC_VERIFY
	t97_run --json repair --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}" --rotate
	check "--rotate: exit 0, rotated, TC_VERIFY ok, CHANGE_PASSWORD ok (level 1), TC_VERIFY ok, changed true, schema-valid" \
		eval '[ "$rc" -eq 0 ] && t97_schema && [ "$(jget "(j[\"outcome\"], j[\"healthy\"], j[\"changed\"])")" = "('"'rotated', True, True"')" ] &&
		      [ "$(t97_steps)" = "TC_VERIFY:ok CHANGE_PASSWORD:ok TC_VERIFY:ok" ] && [ "$(jget "j[\"steps\"][1][\"level\"]")" = 1 ]'
	[ "$rc" -eq 0 ] || show
	p1=$(t97_pwdlastset)
	check "--rotate changed the trust password: LAB\$'s pwdLastSet on dc2 moved forward ($p0 -> $p1)" \
		eval '[ -n "$p1" ] && [ "$p1" -gt "$p0" ]'
	check "after --rotate: wbinfo --check-secret on dc1 for OTHER still succeeds" check_secret

	# -S: another DC than the one in use (by address: names cannot tell it is the same) -> REDISCOVER
	t97_run --json repair --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}" -S "$DC2_IP"
	check "-S $DC2_IP: REDISCOVER '$LAB2_DOMAIN\\$DC2_IP' then TC_VERIFY healthy, healed, exit 0, schema-valid" \
		eval '[ "$rc" -eq 0 ] && t97_schema && [ "$(jget "j[\"outcome\"]")" = healed ] &&
		      [ "$(t97_steps)" = "TC_VERIFY:ok REDISCOVER:ok TC_VERIFY:ok" ] &&
		      [ "$(jget "j[\"steps\"][1][\"data\"]")" = "$LAB2_DOMAIN\\$DC2_IP" ] &&
		      [ "$(jget "(j[\"steps\"][1][\"level\"], j[\"steps\"][1][\"answer\"][\"werror\"])")" = "(2, 0)" ]'
	[ "$rc" -eq 0 ] || show
	t97_run --json repair --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}" -S "$DC2_FQDN"
	check "-S $DC2_FQDN (the DC in use): already healthy, no REDISCOVER" \
		eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"outcome\"]")" = already_healthy ] && [ "$(t97_steps)" = "TC_VERIFY:ok" ]'
	[ "$rc" -eq 0 ] || show

	# no administrator: a domain user made for this test
	st user delete nltrpuser
	if st user create nltrpuser "$t97_upw"; then
		t97_run --json repair --target "$DC1_FQDN" "$LAB2_DOMAIN" --target-user "$LAB_NETBIOS_DOMAIN\\nltrpuser" \
			--target-password-file "$t97/user.pw" --target-auth ntlm --rotate
		check "a domain user who is no administrator: exit 5, unknown, TC_VERIFY refused with 5, nothing sent after it" \
			eval '[ "$rc" -eq 5 ] && t97_schema && [ "$(jget "(j[\"outcome\"], j[\"changed\"])")" = "('"'unknown', False"')" ] &&
			      [ "$(jget "j[\"steps\"][0][\"answer\"][\"werror\"]")" = 5 ] && [ "$(t97_steps)" = "TC_VERIFY:unknown" ] &&
			      jget "j[\"error\"][\"message\"]" | grep -q "5 ERROR_ACCESS_DENIED"'
		[ "$rc" -eq 5 ] || show
		st user delete nltrpuser
	else
		bad "samba-tool could not create nltrpuser"
	fi

	# broken on dc1's side: the secret is wrong -> rejoin needed
	if "$lab" forest2 break >/dev/null 2>&1; then
		p2=$(t97_pwdlastset)
		t97_run --json repair --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}" --rotate -S "$DC2_IP"
		check "broken: exit 1, rejoin_needed, healthy false, changed false, TC_VERIFY failed then stop, schema-valid" \
			eval '[ "$rc" -eq 1 ] && t97_schema && [ "$(jget "(j[\"outcome\"], j[\"healthy\"], j[\"changed\"])")" = "('"'rejoin_needed', False, False"')" ] &&
			      [ "$(t97_steps)" = "TC_VERIFY:failed stop:ok" ] && [ "$(jget "j[\"steps\"][0][\"answer\"][\"pdc_connection_status\"]")" = 1323 ]'
		[ "$rc" -eq 1 ] || show
		check "broken: the error names 1323 ERROR_WRONG_PASSWORD and the rejoin command, which parses as printed" \
			eval 'jget "j[\"error\"][\"message\"]" | grep -q "1323 ERROR_WRONG_PASSWORD" &&
			      jget "j[\"rejoin_command\"]" | grep -q "^nltrust rejoin --target $DC1_FQDN " &&
			      jget "j[\"rejoin_command\"]" | grep -q " $LAB2_DOMAIN\$"'
		check "broken: nothing was changed (LAB\$'s pwdLastSet on dc2 as before)" test "$(t97_pwdlastset)" = "$p2"
		t97_run repair --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}"
		check "broken, text: exit 1, 'Rejoin needed: ... nothing was healed', never Healed/healthy" \
			eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | grep -q "^Rejoin needed: .*nothing was healed" &&
			      ! printf "%s" "$out" | grep -q "^Healed\|^Already healthy\|^Rotated"'
		[ "$rc" -eq 1 ] || show
		# --rejoin on a DC: a trust between domains is not repaired by a join, which is never tried on a DC
		t97_run --json repair --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}" --rejoin
		check "broken, --rejoin on a DC: not done (a trust between domains), exit 1, rejoin step not run, no rejoin command" \
			eval '[ "$rc" -eq 1 ] && t97_schema && [ "$(jget "j[\"outcome\"]")" = rejoin_needed ] &&
			      [ "$(t97_steps)" = "TC_VERIFY:failed stop:ok rejoin:not_run" ] && [ "$(jget "j[\"rejoin_command\"]")" = None ] &&
			      jget "j[\"error\"][\"message\"]" | grep -q "domain controller"'
		[ "$rc" -eq 1 ] || show
		check "--rejoin on a DC changed nothing (LAB\$'s pwdLastSet on dc2 as before)" test "$(t97_pwdlastset)" = "$p2"
	else
		bad "lab.sh forest2 break"
	fi

	# healed
	if "$lab" forest2 heal >/dev/null 2>&1; then
		check "healed: wbinfo --check-secret on dc1 for OTHER succeeds again" check_secret
		t97_run --json repair --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}"
		check "healed: repair says already healthy, exit 0" \
			eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"outcome\"]")" = already_healthy ]'
		[ "$rc" -eq 0 ] || show
	else
		bad "lab.sh forest2 heal"
	fi

	if [ "$f2_mine" = 1 ]; then
		"$lab" forest2 down >/dev/null 2>&1
		check "lab.sh forest2 down leaves no dc2 namespace" eval '! ip netns list | grep -qw "$DC2_NS"'
		eval "$("$lab" env)"
	fi
fi
rm -rf "$t97"
