# tests/integration/scenarios/10-verdict.sh - verify's verdict is never better than its evidence:
# a Netlogon check that could not finish is INCONCLUSIVE (never Healthy), a refused Netlogon secret
# beside a good Kerberos key is BROKEN and names the keytab/journal disagreement, an interrupted
# change is PENDING (and the printed command finishes it as printed), a disabled account is one
# cause, and an account that has not replicated to this DC is not "deleted".
# Sourced by ../run.sh (helpers: run_cli, st, jget, check, ok, bad, show).

vd=$(mktemp -d); chmod 700 "$vd"
A="-U $LAB_ADMIN_USER --password-file $LAB_ADMIN_PASS_FILE"
V="-S $DC1_FQDN -m nltv1 -K $vd/kt --state-dir $vd/st"
st computer delete NLTV1
run_cli join $A $V "$LAB_DOMAIN"
[ "$rc" -eq 0 ] || { bad "verdict scenarios: join nltv1 failed"; show; }
jdir="$vd/st/$LAB_REALM/NLTV1\$"

run_cli --json verify $V "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget '(j["verdict"], j["kerberos"]["result"], j["netlogon"]["result"], j["netlogon"]["secret"], j["journal"]["matches_keytab"])')" = "('healthy', 'ok', 'ok', \"the journal's current password\", True)" ]; then
	ok "verify on a fresh join: healthy, Netlogon from the journal, journal matches the keytab"
else bad "verify after join"; show; fi
check "one Netlogon exchange per run: endpoint mapper + one Netlogon connection" \
	test "$(jget 'j["netlogon"]["connections"]')" = 2

# the journal's current password is not the keytab's: Kerberos fine, Netlogon refused -> BROKEN, and why
cp -p "$jdir/current" "$vd/current.good"
python3 - "$jdir/current" <<'EOF'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
lines = [("password " + b"not-the-password".hex()) if l.startswith("password ") else l for l in lines]
open(p, "w").write("\n".join(lines))
EOF
run_cli --json verify $V "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && [ "$(jget '(j["verdict"], j["kerberos"]["result"], j["netlogon"]["result"], j["journal"]["matches_keytab"], j["healthy"])')" = "('broken', 'ok', 'password_mismatch', False, False)" ] &&
   [ "$(jget 'any("secrets disagree" in p["message"] for p in j["problems"])')" = True ]; then
	ok "Netlogon refused while Kerberos succeeds (journal differs from keytab): exit 1, broken, the local disagreement named"
else bad "Netlogon refused beside a good Kerberos key"; show; fi
run_cli verify $V "$LAB_DOMAIN"
check "... and the text never says Healthy" eval '[ "$rc" -eq 1 ] && ! printf "%s" "$out" | grep -qi "^healthy" && printf "%s" "$out" | grep -q "^BROKEN"'
cp -p "$vd/current.good" "$jdir/current"

# the DC's RPC stops answering mid-run: the endpoint mapper answers, the Netlogon port is filtered
run_cli --json verify $V "$LAB_DOMAIN"; nlport=$(jget 'j["netlogon"]["port"]')
"$lab" block dc1 tcp "$nlport" >/dev/null
run_cli --timeout 4 verify $V "$LAB_DOMAIN"; rc1=$rc; out1=$out
run_cli --timeout 4 --json verify $V "$LAB_DOMAIN"
"$lab" unblock dc1 tcp "$nlport" >/dev/null
if [ "$rc1" -eq 4 ] && printf '%s' "$out1" | grep -q "^INCONCLUSIVE: .*:$nlport" && ! printf '%s' "$out1" | grep -qi "^healthy" &&
   [ "$(jget '(j["verdict"], j["netlogon"]["state"], j["kerberos"]["result"], j["error"]["exit_code"])')" = "('inconclusive', 'could_not_run', 'ok', 4)" ]; then
	ok "Netlogon port $nlport filtered after the endpoint mapper answered: INCONCLUSIVE naming it, exit 4, never Healthy"
else bad "Netlogon port filtered mid-run (exit $rc1)"; printf '%s\n' "$out1" | diag; show; fi
"$lab" block dc1 tcp 135 >/dev/null
rm -f "$vd"/st/netlogon-port-* # no cached Netlogon port: the endpoint mapper is needed
run_cli --timeout 3 verify $V "$LAB_DOMAIN"
"$lab" unblock dc1 tcp 135 >/dev/null
check "TCP 135 filtered: 'INCONCLUSIVE' (not 'BROKEN'), exit 4" \
	eval '[ "$rc" -eq 4 ] && printf "%s" "$out" | grep -q "^INCONCLUSIVE" && ! printf "%s" "$out" | grep -q "^BROKEN"'
run_cli verify --method netlogon -S "$DC1_FQDN" -m nltv1 -K "$vd/kt" "$LAB_DOMAIN"
check "--method netlogon with no NT hash (AES keytab, no journal): INCONCLUSIVE, exit 3" \
	eval '[ "$rc" -eq 3 ] && printf "%s" "$out" | grep -q "^INCONCLUSIVE"'

# an interrupted change: the DC has the new password, the keytab not yet -> PENDING, finished as printed
out=$("$lab" exec cli env NLT_FAILPOINT=reset-after-dc-accepted "$bin" reset-password $V "$LAB_DOMAIN" 2>&1); crc=$?
run_cli --json verify $V "$LAB_DOMAIN"; rc1=$rc; vj=$(jget '(j["verdict"], j["journal"]["pending_accepted"])')
run_cli verify $V "$LAB_DOMAIN"
fix=$(printf '%s\n' "$out" | sed -n 's/^PENDING: an interrupted password change is pending; \(nltrust .*\) finishes it\.$/\1/p')
if [ "$crc" -eq 99 ] && [ "$rc1" -eq 1 ] && [ "$vj" = "('pending_change', True)" ] && [ -n "$fix" ] &&
   ! printf '%s' "$fix" | grep -q -- "--admin"; then
	ok "after a reset interrupted once the DC accepted it: PENDING (not broken), finished by '$fix'"
else bad "interrupted change (crash $crc, verify $rc1, $vj)"; show; fi
"$lab" exec cli sh -c "${fix/#nltrust/$bin}" >/dev/null 2>&1; rc1=$?
run_cli verify $V "$LAB_DOMAIN"
check "the printed command, run as printed, finishes the change: verify is healthy again" \
	eval '[ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ]'

# the trust broken on the DC side: the printed --admin command runs as printed and repairs it
st user setpassword 'NLTV1$' --newpassword="Nlt-v1-broken-$(date +%s%N)"
run_cli verify $A $V "$LAB_DOMAIN"
fix=$(printf '%s\n' "$err" | sed -n 's/.*(repair: \(nltrust reset-password --admin [^)]*\)).*/\1/p' | head -n1)
if [ "$rc" -eq 1 ] && [ -n "$fix" ]; then
	"$lab" exec cli sh -c "${fix/#nltrust/$bin}" >/dev/null 2>&1; rc1=$?
	run_cli verify $V "$LAB_DOMAIN"
	check "broken trust: the printed repair '$fix' runs as printed and verify is healthy again" \
		eval '[ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ]'
else bad "broken trust: no runnable repair command printed"; show; fi

# disabled: Kerberos account_disabled and Netlogon NO_TRUST_SAM_ACCOUNT are one cause
st user disable 'NLTV1$'
run_cli --json verify $V "$LAB_DOMAIN"
st user enable 'NLTV1$'
if [ "$rc" -eq 1 ] && [ "$(jget '(len(j["problems"]), j["kerberos"]["result"], "disabled" in j["problems"][0]["message"], "Netlogon agrees" in j["problems"][0]["message"])')" = "(1, 'account_disabled', True, True)" ]; then
	ok "a disabled account: one problem (disabled), the Netlogon answer reconciled with it"
else bad "disabled account: contradicting findings"; show; fi
run_cli leave $A $V "$LAB_DOMAIN" >/dev/null

# not replicated yet is not deleted: an account made on dc1 (dcb pulls every 5 minutes), asked on dcb
rp="Nlt-rep-$(date +%s%N)-pw"; printf '%s\n' "$rp" > "$vd/rp"; chmod 600 "$vd/rp"
# no replication pull from dc1 while we look: its endpoint mapper and its RPC port (drsuapi) filtered
dc1rpc=${nlport:-49152}
"$lab" block dc1 tcp 135 >/dev/null; "$lab" block dc1 tcp "$dc1rpc" >/dev/null
st computer delete NLTR1; st computer create NLTR1 && st user setpassword 'NLTR1$' --newpassword="$rp" && st user enable 'NLTR1$'
run_cli --json verify --method kerberos -S "$DCB_FQDN" -m NLTR1 --machine-password-file "$vd/rp" "$LAB_DOMAIN"
"$lab" unblock dc1 tcp 135 >/dev/null; "$lab" unblock dc1 tcp "$dc1rpc" >/dev/null
if [ "$rc" -eq 1 ] && [ "$(jget '(j["kerberos"]["result"] in ("account_unknown", "no_usable_key"), j["kerberos"]["other_dc"], j["kerberos"]["other_dc_result"])')" = "(True, '$DC1_FQDN', 'ok')" ] &&
   [ "$(jget '"replication" in j["problems"][0]["message"] and "deleted" not in j["problems"][0]["message"]')" = True ]; then
	ok "an account dcb does not have yet but dc1 has: 'replication', not 'deleted' (another DC asked)"
else bad "replication lag reported as deletion"; show; fi
st computer delete NLTR1
st computer delete NLTV1
rm -rf "$vd"

# a failover is said in the text: the Branch DC's KDC filtered, dc1 takes over, and the report says so
"$lab" block dcb tcp 88 >/dev/null
run_cli --timeout 6 verify -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
"$lab" unblock dcb tcp 88 >/dev/null
check "a failover is not silent: 'dcb was skipped (... 88/tcp ...); dc1 took over' in the text" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$out" | grep -q "^Failover: *$DCB_FQDN was skipped (.*88/tcp.*); $DC1_FQDN took over"'
