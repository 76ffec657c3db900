#!/usr/bin/env bash
# test_installed.sh - the Debian packages, installed, purged:
#
#   1. the units of the built packages: systemd-analyze security (offline)
#      rates the gateway's 2.0 or lower, the client's 2.3 or lower;
#   2. apt-get install DEB_DIR/*.deb; the layout, the user mtlsvpn, and
#      systemd-analyze verify on the installed units;
#   3. one tunnel with the installed programs and configuration in
#      /etc/mtlsvpn (network namespaces, tests/integration/lib.sh): the CA
#      in mtlsvpnctl's packaged default /var/lib/mtlsvpn/ca, the gateway run
#      as the unit runs it (user mtlsvpn, CAP_NET_ADMIN alone), the client
#      started by the client unit's own ExecStart line with a profile in
#      /etc/mtlsvpn/client/;
#   4. apt-get purge: every file the packages listed is gone, and so are
#      server.ini, the leases and /var/lib/mtlsvpn/gateway; what the admin
#      made (the CA, keys, profiles) and the system user stay, as
#      docs/admin-guide.md says. The test then removes those itself.
#
# Not run by ctest: it installs packages. .ci/run runs it after
# packaging/build-deb.sh. It refuses to run where mtlsvpn is installed or
# /etc/mtlsvpn or /var/lib/mtlsvpn exist, so it never touches a real set-up.
# Usage: tests/packaging/test_installed.sh [DEB_DIR]   (default build/deb)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
debs=$(cd "${1:-$top/build/deb}" && pwd)
PKGS=(mtlsvpn-server mtlsvpn-client mtlsvpn-common)
UNITS=(mtlsvpn-server.service mtlsvpn-client@t$$.service)
say0() { printf '[test_installed] %s\n' "$*"; }
die0() { printf '[test_installed] FAIL: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die0 "needs root: it installs packages and creates network namespaces"
compgen -G "$debs/mtlsvpn-*.deb" >/dev/null || die0 "no packages in $debs: run packaging/build-deb.sh"
for p in "${PKGS[@]}"; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'installed'; then
		die0 "$p is installed here; the test installs and purges its own copy"
	fi
done
for d in /etc/mtlsvpn /var/lib/mtlsvpn; do
	[ ! -e "$d" ] || die0 "$d exists; the test would remove it"
done
had_user=0
getent passwd mtlsvpn >/dev/null && had_user=1

# ---- 1. the units' exposure, from the packages as built ----
unit_root=$(mktemp -d /tmp/mtlsvpn-units.XXXXXX)
for f in "$debs"/mtlsvpn-*.deb; do dpkg-deb -x "$f" "$unit_root"; done
# The bound of each unit, in tenths: the gateway's 2.0; the client's 2.3,
# which is 2.0 plus CAP_CHOWN and the chown calls that give its status
# socket to group mtlsvpn-status (the unit's comment lists every exposure).
declare -A MAX_EXPOSURE=([mtlsvpn-server.service]=20 [mtlsvpn-client@t$$.service]=23)
for u in "${UNITS[@]}"; do
	systemd-analyze security --offline=true --root="$unit_root" --threshold="${MAX_EXPOSURE[$u]}" "$u" \
		>"$unit_root/security.txt" 2>&1 || {
		cat "$unit_root/security.txt" >&2
		die0 "systemd-analyze security rates $u above $((MAX_EXPOSURE[$u] / 10)).$((MAX_EXPOSURE[$u] % 10))"
	}
	say0 "$(grep -o 'Overall exposure level.*' "$unit_root/security.txt")"
done
rm -rf "$unit_root"

# ---- 2. install ----
installed=0
# Leaves the machine as found if the test stops half-way.
uninstall() {
	[ "$installed" -eq 1 ] || return 0
	apt-get purge -y -q "${PKGS[@]}" >/dev/null 2>&1 || true
	rm -rf /etc/mtlsvpn /var/lib/mtlsvpn
	[ "$had_user" -eq 1 ] || deluser --system --quiet mtlsvpn >/dev/null 2>&1 || true
	installed=0
}
trap uninstall EXIT
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$debs"/mtlsvpn-*.deb >"/tmp/mtlsvpn-apt.$$" 2>&1 || {
	cat "/tmp/mtlsvpn-apt.$$" >&2
	rm -f "/tmp/mtlsvpn-apt.$$"
	die0 "apt-get install failed"
}
rm -f "/tmp/mtlsvpn-apt.$$"
for pkg in "${PKGS[@]}"; do dpkg -L "$pkg"; done | sort -u >"/tmp/mtlsvpn-files.$$"

export MTLSVPN_BUILD_DIR=/usr/sbin MTLSVPN_SOURCE_DIR=$top
# shellcheck source=tests/integration/lib.sh
. "$top/tests/integration/lib.sh"
# Processes first, then the packages, then lib.sh's cleanup with our status.
# shellcheck disable=SC2154 # rc is set in the trap itself
trap 'rc=$?; set +e; for p in "${T_PIDS[@]}"; do stop_pid "$p"; done; uninstall
	rm -f "/tmp/mtlsvpn-files.$ID"; (exit $rc); t_cleanup' EXIT

getent passwd mtlsvpn >/dev/null || fail "no user mtlsvpn after installation"
[ "$(stat -c %U:%a /var/lib/mtlsvpn/gateway)" = mtlsvpn:750 ] ||
	fail "/var/lib/mtlsvpn/gateway is $(stat -c %U:%a /var/lib/mtlsvpn/gateway), want mtlsvpn:750"
dpkg-query -W -f='${Conffiles}\n' mtlsvpn-server | grep -q ' /etc/mtlsvpn/server.ini ' ||
	fail "/etc/mtlsvpn/server.ini is not a conffile"
/usr/sbin/mtlsvpn-server --check-config >"$WORK/check.log" 2>&1 && fail "the packaged server.ini was accepted without a CA"
grep -q 'ca: required key is missing, and nothing starts without it' "$WORK/check.log" ||
	fail "the packaged server.ini does not say the CA is missing: $(cat "$WORK/check.log")"
grep -q '^wolfSSL configure: --enable-static' <(/usr/sbin/mtlsvpn-server --version) ||
	fail "mtlsvpn-server --version does not give wolfSSL's configure flags"
grep -q '^configure flags: ' /usr/share/doc/mtlsvpn-server/README.wolfssl ||
	fail "no README.wolfssl in /usr/share/doc/mtlsvpn-server"
systemd-analyze verify "${UNITS[@]}" >"$WORK/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$WORK/verify.log")"
say "installed; the units verify"

# ---- 3. one tunnel, as the units run it ----
topo_init
add_laptop 1
/usr/sbin/mtlsvpnctl ca init --name "Installed Test CA" >"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca init: $(cat "$WORK/ctl.log")"
[ -f /var/lib/mtlsvpn/ca/ca.crt ] || fail "mtlsvpnctl's default CA directory is not /var/lib/mtlsvpn/ca"
/usr/sbin/mtlsvpnctl ca issue-server gw.test --out /etc/mtlsvpn >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca issue-server: $(tail -n 3 "$WORK/ctl.log")"
cp /var/lib/mtlsvpn/ca/ca.crt /etc/mtlsvpn/ca.crt
chown mtlsvpn: /etc/mtlsvpn/gw.test.key
# The packaged file with ca, cert and key set, as the admin guide says.
sed -i -e 's|^;ca = .*|ca = /etc/mtlsvpn/ca.crt|' -e 's|^;cert = .*|cert = /etc/mtlsvpn/gw.test.crt|' \
	-e 's|^;key = .*|key = /etc/mtlsvpn/gw.test.key|' -e 's|^;listen = .*|listen = 192.0.2.1:8443|' \
	-e "s|^;control = .*|control = $WORK/control|" -e '0,/^;routes = /s|^;routes = .*|routes = 10.20.0.0/24|' \
	/etc/mtlsvpn/server.ini
/usr/sbin/mtlsvpn-server --check-config >"$WORK/check.log" 2>&1 ||
	fail "the edited server.ini: $(cat "$WORK/check.log")"
# The control socket is served to root only: let mtlsvpn make it here.
chown mtlsvpn: "$WORK"
# The unit relies on /dev/net/tun being mode 0666, as Debian's udev makes it.
# Where it is not (some containers), the gateway gets such a node in a mount
# namespace of its own; the host's stays as it is.
tun_node=
if [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
	mkdir "$WORK/dev"
	tun_node="mount --make-rprivate / && mount -t tmpfs -o mode=755 none $WORK/dev &&
		mknod -m 666 $WORK/dev/tun c 10 200 && mount --bind $WORK/dev/tun /dev/net/tun &&"
fi
ip netns exec "$G" unshare -m sh -c "$tun_node exec setpriv --reuid=mtlsvpn --regid=mtlsvpn \
	--init-groups --bounding-set=-all,+net_admin --inh-caps=-all,+net_admin \
	--ambient-caps=-all,+net_admin /usr/sbin/mtlsvpn-server -v" >>"$WORK/gateway.log" 2>&1 &
GW_PID=$!
T_PIDS+=("$GW_PID")
wait_for 10 gateway_listening ||
	fail "the gateway (user mtlsvpn, CAP_NET_ADMIN) is not listening after 10 s: $(tail -n 5 "$WORK/gateway.log")"

name=t$ID
/usr/sbin/mtlsvpnctl ca profile alice --gateway 192.0.2.1:8443 --server-name gw.test \
	--out "/etc/mtlsvpn/client/$name.profile" >>"$WORK/ctl.log" 2>&1 ||
	fail "mtlsvpnctl ca profile: $(tail -n 3 "$WORK/ctl.log")"
# The client unit's own ExecStart script, with systemd's %i and $$ resolved.
script=$(sed -n "s|^ExecStart=/bin/sh -c '\(.*\)'\$|\1|p" /lib/systemd/system/mtlsvpn-client@.service |
	sed -e "s/%i/$name/g" -e 's/\$\$/$/g')
[ -n "$script" ] || fail "mtlsvpn-client@.service: no ExecStart=/bin/sh -c '...' line"
ip netns exec "$(lap 1)" /bin/sh -c "$script" >>"$WORK/client1.log" 2>&1 &
T_PIDS+=("$!")
wait_tunnel 1
ip netns exec "$(lap 1)" ping -c 3 -i 0.2 -W 2 10.20.0.2 >/dev/null ||
	fail "no ping from the laptop to the LAN through the installed programs"
/usr/sbin/mtlsvpnctl status --control "$WORK/control" >"$WORK/status.log" 2>&1 ||
	fail "mtlsvpnctl status: $(cat "$WORK/status.log")"
grep -q alice "$WORK/status.log" || fail "mtlsvpnctl status does not list alice: $(cat "$WORK/status.log")"
wait_for 5 test -s /var/lib/mtlsvpn/gateway/leases ||
	fail "the gateway (user mtlsvpn) wrote no /var/lib/mtlsvpn/gateway/leases"
for p in "${T_PIDS[@]}"; do stop_pid "$p"; done
T_PIDS=()
say "tunnel up and used with the installed programs; the gateway ran as mtlsvpn"

# ---- 4. purge ----
apt-get purge -y -q "${PKGS[@]}" >"$WORK/purge.log" 2>&1 || fail "apt-get purge: $(cat "$WORK/purge.log")"
left=()
while read -r f; do
	case "$f" in
	/etc/mtlsvpn | /etc/mtlsvpn/client) continue ;; # they hold what the admin made
	esac
	# Shared directories (/usr, /usr/share/man/man8) stay; ours must go.
	if [ -d "$f" ] && [ "${f#*mtlsvpn}" = "$f" ]; then continue; fi
	if [ -e "$f" ] || [ -L "$f" ]; then left+=("$f"); fi
done <"/tmp/mtlsvpn-files.$ID"
[ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
for f in /etc/mtlsvpn/server.ini /var/lib/mtlsvpn/gateway /run/mtlsvpn; do
	[ ! -e "$f" ] || fail "$f is left after purge"
done
# What the admin made stays, and the system user.
for f in /var/lib/mtlsvpn/ca/ca.key /etc/mtlsvpn/gw.test.key "/etc/mtlsvpn/client/$name.profile"; do
	[ -e "$f" ] || fail "purge removed $f, which the admin made"
done
getent passwd mtlsvpn >/dev/null || fail "purge removed the user mtlsvpn"
remaining=$(find /etc/mtlsvpn /var/lib/mtlsvpn -mindepth 1 -not -path '/var/lib/mtlsvpn/ca/*' |
	sort | tr '\n' ' ')
expected="/etc/mtlsvpn/ca.crt /etc/mtlsvpn/client /etc/mtlsvpn/client/$name.profile /etc/mtlsvpn/gw.test.crt /etc/mtlsvpn/gw.test.key /var/lib/mtlsvpn/ca "
[ "$remaining" = "$expected" ] ||
	fail "after purge, want only the admin's files, have: $remaining"
say "purged: nothing of the packages is left; the CA, keys, profile and user mtlsvpn stay"
uninstall
pass
