#!/usr/bin/env bash
# Full-tunnel mode: everything goes through the tunnel except the way to the
# gateway itself (a host route pinned outside it), and when the client stops
# the laptop's routing table is exactly what it was before.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
L=$(lap 1)
# The laptop's own default route, as at home.
ip -n "$L" route add default via 192.0.2.1
pki_init
pki_client alice
write_server_ini
start_gateway
ip -n "$L" -4 route show >"$WORK/before4"
ip -n "$L" -6 route show >"$WORK/before6"

write_client_ini 1 alice "full_tunnel = yes"
start_client 1
wait_tunnel 1
dev_of() { ip -n "$L" route get "$1" | grep -o 'dev [^ ]*' | cut -d' ' -f2; }
[ "$(dev_of 198.51.100.7)" = mtlsvpn0 ] || fail "full tunnel: 198.51.100.7 goes via $(dev_of 198.51.100.7)"
[ "$(dev_of 10.20.0.2)" = mtlsvpn0 ] || fail "full tunnel: the internal host goes via $(dev_of 10.20.0.2)"
[ "$(dev_of 192.0.2.1)" = eth0 ] || fail "full tunnel: the gateway itself goes via $(dev_of 192.0.2.1)"
ip -n "$L" route show | grep '^192.0.2.1 dev eth0' >/dev/null || fail "no host route pinning the gateway"
ip netns exec "$L" ping -c 3 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "ping through the full tunnel failed"
say "full tunnel: traffic via mtlsvpn0, the gateway pinned via eth0"

kill -TERM "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" || fail "client exit status $? after SIGTERM"
ip -n "$L" -4 route show >"$WORK/after4"
ip -n "$L" -6 route show >"$WORK/after6"
diff -u "$WORK/before4" "$WORK/after4" || fail "IPv4 routes differ after the client stopped"
diff -u "$WORK/before6" "$WORK/after6" || fail "IPv6 routes differ after the client stopped"
say "after SIGTERM the routing table is exactly as before"
pass
