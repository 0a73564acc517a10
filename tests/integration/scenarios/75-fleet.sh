# tests/integration/scenarios/75-fleet.sh - issue 10: one command over many targets (--targets, --jobs).
# 100 target addresses (ws1 answers on 100 addresses: 99 aliases added here and removed at the
# end) for show-target as ws1's local administrator; a mixed list for verify --target (a Samba
# member that cannot be checked remotely, an address nobody holds, a name that does not resolve)
# whose exit status is never 0; per-target options in NDJSON lines; a password read once from
# standard input for every target; usage errors.  Every NDJSON line is checked against
# doc/json/fleet.schema.json and every result against its command's schema.

t75=$(mktemp -d); chmod 700 "$t75"
cp "$WS1_LOCAL_PASS_FILE" "$t75/root.pw"; echo 'not-the-password' >"$t75/wrong.pw"; chmod 600 "$t75"/*.pw
schemas=$top_srcdir/doc/json
checker=$top_srcdir/tests/check_json_schema.py
ws1_ip=$("$lab" exec cli getent hosts "$WS1_FQDN" | awk '{print $1; exit}')
root=(--target-user 'WS1\root' --target-password-file "$t75/root.pw")
# every NDJSON line valid (fleet schema), every result valid (its command's schema)
t75_schema() { # $1 = command
	printf '%s\n' "$out" | python3 -c '
import json, subprocess, sys
schemas, checker, cmd = sys.argv[1:4]
ok = True
for line in sys.stdin:
    if not line.strip():
        continue
    for kind, doc in (("fleet", line), (cmd, json.dumps(json.loads(line).get("result")))):
        if kind == cmd and doc == "null":
            continue
        r = subprocess.run(["python3", checker, schemas, kind], input=doc.encode(), capture_output=True)
        ok = ok and r.returncode == 0
sys.exit(0 if ok else 1)' "$schemas" "$checker" "$1"
}
check "doc/json has a valid fleet schema" python3 "$checker" "$schemas" --schemas fleet

# ---- 1. 100 addresses of one real member, 16 at a time ----
aliases=()
for i in $(seq 21 29) $(seq 31 120); do aliases+=("198.18.0.$i"); done
for a in "${aliases[@]}"; do ip -n "$NLT_LAB_PREFIX-ws1" addr add "$a/24" dev eth0 2>/dev/null; done
# smbd binds only the addresses it had at start (bind interfaces only): SMB to the new ones is
# forwarded to ws1's own address inside ws1's namespace, so each is a TCP endpoint of its own
ip netns exec "$NLT_LAB_PREFIX-ws1" nft -f - <<NFT
table ip nlt_fleet {
	chain pre { type nat hook prerouting priority -100; ip daddr { 198.18.0.21-198.18.0.29, 198.18.0.31-198.18.0.120 } tcp dport 445 dnat to $ws1_ip; }
}
NFT
{ echo "# ws1 and 99 more of its addresses"; echo "$ws1_ip"; printf '%s\n' "${aliases[@]}"; } >"$t75/hundred"
t0=$(date +%s%N)
run_cli --json show-target --targets "$t75/hundred" "${root[@]}"
t100=$(( ($(date +%s%N) - t0) / 1000000 ))
check "show-target over 100 target addresses: exit 0, 100 lines with exit 0 and a result, then the summary" \
	eval '[ "$rc" -eq 0 ] && [ "$(printf "%s\n" "$out" | python3 -c "
import json, sys
ls = [json.loads(l) for l in sys.stdin if l.strip()]
t = [l for l in ls if \"target\" in l]
print(len(t), sum(1 for l in t if l[\"exit_code\"] == 0 and l[\"result\"][\"computer_name\"] == \"WS1\"),
      ls[-1][\"summary\"][\"targets\"], ls[-1][\"summary\"][\"ok\"], ls[-1][\"summary\"][\"jobs\"], len(set(l[\"line\"] for l in t)))")" = "100 100 100 100 16 100" ]'
[ "$rc" -eq 0 ] || show
check "... every line schema-valid (fleet), every result schema-valid (show-target)" t75_schema show-target
t0=$(date +%s%N)
run_cli --json show-target "$ws1_ip" "${root[@]}"
t1=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# 100 targets at --jobs 16: ${t100} ms; one target: ${t1} ms (speed is measured in bench/, not asserted here)"

# ---- 2. a mixed list for verify --target: nothing that could not be checked reads as healthy ----
printf '%s\n' "$WS1_FQDN" 198.18.0.126 "nosuchhost.$LAB_DOMAIN" >"$t75/mixed"
run_cli --json verify --targets "$t75/mixed" --timeout 2 "${root[@]}"
check "verify --targets over ws1 (no \\PIPE\\netlogon), a dead address and an unknown name: exit non-zero, 0 ok, 3 not known" \
	eval '[ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$(printf "%s\n" "$out" | tail -n 1 | python3 -c "
import json, sys; s = json.load(sys.stdin)[\"summary\"]; print(s[\"ok\"], s[\"broken\"], s[\"not_known\"], s[\"exit_code\"])")" = "0 0 3 $rc" ]'
[ "$rc" -ne 0 ] || show
check "... ws1 is 'inconclusive' (cannot check remotely, exit 6), never healthy" \
	eval '[ "$(printf "%s\n" "$out" | python3 -c "
import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d.get(\"target\") == \"'"$WS1_FQDN"'\": print(d[\"exit_code\"], d[\"result\"][\"verdict\"], d[\"result\"][\"healthy\"])")" = "6 inconclusive False" ]'
check "... every line and result schema-valid (fleet, verify)" t75_schema verify
run_cli verify --targets "$t75/mixed" --timeout 2 "${root[@]}"
check "text: a line per target naming why it is not known, and the summary" \
	eval '[ "$rc" -ne 0 ] && printf "%s" "$out" | grep -q "^$WS1_FQDN: inconclusive (exit 6): " &&
	      printf "%s" "$out" | grep -q "^198.18.0.126: not known (exit [0-9]): " &&
	      printf "%s" "$out" | grep -q "^3 target(s): 0 ok, 0 broken, 3 not known"'

# ---- 3. per-target options (NDJSON lines), a password read once from standard input ----
{
	printf '{"target": "%s", "target_user": "WS1\\\\root", "target_password_file": "%s"}\n' "$ws1_ip" "$t75/root.pw"
	printf '{"target": "198.18.0.21", "target_user": "WS1\\\\root", "target_password_file": "%s"}\n' "$t75/wrong.pw"
	printf '198.18.0.22\n'
} >"$t75/opts"
out=$("$lab" exec cli "$bin" --json show-target --targets "$t75/opts" --target-user 'WS1\root' --target-stdin-password \
	<"$t75/root.pw" 2>/dev/null); rc=$?
check "NDJSON options: the right password works, the wrong one fails with exit 5 on its target only, stdin's password reaches a plain line" \
	eval '[ "$rc" -eq 5 ] && [ "$(printf "%s\n" "$out" | python3 -c "
import json, sys
r = {}
for l in sys.stdin:
    d = json.loads(l)
    if \"target\" in d: r[d[\"target\"]] = d[\"exit_code\"]
print(r[\"'"$ws1_ip"'\"], r[\"198.18.0.21\"], r[\"198.18.0.22\"])")" = "0 5 0" ]'
[ "$rc" -eq 5 ] || show

# ---- 4. sixteen real members (joined Samba members in namespaces of their own) ----
if "$lab" members up 16 >"$t75/members.log" 2>&1; then
	ok "lab: 16 more joined members up ($(tail -n 1 "$t75/members.log" | sed 's/.* in //'))"
	for i in $(seq -w 1 16); do
		printf '{"target": "198.18.0.%d", "target_user": "M%s\\\\root"}\n' $((200 + 10#$i)) "$i"
	done >"$t75/members"
	run_cli --json show-target --targets "$t75/members" --target-user 'X\root' --target-password-file "$t75/root.pw"
	check "show-target over 16 members (a user per line, the command line's password): each names itself, one domain SID" \
		eval '[ "$rc" -eq 0 ] && [ "$(printf "%s\n" "$out" | python3 -c "
import json, sys
t = [json.loads(l) for l in sys.stdin if l.strip()]
t = [l for l in t if \"target\" in l]
print(len(t), sorted(l[\"result\"][\"computer_name\"] for l in t) == [\"M%02d\" % i for i in range(1, 17)],
      len(set(l[\"result\"][\"domain\"][\"sid\"] for l in t)))")" = "16 True 1" ]'
	[ "$rc" -eq 0 ] || show
	run_cli --json verify --targets "$t75/members" --target-user 'X\root' --target-password-file "$t75/root.pw"
	check "verify --targets over 16 Samba members: none healthy (no \\PIPE\\netlogon: cannot check remotely), exit 6" \
		eval '[ "$rc" -eq 6 ] && [ "$(printf "%s\n" "$out" | tail -n 1 | python3 -c "
import json, sys; s = json.load(sys.stdin)[\"summary\"]; print(s[\"targets\"], s[\"ok\"], s[\"not_known\"])")" = "16 0 16" ]'
else
	bad "lab: members up 16"; diag <"$t75/members.log"
fi
"$lab" members down >/dev/null 2>&1
check "lab: members down leaves no member namespace" eval '! ip netns list | grep -q "^$NLT_LAB_PREFIX-m[0-9][0-9]"'

# ---- 5. usage ----
run_cli show-target --targets - --target-user 'WS1\root' --target-stdin-password
check "--targets - with a password on standard input: usage error, exit 2" \
	eval '[ "$rc" -eq 2 ] && printf "%s" "$err" | grep -q "passwords must come from a file or the terminal"'
run_cli show-target --targets "$t75/hundred" --jobs 0 "${root[@]}"
check "--jobs 0: exit 2" test "$rc" -eq 2
run_cli show-target "$ws1_ip" --jobs 4 "${root[@]}"
check "--jobs without --targets: exit 2" test "$rc" -eq 2
run_cli show-target "$ws1_ip" --targets "$t75/hundred" "${root[@]}"
check "--targets and a HOST: exit 2" test "$rc" -eq 2
printf 'ws1\n{"target": "a", "pasword": "x"}\n' >"$t75/badline"
run_cli show-target --targets "$t75/badline" "${root[@]}"
check "a bad line: exit 2 naming line 2 and the key, before any target runs" \
	eval '[ "$rc" -eq 2 ] && [ -z "$out" ] && printf "%s" "$err" | grep -q "targets line 2: unknown key .pasword."'

for a in "${aliases[@]}"; do ip -n "$NLT_LAB_PREFIX-ws1" addr del "$a/24" dev eth0 2>/dev/null; done
ip netns exec "$NLT_LAB_PREFIX-ws1" nft delete table ip nlt_fleet 2>/dev/null
rm -rf "$t75"
