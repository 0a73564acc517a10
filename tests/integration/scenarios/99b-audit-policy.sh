# tests/integration/scenarios/99b-audit-policy.sh - audit's password-age limit from the domain's
# GPOs (issue 10): GptTmpl.inf read over SMB2 from the DC's SYSVOL.  No GPO sets it -> "Windows
# default"; MaximumPasswordAge=4,10 in the Default Domain Policy -> a 20-day-old password is stale
# by that GPO; DisablePasswordChange=4,1 -> said; a DC whose SYSVOL lacks the GPOs, and SMB to the
# DCs filtered -> "policy not read ...; assuming 30 days", findings still printed, no finding ->
# inconclusive (exit 4), never clean.
# Sourced by ../run.sh.  Creates OU=nltpol (three accounts, one with pwdLastSet 20 days back, set
# on dc1 with the password_hash bypass control as the system), copies dc1's Policies folder to dcb
# (Samba does not replicate SYSVOL; AD's DFSR would), and removes all of it again.

padm=(-U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE")
PBASE="DC=${LAB_DOMAIN//./,DC=}"
POU="OU=nltpol,$PBASE"
DDP_GUID="{31B2F340-016D-11D2-945F-00C04FB984F9}"
sv1=$LAB_DIR/dc1/state/sysvol/$LAB_DOMAIN/Policies
svb=$LAB_DIR/dcb/state/sysvol/$LAB_DOMAIN
tmpl_rel="$DDP_GUID/MACHINE/Microsoft/Windows NT/SecEdit"
padmpw="$LAB_ADMIN_USER%$(cat "$LAB_ADMIN_PASS_FILE")"

pol_repl() { "$lab" exec dcb samba-tool drs replicate dcb dc1 "$PBASE" -U "$padmpw" -s "$DCB_CONF" >/dev/null 2>&1 ||
	{ sleep 1; "$lab" exec dcb samba-tool drs replicate dcb dc1 "$PBASE" -U "$padmpw" -s "$DCB_CONF" >/dev/null 2>&1; }; }
# the accounts: NLTPOLOLD$ (password 20 days old), NLTPOLNEW$ (fresh), NLTPOLDIS$ (fresh, disabled);
# each with AES enctypes and a lastLogonTimestamp, so their only findings are the ones meant
pol_setup() {
	"$lab" exec dc1 "$LAB_PYTHON" - "$LAB_DIR/dc1/private/sam.ldb" "$DC1_CONF" "$POU" <<'EOF'
import sys, time
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
from samba import dsdb
import ldb
lp = LoadParm(); lp.load(sys.argv[2])
db = SamDB(url=sys.argv[1], session_info=system_session(), lp=lp)
ou = sys.argv[3]
try:
    db.delete(ou, ["tree_delete:1"])
except ldb.LdbError as e:
    if e.args[0] != ldb.ERR_NO_SUCH_OBJECT:
        raise
db.add({"dn": ou, "objectClass": "organizationalUnit"})
now = int((time.time() + 11644473600) * 10000000)
for name, uac, age in (("NLTPOLOLD", 4096, 20), ("NLTPOLNEW", 4096, 0), ("NLTPOLDIS", 4098, 0)):
    dn = "CN=%s,%s" % (name, ou)
    db.add({"dn": dn, "objectClass": "computer", "sAMAccountName": name + "$", "userAccountControl": str(uac),
            "msDS-SupportedEncryptionTypes": "28"})
    db.setpassword("(sAMAccountName=%s$)" % name, "Nlt-pol-%s-%d-Pw!" % (name, time.time()), False)
    m = ldb.Message(); m.dn = ldb.Dn(db, dn)
    m["lastLogonTimestamp"] = ldb.MessageElement(str(now), ldb.FLAG_MOD_REPLACE, "lastLogonTimestamp")
    if uac & 2:
        m["userAccountControl"] = ldb.MessageElement(str(uac), ldb.FLAG_MOD_REPLACE, "userAccountControl")
    if age:
        m["pwdLastSet"] = ldb.MessageElement(str(now - age * 86400 * 10000000), ldb.FLAG_MOD_REPLACE, "pwdLastSet")
    db.modify(m, controls=["local_oid:%s:0" % dsdb.DSDB_CONTROL_BYPASS_PASSWORD_HASH_OID])
EOF
}
pol_remove() {
	"$lab" exec dc1 "$LAB_PYTHON" - "$LAB_DIR/dc1/private/sam.ldb" "$DC1_CONF" "$POU" <<'EOF'
import sys
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
import ldb
lp = LoadParm(); lp.load(sys.argv[2])
db = SamDB(url=sys.argv[1], session_info=system_session(), lp=lp)
try:
    db.delete(sys.argv[3], ["tree_delete:1"])
except ldb.LdbError as e:
    if e.args[0] != ldb.ERR_NO_SUCH_OBJECT:
        raise
EOF
}
# GptTmpl.inf (UTF-16LE with BOM, CRLF) with the given [Registry Values] lines, on both DCs
pol_tmpl() {
	local d
	for d in "$sv1" "$svb/Policies"; do
		mkdir -p "$d/$tmpl_rel"
		python3 - "$d/$tmpl_rel/GptTmpl.inf" "$@" <<'EOF'
import sys
lines = ["[Unicode]", "Unicode=yes", "[Version]", 'signature="$CHICAGO$"', "Revision=1", "[Registry Values]"]
lines += ["MACHINE\\System\\CurrentControlSet\\Services\\Netlogon\\Parameters\\" + a for a in sys.argv[2:]]
open(sys.argv[1], "wb").write(b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le"))
EOF
	done
}
pol_tmpl_rm() { rm -rf "$sv1/$DDP_GUID/MACHINE/Microsoft" "$svb/Policies/$DDP_GUID/MACHINE/Microsoft"; }

if ! pol_setup >/dev/null 2>&1 || ! pol_repl; then bad "99b: could not create OU=nltpol with its accounts"; fi
# names of the accounts with a password_stale finding, and the JSON policy fields, from $out
pstale() { jget '" ".join(sorted(a["sam_account_name"] for a in j["accounts"] if a["sam_account_name"].startswith("NLTPOL") and any(f["check"] == "password_stale" for f in a["findings"])))'; }

# ---- dcb's SYSVOL has no GPO folders (the lab's as built): the policy is not read, said ----------
run_cli --json audit "${padm[@]}" -S "$DCB_FQDN" --ou "CN=NLTPOLNEW,$POU" "$LAB_DOMAIN"
if [ "$rc" -eq 4 ] && [ "$(jget '(j["verdict"], j["healthy"], j["stale_days_source"], j["policy"]["state"], j["stale_days"])')" = "('inconclusive', None, 'assumed', 'not_read', 30)" ] &&
   [ "$(jget '"not on dcb.'$LAB_DOMAIN'" in j["policy"]["reason"] and j["stale_days_note"].startswith("policy not read: ") and j["stale_days_note"].endswith("; assuming 30 days")')" = True ]; then
	ok "a DC whose SYSVOL lacks the GPO: policy not read (named), 30 days assumed, no finding -> inconclusive, exit 4"
else bad "SYSVOL without the GPO: not reported as unread"; show; fi

# ---- SYSVOL on dcb as on dc1; no GPO sets the value: Windows' default ---------------------------
rm -rf "$svb/Policies"; cp -a "$sv1" "$svb/"
run_cli --json audit "${padm[@]}" --ou "$POU" "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && [ "$(jget '(j["stale_days"], j["stale_days_source"], j["stale_days_note"], j["policy"]["state"], j["policy"]["max_password_age_days"], j["policy"]["disable_password_change"], j["policy"]["ou_path_evaluated"])')" = "(30, 'default', 'policy: 30 days (Windows default; no domain GPO sets it)', 'read', None, False, True)" ] &&
   [ "$(pstale)" = "" ] && [ "$(jget '[(g["guid"], g["status"]) for g in j["policy"]["gpos"]]')" = "[('$DDP_GUID', 'no_template')]" ]; then
	ok "no GPO sets it: 'policy: 30 days (Windows default; no domain GPO sets it)', the 20-day password not stale"
else bad "no GPO sets it: not the Windows default"; show; fi
if python3 "$top_srcdir/tests/check_json_schema.py" "$top_srcdir/doc/json" audit <<< "$out" >/dev/null 2>&1; then ok "audit --json with the policy is valid against audit.schema.json"
else bad "audit --json schema: $(python3 "$top_srcdir/tests/check_json_schema.py" "$top_srcdir/doc/json" audit <<< "$out" 2>&1 | head -3)"; fi
run_cli --json audit "${padm[@]}" --ou "CN=NLTPOLNEW,$POU" "$LAB_DOMAIN"
check "the fresh account alone with the policy read: clean, exit 0" test "$rc:$(jget 'j["verdict"]')" = "0:clean"

# ---- MaximumPasswordAge=4,10 in the Default Domain Policy ----------------------------------------
pol_tmpl "MaximumPasswordAge=4,10"
run_cli --json audit "${padm[@]}" --ou "$POU" "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && [ "$(pstale)" = "NLTPOLOLD\$" ] &&
   [ "$(jget '(j["stale_days"], j["stale_days_source"], j["policy"]["max_password_age_days"], j["policy"]["max_password_age_gpo"]["guid"], j["policy"]["max_password_age_gpo"]["name"])')" = "(10, 'policy', 10, '$DDP_GUID', 'Default Domain Policy')" ] &&
   [ "$(jget '[f["message"] for a in j["accounts"] for f in a["findings"] if f["check"] == "password_stale"][0]')" = "the password is 20 days old (limit 10 days, GPO 'Default Domain Policy' $DDP_GUID)" ]; then
	ok "MaximumPasswordAge=4,10: only the 20-day-old password is stale, by the Default Domain Policy (exit 1)"
else bad "MaximumPasswordAge=4,10 not applied"; show; fi
run_cli audit "${padm[@]}" --ou "$POU" "$LAB_DOMAIN"
check "text: the Stale line names the policy's 10 days and the GPO" \
	eval 'printf "%s" "$out" | grep -q "^Stale:      a password older than 10 days: policy: 10 days (MaximumPasswordAge of GPO" &&
	      printf "%s" "$out" | grep -q "^  - the password is 20 days old (limit 10 days, GPO .Default Domain Policy.$"'
run_cli --json audit "${padm[@]}" --stale-days 30 --ou "$POU" "$LAB_DOMAIN"
check "--stale-days 30 overrides the policy's 10 (source option), the policy still reported" \
	test "$(jget '(j["stale_days_source"], j["policy"]["max_password_age_days"])'):$(pstale)" = "('option', 10):"

# ---- an OU below the base that blocks inheritance: the domain's GPO does not reach it -------------
"$lab" exec dc1 samba-tool gpo setinheritance "$POU" block -H "ldap://$DC1_FQDN" -U "$padmpw" -s "$DC1_CONF" >/dev/null 2>&1; pol_repl
run_cli --json audit "${padm[@]}" "$LAB_DOMAIN"
check "domain-wide: OU=nltpol blocks inheritance: its accounts get Windows' default, the rest the domain's 10 days" \
	test "$(jget '(j["stale_days"], [(z["container"], z["stale_days"], z["stale_days_source"], z["accounts"]) for z in j["policy"]["zones"]], j["policy"]["not_evaluated_total"])'):$(pstale)" = "(10, [('$POU', 30, 'default', 3)], 0):"
run_cli --json audit "${padm[@]}" --ou "$POU" "$LAB_DOMAIN"
check "--ou on the blocking OU: no GPO applies there, Windows' default, the 20-day password not stale" \
	test "$(jget '(j["stale_days_source"], j["policy"]["gpos"])'):$(pstale)" = "('default', []):"
"$lab" exec dc1 samba-tool gpo setinheritance "$POU" inherit -H "ldap://$DC1_FQDN" -U "$padmpw" -s "$DC1_CONF" >/dev/null 2>&1; pol_repl

# ---- a GPO linked on the OU: precedence, enforced, disabled link, blocked inheritance -------------
pst() { "$lab" exec dc1 samba-tool gpo "$@" -H "ldap://$DC1_FQDN" -U "$padmpw" -s "$DC1_CONF" 2>&1; }
# pol_linkopt CONTAINER GUID OPTIONS: the options of an existing link in the container's gPLink
# (samba-tool 4.17's setlink refuses a link that exists), written on dc1 as the system
pol_linkopt() {
	"$lab" exec dc1 "$LAB_PYTHON" - "$LAB_DIR/dc1/private/sam.ldb" "$DC1_CONF" "$@" <<'EOF2'
import re, sys
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm
import ldb
lp = LoadParm(); lp.load(sys.argv[2])
db = SamDB(url=sys.argv[1], session_info=system_session(), lp=lp)
dn, guid, opt = sys.argv[3], sys.argv[4].lower(), sys.argv[5]
v = str(db.search(dn, ldb.SCOPE_BASE, attrs=["gPLink"])[0]["gPLink"][0])
nv = re.sub(r"(\[LDAP://cn=%s,[^;\]]*;)\d+\]" % re.escape(guid), lambda m: m.group(1) + opt + "]", v, flags=re.I)
if nv == v and ";%s]" % opt not in v:
    sys.exit("no link to %s on %s" % (guid, dn))
m = ldb.Message(); m.dn = ldb.Dn(db, dn)
m["gPLink"] = ldb.MessageElement(nv, ldb.FLAG_MOD_REPLACE, "gPLink")
db.modify(m)
EOF2
}
ougpo=$(pst create nltpolou | sed -n 's/.* created as \({[0-9A-Fa-f-]*}\).*/\1/p')
# (each change is made on dc1 and pulled to dcb, which audit reads from)
if [ -n "$ougpo" ] && pst setlink "$POU" "$ougpo" >/dev/null && pol_repl; then
	# its template (MaximumPasswordAge=4,25) on both DCs, beside the domain's 4,10
	for d in "$sv1" "$svb/Policies"; do
		mkdir -p "$d/$ougpo/MACHINE/Microsoft/Windows NT/SecEdit"
		cp "$sv1/$tmpl_rel/GptTmpl.inf" "$d/$ougpo/MACHINE/Microsoft/Windows NT/SecEdit/GptTmpl.inf"
		[ -f "$d/$ougpo/GPT.INI" ] || cp "$sv1/$ougpo/GPT.INI" "$d/$ougpo/GPT.INI" 2>/dev/null || cp -a "$sv1/$ougpo" "$d/"
		python3 - "$d/$ougpo/MACHINE/Microsoft/Windows NT/SecEdit/GptTmpl.inf" <<'EOF2'
import sys
p = sys.argv[1]; t = open(p, "rb").read().decode("utf-16-le").lstrip("\ufeff").replace("MaximumPasswordAge=4,10", "MaximumPasswordAge=4,25")
open(p, "wb").write(b"\xff\xfe" + t.encode("utf-16-le"))
EOF2
	done
	run_cli --json audit "${padm[@]}" --ou "$POU" "$LAB_DOMAIN"
	if [ "$(jget '(j["stale_days"], j["stale_days_source"], j["policy"]["max_password_age_gpo"]["name"], j["policy"]["max_password_age_gpo"]["linked_on"], [g["name"] for g in j["policy"]["gpos"]])'):$(pstale)" = "(25, 'policy', 'nltpolou', '$POU', ['nltpolou', 'Default Domain Policy']):" ]; then
		ok "a GPO linked on the OU (25 days) wins over the domain's (10): the 20-day password is not stale"
	else bad "OU-linked GPO precedence"; show; fi
	pol_linkopt "$PBASE" "$DDP_GUID" 2 || bad "99b: could not enforce the domain's link"; pol_repl
	run_cli --json audit "${padm[@]}" --ou "$POU" "$LAB_DOMAIN"
	check "the domain's link enforced: its 10 days win over the OU's 25 (the 20-day password stale)" \
		test "$(jget '(j["stale_days"], [(g["name"], g["enforced"]) for g in j["policy"]["gpos"]])'):$(pstale)" = "(10, [('Default Domain Policy', True), ('nltpolou', False)]):NLTPOLOLD\$"
	pol_linkopt "$PBASE" "$DDP_GUID" 0 || bad "99b: could not restore the domain's link"
	pol_linkopt "$POU" "$ougpo" 1 || bad "99b: could not disable the OU's link"
	pst setinheritance "$POU" block >/dev/null; pol_repl
	run_cli --json audit "${padm[@]}" --ou "$POU" "$LAB_DOMAIN"
	check "the OU's link disabled and inheritance blocked: no GPO applies, Windows' default (30 days)" \
		test "$(jget '(j["stale_days_source"], j["policy"]["gpos"], j["policy"]["state"])')" = "('default', [], 'read')"
	pst setinheritance "$POU" inherit >/dev/null
	pol_linkopt "$POU" "$ougpo" 0; pol_repl
	# the whole domain: the OU's GPO gives its accounts 25 days, the rest keep the domain's 10
	run_cli --json audit "${padm[@]}" "$LAB_DOMAIN"
	check "domain-wide: the OU linking a GPO that sets 25 days is a zone of its own (3 accounts), the 20-day password not stale" \
		test "$(jget '(j["stale_days"], [(z["container"], z["stale_days"], z["stale_days_source"], z["max_password_age_gpo"]["name"], z["accounts"]) for z in j["policy"]["zones"]], j["policy"]["not_evaluated_total"])'):$(pstale)" = "(10, [('$POU', 25, 'policy', 'nltpolou', 3)], 0):"
	run_cli audit "${padm[@]}" "$LAB_DOMAIN"
	check "text: the zone's line names the OU, its 25 days and the GPO" \
		eval 'printf "%s" "$out" | grep -q "^            under $POU (3 accounts): 25 days (MaximumPasswordAge of" &&
		      printf "%s" "$out" | grep -q "nltpolou. {"'
	run_cli --json audit "${padm[@]}" --ou "CN=NLTPOLNEW,$POU" "$LAB_DOMAIN"
	check "the fresh account alone, the OU's GPO on its path: evaluated, clean (exit 0)" \
		test "$rc:$(jget '(j["verdict"], j["stale_days"], j["policy"]["not_evaluated_total"])')" = "0:('clean', 25, 0)"
	pst del "$ougpo" >/dev/null || bad "99b: samba-tool gpo del $ougpo failed"
	pol_repl
	rm -rf "$sv1/$ougpo" "$svb/Policies/$ougpo"
else
	bad "99b: could not create and link a GPO on $POU (samba-tool gpo create/setlink)"
fi

# ---- DisablePasswordChange=4,1 -------------------------------------------------------------------
pol_tmpl "MaximumPasswordAge=4,10" "DisablePasswordChange=4,1"
run_cli --json audit "${padm[@]}" --ou "$POU" "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && [ "$(jget '(j["policy"]["disable_password_change"], j["policy"]["disable_password_change_gpo"]["guid"])')" = "(True, '$DDP_GUID')" ] &&
   [ "$(jget '["disabled by policy" in f["message"] for a in j["accounts"] for f in a["findings"] if f["check"] == "password_stale"]')" = "[True]" ]; then
	ok "DisablePasswordChange=4,1: said in the policy and in the stale finding"
else bad "DisablePasswordChange not reported"; show; fi
run_cli audit "${padm[@]}" --ou "$POU" "$LAB_DOMAIN"
check "text: 'password changes are disabled by policy'" \
	eval 'printf "%s" "$out" | grep -q "^            password changes are disabled by policy (DisablePasswordChange=1, GPO"'
pol_tmpl_rm

# ---- SMB filtered on both DCs: policy not read, findings still printed ---------------------------
"$lab" block dc1 tcp 445 >/dev/null 2>&1; "$lab" block dcb tcp 445 >/dev/null 2>&1
t1=$(date +%s%N)
run_cli --json audit "${padm[@]}" --ou "CN=NLTPOLNEW,$POU" "$LAB_DOMAIN"
pms=$(( ($(date +%s%N) - t1) / 1000000 ))
if [ "$rc" -eq 4 ] && [ "$(jget '(j["verdict"], j["healthy"], j["stale_days_source"], j["policy"]["state"], j["error"]["category"])')" = "('inconclusive', None, 'assumed', 'not_read', 'no_dc')" ] &&
   [ "$(jget '"445" in j["policy"]["reason"] or "SMB2" in j["policy"]["reason"]')" = True ] && [ "$pms" -lt 8000 ]; then
	ok "SMB filtered: 'policy not read: <reason>; assuming 30 days', the clean account is inconclusive, exit 4 (${pms} ms)"
else bad "SMB filtered: policy failure not reported (${pms} ms)"; show; fi
run_cli audit "${padm[@]}" --ou "$POU" "$LAB_DOMAIN"
check "text with SMB filtered: 'policy not read', the disabled account's finding printed, exit 1" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | grep -q "^Stale:      a password older than 30 days: policy not read: " &&
	      printf "%s" "$out" | grep -q "^NLTPOLDIS\\$  CN=NLTPOLDIS,$POU$" &&
	      printf "%s" "$err" | grep -q "the password-age policy was not read (30 days assumed)"'
"$lab" unblock dc1 tcp 445 >/dev/null 2>&1; "$lab" unblock dcb tcp 445 >/dev/null 2>&1

# ---- leave the lab as found -----------------------------------------------------------------------
pol_tmpl_rm
rm -rf "$svb/Policies"
pol_remove >/dev/null 2>&1 || bad "99b: could not remove OU=nltpol"
pol_repl || true
