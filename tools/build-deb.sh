#!/bin/sh
# tools/build-deb.sh - the Debian package end to end (Debian 12, as root):
#   1. the build and packaging tools (tools/install-deps.sh --package)
#   2. the release tarball ('make dist' in a scratch build directory; it carries debian/
#      and .tarball-version, so --version names the git tree it came from) and the
#      .orig.tar.gz that a 3.0 (quilt) source package wants
#   3. dpkg-buildpackage -us -uc -b in the unpacked tarball (dh, autoreconf, make check
#      without the lab); NLT_DEB_SOURCE=1 builds the source package too (-us -uc)
#   4. the smoke test (debian/tests/smoke) against the .deb unpacked with dpkg -x into a
#      scratch root; with --install also dpkg -i, the smoke test against /, dpkg -r
# The .deb and the logs stay in NLT_DEB_WORK (default: a new /tmp/nltrust-deb.XXXXXX).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
install=0
for a in "$@"; do
	case $a in
	--install) install=1;;
	*) echo "usage: tools/build-deb.sh [--install]" >&2; exit 2;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "build-deb: run as root (apt-get install, dpkg -i)" >&2; exit 3
fi
if [ "${NLT_DEB_SKIP_DEPS:-0}" != 1 ]; then
	"$top/tools/install-deps.sh" --package
fi
work=${NLT_DEB_WORK:-$(mktemp -d /tmp/nltrust-deb.XXXXXX)}
mkdir -p "$work"
t0=$(date +%s)
step() { echo "build-deb: [$(( $(date +%s) - t0 ))s] $*"; }

step "release tarball (make dist) in $work/dist"
./autogen.sh >/dev/null 2>&1 || { echo "build-deb: autoreconf failed" >&2; exit 1; }
rm -rf "$work/dist"; mkdir -p "$work/dist"
(cd "$work/dist" && "$top/configure" --disable-lab-tests >configure.out 2>&1 && make dist >dist.out 2>&1) ||
	{ echo "build-deb: make dist failed; see $work/dist/*.out" >&2; exit 1; }
ver=$(sed -n 's/^PACKAGE_VERSION = //p' "$work/dist/Makefile")
tarball=$work/dist/nltrust-$ver.tar.gz
debver=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
case $debver in
"$ver"-*) ;;
*) echo "build-deb: debian/changelog is at $debver, configure.ac at $ver: add a changelog entry (HACKING.md, Releases)" >&2; exit 1;;
esac
rm -rf "$work/nltrust-$ver"
cp "$tarball" "$work/nltrust_$ver.orig.tar.gz"
tar -xzf "$tarball" -C "$work"
[ -d "$work/nltrust-$ver/debian" ] || { echo "build-deb: the tarball has no debian/ (EXTRA_DIST)" >&2; exit 1; }

bflags="-us -uc -b"
[ "${NLT_DEB_SOURCE:-0}" = 1 ] && bflags="-us -uc"
step "dpkg-buildpackage $bflags (log: $work/build.log)"
(cd "$work/nltrust-$ver" && dpkg-buildpackage $bflags >"$work/build.log" 2>&1) ||
	{ tail -n 40 "$work/build.log"; echo "build-deb: dpkg-buildpackage failed; see $work/build.log" >&2; exit 1; }
arch=$(dpkg --print-architecture)
deb=$work/nltrust_${debver}_$arch.deb
[ -f "$deb" ] || { echo "build-deb: $deb was not built" >&2; exit 1; }
step "built $deb ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '/$' | sed 's/^/build-deb:   /'

step "smoke test against the package unpacked with dpkg -x"
rm -rf "$work/root"; dpkg -x "$deb" "$work/root"
NLT_SMOKE_ROOT=$work/root sh "$work/nltrust-$ver/debian/tests/smoke" > "$work/smoke-x.log" 2>&1 ||
	{ cat "$work/smoke-x.log"; echo "build-deb: smoke test failed (dpkg -x)" >&2; exit 1; }
step "smoke (dpkg -x): $(grep -c '^ok' "$work/smoke-x.log") passed"

if [ "$install" = 1 ]; then
	if dpkg-query -W -f='${Status}' nltrust 2>/dev/null | grep -q "install ok installed"; then
		echo "build-deb: a nltrust package is already installed; not replacing it (dpkg -r nltrust first)" >&2; exit 1
	fi
	step "dpkg -i, smoke test against /, dpkg -r"
	dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
	st=0
	sh "$work/nltrust-$ver/debian/tests/smoke" > "$work/smoke-i.log" 2>&1 || st=$?
	dpkg -r nltrust >>"$work/install.log" 2>&1 || { cat "$work/install.log"; echo "build-deb: dpkg -r failed" >&2; exit 1; }
	[ "$st" -eq 0 ] || { cat "$work/smoke-i.log"; echo "build-deb: smoke test failed (dpkg -i)" >&2; exit 1; }
	left=$(ls /usr/sbin/nltrust /usr/share/man/man8/nltrust*.8.gz /usr/share/bash-completion/completions/nltrust 2>/dev/null || true)
	[ -z "$left" ] || { echo "build-deb: dpkg -r left: $left" >&2; exit 1; }
	step "smoke (dpkg -i): $(grep -c '^ok' "$work/smoke-i.log") passed; removed, nothing left"
fi
step "done: $deb"
