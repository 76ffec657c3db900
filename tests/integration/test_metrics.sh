#!/usr/bin/env bash
# The Prometheus endpoint ([gateway] metrics): its output passes promtool
# check metrics (idle and with a client); docs/prometheus-alerts.yml passes
# promtool check rules; a real Prometheus server (Debian's package) in the
# LAN namespace scrapes the gateway over the LAN link and its HTTP API shows
# mtlsvpn_sessions going from 0 to 1 when a client connects. The endpoint
# answers bad requests with 4xx, holds at most 8 connections and drops an
# idle one after 5 s, and logs nothing a caller sends. The scrape cost (CPU
# of the gateway per scrape, bytes) is measured and printed.
. "$(dirname "$0")/lib.sh"

for t in promtool prometheus curl python3; do
	command -v "$t" >/dev/null || fail "$t is missing (packaging/setup.sh installs it)"
done

topo_init
add_laptop 1
pki_init
pki_client alice
"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl"
promtool check rules "$SRC/docs/prometheus-alerts.yml" >"$WORK/rules.txt" 2>&1 ||
	fail "promtool check rules docs/prometheus-alerts.yml: $(cat "$WORK/rules.txt")"
say "alert rules: $(grep -o 'SUCCESS.*' "$WORK/rules.txt")"

# On the LAN side (a management network), never on the laptops' side.
write_server_ini "crl = ca/crl.pem" "metrics = 10.20.0.1:9560"
start_gateway
wait_for 10 listening "$G" 9560 || fail "the metrics endpoint is not listening"
URL=http://10.20.0.1:9560/metrics
scrape() { ip netns exec "$N" curl -sS --max-time 5 "$URL" -o "$1"; }

check_metrics() {
	promtool check metrics <"$1" >"$WORK/lint.txt" 2>&1 ||
		fail "promtool check metrics: $(cat "$WORK/lint.txt")"
}
scrape "$WORK/idle.txt" || fail "cannot scrape $URL"
check_metrics "$WORK/idle.txt"
for m in 'mtlsvpn_sessions{group="default"} 0' 'mtlsvpn_handshake_duration_seconds_count 0' \
	'mtlsvpn_pool_size_addresses{group="default",family="ipv4"} 253' \
	'mtlsvpn_reloads_total{result="ok"} 0' 'mtlsvpn_crl_entries{crl="'; do
	grep -qF "$m" "$WORK/idle.txt" || fail "no '$m' in the metrics: $(head -c 3000 "$WORK/idle.txt")"
done
grep -q '^process_cpu_seconds_total [0-9]' "$WORK/idle.txt" || fail "no process metrics"
grep -q '^mtlsvpn_certificate_expiry_timestamp_seconds [1-9]' "$WORK/idle.txt" ||
	fail "no gateway certificate expiry"
say "idle scrape passes promtool check metrics ($(wc -c <"$WORK/idle.txt") bytes)"

# A real Prometheus in the LAN namespace, scraping every second.
mkdir -p "$WORK/prom"
cat >"$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $SRC/docs/prometheus-alerts.yml
scrape_configs:
  - job_name: mtlsvpn
    static_configs:
      - targets: ['10.20.0.1:9560']
YML
ip netns exec "$N" prometheus --config.file="$WORK/prometheus.yml" \
	--storage.tsdb.path="$WORK/prom" --web.listen-address=127.0.0.1:9090 \
	>>"$WORK/prometheus.log" 2>&1 &
T_PIDS+=("$!")
prom_ready() { ip netns exec "$N" curl -sf --max-time 2 http://127.0.0.1:9090/-/ready; }
wait_for 30 prom_ready || fail "prometheus is not ready after 30 s"
# query EXPR: the value of the first series of an instant query, "" if none.
query() {
	ip netns exec "$N" curl -sf --max-time 3 http://127.0.0.1:9090/api/v1/query \
		--data-urlencode "query=$1" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
query_is() { [ "$(query "$1")" = "$2" ]; }
wait_for 30 query_is 'up{job="mtlsvpn"}' 1 || fail "prometheus does not see the target up: $(query 'up')"
wait_for 30 query_is 'mtlsvpn_sessions{group="default"}' 0 ||
	fail "prometheus has no mtlsvpn_sessions 0: '$(query 'mtlsvpn_sessions')'"
say "prometheus scrapes the gateway: up=1, mtlsvpn_sessions=0"

write_client_ini 1 alice
start_client 1
wait_tunnel 1
wait_for 30 query_is 'mtlsvpn_sessions{group="default"}' 1 ||
	fail "prometheus never saw the session: '$(query 'mtlsvpn_sessions')'"
wait_for 30 query_is 'mtlsvpn_handshakes_total{result="established"}' 1 ||
	fail "prometheus never saw the handshake: '$(query 'mtlsvpn_handshakes_total{result="established"}')'"
say "prometheus API: mtlsvpn_sessions went 0 -> 1 when alice connected"
ip netns exec "$(lap 1)" ping -I mtlsvpn0 -c 3 -i 0.2 -W 1 10.8.0.1 >/dev/null || fail "no ping"
scrape "$WORK/busy.txt" || fail "cannot scrape with a client"
check_metrics "$WORK/busy.txt"
grep -q '^mtlsvpn_received_packets_total [3-9]\|^mtlsvpn_received_packets_total [1-9][0-9]' "$WORK/busy.txt" ||
	fail "the pings are not counted: $(grep received "$WORK/busy.txt")"
grep -q 'pool_leased_addresses{group="default"} 1' "$WORK/busy.txt" || fail "the lease is not counted"
! grep -q alice "$WORK/busy.txt" || fail "an identity appears in the metrics (cardinality)"

# A stranger without a certificate is a refusal by reason; reloads are
# counted by result, and a refused one shows in mtlsvpn_last_reload_success.
ip netns exec "$(lap 1)" curl -sk --max-time 5 -o /dev/null https://192.0.2.1:8443/ || true
wait_for 30 query_is 'sum(mtlsvpn_handshakes_total{result="refused_before_auth"}) > bool 0' 1 ||
	fail "a refusal before authentication is not counted: $(query 'mtlsvpn_handshakes_total')"
"$B/mtlsvpnctl" reload --control "$WORK/control" >/dev/null || fail "reload failed"
echo "mtu = lots" >>"$WORK/server.ini"
"$B/mtlsvpnctl" reload --control "$WORK/control" >/dev/null 2>&1 && fail "a bad server.ini was applied"
wait_for 30 query_is 'mtlsvpn_reloads_total{result="failed"}' 1 ||
	fail "prometheus never saw the refused reload: $(query 'mtlsvpn_reloads_total')"
query_is 'mtlsvpn_reloads_total{result="ok"}' 1 || fail "the applied reload is not counted"
query_is 'mtlsvpn_last_reload_success' 0 || fail "mtlsvpn_last_reload_success is not 0"
say "prometheus API: a refusal, one applied and one refused reload counted"

# Bad requests: answered 4xx and counted, never logged.
code() { ip netns exec "$N" curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code -X POST "$URL")" = 405 ] || fail "POST is not answered 405"
[ "$(code http://10.20.0.1:9560/secret)" = 404 ] || fail "an unknown path is not answered 404"
[ "$(code -H 'Bad Header: x' "$URL")" = 400 ] || fail "a malformed header is not answered 400"
[ "$(code -I "$URL")" = 200 ] || fail "HEAD is not answered 200"
! grep -q 'secret\|Bad Header' "$WORK/gateway.log" || fail "the gateway logged what a caller sent"
scrape "$WORK/after.txt"
grep -q 'mtlsvpn_metrics_requests_total{result="refused"} [3-9]' "$WORK/after.txt" ||
	fail "refused requests are not counted: $(grep requests_total "$WORK/after.txt")"

# Bounds: 8 idle connections take every slot, a 9th is closed at once; the
# idle ones are dropped after 5 s and a scrape works again.
cat >"$WORK/hold.py" <<'PY'
import socket, sys, time
held = [socket.create_connection(("10.20.0.1", 9560), timeout=3) for _ in range(8)]
time.sleep(0.5)
extra = socket.create_connection(("10.20.0.1", 9560), timeout=3)
try:
    extra.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    got = extra.recv(100)
except ConnectionResetError:
    got = b""  # closed before it read the request: a reset
print("ninth:", repr(got[:12]))
if got:
    sys.exit("a ninth connection was served while 8 were held")
t0 = time.time()
for s in held:
    s.settimeout(8)
    if s.recv(10) != b"":
        sys.exit("an idle connection got data")
print("idle connections closed after %.1f s" % (time.time() - t0))
if time.time() - t0 > 7.5:
    sys.exit("idle connections were not closed within 7.5 s")
PY
ip netns exec "$N" timeout 30 python3 "$WORK/hold.py" >"$WORK/hold.txt" 2>&1 ||
	fail "connection bounds: $(tail -n 3 "$WORK/hold.txt")"
say "bounds: $(tr '\n' ';' <"$WORK/hold.txt")"
scrape "$WORK/again.txt" || fail "no scrape after the idle connections went"

# The cost of a scrape: the gateway's CPU time over 200 scrapes (schedstat,
# in ns; printed, never asserted), and bytes.
cpu_ns() { cut -d' ' -f1 "/proc/$GW_PID/schedstat"; }
t0=$(cpu_ns)
ip netns exec "$N" bash -c "for i in \$(seq 200); do curl -s --max-time 5 -o /dev/null $URL || exit 1; done" ||
	fail "200 scrapes failed"
t1=$(cpu_ns)
say "scrape cost: $(wc -c <"$WORK/again.txt") bytes; gateway CPU $(((t1 - t0) / 200 / 1000)) us per scrape (200 scrapes, one session, one group, one CRL)"
pass
