#!/bin/bash
# nltrust beside its peers (adcli info, net ads lookup/info, a Python port loop)
# against the Samba AD lab, at no added latency and at 20 ms RTT.
# Run as root: sudo bench/run.sh.  See bench/README.md.
#
#   BENCH_RUNS=7          timed runs per tool and condition (median reported)
#   NLT_BIN=PATH          nltrust to measure (default: build ../build-bench, -O2 -g)
#   NLT_LAB_PREFIX=nlb    lab to bring up (and tear down on exit)
#   NLT_LAB_REUSE=1       use the lab NLT_LAB_PREFIX that is already up; leave it up
#   BENCH_OUT=FILE        JSON output (default bench/results/latest.json)
#
# Exit 0 whenever the bench ran (targets may MISS: it is a report); 77 when it
# cannot run here (not root, no namespaces, lab prerequisites missing); 1 when
# it could not build, bring up the lab or measure.
set -euo pipefail

BENCH=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
TOP=$(dirname "$BENCH")
LAB=$TOP/tests/lab/lab.sh
export NLT_LAB_PREFIX=${NLT_LAB_PREFIX:-nlb}
REUSE=${NLT_LAB_REUSE:-0}
RUNS=${BENCH_RUNS:-7}
OUT=${BENCH_OUT:-$BENCH/results/latest.json}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
DOMAIN=lab.test
LATENCY_MS=10 # each way: RTT 20 ms

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
T0=$(now)
elapsed() { awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

if [ "$(id -u)" != 0 ]; then
	say "needs root (network namespaces): sudo bench/run.sh"
	exit 77
fi
[ -n "$PY" ] || die "missing python3"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer (got '$RUNS')"
for c in adcli net; do
	command -v "$c" >/dev/null 2>&1 || say "warning: $c not found: its rows will say 'missing'"
done

# ------------------------------------------------------------------ binary

if [ -n "${NLT_BIN:-}" ]; then
	BIN=$(readlink -f "$NLT_BIN")
	[ -x "$BIN" ] || die "NLT_BIN=$NLT_BIN is not an executable"
else
	BUILD=$TOP/build-bench
	BIN=$BUILD/nltrust
	if [ ! -x "$BIN" ]; then
		if [ ! -f "$BUILD/Makefile" ]; then
			[ -x "$TOP/configure" ] || die "no $TOP/configure: run ./autogen.sh first (or set NLT_BIN)"
			[ -f "$TOP/config.status" ] &&
				die "$TOP is configured in place, so an out-of-tree build is refused: 'make distclean' there, or set NLT_BIN"
			say "configuring $BUILD (CFLAGS='-O2 -g', no sanitizers)"
			mkdir -p "$BUILD"
			(cd "$BUILD" && "$TOP/configure" CFLAGS='-O2 -g' >configure.out 2>&1) ||
				die "configure failed: see $BUILD/configure.out"
		fi
		say "building $BIN"
		make -C "$BUILD" -j2 nltrust >"$BUILD/make.out" 2>&1 || {
			tail -20 "$BUILD/make.out" >&2
			die "building nltrust failed: see $BUILD/make.out"
		}
	else
		# built only when missing, so that work in progress in src/ cannot break a run
		newer=$(find "$TOP/src" "$TOP/proto" -newer "$BIN" -name '*.[ch]' 2>/dev/null | wc -l)
		[ "$newer" = 0 ] ||
			say "note: $newer source file(s) newer than $BIN; 'make -C $BUILD nltrust' or delete it to rebuild"
	fi
fi
if ldd "$BIN" 2>/dev/null | grep -Eq 'lib(a|ub|t|l)san'; then
	say "warning: $BIN is built with sanitizers: its time, RSS and libs are not representative"
fi

# --------------------------------------------------------------------- lab

TMPD=$(mktemp -d /tmp/nltrust-bench.XXXXXX)
chmod 755 "$TMPD"
LAB_STARTED=0
LAB_UP=0

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "$LAB_UP" = 1 ]; then
		# never leave the delay behind, whatever happened
		"$LAB" latency 0 >/dev/null 2>&1 || say "warning: 'NLT_LAB_PREFIX=$NLT_LAB_PREFIX $LAB latency 0' failed"
	fi
	if [ "$LAB_STARTED" = 1 ]; then
		say "lab $NLT_LAB_PREFIX: down"
		"$LAB" down >/dev/null 2>&1 || say "warning: 'NLT_LAB_PREFIX=$NLT_LAB_PREFIX $LAB down' failed"
	fi
	rm -rf "$TMPD"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$REUSE" = 1 ]; then
	"$LAB" status >/dev/null 2>&1 || die "NLT_LAB_REUSE=1 but lab '$NLT_LAB_PREFIX' is not up"
	say "reusing lab $NLT_LAB_PREFIX"
else
	say "lab $NLT_LAB_PREFIX: up (about 15 s)"
	LAB_STARTED=1
	rc=0
	"$LAB" up >"$TMPD/lab-up.log" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		tail -15 "$TMPD/lab-up.log" >&2
		LAB_STARTED=0 # a failed up tears itself down
		[ "$rc" = 77 ] && exit 77
		die "lab up failed (exit $rc)"
	fi
	tail -1 "$TMPD/lab-up.log" | sed 's/^lab: /bench: lab: /' >&2
fi
LAB_UP=1
eval "$("$LAB" env)"

# net needs an smb.conf; keep all of its state here, not in /var/lib/samba
NETD=$TMPD/net
mkdir -p "$NETD"/{private,lock,state,cache,pid,ncalrpc}
cat >"$NETD/smb.conf" <<EOF
[global]
	realm = $LAB_REALM
	workgroup = $LAB_NETBIOS_DOMAIN
	security = ads
	private dir = $NETD/private
	lock directory = $NETD/lock
	state directory = $NETD/state
	cache directory = $NETD/cache
	pid directory = $NETD/pid
	ncalrpc dir = $NETD/ncalrpc
	log file = $NETD/log.%m
EOF
if command -v net >/dev/null 2>&1; then
	out=$("$LAB" exec cli net ads lookup -s "$NETD/smb.conf" 2>&1) ||
		die "net ads lookup -s $NETD/smb.conf fails in cli: ${out//$'\n'/ }"
	dc=$(printf '%s\n' "$out" | sed -n 's/^Domain Controller: //p')
	[ -n "$dc" ] || die "net ads lookup printed no DC: ${out//$'\n'/ }"
	say "net ads lookup (minimal smb.conf) works: DC $dc"
fi

# avg of the ICMP RTT from cli to dcb, ms
rtt() { "$LAB" ping cli "$DCB_IP" 5 | sed -n 's|^rtt min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p'; }

measure() { # LABEL
	"$LAB" exec cli "$PY" "$BENCH/measure.py" run --label "$1" --runs "$RUNS" \
		--out "$TMPD/$1.json" --nltrust "$BIN" --domain "$DOMAIN" \
		--smbconf "$NETD/smb.conf" --net-lock-dir "$NETD/lock" \
		--dcs "$DCB_IP,$DC1_IP" --portloop "$BENCH/portloop.py" --python "$PY" ||
		die "measuring at $1 failed"
}

"$LAB" latency 0 >/dev/null 2>&1 || die "lab.sh latency 0 failed"
RTT0=$(rtt || true)
[ -n "$RTT0" ] || die "cli cannot ping dcb ($DCB_IP)"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "RTT 0: measured $RTT0 ms; $RUNS runs per tool; load average $LOAD0 [$(elapsed) s]"
measure rtt0

"$LAB" latency "$LATENCY_MS" >/dev/null 2>&1 || die "lab.sh latency $LATENCY_MS failed (see $LAB_DIR/br/log/)"
RTT20=$(rtt || true)
[ -n "$RTT20" ] || die "cli cannot ping dcb with latency on"
awk -v r="$RTT20" 'BEGIN { exit !(r >= 18 && r <= 30) }' ||
	die "latency $LATENCY_MS gives RTT $RTT20 ms, not about 20 ms"
say "RTT 20: measured $RTT20 ms [$(elapsed) s]"
measure rtt20
"$LAB" latency 0 >/dev/null 2>&1 || die "lab.sh latency 0 failed"
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
say "latency removed; measured in $(elapsed) s"

rev=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)
mkdir -p "$(dirname "$OUT")"
"$PY" "$BENCH/measure.py" report --rtt0 "$TMPD/rtt0.json" --rtt20 "$TMPD/rtt20.json" \
	--rtt 20 --out "$OUT" \
	--meta "date=$(date -u '+%Y-%m-%d %H:%M UTC')" \
	--meta "host=$(uname -n) $(uname -r), $(nproc) CPU" \
	--meta "nltrust=$BIN (built $(date -u -r "$BIN" "+%Y-%m-%d %H:%M UTC"); source tree now: $rev)" \
	--meta "load=$LOAD0 before, $LOAD1 after ($(nproc) CPUs)" \
	--meta "samba=$(net --version 2>/dev/null || echo none)" \
	--meta "adcli=$(dpkg-query -W -f='${Version}' adcli 2>/dev/null || echo unknown)" \
	--meta "lab=$NLT_LAB_PREFIX" \
	--meta "rtt0_measured=$RTT0" --meta "rtt20_measured=$RTT20" ||
	die "report failed"
say "JSON: $OUT; total $(elapsed) s"
