# tests/integration/scenarios/50-loss.sh - discovery waits only for answers that can change
# its choice (issue 11): a missing AAAA answer, a DC that cannot be chosen, 30 % packet loss.
# Sourced by ../run.sh; restores the lab (no loss, no nft table nlt50, no blocks).

secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
dcname() { jget 'j["dc"]["name"]'; }

# ---- 0. the reference: the DC discover chooses on a clean network ---------------------------
run_cli --json discover "$LAB_DOMAIN"
ref=$(dcname)
check "loss-free discover chooses a DC (reference: $ref)" eval '[ "$rc" -eq 0 ] && [ -n "$ref" ] && [ "$ref" != None ]'

# ---- 1. an AAAA answer that never comes is not waited for -----------------------------------
# Both DNS servers drop every AAAA query for the domain name itself (bytes 30-31 of the UDP
# datagram are its QTYPE, 28); the A, SRV and the DCs' own names still answer.  Before issue
# 11 discover waited for that AAAA until its deadline ran out and then failed (~10 s, exit 4).
for h in dcb dc1; do
	"$lab" exec "$h" nft -f - <<'EOF'
table inet nlt50 {
	chain in { type filter hook input priority -5; udp dport 53 @th,240,16 0x1c drop; }
}
EOF
done
t0=$(date +%s.%N)
run_cli --json discover "$LAB_DOMAIN"
el=$(secs "$t0")
for h in dcb dc1; do "$lab" exec "$h" nft delete table inet nlt50 2>/dev/null; done
if [ "$rc" -eq 0 ] && [ "$(dcname)" = "$ref" ] && awk -v e="$el" 'BEGIN { exit !(e < 2.5) }'; then
	ok "the domain's AAAA never answered: discover does not wait for it ($el s, chose $ref)"
else bad "the domain's AAAA never answered ($el s)"; show; fi

# ---- 2. a DC that cannot be chosen over the one that answered is not waited for --------------
# dc1 (not in cli's site, same SRV priority) filters LDAP: once dcb (closest) answered, dc1
# can no longer change the choice; it is "skipped" with the reason, never a "timeout".
"$lab" block dc1 udp 389 >/dev/null 2>&1; "$lab" block dc1 tcp 389 >/dev/null 2>&1
run_cli discover "$LAB_DOMAIN"
text_rc=$rc text_out=$out
run_cli --json discover "$LAB_DOMAIN"
"$lab" unblock dc1 all >/dev/null 2>&1
d1=$(jget '[(c["status"], c.get("error") or c.get("detail") or "") for c in j["candidates"] if c["name"].startswith("dc1")]')
if [ "$rc" -eq 0 ] && [ "$(dcname)" = "$ref" ] &&
   printf '%s' "$d1" | grep -q "('skipped', '.*$ref had answered and this DC could not be chosen over it')"; then
	ok "dc1 filtering LDAP: discover chooses $ref and calls dc1 skipped (with the reason), not a timeout"
else bad "dc1 filtering LDAP (dc1: $d1)"; show; fi
check "... and the text table says 'skipped' for dc1" \
	eval '[ "$text_rc" -eq 0 ] && printf "%s" "$text_out" | grep -E "^dc1\.$LAB_DOMAIN" | grep -q skipped'

# ---- 3. 30 % packet loss: 15 runs, every one succeeds with the same DC ----------------------
# (target: mean <= 1 s, worst <= 2.5 s; asserted generously, at 6 s, so load cannot fail it)
"$lab" loss 30 >/dev/null 2>&1
okc=0 same=0 slow=0 tmo=0 sum=0 worst=0 bad_runs=
for i in $(seq 15); do
	t0=$(date +%s.%N)
	run_cli --json discover "$LAB_DOMAIN"
	el=$(secs "$t0")
	sum=$(awk -v a="$sum" -v b="$el" 'BEGIN { print a + b }')
	worst=$(awk -v a="$worst" -v b="$el" 'BEGIN { print (b > a) ? b : a }')
	[ "$rc" -eq 0 ] && okc=$((okc + 1))
	[ "$(dcname)" = "$ref" ] && same=$((same + 1))
	awk -v e="$el" 'BEGIN { exit !(e > 6) }' && slow=$((slow + 1))
	# a DC that could not be chosen over the one that answered is never called a timeout
	[ "$(jget '[c["name"] for c in j["candidates"] if c["status"] == "timeout"]')" = "[]" ] || tmo=$((tmo + 1))
	[ "$rc" -eq 0 ] && [ "$(dcname)" = "$ref" ] || bad_runs="$bad_runs $i(rc $rc, $(dcname))"
done
"$lab" loss 0 >/dev/null 2>&1
echo "# 30 % loss, 15 x discover: $okc ok, $same chose $ref, mean $(awk -v s="$sum" 'BEGIN { printf "%.2f", s / 15 }') s, worst $worst s"
if [ "$okc" -eq 15 ] && [ "$same" -eq 15 ] && [ "$slow" -eq 0 ]; then
	ok "30 % loss: 15/15 discover runs succeed, all choose $ref, none over 6 s (worst $worst s)"
else bad "30 % loss: $okc/15 ok, $same/15 chose $ref, $slow over 6 s;$bad_runs"; fi
check "30 % loss: no run calls a DC 'timeout' (one that could not be chosen is 'skipped')" [ "$tmo" -eq 0 ]

# ---- 4. a DC of the client's site whose pings were lost is pinged again in the site round ----
# dcb (cli's site) drops LDAP while dc1 answers: round 1 chooses dc1, which is not in cli's site,
# and gives dcb 1 s.  dcb comes back 1.3 s in, during the client-site round; before issue 11
# that round pinged only DCs it had not seen, so dc1 stayed the choice.  (Were round 1 slow
# enough to see dcb back, dcb would be chosen anyway: no timing can make this check fail.)
"$lab" block dcb udp 389 >/dev/null 2>&1; "$lab" block dcb tcp 389 >/dev/null 2>&1
( sleep 1.3; "$lab" unblock dcb all >/dev/null 2>&1 ) &
unb=$!
run_cli --json discover "$LAB_DOMAIN"
wait "$unb"
"$lab" unblock dcb all >/dev/null 2>&1
if [ "$rc" -eq 0 ] && [ "$(dcname)" = "$DCB_FQDN" ]; then
	ok "dcb silent for 1.3 s: the client-site round pings it again and chooses it (rounds: $(jget 'j["ping_rounds"]'))"
else bad "dcb silent for 1.3 s: not chosen in the client-site round"; show; fi
