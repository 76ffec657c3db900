#!/usr/bin/env bash
# OCSP against `openssl ocsp` as the responder, in the LAN namespace on
# 10.20.0.2:8888 (a delegated responder certificate our CA issued for
# OCSPSigning, an openssl ca index over mtlsvpnctl-issued certificates):
# good -> connects; revoked -> refused, the client exits 1 with "certificate
# revoked"; a second connection within ocsp_cache asks nobody (the status
# line's counters, and it still connects with the responder gone); responder
# unreachable with ocsp_fail = closed -> refused with a reason naming OCSP;
# with ocsp_fail = open -> connects and the gateway warns.
. "$(dirname "$0")/lib.sh"

topo_init
add_laptop 1
pki_init
pki_client alice
pki_client bob
pki_client carol

# ---- the responder's PKI: an index, and a delegated signing certificate ----
OC=$WORK/ocsp
mkdir -p "$OC"
: >"$OC/index.txt"
cat >"$OC/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
database = $OC/index.txt
default_md = sha256
[resp]
basicConstraints = critical, CA:FALSE
extendedKeyUsage = OCSPSigning
CNF
ossl() { openssl ca -config "$OC/ca.cnf" -cert "$CA/ca.crt" -keyfile "$CA/ca.key" "$@" \
	>>"$WORK/ctl.log" 2>&1 || fail "openssl ca $*: $(tail -n 3 "$WORK/ctl.log")"; }
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$OC/resp.key" \
	-subj "/CN=OCSP responder" -out "$OC/resp.csr" 2>>"$WORK/ctl.log" || fail "responder key"
openssl x509 -req -in "$OC/resp.csr" -CA "$CA/ca.crt" -CAkey "$CA/ca.key" -CAcreateserial \
	-days 2 -extfile "$OC/ca.cnf" -extensions resp -out "$OC/resp.pem" >>"$WORK/ctl.log" 2>&1 ||
	fail "cannot issue the responder certificate"
# V lines for alice and carol, an R line for bob (the index knows them by serial).
ossl -valid "$WORK/alice.crt"
ossl -valid "$WORK/carol.crt"
ossl -revoke "$WORK/bob.crt" -crl_reason keyCompromise

RESP_PID=
start_responder() {
	ip netns exec "$N" openssl ocsp -index "$OC/index.txt" -port 8888 -rsigner "$OC/resp.pem" \
		-rkey "$OC/resp.key" -CA "$CA/ca.crt" -nmin 10 >>"$WORK/responder.log" 2>&1 &
	RESP_PID=$!
	T_PIDS+=("$RESP_PID")
	wait_for 10 listening "$N" 8888 || fail "openssl ocsp is not listening after 10 s"
}
# The last "status: ocsp" line after a SIGUSR1.
ocsp_status() {
	local before
	before=$(grep -c "status: ocsp" "$WORK/gateway.log" || true)
	kill -USR1 "$GW_PID"
	wait_for 5 bash -c "[ \$(grep -c 'status: ocsp' '$WORK/gateway.log') -gt $before ]" ||
		fail "no 'status: ocsp' line after SIGUSR1"
	grep "status: ocsp" "$WORK/gateway.log" | tail -n 1
}
restart_gateway() {
	stop_pid "$GW_PID"
	write_server_ini "$@"
	start_gateway
}

start_responder
say "openssl ocsp answers on 10.20.0.2:8888 in the LAN namespace"
OCSP_ON=("ocsp = on" "ocsp_responder = http://10.20.0.2:8888/" "ocsp_timeout = 2s"
	"ocsp_cache = 60")
write_server_ini "${OCSP_ON[@]}"
start_gateway

# ---- good ----
write_client_ini 1 alice
start_client 1
wait_tunnel 1
grep -q 'OCSP good (responder 10.20.0.2:8888' "$WORK/gateway.log" ||
	fail "no 'OCSP good' line for alice"
say "good: alice connects; $(grep -o 'OCSP good ([^)]*)' "$WORK/gateway.log" | head -n 1)"

# ---- revoked ----
write_client_ini 1 bob
: >"$WORK/client1.log"
stop_pid "${CLIENT_PID[1]}"
run_client_to_end 1 15
[ "$RUN_RC" -eq 1 ] || fail "bob: exit status $RUN_RC, want 1"
grep -q "certificate revoked" "$WORK/client1.log" || fail "bob's client did not say 'certificate revoked'"
grep -q 'certificate revoked: OCSP says revoked, reason keyCompromise' "$WORK/gateway.log" ||
	fail "the gateway did not log the OCSP revocation of bob"
say "revoked: bob refused: $(grep -o 'gateway closed the session: certificate revoked[^$]*' "$WORK/client1.log" | head -n 1)"

# ---- the cache: alice again asks nobody, even with the responder gone ----
line=$(ocsp_status)
echo "$line" | grep -q "queries=2 cache_hits=0" || fail "before the cache test: $line"
stop_pid "$RESP_PID"
write_client_ini 1 alice
: >"$WORK/client1.log"
start_client 1
wait_tunnel 1
line=$(ocsp_status)
echo "$line" | grep -q "queries=2 cache_hits=1" || fail "alice's second connection queried: $line"
grep -q 'OCSP good (cached)' "$WORK/gateway.log" || fail "no 'OCSP good (cached)' line"
say "cache: alice's second connection used the cache ($line)"
stop_pid "${CLIENT_PID[1]}"

# ---- unreachable, ocsp_fail = closed (the default): carol is refused ----
write_client_ini 1 carol
: >"$WORK/client1.log"
t0=$(date +%s%N)
run_client_to_end 1 15
[ "$RUN_RC" -ne 0 ] && [ "$RUN_RC" -ne 124 ] || fail "carol with no responder: exit $RUN_RC"
grep -q "OCSP responder" "$WORK/client1.log" || fail "carol's client was not told about OCSP"
grep -q 'OCSP unreachable: cannot connect to 10.20.0.2:8888' "$WORK/gateway.log" ||
	fail "no 'OCSP unreachable' line"
say "closed: carol refused in $((($(date +%s%N) - t0) / 1000000)) ms: $(grep -o 'gateway closed the session[^$]*' "$WORK/client1.log" | head -n 1)"

# ---- a silent responder address: the timeout bounds it ----
restart_gateway "ocsp = on" "ocsp_responder = http://10.20.0.77:8888/" "ocsp_timeout = 500ms"
: >"$WORK/client1.log"
t0=$(date +%s%N)
run_client_to_end 1 15
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$RUN_RC" -ne 0 ] && [ "$RUN_RC" -ne 124 ] || fail "carol with a silent responder: exit $RUN_RC"
grep -q 'OCSP unreachable: no answer within 500 ms' "$WORK/gateway.log" ||
	fail "no timeout line for the silent responder"
say "timeout: carol refused after ${ms} ms in all (ocsp_timeout = 500ms)"

# ---- unreachable, ocsp_fail = open: carol connects, with a warning ----
restart_gateway "${OCSP_ON[@]}" "ocsp_fail = open"
: >"$WORK/client1.log"
start_client 1
wait_tunnel 1
grep -q 'admitted because ocsp_fail = open' "$WORK/gateway.log" ||
	fail "no warning for the fail-open admission"
say "open: carol connects without a responder, and the gateway warns"

pass
