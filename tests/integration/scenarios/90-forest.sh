# tests/integration/scenarios/90-forest.sh - NetrLogonControl2Ex against a real secure channel:
# dc1's channel to the second forest (OTHER.TEST, `lab.sh forest2`), the peer REMOTE.md and
# LAB.md name (a Samba member serves no \PIPE\netlogon).  The second forest is brought up here
# (about 10 s) and taken down at the end unless it was already up.
#
# What runs, and through what:
# - tests/unit/test_lc2ex_lab (our codec, src/rpc/netlogon.c's nl_logon_control2ex and the judge of
#   src/trust/trust_remote.c) on an unauthenticated ncacn_ip_tcp binding: QUERY levels 1 and 3 answer;
#   TC_QUERY/TC_VERIFY are refused with WERR_ACCESS_DENIED and the judge says so (exit 5).
# - TC_QUERY/TC_VERIFY need an administrator: over TCP our RPC client has only schannel (a machine
#   is no administrator either), so the administrator's calls go through Samba's own client
#   (tests/lab/lc2ex.py, NTLM and Kerberos) and our judge is fed its answers (test_lc2ex_lab's
#   judge mode), until `verify --target` asks over the SMB pipe itself.
# - The break is checked independently of NetrLogonControl2Ex: `wbinfo --check-secret` on dc1.
#
# healthy -> 0; trust secret broken on dc1's side: TC_QUERY still OK, TC_VERIFY
# WRONG_PASSWORD (1323) with 0x80 -> exit 1; healed -> 0.

lc2ex_prog=${NLT_LC2EX_PROG:-$top_builddir/tests/unit/test_lc2ex_lab}
[ -x "$lc2ex_prog" ] || lc2ex_prog=$(dirname "$bin")/tests/unit/test_lc2ex_lab
f2_mine=0
if [ ! -x "$lc2ex_prog" ]; then
	ok "# SKIP forest trust: tests/unit/test_lc2ex_lab is not built"
elif [ "${LAB2_UP:-0}" != 1 ] && ! "$lab" forest2 up > "$NLT_LAB_DIR.forest2.log" 2>&1; then
	bad "lab.sh forest2 up (second forest OTHER.TEST with a forest trust)"
	tail -n 20 "$NLT_LAB_DIR.forest2.log" | diag
	"$lab" forest2 down >/dev/null 2>&1
else
	[ "${LAB2_UP:-0}" = 1 ] || f2_mine=1
	[ "$f2_mine" = 1 ] && echo "# $(tail -n 1 "$NLT_LAB_DIR.forest2.log" | sed 's/^lab: //')"
	eval "$("$lab" env)"
	kv() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
	# lc_run [VAR=VALUE...]: test_lc2ex_lab from cli against dc1
	lc_run() {
		local ef; ef=$(mktemp)
		out=$("$lab" exec cli env NLT_LC2EX_HOST="$DC1_FQDN" NLT_LC2EX_ADDR="$DC1_IP" \
			NLT_LC2EX_DOMAIN="$LAB2_DOMAIN" "$@" "$lc2ex_prog" 2>"$ef"); rc=$?
		err=$(cat "$ef"); rm -f "$ef"
	}
	# adm FUNCTION: dc1 asked by LAB\Administrator through Samba's client over NTLM; JSON in $out
	adm() {
		out=$("$lab" exec dc1 "$LAB_PYTHON" "$top_srcdir/tests/lab/lc2ex.py" "$DC1_IP" "$1" 2 "$LAB2_DOMAIN" \
			--user "$LAB_NETBIOS_DOMAIN\\Administrator" --password-file "$LAB_ADMIN_PASS_FILE" 2>/dev/null); rc=$?
	}
	# adm_krb FUNCTION: the same over Kerberos (a UPN and the DC's name: NTLM is not allowed)
	adm_krb() {
		out=$("$lab" exec dc1 "$LAB_PYTHON" "$top_srcdir/tests/lab/lc2ex.py" "$DC1_FQDN" "$1" 2 "$LAB2_DOMAIN" \
			--user "Administrator@$LAB_REALM" --password-file "$LAB_ADMIN_PASS_FILE" --kerberos 2>/dev/null); rc=$?
	}
	# call_spec: "WERROR FLAGS PDC TC" from lc2ex.py's JSON in $out, "none" when it got no answer;
	# call_dc: the trusted DC the answer named (the judge's fifth word: "healthy" needs a DC named)
	call_spec() {
		[ "$rc" -eq 0 ] || { echo none; return; }
		jget '" ".join(str(j.get(k, 0)) for k in ("werror", "flags", "pdc_connection_status", "tc_connection_status"))'
	}
	call_dc() { [ "$rc" -eq 0 ] && jget 'j.get("trusted_dc_name") or ""'; }
	# judge_admin: TC_QUERY and TC_VERIFY as the administrator (NTLM), then our judge on them
	q_spec=; v_spec=
	judge_admin() {
		adm TC_QUERY; q_spec=$(call_spec); q_dc=$(call_dc); q_json=$out
		adm TC_VERIFY; v_spec=$(call_spec); v_dc=$(call_dc); v_json=$out
		lc_run NLT_LC2EX_QUERY="$q_spec${q_dc:+ $q_dc}" NLT_LC2EX_VERIFY="$v_spec${v_dc:+ $v_dc}"
	}
	check_secret() { "$lab" exec dc1 wbinfo --check-secret --domain="$LAB2_NETBIOS_DOMAIN" >/dev/null 2>&1; }

	# ---- unauthenticated, with our own client -------------------------------------------
	lc_run
	check "unauthenticated: QUERY level 1 and 3 answered (WERR_OK) over ncacn_ip_tcp, one connection" \
		eval '[ "$(kv query1_werror)" = 0 ] && [ "$(kv query3_werror)" = 0 ] && kv calls | grep -q "connects=1"'
	check "unauthenticated: TC_QUERY and TC_VERIFY refused with 5 (WERR_ACCESS_DENIED)" \
		eval '[ "$(kv tc_query_werror)" = 5 ] && [ "$(kv tc_verify_werror)" = 5 ]'
	check "unauthenticated: the judge names the access error (not an administrator), inconclusive, exit 5" \
		eval '[ "$(kv verdict)" = inconclusive ] && [ "$(kv exit)" = 5 ] &&
		      kv summary | grep -q "5 ERROR_ACCESS_DENIED" && kv summary | grep -q "not an administrator"'
	[ "$(kv exit)" = 5 ] || show

	# ---- healthy --------------------------------------------------------------------------
	check "healthy: wbinfo --check-secret on dc1 for OTHER succeeds" check_secret
	judge_admin
	check "healthy: TC_QUERY as administrator: WERR_OK, flags 0x30, tc_connection_status 0 (\\\\dc2.other.test)" \
		test "$q_spec" = "0 48 0 0"
	check "healthy: TC_VERIFY as administrator: WERR_OK, flags 0xb0 (VERIFY_STATUS_RETURNED), statuses 0" \
		test "$v_spec" = "0 176 0 0"
	check "healthy: the judge says healthy (exit 0)" eval '[ "$rc" -eq 0 ] && [ "$(kv verdict)" = healthy ]'
	[ "$rc" -eq 0 ] || show
	adm_krb TC_VERIFY
	check "healthy over Kerberos too: TC_VERIFY flags 0xb0, verification 0" test "$(call_spec)" = "0 176 0 0"
	[ "$(call_spec)" = "0 176 0 0" ] || show

	# ---- broken on dc1's side -------------------------------------------------------------
	if "$lab" forest2 break >/dev/null 2>&1; then
		# first, before anything makes dc1's winbindd reconnect: the cached channel
		judge_admin
		check "broken: TC_QUERY still reports the channel OK (0x30, statuses 0): the trap" \
			test "$q_spec" = "0 48 0 0"
		check "broken: TC_VERIFY: flags 0xb0, verification result 1323 (WRONG_PASSWORD)" \
			test "$v_spec" = "0 176 1323 0"
		check "broken: the judge says broken, names 1323 ERROR_WRONG_PASSWORD, exit 1" \
			eval '[ "$rc" -eq 1 ] && [ "$(kv verdict)" = broken ] && kv summary | grep -q "1323 ERROR_WRONG_PASSWORD"'
		[ "$rc" -eq 1 ] || { show; echo "# TC_QUERY $q_json"; echo "# TC_VERIFY $v_json"; }
		check "broken: the judge notes that TC_QUERY still says OK" \
			eval 'kv finding | grep -q "TC_QUERY still reports the channel OK"'
		adm_krb TC_VERIFY
		check "broken over Kerberos: TC_VERIFY flags 0xb0 with a failed verification" \
			eval 'set -- $(call_spec); [ "$1" = 0 ] && [ "$2" = 176 ] && [ "$3" != 0 ]'
		# the independent check; its failed reconnect is what TC_QUERY shows from now on
		check "broken: wbinfo --check-secret on dc1 for OTHER fails" eval '! check_secret'
		judge_admin
		check "broken, after a reconnect: TC_QUERY tc_connection_status 5; the judge: broken, 5 ERROR_ACCESS_DENIED named" \
			eval 'set -- $q_spec; [ "$4" = 5 ] && [ "$rc" -eq 1 ] && [ "$(kv verdict)" = broken ] &&
			      kv summary | grep -q "5 ERROR_ACCESS_DENIED"'
		[ "$rc" -eq 1 ] || { show; echo "# TC_QUERY $q_json"; echo "# TC_VERIFY $v_json"; }
		# TC_QUERY alone (TC_VERIFY unanswered) is never healthy, whatever it says
		lc_run NLT_LC2EX_QUERY="0 48 0 0" NLT_LC2EX_VERIFY="none"
		check "TC_QUERY OK alone (TC_VERIFY unanswered) is not healthy (exit != 0)" \
			eval '[ "$rc" -ne 0 ] && [ "$(kv verdict)" = inconclusive ]'
		lc_run
		check "broken, unauthenticated: still the access error (exit 5), never healthy" test "$(kv exit)" = 5
	else
		bad "lab.sh forest2 break"
	fi

	# ---- healed ---------------------------------------------------------------------------
	if "$lab" forest2 heal >/dev/null 2>&1; then
		check "healed: wbinfo --check-secret on dc1 for OTHER succeeds again" check_secret
		judge_admin
		check "healed: TC_VERIFY 0xb0, verification 0; the judge says healthy (exit 0)" \
			eval '[ "$v_spec" = "0 176 0 0" ] && [ "$rc" -eq 0 ] && [ "$(kv verdict)" = healthy ]'
		[ "$rc" -eq 0 ] || show
	else
		bad "lab.sh forest2 heal"
	fi

	if [ "$f2_mine" = 1 ]; then
		"$lab" forest2 down >/dev/null 2>&1
		check "lab.sh forest2 down leaves no dc2 namespace" eval '! ip netns list | grep -qw "$DC2_NS"'
		eval "$("$lab" env)"
	fi
fi
