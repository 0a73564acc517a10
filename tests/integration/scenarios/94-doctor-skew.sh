# tests/integration/scenarios/94-doctor-skew.sh - issue 10's clock-skew root cause, for real: the
# lab's hosts share one kernel clock, so a skewed clock is made per process with libfaketime
# (Debian package faketime, in tools/install-deps.sh; FAKETIME="+20m" shifts CLOCK_REALTIME, and
# CLOCK_MONOTONIC by the same offset).
# - Local: nltrust itself runs 20 minutes ahead of the DCs, in ws1's namespace with ws1's keytab
#   (read-only: nothing is changed): verify, ping and doctor name clock skew (not a wrong password,
#   not healthy) and exit 1; doctor's root cause is this host's clock, once, on the DC it uses;
#   --fix changes nothing (not_fixable).  2 minutes ahead (under Kerberos' 5): healthy, exit 0.
# - Remote: ws1's smbd (and the samba-dcerpcd it starts, whose rpcd_classic answers srvsvc) is
#   restarted under libfaketime (+20m, then +2m); doctor --target ws1 reads the member's clock with
#   srvsvc NetrRemoteTOD and names "the member's clock differs from the domain's by +1200 s"; +2m is
#   not a cause.  ws1's winbindd is not skewed (a skewed winbindd fails `wbinfo -t`, which `lab.sh
#   start ws1` waits for, with NT_STATUS_LOGON_FAILURE).  ws1 is restarted normally at the end (a trap
#   as well) and its clock is checked to be back.
# Skipped with a message only when the library is missing.  Sourced by ../run.sh.

sk_lib=${NLT_FAKETIME_LIB:-}
if [ -z "$sk_lib" ]; then
	for sk_lib in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/*/faketime/libfaketime.so.1; do
		[ -r "$sk_lib" ] && break
	done
fi
if [ ! -r "$sk_lib" ]; then
	ok "# SKIP clock skew: libfaketime is missing ($sk_lib; apt-get install faketime, see tools/install-deps.sh)"
else
sk_dir=$(mktemp -d); chmod 700 "$sk_dir"
cp "$WS1_LOCAL_PASS_FILE" "$sk_dir/root.pw"; chmod 600 "$sk_dir/root.pw"
# ASan wants to be first in the link order; libfaketime preloaded comes before it
sk_asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
sk_ws1=(--target "$WS1_FQDN" --target-user 'WS1\root' --target-password-file "$sk_dir/root.pw"
	-U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE")
sk_schema() { printf '%s' "$out" | python3 "$top_srcdir/tests/check_json_schema.py" "$top_srcdir/doc/json" doctor >/dev/null 2>&1; }
sk_show() { echo "# exit $rc"; { jget 'j.get("diagnosis")' || printf '%s\n' "$out" | tail -n 25; } | fold -w 200 | diag
	printf '%s\n' "$err" | head -n 5 | diag; }
# sk_ws1_run FAKETIME ARGS...: nltrust in ws1's namespace, its clock shifted by FAKETIME
sk_ws1_run() {
	local ft=$1 ef; shift
	ef=$(mktemp)
	out=$("$lab" exec ws1 env LD_PRELOAD="$sk_lib" FAKETIME="$ft" ASAN_OPTIONS="$sk_asan" "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
# sk_cli_run ARGS...: nltrust in cli's namespace (the lab's krb5.conf), this host's clock unshifted
sk_cli_run() {
	local ef; ef=$(mktemp)
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" "$bin" "$@" 2>"$ef"); rc=$?
	err=$(cat "$ef"); rm -f "$ef"
}
# ws1's samba-dcerpcd (started on demand by smbd or winbindd): lab.sh stop does not stop it, and a
# running one keeps serving srvsvc with the clock it was started with.  By its pid file, in ws1's
# namespace only.
sk_stop_dcerpcd() {
	local p i
	p=$(tr -dc 0-9 <"$LAB_DIR/ws1/pid/samba-dcerpcd.pid" 2>/dev/null | head -c 10)
	[ -n "$p" ] && [ "$(ip netns identify "$p" 2>/dev/null)" = "$WS1_NS" ] || return 0
	kill "$p" 2>/dev/null
	for i in $(seq 30); do [ -d "/proc/$p" ] || return 0; sleep 0.1; done
	kill -9 "$p" 2>/dev/null
}
# sk_ws1_smbd [FAKETIME]: restart ws1's smbd, skewed by FAKETIME (none: normally), and winbindd normally
sk_ws1_smbd() {
	local i
	"$lab" stop ws1 >/dev/null 2>&1
	sk_stop_dcerpcd
	if [ -n "${1:-}" ]; then
		"$lab" exec ws1 env LD_PRELOAD="$sk_lib" FAKETIME="$1" smbd -D -s "$WS1_CONF" >/dev/null 2>&1 || return 1
		for i in $(seq 50); do
			"$lab" exec ws1 "$LAB_PYTHON" "$LAB_TOOL" port "$WS1_IP" 445 >/dev/null 2>&1 && break
			sleep 0.1
		done
		# a pipe opened now makes the skewed smbd start samba-dcerpcd (before winbindd would, unskewed)
		"$lab" exec cli "$bin" show-target --target-user 'WS1\root' --target-password-file "$sk_dir/root.pw" \
			"$WS1_FQDN" >/dev/null 2>&1
	fi
	"$lab" start ws1 >/dev/null 2>&1
}
sk_cleanup() {
	if [ -n "${sk_skewed:-}" ]; then sk_ws1_smbd; sk_skewed=; fi
	rm -rf "$sk_dir"
}
sk_prev_trap=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
trap "sk_cleanup; $sk_prev_trap" EXIT

# ---- local: this host 20 minutes ahead of the DCs ---------------------------------------------
sk_ws1_run +20m --json verify -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && [ "$(jget '(j["verdict"], j["kerberos"]["result"], j["kerberos"]["skew_s"] < -1100)')" = "('broken', 'clock_skew', True)" ] &&
   printf '%s' "$err" | grep -q "clock" && printf '%s\n%s' "$out" "$err" | grep -q "clock is 1[12][0-9][0-9] s ahead of" && ! printf '%s\n%s' "$out" "$err" | grep -qi "wrong password\|different password"; then
	ok "faketime +20m: verify exits 1 with Kerberos clock_skew (this host about 1200 s ahead), never a wrong password"
else bad "faketime +20m: verify"; show; fi
sk_ws1_run +20m --json ping "$LAB_DOMAIN"
check "faketime +20m: ping exits 1 and both DCs' clocks are about -1200 s, not ok" \
	eval '[ "$rc" -eq 1 ] && [ "$(jget "sorted((abs(d[\"clock\"][\"skew_ms\"] + 1200000) < 5000, d[\"clock\"][\"ok\"]) for d in j[\"dcs\"])")" = "[(True, False), (True, False)]" ]'
[ "$rc" -eq 1 ] || show
sk_ws1_run +20m --json doctor -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
if [ "$rc" -eq 1 ] && sk_schema &&
   [ "$(jget '(j["verdict"], j["healthy"], j["diagnosis"]["root"]["kind"], j["diagnosis"]["root"]["dc"])')" = "('broken', False, 'clock_skew', '$DC1_FQDN')" ] &&
   jget 'j["diagnosis"]["root"]["message"]' | grep -q "this host's clock is 1[12][0-9][0-9] s ahead of the domain's" &&
   [ "$(jget 'sum(c["kind"] == "clock_skew" for c in j["diagnosis"]["causes"])')" = 1 ] &&
   [ "$(jget 'sorted(set(c["kind"] for c in j["diagnosis"]["causes"]) & {"member_behind", "trust_broken", "member_secret_differs"})')" = "[]" ]; then
	ok "faketime +20m: doctor's root cause is this host's clock, 1200 s ahead of the domain's, once, on its DC; exit 1; schema-valid"
else bad "faketime +20m: doctor's root cause"; sk_show; fi
check "... and Netlogon's acceptance of the password is said (the password is fine)" \
	eval 'jget "j[\"diagnosis\"][\"root\"][\"message\"]" | grep -q "Netlogon, which does not depend on the clock, accepted it"'
sk_ws1_run +20m doctor -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
check "faketime +20m: doctor's text names clock_skew and nowhere sends the admin to -U (its Kerberos fails too)" \
	eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | grep -q "^Diagnosis: clock_skew (broken)" && ! printf "%s" "$out" | grep -q -- "-U"'
sk_sum=$(md5sum <"$WS1_KEYTAB")
sk_ws1_run +20m --json doctor --fix -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
check "faketime +20m: doctor --fix changes nothing (not_fixable, exit 1, keytab unchanged)" \
	eval '[ "$rc" -eq 1 ] && [ "$(jget "j[\"fix\"][\"outcome\"]")" = not_fixable ] && [ "$(md5sum <"$WS1_KEYTAB")" = "$sk_sum" ]'

# ---- local: 2 minutes ahead, under Kerberos' 5 ------------------------------------------------
sk_ws1_run +2m --json verify -K "$WS1_KEYTAB" -m WS1 "$LAB_DOMAIN"
check "faketime +2m: verify is healthy (exit 0)" eval '[ "$rc" -eq 0 ] && [ "$(jget "j[\"healthy\"]")" = True ]'
sk_ws1_run +2m --json ping "$LAB_DOMAIN"
check "faketime +2m: ping exits 0, both clocks about -120 s and ok" \
	eval '[ "$rc" -eq 0 ] && [ "$(jget "sorted((abs(d[\"clock\"][\"skew_ms\"] + 120000) < 5000, d[\"clock\"][\"ok\"]) for d in j[\"dcs\"])")" = "[(True, True), (True, True)]" ]'
sk_ws1_run +2m --json doctor -K "$WS1_KEYTAB" -m WS1 -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" "$LAB_DOMAIN"
if [ "$rc" -eq 0 ] && [ "$(jget '(j["verdict"], any(c["kind"] == "clock_skew" for c in j["diagnosis"]["causes"]))')" = "('healthy', False)" ]; then
	ok "faketime +2m: doctor is healthy, exit 0, no clock_skew cause"
else bad "faketime +2m: doctor"; sk_show; fi

# ---- remote: the member's clock (srvsvc NetrRemoteTOD) ----------------------------------------
sk_cli_run --json doctor "${sk_ws1[@]}"
if sk_schema && [ "$(jget '(j["target"]["clock"]["state"], abs(j["target"]["clock"]["offset_ms"]) < 2000, any(c["kind"] == "clock_skew" for c in j["diagnosis"]["causes"]))')" = "('ran', True, False)" ]; then
	ok "doctor --target ws1: its clock is read (NetrRemoteTOD) and agrees with this host's; no clock_skew"
else bad "doctor --target ws1: its clock"; sk_show; fi
"$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="FILE:$sk_dir/adm.cc" kinit "$LAB_ADMIN_PRINCIPAL" \
	<"$LAB_ADMIN_PASS_FILE" >/dev/null 2>&1
out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="FILE:$sk_dir/adm.cc" "$bin" doctor --target "$WS1_FQDN" -C 2>&1); rc=$?
check "doctor --target ws1 -C (Kerberos) logs on while the clocks agree (no refusal)" \
	eval '! printf "%s" "$out" | grep -q "logon failure\|its clock is"'
sk_skewed=1
if sk_ws1_smbd +20m; then
	sk_cli_run --json doctor "${sk_ws1[@]}"
	if [ "$rc" -eq 1 ] && sk_schema &&
	   [ "$(jget '(j["verdict"], j["diagnosis"]["root"]["kind"], abs(j["target"]["clock"]["offset_ms"] - 1200000) < 3000)')" = "('broken', 'clock_skew', True)" ] &&
	   jget 'j["diagnosis"]["root"]["message"]' | grep -q "the member's clock differs from the domain's by +1[12][0-9][0-9] s"; then
		ok "ws1's smbd at +20m: doctor --target names 'the member's clock differs from the domain's by +1200 s', exit 1"
	else bad "ws1's smbd at +20m: doctor --target"; sk_show; fi
	check "... the member's Kerberos is said to fail, its NTLM-based channel may still work" \
		eval 'jget "j[\"diagnosis\"][\"root\"][\"message\"]" | grep -q "cannot use Kerberos.*NTLM-based"'
	sk_cli_run doctor "${sk_ws1[@]}"
	check "... the text report: 'Diagnosis: clock_skew (broken)' and the clock step (+1200 s against this host's)" \
		eval '[ "$rc" -eq 1 ] && printf "%s" "$out" | grep -q "^Diagnosis: clock_skew (broken)" && printf "%s" "$out" | grep -q "^  clock .*+1[12][0-9][0-9]\.[0-9] s"'
	# a Kerberos logon (-C) to the skewed member is refused (LOGON_FAILURE, nothing about the clock):
	# the error adds the member's clock from its SMB2 NEGOTIATE answer
	out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="FILE:$sk_dir/adm.cc" \
		"$bin" doctor --target "$WS1_FQDN" -C 2>&1); rc=$?
	check "... a Kerberos logon to it is refused (exit 5) and the error says its clock is 1200 s ahead of this host's" \
		eval '[ "$rc" -eq 5 ] && printf "%s" "$out" | grep -q "its clock is 1[12][0-9][0-9] s ahead of this host.s (its SMB2 NEGOTIATE answer)"'
	[ "$rc" -eq 5 ] || show
	# every --target command logs on through target_open: verify --target and show-target say the same
	for sk_cmd in "verify --target" "show-target"; do
		# shellcheck disable=SC2086 # the command's words
		out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="FILE:$sk_dir/adm.cc" \
			"$bin" $sk_cmd "$WS1_FQDN" -C 2>&1); rc=$?
		check "... $sk_cmd -C: refused (exit 5) and the error names ws1's clock 1200 s ahead" \
			eval '[ "$rc" -eq 5 ] && printf "%s" "$out" | grep -q "its clock is 1[12][0-9][0-9] s ahead of this host.s (its SMB2 NEGOTIATE answer)"'
		[ "$rc" -eq 5 ] || show
	done
else
	bad "ws1's smbd could not be restarted under libfaketime (+20m)"
fi
if sk_ws1_smbd +2m; then
	sk_cli_run --json doctor "${sk_ws1[@]}"
	check "ws1's smbd at +2m: read (about +120 s) and not a cause" \
		eval '[ "$(jget "(abs(j[\"target\"][\"clock\"][\"offset_ms\"] - 120000) < 3000, any(c[\"kind\"] == \"clock_skew\" for c in j[\"diagnosis\"][\"causes\"]))")" = "(True, False)" ]'
	[ "$(jget 'j["diagnosis"]["root"]["kind"]')" != clock_skew ] || sk_show
else
	bad "ws1's smbd could not be restarted under libfaketime (+2m)"
fi
sk_ws1_smbd; sk_skewed=
sk_cli_run --json doctor "${sk_ws1[@]}"
check "ws1 restarted normally: winbind answers (lab.sh start waited for wbinfo -t) and its clock agrees again" \
	eval '[ "$(jget "abs(j[\"target\"][\"clock\"][\"offset_ms\"]) < 2000")" = True ]'
rm -rf "$sk_dir"
if [ -n "$sk_prev_trap" ]; then trap "$sk_prev_trap" EXIT; else trap - EXIT; fi
fi
