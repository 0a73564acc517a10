#!/bin/sh
# tests/check_symbols.sh - no global symbol of ours may also be defined by a
# shared library the binary loads.  (Our BER writer once exported
# ber_put_int; liblber's own encoder then called ours during an LDAP bind
# and crashed.)  Prints TAP.
set -u
top_builddir=${top_builddir:-.}
bin=$top_builddir/nltrust
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! command -v nm >/dev/null 2>&1 || ! command -v ldd >/dev/null 2>&1; then
	echo "1..0 # SKIP nm or ldd missing"; exit 77
fi
nm -g --defined-only "$top_builddir/libnlproto.a" "$top_builddir/libnltrust.a" 2>/dev/null |
	awk 'NF == 3 && $2 ~ /[TDBR]/ {print $3}' |
	# the one intended override: GnuTLS's documented GNUTLS_SKIP_GLOBAL_INIT (src/rpc/target.c)
	grep -vx '_gnutls_global_init_skip' | sort -u > "$tmp/ours"
[ -s "$tmp/ours" ] || { echo "not ok 1 - no symbols read from libnlproto.a/libnltrust.a"; echo "1..1"; exit 1; }
ldd "$bin" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u > "$tmp/libs"
: > "$tmp/theirs"
while read -r lib; do
	nm -D --defined-only "$lib" 2>/dev/null | awk 'NF == 3 {sub(/@.*/, "", $3); print $3}' >> "$tmp/theirs"
done < "$tmp/libs"
sort -u -o "$tmp/theirs" "$tmp/theirs"
clash=$(comm -12 "$tmp/ours" "$tmp/theirs")
if [ -n "$clash" ]; then
	echo "not ok 1 - symbols of ours also defined by a loaded library: $(echo $clash)"
	echo "1..1"; exit 1
fi
echo "ok 1 - $(wc -l < "$tmp/ours") global symbols, none defined by the $(wc -l < "$tmp/libs") shared libraries"
echo "1..1"
