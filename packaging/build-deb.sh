#!/usr/bin/env bash
# Builds the Debian packages mtlsvpn-server, mtlsvpn-client and
# mtlsvpn-common into BUILD_DIR/deb/ (default build/deb/*.deb).
#
# Runs packaging/setup.sh --no-build first (Debian packages, and the
# optimized static wolfSSL in BUILD_DIR/wolfssl, reused when already built),
# copies the source tree to BUILD_DIR/deb/src/ with packaging/debian/ as its
# debian/, and runs dpkg-buildpackage there. debian/rules links the wolfSSL
# of MTLSVPN_WOLFSSL_ROOT (default BUILD_DIR/wolfssl) into the programs.
#
# Usage: packaging/build-deb.sh [--build-dir DIR] [--no-check]
#   --no-check   build only the programs (DEB_BUILD_OPTIONS=nocheck): no
#                unit tests, for a tree whose tests have just run
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$top/build"
nocheck=0

while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) build_dir=$2; shift ;;
	--no-check) nocheck=1 ;;
	*) echo "build-deb.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
build_dir=$(mkdir -p "$build_dir" && cd "$build_dir" && pwd)

say() { printf '[build-deb] %s\n' "$*"; }
die() { printf '[build-deb] error: %s\n' "$*" >&2; exit 1; }

"$top/packaging/setup.sh" --no-build --build-dir "$build_dir"
export MTLSVPN_WOLFSSL_ROOT=${MTLSVPN_WOLFSSL_ROOT:-$build_dir/wolfssl}

# The package version is debian/changelog's; it must be the project's.
version=$(sed -n 's/^project(mtlsvpn VERSION \([0-9.]*\) .*/\1/p' "$top/CMakeLists.txt")
deb_version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
[ "$version" = "$deb_version" ] ||
	die "packaging/debian/changelog says $deb_version, CMakeLists.txt $version: add a changelog entry (dch -v $version)"

out="$build_dir/deb"
src="$out/src/mtlsvpn-$version"
say "copying the source to $src"
rm -rf "$out"
mkdir -p "$src"
tar -C "$top" --exclude=./.git --exclude=./build --exclude='./build-*' -cf - . | tar -C "$src" -xf -
cp -r "$top/packaging/debian" "$src/debian"

opts="parallel=$(nproc)"
[ $nocheck -eq 1 ] && opts="$opts nocheck"
say "dpkg-buildpackage (DEB_BUILD_OPTIONS='$opts'); log in $out/build.log"
if ! (cd "$src" && DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	die "dpkg-buildpackage failed (whole log: $out/build.log)"
fi
# Debug symbols apart, so "apt-get install ./build/deb/*.deb" takes the three.
mkdir -p "$out/dbgsym"
mv "$out"/src/*-dbgsym_*.deb "$out/dbgsym/"
mv "$out"/src/*.deb "$out/"
say "built:"
ls -1 "$out"/*.deb
