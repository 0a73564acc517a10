#!/bin/sh
# tools/install-deps.sh - install what nltrust needs to build, test and
# benchmark on Debian 12 (as root).  Idempotent; safe to run every time.
set -eu
BUILD="build-essential autoconf automake pkg-config libldap2-dev libsasl2-dev libsasl2-modules-gssapi-mit libkrb5-dev nettle-dev libjson-c-dev libcmocka-dev groff-base python3"
LAB="python3-jsonschema faketime samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind krb5-user ldap-utils iproute2 nftables iptables libnetfilter-queue-dev libmnl-dev dnsutils"
PEERS="adcli msktutil smbclient python3-impacket gss-ntlmssp"
FUZZ="clang libclang-rt-14-dev"
# --package (tools/build-deb.sh): what dpkg-buildpackage needs beyond BUILD; CI does not pay for it
PACKAGE="debhelper dh-autoreconf dpkg-dev fakeroot bash-completion"
with_package=0
for a in "$@"; do
	case $a in
	--package) with_package=1;;
	*) echo "usage: tools/install-deps.sh [--package]" >&2; exit 2;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get install)" >&2
	exit 3
fi
export DEBIAN_FRONTEND=noninteractive
pkgs="$BUILD $LAB $PEERS"
[ "${NLT_WITH_FUZZ:-0}" = 1 ] && pkgs="$pkgs $FUZZ"
[ "$with_package" = 1 ] && pkgs="$pkgs $PACKAGE"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	apt-get update -q
	# no recommends: they pull in services we do not want started; samba-ad-provision is listed explicitly
	apt-get install -y -q --no-install-recommends $missing
else
	echo "install-deps: everything is installed"
fi
# Debian starts the samba services on install; the lab runs its own daemons in namespaces.
for s in samba-ad-dc smbd nmbd winbind; do
	systemctl disable --now "$s" >/dev/null 2>&1 || true
done
