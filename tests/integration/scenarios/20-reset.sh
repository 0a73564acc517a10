# tests/integration/scenarios/20-reset.sh - reset-password tells the truth and loses nothing:
# an acknowledged password is never dropped, the Netlogon method after a recovery, where the
# keytab's kvno comes from, --dry-run predicts the real run, and every hint runs as printed.
# Sourced by ../run.sh (helpers: run_cli run_ws1 st jget check ok bad show).
zdir=$(mktemp -d); chmod 700 "$zdir"
# zkt NAME PASSWORD KVNO ENCTYPE...: a keytab NAME.kt for NAME$, host/name, host/name.domain
zkt() {
	local name=$1 pw=$2 kv=$3 p e; shift 3
	rm -f "$zdir/$name.kt"
	for p in "${name^^}\$" "host/$name" "host/$name.$LAB_DOMAIN"; do
		for e in "$@"; do
			printf 'addent -password -p %s@%s -k %s -e %s -s %shost%s.%s\n%s\n' "$p" "$LAB_REALM" "$kv" "$e" \
				"$LAB_REALM" "$name" "$LAB_DOMAIN" "$pw"
		done
	done | { cat; printf 'wkt %s\nq\n' "$zdir/$name.kt"; } | ktutil >/dev/null 2>&1
}
# run_cli_fp FAILPOINT ARGS...: run_cli with NLT_FAILPOINT set
run_cli_fp() {
	local fp=$1 ef; shift; ef=$(mktemp)
	out=$("$lab" exec cli env NLT_FAILPOINT="$fp" "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
# run_printed: run the nltrust command quoted in $err between `...` (as printed) in cli
run_printed() {
	local cmd; cmd=$(printf '%s' "$err" | sed -n 's/.*`\(nltrust [^`]*\)`.*/\1/p' | head -n 1)
	printed=$cmd
	if [ -z "$cmd" ]; then rc=255; return; fi
	eval "set -- ${cmd#nltrust }"
	run_cli "$@"
}
zpend() { [ -e "$zdir/st/$LAB_REALM/$1\$/pending" ]; }
zsum() { md5sum < "$zdir/$1.kt"; }
ADM="-U $LAB_ADMIN_USER --password-file $LAB_ADMIN_PASS_FILE"
zpw1="Nlt-r1-$(date +%s%N)-pw"
st computer delete NLTR1; st computer create NLTR1 && st user setpassword 'NLTR1$' --newpassword="$zpw1" ||
	bad "samba-tool could not create NLTR1"
st user enable 'NLTR1$'
R1="-S $DC1_FQDN -m nltr1 -K $zdir/nltr1.kt --state-dir $zdir/st"

# ---- --dry-run predicts the kvno; the keytab's kvno is checked, not taken from the wire ----
# the keytab says kvno 1 while the DC is at 2 (a keytab written with a wrong kvno): the key works
zkt nltr1 "$zpw1" 1 aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 rc4-hmac
# with the directory unreachable that cannot be settled: stop before anything changes (dry and real alike)
s0=$(zsum nltr1)
"$lab" reject dc1 tcp 389 >/dev/null
run_cli reset-password --dry-run $R1 "$LAB_DOMAIN"; drc=$rc; derr=$err
run_cli reset-password $R1 "$LAB_DOMAIN"
"$lab" unblock dc1 tcp 389 >/dev/null
if [ "$rc" -ne 0 ] && [ "$drc" -eq "$rc" ] && printf '%s' "$err" | grep -q "kvno 1 for NLTR1\$ is not the one .* names (2).*nothing was changed" &&
   printf '%s' "$derr" | grep -q "real run would refuse" && ! zpend NLTR1 && [ "$(zsum nltr1)" = "$s0" ]; then
	ok "keytab kvno 1, DC kvno 2, directory unreachable: real run and --dry-run stop (exit $rc) before any change"
else bad "lagging keytab kvno without the directory (dry exit $drc, real exit $rc)"; printf '%s\n' "$derr" | diag; show; fi
run_cli --json reset-password --dry-run $R1 "$LAB_DOMAIN"; drc=$rc; dk=$(jget 'j["new_kvno"]'); dsrc=$(jget 'j["kvno_source"]')
run_cli --json reset-password $R1 "$LAB_DOMAIN"
if [ "$drc" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$dk" = 3 ] && [ "$(jget 'j["new_kvno"]')" = 3 ]; then
	ok "keytab kvno 1, DC kvno 2: --dry-run predicts kvno 3 ($dsrc) and the real run writes 3"
else bad "dry-run kvno prediction (dry exit $drc predicted '$dk', real exit $rc wrote '$(jget 'j["new_kvno"]')')"; show; fi
check "... the keytab's 1 + 1 is not the AS-REP's 3: the old kvno came from the directory (kvno_source, kvno_note)" \
	eval '[ "$(jget "j[\"kvno_source\"]")" = "as-rep, consistent with old kvno" ] && jget "j[\"kvno_note\"]" | grep -q "old kvno read from msDS-KeyVersionNumber"'
run_cli --json reset-password $R1 "$LAB_DOMAIN"
check "a plain reset: kvno 4 from the AS-REP, consistent with old kvno 3 (kvno_source says so)" \
	test "$rc:$(jget '(j["new_kvno"], j["kvno_source"])')" = "0:(4, 'as-rep, consistent with old kvno')"
run_cli --json reset-password --ldap $ADM $R1 "$LAB_DOMAIN"
check "--ldap reads msDS-KeyVersionNumber over the sealed connection: kvno 5, kvno_source directory" \
	test "$rc:$(jget '(j["new_kvno"], j["kvno_source"])')" = "0:(5, 'directory')"
# an on-path rewrite of the AS-REP's outer kvno (test hook adds 5): the directory overrules it
run_cli_fp as-rep-kvno-skew --json reset-password $R1 "$LAB_DOMAIN"
check "an AS-REP kvno that is not old + 1 (skewed by a test hook) is not written: kvno 6 from the directory" \
	test "$rc:$(jget '(j["new_kvno"], j["kvno_source"])')" = "0:(6, 'directory')"
# ... and when the directory cannot be read either, nothing is made up: a skew seen before the change
# stops the run before it; one seen only after the change keeps the password pending
s0=$(zsum nltr1)
"$lab" reject dc1 tcp 389 >/dev/null
run_cli_fp as-rep-kvno-skew reset-password $R1 "$LAB_DOMAIN"; rc1=$rc; err1=$err
run_cli_fp as-rep-kvno-skew-later reset-password $R1 "$LAB_DOMAIN"
"$lab" unblock dc1 tcp 389 >/dev/null
if [ "$rc1" -eq 4 ] && printf '%s' "$err1" | grep -q "nothing was changed" && [ "$rc" -ne 0 ] && [ "$rc" -ne 99 ] &&
   zpend NLTR1 && [ "$(zsum nltr1)" = "$s0" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
   printf '%s' "$err" | grep -q "kvno is not confirmed.*kept pending"; then
	ok "a skewed AS-REP kvno with the directory unreachable: before the change exit 4, nothing changed; after it exit $rc, kept pending, keytab unchanged"
else bad "unconfirmed kvno (before the change exit $rc1, after it exit $rc)"; printf '%s\n' "$err1" | diag; show; fi
run_cli --json reset-password $R1 "$LAB_DOMAIN"; rc1=$rc; rec=$(jget 'j["recovered"]'); nk=$(jget 'j["new_kvno"]')
run_cli --json verify -S "$DC1_FQDN" -m nltr1 -K "$zdir/nltr1.kt" "$LAB_DOMAIN"
if [ "$rc1" -eq 0 ] && printf '%s' "$rec" | grep -q "recovered an interrupted change.*kvno 7" && [ "$nk" = 8 ] && [ "$rc" -eq 0 ] &&
   [ "$(jget 'j["kerberos"]["kvno_accepted"] == j["directory"]["key_version_number"] == 8')" = True ]; then
	ok "... the next run finishes it (kvno 7) and resets again (kvno 8); verify is healthy"
else bad "recovery after an unconfirmed kvno (exit $rc1: $rec)"; show; fi

# ---- an acknowledged password is never dropped on the word of a KRB-ERROR ----
for how in machine admin ldap netlogon; do
	case $how in machine) M=;; admin) M="--admin $ADM";; ldap) M="--ldap $ADM";; netlogon) M="--method netlogon";; esac
	s0=$(zsum nltr1)
	run_cli_fp reset-confirm-wrong-key --json reset-password $M $R1 "$LAB_DOMAIN"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 99 ] && zpend NLTR1 && [ "$(zsum nltr1)" = "$s0" ] &&
	   [ "$(jget '(j["pending"], j["error"]["exit_code"])')" = "(True, $rc)" ] &&
	   printf '%s' "$err" | grep -qF "\`$(jget 'j["next_command"]')\` again" &&
	   [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && printf '%s' "$err" | grep -q "acknowledged.*refused it.*kept pending" &&
	   ! printf '%s' "$err" | grep -q "nothing was changed"; then
		ok "$how: the DC acknowledged, the confirmation is refused (test hook): exit $rc, kept pending, keytab unchanged"
	else bad "$how: acknowledged then refused (exit $rc)"; show; fi
	run_printed; rc1=$rc; out1=$out
	run_cli verify -S "$DC1_FQDN" -m nltr1 -K "$zdir/nltr1.kt" "$LAB_DOMAIN"
	if [ "$rc1" -eq 0 ] && printf '%s' "$out1" | grep -q "recovered an interrupted change" && [ "$rc" -eq 0 ] && ! zpend NLTR1; then
		ok "$how: the printed command ($printed) runs as printed, recovers the acknowledged password; verify healthy"
	else bad "$how: the printed command '$printed' (exit $rc1)"; printf '%s\n' "$out1" | diag; show; fi
done

# ---- --dry-run with a pending journal says which recovery it would do, and writes nothing ----
out=$("$lab" exec cli env NLT_FAILPOINT=reset-after-pending "$bin" reset-password $R1 "$LAB_DOMAIN" 2>&1); crc=$?
p0=$(md5sum < "$zdir/st/$LAB_REALM/NLTR1\$/pending" 2>/dev/null); s0=$(zsum nltr1)
run_cli --json reset-password --dry-run $R1 "$LAB_DOMAIN"
if [ "$crc" -eq 99 ] && [ "$rc" -eq 0 ] && printf '%s' "$(jget 'j["recovery_plan"]')" | grep -q "would first drop" &&
   [ "$(md5sum < "$zdir/st/$LAB_REALM/NLTR1\$/pending" 2>/dev/null)" = "$p0" ] && [ "$(zsum nltr1)" = "$s0" ]; then
	ok "--dry-run after a crash before the change: says it would drop the pending password; journal untouched"
else bad "--dry-run with a pending password the DC never got (crash $crc, exit $rc)"; show; fi
run_cli reset-password $R1 "$LAB_DOMAIN"
check "... and the real run does drop it" eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "dropped a password"'
out=$("$lab" exec cli env NLT_FAILPOINT=reset-after-dc-accepted "$bin" reset-password $R1 "$LAB_DOMAIN" 2>&1); crc=$?
p0=$(md5sum < "$zdir/st/$LAB_REALM/NLTR1\$/pending" 2>/dev/null)
run_cli --json reset-password --dry-run $R1 "$LAB_DOMAIN"; drc=$rc; dk=$(jget 'j["new_kvno"]'); plan=$(jget 'j["recovery_plan"]')
pend_same=0; [ "$(md5sum < "$zdir/st/$LAB_REALM/NLTR1\$/pending" 2>/dev/null)" = "$p0" ] && pend_same=1
run_cli --json reset-password $R1 "$LAB_DOMAIN"
if [ "$crc" -eq 99 ] && [ "$drc" -eq 0 ] && printf '%s' "$plan" | grep -q "would first finish" && [ "$pend_same" = 1 ] &&
   [ "$rc" -eq 0 ] && [ -n "$dk" ] && [ "$(jget 'j["new_kvno"]')" = "$dk" ]; then
	ok "--dry-run after a crash after the change: says it would finish it first and predicts kvno $dk, which the real run writes"
else bad "--dry-run with a pending password the DC took (crash $crc, dry exit $drc '$plan' kvno '$dk', real exit $rc kvno $(jget 'j["new_kvno"]'))"; show; fi

# ---- a broken trust: --dry-run refuses as the real run does, with the command that repairs it ----
st user setpassword 'NLTR1$' --newpassword="$zpw1-broken"
s0=$(zsum nltr1)
run_cli reset-password --dry-run $ADM $R1 "$LAB_DOMAIN"; drc=$rc; derr=$err
run_cli --json reset-password $ADM $R1 "$LAB_DOMAIN"
want="nltrust reset-password --admin -U $LAB_ADMIN_USER --password-file $LAB_ADMIN_PASS_FILE $R1 $LAB_DOMAIN"
if [ "$drc" -eq 1 ] && printf '%s' "$derr" | grep -q "real run would refuse" && printf '%s' "$derr" | grep -qF "\`$want\`"; then
	ok "broken trust: --dry-run exits 1, says the real run would refuse, and prints the full --admin command"
else bad "broken trust --dry-run (exit $drc)"; printf '%s\n' "$derr" | diag; fi
if [ "$rc" -eq 1 ] && printf '%s' "$err" | grep -qF "\`$want\`" && ! zpend NLTR1 && [ "$(zsum nltr1)" = "$s0" ] &&
   [ "$(jget '(j["pending"], j["next_command"], j["error"]["exit_code"])')" = "(False, '$want', 1)" ]; then
	ok "... the real run refuses the same way (exit 1), before journalling anything (--json: pending false, next_command)"
else bad "broken trust real run (exit $rc)"; show; fi
run_printed; rc1=$rc
run_cli verify -S "$DC1_FQDN" -m nltr1 -K "$zdir/nltr1.kt" "$LAB_DOMAIN"
check "... and the printed command runs as printed and repairs the trust (verify healthy)" \
	eval '[ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ]'
run_cli reset-password $R1 "$LAB_DOMAIN"
st user setpassword 'NLTR1$' --newpassword="$zpw1-broken2"
run_cli reset-password -S "$DC1_FQDN" -m nltr1 -K "$zdir/nltr1.kt" --state-dir "$zdir/st" --timeout 7 "$LAB_DOMAIN"
check "without -U the hint names -U Administrator and repeats --timeout" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$err" | grep -qF "\`nltrust reset-password --admin -U Administrator $R1 --timeout 7 $LAB_DOMAIN\`"'
# --admin --dry-run predicts from msDS-KeyVersionNumber, as the real --admin run settles it
run_cli --json reset-password --admin --dry-run $ADM $R1 "$LAB_DOMAIN"; drc=$rc; dk=$(jget 'j["new_kvno"]'); dsrc=$(jget 'j["kvno_source"]')
run_cli --json reset-password --admin $ADM $R1 "$LAB_DOMAIN"
if [ "$drc" -eq 0 ] && [ "$dsrc" = "msDS-KeyVersionNumber + 1" ] && [ "$rc" -eq 0 ] && [ "$(jget 'j["new_kvno"]')" = "$dk" ] &&
   [ "$(jget 'j["kvno_source"]')" = directory ]; then
	ok "--admin --dry-run predicts kvno $dk from msDS-KeyVersionNumber + 1; the real run writes it (from the directory)"
else bad "--admin --dry-run prediction (dry exit $drc '$dk' '$dsrc', real exit $rc $(jget 'j["new_kvno"]'))"; show; fi
# a pending password no journalled secret explains: the dry run stops where the real run stops
out=$("$lab" exec cli env NLT_FAILPOINT=reset-after-dc-accepted "$bin" reset-password $R1 "$LAB_DOMAIN" 2>&1); crc=$?
st user setpassword 'NLTR1$' --newpassword="$zpw1-elsewhere"
p0=$(md5sum < "$zdir/st/$LAB_REALM/NLTR1\$/pending" 2>/dev/null)
run_cli reset-password --dry-run $R1 "$LAB_DOMAIN"; drc=$rc; derr=$err
run_cli reset-password $R1 "$LAB_DOMAIN"
if [ "$crc" -eq 99 ] && [ "$drc" -eq 1 ] && printf '%s' "$derr" | grep -q "real run would stop.*accepts none" && [ "$rc" -eq 1 ] &&
   printf '%s' "$err" | grep -q "accepts none" && [ "$(md5sum < "$zdir/st/$LAB_REALM/NLTR1\$/pending" 2>/dev/null)" = "$p0" ]; then
	ok "a pending password the DC does not hold, nor any journalled one: --dry-run and the real run both stop (exit 1), journal kept"
else bad "unresolvable pending password (crash $crc, dry exit $drc, real exit $rc)"; printf '%s\n' "$derr" | diag; show; fi
# ... asked on another DC than the one the change went to, it names that DC in a command that runs as printed
"$lab" exec dcb samba-tool drs replicate dcb dc1 DC=lab,DC=test -U "$LAB_ADMIN_USER%$(cat "$LAB_ADMIN_PASS_FILE")" \
	-s "$DCB_CONF" >/dev/null 2>&1 # dcb learns NLTR1$
"$lab" exec dcb samba-tool user setpassword 'NLTR1$' --newpassword="$zpw1-on-dcb" -s "$DCB_CONF" >/dev/null 2>&1
run_cli reset-password -S "$DCB_FQDN" -m nltr1 -K "$zdir/nltr1.kt" --state-dir "$zdir/st" "$LAB_DOMAIN"; rc1=$rc
want="nltrust reset-password -S $DC1_FQDN -m nltr1 -K $zdir/nltr1.kt --state-dir $zdir/st $LAB_DOMAIN"
if [ "$rc1" -eq 1 ] && printf '%s' "$err" | grep -qF "it was set on $DC1_FQDN (replication may lag): run \`$want\`"; then
	run_printed
	check "an unresolvable pending password asked on dcb: exit 1 naming $DC1_FQDN; the printed command runs (exit $rc, not a usage error)" \
		test "$rc" -ne 2 -a "$rc" -ne 255
else bad "pending password asked on another DC (exit $rc1)"; show; fi
st computer delete NLTR1
"$lab" exec dcb samba-tool computer delete NLTR1 -s "$DCB_CONF" >/dev/null 2>&1 # the replica made above

# ---- --method netlogon after a recovery, with an AES-only keytab (the NT hash from the journal) ----
zpw2="Nlt-r2-$(date +%s%N)-pw"
st computer delete NLTR2; st computer create NLTR2 && st user setpassword 'NLTR2$' --newpassword="$zpw2" ||
	bad "samba-tool could not create NLTR2"
st user enable 'NLTR2$'
zkt nltr2 "$zpw2" 2 aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96
R2="-S $DC1_FQDN -m nltr2 -K $zdir/nltr2.kt --state-dir $zdir/st"
run_cli reset-password $R2 "$LAB_DOMAIN"; rc1=$rc # puts a current password in the journal
out=$("$lab" exec cli env NLT_FAILPOINT=reset-after-dc-accepted "$bin" reset-password --method netlogon $R2 "$LAB_DOMAIN" 2>&1); crc=$?
run_cli --json reset-password --method netlogon $R2 "$LAB_DOMAIN"; rc2=$rc; out2=$out; err2=$err
run_cli --json verify -S "$DC1_FQDN" -m nltr2 -K "$zdir/nltr2.kt" --state-dir "$zdir/st" "$LAB_DOMAIN"
if [ "$rc1" -eq 0 ] && [ "$crc" -eq 99 ] && [ "$rc2" -eq 0 ] && printf '%s' "$out2" | grep -q "recovered an interrupted change" &&
   [ "$rc" -eq 0 ] && [ "$(jget '(j["kerberos"]["result"], j["netlogon"]["result"])')" = "('ok', 'ok')" ]; then
	ok "--method netlogon after an interrupted Netlogon reset, AES-only keytab: recovers, resets, verify healthy (Kerberos and Netlogon)"
else bad "netlogon after a recovery (first $rc1, crash $crc, second $rc2)"; printf '%s\n' "$err2" | diag; show; fi
st user setpassword 'NLTR2$' --newpassword="$zpw2-broken"
run_cli reset-password --dry-run --method netlogon $ADM $R2 "$LAB_DOMAIN"; drc=$rc; derr=$err
run_cli reset-password --method netlogon $ADM $R2 "$LAB_DOMAIN"
want="nltrust reset-password --admin -U $LAB_ADMIN_USER --password-file $LAB_ADMIN_PASS_FILE $R2 $LAB_DOMAIN"
if [ "$drc" -eq 1 ] && [ "$rc" -eq 1 ] && printf '%s' "$err" | grep -qF "\`$want\`" && printf '%s' "$derr" | grep -qF "\`$want\`"; then
	ok "--method netlogon on a broken trust: real run and --dry-run exit 1 with the full --admin command"
else bad "netlogon broken trust (dry exit $drc, real exit $rc)"; printf '%s\n' "$derr" | diag; show; fi
run_printed; rc1=$rc
run_cli verify -S "$DC1_FQDN" -m nltr2 -K "$zdir/nltr2.kt" --state-dir "$zdir/st" "$LAB_DOMAIN"
check "... which runs as printed and repairs it" eval '[ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ]'
st computer delete NLTR2
rm -rf "$zdir"
