#!/usr/bin/env bash
# Set-up for building, testing and trying mtlsvpn on Debian 12.
#
# 1. installs the Debian packages the build, the tests and the quickstart need;
# 2. fetches the source of the wolfSSL version Debian ships (apt-get source),
#    adding deb-src entries derived from the machine's own apt sources when
#    there are none, and builds it with AES-NI, intelasm and SP assembly as a
#    static library into the build tree (BUILD_DIR/wolfssl); re-runs reuse it.
#    Its Debian version goes to BUILD_DIR/wolfssl/.mtlsvpn-built and its
#    configure flags to .mtlsvpn-configure, which CMake puts into --version
#    and the Debian packages into README.wolfssl;
# 3. configures and builds mtlsvpn in BUILD_DIR.
#
# Usage: packaging/setup.sh [--system-wolfssl] [--no-build] [--build-dir DIR]
#        [--werror] [--sanitize]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$top/build"
system_wolfssl=0
do_build=1
cmake_extra=()

while [ $# -gt 0 ]; do
	case "$1" in
	--system-wolfssl) system_wolfssl=1 ;;
	--no-build) do_build=0 ;;
	--build-dir) build_dir=$2; shift ;;
	--werror) cmake_extra+=(-DMTLSVPN_WERROR=ON) ;;
	--sanitize) cmake_extra+=(-DMTLSVPN_SANITIZE=ON) ;;
	*) echo "setup.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root: it installs Debian packages"

packages=(
	build-essential cmake pkg-config dpkg-dev autoconf automake libtool
	libwolfssl-dev libpcap-dev libiniparser-dev libcmocka-dev libsystemd-dev libseccomp-dev
	iproute2 iputils-ping iperf3 tshark openssl curl python3 procps psmisc
	gnutls-bin openconnect
	ca-certificates
	debhelper lintian libsystemd-dev libseccomp-dev
	libnftables-dev nftables
	dbus-daemon python3-dbus python3-gi
	python3-jsonschema prometheus
	softhsm2 opensc
	haproxy openconnect
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# deb-src entries derived from the existing "deb" entries, never a host name
# written by us: the URIs are copied from the machine's own configuration.
add_deb_src() {
	local out=/etc/apt/sources.list.d/mtlsvpn-deb-src.sources
	if grep -rqsE '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/ ||
	   grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
		return 1
	fi
	say "no deb-src entries found; deriving them from the existing apt sources"
	: >"$out.tmp"
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		[ "$f" = "$out" ] && continue
		# Only stanzas for Debian's archive (those signed with Debian's keyring
		# or naming Debian suites); copy them with Types: deb-src.
		awk 'BEGIN{RS=""; ORS="\n\n"}
		     /Types:[^\n]*deb/ && /Suites:/ && /(debian-archive-keyring|bookworm)/ {
		       sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" >>"$out.tmp"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -nE 's/^[[:space:]]*deb[[:space:]]+(.*(debian|bookworm).*)$/deb-src \1/p' "$f" >>"$out.tmp"
	done
	if [ -s "$out.tmp" ]; then
		grep -q '^deb-src ' "$out.tmp" && { mv "$out.tmp" "${out%.sources}.list"; return 0; }
		mv "$out.tmp" "$out"
		return 0
	fi
	rm -f "$out.tmp"
	die "could not derive deb-src entries from /etc/apt; add a deb-src line for Debian's archive and re-run"
}

# The optimized wolfSSL's configure flags: also recorded next to the library.
wolfssl_flags=(
	--enable-static --disable-shared
	--disable-examples --disable-crypttests --disable-benchmark
	--enable-aesni --enable-intelasm --enable-sp --enable-sp-asm
	--enable-tls13 --enable-ecc --enable-rsa --enable-ed25519 --enable-curve25519
	--enable-aesgcm --enable-chacha --enable-poly1305
	--enable-crl --enable-ocsp --enable-certgen --enable-certreq --enable-certext
	--enable-session-ticket --enable-alpn --enable-sni --enable-keying-material
	--enable-dtls --enable-opensslextra --enable-pkcs11 --enable-keygen
	--enable-altcertchains --enable-harden
	"CFLAGS=-O2 -fPIC -DWOLFSSL_ALT_NAMES -DKEEP_PEER_CERT"
)

build_fast_wolfssl() {
	local prefix="$build_dir/wolfssl"
	local ver flags
	ver=$(dpkg-query -W -f='${Version}' libwolfssl-dev)
	flags="${wolfssl_flags[*]}"
	if [ -f "$prefix/.mtlsvpn-built" ] && [ "$(cat "$prefix/.mtlsvpn-built")" = "$ver" ]; then
		# A build from before the flags were recorded was made with these.
		[ -f "$prefix/.mtlsvpn-configure" ] || echo "$flags" >"$prefix/.mtlsvpn-configure"
		if [ "$(cat "$prefix/.mtlsvpn-configure")" = "$flags" ]; then
			say "reusing the optimized wolfSSL $ver in $prefix"
			return 0
		fi
		say "the configure flags of wolfSSL changed: building it again"
	fi
	say "building wolfSSL $ver with AES-NI and assembly crypto (once; a few minutes)"
	if add_deb_src; then apt-get update -q; fi
	local src="$build_dir/wolfssl-src"
	rm -rf "$src" && mkdir -p "$src"
	(cd "$src" && apt-get source -q --download-only "wolfssl=$ver" >/dev/null 2>&1) ||
		(apt-get update -q && cd "$src" && apt-get source -q --download-only "wolfssl=$ver") ||
		die "apt-get source wolfssl=$ver failed"
	(cd "$src" && dpkg-source -x --skip-patches ./*.dsc tree >/dev/null)
	cd "$src/tree"
	# Debian's patches are applied: same source as the system library.
	if [ -f debian/patches/series ]; then
		while read -r p; do
			case "$p" in ''|'#'*) continue ;; esac
			patch -p1 -s <"debian/patches/$p"
		done <debian/patches/series
	fi
	[ -x configure ] || autoreconf -fi >/dev/null
	./configure -q --prefix="$prefix" "${wolfssl_flags[@]}" >/dev/null
	make -j"$(nproc)" >/dev/null
	rm -rf "$prefix"
	make install >/dev/null
	echo "$ver" >"$prefix/.mtlsvpn-built"
	echo "$flags" >"$prefix/.mtlsvpn-configure"
	cd "$top"
	rm -rf "$src"
	say "optimized wolfSSL installed in $prefix"
}

mkdir -p "$build_dir"
if [ $system_wolfssl -eq 0 ]; then
	build_fast_wolfssl
	cmake_extra+=(-DMTLSVPN_SYSTEM_WOLFSSL=OFF -DMTLSVPN_WOLFSSL_ROOT="$build_dir/wolfssl")
else
	cmake_extra+=(-DMTLSVPN_SYSTEM_WOLFSSL=ON)
fi

if [ $do_build -eq 1 ]; then
	say "configuring and building mtlsvpn in $build_dir"
	cmake -S "$top" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cmake_extra[@]}" >/dev/null
	cmake --build "$build_dir" -j"$(nproc)" >/dev/null
	say "built: $build_dir/mtlsvpn-server $build_dir/mtlsvpn-client $build_dir/mtlsvpnctl"
fi
