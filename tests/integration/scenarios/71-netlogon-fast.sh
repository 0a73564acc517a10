# tests/integration/scenarios/71-netlogon-fast.sh - verify --method netlogon given the DC (issue 11):
# with a warm state directory (the DC cache and the Netlogon port) it sends no LDAP ping and puts
# Authenticate3, the schannel alter_context and the sealed call in one write (counted from a capture
# of cli's own interface, bench/capture.py); a cache that names another domain or a dead port still
# ends healthy (pinged, judged again, rewritten); a trust broken on the DC is BROKEN with a warm cache.
# A scratch account joined from cli, as in 10-verdict.sh (ws1's own secret is left alone).
# Sourced by ../run.sh (helpers: run_cli, st, jget, check, ok, bad, show).

fd=$(mktemp -d); chmod 700 "$fd"
A="-U $LAB_ADMIN_USER --password-file $LAB_ADMIN_PASS_FILE"
V="-S $DC1_FQDN -m nltf1 -K $fd/kt --state-dir $fd/st"
dcc="$fd/st/dc-$DC1_IP"; nlp="$fd/st/netlogon-port-$DC1_IP"
st computer delete NLTF1
run_cli join $A $V "$LAB_DOMAIN"
[ "$rc" -eq 0 ] || { bad "netlogon-fast: join nltf1 failed"; show; }
rm -f "$dcc" "$nlp"

# cold: today's behaviour (one LDAP ping, the endpoint mapper), then both caches written
run_cli -v --json verify --method netlogon $V "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget '(j["verdict"], j["netlogon"]["result"])')" = "('healthy', 'ok')" ] &&
   printf '%s' "$err" | grep -q "CLDAP ping to $DC1_FQDN" && [ -f "$dcc" ] && [ -f "$nlp" ] &&
   grep -qx "netbios_domain ${LAB_NETBIOS_DOMAIN:-LAB}" "$dcc" && grep -qx "dns_domain $LAB_DOMAIN" "$dcc"; then
	ok "cold verify --method netlogon -S: healthy after an LDAP ping; the DC cache and the port cache written"
else bad "cold verify --method netlogon -S"; show; cat "$dcc" 2>&1 | diag; fi
check "the DC cache is 0600" test "$(stat -c %a "$dcc" 2>/dev/null)" = 600

# warm: no LDAP ping, one connection, the batch in one write
run_cli -v --json verify --method netlogon $V "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget '(j["verdict"], j["netlogon"]["result"], j["netlogon"]["connections"])')" = "('healthy', 'ok', 1)" ] &&
   printf '%s' "$err" | grep -q "from the DC cache; no LDAP ping" && ! printf '%s' "$err" | grep -q "CLDAP ping" &&
   ! printf '%s' "$err" | grep -q "once more with one call at a time"; then
	ok "warm verify --method netlogon -S: healthy from the DC cache (no LDAP ping), one Netlogon connection, no retry"
else bad "warm verify --method netlogon -S"; show; fi
t71_cap() {
	"$lab" exec cli env ASAN_OPTIONS=detect_leaks=0 python3 "$top_srcdir/bench/capture.py" --rtt-ms 20 --list -- \
		"$bin" verify --method netlogon $V "$LAB_DOMAIN" 2>"$fd/cap.list" | tail -n 1
}
t71_best=99; t71_389=
# at RTT 20 (the bench's): at RTT 0 a turn cannot be told from the next packet of the same write, and
# the count was 6 once in CI with the same code that counts 5 here
"$lab" latency 10 >/dev/null
for _ in 1 2 3; do
	cj=$(t71_cap)
	t=$(printf '%s' "$cj" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["turns"] if j["exit"] == 0 else 99)' 2>/dev/null)
	[ -n "$t" ] && [ "$t" -lt "$t71_best" ] && t71_best=$t
	grep -E '[:.]389 |:389$' "$fd/cap.list" >/dev/null && t71_389="$t71_389 $(grep -cE '[:.]389 ' "$fd/cap.list")"
done
"$lab" latency 0 >/dev/null
# DNS A, TCP connect, bind + ReqChallenge, Authenticate3 + alter_context + sealed call, the FIN (not waited for)
check "captured on cli: no packet to or from port 389 in 3 warm runs${t71_389:+ (got:$t71_389)}" test -z "$t71_389"
check "captured on cli: at most 5 turns (DNS, connect, bind+ReqChallenge, one batch, FIN; was 7); got $t71_best (fewest of 3)" \
	eval '[ "$t71_best" -le 5 ]'

# a cache naming another domain: pinged (other facts), judged again, healthy, the cache corrected
cp -p "$dcc" "$fd/dc.good"
sed -i "s/^dns_domain .*/dns_domain other.test/; s/^netbios_domain .*/netbios_domain OTHER/" "$dcc"
run_cli -v --json verify --method netlogon $V "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget '(j["verdict"], j["netlogon"]["result"])')" = "('healthy', 'ok')" ] &&
   printf '%s' "$err" | grep -q "the ping gives other facts about $DC1_FQDN" && grep -qx "dns_domain $LAB_DOMAIN" "$dcc" &&
   grep -qx "netbios_domain ${LAB_NETBIOS_DOMAIN:-LAB}" "$dcc"; then
	ok "DC cache edited to another domain (other.test/OTHER): pinged, judged again, healthy, cache corrected"
else bad "DC cache naming another domain"; show; cat "$dcc" | diag; fi

# a stale port beside a wrong NetBIOS domain: the same
sed -i "s/^netbios_domain .*/netbios_domain OTHER/" "$dcc"; echo 49999 > "$nlp"
run_cli -v --json verify --method netlogon $V "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget '(j["verdict"], j["netlogon"]["result"])')" = "('healthy', 'ok')" ] &&
   [ "$(cat "$nlp")" != 49999 ] && grep -qx "netbios_domain ${LAB_NETBIOS_DOMAIN:-LAB}" "$dcc"; then
	ok "DC cache with a wrong NetBIOS domain and a dead cached port: healthy, both corrected"
else bad "wrong NetBIOS domain + dead port in the caches"; show; fi

# broken on the DC side, warm cache: BROKEN (password_mismatch) only once a ping confirmed the facts
run_cli verify --method netlogon $V "$LAB_DOMAIN" # warm again
st user setpassword 'NLTF1$' --newpassword="Nlt-f1-broken-$(date +%s%N)"
run_cli -v --json verify --method netlogon $V "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && [ "$(jget '(j["verdict"], j["netlogon"]["result"], j["healthy"])')" = "('broken', 'password_mismatch', False)" ] &&
   printf '%s' "$err" | grep -q "from the DC cache; no LDAP ping" && printf '%s' "$err" | grep -q "CLDAP ping to $DC1_FQDN" &&
   printf '%s' "$err" | grep -q "the ping confirms the cached facts"; then
	ok "trust broken on dc1, warm cache: BROKEN (password_mismatch), the cached facts confirmed by an LDAP ping first"
else bad "broken trust with a warm cache"; show; fi
run_cli verify --method netlogon $V "$LAB_DOMAIN"
check "... and the text says BROKEN, never Healthy (exit 1)" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | grep -q "^BROKEN" && ! printf "%s" "$out" | grep -qi "^healthy"'

st computer delete NLTF1
rm -rf "$fd"
