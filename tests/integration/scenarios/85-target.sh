# tests/integration/scenarios/85-target.sh - issue 8 part A: a remote member over SMB named pipes.
# show-target against ws1 (Samba member: no \PIPE\netlogon) and dc1 (serves it) over Kerberos (a
# ccache, and a password kinit into a MEMORY ccache) and NTLM (gss-ntlmssp: ws1's local root and
# the domain Administrator); logon failures exit 5 and say why; ws1's smbd under each dialect cap,
# mandatory signing and required encryption (lab.sh ws1-smb), reported as negotiated; discover
# --target on dc1 (DsrGetDcNameEx2 over the pipe) and on ws1 ("cannot ask remotely", exit 6);
# target option usage errors.  Every --json document is checked against doc/json/.
# Restores ws1's smbd defaults at the end.

schemas=$top_srcdir/doc/json
checker=$top_srcdir/tests/check_json_schema.py
t85=$(mktemp -d); chmod 700 "$t85"
cp "$WS1_LOCAL_PASS_FILE" "$t85/root.pw"; cp "$LAB_ADMIN_PASS_FILE" "$t85/admin.pw"
echo 'not-the-password' >"$t85/wrong.pw"; chmod 600 "$t85"/*.pw
t85_cc=FILE:$t85/adm.cc
"$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="$t85_cc" kinit "$LAB_ADMIN_PRINCIPAL" \
	<"$LAB_ADMIN_PASS_FILE" >/dev/null 2>&1
check "kinit as the domain Administrator in cli's namespace" test -s "$t85/adm.cc"
# t85_run ARGS...: nltrust in cli's namespace with the lab's krb5.conf and the admin ccache
t85_run() {
	local ef; ef=$(mktemp)
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="$t85_cc" "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
t85_schema() { printf '%s' "$out" | python3 "$checker" "$schemas" "$1" >/dev/null 2>&1; }
root=(--target-user 'WS1\root' --target-password-file "$t85/root.pw")

check "doc/json has a valid show-target schema" python3 "$checker" "$schemas" --schemas show-target discover

# ---- 1. show-target over Kerberos (ccache): LSA, srvsvc, wkssvc over epm-free pipe binds ----
t85_run --json show-target "$WS1_FQDN"
check "ws1 over Kerberos: exit 0, schema-valid, WS1 in LAB with a domain SID, auth Kerberos (wkssvc not needed)" \
	eval '[ "$rc" -eq 0 ] && t85_schema show-target &&
	      [ "$(jget "(j[\"computer_name\"], j[\"domain\"][\"netbios_name\"], j[\"domain\"][\"workstation_domain\"], j[\"smb\"][\"auth\"])")" = "('"'WS1', 'LAB', None, 'Kerberos'"')" ] &&
	      jget "j[\"domain\"][\"sid\"]" | grep -Eq "^S-1-5-21-[0-9]+-[0-9]+-[0-9]+$"'
[ "$rc" -eq 0 ] || show
ws1_sid=$(jget 'j["domain"]["sid"]')
check "ws1: \\PIPE\\netlogon not served, its secure channel 'cannot_check_remotely' (never healthy)" \
	eval '[ "$(jget "(j[\"netlogon\"][\"state\"], j[\"netlogon\"][\"secure_channel\"])")" = "('"'not_served', 'cannot_check_remotely'"')" ]'
check "ws1: a Samba member has no DNS domain information: dns_name null, not guessed" \
	eval '[ "$(jget "j[\"domain\"][\"dns_name\"]")" = None ]'
check "ws1: the OS from srvsvc (platform 500, domain member, Samba's comment)" \
	eval '[ "$(jget "(j[\"os\"][\"platform_id\"], j[\"os\"][\"role\"])")" = "(500, '"'domain member'"')" ] && jget "j[\"os\"][\"comment\"]" | grep -q Samba'
t85_run --json show-target "$DC1_FQDN"
check "dc1: DNS domain lab.test, forest lab.test, the same domain SID as ws1, \\PIPE\\netlogon served" \
	eval '[ "$rc" -eq 0 ] && t85_schema show-target &&
	      [ "$(jget "(j[\"domain\"][\"dns_name\"], j[\"domain\"][\"forest\"], j[\"domain\"][\"sid\"], j[\"netlogon\"][\"state\"])")" = "('"'lab.test', 'lab.test', '$ws1_sid', 'served'"')" ]'
[ "$rc" -eq 0 ] || show
t85_run show-target "$WS1_FQDN"
check "text: Computer, Domain SID, 'not served' and the SMB line" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Computer: *WS1" && printf "%s" "$out" | grep -q "^Domain SID: *$ws1_sid" &&
	      printf "%s" "$out" | grep -q "^Netlogon: *not served" && printf "%s" "$out" | grep -q "^SMB: *3.1.1, signing AES-128-GMAC"'

# ---- 2. Kerberos with a password (MEMORY ccache), NTLM local and domain ----
t85_run --json show-target "$WS1_FQDN" --target-user "Administrator@$LAB_DOMAIN" --target-password-file "$t85/admin.pw"
check "Administrator@lab.test with a password: Kerberos, account_kind domain, exit 0" \
	eval '[ "$rc" -eq 0 ] && t85_schema show-target && [ "$(jget "(j[\"smb\"][\"auth\"], j[\"smb\"][\"account_kind\"])")" = "('"'Kerberos', 'domain'"')" ]'
[ "$rc" -eq 0 ] || show
t85_run --json show-target "$WS1_FQDN" "${root[@]}"
check "WS1\\root (ws1's local administrator): NTLM through SPNEGO, account_kind local, the same SID" \
	eval '[ "$rc" -eq 0 ] && t85_schema show-target &&
	      [ "$(jget "(j[\"smb\"][\"auth\"], j[\"smb\"][\"account_kind\"], j[\"domain\"][\"sid\"])")" = "('"'NTLM', 'local', '$ws1_sid'"')" ]'
[ "$rc" -eq 0 ] || show
t85_run --json show-target "$WS1_FQDN" --target-user '.\root' --target-password-file "$t85/root.pw"
check ".\\root means the target's own account (WS1\\root)" eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"smb\"][\"account_kind\"]")" = local ]'
t85_run --json show-target "$WS1_FQDN" --target-user 'LAB\Administrator' --target-password-file "$t85/admin.pw"
check "LAB\\Administrator: NTLM (no realm given), passed through ws1's channel, exit 0" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "(j[\"smb\"][\"auth\"], j[\"smb\"][\"account_kind\"])")" = "('"'NTLM', 'domain'"')" ]'
t85_run show-target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t85/wrong.pw"
check "a wrong local password: exit 5, 'wrong user or password for the member's local account'" \
	eval '[ "$rc" -eq 5 ] && printf "%s" "$err" | grep -q "logon failure.*local account"'
t85_run show-target "$WS1_FQDN" --target-user "Administrator@$LAB_DOMAIN" --target-password-file "$t85/wrong.pw"
check "a wrong domain password over Kerberos: exit 5, 'Preauthentication failed (wrong password)'" \
	eval '[ "$rc" -eq 5 ] && printf "%s" "$err" | grep -q "wrong password"'
t85_run --json show-target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$t85/wrong.pw"
check "the failure under --json: one document, error exit_code 5, schema-valid" \
	eval '[ "$rc" -eq 5 ] && [ "$(jget "j[\"error\"][\"exit_code\"]")" = 5 ] && t85_schema show-target'

# ---- 3. ws1's smbd variants: what was negotiated is reported ----
for v in max=SMB2_02:2.0.2:HMAC-SHA256:none max=SMB2_10:2.1:HMAC-SHA256:none max=SMB3_00:3.0:AES-128-CMAC:none \
	max=SMB3_02:3.0.2:AES-128-CMAC:none signing=mandatory:3.1.1:AES-128-GMAC:none encrypt=required:3.1.1:AES-128-GMAC:AES-128-GCM; do
	IFS=: read -r t85_set t85_d t85_s t85_c <<<"$v"
	"$lab" ws1-smb "$t85_set" >/dev/null 2>&1
	t85_run --json show-target "$WS1_FQDN" "${root[@]}"
	check "ws1 with $t85_set: dialect $t85_d, signing $t85_s, encryption $t85_c, the SID read (NTLM)" \
		eval '[ "$rc" -eq 0 ] && t85_schema show-target &&
		      [ "$(jget "(j[\"smb\"][\"dialect\"], j[\"smb\"][\"signing\"], j[\"smb\"][\"encryption\"], j[\"domain\"][\"sid\"])")" = "('"'$t85_d', '$t85_s', '$t85_c', '$ws1_sid'"')" ]'
	[ "$rc" -eq 0 ] || show
done
"$lab" ws1-smb "encrypt=required" >/dev/null 2>&1
t85_run --json show-target "$WS1_FQDN"
check "ws1 with encryption required, over Kerberos: AES-128-GCM" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"smb\"][\"encryption\"]")" = AES-128-GCM ]'
"$lab" ws1-smb >/dev/null 2>&1

# ---- 4. discover --target ----
t85_run --json discover --target "$DC1_FQDN"
check "discover --target dc1: DsrGetDcNameEx2 over its \\PIPE\\netlogon names a DC of lab.test, schema-valid" \
	eval '[ "$rc" -eq 0 ] && t85_schema discover && [ "$(jget "(j[\"target\"][\"domain\"], j[\"target\"][\"error\"])")" = "('"'lab.test'"', None)" ] &&
	      jget "j[\"target\"][\"dc\"][\"name\"]" | grep -Eq "^(dc1|dcb)\.lab\.test$"'
[ "$rc" -eq 0 ] || show
t85_run discover --target "$WS1_FQDN" "${root[@]}"
check "discover --target ws1 (no \\PIPE\\netlogon): exit 6, 'cannot ask ... remotely'" \
	eval '[ "$rc" -eq 6 ] && printf "%s" "$err" | grep -q "cannot ask .* remotely"'
t85_run --json discover --target "$WS1_FQDN" "${root[@]}"
check "... under --json: one document, exit_code 6, schema-valid" \
	eval '[ "$rc" -eq 6 ] && [ "$(jget "j[\"error\"][\"exit_code\"]")" = 6 ] && t85_schema discover'

# ---- 5. usage ----
t85_run show-target "$WS1_FQDN" --target-user 'WS1\root' --target-auth kerberos --target-password-file "$t85/root.pw"
check "--target-auth kerberos with a local account: exit 2 (only NTLM can log it on)" \
	eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "local account"'
t85_run show-target "$WS1_FQDN" --target-user 'WS1\root' --target-stdin-password --stdin-password
check "--stdin-password with --target-stdin-password: exit 2 (at most one secret from stdin)" eval '[ "$rc" -eq 2 ]'
t85_run show-target "$WS1_FQDN" --target-user root --target-password-file "$t85/root.pw"
check "--target-user without DOMAIN\\ or @REALM: exit 2" eval '[ "$rc" -eq 2 ]'
t85_run show-target
check "show-target without HOST: exit 2" eval '[ "$rc" -eq 2 ]'
chmod 644 "$t85/root.pw"
t85_run show-target "$WS1_FQDN" "${root[@]}"
check "a target password file others can read: exit 3" eval '[ "$rc" -eq 3 ]'

rm -rf "$t85"
