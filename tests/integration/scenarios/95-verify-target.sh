# tests/integration/scenarios/95-verify-target.sh - issue 8: verify --target HOST [DOMAIN], the
# remote judge fed by our own client: SMB session with the target credentials, \PIPE\netlogon bound
# without RPC auth, NetrLogonControl2Ex TC_QUERY then TC_VERIFY (level 2), trust_remote_judge().
# - ws1 (a Samba member: no \PIPE\netlogon): "cannot check remotely", exit 6, never healthy;
#   the domain defaults to ws1's own (from its LSA).
# - dc1 asked about OTHER (the second forest, `lab.sh forest2`, brought up here unless it already
#   is, and taken down at the end when brought up here): healthy -> 0 over NTLM (LAB\Administrator)
#   and over Kerberos (Administrator@LAB.TEST with a password, and an admin ccache);
#   `forest2 break` -> TC_QUERY still OK, TC_VERIFY 1323 -> broken, exit 1, the code named;
#   `forest2 heal` -> 0; a domain user who is no administrator -> 5 ERROR_ACCESS_DENIED named, exit 5.
# Every --json document is checked against doc/json/verify.schema.json.

schemas=$top_srcdir/doc/json
checker=$top_srcdir/tests/check_json_schema.py
t95=$(mktemp -d); chmod 700 "$t95"
cp "$WS1_LOCAL_PASS_FILE" "$t95/root.pw"; cp "$LAB_ADMIN_PASS_FILE" "$t95/admin.pw"
t95_upw="Nlt-vt-$(date +%s%N)-Pw1"
printf '%s\n' "$t95_upw" >"$t95/user.pw"; chmod 600 "$t95"/*.pw
t95_cc=FILE:$t95/adm.cc
# t95_run ARGS...: nltrust in cli's namespace with the lab's krb5.conf and the admin ccache
t95_run() {
	local ef; ef=$(mktemp)
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="$t95_cc" "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
t95_schema() { printf '%s' "$out" | python3 "$checker" "$schemas" verify >/dev/null 2>&1; }
# t95_calls: "QW QF QP QT / VW VF VP VT" from the --json document (werror flags pdc tc)
t95_calls() {
	jget '" / ".join(" ".join(str(c[k]) for k in ("werror", "flags", "pdc_connection_status", "tc_connection_status")) if c else "none" for c in (j["target"]["tc_query"], j["target"]["tc_verify"]))'
}
adm_ntlm=(--target-user "$LAB_NETBIOS_DOMAIN\\Administrator" --target-password-file "$t95/admin.pw" --target-auth ntlm)
adm_krb=(--target-user "Administrator@$LAB_REALM" --target-password-file "$t95/admin.pw" --target-auth kerberos)

check "doc/json/verify.schema.json is a valid schema" python3 "$checker" "$schemas" --schemas verify

# ---- ws1: a Samba member serves no \PIPE\netlogon -------------------------------------------
t95_run --json verify --target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t95/root.pw"
check "ws1: exit 6, inconclusive, not healthy, netlogon_pipe not_served, schema-valid" \
	eval '[ "$rc" -eq 6 ] && t95_schema && [ "$(jget "(j[\"verdict\"], j[\"healthy\"], j[\"target\"][\"netlogon_pipe\"])")" = "('"'inconclusive', False, 'not_served'"')" ]'
[ "$rc" -eq 6 ] || show
check "ws1: 'cannot check ws1 remotely' in the error; the domain is ws1's own from its LSA (LAB)" \
	eval 'jget "j[\"error\"][\"message\"]" | grep -q "cannot check $WS1_FQDN remotely" &&
	      [ "$(jget "(j[\"target\"][\"domain\"], j[\"target\"][\"domain_source\"])")" = "('"'$LAB_NETBIOS_DOMAIN', 'target_lsa'"')" ]'
t95_run verify --target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t95/root.pw"
check "ws1 text: exit 6, 'not served', INCONCLUSIVE, never 'Healthy'" \
	eval '[ "$rc" -eq 6 ] && printf "%s" "$out" | grep -q "^Netlogon: *.*not served" &&
	      printf "%s" "$out" | grep -q "^INCONCLUSIVE: cannot check" && ! printf "%s" "$out" | grep -qi "^healthy"'

# ---- usage ----------------------------------------------------------------------------------
t95_run verify --target-user 'WS1\root' --target-password-file "$t95/root.pw"
check "verify --target-user without --target: usage error, exit 2" eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "go with --target"'
t95_run verify --target "$WS1_FQDN" --password-file "$t95/admin.pw"
check "verify --target with --password-file but no -U (the directory view: 98-target-dir.sh): usage error, exit 2, not ignored" \
	eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "give -U"'
t95_run verify --target "$WS1_FQDN" -K /etc/krb5.keytab -m WS1
check "verify --target with -K/-m (local check only): usage error, exit 2" \
	eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "local check only"'

# ---- dc1 about OTHER: the second forest -----------------------------------------------------
f2_mine=0
if [ "${LAB2_UP:-0}" != 1 ] && ! "$lab" forest2 up > "$NLT_LAB_DIR.forest2-95.log" 2>&1; then
	bad "lab.sh forest2 up (second forest OTHER.TEST with a forest trust)"
	tail -n 20 "$NLT_LAB_DIR.forest2-95.log" | diag
	"$lab" forest2 down >/dev/null 2>&1
else
	[ "${LAB2_UP:-0}" = 1 ] || f2_mine=1
	eval "$("$lab" env)"
	"$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="$t95_cc" kinit "$LAB_ADMIN_PRINCIPAL" \
		<"$LAB_ADMIN_PASS_FILE" >/dev/null 2>&1
	check "kinit as the domain Administrator in cli's namespace" test -s "$t95/adm.cc"
	# the independent check (as in 90-forest.sh); it also makes dc1's winbindd set up its channel
	check_secret() { "$lab" exec dc1 wbinfo --check-secret --domain="$LAB2_NETBIOS_DOMAIN" >/dev/null 2>&1; }
	check "healthy: wbinfo --check-secret on dc1 for OTHER succeeds" check_secret

	# healthy
	t95_run --json verify --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm_ntlm[@]}"
	check "healthy over NTLM (LAB\\Administrator): exit 0, healthy, TC_VERIFY 0xb0 statuses 0, auth NTLM, schema-valid" \
		eval '[ "$rc" -eq 0 ] && t95_schema && [ "$(jget "(j[\"verdict\"], j[\"healthy\"], j[\"target\"][\"smb\"][\"auth\"])")" = "('"'healthy', True, 'NTLM'"')" ] &&
		      [ "$(t95_calls)" = "0 48 0 0 / 0 176 0 0" ]'
	[ "$rc" -eq 0 ] || show
	t95_run --json verify --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm_krb[@]}"
	check "healthy over Kerberos (Administrator@$LAB_REALM, password): exit 0, auth Kerberos" \
		eval '[ "$rc" -eq 0 ] && t95_schema && [ "$(jget "(j[\"verdict\"], j[\"target\"][\"smb\"][\"auth\"])")" = "('"'healthy', 'Kerberos'"')" ]'
	[ "$rc" -eq 0 ] || show
	t95_run verify --target "$DC1_FQDN" "$LAB2_DOMAIN"
	check "healthy over Kerberos (the admin ccache), text: exit 0, 'Healthy: ... verified its secure channel'" \
		eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Healthy: $DC1_FQDN verified its secure channel to $LAB2_DOMAIN"'
	[ "$rc" -eq 0 ] || show

	# no administrator: a domain user made for this test
	st user delete nltvtuser
	if st user create nltvtuser "$t95_upw"; then
		t95_run --json verify --target "$DC1_FQDN" "$LAB2_DOMAIN" --target-user "$LAB_NETBIOS_DOMAIN\\nltvtuser" \
			--target-password-file "$t95/user.pw" --target-auth ntlm
		check "a domain user who is no administrator: exit 5, inconclusive, '5 ERROR_ACCESS_DENIED' named, schema-valid" \
			eval '[ "$rc" -eq 5 ] && t95_schema && [ "$(jget "j[\"verdict\"]")" = inconclusive ] &&
			      jget "j[\"error\"][\"message\"]" | grep -q "5 ERROR_ACCESS_DENIED" && [ "$(jget "j[\"target\"][\"tc_verify\"][\"werror\"]")" = 5 ]'
		[ "$rc" -eq 5 ] || show
		st user delete nltvtuser
	else
		bad "samba-tool could not create nltvtuser"
	fi

	# broken on dc1's side
	if "$lab" forest2 break >/dev/null 2>&1; then
		t95_run --json verify --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm_ntlm[@]}"
		check "broken: TC_QUERY still OK (0x30, 0, 0), TC_VERIFY 0xb0 with 1323" \
			test "$(t95_calls)" = "0 48 0 0 / 0 176 1323 0"
		check "broken: verify --target says broken, exit 1, names 1323 ERROR_WRONG_PASSWORD, schema-valid" \
			eval '[ "$rc" -eq 1 ] && t95_schema && [ "$(jget "(j[\"verdict\"], j[\"healthy\"])")" = "('"'broken', False"')" ] &&
			      jget "j[\"error\"][\"message\"]" | grep -q "1323 ERROR_WRONG_PASSWORD"'
		[ "$rc" -eq 1 ] || show
		t95_run verify --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm_krb[@]}"
		check "broken over Kerberos, text: exit 1, BROKEN, never Healthy" \
			eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | grep -q "^BROKEN: " && ! printf "%s" "$out" | grep -q "^Healthy"'
		[ "$rc" -eq 1 ] || show
	else
		bad "lab.sh forest2 break"
	fi

	# healed
	if "$lab" forest2 heal >/dev/null 2>&1; then
		check "healed: wbinfo --check-secret on dc1 for OTHER succeeds again" check_secret
		t95_run --json verify --target "$DC1_FQDN" "$LAB2_DOMAIN" "${adm_ntlm[@]}"
		check "healed: exit 0, healthy, TC_VERIFY 0xb0 statuses 0" \
			eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"verdict\"]")" = healthy ] && t95_calls | grep -q "/ 0 176 0 0$"'
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
rm -rf "$t95"
