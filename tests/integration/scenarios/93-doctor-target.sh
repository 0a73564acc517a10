# tests/integration/scenarios/93-doctor-target.sh - issue 10: doctor --target HOST [DOMAIN], the
# runbook for a remote member, and doctor over a fleet (--targets).
# - ws1 (a Samba member: no \PIPE\netlogon): the DC it uses cannot be asked and its channel cannot
#   be checked remotely (unknown, never healthy, exit non-zero), but the DCs' ports and the
#   directory on every DC are reported; a wrong target password: exit 5 naming the account kind.
# - ws1's account disabled on dc1 (then enabled again): the root cause is account_disabled.
# - dc1 about OTHER (the second forest, brought up here unless it already is): healthy, exit 0;
#   `forest2 break` -> member_secret_differs naming the wrong password (1323); --fix --dry-run plans
#   and changes nothing; --fix (and --fix --allow-rejoin) stops: a DC's trust is recreated, not
#   rejoined; `forest2 heal` -> healthy again.
# - doctor --targets over ws1 and dc1: two NDJSON lines and a summary; only the healthy one is ok.
# Every --json document is checked against doctor.schema.json.

schemas=$top_srcdir/doc/json
checker=$top_srcdir/tests/check_json_schema.py
t93=$(mktemp -d); chmod 700 "$t93"
cp "$WS1_LOCAL_PASS_FILE" "$t93/root.pw"; cp "$LAB_ADMIN_PASS_FILE" "$t93/admin.pw"
printf 'not-the-password\n' >"$t93/bad.pw"; chmod 600 "$t93"/*.pw
t93_cc=FILE:$t93/adm.cc
# t93_run ARGS...: nltrust in cli's namespace with the lab's krb5.conf and the admin ccache
t93_run() {
	local ef; ef=$(mktemp)
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="$t93_cc" "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
t93_schema() { printf '%s' "$out" | python3 "$checker" "$schemas" doctor >/dev/null 2>&1; }
ws1=(--target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t93/root.pw")
adm=(--target-user "$LAB_NETBIOS_DOMAIN\\Administrator" --target-password-file "$t93/admin.pw" --target-auth ntlm)

"$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="$t93_cc" kinit "$LAB_ADMIN_PRINCIPAL" \
	<"$LAB_ADMIN_PASS_FILE" >/dev/null 2>&1
check "kinit as the domain Administrator in cli's namespace" test -s "$t93/adm.cc"
check "doc/json/doctor.schema.json is a valid schema" python3 "$checker" "$schemas" --schemas doctor

# ---- usage ------------------------------------------------------------------------------------
t93_run doctor "${ws1[@]}" --allow-rejoin
check "--allow-rejoin without --fix: usage error, exit 2" \
	eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "allow-rejoin goes with --target HOST --fix"'
t93_run doctor "${ws1[@]}" -K /etc/krb5.keytab
check "doctor --target with -K (this host's own): usage error, exit 2" eval '[ "$rc" -eq 2 ]'

# ---- ws1: a Samba member ----------------------------------------------------------------------
t93_run --json doctor "${ws1[@]}" -C
check "ws1: exit non-zero, verdict not healthy, healthy not true, mode remote, schema-valid" \
	eval '[ "$rc" -ne 0 ] && t93_schema && [ "$(jget "(j[\"mode\"], j[\"verdict\"] != \"healthy\", j[\"healthy\"] is not True)")" = "('"'remote', True, True"')" ]'
[ "$rc" -ne 0 ] || show
check "ws1: no \\PIPE\\netlogon: the member's DC 'cannot ask remotely', the channel could_not_check" \
	eval '[ "$(jget "(j[\"target\"][\"netlogon_pipe\"], j[\"target\"][\"member_dc\"][\"state\"], j[\"diagnosis\"][\"root\"][\"kind\"])")" = "('"'not_served', 'could_not_run', 'could_not_check'"')" ] &&
	      jget "j[\"target\"][\"member_dc\"][\"error\"]" | grep -q "cannot ask remotely"'
check "ws1: the DC part and the directory part are reported: every DC probed, and WS1\$ read on every DC" \
	eval '[ "$(jget "(len(j[\"dcs\"]) >= 2, all(d[\"ports\"][\"state\"] == \"ran\" and d[\"directory\"][\"state\"] == \"ran\" and d[\"directory\"][\"found\"] for d in j[\"dcs\"]), j[\"machine\"])")" = "(True, True, '"'WS1\$'"')" ]'
t93_run doctor "${ws1[@]}" -C
check "ws1 text: exit non-zero, never 'no problem found'" \
	eval '[ "$rc" -ne 0 ] && printf "%s" "$out" | grep -q "^Diagnosis: could_not_check" && ! printf "%s" "$out" | grep -q "no problem found"'
t93_run --json doctor "${ws1[@]}" -C --fix
check "ws1 --fix: cannot repair remotely: not_healed, exit non-zero, schema-valid" \
	eval '[ "$rc" -ne 0 ] && t93_schema && [ "$(jget "(j[\"fix\"][\"outcome\"], j[\"healthy\"])")" = "('"'not_healed', None"')" ] &&
	      jget "j[\"fix\"][\"summary\"]" | grep -q "cannot repair $WS1_FQDN remotely"'
[ "$rc" -ne 0 ] || show
t93_run doctor --target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t93/bad.pw"
check "ws1, a wrong password for its local account: exit 5, the error names the local account" \
	eval '[ "$rc" -eq 5 ] && printf "%s" "$err" | grep -q "local account"'
[ "$rc" -eq 5 ] || show

# ---- ws1's account disabled ---------------------------------------------------------------------
if st user disable 'WS1$'; then
	t93_run --json doctor "${ws1[@]}" -C
	check "WS1\$ disabled: exit 1, root cause account_disabled, 'disabled' in the message, schema-valid" \
		eval '[ "$rc" -eq 1 ] && t93_schema && [ "$(jget "j[\"diagnosis\"][\"root\"][\"kind\"]")" = account_disabled ] &&
		      jget "j[\"diagnosis\"][\"root\"][\"message\"]" | grep -q "disabled"'
	[ "$rc" -eq 1 ] || show
	t93_run doctor "${ws1[@]}" -C --fix
	check "WS1\$ disabled, --fix: not repaired (not_fixable), exit 1, the enable-computer command next" \
		eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | tr -s " \n" "  " | grep -q "not repaired" && printf "%s" "$out" | grep -q "nltrust enable-computer ws1"'
	st user enable 'WS1$'
	check "WS1\$ enabled again" eval '"$lab" exec dc1 samba-tool computer show WS1 --attributes=userAccountControl -s "$DC1_CONF" 2>/dev/null | grep -q "^userAccountControl: 4096$"'
else
	bad "samba-tool user disable WS1\$"
fi

# ---- dc1 about OTHER: the second forest ---------------------------------------------------------
f2_mine=0
if [ "${LAB2_UP:-0}" != 1 ] && ! "$lab" forest2 up > "$NLT_LAB_DIR.forest2-93.log" 2>&1; then
	bad "lab.sh forest2 up (second forest OTHER.TEST with a forest trust)"
	tail -n 20 "$NLT_LAB_DIR.forest2-93.log" | diag
	"$lab" forest2 down >/dev/null 2>&1
else
	[ "${LAB2_UP:-0}" = 1 ] || f2_mine=1
	eval "$("$lab" env)"
	# t93_pwdlastset: pwdLastSet of LAB$ (dc1's trust account in OTHER) as dc2 holds it
	t93_pwdlastset() {
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
	# t93_wait_healthy: a trust just made or healed answers TC_VERIFY 1331 now and then for a while
	# (seen in the lab, Samba 4.17, until winbind on dc1 checks the secret itself, as 97-repair.sh
	# does after a heal): wbinfo --check-secret, then verify --target until healthy 5 times in a row
	t93_wait_healthy() {
		local i good=0
		"$lab" exec dc1 wbinfo --check-secret --domain="$LAB2_NETBIOS_DOMAIN" >/dev/null 2>&1
		for i in $(seq 1 90); do
			if t93_run verify --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}" -q; then
				good=$((good + 1))
				[ "$good" -ge 5 ] && return 0
			else
				good=0
			fi
			sleep 1
		done
		echo "# the trust did not settle: verify --target still not healthy 5 times in a row after 90 s"
		return 1
	}
	# t93_wait_dns: forest2 puts OTHER's zone on dc1; cli asks dcb, which has it only once the
	# DomainDnsZones partition replicated: pull it now (as 96-rejoin.sh does), then wait until
	# discovery of OTHER works from cli (doctor checks OTHER's DCs from here)
	t93_wait_dns() {
		local i
		"$lab" exec dcb samba-tool drs replicate dcb dc1 "DC=DomainDnsZones,DC=${LAB_DOMAIN//./,DC=}" -s "$DCB_CONF" \
			-U "Administrator%$(cat "$LAB_ADMIN_PASS_FILE")" >/dev/null 2>&1
		for i in $(seq 1 30); do
			run_cli discover "$LAB2_DOMAIN" >/dev/null 2>&1 && [ "$rc" -eq 0 ] && return 0
			sleep 1
		done
		echo "# cli cannot discover $LAB2_DOMAIN's DCs after 30 s"
		return 1
	}
	check "cli discovers $LAB2_DOMAIN's DCs (its zone replicated to dcb)" t93_wait_dns
	t93_wait_healthy
	t93_run --json doctor --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}"
	check "dc1 about OTHER, healthy: exit 0, verdict healthy, a trust (directory does not apply), schema-valid" \
		eval '[ "$rc" -eq 0 ] && t93_schema && [ "$(jget "(j[\"verdict\"], j[\"healthy\"], j[\"target\"][\"trust_channel\"], j[\"target\"][\"member_dc\"][\"dc\"])")" = "('"'healthy', True, True, '$DC2_FQDN'"')" ]'
	[ "$rc" -eq 0 ] || show
	t93_run doctor --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}"
	check "dc1 about OTHER, text: exit 0, 'no problem found'" \
		eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Diagnosis: no problem found"'

	if "$lab" forest2 break >/dev/null 2>&1; then
		p0=$(t93_pwdlastset)
		t93_run --json doctor --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}"
		check "broken: exit 1, root member_secret_differs naming 1323 and the wrong password, schema-valid" \
			eval '[ "$rc" -eq 1 ] && t93_schema && [ "$(jget "(j[\"verdict\"], j[\"diagnosis\"][\"root\"][\"kind\"])")" = "('"'broken', 'member_secret_differs'"')" ] &&
			      jget "j[\"diagnosis\"][\"root\"][\"message\"]" | grep -q "1323 ERROR_WRONG_PASSWORD (the wrong password)"'
		[ "$rc" -eq 1 ] || show
		t93_run --json doctor --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}" --fix --dry-run
		check "broken, --fix --dry-run: exit 1, fix outcome plan, TC_VERIFY then stop, schema-valid" \
			eval '[ "$rc" -eq 1 ] && t93_schema && [ "$(jget "j[\"fix\"][\"outcome\"]")" = plan ] &&
			      [ "$(jget "\" \".join(s[\"name\"] for s in j[\"fix\"][\"steps\"])")" = "TC_VERIFY stop" ] &&
			      jget "j[\"fix\"][\"summary\"]" | grep -q "recreated, not rejoined"'
		[ "$rc" -eq 1 ] || show
		check "--dry-run changed nothing (LAB\$'s pwdLastSet on dc2 as before)" test "$(t93_pwdlastset)" = "$p0"
		t93_run doctor --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}" --fix
		check "broken, --fix without --allow-rejoin: exit 1, not repaired: a DC's trust is recreated, not rejoined" \
			eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | tr -s " \n" "  " | grep -q "not repaired: a rejoin is needed" &&
			      printf "%s" "$out" | tr -s " \n" "  " | grep -q "recreated (or its password reset on both sides), not rejoined" &&
			      ! printf "%s" "$out" | grep -qi "healed by\|no problem found"'
		[ "$rc" -eq 1 ] || show
		t93_run --json doctor --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}" -C --fix --allow-rejoin
		check "broken, --fix --allow-rejoin on a DC: the rejoin is not run, not_healed, exit 1, schema-valid" \
			eval '[ "$rc" -eq 1 ] && t93_schema && [ "$(jget "(j[\"fix\"][\"outcome\"], j[\"fix\"][\"steps\"][-1][\"name\"], j[\"fix\"][\"steps\"][-1][\"state\"])")" = "('"'not_healed', 'rejoin', 'skipped'"')" ]'
		[ "$rc" -eq 1 ] || show
		check "--fix changed nothing on a DC's trust (LAB\$'s pwdLastSet on dc2 as before)" test "$(t93_pwdlastset)" = "$p0"
	else
		bad "lab.sh forest2 break"
	fi
	if "$lab" forest2 heal >/dev/null 2>&1; then
		t93_wait_healthy
		t93_run --json doctor --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm[@]}"
		check "healed: doctor says healthy again, exit 0" \
			eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"verdict\"]")" = healthy ]'
		[ "$rc" -eq 0 ] || show
	else
		bad "lab.sh forest2 heal"
	fi

	# ---- a fleet: ws1 and dc1 -----------------------------------------------------------------
	printf '%s\n' \
		"{\"target\": \"$WS1_FQDN\", \"target_user\": \"WS1\\\\root\", \"target_password_file\": \"$t93/root.pw\"}" \
		"{\"target\": \"$DC1_FQDN\", \"domain\": \"$LAB2_DOMAIN\", \"target_user\": \"$LAB_NETBIOS_DOMAIN\\\\Administrator\", \"target_password_file\": \"$t93/admin.pw\", \"target_auth\": \"ntlm\"}" \
		>"$t93/list"
	t93_run --json doctor --targets "$t93/list" -C
	check "doctor --targets over ws1 and dc1: two result lines and a summary; 1 ok (dc1, healthy), ws1 not ok; exit non-zero" \
		eval '[ "$rc" -ne 0 ] && [ "$(printf "%s\n" "$out" | python3 -c "
import json, sys
ls = [json.loads(l) for l in sys.stdin if l.strip()]
r = {l[\"target\"]: l for l in ls if \"target\" in l}
s = ls[-1][\"summary\"]
print(len(r), s[\"targets\"], s[\"ok\"], r[\"'"$DC1_FQDN"'\"][\"result\"][\"verdict\"], r[\"'"$DC1_FQDN"'\"][\"exit_code\"],
      r[\"'"$WS1_FQDN"'\"][\"result\"][\"verdict\"] != \"healthy\", r[\"'"$WS1_FQDN"'\"][\"exit_code\"] != 0)")" = "2 2 1 healthy 0 True True" ]'
	[ "$rc" -ne 0 ] || show
	check "... every doctor result in the fleet is schema-valid" eval 'printf "%s\n" "$out" | python3 -c "
import json, subprocess, sys
ok = True
for l in sys.stdin:
    d = json.loads(l)
    if d.get(\"result\"):
        ok &= subprocess.run([\"python3\", sys.argv[1], sys.argv[2], \"doctor\"], input=json.dumps(d[\"result\"]), text=True,
                             capture_output=True).returncode == 0
sys.exit(0 if ok else 1)" "$checker" "$schemas"'

	if [ "$f2_mine" = 1 ]; then
		"$lab" forest2 down >/dev/null 2>&1
		check "lab.sh forest2 down leaves no dc2 namespace" eval '! ip netns list | grep -qw "$DC2_NS"'
		eval "$("$lab" env)"
	fi
fi
rm -rf "$t93"
