#!/usr/bin/env bash
# The UDP data channel as the client sees it (test_udp.sh has the channel
# end to end, blocking and unblocking, forged datagrams, re-keys and
# revocation): alice (udp = auto) downloads 20 MB through the channel,
# counted by her client's datagram counters, while the gateway's TLS
# connection sends her next to nothing; her status says "udp: up" in text
# and in JSON valid against docs/client-status.schema.json, then, with UDP
# blocked in her namespace (nft), "udp: failed (TLS carries the traffic)"
# while the same 20 MB comes by TLS in the same session. A reconnect that
# resumes the TLS session brings a fresh channel (epoch 0, keys from the
# resumed session's exporter). bob (udp = off) never takes the channel:
# "udp: off", JSON null, and no channel on the gateway. The client logs
# one line per change of the path, never per datagram.
. "$(dirname "$0")/lib.sh"

need_tools nft curl python3
SCHEMA=$SRC/docs/client-status.schema.json

topo_init
add_laptop 1
add_laptop 2
pki_init
pki_client alice
pki_client bob
write_server_ini
start_gateway
write_client_ini 1 alice
write_client_ini 2 bob "udp = off"
start_client 1
wait_tunnel 1
L=$(lap 1)

# status N: ST_OUT, the JSON status of laptop N's client.
ST_OUT=
status() {
	set +e
	ST_OUT=$(timeout 10 ip netns exec "$(lap "$1")" "$B/mtlsvpn-client" status \
		-c "$WORK/client$1.ini" --json 2>&1)
	set -e
}
text_status() { timeout 10 ip netns exec "$(lap "$1")" "$B/mtlsvpn-client" status -c "$WORK/client$1.ini"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$ST_OUT"; }
udp_field() { status "$1" && jq_py "(d['udp'] or {}).get('$2')"; }
udp_state_is() { [ "$(udp_field "$1" state)" = "$2" ]; }
check_json() {
	python3 -c 'import json, sys, jsonschema
jsonschema.validate(json.loads(sys.argv[2]), json.load(open(sys.argv[1])))' "$SCHEMA" "$ST_OUT" ||
		fail "client JSON not valid against the schema: $ST_OUT"
}
# The gateway's "udp" object of one identity's session, as JSON.
gw_udp() {
	"$B/mtlsvpnctl" status --json --control "$WORK/control" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for s in d["sessions"]:
    if s["identity"] == sys.argv[1]:
        print(json.dumps(s.get("udp", "absent")))' "$1"
}
# Bytes the gateway's TLS connection has sent laptop NUM so far.
tls_tx_bytes() {
	local n
	n=$(ip netns exec "$G" ss -Htin "src 192.0.2.1:8443" "dst 192.0.2.$((10 + $1))" |
		grep -o 'bytes_sent:[0-9]*' | cut -d: -f2 | head -n 1)
	[ -n "$n" ] || fail "no TLS connection from laptop $1 on the gateway"
	echo "$n"
}

mkdir -p "$WORK/www"
head -c 20M /dev/urandom >"$WORK/www/big.bin"
ip netns exec "$N" python3 -m http.server --bind 10.20.0.2 --directory "$WORK/www" 8080 \
	>"$WORK/http.log" 2>&1 &
T_PIDS+=("$!")
wait_for 10 listening "$N" 8080 || fail "web server did not start"
# download WHAT: 20 MB from the internal host to laptop 1, checksum checked.
download() {
	ip netns exec "$L" curl -sS --max-time 60 -o "$WORK/got.bin" http://10.20.0.2:8080/big.bin ||
		fail "$1: the 20 MB download failed"
	[ "$(sha256sum <"$WORK/got.bin" | cut -d' ' -f1)" = \
		"$(sha256sum <"$WORK/www/big.bin" | cut -d' ' -f1)" ] || fail "$1: checksum differs"
}

# ---- up: the download comes by UDP ----
wait_for 10 udp_state_is 1 up || fail "alice's UDP channel did not come up: $(udp_field 1 state)"
status 1
check_json
grep -q '^udp: *up$' <<<"$(text_status 1)" || fail "the text status does not say udp: up: $(text_status 1)"
[ "$(gw_udp alice | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = up ] ||
	fail "the gateway does not show alice's channel up: $(gw_udp alice)"
in0=$(udp_field 1 datagrams_in)
tls0=$(tls_tx_bytes 1)
download "UDP up"
in1=$(udp_field 1 datagrams_in)
tls1=$(tls_tx_bytes 1)
# 20 MB is about 14 500 full-size packets.
[ $((in1 - in0)) -ge 14000 ] || fail "only $((in1 - in0)) datagrams came in for a 20 MB download"
[ $((tls1 - tls0)) -lt 1000000 ] ||
	fail "the gateway sent $((tls1 - tls0)) bytes of a 20 MB download by TLS, not UDP"
say "20 MB down by UDP: $((in1 - in0)) datagrams, $((tls1 - tls0)) bytes by TLS; status udp: up"

# ---- UDP blocked: "failed", and TLS carries the download ----
ip netns exec "$L" nft -f - <<'NFT'
table inet udpblock {
	chain out { type filter hook output priority 0; udp dport 8443 drop; }
	chain in { type filter hook input priority 0; udp sport 8443 drop; }
}
NFT
# A keepalive PING every 10 s, then 3 lost 1 s apart.
wait_for 20 udp_state_is 1 failed || fail "blocked UDP was not noticed: $(udp_field 1 state)"
status 1
check_json
[ "$(jq_py 'd["udp"]["fallbacks"]')" = 1 ] || fail "fallbacks: $ST_OUT"
grep -q '^udp: *failed (TLS carries the traffic)$' <<<"$(text_status 1)" ||
	fail "the text status does not say UDP failed: $(text_status 1)"
tls0=$(tls_tx_bytes 1)
download "UDP blocked"
tls1=$(tls_tx_bytes 1)
[ $((tls1 - tls0)) -ge 20000000 ] ||
	fail "UDP blocked: the TLS connection carried only $((tls1 - tls0)) bytes of a 20 MB download"
if grep -q "reconnecting" "$WORK/client1.log"; then fail "the session was dropped when UDP was blocked"; fi
say "UDP blocked: status udp: failed; 20 MB down by TLS ($((tls1 - tls0)) bytes) in the same session"
ip netns exec "$L" nft delete table inet udpblock

# ---- a reconnect resumes TLS: a fresh channel from the resumed session ----
ups=$(grep -c "UDP data channel to 192.0.2.1:8443 up" "$WORK/client1.log")
kill -USR2 "${CLIENT_PID[1]}"
wait_for 15 grep -q "resumed the TLS session" "$WORK/client1.log" || fail "the reconnect did not resume TLS"
resumed_up() { [ "$(grep -c "UDP data channel to 192.0.2.1:8443 up" "$WORK/client1.log")" -gt "$ups" ]; }
wait_for 10 resumed_up || fail "no UDP channel after the resumed reconnect"
wait_tunnel 1
ip netns exec "$L" ping -c 20 -i 0.05 -W 2 10.20.0.2 >/dev/null || fail "no ping after the resumed reconnect"
status 1
check_json
[ "$(jq_py 'd["udp"]["state"] == "up" and d["udp"]["datagrams_in"] >= 20 and d["udp"]["epoch"] == 0 and d["udp"]["fallbacks"] == 0')" = True ] ||
	fail "after the resumed reconnect: $ST_OUT"
say "reconnect: TLS resumed, a fresh UDP channel (epoch 0, counters from zero) carries the traffic"

# One line per change of the path: up, failed, up again after the reconnect.
lines=$(grep -c "UDP data channel to" "$WORK/client1.log" || true)
[ "$lines" -eq 3 ] || fail "$lines log lines about the UDP channel, want 3: $(grep "UDP data channel to" "$WORK/client1.log")"

# ---- udp = off: TLS only ----
start_client 2
wait_tunnel 2
ip netns exec "$(lap 2)" ping -c 3 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "udp = off: no ping"
status 2
check_json
[ "$(jq_py 'd["udp"]')" = None ] || fail "udp = off: the client shows a channel: $ST_OUT"
[ "$(gw_udp bob)" = null ] || fail "udp = off: the gateway shows a channel for bob: $(gw_udp bob)"
grep -q '^udp: *off$' <<<"$(text_status 2)" || fail "udp = off: the text status does not say udp: off"
say "udp = off: TLS only; status udp: off, null on both sides"

pass
