#!/usr/bin/python3
"""resolved_mock.py LOG READY SECONDS - a stand-in for systemd-resolved on
the bus DBUS_SYSTEM_BUS_ADDRESS names (a private dbus-daemon of
test_dns_resolved.sh): owns org.freedesktop.resolve1 and implements the
Manager methods the client calls, recording each call as one JSON line in
LOG with the caller's uid and effective capabilities. Like resolved, it
refuses a caller that is neither uid 0 nor holds CAP_NET_ADMIN. Touches
READY once the name is owned; exits after SECONDS at most. The methods
named in $MOCK_REFUSE (comma-separated) are refused as if polkit said no. Debian's
python3-dbus and python3-gi (run by /usr/bin/python3, not another python)."""
import json
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

LOG, READY, SECONDS = sys.argv[1], sys.argv[2], int(sys.argv[3])
CAP_NET_ADMIN = 12
IFACE = "org.freedesktop.resolve1.Manager"
REFUSE = set(filter(None, os.environ.get("MOCK_REFUSE", "").split(",")))


class Manager(dbus.service.Object):
    def _record(self, sender, method, ifindex, **args):
        bus = self.connection
        dbus_iface = dbus.Interface(
            bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
            "org.freedesktop.DBus")
        uid = int(dbus_iface.GetConnectionUnixUser(sender))
        pid = int(dbus_iface.GetConnectionUnixProcessID(sender))
        capeff = 0
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    capeff = int(line.split()[1], 16)
        rec = {"method": method, "ifindex": int(ifindex), "uid": uid, "pid": pid,
               "capeff": f"{capeff:x}", **args}
        with open(LOG, "a") as f:
            f.write(json.dumps(rec) + "\n")
        if method in REFUSE or (uid != 0 and not capeff & (1 << CAP_NET_ADMIN)):
            raise dbus.exceptions.DBusException(
                "not allowed", name="org.freedesktop.DBus.Error.AccessDenied")

    @dbus.service.method(IFACE, in_signature="ia(iay)", sender_keyword="sender")
    def SetLinkDNS(self, ifindex, addrs, sender=None):
        self._record(sender, "SetLinkDNS", ifindex,
                     servers=[[int(f), [int(b) for b in a]] for f, a in addrs])

    @dbus.service.method(IFACE, in_signature="ia(sb)", sender_keyword="sender")
    def SetLinkDomains(self, ifindex, domains, sender=None):
        self._record(sender, "SetLinkDomains", ifindex,
                     domains=[("~" if r else "") + str(d) for d, r in domains])

    @dbus.service.method(IFACE, in_signature="ib", sender_keyword="sender")
    def SetLinkDefaultRoute(self, ifindex, on, sender=None):
        self._record(sender, "SetLinkDefaultRoute", ifindex, on=bool(on))

    @dbus.service.method(IFACE, in_signature="i", sender_keyword="sender")
    def RevertLink(self, ifindex, sender=None):
        self._record(sender, "RevertLink", ifindex)


dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SystemBus()
name = dbus.service.BusName("org.freedesktop.resolve1", bus)
Manager(bus, "/org/freedesktop/resolve1")
loop = GLib.MainLoop()
GLib.timeout_add_seconds(SECONDS, loop.quit)
open(READY, "w").close()
loop.run()
