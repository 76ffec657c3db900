#!/usr/bin/env bash
# Privilege separation (server/confine.c, common/base/privdrop.c,
# common/base/sandbox.c): the gateway started as root runs as nobody with
# CAP_NET_ADMIN only, NO_NEW_PRIVS and seccomp; the client stays root with
# CAP_NET_ADMIN only. Under that, everything the running gateway does still
# works: a tunnel (ping, a download), reloads by SIGHUP and mtlsvpnctl that
# add and remove a TUN address, a revocation picked up through inotify,
# capture, status, and a clean shutdown; no "seccomp" line is ever logged.
# A missing user and an unwritable lease directory refuse the start.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
add_laptop 2
pki_init
pki_client alice
pki_client bob
"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl"
SOCK="$WORK/control"
CTL=("$B/mtlsvpnctl")

# ---- refusals at start ----
write_server_ini "user = mtlsvpn-no-such-user"
rc=0
out=$("$B/mtlsvpn-server" -c "$WORK/server.ini" --check-config 2>&1) || rc=$?
[ "$rc" -eq 2 ] || fail "--check-config with a missing user: exit $rc, not 2: $out"
echo "$out" | grep -q "\[gateway\] user: the user mtlsvpn-no-such-user does not exist" ||
	fail "the missing user is not named: $out"
say "missing user: exit $rc: $out"
write_server_ini "lease_file = leases"
rc=0
out=$(timeout 10 ip netns exec "$G" "$B/mtlsvpn-server" -c "$WORK/server.ini" 2>&1) || rc=$?
[ "$rc" -eq 1 ] || fail "an unwritable lease directory: exit $rc, not 1: $out"
echo "$out" | grep -q "\[gateway\] lease_file: user nobody cannot replace $WORK/leases" ||
	fail "the unwritable lease directory is not named: $out"
say "unwritable lease directory refused"

# ---- the confined gateway ----
write_server_ini "crl = ca/crl.pem"
mkdir -p "$WORK/www"
head -c 4000000 /dev/urandom >"$WORK/www/big.bin"
ip netns exec "$N" python3 -m http.server --bind 10.20.0.2 --directory "$WORK/www" 8080 \
	>>"$WORK/lan.log" 2>&1 &
T_PIDS+=("$!")
wait_for 5 listening "$N" 8080 || fail "the LAN web server did not start"
start_gateway
wait_for 5 grep -q "running as nobody" "$WORK/gateway.log" || fail "no 'running as nobody' line"
for i in 1 2; do
	write_client_ini "$i" "$(echo alice bob | cut -d' ' -f"$i")"
	start_client "$i"
done
wait_tunnel 1
wait_tunnel 2

# field PID NAME: the value of NAME in /proc/PID/status (tabs as spaces).
field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }
expect_field() {
	local got
	got=$(field "$1" "$2")
	[ "$got" = "$3" ] || fail "$4 $2 is '$got', not '$3'"
}
for f in Uid Gid; do expect_field "$GW_PID" "$f" "65534 65534 65534 65534" gateway; done
expect_field "$GW_PID" Groups 65534 gateway
for f in CapEff CapPrm CapBnd; do expect_field "$GW_PID" "$f" 0000000000001000 gateway; done
for f in CapInh CapAmb; do expect_field "$GW_PID" "$f" 0000000000000000 gateway; done
expect_field "$GW_PID" NoNewPrivs 1 gateway
# A sanitizer build drops privileges but installs no filter (confine.c).
expect_field "$GW_PID" Seccomp "$([ "${MTLSVPN_SANITIZED:-OFF}" = ON ] && echo 0 || echo 2)" gateway
say "gateway: $(grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' \
	"/proc/$GW_PID/status" | tr '\t\n' ' ')"
C=${CLIENT_PID[1]}
expect_field "$C" Uid "0 0 0 0" client
for f in CapEff CapPrm CapBnd; do expect_field "$C" "$f" 0000000000001000 client; done
for f in CapInh CapAmb; do expect_field "$C" "$f" 0000000000000000 client; done
expect_field "$C" NoNewPrivs 1 client
say "client: $(grep -E '^(Uid|CapPrm|CapEff|CapBnd|NoNewPrivs|Seccomp):' "/proc/$C/status" |
	tr '\t\n' ' ')"

# ---- a tunnel ----
L=$(lap 1)
ip netns exec "$L" ping -c 3 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "alice cannot ping the LAN"
ip netns exec "$L" curl -sS --max-time 60 -o "$WORK/got.bin" http://10.20.0.2:8080/big.bin ||
	fail "the download failed"
cmp -s "$WORK/www/big.bin" "$WORK/got.bin" || fail "the download differs"
say "ping and a 4 MB download through the tunnel"

# ---- reloads: a new group's address goes onto the TUN, then away ----
has_tun_addr() { ip -n "$G" -4 -o addr show dev mtlsvpn0 | grep -q "inet $1/"; }
cat >>"$WORK/server.ini" <<'INI'
[group extra]
ipv4 = 10.9.0.0/24
INI
kill -HUP "$GW_PID"
wait_for 5 grep -q "SIGHUP: .* reloaded" "$WORK/gateway.log" || fail "SIGHUP: no reload"
wait_for 5 has_tun_addr 10.9.0.1 || fail "SIGHUP: 10.9.0.1 is not on the TUN"
sed -i '/^\[group extra\]/,$d' "$WORK/server.ini"
out=$("${CTL[@]}" reload --control "$SOCK" 2>&1) || fail "mtlsvpnctl reload failed: $out"
has_tun_addr 10.9.0.1 && fail "mtlsvpnctl reload: 10.9.0.1 is still on the TUN"
tunnel_up 1 || fail "alice's tunnel is down after the reloads"
say "reloads: $out"

# ---- a revocation through inotify ----
"${CTL[@]}" ca revoke bob --reason keyCompromise --dir "$CA" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca revoke bob: $(tail -n 3 "$WORK/ctl.log")"
wait_for 5 grep -q "certificate revoked" "$WORK/client2.log" ||
	fail "bob's session was not closed as revoked within 5 s"
say "revocation: bob's session closed"

# ---- capture and status ----
(sleep 1 && ip netns exec "$L" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null 2>&1) &
PINGER=$!
"${CTL[@]}" capture alice icmp -w "$WORK/cap.pcap" --count 2 --seconds 8 --control "$SOCK" \
	>"$WORK/cap.out" 2>&1 || fail "capture failed: $(cat "$WORK/cap.out")"
wait "$PINGER" || true
[ "$(stat -c %s "$WORK/cap.pcap")" -gt 24 ] || fail "the capture holds no packet"
out=$("${CTL[@]}" status --control "$SOCK" 2>&1) || fail "mtlsvpnctl status failed: $out"
echo "$out" | grep -q alice || fail "status does not list alice: $out"
kill -USR1 "$GW_PID"
wait_for 5 grep -q "status: sessions=" "$WORK/gateway.log" || fail "SIGUSR1: no status"
say "capture: $(tail -1 "$WORK/cap.out")"

# ---- still alive, then a clean shutdown ----
kill -0 "$GW_PID" 2>/dev/null || fail "the gateway died"
grep -q seccomp "$WORK/gateway.log" && fail "seccomp: $(grep seccomp "$WORK/gateway.log")"
kill -TERM "$GW_PID"
rc=0
wait "$GW_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "the gateway exited with $rc after SIGTERM: $(tail -n 3 "$WORK/gateway.log")"
grep -q seccomp "$WORK/gateway.log" && fail "seccomp: $(grep seccomp "$WORK/gateway.log")"
grep -q "leases: .* saved" "$WORK/gateway.log" || fail "the leases were not saved at shutdown"
say "gateway stopped cleanly, no seccomp line in its log"
pass
