#!/usr/bin/env bash
# Twenty employees at once, each on a laptop of their own: all connect, get
# distinct addresses and pass traffic to the internal host at the same time.
. "$(dirname "$0")/lib.sh"

n=20
topo_init
pki_init
write_server_ini
start_gateway
for i in $(seq "$n"); do
	add_laptop "$i"
	pki_client "user$i"
	write_client_ini "$i" "user$i"
	start_client "$i"
done
for i in $(seq "$n"); do wait_tunnel "$i" 30; done
addrs=$(for i in $(seq "$n"); do tunnel_addr "$i"; done | sort -u | wc -l)
[ "$addrs" -eq "$n" ] || fail "$n clients got $addrs distinct addresses"
pids=()
for i in $(seq "$n"); do
	ip netns exec "$(lap "$i")" ping -c 20 -i 0.05 -W 2 10.20.0.2 >"$WORK/ping$i.out" 2>&1 &
	pids+=("$!")
done
bad=0
for i in $(seq "$n"); do
	wait "${pids[$((i - 1))]}" || { bad=$((bad + 1)); say "user$i: $(tail -n 2 "$WORK/ping$i.out" | head -n 1)"; }
done
[ "$bad" -eq 0 ] || fail "$bad of $n clients lost pings"
kill -USR1 "$GW_PID"
wait_for 5 grep -q "status: sessions=$n " "$WORK/gateway.log" || fail "gateway does not report $n sessions"
say "$n clients, $n distinct addresses, 20 pings each without loss"
pass
