#!/usr/bin/env bash
# The UDP data channel (docs/protocol.md section 12) end to end: it comes up
# and carries the traffic (nft counters on the laptop: the bulk goes by UDP,
# not TCP); blocking UDP on the laptop moves both ends to TLS without
# dropping the session, and traffic goes on; unblocking brings UDP back;
# a replayed, a forged and an unknown-cid datagram are dropped and counted
# and change nothing; the gateway re-keys every 10 s here and transfers
# keep their checksums across it; revoking the certificate closes the TLS
# session and the channel with it (the session's cid is forgotten at once),
# while another employee's channel stays up.
. "$(dirname "$0")/lib.sh"

need_tools python3 nft sha256sum

topo_init
add_laptop 1
add_laptop 2
L1=$(lap 1)
L2=$(lap 2)
pki_init
pki_client alice
pki_client bob
"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl"
write_server_ini "crl = ca/crl.pem" "udp_rekey_interval = 10"
start_gateway
write_client_ini 1 alice
write_client_ini 2 bob
start_client 1
start_client 2
wait_tunnel 1
wait_tunnel 2

SOCK=$WORK/control
J=$WORK/status.json
status_json() { "$B/mtlsvpnctl" status --json --control "$SOCK" >"$J"; }
# sess IDENTITY EXPR: EXPR over that identity's session s (None if absent).
sess() {
	status_json
	python3 - "$J" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = next((x for x in d["sessions"] if x["identity"] == sys.argv[2]), None)
print(eval(sys.argv[3]))
PY
}
gw_udp() {
	status_json
	python3 -c "import json; d=json.load(open('$J')); print(d['gateway']['udp']['$1'])"
}
udp_state() { sess "$1" 's["udp"]["state"] if s and s["udp"] else None'; }
state_is() { [ "$(udp_state "$1")" = "$2" ]; }
client_udp() { ip netns exec "$(lap "$1")" "$B/mtlsvpn-client" status -c "$WORK/client$1.ini" 2>/dev/null | grep '^udp:' || true; }
client_state_is() { client_udp "$1" | grep -q "^udp: *$2"; }

# ---- the channel comes up on both ends ----
wait_for 10 state_is alice up || fail "alice's UDP channel is not up after 10 s: $(udp_state alice)"
wait_for 10 state_is bob up || fail "bob's UDP channel is not up after 10 s: $(udp_state bob)"
wait_for 5 client_state_is 1 up || fail "alice's client does not say 'udp: up': $(client_udp 1)"
peer=$(sess alice 's["udp"]["peer"]')
case "$peer" in 192.0.2.11:*) ;; *) fail "alice's UDP peer is $peer, not her address 192.0.2.11" ;; esac
say "UDP channel up for alice and bob (client and gateway agree)"

# Counters of what the laptop sends to the gateway's port, per protocol, and
# a switch to block UDP to it.
ip netns exec "$L1" nft -f - <<NFT || fail "nft setup in the laptop"
table inet udpt {
	counter udp_out {}
	counter tcp_out {}
	chain out {
		type filter hook output priority 0;
		udp dport 8443 counter name udp_out
		tcp dport 8443 counter name tcp_out
	}
}
NFT
nft_bytes() { ip netns exec "$L1" nft -j list counter inet udpt "$1" |
	python3 -c 'import json,sys; print([o["counter"]["bytes"] for o in json.load(sys.stdin)["nftables"] if "counter" in o][0])'; }
block_udp() { ip netns exec "$L1" nft add rule inet udpt out udp dport 8443 drop; }
unblock_udp() { ip netns exec "$L1" nft flush chain inet udpt out &&
	ip netns exec "$L1" nft add rule inet udpt out udp dport 8443 counter name udp_out &&
	ip netns exec "$L1" nft add rule inet udpt out tcp dport 8443 counter name tcp_out; }

# The LAN host sinks uploads on 5001 and writes their sha256.
cat >"$WORK/lan.py" <<'PY'
import hashlib, socket, sys
work = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.20.0.2", 5001)); s.listen(4)
n = 0
while True:
    c, _ = s.accept(); h = hashlib.sha256()
    while True:
        b = c.recv(65536)
        if not b: break
        h.update(b)
    n += 1
    open(work + "/up.sha.tmp", "w").write(h.hexdigest())
    import os; os.rename(work + "/up.sha.tmp", work + "/up.sha")
    c.sendall(b"k"); c.close()
PY
ip netns exec "$N" timeout 600 python3 "$WORK/lan.py" "$WORK" >"$WORK/lan.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 listening "$N" 5001 || fail "the LAN sink did not start"
head -c 20M /dev/urandom >"$WORK/big.bin"
want=$(sha256sum <"$WORK/big.bin" | cut -d' ' -f1)
# upload WHAT: 20 MB from alice to the LAN host, checked by its sha256.
upload() {
	rm -f "$WORK/up.sha"
	ip netns exec "$L1" timeout 90 python3 -c '
import socket, sys
s = socket.create_connection(("10.20.0.2", 5001), timeout=60)
with open(sys.argv[1], "rb") as f:
    s.sendall(f.read())
s.shutdown(socket.SHUT_WR); s.recv(1)' "$WORK/big.bin" || fail "$1: the upload failed"
	wait_for 10 test -s "$WORK/up.sha" || fail "$1: the LAN host got no complete upload"
	[ "$(cat "$WORK/up.sha")" = "$want" ] || fail "$1: the upload's checksum differs"
}

# ---- the bulk goes by UDP ----
u0=$(nft_bytes udp_out)
t0=$(nft_bytes tcp_out)
in0=$(sess alice 's["udp"]["datagrams_in"]')
upload "over UDP"
u1=$(nft_bytes udp_out)
t1=$(nft_bytes tcp_out)
in1=$(sess alice 's["udp"]["datagrams_in"]')
[ $((u1 - u0)) -gt 20000000 ] || fail "only $((u1 - u0)) bytes went to the gateway by UDP for a 20 MB upload"
[ $((t1 - t0)) -lt 2000000 ] || fail "$((t1 - t0)) bytes went by TCP during an upload that should take UDP"
[ $((in1 - in0)) -gt 14000 ] || fail "the gateway counted $((in1 - in0)) datagrams in for a 20 MB upload"
say "20 MB up: $((u1 - u0)) bytes by UDP, $((t1 - t0)) by TCP, $((in1 - in0)) datagrams in, checksum matches"

# ---- replayed, forged and unknown-cid datagrams ----
# One of alice's DATA datagrams as it leaves her laptop, sent again from
# there: once as is (a replay), once with its tag changed (a forgery), once
# with a connection id no session has.
grab_dchan_datagram "$L1" "$WORK/dgram.bin"
send_dgram() { ip netns exec "$L1" python3 -c '
import socket, sys
d = bytearray(open(sys.argv[1], "rb").read())
if sys.argv[2] == "forge": d[-1] ^= 0x55
if sys.argv[2] == "cid": d[4:12] = bytes(reversed(d[4:12])); d[11] ^= 0xff
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(bytes(d), ("192.0.2.1", 8443))' "$WORK/dgram.bin" "$1"; }
drops() { sess alice "s['udp']['drops']['replay'] + s['udp']['drops']['old']"; }
auth_drops() { sess alice 's["udp"]["drops"]["auth"]'; }
unknown_cid() { gw_udp unknown_cid; }
# at_least FN N: FN prints a number >= N (re-read on every try of wait_for).
at_least() { [ "$($1)" -ge "$2" ]; }
r0=$(drops)
a0=$(sess alice 's["udp"]["drops"]["auth"]')
c0=$(gw_udp unknown_cid)
send_dgram replay
send_dgram forge
send_dgram cid
wait_for 5 at_least drops $((r0 + 1)) || fail "the replayed datagram was not counted (replay+old $(drops), was $r0)"
wait_for 5 at_least auth_drops $((a0 + 1)) || fail "the forged datagram was not counted as auth"
wait_for 5 at_least unknown_cid $((c0 + 1)) || fail "the unknown-cid datagram was not counted"
state_is alice up || fail "alice's channel left 'up' after bad datagrams: $(udp_state alice)"
[ "$(sess alice 's["udp"]["peer"]')" != "None" ] || fail "alice's peer vanished"
case "$(sess alice 's["udp"]["peer"]')" in 192.0.2.11:*) ;; *) fail "bad datagrams moved alice's peer" ;; esac
tunnel_up 1 || fail "alice's tunnel stopped after bad datagrams"
n=$(grep -ci "datagram" "$WORK/gateway.log" || true)
[ "$n" -lt 5 ] || fail "the gateway logged bad datagrams one by one ($n lines)"
say "replayed, forged and unknown-cid datagrams dropped and counted; the channel stays up"

# ---- UDP blocked: both ends fall back to TLS, the session stays ----
sid=$(sess alice 's["sid"]')
fb0=$(sess alice 's["udp"]["fallbacks"]')
block_udp
wait_for 25 state_is alice failed || fail "the gateway did not mark alice's UDP failed within 25 s: $(udp_state alice)"
wait_for 25 client_state_is 1 failed || fail "alice's client did not fall back within 25 s: $(client_udp 1)"
[ "$(sess alice 's["sid"]')" = "$sid" ] || fail "the fallback dropped alice's session"
[ "$(sess alice 's["udp"]["fallbacks"]')" -gt "$fb0" ] || fail "no fallback counted"
t0=$(nft_bytes tcp_out)
upload "with UDP blocked"
t1=$(nft_bytes tcp_out)
[ $((t1 - t0)) -gt 20000000 ] || fail "with UDP blocked only $((t1 - t0)) bytes went by TCP"
say "UDP blocked: both ends on TLS, same session, 20 MB up by TCP, checksum matches"

# ---- unblocked: back to UDP (re-probe every 30 s) ----
unblock_udp
wait_for 45 state_is alice up || fail "alice's UDP did not come back within 45 s: $(udp_state alice)"
wait_for 45 client_state_is 1 up || fail "alice's client did not go back to UDP: $(client_udp 1)"
[ "$(sess alice 's["sid"]')" = "$sid" ] || fail "the recovery replaced alice's session"
[ "$(sess alice 's["udp"]["recoveries"]')" -ge 1 ] || fail "no recovery counted"
u0=$(nft_bytes udp_out)
upload "back on UDP"
u1=$(nft_bytes udp_out)
[ $((u1 - u0)) -gt 20000000 ] || fail "after the recovery only $((u1 - u0)) bytes went by UDP"
say "UDP unblocked: back on UDP, same session, checksum matches"

# ---- re-keys happened (every 10 s here) without a loss ----
rk=$(sess alice 's["udp"]["rekeys"]')
ep=$(sess alice 's["udp"]["epoch"]')
[ "$rk" -ge 3 ] || fail "only $rk re-keys in the last minute with udp_rekey_interval = 10"
[ "$ep" -ge 3 ] || fail "alice's epoch is $ep after $rk re-keys"
ip netns exec "$L1" "$B/mtlsvpn-client" status -c "$WORK/client1.ini" --json >"$WORK/client.json" ||
	fail "client status --json failed"
python3 - "$WORK/client.json" <<'PY' || fail "the client's status disagrees: $(cat "$WORK/client.json")"
import json, sys
u = json.load(open(sys.argv[1]))["udp"]
assert u["state"] == "up", u
assert u["rekeys"] >= 3, u
assert u["fallbacks"] >= 1 and u["recoveries"] >= 1, u
PY
say "$rk re-keys (epoch $ep), every upload's checksum matched"

# ---- revocation closes both channels at once ----
c0=$(gw_udp unknown_cid)
"$B/mtlsvpnctl" ca revoke alice --reason keyCompromise --dir "$CA" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca revoke alice: $(tail -n 3 "$WORK/ctl.log")"
wait_for 5 grep -q "certificate revoked" "$WORK/client1.log" ||
	fail "alice's client was not told 'certificate revoked' within 5 s"
alice_gone() { [ "$(sess alice 's is None')" = True ]; }
wait_for 5 alice_gone || fail "alice's session is still listed after revocation"
send_dgram replay
wait_for 5 at_least unknown_cid $((c0 + 1)) ||
	fail "alice's old cid was not forgotten at revocation"
state_is bob up || fail "bob's channel is not up after alice's revocation: $(udp_state bob)"
ip netns exec "$L2" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null || fail "bob's tunnel broke"
say "revocation: alice's session and cid gone at once; bob still on UDP"

pass
