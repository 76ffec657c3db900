#!/usr/bin/env bash
# The crypto cost with the optimized wolfSSL (build/) against Debian's
# libwolfssl (build-system/), measured side by side in one run through the
# project's own TLS layer: full mTLS handshakes and bulk transfer. Prints
# medians of 3 runs of each and the ratios. Builds what is missing.
# Usage: tests/bench/bench_crypto.sh [handshakes] [megabytes]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
fast=${MTLSVPN_BUILD_DIR:-$top/build}
slow=$top/build-system
n=${1:-200}
mb=${2:-256}

[ -x "$fast/tests/bench_tls" ] || cmake --build "$fast" --target bench_tls >/dev/null
if [ ! -x "$slow/tests/bench_tls" ]; then
	cmake -S "$top" -B "$slow" -DMTLSVPN_SYSTEM_WOLFSSL=ON >/dev/null
	cmake --build "$slow" --target bench_tls >/dev/null
fi
pki=$(mktemp -d /tmp/mtlsvpn-bench-crypto.XXXXXX)
trap 'rm -rf "$pki"' EXIT
sh "$top/tests/unit/tls/tls_certs.sh" "$pki"

median() { sort -n | sed -n 2p; }
for kind in fast slow; do
	dir=$fast
	[ $kind = slow ] && dir=$slow
	: >"$pki/$kind.out"
	for _ in 1 2 3; do "$dir/tests/bench_tls" "$pki" "$n" "$mb" >>"$pki/$kind.out"; done
	hs=$(awk '/^handshake_ms/ {print $2}' "$pki/$kind.out" | median)
	bw=$(awk '/^bulk_mb_s/ {print $2}' "$pki/$kind.out" | median)
	cipher=$(awk '/^bulk_mb_s/ {print $NF}' "$pki/$kind.out" | tail -n 1 | tr -d ')')
	printf '%-9s %s; handshake %s ms, bulk %s MB/s (%s)\n' "$kind" \
		"$(sed -n 3p "$pki/$kind.out")" "$hs" "$bw" "$cipher"
	eval "${kind}_hs=$hs ${kind}_bw=$bw"
done
python3 -c "print('optimized / system: handshakes x%.1f faster, bulk x%.1f' % ($slow_hs / $fast_hs, $fast_bw / $slow_bw))"
