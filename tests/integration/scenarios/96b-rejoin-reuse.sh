# tests/integration/scenarios/96b-rejoin-reuse.sh - issue 9: rejoin's KB5020276 preflight honours
# "Domain controller: Allow computer account re-use during domain join" (ComputerAccountReuseAllowList
# in the GptTmpl.inf of the Default Domain Controllers Policy, linked on OU=Domain Controllers).
# WS1$ is given a plain user's mS-DS-CreatorSID and owner (nlt96bjoe; on dc1's sam.ldb as the system:
# Samba 4.17 does not let a plain user create computers), then, with rejoin --dry-run pinned to dc1:
# - no GptTmpl.inf sets the policy -> refused before any change, exit 1, "not set";
# - the policy naming nlt96bjoe's SID -> allowed, the GPO named (JSON policy_allowed, the plan, the text),
#   in the overlapped order (no TGT: an AS exchange for cifs/dc1) and the serial one (NLT_RJOIN_SERIAL);
# - the policy naming Domain Users (DU, through the owner's tokenGroups) -> allowed "through ...-513";
# - the policy naming another SID -> refused; a deny for the owner beside an allow for everyone -> refused;
# - the allowing policy but SMB to dc1 filtered -> refused, "the re-use policy was not read" and why;
# - the creator and owner put back (an administrator's account): allowed without reading SYSVOL (-v).
# No join is sent (--dry-run; the Samba member does not apply KB5020276, so a real join proves nothing
# more), the kvno stays.  The template goes to dc1's and dcb's SYSVOL (Samba does not replicate SYSVOL);
# everything is put back as found (the template, WS1$'s creator and owner, the user), also on EXIT.

b96_tgt=(--target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$LAB_DIR/b96/root.pw")
b96_adm=(-S "$DC1_FQDN" -U Administrator --password-file "$LAB_DIR/b96/admin.pw")
b96_ddcp="{6AC1786C-016F-11D2-945F-00C04FB984F9}"
b96_rel="$b96_ddcp/MACHINE/Microsoft/Windows NT/SecEdit"
b96_sv1=$LAB_DIR/dc1/state/sysvol/$LAB_DOMAIN/Policies
b96_svb=$LAB_DIR/dcb/state/sysvol/$LAB_DOMAIN/Policies
b96_ws1="CN=WS1,CN=Computers,DC=${LAB_DOMAIN//./,DC=}"
b96_pw="Administrator%$(cat "$LAB_ADMIN_PASS_FILE")"
mkdir -p "$LAB_DIR/b96"; chmod 700 "$LAB_DIR/b96"
cp "$WS1_LOCAL_PASS_FILE" "$LAB_DIR/b96/root.pw"; cp "$LAB_ADMIN_PASS_FILE" "$LAB_DIR/b96/admin.pw"; chmod 600 "$LAB_DIR/b96"/*.pw
# what was there before: dc1's template (kept aside), whether dcb had a Policies folder at all
b96_had_dcb=0; [ -d "$b96_svb" ] && b96_had_dcb=1
b96_had_t1=0; [ -f "$b96_sv1/$b96_rel/GptTmpl.inf" ] && { b96_had_t1=1; cp -p "$b96_sv1/$b96_rel/GptTmpl.inf" "$LAB_DIR/b96/GptTmpl.inf.dc1"; }
b96_had_tb=0; [ -f "$b96_svb/$b96_rel/GptTmpl.inf" ] && { b96_had_tb=1; cp -p "$b96_svb/$b96_rel/GptTmpl.inf" "$LAB_DIR/b96/GptTmpl.inf.dcb"; }

# b96 ARGS...: nltrust in cli's namespace (stdout $out, stderr $err, status $rc); B96_ENV: more environment
b96() {
	local ef; ef=$(mktemp)
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" ${B96_ENV:-} "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
b96_schema() { printf '%s' "$out" | python3 "$top_srcdir/tests/check_json_schema.py" "$top_srcdir/doc/json" rejoin >/dev/null 2>&1; }
b96_kvno() { "$lab" exec dc1 samba-tool computer show WS1 -s "$DC1_CONF" --attributes=msDS-KeyVersionNumber 2>/dev/null |
	awk '/^msDS-KeyVersionNumber:/ {print $2}'; }
# the GptTmpl.inf of the Default Domain Controllers Policy on both DCs: UTF-16LE, BOM, CRLF, as the
# editor writes it, with the reuse allow list set to the SDDL given ("" = a template without it)
b96_tmpl() {
	local d
	for d in "$b96_sv1" "$b96_svb"; do
		[ "$d" = "$b96_svb" ] && [ ! -d "$b96_svb/$b96_ddcp" ] && { mkdir -p "$b96_svb"; cp -a "$b96_sv1/$b96_ddcp" "$b96_svb/"; }
		mkdir -p "$d/$b96_rel"
		python3 - "$d/$b96_rel/GptTmpl.inf" "$1" <<'EOF'
import sys
lines = ["[Unicode]", "Unicode=yes", "[Version]", 'signature="$CHICAGO$"', "Revision=1", "[Registry Values]",
         'MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\RestrictRemoteSAM=1,"O:BAG:BAD:(A;;RC;;;BA)"']
if sys.argv[2]:
    lines.append('MACHINE\\System\\CurrentControlSet\\Control\\SAM\\ComputerAccountReuseAllowList=1,"%s"' % sys.argv[2])
open(sys.argv[1], "wb").write(b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le"))
EOF
	done
}
# WS1$'s mS-DS-CreatorSID and owner on dc1 as the system: "set SID" or "restore FILE" (what "save FILE" kept)
b96_acct() {
	"$lab" exec dc1 "$LAB_PYTHON" - "$DC1_CONF" "$LAB_DIR/dc1/private/sam.ldb" "$b96_ws1" "$@" <<'EOF'
import sys, ldb
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
from samba.ndr import ndr_pack, ndr_unpack
from samba.dcerpc import security
lp = LoadParm(); lp.load(sys.argv[1])
db = SamDB(url=sys.argv[2], session_info=system_session(), lp=lp)
dn, op, arg = sys.argv[3], sys.argv[4], sys.argv[5]
dom = security.dom_sid(str(db.get_domain_sid()))
if op == "save":
    r = db.search(dn, ldb.SCOPE_BASE, attrs=["nTSecurityDescriptor", "mS-DS-CreatorSID"], controls=["sd_flags:1:1"])[0]
    owner = ndr_unpack(security.descriptor, r["nTSecurityDescriptor"][0]).owner_sid
    creator = str(ndr_unpack(security.dom_sid, r["mS-DS-CreatorSID"][0])) if "mS-DS-CreatorSID" in r else ""
    open(arg, "w").write("%s %s\n" % (owner, creator))
    sys.exit(0)
if op == "set":
    owner, creator = arg, arg
else:
    f = open(arg).read().split()
    owner, creator = f[0], (f[1] if len(f) > 1 else "")
m = ldb.Message(); m.dn = ldb.Dn(db, dn)
m["nTSecurityDescriptor"] = ldb.MessageElement(ndr_pack(security.descriptor.from_sddl("O:" + owner, dom)),
                                               ldb.FLAG_MOD_REPLACE, "nTSecurityDescriptor")
if creator:
    m["mS-DS-CreatorSID"] = ldb.MessageElement(ndr_pack(security.dom_sid(creator)), ldb.FLAG_MOD_REPLACE, "mS-DS-CreatorSID")
else:
    m["mS-DS-CreatorSID"] = ldb.MessageElement([], ldb.FLAG_MOD_DELETE, "mS-DS-CreatorSID")
db.modify(m, controls=["sd_flags:1:1", "relax:0"])
EOF
}
b96_restore() {
	if [ -f "$LAB_DIR/b96/acct" ]; then b96_acct restore "$LAB_DIR/b96/acct" >/dev/null 2>&1; fi
	if [ "$b96_had_t1" = 1 ]; then cp -p "$LAB_DIR/b96/GptTmpl.inf.dc1" "$b96_sv1/$b96_rel/GptTmpl.inf"
	else rm -rf "$b96_sv1/$b96_ddcp/MACHINE/Microsoft"; fi
	if [ "$b96_had_dcb" = 0 ]; then rm -rf "$b96_svb"
	elif [ "$b96_had_tb" = 1 ]; then cp -p "$LAB_DIR/b96/GptTmpl.inf.dcb" "$b96_svb/$b96_rel/GptTmpl.inf"
	else rm -f "$b96_svb/$b96_rel/GptTmpl.inf"; fi
	"$lab" unblock dc1 tcp 445 >/dev/null 2>&1
	st user delete nlt96bjoe
	rm -rf "$LAB_DIR/b96"
}
b96_trap_cmd() { [ $# -ge 3 ] && printf '%s' "$3"; }
b96_prev_cmd=$(eval "b96_trap_cmd $(trap -p EXIT)")
trap 'b96_restore; eval "$b96_prev_cmd"' EXIT

# ---- the account made by a plain user -----------------------------------------------------------------
st user add nlt96bjoe 'Nlt96b-Joe-pw-1!'
b96_joe=$("$lab" exec dc1 samba-tool user show nlt96bjoe -s "$DC1_CONF" --attributes=objectSid 2>/dev/null | awk '/^objectSid:/ {print $2}')
b96_dom=${b96_joe%-*}
if [ -z "$b96_joe" ] || ! b96_acct save "$LAB_DIR/b96/acct" || ! b96_acct set "$b96_joe"; then
	bad "96b: could not create nlt96bjoe and make it WS1\$'s creator and owner"
fi
b96_k0=$(b96_kvno)

# ---- 1. no GPO sets the policy: refused before any change, "not set" ----------------------------------------
B96_ENV= b96 --json rejoin --dry-run "${b96_tgt[@]}" "${b96_adm[@]}" "$LAB_DOMAIN"
check "96b: WS1\$ created and owned by nlt96bjoe, no allow list set: refused before any change, exit 1, 'not set', no call" \
	eval '[ "$rc" -eq 1 ] && b96_schema && [ "$(jget "(j[\"reuse\"][\"verdict\"], j[\"account_before\"][\"owner_sid\"], j[\"join\"], j[\"unjoin\"])")" = "('"'blocked', '$b96_joe'"', None, None)" ] &&
	      jget "j[\"reuse\"][\"reason\"]" | grep -q "0xAAC.*Allow computer account re-use during domain join. is not set (no GPO linked on the domain or on OU=Domain Controllers" &&
	      jget "j[\"error\"][\"message\"]" | grep -q "refusing before any change: .*0xAAC.*no GPO of the DCs sets the re-use policy.*nltrust delete-computer ws1"'
[ "$rc" -eq 1 ] || show

# ---- 2. the policy names the owner: allowed, the GPO named ------------------------------------------------------
b96_tmpl "O:BAG:BAD:(A;;RC;;;$b96_joe)"
b96 --json rejoin --dry-run "${b96_tgt[@]}" "${b96_adm[@]}" "$LAB_DOMAIN"
check "96b: the allow list names the owner: --dry-run exit 0, verdict policy_allowed, the reason and a plan line name the GPO, no call" \
	eval '[ "$rc" -eq 0 ] && b96_schema && [ "$(jget "(j[\"reuse\"][\"verdict\"], j[\"join\"], j[\"unjoin\"], j[\"dry_run\"])")" = "('"'policy_allowed'"', None, None, True)" ] &&
	      jget "j[\"reuse\"][\"reason\"]" | grep -q "^allowed by the DC policy \"Domain controller: Allow computer account re-use during domain join\" in GPO .Default Domain Controllers Policy.: it names the account.s owner $b96_joe" &&
	      [ "$(jget "sum(\"Default Domain Controllers Policy\" in p and \"SamrValidateComputerAccountReuseAttempt\" in p for p in j[\"plan\"])")" = 1 ]'
[ "$rc" -eq 0 ] || show
B96_ENV=NLT_RJOIN_SERIAL=1 b96 rejoin --dry-run "${b96_tgt[@]}" "${b96_adm[@]}" "$LAB_DOMAIN"
check "96b: the same in text, the two halves one after the other (a TGT in the ccache): 'Reuse: allowed: allowed by the DC policy ... in GPO ...'" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Reuse:      allowed: allowed by the DC policy .* in GPO .Default Domain Controllers Policy." &&
	      printf "%s" "$out" | grep -q "^Would do:"'
[ "$rc" -eq 0 ] || show

# ---- 3. the policy names Domain Users: the owner is in it (tokenGroups) -----------------------------------------
b96_tmpl "O:BAG:BAD:(A;;RC;;;DU)"
b96 --json rejoin --dry-run "${b96_tgt[@]}" "${b96_adm[@]}" "$LAB_DOMAIN"
check "96b: the allow list names DU: allowed through the owner's group $b96_dom-513" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"reuse\"][\"verdict\"]")" = policy_allowed ] &&
	      jget "j[\"reuse\"][\"reason\"]" | grep -q "owner $b96_joe through $b96_dom-513"'
[ "$rc" -eq 0 ] || show

# ---- 4. another SID; a deny for the owner: still refused ------------------------------------------------------
b96_tmpl "O:BAG:BAD:(A;;RC;;;$b96_dom-1999999)"
b96 --json rejoin --dry-run "${b96_tgt[@]}" "${b96_adm[@]}" "$LAB_DOMAIN"
check "96b: the allow list names another SID: refused before any change, exit 1, 'names neither the account's owner'" \
	eval '[ "$rc" -eq 1 ] && b96_schema && [ "$(jget "(j[\"reuse\"][\"verdict\"], j[\"join\"], j[\"unjoin\"])")" = "('"'blocked'"', None, None)" ] &&
	      jget "j[\"reuse\"][\"reason\"]" | grep -q "in GPO .Default Domain Controllers Policy. names neither the account.s owner $b96_joe nor a group it is in" &&
	      jget "j[\"error\"][\"message\"]" | grep -q "the re-use policy in GPO .Default Domain Controllers Policy. does not allow the owner); to let a Windows member join, delete it: nltrust delete-computer ws1 .*-S $DC1_FQDN, or have"'
[ "$rc" -eq 1 ] || show
b96_tmpl "O:BAG:BAD:(A;;RC;;;WD)(D;;RC;;;$b96_joe)"
b96 --json rejoin --dry-run "${b96_tgt[@]}" "${b96_adm[@]}" "$LAB_DOMAIN"
check "96b: allow Everyone but deny the owner: refused, exit 1, 'denies the account's owner'" \
	eval '[ "$rc" -eq 1 ] && [ "$(jget "j[\"reuse\"][\"verdict\"]")" = blocked ] && jget "j[\"reuse\"][\"reason\"]" | grep -q "denies the account.s owner $b96_joe"'
[ "$rc" -eq 1 ] || show

# ---- 5. the allowing policy, but SYSVOL cannot be read: never allowed on a policy not read -----------------------
b96_tmpl "O:BAG:BAD:(A;;RC;;;$b96_joe)"
"$lab" block dc1 tcp 445 >/dev/null 2>&1
b96 --json rejoin --dry-run "${b96_tgt[@]}" "${b96_adm[@]}" "$LAB_DOMAIN"
"$lab" unblock dc1 tcp 445 >/dev/null 2>&1
check "96b: SMB to dc1 filtered: refused, exit 1, 'was not read, so it cannot allow the reuse' with the SMB error; the one-line error keeps the delete-computer command whole" \
	eval '[ "$rc" -eq 1 ] && b96_schema && [ "$(jget "(j[\"reuse\"][\"verdict\"], j[\"join\"])")" = "('"'blocked'"', None)" ] &&
	      jget "j[\"reuse\"][\"reason\"]" | grep -q "was not read, so it cannot allow the reuse: .*445" &&
	      jget "j[\"error\"][\"message\"]" | grep -q "(.*0xAAC); the re-use policy was not read: .*445.*); to let a Windows member join, delete it: nltrust delete-computer ws1 .*-S $DC1_FQDN, or have"'
[ "$rc" -eq 1 ] || show
check "96b: no join was sent in any of these: WS1\$'s kvno unchanged" test "$(b96_kvno)" = "$b96_k0"

# ---- 6. the account as it was (an administrator's): allowed by the rule, SYSVOL never read ------------------------
b96_acct restore "$LAB_DIR/b96/acct" >/dev/null 2>&1 || bad "96b: could not put WS1\$'s owner back"
b96 -v --json rejoin --dry-run "${b96_tgt[@]}" "${b96_adm[@]}" "$LAB_DOMAIN"
check "96b: WS1\$ back to an administrator's account: allowed by the rule (admin_created), no GPO template read (-v)" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"reuse\"][\"verdict\"]")" = admin_created ] && ! printf "%s" "$err" | grep -q "reading the GPO templates"'
[ "$rc" -eq 0 ] || show

# ---- the lab as found -----------------------------------------------------------------------------------------------
b96_restore
if [ -n "$b96_prev_cmd" ]; then trap "$b96_prev_cmd" EXIT; else trap - EXIT; fi
check "96b: the lab as found: no reuse template on dc1, WS1\$ joined (ws1's testjoin), nlt96bjoe gone" \
	eval '! grep -qa "R.e.u.s.e" "$b96_sv1/$b96_rel/GptTmpl.inf" 2>/dev/null && "$lab" exec ws1 net rpc testjoin -s "$WS1_CONF" >/dev/null 2>&1 &&
	      ! "$lab" exec dc1 samba-tool user show nlt96bjoe -s "$DC1_CONF" >/dev/null 2>&1'
