#!/bin/sh
# tests/check_exit_codes.sh - the documented exit codes, from the real
# binary, for the cases that need no network: usage (2), local
# configuration (3), and a DC that cannot be reached (4), plus the JSON error.
set -u
top_builddir=${top_builddir:-.}
bin=$top_builddir/nltrust
n=0; fail=0
expect() { # $1 code, $2 label, rest: command
	want=$1; label=$2; shift 2
	n=$((n + 1))
	out=$("$@" 2>&1); got=$?
	if [ "$got" -eq "$want" ]; then echo "ok $n - $label: exit $got"
	else echo "not ok $n - $label: exit $got, wanted $want"; echo "$out" | sed 's/^/#   /'; fail=1; fi
}
expect 0 "--help" "$bin" --help
expect 0 "--version" "$bin" --version
expect 0 "discover --help" "$bin" discover --help
expect 2 "no command" "$bin"
expect 2 "unknown command" "$bin" frobnicate
expect 2 "unknown option" "$bin" discover --frob
expect 2 "missing option argument" "$bin" discover --site
expect 2 "bad --timeout" "$bin" --timeout never discover
expect 2 "two domains" "$bin" discover a.test b.test

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# no domain anywhere: an empty krb5.conf, and (via HOSTALIASES-free) a DC-less query
printf '[libdefaults]\n' > "$tmp/krb5.conf"
n=$((n + 1))
out=$(KRB5_CONFIG=$tmp/krb5.conf "$bin" discover 2>&1); got=$?
case $got in
	3|4) echo "ok $n - discover with no configured domain fails with 3 (or 4 if the host has a DNS domain): $got";;
	*) echo "not ok $n - discover with no configured domain: exit $got"; echo "$out" | sed 's/^/#   /'; fail=1;;
esac
# a DC address where nothing listens (loopback, closed port): refused -> 4
expect 4 "discover -S at a closed address" "$bin" --timeout 2 discover -d example.test -S 127.0.0.1
n=$((n + 1))
out=$("$bin" --timeout 2 --json discover -d example.test -S 127.0.0.1 2>/dev/null)
if printf '%s' "$out" | grep -q '"exit_code": 4' && printf '%s' "$out" | grep -q '"status": "refused"'; then
	echo "ok $n - --json failure carries the error object and the candidate status"
else
	echo "not ok $n - --json failure output:"; printf '%s\n' "$out" | sed 's/^/#   /'; fail=1
fi
n=$((n + 1))
err=$("$bin" --timeout 2 discover -d example.test -S 127.0.0.1 2>&1 >/dev/null)
if [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && printf '%s' "$err" | grep -q '^nltrust: discover: .*127.0.0.1.*refused'; then
	echo "ok $n - one-line error names the operation, the peer and the cause"
else
	echo "not ok $n - error line: $err"; fail=1
fi
# --json: one document on every exit path, a usage error included (before or after the mistake)
jdoc() { # $1 label, $2 wanted exit, $3 wanted message, rest: command
	label=$1; want=$2; msg=$3; shift 3
	n=$((n + 1))
	out=$("$@" 2>/dev/null); got=$?
	if [ "$got" -eq "$want" ] && printf '%s' "$out" | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["error"]["exit_code"] == int(sys.argv[1]) and j["error"]["message"] == sys.argv[2], j
assert list(j)[0] == "command" and j["error"]["category"] == "usage"
' "$want" "$msg" 2>/dev/null; then echo "ok $n - $label"
	else echo "not ok $n - $label: exit $got, stdout:"; printf '%s\n' "$out" | sed 's/^/#   /'; fail=1; fi
}
jdoc "--json discover --site: a usage error is a JSON document" 2 "--site needs a value (SITE)" "$bin" --json discover --site
jdoc "discover --frob --json: --json after the mistake too" 2 "unknown option '--frob' (try nltrust discover --help)" \
	"$bin" discover --frob --json
jdoc "--json --timeout 0 ping: the range" 2 "--timeout: '0' is not a number of seconds above 0 and at most 3600" \
	"$bin" --json --timeout 0 ping
n=$((n + 1))
err=$("$bin" verify --ldaps --starttls 2>&1 >/dev/null)
if [ "$err" = "nltrust: verify: give --ldaps or --starttls, not both" ]; then echo "ok $n - a usage error names the command once"
else echo "not ok $n - usage error line: $err"; fail=1; fi
echo "1..$n"
exit $fail
