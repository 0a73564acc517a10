#!/bin/bash
# bench/doctor.sh - group "doctor" (issue 10): `nltrust doctor` end to end beside the sum of the
# steps an admin runs by hand with today's tools, at RTT 0 and 20 ms.
#
#   by hand (on ws1, a Samba member):  net ads testjoin; net ads info; klist -k (the keytab's
#                                       kvno); kinit Administrator; ldapsearch -Y GSSAPI for the
#                                       account's kvno/pwdLastSet/UAC/enctypes on dc1, then dcb
#   nltrust (on ws1):                   nltrust doctor -U Administrator (same facts, plus every
#                                       DC's ports and clock, Netlogon, the journal, duplicates)
#   broken member (on cli):             a scratch account NLTB1 after a snapshot rollback (keytab
#                                       and journal from before a reset): nltrust doctor (diagnosis)
#                                       and nltrust doctor --fix (healed by the admin reset),
#                                       re-broken before every run
# Round trips of our own: bench/capture.py over the broken-member runs in cli's namespace
# (nothing else talks there), at RTT 20 ms.
#
#   NLT_LAB_PREFIX=nltb   the lab (default nltb); NLT_LAB_REUSE=1 uses one that is up
#   BENCH_RUNS=5          timed runs per command and RTT (median reported)
#   BENCH_DOCTOR_OUT=F    JSON results (default bench/results/doctor.json)
set -u
BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/.." && pwd)
LAB=$TOP/tests/lab/lab.sh
export NLT_LAB_PREFIX=${NLT_LAB_PREFIX:-nltb}
BIN=${NLT_BIN:-$TOP/build/nltrust}
RUNS=${BENCH_RUNS:-5}
OUT=${BENCH_DOCTOR_OUT:-$BENCH/results/doctor.json}
REUSE=${NLT_LAB_REUSE:-0}
PY=python3
say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (the lab)"
[ -x "$BIN" ] || die "no nltrust at $BIN (build first, or set NLT_BIN)"
TMPD=$(mktemp -d); chmod 700 "$TMPD"
LAB_STARTED=0
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	"$LAB" latency 0 >/dev/null 2>&1
	[ -n "${DOMAIN:-}" ] && "$LAB" exec dc1 samba-tool computer delete NLTB1 -s "$DC1_CONF" >/dev/null 2>&1
	[ "$LAB_STARTED" = 1 ] && "$LAB" down >/dev/null 2>&1
	rm -rf "$TMPD"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ "$REUSE" = 1 ]; then
	"$LAB" status >/dev/null 2>&1 || die "NLT_LAB_REUSE=1 but lab '$NLT_LAB_PREFIX' is not up"
else
	LAB_STARTED=1
	"$LAB" up >"$TMPD/up.log" 2>&1 || { tail -5 "$TMPD/up.log" >&2; LAB_STARTED=0; die "lab up failed"; }
fi
eval "$("$LAB" env)"
DOMAIN=$LAB_DOMAIN
BASE_DN=DC=${DOMAIN//./,DC=}
ADM=$(head -n1 "$LAB_ADMIN_PASS_FILE")
A=(-U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE")
replicate() { # DEST SRC
	local conf=$DC1_CONF
	[ "$1" = dcb ] && conf=$DCB_CONF
	"$LAB" exec "$1" samba-tool drs replicate "$1" "$2" "$BASE_DN" -s "$conf" -U "Administrator%$ADM" >/dev/null 2>&1
}
now_ms() { local t=${EPOCHREALTIME/,/.}; awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
# time CMD... in HOST's namespace, RUNS times; prints the median ms; a failing run is reported (not dropped)
timed() { # LABEL HOST EXPECT CMD...
	local label=$1 host=$2 expect=$3 t0 t1 rc; shift 3
	: >"$TMPD/t"
	for _ in $(seq "$RUNS"); do
		[ -n "${BEFORE:-}" ] && $BEFORE
		t0=$(now_ms); "$LAB" exec "$host" "$@" >"$TMPD/o" 2>&1; rc=$?; t1=$(now_ms)
		[ "$expect" = any ] || [ "$rc" = "$expect" ] || say "warning: $label exited $rc (expected $expect): $(tail -c 300 "$TMPD/o" | tr '\n' ' ')"
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' >>"$TMPD/t"
	done
	median <"$TMPD/t"
}

# ws1's admin tools: a private ccache for kinit + ldapsearch
CC=FILE:$TMPD/ws1.cc
ws1k() { "$LAB" exec ws1 env KRB5_CONFIG="$WS1_KRB5_CONFIG" KRB5CCNAME="$CC" "$@"; }
kinit_adm() { printf '%s\n' "$ADM" | ws1k kinit "Administrator@$LAB_REALM" >/dev/null 2>&1; }
ATTRS="msDS-KeyVersionNumber pwdLastSet userAccountControl msDS-SupportedEncryptionTypes dNSHostName"

# the broken member: NLTB1 on cli (its DC is dcb), snapshot rollback
KD=$TMPD/nltb1; mkdir -m 700 "$KD"
M=(-m nltb1 -K "$KD/kt" --state-dir "$KD/st")
J="$KD/st/$LAB_REALM/NLTB1\$"
"$LAB" exec dc1 samba-tool computer delete NLTB1 -s "$DC1_CONF" >/dev/null 2>&1
"$LAB" exec cli "$BIN" join "${A[@]}" "${M[@]}" "$DOMAIN" >/dev/null 2>&1 || die "join NLTB1 failed"
replicate dc1 dcb; replicate dcb dc1
cp -a "$KD/kt" "$KD/kt.snap"; cp -a "$J" "$KD/j.snap"
"$LAB" exec cli "$BIN" reset-password "${M[@]}" "$DOMAIN" >/dev/null 2>&1 || die "reset-password NLTB1 failed"
replicate dc1 dcb
rebreak() { cp -a "$KD/kt.snap" "$KD/kt"; rm -rf "$J"; cp -a "$KD/j.snap" "$J"; }
rebreak
"$LAB" exec cli "$BIN" --json doctor "${A[@]}" "${M[@]}" "$DOMAIN" >"$TMPD/d.json" 2>/dev/null
kind=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["diagnosis"]["root"]["kind"])' "$TMPD/d.json" 2>/dev/null)
[ "$kind" = member_behind ] || die "the broken member is not diagnosed member_behind (got '$kind')"
say "broken member NLTB1 ready: doctor says $kind"

declare -A R
for lat in 0 10; do
	rtt=$((lat * 2))
	"$LAB" latency "$lat" >/dev/null 2>&1 || die "lab.sh latency $lat failed"
	say "RTT +$rtt ms"
	BEFORE=
	R[exec,$rtt]=$(timed exec ws1 0 true)
	R[testjoin,$rtt]=$(timed testjoin ws1 0 net ads testjoin -s "$WS1_CONF")
	R[info,$rtt]=$(timed info ws1 0 net ads info -s "$WS1_CONF")
	R[klist,$rtt]=$(timed klist ws1 0 klist -k "$WS1_KEYTAB")
	R[kinit,$rtt]=$(BEFORE= timed kinit ws1 any sh -c "printf '%s\n' '$ADM' | KRB5_CONFIG='$WS1_KRB5_CONFIG' KRB5CCNAME='$CC' kinit Administrator@$LAB_REALM")
	kinit_adm
	R[ldap_dc1,$rtt]=$(timed ldap_dc1 ws1 0 env KRB5_CONFIG="$WS1_KRB5_CONFIG" KRB5CCNAME="$CC" ldapsearch -N -Q -Y GSSAPI -H "ldap://$DC1_FQDN" -b "$BASE_DN" "(sAMAccountName=WS1\$)" $ATTRS)
	R[ldap_dcb,$rtt]=$(timed ldap_dcb ws1 0 env KRB5_CONFIG="$WS1_KRB5_CONFIG" KRB5CCNAME="$CC" ldapsearch -N -Q -Y GSSAPI -H "ldap://$DCB_FQDN" -b "$BASE_DN" "(sAMAccountName=WS1\$)" $ATTRS)
	R[doctor_ws1,$rtt]=$(timed doctor_ws1 ws1 0 "$BIN" doctor -q "${A[@]}" -K "$WS1_KEYTAB" -m WS1 "$DOMAIN")
	BEFORE=rebreak
	R[doctor_broken,$rtt]=$(timed doctor_broken cli 1 "$BIN" doctor -q "${A[@]}" "${M[@]}" "$DOMAIN")
	R[doctor_fix,$rtt]=$(timed doctor_fix cli 0 "$BIN" doctor -q --fix "${A[@]}" "${M[@]}" "$DOMAIN")
	BEFORE=
	# every figure net of lab.sh exec's own cost (one `true` in the namespace), so six commands by
	# hand do not pay it six times
	for k in testjoin info klist kinit ldap_dc1 ldap_dcb doctor_ws1 doctor_broken doctor_fix; do
		R[$k,$rtt]=$(awk -v a="${R[$k,$rtt]}" -v x="${R[exec,$rtt]}" 'BEGIN { v = a - x; printf "%.1f", v < 0 ? 0 : v }')
	done
	R[manual,$rtt]=$(awk -v a="${R[testjoin,$rtt]}" -v b="${R[info,$rtt]}" -v c="${R[klist,$rtt]}" -v d="${R[kinit,$rtt]}" \
		-v e="${R[ldap_dc1,$rtt]}" -v f="${R[ldap_dcb,$rtt]}" 'BEGIN { printf "%.1f", a + b + c + d + e + f }')
done
# our own round trips, from a capture at RTT 20 (cli's namespace: nothing else talks there)
"$LAB" latency 10 >/dev/null 2>&1
rebreak
"$LAB" exec cli "$PY" "$BENCH/capture.py" --rtt-ms 20 --json "$TMPD/cap1.json" -- "$BIN" doctor -q "${A[@]}" "${M[@]}" "$DOMAIN" >/dev/null 2>&1
rebreak
"$LAB" exec cli "$PY" "$BENCH/capture.py" --rtt-ms 20 --json "$TMPD/cap2.json" -- "$BIN" doctor -q --fix "${A[@]}" "${M[@]}" "$DOMAIN" >/dev/null 2>&1
"$LAB" latency 0 >/dev/null 2>&1
turns() { "$PY" -c 'import json,sys
d=json.load(open(sys.argv[1])); print(d.get("turns", d.get("round_trips", "?")))' "$1" 2>/dev/null || echo "?"; }
T1=$(turns "$TMPD/cap1.json"); T2=$(turns "$TMPD/cap2.json")

mkdir -p "$(dirname "$OUT")"
{
	printf '{"runs": %s, "unit": "ms (median wall time, net of lab.sh exec: exec itself is listed)",\n' "$RUNS"
	for rtt in 0 20; do
		printf ' "rtt_%s": {' "$rtt"
		first=1
		for k in exec testjoin info klist kinit ldap_dc1 ldap_dcb manual doctor_ws1 doctor_broken doctor_fix; do
			[ $first = 1 ] || printf ', '
			first=0
			printf '"%s": %s' "$k" "${R[$k,$rtt]}"
		done
		printf '},\n'
	done
	printf ' "round_trips_rtt20": {"doctor_broken": "%s", "doctor_fix": "%s"}}\n' "$T1" "$T2"
} >"$OUT"
printf '%-34s %10s %10s\n' "" "RTT 0" "RTT 20"
for k in exec testjoin info klist kinit ldap_dc1 ldap_dcb manual doctor_ws1 doctor_broken doctor_fix; do
	printf '%-34s %10s %10s\n' "$k" "${R[$k,0]}" "${R[$k,20]}"
done
printf 'round trips at RTT 20 (capture): doctor (broken) %s, doctor --fix %s\n' "$T1" "$T2"
say "results: $OUT"
