#!/usr/bin/env bash
# A client killed with SIGKILL in full-tunnel mode, with DNS in
# /etc/resolv.conf, leaves its undo journal: the next start replays it
# before doing anything new (the original resolv.conf back, the stale pin
# route to the gateway gone), and a clean exit then leaves resolv.conf
# byte-identical; mtlsvpn-client --cleanup does the same by hand, and a
# symlink stays a symlink. resolv.conf is a private copy (lib.sh
# private_etc_init), never the machine's.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
L=$(lap 1)
ip -n "$L" route add default via 192.0.2.1
pki_init
pki_client alice
write_server_ini
echo "dns = 10.20.0.53" >>"$WORK/server.ini"
echo "search = corp.example" >>"$WORK/server.ini"
start_gateway
private_etc_init
# Its own state directory: $WORK/state belongs to the gateway's user, and
# the client keeps no CAP_DAC_OVERRIDE once set up.
STATE=$WORK/client-state
JOURNAL=$STATE/mtlsvpn0.journal
write_client_ini 1 alice "full_tunnel = yes" "dns = resolvconf" "state_dir = $STATE"
sed -i '/^dns = none$/d' "$WORK/client1.ini"
printf 'nameserver 192.0.2.53\nsearch home.example\noptions edns0\n' >"$WORK/etc/resolv.conf"
cp "$WORK/etc/resolv.conf" "$WORK/original"
ip -n "$L" -4 route show >"$WORK/before4"
ip -n "$L" -6 route show >"$WORK/before6"

pinned() { ip -n "$L" route show 192.0.2.1/32 | grep -q 'dev eth0'; }
ours() { grep -q '^nameserver 10.20.0.53$' "$WORK/etc/resolv.conf"; }
same_routes() {
	ip -n "$L" -4 route show >"$WORK/after4"
	ip -n "$L" -6 route show >"$WORK/after6"
	diff -u "$WORK/before4" "$WORK/after4" && diff -u "$WORK/before6" "$WORK/after6"
}

# ---- SIGKILL, then a new start ----
start_client_etc 1
wait_tunnel 1
ours || fail "the tunnel is up but resolv.conf is not the tunnel's: $(cat "$WORK/etc/resolv.conf")"
[ -f "$JOURNAL" ] || fail "no journal at $JOURNAL while the tunnel is up"
[ "$(stat -c %a "$JOURNAL")" = 600 ] || fail "journal mode $(stat -c %a "$JOURNAL"), not 600"
[ "$(stat -c %a "$STATE")" = 755 ] || fail "state_dir mode $(stat -c %a "$STATE"), not 755"
kill -KILL "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" 2>/dev/null || true
ours || fail "after SIGKILL resolv.conf should still be the tunnel's (nothing ran to undo it)"
pinned || fail "after SIGKILL the pin route should still be there"
say "SIGKILL: resolv.conf and the /32 pin left behind, the journal kept"

: >"$WORK/client1.log"
start_client_etc 1
wait_tunnel 1
grep -q 'undoing [0-9]* changes left by mtlsvpn-client' "$WORK/client1.log" ||
	fail "the restart did not replay the journal"
restored=$(grep -n '/etc/resolv.conf restored' "$WORK/client1.log" | head -1 | cut -d: -f1)
connected=$(grep -n 'connected to ' "$WORK/client1.log" | head -1 | cut -d: -f1)
[ -n "$restored" ] && [ -n "$connected" ] && [ "$restored" -lt "$connected" ] ||
	fail "resolv.conf was not restored before the new tunnel was set up"
ours || fail "the new tunnel did not set its DNS"
[ "$(ip -n "$L" route show 192.0.2.1/32 | wc -l)" = 1 ] || fail "more than one pin route"
kill -TERM "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" || fail "client exit status $? after SIGTERM"
cmp "$WORK/original" "$WORK/etc/resolv.conf" ||
	fail "resolv.conf differs from the original after the restart and a clean exit"
same_routes || fail "routes differ after the restart and a clean exit"
[ ! -e "$JOURNAL" ] || fail "the journal is still there after a clean exit"
say "restart replayed the journal first; after SIGTERM resolv.conf is the original, byte for byte"

# ---- a symlink, SIGKILL, then --cleanup ----
printf 'nameserver 192.0.2.54\n' >"$WORK/real-resolv.conf"
cp "$WORK/real-resolv.conf" "$WORK/real-original"
rm -f "$WORK/etc/resolv.conf"
ln -s "$WORK/real-resolv.conf" "$WORK/etc/resolv.conf"
start_client_etc 1
wait_tunnel 1
ours || fail "symlink: the tunnel's DNS is not in place"
in_etc ip netns exec "$L" "$B/mtlsvpn-client" -c "$WORK/client1.ini" --cleanup \
	>>"$WORK/cleanup.log" 2>&1 && fail "--cleanup ran while the client was running"
kill -KILL "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" 2>/dev/null || true
in_etc ip netns exec "$L" "$B/mtlsvpn-client" -c "$WORK/client1.ini" --cleanup \
	>>"$WORK/cleanup.log" 2>&1 || fail "--cleanup failed: $(tail -n 3 "$WORK/cleanup.log")"
[ -L "$WORK/etc/resolv.conf" ] || fail "--cleanup: resolv.conf is no longer a symlink"
[ "$(readlink "$WORK/etc/resolv.conf")" = "$WORK/real-resolv.conf" ] ||
	fail "--cleanup: the symlink points to $(readlink "$WORK/etc/resolv.conf")"
cmp "$WORK/real-original" "$WORK/real-resolv.conf" || fail "the symlink's target was changed"
pinned && fail "--cleanup left the pin route"
same_routes || fail "routes differ after --cleanup"
[ ! -e "$JOURNAL" ] || fail "--cleanup left the journal"
in_etc ip netns exec "$L" "$B/mtlsvpn-client" -c "$WORK/client1.ini" --cleanup \
	>>"$WORK/cleanup.log" 2>&1 || fail "--cleanup with nothing to do failed"
grep -q 'nothing to clean up' "$WORK/cleanup.log" || fail "--cleanup said nothing when idle"
say "--cleanup after SIGKILL: the symlink back, the pin gone, the journal removed"
pass
