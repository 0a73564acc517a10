#!/bin/bash
# bench/fleet.sh - one command over many targets (--targets): 100 target addresses against one,
# at no added latency and at 20 ms RTT, with --jobs 16 (the default) and --jobs 100; and the
# sixteen joined members of `lab.sh members up 16` (BENCH_FLEET_MEMBERS=1).  The 100 addresses
# are ws1's own address plus 99 more forwarded to its smbd (nft DNAT in its namespace), as in
# tests/integration/scenarios/75-fleet.sh.  Issue 10's target: 100 targets at 20 ms RTT in
# < 3x the time of one.  The 100 addresses share one smbd (ws1's), whose per-session work on this
# machine's 2 CPUs dominates their wall time; the 16 members row and the CPU line (nltrust's own
# user+sys per target) separate our cost from the servers'.  Run as root on a lab that is up:
#
#   sudo NLT_LAB_PREFIX=nlb bench/fleet.sh        (NLT_BIN: the nltrust to measure; default
#                                                  build-bench/nltrust, built by bench/run.sh)
#   BENCH_RUNS=3  timed runs per row (median)
set -euo pipefail
BENCH=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
TOP=$(dirname "$BENCH")
LAB=$TOP/tests/lab/lab.sh
export NLT_LAB_PREFIX=${NLT_LAB_PREFIX:-nlb}
RUNS=${BENCH_RUNS:-3}
BIN=$(readlink -f "${NLT_BIN:-$TOP/build-bench/nltrust}")
say() { printf 'bench-fleet: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "needs root"; exit 77; }
[ -x "$BIN" ] || { say "no $BIN: run bench/run.sh once (it builds build-bench) or set NLT_BIN"; exit 1; }
"$LAB" status >/dev/null 2>&1 || { say "lab '$NLT_LAB_PREFIX' is not up: NLT_LAB_PREFIX=$NLT_LAB_PREFIX $LAB up"; exit 1; }
eval "$("$LAB" env)"
TMPD=$(mktemp -d /tmp/nltrust-fleet.XXXXXX)
chmod 755 "$TMPD"
ws1_ip=$("$LAB" exec cli getent hosts "$WS1_FQDN" | awk '{print $1; exit}')
cleanup() {
	"$LAB" latency 0 >/dev/null 2>&1 || true
	ip netns exec "$NLT_LAB_PREFIX-ws1" nft delete table ip nlt_fleet_bench 2>/dev/null || true
	for i in $(seq 21 29) $(seq 31 120); do ip -n "$NLT_LAB_PREFIX-ws1" addr del "198.18.0.$i/24" dev eth0 2>/dev/null || true; done
	[ "${BENCH_FLEET_MEMBERS:-0}" != 1 ] || "$LAB" members down >/dev/null 2>&1 || true
	rm -rf "$TMPD"
}
trap cleanup EXIT
install -m 600 "$WS1_LOCAL_PASS_FILE" "$TMPD/root.pw"
for i in $(seq 21 29) $(seq 31 120); do ip -n "$NLT_LAB_PREFIX-ws1" addr add "198.18.0.$i/24" dev eth0 2>/dev/null || true; done
ip netns exec "$NLT_LAB_PREFIX-ws1" nft -f - <<NFT
table ip nlt_fleet_bench {
	chain pre { type nat hook prerouting priority -100; ip daddr { 198.18.0.21-198.18.0.29, 198.18.0.31-198.18.0.120 } tcp dport 445 dnat to $ws1_ip; }
}
NFT
{ echo "$ws1_ip"; for i in $(seq 21 29) $(seq 31 120); do echo "198.18.0.$i"; done; } >"$TMPD/hundred"
if [ "${BENCH_FLEET_MEMBERS:-0}" = 1 ]; then
	"$LAB" members up 16 >&2
	for i in $(seq -w 1 16); do
		printf '{"target": "198.18.0.%d", "target_user": "M%s\\\\root"}\n' $((200 + 10#$i)) "$i"
	done >"$TMPD/members"
fi

# ms LABEL ARGS...: median wall time of RUNS runs of nltrust ARGS in cli's namespace (every run must exit 0)
ms() {
	local label=$1 t=() i t0 rc
	shift
	for i in $(seq 1 "$RUNS"); do
		t0=$EPOCHREALTIME
		rc=0
		"$LAB" exec cli "$BIN" "$@" >/dev/null 2>"$TMPD/err" || rc=$?
		[ "$rc" = 0 ] || { say "$label: exit $rc: $(tail -n 1 "$TMPD/err")"; echo "FAIL"; return; }
		t+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }')")
	done
	printf '%s\n' "${t[@]}" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

printf '%-44s %9s %9s\n' "ROW" "RTT0 ms" "RTT20 ms" >"$TMPD/table"
declare -A R
for lat in 0 10; do
	"$LAB" latency "$lat" >/dev/null
	R[one,$lat]=$(ms one show-target "$ws1_ip" --target-user 'WS1\root' --target-password-file "$TMPD/root.pw")
	R[h16,$lat]=$(ms h16 show-target --targets "$TMPD/hundred" --target-user 'WS1\root' --target-password-file "$TMPD/root.pw")
	R[h100,$lat]=$(ms h100 show-target --targets "$TMPD/hundred" --jobs 100 --target-user 'WS1\root' \
		--target-password-file "$TMPD/root.pw")
	if [ "${BENCH_FLEET_MEMBERS:-0}" = 1 ]; then
		R[m16,$lat]=$(ms m16 show-target --targets "$TMPD/members" --target-user 'X\root' --target-password-file "$TMPD/root.pw")
	fi
done
"$LAB" latency 0 >/dev/null
{
	printf '%-44s %9s %9s\n' "show-target, one target (ws1)" "${R[one,0]}" "${R[one,10]}"
	printf '%-44s %9s %9s\n' "show-target --targets (100 addresses), jobs 16" "${R[h16,0]}" "${R[h16,10]}"
	printf '%-44s %9s %9s\n' "show-target --targets (100 addresses), jobs 100" "${R[h100,0]}" "${R[h100,10]}"
	[ "${BENCH_FLEET_MEMBERS:-0}" != 1 ] ||
		printf '%-44s %9s %9s\n' "show-target --targets (16 members), jobs 16" "${R[m16,0]}" "${R[m16,10]}"
} >>"$TMPD/table"
cat "$TMPD/table"
for j in 16 100; do
	awk -v a="${R[h$j,10]}" -v b="${R[one,10]}" -v j="$j" 'BEGIN {
		if (a == "FAIL" || b == "FAIL") { print "MISS  100 targets < 3x one at RTT 20 (jobs " j "): a run failed"; exit }
		r = a / b; printf "%s  100 targets < 3x one at RTT 20 (jobs %s): %.1fx (%s ms vs %s ms)\n", (r < 3 ? "PASS" : "MISS"), j, r, a, b }'
done
# our own cost, apart from the servers': CPU time of the whole fleet run (the parent and its children)
/usr/bin/time -f '%U %S' -o "$TMPD/cpu" "$LAB" exec cli "$BIN" show-target --targets "$TMPD/hundred" --target-user 'WS1\root' \
	--target-password-file "$TMPD/root.pw" >/dev/null 2>&1 || true
awk '{ printf "nltrust CPU for 100 targets: %.2f s user+sys (%.1f ms per target); the rest of the wall time is the servers\n", $1 + $2, ($1 + $2) * 10 }' "$TMPD/cpu"
say "load average $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs); nltrust $BIN"
