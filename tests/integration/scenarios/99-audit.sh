# tests/integration/scenarios/99-audit.sh - nltrust audit (issue 10) against a population of 200
# computer objects plus planted accounts with exactly one finding each
# (tests/lab/populate-computers.sh): each finding on exactly its account, a clean account not
# flagged, --ou, --stale-days, --ndjson, the JSON Schema, a kvno/pwdLastSet difference made on dcb
# with replication paused, a stopped DC -> "not compared" (never "consistent"), exit codes.
# Sourced by ../run.sh; removes the population, restarts what it stops, unblocks what it blocks.

pop=$top_srcdir/tests/lab/populate-computers.sh
aou=nltaudit
AOU="OU=$aou,DC=${LAB_DOMAIN//./,DC=}"
AP=NLTAUDIT
aadm=(-U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE")
achk=$top_srcdir/tests/check_json_schema.py

# audit reads the GPOs from its DC's SYSVOL, and Samba does not replicate SYSVOL: dcb gets dc1's
# Policies folder for this scenario (as AD's DFSR would), removed again at the end
asvb=$LAB_DIR/dcb/state/sysvol/$LAB_DOMAIN
rm -rf "$asvb/Policies"; cp -a "$LAB_DIR/dc1/state/sysvol/$LAB_DOMAIN/Policies" "$asvb/"

t0=$(date +%s.%N)
if popout=$("$pop" remove --ou $aou 2>&1 && "$pop" add 200 --ou $aou --planted 2>&1); then
	ok "populate-computers.sh: 200 objects + 9 planted in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
	printf '%s\n' "$popout" | diag
else
	bad "populate-computers.sh failed"; printf '%s\n' "$popout" | tail -n 20 | diag
fi

# findings per planted account as "NAME:check,check" (sorted), from $out
afind() { jget '" ".join(sorted(a["sam_account_name"] + ":" + ",".join(sorted(f["check"] for f in a["findings"])) for a in j["accounts"] if not a["sam_account_name"].startswith("'$AP'0")))'; }

run_cli --json audit "${aadm[@]}" --ou "$AOU" "$LAB_DOMAIN"
want="${AP}CLEAN\$: ${AP}DIS\$:disabled ${AP}DUPA\$:duplicate_dns_host_name ${AP}DUPB\$:duplicate_dns_host_name ${AP}NOLOG\$:never_logged_on ${AP}QUOTA\$:nonadmin_creator ${AP}RC4\$:no_aes ${AP}SPNA\$:duplicate_spn ${AP}SPNB\$:duplicate_spn"
if [ "$rc" -eq 1 ] && [ "$(afind)" = "$want" ]; then
	ok "audit --ou: each planted finding on exactly its account, the clean account has none (exit 1)"
else bad "audit planted findings: got '$(afind)'"; show; fi
check "the 200 bulk accounts: password never set and never logged on, nothing else" \
	test "$(jget 'sorted(set(",".join(sorted(f["check"] for f in a["findings"])) for a in j["accounts"] if a["sam_account_name"].startswith("'$AP'0")))'):$(jget 'j["accounts_read"]')" = "['never_logged_on,password_stale']:209"
check "summary counts match the accounts; cross-DC compared with dc1 and dcb both read" \
	test "$(jget '(j["summary"]["duplicate_spn"], j["summary"]["nonadmin_creator"], j["summary"]["password_stale"], j["accounts_with_findings"], j["cross_dc"]["state"], sorted(d["status"] for d in j["cross_dc"]["dcs"]))')" = "(2, 1, 200, 208, 'compared', ['read', 'read'])"
check "the creator of the quota account is the plain user's SID (mS-DS-CreatorSID), named in the finding" \
	test "$(jget '[a["creator_sid"] in f["message"] for a in j["accounts"] if a["sam_account_name"] == "'$AP'QUOTA$" for f in a["findings"]]')" = "[True]"
check "the stale limit is Windows' default (the GPOs were read, none sets it), and the document says so" \
	test "$(jget '(j["stale_days"], j["stale_days_source"], j["stale_days_note"], j["policy"]["state"])')" = "(30, 'default', 'policy: 30 days (Windows default; no domain GPO sets it)', 'read')"
if python3 "$achk" "$top_srcdir/doc/json" audit <<< "$out" >/dev/null 2>&1; then ok "audit --json is valid against doc/json/audit.schema.json"
else bad "audit --json schema: $(python3 "$achk" "$top_srcdir/doc/json" audit <<< "$out" 2>&1 | head -3)"; fi
check "--ou restricts: every account is under the OU, WS1\$ is not there" \
	test "$(jget 'all(a["dn"].lower().endswith(",'"${AOU,,}"'") for a in j["accounts"]) and "WS1$" not in [a["sam_account_name"] for a in j["accounts"]]')" = True

run_cli --json audit "${aadm[@]}" "$LAB_DOMAIN"
check "without --ou the whole domain: WS1\$, the DCs and the population" \
	test "$rc:$(jget 'sorted(a["sam_account_name"] for a in j["accounts"] if not a["sam_account_name"].startswith("'$AP'"))'):$(jget 'j["accounts_read"] >= 212')" = "1:['DC1\$', 'DCB\$', 'WS1\$']:True"

# --stale-days 0: every password is stale, and the limit's source is the option
run_cli --json audit "${aadm[@]}" --stale-days 0 --ou "CN=${AP}CLEAN,$AOU" "$LAB_DOMAIN"
check "--stale-days 0: the clean account's password is stale, from --stale-days (exit 1)" \
	test "$rc:$(jget '([f["check"] for f in j["accounts"][0]["findings"]], "--stale-days" in j["accounts"][0]["findings"][0]["message"], j["stale_days_source"])')" = "1:(['password_stale'], True, 'option')"
run_cli --json audit "${aadm[@]}" --ou "CN=${AP}CLEAN,$AOU" "$LAB_DOMAIN"
check "the clean account alone: exit 0, verdict clean, healthy true" \
	test "$rc:$(jget '(j["verdict"], j["healthy"], j["accounts_read"], j["error"])')" = "0:('clean', True, 1, None)"

# text: the summary table and the planted accounts
run_cli audit "${aadm[@]}" --ou "$AOU" "$LAB_DOMAIN"
check "text: the summary table, the DCs compared, each flagged account with its finding" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | grep -q "^  SPN also on another account  *2$" &&
	      printf "%s" "$out" | grep -q "^Other DCs:  dc1.$LAB_DOMAIN: compared" &&
	      printf "%s" "$out" | grep -q "^${AP}DIS\\$  CN=${AP}DIS,$AOU$" &&
	      ! printf "%s" "$out" | grep -q "^${AP}CLEAN\\$"'
check "text fits 100 columns with no trailing blanks (findings and reasons wrap)" \
	eval '[ "$(printf "%s\n" "$out" | awk "length > 100 || / \$/" | wc -l)" -eq 0 ]'

# --ndjson: one line per account, then the summary line with command and error
run_cli audit "${aadm[@]}" --ndjson --ou "$AOU" "$LAB_DOMAIN"
nd=$(printf '%s\n' "$out" | python3 -c '
import json, sys
sys.path.insert(0, sys.argv[1]); import check_json_schema as c, jsonschema
s = c.load(sys.argv[2], "audit"); acc = dict(s, **s["$defs"]["audit_account"]); acc["$defs"] = s["$defs"]
lines = sys.stdin.read().splitlines()
docs = [json.loads(l) for l in lines]
jsonschema.Draft202012Validator(s).validate(docs[-1])
for d in docs[:-1]: jsonschema.Draft202012Validator(acc).validate(d)
print(len(docs) - 1, docs[-1]["command"], docs[-1]["error"]["exit_code"], docs[-1]["accounts_read"], "accounts" in docs[-1])
' "$top_srcdir/tests" "$top_srcdir/doc/json" 2>&1)
check "--ndjson: 209 account lines and a last summary line (command, error), each schema-valid" \
	test "$rc:$nd" = "1:209 audit 1 209 False"

# ---- cross-DC: a password change on dcb that dc1 does not get --------------------------------
"$pop" pause
"$lab" exec dcb samba-tool user setpassword "${AP}CLEAN\$" --newpassword="Nlt-audit-x-$(date +%s%N)-Pw" -s "$DCB_CONF" >/dev/null 2>&1
run_cli --json audit "${aadm[@]}" -S "$DCB_FQDN" --ou "CN=${AP}CLEAN,$AOU" "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && [ "$(jget 'sorted(set(f["check"] for f in j["accounts"][0]["findings"]))')" = "['dc_differs']" ] &&
   [ "$(jget '[f["message"] for f in j["accounts"][0]["findings"] if "msDS-KeyVersionNumber" in f["message"]][0]')" != "" ] &&
   [ "$(jget 'all("'$DCB_FQDN'" in f["message"] and "'$DC1_FQDN'" in f["message"] for f in j["accounts"][0]["findings"])')" = True ]; then
	ok "a change on dcb with replication paused: kvno and pwdLastSet differ, both DCs named (exit 1)"
else bad "cross-DC difference not reported"; show; fi
"$pop" resume
"$lab" exec dc1 samba-tool drs replicate dc1 dcb "DC=${LAB_DOMAIN//./,DC=}" -U "$LAB_ADMIN_USER%$(cat "$LAB_ADMIN_PASS_FILE")" -s "$DC1_CONF" >/dev/null 2>&1
run_cli --json audit "${aadm[@]}" --ou "CN=${AP}CLEAN,$AOU" "$LAB_DOMAIN"
check "after replication the DCs agree again (exit 0)" test "$rc:$(jget 'j["accounts"][0]["findings"]')" = "0:[]"

# ---- a DC that is down: not compared, never consistent ---------------------------------------
"$lab" stop dc1 >/dev/null 2>&1
run_cli --json audit "${aadm[@]}" -S "$DCB_FQDN" --ou "CN=${AP}CLEAN,$AOU" "$LAB_DOMAIN"
if [ "$rc" -eq 4 ] && [ "$(jget '(j["verdict"], j["healthy"], j["cross_dc"]["state"], [d["status"] for d in j["cross_dc"]["dcs"] if d["role"] == "compared"], j["error"]["category"])')" = "('inconclusive', None, 'unknown', ['not_read'], 'no_dc')" ] &&
   [ -n "$(jget '[d["reason"] for d in j["cross_dc"]["dcs"] if d["role"] == "compared"][0]')" ]; then
	ok "dc1 stopped: the comparison is unknown with its reason, verdict inconclusive, healthy null, exit 4"
else bad "a stopped DC reported as compared"; show; fi
run_cli audit "${aadm[@]}" -S "$DCB_FQDN" --ou "$AOU" "$LAB_DOMAIN"
check "text with dc1 stopped: 'NOT compared' with the reason, UNKNOWN in the table, exit 1 (findings)" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | grep -q "^Other DCs:  $DC1_FQDN: NOT compared: ." &&
	      printf "%s" "$out" | grep -q "^  kvno/pwdLastSet compared between DCs  *UNKNOWN$" &&
	      printf "%s" "$err" | grep -q "the cross-DC comparison is incomplete"'
check "text with dc1 stopped fits 100 columns (the reason wraps)" \
	eval '[ "$(printf "%s\n" "$out" | awk "length > 100 || / \$/" | wc -l)" -eq 0 ]'
"$lab" start dc1 >/dev/null 2>&1 || bad "dc1 did not come back"

# filtered, not refused: dc1 answers its CLDAP ping (UDP 389) but TCP 389 is dropped
"$lab" block dc1 tcp 389 >/dev/null 2>&1
t1=$(date +%s%N)
run_cli --json audit "${aadm[@]}" -S "$DCB_FQDN" --ou "CN=${AP}CLEAN,$AOU" "$LAB_DOMAIN"
ams=$(( ($(date +%s%N) - t1) / 1000000 ))
"$lab" unblock dc1 tcp 389 >/dev/null 2>&1
if [ "$rc" -eq 4 ] && [ "$(jget '(j["cross_dc"]["state"], [("'$DC1_FQDN'" in d["reason"], "389" in d["reason"]) for d in j["cross_dc"]["dcs"] if d["role"] == "compared"])')" = "('unknown', [(True, True)])" ] &&
   [ "$ams" -lt 8000 ]; then
	ok "dc1's LDAP port filtered: not compared, the reason names dc1 and 389, exit 4 (${ams} ms)"
else bad "a filtered DC (${ams} ms)"; show; fi

run_cli --json audit "${aadm[@]}" --ou "OU=nosuch,DC=${LAB_DOMAIN//./,DC=}" "$LAB_DOMAIN"
check "--ou naming no object: exit 2, one error naming the DN" \
	test "$rc:$(jget '"OU=nosuch" in j["error"]["message"]')" = "2:True"

popout=$("$pop" remove --ou $aou 2>&1) || { bad "populate-computers.sh remove failed"; printf '%s\n' "$popout" | diag; }
rm -rf "$asvb/Policies"
