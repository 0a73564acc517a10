# tests/integration/scenarios/70-rt.sh - the round-trip floor (issue 11): kpasswd over our own
# transport is bounded by --timeout when the port dies after the request was sent, and keeps the
# password pending; a stale cached Netlogon port falls back to the endpoint mapper.
# Sourced by ../run.sh (helpers: run_cli run_ws1 st jget check ok bad show).
rtdir=$(mktemp -d); chmod 700 "$rtdir"
rtpw="Nlt-rt-$(date +%s%N)-pw"
st computer delete NLTRT; st computer create NLTRT && st user setpassword 'NLTRT$' --newpassword="$rtpw" ||
	bad "samba-tool could not create NLTRT"
for p in 'NLTRT$' host/nltrt "host/nltrt.$LAB_DOMAIN"; do
	for e in aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 rc4-hmac; do
		printf 'addent -password -p %s@%s -k 2 -e %s -s %shostnltrt.%s\n%s\n' "$p" "$LAB_REALM" "$e" "$LAB_REALM" \
			"$LAB_DOMAIN" "$rtpw"
	done
done | { cat; printf 'wkt %s\nq\n' "$rtdir/kt"; } | ktutil >/dev/null 2>&1
RT="-S $DC1_FQDN -m NLTRT -K $rtdir/kt --state-dir $rtdir/state"
rt_kvnos() { klist -k "$rtdir/kt" 2>/dev/null | awk 'NR > 3 {print $1}' | sort -un | tr '\n' ' '; }

# ---- kpasswd: the DC's replies from 464 are dropped after the connection is made ----
# (SYN-ACK passes, every segment carrying data - PSH - from port 464 is dropped in cli's namespace:
# the request reaches the DC, which takes the password, and the answer never arrives)
"$lab" exec cli nft add table inet nltlab
"$lab" exec cli nft add chain inet nltlab input '{ type filter hook input priority 0; policy accept; }'
"$lab" exec cli nft add rule inet nltlab input tcp sport 464 'tcp flags & psh == psh' drop comment '"rt kpasswd replies"'
t0=$(date +%s%N)
run_cli --timeout 5 reset-password $RT "$LAB_DOMAIN"
rt_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
for hd in $("$lab" exec cli nft -a list chain inet nltlab input | awk '/rt kpasswd replies/ {print $NF}'); do
	"$lab" exec cli nft delete rule inet nltlab input handle "$hd"
done
if [ "$rc" -ne 0 ] && [ "$rt_ms" -lt 7000 ] && printf '%s' "$err" | grep -q "kept pending" && [ "$(rt_kvnos)" = "2 " ]; then
	ok "kpasswd replies dropped: bounded by --timeout 5 (${rt_ms} ms), exit $rc, password kept pending, keytab unchanged"
else bad "kpasswd replies dropped: bounded by --timeout and kept pending (${rt_ms} ms)"; show; echo "# kvnos: $(rt_kvnos)"; fi
# the DC took it: the next run finishes the pending change (recovery), then makes its own
run_cli --json reset-password $RT "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ -n "$(jget 'j.get("recovered") or ""')" ] && [ "$(rt_kvnos)" = "3 4 " ]; then
	ok "the next run recovers the pending password (kvno 3) and then changes it (kvno 4)"
else bad "the next run recovers the pending password"; show; echo "# kvnos: $(rt_kvnos)"; fi
run_cli verify $RT "$LAB_DOMAIN"
check "verify is healthy after the recovery" eval '[ "$rc" -eq 0 ]'
# the same as the administrator (set-password): nothing pending survives a clean run
run_cli reset-password --admin -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" $RT "$LAB_DOMAIN"
rc1=$rc; run_cli verify $RT "$LAB_DOMAIN"
check "kpasswd set-password (--admin) over our transport works and verifies" eval '[ "$rc1" -eq 0 ] && [ "$rc" -eq 0 ]'

# ---- the Netlogon port cache: written by a check, used by the next, a stale one falls back ----
pc="$rtdir/pcache"; pcf="$pc/netlogon-port-$DC1_IP"
run_ws1 -v verify --method netlogon -S "$DC1_FQDN" --state-dir "$pc" -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
nlp=$(cat "$pcf" 2>/dev/null)
check "verify --method netlogon caches the DC's Netlogon port ($nlp, 0600)" \
	eval '[ "$rc" -eq 0 ] && [ -n "$nlp" ] && [ "$(stat -c %a "$pcf")" = 600 ]'
run_ws1 -v verify --method netlogon -S "$DC1_FQDN" --state-dir "$pc" -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
check "the next verify uses the cached port (no endpoint mapper: 1 connection)" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$err" | grep -q "at TCP $nlp (cached)" && printf "%s" "$err" | grep -q "(1 connections"'
printf '4000\n' > "$pcf"
run_ws1 -v verify --method netlogon -S "$DC1_FQDN" --state-dir "$pc" -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && printf '%s' "$err" | grep -q "cached port 4000 .* asking the endpoint mapper" && [ "$(cat "$pcf")" = "$nlp" ]; then
	ok "a stale cached port (4000) falls back to the endpoint mapper: still healthy, cache corrected"
else bad "a stale cached port falls back to the endpoint mapper"; show; fi
# a port that is open but filtered now (dropped): bounded by the 1 s hint budget, then the mapper
"$lab" block dc1 tcp "$nlp" >/dev/null
printf '%s\n' "$nlp" > "$pcf"
run_ws1 --timeout 6 -v verify --method netlogon -S "$DC1_FQDN" --state-dir "$pc" -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
"$lab" unblock dc1 tcp "$nlp" >/dev/null
check "a cached port that is filtered: endpoint mapper asked after the 1 s hint budget, INCONCLUSIVE, exit 4" \
	eval '[ "$rc" -eq 4 ] && printf "%s" "$err" | grep -q "cached port $nlp .* asking the endpoint mapper" &&
	      ! printf "%s" "$out" | grep -qi "^healthy"'
# the endpoint mapper filtered, the port cached: Netlogon still runs (true: the DC's Netlogon works)
"$lab" block dc1 tcp 135 >/dev/null
run_ws1 --timeout 4 -v verify --method netlogon -S "$DC1_FQDN" --state-dir "$pc" -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
"$lab" unblock dc1 tcp 135 >/dev/null
check "TCP 135 filtered, port cached: the Netlogon check runs on the cached port and is healthy" \
	eval '[ "$rc" -eq 0 ] && printf "%s" "$err" | grep -q "at TCP $nlp (cached)"'
printf 'junk\n' > "$pcf"
run_ws1 verify --method all -S "$DC1_FQDN" --state-dir "$pc" -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
check "a garbage cache file is ignored: verify --method all healthy, cache rewritten" \
	eval '[ "$rc" -eq 0 ] && [ "$(cat "$pcf")" = "$nlp" ]'
st computer delete NLTRT
rm -rf "$rtdir"
