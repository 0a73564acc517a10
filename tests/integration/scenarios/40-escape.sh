# tests/integration/scenarios/40-escape.sh - server text with terminal escapes.
#
# A computer object whose operatingSystem, dNSHostName and servicePrincipalName
# carry OSC set-title (ESC ] 0;pwned BEL), clear-screen (ESC [2J), colour
# sequences, a C1 CSI in UTF-8 (c2 9b) and DEL, written over LDAPS by the administrator.  show-computer's text and
# its one-line error must show them escaped (\x1b ...) with no raw ESC or BEL
# byte; --json carries the exact values, escaped by JSON.

esc_pw=$(mktemp); tr -d '\n' < "$LAB_ADMIN_PASS_FILE" > "$esc_pw"
esc_b64() { printf "$1" | base64 -w0; }
esc_os='Win\033]0;pwned\007 10\033[2J\302\233\177'
esc_dns='nlte1\033[31m.lab.test'
esc_spn='HOST/nlte1\033]0;pwned\007'
st computer delete NLTE1; st computer create NLTE1
# enabled, AES, a password set: the first finding is then the hostile dNSHostName's
printf 'dn: CN=NLTE1,CN=Computers,%s\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 4096\n-\nreplace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24\n-\nreplace: pwdLastSet\npwdLastSet: -1\n-\nreplace: operatingSystem\noperatingSystem:: %s\n-\nreplace: dNSHostName\ndNSHostName:: %s\n-\nreplace: servicePrincipalName\nservicePrincipalName:: %s\n-\n' \
	"DC=$(printf '%s' "$LAB_DOMAIN" | sed 's/\./,DC=/g')" "$(esc_b64 "$esc_os")" "$(esc_b64 "$esc_dns")" "$(esc_b64 "$esc_spn")" |
	"$lab" exec cli env LDAPTLS_REQCERT=never ldapmodify -H "ldaps://$DC1_IP" -x -D "$LAB_ADMIN_PRINCIPAL" -y "$esc_pw" >/dev/null 2>&1
esc_rc=$?
check "hostile operatingSystem/dNSHostName/SPN written to NLTE1 over LDAPS (ldapmodify exit $esc_rc)" test "$esc_rc" -eq 0

run_cli show-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nlte1
esc_raw() { printf '%s%s' "$out" "$err" | LC_ALL=C grep -q "$(printf '[\033\007\177]\\|\302[\200-\237]')"; }
if [ "$rc" -eq 1 ] && ! esc_raw; then
	ok "show-computer with escape sequences in the directory: no raw ESC, BEL, DEL or C1 in its output (exit 1)"
else bad "show-computer printed raw control bytes (or exit $rc != 1)"; show | cat -v; fi
check "operatingSystem is shown escaped" \
	eval 'printf "%s" "$out" | grep -qF "OS:         Win\\x1b]0;pwned\\x07 10\\x1b[2J\\xc2\\x9b\\x7f"'
check "dNSHostName is shown escaped" \
	eval 'printf "%s" "$out" | grep -qF "DNS name:   nlte1\\x1b[31m.lab.test"'
check "the SPN is shown escaped" \
	eval 'printf "%s" "$out" | grep -qF "SPNs:       HOST/nlte1\\x1b]0;pwned\\x07"'
check "the findings quote the hostile name escaped" \
	eval 'printf "%s" "$out" | grep -qF "  dNSHostName nlte1\\x1b[31m.lab.test does not match the account name NLTE1\$"'
check "the one-line error carries the server text escaped" \
	eval '[ "$(printf "%s\n" "$err" | wc -l)" -eq 1 ] &&
	      printf "%s" "$err" | grep -qF "nltrust: show-computer: NLTE1\$: 3 problem(s); first: dNSHostName nlte1\\x1b[31m.lab.test does not match"'

run_cli --json show-computer -U "$LAB_ADMIN_USER" --password-file "$LAB_ADMIN_PASS_FILE" -S "$DC1_FQDN" -d "$LAB_DOMAIN" nlte1
if [ "$rc" -eq 1 ] && ! esc_raw &&
   [ "$(jget '(j["operating_system"], j["dns_host_name"], j["service_principal_names"]) == ("Win\x1b]0;pwned\x07 10\x1b[2J\x9b\x7f", "nlte1\x1b[31m.lab.test", ["HOST/nlte1\x1b]0;pwned\x07"])')" = True ]; then
	ok "--json: the exact values, JSON-escaped (no raw control byte)"
else bad "--json show-computer of the hostile account"; show | cat -v; fi

st computer delete NLTE1
rm -f "$esc_pw"
