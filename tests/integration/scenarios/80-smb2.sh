# tests/integration/scenarios/80-smb2.sh - the SMB2/3 client (src/rpc/smb2c.c) against ws1's smbd
# and dc1, through tests/unit/test_smb2_lab (built by make check; it prints key=value lines).
#
# A Kerberos ticket for the domain Administrator (kinit in cli's namespace, private ccache):
# NEGOTIATE 3.1.1, SESSION_SETUP over SPNEGO, the final answer's signature verified, TREE_CONNECT
# IPC$ + CREATE \PIPE\srvsvc (or lsarpc) compounded, a DCE/RPC bind through FSCTL_PIPE_TRANSCEIVE,
# CLOSE, LOGOFF; every answer signed and verified, or encrypted when forced.  Then a relay in the
# middle flips one bit of one server frame: the client must refuse (exit 6), never carry on.

smb2_prog=${NLT_SMB2_PROG:-$top_builddir/tests/unit/test_smb2_lab}
[ -x "$smb2_prog" ] || smb2_prog=$(dirname "$bin")/tests/unit/test_smb2_lab
if [ ! -x "$smb2_prog" ]; then
	ok "# SKIP SMB2 client: tests/unit/test_smb2_lab is not built"
else
	smb2_cc=$(mktemp -u /tmp/nltrust-smb2-cc.XXXXXX)
	"$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="FILE:$smb2_cc" \
		kinit "$LAB_ADMIN_PRINCIPAL" < "$LAB_ADMIN_PASS_FILE" >/dev/null 2>&1
	check "kinit as the domain Administrator in cli's namespace" test -s "$smb2_cc"
	# smb2_run HOST ADDR [VAR=VALUE...]: stdout -> $out, stderr -> $err, status -> $rc
	smb2_run() {
		local h=$1 a=$2 ef; shift 2; ef=$(mktemp)
		out=$("$lab" exec cli env KRB5_CONFIG="$CLI_KRB5_CONFIG" KRB5CCNAME="FILE:$smb2_cc" \
			NLT_SMB2_HOST="$h" NLT_SMB2_ADDR="$a" "$@" "$smb2_prog" 2>"$ef"); rc=$?
		err=$(cat "$ef"); rm -f "$ef"
	}
	kv() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }

	smb2_run "$WS1_FQDN" "$WS1_IP"
	check "ws1: 3.1.1, signed (final SESSION_SETUP verified), IPC\$ + srvsvc, bind accepted, logoff" \
		eval '[ "$rc" -eq 0 ] && [ "$(kv dialect)" = 0x0311 ] && [ "$(kv setup_signed_ok)" = 1 ] &&
		      [ "$(kv bind_ack_result)" = 0 ] && [ "$(kv responses_signed_ok)" -ge 4 ] && [ "$(kv responses_decrypted)" = 0 ] &&
		      [ "$(kv encrypt)" = 0 ] && printf "%s" "$out" | grep -qx ok'
	[ "$rc" -eq 0 ] || show
	echo "# ws1: cipher $(kv cipher) signing $(kv sign_alg) (0 HMAC, 1 CMAC, 2 GMAC)"
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_ENCRYPT=1 NLT_SMB2_PIPE=lsarpc
	check "ws1 encrypted: lsarpc bind through encrypted IOCTLs, every answer decrypted" \
		eval '[ "$rc" -eq 0 ] && [ "$(kv encrypt)" = 1 ] && [ "$(kv responses_decrypted)" -ge 3 ] &&
		      [ "$(kv bind_ack_result)" = 0 ] && printf "%s" "$out" | grep -qx ok'
	[ "$rc" -eq 0 ] || show
	# older dialects against the same smbd: 3.0.x = AES-CMAC + AES-128-CCM with the 3.0 KDF labels,
	# 2.x = HMAC-SHA256 with the session key and no encryption at all
	for smb2_d in 0302:1:1 0300:1:1 0210:0:0 0202:0:0; do
		smb2_max=${smb2_d%%:*}; smb2_sign=${smb2_d#*:}; smb2_sign=${smb2_sign%%:*}; smb2_ciph=${smb2_d##*:}
		smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_MAX_DIALECT=$smb2_max
		check "ws1 at most $smb2_max: dialect 0x$smb2_max, signing $smb2_sign, every answer verified, bind accepted" \
			eval '[ "$rc" -eq 0 ] && [ "$(kv dialect)" = 0x$smb2_max ] && [ "$(kv sign_alg)" = $smb2_sign ] &&
			      [ "$(kv cipher)" = $smb2_ciph ] && [ "$(kv responses_signed_ok)" -ge 4 ] && [ "$(kv bind_ack_result)" = 0 ]'
		[ "$rc" -eq 0 ] || show
	done
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_MAX_DIALECT=0302
	check "3.0.2: FSCTL_VALIDATE_NEGOTIATE_INFO after the tree connect matches the NEGOTIATE answer" \
		eval '[ "$rc" -eq 0 ] && [ "$(kv validated)" = 1 ]'
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_MAX_DIALECT=0302 NLT_SMB2_TAMPER="1:88:$CLI_IP"
	check "3.0.2, a flipped capability bit in the NEGOTIATE answer (no pre-auth hash): validate negotiate says tampered, exit 6" \
		eval '[ "$rc" -eq 6 ] && printf "%s" "$err" | grep -q "validate negotiate.*tampered"'
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_MAX_DIALECT=0300 NLT_SMB2_TAMPER="1:66:$CLI_IP"
	check "3.0, SIGNING_ENABLED cleared in the NEGOTIATE answer: validate negotiate says tampered, exit 6" \
		eval '[ "$rc" -eq 6 ] && printf "%s" "$err" | grep -q "validate negotiate.*tampered"'
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_MAX_DIALECT=0300 NLT_SMB2_ENCRYPT=1
	check "ws1 at 3.0 encrypted: AES-128-CCM both ways" \
		eval '[ "$rc" -eq 0 ] && [ "$(kv encrypt)" = 1 ] && [ "$(kv responses_decrypted)" -ge 3 ] && [ "$(kv bind_ack_result)" = 0 ]'
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_MAX_DIALECT=0210 NLT_SMB2_ENCRYPT=1
	check "encryption demanded on 2.1 (no cipher exists): refused, exit 6, never sent in the clear" \
		eval '[ "$rc" -eq 6 ] && printf "%s" "$err" | grep -q "encryption is required but no cipher"'
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_MAX_IO=16
	check "answers of at most 16 bytes: STATUS_BUFFER_OVERFLOW, then READs until the bind_ack (68 bytes) is whole" \
		eval '[ "$rc" -eq 0 ] && [ "$(kv reads)" -ge 3 ] && [ "$(kv bind_ack_len)" = 68 ] && [ "$(kv bind_ack_result)" = 0 ]'
	[ "$rc" -eq 0 ] || show
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_MAX_IO=16 NLT_SMB2_ENCRYPT=1
	check "... the same with every READ encrypted" \
		eval '[ "$rc" -eq 0 ] && [ "$(kv reads)" -ge 3 ] && [ "$(kv responses_decrypted)" -ge 6 ] && [ "$(kv bind_ack_result)" = 0 ]'
	smb2_run "$DC1_FQDN" "$DC1_IP"
	check "dc1 (Samba AD DC): the same exchange works" eval '[ "$rc" -eq 0 ] && [ "$(kv bind_ack_result)" = 0 ]'
	[ "$rc" -eq 0 ] || show

	# a man in the middle: frame 1 = NEGOTIATE answer, 2 = final SESSION_SETUP answer,
	# 3 = TREE_CONNECT+CREATE answers, 4 = IOCTL answer
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_TAMPER="1:40:$CLI_IP"
	check "a flipped bit in the NEGOTIATE answer (pre-auth hash): the final SESSION_SETUP signature fails, exit 6" \
		eval '[ "$rc" -eq 6 ] && printf "%s" "$err" | grep -q "final answer.s signature does not verify"'
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_TAMPER="2:14:$CLI_IP"
	check "a flipped bit in the final SESSION_SETUP answer: refused, exit 6" \
		eval '[ "$rc" -eq 6 ] && printf "%s" "$err" | grep -q "signature does not verify"'
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_TAMPER="3:76:$CLI_IP"
	check "a flipped bit in the TREE_CONNECT answer: the signature check refuses it, exit 6" \
		eval '[ "$rc" -eq 6 ] && printf "%s" "$err" | grep -q "tree connect.*signature does not verify"'
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_TAMPER="4:70:$CLI_IP"
	check "a flipped bit in the IOCTL (pipe) answer: refused, exit 6" \
		eval '[ "$rc" -eq 6 ] && printf "%s" "$err" | grep -q "ioctl.*signature does not verify"'
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_TAMPER="4:strip:$CLI_IP"
	check "an IOCTL answer stripped of SIGNED, SessionId and Signature: refused as unsigned, exit 6" \
		eval '[ "$rc" -eq 6 ] && printf "%s" "$err" | grep -q "ioctl.*unsigned answer"'
	smb2_run "$WS1_FQDN" "$WS1_IP" NLT_SMB2_ENCRYPT=1 NLT_SMB2_TAMPER="4:70:$CLI_IP"
	check "encrypted: a flipped bit in the IOCTL answer fails to decrypt, exit 6" \
		eval '[ "$rc" -eq 6 ] && printf "%s" "$err" | grep -q "failed to decrypt"'

	smb2_run "$WS1_FQDN" "$WS1_IP" KRB5CCNAME=FILE:/nonexistent/nltrust-smb2-cc
	check "no Kerberos credentials: exit 5 (auth), one line naming the peer" \
		eval '[ "$rc" -eq 5 ] && [ "$(printf "%s\n" "$err" | wc -l)" -eq 1 ] && printf "%s" "$err" | grep -q "ws1.lab.test"'
	"$lab" exec cli env KRB5CCNAME="FILE:$smb2_cc" kdestroy >/dev/null 2>&1; rm -f "$smb2_cc"
fi
