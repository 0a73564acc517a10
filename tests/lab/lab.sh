#!/bin/bash
# nltrust integration lab: two Samba AD DCs (two sites), a Samba member, a
# client and a junk CLDAP responder, each in its own network namespace behind
# one bridge namespace. See tests/lab/README.md; `lab.sh help` lists commands.
set -euo pipefail

LAB_SRC=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
LAB_SH=$LAB_SRC/lab.sh
TOOL=$LAB_SRC/labtool.py
PY=/usr/bin/python3            # python3-samba lives under the system python

P=${NLT_LAB_PREFIX:-nlt}
if ! [[ $P =~ ^[a-z][a-z0-9]{0,9}$ ]]; then
	echo "lab: NLT_LAB_PREFIX must match [a-z][a-z0-9]{0,9} (got '$P')" >&2
	exit 2
fi
D=${NLT_LAB_DIR:-/tmp/nltrust-lab-$P}
D=${D%/}
CACHE=${NLT_LAB_CACHE:-/var/cache/nltrust-lab}    # "off" disables the cache
CACHE_MAX_DAYS=${NLT_LAB_CACHE_MAX_DAYS:-30}
WAIT=${NLT_LAB_TIMEOUT:-90}                      # seconds for each wait
LOCKFILE=/run/lock/nltrust-lab-$P.lock

REALM=LAB.TEST
DNSDOM=lab.test
BASEDN=DC=lab,DC=test
NBDOM=LAB
# Fixed on purpose: the lab is throw-away and tests read it from admin.pass.
ADMIN_PASS='Nlt-Lab.Adm1n-2O24x'
WS1_ROOT_PASS='Nlt-Ws1.R00t-Local'
SITE1=Default-First-Site-Name
SITE2=Branch
NET1=198.18.0.0/25
NET2=198.18.0.128/25

HOSTS=(dc1 dcb ws1 cli junk)
declare -A IP=([dc1]=198.18.0.10 [dcb]=198.18.0.140 [ws1]=198.18.0.20
	[cli]=198.18.0.150 [junk]=198.18.0.160 [dc2]=198.18.0.30)
# The optional second forest (lab.sh forest2 up, or up --with-forest2): one
# DC, dc2, for OTHER.TEST, with a two-way forest trust to LAB.TEST.
F2_REALM=OTHER.TEST
F2_DNSDOM=other.test
F2_NBDOM=OTHER
ALL_HOSTS=(dc1 dcb ws1 cli junk dc2) # what teardown looks for
# Fleet members (lab.sh members up N): m01..m40, joined Samba members like ws1, at 198.18.0.201..240
MEMBERS_MAX=40
for _i in $(seq 1 "$MEMBERS_MAX"); do ALL_HOSTS+=("$(printf 'm%02d' "$_i")"); done
unset _i
JUNK_BADBLOB_IP=198.18.0.161
JUNK_TRUNC_IP=198.18.0.162

say() {
	if [ -n "${LAB_T0:-}" ]; then
		printf 'lab: [%5ss] %s\n' "$(elapsed "$LAB_T0")" "$*" >&2
	else
		printf 'lab: %s\n' "$*" >&2
	fi
}
die() { say "$*"; exit 1; }
cant_run() { # one line, exit 77 (skip) unless NLT_LAB_REQUIRE=1
	printf 'lab: %s\n' "$*" >&2
	[ "${NLT_LAB_REQUIRE:-0}" = 1 ] && exit 1
	exit 77
}
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

usage() {
	cat <<EOF
usage: lab.sh COMMAND [ARGS]     (prefix NLT_LAB_PREFIX=$P, state NLT_LAB_DIR=$D)
  up                      tear down stale state of this prefix, build the lab, wait until ready
  down                    stop daemons by pid, delete namespaces, /etc/netns entries, state dir
  status                  what runs, what answers, which faults are injected
  env                     shell assignments for tests: eval "\$(lab.sh env)"
  exec HOST CMD...        run CMD in HOST's namespace (private /run/samba, own hostname)
  stop HOST | start HOST  stop/start the daemons of dc1, dcb, ws1 or junk (start waits until ready)
  block HOST tcp|udp PORT     silently drop inbound packets to PORT on HOST  ("filtered")
  reject HOST tcp|udp PORT    answer them with TCP RST / ICMP port unreachable ("refused")
  unblock HOST tcp|udp PORT   remove block/reject rules for PORT;  unblock HOST all: all of them
  unplug HOST | plug HOST     take HOST's bridge port down/up (a powered-off host: pure timeouts)
  latency MS              one-way delay MS on the bridge (RTT = 2*MS); latency 0 removes it
  loss PCT                drop PCT % of bridged packets at random; loss 0 removes it
  ping HOST IP [COUNT]    ICMP echo from HOST (this machine has no ping)
  ws1-smb [max=PROTO] [signing=mandatory] [encrypt=required]
                          reconfigure ws1's smbd for new connections (reload, no restart);
                          no argument: back to the defaults (issue 8: show-target under each)
  cldap HOST IP [labtool options]  CLDAP ping from HOST, decoded (see labtool.py)
  up --with-forest2       up, then forest2 up (also NLT_LAB_FOREST2=1)
  forest2 up|down         add/remove the second forest (dc2, $F2_REALM) and its forest
                          trust with $REALM on a lab that is up (about 15 s / 3 s)
  forest2 break           give dc1's side of the trust new secrets (dc2 keeps the old ones)
  forest2 heal            recreate the trust on both sides with one secret
  members up [N]          N more joined Samba members (default 16, at most 40): m01..mNN at
                          198.18.0.201.., each in its own namespace with smbd, winbindd and a
                          local root (ws1's password); for fleets (--targets)
  members down            stop them, delete their computer accounts and namespaces
HOST is one of: ${HOSTS[*]} br (and dc2 while the second forest is up)
EOF
}

# ------------------------------------------------------------------ checks

need_root() {
	[ "$(id -u)" -eq 0 ] || cant_run "needs root and network namespaces (running as uid $(id -u))"
	command -v ip >/dev/null 2>&1 || cant_run "needs root and network namespaces (no ip command: iproute2)"
}

# command:package pairs needed by `up`
UP_CMDS="ip:iproute2 unshare:util-linux flock:util-linux nft:nftables iptables:iptables
samba:samba-ad-dc samba-tool:samba-common-bin net:samba-common-bin smbpasswd:samba-common-bin
smbd:samba winbindd:winbind wbinfo:winbind dig:dnsutils tar:tar sha256sum:coreutils
awk:mawk ss:iproute2"

need_cmds() {
	local missing=() pair
	for pair in $1; do
		command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair%%:*} (${pair#*:})")
	done
	if [ -x "$PY" ]; then
		"$PY" -c 'import samba.samdb, samba.sites' >/dev/null 2>&1 ||
			missing+=("python module samba (python3-samba)")
	else
		missing+=("$PY (python3)")
	fi
	[ -d /usr/share/samba/setup/ad-schema ] || missing+=("AD schema (samba-ad-provision)")
	[ ${#missing[@]} -eq 0 ] || cant_run "missing: ${missing[*]}"
}

probe_netns() {
	local t="$P-probe$$" err
	if ! err=$(ip netns add "$t" 2>&1); then
		cant_run "needs root and network namespaces (ip netns add: ${err//$'\n'/ })"
	fi
	ip netns del "$t" 2>/dev/null || true
}

ns_exists() { [ -e "/run/netns/$1" ]; }

need_up() {
	{ ns_exists "$P-br" && [ -f "$D/.nltrust-lab" ]; } ||
		die "lab '$P' is not up (no namespace $P-br or no $D); run: lab.sh up"
}

check_host() {
	local h
	for h in "${HOSTS[@]}" br; do [ "$1" = "$h" ] && return 0; done
	[ "$1" = dc2 ] && ns_exists "$P-dc2" && return 0
	case $1 in m[0-9][0-9]) ns_exists "$P-$1" && return 0 ;; esac
	die "unknown host '$1' (one of: ${HOSTS[*]} br; dc2 after forest2 up; mNN after members up)"
}

lock() {
	mkdir -p /run/lock
	exec 9>"$LOCKFILE"
	flock -w 300 9 || die "another lab.sh holds $LOCKFILE"
}

# --------------------------------------------------------------- namespaces

# hx HOST CMD...: run CMD in HOST's namespace with its own hostname, its own
# /run/samba (Samba's compiled-in socket dir), a default KRB5CCNAME under
# $D/HOST and, for Samba hosts, KRB5_CONFIG (both unless already set).
hx() {
	local h=$1 kc=
	shift
	case $h in
	dc1 | dcb | dc2) [ -f "$D/$h/private/krb5.conf" ] && kc=$D/$h/private/krb5.conf ;;
	ws1 | m[0-9][0-9]) kc=$D/$h/krb5.conf ;;
	esac
	[ -d "$D/$h/run" ] || die "no $D/$h/run: is lab '$P' up?"
	ip netns exec "$P-$h" unshare --uts -- /bin/sh -c '
		hostname "$1" && mount --bind "$2" /run/samba || exit 125
		if [ -n "$3" ] && [ -z "${KRB5_CONFIG:-}" ]; then export KRB5_CONFIG="$3"; fi
		# /tmp is shared with the machine: keep default ccaches per host
		[ -n "${KRB5CCNAME:-}" ] || export KRB5CCNAME="FILE:${2%/run}/krb5cc_$(id -u)"
		shift 3
		exec "$@"' sh "$h" "$D/$h/run" "$kc" "$@" 9>&-
}

fqdn() {
	if [ "$1" = dc2 ]; then printf 'dc2.%s' "$F2_DNSDOM"; else printf '%s.%s' "$1" "$DNSDOM"; fi
}

net_up() {
	local h ns
	for ns in br "${HOSTS[@]}"; do
		ip netns add "$P-$ns"
		ip netns exec "$P-$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
			echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
		ip -n "$P-$ns" link set lo up
	done
	ip -n "$P-br" link add br0 type bridge
	ip -n "$P-br" link set br0 up
	for h in "${HOSTS[@]}"; do
		ip -n "$P-br" link add "v-$h" type veth peer name eth0 netns "$P-$h"
		ip -n "$P-br" link set "v-$h" master br0 up
		ip -n "$P-$h" addr add "${IP[$h]}/24" dev eth0
		ip -n "$P-$h" link set eth0 up
	done
	ip -n "$P-junk" addr add "$JUNK_BADBLOB_IP/24" dev eth0
	ip -n "$P-junk" addr add "$JUNK_TRUNC_IP/24" dev eth0
	ip netns exec "$P-br" sh -c 'echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables' 2>/dev/null || true
}

# /etc/netns/NS/{resolv.conf,hosts} are bind-mounted by `ip netns exec`
netns_files() {
	local h me root_host
	# plain `ip netns exec` keeps the machine's hostname: resolve it too
	root_host=$(cat /proc/sys/kernel/hostname)
	case $root_host in localhost | localhost.* | dc1 | dcb | ws1 | cli | junk | br) root_host= ;; esac
	for h in "${HOSTS[@]}" br; do
		mkdir -p "/etc/netns/$P-$h" "$D/$h/run" "$D/$h/log"
		me="${IP[$h]:-127.0.1.1}"
		{
			echo "127.0.0.1 localhost"
			if [ "$h" = br ]; then
				echo "127.0.1.1 br${root_host:+ $root_host}"
			else
				echo "$me $(fqdn "$h") $h${root_host:+ $root_host}"
			fi
		} >"/etc/netns/$P-$h/hosts"
	done
	resolv dc1 "${IP[dc1]}"
	resolv dcb "${IP[dcb]}"
	resolv ws1 "${IP[dc1]}" "${IP[dcb]}"
	resolv cli "${IP[dcb]}" "${IP[dc1]}"
	resolv junk "${IP[dc1]}"
	resolv br "${IP[dc1]}"
	# No libnss-winbind here: smbd on ws1 must still find a Unix account for
	# the domain's Administrator (idmap rid: 200000 + RID), so ws1 gets its own
	# /etc/passwd and /etc/group (the machine's plus these lines).
	{
		cat /etc/passwd
		echo "$NBDOM\\administrator:x:200500:200513:$NBDOM Administrator:/nonexistent:/usr/sbin/nologin"
	} >"/etc/netns/$P-ws1/passwd"
	{
		cat /etc/group
		echo "$NBDOM\\domain users:x:200513:"
		echo "$NBDOM\\domain admins:x:200512:$NBDOM\\administrator"
	} >"/etc/netns/$P-ws1/group"
	{ mk_krb5_conf && printf '\tdefault_keytab_name = FILE:%s\n' "$D/ws1/krb5.keytab"; } >"$D/ws1/krb5.conf"
	mk_krb5_conf >"$D/cli/krb5.conf"
}

resolv() {
	local h=$1 ns
	shift
	{
		echo "search $DNSDOM"
		for ns in "$@"; do echo "nameserver $ns"; done
	} >"/etc/netns/$P-$h/resolv.conf"
}

mk_krb5_conf() {
	cat <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_realm = false
	dns_lookup_kdc = true
	rdns = false
EOF
}

# ------------------------------------------------------------ pids, teardown

# A pid counts as ours if it lives in one of our namespaces or has one of our
# private /run/samba mounts (a process that outlived its namespace).
pid_is_ours() {
	local pid=$1 h=$2 ns mroot
	[ -d "/proc/$pid" ] || return 1
	ns=$(ip netns identify "$pid" 2>/dev/null || true)
	[ "$ns" = "$P-$h" ] && return 0
	mroot=$(findmnt -n -o TARGET -T "$D" 2>/dev/null || echo /)
	local rel=${D#"${mroot%/}"}
	grep -qs " ${rel}/$h/run /run/samba " "/proc/$pid/mountinfo"
}

# kill_pids SIGNAL_WAIT_SECONDS PID...: TERM, wait, then KILL
kill_pids() {
	local w=$1 pid alive i
	shift
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null || true
	for ((i = 0; i < w * 20; i++)); do
		alive=
		for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1 && break; done
		[ -z "$alive" ] && return 0
		sleep 0.05
	done
	kill -KILL "$@" 2>/dev/null || true
}

teardown() {
	local h ns f pid pids=()
	# daemons by their pid files, and anything else inside our namespaces:
	# all get SIGTERM at once, SIGKILL after 3 s (the state is thrown away)
	if [ -d "$D" ]; then
		for h in "${ALL_HOSTS[@]}" br; do
			for f in "$D/$h"/pid/*.pid "$D/$h"/*.pid; do
				[ -e "$f" ] || continue
				pid=$(tr -dc 0-9 <"$f" | head -c 10)
				if [ -n "$pid" ] && pid_is_ours "$pid" "$h"; then pids+=("$pid"); fi
			done
		done
	fi
	for ns in "${ALL_HOSTS[@]}" br; do
		if ns_exists "$P-$ns"; then
			# shellcheck disable=SC2207
			pids+=($(ip netns pids "$P-$ns" 2>/dev/null || true))
		fi
	done
	kill_pids 3 "${pids[@]}"
	for ns in "${ALL_HOSTS[@]}" br; do
		if ns_exists "$P-$ns"; then
			ip netns del "$P-$ns"
		fi
		rm -rf "/etc/netns/${P:?}-$ns"
	done
	rmdir /etc/netns 2>/dev/null || true
	if [ -d "$D" ]; then
		if [ -f "$D/.nltrust-lab" ]; then
			rm -rf "${D:?}"
		elif [ -n "$(ls -A "$D")" ]; then
			die "$D exists but is not a lab directory (no .nltrust-lab); not deleting it"
		else
			rmdir "$D"
		fi
	fi
}

# ------------------------------------------------------------------ daemons

dc_conf() { printf '%s/%s/etc/smb.conf' "$D" "$1"; }

# Options given to provision and join; both write them to smb.conf.
dc_options() {
	local d=$D/$1
	printf '%s\n' \
		"--option=interfaces=lo eth0" \
		"--option=bind interfaces only=yes" \
		"--option=log file=$d/log/samba.log" \
		"--option=max log size=0" \
		"--option=pid directory=$d/pid" \
		"--option=ntp signd socket directory=$d/ntp_signd"
}

# no DNS forwarder: unknown names fail at once (with one, ~0.75 s each)
# Samba before 4.20 refuses a GSSAPI bind over TLS that has no sign/seal layer even when it carries
# TLS channel bindings ("Sign or Seal are required"), and refuses the layer inside TLS too; 4.20+ and
# Windows accept the channel-bound bind.  allow_sasl_over_tls gives 4.17 the same behaviour, so
# nltrust's --starttls/--ldaps can be tested; sealed SASL binds without TLS are unaffected.
fix_dc_conf() {
	sed -i '/^[[:space:]]*dns forwarder[[:space:]]*=/d' "$(dc_conf "$1")"
	sed -i '/^\[global\]/a\	ldap server require strong auth = allow_sasl_over_tls' "$(dc_conf "$1")"
}

fail_log() { # fail_log WHAT LOGFILE
	say "$1 failed; last lines of $2:"
	tail -n 25 "$2" | sed 's/^/    /' >&2 || true
	exit 1
}

dc1_provision() {
	local d=$D/dc1 opts
	mkdir -p "$d/pid" "$d/ntp_signd"
	chmod 0750 "$d/ntp_signd"
	mapfile -t opts < <(dc_options dc1)
	say "provisioning dc1 ($REALM)"
	hx dc1 samba-tool domain provision --realm="$REALM" --domain="$NBDOM" \
		--server-role=dc --dns-backend=SAMBA_INTERNAL --adminpass="$ADMIN_PASS" \
		--targetdir="$d" --host-name=dc1 --host-ip="${IP[dc1]}" "${opts[@]}" \
		>"$d/log/provision.log" 2>&1 || fail_log "provisioning dc1" "$d/log/provision.log"
	fix_dc_conf dc1
	hx dc1 "$PY" "$TOOL" sites "$(dc_conf dc1)" "$SITE1=$NET1" "$SITE2=$NET2" \
		>>"$d/log/provision.log" 2>&1 || fail_log "creating sites on dc1" "$d/log/provision.log"
}

dcb_join() {
	local d=$D/dcb opts
	mkdir -p "$d/pid" "$d/ntp_signd"
	chmod 0750 "$d/ntp_signd"
	mapfile -t opts < <(dc_options dcb)
	say "joining dcb as a second DC in site $SITE2"
	resolv dcb "${IP[dc1]}" # find dc1 for the join; dcb resolves via itself afterwards
	hx dcb samba-tool domain join "$DNSDOM" DC --site="$SITE2" --server="$(fqdn dc1)" \
		-U "Administrator%$ADMIN_PASS" --targetdir="$d" --dns-backend=SAMBA_INTERNAL \
		--option="netbios name=DCB" "${opts[@]}" \
		>"$d/log/join.log" 2>&1 || fail_log "joining dcb" "$d/log/join.log"
	fix_dc_conf dcb
	resolv dcb "${IP[dcb]}"
}

pid_alive() { # pid_alive HOST FILE
	local pid
	[ -f "$2" ] || return 1
	pid=$(tr -dc 0-9 <"$2" | head -c 10)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && pid_is_ours "$pid" "$1"
}

dc_start() {
	local h=$1
	if pid_alive "$h" "$D/$h/pid/samba.pid"; then
		return 0
	fi
	hx "$h" samba -s "$(dc_conf "$h")" -D >>"$D/$h/log/samba.out" 2>&1 ||
		fail_log "starting samba on $h" "$D/$h/log/samba.out"
}

# dc_wait HOST [labtool wait-dc options]: probes run inside HOST's namespace
# (over lo, so block/latency rules on eth0/the bridge do not get in the way)
dc_wait() {
	local h=$1 out pid i
	shift
	for ((i = 0; i < 100; i++)); do
		[ -s "$D/$h/pid/samba.pid" ] && break
		sleep 0.05
	done
	pid=$(tr -dc 0-9 <"$D/$h/pid/samba.pid" 2>/dev/null | head -c 10 || true)
	[ -n "$pid" ] || fail_log "samba on $h (no pid file)" "$D/$h/log/samba.log"
	local dom=$DNSDOM
	[ "$h" = dc2 ] && dom=$F2_DNSDOM
	if ! out=$(hx "$h" "$PY" "$TOOL" wait-dc "${IP[$h]}" --domain "$dom" --timeout "$WAIT" \
		--pid "$pid" "$@" 2>&1); then
		say "$h (${IP[$h]}) did not come up: $out"
		say "samba log $D/$h/log/samba.log:"
		tail -n 15 "$D/$h/log/samba.log" 2>/dev/null | sed 's/^/    /' >&2 || true
		exit 1
	fi
	say "$h answers${*:+ ($*)}"
}

dc_stop() { stop_daemons "$1" "$D/$1/pid/samba.pid"; }

# stop_daemons HOST PIDFILE...: SIGTERM the (verified) pids together, SIGKILL
# after 10 s; then whatever still listens in HOST's namespace (children that
# outlived their master). Other processes in the namespace are left alone.
stop_daemons() {
	local h=$1 f pid pids=()
	shift
	for f in "$@"; do
		[ -f "$f" ] || continue
		pid=$(tr -dc 0-9 <"$f" | head -c 10)
		if [ -n "$pid" ] && pid_is_ours "$pid" "$h"; then pids+=("$pid"); fi
	done
	kill_pids 10 "${pids[@]}"
	rm -f "$@"
	# shellcheck disable=SC2207
	pids=($(ip netns exec "$P-$h" ss -Hlntup 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u || true))
	kill_pids 3 "${pids[@]}"
}

ws1_conf() {
	local d=$D/ws1
	mkdir -p "$d/pid" "$d/lock" "$d/state" "$d/cache" "$d/private" "$d/ncalrpc" "$d/usershares"
	chmod 0700 "$d/private"
	cat >"$d/smb.conf" <<EOF
# nltrust lab member (generated by tests/lab/lab.sh)
[global]
	workgroup = $NBDOM
	realm = $REALM
	netbios name = WS1
	security = ads
	server role = member server
	kerberos method = dedicated keytab
	dedicated keytab file = FILE:$d/krb5.keytab
	idmap config * : backend = tdb
	idmap config * : range = 100000-199999
	idmap config $NBDOM : backend = rid
	idmap config $NBDOM : range = 200000-999999
	min domain uid = 0
	winbind refresh tickets = no
	interfaces = lo eth0
	bind interfaces only = yes
	disable netbios = yes
	smb ports = 445
	load printers = no
	printcap name = /dev/null
	disable spoolss = yes
	log file = $d/log/log.%m
	max log size = 0
	pid directory = $d/pid
	lock directory = $d/lock
	state directory = $d/state
	cache directory = $d/cache
	private dir = $d/private
	ncalrpc dir = $d/ncalrpc
	usershare path = $d/usershares
	# InitShutdown (MS-RSP, rejoin --reboot): smbd runs these instead of rebooting; the marker file
	# records what arrived for 97-repair.sh: %z the message (every character but [A-Za-z0-9] made
	# '_'), %r "-r" for a reboot, %f "-f" to force, %x the reason as a signed decimal.  %t is no
	# use: smbd substitutes smb.conf's own %t (the current time) before the script's (the delay).
	shutdown script = /bin/sh -c 'echo "shutdown message=%z delay=%t reboot=%r force=%f reason=%x" >>$D/ws1-shutdown'
	abort shutdown script = /bin/sh -c 'echo abort >>$D/ws1-shutdown'

[share]
	path = $d/share
	read only = no
EOF
	mkdir -p "$d/share"
}

ws1_join() {
	local d=$D/ws1
	say "joining ws1 as a member"
	# A DC that has just started now and then fails the join's first RPC
	# ("failed to lookup DC info ... over rpc: An internal error occurred"):
	# retry a few times before giving up.
	local try
	: >"$d/log/join.log"
	for try in 1 2 3 4; do
		if hx ws1 net ads join -s "$d/smb.conf" -S "$(fqdn dc1)" -U "Administrator%$ADMIN_PASS" \
			>>"$d/log/join.log" 2>&1; then
			break
		fi
		[ "$try" -lt 4 ] || fail_log "joining ws1 (4 attempts)" "$d/log/join.log"
		say "joining ws1: attempt $try failed, retrying"
		sleep 1
	done
	# create the dedicated keytab if the join did not
	if [ ! -s "$d/krb5.keytab" ]; then
		hx ws1 net ads keytab create -s "$d/smb.conf" -P >>"$d/log/join.log" 2>&1 ||
			fail_log "creating ws1's keytab" "$d/log/join.log"
	fi
	[ -s "$d/krb5.keytab" ] || fail_log "creating ws1's keytab ($d/krb5.keytab)" "$d/log/join.log"
	# the member's local administrator (uid 0), for NTLM to the member itself
	(umask 077 && printf '%s\n' "$WS1_ROOT_PASS" >"$d/root.pass")
	printf '%s\n%s\n' "$WS1_ROOT_PASS" "$WS1_ROOT_PASS" |
		hx ws1 smbpasswd -c "$d/smb.conf" -s -a root >>"$d/log/join.log" 2>&1 ||
		fail_log "adding ws1's local root" "$d/log/join.log"
}

ws1_start() {
	local d=$D/ws1
	pid_alive ws1 "$d/pid/smbd.pid" || hx ws1 smbd -D -s "$d/smb.conf" >>"$d/log/daemons.out" 2>&1 ||
		fail_log "starting smbd on ws1" "$d/log/daemons.out"
	pid_alive ws1 "$d/pid/winbindd.pid" || hx ws1 winbindd -D -s "$d/smb.conf" >>"$d/log/daemons.out" 2>&1 ||
		fail_log "starting winbindd on ws1" "$d/log/daemons.out"
}

ws1_wait() {
	local d=$D/ws1 deadline out=
	deadline=$(($(date +%s) + WAIT))
	while :; do
		if hx ws1 "$PY" "$TOOL" port "${IP[ws1]}" 445 >/dev/null 2>&1 &&
			out=$(hx ws1 wbinfo -t 2>&1); then
			return 0
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			say "ws1 did not come up in ${WAIT}s: smb tcp/445 or 'wbinfo -t' failed: ${out//$'\n'/ }"
			tail -n 10 "$d/log/log.winbindd" 2>/dev/null | sed 's/^/    /' >&2 || true
			exit 1
		fi
		sleep 0.2
	done
}

ws1_stop() { stop_daemons ws1 "$D/ws1/pid/winbindd.pid" "$D/ws1/pid/smbd.pid"; }

junk_start() {
	local d=$D/junk
	pid_alive junk "$d/junk.pid" && return 0
	rm -f "$d/junk.pid"
	hx junk setsid -f "$PY" "$LAB_SRC/junk-cldap.py" "$d/junk.pid" "${IP[junk]}=garbage" \
		"$JUNK_BADBLOB_IP=badblob" "$JUNK_TRUNC_IP=truncated" </dev/null >>"$d/log/junk.log" 2>&1
	local i
	for ((i = 0; i < 100; i++)); do
		[ -f "$d/junk.pid" ] && return 0
		sleep 0.05
	done
	fail_log "starting the junk responder" "$d/log/junk.log"
}

junk_stop() { stop_daemons junk "$D/junk/junk.pid"; }

# ------------------------------------------------------------------- cache

cache_key() {
	local v
	v=$(samba --version 2>/dev/null || echo unknown)
	printf '%s\n%s\n%s\n' "$v" "$(sha256sum <"$LAB_SH")" "$D" | sha256sum | cut -c1-16
}
cache_file() {
	local dh
	dh=$(printf '%s' "$D" | sha256sum | cut -c1-8)
	printf '%s/dcs-%s-%s.tar' "$CACHE" "$dh" "$(cache_key)"
}
cache_on() { [ "$CACHE" != off ] && [ "$CACHE" != none ] && [ -n "$CACHE" ]; }
cache_usable() {
	local f
	cache_on || return 1
	f=$(cache_file)
	[ -s "$f" ] && [ -z "$(find "$f" -mtime +"$CACHE_MAX_DAYS" 2>/dev/null)" ]
}

# called with dc1 stopped and dcb joined but never started
cache_save() {
	local f tmp
	f=$(cache_file)
	mkdir -p "$CACHE"
	tmp=$(mktemp "$f.XXXXXX")
	if tar -C "$D" --sparse --warning=no-file-ignored -cf "$tmp" --exclude='*/log' --exclude='*/run' --exclude='*/pid' dc1 dcb; then
		rm -f "${f%-*}"-*.tar # older entries for this state dir
		mv "$tmp" "$f"
		say "cached DC state in $f"
	else
		rm -f "$tmp"
		say "could not write the cache (continuing without it)"
	fi
}

cache_restore() {
	local f
	f=$(cache_file)
	say "restoring provisioned DCs from $f"
	tar -C "$D" -xf "$f"
	mkdir -p "$D/dc1/pid" "$D/dcb/pid"
}

# --------------------------------------------------------------------- up

up_failed() {
	local rc=$1
	trap - EXIT
	say "up failed (exit $rc)"
	if [ "${NLT_LAB_KEEP:-0}" = 1 ]; then
		say "NLT_LAB_KEEP=1: leaving the half-built lab in place ($D)"
		return
	fi
	if [ -d "$D" ]; then
		rm -rf "$D.failed"
		mkdir -p "$D.failed"
		for h in "${HOSTS[@]}" br; do
			[ -d "$D/$h/log" ] && cp -r "$D/$h/log" "$D.failed/$h" 2>/dev/null
		done
		say "logs kept in $D.failed/"
	fi
	teardown || true
}

# _up MODE (cold|warm): the body of `up`, in its own process so that `up`
# can retry cold when a warm start from the cache fails
internal_up() {
	local mode=$1 both h out
	both="$(fqdn dc1),$(fqdn dcb)"
	trap 'rc=$?; [ $rc -eq 0 ] || up_failed $rc' EXIT
	trap 'exit 130' INT TERM HUP
	teardown
	mkdir -p "$D"
	touch "$D/.nltrust-lab"
	chmod 0755 "$D"
	(umask 077 && printf '%s\n' "$ADMIN_PASS" >"$D/admin.pass")
	mkdir -p /run/samba
	net_up
	netns_files
	junk_start
	if [ "$mode" = cold ]; then
		dc1_provision
		dc_start dc1
		dc_wait dc1
		dcb_join
		dc_start dcb
		# dcb registers its SRV records in its own DNS (samba_dnsupdate logs
		# "tsig verify failure" though the update works: nsupdate vs Samba)
		dc_wait dcb --srv "$both"
		drs_pull dc1 dcb "DC=DomainDnsZones,$BASEDN" "DC=ForestDnsZones,$BASEDN"
		dc_wait dc1 --srv "$both"
		if cache_on; then
			dc_stop dc1 &
			local stopper=$!
			dc_stop dcb
			wait "$stopper"
			cache_save
		fi
	else
		cache_restore
	fi
	dc_start dc1
	dc_start dcb
	ws1_conf
	dc_wait dc1 --srv "$both"
	ws1_join
	ws1_start
	# ws1 joined at dc1: pull its account and its DNS record to dcb now
	dc_wait dcb --srv "$both"
	drs_pull dcb dc1 "$BASEDN" "DC=DomainDnsZones,$BASEDN"
	dc_wait dc1 --srv "$both" --user 'WS1$'
	dc_wait dcb --srv "$both" --user 'WS1$'
	ws1_wait
	# finally across the bridge, as the tests will see it
	for h in dc1 dcb; do
		out=$(hx cli "$PY" "$TOOL" cldap "${IP[$h]}" --timeout 2 2>&1) ||
			die "cli cannot CLDAP-ping $h: $out"
	done
	out=$(hx cli dig +short +time=1 +tries=1 "$(fqdn ws1)" 2>&1)
	[ "$out" = "${IP[ws1]}" ] || die "cli cannot resolve $(fqdn ws1): ${out:-no answer}"
	rm -rf "$D.failed"
	trap - EXIT INT TERM HUP
}

# drs_pull DEST SRC NC...: replicate NCs from SRC into DEST now (in parallel)
drs_pull() {
	local dst=$1 src=$2 nc pids=() pid
	shift 2
	for nc in "$@"; do
		hx "$dst" samba-tool drs replicate "$dst" "$src" "$nc" -s "$(dc_conf "$dst")" \
			-U "Administrator%$ADMIN_PASS" >>"$D/$dst/log/replicate.log" 2>&1 &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || fail_log "replicating $src -> $dst" "$D/$dst/log/replicate.log"
	done
	say "replicated $src -> $dst: $*"
}

cmd_up() {
	local t mode f
	need_root
	need_cmds "$UP_CMDS"
	probe_netns
	lock
	t=$(now)
	export LAB_T0=$t
	mode=cold
	cache_usable && mode=warm
	if [ "$mode" = warm ]; then
		if ! bash "$LAB_SH" _up warm; then
			f=$(cache_file)
			say "warm start from $f failed; deleting it and building from scratch"
			rm -f "$f"
			mode=cold
			bash "$LAB_SH" _up cold
		fi
	else
		bash "$LAB_SH" _up cold
	fi
	unset LAB_T0
	# the hint runs as printed: it carries the prefix (and a state dir that is not the default)
	local envcmd="$LAB_SH env"
	[ "$P" != nlt ] && envcmd="NLT_LAB_PREFIX=$P $envcmd"
	[ "$D" != "/tmp/nltrust-lab-$P" ] && envcmd="NLT_LAB_DIR=$D $envcmd"
	say "up ($mode) in $(elapsed "$t") s; eval \"\$($envcmd)\" for the addresses"
}

cmd_down() {
	need_root
	lock
	teardown
	say "down"
}

# ----------------------------------------------------------------- faults

nft_host() { ip netns exec "$P-$1" nft "${@:2}"; }

nft_chain() {
	nft_host "$1" add table inet nltlab
	nft_host "$1" add chain inet nltlab input '{ type filter hook input priority 0; policy accept; }'
}

check_proto_port() {
	case $1 in tcp | udp) ;; *) die "protocol must be tcp or udp (got '$1')" ;; esac
	[[ $2 =~ ^[0-9]+(-[0-9]+)?$ ]] || die "port must be a number or a range N-M (got '$2')"
}

cmd_block() { # block|reject HOST PROTO PORT
	local how=$1 h=$2 proto=$3 port=$4 verdict
	check_host "$h"
	check_proto_port "$proto" "$port"
	need_up
	if [ "$how" = block ]; then
		verdict=drop
	elif [ "$proto" = tcp ]; then
		verdict="reject with tcp reset"
	else
		verdict="reject with icmpx port-unreachable"
	fi
	nft_chain "$h"
	delete_port_rules "$h" "$proto" "$port" # block and reject replace each other
	# only what arrives from the bridge: probes over lo inside the host still work
	# shellcheck disable=SC2086
	nft_host "$h" add rule inet nltlab input iifname '"eth0"' "$proto" dport "$port" $verdict \
		comment "\"$how $proto $port\""
	say "$how: $h ${IP[$h]:-} $proto/$port"
}

cmd_unblock() { # unblock HOST PROTO PORT | unblock HOST all
	local h=$1
	check_host "$h"
	need_up
	nft_host "$h" list table inet nltlab >/dev/null 2>&1 || return 0
	if [ "${2:-}" = all ]; then
		nft_host "$h" flush chain inet nltlab input
		say "unblock: $h all"
		return
	fi
	[ $# -eq 3 ] || die "usage: unblock HOST tcp|udp PORT  |  unblock HOST all"
	check_proto_port "$2" "$3"
	delete_port_rules "$h" "$2" "$3"
	say "unblock: $h $2/$3"
}

delete_port_rules() { # HOST PROTO PORT
	local handles hd
	handles=$(nft_host "$1" -a list chain inet nltlab input |
		awk -v a="\"block $2 $3\"" -v b="\"reject $2 $3\"" \
			'index($0, "comment " a) || index($0, "comment " b) { print $NF }')
	for hd in $handles; do
		nft_host "$1" delete rule inet nltlab input handle "$hd"
	done
}

cmd_plug() { # plug|unplug HOST
	check_host "$2"
	[ "$2" != br ] || die "cannot unplug the bridge itself"
	need_up
	if [ "$1" = unplug ]; then
		ip -n "$P-br" link set "v-$2" down
	else
		ip -n "$P-br" link set "v-$2" up
	fi
	say "$1: $2"
}

nfq_build() {
	local bin=$D/nfq-delay src=$LAB_SRC/nfq-delay.c flags
	if [ -x "$bin" ] && [ "$bin" -nt "$src" ]; then return 0; fi
	command -v cc >/dev/null 2>&1 || die "latency needs a C compiler: missing cc (gcc)"
	flags=$(pkg-config --cflags --libs libnetfilter_queue 2>/dev/null || echo "-lnetfilter_queue -lnfnetlink")
	# shellcheck disable=SC2086
	cc -O2 -Wall -o "$bin.tmp" "$src" $flags 2>"$D/br/log/nfq-build.log" ||
		fail_log "building nfq-delay (needs libnetfilter-queue-dev)" "$D/br/log/nfq-build.log"
	mv "$bin.tmp" "$bin"
}

NFQ_RULE=(FORWARD -j NFQUEUE --queue-num 0 --queue-bypass)

cmd_latency() {
	local ms=${1:-} i
	[[ $ms =~ ^[0-9]+$ ]] && [ "$ms" -le 10000 ] || die "usage: latency MS (0..10000)"
	need_up
	command -v iptables >/dev/null 2>&1 || cant_run "missing: iptables (iptables)"
	lock
	while ip netns exec "$P-br" iptables -D "${NFQ_RULE[@]}" 2>/dev/null; do :; done
	stop_daemons br "$D/br/nfq.pid"
	rm -f "$D/br/latency"
	if [ "$ms" -eq 0 ]; then
		say "latency: off"
		return
	fi
	nfq_build
	ip netns exec "$P-br" sh -c 'echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables'
	ip netns exec "$P-br" setsid -f "$D/nfq-delay" 0 "$ms" "$D/br/nfq.pid" \
		</dev/null >>"$D/br/log/nfq-delay.log" 2>&1 9>&-
	for ((i = 0; i < 100; i++)); do
		[ -s "$D/br/nfq.pid" ] && break
		sleep 0.05
	done
	[ -s "$D/br/nfq.pid" ] || fail_log "starting nfq-delay" "$D/br/log/nfq-delay.log"
	ip netns exec "$P-br" iptables -A "${NFQ_RULE[@]}"
	echo "$ms" >"$D/br/latency"
	say "latency: ${ms} ms each way on the bridge (RTT $((2 * ms)) ms)"
}

cmd_loss() {
	local pct=${1:-}
	[[ $pct =~ ^[0-9]+$ ]] && [ "$pct" -le 100 ] || die "usage: loss PCT (0..100)"
	need_up
	ip netns exec "$P-br" nft delete table bridge nltlab 2>/dev/null || true
	rm -f "$D/br/loss"
	if [ "$pct" -eq 0 ]; then
		say "loss: off"
		return
	fi
	ip netns exec "$P-br" nft add table bridge nltlab
	ip netns exec "$P-br" nft add chain bridge nltlab lossy '{ type filter hook forward priority 0; }'
	ip netns exec "$P-br" nft add rule bridge nltlab lossy numgen random mod 100 '<' "$pct" drop
	echo "$pct" >"$D/br/loss"
	say "loss: $pct % of bridged packets dropped"
}

# ------------------------------------------------------------ stop / start

cmd_stop() {
	local h=${1:-}
	check_host "$h"
	need_up
	lock
	case $h in
	dc1 | dcb | dc2) dc_stop "$h" ;;
	ws1) ws1_stop ;;
	junk) junk_stop ;;
	*) die "nothing to stop on $h" ;;
	esac
	say "stopped $h"
}

cmd_start() {
	local h=${1:-} t
	check_host "$h"
	need_up
	lock
	t=$(now)
	case $h in
	dc1 | dcb | dc2)
		dc_start "$h"
		dc_wait "$h"
		;;
	ws1)
		ws1_start
		ws1_wait
		;;
	junk) junk_start ;;
	*) die "nothing to start on $h" ;;
	esac
	say "started $h (answering after $(elapsed "$t") s)"
}

# ws1-smb: server-side SMB variants of ws1 (dialect cap, mandatory signing, required encryption), in an
# include file reloaded by smbd; new connections get them, running ones keep theirs.
cmd_ws1_smb() {
	local d=$D/ws1 f a
	need_up
	f=$d/smb-test.conf
	: >"$f"
	for a in "$@"; do
		case $a in
		max=SMB2_02 | max=SMB2_10 | max=SMB3_00 | max=SMB3_02 | max=SMB3_11) echo "server max protocol = ${a#max=}" >>"$f" ;;
		signing=mandatory) echo "server signing = mandatory" >>"$f" ;;
		encrypt=required) echo "server smb encrypt = required" >>"$f" ;;
		*) die "ws1-smb: unknown setting '$a' (max=SMB2_02|SMB2_10|SMB3_00|SMB3_02|SMB3_11, signing=mandatory, encrypt=required)" ;;
		esac
	done
	grep -q "^[[:space:]]*include = $f" "$d/smb.conf" || sed -i "/^\[global\]/a\	include = $f" "$d/smb.conf"
	hx ws1 smbcontrol -s "$d/smb.conf" smbd reload-config >/dev/null 2>&1 || die "ws1-smb: smbd did not take the reload"
	say "ws1 smbd: ${*:-defaults}"
}

# ---------------------------------------------------------------- reports

cmd_env() {
	local h H
	v() { printf '%s=%q\n' "$1" "$2"; }
	v LAB_PREFIX "$P"
	v LAB_DIR "$D"
	v LAB_SH "$LAB_SH"
	v LAB_TOOL "$TOOL"
	v LAB_PYTHON "$PY"
	v LAB_HOSTS "${HOSTS[*]}"
	v LAB_REALM "$REALM"
	v LAB_DOMAIN "$DNSDOM"
	v LAB_NETBIOS_DOMAIN "$NBDOM"
	v LAB_ADMIN_USER Administrator
	v LAB_ADMIN_PRINCIPAL "Administrator@$REALM"
	v LAB_ADMIN_PASS_FILE "$D/admin.pass"
	v LAB_SITE1 "$SITE1"
	v LAB_SITE2 "$SITE2"
	v LAB_SUBNET1 "$NET1"
	v LAB_SUBNET2 "$NET2"
	v BR_NS "$P-br"
	for h in "${HOSTS[@]}"; do
		H=${h^^}
		v "${H}_IP" "${IP[$h]}"
		v "${H}_NS" "$P-$h"
		v "${H}_FQDN" "$(fqdn "$h")"
	done
	v LAB2_REALM "$F2_REALM"
	v LAB2_DOMAIN "$F2_DNSDOM"
	v LAB2_NETBIOS_DOMAIN "$F2_NBDOM"
	v DC2_IP "${IP[dc2]}"
	v DC2_NS "$P-dc2"
	v DC2_FQDN "$(fqdn dc2)"
	v DC2_CONF "$(dc_conf dc2)"
	v DC2_KRB5_CONFIG "$D/dc2/private/krb5.conf"
	v LAB2_UP "$(ns_exists "$P-dc2" && echo 1 || echo 0)"
	v DC1_SITE "$SITE1"
	v DCB_SITE "$SITE2"
	v CLI_SITE "$SITE2"
	v WS1_SITE "$SITE1"
	v DC1_CONF "$(dc_conf dc1)"
	v DCB_CONF "$(dc_conf dcb)"
	v DC1_KRB5_CONFIG "$D/dc1/private/krb5.conf"
	v DCB_KRB5_CONFIG "$D/dcb/private/krb5.conf"
	v WS1_CONF "$D/ws1/smb.conf"
	v WS1_KEYTAB "$D/ws1/krb5.keytab"
	v WS1_KRB5_CONFIG "$D/ws1/krb5.conf"
	v WS1_MACHINE 'WS1$'
	v WS1_LOCAL_ADMIN root
	v WS1_LOCAL_PASS_FILE "$D/ws1/root.pass"
	v CLI_KRB5_CONFIG "$D/cli/krb5.conf"
	v JUNK_GARBAGE_IP "${IP[junk]}"
	v JUNK_BADBLOB_IP "$JUNK_BADBLOB_IP"
	v JUNK_TRUNC_IP "$JUNK_TRUNC_IP"
}

cmd_status() {
	local h ns state out
	need_root
	if ! ns_exists "$P-br"; then
		echo "lab $P: down (no namespace $P-br)"
		[ -d "$D" ] && echo "  stale state dir: $D"
		return 3
	fi
	echo "lab $P: up, state $D"
	for h in "${HOSTS[@]}"; do
		ns=$P-$h
		if ! ns_exists "$ns"; then
			printf '  %-5s %-15s namespace missing\n' "$h" "${IP[$h]}"
			continue
		fi
		state=
		case $h in
		dc1 | dcb)
			if pid_alive "$h" "$D/$h/pid/samba.pid"; then
				state="samba pid $(cat "$D/$h/pid/samba.pid")"
				if out=$(hx cli "$PY" "$TOOL" cldap "${IP[$h]}" --timeout 1 2>&1); then
					state+=", CLDAP from cli: $(echo "$out" | awk -F': ' '/^dns_host|^server_site|^client_site/ { printf "%s=%s ", $1, $2 }')"
				else
					state+=", CLDAP from cli: ${out//$'\n'/ }"
				fi
			else
				state="samba stopped"
			fi
			;;
		ws1)
			pid_alive ws1 "$D/ws1/pid/smbd.pid" && state="smbd up" || state="smbd stopped"
			pid_alive ws1 "$D/ws1/pid/winbindd.pid" && state+=", winbindd up" || state+=", winbindd stopped"
			if out=$(hx ws1 wbinfo -t 2>&1); then state+=", wbinfo -t ok"; else state+=", wbinfo -t FAILS"; fi
			;;
		junk)
			pid_alive junk "$D/junk/junk.pid" && state="responder up (.160 garbage .161 badblob .162 truncated)" ||
				state="responder stopped"
			;;
		cli) state="client" ;;
		esac
		[ "$(ip -n "$P-br" -br link show "v-$h" 2>/dev/null | awk '{print $2}')" = DOWN ] && state+=", UNPLUGGED"
		printf '  %-5s %-15s %s\n' "$h" "${IP[$h]}" "$state"
		if ip netns exec "$ns" nft list table inet nltlab >/dev/null 2>&1; then
			ip netns exec "$ns" nft list chain inet nltlab input |
				sed -n 's/.*dport \([0-9-]*\) \(.*\) comment "\([a-z]*\) \([a-z]*\) .*/        \3 \4\/\1/p'
		fi
	done
	if ns_exists "$P-dc2"; then
		if pid_alive dc2 "$D/dc2/pid/samba.pid"; then
			state="samba pid $(cat "$D/dc2/pid/samba.pid") ($F2_REALM)"
			if hx dc1 wbinfo --check-secret --domain="$F2_NBDOM" >/dev/null 2>&1; then
				state+=", dc1's trust secret for $F2_NBDOM ok"
			else
				state+=", dc1's trust secret for $F2_NBDOM FAILS"
			fi
		else
			state="samba stopped ($F2_REALM)"
		fi
		printf '  %-5s %-15s %s\n' dc2 "${IP[dc2]}" "$state"
	fi
	[ -f "$D/br/latency" ] && echo "  bridge: latency $(cat "$D/br/latency") ms each way"
	[ -f "$D/br/loss" ] && echo "  bridge: loss $(cat "$D/br/loss") %"
	return 0
}

# ------------------------------------------------------------ second forest

# samba-tool on dc1 with dc1's smb.conf; the trust commands also log in to dc2
st1() { hx dc1 samba-tool "$@" -s "$(dc_conf dc1)"; }

f2_trust_create() { # f2_trust_create local|both
	st1 domain trust create "$F2_DNSDOM" --type=forest --direction=both --create-location="$1" \
		--ipaddress="${IP[dc2]}" -U "$F2_NBDOM\\Administrator%$ADMIN_PASS" \
		--local-dc-ipaddress="${IP[dc1]}" --local-dc-username=Administrator \
		--local-dc-password="$ADMIN_PASS" --skip-validation
}

f2_trust_delete() { # f2_trust_delete local|both
	st1 domain trust delete "$F2_DNSDOM" --delete-location="$1" \
		--ipaddress="${IP[dc2]}" -U "$F2_NBDOM\\Administrator%$ADMIN_PASS" \
		--local-dc-ipaddress="${IP[dc1]}" --local-dc-username=Administrator \
		--local-dc-password="$ADMIN_PASS"
}

# dc1 must find OTHER.TEST's DC (winbindd's DsGetDcName: SRV, then CLDAP):
# a zone other.test on dc1 with dc2's records.  No DNS forwarder, so names
# the lab does not know still fail at once.
F2_SRV=("_ldap._tcp.dc._msdcs 389" "_ldap._tcp.pdc._msdcs 389" "_kerberos._tcp.dc._msdcs 88"
	"_ldap._tcp 389" "_kerberos._tcp 88" "_kerberos._udp 88" "_kpasswd._tcp 464" "_gc._tcp 3268")
f2_dns_on_dc1() {
	local r pids=() pid log=$D/dc2/log/dns-on-dc1.log
	st1 dns zonecreate "${IP[dc1]}" "$F2_DNSDOM" -U "Administrator%$ADMIN_PASS" >>"$log" 2>&1 ||
		fail_log "creating zone $F2_DNSDOM on dc1" "$log"
	for r in "@ A ${IP[dc2]}" "dc2 A ${IP[dc2]}"; do
		# shellcheck disable=SC2086
		st1 dns add "${IP[dc1]}" "$F2_DNSDOM" $r -U "Administrator%$ADMIN_PASS" >>"$log" 2>&1 &
		pids+=($!)
	done
	for r in "${F2_SRV[@]}"; do
		st1 dns add "${IP[dc1]}" "$F2_DNSDOM" "${r% *}" SRV "$(fqdn dc2) ${r#* } 0 100" \
			-U "Administrator%$ADMIN_PASS" >>"$log" 2>&1 &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || fail_log "adding dc2's records to dc1's DNS" "$log"
	done
}

f2_up() {
	local d=$D/dc2 opts out t
	lock
	t=$(now)
	ns_exists "$P-dc2" && f2_down
	say "forest2: building dc2 ($F2_REALM)"
	ip netns add "$P-dc2"
	ip netns exec "$P-dc2" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
		echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
	ip -n "$P-dc2" link set lo up
	ip -n "$P-br" link add v-dc2 type veth peer name eth0 netns "$P-dc2"
	ip -n "$P-br" link set v-dc2 master br0 up
	ip -n "$P-dc2" addr add "${IP[dc2]}/24" dev eth0
	ip -n "$P-dc2" link set eth0 up
	f2_forget_mac
	mkdir -p "/etc/netns/$P-dc2" "$d/run" "$d/log" "$d/pid" "$d/ntp_signd"
	chmod 0750 "$d/ntp_signd"
	printf '127.0.0.1 localhost\n%s %s dc2\n' "${IP[dc2]}" "$(fqdn dc2)" >"/etc/netns/$P-dc2/hosts"
	printf 'search %s\nnameserver %s\n' "$F2_DNSDOM" "${IP[dc2]}" >"/etc/netns/$P-dc2/resolv.conf"
	mapfile -t opts < <(dc_options dc2)
	hx dc2 samba-tool domain provision --realm="$F2_REALM" --domain="$F2_NBDOM" \
		--server-role=dc --dns-backend=SAMBA_INTERNAL --adminpass="$ADMIN_PASS" \
		--targetdir="$d" --host-name=dc2 --host-ip="${IP[dc2]}" "${opts[@]}" \
		>"$d/log/provision.log" 2>&1 || fail_log "provisioning dc2" "$d/log/provision.log"
	fix_dc_conf dc2
	dc_start dc2
	dc_wait dc2
	f2_dns_on_dc1
	# across the bridge, as winbindd on dc1 will see it
	out=$(hx dc1 "$PY" "$TOOL" cldap "${IP[dc2]}" --domain "$F2_DNSDOM" --timeout 2 2>&1) ||
		die "forest2: dc1 cannot CLDAP-ping dc2: $out"
	out=$(hx dc1 dig +short +time=1 +tries=1 "_ldap._tcp.dc._msdcs.$F2_DNSDOM" SRV 2>&1)
	[ -n "$out" ] || die "forest2: dc1 cannot resolve _ldap._tcp.dc._msdcs.$F2_DNSDOM"
	f2_trust_create both >"$d/log/trust.log" 2>&1 || fail_log "forest2: creating the trust" "$d/log/trust.log"
	say "forest2: up in $(elapsed "$t") s (dc2 ${IP[dc2]}, trust $REALM <-> $F2_REALM)"
}

f2_down() {
	local d=$D/dc2
	lock
	if ns_exists "$P-dc2" && pid_alive dc2 "$d/pid/samba.pid"; then
		f2_trust_delete both >>"$d/log/trust.log" 2>&1 ||
			f2_trust_delete local >>"$d/log/trust.log" 2>&1 || say "forest2: could not delete the trust on dc1"
	else
		# dc2 is gone: remove dc1's side alone (the remote part of the command fails)
		hx dc1 samba-tool domain trust delete "$F2_DNSDOM" --delete-location=local -s "$(dc_conf dc1)" \
			-U "Administrator%$ADMIN_PASS" >/dev/null 2>&1 || true
	fi
	st1 dns zonedelete "${IP[dc1]}" "$F2_DNSDOM" -U "Administrator%$ADMIN_PASS" >/dev/null 2>&1 || true
	if [ -d "$d" ]; then dc_stop dc2; fi
	local pids
	if ns_exists "$P-dc2"; then
		# shellcheck disable=SC2207
		pids=($(ip netns pids "$P-dc2" 2>/dev/null || true))
		kill_pids 3 "${pids[@]}"
		ip netns del "$P-dc2"
	fi
	f2_forget_mac
	rm -rf "/etc/netns/${P:?}-dc2" "$d"
	say "forest2: down"
}

# A dc2 of an earlier forest2 up had another MAC: a neighbour entry for
# its address (REACHABLE, STALE or FAILED) would keep dc1 from reaching the
# new one for a while (seen: CLDAP timeouts right after forest2 down + up).
f2_forget_mac() {
	local h
	for h in "${HOSTS[@]}"; do
		ip -n "$P-$h" neigh flush to "${IP[dc2]}" 2>/dev/null || true
	done
}

f2_need() { ns_exists "$P-dc2" || die "forest2 is not up; run: lab.sh forest2 up"; }

# dc1's trusted domain object gets new secrets; dc2 keeps the old ones:
# dc1's channel to OTHER now uses a password dc2 does not know.
f2_break() {
	local d=$D/dc2
	f2_need
	lock
	# create --create-location=local asks for the incoming and outgoing
	# passwords (each twice) on stdin: two that dc2 never saw.  Samba 4.17's
	# samba-tool then fails in its clean-up (UnboundLocalError
	# remote_tdo_handle) after the local object was made: check the object.
	{
		f2_trust_delete local || return 1
		printf '%s\n' Nlt-F2.Broken-In Nlt-F2.Broken-In Nlt-F2.Broken-Out Nlt-F2.Broken-Out |
			f2_trust_create local || true
		st1 domain trust show "$F2_DNSDOM" --local-dc-username=Administrator \
			--local-dc-password="$ADMIN_PASS"
	} >>"$d/log/trust.log" 2>&1 ||
		fail_log "forest2 break" "$d/log/trust.log"
	say "forest2: trust secret broken on dc1's side"
}

f2_heal() {
	local d=$D/dc2
	f2_need
	lock
	# each side's object deleted on its own DC (either may be missing after
	# a half-done break), then one create for both
	{
		hx dc1 samba-tool domain trust delete "$F2_DNSDOM" --delete-location=local -s "$(dc_conf dc1)" \
			-U "Administrator%$ADMIN_PASS" || true
		hx dc2 samba-tool domain trust delete "$DNSDOM" --delete-location=local -s "$(dc_conf dc2)" \
			-U "Administrator%$ADMIN_PASS" || true
		f2_trust_create both
	} >>"$d/log/trust.log" 2>&1 ||
		fail_log "forest2 heal" "$d/log/trust.log"
	say "forest2: trust recreated on both sides"
}

# ------------------------------------------------------------------- main

# ------------------------------------------------------------------ fleet members

mem_ip() { printf '198.18.0.%d' $((200 + 10#${1#m})); }

# mem_prepare H: namespace, bridge port, /etc/netns files, state dir and smb.conf (ws1's, renamed)
mem_prepare() {
	local h=$1 d=$D/$1 nb
	nb=$(printf '%s' "$h" | tr '[:lower:]' '[:upper:]')
	ip netns add "$P-$h"
	ip netns exec "$P-$h" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6'
	ip -n "$P-$h" link set lo up
	ip -n "$P-br" link add "v-$h" type veth peer name eth0 netns "$P-$h"
	ip -n "$P-br" link set "v-$h" master br0 up
	ip -n "$P-$h" addr add "$(mem_ip "$h")/24" dev eth0
	ip -n "$P-$h" link set eth0 up
	mkdir -p "/etc/netns/$P-$h" "$d/run" "$d/log"
	printf '127.0.0.1 localhost\n%s %s %s\n' "$(mem_ip "$h")" "$(fqdn "$h")" "$h" >"/etc/netns/$P-$h/hosts"
	resolv "$h" "${IP[dc1]}" "${IP[dcb]}"
	cp "/etc/netns/$P-ws1/passwd" "/etc/netns/$P-ws1/group" "/etc/netns/$P-$h/"
	mkdir -p "$d/pid" "$d/lock" "$d/state" "$d/cache" "$d/private" "$d/ncalrpc" "$d/usershares" "$d/share"
	chmod 0700 "$d/private"
	sed -e "s#$D/ws1/#$d/#g" -e "s#$D/ws1\$#$d#" -e "s#netbios name = WS1#netbios name = $nb#" \
		"$D/ws1/smb.conf" >"$d/smb.conf"
	{ mk_krb5_conf && printf '\tdefault_keytab_name = FILE:%s\n' "$d/krb5.keytab"; } >"$d/krb5.conf"
}

mem_join() {
	local h=$1 d=$D/$1 try
	for try in 1 2 3 4; do
		hx "$h" net ads join -s "$d/smb.conf" -S "$(fqdn dc1)" -U "Administrator%$ADMIN_PASS" \
			>>"$d/log/join.log" 2>&1 && break
		[ "$try" -lt 4 ] || return 1
		sleep 1
	done
	[ -s "$d/krb5.keytab" ] || hx "$h" net ads keytab create -s "$d/smb.conf" -P >>"$d/log/join.log" 2>&1 || return 1
	printf '%s\n%s\n' "$WS1_ROOT_PASS" "$WS1_ROOT_PASS" | hx "$h" smbpasswd -c "$d/smb.conf" -s -a root \
		>>"$d/log/join.log" 2>&1 || return 1
	hx "$h" smbd -D -s "$d/smb.conf" >>"$d/log/daemons.out" 2>&1 || return 1
	hx "$h" winbindd -D -s "$d/smb.conf" >>"$d/log/daemons.out" 2>&1 || return 1
}

cmd_members_up() {
	local n=${1:-16} i h pids=() t0 failed=0 deadline
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$MEMBERS_MAX" ] || die "members up: N is 1 to $MEMBERS_MAX"
	t0=$(now)
	for i in $(seq 1 "$n"); do
		h=$(printf 'm%02d' "$i")
		ns_exists "$P-$h" && continue
		mem_prepare "$h"
	done
	# joins eight at a time (a DC takes a burst of joins, not sixteen at once)
	for i in $(seq 1 "$n"); do
		h=$(printf 'm%02d' "$i")
		pid_alive "$h" "$D/$h/pid/smbd.pid" && continue
		mem_join "$h" &
		pids+=($!)
		if [ "${#pids[@]}" -ge 8 ]; then
			for p in "${pids[@]}"; do wait "$p" || failed=1; done
			pids=()
		fi
	done
	for p in "${pids[@]}"; do wait "$p" || failed=1; done
	[ "$failed" -eq 0 ] || die "members up: a join or a daemon failed (see $D/mNN/log/join.log, daemons.out)"
	deadline=$(($(date +%s) + WAIT))
	for i in $(seq 1 "$n"); do
		h=$(printf 'm%02d' "$i")
		until hx "$h" "$PY" "$TOOL" port "$(mem_ip "$h")" 445 >/dev/null 2>&1; do
			[ "$(date +%s)" -lt "$deadline" ] || die "members up: $h's smbd does not answer on 445"
			sleep 0.2
		done
	done
	say "members up: $n joined member(s) m01..$(printf 'm%02d' "$n") in $(elapsed "$t0") s"
}

cmd_members_down() {
	local i h
	for i in $(seq 1 "$MEMBERS_MAX"); do
		h=$(printf 'm%02d' "$i")
		ns_exists "$P-$h" || continue
		stop_daemons "$h" "$D/$h/pid/winbindd.pid" "$D/$h/pid/smbd.pid"
		hx dc1 samba-tool computer delete "$(printf '%s' "$h" | tr '[:lower:]' '[:upper:]')" -s "$(dc_conf dc1)" \
			>/dev/null 2>&1 || true
		ip netns pids "$P-$h" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip -n "$P-br" link del "v-$h" 2>/dev/null || true
		ip netns del "$P-$h"
		rm -rf "/etc/netns/${P:?}-$h" "${D:?}/$h"
	done
}

main() {
	local cmd=${1:-help}
	[ $# -gt 0 ] && shift
	case $cmd in
	up)
		case ${1:-} in
		--with-forest2) NLT_LAB_FOREST2=1 ;;
		'') ;;
		*) die "usage: up [--with-forest2]" ;;
		esac
		cmd_up
		if [ "${NLT_LAB_FOREST2:-0}" = 1 ]; then
			f2_up
		fi
		;;
	forest2)
		need_root
		need_up
		case ${1:-} in
		up) f2_up ;;
		down) f2_down ;;
		break) f2_break ;;
		heal) f2_heal ;;
		*) die "usage: forest2 up|down|break|heal" ;;
		esac
		;;
	members)
		need_root
		need_up
		lock
		case ${1:-} in
		up) cmd_members_up "${2:-16}" ;;
		down) cmd_members_down ;;
		*) die "usage: members up [N] | members down" ;;
		esac
		;;
	_up)
		need_root
		internal_up "$1"
		;;
	down) cmd_down ;;
	status) cmd_status ;;
	env) cmd_env ;;
	exec)
		[ $# -ge 2 ] || die "usage: exec HOST CMD..."
		need_root
		check_host "$1"
		need_up
		hx "$@"
		;;
	stop | start)
		need_root
		"cmd_$cmd" "$@"
		;;
	block | reject)
		[ $# -eq 3 ] || die "usage: $cmd HOST tcp|udp PORT"
		need_root
		cmd_block "$cmd" "$@"
		;;
	unblock)
		[ $# -ge 2 ] || die "usage: unblock HOST tcp|udp PORT  |  unblock HOST all"
		need_root
		cmd_unblock "$@"
		;;
	plug | unplug)
		[ $# -eq 1 ] || die "usage: $cmd HOST"
		need_root
		cmd_plug "$cmd" "$1"
		;;
	latency)
		need_root
		cmd_latency "$@"
		;;
	ws1-smb)
		need_root
		cmd_ws1_smb "$@"
		;;
	loss)
		need_root
		cmd_loss "$@"
		;;
	ping)
		[ $# -ge 2 ] || die "usage: ping HOST IP [COUNT]"
		need_root
		check_host "$1"
		need_up
		hx "$1" "$PY" "$TOOL" ping "$2" --count "${3:-5}"
		;;
	cldap)
		[ $# -ge 2 ] || die "usage: cldap HOST IP [labtool cldap options]"
		need_root
		check_host "$1"
		need_up
		hx "$1" "$PY" "$TOOL" cldap "${@:2}"
		;;
	help | -h | --help) usage ;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

main "$@"
