#!/usr/bin/env bash
# DNS through systemd-resolved's D-Bus API. resolved itself cannot run here
# (no systemd as PID 1, and it would take over the machine's resolv.conf),
# so a private dbus-daemon with a system-bus configuration carries a
# stand-in for org.freedesktop.resolve1 (resolved_mock.py) that records
# every call with the caller's uid and capabilities. Checked: dns = auto
# finds it on the bus; split tunnel sets the search domains, ~routing
# domains and default-route off; full tunnel sets ~. and default-route on;
# the calls come from uid 0 holding CAP_NET_ADMIN alone (after the
# privilege drop); RevertLink on a clean exit, and after SIGKILL by the next
# start's journal replay and by --cleanup; a refused call leaves the tunnel
# up and the link reverted; resolv.conf (a private copy) is untouched while
# resolved is there and rewritten once it is gone.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import dbus, dbus.service; from gi.repository import GLib' 2>/dev/null ||
	fail "needs Debian's python3-dbus and python3-gi for $PY (packaging/setup.sh installs them)"
command -v dbus-daemon >/dev/null || fail "needs dbus-daemon (packaging/setup.sh installs it)"

topo_init
add_laptop 1
L=$(lap 1)
ip -n "$L" route add default via 192.0.2.1
pki_init
pki_client alice
write_server_ini
{
	echo "dns = 10.20.0.53"
	echo "search = corp.example"
	echo "dns_routing_domains = int.example, ~10.in-addr.arpa"
} >>"$WORK/server.ini"
start_gateway
private_etc_init
printf 'nameserver 192.0.2.53\nsearch home.example\n' >"$WORK/etc/resolv.conf"
cp "$WORK/etc/resolv.conf" "$WORK/original"

# ---- the private system bus and the stand-in ----
BUS=$WORK/bus
mkdir -p "$BUS"
cat >"$BUS/system.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$BUS/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$BUS/system.conf" --nofork --nopidfile >>"$WORK/dbus.log" 2>&1 &
T_PIDS+=("$!")
wait_for 5 test -S "$BUS/system_bus_socket" || fail "the private dbus-daemon did not start in 5 s"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$BUS/system_bus_socket

CALLS=$WORK/calls.jsonl
MOCK_PID=
start_mock() {
	rm -f "$BUS/ready"
	MOCK_REFUSE=${1:-} "$PY" "$SRC/tests/integration/resolved_mock.py" "$CALLS" "$BUS/ready" 300 \
		>>"$WORK/mock.log" 2>&1 &
	MOCK_PID=$!
	T_PIDS+=("$MOCK_PID")
	wait_for 10 test -e "$BUS/ready" || fail "the resolved stand-in is not on the bus after 10 s"
}
start_mock

# The recorded calls, one a line: METHOD IFINDEX uid=U cap=CAPEFF ARGS.
calls() {
	[ -f "$CALLS" ] || return 0
	"$PY" - "$CALLS" <<'PY'
import json, socket, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    args = []
    if r["method"] == "SetLinkDNS":
        for fam, b in r["servers"]:
            args.append(socket.inet_ntop(fam, bytes(b)))
    elif r["method"] == "SetLinkDomains":
        args = r["domains"]
    elif r["method"] == "SetLinkDefaultRoute":
        args = ["yes" if r["on"] else "no"]
    print(" ".join([r["method"], str(r["ifindex"]), "uid=%d" % r["uid"],
                    "cap=" + r["capeff"]] + args))
PY
}
ifindex() { ip -n "$L" -o link show "$1" | cut -d: -f1; }
dns_set() { calls | grep -q '^SetLinkDefaultRoute '; }
# expect_calls WHAT LINE...: the calls recorded since the last reset are
# exactly these lines, in this order.
expect_calls() {
	local what=$1
	shift
	: >"$WORK/want"
	[ $# -eq 0 ] || printf '%s\n' "$@" >"$WORK/want"
	calls >"$WORK/got"
	diff -u "$WORK/want" "$WORK/got" >&2 || fail "$what: the calls to resolved differ (above)"
}
reset_calls() { : >"$CALLS"; }
resolv_untouched() {
	cmp -s "$WORK/original" "$WORK/etc/resolv.conf" ||
		fail "$1: resolv.conf was changed while resolved is on the bus: $(cat "$WORK/etc/resolv.conf")"
}

STATE=$WORK/client-state
write_client_ini 1 alice "tun = mtv%d" "dns = auto" "state_dir = $STATE"
sed -i '/^dns = none$/d' "$WORK/client1.ini"
JOURNAL=$STATE/client1.journal
# CAP_NET_ADMIN (12) and nothing else: the client has dropped its privileges.
CAP=cap=1000
# Before the drop (the replay at start, --cleanup): what root has here.
ROOTCAP=cap=$(printf '%x' "$((16#$(awk '/^CapEff:/ {print $2}' /proc/self/status)))")

# ---- split tunnel: search + ~routing domains, not the default route ----
start_client_etc 1
wait_for 20 dns_set || fail "split: no DNS set through resolved after 20 s"
i0=$(ifindex mtv0)
expect_calls split \
	"SetLinkDNS $i0 uid=0 $CAP 10.20.0.53" \
	"SetLinkDomains $i0 uid=0 $CAP corp.example ~int.example ~10.in-addr.arpa" \
	"SetLinkDefaultRoute $i0 uid=0 $CAP no"
grep -q 'dns 10.20.0.53 via systemd-resolved' "$WORK/client1.log" ||
	fail "split: the connect message does not say DNS went through systemd-resolved"
resolv_untouched split
[ -f "$JOURNAL" ] || fail "split: no journal at $JOURNAL while DNS is set"
reset_calls
kill -TERM "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" || fail "split: client exit status $? after SIGTERM"
expect_calls "split, clean exit" "RevertLink $i0 uid=0 $CAP"
[ ! -e "$JOURNAL" ] || fail "split: the journal is still there after a clean exit"
say "split: search corp.example, ~int.example ~10.in-addr.arpa, default route off; RevertLink at exit"

# ---- full tunnel: ~. and the default route; SIGKILL, then a new start ----
echo "full_tunnel = yes" >>"$WORK/client1.ini"
reset_calls
start_client_etc 1
wait_for 20 dns_set || fail "full: no DNS set through resolved after 20 s"
i0=$(ifindex mtv0)
expect_calls full \
	"SetLinkDNS $i0 uid=0 $CAP 10.20.0.53" \
	"SetLinkDomains $i0 uid=0 $CAP corp.example ~." \
	"SetLinkDefaultRoute $i0 uid=0 $CAP yes"
resolv_untouched full
kill -KILL "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" 2>/dev/null || true
[ -f "$JOURNAL" ] || fail "full: SIGKILL should leave the journal"
# The TUN went with the process. A link of that name that is still there
# (here a persistent TUN standing in for it) is what the journal's RevertLink is for.
ip -n "$L" tuntap add dev mtv0 mode tun
d0=$(ifindex mtv0)
reset_calls
: >"$WORK/client1.log"
start_client_etc 1
wait_for 20 dns_set || fail "restart: no DNS set through resolved after 20 s"
i1=$(ifindex mtv1)
expect_calls "restart after SIGKILL" \
	"RevertLink $d0 uid=0 $ROOTCAP" \
	"SetLinkDNS $i1 uid=0 $CAP 10.20.0.53" \
	"SetLinkDomains $i1 uid=0 $CAP corp.example ~." \
	"SetLinkDefaultRoute $i1 uid=0 $CAP yes"
grep -q 'undoing [0-9]* changes left by mtlsvpn-client' "$WORK/client1.log" ||
	fail "restart: the journal was not replayed"
say "full: ~. and default route on; after SIGKILL the next start reverted the old link first"

# ---- SIGKILL, then --cleanup ----
kill -KILL "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" 2>/dev/null || true
ip -n "$L" tuntap add dev mtv1 mode tun
d1=$(ifindex mtv1)
reset_calls
in_etc ip netns exec "$L" "$B/mtlsvpn-client" -c "$WORK/client1.ini" --cleanup \
	>>"$WORK/cleanup.log" 2>&1 || fail "--cleanup failed: $(tail -n 3 "$WORK/cleanup.log")"
expect_calls "--cleanup" "RevertLink $d1 uid=0 $ROOTCAP"
[ ! -e "$JOURNAL" ] || fail "--cleanup left the journal"
resolv_untouched --cleanup
ip -n "$L" link del mtv0
ip -n "$L" link del mtv1
say "--cleanup after SIGKILL: RevertLink, the journal removed"

# ---- resolved refuses a call: the tunnel stays up, the link reverted ----
stop_pid "$MOCK_PID"
start_mock SetLinkDomains
sed -i '/^full_tunnel = yes$/d' "$WORK/client1.ini"
reset_calls
: >"$WORK/client1.log"
start_client_etc 1
wait_for 20 grep -q 'DNS servers could not be set' "$WORK/client1.log" ||
	fail "refused: the client did not report that DNS could not be set"
wait_for 5 grep -q '"RevertLink"' "$CALLS" || fail "refused: the link was not reverted"
i0=$(ifindex mtv0)
expect_calls "refused SetLinkDomains" \
	"SetLinkDNS $i0 uid=0 $CAP 10.20.0.53" \
	"SetLinkDomains $i0 uid=0 $CAP corp.example ~int.example ~10.in-addr.arpa" \
	"RevertLink $i0 uid=0 $CAP"
ip netns exec "$L" ping -I mtv0 -c 1 -W 2 10.8.0.1 >/dev/null ||
	fail "refused: the tunnel does not carry traffic"
resolv_untouched refused
reset_calls
kill -TERM "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" || fail "refused: client exit status $? after SIGTERM"
expect_calls "refused, clean exit" # nothing left to revert
[ ! -e "$JOURNAL" ] || fail "refused: the journal is still there after a clean exit"
say "a refused call: tunnel up, the link reverted at once, nothing left at exit"

# ---- resolved gone from the bus: /etc/resolv.conf instead ----
stop_pid "$MOCK_PID"
reset_calls
start_client_etc 1
wait_for 20 grep -q '^nameserver 10.20.0.53$' "$WORK/etc/resolv.conf" ||
	fail "without resolved on the bus, resolv.conf did not get the tunnel's server"
kill -TERM "${CLIENT_PID[1]}"
wait "${CLIENT_PID[1]}" || fail "fallback: client exit status $? after SIGTERM"
cmp "$WORK/original" "$WORK/etc/resolv.conf" || fail "fallback: resolv.conf not restored"
say "resolved absent: resolv.conf rewritten, and restored at exit"
pass
