#!/usr/bin/env bash
# Continuing a session over a new TLS connection (docs/protocol.md 12.10):
# mid-upload, the laptop's own address changes (the old one removed), so
# its TCP connection is dead. Its UDP channel goes on from the new address
# while the client reconnects TLS offering mtlsvpn-continue/1 and proves it
# holds the channel. The gateway (two workers: the new connection may land
# on the other one) must move the new connection into the SAME session:
# same sid, inner address and cid, no "session up", continued = 1; the
# upload's checksum must match, and the longest gap between ping replies is
# printed. Then a second identity (bob, rawclient.py) naming alice's cid
# must get a new session of its own, with another cid, and alice's session
# must be untouched; and alice's certificate with a wrong proof gets a new
# session too (both counted as refused). Each continuation and each
# refusal is one event in the audit trail (continue: sid, cid, the new and
# the previous remote; continue_refused: cid and reason_code). A session
# continued, with a valid proof, on a connection whose certificate (same
# identity) now maps to another group is refused with other_group: the
# connection gets a session in its own group, an address from that pool
# (rawclient.py recontinue, which first continues with a same-group
# certificate to show that its proof is right); the old session, its
# connection still held, is closed at once (BYE 4, its disconnect event
# superseded), and so it is when the certificate maps to no group (that
# connection is then refused, BYE 9). Last, detached sessions
# (udp_detach_grace): the gateway's end of a TLS connection is killed (ss -K)
# while the laptop's TCP is black-holed and its UDP goes on: the session
# stays, detached, carries pings by UDP and outlives a reload; revoking it ends it at once (a
# datagram after that is an unknown cid); bob's, not continued, ends when
# the grace is over.
. "$(dirname "$0")/lib.sh"

need_tools python3 sha256sum ss nft

topo_init
add_laptop 1
add_laptop 2
L1=$(lap 1)
pki_init
pki_client alice
pki_client bob
# carol: one identity, four certificates; OU engineering twice, sales once,
# both once.
nb=$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)
na=$(date -u -d '+1 day' +%Y%m%d%H%M%SZ)
pki_openssl_client_subj carol-eng "/CN=carol/OU=engineering" "$nb" "$na"
pki_openssl_client_subj carol-eng2 "/CN=carol/OU=engineering" "$nb" "$na"
pki_openssl_client_subj carol-sales "/CN=carol/OU=sales" "$nb" "$na"
pki_openssl_client_subj carol-two "/CN=carol/OU=engineering/OU=sales" "$nb" "$na"
"$B/mtlsvpnctl" ca crl --dir "$CA" >>"$WORK/ctl.log" 2>&1 || fail "mtlsvpnctl ca crl"
write_server_ini "dead_peer_timeout = 60" "workers = 2" "udp_detach_grace = 12" "crl = ca/crl.pem" \
	"audit_log = state/audit.json" "group_from = ou"
# alice and bob (no OU) stay in [pool], the default group.
cat >>"$WORK/server.ini" <<'INI'
[group engineering]
ipv4 = 10.8.1.0/24
routes = 10.20.0.0/24
[group sales]
ipv4 = 10.8.2.0/24
routes = 10.20.0.0/24
INI
AUDIT=$WORK/state/audit.json
# audit EXPR: the audit events (JSON objects e) for which EXPR holds, one a
# line; audit_n EXPR: how many.
audit() {
	python3 -c 'import json, sys
for l in open(sys.argv[2]):
    e = json.loads(l)
    try:
        hit = eval(sys.argv[1])
    except KeyError:
        hit = False
    if hit:
        print(json.dumps(e, sort_keys=True))' "$1" "$AUDIT"
}
audit_n() { audit "$1" | wc -l; }
start_gateway
write_client_ini 1 alice
start_client 1
wait_tunnel 1

udp_session_up alice "$L1"
inner=$(sess 's["tunnel"]["ipv4"]')
ups=$(grep -c "session up:" "$WORK/gateway.log")
say "alice: sid $SID, inner $inner, cid $CID, UDP up from 192.0.2.11"

upload_start "$L1"
sleep 3

# The laptop joins another network: the old address goes, a new one comes.
ip -n "$L1" addr del 192.0.2.11/24 dev eth0
ip -n "$L1" addr add 192.0.2.31/24 dev eth0
continued() { grep -q "session continued on a new connection" "$WORK/gateway.log"; }
wait_for 10 continued || fail "the gateway did not continue alice's session: $(grep -E 'continu|session up' "$WORK/gateway.log" | tail -n 5)"
say "the gateway continued alice's session on the new connection ($(grep -o 'handshake, worker [0-9]* -> [0-9]*' "$WORK/gateway.log" | head -n 1)); client: $(grep -o 'continued on the new connection after [0-9]* ms' "$WORK/client1.log" | head -n 1)"

upload_check "the address change"
[ "$GAP_N" -gt 300 ] || fail "only $GAP_N of 600 pings answered across the move"
[ "$(sess 's["sid"]')" = "$SID" ] || fail "alice's session was replaced: sid $(sess 's["sid"]'), was $SID"
[ "$(sess 's["tunnel"]["ipv4"]')" = "$inner" ] || fail "alice's inner address changed"
[ "$(sess 's["continued"]')" = 1 ] || fail "continued is $(sess 's["continued"]'), not 1"
[ "$(sess 'd["gateway"]["udp"]["continued"]')" = 1 ] || fail "the gateway counts $(sess 'd["gateway"]["udp"]["continued"]') continuations"
case "$(sess 's["remote"]')" in 192.0.2.31:*) ;; *) fail "alice's remote is $(sess 's["remote"]'), not the new address" ;; esac
[ "$(grep -c "session up:" "$WORK/gateway.log")" = "$ups" ] || fail "a new session came up: $(grep "session up:" "$WORK/gateway.log" | tail -n 1)"
grep -q "replaced by a newer session" "$WORK/gateway.log" && fail "alice's session was replaced"
grep -q "session continued on the new connection after" "$WORK/client1.log" ||
	fail "the client did not see its session continued: $(grep -iE 'continu|reconnect' "$WORK/client1.log" | tail -n 5)"
state_up || fail "alice's channel is not up after the move"
grab_dchan_datagram "$L1" "$WORK/after.bin"
[ "$(cid_of "$WORK/after.bin")" = "$CID" ] || fail "alice's datagrams carry cid $(cid_of "$WORK/after.bin"), was $CID"
say "40 MB upload across the address change, checksum matches; same sid, inner address and cid; no new session; longest gap between ping replies $GAP_MS ms ($GAP_N of 600 answered)"
# The audit trail shows the move: one continue event, the old and the new
# remote address, the session's sid and cid.
[ "$(audit_n 'e["event"] == "continue"')" = 1 ] ||
	fail "want one continue event, got: $(audit 'e["event"].startswith("continue")')"
ev=$(audit 'e["event"] == "continue"')
[ "$(audit_n "e['event'] == 'continue' and e['sid'] == $SID and e['identity'] == 'alice' and e['cid'] == '$CID' and e['remote_addr'] == '192.0.2.31' and e['previous_remote_addr'] == '192.0.2.11' and e['tunnel_ipv4'] == '$inner' and e['group'] == 'default'")" = 1 ] ||
	fail "the continue event lacks the move: $ev"
say "audit: $ev"

# bob holds a valid certificate but not alice's channel: naming her cid
# gets him a session of his own, another cid, and alice keeps hers.
raw() {
	ip netns exec "$(lap 2)" timeout 20 python3 "$(dirname "$0")/rawclient.py" continue \
		--host 192.0.2.1 --server-name gw.test --ca "$CA/ca.crt" --cid "$CID" "$@"
}
out=$(raw --cert "$WORK/bob.crt" --key "$WORK/bob.key") || fail "bob naming alice's cid: $out"
grep -q "continuation refused (another identity's session)" "$WORK/gateway.log" ||
	fail "the gateway did not refuse bob's continuation"
[ "$(sess 's["sid"]')" = "$SID" ] || fail "bob's attempt replaced alice's session"
ip netns exec "$L1" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null || fail "alice's tunnel broke after bob's attempt"
say "bob naming alice's cid: $out; alice's session untouched"
ev=$(audit 'e["event"] == "continue_refused" and e.get("identity") == "bob"')
[ "$(audit_n "e['event'] == 'continue_refused' and e.get('identity') == 'bob' and e['reason_code'] == 'other_identity' and e['cid'] == '$CID' and e['remote_addr'] == '192.0.2.12'")" = 1 ] ||
	fail "no continue_refused event other_identity for bob: $(audit 'e["event"].startswith("continue")')"
say "audit: $ev"

# alice's own certificate without the channel's key: a wrong proof.
out=$(raw --cert "$WORK/alice.crt" --key "$WORK/alice.key") || fail "a wrong proof: $out"
grep -q "continuation refused (wrong proof)" "$WORK/gateway.log" ||
	fail "the gateway did not refuse a wrong proof"
[ "$(sess 'd["gateway"]["udp"]["continue_refused"]')" = 2 ] || fail "continue_refused is $(sess 'd["gateway"]["udp"]["continue_refused"]'), not 2"
say "a wrong proof with alice's certificate: $out; 2 refusals counted"
[ "$(audit_n "e['event'] == 'continue_refused' and e.get('identity') == 'alice' and e['reason_code'] == 'bad_proof' and e['cid'] == '$CID'")" = 1 ] ||
	fail "no continue_refused event bad_proof for alice: $(audit 'e["event"].startswith("continue")')"
[ "$(audit_n 'e["event"] == "continue_refused"')" = 2 ] ||
	fail "want 2 continue_refused events (one per connection): $(audit 'e["event"] == "continue_refused"')"
say "audit: one continue_refused event per refused connection (other_identity, bad_proof)"
# That replaced alice's session (BYE 4): her client, told so, does not try
# to continue it (a replaced client stops).
wait_for 5 grep -q "gateway closed the session: replaced" "$WORK/client1.log" ||
	fail "alice's client was not told its session was replaced"
client_gone() { ! kill -0 "${CLIENT_PID[$1]}" 2>/dev/null; }
wait_for 5 client_gone 1 || fail "alice's client did not stop after BYE 4"
grep -q "could not be continued" "$WORK/client1.log" && fail "alice's client tried to continue a replaced session"

# ---- another group ----
# carol's session (OU engineering) continued with a valid proof: first on
# a connection with another engineering certificate (continued: the same
# cid and address, the new certificate's serial from then on), then on
# one whose certificate says OU sales (refused: a new session in sales).
recont() {
	ip netns exec "$(lap 2)" timeout 20 python3 "$(dirname "$0")/rawclient.py" recontinue \
		--host 192.0.2.1 --server-name gw.test --ca "$CA/ca.crt" \
		--cert "$WORK/carol-eng.crt" --key "$WORK/carol-eng.key" "$@"
}
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'; }
# Not through recont: $! must be the client's own PID (ip netns exec execs).
ip netns exec "$(lap 2)" timeout 30 python3 "$(dirname "$0")/rawclient.py" recontinue \
	--host 192.0.2.1 --server-name gw.test --ca "$CA/ca.crt" \
	--cert "$WORK/carol-eng.crt" --key "$WORK/carol-eng.key" \
	--cert2 "$WORK/carol-eng2.crt" --key2 "$WORK/carol-eng2.key" --hold 20 >"$WORK/recont.out" 2>&1 &
RPID=$!
T_PIDS+=("$RPID")
wait_for 10 grep -q "second cid" "$WORK/recont.out" || fail "rawclient recontinue: $(cat "$WORK/recont.out")"
out=$(cat "$WORK/recont.out")
case "$out" in *"first cid="*" v4=10.8.1."*"second cid="*" v4=10.8.1."*) ;; *) fail "carol is not in engineering's pool: $out" ;; esac
cids=$(grep -o 'cid=[0-9a-f]*' "$WORK/recont.out" | sort -u | wc -l)
[ "$cids" = 1 ] || fail "carol's session was not continued with another certificate of her group: $out"
ev=$(audit 'e["event"] == "continue" and e["identity"] == "carol"')
s1=$(serial_of "$WORK/carol-eng.crt")
s2=$(serial_of "$WORK/carol-eng2.crt")
[ -n "$ev" ] && [ "$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["serial"].lstrip("0"))' "$ev")" = "$s2" ] ||
	fail "carol's continue event does not carry the new certificate's serial $s2: $ev"
say "carol continued with another engineering certificate ($out); audit: serial $s2"
# From now on the session is checked against the new certificate: denying
# the old serial leaves it, denying the new one ends it.
deny_reload() {
	sed -i '/^deny_serials = /d' "$WORK/server.ini"
	[ -z "$1" ] || sed -i "/^\[gateway\]/a deny_serials = $1" "$WORK/server.ini"
	"$B/mtlsvpnctl" reload --control "$WORK/control" >"$WORK/reload.out" 2>&1 ||
		fail "reload (deny_serials = $1): $(cat "$WORK/reload.out")"
}
carol_sid() { gw_session carol 's["sid"] if s else None'; }
csid=$(carol_sid)
[ "$csid" != None ] || fail "carol's continued session is not listed"
deny_reload "$s1"
[ "$(carol_sid)" = "$csid" ] || fail "denying carol's old certificate ($s1) ended the session continued with $s2"
deny_reload "$s2"
carol_gone() { [ "$(gw_session carol 's is None')" = True ]; }
wait_for 5 carol_gone || fail "denying carol's new certificate ($s2) left her continued session"
[ "$(audit_n "e['event'] == 'revoked' and e.get('identity') == 'carol' and e['serial'].lstrip('0') == '$s2'")" = 1 ] ||
	fail "no revoked event for carol's new serial: $(audit 'e.get("identity") == "carol"' | tail -n 3)"
deny_reload ""
stop_pid "$RPID"
say "deny_serials: carol's old serial leaves the continued session, the new one ends it"
# superseded OUT WHERE: that refusal (carol's last continue_refused event),
# with a valid proof, closed the old session at once: its connection,
# still held by rawclient (OUT), got BYE 4, and its disconnect event says
# superseded, by the refused connection's sid, with a certificate of WHERE.
superseded() {
	local v4 ev rsid
	v4=$(grep -o 'first cid=[0-9a-f]* v4=[0-9.]*' <<<"$1" | sed 's/.*v4=//')
	ev=$(audit 'e["event"] == "continue_refused" and e["identity"] == "carol"' | tail -n 1)
	rsid=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["sid"])' "$ev")
	case "$1" in *"first connection: BYE 4 "*) ;; *) fail "carol's old session ($v4) was not closed by the refusal: $1" ;; esac
	[ "$(audit_n "e['event'] == 'disconnect' and e['identity'] == 'carol' and e['group'] == 'engineering' and e['tunnel_ipv4'] == '$v4' and e['reason_code'] == 'superseded' and e['reason'] == 'superseded by sid $rsid: continued with a certificate of $2'")" = 1 ] ||
		fail "no disconnect event superseded (by sid $rsid) for carol's old session $v4: $(audit 'e["event"] == "disconnect" and e["identity"] == "carol"')"
}
out=$(recont --cert2 "$WORK/carol-sales.crt" --key2 "$WORK/carol-sales.key" --expect new --old-bye 3) ||
	fail "carol's session was continued by a certificate of another group: $out"
case "$out" in *"v4=10.8.1."*"second cid="*"v4=10.8.2."*) ;; *) fail "carol's new session is not in sales' pool: $out" ;; esac
grep -q "continuation refused (the certificate maps to group sales, the session is in engineering)" "$WORK/gateway.log" ||
	fail "the gateway did not say why: $(grep 'continuation refused' "$WORK/gateway.log" | tail -n 1)"
ev=$(audit 'e["event"] == "continue_refused" and e["identity"] == "carol"')
[ "$(audit_n 'e["event"] == "continue_refused" and e["identity"] == "carol" and e["reason_code"] == "other_group"')" = 1 ] ||
	fail "no continue_refused other_group event for carol: $ev"
# The refused connection's own session (the same sid) is the one in sales.
rsid=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["sid"])' "$ev")
[ "$(audit_n "e['event'] == 'connect' and e['identity'] == 'carol' and e['group'] == 'sales' and e['sid'] == $rsid")" = 1 ] ||
	fail "carol's refused continuation (sid $rsid) did not become a session in sales: $(audit 'e["identity"] == "carol"')"
superseded "$out" "another group"
say "carol with an OU sales certificate: $out; audit: $ev; the old session closed: superseded"
wait_for 5 carol_gone || fail "carol's sessions outlived rawclient"
# A certificate that maps to no group (OU engineering and OU sales: more
# than one group) is refused its continuation and then the connection; the
# valid proof closes the old session all the same.
out=$(recont --cert2 "$WORK/carol-two.crt" --key2 "$WORK/carol-two.key" --expect refused --old-bye 3) ||
	fail "carol's continuation with a certificate of no group: $out"
case "$out" in *"second BYE 9 "*) ;; *) fail "carol's connection with no group was not refused (BYE 9): $out" ;; esac
grep -q "continuation refused (the certificate maps to no group: the certificate's OU values name more than one group, the session is in engineering)" "$WORK/gateway.log" ||
	fail "the gateway did not say why: $(grep 'continuation refused' "$WORK/gateway.log" | tail -n 1)"
ev=$(audit 'e["event"] == "continue_refused" and e["identity"] == "carol"' | tail -n 1)
[ "$(audit_n 'e["event"] == "continue_refused" and e["identity"] == "carol" and e["reason_code"] == "other_group"')" = 2 ] ||
	fail "no second continue_refused other_group event for carol: $ev"
superseded "$out" "no group"
say "carol with a certificate of no group: $out; the old session closed: superseded"
wait_for 5 carol_gone || fail "carol's sessions outlived rawclient"

# ---- detached sessions ----
# detach LAPTOP ADDR: the laptop's TCP to the gateway goes into a black
# hole and the gateway's end of it is killed; its UDP goes on.
detach() {
	ip netns exec "$(lap "$1")" nft -f - <<NFT || fail "nft black hole"
table inet hole {
	chain out { type filter hook output priority 0; tcp dport 8443 drop; }
	chain in { type filter hook input priority 0; tcp sport 8443 drop; }
}
NFT
	ip netns exec "$G" ss -K -tn state established "( sport = :8443 )" dst "$2" >/dev/null 2>&1 || true
}
# alice starts again, from her new address.
start_client 1
wait_for 15 state_up || fail "alice's UDP channel is not up again"
sid2=$(sess 's["sid"]')
# The gateway's end of alice's connection is killed while her laptop can
# still reach it: the session is detached, her client sees its connection
# reset and continues the session on a new one.
ip netns exec "$G" ss -K -tn state established "( sport = :8443 )" dst 192.0.2.31 >/dev/null 2>&1 || true
again() { [ "$(sess 's["continued"] if s else None')" = 1 ]; }
wait_for 10 again || fail "alice's session was not continued after the gateway lost its connection: $(grep -E 'detach|continu' "$WORK/gateway.log" | tail -n 3)"
[ "$(sess 's["sid"]')" = "$sid2" ] || fail "alice got a new session instead of continuing $sid2"
[ "$(sess 's["detached"]')" = False ] || fail "alice's continued session is still marked detached"
ip netns exec "$L1" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null || fail "no ping after the continuation"
say "the gateway lost alice's connection: session $sid2 $(grep -q "sid $sid2 .*detached" "$WORK/gateway.log" && echo detached, then) continued on a new one"
detach 1 192.0.2.31
is_detached() { [ "$(gw_session "$1" 's["detached"] if s else None')" = True ]; }
wait_for 5 is_detached alice || fail "alice's session was not detached: $(grep -E 'detach|session down' "$WORK/gateway.log" | tail -n 3)"
[ "$(sess 's["sid"]')" = "$sid2" ] || fail "detaching changed alice's session"
ip netns exec "$L1" ping -c 5 -i 0.2 -W 1 10.20.0.2 >/dev/null || fail "no ping through alice's detached session"
say "alice's TLS connection killed: session $sid2 detached, pings still go by UDP"
# A reload decides every session's group from its certificate; a detached
# session's is the copy its lost connection showed.
"$B/mtlsvpnctl" reload --control "$WORK/control" >"$WORK/reload.out" 2>&1 ||
	fail "reload with a detached session failed: $(cat "$WORK/reload.out")"
[ "$(sess 's["sid"]')" = "$sid2" ] && is_detached alice ||
	fail "a reload ended alice's detached session: $(grep -E 'reload|session down' "$WORK/gateway.log" | tail -n 3)"
ip netns exec "$L1" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null || fail "no ping through alice's detached session after a reload"
say "a reload keeps the detached session (its certificate kept from the lost connection)"
c0=$(sess 'd["gateway"]["udp"]["unknown_cid"]')
"$B/mtlsvpnctl" ca revoke alice --reason keyCompromise --dir "$CA" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca revoke alice: $(tail -n 3 "$WORK/ctl.log")"
alice_gone() { [ "$(sess 's is None')" = True ]; }
wait_for 5 alice_gone || fail "alice's detached session is still listed after revocation"
ip netns exec "$L1" ping -c 3 -i 0.2 -W 1 10.20.0.2 >/dev/null 2>&1 && fail "a ping went through alice's revoked session"
dropped() { [ "$(sess 'd["gateway"]["udp"]["unknown_cid"]')" -gt "$c0" ]; }
wait_for 5 dropped || fail "alice's datagrams after revocation were not counted as unknown cid"
say "revocation ended the detached session at once; datagrams after it are unknown cids"

write_client_ini 2 bob
start_client 2
bob_up() { [ "$(gw_session bob 's["udp"]["state"] if s and s["udp"] else None')" = up ]; }
wait_for 15 bob_up || fail "bob's UDP channel is not up"
detach 2 192.0.2.12
wait_for 5 is_detached bob || fail "bob's session was not detached"
t0=$(date +%s.%N)
bob_gone() { [ "$(gw_session bob 's is None')" = True ]; }
wait_for 20 bob_gone || fail "bob's detached session outlived udp_detach_grace = 12"
ms=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", (b - a) * 1000 }')
[ "$ms" -ge 11000 ] || fail "bob's detached session ended after $ms ms, before the grace of 12 s"
grep -q "detached for udp_detach_grace (12s) and not continued" "$WORK/gateway.log" ||
	fail "the gateway did not say why bob's session ended"
[ "$(sess 'd["gateway"]["udp"]["detach_expired"]')" = 1 ] ||
	fail "detach_expired is $(sess 'd["gateway"]["udp"]["detach_expired"]'), not 1"
say "bob's detached session, not continued, ended $ms ms after it was detached (grace 12 s)"

pass
