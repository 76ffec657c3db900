#!/usr/bin/env bash
# IPv6 leak protection: with a v4-only pool in full-tunnel mode, an IPv6
# destination the laptop reaches through its own router before the tunnel
# is unreachable while the tunnel is up, and not one packet arrives there
# (counted on the far side); a clean exit and a --cleanup after SIGKILL
# leave the routing table exactly as it was.
. "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || fail "nft is missing (apt-get install nftables): it counts the far side's packets"

topo_init
add_laptop 1
L=$(lap 1)
# The laptop's home network has IPv6 too: its router (the gateway's
# namespace) forwards to fd00:20::2, which answers back through it.
ip -n "$G" addr add 2001:db8:2::1/64 dev br0 nodad
ip -n "$L" addr add 2001:db8:2::10/64 dev eth0 nodad
ip -n "$L" route add default via 192.0.2.1
ip -n "$L" -6 route add default via 2001:db8:2::1
ip -n "$N" -6 route add 2001:db8:2::/64 via fd00:20::1
# The far side counts the laptop's echo requests.
ip netns exec "$N" nft -f - <<EOF
table inet leak6_count {
	chain input {
		type filter hook input priority 0; policy accept;
		ip6 saddr 2001:db8:2::10 icmpv6 type echo-request counter
	}
}
EOF
far_count() {
	ip netns exec "$N" nft list table inet leak6_count | grep -o 'packets [0-9]*' | cut -d' ' -f2
}

pki_init
pki_client alice
write_server_ini
sed -i '/^ipv6 = /d' "$WORK/server.ini"
start_gateway

ip netns exec "$L" ping -6 -c 2 -i 0.2 -W 2 fd00:20::2 >/dev/null ||
	fail "before the tunnel: fd00:20::2 is not reachable over the laptop's IPv6"
[ "$(far_count)" -ge 2 ] || fail "the far side counted $(far_count) echo requests, expected 2"
say "before the tunnel: fd00:20::2 reachable over the underlay"
ip -n "$L" -4 route show >"$WORK/before4"
ip -n "$L" -6 route show >"$WORK/before6"

write_client_ini 1 alice "full_tunnel = yes"
start_client 1
wait_tunnel 1
# The tunnel answers as soon as its address is there; the routes follow.
blocked6() {
	local r
	r=$(ip -n "$L" -6 route show)
	grep -q '^unreachable ::/1' <<<"$r" && grep -q '^unreachable 8000::/1' <<<"$r"
}
wait_for 5 blocked6 || fail "no unreachable routes ::/1 and 8000::/1: $(ip -n "$L" -6 route show)"
[ -z "$(ip -n "$L" -6 addr show dev mtlsvpn0 scope global)" ] ||
	fail "the tunnel has an IPv6 address although the pool is v4-only"
before=$(far_count)
ip netns exec "$L" ping -6 -c 3 -i 0.2 -W 1 fd00:20::2 >"$WORK/ping6.out" 2>&1 &&
	fail "with the tunnel up, fd00:20::2 is still reachable around it"
ip netns exec "$L" ping -6 -c 1 -W 1 2001:db8:99::1 >/dev/null 2>&1 &&
	fail "with the tunnel up, 2001:db8:99::1 answered"
# A TCP attempt is refused at once too, not sent.
ip netns exec "$L" timeout 5 bash -c 'exec 3<>/dev/tcp/fd00:20::2/80' 2>/dev/null &&
	fail "a TCP connection to fd00:20::2 went out around the tunnel"
[ "$(far_count)" = "$before" ] ||
	fail "the far side counted $(($(far_count) - before)) packets from the laptop with the tunnel up"
ip netns exec "$L" ping -c 2 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "IPv4 through the tunnel failed"
say "tunnel up: IPv6 unreachable ($(head -c 200 "$WORK/ping6.out" | tr '\n' ' ' | cut -c1-80)...), 0 packets arrived; IPv4 through the tunnel works"

kill -TERM "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" || fail "client exit status $? after SIGTERM"
ip -n "$L" -4 route show >"$WORK/after4"
ip -n "$L" -6 route show >"$WORK/after6"
diff -u "$WORK/before4" "$WORK/after4" || fail "IPv4 routes differ after the client stopped"
diff -u "$WORK/before6" "$WORK/after6" || fail "IPv6 routes differ after the client stopped"
ip netns exec "$L" ping -6 -c 1 -W 2 fd00:20::2 >/dev/null || fail "after exit: IPv6 still blocked"
say "after SIGTERM: routes as before, IPv6 reachable again"

# SIGKILL leaves the block in place (fail closed) until --cleanup.
start_client 1
wait_tunnel 1
wait_for 5 blocked6 || fail "no IPv6 block before SIGKILL"
kill -KILL "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" 2>/dev/null || true
blocked6 || fail "after SIGKILL the IPv6 block is gone"
ip netns exec "$L" "$B/mtlsvpn-client" -c "$WORK/client1.ini" --cleanup >>"$WORK/cleanup.log" 2>&1 ||
	fail "--cleanup failed: $(tail -n 3 "$WORK/cleanup.log")"
ip -n "$L" link del mtlsvpn0 2>/dev/null || true
ip -n "$L" -6 route show >"$WORK/after6"
diff -u "$WORK/before6" "$WORK/after6" || fail "IPv6 routes differ after SIGKILL and --cleanup"
say "after SIGKILL the block stays; --cleanup removes it"
pass
