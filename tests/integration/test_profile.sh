#!/usr/bin/env bash
# A profile file alone is enough: "mtlsvpnctl ca profile" writes one file
# (mode 0600) with the CA, the certificate chain and the key embedded; a
# client started with only that file connects and pings through the tunnel.
# The CA here has an intermediate, so the embedded chain is exercised too.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
"$B/mtlsvpnctl" ca init --dir "$CA" --name "Profile Test CA" --intermediate >"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca init --intermediate failed: $(cat "$WORK/ctl.log")"
"$B/mtlsvpnctl" ca issue-server gw.test --dir "$CA" --out "$WORK" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca issue-server failed: $(cat "$WORK/ctl.log")"
write_server_ini
start_gateway

P=$WORK/laptop/alice.profile
mkdir -p "$WORK/laptop"
"$B/mtlsvpnctl" ca profile alice@corp --dir "$CA" --gateway 192.0.2.1:8443 \
	--server-name gw.test --out "$P" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca profile failed: $(tail -n 3 "$WORK/ctl.log")"
[ "$(stat -c %a "$P")" = 600 ] || fail "the profile is mode $(stat -c %a "$P"), want 600"
# Only the profile in the laptop's directory: no path to any other file.
[ "$(ls -A "$WORK/laptop")" = alice.profile ] || fail "more than the profile in $WORK/laptop"
grep -q '^ca *=\|^cert *=\|^key *=' "$P" && fail "the profile names files instead of embedding them"

ip netns exec "$(lap 1)" "$B/mtlsvpn-client" -c "$P" -v >>"$WORK/client1.log" 2>&1 &
CLIENT_PID[1]=$!
T_PIDS+=("$!")
wait_tunnel 1
ip netns exec "$(lap 1)" ping -c 3 -i 0.2 -W 2 10.20.0.2 >/dev/null ||
	fail "ping to the internal host through the profile's tunnel failed"
grep -q "alice@corp" "$WORK/gateway.log" || fail "the gateway did not log alice@corp"
say "a client with only its profile connected and pinged through the tunnel"
pass
