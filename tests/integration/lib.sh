# lib.sh - shared by the integration tests (sourced, not run): network
# namespaces, a test CA, the real gateway and clients, bounded waits and a
# cleanup that removes every namespace and process this run made.
#
# Topology (every name carries the PID of the test, so runs never collide):
#
#   mtv-lapN-PID (192.0.2.10+N) --veth-- mtv-gw-PID (bridge 192.0.2.1,
#   gateway, 10.20.0.1) --veth-- mtv-lan-PID (10.20.0.2, fd00:20::2)
#
# Nothing is added to the root namespace; traffic never leaves these
# namespaces. Tests need root and fail (never skip) without it.

set -euo pipefail

B=${MTLSVPN_BUILD_DIR:-}
SRC=${MTLSVPN_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T_NAME=$(basename "$0" .sh)
ID=$$
G=mtv-gw-$ID
N=mtv-lan-$ID
LAPS=()
T_PIDS=()
GW_PID=
T_OK=0

say() { printf '[%s] %s\n' "$T_NAME" "$*"; }
# need_tools CMD...: fails the test (never skips) when one is missing.
need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null || fail "$t is needed (apt-get install $t)"
	done
}
fail() {
	printf '[%s] FAIL: %s\n' "$T_NAME" "$*" >&2
	exit 1
}

[ -n "$B" ] || fail "MTLSVPN_BUILD_DIR is not set (run through ctest or tests/run.sh)"
[ "$(id -u)" -eq 0 ] || fail "needs root: it creates network namespaces and TUN devices"
for b in mtlsvpn-server mtlsvpn-client mtlsvpnctl; do
	[ -x "$B/$b" ] || fail "$B/$b is missing: build the project first"
done
WORK=$(mktemp -d "/tmp/mtlsvpn-$T_NAME.XXXXXX")
# Others may pass through, not list: the gateway runs as nobody (user =
# nobody below) and re-reads server.ini and the CRLs from here; keys stay 0600.
chmod 711 "$WORK"
# What the gateway rewrites (the lease file) lives in a directory it owns.
install -d -o nobody -g nogroup "$WORK/state"

# Stops a process we started: SIGTERM, then SIGKILL after 5 s. By PID only.
stop_pid() {
	local p=$1 i
	kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }
	kill -TERM "$p" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

t_cleanup() {
	local rc=$? p ns
	set +e
	for p in "${T_PIDS[@]}"; do stop_pid "$p"; done
	if [ "$rc" -ne 0 ] || [ "$T_OK" -ne 1 ]; then
		for f in "$WORK"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $(basename "$f") (last 40 lines) ----" >&2
			tail -n 40 "$f" >&2
		done
	fi
	for ns in "${LAPS[@]}" "$N" "$G"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$WORK"
	exit "$rc"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# Runs "$@" until it succeeds or secs pass; returns 1 on timeout.
wait_for() {
	local secs=$1 end
	shift
	end=$(($(date +%s%N) / 1000000 + secs * 1000))
	while ! "$@" >/dev/null 2>&1; do
		[ $(($(date +%s%N) / 1000000)) -lt "$end" ] || return 1
		sleep 0.1
	done
}

# The gateway and LAN namespaces and the laptop bridge.
topo_init() {
	ip netns add "$G"
	ip netns add "$N"
	ip -n "$G" link set lo up
	ip -n "$N" link set lo up
	ip link add gwn0 netns "$G" type veth peer name lan0 netns "$N"
	ip -n "$G" addr add 10.20.0.1/24 dev gwn0
	ip -n "$G" addr add fd00:20::1/64 dev gwn0 nodad
	ip -n "$N" addr add 10.20.0.2/24 dev lan0
	ip -n "$N" addr add fd00:20::2/64 dev lan0 nodad
	ip -n "$G" link set gwn0 up
	ip -n "$N" link set lan0 up
	ip -n "$G" link add br0 type bridge
	ip -n "$G" addr add 192.0.2.1/24 dev br0
	ip -n "$G" link set br0 up
	ip netns exec "$G" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$G" sysctl -qw net.ipv6.conf.all.forwarding=1
	# The LAN answers tunnel addresses through the gateway.
	ip -n "$N" route add 10.8.0.0/16 via 10.20.0.1
	ip -n "$N" route add fd00:8::/48 via fd00:20::1
}

# laptop NUM: a namespace 192.0.2.(10+NUM) on the gateway's bridge.
add_laptop() {
	local i=$1 L=mtv-lap$1-$ID
	ip netns add "$L"
	LAPS+=("$L")
	ip -n "$L" link set lo up
	ip link add eth0 netns "$L" type veth peer name "l$i" netns "$G"
	ip -n "$L" addr add "192.0.2.$((10 + i))/24" dev eth0
	ip -n "$G" link set "l$i" master br0
	ip -n "$G" link set "l$i" up
	ip -n "$L" link set eth0 up
}
lap() { echo "mtv-lap$1-$ID"; }

# ---- certificates ----

CA=$WORK/ca
# pki_init [--intermediate]: the CA (with an online intermediate that signs,
# the layout the admin guide recommends) and the gateway's certificate.
pki_init() {
	"$B/mtlsvpnctl" ca init --dir "$CA" --name "Integration Test CA" "$@" >"$WORK/ctl.log" 2>&1 ||
		fail "mtlsvpnctl ca init failed: $(cat "$WORK/ctl.log")"
	"$B/mtlsvpnctl" ca issue-server gw.test --dir "$CA" --out "$WORK" >>"$WORK/ctl.log" 2>&1 ||
		fail "mtlsvpnctl ca issue-server failed: $(cat "$WORK/ctl.log")"
	# The CA's crl.pem is watched by a gateway running as nobody (its key
	# and issued/ keep their own 0600/0700).
	chmod 711 "$CA"
}
# pki_client IDENTITY [extra ctl args]: $WORK/IDENTITY.crt and .key
pki_client() {
	local who=$1
	shift
	"$B/mtlsvpnctl" ca issue-client "$who" --dir "$CA" --out "$WORK" "$@" >>"$WORK/ctl.log" 2>&1 ||
		fail "mtlsvpnctl ca issue-client $who failed: $(tail -n 3 "$WORK/ctl.log")"
	[ -f "$WORK/$who.crt" ] && [ -f "$WORK/$who.key" ] ||
		fail "mtlsvpnctl ca issue-client $who wrote no $who.crt/$who.key in $WORK"
}

# ---- the gateway ----

# write_server_ini [extra [gateway] lines...]: $WORK/server.ini
write_server_ini() {
	{
		echo "[gateway]"
		echo "listen = 192.0.2.1:8443"
		echo "ca = ca/ca.crt"
		echo "cert = gw.test.crt"
		echo "key = gw.test.key"
		case " $* " in *" keepalive = "*) ;; *) echo "keepalive = 2" ;; esac
		echo "handshake_timeout = 5"
		# The control socket stays in this test's directory, never in /run.
		case " $* " in *" control = "*) ;; *) echo "control = $WORK/control" ;; esac
		# Every test runs the gateway dropped to nobody and sandboxed.
		case " $* " in *" user = "*) ;; *) echo "user = nobody" ;; esac
		case " $* " in *" lease_file = "*) ;; *) echo "lease_file = state/leases" ;; esac
		for l in "$@"; do echo "$l"; done
		echo "[pool]"
		echo "ipv4 = 10.8.0.0/24"
		echo "ipv6 = fd00:8::/64"
		echo "routes = 10.20.0.0/24, fd00:20::/64"
	} >"$WORK/server.ini"
}

# listening NS PORT: a TCP socket listens on PORT in namespace NS.
listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep LISTEN >/dev/null; }
gateway_listening() { listening "$G" 8443; }

start_gateway() {
	[ -f "$WORK/server.ini" ] || write_server_ini
	ip netns exec "$G" "$B/mtlsvpn-server" -c "$WORK/server.ini" -v >>"$WORK/gateway.log" 2>&1 &
	GW_PID=$!
	T_PIDS+=("$GW_PID")
	wait_for 10 gateway_listening || fail "the gateway is not listening after 10 s"
}

# gateway_exits SECS: the gateway ends within SECS; GW_RC is its status.
gateway_exits() {
	local end=$(($(date +%s) + $1))
	while kill -0 "$GW_PID" 2>/dev/null; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
	GW_RC=0
	wait "$GW_PID" || GW_RC=$?
}

# ---- clients ----

# write_client_ini NUM IDENTITY [extra lines]: $WORK/clientNUM.ini
write_client_ini() {
	local i=$1 who=$2
	shift 2
	{
		echo "[client]"
		echo "gateway = 192.0.2.1:8443"
		echo "server_name = gw.test"
		echo "ca = ca/ca.crt"
		echo "cert = $who.crt"
		echo "key = $who.key"
		echo "dns = none"
		echo "reconnect_min = 1"
		echo "reconnect_max = 2"
		# Each laptop's undo journal in this test's directory, never in
		# /run/mtlsvpn (every laptop's TUN is mtlsvpn0).
		case " $* " in *" state_dir = "*) ;; *) echo "state_dir = $WORK/client-state-$i" ;; esac
		for l in "$@"; do echo "$l"; done
	} >"$WORK/client$i.ini"
}

# start_client NUM: runs the client of laptop NUM in the background;
# CLIENT_PID[NUM] is its PID.
declare -A CLIENT_PID
start_client() {
	local i=$1
	ip netns exec "$(lap "$i")" "$B/mtlsvpn-client" -c "$WORK/client$i.ini" -v \
		>>"$WORK/client$i.log" 2>&1 &
	CLIENT_PID[$i]=$!
	T_PIDS+=("$!")
}

# The tunnel of laptop NUM carries traffic to the gateway's tunnel address
# (bound to the TUN: a laptop with a default route could reach the gateway's
# own addresses without it).
tunnel_up() { ip netns exec "$(lap "$1")" ping -I mtlsvpn0 -c 1 -W 1 10.8.0.1 >/dev/null 2>&1; }
wait_tunnel() {
	wait_for "${2:-15}" tunnel_up "$1" || fail "laptop $1: no tunnel after ${2:-15} s"
}

# The IPv4 address the gateway gave laptop NUM.
tunnel_addr() {
	ip -n "$(lap "$1")" -4 -o addr show dev mtlsvpn0 | awk '{print $4}' | cut -d/ -f1
}

# Runs a client to its end in the foreground (bounded); sets RUN_RC.
run_client_to_end() {
	local i=$1 secs=${2:-20}
	set +e
	timeout "$secs" ip netns exec "$(lap "$i")" "$B/mtlsvpn-client" -c "$WORK/client$i.ini" \
		>>"$WORK/client$i.log" 2>&1
	RUN_RC=$?
	set -e
}

# grab_dchan_datagram NS OUT: one UDP data-channel DATA datagram (first
# byte 0x30, to port 8443) as it leaves laptop namespace NS, written to
# OUT, caught while NS pings the LAN host (an ETH_P_ALL tap on eth0: only
# such a tap sees what the laptop sends). Fails the test if none is seen.
# OUT.ready is left beside it.
grab_dchan_datagram() {
	local ns=$1 out=$2 grab
	cat >"$WORK/grab.py" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("eth0", 0)); s.settimeout(1)
open(sys.argv[1] + ".ready", "w").close()
end = time.time() + 10
while time.time() < end:
    try:
        f = s.recv(65535)
    except socket.timeout:
        continue
    if f[12:14] != b"\x08\x00": continue
    ip = f[14:]
    if ip[9] != 17: continue
    ihl = (ip[0] & 15) * 4
    dport = struct.unpack("!H", ip[ihl + 2:ihl + 4])[0]
    pay = ip[ihl + 8:]
    if dport == 8443 and pay[:1] == b"\x30":
        open(sys.argv[1], "wb").write(pay); sys.exit(0)
sys.exit(1)
PY
	ip netns exec "$ns" timeout 15 python3 "$WORK/grab.py" "$out" &
	grab=$!
	# Python may take a second to start on a loaded machine: the pings
	# go once the tap is there.
	wait_for 10 test -e "$out.ready" || true
	ip netns exec "$ns" ping -c 5 -i 0.2 -W 1 10.20.0.2 >/dev/null 2>&1 || true
	wait "$grab" || fail "no DATA datagram seen leaving $ns"
}

# gw_session IDENTITY EXPR: prints the Python expression EXPR about the
# gateway's status --json, with s the first session of IDENTITY (None if it
# has none) and d the whole document.
gw_session() {
	"$B/mtlsvpnctl" status --json --control "$WORK/control" >"$WORK/status.json"
	python3 - "$WORK/status.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = next((x for x in d["sessions"] if x["identity"] == sys.argv[2]), None)
print(eval(sys.argv[3]))
PY
}

# ---- one identity's session on the UDP data channel (test_udp_*.sh) ----

# udp_session_up IDENTITY [LAPTOP_NS]: waits (10 s) for the UDP channel of
# IDENTITY's session to be up and sets SID, its session id; with
# LAPTOP_NS, also catches one DATA datagram leaving it ($WORK/before.bin)
# and sets CID, the channel's id in it. From then on sess EXPR is
# gw_session IDENTITY EXPR, and state_up tells whether that session's
# channel is up.
udp_session_up() {
	U_ID=$1
	wait_for 10 state_up || fail "$1's UDP channel is not up after 10 s"
	SID=$(sess 's["sid"]')
	[ $# -lt 2 ] && return 0
	grab_dchan_datagram "$2" "$WORK/before.bin"
	CID=$(cid_of "$WORK/before.bin")
}
sess() { gw_session "$U_ID" "$1"; }
state_up() { [ "$(sess 's["udp"]["state"] if s and s["udp"] else None')" = up ]; }
# cid_of FILE: the cid (16 hex digits) of the DATA datagram in FILE.
cid_of() { python3 -c 'import sys; print(open(sys.argv[1], "rb").read()[4:12].hex())' "$1"; }

# ---- a checksummed upload across a change of path ----

# start_lan_sink SECS: the LAN host (10.20.0.2:5001) takes one TCP upload
# for at most SECS, then writes its sha256 to $WORK/up.sha and answers one
# byte, so the sender knows all of it arrived.
start_lan_sink() {
	cat >"$WORK/lan.py" <<'PY'
import hashlib, os, socket, sys
work = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.20.0.2", 5001)); s.listen(1)
c, _ = s.accept(); h = hashlib.sha256()
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b)
open(work + "/up.sha.tmp", "w").write(h.hexdigest())
os.rename(work + "/up.sha.tmp", work + "/up.sha")
c.sendall(b"k"); c.close()
PY
	ip netns exec "$N" timeout "$1" python3 "$WORK/lan.py" "$WORK" >"$WORK/lan.log" 2>&1 &
	T_PIDS+=("$!")
	wait_for 10 listening "$N" 5001 || fail "the LAN sink did not start"
}

# start_slow_upload NS MIB CHUNK SECS: from namespace NS, MIB MiB of random
# bytes to the LAN sink in CHUNK-byte writes 0.2 s apart, on one TCP
# connection, within SECS; WANT is their sha256, UP_PID the sender's PID.
start_slow_upload() {
	head -c "$2M" /dev/urandom >"$WORK/big.bin"
	WANT=$(sha256sum <"$WORK/big.bin" | cut -d' ' -f1)
	ip netns exec "$1" timeout "$4" python3 -c '
import socket, sys, time
s = socket.create_connection(("10.20.0.2", 5001), timeout=60)
s.settimeout(120)
d = open(sys.argv[1], "rb").read(); n = int(sys.argv[2])
for i in range(0, len(d), n):
    s.sendall(d[i:i + n]); time.sleep(0.2)
s.shutdown(socket.SHUT_WR); s.recv(1)' "$WORK/big.bin" "$3" >"$WORK/upload.log" 2>&1 &
	UP_PID=$!
	T_PIDS+=("$UP_PID")
}

# upload_start NS: the LAN host sinks a 40 MB upload from laptop namespace
# NS, sent slowly (about 8 s) so that a change can come in its middle, and
# NS pings the LAN host every 20 ms beside it. UP_PID and PING_PID are the
# two; UP_WANT is the upload's sha256.
upload_start() {
	local ns=$1
	start_lan_sink 120
	start_slow_upload "$ns" 40 1048576 90
	UP_WANT=$WANT
	ip netns exec "$ns" timeout 20 ping -D -i 0.02 -c 600 -W 1 10.20.0.2 >"$WORK/ping.log" 2>&1 &
	PING_PID=$!
	T_PIDS+=("$PING_PID")
}

# upload_check WHAT: the upload of upload_start arrived whole with its
# checksum (the test fails otherwise, naming WHAT); GAP_MS is the longest
# gap between ping replies and GAP_N how many of the 600 were answered.
upload_check() {
	local gap
	wait "$UP_PID" || fail "the upload across $1 failed: $(cat "$WORK/upload.log")"
	wait_for 10 test -s "$WORK/up.sha" || fail "the LAN host got no complete upload"
	[ "$(cat "$WORK/up.sha")" = "$UP_WANT" ] || fail "the upload's checksum differs after $1"
	wait "$PING_PID" || true
	gap=$(python3 - "$WORK/ping.log" <<'PY'
import re, sys
t = [float(m.group(1)) for m in re.finditer(r"^\[(\d+\.\d+)\].*bytes from", open(sys.argv[1]).read(), re.M)]
print("%.0f %d" % (max(b - a for a, b in zip(t, t[1:])) * 1000 if len(t) > 1 else -1, len(t)))
PY
)
	GAP_MS=${gap% *}
	GAP_N=${gap#* }
}

# Exits the test successfully (the cleanup trap still runs).
pass() {
	T_OK=1
	say "PASS"
	exit 0
}

# pki_openssl_client IDENTITY START END: a client certificate signed by our
# CA with the openssl command line, valid from START to END
# (YYYYMMDDHHMMSSZ), e.g. an expired one. $WORK/IDENTITY.crt and .key
pki_openssl_client() {
	pki_openssl_client_subj "$1" "/CN=$1" "$2" "$3"
}

# pki_openssl_client_subj NAME SUBJECT START END: the same with a whole
# subject, kept as written (-preserveDN), e.g.
# "/CN=x/serialNumber=EMP-42/1.3.6.1.4.1.99999.1=eng". $WORK/NAME.crt and .key
pki_openssl_client_subj() {
	local who=$1 subj=$2 start=$3 end=$4 d=$WORK/openssl-ca
	mkdir -p "$d/new"
	: >"$d/index.txt"
	[ -f "$d/serial" ] || echo 1000 >"$d/serial"
	cat >"$d/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $d/index.txt
new_certs_dir = $d/new
serial = $d/serial
default_md = sha256
policy = any
unique_subject = no
x509_extensions = client
[any]
commonName = supplied
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
	# req skips attribute types it has no name for: name each dotted OID
	# of the subject in the request's config.
	{
		printf 'oid_section = oids\n[oids]\n'
		{ grep -o '/[0-9][0-9.]*=' <<<"$subj" || true; } | tr -d '/=' | sort -u |
			awk '{print "oid" NR " = " $0}'
		printf '[req]\ndistinguished_name = dn\nstring_mask = utf8only\n[dn]\n'
	} >"$d/req.cnf"
	openssl req -config "$d/req.cnf" -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$WORK/$who.key" -subj "$subj" -out "$d/$who.csr" 2>>"$WORK/ctl.log"
	chmod 600 "$WORK/$who.key"
	openssl ca -batch -preserveDN -config "$d/ca.cnf" -cert "$CA/ca.crt" -keyfile "$CA/ca.key" \
		-startdate "$start" -enddate "$end" -in "$d/$who.csr" -out "$WORK/$who.crt" \
		>>"$WORK/ctl.log" 2>&1 || fail "openssl ca could not sign $who: $(tail -n 3 "$WORK/ctl.log")"
}

# ---- a private /etc (DNS tests) ----

# The client's resolv.conf handling runs against a copy of /etc, never the
# machine's: a mount namespace, held by a sleeping process, where
# $WORK/etc is bind-mounted on /etc. in_etc CMD... runs CMD in it (the
# clients with ip netns exec inside). Refuses to go on unless the copy is
# what /etc is in there.
ETC_PID=
private_etc_init() {
	mkdir -p "$WORK/etc"
	cp -a /etc/. "$WORK/etc/" 2>/dev/null || true
	rm -f "$WORK/etc/resolv.conf"
	: >"$WORK/etc/.mtlsvpn-test-$ID"
	unshare -m --propagation private sh -c "mount --bind '$WORK/etc' /etc && exec sleep 100000" &
	ETC_PID=$!
	T_PIDS+=("$ETC_PID")
	wait_for 5 in_etc test -e "/etc/.mtlsvpn-test-$ID" || fail "no private /etc after 5 s"
}
in_etc() { nsenter -t "$ETC_PID" -m "$@"; }

# start_client_etc NUM: start_client inside the private /etc.
start_client_etc() {
	local i=$1
	[ -e "$WORK/etc/.mtlsvpn-test-$ID" ] && in_etc test -e "/etc/.mtlsvpn-test-$ID" ||
		fail "the private /etc is not in place"
	# nsenter itself, not in_etc: $! must be the client (both exec).
	nsenter -t "$ETC_PID" -m ip netns exec "$(lap "$i")" "$B/mtlsvpn-client" \
		-c "$WORK/client$i.ini" -v >>"$WORK/client$i.log" 2>&1 &
	CLIENT_PID[$i]=$!
	T_PIDS+=("$!")
}
