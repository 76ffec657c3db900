#!/usr/bin/env bash
# An idle session's keepalives (docs/protocol.md section 7): the gateway
# answers a client's KEEPALIVE once it has been silent for half of K, not
# sooner, and sends its own only after K plus a grace (5 s for K 4 and a
# dead-peer limit of 16), so the client's, answered, comes first and an idle
# session carries one exchange per K. rawclient.py times each from the
# gateway's last frame. An OpenConnect session still gets one every K
# (test_openconnect.sh).
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
pki_init
pki_client alice
write_server_ini "keepalive = 4" "dead_peer_timeout = 16"
start_gateway

ip netns exec "$(lap 1)" python3 "$SRC/tests/integration/rawclient.py" keepalive --host 192.0.2.1 \
	--server-name gw.test --ca "$CA/ca.crt" --cert "$WORK/alice.crt" --key "$WORK/alice.key" \
	>"$WORK/keepalive.out" 2>&1 || fail "keepalives: $(cat "$WORK/keepalive.out")"
say "$(cat "$WORK/keepalive.out")"
pass
