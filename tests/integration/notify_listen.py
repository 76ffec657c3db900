#!/usr/bin/env python3
"""notify_listen.py PATH SECONDS - the service manager's side of
sd_notify(3) for test_systemd.sh: binds a datagram socket at PATH and
prints every message received (one line per assignment), for at most
SECONDS."""
import os
import socket
import sys
import time

path, seconds = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
print("listening", flush=True)
end = time.monotonic() + seconds
while time.monotonic() < end:
    s.settimeout(max(0.05, end - time.monotonic()))
    try:
        d = s.recv(4096)
    except socket.timeout:
        break
    for line in d.decode(errors="replace").splitlines():
        print(line, flush=True)
