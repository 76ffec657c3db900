#!/usr/bin/env bash
# Sticky leases across gateway restarts (server/lease.c): two employees in
# two groups get the same IPv4 and IPv6 addresses back after the gateway is
# stopped and started again, even though a fresh pool would have handed
# out another address first; a lease file with a bad line is reported with
# its line number, rebuilt, and the gateway serves; a full pool refuses the
# next client with "address pool exhausted" and a log line naming the
# group; a second session of one identity replaces the first ("replaced by
# a newer session").
. "$(dirname "$0")/lib.sh"

topo_init
for i in 1 2 3 4 5; do add_laptop "$i"; done
pki_init
for who in alice bob carol dave erin frank; do pki_client "$who"; done

write_server_ini "default_group = deny" "lease_file = state/leases"
sed -i '/^\[pool\]/,$d' "$WORK/server.ini"
cat >>"$WORK/server.ini" <<'INI'
[group engineering]
ipv4 = 10.8.1.0/24
ipv6 = fd00:8:1::/64
members = alice, carol
rule10 = allow icmp or icmp6
[group sales]
ipv4 = 10.8.2.0/24
ipv6 = fd00:8:2::/64
members = bob, dave
rule10 = allow icmp or icmp6
[group tiny]
ipv4 = 10.8.3.0/30
members = erin, frank
rule10 = allow icmp
INI
mkdir -p "$WORK/state"
LEASES=$WORK/state/leases

# addr4|addr6 NUM: the laptop's tunnel address of that family, "" if none.
addr4() { tunnel_addr "$1"; }
addr6() {
	ip -n "$(lap "$1")" -6 -o addr show dev mtlsvpn0 scope global 2>/dev/null |
		awk '{print $4}' | cut -d/ -f1
}
has_addr() { [ -n "$(addr4 "$1")" ]; }
has_addr_in() { case "$(addr4 "$1")" in "$2"*) return 0 ;; esac; return 1; }
# connect NUM IDENTITY: a client on laptop NUM with IDENTITY's certificate.
connect() {
	write_client_ini "$1" "$2"
	start_client "$1"
	wait_for 15 has_addr "$1" || fail "laptop $1 ($2): no tunnel address after 15 s"
}
disconnect() {
	stop_pid "${CLIENT_PID[$1]}"
	wait_for 5 sh -c "! ip -n $(lap "$1") link show mtlsvpn0 >/dev/null 2>&1" || true
}
restart_gateway() {
	stop_pid "$GW_PID"
	[ -f "$LEASES" ] || fail "no lease file after the gateway stopped"
	start_gateway
}

start_gateway
# carol and dave come and go first: a fresh pool would give their first
# addresses to alice and bob after a restart.
connect 1 carol
connect 2 dave
c4=$(addr4 1) d4=$(addr4 2)
disconnect 1
disconnect 2
connect 1 alice
connect 2 bob
a4=$(addr4 1) b4=$(addr4 2)
wait_for 10 sh -c "[ -n \"\$(ip -n $(lap 1) -6 -o addr show dev mtlsvpn0 scope global)\" ]" ||
	fail "alice: no IPv6 tunnel address"
wait_for 10 sh -c "[ -n \"\$(ip -n $(lap 2) -6 -o addr show dev mtlsvpn0 scope global)\" ]" ||
	fail "bob: no IPv6 tunnel address"
a6=$(addr6 1) b6=$(addr6 2)
say "before restart: carol $c4, dave $d4, alice $a4 $a6, bob $b4 $b6"
[ "$a4" != "$c4" ] && [ "$b4" != "$d4" ] || fail "alice/bob took carol's/dave's addresses"
case "$a4" in 10.8.1.*) ;; *) fail "alice got $a4, not an engineering address" ;; esac
case "$b4" in 10.8.2.*) ;; *) fail "bob got $b4, not a sales address" ;; esac

# Restart with the clients running: they reconnect by themselves.
restart_gateway
wait_for 20 has_addr_in 1 10.8.1. || fail "alice did not reconnect after the restart"
wait_for 20 has_addr_in 2 10.8.2. || fail "bob did not reconnect after the restart"
sleep 1
[ "$(addr4 1)" = "$a4" ] || fail "alice got $(addr4 1) after the restart, not $a4"
[ "$(addr4 2)" = "$b4" ] || fail "bob got $(addr4 2) after the restart, not $b4"
wait_for 10 sh -c "[ \"\$(ip -n $(lap 1) -6 -o addr show dev mtlsvpn0 scope global | awk '{print \$4}' | cut -d/ -f1)\" = $a6 ]" ||
	fail "alice got $(addr6 1) after the restart, not $a6"
wait_for 10 sh -c "[ \"\$(ip -n $(lap 2) -6 -o addr show dev mtlsvpn0 scope global | awk '{print \$4}' | cut -d/ -f1)\" = $b6 ]" ||
	fail "bob got $(addr6 2) after the restart, not $b6"
grep -q "leases: [1-9][0-9]* restored from $LEASES" "$WORK/gateway.log" ||
	fail "no restore logged: $(grep 'leases' "$WORK/gateway.log")"
say "after restart: alice $(addr4 1) $(addr6 1), bob $(addr4 2) $(addr6 2)"

# A corrupt lease file: the bad line is reported with its number, the
# good lines still count, the file is rebuilt and the gateway serves.
stop_pid "$GW_PID"
echo "this line is not a lease at all" >>"$LEASES"
bad=$(wc -l <"$LEASES")
start_gateway
wait_for 5 grep -q "$LEASES:$bad: expected 5 fields" "$WORK/gateway.log" ||
	fail "the bad line $bad was not reported: $(grep leases "$WORK/gateway.log" | tail -n 3)"
wait_for 5 sh -c "! grep -q 'not a lease at all' $LEASES" || fail "the lease file was not rebuilt"
wait_for 20 has_addr_in 1 10.8.1. || fail "alice did not reconnect after the corrupt file"
sleep 1
[ "$(addr4 1)" = "$a4" ] || fail "alice got $(addr4 1) after the rebuild, not $a4"
# A file that is not a lease file at all: reported at line 1, rebuilt.
stop_pid "$GW_PID"
printf 'garbage\xff\nmore garbage\n' >"$LEASES"
start_gateway
wait_for 5 grep -q "$LEASES:1: not a lease file" "$WORK/gateway.log" ||
	fail "the bad header was not reported"
wait_for 5 grep -q '^mtlsvpn-leases 1$' "$LEASES" || fail "the garbage file was not rebuilt"
wait_for 20 has_addr_in 2 10.8.2. || fail "bob did not reconnect after the garbage file"
say "corrupt lease files: reported, rebuilt, gateway serving"

# Pool exhaustion: a /30 has one address to lease.
connect 3 erin
[ "$(addr4 3)" = 10.8.3.2 ] || fail "erin got $(addr4 3), not 10.8.3.2"
write_client_ini 4 frank
run_client_to_end 4 6
grep -q "address pool exhausted" "$WORK/client4.log" ||
	fail "frank was not told the pool is exhausted: $(tail -n 3 "$WORK/client4.log")"
grep -q 'frank.*refused: the address pool of group tiny is exhausted' "$WORK/gateway.log" ||
	fail "no log line naming the group: $(grep frank "$WORK/gateway.log" | tail -n 2)"
say "pool exhaustion: frank refused, group tiny named"

# One session per identity: alice again from laptop 5 replaces laptop 1
# and takes over its address.
wait_for 20 has_addr_in 1 10.8.1. || fail "alice did not reconnect after the garbage file"
a4=$(addr4 1)
connect 5 alice
wait_for 10 grep -q "replaced by a newer session" "$WORK/client1.log" ||
	fail "the older alice was not told it was replaced"
[ "$(addr4 5)" = "$a4" ] || fail "the newer alice got $(addr4 5), not $a4"
say "replacement: the older session was told \"replaced by a newer session\""

# max_sessions_per_identity = 2: two sessions of alice, each with its own
# address; a third replaces the oldest.
stop_pid "$GW_PID"
sed -i 's/^default_group = deny$/default_group = deny\nmax_sessions_per_identity = 2/' "$WORK/server.ini"
start_gateway
wait_for 20 has_addr_in 5 10.8.1. || fail "alice (laptop 5) did not reconnect"
connect 1 alice
sleep 1
has_addr_in 5 10.8.1. || fail "the second alice session replaced the first"
[ "$(addr4 1)" != "$(addr4 5)" ] || fail "two sessions of alice share $(addr4 1)"
: >"$WORK/client1.log"
: >"$WORK/client5.log"
disconnect 3
connect 3 alice
replaced() { grep -q "replaced by a newer session" "$WORK/client1.log" "$WORK/client5.log"; }
wait_for 10 replaced || fail "the oldest of three alice sessions was not replaced"
[ "$(grep -l "replaced by a newer session" "$WORK/client1.log" "$WORK/client5.log" | wc -l)" = 1 ] ||
	fail "more than one alice session was replaced"
[ "$(grep -c 'session up: .*identity="alice"' "$WORK/gateway.log")" -ge 3 ] || fail "alice sessions missing"
say "max_sessions_per_identity = 2: two alice sessions with two addresses, the third replaced the oldest"
pass
