#!/usr/bin/env bash
# Stock OpenConnect clients (Debian's openconnect, --protocol=anyconnect,
# certificate only, CSTP over TLS, no DTLS) on the gateway's TLS listener
# with `openconnect = on`, checked like our own client: the address comes
# from the pool of the certificate's group and the split-include routes,
# DNS and MTU are the group's; the internal host answers; the group's
# access rules hold (an allowed TCP port works, a denied one does not); a
# forged inner source is dropped and counted on the session; a 20 MB
# download arrives intact; a certificate from another CA is refused; our
# client and an OpenConnect client are up at the same time and `mtlsvpnctl
# status` tells their transports apart; revoking the OpenConnect user
# closes the session within 2 s with a CSTP DISCONNECT.
. "$(dirname "$0")/lib.sh"

command -v openconnect >/dev/null ||
	fail "openconnect is not installed (apt-get install openconnect; packaging/setup.sh installs it)"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

topo_init
add_laptop 1 # openconnect, alice (engineering)
add_laptop 2 # mtlsvpn-client, bob (sales)
add_laptop 3 # openconnect with a certificate from another CA
pki_init
pki_client alice
pki_client bob
pki_client carol
pki_client dave
"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl: $(tail -n 3 "$WORK/ctl.log")"

# Two groups with their own pools (inside the /16 and /48 lib.sh's LAN
# routes back), routes, DNS and rules; the MTU is the gateway's.
write_server_ini "openconnect = on" "metrics = 127.0.0.1:9560" "crl = ca/crl.pem" "mtu = 1300" "default_group = deny"
sed -i '/^\[pool\]/,$d' "$WORK/server.ini"
cat >>"$WORK/server.ini" <<'INI'
[group engineering]
ipv4 = 10.8.1.0/24
ipv6 = fd00:8:0:1::/64
routes = 10.20.0.0/24, fd00:20::/64
dns = 10.20.0.53
search = corp.test
members = alice, carol
rule10 = allow dst host 10.20.0.2 and tcp dst port 8080
rule20 = allow icmp or icmp6
[group sales]
ipv4 = 10.8.2.0/24
ipv6 = fd00:8:0:2::/64
routes = 10.20.0.0/24
members = bob, dave
rule10 = allow dst host 10.20.0.2 and tcp dst port 8081
rule20 = allow icmp or icmp6
INI

# The internal host: two web servers, 8080 (engineering may) and 8081
# (only sales may), with a 20 MB file.
mkdir -p "$WORK/www"
head -c 20M /dev/urandom >"$WORK/www/big.bin"
echo "hello from the LAN" >"$WORK/www/hello.txt"
for port in 8080 8081; do
	ip netns exec "$N" python3 -m http.server --bind 10.20.0.2 --directory "$WORK/www" "$port" \
		>>"$WORK/http.log" 2>&1 &
	T_PIDS+=("$!")
done
wait_for 10 listening "$N" 8080 || fail "web server 8080 did not start"
wait_for 10 listening "$N" 8081 || fail "web server 8081 did not start"

start_gateway

# The vpnc-compatible script openconnect runs: it records what it was given
# (one file per reason) and, on connect, sets the TUN up from it inside the
# laptop's namespace; on disconnect openconnect removes the TUN itself.
cat >"$WORK/oc-script.sh" <<SH
#!/bin/sh
env | grep -E '^(reason|TUNDEV|VPNGATEWAY|INTERNAL_IP|CISCO_|IDLE_TIMEOUT)' | sort >"$WORK/oc-\$TUNDEV.\$reason.env"
[ "\$reason" = connect ] || exit 0
set -e
masklen=\${INTERNAL_IP4_NETMASKLEN:-}
if [ -z "\$masklen" ]; then
	masklen=\$(python3 -c "import ipaddress,sys; print(ipaddress.IPv4Network('0.0.0.0/'+sys.argv[1]).prefixlen)" "\$INTERNAL_IP4_NETMASK")
fi
ip link set dev "\$TUNDEV" mtu "\${INTERNAL_IP4_MTU:-1300}" up
ip addr add "\$INTERNAL_IP4_ADDRESS/\$masklen" dev "\$TUNDEV"
case "\${INTERNAL_IP6_NETMASK:-}" in
*/*) ip -6 addr add "\$INTERNAL_IP6_NETMASK" dev "\$TUNDEV" nodad ;;
*) [ -z "\${INTERNAL_IP6_ADDRESS:-}" ] || ip -6 addr add "\$INTERNAL_IP6_ADDRESS/128" dev "\$TUNDEV" nodad ;;
esac
i=0
while [ "\$i" -lt "\${CISCO_SPLIT_INC:-0}" ]; do
	eval "a=\\\$CISCO_SPLIT_INC_\${i}_ADDR m=\\\$CISCO_SPLIT_INC_\${i}_MASKLEN"
	ip route replace "\$a/\$m" dev "\$TUNDEV"
	i=\$((i + 1))
done
i=0
while [ "\$i" -lt "\${CISCO_IPV6_SPLIT_INC:-0}" ]; do
	eval "a=\\\$CISCO_IPV6_SPLIT_INC_\${i}_ADDR m=\\\$CISCO_IPV6_SPLIT_INC_\${i}_MASKLEN"
	ip -6 route replace "\$a/\$m" dev "\$TUNDEV"
	i=\$((i + 1))
done
SH
chmod 755 "$WORK/oc-script.sh"

# start_oc NUM WHO [CERTDIR]: openconnect on laptop NUM with WHO's
# certificate, TUN ocNUM, in the background; OC_PID[NUM] is its PID.
declare -A OC_PID
oc_args() {
	local i=$1 who=$2 d=${3:-$WORK}
	OC_ARGS=(ip netns exec "$(lap "$i")" openconnect --protocol=anyconnect --non-inter --no-dtls
		--timestamp -v --dump-http-traffic -c "$d/$who.crt" -k "$d/$who.key" --cafile "$CA/ca.crt"
		--resolve=gw.test:192.0.2.1 --script "$WORK/oc-script.sh" --interface "oc$i"
		--reconnect-timeout 3 https://gw.test:8443/)
}
start_oc() {
	oc_args "$@"
	"${OC_ARGS[@]}" >>"$WORK/openconnect$1.log" 2>&1 &
	OC_PID[$1]=$!
	T_PIDS+=("$!")
}
oc_up() { [ -f "$WORK/oc-oc$1.connect.env" ] && ip -n "$(lap "$1")" -4 -o addr show dev "oc$1" | grep -q inet; }
envv() { sed -n "s/^$2=//p" "$WORK/oc-oc$1.connect.env"; }

# ---- 1. openconnect up: pool of alice's group, routes, DNS, MTU ----
t0=$(now_ms)
start_oc 1 alice
wait_for 20 oc_up 1 || fail "openconnect (alice): no tunnel after 20 s: $(tail -n 5 "$WORK/openconnect1.log")"
say "openconnect tunnel up after $(($(now_ms) - t0)) ms"
L1=$(lap 1)
a4=$(envv 1 INTERNAL_IP4_ADDRESS)
mask=$(envv 1 INTERNAL_IP4_NETMASK)
a6=$(envv 1 INTERNAL_IP6_NETMASK)
[ -n "$a6" ] || a6=$(envv 1 INTERNAL_IP6_ADDRESS)
mtu=$(envv 1 INTERNAL_IP4_MTU)
dns=$(envv 1 INTERNAL_IP4_DNS)
dom=$(envv 1 CISCO_DEF_DOMAIN)
python3 - "$a4" "$mask" "$a6" <<'PY' || fail "openconnect (alice): address not from engineering's pool: $(cat "$WORK/oc-oc1.connect.env")"
import ipaddress, sys
a4, mask, a6 = sys.argv[1:4]
assert ipaddress.ip_address(a4) in ipaddress.ip_network("10.8.1.0/24"), "IPv4 " + a4
assert a4 not in ("10.8.1.0", "10.8.1.1", "10.8.1.255"), "IPv4 " + a4
assert mask == "255.255.255.0", "netmask " + mask
assert a6, "no IPv6 address"
assert ipaddress.ip_address(a6.split("/")[0]) in ipaddress.ip_network("fd00:8:0:1::/64"), "IPv6 " + a6
PY
# The gateway's mtu, or that less what CSTP over TLS adds.
[ -n "$mtu" ] && [ "$mtu" -le 1300 ] && [ "$mtu" -gt 1200 ] ||
	fail "openconnect (alice): MTU '$mtu', want the gateway's 1300 (or at most 100 less)"
ip -n "$L1" link show oc1 | grep -q " mtu $mtu " || fail "oc1's MTU is not $mtu: $(ip -n "$L1" link show oc1)"
[ "$dns" = 10.20.0.53 ] || fail "openconnect (alice): DNS '$dns', want engineering's 10.20.0.53"
[ "$dom" = corp.test ] || fail "openconnect (alice): default domain '$dom', want corp.test"
# Split include: engineering's routes, IPv4 and IPv6 (the pool may be added).
inc4=$(for i in $(seq 0 $(($(envv 1 CISCO_SPLIT_INC) - 1))); do
	echo "$(envv 1 "CISCO_SPLIT_INC_${i}_ADDR")/$(envv 1 "CISCO_SPLIT_INC_${i}_MASKLEN")"
done)
inc6=$(for i in $(seq 0 $(($(envv 1 CISCO_IPV6_SPLIT_INC || echo 0) - 1))); do
	echo "$(envv 1 "CISCO_IPV6_SPLIT_INC_${i}_ADDR")/$(envv 1 "CISCO_IPV6_SPLIT_INC_${i}_MASKLEN")"
done)
grep -qx 10.20.0.0/24 <<<"$inc4" || fail "split-include lacks 10.20.0.0/24: '$(tr '\n' ' ' <<<"$inc4")'"
grep -qx fd00:20::/64 <<<"$inc6" || fail "IPv6 split-include lacks fd00:20::/64: '$(tr '\n' ' ' <<<"$inc6")'"
ip -n "$L1" route show | grep -q "^10.20.0.0/24 dev oc1" || fail "route 10.20.0.0/24 via oc1 not installed"
say "alice: $a4 netmask $mask, $a6, MTU $mtu, DNS $dns, domain $dom, split-include $(echo "$inc4" "$inc6" | tr '\n' ' ')"

ip netns exec "$L1" ping -c 3 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "openconnect: ping to the internal host failed"
wait_for 10 ip netns exec "$L1" ping -6 -c 1 -W 1 fd00:20::2 || fail "openconnect: IPv6 ping to the internal host failed"
say "openconnect: ping v4 and v6 to the internal host: ok"

# ---- 2. access rules: 8080 allowed, 8081 denied for engineering ----
out=$(ip netns exec "$L1" curl -sS --max-time 5 http://10.20.0.2:8080/hello.txt 2>&1) ||
	fail "openconnect: TCP 8080 (allowed by engineering's rule10) failed: $out"
[ "$out" = "hello from the LAN" ] || fail "openconnect: TCP 8080 answered '$out'"
if out=$(ip netns exec "$L1" curl -sS --max-time 3 http://10.20.0.2:8081/hello.txt 2>&1); then
	fail "openconnect: TCP 8081 (no rule of engineering allows it) got through: $out"
fi
say "openconnect: TCP 8080 allowed, TCP 8081 denied (curl: ${out#curl: })"

# ---- 7. a 20 MB download with a matching checksum ----
t0=$(now_ms)
ip netns exec "$L1" curl -sS --max-time 60 -o "$WORK/got.bin" http://10.20.0.2:8080/big.bin ||
	fail "openconnect: 20 MB download through the tunnel failed"
ms=$(($(now_ms) - t0 + 1))
want=$(sha256sum <"$WORK/www/big.bin" | cut -d' ' -f1)
got=$(sha256sum <"$WORK/got.bin" | cut -d' ' -f1)
[ "$want" = "$got" ] || fail "openconnect: 20 MB download: checksum differs ($got, want $want)"
say "openconnect: 20 MB download, checksum matches ($((20 * 8 * 1000 / ms)) Mbit/s)"

# ---- 3. a forged inner source is dropped and counted ----
CTL=("$B/mtlsvpnctl")
status_json() { "${CTL[@]}" status --json --control "$WORK/control"; }
# drops IDENTITY: the session's drops.source
drops() {
	status_json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(s["drops"]["source"] for s in d["sessions"] if s["identity"] == sys.argv[1]))' "$1"
}
# Counted from here: the kernel may already have sent link-local IPv6
# packets on oc1 before the address was set.
d0=$(drops alice) || fail "mtlsvpnctl status --json failed or lists no alice: $(status_json 2>&1 | head -c 300)"
ip -n "$L1" addr add 10.99.0.1/32 dev oc1
ip netns exec "$L1" ping -I 10.99.0.1 -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null 2>&1 &&
	fail "openconnect: a ping from the forged source 10.99.0.1 was answered"
ip -n "$L1" addr del 10.99.0.1/32 dev oc1
d1=$(drops alice)
[ $((d1 - d0)) -ge 3 ] || fail "openconnect: 3 forged packets, drops.source went from $d0 to $d1"
say "openconnect: forged source 10.99.0.1 dropped, drops.source $d0 -> $d1"

# ---- 6. our client and openconnect at the same time ----
write_client_ini 2 bob
start_client 2
wait_for 15 ip netns exec "$(lap 2)" ping -I mtlsvpn0 -c 1 -W 1 10.8.2.1 || fail "bob (mtlsvpn-client): no tunnel after 15 s"
ip netns exec "$(lap 2)" ping -c 2 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "bob: ping to the internal host failed"
ip netns exec "$L1" ping -c 2 -i 0.2 -W 2 10.20.0.2 >/dev/null || fail "alice (openconnect): ping failed with bob connected"
out=$(ip netns exec "$(lap 2)" curl -sS --max-time 5 http://10.20.0.2:8081/hello.txt 2>&1) ||
	fail "bob: TCP 8081 (allowed by sales) failed: $out"
"${CTL[@]}" status --control "$WORK/control" >"$WORK/status.txt" 2>&1 || fail "mtlsvpnctl status failed: $(cat "$WORK/status.txt")"
# The last column of a session's row is its transport.
[ "$(awk '$2 == "alice" {print $NF}' "$WORK/status.txt")" = cstp ] ||
	fail "mtlsvpnctl status does not list alice with transport cstp: $(cat "$WORK/status.txt")"
[ "$(awk '$2 == "bob" {print $NF}' "$WORK/status.txt")" = mtlsvpn ] ||
	fail "mtlsvpnctl status does not list bob with transport mtlsvpn: $(cat "$WORK/status.txt")"
status_json >"$WORK/status.json" || fail "mtlsvpnctl status --json failed"
python3 - "$SRC/docs/gateway-status.schema.json" "$WORK/status.json" <<'PY' || fail "status --json: $(cat "$WORK/status.json")"
import json, sys, jsonschema
d = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(d)
s = {x["identity"]: x for x in d["sessions"]}
assert "alice" in s and "bob" in s, "alice and bob are not both listed"
assert s["alice"].get("protocol") == "openconnect", "alice's protocol is not openconnect"
assert s["bob"].get("protocol") == "mtlsvpn", "bob's protocol is not mtlsvpn"
assert s["alice"]["group"] == "engineering" and s["bob"]["group"] == "sales", "groups wrong"
PY
m=$(ip netns exec "$G" curl -s --max-time 3 http://127.0.0.1:9560/metrics) || fail "no metrics from the gateway"
grep -q '^mtlsvpn_sessions_by_protocol{protocol="openconnect"} 1$' <<<"$m" &&
	grep -q '^mtlsvpn_sessions_by_protocol{protocol="mtlsvpn"} 1$' <<<"$m" ||
	fail "metrics do not count one session of each protocol: $(grep by_protocol <<<"$m")"
say "both up, both reach the internal host; metrics count one of each protocol; status:"
sed 's/^/    /' "$WORK/status.txt"

# ---- 5. a certificate from another CA is refused ----
"$B/mtlsvpnctl" ca init --dir "$WORK/otherca" --name "Other CA" >>"$WORK/ctl.log" 2>&1 || fail "second CA"
mkdir -p "$WORK/other"
"$B/mtlsvpnctl" ca issue-client mallory --dir "$WORK/otherca" --out "$WORK/other" >>"$WORK/ctl.log" 2>&1 ||
	fail "mallory's certificate"
set +e
oc_args 3 mallory "$WORK/other"
timeout 20 "${OC_ARGS[@]}" >>"$WORK/openconnect3.log" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
	fail "openconnect with another CA's certificate: exit status $rc, want a refusal"
if ip -n "$(lap 3)" link show oc3 >/dev/null 2>&1; then fail "openconnect with another CA's certificate got a TUN"; fi
wait_for 5 grep -q 'session refused: remote=192\.0\.2\.13:' "$WORK/gateway.log" ||
	fail "the gateway did not log refusing mallory (another CA)"
say "another CA: openconnect exits $rc ($(grep -m1 -iE 'fail|error|refus' "$WORK/openconnect3.log" | cut -c1-120)); gateway: $(grep -m1 -o 'session refused: remote=192\.0\.2\.13:.*' "$WORK/gateway.log")"

# ---- 4. revocation closes the session within 2 s (CSTP DISCONNECT) ----
t0=$(now_ms)
"$B/mtlsvpnctl" ca revoke alice --reason keyCompromise --dir "$CA" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca revoke alice: $(tail -n 3 "$WORK/ctl.log")"
wait_for 5 bash -c "! kill -0 ${OC_PID[1]} 2>/dev/null" ||
	fail "openconnect (alice) still runs 5 s after the revocation: $(tail -n 5 "$WORK/openconnect1.log")"
delay=$(($(now_ms) - t0))
set +e
wait "${OC_PID[1]}"
rc=$?
set -e
say "revocation to openconnect's exit: ${delay} ms (exit status $rc)"
[ "$delay" -le 2000 ] || fail "openconnect exited ${delay} ms after the revocation (bound 2000 ms)"
grep -q 'Received server disconnect' "$WORK/openconnect1.log" ||
	fail "openconnect did not receive a CSTP DISCONNECT: $(tail -n 5 "$WORK/openconnect1.log")"
[ "$rc" -ne 0 ] || fail "openconnect exit status 0 after the revocation"
grep -q 'session revoked: .*identity="alice"' "$WORK/gateway.log" ||
	fail "the gateway did not log 'session revoked:' for alice"
say "openconnect: $(grep -m1 -o 'Received server disconnect.*' "$WORK/openconnect1.log")"
ip netns exec "$(lap 2)" ping -c 1 -W 2 10.20.0.2 >/dev/null || fail "bob lost his tunnel when alice was revoked"
say "bob (mtlsvpn-client) still up"
# ---- 6. the cookie is bound to the certificate, and outlives a restart;
# TLS 1.2 only with openconnect_tls12 ----
oc_args 3 carol
url=${OC_ARGS[-1]}
unset 'OC_ARGS[-1]'
auth=$(timeout 20 "${OC_ARGS[@]}" --authenticate "$url" 2>>"$WORK/openconnect-auth.log") ||
	fail "openconnect --authenticate (carol): $(tail -n 5 "$WORK/openconnect-auth.log")"
# COOKIE='webvpn=...' (openconnect adds its own strapkey= beside it).
cookie=$(printf '%s\n' "$auth" | sed -n "s/^COOKIE='\(.*\)'$/\1/p")
webvpn=$(printf '%s\n' "$cookie" | grep -o 'webvpn=[0-9a-f]*' | cut -d= -f2)
[ "${#webvpn}" -eq 32 ] || fail "openconnect --authenticate printed no 32-digit webvpn cookie: $auth"
say "carol's cookie: ${webvpn:0:16}... (her certificate's fingerprint first)"
set +e
oc_args 3 dave
unset 'OC_ARGS[-1]'
timeout 20 "${OC_ARGS[@]}" --cookie="$cookie" "$url" >>"$WORK/openconnect-dave.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q '401' "$WORK/openconnect-dave.log" ||
	fail "carol's cookie with dave's certificate: exit $rc, want 401 and 2: $(tail -n 3 "$WORK/openconnect-dave.log")"
grep -q 'openconnect: CONNECT with a cookie not issued to this certificate' "$WORK/gateway.log" ||
	fail "the gateway did not log the foreign cookie"
say "carol's cookie with dave's certificate: 401, openconnect exits 2"
set +e
oc_args 3 carol
unset 'OC_ARGS[-1]'
timeout 20 "${OC_ARGS[@]}" --gnutls-priority=NORMAL:-VERS-TLS1.3 "$url" >>"$WORK/openconnect-tls12.log" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "TLS 1.2 with openconnect_tls12 off: exit $rc, want a refusal"
say "TLS 1.2 refused while openconnect_tls12 is off (exit $rc)"

stop_pid "$GW_PID"
sed -i '/^\[gateway\]/a openconnect_tls12 = on' "$WORK/server.ini"
start_gateway
rm -f "$WORK/oc-oc3.connect.env"
oc_args 3 carol
unset 'OC_ARGS[-1]'
"${OC_ARGS[@]}" --cookie="$cookie" "$url" >>"$WORK/openconnect3.log" 2>&1 &
p=$!
T_PIDS+=("$p")
wait_for 20 oc_up 3 || fail "carol's cookie after a gateway restart: no tunnel: $(tail -n 5 "$WORK/openconnect3.log")"
ip netns exec "$(lap 3)" ping -c 1 -W 2 10.20.0.2 >/dev/null || fail "carol (cookie after restart) cannot reach the LAN"
say "carol's cookie still good after a gateway restart: tunnel up, LAN reachable"
stop_pid "$p"
rm -f "$WORK/oc-oc3.connect.env"
"${OC_ARGS[@]}" --gnutls-priority=NORMAL:-VERS-TLS1.3 "$url" >>"$WORK/openconnect-tls12.log" 2>&1 &
p=$!
T_PIDS+=("$p")
wait_for 20 oc_up 3 || fail "TLS 1.2 with openconnect_tls12 on: no tunnel: $(tail -n 5 "$WORK/openconnect-tls12.log")"
wait_for 5 grep -q 'session up: .*identity="carol".*proto=openconnect tls=TLSv1.2' "$WORK/gateway.log" ||
	fail "the gateway did not log carol's session over TLS 1.2"
status_json | python3 -c '
import json, sys
s = [x for x in json.load(sys.stdin)["sessions"] if x["identity"] == "carol"]
assert s and s[0]["transport"] == "tls1.2/tcp" and s[0]["protocol"] == "openconnect", s
' || fail "status --json does not show carol on tls1.2/tcp"
ip netns exec "$(lap 3)" ping -c 1 -W 2 10.20.0.2 >/dev/null || fail "carol over TLS 1.2 cannot reach the LAN"
say "TLS 1.2 with openconnect_tls12 = on: $(grep -o 'session up: .*identity="carol".*tls=TLSv1.2 cipher=[^ ]*' "$WORK/gateway.log" | grep -o 'cipher=[^ ]*' | tail -n 1)"
stop_pid "$p"
pass
