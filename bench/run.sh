#!/bin/bash
# nltrust beside its peers against the Samba AD lab, at no added latency and
# at 20 ms RTT: discover/ping (adcli info, net ads lookup/info, a Python port
# loop), verify (adcli testjoin, net ads testjoin, kinit -k; nltrust's Kerberos,
# Netlogon and combined checks), netlogon (net rpc testjoin, wbinfo -t, an
# impacket script) and reset-password (adcli update, msktutil update, net ads
# changetrustpw).
# Run as root: sudo bench/run.sh.  See bench/README.md.
#
#   BENCH_RUNS=7          timed runs per tool and condition (median reported)
#   BENCH_GROUPS=discover,ping,verify,netlogon,reset   the groups to measure
#   BENCH_BUILD=1         run make in build-bench even if nltrust exists there
#   NLT_BIN=PATH          nltrust to measure (default: build ../build-bench, -O2 -g)
#   NLT_LAB_PREFIX=nlb    lab to bring up (and tear down on exit)
#   NLT_LAB_REUSE=1       use the lab NLT_LAB_PREFIX that is already up; leave it up
#   BENCH_OUT=FILE        JSON output (default bench/results/latest.json)
#   BENCH_LOSS=30         also measure at this % packet loss (lab.sh loss; 0 = skip)
#   BENCH_LOSS_RUNS=15    runs per tool at loss (every one counts, failures included)
#   BENCH_LOSS_GROUPS=discover   the groups measured at loss (of the selected ones)
#   BENCH_LOSS_TOOLS=ID,...   at loss, only these tools (e.g. nltrust-discover: the peers take minutes)
#   BENCH_CAPTURE=1       count round trips from a packet capture (bench/capture.py; 0 = skip)
#   BENCH_TARGET=1        also the target group (show-target, verify --target; bench/results/target.json)
#   BENCH_TARGET_ONLY=1   only the target group (use with BENCH_GROUPS=discover)
#   BENCH_REJOIN=1        also rejoin --target beside net dom join -S (bench/results/rejoin.json); the same as
#                         the group "rejoin" (BENCH_GROUPS=rejoin measures only that)
#   BENCH_REJOIN_BIN2=PATH  rejoin group: a second nltrust measured in the same run ("before")
#   BENCH_REJOIN_CAPTURES=N  rejoin group: N captured runs of each tool per RTT (1): turns and the client's own part
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
SEL=${BENCH_GROUPS:-discover,ping,verify,netlogon,reset}
OUT=${BENCH_OUT:-$BENCH/results/latest.json}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
DOMAIN=lab.test
LATENCY_MS=10 # each way: RTT 20 ms
LOSS=${BENCH_LOSS:-30}
LOSS_RUNS=${BENCH_LOSS_RUNS:-15}
LOSS_SEL=${BENCH_LOSS_GROUPS:-discover}
CAPTURE=${BENCH_CAPTURE:-1}

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
[[ $LOSS =~ ^[0-9]+$ ]] && [ "$LOSS" -le 90 ] || die "BENCH_LOSS must be 0..90 (got '$LOSS')"
[[ $LOSS_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_LOSS_RUNS must be a positive integer (got '$LOSS_RUNS')"
SEL=${SEL// /}
[[ $SEL =~ ^(discover|ping|verify|netlogon|reset|audit|rejoin)(,(discover|ping|verify|netlogon|reset|audit|rejoin))*$ ]] ||
	die "BENCH_GROUPS must be a comma-separated list of discover, ping, verify, netlogon, reset, audit, rejoin (got '$SEL')"
has() { [[ ,$SEL, == *,$1,* ]]; }
# one comma list out of the selected groups among the arguments
pick() {
	local g out=
	for g in "$@"; do has "$g" && out=${out:+$out,}$g; done
	printf '%s' "$out"
}
READ_GROUPS=$(pick discover ping verify netlogon)
RESET_GROUPS=$(pick reset)
peers="adcli net"
has verify && peers="$peers kinit"
has netlogon && peers="$peers wbinfo"
has reset && peers="$peers msktutil tdbdump samba-tool"
for c in $peers; do
	command -v "$c" >/dev/null 2>&1 || say "warning: $c not found: its rows will say 'missing'"
done
if has netlogon && ! "$PY" -c 'import impacket.dcerpc.v5.nrpc, impacket.krb5.keytab' 2>/dev/null; then
	say "warning: $PY has no impacket: the 'impacket netlogon' row will fail"
fi

# ------------------------------------------------------------------ binary

if [ -n "${NLT_BIN:-}" ]; then
	BIN=$(readlink -f "$NLT_BIN")
	[ -x "$BIN" ] || die "NLT_BIN=$NLT_BIN is not an executable"
else
	BUILD=$TOP/build-bench
	BIN=$BUILD/nltrust
	if [ ! -x "$BIN" ] || [ "${BENCH_BUILD:-0}" = 1 ]; then
		if [ ! -f "$BUILD/Makefile" ]; then
			if [ ! -x "$TOP/configure" ]; then
				# a fresh clone: bootstrap the build system ourselves
				say "no $TOP/configure yet: running ./autogen.sh"
				(cd "$TOP" && ./autogen.sh >"$TOP/autogen.out" 2>&1) || {
					tail -20 "$TOP/autogen.out" >&2
					die "./autogen.sh failed: see $TOP/autogen.out"
				}
			fi
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
		# never leave the delay or the loss behind, whatever happened
		"$LAB" latency 0 >/dev/null 2>&1 || say "warning: 'NLT_LAB_PREFIX=$NLT_LAB_PREFIX $LAB latency 0' failed"
		"$LAB" loss 0 >/dev/null 2>&1 || say "warning: 'NLT_LAB_PREFIX=$NLT_LAB_PREFIX $LAB loss 0' failed"
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
if (has discover || has ping) && command -v net >/dev/null 2>&1; then
	out=$("$LAB" exec cli net ads lookup -s "$NETD/smb.conf" 2>&1) ||
		die "net ads lookup -s $NETD/smb.conf fails in cli: ${out//$'\n'/ }"
	dc=$(printf '%s\n' "$out" | sed -n 's/^Domain Controller: //p')
	[ -n "$dc" ] || die "net ads lookup printed no DC: ${out//$'\n'/ }"
	say "net ads lookup (minimal smb.conf) works: DC $dc"
fi

BASE_DN=DC=${DOMAIN//./,DC=}
replicate() { # DEST SRC: pull the domain partition, in DEST's namespace (as lab.sh does)
	local conf=$DC1_CONF
	[ "$1" = dcb ] && conf=$DCB_CONF
	"$LAB" exec "$1" samba-tool drs replicate "$1" "$2" "$BASE_DN" -s "$conf" \
		-U "$LAB_ADMIN_USER%$(head -n1 "$LAB_ADMIN_PASS_FILE")" >/dev/null 2>&1
}

# scratch computer accounts for verify/reset, made by nltrust join as the
# administrator (on the DC cli chooses, dcb); then both DCs get them at once
ACCT=$TMPD/accounts
if has verify || has reset; then
	mkdir -m 700 "$ACCT"
	for n in $("$PY" "$BENCH/measure.py" accounts --groups "$SEL"); do
		out=$("$LAB" exec cli "$BIN" join --reuse -U "$LAB_ADMIN_USER" \
			--password-file "$LAB_ADMIN_PASS_FILE" -m "$n" -K "$ACCT/$n.keytab" \
			--state-dir "$ACCT/$n.state" "$DOMAIN" 2>&1) ||
			die "nltrust join -m $n failed: ${out//$'\n'/ }"
	done
	replicate dc1 dcb || die "replicating dcb to dc1 failed"
	replicate dcb dc1 || die "replicating dc1 to dcb failed"
	say "scratch accounts: $("$PY" "$BENCH/measure.py" accounts --groups "$SEL") [$(elapsed) s]"
fi

# ws1 as the lab left it: both DCs agree on WS1$, its keytab matches. net ads
# changetrustpw (reset) leaves the keytab behind and may change only one DC.
ws1_repair() {
	replicate dc1 dcb || true
	replicate dcb dc1 || true
	"$LAB" exec ws1 net ads keytab create -s "$WS1_CONF" >/dev/null 2>&1 || true
	"$LAB" exec ws1 "$BIN" verify -q -K "$WS1_KEYTAB" -m WS1 "$DOMAIN" >/dev/null 2>&1
}
if [ "$REUSE" = 1 ] && (has verify || has netlogon || has reset); then
	ws1_repair || say "warning: WS1\$ does not verify on ws1 before measuring"
fi

# avg of the ICMP RTT from cli to dcb, ms
rtt() { "$LAB" ping cli "$DCB_IP" 5 | sed -n 's|^rtt min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p'; }

measure() { # LABEL PHASE HOST GROUPS: one measure.py run in HOST's namespace
	local krb5=$CLI_KRB5_CONFIG probe=$4 runs=$RUNS cap=() extra=()
	[ "$3" = ws1 ] && krb5=$WS1_KRB5_CONFIG
	# RSS and libs of verify/reset tools do not depend on the RTT: probe them at RTT 0 only
	[ "$1" = rtt20 ] && probe=$(pick discover ping)
	# round trips from a capture of the host's own interface; the half-RTT rule needs the RTT
	[ "$CAPTURE" = 1 ] && cap=(--capture-iface eth0 --capture-rtt-ms "$([ "$1" = rtt20 ] && echo $((2 * LATENCY_MS)) || echo 0)")
	if [ "$1" = loss ]; then
		runs=$LOSS_RUNS probe=none extra=(--keep-failing)
		[ -z "${BENCH_LOSS_TOOLS:-}" ] || extra+=(--tools "$BENCH_LOSS_TOOLS")
	fi
	"$LAB" exec "$3" "$PY" "$BENCH/measure.py" run --label "$1" --runs "$runs" "${cap[@]}" "${extra[@]}" \
		--out "$TMPD/$2-$1-$3.json" --nltrust "$BIN" --host "$3" --groups "$4" \
		--probe-groups "${probe:-none}" --domain "$DOMAIN" --realm "$LAB_REALM" \
		--netbios-domain "$LAB_NETBIOS_DOMAIN" --base-dn "$BASE_DN" \
		--smbconf "$NETD/smb.conf" --net-lock-dir "$NETD/lock" \
		--dcs "$DCB_IP,$DC1_IP" --dc-names "$DC1_FQDN,$DCB_FQDN" \
		--portloop "$BENCH/portloop.py" --python "$PY" \
		--acct-dir "$ACCT" --work-dir "$TMPD" --krb5-config "$krb5" \
		--reset-server "$DCB_FQDN" --ws1-conf "$WS1_CONF" --ws1-keytab "$WS1_KEYTAB" \
		--ws1-secrets "$LAB_DIR/ws1/private/secrets.tdb" --ws1-dc "$DC1_FQDN" \
		--admin-pass-file "$LAB_ADMIN_PASS_FILE" ||
		die "measuring $2 at $1 in $3 failed"
	FILES[$1]="${FILES[$1]:-} --$1 $TMPD/$2-$1-$3.json"
}

declare -A FILES
RTT0="" RTT20=""
phase() { # PHASE GROUPS: at RTT 0, then at RTT 20; cli first, then ws1
	local g=$2 ws1g
	ws1g=$(IFS=,; for x in $g; do case $x in verify | netlogon | reset) printf '%s,' "$x" ;; esac; done)
	ws1g=${ws1g%,}
	"$LAB" latency 0 >/dev/null 2>&1 || die "lab.sh latency 0 failed"
	r=$(rtt || true)
	[ -n "$r" ] || die "cli cannot ping dcb ($DCB_IP)"
	RTT0=${RTT0:-$r}
	say "$1 ($g), RTT 0: measured $r ms; $RUNS runs per tool; load average $(cut -d' ' -f1-3 /proc/loadavg) [$(elapsed) s]"
	measure rtt0 "$1" cli "$g"
	[ -z "$ws1g" ] || measure rtt0 "$1" ws1 "$ws1g"
	"$LAB" latency "$LATENCY_MS" >/dev/null 2>&1 || die "lab.sh latency $LATENCY_MS failed (see $LAB_DIR/br/log/)"
	r=$(rtt || true)
	[ -n "$r" ] || die "cli cannot ping dcb with latency on"
	awk -v r="$r" 'BEGIN { exit !(r >= 18 && r <= 30) }' ||
		die "latency $LATENCY_MS gives RTT $r ms, not about 20 ms"
	RTT20=${RTT20:-$r}
	say "$1 ($g), RTT 20: measured $r ms [$(elapsed) s]"
	measure rtt20 "$1" cli "$g"
	[ -z "$ws1g" ] || measure rtt20 "$1" ws1 "$ws1g"
	"$LAB" latency 0 >/dev/null 2>&1 || die "lab.sh latency 0 failed"
}

# ---- group "target" (issue 8): show-target and verify --target beside rpcclient and impacket ----
# BENCH_TARGET=1 runs it after the other groups, into bench/results/target.json (its own file:
# measure.py is not involved; BENCH_TARGET_ONLY=1 skips the other groups).  Every tool runs in cli,
# from cold (name lookup included), $RUNS times at RTT 0 and at RTT 20:
#   show-target (ws1, WS1\root over NTLM) beside rpcclient -c lsaquery and impacket_target.py
#   lsaquery (same account); verify --target dc1 OTHER (LAB\Administrator over NTLM; the second
#   forest is brought up for it unless it is up) beside rpcclient logonctrl2 TC_QUERY + TC_VERIFY
#   and impacket_target.py tcverify; and verify --target with -U (the directory view beside it).
# RT = (median at RTT 20 - median at RTT 0) / RTT (server time cancels out); RTcap = turns counted
# by bench/capture.py at RTT 20 in one more run (the LOGOFF, not waited for, and the closing RST are
# turns of their own for the SMB tools); RSS is the median ru_maxrss (GNU time) of BENCH_RSS_RUNS
# (5) runs at RTT 0; libraries are the
# shared objects ld.so loads (LD_DEBUG=files), dlopen'ed GSSAPI mechanisms included.
bench_target() {
	local out=${BENCH_TARGET_OUT:-$BENCH/results/target.json} lat r row f2_mine=0 id
	local rpw=$TMPD/ws1-root.pw apw=$TMPD/admin.pw
	install -m 600 "$WS1_LOCAL_PASS_FILE" "$rpw"
	install -m 600 "$LAB_ADMIN_PASS_FILE" "$apw"
	printf 'username = root\npassword = %s\ndomain = WS1\n' "$(head -n1 "$WS1_LOCAL_PASS_FILE")" >"$TMPD/rpcclient.auth"
	printf 'username = Administrator\npassword = %s\ndomain = %s\n' "$(head -n1 "$LAB_ADMIN_PASS_FILE")" \
		"$LAB_NETBIOS_DOMAIN" >"$TMPD/rpcclient-adm.auth"
	chmod 600 "$TMPD"/rpcclient*.auth
	if [ "${LAB2_UP:-0}" != 1 ]; then
		say "target: bringing up the second forest (lab.sh forest2 up) for verify --target"
		"$LAB" forest2 up >"$TMPD/forest2.log" 2>&1 || die "lab.sh forest2 up failed: see $TMPD/forest2.log"
		f2_mine=1
		eval "$("$LAB" env)"
	fi
	"$LAB" exec dc1 wbinfo --check-secret --domain="$LAB2_NETBIOS_DOMAIN" >/dev/null 2>&1 ||
		say "warning: dc1's channel to $LAB2_NETBIOS_DOMAIN does not verify (wbinfo --check-secret)"
	cat >"$TMPD/target.py" <<'PYEOF'
import json, os, re, statistics, subprocess, sys, time
runs, label = int(sys.argv[1]), sys.argv[2]
cmd = sys.argv[3:]
ts = []
# one warm-up (the server's RPC helpers start on first use); the client side stays cold every run
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(runs):
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ts.append((time.monotonic() - t0) * 1000)
    if p.returncode != 0:
        print(json.dumps({"label": label, "error": p.stderr.decode(errors="replace")[-300:]}))
        sys.exit(0)
# RSS from GNU time (a child forked by Python would count Python's pages in ru_maxrss); the median
# of BENCH_RSS_RUNS runs: one run differs from the next by +-0.15 MB (library pages that relocation
# and the kernel's fault-around map move with address-space randomisation)
rs = []
for _ in range(max(1, int(os.environ.get("BENCH_RSS_RUNS", "5")))):
    r = subprocess.run(["/usr/bin/time", "-f", "RSS=%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    m = re.findall(r"RSS=(\d+)", r.stderr.decode(errors="replace"))
    if m:
        rs.append(int(m[-1]))
rss = int(statistics.median(rs)) if rs else None
r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ, LD_DEBUG="files"))
libs = set(re.findall(r"file=(\S+) \[0\];\s+(?:needed by|dynamically loaded by)", r.stderr.decode(errors="replace")))
print(json.dumps({"label": label, "median_ms": round(statistics.median(ts), 1), "max_rss_kb": rss, "rss_runs_kb": rs,
                  "libraries": len(libs)}))
PYEOF
	# id|label|command (words separated by \x1f)
	local US=$'\x1f'
	local -a tools=(
		"show-target-ntlm|nltrust show-target (NTLM)|$BIN${US}show-target${US}$WS1_FQDN${US}--target-user${US}WS1\\root${US}--target-password-file${US}$rpw"
		"rpcclient-lsaquery|rpcclient -c lsaquery (NTLM)|rpcclient${US}-A${US}$TMPD/rpcclient.auth${US}-c${US}lsaquery${US}$WS1_FQDN"
		"impacket-lsaquery|impacket lsaquery (NTLM)|$PY${US}$BENCH/impacket_target.py${US}lsaquery${US}$WS1_FQDN${US}WS1${US}root${US}$rpw"
		"verify-target-ntlm|nltrust verify --target dc1 OTHER (NTLM)|$BIN${US}verify${US}--target${US}$DC1_FQDN${US}$LAB2_DOMAIN${US}--target-user${US}$LAB_NETBIOS_DOMAIN\\Administrator${US}--target-password-file${US}$apw${US}--target-auth${US}ntlm"
		"rpcclient-logonctrl2|rpcclient logonctrl2 TC_QUERY+TC_VERIFY (NTLM)|rpcclient${US}-A${US}$TMPD/rpcclient-adm.auth${US}-c${US}logonctrl2 $DC1_FQDN 6 2 $LAB2_DOMAIN; logonctrl2 $DC1_FQDN 10 2 $LAB2_DOMAIN${US}$DC1_FQDN"
		"impacket-tcverify|impacket TC_QUERY+TC_VERIFY (NTLM)|$PY${US}$BENCH/impacket_target.py${US}tcverify${US}$DC1_FQDN${US}$LAB_NETBIOS_DOMAIN${US}Administrator${US}$apw${US}$LAB2_DOMAIN"
		"verify-target-dir|nltrust verify --target dc1 OTHER -U (directory view)|$BIN${US}verify${US}--target${US}$DC1_FQDN${US}$LAB2_DOMAIN${US}--target-user${US}$LAB_NETBIOS_DOMAIN\\Administrator${US}--target-password-file${US}$apw${US}--target-auth${US}ntlm${US}-U${US}$LAB_ADMIN_USER${US}--password-file${US}$apw"
	)
	: >"$TMPD/target.rows"
	for lat in 0 "$LATENCY_MS"; do
		"$LAB" latency "$lat" >/dev/null 2>&1 || die "lab.sh latency $lat failed"
		r=$(rtt || true)
		say "target: ${#tools[@]} tools at one-way $lat ms (RTT $r ms), $RUNS runs each [$(elapsed) s]"
		for t in "${tools[@]}"; do
			id=${t%%|*}
			local rest=${t#*|} argv
			IFS=$US read -r -a argv <<<"${rest#*|}"
			row=$("$LAB" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$PY" "$TMPD/target.py" "$RUNS" "$id" "${argv[@]}" 2>/dev/null)
			printf '{"rtt_ms": "%s", "lat": %s, "name": "%s", "row": %s}\n' "$r" "$lat" "${rest%%|*}" "${row:-null}" >>"$TMPD/target.rows"
			if [ "$lat" != 0 ] && [ "$CAPTURE" = 1 ]; then
				row=$("$LAB" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$PY" "$BENCH/capture.py" --rtt-ms $((2 * LATENCY_MS)) \
					-- "${argv[@]}" 2>/dev/null | tail -n 1)
				printf '{"cap": "%s", "row": %s}\n' "$id" "${row:-null}" >>"$TMPD/target.rows"
			fi
		done
	done
	"$LAB" latency 0 >/dev/null 2>&1 || die "lab.sh latency 0 failed"
	if [ "$f2_mine" = 1 ]; then
		"$LAB" forest2 down >/dev/null 2>&1 || say "warning: lab.sh forest2 down failed"
		eval "$("$LAB" env)"
	fi
	mkdir -p "$(dirname "$out")"
	"$PY" - "$TMPD/target.rows" "$out" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
res, order, names, cap = {}, [], {}, {}
for r in rows:
    if "cap" in r:
        cap[r["cap"]] = r["row"]
        continue
    row = r["row"] or {}
    label = row.get("label")
    if not label:
        continue
    if label not in res:
        order.append(label)
        res[label] = {"name": r["name"]}
    res[label]["rtt0" if r["lat"] == 0 else "rtt20"] = row
    if r["lat"] != 0:
        res[label]["rtt_ms"] = r["rtt_ms"]
for label, e in res.items():
    try:
        e["round_trips"] = round((e["rtt20"]["median_ms"] - e["rtt0"]["median_ms"]) / float(e["rtt_ms"]), 1)
    except (KeyError, ValueError, TypeError, ZeroDivisionError):
        e["round_trips"] = None
    c = cap.get(label)
    e["rtcap"] = c.get("turns") if c and c.get("exit") == 0 else None
def g(label, *keys):
    x = res.get(label, {})
    for k in keys:
        x = x.get(k) if isinstance(x, dict) else None
    return x
lines = ["GROUP   TOOL                                                   RTT0 ms  RTT20 ms     RT  RTcap  RSS MB  libs  x/nlt@20  works"]
base = {"show-target-ntlm": "show-target-ntlm", "rpcclient-lsaquery": "show-target-ntlm", "impacket-lsaquery": "show-target-ntlm",
        "verify-target-ntlm": "verify-target-ntlm", "rpcclient-logonctrl2": "verify-target-ntlm",
        "impacket-tcverify": "verify-target-ntlm", "verify-target-dir": "verify-target-ntlm"}
def f(x, spec):
    return format(x, spec) if isinstance(x, (int, float)) else "-"
for i, label in enumerate(order):
    e = res[label]
    grp = "target" if i == 0 else ""
    b = base.get(label)
    ratio = None
    if b and b != label and g(b, "rtt20", "median_ms") and g(label, "rtt20", "median_ms"):
        ratio = g(label, "rtt20", "median_ms") / g(b, "rtt20", "median_ms")
    err = (e.get("rtt0") or {}).get("error") or (e.get("rtt20") or {}).get("error")
    rss = g(label, "rtt0", "max_rss_kb")
    lines.append("%-7s %-52s %8s %9s %6s %6s %7s %5s %9s  %s" % (
        grp, e["name"][:52], f(g(label, "rtt0", "median_ms"), ".1f"), f(g(label, "rtt20", "median_ms"), ".1f"),
        f(e["round_trips"], ".1f"), f(e["rtcap"], "d"), f(rss / 1024.0 if rss else None, ".1f"),
        f(g(label, "rtt0", "libraries"), "d"), f(ratio, ".2f") if ratio else "-", "NO: " + err[:60] if err else "yes"))
def target(ok, name, detail):
    lines.append("%-5s %-62s %s" % ("PASS" if ok else "MISS", name, detail))
lines.append("")
st = res.get("show-target-ntlm", {})
rt, rc = st.get("round_trips"), st.get("rtcap")
target(rt is not None and rt <= 8, "show-target <= 8 RT (NTLM, from cold, name lookup included)",
       "%s RT from timing; RTcap %s (the LOGOFF, not waited for, included)" % (f(rt, ".1f"), f(rc, "d")))
t_st, t_rc = g("show-target-ntlm", "rtt20", "median_ms"), g("rpcclient-lsaquery", "rtt20", "median_ms")
sp = t_rc / t_st if t_st and t_rc else None
target(sp is not None and sp >= 1.5, "show-target >= 1.5x faster than rpcclient -c lsaquery at RTT 20",
       "%sx (%s ms vs %s ms)" % (f(sp, ".2f"), f(t_st, ".1f"), f(t_rc, ".1f")))
v, vr = g("show-target-ntlm", "rtt0", "max_rss_kb"), g("show-target-ntlm", "rtt0", "rss_runs_kb") or []
target(bool(v) and v <= 10240, "show-target peak RSS <= 10 MB (NTLM)", "%s MB (median of %d GNU time runs; %s-%s MB)" % (
       f(v / 1024.0 if v else None, ".2f"), len(vr), f(min(vr) / 1024.0 if vr else None, ".2f"), f(max(vr) / 1024.0 if vr else None, ".2f")))
rss = [(l, g(l, "rtt0", "max_rss_kb")) for l in ("verify-target-ntlm", "verify-target-dir")]
lines.append("note  verify --target peak RSS (no target of the issue): " +
             ", ".join("%s %s MB" % (l, f(v / 1024.0 if v else None, ".2f")) for l, v in rss))
libs = [(l, g(l, "rtt0", "libraries")) for l in ("show-target-ntlm", "verify-target-ntlm", "verify-target-dir")]
target(all(v and v <= 40 for _, v in libs), "nltrust <= 40 shared libraries", ", ".join("%s %s" % (l, v) for l, v in libs))
vt, ic = g("verify-target-ntlm", "rtt20", "median_ms"), g("impacket-tcverify", "rtt20", "median_ms")
lines.append("note  verify --target vs impacket TC_QUERY+TC_VERIFY at RTT 20: %s ms vs %s ms (no target of the issue)" % (f(vt, ".1f"), f(ic, ".1f")))
res["order"] = order
res["report"] = lines
json.dump(res, open(sys.argv[2], "w"), indent=1)
print("\n".join(lines))
PYEOF
}

# ---- group "rejoin" (issue 9): rejoin --target beside net dom join -S, at RTT 0 and 20 ms ----
# BENCH_REJOIN=1 or BENCH_GROUPS=...,rejoin runs it after the other groups, into bench/results/rejoin.json.  Both
# log on to ws1 as its local root (NTLM) and have it join lab.test again with the domain Administrator's password
# (NetrJoinDomain2); net dom join gets ws1's address (the client namespace has no resolver for net) and the bare
# domain, so the member locates a DC itself; nltrust names the DC it read the object on (domain\dc).  Timed: the
# median of RUNS runs each; "ours" is each run minus the member's join call (the `join.ms` of --json).  Round
# trips, from packets (bench/capture.py), one more run of each tool at each RTT: "turns" in cli's namespace (ours:
# client <-> DCs and client <-> member; the join call is one of them), and the member's own turns with the DCs
# during it, captured at the same time in ws1's namespace (its traffic with cli left out).  BENCH_REJOIN_BIN2 adds
# a second nltrust (e.g. the build before a change) to the same run.  ws1 is put back as lab.sh leaves it
# afterwards (net ads join; net ads keytab create).
bench_rejoin() {
	local out=${BENCH_REJOIN_OUT:-$BENCH/results/rejoin.json} lat r row rp ap bin2=${BENCH_REJOIN_BIN2:-} label b
	rp=$TMPD/ws1-root.pw
	ap=$TMPD/admin.pw
	install -m 600 "$WS1_LOCAL_PASS_FILE" "$rp"
	install -m 600 "$LAB_ADMIN_PASS_FILE" "$ap"
	printf 'username = root\npassword = %s\ndomain = WS1\n' "$(cat "$WS1_LOCAL_PASS_FILE")" >"$TMPD/root.auth"
	chmod 600 "$TMPD/root.auth"
	[ -z "$bin2" ] || bin2=$(readlink -f "$bin2")
	[ -z "$bin2" ] || [ -x "$bin2" ] || die "BENCH_REJOIN_BIN2=$bin2 is not an executable"
	# one warm-up round, then RUNS rounds, round-robin over the tools (the member's own join drifts by +-0.3 s:
	# every tool sees the same drift); argv: RUNS, then a JSON list of [label, cmd...]; one row per tool, or {"label", "error"}
	cat >"$TMPD/rejoin.py" <<'PYEOF'
import json, statistics, subprocess, sys, time
runs, tools = int(sys.argv[1]), json.loads(sys.argv[2])
ts = {t[0]: [] for t in tools}
js = {t[0]: [] for t in tools}
err = {}
for t in tools:  # one warm-up run each, not timed (a Samba RPC helper idle for ~45 s has exited)
    subprocess.run(t[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(runs):
    for t in tools:
        label, cmd = t[0], t[1:]
        if label in err:
            continue
        t0 = time.monotonic()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ts[label].append((time.monotonic() - t0) * 1000)
        if p.returncode != 0:
            err[label] = (p.stderr or p.stdout).decode(errors="replace")[-300:]
            continue
        if "--json" in cmd:
            js[label].append(json.loads(p.stdout)["join"]["ms"])
for t in tools:
    label = t[0]
    if label in err:
        print(json.dumps({"label": label, "error": err[label]}))
        continue
    row = {"label": label, "median_ms": round(statistics.median(ts[label]), 1), "runs_ms": [round(x, 1) for x in ts[label]]}
    if js[label]:
        row["join_call_median_ms"] = round(statistics.median(js[label]), 1)
        row["ours_median_ms"] = round(statistics.median(a - b for a, b in zip(ts[label], js[label])), 1)
        row["ours_runs_ms"] = [round(a - b, 1) for a, b in zip(ts[label], js[label])]
    print(json.dumps(row))
PYEOF
	# the member's side of a capture: ws1's packets with anyone but cli, until SIGTERM
	cat >"$TMPD/membercap.py" <<'PYEOF'
import json, select, signal, socket, struct, sys, time
sys.path.insert(0, sys.argv[1])
import capture
excl, out, rtt = sys.argv[2], sys.argv[3], float(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(capture.ETH_P_ALL))
s.bind(("eth0", 0))
s.setsockopt(socket.SOL_SOCKET, capture.SO_TIMESTAMPNS, 1)
s.setblocking(False)
pkts, stop = [], [False]
signal.signal(signal.SIGTERM, lambda *a: stop.__setitem__(0, True))
open(out + ".ready", "w").close()
while not stop[0]:
    select.select([s], [], [], 0.05)
    while True:
        try:
            data, anc, _, addr = s.recvmsg(65535, 64)
        except BlockingIOError:
            break
        p = capture.parse(data)
        if not p or excl in (p[1], p[2]):
            continue
        t = time.time()
        for lvl, typ, val in anc:
            if lvl == socket.SOL_SOCKET and typ == capture.SO_TIMESTAMPNS and len(val) >= 16:
                sec, nsec = struct.unpack("qq", val[:16])
                t = sec + nsec / 1e9
        pkts.append({"t": t, "out": addr[2] == capture.PACKET_OUTGOING, "pkt": p, "sum": hash(data[34:])})
pkts.sort(key=lambda p: p["t"])
r = capture.count(pkts, rtt)
r["span_ms"] = round((pkts[-1]["t"] - pkts[0]["t"]) * 1000, 1) if pkts else 0
json.dump(r, open(out, "w"))
PYEOF
	# CAPTURE LABEL RTT CMD...: one run under capture in cli and in ws1; prints {"label", "rtt_ms", "ours", "member"}
	rejoin_capture() {
		local lbl=$1 rt=$2 mp mf=$TMPD/member-cap.json cf=$TMPD/cli-cap.json
		shift 2
		rm -f "$mf" "$mf.ready" "$cf"
		# ip netns exec execs the command: $! is the capture itself (lab.sh exec would be a shell around it)
		ip netns exec "$WS1_NS" "$PY" "$TMPD/membercap.py" "$BENCH" "$CLI_IP" "$mf" "${rt:-0}" &
		mp=$!
		for _ in $(seq 100); do [ -e "$mf.ready" ] && break; sleep 0.05; done
		"$LAB" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$PY" "$BENCH/capture.py" --rtt-ms "${rt:-0}" --json "$cf" -- "$@" \
			>/dev/null 2>&1
		sleep 0.3
		kill "$mp" 2>/dev/null
		wait "$mp" 2>/dev/null
		printf '{"label": "%s", "rtt_ms": "%s", "ours": %s, "member": %s}\n' "$lbl" "$rt" "$(cat "$cf" 2>/dev/null || echo null)" \
			"$(cat "$mf" 2>/dev/null || echo null)"
	}
	: >"$TMPD/rejoin.rows"
	: >"$TMPD/rejoin.caps"
	for lat in 0 "$LATENCY_MS"; do
		"$LAB" latency "$lat" >/dev/null 2>&1 || die "lab.sh latency $lat failed"
		r=$(rtt || true)
		say "rejoin: rejoin --target and net dom join at one-way $lat ms (RTT $r ms)"
		# the timed runs, round-robin: rejoin --target (BIN, and bin2), net dom join
		"$PY" - "$rp" "$ap" "$DOMAIN" "$WS1_FQDN" "$WS1_IP" "$TMPD/root.auth" "$(cat "$LAB_ADMIN_PASS_FILE")" "$BIN" \
			$bin2 >"$TMPD/rejoin.tools" <<'PYEOF'
import json, sys
rp, ap, dom, fqdn, ip, auth, apw, bins = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8:]
tools = []
for i, b in enumerate(bins):
    tools.append(["rejoin-target" if i == 0 else "rejoin-target-bin2", b, "--json", "rejoin", "--target", fqdn,
                  "--target-user", "WS1\\root", "--target-password-file", rp, "-U", "Administrator", "--password-file", ap, dom])
tools.append(["net-dom-join", "net", "dom", "join", "-S", ip, "-A", auth, "domain=" + dom, "account=LAB\\Administrator",
              "password=" + apw])
print(json.dumps(tools))
PYEOF
		"$LAB" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$PY" "$TMPD/rejoin.py" "$RUNS" "$(cat "$TMPD/rejoin.tools")" \
			2>/dev/null | while IFS= read -r row; do printf '{"rtt_ms": "%s", "row": %s}\n' "$r" "$row"; done >>"$TMPD/rejoin.rows"
		# BENCH_REJOIN_CAPTURES (1) captured runs of each at this RTT, round-robin: the client's turns, and the
		# client's own part as its wall time less the span of the member's traffic with the DCs (the same
		# measure for net dom join, which reports no join time)
		for _ in $(seq "${BENCH_REJOIN_CAPTURES:-1}"); do
			for b in "$BIN" $bin2; do
				label=rejoin-target
				[ "$b" = "$BIN" ] || label=rejoin-target-bin2
				rejoin_capture "$label" "$((2 * lat))" "$b" --json rejoin --target "$WS1_FQDN" --target-user 'WS1\root' \
					--target-password-file "$rp" -U Administrator --password-file "$ap" "$DOMAIN" >>"$TMPD/rejoin.caps"
			done
			rejoin_capture net-dom-join "$((2 * lat))" net dom join -S "$WS1_IP" -A "$TMPD/root.auth" domain="$DOMAIN" \
				account='LAB\Administrator' password="$(cat "$LAB_ADMIN_PASS_FILE")" >>"$TMPD/rejoin.caps"
		done
	done
	"$LAB" latency 0 >/dev/null 2>&1 || die "lab.sh latency 0 failed"
	"$LAB" exec ws1 net ads join -s "$WS1_CONF" -S "$DC1_FQDN" -U "Administrator%$(cat "$LAB_ADMIN_PASS_FILE")" >/dev/null 2>&1 ||
		say "warning: net ads join on ws1 after the rejoin group failed"
	"$LAB" exec ws1 net ads keytab create -s "$WS1_CONF" -P >/dev/null 2>&1 || true
	mkdir -p "$(dirname "$out")"
	"$PY" - "$TMPD/rejoin.rows" "$out" "$TMPD/rejoin.caps" "$BIN" "$bin2" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
caps = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["row"]["label"], []).append(r)
res = {"binaries": {"rejoin-target": sys.argv[4], "rejoin-target-bin2": sys.argv[5] or None}}
for label, rs in by.items():
    a, b = rs[0], rs[-1]
    entry = {"rtt0": a["row"], "rtt20": b["row"], "rtt_measured_ms": [a["rtt_ms"], b["rtt_ms"]]}
    def rt(key):
        try:
            return round((b["row"][key] - a["row"][key]) / float(b["rtt_ms"]), 1)
        except (KeyError, ValueError, ZeroDivisionError, TypeError):
            return None
    entry["round_trips"] = rt("median_ms")
    if "ours_median_ms" in a["row"]:
        entry["round_trips_ours"] = rt("ours_median_ms")
        entry["round_trips_member_join_call"] = rt("join_call_median_ms")
    # from packets at RTT 20: the client's turns (ours: minus the join call, which is one turn) and the member's
    c20 = [c for c in caps if c["label"] == label and c["rtt_ms"] not in ("0", "")]
    if c20 and c20[-1]["ours"]:
        t = c20[-1]["ours"]["turns"]
        entry["capture_rtt20"] = {"client_turns": t,
                                  "our_turns_without_the_join_call": t - 1 if label.startswith("rejoin") else None,
                                  "member_turns_with_dcs": (c20[-1]["member"] or {}).get("turns"),
                                  "client_wall_ms": c20[-1]["ours"].get("wall_ms")}
    # every capture: wall - the member's span with the DCs = the client's own part (median, min-max per RTT)
    for key, cs in (("client_part_rtt0", [c for c in caps if c["label"] == label and c["rtt_ms"] in ("0", "")]),
                    ("client_part_rtt20", c20)):
        parts = [c["ours"]["wall_ms"] - c["member"]["span_ms"] for c in cs
                 if c.get("ours") and c.get("member") and c["member"].get("span_ms")]
        turns = [c["ours"]["turns"] for c in cs if c.get("ours")]
        if parts:
            entry[key] = {"median_ms": round(statistics.median(parts), 1), "min_ms": round(min(parts), 1),
                          "max_ms": round(max(parts), 1), "n": len(parts), "client_turns": turns}
    res[label] = entry
res["captures"] = caps
res["targets"] = "rejoin --target no slower than net dom join -S; our own part <= 12 RT"
json.dump(res, open(sys.argv[2], "w"), indent=1)
print(json.dumps({k: v for k, v in res.items() if k != "captures"}, indent=1))
PYEOF
}

# PHASE GROUPS at LOSS % packet loss, no added latency: every run counts (failures too)
loss_phase() {
	local g=$2 ws1g
	ws1g=$(IFS=,; for x in $g; do case $x in verify | netlogon | reset) printf '%s,' "$x" ;; esac; done)
	ws1g=${ws1g%,}
	"$LAB" latency 0 >/dev/null 2>&1 || die "lab.sh latency 0 failed"
	"$LAB" loss "$LOSS" >/dev/null 2>&1 || die "lab.sh loss $LOSS failed"
	say "$1 ($g) at $LOSS % loss: $LOSS_RUNS runs per tool [$(elapsed) s]"
	measure loss "$1" cli "$g"
	[ -z "$ws1g" ] || measure loss "$1" ws1 "$ws1g"
	"$LAB" loss 0 >/dev/null 2>&1 || die "lab.sh loss 0 failed"
}

if [ "${BENCH_TARGET_ONLY:-0}" = 1 ]; then
	# the target group alone (with BENCH_GROUPS=discover nothing else is prepared)
	bench_target
	say "target group only: JSON ${BENCH_TARGET_OUT:-$BENCH/results/target.json}; $(elapsed) s"
	exit 0
fi
# ---- group "audit" (issue 10): nltrust audit of BENCH_AUDIT_N (10,000) computer objects beside
# ldapsearch -E pr=1000 of the same attributes and samba-tool computer list, at RTT 0, into
# bench/results/audit.json (its own file, as the target group).  The objects are made by
# tests/lab/populate-computers.sh in OU=nltbench (the time it took is recorded) and removed after.
# Median of BENCH_RUNS runs; RSS is GNU time's maximum resident set of one more run.
bench_audit() {
	local n=${BENCH_AUDIT_N:-10000} out=${BENCH_AUDIT_OUT:-$BENCH/results/audit.json} t ou base pop=$TOP/tests/lab/populate-computers.sh
	base=DC=${DOMAIN//./,DC=}
	ou=OU=nltbench,$base
	"$LAB" latency 0 >/dev/null 2>&1 || die "lab.sh latency 0 failed"
	if [ "${BENCH_AUDIT_POPULATED:-0}" = 1 ]; then
		# OU=nltbench already holds the population (a lab reused): neither made nor removed here
		t=0
		say "audit: reusing the $n objects of OU=nltbench (BENCH_AUDIT_POPULATED=1)"
	else
		"$pop" remove --ou nltbench >/dev/null 2>&1 || true
		t=$(now)
		"$pop" add "$n" --ou nltbench >"$TMPD/populate.log" 2>&1 || { cat "$TMPD/populate.log" >&2; die "populate-computers.sh add $n failed"; }
		t=$(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
		say "audit: $n computer objects made in $t s ($(tr '\n' ';' <"$TMPD/populate.log"))"
	fi
	install -m 600 "$LAB_ADMIN_PASS_FILE" "$TMPD/admin.pw"
	# a ticket for ldapsearch (GSSAPI), outside the timed runs
	"$LAB" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="FILE:$TMPD/audit.cc" \
		kinit "$LAB_ADMIN_PRINCIPAL" <"$TMPD/admin.pw" >/dev/null 2>&1 || die "kinit $LAB_ADMIN_PRINCIPAL in cli failed"
	cat >"$TMPD/audit.py" <<'PYEOF2'
import json, os, re, statistics, subprocess, sys, time
runs, label, ok = int(sys.argv[1]), sys.argv[2], [int(x) for x in sys.argv[3].split(",")]
cmd = sys.argv[4:]
ts, lines = [], None
for _ in range(runs):
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ts.append((time.monotonic() - t0) * 1000)
    if p.returncode not in ok:
        print(json.dumps({"label": label, "error": "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[-300:])}))
        sys.exit(0)
    lines = p.stdout.count(b"\n")
r = subprocess.run(["/usr/bin/time", "-f", "RSS=%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
m = re.findall(r"RSS=(\d+)", r.stderr.decode(errors="replace"))
print(json.dumps({"label": label, "median_ms": round(statistics.median(ts), 1), "min_ms": round(min(ts), 1),
                  "max_ms": round(max(ts), 1), "runs": runs, "max_rss_kb": int(m[-1]) if m else None,
                  "stdout_lines": lines}))
PYEOF2
	: >"$TMPD/audit.rows"
	local attrs="sAMAccountName dNSHostName servicePrincipalName userAccountControl pwdLastSet lastLogonTimestamp msDS-SupportedEncryptionTypes msDS-KeyVersionNumber mS-DS-CreatorSID whenCreated operatingSystem objectSid nTSecurityDescriptor"
	say "audit: nltrust audit --ou, --json, whole domain; ldapsearch -E pr=1000; samba-tool computer list ($RUNS runs each)"
	# shellcheck disable=SC2086 # attrs is a list
	{
		"$LAB" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$PY" "$TMPD/audit.py" "$RUNS" "nltrust audit --ou (text)" 1 \
			"$BIN" audit -U "$LAB_ADMIN_USER" --password-file "$TMPD/admin.pw" --ou "$ou" "$DOMAIN"
		"$LAB" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$PY" "$TMPD/audit.py" "$RUNS" "nltrust audit --ou --json" 1 \
			"$BIN" audit --json -U "$LAB_ADMIN_USER" --password-file "$TMPD/admin.pw" --ou "$ou" "$DOMAIN"
		"$LAB" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$PY" "$TMPD/audit.py" "$RUNS" "nltrust audit (whole domain, text)" 1 \
			"$BIN" audit -U "$LAB_ADMIN_USER" --password-file "$TMPD/admin.pw" "$DOMAIN"
		"$LAB" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="FILE:$TMPD/audit.cc" "$PY" "$TMPD/audit.py" "$RUNS" \
			"ldapsearch -Y GSSAPI -E pr=1000/noprompt (one DC)" 0 \
			ldapsearch -N -Q -LLL -Y GSSAPI -H "ldap://$DCB_FQDN" -b "$ou" -E pr=1000/noprompt \
			-E '!1.2.840.113556.1.4.801=::MAMCAQE=' '(objectClass=computer)' $attrs
		"$LAB" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="FILE:$TMPD/audit.cc" "$PY" "$TMPD/audit.py" "$RUNS" \
			"samba-tool computer list (names only, one DC)" 0 \
			samba-tool computer list -H "ldap://$DCB_FQDN" --use-kerberos=required
	} >>"$TMPD/audit.rows" 2>>"$TMPD/audit.err"
	[ "${BENCH_AUDIT_POPULATED:-0}" = 1 ] ||
		"$pop" remove --ou nltbench >/dev/null 2>&1 || say "warning: populate-computers.sh remove --ou nltbench failed"
	mkdir -p "$(dirname "$out")"
	"$PY" - "$TMPD/audit.rows" "$out" "$n" "$t" <<'PYEOF2'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
res = {"objects": int(sys.argv[3]), "populate_s": float(sys.argv[4]), "rows": rows,
       "targets": "10,000 computer objects in < 5 s and < 50 MB RSS"}
a = next((r for r in rows if r["label"].startswith("nltrust audit --ou (text)")), {})
res["target_met"] = bool(a.get("median_ms") is not None and a["median_ms"] < 5000 and (a.get("max_rss_kb") or 1e9) < 50 * 1024)
json.dump(res, open(sys.argv[2], "w"), indent=1)
print(json.dumps(res, indent=1))
PYEOF2
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
# the read-only groups first: net ads changetrustpw (reset) leaves ws1's keytab behind
[ -z "$READ_GROUPS" ] || phase read "$READ_GROUPS"
LOSS_READ=$(IFS=,; for x in $LOSS_SEL; do case $x in discover | ping | verify | netlogon) has "$x" && printf '%s,' "$x" ;; esac; done; true)
LOSS_READ=${LOSS_READ%,}
[ "$LOSS" = 0 ] || [ -z "$LOSS_READ" ] || loss_phase lossread "$LOSS_READ"
if [ -n "$RESET_GROUPS" ]; then
	phase reset "$RESET_GROUPS"
	[ "$LOSS" = 0 ] || [[ ,$LOSS_SEL, != *,reset,* ]] || loss_phase lossreset reset
	if ws1_repair; then
		say "ws1: WS1\$ verifies again after the reset group (replicated, net ads keytab create)"
	else
		say "warning: WS1\$ does not verify on ws1 after the reset group"
	fi
fi
if [ "${BENCH_REJOIN:-0}" = 1 ] || has rejoin; then
	bench_rejoin
fi
if [ "$SEL" = rejoin ]; then
	say "rejoin only: results in ${BENCH_REJOIN_OUT:-$BENCH/results/rejoin.json}; total $(elapsed) s"
	exit 0
fi
if has audit; then
	bench_audit
fi
if [ "$SEL" = audit ]; then
	say "audit only: results in ${BENCH_AUDIT_OUT:-$BENCH/results/audit.json}; total $(elapsed) s"
	exit 0
fi
if [ "${BENCH_TARGET:-0}" = 1 ] && [ "${BENCH_TARGET_ONLY:-0}" != 1 ]; then
	bench_target
fi
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
say "latency removed; measured in $(elapsed) s"

rev=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)
mkdir -p "$(dirname "$OUT")"
# the raw per-phase files, kept beside the JSON so that a report can be made again from them
rm -rf "$OUT.d" && mkdir -p "$OUT.d" && cp "$TMPD"/*.json "$OUT.d/" 2>/dev/null || true
# shellcheck disable=SC2086 # FILES holds "--rtt0 FILE --rtt0 FILE ..."
"$PY" "$BENCH/measure.py" report ${FILES[rtt0]} ${FILES[rtt20]} ${FILES[loss]:-} \
	--rtt 20 --loss-pct "$LOSS" --out "$OUT" \
	--meta "date=$(date -u '+%Y-%m-%d %H:%M UTC')" \
	--meta "host=$(uname -n) $(uname -r), $(nproc) CPU" \
	--meta "nltrust=$BIN (built $(date -u -r "$BIN" "+%Y-%m-%d %H:%M UTC"); source tree now: $rev)" \
	--meta "load=$LOAD0 before, $LOAD1 after ($(nproc) CPUs)" \
	--meta "samba=$(net --version 2>/dev/null || echo none)" \
	--meta "adcli=$(dpkg-query -W -f='${Version}' adcli 2>/dev/null || echo unknown)" \
	--meta "msktutil=$(dpkg-query -W -f='${Version}' msktutil 2>/dev/null || echo unknown)" \
	--meta "krb5=$(dpkg-query -W -f='${Version}' krb5-user 2>/dev/null || echo unknown)" \
	--meta "groups=$SEL" \
	--meta "lab=$NLT_LAB_PREFIX" \
	--meta "rtt0_measured=$RTT0" --meta "rtt20_measured=$RTT20" ||
	die "report failed"
say "JSON: $OUT; total $(elapsed) s"
