# tunrx.sh - sourced by the benchmarks: how many writes a gateway made into
# its TUN. The kernel counts one rx packet per write into a TUN, so a
# coalesced super-packet counts once; the bytes are the IP bytes written.

# tunrx NS DEV: "packets bytes" of DEV's rx counters in namespace NS,
# nothing if there is no such device.
tunrx() {
	local d=/sys/class/net/$2/statistics
	ip netns exec "$1" sh -c "cat $d/rx_packets $d/rx_bytes 2>/dev/null || true" | tr '\n' ' '
}

# tunrx_per_mb BEFORE AFTER: writes per MB (1e6 bytes) between two tunrx
# readings, "-" when either is missing or nothing was written.
tunrx_per_mb() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (split(a, x) != 2 || split(b, y) != 2 || y[2] <= x[2]) { print "-"; exit }
		printf "%.0f\n", (y[1] - x[1]) / ((y[2] - x[2]) / 1e6) }'
}
