#!/usr/bin/env python3
"""journal_listen.py SOCKET OUT SECONDS - stands in for journald's native
socket (/run/systemd/journal/socket, inside a private mount namespace of
the test): binds a Unix datagram socket at SOCKET, anyone may send to it,
and decodes every entry sd_journal_send(3) writes to it (KEY=value lines,
or KEY\\n<64-bit little-endian length><value>\\n for values with a newline)
into one JSON object a line in OUT. Exits after SECONDS at the latest."""
import json
import os
import socket
import struct
import sys
import time


def decode(d):
    fields, i = {}, 0
    while i < len(d):
        nl = d.find(b"\n", i)
        if nl < 0:
            break
        line = d[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack("<Q", d[nl + 1:nl + 9])
            v = d[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        fields[k.decode()] = v.decode("utf-8", "replace")
    return fields


def main():
    path, out, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    end = time.monotonic() + secs
    with open(out, "a", buffering=1) as f:
        while time.monotonic() < end:
            s.settimeout(max(0.1, end - time.monotonic()))
            try:
                d = s.recv(1 << 20)
            except socket.timeout:
                continue
            f.write(json.dumps(decode(d)) + "\n")


if __name__ == "__main__":
    main()
