# tests/integration/scenarios/60-iface.sh - one consistent interface (issue 12): every
# command's --json is one document on every exit path (error object on failure), valid
# against its JSON Schema in doc/json/ (the shared shapes: dc, findings, action); exact
# option errors; enable-computer; dry-run wording; ping's stable DC order; discover's
# table width; failover said in text; the man pages' credential-free examples run verbatim.
# Sourced by ../run.sh; creates NLTI60 and removes it, unblocks what it blocks.

schemas=$top_srcdir/doc/json
checker=$top_srcdir/tests/check_json_schema.py
adm=(-U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE")
t60=$(mktemp -d); chmod 700 "$t60"
# schema_ok CMD: $out is one document valid against doc/json/CMD.schema.json
schema_why=
schema_ok() { schema_why=$(printf '%s' "$out" | python3 "$checker" "$schemas" "$1" 2>&1); }
# json_fail CMD CODE: one document naming CMD, error.exit_code = CODE = the exit status, valid
json_fail() {
	[ "$rc" -eq "$2" ] && [ "$(jget '(j["command"], j["error"]["exit_code"], j["error"]["category"] != "", j["error"]["message"] != "")')" = "('$1', $2, True, True)" ] && schema_ok "$1"
}

if ! python3 -c 'import jsonschema' 2>/dev/null; then
	bad "python3-jsonschema is not installed (tools/install-deps.sh): the JSON Schema checks cannot run"
fi
check "every schema in doc/json is a valid draft 2020-12 schema, one per command" \
	python3 "$checker" "$schemas" --schemas discover ping verify show-computer reset-password join leave \
	reset-computer disable-computer enable-computer delete-computer

# ---- 1. --json failures: one document with the error object, every command -----------------
run_cli --json verify -d nosuch.test
if json_fail verify 4; then ok "verify -d nosuch.test --json: one document, error exit_code 4, schema-valid"
else bad "verify -d nosuch.test --json ($schema_why)"; show; fi
printf 'not-the-password\n' > "$t60/wrong.pw"; chmod 600 "$t60/wrong.pw"
run_cli --json show-computer -U "$LAB_ADMIN_USER" --password-file "$t60/wrong.pw" -d "$LAB_DOMAIN" ws1
if json_fail show-computer 5; then ok "show-computer with a wrong password --json: error exit_code 5, schema-valid"
else bad "show-computer wrong password --json ($schema_why)"; show; fi
run_cli --json join "${adm[@]}" -S "$DC1_FQDN" -m ws1 "$LAB_DOMAIN"
if json_fail join 1 && printf '%s' "$(jget 'j["error"]["message"]')" | grep -q 'already exists'; then
	ok "join of an existing name without --reuse --json: error exit_code 1 (already exists), nothing changed"
else bad "join existing --json ($schema_why)"; show; fi
for c in reset-computer disable-computer enable-computer delete-computer; do
	run_cli --json "$c" "${adm[@]}" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nosuchpc
	if json_fail "$c" 1 && printf '%s' "$(jget 'j["error"]["message"]')" | grep -q 'no computer account NOSUCHPC\$'; then
		ok "$c nosuchpc --json: error exit_code 1 naming the account"
	else bad "$c nosuchpc --json ($schema_why)"; show; fi
done
run_cli --json reset-password -K "$t60/no-such.keytab" -m nltinone "$LAB_DOMAIN"
if [ "$rc" -ne 0 ] && json_fail reset-password "$rc"; then ok "reset-password with a missing keytab --json: error exit_code $rc, schema-valid"
else bad "reset-password missing keytab --json ($schema_why)"; show; fi
run_cli --json ping --timeout
if json_fail ping 2 && [ "$(jget 'j["error"]["message"]')" = "--timeout needs a value (SECONDS)" ]; then
	ok "a usage error with --json is a document too (ping --timeout: needs a value)"
else bad "usage error --json ($schema_why)"; show; fi
run_cli ping --frob --json
check "... also when --json comes after the mistake" json_fail ping 2
run_cli --json discover -S "$JUNK_IP" -d "$LAB_DOMAIN"
if json_fail discover 6 && [ "$(jget 'j["candidates"][0]["status"]')" = malformed ]; then
	ok "discover of a junk responder --json: candidates and error exit_code 6, schema-valid"
else bad "discover junk --json ($schema_why)"; show; fi

# ---- 2. success documents: the shared vocabulary, checked against the schemas -------------
run_cli --json discover --via-dc "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && schema_ok discover && [ "$(jget '(j["error"], {"name", "address", "site"} <= set(j["dc"]), j["via_dc"]["dc"]["name"].lower(), j["via_dc"]["asked"]["site"])')" = "(None, True, 'dcb.$LAB_DOMAIN', 'Branch')" ]; then
	ok "discover --via-dc: error null, via_dc.dc and via_dc.asked are {name, address, site}, schema-valid"
else bad "discover --via-dc document ($schema_why)"; show; fi
run_cli --json ping "$LAB_DOMAIN"
check "ping --json: schema-valid (findings, could_not_check, DC shape)" eval '[ "$rc" -eq 0 ] && schema_ok ping'
run_ws1 --json verify -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
check "verify (healthy) --json: error null, dc {name, address, site}, schema-valid" \
	eval '[ "$rc" -eq 0 ] && schema_ok verify && [ "$(jget "(j[\"error\"], sorted(j[\"dc\"]))")" = "(None, ['"'address', 'name', 'site'"'])" ]'
run_cli --json show-computer "${adm[@]}" -S "$DC1_FQDN" -d "$LAB_DOMAIN" ws1
if [ "$rc" -eq 0 ] && schema_ok show-computer && [ "$(jget '(j["dc"]["name"], j["dc"]["address"], j["verdict"])')" = "('$DC1_FQDN', '$DC1_IP', 'healthy')" ]; then
	ok "show-computer --json: dc is {name, address, site} (was a string), verdict, schema-valid"
else bad "show-computer document ($schema_why)"; show; fi
run_ws1 --json reset-password --dry-run -K "$WS1_KEYTAB" -m WS1 --state-dir "$t60/st60" "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && schema_ok reset-password && [ "$(jget '("address" in j, j["dc"]["address"] is not None, j["dry_run"])')" = "(False, True, True)" ]; then
	ok "reset-password --dry-run --json: the address is inside dc (no top-level address), schema-valid"
else bad "reset-password --dry-run document ($schema_why)"; show; fi

"$lab" block dcb tcp 445 >/dev/null
run_cli --json ping "$LAB_DOMAIN"
if json_fail ping 1 && [ "$(jget '[(p["kind"], p["dc"].split(".")[0]) for p in j["problems"]]')" = "[('problem', 'dcb')]" ] &&
   [ "$(jget '[len(d["problems"]) for d in j["dcs"]]')" = "[1, 0]" ]; then
	ok "ping with dcb's SMB filtered --json: a finding {kind, message, dc}, error exit_code 1, schema-valid"
else bad "ping with a problem --json ($schema_why)"; show; fi
"$lab" unblock dcb tcp 445 >/dev/null
printf 'Nlt-not-%s-pw\n' "$(date +%s%N)" > "$t60/badpw"; chmod 600 "$t60/badpw"
run_cli --json verify -S "$DC1_FQDN" -m ws1 --machine-password-file "$t60/badpw" "$LAB_DOMAIN"
if json_fail verify 1 && [ "$(jget '(j["verdict"], j["problems"][0]["kind"], j["error"]["message"] == j["problems"][0]["message"])')" = "('broken', 'problem', True)" ]; then
	ok "verify with a wrong machine password --json: broken, the deciding finding is the error, schema-valid"
else bad "verify broken --json ($schema_why)"; show; fi

# ---- 3. enable-computer, dry-run wording, action vocabulary --------------------------------
pw60="Nlt-i60-$(date +%s%N)-pw"; printf '%s\n' "$pw60" > "$t60/pw60"; chmod 600 "$t60/pw60"
st computer delete NLTI60; st computer create NLTI60 && st user setpassword 'NLTI60$' --newpassword="$pw60" ||
	bad "samba-tool could not create the scratch computer NLTI60"
st user enable 'NLTI60$'
run_cli --json disable-computer "${adm[@]}" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nlti60
if [ "$rc" -eq 0 ] && schema_ok disable-computer && [ "$(jget '(j["action"], j["changed"], j["dry_run"])')" = "('disable', True, False)" ]; then
	ok "disable-computer --json: action 'disable' (not 'disabled'), changed, schema-valid"
else bad "disable-computer document ($schema_why)"; show; fi
run_cli join --reuse --dry-run "${adm[@]}" -S "$DC1_FQDN" -m nlti60 "$LAB_DOMAIN"
check "join --reuse --dry-run of a disabled account says it would re-enable it, in the conditional" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Would take over NLTI60\\$ .*would re-enable it (it is disabled now)"'
run_cli --json join --reuse --dry-run "${adm[@]}" -S "$DC1_FQDN" -m nlti60 "$LAB_DOMAIN"
check "... and --json: action 'reuse', dry_run, nothing changed, schema-valid" \
	eval '[ "$rc" -eq 0 ] && schema_ok join && [ "$(jget "(j[\"action\"], j[\"dry_run\"], j[\"changed\"])")" = "('"'reuse'"', True, False)" ]'
run_cli enable-computer --dry-run "${adm[@]}" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nlti60
check "enable-computer --dry-run: 'Would enable', the flag change it would make" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Would enable NLTI60\\$ .*userAccountControl 0x1002 -> 0x1000"'
run_cli --json enable-computer "${adm[@]}" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nlti60
if [ "$rc" -eq 0 ] && schema_ok enable-computer && [ "$(jget '(j["action"], j["changed"])')" = "('enable', True)" ]; then
	ok "enable-computer NLTI60: enabled (action 'enable', changed), schema-valid"
else bad "enable-computer ($schema_why)"; show; fi
run_cli --json verify -S "$DC1_FQDN" -m nlti60 --machine-password-file "$t60/pw60" "$LAB_DOMAIN"
check "... with its password unchanged: the KDC accepts the password it had before disable/enable" \
	test "$(jget 'j["kerberos"]["result"]')" = ok
run_cli enable-computer "${adm[@]}" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nlti60
check "enable-computer of an enabled account changes nothing and says so" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Left unchanged NLTI60\\$ .*already enabled"'
run_cli --json leave --dry-run "${adm[@]}" -S "$DC1_FQDN" -m nlti60 -K "$t60/none.kt" --state-dir "$t60/st60" "$LAB_DOMAIN"
check "leave --dry-run --json: action 'delete' (not 'left'), schema-valid" \
	eval '[ "$rc" -eq 0 ] && schema_ok leave && [ "$(jget "j[\"action\"]")" = delete ]'
run_cli --json leave --disable --dry-run "${adm[@]}" -S "$DC1_FQDN" -m nlti60 -K "$t60/none.kt" --state-dir "$t60/st60" "$LAB_DOMAIN"
check "leave --disable --dry-run --json: action 'disable'" eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"action\"]")" = disable ]'
run_cli --json reset-computer --dry-run "${adm[@]}" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nlti60
check "reset-computer --dry-run --json: action 'reset', detail in the conditional, schema-valid" \
	eval '[ "$rc" -eq 0 ] && schema_ok reset-computer && [ "$(jget "(j[\"action\"], j[\"detail\"].startswith(\"would \"))")" = "('"'reset'"', True)" ]'
run_cli --json delete-computer "${adm[@]}" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nlti60
check "delete-computer --json: action 'delete' (not 'deleted'), schema-valid" \
	eval '[ "$rc" -eq 0 ] && schema_ok delete-computer && [ "$(jget "(j[\"action\"], j[\"changed\"])")" = "('"'delete'"', True)" ]'
st computer delete NLTI60

# ---- 4. stable, readable text ----------------------------------------------------------------
orders=
for i in 1 2 3 4; do
	run_cli --json ping "$LAB_DOMAIN"
	orders="$orders$(jget '[d["name"].split(".")[0] for d in j["dcs"]]');"
done
check "ping lists the DCs in one order run after run: the chosen DC (dcb) first, then by name ($orders)" \
	test "$orders" = "['dcb', 'dc1'];['dcb', 'dc1'];['dcb', 'dc1'];['dcb', 'dc1'];"
run_cli discover "$LAB_DOMAIN"
check "discover's text fits 100 columns, with no trailing blanks" \
	eval '[ "$rc" -eq 0 ] && [ "$(printf "%s\n" "$out" | awk "length > 100 || / \$/" | wc -l)" -eq 0 ]'
run_cli -v discover "$LAB_DOMAIN"
check "... and -v puts each candidate's flags on a line of their own" \
	eval '[ "$rc" -eq 0 ] && [ "$(printf "%s\n" "$out" | grep -c "^    flags: .*ldap")" -eq 2 ]'

# ---- 5. option errors: exact, one prefix ---------------------------------------------------
run_cli ping --timeout
check "ping --timeout: 'needs a value', exit 2" test "$rc:$err" = "2:nltrust: ping: --timeout needs a value (SECONDS)"
run_cli join --ou
check "join --ou: 'needs a value'" test "$rc:$err" = "2:nltrust: join: --ou needs a value (DN)"
run_cli --timeout 0 ping
check "--timeout 0: the real range" test "$rc:$err" = "2:nltrust: --timeout: '0' is not a number of seconds above 0 and at most 3600"
run_cli show-computer
check "show-computer without NAME: the command named once" \
	test "$rc:$err" = "2:nltrust: show-computer: which computer? (nltrust show-computer NAME)"
run_cli verify --ldaps --starttls
check "--ldaps with --starttls: the command named" test "$rc:$err" = "2:nltrust: verify: give --ldaps or --starttls, not both"

# ---- 6. failover is said in text -------------------------------------------------------------
# the Branch client's DC (dcb) has its KDC port filtered: the admin commands go to dc1 and say why
"$lab" block dcb tcp 88 >/dev/null
run_cli show-computer "${adm[@]}" -d "$LAB_DOMAIN" ws1
check "show-computer with dcb's KDC filtered names the skipped DC and why, then reads from dc1" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Skipped: *dcb.$LAB_DOMAIN (.*); used $DC1_FQDN instead" &&
	      printf "%s" "$out" | grep -q "^Read from: *$DC1_FQDN"'
run_cli --json reset-computer --dry-run "${adm[@]}" -d "$LAB_DOMAIN" ws1
check "... and --json lists it under skipped_dcs with the reason" \
	eval '[ "$rc" -eq 0 ] && schema_ok reset-computer && [ "$(jget "[s[\"name\"] for s in j[\"skipped_dcs\"]]")" = "['"'dcb.$LAB_DOMAIN'"']" ]'
"$lab" unblock dcb tcp 88 >/dev/null
# verify on the member: its site's DC (dc1) has its KDC filtered, Netlogon still runs there
"$lab" block dc1 tcp 88 >/dev/null
run_ws1 verify -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
check "verify with dc1's KDC filtered says that Kerberos skipped dc1 and ran on dcb" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Failover: *$DC1_FQDN was skipped (.*88/tcp.*); dcb.$LAB_DOMAIN took over" &&
	      printf "%s" "$out" | grep -q "^Healthy: dcb.$LAB_DOMAIN accepts WS1\\$.s Kerberos key and $DC1_FQDN its Netlogon secret"'
"$lab" unblock dc1 tcp 88 >/dev/null

# ---- 7. the man pages' examples that need no credentials run verbatim (from the client) ------
for page in "$top_srcdir/man/nltrust-discover.8" "$top_srcdir/man/nltrust-ping.8"; do
	awk '/^\.SH /{on = ($2 == "EXAMPLES"); next} on' "$page" | sed -e 's/\\-/-/g' |
		grep -o '^nltrust [^#]*' | sed 's/ *$//' > "$t60/ex60"
	while IFS= read -r ex; do
		eval "set -- ${ex#nltrust }"
		run_cli "$@"
		c=$1; for a in "$@"; do case $a in -*) ;; *) c=$a; break;; esac; done
		case " $ex " in
		*" --json "*) check "man example runs as printed: $ex (exit 0, schema-valid)" eval '[ "$rc" -eq 0 ] && schema_ok "$c"';;
		*) check "man example runs as printed: $ex (exit 0)" test "$rc" -eq 0;;
		esac
	done < "$t60/ex60"
done
rm -rf "$t60"
