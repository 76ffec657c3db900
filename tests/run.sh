#!/usr/bin/env bash
# Runs every test: set-up (Debian packages, the optimized wolfSSL, the build),
# then the unit tests and the integration tests (network namespaces; root).
# Usage: tests/run.sh [-L unit|integration] [extra ctest arguments]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${MTLSVPN_BUILD_DIR:-$top/build}

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: run as root: set-up installs packages and the integration tests create network namespaces" >&2
	exit 1
fi

setup_args=(--build-dir "$build_dir")
# CI builds with -Werror; a person's build tolerates a new compiler's warnings.
if [ "${CI:-}" = true ]; then setup_args+=(--werror); fi
"$top/packaging/setup.sh" "${setup_args[@]}"

cd "$build_dir"
exec ctest --output-on-failure --timeout 900 "$@"
