# tests/integration/scenarios/98-target-dir.sh - issue 8: verify --target with domain admin
# credentials shows the directory's view of the target's computer object (show-computer's reading and
# findings, src/ldap/computer.c) beside the remote verdict, weighed by src/trust/trust_dir.c: it can
# make the verdict worse, never better.
# - ws1 (no \PIPE\netlogon): still inconclusive, exit 6, and WS1$ is shown (name from ws1's srvsvc);
#   WS1$ disabled (samba-tool on dc1, read with -S dc1) -> broken, exit 1; enabled again -> 6.
# - dc1 about OTHER (second forest): healthy, exit 0, with DC1$ (a server trust account) shown; the
#   admin's wrong password -> the directory could not be read -> inconclusive, exit 5, never healthy;
#   `forest2 break` -> still broken with the directory fine; healed.
# Every --json document is checked against doc/json/verify.schema.json.

schemas=$top_srcdir/doc/json
checker=$top_srcdir/tests/check_json_schema.py
t98=$(mktemp -d); chmod 700 "$t98"
cp "$WS1_LOCAL_PASS_FILE" "$t98/root.pw"; cp "$LAB_ADMIN_PASS_FILE" "$t98/admin.pw"
printf 'not-the-password\n' >"$t98/bad.pw"; chmod 600 "$t98"/*.pw
t98_run() {
	local ef; ef=$(mktemp)
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
t98_schema() { printf '%s' "$out" | python3 "$checker" "$schemas" verify >/dev/null 2>&1; }
ws1_t=(--target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t98/root.pw")
adm=(-U "$LAB_ADMIN_USER" --password-file "$t98/admin.pw")

# ---- ws1: cannot be checked remotely, but the directory has WS1$ -------------------------------
t98_run --json verify "${ws1_t[@]}" "${adm[@]}"
check "ws1 with -U: exit 6, inconclusive, schema-valid; directory read, WS1\$ found (name from srvsvc), enabled" \
	eval '[ "$rc" -eq 6 ] && t98_schema && [ "$(jget "(j[\"verdict\"], j[\"healthy\"], j[\"target\"][\"netlogon_pipe\"])")" = "('"'inconclusive', False, 'not_served'"')" ] &&
	      [ "$(jget "(lambda d: (d[\"state\"], d[\"computer_name\"], d[\"name_source\"], d[\"sam_account_name\"], d[\"found\"], d[\"disabled\"], d[\"domain_confirmed\"]))(j[\"target\"][\"directory\"])")" = "('"'read', 'WS1', 'srvsvc', 'WS1\$', True, False, True"')" ]'
[ "$rc" -eq 6 ] || show
check "ws1 with -U: the directory's object is show-computer's (dn, dNSHostName ws1.lab.test, HOST/WS1 SPN)" \
	eval '[ "$(jget "(lambda c: (c[\"dn\"].startswith(\"CN=WS1,\"), c[\"dns_host_name\"], \"HOST/WS1\" in c[\"service_principal_names\"]))(j[\"target\"][\"directory\"][\"computer\"])")" = "(True, '"'$WS1_FQDN'"', True)" ]'
t98_run verify "${ws1_t[@]}" "${adm[@]}"
check "ws1 text: 'Directory:  WS1\$ in $LAB_REALM', the object's fields, INCONCLUSIVE, never Healthy" \
	eval '[ "$rc" -eq 6 ] && printf "%s" "$out" | grep -q "^Directory:  WS1\\\$ in $LAB_REALM, read on" &&
	      printf "%s" "$out" | grep -q "^DNS name:   $WS1_FQDN" && printf "%s" "$out" | grep -q "^INCONCLUSIVE: cannot check" &&
	      ! printf "%s" "$out" | grep -qi "^healthy"'
[ "$rc" -eq 6 ] || show
t98_run verify "${ws1_t[@]}" --password-file "$t98/admin.pw"
check "verify --target with --password-file but no -U: usage error, exit 2" \
	eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "give -U"'
t98_run verify "${ws1_t[@]}" -S "$DC1_FQDN"
check "verify --target with -S but no admin credentials: usage error, exit 2" \
	eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "need domain admin credentials"'

# WS1$ disabled on dc1 (read there with -S, no replication wait), then enabled again
if st user disable 'WS1$'; then
	t98_run --json verify "${ws1_t[@]}" "${adm[@]}" -S "$DC1_FQDN"
	check "WS1\$ disabled: broken, exit 1, 'has WS1\$ disabled' decides, directory.disabled true, schema-valid" \
		eval '[ "$rc" -eq 1 ] && t98_schema && [ "$(jget "(j[\"verdict\"], j[\"target\"][\"directory\"][\"disabled\"])")" = "('"'broken', True"')" ] &&
		      jget "j[\"error\"][\"message\"]" | grep -q "has WS1\\\$ disabled"'
	[ "$rc" -eq 1 ] || show
	check "WS1\$ disabled: the remote could-not-check is still listed beside it" \
		eval 'jget "[f[\"message\"] for f in j[\"could_not_check\"]]" | grep -q "cannot check $WS1_FQDN remotely"'
	st user enable 'WS1$'
	t98_run --json verify "${ws1_t[@]}" "${adm[@]}" -S "$DC1_FQDN"
	check "WS1\$ enabled again: back to inconclusive, exit 6" \
		eval '[ "$rc" -eq 6 ] && [ "$(jget "j[\"target\"][\"directory\"][\"disabled\"]")" = False ]'
	[ "$rc" -eq 6 ] || show
else
	bad "samba-tool user disable WS1\$"
fi
# samba-tool's show answered "Unable to find user" now and then in the lab: asked up to three times
t98_uac() {
	local i
	for i in 1 2 3; do
		"$lab" exec dc1 samba-tool computer show WS1 -s "$DC1_CONF" --attributes=userAccountControl 2>/dev/null |
			sed -n 's/^userAccountControl: //p' | grep . && return 0
		sleep 0.5
	done
	return 1
}
if [ "$(t98_uac)" = 4096 ]; then ok "WS1\$ is enabled again on dc1 (userAccountControl 4096)"
else st user enable 'WS1$'; bad "WS1\$ is enabled again on dc1 (userAccountControl 4096)"; fi

# ---- show-target's round trips (issue 8: <= 8 with NTLM from cold, name lookup included) ----------
# counted from a capture of cli's own interface (bench/capture.py; the LOGOFF, not waited for, is a
# turn of its own): 17 before the calls were pipelined.  The RPC helpers are warmed by the run above
# (a Samba member whose helper had gone idle resets a pipelined bind: show-target then asks again, one
# call at a time, and takes more).
t98_turns() {
	"$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" ASAN_OPTIONS=detect_leaks=0 python3 "$top_srcdir/bench/capture.py" -- \
		"$bin" show-target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t98/root.pw" 2>/dev/null |
		tail -n 1 | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["turns"] if j["exit"] == 0 else 99)'
}
# the fewest of three runs: a TCP retransmission or a late packet on a loaded machine adds a turn
t98_turns >/dev/null
tt=99
for _ in 1 2 3; do
	t98t=$(t98_turns)
	[ -n "$t98t" ] && [ "$t98t" -lt "$tt" ] && tt=$t98t
done
check "show-target ws1 (NTLM, cold client): at most 10 turns on the wire (8 round trips, the LOGOFF and the closing RST), was 17; got $tt (fewest of 3)" \
	eval '[ "$tt" -le 10 ]'

# ---- dc1 about OTHER: the second forest ----------------------------------------------------------
f2_mine=0
if [ "${LAB2_UP:-0}" != 1 ] && ! "$lab" forest2 up > "$NLT_LAB_DIR.forest2-98.log" 2>&1; then
	bad "lab.sh forest2 up (second forest OTHER.TEST with a forest trust)"
	tail -n 20 "$NLT_LAB_DIR.forest2-98.log" | diag
	"$lab" forest2 down >/dev/null 2>&1
else
	[ "${LAB2_UP:-0}" = 1 ] || f2_mine=1
	eval "$("$lab" env)"
	dc1_t=(--target "$DC1_FQDN" "$LAB2_DOMAIN" --target-user "$LAB_NETBIOS_DOMAIN\\Administrator"
	       --target-password-file "$t98/admin.pw" --target-auth ntlm)
	check_secret() { "$lab" exec dc1 wbinfo --check-secret --domain="$LAB2_NETBIOS_DOMAIN" >/dev/null 2>&1; }
	check "dc1's channel to OTHER is up (wbinfo --check-secret)" check_secret

	t98_run --json verify "${dc1_t[@]}" "${adm[@]}"
	check "dc1 about OTHER with -U: healthy, exit 0, schema-valid; DC1\$ read from the target's own domain $LAB_REALM" \
		eval '[ "$rc" -eq 0 ] && t98_schema && [ "$(jget "j[\"verdict\"]")" = healthy ] &&
		      [ "$(jget "(lambda d: (d[\"state\"], d[\"sam_account_name\"], d[\"realm\"], d[\"found\"], d[\"disabled\"], d[\"domain_confirmed\"]))(j[\"target\"][\"directory\"])")" = "('"'read', 'DC1\$', '$LAB_REALM', True, False, True"')" ]'
	[ "$rc" -eq 0 ] || show
	check "dc1: the object is a server trust account (SERVER_TRUST_ACCOUNT in its flags) with dNSHostName $DC1_FQDN" \
		eval '[ "$(jget "(lambda c: (\"server_trust_account\" in [x.lower() for x in c[\"user_account_control_flags\"]], c[\"dns_host_name\"]))(j[\"target\"][\"directory\"][\"computer\"])")" = "(True, '"'$DC1_FQDN'"')" ]'
	t98_run verify "${dc1_t[@]}" "${adm[@]}"
	check "dc1 text: 'Directory:  DC1\$ in $LAB_REALM', 'Healthy: ... verified its secure channel'" \
		eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Directory:  DC1\\\$ in $LAB_REALM" &&
		      printf "%s" "$out" | grep -q "^Healthy: $DC1_FQDN verified its secure channel to $LAB2_DOMAIN"'
	[ "$rc" -eq 0 ] || show

	# -C: the admin ccache serves the target's Kerberos logon and the directory
	"$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="FILE:$t98/adm.cc" kinit "$LAB_ADMIN_PRINCIPAL" \
		<"$t98/admin.pw" >/dev/null 2>&1
	t98_run --json verify --target "$DC1_FQDN" "$LAB2_DOMAIN" "-CFILE:$t98/adm.cc"
	check "dc1 with -C only: Kerberos from the ccache, DC1\$ read as $LAB_ADMIN_PRINCIPAL, healthy, exit 0" \
		eval '[ "$rc" -eq 0 ] && t98_schema && [ "$(jget "(j[\"target\"][\"smb\"][\"auth\"], j[\"target\"][\"directory\"][\"read_as\"], j[\"target\"][\"directory\"][\"found\"])")" = "('"'Kerberos', '$LAB_ADMIN_PRINCIPAL', True"')" ]'
	[ "$rc" -eq 0 ] || show
	# a target kinit (MEMORY ccache) beside -C: the directory still uses the -C cache
	t98_run --json verify --target "$DC1_FQDN" "$LAB2_DOMAIN" --target-user "Administrator@$LAB_REALM" \
		--target-password-file "$t98/admin.pw" --target-auth kerberos "-CFILE:$t98/adm.cc"
	check "dc1 with a target password kinit and -C: healthy, exit 0, directory read" \
		eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"target\"][\"directory\"][\"state\"]")" = read ]'
	[ "$rc" -eq 0 ] || show

	# the directory cannot be read: a healthy remote verdict does not stand alone
	t98_run --json verify "${dc1_t[@]}" -U "$LAB_ADMIN_USER" --password-file "$t98/bad.pw"
	check "the admin's wrong password: inconclusive, exit 5, 'could not be read' names the logon, TC_VERIFY still OK" \
		eval '[ "$rc" -eq 5 ] && t98_schema && [ "$(jget "(j[\"verdict\"], j[\"healthy\"], j[\"target\"][\"directory\"][\"state\"], j[\"target\"][\"tc_verify\"][\"pdc_connection_status\"])")" = "('"'inconclusive', False, 'could_not_run', 0"')" ] &&
		      jget "j[\"error\"][\"message\"]" | grep -q "could not be read: .*wrong password"'
	[ "$rc" -eq 5 ] || show

	# broken on dc1's side: a healthy directory does not make it better
	if "$lab" forest2 break >/dev/null 2>&1; then
		t98_run --json verify "${dc1_t[@]}" "${adm[@]}"
		check "broken, the directory fine: still broken, exit 1, 1323 decides, DC1\$ found and enabled" \
			eval '[ "$rc" -eq 1 ] && t98_schema && [ "$(jget "(j[\"verdict\"], j[\"target\"][\"directory\"][\"found\"], j[\"target\"][\"directory\"][\"disabled\"])")" = "('"'broken', True, False"')" ] &&
			      jget "j[\"error\"][\"message\"]" | grep -q "1323 ERROR_WRONG_PASSWORD"'
		[ "$rc" -eq 1 ] || show
	else
		bad "lab.sh forest2 break"
	fi
	if "$lab" forest2 heal >/dev/null 2>&1; then
		check "healed: wbinfo --check-secret on dc1 for OTHER succeeds again" check_secret
		t98_run --json verify "${dc1_t[@]}" "${adm[@]}"
		check "healed, with the directory: exit 0, healthy" eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"verdict\"]")" = healthy ]'
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
rm -rf "$t98"
